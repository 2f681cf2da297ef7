//! End to end: the real binary in a pseudo-terminal (portable-pty + vt100). Toggle a catalyst, quit,
//! restart and see it still done; the terminal is restored on quit and on SIGTERM.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct App {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl App {
    fn start(home: &Path, args: &[&str]) -> App {
        Self::start_with_env(home, args, &[])
    }

    fn start_with_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
        let pty = native_pty_system();
        let pair = pty.openpty(PtySize { rows: 40, cols: 120, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_chokepoint"));
        cmd.args(args);
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_CACHE_HOME", home.join("cache"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("RUST_BACKTRACE", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(40).unwrap(),
            NonZeroU16::new(120).unwrap(),
            0,
        )));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        App { parser, writer, child, _master: pair.master }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {needle:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "app did not exit; screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }
}

#[test]
fn toggle_persists_across_restart() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("Catalysts 0/7");
    app.wait_for("DEMO");
    assert!(app.alternate_screen());
    app.keys("2");
    app.keys(" ");
    let s = app.wait_for("Catalysts 1/7");
    assert!(s.contains("[x] CPO adoption accelerates"), "{s}");
    app.keys("q");
    assert!(app.wait_exit().success());
    std::thread::sleep(Duration::from_millis(200));
    assert!(!app.alternate_screen(), "terminal left the alternate screen on quit");

    let state = std::fs::read_to_string(home.path().join("data/chokepoint/demo-state.json")).unwrap();
    assert!(state.contains("cpo-adoption"), "{state}");
    assert!(!home.path().join("data/chokepoint/state.json").exists(), "demo keeps its own state file");

    let mut app = App::start(home.path(), &["--demo"]);
    let s = app.wait_for("Catalysts 1/7");
    assert!(s.contains("[x] CPO adoption accelerates"), "{s}");
    app.keys("2");
    app.keys("x"); // toggle off again
    app.wait_for("Catalysts 0/7");
    app.keys("u"); // undo: done again
    app.wait_for("Catalysts 1/7");
    app.keys("\x03"); // Ctrl-C
    assert!(app.wait_exit().success());
}

#[test]
fn second_instance_is_read_only_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let mut first = App::start(home.path(), &["--demo"]);
    first.wait_for("Catalysts 0/7");
    let mut second = App::start(home.path(), &["--demo"]);
    second.wait_for("READ-ONLY");
    second.wait_for("read-only, changes will not be saved");
    second.keys("2 ");
    second.wait_for("Catalysts 1/7");
    second.keys("q");
    second.wait_exit();
    first.keys("q");
    first.wait_exit();
    let state =
        std::fs::read_to_string(home.path().join("data/chokepoint/demo-state.json")).unwrap_or_default();
    assert!(!state.contains("\"done\": true"), "the read-only instance must not write: {state}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("Catalysts");
    let pid = app.child.process_id().unwrap();
    let status = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    app.wait_exit();
    std::thread::sleep(Duration::from_millis(200));
    assert!(!app.alternate_screen(), "alternate screen left after SIGTERM");
}

#[test]
fn filter_as_you_type_in_the_real_binary() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("Catalysts 0/7");
    app.keys("/");
    app.keys("luxnet");
    let s = app.wait_for("/ luxnet");
    assert!(s.lines().any(|l| l.contains("News") && !l.contains("News 0/")), "{s}");
    app.keys("\r");
    app.wait_for("filter: luxnet");
    app.keys("q");
    assert!(app.wait_exit().success());
}

#[test]
fn sighup_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("Catalysts");
    let pid = app.child.process_id().unwrap();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid.to_string()]).status().unwrap().success());
    app.wait_exit();
    std::thread::sleep(Duration::from_millis(200));
    assert!(!app.alternate_screen(), "alternate screen left after SIGHUP");
}

#[test]
fn a_panic_restores_the_terminal_and_prints_the_message() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start_with_env(home.path(), &["--demo"], &[("CHOKEPOINT_TEST_PANIC", "1")]);
    app.wait_for("Catalysts");
    app.keys("!");
    let status = app.wait_exit();
    assert!(!status.success());
    std::thread::sleep(Duration::from_millis(200));
    assert!(!app.alternate_screen(), "alternate screen left after a panic");
    app.wait_for("test panic requested");
}

#[test]
fn a_corrupt_state_file_is_moved_aside_with_a_notice() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data/chokepoint");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("demo-state.json"), b"{\"catalysts\": {\"cpo-adoption\": {\"done\": tr").unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    let s = app.wait_for("could not be read");
    assert!(s.contains("demo-state.json.corrupt-"), "the notice names where it went: {s}");
    app.keys("\x1b"); // Esc dismisses it
    std::thread::sleep(Duration::from_millis(300));
    assert!(!app.screen().contains("could not be read"), "{}", app.screen());
    app.keys("q");
    app.wait_exit();
    let moved: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("demo-state.json.corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "moved aside once");
    let kept = std::fs::read(moved[0].path()).unwrap();
    assert_eq!(
        kept, b"{\"catalysts\": {\"cpo-adoption\": {\"done\": tr",
        "the bad file is kept byte for byte"
    );
}

#[test]
fn a_panicking_fetch_task_is_reported_and_the_ui_lives_on() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start_with_env(home.path(), &["--demo"], &[("CHOKEPOINT_TEST_FETCH_PANIC", "1")]);
    let s = app.wait_for("internal error in fetch task");
    assert!(s.contains("Catalysts 0/7"), "{s}");
    assert!(app.alternate_screen(), "the UI is still up");
    app.keys("2 ");
    app.wait_for("Catalysts 1/7");
    app.keys("s");
    app.wait_for("retry in"); // the failed task is run again after a backoff
    app.keys("q"); // closes the overlay
    app.keys("q");
    assert!(app.wait_exit().success());
}
