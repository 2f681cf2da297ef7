//! Feed parser: any bytes parse or error, and every item's text is safe to display.
//! Each input is parsed without a Content-Type and with one picked from its length.
#![no_main]

use chokepoint::providers::feed;
use chokepoint_fuzz::assert_safe;
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 5] = [
    "application/rss+xml; charset=utf-8",
    "text/xml; charset=iso-8859-1",
    "text/xml; charset=shift_jis",
    "text/xml; charset=utf-16",
    "application/feed+json",
];

fuzz_target!(|data: &[u8]| {
    let content_type = CONTENT_TYPES[data.len() % CONTENT_TYPES.len()];
    for ct in [None, Some(content_type)] {
        if let Ok(items) = feed::parse_feed(data, "src", ct) {
            for item in &items {
                assert_safe("title", &item.title);
                assert_safe("source", &item.source);
                assert_safe("link", &item.link);
                assert_safe("id", &item.id);
                assert!(!item.title.is_empty(), "empty title in {item:?}");
            }
        }
    }
});
