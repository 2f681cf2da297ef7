//! News filter language: parse a query once, then match news items and compute highlight ranges.
//!
//! Syntax (terms separated by whitespace, all ANDed):
//! - `word`, `"a phrase"`: case-insensitive substring of the title or the source.
//! - `$AAOI`, `t:AAOI`: the item is tagged with that ticker (exact, case-insensitive).
//! - `c:ID`, `r:ID`: the item is linked to that catalyst / risk id (exact, case-insensitive).
//! - `src:name`: case-insensitive substring of the item's source.
//! - `since:30m`, `since:6h`, `since:2d`, `since:1w`: published at or after `now - duration`;
//!   items without a date never match (so `-since:2d` keeps undated items).
//! - `/regex/`: case-insensitive regex over title or source; may contain spaces; `\/` is a slash.
//! - A leading `-` negates any term (`-word`, `-"a phrase"`, `-src:x`, `-$LITE`, `-/re/`).
//!
//! Operator values may be quoted (`src:"Nikkei Asia"`). An unterminated quote or regex takes the
//! rest of the input. Operator prefixes are case-insensitive. `$` followed by a digit is a plain
//! word (`$100m`), not a ticker.
//!
//! Half-typed queries do not error: incomplete terms are ignored, namely a lone `-`, an empty
//! phrase `""`, an empty regex `//`, an operator without a value (`t:`, `$`, `c:`, `r:`, `src:`,
//! `since:`) and a `since:` number still missing its unit (`since:2`). Only an invalid regex
//! and a malformed `since:` value (`since:abc`, `since:2x`, overflow) are errors.
//!
//! Case-insensitivity folds every char with `char::to_lowercase` (plus final sigma `ς` -> `σ`) on
//! both sides. The news history folds each title and source once, when the item arrives
//! ([`Folded`]), so matching is a substring search; highlight ranges are byte ranges of the
//! original text. A query that only narrows the previous one ([`Query::narrows`]) searches the
//! previous matches only.

use crate::core::domain::NewsItem;
use chrono::{DateTime, TimeDelta, Utc};
use regex::{Regex, RegexBuilder};
use std::ops::Range;
use std::sync::Arc;

/// Why a query could not be parsed. Messages are meant for the status bar.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    #[error("invalid regex /{pattern}/: {message}")]
    BadRegex { pattern: String, message: String },
    #[error("invalid since:{value}: use a number and a unit m, h, d or w (e.g. since:2d)")]
    BadSince { value: String },
}

/// A parsed query. Cloning is cheap (shared term list).
#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Arc<[Term]>,
}

#[derive(Debug)]
struct Term {
    negated: bool,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// Word or phrase over title and source.
    Text(Needle),
    /// Ticker tag; `display` is the upper-cased symbol for UI hints.
    Ticker {
        needle: Needle,
        display: String,
    },
    Catalyst(Needle),
    Risk(Needle),
    Source(Needle),
    Since(TimeDelta),
    Regex(Regex),
    /// `$` before a digit: the word as text (`$100m`) or the tag of a digit-leading symbol
    /// (`$4979.TWO`, Taipei).
    DollarWord {
        text: Needle,
        ticker: Needle,
    },
}

/// See [`Query::index_terms`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexTerms {
    pub words: Vec<String>,
    pub sources: Vec<String>,
    pub tags: Vec<String>,
    pub since: Option<DateTime<Utc>>,
}

/// The tag an index keeps for a ticker, catalyst or risk id (`t:aaoi`, `c:amd-lta`), folded as
/// the filter folds its needles.
pub fn tag(prefix: &str, id: &str) -> String {
    let mut out = String::from(prefix);
    fold_into(id, &mut out);
    out
}

/// A case-folded search string, prepared once.
#[derive(Debug)]
struct Needle {
    /// The folded needle, for substring search in [`Folded`] haystacks.
    text: Box<str>,
    chars: Box<[char]>,
    /// The folded needle as bytes when it is pure ASCII (fast path for ASCII haystacks).
    ascii: Option<Box<[u8]>>,
}

