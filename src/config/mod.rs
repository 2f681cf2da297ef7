//! Config: TOML -> `Config`, validated with `path:line:col` errors; the example config is embedded.

pub mod keymap;

use crate::alerts::{self, RawAlert};
use crate::core::keys::{Command, Key, Keymap};
use crate::domain::{ThesisItem, TickerSpec};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The example config, which is also the default when no config file exists.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");

pub use crate::core::settings::{Config, FeedSpec};

/// One problem in a config file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path, self.line, self.col, self.message)
    }
}

/// Where the config came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Embedded,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    refresh: RawRefresh,
    #[serde(default)]
    quotes: RawQuotes,
    #[serde(default)]
    news: RawNews,
    #[serde(default)]
    tickers: Vec<Spanned<TickerSpec>>,
    #[serde(default)]
    catalysts: Vec<Spanned<ThesisItem>>,
    #[serde(default)]
    risks: Vec<Spanned<ThesisItem>>,
    #[serde(default)]
    feeds: Vec<Spanned<RawFeed>>,
    #[serde(default)]
    keys: BTreeMap<String, Spanned<KeyList>>,
    #[serde(default)]
    alerts: Vec<Spanned<RawAlert>>,
    #[serde(default)]
    notify: RawNotify,
    #[serde(default)]
    thesis: RawThesis,
    #[serde(default)]
    positions: Vec<Spanned<RawLot>>,
    #[serde(default)]
    portfolio: RawPortfolio,
    #[serde(default)]
    ui: RawUi,
    #[serde(default)]
    theme: RawTheme,
}

/// `[theme]`: `name = "default" | "light" | "colorblind"`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<Spanned<String>>,
}

/// `[ui]`: the mouse (on unless `mouse = false`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawUi {
    mouse: bool,
}

impl Default for RawUi {
    fn default() -> Self {
        RawUi { mouse: true }
    }
}

/// One `[[positions]]` lot: `date` a day, `fees` optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLot {
    symbol: Spanned<String>,
    shares: Spanned<f64>,
    price: Spanned<f64>,
    date: Spanned<String>,
    #[serde(default)]
    fees: Option<Spanned<f64>>,
}

/// `[portfolio]`: the base currency of the totals, and each ticker's most weight.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawPortfolio {
    base_currency: Spanned<String>,
    max_weight: BTreeMap<String, Spanned<f64>>,
    ecb_url: Option<Spanned<String>>,
}

impl Default for RawPortfolio {
    fn default() -> Self {
        RawPortfolio {
            base_currency: Spanned::new(0..0, "USD".into()),
            max_weight: BTreeMap::new(),
            ecb_url: None,
        }
    }
}

/// `[thesis]`: when it started (charts' "since thesis start"), and the benchmark for relative
/// strength and reactions.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawThesis {
    started: Option<Spanned<String>>,
    benchmark: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawNotify {
    bell: bool,
    /// A program and its first arguments (never a shell): each alert runs it with its title
    /// and body appended.
    command: Option<Spanned<Vec<String>>>,
    per_minute: Spanned<u32>,
    desktop: bool,
}

