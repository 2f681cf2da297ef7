//! The store: one SQLite database (`<data_dir>/chokepoint.db`, `demo.db` for `--demo`) shared
//! by every chokepoint process at once: the TUI, a second TUI, the CLI.
//!
//! - WAL mode, so readers never wait for the writer; a busy timeout, so two writers queue
//!   instead of failing; every write is one short transaction.
//! - Schema versions in `PRAGMA user_version`, upgraded forward by [`migrate`] in one
//!   transaction per step.
//! - The file and its `-wal`, `-shm` and `-journal` companions are never symbolic links: one
//!   there is refused, never followed. A new database is created 0600 (SQLite gives its
//!   companions the same mode).
//! - A file that is not a database (or one SQLite finds corrupt) is moved aside to
//!   `chokepoint.db.corrupt-<stamp>` and a fresh one started, with a notice saying so.
//! - Text read back is sanitized again before it reaches the screen: the file is the user's to
//!   edit.
//!
//! What is kept: the user's journal and marks ([`user`]), every headline ([`archive`]), quotes
//! and their history ([`quotes`]); [`import`] brings in the JSON files of earlier versions.

pub mod archive;
pub mod import;
pub mod migrate;
pub mod quotes;
pub mod user;

use crate::store::{create_private_dir, open_own};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's write before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error(
        "{} was written by a newer chokepoint (schema {found}, this one knows up to {known}); \
         upgrade chokepoint or move the file aside",
        path.display()
    )]
    Newer { path: PathBuf, found: i64, known: i64 },
    #[error("the disk is full: {} could not be written (free some space; nothing was lost)", path.display())]
    Full { path: PathBuf },
}

impl DbError {
    fn sqlite(path: &Path, source: rusqlite::Error) -> DbError {
        if source.sqlite_error_code() == Some(ErrorCode::DiskFull) {
            return DbError::Full { path: path.to_path_buf() };
        }
        DbError::Sqlite { path: path.to_path_buf(), source }
    }

    /// Whether the file itself is damaged or is not a database (it is moved aside then).
    fn is_corrupt(&self) -> bool {
        matches!(self, DbError::Sqlite { source, .. }
            if matches!(source.sqlite_error_code(), Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)))
    }
}

/// An open store.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// Debug builds, `CHOKEPOINT_TEST_DB_FULL` set: every write fails as on a full disk, so the
    /// tests can drive the real binary through it.
    full: bool,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

/// What [`Db::open`] found besides the store: messages for the user.
#[derive(Debug)]
pub struct Opened {
    pub db: Db,
    pub notices: Vec<String>,
}

/// The companions SQLite keeps next to the database.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

impl Db {
    /// Opens (creating if missing) the store at `path` and brings its schema up to date. A file
    /// that is not a database, or a corrupt one, is moved aside and a fresh one started (said in
    /// the notices); a symlink at any of its paths, a newer schema or an unwritable data dir is
    /// an error.
    pub fn open(path: &Path) -> Result<Opened, DbError> {
        let mut notices = Vec::new();
        match Db::open_retrying(path) {
            Ok(db) => Ok(Opened { db, notices }),
            Err(err) if err.is_corrupt() => {
                let moved = move_aside(path)?;
                notices.push(format!(
                    "{} was not a readable chokepoint database ({err}); moved it to {} and started \
                     a fresh one",
                    path.display(),
                    moved.display()
                ));
                Ok(Opened { db: Db::open_once(path)?, notices })
            }
            Err(err) => Err(err),
        }
    }

