//! Stooq light-quote CSV (`/q/l/?s=aaoi.us&f=sd2t2ohlcvp&h&e=csv`) -> `Quote`: symbol mapping, URL, parsing; no I/O.
//!
//! What the endpoint sends (from public clients and their test fixtures):
//! - `f=` picks the columns, in order: `s` symbol, `d2` date `YYYY-MM-DD` (plain `d`: `YYYYMMDD`), `t2`
//!   time `HH:MM:SS` (plain `t`: `HHMMSS`), `o` open, `h` high, `l` low, `c` close (the last price),
//!   `v` volume, `p` previous close (header `Prev`), `n` name. `&h` adds the header line
//!   (`Symbol,Date,Time,Open,High,Low,Close,Volume,Prev`), `&e=csv` the format; lines end in CRLF.
//! - An unknown symbol is still HTTP 200: the symbol echoed upper-case, every other field `N/D`
//!   (`SIVE.SE,N/D,N/D,N/D,N/D,N/D,N/D,N/D,N/D`). Indices and FX may have `N/D` in single fields.
//! - Date and time are Warsaw local time (CET/CEST) for every market: US closes are stamped
//!   `22:00` in winter and in summer. They are converted with the EU summer-time rule.
//! - Since mid-2026 Stooq may answer non-browser clients with an HTML proof-of-work page, still
//!   with HTTP 200; that is reported as [`StooqError::Html`], never as "no data".
//! - Coverage: equities in the US (`.us`), UK (`.uk`), Germany/Xetra (`.de`), Japan (`.jp`), Hong
//!   Kong (`.hk`), Hungary (`.hu`) and Poland (no suffix), plus indices, FX and commodities.
//!   Nasdaq Stockholm is not covered (no `.se`/`.st` market), so `SIVE.ST` has no Stooq symbol.

use crate::domain::{MarketState, Quote, TickerSpec};
use crate::sanitize::clean_capped;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Columns requested: symbol, date, time, open, high, low, close, volume, previous close.
pub const QUOTE_FIELDS: &str = "sd2t2ohlcvp";

/// Column names of [`QUOTE_FIELDS`] in order, used when the body has no header line.
const POSITIONAL: [&str; 9] = ["symbol", "date", "time", "open", "high", "low", "close", "volume", "prev"];

/// Header names Stooq uses (lower-case); a line holding any of them is the header.
const KNOWN_COLUMNS: [&str; 12] = [
    "symbol", "date", "time", "open", "high", "low", "close", "volume", "prev", "previous", "name", "openint",
];

/// Longest body excerpt kept in an error message.
const MAX_ERROR_TEXT: usize = 120;

/// Why a ticker has no Stooq quote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StooqError {
    /// [`stooq_symbol`] found no Stooq symbol for the ticker (display symbol inside):
    /// `stooq_symbol(spec).ok_or_else(|| StooqError::NotCovered(spec.symbol.clone()))`.
    #[error("{0} is not covered by stooq")]
    NotCovered(String),
    /// Stooq answered `N/D` for the price: it does not know the symbol (display symbol inside).
    #[error("stooq has no data for {0} (N/D)")]
    NoData(String),
    /// An HTML page instead of CSV: the anti-bot challenge or an error page.
    #[error("stooq sent an HTML page, not CSV (anti-bot check or error page)")]
    Html,
    /// Anything else that is not the expected CSV.
    #[error("bad CSV: {0}")]
    BadCsv(String),
}

