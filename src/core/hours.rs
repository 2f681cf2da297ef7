//! Per-exchange market hours and holidays (Nasdaq Stockholm, NASDAQ, NYSE).
//!
//! Pure: no I/O and no clock; callers pass `now`. Holidays are computed by rule (any year 2000-2100)
//! plus a small table of one-off closures no rule predicts. Session times are local and converted
//! with `chrono-tz`, so the US and EU DST switches (up to three weeks apart) are handled per exchange.
//!
//! Sources checked (third-party mirrors of the exchanges' own calendars):
//! - NYSE rule 7.2 and NYSE holiday pages as quoted in the news: Saturday holidays are observed on
//!   Friday except New Year's Day (open Fri 2021-12-31), Sunday ones on Monday; 1 p.m. early closes
//!   the day after Thanksgiving, on Christmas Eve and before Independence Day. NYSE and Nasdaq kept
//!   2025-12-24 as a 1 p.m. close and 2025-12-26 as a full day despite that year's federal closure
//!   order (Bloomberg via NDTV Profit; Benzinga, 2025-12-19).
//! - July rule, from exchange_calendars' XNYS calendar (Quantopian): since 2013 the early close is
//!   July 3 whenever July 4 falls Tue-Fri (2013, 2019, 2024 closed early on Wednesday July 3); before
//!   2013 a Thursday July 4 gave the early close on Friday July 5 instead (2002). None when July 4 is
//!   Sat/Sun/Mon (e.g. 2022, 2026).
//! - One-off closures: the same calendar's ad-hoc list; 2025-01-09 (President Carter's national day
//!   of mourning) from the NYSE and Nasdaq announcements (Epoch Times, AP, 2024-12-30).
//! - Nasdaq Stockholm: Spotlight Stock Market's opening-hours page (which mirrors Nasdaq Stockholm's
//!   calendar) lists for 2024 half days closing 13:00 on Epiphany eve, Maundy Thursday, Walpurgis
//!   Night (Apr 30), Ascension eve and All Saints' eve, and closures on Christmas Eve, Midsummer Eve
//!   and New Year's Eve; TipRanks' 2026 and ISEC's 2019 Swedish calendars list the same half days
//!   (Ascension eve included, which pandas_market_calendars once called disputed). Whit Monday was a
//!   Swedish holiday until 2004, replaced by National Day (June 6) from 2005.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// How many days ahead [`Exchange::next_open`] and [`Exchange::status`] look for a session.
const SEARCH_DAYS: i64 = 15;

/// A stock exchange whose trading calendar this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// Nasdaq Stockholm (Yahoo `STO`, symbols ending in `.ST`).
    Stockholm,
    /// NASDAQ (US).
    Nasdaq,
    /// New York Stock Exchange, also used for NYSE American and NYSE Arca listings.
    Nyse,
}

/// Both US exchanges, which share holidays and one-off closures.
const US: &[Exchange] = &[Exchange::Nyse, Exchange::Nasdaq];

/// Full-day closures no rule predicts: (exchanges, year, month, day).
/// From exchange_calendars' XNYS ad-hoc list; Nasdaq closed on the same days.
const EXTRA_CLOSURES: &[(&[Exchange], i32, u32, u32)] = &[
    (US, 2001, 9, 11), // terrorist attacks: closed Sep 11-14, 2001
    (US, 2001, 9, 12),
    (US, 2001, 9, 13),
    (US, 2001, 9, 14),
    (US, 2004, 6, 11),  // national day of mourning, President Reagan
    (US, 2007, 1, 2),   // national day of mourning, President Ford
    (US, 2012, 10, 29), // Hurricane Sandy
    (US, 2012, 10, 30),
    (US, 2018, 12, 5), // national day of mourning, President G. H. W. Bush
    (US, 2025, 1, 9),  // national day of mourning, President Carter
];

/// One-off 13:00 early closes no rule predicts (from the same XNYS list).
const EXTRA_EARLY_CLOSES: &[(&[Exchange], i32, u32, u32)] = &[(US, 1999, 12, 31), (US, 2003, 12, 26)];

/// Whether a market is trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// In the regular session.
    Open,
    /// Outside the regular session (night, weekend, holiday).
    Closed,
}

/// A market's state at an instant and when it next changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketHours {
    /// True while the regular session is running.
    pub open: bool,
    /// If open, today's close; if closed, the next open (or, if none is found within
    /// ~15 days, the end of that search window).
    pub next_change: DateTime<Utc>,
}

