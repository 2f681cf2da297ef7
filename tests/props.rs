//! Property tests: the filter language, the sanitizer, the feed / chart / quote parsers and the
//! state loader never panic on hostile input and keep their documented invariants.
//!
//! Case counts are small so the file runs in a few seconds in debug; set `PROPTEST_CASES=N` for
//! a deeper run. Failures are not persisted (no `proptest-regressions/` dir is written).
//! The same entry points are fuzzed with cargo-fuzz in `fuzz/`.

use chokepoint::db::Db;
use chokepoint::domain::{CatalystRecord, NewsItem, Quote, RiskLevel, TickerSpec, ToggleEvent, UserState};
use chokepoint::filter;
use chokepoint::providers::{feed, nasdaq, yahoo};
use chokepoint::sanitize;
use chokepoint::store;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `cases` unless `PROPTEST_CASES` asks for another number; never persists failures.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------

/// Characters the sanitizer must never let through (ZWJ is handled by [`check_safe`]).
fn forbidden(c: char) -> bool {
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
fn emoji_like(c: char) -> bool {
    chokepoint::sanitize::is_emoji_like(c)
}

/// No control, escape, bidi or zero-width character; U+200D only between two emoji-like chars.
fn check_safe(what: &str, s: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        prop_assert!(!forbidden(c), "{what}: forbidden U+{:04X} at char {i} in {s:?}", c as u32);
        if c == '\u{200D}' {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            prop_assert!(
                prev.is_some_and(emoji_like) && next.is_some_and(emoji_like),
                "{what}: U+200D not between emoji at char {i} in {s:?}"
            );
        }
    }
    Ok(())
}

/// Sorted, non-overlapping, non-empty, in bounds, on char boundaries.
fn check_ranges(text: &str, ranges: &[Range<usize>]) -> Result<(), TestCaseError> {
    let mut prev_end = 0;
    for (i, r) in ranges.iter().enumerate() {
        prop_assert!(r.start < r.end, "empty or reversed range {r:?} in {ranges:?} for {text:?}");
        prop_assert!(r.end <= text.len(), "range {r:?} beyond {} bytes of {text:?}", text.len());
        prop_assert!(
            text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
            "range {r:?} not on char boundaries of {text:?}"
        );
        prop_assert!(i == 0 || prev_end <= r.start, "unsorted or overlapping {ranges:?} for {text:?}");
        prev_end = r.end;
    }
    Ok(())
}

/// A parsed quote holds usable numbers only.
fn check_quote(q: &Quote) -> Result<(), TestCaseError> {
    prop_assert!(q.price.is_finite() && q.price > 0.0, "price {} in {q:?}", q.price);
    prop_assert!(q.series.iter().all(|p| !p.is_nan()), "NaN in series {:?}", q.series);
    prop_assert!(q.series.iter().all(|p| p.is_finite()), "non-finite in series {:?}", q.series);
    check_safe("currency", &q.currency)?;
    check_safe("exchange", &q.exchange)?;
    Ok(())
}

/// Derived numbers (change, percentages, range) are finite when present.
fn check_quote_derived(q: &Quote) -> Result<(), TestCaseError> {
    for (name, v) in [
        ("previous_close", q.previous_close),
        ("change", q.change),
        ("change_pct", q.change_pct),
        ("day_high", q.day_high),
        ("day_low", q.day_low),
    ] {
        prop_assert!(
            v.is_none_or(f64::is_finite),
            "{name} = {v:?} (price {}, prev {:?})",
            q.price,
            q.previous_close
        );
    }
    Ok(())
}

fn spec() -> TickerSpec {
    TickerSpec {
        symbol: "AAOI".into(),
        provider_symbol: String::new(),
        name: "Applied Optoelectronics".into(),
        currency: "USD".into(),
        aliases: Vec::new(),
        ..TickerSpec::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Generated bytes, shown as (lossy) text so shrunk failures are readable.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match std::str::from_utf8(&self.0) {
            Ok(s) => write!(f, "b{s:?}"),
            Err(_) => write!(f, "{:?} (lossy: {:?})", self.0, String::from_utf8_lossy(&self.0)),
        }
    }
}

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes)
}

/// Characters that stress case folding, grapheme and byte-boundary logic.
#[rustfmt::skip]
const TRICKY: &[&str] = &[
    "İ", "ı", "ß", "ẞ", "ς", "Σ", "σ", "\u{212A}", "Å", "ǅ", "ﬀ", "ŉ", "ΐ", "光", "模块", "한", "😀",
    "👨\u{200D}👩", "\u{301}", "\u{307}", "\u{202E}", "\u{200D}", "\u{FEFF}", "\u{0}", "\u{1b}", "\u{9b}",
    "\u{a0}", "\u{3000}", "\u{2028}", "\u{10FFFF}", "\u{FFFD}",
];

fn tricky() -> impl Strategy<Value = String> {
    select(TRICKY).prop_map(String::from)
}

/// Any DateTime chrono can hold, with the extremes and the present weighted in.
fn datetime() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
    prop_oneof![
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        2 => (min..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        4 => (1_700_000_000i64..1_900_000_000, 0u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap()),
    ]
}

