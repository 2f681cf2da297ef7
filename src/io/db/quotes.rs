//! Quotes in the store: the last one per ticker (shown at once on the next start, marked stale),
//! a price history (one point per trade time) and each session day's close, for charts; and when
//! each feed last answered.

use super::{Db, DbError, ms, time};
use crate::domain::{Cache, Quote};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// One day's closing price (the last price seen that day, `final` once the market closed).
#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    pub day: NaiveDate,
    pub close: f64,
    pub final_: bool,
}

impl Db {
    /// Keeps each quote as the ticker's latest, its price in the history (once per trade time)
    /// and as the close of `day`, its session day in the exchange's zone (final once closed).
    pub fn store_quotes(&mut self, quotes: &[(Quote, NaiveDate)]) -> Result<(), DbError> {
        let encoded: Vec<(String, &Quote, NaiveDate)> =
            quotes.iter().filter_map(|(q, day)| Some((serde_json::to_string(q).ok()?, q, *day))).collect();
        self.write(false, |tx| store_quotes_in(tx, &encoded))
    }

    /// Keeps each rate as its currency's latest to its base.
    pub fn store_fx(&mut self, rates: &[crate::portfolio::FxRate]) -> Result<(), DbError> {
        self.write(false, |tx| {
            let mut st = tx.prepare_cached(
                "INSERT INTO fx(currency, base, rate, as_of, source) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(currency, base) DO UPDATE SET rate = excluded.rate, as_of = excluded.as_of,
                   source = excluded.source WHERE excluded.as_of >= fx.as_of",
            )?;
            for r in rates.iter().filter(|r| r.rate.is_finite() && r.rate > 0.0) {
                st.execute(params![r.currency, r.base, r.rate, ms(r.as_of), r.source])?;
            }
            Ok(())
        })
    }

    /// Records that the feed at `url` answered at `at`.
    pub fn set_fetched(&mut self, url: &str, at: DateTime<Utc>) -> Result<(), DbError> {
        self.write(false, |tx| set_fetched_in(tx, url, at))
    }

