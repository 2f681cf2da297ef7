//! Demo provider: recorded Yahoo chart JSON and RSS/Atom files from `assets/demo/`, embedded in the
//! binary and parsed by the same code as live data. The recordings are moved in time as they load,
//! so the demo never looks stale: the newest headline is an hour old (the recorded spacing kept)
//! and each quote is from its exchange's last completed session.

use super::{feed, yahoo};
use crate::action::Payload;
use crate::chart::{Series, Span};
use crate::config::FeedSpec;
use crate::domain::{Quote, TickerSpec};
use crate::hours::Exchange;
use chrono::{DateTime, Days, TimeDelta, Utc};
use std::sync::OnceLock;

/// Recorded chart responses, by provider symbol.
const CHARTS: &[(&str, &[u8])] = &[
    ("SIVE.ST", include_bytes!("../../../assets/demo/SIVE.ST.json")),
    ("AAOI", include_bytes!("../../../assets/demo/AAOI.json")),
    ("LITE", include_bytes!("../../../assets/demo/LITE.json")),
    ("COHR", include_bytes!("../../../assets/demo/COHR.json")),
    ("MTSI", include_bytes!("../../../assets/demo/MTSI.json")),
];

/// Recorded one-year daily charts (made up: `assets/demo/history/generate.py`), by provider symbol;
/// SOXX is the example thesis's benchmark.
const HISTORIES: &[(&str, &[u8])] = &[
    ("SIVE.ST", include_bytes!("../../../assets/demo/history/SIVE.ST-1y.json")),
    ("AAOI", include_bytes!("../../../assets/demo/history/AAOI-1y.json")),
    ("LITE", include_bytes!("../../../assets/demo/history/LITE-1y.json")),
    ("COHR", include_bytes!("../../../assets/demo/history/COHR-1y.json")),
    ("MTSI", include_bytes!("../../../assets/demo/history/MTSI-1y.json")),
    ("SOXX", include_bytes!("../../../assets/demo/history/SOXX-1y.json")),
];

/// Recorded feeds: (source name, url shown as `demo:<file>`, bytes).
const FEEDS: &[(&str, &str, &[u8])] = &[
    ("Sample: CPO wire", "demo:news-cpo.rss", include_bytes!("../../../assets/demo/news-cpo.rss")),
    (
        "Sample: ticker headlines",
        "demo:news-tickers.rss",
        include_bytes!("../../../assets/demo/news-tickers.rss"),
    ),
    (
        "Sample: supply chain",
        "demo:news-supply.atom",
        include_bytes!("../../../assets/demo/news-supply.atom"),
    ),
];

/// The demo's news sources, replacing the configured feeds in `--demo`.
pub fn feeds() -> Vec<FeedSpec> {
    FEEDS.iter().map(|(name, url, _)| FeedSpec { name: (*name).into(), url: (*url).into() }).collect()
}

