//! Nasdaq's keyless quote API (`api.nasdaq.com`): US listings and Nasdaq Stockholm.
//!
//! - US: `/api/quote/{SYM}/info?assetclass=stocks` for the quote (after hours: the regular close
//!   in `secondaryData`, the live after-hours print in `primaryData`) and `/api/quote/{SYM}/chart`
//!   for the intraday sparkline.
//! - Stockholm: `/api/nordic/search?searchText={SYM}` finds the instrument's orderbook id (kept on
//!   disk, so it is looked up once), then `/api/nordic/instruments/{ID}/info` for the quote and
//!   `/chart` for the intraday sparkline.
//!
//! Prices arrive as text (`$39.1175`, `SEK 11.46`, `+0.6975`, `+1.82%`, `N/A`); an unknown symbol
//! is HTTP 200 with `data: null`. The API wants a browser's `Accept`, `Origin` and `Referer`.

use super::http::Http;
use super::quotes::{Context, Failure, QuoteSource};
use crate::core::hours::Exchange;
use crate::domain::{Extended, MarketState, Quote, SourceError, TickerSpec, day_change, difference};
use crate::sanitize::clean;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where the API is unless the config says otherwise.
pub const DEFAULT_BASE: &str = "https://api.nasdaq.com";

/// The headers the API wants: without a browser's Accept, Origin and Referer it stalls or refuses.
const HEADERS: &[(&str, &str)] = &[
    ("accept", "application/json, text/plain, */*"),
    ("accept-language", "en-US,en;q=0.9"),
    ("origin", "https://www.nasdaq.com"),
    ("referer", "https://www.nasdaq.com/"),
];

/// The file the Nordic orderbook ids are kept in, under the cache directory.
pub const IDS_FILE: &str = "nasdaq-orderbooks.json";
/// Most orderbook ids kept (a watchlist has tens; the file is read at start).
const IDS_MAX: usize = 1000;

/// Why an answer gave no quote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NasdaqError {
    /// `data: null`: the symbol is not listed (or not as the asset class asked).
    #[error("Nasdaq does not know {0}")]
    Unknown(String),
    #[error("Nasdaq sent an HTML page, not JSON")]
    Html,
    #[error("bad JSON at {line}:{column}")]
    Json { line: usize, column: usize },
    #[error("no price in Nasdaq's answer")]
    NoPrice,
}

impl NasdaqError {
    fn into_source_error(self) -> SourceError {
        match self {
            NasdaqError::Unknown(_) | NasdaqError::Html => SourceError::permanent(self.to_string()),
            _ => SourceError::parse(self.to_string()),
        }
    }
}

/// The Nasdaq quote source.
pub struct Nasdaq {
    http: Http,
    base: String,
    ids: OrderbookIds,
}

impl Nasdaq {
    pub fn build(cx: &Context, base: &str) -> QuoteSource {
        QuoteSource::Nasdaq(Nasdaq {
            http: cx.http.clone(),
            base: base.trim_end_matches('/').to_string(),
            ids: OrderbookIds::load(cx.cache_dir.as_ref().map(|d| d.join(IDS_FILE))),
        })
    }

