//! Durability of the real binary and the store (SIGKILLs during writes: `kill_loop.rs`): an unreadable legacy
//! state file or a database that is not one is moved aside byte for byte with a notice; a full
//! disk is said and the TUI keeps going with its changes marked unsaved; a data dir that cannot
//! be created leaves the TUI running without a database (not a crash) and the CLI failing
//! cleanly; and a terminal that vanishes under the TUI makes it exit promptly without spinning.

mod common;

use common::pty::App;
use common::{cli, run, text};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Read;
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn aside_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = format!("{name}.corrupt-");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(&prefix) && !n.ends_with("-wal") && !n.ends_with("-shm")
        })
        .collect();
    v.sort();
    v
}

/// Unparsable contents beyond the truncated / garbage cases the unit tests cover.
fn bad_contents() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty file", Vec::new()),
        ("JSON array", b"[{\"catalysts\": {}}]".to_vec()),
        ("JSON null", b"null".to_vec()),
        ("JSON string", b"\"state\"".to_vec()),
        ("only whitespace", b" \n\t \n".to_vec()),
        ("NUL bytes (a crash on a non-journaled fs)", vec![0u8; 512]),
        ("garbage with an ESC", b"\x1b[2J\x1b]0;pwned\x07\xff\xfe".to_vec()),
        ("catalysts is a list", br#"{"version": 1, "catalysts": ["amd-lta"]}"#.to_vec()),
        ("done is a string", br#"{"catalysts": {"amd-lta": {"done": "yes"}}}"#.to_vec()),
        ("trailing garbage", br#"{"version": 1} {"version": 1}"#.to_vec()),
        ("UTF-16 with BOM", b"\xff\xfe{\x00}\x00".to_vec()),
        ("deeply nested", format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
    ]
}

#[test]
fn every_unparsable_legacy_state_file_is_moved_aside_byte_for_byte_not_imported() {
    for (what, bytes) in bad_contents() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        std::fs::write(&path, &bytes).unwrap();
        let mut db = chokepoint::db::Db::open(&tmp.path().join("chokepoint.db")).unwrap().db;
        let done = db.import_legacy(&path, None, chrono::Utc::now());
        let moved = aside_files(tmp.path(), "state.json");
        assert_eq!(moved.len(), 1, "{what}: moved aside once");
        assert_eq!(std::fs::read(&moved[0]).unwrap(), bytes, "{what}: kept byte for byte");
        assert!(!path.exists(), "{what}: the bad file is not left in place");
        let [notice] = done.notices.as_slice() else { panic!("{what}: {:?}", done.notices) };
        assert!(notice.contains(&moved[0].display().to_string()), "{what}: names the file: {notice}");
        assert!(notice.contains("not imported"), "{what}: {notice}");
        assert!(!notice.chars().any(|c| c.is_control()), "{what}: no control characters: {notice:?}");
        assert_eq!(db.journal_count().unwrap(), 0, "{what}: nothing imported");
    }
}

#[test]
fn the_tui_names_what_it_moved_aside_and_keeps_the_bytes() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data/chokepoint");
    std::fs::create_dir_all(&dir).unwrap();
    // A legacy state file it cannot read, and a database file that is not a database.
    let state = b"[\"not\", \"state\"]\n".to_vec();
    std::fs::write(dir.join("demo-state.json"), &state).unwrap();
    let garbage = b"these are someone's notes, not a database\n".repeat(100);
    std::fs::write(dir.join("demo.db"), &garbage).unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    let s = app.wait_for_wrapped("demo-state.json.corrupt-");
    assert!(s.contains("(not imported)"), "{s}");
    let s = app.wait_for_wrapped("demo.db.corrupt-");
    assert!(s.contains("started a fresh one"), "{s}");
    app.wait_for("Catalysts 2/7");
    app.send("2");
    app.press(" ", "Catalysts 3/7");
    app.wait_for_within(" · saved", common::pty::RESPONSIVE); // the fresh database takes it
    app.keys("q");
    assert!(app.wait_exit().success());
    let moved = aside_files(&dir, "demo-state.json");
    assert_eq!(std::fs::read(&moved[0]).unwrap(), state, "the bad state file is kept byte for byte");
    let moved = aside_files(&dir, "demo.db");
    assert_eq!(std::fs::read(&moved[0]).unwrap(), garbage, "the bad database file is kept byte for byte");
    let user = chokepoint::db::Db::open(&dir.join("demo.db")).unwrap().db.load_user().unwrap();
    assert!(user.catalysts["cpo-adoption"].done);
}

