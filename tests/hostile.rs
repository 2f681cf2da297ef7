//! Hostile text end to end: feed and chart bytes carrying terminal escapes (raw, as entities,
//! double-encoded), C0/C1 controls, bidi overrides, zero-width characters, a 10 KB title, CJK and
//! emoji go through the real parsers, the reducer and the renderer (TestBackend and the real binary
//! on a pty), the snapshot output and the CLI's error messages. Nothing may reach the terminal as
//! a control sequence, leave escape residue on screen, or push a border out of line. Links: only
//! http(s) is ever opened.

mod common;

use chokepoint::action::{Action, Loaded, Pane, Payload, SourceId};
use chokepoint::domain::{NewsItem, TickerSpec};
use chokepoint::effect::Effect;
use chokepoint::providers::{feed, yahoo};
use chokepoint::state::{Overlay, State};
use chokepoint::tagging::Tagger;
use chokepoint::update::{openable, update};
use common::*;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::buffer::Buffer;
use ratatui::{Terminal, backend::TestBackend};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::num::NonZeroU16;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

/// Marker text that only ever appears *inside* escape sequences or control strings: seeing it
/// anywhere means a sequence was only partly removed.
const MARK: &str = "PWNED";

/// Fragments a half-stripped sequence leaves behind (the visible text never contains them).
const RESIDUE: [&str; 6] = [MARK, "[2J", "[31m", "]0;", "]8;;", "]52;"];

/// A 10 KB title: CJK and ASCII words, repeated.
fn long_title() -> String {
    "光通信 laser supply ".repeat(500)
}

/// RSS 2.0 whose channel title, item titles, `<source>`s and links are hostile.
fn hostile_rss() -> Vec<u8> {
    let items = [
        // (guid, title, link, source)
        (
            "h-raw",
            "Raw \x1b[2J\x1b[31mCSI\x1b[0m headline",
            "https://example.com/raw",
            "Wire \x1b]0;PWNED\x07 One",
        ),
        (
            "h-entity",
            "Entity &#27;[2J&#x1b;[31mescaped&#x1B;]0;PWNED&#7; headline",
            "https://example.com/entity",
            "Entity &#x1b;]0;PWNED&#x07;Wire",
        ),
        (
            "h-double",
            "Double &amp;#27;[2J&amp;#x1b;]0;PWNED&amp;#x07; encoded headline",
            "https://example.com/double",
            "Double &amp;#x1b;[31mWire",
        ),
        (
            "h-c0c1",
            "Controls \u{1}\u{2}\u{7}\u{8}\u{b}\u{c}\u{7f} and C1 \u{85}\u{9b}2J\u{9d}0;PWNED\u{9c} headline",
            "https://example.com/c0c1",
            "C1 \u{9b}31m Wire",
        ),
        (
            "h-bidi",
            "Bidi \u{202E}desrever\u{202C} \u{2066}isolate\u{2069} \u{200F}mark zero\u{200B}width\u{FEFF}\u{2060}join\u{200C}er headline",
            "https://example.com/bi\u{202E}di",
            "Bidi \u{202E}eriW\u{202C}",
        ),
        ("h-long", "LONGTITLE", "https://example.com/long", "Long Wire"),
        (
            "h-cjk",
            "光通信の需要が急増：中国の光モジュール大手が増産 한국어 헤드라인",
            "https://example.com/cjk",
            "日本経済新聞",
        ),
        (
            "h-emoji",
            "Emoji 👨\u{200D}👩\u{200D}👧 family 🏳\u{FE0F}\u{200D}🌈 flag 👍🏽 tone 🇸🇪 SE ❤\u{FE0F} heart",
            "https://example.com/emoji",
            "Emoji 📈 Wire",
        ),
        ("h-link", "Hostile link headline", "https://example.com/a\x1b[2J?b=\u{7}c&amp;d=e f", "Link Wire"),
        ("h-js", "Javascript link headline", "javascript:alert(document.cookie)", "JS Wire"),
        (
            "h-cdata",
            "<![CDATA[CDATA \x1b]52;c;UFdORUQ=\x07clip &#27;[2J\x1bP1$qPWNED\x1b\\ headline]]>",
            "https://example.com/cdata",
            "<![CDATA[CDATA \x1b[31mWire]]>",
        ),
        (
            "h-osc8",
            "Hyper \x1b]8;;https://evil.example/PWNED\x1b\\link\x1b]8;;\x1b\\ text headline",
            "https://example.com/osc8",
            "OSC8 Wire",
        ),
        (
            "h-lines",
            "Multi\nline\ttitle\r\nwith   breaks headline",
            "https://example.com/lines",
            "Lines Wire",
        ),
        (
            "h-tags",
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Tagged&lt;/b&gt; headline",
            "https://example.com/tags",
            "Tags Wire",
        ),
    ];
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Channel &#x1b;]0;PWNED&#x07;\u{202E} Name</title><link>https://example.com/</link>\n",
    );
    for (i, (guid, title, link, source)) in items.iter().enumerate() {
        let title = if *title == "LONGTITLE" { long_title() } else { title.to_string() };
        out.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>\
             <source url=\"https://example.com/src\">{source}</source>\
             <pubDate>Mon, 23 Nov 2026 1{}:{:02}:00 GMT</pubDate></item>\n",
            i % 4,
            i * 3 % 60
        ));
    }
    out.push_str("</channel></rss>\n");
    out.into_bytes()
}

