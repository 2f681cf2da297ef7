//! Plain data of the thesis: symbols, quotes, news, catalysts, risks, fetch status. No I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A ticker as configured: the name shown and the symbol the provider knows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TickerSpec {
    /// Display name, e.g. `SIVE`.
    pub symbol: String,
    /// The older name of `symbols.yahoo` (`SIVE.ST`), still read from existing configs.
    #[serde(default)]
    pub provider_symbol: String,
    /// The symbol per quote source where it differs from `symbol` (`{ yahoo = "SIVE.ST" }`).
    #[serde(default)]
    pub symbols: BTreeMap<String, String>,
    /// Where it lists: `stockholm`, `nasdaq` or `nyse`; empty = from the Yahoo symbol (`.ST` is
    /// Stockholm, anything else a US listing).
    #[serde(default)]
    pub exchange: String,
    /// Company name, e.g. `Sivers Semiconductors`.
    #[serde(default)]
    pub name: String,
    /// Expected trading currency (`SEK`, `USD`); the provider's value wins when present.
    #[serde(default)]
    pub currency: String,
    /// Other names a headline may use for the company ("Applied Optoelectronics").
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Read from older configs only: Stooq was removed (`check` says so).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stooq_symbol: String,
}

impl TickerSpec {
    /// The Yahoo symbol (`SIVE.ST`), also matched in headlines.
    pub fn provider(&self) -> &str {
        self.symbol_at("yahoo")
    }

    /// The symbol quote source `source` knows this ticker by.
    pub fn symbol_at(&self, source: &str) -> &str {
        match self.symbols.get(source) {
            Some(s) if !s.is_empty() => s,
            _ if source == "yahoo" && !self.provider_symbol.is_empty() => &self.provider_symbol,
            _ => &self.symbol,
        }
    }

    /// The exchange it lists on: configured, else Stockholm for a `.ST` Yahoo symbol, else NASDAQ
    /// (the US exchanges share hours and holidays).
    pub fn listing(&self) -> crate::core::hours::Exchange {
        use crate::core::hours::Exchange;
        Exchange::parse(&self.exchange)
            .or_else(|| Exchange::from_yahoo("", self.provider()))
            .unwrap_or(Exchange::Nasdaq)
    }
}

/// A thesis catalyst or risk as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThesisItem {
    /// Stable id used in state, filters (`c:ID` / `r:ID`) and the CLI.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Why it matters for the thesis.
    #[serde(default)]
    pub why: String,
    /// Keywords (case-insensitive) that link a headline to this item.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// When it is expected (`"2026-H2"`, `"2027-Q1"`, `"2026-2028"`, two dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<crate::core::calendar::Window>,
    /// A catalyst's: the risk to raise if its window passes with the catalyst still open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slips: Option<String>,
    /// A catalyst's: the tickers it moves (else those its evidence is tagged with).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tickers: Vec<String>,
}

/// Market session as reported by the quote source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarketState {
    Pre,
    Regular,
    Post,
    Closed,
    #[default]
    Unknown,
}

impl MarketState {
    /// Pre-market, regular or after-hours: quotes move.
    pub fn is_trading(self) -> bool {
        matches!(self, MarketState::Pre | MarketState::Regular | MarketState::Post)
    }

    pub fn label(self) -> &'static str {
        match self {
            MarketState::Pre => "pre",
            MarketState::Regular => "open",
            MarketState::Post => "post",
            MarketState::Closed => "closed",
            MarketState::Unknown => "?",
        }
    }
}

/// One quote, already parsed and sanitized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Display symbol (`SIVE`).
    pub symbol: String,
    /// Provider symbol (`SIVE.ST`).
    pub provider_symbol: String,
    pub price: f64,
    /// Yesterday's close, the base of the day change.
    pub previous_close: Option<f64>,
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
    pub currency: String,
    pub exchange: String,
    pub market_state: MarketState,
    pub day_high: Option<f64>,
    pub day_low: Option<f64>,
    pub volume: Option<u64>,
    /// Intraday closes, oldest first, `null`s skipped.
    pub series: Vec<f64>,
    /// Time of the last trade / market time.
    pub as_of: DateTime<Utc>,
    /// Which source produced it (`yahoo`, `nasdaq`, `demo`).
    pub source: String,
    /// The last pre-market or after-hours trade, where the source gives one (US listings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended: Option<Extended>,
}

