//! Links headlines to the thesis: which tickers, catalysts and risks a news title mentions.
//!
//! Matching runs over the title only (the source names the publisher, not the subject).
//! Keywords, company names and aliases match case-insensitively on word boundaries
//! ("lite" never matches inside "satellite"; "Lumentum" matches "Lumentum's"), with any run of
//! spaces/hyphens in a keyword matching any run in the title ("co-packaged optics" matches
//! "co packaged  optics"). Keywords containing CJK characters match as plain substrings. A keyword
//! of terms joined by ` & ` needs every term somewhere in the title, in any order
//! (`AMD & supply agreement` tags "AMD signs long-term supply agreement").
//! Ticker symbols match case-sensitively in upper case as whole words (`LITE`, not "Lite"), as
//! `$lite`, or after an exchange prefix (`NASDAQ: LITE`). A configured company name is also tried
//! without its company form ("Applied Optoelectronics, Inc." -> "Applied Optoelectronics"); when
//! that leaves one word ("Coherent Corp." -> "Coherent") it matches only as configured or in
//! capitals, since the bare word is also prose. Everything is prepared once in [`Tagger::new`]; a title is folded once per
//! [`Tagger::tag`] and each pattern is a substring search with boundary checks (no regex: the
//! Unicode word classes a regex needs here cost megabytes per pattern).

use crate::core::domain::{NewsItem, ThesisItem, TickerSpec};

/// Exchange prefixes that introduce a ticker symbol, as in "(NASDAQ: LITE)".
const EXCHANGES: &[&str] = &[
    "nasdaq",
    "nyse",
    "nyse american",
    "nysearca",
    "amex",
    "otc",
    "otcqx",
    "otcmkts",
    "tsx",
    "lse",
    "asx",
    "omx",
    "sto",
    "xsto",
    "stockholm",
    "fra",
    "xetra",
    "tyo",
    "hkex",
];

/// Company-form words dropped from a configured name to get the name headlines use.
const COMPANY_SUFFIXES: &[&str] = &[
    "inc",
    "inc.",
    "incorporated",
    "corp",
    "corp.",
    "corporation",
    "co",
    "co.",
    "ltd",
    "ltd.",
    "limited",
    "plc",
    "ab",
    "ab (publ)",
    "publ",
    "ag",
    "sa",
    "s.a.",
    "nv",
    "n.v.",
    "se",
    "llc",
    "holdings",
    "group",
];

/// One way a name can appear in a title.
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    /// Any case, separators as any run of spaces/hyphens/dashes: a needle in the folded title.
    Phrase(Needle),
    /// Exactly as written (case-sensitive), in the original title.
    Exact(Needle),
    /// A ticker symbol written `$sym` or `EXCHANGE: sym`, any case (needle is the folded symbol).
    Symbol(Needle),
    /// Every one of these, anywhere in the title (a keyword `a & b`).
    All(Vec<Pattern>),
}

/// A search string and whether its ends must sit on word boundaries.
#[derive(Debug, Clone, PartialEq)]
struct Needle {
    text: String,
    open: bool,
    close: bool,
}

impl Needle {
    /// Boundaries wherever the text starts / ends with a word character.
    fn new(text: String) -> Option<Needle> {
        let open = text.chars().next().is_some_and(is_word);
        let close = text.chars().next_back().is_some_and(is_word);
        (!text.is_empty()).then_some(Needle { text, open, close })
    }

    /// Start offsets in `hay` of hits whose ends sit on boundaries (overlapping hits included).
    fn hits<'h>(&'h self, hay: &'h str) -> impl Iterator<Item = usize> + 'h {
        let mut from = 0;
        std::iter::from_fn(move || {
            while let Some(at) = hay.get(from..).and_then(|rest| rest.find(&self.text)).map(|i| from + i) {
                from = at + hay[at..].chars().next().map_or(1, char::len_utf8);
                let end = at + self.text.len();
                if (!self.open || boundary(hay[..at].chars().next_back()))
                    && (!self.close || boundary(hay[end..].chars().next()))
                {
                    return Some(at);
                }
            }
            None
        })
    }
}

/// A title prepared once for every pattern.
struct Title<'a> {
    original: &'a str,
    folded: String,
}