    pub async fn quote(&self, spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, Failure> {
        let symbol = spec.symbol_at("nasdaq");
        match spec.listing() {
            Exchange::Stockholm => self.nordic(spec, symbol, now).await,
            Exchange::Nasdaq | Exchange::Nyse => self.us(spec, symbol, now).await,
        }
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, Failure> {
        Ok(self.http.get_with(url, HEADERS).await?.bytes)
    }

    async fn us(&self, spec: &TickerSpec, symbol: &str, now: DateTime<Utc>) -> Result<Quote, Failure> {
        let sym = encode(symbol);
        let info = format!("{}/api/quote/{sym}/info?assetclass=stocks", self.base);
        let chart = format!("{}/api/quote/{sym}/chart?assetclass=stocks", self.base);
        let (info, chart) = futures::join!(self.get(&info), self.get(&chart));
        let mut quote = parse_us_info(&info?, spec, now).map_err(|e| e.into_source_error())?;
        // The sparkline is a nicety: a quote without it is still the quote.
        quote.series = chart.ok().map(|body| parse_series(&body)).unwrap_or_default();
        Ok(quote)
    }

    async fn nordic(&self, spec: &TickerSpec, symbol: &str, now: DateTime<Utc>) -> Result<Quote, Failure> {
        let id = match self.ids.get(symbol, &spec.currency) {
            Some(id) => id,
            None => {
                let url = format!("{}/api/nordic/search?searchText={}", self.base, encode(symbol));
                let id = parse_search(&self.get(&url).await?, symbol, &spec.currency)
                    .map_err(|e| e.into_source_error())?;
                self.ids.put(symbol, &spec.currency, &id);
                id
            }
        };
        let at = |what: &str| {
            format!("{}/api/nordic/instruments/{}/{what}?assetClass=SHARES&lang=en", self.base, encode(&id))
        };
        let (info_url, chart_url) = (at("info"), at("chart"));
        let (info, chart) = futures::join!(self.get(&info_url), self.get(&chart_url));
        let from_chart = chart.as_ref().ok().and_then(|body| parse_nordic_chart(body, spec, now).ok());
        let quote = match info {
            Ok(body) => match parse_nordic_info(&body, spec, now) {
                Ok(q) => Ok(q),
                Err(NasdaqError::Unknown(_)) => {
                    // The id is stale (delisted, renumbered): look it up again next time.
                    self.ids.forget(symbol, &spec.currency);
                    Err(NasdaqError::Unknown(symbol.to_string()).into_source_error().into())
                }
                Err(e) => from_chart.clone().ok_or_else(|| e.into_source_error().into()),
            },
            Err(failure) => from_chart.clone().ok_or(failure),
        };
        let mut quote = quote?;
        if quote.series.is_empty() {
            quote.series = from_chart.map(|q| q.series).unwrap_or_default();
        }
        Ok(quote)
    }
}

/// Nordic orderbook ids by symbol and currency, kept in a small JSON file (0600, never through a
/// symlink) so each is searched for once.
struct OrderbookIds {
    file: Option<PathBuf>,
    ids: Mutex<BTreeMap<String, String>>,
}

impl OrderbookIds {
    fn load(file: Option<PathBuf>) -> OrderbookIds {
        let ids = file
            .as_deref()
            .and_then(|f| crate::store::read_own(f).ok())
            .and_then(|bytes| serde_json::from_slice::<BTreeMap<String, String>>(&bytes).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|(key, id)| key.len() <= 64 && is_orderbook_id(id))
            .take(IDS_MAX)
            .collect();
        OrderbookIds { file, ids: Mutex::new(ids) }
    }

    fn key(symbol: &str, currency: &str) -> String {
        format!("{}|{}", symbol.to_ascii_uppercase(), currency.to_ascii_uppercase())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A configured id (`symbols.nasdaq = "TX2540138"`) or one found before.
    fn get(&self, symbol: &str, currency: &str) -> Option<String> {
        if is_orderbook_id(symbol) {
            return Some(symbol.to_string());
        }
        self.lock().get(&Self::key(symbol, currency)).cloned()
    }

    fn put(&self, symbol: &str, currency: &str, id: &str) {
        let mut ids = self.lock();
        if ids.len() < IDS_MAX {
            ids.insert(Self::key(symbol, currency), id.to_string());
        }
        self.save(&ids);
    }

    fn forget(&self, symbol: &str, currency: &str) {
        let mut ids = self.lock();
        if ids.remove(&Self::key(symbol, currency)).is_some() {
            self.save(&ids);
        }
    }

    fn save(&self, ids: &BTreeMap<String, String>) {
        let Some(file) = &self.file else { return };
        let written = serde_json::to_vec(ids).map_err(std::io::Error::other).and_then(|bytes| {
            if let Some(dir) = file.parent() {
                crate::store::create_private_dir(dir)?;
            }
            crate::store::write_atomic(file, &bytes)
        });
        if let Err(e) = written {
            tracing::warn!("orderbook ids not saved to {}: {e}", file.display());
        }
    }
}

/// `TX2540138`, or the older `SSE130710` / `CSE3456` / `HEX24` forms.
fn is_orderbook_id(s: &str) -> bool {
    let digits = s.trim_start_matches(|c: char| c.is_ascii_uppercase());
    (2..=3).contains(&(s.len() - digits.len()))
        && !digits.is_empty()
        && digits.len() <= 12
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A path segment or query value: every byte outside RFC 3986 "unreserved" percent-encoded
/// (`ERIC B` -> `ERIC%20B`).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn json(bytes: &[u8]) -> Result<Value, NasdaqError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.trim_ascii_start().starts_with(b"<") {
        return Err(NasdaqError::Html);
    }
    serde_json::from_slice(bytes).map_err(|e| NasdaqError::Json { line: e.line(), column: e.column() })
}

/// `data`, or why there is none: `data: null` is an unknown symbol (its reason from
/// `status.bCodeMessage[0].errorMessage` when given).
fn data<'a>(body: &'a Value, symbol: &str) -> Result<&'a Value, NasdaqError> {
    match body.get("data") {
        Some(d) if !d.is_null() => Ok(d),
        _ => {
            let reason = body
                .pointer("/status/bCodeMessage/0/errorMessage")
                .and_then(Value::as_str)
                .map(|m| clean(m.trim()).chars().take(80).collect::<String>())
                .filter(|m| !m.is_empty());
            let symbol = clean(symbol).chars().take(24).collect::<String>();
            Err(NasdaqError::Unknown(match reason {
                Some(r) => format!("{symbol} ({})", r.trim_end_matches('.')),
                None => symbol,
            }))
        }
    }
}