impl MarketHours {
    /// The state as a [`Phase`].
    pub fn phase(&self) -> Phase {
        if self.open { Phase::Open } else { Phase::Closed }
    }
}

impl Exchange {
    /// Every known exchange.
    pub const ALL: [Exchange; 3] = [Exchange::Stockholm, Exchange::Nasdaq, Exchange::Nyse];

    /// Maps a Yahoo exchange code (`STO`, `NMS`, `NGM`, `NCM`, `NYQ`, `ASE`, ..., or a
    /// full name such as `NasdaqGS`) to an exchange, falling back on a `.ST` symbol suffix.
    pub fn from_yahoo(exchange_code: &str, symbol: &str) -> Option<Exchange> {
        let code = exchange_code.trim().to_ascii_uppercase();
        match code.as_str() {
            "STO" | "STOCKHOLM" | "XSTO" => return Some(Exchange::Stockholm),
            "NMS" | "NGM" | "NCM" | "NAS" | "NIM" | "NASDAQ" | "NASDAQGS" | "NASDAQGM" | "NASDAQCM"
            | "XNAS" => return Some(Exchange::Nasdaq),
            "NYQ" | "NYSE" | "XNYS" | "ASE" | "AMEX" | "NYSEAMERICAN" | "NYSE AMERICAN" | "NYSE MKT"
            | "PCX" | "NYSEARCA" | "NYSE ARCA" => return Some(Exchange::Nyse),
            _ => {}
        }
        symbol.trim().to_ascii_uppercase().ends_with(".ST").then_some(Exchange::Stockholm)
    }

    /// Parses a config name: `stockholm`/`sto`, `nasdaq`, `nyse` (case-insensitive).
    pub fn parse(name: &str) -> Option<Exchange> {
        match name.trim().to_ascii_lowercase().as_str() {
            "stockholm" | "sto" => Some(Exchange::Stockholm),
            "nasdaq" => Some(Exchange::Nasdaq),
            "nyse" => Some(Exchange::Nyse),
            _ => None,
        }
    }

    /// Display name: "Stockholm", "NASDAQ" or "NYSE".
    pub fn label(self) -> &'static str {
        match self {
            Exchange::Stockholm => "Stockholm",
            Exchange::Nasdaq => "NASDAQ",
            Exchange::Nyse => "NYSE",
        }
    }

    /// The exchange's time zone.
    pub fn tz(self) -> Tz {
        match self {
            Exchange::Stockholm => chrono_tz::Europe::Stockholm,
            Exchange::Nasdaq | Exchange::Nyse => chrono_tz::America::New_York,
        }
    }

    /// True if the exchange is closed all day on `date` for a holiday (by rule or a
    /// one-off closure). Holidays falling on a weekend count too; weekends themselves
    /// do not (see [`Exchange::is_trading_day`]).
    pub fn is_holiday(self, date: NaiveDate) -> bool {
        let rule = match self {
            Exchange::Stockholm => stockholm_holiday(date),
            Exchange::Nasdaq | Exchange::Nyse => us_holiday(date),
        };
        rule || listed(EXTRA_CLOSURES, self, date)
    }

    /// True if the exchange has a session on `date` (a weekday that is not a holiday).
    pub fn is_trading_day(self, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.is_holiday(date)
    }

    /// True if `date` is a trading day that closes early at 13:00 local time.
    pub fn is_early_close(self, date: NaiveDate) -> bool {
        if !self.is_trading_day(date) {
            return false;
        }
        let rule = match self {
            Exchange::Stockholm => stockholm_half_day(date),
            Exchange::Nasdaq | Exchange::Nyse => us_early_close(date),
        };
        rule || listed(EXTRA_EARLY_CLOSES, self, date)
    }

    /// Open and close instants of the regular session on `date` (a local date), or
    /// None on weekends and holidays.
    pub fn session(self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_trading_day(date) {
            return None;
        }
        let (open, close) = match self {
            Exchange::Stockholm => ((9, 0), (17, 30)),
            Exchange::Nasdaq | Exchange::Nyse => ((9, 30), (16, 0)),
        };
        let close = if self.is_early_close(date) { (13, 0) } else { close };
        let tz = self.tz();
        Some((local_to_utc(tz, date, open)?, local_to_utc(tz, date, close)?))
    }

    /// Whether the market is open at `now`, and when that changes. The session is
    /// half-open: exactly at the open it is open, exactly at the close it is closed.
    pub fn status(self, now: DateTime<Utc>) -> MarketHours {
        let today = now.with_timezone(&self.tz()).date_naive();
        if let Some((open, close)) = self.session(today)
            && open <= now
            && now < close
        {
            return MarketHours { open: true, next_change: close };
        }
        let fallback = now.checked_add_signed(TimeDelta::days(SEARCH_DAYS)).unwrap_or(now);
        MarketHours { open: false, next_change: self.next_open(now).unwrap_or(fallback) }
    }

    /// The first session open strictly after `now`, searching about 15 days ahead.
    /// While the market is open this is the next trading day's open.
    pub fn next_open(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&self.tz()).date_naive();
        (0..=SEARCH_DAYS)
            .filter_map(|n| add_days(today, n))
            .filter_map(|date| self.session(date))
            .map(|(open, _)| open)
            .find(|&open| open > now)
    }
}

