//! The real binary in a pseudo-terminal (portable-pty), its screen read through vt100, with
//! waits that have deadlines. XDG dirs point into a temp home; proxies are unset.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keys must be answered within this long, whatever the sources do.
pub const RESPONSIVE: Duration = Duration::from_secs(2);

pub struct App {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl App {
    pub fn start(home: &Path, args: &[&str]) -> App {
        Self::start_with_env(home, args, &[])
    }

    pub fn start_with_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
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
        // No desktop notifications on whatever session bus runs the tests (a test that wants
        // them gives its own bus's address).
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
        cmd.env_remove("XDG_RUNTIME_DIR");
        for var in super::PROXY_VARS {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let size = |n| NonZeroU16::new(n).unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(size(40), size(120), 0)));
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

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits (up to 30 s, for a debug build's start-up) until `needle` is on screen.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_for_within(needle, Duration::from_secs(30))
    }

    pub fn wait_for_within(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(Instant::now() < deadline, "{needle:?} not on screen within {within:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (up to 30 s) until `needle` is on screen, wrapped or not: the screen's rows joined,
    /// each run of whitespace one space (for long notices that wrap).
    #[allow(dead_code)]
    pub fn wait_for_wrapped(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let flat = self.screen().split_whitespace().collect::<Vec<_>>().join(" ");
            if flat.contains(needle) {
                return flat;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} not on screen within 30 s; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `needle` is gone from the screen, failing after `within`.
    pub fn wait_gone(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while self.screen().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{needle:?} still on screen after {within:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Sends keys and gives the app a moment to handle them.
    pub fn keys(&mut self, keys: &str) {
        self.send(keys);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Sends `keys` and waits (at most `RESPONSIVE`) for `needle`.
    pub fn press(&mut self, keys: &str, needle: &str) -> String {
        self.send(keys);
        self.wait_for_within(needle, RESPONSIVE)
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        self.wait_exit_within(Duration::from_secs(15))
    }

    pub fn wait_exit_within(&mut self, within: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "app did not exit within {within:?}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A failed assertion must not leave the child running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
