//! News feeds: raw bytes in any charset -> RSS/Atom/JSON Feed (feed-rs) -> sanitized `NewsItem`s,
//! and merging fresh items into the kept history (dedupe, order, cap). No I/O.

mod html;
mod prep;

pub use prep::BODY_RAW_MAX;

use crate::domain::NewsItem;
use crate::sanitize;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use prep::Doc;

const TITLE_MAX: usize = 300;
const SOURCE_MAX: usize = 100;
const ID_MAX: usize = 1000;
/// At most this many items are taken from one document (feeds list newest first; real ones
/// carry 10-100), so a hostile feed cannot flood the history, tagging and the store.
pub const ITEMS_MAX: usize = 1000;
/// Longest link kept, in bytes as received.
pub const LINK_MAX: usize = 4096;
/// At most this many extra parses when salvaging items from a broken document.
const SALVAGE_TRIES: usize = 8;

/// Why a document gave no feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("empty document")]
    Empty,
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
}

impl FeedError {
    /// An empty document or one that is no feed will not change by asking again soon; a
    /// malformed one could not be read.
    pub fn into_source_error(self) -> crate::domain::SourceError {
        use crate::domain::SourceError;
        match self {
            FeedError::Empty | FeedError::NotAFeed(_) => SourceError::permanent(self.to_string()),
            FeedError::Malformed(_) => SourceError::parse(self.to_string()),
        }
    }
}

/// Parse RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into untagged, sanitized items.
/// `source_name` names items without a publisher; `content_type` may carry a `charset=`.
pub fn parse_feed(
    bytes: &[u8],
    source_name: &str,
    content_type: Option<&str>,
) -> Result<Vec<NewsItem>, FeedError> {
    // The XML stack below (feed-rs, quick-xml) has asserted on hostile input; a bad feed must be
    // an error for its source, never a crash of the caller.
    crate::panics::contain(|| parse_feed_inner(bytes, source_name, content_type)).unwrap_or_else(|msg| {
        tracing::warn!("feed parser panicked on {source_name}: {msg}");
        Err(FeedError::Malformed("the XML parser failed on this document".into()))
    })
}

/// [`parse_feed`] of a body the caller hands over: valid UTF-8 is used in place (no copy), and
/// the raw text is freed as soon as the repaired one exists, so a 4 MB feed is never held twice
/// while the parser runs.
pub fn parse_feed_owned(
    bytes: Vec<u8>,
    source_name: &str,
    content_type: Option<&str>,
) -> Result<Vec<NewsItem>, FeedError> {
    crate::panics::contain(move || {
        let text = match String::from_utf8(bytes) {
            Ok(text) if prep::utf8_is_meant(text.as_bytes(), content_type) => text,
            Ok(text) => prep::to_utf8(text.as_bytes(), content_type),
            Err(e) => prep::to_utf8(e.as_bytes(), content_type),
        };
        parse_text(text, source_name)
    })
    .unwrap_or_else(|msg| {
        tracing::warn!("feed parser panicked on {source_name}: {msg}");
        Err(FeedError::Malformed("the XML parser failed on this document".into()))
    })
}

fn parse_feed_inner(
    bytes: &[u8],
    source_name: &str,
    content_type: Option<&str>,
) -> Result<Vec<NewsItem>, FeedError> {
    parse_text(prep::to_utf8(bytes, content_type), source_name)
}