/// A trade outside the regular session: its price and its move from the regular price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extended {
    /// `Pre` or `Post`.
    pub session: MarketState,
    pub price: f64,
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
    pub at: DateTime<Utc>,
}

impl Extended {
    /// A pre- or post-market trade at `price`, its move measured from the regular `base`.
    pub fn new(session: MarketState, price: f64, base: f64, at: DateTime<Utc>) -> Extended {
        let (change, change_pct) = day_change(price, Some(base));
        Extended { session, price, change, change_pct, at }
    }
}

/// Day change and percent from the price and yesterday's close; `None` where the arithmetic is not
/// a finite number (absurd prices must not show `inf`).
///
/// Both are rounded to what was received, so JSON says `0.45`, not `0.4500000000000002`: the
/// change to the decimals of its inputs (`8.31 - 7.86`: two), the percent to [`PCT_DECIMALS`].
pub fn day_change(price: f64, previous_close: Option<f64>) -> (Option<f64>, Option<f64>) {
    let change = previous_close.map(|prev| price - prev).filter(|c| c.is_finite());
    let pct = previous_close.zip(change).map(|(prev, ch)| ch / prev * 100.0).filter(|p| p.is_finite());
    let places = previous_close.map_or(0, |prev| decimals(price).max(decimals(prev)));
    (change.map(|c| round_to(c, places)), pct.map(|p| round_to(p, PCT_DECIMALS)))
}

/// `a - b` rounded to the decimals of its inputs (`38.42 - -1.15` is `39.57`, not
/// `39.570000000000001`): a previous close from a price and its change.
pub fn difference(a: f64, b: f64) -> f64 {
    round_to(a - b, decimals(a).max(decimals(b)))
}

/// Decimal places kept in a day change in percent (`5.7252`).
pub const PCT_DECIMALS: u32 = 4;

/// Decimal places in the shortest text that reads back as `x` (`8.31` -> 2), at most 12.
fn decimals(x: f64) -> u32 {
    let text = x.to_string();
    text.split_once('.').map_or(0, |(_, frac)| frac.len().min(12) as u32)
}

/// `x` rounded to `places` decimals; unchanged where scaling would lose integer precision.
fn round_to(x: f64, places: u32) -> f64 {
    let scale = 10f64.powi(places as i32);
    let scaled = x * scale;
    if !scaled.is_finite() || scaled.abs() >= 2f64.powi(52) {
        return x;
    }
    scaled.round() / scale
}

/// One headline, sanitized and tagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsItem {
    /// Stable id: the guid, else the link, else the normalized title.
    pub id: String,
    pub title: String,
    pub link: String,
    /// Feed / publisher name.
    pub source: String,
    /// What the feed says about it ([`ItemText`]), while the headline goes from its feed to
    /// the archive or comes back from it (a search, the reader). The window holds none: a
    /// pointer's width per headline instead of two empty strings'.
    #[serde(flatten)]
    pub text: Option<Box<ItemText>>,
    pub published: Option<DateTime<Utc>>,
    /// Display symbols of tickers mentioned.
    pub tickers: Vec<String>,
    /// Catalyst ids whose keywords match.
    pub catalysts: Vec<String>,
    /// Risk ids whose keywords match.
    pub risks: Vec<String>,
}

/// A headline's summary line and reader's text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemText {
    /// The feed's summary as one line of plain text, capped at [`SUMMARY_MAX`]; searched.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// The summary or full text as the reader shows it: lines (paragraphs, list items) of
    /// plain text, capped at [`BODY_MAX`]; empty when it would say no more than `summary`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

impl NewsItem {
    /// The summary line (empty when none is held).
    pub fn summary(&self) -> &str {
        self.text.as_ref().map_or("", |t| t.summary.as_str())
    }

    /// The reader's text (empty when none is held or it says no more than the summary).
    pub fn body(&self) -> &str {
        self.text.as_ref().map_or("", |t| t.body.as_str())
    }

    /// Holds `summary` and `body`; nothing when both are empty.
    pub fn set_text(&mut self, summary: String, body: String) {
        self.text = (!summary.is_empty() || !body.is_empty()).then(|| Box::new(ItemText { summary, body }));
    }

