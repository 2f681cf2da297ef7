//! Price history for the ticker detail view: the ranges it offers, the bars of a series, and
//! when a stored series is still good (a daily chart fetched after the last close needs no
//! request until the next one).

use crate::core::hours::Exchange;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A chart range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Span {
    D1,
    D5,
    M1,
    M6,
    Y1,
    Y5,
    /// Since `[thesis] started`.
    Thesis,
}

/// Most bars a series keeps (five years of days is about 1,260; a hostile answer is cut here).
pub const BARS_MAX: usize = 5_000;

impl Span {
    pub const ALL: [Span; 7] = [Span::D1, Span::D5, Span::M1, Span::M6, Span::Y1, Span::Y5, Span::Thesis];

    /// On screen: `1D` … `5Y`, `start`.
    pub fn label(self) -> &'static str {
        match self {
            Span::D1 => "1D",
            Span::D5 => "5D",
            Span::M1 => "1M",
            Span::M6 => "6M",
            Span::Y1 => "1Y",
            Span::Y5 => "5Y",
            Span::Thesis => "start",
        }
    }

    /// In the store and on the command line (`--range 1y`).
    pub fn key(self) -> &'static str {
        match self {
            Span::D1 => "1d",
            Span::D5 => "5d",
            Span::M1 => "1mo",
            Span::M6 => "6mo",
            Span::Y1 => "1y",
            Span::Y5 => "5y",
            Span::Thesis => "start",
        }
    }

    /// `1d`, `5d`, `1m`/`1mo`, `6m`/`6mo`, `1y`, `5y`, `start`/`thesis`, any case.
    pub fn parse(text: &str) -> Option<Span> {
        match text.trim().to_ascii_lowercase().as_str() {
            "1d" => Some(Span::D1),
            "5d" => Some(Span::D5),
            "1m" | "1mo" => Some(Span::M1),
            "6m" | "6mo" => Some(Span::M6),
            "1y" => Some(Span::Y1),
            "5y" => Some(Span::Y5),
            "start" | "thesis" => Some(Span::Thesis),
            _ => None,
        }
    }

    /// Bars within a day: they move while the market is open.
    pub fn intraday(self) -> bool {
        matches!(self, Span::D1 | Span::D5)
    }

    /// The bar interval asked for: 5 minutes for a day, 15 for five, days up to a year, weeks
    /// for five years (and for a thesis started over two years before `today`).
    pub fn interval(self, started: Option<NaiveDate>, today: NaiveDate) -> &'static str {
        match self {
            Span::D1 => "5m",
            Span::D5 => "15m",
            Span::M1 | Span::M6 | Span::Y1 => "1d",
            Span::Y5 => "1wk",
            Span::Thesis => match started {
                Some(s) if today - s > TimeDelta::days(2 * 366) => "1wk",
                _ => "1d",
            },
        }
    }
}

/// One bar: its time (the bar's start as the source stamps it) and prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub t: DateTime<Utc>,
    pub close: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<u64>,
}

/// A ticker's bars over one range, oldest first, as a source gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The display symbol (`SIVE`).
    pub symbol: String,
    pub span: Span,
    /// `5m`, `15m`, `1d`, `1wk`.
    pub interval: String,
    pub currency: String,
    pub bars: Vec<Bar>,
    pub fetched_at: DateTime<Utc>,
    /// `yahoo`, `nasdaq`, `demo`.
    pub source: String,
    /// The 52-week low and high, where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_range: Option<(f64, f64)>,
}

impl Series {
    /// The lowest and highest close (for the chart's axis).
    pub fn bounds(&self) -> Option<(f64, f64)> {
        let closes = self.bars.iter().map(|b| b.close);
        let lo = closes.clone().reduce(f64::min)?;
        let hi = closes.reduce(f64::max)?;
        Some((lo, hi))
    }
}

/// The end of the last regular session at or before `now` (looking back two weeks).
pub fn last_close(exchange: Exchange, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&exchange.tz()).date_naive();
    (0..15)
        .filter_map(|n| today.checked_sub_days(chrono::Days::new(n)))
        .filter_map(|d| exchange.session(d))
        .map(|(_, close)| close)
        .find(|close| *close <= now)
}