/// Atom with hostile titles (text and html), hostile hrefs and a hostile feed title.
fn hostile_atom() -> Vec<u8> {
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
     <feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Atom \u{1b}]0;PWNED\u{7} Feed</title>\
     <id>urn:hostile</id><updated>2026-11-23T12:00:00Z</updated>\
     <entry><id>a-1</id><title type=\"html\">Atom &lt;b&gt;bold&lt;/b&gt; &amp;#27;[2J html headline</title>\
     <link rel=\"alternate\" href=\"https://example.com/atom1\u{1b}[31m\"/><updated>2026-11-23T11:00:00Z</updated></entry>\
     <entry><id>a-2</id><title type=\"text\">Atom text \u{1b}[2J\u{9b}31m headline \u{202E}lanif</title>\
     <link href=\"data:text/html,PWNED\"/><link rel=\"alternate\" href=\"https://example.com/atom2\"/>\
     <updated>2026-11-23T10:00:00Z</updated></entry>\
     </feed>\n"
        .as_bytes()
        .to_vec()
}

/// A Yahoo chart whose strings are hostile.
fn hostile_chart() -> Vec<u8> {
    serde_json::json!({"chart": {"error": null, "result": [{
        "meta": {
            "currency": "US\u{1b}[31mD",
            "symbol": "AAOI",
            "exchangeName": "\u{1b}]0;PWNED\u{7}NMS",
            "fullExchangeName": "Nasdaq\u{202E}\u{200B} GS",
            "regularMarketPrice": 30.05,
            "previousClose": 33.12,
            "regularMarketTime": 1_795_200_000,
            "currentTradingPeriod": {"regular": {"start": 1_795_185_000, "end": 1_795_208_400}}
        },
        "timestamp": [1_795_185_000, 1_795_185_300, 1_795_185_600],
        "indicators": {"quote": [{"close": [31.0, null, 30.05]}]}
    }]}})
    .to_string()
    .into_bytes()
}

/// Yahoo's error object with a hostile code and description.
fn hostile_chart_error() -> Vec<u8> {
    serde_json::json!({"chart": {"result": null, "error": {
        "code": "Not\u{1b}[2JFound",
        "description": "\u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7} \u{202E}delisted \u{9d}0;PWNED\u{9c}maybe"
    }}})
    .to_string()
    .into_bytes()
}

/// A character that must never reach the screen or a message. U+200D is allowed only inside an
/// emoji sequence, which [`assert_clean`] checks separately.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200C}'
                | '\u{200E}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

fn emoji_like(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{27BF}' | '\u{FE0F}' | '\u{1F000}'..='\u{1FAFF}')
}

/// No forbidden characters (links: a percent-encoded `%1B[2J` is inert text, so no residue check).
fn assert_no_controls(what: &str, s: &str) {
    assert!(!s.chars().any(forbidden), "{what}: a forbidden character in {s:?}");
}

/// No forbidden characters, ZWJ only between emoji, no escape residue.
fn assert_clean(what: &str, s: &str) {
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        assert!(!forbidden(c), "{what}: forbidden {:?} at {i} in {s:?}", c);
        if c == '\u{200D}' {
            let ok = i > 0 && emoji_like(chars[i - 1]) && chars.get(i + 1).is_some_and(|&n| emoji_like(n));
            assert!(ok, "{what}: a ZWJ outside an emoji sequence in {s:?}");
        }
    }
    for r in RESIDUE {
        assert!(!s.contains(r), "{what}: escape residue {r:?} in {s:?}");
    }
}

fn parse_rss() -> Vec<NewsItem> {
    feed::parse_feed(&hostile_rss(), "Hostile RSS", Some("application/rss+xml")).expect("the RSS parses")
}

fn parse_atom() -> Vec<NewsItem> {
    feed::parse_feed(&hostile_atom(), "Hostile Atom", None).expect("the Atom parses")
}

fn aaoi() -> TickerSpec {
    config().tickers.into_iter().find(|t| t.symbol == "AAOI").unwrap()
}

fn sive() -> TickerSpec {
    config().tickers.into_iter().find(|t| t.symbol == "SIVE").unwrap()
}

#[test]
fn parsed_feed_items_are_clean() {
    let rss = parse_rss();
    assert_eq!(rss.len(), 14, "every hostile item survives parsing: {rss:#?}");
    for n in &rss {
        for (field, value) in [("title", &n.title), ("source", &n.source), ("id", &n.id)] {
            assert_clean(&format!("{} {field}", n.id), value);
        }
        assert_no_controls(&format!("{} link", n.id), &n.link);
        assert!(n.link.is_empty() || openable(&n.link), "{}: link {:?}", n.id, n.link);
        assert!(!n.title.is_empty() && !n.title.contains("  "), "{}: {:?}", n.id, n.title);
    }
    let by_id = |id: &str| rss.iter().find(|n| n.id == id).unwrap_or_else(|| panic!("no {id}: {rss:#?}"));
    assert_eq!(by_id("h-raw").title, "Raw CSI headline");
    assert_eq!(by_id("h-raw").source, "Wire One");
    assert_eq!(by_id("h-entity").title, "Entity escaped headline");
    assert_eq!(by_id("h-double").title, "Double encoded headline");
    assert_eq!(by_id("h-double").source, "Double Wire");
    assert_eq!(by_id("h-bidi").title, "Bidi desrever isolate mark zerowidthjoiner headline");
    assert_eq!(by_id("h-cjk").title, "光通信の需要が急増：中国の光モジュール大手が増産 한국어 헤드라인");
    assert_eq!(by_id("h-cjk").source, "日本経済新聞");
    assert!(
        by_id("h-emoji").title.contains("👨\u{200D}👩\u{200D}👧"),
        "ZWJ family kept: {:?}",
        by_id("h-emoji").title
    );
    assert_eq!(by_id("h-lines").title, "Multi line title with breaks headline");
    assert_eq!(by_id("h-osc8").title, "Hyper link text headline");
    assert!(by_id("h-cdata").title.starts_with("CDATA clip"), "{:?}", by_id("h-cdata").title);
    assert_eq!(by_id("h-js").link, "", "a javascript: link is dropped at parse time");
    // feed-rs percent-encodes the href (`%1B[2J`, `%20`): inert text, still an http(s) link.
    assert!(by_id("h-link").link.starts_with("https://example.com/a"), "{:?}", by_id("h-link").link);
    // The 10 KB title is capped.
    let long = &by_id("h-long").title;
    assert!(long.chars().count() <= 300, "{} chars", long.chars().count());
    assert!(long.ends_with('…'), "{long:?}");
    assert!(long.len() < 1_000, "{} bytes", long.len());

    let atom = parse_atom();
    assert_eq!(atom.len(), 2, "{atom:#?}");
    for n in &atom {
        assert_clean(&n.id, &format!("{} {} {}", n.title, n.source, n.id));
        assert_no_controls(&n.id, &n.link);
        assert!(openable(&n.link), "{}: {:?}", n.id, n.link);
    }
    assert_eq!(atom[0].title, "Atom bold html headline");
    assert_eq!(atom[1].link, "https://example.com/atom2", "data: links are never picked");
}

