//! The live data path end to end over real loopback HTTP (wiremock on 127.0.0.1): config text ->
//! `Providers::fetch` -> `Loaded` -> `update` -> what the user sees. Yahoo charts, HTTP errors and
//! backoff, the per-ticker Nasdaq fallback, one ticker failing while the others answer, news in
//! several charsets with dedupe, the cache, and the real binary's `snapshot`. Never touches the
//! internet.
//!
//! Not here: a server slower than the client's timeout. The total timeout (15 s, `HttpConfig`) is
//! not configurable through `Config`, and `tests/http.rs` already proves timeouts at the HTTP layer
//! (`slow_response_times_out_quickly`, `body_that_stalls_times_out`).

mod common;

use chokepoint::action::{Action, Loaded, Payload, SourceId};
use chokepoint::config::{self, Config};
use chokepoint::domain::{FetchStatus, NewsItem, Quote, UserState};
use chokepoint::effect::Effect;
use chokepoint::providers::Providers;
use chokepoint::state::State;
use chokepoint::update::update;
use chrono::Utc;
use ratatui::{Terminal, backend::TestBackend};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};
use wiremock::matchers::{header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AAOI_JSON: &[u8] = include_bytes!("fixtures/live/AAOI.json");
const SIVE_JSON: &[u8] = include_bytes!("fixtures/live/SIVE.ST.json");
const NEWS_A: &[u8] = include_bytes!("fixtures/live/news-a.latin1.rss");
const NEWS_B: &[u8] = include_bytes!("fixtures/live/news-b.rss");
const GB2312: &[u8] = include_bytes!("fixtures/encodings/feedparser-gb2312.xml");
const SHIFT_JIS: &[u8] = include_bytes!("fixtures/encodings/feedparser-shiftjis.xml");

/// What Yahoo sends for an unknown symbol.
const YAHOO_NOT_FOUND: &str = r#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#;

const NASDAQ_AAOI: &[u8] = include_bytes!("fixtures/quotes/nasdaq-us-info-AAOI.json");
const NASDAQ_AAOI_CHART: &[u8] = include_bytes!("fixtures/quotes/nasdaq-us-chart-AAOI.json");
const NASDAQ_UNKNOWN: &[u8] = include_bytes!("fixtures/quotes/nasdaq-us-info-unknown.json");
const NORDIC_SEARCH: &[u8] = include_bytes!("fixtures/quotes/nasdaq-nordic-search-SIVE.json");
const NORDIC_INFO: &[u8] = include_bytes!("fixtures/quotes/nasdaq-nordic-info-SIVE.json");
const NORDIC_CHART: &[u8] = include_bytes!("fixtures/quotes/nasdaq-nordic-chart-SIVE.json");

const AAOI: &str = r#"
[[tickers]]
symbol = "AAOI"
name = "Applied Optoelectronics"
currency = "USD"
"#;

const SIVE: &str = r#"
[[tickers]]
symbol = "SIVE"
provider_symbol = "SIVE.ST"
name = "Sivers Semiconductors"
currency = "SEK"
aliases = ["Sivers"]
"#;

const LITE: &str = r#"
[[tickers]]
symbol = "LITE"
name = "Lumentum"
currency = "USD"
"#;

const MTSI: &str = r#"
[[tickers]]
symbol = "MTSI"
name = "MACOM"
currency = "USD"
"#;

/// Catalysts and risks whose keywords match the fixture headlines (CJK ones included).
const THESIS: &str = r#"
[[catalysts]]
id = "cpo"
title = "CPO adoption accelerates"
keywords = ["co-packaged optics"]

[[catalysts]]
id = "aaoi-texas"
title = "AAOI Texas expansion delivered"
keywords = ["Sugar Land"]

[[catalysts]]
id = "cjk"
title = "A CJK keyword"
keywords = ["专业工作"]

[[risks]]
id = "valuation"
title = "Valuations already ran"
keywords = ["valuations stretched"]

[[risks]]
id = "jp"
title = "A Japanese keyword"
keywords = ["記事投稿"]
"#;

/// Config text with every URL on `base` (the wiremock server); `fallback` is `nasdaq` or `none`.
fn config_text(base: &str, fallback: &str, tickers: &[&str], feeds: &[(&str, &str)]) -> String {
    let order =
        if fallback == "none" { "\"yahoo\"".to_string() } else { format!("\"yahoo\", \"{fallback}\"") };
    let mut text = format!(
        "[quotes]\norder = [{order}]\n[quotes.yahoo]\nbase_url = \"{base}\"\n[quotes.nasdaq]\nbase_url = \"{base}\"\n"
    );
    tickers.iter().for_each(|t| text.push_str(t));
    text.push_str(THESIS);
    for (name, at) in feeds {
        text.push_str(&format!("\n[[feeds]]\nname = \"{name}\"\nurl = \"{base}{at}\"\n"));
    }
    text
}

fn parse_config(text: &str) -> Config {
    config::parse(text, "live-test.toml").unwrap_or_else(|e| panic!("config does not parse: {e:?}\n{text}"))
}

/// As [`live_config`], with Yahoo on a server of its own: a host that answers 429 is paused, so
/// a test where Yahoo rate-limits keeps Nasdaq and the feeds on another host, as in real life.
fn split_config(
    yahoo: &MockServer,
    rest: &MockServer,
    fallback: &str,
    tickers: &[&str],
    feeds: &[(&str, &str)],
) -> Config {
    let text = config_text(&rest.uri(), fallback, tickers, feeds);
    let (from, to) = (format!("base_url = \"{}\"", rest.uri()), format!("base_url = \"{}\"", yahoo.uri()));
    parse_config(&text.replacen(&from, &to, 1))
}

fn live_config(server: &MockServer, fallback: &str, tickers: &[&str], feeds: &[(&str, &str)]) -> Config {
    parse_config(&config_text(&server.uri(), fallback, tickers, feeds))
}

/// A chart endpoint: only answers the documented query and a browser-like User-Agent.
async fn chart(server: &MockServer, symbol: &str, resp: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!("/v8/finance/chart/{symbol}")))
        .and(query_param("range", "1d"))
        .and(query_param("interval", "5m"))
        .and(header_regex("user-agent", r"^Mozilla/5\.0 \(.+\) .+"))
        .respond_with(resp)
        .mount(server)
        .await;
}

/// A Nasdaq endpoint: only answers with the browser-like headers the API wants.
async fn nasdaq(server: &MockServer, at: &str, resp: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(header_regex("origin", r"^https://www\.nasdaq\.com$"))
        .and(header_regex("accept", "application/json"))
        .respond_with(resp)
        .mount(server)
        .await;
}