/// Parse a query. See the module docs for the syntax and which incomplete terms are ignored.
pub fn parse(input: &str) -> Result<Query, FilterError> {
    let mut terms = Vec::new();
    let mut rest = input.trim_start();
    while !rest.is_empty() {
        let (negated, body) = match rest.strip_prefix('-') {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let (kind, after) = parse_term(body)?;
        if let Some(kind) = kind {
            terms.push(Term { negated, kind });
        }
        rest = after.trim_start();
    }
    Ok(Query { terms: terms.into() })
}

/// Parse one term at the start of `s`; returns the term (None when ignored) and the remainder.
fn parse_term(s: &str) -> Result<(Option<Kind>, &str), FilterError> {
    if let Some(inner) = s.strip_prefix('"') {
        let (phrase, after) = read_quoted(inner);
        return Ok((Needle::new(phrase).map(Kind::Text), after));
    }
    if let Some(inner) = s.strip_prefix('/') {
        let (pattern, after) = read_regex(inner);
        return Ok((build_regex(&pattern)?.map(Kind::Regex), after));
    }
    if let Some(value) = s.strip_prefix('$').filter(|v| v.starts_with(|c: char| c.is_ascii_digit())) {
        // `$100m` is money in a title, `$4979.TWO` a digit-leading symbol: match either.
        let (word, after) = read_word(s);
        let (symbol, _) = read_word(value);
        let kind = Needle::new(word)
            .zip(Needle::new(symbol))
            .map(|(text, ticker)| Kind::DollarWord { text, ticker });
        return Ok((kind, after));
    }
    const OPS: [&str; 6] = ["src:", "since:", "t:", "c:", "r:", "$"];
    let op = OPS.iter().copied().find(|op| s.get(..op.len()).is_some_and(|p| p.eq_ignore_ascii_case(op)));
    let Some(op) = op else {
        let (word, after) = read_word(s);
        return Ok((Needle::new(word).map(Kind::Text), after));
    };
    let value_src = &s[op.len()..];
    let (value, after) = match value_src.strip_prefix('"') {
        Some(inner) => read_quoted(inner),
        None => read_word(value_src),
    };
    let kind = match op {
        "since:" => parse_since(value)?.map(Kind::Since),
        "t:" | "$" => {
            let value = value.strip_prefix('$').unwrap_or(value);
            Needle::new(value).map(|needle| Kind::Ticker { needle, display: value.to_uppercase() })
        }
        "c:" => Needle::new(value).map(Kind::Catalyst),
        "r:" => Needle::new(value).map(Kind::Risk),
        _ => Needle::new(value).map(Kind::Source),
    };
    Ok((kind, after))
}

/// Text up to the next whitespace.
fn read_word(s: &str) -> (&str, &str) {
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    s.split_at(end)
}

/// Text up to the closing `"` (consumed), or all of `s` when unterminated.
fn read_quoted(s: &str) -> (&str, &str) {
    match s.find('"') {
        Some(end) => (&s[..end], &s[end + 1..]),
        None => (s, ""),
    }
}

/// Regex source up to an unescaped `/` (consumed), or all of `s`; `\/` becomes `/`.
fn read_regex(s: &str) -> (String, &str) {
    let mut pattern = String::with_capacity(s.len());
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '/' => return (pattern, &s[i + 1..]),
            '\\' => match chars.next() {
                Some((_, '/')) => pattern.push('/'),
                Some((_, next)) => {
                    pattern.push('\\');
                    pattern.push(next);
                }
                None => pattern.push('\\'),
            },
            _ => pattern.push(c),
        }
    }
    (pattern, "")
}

fn build_regex(pattern: &str) -> Result<Option<Regex>, FilterError> {
    if pattern.is_empty() {
        return Ok(None);
    }
    RegexBuilder::new(pattern).case_insensitive(true).build().map(Some).map_err(|e| {
        let full = e.to_string();
        // Syntax errors span several lines (pattern, caret, "error: ..."); keep the reason.
        let message = full
            .lines()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or(full.lines().last().unwrap_or_default())
            .trim()
            .to_string();
        FilterError::BadRegex { pattern: pattern.to_string(), message }
    })
}

