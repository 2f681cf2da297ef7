//! The store's side of `update`: changes handed to it and confirmed (or failed and kept), a
//! change made by another process, archive searches, and pins.

use super::{Level, notify, push_undo};
use crate::core::action::Pane;
use crate::core::domain::{NewsItem, UserState};
use crate::core::effect::Effect;
use crate::core::journal::{Change, Entry, What};
use crate::core::state::{Pending, PinChooser, State, Undo};
use std::collections::HashSet;

/// Most archive matches listed at once.
pub const ARCHIVE_LIMIT: usize = 500;

/// A new journal entry of this process, stamped now; its uid is unique across processes (the
/// runtime's session id, then a counter).
pub(super) fn entry(state: &mut State, what: What, note: Option<String>) -> Entry {
    let uid = format!("{}-{}", state.session, state.next_uid);
    state.next_uid += 1;
    Entry { uid, at: state.now, by: "tui".into(), what, note }
}

/// Applies `changes` and hands them to the store. `label` (a decision's) is confirmed on the
/// status line once written. Without a store, decisions are kept in memory and counted as
/// unsaved; marks (read, seen, alerts) simply live until quit.
pub(super) fn record(state: &mut State, fx: &mut Vec<Effect>, changes: Vec<Change>, label: Option<String>) {
    if changes.is_empty() {
        return;
    }
    for c in &changes {
        if let Change::Fired(alert) = c {
            notify_alert(state, fx, alert);
        }
    }
    for c in &changes {
        state.user.apply(c);
    }
    let seq = state.next_seq;
    state.next_seq += 1;
    let last = changes.len() - 1;
    let keep = |c: &Change| !state.read_only || c.is_decision();
    let said = state.said;
    let pending: Vec<Pending> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| keep(c))
        .map(|(i, c)| Pending { seq, change: c.clone(), label: label.clone().filter(|_| i == last), said })
        .collect();
    if state.read_only {
        if !pending.is_empty() {
            notify(state, Level::Warn, "no database: this change lasts until you quit".into(), false);
        }
        state.pending.extend(pending);
        return;
    }
    state.pending.extend(pending);
    fx.push(Effect::Record { seq, changes });
}

/// Longest notification body, in characters.
const NOTIFY_BODY_MAX: usize = 500;

/// One alert to the `[notify] command`, unless `per_minute` were sent in the last minute (then
/// it is counted as held back; the alert itself is in the list all the same).
fn notify_alert(state: &mut State, fx: &mut Vec<Effect>, alert: &crate::core::alerts::Alert) {
    if state.notify_command.is_empty() && !state.notify_desktop {
        return;
    }
    let now = state.now;
    state.notify.recent.retain(|t| now - *t < chrono::Duration::minutes(1) && *t <= now);
    if state.notify.recent.len() >= state.notify_per_minute as usize {
        state.notify.held_back += 1;
        return;
    }
    state.notify.recent.push(now);
    let what = alert.ticker.clone().or_else(|| alert.thesis.clone()).unwrap_or_else(|| "thesis".into());
    fx.push(Effect::Notify {
        desktop: state.notify_desktop,
        argv: state.notify_command.clone(),
        title: format!("chokepoint: {what}"),
        body: crate::core::sanitize::clean_capped(&alert.text, NOTIFY_BODY_MAX),
        key: alert.key.clone(),
    });
}

/// The notification for alert `key` ran.
pub(super) fn notified(state: &mut State, result: Result<(), String>) {
    match result {
        Ok(()) => {
            state.notify.sent += 1;
            state.notify.last_ok = Some(state.now);
        }
        Err(e) => {
            let e = crate::core::sanitize::clean_capped(&e, 300);
            super::notify(state, Level::Warn, format!("notification failed: {e}"), false);
            state.notify.last_error = Some((e, state.now));
        }
    }
}

/// The store wrote everything up to `through`, or failed (and keeps what it holds, retrying).
pub(super) fn stored(state: &mut State, through: u64, error: Option<String>) {
    match error {
        Some(e) => {
            if state.save_error.as_deref() != Some(e.as_str()) {
                notify(
                    state,
                    Level::Error,
                    format!("not saved: {e}; kept, and written once it can be"),
                    false,
                );
            }
            state.save_error = Some(e);
        }
        None => {
            let label = state
                .pending
                .iter()
                .rev()
                .filter(|p| p.seq <= through)
                .find_map(|p| p.label.clone().map(|l| (l, p.said)));
            state.pending.retain(|p| p.seq > through);
            if state.save_error.take().is_some() {
                notify(state, Level::Info, "saved: the changes that were waiting are written".into(), false);
            } else if let Some((label, said)) = label {
                let fresher = state.said > said;
                notify(state, Level::Info, format!("{label} · saved"), false);
                if fresher && let [.., under, top] = &mut state.notices[..] {
                    // Something was said after the change was made (another window's decision
                    // arrived meanwhile): the routine confirmation goes under it.
                    std::mem::swap(under, top);
                }
            }
        }
    }
}

