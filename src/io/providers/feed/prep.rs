//! Text-level preparation of feed documents for feed-rs: charset detection and transcoding to
//! UTF-8, light XML repair (declaration, bare `&`, bad character references, `<rss>` without a
//! known version), salvage cut points for truncated documents, and RSS `<source>` extraction.

use crate::sanitize;
use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};

/// Decode to UTF-8: BOM, UTF-16 without BOM, XML `encoding=`, HTTP `charset=`, else UTF-8,
/// else a guess (chardetng) for undeclared legacy bytes. A declared legacy charset on bytes that
/// are valid non-ASCII UTF-8 is taken as a mislabel (UTF-8 wins).
pub(super) fn to_utf8(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
    }
    if let [a, 0, b, 0, ..] = bytes
        && *a != 0
        && *b != 0
    {
        return UTF_16LE.decode_without_bom_handling(bytes).0.into_owned();
    }
    if let [0, a, 0, b, ..] = bytes
        && *a != 0
        && *b != 0
    {
        return UTF_16BE.decode_without_bom_handling(bytes).0.into_owned();
    }
    let declared = xml_declared_encoding(bytes).or_else(|| content_type.and_then(http_charset));
    match (declared, std::str::from_utf8(bytes)) {
        // Valid UTF-8 under an ASCII-compatible legacy label is UTF-8 (or plain ASCII).
        (Some(enc), Ok(s)) if enc == UTF_8 || enc.is_ascii_compatible() => s.to_owned(),
        (Some(enc), _) if enc != UTF_8 => enc.decode_without_bom_handling(bytes).0.into_owned(),
        (_, Ok(s)) => s.to_owned(),
        (_, Err(_)) if mostly_utf8(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        (_, Err(_)) => {
            let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
            detector.feed(bytes, true);
            let enc = detector.guess(None, chardetng::Utf8Detection::Deny);
            enc.decode_without_bom_handling(bytes).0.into_owned()
        }
    }
}

/// Whether [`to_utf8`] reads valid UTF-8 `bytes` as they are (no BOM, no UTF-16 pattern, no
/// label of an encoding that is not ASCII-compatible), so the caller may keep them as the text.
pub(super) fn utf8_is_meant(bytes: &[u8], content_type: Option<&str>) -> bool {
    let utf16 = matches!(bytes, [a, 0, b, 0, ..] if *a != 0 && *b != 0)
        || matches!(bytes, [0, a, 0, b, ..] if *a != 0 && *b != 0);
    let declared = xml_declared_encoding(bytes).or_else(|| content_type.and_then(http_charset));
    Encoding::for_bom(bytes).is_none()
        && !utf16
        && declared.is_none_or(|enc| enc == UTF_8 || enc.is_ascii_compatible())
}

/// UTF-8 with a few broken bytes (or cut inside a character by a size cap), not legacy text.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut multibyte, mut broken) = (0usize, 0usize);
    let mut chunks = bytes.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        let cut_at_end = chunks.peek().is_none() && chunk.invalid().len() < 4;
        if !chunk.invalid().is_empty() && !cut_at_end {
            broken += 1;
        }
    }
    broken == 0 || broken * 4 < multibyte
}

/// An encoding label usable on 8-bit input (UTF-16 labels without a BOM mean UTF-8 in practice).
fn usable_label(label: &[u8]) -> Option<&'static Encoding> {
    Encoding::for_label(label).filter(|e| *e != REPLACEMENT).map(|e| e.output_encoding())
}

fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = find(head, b"<?xml")?;
    let decl = &head[start..];
    if !decl.get(5).is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let decl = &decl[..find(decl, b"?>")?];
    let at = find(decl, b"encoding")? + b"encoding".len();
    let rest = decl[at..].trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let (&quote, value) = rest.split_first()?;
    let end = value.iter().position(|&b| b == quote)?;
    usable_label(&value[..end])
}