/// `2d` -> 2 days. Empty or digits-only values are incomplete (None); anything else malformed
/// is an error.
fn parse_since(value: &str) -> Result<Option<TimeDelta>, FilterError> {
    let bad = || FilterError::BadSince { value: value.to_string() };
    let digits = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (number, unit) = value.split_at(digits);
    if unit.is_empty() {
        return Ok(None);
    }
    let n: i64 = number.parse().map_err(|_| bad())?;
    let delta = match unit.to_ascii_lowercase().as_str() {
        "m" => TimeDelta::try_minutes(n),
        "h" => TimeDelta::try_hours(n),
        "d" => TimeDelta::try_days(n),
        "w" => TimeDelta::try_weeks(n),
        _ => return Err(bad()),
    };
    delta.map(Some).ok_or_else(bad)
}

impl Query {
    /// True when the query has no effective terms (it then matches everything).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether `item` passes every term; `now` anchors `since:`.
    pub fn matches(&self, item: &NewsItem, now: DateTime<Utc>) -> bool {
        self.matches_folded(item, &Folded::new(item), now)
    }

    /// [`Query::matches`] with the item's title and source folded in advance (the history keeps
    /// them), so a keystroke over 10,000 items is a plain substring search per item.
    pub fn matches_folded(&self, item: &NewsItem, folded: &Folded, now: DateTime<Utc>) -> bool {
        self.terms.iter().all(|t| t.kind.matches(item, folded, now) != t.negated)
    }

    /// What an index can narrow the query by, for a search of the archive: every positive word
    /// or phrase (folded) must occur in the title or source, every positive `src:` value in the
    /// source, every positive tag (`t:aaoi`, `c:id`, `r:id`, folded) be on the item, and the
    /// item be dated at or after `since`. A superset of the matches: each candidate is then
    /// checked with [`Query::matches`], so the archive answers exactly as the window does.
    pub fn index_terms(&self, now: DateTime<Utc>) -> IndexTerms {
        let mut out = IndexTerms::default();
        for term in self.terms.iter().filter(|t| !t.negated) {
            match &term.kind {
                Kind::Text(n) => out.words.push(n.text.to_string()),
                Kind::Source(n) => out.sources.push(n.text.to_string()),
                Kind::Ticker { needle, .. } => out.tags.push(format!("t:{}", needle.text)),
                Kind::Catalyst(n) => out.tags.push(format!("c:{}", n.text)),
                Kind::Risk(n) => out.tags.push(format!("r:{}", n.text)),
                Kind::Since(delta) => {
                    if let Some(cutoff) = now.checked_sub_signed(*delta) {
                        out.since = Some(out.since.map_or(cutoff, |s: DateTime<Utc>| s.max(cutoff)));
                    }
                }
                Kind::Regex(_) | Kind::DollarWord { .. } => {}
            }
        }
        out
    }

    /// The oldest publication time this query can match, if it is bounded by `since:`.
    pub fn since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.index_terms(now).since
    }

    /// True when every item this query matches is also matched by `wider`: same terms (plus
    /// possibly more), where a positive word or source term may have grown longer. Then a
    /// keystroke only needs to search the items `wider` matched.
    pub fn narrows(&self, wider: &Query) -> bool {
        wider.terms.len() <= self.terms.len()
            && wider.terms.iter().zip(self.terms.iter()).all(|(w, n)| n.implies(w))
    }

    /// Byte ranges in `text` (a title or source string) to highlight: the positive word/phrase/regex
    /// hits, merged, sorted, non-overlapping, on char boundaries of `text`.
    pub fn highlights(&self, text: &str) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        let ascii = text.is_ascii();
        for term in self.terms.iter().filter(|t| !t.negated) {
            match &term.kind {
                Kind::Text(needle) | Kind::DollarWord { text: needle, .. } => {
                    let mut from = 0;
                    while let Some(r) = needle.find(text, ascii, from) {
                        // Step one char past the start so overlapping hits are found too.
                        from = r.start + text[r.start..].chars().next().map_or(1, char::len_utf8);
                        ranges.push(r);
                    }
                }
                Kind::Regex(re) => {
                    ranges.extend(re.find_iter(text).map(|m| m.range()).filter(|r| !r.is_empty()));
                }
                _ => {}
            }
        }
        ranges.sort_unstable_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

    /// Ticker symbols referenced positively (`$X` / `t:X`), upper-cased, deduplicated, in query
    /// order, for UI hints.
    pub fn tickers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for term in self.terms.iter().filter(|t| !t.negated) {
            if let Kind::Ticker { display, .. } = &term.kind
                && !out.contains(display)
            {
                out.push(display.clone());
            }
        }
        out
    }
}