/// Dates a user of the app can produce (`Utc::now()`), with sub-second precision.
fn realistic_datetime() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_000_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

fn query_piece() -> impl Strategy<Value = String> {
    let ops = select(
        &[
            "-", "--", "\"", "/", "\\", "\\/", "$", "$1", "t:", "T:", "c:", "C:", "r:", "src:", "SRC:",
            "since:", "Since:", "-since:", "-\"", "-/", " ", "  ", "\t", "\n", "\u{3000}", "\u{a0}",
        ][..],
    );
    let regexish = select(
        &[
            "(",
            ")",
            "[",
            "]",
            "[^",
            "*",
            "+",
            "?",
            "{",
            "}",
            "{2,}",
            "{99999}",
            "|",
            "^",
            "$",
            ".",
            "\\b",
            "\\p{L}",
            "\\p{Greek}",
            "(?i)",
            "(?-u)",
            "\\x{1F600}",
            "\\u{0}",
            "\\",
            "\\Q",
            "(?P<n>",
            "\\1",
        ][..],
    );
    prop_oneof![
        3 => any::<String>(),
        3 => "[a-zA-Z]{1,6}",
        2 => ops.prop_map(String::from),
        1 => regexish.prop_map(String::from),
        1 => "[0-9]{0,25}[mhdwMHDWxs]?",
        1 => tricky(),
        1 => "\\PC{0,8}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(query_piece(), 0..12).prop_map(|v| v.concat())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => prop::collection::vec(prop_oneof![3 => "[a-zA-Z ]{0,8}", 1 => tricky()], 0..8).prop_map(|v| v.concat()),
        1 => Just(String::new()),
    ]
}

fn news_item() -> impl Strategy<Value = NewsItem> {
    let tag = prop_oneof![
        select(&["AAOI", "aaoi", "LITE", "SIVE", "cw-laser", "ı", "İ", "ß", ""][..]).prop_map(String::from),
        any::<String>(),
    ];
    let tags = prop::collection::vec(tag, 0..4);
    (text(), text(), prop::option::of(datetime()), tags.clone(), tags.clone(), tags).prop_map(
        |(title, source, published, tickers, catalysts, risks)| NewsItem {
            id: title.clone(),
            title,
            link: String::new(),
            source,
            text: None,
            published,
            tickers,
            catalysts,
            risks,
        },
    )
}

/// Escape sequences and their entity-encoded forms, as hostile feeds send them.
#[rustfmt::skip]
const INJECTIONS: &[&str] = &[
    "\x1b[31m", "\x1b[0m", "\x1b[1;31m", "\x1b[?25l", "\x1b[2J", "\x1b]0;title\x07", "\x1b]8;;http://evil\x1b\\",
    "\x1bPq#0\x1b\\", "\x1b_apc\x1b\\", "\x1b", "\x1b[", "\x1b]", "\x1b(B", "\x1bc", "\u{9b}31m", "\u{9b}",
    "\u{9d}0;t\u{9c}", "\u{90}dcs\u{9c}", "\u{9c}", "\u{85}", "&#27;[2J", "&#27;[31m", "&#x1b;[2J", "&#X1B;]0;t&#7;",
    "&#x1B;", "&#155;", "&#x9b;", "&#x9d;", "&#128;", "&#0;", "&#xD800;", "&#99999999999;", "&#8238;",
    "&#x202e;", "&#x2066;", "&#x200B;", "&#x200d;", "&#65279;", "&#13;", "&#10;", "&#9;", "&#127;", "&rlm;",
    "&lrm;", "&zwj;", "&zwnj;", "&ZeroWidthSpace;", "&NewLine;", "&Tab;", "&shy;", "&nbsp;", "&amp;",
    "&amp;amp;", "&amp;#27;", "&lt;", "&gt;", "&lt;b&gt;", "&", "&#", "&#x", ";", "<b>", "</b>", "<br/>", "<p>",
    "<a href=\"x\">", "</a>", "<!--", "-->", "<script>", "<", ">", "\r\n", "\t", "\u{202E}", "\u{2066}",
    "\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}",
    "\u{E0041}", "\u{E007F}", "😀", "👨", "🏴", "🏳\u{FE0F}", "\u{2190}", "\u{FE0F}", "e\u{301}",
    "😀\u{200D}😀", "\u{2190}\u{200D}\u{2190}", "👨\u{200D}👩\u{200D}👧",
];

fn hostile_piece() -> impl Strategy<Value = String> {
    let control = prop_oneof![0u32..0x20, 0x7fu32..0xa0].prop_map(|c| char::from_u32(c).unwrap().to_string());
    let entity = prop_oneof![
        (0u32..0x11_0000).prop_map(|c| format!("&#{c};")),
        (0u32..0x11_0000).prop_map(|c| format!("&#x{c:x};")),
    ];
    prop_oneof![
        3 => any::<String>(),
        3 => "[a-zA-Z0-9 ]{0,10}",
        4 => select(INJECTIONS).prop_map(String::from),
        1 => control,
        1 => entity,
        1 => tricky(),
    ]
}

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_piece(), 0..16).prop_map(|v| v.concat())
}