    /// Its tags as the filter language writes them: `$AAOI`, `c:amd-lta`, `r:lpo`.
    pub fn tag_labels(&self) -> Vec<String> {
        let tickers = self.tickers.iter().map(|t| format!("${t}"));
        let catalysts = self.catalysts.iter().map(|c| format!("c:{c}"));
        tickers.chain(catalysts).chain(self.risks.iter().map(|r| format!("r:{r}"))).collect()
    }
}

/// Longest summary kept with a headline, in characters.
pub const SUMMARY_MAX: usize = 600;

/// Longest reader text (`NewsItem::body`) kept with a headline, in characters.
pub const BODY_MAX: usize = 8_000;

/// Level of a thesis risk, cycled by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    #[default]
    Watch,
    Elevated,
    Materialized,
}

impl RiskLevel {
    pub fn next(self) -> Self {
        match self {
            RiskLevel::Watch => RiskLevel::Elevated,
            RiskLevel::Elevated => RiskLevel::Materialized,
            RiskLevel::Materialized => RiskLevel::Watch,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::Watch => "watch",
            RiskLevel::Elevated => "elevated",
            RiskLevel::Materialized => "materialized",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "watch" => Some(RiskLevel::Watch),
            "elevated" => Some(RiskLevel::Elevated),
            "materialized" | "materialised" => Some(RiskLevel::Materialized),
            _ => None,
        }
    }
}

/// One change of a catalyst, kept as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToggleEvent {
    pub done: bool,
    pub at: DateTime<Utc>,
    /// `tui` or `cli`.
    #[serde(default)]
    pub by: String,
    /// A one-line note the user attached to this change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A catalyst's persisted state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CatalystRecord {
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub history: Vec<ToggleEvent>,
}

/// Everything the user decided, as the store derives it from its journal and marks (and as
/// `state.json` held it before the store; that file is read once, to import it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserState {
    #[serde(default = "UserState::version")]
    pub version: u32,
    #[serde(default)]
    pub catalysts: BTreeMap<String, CatalystRecord>,
    #[serde(default)]
    pub risks: BTreeMap<String, RiskLevel>,
    /// Ids of news items the user opened.
    #[serde(default)]
    pub read: BTreeSet<String>,
    /// When the user last looked at a catalyst's (`c:ID`) or risk's (`r:ID`) evidence.
    #[serde(default)]
    pub evidence_seen: BTreeMap<String, DateTime<Utc>>,
    /// Fired alerts not yet acknowledged, oldest first.
    #[serde(default)]
    pub alerts: Vec<crate::core::alerts::Alert>,
    /// Keys of every alert event that fired (bounded), so none fires twice.
    #[serde(default)]
    pub alert_keys: BTreeSet<String>,
    /// For crossing alerts: whether the price was beyond the level at the last reading.
    #[serde(default)]
    pub level_sides: BTreeMap<String, bool>,
    /// Every user change, oldest first (the store's journal; `catalysts`, `risks` and `pins` are
    /// derived from it by [`UserState::derive`]).
    #[serde(skip)]
    pub journal: Vec<crate::core::journal::Entry>,
    /// Headlines pinned per catalyst (`c:ID`) or risk (`r:ID`), oldest first.
    #[serde(skip)]
    pub pins: BTreeMap<String, Vec<crate::core::journal::Pin>>,
    /// Lots added through the journal (not the config's), oldest first.
    #[serde(skip)]
    pub lots: Vec<crate::core::portfolio::Held>,
}

impl Default for UserState {
    fn default() -> Self {
        UserState {
            version: Self::VERSION,
            catalysts: BTreeMap::new(),
            risks: BTreeMap::new(),
            read: BTreeSet::new(),
            evidence_seen: BTreeMap::new(),
            alerts: Vec::new(),
            alert_keys: BTreeSet::new(),
            lots: Vec::new(),
            level_sides: BTreeMap::new(),
            journal: Vec::new(),
            pins: BTreeMap::new(),
        }
    }
}

impl UserState {
    pub const VERSION: u32 = 1;
    fn version() -> u32 {
        Self::VERSION
    }
}

/// Health of one data source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FetchStatus {
    #[default]
    Idle,
    Loading,
    Ok {
        at: DateTime<Utc>,
    },
    Error {
        message: String,
        at: DateTime<Utc>,
    },
}

