//! Persisted user state (`state.json`): exclusive lock, load with recovery, atomic save.
//!
//! One chokepoint at a time owns a state file. Ownership is an exclusive `flock`-style lock on
//! `<path>.lock` (the lock file itself is never deleted: deleting lock files races). The kernel
//! releases the lock when its holder exits or crashes, so there is no stale-lock logic; the pid
//! written into the lock file is only used to name the other instance in messages.
//!
//! [`Store::open`] (the TUI) never fails hard: when the lock is held elsewhere, or the data dir
//! cannot be created or written, it opens read-only and says why in a notice. A file that cannot
//! be parsed is never overwritten: a writable store moves it aside to
//! `state.json.corrupt-YYYYMMDDTHHMMSSZ` first, a read-only one leaves it alone.
//!
//! [`open_exclusive`] (the CLI) is strict instead: a held lock, a corrupt or unreadable file,
//! or a data dir it cannot lock is an error, and nothing is ever moved, so scripts fail loudly.

use crate::domain::UserState;
use atomic_write_file::AtomicWriteFile;
use chrono::Utc;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why the state store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    /// Another process holds the lock on the state file.
    #[error("another chokepoint{} holds {}; close it and try again", pid_text(*pid), path.display())]
    Locked { path: PathBuf, pid: Option<u32> },
    /// The state file exists but is not state this version understands.
    #[error("{} is not valid chokepoint state ({reason}); fix it or move it aside", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// The store was opened read-only, so nothing was written.
    #[error("{} is open read-only: changes were not saved", path.display())]
    ReadOnly { path: PathBuf },
    /// The state could not be encoded as JSON.
    #[error("could not encode state as JSON: {0}")]
    Encode(#[source] serde_json::Error),
}

/// Handle on one state file. Holds the lock (when writable) until dropped.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    /// The open, locked lock file; `None` means read-only.
    lock: Option<File>,
}

/// What [`Store::open`] found: the store, the loaded state, and messages for the user.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    pub state: UserState,
    pub notices: Vec<String>,
}

/// Outcome of trying to take the lock.
enum LockAttempt {
    Held(File),
    /// Another process holds it; its pid if it wrote one.
    Busy(Option<u32>),
    /// The lock could not even be attempted (no dir, no permission, no locking support).
    Failed(StoreError),
}

/// Outcome of reading the state file.
enum Loaded {
    Missing,
    State(UserState),
    Corrupt(String),
    Unreadable(io::Error),
}

impl Store {
    /// Open the state at `path` for the interactive app; see the module docs for the rules.
    ///
    /// Degrades instead of failing: every problem becomes a read-only store and/or a default
    /// state plus a human-readable notice, so the app still starts.
    pub fn open(path: &Path) -> Result<Opened, StoreError> {
        let name = file_label(path);
        let mut notices = Vec::new();
        let lock = match acquire(path) {
            LockAttempt::Held(file) => Some(file),
            LockAttempt::Busy(pid) => {
                notices.push(format!(
                    "another chokepoint{} holds {name}: read-only, changes will not be saved",
                    pid_text(pid)
                ));
                None
            }
            LockAttempt::Failed(err) => {
                notices.push(format!("{err}: read-only, changes will not be saved"));
                None
            }
        };
        let mut store = Store { path: path.to_path_buf(), lock };

        let state = match load(path) {
            Loaded::Missing => fresh_state(),
            Loaded::State(state) => state,
            Loaded::Unreadable(err) => {
                // We cannot know what is in it, so we must never replace it.
                if store.lock.take().is_some() {
                    notices.push(format!(
                        "could not read {}: {err}: read-only, changes will not be saved",
                        path.display()
                    ));
                } else {
                    notices.push(format!("could not read {}: {err}", path.display()));
                }
                fresh_state()
            }
            Loaded::Corrupt(reason) if store.lock.is_some() => {
                match move_aside(path) {
                    Ok(moved) => notices.push(format!(
                        "{name} could not be read ({reason}); moved it to {} and started fresh",
                        moved.display()
                    )),
                    Err(err) => {
                        store.lock = None;
                        notices.push(format!(
                            "{name} could not be read ({reason}) and could not be moved aside \
                             ({err}): read-only, changes will not be saved"
                        ));
                    }
                }
                fresh_state()
            }
            Loaded::Corrupt(reason) => {
                notices.push(format!(
                    "{name} could not be read ({reason}); left it untouched, starting fresh \
                     (read-only)"
                ));
                fresh_state()
            }
        };
        Ok(Opened { store, state, notices })
    }

