//! The recorded demo data in assets/demo: every chart parses through `parse_chart` with sane
//! values, every feed parses with feed-rs and is labelled as sample data.

use chokepoint::domain::{MarketState, TickerSpec};
use chokepoint::providers::yahoo::parse_chart;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::HashMap;
use std::path::PathBuf;

fn asset(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
}

struct Expect {
    symbol: &'static str,
    provider: &'static str,
    currency: &'static str,
    exchange: &'static str,
    range: (f64, f64),
    bars: usize,
    up: bool,
    /// Regular session in UTC on 2026-11-20.
    open: DateTime<Utc>,
    close: DateTime<Utc>,
}

fn expectations() -> Vec<Expect> {
    let us = |symbol, exchange, range, up| Expect {
        symbol,
        provider: symbol,
        currency: "USD",
        exchange,
        range,
        bars: 78,
        up,
        open: utc(20, 14, 30),
        close: utc(20, 21, 0),
    };
    vec![
        Expect {
            symbol: "SIVE",
            provider: "SIVE.ST",
            currency: "SEK",
            exchange: "Stockholm",
            range: (6.0, 10.0),
            bars: 102,
            up: true,
            open: utc(20, 8, 0),
            close: utc(20, 16, 30),
        },
        us("AAOI", "NasdaqGM", (25.0, 40.0), false),
        us("LITE", "NasdaqGS", (90.0, 160.0), true),
        us("COHR", "NYSE", (80.0, 130.0), false),
        us("MTSI", "NasdaqGS", (110.0, 150.0), true),
    ]
}

#[test]
fn every_demo_chart_parses_with_sane_values() {
    for e in expectations() {
        let spec = TickerSpec {
            symbol: e.symbol.into(),
            provider_symbol: if e.symbol == e.provider { String::new() } else { e.provider.into() },
            name: String::new(),
            currency: e.currency.into(),
            aliases: vec![],
            ..TickerSpec::default()
        };
        let bytes = asset(&format!("{}.json", e.provider));
        let mid = e.open + chrono::Duration::hours(2);
        let q = parse_chart(&bytes, &spec, "demo", mid).unwrap();
        let ctx = e.symbol;
        assert_eq!(q.symbol, e.symbol);
        assert_eq!(q.provider_symbol, e.provider);
        assert_eq!(q.source, "demo");
        assert_eq!(q.currency, e.currency, "{ctx}");
        assert_eq!(q.exchange, e.exchange, "{ctx}");
        assert_eq!(q.market_state, MarketState::Regular, "{ctx}");
        assert!(q.price > e.range.0 && q.price < e.range.1, "{ctx} price {}", q.price);
        let prev = q.previous_close.unwrap();
        assert!(prev > e.range.0 && prev < e.range.1, "{ctx} prev {prev}");
        assert_eq!(q.change.unwrap() > 0.0, e.up, "{ctx} change {:?}", q.change);
        assert!(q.change_pct.unwrap().abs() < 15.0, "{ctx}");
        let (lo, hi) = (q.day_low.unwrap(), q.day_high.unwrap());
        assert!(lo <= q.price && q.price <= hi, "{ctx} {lo} {} {hi}", q.price);
        assert!(q.series.iter().all(|p| *p >= lo - 0.01 && *p <= hi + 0.01), "{ctx}");
        assert!(q.volume.unwrap() > 100_000, "{ctx}");
        // Full session with a few null bars skipped.
        let nulls = e.bars - q.series.len();
        assert!((1..=5).contains(&nulls), "{ctx} {} bars", q.series.len());
        assert!((q.series.last().unwrap() - q.price).abs() < 0.01, "{ctx}");
        assert!(q.as_of > e.close - chrono::Duration::minutes(5), "{ctx}");
        assert!(q.as_of <= e.close + chrono::Duration::minutes(1), "{ctx}");
        // The distinction matters: chartPreviousClose would give a different change.
        let raw: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let meta = &raw["chart"]["result"][0]["meta"];
        let chart_prev = meta["chartPreviousClose"].as_f64().unwrap();
        assert!((chart_prev - prev).abs() > 0.1, "{ctx}");
        for key in ["currentTradingPeriod", "tradingPeriods", "validRanges", "gmtoffset"] {
            assert!(!meta[key].is_null(), "{ctx} lacks {key}");
        }
        let offset = if e.currency == "SEK" { 3600 } else { -18000 };
        assert_eq!(meta["gmtoffset"], offset, "{ctx}");
        // Market states over the day.
        let state = |t: DateTime<Utc>| parse_chart(&bytes, &spec, "demo", t).unwrap().market_state;
        assert_eq!(state(e.close + chrono::Duration::hours(5)), MarketState::Closed, "{ctx}");
        if e.currency == "USD" {
            assert_eq!(state(e.open - chrono::Duration::hours(1)), MarketState::Pre);
            assert_eq!(state(e.close + chrono::Duration::hours(1)), MarketState::Post);
        } else {
            assert_eq!(state(e.open - chrono::Duration::hours(1)), MarketState::Closed);
            assert_eq!(state(e.close + chrono::Duration::hours(1)), MarketState::Closed);
        }
    }
}