// ---------------------------------------------------------------------------------------------
// Filter
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn filter_parse_never_panics(q in query()) {
        let _ = filter::parse(&q);
    }

    #[test]
    fn filter_parse_never_panics_on_any_string(q in any::<String>()) {
        let _ = filter::parse(&q);
    }

    #[test]
    fn filter_matches_and_highlights_are_well_formed(
        q in query(),
        items in prop::collection::vec(news_item(), 1..4),
        now in datetime(),
        extra in text(),
    ) {
        if let Ok(query) = filter::parse(&q) {
            for item in &items {
                let _ = query.matches(item, now);
                check_ranges(&item.title, &query.highlights(&item.title))?;
                check_ranges(&item.source, &query.highlights(&item.source))?;
            }
            check_ranges(&extra, &query.highlights(&extra))?;
            let _ = query.tickers();
        }
    }

    /// A plain word matches a title holding it in any case (per-char case changes that keep the
    /// documented `to_lowercase` fold), whatever surrounds it.
    #[test]
    fn filter_plain_word_matches_in_any_case(
        word in "\\p{L}{1,10}",
        cases in prop::collection::vec(0u8..3, 10),
        before in text(),
        after in text(),
    ) {
        let fold = |s: &str| -> String { s.chars().flat_map(char::to_lowercase).map(|c| if c == 'ς' { 'σ' } else { c }).collect() };
        let variant: String = word
            .chars()
            .zip(cases.iter().cycle())
            .map(|(c, how)| {
                let changed: String = match how {
                    0 => c.to_uppercase().collect(),
                    1 => c.to_lowercase().collect(),
                    _ => c.to_string(),
                };
                if fold(&changed) == fold(&c.to_string()) { changed } else { c.to_string() }
            })
            .collect();
        let title = format!("{before}{variant}{after}");
        let query = filter::parse(&word).map_err(|e| TestCaseError::fail(format!("{word:?}: {e}")))?;
        let item = NewsItem {
            id: "x".into(),
            title: title.clone(),
            link: String::new(),
            source: String::new(),
            text: None,
            published: None,
            tickers: vec![],
            catalysts: vec![],
            risks: vec![],
        };
        prop_assert!(query.matches(&item, now()), "{word:?} does not match title {title:?}");
        let hl = query.highlights(&title);
        check_ranges(&title, &hl)?;
        prop_assert!(!hl.is_empty(), "{word:?} matches {title:?} but nothing is highlighted");
    }
}

/// Items and keystrokes over a tiny alphabet, so queries and titles overlap often.
fn small_item() -> impl Strategy<Value = NewsItem> {
    let tags =
        |from: &'static [&'static str]| prop::collection::vec(select(from).prop_map(String::from), 0..2);
    ("[abAB \\-]{0,10}", "[abS ]{0,4}", tags(&["AB", "A"]), tags(&["a", "ab"]), prop::option::of(0i64..72))
        .prop_map(|(title, source, tickers, catalysts, hours)| NewsItem {
            id: format!("{title}|{source}"),
            title,
            link: String::new(),
            source,
            text: None,
            published: hours.map(|h| now() - chrono::TimeDelta::hours(h)),
            tickers,
            catalysts,
            risks: vec![],
        })
}

#[derive(Debug, Clone)]
enum Stroke {
    Type(char),
    Back,
}

