//! I/O: the providers behind one fetch seam (HTTP client, quote sources, feeds, the recorded
//! demo data), the state file, the cache and the platform paths.

pub mod cache;
pub mod db;
pub mod paths;
pub mod providers;
pub mod store;

/// Hands memory freed after a big transient job (a feed's parse, a cache snapshot, the start-up
/// restore) back to the OS. glibc keeps freed memory in the arena of the thread that used it,
/// so the resident size would otherwise carry every past peak for the rest of the session.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