async fn serve(server: &MockServer, at: &str, resp: ResponseTemplate) {
    Mock::given(method("GET")).and(path(at)).respond_with(resp).mount(server).await;
}

fn ok_json(body: &[u8]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json;charset=utf-8")
}

fn ok_with(body: &[u8], content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_vec(), content_type)
}

/// A `State` driven the way the runtime drives it: `RefreshAll` gives the request ids (and for a
/// ticker the quote sources to ask), the providers answer over HTTP, and the answers go through
/// `update`.
struct Harness {
    state: State,
    providers: Providers,
    requests: Vec<(SourceId, u64, Vec<String>)>,
}

impl Harness {
    fn new(config: &Config) -> Harness {
        let providers = Providers::new(config, false, None).expect("live providers build");
        // Wednesday 2026-12-02 15:00 UTC: Stockholm and New York both trade, so a ticker without
        // a quote is retried at the trading pace (a closed market waits for the closed pace).
        let open = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 2, 15, 0, 0).unwrap();
        let state = State::new(config, UserState::default(), open, false);
        let mut h = Harness { state, providers, requests: Vec::new() };
        h.refresh();
        h
    }

    /// `r`: every source not already in flight gets a new request id.
    fn refresh(&mut self) {
        let started: Vec<_> = update(&mut self.state, Action::RefreshAll)
            .into_iter()
            .filter_map(|fx| match fx {
                Effect::Fetch { source, req_id, via } => Some((source, req_id, via)),
                _ => None,
            })
            .collect();
        self.requests.retain(|(s, _, _)| !started.iter().any(|(n, _, _)| n == s));
        self.requests.extend(started);
    }

    /// One real fetch; the jitter is pinned (0.5) so the backoff is deterministic.
    async fn fetch(&self, source: SourceId) -> Loaded {
        let (_, req_id, via) = self
            .requests
            .iter()
            .find(|(s, _, _)| *s == source)
            .unwrap_or_else(|| panic!("no Fetch effect for {source:?}"));
        let mut loaded = self.providers.fetch(source, *req_id, via).await;
        assert_eq!((loaded.source, loaded.req_id), (source, *req_id));
        loaded.jitter = 0.5;
        loaded
    }

    fn apply(&mut self, loaded: Loaded) -> Vec<Effect> {
        self.requests.retain(|(s, r, _)| (*s, *r) != (loaded.source, loaded.req_id));
        update(&mut self.state, Action::Loaded(loaded))
    }

    async fn load(&mut self, source: SourceId) -> (Loaded, Vec<Effect>) {
        let loaded = self.fetch(source).await;
        let fx = self.apply(loaded.clone());
        (loaded, fx)
    }

    /// Every ticker's pending fetch, answered: the quotes that came, and every effect.
    async fn load_quotes(&mut self) -> (Vec<Quote>, Vec<Loaded>, Vec<Effect>) {
        let tickers: Vec<SourceId> =
            self.requests.iter().map(|(s, _, _)| *s).filter(|s| matches!(s, SourceId::Quote(_))).collect();
        let (mut quotes, mut answers, mut effects) = (Vec::new(), Vec::new(), Vec::new());
        for source in tickers {
            let (loaded, fx) = self.load(source).await;
            if let Ok(Payload::Quotes(q)) = &loaded.result {
                quotes.extend(q.iter().cloned());
            }
            answers.push(loaded);
            effects.extend(fx);
        }
        (quotes, answers, effects)
    }

    fn status(&self, source: SourceId) -> &FetchStatus {
        &self.state.sources().iter().find(|s| s.id == source).expect("source exists").status
    }

    fn failures(&self, source: SourceId) -> u32 {
        self.state.sources().iter().find(|s| s.id == source).expect("source exists").failures
    }

    /// The message the status line shows for a failing source.
    fn error(&self, source: SourceId) -> String {
        match self.status(source) {
            FetchStatus::Error { message, .. } => message.clone(),
            other => panic!("{source:?} should be in error, is {other:?}"),
        }
    }

    /// The whole screen at 160x40, as the user sees it.
    fn screen(&self) -> String {
        let mut t = Terminal::new(TestBackend::new(160, 40)).unwrap();
        t.draw(|f| chokepoint::ui::render(&self.state, f)).unwrap();
        t.backend().to_string()
    }
}

fn quotes(loaded: &Loaded) -> &[Quote] {
    match &loaded.result {
        Ok(Payload::Quotes(q)) => q,
        other => panic!("expected quotes, got {other:?}"),
    }
}

fn news(loaded: &Loaded) -> &[NewsItem] {
    match &loaded.result {
        Ok(Payload::News(n)) => n,
        other => panic!("expected news, got {other:?}"),
    }
}

fn err(loaded: &Loaded) -> &str {
    match &loaded.result {
        Err(e) => &e.message,
        Ok(p) => panic!("expected an error, got {p:?}"),
    }
}

fn quote<'a>(qs: &'a [Quote], symbol: &str) -> &'a Quote {
    qs.iter().find(|q| q.symbol == symbol).unwrap_or_else(|| panic!("no quote for {symbol} in {qs:?}"))
}

/// The one refresh timer `update` asked for.
fn scheduled(fx: &[Effect], source: SourceId) -> Duration {
    let afters: Vec<Duration> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Schedule { source: s, after, .. } if *s == source => Some(*after),
            _ => None,
        })
        .collect();
    assert_eq!(afters.len(), 1, "exactly one Schedule for {source:?} in {fx:?}");
    afters[0]
}

