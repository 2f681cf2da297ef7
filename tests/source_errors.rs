//! Errors keep their kind across the provider boundary (a loopback server, no internet): Yahoo's
//! plain-text 429 with Retry-After and a 5xx are transient, an unknown symbol (404 with Yahoo's
//! error object) and Nasdaq's `data: null` (HTTP 200) are permanent, a garbled body is a parse
//! failure; a config naming Stooq (removed) is refused with the reason. The reducer backs a transient failure off with jitter and asks again for a
//! permanent one once per refresh interval, its reason kept on screen.

mod common;

use chokepoint::action::{Action, Loaded, SourceId};
use chokepoint::config;
use chokepoint::domain::{ErrorKind, FetchStatus, SourceError};
use chokepoint::effect::Effect;
use chokepoint::providers::Providers;
use chokepoint::update::update;
use common::*;
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const YAHOO_429: &[u8] = include_bytes!("fixtures/quotes/yahoo-429.txt");
const YAHOO_UNKNOWN: &[u8] = include_bytes!("fixtures/quotes/yahoo-chart-unknown.json");
const NASDAQ_UNKNOWN: &[u8] = include_bytes!("fixtures/quotes/nasdaq-us-info-unknown.json");

fn ticker(symbol: &str) -> String {
    format!("[[tickers]]\nsymbol = \"{symbol}\"\nname = \"{symbol} Inc\"\ncurrency = \"USD\"\n")
}

/// `[quotes]` asking the sources of `order` (`"yahoo"`, `"yahoo", "nasdaq"`), all on `base`.
fn quotes_section(base: &str, order: &str) -> String {
    format!(
        "[quotes]\norder = [{order}]\n[quotes.yahoo]\nbase_url = \"{base}\"\n[quotes.nasdaq]\nbase_url = \"{base}\"\n"
    )
}

async fn fetch_quotes(server: &MockServer, order: &str, symbol: &str) -> Loaded {
    let text = format!("{}{}", quotes_section(&server.uri(), order), ticker(symbol));
    let cfg = config::parse(&text, "errors.toml").expect("config");
    let via = cfg.quote_order();
    Providers::new(&cfg, false, None).expect("providers").fetch(SourceId::Quote(0), 1, &via).await
}

fn error(loaded: &Loaded) -> &SourceError {
    match &loaded.result {
        Err(e) => e,
        Ok(p) => panic!("expected an error, got {p:?}"),
    }
}

#[tokio::test]
async fn yahoo_429_in_plain_text_is_transient_with_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/AAOI"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30").set_body_bytes(YAHOO_429))
        .mount(&server)
        .await;
    let loaded = fetch_quotes(&server, "\"yahoo\"", "AAOI").await;
    let e = error(&loaded);
    assert_eq!(e.kind, ErrorKind::Transient, "{e:?}");
    assert!(e.message.contains("429"), "{e:?}");
    assert_eq!(loaded.retry_after, Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn an_unknown_symbol_is_permanent_and_a_5xx_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/NOPE"))
        .respond_with(ResponseTemplate::new(404).set_body_bytes(YAHOO_UNKNOWN))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/BUSY"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let e = error(&fetch_quotes(&server, "\"yahoo\"", "NOPE").await).clone();
    assert_eq!(e.kind, ErrorKind::Permanent, "{e:?}");
    let e = error(&fetch_quotes(&server, "\"yahoo\"", "BUSY").await).clone();
    assert_eq!(e.kind, ErrorKind::Transient, "{e:?}");
}

#[tokio::test]
async fn nasdaqs_unknown_symbol_is_permanent_and_each_source_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/NOPE"))
        .respond_with(ResponseTemplate::new(500).set_body_bytes(YAHOO_429))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/quote/NOPE/info"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(NASDAQ_UNKNOWN))
        .mount(&server)
        .await;
    let loaded = fetch_quotes(&server, "\"yahoo\", \"nasdaq\"", "NOPE").await;
    let e = error(&loaded).clone();
    // Yahoo's 500 is transient: the ticker as a whole may still be retried soon.
    assert_eq!(e.kind, ErrorKind::Transient, "{e:?}");
    assert!(
        e.message.contains("yahoo: HTTP 500")
            && e.message.contains("nasdaq: Nasdaq does not know NOPE (Symbol not exists)"),
        "{e:?}"
    );
    let kinds: Vec<_> =
        loaded.attempts.iter().map(|a| (a.source.as_str(), a.error.as_ref().map(|e| e.kind))).collect();
    assert_eq!(kinds, [("yahoo", Some(ErrorKind::Transient)), ("nasdaq", Some(ErrorKind::Permanent))]);
}