fn http_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let value = value.trim().trim_matches(['"', '\'']);
        key.trim().eq_ignore_ascii_case("charset").then(|| usable_label(value.as_bytes())).flatten()
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(super) enum Doc {
    Empty,
    Junk,
    Json,
    /// Byte offset of the root element's `<`.
    Xml(usize),
}

/// Skip whitespace, comments, processing instructions and DOCTYPE to find what the text holds.
pub(super) fn document_kind(text: &str) -> Doc {
    let mut pos = 0;
    loop {
        let rest = text[pos..].trim_start();
        pos = text.len() - rest.len();
        let skip = if rest.is_empty() {
            return Doc::Empty;
        } else if rest.starts_with('{') {
            return Doc::Json;
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with("<?") {
            rest.find("?>").map(|e| e + 2)
        } else if rest.starts_with("<!") {
            // Whichever of `[` (an internal subset) and `>` comes first: searching for each
            // separately would scan the whole document once per declaration.
            match rest.find(['[', '>']) {
                Some(b) if rest.as_bytes()[b] == b'[' => {
                    rest[b..].find(']').and_then(|c| rest[b + c..].find('>').map(|e| b + c + e + 1))
                }
                g => g.map(|g| g + 1),
            }
        } else if rest.starts_with('<') && rest[1..].starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return Doc::Xml(pos);
        } else {
            return Doc::Junk;
        };
        match skip {
            Some(n) => pos += n,
            None => return Doc::Empty,
        }
    }
}

/// Qualified name of the element whose start tag begins `tag`.
pub(super) fn element_name(tag: &str) -> &str {
    let body = &tag[1..];
    let end = body.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(body.len());
    &body[..end]
}

/// Remove the XML declaration (the text is UTF-8 now), fix references, and give an `<rss>` root
/// a version feed-rs knows. Takes the text: the declaration and version are fixed in place, so a
/// 4 MB feed is held twice at most (the text and its repaired copy), not three times.
pub(super) fn repair_xml(mut text: String) -> String {
    if let Some(start) =
        text.find("<?xml").filter(|&s| text[s + 5..].starts_with(|c: char| c.is_whitespace() || c == '?'))
        && let Some(len) = text[start..].find("?>")
    {
        text.replace_range(start..start + len + 2, "");
    }
    if let Doc::Xml(root) = document_kind(&text)
        && element_name(&text[root..]) == "rss"
    {
        fix_rss_version(&mut text, root);
    }
    fix_references(&text)
}

/// Set `version="2.0"` on an `<rss>` start tag at `root` whose version is missing or unknown.
fn fix_rss_version(text: &mut String, root: usize) {
    let Some(tag_len) = start_tag_len(&text[root..]) else {
        return;
    };
    let tag = &text[root..root + tag_len];
    let mut i = 4;
    while i < tag.len() {
        let rest = &tag[i..];
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let value_start = root + i + (rest.len() - after.len()) + 1;
        let Some(value_len) = after[1..].find(quote) else {
            break;
        };
        if name == "version" {
            if !matches!(&text[value_start..value_start + value_len], "2.0" | "0.91" | "0.92") {
                text.replace_range(value_start..value_start + value_len, "2.0");
            }
            return;
        }
        i = value_start - root + value_len + 1;
    }
    text.insert_str(root + 4, " version=\"2.0\"");
}

/// Length of the start tag at the beginning of `tag` up to its `>` (quotes respected).
fn start_tag_len(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Escape bare `&` and `<`, drop character references XML forbids (`&#0;`, surrogates),
/// leaving CDATA sections and comments untouched; cut long summaries and full texts (see
/// [`BODY_RAW_MAX`]).
fn fix_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1 << 20) + 64);
    let mut kept = Kept { left: BODY_RAW_BUDGET };
    fix_into(text, &mut out, Some(&mut kept));
    out
}