/// Another process wrote to the store: its state, with this process's unconfirmed changes
/// applied over it. A decision made elsewhere is said on the status line.
pub(super) fn changed(state: &mut State, mut user: UserState) {
    for p in &state.pending {
        user.apply(&p.change);
    }
    let known: HashSet<&str> = state.user.journal.iter().map(|e| e.uid.as_str()).collect();
    let mine = format!("{}-", state.session);
    let news: Vec<&Entry> = user
        .journal
        .iter()
        .filter(|e| !known.contains(e.uid.as_str()) && !e.uid.starts_with(&mine))
        .collect();
    let said = news.last().map(|e| {
        let more = if news.len() > 1 { format!(" (and {} more)", news.len() - 1) } else { String::new() };
        let note = e.note.as_deref().map(|n| format!(" “{n}”")).unwrap_or_default();
        format!("{} by {}{note}{more}", e.what.describe(), e.by)
    });
    state.user = user;
    if let Some(text) = said {
        notify(state, Level::Info, text, false);
    }
}

/// The archive key: search every archived headline with the filter, or back to the window.
pub(super) fn toggle_archive(state: &mut State) {
    state.archive.on = !state.archive.on;
    state.archive.forget();
    state.focus = Pane::News;
    state.selected[Pane::News.index()] = 0;
    if !state.archive.on {
        state.refilter();
    }
}

/// Asks the store for the archive's matches when the News pane shows the archive and the filter
/// changed since the last answer.
pub(super) fn sync_archive(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.archive_mode() {
        if state.archive.asked.is_some() {
            state.archive.forget();
        }
        return;
    }
    if state.filter.error.is_some() {
        return; // the last good query stays applied
    }
    let text = state.filter.input.value().to_string();
    if state.archive.asked.as_deref() == Some(text.as_str()) {
        return;
    }
    state.archive.asked = Some(text.clone());
    if state.read_only {
        state.archive.error = Some("no database: only the newest headlines are searchable".into());
        return;
    }
    let req = state.next_req;
    state.next_req += 1;
    state.archive.req = Some(req);
    fx.push(Effect::Search { req, query: text, limit: ARCHIVE_LIMIT });
}

/// An archive search answered; an answer to an older search is dropped.
pub(super) fn searched(state: &mut State, req: u64, result: Result<(Vec<NewsItem>, bool), String>) {
    if state.archive.req != Some(req) {
        return;
    }
    state.archive.req = None;
    match result {
        Ok((items, more)) => {
            state.archive.items = items;
            state.archive.more = more;
            state.archive.error = None;
        }
        Err(e) => state.archive.error = Some(e),
    }
    let rows = state.archive.items.len();
    let sel = &mut state.selected[Pane::News.index()];
    *sel = (*sel).min(rows.saturating_sub(1));
}

/// `p` on a headline: the chooser of catalysts and risks to pin it to.
pub(super) fn pin_start(state: &mut State) {
    if state.focus != Pane::News {
        let key = state.keymap.hint(crate::core::keys::Command::PaneNews);
        return notify(state, Level::Info, format!("pins go on headlines: press {key} to go there"), false);
    }
    let Some(item) = state.selected_news() else { return };
    let (item, title) = (item.id.clone(), item.title.clone());
    // Start on the first catalyst or risk it is already pinned to, else the first it is tagged with.
    let tagged = state.selected_news().and_then(|n| {
        n.catalysts
            .first()
            .and_then(|c| state.catalysts.iter().position(|x| x.id.eq_ignore_ascii_case(c)))
            .or_else(|| {
                n.risks
                    .first()
                    .and_then(|r| state.risks.iter().position(|x| x.id.eq_ignore_ascii_case(r)))
                    .map(|i| i + state.catalysts.len())
            })
    });
    let pinned = choices(state).iter().position(|t| state.user.pinned(t, &item));
    state.pin = Some(PinChooser { item, title, selected: pinned.or(tagged).unwrap_or(0) });
}

/// The chooser's rows: `c:ID` for each catalyst, then `r:ID` for each risk.
pub fn choices(state: &State) -> Vec<String> {
    let c = state.catalysts.iter().map(|c| format!("c:{}", c.id));
    c.chain(state.risks.iter().map(|r| format!("r:{}", r.id))).collect()
}

pub(super) fn pin_move(state: &mut State, delta: i32) {
    let last = (state.catalysts.len() + state.risks.len()).saturating_sub(1);
    if let Some(pin) = &mut state.pin {
        pin.selected = pin.selected.saturating_add_signed(delta as isize).min(last);
    }
}

/// Enter in the chooser: pins the headline there, or unpins it if it was; `u` undoes.
pub(super) fn pin_accept(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(pin) = state.pin.take() else { return };
    let Some(thesis) = choices(state).into_iter().nth(pin.selected) else { return };
    let short = crate::core::sanitize::clean_capped(&pin.title, 40);
    let (what, label, verb) = if state.user.pinned(&thesis, &pin.item) {
        let what = What::Unpin { thesis: thesis.clone(), item: pin.item };
        (what, format!("unpinned “{short}” from {thesis} (u undoes)"), "unpin from")
    } else {
        let what = What::Pin { thesis: thesis.clone(), item: pin.item, title: pin.title };
        (what, format!("pinned “{short}” to {thesis} (u undoes)"), "pin to")
    };
    let entry = entry(state, what, None);
    push_undo(
        state,
        Undo {
            uid: entry.uid.clone(),
            label: format!("{verb} {thesis}"),
            pane: Pane::News,
            id: String::new(),
        },
    );
    notify(state, Level::Info, label.clone(), false);
    record(state, fx, vec![Change::Journal(entry)], Some(label));
}
