//! Yahoo Finance v8 chart JSON (`/v8/finance/chart/{symbol}`) -> `Quote`: the source, its URL
//! and the parser (pre- and post-market trades included).

use super::http::Http;
use super::quotes::{Context, Failure, QuoteSource};
use crate::chart::{BARS_MAX, Bar, Series, Span};
use crate::domain::{Extended, MarketState, Quote, SourceError, TickerSpec};
use crate::sanitize::clean;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// Where the chart API is unless the config says otherwise.
pub const DEFAULT_BASE: &str = "https://query1.finance.yahoo.com";

/// Query string the chart request uses: one day of 5-minute bars, with the pre- and post-market
/// bars of US listings.
pub const CHART_QUERY: &str = "range=1d&interval=5m&includePrePost=true";

/// The Yahoo quote source: one chart request per ticker, keyless, with the client's browser
/// User-Agent.
pub struct Yahoo {
    http: Http,
    base: String,
}

impl Yahoo {
    pub fn build(cx: &Context, base: &str) -> QuoteSource {
        QuoteSource::Yahoo(Yahoo { http: cx.http.clone(), base: base.to_string() })
    }

    pub async fn quote(&self, spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, Failure> {
        let body = self.http.get(&chart_url(&self.base, spec.symbol_at("yahoo"))).await?;
        parse_chart(&body.bytes, spec, "yahoo", now).map_err(|e| chart_error(e).into())
    }

    /// A detail view's series for `span`.
    pub async fn history(
        &self,
        spec: &TickerSpec,
        span: Span,
        started: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<Series, Failure> {
        let url = history_url(&self.base, spec.symbol_at("yahoo"), span, started, now);
        let body = self.http.get(&url).await?;
        let interval = span.interval(started, now.date_naive());
        parse_history(&body.bytes, spec, span, interval, now).map_err(|e| chart_error(e).into())
    }
}

/// Yahoo's own error (an unknown symbol) and an HTML page are permanent; the rest could not be read.
pub fn chart_error(e: ChartError) -> SourceError {
    match e {
        ChartError::Api(_) | ChartError::Html => SourceError::permanent(e.to_string()),
        _ => SourceError::parse(e.to_string()),
    }
}

/// Longest provider text (error code/description, JSON error detail) kept in an error message.
const MAX_ERROR_TEXT: usize = 160;

/// Why a chart response could not be turned into a quote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// Yahoo answered with its own error object (`chart.error`).
    #[error("Yahoo error: {0}")]
    Api(String),
    /// The body is not the JSON we expect (HTML error page, truncated body).
    #[error("bad JSON at {line}:{column}: {detail}")]
    Json { line: usize, column: usize, detail: String },
    /// An HTML page (consent wall, error page, captive portal) instead of JSON.
    #[error("Yahoo sent an HTML page, not chart JSON")]
    Html,
    /// A well-formed response without any chart result.
    #[error("no chart data in response")]
    Empty,
    /// A chart result without a usable price.
    #[error("no price in response")]
    NoPrice,
}

/// URL path for a symbol, percent-encoding every byte outside RFC 3986 "unreserved"
/// (`^GSPC` -> `%5EGSPC`, `EURUSD=X` -> `EURUSD%3DX`, `SIVE.ST` unchanged).
pub fn chart_path(provider_symbol: &str) -> String {
    format!("/v8/finance/chart/{}", super::http::percent_encode(provider_symbol))
}

/// Full request URL: `{base}/v8/finance/chart/{symbol}?range=1d&interval=5m` (a trailing `/` on
/// `base` is ignored).
pub fn chart_url(base: &str, provider_symbol: &str) -> String {
    format!("{}{}?{CHART_QUERY}", base.trim_end_matches('/'), chart_path(provider_symbol))
}

/// Parse a chart response body into a sanitized `Quote`.
///
/// `spec` gives the display symbol and the fallback currency; `source` is written into
/// `Quote.source`; `now` decides the market state against `currentTradingPeriod`.
/// Every field may be missing, `null` or of the wrong type (read as missing); unknown fields
/// are ignored.
pub fn parse_chart(
    bytes: &[u8],
    spec: &TickerSpec,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Quote, ChartError> {
    build_quote(&chart_result(bytes)?, spec, source, now)
}

/// The first `chart.result` of a chart answer, or why there is none (an HTML page, bad JSON,
/// Yahoo's own error object, nothing).
fn chart_result(bytes: &[u8]) -> Result<Value, ChartError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.trim_ascii_start().starts_with(b"<") {
        return Err(ChartError::Html);
    }
    let mut body: Value = serde_json::from_slice(bytes).map_err(json_error)?;
    // Some Yahoo endpoints wrap their error in `finance` instead of `chart`.
    let key = if body.get("chart").is_some() { "chart" } else { "finance" };
    let Some(chart) = body.get_mut(key) else {
        return Err(ChartError::Empty);
    };
    match chart.get_mut("result").and_then(|results| results.get_mut(0)) {
        Some(result) if result.is_object() => Ok(result.take()),
        _ => Err(match chart.get("error").filter(|e| !e.is_null()) {
            Some(err) => api_error(err),
            None => ChartError::Empty,
        }),
    }
}

/// The chart request for a detail view's range: `range` and `interval` (pre- and post-market
/// bars for the intraday ones), or for "since thesis start" `period1`/`period2` from that day
/// (a year back when the config gives none).
pub fn history_url(
    base: &str,
    provider_symbol: &str,
    span: Span,
    started: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> String {
    let interval = span.interval(started, now.date_naive());
    let query = match span {
        Span::D1 | Span::D5 => format!("range={}&interval={interval}&includePrePost=true", span.key()),
        Span::Thesis => {
            let from = started.unwrap_or_else(|| now.date_naive() - chrono::TimeDelta::days(365));
            let from = from.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp());
            format!("period1={from}&period2={}&interval={interval}", now.timestamp())
        }
        _ => format!("range={}&interval={interval}", span.key()),
    };
    format!("{}{}?{query}", base.trim_end_matches('/'), chart_path(provider_symbol))
}

/// A chart answer as a detail view's series: every bar with a usable close (float32 noise
/// rounded to 4 decimals), oldest first, at most [`BARS_MAX`] (the newest); the currency and
/// 52-week range from `meta`.
pub fn parse_history(
    bytes: &[u8],
    spec: &TickerSpec,
    span: Span,
    interval: &str,
    now: DateTime<Utc>,
) -> Result<Series, ChartError> {
    let result = chart_result(bytes)?;
    let meta = result.get("meta").unwrap_or(&Value::Null);
    let quote = result
        .get("indicators")
        .and_then(|ind| ind.get("quote"))
        .and_then(|quotes| quotes.get(0))
        .unwrap_or(&Value::Null);
    let column = |key: &str| -> Vec<Option<f64>> {
        elements(quote, key).map(|v| v.as_f64().filter(|p| is_price(*p)).map(round4)).collect()
    };
    let (open, high, low, close) = (column("open"), column("high"), column("low"), column("close"));
    let volume: Vec<Option<u64>> = elements(quote, "volume").map(to_volume).collect();
    let at = |v: &Vec<Option<f64>>, i: usize| v.get(i).copied().flatten();
    let mut bars: Vec<Bar> = elements(&result, "timestamp")
        .enumerate()
        .filter_map(|(i, ts)| {
            Some(Bar {
                t: ts.as_i64().and_then(timestamp)?,
                close: at(&close, i)?,
                open: at(&open, i),
                high: at(&high, i),
                low: at(&low, i),
                volume: volume.get(i).copied().flatten(),
            })
        })
        .collect();
    bars.sort_by_key(|b| b.t);
    bars.dedup_by_key(|b| b.t);
    if bars.len() > BARS_MAX {
        bars.drain(..bars.len() - BARS_MAX);
    }
    if bars.is_empty() {
        return Err(ChartError::NoPrice);
    }
    let year_range = price_field(meta, "fiftyTwoWeekLow").zip(price_field(meta, "fiftyTwoWeekHigh"));
    Ok(Series {
        symbol: spec.symbol.clone(),
        span,
        interval: interval.to_string(),
        currency: text(meta, "currency").unwrap_or_else(|| spec.currency.clone()),
        bars,
        fetched_at: now,
        source: "yahoo".into(),
        year_range,
    })
}

fn round4(p: f64) -> f64 {
    (p * 1e4).round() / 1e4
}

fn build_quote(
    result: &Value,
    spec: &TickerSpec,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Quote, ChartError> {
    let meta = result.get("meta").unwrap_or(&Value::Null);
    let bars = result
        .get("indicators")
        .and_then(|ind| ind.get("quote"))
        .and_then(|quotes| quotes.get(0))
        .unwrap_or(&Value::Null);

    let series: Vec<f64> = prices(bars, "close").collect();
    let price = price_field(meta, "regularMarketPrice")
        .or_else(|| series.last().copied())
        .ok_or(ChartError::NoPrice)?;

    // Not `chartPreviousClose`: that is the close before the chart range, not yesterday's.
    let previous_close =
        price_field(meta, "previousClose").or_else(|| price_field(meta, "regularMarketPreviousClose"));
    let (change, change_pct) = crate::domain::day_change(price, previous_close);

    let day_high = price_field(meta, "regularMarketDayHigh")
        .or_else(|| prices(bars, "high").chain(series.iter().copied()).reduce(f64::max));
    let day_low = price_field(meta, "regularMarketDayLow")
        .or_else(|| prices(bars, "low").chain(series.iter().copied()).reduce(f64::min));
    let volume = meta
        .get("regularMarketVolume")
        .and_then(to_volume)
        .or_else(|| elements(bars, "volume").filter_map(to_volume).reduce(u64::saturating_add));

    let last_bar_time = elements(result, "timestamp").filter_map(|t| t.as_i64().and_then(timestamp)).last();
    let as_of = meta
        .get("regularMarketTime")
        .and_then(Value::as_i64)
        .and_then(timestamp)
        .or(last_bar_time)
        .unwrap_or(now);

    let currency = text(meta, "currency").unwrap_or_else(|| spec.currency.clone());
    let exchange = text(meta, "fullExchangeName").or_else(|| text(meta, "exchangeName")).unwrap_or_default();

    Ok(Quote {
        symbol: spec.symbol.clone(),
        provider_symbol: spec.provider().to_string(),
        price,
        previous_close,
        change,
        change_pct,
        currency,
        exchange,
        market_state: market_state(meta.get("currentTradingPeriod"), now),
        extended: extended(result, meta, price, now),
        day_high,
        day_low,
        volume,
        series,
        as_of,
        source: source.to_string(),
    })
}

/// The last pre- or post-market trade, for a listing that has them (`hasPrePostMarketData`):
/// after the regular close, the last bar at or after `post.start`; before the open, the last bar
/// in `pre`. Its move is from the regular price (today's close after hours, yesterday's before
/// the open). Bar closes are float32 (`39.11750030517578`): rounded to 4 decimals.
fn extended(result: &Value, meta: &Value, regular: f64, now: DateTime<Utc>) -> Option<Extended> {
    if meta.get("hasPrePostMarketData").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let periods = meta.get("currentTradingPeriod")?;
    let bound = |key: &str, end: &str| periods.get(key)?.get(end)?.as_i64();
    let t = now.timestamp();
    let (session, from, to) = match (bound("pre", "start"), bound("pre", "end"), bound("post", "start")) {
        (_, _, Some(post)) if t >= post => (MarketState::Post, post, i64::MAX),
        (Some(start), Some(end), _) if start <= t && t < end => (MarketState::Pre, start, end),
        _ => return None,
    };
    let closes = result.get("indicators")?.get("quote")?.get(0)?.get("close")?.as_array()?;
    let (at, price) = elements(result, "timestamp")
        .zip(closes)
        .filter_map(|(ts, close)| Some((ts.as_i64()?, close.as_f64().filter(|p| is_price(*p))?)))
        .filter(|(ts, _)| (from..to).contains(ts))
        .last()?;
    Some(Extended::new(session, round4(price), regular, timestamp(at)?))
}

/// Session at `now`: inside pre / regular / post (`start <= now < end`), else closed;
/// unknown when the response has no usable `currentTradingPeriod`.
fn market_state(periods: Option<&Value>, now: DateTime<Utc>) -> MarketState {
    let Some(periods) = periods else {
        return MarketState::Unknown;
    };
    let all = [(MarketState::Regular, "regular"), (MarketState::Pre, "pre"), (MarketState::Post, "post")];
    let t = now.timestamp();
    let mut known = false;
    for (state, key) in all {
        let Some(period) = periods.get(key) else {
            continue;
        };
        let start = period.get("start").and_then(Value::as_i64);
        let end = period.get("end").and_then(Value::as_i64);
        if let Some((start, end)) = start.zip(end) {
            known = true;
            if start <= t && t < end {
                return state;
            }
        }
    }
    if known { MarketState::Closed } else { MarketState::Unknown }
}

/// Elements of the array `obj[key]`; nothing when it is missing or not an array.
fn elements<'a>(obj: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> + 'a {
    obj.get(key).and_then(Value::as_array).map(|items| items.iter()).into_iter().flatten()
}

/// Usable prices of the array `obj[key]`, in order: `null`s and non-prices skipped.
fn prices<'a>(obj: &'a Value, key: &str) -> impl Iterator<Item = f64> + 'a {
    elements(obj, key).filter_map(Value::as_f64).filter(|p| is_price(*p))
}

