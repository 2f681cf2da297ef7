//! Demo provider: recorded Yahoo chart JSON and RSS/Atom files from `assets/demo/`, embedded in the
//! binary and parsed by the same code as live data.

use super::{feed, yahoo};
use crate::action::Payload;
use crate::config::FeedSpec;
use crate::domain::TickerSpec;
use chrono::{DateTime, Utc};

/// Recorded chart responses, by provider symbol.
const CHARTS: &[(&str, &[u8])] = &[
    ("SIVE.ST", include_bytes!("../../assets/demo/SIVE.ST.json")),
    ("AAOI", include_bytes!("../../assets/demo/AAOI.json")),
    ("LITE", include_bytes!("../../assets/demo/LITE.json")),
    ("COHR", include_bytes!("../../assets/demo/COHR.json")),
    ("MTSI", include_bytes!("../../assets/demo/MTSI.json")),
];

/// Recorded feeds: (source name, url shown as `demo:<file>`, bytes).
const FEEDS: &[(&str, &str, &[u8])] = &[
    ("Sample: CPO wire", "demo:news-cpo.rss", include_bytes!("../../assets/demo/news-cpo.rss")),
    (
        "Sample: ticker headlines",
        "demo:news-tickers.rss",
        include_bytes!("../../assets/demo/news-tickers.rss"),
    ),
    ("Sample: supply chain", "demo:news-supply.atom", include_bytes!("../../assets/demo/news-supply.atom")),
];

/// The demo's news sources, replacing the configured feeds in `--demo`.
pub fn feeds() -> Vec<FeedSpec> {
    FEEDS.iter().map(|(name, url, _)| FeedSpec { name: (*name).into(), url: (*url).into() }).collect()
}

/// Parses the recorded chart of every configured ticker. Tickers without a recording are reported.
pub fn quotes(tickers: &[TickerSpec], now: DateTime<Utc>) -> (Result<Payload, String>, Option<String>) {
    let mut quotes = Vec::new();
    let mut errors = Vec::new();
    for t in tickers {
        match CHARTS.iter().find(|(sym, _)| *sym == t.provider()) {
            Some((_, bytes)) => match yahoo::parse_chart(bytes, t, "demo", now) {
                Ok(q) => quotes.push(q),
                Err(e) => errors.push(format!("{}: {e}", t.symbol)),
            },
            None => errors.push(format!("{}: no recording", t.symbol)),
        }
    }
    let partial = (!errors.is_empty()).then(|| errors.join("; "));
    if quotes.is_empty() && !tickers.is_empty() {
        return (Err(partial.unwrap_or_default()), None);
    }
    (Ok(Payload::Quotes(quotes)), partial)
}

/// Parses one recorded feed (untagged; the caller tags).
pub fn news(spec: Option<&FeedSpec>) -> Result<Payload, String> {
    let spec = spec.ok_or("unknown demo feed")?;
    let (name, _, bytes) = FEEDS.iter().find(|(_, url, _)| *url == spec.url).ok_or("unknown demo feed")?;
    feed::parse_feed(bytes, name, None).map(Payload::News).map_err(|e| e.to_string())
}