impl Term {
    /// Every item passing `self` also passes `wider`.
    fn implies(&self, wider: &Term) -> bool {
        if self.negated != wider.negated {
            return false;
        }
        match (&self.kind, &wider.kind) {
            // A longer needle containing the shorter one finds a subset (only when positive).
            (Kind::Text(a), Kind::Text(b)) | (Kind::Source(a), Kind::Source(b)) => {
                if self.negated {
                    a.text == b.text
                } else {
                    a.text.contains(&*b.text)
                }
            }
            (Kind::Ticker { needle: a, .. }, Kind::Ticker { needle: b, .. })
            | (Kind::Catalyst(a), Kind::Catalyst(b))
            | (Kind::Risk(a), Kind::Risk(b)) => a.text == b.text,
            (Kind::Since(a), Kind::Since(b)) => a == b,
            (Kind::DollarWord { text: a, .. }, Kind::DollarWord { text: b, .. }) => a.text == b.text,
            (Kind::Regex(a), Kind::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

/// An item's title and source, case-folded once (see [`Query::matches_folded`]), in one
/// allocation: the history keeps one per item.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Folded {
    text: Box<str>,
    /// Where the title ends and the source starts in `text`.
    split: usize,
}

impl Folded {
    pub fn new(item: &NewsItem) -> Folded {
        let mut text = String::with_capacity(item.title.len() + item.source.len());
        fold_into(&item.title, &mut text);
        let split = text.len();
        fold_into(&item.source, &mut text);
        Folded { text: text.into_boxed_str(), split }
    }

    fn title(&self) -> &str {
        self.text.get(..self.split).unwrap_or_default()
    }

    fn source(&self) -> &str {
        self.text.get(self.split..).unwrap_or_default()
    }
}

impl Kind {
    fn matches(&self, item: &NewsItem, folded: &Folded, now: DateTime<Utc>) -> bool {
        match self {
            Kind::Text(n) => folded.title().contains(&*n.text) || folded.source().contains(&*n.text),
            Kind::Ticker { needle, .. } => item.tickers.iter().any(|t| needle.equals(t)),
            Kind::Catalyst(n) => item.catalysts.iter().any(|c| n.equals(c)),
            Kind::Risk(n) => item.risks.iter().any(|r| n.equals(r)),
            Kind::Source(n) => folded.source().contains(&*n.text),
            Kind::Since(delta) => item.published.is_some_and(|p| match now.checked_sub_signed(*delta) {
                Some(cutoff) => p >= cutoff,
                None => true,
            }),
            Kind::Regex(re) => re.is_match(&item.title) || re.is_match(&item.source),
            Kind::DollarWord { text, ticker } => {
                folded.title().contains(&*text.text)
                    || folded.source().contains(&*text.text)
                    || item.tickers.iter().any(|t| ticker.equals(t))
            }
        }
    }
}

/// Appends the case fold of `text` to `out` ([`fold`] per char; ASCII text takes a fast path).
fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.extend(text.chars().flat_map(fold));
    }
}

/// Case fold of one char: lowercase, with final sigma mapped to sigma (the tagger folds alike).
pub(crate) fn fold(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().map(|l| if l == 'ς' { 'σ' } else { l })
}

impl Needle {
    /// None for an empty needle (an ignored, incomplete term).
    fn new(text: &str) -> Option<Needle> {
        let chars: Box<[char]> = text.chars().flat_map(fold).collect();
        if chars.is_empty() {
            return None;
        }
        let ascii = chars.iter().all(char::is_ascii).then(|| chars.iter().map(|&c| c as u8).collect());
        Some(Needle { text: chars.iter().collect(), chars, ascii })
    }

    /// Whole-string case-insensitive equality.
    fn equals(&self, s: &str) -> bool {
        let mut folded = s.chars().flat_map(fold);
        self.chars.iter().all(|&n| folded.next() == Some(n)) && folded.next().is_none()
    }

