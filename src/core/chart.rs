//! Price history for the ticker detail view: the ranges it offers, the bars of a series, and
//! when a stored series is still good (a daily chart fetched after the last close needs no
//! request until the next one).

use crate::core::hours::Exchange;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A chart range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Span {
    #[serde(rename = "1d")]
    D1,
    #[serde(rename = "5d")]
    D5,
    #[serde(rename = "1mo")]
    M1,
    #[serde(rename = "6mo")]
    M6,
    #[serde(rename = "1y")]
    Y1,
    #[serde(rename = "5y")]
    Y5,
    /// Since `[thesis] started`.
    #[serde(rename = "start")]
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

    /// The first day a daily range covers (intraday ones: today).
    pub fn start(self, started: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
        let back = |days: i64| today - TimeDelta::days(days);
        match self {
            Span::D1 => today,
            Span::D5 => back(7),
            Span::M1 => back(31),
            Span::M6 => back(183),
            Span::Y1 => back(366),
            Span::Y5 => back(5 * 366),
            Span::Thesis => started.unwrap_or_else(|| back(366)),
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

/// Daily bars folded into weeks (ISO weeks in `tz`): the first open, the highest high, the
/// lowest low, the last close, the volumes added; stamped with the week's first bar.
pub fn weekly(bars: &[Bar], tz: chrono_tz::Tz) -> Vec<Bar> {
    use chrono::Datelike;
    let mut out: Vec<Bar> = Vec::new();
    let mut week = None;
    for b in bars {
        let w = b.t.with_timezone(&tz).iso_week();
        match out.last_mut() {
            Some(last) if week == Some(w) => {
                last.close = b.close;
                last.high = match (last.high, b.high) {
                    (Some(a), Some(c)) => Some(a.max(c)),
                    (a, c) => a.or(c),
                };
                last.low = match (last.low, b.low) {
                    (Some(a), Some(c)) => Some(a.min(c)),
                    (a, c) => a.or(c),
                };
                last.volume = match (last.volume, b.volume) {
                    (Some(a), Some(c)) => Some(a.saturating_add(c)),
                    (a, c) => a.or(c),
                };
            }
            _ => {
                week = Some(w);
                out.push(b.clone());
            }
        }
    }
    out
}

/// A ticker's move after an event, from the close before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Move {
    /// Percent, from the base close.
    pub pct: f64,
    /// The close it is measured to.
    pub to: DateTime<Utc>,
    /// Fewer trading days than asked have passed: measured to the latest close.
    pub partial: bool,
}

/// A reaction: the close before the event, then the move to 1 and to 5 trading days after.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reaction {
    pub base: f64,
    pub base_at: DateTime<Utc>,
    pub day1: Option<Move>,
    pub day5: Option<Move>,
}

/// The reaction to an event at `at` in daily `bars` (oldest first) of a listing on `exchange`:
/// the base is the last session that had closed by `at` (an event during a session or a holiday
/// counts from the close before; one after the close, from that close); then the bars 1 and 5
/// trading days on, or the latest when fewer have passed. None without a base or a later bar.
pub fn reaction(bars: &[Bar], exchange: Exchange, at: DateTime<Utc>) -> Option<Reaction> {
    let closed_by = |b: &Bar| {
        let day = b.t.with_timezone(&exchange.tz()).date_naive();
        exchange.session(day).is_some_and(|(_, close)| close <= at)
    };
    let base_i = bars.iter().rposition(closed_by)?;
    let base = &bars[base_i];
    let after = &bars[base_i + 1..];
    let step = |n: usize| -> Option<Move> {
        let (bar, partial) = match after.get(n - 1) {
            Some(b) => (b, false),
            None => (after.last()?, true),
        };
        Some(Move { pct: (bar.close / base.close - 1.0) * 100.0, to: bar.t, partial })
    };
    Some(Reaction { base: base.close, base_at: base.t, day1: step(1), day5: step(5) })
}

/// The ranges a ticker is measured against the benchmark on: since the thesis started, and the
/// month where that range is weekly (past two years).
pub fn relative_spans(started: Option<NaiveDate>, today: NaiveDate) -> &'static [Span] {
    if Span::Thesis.interval(started, today) == "1d" { &[Span::Thesis] } else { &[Span::Thesis, Span::M1] }
}