    /// Write `state` atomically (temp file in the same dir, fsync, rename, fsync dir).
    ///
    /// The file is always written in the current format version.
    pub fn save(&self, state: &UserState) -> Result<(), StoreError> {
        if self.lock.is_none() {
            return Err(StoreError::ReadOnly { path: self.path.clone() });
        }
        let stamped;
        let state = if state.version == UserState::VERSION {
            state
        } else {
            stamped = UserState { version: UserState::VERSION, ..state.clone() };
            &stamped
        };
        let mut bytes = serde_json::to_vec_pretty(state).map_err(StoreError::Encode)?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes).map_err(|source| StoreError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        })
    }

    /// True when this store will refuse to save.
    pub fn is_read_only(&self) -> bool {
        self.lock.is_none()
    }

    /// The state file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Open strictly, for the CLI: any reason we could not safely read *and* later write the state
/// is an error. A held lock is [`StoreError::Locked`]; an unparsable file or one from a newer
/// version is [`StoreError::Corrupt`] (left where it is); an unreadable file, a data dir that
/// cannot be created, or a lock that cannot be taken is [`StoreError::Io`]. A missing file is
/// the default state.
pub fn open_exclusive(path: &Path) -> Result<(Store, UserState), StoreError> {
    let lock = match acquire(path) {
        LockAttempt::Held(file) => file,
        LockAttempt::Busy(pid) => {
            return Err(StoreError::Locked { path: path.to_path_buf(), pid });
        }
        LockAttempt::Failed(err) => return Err(err),
    };
    let state = match load(path) {
        Loaded::Missing => fresh_state(),
        Loaded::State(state) => state,
        Loaded::Corrupt(reason) => {
            return Err(StoreError::Corrupt { path: path.to_path_buf(), reason });
        }
        Loaded::Unreadable(source) => {
            return Err(StoreError::Io { action: "read", path: path.to_path_buf(), source });
        }
    };
    Ok((Store { path: path.to_path_buf(), lock: Some(lock) }, state))
}

/// The default state, stamped with the current version (`UserState::default()` has version 0).
fn fresh_state() -> UserState {
    UserState { version: UserState::VERSION, ..UserState::default() }
}

/// `path` with `suffix` appended to its file name (`state.json` -> `state.json<suffix>`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The short name used in messages (`state.json`).
fn file_label(path: &Path) -> String {
    path.file_name().unwrap_or(path.as_os_str()).to_string_lossy().into_owned()
}

/// ` (pid 1234)` or nothing.
fn pid_text(pid: Option<u32>) -> String {
    pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
}

/// Create the data dir, open `<path>.lock` and try to lock it without blocking.
fn acquire(path: &Path) -> LockAttempt {
    if let Some(dir) = path.parent()
        && let Err(source) = create_private_dir(dir)
    {
        let path = dir.to_path_buf();
        return LockAttempt::Failed(StoreError::Io { action: "create data dir", path, source });
    }
    let lock_path = with_suffix(path, ".lock");
    let io_err = |action, source| StoreError::Io { action, path: lock_path.clone(), source };
    // No truncate here: the file may belong to a running instance whose pid we want to read.
    // Never through a symlink, and only a plain file of our own (see `open_own`).
    let mut file = match open_own(&lock_path, OpenOptions::new().read(true).write(true).truncate(false)) {
        Ok(file) => file,
        Err(source) => return LockAttempt::Failed(io_err("open lock file", source)),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return LockAttempt::Busy(read_pid(&mut file)),
        Err(TryLockError::Error(source)) => return LockAttempt::Failed(io_err("lock", source)),
    }
    // The pid is informational only; failing to record it does not cost us the lock.
    let _ = write_pid(&mut file);
    LockAttempt::Held(file)
}

fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.flush()
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Mode of every file we create: they hold personal notes and decisions.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents, private to the user (0700; existing ones are kept).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// The error for a symlink where one of our files should be; callers name the path.
fn symlink_refused() -> io::Error {
    io::Error::new(
        ErrorKind::InvalidInput,
        "it is a symbolic link: refusing to follow or replace it (move it away to continue)",
    )
}

