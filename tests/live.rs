//! The live data path end to end over real loopback HTTP (wiremock on 127.0.0.1): config text ->
//! `Providers::fetch` -> `Loaded` -> `update` -> what the user sees. Yahoo charts, HTTP errors and
//! backoff, the Stooq fallback, partial results, news in several charsets with dedupe, the cache,
//! and the real binary's `snapshot`. Never touches the internet.
//!
//! Not here: a server slower than the client's timeout. The total timeout (15 s, `HttpConfig`) is
//! not configurable through `Config`, and `tests/http.rs` already proves timeouts at the HTTP layer
//! (`slow_response_times_out_quickly`, `body_that_stalls_times_out`).

mod common;

use chokepoint::action::{Action, Loaded, Payload, SourceId};
use chokepoint::cache;
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

/// A Stooq light-quote answer for AAOI (header line, CRLF, Warsaw time).
const STOOQ_AAOI: &str = "Symbol,Date,Time,Open,High,Low,Close,Volume,Prev\r\n\
                          AAOI.US,2026-11-20,22:00:00,30.5,31.9,29.8,31.1,2345678,30\r\n";

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

/// Config text with every URL on `base` (the wiremock server).
fn config_text(base: &str, fallback: &str, tickers: &[&str], feeds: &[(&str, &str)]) -> String {
    let mut text = format!(
        "[quotes]\nsource = \"yahoo\"\nbase_url = \"{base}\"\nfallback = \"{fallback}\"\nstooq_base_url = \"{base}\"\n"
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

async fn stooq(server: &MockServer, symbol: &str, resp: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/q/l/"))
        .and(query_param("s", symbol))
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

/// A `State` driven the way the runtime drives it: `RefreshAll` gives the request ids, the
/// providers answer over HTTP, and the answers go through `update`.
struct Harness {
    state: State,
    providers: Providers,
    requests: Vec<(SourceId, u64)>,
}

impl Harness {
    fn new(config: &Config) -> Harness {
        let providers = Providers::new(config, false).expect("live providers build");
        let state = State::new(config, UserState::default(), Utc::now(), false);
        let mut h = Harness { state, providers, requests: Vec::new() };
        h.refresh();
        h
    }

    /// `r`: every source gets a new request id.
    fn refresh(&mut self) {
        self.requests = update(&mut self.state, Action::RefreshAll)
            .into_iter()
            .filter_map(|fx| match fx {
                Effect::Fetch { source, req_id } => Some((source, req_id)),
                _ => None,
            })
            .collect();
    }

    /// One real fetch; the jitter is pinned (0.5) so the backoff is deterministic.
    async fn fetch(&self, source: SourceId) -> Loaded {
        let req_id = self
            .requests
            .iter()
            .find(|(s, _)| *s == source)
            .unwrap_or_else(|| panic!("no Fetch effect for {source:?}"))
            .1;
        let mut loaded = self.providers.fetch(source, req_id).await;
        assert_eq!((loaded.source, loaded.req_id), (source, req_id));
        loaded.jitter = 0.5;
        loaded
    }

    fn apply(&mut self, loaded: Loaded) -> Vec<Effect> {
        update(&mut self.state, Action::Loaded(loaded))
    }

    async fn load(&mut self, source: SourceId) -> (Loaded, Vec<Effect>) {
        let loaded = self.fetch(source).await;
        let fx = self.apply(loaded.clone());
        (loaded, fx)
    }

    fn status(&self, source: SourceId) -> &FetchStatus {
        &self.state.sources.iter().find(|s| s.id == source).expect("source exists").status
    }

    fn failures(&self, source: SourceId) -> u32 {
        self.state.sources.iter().find(|s| s.id == source).expect("source exists").failures
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

    let (loaded, fx) = h.load(SourceId::Quotes).await;
    assert_eq!(loaded.partial_error, None);
    assert_eq!(loaded.retry_after, None);
    let qs = quotes(&loaded);
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
        assert_eq!(r.url.query(), Some("range=1d&interval=5m"), "{}", r.url);
        let ua = r.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(ua.starts_with("Mozilla/5.0 (") && ua.contains("Chrome/"), "User-Agent {ua:?}");
        assert!(r.headers.get("cookie").is_none(), "no cookie/crumb is sent");
    }

    // What the user sees.
    assert!(matches!(h.status(SourceId::Quotes), FetchStatus::Ok { .. }), "{:?}", h.status(SourceId::Quotes));
    assert_eq!(h.state.quotes["SIVE"].currency, "SEK");
    assert!(fx.contains(&Effect::SaveCache), "{fx:?}");
    let first = scheduled(&fx, SourceId::Quotes);
    assert!(
        [config.quotes_every, config.quotes_closed_every].contains(&first),
        "the normal refresh interval, no backoff: {first:?}"
    );
    // The fixture's session (2026-11-20) is over: once quotes are known, the closed-market pace.
    assert!(h.state.quotes.values().all(|q| !q.market_state.is_trading()));
    h.refresh();
    let (_, fx) = h.load(SourceId::Quotes).await;
    assert_eq!(scheduled(&fx, SourceId::Quotes), config.quotes_closed_every);
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

    let (_, fx) = h.load(SourceId::Quotes).await;
    assert!(!h.state.quotes["AAOI"].market_state.is_trading());
    let closed = scheduled(&fx, SourceId::Quotes);

    h.refresh();
    let (_, fx) = h.load(SourceId::Quotes).await;
    assert!(h.state.quotes["AAOI"].market_state.is_trading(), "the market just opened");
    let open = scheduled(&fx, SourceId::Quotes);
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

        let (loaded, fx) = h.load(SourceId::Quotes).await;
        let msg = err(&loaded).to_string();
        eprintln!("{case}: {msg}");
        assert_readable(&msg);
        assert!(msg.contains("AAOI"), "{case}: the message names the ticker: {msg}");
        for f in fragments {
            assert!(msg.contains(f), "{case}: {f:?} missing from {msg:?}");
        }
        assert_eq!(loaded.retry_after, None, "{case}");
        assert_eq!(h.error(SourceId::Quotes), msg, "{case}: the status shows the fetch error");
        assert!(h.state.quotes.is_empty(), "{case}");
        assert!(!fx.contains(&Effect::SaveCache), "{case}: nothing to cache");
        assert_eq!(h.failures(SourceId::Quotes), 1, "{case}");
        let kind = match &loaded.result {
            Err(e) => e.kind,
            Ok(_) => unreachable!(),
        };
        let first = scheduled(&fx, SourceId::Quotes);
        h.refresh();
        let (_, fx) = h.load(SourceId::Quotes).await;
        assert_eq!(h.failures(SourceId::Quotes), 2, "{case}");
        let second = scheduled(&fx, SourceId::Quotes);
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
    let server = MockServer::start().await;
    chart(&server, "AAOI", ResponseTemplate::new(429).insert_header("Retry-After", "30")).await;
    serve(&server, "/feed", ResponseTemplate::new(503).insert_header("Retry-After", "120")).await;
    let config = live_config(&server, "none", &[AAOI], &[("Busy feed", "/feed")]);
    let mut h = Harness::new(&config);

    let mut loaded = h.fetch(SourceId::Quotes).await;
    assert_eq!(loaded.retry_after, Some(Duration::from_secs(30)));
    let msg = err(&loaded).to_string();
    assert_readable(&msg);
    assert!(msg.contains("429"), "{msg}");
    loaded.jitter = 0.0; // the smallest backoff the jitter can pick
    let at = loaded.at;
    let fx = h.apply(loaded);
    let after = scheduled(&fx, SourceId::Quotes);
    assert!(after >= Duration::from_secs(30), "retry scheduled after {after:?}, server asked for 30 s");
    let retry_at = h.state.sources[0].retry_at.expect("retry time shown");
    assert!(retry_at >= at + chrono::Duration::seconds(30), "{retry_at} vs {at}");
    assert!(h.error(SourceId::Quotes).contains("429"));
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
// 3. Fallback to Stooq

#[tokio::test]
async fn yahoo_failing_falls_back_to_stooq() {
    let server = MockServer::start().await;
    chart(&server, "AAOI", ResponseTemplate::new(500)).await;
    stooq(&server, "aaoi.us", ok_with(STOOQ_AAOI.as_bytes(), "text/csv")).await;
    let config = live_config(&server, "stooq", &[AAOI], &[]);
    let mut h = Harness::new(&config);

    let (loaded, fx) = h.load(SourceId::Quotes).await;
    assert_eq!(loaded.partial_error, None, "the fallback answered: nothing is missing");
    let q = quote(quotes(&loaded), "AAOI");
    assert_eq!(q.source, "stooq");
    assert_eq!(q.price, 31.1);
    assert_eq!(q.previous_close, Some(30.0));
    assert!(close(q.change.unwrap(), 1.1), "{:?}", q.change);
    assert_eq!(q.currency, "USD");
    assert!(matches!(h.status(SourceId::Quotes), FetchStatus::Ok { .. }));
    assert_eq!(h.state.quotes["AAOI"].source, "stooq");
    assert!(fx.contains(&Effect::SaveCache));

    let requests = server.received_requests().await.unwrap();
    let csv = requests.iter().find(|r| r.url.path() == "/q/l/").expect("Stooq was asked");
    let query = csv.url.query().unwrap_or_default();
    assert!(query.contains("s=aaoi.us") && query.contains("e=csv"), "{query}");
    assert!(h.screen().contains("stooq"), "the source column shows where the quote came from");
}

#[tokio::test]
async fn both_sources_failing_names_both() {
    let stooq_answers: Vec<(&str, ResponseTemplate, &str)> = vec![
        ("503", ResponseTemplate::new(503), "503"),
        ("anti-bot HTML", ok_with(b"<!DOCTYPE html><html><body>checking your browser</body></html>", "text/html"), "HTML"),
        ("N/D", ok_with(b"Symbol,Date,Time,Open,High,Low,Close,Volume,Prev\r\nAAOI.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n", "text/csv"), "N/D"),
    ];
    for (case, resp, fragment) in stooq_answers {
        let server = MockServer::start().await;
        chart(&server, "AAOI", ResponseTemplate::new(500)).await;
        stooq(&server, "aaoi.us", resp).await;
        let config = live_config(&server, "stooq", &[AAOI], &[]);
        let mut h = Harness::new(&config);

        let (loaded, fx) = h.load(SourceId::Quotes).await;
        let msg = err(&loaded).to_string();
        eprintln!("{case}: {msg}");
        assert_readable(&msg);
        for f in ["AAOI", "yahoo", "500", "stooq", fragment] {
            assert!(msg.contains(f), "{case}: {f:?} missing from {msg:?}");
        }
        assert_eq!(h.error(SourceId::Quotes), msg);
        let after = scheduled(&fx, SourceId::Quotes);
        assert!(
            after <= Duration::from_secs(10),
            "{case}: a retry with backoff, not the normal interval: {after:?}"
        );
    }
}

#[tokio::test]
async fn a_stockholm_ticker_is_not_covered_by_stooq() {
    let server = MockServer::start().await;
    chart(&server, "SIVE.ST", ResponseTemplate::new(500)).await;
    let config = live_config(&server, "stooq", &[SIVE], &[]);
    let mut h = Harness::new(&config);

    let (loaded, _) = h.load(SourceId::Quotes).await;
    let msg = err(&loaded).to_string();
    assert_readable(&msg);
    for f in ["SIVE", "500", "not covered", "stooq"] {
        assert!(msg.contains(f), "{f:?} missing from {msg:?}");
    }
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.url.path() != "/q/l/"), "Stooq is not asked for an uncovered symbol");
    assert_eq!(requests.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 4. Partial results

#[tokio::test]
async fn two_tickers_ok_and_one_failing_is_a_partial_result() {
    let server = MockServer::start().await;
    chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
    chart(&server, "SIVE.ST", ok_json(SIVE_JSON)).await;
    // LITE fails once (and Stooq does not know it), then answers.
    chart(&server, "LITE", ResponseTemplate::new(500)).await;
    let config = live_config(&server, "stooq", &[SIVE, AAOI, LITE], &[]);
    let mut h = Harness::new(&config);

    let (loaded, fx) = h.load(SourceId::Quotes).await;
    let qs = quotes(&loaded);
    let mut got: Vec<&str> = qs.iter().map(|q| q.symbol.as_str()).collect();
    got.sort();
    assert_eq!(got, ["AAOI", "SIVE"]);
    let partial = loaded.partial_error.clone().expect("a partial error").message;
    assert_readable(&partial);
    assert!(partial.contains("LITE") && partial.contains("500"), "{partial}");
    assert!(!partial.contains("AAOI") && !partial.contains("SIVE"), "only the failing ticker: {partial}");

    // The user sees both quotes and the source in error, and a retry with backoff is scheduled.
    assert_eq!(h.state.quotes["AAOI"].price, 31.25);
    assert_eq!(h.state.quotes["SIVE"].price, 8.4);
    assert!(!h.state.quotes.contains_key("LITE"));
    assert!(h.error(SourceId::Quotes).contains("LITE"), "{:?}", h.status(SourceId::Quotes));
    assert!(fx.contains(&Effect::SaveCache), "the good quotes are cached");
    assert!(scheduled(&fx, SourceId::Quotes) <= Duration::from_secs(10), "{fx:?}");
    let screen = h.screen();
    assert!(screen.contains("31.25") && screen.contains("8.40"), "{screen}");
    assert!(screen.contains("LITE"), "{screen}");

    // LITE recovers: the next refresh clears the error and the failure count.
    server.reset().await;
    chart(&server, "AAOI", ok_json(AAOI_JSON)).await;
    chart(&server, "SIVE.ST", ok_json(SIVE_JSON)).await;
    chart(&server, "LITE", ok_json(AAOI_JSON)).await;
    h.refresh();
    let (loaded, _) = h.load(SourceId::Quotes).await;
    assert_eq!(quotes(&loaded).len(), 3);
    assert_eq!(loaded.partial_error, None);
    assert!(matches!(h.status(SourceId::Quotes), FetchStatus::Ok { .. }), "{:?}", h.status(SourceId::Quotes));
    assert_eq!(h.failures(SourceId::Quotes), 0);
    assert_eq!(h.state.quotes["LITE"].price, 31.25);
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
    let all = &h.state.news;
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
    assert_eq!(h.state.news.len(), 9);
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
    for source in [SourceId::Quotes, SourceId::Feed(0), SourceId::Feed(1)] {
        h.load(source).await;
    }
    assert_eq!((h.state.quotes.len(), h.state.news.len()), (2, 7));

    let dir = tempfile::tempdir().unwrap();
    let saved = h.state.cache_snapshot();
    cache::save(dir.path(), &saved).expect("cache saved");
    let loaded = cache::load(dir.path()).expect("cache readable").expect("cache present");
    assert_eq!((loaded.version, loaded.saved_at), (saved.version, saved.saved_at));
    assert_eq!(loaded.news, saved.news);
    assert_eq!(loaded.quotes.len(), saved.quotes.len());
    for (l, s) in loaded.quotes.iter().zip(&saved.quotes) {
        assert_same_quote(l, s);
    }
    assert_eq!(cache::load(&dir.path().join("missing")), Ok(None));

    let mut fresh = State::new(&config, UserState::default(), Utc::now(), false);
    update(&mut fresh, Action::Restore(loaded));
    assert!(fresh.stale_quotes && fresh.stale_news);
    assert!(fresh.source_stale(SourceId::Quotes));
    assert_eq!(fresh.quotes.len(), 2);
    for (sym, q) in &h.state.quotes {
        assert_same_quote(&fresh.quotes[sym], q);
    }
    assert_eq!(fresh.news, h.state.news);
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

/// Known bug, ignored until fixed: `serde_json` is built without its `float_roundtrip` feature, so
/// a price can come back from `cache.json` one bit off (SIVE's change 0.40000000000000036 is read
/// back as 0.4000000000000003). Harmless on screen; fixed by `serde_json = { version = "1",
/// features = ["float_roundtrip"] }`.
#[test]
fn cache_round_trips_floats_bit_for_bit() {
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
    };
    let saved =
        cache::Cache { version: cache::Cache::VERSION, saved_at: None, quotes: vec![q], news: vec![] };
    cache::save(dir.path(), &saved).unwrap();
    assert_eq!(cache::load(dir.path()).unwrap().unwrap(), saved);
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
    std::fs::write(&config_path, config_text(&server.uri(), "stooq", &[SIVE, AAOI], &NEWS_FEEDS[..2]))
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
    assert!(home.path().join("cache/chokepoint/cache.json").exists(), "the snapshot wrote the cache");
    let hits = rt.block_on(server.received_requests()).unwrap().len();
    assert_eq!(hits, 4, "2 charts + 2 feeds, nothing else");

    // The server goes away.
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(Instant::now() < deadline, "the mock server did not shut down");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Offline: the cached data, marked stale.
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
    // A failed refresh does not wipe the cache.
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
