//! Feed parsing never starves fetching: while two feeds are being parsed (each parse held for
//! seconds, as a pathological document would hold it), a quote fetch on the same two-worker
//! runtime the app uses still starts and finishes at once. Before parsing moved to the bounded
//! blocking pool, the parses occupied both runtime workers and the quotes waited for them.
//! Its own test binary: the slow-parse switch is a process-wide environment variable.

use chokepoint::action::{Payload, SourceId};
use chokepoint::config;
use chokepoint::providers::Providers;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AAOI_JSON: &[u8] = include_bytes!("fixtures/live/AAOI.json");
const NEWS: &[u8] = include_bytes!("fixtures/live/news-b.rss");
const PARSE_MS: u64 = 3000;

#[test]
fn quotes_start_on_time_while_two_feeds_parse() {
    // SAFETY: set before any other thread of this test binary exists.
    unsafe { std::env::set_var("CHOKEPOINT_TEST_SLOW_PARSE", PARSE_MS.to_string()) };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v8/finance/chart/AAOI"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(AAOI_JSON))
            .mount(&server)
            .await;
        for feed in ["/a.rss", "/b.rss", "/c.rss"] {
            Mock::given(method("GET"))
                .and(path(feed))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(NEWS))
                .mount(&server)
                .await;
        }
        let base = server.uri();
        let text = format!(
            "[quotes]\norder = [\"yahoo\"]\n[quotes.yahoo]\nbase_url = \"{base}\"\n\
             [[tickers]]\nsymbol = \"AAOI\"\nname = \"Applied Optoelectronics\"\ncurrency = \"USD\"\n\
             [[feeds]]\nname = \"a\"\nurl = \"{base}/a.rss\"\n[[feeds]]\nname = \"b\"\nurl = \"{base}/b.rss\"\n\
             [[feeds]]\nname = \"c\"\nurl = \"{base}/c.rss\"\n"
        );
        let config = config::parse(&text, "pool.toml").expect("config");
        let providers = Providers::new(&config, false, None).expect("providers");
        let started = Instant::now();
        let feeds: Vec<_> = (0..3)
            .map(|i| {
                let p = providers.clone();
                tokio::spawn(async move { p.fetch(SourceId::Feed(i), i as u64, &[]).await })
            })
            .collect();
        // Let the feeds arrive and their parses begin.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let quotes_at = Instant::now();
        let quotes = tokio::spawn({
            let p = providers.clone();
            async move { p.fetch(SourceId::Quote(0), 9, &["yahoo".to_string()]).await }
        })
        .await
        .expect("quote task");
        let quote_time = quotes_at.elapsed();
        assert!(matches!(quotes.result, Ok(Payload::Quotes(ref q)) if q.len() == 1), "{:?}", quotes.result);
        assert!(
            quote_time < Duration::from_millis(PARSE_MS / 2),
            "the quote fetch waited {quote_time:?} behind feed parsing"
        );
        for feed in feeds {
            let loaded = feed.await.expect("feed task");
            assert!(matches!(loaded.result, Ok(Payload::News(ref n)) if !n.is_empty()), "{:?}", loaded.result);
        }
        // Two parse slots: the third feed waited for one, so all three took two rounds.
        let total = started.elapsed();
        assert!(total >= Duration::from_millis(2 * PARSE_MS), "three parses in {total:?}: more than two at once");
    });
}
