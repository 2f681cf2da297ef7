//! Untrusted text (feed titles, sources, links) -> safe, readable display text.
//!
//! [`clean`] decodes HTML entities once, strips inline HTML tags, removes terminal escape
//! sequences (7-bit and 8-bit forms), control characters, bidi overrides, zero-width and other
//! invisible spoofing characters, and collapses whitespace. U+200D (zero-width joiner) is kept
//! only between two emoji-like characters so ZWJ emoji sequences (👨‍👩‍👧) survive; U+200C
//! (zero-width non-joiner) is always removed. Numeric references in 128..=159 follow the HTML
//! rule and map to their windows-1252 characters (`&#146;` -> `’`); raw C1 characters are removed.

use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;

const ESC: char = '\u{1b}';

/// Decode entities, strip tags, remove controls/escapes/invisible characters, collapse whitespace.
pub fn clean(input: &str) -> String {
    let decoded = decode_entities(input);
    let untagged = strip_tags(&decoded);
    flags_to_letters(strip_controls(&untagged, false))
}

/// The letter a regional-indicator symbol stands for (U+1F1E6 `🇦` -> `A`).
pub fn regional_letter(c: char) -> Option<char> {
    let offset = u32::from(c).checked_sub(0x1F1E6).filter(|&o| o < 26)?;
    char::from_u32(u32::from('A') + offset)
}

/// Regional-indicator symbols as letters: a pair (a flag, `🇸🇪`) becomes `[SE]`, a lone one its
/// letter. Terminals disagree on their width (one cell, two, a pair as one glyph), and a wrong
/// guess leaves stray glyphs on screen when the list scrolls.
fn flags_to_letters(text: String) -> String {
    if !text.chars().any(|c| regional_letter(c).is_some()) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let Some(first) = regional_letter(c) else {
            out.push(c);
            continue;
        };
        match chars.peek().copied().and_then(regional_letter) {
            Some(second) => {
                chars.next();
                out.extend(['[', first, second, ']']);
            }
            None => out.push(first),
        }
    }
    out
}

/// Terminal-safe multi-line text (error messages, reports): removes escape sequences, controls
/// and invisible characters like [`clean`], but keeps line breaks (`\r\n`, `\r`, U+0085,
/// U+2028/9 become `\n`) and the spacing inside lines (tabs become one space), trims line ends
/// and blank lines at both ends. Entities and tags are left as written.
pub fn clean_multiline(input: &str) -> String {
    let stripped = strip_controls(input, true);
    let lines: Vec<&str> = stripped.split('\n').map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let last = lines.iter().rposition(|l| !l.is_empty()).map_or(first, |l| l + 1);
    lines[first..last].join("\n")
}

