//! The CLI contract, on the real binary: check, init, snapshot --json, scripted catalyst / risk changes.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(home: &Path, args: &[&str]) -> Output {
    common::chokepoint_cmd(home).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn snapshot(home: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["snapshot", "--json", "--demo"];
    args.extend(extra);
    let o = run(home, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn check_accepts_the_builtin_thesis() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("5 tickers, 7 catalysts, 6 risks"), "{}", stdout(&o));
    // It reads the store, never creates it.
    assert!(stdout(&o).contains("chokepoint.db (not created yet"), "{}", stdout(&o));
    assert!(!home.path().join("data/chokepoint/chokepoint.db").exists());
    assert!(run(home.path(), &["catalyst", "done", "amd-lta"]).status.success());
    let o = run(home.path(), &["check"]);
    assert!(
        stdout(&o).contains(&format!(
            "schema {}, 0 archived headlines, 1 journal entries, check ok",
            chokepoint::db::migrate::LATEST
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_reports_path_line_col_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "[[tickers]]\nsymbol = \"AAOI\"\ncolour = \"red\"\n").unwrap();
    let o = run(home.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with(&format!("{}:3:1: ", cfg.display())), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn a_bad_config_stops_the_tui_too() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "[refresh]\nnews_secs = 1\n[[tickers]]\nsymbol = \"A\"\n").unwrap();
    let o = run(home.path(), &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml:2:13: refresh.news_secs"), "{}", stderr(&o));
}

#[test]
fn init_writes_once_and_never_overwrites() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = home.path().join("config/chokepoint/config.toml");
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, chokepoint::config::EXAMPLE);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600,
        "files we create are 0600"
    );
    std::fs::write(&path, "# mine\n[[tickers]]\nsymbol = \"AAOI\"\n").unwrap();
    let o = run(home.path(), &["init"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("# mine"));
    // and the written config is the one used from now on
    let o = run(home.path(), &["check"]);
    assert!(stdout(&o).contains("1 ticker, 0 catalysts"), "{}", stdout(&o));
}

#[test]
fn snapshot_json_has_the_documented_schema() {
    let home = tempfile::tempdir().unwrap();
    let v = snapshot(home.path(), &[]);
    let quotes = v["quotes"].as_array().unwrap();
    assert_eq!(quotes.len(), 5);
    let sive = &quotes[0];
    for key in [
        "symbol",
        "provider_symbol",
        "price",
        "change",
        "change_pct",
        "currency",
        "market_state",
        "as_of",
        "stale",
    ] {
        assert!(sive.get(key).is_some(), "quote lacks {key}: {sive}");
    }
    assert_eq!(sive["symbol"], "SIVE");
    assert_eq!(sive["provider_symbol"], "SIVE.ST");
    assert_eq!(sive["currency"], "SEK");
    assert!(sive["price"].as_f64().unwrap() > 0.0);
    let cats = v["catalysts"].as_array().unwrap();
    assert_eq!(cats.len(), 7);
    for key in ["id", "title", "done", "done_at"] {
        assert!(cats[0].get(key).is_some(), "catalyst lacks {key}");
    }
    let risks = v["risks"].as_array().unwrap();
    assert_eq!(risks.len(), 6);
    assert_eq!(risks[0]["level"], "watch");
    let news = v["news"].as_array().unwrap();
    assert!(news.len() >= 60, "{} headlines", news.len());
    for key in ["id", "title", "link", "source", "published", "tickers", "catalysts", "risks"] {
        assert!(news[0].get(key).is_some(), "news lacks {key}");
    }
    let dates: Vec<&str> = news.iter().filter_map(|n| n["published"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(news.iter().any(|n| n["tickers"].as_array().unwrap().iter().any(|t| t == "AAOI")));
    let sources = v["sources"].as_array().unwrap();
    // One per ticker (its quote), one per feed.
    assert_eq!(sources.len(), 5 + 3);
    let kinds: Vec<&str> = sources.iter().filter_map(|s| s["kind"].as_str()).collect();
    assert_eq!(kinds, ["quote", "quote", "quote", "quote", "quote", "feed", "feed", "feed"]);
    assert_eq!(quotes.iter().filter(|q| q["source"] == "demo").count(), 5);
    for s in sources {
        assert_eq!(s["ok"], true, "{s}");
        assert!(s["fetched_at"].is_string());
    }
}

#[test]
fn snapshot_filter_uses_the_filter_language() {
    let home = tempfile::tempdir().unwrap();
    let all = snapshot(home.path(), &[])["news"].as_array().unwrap().len();
    let v = snapshot(home.path(), &["--filter", "$AAOI -texas"]);
    let news = v["news"].as_array().unwrap();
    assert!(!news.is_empty() && news.len() < all);
    for n in news {
        assert!(n["tickers"].as_array().unwrap().iter().any(|t| t == "AAOI"), "{n}");
        assert!(!n["title"].as_str().unwrap().to_lowercase().contains("texas"), "{n}");
    }
    let o = run(home.path(), &["snapshot", "--json", "--demo", "--filter", "/(unclosed/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("regex"), "{}", stderr(&o));
}

#[test]
fn snapshot_text_is_readable() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["snapshot", "--demo"]);
    assert!(o.status.success());
    let out = stdout(&o);
    // The demo's two recorded catalyst hits count.
    for needle in ["TICKERS", "SIVE", "SEK", "CATALYSTS 2/7", "RISKS", "NEWS", "SOURCES"] {
        assert!(out.contains(needle), "{needle} missing:\n{out}");
    }
}

#[test]
fn scripted_changes_show_in_the_snapshot() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["--demo", "catalyst", "done", "luxnet-volume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(home.path(), &["--demo", "risk", "level", "lpo", "elevated"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = snapshot(home.path(), &[]);
    let lux = v["catalysts"].as_array().unwrap().iter().find(|c| c["id"] == "luxnet-volume").unwrap().clone();
    assert_eq!(lux["done"], true);
    assert!(lux["done_at"].is_string());
    let lpo = v["risks"].as_array().unwrap().iter().find(|r| r["id"] == "lpo").unwrap().clone();
    assert_eq!(lpo["level"], "elevated");
    // undo, and the real (non-demo) state was never touched
    assert!(run(home.path(), &["--demo", "catalyst", "undo", "luxnet-volume"]).status.success());
    let v = snapshot(home.path(), &[]);
    let done: Vec<_> = v["catalysts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["done"] == true)
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(done, ["aaoi-env-review", "sivers-position"], "only the demo's recorded hits");
    assert!(!home.path().join("data/chokepoint/state.json").exists());
}

#[test]
fn scripted_changes_reject_unknown_ids_and_levels() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["catalyst", "done", "moonshot"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown catalyst `moonshot`") && stderr(&o).contains("amd-lta"),
        "{}",
        stderr(&o)
    );
    let o = run(home.path(), &["risk", "level", "lpo", "panic"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown level"), "{}", stderr(&o));
}

#[test]
fn scripted_changes_land_while_another_process_has_the_store_open() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("data/chokepoint/chokepoint.db");
    // A running TUI: the store open, its change counter read.
    let held = chokepoint::db::Db::open(&path).unwrap().db;
    let before = held.data_version().unwrap();
    let o = run(home.path(), &["catalyst", "done", "amd-lta", "--note", "signed"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "amd-lta done");
    // The other process notices (as the TUI does on its clock tick) and reads the change.
    assert_ne!(held.data_version().unwrap(), before);
    let user = held.load_user().unwrap();
    let last = user.catalysts["amd-lta"].history.last().unwrap();
    assert_eq!((last.by.as_str(), last.note.as_deref()), ("cli", Some("signed")));
    // A second run agrees it is done; the store says so to every process.
    let o = run(home.path(), &["catalyst", "done", "amd-lta"]);
    assert_eq!(stdout(&o).trim(), "amd-lta already done");
}

#[test]
fn a_write_waits_for_another_processs_transaction_instead_of_failing() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("data/chokepoint/chokepoint.db");
    drop(chokepoint::db::Db::open(&path).unwrap());
    // Another process holds the write lock for a moment (a big refresh being written).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('busy', '1');").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        conn.execute_batch("COMMIT").unwrap();
    });
    let started = std::time::Instant::now();
    let o = run(home.path(), &["risk", "level", "lpo", "elevated"]);
    release.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(started.elapsed() >= std::time::Duration::from_millis(300), "it waited for the lock");
    assert_eq!(stdout(&o).trim(), "lpo elevated");
}

#[test]
fn the_tui_needs_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["--demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("needs a terminal"), "{}", stderr(&o));
}

#[test]
fn a_write_error_on_stdout_fails_and_a_closed_pipe_is_quiet() {
    let home = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 5] = [
        &["snapshot", "--demo"],
        &["snapshot", "--json", "--demo"],
        &["report", "--demo"],
        &["check"],
        &["--help"],
    ];
    for args in commands {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let o = common::chokepoint_cmd(home.path()).args(args).stdout(full).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("cannot write to stdout"), "{args:?}: {}", stderr(&o));
    }
    // `| head`: the reader is gone before the output is written; no message, no panic.
    let mut child = common::chokepoint_cmd(home.path())
        .args(["snapshot", "--json", "--demo"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(stderr(&o), "");
    assert!(o.status.success(), "{:?}", o.status);
}

fn catalyst(v: &Value, id: &str) -> Value {
    v["catalysts"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone()
}

#[test]
fn a_note_on_a_done_catalyst_is_kept_and_can_be_changed() {
    let home = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let o = run(home.path(), args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    ok(&["--demo", "catalyst", "done", "amd-lta"]);
    assert_eq!(catalyst(&snapshot(home.path(), &[]), "amd-lta")["note"], Value::Null);
    // Already done: the note is set on the change that made it so (it was dropped).
    let out = ok(&["--demo", "catalyst", "done", "amd-lta", "--note", "signed \u{1b}[31mTuesday"]);
    assert!(out.contains("already done; note set"), "{out}");
    let v = snapshot(home.path(), &[]);
    assert_eq!(catalyst(&v, "amd-lta")["note"], "signed Tuesday");
    assert!(catalyst(&v, "amd-lta")["done_at"].is_string());
    // `catalyst note` changes it, and "" clears it; no new change is recorded.
    assert!(ok(&["--demo", "catalyst", "note", "amd-lta", "8-K filed"]).contains("note set"));
    assert_eq!(catalyst(&snapshot(home.path(), &[]), "amd-lta")["note"], "8-K filed");
    let report = ok(&["--demo", "report"]);
    assert!(report.contains("note: 8-K filed"), "{report}");
    assert!(ok(&["--demo", "catalyst", "note", "amd-lta", ""]).contains("note cleared"));
    assert_eq!(catalyst(&snapshot(home.path(), &[]), "amd-lta")["note"], Value::Null);
    let db = chokepoint::db::Db::open(&home.path().join("data/chokepoint/demo.db")).unwrap().db;
    assert_eq!(db.load_user().unwrap().catalysts["amd-lta"].history.len(), 1);
    // Nothing to note on a catalyst never changed; unknown ids are refused.
    let o = run(home.path(), &["--demo", "catalyst", "note", "luxnet-volume", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no recorded change"), "{}", stderr(&o));
    let o = run(home.path(), &["--demo", "catalyst", "note", "moonshot", "x"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A config whose every source is a closed port on loopback: each fetch fails at once.
fn unreachable_config(home: &Path) -> std::path::PathBuf {
    let cfg = home.join("unreachable.toml");
    std::fs::write(
        &cfg,
        "[quotes.yahoo]\nbase_url = \"http://127.0.0.1:1\"\n[quotes.nasdaq]\nbase_url = \"http://127.0.0.1:1\"\n\
         [[tickers]]\nsymbol = \"AAOI\"\n[[feeds]]\nname = \"Wire\"\nurl = \"http://127.0.0.1:1/rss\"\n",
    )
    .unwrap();
    cfg
}

#[test]
fn snapshot_json_numbers_are_as_received_and_failures_have_no_fetch_time() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["snapshot", "--json", "--demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    // 8.31 - 7.86 printed 0.4500000000000002.
    assert!(!text.contains("00000000") && !text.contains("99999999"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["quotes"][0]["symbol"], "SIVE");
    assert_eq!(v["quotes"][0]["change"], 0.45);
    assert_eq!(v["quotes"][0]["price"], 8.31);
    assert!(v["catalysts"][0].get("note").is_some(), "{}", v["catalysts"][0]);

    let cfg = unreachable_config(home.path());
    let o = run(home.path(), &["snapshot", "--json", "--config", cfg.to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{sources:?}");
    for s in sources {
        assert_eq!(s["ok"], false, "{s}");
        assert!(s["error"].is_string(), "{s}");
        assert_eq!(s["fetched_at"], Value::Null, "a failed source fetched nothing: {s}");
    }
}

/// Writes `cache.json` for `home` with the given quote and news JSON values (format version 1).
fn write_cache(home: &Path, quotes: Value, news: Value) {
    let dir = home.join("cache/chokepoint");
    std::fs::create_dir_all(&dir).unwrap();
    let cache =
        serde_json::json!({"version": 1, "saved_at": "2026-11-20T21:05:00Z", "quotes": quotes, "news": news});
    std::fs::write(dir.join("cache.json"), cache.to_string()).unwrap();
}

fn cached_quote(symbol: &str) -> Value {
    serde_json::json!({"symbol": symbol, "provider_symbol": symbol, "price": 30.05, "previous_close": 33.12,
        "change": -3.07, "change_pct": -9.2693, "currency": "USD", "exchange": "NGM", "market_state": "closed",
        "day_high": null, "day_low": null, "volume": null, "series": [], "as_of": "2026-11-20T21:00:01Z",
        "source": "yahoo"})
}

#[test]
fn report_names_failed_sources_and_exits_3_when_there_is_nothing_at_all() {
    let home = tempfile::tempdir().unwrap();
    // Offline with no cache: empty tables said so, exit 3 (it was 0 with no word).
    let o = run(home.path(), &["report", "--offline"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("No data: nothing could be fetched or read from the store"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("no stored quotes or news"), "{}", stderr(&o));
    let o = run(home.path(), &["snapshot", "--offline", "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(serde_json::from_slice::<Value>(&o.stdout).is_ok(), "the output is still printed");

    // Every source fails: each is named with its error, in the report and on stderr.
    let cfg = unreachable_config(home.path());
    let cfg = cfg.to_str().unwrap();
    let o = run(home.path(), &["report", "--config", cfg]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(out.contains("## Failed sources") && out.contains("- **Wire**: connection refused"), "{out}");
    assert!(out.contains("- **AAOI**: yahoo: connection refused; nasdaq: connection refused"), "{out}");
    assert!(err.contains("nothing could be fetched") && err.contains("Wire: connection refused"), "{err}");
    let o = run(home.path(), &["report", "--format", "json", "--config", cfg]);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["no_data"], true);
    assert_eq!(v["failed_sources"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(run(home.path(), &["snapshot", "--config", cfg]).status.code(), Some(3));

    // The cache still has data: the report shows it, names the failures, and exits 0.
    write_cache(home.path(), serde_json::json!([cached_quote("AAOI")]), serde_json::json!([]));
    let o = run(home.path(), &["report", "--config", cfg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("| AAOI |") && out.contains("30.05") && out.contains("- **Wire**:"), "{out}");
    assert!(!out.contains("No data"), "{out}");
    let o = run(home.path(), &["report", "--offline", "--config", cfg]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_symlink_where_the_database_should_be_is_refused_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data/chokepoint");
    std::fs::create_dir_all(&dir).unwrap();
    let target = home.path().join("target.bin");
    std::fs::write(&target, "precious").unwrap();
    for name in ["chokepoint.db", "chokepoint.db-wal", "chokepoint.db-shm"] {
        let link = dir.join(name);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let o = run(home.path(), &["catalyst", "done", "amd-lta"]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = stderr(&o);
        assert!(err.contains(&link.display().to_string()) && err.contains("symbolic link"), "{err}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        std::fs::remove_file(&link).unwrap();
    }
    // A symlinked legacy state file is never read through: it is moved aside, its target kept.
    let state = dir.join("state.json");
    std::os::unix::fs::symlink(&target, &state).unwrap();
    let o = run(home.path(), &["catalyst", "done", "amd-lta"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link") && stderr(&o).contains("not imported"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    // Without a link the database is created 0600.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.join("chokepoint.db")).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn search_pin_and_unpin_work_on_the_archive_from_scripts() {
    let home = tempfile::tempdir().unwrap();
    assert!(run(home.path(), &["--demo", "snapshot"]).status.success(), "fills the demo archive");
    let o = run(home.path(), &["--demo", "search", "laser", "--limit", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        out.matches("\n                  id: ").count() + usize::from(out.starts_with("id: ")),
        2,
        "{out}"
    );
    assert!(out.contains("more matches than 2"), "{out}");
    let all: Value =
        serde_json::from_str(&stdout(&run(home.path(), &["--demo", "search", "laser", "--json"]))).unwrap();
    let matches = all["matches"].as_array().unwrap();
    assert!(matches.len() > 2 && all["more"] == false, "{all}");
    let newest = chrono::DateTime::parse_from_rfc3339(matches[0]["published"].as_str().unwrap()).unwrap();
    let oldest =
        chrono::DateTime::parse_from_rfc3339(matches[matches.len() - 1]["published"].as_str().unwrap())
            .unwrap();
    assert!(newest >= oldest, "newest first");
    // --since a date: every match from that day on, none before.
    let day = newest.date_naive();
    let since: Value = serde_json::from_str(&stdout(&run(
        home.path(),
        &["--demo", "search", "laser", "--json", "--since", &day.to_string()],
    )))
    .unwrap();
    let want =
        matches.iter().filter(|m| m["published"].as_str().unwrap() >= day.to_string().as_str()).count();
    assert_eq!(since["matches"].as_array().unwrap().len(), want, "{since}");
    // Nothing matches: exit 1, said on stderr.
    let o = run(home.path(), &["--demo", "search", "zzzqqq"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no archived headline matches"), "{}", stderr(&o));

    // Pin the newest to a risk by its id; report and search show it; unpin.
    let id = matches[0]["id"].as_str().unwrap();
    let o = run(home.path(), &["--demo", "pin", id, "--risk", "lpo"]);
    assert!(
        o.status.success() && stdout(&o).starts_with("pinned to r:lpo: "),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    let o = run(home.path(), &["--demo", "pin", id, "--risk", "lpo"]);
    assert!(stdout(&o).starts_with("already pinned"), "{}", stdout(&o));
    let report = stdout(&run(home.path(), &["--demo", "report", "--offline"]));
    assert!(report.contains("  - pinned: "), "{report}");
    let again: Value =
        serde_json::from_str(&stdout(&run(home.path(), &["--demo", "search", "laser", "--json"]))).unwrap();
    assert_eq!(again["matches"][0]["pinned_to"], serde_json::json!(["r:lpo"]));
    assert!(run(home.path(), &["--demo", "unpin", id, "--risk", "lpo"]).status.success());
    let o = run(home.path(), &["--demo", "unpin", id, "--risk", "lpo"]);
    assert_eq!(o.status.code(), Some(2), "not pinned any more");
    let o = run(home.path(), &["--demo", "pin", "no-such-headline", "--catalyst", "amd-lta"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no archived headline"), "{}", stderr(&o));
}

/// `history`: the demo's recorded series as CSV or JSON, kept in the store so `--offline`
/// prints it again; the benchmark works like a ticker; an unknown ticker or range is exit 2, an
/// unstored one offline exit 1, each saying why.
#[test]
fn history_prints_a_series_and_keeps_it() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["--demo", "history", "AAOI", "--range", "1m"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("time,open,high,low,close,volume"));
    let rows: Vec<&str> = lines.collect();
    assert!((19..=23).contains(&rows.len()), "{csv}");
    let bad: Vec<&&str> = rows
        .iter()
        .filter(|r| r.split(',').count() != 6 || !r.ends_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    let again = run(home.path(), &["--demo", "history", "aaoi", "--range", "1mo", "--offline"]);
    assert_eq!(stdout(&again), csv, "the stored copy");
    let o = run(home.path(), &["--demo", "history", "SOXX", "--range", "5y", "--format", "json"]);
    let series: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (series["symbol"].as_str(), series["span"].as_str(), series["interval"].as_str()),
        (Some("SOXX"), Some("5y"), Some("1wk"))
    );
    for (args, code, says) in [
        (
            &["--demo", "history", "ZZZ"][..],
            2,
            "unknown ticker `ZZZ` (known: SIVE, AAOI, LITE, COHR, MTSI, SOXX)",
        ),
        (&["--demo", "history", "AAOI", "--range", "2y"][..], 2, "unknown range `2y`"),
        (&["--demo", "history", "LITE", "--range", "6m", "--offline"][..], 1, "no LITE 6mo series stored"),
    ] {
        let o = run(home.path(), args);
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

/// `report` reads (or fetches) the price history it needs: a since-start table for every
/// ticker and the benchmark, with each ticker against the benchmark, and a hit catalyst's
/// reactions.
#[test]
fn report_has_the_since_start_table_and_reactions() {
    let home = tempfile::tempdir().unwrap();
    assert!(run(home.path(), &["--demo", "catalyst", "done", "aaoi-texas"]).status.success());
    let o = run(home.path(), &["--demo", "report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.contains("## Since the thesis started ("), "{md}");
    assert!(
        md.contains("| ticker | first close | latest | change | vs benchmark | last month vs benchmark |"),
        "{md}"
    );
    // The demo's recorded hit, and the reaction recorded with it.
    assert!(md.contains("  - since the hit: AAOI +11.2% 1d, +17.6% 5d; SOXX +0.4% 1d, +1.0% 5d"), "{md}");
    for sym in ["SIVE", "AAOI", "LITE", "COHR", "MTSI", "SOXX"] {
        assert!(md.contains(&format!("| {sym} | ")), "{sym}: {md}");
    }
    assert!(md.contains("  - since the hit: no session has closed since"), "{md}");
    let o = run(home.path(), &["--demo", "report", "--format", "json", "--offline"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["since_start"].as_array().map(Vec::len), Some(6));
    assert!(v["since_start"][1]["vs_benchmark"].is_number() && v["since_start"][5]["vs_benchmark"].is_null());
    assert!(v["since_start"][1]["month_vs_benchmark"].is_number());
    let texas = v["catalysts"].as_array().unwrap().iter().find(|c| c["id"] == "aaoi-texas").unwrap();
    let symbols: Vec<&str> =
        texas["reactions"].as_array().unwrap().iter().filter_map(|r| r["symbol"].as_str()).collect();
    assert_eq!(symbols, ["AAOI", "SOXX"]);
}

/// `position add|rm|list`: lots of listed tickers checked and kept in the store (shared with the
/// TUI), valued at the quotes and summed in USD through the SEK rate; `snapshot` and `report`
/// show the same.
#[test]
fn positions_are_added_listed_and_removed() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let add = |args: &[&str]| run(h, &[&["--demo", "position", "add"], args].concat());
    let o = add(&["sive", "--shares", "2000", "--price", "6.10", "--date", "2026-03-02", "--fees", "39"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("SIVE 2000 at 6.1 on 2026-03-02"), "{}", stdout(&o));
    assert!(add(&["AAOI", "--shares", "100", "--price", "21.5", "--date", "2026-07-01"]).status.success());
    for (bad, says) in [
        (&["ZZZ", "--shares", "1", "--price", "1"][..], "not a listed ticker"),
        (&["AAOI", "--shares", "0", "--price", "1"][..], "shares must be a positive number"),
        (&["AAOI", "--shares", "1", "--price", "1", "--date", "2999-01-01"][..], "in the future"),
        (&["AAOI", "--shares", "1", "--price", "1", "--date", "May"][..], "--date must be YYYY-MM-DD"),
    ] {
        let o = add(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&o).contains(says), "{bad:?}: {}", stderr(&o));
    }
    let o = run(h, &["--demo", "position", "list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let lots = v["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2);
    let sive = v["holdings"].as_array().unwrap().iter().find(|x| x["symbol"] == "SIVE").unwrap();
    assert_eq!((sive["currency"].as_str(), sive["cost"].as_f64()), (Some("SEK"), Some(12239.0)));
    // 8.31 SEK now, +0.45 on the day (the demo's recording).
    assert!(
        (sive["value"].as_f64().unwrap() - 16620.0).abs() < 1e-6
            && (sive["day"].as_f64().unwrap() - 900.0).abs() < 1e-6
    );
    // The demo's recordings (its SEK rate too) need no network: `list` refreshes them.
    assert_eq!(v["totals"]["base"], "USD");
    assert_eq!(v["totals"]["missing_rates"], serde_json::json!([]));
    assert_eq!(v["fx"][0]["source"], "demo");
    // `snapshot` and `report` refresh, the demo's recorded SEK rate with them: totals known.
    let v = snapshot(h, &[]);
    let p = &v["positions"];
    assert_eq!(p["fx"][0]["currency"], "SEK");
    let want = 16620.0 * p["fx"][0]["rate"].as_f64().unwrap() + 3005.0;
    assert!((p["totals"]["value"].as_f64().unwrap() - want).abs() < 1e-6, "{p}");
    let aaoi = p["holdings"].as_array().unwrap().iter().find(|x| x["symbol"] == "AAOI").unwrap();
    assert!((aaoi["weight"].as_f64().unwrap() - 3005.0 / want * 100.0).abs() < 1e-6);
    let md = stdout(&run(h, &["--demo", "report"]));
    assert!(
        md.contains("## Positions (in USD)")
            && md.contains("| SIVE | 2000 | 12239.00 | 16620.00 | +900.00 |"),
        "{md}"
    );
    assert!(md.contains("- rate: 1 SEK = "), "{md}");
    let text = stdout(&run(h, &["--demo", "snapshot"]));
    assert!(text.contains("HOLDINGS") && text.contains("TOTAL (USD): value "), "{text}");
    let id = lots[1]["id"].as_str().unwrap();
    let o = run(h, &["--demo", "position", "rm", id]);
    assert!(o.status.success() && stdout(&o).contains("removed lot"), "{}", stderr(&o));
    let o = run(h, &["--demo", "position", "rm", id]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&run(h, &["--demo", "position", "list", "--json"]).stdout).unwrap();
    assert_eq!(v["lots"].as_array().map(Vec::len), Some(1));
    let o = run(h, &["--demo", "position", "rm", "config:1"]);
    assert!(stderr(&o).contains("edit it there"), "{}", stderr(&o));
}