/// The recorded chart of one ticker, moved to its exchange's last closed session.
pub fn quote(spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, String> {
    let (_, bytes) = CHARTS
        .iter()
        .find(|(sym, _)| *sym == spec.provider())
        .ok_or_else(|| format!("no recording of {}", spec.symbol))?;
    let mut q = yahoo::parse_chart(bytes, spec, "demo", now).map_err(|e| e.to_string())?;
    to_last_session(&mut q, now);
    Ok(q)
}

/// A recorded series for a detail view, moved in time as the quotes are: the daily bars onto
/// the exchange's trading days up to its last closed session (stamped at each day's open), the
/// intraday ones (the recorded day, for 1D and 5D) onto that session.
pub fn history(
    spec: &TickerSpec,
    span: Span,
    started: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Series, String> {
    let ex = spec.listing();
    let last = last_session(ex, now).ok_or("no recent session")?;
    let interval = span.interval(started, now.date_naive());
    if span.intraday() {
        let (_, bytes) = CHARTS.iter().find(|(sym, _)| *sym == spec.provider()).ok_or("no recording")?;
        let mut s = yahoo::parse_history(bytes, spec, span, interval, now).map_err(|e| e.to_string())?;
        let recorded = s.bars.last().map(|b| b.t.with_timezone(&ex.tz()).date_naive());
        let shift = recorded.and_then(|d| ex.session(d)).zip(ex.session(last)).map(|((a, _), (b, _))| b - a);
        for b in &mut s.bars {
            b.t = shift.and_then(|d| b.t.checked_add_signed(d)).unwrap_or(b.t);
        }
        s.source = "demo".into();
        return Ok(s);
    }
    let (_, bytes) =
        HISTORIES.iter().find(|(sym, _)| *sym == spec.provider()).ok_or("no recorded history")?;
    let mut s = yahoo::parse_history(bytes, spec, span, "1d", now).map_err(|e| e.to_string())?;
    // The i-th bar from the end goes to the i-th trading day back from the last session.
    for (b, d) in s.bars.iter_mut().rev().zip(sessions_back(ex, last)) {
        b.t = ex.session(d).map_or(b.t, |(open, _)| open);
    }
    let from = span.start(started, now.with_timezone(&ex.tz()).date_naive());
    s.bars.retain(|b| b.t.with_timezone(&ex.tz()).date_naive() >= from);
    if interval == "1wk" {
        s.bars = crate::chart::weekly(&s.bars, ex.tz());
    }
    s.interval = interval.to_string();
    s.source = "demo".into();
    Ok(s)
}

/// The day of `ex`'s last closed session.
fn last_session(ex: Exchange, now: DateTime<Utc>) -> Option<chrono::NaiveDate> {
    crate::chart::last_close(ex, now).map(|close| close.with_timezone(&ex.tz()).date_naive())
}

/// `ex`'s trading days from `last` backwards (`last` first).
fn sessions_back(ex: Exchange, last: chrono::NaiveDate) -> impl Iterator<Item = chrono::NaiveDate> {
    std::iter::successors(Some(last), move |d| {
        (1..10).filter_map(|n| d.checked_sub_days(Days::new(n))).find(|x| ex.is_trading_day(*x))
    })
}

/// The demo's catalyst hits: (catalyst, the exchange of the name it moves, its trading days
/// before the last close, the local hour, the note). The recorded histories react on that day
/// (`assets/demo/history/generate.py`, REACTIONS).
const HITS: &[(&str, Exchange, usize, u32, &str)] = &[
    (
        "aaoi-env-review",
        Exchange::Nasdaq,
        40,
        13,
        "sample: Texas permit review closed on schedule, AAOI says",
    ),
    (
        "sivers-position",
        Exchange::Stockholm,
        100,
        11,
        "sample: Sivers named CW-laser source for a CPO switch",
    ),
];

/// The demo's recorded catalyst hits as journal entries (by `demo`, uid `demo:<catalyst>`), at
/// the same trading day before the last close as the recorded price reaction; see
/// [`crate::db::Db::seed`].
pub fn hits(now: DateTime<Utc>) -> Vec<crate::journal::Entry> {
    HITS.iter()
        .filter_map(|&(id, ex, back, hour, note)| {
            let day = sessions_back(ex, last_session(ex, now)?).nth(back)?;
            let at = day.and_hms_opt(hour, 0, 0)?.and_local_timezone(ex.tz()).single()?;
            Some(crate::journal::Entry {
                uid: format!("demo:{id}"),
                at: at.with_timezone(&Utc),
                by: "demo".into(),
                what: crate::journal::What::Catalyst { id: id.into(), done: true },
                note: Some(note.into()),
            })
        })
        .collect()
}

/// Recorded rates: US dollars per unit of each currency (late November 2026, made up).
const USD_PER: &[(&str, f64)] = &[("USD", 1.0), ("SEK", 0.0952), ("EUR", 1.0550), ("TWD", 0.0309)];

/// A recorded rate of one unit of `currency` in `base` (crossed through the dollar), dated at
/// the last Stockholm close, as the SEK quote is.
pub fn fx(currency: &str, base: &str, now: DateTime<Utc>) -> Option<crate::portfolio::FxRate> {
    let usd = |c: &str| USD_PER.iter().find(|(k, _)| *k == c).map(|(_, v)| *v);
    let rate = usd(currency)? / usd(base)?;
    let as_of = crate::chart::last_close(Exchange::Stockholm, now)?;
    Some(crate::portfolio::FxRate {
        currency: currency.into(),
        base: base.into(),
        rate,
        as_of,
        source: "demo".into(),
    })
}

/// Parses one recorded feed (untagged; the caller tags), its dates moved so that the newest
/// headline of all recordings is an hour older than `now`.
pub fn news(spec: Option<&FeedSpec>, now: DateTime<Utc>) -> Result<Payload, String> {
    let spec = spec.ok_or("unknown demo feed")?;
    let (name, _, bytes) = FEEDS.iter().find(|(_, url, _)| *url == spec.url).ok_or("unknown demo feed")?;
    let mut items = feed::parse_feed(bytes, name, None).map_err(|e| e.to_string())?;
    if let Some(newest) = newest_recorded() {
        let shift = (now - TimeDelta::hours(1)) - newest;
        for item in &mut items {
            item.published = item.published.and_then(|p| p.checked_add_signed(shift));
        }
    }
    Ok(Payload::News(items))
}

/// The newest publication date across the recorded feeds (parsed once).
fn newest_recorded() -> Option<DateTime<Utc>> {
    static NEWEST: OnceLock<Option<DateTime<Utc>>> = OnceLock::new();
    *NEWEST.get_or_init(|| {
        FEEDS
            .iter()
            .filter_map(|(name, _, bytes)| feed::parse_feed(bytes, name, None).ok())
            .flatten()
            .filter_map(|n| n.published)
            .max()
    })
}

/// Moves a recorded quote to the last session of its exchange that has closed by `now`,
/// keeping its time relative to the close.
fn to_last_session(q: &mut Quote, now: DateTime<Utc>) {
    let Some(ex) = Exchange::from_yahoo(&q.exchange, &q.provider_symbol) else { return };
    let Some((_, recorded_close)) = ex.session(q.as_of.with_timezone(&ex.tz()).date_naive()) else {
        return;
    };
    let last_close = crate::chart::last_close(ex, now);
    if let Some(shifted) = last_close.and_then(|close| q.as_of.checked_add_signed(close - recorded_close)) {
        q.as_of = shifted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("valid time")
    }

    fn all_news(now: DateTime<Utc>) -> Vec<crate::domain::NewsItem> {
        feeds()
            .iter()
            .flat_map(|f| match news(Some(f), now) {
                Ok(Payload::News(items)) => items,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn the_newest_headline_is_an_hour_old_and_the_spacing_is_kept() {
        let (then, now) = (at(2026, 12, 3, 9, 0), at(2027, 6, 1, 12, 30));
        let (early, late) = (all_news(then), all_news(now));
        let newest = late.iter().filter_map(|n| n.published).max();
        assert_eq!(newest, Some(now - TimeDelta::hours(1)));
        for (a, b) in early.iter().zip(&late) {
            assert_eq!(a.title, b.title);
            assert_eq!(b.published.zip(a.published).map(|(b, a)| b - a), Some(now - then), "{}", a.title);
        }
    }

    #[test]
    fn quotes_are_from_the_last_closed_session() {
        let tickers = crate::config::embedded().map(|c| c.tickers).unwrap_or_default();
        // Wednesday 15:00 in New York: Stockholm has closed today, New York trades until 16:00,
        // so its last closed session is Tuesday's.
        let now = at(2026, 12, 2, 20, 0);
        let all = |now| tickers.iter().map(|t| quote(t, now)).collect::<Result<Vec<_>, _>>();
        let quotes = all(now).expect("demo quotes");
        assert_eq!(quotes.len(), 5);
        for q in &quotes {
            let ex = Exchange::from_yahoo(&q.exchange, &q.provider_symbol).expect("known exchange");
            let day = q.as_of.with_timezone(&ex.tz()).date_naive();
            let want = if ex == Exchange::Stockholm { "2026-12-02" } else { "2026-12-01" };
            assert_eq!(day.to_string(), want, "{}", q.symbol);
            assert!(q.as_of <= now, "{}", q.symbol);
            assert!(now - q.as_of < TimeDelta::days(1), "{} is {} old", q.symbol, now - q.as_of);
        }
        // After a weekend the last session is Friday's.
        let monday = at(2026, 12, 7, 8, 0);
        let after = all(monday).expect("demo quotes");
        let fri = chrono::NaiveDate::from_ymd_opt(2026, 12, 4);
        assert!(after.iter().all(|q| Some(q.as_of.date_naive()) == fri), "{after:?}");
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;
    use chrono::TimeZone;

    /// Every ticker and the benchmark have a recorded year, moved onto the exchange's trading
    /// days up to its last closed session; the shorter ranges are cut from it, five years fold
    /// into weeks, and the intraday ranges show the recorded session moved to the last one.
    #[test]
    fn recorded_histories_end_at_the_last_closed_session() {
        let config = crate::config::embedded().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let mut specs = config.tickers.clone();
        specs.extend(config.benchmark.clone());
        assert_eq!(specs.len(), 6);
        for spec in &specs {
            let ex = spec.listing();
            let year = history(spec, Span::Y1, None, now).unwrap();
            assert!(year.bars.len() >= 240, "{}: {}", spec.symbol, year.bars.len());
            let last = year.bars.last().unwrap().t.with_timezone(&ex.tz()).date_naive();
            assert_eq!(last.to_string(), "2026-12-02", "{}", spec.symbol);
            assert!(year.bars.iter().all(|b| ex.is_trading_day(b.t.with_timezone(&ex.tz()).date_naive())));
            let month = history(spec, Span::M1, None, now).unwrap();
            assert!((19..=23).contains(&month.bars.len()), "{}: {}", spec.symbol, month.bars.len());
            let five = history(spec, Span::Y5, None, now).unwrap();
            assert_eq!(five.interval, "1wk");
            assert!((50..=54).contains(&five.bars.len()), "{}: {}", spec.symbol, five.bars.len());
            // The benchmark has no recorded day.
            for span in [Span::D1, Span::D5].into_iter().filter(|_| spec.symbol != "SOXX") {
                let day = history(spec, span, None, now).unwrap();
                assert!(day.bars.len() > 70, "{}: {}", spec.symbol, day.bars.len());
                assert!(
                    day.bars.iter().all(|b| b.t.with_timezone(&ex.tz()).date_naive() == last),
                    "{}",
                    spec.symbol
                );
            }
            let since = history(spec, Span::Thesis, config.thesis_started, now).unwrap();
            let first = since.bars[0].t.with_timezone(&ex.tz()).date_naive();
            assert!(first >= chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(), "{first}");
        }
    }

    #[test]
    fn the_demo_hits_land_where_the_recorded_histories_react() {
        let config = crate::config::embedded().unwrap();
        // A Thursday, a Monday after a holiday weekend in neither place, and a summer day.
        for now in [
            Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 4, 8, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 7, 15, 20, 30, 0).unwrap(),
        ] {
            let hits = hits(now);
            assert_eq!(hits.len(), 2);
            for (hit, symbol, day1) in [(&hits[0], "AAOI", 11.2), (&hits[1], "SIVE", 16.3)] {
                let crate::journal::What::Catalyst { id, done: true } = &hit.what else { panic!() };
                assert!(config.catalysts.iter().any(|c| &c.id == id && c.tickers == [symbol]), "{id}");
                assert!(hit.at < now && hit.uid == format!("demo:{id}") && hit.by == "demo");
                let spec = config.tickers.iter().find(|t| t.symbol == symbol).unwrap();
                let year = history(spec, Span::Y1, None, now).unwrap();
                let r = crate::chart::reaction(&year.bars, spec.listing(), hit.at).unwrap();
                let got = r.day1.unwrap().pct;
                // The recorded closes are rounded to the cent (SIVE traded near 3 SEK then).
                assert!((got - day1).abs() < 0.5, "{symbol} at {}: {got}", hit.at);
                assert!(!r.day5.unwrap().partial);
            }
        }
    }
}