/// Untrusted text in lines (an article made text) -> safe text of at most `max_chars`
/// characters: escape sequences, controls, bidi overrides and invisible characters removed as
/// [`clean`] does, spaces collapsed inside each line (an indent of up to 8 kept), at most one
/// blank line between lines of text and none at the ends. Entities and tags are left as they
/// are (the text was decoded already). Idempotent, so text read back is cleaned by it again.
pub fn clean_block(input: &str, max_chars: usize) -> String {
    let stripped = flags_to_letters(strip_controls(cap_raw(input, max_chars * 4 + 4), true));
    let mut out = String::with_capacity(stripped.len());
    let mut blank = false;
    for line in stripped.split('\n') {
        let indent = (line.len() - line.trim_start_matches(' ').len()).min(8);
        let mut words = line.split(' ').filter(|w| !w.is_empty()).peekable();
        if words.peek().is_none() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.extend(std::iter::repeat_n(' ', indent));
        for (i, w) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    cap(out, max_chars)
}

/// Untrusted text is cut to this many bytes before any cleaning, so no field costs more than
/// this however large the document it came in.
pub const RAW_MAX: usize = 64 * 1024;

/// `input` cut to at most `max_bytes` bytes, at a character boundary.
pub fn cap_raw(input: &str, max_bytes: usize) -> &str {
    if input.len() <= max_bytes {
        return input;
    }
    let mut end = max_bytes;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    &input[..end]
}

/// Longest text field read back from the cache or the state file, in characters.
pub const STORED_MAX: usize = 4096;

/// Text that was cleaned before it was stored (cache, state file) and is now read back: the file
/// may have been edited, so escape sequences, controls, bidi overrides and invisible characters
/// are removed again and the length is capped at `max_chars` (at most [`STORED_MAX`]). Entities
/// and tags are left as they are: decoding twice would turn a title's literal `&lt;` into `<`.
/// Idempotent on text that [`clean`] produced.
pub fn clean_stored(input: &str, max_chars: usize) -> String {
    let max_chars = max_chars.min(STORED_MAX);
    if already_clean(input, max_chars) {
        return input.to_string(); // the common case: text we cleaned ourselves, read back
    }
    // Bound the work before looking at the characters: 4 bytes per kept character at most.
    cap(flags_to_letters(strip_controls(cap_raw(input, max_chars * 4 + 4), false)), max_chars)
}

/// Whether `text` is what [`clean_stored`] would make of it: no controls, invisible or flag
/// characters, single spaces only between words, and at most `max_chars` characters. One pass
/// over the text, no allocation.
fn already_clean(text: &str, max_chars: usize) -> bool {
    if text.starts_with(' ') || text.ends_with(' ') || text.len() > max_chars * 4 {
        return false;
    }
    if text.is_ascii() {
        // Printable ASCII, no double space: the common case, checked a byte at a time.
        let bytes = text.as_bytes();
        return bytes.len() <= max_chars
            && bytes.iter().all(|b| (0x20..0x7f).contains(b))
            && !bytes.windows(2).any(|w| w == b"  ");
    }
    let mut prev_space = false;
    let mut count = 0;
    for c in text.chars() {
        count += 1;
        let space = c == ' ';
        if (space && prev_space)
            || (c.is_whitespace() && !space)
            || c.is_control()
            || is_invisible(c)
            || regional_letter(c).is_some()
        {
            return false;
        }
        prev_space = space;
    }
    count <= max_chars
}

/// The first [`RAW_MAX`] bytes of `input`, [`clean`]ed and capped to `max_chars` characters,
/// with `…` appended when cut (cut between graphemes).
pub fn clean_capped(input: &str, max_chars: usize) -> String {
    cap(clean(cap_raw(input, RAW_MAX)), max_chars)
}

/// `cleaned` cut to `max_chars` characters with `…` (between graphemes), or as it is.
fn cap(cleaned: String, max_chars: usize) -> String {
    if cleaned.chars().count() <= max_chars {
        return cleaned;
    }
    if max_chars == 0 {
        return String::new();
    }
    let budget = max_chars - 1;
    let mut out = String::new();
    let mut used = 0;
    for g in cleaned.graphemes(true) {
        let n = g.chars().count();
        if used + n > budget {
            break;
        }
        out.push_str(g);
        used += n;
    }
    // A joiner left at the cut would join the ellipsis: drop it with any trailing space.
    let mut out = out.trim_end_matches(|c: char| c == '\u{200D}' || c.is_whitespace()).to_string();
    out.push('…');
    out
}

/// [`clean`] for URLs: additionally removes all whitespace. The scheme is checked by callers.
pub fn clean_url(input: &str) -> String {
    clean(input).chars().filter(|c| !c.is_whitespace()).collect()
}

/// Decode named (`&amp;`) and numeric (`&#39;`, `&#x1b;`) references in one pass, so
/// `&amp;amp;` becomes `&amp;`. Unknown names and references without `;` stay as written.
fn decode_entities(input: &str) -> Cow<'_, str> {
    if !input.contains('&') {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        match decode_one(tail) {
            Some((decoded, used)) => {
                out.push_str(&decoded);
                rest = &tail[used..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decode the reference at the start of `s` (which starts with `&`): (text, bytes consumed).
fn decode_one(s: &str) -> Option<(Cow<'static, str>, usize)> {
    let semi = s.bytes().take(40).position(|b| b == b';')?;
    let body = &s[1..semi];
    let value = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).unwrap_or(u32::MAX)
            }
            Some(_) => return None,
            None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                num.parse().unwrap_or(u32::MAX)
            }
            None => return None,
        };
        Cow::Owned(numeric_char(code).to_string())
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let table = &html_escape::NAMED_ENTITIES;
        let idx = table.binary_search_by(|(name, _)| (*name).cmp(body.as_bytes())).ok()?;
        Cow::Borrowed(table[idx].1)
    };
    Some((value, semi + 1))
}