/// A number from Nasdaq's text: `$39.1175`, `SEK 11.46`, `+0.6975`, `-2.91%`, `7,343,447.3`;
/// `N/A`, `NA`, empty or anything else non-finite is `None`.
pub fn number(v: Option<&Value>) -> Option<f64> {
    let v = v?;
    if let Some(n) = v.as_f64() {
        return n.is_finite().then_some(n);
    }
    let text = v.as_str()?.trim();
    if text.len() > 40 {
        return None;
    }
    // A currency prefix ("SEK ", "$") goes; so do thousands commas and a trailing `%`.
    let start = text.find(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))?;
    let digits: String = text[start..].trim_end_matches('%').chars().filter(|c| *c != ',').collect();
    digits.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn price(v: Option<&Value>) -> Option<f64> {
    number(v).filter(|p| *p > 0.0)
}

fn text(obj: &Value, pointer: &str) -> Option<String> {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .map(|s| clean(s.trim()).chars().take(64).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// "low - high" (US) or "low-high" (Nordic); "NA" when closed.
fn range(v: Option<&Value>) -> (Option<f64>, Option<f64>) {
    let Some(text) = v.and_then(Value::as_str) else { return (None, None) };
    let mut parts = text.splitn(2, '-').map(|p| number(Some(&Value::from(p.trim()))));
    let low = parts.next().flatten();
    let high = parts.next().flatten();
    (low.filter(|p| *p > 0.0), high.filter(|p| *p > 0.0))
}

fn volume(v: Option<&Value>) -> Option<u64> {
    number(v).filter(|n| *n >= 0.0).map(|n| n.round() as u64)
}

/// A US timestamp: "Dec 2, 2026 6:41 PM ET", "Closed at Dec 2, 2026 4:00 PM ET", or a date alone
/// ("Feb 3, 2026", read as that day's 16:00 close), New York time.
fn us_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().trim_start_matches("Closed at").trim().trim_end_matches("ET").trim();
    let tz = chrono_tz::America::New_York;
    let local = NaiveDateTime::parse_from_str(text, "%b %e, %Y %l:%M %p")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%b %d, %Y %I:%M %p"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%b %e, %Y").ok().and_then(|d| d.and_hms_opt(16, 0, 0))
        })?;
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

/// A Nordic timestamp, "2026-12-02 18:00:00 CET": Stockholm wall-clock time (labelled CET even in
/// summer).
fn nordic_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().trim_end_matches("CEST").trim_end_matches("CET").trim();
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()?;
    chrono_tz::Europe::Stockholm.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

