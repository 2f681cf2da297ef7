//! A feed's summary or full text (HTML) -> plain text for the reader: paragraphs, headings,
//! list items and table cells on lines of their own (html2text), then cleaned as titles are.
//!
//! html5ever's tree builder and html2text's layout cost grow with how deep elements nest and
//! how many there are (6,500 nested `<div>`s took 0.2 s), so html2text never sees the feed's
//! markup: html5ever's tokenizer (linear) reads it first and writes it out again with block
//! elements only, nested at most [`DEPTH`] deep, without attributes, inline markup, scripts,
//! styles or comments, and each document spends from one [`Budget`] of bytes and tags.

use crate::domain::BODY_MAX;
use crate::sanitize;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

/// Deepest nesting of block elements handed on.
const DEPTH: usize = 8;

/// What one document's bodies may hand html2text in all: bytes of cleaned markup and tags.
const DOC_BYTES: usize = 512 * 1024;
const DOC_TAGS: usize = 16 * 1024;

/// Lines are laid out this wide (the reader wraps them again to its width): a paragraph is
/// one line.
const LAYOUT_WIDTH: usize = 10_000;

/// What is left of one document's allowance.
#[derive(Debug)]
pub struct Budget {
    bytes: usize,
    tags: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { bytes: DOC_BYTES, tags: DOC_TAGS }
    }
}

/// Block elements kept: they shape the text (a line, a paragraph, a list item).
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements without content.
const VOID: &[&str] = &["br", "hr"];

/// `html` (a summary or an article; text without markup is taken as paragraphs) as plain text
/// of at most [`BODY_MAX`] characters: blocks on lines of their own, a blank line between
/// paragraphs. `None` once the document's budget is spent.
pub fn to_text(html: &str, budget: &mut Budget) -> Option<String> {
    if budget.bytes == 0 {
        return None;
    }
    let html = sanitize::cap_raw(html, crate::providers::feed::BODY_RAW_MAX);
    if !html.contains(['<', '&']) {
        budget.bytes = budget.bytes.saturating_sub(html.len());
        return Some(sanitize::clean_block(&paragraphs(html), BODY_MAX));
    }
    if !has_blocks(html) {
        // Inline markup at most (`<b>`, `<a>`, entities): one paragraph, which the title
        // cleaner makes as well as html2text would, for a fraction of the work.
        budget.bytes = budget.bytes.saturating_sub(html.len());
        return Some(sanitize::clean_capped(html, BODY_MAX));
    }
    let markup = blocks_only(html, budget);
    let text = html2text::config::plain_no_decorate()
        .raw_mode(true)
        .link_footnotes(false)
        .allow_width_overflow()
        .string_from_read(markup.as_bytes(), LAYOUT_WIDTH)
        .ok()?;
    Some(sanitize::clean_block(&text, BODY_MAX))
}

/// Whether `html` has a tag that shapes text (a block element) or hides it (a script, a style):
/// one pass over its `<`s.
fn has_blocks(html: &str) -> bool {
    html.match_indices('<').any(|(at, _)| {
        let tag = html[at + 1..].trim_start_matches('/');
        let end = tag.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tag.len());
        let name = tag[..end].to_ascii_lowercase();
        !name.is_empty() && (BLOCKS.contains(&name.as_str()) || dropped_text(&name).is_some())
    })
}

/// Plain text's paragraphs (split at blank lines), each on one line, a blank line between.
fn paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for para in text.split("\n\n") {
        let words = para.split_whitespace();
        let start = out.len();
        for w in words {
            if out.len() > start {
                out.push(' ');
            }
            out.push_str(w);
        }
        if out.len() > start {
            out.push_str("\n\n");
        }
    }
    out
}

/// `html` through the tokenizer, written out again with [`BLOCKS`] only (see the module).
fn blocks_only(html: &str, budget: &mut Budget) -> String {
    let sink = Blocks(RefCell::new(Written {
        out: String::with_capacity(html.len().min(budget.bytes)),
        open: Vec::new(),
        skipping: None,
        bytes: budget.bytes,
        tags: budget.tags,
    }));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // The sink never asks for a script to run, so the whole input is read in one call.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let written = tokenizer.sink.0.into_inner();
    budget.bytes = written.bytes;
    budget.tags = written.tags;
    written.out
}

