//! Positions: lots per ticker (from the config and from the journal), and their value and P&L in
//! the ticker's currency and in the portfolio's base currency. A currency without a rate is
//! unknown, never taken as 1.0: whatever depends on it is `None`, and the totals say which
//! currencies are missing.

use crate::core::domain::Quote;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most shares in one lot, and the highest price or fee per lot (bounds on typed input).
pub const SHARES_MAX: f64 = 1e12;
pub const PRICE_MAX: f64 = 1e9;

/// One purchase: `shares` of `symbol` at `price` (the ticker's currency) on `date`, with `fees`
/// (same currency) paid on top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lot {
    pub symbol: String,
    pub shares: f64,
    pub price: f64,
    pub date: NaiveDate,
    #[serde(default)]
    pub fees: f64,
}

impl Lot {
    /// Why this lot cannot be kept, if it cannot: shares and price positive, fees not negative,
    /// all finite and bounded; the date not after `today`.
    pub fn problem(&self, today: NaiveDate) -> Option<String> {
        let ok = |v: f64, max: f64| v.is_finite() && v > 0.0 && v <= max;
        if !ok(self.shares, SHARES_MAX) {
            return Some(format!("shares must be a positive number up to {SHARES_MAX:e}"));
        }
        if !ok(self.price, PRICE_MAX) {
            return Some(format!("price must be a positive number up to {PRICE_MAX:e}"));
        }
        if !(self.fees.is_finite() && (0.0..=PRICE_MAX).contains(&self.fees)) {
            return Some("fees must be zero or a positive number".into());
        }
        if self.date > today {
            return Some(format!("date {} is in the future", self.date));
        }
        None
    }

    /// What was paid: shares at the price, plus fees.
    pub fn cost(&self) -> f64 {
        self.shares * self.price + self.fees
    }
}

/// A lot as held: where it comes from (`config` lots cannot be removed from the app) and its id
/// (`config:N`, or the journal entry that added it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Held {
    pub id: String,
    pub from_config: bool,
    #[serde(flatten)]
    pub lot: Lot,
}

/// One ticker's lots, valued at its quote, in the ticker's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holding {
    pub symbol: String,
    pub currency: String,
    pub shares: f64,
    /// What was paid, fees included.
    pub cost: f64,
    /// Shares at the last price; None without a quote.
    pub value: Option<f64>,
    /// Today's move of what is held: from the previous close, or from the price paid for a lot
    /// bought in the quote's session. None without a quote or its change.
    pub day: Option<f64>,
    /// Value minus cost.
    pub total: Option<f64>,
}

/// A rate to the base currency: one unit of `currency` is `rate` of the base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FxRate {
    pub currency: String,
    pub base: String,
    pub rate: f64,
    /// When the rate was set (the source's time), and who gave it.
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub source: String,
}

/// `amount` in `currency` expressed in `base`: itself for the base, through the rate otherwise,
/// None without one.
pub fn convert(amount: f64, currency: &str, base: &str, rates: &BTreeMap<String, FxRate>) -> Option<f64> {
    if currency.eq_ignore_ascii_case(base) {
        return Some(amount);
    }
    let r = rates.get(&currency.to_ascii_uppercase())?;
    (r.base.eq_ignore_ascii_case(base) && r.rate.is_finite() && r.rate > 0.0).then_some(amount * r.rate)
}

/// A ticker's holding from its lots and quote; `session` is the local date of the quote's
/// session (a lot bought that day counts its day's move from the price paid).
pub fn holding(
    symbol: &str,
    currency: &str,
    lots: &[&Lot],
    quote: Option<&Quote>,
    session: Option<NaiveDate>,
) -> Holding {
    let shares: f64 = lots.iter().map(|l| l.shares).sum();
    let cost: f64 = lots.iter().map(|l| l.cost()).sum();
    let price = quote.map(|q| q.price).filter(|p| p.is_finite() && *p > 0.0);
    let value = price.map(|p| p * shares);
    let day = price.and_then(|p| {
        let change = quote.and_then(|q| q.change).filter(|c| c.is_finite());
        lots.iter()
            .map(|l| {
                if session.is_some_and(|s| l.date >= s) {
                    Some(l.shares * (p - l.price))
                } else {
                    change.map(|c| l.shares * c)
                }
            })
            .sum::<Option<f64>>()
    });
    Holding {
        symbol: symbol.to_string(),
        currency: quote.map_or_else(|| currency.to_string(), |q| q.currency.clone()),
        shares,
        cost,
        value,
        day,
        total: value.map(|v| v - cost),
    }
}