#[test]
fn a_config_naming_stooq_is_refused_with_the_reason() {
    let text = format!("[quotes]\norder = [\"yahoo\", \"stooq\"]\n{}", ticker("AAOI"));
    let errors = config::parse(&text, "stooq.toml").expect_err("stooq is gone");
    assert!(errors[0].to_string().starts_with("stooq.toml:2:19: Stooq was removed"), "{errors:?}");
    assert!(errors[0].message.contains("use nasdaq"), "{errors:?}");
}

#[tokio::test]
async fn a_garbled_answer_is_a_parse_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/AAOI"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(&b"{\"chart\": {\"result\": [{\"meta\": 7"[..]),
        )
        .mount(&server)
        .await;
    let e = error(&fetch_quotes(&server, "\"yahoo\"", "AAOI").await).clone();
    assert_eq!(e.kind, ErrorKind::Parse, "{e:?}");
}

fn scheduled(fx: &[Effect], source: SourceId) -> Duration {
    fx.iter()
        .find_map(|e| match e {
            Effect::Schedule { source: s, after, .. } if *s == source => Some(*after),
            _ => None,
        })
        .expect("a schedule")
}

#[test]
fn a_permanent_failure_is_asked_again_once_per_refresh_interval_and_stays_visible() {
    let mut s = state();
    let every = s.sources().iter().find(|x| x.id == SourceId::Feed(0)).map(|x| x.every).unwrap();
    let mut delays = Vec::new();
    let mut feed1 = None;
    for _ in 0..4 {
        let fx = update(&mut s, Action::RefreshAll);
        // Feed 1 is asked once: later `r`s join its fetch in flight.
        feed1 = feed1.or(fetch_id(&fx, SourceId::Feed(1)));
        let req = fetch_id(&fx, SourceId::Feed(0)).unwrap();
        let err = SourceError::permanent("HTTP 404 Not Found");
        let fx = update(&mut s, Action::Loaded(loaded(SourceId::Feed(0), req, Err(err))));
        delays.push(scheduled(&fx, SourceId::Feed(0)));
    }
    assert!(delays.iter().all(|d| *d == every), "{delays:?} vs the interval {every:?}");
    let src = s.sources().iter().find(|x| x.id == SourceId::Feed(0)).unwrap();
    assert!(matches!(&src.status, FetchStatus::Error { message, .. } if message.contains("404")));
    // A transient failure backs off from seconds instead.
    let req = feed1.unwrap();
    let fx = update(&mut s, Action::Loaded(loaded(SourceId::Feed(1), req, Err("timed out".into()))));
    assert!(scheduled(&fx, SourceId::Feed(1)) < every, "{:?}", scheduled(&fx, SourceId::Feed(1)));
}

#[tokio::test]
async fn an_unchanged_feed_answers_304_to_a_conditional_get_and_costs_no_parse() {
    use chokepoint::action::Payload;
    use wiremock::matchers::{header, header_exists};
    let server = MockServer::start().await;
    let feed = "<rss version=\"2.0\"><channel><title>t</title><item><title>CPO ramps</title>\
                <guid>g1</guid></item></channel></rss>";
    Mock::given(method("GET"))
        .and(path("/feed"))
        .and(header("if-none-match", "\"v1\""))
        .and(header_exists("if-modified-since"))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feed"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .insert_header("last-modified", "Wed, 02 Dec 2026 18:00:00 GMT")
                .set_body_string(feed),
        )
        .expect(1)
        .mount(&server)
        .await;
    let base = server.uri();
    let text = format!(
        "{}{}[[feeds]]\nname = \"f\"\nurl = \"{base}/feed\"\n",
        quotes_section(&base, "\"yahoo\""),
        ticker("AAOI")
    );
    let cfg = config::parse(&text, "cond.toml").expect("config");
    let providers = Providers::new(&cfg, false, None).expect("providers");
    let first = providers.fetch(SourceId::Feed(0), 1, &[]).await;
    assert!(matches!(&first.result, Ok(Payload::News(n)) if n.len() == 1), "{:?}", first.result);
    let second = providers.fetch(SourceId::Feed(0), 2, &[]).await;
    assert!(matches!(&second.result, Ok(Payload::News(n)) if n.is_empty()), "{:?}", second.result);
    // The expectations (one full answer, one 304) are checked when the server drops.
}

