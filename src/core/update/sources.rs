//! Data arrivals: starting fetches, applying answers (dropping stale ones), refresh pacing and
//! backoff after failures, and restoring the cache.

use crate::core::action::{Loaded, Payload, SourceId};
use crate::core::alerts;
use crate::core::domain::Cache;
use crate::core::domain::{ErrorKind, FetchStatus};
use crate::core::effect::Effect;
use crate::core::journal::Change;
use crate::core::state::{SourceTry, State};
use std::time::Duration;

/// A request in flight longer than this is taken as stuck (a suspended laptop, a dead
/// connection): the user's `r` supersedes it, and the runtime aborts the old one. Requests time
/// out well before (15 s, plus their turn in the request queue).
pub const STUCK: Duration = Duration::from_secs(60);

/// Starts a fetch of `id` unless one is in flight (coalesced: a timer or `r` never stacks a
/// second request on a running one, except on one stuck for [`STUCK`]). A ticker is asked of
/// the quote sources due for it, in order; when none is, its timer is set for the first that
/// will be. Returns whether a fetch started.
pub(super) fn fetch(state: &mut State, id: SourceId, fx: &mut Vec<Effect>, user: bool) -> bool {
    let now = state.now;
    let req_id = state.next_req;
    if id == SourceId::Fx {
        // Rates only while a lot is held in another currency; asked again when one is.
        state.fx_idle = state.fx_needed().is_empty();
        if state.fx_idle {
            return false;
        }
    }
    let Some(src) = state.sources.iter_mut().find(|s| s.id == id) else { return false };
    if src.pending.is_some() {
        let stuck = src
            .pending_at
            .is_some_and(|t| chrono::Duration::from_std(STUCK).is_ok_and(|limit| now - t >= limit));
        if !(user && stuck) {
            return false;
        }
    }
    let via: Vec<String> = src.via.iter().filter(|v| v.due(now, user)).map(|v| v.name.clone()).collect();
    if via.is_empty() && !src.via.is_empty() {
        // Every source waits (the server's Retry-After, or a backoff): ask the first one free.
        if !user && let Some(first) = src.via.iter().filter_map(|v| v.not_before).min() {
            let after = (first - now).to_std().unwrap_or_default().max(Duration::from_secs(1));
            src.schedule += 1;
            fx.push(Effect::Schedule { source: id, after, generation: src.schedule });
        }
        return false;
    }
    state.next_req += 1;
    src.pending = Some(req_id);
    src.pending_at = Some(now);
    if !matches!(src.status, FetchStatus::Error { .. }) {
        src.status = FetchStatus::Loading;
    }
    fx.push(Effect::Fetch { source: id, req_id, via });
    true
}

/// The first fetches: every source is due, except a feed whose last answer (from the cache) is
/// younger than its refresh interval: it is scheduled for when it will be due.
pub(super) fn start(state: &mut State, fx: &mut Vec<Effect>) {
    let now = state.now;
    for i in 0..state.sources.len() {
        let src = &mut state.sources[i];
        let young = match (src.id, src.last_ok) {
            (SourceId::Feed(_), Some(at)) => chrono::Duration::from_std(src.every)
                .ok()
                .and_then(|every| (at + every - now).to_std().ok())
                .filter(|left| !left.is_zero()),
            _ => None,
        };
        match young {
            Some(after) => {
                src.schedule += 1;
                fx.push(Effect::Schedule { source: src.id, after, generation: src.schedule });
            }
            None => {
                let id = src.id;
                fetch(state, id, fx, false);
            }
        }
    }
}

/// First retry after a failure waits about this long (full jitter, doubling per failure).
const RETRY_BASE: Duration = Duration::from_secs(5);

