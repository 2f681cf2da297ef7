//! The whole-app bench: the real release binary in a pseudo-terminal against local HTTP servers
//! (never the internet), read through /proc, plus in-process timings where a distribution is
//! needed. Prints the README's table with each target. Run it with `scripts/bench` (which runs the
//! criterion benches first, so their render and parse figures join the table) or alone with
//! `cargo bench --bench app`. Not part of `cargo test`: no timing is asserted anywhere.
//!
//! `CHOKEPOINT_BENCH_IDLE_SECS` shortens the idle window (default 60) for a quick look, and
//! `CHOKEPOINT_BENCH_ONLY=startup,idle,rss,keys,hostile,criterion,day,faults,sources,feedrss,store`
//! picks figures; `CHOKEPOINT_BENCH_LIMIT_SECS` shortens the rate-limited run (default 180) and
//! `CHOKEPOINT_BENCH_REFETCHES` the 4 MB feed's refetches (default 4, 30 s apart).
//! `CHOKEPOINT_BENCH_BIN` names the binary driven (scripts/bench: what `cargo build --release`
//! makes), `CHOKEPOINT_BENCH_WRAP` a profiler to run it under ("heaptrack -o /tmp/ht"),
//! `CHOKEPOINT_BENCH_SMAPS` a path for its /proc smaps (the 10,000-headline run; `.feed` for the
//! 4 MB feed's) and `CHOKEPOINT_BENCH_SAMPLES` prints the 4 MB feed's resident samples.

#[path = "../tests/common/pathological.rs"]
mod pathological;
#[path = "support/sources.rs"]
mod sources;
mod support;

use chokepoint::action::{Action, Loaded, Pane, Payload, SourceId};
use chokepoint::domain::UserState;
use chokepoint::effect::Effect;
use chokepoint::state::State;
use chokepoint::update::update;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::{Terminal, backend::TestBackend};
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};
use tui_input::InputRequest;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AAOI_JSON: &[u8] = include_bytes!("../tests/fixtures/live/AAOI.json");
const SIVE_JSON: &[u8] = include_bytes!("../tests/fixtures/live/SIVE.ST.json");
const NEWS: &[u8] = include_bytes!("../tests/fixtures/live/news-b.rss");
const SIM_ENV: &str = "CHOKEPOINT_BENCH_SIMULATE_HOURS";

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    if let Ok(hours) = std::env::var(SIM_ENV) {
        simulate(hours.parse().unwrap_or(1));
        return;
    }
    let mut rows = Vec::new();
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("tokio: {e}"),
    };
    let server = rt.block_on(fresh_server());
    let base = server.uri();

    let only = std::env::var("CHOKEPOINT_BENCH_ONLY").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only.split(',').any(|o| o == name);
    if run("startup") {
        rows.push(startup(&base));
    }
    if run("idle") {
        let (idle, redraws) = idle(&base);
        rows.push(idle);
        rows.push(redraws);
    }
    if run("rss") {
        rows.push(rss_10k(&base));
    }
    if run("keys") {
        rows.extend(keystroke_in_process());
        rows.push(keystroke_pty(&base));
    }
    if run("hostile") {
        rows.push(hostile_feeds());
        rows.push(paste_in_process());
        rows.push(paste_pty(&base));
    }
    if run("criterion") {
        rows.extend(criterion_rows());
    }
    if run("day") {
        rows.extend(peak_rss_day());
    }
    if run("sources") {
        rows.extend(rate_limited());
        rows.push(rt.block_on(yahoo_refused()));
    }
    if run("feedrss") {
        rows.push(rt.block_on(feed_rss()));
    }
    if run("faults") {
        let faults = rt.block_on(fault_servers());
        rows.push(keys_under_faults(&faults));
    }
    if run("store") {
        rows.extend(store_figures(&base));
    }
    drop(server);

    println!("\n| figure | target | measured | |");
    println!("| --- | --- | --- | --- |");
    for r in &rows {
        let verdict = match r.pass {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        println!("| {} | {} | {} | {verdict} |", r.figure, r.target, r.measured);
    }
}

struct Row {
    figure: String,
    target: String,
    measured: String,
    pass: Option<bool>,
}

fn row(figure: &str, target: &str, measured: String, pass: Option<bool>) -> Row {
    eprintln!("{figure}: {measured}");
    Row { figure: figure.into(), target: target.into(), measured, pass }
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/// Answers every chart and feed path with recorded data: the app's data stays fresh.
async fn fresh_server() -> MockServer {
    let server = MockServer::start().await;
    let json = |b: &[u8]| ResponseTemplate::new(200).set_body_raw(b.to_vec(), "application/json");
    Mock::given(method("GET"))
        .and(path_regex(r"^/v8/finance/chart/SIVE\.ST$"))
        .respond_with(json(SIVE_JSON))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v8/finance/chart/"))
        .respond_with(json(AAOI_JSON))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/feed/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(NEWS.to_vec(), "application/rss+xml; charset=utf-8"),
        )
        .mount(&server)
        .await;
    server
}

/// Misbehaving sources: a server that stalls, one that answers 429 with Retry-After, one with
/// 500s, one with garbage, one that streams 100 MB, and a refused port.
struct Faults {
    _servers: Vec<MockServer>,
    base: String,
    feeds: Vec<String>,
}

async fn fault_servers() -> Faults {
    let mk = |resp: ResponseTemplate| async move {
        let s = MockServer::start().await;
        Mock::given(method("GET")).respond_with(resp).mount(&s).await;
        s
    };
    let stall = mk(ResponseTemplate::new(200).set_delay(Duration::from_secs(600))).await;
    let storm = mk(ResponseTemplate::new(429).insert_header("retry-after", "1")).await;
    let errors = mk(ResponseTemplate::new(500)).await;
    let garbage = mk(ResponseTemplate::new(200).set_body_raw(vec![0xfe; 4096], "application/rss+xml")).await;
    let huge = hundred_mb_server().await;
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").ok();
        let port = l.as_ref().and_then(|l| l.local_addr().ok()).map_or(9, |a| a.port());
        drop(l);
        format!("http://127.0.0.1:{port}")
    };
    let feeds = vec![
        format!("{}/feed", stall.uri()),
        format!("{}/feed", storm.uri()),
        format!("{}/feed", errors.uri()),
        format!("{}/feed", garbage.uri()),
        format!("{huge}/feed"),
        format!("{refused}/feed"),
    ];
    Faults { base: stall.uri(), feeds, _servers: vec![stall, storm, errors, garbage] }
}

