//! News filter: any query parses or errors; a parsed query matches and highlights without
//! panicking, and highlight ranges are well-formed. Input: `query` or `query\ntext`.
#![no_main]

use chokepoint::domain::NewsItem;
use chokepoint::filter;
use chokepoint_fuzz::{assert_ranges, now};
use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (query, text) = input.split_once('\n').unwrap_or((input, input));
    let Ok(q) = filter::parse(query) else {
        return;
    };
    let words: Vec<String> = text.split_whitespace().map(String::from).collect();
    let item = NewsItem {
        id: String::new(),
        title: text.to_string(),
        link: String::new(),
        source: query.to_string(),
        published: Some(now()),
        tickers: words.clone(),
        catalysts: words.clone(),
        risks: words,
    };
    for at in [DateTime::<Utc>::MIN_UTC, now(), DateTime::<Utc>::MAX_UTC] {
        let _ = q.matches(&item, at);
    }
    assert_ranges(text, &q.highlights(text));
    assert_ranges(query, &q.highlights(query));
    let _ = q.tickers();
});