/// Opens (creating if missing, 0600) a file of ours that is appended to or rewritten in place,
/// the lock and the log, with `O_NOFOLLOW`: a symlink there is refused, never followed. What is
/// there must be a plain file with a single name, so nothing that is not ours (a device, a FIFO,
/// a hard link to another file) is ever written or truncated.
pub fn open_own(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = options
        .create(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| if e.raw_os_error() == Some(libc::ELOOP) { symlink_refused() } else { e })?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.nlink() != 1 {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            "not a plain file of ours (a device, FIFO or hard link): refusing to write to it",
        ));
    }
    Ok(file)
}

/// Reads one of our data files without following a symlink (one there is refused).
pub fn read_own(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| if e.raw_os_error() == Some(libc::ELOOP) { symlink_refused() } else { e })?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Read and parse the state file.
fn load(path: &Path) -> Loaded {
    let bytes = match read_own(path) {
        Ok(bytes) => bytes,
        // A data dir that is a file (or missing) means there is no state yet.
        Err(err) if matches!(err.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Loaded::Missing;
        }
        Err(err) => return Loaded::Unreadable(err),
    };
    match serde_json::from_slice::<UserState>(&bytes) {
        Ok(state) if state.version > UserState::VERSION => Loaded::Corrupt(format!(
            "written by a newer chokepoint: format version {}, this one understands up to {}",
            state.version,
            UserState::VERSION
        )),
        Ok(state) => Loaded::State(sanitized(state)),
        // serde_json's message already ends with "at line L column C".
        Err(err) => Loaded::Corrupt(err.to_string()),
    }
}

/// The state file may have been edited: the text in it that is ever shown (notes, who made a
/// change, alert texts and their row keys) is cleaned again where it is read. This is what a
/// load returns for a parsed state; clean text (all the app writes) passes unchanged.
pub fn sanitized(mut state: UserState) -> UserState {
    use crate::sanitize::{STORED_MAX, clean_stored};
    for event in state.catalysts.values_mut().flat_map(|r| r.history.iter_mut()) {
        event.by = clean_stored(&event.by, STORED_MAX);
        let note = event.note.as_deref().map(|n| clean_stored(n, crate::cli::NOTE_MAX));
        event.note = note.filter(|n| !n.is_empty());
    }
    for alert in &mut state.alerts {
        alert.text = clean_stored(&alert.text, STORED_MAX);
        for key in [&mut alert.ticker, &mut alert.thesis].into_iter().flatten() {
            *key = clean_stored(key, STORED_MAX);
        }
    }
    state
}

/// Rename the unreadable file to a unique `<name>.corrupt-<UTC stamp>[-N]` next to it.
fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let target = unique_aside(path, &stamp)?;
    fs::rename(path, &target)?;
    Ok(target)
}