struct Blocks(RefCell<Written>);

struct Written {
    out: String,
    /// Block elements open, outermost first.
    open: Vec<&'static str>,
    /// Inside a script, style or similar whose text is dropped: its name.
    skipping: Option<String>,
    /// What is left of the budget.
    bytes: usize,
    tags: usize,
}

impl Written {
    /// Appends `markup` while the byte budget lasts (cut at a character).
    fn push(&mut self, markup: &str) {
        let markup = sanitize::cap_raw(markup, self.bytes);
        self.bytes -= markup.len();
        self.out.push_str(markup);
    }

    fn start(&mut self, name: &str) -> TokenSinkResult<()> {
        if let Some(kind) = dropped_text(name) {
            self.skipping = Some(name.to_string());
            return kind;
        }
        let Some(&name) = BLOCKS.iter().find(|b| **b == name) else {
            return TokenSinkResult::Continue;
        };
        if self.tags == 0 || self.bytes == 0 {
            return TokenSinkResult::Continue;
        }
        if !VOID.contains(&name) {
            // `<li>a<li>b`: the open item ends where a new one starts (within its list).
            if let Some(within) = ends_same(name)
                && let Some(at) = self.open.iter().rposition(|o| *o == name || within.contains(o))
                && self.open[at] == name
            {
                self.close_to(at);
            }
            if self.open.len() >= DEPTH {
                return TokenSinkResult::Continue;
            }
            self.open.push(name);
        }
        self.tags -= 1;
        self.push(&format!("<{name}>"));
        TokenSinkResult::Continue
    }

    /// An end tag closes its element and every one opened inside it; any other is dropped.
    fn end(&mut self, name: &str) {
        if let Some(at) = self.open.iter().rposition(|o| *o == name) {
            self.close_to(at);
        }
    }

    /// Closes the elements open from `at` up, innermost first, each with its end tag (written
    /// whatever the budget: their start tags paid for them). Every element html2text's parser
    /// sees is closed explicitly, so the tree it builds nests as deep as `open` says (give or
    /// take the table parts it adds), never deeper.
    fn close_to(&mut self, at: usize) {
        while self.open.len() > at {
            if let Some(name) = self.open.pop() {
                self.out.push_str("</");
                self.out.push_str(name);
                self.out.push('>');
            }
        }
    }
}

/// For an element that a new one of the same name ends (`<li>a<li>b`): the elements it does
/// not look past for an open one (its list, its table).
fn ends_same(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "li" => Some(&["ul", "ol", "table", "td", "th"]),
        "dd" | "dt" => Some(&["dl", "table", "td", "th"]),
        "td" | "th" => Some(&["tr", "table"]),
        "tr" => Some(&["table", "thead", "tbody", "tfoot"]),
        // A paragraph directly in a paragraph.
        "p" => Some(BLOCKS),
        _ => None,
    }
}

/// Elements whose text is no reading matter (a script, a style sheet, a frame's fallback):
/// the tokenizer's state for their text, which is dropped.
fn dropped_text(name: &str) -> Option<TokenSinkResult<()>> {
    match name {
        "script" => Some(TokenSinkResult::RawData(RawKind::ScriptData)),
        "style" | "iframe" | "noembed" | "noframes" | "xmp" => {
            Some(TokenSinkResult::RawData(RawKind::Rawtext))
        }
        "title" | "textarea" => Some(TokenSinkResult::RawData(RawKind::Rcdata)),
        _ => None,
    }
}