/// Streams 100 MB of chunked body to every connection, as fast as the client reads.
async fn hundred_mb_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => panic!("bind: {e}"),
    };
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = sock.read(&mut buf).await;
                let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n";
                let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                chunk.extend(std::iter::repeat_n(b'x', 64 * 1024));
                chunk.extend_from_slice(b"\r\n");
                if sock.write_all(head).await.is_err() {
                    return;
                }
                for _ in 0..(100_000_000 / (64 * 1024)) {
                    if sock.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------
// The binary in a pty
// ---------------------------------------------------------------------------------------------

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// A home with `config` written and a cache holding `cached` generated news items.
    fn new(config: &str, cap: usize, cached: usize) -> Home {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let home = Home { dir };
        let write = |p: &Path, bytes: &[u8]| {
            if let Some(parent) = p.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(p, bytes) {
                panic!("{}: {e}", p.display());
            }
        };
        write(&home.config(), config.as_bytes());
        if cached > 0 {
            let cache = support::cache(&support::config(cap), cached);
            home.archive(&cache.news);
        }
        home
    }

    /// The store the app will open, with `items` archived (and indexed) as refreshes would have.
    fn archive(&self, items: &[chokepoint::domain::NewsItem]) {
        let path = self.dir.path().join("data/chokepoint/chokepoint.db");
        let mut db = match chokepoint::db::Db::open(&path) {
            Ok(o) => o.db,
            Err(e) => panic!("{e}"),
        };
        for chunk in items.chunks(5_000) {
            if let Err(e) = db.archive(chunk, support::now()) {
                panic!("{e}");
            }
        }
        while db.index_pending(5_000).unwrap_or(0) > 0 {}
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("bench.toml")
    }
}

/// The binary measured: `CHOKEPOINT_BENCH_BIN` (scripts/bench sets it to what `cargo build
/// --release` makes, the binary a user runs), else the one cargo built for the bench, whose
/// dependencies carry the dev-dependencies' features too (wiremock's HTTP/2 and server code).
fn binary() -> PathBuf {
    std::env::var_os("CHOKEPOINT_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_chokepoint")))
}

struct Pty {
    parser: vt100::Parser,
    rx: Receiver<(Instant, Vec<u8>)>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    started: Instant,
}

