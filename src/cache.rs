//! Cache: the last good quotes and news in `<cache_dir>/cache.json`, so a restart offline shows
//! them at once (marked stale) instead of an empty screen.

use crate::domain::{NewsItem, Quote};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cache {
    #[serde(default)]
    pub version: u32,
    pub saved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub quotes: Vec<Quote>,
    #[serde(default)]
    pub news: Vec<NewsItem>,
}

impl Cache {
    pub const VERSION: u32 = 1;
}

pub fn file(dir: &Path) -> PathBuf {
    dir.join("cache.json")
}

/// Missing -> `Ok(None)`; unreadable or from another format version -> `Err` with a message (the
/// cache is only a cache: the next save replaces it).
pub fn load(dir: &Path) -> Result<Option<Cache>, String> {
    let path = file(dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cache {}: {e}", path.display())),
    };
    let cache: Cache = serde_json::from_slice(&bytes)
        .map_err(|e| format!("cache {} unreadable ({e}); ignoring it", path.display()))?;
    if cache.version != Cache::VERSION {
        return Err(format!("cache {} is format {}, ignoring it", path.display(), cache.version));
    }
    Ok(Some(cache))
}

pub fn save(dir: &Path, cache: &Cache) -> Result<(), String> {
    let path = file(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("cache dir {}: {e}", dir.display()))?;
    let bytes = serde_json::to_vec(cache).map_err(|e| e.to_string())?;
    crate::store::write_atomic(&path, &bytes).map_err(|e| format!("cache {}: {e}", path.display()))
}