/// Stooq symbol for a ticker: `spec.stooq_symbol` (trimmed, lower-cased) when set, else derived
/// from the Yahoo symbol: no suffix -> `<lower>.us` (`AAOI` -> `aaoi.us`, `BRK-B` -> `brk-b.us`);
/// `.L` -> `.uk`, `.DE` (Xetra) -> `.de`, `.T` -> `.jp`, `.HK` -> `.hk` without leading zeros
/// (`0700.HK` -> `700.hk`). Any other suffix (`SIVE.ST`), indices (`^GSPC`), FX and futures
/// (`EURUSD=X`, `GC=F`) give `None`.
pub fn stooq_symbol(spec: &TickerSpec) -> Option<String> {
    let configured = spec.stooq_symbol.trim();
    if !configured.is_empty() {
        return Some(configured.to_ascii_lowercase());
    }
    let provider = spec.provider().trim();
    let (base, suffix) = match provider.rsplit_once('.') {
        Some((base, suffix)) => (base, Some(suffix.to_ascii_uppercase())),
        None => (provider, None),
    };
    if base.is_empty() || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let base = base.to_ascii_lowercase();
    let (base, market) = match suffix.as_deref() {
        None => (base.as_str(), "us"),
        Some("L") => (base.as_str(), "uk"),
        Some("DE") => (base.as_str(), "de"),
        Some("T") => (base.as_str(), "jp"),
        Some("HK") => (base.trim_start_matches('0'), "hk"),
        _ => return None,
    };
    if base.is_empty() { None } else { Some(format!("{base}.{market}")) }
}

/// Full request URL: `{base}/q/l/?s={symbol}&f=sd2t2ohlcvp&h&e=csv` (a trailing `/` on `base`
/// is ignored; the symbol is percent-encoded outside RFC 3986 "unreserved", `^spx` -> `%5Espx`).
pub fn quote_url(base: &str, stooq_symbol: &str) -> String {
    let mut symbol = String::new();
    for b in stooq_symbol.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            symbol.push(char::from(b));
        } else {
            symbol.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{}/q/l/?s={symbol}&f={QUOTE_FIELDS}&h&e=csv", base.trim_end_matches('/'))
}

/// Parse a light-quote CSV body (optional header line + one row) into a `Quote` with source
/// `stooq`.
///
/// Columns are found by header name when a header is present (any order, extra columns ignored,
/// missing ones read as absent), else by position as in [`QUOTE_FIELDS`]. Lines before the
/// header (PHP warnings Stooq sometimes prints) and blank lines are skipped; the first data row
/// is used. `N/D`, `N/A`, `-` and empty fields are absent. The day change needs the `Prev`
/// column. Market state is `Unknown` (Stooq does not say), the series is empty, currency comes
/// from `spec`, `exchange` is empty, `as_of` is the row's Warsaw date/time (midnight without a
/// time, `now` without a date).
pub fn parse_quote(bytes: &[u8], spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, StooqError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split(['\r', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect();
    let Some(first) = lines.first() else {
        return Err(StooqError::BadCsv("empty body".into()));
    };
    if looks_like_html(first, &text) {
        return Err(StooqError::Html);
    }
    let row = match lines.iter().position(|line| is_header(line)) {
        Some(at) => {
            let names = split_csv(lines[at]).iter().map(|n| n.trim().to_ascii_lowercase()).collect();
            let Some(data) = lines.get(at + 1) else {
                return Err(StooqError::BadCsv("header without a data row".into()));
            };
            Row { names, values: split_csv(data) }
        }
        None => Row { names: POSITIONAL.iter().map(|n| n.to_string()).collect(), values: split_csv(first) },
    };

    let price = match row.raw(&["close"]) {
        None => return Err(bad(&format!("no Close field in \"{}\"", row.values.join(",")))),
        Some(close) if is_absent(close) => return Err(StooqError::NoData(spec.symbol.clone())),
        Some(close) => {
            number(close).filter(|p| is_price(*p)).ok_or_else(|| bad(&format!("bad Close \"{close}\"")))?
        }
    };
    let previous_close = row.price(&["prev", "previous", "prev close", "previous close"]);
    let (change, change_pct) = crate::domain::day_change(price, previous_close);
    let volume = row.value(&["volume"]).and_then(number).filter(|v| *v >= 0.0).map(|v| v.round() as u64);
    let as_of = row
        .value(&["date"])
        .and_then(parse_date)
        .and_then(|date| {
            let time = row.value(&["time"]).and_then(parse_time).unwrap_or(NaiveTime::MIN);
            warsaw_to_utc(date.and_time(time))
        })
        .unwrap_or(now);

    Ok(Quote {
        symbol: spec.symbol.clone(),
        provider_symbol: spec.provider().to_string(),
        price,
        previous_close,
        change,
        change_pct,
        currency: spec.currency.clone(),
        exchange: String::new(),
        market_state: MarketState::Unknown,
        day_high: row.price(&["high"]),
        day_low: row.price(&["low"]),
        volume,
        series: Vec::new(),
        as_of,
        source: "stooq".to_string(),
    })
}

/// One data row with the column names it is read by.
struct Row {
    names: Vec<String>,
    values: Vec<String>,
}

impl Row {
    /// The trimmed field of the first column named in `aliases`; `None` when the header has no
    /// such column or the row is too short to hold it.
    fn raw(&self, aliases: &[&str]) -> Option<&str> {
        let at = self.names.iter().position(|name| aliases.contains(&name.as_str()))?;
        self.values.get(at).map(|v| v.trim())
    }

    /// Like [`Row::raw`], but `N/D` and empty fields are `None` too.
    fn value(&self, aliases: &[&str]) -> Option<&str> {
        self.raw(aliases).filter(|v| !is_absent(v))
    }

    fn price(&self, aliases: &[&str]) -> Option<f64> {
        self.value(aliases).and_then(number).filter(|p| is_price(*p))
    }
}

/// A header line names at least one column Stooq uses (`Symbol`, `Close`, ...).
fn is_header(line: &str) -> bool {
    split_csv(line).iter().any(|f| KNOWN_COLUMNS.contains(&f.trim().to_ascii_lowercase().as_str()))
}

fn looks_like_html(first_line: &str, text: &str) -> bool {
    let head: String = text.chars().take(1024).collect::<String>().to_ascii_lowercase();
    first_line.starts_with('<') || head.contains("<html") || head.contains("<body")
}

/// Split one CSV line; double quotes group a field (`""` is a literal quote).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn is_absent(value: &str) -> bool {
    matches!(value.to_ascii_uppercase().as_str(), "" | "N/D" | "N/A" | "-")
}

fn number(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn is_price(p: f64) -> bool {
    p.is_finite() && p > 0.0
}

fn bad(detail: &str) -> StooqError {
    StooqError::BadCsv(clean_capped(detail, MAX_ERROR_TEXT))
}

/// `YYYY-MM-DD` (`d2`) or `YYYYMMDD` (`d`).
fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(value, "%Y%m%d")).ok()
}