/// A status-line message: one short line of text, no control characters, no debug dump.
fn assert_readable(msg: &str) {
    assert!(!msg.trim().is_empty(), "empty message");
    assert!(msg.chars().count() <= 240, "too long ({} chars): {msg}", msg.chars().count());
    assert!(!msg.chars().any(char::is_control), "control character in {msg:?}");
    assert!(!msg.contains('\u{fffd}'), "replacement character in {msg:?}");
    for dump in ["Error {", "kind:", "reqwest::", "hyper::", "panicked"] {
        assert!(!msg.contains(dump), "internal detail {dump:?} in {msg:?}");
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------------------------------------
// 1. Yahoo charts

#[tokio::test]
async fn yahoo_chart_for_a_us_and_a_stockholm_symbol() {
    let server = MockServer::start().await;
    chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
    chart(&server, "SIVE.ST", ok_json(SIVE_JSON)).await;
    let config = live_config(&server, "none", &[AAOI, SIVE], &[]);
    let mut h = Harness::new(&config);

    let (qs, answers, fx) = h.load_quotes().await;
    assert!(answers.iter().all(|l| l.partial_error.is_none() && l.retry_after.is_none()), "{answers:?}");
    let qs = &qs[..];
    assert_eq!(qs.len(), 2);

    let aaoi = quote(qs, "AAOI");
    assert_eq!((aaoi.provider_symbol.as_str(), aaoi.currency.as_str()), ("AAOI", "USD"));
    assert_eq!(aaoi.source, "yahoo");
    assert_eq!(aaoi.price, 31.25);
    // From previousClose (30.00), not chartPreviousClose (28.75, which would give +2.50).
    assert_eq!(aaoi.previous_close, Some(30.0));
    assert!(close(aaoi.change.unwrap(), 1.25), "{:?}", aaoi.change);
    // 4.1666… rounded to four places (chokepoint::domain::PCT_DECIMALS).
    assert_eq!(aaoi.change_pct, Some(4.1667));
    assert_eq!(aaoi.series.len(), 79 - 3, "the 3 null bars are skipped");
    assert_eq!(aaoi.series.last(), Some(&31.25));

    let sive = quote(qs, "SIVE");
    assert_eq!((sive.provider_symbol.as_str(), sive.currency.as_str()), ("SIVE.ST", "SEK"));
    assert_eq!(sive.exchange, "Stockholm");
    assert_eq!(sive.price, 8.4);
    // previousClose 8.00, not chartPreviousClose 7.00 (which would give +1.40 / +20 %).
    assert!(close(sive.change.unwrap(), 0.4), "{:?}", sive.change);
    assert!(close(sive.change_pct.unwrap(), 5.0), "{:?}", sive.change_pct);
    assert_eq!(sive.series.len(), 103 - 5, "the 5 null bars are skipped");
    for q in qs {
        assert!(q.series.iter().all(|p| p.is_finite() && *p > 0.0), "{}: {:?}", q.symbol, q.series);
    }

    // The requests: the documented path and query, a browser-like User-Agent.
    let requests = server.received_requests().await.unwrap();
    let mut paths: Vec<String> = requests.iter().map(|r| r.url.path().to_string()).collect();
    paths.sort();
    assert_eq!(paths, ["/v8/finance/chart/AAOI", "/v8/finance/chart/SIVE.ST"]);
    for r in &requests {
        assert_eq!(r.url.query(), Some("range=1d&interval=5m&includePrePost=true"), "{}", r.url);
        let ua = r.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(ua.starts_with("Mozilla/5.0 (") && ua.contains("Chrome/"), "User-Agent {ua:?}");
        assert!(r.headers.get("cookie").is_none(), "no cookie/crumb is sent");
    }

    // What the user sees.
    for i in 0..2 {
        let status = h.status(SourceId::Quote(i));
        assert!(matches!(status, FetchStatus::Ok { .. }), "{status:?}");
    }
    assert_eq!(h.state.quotes()["SIVE"].currency, "SEK");
    assert!(fx.iter().any(|e| matches!(e, Effect::StoreQuotes(_))), "kept in the store: {fx:?}");
    let first = scheduled(&fx, SourceId::Quote(0));
    assert!(
        [config.quotes_every, config.quotes_closed_every].contains(&first),
        "the normal refresh interval, no backoff: {first:?}"
    );
    // The fixture's session (2026-11-20) is over: once quotes are known, the closed-market pace.
    assert!(h.state.quotes().values().all(|q| !q.market_state.is_trading()));
    h.refresh();
    let (_, fx) = h.load(SourceId::Quote(0)).await;
    assert_eq!(scheduled(&fx, SourceId::Quote(0)), config.quotes_closed_every);
    let screen = h.screen();
    for shown in ["31.25", "+1.25", "+4.17%", "8.40", "+0.40", "+5.00%", "SEK", "yahoo"] {
        assert!(screen.contains(shown), "{shown:?} not on screen:\n{screen}");
    }
}

/// The AAOI fixture with a regular session around now: the market is open.
fn aaoi_open_now() -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(AAOI_JSON).unwrap();
    let now = Utc::now().timestamp();
    let period = &mut body["chart"]["result"][0]["meta"]["currentTradingPeriod"];
    period["regular"]["start"] = (now - 3600).into();
    period["regular"]["end"] = (now + 3600).into();
    serde_json::to_vec(&body).unwrap()
}

/// Known bug, ignored until fixed: `on_loaded` picks the next quote refresh from the market state
/// of the quotes held *before* the answer is applied. When the market opens, the first answer
/// saying "open" still gets the closed pace (15 min) and the user misses the first quarter hour of
/// live prices; likewise the very first load while every market is closed gets the 1-min pace.
#[tokio::test]
async fn the_new_quotes_market_state_sets_the_refresh_pace() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/AAOI"))
        .respond_with(ok_json(AAOI_JSON))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    chart(&server, "AAOI", ok_json(&aaoi_open_now())).await;
    let config = live_config(&server, "none", &[AAOI], &[]);
    let mut h = Harness::new(&config);

    let (_, fx) = h.load(SourceId::Quote(0)).await;
    assert!(!h.state.quotes()["AAOI"].market_state.is_trading());
    let closed = scheduled(&fx, SourceId::Quote(0));

    h.refresh();
    let (_, fx) = h.load(SourceId::Quote(0)).await;
    assert!(h.state.quotes()["AAOI"].market_state.is_trading(), "the market just opened");
    let open = scheduled(&fx, SourceId::Quote(0));
    assert_eq!(
        (closed, open),
        (config.quotes_closed_every, config.quotes_every),
        "next refresh after (a closed-market answer, then the first open-market answer)"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Errors

#[tokio::test]
async fn http_and_body_errors_become_readable_statuses_retried_by_kind() {
    let mut garbage: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    garbage[..4].copy_from_slice(b"\x00\x1b[2");
    let cases: Vec<(&str, ResponseTemplate, &[&str])> = vec![
        ("401", ResponseTemplate::new(401), &["401"]),
        (
            "404 with Yahoo's error JSON",
            ResponseTemplate::new(404).set_body_raw(YAHOO_NOT_FOUND, "application/json"),
            &["404"],
        ),
        ("200 with Yahoo's error JSON", ok_json(YAHOO_NOT_FOUND.as_bytes()), &["No data found"]),
        ("500", ResponseTemplate::new(500).set_body_string("oops"), &["500"]),
        ("truncated JSON", ok_json(&AAOI_JSON[..AAOI_JSON.len() / 2]), &["JSON"]),
        ("oversized body", ok_json(&vec![b' '; 5 * 1024 * 1024 + 1]), &["5 MiB"]),
        ("garbage bytes", ok_with(&garbage, "application/octet-stream"), &["JSON"]),
        (
            "an HTML page",
            ok_with(b"<html><body>Will be right back\x1b[31m</body></html>", "text/html"),
            &["JSON"],
        ),
    ];
    for (case, resp, fragments) in cases {
        let server = MockServer::start().await;
        chart(&server, "AAOI", resp).await;
        let config = live_config(&server, "none", &[AAOI], &[]);
        let mut h = Harness::new(&config);

        let (loaded, fx) = h.load(SourceId::Quote(0)).await;
        let msg = err(&loaded).to_string();
        eprintln!("{case}: {msg}");
        assert_readable(&msg);
        assert!(msg.starts_with("yahoo: "), "{case}: the message names the source: {msg}");
        for f in fragments {
            assert!(msg.contains(f), "{case}: {f:?} missing from {msg:?}");
        }
        assert_eq!(loaded.retry_after, None, "{case}");
        assert_eq!(h.error(SourceId::Quote(0)), msg, "{case}: the status shows the fetch error");
        assert!(h.state.quotes().is_empty(), "{case}");
        assert!(!fx.iter().any(|e| matches!(e, Effect::StoreQuotes(_))), "{case}: nothing to keep");
        assert_eq!(h.failures(SourceId::Quote(0)), 1, "{case}");
        let kind = match &loaded.result {
            Err(e) => e.kind,
            Ok(_) => unreachable!(),
        };
        let first = scheduled(&fx, SourceId::Quote(0));
        h.refresh();
        let (_, fx) = h.load(SourceId::Quote(0)).await;
        assert_eq!(h.failures(SourceId::Quote(0)), 2, "{case}");
        let second = scheduled(&fx, SourceId::Quote(0));
        if kind == chokepoint::domain::ErrorKind::Transient {
            // Full-jitter backoff: first retry within (0, 2 x 5 s], clamped to >= 1 s; the second
            // failure in a row waits longer (same jitter: the ceiling doubled).
            assert!(first >= Duration::from_secs(1) && first <= Duration::from_secs(10), "{case}: {first:?}");
            assert!(second > first && second < config.quotes_every, "{case}: {first:?} then {second:?}");
        } else {
            // Permanent or unreadable: asked again once per refresh interval (the trading or the
            // closed-market one, as the calendar says), never sooner.
            let intervals = [config.quotes_every, config.quotes_closed_every];
            assert!(
                intervals.contains(&first) && intervals.contains(&second),
                "{case}: {first:?}, {second:?}"
            );
        }
    }
}

#[tokio::test]
async fn retry_after_is_a_floor_for_the_next_attempt() {
    let (yahoo, server) = (MockServer::start().await, MockServer::start().await);
    chart(&yahoo, "AAOI", ResponseTemplate::new(429).insert_header("Retry-After", "30")).await;
    serve(&server, "/feed", ResponseTemplate::new(503).insert_header("Retry-After", "120")).await;
    let config = split_config(&yahoo, &server, "none", &[AAOI], &[("Busy feed", "/feed")]);
    let mut h = Harness::new(&config);

    let mut loaded = h.fetch(SourceId::Quote(0)).await;
    assert_eq!(loaded.retry_after, Some(Duration::from_secs(30)));
    let msg = err(&loaded).to_string();
    assert_readable(&msg);
    assert!(msg.contains("429"), "{msg}");
    loaded.jitter = 0.0; // the smallest backoff the jitter can pick
    let at = loaded.at;
    let fx = h.apply(loaded);
    let after = scheduled(&fx, SourceId::Quote(0));
    assert!(after >= Duration::from_secs(30), "retry scheduled after {after:?}, server asked for 30 s");
    let retry_at = h.state.sources()[0].retry_at.expect("retry time shown");
    assert!(retry_at >= at + chrono::Duration::seconds(30), "{retry_at} vs {at}");
    assert!(h.error(SourceId::Quote(0)).contains("429"));
    let screen = h.screen();
    assert!(screen.contains("429"), "the status line shows the 429:\n{screen}");

    let mut loaded = h.fetch(SourceId::Feed(0)).await;
    assert_eq!(loaded.retry_after, Some(Duration::from_secs(120)));
    assert!(err(&loaded).contains("503"), "{:?}", loaded.result);
    loaded.jitter = 0.999;
    let fx = h.apply(loaded);
    assert!(scheduled(&fx, SourceId::Feed(0)) >= Duration::from_secs(120), "{fx:?}");
}

// ---------------------------------------------------------------------------------------------
// 3. The Nasdaq fallback, per ticker

#[tokio::test]
async fn yahoo_failing_a_us_ticker_falls_back_to_nasdaq_with_its_after_hours_trade() {
    let (yahoo, server) = (MockServer::start().await, MockServer::start().await);
    chart(&yahoo, "AAOI", ResponseTemplate::new(429).set_body_string("Edge: Too Many Requests")).await;
    nasdaq(&server, "/api/quote/AAOI/info", ok_json(NASDAQ_AAOI)).await;
    nasdaq(&server, "/api/quote/AAOI/chart", ok_json(NASDAQ_AAOI_CHART)).await;
    let config = split_config(&yahoo, &server, "nasdaq", &[AAOI], &[]);
    let mut h = Harness::new(&config);

    let (loaded, fx) = h.load(SourceId::Quote(0)).await;
    let sources: Vec<_> = loaded.attempts.iter().map(|a| (a.source.as_str(), a.error.is_some())).collect();
    assert_eq!(sources, [("yahoo", true), ("nasdaq", false)]);
    let q = quote(quotes(&loaded), "AAOI");
    assert_eq!(q.source, "nasdaq");
    // After hours: the regular close from secondaryData, the after-hours print as `extended`.
    assert_eq!((q.price, q.change, q.change_pct), (38.42, Some(-1.15), Some(-2.91)));
    assert_eq!(q.previous_close, Some(39.57));
    assert_eq!(q.currency, "USD");
    assert_eq!(q.market_state, chokepoint::domain::MarketState::Post);
    let ext = q.extended.as_ref().expect("the after-hours trade");
    assert_eq!((ext.price, ext.change, ext.change_pct), (39.1175, Some(0.6975), Some(1.82)));
    assert_eq!((q.day_low, q.day_high), (Some(38.31), Some(39.78)));
    assert_eq!(q.series.len(), 497);
    assert!(matches!(h.status(SourceId::Quote(0)), FetchStatus::Ok { .. }));
    assert!(fx.iter().any(|e| matches!(e, Effect::StoreQuotes(_))));
    // Yahoo's 429 is remembered for this ticker: the next refresh goes straight to Nasdaq.
    let yahoo = &h.state.sources()[0].via[0];
    assert!(yahoo.error.as_ref().is_some_and(|e| e.message.contains("429")) && yahoo.not_before.is_some());
    let screen = h.screen();
    for shown in ["38.42", "-1.15", "-2.91%", "nasdaq", "post 39.12", "+1.82%"] {
        assert!(screen.contains(shown), "{shown:?} not on screen:\n{screen}");
    }
    let generation = h.state.sources()[0].schedule;
    let fx = update(&mut h.state, Action::RefreshDue(SourceId::Quote(0), generation));
    let via = fx.iter().find_map(|e| match e {
        Effect::Fetch { via, .. } => Some(via.clone()),
        _ => None,
    });
    assert_eq!(via, Some(vec!["nasdaq".to_string()]), "yahoo backs off for this ticker");
}

#[tokio::test]
async fn sive_comes_from_nasdaq_stockholm_in_sek_and_its_orderbook_id_is_looked_up_once() {
    let (yahoo, server) = (MockServer::start().await, MockServer::start().await);
    chart(&yahoo, "SIVE.ST", ResponseTemplate::new(429).set_body_string("Edge: Too Many Requests")).await;
    Mock::given(method("GET"))
        .and(path("/api/nordic/search"))
        .and(query_param("searchText", "SIVE"))
        .respond_with(ok_json(NORDIC_SEARCH))
        .expect(1)
        .mount(&server)
        .await;
    nasdaq(&server, "/api/nordic/instruments/TX2540138/info", ok_json(NORDIC_INFO)).await;
    nasdaq(&server, "/api/nordic/instruments/TX2540138/chart", ok_json(NORDIC_CHART)).await;
    let cache = tempfile::tempdir().unwrap();
    let config = split_config(&yahoo, &server, "nasdaq", &[SIVE], &[]);
    let providers = Providers::new(&config, false, Some(cache.path())).expect("providers");
    let via = config.quote_order();
    let loaded = providers.fetch(SourceId::Quote(0), 1, &via).await;
    let q = quote(quotes(&loaded), "SIVE");
    assert_eq!((q.source.as_str(), q.currency.as_str()), ("nasdaq", "SEK"));
    assert_eq!((q.price, q.change, q.change_pct), (11.46, Some(0.27), Some(2.41)));
    assert_eq!(q.previous_close, Some(11.19));
    assert_eq!(q.series.len(), 437);
    assert_eq!(q.series.last(), Some(&11.46));
    assert_eq!((q.day_low, q.day_high, q.volume), (Some(11.14), Some(11.67), Some(1_320_387)));
    // 2026-12-02 18:00 CET.
    assert_eq!(q.as_of.to_rfc3339(), "2026-12-02T17:00:00+00:00");
    // The id is kept on disk (0600): a second run of the app does not search again.
    let ids = cache.path().join("nasdaq-orderbooks.json");
    let text = std::fs::read_to_string(&ids).expect("ids saved");
    assert!(text.contains("TX2540138"), "{text}");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&ids).unwrap().permissions()) & 0o777,
        0o600
    );
    let again = Providers::new(&config, false, Some(cache.path())).expect("providers");
    let loaded = again.fetch(SourceId::Quote(0), 2, &via).await;
    assert_eq!(quote(quotes(&loaded), "SIVE").price, 11.46);
    // The search mock's `expect(1)` is checked when the server drops.
}

