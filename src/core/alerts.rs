//! Alerts set in config (`[[alerts]]`): a ticker's day move beyond N %, a price crossing a level,
//! a new headline matching a catalyst or risk. A fired alert stays in the list until acknowledged.
//! Each event has a key, remembered in the state file, so the same event never fires twice, even
//! after a restart; crossing levels remember which side the price was on.

use crate::core::domain::{NewsItem, Quote, ThesisItem, TickerSpec, UserState};
use crate::core::evidence::Kind;
use crate::core::journal::Change;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::Spanned;

/// Active (unacknowledged) alerts kept; older ones drop off.
pub const MAX_ACTIVE: usize = 100;
/// Event keys remembered; keys start with the event's date, so the oldest are dropped first.
pub const MAX_KEYS: usize = 5_000;
/// A headline older than this is not news enough to alert on.
pub const HEADLINE_WINDOW: TimeDelta = TimeDelta::hours(48);

/// One `[[alerts]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlert {
    ticker: Option<String>,
    move_pct: Option<f64>,
    above: Option<f64>,
    below: Option<f64>,
    catalyst: Option<String>,
    risk: Option<String>,
}

/// What an alert watches.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The day change beyond `pct` percent, either way.
    Move { ticker: String, pct: f64 },
    /// The price crossing up through `level`.
    Above { ticker: String, level: f64 },
    /// The price crossing down through `level`.
    Below { ticker: String, level: f64 },
    /// A new headline linked to the catalyst or risk `id`.
    Headline { kind: Kind, id: String },
}

/// A fired alert, persisted until acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The event's key (also in `UserState::alert_keys`).
    pub key: String,
    pub text: String,
    pub at: DateTime<Utc>,
    /// The ticker row to highlight, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    /// The catalyst (`c:ID`) or risk (`r:ID`) row to highlight, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thesis: Option<String>,
}

/// Validates the raw entries: exactly one trigger each, known ids, finite positive numbers.
/// Errors come back with the entry's span for `path:line:col`.
pub(crate) fn rules(
    raw: &[Spanned<RawAlert>],
    tickers: &[Spanned<TickerSpec>],
    catalysts: &[Spanned<ThesisItem>],
    risks: &[Spanned<ThesisItem>],
) -> (Vec<Rule>, Vec<(Range<usize>, String)>) {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let known =
        |list: &[Spanned<ThesisItem>], id: &str| list.iter().any(|t| t.get_ref().id.eq_ignore_ascii_case(id));
    for entry in raw {
        let a = entry.get_ref();
        let mut err = |m: String| errors.push((entry.span(), m));
        let ticker = a.ticker.as_deref().map(|t| {
            tickers
                .iter()
                .map(|s| &s.get_ref().symbol)
                .find(|s| s.eq_ignore_ascii_case(t))
                .cloned()
                .ok_or_else(|| format!("alert: unknown ticker `{t}`"))
        });
        let numbers = [("move_pct", a.move_pct), ("above", a.above), ("below", a.below)];
        let set: Vec<(&str, f64)> = numbers.iter().filter_map(|(n, v)| v.map(|v| (*n, v))).collect();
        let triggers = set.len() + usize::from(a.catalyst.is_some()) + usize::from(a.risk.is_some());
        if triggers != 1 {
            err("alert: give exactly one of move_pct, above, below (with ticker), catalyst, risk".into());
            continue;
        }
        if let Some((name, v)) = set.first() {
            let ticker = match ticker {
                Some(Ok(t)) => t,
                Some(Err(m)) => {
                    err(m);
                    continue;
                }
                None => {
                    err(format!("alert: {name} needs a ticker"));
                    continue;
                }
            };
            if !v.is_finite() || *v <= 0.0 {
                err(format!("alert: {name} must be a positive number"));
                continue;
            }
            out.push(match *name {
                "move_pct" => Rule::Move { ticker, pct: *v },
                "above" => Rule::Above { ticker, level: *v },
                _ => Rule::Below { ticker, level: *v },
            });
            continue;
        }
        if ticker.is_some() {
            err("alert: a catalyst or risk alert takes no ticker".into());
            continue;
        }
        let (kind, id, list) = match (&a.catalyst, &a.risk) {
            (Some(id), _) => (Kind::Catalyst, id, catalysts),
            (_, Some(id)) => (Kind::Risk, id, risks),
            _ => continue,
        };
        if known(list, id) {
            out.push(Rule::Headline { kind, id: id.to_ascii_lowercase() });
        } else {
            let what = if kind == Kind::Catalyst { "catalyst" } else { "risk" };
            err(format!("alert: unknown {what} `{id}`"));
        }
    }
    (out, errors)
}