/// [`fix_references`] of `text` into `out`; bulky elements are cut while `kept` is given (the
/// kept part of one is repaired without it: it holds no elements).
fn fix_into(text: &str, out: &mut String, mut kept: Option<&mut Kept>) {
    // Bulky elements seen without an end tag: not searched for again (keeps the pass linear).
    let mut unclosed: Vec<&'static str> = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '<']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let bulky = match kept.as_deref_mut() {
            Some(kept) if tail.starts_with('<') => bulky_element(tail, &mut unclosed)
                .map(|(tag, body)| (tag, body, kept.take(body)))
                .filter(|&(_, body, keep)| keep < body),
            _ => None,
        };
        let used = if let Some(body) = tail.strip_prefix('&') {
            let semi = body.bytes().take(40).position(|b| b == b';');
            match semi.map(|s| (s, reference_ok(&body[..s]))) {
                Some((s, Some(true))) => {
                    out.push_str(&tail[..s + 2]);
                    s + 2
                }
                Some((s, Some(false))) => s + 2,
                _ => {
                    out.push_str("&amp;");
                    1
                }
            }
        } else if let Some((tag, body, keep)) = bulky {
            // A long summary or full text: its start, so the parser never holds all of it.
            out.push_str(&tail[..tag]);
            match cut_text(&tail[tag..tag + body], keep) {
                Some((len, in_cdata)) => {
                    fix_into(&tail[tag..tag + len], out, None);
                    out.push_str(if in_cdata { "…]]>" } else { "…" });
                }
                None => out.push('…'),
            }
            rest = &tail[tag + body..];
            continue;
        } else {
            let end = if tail.starts_with("<![CDATA[") {
                tail.find("]]>").map_or(tail.len(), |e| e + 3)
            } else if tail.starts_with("<!--") {
                tail.find("-->").map_or(tail.len(), |e| e + 3)
            } else if tail[1..].starts_with(|c: char| c.is_alphabetic() || "_:/!?".contains(c)) {
                1
            } else {
                out.push_str("&lt;");
                rest = &tail[1..];
                continue;
            };
            out.push_str(&tail[..end]);
            end
        };
        rest = &tail[used..];
    }
    out.push_str(rest);
}

/// Where to cut a bulky element's text of which `keep` bytes are kept: the length kept and
/// whether the cut is inside a CDATA section (to be closed). Text and CDATA sections are cut
/// at a character (never inside a reference); `None` when an element or comment comes before
/// the cut (the text is markup: cutting it would leave elements open). Looks at most at the
/// first `keep` bytes (and a CDATA end just past them).
fn cut_text(body: &str, keep: usize) -> Option<(usize, bool)> {
    let keep = sanitize::cap_raw(body, keep).len();
    let mut at = 0;
    loop {
        let Some(lt) = body[at..keep].find('<').map(|p| at + p) else {
            return Some((reference_cut(body, keep), false));
        };
        if !body[lt..].starts_with("<![CDATA[") {
            return None;
        }
        let inner = lt + "<![CDATA[".len();
        if inner > keep {
            return Some((reference_cut(body, lt), false));
        }
        let window = sanitize::cap_raw(body, keep + 2).len();
        match body[inner..window].find("]]>") {
            Some(e) if inner + e + 3 <= keep => at = inner + e + 3,
            _ => return Some((keep, true)),
        }
    }
}

/// `cut`, or earlier so no character reference (`&amp;`) is split.
fn reference_cut(text: &str, cut: usize) -> usize {
    let from = sanitize::cap_raw(text, cut.saturating_sub(40)).len();
    match text[from..cut].rfind('&') {
        Some(amp) if !text[from + amp..cut].contains(';') => from + amp,
        _ => cut,
    }
}

/// What a document's bulky elements may keep: [`BODY_RAW_MAX`] each while the budget lasts,
/// then [`SHORT_KEEP`] each.
struct Kept {
    left: usize,
}