#[tokio::test]
async fn both_sources_failing_names_both_and_keeps_the_less_permanent_kind() {
    let answers: Vec<(&str, ResponseTemplate, &str)> = vec![
        ("503", ResponseTemplate::new(503), "503"),
        (
            "an HTML page",
            ok_with(b"<!DOCTYPE html><html><body>Access denied</body></html>", "text/html"),
            "HTML",
        ),
        ("unknown symbol", ok_json(NASDAQ_UNKNOWN), "does not know AAOI"),
    ];
    for (case, resp, fragment) in answers {
        let server = MockServer::start().await;
        chart(&server, "AAOI", ResponseTemplate::new(500)).await;
        nasdaq(&server, "/api/quote/AAOI/info", resp).await;
        let config = live_config(&server, "nasdaq", &[AAOI], &[]);
        let mut h = Harness::new(&config);

        let (loaded, fx) = h.load(SourceId::Quote(0)).await;
        let msg = err(&loaded).to_string();
        eprintln!("{case}: {msg}");
        assert_readable(&msg);
        for f in ["yahoo", "500", "nasdaq", fragment] {
            assert!(msg.contains(f), "{case}: {f:?} missing from {msg:?}");
        }
        assert_eq!(h.error(SourceId::Quote(0)), msg);
        // Yahoo's 500 is transient: the ticker is retried within seconds, not at the interval.
        let after = scheduled(&fx, SourceId::Quote(0));
        assert!(after <= Duration::from_secs(10), "{case}: a retry with backoff: {after:?}");
        assert!(h.screen().contains("✗ err"), "{case}: the Src column flags it");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. One ticker failing, the others not

#[tokio::test]
async fn one_ticker_failing_never_refetches_the_ones_that_answered() {
    let server = MockServer::start().await;
    chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
    chart(&server, "SIVE.ST", ok_json(SIVE_JSON)).await;
    chart(&server, "LITE", ResponseTemplate::new(500)).await;
    let config = live_config(&server, "none", &[SIVE, AAOI, LITE], &[]);
    let mut h = Harness::new(&config);

    let (qs, _, _) = h.load_quotes().await;
    let mut got: Vec<&str> = qs.iter().map(|q| q.symbol.as_str()).collect();
    got.sort();
    assert_eq!(got, ["AAOI", "SIVE"]);
    // The user sees both quotes and LITE in error, alone, retried with backoff.
    assert_eq!(h.state.quotes()["AAOI"].price, 31.25);
    assert_eq!(h.state.quotes()["SIVE"].price, 8.4);
    assert!(!h.state.quotes().contains_key("LITE"));
    assert!(h.error(SourceId::Quote(2)).contains("500"), "{:?}", h.status(SourceId::Quote(2)));
    for i in 0..2 {
        assert!(matches!(h.status(SourceId::Quote(i)), FetchStatus::Ok { .. }));
    }
    let lite = h.state.sources()[2].retry_at.expect("a retry");
    assert!(lite - Utc::now() <= chrono::Duration::seconds(11), "{lite}");
    let screen = h.screen();
    assert!(screen.contains("31.25") && screen.contains("8.40"), "{screen}");
    assert!(screen.contains("LITE"), "{screen}");

    // LITE's retry is due: only LITE is asked. `r` joins nothing in flight and refetches nobody
    // early through a timer.
    let generation = h.state.sources()[2].schedule;
    update(&mut h.state, Action::Tick(lite));
    let fx = update(&mut h.state, Action::RefreshDue(SourceId::Quote(2), generation));
    let asked: Vec<SourceId> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch { source, .. } => Some(*source),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [SourceId::Quote(2)]);
    let before = server.received_requests().await.unwrap().len();
    server.reset().await;
    chart(&server, "LITE", ok_json(AAOI_JSON)).await;
    h.requests = fx
        .into_iter()
        .filter_map(|e| match e {
            Effect::Fetch { source, req_id, via } => Some((source, req_id, via)),
            _ => None,
        })
        .collect();
    let (loaded, _) = h.load(SourceId::Quote(2)).await;
    assert_eq!(quotes(&loaded).len(), 1);
    assert!(matches!(h.status(SourceId::Quote(2)), FetchStatus::Ok { .. }));
    assert_eq!(h.failures(SourceId::Quote(2)), 0);
    assert_eq!(h.state.quotes()["LITE"].price, 31.25);
    let after: Vec<String> =
        server.received_requests().await.unwrap().iter().map(|r| r.url.path().to_string()).collect();
    assert_eq!(after, ["/v8/finance/chart/LITE"], "after {before} requests, only LITE was asked again");
}

// ---------------------------------------------------------------------------------------------
// 5. News over HTTP

const NEWS_FEEDS: &[(&str, &str)] = &[
    ("Wire A", "/feeds/a"),
    ("Wire B", "/feeds/b"),
    ("Chinese feed", "/feeds/gb"),
    ("Japanese feed", "/feeds/sjis"),
    ("Broken feed", "/feeds/html"),
];

async fn news_server() -> MockServer {
    let server = MockServer::start().await;
    serve(&server, "/feeds/a", ok_with(NEWS_A, "application/rss+xml; charset=ISO-8859-1")).await;
    serve(&server, "/feeds/b", ok_with(NEWS_B, "application/rss+xml; charset=utf-8")).await;
    serve(&server, "/feeds/gb", ok_with(GB2312, "text/xml")).await;
    serve(&server, "/feeds/sjis", ok_with(SHIFT_JIS, "application/atom+xml; charset=Shift_JIS")).await;
    serve(
        &server,
        "/feeds/html",
        ok_with(b"<html><head><title>Sign in</title></head><body>x</body></html>", "text/html"),
    )
    .await;
    server
}

fn item<'a>(items: &'a [NewsItem], id: &str) -> &'a NewsItem {
    items.iter().find(|n| n.id == id).unwrap_or_else(|| panic!("no item {id} in {items:#?}"))
}