/// Checks fresh quotes against the ticker rules, applying what changed (alerts fired, level
/// sides) to `user`; returns those changes, for the store.
pub fn check_quotes(
    rules: &[Rule],
    quotes: &[Quote],
    user: &mut UserState,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for rule in rules {
        let (Rule::Move { ticker, .. } | Rule::Above { ticker, .. } | Rule::Below { ticker, .. }) = rule
        else {
            continue;
        };
        let Some(q) = quotes.iter().find(|q| &q.symbol == ticker) else { continue };
        let day = q.as_of.format("%Y-%m-%d");
        let event = match rule {
            Rule::Move { pct, .. } => q.change_pct.filter(|c| c.abs() > *pct).map(|c| {
                let key = format!("{day}|move|{ticker}|{pct}");
                (key, format!("{ticker} moved {c:+.1}% today (alert beyond {pct}%)"))
            }),
            Rule::Above { level, .. } | Rule::Below { level, .. } => {
                let up = matches!(rule, Rule::Above { .. });
                let side_key = format!("{ticker}|{}|{level}", if up { "above" } else { "below" });
                let now_beyond = if up { q.price > *level } else { q.price < *level };
                let was_beyond = user.level_sides.get(&side_key).copied();
                if was_beyond != Some(now_beyond) {
                    let side = Change::Side { key: side_key.clone(), beyond: now_beyond };
                    user.apply(&side);
                    out.push(side);
                }
                // Only a change of side fires; the first reading just records the side.
                (was_beyond == Some(false) && now_beyond).then(|| {
                    let dir = if up { "above" } else { "below" };
                    let key = format!("{day}|{side_key}|{}", q.as_of.timestamp());
                    (key, format!("{ticker} crossed {dir} {level} (now {})", q.price))
                })
            }
            Rule::Headline { .. } => None,
        };
        if let Some((key, text)) = event {
            out.extend(fire(user, key, text, Some(ticker.clone()), None, now));
        }
    }
    out
}

/// A holding's share of the portfolio against its `[portfolio] max_weight`: an alert when it
/// grows past it (also at the first reading, unlike a price level: being over the limit is the
/// news), once per crossing; the side is kept, so a restart on the same side is quiet.
/// `weights` are (ticker, percent now, most percent).
pub fn check_weights(
    weights: &[(String, f64, f64)],
    user: &mut UserState,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for (ticker, weight, max) in weights {
        let side_key = format!("{ticker}|weight|{max}");
        let beyond = weight > max;
        let was = user.level_sides.get(&side_key).copied();
        if was == Some(beyond) {
            continue;
        }
        let side = Change::Side { key: side_key.clone(), beyond };
        user.apply(&side);
        out.push(side);
        if beyond {
            let key = format!("{}|{side_key}|{}", now.format("%Y-%m-%d"), now.timestamp());
            let text = format!("{ticker} is {weight:.1}% of the portfolio (max_weight {max}%)");
            out.extend(fire(user, key, text, Some(ticker.clone()), None, now));
        }
    }
    out
}

/// Checks headlines that just entered the history, applying the alerts fired to `user`; returns
/// them as changes, for the store.
pub fn check_headlines<'a>(
    rules: &[Rule],
    items: impl IntoIterator<Item = &'a NewsItem>,
    user: &mut UserState,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for item in items {
        let Some(published) = item.published.filter(|p| *p > now - HEADLINE_WINDOW) else { continue };
        for rule in rules {
            let Rule::Headline { kind, id } = rule else { continue };
            let ids = if *kind == Kind::Catalyst { &item.catalysts } else { &item.risks };
            if !ids.iter().any(|i| i.eq_ignore_ascii_case(id)) {
                continue;
            }
            let thesis = format!("{}{id}", kind.prefix());
            let key = format!("{}|headline|{thesis}|{}", published.format("%Y-%m-%d"), item.id);
            let text = format!("{thesis}: {}", item.title);
            out.extend(fire(user, key, text, None, Some(thesis), now));
        }
    }
    out
}