/// Compact countdown for a terminal cell: "in <1m", "in 45m", "in 3h 05m", "in 2d 4h".
/// Minutes are rounded up (so a closed market never shows "in 0m"); in the day form
/// the hours are whole hours of that rounded-up time. Returns "now" if `to <= from`.
pub fn until_label(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    if to <= from {
        return "now".to_string();
    }
    let secs = (to - from).num_seconds();
    if secs < 60 {
        return "in <1m".to_string();
    }
    let mins = (secs + 59) / 60;
    let (days, hours, mins) = (mins / 1440, mins / 60 % 24, mins % 60);
    if days > 0 {
        format!("in {days}d {hours}h")
    } else if hours > 0 {
        format!("in {hours}h {mins:02}m")
    } else {
        format!("in {mins}m")
    }
}

/// Easter Sunday (Gregorian) by the anonymous Meeus/Jones/Butcher algorithm.
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let (b, c) = (year.div_euclid(100), year.rem_euclid(100));
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    NaiveDate::from_ymd_opt(year, u32::try_from(n / 31).ok()?, u32::try_from(n % 31 + 1).ok()?)
}

/// Days from Easter Sunday of `date`'s year to `date`, if Easter can be computed.
fn from_easter(date: NaiveDate) -> Option<i64> {
    easter(date.year()).map(|e| (date - e).num_days())
}

fn add_days(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::days(n))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn listed(table: &[(&[Exchange], i32, u32, u32)], ex: Exchange, date: NaiveDate) -> bool {
    table
        .iter()
        .any(|&(exs, y, m, d)| exs.contains(&ex) && (date.year(), date.month(), date.day()) == (y, m, d))
}

/// Converts a local wall-clock time to UTC without panicking: an ambiguous time takes the
/// earlier instant; a nonexistent one (inside a spring-forward gap) is moved an hour on.
fn local_to_utc(tz: Tz, date: NaiveDate, (h, m): (u32, u32)) -> Option<DateTime<Utc>> {
    let local = date.and_time(NaiveTime::from_hms_opt(h, m, 0)?);
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&local.checked_add_signed(TimeDelta::hours(1))?).earliest())
        .map(|dt| dt.with_timezone(&Utc))
}

/// True if `date` is the fixed-date US holiday `month`/`day` of its year or the weekday it
/// is observed on (Saturday -> Friday, Sunday -> Monday). A Saturday New Year's Day would
/// be observed on Dec 31 of the previous year, which this never matches: the NYSE does not
/// observe it (rule 7.2: not when it ends a yearly accounting period).
fn us_fixed(date: NaiveDate, month: u32, day: u32) -> bool {
    let Some(fixed) = NaiveDate::from_ymd_opt(date.year(), month, day) else {
        return false;
    };
    let observed = match fixed.weekday() {
        Weekday::Sat => add_days(fixed, -1),
        Weekday::Sun => add_days(fixed, 1),
        _ => Some(fixed),
    };
    date == fixed || Some(date) == observed
}

/// NYSE/NASDAQ holidays (identical for both), valid from 2000 on.
fn us_holiday(date: NaiveDate) -> bool {
    let (m, d, wd) = (date.month(), date.day(), date.weekday());
    let monday = wd == Weekday::Mon;
    us_fixed(date, 1, 1) // New Year's Day
        || (m == 1 && monday && (15..=21).contains(&d)) // Martin Luther King Jr. Day
        || (m == 2 && monday && (15..=21).contains(&d)) // Washington's Birthday
        || from_easter(date) == Some(-2) // Good Friday
        || (m == 5 && monday && d >= 25) // Memorial Day
        || (date.year() >= 2022 && us_fixed(date, 6, 19)) // Juneteenth
        || us_fixed(date, 7, 4) // Independence Day
        || (m == 9 && monday && d <= 7) // Labor Day
        || (m == 11 && wd == Weekday::Thu && (22..=28).contains(&d)) // Thanksgiving
        || us_fixed(date, 12, 25) // Christmas Day
}