    /// What the last session left: the latest quotes, the newest `window` headlines and when
    /// each feed answered, all cleaned again as from any file.
    pub fn cached(&self, window: usize) -> Result<Cache, DbError> {
        type Kept = (Vec<Quote>, BTreeMap<String, DateTime<Utc>>, Vec<crate::portfolio::FxRate>);
        let run = || -> rusqlite::Result<Kept> {
            let mut st = self.conn.prepare_cached("SELECT json FROM quotes ORDER BY symbol")?;
            let quotes = st
                .query_map([], |r| r.get::<_, String>(0))?
                .filter_map(|json| serde_json::from_str::<Quote>(&json.ok()?).ok())
                .collect();
            let mut st = self.conn.prepare_cached("SELECT url, at FROM feed_fetched")?;
            let fetched = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, time(r.get(1)?))))?
                .collect::<Result<_, _>>()?;
            let mut st = self.conn.prepare_cached("SELECT currency, base, rate, as_of, source FROM fx")?;
            let fx = st
                .query_map([], |r| {
                    Ok(crate::portfolio::FxRate {
                        currency: r.get(0)?,
                        base: r.get(1)?,
                        rate: r.get(2)?,
                        as_of: time(r.get(3)?),
                        source: r.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok((quotes, fetched, fx))
        };
        let (quotes, fetched, fx) = run().map_err(|e| self.err(e))?;
        // The window's text is cleaned as it is read; the quotes' here (the rates' codes as they
        // are restored).
        let cleaned =
            Cache { version: Cache::VERSION, saved_at: None, quotes, news: Vec::new(), fetched, fx }
                .sanitized();
        Ok(Cache { news: self.window(window)?, ..cleaned })
    }

    /// Ticker `symbol`'s closes, oldest first.
    pub fn closes(&self, symbol: &str) -> Result<Vec<Close>, DbError> {
        let run = || -> rusqlite::Result<Vec<Close>> {
            let mut st = self
                .conn
                .prepare_cached("SELECT day, close, final FROM daily_close WHERE symbol = ?1 ORDER BY day")?;
            let rows = st.query_map([symbol], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?, r.get::<_, bool>(2)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (day, close, final_) = row?;
                if let Ok(day) = day.parse() {
                    out.push(Close { day, close, final_ });
                }
            }
            Ok(out)
        };
        run().map_err(|e| self.err(e))
    }

    /// Ticker `symbol`'s prices at or after `since`, oldest first.
    pub fn ticks(&self, symbol: &str, since: DateTime<Utc>) -> Result<Vec<(DateTime<Utc>, f64)>, DbError> {
        let run = || -> rusqlite::Result<Vec<(DateTime<Utc>, f64)>> {
            let mut st = self.conn.prepare_cached(
                "SELECT at, price FROM quote_ticks WHERE symbol = ?1 AND at >= ?2 ORDER BY at",
            )?;
            let rows =
                st.query_map(params![symbol, ms(since)], |r| Ok((time(r.get(0)?), r.get::<_, f64>(1)?)))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }
}

/// [`Db::store_quotes`] within a transaction, the quotes already encoded.
pub(super) fn store_quotes_in(
    tx: &rusqlite::Transaction<'_>,
    encoded: &[(String, &Quote, NaiveDate)],
) -> rusqlite::Result<()> {
    let mut latest = tx.prepare_cached(
        "INSERT INTO quotes(symbol, json, at) VALUES (?1, ?2, ?3)
             ON CONFLICT(symbol) DO UPDATE SET json = excluded.json, at = excluded.at",
    )?;
    let mut tick =
        tx.prepare_cached("INSERT OR IGNORE INTO quote_ticks(symbol, at, price) VALUES (?1, ?2, ?3)")?;
    let mut close = tx.prepare_cached(
        "INSERT INTO daily_close(symbol, day, close, final) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(symbol, day) DO UPDATE SET close = excluded.close, final = excluded.final",
    )?;
    for (json, q, day) in encoded {
        if !q.price.is_finite() {
            continue;
        }
        latest.execute(params![q.symbol, json, ms(q.as_of)])?;
        tick.execute(params![q.symbol, ms(q.as_of), q.price])?;
        let closed = q.market_state == crate::domain::MarketState::Closed;
        close.execute(params![q.symbol, day.to_string(), q.price, closed])?;
    }
    Ok(())
}

/// [`Db::set_fetched`] within a transaction.
pub(super) fn set_fetched_in(
    tx: &rusqlite::Transaction<'_>,
    url: &str,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO feed_fetched(url, at) VALUES (?1, ?2)
         ON CONFLICT(url) DO UPDATE SET at = max(at, excluded.at)",
    )?
    .execute(params![url, ms(at)])
    .map(drop)
}

impl Db {
    /// Keeps a fetched series (the newest per symbol and range).
    pub fn store_series(&mut self, series: &crate::chart::Series) -> Result<(), DbError> {
        let json = serde_json::to_string(series)
            .map_err(|e| self.err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        self.write(false, |tx| {
            tx.prepare_cached(
                "INSERT INTO series(symbol, span, json, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(symbol, span) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at",
            )?
            .execute(rusqlite::params![series.symbol, series.span.key(), json, ms(series.fetched_at)])?;
            Ok(())
        })
    }

    /// The kept series of `symbol` over `span`, if any (one that does not read is none: it is
    /// fetched again). The caller cleans its text as it would a source's.
    pub fn series(
        &self,
        symbol: &str,
        span: crate::chart::Span,
    ) -> Result<Option<crate::chart::Series>, DbError> {
        let json: Option<String> = self
            .conn
            .prepare_cached("SELECT json FROM series WHERE symbol = ?1 AND span = ?2")
            .and_then(|mut st| st.query_row(rusqlite::params![symbol, span.key()], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        Ok(json
            .and_then(|j| serde_json::from_str::<crate::chart::Series>(&j).ok())
            .filter(|s| s.span == span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MarketState;
    use chrono::TimeZone;

    fn quote(price: f64, at: DateTime<Utc>, state: MarketState) -> Quote {
        Quote {
            symbol: "SIVE".into(),
            provider_symbol: "SIVE.ST".into(),
            price,
            previous_close: Some(10.0),
            change: None,
            change_pct: None,
            currency: "SEK".into(),
            exchange: "STO".into(),
            market_state: state,
            day_high: None,
            day_low: None,
            volume: None,
            series: vec![],
            as_of: at,
            source: "yahoo".into(),
            extended: None,
        }
    }

    #[test]
    fn every_fetch_keeps_the_price_and_the_days_close() {
        let tmp = tempfile::tempdir().unwrap();
        let mut db = Db::open(&tmp.path().join("c.db")).unwrap().db;
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let t = |h| Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).unwrap();
        db.store_quotes(&[(quote(11.0, t(9), MarketState::Regular), day)]).unwrap();
        db.store_quotes(&[(quote(11.0, t(9), MarketState::Regular), day)]).unwrap(); // same trade
        db.store_quotes(&[(quote(11.5, t(16), MarketState::Closed), day)]).unwrap();
        assert_eq!(db.ticks("SIVE", t(0)).unwrap(), [(t(9), 11.0), (t(16), 11.5)]);
        assert_eq!(db.closes("SIVE").unwrap(), [Close { day, close: 11.5, final_: true }]);
        let cache = db.cached(10).unwrap();
        assert_eq!(cache.quotes.len(), 1);
        assert_eq!(cache.quotes[0].price, 11.5);
        db.set_fetched("https://feed", t(10)).unwrap();
        db.set_fetched("https://feed", t(9)).unwrap(); // an older answer never moves it back
        assert_eq!(db.cached(10).unwrap().fetched["https://feed"], t(10));
    }
}