impl Default for RawNotify {
    fn default() -> Self {
        RawNotify { bell: true, command: None, per_minute: Spanned::new(0..0, 6), desktop: true }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawRefresh {
    quotes_secs: Spanned<u64>,
    quotes_closed_secs: Spanned<u64>,
    news_secs: Spanned<u64>,
}

impl Default for RawRefresh {
    fn default() -> Self {
        RawRefresh {
            quotes_secs: Spanned::new(0..0, 60),
            quotes_closed_secs: Spanned::new(0..0, 900),
            news_secs: Spanned::new(0..0, 300),
        }
    }
}

/// `[quotes]`: `order`, one table per source, and the older single-source keys; read key by key
/// (see [`quote_sources`]) so the sources come from the registry, not from a list here.
type RawQuotes = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawNews {
    history_cap: Spanned<usize>,
    /// Days of headlines the archive keeps; 0 (the default) keeps every one.
    archive_days: Spanned<i64>,
}

impl Default for RawNews {
    fn default() -> Self {
        RawNews { history_cap: Spanned::new(0..0, 5000), archive_days: Spanned::new(0..0, 0) }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: String,
    url: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeyList {
    One(String),
    Many(Vec<String>),
}

/// The quote sources this build knows, in the default order.
pub fn quote_source_names() -> Vec<&'static str> {
    crate::io::providers::quotes::REGISTRY.iter().map(|r| r.name).collect()
}

/// Why Stooq is no longer a quote source, for configs that still name it.
const STOOQ_REMOVED: &str = "Stooq was removed: since 2026 it answers scripts with an API-key notice \
     or a browser check instead of quotes, and it never covered Stockholm";

/// Parses and validates config text. `label` is the path shown in errors.
pub fn parse(text: &str, label: &str) -> Result<Config, Vec<ConfigError>> {
    // Problems are collected as byte spans and located at the end, only the first few.
    let at = |span: Range<usize>, message: String| -> Problem { (span, message) };
    let (raw, broken, mut errors) = read_raw(text).map_err(|problems| located(text, label, problems))?;

    for (value, what, min) in [
        (&raw.refresh.quotes_secs, "refresh.quotes_secs", 5),
        (&raw.refresh.quotes_closed_secs, "refresh.quotes_closed_secs", 5),
        (&raw.refresh.news_secs, "refresh.news_secs", 30),
    ] {
        if *value.get_ref() < min || *value.get_ref() > 86_400 {
            errors.push(at(value.span(), format!("{what} must be between {min} and 86400 seconds")));
        }
    }
    let mut warnings: Vec<Problem> = Vec::new();
    let quote_sources = quote_sources(text, &raw.quotes, &mut errors, &mut warnings);
    let cap = *raw.news.history_cap.get_ref();
    if !(100..=1_000_000).contains(&cap) {
        errors
            .push(at(raw.news.history_cap.span(), "news.history_cap must be between 100 and 1000000".into()));
    }
    let days = *raw.news.archive_days.get_ref();
    if !(0..=36_500).contains(&days) {
        errors.push(at(
            raw.news.archive_days.span(),
            "news.archive_days must be between 0 (keep every headline) and 36500".into(),
        ));
    }

    if raw.tickers.is_empty() && !broken.contains("tickers") {
        errors.push(at(0..0, "no [[tickers]]: the thesis needs at least one".into()));
    }
    let mut seen = HashSet::new();
    for t in &raw.tickers {
        let sym = &t.get_ref().symbol;
        if sym.trim().is_empty() || sym.chars().any(char::is_whitespace) {
            errors.push(at(field_span(text, t.span(), sym), "ticker symbol must be a non-empty word".into()));
        } else if !seen.insert(sym.to_ascii_uppercase()) {
            errors.push(at(field_span(text, t.span(), sym), format!("duplicate ticker `{sym}`")));
        }
        errors.extend(ticker_problems(text, t, &mut warnings));
    }
    for (items, kind) in [(&raw.catalysts, "catalyst"), (&raw.risks, "risk")] {
        let mut seen = HashSet::new();
        for item in items {
            let id = &item.get_ref().id;
            let span = field_span(text, item.span(), id);
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                errors.push(at(span, format!("{kind} id `{id}` must be letters, digits, `-` or `_`")));
            } else if !seen.insert(id.to_ascii_lowercase()) {
                errors.push(at(span, format!("duplicate {kind} id `{id}`")));
            }
            if item.get_ref().title.trim().is_empty() {
                errors.push(at(item.span(), format!("{kind} `{id}` has an empty title")));
            }
            for keyword in &item.get_ref().keywords {
                if let Some(problem) = crate::tagging::keyword_problem(keyword) {
                    let span = field_span(text, item.span(), keyword);
                    errors.push(at(span, format!("{kind} `{id}`: keyword `{keyword}` {problem}")));
                }
            }
            let it = item.get_ref();
            if kind == "risk" {
                for (set, key) in [(it.slips.is_some(), "slips"), (!it.tickers.is_empty(), "tickers")] {
                    if set {
                        errors.push(at(item.span(), format!("risk `{id}`: `{key}` is for catalysts")));
                    }
                }
                continue;
            }
            if let Some(risk) = &it.slips
                && !raw.risks.iter().any(|r| r.get_ref().id.eq_ignore_ascii_case(risk))
            {
                errors.push(at(
                    field_span(text, item.span(), risk),
                    format!("catalyst `{id}`: slips names no risk (`{}`)", crate::sanitize::clean(risk)),
                ));
            }
            for t in &it.tickers {
                let benchmark =
                    raw.thesis.benchmark.as_ref().is_some_and(|b| b.get_ref().eq_ignore_ascii_case(t));
                if !benchmark && !raw.tickers.iter().any(|s| s.get_ref().symbol.eq_ignore_ascii_case(t)) {
                    errors.push(at(
                        field_span(text, item.span(), t),
                        format!("catalyst `{id}`: unknown ticker `{}` in tickers", crate::sanitize::clean(t)),
                    ));
                }
            }
        }
    }
    let started = raw.thesis.started.as_ref().and_then(|s| {
        let day = chrono::NaiveDate::parse_from_str(s.get_ref().trim(), "%Y-%m-%d").ok();
        if day.is_none() {
            errors.push(at(s.span(), "thesis.started must be a date, YYYY-MM-DD".into()));
        }
        day
    });
    let benchmark = raw.thesis.benchmark.as_ref().and_then(|b| {
        let sym = b.get_ref().trim();
        if sym.is_empty() || sym.len() > 24 || !sym.chars().all(|c| c.is_ascii_graphic()) {
            errors.push(at(b.span(), "thesis.benchmark must be a ticker symbol (\"SOXX\")".into()));
            return None;
        }
        // A listed ticker is its own spec; else a US listing by its Yahoo symbol.
        let listed = raw.tickers.iter().map(Spanned::get_ref).find(|t| t.symbol.eq_ignore_ascii_case(sym));
        Some(listed.cloned().unwrap_or_else(|| TickerSpec {
            symbol: sym.to_ascii_uppercase(),
            provider_symbol: String::new(),
            symbols: BTreeMap::new(),
            exchange: String::new(),
            name: "benchmark".into(),
            currency: String::new(),
            aliases: Vec::new(),
            stooq_symbol: String::new(),
        }))
    });
    let (positions, base_currency, max_weight) = portfolio(&raw, &mut errors);
    let notify_command = match &raw.notify.command {
        Some(c) if c.get_ref().is_empty() || c.get_ref()[0].trim().is_empty() => {
            errors.push(at(
                c.span(),
                "notify.command must name a program: [\"ntfy\", \"publish\", \"topic\"]".into(),
            ));
            Vec::new()
        }
        Some(c)
            if c.get_ref().len() > 32 || c.get_ref().iter().any(|a| a.len() > 1024 || a.contains('\0')) =>
        {
            errors.push(at(
                c.span(),
                "notify.command: at most 32 arguments of at most 1024 bytes, no NUL".into(),
            ));
            Vec::new()
        }
        Some(c) => c.get_ref().clone(),
        None => Vec::new(),
    };
    let theme = match &raw.theme.name {
        Some(n) => crate::core::settings::Theme::parse(n.get_ref()).unwrap_or_else(|| {
            errors.push(at(n.span(), "theme.name must be \"default\", \"light\" or \"colorblind\"".into()));
            crate::core::settings::Theme::Default
        }),
        None => crate::core::settings::Theme::Default,
    };
    let per_minute = *raw.notify.per_minute.get_ref();
    if !(1..=60).contains(&per_minute) {
        errors.push(at(raw.notify.per_minute.span(), "notify.per_minute must be between 1 and 60".into()));
    }
    let ecb_url = match &raw.portfolio.ecb_url {
        Some(u) if !is_http_url(u.get_ref()) => {
            errors.push(at(u.span(), "portfolio.ecb_url must be http:// or https://".into()));
            String::new()
        }
        Some(u) => u.get_ref().clone(),
        None => crate::core::settings::ECB_URL.to_string(),
    };
    for feed in &raw.feeds {
        let f = feed.get_ref();
        if !is_http_url(&f.url) {
            errors.push(at(
                field_span(text, feed.span(), &f.url),
                format!("feed `{}`: url must be http:// or https://", f.name),
            ));
        }
    }
    let mut keymap = Keymap::default();
    let mut remaps = Vec::new();
    for (name, keys) in &raw.keys {
        let Some(cmd) = Command::from_name(name) else {
            errors.push(at(keys.span(), format!("unknown action `{name}` in [keys]")));
            continue;
        };
        let list = match keys.get_ref() {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        };
        let mut parsed = Vec::new();
        for k in &list {
            match Key::parse(k) {
                Ok(key) => parsed.push(key),
                Err(e) => errors.push(at(keys.span(), format!("[keys] {name}: {e}"))),
            }
        }
        keymap.rebind(cmd, &parsed);
        remaps.push((cmd, parsed, keys.span()));
    }
    errors.extend(key_conflicts(remaps).into_iter().map(|(span, m)| at(span, m)));
    // Alerts name tickers, catalysts and risks: with one of those unreadable, "unknown ticker"
    // would be a false error.
    let (alerts, alert_errors) = alerts::rules(&raw.alerts, &raw.tickers, &raw.catalysts, &raw.risks);
    if !["tickers", "catalysts", "risks"].iter().any(|s| broken.contains(*s)) {
        errors.extend(alert_errors.into_iter().map(|(span, m)| at(span, m)));
    }
    if !errors.is_empty() {
        return Err(located(text, label, errors));
    }
    let risk_ids: Vec<String> = raw.risks.iter().map(|r| r.get_ref().id.clone()).collect();
    let ticker_ids: Vec<String> = raw
        .tickers
        .iter()
        .map(|t| t.get_ref().symbol.clone())
        .chain(benchmark.iter().map(|b| b.symbol.clone()))
        .collect();
    let canonical = |list: &[String], id: &str| list.iter().find(|x| x.eq_ignore_ascii_case(id)).cloned();
    let clean_item = |mut t: ThesisItem| {
        t.title = crate::sanitize::clean(&t.title);
        t.why = crate::sanitize::clean(&t.why);
        // Ids as the config spells them where they are defined.
        t.slips = t.slips.and_then(|r| canonical(&risk_ids, &r));
        t.tickers = t.tickers.iter().filter_map(|x| canonical(&ticker_ids, x)).collect();
        t
    };
    Ok(Config {
        quotes_every: Duration::from_secs(*raw.refresh.quotes_secs.get_ref()),
        quotes_closed_every: Duration::from_secs(*raw.refresh.quotes_closed_secs.get_ref()),
        news_every: Duration::from_secs(*raw.refresh.news_secs.get_ref()),
        quote_sources,
        history_cap: cap,
        archive_keep: (days > 0).then(|| chrono::TimeDelta::days(days)),
        tickers: raw
            .tickers
            .into_iter()
            .map(Spanned::into_inner)
            .map(|mut t| {
                t.name = crate::sanitize::clean(&t.name);
                t.aliases = t.aliases.iter().map(|a| crate::sanitize::clean(a)).collect();
                t
            })
            .collect(),
        catalysts: raw.catalysts.into_iter().map(Spanned::into_inner).map(clean_item).collect(),
        risks: raw.risks.into_iter().map(Spanned::into_inner).map(clean_item).collect(),
        feeds: raw
            .feeds
            .into_iter()
            .map(Spanned::into_inner)
            .map(|f| FeedSpec { name: crate::sanitize::clean(&f.name), url: f.url })
            .collect(),
        keymap,
        alerts,
        bell: raw.notify.bell,
        notify_command,
        notify_per_minute: per_minute,
        notify_desktop: raw.notify.desktop,
        mouse: raw.ui.mouse,
        theme,
        thesis_started: started,
        benchmark,
        positions,
        base_currency,
        max_weight,
        ecb_url,
        warnings: located(text, label, warnings).iter().map(ToString::to_string).collect(),
    })
}

/// `[[positions]]` and `[portfolio]`: lots of listed tickers (checked as the app checks a typed
/// lot), a three-letter base currency, weights between 0 and 100 of listed tickers.
fn portfolio(
    raw: &Raw,
    errors: &mut Vec<Problem>,
) -> (Vec<crate::portfolio::Lot>, String, BTreeMap<String, f64>) {
    let listed =
        |sym: &str| raw.tickers.iter().map(|t| &t.get_ref().symbol).find(|t| t.eq_ignore_ascii_case(sym));
    let today = chrono::Utc::now().date_naive();
    let mut lots = Vec::new();
    for (i, l) in raw.positions.iter().map(Spanned::get_ref).enumerate() {
        let Some(symbol) = listed(l.symbol.get_ref()) else {
            let sym = crate::sanitize::clean(l.symbol.get_ref());
            errors.push((l.symbol.span(), format!("positions[{i}]: `{sym}` is not a listed ticker")));
            continue;
        };
        let Ok(date) = chrono::NaiveDate::parse_from_str(l.date.get_ref().trim(), "%Y-%m-%d") else {
            errors.push((l.date.span(), format!("positions[{i}]: date must be YYYY-MM-DD")));
            continue;
        };
        let lot = crate::portfolio::Lot {
            symbol: symbol.clone(),
            shares: *l.shares.get_ref(),
            price: *l.price.get_ref(),
            date,
            fees: l.fees.as_ref().map_or(0.0, |f| *f.get_ref()),
        };
        match lot.problem(today) {
            Some(p) => {
                let span = match p.split_whitespace().next() {
                    Some("shares") => l.shares.span(),
                    Some("price") => l.price.span(),
                    Some("fees") => l.fees.as_ref().map_or(l.price.span(), Spanned::span),
                    _ => l.date.span(),
                };
                errors.push((span, format!("positions[{i}]: {p}")));
            }
            None => lots.push(lot),
        }
    }
    let base = raw.portfolio.base_currency.get_ref().trim().to_ascii_uppercase();
    if base.len() != 3 || !base.chars().all(|c| c.is_ascii_alphabetic()) {
        errors.push((
            raw.portfolio.base_currency.span(),
            "portfolio.base_currency must be a three-letter currency code (\"USD\")".into(),
        ));
    }
    let mut weights = BTreeMap::new();
    for (sym, w) in &raw.portfolio.max_weight {
        match listed(sym) {
            None => errors.push((
                w.span(),
                format!("portfolio.max_weight: `{}` is not a listed ticker", crate::sanitize::clean(sym)),
            )),
            Some(_) if !(w.get_ref().is_finite() && *w.get_ref() > 0.0 && *w.get_ref() <= 100.0) => {
                errors.push((w.span(), "portfolio.max_weight must be a percent above 0, at most 100".into()));
            }
            Some(symbol) => {
                weights.insert(symbol.clone(), *w.get_ref());
            }
        }
    }
    (lots, base, weights)
}

/// The ordered quote sources of `[quotes]`, with their base URLs; problems and warnings located.
///
/// `order = ["yahoo", "nasdaq"]` names registered sources, each at most once; `[quotes.NAME]`
/// sets a source's `base_url`. The single-source keys of older configs still work, with a
/// warning: `source` and `fallback` become the order (`none` drops the fallback; Stooq, removed,
/// is replaced by Nasdaq) and `base_url` is Yahoo's.
fn quote_sources(
    text: &str,
    quotes: &RawQuotes,
    errors: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<crate::core::settings::QuoteSourceSpec> {
    use crate::io::providers::quotes::REGISTRY;
    let known = quote_source_names().join(", ");
    let registered = |name: &str| REGISTRY.iter().any(|r| r.name == name);
    let mut bases: BTreeMap<&str, String> =
        REGISTRY.iter().map(|r| (r.name, r.default_base.to_string())).collect();
    let mut order: Option<Vec<String>> = None;
    let mut legacy: Vec<(Range<usize>, String)> = Vec::new(); // source, then fallback
    let as_text = |value: &Spanned<toml::Value>, what: &str, errors: &mut Vec<Problem>| -> Option<String> {
        match value.get_ref() {
            toml::Value::String(s) => Some(s.clone()),
            _ => {
                errors.push((value.span(), format!("{what} must be a string")));
                None
            }
        }
    };
    for (key, value) in quotes {
        let span = value.span();
        let key_at = key.span();
        let key = key.get_ref();
        match key.as_str() {
            "order" => {
                let Some(items) = value.get_ref().as_array() else {
                    errors.push((span, format!("quotes.order must be a list of source names ({known})")));
                    continue;
                };
                let mut names = Vec::new();
                let mut cursor = span.start;
                for item in items {
                    let Some(name) = item.as_str() else {
                        errors.push((span.clone(), "quotes.order must list source names as strings".into()));
                        continue;
                    };
                    let at = quoted_in(text, cursor..span.end, name).unwrap_or(span.clone());
                    cursor = at.end.min(span.end);
                    if name == "stooq" {
                        errors.push((at, format!("{STOOQ_REMOVED}; use nasdaq")));
                    } else if !registered(name) {
                        errors.push((at, format!("unknown quote source `{name}` (known: {known})")));
                    } else if names.iter().any(|n| n == name) {
                        errors.push((at, format!("quote source `{name}` is listed twice")));
                    } else {
                        names.push(name.to_string());
                    }
                }
                if items.is_empty() {
                    errors.push((span, format!("quotes.order lists no source (known: {known})")));
                }
                order = Some(names);
            }
            "source" | "fallback" => {
                if let Some(name) = as_text(value, &format!("quotes.{key}"), errors) {
                    // The source is tried first, whichever line it is on.
                    let at = if key == "source" { 0 } else { legacy.len() };
                    legacy.insert(at, (span, name));
                }
            }
            "base_url" => {
                if let Some(url) = as_text(value, "quotes.base_url", errors) {
                    warnings.push((
                        span.clone(),
                        "quotes.base_url is the older form of [quotes.yahoo] base_url".into(),
                    ));
                    check_url(&url, span, "quotes.base_url", errors);
                    bases.insert("yahoo", url);
                }
            }
            "stooq_base_url" => {
                warnings.push((span, "quotes.stooq_base_url is ignored: Stooq was removed".into()))
            }
            name if registered(name) => {
                let Some(table) = value.get_ref().as_table() else {
                    errors.push((span, format!("quotes.{name} must be a table with base_url")));
                    continue;
                };
                for (field, v) in table {
                    match (field.as_str(), v.as_str()) {
                        ("base_url", Some(url)) => {
                            let at = field_span(text, span.clone(), url);
                            check_url(url, at, &format!("quotes.{name}.base_url"), errors);
                            if let Some(base) = bases.get_mut(name) {
                                *base = url.to_string();
                            }
                        }
                        ("base_url", None) => {
                            errors.push((span.clone(), format!("quotes.{name}.base_url must be a string")))
                        }
                        (other, _) => errors.push((
                            key_span(text, span.clone(), other),
                            format!("unknown key `{other}` in [quotes.{name}] (known: base_url)"),
                        )),
                    }
                }
            }
            "stooq" => errors.push((key_at, format!("{STOOQ_REMOVED}; use nasdaq"))),
            other => errors.push((
                key_at,
                format!("unknown key `{other}` in [quotes] (known: order, and a table per source: {known})"),
            )),
        }
    }
    if !legacy.is_empty() {
        if order.is_some() {
            let (span, _) = &legacy[0];
            errors.push((
                span.clone(),
                "quotes.source / quotes.fallback are the older form of quotes.order: keep only order".into(),
            ));
        } else {
            let mut names: Vec<String> = Vec::new();
            for (span, name) in &legacy {
                let name = match name.as_str() {
                    "none" => continue,
                    "stooq" => {
                        warnings
                            .push((span.clone(), format!("{STOOQ_REMOVED}; nasdaq is used in its place")));
                        "nasdaq"
                    }
                    n if registered(n) => n,
                    n => {
                        errors.push((span.clone(), format!("unknown quote source `{n}` (known: {known})")));
                        continue;
                    }
                };
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
            if let Some((span, _)) = legacy.first() {
                let list = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
                warnings.push((span.clone(), format!("quotes.source and quotes.fallback are the older form of quotes.order; this reads as order = [{list}]")));
            }
            order = Some(names);
        }
    }
    let order = order.unwrap_or_else(|| quote_source_names().into_iter().map(String::from).collect());
    order
        .into_iter()
        .map(|name| {
            let base_url =
                bases.get(name.as_str()).cloned().unwrap_or_default().trim_end_matches('/').to_string();
            crate::core::settings::QuoteSourceSpec { name, base_url }
        })
        .collect()
}

fn check_url(url: &str, span: Range<usize>, what: &str, errors: &mut Vec<Problem>) {
    if !is_http_url(url) {
        errors.push((span, format!("{what} must be an http:// or https:// URL")));
    }
}

/// A table's text: from its header to the next `[` header, or the end.
fn table_scope(text: &str, table: Range<usize>) -> Range<usize> {
    let rest = text.get(table.start..).unwrap_or_default();
    let body_start = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let end = rest[body_start..].find("\n[").map_or(rest.len(), |i| body_start + i);
    table.start..table.start + end
}

/// The span of the key `key` (followed by `=`) inside a table, or the table's span if not found.
fn key_span(text: &str, table: Range<usize>, key: &str) -> Range<usize> {
    let scope = table_scope(text, table.clone());
    let body = text.get(scope.clone()).unwrap_or_default();
    let mut from = 0;
    while let Some(i) = body[from..].find(key).map(|i| from + i) {
        let before_ok =
            body[..i].chars().next_back().is_none_or(|c| c.is_whitespace() || c == '{' || c == ',');
        let after = body[i + key.len()..].trim_start_matches([' ', '\t']);
        if before_ok && after.starts_with('=') {
            return scope.start + i..scope.start + i + key.len();
        }
        from = i + key.len();
    }
    table
}

/// The span of `"value"` inside `span` of the text, if it is there.
fn quoted_in(text: &str, span: Range<usize>, value: &str) -> Option<Range<usize>> {
    let needle = format!("\"{value}\"");
    text.get(span.clone())
        .and_then(|s| s.find(&needle))
        .map(|i| span.start + i..span.start + i + needle.len())
}

/// A ticker's per-source symbols, exchange and older keys.
fn ticker_problems(text: &str, t: &Spanned<TickerSpec>, warnings: &mut Vec<Problem>) -> Vec<Problem> {
    let spec = t.get_ref();
    let mut errors = Vec::new();
    let known = quote_source_names().join(", ");
    for (source, symbol) in &spec.symbols {
        let at = key_span(text, t.span(), source);
        if source == "stooq" {
            warnings.push((at, "symbols.stooq is ignored: Stooq was removed".into()));
        } else if !quote_source_names().contains(&source.as_str()) {
            errors.push((
                at,
                format!(
                    "ticker `{}`: unknown quote source `{source}` in symbols (known: {known})",
                    spec.symbol
                ),
            ));
        } else if symbol.trim().is_empty() || symbol.chars().any(char::is_control) {
            errors
                .push((at, format!("ticker `{}`: symbols.{source} must be a non-empty symbol", spec.symbol)));
        }
    }
    if let Some(yahoo) = spec.symbols.get("yahoo")
        && !spec.provider_symbol.is_empty()
        && *yahoo != spec.provider_symbol
    {
        errors.push((
            field_span(text, t.span(), &spec.provider_symbol),
            format!("ticker `{}`: provider_symbol is the older name of symbols.yahoo; keep one", spec.symbol),
        ));
    }
    if !spec.exchange.is_empty() && crate::core::hours::Exchange::parse(&spec.exchange).is_none() {
        errors.push((
            field_span(text, t.span(), &spec.exchange),
            format!(
                "ticker `{}`: unknown exchange `{}` (known: stockholm, nasdaq, nyse)",
                spec.symbol, spec.exchange
            ),
        ));
    }
    if !spec.stooq_symbol.is_empty() {
        warnings.push((
            field_span(text, t.span(), &spec.stooq_symbol),
            "stooq_symbol is ignored: Stooq was removed".into(),
        ));
    }
    errors
}

/// Keys bound to two actions by `[keys]` (`remaps`: each action's new keys and where): a key
/// given to two actions, or to one while another still has it by default. Ctrl-C always quits.
fn key_conflicts(mut remaps: Vec<(Command, Vec<Key>, Range<usize>)>) -> Vec<Problem> {
    use std::collections::HashMap;
    remaps.sort_by_key(|(_, _, span)| span.start);
    let remapped: HashSet<Command> = remaps.iter().map(|(cmd, _, _)| *cmd).collect();
    // Key -> (its action, whether by default).
    let mut owner: HashMap<Key, (Command, bool)> = Keymap::default()
        .bindings()
        .iter()
        .filter(|(_, cmd)| !remapped.contains(cmd))
        .map(|(key, cmd)| (*key, (*cmd, true)))
        .collect();
    let ctrl_c = Key::parse("ctrl-c").ok();
    let mut problems = Vec::new();
    for (cmd, keys, span) in remaps {
        let name = cmd.name();
        for key in keys {
            let label = key.label();
            if Some(key) == ctrl_c {
                problems
                    .push((span.clone(), format!("[keys] {name}: Ctrl-c always quits; bind another key")));
                continue;
            }
            match owner.get(&key) {
                Some((other, _)) if *other == cmd => {}
                Some((other, true)) => problems.push((
                    span.clone(),
                    format!(
                        "[keys] {name}: `{label}` is bound to {0} by default; give {0} other keys \
                         in [keys] or pick another key",
                        other.name()
                    ),
                )),
                Some((other, false)) => problems.push((
                    span.clone(),
                    format!("[keys] {name}: `{label}` is already bound to {}", other.name()),
                )),
                None => {
                    owner.insert(key, (cmd, false));
                }
            }
        }
    }
    problems
}

/// A problem found while reading: where (byte span) and what.
type Problem = (Range<usize>, String);

/// Most errors listed; a line says how many more there are.
pub const MAX_ERRORS: usize = 50;

/// The problems in file order (byte order is line:col order), duplicates dropped, the first
/// [`MAX_ERRORS`] located as `path:line:col` (a garbage file has thousands; locating each one
/// scans the text before it).
fn located(text: &str, label: &str, mut problems: Vec<Problem>) -> Vec<ConfigError> {
    problems.sort_by_key(|(span, _)| span.start);
    problems.dedup_by(|a, b| a.0.start == b.0.start && a.1 == b.1);
    let more = problems.len().saturating_sub(MAX_ERRORS);
    let rest = problems.split_off(problems.len().min(MAX_ERRORS));
    let mut errors: Vec<ConfigError> =
        problems.into_iter().map(|(span, m)| locate(text, label, span, m)).collect();
    if let Some((span, _)) = rest.into_iter().next() {
        errors.push(locate(text, label, span, format!("… and {more} more errors")));
    }
    errors
}

/// Reads the TOML into [`Raw`], reporting every problem instead of the first: all syntax errors
/// (`Err`), else every section and every `[[array]]` entry on its own, so a bad key in one does
/// not hide the problems of the others. Returns the sections that had problems (left at their
/// defaults, or without the bad entries) so checks that depend on them can be skipped.
fn read_raw(text: &str) -> Result<(Raw, HashSet<String>, Vec<Problem>), Vec<Problem>> {
    use toml::de::{DeArray, DeTable, DeValue};
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(syntax
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                let message = explain_syntax(text, span.start, e.message());
                (span, message)
            })
            .collect());
    }
    let mut raw = Raw::default();
    let mut broken = HashSet::new();
    let mut problems = Vec::new();
    for (key, value) in doc.get_ref().iter() {
        let name: &str = key.get_ref();
        let parts: Vec<Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::Array(items)
                if ["tickers", "catalysts", "risks", "feeds", "alerts", "positions"].contains(&name) =>
            {
                items
                    .iter()
                    .map(|item| {
                        Spanned::new(
                            item.span(),
                            DeValue::Array(std::iter::once(item.clone()).collect::<DeArray<'_>>()),
                        )
                    })
                    .collect()
            }
            _ => vec![value.clone()],
        };
        for part in parts {
            let span = part.span();
            let mut table = DeTable::new();
            table.insert(key.clone(), part);
            match Raw::deserialize(toml::de::Deserializer::from(Spanned::new(span.clone(), table))) {
                Ok(one) => raw.take_section(name, one),
                Err(e) => {
                    broken.insert(name.to_string());
                    problems.push((e.span().unwrap_or(span), e.message().to_string()));
                }
            }
        }
    }
    Ok((raw, broken, problems))
}

impl Raw {
    /// Moves section `name` of `one` (a `Raw` read from that section alone) into `self`.
    fn take_section(&mut self, name: &str, one: Raw) {
        match name {
            "refresh" => self.refresh = one.refresh,
            "quotes" => self.quotes = one.quotes,
            "news" => self.news = one.news,
            "keys" => self.keys = one.keys,
            "notify" => self.notify = one.notify,
            "thesis" => self.thesis = one.thesis,
            "portfolio" => self.portfolio = one.portfolio,
            "ui" => self.ui = one.ui,
            "theme" => self.theme = one.theme,
            "positions" => self.positions.extend(one.positions),
            "tickers" => self.tickers.extend(one.tickers),
            "catalysts" => self.catalysts.extend(one.catalysts),
            "risks" => self.risks.extend(one.risks),
            "feeds" => self.feeds.extend(one.feeds),
            "alerts" => self.alerts.extend(one.alerts),
            _ => {}
        }
    }
}

/// The parser's message, or a clearer one for the common slip of an unquoted string
/// (`source = yahoo` reads as a misspelt `true`, `nan` or `inf` to a TOML parser).
fn explain_syntax(text: &str, start: usize, message: &str) -> String {
    let word: String = text
        .get(start..)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/'))
        .take(40)
        .collect();
    let bare = word.chars().next().is_some_and(char::is_alphabetic)
        && !matches!(word.as_str(), "true" | "false" | "nan" | "inf");
    let misread = ["invalid boolean", "invalid float", "must be quoted", "invalid string"]
        .iter()
        .any(|m| message.contains(m));
    if bare && misread {
        let word = crate::sanitize::clean(&word);
        format!("expected a value, found `{word}`; strings need quotes: \"{word}\"")
    } else {
        message.to_string()
    }
}

/// The embedded default config.
pub fn embedded() -> Result<Config, Vec<ConfigError>> {
    parse(EXAMPLE, "<embedded config.example.toml>")
}

/// Loads `explicit` if given (must exist), else `default_path` if it exists, else the embedded default.
pub fn load(
    explicit: Option<&Path>,
    default_path: Option<&Path>,
) -> Result<(Config, Origin), Vec<ConfigError>> {
    let path = match (explicit, default_path) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(p)) if p.exists() => p.to_path_buf(),
        _ => return embedded().map(|c| (c, Origin::Embedded)),
    };
    let label = path.display().to_string();
    let text = read_bounded(&path, &label)?;
    parse(&text, &label).map(|c| (c, Origin::File(path)))
}