#[tokio::test]
async fn news_feeds_in_several_charsets_are_parsed_tagged_and_merged() {
    let server = news_server().await;
    let config = live_config(&server, "none", &[SIVE, AAOI, LITE, MTSI], NEWS_FEEDS);
    let mut h = Harness::new(&config);

    // Wire A: Latin-1, the charset only in the Content-Type header.
    let a = h.fetch(SourceId::Feed(0)).await;
    let items = news(&a);
    assert_eq!(items.len(), 5);
    let a1 = item(items, "a-1");
    assert_eq!(a1.title, "Sivers Semiconductors signs CW-laser deal in Zürich");
    assert_eq!(a1.source, "Wire A");
    assert_eq!(a1.link, "https://example.com/a-1");
    assert_eq!(a1.tickers, ["SIVE"]);
    let a2 = item(items, "a-2");
    assert_eq!(a2.title, "AAOI opens Sugar Land plant; Señor analysts cheer");
    assert_eq!(
        (a2.tickers.as_slice(), a2.catalysts.as_slice()),
        (&["AAOI".to_string()][..], &["aaoi-texas".to_string()][..])
    );
    let shared = item(items, "shared-1");
    assert_eq!(
        (shared.tickers.as_slice(), shared.catalysts.as_slice()),
        (&["LITE".to_string()][..], &["cpo".to_string()][..])
    );
    assert_eq!(item(items, "a-5").risks, ["valuation"]);
    assert_eq!(item(items, "a-5").title, "Valuations stretched after a naïve rally in photonics");

    // Wire B: UTF-8, overlapping A by guid, by link and by title.
    let b = h.fetch(SourceId::Feed(1)).await;
    assert_eq!(news(&b).len(), 5);
    assert_eq!(item(news(&b), "b-4").tickers, ["MTSI"]);

    // GB2312 without any charset label (detected), Shift-JIS labelled in the header.
    let gb = h.fetch(SourceId::Feed(2)).await;
    assert_eq!(news(&gb).len(), 1);
    assert_eq!(news(&gb)[0].title, "不归移民漫画系列：专业工作");
    assert_eq!(news(&gb)[0].catalysts, ["cjk"]);
    let sjis = h.fetch(SourceId::Feed(3)).await;
    assert_eq!(news(&sjis).len(), 1);
    assert_eq!(news(&sjis)[0].title, "DrecomRSSに記事投稿が反映されない…");
    assert_eq!(news(&sjis)[0].risks, ["jp"]);

    // An HTML page where a feed should be: an error for that feed only.
    let broken = h.fetch(SourceId::Feed(4)).await;
    assert_readable(err(&broken));

    for loaded in [a, b, gb, sjis, broken] {
        let source = loaded.source;
        let fx = h.apply(loaded);
        let after = scheduled(&fx, source);
        if source == SourceId::Feed(4) {
            // An HTML page is no feed: a permanent error, asked again at the news interval.
            assert_eq!(after, config.news_every, "broken feed: {after:?}");
        } else {
            assert_eq!(after, config.news_every, "{source:?}");
        }
    }

    // The merged history: deduped across feeds, newest first, undated last.
    let all = &h.state.news();
    let ids: Vec<&str> = all.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(all.len(), 9, "5 (A) + 2 new of B + 1 + 1: {ids:?}");
    for dup in ["b-2", "b-3"] {
        assert!(!ids.contains(&dup), "{dup} duplicates an item of Wire A: {ids:?}");
    }
    assert_eq!(
        item(all, "shared-1").title,
        "Co-packaged optics demand lifts Lumentum",
        "the first copy is kept"
    );
    assert_eq!(all.iter().filter(|n| n.link == "https://example.com/shared-link").count(), 1);
    assert_eq!(&ids[..4], ["b-4", "a-1", "a-2", "shared-1"]);
    assert_eq!(all[4].title, "Coherent adds indium phosphide capacity");
    assert_eq!(ids[5], "a-5");
    let dated: Vec<_> = all.iter().filter_map(|n| n.published).collect();
    assert_eq!(dated.len(), 6);
    assert!(dated.windows(2).all(|w| w[0] > w[1]), "newest first: {dated:?}");
    assert!(all[6..].iter().all(|n| n.published.is_none()), "undated last");
    for n in all.iter() {
        assert!(!n.title.contains('\u{fffd}') && !n.title.chars().any(char::is_control), "{:?}", n.title);
    }

    for i in 0..4 {
        assert!(
            matches!(h.status(SourceId::Feed(i)), FetchStatus::Ok { .. }),
            "feed {i}: {:?}",
            h.status(SourceId::Feed(i))
        );
    }
    assert_readable(&h.error(SourceId::Feed(4)));
    let screen = h.screen();
    assert!(screen.contains("News 9/9"), "{screen}");
    assert!(screen.contains("Zürich"), "{screen}");

    // Fetching a feed again adds nothing.
    h.refresh();
    h.load(SourceId::Feed(1)).await;
    h.load(SourceId::Feed(0)).await;
    assert_eq!(h.state.news().len(), 9);
}