#[test]
fn chart_strings_and_errors_are_clean() {
    let now = now();
    let q = yahoo::parse_chart(&hostile_chart(), &aaoi(), "yahoo", now).unwrap();
    assert_eq!(q.currency, "USD");
    assert_clean("exchange", &q.exchange);
    assert_clean("currency", &q.currency);
    let err = yahoo::parse_chart(&hostile_chart_error(), &aaoi(), "yahoo", now).unwrap_err().to_string();
    assert_clean("chart error", &err);
    assert!(err.contains("NotFound") && err.contains("delisted"), "{err}");
    // Malformed JSON whose error message could quote the input.
    let broken = b"{\"chart\": {\"result\": [\x1b]0;PWNED\x07";
    let err = yahoo::parse_chart(broken, &aaoi(), "yahoo", now).unwrap_err().to_string();
    assert_clean("json error", &err);
    // Malformed XML whose error message quotes element names.
    let bad_xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
                   <item><title>x</title></it\u{1b}]0;PWNED\u{7}em></channel></rss>";
    if let Err(e) = feed::parse_feed(bad_xml.as_bytes(), "bad", None) {
        assert_clean("feed error", &e.to_string());
    }
    let junk = b"\x1b[2J\x1b]0;PWNED\x07 not a feed";
    let e = feed::parse_feed(junk, "junk", None).unwrap_err();
    assert_clean("junk feed error", &e.to_string());
}

/// The example thesis with the hostile feeds and chart delivered, plus a failing ticker and a
/// failing feed whose messages are hostile.
fn hostile_state() -> State {
    let cfg = config();
    let mut s = state();
    let tagger = Tagger::new(&cfg.tickers, &cfg.catalysts, &cfg.risks);
    let tag = |mut items: Vec<NewsItem>| {
        items.iter_mut().for_each(|n| tagger.tag(n));
        items
    };
    let fx = update(&mut s, Action::RefreshAll);
    let req = |source: SourceId| common::fetch_id(&fx, source).unwrap();
    let quote = yahoo::parse_chart(&hostile_chart(), &aaoi(), "yahoo", now()).expect("a quote");
    let aaoi_at = s.tickers().iter().position(|t| t.symbol == "AAOI").expect("AAOI");
    let sive_at = s.tickers().iter().position(|t| t.symbol == "SIVE").expect("SIVE");
    let ok =
        loaded(SourceId::Quote(aaoi_at), req(SourceId::Quote(aaoi_at)), Ok(Payload::Quotes(vec![quote])));
    update(&mut s, Action::Loaded(ok));
    let error = yahoo::parse_chart(&hostile_chart_error(), &sive(), "yahoo", now())
        .map(|_| ())
        .map_err(|e| chokepoint::domain::SourceError::permanent(e.to_string()))
        .expect_err("an error");
    let failed = Loaded {
        attempts: vec![chokepoint::action::Attempt {
            source: "yahoo".into(),
            error: Some(error.clone()),
            retry_after: None,
        }],
        ..loaded(
            SourceId::Quote(sive_at),
            req(SourceId::Quote(sive_at)),
            Err(chokepoint::domain::SourceError::permanent(format!("yahoo: {}", error.message))),
        )
    };
    update(&mut s, Action::Loaded(failed));
    let rss = Ok(Payload::News(tag(parse_rss())));
    update(&mut s, Action::Loaded(loaded(SourceId::Feed(0), req(SourceId::Feed(0)), rss)));
    let atom = Ok(Payload::News(tag(parse_atom())));
    update(&mut s, Action::Loaded(loaded(SourceId::Feed(1), req(SourceId::Feed(1)), atom)));
    let junk = feed::parse_feed(b"\x1b]0;PWNED\x07<html>\x1b[2J</html>", "junk", None)
        .map(Payload::News)
        .map_err(feed::FeedError::into_source_error);
    assert!(junk.is_err());
    update(&mut s, Action::Loaded(loaded(SourceId::Feed(2), req(SourceId::Feed(2)), junk)));
    assert_eq!(s.news().len(), 16, "{:#?}", s.news());
    s
}

fn buffer(state: &State, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| chokepoint::ui::render(state, f)).unwrap();
    t.backend().buffer().clone()
}

