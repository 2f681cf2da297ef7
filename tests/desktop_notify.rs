//! Desktop notifications on a real session bus: the test starts its own `dbus-daemon
//! --session` (installed by `.ci/run` where missing), owns `org.freedesktop.Notifications` on
//! it with a small listener, and runs the real binary against that bus: the demo's headline
//! alert arrives as a notification from `chokepoint`.

mod common;

use common::pty::App;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The notification service's side: each `Notify` call's app name, summary and body.
struct Listener {
    got: mpsc::Sender<(String, String, String)>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Listener {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let _ = self.got.send((app_name, summary, body));
        7
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("test listener".into(), "chokepoint tests".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// A private session bus: the daemon (killed on drop) and its address.
struct Bus {
    daemon: std::process::Child,
    address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn session_bus(dir: &std::path::Path) -> Bus {
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1", "--nopidfile"])
        .arg(format!("--address=unix:dir={}", dir.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (the dbus-daemon package; .ci/run installs it)");
    let mut line = String::new();
    BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut line).unwrap();
    Bus { daemon, address: line.trim().to_string() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_shows_as_a_desktop_notification() {
    let home = tempfile::tempdir().unwrap();
    let bus = session_bus(home.path());
    assert!(bus.address.starts_with("unix:"), "{}", bus.address);
    let (tx, rx) = mpsc::channel();
    let _service = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.freedesktop.Notifications")
        .serve_at("/org/freedesktop/Notifications", Listener { got: tx })
        .build()
        .await
        .expect("the listener on the test bus");
    let address = bus.address.clone();
    let home_path = home.path().to_path_buf();
    let shown = tokio::task::spawn_blocking(move || {
        let mut app = App::start_with_env(&home_path, &["--demo"], &[("DBUS_SESSION_BUS_ADDRESS", &address)]);
        app.wait_for("⚑ 1 alert");
        let got = rx.recv_timeout(Duration::from_secs(20)).expect("a notification on the bus");
        app.press("s", "Notifications to the desktop: 1 alert sent");
        app.keys("q");
        app.keys("q");
        assert!(app.wait_exit().success());
        got
    })
    .await
    .unwrap();
    let (app_name, summary, body) = shown;
    assert_eq!((app_name.as_str(), summary.as_str()), ("chokepoint", "chokepoint: c:hyperscaler-lta"));
    assert!(body.starts_with("c:hyperscaler-lta: "), "{body}");
}