/// NYSE/NASDAQ 13:00 early closes (only meaningful on trading days).
fn us_early_close(date: NaiveDate) -> bool {
    let (y, m, d, wd) = (date.year(), date.month(), date.day(), date.weekday());
    let july = match (d, wd) {
        (3, Weekday::Mon | Weekday::Tue | Weekday::Thu) => true, // July 4 on Tue/Wed/Fri
        (3, Weekday::Wed) => y >= 2013,                          // July 4 on a Thursday, since 2013
        (5, Weekday::Fri) => y < 2013,                           // ... before 2013: the day after
        _ => false,
    };
    (m == 7 && july)
        || (m == 11 && wd == Weekday::Fri && (23..=29).contains(&d)) // day after Thanksgiving
        || (m == 12 && d == 24) // Christmas Eve (closed outright when Christmas is a Saturday)
}

/// Nasdaq Stockholm full-day closures.
fn stockholm_holiday(date: NaiveDate) -> bool {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let easter_offset = from_easter(date);
    matches!((m, d), (1, 1) | (1, 6) | (5, 1) | (12, 24) | (12, 25) | (12, 26) | (12, 31))
        || matches!(easter_offset, Some(-2 | 1 | 39)) // Good Friday, Easter Monday, Ascension
        || (y <= 2004 && easter_offset == Some(50)) // Whit Monday, until 2004
        || (y >= 2005 && (m, d) == (6, 6)) // National Day, from 2005
        || (m == 6 && date.weekday() == Weekday::Fri && (19..=25).contains(&d)) // Midsummer Eve
}