/// Row `y` as a terminal shows it: (display column, symbol) of every cell not hidden behind a wide
/// character, and the total display width.
fn shown_row(buf: &Buffer, y: u16) -> (Vec<(usize, String)>, usize) {
    let mut out = Vec::new();
    let (mut col, mut hidden) = (0usize, 0usize);
    for x in 0..buf.area.width {
        let sym = buf[(x, y)].symbol();
        if hidden > 0 {
            hidden -= 1;
            assert_eq!(sym, " ", "row {y} col {x}: the cell behind a wide character is blank");
            continue;
        }
        let w = sym.width();
        out.push((col, sym.to_string()));
        col += w;
        hidden = w.saturating_sub(1);
    }
    (out, col)
}

const VERTICAL: [&str; 2] = ["│", "┃"];

/// Every cell is clean, every row is exactly as wide as the screen, and a row that starts with a
/// pane border ends with one in the last column.
fn assert_screen_sound(what: &str, buf: &Buffer) {
    let w = usize::from(buf.area.width);
    let mut all = String::new();
    for y in 0..buf.area.height {
        let (cells, width) = shown_row(buf, y);
        let text: String = cells.iter().map(|(_, s)| s.as_str()).collect();
        for (col, sym) in &cells {
            assert!(!sym.is_empty(), "{what}: empty symbol at row {y} col {col}");
            assert_clean(&format!("{what} row {y} col {col}"), sym);
        }
        assert_eq!(width, w, "{what}: row {y} is {width} cells wide, not {w}: {text:?}");
        if cells.first().is_some_and(|(_, s)| VERTICAL.contains(&s.as_str())) {
            let (col, last) = cells.last().unwrap();
            assert!(
                *col == w - 1 && VERTICAL.contains(&last.as_str()),
                "{what}: row {y} does not end at the right border: {text:?}"
            );
        }
        all.push_str(&text);
        all.push('\n');
    }
    assert_clean(what, &all.replace('\n', " "));
}

#[test]
fn hostile_text_renders_clean_and_aligned_at_every_size() {
    let base = hostile_state();
    let mut screens = Vec::new();
    for pane in Pane::ALL {
        for (w, h) in [(120, 40), (40, 12), (80, 24), (200, 60)] {
            let mut s = base.clone();
            apply(&mut s, [Action::Focus(pane), Action::Move(1), Action::Move(1)]);
            screens.push((format!("{pane:?} {w}x{h}"), buffer(&s, w, h)));
        }
    }
    // Every news row in turn under the cursor (the highlight style must not change widths).
    for i in 0..base.news().len() {
        let mut s = base.clone();
        apply(&mut s, [Action::Focus(Pane::News), Action::Top, Action::Move(i as i32)]);
        screens.push((format!("news row {i} 120x40"), buffer(&s, 120, 40)));
        screens.push((format!("news row {i} 40x12"), buffer(&s, 40, 12)));
    }
    for overlay in [Overlay::Sources, Overlay::Help] {
        let mut s = base.clone();
        let toggle = if overlay == Overlay::Sources { Action::ToggleSources } else { Action::ToggleHelp };
        update(&mut s, toggle);
        screens.push((format!("{overlay:?} 120x40"), buffer(&s, 120, 40)));
        screens.push((format!("{overlay:?} 40x12"), buffer(&s, 40, 12)));
    }
    // Filters, one highlighting inside wide text.
    for query in ["光通信", "laser -lpo", "emoji 👨\u{200D}👩\u{200D}👧"] {
        let mut s = base.clone();
        apply(&mut s, [Action::FilterStart]);
        type_text(&mut s, query);
        screens.push((format!("editing {query:?}"), buffer(&s, 120, 40)));
        apply(&mut s, [Action::FilterAccept]);
        screens.push((format!("filter {query:?} 120x40"), buffer(&s, 120, 40)));
        screens.push((format!("filter {query:?} 40x12"), buffer(&s, 40, 12)));
    }
    for (what, buf) in &screens {
        assert_screen_sound(what, buf);
    }
    // The content really is there: the CJK title and the error from the failing ticker.
    let full = screens.iter().find(|(w, _)| w == "News 120x40").unwrap();
    let text: String =
        (0..40).map(|y| shown_row(&full.1, y).0.into_iter().map(|c| c.1).collect::<String>()).collect();
    assert!(text.contains("光通信の需要が急増"), "{text}");
    let sources = screens.iter().find(|(w, _)| w == "Sources 120x40").unwrap();
    let text: String =
        (0..40).map(|y| shown_row(&sources.1, y).0.into_iter().map(|c| c.1).collect::<String>()).collect();
    assert!(text.contains("NotFound"), "the hostile error is shown, cleaned: {text}");
}

#[test]
fn a_pasted_filter_with_invisible_characters_renders_clean() {
    // A terminal without bracketed paste delivers pasted text as key presses, so these arrive
    // as FilterEdit(InsertChar) just like typing.
    let base = hostile_state();
    for query in ["\u{202E}laser\u{200B}", "\u{2066}cpo\u{2069} \u{FEFF}", "\u{200F}光通信\u{200C}"] {
        let mut s = base.clone();
        apply(&mut s, [Action::FilterStart]);
        type_text(&mut s, query);
        assert_screen_sound(&format!("editing {query:?}"), &buffer(&s, 120, 40));
        apply(&mut s, [Action::FilterAccept]);
        assert_screen_sound(&format!("filter {query:?} 120x40"), &buffer(&s, 120, 40));
        assert_screen_sound(&format!("filter {query:?} 40x12"), &buffer(&s, 40, 12));
    }
}