/// How long a source waits after a failure of `kind`, its `failures`-th in a row: a transient
/// one backs off with jitter (never sooner than Retry-After); a permanent or unreadable answer is
/// asked again once per refresh interval `every`.
fn retry_delay(
    kind: Option<ErrorKind>,
    failures: u32,
    every: Duration,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Duration {
    match kind {
        Some(ErrorKind::Permanent | ErrorKind::Parse) => every.max(retry_after.unwrap_or_default()),
        _ => backoff(failures, RETRY_BASE, every.max(RETRY_BASE), jitter, retry_after),
    }
    .max(Duration::from_secs(1))
}

fn after_secs(at: chrono::DateTime<chrono::Utc>, d: Duration) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::Duration::from_std(d).ok().and_then(|d| at.checked_add_signed(d))
}

pub(super) fn on_loaded(state: &mut State, loaded: Loaded, fx: &mut Vec<Effect>) {
    let Some(src) = state.sources.iter_mut().find(|s| s.id == loaded.source) else { return };
    if src.pending != Some(loaded.req_id) {
        return; // stale answer to a request that was superseded
    }
    src.pending = None;
    src.pending_at = None;
    let ok = loaded.result.is_ok() && loaded.partial_error.is_none();
    // What the failure was: the error, or for a partial result the partial error's kind.
    let kind = match (&loaded.result, &loaded.partial_error) {
        (Err(e), _) | (Ok(_), Some(e)) => Some(e.kind),
        (Ok(_), None) => None,
    };
    match loaded.result {
        Ok(payload) => {
            // An empty answer (a 304: nothing changed) leaves the publishers as they were.
            if let Payload::News(items) = &payload
                && !items.is_empty()
            {
                (src.publishers, src.publishers_more) = publishers(items);
            }
            src.status = match loaded.partial_error {
                Some(e) => FetchStatus::Error { message: e.message, at: loaded.at },
                None => FetchStatus::Ok { at: loaded.at },
            };
            src.last_ok = Some(loaded.at);
            let key = src.key.clone();
            apply_payload(state, payload, key, loaded.at, fx);
        }
        Err(e) => src.status = FetchStatus::Error { message: e.message, at: loaded.at },
    }
    // The pace follows the data just applied: a ticker every minute while its market trades
    // (pre- and post-market too), at the closed pace while it is closed, never retried more
    // often than that while closed; after a failure, backoff (never sooner than Retry-After).
    let every = state.every(loaded.source);
    // A closed market's price does not move: while it is closed and its last price is on screen,
    // a ticker's retries wait for the closed pace (`r` still asks at once). A ticker with no price
    // at all backs off as any source does, up to that pace.
    let closed = matches!(loaded.source, SourceId::Quote(i)
        if !state.ticker_trading(i)
            && state.tickers.get(i).is_some_and(|t| state.quotes.contains_key(&t.symbol)));
    let floor = if closed { state.quotes_closed_every } else { Duration::ZERO };
    let demo = state.demo;
    let Some(src) = state.sources.iter_mut().find(|s| s.id == loaded.source) else { return };
    // Each quote source keeps its own record for this ticker.
    for attempt in &loaded.attempts {
        let Some(v) = src.via.iter_mut().find(|v| v.name == attempt.source) else { continue };
        match &attempt.error {
            None => *v = SourceTry { last_ok: Some(loaded.at), ..SourceTry::new(&attempt.source) },
            Some(e) => {
                v.failures = v.failures.saturating_add(1);
                let delay = retry_delay(Some(e.kind), v.failures, every, loaded.jitter, attempt.retry_after)
                    .max(floor);
                v.not_before = after_secs(loaded.at, delay);
                v.server_wait = attempt.retry_after.is_some();
                v.error = Some(e.clone());
            }
        }
    }
    if demo && ok {
        return; // recorded data: nothing to refresh on a timer (failures still retry)
    }
    let after = if ok {
        src.failures = 0;
        src.retry_at = None;
        every
    } else {
        src.failures = src.failures.saturating_add(1);
        // A ticker is due again when its first source is; a feed backs off on its own.
        let first_free = src.via.iter().filter_map(|v| v.not_before).min();
        let delay = match first_free {
            Some(t) => (t - loaded.at).to_std().unwrap_or_default(),
            None => retry_delay(kind, src.failures, every, loaded.jitter, loaded.retry_after),
        }
        .max(floor)
        .max(Duration::from_secs(1));
        src.retry_at = after_secs(loaded.at, delay);
        delay
    };
    src.schedule += 1;
    fx.push(Effect::Schedule { source: loaded.source, after, generation: src.schedule });
}