fn session(status: &str) -> MarketState {
    let s = status.to_ascii_lowercase();
    if s.contains("pre") {
        MarketState::Pre
    } else if s.contains("after") || s.contains("post") {
        MarketState::Post
    } else if s.contains("open") {
        MarketState::Regular
    } else if s.contains("closed") {
        MarketState::Closed
    } else {
        MarketState::Unknown
    }
}

/// The quote of a US listing's `info` answer. Outside regular hours `secondaryData` holds the
/// regular session's last price and `primaryData` the pre- or after-hours print, which becomes
/// the quote's `extended` trade.
pub fn parse_us_info(bytes: &[u8], spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, NasdaqError> {
    let body = json(bytes)?;
    let data = data(&body, spec.symbol_at("nasdaq"))?;
    let state = session(data.get("marketStatus").and_then(Value::as_str).unwrap_or_default());
    let primary = data.get("primaryData").filter(|v| v.is_object());
    let secondary = data.get("secondaryData").filter(|v| v.is_object());
    let (regular, extra) = match (primary, secondary) {
        (Some(p), Some(s)) if matches!(state, MarketState::Pre | MarketState::Post) => (s, Some(p)),
        (Some(p), _) => (p, None),
        (None, Some(s)) => (s, None),
        (None, None) => return Err(NasdaqError::NoPrice),
    };
    let price = price(regular.get("lastSalePrice")).ok_or(NasdaqError::NoPrice)?;
    let change = number(regular.get("netChange"));
    let previous_close = change.map(|c| difference(price, c)).filter(|p| p.is_finite() && *p > 0.0);
    let (computed, computed_pct) = day_change(price, previous_close);
    let as_of = regular.get("lastTradeTimestamp").and_then(Value::as_str).and_then(us_time).unwrap_or(now);
    let extended = extra.and_then(|p| {
        let at = p.get("lastTradeTimestamp").and_then(Value::as_str).and_then(us_time).unwrap_or(now);
        let mut e = Extended::new(state, super::nasdaq::price(p.get("lastSalePrice"))?, price, at);
        e.change = number(p.get("netChange")).or(e.change);
        e.change_pct = number(p.get("percentageChange")).or(e.change_pct);
        Some(e)
    });
    let (day_low, day_high) = range(data.pointer("/keyStats/dayrange/value"));
    Ok(Quote {
        symbol: spec.symbol.clone(),
        provider_symbol: spec.symbol_at("nasdaq").to_string(),
        price,
        previous_close,
        change: change.or(computed),
        change_pct: number(regular.get("percentageChange")).or(computed_pct),
        currency: text(data, "/primaryData/currency")
            .or_else(|| (!spec.currency.is_empty()).then(|| spec.currency.clone()))
            .unwrap_or_else(|| "USD".into()),
        exchange: text(data, "/exchange").unwrap_or_default(),
        market_state: state,
        day_high,
        day_low,
        volume: volume(primary.and_then(|p| p.get("volume"))),
        series: Vec::new(),
        as_of,
        source: "nasdaq".into(),
        extended,
    })
}

/// The intraday prices of a chart answer (US or Nordic), oldest first: numeric `y`, else the
/// text of `z.value`.
pub fn parse_series(bytes: &[u8]) -> Vec<f64> {
    let Ok(body) = json(bytes) else { return Vec::new() };
    let points = body.pointer("/data/chart").or_else(|| body.pointer("/data/CP")).and_then(Value::as_array);
    points
        .into_iter()
        .flatten()
        .filter_map(|p| price(p.get("y")).or_else(|| price(p.pointer("/z/value"))))
        .collect()
}

/// The orderbook id of the share `symbol` in `currency` from a Nordic search: only an
/// `assetClass == "SHARES"` row (a search also returns trackers and certificates) whose symbol
/// matches; with a currency configured, in that currency (one ISIN can list in two markets).
pub fn parse_search(bytes: &[u8], symbol: &str, currency: &str) -> Result<String, NasdaqError> {
    let body = json(bytes)?;
    let wanted = |s: &str| s.trim().eq_ignore_ascii_case(symbol.trim());
    let rows = body
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|group| group.get("instruments").and_then(Value::as_array).into_iter().flatten());
    rows.filter(|r| r.get("assetClass").and_then(Value::as_str) == Some("SHARES"))
        .filter(|r| r.get("symbol").and_then(Value::as_str).is_some_and(wanted))
        .filter(|r| {
            currency.is_empty()
                || r.get("currency").and_then(Value::as_str).is_some_and(|c| c.eq_ignore_ascii_case(currency))
        })
        .find_map(|r| r.get("orderbookId").and_then(Value::as_str).filter(|id| is_orderbook_id(id)))
        .map(str::to_string)
        .ok_or_else(|| {
            let what = if currency.is_empty() { String::new() } else { format!(" in {currency}") };
            NasdaqError::Unknown(format!("{} (no share{what} on Nasdaq Nordic)", clean(symbol)))
        })
}