impl Kept {
    /// Bytes kept of a bulky element's text of `len` bytes.
    fn take(&mut self, len: usize) -> usize {
        let keep =
            if self.left >= SHORT_KEEP { len.min(BODY_RAW_MAX).min(self.left) } else { len.min(SHORT_KEEP) };
        self.left = self.left.saturating_sub(keep);
        keep
    }
}

/// Elements with a summary or full text: in real feeds they are most of the bytes, so the
/// repair pass keeps only their start (the reader and the summary need no more) and the parser
/// never holds a whole one.
/// A bulky element's text up to this many bytes is kept as it is; a longer one is cut here.
pub const BODY_RAW_MAX: usize = 16 * 1024;

/// Bytes of bulky text one document keeps in all before each keeps only [`SHORT_KEEP`]: what
/// the parser holds of a many-megabyte feed stays small.
const BODY_RAW_BUDGET: usize = 384 * 1024;

/// Bytes each bulky element keeps once the budget is spent: enough for the summary line (the
/// reader shows it). Each byte here is held about four times over while a big feed is parsed
/// (the repaired text, the XML reader's buffer, the parser's model, the item): with 384 bytes
/// (and a 384 KiB budget) a 4 MB feed's refetch stays under 1.25x the resident size between
/// refetches.
const SHORT_KEEP: usize = 384;

const BULKY: &[&str] =
    &["description", "content:encoded", "summary", "content", "media:description", "itunes:summary"];

/// At a start tag of a [`BULKY`] element: the length of the start tag and of the body up to
/// (not including) its end tag. CDATA sections inside are skipped over whole, so an end tag
/// quoted in one does not end the element. `None` for any other tag, an empty element, or when
/// no end tag follows (remembered in `unclosed`, so a document of unclosed tags costs one
/// search per element name).
fn bulky_element(tail: &str, unclosed: &mut Vec<&'static str>) -> Option<(usize, usize)> {
    let name = BULKY.iter().copied().find(|n| {
        tail[1..].starts_with(n) && tail[1 + n.len()..].starts_with(|c: char| c == '>' || c.is_whitespace())
    })?;
    if unclosed.contains(&name) {
        return None;
    }
    let tag = start_tag_len(tail)?;
    if tail[..tag].ends_with("/>") {
        return None;
    }
    let end_tag = format!("</{name}");
    let mut at = tag;
    loop {
        let rest = &tail[at..];
        let next_end = rest.find(&end_tag);
        let next_cdata = rest.find("<![CDATA[");
        match (next_end, next_cdata) {
            (Some(e), Some(c)) if c < e => match rest[c..].find("]]>") {
                Some(close) => at += c + close + 3,
                None => break,
            },
            (Some(e), _)
                if rest[e + end_tag.len()..].starts_with(|c: char| c == '>' || c.is_whitespace()) =>
            {
                let body = at + e - tag;
                return Some((tag, body));
            }
            (Some(e), _) => at += e + end_tag.len(),
            (None, _) => break,
        }
    }
    unclosed.push(name);
    None
}

/// `Some(true)` for a valid reference body (`amp`, `#38`, `#x26`), `Some(false)` for a
/// numeric reference to a character XML forbids, `None` when it is no reference at all.
fn reference_ok(body: &str) -> Option<bool> {
    if let Some(num) = body.strip_prefix('#') {
        let (digits, radix) = match num.strip_prefix('x') {
            Some(hex) => (hex, 16),
            None => (num, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let valid =
            u32::from_str_radix(digits, radix).ok().and_then(char::from_u32).is_some_and(|c| c != '\0');
        return Some(valid);
    }
    let mut chars = body.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    (first_ok && chars.all(|c| c.is_alphanumeric() || "._:-".contains(c))).then_some(true)
}

/// Byte offsets just after each `</item>` / `</entry>`, ascending: where a truncated or partly
/// broken document can be cut (see [`close_at`]) and parsed again.
pub(super) fn salvage_candidates(text: &str) -> Vec<usize> {
    let mut ends: Vec<usize> = ["</item>", "</entry>"]
        .iter()
        .flat_map(|needle| text.match_indices(needle).map(|(i, m)| i + m.len()))
        .collect();
    ends.sort_unstable();
    ends
}

/// Byte offset of the first point where the XML stops being well-formed (a syntax error, a
/// mismatched end tag, a bad character reference), found by one streaming pass; `None` if the
/// reader finds none.
pub(super) fn first_error(text: &str) -> Option<usize> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Err(_) => return usize::try_from(reader.error_position()).ok(),
            Ok(quick_xml::events::Event::Eof) => return None,
            Ok(quick_xml::events::Event::GeneralRef(r)) if r.resolve_char_ref().is_err() => {
                return usize::try_from(reader.buffer_position()).ok();
            }
            Ok(_) => {}
        }
    }
}