impl Pty {
    fn spawn(home: &Home, cols: u16, rows: u16) -> Pty {
        let pair = match native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
        {
            Ok(p) => p,
            Err(e) => panic!("openpty: {e}"),
        };
        let h = home.dir.path();
        // CHOKEPOINT_BENCH_WRAP runs the binary under a profiler ("heaptrack -o /tmp/ht").
        let wrap = std::env::var("CHOKEPOINT_BENCH_WRAP").unwrap_or_default();
        let mut words = wrap.split_whitespace();
        let mut cmd = match words.next() {
            Some(program) => {
                let mut cmd = CommandBuilder::new(program);
                cmd.args(words);
                cmd.arg(binary());
                cmd
            }
            None => CommandBuilder::new(binary()),
        };
        cmd.arg("--config");
        cmd.arg(home.config());
        cmd.env("HOME", h);
        cmd.env("XDG_CONFIG_HOME", h.join("config"));
        cmd.env("XDG_DATA_HOME", h.join("data"));
        cmd.env("XDG_CACHE_HOME", h.join("cache"));
        cmd.env("TERM", "xterm-256color");
        for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
            cmd.env_remove(var);
        }
        let started = Instant::now();
        let child = match pair.slave.spawn_command(cmd) {
            Ok(c) => c,
            Err(e) => panic!("spawn: {e}"),
        };
        drop(pair.slave);
        let (mut reader, writer) = match (pair.master.try_clone_reader(), pair.master.take_writer()) {
            (Ok(r), Ok(w)) => (r, w),
            _ => panic!("pty reader/writer"),
        };
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        });
        let size = |n: u16| NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN);
        let parser = vt100::Parser::new(size(rows), size(cols), 0);
        Pty { parser, rx, writer, child, _master: pair.master, started }
    }

    /// Feeds output to the screen until `done(screen)`; returns when the deciding bytes arrived.
    fn until(&mut self, within: Duration, done: impl Fn(&str) -> bool) -> Option<Instant> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok((at, bytes)) => {
                    self.parser.process(&bytes);
                    if done(&self.parser.screen().contents()) {
                        return Some(at);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Everything written over `window`, as (arrival, bytes) bursts.
    fn collect(&mut self, window: Duration) -> Vec<(Instant, usize)> {
        let deadline = Instant::now() + window;
        let mut out = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok((at, bytes)) => {
                    self.parser.process(&bytes);
                    out.push((at, bytes.len()));
                }
                Err(_) => break,
            }
        }
        out
    }

    fn send(&mut self, bytes: &[u8]) -> Instant {
        let at = Instant::now();
        if self.writer.write_all(bytes).and_then(|_| self.writer.flush()).is_err() {
            panic!("the app stopped reading keys");
        }
        at
    }

    fn pid(&self) -> u32 {
        self.child.process_id().unwrap_or(0)
    }

    fn quit(mut self) {
        let _ = self.send(b"q");
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

/// utime + stime of `pid` in clock ticks (`/proc/<pid>/stat` fields 14 and 15).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let get = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// A `/proc/<pid>/status` figure in KiB (VmRSS, VmHWM).
fn status_kib(pid: &str, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|v| v.trim_start_matches(':').split_whitespace().next()))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The newest generated headline (what the first frame must show), cut to fit a narrow column.
fn first_headline() -> String {
    let items = support::items(&support::config(100), 1, 1);
    items.first().map(|i| i.title.chars().take(16).collect()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/// Spawn to the first frame showing the cached headlines, 5,000 cached items; median of 11.
fn startup(base: &str) -> Row {
    let home = Home::new(&support::config_text(5_000, base), 5_000, 5_000);
    let marker = first_headline();
    let mut times = Vec::new();
    for _ in 0..11 {
        let mut app = Pty::spawn(&home, 160, 45);
        let shown = app.until(Duration::from_secs(10), |s| s.contains(&marker) && s.contains("News"));
        match shown {
            Some(at) => times.push(at - app.started),
            None => panic!("no first frame with {marker:?}:\n{}", app.parser.screen().contents()),
        }
        app.quit();
    }
    times.sort();
    let median = percentile(&times, 0.5);
    row(
        "start to first full frame, 5,000 cached news items",
        "under 40 ms",
        format!("{} (median of 11; min {}, max {})", ms(median), ms(times[0]), ms(times[times.len() - 1])),
        Some(median < Duration::from_millis(40)),
    )
}

/// CPU and redraws over the idle window with fresh data and nothing happening.
fn idle(base: &str) -> (Row, Row) {
    let secs: u64 =
        std::env::var("CHOKEPOINT_BENCH_IDLE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let home = Home::new(&support::config_text(5_000, base), 5_000, 0);
    let mut app = Pty::spawn(&home, 160, 45);
    // Fresh: quotes and news arrived (no "cached"/"loading" marks), then let it settle.
    if app.until(Duration::from_secs(20), |s| s.contains("AAOI") && !s.contains("loading")).is_none() {
        panic!("no fresh data:\n{}", app.parser.screen().contents());
    }
    app.collect(Duration::from_secs(3));
    let pid = app.pid();
    let before = cpu_ticks(pid);
    let bursts = app.collect(Duration::from_secs(secs));
    let used = cpu_ticks(pid) - before;
    let pct = used as f64 / ticks_per_second() as f64 / secs as f64 * 100.0;
    // Bursts closer than 50 ms are one frame written in pieces.
    let mut frames = 0;
    let mut last: Option<Instant> = None;
    for (at, _) in &bursts {
        if last.is_none_or(|l| *at - l > Duration::from_millis(50)) {
            frames += 1;
        }
        last = Some(*at);
    }
    let bytes: usize = bursts.iter().map(|(_, n)| n).sum();
    app.quit();
    (
        row(
            &format!("idle CPU over {secs} s, TUI open, data fresh"),
            "under 0.1 % of a core",
            format!("{pct:.3} % ({used} ticks at {} Hz)", ticks_per_second()),
            Some(pct < 0.1),
        ),
        row(
            &format!("redraws over the same {secs} s"),
            "0 while nothing changes, at most 1 a second for age labels",
            format!("{frames} frames, {bytes} bytes written"),
            Some(frames as u64 <= secs),
        ),
    )
}

/// Resident memory with 10,000 news items loaded and shown.
fn rss_10k(base: &str) -> Row {
    let home = Home::new(&support::config_text(10_000, base), 10_000, 10_000);
    let marker = first_headline();
    let mut app = Pty::spawn(&home, 160, 45);
    if app.until(Duration::from_secs(10), |s| s.contains(&marker)).is_none() {
        panic!("10k items not shown");
    }
    app.collect(Duration::from_secs(3));
    let pid = app.pid().to_string();
    let (rss, hwm) = (status_kib(&pid, "VmRSS"), status_kib(&pid, "VmHWM"));
    if let Ok(to) = std::env::var("CHOKEPOINT_BENCH_SMAPS") {
        let _ = std::fs::copy(format!("/proc/{pid}/smaps"), to);
    }
    app.quit();
    row(
        "resident memory with 10,000 news items",
        "under 25 MB",
        format!("{:.1} MiB (peak {:.1} MiB)", mib(rss), mib(hwm)),
        Some(mib(rss) < 25.0 * 1e6 / (1 << 20) as f64),
    )
}

/// Every keystroke of typing queries into the filter over 10,000 items, update plus a 200x60
/// frame, timed one by one.
fn keystroke_in_process() -> Vec<Row> {
    let config = support::config(10_000);
    let mut state = State::new(&config, UserState::default(), support::now(), false);
    update(&mut state, Action::Restore(support::cache(&config, 10_000)));
    update(&mut state, Action::Resize(200, 60));
    update(&mut state, Action::Focus(Pane::News));
    let mut term = match Terminal::new(TestBackend::new(200, 60)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let mut times = Vec::new();
    for round in 0..20 {
        update(&mut state, Action::FilterStart);
        for query in ["optical laser", "c:cpo", "sivers -reuters", "光通信", "src:digi 800g", "/ram[pp]/"]
        {
            let strokes = query.chars().map(InputRequest::InsertChar);
            let backs = std::iter::repeat_n(InputRequest::DeletePrevChar, query.chars().count());
            for req in strokes.chain(backs) {
                let t = Instant::now();
                update(&mut state, Action::FilterEdit(req));
                if let Err(e) = term.draw(|f| chokepoint::ui::render(&state, f)) {
                    panic!("{e}");
                }
                if round > 0 {
                    times.push(t.elapsed());
                }
            }
        }
        update(&mut state, Action::FilterCancel);
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    vec![
        row(
            "filter keystroke to redrawn frame, 10,000 items (median)",
            "under 2 ms",
            format!("{} over {} keystrokes", ms(p50), times.len()),
            Some(p50 < Duration::from_millis(2)),
        ),
        row(
            "filter keystroke to redrawn frame, 10,000 items (p99)",
            "under 8 ms",
            format!("{} (max {})", ms(p99), ms(times[times.len() - 1])),
            Some(p99 < Duration::from_millis(8)),
        ),
    ]
}

/// Every pathological 5 MiB feed (tests/common/pathological.rs) through the real parser, median
/// of 3 parses each; the row names the slowest case.
fn hostile_feeds() -> Row {
    let mut worst = (Duration::ZERO, "");
    let cases = pathological::cases(5 << 20);
    let count = cases.len();
    for (name, doc) in cases {
        let mut times: Vec<Duration> = (0..3)
            .map(|_| {
                let t = Instant::now();
                let _ = std::hint::black_box(chokepoint::providers::feed::parse_feed(&doc, name, None));
                t.elapsed()
            })
            .collect();
        times.sort();
        eprintln!("  hostile feed {name}: {} ({} bytes)", ms(times[1]), doc.len());
        if times[1] > worst.0 {
            worst = (times[1], name);
        }
    }
    row(
        &format!("hostile 5 MiB feed parsed (slowest of {count} pathological mixes)"),
        "under 1 s",
        format!("{} ({})", ms(worst.0), worst.1),
        Some(worst.0 < Duration::from_secs(1)),
    )
}

/// A 1 MiB paste into the filter over 10,000 items, and the frame after it (median of 10).
fn paste_in_process() -> Row {
    let config = support::config(10_000);
    let mut state = State::new(&config, UserState::default(), support::now(), false);
    update(&mut state, Action::Restore(support::cache(&config, 10_000)));
    update(&mut state, Action::Resize(200, 60));
    let mut term = match Terminal::new(TestBackend::new(200, 60)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let paste = "optical laser\n".repeat(1024 * 1024 / 14);
    let mut times = Vec::new();
    for _ in 0..10 {
        update(&mut state, Action::FilterStart);
        let t = Instant::now();
        update(&mut state, Action::Paste(paste.clone()));
        if let Err(e) = term.draw(|f| chokepoint::ui::render(&state, f)) {
            panic!("{e}");
        }
        times.push(t.elapsed());
        update(&mut state, Action::FilterCancel);
    }
    times.sort();
    row(
        "1 MiB paste into the filter to redrawn frame, 10,000 items",
        "under 100 ms",
        format!("{} (median of 10)", ms(times[5])),
        Some(times[5] < Duration::from_millis(100)),
    )
}

/// The same paste through the real binary's pty: from the first pasted byte written to the cap
/// notice on screen, then `q` to exit.
fn paste_pty(base: &str) -> Row {
    let home = Home::new(&support::config_text(10_000, base), 10_000, 10_000);
    let mut app = Pty::spawn(&home, 200, 60);
    if app.until(Duration::from_secs(10), |s| s.contains(&first_headline())).is_none() {
        panic!("10k items not shown");
    }
    app.send(b"/");
    app.collect(Duration::from_millis(200));
    let mut bytes = b"\x1b[200~".to_vec();
    bytes.extend("optical laser\n".repeat(1024 * 1024 / 14).bytes());
    bytes.extend(b"\x1b[201~");
    app.send(&bytes);
    let sent = Instant::now();
    let Some(shown) = app.until(Duration::from_secs(20), |s| s.contains("at most 512")) else {
        panic!("paste never handled:\n{}", app.parser.screen().contents());
    };
    let handled = shown.saturating_duration_since(sent);
    app.send(b"\x1b");
    app.collect(Duration::from_millis(100));
    let asked = Instant::now();
    app.send(b"q");
    while !matches!(app.child.try_wait(), Ok(Some(_))) && asked.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let quit = asked.elapsed();
    app.quit();
    row(
        "  same, real binary: last pasted byte written to notice shown; then q to exit",
        "(for reference)",
        format!("{}; q exits in {}", ms(handled), ms(quit)),
        None,
    )
}

/// Types into the filter of the real binary and waits for each character to show: the latency a
/// user sees, through the pty. Returns the sorted latencies.
fn type_and_time(app: &mut Pty, rounds: usize) -> Vec<Duration> {
    let text = "opticallaserdemandsupplyramp";
    let mut times = Vec::new();
    for _ in 0..rounds {
        app.send(b"/");
        if app
            .until(Duration::from_secs(5), |s| s.lines().any(|l| l.trim_start_matches('┃').starts_with("/ ")))
            .is_none()
        {
            panic!("no filter prompt:\n{}", app.parser.screen().contents());
        }
        for n in 1..=text.len() {
            let shown = format!("/ {}", &text[..n]);
            let sent = app.send(&text.as_bytes()[n - 1..n]);
            match app.until(Duration::from_secs(5), |s| s.contains(&shown)) {
                Some(at) => times.push(at.saturating_duration_since(sent)),
                None => panic!("{shown:?} never shown:\n{}", app.parser.screen().contents()),
            }
        }
        app.send(b"\x1b");
        app.collect(Duration::from_millis(100));
    }
    times.sort();
    times
}

fn keystroke_pty(base: &str) -> Row {
    let home = Home::new(&support::config_text(10_000, base), 10_000, 10_000);
    let mut app = Pty::spawn(&home, 200, 60);
    if app.until(Duration::from_secs(10), |s| s.contains(&first_headline())).is_none() {
        panic!("10k items not shown");
    }
    app.collect(Duration::from_secs(2));
    let times = type_and_time(&mut app, 5);
    app.quit();
    row(
        "  same, real binary through a pty (key written to frame read)",
        "(for reference)",
        format!("median {}, p99 {}", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.99))),
        None,
    )
}

/// Keys while every source misbehaves (issue 4): each typed character must show within 50 ms.
fn keys_under_faults(f: &Faults) -> Row {
    let mut text = support::config_text(5_000, &f.base);
    // Replace the example's feeds with one per fault.
    if let Some(cut) = text.find("[[feeds]]") {
        text.truncate(cut);
    }
    for (i, url) in f.feeds.iter().enumerate() {
        text.push_str(&format!("[[feeds]]\nname = \"fault {i}\"\nurl = \"{url}\"\n\n"));
    }
    let home = Home::new(&text, 5_000, 5_000);
    let mut app = Pty::spawn(&home, 160, 45);
    if app.until(Duration::from_secs(10), |s| s.contains(&first_headline())).is_none() {
        panic!("no first frame under faults");
    }
    // Let the failures land and the retries start.
    app.collect(Duration::from_secs(3));
    let times = type_and_time(&mut app, 8);
    let screen = app.parser.screen().contents();
    app.quit();
    let (p50, p99, max) = (percentile(&times, 0.5), percentile(&times, 0.99), times[times.len() - 1]);
    let failing =
        screen.lines().find(|l| l.contains("failing")).map(|l| l.trim().to_string()).unwrap_or_default();
    eprintln!("status under faults: {failing}");
    row(
        "key to frame while sources stall, 429, 500, send garbage or 100 MB, or refuse",
        "within 50 ms",
        format!("median {}, p99 {}, max {} over {} keys", ms(p50), ms(p99), ms(max), times.len()),
        Some(max < Duration::from_millis(50)),
    )
}

/// Criterion's medians for the frame and parse benches, if `cargo bench --bench core` ran.
fn criterion_rows() -> Vec<Row> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    let median_ns = |id: &str| -> Option<f64> {
        let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["median"]["point_estimate"].as_f64()
    };
    let mut rows = Vec::new();
    match median_ns("render/frame_200x60_10k") {
        Some(ns) => rows.push(row(
            "one frame render at 200x60 with 10,000 items",
            "under 1 ms",
            format!("{:.3} ms (criterion median)", ns / 1e6),
            Some(ns < 1e6),
        )),
        None => rows.push(row(
            "one frame render at 200x60",
            "under 1 ms",
            "run `cargo bench --bench core`".into(),
            None,
        )),
    }
    for (id, figure, target_ms) in [
        (
            "detail/open_first_frame_5y",
            "ticker detail view opened with 5 years of daily bars cached: to its first frame (200x60; no request)",
            5.0,
        ),
        (
            "detail/frame_200x60_5y",
            "one frame of the ticker detail view at 200x60, 5 years of daily bars",
            2.0,
        ),
    ] {
        rows.push(match median_ns(id) {
            Some(ns) => row(
                figure,
                &format!("under {target_ms} ms"),
                format!("{:.3} ms (criterion median)", ns / 1e6),
                Some(ns / 1e6 < target_ms),
            ),
            None => {
                row(figure, &format!("under {target_ms} ms"), "run `cargo bench --bench core`".into(), None)
            }
        });
    }
    let mut worst: Option<(f64, &str)> = None;
    for (id, bytes) in [
        (
            "parse/cloudblog_rss_5MB",
            include_bytes!("../tests/fixtures/real-world/rsparser-cloudblog.rss").as_slice(),
        ),
        (
            "parse/dcrainmaker_rss_5MB",
            include_bytes!("../tests/fixtures/real-world/rsparser-dcrainmaker.xml"),
        ),
        (
            "parse/4fsodonline_atom_5MB",
            include_bytes!("../tests/fixtures/real-world/rsparser-4fsodonline.atom"),
        ),
    ] {
        if let Some(ns) = median_ns(id) {
            let len = support::inflated_fixture(bytes, 5 << 20).len() as f64;
            let mbps = len / (ns / 1e9) / 1e6;
            if worst.is_none_or(|(w, _)| mbps < w) {
                worst = Some((mbps, id));
            }
        }
    }
    match worst {
        Some((mbps, id)) => rows.push(row(
            "feed parsing throughput, real-world fixtures at 5 MB (slowest)",
            "at least 50 MB/s",
            format!("{mbps:.0} MB/s ({})", id.trim_start_matches("parse/")),
            Some(mbps >= 50.0),
        )),
        None => rows.push(row(
            "feed parsing throughput",
            "at least 50 MB/s",
            "run `cargo bench --bench core`".into(),
            None,
        )),
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// A simulated day, in a child process so each run has its own peak RSS
// ---------------------------------------------------------------------------------------------

fn peak_rss_day() -> Vec<Row> {
    let run = |hours: u32| -> u64 {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        };
        let out = match std::process::Command::new(exe).env(SIM_ENV, hours.to_string()).output() {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines().find_map(|l| l.strip_prefix("HWM ")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    };
    let (hour, day) = (run(1), run(24));
    let growth = (day as f64 - hour as f64) / hour.max(1) as f64 * 100.0;
    vec![row(
        "peak RSS after a simulated 24 h of refreshes vs 1 h",
        "within 10 %",
        format!("{:.1} MiB vs {:.1} MiB ({growth:+.1} %)", mib(day), mib(hour)),
        Some(growth <= 10.0),
    )]
}

/// One simulated day (or `hours`), minute by minute, through the real reducer and renderer:
/// quotes every minute, every feed every 5 minutes with new items, a frame each minute and the
/// cache serialized after each news refresh, starting from a full cached history as a user who
/// keeps the app open would. Prints the process's peak RSS.
fn simulate(hours: u32) {
    let config = support::config(5_000);
    let mut now = support::now();
    let mut state = State::new(&config, UserState::default(), now, false);
    update(&mut state, Action::Restore(support::cache(&config, 5_000)));
    update(&mut state, Action::Resize(160, 45));
    let mut term = match Terminal::new(TestBackend::new(160, 45)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let quotes: Vec<_> =
        match config.tickers.iter().map(|t| chokepoint::providers::demo::quote(t, now)).collect() {
            Ok(q) => q,
            Err(e) => panic!("{e}"),
        };
    let mut seed = 1_000;
    for minute in 0..hours * 60 {
        now += chrono::TimeDelta::minutes(1);
        update(&mut state, Action::Tick(now));
        let fx = update(&mut state, Action::RefreshAll);
        for e in fx {
            let Effect::Fetch { source, req_id, .. } = e else { continue };
            let payload = match source {
                SourceId::Quote(i) => Payload::Quotes(quotes.get(i).cloned().into_iter().collect()),
                SourceId::Feed(_) if minute % 5 == 0 => {
                    seed += 1;
                    let mut items = support::items(&config, 20, seed);
                    for it in &mut items {
                        it.published = Some(now);
                    }
                    Payload::News(items)
                }
                // Unchanged since the last answer (a 304).
                SourceId::Feed(_) => Payload::News(Vec::new()),
                // No lot is held: rates are never asked.
                SourceId::Fx => continue,
            };
            let loaded = Loaded {
                source,
                req_id,
                result: Ok(payload),
                partial_error: None,
                at: now,
                retry_after: None,
                jitter: 0.5,
                attempts: Vec::new(),
            };
            // The headlines go to the store's thread as they arrive (their copy is freed there).
            for e in update(&mut state, Action::Loaded(loaded)) {
                if let Effect::Archive { items, .. } = e {
                    std::hint::black_box(items.len());
                }
            }
        }
        if let Err(e) = term.draw(|f| chokepoint::ui::render(&state, f)) {
            panic!("{e}");
        }
    }
    assert!(state.news().len() <= 5_000);
    println!("HWM {}", status_kib("self", "VmHWM"));
}

// ---------------------------------------------------------------------------------------------
// Quote sources and fetching (issue 11)
// ---------------------------------------------------------------------------------------------

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// 50 tickers and 50 feeds against one loopback server that answers 429 above 10 requests a
/// second: what the server sees over the run.
fn rate_limited() -> Vec<Row> {
    use std::sync::atomic::Ordering;
    let secs = env_secs("CHOKEPOINT_BENCH_LIMIT_SECS", 180);
    let server = sources::Limited::start();
    let home = Home::new(&sources::many_config(50, &server.base), 5_000, 0);
    let mut app = Pty::spawn(&home, 160, 45);
    let started = app.started;
    let mut all_at = None;
    let deadline = started + Duration::from_secs(secs);
    while Instant::now() < deadline {
        app.collect(Duration::from_millis(100));
        if all_at.is_none() {
            let tickers = server.stats.tickers();
            if tickers.len() == 50 && tickers.values().all(|t| t.first_ok.is_some()) {
                all_at = tickers.values().filter_map(|t| t.first_ok).max();
            }
        }
    }
    let stats = &server.stats;
    let (total, limited) = (stats.total.load(Ordering::SeqCst), stats.limited.load(Ordering::SeqCst));
    let peak = stats.peak_open.load(Ordering::SeqCst);
    let tickers = stats.tickers();
    let refetched: u32 = tickers.values().map(|t| t.after_ok).sum();
    let quote_requests: u32 = tickers.values().map(|t| t.requests).sum();
    let mut missing: Vec<&String> =
        tickers.iter().filter(|(_, t)| t.first_ok.is_none()).map(|(s, _)| s).collect();
    missing.sort();
    if !missing.is_empty() || tickers.len() < 50 {
        app.send(b"s");
        app.collect(Duration::from_millis(500));
        eprintln!(
            "never answered: {missing:?} ({} asked)\n{}",
            tickers.len(),
            app.parser.screen().contents()
        );
    }
    app.quit();
    let all = all_at.map(|t| t - started);
    vec![
        row(
            &format!("50 tickers + 50 feeds vs a 10 req/s limit: requests in {secs} s"),
            "bounded (before: 450 in 3 min, quotes never all loaded)",
            format!("{total} ({quote_requests} for quotes, {limited} answered 429)"),
            None,
        ),
        row(
            "same run: requests for tickers that had already answered",
            "0",
            format!("{refetched}"),
            Some(refetched == 0),
        ),
        row(
            "same run: time until all 50 quotes are shown",
            "all shown",
            all.map_or_else(|| format!("not all within {secs} s"), ms),
            Some(all.is_some()),
        ),
        row("same run: peak connections open at the server", "at most 6", format!("{peak}"), Some(peak <= 6)),
    ]
}

/// Yahoo answers 429 to everything: time until the five quotes, SIVE in SEK included, are shown
/// from Nasdaq.
async fn yahoo_refused() -> Row {
    use wiremock::matchers::{path, query_param};
    let yahoo = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_string("Edge: Too Many Requests"))
        .mount(&yahoo)
        .await;
    let nasdaq = MockServer::start().await;
    let json = |b: &'static [u8]| ResponseTemplate::new(200).set_body_raw(b.to_vec(), "application/json");
    let fixture = |name: &str| -> &'static [u8] {
        match name {
            "us-info" => include_bytes!("../tests/fixtures/quotes/nasdaq-us-info-AAOI.json"),
            "us-chart" => include_bytes!("../tests/fixtures/quotes/nasdaq-us-chart-AAOI.json"),
            "search" => include_bytes!("../tests/fixtures/quotes/nasdaq-nordic-search-SIVE.json"),
            "nordic-info" => include_bytes!("../tests/fixtures/quotes/nasdaq-nordic-info-SIVE.json"),
            _ => include_bytes!("../tests/fixtures/quotes/nasdaq-nordic-chart-SIVE.json"),
        }
    };
    for (at, name) in [
        (r"^/api/quote/[A-Z]+/info$", "us-info"),
        (r"^/api/quote/[A-Z]+/chart$", "us-chart"),
        (r"^/api/nordic/instruments/TX2540138/info$", "nordic-info"),
        (r"^/api/nordic/instruments/TX2540138/chart$", "nordic-chart"),
    ] {
        Mock::given(method("GET")).and(path_regex(at)).respond_with(json(fixture(name))).mount(&nasdaq).await;
    }
    Mock::given(method("GET"))
        .and(path("/api/nordic/search"))
        .and(query_param("searchText", "SIVE"))
        .respond_with(json(fixture("search")))
        .mount(&nasdaq)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/feed/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(NEWS.to_vec(), "application/rss+xml"))
        .mount(&nasdaq)
        .await;
    // Every URL on the Nasdaq server, then Yahoo's (the first base_url, [quotes.yahoo]) on its own.
    let text = support::config_text(5_000, &nasdaq.uri()).replacen(
        &format!("base_url = \"{}\"", nasdaq.uri()),
        &format!("base_url = \"{}\"", yahoo.uri()),
        1,
    );
    assert!(text.contains(&yahoo.uri()), "the yahoo base is set");
    let (times, screen) = tokio::task::spawn_blocking(move || {
        let mut times = Vec::new();
        let mut screen = String::new();
        for _ in 0..5 {
            // A new home each time: no cached quotes, no orderbook id known yet.
            let home = Home::new(&text, 5_000, 0);
            let mut app = Pty::spawn(&home, 160, 45);
            let all = |s: &str| {
                let rows: Vec<&str> = s
                    .lines()
                    .filter(|l| ["SIVE ", "AAOI ", "LITE ", "COHR ", "MTSI "].iter().any(|t| l.contains(t)))
                    .collect();
                rows.len() >= 5
                    && rows.iter().filter(|l| l.contains("nasdaq")).count() >= 5
                    && s.contains("11.46")
                    && s.contains("SEK")
            };
            match app.until(Duration::from_secs(30), all) {
                Some(at) => times.push(at - app.started),
                None => panic!("not all five quotes from nasdaq:\n{}", app.parser.screen().contents()),
            }
            screen = app.parser.screen().contents();
            app.quit();
        }
        (times, screen)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{screen}");
    let mut times = times;
    times.sort();
    let median = percentile(&times, 0.5);
    row(
        "Yahoo answering 429 to everything: start until all five quotes (SIVE in SEK) show from Nasdaq",
        "all five shown",
        format!("{} (median of 5; max {})", ms(median), ms(times[times.len() - 1])),
        Some(true),
    )
}

/// A feed of about 4 MB, refetched every 30 s (no validators, so each refetch is a full
/// download and parse): steady and peak resident memory.
async fn feed_rss() -> Row {
    let refetches = env_secs("CHOKEPOINT_BENCH_REFETCHES", 4);
    let mut body = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>");
    let mut i = 0;
    while body.len() < 4_000_000 {
        i += 1;
        body.push_str(&format!(
            "<item><title>Story {i}: CPO laser supply update</title><link>https://big.example/{i}</link>\
             <guid>big-{i}</guid><pubDate>Wed, 02 Dec 2026 12:00:00 GMT</pubDate><description>{}</description></item>",
            "optical supply chain news with enough words to be a real summary. ".repeat(60)
        ));
    }
    body.push_str("</channel></rss>");
    let size = body.len();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/big$"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/rss+xml"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(AAOI_JSON.to_vec(), "application/json"))
        .mount(&server)
        .await;
    let base = server.uri();
    let text = format!(
        "[refresh]\nnews_secs = 30\n[quotes]\norder = [\"yahoo\"]\n[quotes.yahoo]\nbase_url = \"{base}\"\n\
         [[tickers]]\nsymbol = \"AAOI\"\ncurrency = \"USD\"\n[[feeds]]\nname = \"Big\"\nurl = \"{base}/big\"\n"
    );
    let home = Home::new(&text, 5_000, 0);
    let server_ref = &server;
    let (steady, peak) = tokio::task::spawn_blocking(move || {
        let mut app = Pty::spawn(&home, 160, 45);
        if app.until(Duration::from_secs(30), |s| s.contains("Story ")).is_none() {
            panic!("the big feed did not load:\n{}", app.parser.screen().contents());
        }
        let pid = app.pid().to_string();
        // Settle, then sample the resident size between refetches.
        let mut samples = Vec::new();
        let end = Instant::now() + Duration::from_secs(30 * refetches + 5);
        while Instant::now() < end {
            app.collect(Duration::from_millis(500));
            samples.push(status_kib(&pid, "VmRSS"));
        }
        let peak = status_kib(&pid, "VmHWM");
        if let Ok(to) = std::env::var("CHOKEPOINT_BENCH_SMAPS") {
            let _ = std::fs::copy(format!("/proc/{pid}/smaps"), format!("{to}.feed"));
        }
        app.quit();
        if std::env::var_os("CHOKEPOINT_BENCH_SAMPLES").is_some() {
            eprintln!("samples (KiB, every 500 ms): {samples:?}");
        }
        samples.sort_unstable();
        (samples[samples.len() / 2], peak)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let fetched = server_ref
        .received_requests()
        .await
        .map(|r| r.iter().filter(|r| r.url.path() == "/big").count())
        .unwrap_or(0);
    let ratio = peak as f64 / steady.max(1) as f64;
    row(
        &format!(
            "a {:.1} MB feed fetched {fetched} times, 30 s apart: steady (median) and peak RSS",
            size as f64 / 1e6
        ),
        "peak at most 1.25x steady",
        format!("{:.1} MiB steady, {:.1} MiB peak ({ratio:.2}x)", mib(steady), mib(peak)),
        Some(ratio <= 1.25),
    )
}

// ---------------------------------------------------------------------------------------------
// The store (issue 12)
// ---------------------------------------------------------------------------------------------

/// Headlines in the archive for the store figures.
const ARCHIVED: usize = 200_000;

/// `n` generated, tagged headlines, one every five minutes back from the bench's now (200,000
/// span about two years), newest first.
fn dated_items(n: usize, seed: u64) -> Vec<chokepoint::domain::NewsItem> {
    let config = support::config(5_000);
    let mut items = support::items(&config, n, seed);
    for (i, it) in items.iter_mut().enumerate() {
        it.published = Some(support::now() - chrono::TimeDelta::minutes(5 * i as i64));
        it.id = format!("{seed}-{i}-{}", it.id);
        it.link = format!("{}?s={seed}", it.link);
        let summary =
            format!("{} — a summary as a feed sends it, a sentence or two of plain text.", it.title);
        it.set_text(summary, String::new());
    }
    items
}

fn store_figures(base: &str) -> Vec<Row> {
    let home = Home::new(&support::config_text(5_000, base), 5_000, 0);
    let path = home.dir.path().join("data/chokepoint/chokepoint.db");
    let items = dated_items(ARCHIVED, 7);
    let started = Instant::now();
    home.archive(&items);
    let built = started.elapsed();
    let marker: String = items[0].title.chars().take(16).collect();
    drop(items);
    let size = {
        let conn = match rusqlite::Connection::open(&path) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    };
    let mut rows = vec![row(
        "database size per 100,000 archived headlines (title, link, source, tags, summary, search index)",
        "reported",
        format!(
            "{:.1} MB ({:.1} MB for 200,000; written and indexed in {:.1} s)",
            size as f64 / 2.0 / 1e6,
            size as f64 / 1e6,
            built.as_secs_f64()
        ),
        None,
    )];

    // What the start reads from the store, in-process (median of 5).
    let mut parts: Vec<(&str, Vec<Duration>)> =
        vec![("open", Vec::new()), ("user", Vec::new()), ("window", Vec::new()), ("counts", Vec::new())];
    for _ in 0..5 {
        let t = Instant::now();
        let db = match chokepoint::db::Db::open(&path) {
            Ok(o) => o.db,
            Err(e) => panic!("{e}"),
        };
        parts[0].1.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(db.load_user().map(|u| u.journal.len()).unwrap_or(0));
        parts[1].1.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(db.cached(5_000).map(|c| c.news.len()).unwrap_or(0));
        parts[2].1.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(db.evidence_counts().map(|c| c.len()).unwrap_or(0));
        parts[3].1.push(t.elapsed());
    }
    let said: Vec<String> = parts
        .iter_mut()
        .map(|(name, times)| {
            times.sort();
            format!("{name} {}", ms(percentile(times, 0.5)))
        })
        .collect();
    rows.push(row("… of which reading the store at start (in-process)", "reported", said.join(", "), None));

    // Start to the first full frame, the window's newest headline on it.
    let mut times = Vec::new();
    for _ in 0..11 {
        let mut app = Pty::spawn(&home, 160, 45);
        match app.until(Duration::from_secs(10), |s| s.contains(&marker) && s.contains("News")) {
            Some(at) => times.push(at - app.started),
            None => panic!("no first frame with {marker:?}:\n{}", app.parser.screen().contents()),
        }
        app.quit();
    }
    times.sort();
    let median = percentile(&times, 0.5);
    rows.push(row(
        "start to first full frame, 200,000 archived headlines (window 5,000)",
        "under 40 ms",
        format!("{} (median of 11; min {}, max {})", ms(median), ms(times[0]), ms(times[times.len() - 1])),
        Some(median < Duration::from_millis(40)),
    ));

    // Resident memory with the archive open and the window shown.
    let mut app = Pty::spawn(&home, 160, 45);
    if app.until(Duration::from_secs(10), |s| s.contains(&marker)).is_none() {
        panic!("the window was not shown");
    }
    app.collect(Duration::from_secs(3));
    let pid = app.pid().to_string();
    let (rss, hwm) = (status_kib(&pid, "VmRSS"), status_kib(&pid, "VmHWM"));
    app.quit();
    rows.push(row(
        "resident memory, 200,000 archived headlines (window 5,000)",
        "under 30 MB",
        format!("{:.1} MiB = {:.1} MB (peak {:.1} MiB)", mib(rss), rss as f64 * 1024.0 / 1e6, mib(hwm)),
        Some((rss as f64 * 1024.0) < 30e6),
    ));

    rows.push(search_figure(&path));
    rows.extend(insert_figures(&path));
    rows
}

/// Archive search over 200,000 headlines, in-process (what the store's thread does per query).
fn search_figure(path: &Path) -> Row {
    let db = match chokepoint::db::Db::open(path) {
        Ok(o) => o.db,
        Err(e) => panic!("{e}"),
    };
    let now = support::now();
    let queries = [
        "laser",
        "hyperscaler",
        "\"co-packaged optics\"",
        "\"InP substrate shortage\"",
        "c:amd-lta",
        "r:lpo",
        "$AAOI",
        "$SIVE laser",
        "since:30d",
        "since:90d supply",
        "yield -capex",
        "src:reuters wafer",
    ];
    let mut all = Vec::new();
    let mut worst = (Duration::ZERO, "");
    for q in queries {
        let query = match chokepoint::filter::parse(q) {
            Ok(q) => q,
            Err(e) => panic!("{q}: {e}"),
        };
        let mut times = Vec::new();
        for round in 0..53 {
            let t = Instant::now();
            let found = match db.search(&query, now, chokepoint::update::ARCHIVE_LIMIT) {
                Ok(f) => f,
                Err(e) => panic!("{q}: {e}"),
            };
            let took = t.elapsed();
            std::hint::black_box(found.items.len());
            if round >= 3 {
                times.push(took);
            }
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        if p99 > worst.0 {
            worst = (p99, q);
        }
        all.extend(times);
    }
    all.sort();
    let p99 = percentile(&all, 0.99);
    row(
        "archive search over 200,000 headlines (words, phrases, c:/r:/$SYM, since:, 500 newest matches)",
        "under 20 ms p99",
        format!(
            "{} p99, {} median over {} searches of {} queries (slowest: `{}` at {} p99)",
            ms(p99),
            ms(percentile(&all, 0.5)),
            all.len(),
            queries.len(),
            worst.1,
            ms(worst.0)
        ),
        Some(p99 < Duration::from_millis(20)),
    )
}

/// A refresh that brings 500 new headlines: the lookups that find them new (a read, no lock
/// held), the transaction that keeps them, and the store thread's work after it (the search
/// index taking them in, the log checkpointed, the recent keys folded in when due). Each
/// refresh's headlines are newer than the archive's, as refreshes bring them; a second run puts
/// every batch into the same two days, interleaved with the earlier batches' rows.
fn insert_figures(path: &Path) -> Vec<Row> {
    let copy = path.with_extension("insert.db");
    let mut rows = Vec::new();
    // Everything in the main file, so a copy of it alone is the whole database.
    match rusqlite::Connection::open(path) {
        Ok(c) => {
            if let Err(e) = c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
                panic!("{e}");
            }
        }
        Err(e) => panic!("{e}"),
    }
    for interleaved in [false, true] {
        let _ = std::fs::remove_file(&copy);
        let _ = std::fs::remove_file(copy.with_extension("db-wal"));
        if let Err(e) = std::fs::copy(path, &copy) {
            panic!("{e}");
        }
        let mut db = match chokepoint::db::Db::open(&copy) {
            Ok(o) => o.db,
            Err(e) => panic!("{e}"),
        };
        // As the TUI's store thread runs: the log is copied back after a refresh, not inside it.
        if let Err(e) = db.defer_checkpoints() {
            panic!("{e}");
        }
        let (mut looks, mut commits, mut after, mut settles) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for batch in 0..41u64 {
            // Seeds far from the archive's (its chunks are seeded 7 ^ start): other titles.
            let mut items = dated_items(500, (1 << 24) + batch);
            let shift = chrono::TimeDelta::days(if interleaved { 1 } else { 2 * batch as i64 + 1 });
            for it in &mut items {
                it.published = it.published.map(|p| p + shift);
            }
            let at = support::now() + shift + chrono::TimeDelta::days(1);
            let t = Instant::now();
            let fresh = match db.fresh(&items, at) {
                Ok(f) => f,
                Err(e) => panic!("{e}"),
            };
            let look = t.elapsed();
            let t = Instant::now();
            match db.keep(&items, fresh, at) {
                Ok(500) => {}
                Ok(n) => panic!("only {n} of 500 were new"),
                Err(e) => panic!("{e}"),
            }
            let commit = t.elapsed();
            let t = Instant::now();
            while db.index_pending(500).unwrap_or(0) > 0 {}
            let _ = db.checkpoint();
            let index = t.elapsed();
            let t = Instant::now();
            match db.settle() {
                Ok(0) => {}
                Ok(n) => settles.push((n, t.elapsed())),
                Err(e) => panic!("{e}"),
            }
            if batch > 0 {
                looks.push(look);
                commits.push(commit);
                after.push(index);
            }
        }
        for v in [&mut looks, &mut commits, &mut after] {
            v.sort();
        }
        let spread = |v: &[Duration]| {
            format!("{} median, {} max of {}", ms(percentile(v, 0.5)), ms(v[v.len() - 1]), v.len())
        };
        if interleaved {
            rows.push(row(
                "… the same, every batch into the same two days (interleaved with the earlier batches)",
                "reported",
                format!("commit {}; lookups {}", spread(&commits), spread(&looks)),
                None,
            ));
            continue;
        }
        rows.push(row(
            "a refresh inserting 500 headlines: its commit (rows, summaries, keys, tag counts), 200,000 archived",
            "under 10 ms",
            spread(&commits),
            Some(percentile(&commits, 0.5) < Duration::from_millis(10)),
        ));
        rows.push(row(
            "… before it, the lookups finding them new (a read: no lock held, nothing waits on it)",
            "reported",
            spread(&looks),
            None,
        ));
        let settled: Vec<String> = settles.iter().map(|(n, t)| format!("{n} keys in {}", ms(*t))).collect();
        rows.push(row(
            "… after it, on the store thread: the search index taking them in and the log checkpointed; the recent keys folded in when due",
            "reported",
            format!("{}; folded {}", spread(&after), if settled.is_empty() { "never".into() } else { settled.join(", ") }),
            None,
        ));
    }
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(copy.with_extension("db-wal"));
    let _ = std::fs::remove_file(copy.with_extension("db-shm"));
    rows
}