/// A full disk (SQLite's SQLITE_FULL, the database held at its size by a debug-build hook): the
/// change shows, is marked unsaved with a clear error, and the TUI keeps answering keys.
#[test]
fn a_full_disk_is_said_and_the_change_kept_marked_unsaved() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start_with_env(home.path(), &["--demo"], &[("CHOKEPOINT_TEST_DB_FULL", "1")]);
    app.wait_for("Catalysts 2/7");
    app.send("2");
    let s = app.press(" ", "unsaved");
    assert!(s.contains("Catalysts 3/7"), "the change shows:\n{s}");
    let s = app.wait_for_within("disk is full", common::pty::RESPONSIVE);
    assert!(s.contains("● 1 unsaved"), "{s}");
    // Still answering keys.
    app.press("j", "amd-lta");
    app.press("?", "Keys");
    app.keys("q");
    app.keys("q");
    assert!(app.wait_exit().success());
}

/// A home whose XDG_DATA_HOME is a regular file, so the data dir cannot be created.
fn home_with_data_under_a_file() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let blocker = home.path().join("data-is-a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    (home, blocker)
}

fn no_panic_text(s: &str) {
    for needle in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!s.contains(needle), "panic text {needle:?} in:\n{s}");
    }
}

#[test]
fn an_uncreatable_data_dir_runs_the_tui_without_a_database_not_a_crash() {
    let (home, blocker) = home_with_data_under_a_file();
    let mut app =
        App::start_with_env(home.path(), &["--demo"], &[("XDG_DATA_HOME", blocker.to_str().unwrap())]);
    app.wait_for("NO DATABASE");
    let s = app.wait_for_wrapped("could not create data dir");
    assert!(s.contains("running without a database, changes last until you quit"), "{s}");
    app.wait_for("Catalysts 2/7");
    app.send("2");
    let s = app.press(" ", "Catalysts 3/7");
    assert!(s.contains("[x] CPO adoption accele"), "toggling still works on screen:\n{s}");
    app.wait_for_within("1 unsaved", common::pty::RESPONSIVE);
    app.wait_for_wrapped("no database: this change lasts until you quit");
    app.send("u");
    app.wait_for_within("Catalysts 2/7", common::pty::RESPONSIVE);
    no_panic_text(&app.screen());
    app.keys("q");
    let status = app.wait_exit();
    assert!(status.success(), "quitting exits 0: {status:?}");
    std::thread::sleep(Duration::from_millis(200));
    no_panic_text(&app.screen());
    assert!(blocker.is_file(), "the blocking file is left alone");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "not a directory");
}

#[test]
fn an_uncreatable_data_dir_makes_the_cli_fail_cleanly() {
    let (home, blocker) = home_with_data_under_a_file();
    for args in [
        &["--demo", "catalyst", "done", "amd-lta"][..],
        &["catalyst", "undo", "amd-lta"],
        &["risk", "level", "lpo", "elevated"],
        &["search", "laser"],
    ] {
        let o = run(cli(home.path(), args).env("XDG_DATA_HOME", &blocker));
        let err = text(&o.stderr);
        assert!(!o.status.success(), "{args:?} must fail: {}", text(&o.stdout));
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("could not create data dir"), "{args:?}: a clear message: {err}");
        assert!(err.contains(blocker.to_str().unwrap()), "{args:?}: names the path: {err}");
        no_panic_text(&err);
        assert!(o.stdout.is_empty(), "{args:?}: {}", text(&o.stdout));
    }
    // A snapshot needs no store: it says so and prints what it fetched.
    let o = run(cli(home.path(), &["snapshot", "--demo"]).env("XDG_DATA_HOME", &blocker));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("CATALYSTS 0/7"), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("without the store"), "{}", text(&o.stderr));
    assert!(blocker.is_file());
}