#[test]
fn mixed_up_and_down_days() {
    let ups = expectations().iter().filter(|e| e.up).count();
    assert!(ups > 0 && ups < expectations().len());
}

const FEEDS: [&str; 3] = ["news-cpo.rss", "news-tickers.rss", "news-supply.atom"];
const SAMPLE: &str = "Sample data for chokepoint --demo; not real news.";

fn feeds() -> Vec<(&'static str, feed_rs::model::Feed)> {
    FEEDS
        .iter()
        .map(|name| {
            let feed =
                feed_rs::parser::parse(asset(name).as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"));
            (*name, feed)
        })
        .collect()
}

fn title(e: &feed_rs::model::Entry) -> String {
    e.title.as_ref().map(|t| t.content.clone()).unwrap_or_default()
}

#[test]
fn demo_feeds_parse_and_hold_enough_items() {
    let all = feeds();
    let total: usize = all.iter().map(|(_, f)| f.entries.len()).sum();
    assert!(total >= 60, "only {total} items");
    for (name, feed) in &all {
        assert!(feed.entries.len() >= 15, "{name}");
        let feed_title = feed.title.as_ref().unwrap().content.clone();
        assert!(feed_title.starts_with("Sample data — "), "{name}: {feed_title}");
        assert!(feed_title.ends_with("(demo)"), "{name}: {feed_title}");
    }
}

#[test]
fn every_item_is_labelled_sample_dated_and_on_example_com() {
    for (name, feed) in feeds() {
        for e in &feed.entries {
            let t = title(e);
            let summary = e.summary.as_ref().map(|s| s.content.clone()).unwrap_or_default();
            assert!(summary.starts_with(SAMPLE), "{name}: {t}: {summary}");
            assert_eq!(e.links.len(), 1, "{name}: {t}");
            assert!(e.links[0].href.starts_with("https://example.com/"), "{name}: {t}");
            let when = e.published.or(e.updated).unwrap_or_else(|| panic!("{name}: {t}"));
            assert!(when >= utc(10, 0, 0) && when < utc(21, 0, 0), "{name}: {t}: {when}");
            assert!(!e.id.is_empty());
            match name {
                "news-cpo.rss" => assert!(t.ends_with(" (sample)"), "{t}"),
                "news-supply.atom" => {
                    assert!(e.authors[0].name.as_deref().unwrap_or_default().ends_with(" (sample)"))
                }
                _ => {}
            }
        }
    }
}

#[test]
fn feeds_cover_tickers_and_thesis_topics() {
    let titles: Vec<String> = feeds().iter().flat_map(|(_, f)| f.entries.iter().map(title)).collect();
    let text = titles.join("\n").to_lowercase();
    let topics = [
        "sive",
        "aaoi",
        "lite",
        "cohr",
        "mtsi",
        "sivers",
        "applied optoelectronics",
        "lumentum",
        "coherent",
        "macom",
        "co-packaged optics",
        "cpo",
        "amd",
        "long-term",
        "sugar land",
        "environmental review",
        "cw laser",
        "luxnet",
        "volume shipments",
        "microsoft",
        "amazon",
        "lta",
        "valuations",
        "volatility",
        "linear pluggable",
        "lpo",
        "indium phosphide",
        "inp",
        "shortage",
        "yield",
        "2027-2028",
        "export controls",
        "geopolitic",
        "ai capex",
        "rates",
        "光通信",
        "雷射",
    ];
    for topic in topics {
        assert!(text.contains(topic), "no headline mentions {topic}");
    }
}

#[test]
fn feeds_exercise_entities_and_dedupe() {
    let all = feeds();
    let titles: Vec<String> = all.iter().flat_map(|(_, f)| f.entries.iter().map(title)).collect();
    // XML-level entities decode to plain text.
    assert!(titles.iter().any(|t| t.contains("Lumentum & Coherent") && t.contains("'the new")));
    // Double-escaped entities survive XML decoding for the HTML layer to handle.
    assert!(titles.iter().any(|t| t.contains("Q&amp;A") && t.contains("MACOM&#39;s")));
    // Exactly one story appears in two feeds under the same link.
    let mut feeds_by_link: HashMap<String, Vec<&str>> = HashMap::new();
    for (name, feed) in &all {
        for e in &feed.entries {
            feeds_by_link.entry(e.links[0].href.clone()).or_default().push(name);
        }
    }
    let dups: Vec<_> = feeds_by_link.iter().filter(|(_, v)| v.len() > 1).collect();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_ne!(dups[0].1[0], dups[0].1[1]);
}