// ---------------------------------------------------------------------------------------------
// 6. Cache, and the real binary

#[tokio::test]
async fn cache_round_trip_restores_quotes_and_news_as_stale() {
    let server = news_server().await;
    chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
    chart(&server, "SIVE.ST", ok_json(SIVE_JSON)).await;
    let config = live_config(&server, "none", &[SIVE, AAOI], &NEWS_FEEDS[..2]);
    let mut h = Harness::new(&config);
    h.load_quotes().await;
    for source in [SourceId::Feed(0), SourceId::Feed(1)] {
        h.load(source).await;
    }
    assert_eq!((h.state.quotes().len(), h.state.news().len()), (2, 7));

    // Kept in the store as the runtime keeps them: the quotes, the headlines, when feeds answered.
    let dir = tempfile::tempdir().unwrap();
    let mut db = chokepoint::db::Db::open(&dir.path().join("chokepoint.db")).unwrap().db;
    let quotes: Vec<_> = h.state.quotes().values().map(|q| (q.clone(), q.as_of.date_naive())).collect();
    db.store_quotes(&quotes).unwrap();
    db.archive(h.state.news(), Utc::now()).unwrap();
    for s in h.state.sources().iter().filter(|s| matches!(s.id, SourceId::Feed(_))) {
        db.set_fetched(&s.key, s.last_ok.unwrap()).unwrap();
    }
    let loaded = db.cached(config.history_cap).unwrap();
    assert_eq!(loaded.news, h.state.news().to_vec());
    assert_eq!(loaded.quotes.len(), 2);
    for l in &loaded.quotes {
        assert_same_quote(l, &h.state.quotes()[&l.symbol]);
    }

    let mut fresh = State::new(&config, UserState::default(), Utc::now(), false);
    update(&mut fresh, Action::Restore(loaded));
    assert!(fresh.quotes_stale());
    assert!(fresh.source_stale(SourceId::Quote(0)) && fresh.source_stale(SourceId::Quote(1)));
    // Both feeds answered moments ago: the news is current, and at start they are not asked
    // again before their refresh interval; the quotes are.
    assert!(!fresh.stale_news());
    let start = update(&mut fresh, Action::Start);
    let fetched: Vec<SourceId> = start
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch { source, .. } => Some(*source),
            _ => None,
        })
        .collect();
    assert_eq!(fetched, [SourceId::Quote(0), SourceId::Quote(1)]);
    for feed in [SourceId::Feed(0), SourceId::Feed(1)] {
        let after = scheduled(&start, feed);
        assert!(
            after > config.news_every - Duration::from_secs(60) && after <= config.news_every,
            "{after:?}"
        );
    }
    assert_eq!(fresh.quotes().len(), 2);
    for (sym, q) in h.state.quotes() {
        assert_same_quote(&fresh.quotes()[sym], q);
    }
    assert_eq!(fresh.news(), h.state.news());
    let stale = Harness { state: fresh, providers: h.providers.clone(), requests: Vec::new() }.screen();
    assert!(stale.contains("31.25") && stale.contains("Zürich"), "{stale}");
}