fn parse_text(raw: String, source_name: &str) -> Result<Vec<NewsItem>, FeedError> {
    let (text, root) = match prep::document_kind(&raw) {
        Doc::Empty => return Err(FeedError::Empty),
        Doc::Junk => return Err(FeedError::NotAFeed("neither XML nor JSON".into())),
        Doc::Json => (raw, None),
        Doc::Xml(root) => {
            let name = prep::element_name(&raw[root..]).to_string();
            (prep::repair_xml(raw), Some(name))
        }
    };
    let (feed, parsed) = match parse(&text) {
        Ok(feed) => (feed, text.len()),
        // `<rss>` / `<rdf:RDF>` without a channel: a feed with nothing in it.
        Err(ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot))
            if root.as_deref().is_some_and(|r| r == "rss" || r.ends_with(":RDF") || r == "RDF") =>
        {
            return Ok(Vec::new());
        }
        Err(err @ ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)) => {
            return Err(to_error(err, root.as_deref()));
        }
        Err(err) => match root.is_some().then(|| salvage(&text)).flatten() {
            Some(found) => found,
            None => return Err(to_error(err, root.as_deref())),
        },
    };
    let item_sources = prep::rss_item_sources(&text[..parsed]);
    let aligned = item_sources.len() == feed.entries.len();
    let feed_title = feed.title.as_ref().map(|t| sanitize::clean_capped(&t.content, SOURCE_MAX));
    let fallback = feed_title
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| sanitize::clean_capped(source_name, SOURCE_MAX));
    let mut items = Vec::with_capacity(feed.entries.len().min(ITEMS_MAX));
    let mut budget = html::Budget::default();
    for (idx, entry) in feed.entries.into_iter().enumerate().take(ITEMS_MAX) {
        let title = entry.title.as_ref().map(|t| sanitize::clean_capped(&t.content, TITLE_MAX));
        let Some(title) = title.filter(|t| !t.is_empty()) else {
            continue;
        };
        let link = pick_link(&entry.links);
        let publisher = aligned.then(|| item_sources[idx].clone()).flatten();
        let source = publisher
            .or_else(|| entry.source.as_deref().map(|s| sanitize::clean_capped(s, SOURCE_MAX)))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| fallback.clone());
        // The source column shows the publisher, so the title need not repeat it.
        let title = strip_publisher(&title, &source).to_string();
        let guid = sanitize::clean_capped(&entry.id, ID_MAX);
        let id = if !guid.is_empty() {
            guid
        } else if !link.is_empty() {
            link.clone()
        } else {
            normalize_title(&title, &source)
        };
        let published = entry.published.or(entry.updated);
        // What the feed says about it: the reader's text, from the full text where there is one,
        // and the summary line (shown and searched): the text's start, or while the document's
        // budget for texts is spent, the summary's tags stripped. A text the repair pass cut
        // whole is `…`.
        let said = |t: &str| t.trim() != "…";
        let described = entry.summary.as_ref().map(|t| t.content.as_str()).filter(|t| said(t));
        let full = entry.content.as_ref().and_then(|c| c.body.as_deref()).filter(|t| said(t));
        let text = full.or(described).and_then(|t| html::to_text(t, &mut budget));
        let summary = match &text {
            Some(text) => sanitize::clean_block(&one_line(text), SUMMARY_MAX),
            None => described.or(full).map(|t| sanitize::clean_capped(t, SUMMARY_MAX)).unwrap_or_default(),
        };
        // Kept where it says more than the summary line: more of it, or in lines.
        let body = text.filter(|t| t.contains('\n') || t.chars().count() > SUMMARY_MAX).unwrap_or_default();
        let mut item = NewsItem {
            id,
            title,
            link,
            source,
            text: None,
            published,
            tickers: Vec::new(),
            catalysts: Vec::new(),
            risks: Vec::new(),
        };
        item.set_text(summary, body);
        items.push(item);
    }
    Ok(items)
}

pub use crate::core::history::{normalize_title, strip_publisher};

/// The reader's text as one line: its lines joined, quote marks dropped.
fn one_line(text: &str) -> String {
    let lines = text.lines().map(|l| l.trim_start_matches(['>', ' '])).filter(|l| !l.is_empty());
    lines.collect::<Vec<_>>().join(" ")
}
use crate::domain::SUMMARY_MAX;

fn parse(text: &str) -> Result<feed_rs::model::Feed, ParseFeedError> {
    // An empty generated id tells us the document had none, so we can fall back to link/title.
    feed_rs::parser::Builder::new().id_generator(|_, _, _| String::new()).build().parse(text.as_bytes())
}

/// Re-parse a broken document cut after its last parsable item: the last `</item>`/`</entry>`
/// before the first XML error (one streaming pass finds it), then the last one of all
/// (truncated downloads), then a bounded binary search for an earlier cut.
/// Returns the feed and the length of the text it came from.
fn salvage(text: &str) -> Option<(feed_rs::model::Feed, usize)> {
    let mut cuts = prep::salvage_candidates(text);
    let attempt = |cut: usize| {
        let closed = prep::close_at(text, cut)?;
        parse(&closed).ok().filter(|f| !f.entries.is_empty()).map(|f| (f, cut))
    };
    if let Some(error_at) = prep::first_error(text) {
        cuts.retain(|&cut| cut <= error_at);
    }
    let last = *cuts.last()?;
    if let Some(found) = attempt(last) {
        return Some(found);
    }
    let (mut lo, mut hi, mut best) = (0, cuts.len() - 1, None);
    for _ in 0..SALVAGE_TRIES {
        if lo >= hi {
            break;
        }
        let mid = (lo + hi) / 2;
        match attempt(cuts[mid]) {
            Some(found) => {
                best = Some(found);
                lo = mid + 1;
            }
            None => hi = mid,
        }
    }
    best
}