fn stroke() -> impl Strategy<Value = Stroke> {
    prop_oneof![
        6 => select(&['a', 'b', 'A', ' ', '-', '"', 's', 'r', 'c', ':', '$', 't', 'S', '/', '1', 'h', 'i', 'n', 'e'][..])
            .prop_map(Stroke::Type),
        1 => Just(Stroke::Back),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    /// Typing searches only the previous matches when the query narrows; after every keystroke the
    /// list must equal a fresh search of the whole history with the applied query.
    #[test]
    fn typing_a_filter_matches_a_fresh_search(
        items in prop::collection::vec(small_item(), 0..40),
        strokes in prop::collection::vec(stroke(), 1..24),
    ) {
        use chokepoint::action::Action;
        use chokepoint::update::update;
        use tui_input::InputRequest;
        let cfg = chokepoint::config::parse(include_str!("../config.example.toml"), "example").unwrap();
        let mut state = chokepoint::state::State::new(&cfg, UserState::default(), now(), false);
        state.merge_news(items);
        update(&mut state, Action::FilterStart);
        for s in &strokes {
            let req = match s {
                Stroke::Type(c) => InputRequest::InsertChar(*c),
                Stroke::Back => InputRequest::DeletePrevChar,
            };
            update(&mut state, Action::FilterEdit(req));
            let fresh: Vec<usize> = (0..state.news().len())
                .filter(|&i| state.filter().query.as_ref().is_none_or(|q| q.matches(&state.news()[i], now())))
                .collect();
            prop_assert_eq!(&state.filter().visible, &fresh, "after {:?}", state.filter().input.value());
        }
    }

    /// `narrows` is sound: whatever the narrower query matches, the wider one matches too.
    #[test]
    fn a_narrowing_query_matches_a_subset(
        a in prop::collection::vec(stroke(), 0..12),
        extra in prop::collection::vec(stroke(), 0..6),
        items in prop::collection::vec(small_item(), 1..30),
    ) {
        let text = |strokes: &[Stroke]| {
            let mut t = String::new();
            for s in strokes {
                match s {
                    Stroke::Type(c) => t.push(*c),
                    Stroke::Back => { t.pop(); }
                }
            }
            t
        };
        let (wide, narrow) = (text(&a), text(&[a.clone(), extra].concat()));
        if let (Ok(w), Ok(n)) = (filter::parse(&wide), filter::parse(&narrow))
            && n.narrows(&w)
        {
            for item in &items {
                prop_assert!(!n.matches(item, now()) || w.matches(item, now()), "{narrow:?} vs {wide:?}: {item:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sanitizer
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn clean_output_is_safe(x in hostile()) {
        check_safe("clean", &sanitize::clean(&x))?;
        check_safe("clean_url", &sanitize::clean_url(&x))?;
        let multi = sanitize::clean_multiline(&x);
        for line in multi.split('\n') {
            check_safe("clean_multiline line", line)?;
        }
    }

    #[test]
    fn clean_output_is_safe_on_any_string(x in any::<String>()) {
        check_safe("clean", &sanitize::clean(&x))?;
    }

    /// Once the output holds no markup characters, cleaning again changes nothing.
    #[test]
    fn clean_is_idempotent_without_markup_left(x in hostile()) {
        let once = sanitize::clean(&x);
        if !once.contains(['&', '<']) {
            prop_assert_eq!(sanitize::clean(&once), once, "input {:?}", x);
        }
    }

    #[test]
    fn clean_capped_respects_the_cap(x in hostile(), n in 0usize..40) {
        let full = sanitize::clean(&x);
        let capped = sanitize::clean_capped(&x, n);
        prop_assert!(capped.chars().count() <= n + 1, "{} chars > {n} + 1: {capped:?}", capped.chars().count());
        if full.chars().count() <= n {
            prop_assert_eq!(&capped, &full);
        } else if n > 0 {
            prop_assert!(capped.ends_with('…'), "cut without ellipsis: {capped:?}");
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Capped output is as safe as `clean` output: a ZWJ is never left dangling before the `…`.
    #[test]
    fn clean_capped_output_is_safe(x in hostile(), n in 0usize..40) {
        check_safe("clean_capped", &sanitize::clean_capped(&x, n))?;
    }
}

/// Minimal input for clean_capped_output_is_safe.
#[test]
fn clean_capped_never_ends_a_zwj_sequence_early() -> Result<(), TestCaseError> {
    check_safe("clean_capped", &sanitize::clean_capped("\u{2190}\u{200D}\u{2190}x", 3))
}

// ---------------------------------------------------------------------------------------------
// Feed parser
// ---------------------------------------------------------------------------------------------

/// Every file under tests/fixtures/ (name, bytes), read once.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_none_or(|e| e != "md") {
                    let name = path.strip_prefix(&root).unwrap().display().to_string();
                    out.push((name, std::fs::read(&path).unwrap()));
                }
            }
        }
        out.sort();
        assert!(out.len() >= 20, "fixtures missing: {}", out.len());
        out
    })
}

/// One byte-level edit; positions are picked relative to the current length.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    /// Copy a chunk of the document elsewhere (duplicated tags, repeated items).
    Splice(Index, Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let snippet = prop_oneof![
        prop::collection::vec(any::<u8>(), 1..8),
        select(
            &[
                "<",
                ">",
                "</",
                "/>",
                "&",
                "&#27;",
                "&amp;",
                "]]>",
                "<![CDATA[",
                "<item>",
                "</item>",
                "<entry>",
                "<title>",
                "</title>",
                "\"",
                "'",
                "=",
                "\u{1b}[31m",
                "\u{202E}",
                "\u{0}",
                "\u{FEFF}",
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::Truncate),
        3 => (any::<Index>(), 1u8..=255).prop_map(|(i, x)| Edit::Flip(i, x)),
        2 => (any::<Index>(), snippet).prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<Index>(), any::<Index>(), 1usize..256).prop_map(|(a, b, n)| Edit::Splice(a, b, n)),
    ]
}

fn apply_edits(bytes: &mut Vec<u8>, edits: &[Edit]) {
    for edit in edits {
        let len = bytes.len();
        match edit {
            Edit::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Edit::Flip(i, x) if len > 0 => bytes[i.index(len)] ^= x,
            Edit::Insert(i, b) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(i, n) if len > 0 => {
                let at = i.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Edit::Splice(from, to, n) if len > 0 => {
                let a = from.index(len);
                let chunk = bytes[a..(a + n).min(len)].to_vec();
                let at = to.index(len + 1);
                bytes.splice(at..at, chunk);
            }
            _ => {}
        }
    }
}

fn check_feed(bytes: &[u8], content_type: Option<&str>) -> Result<(), TestCaseError> {
    if let Ok(items) = feed::parse_feed(bytes, "src", content_type) {
        for item in &items {
            check_safe("title", &item.title)?;
            check_safe("source", &item.source)?;
            check_safe("link", &item.link)?;
            check_safe("id", &item.id)?;
            prop_assert!(!item.title.is_empty(), "empty title in {item:?}");
        }
    }
    Ok(())
}

/// XML declarations naming a charset other than UTF-8.
const ENCODING_DECLS: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
    "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    "<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
    "<?xml version=\"1.0\" encoding=\"x-bogus\"?>",
];

#[rustfmt::skip]
const FEED_PIECES: &[&str] = &[
    "<?xml version=\"1.0\"?>", "<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<rss version=\"2.0\">",
    "<rss version=\"9\">", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>", "</title>",
    "<link>http://a.example/x</link>", "<guid>g1</guid>", "<source url=\"http://s\">", "</source>",
    "<pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate>", "<pubDate>garbage</pubDate>",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">", "</feed>", "<entry>", "</entry>", "<link href=\"javascript:x\"/>",
    "<updated>2026-03-10T10:00:00Z</updated>",
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">",
    "</rdf:RDF>", "<![CDATA[", "]]>", "<!DOCTYPE rss [<!ENTITY x \"y\">]>", "&x;", "<!-- c -->",
    "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"J\",\"items\":[", "{\"id\":\"1\",\"title\":\"",
    "\"}", "]}", ",", "\u{FEFF}",
];

/// Pieces of RSS / Atom / RDF / JSON Feed documents, glued at random with hostile text. With
/// `encoding_decls`, XML declarations naming a non-UTF-8 charset may appear anywhere (the known
/// feed-rs / quick-xml panic); without, only UTF-8 ones do.
fn feedish(encoding_decls: bool) -> impl Strategy<Value = Bytes> {
    let mut pool = FEED_PIECES.to_vec();
    if encoding_decls {
        pool.extend_from_slice(ENCODING_DECLS);
    }
    let piece = prop_oneof![
        4 => select(pool).prop_map(|s| s.as_bytes().to_vec()),
        2 => hostile().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..16),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| Bytes(v.concat()))
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(select(
        &[
            "text/xml",
            "application/rss+xml; charset=utf-8",
            "text/xml; charset=ISO-8859-1",
            "text/xml; charset=shift_jis",
            "text/xml; charset=utf-16",
            "text/xml; charset=bogus",
            "application/json",
            "text/html; charset=",
        ][..],
    ))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn feed_parse_never_panics_on_bytes(b in bytes(1024), ct in content_type()) {
        check_feed(&b.0, ct)?;
    }

    #[test]
    fn feed_parse_never_panics_on_feedish_documents(b in feedish(false), ct in content_type()) {
        check_feed(&b.0, ct)?;
    }

    #[test]
    fn feed_parse_never_panics_with_encoding_declarations(b in feedish(true), ct in content_type()) {
        check_feed(&b.0, ct)?;
    }
}