/// Longest note kept, in characters.
pub const NOTE_MAX: usize = 200;

/// A note as it is kept: sanitized, trimmed, capped; `None` when nothing is left.
pub fn clean_note(text: &str) -> Option<String> {
    Some(crate::core::sanitize::clean_capped(text.trim(), NOTE_MAX)).filter(|n| !n.is_empty())
}

/// The last good quotes and news, as the store hands them to a starting app (and as `cache.json`
/// held them before the store; read once, to import it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cache {
    #[serde(default)]
    pub version: u32,
    pub saved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub quotes: Vec<Quote>,
    #[serde(default)]
    pub news: Vec<NewsItem>,
    /// When each feed (by URL) last answered: a feed fetched less than its refresh interval
    /// ago is not fetched again at start.
    #[serde(default)]
    pub fetched: BTreeMap<String, DateTime<Utc>>,
    /// The last rate of each currency to the base.
    #[serde(default)]
    pub fx: Vec<crate::core::portfolio::FxRate>,
}

impl Cache {
    pub const VERSION: u32 = 1;
}

/// A timestamp as JSON and reports print it: RFC 3339, whole seconds, `Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What kind of failure a fetch met, which decides how it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// May pass: a timeout, a refused connection, a 5xx, a 429. Retried with backoff (full
    /// jitter, never sooner than Retry-After).
    Transient,
    /// Will not pass by asking again soon: 404, an unknown symbol, an HTML page where JSON or CSV
    /// was expected, a source that wants a key. Retried once per refresh interval.
    Permanent,
    /// The answer came but could not be read. Retried once per refresh interval.
    Parse,
}

/// A fetch's failure as it crosses from the providers into the core: its kind and a message
/// for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub kind: ErrorKind,
    pub message: String,
}

impl SourceError {
    pub fn transient(message: impl Into<String>) -> SourceError {
        SourceError { kind: ErrorKind::Transient, message: message.into() }
    }

    pub fn permanent(message: impl Into<String>) -> SourceError {
        SourceError { kind: ErrorKind::Permanent, message: message.into() }
    }

    pub fn parse(message: impl Into<String>) -> SourceError {
        SourceError { kind: ErrorKind::Parse, message: message.into() }
    }
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A bare message is taken as transient: retrying is the safe default.
impl From<String> for SourceError {
    fn from(message: String) -> SourceError {
        SourceError::transient(message)
    }
}

impl From<&str> for SourceError {
    fn from(message: &str) -> SourceError {
        SourceError::transient(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_change_is_rounded_to_what_was_received() {
        // 8.31 - 7.86 is 0.4500000000000002 in floating point.
        assert_eq!(day_change(8.31, Some(7.86)), (Some(0.45), Some(5.7252)));
        assert_eq!(day_change(30.05, Some(33.12)), (Some(-3.07), Some(-9.2693)));
        assert_eq!(day_change(132.05, Some(131.2)), (Some(0.85), Some(0.6479)));
        assert_eq!(day_change(0.0123, Some(0.01)).0, Some(0.0023));
        assert_eq!(day_change(100.0, Some(100.0)), (Some(0.0), Some(0.0)));
        assert_eq!(day_change(10.0, None), (None, None));
        // Huge or absurd values pass through (or are None), never inf or garbage.
        assert_eq!(day_change(1e300, Some(1e299)).0, Some(1e300 - 1e299));
        assert_eq!(day_change(f64::MAX, Some(-f64::MAX)), (None, None));
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    /// A headline's text is read from and written to JSON as the fields it always had
    /// (`summary`, `body`), and a headline without one writes neither.
    #[test]
    fn a_headlines_text_keeps_its_json_fields() {
        let json = r#"{"id":"a","title":"T","link":"","source":"S","summary":"Sum","published":null,
                       "tickers":[],"catalysts":[],"risks":[]}"#;
        let item: NewsItem = serde_json::from_str(json).unwrap();
        assert_eq!((item.summary(), item.body()), ("Sum", ""));
        let mut bare = item.clone();
        bare.set_text(String::new(), String::new());
        assert!(bare.text.is_none());
        let written = serde_json::to_string(&bare).unwrap();
        assert!(!written.contains("summary") && !written.contains("body"), "{written}");
        let back: NewsItem = serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
        assert_eq!(back, item);
    }
}
