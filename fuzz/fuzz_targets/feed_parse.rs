//! Feed parser: any bytes parse or error, and every item's text is safe to display.
//! Each input is parsed without a Content-Type and with one picked from its length.
//!
//! `parse_feed` contains panics of the XML stack below it (feed-rs / quick-xml) and reports them
//! as a feed error, so only a panic that escapes `parse_feed` is a crash here. With
//! `CHOKEPOINT_FUZZ_STRICT=1` every panic aborts, contained or not, to hunt dependency bugs.
#![no_main]

use chokepoint::providers::feed;
use chokepoint_fuzz::assert_safe;
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

const CONTENT_TYPES: [&str; 5] = [
    "application/rss+xml; charset=utf-8",
    "text/xml; charset=iso-8859-1",
    "text/xml; charset=shift_jis",
    "text/xml; charset=utf-16",
    "application/feed+json",
];

thread_local! {
    /// The message of the last panic on this thread, printed if it escapes `parse_feed`.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replace libfuzzer-sys's abort-on-any-panic hook with one that only records the message.
fn tolerate_contained_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("CHOKEPOINT_FUZZ_STRICT").is_none() {
            panic::set_hook(Box::new(|info| {
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(info.to_string()));
            }));
        }
    });
}

fn check(data: &[u8]) {
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
}

fuzz_target!(|data: &[u8]| {
    tolerate_contained_panics();
    if panic::catch_unwind(AssertUnwindSafe(|| check(data))).is_err() {
        // The last panic on this thread is the one that got out.
        let message = LAST_PANIC.with(|last| last.borrow_mut().take()).unwrap_or_default();
        eprintln!("panic escaped parse_feed or a check failed: {message}");
        std::process::abort();
    }
});