/// A Latin-1 feed whose item embeds a raw XML declaration: parse_feed must return, not unwind.
#[test]
fn feed_parse_embedded_encoding_declaration() {
    let doc = concat!(
        r#"<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item><title>a</title>"#,
        r#"<description><?xml version="1.0" encoding="iso-8859-1"?></description></item></channel></rss>"#,
    );
    let _ = feed::parse_feed(doc.as_bytes(), "src", None);
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn feed_parse_survives_mutated_fixtures(
        pick in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..6),
        ct in content_type(),
    ) {
        let all = fixtures();
        let (_name, original) = &all[pick.index(all.len())];
        let mut bytes = original.clone();
        apply_edits(&mut bytes, &edits);
        check_feed(&bytes, ct)?;
    }
}

/// Every fixture, cut at several points and with bytes flipped at several points.
#[test]
fn feed_parse_survives_truncations_and_flips_of_every_fixture() {
    for (name, original) in fixtures() {
        let len = original.len();
        let run = |bytes: &[u8], what: String| {
            let outcome = std::panic::catch_unwind(|| check_feed(bytes, None));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("{name} {what}: {e}"),
                Err(_) => panic!("{name} {what}: parse_feed panicked"),
            }
        };
        run(original, "as is".into());
        for k in 1..8 {
            run(&original[..len * k / 8], format!("cut at {}", len * k / 8));
        }
        run(&original[..len.saturating_sub(1)], "last byte cut".into());
        for k in 0..4 {
            let at = len * (2 * k + 1) / 9 + k;
            let mut flipped = original.clone();
            if let Some(b) = flipped.get_mut(at) {
                *b ^= 0x20 | 0x80;
            }
            run(&flipped, format!("byte {at} flipped"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Chart (Yahoo) and quote (Stooq) parsers
// ---------------------------------------------------------------------------------------------

fn demo_chart() -> &'static Value {
    static CHART: OnceLock<Value> = OnceLock::new();
    CHART.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/AAOI.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    })
}

/// JSON pointers of every node of `v`, in document order.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                pointers(item, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        _ => {}
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    select(vec![
        Value::Null,
        Value::from("x"),
        Value::from("31.5"),
        Value::from(""),
        Value::from("\u{1b}[31mUSD\u{202E}"),
        Value::from(0),
        Value::from(-1),
        Value::from(-0.0),
        Value::from(1e308),
        Value::from(-1e308),
        Value::from(5e-324),
        Value::from(1e-300),
        Value::from(u64::MAX),
        Value::from(i64::MIN),
        Value::from(true),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([null]),
        serde_json::json!([1e308, 5e-324, -1]),
    ])
}