/// Whether a stored series can be shown without asking again: fetched after the last close
/// and, while the market is open, for a daily range at all (it waits for the close) or for an
/// intraday one within `live` (the quotes' refresh interval).
pub fn fresh(series: &Series, exchange: Exchange, now: DateTime<Utc>, live: TimeDelta) -> bool {
    if series.fetched_at > now {
        return false; // a clock that went back: ask again
    }
    if last_close(exchange, now).is_some_and(|close| series.fetched_at < close) {
        return false;
    }
    !exchange.status(now).open || !series.span.intraday() || now - series.fetched_at < live
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn series(span: Span, fetched_at: DateTime<Utc>) -> Series {
        Series {
            symbol: "AAOI".into(),
            span,
            interval: "1d".into(),
            currency: "USD".into(),
            bars: vec![],
            fetched_at,
            source: "yahoo".into(),
            year_range: None,
        }
    }

    #[test]
    fn ranges_read_and_ask_for_their_intervals() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        for span in Span::ALL {
            assert_eq!(Span::parse(span.key()), Some(span));
            assert_eq!(Span::parse(&span.label().to_ascii_lowercase()), Some(span));
        }
        assert_eq!(Span::parse("6M"), Some(Span::M6));
        assert_eq!(Span::parse("2y"), None);
        let iv: Vec<&str> = Span::ALL.iter().map(|s| s.interval(None, today)).collect();
        assert_eq!(iv, ["5m", "15m", "1d", "1d", "1d", "1wk", "1d"]);
        assert_eq!(Span::Thesis.interval(NaiveDate::from_ymd_opt(2025, 12, 1), today), "1d");
        assert_eq!(Span::Thesis.interval(NaiveDate::from_ymd_opt(2023, 6, 1), today), "1wk");
    }

    /// A daily chart fetched after Wednesday's close is good until Thursday's close, through
    /// Thursday's session; an intraday one only for a minute while the market is open; over a
    /// weekend and a holiday (Thanksgiving 2026-11-26) the last close is Wednesday's / Friday's.
    #[test]
    fn a_stored_series_is_good_until_the_next_close() {
        let nasdaq = Exchange::Nasdaq;
        let minute = TimeDelta::minutes(1);
        // Wed 2026-12-02 21:30 UTC = 16:30 ET, after the close.
        let fetched = at(2026, 12, 2, 21, 30);
        let daily = series(Span::Y1, fetched);
        assert!(fresh(&daily, nasdaq, at(2026, 12, 3, 3, 0), minute), "that night");
        assert!(fresh(&daily, nasdaq, at(2026, 12, 3, 17, 0), minute), "during Thursday's session");
        assert!(!fresh(&daily, nasdaq, at(2026, 12, 3, 21, 5), minute), "after Thursday's close");
        let intraday = series(Span::D1, at(2026, 12, 3, 17, 0));
        assert!(fresh(&intraday, nasdaq, at(2026, 12, 3, 17, 0) + TimeDelta::seconds(30), minute));
        assert!(!fresh(&intraday, nasdaq, at(2026, 12, 3, 17, 2), minute), "open: a minute");
        // Fetched Friday 2026-11-27 (a 13:00 close) at 19:00 UTC: good all weekend.
        let friday = series(Span::D1, at(2026, 11, 27, 19, 0));
        assert!(fresh(&friday, nasdaq, at(2026, 11, 29, 12, 0), minute));
        assert!(!fresh(&friday, nasdaq, at(2026, 11, 30, 21, 1), minute), "Monday's close came");
        // Thanksgiving: the last close is Wednesday's.
        assert_eq!(last_close(nasdaq, at(2026, 11, 26, 20, 0)), Some(at(2026, 11, 25, 21, 0)));
        // Stockholm, across the DST change (2026-10-25): the close is 17:30 local either way.
        assert_eq!(last_close(Exchange::Stockholm, at(2026, 10, 23, 18, 0)), Some(at(2026, 10, 23, 15, 30)));
        assert_eq!(last_close(Exchange::Stockholm, at(2026, 10, 26, 18, 0)), Some(at(2026, 10, 26, 16, 30)));
        // A clock that went back.
        assert!(!fresh(&series(Span::Y1, at(2026, 12, 4, 0, 0)), nasdaq, at(2026, 12, 3, 0, 0), minute));
    }
}