/// A usable price at `obj[key]`.
fn price_field(obj: &Value, key: &str) -> Option<f64> {
    obj.get(key).and_then(Value::as_f64).filter(|p| is_price(*p))
}

fn is_price(p: f64) -> bool {
    p.is_finite() && p > 0.0
}

fn to_volume(v: &Value) -> Option<u64> {
    // Volumes are whole, non-negative counts; the float-to-int cast saturates.
    v.as_u64().or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f.round() as u64))
}

fn timestamp(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// A non-empty sanitized string at `obj[key]`.
fn text(obj: &Value, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(|s| clean(s.trim())).filter(|s| !s.is_empty())
}

/// Sanitized provider text, cut to `MAX_ERROR_TEXT` characters.
fn shorten(s: &str) -> String {
    let cleaned = clean(s.trim());
    match cleaned.char_indices().nth(MAX_ERROR_TEXT) {
        Some((idx, _)) => format!("{}…", &cleaned[..idx]),
        None => cleaned,
    }
}

fn api_error(err: &Value) -> ChartError {
    let field = |key: &str| err.get(key).and_then(Value::as_str).map(shorten).filter(|s| !s.is_empty());
    let (code, description) = match err.as_str() {
        Some(plain) => (None, Some(shorten(plain)).filter(|s| !s.is_empty())),
        None => (field("code"), field("description")),
    };
    ChartError::Api(match (code, description) {
        (Some(code), Some(desc)) => format!("{code}: {desc}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "unspecified error".to_string(),
    })
}

fn json_error(err: serde_json::Error) -> ChartError {
    // serde_json's message ends with its own " at line L column C"; the variant says it once.
    let text = err.to_string();
    let detail = text.split(" at line ").next().unwrap_or(&text).to_string();
    ChartError::Json { line: err.line(), column: err.column(), detail: shorten(&detail) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    /// Friday 2026-11-20, 09:30 EST.
    const US_OPEN: i64 = 1_795_185_000;
    /// Friday 2026-11-20, 09:00 CET.
    const STO_OPEN: i64 = 1_795_161_600;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().unwrap()
    }

    fn spec(symbol: &str, provider: &str, currency: &str) -> TickerSpec {
        TickerSpec {
            symbol: symbol.into(),
            provider_symbol: provider.into(),
            name: String::new(),
            currency: currency.into(),
            aliases: vec![],
            ..TickerSpec::default()
        }
    }

    fn aaoi() -> TickerSpec {
        spec("AAOI", "", "USD")
    }

    fn period(tz: &str, start: i64, end: i64, off: i64) -> Value {
        json!({"timezone": tz, "start": start, "end": end, "gmtoffset": off})
    }

    /// A US-shaped response: 6 bars from the open, one `null` bar.
    fn us_body() -> Value {
        let ts: Vec<i64> = (0..6).map(|i| US_OPEN + i * 300).collect();
        json!({"chart": {"result": [{
            "meta": {
                "currency": "USD", "symbol": "AAOI", "exchangeName": "NGM",
                "fullExchangeName": "NasdaqGM", "instrumentType": "EQUITY",
                "firstTradeDate": 1380288600, "regularMarketTime": US_OPEN + 1800,
                "hasPrePostMarketData": true, "gmtoffset": -18000, "timezone": "EST",
                "exchangeTimezoneName": "America/New_York", "regularMarketPrice": 31.5,
                "fiftyTwoWeekHigh": 44.1, "fiftyTwoWeekLow": 12.3,
                "regularMarketDayHigh": 32.4, "regularMarketDayLow": 30.1,
                "regularMarketVolume": 1234567, "longName": "Applied Optoelectronics, Inc.",
                "shortName": "Applied Optoelectronics", "chartPreviousClose": 29.0,
                "previousClose": 30.0, "scale": 3, "priceHint": 2,
                "currentTradingPeriod": {
                    "pre": period("EST", US_OPEN - 19800, US_OPEN, -18000),
                    "regular": period("EST", US_OPEN, US_OPEN + 23400, -18000),
                    "post": period("EST", US_OPEN + 23400, US_OPEN + 37800, -18000)
                },
                "tradingPeriods": [[period("EST", US_OPEN, US_OPEN + 23400, -18000)]],
                "dataGranularity": "5m", "range": "1d",
                "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
            },
            "timestamp": ts,
            "indicators": {"quote": [{
                "open":   [30.2, 30.8, null, 31.0, 31.9, 31.3],
                "high":   [30.9, 31.2, null, 32.0, 32.1, 31.6],
                "low":    [30.1, 30.6, null, 30.9, 31.2, 31.1],
                "close":  [30.8, 31.1, null, 31.9, 31.3, 31.5],
                "volume": [500, 400, null, 300, 200, 100]
            }]}
        }], "error": null}})
    }

    fn parse(body: &Value, now: i64) -> Result<Quote, ChartError> {
        parse_chart(body.to_string().as_bytes(), &aaoi(), "yahoo", at(now))
    }

    fn meta_mut(body: &mut Value) -> &mut serde_json::Map<String, Value> {
        body["chart"]["result"][0]["meta"].as_object_mut().unwrap()
    }

    #[test]
    fn us_symbol_parses_every_field() {
        let q = parse(&us_body(), US_OPEN + 1900).unwrap();
        assert_eq!(q.symbol, "AAOI");
        assert_eq!(q.provider_symbol, "AAOI");
        assert_eq!(q.price, 31.5);
        assert_eq!(q.previous_close, Some(30.0));
        assert!((q.change.unwrap() - 1.5).abs() < 1e-9);
        assert!((q.change_pct.unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(q.currency, "USD");
        assert_eq!(q.exchange, "NasdaqGM");
        assert_eq!(q.market_state, MarketState::Regular);
        assert_eq!(q.day_high, Some(32.4));
        assert_eq!(q.day_low, Some(30.1));
        assert_eq!(q.volume, Some(1_234_567));
        assert_eq!(q.as_of, at(US_OPEN + 1800));
        assert_eq!(q.source, "yahoo");
    }

    #[test]
    fn source_is_written_through() {
        let body = us_body().to_string();
        let q = parse_chart(body.as_bytes(), &aaoi(), "demo", at(US_OPEN)).unwrap();
        assert_eq!(q.source, "demo");
    }

    #[test]
    fn chart_previous_close_is_never_yesterdays_close() {
        let mut body = us_body();
        meta_mut(&mut body).remove("previousClose");
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.previous_close, None);
        assert_eq!(q.change, None);
        assert_eq!(q.change_pct, None);
        assert_eq!(q.price, 31.5);
    }

    #[test]
    fn missing_previous_close_falls_back_to_regular_market_previous_close() {
        let mut body = us_body();
        let meta = meta_mut(&mut body);
        meta.insert("previousClose".into(), Value::Null);
        meta.insert("regularMarketPreviousClose".into(), json!(35.0));
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.previous_close, Some(35.0));
        assert!((q.change.unwrap() + 3.5).abs() < 1e-9);
        assert!((q.change_pct.unwrap() + 10.0).abs() < 1e-9);
    }

    #[test]
    fn zero_previous_close_gives_no_change() {
        let mut body = us_body();
        meta_mut(&mut body).insert("previousClose".into(), json!(0));
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!((q.previous_close, q.change, q.change_pct), (None, None, None));
    }

    #[test]
    fn stockholm_symbol_in_sek() {
        let ts: Vec<i64> = (0..4).map(|i| STO_OPEN + i * 300).collect();
        let body = json!({"chart": {"result": [{
            "meta": {
                "currency": "SEK", "symbol": "SIVE.ST", "exchangeName": "STO",
                "fullExchangeName": "Stockholm", "instrumentType": "EQUITY",
                "regularMarketTime": STO_OPEN + 900, "gmtoffset": 3600, "timezone": "CET",
                "exchangeTimezoneName": "Europe/Stockholm", "regularMarketPrice": 8.12,
                "previousClose": 7.9, "chartPreviousClose": 7.5,
                "currentTradingPeriod": {
                    "pre": period("CET", STO_OPEN, STO_OPEN, 3600),
                    "regular": period("CET", STO_OPEN, STO_OPEN + 30600, 3600),
                    "post": period("CET", STO_OPEN + 30600, STO_OPEN + 30600, 3600)
                }
            },
            "timestamp": ts,
            "indicators": {"quote": [{"close": [7.95, 8.0, null, 8.12]}]}
        }], "error": null}});
        let sive = spec("SIVE", "SIVE.ST", "SEK");
        let bytes = body.to_string();
        let q = parse_chart(bytes.as_bytes(), &sive, "yahoo", at(STO_OPEN + 3600)).unwrap();
        assert_eq!(q.symbol, "SIVE");
        assert_eq!(q.provider_symbol, "SIVE.ST");
        assert_eq!(q.currency, "SEK");
        assert_eq!(q.exchange, "Stockholm");
        assert_eq!(q.market_state, MarketState::Regular);
        assert_eq!(q.previous_close, Some(7.9));
        assert!((q.change.unwrap() - 0.22).abs() < 1e-9);
        assert_eq!(q.series, vec![7.95, 8.0, 8.12]);
        // Computed from the closes: no high/low arrays, no meta values.
        assert_eq!((q.day_high, q.day_low, q.volume), (Some(8.12), Some(7.95), None));
        // Zero-length post session: after the close it is closed, not post.
        let q = parse_chart(bytes.as_bytes(), &sive, "yahoo", at(STO_OPEN + 30600)).unwrap();
        assert_eq!(q.market_state, MarketState::Closed);
        let q = parse_chart(bytes.as_bytes(), &sive, "yahoo", at(STO_OPEN - 60)).unwrap();
        assert_eq!(q.market_state, MarketState::Closed);
    }

    #[test]
    fn series_skips_nulls_and_keeps_order() {
        let q = parse(&us_body(), US_OPEN).unwrap();
        assert_eq!(q.series, vec![30.8, 31.1, 31.9, 31.3, 31.5]);
    }

    #[test]
    fn nulls_and_wrong_types_inside_arrays_are_skipped() {
        let mut body = us_body();
        body["chart"]["result"][0]["indicators"]["quote"][0]["close"] =
            json!([null, "x", 30.0, null, -1.0, 0, 31.0, null]);
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.series, vec![30.0, 31.0]);
    }

    #[test]
    fn price_falls_back_to_last_non_null_close() {
        let mut body = us_body();
        let meta = meta_mut(&mut body);
        meta.insert("regularMarketPrice".into(), Value::Null);
        body["chart"]["result"][0]["indicators"]["quote"][0]["close"] = json!([30.8, 31.1, 33.3, null, null]);
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.price, 33.3);
        assert!((q.change.unwrap() - 3.3).abs() < 1e-9);
    }

    #[test]
    fn wrong_typed_meta_fields_read_as_missing() {
        let mut body = us_body();
        let meta = meta_mut(&mut body);
        meta.insert("regularMarketPrice".into(), json!("31.5"));
        meta.insert("currency".into(), json!(42));
        meta.insert("currentTradingPeriod".into(), json!("soon"));
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.price, 31.5); // last close
        assert_eq!(q.currency, "USD"); // from the spec
        assert_eq!(q.market_state, MarketState::Unknown);
    }

    #[test]
    fn no_price_anywhere_is_an_error() {
        let mut body = us_body();
        meta_mut(&mut body).remove("regularMarketPrice");
        body["chart"]["result"][0]["indicators"]["quote"][0]["close"] = json!([null, null]);
        let err = parse(&body, US_OPEN).unwrap_err();
        assert_eq!(err, ChartError::NoPrice);
        assert_eq!(err.to_string(), "no price in response");
        // A result with only a meta and no indicators at all.
        let body = json!({"chart": {"result": [{"meta": {"currency": "USD"}}], "error": null}});
        assert_eq!(parse(&body, US_OPEN).unwrap_err(), ChartError::NoPrice);
    }

    #[test]
    fn high_low_volume_computed_from_arrays_when_meta_lacks_them() {
        let mut body = us_body();
        let meta = meta_mut(&mut body);
        for key in ["regularMarketDayHigh", "regularMarketDayLow", "regularMarketVolume"] {
            meta.insert(key.into(), Value::Null);
        }
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.day_high, Some(32.1));
        assert_eq!(q.day_low, Some(30.1));
        assert_eq!(q.volume, Some(1500));
    }

    #[test]
    fn fallbacks_for_currency_exchange_and_as_of() {
        let mut body = us_body();
        let meta = meta_mut(&mut body);
        for key in ["currency", "fullExchangeName", "regularMarketTime"] {
            meta.remove(key);
        }
        body["chart"]["result"][0]["timestamp"].as_array_mut().unwrap().push(Value::Null);
        let q = parse_chart(body.to_string().as_bytes(), &spec("X", "", "EUR"), "yahoo", at(1)).unwrap();
        assert_eq!(q.currency, "EUR");
        assert_eq!(q.exchange, "NGM");
        assert_eq!(q.as_of, at(US_OPEN + 5 * 300));
        // Nothing at all: empty exchange, `now` as the time.
        meta_mut(&mut body).remove("exchangeName");
        body["chart"]["result"][0]["timestamp"] = Value::Null;
        let q = parse(&body, 77).unwrap();
        assert_eq!(q.exchange, "");
        assert_eq!(q.as_of, at(77));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut body = us_body();
        meta_mut(&mut body).insert("brandNewField".into(), json!({"deep": [1, 2, {"x": null}]}));
        body["chart"]["result"][0]["events"] = json!({"dividends": {}});
        body["chart"]["result"][0]["indicators"]["adjclose"] = json!([{"adjclose": [1.0]}]);
        body["extra"] = json!(true);
        assert_eq!(parse(&body, US_OPEN).unwrap().price, 31.5);
    }

    #[test]
    fn strings_from_the_body_are_sanitized() {
        let mut body = us_body();
        let meta = meta_mut(&mut body);
        meta.insert("fullExchangeName".into(), json!("Nasdaq\u{1b}[31mGM\u{7}"));
        meta.insert("currency".into(), json!("US\nD"));
        let q = parse(&body, US_OPEN).unwrap();
        assert_eq!(q.exchange, "NasdaqGM", "the whole escape sequence goes, not just ESC");
        assert_eq!(q.currency, "US D", "a newline becomes a space");
    }

    #[test]
    fn error_object_becomes_readable_error() {
        let body = json!({"chart": {"result": null, "error": {
            "code": "Not Found", "description": "No data found, symbol may be delisted"}}});
        let err = parse(&body, US_OPEN).unwrap_err();
        assert_eq!(err.to_string(), "Yahoo error: Not Found: No data found, symbol may be delisted");
    }

    #[test]
    fn error_object_variants() {
        let finance = json!({"finance": {"result": null, "error": {
            "code": "Unauthorized", "description": null}}});
        assert_eq!(parse(&finance, 0).unwrap_err().to_string(), "Yahoo error: Unauthorized");
        let bare = json!({"chart": {"result": [], "error": {}}});
        assert_eq!(parse(&bare, 0).unwrap_err().to_string(), "Yahoo error: unspecified error");
        let long = "\u{1b}]0;pwn\u{7}".to_string() + &"x".repeat(500);
        let hostile = json!({"chart": {"error": {"code": "Bad", "description": long}}});
        let msg = parse(&hostile, 0).unwrap_err().to_string();
        assert!(!msg.chars().any(char::is_control), "{msg:?}");
        assert!(msg.chars().count() < 200, "{msg}");
        assert!(msg.ends_with('…'));
    }

    #[test]
    fn plain_string_error_is_kept() {
        let body = json!({"chart": {"result": null, "error": "Forbidden\u{1b}[2J"}});
        assert_eq!(parse(&body, 0).unwrap_err().to_string(), "Yahoo error: Forbidden");
    }

    #[test]
    fn float_or_negative_volumes() {
        let mut body = us_body();
        meta_mut(&mut body).insert("regularMarketVolume".into(), json!(1.2e3));
        assert_eq!(parse(&body, US_OPEN).unwrap().volume, Some(1200));
        meta_mut(&mut body).insert("regularMarketVolume".into(), json!(-5));
        body["chart"]["result"][0]["indicators"]["quote"][0]["volume"] = json!([10, null, 2.0, -3, "9"]);
        assert_eq!(parse(&body, US_OPEN).unwrap().volume, Some(12));
    }

    #[test]
    fn garbage_bytes_are_bad_json_with_position() {
        let err = parse_chart(b"garbage\n{}", &aaoi(), "yahoo", at(0)).unwrap_err();
        assert!(matches!(err, ChartError::Json { line: 1, column: 1, .. }), "{err:?}");
        assert!(err.to_string().starts_with("bad JSON at 1:1"), "{err}");
        assert_eq!(err.to_string().matches("line").count(), 0, "position given once: {err}");
        let html = parse_chart(b"  <html>\n<body>429</body>", &aaoi(), "yahoo", at(0)).unwrap_err();
        assert_eq!(html, ChartError::Html);
        let err = parse_chart(&[0xff, 0xfe, 0x00, 0x01], &aaoi(), "yahoo", at(0)).unwrap_err();
        assert!(matches!(err, ChartError::Json { .. }), "{err:?}");
        let err = parse_chart(b"", &aaoi(), "yahoo", at(0)).unwrap_err();
        assert!(matches!(err, ChartError::Json { .. }), "{err:?}");
    }

    #[test]
    fn truncated_json_is_bad_json() {
        let text = serde_json::to_string_pretty(&us_body()).unwrap();
        let cut = &text[..text.len() / 2];
        let lines = cut.lines().count();
        let err = parse_chart(cut.as_bytes(), &aaoi(), "yahoo", at(0)).unwrap_err();
        match err {
            ChartError::Json { line, .. } => assert_eq!(line, lines),
            other => panic!("expected Json, got {other:?}"),
        }
    }

    #[test]
    fn wrong_top_level_shape_is_empty() {
        assert_eq!(parse(&json!("text"), 0).unwrap_err(), ChartError::Empty);
        assert_eq!(parse(&json!([1, 2]), 0).unwrap_err(), ChartError::Empty);
        assert_eq!(parse(&json!({"chart": {"result": [7]}}), 0).unwrap_err(), ChartError::Empty);
        assert_eq!(parse(&json!({}), 0).unwrap_err(), ChartError::Empty);
        assert_eq!(parse(&json!({"chart": "x"}), 0).unwrap_err(), ChartError::Empty);
    }

    #[test]
    fn empty_result_array_is_empty() {
        let body = json!({"chart": {"result": [], "error": null}});
        let err = parse(&body, 0).unwrap_err();
        assert_eq!(err, ChartError::Empty);
        assert_eq!(err.to_string(), "no chart data in response");
        let body = json!({"chart": {"result": null, "error": null}});
        assert_eq!(parse(&body, 0).unwrap_err(), ChartError::Empty);
    }

    #[test]
    fn utf8_bom_is_accepted() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(us_body().to_string().bytes());
        assert!(parse_chart(&bytes, &aaoi(), "yahoo", at(0)).is_ok());
    }

    #[test]
    fn market_state_follows_current_trading_period() {
        let body = us_body();
        let state = |t: i64| parse(&body, t).unwrap().market_state;
        assert_eq!(state(US_OPEN - 19800 - 1), MarketState::Closed);
        assert_eq!(state(US_OPEN - 19800), MarketState::Pre);
        assert_eq!(state(US_OPEN - 1), MarketState::Pre);
        assert_eq!(state(US_OPEN), MarketState::Regular);
        assert_eq!(state(US_OPEN + 23399), MarketState::Regular);
        assert_eq!(state(US_OPEN + 23400), MarketState::Post);
        assert_eq!(state(US_OPEN + 37799), MarketState::Post);
        assert_eq!(state(US_OPEN + 37800), MarketState::Closed);
        assert_eq!(state(US_OPEN + 3 * 86400), MarketState::Closed);
    }

    #[test]
    fn market_state_unknown_without_trading_period() {
        let mut body = us_body();
        meta_mut(&mut body).remove("currentTradingPeriod");
        assert_eq!(parse(&body, US_OPEN).unwrap().market_state, MarketState::Unknown);
        meta_mut(&mut body).insert("currentTradingPeriod".into(), json!({"pre": null}));
        assert_eq!(parse(&body, US_OPEN).unwrap().market_state, MarketState::Unknown);
        // One usable period is enough to say "closed" outside it.
        let regular = json!({"regular": {"start": US_OPEN, "end": US_OPEN + 10}});
        meta_mut(&mut body).insert("currentTradingPeriod".into(), regular);
        assert_eq!(parse(&body, US_OPEN + 5).unwrap().market_state, MarketState::Regular);
        assert_eq!(parse(&body, US_OPEN + 50).unwrap().market_state, MarketState::Closed);
    }

    #[test]
    fn chart_path_percent_encodes() {
        assert_eq!(chart_path("AAOI"), "/v8/finance/chart/AAOI");
        assert_eq!(chart_path("SIVE.ST"), "/v8/finance/chart/SIVE.ST");
        assert_eq!(chart_path("^GSPC"), "/v8/finance/chart/%5EGSPC");
        assert_eq!(chart_path("EURUSD=X"), "/v8/finance/chart/EURUSD%3DX");
        assert_eq!(chart_path("BRK-B"), "/v8/finance/chart/BRK-B");
        assert_eq!(chart_path("a/b?c#d e"), "/v8/finance/chart/a%2Fb%3Fc%23d%20e");
        assert_eq!(chart_path("Å"), "/v8/finance/chart/%C3%85");
    }

    #[test]
    fn chart_url_joins_base_path_and_query() {
        assert_eq!(
            chart_url("http://127.0.0.1:8080/", "^OMX"),
            "http://127.0.0.1:8080/v8/finance/chart/%5EOMX?range=1d&interval=5m&includePrePost=true"
        );
        assert_eq!(
            chart_url("https://query1.finance.yahoo.com", "SIVE.ST"),
            "https://query1.finance.yahoo.com/v8/finance/chart/SIVE.ST?range=1d&interval=5m&includePrePost=true"
        );
    }

    // --- extended (pre/post-market) trade ------------------------------------------------------

    const PREPOST: &[u8] = include_bytes!("../../../tests/fixtures/quotes/yahoo-chart-AAOI-prepost.json");
    /// Wed 2026-12-02 16:00:01 ET, the fixture's `regularMarketTime`.
    const PREPOST_CLOSE: i64 = 1_796_245_201;
    /// The fixture's `currentTradingPeriod`: pre 04:00-09:30 ET, regular to 16:00, post to 20:00.
    const PRE_START: i64 = 1_796_202_000;
    const REGULAR_START: i64 = 1_796_221_800;
    const POST_START: i64 = 1_796_245_200;
    /// The fixture's last bar (18:40 ET), close 39.11750030517578.
    const LAST_BAR: i64 = 1_796_254_800;

    fn prepost() -> Value {
        serde_json::from_slice(PREPOST).unwrap()
    }

    /// Keep only the bars stamped before `t` (what Yahoo would have sent then).
    fn bars_before(body: &mut Value, t: i64) {
        let result = &mut body["chart"]["result"][0];
        let keep: Vec<bool> =
            result["timestamp"].as_array().unwrap().iter().map(|ts| ts.as_i64().unwrap() < t).collect();
        let filter = |arr: &mut Value| {
            let kept: Vec<Value> = arr
                .as_array()
                .unwrap()
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v.clone())
                .collect();
            *arr = Value::Array(kept);
        };
        filter(&mut result["timestamp"]);
        for key in ["open", "high", "low", "close", "volume"] {
            filter(&mut result["indicators"]["quote"][0][key]);
        }
    }

    #[test]
    fn prepost_fixture_after_the_close_has_a_post_trade() {
        let q = parse_chart(PREPOST, &aaoi(), "yahoo", at(PREPOST_CLOSE + 5400)).unwrap();
        assert_eq!(q.price, 38.42, "the regular close stays the price");
        assert_eq!(q.previous_close, Some(39.57));
        assert_eq!(q.change, Some(-1.15));
        assert_eq!(q.market_state, MarketState::Post);
        let e = q.extended.expect("post-market trade");
        assert_eq!(e.session, MarketState::Post);
        assert_eq!(e.price, 39.1175, "float32 39.11750030517578 rounded to 4 decimals");
        assert!((e.change.unwrap() - 0.6975).abs() < 1e-9, "{:?}", e.change);
        assert_eq!(e.change, Some(0.6975), "rounded to the inputs' decimals");
        assert!((e.change_pct.unwrap() - 1.8155).abs() < 1e-9, "{:?}", e.change_pct);
        assert_eq!(e.at, at(LAST_BAR));
        // At 18:42 ET, when the fixture was read: the same trade.
        let q = parse_chart(PREPOST, &aaoi(), "yahoo", at(LAST_BAR + 120)).unwrap();
        assert_eq!(q.extended.map(|e| (e.session, e.price)), Some((MarketState::Post, 39.1175)));
    }

    #[test]
    fn post_trade_is_the_last_priced_bar_after_post_start() {
        let mut body = prepost();
        let closes = body["chart"]["result"][0]["indicators"]["quote"][0]["close"].as_array_mut().unwrap();
        let n = closes.len();
        closes[n - 1] = Value::Null;
        closes[n - 2] = json!(-1.0);
        let q = parse(&body, LAST_BAR + 120).unwrap();
        let e = q.extended.unwrap();
        assert_eq!((e.price, e.at), (39.13, at(LAST_BAR - 600)), "null and -1 skipped");
        // Right at post.start with no post bar yet: nothing to show.
        let mut body = prepost();
        bars_before(&mut body, POST_START);
        assert_eq!(parse(&body, POST_START).unwrap().extended, None);
        // Post bars with no trade (all null closes) give none either.
        let mut body = prepost();
        let result = &mut body["chart"]["result"][0];
        let ts: Vec<i64> =
            result["timestamp"].as_array().unwrap().iter().map(|t| t.as_i64().unwrap()).collect();
        let closes = result["indicators"]["quote"][0]["close"].as_array_mut().unwrap();
        for (close, t) in closes.iter_mut().zip(&ts) {
            if *t >= POST_START {
                *close = Value::Null;
            }
        }
        assert_eq!(parse(&body, LAST_BAR).unwrap().extended, None);
    }

    #[test]
    fn prepost_fixture_before_the_open_has_a_pre_trade() {
        // 09:29 ET the same morning: only pre-market bars exist, the regular price is
        // yesterday's close.
        let now = REGULAR_START - 60;
        let mut body = prepost();
        bars_before(&mut body, now);
        let meta = meta_mut(&mut body);
        meta.insert("regularMarketPrice".into(), json!(39.57));
        meta.insert("regularMarketTime".into(), json!(PREPOST_CLOSE - 86400));
        meta.insert("previousClose".into(), json!(39.2));
        let q = parse(&body, now).unwrap();
        assert_eq!(q.market_state, MarketState::Pre);
        assert_eq!(q.price, 39.57);
        let e = q.extended.expect("pre-market trade");
        assert_eq!(e.session, MarketState::Pre);
        assert_eq!(e.price, 39.39, "float32 39.38999938964844 rounded");
        assert_eq!(e.change, Some(-0.18), "from the regular price");
        assert!((e.change_pct.unwrap() + 0.4549).abs() < 1e-9, "{:?}", e.change_pct);
        assert_eq!(e.at, at(REGULAR_START - 300));
        // The full fixture (bars of the whole day) read inside pre: the last pre bar, not a
        // later one.
        let q = parse_chart(PREPOST, &aaoi(), "yahoo", at(PRE_START + 600)).unwrap();
        let e = q.extended.unwrap();
        assert_eq!((e.session, e.price, e.at), (MarketState::Pre, 39.39, at(REGULAR_START - 300)));
        // Before any pre bar has a trade: none.
        let mut body = prepost();
        bars_before(&mut body, PRE_START + 600);
        assert_eq!(parse(&body, PRE_START + 600).unwrap().extended, None);
    }

    #[test]
    fn regular_session_has_no_extended_trade() {
        for now in [REGULAR_START, REGULAR_START + 3600, POST_START - 1] {
            let q = parse_chart(PREPOST, &aaoi(), "yahoo", at(now)).unwrap();
            assert_eq!(q.market_state, MarketState::Regular);
            assert_eq!(q.extended, None, "at {now}");
        }
        // Before pre.start (overnight with today's periods): none either.
        let q = parse_chart(PREPOST, &aaoi(), "yahoo", at(PRE_START - 1)).unwrap();
        assert_eq!(q.extended, None);
    }

    #[test]
    fn no_extended_trade_without_pre_post_market_data() {
        for flag in [json!(false), Value::Null, json!("true")] {
            let mut body = prepost();
            meta_mut(&mut body).insert("hasPrePostMarketData".into(), flag.clone());
            let q = parse(&body, PREPOST_CLOSE + 5400).unwrap();
            assert_eq!(q.extended, None, "hasPrePostMarketData {flag}");
            assert_eq!(q.price, 38.42);
        }
        let mut body = prepost();
        meta_mut(&mut body).remove("hasPrePostMarketData");
        assert_eq!(parse(&body, PREPOST_CLOSE + 5400).unwrap().extended, None);
        // No trading periods: no way to tell the sessions apart.
        let mut body = prepost();
        meta_mut(&mut body).remove("currentTradingPeriod");
        assert_eq!(parse(&body, PREPOST_CLOSE + 5400).unwrap().extended, None);
    }

    #[test]
    fn us_body_extended_trades() {
        let post = US_OPEN + 23400;
        // Two post-market bars after the synthetic session, the last with float32 noise.
        let mut body = us_body();
        let result = &mut body["chart"]["result"][0];
        let ts = result["timestamp"].as_array_mut().unwrap();
        ts.extend([json!(post), json!(post + 300), json!(post + 600)]);
        let q = &mut result["indicators"]["quote"][0];
        for key in ["open", "high", "low"] {
            q[key].as_array_mut().unwrap().extend([Value::Null, Value::Null, Value::Null]);
        }
        q["close"].as_array_mut().unwrap().extend([json!(31.7), json!(32.189998626708984), Value::Null]);
        q["volume"].as_array_mut().unwrap().extend([json!(0), json!(0), Value::Null]);
        let e = parse(&body, post + 900).unwrap().extended.unwrap();
        assert_eq!(e.session, MarketState::Post);
        assert_eq!(e.price, 32.19);
        assert_eq!(e.change, Some(0.69), "from the regular price 31.5");
        assert_eq!(e.at, at(post + 300));
        // The regular session itself: none, though the body has post bars.
        assert_eq!(parse(&body, US_OPEN + 1900).unwrap().extended, None);
        // The unchanged us_body has no bars outside the regular session.
        assert_eq!(parse(&us_body(), post + 60).unwrap().extended, None);
        assert_eq!(parse(&us_body(), US_OPEN - 60).unwrap().extended, None);
    }

    // --- history (the ticker detail view) -------------------------------------------------------

    const SIVE_1Y: &[u8] = include_bytes!("../../../tests/fixtures/quotes/yahoo-chart-SIVE.ST-1y.json");

    #[test]
    fn each_range_asks_for_its_interval() {
        let now = at(1_796_228_992); // 2026-12-02
        let url = |span, started| history_url("https://y.example/", "SIVE.ST", span, started, now);
        assert_eq!(
            url(Span::D1, None),
            "https://y.example/v8/finance/chart/SIVE.ST?range=1d&interval=5m&includePrePost=true"
        );
        assert_eq!(
            url(Span::D5, None),
            "https://y.example/v8/finance/chart/SIVE.ST?range=5d&interval=15m&includePrePost=true"
        );
        assert_eq!(url(Span::M1, None), "https://y.example/v8/finance/chart/SIVE.ST?range=1mo&interval=1d");
        assert_eq!(url(Span::M6, None), "https://y.example/v8/finance/chart/SIVE.ST?range=6mo&interval=1d");
        assert_eq!(url(Span::Y1, None), "https://y.example/v8/finance/chart/SIVE.ST?range=1y&interval=1d");
        assert_eq!(url(Span::Y5, None), "https://y.example/v8/finance/chart/SIVE.ST?range=5y&interval=1wk");
        let started = NaiveDate::from_ymd_opt(2025, 12, 1);
        assert_eq!(
            url(Span::Thesis, started),
            "https://y.example/v8/finance/chart/SIVE.ST?period1=1764547200&period2=1796228992&interval=1d"
        );
        assert!(url(Span::Thesis, NaiveDate::from_ymd_opt(2021, 1, 4)).ends_with("&interval=1wk"));
        assert!(history_url("b", "^GSPC", Span::Y1, None, now).contains("/chart/%5EGSPC?"));
    }

    /// The recorded year of daily SIVE.ST bars: 250 of them, oldest first, stamped 09:00
    /// Stockholm time, float32 noise rounded, SEK and the 52-week range from `meta`.
    #[test]
    fn a_year_of_daily_bars_is_read_whole() {
        let sive = spec("SIVE", "SIVE.ST", "SEK");
        let now = at(1_796_230_000);
        let s = parse_history(SIVE_1Y, &sive, Span::Y1, "1d", now).unwrap();
        assert_eq!((s.symbol.as_str(), s.currency.as_str(), s.interval.as_str()), ("SIVE", "SEK", "1d"));
        assert_eq!(s.bars.len(), 250);
        assert!(s.bars.windows(2).all(|w| w[0].t < w[1].t));
        assert_eq!(s.bars[0].close, 8.21);
        assert_eq!(s.bars[249].close, 11.46);
        let stockholm = chrono_tz::Europe::Stockholm;
        assert!(s.bars.iter().all(|b| b.t.with_timezone(&stockholm).format("%H:%M").to_string() == "09:00"));
        assert_eq!(s.year_range, Some((7.94, 12.02)));
        assert!(
            s.bars.iter().all(|b| b.volume.is_some() && b.high >= Some(b.close) && b.low <= Some(b.close))
        );
        assert_eq!(s.fetched_at, now);
    }

    /// Hostile or broken answers: nulls and junk skipped, duplicate stamps once, an answer of
    /// 20,000 bars cut to the newest [`BARS_MAX`], no bar at all an error, Yahoo's error object
    /// and an HTML page said as such.
    #[test]
    fn bars_are_checked_one_by_one_and_bounded() {
        let body = json!({"chart": {"result": [{
            "meta": {"currency": "USD\u{1b}[31m"},
            "timestamp": [100, 200, 200, 300, 400, "x", 500],
            "indicators": {"quote": [{"close": [1.5, null, 2.0, -3.0, "NaN", 4.0, 39.11750030517578],
                                      "volume": [10, 20, 30, -1, 5, 6, 1.5e30]}]}
        }], "error": null}});
        let s = parse_history(body.to_string().as_bytes(), &aaoi(), Span::D1, "5m", at(600)).unwrap();
        let got: Vec<(i64, f64)> = s.bars.iter().map(|b| (b.t.timestamp(), b.close)).collect();
        assert_eq!(got, [(100, 1.5), (200, 2.0), (500, 39.1175)]);
        assert_eq!(s.currency, "USD", "escapes are cleaned");
        let n = BARS_MAX * 4;
        let big = json!({"chart": {"result": [{"meta": {}, "timestamp": (0..n).collect::<Vec<_>>(),
            "indicators": {"quote": [{"close": vec![1.0; n]}]}}]}});
        let s = parse_history(big.to_string().as_bytes(), &aaoi(), Span::Y5, "1wk", at(n as i64)).unwrap();
        assert_eq!(s.bars.len(), BARS_MAX);
        assert_eq!(s.bars[0].t.timestamp(), (n - BARS_MAX) as i64);
        let none = json!({"chart": {"result": [{"meta": {}, "timestamp": [1], "indicators": {"quote": [{"close": [null]}]}}]}});
        assert_eq!(
            parse_history(none.to_string().as_bytes(), &aaoi(), Span::D1, "5m", at(9)),
            Err(ChartError::NoPrice)
        );
        let unknown = include_bytes!("../../../tests/fixtures/quotes/yahoo-chart-unknown.json");
        assert!(matches!(parse_history(unknown, &aaoi(), Span::Y1, "1d", at(9)), Err(ChartError::Api(_))));
        assert_eq!(parse_history(b"<html>", &aaoi(), Span::Y1, "1d", at(9)), Err(ChartError::Html));
    }
}