    /// First hit starting at or after byte `from` (a char boundary of `hay`), widened to whole
    /// chars of `hay`. `hay_ascii` must be `hay.is_ascii()`.
    fn find(&self, hay: &str, hay_ascii: bool, from: usize) -> Option<Range<usize>> {
        if hay_ascii {
            // Folding ASCII yields ASCII, so a non-ASCII needle cannot occur.
            let needle = self.ascii.as_deref()?;
            let bytes = hay.as_bytes();
            let last = bytes.len().checked_sub(needle.len())?;
            return (from..=last)
                .find(|&i| bytes[i..i + needle.len()].eq_ignore_ascii_case(needle))
                .map(|i| i..i + needle.len());
        }
        let first = *self.chars.first()?;
        for (offset, c) in hay.get(from..)?.char_indices() {
            let start = from + offset;
            for (skip, f) in fold(c).enumerate() {
                if f == first
                    && let Some(end) = self.match_at(hay, start, skip)
                {
                    return Some(start..end);
                }
            }
        }
        None
    }

    /// End byte of a hit beginning `skip` folded chars into the char at byte `start`, if any.
    fn match_at(&self, hay: &str, start: usize, mut skip: usize) -> Option<usize> {
        let mut j = 0;
        for (offset, c) in hay[start..].char_indices() {
            for f in fold(c).skip(skip) {
                if self.chars[j] != f {
                    return None;
                }
                j += 1;
                if j == self.chars.len() {
                    return Some(start + offset + c.len_utf8());
                }
            }
            skip = 0;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0).unwrap()
    }

    fn item(title: &str, source: &str) -> NewsItem {
        NewsItem {
            id: title.to_string(),
            title: title.to_string(),
            link: String::new(),
            source: source.to_string(),
            text: None,
            published: None,
            tickers: Vec::new(),
            catalysts: Vec::new(),
            risks: Vec::new(),
        }
    }

    fn tagged(tickers: &[&str], catalysts: &[&str], risks: &[&str]) -> NewsItem {
        let mut it = item("Optics supply news", "Reuters");
        it.tickers = tickers.iter().map(|s| s.to_string()).collect();
        it.catalysts = catalysts.iter().map(|s| s.to_string()).collect();
        it.risks = risks.iter().map(|s| s.to_string()).collect();
        it
    }

    fn dated(hours_ago: i64) -> NewsItem {
        let mut it = item("Laser news", "Reuters");
        it.published = Some(now() - TimeDelta::hours(hours_ago));
        it
    }

    fn m(query: &str, it: &NewsItem) -> bool {
        parse(query).unwrap().matches(it, now())
    }

    fn hl(query: &str, text: &str) -> Vec<Range<usize>> {
        parse(query).unwrap().highlights(text)
    }

    #[test]
    fn empty_query_matches_everything() {
        for q in ["", "   ", "\t\n"] {
            let query = parse(q).unwrap();
            assert!(query.is_empty());
            assert!(query.matches(&item("anything", "x"), now()));
            assert!(query.highlights("anything").is_empty());
        }
        assert!(!parse("laser").unwrap().is_empty());
    }

    #[test]
    fn words_are_anded_case_insensitive_over_title_and_source() {
        let it = item("Sivers Photonics ships CW LASER samples", "Reuters");
        assert!(m("laser", &it));
        assert!(m("LASER sivers", &it));
        assert!(m("reuters laser", &it));
        assert!(m("REUT", &it));
        assert!(!m("laser lidar", &it));
        // A word never spans the title/source boundary.
        assert!(!m("samplesreuters", &it));
    }

    #[test]
    fn negated_word_excludes() {
        let it = item("Lumentum lidar deal", "Bloomberg");
        assert!(!m("-lidar", &it));
        assert!(!m("-LIDAR", &it));
        assert!(!m("-bloomberg", &it));
        assert!(m("-radar", &it));
        assert!(m("deal -radar", &it));
        assert!(!m("deal -deal", &it));
    }

    #[test]
    fn phrases_quoted_and_negated() {
        let it = item("New CW Laser ramp at Sivers", "EE Times");
        assert!(m("\"cw laser\"", &it));
        assert!(!m("\"laser cw\"", &it));
        assert!(m("\"ee times\"", &it));
        assert!(!m("-\"cw laser\"", &it));
        assert!(m("-\"laser cw\"", &it));
        assert!(m("\"cw laser\"sivers", &it));
        assert!(!m("\"cw laser\"nope", &it));
    }