/// Fresh data in: alerts checked, quotes shown and kept in the price history, headlines merged
/// into the window and kept in the archive (with when the feed, `key`, answered).
fn apply_payload(
    state: &mut State,
    payload: Payload,
    key: String,
    at: chrono::DateTime<chrono::Utc>,
    fx: &mut Vec<Effect>,
) {
    let changes = match &payload {
        Payload::Quotes(quotes) => {
            alerts::check_quotes(&state.alert_rules, quotes, &mut state.user, state.now)
        }
        Payload::News(items) => {
            alerts::check_headlines(&state.alert_rules, items, &mut state.user, state.now)
        }
        Payload::Fx(_) => Vec::new(),
    };
    if state.bell && changes.iter().any(|c| matches!(c, Change::Fired(_))) {
        fx.push(Effect::Bell);
    }
    // Fired events are remembered at once, so a restart never fires them again.
    super::store::record(state, fx, changes, None);
    match payload {
        Payload::Quotes(quotes) => {
            let mut kept = Vec::with_capacity(quotes.len());
            for q in quotes {
                let zone = state.tickers.iter().find(|t| t.symbol == q.symbol).map(|t| t.listing().tz());
                let day = zone.map_or(q.as_of.date_naive(), |tz| q.as_of.with_timezone(&tz).date_naive());
                kept.push((q.clone(), day));
                state.quotes.insert(q.symbol.clone(), q);
            }
            if !state.read_only && !kept.is_empty() {
                fx.push(Effect::StoreQuotes(kept));
            }
        }
        Payload::News(items) => {
            state.stale_news = false;
            if !state.read_only {
                fx.push(Effect::Archive { feed: key, at, items: items.clone() });
                // Archive results may change with the new headlines: ask again.
                state.archive.asked = None;
            }
            state.merge_news(items);
        }
        Payload::Fx(rates) => {
            let rates: Vec<_> = rates.into_iter().filter_map(clean_rate).collect();
            for r in &rates {
                state.fx.insert(r.currency.clone(), r.clone());
            }
            if !state.read_only && !rates.is_empty() {
                fx.push(Effect::StoreFx(rates));
            }
        }
    }
}

/// A rate as it may be shown and used: three-letter codes, a positive finite rate.
fn clean_rate(mut r: crate::core::portfolio::FxRate) -> Option<crate::core::portfolio::FxRate> {
    let code = |c: &str| {
        let c = c.trim().to_ascii_uppercase();
        (c.len() == 3 && c.chars().all(|x| x.is_ascii_alphabetic())).then_some(c)
    };
    r.currency = code(&r.currency)?;
    r.base = code(&r.base)?;
    r.source = crate::core::sanitize::clean_capped(&r.source, 16);
    (r.rate.is_finite() && r.rate > 0.0).then_some(r)
}

/// Each holding with a `max_weight` against its share of the portfolio (when both are known):
/// an alert when it grows past it; see [`alerts::check_weights`].
pub(super) fn check_weights(state: &mut State, fx: &mut Vec<Effect>) {
    if state.max_weight.is_empty() {
        return;
    }
    let holdings = state.holdings();
    if holdings.is_empty() {
        return;
    }
    let totals = crate::core::portfolio::totals(&holdings, &state.base_currency, &state.fx);
    let weights: Vec<(String, f64, f64)> = holdings
        .iter()
        .filter_map(|h| {
            let max = state.max_weight.get(&h.symbol)?;
            Some((h.symbol.clone(), crate::core::portfolio::weight(h, &totals, &state.fx)?, *max))
        })
        .collect();
    let changes = alerts::check_weights(&weights, &mut state.user, state.now);
    if state.bell && changes.iter().any(|c| matches!(c, Change::Fired(_))) {
        fx.push(Effect::Bell);
    }
    super::store::record(state, fx, changes, None);
}