/// Open catalysts past the end of their expected window: an alert each, once (the key names
/// the window's end, so a window moved later in the config can fire again), naming the risk the
/// catalyst `slips` into as the one to consider raising.
pub fn check_windows(
    catalysts: &[ThesisItem],
    risks: &[ThesisItem],
    user: &mut UserState,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for c in catalysts {
        let Some(w) = &c.expected else { continue };
        let done = user.catalysts.get(&c.id).is_some_and(|r| r.done);
        if done || !matches!(w.stand(today), crate::core::calendar::Stand::Overdue(_)) {
            continue;
        }
        let key = format!("{}|overdue|{}", w.end.format("%Y-%m-%d"), c.id);
        let raise = c.slips.as_ref().and_then(|id| risks.iter().find(|r| &r.id == id));
        let text = match raise {
            Some(r) => {
                format!("{} is past its window ({}): consider raising “{}”", c.title, w.label, r.title)
            }
            None => format!("{} is past its window ({})", c.title, w.label),
        };
        out.extend(fire(user, key, text, None, Some(format!("c:{}", c.id)), now));
    }
    out
}

/// Fires an event unless its key is known: the change, applied to `user`.
fn fire(
    user: &mut UserState,
    key: String,
    text: String,
    ticker: Option<String>,
    thesis: Option<String>,
    now: DateTime<Utc>,
) -> Option<Change> {
    if user.alert_keys.contains(&key) {
        return None;
    }
    let text = crate::core::sanitize::clean_capped(&text, 200);
    let change = Change::Fired(Alert { key, text, at: now, ticker, thesis });
    user.apply(&change);
    Some(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::MarketState;
    use chrono::TimeZone;

    /// How many alerts fired (the tests count them; the store gets the changes).
    fn fired(changes: Vec<Change>) -> usize {
        changes.iter().filter(|c| matches!(c, Change::Fired(_))).count()
    }

    fn check_quotes(rules: &[Rule], quotes: &[Quote], user: &mut UserState, now: DateTime<Utc>) -> usize {
        fired(super::check_quotes(rules, quotes, user, now))
    }

    fn check_headlines(
        rules: &[Rule],
        items: &[NewsItem],
        user: &mut UserState,
        now: DateTime<Utc>,
    ) -> usize {
        fired(super::check_headlines(rules, items, user, now))
    }

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
    }

    fn quote(symbol: &str, price: f64, pct: Option<f64>, as_of: DateTime<Utc>) -> Quote {
        Quote {
            symbol: symbol.into(),
            provider_symbol: symbol.into(),
            price,
            previous_close: None,
            change: None,
            change_pct: pct,
            currency: "USD".into(),
            exchange: "NMS".into(),
            market_state: MarketState::Regular,
            day_high: None,
            day_low: None,
            volume: None,
            series: vec![],
            as_of,
            source: "test".into(),
            extended: None,
        }
    }

    fn headline(id: &str, catalysts: &[&str], published: DateTime<Utc>) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: format!("headline {id}"),
            link: String::new(),
            source: String::new(),
            text: None,
            published: Some(published),
            tickers: vec![],
            catalysts: catalysts.iter().map(|s| s.to_string()).collect(),
            risks: vec![],
        }
    }

    #[test]
    fn a_day_move_fires_once_a_day() {
        let rules = [Rule::Move { ticker: "AAOI".into(), pct: 8.0 }];
        let mut user = UserState::default();
        assert_eq!(check_quotes(&rules, &[quote("AAOI", 30.0, Some(-7.9), at(15))], &mut user, at(15)), 0);
        assert_eq!(check_quotes(&rules, &[quote("AAOI", 29.0, Some(-9.3), at(16))], &mut user, at(16)), 1);
        assert_eq!(check_quotes(&rules, &[quote("AAOI", 28.0, Some(-11.0), at(17))], &mut user, at(17)), 0);
        assert_eq!(user.alerts.len(), 1);
        assert_eq!(user.alerts[0].text, "AAOI moved -9.3% today (alert beyond 8%)");
        assert_eq!(user.alerts[0].ticker.as_deref(), Some("AAOI"));
        let tomorrow = at(16) + TimeDelta::days(1);
        assert_eq!(check_quotes(&rules, &[quote("AAOI", 28.0, Some(9.0), tomorrow)], &mut user, tomorrow), 1);
    }

    #[test]
    fn a_level_fires_on_crossing_not_on_the_first_reading() {
        let rules = [Rule::Above { ticker: "LITE".into(), level: 140.0 }];
        let mut user = UserState::default();
        // Already above when first seen: no crossing observed.
        assert_eq!(check_quotes(&rules, &[quote("LITE", 141.0, None, at(14))], &mut user, at(14)), 0);
        assert_eq!(check_quotes(&rules, &[quote("LITE", 139.0, None, at(15))], &mut user, at(15)), 0);
        assert_eq!(check_quotes(&rules, &[quote("LITE", 140.5, None, at(16))], &mut user, at(16)), 1);
        assert_eq!(check_quotes(&rules, &[quote("LITE", 142.0, None, at(17))], &mut user, at(17)), 0);
        let below = [Rule::Below { ticker: "LITE".into(), level: 141.0 }];
        assert_eq!(check_quotes(&below, &[quote("LITE", 142.0, None, at(18))], &mut user, at(18)), 0);
        assert_eq!(check_quotes(&below, &[quote("LITE", 140.0, None, at(19))], &mut user, at(19)), 1);
        assert!(user.alerts[1].text.starts_with("LITE crossed below 141"), "{:?}", user.alerts);
    }

    #[test]
    fn headlines_fire_once_and_only_while_recent() {
        let rules = [Rule::Headline { kind: Kind::Catalyst, id: "cpo".into() }];
        let mut user = UserState::default();
        let items = [
            headline("a", &["cpo"], at(10)),
            headline("b", &["amd"], at(10)),
            headline("old", &["cpo"], at(10) - TimeDelta::days(3)),
        ];
        assert_eq!(check_headlines(&rules, &items, &mut user, at(12)), 1);
        assert_eq!(check_headlines(&rules, &items, &mut user, at(13)), 0, "same event, no second alert");
        assert_eq!(user.alerts[0].thesis.as_deref(), Some("c:cpo"));
        assert_eq!(user.alerts[0].text, "c:cpo: headline a");
    }

    #[test]
    fn dedupe_survives_a_restart_through_the_state_file() {
        let rules = [Rule::Move { ticker: "AAOI".into(), pct: 5.0 }];
        let mut user = UserState::default();
        assert_eq!(check_quotes(&rules, &[quote("AAOI", 1.0, Some(6.0), at(15))], &mut user, at(15)), 1);
        user.alerts.clear(); // acknowledged
        let json = serde_json::to_string(&user).unwrap();
        let mut restarted: UserState = serde_json::from_str(&json).unwrap();
        assert_eq!(check_quotes(&rules, &[quote("AAOI", 1.0, Some(6.5), at(16))], &mut restarted, at(16)), 0);
        assert!(restarted.alerts.is_empty());
    }

    #[test]
    fn keys_and_active_alerts_are_bounded_oldest_first() {
        let mut user = UserState::default();
        for i in 0..(MAX_KEYS + 10) {
            fire(&mut user, format!("2026-01-01|{i:06}"), "x".into(), None, None, at(1));
        }
        assert_eq!(user.alert_keys.len(), MAX_KEYS);
        assert_eq!(user.alerts.len(), MAX_ACTIVE);
        assert!(!user.alert_keys.contains("2026-01-01|000000"));
        assert_eq!(user.alerts.last().map(|a| a.key.as_str()), Some("2026-01-01|005009"));
    }
}