/// The detail view's series, on a loopback server: each range asks Yahoo for its own range and
/// interval (the thesis range by its dates); with Yahoo rate-limited, a daily range comes from
/// Nasdaq's history and the wait Yahoo asked for is kept; an intraday one says Nasdaq has none.
#[tokio::test]
async fn each_range_asks_for_its_own_series_and_falls_back_to_nasdaq() {
    use chokepoint::chart::Span;
    let server = MockServer::start().await;
    let year = std::fs::read("tests/fixtures/quotes/yahoo-chart-SIVE.ST-1y.json").unwrap();
    for (range, interval) in
        [("1d", "5m"), ("5d", "15m"), ("1mo", "1d"), ("6mo", "1d"), ("1y", "1d"), ("5y", "1wk")]
    {
        Mock::given(method("GET"))
            .and(path("/v8/finance/chart/AAOI"))
            .and(query_param("range", range))
            .and(query_param("interval", interval))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(year.clone()))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/AAOI"))
        .and(query_param("period1", "1764547200"))
        .and(query_param("interval", "1d"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(year.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let text = format!(
        "{}{}[thesis]\nstarted = \"2025-12-01\"\n",
        quotes_section(&server.uri(), "\"yahoo\", \"nasdaq\""),
        ticker("AAOI")
    );
    let cfg = config::parse(&text, "history.toml").expect("config");
    let providers = Providers::new(&cfg, false, None).expect("providers");
    let via = cfg.quote_order();
    for span in Span::ALL {
        let (got, _) = providers.history("AAOI", span, cfg.thesis_started, &via).await;
        let series = got.unwrap_or_else(|e| panic!("{span:?}: {e}"));
        assert_eq!((series.span, series.bars.len(), series.source.as_str()), (span, 250, "yahoo"));
    }

    // Yahoo answers 429 (a host of its own: a 429 pauses its host): the year comes from Nasdaq,
    // an intraday day from nobody.
    let limited = MockServer::start().await;
    let nasdaq = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/AAOI"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_string("Too Many Requests"),
        )
        .mount(&limited)
        .await;
    // Nasdaq's daily history, once per (symbol, asset class): AAOI a stock; SOXX, the benchmark,
    // unknown as a stock and found as an ETF.
    for (symbol, class, fixture) in [
        ("AAOI", "stocks", "nasdaq-us-historical-AAOI.json"),
        ("SOXX", "stocks", "nasdaq-us-info-unknown.json"),
        ("SOXX", "etf", "nasdaq-us-historical-AAOI.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/api/quote/{symbol}/historical")))
            .and(query_param("assetclass", class))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_bytes(std::fs::read(format!("tests/fixtures/quotes/{fixture}")).unwrap()),
            )
            .expect(1)
            .mount(&nasdaq)
            .await;
    }
    let text = format!(
        "[quotes]\norder = [\"yahoo\", \"nasdaq\"]\n[quotes.yahoo]\nbase_url = \"{}\"\n[quotes.nasdaq]\nbase_url = \"{}\"\n{}",
        limited.uri(),
        nasdaq.uri(),
        ticker("AAOI")
    );
    let cfg = config::parse(&text, "history.toml").expect("config");
    let providers = Providers::new(&cfg, false, None).expect("providers");
    let (got, _) = providers.history("AAOI", Span::Y1, None, &cfg.quote_order()).await;
    let series = got.expect("from nasdaq");
    assert_eq!((series.source.as_str(), series.bars.len(), series.interval.as_str()), ("nasdaq", 22, "1d"));
    // The benchmark, a fund.
    let with_benchmark = format!("{text}[thesis]\nbenchmark = \"SOXX\"\n");
    let cfg2 = config::parse(&with_benchmark, "history.toml").expect("config");
    let providers2 = Providers::new(&cfg2, false, None).expect("providers");
    let (got, _) = providers2.history("SOXX", Span::M1, None, &cfg2.quote_order()).await;
    assert_eq!(got.expect("as an ETF").source, "nasdaq");
    let (got, wait) = providers.history("AAOI", Span::D1, None, &cfg.quote_order()).await;
    let e = got.unwrap_err();
    assert!(e.contains("yahoo: ") && e.contains("429") && e.contains("no 1D history from Nasdaq"), "{e}");
    assert!(wait.is_some_and(|w| w >= std::time::Duration::from_secs(100)), "{wait:?}");
}