impl<'a> Title<'a> {
    fn new(original: &'a str) -> Title<'a> {
        Title { original, folded: normalize(original) }
    }
}

impl Pattern {
    fn is_in(&self, title: &Title) -> bool {
        match self {
            Pattern::Phrase(n) => n.hits(&title.folded).next().is_some(),
            Pattern::Exact(n) => n.hits(title.original).next().is_some(),
            Pattern::Symbol(n) => n.hits(&title.folded).any(|at| symbol_prefix(&title.folded[..at])),
            Pattern::All(parts) => parts.iter().all(|p| p.is_in(title)),
        }
    }
}

/// Whether the text before a symbol ends in `$` or in `EXCHANGE:` (spaces allowed around the
/// colon), the exchange name starting on a word boundary.
fn symbol_prefix(before: &str) -> bool {
    if before.ends_with('$') {
        return true;
    }
    let Some(before_colon) = before.trim_end().strip_suffix(':') else { return false };
    let head = before_colon.trim_end();
    EXCHANGES.iter().any(|ex| head.strip_suffix(ex).is_some_and(|rest| boundary(rest.chars().next_back())))
}

/// Case fold (lowercase, final sigma as sigma) with each run of spaces, hyphens and dashes as
/// one space, trimmed: the form keywords and titles are compared in.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_sep(c) {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(crate::core::filter::fold(c));
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn is_sep(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}')
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A word boundary next to a match: the text's edge, a non-word character, or a CJK character
/// (CJK text has no spaces: "台湾Luxnet、" mentions Luxnet).
fn boundary(c: Option<char>) -> bool {
    c.is_none_or(|c| !is_word(c) || is_cjk(c))
}

/// Prepared matchers for the configured tickers, catalysts and risks.
#[derive(Debug, Clone)]
pub struct Tagger {
    tickers: Vec<(String, Vec<Pattern>)>,
    catalysts: Vec<(String, Vec<Pattern>)>,
    risks: Vec<(String, Vec<Pattern>)>,
}

impl Tagger {
    pub fn new(tickers: &[TickerSpec], catalysts: &[ThesisItem], risks: &[ThesisItem]) -> Self {
        Tagger {
            tickers: tickers.iter().map(|t| (t.symbol.clone(), ticker_patterns(t))).collect(),
            catalysts: thesis_matchers(catalysts),
            risks: thesis_matchers(risks),
        }
    }

    /// Fill `item.tickers` (display symbols), `item.catalysts` and `item.risks` (ids), in config
    /// order without duplicates; previous tags are replaced.
    pub fn tag(&self, item: &mut NewsItem) {
        let title = Title::new(&item.title);
        item.tickers = matches(&self.tickers, &title);
        item.catalysts = matches(&self.catalysts, &title);
        item.risks = matches(&self.risks, &title);
    }
}

fn matches(matchers: &[(String, Vec<Pattern>)], title: &Title) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, patterns) in matchers {
        if !out.contains(name) && patterns.iter().any(|p| p.is_in(title)) {
            out.push(name.clone());
        }
    }
    out
}

fn thesis_matchers(items: &[ThesisItem]) -> Vec<(String, Vec<Pattern>)> {
    items
        .iter()
        .map(|item| (item.id.clone(), item.keywords.iter().filter_map(|k| keyword_pattern(k)).collect()))
        .collect()
}

fn push_new(out: &mut Vec<Pattern>, p: Option<Pattern>) {
    if let Some(p) = p.filter(|p| !out.contains(p)) {
        out.push(p);
    }
}

fn ticker_patterns(t: &TickerSpec) -> Vec<Pattern> {
    let mut out = Vec::new();
    for symbol in [t.symbol.trim(), t.provider().trim()] {
        if symbol.is_empty() {
            continue;
        }
        push_new(&mut out, Needle::new(symbol.to_uppercase()).map(Pattern::Exact));
        push_new(&mut out, Needle::new(normalize(symbol)).map(Pattern::Symbol));
    }
    let names = std::iter::once(t.name.as_str()).chain(t.aliases.iter().map(String::as_str));
    for name in names {
        push_new(&mut out, keyword_pattern(name));
        let short = strip_company_suffix(name);
        if short.len() == name.trim().len() {
            continue;
        }
        // "Coherent Corp." -> "Coherent": a lone word is also an ordinary word, so keep its
        // configured capitals (and the all-caps form) instead of matching any case.
        if short.contains(char::is_whitespace) {
            push_new(&mut out, keyword_pattern(short));
        } else {
            push_new(&mut out, Needle::new(short.to_string()).map(Pattern::Exact));
            push_new(&mut out, Needle::new(short.to_uppercase()).map(Pattern::Exact));
        }
    }
    out
}