#[rustfmt::skip]
const META_KEYS: &[&str] = &[
    "regularMarketPrice", "previousClose", "regularMarketPreviousClose", "chartPreviousClose", "regularMarketDayHigh",
    "regularMarketDayLow", "regularMarketVolume", "regularMarketTime", "currency", "fullExchangeName", "exchangeName",
    "currentTradingPeriod",
];

#[derive(Debug, Clone)]
enum JsonEdit {
    /// Replace the node at a random pointer.
    Replace(Index, Value),
    /// Remove the node at a random pointer from its parent.
    Remove(Index),
    /// Set a known `meta` field.
    Meta(&'static str, Value),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        3 => (any::<Index>(), json_value()).prop_map(|(i, v)| JsonEdit::Replace(i, v)),
        1 => any::<Index>().prop_map(JsonEdit::Remove),
        3 => (select(META_KEYS), json_value()).prop_map(|(k, v)| JsonEdit::Meta(k, v)),
    ]
}

fn apply_json_edits(v: &mut Value, edits: &[JsonEdit]) {
    for edit in edits {
        let mut all = Vec::new();
        pointers(v, String::new(), &mut all);
        match edit {
            JsonEdit::Replace(i, new) => {
                if let Some(node) = v.pointer_mut(&all[i.index(all.len())]) {
                    *node = new.clone();
                }
            }
            JsonEdit::Remove(i) => {
                let ptr = &all[i.index(all.len())];
                let Some((parent, key)) = ptr.rsplit_once('/') else { continue };
                match v.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(n) = key.parse::<usize>()
                            && n < items.len()
                        {
                            items.remove(n);
                        }
                    }
                    _ => {}
                }
            }
            JsonEdit::Meta(key, new) => {
                if let Some(Value::Object(meta)) = v.pointer_mut("/chart/result/0/meta") {
                    meta.insert((*key).to_string(), new.clone());
                }
            }
        }
    }
}

fn parse_chart(bytes: &[u8]) -> Result<Quote, yahoo::ChartError> {
    yahoo::parse_chart(bytes, &spec(), "yahoo", now())
}

fn mutated_chart() -> impl Strategy<Value = Bytes> {
    (prop::collection::vec(json_edit(), 0..6), prop::collection::vec(edit(), 0..3)).prop_map(
        |(json_edits, byte_edits)| {
            let mut v = demo_chart().clone();
            apply_json_edits(&mut v, &json_edits);
            let mut bytes = serde_json::to_vec(&v).unwrap();
            apply_edits(&mut bytes, &byte_edits);
            Bytes(bytes)
        },
    )
}

/// Nasdaq's number text: its documented forms, and anything else.
fn nasdaq_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => select(&[
            "$39.1175", "SEK 11.46", "+0.6975", "-1.15", "+1.82%", "-2.91%", "N/A", "NA", "", "7,343,447.318502",
            "$1e308", "-0", "$0", "1e309", "NaN", "inf", "$-5", "SEK", "+", "%", "1,2,3", "\u{1b}[31m5",
            "38.31 - 39.78", "11.14-11.67", "-5-3", "Closed at Dec 2, 2026 4:00 PM ET", "Dec 2, 2026 6:41 PM ET",
            "Feb 30, 2026", "2026-12-02 18:00:00 CET", "2026-13-40 99:99:99 CET",
        ][..]).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        1 => Just(Value::Null),
    ]
}

/// A Nasdaq info answer (US or Nordic) with its text fields replaced by hostile ones.
fn nasdaq_info() -> impl Strategy<Value = (bool, String)> {
    let us = include_str!("fixtures/quotes/nasdaq-us-info-AAOI.json");
    let nordic = include_str!("fixtures/quotes/nasdaq-nordic-info-SIVE.json");
    (any::<bool>(), prop::collection::vec(nasdaq_text(), 24)).prop_map(move |(is_us, texts)| {
        let mut v: Value = serde_json::from_str(if is_us { us } else { nordic }).unwrap();
        let mut texts = texts.into_iter();
        fn walk(v: &mut Value, texts: &mut dyn Iterator<Item = Value>) {
            match v {
                Value::String(_) => {
                    if let Some(t) = texts.next() {
                        *v = t;
                    }
                }
                Value::Object(m) => m.values_mut().for_each(|x| walk(x, texts)),
                Value::Array(a) => a.iter_mut().for_each(|x| walk(x, texts)),
                _ => {}
            }
        }
        walk(&mut v, &mut texts);
        (is_us, v.to_string())
    })
}