    #[test]
    fn unterminated_quote_takes_rest_of_input() {
        let it = item("Co-packaged optics shipments rise", "Nikkei");
        assert!(m("\"co-packaged opt", &it));
        assert!(m("shipments \"packaged optics shipm", &it));
        // `-x` inside the open quote is part of the phrase, not a negation.
        assert!(!m("\"optics -shipments", &it));
        assert!(m("-\"optics nope", &it));
        assert!(!m("-\"optics ship", &it));
    }

    #[test]
    fn ticker_tags() {
        let it = tagged(&["AAOI", "SIVE"], &[], &[]);
        for q in ["$AAOI", "$aaoi", "t:AAOI", "t:aaoi", "T:Aaoi", "t:$AAOI", "$sive $aaoi"] {
            assert!(m(q, &it), "{q}");
        }
        for q in ["$LITE", "t:AAO", "$AAOIX", "-$AAOI", "-t:sive"] {
            assert!(!m(q, &it), "{q}");
        }
        assert!(m("-$LITE", &it));
        assert!(m("t:\"sive\"", &it));
        // Tags are not text: the title does not mention AAOI.
        assert!(!m("aaoi", &it));
    }

    #[test]
    fn dollar_before_digit_is_a_word() {
        let it = item("AAOI wins $100M hyperscaler order", "Reuters");
        assert!(m("$100m", &it));
        assert!(!m("$200m", &it));
        assert!(!m("-$100m", &it));
        assert!(parse("$100m").unwrap().tickers().is_empty());
        assert_eq!(hl("$100m", &it.title), vec![10..15]);
    }

    #[test]
    fn dollar_before_digit_also_matches_a_digit_leading_symbol() {
        // Taipei listings (Luxnet: 4979.TWO) start with a digit; `$SYM` must find them like `t:SYM`.
        let it = tagged(&["4979.TWO"], &[], &[]);
        for q in ["$4979.TWO", "$4979.two", "t:4979.TWO"] {
            assert!(m(q, &it), "{q}");
        }
        assert!(!m("-$4979.TWO", &it));
        assert!(!m("$4979", &it), "a tag matches whole, as with letters");
        assert!(m("-$4979", &it));
    }

    #[test]
    fn catalyst_and_risk_ids_exact_case_insensitive() {
        let it = tagged(&[], &["cpo-ramp"], &["china-export"]);
        assert!(m("c:cpo-ramp", &it));
        assert!(m("C:CPO-Ramp", &it));
        assert!(!m("c:cpo", &it));
        assert!(!m("c:china-export", &it));
        assert!(!m("-c:cpo-ramp", &it));
        assert!(m("-c:other", &it));
        assert!(m("r:China-Export", &it));
        assert!(!m("r:china", &it));
        assert!(!m("r:cpo-ramp", &it));
        assert!(!m("-r:china-export", &it));
        assert!(m("-r:other c:cpo-ramp", &it));
    }

    #[test]
    fn source_substring() {
        let it = item("Reuters says optics are hot", "Nikkei Asia");
        assert!(m("src:nikkei", &it));
        assert!(m("SRC:ASIA", &it));
        assert!(m("src:\"kei asia\"", &it));
        assert!(!m("src:reuters", &it), "src: looks at the source only");
        assert!(m("-src:reuters", &it));
        assert!(!m("-src:nikkei", &it));
        assert!(!m("-src:\"nikkei asia\"", &it));
    }

    #[test]
    fn since_with_fixed_now() {
        let fresh = dated(1);
        let day_old = dated(30);
        let week_old = dated(24 * 7);
        let undated = item("Laser news", "Reuters");
        assert!(m("since:2h", &fresh));
        assert!(!m("since:30m", &fresh));
        assert!(m("since:90m", &fresh));
        assert!(m("since:2d", &day_old));
        assert!(!m("since:6h", &day_old));
        assert!(m("since:1w", &week_old), "the cutoff itself is included");
        assert!(!m("since:6d", &week_old));
        assert!(m("SINCE:2D", &day_old));
        assert!(!m("since:1w", &undated), "undated items do not match since:");
        assert!(m("-since:1d", &undated));
        assert!(m("-since:1d", &day_old));
        assert!(!m("-since:1d", &fresh));
        assert!(m("since:0m", &dated(0)));
    }