#[test]
fn snapshot_text_and_json_carry_no_controls() {
    let s = hostile_state();
    let text = chokepoint::cli::snapshot_text(&s);
    assert!(!text.contains('\u{1b}'), "ESC in the snapshot text");
    for (i, line) in text.lines().enumerate() {
        assert_clean(&format!("snapshot line {i}"), line);
    }
    assert!(text.contains("Raw CSI headline") && text.contains("光通信の需要が急増"), "{text}");
    let json = chokepoint::cli::snapshot_json(&s);
    let rendered = serde_json::to_string(&json).unwrap();
    assert!(!rendered.contains("\\u001b") && !rendered.contains('\u{1b}'), "{rendered}");
    fn walk(path: &str, v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) if path.ends_with(".link") => assert_no_controls(path, s),
            serde_json::Value::String(s) => assert_clean(path, s),
            serde_json::Value::Array(a) => {
                a.iter().enumerate().for_each(|(i, v)| walk(&format!("{path}[{i}]"), v))
            }
            serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| walk(&format!("{path}.{k}"), v)),
            _ => {}
        }
    }
    walk("snapshot", &json);
}

#[test]
fn only_http_links_are_openable() {
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "file:///etc/passwd",
        "FILE:///etc/shadow",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:a@example.com",
        "ssh://example.com",
        "ftp://example.com/x",
        "//example.com/x",
        "example.com",
        "",
        " https://example.com/lead",
        "https://example.com/a b",
        "https://example.com/\ttab",
        "https://example.com/\nnewline",
        "https://example.com/\u{1b}[2J",
        "https://example.com/\u{7}",
        "https://example.com/\u{85}",
        "https://example.com/\u{9b}31m",
        "https://example.com/\u{a0}nbsp",
        "https://example.com/\u{2028}ls",
        "https://example.com/\u{0}",
    ] {
        assert!(!openable(bad), "must refuse {bad:?}");
    }
    for good in [
        "https://example.com/",
        "http://example.com/x?y=1&z=2",
        "HTTPS://EXAMPLE.COM/",
        "https://例え.jp/光通信",
    ] {
        assert!(openable(good), "must accept {good:?}");
    }
}

#[test]
fn opening_a_non_http_link_is_refused_with_a_notice() {
    for link in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,hi",
        "https://exa mple.com/",
        "https://example.com/\u{1b}[2J",
    ] {
        let mut s = state();
        let mut item = news("bad", "A headline with a bad link", 1);
        item.link = link.into();
        deliver(&mut s, SourceId::Feed(0), Payload::News(vec![item]));
        apply(&mut s, [Action::Focus(Pane::News), Action::Top]);
        let fx = update(&mut s, Action::BrowseLink);
        assert!(!fx.iter().any(|e| matches!(e, Effect::OpenUrl(_))), "{link:?}: {fx:?}");
        assert!(!fx.iter().any(|e| matches!(e, Effect::Record { .. })), "{link:?}: nothing to save: {fx:?}");
        assert!(s.user().read.is_empty(), "{link:?}: not marked read");
        let notice = s.notices().last().unwrap_or_else(|| panic!("{link:?}: no notice"));
        assert!(notice.text.contains("refused"), "{link:?}: {}", notice.text);
    }
    // And a good one opens.
    let mut s = state();
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![news("ok", "Fine", 1)]));
    apply(&mut s, [Action::Focus(Pane::News), Action::Top]);
    let fx = update(&mut s, Action::BrowseLink);
    assert!(fx.contains(&Effect::OpenUrl("https://example.com/ok".into())), "{fx:?}");
}

#[test]
fn the_refusal_notice_does_not_echo_control_characters() {
    let mut s = state();
    let mut item = news("bad", "A headline with a bad link", 1);
    item.link = "javascript:\u{1b}]0;PWNED\u{7}\u{1b}[2J".into();
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![item]));
    apply(&mut s, [Action::Focus(Pane::News), Action::Top]);
    update(&mut s, Action::BrowseLink);
    let notice = s.notices().last().unwrap();
    assert!(notice.text.contains("refused"), "{}", notice.text);
    assert_clean("refusal notice", &notice.text);
}

