//! Shared by the benches: deterministic news (a generated RSS feed, parsed and tagged by the
//! product's own code), a 5 MB feed made of real-world fixture items, and the example thesis with
//! a bigger history cap.
#![allow(dead_code)]

use chokepoint::cache::Cache;
use chokepoint::config::{self, Config};
use chokepoint::domain::NewsItem;
use chokepoint::providers::feed;
use chokepoint::tagging::Tagger;
use chrono::{DateTime, TimeZone, Utc};

pub const EXAMPLE: &str = include_str!("../../config.example.toml");

/// The bench's fixed "now": 2026-11-20 15:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).single().unwrap_or_default()
}

/// The example thesis with `history_cap` raised to `cap` and every URL on `base` (a dead or local
/// server), so a bench run never touches the internet.
pub fn config_text(cap: usize, base: &str) -> String {
    let mut text = EXAMPLE.replace("history_cap = 5000", &format!("history_cap = {cap}"));
    for (from, to) in [
        ("https://query1.finance.yahoo.com", base),
        ("https://query2.finance.yahoo.com", base),
        ("https://api.nasdaq.com", base),
    ] {
        text = text.replace(from, to);
    }
    // Feeds: every url = "https://..." line that is left goes to the local server, one path each.
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("url = \"https://") || t.starts_with("url = \"http://") {
            out.push_str(&format!("url = \"{base}/feed/{i}\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn config(cap: usize) -> Config {
    match config::parse(&config_text(cap, "http://127.0.0.1:9"), "bench.toml") {
        Ok(c) => c,
        Err(e) => panic!("bench config: {e:?}"),
    }
}

const WORDS: &[&str] = &[
    "optical",
    "laser",
    "supply",
    "demand",
    "transceiver",
    "datacenter",
    "800G",
    "1.6T",
    "silicon",
    "photonics",
    "indium",
    "phosphide",
    "wafer",
    "yield",
    "capacity",
    "order",
    "guidance",
    "quarter",
    "revenue",
    "margin",
    "hyperscaler",
    "switch",
    "module",
    "shipment",
    "ramp",
    "fab",
    "expansion",
    "tariff",
    "export",
    "rates",
    "capex",
    "AI",
    "cluster",
    "GPU",
    "network",
    "fiber",
    "pluggable",
];
const PHRASES: &[&str] = &[
    "co-packaged optics",
    "CW laser",
    "Applied Optoelectronics",
    "Lumentum",
    "Coherent",
    "MACOM",
    "Sivers Semiconductors",
    "AMD",
    "Microsoft",
    "Amazon",
    "Sugar Land",
    "linear pluggable optics",
    "InP substrate shortage",
    "valuations stretched",
    "光通信",
    "共封装光学",
    "Luxnet",
];
const PUBLISHERS: &[&str] =
    &["Reuters", "Bloomberg", "LightReading", "EE Times", "DigiTimes", "Dagens Industri", "The Register"];

/// A deterministic RSS 2.0 document with `n` distinct items, one minute apart, newest first.
pub fn generated_feed(n: usize, seed: u64) -> Vec<u8> {
    generated_range(0..n, seed)
}

/// Items `range` of the generated sequence for `seed` (item `i` is `i` minutes old).
fn generated_range(range: std::ops::Range<usize>, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed ^ range.start as u64);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Generated</title><link>https://example.com/</link><description>bench</description>\n",
    );
    for i in range {
        let mut title = Vec::new();
        for _ in 0..rng.usize(5..12) {
            title.push(WORDS[rng.usize(..WORDS.len())]);
        }
        let at = rng.usize(..title.len());
        title.insert(at, PHRASES[rng.usize(..PHRASES.len())]);
        let title = title.join(" ");
        let published = now() - chrono::TimeDelta::minutes(i as i64);
        let publisher = PUBLISHERS[rng.usize(..PUBLISHERS.len())];
        xml.push_str(&format!(
            "<item><title>{title} &#8211; {publisher}</title><link>https://example.com/{seed}/{i}</link>\
             <guid>bench-{seed}-{i}</guid><pubDate>{}</pubDate>\
             <description>{title}. More about {} and the &lt;b&gt;thesis&lt;/b&gt;.</description></item>\n",
            published.to_rfc2822(),
            WORDS[rng.usize(..WORDS.len())],
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml.into_bytes()
}

/// `n` news items as live fetches would hand them over: parsed by `parse_feed` (in documents of
/// at most `feed::ITEMS_MAX` items, the most one feed gives), tagged.
pub fn items(config: &Config, n: usize, seed: u64) -> Vec<NewsItem> {
    let mut items = Vec::with_capacity(n);
    for start in (0..n).step_by(feed::ITEMS_MAX) {
        let doc = generated_range(start..n.min(start + feed::ITEMS_MAX), seed);
        match feed::parse_feed(&doc, "Generated", None) {
            Ok(more) => items.extend(more),
            Err(e) => panic!("generated feed: {e}"),
        }
    }
    let tagger = Tagger::new(&config.tickers, &config.catalysts, &config.risks);
    items.iter_mut().for_each(|it| tagger.tag(it));
    items
}

/// A cache holding `n` news items (no quotes), as the app would have saved it.
pub fn cache(config: &Config, n: usize) -> Cache {
    Cache { version: Cache::VERSION, saved_at: Some(now()), news: items(config, n, 1), ..Cache::default() }
}

/// Real-world fixture `name`, its `<item>`/`<entry>` elements repeated until the document is at
/// least `size` bytes: a big feed with real markup, namespaces and entities.
pub fn inflated_fixture(bytes: &[u8], size: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let (open, close) = if text.contains("<entry") { ("<entry", "</entry>") } else { ("<item", "</item>") };
    let (Some(first), Some(last)) = (text.find(open), text.rfind(close)) else {
        panic!("fixture without items");
    };
    let end = last + close.len();
    let (head, items, tail) = (&text[..first], &text[first..end], &text[end..]);
    let mut out = String::with_capacity(size + items.len());
    out.push_str(head);
    while out.len() + tail.len() < size {
        out.push_str(items);
    }
    out.push_str(tail);
    out.into_bytes()
}
