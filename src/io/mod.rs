//! I/O: the providers behind one fetch seam (HTTP client, quote sources, feeds, the recorded
//! demo data), the state file, the cache and the platform paths.

pub mod cache;
pub mod db;
pub mod paths;
pub mod providers;
pub mod store;

/// Fixes glibc's thresholds for a process that stays open all day: allocations above 256 KiB
/// (a feed's body, its repaired text, the window's arrays) get their own mapping, given back when
/// freed, and free memory at the top of an arena above 256 KiB is given back at once.
///
/// By default glibc raises both thresholds after the first big block is freed (to 4 MiB and 8
/// MiB after a 4 MB feed), and `malloc_trim` never trims the top of a thread's arena: each
/// refetch of a big feed left a few MiB more resident (23 MiB to 33 MiB over four refetches of a
/// 4 MB feed, with 3.8 MB of it in use). Call once, before any thread starts.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 * 1024);
    }
}

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