/// The percent move of the close from the day `from` to the last bar of daily `bars` (oldest
/// first, stamped in `tz`): from the last bar dated on or before `from` (a weekend or holiday
/// counts from the session before), or, when the series begins after it (a range asked from that
/// very day), from its first bar if that is within four days. None without such a base or a
/// later bar.
pub fn change_since(bars: &[Bar], from: NaiveDate, tz: chrono_tz::Tz) -> Option<f64> {
    let day = |b: &Bar| b.t.with_timezone(&tz).date_naive();
    let base = match bars.iter().rposition(|b| day(b) <= from) {
        Some(i) => &bars[i],
        None => bars.first().filter(|b| day(b) <= from + chrono::Days::new(4))?,
    };
    let last = bars.last().filter(|l| l.t > base.t)?;
    Some((last.close / base.close - 1.0) * 100.0)
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

    /// Daily bars stamped at each session's open, one per trading day from `from`, closing at
    /// 100, 101, 102, ….
    fn days(exchange: Exchange, from: NaiveDate, n: usize) -> Vec<Bar> {
        let mut out = Vec::new();
        let mut d = from;
        while out.len() < n {
            if let Some((open, _)) = exchange.session(d) {
                let close = 100.0 + out.len() as f64;
                out.push(Bar { t: open, close, open: None, high: None, low: None, volume: None });
            }
            d = d.succ_opt().unwrap();
        }
        out
    }

    #[test]
    fn reactions_count_trading_days_from_the_close_before() {
        let ny = Exchange::Nasdaq;
        // From Mon 2026-11-16: 16 (100) 17 (101) 18 (102) 19 (103) 20 (104) 23 (105) 24 (106)
        // 25 (107) [26 Thanksgiving] 27 (108, early close) 30 (109) Dec 1 (110).
        let bars = days(ny, NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(), 11);
        let pct = |m: Option<Move>| m.map(|m| (m.pct * 100.0).round() / 100.0);
        // During Wednesday's session: from Tuesday's close (101) to Wednesday's and next Tuesday's.
        let r = reaction(&bars, ny, at(2026, 11, 18, 17, 0)).unwrap();
        assert_eq!((r.base, pct(r.day1), pct(r.day5)), (101.0, Some(0.99), Some(4.95)));
        // Friday after the close: from Friday (104); +1 is Monday, +5 skips Thanksgiving.
        let r = reaction(&bars, ny, at(2026, 11, 20, 23, 0)).unwrap();
        assert_eq!(r.base, 104.0);
        assert_eq!(r.day1.map(|m| m.to), Some(bars[5].t));
        assert_eq!(
            r.day5.map(|m| (m.to, m.partial)),
            Some((bars[9].t, false)),
            "23 24 25 27 30: Thanksgiving skipped"
        );
        // On Thanksgiving itself: from Wednesday's close.
        assert_eq!(reaction(&bars, ny, at(2026, 11, 26, 15, 0)).unwrap().base, 107.0);
        // Friday the 27th closes at 13:00: at 14:00 that close counts.
        assert_eq!(reaction(&bars, ny, at(2026, 11, 27, 19, 0)).unwrap().base, 108.0);
        // Fewer than five days since: to the latest close, said so.
        let r = reaction(&bars, ny, at(2026, 11, 27, 19, 0)).unwrap();
        assert_eq!(r.day5.map(|m| (m.to, m.partial)), Some((bars[10].t, true)));
        // Nothing after the base yet, or no close before: no reaction (or no moves).
        let r = reaction(&bars, ny, at(2026, 12, 2, 12, 0)).unwrap();
        assert_eq!((r.base, r.day1), (110.0, None));
        assert!(reaction(&bars, ny, at(2026, 11, 16, 15, 0)).is_none());
        // Stockholm across the DST change (Sun 2026-10-25): Friday's close 17:30 CEST = 15:30 UTC,
        // Monday's 17:30 CET = 16:30 UTC.
        let sto = Exchange::Stockholm;
        let bars = days(sto, NaiveDate::from_ymd_opt(2026, 10, 22).unwrap(), 4); // Thu Fri Mon Tue
        assert_eq!(
            reaction(&bars, sto, at(2026, 10, 23, 15, 45)).unwrap().base,
            101.0,
            "after Friday's close"
        );
        assert_eq!(
            reaction(&bars, sto, at(2026, 10, 26, 16, 15)).unwrap().base,
            101.0,
            "Monday before its close"
        );
        assert_eq!(
            reaction(&bars, sto, at(2026, 10, 26, 16, 45)).unwrap().base,
            102.0,
            "Monday after its close"
        );
    }

    #[test]
    fn the_month_needs_its_own_range_once_since_start_turns_weekly() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(relative_spans(Some(d(2025, 12, 1)), d(2026, 12, 3)), [Span::Thesis]);
        assert_eq!(relative_spans(None, d(2026, 12, 3)), [Span::Thesis], "a year back");
        assert_eq!(relative_spans(Some(d(2023, 6, 1)), d(2026, 12, 3)), [Span::Thesis, Span::M1]);
    }

    #[test]
    fn change_since_counts_from_the_session_on_or_before_the_day() {
        let tz = chrono_tz::America::New_York;
        // Thu 2026-10-01 .. Tue 2026-10-06 (weekend between), closes 10, 11, 12, 13.
        let bars: Vec<Bar> = [(1, 10.0), (2, 11.0), (5, 12.0), (6, 13.0)]
            .iter()
            .map(|&(d, close)| Bar {
                t: at(2026, 10, d, 13, 30),
                close,
                open: None,
                high: None,
                low: None,
                volume: None,
            })
            .collect();
        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let pct = |d| change_since(&bars, day(d), tz).map(|p| (p * 100.0).round() / 100.0);
        assert_eq!(pct(1), Some(30.0));
        assert_eq!(pct(3), Some(18.18), "Saturday: from Friday's close");
        assert_eq!(pct(5), Some(8.33));
        assert_eq!(pct(6), None, "the last bar itself: nothing later");
        assert_eq!(pct(30), None, "after the last bar");
        let sept = |d| change_since(&bars, NaiveDate::from_ymd_opt(2026, 9, d).unwrap(), tz);
        assert!(
            sept(28).is_some_and(|p| (p - 30.0).abs() < 1e-9),
            "asked from Monday, the series begins Thursday"
        );
        assert_eq!(sept(26), None, "five days before the first bar");
        assert_eq!(change_since(&[], day(1), tz), None);
    }

    #[test]
    fn daily_bars_fold_into_weeks() {
        let bar = |d: u32, close: f64, vol: u64| Bar {
            t: at(2026, 11, d, 14, 30),
            close,
            open: Some(close - 1.0),
            high: Some(close + 1.0),
            low: Some(close - 2.0),
            volume: Some(vol),
        };
        // Mon 23 to Fri 27 November, then Mon 30.
        let days = [bar(23, 10.0, 1), bar(24, 12.0, 2), bar(25, 9.0, 3), bar(27, 11.0, 4), bar(30, 13.0, 5)];
        let w = weekly(&days, chrono_tz::America::New_York);
        assert_eq!(w.len(), 2);
        assert_eq!(
            (w[0].t, w[0].open, w[0].high, w[0].low, w[0].close, w[0].volume),
            (days[0].t, Some(9.0), Some(13.0), Some(7.0), 11.0, Some(10))
        );
        assert_eq!(w[1], days[4]);
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