/// HTML numeric reference rules: 0, surrogates and out-of-range become U+FFFD, 128..=159 map to
/// windows-1252, everything else (including C0 controls, removed later) is taken as is.
fn numeric_char(code: u32) -> char {
    const W1252: [u16; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
        0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
        0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let code = match code {
        0x80..=0x9F => u32::from(W1252[(code - 0x80) as usize]),
        _ => code,
    };
    if code == 0 {
        return '\u{FFFD}';
    }
    char::from_u32(code).unwrap_or('\u{FFFD}')
}

/// Inline/block HTML elements that titles carry; only these are stripped, so prose like
/// `x<y and z>w` survives.
const TAGS: &str = "a abbr b big blockquote br cite code del dfn div em font h1 h2 h3 h4 h5 h6 hr i img \
                    ins kbd li mark nobr ol p pre q s samp script small span strike strong style sub \
                    sup time tt u ul var wbr";

/// Remove `<!-- comments -->` and start/end tags of the [`TAGS`] elements; block elements
/// become a space. Linear in the input: each search stops at the next `<` or remembers that it
/// found nothing (an unterminated comment means no later one is terminated either).
fn strip_tags(input: &str) -> Cow<'_, str> {
    if !input.contains('<') {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    let mut comments_end = true;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        match tag_len(tail, &mut comments_end) {
            Some((len, block)) => {
                if block {
                    out.push(' ');
                }
                rest = &tail[len..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The longest name in [`TAGS`].
const TAG_NAME_MAX: usize = 10;

/// Length of a strippable tag at the start of `s`, and whether it separates words.
/// `comments_end` turns false once a comment had no `-->` after it, so later ones skip the search.
fn tag_len(s: &str, comments_end: &mut bool) -> Option<(usize, bool)> {
    if let Some(body) = s.strip_prefix("<!--") {
        if !*comments_end {
            return None;
        }
        let end = body.find("-->");
        *comments_end = end.is_some();
        return end.map(|end| (4 + end + 3, false));
    }
    let body = s[1..].strip_prefix('/').unwrap_or(&s[1..]);
    let name_len = body.bytes().take(TAG_NAME_MAX + 1).take_while(|b| b.is_ascii_alphanumeric()).count();
    if name_len > TAG_NAME_MAX {
        return None;
    }
    let name = body[..name_len].to_ascii_lowercase();
    if !TAGS.split_whitespace().any(|t| t == name) {
        return None;
    }
    let after = &body[name_len..];
    if !(after.starts_with(['>', '/']) || after.starts_with(|c: char| c.is_whitespace())) {
        return None;
    }
    // A `<` before the `>` means this is no tag; stopping there keeps the scan from reaching
    // past the caller's next search start.
    let close = after.find(['<', '>']).filter(|&i| after.as_bytes()[i] == b'>')?;
    let len = s.len() - after.len() + close + 1;
    let block = matches!(name.as_str(), "br" | "p" | "div" | "li" | "hr" | "blockquote" | "ul" | "ol")
        || name.starts_with('h') && name.len() == 2;
    Some((len, block))
}

/// Drop escape sequences, controls and invisible characters. Whitespace runs become one space,
/// or with `multiline`, line breaks become `\n` and other whitespace one space each.
fn strip_controls(input: &str, multiline: bool) -> String {
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            ESC => i = skip_escape(&chars, i),
            '\u{9b}' => i = skip_csi(&chars, i),
            '\u{9d}' => i = skip_string(&chars, i, true),
            '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => i = skip_string(&chars, i, false),
            '\u{200D}' => {
                let prev = out.chars().next_back();
                let next = chars.get(i).copied();
                if prev.is_some_and(is_emoji_like) && next.is_some_and(is_emoji_like) {
                    out.push(c);
                }
            }
            '\u{E0020}'..='\u{E007F}' => {
                // Emoji tag sequences (subdivision flags) follow U+1F3F4.
                if matches!(out.chars().next_back(), Some('\u{1F3F4}' | '\u{E0020}'..='\u{E007F}')) {
                    out.push(c);
                }
            }
            '\r' if multiline && chars.get(i) == Some(&'\n') => {}
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' if multiline => out.push('\n'),
            c if c.is_whitespace() && multiline => out.push(' '),
            c if c.is_whitespace() => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    if !multiline && out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Skip what follows an ESC at `j`: CSI, OSC, DCS/SOS/PM/APC strings, nF and 2-char forms.
fn skip_escape(chars: &[char], j: usize) -> usize {
    match chars.get(j) {
        Some('[') => skip_csi(chars, j + 1),
        Some(']') => skip_string(chars, j + 1, true),
        Some('P' | 'X' | '^' | '_') => skip_string(chars, j + 1, false),
        Some('\u{20}'..='\u{2f}') => {
            let mut k = j;
            while matches!(chars.get(k), Some('\u{20}'..='\u{2f}')) {
                k += 1;
            }
            if matches!(chars.get(k), Some('\u{30}'..='\u{7e}')) { k + 1 } else { k }
        }
        Some('\u{30}'..='\u{7e}') => j + 1,
        _ => j,
    }
}

/// Skip CSI parameters/intermediates and the final byte; stop early at anything else.
fn skip_csi(chars: &[char], mut k: usize) -> usize {
    while let Some(&c) = chars.get(k) {
        match c {
            '\u{40}'..='\u{7e}' => return k + 1,
            '\u{20}'..='\u{3f}' => k += 1,
            _ => return k,
        }
    }
    k
}

/// Skip a control string up to ST (`ESC \` or U+009C), or BEL for OSC; CAN/SUB abort it.
/// An unterminated string runs to the end of the text, as it would in a terminal.
fn skip_string(chars: &[char], mut k: usize, bel_ends: bool) -> usize {
    while let Some(&c) = chars.get(k) {
        match c {
            '\u{7}' if bel_ends => return k + 1,
            '\u{9c}' | '\u{18}' | '\u{1a}' => return k + 1,
            ESC if chars.get(k + 1) == Some(&'\\') => return k + 2,
            ESC => return k,
            _ => k += 1,
        }
    }
    k
}

/// Bidi controls, zero-width and other invisible format characters used for spoofing.
/// Whether a typed or pasted character may enter text shown on screen (the filter line): no
/// controls, escapes, bidi overrides or invisible format characters.
pub fn is_safe_char(c: char) -> bool {
    !(c.is_control() || is_invisible(c) || ('\u{E0000}'..='\u{E0FFF}').contains(&c))
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Characters that may sit on either side of a ZWJ inside an emoji sequence.
pub fn is_emoji_like(c: char) -> bool {
    matches!(
        c,
        '\u{00A9}'
            | '\u{00AE}'
            | '\u{203C}'
            | '\u{2049}'
            | '\u{2122}'
            | '\u{2139}'
            | '\u{2190}'..='\u{21FF}'
            | '\u{2300}'..='\u{23FF}'
            | '\u{2600}'..='\u{27BF}'
            | '\u{2B00}'..='\u{2BFF}'
            | '\u{FE0F}'
            | '\u{1F000}'..='\u{1FAFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_for_clean_stored_text_agrees_with_the_full_one() {
        let slow = |t: &str, n: usize| cap(flags_to_letters(strip_controls(cap_raw(t, n * 4 + 4), false)), n);
        let samples = [
            "Lumentum raises guidance",
            "光通信 laser 🚀 ok",
            " leading",
            "trailing ",
            "two  spaces",
            "tab\there",
            "nbsp\u{a0}here",
            "esc\u{1b}[31m",
            "zwj 👨\u{200D}👩",
            "flag \u{1F1F8}\u{1F1EA}",
            "bidi \u{202E}x",
            "",
            "exactly five",
        ];
        for t in samples {
            for n in [3, 5, 12, 100] {
                assert_eq!(clean_stored(t, n), slow(t, n), "{t:?} at {n}");
            }
        }
    }

    #[test]
    fn stored_text_is_cleaned_again_but_never_decoded_twice() {
        let shown = clean("a &amp;lt;b&amp;gt; c &amp;amp; 👨\u{200D}👩");
        assert_eq!(shown, "a &lt;b&gt; c &amp; 👨\u{200D}👩");
        assert_eq!(clean_stored(&shown, STORED_MAX), shown, "idempotent on clean text");
        assert_eq!(clean_stored("x\u{1b}]52;c;QQ==\u{7}y \u{202E}z\u{9b}2J", STORED_MAX), "xy z");
        assert_eq!(clean_stored(&"ab".repeat(10_000), 5), "abab…");
        assert_eq!(clean_stored(&"é".repeat(STORED_MAX * 2), STORED_MAX).chars().count(), STORED_MAX);
    }

    #[test]
    fn regional_indicators_become_letters() {
        assert_eq!(clean("\u{1F1F8}\u{1F1EA} Sivers ships"), "[SE] Sivers ships");
        assert_eq!(clean("\u{1F1FA}\u{1F1F8}\u{1F1E8}\u{1F1F3} trade"), "[US][CN] trade");
        assert_eq!(clean("lone \u{1F1FF} and \u{1F1E6}"), "lone Z and A");
        assert_eq!(clean("\u{1F1F9}\u{1F1FC}\u{1F1EF}"), "[TW]J", "an odd run ends with a letter");
        assert_eq!(regional_letter('\u{1F1E5}'), None);
        assert_eq!(regional_letter('\u{1F200}'), None);
        assert_eq!(clean("🚀 光通信 ok"), "🚀 光通信 ok", "other emoji and CJK stay");
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(clean("Lumentum raises guidance"), "Lumentum raises guidance");
        assert_eq!(clean(""), "");
    }

    #[test]
    fn named_and_numeric_entities_decode() {
        assert_eq!(clean("AT&amp;T &lt;3 &quot;q&quot; &apos;a&apos;"), "AT&T <3 \"q\" 'a'");
        assert_eq!(clean("caf&eacute; &mdash; &hellip;"), "café — …");
        assert_eq!(clean("it&#39;s &#x27;x&#X27;"), "it's 'x'");
        assert_eq!(clean("&#8364;5 &#x1F600;"), "€5 😀");
    }

    #[test]
    fn double_encoded_entities_decode_once() {
        assert_eq!(clean("Tom &amp;amp; Jerry"), "Tom &amp; Jerry");
        assert_eq!(clean("don&amp;#39;t"), "don&#39;t");
    }

    #[test]
    fn malformed_entities_stay_literal() {
        assert_eq!(clean("a & b &c d"), "a & b &c d");
        assert_eq!(clean("x&nosuch;y &#;z &#xZZ;"), "x&nosuch;y &#;z &#xZZ;");
        assert_eq!(clean("q?a=1&b=2"), "q?a=1&b=2");
        assert_eq!(clean("&#0; &#xD800; &#99999999999;"), "\u{FFFD} \u{FFFD} \u{FFFD}");
    }

    #[test]
    fn c1_numeric_references_follow_windows_1252() {
        assert_eq!(clean("don&#146;t &#150; &#128;"), "don’t – €");
    }

    #[test]
    fn escape_entities_are_removed_with_their_sequence() {
        assert_eq!(clean("&#27;[31mRED&#27;[0m"), "RED");
        assert_eq!(clean("&#x1b;[2J&#x1B;]0;pwned&#7;ok"), "ok");
    }

    #[test]
    fn html_tags_are_stripped() {
        assert_eq!(clean("<b>Bold</b> move by <a href=\"x\">AAOI</a>"), "Bold move by AAOI");
        assert_eq!(clean("line<br/>break<p>para</p>"), "line break para");
        assert_eq!(clean("&lt;i&gt;x&lt;/i&gt; <!-- c -->y"), "x y");
        assert_eq!(clean("a < b and c > d"), "a < b and c > d");
        assert_eq!(clean("x<y and z>w <3"), "x<y and z>w <3");
        assert_eq!(clean("<bogus>kept</bogus>"), "<bogus>kept</bogus>");
    }

    #[test]
    fn csi_sequences_are_removed() {
        assert_eq!(clean("\x1b[1;31mAlert\x1b[0m!"), "Alert!");
        assert_eq!(clean("a\x1b[?25lb\x1b[2Jc"), "abc");
        assert_eq!(clean("trail\x1b["), "trail");
    }

    #[test]
    fn osc_and_string_sequences_are_removed() {
        assert_eq!(clean("\x1b]0;evil title\x07Headline"), "Headline");
        assert_eq!(clean("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"), "link");
        assert_eq!(clean("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(clean("a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d"), "abcd");
        assert_eq!(clean("keep\x1b]0;unterminated"), "keep");
    }

    #[test]
    fn two_char_and_charset_escapes_are_removed() {
        assert_eq!(clean("a\x1bcb\x1b7c\x1b(Bd\x1b"), "abcd");
        assert_eq!(clean("x\x1b\x1b[0my"), "xy");
    }

    #[test]
    fn eight_bit_c1_sequences_are_removed() {
        assert_eq!(clean("a\u{9b}31mb\u{9b}0mc"), "abc");
        assert_eq!(clean("a\u{9d}0;title\u{9c}b"), "ab");
        assert_eq!(clean("a\u{9d}0;title\x07b"), "ab");
        assert_eq!(clean("a\u{90}dcs\u{9c}b\u{9f}apc\u{9c}c"), "abc");
        assert_eq!(clean("a\u{85}b\u{80}\u{9c}c"), "a bc");
    }

    #[test]
    fn controls_and_del_are_removed_whitespace_controls_become_space() {
        assert_eq!(clean("a\x00b\x07c\x08d\x7fe"), "abcde");
        assert_eq!(clean("one\ttwo\nthree\r\nfour"), "one two three four");
    }

    #[test]
    fn bidi_controls_are_removed() {
        assert_eq!(clean("abc\u{202E}fdp.exe"), "abcfdp.exe");
        for c in ['\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}']
            .into_iter()
            .chain(['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{061C}'])
        {
            assert_eq!(clean(&format!("x{c}y")), "xy", "{:04X}", c as u32);
        }
    }

    #[test]
    fn zero_width_and_invisible_are_removed() {
        for c in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}'] {
            assert_eq!(clean(&format!("pay{c}pal")), "paypal", "{:04X}", c as u32);
        }
        assert_eq!(clean("&shy;in&#x200B;vis&zwj;ible"), "invisible");
        assert_eq!(clean("a\u{E0041}b"), "ab");
    }

    #[test]
    fn zwj_inside_emoji_sequences_is_kept() {
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(clean(family), family);
        let rainbow = "🏳\u{FE0F}\u{200D}🌈";
        assert_eq!(clean(rainbow), rainbow);
        let england = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
        assert_eq!(clean(england), england);
        assert_eq!(clean("a\u{200D}😀"), "a😀");
    }

    #[test]
    fn unicode_text_is_kept() {
        let s = "光模块 需求 — Société Générale ñ ü 日本語のテキスト 한국어 🚀";
        assert_eq!(clean(s), s);
    }

    #[test]
    fn whitespace_collapses_and_trims() {
        assert_eq!(clean("  a  \u{a0}\u{3000} b \n\n c  "), "a b c");
        assert_eq!(clean("&nbsp;&nbsp;x&#32;&#32;y"), "x y");
        assert_eq!(clean(" \t\n "), "");
    }

    #[test]
    fn capping_appends_ellipsis_on_grapheme_boundary() {
        assert_eq!(clean_capped("short", 10), "short");
        assert_eq!(clean_capped("exactly10!", 10), "exactly10!");
        assert_eq!(clean_capped("hello world again", 8), "hello w…");
        assert_eq!(clean_capped("hello world", 7), "hello…");
        assert_eq!(clean_capped("光模块需求大增", 4), "光模块…");
        // e + combining acute is one grapheme of two chars: never split.
        assert_eq!(clean_capped("ae\u{301}e\u{301}e\u{301}", 3), "a…");
        assert_eq!(clean_capped("abc", 0), "");
        assert!(clean_capped(&"x".repeat(1000), 300).chars().count() <= 300);
    }

    #[test]
    fn capping_counts_after_cleaning() {
        assert_eq!(clean_capped("<b>abc</b>&amp;", 4), "abc&");
    }

    #[test]
    fn multiline_keeps_lines_and_layout() {
        let toml_error =
            "\nTOML parse error at line 1, column 10\r\n  |\n1 | a = \"x\x1b[31m\"\n  |     ^\t\n\n";
        assert_eq!(
            clean_multiline(toml_error),
            "TOML parse error at line 1, column 10\n  |\n1 | a = \"x\"\n  |     ^"
        );
        assert_eq!(clean_multiline("a\rb\u{85}c\u{2028}d"), "a\nb\nc\nd");
        assert_eq!(clean_multiline("keep &amp; <b>as is</b>\u{202E}\u{200B}"), "keep &amp; <b>as is</b>");
        assert_eq!(clean_multiline("\x1b]0;t\x07\n\n"), "");
    }

    #[test]
    fn urls_lose_whitespace_and_controls() {
        assert_eq!(clean_url(" https://ex.com/a b\n?c=1&amp;d=2 "), "https://ex.com/ab?c=1&d=2");
        assert_eq!(clean_url("https://ex.com/\x1b[31mx\u{202E}y"), "https://ex.com/xy");
    }
}