    #[test]
    fn narrows_only_when_every_match_stays_a_match() {
        let n = |narrow: &str, wide: &str| parse(narrow).unwrap().narrows(&parse(wide).unwrap());
        // Typing on: a longer positive word, another term, a completed operator.
        assert!(n("optics", "optic"));
        assert!(n("optic las", "optic"));
        assert!(n("src:reuters", "src:reu"));
        assert!(n("laser since:2d", "laser since:2"));
        assert!(n("laser", ""));
        // Not narrowing: negations and exact tags widen or change as they grow.
        assert!(!n("-optics", "-optic"));
        assert!(!n("$AAOI", "$AA"));
        assert!(!n("c:cpo", "c:cp"));
        assert!(!n("since:10d", "since:1d"));
        assert!(!n("/ab|/", "/ab/"));
        assert!(!n("optic", "optics"));
        assert!(!n("laser", "optic"));
    }

    #[test]
    fn malformed_since_is_an_error() {
        for v in ["abc", "2x", "2dd", "-2d", "d", "99999999999999999999d", "9999999999999w"] {
            let err = parse(&format!("laser since:{v}")).unwrap_err();
            assert_eq!(err, FilterError::BadSince { value: v.to_string() });
            let msg = err.to_string();
            assert!(msg.contains(&format!("since:{v}")) && msg.contains("since:2d"), "{msg}");
        }
    }

    #[test]
    fn incomplete_terms_are_ignored() {
        for q in ["t:", "$", "c:", "r:", "src:", "since:", "since:2", "-", "\"\"", "\"", "//", "/"] {
            let query = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert!(query.is_empty(), "{q}");
        }
        for q in ["-t:", "-$", "-since:", "- laser", "laser t:", "src: laser", "$ laser", "since:3 laser"] {
            let query = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert!(query.matches(&item("Laser", "x"), now()), "{q}");
            assert!(!query.matches(&item("Other", "x"), now()) || q.starts_with('-'), "{q}");
        }
    }

    #[test]
    fn regex_terms() {
        let it = item("Coherent ramps CW   laser output", "EE Times");
        assert!(m("/cw\\s+laser/", &it));
        assert!(m("/COHERENT.*LASER/", &it));
        assert!(m("/ramps cw/", &it), "spaces inside slashes");
        assert!(m("/^ee t/", &it), "source too");
        assert!(!m("/lidar|radar/", &it));
        assert!(m("-/lidar|radar/", &it));
        assert!(!m("-/c.herent/", &it));
        assert!(m("/las.r/ coherent", &it));
        assert!(!m("/las.r/ nope", &it));
        assert!(m("/ramps c", &it), "unterminated regex takes the rest");
        let slash = item("AAOI 800G/1.6T transceivers", "x");
        assert!(m("/800g\\/1\\.6t/", &slash));
        assert!(!m("/800g\\/2/", &slash));
        assert!(m("/\\d+g/", &slash), "other escapes pass through");
    }

