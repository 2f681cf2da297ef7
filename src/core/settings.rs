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

#[derive(Debug, Clone)]
pub struct Config {
    pub quotes_every: Duration,
    pub quotes_closed_every: Duration,
    pub news_every: Duration,
    pub quote_source: String,
    pub quote_base_url: String,
    /// Second quote source tried for a ticker the first one fails on (`none` for no fallback).
    pub quote_fallback: String,
    pub stooq_base_url: String,
    pub history_cap: usize,
    pub tickers: Vec<TickerSpec>,
    pub catalysts: Vec<ThesisItem>,
    pub risks: Vec<ThesisItem>,
    pub feeds: Vec<FeedSpec>,
    pub keymap: Keymap,
    pub alerts: Vec<Rule>,
    /// Ring the terminal bell once when alerts fire.
    pub bell: bool,
}
