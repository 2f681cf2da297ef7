//! Links headlines to the thesis: which tickers, catalysts and risks a news title mentions.
//!
//! Matching runs over the title only (the source names the publisher, not the subject).
//! Keywords, company names and aliases match case-insensitively on word boundaries
//! ("lite" never matches inside "satellite"; "Lumentum" matches "Lumentum's"), with any run of
//! spaces/hyphens in a keyword matching any run in the title ("co-packaged optics" matches
//! "co packaged  optics"). Keywords containing CJK characters match as plain substrings.
//! Ticker symbols match case-sensitively in upper case as whole words (`LITE`, not "Lite"), as
//! `$lite`, or after an exchange prefix (`NASDAQ: LITE`). A configured company name is also tried
//! without its company form ("Applied Optoelectronics, Inc." -> "Applied Optoelectronics"); when
//! that leaves one word ("Coherent Corp." -> "Coherent") it matches only as configured or in
//! capitals, since the bare word is also prose. Everything is compiled once in [`Tagger::new`].

use crate::domain::{NewsItem, ThesisItem, TickerSpec};
use regex::Regex;

/// Exchange prefixes that introduce a ticker symbol, as in "(NASDAQ: LITE)".
const EXCHANGES: &str = "nasdaq|nyse|nyse american|nysearca|amex|otc|otcqx|otcmkts|tsx|lse|asx|\
                         omx|sto|xsto|stockholm|fra|xetra|tyo|hkex";

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

/// Precompiled matchers for the configured tickers, catalysts and risks.
#[derive(Debug, Clone)]
pub struct Tagger {
    tickers: Vec<(String, Regex)>,
    catalysts: Vec<(String, Regex)>,
    risks: Vec<(String, Regex)>,
}

impl Tagger {
    pub fn new(tickers: &[TickerSpec], catalysts: &[ThesisItem], risks: &[ThesisItem]) -> Self {
        Tagger {
            tickers: tickers
                .iter()
                .filter_map(|t| compile(&ticker_patterns(t)).map(|re| (t.symbol.clone(), re)))
                .collect(),
            catalysts: thesis_matchers(catalysts),
            risks: thesis_matchers(risks),
        }
    }

    /// Fill `item.tickers` (display symbols), `item.catalysts` and `item.risks` (ids), in config
    /// order without duplicates; previous tags are replaced.
    pub fn tag(&self, item: &mut NewsItem) {
        item.tickers = matches(&self.tickers, &item.title);
        item.catalysts = matches(&self.catalysts, &item.title);
        item.risks = matches(&self.risks, &item.title);
    }
}

fn matches(matchers: &[(String, Regex)], text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, re) in matchers {
        if !out.contains(name) && re.is_match(text) {
            out.push(name.clone());
        }
    }
    out
}

fn thesis_matchers(items: &[ThesisItem]) -> Vec<(String, Regex)> {
    items
        .iter()
        .filter_map(|item| {
            let patterns: Vec<String> = item.keywords.iter().filter_map(|k| keyword_pattern(k)).collect();
            compile(&patterns).map(|re| (item.id.clone(), re))
        })
        .collect()
}

/// One regex for a list of alternatives; `None` when there is nothing to match (or it is too big).
fn compile(patterns: &[String]) -> Option<Regex> {
    if patterns.is_empty() {
        return None;
    }
    Regex::new(&patterns.join("|")).ok()
}

fn ticker_patterns(t: &TickerSpec) -> Vec<String> {
    let mut out = Vec::new();
    for symbol in [t.symbol.trim(), t.provider().trim()] {
        if symbol.is_empty() {
            continue;
        }
        let escaped = regex::escape(&symbol.to_uppercase());
        let (open, close) = boundaries(symbol);
        let pattern = format!(
            "(?:{open}{escaped}{close}|\\$(?i:{escaped}){close}|(?i:\\b(?:{EXCHANGES})\\s*:\\s*{escaped}){close})"
        );
        if !out.contains(&pattern) {
            out.push(pattern);
        }
    }
    let names = std::iter::once(t.name.as_str()).chain(t.aliases.iter().map(String::as_str));
    for name in names {
        out.extend(keyword_pattern(name).filter(|p| !out.contains(p)));
        let short = strip_company_suffix(name);
        if short.len() == name.trim().len() {
            continue;
        }
        // "Coherent Corp." -> "Coherent": a lone word is also an ordinary word, so keep its
        // configured capitals (and the all-caps form) instead of matching any case.
        let pattern = if short.contains(char::is_whitespace) {
            keyword_pattern(short)
        } else {
            let (open, close) = boundaries(short);
            let (exact, upper) = (regex::escape(short), regex::escape(&short.to_uppercase()));
            Some(format!("(?:{open}(?:{exact}|{upper}){close})"))
        };
        out.extend(pattern.filter(|p| !out.contains(p)));
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
/// run of spaces/hyphens/dashes. CJK keywords match as plain substrings.
fn keyword_pattern(keyword: &str) -> Option<String> {
    let keyword = keyword.trim();
    if keyword.is_empty() {
        return None;
    }
    if keyword.chars().any(is_cjk) {
        return Some(format!("(?i:{})", regex::escape(keyword)));
    }
    let is_sep = |c: char| c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}');
    let parts: Vec<String> = keyword.split(is_sep).filter(|p| !p.is_empty()).map(regex::escape).collect();
    if parts.is_empty() {
        return None;
    }
    let (open, close) = boundaries(keyword.trim_matches(is_sep));
    Some(format!("(?i:{open}{}{close})", parts.join(r"[\s\-\u{2010}-\u{2015}]+")))
}

/// Word boundaries on each side of `word` that starts/ends with a word character. A CJK character
/// counts as a boundary too, since CJK text has no spaces ("台湾Luxnet、" mentions Luxnet). The regex
/// crate has no look-around, so the boundary consumes the neighbouring character; matches are only
/// ever tested, never extracted, so that is harmless.
fn boundaries(word: &str) -> (&'static str, &'static str) {
    const OPEN: &str = r"(?:^|[^\p{L}\p{N}_]|[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}])";
    const CLOSE: &str = r"(?:$|[^\p{L}\p{N}_]|[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}])";
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let open = if word.chars().next().is_some_and(is_word) { OPEN } else { "" };
    let close = if word.chars().next_back().is_some_and(is_word) { CLOSE } else { "" };
    (open, close)
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
            stooq_symbol: String::new(),
        }
    }

    fn thesis(id: &str, keywords: &[&str]) -> ThesisItem {
        ThesisItem {
            id: id.into(),
            title: format!("title of {id}"),
            why: String::new(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
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