#[test]
fn config_text_is_sanitized_too() {
    // Config text enters through the config parser, which sanitizes it (TOML escapes make any
    // character possible in a shared config).
    let hostile = r#""Evil \u001b]0;PWNED\u0007\u001b[2J\u202Etitle""#;
    let text = chokepoint::config::EXAMPLE
        .replace(r#""CPO adoption accelerates""#, hostile)
        .replace(r#""Valuations already ran""#, hostile)
        .replace(r#""Sivers Semiconductors""#, hostile)
        .replace(r#""Google News: Sivers""#, hostile);
    assert_eq!(text.matches("PWNED").count(), 4, "every hostile string was placed");
    let cfg = chokepoint::config::parse(&text, "hostile.toml").unwrap();
    assert!(cfg.catalysts[0].title.starts_with("Evil"), "{:?}", cfg.catalysts[0].title);
    let mut s = State::new(&cfg, chokepoint::domain::UserState::default(), now(), false);
    update(&mut s, Action::ToggleSources);
    assert_eq!(s.overlay(), Some(Overlay::Sources));
    assert_screen_sound("sources overlay", &buffer(&s, 120, 40));
    update(&mut s, Action::ToggleSources);
    assert_screen_sound("panes", &buffer(&s, 120, 40));
    let text = chokepoint::cli::snapshot_text(&s);
    assert!(!text.contains('\u{1b}'), "ESC in the snapshot text: {text:?}");
}

// ---------------------------------------------------------------------------------------------
// The real binary: error messages on stderr, snapshot over loopback HTTP, and the TUI on a pty.

fn bin(home: &Path, args: &[&std::ffi::OsStr]) -> Output {
    common::chokepoint_cmd(home).args(args).stdin(Stdio::null()).output().unwrap()
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(Into::into).collect()
}

/// Bytes a terminal would act on: C0 except newline, DEL, and C1 (as UTF-8).
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (i, c) in text.chars().enumerate() {
        assert!(c == '\n' || !forbidden(c), "{what}: {c:?} at char {i}: {text:?}");
    }
    for r in RESIDUE {
        assert!(!text.contains(r), "{what}: residue {r:?}: {text:?}");
    }
}

#[test]
fn cli_error_messages_are_sanitized() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // A config whose unknown key is an escape sequence: the TOML error echoes the key.
    let key_cfg = h.join("key.toml");
    std::fs::write(&key_cfg, "\"\\u001b[2J\\u001b]0;PWNED\\u0007\" = 1\n").unwrap();
    // A config in a directory whose name carries escapes, with an unknown key.
    let dir = h.join("bad\u{1b}[31m\u{1b}]0;PWNED\u{7}\u{202E}dir");
    std::fs::create_dir_all(&dir).unwrap();
    let path_cfg = dir.join("config.toml");
    std::fs::write(&path_cfg, "[[tickers]]\nsymbol = \"AAOI\"\ncolour = \"red\"\n").unwrap();
    // A catalyst title in the config is fine to be odd; a bad value echoes it.
    let value_cfg = h.join("value.toml");
    std::fs::write(&value_cfg, "[quotes]\nsource = \"\\u001b]0;PWNED\\u0007yahoo\\u009b31m\"\n").unwrap();
    let missing = h.join("missing\u{1b}[2J.toml");

    let cases: Vec<(&str, Vec<std::ffi::OsString>, Option<i32>)> = vec![
        ("escape key", vec!["check".into(), "--config".into(), key_cfg.clone().into()], Some(2)),
        ("escape path", vec!["check".into(), "--config".into(), path_cfg.clone().into()], Some(2)),
        ("escape value", vec!["check".into(), "--config".into(), value_cfg.clone().into()], Some(2)),
        ("missing escape path", vec!["check".into(), "--config".into(), missing.clone().into()], Some(2)),
        ("tui with escape key", vec!["--config".into(), key_cfg.clone().into()], Some(2)),
        ("unknown catalyst", os(&["--demo", "catalyst", "done", "\u{1b}]0;PWNED\u{7}\u{1b}[2J"]), Some(2)),
        ("unknown level", os(&["--demo", "risk", "level", "lpo", "\u{1b}[31m\u{9d}0;PWNED\u{9c}"]), Some(2)),
        ("bad filter", os(&["snapshot", "--demo", "--filter", "/(\u{1b}[2J/"]), Some(2)),
    ];
    for (what, args, code) in cases {
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let o = bin(h, &refs);
        assert_eq!(o.status.code(), code, "{what}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(!o.stderr.is_empty(), "{what}: an error message");
        assert_terminal_safe(what, &o.stderr);
        assert_terminal_safe(&format!("{what} (stdout)"), &o.stdout);
    }
    // The path error still says where: the cleaned path and line:col.
    let o = bin(h, &[std::ffi::OsStr::new("check"), "--config".as_ref(), path_cfg.as_os_str()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("config.toml:3:1: "), "{err}");
}

/// Runs the binary with stdout and stderr on a pty (where clap colours its messages) and returns
/// everything it wrote.
fn output_on_a_pty(home: &Path, args: &[&str]) -> Vec<u8> {
    let pair = native_pty_system()
        .openpty(PtySize { rows: 24, cols: 200, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_chokepoint"));
    cmd.args(args);
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let out = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "{args:?} did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    drop(pair.master);
    out.join().unwrap()
}

#[test]
fn our_own_errors_on_a_terminal_are_sanitized() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["--demo", "catalyst", "done", "\u{1b}]0;PWNED\u{7}\u{1b}[2J"][..],
        &["--demo", "risk", "level", "lpo", "\u{1b}[31m\u{9d}0;PWNED\u{9c}"],
        &["check", "--config", "/nonexistent/\u{1b}]0;PWNED\u{7}.toml"],
    ] {
        let out = output_on_a_pty(home.path(), args);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("unknown") || text.contains("cannot read"), "{args:?}: {text:?}");
        assert!(
            !text.contains(MARK) && !text.contains("\u{1b}]") && !out.contains(&0x07),
            "{args:?}: {text:?}"
        );
    }
}

#[test]
fn clap_usage_errors_on_a_terminal_are_sanitized() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["--bogus\u{1b}]0;PWNED\u{7}"][..],
        &["frobnicate\u{1b}]0;PWNED\u{7}\u{1b}[2J"],
        &["catalyst", "finish\u{1b}]0;PWNED\u{7}", "x"],
    ] {
        let out = output_on_a_pty(home.path(), args);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("error"), "{args:?}: {text:?}");
        assert!(!text.contains(MARK), "{args:?}: the hostile argument reached the terminal: {text:?}");
        assert!(!out.contains(&0x07), "{args:?}: a BEL reached the terminal: {text:?}");
    }
}