/// The portfolio in the base currency.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Totals {
    pub base: String,
    pub value: Option<f64>,
    pub day: Option<f64>,
    pub total: Option<f64>,
    pub cost: Option<f64>,
    /// Currencies held without a rate to the base (their holdings make the totals unknown).
    pub missing_rates: Vec<String>,
}

/// The holdings summed in `base`; a holding without a price or a rate makes a sum unknown.
pub fn totals(holdings: &[Holding], base: &str, rates: &BTreeMap<String, FxRate>) -> Totals {
    let mut missing: Vec<String> = holdings
        .iter()
        .filter(|h| convert(1.0, &h.currency, base, rates).is_none())
        .map(|h| h.currency.to_ascii_uppercase())
        .collect();
    missing.sort();
    missing.dedup();
    let sum = |f: &dyn Fn(&Holding) -> Option<f64>| -> Option<f64> {
        holdings.iter().map(|h| convert(f(h)?, &h.currency, base, rates)).sum()
    };
    Totals {
        base: base.to_string(),
        value: sum(&|h| h.value),
        day: sum(&|h| h.day),
        total: sum(&|h| h.total),
        cost: sum(&|h| Some(h.cost)),
        missing_rates: missing,
    }
}

/// A holding in its currency and in the base, with its share of the portfolio: what `report`,
/// `snapshot` and `position list` print.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldingRow {
    #[serde(flatten)]
    pub holding: Holding,
    pub value_base: Option<f64>,
    pub day_base: Option<f64>,
    pub total_base: Option<f64>,
    /// Percent of the portfolio's value.
    pub weight: Option<f64>,
}

/// Positions as reported: each holding (both currencies), the totals, and the rates used with
/// their time.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Positions {
    pub holdings: Vec<HoldingRow>,
    pub totals: Totals,
    pub fx: Vec<FxRate>,
}

/// The holdings with their base-currency values and weights, the totals and the rates used.
pub fn positions(holdings: Vec<Holding>, base: &str, rates: &BTreeMap<String, FxRate>) -> Positions {
    let totals = totals(&holdings, base, rates);
    let used: Vec<FxRate> = rates
        .values()
        .filter(|r| holdings.iter().any(|h| h.currency.eq_ignore_ascii_case(&r.currency)))
        .cloned()
        .collect();
    let holdings = holdings
        .into_iter()
        .map(|h| {
            let base_of = |v: Option<f64>| convert(v?, &h.currency, base, rates);
            HoldingRow {
                value_base: base_of(h.value),
                day_base: base_of(h.day),
                total_base: base_of(h.total),
                weight: weight(&h, &totals, rates),
                holding: h,
            }
        })
        .collect();
    Positions { holdings, totals, fx: used }
}