fn parse_nasdaq(is_us: bool, body: &[u8]) -> Option<Quote> {
    if is_us {
        nasdaq::parse_us_info(body, &spec(), now()).ok()
    } else {
        nasdaq::parse_nordic_info(body, &spec(), now()).ok()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn chart_parse_never_panics_on_bytes(b in bytes(512)) {
        if let Ok(q) = parse_chart(&b.0) {
            check_quote(&q)?;
        }
    }

    #[test]
    fn chart_parse_keeps_numbers_usable_on_mutated_demo(b in mutated_chart()) {
        if let Ok(q) = parse_chart(&b.0) {
            check_quote(&q)?;
        }
    }

    #[test]
    fn nasdaq_parsers_never_panic_on_bytes(b in bytes(256)) {
        for is_us in [true, false] {
            if let Some(q) = parse_nasdaq(is_us, &b.0) {
                check_quote(&q)?;
            }
        }
        let _ = nasdaq::parse_search(&b.0, "SIVE", "SEK");
        let _ = nasdaq::parse_series(&b.0);
        let _ = nasdaq::parse_nordic_chart(&b.0, &spec(), now());
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn nasdaq_info_keeps_numbers_usable_on_hostile_text((is_us, body) in nasdaq_info()) {
        if let Some(q) = parse_nasdaq(is_us, body.as_bytes()) {
            check_quote(&q)?;
            check_quote_derived(&q)?;
            if let Some(e) = &q.extended {
                prop_assert!(e.price.is_finite() && e.price > 0.0, "{e:?}");
                prop_assert!(e.change.is_none_or(f64::is_finite) && e.change_pct.is_none_or(f64::is_finite), "{e:?}");
            }
        }
    }

    #[test]
    fn chart_derived_numbers_are_finite(b in mutated_chart()) {
        if let Ok(q) = parse_chart(&b.0) {
            check_quote_derived(&q)?;
        }
    }

}

/// Minimal inputs for the derived-number properties.
#[test]
fn derived_numbers_stay_finite_for_extreme_prices() -> Result<(), TestCaseError> {
    let chart = br#"{"chart":{"result":[{"meta":{"regularMarketPrice":1e308,"previousClose":0.5}}]}}"#;
    check_quote_derived(&parse_chart(chart).unwrap())?;
    let info = br#"{"data":{"marketStatus":"Market Open","primaryData":{"lastSalePrice":"$1e308","netChange":"-1e308"}}}"#;
    check_quote_derived(&nasdaq::parse_us_info(info, &spec(), now()).unwrap())
}

// ---------------------------------------------------------------------------------------------
// State loader
// ---------------------------------------------------------------------------------------------

fn user_state(when: BoxedStrategy<DateTime<Utc>>) -> impl Strategy<Value = UserState> {
    user_state_with(prop_oneof![3 => "[a-z0-9-]{1,12}", 1 => any::<String>()].boxed(), when)
}

fn user_state_with(
    key: BoxedStrategy<String>,
    when: BoxedStrategy<DateTime<Utc>>,
) -> impl Strategy<Value = UserState> {
    let event = (any::<bool>(), when.clone(), "[a-z]{0,4}", prop::option::of("\\PC{0,8}"))
        .prop_map(|(done, at, by, note)| ToggleEvent { done, at, by, note });
    let record = (any::<bool>(), prop::option::of(when.clone()), prop::collection::vec(event, 0..3))
        .prop_map(|(done, done_at, history)| CatalystRecord { done, done_at, history });
    let level = prop_oneof![Just(RiskLevel::Watch), Just(RiskLevel::Elevated), Just(RiskLevel::Materialized)];
    let alert = (key.clone(), "\\PC{0,12}", when.clone(), prop::option::of(key.clone())).prop_map(
        |(key, text, at, ticker)| chokepoint::alerts::Alert { key, text, at, ticker, thesis: None },
    );
    (
        prop::collection::btree_map(key.clone(), record, 0..4),
        prop::collection::btree_map(key.clone(), level, 0..4),
        prop::collection::btree_set(key.clone(), 0..4),
        prop::collection::btree_map(key.clone(), when, 0..3),
        prop::collection::vec(alert, 0..3),
        prop::collection::btree_set(key.clone(), 0..3),
        prop::collection::btree_map(key, any::<bool>(), 0..3),
    )
        .prop_map(|(catalysts, risks, read, evidence_seen, alerts, alert_keys, level_sides)| UserState {
            version: UserState::VERSION,
            catalysts,
            risks,
            read,
            evidence_seen,
            alerts,
            alert_keys,
            level_sides,
            ..UserState::default()
        })
}

/// What the loader should do with these bytes: Some(state) when they are state it understands.
fn expected(bytes: &[u8]) -> Option<UserState> {
    // Its text cleaned again, as every load does (the file is untrusted).
    serde_json::from_slice::<UserState>(bytes)
        .ok()
        .filter(|s| s.version <= UserState::VERSION)
        .map(store::sanitized)
}

fn corrupt_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("state.json.corrupt-"))
        .collect();
    out.sort();
    out
}

/// The import of a `state.json` holding `bytes`: state it understands comes in and the file is
/// kept byte for byte as `state.json.imported`; anything else is moved aside byte for byte to a
/// `corrupt-*` file a notice names, and nothing is imported. The file is never lost.
fn check_import(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, bytes).unwrap();
    let mut db =
        Db::open(&dir.path().join("chokepoint.db")).map_err(|e| TestCaseError::fail(e.to_string()))?.db;
    let done = db.import_legacy(&path, None, Utc::now());
    let aside = corrupt_files(dir.path());
    prop_assert!(!path.exists(), "state.json still in place: {:?}", done);
    match expected(bytes) {
        Some(state) => {
            prop_assert!(aside.is_empty(), "valid state moved aside: {aside:?}");
            let kept = dir.path().join("state.json.imported");
            prop_assert_eq!(std::fs::read(&kept).unwrap(), bytes, "the imported file changed");
            let user = db.load_user().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&user.read, &state.read);
            prop_assert_eq!(&user.level_sides, &state.level_sides);
        }
        None => {
            prop_assert_eq!(aside.len(), 1, "expected one corrupt-* file, found {:?}", aside);
            prop_assert_eq!(std::fs::read(&aside[0]).unwrap(), bytes, "moved-aside bytes differ");
            let name = aside[0].file_name().unwrap().to_string_lossy().into_owned();
            prop_assert!(
                done.notices.iter().any(|n| n.contains(&name)),
                "no notice names {name}: {:?}",
                done.notices
            );
            prop_assert_eq!(db.journal_count().unwrap(), 0);
        }
    }
    Ok(())
}