impl TokenSink for Blocks {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut w = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if let Some(skipped) = &w.skipping {
                    if tag.kind == TagKind::EndTag && skipped == name {
                        w.skipping = None;
                    }
                    return TokenSinkResult::Continue;
                }
                match tag.kind {
                    TagKind::StartTag => return w.start(name),
                    TagKind::EndTag => w.end(name),
                }
            }
            Token::CharacterTokens(text) if w.skipping.is_none() => {
                let escaped = html_escape::encode_text(&text);
                w.push(&escaped);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        to_text(html, &mut Budget::default()).unwrap_or_default()
    }

    #[test]
    fn paragraphs_lists_and_line_breaks_come_out_as_lines() {
        let html = "<p>First <b>para</b> with <a href='https://x.example/'>a link</a>.</p>\
                    <ul><li>one</li><li>two</li></ul><p>Second&nbsp;para &amp; more</p>line<br>next";
        assert_eq!(text(html), "First para with a link.\n* one\n* two\n\nSecond para & more\n\nline\nnext");
    }

    #[test]
    fn items_end_where_the_next_starts_within_their_own_list() {
        let html = "<ul><li>a<ul><li>b<li>c</ul><li>d</ul><ol><li>one<li>two</ol><dl><dt>term<dd>said</dl>";
        assert_eq!(text(html), "* a\n  * b\n  * c\n* d\n1. one\n2. two\n\nterm\n  said");
    }

    #[test]
    fn inline_markup_alone_is_one_paragraph_without_html2text() {
        let html = "Only <B>bold</B> &amp; a <a href=\"https://x.example/\">link</a> &lt;3";
        assert!(!has_blocks(html));
        assert_eq!(text(html), "Only bold & a link <3");
        for shaped in ["a<P>b", "a</div>", "x<br/>y", "<SCRIPT>x</SCRIPT>", "<style>"] {
            assert!(has_blocks(shaped), "{shaped}");
        }
    }

    #[test]
    fn scripts_styles_comments_and_attributes_are_not_read() {
        let html = "<style>p { color: red }</style><p onclick=\"evil()\" title=\"x\">kept</p>\
                    <script>alert('</p>')</script><!-- hidden --><img src=x alt=pic><iframe>frame</iframe>";
        assert_eq!(text(html), "kept");
    }

    #[test]
    fn escapes_and_bidi_overrides_are_cleaned_from_the_text() {
        let html = "<p>a&#x1b;[31mred&#x1b;[0m \u{202e}evil\u{202c} &lt;b&gt; stays text</p>";
        // The escape character goes (html5ever drops it); what followed it is harmless text.
        assert_eq!(text(html), "a[31mred[0m evil <b> stays text");
    }

    #[test]
    fn plain_text_keeps_its_paragraphs_and_joins_its_lines() {
        assert_eq!(text("one\nline\n\n\ntwo  words\n"), "one line\n\ntwo words");
    }

    #[test]
    fn deep_nesting_is_flattened_past_the_depth() {
        let html = format!("{}deep{}", "<div>".repeat(3_000), "</div>".repeat(3_000));
        let mut budget = Budget::default();
        let markup = blocks_only(&html, &mut budget);
        assert_eq!(markup.matches("<div>").count(), DEPTH);
        assert_eq!(markup.matches("</div>").count(), DEPTH);
        assert_eq!(text(&html), "deep");
        // Lists that never close their items stay flat, not nested.
        let items = "<ul>".to_string() + &"<li>item".repeat(200);
        assert_eq!(blocks_only(&items, &mut Budget::default()).matches("<li>").count(), 200);
        assert_eq!(text(&items).lines().count(), 200);
    }

    #[test]
    fn a_document_spends_one_budget_then_gets_no_text() {
        let mut budget = Budget::default();
        let para = format!("<p>{}</p>", "word ".repeat(3_000));
        let mut bodies = 0;
        while to_text(&para, &mut budget).is_some() {
            bodies += 1;
            assert!(bodies < 1_000, "the budget never ran out");
        }
        // 512 KiB of 15 KB bodies: about 35 of them.
        assert!((30..=40).contains(&bodies), "{bodies}");
        assert_eq!(budget.bytes, 0);
        let mut budget = Budget::default();
        let tags = "<p>x</p>".repeat(2_000);
        let mut with_text = 0;
        while to_text(&tags, &mut budget).is_some_and(|t| t.contains('x')) && budget.tags > 0 {
            with_text += 1;
        }
        assert!(budget.tags == 0 && with_text <= DOC_TAGS / 2_000, "{with_text} {budget:?}");
    }

    #[test]
    fn the_text_is_capped() {
        let html = format!("<p>{}</p>", "word ".repeat(5_000));
        let out = text(&html);
        assert_eq!(out.chars().count(), BODY_MAX);
        assert!(out.ends_with('…'));
    }
}
