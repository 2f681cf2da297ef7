//! Durability of the real binary and the state store: SIGKILL at random moments never leaves a torn
//! state file; every unparsable state file is moved aside byte for byte with a notice; a data dir
//! that cannot be created makes the TUI read-only (not a crash) and the CLI fail cleanly; and a
//! terminal that vanishes under the TUI makes it exit promptly without spinning.

mod common;

use chokepoint::domain::UserState;
use chokepoint::store::Store;
use common::pty::App;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::collections::BTreeMap;
use std::io::Read;
use std::num::NonZeroU16;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chokepoint");

/// The catalyst ids of the example config, in order.
const CATALYSTS: [&str; 7] = [
    "cpo-adoption",
    "amd-lta",
    "aaoi-texas",
    "aaoi-env-review",
    "sivers-position",
    "luxnet-volume",
    "hyperscaler-lta",
];

fn cli(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The state file as JSON: `None` when absent; panics (with the bytes) when it does not parse as
/// an object holding a `catalysts` object.
fn read_state(path: &Path) -> Option<serde_json::Value> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("torn state file ({e}): {:?}", text(&bytes)));
    assert!(v["catalysts"].is_object(), "no catalysts object: {v}");
    // It must also be state the app itself accepts.
    serde_json::from_value::<UserState>(v.clone()).unwrap_or_else(|e| panic!("not UserState ({e}): {v}"));
    Some(v)
}

/// Done flags per catalyst id (missing = not done).
fn done_flags(v: Option<&serde_json::Value>) -> BTreeMap<String, bool> {
    CATALYSTS
        .iter()
        .map(|id| {
            let done = v.and_then(|v| v["catalysts"][*id]["done"].as_bool()).unwrap_or(false);
            (id.to_string(), done)
        })
        .collect()
}

/// Runs `catalyst done|undo` once to completion; returns how long it took.
fn timed_run(home: &Path, op: &str, id: &str) -> Duration {
    let started = Instant::now();
    let o = run(cli(home, &["--demo", "catalyst", op, id]).stdout(Stdio::null()));
    assert!(o.status.success(), "{}", text(&o.stderr));
    started.elapsed()
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_torn_state_file() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data/chokepoint");
    let file = dir.join("demo-state.json");

    // Calibrate: how long one full, writing run takes here (debug build, shared cores).
    let mut runs: Vec<Duration> = (0..6)
        .map(|i| timed_run(home.path(), if i % 2 == 0 { "done" } else { "undo" }, "luxnet-volume"))
        .collect();
    runs.sort();
    let typical = runs[runs.len() / 2];
    // Delays from 0 to 15 ms, stretched when a run takes longer than ~7 ms, so that some kills land
    // before the write and some runs finish.
    let max_delay_us = 15_000u64.max(2 * typical.as_micros() as u64);

    let mut rng = fastrand::Rng::with_seed(0x5eed_c0de);
    let (mut killed, mut finished) = (0u32, 0u32);
    let mut before = read_state(&file);
    assert!(before.is_some(), "the calibration runs wrote the file");
    const ITERATIONS: usize = 240;
    for i in 0..ITERATIONS {
        let id = CATALYSTS[i % CATALYSTS.len()];
        let flags = done_flags(before.as_ref());
        // Always the opposite of what is on disk, so every run has something to write.
        let want = !flags[id];
        let op = if want { "done" } else { "undo" };
        let delay = Duration::from_micros(rng.u64(0..=max_delay_us));
        let mut child = cli(home.path(), &["--demo", "catalyst", op, id])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // SIGKILL (a no-op if it already exited; the status tells which happened).
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let was_killed = out.status.signal() == Some(9);
        if was_killed {
            killed += 1;
        } else {
            finished += 1;
            assert!(out.status.success(), "iteration {i}: {op} {id} failed: {}", text(&out.stderr));
        }

        let after = read_state(&file);
        assert!(after.is_some(), "iteration {i}: the state file vanished");
        let now = done_flags(after.as_ref());
        for (other, was) in &flags {
            if other != id {
                assert_eq!(now[other], *was, "iteration {i}: {other} changed by `{op} {id}`");
            }
        }
        if !was_killed {
            assert_eq!(now[id], want, "iteration {i}: a finished `{op} {id}` did not land");
        }
        // Leftover temp files (a kill between create and rename) are dot-files, never the state.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                name == "demo-state.json"
                    || name == "demo-state.json.lock"
                    || name.starts_with(".demo-state.json."),
                "iteration {i}: unexpected file {name}"
            );
        }
        before = after;
    }
    assert!(killed >= 10, "only {killed} of {ITERATIONS} runs were killed (typical run {typical:?})");
    assert!(finished >= 10, "only {finished} of {ITERATIONS} runs finished (typical run {typical:?})");

    // A final run to completion lands, whatever the kills left behind.
    let target = "hyperscaler-lta";
    let flags = done_flags(before.as_ref());
    let o = run(&mut cli(home.path(), &["--demo", "catalyst", "done", target]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let last = read_state(&file).unwrap();
    assert_eq!(last["catalysts"][target]["done"], true, "{last}");
    let now = done_flags(Some(&last));
    for (other, was) in &flags {
        if other != target {
            assert_eq!(now[other], *was, "{other} changed by the final run");
        }
    }
    // And the TUI's store opens it cleanly, writable, without notices.
    let opened = Store::open(&file).unwrap();
    assert!(opened.notices.is_empty(), "{:?}", opened.notices);
    assert!(!opened.store.is_read_only());
    assert!(opened.state.catalysts[target].done);
}

fn corrupt_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = format!("{name}.corrupt-");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&prefix))
        .collect();
    v.sort();
    v
}

