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
use crate::chart::{BARS_MAX, Bar, Series, Span};
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

    /// A detail view's daily series: US listings from `historical`, Stockholm from the dated
    /// `chart`. Nasdaq has no intraday history beyond today's points, so 1D and 5D are
    /// refused (Yahoo, asked first, has them); five years are folded into weeks as Yahoo's are.
    pub async fn history(
        &self,
        spec: &TickerSpec,
        span: Span,
        started: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<Series, Failure> {
        if span.intraday() {
            return Err(SourceError::permanent(format!(
                "no {} history from Nasdaq (Yahoo has it)",
                span.label()
            ))
            .into());
        }
        let today = now.date_naive();
        let from = span.start(started, today).format("%Y-%m-%d");
        let to = today.format("%Y-%m-%d");
        let symbol = spec.symbol_at("nasdaq");
        let exchange = spec.listing();
        let bars = match exchange {
            Exchange::Stockholm => {
                let id = self.orderbook_id(spec, symbol).await?;
                let url = format!(
                    "{}/api/nordic/instruments/{}/chart?assetClass=SHARES&fromDate={from}&toDate={to}&lang=en",
                    self.base,
                    encode(&id)
                );
                parse_nordic_daily(&self.get(&url).await?, symbol)
            }
            Exchange::Nasdaq | Exchange::Nyse => {
                // A fund (the benchmark, SOXX) is not a stock to this endpoint: asked as one,
                // Nasdaq says the symbol does not exist; then it is asked as an ETF.
                let url = |class: &str| {
                    format!(
                        "{}/api/quote/{}/historical?assetclass={class}&fromdate={from}&todate={to}&limit=9999",
                        self.base,
                        encode(symbol)
                    )
                };
                match parse_us_historical(&self.get(&url("stocks")).await?, symbol) {
                    Err(NasdaqError::Unknown(_)) => parse_us_historical(&self.get(&url("etf")).await?, symbol),
                    other => other,
                }
            }
        }
        .map_err(|e| e.into_source_error())?;
        let interval = span.interval(started, today);
        let bars = if interval == "1wk" { crate::chart::weekly(&bars, exchange.tz()) } else { bars };
        Ok(Series {
            symbol: spec.symbol.clone(),
            span,
            interval: interval.to_string(),
            currency: spec.currency.clone(),
            bars,
            fetched_at: now,
            source: "nasdaq".into(),
            year_range: None,
        })
    }

    /// The Nordic orderbook id of `symbol`, looked up once and kept.
    async fn orderbook_id(&self, spec: &TickerSpec, symbol: &str) -> Result<String, Failure> {
        if let Some(id) = self.ids.get(symbol, &spec.currency) {
            return Ok(id);
        }
        let url = format!("{}/api/nordic/search?searchText={}", self.base, encode(symbol));
        let id = parse_search(&self.get(&url).await?, symbol, &spec.currency)
            .map_err(|e| e.into_source_error())?;
        self.ids.put(symbol, &spec.currency, &id);
        Ok(id)
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
        let id = self.orderbook_id(spec, symbol).await?;
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
            Err(failure) => {
                if failure.error.kind == crate::domain::ErrorKind::Permanent {
                    // A 404 for a stored id: look it up again next time.
                    self.ids.forget(symbol, &spec.currency);
                }
                from_chart.clone().ok_or(failure)
            }
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

use super::http::percent_encode as encode;

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

fn price_of(v: Option<&Value>) -> Option<f64> {
    number(v).filter(|p| *p > 0.0)
}

fn text(obj: &Value, pointer: &str) -> Option<String> {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .map(|s| clean(s.trim()).chars().take(64).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// The numbers of one price block (`primaryData`, `secondaryData`).
struct Day {
    price: f64,
    /// `price - netChange`.
    previous_close: Option<f64>,
    /// As sent, else computed from the previous close.
    change: Option<f64>,
    change_pct: Option<f64>,
}

fn day(block: &Value) -> Result<Day, NasdaqError> {
    let price = price_of(block.get("lastSalePrice")).ok_or(NasdaqError::NoPrice)?;
    let sent = number(block.get("netChange"));
    let previous_close = sent.map(|c| difference(price, c)).filter(|p| p.is_finite() && *p > 0.0);
    let (change, change_pct) = day_change(price, previous_close);
    Ok(Day {
        price,
        previous_close,
        change: sent.or(change),
        change_pct: number(block.get("percentageChange")).or(change_pct),
    })
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
    // Outside the regular session (pre-market, after hours, and "Closed" in the evening while
    // the after-hours print is still shown) the regular price is the secondary block.
    let (regular, extra) = match (primary, secondary) {
        (Some(p), Some(s)) if state != MarketState::Regular => (s, Some(p)),
        (Some(p), _) => (p, None),
        (None, Some(s)) => (s, None),
        (None, None) => return Err(NasdaqError::NoPrice),
    };
    let Day { price, previous_close, change, change_pct } = day(regular)?;
    let as_of = regular.get("lastTradeTimestamp").and_then(Value::as_str).and_then(us_time).unwrap_or(now);
    let extended = extra.and_then(|p| {
        let at = p.get("lastTradeTimestamp").and_then(Value::as_str).and_then(us_time).unwrap_or(now);
        let session = if state == MarketState::Pre { MarketState::Pre } else { MarketState::Post };
        let mut e = Extended::new(session, price_of(p.get("lastSalePrice"))?, price, at);
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
        change,
        change_pct,
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

/// The daily bars of a US `historical` answer (`data.tradesTable.rows`, newest first, each
/// `{date: "MM/DD/YYYY", close: "$39.12", open, high, low, volume: "1,234,567"}`), oldest first,
/// stamped at the session's open (New York), at most `BARS_MAX`.
pub fn parse_us_historical(bytes: &[u8], symbol: &str) -> Result<Vec<Bar>, NasdaqError> {
    let body = json(bytes)?;
    let rows = data(&body, symbol)?.pointer("/tradesTable/rows").and_then(Value::as_array);
    let bars = rows.into_iter().flatten().take(BARS_MAX).filter_map(|r| {
        let date = NaiveDate::parse_from_str(r.get("date")?.as_str()?.trim(), "%m/%d/%Y").ok()?;
        daily_bar(Exchange::Nasdaq, date, |k| r.get(k))
    });
    finish(bars.collect())
}

/// The daily bars of a dated Nordic `chart` answer (`data.CP`, each `{x: UTC midnight in seconds
/// or milliseconds, z: {open, high, low, close, volume}}`), oldest first, stamped at the
/// Stockholm open, at most `BARS_MAX`.
pub fn parse_nordic_daily(bytes: &[u8], symbol: &str) -> Result<Vec<Bar>, NasdaqError> {
    let body = json(bytes)?;
    let points = data(&body, symbol)?.get("CP").and_then(Value::as_array);
    let bars = points.into_iter().flatten().take(BARS_MAX).filter_map(|p| {
        let x = p.get("x")?.as_i64()?;
        let secs = if x.abs() > 100_000_000_000 { x / 1000 } else { x };
        let date = DateTime::from_timestamp(secs, 0)?.date_naive();
        let z = p.get("z")?;
        daily_bar(Exchange::Stockholm, date, |k| {
            z.get(k).or_else(|| if k == "close" { p.get("y") } else { None })
        })
    });
    finish(bars.collect())
}

/// One day's bar from its fields, stamped at the session's open (noon UTC on a day without one).
fn daily_bar<'a>(
    exchange: Exchange,
    date: NaiveDate,
    field: impl Fn(&str) -> Option<&'a Value>,
) -> Option<Bar> {
    let t = exchange
        .session(date)
        .map(|(open, _)| open)
        .or_else(|| date.and_hms_opt(12, 0, 0).map(|d| d.and_utc()))?;
    Some(Bar {
        t,
        close: price_of(field("close"))?,
        open: price_of(field("open")),
        high: price_of(field("high")),
        low: price_of(field("low")),
        volume: volume(field("volume")),
    })
}

/// Oldest first, one bar per stamp; no bar at all is no price.
fn finish(mut bars: Vec<Bar>) -> Result<Vec<Bar>, NasdaqError> {
    bars.sort_by_key(|b| b.t);
    bars.dedup_by_key(|b| b.t);
    if bars.is_empty() { Err(NasdaqError::NoPrice) } else { Ok(bars) }
}

/// The intraday prices of a chart answer (US or Nordic), oldest first: numeric `y`, else the
/// text of `z.value`.
pub fn parse_series(bytes: &[u8]) -> Vec<f64> {
    let Ok(body) = json(bytes) else { return Vec::new() };
    let points = body.pointer("/data/chart").or_else(|| body.pointer("/data/CP")).and_then(Value::as_array);
    points
        .into_iter()
        .flatten()
        .filter_map(|p| price_of(p.get("y")).or_else(|| price_of(p.pointer("/z/value"))))
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

/// The quote of a Nordic instrument's `info` answer (`data.qdHeader`). Its market state is the
/// answer's `marketStatus`, else the exchange calendar's.
pub fn parse_nordic_info(bytes: &[u8], spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, NasdaqError> {
    let body = json(bytes)?;
    let header = data(&body, spec.symbol_at("nasdaq"))?.get("qdHeader").ok_or(NasdaqError::NoPrice)?;
    let primary = header.get("primaryData").unwrap_or(&Value::Null);
    let Day { price, previous_close, change, change_pct } = day(primary)?;
    let (day_low, day_high) = range(header.pointer("/keyStats/dayRange/value"));
    Ok(Quote {
        symbol: spec.symbol.clone(),
        provider_symbol: spec.symbol_at("nasdaq").to_string(),
        price,
        previous_close,
        change,
        change_pct,
        currency: text(header, "/currency").unwrap_or_else(|| spec.currency.clone()),
        exchange: text(header, "/exchange").unwrap_or_else(|| "Nasdaq Stockholm".into()),
        market_state: match session(header.get("marketStatus").and_then(Value::as_str).unwrap_or_default()) {
            MarketState::Unknown => nordic_state(now),
            said => said,
        },
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
    let price = price_of(cd.get("lastSalePrice")).ok_or(NasdaqError::NoPrice)?;
    let previous_close = price_of(cd.get("previousClose"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const US_INFO: &[u8] = include_bytes!("../../../tests/fixtures/quotes/nasdaq-us-info-AAOI.json");
    const US_UNKNOWN: &[u8] = include_bytes!("../../../tests/fixtures/quotes/nasdaq-us-info-unknown.json");
    const US_CHART: &[u8] = include_bytes!("../../../tests/fixtures/quotes/nasdaq-us-chart-AAOI.json");
    const SEARCH: &[u8] = include_bytes!("../../../tests/fixtures/quotes/nasdaq-nordic-search-SIVE.json");
    const SEARCH_UNKNOWN: &[u8] =
        include_bytes!("../../../tests/fixtures/quotes/nasdaq-nordic-search-unknown.json");
    const NORDIC_INFO: &[u8] = include_bytes!("../../../tests/fixtures/quotes/nasdaq-nordic-info-SIVE.json");
    const NORDIC_CHART: &[u8] =
        include_bytes!("../../../tests/fixtures/quotes/nasdaq-nordic-chart-SIVE.json");

    /// Wed 2026-12-02 18:42 ET, the moment every fixture was "read".
    fn read_at() -> DateTime<Utc> {
        utc("2026-12-02T23:42:00Z")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn aaoi() -> TickerSpec {
        TickerSpec {
            symbol: "AAOI".into(),
            currency: "USD".into(),
            exchange: "nasdaq".into(),
            ..Default::default()
        }
    }

    fn sive() -> TickerSpec {
        TickerSpec {
            symbol: "SIVE".into(),
            currency: "SEK".into(),
            exchange: "stockholm".into(),
            ..Default::default()
        }
    }

    fn value(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    fn bytes(v: &Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn no_controls(s: &str) -> bool {
        !s.chars().any(char::is_control)
    }

    // --- US info -------------------------------------------------------------------------------

    #[test]
    fn us_after_hours_quote_every_field() {
        let q = parse_us_info(US_INFO, &aaoi(), read_at()).unwrap();
        assert_eq!(q.symbol, "AAOI");
        assert_eq!(q.provider_symbol, "AAOI");
        // The regular close (secondaryData), not the after-hours print.
        assert_eq!(q.price, 38.42);
        assert_eq!(q.change, Some(-1.15));
        assert_eq!(q.change_pct, Some(-2.91));
        assert_eq!(q.previous_close, Some(39.57), "38.42 - -1.15, without float noise");
        assert_eq!(q.currency, "USD");
        assert_eq!(q.exchange, "NASDAQ-GM");
        assert_eq!(q.market_state, MarketState::Post);
        assert_eq!(q.day_low, Some(38.31));
        assert_eq!(q.day_high, Some(39.78));
        assert_eq!(q.volume, Some(7_343_447), "fractional volume rounded");
        assert!(q.series.is_empty(), "the series comes from the chart answer");
        assert_eq!(q.as_of, utc("2026-12-02T21:00:00Z"), "Closed at Dec 2, 2026 4:00 PM ET");
        assert_eq!(q.source, "nasdaq");
        let e = q.extended.expect("after-hours print");
        assert_eq!(e.session, MarketState::Post);
        assert_eq!(e.price, 39.1175);
        assert_eq!(e.change, Some(0.6975), "measured from today's close");
        assert_eq!(e.change_pct, Some(1.82));
        assert_eq!(e.at, utc("2026-12-02T23:41:00Z"));
    }

    #[test]
    fn us_currency_is_usd_when_null_and_unconfigured() {
        let spec = TickerSpec { currency: String::new(), ..aaoi() };
        assert_eq!(parse_us_info(US_INFO, &spec, read_at()).unwrap().currency, "USD");
        let mut body = value(US_INFO);
        body["data"]["primaryData"]["currency"] = json!("EUR");
        assert_eq!(parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap().currency, "EUR");
    }

    #[test]
    fn us_symbol_at_nasdaq_is_the_provider_symbol() {
        let mut spec = aaoi();
        spec.symbol = "Applied".into();
        spec.symbols.insert("nasdaq".into(), "AAOI".into());
        let q = parse_us_info(US_INFO, &spec, read_at()).unwrap();
        assert_eq!(q.symbol, "Applied");
        assert_eq!(q.provider_symbol, "AAOI");
    }

    #[test]
    fn us_regular_hours_has_no_extended() {
        let mut body = value(US_INFO);
        body["data"]["marketStatus"] = json!("Market Open");
        body["data"]["secondaryData"] = Value::Null;
        body["data"]["primaryData"]["lastTradeTimestamp"] = json!("Dec 2, 2026 11:15 AM ET");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.market_state, MarketState::Regular);
        assert_eq!(q.extended, None);
        assert_eq!(q.price, 39.1175);
        assert_eq!(q.change, Some(0.6975));
        assert_eq!(q.change_pct, Some(1.82));
        assert_eq!(q.previous_close, Some(38.42));
        assert_eq!(q.volume, Some(7_343_447));
        assert_eq!(q.as_of, utc("2026-12-02T16:15:00Z"));
    }

    #[test]
    fn us_open_with_both_blocks_keeps_primary_and_no_extended() {
        // A secondaryData left over during regular hours must not turn into an extended trade.
        let mut body = value(US_INFO);
        body["data"]["marketStatus"] = json!("Market Open");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.price, 39.1175);
        assert_eq!(q.extended, None);
    }

    #[test]
    fn us_pre_market_is_session_pre() {
        let mut body = value(US_INFO);
        let data = &mut body["data"];
        data["marketStatus"] = json!("Pre-Market");
        data["primaryData"]["lastSalePrice"] = json!("$39.80");
        data["primaryData"]["netChange"] = json!("+0.23");
        data["primaryData"]["percentageChange"] = json!("+0.58%");
        data["primaryData"]["lastTradeTimestamp"] = json!("Dec 3, 2026 8:05 AM ET");
        data["secondaryData"]["lastSalePrice"] = json!("$39.57");
        data["secondaryData"]["netChange"] = json!("+0.12");
        data["secondaryData"]["percentageChange"] = json!("+0.30%");
        data["secondaryData"]["lastTradeTimestamp"] = json!("Closed at Dec 2, 2026 4:00 PM ET");
        let q = parse_us_info(&bytes(&body), &aaoi(), utc("2026-12-03T13:06:00Z")).unwrap();
        assert_eq!(q.market_state, MarketState::Pre);
        assert_eq!(q.price, 39.57);
        assert_eq!(q.previous_close, Some(39.45));
        let e = q.extended.expect("pre-market print");
        assert_eq!(e.session, MarketState::Pre);
        assert_eq!(e.price, 39.8);
        assert_eq!(e.change, Some(0.23));
        assert_eq!(e.change_pct, Some(0.58));
        assert_eq!(e.at, utc("2026-12-03T13:05:00Z"));
    }

    #[test]
    fn us_extended_change_computed_when_absent() {
        let mut body = value(US_INFO);
        let primary = body["data"]["primaryData"].as_object_mut().unwrap();
        primary.remove("netChange");
        primary.insert("percentageChange".into(), json!("N/A"));
        primary.remove("lastTradeTimestamp");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        let e = q.extended.unwrap();
        assert_eq!(e.change, Some(0.6975), "39.1175 - 38.42");
        assert!(close(e.change_pct.unwrap(), 1.8155), "{:?}", e.change_pct);
        assert_eq!(e.at, read_at(), "no timestamp: now");
    }

    #[test]
    fn us_closed_in_the_evening_keeps_the_close_and_the_after_hours_print() {
        // After 20:00 ET the status reads "Closed" while the after-hours print is still primary:
        // the day's numbers stay those of the regular close.
        let mut body = value(US_INFO);
        body["data"]["marketStatus"] = json!("Closed");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.market_state, MarketState::Closed);
        assert_eq!((q.price, q.change, q.previous_close), (38.42, Some(-1.15), Some(39.57)));
        let e = q.extended.expect("the after-hours print");
        assert_eq!((e.session, e.price), (MarketState::Post, 39.1175));
    }

    #[test]
    fn us_closed_after_hours_print_without_price_is_no_extended() {
        let mut body = value(US_INFO);
        body["data"]["primaryData"]["lastSalePrice"] = json!("N/A");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.price, 38.42);
        assert_eq!(q.extended, None);
    }

    #[test]
    fn us_closed_ranges_and_quotes_read_as_missing() {
        let mut body = value(US_INFO);
        body["data"]["marketStatus"] = json!("Market Closed");
        body["data"]["secondaryData"] = Value::Null;
        body["data"]["keyStats"]["dayrange"]["value"] = json!("NA");
        body["data"]["primaryData"]["netChange"] = json!("UNCH");
        body["data"]["primaryData"]["percentageChange"] = json!("");
        body["data"]["primaryData"]["volume"] = json!("N/A");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.market_state, MarketState::Closed);
        assert_eq!((q.day_low, q.day_high), (None, None));
        assert_eq!((q.change, q.change_pct, q.previous_close), (None, None, None));
        assert_eq!(q.volume, None);
        assert_eq!(q.extended, None);
    }

    #[test]
    fn us_unknown_symbol() {
        let err = parse_us_info(US_UNKNOWN, &aaoi(), read_at()).unwrap_err();
        let NasdaqError::Unknown(text) = &err else { panic!("expected Unknown, got {err:?}") };
        assert!(text.contains("Symbol not exists"), "{text}");
        assert!(text.contains("AAOI"), "{text}");
        assert!(err.to_string().contains("Symbol not exists"), "{err}");
        assert_eq!(err.clone().into_source_error().kind, crate::domain::ErrorKind::Permanent);
        // No reason given: the symbol alone.
        let bare = br#"{"data":null,"status":{"rCode":400,"bCodeMessage":null}}"#;
        assert_eq!(parse_us_info(bare, &aaoi(), read_at()).unwrap_err(), NasdaqError::Unknown("AAOI".into()));
        // No `data` key at all is the same.
        assert!(matches!(parse_us_info(b"{}", &aaoi(), read_at()), Err(NasdaqError::Unknown(_))));
    }

    #[test]
    fn us_html_and_garbage() {
        let html = b"\n  <!DOCTYPE html><html><body>Access Denied</body></html>";
        assert_eq!(parse_us_info(html, &aaoi(), read_at()).unwrap_err(), NasdaqError::Html);
        let bom_html = b"\xEF\xBB\xBF<html></html>";
        assert_eq!(parse_us_info(bom_html, &aaoi(), read_at()).unwrap_err(), NasdaqError::Html);
        let err = parse_us_info(b"garbage", &aaoi(), read_at()).unwrap_err();
        assert_eq!(err, NasdaqError::Json { line: 1, column: 1 });
        assert_eq!(err.clone().into_source_error().kind, crate::domain::ErrorKind::Parse);
        assert!(matches!(parse_us_info(b"", &aaoi(), read_at()), Err(NasdaqError::Json { .. })));
        let cut = &US_INFO[..US_INFO.len() / 2];
        assert!(matches!(parse_us_info(cut, &aaoi(), read_at()), Err(NasdaqError::Json { .. })));
        assert_eq!(NasdaqError::Html.into_source_error().kind, crate::domain::ErrorKind::Permanent);
    }

    #[test]
    fn us_bom_is_accepted() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(US_INFO);
        assert_eq!(parse_us_info(&body, &aaoi(), read_at()).unwrap().price, 38.42);
    }

    #[test]
    fn us_no_price_blocks() {
        let mut body = value(US_INFO);
        body["data"]["primaryData"] = Value::Null;
        body["data"]["secondaryData"] = Value::Null;
        assert_eq!(parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap_err(), NasdaqError::NoPrice);
        let mut body = value(US_INFO);
        body["data"]["secondaryData"]["lastSalePrice"] = json!("N/A");
        assert_eq!(parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap_err(), NasdaqError::NoPrice);
        // Only secondaryData: the regular close, no extended trade.
        let mut body = value(US_INFO);
        body["data"]["primaryData"] = Value::Null;
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!((q.price, q.extended, q.volume), (38.42, None, None));
    }

    #[test]
    fn us_hostile_text_is_sanitized() {
        let mut body = value(US_INFO);
        body["data"]["exchange"] = json!("NASDAQ\u{1b}[31m-GM\u{7}\r\n");
        body["data"]["primaryData"]["currency"] = json!("U\u{1b}]0;pwn\u{7}SD");
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.exchange, "NASDAQ-GM");
        assert!(no_controls(&q.exchange) && no_controls(&q.currency), "{:?} {:?}", q.exchange, q.currency);
        let long = "X".repeat(500);
        body["data"]["exchange"] = json!(long);
        let q = parse_us_info(&bytes(&body), &aaoi(), read_at()).unwrap();
        assert_eq!(q.exchange.chars().count(), 64);
    }

    #[test]
    fn unknown_reason_is_sanitized_and_short() {
        let reason = "\u{1b}[2J\u{1b}]0;owned\u{7}".to_string() + &"y".repeat(300);
        let body =
            json!({"data": null, "status": {"rCode": 400, "bCodeMessage": [{"errorMessage": reason}]}});
        let spec = TickerSpec { symbol: "EV\u{1b}[31mIL".into(), ..aaoi() };
        let NasdaqError::Unknown(text) = parse_us_info(&bytes(&body), &spec, read_at()).unwrap_err() else {
            panic!("expected Unknown")
        };
        assert!(no_controls(&text), "{text:?}");
        assert!(text.starts_with("EVIL ("), "{text}");
        assert!(text.chars().count() < 120, "{text}");
    }

    // --- number, range, volume, session --------------------------------------------------------

    fn num(text: &str) -> Option<f64> {
        number(Some(&Value::from(text)))
    }

    #[test]
    fn number_reads_nasdaq_text() {
        assert_eq!(num("$39.1175"), Some(39.1175));
        assert_eq!(num("SEK 11.46"), Some(11.46));
        assert_eq!(num("+1.82%"), Some(1.82));
        assert_eq!(num("-2.91%"), Some(-2.91));
        assert_eq!(num("+0.6975"), Some(0.6975));
        assert_eq!(num("7,343,447.318502"), Some(7_343_447.318502));
        assert_eq!(num("1,320,387"), Some(1_320_387.0));
        assert_eq!(num("  $38.42 "), Some(38.42));
    }

    #[test]
    fn number_rejects_missing_and_absurd() {
        assert_eq!(num("N/A"), None);
        assert_eq!(num("NA"), None);
        assert_eq!(num(""), None);
        assert_eq!(num("   "), None);
        assert_eq!(num("1e309"), None, "infinite");
        assert_eq!(num("-1e309"), None);
        assert_eq!(num(&"1".repeat(100)), None, "too long to be a price");
        assert_eq!(num("$"), None);
        assert_eq!(num("-"), None);
        assert_eq!(num("UNCH"), None);
        assert_eq!(number(None), None);
        assert_eq!(number(Some(&Value::Null)), None);
        assert_eq!(number(Some(&json!(true))), None);
        assert_eq!(number(Some(&json!([1]))), None);
    }

    #[test]
    fn number_takes_json_numbers() {
        assert_eq!(number(Some(&json!(39.1175))), Some(39.1175));
        assert_eq!(number(Some(&json!(-3))), Some(-3.0));
        assert_eq!(number(Some(&json!(0))), Some(0.0));
    }

    #[test]
    fn range_reads_both_forms() {
        let r = |t: &str| range(Some(&Value::from(t)));
        assert_eq!(r("38.31 - 39.78"), (Some(38.31), Some(39.78)));
        assert_eq!(r("11.14-11.67"), (Some(11.14), Some(11.67)));
        assert_eq!(r("$1,024.50 - $1,100.00"), (Some(1024.5), Some(1100.0)));
        assert_eq!(r("NA"), (None, None));
        assert_eq!(r("N/A"), (None, None));
        assert_eq!(r(""), (None, None));
        assert_eq!(r("0 - 5"), (None, Some(5.0)), "a zero is no price");
        assert_eq!(range(None), (None, None));
        assert_eq!(range(Some(&json!(12))), (None, None));
    }

    #[test]
    fn volume_rounds_and_rejects_negatives() {
        assert_eq!(volume(Some(&json!("7,343,447.318502"))), Some(7_343_447));
        assert_eq!(volume(Some(&json!("7,343,447.5"))), Some(7_343_448));
        assert_eq!(volume(Some(&json!("-5"))), None);
        assert_eq!(volume(Some(&json!("N/A"))), None);
        assert_eq!(volume(Some(&json!(0))), Some(0));
    }

    #[test]
    fn session_from_market_status() {
        assert_eq!(session("After-Hours"), MarketState::Post);
        assert_eq!(session("Post-Market"), MarketState::Post);
        assert_eq!(session("Pre-Market"), MarketState::Pre);
        assert_eq!(session("PRE-MARKET"), MarketState::Pre);
        assert_eq!(session("Market Open"), MarketState::Regular);
        assert_eq!(session("Market Closed"), MarketState::Closed);
        assert_eq!(session("Closed"), MarketState::Closed);
        assert_eq!(session(""), MarketState::Unknown);
        assert_eq!(session("Halted"), MarketState::Unknown);
    }

    // --- times ---------------------------------------------------------------------------------

    #[test]
    fn us_time_forms() {
        assert_eq!(us_time("Dec 2, 2026 6:41 PM ET"), Some(utc("2026-12-02T23:41:00Z")));
        assert_eq!(us_time("Closed at Dec 2, 2026 4:00 PM ET"), Some(utc("2026-12-02T21:00:00Z")));
        assert_eq!(us_time("Dec 12, 2026 10:05 AM ET"), Some(utc("2026-12-12T15:05:00Z")));
        assert_eq!(us_time("Dec 02, 2026 09:30 AM ET"), Some(utc("2026-12-02T14:30:00Z")));
        assert_eq!(us_time("  Dec 2, 2026 12:00 AM ET "), Some(utc("2026-12-02T05:00:00Z")));
        assert_eq!(us_time("Dec 2, 2026 12:00 PM ET"), Some(utc("2026-12-02T17:00:00Z")));
    }

    #[test]
    fn us_time_date_alone_is_the_close() {
        assert_eq!(us_time("Feb 3, 2026"), Some(utc("2026-02-03T21:00:00Z")), "16:00 EST");
        assert_eq!(us_time("Jul 15, 2026"), Some(utc("2026-07-15T20:00:00Z")), "16:00 EDT");
    }

    #[test]
    fn us_time_in_summer_is_edt() {
        assert_eq!(us_time("Jul 15, 2026 4:00 PM ET"), Some(utc("2026-07-15T20:00:00Z")));
        assert_eq!(us_time("Closed at Jun 1, 2026 9:30 AM ET"), Some(utc("2026-06-01T13:30:00Z")));
        // Either side of the spring change (Sun 2026-03-08 02:00 EST -> 03:00 EDT).
        assert_eq!(us_time("Mar 6, 2026 4:00 PM ET"), Some(utc("2026-03-06T21:00:00Z")));
        assert_eq!(us_time("Mar 9, 2026 4:00 PM ET"), Some(utc("2026-03-09T20:00:00Z")));
    }

    #[test]
    fn us_time_rejects_garbage() {
        assert_eq!(us_time(""), None);
        assert_eq!(us_time("N/A"), None);
        assert_eq!(us_time("Closed"), None);
        assert_eq!(us_time("Feb 30, 2026"), None);
        assert_eq!(us_time("Dec 2, 2026 25:00 PM ET"), None);
        assert_eq!(us_time("2026-12-02 18:00:00"), None);
    }

    #[test]
    fn nordic_time_is_stockholm_wall_time() {
        assert_eq!(nordic_time("2026-12-02 18:00:00 CET"), Some(utc("2026-12-02T17:00:00Z")));
        assert_eq!(nordic_time("2026-12-02 17:29:59"), Some(utc("2026-12-02T16:29:59Z")));
        // Summer: still labelled CET, but it is Stockholm's summer time (UTC+2).
        assert_eq!(nordic_time("2026-07-15 17:30:00 CET"), Some(utc("2026-07-15T15:30:00Z")));
        assert_eq!(nordic_time("2026-07-15 17:30:00 CEST"), Some(utc("2026-07-15T15:30:00Z")));
        assert_eq!(nordic_time(""), None);
        assert_eq!(nordic_time("Dec 2, 2026 6:41 PM ET"), None);
        assert_eq!(nordic_time("2026-12-02"), None);
    }

    // --- charts --------------------------------------------------------------------------------

    #[test]
    fn us_chart_series_from_y() {
        let series = parse_series(US_CHART);
        assert_eq!(series.len(), 497);
        assert_eq!(series[0], 39.17);
        assert_eq!(*series.last().unwrap(), 39.1175);
        assert!(series.iter().all(|p| p.is_finite() && *p > 0.0));
    }

    #[test]
    fn us_chart_series_falls_back_to_z_value() {
        let mut body = value(US_CHART);
        let points = body["data"]["chart"].as_array_mut().unwrap();
        points[0].as_object_mut().unwrap().remove("y");
        points[0]["z"]["value"] = json!("40.01");
        points[1]["y"] = Value::Null;
        points[1]["z"]["value"] = json!("$1,040.5");
        points[2]["y"] = json!("nonsense");
        points[2]["z"]["value"] = json!("41");
        // y preferred over z when both are there.
        points[3]["y"] = json!(42.5);
        points[3]["z"]["value"] = json!("99.99");
        // Neither: the point is skipped.
        points[4].as_object_mut().unwrap().remove("y");
        points[4]["z"] = json!({"dateTime": "7:12 AM ET"});
        let series = parse_series(&bytes(&body));
        assert_eq!(series.len(), 496);
        assert_eq!(&series[..4], &[40.01, 1040.5, 41.0, 42.5]);
        assert_eq!(series[4], 39.16, "point 5 of the fixture follows");
    }

    #[test]
    fn series_of_bad_answers_is_empty() {
        assert!(parse_series(b"<html></html>").is_empty());
        assert!(parse_series(b"garbage").is_empty());
        assert!(parse_series(US_UNKNOWN).is_empty());
        assert!(parse_series(br#"{"data":{"chart":null}}"#).is_empty());
        assert!(parse_series(br#"{"data":{"chart":[{"x":1},{"y":-1},{"y":0}]}}"#).is_empty());
    }

    // --- Nordic search -------------------------------------------------------------------------

    #[test]
    fn search_picks_the_share_not_the_tracker() {
        assert_eq!(parse_search(SEARCH, "SIVE", "SEK").unwrap(), "TX2540138");
        assert_eq!(parse_search(SEARCH, "sive", "sek").unwrap(), "TX2540138", "case-insensitive");
        assert_eq!(parse_search(SEARCH, "SIVE", "").unwrap(), "TX2540138", "no currency filter");
        // The tracker row is never taken, not even by its own symbol.
        assert!(matches!(parse_search(SEARCH, "AVA SIVERS TRACKER", ""), Err(NasdaqError::Unknown(_))));
    }

    #[test]
    fn search_skips_a_tracker_listed_first_under_the_same_symbol() {
        let mut body = value(SEARCH);
        let groups = body["data"].as_array_mut().unwrap();
        groups.reverse();
        groups[0]["instruments"][0]["symbol"] = json!("SIVE");
        assert_eq!(parse_search(&bytes(&body), "SIVE", "SEK").unwrap(), "TX2540138");
    }

    #[test]
    fn search_with_other_currency_is_unknown() {
        let err = parse_search(SEARCH, "SIVE", "EUR").unwrap_err();
        let NasdaqError::Unknown(text) = &err else { panic!("expected Unknown, got {err:?}") };
        assert!(text.contains("SIVE") && text.contains("EUR"), "{text}");
    }

    #[test]
    fn search_picks_the_listing_in_the_wanted_currency() {
        // Ericsson B: the same ISIN in Helsinki (EUR) and Stockholm (SEK).
        let body = json!({"data": [{"group": "Shares", "instruments": [
            {"orderbookId": "HEX24", "symbol": "ERIC B", "assetClass": "SHARES", "currency": "EUR"},
            {"orderbookId": "SSE101", "symbol": "ERIC B", "assetClass": "SHARES", "currency": "SEK"}
        ]}]});
        assert_eq!(parse_search(&bytes(&body), "ERIC B", "SEK").unwrap(), "SSE101");
        assert_eq!(parse_search(&bytes(&body), "ERIC B", "EUR").unwrap(), "HEX24");
        assert_eq!(parse_search(&bytes(&body), "ERIC B", "").unwrap(), "HEX24", "first share row");
        assert!(matches!(parse_search(&bytes(&body), "ERIC", "SEK"), Err(NasdaqError::Unknown(_))));
    }

    #[test]
    fn search_rejects_a_malformed_orderbook_id() {
        let mut body = value(SEARCH);
        body["data"][0]["instruments"][0]["orderbookId"] = json!("../../etc/passwd");
        assert!(matches!(parse_search(&bytes(&body), "SIVE", "SEK"), Err(NasdaqError::Unknown(_))));
    }

    #[test]
    fn search_without_match_is_unknown() {
        assert!(matches!(parse_search(SEARCH_UNKNOWN, "NOPE", "SEK"), Err(NasdaqError::Unknown(_))));
        assert!(matches!(parse_search(SEARCH_UNKNOWN, "NOPE", ""), Err(NasdaqError::Unknown(_))));
        assert_eq!(parse_search(b"<html>", "SIVE", "SEK").unwrap_err(), NasdaqError::Html);
        assert!(matches!(parse_search(b"{oops", "SIVE", "SEK"), Err(NasdaqError::Json { .. })));
    }

    #[test]
    fn search_error_text_is_sanitized() {
        let NasdaqError::Unknown(text) = parse_search(SEARCH_UNKNOWN, "X\u{1b}[2JY", "").unwrap_err() else {
            panic!("expected Unknown")
        };
        assert!(no_controls(&text), "{text:?}");
    }

    #[test]
    fn orderbook_ids() {
        for id in ["TX2540138", "SSE130710", "CSE3456", "HEX24"] {
            assert!(is_orderbook_id(id), "{id}");
        }
        for id in
            ["SIVE", "TX", "T1", "TXABC", "", "tx2540138", "ABCD123", "TX12a", "TX 123", "TX1234567890123"]
        {
            assert!(!is_orderbook_id(id), "{id}");
        }
    }

    #[test]
    fn encode_percent_encodes_outside_unreserved() {
        assert_eq!(encode("ERIC B"), "ERIC%20B");
        assert_eq!(encode("SIVE"), "SIVE");
        assert_eq!(encode("BRK.B-x_y~"), "BRK.B-x_y~");
        assert_eq!(encode("a/b?c&d#e"), "a%2Fb%3Fc%26d%23e");
        assert_eq!(encode("Å"), "%C3%85");
    }

    // --- Nordic info and chart -----------------------------------------------------------------

    #[test]
    fn nordic_info_every_field() {
        let q = parse_nordic_info(NORDIC_INFO, &sive(), read_at()).unwrap();
        assert_eq!(q.symbol, "SIVE");
        assert_eq!(q.provider_symbol, "SIVE");
        assert_eq!(q.price, 11.46);
        assert_eq!(q.change, Some(0.27));
        assert_eq!(q.change_pct, Some(2.41));
        assert_eq!(q.previous_close, Some(11.19));
        assert_eq!(q.currency, "SEK");
        assert_eq!(q.exchange, "Nasdaq Stockholm");
        assert_eq!(q.market_state, MarketState::Closed, "18:42 ET is after Stockholm's close");
        assert_eq!(q.day_low, Some(11.14));
        assert_eq!(q.day_high, Some(11.67));
        assert_eq!(q.volume, Some(1_320_387));
        assert!(q.series.is_empty());
        assert_eq!(q.as_of, utc("2026-12-02T17:00:00Z"));
        assert_eq!(q.source, "nasdaq");
        assert_eq!(q.extended, None);
    }

    #[test]
    fn nordic_info_state_from_the_answer_else_the_calendar() {
        // The answer says "Closed": that wins over the clock (Wed 2026-12-02 10:00 CET, open).
        let q = parse_nordic_info(NORDIC_INFO, &sive(), utc("2026-12-02T09:00:00Z")).unwrap();
        assert_eq!(q.market_state, MarketState::Closed);
        // Without a status the calendar decides.
        let mut body = value(NORDIC_INFO);
        body["data"]["qdHeader"].as_object_mut().unwrap().remove("marketStatus");
        let q = parse_nordic_info(&bytes(&body), &sive(), utc("2026-12-02T09:00:00Z")).unwrap();
        assert_eq!(q.market_state, MarketState::Regular);
    }

    #[test]
    fn nordic_info_fallbacks() {
        let mut body = value(NORDIC_INFO);
        let header = body["data"]["qdHeader"].as_object_mut().unwrap();
        header.remove("currency");
        header.remove("exchange");
        header.remove("keyStats");
        header["primaryData"].as_object_mut().unwrap().remove("lastTradeTimestamp");
        let q = parse_nordic_info(&bytes(&body), &sive(), read_at()).unwrap();
        assert_eq!(q.currency, "SEK", "from the spec");
        assert_eq!(q.exchange, "Nasdaq Stockholm");
        assert_eq!((q.day_low, q.day_high, q.volume), (None, None, None));
        assert_eq!(q.as_of, read_at());
    }

    #[test]
    fn nordic_info_errors() {
        let unknown = br#"{"data":null,"messages":null,"status":{"rCode":200,"bCodeMessage":null}}"#;
        assert!(matches!(parse_nordic_info(unknown, &sive(), read_at()), Err(NasdaqError::Unknown(_))));
        let mut body = value(NORDIC_INFO);
        body["data"]["qdHeader"]["primaryData"]["lastSalePrice"] = json!("N/A");
        assert_eq!(parse_nordic_info(&bytes(&body), &sive(), read_at()).unwrap_err(), NasdaqError::NoPrice);
        let no_header = br#"{"data":{}}"#;
        assert_eq!(parse_nordic_info(no_header, &sive(), read_at()).unwrap_err(), NasdaqError::NoPrice);
        assert_eq!(parse_nordic_info(b"<html>", &sive(), read_at()).unwrap_err(), NasdaqError::Html);
    }

    #[test]
    fn nordic_hostile_text_is_sanitized() {
        let mut body = value(NORDIC_INFO);
        body["data"]["qdHeader"]["exchange"] = json!("Nasdaq\u{1b}[31m Stockholm\u{1b}[0m\u{7}");
        body["data"]["qdHeader"]["currency"] = json!("SE\u{0}K");
        let q = parse_nordic_info(&bytes(&body), &sive(), read_at()).unwrap();
        assert_eq!(q.exchange, "Nasdaq Stockholm");
        assert!(no_controls(&q.exchange) && no_controls(&q.currency), "{:?} {:?}", q.exchange, q.currency);
    }

    #[test]
    fn nordic_chart_alone_gives_a_quote() {
        let q = parse_nordic_chart(NORDIC_CHART, &sive(), read_at()).unwrap();
        assert_eq!(q.symbol, "SIVE");
        assert_eq!(q.currency, "SEK");
        assert_eq!(q.price, 11.46);
        assert_eq!(q.previous_close, Some(11.19));
        assert_eq!(q.change, Some(0.27));
        assert_eq!(q.change_pct, Some(2.41));
        assert_eq!(q.exchange, "Nasdaq Stockholm");
        assert_eq!(q.market_state, MarketState::Closed);
        assert_eq!(q.series.len(), 437);
        assert_eq!(q.series[0], 11.19);
        assert_eq!(*q.series.last().unwrap(), 11.46);
        assert_eq!(q.as_of, read_at());
        assert_eq!(q.extended, None);
        assert_eq!(parse_series(NORDIC_CHART), q.series);
    }

    #[test]
    fn nordic_chart_computes_change_and_keeps_spec_currency() {
        let mut body = value(NORDIC_CHART);
        let cd = body["data"]["chartData"].as_object_mut().unwrap();
        cd.insert("lastSalePrice".into(), json!("11.46"));
        cd.remove("netChange");
        cd.remove("percentageChange");
        let spec = TickerSpec { currency: "NOK".into(), ..sive() };
        let q = parse_nordic_chart(&bytes(&body), &spec, read_at()).unwrap();
        assert_eq!(q.currency, "NOK", "no prefix: the spec's currency");
        assert_eq!(q.change, Some(0.27));
        assert!(close(q.change_pct.unwrap(), 2.4129), "{:?}", q.change_pct);
        // A prefix that is not a currency code is not taken for one.
        body["data"]["chartData"]["lastSalePrice"] = json!("kr\u{1b} 11.46");
        let q = parse_nordic_chart(&bytes(&body), &spec, read_at()).unwrap();
        assert_eq!(q.currency, "NOK");
    }

    #[test]
    fn nordic_chart_errors() {
        assert!(matches!(
            parse_nordic_chart(SEARCH_UNKNOWN, &sive(), read_at()),
            Err(NasdaqError::Unknown(_))
        ));
        assert_eq!(
            parse_nordic_chart(br#"{"data":{"CP":[]}}"#, &sive(), read_at()).unwrap_err(),
            NasdaqError::NoPrice
        );
        assert_eq!(parse_nordic_chart(b" <html>", &sive(), read_at()).unwrap_err(), NasdaqError::Html);
    }

    // --- history -------------------------------------------------------------------------------

    const US_HISTORICAL: &[u8] =
        include_bytes!("../../../tests/fixtures/quotes/nasdaq-us-historical-AAOI.json");
    const NORDIC_DAILY: &[u8] =
        include_bytes!("../../../tests/fixtures/quotes/nasdaq-nordic-chart-daily-SIVE.json");

    /// US daily rows come newest first with `$` and thousands commas: oldest first here, each at
    /// the New York open of its day, a row without a close skipped.
    #[test]
    fn us_historical_rows_become_daily_bars() {
        let bars = parse_us_historical(US_HISTORICAL, "AAOI").unwrap();
        assert_eq!(bars.len(), 22, "23 rows, one without a close");
        assert!(bars.windows(2).all(|w| w[0].t < w[1].t));
        let last = bars.last().unwrap();
        assert_eq!(last.close, 30.05);
        // 2026-12-02 09:30 New York = 14:30 UTC.
        assert_eq!(last.t, Utc.with_ymd_and_hms(2026, 12, 2, 14, 30, 0).unwrap());
        assert!(last.volume.is_some_and(|v| v >= 800_000) && last.open.is_some());
        let ny = chrono_tz::America::New_York;
        assert!(!bars.iter().any(|b| b.t.with_timezone(&ny).date_naive().to_string() == "2026-11-26"));
        let unknown = include_bytes!("../../../tests/fixtures/quotes/nasdaq-us-info-unknown.json");
        assert!(matches!(parse_us_historical(unknown, "ZZZZ"), Err(NasdaqError::Unknown(_))));
        assert!(matches!(
            parse_us_historical(b"{\"data\": {\"tradesTable\": {\"rows\": []}}}", "AAOI"),
            Err(NasdaqError::NoPrice)
        ));
    }

    /// Nordic daily points: `x` at UTC midnight (seconds, or milliseconds), prices in `z`, each
    /// bar at the Stockholm open of its day (09:00, 08:00 UTC in winter).
    #[test]
    fn nordic_daily_points_become_daily_bars() {
        let bars = parse_nordic_daily(NORDIC_DAILY, "SIVE").unwrap();
        assert_eq!(bars.len(), 22);
        let last = bars.last().unwrap();
        assert_eq!((last.close, last.t), (11.46, Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap()));
        let mut body: Value = serde_json::from_slice(NORDIC_DAILY).unwrap();
        for p in body["data"]["CP"].as_array_mut().unwrap() {
            p["x"] = json!(p["x"].as_i64().unwrap() * 1000);
        }
        let again = parse_nordic_daily(body.to_string().as_bytes(), "SIVE").unwrap();
        assert_eq!(
            again.iter().map(|b| b.t.date_naive()).collect::<Vec<_>>(),
            bars.iter().map(|b| b.t.date_naive()).collect::<Vec<_>>()
        );
    }
}