/// Nasdaq Stockholm half days closing at 13:00 (only meaningful on trading days).
fn stockholm_half_day(date: NaiveDate) -> bool {
    let (m, d) = (date.month(), date.day());
    let all_saints_eve = date.weekday() == Weekday::Fri && ((m == 10 && d >= 30) || (m == 11 && d <= 5));
    matches!((m, d), (1, 5) | (4, 30)) // Epiphany eve, Walpurgis Night
        || matches!(from_easter(date), Some(-3 | 38)) // Maundy Thursday, Ascension eve
        || all_saints_eve
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn holidays(ex: Exchange, year: i32) -> Vec<NaiveDate> {
        let mut d = day(year, 1, 1);
        let mut out = Vec::new();
        while d.year() == year {
            if ex.is_holiday(d) && !is_weekend(d) {
                out.push(d);
            }
            d = d.succ_opt().unwrap();
        }
        out
    }

    fn early_closes(ex: Exchange, year: i32) -> Vec<NaiveDate> {
        let mut d = day(year, 1, 1);
        let mut out = Vec::new();
        while d.year() == year {
            if ex.is_early_close(d) {
                out.push(d);
            }
            d = d.succ_opt().unwrap();
        }
        out
    }

    #[test]
    fn easter_known_years() {
        assert_eq!(easter(2000), Some(day(2000, 4, 23)));
        assert_eq!(easter(2024), Some(day(2024, 3, 31)));
        assert_eq!(easter(2025), Some(day(2025, 4, 20)));
        assert_eq!(easter(2026), Some(day(2026, 4, 5)));
        assert_eq!(easter(2027), Some(day(2027, 3, 28)));
        assert_eq!(easter(2038), Some(day(2038, 4, 25)));
        assert_eq!(easter(2100), Some(day(2100, 3, 28)));
    }

    #[test]
    fn nyse_holidays_2026() {
        let expected = [
            day(2026, 1, 1),
            day(2026, 1, 19),
            day(2026, 2, 16),
            day(2026, 4, 3),
            day(2026, 5, 25),
            day(2026, 6, 19),
            day(2026, 7, 3),
            day(2026, 9, 7),
            day(2026, 11, 26),
            day(2026, 12, 25),
        ];
        assert_eq!(holidays(Exchange::Nyse, 2026), expected);
        assert_eq!(holidays(Exchange::Nasdaq, 2026), expected);
    }

    #[test]
    fn nyse_holidays_2024_and_2021() {
        let h2024 = [(1, 1), (1, 15), (2, 19), (3, 29), (5, 27), (6, 19), (7, 4), (9, 2), (11, 28), (12, 25)];
        let expected: Vec<_> = h2024.iter().map(|&(m, d)| day(2024, m, d)).collect();
        assert_eq!(holidays(Exchange::Nyse, 2024), expected);
        // 2021: no Juneteenth yet; July 4 and Christmas observed on Mon Jul 5 and Fri Dec 24.
        let h2021 = [(1, 1), (1, 18), (2, 15), (4, 2), (5, 31), (7, 5), (9, 6), (11, 25), (12, 24)];
        let expected: Vec<_> = h2021.iter().map(|&(m, d)| day(2021, m, d)).collect();
        assert_eq!(holidays(Exchange::Nasdaq, 2021), expected);
    }

    #[test]
    fn nyse_holidays_2025_include_carter_mourning_day() {
        let h = holidays(Exchange::Nyse, 2025);
        assert_eq!(h.len(), 11);
        assert!(h.contains(&day(2025, 1, 9)));
        assert!(Exchange::Nasdaq.is_holiday(day(2025, 1, 9)));
        assert!(!Exchange::Stockholm.is_holiday(day(2025, 1, 9)));
        assert_eq!(Exchange::Nyse.session(day(2025, 1, 9)), None);
    }

    #[test]
    fn stockholm_holidays_2026() {
        let expected = [
            day(2026, 1, 1),
            day(2026, 1, 6),
            day(2026, 4, 3),
            day(2026, 4, 6),
            day(2026, 5, 1),
            day(2026, 5, 14),
            day(2026, 6, 19),
            day(2026, 12, 24),
            day(2026, 12, 25),
            day(2026, 12, 31),
        ];
        assert_eq!(holidays(Exchange::Stockholm, 2026), expected);
        // National Day and Boxing Day fall on Saturdays in 2026 but are still holidays.
        assert!(Exchange::Stockholm.is_holiday(day(2026, 6, 6)));
        assert!(Exchange::Stockholm.is_holiday(day(2026, 12, 26)));
    }

    #[test]
    fn stockholm_holidays_2024_match_published_list() {
        let expected = [
            day(2024, 1, 1),
            day(2024, 3, 29),
            day(2024, 4, 1),
            day(2024, 5, 1),
            day(2024, 5, 9),
            day(2024, 6, 6),
            day(2024, 6, 21),
            day(2024, 12, 24),
            day(2024, 12, 25),
            day(2024, 12, 26),
            day(2024, 12, 31),
        ];
        assert_eq!(holidays(Exchange::Stockholm, 2024), expected);
    }

    #[test]
    fn stockholm_whit_monday_before_2005_national_day_after() {
        assert!(Exchange::Stockholm.is_holiday(day(2004, 5, 31)));
        assert!(!Exchange::Stockholm.is_holiday(day(2004, 6, 7)));
        assert!(!Exchange::Stockholm.is_holiday(day(2003, 6, 6)));
        assert!(Exchange::Stockholm.is_holiday(day(2005, 6, 6)));
        assert!(!Exchange::Stockholm.is_holiday(day(2005, 5, 16)));
    }

    #[test]
    fn midsummer_eve_is_friday_between_19_and_25_june() {
        assert!(Exchange::Stockholm.is_holiday(day(2024, 6, 21)));
        assert!(Exchange::Stockholm.is_holiday(day(2021, 6, 25)));
        assert!(Exchange::Stockholm.is_holiday(day(2026, 6, 19)));
        assert!(!Exchange::Stockholm.is_holiday(day(2021, 6, 18)));
        assert!(!Exchange::Nyse.is_holiday(day(2024, 6, 21)));
    }

    #[test]
    fn us_new_year_on_saturday_is_not_observed_on_friday() {
        assert!(Exchange::Nyse.is_trading_day(day(2021, 12, 31)));
        assert!(Exchange::Nyse.is_holiday(day(2023, 1, 2))); // Jan 1 2023 was a Sunday
        assert!(Exchange::Nyse.is_trading_day(day(2022, 1, 3)));
    }

    #[test]
    fn us_saturday_and_sunday_holidays_are_observed() {
        assert!(Exchange::Nyse.is_holiday(day(2021, 12, 24))); // Christmas on Saturday
        assert!(!Exchange::Nyse.is_early_close(day(2021, 12, 24)));
        assert!(Exchange::Nyse.is_holiday(day(2022, 12, 26))); // Christmas on Sunday
        assert!(Exchange::Nyse.is_holiday(day(2021, 7, 5))); // July 4 on Sunday
        assert!(Exchange::Nyse.is_holiday(day(2026, 7, 3))); // July 4 on Saturday
    }

    #[test]
    fn juneteenth_from_2022_with_observance() {
        assert!(!Exchange::Nyse.is_holiday(day(2021, 6, 18)));
        assert!(Exchange::Nyse.is_holiday(day(2022, 6, 20))); // Sunday -> Monday
        assert!(Exchange::Nyse.is_holiday(day(2027, 6, 18))); // Saturday -> Friday
        assert!(Exchange::Nasdaq.is_holiday(day(2024, 6, 19)));
    }

    #[test]
    fn us_one_off_closures() {
        for d in [day(2001, 9, 11), day(2001, 9, 14), day(2004, 6, 11), day(2012, 10, 30), day(2018, 12, 5)] {
            assert!(Exchange::Nyse.is_holiday(d), "{d}");
            assert!(Exchange::Nasdaq.is_holiday(d), "{d}");
        }
        assert!(Exchange::Nyse.is_trading_day(day(2001, 9, 17)));
    }

    #[test]
    fn nyse_early_closes_by_year() {
        assert_eq!(early_closes(Exchange::Nyse, 2026), [day(2026, 11, 27), day(2026, 12, 24)]);
        assert_eq!(
            early_closes(Exchange::Nyse, 2025),
            [day(2025, 7, 3), day(2025, 11, 28), day(2025, 12, 24)]
        );
        assert_eq!(
            early_closes(Exchange::Nyse, 2024),
            [day(2024, 7, 3), day(2024, 11, 29), day(2024, 12, 24)]
        );
        assert_eq!(early_closes(Exchange::Nyse, 2022), [day(2022, 11, 25)]);
        assert_eq!(early_closes(Exchange::Nasdaq, 2023), [day(2023, 7, 3), day(2023, 11, 24)]);
    }

    #[test]
    fn july_fourth_on_thursday_before_2013_closed_early_on_fifth() {
        assert!(!Exchange::Nyse.is_early_close(day(2002, 7, 3)));
        assert!(Exchange::Nyse.is_early_close(day(2002, 7, 5)));
        assert!(Exchange::Nyse.is_early_close(day(2013, 7, 3)));
        assert!(!Exchange::Nyse.is_early_close(day(2013, 7, 5)));
        assert!(Exchange::Nyse.is_early_close(day(2003, 12, 26)));
    }

    #[test]
    fn nyse_day_after_thanksgiving_closes_at_1800_utc() {
        let (open, close) = Exchange::Nyse.session(day(2026, 11, 27)).unwrap();
        assert_eq!(open, utc(2026, 11, 27, 14, 30));
        assert_eq!(close, utc(2026, 11, 27, 18, 0));
    }

    #[test]
    fn stockholm_half_days_2026() {
        let expected =
            [day(2026, 1, 5), day(2026, 4, 2), day(2026, 4, 30), day(2026, 5, 13), day(2026, 10, 30)];
        assert_eq!(early_closes(Exchange::Stockholm, 2026), expected);
        let (_, close) = Exchange::Stockholm.session(day(2026, 4, 2)).unwrap();
        assert_eq!(close, utc(2026, 4, 2, 11, 0)); // 13:00 CEST
    }

    #[test]
    fn stockholm_half_days_2024_match_published_list() {
        let expected =
            [day(2024, 1, 5), day(2024, 3, 28), day(2024, 4, 30), day(2024, 5, 8), day(2024, 11, 1)];
        assert_eq!(early_closes(Exchange::Stockholm, 2024), expected);
    }

    #[test]
    fn dst_gap_weeks_in_march_2026() {
        // Before the US switch (Mar 8): NYSE 14:30 UTC, Stockholm 08:00 UTC.
        assert_eq!(Exchange::Nyse.session(day(2026, 3, 6)).unwrap().0, utc(2026, 3, 6, 14, 30));
        assert_eq!(Exchange::Stockholm.session(day(2026, 3, 6)).unwrap().0, utc(2026, 3, 6, 8, 0));
        // Between Mar 8 and Mar 29: NYSE 13:30 UTC, Stockholm still 08:00 UTC.
        for d in [day(2026, 3, 9), day(2026, 3, 18), day(2026, 3, 27)] {
            assert_eq!(Exchange::Nyse.session(d).unwrap(), (d_utc(d, 13, 30), d_utc(d, 20, 0)));
            assert_eq!(Exchange::Stockholm.session(d).unwrap(), (d_utc(d, 8, 0), d_utc(d, 16, 30)));
        }
        // After the EU switch (Mar 29): Stockholm 07:00 UTC.
        assert_eq!(Exchange::Stockholm.session(day(2026, 3, 30)).unwrap().0, utc(2026, 3, 30, 7, 0));
        assert_eq!(Exchange::Nyse.session(day(2026, 3, 30)).unwrap().0, utc(2026, 3, 30, 13, 30));
    }

    fn d_utc(d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
        utc(d.year(), d.month(), d.day(), h, m)
    }

    #[test]
    fn dst_gap_week_in_autumn_2026() {
        // EU back to CET on Oct 25, US back to EST on Nov 1.
        assert_eq!(Exchange::Stockholm.session(day(2026, 10, 23)).unwrap().0, utc(2026, 10, 23, 7, 0));
        assert_eq!(Exchange::Stockholm.session(day(2026, 10, 26)).unwrap().0, utc(2026, 10, 26, 8, 0));
        assert_eq!(Exchange::Nyse.session(day(2026, 10, 26)).unwrap().0, utc(2026, 10, 26, 13, 30));
        assert_eq!(Exchange::Nyse.session(day(2026, 11, 2)).unwrap().0, utc(2026, 11, 2, 14, 30));
    }

    #[test]
    fn local_times_in_dst_gap_and_overlap_do_not_fail() {
        let tz = Exchange::Stockholm.tz();
        // 02:30 does not exist on 2026-03-29 in Stockholm: moved to 03:30 CEST = 01:30 UTC.
        assert_eq!(local_to_utc(tz, day(2026, 3, 29), (2, 30)), Some(utc(2026, 3, 29, 1, 30)));
        // 02:30 happens twice on 2026-10-25: the earlier (CEST) instant is taken.
        assert_eq!(local_to_utc(tz, day(2026, 10, 25), (2, 30)), Some(utc(2026, 10, 25, 0, 30)));
    }

    #[test]
    fn status_exactly_at_open_is_open_and_at_close_is_closed() {
        let ex = Exchange::Nyse;
        let at_open = ex.status(utc(2026, 3, 9, 13, 30));
        assert_eq!(at_open, MarketHours { open: true, next_change: utc(2026, 3, 9, 20, 0) });
        assert_eq!(at_open.phase(), Phase::Open);
        let before = ex.status(utc(2026, 3, 9, 13, 29));
        assert_eq!(before, MarketHours { open: false, next_change: utc(2026, 3, 9, 13, 30) });
        let at_close = ex.status(utc(2026, 3, 9, 20, 0));
        assert_eq!(at_close, MarketHours { open: false, next_change: utc(2026, 3, 10, 13, 30) });
        assert_eq!(at_close.phase(), Phase::Closed);
    }

    #[test]
    fn status_on_early_close_day() {
        let ex = Exchange::Nyse;
        assert_eq!(ex.status(utc(2026, 11, 27, 17, 59)).next_change, utc(2026, 11, 27, 18, 0));
        let after = ex.status(utc(2026, 11, 27, 18, 0));
        assert!(!after.open);
        assert_eq!(after.next_change, utc(2026, 11, 30, 14, 30));
    }

    #[test]
    fn next_open_across_weekend() {
        let friday_close = utc(2026, 3, 13, 20, 0);
        assert_eq!(Exchange::Nyse.next_open(friday_close), Some(utc(2026, 3, 16, 13, 30)));
        // Saturday 23:30 UTC is already Sunday in Stockholm; next open is Monday 09:00 CET.
        assert_eq!(Exchange::Stockholm.next_open(utc(2026, 3, 14, 23, 30)), Some(utc(2026, 3, 16, 8, 0)));
    }

    #[test]
    fn next_open_across_stockholm_easter() {
        let ex = Exchange::Stockholm;
        // Maundy Thursday closes 13:00 CEST; next open is Tuesday after Easter Monday.
        let s = ex.status(utc(2026, 4, 2, 10, 59));
        assert_eq!(s, MarketHours { open: true, next_change: utc(2026, 4, 2, 11, 0) });
        let s = ex.status(utc(2026, 4, 2, 11, 0));
        assert_eq!(s, MarketHours { open: false, next_change: utc(2026, 4, 7, 7, 0) });
        assert_eq!(ex.next_open(utc(2026, 4, 4, 12, 0)), Some(utc(2026, 4, 7, 7, 0)));
    }

    #[test]
    fn next_open_across_stockholm_christmas_and_new_year() {
        let ex = Exchange::Stockholm;
        assert_eq!(ex.next_open(utc(2026, 12, 23, 16, 30)), Some(utc(2026, 12, 28, 8, 0)));
        assert_eq!(ex.next_open(utc(2026, 12, 30, 16, 30)), Some(utc(2027, 1, 4, 8, 0)));
    }

    #[test]
    fn next_open_while_open_is_next_day() {
        assert_eq!(Exchange::Nasdaq.next_open(utc(2026, 3, 9, 15, 0)), Some(utc(2026, 3, 10, 13, 30)));
        // Before the open on a trading day it is that day's open.
        assert_eq!(Exchange::Nasdaq.next_open(utc(2026, 3, 9, 4, 0)), Some(utc(2026, 3, 9, 13, 30)));
        // Exactly at an open, the next open is the following day's ("strictly after").
        assert_eq!(Exchange::Nasdaq.next_open(utc(2026, 3, 9, 13, 30)), Some(utc(2026, 3, 10, 13, 30)));
    }

    #[test]
    fn local_date_not_utc_date_picks_the_session() {
        // 2026-03-10 02:00 UTC is still Monday 22:00 in New York: next open is Tuesday's.
        let s = Exchange::Nyse.status(utc(2026, 3, 10, 2, 0));
        assert_eq!(s, MarketHours { open: false, next_change: utc(2026, 3, 10, 13, 30) });
    }

    #[test]
    fn until_label_formats() {
        let t = utc(2026, 3, 9, 12, 0);
        let s = |secs: i64| until_label(t, t + TimeDelta::seconds(secs));
        assert_eq!(s(0), "now");
        assert_eq!(s(-5), "now");
        assert_eq!(s(1), "in <1m");
        assert_eq!(s(59), "in <1m");
        assert_eq!(s(60), "in 1m");
        assert_eq!(s(61), "in 2m");
        assert_eq!(s(45 * 60), "in 45m");
        assert_eq!(s(59 * 60 + 1), "in 1h 00m");
        assert_eq!(s(3 * 3600 + 5 * 60), "in 3h 05m");
        assert_eq!(s(3 * 3600 + 4 * 60 + 1), "in 3h 05m");
        assert_eq!(s(2 * 86400 + 4 * 3600), "in 2d 4h");
        assert_eq!(s(2 * 86400 + 4 * 3600 + 59 * 60), "in 2d 4h");
        assert_eq!(s(86400), "in 1d 0h");
    }

    #[test]
    fn from_yahoo_codes_and_suffix() {
        assert_eq!(Exchange::from_yahoo("STO", "VOLV-B.ST"), Some(Exchange::Stockholm));
        for code in ["NMS", "NGM", "NCM", "NASDAQ", "NasdaqGS", "nasdaqcm"] {
            assert_eq!(Exchange::from_yahoo(code, "AAPL"), Some(Exchange::Nasdaq), "{code}");
        }
        for code in ["NYQ", "NYSE", "ASE", "PCX"] {
            assert_eq!(Exchange::from_yahoo(code, "IBM"), Some(Exchange::Nyse), "{code}");
        }
        assert_eq!(Exchange::from_yahoo("", "ERIC-B.ST"), Some(Exchange::Stockholm));
        assert_eq!(Exchange::from_yahoo("XYZ", "evo.st"), Some(Exchange::Stockholm));
        assert_eq!(Exchange::from_yahoo("", "AAPL"), None);
        assert_eq!(Exchange::from_yahoo("LSE", "VOD.L"), None);
    }

    #[test]
    fn parse_label_and_tz() {
        assert_eq!(Exchange::parse("Stockholm"), Some(Exchange::Stockholm));
        assert_eq!(Exchange::parse("STO"), Some(Exchange::Stockholm));
        assert_eq!(Exchange::parse(" nasdaq "), Some(Exchange::Nasdaq));
        assert_eq!(Exchange::parse("NYSE"), Some(Exchange::Nyse));
        assert_eq!(Exchange::parse("lse"), None);
        let labels: Vec<_> = Exchange::ALL.iter().map(|e| e.label()).collect();
        assert_eq!(labels, ["Stockholm", "NASDAQ", "NYSE"]);
        assert_eq!(Exchange::Stockholm.tz(), chrono_tz::Europe::Stockholm);
        assert_eq!(Exchange::Nyse.tz(), chrono_tz::America::New_York);
    }

    #[test]
    fn every_year_2000_to_2100_has_sane_calendars() {
        for ex in Exchange::ALL {
            for year in 2000..=2100 {
                let n = holidays(ex, year).len();
                assert!((6..=15).contains(&n), "{ex:?} {year}: {n} weekday holidays");
                let mut d = day(year, 1, 1);
                while d.year() == year {
                    if let Some((open, close)) = ex.session(d) {
                        assert!(open < close, "{ex:?} {d}");
                        assert_eq!(open.with_timezone(&ex.tz()).date_naive(), d);
                    }
                    d = d.succ_opt().unwrap();
                }
                assert!(ex.next_open(utc(year, 12, 23, 12, 0)).is_some(), "{ex:?} {year}");
            }
        }
    }
}