/// Equal up to the last bit or so of each float (see `cache_round_trips_floats_bit_for_bit`).
fn assert_same_quote(a: &Quote, b: &Quote) {
    let near = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0);
    let near_opt = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => near(x, y),
        (x, y) => x == y,
    };
    assert!(near(a.price, b.price), "{} price {} vs {}", a.symbol, a.price, b.price);
    for (what, x, y) in [
        ("previous_close", a.previous_close, b.previous_close),
        ("change", a.change, b.change),
        ("change_pct", a.change_pct, b.change_pct),
        ("day_high", a.day_high, b.day_high),
        ("day_low", a.day_low, b.day_low),
    ] {
        assert!(near_opt(x, y), "{} {what}: {x:?} vs {y:?}", a.symbol);
    }
    assert_eq!(a.series.len(), b.series.len());
    assert!(a.series.iter().zip(&b.series).all(|(x, y)| near(*x, *y)), "{} series", a.symbol);
    let strip = |q: &Quote| Quote {
        price: 0.0,
        previous_close: None,
        change: None,
        change_pct: None,
        day_high: None,
        day_low: None,
        series: Vec::new(),
        ..q.clone()
    };
    assert_eq!(strip(a), strip(b));
}

/// A price comes back from the store bit for bit (SIVE's change 0.40000000000000036 is not read
/// back as 0.4000000000000003: serde_json's `float_roundtrip`).
#[test]
fn the_store_round_trips_floats_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let change = 8.4_f64 - 8.0;
    assert_eq!(change.to_string(), "0.40000000000000036");
    let q = Quote {
        symbol: "SIVE".into(),
        provider_symbol: "SIVE.ST".into(),
        price: 8.4,
        previous_close: Some(8.0),
        change: Some(change),
        change_pct: Some(change / 8.0 * 100.0),
        currency: "SEK".into(),
        exchange: String::new(),
        market_state: Default::default(),
        day_high: None,
        day_low: None,
        volume: None,
        series: vec![7.860000133514404, 8.279999732971191],
        as_of: Utc::now(),
        source: "yahoo".into(),
        extended: None,
    };
    let mut db = chokepoint::db::Db::open(&dir.path().join("chokepoint.db")).unwrap().db;
    db.store_quotes(&[(q.clone(), q.as_of.date_naive())]).unwrap();
    assert_eq!(db.cached(10).unwrap().quotes, [q]);
}