    /// Opens an existing store to read it, changing nothing (no schema upgrade, no file made);
    /// a symlink at its paths is refused.
    pub fn open_read_only(path: &Path) -> Result<Db, DbError> {
        refuse_symlinks(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::sqlite(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| DbError::sqlite(path, e))?;
        Ok(Db { conn, path: path.to_path_buf(), full: false })
    }

    /// [`Db::open_once`], again while SQLite answers "busy" without waiting (as it does where
    /// waiting could deadlock: several processes opening a new file at once, one turning it to
    /// WAL while another upgrades the schema), for up to the busy timeout.
    fn open_retrying(path: &Path) -> Result<Db, DbError> {
        let until = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match Db::open_once(path) {
                Err(DbError::Sqlite { source, .. })
                    if source.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < until =>
                {
                    std::thread::sleep(Duration::from_millis(10 + u64::from(fastrand::u8(..20))));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Db, DbError> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(|source| DbError::Io {
                action: "create data dir",
                path: dir.to_path_buf(),
                source,
            })?;
        }
        refuse_symlinks(path)?;
        // Created here, 0600 and never through a symlink, before SQLite opens it: SQLite would
        // create it with the umask's mode, and its companions copy the database's.
        open_own(path, OpenOptions::new().read(true).write(true).truncate(false))
            .map_err(|source| DbError::Io { action: "open", path: path.to_path_buf(), source })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::sqlite(path, e))?;
        let full = cfg!(debug_assertions) && std::env::var_os("CHOKEPOINT_TEST_DB_FULL").is_some();
        let mut db = Db { conn, path: path.to_path_buf(), full: false };
        db.configure()?;
        migrate::migrate(&mut db.conn).map_err(|e| match e {
            migrate::Error::Newer { found, known } => {
                DbError::Newer { path: path.to_path_buf(), found, known }
            }
            migrate::Error::Sqlite(e) => DbError::sqlite(path, e),
        })?;
        db.full = full;
        Ok(db)
    }

    fn configure(&mut self) -> Result<(), DbError> {
        let path = self.path.clone();
        let e = |e| DbError::sqlite(&path, e);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(e)?;
        // Reading the schema version proves the file is a database (a text file fails here).
        let _: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(e)?;
        let mode: String = self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(e)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!("{}: journal mode is {mode}, not wal", path.display());
        }
        // In WAL mode NORMAL survives any crash of the process; a user's decision is written
        // with FULL (see `user::record`), so it survives a power cut too.
        self.conn
            .execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;
                 PRAGMA cache_size = -1024;",
            )
            .map_err(e)?;
        // 1 MiB of page cache per connection (SQLite's default is 2): the app stays small, and
        // the OS caches the file anyway.
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes whenever another connection commits (`PRAGMA data_version`): polled to notice
    /// a write by another process.
    pub fn data_version(&self) -> Result<i64, DbError> {
        self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// Stops this connection from copying the write-ahead log back at a commit that pushes it
    /// past 1,000 pages (SQLite's default, which puts the copy and its fsync inside whichever
    /// commit crosses the line); the owner calls [`Db::checkpoint`] between writes instead.
    pub fn defer_checkpoints(&self) -> Result<(), DbError> {
        self.conn.query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(())).map_err(|e| self.err(e))
    }