    #[test]
    fn invalid_regex_is_a_readable_error() {
        let err = parse("laser /foo(/").unwrap_err();
        match &err {
            FilterError::BadRegex { pattern, message } => {
                assert_eq!(pattern, "foo(");
                assert!(message.contains("unclosed group"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.starts_with("invalid regex /foo(/: ") && !msg.contains('\n'), "{msg}");
        assert!(parse("/[z-a]/").is_err());
    }

    #[test]
    fn combinations() {
        let mut it = dated(5);
        it.title = "AAOI ramps CW laser for CPO".into();
        it.tickers = vec!["AAOI".into()];
        it.catalysts = vec!["cpo-ramp".into()];
        let q = "$AAOI laser -lidar src:reut since:1d c:cpo-ramp /cw.+cpo/ -r:dilution";
        assert!(m(q, &it));
        assert!(!m(&format!("{q} -$aaoi"), &it));
        assert!(!m(&format!("{q} since:2h"), &it));
        assert!(!m(&format!("{q} t:LITE"), &it));
        assert!(!m("-\"cw laser\" $aaoi", &it));
    }

    #[test]
    fn cjk_titles() {
        let it = item("住友電工、光通信向けCWレーザーを増産", "日経");
        assert!(m("光通信", &it));
        assert!(m("住友 cwレーザー", &it));
        assert!(m("\"光通信向け\"", &it));
        assert!(m("src:日経", &it));
        assert!(!m("-光通信", &it));
        assert!(!m("光通信 半導体", &it));
        assert!(m("/レーザー.*増産/", &it));
        assert_eq!(hl("光通信", &it.title), vec![15..24]);
        assert_eq!(hl("cwレーザー", &it.title), vec![30..44]);
    }

    #[test]
    fn emoji() {
        let it = item("🚀 AAOI soars 🚀 on CPO", "x");
        assert!(m("🚀", &it));
        assert!(m("\"soars 🚀\"", &it));
        assert!(!m("-🚀", &it));
        assert_eq!(hl("🚀", &it.title), vec![0..4, 16..20]);
    }

    #[test]
    fn mixed_case_non_ascii() {
        assert!(m("ärger", &item("ÄRGER bei Infinera", "x")));
        assert!(m("ÄRGER", &item("ärger bei Infinera", "x")));
        assert!(m("STRAßE", &item("Straße", "x")));
        assert!(m("straße", &item("STRAßE", "x")));
        assert!(m("οδος", &item("ΟΔΟΣ", "x")), "final sigma folds");
        assert!(m("ΟΔΟΣ", &item("οδος", "x")));
        assert!(m("kelvin", &item("5 \u{212A}elvin", "x")), "Kelvin sign folds to ASCII k");
        assert!(m("İstanbul", &item("İSTANBUL fab", "x")));
        assert!(m("i", &item("İ", "x")));
        assert!(!m("ä", &item("a", "x")));
    }

    #[test]
    fn highlights_map_back_when_lowercase_changes_length() {
        // 'İ' is 2 bytes and lowercases to 3 bytes.
        assert_eq!(hl("laser", "İİ laser"), vec![5..10]);
        assert_eq!(hl("İ", "İİ laser"), vec![0..4]);
        assert_eq!(hl("i", "xİ"), vec![1..3], "a hit inside a char widens to the whole char");
        assert_eq!(hl("kelvin", "5 \u{212A}elvin"), vec![2..10]);
        assert_eq!(hl("STRASSE straße", "Die Straße"), vec![4..11]);
    }

    #[test]
    fn highlights_merge_sort_and_skip_negated_and_tags() {
        assert_eq!(hl("aa aaa", "aaaa"), vec![0..4]);
        assert_eq!(hl("laser", "Laser x LASER"), vec![0..5, 8..13]);
        assert_eq!(hl("cd ab", "abcd ab"), vec![0..4, 5..7], "adjacent hits merge");
        assert_eq!(hl("laser -cw $cw t:laser src:laser c:laser", "cw laser"), vec![3..8]);
        assert_eq!(hl("/l.s/", "Laser lost"), vec![0..3, 6..9]);
        assert_eq!(hl("/x*/", "abc"), Vec::<Range<usize>>::new(), "empty matches dropped");
        assert_eq!(hl("/las/ laser \"er x\"", "laser x"), vec![0..7]);
        assert_eq!(hl("-/las/", "laser"), Vec::<Range<usize>>::new());
    }

    #[test]
    fn highlight_ranges_are_sorted_disjoint_char_boundaries() {
        let texts = ["İİ Laser lasers", "光通信光通信 ÄÄ", "🚀🚀 ẞ ß ss", "ΣΟΣ σος"];
        let queries = ["las er", "光通 通信", "ä", "ß", "s σ", "/[^ ]+/ i", "ss /s/"];
        for text in texts {
            for q in queries {
                let ranges = hl(q, text);
                for w in ranges.windows(2) {
                    assert!(w[0].end < w[1].start, "{q} in {text}: {ranges:?}");
                }
                for r in &ranges {
                    assert!(r.start < r.end && r.end <= text.len(), "{q} in {text}: {r:?}");
                    assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                }
            }
        }
    }

    #[test]
    fn tickers_lists_positive_symbols() {
        let q = parse("$aaoi t:Lite -$cohr $AAOI laser t:$sive -t:mtsi").unwrap();
        assert_eq!(q.tickers(), vec!["AAOI", "LITE", "SIVE"]);
        assert!(parse("laser").unwrap().tickers().is_empty());
    }

    #[test]
    fn query_clones_share_terms() {
        let q = parse("laser /cw/").unwrap();
        let c = q.clone();
        assert!(Arc::ptr_eq(&q.terms, &c.terms));
        assert!(c.matches(&item("CW laser", "x"), now()));
        assert!(format!("{c:?}").contains("Regex"));
    }
}