/// Known bug, ignored until fixed: when every feed has failed (here: connection refused), the
/// News pane still says "no headlines yet: feeds are loading", although nothing is loading.
#[tokio::test]
async fn the_news_pane_does_not_claim_loading_when_every_feed_failed() {
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let config = parse_config(&config_text(&dead, "none", &[AAOI], &NEWS_FEEDS[..2]));
    let mut h = Harness::new(&config);
    for source in [SourceId::Feed(0), SourceId::Feed(1)] {
        let (loaded, _) = h.load(source).await;
        assert!(err(&loaded).contains("connection refused"), "{:?}", loaded.result);
    }
    let screen = h.screen();
    assert!(!screen.contains("feeds are loading"), "{screen}");
}

fn bin(home: &Path, args: &[&str]) -> Output {
    common::chokepoint_cmd(home).args(args).output().expect("the binary runs")
}

fn snapshot(home: &Path, config: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["snapshot", "--json", "--config", config.to_str().unwrap()];
    args.extend(extra);
    let out = bin(home, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "snapshot {extra:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("snapshot {extra:?} is not JSON ({e}): {stdout}"))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("{key} is not an array in {v:#}"))
}

fn json_quote<'a>(v: &'a Value, symbol: &str) -> &'a Value {
    arr(v, "quotes").iter().find(|q| q["symbol"] == symbol).unwrap_or_else(|| panic!("no {symbol} in {v:#}"))
}

#[test]
fn snapshot_binary_live_then_offline_from_cache_then_with_the_server_down() {
    let home = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    // Not pooled: dropping it really closes the port. wiremock serves from its own thread.
    let server = rt.block_on(async {
        let server = MockServer::builder().start().await;
        chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
        chart(&server, "SIVE.ST", ok_json(SIVE_JSON)).await;
        serve(&server, "/feeds/a", ok_with(NEWS_A, "application/rss+xml; charset=ISO-8859-1")).await;
        serve(&server, "/feeds/b", ok_with(NEWS_B, "application/rss+xml; charset=utf-8")).await;
        server
    });
    let addr = *server.address();
    let config_path = home.path().join("live.toml");
    std::fs::write(&config_path, config_text(&server.uri(), "nasdaq", &[SIVE, AAOI], &NEWS_FEEDS[..2]))
        .unwrap();

    // Online: every source answers.
    let live = snapshot(home.path(), &config_path, &[]);
    for s in arr(&live, "sources") {
        assert_eq!(s["ok"], true, "{s}");
        assert!(s["error"].is_null() && s["fetched_at"].is_string(), "{s}");
    }
    let aaoi = json_quote(&live, "AAOI");
    assert_eq!(
        (aaoi["price"].as_f64(), aaoi["change"].as_f64().map(|c| (c * 100.0).round())),
        (Some(31.25), Some(125.0))
    );
    assert_eq!(aaoi["stale"], false);
    let sive = json_quote(&live, "SIVE");
    assert_eq!((sive["provider_symbol"].as_str(), sive["currency"].as_str()), (Some("SIVE.ST"), Some("SEK")));
    assert_eq!(arr(&live, "news").len(), 7);
    assert!(
        arr(&live, "news")
            .iter()
            .any(|n| n["title"] == "Sivers Semiconductors signs CW-laser deal in Zürich")
    );
    assert!(home.path().join("data/chokepoint/chokepoint.db").exists(), "the snapshot filled the store");
    let hits = rt.block_on(server.received_requests()).unwrap().len();
    assert_eq!(hits, 4, "2 charts + 2 feeds, nothing else");

    // The server goes away.
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(Instant::now() < deadline, "the mock server did not shut down");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Offline: the stored data, marked stale.
    let offline = snapshot(home.path(), &config_path, &["--offline"]);
    let aaoi = json_quote(&offline, "AAOI");
    assert_eq!(aaoi["price"].as_f64(), Some(31.25));
    assert_eq!(aaoi["stale"], true, "{aaoi}");
    assert_eq!(json_quote(&offline, "SIVE")["stale"], true);
    assert_eq!(arr(&offline, "news").len(), 7);

    // Online with the server down: exit 0, every source reports why.
    let down = snapshot(home.path(), &config_path, &[]);
    for s in arr(&down, "sources") {
        assert_eq!(s["ok"], false, "{s}");
        let e = s["error"].as_str().unwrap_or_else(|| panic!("no error text: {s}"));
        assert_readable(e);
        assert!(e.contains("connection"), "{e}");
    }
    // A failed refresh does not wipe the store.
    let again = snapshot(home.path(), &config_path, &["--offline"]);
    assert_eq!(arr(&again, "quotes").len(), 2, "{again:#}");
    assert_eq!(arr(&again, "news").len(), 7);
}

/// A feed that makes the XML stack panic (quick-xml asserts on an embedded declaration in a
/// non-UTF-8 document): `snapshot` reports that source as failed and prints nothing about a panic,
/// so no parser message (which could quote the hostile document) reaches the terminal.
#[test]
fn a_feed_that_panics_the_parser_is_a_quiet_source_error() {
    const PANICS: &str = concat!(
        r#"<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item><title>a</title>"#,
        r#"<description><?xml version="1.0" encoding="iso-8859-1"?></description></item></channel></rss>"#,
    );
    let home = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = rt.block_on(async {
        let server = MockServer::builder().start().await;
        chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
        serve(&server, "/feeds/a", ok_with(PANICS.as_bytes(), "application/rss+xml; charset=ISO-8859-1"))
            .await;
        server
    });
    let config_path = home.path().join("live.toml");
    std::fs::write(&config_path, config_text(&server.uri(), "none", &[AAOI], &[("Panicky", "/feeds/a")]))
        .unwrap();
    let out = bin(home.path(), &["snapshot", "--json", "--config", config_path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("assert"), "a panic message leaked: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let source =
        arr(&v, "sources").iter().find(|s| s["name"] == "Panicky").unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(source["ok"], false, "{source}");
    assert!(source["error"].as_str().is_some_and(|e| e.contains("XML parser failed")), "{source}");
}
