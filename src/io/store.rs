//! Files of ours outside the database: helpers that never follow a symlink, create files 0600
//! and replace files atomically (the log, the example config, the Nasdaq orderbook cache), and
//! the reader of the `state.json` that versions before the database kept (imported once).

use crate::domain::UserState;
use atomic_write_file::AtomicWriteFile;
use chrono::Utc;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why the legacy state file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    /// The state file exists but is not state this version understands.
    #[error("{} is not valid chokepoint state ({reason})", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

/// `path` with `suffix` appended to its file name (`state.json` -> `state.json<suffix>`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Mode of every file we create: they hold personal notes and decisions.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents, private to the user (0700; existing ones are kept).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// The error for a symlink where one of our files should be; callers name the path.
pub fn symlink_refused() -> io::Error {
    io::Error::new(
        ErrorKind::InvalidInput,
        "it is a symbolic link: refusing to follow or replace it (move it away to continue)",
    )
}

/// Opens (creating if missing, 0600) a file of ours that is appended to or rewritten in place,
/// the database and the log, with `O_NOFOLLOW`: a symlink there is refused, never followed. What
/// is there must be a plain file with a single name, so nothing that is not ours (a device, a
/// FIFO, a hard link to another file) is ever written or truncated.
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

/// The legacy state file: `Ok(None)` when there is none; a file that cannot be parsed (or is
/// from a newer version) is [`StoreError::Corrupt`], one that cannot be read [`StoreError::Io`].
/// Text in it that is ever shown is cleaned again here, where it is read.
pub fn peek(path: &Path) -> Result<Option<UserState>, StoreError> {
    let bytes = match read_own(path) {
        Ok(bytes) => bytes,
        // A data dir that is a file (or missing) means there is no state yet.
        Err(err) if matches!(err.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(None),
        Err(source) => return Err(StoreError::Io { action: "read", path: path.to_path_buf(), source }),
    };
    let corrupt = |reason| StoreError::Corrupt { path: path.to_path_buf(), reason };
    match serde_json::from_slice::<UserState>(&bytes) {
        Ok(state) if state.version > UserState::VERSION => Err(corrupt(format!(
            "written by a newer chokepoint: format version {}, this one understands up to {}",
            state.version,
            UserState::VERSION
        ))),
        Ok(state) => Ok(Some(sanitized(state))),
        // serde_json's message already ends with "at line L column C".
        Err(err) => Err(corrupt(err.to_string())),
    }
}

/// The text in a state file that is ever shown (notes, who made a change, alert texts and their
/// row keys), cleaned again; clean text (all the app writes) passes unchanged.
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

/// A free name next to `path` for a file moved aside: `<name>.<what>-<UTC stamp>[-N]`.
pub fn aside_name(path: &Path, what: &str) -> io::Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    unique_aside(path, &format!("{what}-{stamp}"))
}

/// First of `<path>.<tag>`, `...-1`, `...-2`, ... that does not exist yet.
fn unique_aside(path: &Path, tag: &str) -> io::Result<PathBuf> {
    let base = format!(".{tag}");
    for n in 0..10_000u32 {
        let suffix = if n == 0 { base.clone() } else { format!("{base}-{n}") };
        let candidate = with_suffix(path, &suffix);
        match fs::symlink_metadata(&candidate) {
            Ok(_) => continue,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(candidate),
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::other("no free name to move the file aside to"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CatalystRecord, ToggleEvent};
    use chrono::TimeZone;

    fn sample() -> UserState {
        let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 30, 0).unwrap();
        let mut state = UserState::default();
        let event = ToggleEvent { done: true, at, by: "cli".into(), note: Some("signed".into()) };
        state.catalysts.insert(
            "cpo-ramp".into(),
            CatalystRecord { done: true, done_at: Some(at), history: vec![event] },
        );
        state
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn the_legacy_state_is_read_tolerantly_and_cleaned() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        assert_eq!(peek(&path).unwrap(), None);
        let mut dirty = sample();
        dirty.catalysts.get_mut("cpo-ramp").unwrap().history[0].note = Some("a\u{1b}[2Jb".into());
        let mut json: serde_json::Value = serde_json::to_value(&dirty).unwrap();
        json["unknown_future_field"] = serde_json::json!(1);
        fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
        let read = peek(&path).unwrap().unwrap();
        assert_eq!(read.catalysts["cpo-ramp"].history[0].note.as_deref(), Some("ab"));
    }

    #[test]
    fn broken_and_newer_state_files_are_corrupt_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        for content in ["{\"catalysts\": {", "\"nope\"", "{\"version\": 99}"] {
            fs::write(&path, content).unwrap();
            let err = peek(&path).unwrap_err();
            assert!(matches!(err, StoreError::Corrupt { .. }), "{content}: {err}");
            assert_eq!(fs::read_to_string(&path).unwrap(), content);
        }
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap(); // reading a directory fails with EISDIR
        assert!(matches!(peek(&path), Err(StoreError::Io { .. })));
    }

    #[test]
    fn aside_names_are_unique() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let first = unique_aside(&path, "corrupt-20250101T000000Z").unwrap();
        assert_eq!(first.file_name().unwrap(), "state.json.corrupt-20250101T000000Z");
        fs::write(&first, "x").unwrap();
        let second = unique_aside(&path, "corrupt-20250101T000000Z").unwrap();
        assert_eq!(second.file_name().unwrap(), "state.json.corrupt-20250101T000000Z-1");
        assert!(
            aside_name(&path, "imported").unwrap().display().to_string().contains("state.json.imported-")
        );
    }

    #[test]
    fn files_we_write_are_0600_even_over_a_world_writable_one() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("other.json");
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o777)).unwrap();
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_symlinked_file_is_refused_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere.json");
        fs::write(&target, serde_json::to_vec(&sample()).unwrap()).unwrap();
        let path = tmp.path().join("state.json");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = peek(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()) && err.contains("symbolic link"), "{err}");
        let err = write_atomic(&path, b"{}").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&target).unwrap(), serde_json::to_vec(&sample()).unwrap());
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
        // A hard link to another file is not ours either.
        let hard = tmp.path().join("hard.log");
        fs::hard_link(&target, &hard).unwrap();
        assert!(open_own(&hard, OpenOptions::new().append(true)).is_err());
    }
}