    /// A passive checkpoint: the log's pages no reader needs go back into the database.
    pub fn checkpoint(&self) -> Result<(), DbError> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())).map_err(|e| self.err(e))
    }

    /// Hands the page cache's memory back (after the start-up reads, which filled it).
    pub fn release_memory(&self) {
        let _ = self.conn.execute_batch("PRAGMA shrink_memory");
    }

    /// What `check` says about the store: its schema, how much it holds, and `PRAGMA quick_check`.
    pub fn summary(&self) -> Result<String, DbError> {
        let run = || -> rusqlite::Result<String> {
            let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let news: i64 = self.conn.query_row("SELECT count(*) FROM news", [], |r| r.get(0))?;
            let journal: i64 = self.conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0))?;
            let check: String = self.conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            Ok(format!(
                "{}: schema {version}, {news} archived headlines, {journal} journal entries, check {check}",
                self.path.display()
            ))
        };
        run().map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check`'s first line (`ok` when sound).
    pub fn integrity(&self) -> Result<String, DbError> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<i64, DbError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> DbError {
        DbError::sqlite(&self.path, e)
    }

    /// Runs `f` in an immediate write transaction (the write lock taken at once, so what `f`
    /// reads is still true when it writes), committed when `f` succeeds.
    fn write<T>(
        &mut self,
        durable: bool,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, DbError> {
        let path = self.path.clone();
        if self.full {
            return Err(DbError::Full { path });
        }
        let e = |e| DbError::sqlite(&path, e);
        if durable {
            self.conn.execute_batch("PRAGMA synchronous = FULL").map_err(e)?;
        }
        let result = (|| {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })();
        if durable {
            self.conn.execute_batch("PRAGMA synchronous = NORMAL").map_err(e)?;
        }
        result.map_err(e)
    }

    /// Test hook: the database may grow by at most `pages` pages more, so a write fails as it
    /// would on a full disk (SQLITE_FULL).
    pub fn limit_growth(&self, pages: i64) -> Result<(), DbError> {
        let count: i64 =
            self.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {}", count + pages), [], |_| Ok(()))
            .map_err(|e| self.err(e))
    }
}

/// A symlink at the database or one of its companions is refused, naming the path.
fn refuse_symlinks(path: &Path) -> Result<(), DbError> {
    let mut paths = vec![path.to_path_buf()];
    paths.extend(COMPANIONS.iter().map(|s| with_suffix(path, s)));
    for p in paths {
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(DbError::Io { action: "open", path: p, source: crate::store::symlink_refused() });
        }
    }
    Ok(())
}

pub use crate::store::with_suffix;

/// Moves the database (and its companions, which belong to it) to `<name>.corrupt-<stamp>`.
fn move_aside(path: &Path) -> Result<PathBuf, DbError> {
    let io = |source| DbError::Io { action: "move aside", path: path.to_path_buf(), source };
    let target = crate::store::aside_name(path, "corrupt").map_err(io)?;
    fs::rename(path, &target).map_err(io)?;
    for suffix in COMPANIONS {
        let from = with_suffix(path, suffix);
        if fs::symlink_metadata(&from).is_ok() {
            fs::rename(&from, with_suffix(&target, suffix)).map_err(io)?;
        }
    }
    Ok(target)
}

/// Unix milliseconds, as times are stored.
pub(crate) fn ms(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time back; a value out of range reads as the epoch rather than failing the load.
pub(crate) fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Stored text as it may be shown: cleaned again (the file may have been edited).
pub(crate) fn shown(text: &str) -> String {
    crate::sanitize::clean_stored(text, crate::sanitize::STORED_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_database_is_0600_in_wal_mode_at_the_latest_schema() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("data/chokepoint.db");
        let opened = Db::open(&path).unwrap();
        assert!(opened.notices.is_empty());
        let db = opened.db;
        assert_eq!(db.schema_version().unwrap(), migrate::LATEST);
        assert_eq!(db.integrity().unwrap(), "ok");
        let mode: String = db.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        for p in [path.clone(), with_suffix(&path, "-wal"), with_suffix(&path, "-shm")] {
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        assert_eq!(fs::metadata(tmp.path().join("data")).unwrap().permissions().mode() & 0o077, 0);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_moved_aside_and_a_fresh_one_started() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("chokepoint.db");
        let text = "not a database, but someone's notes\n".repeat(200);
        fs::write(&path, &text).unwrap();
        let opened = Db::open(&path).unwrap();
        let [notice] = opened.notices.as_slice() else { panic!("{:?}", opened.notices) };
        assert!(notice.contains("moved it to") && notice.contains(".corrupt-"), "{notice}");
        assert_eq!(opened.db.integrity().unwrap(), "ok");
        let aside: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| {
                n.starts_with("chokepoint.db.corrupt-") && !n.ends_with("-wal") && !n.ends_with("-shm")
            })
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert_eq!(fs::read_to_string(tmp.path().join(&aside[0])).unwrap(), text, "kept as it was");
    }

    #[test]
    fn symlinks_at_the_database_or_its_companions_are_refused() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join("chokepoint.db");
            let target = tmp.path().join("precious");
            fs::write(&target, "keep me").unwrap();
            let link = with_suffix(&path, suffix);
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let err = Db::open(&path).unwrap_err().to_string();
            assert!(err.contains("symbolic link") && err.contains(&link.display().to_string()), "{err}");
            assert_eq!(fs::read_to_string(&target).unwrap(), "keep me");
            assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        }
    }

    #[test]
    fn a_full_disk_is_a_clear_error_and_nothing_half_written() {
        let tmp = tempfile::tempdir().unwrap();
        let mut db = Db::open(&tmp.path().join("c.db")).unwrap().db;
        db.limit_growth(0).unwrap();
        let at = chrono::Utc::now();
        let changes: Vec<crate::journal::Change> = (0..5000)
            .map(|i| crate::journal::Change::Read { item: format!("https://example.com/news/{i}"), at })
            .collect();
        let err = db.record(&changes).unwrap_err();
        assert!(matches!(err, DbError::Full { .. }), "{err}");
        assert!(err.to_string().contains("the disk is full") && err.to_string().contains("nothing was lost"));
        assert!(db.load_user().unwrap().read.is_empty(), "the transaction was rolled back whole");
        assert_eq!(db.integrity().unwrap(), "ok");
    }

    #[test]
    fn a_database_from_a_newer_chokepoint_is_refused_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("chokepoint.db");
        drop(Db::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", migrate::LATEST + 1)).unwrap();
        drop(conn);
        let err = Db::open(&path).unwrap_err();
        assert!(matches!(err, DbError::Newer { .. }), "{err}");
        assert!(err.to_string().contains("newer chokepoint"), "{err}");
        assert!(path.exists());
    }
}
