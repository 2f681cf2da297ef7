//! The validated settings the core runs on: the thesis (tickers, catalysts, risks), feeds, quote
//! sources, refresh pacing, keys and alert rules. `config` builds one from TOML and checks it.

use crate::core::alerts::Rule;
use crate::core::domain::{ThesisItem, TickerSpec};
use crate::core::keys::Keymap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct FeedSpec {
    pub name: String,
    pub url: String,
}

/// One quote source as configured: its registered name and where its API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSourceSpec {
    pub name: String,
    pub base_url: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub quotes_every: Duration,
    pub quotes_closed_every: Duration,
    pub news_every: Duration,
    /// The quote sources, in the order they are tried for each ticker.
    pub quote_sources: Vec<QuoteSourceSpec>,
    pub history_cap: usize,
    /// How long the archive keeps a headline (`[news] archive_days`); `None` keeps every one.
    pub archive_keep: Option<chrono::TimeDelta>,
    pub tickers: Vec<TickerSpec>,
    pub catalysts: Vec<ThesisItem>,
    pub risks: Vec<ThesisItem>,
    pub feeds: Vec<FeedSpec>,
    pub keymap: Keymap,
    pub alerts: Vec<Rule>,
    /// Ring the terminal bell once when alerts fire.
    pub bell: bool,
    /// `[notify] command`: a program and its first arguments, run for each alert with its title
    /// and body appended (and in `CHOKEPOINT_ALERT_*`); empty: none.
    pub notify_command: Vec<String>,
    /// `[notify] desktop`: alerts shown as desktop notifications (over D-Bus, when a session
    /// bus is there).
    pub notify_desktop: bool,
    /// `[ui] mouse`: clicks and the wheel (on by default).
    pub mouse: bool,
    /// `[theme] name`.
    pub theme: Theme,
    /// `[notify] per_minute`: the most notifications sent in any minute.
    pub notify_per_minute: u32,
    /// `[thesis] started`: where "since thesis start" charts and tables begin.
    pub thesis_started: Option<chrono::NaiveDate>,
    /// `[thesis] benchmark`: fetched like a ticker (a row only if also listed), for relative
    /// strength and catalyst reactions.
    pub benchmark: Option<TickerSpec>,
    /// `[[positions]]`: lots held, as configured (the app adds more through the store).
    pub positions: Vec<crate::core::portfolio::Lot>,
    /// `[portfolio] base_currency`: what totals are shown in (`USD`).
    pub base_currency: String,
    /// `[portfolio] max_weight`: per ticker, the most of the portfolio's value (percent) it may
    /// be before an alert fires.
    pub max_weight: std::collections::BTreeMap<String, f64>,
    /// `[portfolio] ecb_url`: the ECB's daily reference rates, the second FX source.
    pub ecb_url: String,
    /// What `check` and the TUI mention without refusing the file (an older key that still
    /// works, a removed source), located as `path:line:col: message`.
    pub warnings: Vec<String>,
}

/// `[theme] name`: the colours the screen is drawn in. `NO_COLOR` (any value) still wins: the
/// terminal layer then draws no colour at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// For dark terminal backgrounds: green up, red down.
    #[default]
    Default,
    /// For light backgrounds: no pale greys or yellows on white.
    Light,
    /// Up and down told apart without red and green: blue and orange (Okabe-Ito).
    ColorBlind,
}

impl Theme {
    pub fn parse(name: &str) -> Option<Theme> {
        match name.trim().to_ascii_lowercase().as_str() {
            "default" | "dark" => Some(Theme::Default),
            "light" => Some(Theme::Light),
            "colorblind" | "colourblind" | "color-blind" | "colour-blind" => Some(Theme::ColorBlind),
            _ => None,
        }
    }
}

/// Where the ECB publishes its daily euro reference rates.
pub const ECB_URL: &str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml";

impl Config {
    /// The names of the quote sources in the order tried (`yahoo, nasdaq`).
    pub fn quote_order(&self) -> Vec<String> {
        self.quote_sources.iter().map(|s| s.name.clone()).collect()
    }
}
