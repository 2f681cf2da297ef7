//! I/O: the providers behind one fetch seam (HTTP client, quote sources, feeds, the recorded
//! demo data), the state file, the cache and the platform paths.

pub mod cache;
pub mod db;
pub mod paths;
pub mod providers;
pub mod store;
