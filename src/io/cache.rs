//! Cache: the last good quotes and news in `<cache_dir>/cache.json`, so a restart offline shows
//! them at once (marked stale) instead of an empty screen.

use std::path::{Path, PathBuf};

pub use crate::core::domain::Cache;

pub fn file(dir: &Path) -> PathBuf {
    dir.join("cache.json")
}

/// Missing -> `Ok(None)`; unreadable or from another format version -> `Err` with a message (the
/// cache is only a cache: the next save replaces it).
pub fn load(dir: &Path) -> Result<Option<Cache>, String> {
    let path = file(dir);
    let bytes = match crate::store::read_own(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cache {}: {e}", path.display())),
    };
    let cache: Cache = serde_json::from_slice(&bytes)
        .map_err(|e| format!("cache {} unreadable ({e}); ignoring it", path.display()))?;
    if cache.version != Cache::VERSION {
        return Err(format!("cache {} is format {}, ignoring it", path.display(), cache.version));
    }
    Ok(Some(cache.sanitized()))
}

impl Cache {
    /// The cache is a file anyone with our permissions could have edited: every text field is
    /// cleaned again here, where it is read, before it can reach the screen or stdout.
    fn sanitized(mut self) -> Cache {
        let c = |text: &str| crate::sanitize::clean_stored(text, crate::sanitize::STORED_MAX);
        for q in &mut self.quotes {
            for text in
                [&mut q.symbol, &mut q.provider_symbol, &mut q.currency, &mut q.exchange, &mut q.source]
            {
                *text = c(text);
            }
        }
        for n in &mut self.news {
            for text in [&mut n.id, &mut n.title, &mut n.source] {
                *text = c(text);
            }
            n.link = c(&n.link).chars().filter(|ch| !ch.is_whitespace()).collect();
            for list in [&mut n.tickers, &mut n.catalysts, &mut n.risks] {
                list.iter_mut().for_each(|t| *t = c(t));
            }
        }
        self
    }
}

pub fn save(dir: &Path, cache: &Cache) -> Result<(), String> {
    let path = file(dir);
    crate::store::create_private_dir(dir).map_err(|e| format!("cache dir {}: {e}", dir.display()))?;
    let bytes = serde_json::to_vec(cache).map_err(|e| e.to_string())?;
    crate::store::write_atomic(&path, &bytes).map_err(|e| format!("cache {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_cache_is_0600_and_a_symlink_there_is_refused_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache { version: Cache::VERSION, ..Cache::default() };
        save(tmp.path(), &cache).unwrap();
        let mode = std::fs::metadata(file(tmp.path())).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load(tmp.path()).unwrap(), Some(cache.clone()));

        let other = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target.json");
        std::fs::write(&target, serde_json::to_vec(&cache).unwrap()).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::os::unix::fs::symlink(&target, file(other.path())).unwrap();
        let path = file(other.path()).display().to_string();
        let err = load(other.path()).unwrap_err();
        assert!(err.contains(&path) && err.contains("symbolic link"), "{err}");
        let err = save(other.path(), &cache).unwrap_err();
        assert!(err.contains(&path) && err.contains("symbolic link"), "{err}");
        assert!(std::fs::symlink_metadata(file(other.path())).unwrap().file_type().is_symlink());
    }
}
