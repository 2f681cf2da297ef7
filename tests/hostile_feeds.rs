//! Hostile feed documents at the 5 MiB download cap: every construct that a naive cleaner or
//! repair step handles in quadratic time (unterminated comments, tag starts without `>`, entity
//! chains, nested CDATA, long entity runs, prolog declarations, a broken tail that forces a
//! salvage), in every field of an item. Each parse must finish: at the old quadratic cost one of
//! these took over 20 minutes, so a regression cannot pass CI. The timing figure (under 1 s in a
//! release build) is measured by `scripts/bench`, not here; the watchdog below only turns a hang
//! into a clear failure.

mod common;

use chokepoint::providers::feed;
use chokepoint::sanitize;
use common::pathological;
use std::sync::mpsc;
use std::time::Duration;

/// The HTTP body cap: the largest document a feed can hand the parser.
const CAP: usize = 5 * 1024 * 1024;

/// Generous for a debug build on a loaded 2-core machine; a quadratic step needs hours here.
const WATCHDOG: Duration = Duration::from_secs(120);

fn finishes<T: Send + 'static>(what: &str, job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(job());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(value) => value,
        Err(_) => panic!("{what}: still running after {WATCHDOG:?}: not linear in its input"),
    }
}

#[test]
fn five_mib_hostile_feeds_parse_and_stay_bounded() {
    let cases = pathological::cases(CAP - 4096);
    assert!(cases.len() >= 20);
    for (name, doc) in cases {
        assert!(doc.len() <= CAP + 512 * 1024, "{name}: {} bytes", doc.len());
        let items = finishes(name, move || feed::parse_feed(&doc, "hostile", None));
        let Ok(items) = items else { continue };
        assert!(items.len() <= feed::ITEMS_MAX, "{name}: {} items", items.len());
        for item in &items {
            assert!(
                item.title.chars().count() <= 300,
                "{name}: title of {} chars",
                item.title.chars().count()
            );
            assert!(
                item.source.chars().count() <= 100,
                "{name}: source of {} chars",
                item.source.chars().count()
            );
            assert!(item.link.len() <= feed::LINK_MAX, "{name}: link of {} bytes", item.link.len());
            assert!(item.id.chars().count() <= 1000, "{name}: id of {} chars", item.id.chars().count());
            assert!(!item.title.contains('\u{1b}'), "{name}: escape in title");
            assert!(
                item.summary().chars().count() <= 600,
                "{name}: summary of {}",
                item.summary().chars().count()
            );
            assert!(
                item.body().chars().count() <= chokepoint::domain::BODY_MAX,
                "{name}: reader text of {} chars",
                item.body().chars().count()
            );
            assert!(
                !item.summary().contains('\u{1b}') && !item.body().contains('\u{1b}'),
                "{name}: escape in text"
            );
        }
        // One-item cases carry a plain item after the hostile one; it must survive.
        if name != "prolog declarations" && name != "deep nesting" && name != "unterminated escapes" {
            assert!(!items.is_empty(), "{name}: no items");
        }
    }
}

#[test]
fn cleaning_five_mib_of_each_construct_finishes() {
    for unit in ["<!--", "<b x", "&lt;b x", "&amp;amp;", "<![CDATA[", "&#x41;&nbsp;", "<!--<b x&lt;i "] {
        let text = unit.repeat(CAP / unit.len());
        let cleaned = finishes(unit, move || sanitize::clean(&text));
        assert!(!cleaned.is_empty(), "{unit}");
        let text = unit.repeat(CAP / unit.len());
        let capped = finishes(unit, move || sanitize::clean_capped(&text, 300));
        assert!(capped.chars().count() <= 300, "{unit}");
    }
}

#[test]
fn unterminated_comments_and_tags_keep_their_text() {
    // The old cleaner found these correctly but slowly; the linear one must agree with it.
    assert_eq!(sanitize::clean("a <!-- b <!-- c --> d"), "a d");
    assert_eq!(sanitize::clean("<!-- x <!-- y"), "<!-- x <!-- y");
    assert_eq!(sanitize::clean("<b x<b>y</b>"), "<b xy");
    assert_eq!(sanitize::clean("<b x"), "<b x");
    assert_eq!(sanitize::clean("<blockquotex>q"), "<blockquotex>q");
    assert_eq!(sanitize::clean("<i class=\"a\">b</i> <p>c"), "b c");
}

#[test]
fn links_over_the_cap_are_dropped_and_the_item_kept() {
    let long = format!("https://example.com/{}", "a".repeat(feed::LINK_MAX));
    let doc = format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><title>Long link</title><link>{long}</link></item>\
         <item><title>Short link</title><link>https://example.com/s</link></item></channel></rss>"
    );
    let items = feed::parse_feed(doc.as_bytes(), "t", None).expect("parses");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].title, "Long link");
    assert_eq!(items[0].link, "");
    assert_eq!(items[1].link, "https://example.com/s");
}