/// FX rates on loopback servers: SEK in USD from Yahoo's `SEKUSD=X` pair; with Yahoo
/// rate-limited, from the ECB's daily file (crossed through the euro), Yahoo's wait kept; a
/// currency neither knows is a partial answer that names it.
#[tokio::test]
async fn fx_rates_come_from_yahoo_then_the_ecb() {
    let yahoo = MockServer::start().await;
    let ecb = MockServer::start().await;
    let pair = std::fs::read("tests/fixtures/quotes/yahoo-chart-SEKUSD=X.json").unwrap();
    let daily = std::fs::read("tests/fixtures/quotes/ecb-eurofxref-daily.xml").unwrap();
    Mock::given(method("GET"))
        .and(path("/v8/finance/chart/SEKUSD%3DX")) // `=` encoded, as Yahoo takes it
        .respond_with(ResponseTemplate::new(200).set_body_bytes(pair))
        .expect(1)
        .mount(&yahoo)
        .await;
    Mock::given(method("GET"))
        .and(path("/stats/eurofxref/eurofxref-daily.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(daily))
        .mount(&ecb)
        .await;
    let config_for = |yahoo: &str, extra_ticker: &str| {
        let text = format!(
            "{}{}[[tickers]]\nsymbol = \"SIVE\"\ncurrency = \"SEK\"\n{extra_ticker}[portfolio]\nbase_currency = \"USD\"\necb_url = \"{}/stats/eurofxref/eurofxref-daily.xml\"\n",
            quotes_section(yahoo, "\"yahoo\""),
            ticker("AAOI"),
            ecb.uri()
        );
        config::parse(&text, "fx.toml").expect("config")
    };
    let via = ["yahoo".to_string(), "ecb".to_string()];
    let cfg = config_for(&yahoo.uri(), "");
    let got = Providers::new(&cfg, false, None).unwrap().fetch(SourceId::Fx, 1, &via).await;
    let Ok(chokepoint::action::Payload::Fx(rates)) = &got.result else { panic!("{:?}", got.result) };
    assert_eq!(rates.len(), 1);
    assert_eq!(
        (rates[0].currency.as_str(), rates[0].base.as_str(), rates[0].source.as_str()),
        ("SEK", "USD", "yahoo"),
        "{:?}",
        got.attempts
    );
    assert!((rates[0].rate - 0.0952).abs() < 1e-9, "{:?}", rates[0]);
    assert!(got.partial_error.is_none());

    let limited = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "90")
                .set_body_string("Too Many Requests"),
        )
        .mount(&limited)
        .await;
    let cfg = config_for(&limited.uri(), "[[tickers]]\nsymbol = \"XTKR\"\ncurrency = \"XYZ\"\n");
    let got = Providers::new(&cfg, false, None).unwrap().fetch(SourceId::Fx, 2, &via).await;
    let Ok(chokepoint::action::Payload::Fx(rates)) = &got.result else { panic!("{:?}", got.result) };
    assert_eq!(rates.len(), 1, "{rates:?}");
    assert_eq!(rates[0].source, "ecb");
    assert!((rates[0].rate - 1.0550 / 11.0820).abs() < 1e-12, "{:?}", rates[0]);
    let partial = got.partial_error.as_ref().expect("XYZ has no rate");
    assert!(partial.message.contains("no rate for XYZ"), "{}", partial.message);
    let yahoo_try = got.attempts.iter().find(|a| a.source == "yahoo").unwrap();
    assert_eq!(yahoo_try.retry_after, Some(std::time::Duration::from_secs(90)), "Yahoo's wait kept");
}
