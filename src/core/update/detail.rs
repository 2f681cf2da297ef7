//! The ticker detail view: which range is shown and where its series comes from. A series in
//! memory that is still good is shown as it is; else the store is asked once per session (a
//! series fetched after the last close costs no request until the next); else, or when the
//! store's copy is stale, the quote sources are asked, with backoff after a failure. A stale
//! copy stays on screen while a fresh one is fetched.

use super::sources::backoff;
use crate::core::action::Pane;
use crate::core::chart::{self, Series, Span};
use crate::core::effect::Effect;
use crate::core::state::{Detail, SERIES_KEPT, SeriesSlot, State};
use std::time::Duration;

/// Backoff after a failed series: from 5 s up to 5 minutes (the view is in front of the user).
const RETRY_BASE: Duration = Duration::from_secs(5);
const RETRY_CAP: Duration = Duration::from_secs(300);

/// Enter on a ticker: its detail view, at the last range shown (a year the first time).
pub(super) fn open(state: &mut State) {
    let Some(t) = state.tickers.get(state.selected[Pane::Tickers as usize]) else { return };
    let span = state.detail.as_ref().map_or(Span::Y1, |d| d.span);
    state.detail = Some(Detail { symbol: t.symbol.clone(), span });
}

pub(super) fn close(state: &mut State) {
    state.detail = None;
}

/// `]` / `[`: the next or previous range, wrapping.
pub(super) fn shift(state: &mut State, by: i8) {
    let Some(d) = state.detail.as_mut() else { return };
    let n = Span::ALL.len() as i32;
    let at = Span::ALL.iter().position(|s| *s == d.span).unwrap_or(0) as i32;
    d.span = Span::ALL[(at + i32::from(by)).rem_euclid(n) as usize];
}

/// The store's copy: shown, and fetched again if it is stale (or missing).
pub(super) fn stored(state: &mut State, symbol: String, span: Span, series: Option<Series>) {
    let slot = state.series.entry((symbol, span)).or_default();
    slot.awaiting_store = false;
    if slot.series.is_none() {
        slot.series = series.map(sanitized);
    }
    trim(state);
}

/// A source's answer: kept (in memory and the store), or the failure shown and retried later.
pub(super) fn loaded(
    state: &mut State,
    symbol: String,
    span: Span,
    req: u64,
    result: Result<Series, String>,
    retry_after: Option<Duration>,
    fx: &mut Vec<Effect>,
) {
    let now = state.now;
    let read_only = state.read_only;
    let Some(slot) = state.series.get_mut(&(symbol.clone(), span)) else { return };
    if slot.fetching != Some(req) {
        return; // an older request's answer
    }
    slot.fetching = None;
    match result {
        Ok(series) => {
            let series = sanitized(series);
            if !read_only {
                fx.push(Effect::StoreSeries(Box::new(series.clone())));
            }
            slot.series = Some(series);
            slot.error = None;
            slot.failures = 0;
            slot.retry_at = None;
        }
        Err(e) => {
            slot.failures = slot.failures.saturating_add(1);
            let wait = backoff(slot.failures, RETRY_BASE, RETRY_CAP, fastrand::f64(), retry_after);
            slot.retry_at = chrono::Duration::from_std(wait).ok().map(|w| now + w);
            slot.error = Some(crate::core::sanitize::clean_capped(&e, 200));
            fx.push(Effect::ScheduleSeries { symbol, span, after: wait });
        }
    }
    trim(state);
}

/// `r` in the detail view: the shown series is asked again too (unless one is in flight).
pub(super) fn refresh(state: &mut State) {
    let Some(d) = state.detail.clone() else { return };
    if let Some(slot) = state.series.get_mut(&(d.symbol, d.span)) {
        slot.retry_at = None;
        slot.refresh = true;
    }
}

/// Every series in use on its way (see [`in_use`]); called after every action (so a backoff
/// that is over, a range switched or a store's answer lead here).
pub(super) fn wanted(state: &mut State, fx: &mut Vec<Effect>) {
    for (symbol, span) in in_use(state) {
        ensure(state, &symbol, span, fx);
    }
}