/// The FX source on its way when a rate is needed (a lot in another currency was added, here or
/// elsewhere) and it is not already: added to the sources the first time.
pub(super) fn sync_fx(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.fx_idle || state.fx_needed().is_empty() {
        return;
    }
    if !state.sources.iter().any(|s| s.id == SourceId::Fx) {
        let via: Vec<&str> = if state.demo {
            vec!["demo"]
        } else {
            state.quote_order.iter().map(String::as_str).filter(|n| *n == "yahoo").chain(["ecb"]).collect()
        };
        let name = format!("FX rates to {}", state.base_currency);
        state.sources.push(crate::core::state::SourceHealth {
            via: via.into_iter().map(SourceTry::new).collect(),
            key: "fx".into(),
            ..crate::core::state::SourceHealth::new(SourceId::Fx, name, state.quotes_closed_every)
        });
    }
    fetch(state, SourceId::Fx, fx, false);
}

/// Last session's cached data: shown at once, marked stale until the first refresh lands.
pub(super) fn restore(state: &mut State, cache: Cache) {
    for r in cache.fx.into_iter().filter_map(clean_rate) {
        if r.base == state.base_currency {
            state.fx.entry(r.currency.clone()).or_insert(r);
        }
    }
    let known: Vec<&str> = state.tickers.iter().map(|t| t.symbol.as_str()).collect();
    let quotes: Vec<_> = cache.quotes.into_iter().filter(|q| known.contains(&q.symbol.as_str())).collect();
    if !quotes.is_empty() && state.quotes.is_empty() {
        for q in quotes {
            state.quotes.insert(q.symbol.clone(), q);
        }
    }
    // When each feed last answered (before this run): a young one is not fetched at start.
    let now = state.now;
    let mut all_young = true;
    for src in state.sources.iter_mut().filter(|s| matches!(s.id, SourceId::Feed(_))) {
        match cache.fetched.get(&src.key).filter(|at| **at <= now) {
            Some(at) if src.last_ok.is_none() => {
                src.last_ok = Some(*at);
                src.status = FetchStatus::Ok { at: *at };
                let every = chrono::Duration::from_std(src.every).unwrap_or(chrono::Duration::MAX);
                all_young &= now - *at < every;
            }
            _ => all_young = false,
        }
    }
    if !cache.news.is_empty() && state.news.is_empty() {
        state.restore_news(cache.news);
        state.stale_news = !all_young;
    }
}

/// Most publishers a feed's entry in the sources overlay names.
const PUBLISHERS_MAX: usize = 12;

/// The distinct sources of a feed's headlines, most frequent first (ties by name), at most
/// [`PUBLISHERS_MAX`], and how many more there are.
fn publishers(items: &[crate::core::domain::NewsItem]) -> (Vec<String>, usize) {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for item in items.iter().filter(|i| !i.source.is_empty()) {
        *counts.entry(item.source.as_str()).or_default() += 1;
    }
    let mut names: Vec<(&str, usize)> = counts.into_iter().collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let more = names.len().saturating_sub(PUBLISHERS_MAX);
    (names.into_iter().take(PUBLISHERS_MAX).map(|(name, _)| name.to_string()).collect(), more)
}

/// Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^failures)] using `jitter`
/// in [0,1); never less than `retry_after` when given; `failures` >= 1 (0 counts as 1).
pub fn backoff(
    failures: u32,
    base: Duration,
    cap: Duration,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Duration {
    let failures = failures.max(1);
    let ceiling = 2u32.checked_pow(failures).and_then(|m| base.checked_mul(m)).map_or(cap, |d| d.min(cap));
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
    let wait = ceiling.mul_f64(jitter);
    retry_after.map_or(wait, |floor| wait.max(floor))
}