/// utime + stime of a process, in clock ticks; `None` once it is gone.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    if fields.first() == Some(&"Z") {
        return None;
    }
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Starts the TUI (`--demo`) on a pty, waits until every demo source has loaded and the screen is
/// idle, then closes every master-side handle, as a terminal emulator does when its window closes.
/// Returns the child (still to be reaped) and its pid.
fn start_then_close_the_terminal(
    home: &Path,
    controlling_tty: bool,
) -> (Box<dyn portable_pty::Child + Send + Sync>, u32) {
    let pair = native_pty_system()
        .openpty(PtySize { rows: 40, cols: 120, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_chokepoint"));
    cmd.arg("--demo");
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("XDG_CACHE_HOME", home.join("cache"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("RUST_BACKTRACE", "0");
    cmd.set_controlling_tty(controlling_tty);
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let pid = child.process_id().unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    // Reads until every demo source has loaded, then returns, closing its handle on the master.
    std::thread::spawn(move || {
        let size = |n| NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(size(40), size(120), 0);
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => parser.process(&buf[..n]),
            }
            let screen = parser.screen().contents();
            if screen.contains("Catalysts 2/7") && screen.contains("quotes ok") && all_feeds_ok(&screen) {
                let _ = tx.send(());
                break;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("the TUI never finished loading the demo data");
    // Idle from here on: nothing changes on screen until the next minute. Keep the whole check
    // (about 7 s) inside one minute, so a minute-boundary redraw cannot be what ends the process.
    let second = chrono::Utc::now().timestamp() % 60;
    if second > 50 {
        std::thread::sleep(Duration::from_secs((61 - second) as u64));
    }
    std::thread::sleep(Duration::from_millis(300));
    // The terminal goes away: writer, then the master itself (the reader's handle is already gone).
    drop(writer);
    drop(pair.master);
    (child, pid)
}

/// `news N/N ok` in the status line.
fn all_feeds_ok(screen: &str) -> bool {
    screen.split("news ").skip(1).any(|rest| {
        let Some((counts, _)) = rest.split_once(" ok") else { return false };
        matches!(counts.split_once('/'), Some((a, b)) if a == b && a.parse::<u32>().is_ok())
    })
}

/// After the terminal vanished: the process must exit within 5 s and must not burn CPU meanwhile.
fn exits_promptly_without_spinning(
    mut child: Box<dyn portable_pty::Child + Send + Sync>,
    pid: u32,
) -> portable_pty::ExitStatus {
    let started = Instant::now();
    let mut busy: Option<(Duration, u64)> = None;
    // Two seconds' grace to exit (the app's one-second clock notices the tty is gone; a loaded
    // machine, as when the whole suite runs, may take longer to schedule the exit); only a
    // process still alive after that is measured, and a spinning one always is.
    let mut exited = None;
    while exited.is_none() && started.elapsed() < Duration::from_secs(2) {
        exited = child.try_wait().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some(status) = exited {
        return status;
    }
    if let Some(t0) = cpu_ticks(pid) {
        let s0 = Instant::now();
        std::thread::sleep(Duration::from_secs(1));
        if let Some(t1) = cpu_ticks(pid) {
            busy = Some((s0.elapsed(), t1.saturating_sub(t0)));
        }
    }
    let deadline = started + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    if let Some((over, ticks)) = busy {
        // 100 ticks per second of CPU on Linux: spinning shows as ~100 per second of wall time.
        assert!(ticks < 30, "still alive {over:?} after the terminal vanished and used {ticks} CPU ticks");
    }
    status.expect("the TUI did not exit within 5 s of its terminal vanishing")
}

#[test]
fn a_vanished_terminal_with_hangup_makes_the_tui_exit_without_spinning() {
    let home = tempfile::tempdir().unwrap();
    let (child, pid) = start_then_close_the_terminal(home.path(), true);
    exits_promptly_without_spinning(child, pid);
}

#[test]
fn a_vanished_terminal_is_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    let (child, pid) = start_then_close_the_terminal(home.path(), true);
    let status = exits_promptly_without_spinning(child, pid);
    assert_ne!(status.exit_code(), 101, "the TUI panicked on its way out: {status:?}");
    assert!(status.success(), "SIGHUP is a normal way to end: {status:?}");
}

#[test]
fn a_vanished_terminal_without_hangup_makes_the_tui_exit_without_spinning() {
    let home = tempfile::tempdir().unwrap();
    let (child, pid) = start_then_close_the_terminal(home.path(), false);
    exits_promptly_without_spinning(child, pid);
}