/// A readable error; parser messages can quote the document, so they are cleaned and capped.
fn to_error(err: ParseFeedError, root: Option<&str>) -> FeedError {
    let safe = |text: String| sanitize::clean_capped(&text, 200);
    match err {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => match root {
            Some(name) => FeedError::NotAFeed(safe(format!("root element <{name}> is not RSS, Atom or RDF"))),
            None => FeedError::NotAFeed("JSON without a JSON Feed version".into()),
        },
        ParseFeedError::JsonUnsupportedVersion(v) => {
            FeedError::NotAFeed(safe(format!("unsupported JSON Feed version {v}")))
        }
        ParseFeedError::JsonSerde(e) => FeedError::Malformed(safe(format!("invalid JSON Feed: {e}"))),
        ParseFeedError::XmlReader(e) => FeedError::Malformed(safe(format!("invalid XML: {e}"))),
        other => FeedError::Malformed(safe(other.to_string())),
    }
}

/// First http(s) link, preferring alternate (or rel-less) links. A link longer than [`LINK_MAX`]
/// is dropped (no browser or server takes it, and it would be kept in the read marks).
fn pick_link(links: &[feed_rs::model::Link]) -> String {
    let alternate = |l: &&feed_rs::model::Link| l.rel.as_deref().is_none_or(|r| r == "alternate");
    links
        .iter()
        .filter(alternate)
        .chain(links.iter().filter(|l| !alternate(l)))
        .filter(|l| l.href.len() <= LINK_MAX)
        .map(|l| sanitize::clean_url(&l.href))
        .find(|u| is_http(u))
        .unwrap_or_default()
}

fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("http://") && url.len() > 7) || (lower.starts_with("https://") && url.len() > 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn rss_items(items: &str) -> Vec<NewsItem> {
        let doc = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
             <channel><title>Wire</title>{items}</channel></rss>"
        );
        parse_feed(doc.as_bytes(), "wire", None).unwrap()
    }

    /// The reader's text comes from the full text where there is one (a teaser in the
    /// description), in lines; the summary line is its start. A one-paragraph summary that the
    /// summary line holds whole keeps no text apart.
    #[test]
    fn the_readers_text_is_the_full_text_in_lines_and_the_summary_its_start() {
        let items = rss_items(
            "<item><title>Luxnet ships</title><guid>a</guid><description>Teaser &amp;amp; more</description>\
             <content:encoded><![CDATA[<p>Luxnet has begun <b>volume</b> shipments.</p>\
             <blockquote><p>We are sold out.</p></blockquote><ul><li>70 mW</li><li>100 mW</li></ul>\
             <script>track()</script>]]></content:encoded></item>\
             <item><title>Short</title><guid>b</guid><description>&lt;p&gt;Only a line &amp;amp; no more.&lt;/p&gt;</description></item>\
             <item><title>Bare</title><guid>c</guid></item>",
        );
        assert_eq!(
            items[0].body(),
            "Luxnet has begun volume shipments.\n\n> We are sold out.\n* 70 mW\n* 100 mW"
        );
        assert_eq!(
            items[0].summary(),
            "Luxnet has begun volume shipments. We are sold out. * 70 mW * 100 mW"
        );
        assert_eq!((items[1].summary(), items[1].body()), ("Only a line & no more.", ""));
        assert_eq!((items[2].summary(), items[2].body(), items[2].text.is_none()), ("", "", true));
    }

    /// Past the document's budget for texts, items still get a summary line (tags stripped) but
    /// no text: a feed of a thousand articles costs what a few hundred do.
    #[test]
    fn past_the_documents_budget_items_keep_a_summary_line_only() {
        let article = format!("<p>{}</p><p>second paragraph</p>", "word ".repeat(3_000));
        let items: String = (0..100)
            .map(|i| format!("<item><title>Story {i}</title><guid>g{i}</guid><description><![CDATA[{article}]]></description></item>"))
            .collect();
        let items = rss_items(&items);
        assert_eq!(items.len(), 100);
        let with_text = items.iter().take_while(|i| !i.body().is_empty()).count();
        assert!((20..=40).contains(&with_text), "{with_text}");
        assert!(
            items[with_text..].iter().all(|i| i.body().is_empty() && i.summary().starts_with("word word"))
        );
        assert!(items.iter().all(|i| i.summary().chars().count() <= SUMMARY_MAX));
    }

    macro_rules! fixture {
        ($path:literal) => {
            ($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $path)).as_slice())
        };
    }

    enum Expect {
        /// At least this many items, one of them titled exactly so.
        Items(usize, &'static str),
        /// A valid document with no titled items.
        NoItems,
        /// An error whose message contains this.
        Fails(&'static str),
    }

    fn fixtures() -> Vec<((&'static str, &'static [u8]), Expect)> {
        use Expect::*;
        vec![
            (fixture!("encodings/feedparser-big5.xml"), NoItems),
            (fixture!("encodings/feedparser-gb2312.xml"), Items(1, "不归移民漫画系列：专业工作")),
            (fixture!("encodings/feedparser-shiftjis.xml"), Items(1, "DrecomRSSに記事投稿が反映されない…")),
            (fixture!("encodings/feedparser-utf-16le-bom.xml"), NoItems),
            (fixture!("malformed/feedparser-bozo_linenoise.xml"), NoItems),
            (fixture!("malformed/feedparser-double-encoded-html.xml"), NoItems),
            (fixture!("malformed/feedparser-rss_empty_document.xml"), Fails("empty document")),
            (fixture!("malformed/feedparser-rss_incomplete_cdata.xml"), Fails("malformed feed: invalid XML")),
            (fixture!("malformed/feedparser-rss_item_link_corrupted_ampersands.xml"), NoItems),
            (fixture!("malformed/feedrs-rss_2.0_invalid_1.xml"), Fails("malformed feed: invalid XML")),
            (
                fixture!("real-world/feedrs-atom_mediarss_youtube_1.xml"),
                Items(1, "Navigating with Quantum Entanglement"),
            ),
            (
                fixture!("real-world/feedrs-rss_0.91_encoding_1.xml"),
                Items(1, "bash - Expansão de Parâmetros"),
            ),
            (fixture!("real-world/feedrs-rss_1.0_example_1.xml"), Items(2, "記事1のタイトル")),
            (fixture!("real-world/feedrs-rss_2.0_bbc.xml"), Items(1, "Marcus Aurelius")),
            (
                fixture!("real-world/feedrs-rss_2.0_ilmessaggero.xml"),
                Items(
                    1,
                    "Missili Polonia, cosa è successo? Tensione Nato-Russia, Mosca: non siamo stati noi",
                ),
            ),
            (
                fixture!("real-world/feedrs-rss_2.0_nbcny.xml"),
                Items(
                    1,
                    "NYC cops search for stabbing suspect after leaving 18-year-old to bleed out on sidewalk",
                ),
            ),
            (fixture!("real-world/feedrs-rss_2.0_reddit.xml"), Items(1, "Announcing FeedMail")),
            (
                fixture!("real-world/feedrs-rss_2.0_spiegel.xml"),
                Items(
                    1,
                    "07.02. – die Wochenvorschau: Lockdown-Verlängerung, Kriegsverbrecher vor Gericht, Super Bowl, Karneval",
                ),
            ),
            (fixture!("real-world/rsparser-4fsodonline.atom"), Items(25, "Special Feature: Jamie's Present")),
            (
                fixture!("real-world/rsparser-DaringFireball.rss"),
                Items(40, "Donald Trump Vows to ‘Open Up’ Libel Laws"),
            ),
            (
                fixture!("real-world/rsparser-aktuality.rss"),
                Items(30, "Analytici Goldman Sachs zvýšili odhad rastu ekonomiky USA"),
            ),
            (
                fixture!("real-world/rsparser-bio.rdf"),
                Items(
                    30,
                    "Natural variation in the Arabidopsis AGO2 gene is associated with susceptibility to potato virus X",
                ),
            ),
            (
                fixture!("real-world/rsparser-cloudblog.rss"),
                Items(20, "Beyond the Map: A Q&A with engineering director Andrew Lookingbill"),
            ),
            (
                fixture!("real-world/rsparser-dcrainmaker.xml"),
                Items(8, "The Power Meters Buyer’s Guide–2017 Edition"),
            ),
            (
                fixture!("real-world/rsparser-inessential.json"),
                Items(20, "“App: The Human Story” Screening in San Jose"),
            ),
            (fixture!("real-world/rsparser-kc0011.rss"), Items(20, "建国35周年纪念，华表，和平鸽")),
            (
                fixture!("real-world/rsparser-livemint.xml"),
                Items(25, "Singapore dethrones US as world's most competitive economy"),
            ),
            (
                fixture!("real-world/rsparser-macworld.rss"),
                Items(
                    30,
                    "Face ID on the iPhone X: Security firm fools Face ID with mask, but it's not as easy as it sounds",
                ),
            ),
            (
                fixture!("real-world/rsparser-scriptingNews.rss"),
                Items(10, "Subscribable feed lists give power to users"),
            ),
        ]
    }

    /// A title a person can read: no controls, no invisible spoofing, no entities, no mojibake.
    fn assert_readable(context: &str, text: &str) {
        assert!(!text.is_empty(), "{context}: empty");
        assert_eq!(text, text.trim(), "{context}: untrimmed {text:?}");
        for c in text.chars() {
            assert!(!c.is_control(), "{context}: control {:?} in {text:?}", c);
            assert!(
                !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
            );
            assert!(c != '\u{FFFD}', "{context}: replacement char in {text:?}");
        }
        for raw in ["&amp;", "&lt;", "&gt;", "&quot;", "&#", "&nbsp;", "<![CDATA[", "<b>", "</"] {
            assert!(!text.contains(raw), "{context}: raw {raw:?} in {text:?}");
        }
        for mojibake in ["Ã©", "Ã¨", "Ã¼", "Ã¶", "â€", "Â ", "ï»¿"] {
            assert!(!text.contains(mojibake), "{context}: mojibake {mojibake:?} in {text:?}");
        }
        assert!(!text.contains("  "), "{context}: whitespace run in {text:?}");
    }

    #[test]
    fn every_fixture_file_is_covered() {
        let listed: Vec<&str> = fixtures().iter().map(|((path, _), _)| *path).collect();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        for dir in ["real-world", "malformed", "encodings"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("fixture dir") {
                let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
                let rel = format!("{dir}/{name}");
                assert!(listed.contains(&rel.as_str()), "fixture {rel} has no expectation");
            }
        }
    }

    #[test]
    fn fixtures_parse_as_expected_with_readable_items() {
        for ((path, bytes), expect) in fixtures() {
            let result = parse_feed(bytes, "Configured", None);
            match (expect, result) {
                (Expect::Items(min, title), Ok(items)) => {
                    assert!(items.len() >= min, "{path}: {} items", items.len());
                    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
                    assert!(titles.contains(&title), "{path}: {title:?} not in {titles:#?}");
                    for item in &items {
                        assert_readable(path, &item.title);
                        assert_readable(path, &item.source);
                        assert!(!item.id.is_empty(), "{path}: empty id");
                        assert!(
                            item.link.is_empty() || item.link.starts_with("http"),
                            "{path}: {}",
                            item.link
                        );
                        assert!(item.title.chars().count() <= TITLE_MAX);
                        assert!(
                            item.tickers.is_empty() && item.catalysts.is_empty() && item.risks.is_empty()
                        );
                    }
                }
                (Expect::NoItems, Ok(items)) => assert!(items.is_empty(), "{path}: {items:?}"),
                (Expect::Fails(msg), Err(e)) => assert!(e.to_string().contains(msg), "{path}: {e}"),
                (_, Ok(items)) => panic!("{path}: unexpected {} items", items.len()),
                (_, Err(e)) => panic!("{path}: unexpected error {e}"),
            }
        }
    }

    #[test]
    fn fixture_details_survive() {
        let kc = parse_feed(fixture!("real-world/rsparser-kc0011.rss").1, "kc", None).expect("kc0011");
        assert_eq!(kc[0].source, "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文");
        assert_eq!(kc[0].link, "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1");
        let yt =
            parse_feed(fixture!("real-world/feedrs-atom_mediarss_youtube_1.xml").1, "yt", None).expect("yt");
        assert_eq!(yt[0].id, "yt:video:0A1ouV7iD8o");
        assert_eq!(yt[0].link, "https://www.youtube.com/watch?v=0A1ouV7iD8o");
        assert_eq!(yt[0].source, "PBS Space Time");
        assert_eq!(yt[0].published, Some(Utc.with_ymd_and_hms(2020, 12, 22, 19, 15, 1).unwrap()));
        let dicas =
            parse_feed(fixture!("real-world/feedrs-rss_0.91_encoding_1.xml").1, "d", None).expect("0.91");
        assert_eq!(dicas[0].source, "Dicas-L: Dicas técnicas de Linux e Software Livre");
        // RSS 1.0 item links that are not http(s) are dropped; the title stands in as id.
        let rdf = parse_feed(fixture!("real-world/feedrs-rss_1.0_example_1.xml").1, "r", None).expect("rdf");
        assert_eq!((rdf[0].link.as_str(), rdf[0].id.as_str()), ("", "記事1のタイトル"));
    }

    #[test]
    fn fixtures_never_panic_when_truncated_or_corrupted() {
        for ((path, bytes), _) in fixtures() {
            let step = (bytes.len() / 20).max(1);
            for cut in (0..bytes.len()).step_by(step) {
                let _ = parse_feed(&bytes[..cut], path, None);
                let mut flipped = bytes.to_vec();
                flipped[cut] ^= 0xA5;
                let _ = parse_feed(&flipped, path, Some("text/xml; charset=bogus"));
            }
        }
    }

    fn rss(items: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Chan</title>{items}</channel></rss>"#
        )
    }

    fn titles(items: &[NewsItem]) -> Vec<&str> {
        items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn truncated_download_keeps_complete_items() {
        let doc = rss("<item><title>One</title></item><item><title>Two</title></item><item><title>Thr");
        let cut = &doc[..doc.find("Thr").expect("marker") + 3];
        let items = parse_feed(cut.as_bytes(), "s", None).expect("salvaged");
        assert_eq!(titles(&items), ["One", "Two"]);
    }

    #[test]
    fn broken_middle_keeps_items_before_it() {
        let doc = rss(
            "<item><title>A</title></item><item><title>B</title></item><item><title>C</bad></item><item><title>D</title></item>",
        );
        let items = parse_feed(doc.as_bytes(), "s", None).expect("salvaged");
        assert_eq!(titles(&items), ["A", "B"]);
    }

    #[test]
    fn unrecoverable_documents_give_clear_errors() {
        let err = |b: &[u8]| parse_feed(b, "s", None).expect_err("should fail").to_string();
        assert_eq!(err(b""), "empty document");
        assert_eq!(err(b"  \n <!-- nothing --> "), "empty document");
        assert_eq!(err(b"hello world"), "not a feed: neither XML nor JSON");
        assert_eq!(
            err(b"<!DOCTYPE html><html><body>Login</body></html>"),
            "not a feed: root element <html> is not RSS, Atom or RDF"
        );
        assert!(err(br#"{"error": "rate limited"}"#).starts_with("malformed feed: invalid JSON Feed"));
        assert!(
            err(b"<rss version=\"2.0\"><channel><title>x</title><item><title>y")
                .starts_with("malformed feed")
        );
        assert_eq!(err(&[0xff, 0xfe, 0x00, 0xd8, 0x00]), "not a feed: neither XML nor JSON");
        assert_eq!(
            err(b"<evil\x1b]0;x\x07></evil\x1b]0;x\x07>"),
            "not a feed: root element <evil> is not RSS, Atom or RDF"
        );
        assert_eq!(err(b"\xEF\xBB\xBF  \n"), "empty document");
    }

    #[test]
    fn rss_without_channel_is_an_empty_feed() {
        assert!(parse_feed(b"<rss></rss>", "s", None).expect("ok").is_empty());
        assert!(parse_feed(b"<rss version=\"2.0\"/>", "s", None).expect("ok").is_empty());
    }

    #[test]
    fn rss_without_or_with_unknown_version_parses() {
        for root in ["<rss>", "<rss version=\"0.94\">", "<rss xmlns:dc=\"x\" version='0.90' >"] {
            let doc = format!("{root}<channel><item><title>Hi</title></item></channel></rss>");
            let items = parse_feed(doc.as_bytes(), "s", None).unwrap_or_else(|e| panic!("{root}: {e}"));
            assert_eq!(titles(&items), ["Hi"], "{root}");
        }
    }

    #[test]
    fn entities_are_decoded_exactly_once() {
        let doc = rss(concat!(
            "<item><title>Don&amp;#39;t &amp;quot;panic&amp;quot; &amp;amp; AT&amp;T</title></item>",
            "<item><title><![CDATA[Q&amp;A: <b>bold</b> &#8217;s]]></title></item>",
            "<item><title>Caf&eacute; &nbsp;x&#8211;y &#x1F600;</title></item>",
            "<item><title>&lt;b&gt;Tagged&lt;/b&gt; &amp;lt;kept&amp;gt;</title></item>",
            "<item><title>Tom &amp;amp;amp; Jerry</title></item>",
        ));
        let items = parse_feed(doc.as_bytes(), "s", None).expect("parse");
        assert_eq!(
            titles(&items),
            ["Don't \"panic\" & AT&T", "Q&A: bold ’s", "Café x–y 😀", "Tagged <kept>", "Tom &amp; Jerry"]
        );
    }

    #[test]
    fn bare_ampersands_and_bad_references_do_not_break_the_feed() {
        let doc = rss(
            "<item><title>AT&T & Verizon &#0; &#xD800; 5 < 6</title><link>http://x.test/?a=1&b=2</link></item>",
        );
        let items = parse_feed(doc.as_bytes(), "s", None).expect("parse");
        assert_eq!(titles(&items), ["AT&T & Verizon 5 < 6"]);
        assert_eq!(items[0].link, "http://x.test/?a=1&b=2");
    }

    #[test]
    fn escapes_and_controls_in_titles_are_removed() {
        let doc = rss("<item><title>&#27;[31mRed&#27;[0m \u{1b}]0;x\u{7}Alert\u{202e} &#x9b;</title></item>");
        let items = parse_feed(doc.as_bytes(), "s", None).expect("parse");
        // XML turns &#x9b; into a raw 8-bit CSI, which goes like any other C1 control.
        assert_eq!(titles(&items), ["Red Alert"]);
    }

    #[test]
    fn titles_are_capped() {
        let doc = rss(&format!("<item><title>{}</title></item>", "word ".repeat(200)));
        let items = parse_feed(doc.as_bytes(), "s", None).expect("parse");
        assert_eq!(items[0].title.chars().count(), TITLE_MAX);
        assert!(items[0].title.ends_with('…'));
    }

    #[test]
    fn untitled_items_are_dropped() {
        let doc = rss(
            "<item><link>http://a.test/</link></item><item><title> &#8203; </title></item><item><title>Kept</title></item>",
        );
        assert_eq!(titles(&parse_feed(doc.as_bytes(), "s", None).expect("parse")), ["Kept"]);
    }

    #[test]
    fn corrupted_ampersand_fixture_link_decodes_when_titled() {
        let raw = String::from_utf8(
            fixture!("malformed/feedparser-rss_item_link_corrupted_ampersands.xml").1.to_vec(),
        )
        .expect("utf8");
        let titled = raw.replace("<item>", "<item><title>T</title>");
        let items = parse_feed(titled.as_bytes(), "s", None).expect("salvaged");
        assert_eq!(items[0].link, "http://link/get?a=1&b=2");
    }

    #[test]
    fn links_prefer_alternate_http_and_reject_other_schemes() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
            <entry><id>1</id><title>a</title><link rel="enclosure" href="http://cdn.test/x.mp3"/><link rel="alternate" href="https://site.test/a"/></entry>
            <entry><id>2</id><title>b</title><link href="javascript:alert(1)"/></entry>
            <entry><id>3</id><title>c</title><link href="/relative"/><link rel="related" href=" HTTPS://ok.test/c "/></entry>
            <entry><id>4</id><title>d</title><link href="https://site.test/&#x1b;[31md"/></entry>
        </feed>"#;
        let items = parse_feed(atom.as_bytes(), "s", None).expect("parse");
        let links: Vec<&str> = items.iter().map(|i| i.link.as_str()).collect();
        // feed-rs normalizes URLs: scheme lowercased, control characters percent-encoded.
        assert_eq!(links, ["https://site.test/a", "", "https://ok.test/c", "https://site.test/%1B[31md"]);
    }

    #[test]
    fn ids_fall_back_to_link_then_normalized_title_and_are_stable() {
        let doc = rss(concat!(
            "<item><guid>g-1</guid><title>With guid</title><link>http://a.test/1</link></item>",
            "<item><title>No guid</title><link>http://a.test/2</link></item>",
            "<item><guid> </guid><title>Nothing, At ALL!</title></item>",
        ));
        let first = parse_feed(doc.as_bytes(), "s", None).expect("parse");
        let ids: Vec<&str> = first.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["g-1", "http://a.test/2", "nothing at all"]);
        assert_eq!(first, parse_feed(doc.as_bytes(), "s", None).expect("again"));
    }

    #[test]
    fn source_comes_from_item_then_feed_title_then_config() {
        let google = rss(concat!(
            r#"<item><title>Lumentum soars - Reuters</title><source url="https://reuters.com">Reuters</source></item>"#,
            r#"<item><title>Other</title><source url="x"><![CDATA[Barron&apos;s]]></source></item>"#,
            r#"<item><title>Third</title><source url="x">Dow &amp;amp; Co</source></item>"#,
            "<item><title>Plain</title></item>",
        ));
        let items = parse_feed(google.as_bytes(), "cfg", None).expect("parse");
        let sources: Vec<&str> = items.iter().map(|i| i.source.as_str()).collect();
        assert_eq!(sources, ["Reuters", "Barron's", "Dow & Co", "Chan"]);
        let untitled = "<rss version=\"2.0\"><channel><item><title>x</title></item></channel></rss>";
        assert_eq!(parse_feed(untitled.as_bytes(), "My feed", None).expect("parse")[0].source, "My feed");
    }

    #[test]
    fn published_falls_back_to_updated() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
            <entry><id>1</id><title>a</title><updated>2024-05-01T10:00:00Z</updated></entry>
            <entry><id>2</id><title>b</title><published>2024-04-01T10:00:00Z</published><updated>2024-05-01T10:00:00Z</updated></entry>
        </feed>"#;
        let items = parse_feed(atom.as_bytes(), "s", None).expect("parse");
        assert_eq!(items[0].published, Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()));
        assert_eq!(items[1].published, Some(Utc.with_ymd_and_hms(2024, 4, 1, 10, 0, 0).unwrap()));
    }

    #[test]
    fn json_feed_parses() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"7","title":"Json &amp; more","url":"https://j.test/7","date_published":"2024-01-02T03:04:05Z"}]}"#;
        let items = parse_feed(json.as_bytes(), "s", None).expect("parse");
        assert_eq!(
            (items[0].id.as_str(), items[0].title.as_str(), items[0].link.as_str()),
            ("7", "Json & more", "https://j.test/7")
        );
        assert_eq!(items[0].source, "J");
    }

    fn encoded(enc: &'static encoding_rs::Encoding, declared: Option<&str>, title: &str) -> Vec<u8> {
        let decl = declared.map(|d| format!("<?xml version=\"1.0\" encoding=\"{d}\"?>")).unwrap_or_default();
        let doc = format!(
            "{decl}<rss version=\"2.0\"><channel><title>C</title><item><title>{title}</title></item></channel></rss>"
        );
        let (bytes, _, unmappable) = enc.encode(&doc);
        assert!(!unmappable, "{title} not representable in {}", enc.name());
        bytes.into_owned()
    }

    fn first_title(bytes: &[u8], content_type: Option<&str>) -> String {
        parse_feed(bytes, "s", content_type).expect("parse").remove(0).title
    }

    #[test]
    fn declared_legacy_encodings_are_transcoded() {
        use encoding_rs::*;
        let cases: [(&'static Encoding, &str, &str); 8] = [
            (BIG5, "big5", "光通訊模組需求強勁"),
            (GBK, "GB2312", "光模块需求强劲"),
            (GB18030, "GB18030", "光模块需求强劲"),
            (SHIFT_JIS, "Shift_JIS", "光トランシーバーの需要"),
            (EUC_JP, "EUC-JP", "光トランシーバーの需要"),
            (KOI8_R, "KOI8-R", "Оптические модули"),
            (WINDOWS_1252, "ISO-8859-1", "Société Générale – naïve"),
            (EUC_KR, "euc-kr", "광모듈 수요"),
        ];
        for (enc, label, title) in cases {
            assert_eq!(first_title(&encoded(enc, Some(label), title), None), title, "{label}");
        }
    }

    #[test]
    fn boms_and_utf16_are_honoured() {
        let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><item><title>Ünïcödé 光</title></item></channel></rss>";
        let le: Vec<u8> = doc.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = doc.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for (name, body) in [
            ("le-bom", [vec![0xFF, 0xFE], le.clone()].concat()),
            ("be-bom", [vec![0xFE, 0xFF], be.clone()].concat()),
            ("le", le),
            ("be", be),
            ("utf8-bom", [b"\xEF\xBB\xBF".to_vec(), doc.replace("utf-16", "utf-8").into_bytes()].concat()),
        ] {
            assert_eq!(first_title(&body, None), "Ünïcödé 光", "{name}");
        }
    }

    #[test]
    fn utf16_fixture_with_an_item_added_reads() {
        let raw = fixture!("encodings/feedparser-utf-16le-bom.xml").1;
        let (text, _, _) = encoding_rs::UTF_16LE.decode(raw);
        let doc = text.replace("<rss>", "<rss><channel><item><title>Grüße 日本</title></item></channel>");
        let body: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain(doc.encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        assert_eq!(first_title(&body, None), "Grüße 日本");
    }

    #[test]
    fn http_charset_applies_without_declaration() {
        let body = encoded(encoding_rs::WINDOWS_1252, None, "Café Crème");
        assert_eq!(first_title(&body, Some("application/rss+xml; charset=\"ISO-8859-1\"")), "Café Crème");
        let body = encoded(encoding_rs::KOI8_R, None, "Привет");
        assert_eq!(first_title(&body, Some("text/xml;charset=koi8-r")), "Привет");
    }

    #[test]
    fn declaration_wins_over_http_charset() {
        let body = encoded(encoding_rs::SHIFT_JIS, Some("Shift_JIS"), "日本語");
        assert_eq!(first_title(&body, Some("text/xml; charset=iso-8859-1")), "日本語");
    }

    #[test]
    fn mislabelled_utf8_stays_utf8() {
        let body = encoded(encoding_rs::UTF_8, Some("ISO-8859-1"), "Société – 光");
        assert_eq!(first_title(&body, None), "Société – 光");
        let body = encoded(encoding_rs::UTF_8, None, "Société");
        assert_eq!(first_title(&body, Some("text/xml; charset=windows-1252")), "Société");
    }

    #[test]
    fn undeclared_legacy_bytes_are_detected() {
        let gb = encoded(encoding_rs::GBK, None, "光模块需求强劲，中际旭创股价创新高");
        assert_eq!(first_title(&gb, None), "光模块需求强劲，中际旭创股价创新高");
        let latin = encoded(encoding_rs::WINDOWS_1252, None, "Les équipementiers télécom accélèrent");
        assert_eq!(first_title(&latin, None), "Les équipementiers télécom accélèrent");
    }

    #[test]
    fn utf8_cut_inside_a_character_stays_utf8() {
        let mut body = rss("<item><title>Société Générale</title></item><item><title>光模块").into_bytes();
        body.truncate(body.len() - 1);
        assert_eq!(first_title(&body, None), "Société Générale");
    }
}