/// A loopback HTTP server answering fixed paths; anything else is a 404.
fn serve(routes: Vec<(&'static str, &'static str, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let routes = routes.clone();
            std::thread::spawn(move || {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&req).lines().next().unwrap_or_default().to_string();
                let path = line.split_whitespace().nth(1).unwrap_or_default().to_string();
                let path = path.split('?').next().unwrap_or_default();
                let (status, ctype, body) = match routes.iter().find(|(p, _, _)| *p == path) {
                    Some((_, ctype, body)) => ("200 OK", *ctype, body.clone()),
                    None => ("404 Not Found", "text/plain", b"no".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    format!("http://{addr}")
}

/// One ticker (AAOI) and two feeds, all on `base`; no fallback source.
fn hostile_config(home: &Path, base: &str) -> std::path::PathBuf {
    let example = chokepoint::config::EXAMPLE;
    let thesis_start = example.find("[[catalysts]]").unwrap();
    let feeds_start = example.find("[[feeds]]").unwrap();
    let thesis = &example[thesis_start..feeds_start];
    let text = format!(
        "[quotes]\nsource = \"yahoo\"\nbase_url = \"{base}\"\nfallback = \"none\"\n\n\
         [[tickers]]\nsymbol = \"AAOI\"\nname = \"Applied Optoelectronics\"\ncurrency = \"USD\"\n\n\
         [[tickers]]\nsymbol = \"SIVE\"\nprovider_symbol = \"SIVE.ST\"\nname = \"Sivers\"\ncurrency = \"SEK\"\n\n\
         {thesis}\n\
         [[feeds]]\nname = \"Hostile RSS\"\nurl = \"{base}/rss\"\n\n\
         [[feeds]]\nname = \"Hostile Atom\"\nurl = \"{base}/atom\"\n\n\
         [[feeds]]\nname = \"Junk\"\nurl = \"{base}/junk\"\n"
    );
    let path = home.join("hostile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn hostile_server() -> String {
    serve(vec![
        ("/v8/finance/chart/AAOI", "application/json", hostile_chart()),
        ("/v8/finance/chart/SIVE.ST", "application/json", hostile_chart_error()),
        ("/rss", "application/rss+xml; charset=utf-8", hostile_rss()),
        ("/atom", "application/atom+xml", hostile_atom()),
        ("/junk", "text/html", b"\x1b]0;PWNED\x07<html>\x1b[2J</html>".to_vec()),
    ])
}

#[test]
fn snapshot_of_hostile_sources_prints_no_controls() {
    let home = tempfile::tempdir().unwrap();
    let base = hostile_server();
    let cfg = hostile_config(home.path(), &base);
    let o = bin(
        home.path(),
        &os(&["snapshot", "--config", cfg.to_str().unwrap()])
            .iter()
            .map(|a| a.as_os_str())
            .collect::<Vec<_>>(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Raw CSI headline"),
        "the hostile feed was fetched: {out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("光通信の需要が急増"), "{out}");
    assert!(out.contains("NotFound"), "the failing ticker's error is listed: {out}");
    assert!(!o.stdout.contains(&0x1b), "ESC in the snapshot output");
    assert_terminal_safe("snapshot stdout", &o.stdout);
    assert_terminal_safe("snapshot stderr", &o.stderr);
    let o = bin(
        home.path(),
        &os(&["snapshot", "--json", "--config", cfg.to_str().unwrap()])
            .iter()
            .map(|a| a.as_os_str())
            .collect::<Vec<_>>(),
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["news"].as_array().unwrap().len(), 16, "{json}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("\\u001b"), "an escaped ESC in the JSON");
}

/// What the terminal was asked to do besides drawing text.
#[derive(Default)]
struct Seen {
    titles: Vec<Vec<u8>>,
    clipboard: usize,
    bells: usize,
    osc: usize,
}

impl vt100::Callbacks for Seen {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], _: &[u8]) {
        self.clipboard += 1;
    }
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, _: &[&[u8]]) {
        self.osc += 1;
    }
}

#[test]
fn the_real_tui_sends_no_hostile_sequence_to_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let base = hostile_server();
    let cfg = hostile_config(home.path(), &base);
    let pair = native_pty_system()
        .openpty(PtySize { rows: 40, cols: 120, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_chokepoint"));
    cmd.args(["--config", cfg.to_str().unwrap()]);
    for (k, v) in [("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")] {
        cmd.env(k, home.path().join(v));
    }
    cmd.env("HOME", home.path());
    cmd.env("TERM", "xterm-256color");
    for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        cmd.env_remove(var);
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let size = |n| NonZeroU16::new(n).unwrap();
    let parser =
        Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(size(40), size(120), 0, Seen::default())));
    let raw = Arc::new(Mutex::new(Vec::<u8>::new()));
    let (p, r) = (parser.clone(), raw.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            r.lock().unwrap().extend_from_slice(&buf[..n]);
            p.lock().unwrap().process(&buf[..n]);
        }
    });
    let screen = || parser.lock().unwrap().screen().contents();
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = screen();
            if s.contains(needle) {
                return s;
            }
            assert!(Instant::now() < deadline, "{needle:?} not on screen:\n{s}");
            std::thread::sleep(Duration::from_millis(30));
        }
    };
    let mut send = |keys: &str| {
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(200));
    };
    wait_for("News 16/16");
    wait_for("Raw CSI headline");
    send("4"); // News, and walk the cursor over every hostile row
    for _ in 0..16 {
        send("j");
    }
    send("s"); // the sources overlay with the hostile errors
    wait_for("NotFound");
    send("q");
    send("/");
    send("光通信");
    wait_for("/ 光通信");
    send("\r");
    send("q");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "did not quit:\n{}", screen());
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(200));

    let raw = raw.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains(MARK), "hostile payload reached the terminal");
    assert!(!raw.contains(&0x07), "a BEL reached the terminal");
    assert!(!text.contains("\u{1b}]"), "an OSC reached the terminal");
    assert!(!text.contains("\u{1b}P"), "a DCS reached the terminal");
    for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{FEFF}', '\u{85}', '\u{9b}', '\u{9d}'] {
        assert!(!text.contains(c), "{c:?} reached the terminal");
    }
    let p = parser.lock().unwrap();
    let seen = p.callbacks();
    assert!(seen.titles.is_empty(), "window title set: {:?}", seen.titles);
    assert_eq!(seen.clipboard, 0, "clipboard written");
    assert_eq!(seen.bells, 0, "bell rung");
    assert_eq!(seen.osc, 0, "unhandled OSC");
}