/// Unparsable contents beyond the truncated / garbage cases the store's unit tests cover.
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
fn every_unparsable_state_file_is_moved_aside_byte_for_byte() {
    for (what, bytes) in bad_contents() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        std::fs::write(&path, &bytes).unwrap();
        let opened = Store::open(&path).unwrap_or_else(|e| panic!("{what}: open failed: {e}"));
        assert!(!opened.store.is_read_only(), "{what}: {:?}", opened.notices);
        assert_eq!(opened.state, UserState::default(), "{what}: starts fresh");
        let moved = corrupt_files(tmp.path(), "state.json");
        assert_eq!(moved.len(), 1, "{what}: moved aside once");
        assert_eq!(std::fs::read(&moved[0]).unwrap(), bytes, "{what}: kept byte for byte");
        assert!(!path.exists(), "{what}: the bad file is not left in place");
        let [notice] = opened.notices.as_slice() else { panic!("{what}: {:?}", opened.notices) };
        assert!(notice.contains(&moved[0].display().to_string()), "{what}: names the file: {notice}");
        assert!(
            !notice.chars().any(|c| c.is_control()),
            "{what}: the notice carries no control characters: {notice:?}"
        );
        // Saving afterwards writes a fresh file and never touches the moved one.
        opened.store.save(&UserState::default()).unwrap();
        assert!(read_state(&path).is_some(), "{what}");
        assert_eq!(std::fs::read(&moved[0]).unwrap(), bytes, "{what}: still intact after a save");
        drop(opened);
        // The CLI refuses such a file instead of moving it.
        std::fs::write(&path, &bytes).unwrap();
        let err = chokepoint::store::open_exclusive(&path).unwrap_err().to_string();
        assert!(err.contains("not valid chokepoint state"), "{what}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: the CLI moves nothing");
    }
}

#[test]
fn the_tui_names_a_moved_aside_json_array_and_keeps_its_bytes() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data/chokepoint");
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = b"[\"not\", \"state\"]\n".to_vec();
    std::fs::write(dir.join("demo-state.json"), &bytes).unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    let s = app.wait_for("could not be read");
    assert!(s.contains("demo-state.json.corrupt-"), "the notice names where it went: {s}");
    app.wait_for("Catalysts 0/7");
    app.send("2");
    app.press(" ", "Catalysts 1/7"); // writable: the toggle is saved to a fresh file
    app.keys("q");
    assert!(app.wait_exit().success());
    let moved = corrupt_files(&dir, "demo-state.json");
    assert_eq!(moved.len(), 1);
    assert_eq!(std::fs::read(&moved[0]).unwrap(), bytes, "the bad file is kept byte for byte");
    let state = read_state(&dir.join("demo-state.json")).unwrap();
    assert_eq!(state["catalysts"]["cpo-adoption"]["done"], true, "{state}");
    // An empty file too, in the same home: moved aside under a second name.
    std::fs::write(dir.join("demo-state.json"), b"").unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("could not be read");
    app.keys("q");
    assert!(app.wait_exit().success());
    let moved = corrupt_files(&dir, "demo-state.json");
    assert_eq!(moved.len(), 2, "{moved:?}");
    assert!(moved.iter().any(|p| std::fs::read(p).unwrap().is_empty()));
    assert!(moved.iter().any(|p| std::fs::read(p).unwrap() == bytes));
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
fn an_uncreatable_data_dir_makes_the_tui_read_only_not_a_crash() {
    let (home, blocker) = home_with_data_under_a_file();
    let mut app =
        App::start_with_env(home.path(), &["--demo"], &[("XDG_DATA_HOME", blocker.to_str().unwrap())]);
    app.wait_for("READ-ONLY");
    let s = app.wait_for("could not create data dir");
    assert!(s.contains("read-only"), "{s}");
    app.wait_for("Catalysts 0/7");
    app.send("2");
    let s = app.press(" ", "Catalysts 1/7");
    assert!(s.contains("[x] CPO adoption accelerates"), "toggling still works on screen:\n{s}");
    app.wait_for_within("will not be saved", common::pty::RESPONSIVE);
    app.send("u");
    app.wait_for_within("Catalysts 0/7", common::pty::RESPONSIVE);
    no_panic_text(&app.screen());
    app.keys("q");
    let status = app.wait_exit();
    assert!(status.success(), "quitting a read-only TUI exits 0: {status:?}");
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
    // Reading needs no data dir: the snapshot still works.
    let o = run(cli(home.path(), &["snapshot", "--demo"]).env("XDG_DATA_HOME", &blocker));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("CATALYSTS 0/7"), "{}", text(&o.stdout));
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
    let mut cmd = CommandBuilder::new(BIN);
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
            if screen.contains("Catalysts 0/7") && screen.contains("quotes ok") && all_feeds_ok(&screen) {
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
    // A second's grace to exit; only a process still alive after that is measured.
    let mut exited = None;
    while exited.is_none() && started.elapsed() < Duration::from_secs(1) {
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