/// What the store holds after importing `state`: the catalysts as their histories say (a record
/// without one, marked done, becomes one change by the TUI), every fired alert key, the open
/// alerts (in time order), the rest as it was.
fn imported(state: &UserState, now: DateTime<Utc>) -> UserState {
    // Times are kept to the millisecond.
    let ms = |t: DateTime<Utc>| DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap();
    let mut out = state.clone();
    out.evidence_seen.values_mut().for_each(|t| *t = ms(*t));
    out.catalysts = state
        .catalysts
        .iter()
        .filter_map(|(id, rec)| {
            let mut history = rec.history.clone();
            if history.is_empty() && rec.done {
                history.push(ToggleEvent {
                    done: true,
                    at: rec.done_at.unwrap_or(now),
                    by: "tui".into(),
                    note: None,
                });
            }
            // Ordered as the store orders changes: by time (stable, so equal times keep theirs).
            history.sort_by_key(|e| e.at.timestamp_millis());
            for e in &mut history {
                e.at = ms(e.at);
                if e.by.is_empty() {
                    e.by = "tui".into();
                }
                e.note = e.note.as_deref().and_then(chokepoint::domain::clean_note);
            }
            let last = history.last()?.clone();
            Some((
                id.clone(),
                CatalystRecord { done: last.done, done_at: last.done.then_some(last.at), history },
            ))
        })
        .collect();
    out.alert_keys.extend(state.alerts.iter().map(|a| a.key.clone()));
    // An alert key fires once: of two listed with one key, the first listed is kept.
    let mut alerts: Vec<_> =
        state.alerts.iter().fold(Vec::new(), |mut seen: Vec<chokepoint::alerts::Alert>, a| {
            if !seen.iter().any(|b| b.key == a.key) {
                seen.push(a.clone());
            }
            seen
        });
    alerts.sort_by(|a, b| a.at.cmp(&b.at).then(a.key.cmp(&b.key)));
    out.alerts = alerts;
    out
}

fn state_bytes() -> impl Strategy<Value = Bytes> {
    let valid = user_state(realistic_datetime().boxed()).prop_map(|s| serde_json::to_value(&s).unwrap());
    let mutated = (valid, prop::collection::vec(json_edit(), 1..4), prop::collection::vec(edit(), 0..2))
        .prop_map(|(mut v, json_edits, byte_edits)| {
            apply_json_edits(&mut v, &json_edits);
            let mut bytes = serde_json::to_vec_pretty(&v).unwrap();
            apply_edits(&mut bytes, &byte_edits);
            bytes
        });
    let version = prop_oneof![
        select(&["0", "1", "2", "-1", "1.0", "4294967296", "null", "\"1\""][..]).prop_map(String::from),
        any::<u32>().prop_map(|v| v.to_string()),
    ]
    .prop_map(|v| format!("{{\"version\":{v},\"read\":[\"a\"]}}").into_bytes());
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..256),
        3 => mutated,
        1 => version,
        1 => Just(b"{}".to_vec()),
        1 => Just(Vec::new()),
    ]
    .prop_map(Bytes)
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn importing_never_loses_the_state_file(b in state_bytes()) {
        check_import(&b.0)?;
    }

    /// A state of plain ids (what the app writes) comes in whole: every catalyst change with its
    /// time, author and note, levels, marks, alerts.
    #[test]
    fn an_imported_state_reloads_equal(
        state in user_state_with("[a-z0-9-]{1,12}".boxed(), realistic_datetime().boxed())
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
        let mut db = Db::open(&dir.path().join("chokepoint.db")).unwrap().db;
        let now = Utc::now();
        let done = db.import_legacy(&path, None, now);
        prop_assert_eq!(done.renamed.len(), 1, "{:?}", done.notices);
        let user = db.load_user().unwrap();
        let want = imported(&store::sanitized(state), now);
        prop_assert_eq!(&user.catalysts, &want.catalysts);
        prop_assert_eq!(&user.risks, &want.risks);
        prop_assert_eq!(&user.read, &want.read);
        prop_assert_eq!(&user.evidence_seen, &want.evidence_seen);
        prop_assert_eq!(&user.alert_keys, &want.alert_keys);
        prop_assert_eq!(&user.level_sides, &want.level_sides);
        let texts = |a: &[chokepoint::alerts::Alert]| a.iter().map(|a| (a.key.clone(), a.text.clone())).collect::<std::collections::BTreeSet<_>>();
        prop_assert_eq!(texts(&user.alerts), texts(&want.alerts));
    }
}