#[test]
fn a_tampered_cache_and_state_file_reach_no_output_raw() {
    let home = tempfile::tempdir().unwrap();
    let osc52 = "\u{1b}]52;c;UFdORUQ=\u{07}";
    let cache_dir = home.path().join("cache/chokepoint");
    std::fs::create_dir_all(&cache_dir).unwrap();
    let cache = serde_json::json!({
        "version": 1, "saved_at": "2026-11-20T21:05:00Z",
        "quotes": [{"symbol": "AAOI", "provider_symbol": format!("AAOI{osc52}"), "price": 30.05,
            "previous_close": 33.12, "change": -3.07, "change_pct": -9.2693,
            "currency": "US\u{1b}[2J\u{9b}31mD", "exchange": "NGM\u{202E}", "market_state": "closed",
            "day_high": null, "day_low": null, "volume": null, "series": [],
            "as_of": "2026-11-20T21:00:01Z", "source": "yahoo\u{1b}]0;PWNED\u{07}"}],
        "news": [{"id": format!("id{osc52}"), "title": format!("Tampered {osc52}headline \u{202E}lasers"),
            "link": "https://example.com/\u{1b}[2Jx", "source": "Wire \u{1b}[31mOne\u{200B}",
            "published": "2026-11-20T20:00:00Z", "tickers": ["AAOI\u{1b}[31m"],
            "catalysts": ["amd-lta"], "risks": []}],
    });
    std::fs::write(cache_dir.join("cache.json"), cache.to_string()).unwrap();
    let data_dir = home.path().join("data/chokepoint");
    std::fs::create_dir_all(&data_dir).unwrap();
    let state = serde_json::json!({
        "version": 1,
        "catalysts": {"amd-lta": {"done": true, "done_at": "2026-11-20T12:00:00Z", "history": [
            {"done": true, "at": "2026-11-20T12:00:00Z", "by": "cli\u{1b}[31m",
             "note": format!("signed {osc52}Tuesday \u{202E}")}]}},
        "alerts": [{"key": "k1", "text": format!("AAOI moved {osc52}12%\u{1b}[2J"),
                    "at": "2026-11-20T21:00:00Z", "ticker": "AAOI\u{9b}2J"}],
    });
    std::fs::write(data_dir.join("state.json"), state.to_string()).unwrap();

    for args in [
        &["snapshot", "--offline"][..],
        &["snapshot", "--offline", "--json"],
        &["report", "--offline"],
        &["report", "--offline", "--format", "json"],
    ] {
        let o = bin(home.path(), &os(args).iter().map(|a| a.as_os_str()).collect::<Vec<_>>());
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert_terminal_safe(&format!("{args:?}"), &o.stdout);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Tampered headline lasers"), "{args:?}: the text itself stays: {out}");
        assert!(!out.contains("u001b") && !out.contains("u0007"), "{args:?}: escaped in JSON: {out}");
    }
    let o = bin(home.path(), &os(&["report", "--offline"]).iter().map(|a| a.as_os_str()).collect::<Vec<_>>());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("note: signed Tuesday") && out.contains("AAOI moved 12%"), "{out}");

    // The first command imported both files; the TUI reads the store through the same functions.
    assert!(data_dir.join("state.json.imported").exists() && cache_dir.join("cache.json.imported").exists());
    let db = chokepoint::db::Db::open(&data_dir.join("chokepoint.db")).unwrap().db;
    let cache = db.cached(100).unwrap();
    let n = &cache.news[0];
    for text in [&n.id, &n.title, &n.link, &n.source, &n.tickers[0]] {
        assert_clean("stored news", text);
    }
    assert_eq!(n.link, "https://example.com/x");
    let q = &cache.quotes[0];
    for text in [&q.provider_symbol, &q.currency, &q.exchange, &q.source] {
        assert_clean("stored quote", text);
    }
    assert_eq!(q.currency, "USD");
    let user = db.load_user().unwrap();
    let event = &user.catalysts["amd-lta"].history[0];
    assert_eq!(event.note.as_deref(), Some("signed Tuesday"));
    assert_clean("who", &event.by);
    assert_clean("alert", &user.alerts[0].text);
    assert_clean("alert row", user.alerts[0].ticker.as_deref().unwrap());
}

/// The reader shows a hostile link as text: no escape or control character reaches the screen.
#[test]
fn the_reader_shows_a_hostile_link_as_text() {
    let mut s = state();
    let mut item = news("bad", "A headline with a bad link", 1);
    item.link = "javascript:\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{202e}".into();
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![item]));
    apply(&mut s, [Action::Focus(Pane::News), Action::Top, Action::OpenLink]);
    assert!(s.reader().is_some());
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    t.draw(|f| chokepoint::ui::render(&s, f)).unwrap();
    let out = t.backend().to_string();
    assert!(out.contains("javascript:"), "{out}");
    assert_clean("reader", &out.replace('\n', ""));
}