/// `HH:MM:SS` (`t2`), `HHMMSS` (`t`) or `HH:MM`.
fn parse_time(value: &str) -> Option<NaiveTime> {
    ["%H:%M:%S", "%H%M%S", "%H:%M"].iter().find_map(|f| NaiveTime::parse_from_str(value, f).ok())
}

/// Warsaw wall-clock time -> UTC. EU rule: CEST (UTC+2) from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October, else CET (UTC+1). The repeated October
/// hour reads as its first (summer) occurrence; the skipped March hour reads as winter time.
/// `None` only at the ends of chrono's range (a garbage date), where the offset cannot apply.
fn warsaw_to_utc(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let year = local.year();
    let summer_reading = Utc.from_utc_datetime(&local.checked_sub_signed(Duration::hours(2))?);
    let in_summer = match (summer_time_switch(year, 3), summer_time_switch(year, 10)) {
        (Some(start), Some(end)) => start <= summer_reading && summer_reading < end,
        _ => false,
    };
    if in_summer {
        Some(summer_reading)
    } else {
        Some(Utc.from_utc_datetime(&local.checked_sub_signed(Duration::hours(1))?))
    }
}

/// 01:00 UTC on the last Sunday of `month` (March or October: both have 31 days).
fn summer_time_switch(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let last = NaiveDate::from_ymd_opt(year, month, 31)?;
    let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
    Some(Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `f=sd2t2ohlcvp&h&e=csv` answers for AAOI on a January evening (CET).
    const AAOI_CSV: &str = "Symbol,Date,Time,Open,High,Low,Close,Volume,Prev\r\n\
                            AAOI.US,2025-01-10,22:00:09,31.2,32.1,30.1,31.5,2345678,30\r\n";
    /// What it answers for a symbol Stooq does not know.
    const UNKNOWN_CSV: &str = "Symbol,Date,Time,Open,High,Low,Close,Volume,Prev\r\n\
                               SIVE.SE,N/D,N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n";

    fn spec(symbol: &str, provider: &str, currency: &str) -> TickerSpec {
        TickerSpec {
            symbol: symbol.into(),
            provider_symbol: provider.into(),
            name: String::new(),
            currency: currency.into(),
            aliases: Vec::new(),
            stooq_symbol: String::new(),
        }
    }

    fn aaoi() -> TickerSpec {
        spec("AAOI", "", "USD")
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn now() -> DateTime<Utc> {
        utc(2025, 1, 11, 9, 0, 0)
    }

    fn parse(body: &str) -> Result<Quote, StooqError> {
        parse_quote(body.as_bytes(), &aaoi(), now())
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, s).unwrap()
    }

    fn bad_csv(result: Result<Quote, StooqError>) -> String {
        match result {
            Err(StooqError::BadCsv(detail)) => detail,
            other => panic!("expected BadCsv, got {other:?}"),
        }
    }

    #[test]
    fn full_quote_with_header() {
        let q = parse(AAOI_CSV).unwrap();
        assert_eq!(q.symbol, "AAOI");
        assert_eq!(q.provider_symbol, "AAOI");
        assert_eq!(q.price, 31.5);
        assert_eq!(q.previous_close, Some(30.0));
        assert!((q.change.unwrap() - 1.5).abs() < 1e-9);
        assert!((q.change_pct.unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(q.day_high, Some(32.1));
        assert_eq!(q.day_low, Some(30.1));
        assert_eq!(q.volume, Some(2_345_678));
        assert_eq!(q.currency, "USD");
        assert_eq!(q.exchange, "");
        assert_eq!(q.market_state, MarketState::Unknown);
        assert!(q.series.is_empty());
        assert_eq!(q.source, "stooq");
        // 22:00:09 CET is 21:00:09 UTC (16:00 New York, the close).
        assert_eq!(q.as_of, utc(2025, 1, 10, 21, 0, 9));
    }

    #[test]
    fn summer_dates_use_cest() {
        let body = AAOI_CSV.replace("2025-01-10", "2025-07-10");
        assert_eq!(parse(&body).unwrap().as_of, utc(2025, 7, 10, 20, 0, 9));
    }

    #[test]
    fn warsaw_time_around_the_switches() {
        // 2025: summer time from Sunday 30 March to Sunday 26 October, at 01:00 UTC.
        assert_eq!(warsaw_to_utc(local(2025, 3, 30, 1, 59, 59)), Some(utc(2025, 3, 30, 0, 59, 59)));
        assert_eq!(warsaw_to_utc(local(2025, 3, 30, 3, 0, 0)), Some(utc(2025, 3, 30, 1, 0, 0)));
        assert_eq!(warsaw_to_utc(local(2025, 3, 29, 12, 0, 0)), Some(utc(2025, 3, 29, 11, 0, 0)));
        assert_eq!(warsaw_to_utc(local(2025, 10, 26, 1, 59, 0)), Some(utc(2025, 10, 25, 23, 59, 0)));
        assert_eq!(warsaw_to_utc(local(2025, 10, 26, 2, 30, 0)), Some(utc(2025, 10, 26, 0, 30, 0)));
        assert_eq!(warsaw_to_utc(local(2025, 10, 26, 3, 0, 0)), Some(utc(2025, 10, 26, 2, 0, 0)));
        // 2026: 29 March and 25 October.
        assert_eq!(warsaw_to_utc(local(2026, 3, 29, 12, 0, 0)), Some(utc(2026, 3, 29, 10, 0, 0)));
        assert_eq!(warsaw_to_utc(local(2026, 10, 25, 12, 0, 0)), Some(utc(2026, 10, 25, 11, 0, 0)));
        assert_eq!(warsaw_to_utc(local(2026, 10, 24, 12, 0, 0)), Some(utc(2026, 10, 24, 10, 0, 0)));
    }

    #[test]
    fn body_without_header_is_read_by_position() {
        let q = parse("AAOI.US,2025-01-10,22:00:09,31.2,32.1,30.1,31.5,2345678,30.0\n").unwrap();
        assert_eq!(q.price, 31.5);
        assert_eq!(q.previous_close, Some(30.0));
        assert_eq!(q.volume, Some(2_345_678));
        assert_eq!(q.as_of, utc(2025, 1, 10, 21, 0, 9));
    }

    #[test]
    fn without_prev_column_there_is_no_day_change() {
        // `f=sd2t2ohlcv`: no previous close, with and without header.
        for body in [
            "Symbol,Date,Time,Open,High,Low,Close,Volume\r\nAAOI.US,2025-01-10,22:00:09,31.2,32.1,30.1,31.5,2345678\r\n",
            "AAOI.US,2025-01-10,22:00:09,31.2,32.1,30.1,31.5,2345678",
        ] {
            let q = parse(body).unwrap();
            assert_eq!(q.price, 31.5);
            assert_eq!((q.previous_close, q.change, q.change_pct), (None, None, None), "{body}");
            assert_eq!(q.volume, Some(2_345_678));
        }
    }

    #[test]
    fn columns_are_found_by_header_name() {
        let body = "Name,Prev,Close,Symbol,Extra,Volume,Time,Date,High,Low\r\n\
                    \"Applied Optoelectronics, Inc.\",30,31.5,AAOI.US,x,100,22:00:09,2025-01-10,32,29\r\n";
        let q = parse(body).unwrap();
        assert_eq!(q.price, 31.5);
        assert_eq!(q.previous_close, Some(30.0));
        assert_eq!(q.volume, Some(100));
        assert_eq!((q.day_high, q.day_low), (Some(32.0), Some(29.0)));
        assert_eq!(q.as_of, utc(2025, 1, 10, 21, 0, 9));
    }

    #[test]
    fn header_names_are_case_insensitive_trimmed_and_may_be_quoted() {
        let body = "\"SYMBOL\", DATE ,Time,\"Close\",PREVIOUS\nAAOI.US, 2025-01-10 , 22:00:09 , 31.5 , 30 \n";
        let q = parse(body).unwrap();
        assert_eq!(q.price, 31.5);
        assert_eq!(q.previous_close, Some(30.0));
        assert_eq!(q.as_of, utc(2025, 1, 10, 21, 0, 9));
    }

    #[test]
    fn missing_columns_read_as_absent() {
        let q = parse("Symbol,Close\nAAOI.US,31.5\n").unwrap();
        assert_eq!(q.price, 31.5);
        assert_eq!((q.previous_close, q.day_high, q.day_low, q.volume), (None, None, None, None));
        assert_eq!(q.as_of, now(), "no date: now");
        // A date without a time is midnight in Warsaw.
        let q = parse("Symbol,Date,Close\nAAOI.US,2025-01-10,31.5\n").unwrap();
        assert_eq!(q.as_of, utc(2025, 1, 9, 23, 0, 0));
    }

    #[test]
    fn unknown_symbol_is_no_data() {
        let err = parse_quote(UNKNOWN_CSV.as_bytes(), &spec("SIVE", "SIVE.ST", "SEK"), now()).unwrap_err();
        assert_eq!(err, StooqError::NoData("SIVE".into()));
        assert_eq!(err.to_string(), "stooq has no data for SIVE (N/D)");
        // The same answer without a header line, with LF endings.
        let err = parse("XYZQ.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D\n").unwrap_err();
        assert_eq!(err, StooqError::NoData("AAOI".into()));
        // An empty Close field is no data too.
        assert_eq!(parse("Symbol,Close\nAAOI.US,\n").unwrap_err(), StooqError::NoData("AAOI".into()));
    }

    #[test]
    fn single_nd_fields_are_absent() {
        // An index: no volume, no previous close; `-` and `N/A` are absent as well.
        let body = "Symbol,Date,Time,Open,High,Low,Close,Volume,Prev\r\n\
                    ^SPX,2025-01-10,22:15:00,5860.1,-,N/A,5827.04,N/D,N/D\r\n";
        let q = parse(body).unwrap();
        assert_eq!(q.price, 5827.04);
        assert_eq!(
            (q.previous_close, q.change, q.day_high, q.day_low, q.volume),
            (None, None, None, None, None)
        );
        assert_eq!(q.as_of, utc(2025, 1, 10, 21, 15, 0));
        // The date N/D but a price: time falls back to now.
        let q = parse("Symbol,Date,Time,Close\nAAOI.US,N/D,N/D,31.5\n").unwrap();
        assert_eq!(q.as_of, now());
    }

    #[test]
    fn compact_date_and_time_formats() {
        let q = parse("Symbol,Date,Time,Close\nAAOI.US,20250110,220009,31.5\n").unwrap();
        assert_eq!(q.as_of, utc(2025, 1, 10, 21, 0, 9));
        let q = parse("Symbol,Date,Time,Close\nAAOI.US,2025-01-10,17:35,31.5\n").unwrap();
        assert_eq!(q.as_of, utc(2025, 1, 10, 16, 35, 0));
        // An unreadable time is midnight; an unreadable date is now.
        let q = parse("Symbol,Date,Time,Close\nAAOI.US,2025-01-10,late,31.5\n").unwrap();
        assert_eq!(q.as_of, utc(2025, 1, 9, 23, 0, 0));
        let q = parse("Symbol,Date,Time,Close\nAAOI.US,10/01/2025,22:00:09,31.5\n").unwrap();
        assert_eq!(q.as_of, now());
    }

    #[test]
    fn bom_crlf_lone_cr_and_blank_lines_are_accepted() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(AAOI_CSV.bytes());
        assert_eq!(parse_quote(&bytes, &aaoi(), now()).unwrap().price, 31.5);
        let cr = AAOI_CSV.replace("\r\n", "\r");
        assert_eq!(parse(&cr).unwrap().previous_close, Some(30.0));
        let blanks = format!("\n\r\n  \n{}\n\n", AAOI_CSV.replace("\r\n", "\n\n"));
        assert_eq!(parse(&blanks).unwrap().volume, Some(2_345_678));
    }

    #[test]
    fn first_data_row_is_used() {
        let body = format!("{AAOI_CSV}LITE.US,2025-01-10,22:00:02,80,81,79,80.5,100,79\r\n");
        assert_eq!(parse(&body).unwrap().price, 31.5);
    }

    #[test]
    fn warnings_before_the_header_are_skipped() {
        let body =
            format!("\nWarning: Division by zero in /home/stooq/www/q/l/index.php on line 102\n\n{AAOI_CSV}");
        assert_eq!(parse(&body).unwrap().price, 31.5);
    }

    #[test]
    fn empty_body_is_bad_csv() {
        assert_eq!(bad_csv(parse("")), "empty body");
        assert_eq!(bad_csv(parse(" \r\n\t\n")), "empty body");
        assert_eq!(bad_csv(parse_quote(b"\xEF\xBB\xBF", &aaoi(), now())), "empty body");
        assert_eq!(parse("").unwrap_err().to_string(), "bad CSV: empty body");
    }

    #[test]
    fn header_without_row_is_bad_csv() {
        assert_eq!(
            bad_csv(parse("Symbol,Date,Time,Open,High,Low,Close,Volume,Prev\r\n")),
            "header without a data row"
        );
    }

    #[test]
    fn header_without_close_is_bad_csv() {
        let detail = bad_csv(parse("Symbol,Date,Open\nAAOI.US,2025-01-10,31.2\n"));
        assert!(detail.starts_with("no Close field"), "{detail}");
        // A row too short for the header's Close column.
        let detail = bad_csv(parse("Symbol,Date,Time,Close\nAAOI.US,2025-01-10\n"));
        assert!(detail.starts_with("no Close field"), "{detail}");
    }

    #[test]
    fn html_pages_are_reported_as_html() {
        let challenge = "<!DOCTYPE html>\n<html><head><title>Checking your browser</title>\
                         <script>/* sha-256 proof of work */ fetch('/__verify',{method:'POST'})</script></head></html>";
        assert_eq!(parse(challenge).unwrap_err(), StooqError::Html);
        assert_eq!(parse("  \r\n<html><body>502 Bad Gateway</body></html>").unwrap_err(), StooqError::Html);
        assert_eq!(parse("Error page\n<HTML><BODY>oops</BODY></HTML>").unwrap_err(), StooqError::Html);
        assert_eq!(parse("<!doctype html><title>Just a moment</title>").unwrap_err(), StooqError::Html);
        assert_eq!(
            StooqError::Html.to_string(),
            "stooq sent an HTML page, not CSV (anti-bot check or error page)"
        );
    }

    #[test]
    fn plain_text_and_garbage_are_bad_csv() {
        let detail = bad_csv(parse("Exceeded the daily hits limit"));
        assert!(detail.contains("Exceeded the daily hits limit"), "{detail}");
        let detail = bad_csv(parse_quote(&[0xff, 0xfe, 0x00, 0x01, b'\n'], &aaoi(), now()));
        assert!(!detail.chars().any(char::is_control), "{detail:?}");
        bad_csv(parse("{\"symbols\":[{\"symbol\":\"AAOI.US\"}]}"));
        bad_csv(parse("1,2,3"));
    }

    #[test]
    fn close_that_is_not_a_price_is_bad_csv() {
        for close in ["abc", "0", "-3.5", "inf", "NaN", "1e999", "\"31.5x\""] {
            let body = format!("Symbol,Close,Volume\nAAOI.US,{close},1\n");
            let result = parse(&body);
            assert!(matches!(result, Err(StooqError::BadCsv(_))), "{close}: {result:?}");
        }
        assert_eq!(
            parse("Symbol,Close\nAAOI.US,abc\n").unwrap_err().to_string(),
            "bad CSV: bad Close \"abc\""
        );
    }

    #[test]
    fn non_price_fields_that_are_garbage_are_absent() {
        let q = parse("Symbol,Close,High,Low,Prev,Volume\nAAOI.US,31.5,x,0,-1,-5\n").unwrap();
        assert_eq!(
            (q.day_high, q.day_low, q.previous_close, q.change, q.volume),
            (None, None, None, None, None)
        );
        let q = parse("Symbol,Close,Volume\nAAOI.US,31.5,1.2e3\n").unwrap();
        assert_eq!(q.volume, Some(1200));
        let q = parse("Symbol,Close,Volume\nAAOI.US,31.5,0\n").unwrap();
        assert_eq!(q.volume, Some(0));
    }

    #[test]
    fn hostile_text_in_errors_is_sanitized_and_capped() {
        let body = format!("Symbol,Close\nAAOI.US,\u{1b}]0;pwn\u{7}{}\n", "x".repeat(500));
        let detail = bad_csv(parse(&body));
        assert!(!detail.chars().any(char::is_control), "{detail:?}");
        assert!(detail.chars().count() <= MAX_ERROR_TEXT, "{detail}");
        assert!(detail.ends_with('…'), "{detail}");
        let detail = bad_csv(parse(&format!("\u{1b}[2J{}", "y".repeat(400))));
        assert!(!detail.chars().any(char::is_control), "{detail:?}");
        assert!(detail.chars().count() <= MAX_ERROR_TEXT, "{detail}");
    }

    #[test]
    fn currency_and_symbols_come_from_the_spec() {
        let s = spec("TSCO", "TSCO.L", "GBp");
        let body = "Symbol,Date,Time,Close\nTSCO.UK,2025-01-10,17:35:12,\u{1b}[31m\n";
        assert_eq!(
            parse_quote(body.as_bytes(), &s, now()).unwrap_err(),
            StooqError::BadCsv("bad Close \"\"".into())
        );
        let body = "Symbol,Date,Time,Close\nTSCO.UK,2025-01-10,17:35:12,356.4\n";
        let q = parse_quote(body.as_bytes(), &s, now()).unwrap();
        assert_eq!(
            (q.symbol.as_str(), q.provider_symbol.as_str(), q.currency.as_str()),
            ("TSCO", "TSCO.L", "GBp")
        );
    }

    #[test]
    fn not_covered_message() {
        let s = spec("SIVE", "SIVE.ST", "SEK");
        let err = stooq_symbol(&s).ok_or_else(|| StooqError::NotCovered(s.symbol.clone())).unwrap_err();
        assert_eq!(err.to_string(), "SIVE is not covered by stooq");
    }

    #[test]
    fn stooq_symbol_for_us_tickers() {
        assert_eq!(stooq_symbol(&aaoi()).as_deref(), Some("aaoi.us"));
        assert_eq!(stooq_symbol(&spec("LITE", "LITE", "USD")).as_deref(), Some("lite.us"));
        assert_eq!(stooq_symbol(&spec("Berkshire", "BRK-B", "USD")).as_deref(), Some("brk-b.us"));
        assert_eq!(stooq_symbol(&spec(" cohr ", "", "USD")).as_deref(), Some("cohr.us"));
    }

    #[test]
    fn stooq_symbol_maps_known_yahoo_suffixes() {
        let derive = |provider: &str| stooq_symbol(&spec("X", provider, ""));
        assert_eq!(derive("TSCO.L").as_deref(), Some("tsco.uk"));
        assert_eq!(derive("SAP.DE").as_deref(), Some("sap.de"));
        assert_eq!(derive("7203.T").as_deref(), Some("7203.jp"));
        assert_eq!(derive("0700.HK").as_deref(), Some("700.hk"));
        assert_eq!(derive("9988.hk").as_deref(), Some("9988.hk"));
    }

    #[test]
    fn stooq_symbol_is_none_when_not_covered() {
        let derive = |provider: &str| stooq_symbol(&spec("X", provider, ""));
        for provider in ["SIVE.ST", "NOVO-B.CO", "EQNR.OL", "AIR.PA", "SHOP.TO", "^GSPC", "EURUSD=X", "GC=F"]
        {
            assert_eq!(derive(provider), None, "{provider}");
        }
        for provider in [".L", "0000.HK", "A B", "AAOI.", "Å"] {
            assert_eq!(derive(provider), None, "{provider}");
        }
        assert_eq!(stooq_symbol(&spec("", "", "")), None);
    }

    #[test]
    fn configured_stooq_symbol_wins() {
        let mut s = spec("SIVE", "SIVE.ST", "SEK");
        s.stooq_symbol = " SIVE.SE ".into();
        assert_eq!(stooq_symbol(&s).as_deref(), Some("sive.se"));
        s.stooq_symbol = "^SPX".into();
        assert_eq!(stooq_symbol(&s).as_deref(), Some("^spx"));
        // Blank means "derive".
        let mut s = aaoi();
        s.stooq_symbol = "   ".into();
        assert_eq!(stooq_symbol(&s).as_deref(), Some("aaoi.us"));
    }

    #[test]
    fn quote_url_joins_base_and_encodes() {
        assert_eq!(
            quote_url("https://stooq.com", "aaoi.us"),
            "https://stooq.com/q/l/?s=aaoi.us&f=sd2t2ohlcvp&h&e=csv"
        );
        assert_eq!(
            quote_url("http://127.0.0.1:8080/", "^spx"),
            "http://127.0.0.1:8080/q/l/?s=%5Espx&f=sd2t2ohlcvp&h&e=csv"
        );
        assert_eq!(quote_url("http://h", "a&b=c d"), "http://h/q/l/?s=a%26b%3Dc%20d&f=sd2t2ohlcvp&h&e=csv");
        assert_eq!(quote_url("http://h", "brk-b.us"), "http://h/q/l/?s=brk-b.us&f=sd2t2ohlcvp&h&e=csv");
    }

    #[test]
    fn split_csv_handles_quotes() {
        assert_eq!(split_csv("a,\"b,c\",\"say \"\"hi\"\"\",,d"), ["a", "b,c", "say \"hi\"", "", "d"]);
        assert_eq!(split_csv(""), [""]);
    }
}
