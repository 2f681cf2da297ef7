//! Data arrivals: starting fetches, applying answers (dropping stale ones), refresh pacing and
//! backoff after failures, and restoring the cache.

use crate::core::action::{Loaded, Payload, SourceId};
use crate::core::alerts;
use crate::core::domain::Cache;
use crate::core::domain::{ErrorKind, FetchStatus};
use crate::core::effect::Effect;
use crate::core::state::State;
use std::time::Duration;

/// Starts a fetch of `id`. A timer never stacks a second request on a running one (timeouts bound
/// it); the user's `r` does, and the older answer is then dropped as stale when it arrives.
pub(super) fn fetch(state: &mut State, id: SourceId, fx: &mut Vec<Effect>, user: bool) {
    let req_id = state.next_req;
    let Some(src) = state.sources.iter_mut().find(|s| s.id == id) else { return };
    if src.pending.is_some() && !user {
        return;
    }
    state.next_req += 1;
    src.pending = Some(req_id);
    if !matches!(src.status, FetchStatus::Error { .. }) {
        src.status = FetchStatus::Loading;
    }
    fx.push(Effect::Fetch { source: id, req_id });
}

/// First retry after a failure waits about this long (full jitter, doubling per failure).
const RETRY_BASE: Duration = Duration::from_secs(5);

pub(super) fn on_loaded(state: &mut State, loaded: Loaded, fx: &mut Vec<Effect>) {
    let Some(src) = state.sources.iter_mut().find(|s| s.id == loaded.source) else { return };
    if src.pending != Some(loaded.req_id) {
        return; // stale answer to a request that was superseded
    }
    src.pending = None;
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
            apply_payload(state, payload, fx);
            if !state.demo {
                fx.push(Effect::SaveCache);
            }
        }
        Err(e) => src.status = FetchStatus::Error { message: e.message, at: loaded.at },
    }
    if loaded.source == SourceId::Quotes {
        state.quote_errors = loaded.failed_items.into_iter().map(|(sym, e)| (sym, e.message)).collect();
    }
    if state.demo && ok {
        return; // recorded data: nothing to refresh on a timer (failures still retry)
    }
    // The pace follows the data just applied: quotes every minute while a market trades, every
    // 15 min while all are closed; after a failure, backoff (never sooner than Retry-After).
    let trading = state.trading();
    let closed_every = state.quotes_closed_every;
    let Some(src) = state.sources.iter_mut().find(|s| s.id == loaded.source) else { return };
    let every = if src.id == SourceId::Quotes && !trading { closed_every } else { src.every };
    let after = if ok {
        src.failures = 0;
        src.retry_at = None;
        every
    } else {
        // A transient failure backs off with jitter (while every market is closed, to the closed
        // pace); a permanent or unreadable answer is asked again once per refresh interval.
        src.failures = src.failures.saturating_add(1);
        let delay = match kind {
            Some(ErrorKind::Permanent | ErrorKind::Parse) => {
                every.max(loaded.retry_after.unwrap_or_default())
            }
            _ => backoff(src.failures, RETRY_BASE, every.max(RETRY_BASE), loaded.jitter, loaded.retry_after),
        }
        .max(Duration::from_secs(1));
        src.retry_at = chrono::Duration::from_std(delay).ok().map(|d| loaded.at + d);
        delay
    };
    src.schedule += 1;
    fx.push(Effect::Schedule { source: loaded.source, after, generation: src.schedule });
}

fn apply_payload(state: &mut State, payload: Payload, fx: &mut Vec<Effect>) {
    let fired = match &payload {
        Payload::Quotes(quotes) => {
            alerts::check_quotes(&state.alert_rules, quotes, &mut state.user, state.now)
        }
        Payload::News(items) => {
            alerts::check_headlines(&state.alert_rules, items, &mut state.user, state.now)
        }
    };
    if fired > 0 && state.bell {
        fx.push(Effect::Bell);
    }
    let pruned = match payload {
        Payload::Quotes(quotes) => {
            state.quote_errors.retain(|sym, _| !quotes.iter().any(|q| &q.symbol == sym));
            for q in quotes {
                state.quotes.insert(q.symbol.clone(), q);
            }
            state.stale_quotes = false;
            false
        }
        Payload::News(items) => {
            state.stale_news = false;
            state.merge_news(items)
        }
    };
    // Fired events are remembered at once, so a restart never fires them again; pruned read
    // marks too. One save, of the state after both.
    if fired > 0 || pruned {
        super::save_quietly(state, fx);
    }
}

/// Last session's cached data: shown at once, marked stale until the first refresh lands.
pub(super) fn restore(state: &mut State, cache: Cache) {
    let known: Vec<&str> = state.tickers.iter().map(|t| t.symbol.as_str()).collect();
    let quotes: Vec<_> = cache.quotes.into_iter().filter(|q| known.contains(&q.symbol.as_str())).collect();
    if !quotes.is_empty() && state.quotes.is_empty() {
        for q in quotes {
            state.quotes.insert(q.symbol.clone(), q);
        }
        state.stale_quotes = true;
    }
    if !cache.news.is_empty() && state.news.is_empty() {
        // Pruned read marks are saved with the next change.
        state.restore_news(cache.news);
        state.stale_news = true;
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