/// First of `<path>.corrupt-<stamp>`, `...-1`, `...-2`, ... that does not exist yet.
/// Only called while holding the lock, so no other chokepoint can race for the name.
fn unique_aside(path: &Path, stamp: &str) -> io::Result<PathBuf> {
    let base = format!(".corrupt-{stamp}");
    for n in 0..10_000u32 {
        let suffix = if n == 0 { base.clone() } else { format!("{base}-{n}") };
        let candidate = with_suffix(path, &suffix);
        match fs::symlink_metadata(&candidate) {
            Ok(_) => continue,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(candidate),
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::other("no free name to move the corrupt state file to"))
}

/// Replaces `path` with `bytes` atomically: temp file in the same dir, fsync, rename, dir fsync.
/// A crash at any point leaves either the old file or the new one, never a mix. The new file is
/// 0600 whatever the old one was; a symlink at `path` is refused, not replaced or followed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use atomic_write_file::unix::OpenOptionsExt as _;
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(symlink_refused());
    }
    let mut file =
        AtomicWriteFile::options().mode(FILE_MODE).preserve_mode(false).preserve_owner(false).open(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Reads the state without locking or moving anything (for `snapshot`): a missing file is the
/// default state; a corrupt or unreadable one is an error, left where it is.
pub fn peek(path: &Path) -> Result<UserState, StoreError> {
    match load(path) {
        Loaded::Missing => Ok(fresh_state()),
        Loaded::State(state) => Ok(state),
        Loaded::Corrupt(reason) => Err(StoreError::Corrupt { path: path.to_path_buf(), reason }),
        Loaded::Unreadable(source) => {
            Err(StoreError::Io { action: "read", path: path.to_path_buf(), source })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CatalystRecord, RiskLevel, ToggleEvent};
    use chrono::TimeZone;
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    fn sample() -> UserState {
        let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 30, 0).unwrap();
        let mut state = fresh_state();
        state.catalysts.insert(
            "cpo-ramp".into(),
            CatalystRecord {
                done: true,
                done_at: Some(at),
                history: vec![ToggleEvent { done: true, at, by: "tui".into(), note: None }],
            },
        );
        state.risks.insert("china".into(), RiskLevel::Elevated);
        state.read.insert("https://example.com/a".into());
        state
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn corrupt_files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| file_label(p).starts_with("state.json.corrupt-"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let opened = Store::open(&path).unwrap();
        assert!(opened.notices.is_empty(), "{:?}", opened.notices);
        assert!(!opened.store.is_read_only());
        assert_eq!(opened.store.path(), path);
        opened.store.save(&sample()).unwrap();
        drop(opened);
        let again = Store::open(&path).unwrap();
        assert_eq!(again.state, sample());
        assert!(again.notices.is_empty());
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\n  \"catalysts\""), "pretty JSON expected: {text}");
    }

    #[test]
    fn save_stamps_current_version() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let opened = Store::open(&path).unwrap();
        opened.store.save(&UserState::default()).unwrap();
        let raw: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(raw["version"], UserState::VERSION);
    }

    #[test]
    fn save_leaves_no_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let opened = Store::open(&path).unwrap();
        for _ in 0..3 {
            opened.store.save(&sample()).unwrap();
        }
        assert_eq!(names(tmp.path()), ["state.json", "state.json.lock"]);
    }

    #[test]
    fn missing_file_gives_default_with_version() {
        let tmp = tempfile::tempdir().unwrap();
        let opened = Store::open(&tmp.path().join("state.json")).unwrap();
        assert_eq!(opened.state, fresh_state());
        assert_eq!(opened.state.version, UserState::VERSION);
        assert!(opened.notices.is_empty());
        assert!(!opened.store.is_read_only());
    }

    #[test]
    fn missing_dir_is_created() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/chokepoint/state.json");
        let opened = Store::open(&path).unwrap();
        assert!(!opened.store.is_read_only());
        opened.store.save(&sample()).unwrap();
        assert!(path.is_file());
    }

    #[test]
    fn unknown_fields_are_tolerated() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let json = r#"{"version": 1, "future": [1, 2], "risks": {"china": "materialized"},
            "catalysts": {"x": {"done": false, "done_at": null, "colour": "red"}}}"#;
        fs::write(&path, json).unwrap();
        let opened = Store::open(&path).unwrap();
        assert!(opened.notices.is_empty(), "{:?}", opened.notices);
        assert_eq!(opened.state.risks["china"], RiskLevel::Materialized);
        assert!(opened.state.catalysts.contains_key("x"));
    }

    #[test]
    fn truncated_json_is_moved_aside_byte_identical() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let full = serde_json::to_vec_pretty(&sample()).unwrap();
        let truncated = &full[..full.len() / 2];
        fs::write(&path, truncated).unwrap();
        let opened = Store::open(&path).unwrap();
        assert_eq!(opened.state, fresh_state());
        assert!(!opened.store.is_read_only());
        let moved = corrupt_files(tmp.path());
        assert_eq!(moved.len(), 1);
        assert_eq!(fs::read(&moved[0]).unwrap(), truncated);
        assert!(!path.exists());
        let [notice] = opened.notices.as_slice() else { panic!("{:?}", opened.notices) };
        assert!(notice.contains(&moved[0].display().to_string()), "{notice}");
        assert!(notice.contains("line") && notice.contains("column"), "{notice}");
        // The name is state.json.corrupt-YYYYMMDDTHHMMSSZ.
        let stamp = file_label(&moved[0]).trim_start_matches("state.json.corrupt-").to_string();
        assert!(chrono::NaiveDateTime::parse_from_str(&stamp, "%Y%m%dT%H%M%SZ").is_ok(), "{stamp}");
        opened.store.save(&sample()).unwrap();
        assert_eq!(fs::read(&moved[0]).unwrap(), truncated);
    }

    #[test]
    fn garbage_bytes_are_moved_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let garbage = [0xff, 0xfe, 0x00, 0x80, b'{', 0xc3, 0x28];
        fs::write(&path, garbage).unwrap();
        let opened = Store::open(&path).unwrap();
        let moved = corrupt_files(tmp.path());
        assert_eq!(moved.len(), 1);
        assert_eq!(fs::read(&moved[0]).unwrap(), garbage);
        assert_eq!(opened.notices.len(), 1);
        assert_eq!(opened.state, fresh_state());
    }

    #[test]
    fn wrong_types_and_newer_version_are_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        fs::write(&path, r#"{"version": 1, "read": "not-a-list"}"#).unwrap();
        let opened = Store::open(&path).unwrap();
        assert!(opened.notices[0].contains("invalid type"), "{:?}", opened.notices);
        drop(opened);
        fs::write(&path, r#"{"version": 99}"#).unwrap();
        let opened = Store::open(&path).unwrap();
        assert!(opened.notices[0].contains("version 99"), "{:?}", opened.notices);
        assert_eq!(corrupt_files(tmp.path()).len(), 2);
        assert_eq!(opened.state, fresh_state());
    }

    #[test]
    fn unreadable_file_is_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        fs::create_dir(&path).unwrap(); // reading a directory fails with EISDIR
        let opened = Store::open(&path).unwrap();
        assert!(opened.store.is_read_only());
        assert!(opened.notices[0].contains("could not read"), "{:?}", opened.notices);
        assert!(matches!(opened.store.save(&sample()), Err(StoreError::ReadOnly { .. })));
        drop(opened);
        let err = open_exclusive(&path).unwrap_err();
        assert!(err.to_string().starts_with("could not read "), "{err}");
        assert!(path.is_dir() && corrupt_files(tmp.path()).is_empty());
    }

    #[test]
    fn peek_reads_without_lock_or_moving() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        assert_eq!(peek(&path).unwrap(), fresh_state());
        let holder = Store::open(&path).unwrap();
        holder.store.save(&sample()).unwrap();
        assert_eq!(peek(&path).unwrap(), sample());
        fs::write(&path, "{").unwrap();
        assert!(matches!(peek(&path), Err(StoreError::Corrupt { .. })));
        assert_eq!(fs::read(&path).unwrap(), b"{");
        assert!(corrupt_files(tmp.path()).is_empty());
    }

    #[test]
    fn corrupt_names_are_unique() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        for content in ["{", "[", "nope"] {
            fs::write(&path, content).unwrap();
            drop(Store::open(&path).unwrap());
        }
        let moved = corrupt_files(tmp.path());
        assert_eq!(moved.len(), 3);
        let mut contents: Vec<String> = moved.iter().map(|p| fs::read_to_string(p).unwrap()).collect();
        contents.sort();
        assert_eq!(contents, ["[", "nope", "{"]);
        // Same second: the suffixes -1, -2 are used.
        let stamp = "20250101T000000Z";
        let first = unique_aside(&path, stamp).unwrap();
        assert_eq!(file_label(&first), "state.json.corrupt-20250101T000000Z");
        fs::write(&first, "x").unwrap();
        let second = unique_aside(&path, stamp).unwrap();
        assert_eq!(file_label(&second), "state.json.corrupt-20250101T000000Z-1");
        fs::write(&second, "x").unwrap();
        let third = unique_aside(&path, stamp).unwrap();
        assert_eq!(file_label(&third), "state.json.corrupt-20250101T000000Z-2");
    }

    #[test]
    fn second_instance_is_read_only_and_cannot_save() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let first = Store::open(&path).unwrap();
        first.store.save(&sample()).unwrap();
        let before = fs::read(&path).unwrap();

        let second = Store::open(&path).unwrap();
        assert!(second.store.is_read_only());
        assert!(!first.store.is_read_only());
        assert_eq!(second.state, sample());
        let expected = format!(
            "another chokepoint (pid {}) holds state.json: read-only, changes will not be saved",
            std::process::id()
        );
        assert_eq!(second.notices, [expected]);
        let err = second.store.save(&fresh_state()).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), before);
        first.store.save(&fresh_state()).unwrap();
    }

    #[test]
    fn read_only_instance_does_not_move_corrupt_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let first = Store::open(&path).unwrap();
        fs::write(&path, "{\"version\": ").unwrap();
        let second = Store::open(&path).unwrap();
        assert!(second.store.is_read_only());
        assert_eq!(second.notices.len(), 2, "{:?}", second.notices);
        assert!(second.notices[1].contains("untouched"), "{:?}", second.notices);
        assert_eq!(fs::read(&path).unwrap(), b"{\"version\": ");
        assert!(corrupt_files(tmp.path()).is_empty());
        drop(first);
    }

    #[test]
    fn lock_is_released_on_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let first = Store::open(&path).unwrap();
        assert!(Store::open(&path).unwrap().store.is_read_only());
        drop(first);
        let again = Store::open(&path).unwrap();
        assert!(!again.store.is_read_only(), "{:?}", again.notices);
        assert!(again.notices.is_empty());
    }

    #[test]
    fn data_dir_under_a_file_is_read_only_not_a_crash() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("afile"), "x").unwrap();
        let path = tmp.path().join("afile/chokepoint/state.json");
        let opened = Store::open(&path).unwrap();
        assert!(opened.store.is_read_only());
        assert_eq!(opened.state, fresh_state());
        let [notice] = opened.notices.as_slice() else { panic!("{:?}", opened.notices) };
        assert!(notice.contains("could not create data dir"), "{notice}");
        assert!(notice.contains("read-only"), "{notice}");
        assert!(matches!(opened.store.save(&sample()), Err(StoreError::ReadOnly { .. })));
        assert!(matches!(open_exclusive(&path), Err(StoreError::Io { .. })));
    }

    #[test]
    fn unwritable_data_dir_is_read_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let ro = tmp.path().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        // Root (common in containers) ignores directory permissions, so chmod proves nothing
        // there; `data_dir_under_a_file_is_read_only_not_a_crash` covers the error path anyway.
        let probe = ro.join("probe");
        if fs::write(&probe, "x").is_ok() {
            let _ = fs::remove_file(&probe);
            fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
            eprintln!("skipped: running as root, chmod 0o555 does not prevent writes");
            return;
        }
        let opened = Store::open(&ro.join("data/state.json")).unwrap();
        let direct = Store::open(&ro.join("state.json")).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(opened.store.is_read_only());
        assert!(opened.notices[0].contains("could not create data dir"), "{:?}", opened.notices);
        assert!(direct.store.is_read_only());
        assert!(direct.notices[0].contains("could not open lock file"), "{:?}", direct.notices);
    }

    #[test]
    fn open_exclusive_succeeds_and_errors_when_locked() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let (store, state) = open_exclusive(&path).unwrap();
        assert_eq!(state, fresh_state());
        store.save(&sample()).unwrap();
        match open_exclusive(&path) {
            Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(store);
        let (_store, state) = open_exclusive(&path).unwrap();
        assert_eq!(state, sample());
    }

    #[test]
    fn open_exclusive_errors_on_corrupt_and_moves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        fs::write(&path, "{\"catalysts\": {").unwrap();
        let err = open_exclusive(&path).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("state.json is not valid") && message.contains("line 1"), "{message}");
        assert_eq!(fs::read(&path).unwrap(), b"{\"catalysts\": {");
        assert_eq!(names(tmp.path()), ["state.json", "state.json.lock"]);
        // The failed attempt must not keep the lock.
        assert!(!Store::open(&path).unwrap().store.is_read_only());
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn files_we_write_are_0600_even_over_a_world_writable_one() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("data/state.json");
        let opened = Store::open(&path).unwrap();
        opened.store.save(&sample()).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&with_suffix(&path, ".lock")), 0o600);
        assert_eq!(mode(&tmp.path().join("data")) & 0o077, 0, "a new data dir is private");
        // The mode was copied from the old file: a 0666 or 0777 one stayed world-writable.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o777)).unwrap();
        opened.store.save(&sample()).unwrap();
        assert_eq!(mode(&path), 0o600);
        write_atomic(&tmp.path().join("other.json"), b"{}").unwrap();
        assert_eq!(mode(&tmp.path().join("other.json")), 0o600);
    }

    #[test]
    fn a_symlinked_state_file_is_refused_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere.json");
        fs::write(&target, serde_json::to_vec(&sample()).unwrap()).unwrap();
        let path = tmp.path().join("state.json");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let opened = Store::open(&path).unwrap();
        assert!(opened.store.is_read_only());
        let [notice] = opened.notices.as_slice() else { panic!("{:?}", opened.notices) };
        assert!(notice.contains(&path.display().to_string()), "{notice}");
        assert!(notice.contains("symbolic link"), "{notice}");
        drop(opened);
        let err = open_exclusive(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()) && err.contains("symbolic link"), "{err}");
        assert!(peek(&path).is_err());
        // Writing refuses too: the link stays a link, its target untouched.
        let err = write_atomic(&path, b"{}").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&target).unwrap(), serde_json::to_vec(&sample()).unwrap());
    }

    #[test]
    fn a_symlinked_lock_file_is_never_followed_or_truncated() {
        let tmp = tempfile::tempdir().unwrap();
        let precious = tmp.path().join("precious.txt");
        fs::write(&precious, "keep me\n").unwrap();
        let path = tmp.path().join("state.json");
        let lock = with_suffix(&path, ".lock");
        std::os::unix::fs::symlink(&precious, &lock).unwrap();
        let opened = Store::open(&path).unwrap();
        assert!(opened.store.is_read_only());
        let [notice] = opened.notices.as_slice() else { panic!("{:?}", opened.notices) };
        assert!(notice.contains(&lock.display().to_string()) && notice.contains("symbolic link"), "{notice}");
        assert!(matches!(open_exclusive(&path), Err(StoreError::Io { .. })));
        assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me\n", "the pid was written over it");
        // A hard link to another file is not ours either.
        fs::remove_file(&lock).unwrap();
        fs::hard_link(&precious, &lock).unwrap();
        assert!(Store::open(&path).unwrap().store.is_read_only());
        assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me\n");
    }

    #[test]
    fn the_log_is_opened_without_following_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("chokepoint.log");
        let mut file = open_own(&log, OpenOptions::new().append(true)).unwrap();
        writeln!(file, "line").unwrap();
        assert_eq!(mode(&log), 0o600);
        drop(file);
        // Appends, never truncates.
        let mut file = open_own(&log, OpenOptions::new().append(true)).unwrap();
        writeln!(file, "two").unwrap();
        assert_eq!(fs::read_to_string(&log).unwrap(), "line\ntwo\n");
        let target = tmp.path().join("target.txt");
        fs::write(&target, "x").unwrap();
        let linked = tmp.path().join("linked.log");
        std::os::unix::fs::symlink(&target, &linked).unwrap();
        let err = open_own(&linked, OpenOptions::new().append(true)).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "x");
        assert!(open_own(Path::new("/dev/null"), OpenOptions::new().append(true)).is_err());
    }

    const HOLD_ENV: &str = "CHOKEPOINT_STORE_TEST_HOLD";

    /// Run in a child process by `second_process_sees_lock`: hold the store until stdin closes.
    #[test]
    #[ignore = "helper, only does something when spawned by second_process_sees_lock"]
    fn hold_lock_helper() {
        let Some(path) = std::env::var_os(HOLD_ENV) else {
            return;
        };
        let opened = Store::open(Path::new(&path)).unwrap();
        assert!(!opened.store.is_read_only());
        // On its own line: libtest has already printed "test ... " without a newline.
        println!("\nHOLDING-LOCK");
        io::stdout().flush().unwrap();
        let mut rest = Vec::new();
        let _ = io::stdin().read_to_end(&mut rest);
    }

    #[test]
    fn second_process_sees_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["hold_lock_helper", "--ignored", "--nocapture", "--test-threads=1"])
            .env(HOLD_ENV, &path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Keep reading the same pipe later, so the child never writes into a closed pipe.
        let mut lines = io::BufReader::new(stdout).lines().map_while(Result::ok);
        let holding = lines.any(|line| line.trim() == "HOLDING-LOCK");
        assert!(holding, "helper process did not take the lock");

        let opened = Store::open(&path).unwrap();
        assert!(opened.store.is_read_only());
        assert!(opened.notices[0].contains(&format!("(pid {})", child.id())), "{:?}", opened.notices);
        assert!(matches!(open_exclusive(&path), Err(StoreError::Locked { .. })));

        drop(child.stdin.take());
        lines.for_each(drop);
        assert!(child.wait().unwrap().success());
        // The kernel released the dead process's lock: no stale-lock handling needed.
        let after = Store::open(&path).unwrap();
        assert!(!after.store.is_read_only(), "{:?}", after.notices);
    }
}