/// `text[..cut]` with every element still open at `cut` closed, or `None` if a comment, CDATA
/// section or tag is left unterminated there.
pub(super) fn close_at(text: &str, cut: usize) -> Option<String> {
    let prefix = text.get(..cut)?;
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = prefix;
    while let Some(pos) = rest.find('<') {
        let tail = &rest[pos..];
        let end = if tail.starts_with("<![CDATA[") {
            tail.find("]]>")? + 3
        } else if tail.starts_with("<!--") {
            tail.find("-->")? + 3
        } else if tail.starts_with("<?") {
            tail.find("?>")? + 2
        } else if tail.starts_with("<!") {
            tail.find('>')? + 1
        } else if let Some(close) = tail.strip_prefix("</") {
            let name = element_name(&tail[1..]);
            if let Some(at) = stack.iter().rposition(|open| *open == name) {
                stack.truncate(at);
            }
            close.find('>')? + 3
        } else {
            let len = start_tag_len(tail)?;
            if !tail[..len].ends_with("/>") {
                stack.push(element_name(tail));
            }
            len
        };
        rest = &tail[end..];
    }
    let mut out = prefix.to_string();
    for name in stack.iter().rev() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    Some(out)
}

/// The publisher in each RSS `<item>`'s `<source>` element (Google News), in document order.
pub(super) fn rss_item_sources(text: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_start_tag(rest, "item") {
        let block = &rest[start..];
        let end = block.find("</item>").unwrap_or(block.len());
        out.push(source_in(&block[..end]));
        rest = &block[end..];
    }
    out
}

