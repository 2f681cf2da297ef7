//! Where files live: config, the store, caches and the log under the platform dirs (XDG_* on
//! Linux).

use directories::ProjectDirs;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub cache_dir: PathBuf,
}

impl Paths {
    /// The platform's dirs for chokepoint; `None` when no home directory can be found.
    pub fn discover() -> Option<Paths> {
        let dirs = ProjectDirs::from("", "", "chokepoint")?;
        Some(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            data_dir: dirs.data_dir().to_path_buf(),
            cache_dir: dirs.cache_dir().to_path_buf(),
        })
    }

    /// The store: `chokepoint.db`, or `demo.db` for `--demo` so the demo never touches real
    /// decisions.
    pub fn db_file(&self, demo: bool) -> PathBuf {
        self.data_dir.join(if demo { "demo.db" } else { "chokepoint.db" })
    }

    /// Where versions before the store kept the user's state (`state.json`, `demo-state.json`),
    /// imported once.
    pub fn state_file(&self, demo: bool) -> PathBuf {
        self.data_dir.join(if demo { "demo-state.json" } else { "state.json" })
    }

    /// Where versions before the store cached quotes and news (none for the demo).
    pub fn legacy_cache(&self, demo: bool) -> Option<PathBuf> {
        (!demo).then(|| self.cache_dir.join("cache.json"))
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("chokepoint.log")
    }
}
