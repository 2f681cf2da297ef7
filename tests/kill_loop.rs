//! The store under SIGKILL: a TUI and a CLI writing at once, each killed at random moments, 200
//! times and more. Its own test binary, so the load it makes never slows the timing-sensitive
//! tests of the others (test binaries run one after another).

mod common;

use common::pty::App;
use common::{cli, run, text};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// `PRAGMA integrity_check` through a connection of its own, as any process would open it.
fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// Journal entries written by `by` (of `kind`, when given).
fn entries(db: &Path, by: &str, kind: &str) -> u32 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.query_row("SELECT count(*) FROM journal WHERE by = ?1 AND kind = ?2", [by, kind], |r| r.get(0))
        .unwrap()
}

fn sigkill(pid: u32) {
    // SAFETY: kill(2) on a child we spawned and have not reaped (a no-op if it already exited).
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}

/// A TUI and a CLI writing at once, each killed (SIGKILL) at random moments, at least 200 kills in
/// all: after every kill the database passes `PRAGMA integrity_check`, and every change that was
/// acknowledged (the TUI's "· saved", a CLI's exit 0) is in it.
#[test]
fn sigkills_during_writes_from_a_tui_and_a_cli_never_lose_an_acknowledged_change() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("data/chokepoint/demo.db");
    // The store exists before the writers race for it.
    let o = run(cli(home.path(), &["--demo", "risk", "level", "lpo", "watch"]).stdout(Stdio::null()));
    assert!(o.status.success(), "{}", text(&o.stderr));

    // The CLI side: `risk level` writes an entry every run; each run is killed at a random moment
    // within about its own length, so kills land before, during and after its write.
    let stop = Arc::new(AtomicBool::new(false));
    let (cli_acked, cli_killed) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let writer = {
        let (home, db) = (home.path().to_path_buf(), db.clone());
        let (stop, acked, killed) = (stop.clone(), cli_acked.clone(), cli_killed.clone());
        std::thread::spawn(move || {
            let typical = {
                let t = Instant::now();
                run(cli(&home, &["--demo", "risk", "level", "lpo", "elevated"]).stdout(Stdio::null()));
                t.elapsed()
            };
            let mut rng = fastrand::Rng::with_seed(0xc11);
            let levels = ["watch", "elevated", "materialized"];
            while !stop.load(Ordering::Relaxed) {
                let level = levels[rng.usize(0..3)];
                let child = cli(&home, &["--demo", "risk", "level", "lpo", level])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                std::thread::sleep(typical.mul_f64(rng.f64() * 1.3));
                sigkill(child.id());
                let out = child.wait_with_output().unwrap();
                if out.status.signal() == Some(9) {
                    killed.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(integrity(&db), "ok", "after a CLI was killed");
                } else {
                    assert!(out.status.success(), "{}", text(&out.stderr));
                    acked.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };

    // The TUI side: a toggle acknowledged on screen, then another killed mid-write.
    let mut rng = fastrand::Rng::with_seed(0x7e1);
    let (mut tui_acked, mut tui_killed) = (0u32, 0u32);
    let started = Instant::now();
    while tui_killed < 100 || tui_killed + cli_killed.load(Ordering::SeqCst) < 200 {
        assert!(started.elapsed() < Duration::from_secs(600), "the kill loop took too long");
        let mut app = App::start(home.path(), &["--demo"]);
        app.wait_for("Catalysts");
        app.send("2");
        // The detail line counts the catalyst's changes and says "saving…" until the store has
        // written the last one: one more change, and no "saving…", is the acknowledgement.
        let before = changes(&app.wait_for("cpo-adoption: "));
        app.send(" ");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = app.screen();
            if changes(&s) == before + 1 && !s.contains("saving…") {
                break;
            }
            assert!(Instant::now() < deadline, "never saved ({before} changes before):\n{s}");
            std::thread::sleep(Duration::from_millis(5));
        }
        tui_acked += 1;
        app.send(" ");
        std::thread::sleep(Duration::from_micros(rng.u64(0..15_000)));
        sigkill(app.child.process_id().unwrap());
        let _ = app.wait_exit();
        tui_killed += 1;
        assert_eq!(integrity(&db), "ok", "after the TUI was killed ({tui_killed})");
        // Read the count after the acknowledgements: everything acknowledged so far is there.
        let acked = cli_acked.load(Ordering::SeqCst);
        assert!(entries(&db, "tui", "catalyst") >= tui_acked, "a change the TUI said was saved is lost");
        assert!(entries(&db, "cli", "risk") >= acked, "a change a CLI exited 0 for is lost");
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let (acked, killed) = (cli_acked.load(Ordering::SeqCst), cli_killed.load(Ordering::SeqCst));
    assert!(killed >= 20 && acked >= 20, "CLI runs: {killed} killed, {acked} finished");
    assert!(tui_killed + killed >= 200);
    assert_eq!(integrity(&db), "ok");
    assert!(entries(&db, "cli", "risk") >= acked && entries(&db, "tui", "catalyst") >= tui_acked);
    // And it opens cleanly afterwards, with no notice.
    let opened = chokepoint::db::Db::open(&db).unwrap();
    assert!(opened.notices.is_empty(), "{:?}", opened.notices);
}

/// The change count on the selected catalyst's detail line (`(3 changes)`; 1 for one change, 0 for
/// none).
fn changes(screen: &str) -> u32 {
    if let Some(at) = screen.find(" changes)") {
        let digits: String = screen[..at].chars().rev().take_while(|c| c.is_ascii_digit()).collect();
        return digits.chars().rev().collect::<String>().parse().unwrap();
    }
    u32::from(screen.contains("cpo-adoption: hit") || screen.contains("cpo-adoption: reopened"))
}
