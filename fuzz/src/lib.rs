//! Checks shared by the fuzz targets: what "safe display text", "well-formed highlight ranges"
//! and "a usable quote" mean. Mirrors the helpers in `tests/props.rs`.

use chokepoint::domain::{Quote, TickerSpec};
use chrono::{DateTime, TimeZone, Utc};
use std::ops::Range;

/// A fixed clock for parsers that take `now`.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap()
}

pub fn spec() -> TickerSpec {
    TickerSpec {
        symbol: "AAOI".into(),
        provider_symbol: String::new(),
        name: "Applied Optoelectronics".into(),
        currency: "USD".into(),
        aliases: Vec::new(),
        stooq_symbol: String::new(),
    }
}

/// C0/C1 controls (ESC, DEL included), bidi controls and zero-width characters.
pub fn forbidden(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'
            | '\u{200C}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// What sanitize.rs keeps a U+200D between (its own predicate, shared).
pub fn emoji_like(c: char) -> bool {
    chokepoint::sanitize::is_emoji_like(c)
}

/// Panics unless `s` is safe display text (see [`forbidden`]; U+200D only between emoji).
pub fn assert_safe(what: &str, s: &str) {
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        assert!(!forbidden(c), "{what}: forbidden U+{:04X} at char {i} in {s:?}", c as u32);
        if c == '\u{200D}' {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            assert!(
                prev.is_some_and(emoji_like) && next.is_some_and(emoji_like),
                "{what}: U+200D not between emoji at char {i} in {s:?}"
            );
        }
    }
}

/// Panics unless `ranges` are sorted, non-overlapping, non-empty, in bounds, on char boundaries.
pub fn assert_ranges(text: &str, ranges: &[Range<usize>]) {
    let mut prev_end = 0;
    for (i, r) in ranges.iter().enumerate() {
        assert!(r.start < r.end, "empty range {r:?} in {ranges:?} for {text:?}");
        assert!(r.end <= text.len(), "range {r:?} out of bounds for {text:?}");
        assert!(
            text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
            "{r:?} splits a char of {text:?}"
        );
        assert!(i == 0 || prev_end <= r.start, "unsorted or overlapping {ranges:?} for {text:?}");
        prev_end = r.end;
    }
}

/// Panics unless the quote's price is finite and positive and its series holds no NaN.
pub fn assert_quote(q: &Quote) {
    assert!(q.price.is_finite() && q.price > 0.0, "price {} in {q:?}", q.price);
    assert!(q.series.iter().all(|p| p.is_finite()), "non-finite value in series {:?}", q.series);
    assert_safe("currency", &q.currency);
    assert_safe("exchange", &q.exchange);
}