fn source_in(item: &str) -> Option<String> {
    let start = find_start_tag(item, "source")?;
    let tag_len = start_tag_len(&item[start..])?;
    if item[start..start + tag_len].ends_with("/>") {
        return None;
    }
    let body = &item[start + tag_len..];
    let body = &body[..body.find("</source>")?];
    let cleaned = match body.trim().strip_prefix("<![CDATA[").and_then(|b| b.strip_suffix("]]>")) {
        Some(raw) => sanitize::clean_capped(raw, super::SOURCE_MAX),
        // XML-unescape, then HTML-decode, as feed-rs + clean do for titles.
        None => sanitize::clean_capped(&sanitize::clean(body), super::SOURCE_MAX),
    };
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Offset of the first `<name` start tag (followed by whitespace, `>` or `/`).
fn find_start_tag(hay: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = hay[from..].find('<') {
        let at = from + i;
        let after = &hay[at + 1..];
        if after.starts_with(name)
            && after[name.len()..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/')
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_summaries_and_full_texts_keep_their_start() {
        let long = "x".repeat(BODY_RAW_MAX + 100);
        let kept = &long[..BODY_RAW_MAX];
        let doc = format!(
            "<item><title>A &amp; B</title><description>long &bogus; {long}</description>\
             <content:encoded><![CDATA[<p>{long}</p></content:encoded> still quoted]]></content:encoded>\
             <summary type=\"html\">&lt;p&gt;{long}</summary><content src=\"x\"/><description>short & kept</description>\
             <content type=\"xhtml\"><div>{long}</div></content><descriptionX>{long}</descriptionX></item>"
        );
        let out = fix_references(&doc);
        // Text is cut at the limit (references repaired in what is kept), CDATA closed after the
        // cut, markup (XHTML) that cannot be cut whole becomes `…`; other elements are untouched.
        let text_cut = format!("long &bogus; {}…", &long[..BODY_RAW_MAX - "long &bogus; ".len()]);
        let cdata_cut = format!("<![CDATA[<p>{}…]]>", &long[..BODY_RAW_MAX - "<![CDATA[<p>".len()]);
        let escaped_cut = format!("&lt;p&gt;{}…", &kept[..BODY_RAW_MAX - "&lt;p&gt;".len()]);
        let want = format!(
            "<item><title>A &amp; B</title><description>{text_cut}</description>\
                 <content:encoded>{cdata_cut}</content:encoded>\
                 <summary type=\"html\">{escaped_cut}</summary><content src=\"x\"/><description>short &amp; kept</description>\
                 <content type=\"xhtml\">…</content><descriptionX>{long}</descriptionX></item>"
        );
        let differ =
            out.bytes().zip(want.bytes()).position(|(a, b)| a != b).unwrap_or(out.len().min(want.len()));
        let around = |s: &str| s[differ.saturating_sub(30)..(differ + 30).min(s.len())].to_string();
        assert!(out == want, "differ at {differ}: {:?} vs {:?}", around(&out), around(&want));
    }

    #[test]
    fn a_cut_never_splits_a_reference_or_a_character() {
        for pad in 0..8 {
            let body = format!("{}&amp;&#x2014;é€{}", "y".repeat(BODY_RAW_MAX - 12 + pad), "z".repeat(100));
            let out = fix_references(&format!("<description>{body}</description>"));
            let kept =
                out.strip_prefix("<description>").and_then(|o| o.strip_suffix("…</description>")).unwrap();
            assert!(body.starts_with(kept), "{pad}: {}", &kept[kept.len() - 20..]);
            let amp = kept.rfind('&');
            assert!(
                amp.is_none_or(|a| kept[a..].contains(';')),
                "{pad}: a reference was split: {}",
                &kept[kept.len() - 12..]
            );
        }
    }

    #[test]
    fn a_document_keeps_long_texts_until_its_budget_then_their_start() {
        let item = format!("<item><description>{}</description></item>", "w ".repeat(BODY_RAW_MAX));
        let doc = item.repeat(100);
        let out = fix_references(&doc);
        let sizes: Vec<usize> = out
            .split("<description>")
            .skip(1)
            .map(|d| d.split("</description>").next().unwrap().len())
            .collect();
        assert_eq!(sizes.len(), 100);
        let full = BODY_RAW_BUDGET / BODY_RAW_MAX;
        assert!(sizes[..full].iter().all(|&s| s == BODY_RAW_MAX + "…".len()), "{sizes:?}");
        assert!(sizes[full + 1..].iter().all(|&s| s == SHORT_KEEP + "…".len()), "{sizes:?}");
        assert!(out.len() < BODY_RAW_BUDGET + 100 * (SHORT_KEEP + 64), "{}", out.len());
    }

    #[test]
    fn an_unclosed_summary_is_kept_and_searched_for_once() {
        // Without an end tag the text stays (the parser decides); 50,000 of them stay linear.
        let doc = "<description>a & b".to_string() + &"<description>x".repeat(50_000);
        let out = fix_references(&doc);
        assert!(out.starts_with("<description>a &amp; b<description>x"), "{}", &out[..60]);
        assert_eq!(out.matches("<description>").count(), 50_001);
    }

    #[test]
    fn utf8_is_meant_unless_a_bom_utf16_or_another_label_says_otherwise() {
        assert!(utf8_is_meant(b"<rss/>", None));
        assert!(utf8_is_meant(b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss/>", None));
        assert!(!utf8_is_meant(b"\xEF\xBB\xBF<rss/>", None));
        assert!(!utf8_is_meant(b"<\0r\0s\0s\0", None));
        // Whenever it says so, `to_utf8` reads the bytes as they are.
        for (bytes, ct) in [
            (&b"<rss/>"[..], Some("application/rss+xml; charset=utf-16")),
            (b"<rss/>", Some("text/xml; charset=windows-1252")),
            (b"<?xml version=\"1.0\" encoding=\"utf-16\"?><rss/>", None),
            ("<rss>Zürich</rss>".as_bytes(), Some("text/xml; charset=iso-8859-1")),
        ] {
            if utf8_is_meant(bytes, ct) {
                assert_eq!(to_utf8(bytes, ct).as_bytes(), bytes, "{ct:?}");
            }
        }
    }

    #[test]
    fn references_are_repaired_outside_cdata_and_comments() {
        assert_eq!(
            fix_references("a & b &amp; &#38; &#x26; &nbsp; &#0; &#xD800; &#xZZ; c"),
            "a &amp; b &amp; &#38; &#x26; &nbsp;   &amp;#xZZ; c"
        );
        assert_eq!(
            fix_references("<t>1 < 2</t><![CDATA[x & <y>]]><!-- & -->"),
            "<t>1 &lt; 2</t><![CDATA[x & <y>]]><!-- & -->"
        );
    }

    #[test]
    fn rss_version_is_added_or_replaced() {
        assert_eq!(repair_xml("<rss><channel/></rss>".into()), "<rss version=\"2.0\"><channel/></rss>");
        assert_eq!(repair_xml("<rss a='>' version=\"0.93\">".into()), "<rss a='>' version=\"2.0\">");
        assert_eq!(repair_xml("<rss version='0.91'>".into()), "<rss version='0.91'>");
        assert_eq!(repair_xml("<?xml version=\"1.0\" encoding=\"big5\"?>\n<feed/>".into()), "\n<feed/>");
        assert_eq!(
            repair_xml("<?xml-stylesheet href=\"a\"?><feed/>".into()),
            "<?xml-stylesheet href=\"a\"?><feed/>"
        );
    }

    #[test]
    fn open_elements_are_closed_at_a_cut() {
        let doc = "<?xml?><!DOCTYPE x><rss><channel><br/><item a=\"</x>\">1</item><item>2";
        let cut = salvage_candidates(doc)[0];
        assert_eq!(
            close_at(doc, cut).as_deref(),
            Some("<?xml?><!DOCTYPE x><rss><channel><br/><item a=\"</x>\">1</item></channel></rss>")
        );
        assert_eq!(close_at("<a><![CDATA[x", 13), None);
    }

    #[test]
    fn document_kinds() {
        assert!(matches!(document_kind(" \u{feff}"), Doc::Junk));
        assert!(matches!(document_kind("<!-- a --><?pi x?>"), Doc::Empty));
        assert!(matches!(document_kind("<!DOCTYPE r [<!ENTITY e \"v\">]><rss/>"), Doc::Xml(30)));
        assert!(matches!(document_kind("\n{\"a\":1}"), Doc::Json));
        assert!(matches!(document_kind("<<"), Doc::Junk));
    }

    #[test]
    fn utf8_with_few_broken_bytes_is_still_utf8() {
        assert!(mostly_utf8("ééééé\u{ff}".as_bytes()));
        assert!(mostly_utf8(&"光模块".as_bytes()[..8]));
        let gbk = encoding_rs::GBK.encode("光模块需求强劲，中际旭创股价创新高").0;
        assert!(!mostly_utf8(&gbk));
    }

    #[test]
    fn item_sources_align_with_items() {
        let doc = "<rss><channel><source>no</source><item><title>a</title><source url='u'>A&amp;amp;B</source></item><item><source:outline/></item><item><source/></item></channel></rss>";
        assert_eq!(rss_item_sources(doc), [Some("A&B".to_string()), None, None]);
    }
}
