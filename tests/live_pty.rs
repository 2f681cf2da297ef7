//! The real binary in a pseudo-terminal with live (non-demo) sources that misbehave: every
//! request hangs, or the network is dead. The UI must keep answering keys either way. Sources point
//! at 127.0.0.1 only; the thesis is the built-in example config with its URLs rewritten.

mod common;

use common::pty::{App, RESPONSIVE};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Start-up of a debug build, or a local error arriving.
const GENEROUS: Duration = Duration::from_secs(15);

/// The built-in thesis (5 tickers, 7 catalysts, 10 feeds) with every URL on `base`.
fn write_config(home: &Path, base: &str) -> PathBuf {
    let example = include_str!("../config.example.toml");
    let mut feeds = 0;
    let mut out = String::new();
    for line in example.lines() {
        let trimmed = line.trim_start();
        let line = if trimmed.starts_with("base_url") {
            format!("base_url = \"{base}\"")
        } else if trimmed.starts_with("url") {
            feeds += 1;
            format!("url = \"{base}/feed/{feeds}\"")
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    assert!(feeds > 0, "the example config has feeds");
    for line in out.lines().filter(|l| !l.trim_start().starts_with('#')) {
        assert!(!line.contains("://") || line.contains(base), "a URL left pointing elsewhere: {line}");
    }
    let path = home.join("live.toml");
    std::fs::write(&path, out).unwrap();
    path
}

/// A server on 127.0.0.1 that accepts every connection and never answers; the connections stay
/// open (held by its thread) until the test process ends.
fn hanging_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            match stream {
                Ok(s) => {
                    held.push(s);
                    count.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => break,
            }
        }
    });
    (addr, accepted)
}

#[test]
fn the_ui_keeps_answering_keys_while_every_source_hangs() {
    let home = tempfile::tempdir().unwrap();
    let (addr, accepted) = hanging_server();
    let config = write_config(home.path(), &format!("http://{addr}"));
    let mut app = App::start(home.path(), &["--config", config.to_str().unwrap()]);
    app.wait_for_within("Catalysts 0/7", GENEROUS);

    // The fetches really went out, to our server, and are stuck there.
    let deadline = Instant::now() + GENEROUS;
    while accepted.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no request reached the hanging server");
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = app.wait_for_within("loading", RESPONSIVE);
    assert!(!s.contains("quotes ok"), "nothing can have loaded:\n{s}");

    app.send("2");
    let s = app.press(" ", "Catalysts 1/7");
    assert!(s.contains("[x] CPO adoption accelerates"), "{s}");
    app.send("/");
    app.press("laser", "/ laser");
    app.press("\r", "filter: laser");
    app.press("?", "show / hide this help");
    app.send("?");
    app.wait_gone("show / hide this help", RESPONSIVE);

    let s = app.screen();
    assert!(s.contains("loading") && !s.contains("quotes ok"), "still hanging when we quit:\n{s}");
    let started = Instant::now();
    app.send("q");
    assert!(app.wait_exit_within(Duration::from_secs(5)).success(), "clean exit with requests in flight");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "quitting waited {:?} on hung requests",
        started.elapsed()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(!app.alternate_screen(), "terminal left in the alternate screen");
    let db = chokepoint::db::Db::open(&home.path().join("data/chokepoint/chokepoint.db")).unwrap().db;
    let user = db.load_user().unwrap();
    assert!(user.catalysts["cpo-adoption"].done, "the toggle was saved while fetches hung");
}

#[test]
fn a_dead_network_shows_the_error_and_keys_still_work() {
    let home = tempfile::tempdir().unwrap();
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }; // dropped: nothing listens there now
    let config = write_config(home.path(), &format!("http://{addr}"));
    let mut app = App::start(home.path(), &["--config", config.to_str().unwrap()]);
    app.wait_for_within("Catalysts 0/7", GENEROUS);
    let s = app.wait_for_within("connection refus", GENEROUS);
    assert!(s.contains('✗'), "the status line marks the failing source:\n{s}");

    app.send("2");
    app.press(" ", "Catalysts 1/7");
    app.send("r"); // a manual refresh against the dead network; the next key must still be answered
    app.press("?", "show / hide this help");
    app.send("?");
    app.wait_gone("show / hide this help", RESPONSIVE);
    app.wait_for_within("connection refus", RESPONSIVE);
    app.send("q");
    assert!(app.wait_exit_within(Duration::from_secs(5)).success());
}

/// A server on 127.0.0.1 that answers every request with a small RSS document and closes.
fn feed_server() -> SocketAddr {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let body = "<rss version=\"2.0\"><channel><title>t</title><item><title>CPO news</title></item></channel></rss>";
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    addr
}

#[test]
fn quitting_does_not_wait_for_feed_parses_in_progress() {
    let home = tempfile::tempdir().unwrap();
    let addr = feed_server();
    let config = write_config(home.path(), &format!("http://{addr}"));
    // Every feed parse holds its thread for 20 s, as a pathological document would.
    let mut app = App::start_with_env(
        home.path(),
        &["--config", config.to_str().unwrap()],
        &[("CHOKEPOINT_TEST_SLOW_PARSE", "20000")],
    );
    app.wait_for_within("Catalysts 0/7", GENEROUS);
    std::thread::sleep(Duration::from_millis(1500)); // the feeds have arrived and parse
    let asked = Instant::now();
    app.send("q");
    assert!(app.wait_exit_within(Duration::from_secs(10)).success());
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(5), "quit took {took:?}: it waited for the parses");
}