/// "Applied Optoelectronics, Inc." -> "Applied Optoelectronics"; "Sivers Semiconductors AB" ->
/// "Sivers Semiconductors". Never strips a name down to nothing.
fn strip_company_suffix(name: &str) -> &str {
    let mut name = name.trim();
    loop {
        let lower = name.to_lowercase();
        let cut = COMPANY_SUFFIXES.iter().find_map(|s| {
            let head = lower.strip_suffix(s)?;
            let head_trimmed = head.trim_end_matches([' ', ',']);
            (head_trimmed.len() < head.len() && !head_trimmed.is_empty()).then_some(head_trimmed.len())
        });
        match cut {
            // Lowercasing can change byte lengths outside ASCII; only cut when it lines up.
            Some(len) if name.is_char_boundary(len) && lower.len() == name.len() => name = &name[..len],
            _ => return name,
        }
    }
}

/// Case-insensitive, word-aware pattern for a keyword; spaces and hyphens inside it match any
/// run of spaces/hyphens/dashes. CJK keywords match as plain substrings. Terms joined by an `&`
/// with space on both sides must all be present (`AT&T` stays one term).
fn keyword_pattern(keyword: &str) -> Option<Pattern> {
    let terms = and_terms(keyword);
    if terms.len() > 1 {
        let parts: Option<Vec<Pattern>> = terms.into_iter().map(term_pattern).collect();
        return parts.map(Pattern::All);
    }
    term_pattern(keyword)
}

/// Why a configured keyword can match nothing (`check` reports it), or `None` if it is usable.
pub fn keyword_problem(keyword: &str) -> Option<&'static str> {
    let terms = and_terms(keyword);
    if terms.iter().all(|t| normalize(t).is_empty()) {
        Some("is empty")
    } else if terms.iter().any(|t| normalize(t).is_empty()) {
        Some("has an empty term beside ` & `")
    } else {
        None
    }
}

/// `a & b & c` -> [a, b, c]: split at each `&` with whitespace on both sides.
fn and_terms(keyword: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut start = 0;
    for (at, _) in keyword.match_indices('&') {
        let spaced_before = keyword[..at].chars().next_back().is_some_and(char::is_whitespace);
        let spaced_after = keyword[at + 1..].chars().next().is_some_and(char::is_whitespace);
        if spaced_before && spaced_after {
            terms.push(keyword[start..at].trim());
            start = at + 1;
        }
    }
    terms.push(keyword[start..].trim());
    terms
}

fn term_pattern(keyword: &str) -> Option<Pattern> {
    let folded = normalize(keyword);
    let mut needle = Needle::new(folded)?;
    if keyword.chars().any(is_cjk) {
        (needle.open, needle.close) = (false, false);
    }
    Some(Pattern::Phrase(needle))
}

fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{2E80}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7AF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FF00}'..='\u{FFEF}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticker(symbol: &str, provider: &str, name: &str, aliases: &[&str]) -> TickerSpec {
        TickerSpec {
            symbol: symbol.into(),
            provider_symbol: provider.into(),
            name: name.into(),
            currency: String::new(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..TickerSpec::default()
        }
    }

    fn thesis(id: &str, keywords: &[&str]) -> ThesisItem {
        ThesisItem {
            id: id.into(),
            title: format!("title of {id}"),
            why: String::new(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            expected: None,
            slips: None,
            tickers: Vec::new(),
        }
    }

    fn tagger() -> Tagger {
        Tagger::new(
            &[
                ticker("SIVE", "SIVE.ST", "Sivers Semiconductors AB", &["Sivers"]),
                ticker("AAOI", "", "Applied Optoelectronics, Inc.", &[]),
                ticker("LITE", "", "Lumentum", &["Lumentum Holdings"]),
                ticker("COHR", "", "Coherent Corp.", &[]),
                ticker("MTSI", "", "MACOM Technology Solutions Holdings, Inc.", &["MACOM"]),
            ],
            &[
                thesis("cpo", &["co-packaged optics", "CPO"]),
                thesis("cw", &["CW laser", "continuous-wave laser"]),
                thesis("cn", &["光模块"]),
                thesis("empty", &[]),
                thesis("lite-word", &["lite"]),
            ],
            &[thesis("tariff", &["tariff", "export controls"]), thesis("cpp", &["C++"])],
        )
    }

    fn tag(title: &str) -> NewsItem {
        let mut item = NewsItem {
            id: "x".into(),
            title: title.into(),
            link: String::new(),
            source: "src".into(),
            text: None,
            published: None,
            tickers: vec!["STALE".into()],
            catalysts: vec!["stale".into()],
            risks: vec!["stale".into()],
        };
        tagger().tag(&mut item);
        item
    }

    #[test]
    fn uppercase_symbols_match_as_whole_words() {
        assert_eq!(tag("AAOI and LITE rally").tickers, ["AAOI", "LITE"]);
        assert_eq!(tag("Shares of COHR, MTSI fall").tickers, ["COHR", "MTSI"]);
        assert!(tag("AAOIX fund").tickers.is_empty());
        assert!(tag("XLITE launches").tickers.is_empty());
    }

    #[test]
    fn symbol_in_prose_case_does_not_match() {
        assert!(tag("Microsoft Teams Lite arrives").tickers.is_empty());
        assert!(tag("a lite version").tickers.is_empty());
    }

    #[test]
    fn dollar_and_exchange_forms_match() {
        assert_eq!(tag("Why $lite could double").tickers, ["LITE"]);
        assert_eq!(tag("Buy $AAOI now").tickers, ["AAOI"]);
        assert_eq!(tag("Widget maker (NASDAQ: LITE) reports").tickers, ["LITE"]);
        assert_eq!(tag("Widget maker (Nasdaq:aaoi) reports").tickers, ["AAOI"]);
    }

    #[test]
    fn provider_symbol_matches() {
        assert_eq!(tag("SIVE.ST jumps 10%").tickers, ["SIVE"]);
    }

    #[test]
    fn names_and_aliases_match_case_insensitive_word_aware() {
        assert_eq!(tag("Lumentum's outlook").tickers, ["LITE"]);
        assert_eq!(tag("LUMENTUM HOLDINGS upgraded").tickers, ["LITE"]);
        assert_eq!(tag("sivers wins order").tickers, ["SIVE"]);
        assert_eq!(tag("MACOM and Sivers partner").tickers, ["SIVE", "MTSI"]);
        assert!(tag("Lumentumx is not a word").tickers.is_empty());
    }

    #[test]
    fn company_forms_are_dropped_from_names() {
        assert_eq!(tag("Applied Optoelectronics beats estimates").tickers, ["AAOI"]);
        assert_eq!(tag("applied optoelectronics, inc. files 10-K").tickers, ["AAOI"]);
        assert_eq!(tag("Sivers Semiconductors signs deal").tickers, ["SIVE"]);
        assert_eq!(tag("MACOM Technology Solutions reports").tickers, ["MTSI"]);
    }

    #[test]
    fn a_lone_word_name_keeps_its_capitals() {
        assert_eq!(tag("Coherent raises guidance").tickers, ["COHR"]);
        assert_eq!(tag("COHERENT CORP. FILES").tickers, ["COHR"]);
        assert!(tag("a coherent strategy for lasers").tickers.is_empty());
    }

    #[test]
    fn keywords_are_word_aware() {
        assert_eq!(tag("Satellite makers eye lasers").catalysts, Vec::<String>::new());
        assert_eq!(tag("A lite read").catalysts, ["lite-word"]);
        assert_eq!(tag("Tariffs loom").risks, Vec::<String>::new());
        assert_eq!(tag("New tariff on optics").risks, ["tariff"]);
    }

    #[test]
    fn keywords_are_case_insensitive() {
        assert_eq!(tag("Nvidia bets on CO-PACKAGED OPTICS").catalysts, ["cpo"]);
        assert_eq!(tag("cpo adoption").catalysts, ["cpo"]);
        assert_eq!(tag("Stricter Export Controls").risks, ["tariff"]);
    }

    #[test]
    fn multi_word_keywords_match_space_and_hyphen_variants() {
        assert_eq!(tag("co packaged optics ramps").catalysts, ["cpo"]);
        assert_eq!(tag("co-packaged   optics ramps").catalysts, ["cpo"]);
        assert_eq!(tag("co\u{2011}packaged optics").catalysts, ["cpo"]);
        assert_eq!(tag("Continuous wave laser demand").catalysts, ["cw"]);
        assert_eq!(tag("cw-laser shortage").catalysts, ["cw"]);
        assert!(tag("copackaged optics").catalysts.is_empty());
    }

    #[test]
    fn keywords_with_symbols_match() {
        assert_eq!(tag("Rewrite in C++ considered").risks, ["cpp"]);
        assert!(tag("Rewrite in C considered").risks.is_empty());
    }

    #[test]
    fn latin_words_inside_cjk_text_match() {
        assert_eq!(tag("台湾Sivers、CWレーザーを出荷").tickers, ["SIVE"]);
        assert_eq!(tag("光環CPO需求升溫").catalysts, ["cpo"]);
        assert!(tag("台湾Siversson社").tickers.is_empty(), "still word-aware on the Latin side");
    }

    #[test]
    fn terms_joined_by_an_ampersand_must_all_appear() {
        let t = Tagger::new(&[], &[thesis("amd", &["AMD & supply agreement", "AT&T"])], &[]);
        let tags = |title: &str| {
            let mut n = tag(title);
            t.tag(&mut n);
            n.catalysts
        };
        assert_eq!(tags("AMD signs long-term supply agreement for CPO lasers"), ["amd"]);
        assert_eq!(tags("Supply agreement with AMD, says Sivers"), ["amd"]);
        assert!(tags("AMD unveils a new GPU").is_empty());
        assert!(tags("Lumentum supply agreement").is_empty());
        assert!(tags("AMDX supply agreement").is_empty(), "terms keep their word boundaries");
        assert_eq!(tags("AT&T buys lasers"), ["amd"], "an `&` without spaces is part of the term");
        assert_eq!(and_terms("a & b &c & d"), ["a", "b &c", "d"]);
        assert!(keyword_pattern("a & ").is_none(), "an empty term makes no pattern");
    }

    #[test]
    fn cjk_keywords_match_as_substrings() {
        assert_eq!(tag("中际旭创光模块出货大增").catalysts, ["cn"]);
        assert!(tag("光通信").catalysts.is_empty());
    }

    #[test]
    fn several_tags_in_config_order_and_old_tags_replaced() {
        let item = tag("Lumentum and AAOI: co-packaged optics and CW laser amid tariff fears");
        assert_eq!(item.tickers, ["AAOI", "LITE"]);
        assert_eq!(item.catalysts, ["cpo", "cw"]);
        assert_eq!(item.risks, ["tariff"]);
        let none = tag("Weather today");
        assert!(none.tickers.is_empty() && none.catalysts.is_empty() && none.risks.is_empty());
    }

    #[test]
    fn duplicate_config_entries_tag_once() {
        let t = Tagger::new(
            &[ticker("LITE", "", "", &[]), ticker("LITE", "", "Lumentum", &[])],
            &[thesis("a", &["laser"]), thesis("a", &["optics"])],
            &[],
        );
        let mut item = tag("");
        item.title = "Lumentum LITE laser optics".into();
        t.tag(&mut item);
        assert_eq!(item.tickers, ["LITE"]);
        assert_eq!(item.catalysts, ["a"]);
        assert!(item.risks.is_empty());
    }

    #[test]
    fn regex_metacharacters_in_config_are_literal() {
        let t = Tagger::new(&[ticker("A.B", "", "", &["(weird)"])], &[thesis("k", &["a+b", "[x]"])], &[]);
        let mut item = tag("");
        item.title = "AxB a+b".into();
        t.tag(&mut item);
        assert!(item.tickers.is_empty());
        assert_eq!(item.catalysts, ["k"]);
        item.title = "A.B (weird) [x]".into();
        t.tag(&mut item);
        assert_eq!(item.tickers, ["A.B"]);
    }

    #[test]
    fn company_suffix_stripping() {
        assert_eq!(strip_company_suffix("Applied Optoelectronics, Inc."), "Applied Optoelectronics");
        assert_eq!(strip_company_suffix("Sivers Semiconductors AB (publ)"), "Sivers Semiconductors");
        assert_eq!(strip_company_suffix("Inc."), "Inc.");
        assert_eq!(strip_company_suffix("Lumentum"), "Lumentum");
    }
}