/// The quote of a Nordic instrument's `info` answer (`data.qdHeader`). Its market state comes
/// from the exchange calendar: the answer's own status text is not documented.
pub fn parse_nordic_info(bytes: &[u8], spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, NasdaqError> {
    let body = json(bytes)?;
    let header = data(&body, spec.symbol_at("nasdaq"))?.get("qdHeader").ok_or(NasdaqError::NoPrice)?;
    let primary = header.get("primaryData").unwrap_or(&Value::Null);
    let price = price(primary.get("lastSalePrice")).ok_or(NasdaqError::NoPrice)?;
    let change = number(primary.get("netChange"));
    let previous_close = change.map(|c| difference(price, c)).filter(|p| p.is_finite() && *p > 0.0);
    let (computed, computed_pct) = day_change(price, previous_close);
    let (day_low, day_high) = range(header.pointer("/keyStats/dayRange/value"));
    Ok(Quote {
        symbol: spec.symbol.clone(),
        provider_symbol: spec.symbol_at("nasdaq").to_string(),
        price,
        previous_close,
        change: change.or(computed),
        change_pct: number(primary.get("percentageChange")).or(computed_pct),
        currency: text(header, "/currency").unwrap_or_else(|| spec.currency.clone()),
        exchange: text(header, "/exchange").unwrap_or_else(|| "Nasdaq Stockholm".into()),
        market_state: nordic_state(now),
        day_high,
        day_low,
        volume: volume(header.pointer("/keyStats/volume/value")),
        series: Vec::new(),
        as_of: primary.get("lastTradeTimestamp").and_then(Value::as_str).and_then(nordic_time).unwrap_or(now),
        source: "nasdaq".into(),
        extended: None,
    })
}

/// A quote from a Nordic `chart` answer alone (`data.chartData` and the points), for when `info`
/// failed: price, change, previous close and currency (the `SEK` of "SEK 11.46").
pub fn parse_nordic_chart(bytes: &[u8], spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, NasdaqError> {
    let body = json(bytes)?;
    let cd = data(&body, spec.symbol_at("nasdaq"))?.get("chartData").ok_or(NasdaqError::NoPrice)?;
    let price = price(cd.get("lastSalePrice")).ok_or(NasdaqError::NoPrice)?;
    let previous_close = super::nasdaq::price(cd.get("previousClose"));
    let (change, change_pct) = day_change(price, previous_close);
    let currency = cd
        .get("lastSalePrice")
        .and_then(Value::as_str)
        .and_then(|t| t.split_whitespace().next())
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        .map(str::to_string)
        .unwrap_or_else(|| spec.currency.clone());
    Ok(Quote {
        symbol: spec.symbol.clone(),
        provider_symbol: spec.symbol_at("nasdaq").to_string(),
        price,
        previous_close,
        change: number(cd.get("netChange")).or(change),
        change_pct: number(cd.get("percentageChange")).or(change_pct),
        currency,
        exchange: "Nasdaq Stockholm".into(),
        market_state: nordic_state(now),
        day_high: None,
        day_low: None,
        volume: None,
        series: parse_series(bytes),
        as_of: now,
        source: "nasdaq".into(),
        extended: None,
    })
}

fn nordic_state(now: DateTime<Utc>) -> MarketState {
    if Exchange::Stockholm.status(now).open { MarketState::Regular } else { MarketState::Closed }
}
