//! The `cache.json` of versions before the database (quotes, headlines, feed times), read once
//! to import it, and the cleaning of cached text wherever it is read back.

use std::path::{Path, PathBuf};

pub use crate::core::domain::Cache;

pub fn file(dir: &Path) -> PathBuf {
    dir.join("cache.json")
}

/// Missing -> `Ok(None)`; unreadable or from another format version -> `Err` with a message.
pub fn load(path: &Path) -> Result<Option<Cache>, String> {
    let bytes = match crate::store::read_own(path) {
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
    pub(crate) fn sanitized(mut self) -> Cache {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_legacy_cache_is_read_cleaned_and_a_symlink_there_is_refused_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let mut cache = Cache { version: Cache::VERSION, ..Cache::default() };
        let path = file(tmp.path());
        assert_eq!(load(&path).unwrap(), None);
        crate::store::write_atomic(&path, &serde_json::to_vec(&cache).unwrap()).unwrap();
        assert_eq!(load(&path).unwrap(), Some(cache.clone()));
        cache.version = 99;
        crate::store::write_atomic(&path, &serde_json::to_vec(&cache).unwrap()).unwrap();
        assert!(load(&path).unwrap_err().contains("format 99"));

        let other = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target.json");
        std::fs::write(&target, serde_json::to_vec(&cache).unwrap()).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o777)).unwrap();
        let linked = file(other.path());
        std::os::unix::fs::symlink(&target, &linked).unwrap();
        let err = load(&linked).unwrap_err();
        assert!(err.contains(&linked.display().to_string()) && err.contains("symbolic link"), "{err}");
    }
}
