//! The quote-source figures of the whole-app bench (issue 11): a loopback server that answers 429
//! above 10 requests a second, counting what it sees (requests, refetches of tickers that already
//! answered, connections open at once); and the Yahoo-refuses-everything case.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

const YAHOO_AAOI: &[u8] = include_bytes!("../../tests/fixtures/live/AAOI.json");
const NASDAQ_INFO: &[u8] = include_bytes!("../../tests/fixtures/quotes/nasdaq-us-info-AAOI.json");
const NASDAQ_CHART: &[u8] = include_bytes!("../../tests/fixtures/quotes/nasdaq-us-chart-AAOI.json");
const NEWS: &[u8] = include_bytes!("../../tests/fixtures/live/news-b.rss");

/// Requests admitted per second; the rest get 429 (plain text, no Retry-After, as Yahoo's edge).
pub const LIMIT_PER_SEC: usize = 10;

/// What one ticker's requests looked like at the server.
#[derive(Default, Clone)]
pub struct TickerLog {
    pub requests: u32,
    pub first_ok: Option<Instant>,
    /// Requests that came after the ticker had already been answered.
    pub after_ok: u32,
}

#[derive(Default)]
pub struct Stats {
    pub total: AtomicUsize,
    pub limited: AtomicUsize,
    pub open: AtomicUsize,
    pub peak_open: AtomicUsize,
    admitted: Mutex<VecDeque<Instant>>,
    pub tickers: Mutex<HashMap<String, TickerLog>>,
}

impl Stats {
    fn admit(&self, now: Instant) -> bool {
        let mut window = self.admitted.lock().unwrap_or_else(PoisonError::into_inner);
        while window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            window.pop_front();
        }
        if window.len() >= LIMIT_PER_SEC {
            return false;
        }
        window.push_back(now);
        true
    }

    pub fn tickers(&self) -> HashMap<String, TickerLog> {
        self.tickers.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A rate-limited HTTP/1.1 server on 127.0.0.1 (keep-alive, one thread per connection) serving
/// Yahoo charts, Nasdaq info and charts, and feeds.
pub struct Limited {
    pub base: String,
    pub stats: Arc<Stats>,
}

impl Limited {
    pub fn start() -> Limited {
        let listener = match TcpListener::bind("127.0.0.1:0") {
            Ok(l) => l,
            Err(e) => panic!("bind: {e}"),
        };
        let base = listener.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
        let stats = Arc::new(Stats::default());
        let shared = Arc::clone(&stats);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let stats = Arc::clone(&shared);
                std::thread::spawn(move || serve(conn, &stats));
            }
        });
        Limited { base, stats }
    }
}

fn serve(conn: TcpStream, stats: &Stats) {
    let open = stats.open.fetch_add(1, Ordering::SeqCst) + 1;
    stats.peak_open.fetch_max(open, Ordering::SeqCst);
    let mut writer = match conn.try_clone() {
        Ok(w) => w,
        Err(_) => {
            stats.open.fetch_sub(1, Ordering::SeqCst);
            return;
        }
    };
    let mut reader = BufReader::new(conn);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).map_or(true, |n| n == 0) {
            break;
        }
        // The headers, up to the blank line (GETs carry no body).
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                break;
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let (status, body, kind): (&str, &[u8], &str) = respond(&path, stats);
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(body)).is_err() {
            break;
        }
    }
    stats.open.fetch_sub(1, Ordering::SeqCst);
}

fn respond(path: &str, stats: &Stats) -> (&'static str, &'static [u8], &'static str) {
    stats.total.fetch_add(1, Ordering::SeqCst);
    let path = path.split('?').next().unwrap_or_default();
    let ticker = path
        .strip_prefix("/v8/finance/chart/")
        .or_else(|| path.strip_prefix("/api/quote/").and_then(|p| p.strip_suffix("/info")))
        .map(str::to_string);
    let now = Instant::now();
    let ok = stats.admit(now);
    if let Some(sym) = &ticker {
        let mut tickers = stats.tickers.lock().unwrap_or_else(PoisonError::into_inner);
        let log = tickers.entry(sym.clone()).or_default();
        log.requests += 1;
        if log.first_ok.is_some() {
            log.after_ok += 1;
        } else if ok {
            log.first_ok = Some(now);
        }
    }
    if !ok {
        stats.limited.fetch_add(1, Ordering::SeqCst);
        return ("429 Too Many Requests", b"Edge: Too Many Requests", "text/plain");
    }
    if path.starts_with("/v8/finance/chart/") {
        ("200 OK", YAHOO_AAOI, "application/json")
    } else if path.ends_with("/info") {
        // Market closed, as the Yahoo chart says: both sources put a ticker at the same pace (the
        // fixture's "After-Hours" would be the 1 min trading pace, a legitimate refetch).
        static CLOSED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let body = CLOSED.get_or_init(|| {
            String::from_utf8_lossy(NASDAQ_INFO).replace("\"After-Hours\"", "\"Closed\"").into_bytes()
        });
        ("200 OK", body.as_slice(), "application/json")
    } else if path.ends_with("/chart") {
        ("200 OK", NASDAQ_CHART, "application/json")
    } else if path.starts_with("/feed/") {
        ("200 OK", NEWS, "application/rss+xml; charset=utf-8")
    } else {
        ("404 Not Found", b"", "text/plain")
    }
}

/// A config of `n` US tickers (`T00`..) and `n` feeds, every URL on `base`.
pub fn many_config(n: usize, base: &str) -> String {
    let mut text = format!(
        "[quotes]\norder = [\"yahoo\", \"nasdaq\"]\n[quotes.yahoo]\nbase_url = \"{base}\"\n\
         [quotes.nasdaq]\nbase_url = \"{base}\"\n"
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[tickers]]\nsymbol = \"T{i:02}\"\nname = \"Ticker {i}\"\ncurrency = \"USD\"\n"
        ));
    }
    text.push_str(
        "[[catalysts]]\nid = \"cpo\"\ntitle = \"CPO adoption accelerates\"\nkeywords = [\"CPO\"]\n",
    );
    for i in 0..n {
        text.push_str(&format!("[[feeds]]\nname = \"Feed {i}\"\nurl = \"{base}/feed/{i}\"\n"));
    }
    text
}