/// A holding's share of the portfolio's value in `base`, in percent; None when either is unknown
/// or the portfolio is worth nothing.
pub fn weight(h: &Holding, totals: &Totals, rates: &BTreeMap<String, FxRate>) -> Option<f64> {
    let value = convert(h.value?, &h.currency, &totals.base, rates)?;
    let all = totals.value.filter(|v| *v > 0.0)?;
    Some(value / all * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::MarketState;
    use chrono::{TimeZone, Utc};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn lot(symbol: &str, shares: f64, price: f64, date: NaiveDate, fees: f64) -> Lot {
        Lot { symbol: symbol.into(), shares, price, date, fees }
    }

    fn quote(symbol: &str, price: f64, change: Option<f64>, currency: &str) -> Quote {
        Quote {
            symbol: symbol.into(),
            provider_symbol: symbol.into(),
            price,
            previous_close: change.map(|c| price - c),
            change,
            change_pct: None,
            currency: currency.into(),
            exchange: String::new(),
            market_state: MarketState::Regular,
            day_high: None,
            day_low: None,
            volume: None,
            series: Vec::new(),
            as_of: Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap(),
            source: "test".into(),
            extended: None,
        }
    }

    fn rate(currency: &str, rate: f64) -> (String, FxRate) {
        let as_of = Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap();
        (
            currency.into(),
            FxRate { currency: currency.into(), base: "USD".into(), rate, as_of, source: "t".into() },
        )
    }

    #[test]
    fn several_lots_with_fees_and_one_bought_today() {
        let a = lot("AAOI", 100.0, 20.0, day(10, 1), 5.0);
        let b = lot("AAOI", 50.0, 28.0, day(12, 3), 2.5);
        let q = quote("AAOI", 30.0, Some(-3.0), "USD");
        let h = holding("AAOI", "USD", &[&a, &b], Some(&q), Some(day(12, 3)));
        assert_eq!(h.shares, 150.0);
        assert_eq!(h.cost, 100.0 * 20.0 + 5.0 + 50.0 * 28.0 + 2.5);
        assert_eq!(h.value, Some(4500.0));
        // The old lot moved with the day (-3 a share); today's from the price paid (+2 a share).
        assert_eq!(h.day, Some(100.0 * -3.0 + 50.0 * 2.0));
        assert_eq!(h.total, Some(4500.0 - 3407.5));
    }

    #[test]
    fn without_a_quote_or_its_change_the_numbers_are_unknown() {
        let a = lot("LITE", 10.0, 100.0, day(6, 1), 0.0);
        let h = holding("LITE", "USD", &[&a], None, None);
        assert_eq!((h.value, h.day, h.total, h.cost), (None, None, None, 1000.0));
        let q = quote("LITE", 110.0, None, "USD");
        let h = holding("LITE", "USD", &[&a], Some(&q), Some(day(12, 3)));
        assert_eq!((h.value, h.day, h.total), (Some(1100.0), None, Some(100.0)));
    }

    #[test]
    fn totals_convert_each_currency_and_a_missing_rate_is_unknown_not_one() {
        let sive = lot("SIVE", 1000.0, 5.0, day(7, 1), 39.0);
        let aaoi = lot("AAOI", 10.0, 20.0, day(7, 1), 0.0);
        let hs = vec![
            holding("SIVE", "SEK", &[&sive], Some(&quote("SIVE", 8.0, Some(0.5), "SEK")), Some(day(12, 3))),
            holding("AAOI", "USD", &[&aaoi], Some(&quote("AAOI", 30.0, Some(-1.0), "USD")), Some(day(12, 3))),
        ];
        let none = BTreeMap::new();
        let t = totals(&hs, "USD", &none);
        assert_eq!((t.value, t.day, t.total), (None, None, None));
        assert_eq!(t.missing_rates, ["SEK"]);
        assert_eq!(weight(&hs[1], &t, &none), None);
        let rates: BTreeMap<_, _> = [rate("SEK", 0.1)].into_iter().collect();
        let t = totals(&hs, "USD", &rates);
        assert!(t.missing_rates.is_empty());
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(close(t.value, 8000.0 * 0.1 + 300.0), "{t:?}");
        assert!(close(t.day, 500.0 * 0.1 - 10.0), "{t:?}");
        assert!(close(t.total, (8000.0 - 5039.0) * 0.1 + 100.0), "{t:?}");
        assert!(close(t.cost, 5039.0 * 0.1 + 200.0), "{t:?}");
        assert!(close(weight(&hs[0], &t, &rates), 800.0 / 1100.0 * 100.0));
        // A rate to another base is no rate.
        let mut eur = rates.clone();
        eur.get_mut("SEK").unwrap().base = "EUR".into();
        assert_eq!(totals(&hs, "USD", &eur).missing_rates, ["SEK"]);
        assert_eq!(convert(5.0, "usd", "USD", &none), Some(5.0), "the base needs no rate");
    }

    #[test]
    fn lots_are_checked_before_they_are_kept() {
        let today = day(12, 3);
        assert_eq!(lot("A", 1.0, 1.0, today, 0.0).problem(today), None);
        for (bad, why) in [
            (lot("A", 0.0, 1.0, today, 0.0), "shares"),
            (lot("A", f64::NAN, 1.0, today, 0.0), "shares"),
            (lot("A", 1.0, -1.0, today, 0.0), "price"),
            (lot("A", 1.0, f64::INFINITY, today, 0.0), "price"),
            (lot("A", 1.0, 1.0, today, -0.5), "fees"),
            (lot("A", 1.0, 1.0, day(12, 4), 0.0), "future"),
        ] {
            assert!(bad.problem(today).is_some_and(|p| p.contains(why)), "{bad:?}");
        }
    }
}