/// Largest config file read: a thesis is a few KB.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// Reads at most [`MAX_CONFIG_BYTES`] (+1 to tell a larger file), so `--config /dev/urandom`
/// costs 1 MiB, not all memory. Invalid UTF-8 is reported where it is.
fn read_bounded(path: &Path, label: &str) -> Result<String, Vec<ConfigError>> {
    use std::io::Read;
    let error =
        |line, col, message: String| vec![ConfigError { path: label.to_string(), line, col, message }];
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONFIG_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| error(1, 1, format!("cannot read: {e}")))?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(error(1, 1, "larger than 1 MiB: not a chokepoint config (refusing to read it)".into()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let located = locate(&prefix, label, prefix.len()..prefix.len(), String::new());
        error(located.line, located.col, "invalid UTF-8 (the config must be UTF-8 text)".into())
    })
}

fn is_http_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("https://") && s.len() > 8) || (lower.starts_with("http://") && s.len() > 7)
}

/// The span of a quoted string value inside a table (from its header to the next header), or the
/// table's span if not found.
fn field_span(text: &str, table: Range<usize>, value: &str) -> Range<usize> {
    quoted_in(text, table_scope(text, table.clone()), value).unwrap_or(table)
}

fn locate(text: &str, label: &str, span: Range<usize>, message: String) -> ConfigError {
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ConfigError { path: label.to_string(), line, col, message: message.trim().to_string() }
}