/// The series in use: the detail view's range (and the year of it and of the benchmark when a
/// hit catalyst is linked to it, for the reactions in its legend); the selected catalyst's
/// reactions, when it is
/// hit (a year of daily bars of each linked ticker and of the benchmark); each ticker against
/// the benchmark (the since-start range, and the month's where that range is weekly) for the
/// Tickers pane's column when the terminal is wide enough, else for the detail view's ticker.
fn in_use(state: &State) -> Vec<(String, Span)> {
    let mut keys = Vec::new();
    let bench = state.benchmark.as_ref().map(|b| b.symbol.clone());
    if let Some(d) = &state.detail {
        keys.push((d.symbol.clone(), d.span));
        // Its legend lists the reactions to the hit catalysts linked to it.
        let linked = |c: &&crate::core::domain::ThesisItem| {
            state.catalyst_done(&c.id) && state.linked_tickers(c).contains(&d.symbol)
        };
        if state.catalysts.iter().any(|c| linked(&c)) {
            keys.extend(
                [Some(&d.symbol), bench.as_ref()].into_iter().flatten().map(|s| (s.clone(), Span::Y1)),
            );
        }
    }
    let selected = state.catalysts.get(state.selected[Pane::Catalysts as usize]);
    if let Some(c) = selected.filter(|c| state.focus == Pane::Catalysts && state.catalyst_done(&c.id)) {
        for sym in state.linked_tickers(c).into_iter().chain(bench.clone()) {
            keys.push((sym, Span::Y1));
        }
    }
    if bench.is_some() {
        let symbols: Vec<String> = if state.relative_shown() {
            state.tickers.iter().map(|t| t.symbol.clone()).collect()
        } else {
            state.detail.iter().map(|d| d.symbol.clone()).collect()
        };
        let spans = chart::relative_spans(state.thesis_started, state.local(state.now).date_naive());
        for sym in symbols.iter().chain(bench.iter().filter(|_| !symbols.is_empty())) {
            keys.extend(spans.iter().map(|span| (sym.clone(), *span)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    keys
}

/// One series on its way unless it is in memory and good, being fetched, or backing off: the
/// store is asked once per session, then the quote sources in order.
fn ensure(state: &mut State, symbol: &str, span: Span, fx: &mut Vec<Effect>) {
    let Some(spec) = state.spec(symbol).cloned() else { return };
    let (now, live) = (state.now, chrono::Duration::from_std(state.quotes_every).unwrap_or_default());
    let via = state
        .sources
        .iter()
        .find(|s| s.key == symbol)
        .map(|s| s.via.iter().map(|v| v.name.clone()).collect::<Vec<_>>())
        .unwrap_or_else(|| state.quote_order.clone());
    let req = state.next_req;
    let started = state.thesis_started;
    let read_only = state.read_only;
    let slot: &mut SeriesSlot = state.series.entry((symbol.to_string(), span)).or_default();
    if slot.fetching.is_some()
        || slot.awaiting_store
        || (!slot.refresh && slot.series.as_ref().is_some_and(|s| chart::fresh(s, spec.listing(), now, live)))
    {
        return;
    }
    if !slot.asked_store && !read_only {
        slot.asked_store = true;
        slot.awaiting_store = true;
        fx.push(Effect::LoadSeries { symbol: symbol.to_string(), span });
        return;
    }
    if slot.retry_at.is_some_and(|t| now < t) {
        return; // backing off: SeriesDue will ask
    }
    slot.fetching = Some(req);
    slot.refresh = false;
    state.next_req += 1;
    fx.push(Effect::FetchSeries { symbol: symbol.to_string(), span, req, via, started });
    trim(state);
}

/// Text from a source or the store, cleaned as it enters; bars bounded and usable.
fn sanitized(mut s: Series) -> Series {
    use crate::core::sanitize::clean_capped;
    s.symbol = clean_capped(&s.symbol, 24);
    s.currency = clean_capped(&s.currency, 8);
    s.interval = clean_capped(&s.interval, 8);
    s.source = clean_capped(&s.source, 16);
    let ok = |p: f64| p.is_finite() && p > 0.0;
    s.bars.retain(|b| ok(b.close));
    if s.bars.len() > chart::BARS_MAX {
        s.bars.drain(..s.bars.len() - chart::BARS_MAX);
    }
    s.year_range = s.year_range.filter(|(lo, hi)| ok(*lo) && ok(*hi) && lo <= hi);
    s
}

/// At most [`SERIES_KEPT`] series in memory besides those in use: the oldest fetched go first.
fn trim(state: &mut State) {
    let used = in_use(state);
    while state.series.len() > SERIES_KEPT + used.len() {
        let oldest = state
            .series
            .iter()
            .filter(|(k, v)| !used.contains(k) && v.fetching.is_none())
            .min_by_key(|(_, v)| v.series.as_ref().map(|s| s.fetched_at))
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => {
                state.series.remove(&k);
            }
            None => break,
        }
    }
}
