//! update(&mut State, Action) -> Vec<Effect>: the only place the state changes.

mod detail;
mod intel;
mod lots;
mod paste;
mod sources;
mod store;

pub use paste::FILTER_MAX;
pub use sources::{STUCK, backoff};
pub use store::{ARCHIVE_LIMIT, choices as pin_choices};

use crate::core::action::{Action, Pane, SourceId};
use crate::core::effect::Effect;
use crate::core::evidence;
use crate::core::filter;
use crate::core::journal::{Change, What};
use crate::core::state::{Level, Notice, Overlay, State, Undo};
use sources::{fetch, on_loaded, restore};

/// How many undo steps are kept.
const UNDO_DEPTH: usize = 100;
/// How many non-sticky notices are kept.
const NOTICE_DEPTH: usize = 20;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    let before = state.rev;
    match action {
        Action::Tick(now) => {
            // Ages are shown in minutes: only a new minute, or a notice expiring, changes the screen.
            let notice = state.fresh_notice().is_some();
            let minute = now.timestamp() / 60 != state.now.timestamp() / 60;
            state.now = now;
            let redraw = minute || notice != state.fresh_notice().is_some();
            if redraw {
                state.rev += 1;
            }
            if minute {
                overdue_windows(state, &mut fx);
            }
            return fx;
        }
        Action::Resize(w, h) => state.size = (w, h),
        Action::Environment { read_only, zone, session, desktop_bus } => {
            state.read_only = read_only;
            state.zone = zone;
            state.session = session;
            state.notify_desktop = state.notify_desktop_wanted && desktop_bus;
        }
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Action::DismissNotices => {
            if state.notices.iter().any(|n| n.sticky) {
                state.notices.retain(|n| !n.sticky);
            } else if state.focus == Pane::News && !state.filter.input.value().is_empty() {
                // Esc in the News pane clears an applied filter, as the pane's hint says.
                state.filter.input.reset();
                apply_filter_text(state);
            } else {
                return fx;
            }
        }
        Action::ToggleHelp => toggle_overlay(state, Overlay::Help),
        Action::ToggleSources => toggle_overlay(state, Overlay::Sources),
        Action::ToggleAlerts => toggle_overlay(state, Overlay::Alerts),
        Action::AckAlert => intel::ack(state, &mut fx, false),
        Action::AckAllAlerts => intel::ack(state, &mut fx, true),
        Action::Move(d) if state.overlay == Some(Overlay::Alerts) => intel::move_alert(state, d),
        Action::NoteStart => intel::note_start(state),
        Action::NoteEdit(req) => intel::note_edit(state, req),
        Action::NoteAccept => intel::note_accept(state, &mut fx),
        Action::NoteCancel => state.note = None,
        Action::LotStart => lots::start(state),
        Action::LotEdit(req) => lots::edit(state, req),
        Action::LotField(by) => lots::field(state, by),
        Action::LotAccept => lots::accept(state, &mut fx),
        Action::LotCancel => state.lot = None,
        Action::LotRemove => lots::remove(state, &mut fx),
        Action::BrowseLink => browse_link(state, &mut fx),
        Action::CopyLink => copy_link(state, &mut fx),
        Action::ReaderScroll(by) => {
            if let Some(r) = &mut state.reader {
                r.scroll = r.scroll.saturating_add_signed(by);
            }
        }
        Action::ReaderClose => state.reader = None,
        Action::ReaderText { id, summary, body } => {
            if let Some(r) = state.reader.as_mut().filter(|r| r.item.id == id) {
                r.loading = false;
                let summary = if summary.is_empty() { r.item.summary().to_string() } else { summary };
                r.item.set_text(summary, body);
            }
        }
        Action::Select(pane, row) => {
            state.focus = pane;
            let rows = state.rows(pane);
            state.selected[pane.index()] = row.min(rows.saturating_sub(1));
        }
        Action::Notified { result, .. } => store::notified(state, result),
        Action::HelpScroll(d) => {
            state.help_scroll = (i64::from(state.help_scroll) + i64::from(d)).clamp(0, 200) as u16;
        }
        Action::FocusNext => state.focus = Pane::ALL[(state.focus.index() + 1) % 4],
        Action::FocusPrev => state.focus = Pane::ALL[(state.focus.index() + 3) % 4],
        Action::Focus(p) => state.focus = p,
        Action::Move(d) => move_by(state, d as i64),
        Action::Page(d) => move_by(state, d as i64 * page_size(state)),
        Action::Top => state.selected[state.focus.index()] = 0,
        Action::Bottom => state.selected[state.focus.index()] = state.rows(state.focus).saturating_sub(1),
        Action::ToggleCatalyst => toggle_catalyst(state, &mut fx),
        Action::CycleRisk => cycle_risk(state, &mut fx),
        Action::Undo => undo(state, &mut fx),
        Action::FilterStart => {
            state.filter.editing = true;
            state.focus = Pane::News;
        }
        Action::FilterEdit(tui_input::InputRequest::InsertChar(c))
            if !crate::core::sanitize::is_safe_char(c) =>
        {
            return fx; // pasted controls, escapes and bidi overrides never reach the screen
        }
        Action::FilterEdit(tui_input::InputRequest::InsertChar(_))
            if state.filter.input.value().chars().count() >= FILTER_MAX =>
        {
            notify(state, Level::Warn, format!("the filter holds at most {FILTER_MAX} characters"), false);
        }
        Action::FilterEdit(req) => {
            let req = match req {
                // As in titles: a regional indicator is its letter (sanitize::clean).
                tui_input::InputRequest::InsertChar(c) => tui_input::InputRequest::InsertChar(
                    crate::core::sanitize::regional_letter(c).unwrap_or(c),
                ),
                other => other,
            };
            if state.filter.input.handle(req).is_none() {
                return fx;
            }
            apply_filter_text(state);
        }
        Action::FilterAccept => {
            state.filter.editing = false;
            if state.filter.error.is_some() {
                // Keep the text so it can be fixed; the last good query stays applied.
                state.filter.editing = true;
            }
        }
        Action::FilterCancel => {
            state.filter.editing = false;
            state.filter.input.reset();
            apply_filter_text(state);
        }
        Action::FilterBySelection => filter_by_selection(state, &mut fx),
        Action::OpenLink => open_link(state, &mut fx),
        Action::Paste(text) => paste::paste(state, &text),
        Action::Start => {
            sources::start(state, &mut fx);
            overdue_windows(state, &mut fx);
        }
        Action::RefreshAll => {
            detail::refresh(state);
            let ids: Vec<SourceId> = state.sources.iter().map(|s| s.id).collect();
            let n = ids.len();
            let started = ids.into_iter().filter(|id| fetch(state, *id, &mut fx, true)).count();
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let text = match n - started {
                0 => format!("refreshing {n} source{}", plural(n)),
                _ if started == 0 => "every source is being fetched already".to_string(),
                busy => format!("refreshing {started} source{} ({busy} already in flight)", plural(started)),
            };
            notify(state, Level::Info, text, false);
        }
        Action::RefreshDue(id, generation) => {
            if !state.sources.iter().any(|s| s.id == id && s.schedule == generation) {
                return fx; // an older timer, superseded by a newer schedule
            }
            fetch(state, id, &mut fx, false);
        }
        Action::Loaded(loaded) => on_loaded(state, loaded, &mut fx),
        Action::Restore(cache) => restore(state, cache),
        Action::RestoreOlder(items) => state.merge_news(items),
        Action::OpenDetail => detail::open(state),
        Action::CloseDetail => detail::close(state),
        Action::DetailRange(by) => detail::shift(state, by),
        Action::SeriesStored { symbol, span, series } => {
            detail::stored(state, symbol, span, series.map(|s| *s));
        }
        Action::SeriesLoaded { symbol, span, req, result, retry_after } => {
            detail::loaded(state, symbol, span, req, result.map(|s| *s), retry_after, &mut fx);
        }
        Action::SeriesDue { .. } => {} // the series in use are asked for below
        Action::Stored { through, error } => store::stored(state, through, error),
        Action::StoreChanged(user) => store::changed(state, *user),
        Action::ArchiveCounts(counts) => state.archive_counts = Some(counts),
        Action::Searched { req, result } => store::searched(state, req, result),
        Action::ToggleArchive => store::toggle_archive(state),
        Action::PinStart => store::pin_start(state),
        Action::PinMove(d) => store::pin_move(state, d),
        Action::PinAccept => store::pin_accept(state, &mut fx),
        Action::PinCancel => state.pin = None,
        Action::OpenFailed(msg) => notify(state, Level::Error, format!("cannot open link: {msg}"), false),
    }
    store::sync_archive(state, &mut fx);
    sources::sync_fx(state, &mut fx);
    sources::check_weights(state, &mut fx);
    // The series in use (the detail view's, reactions, relative strength) on their way.
    detail::wanted(state, &mut fx);
    if state.rev == before {
        state.rev += 1;
    }
    fx
}

/// Opens `which`, or closes whatever overlay is open.
fn toggle_overlay(state: &mut State, which: Overlay) {
    state.overlay = if state.overlay.is_some() { None } else { Some(which) };
    state.help_scroll = 0;
    state.alert_selected = 0;
}

/// Adds a status-line message.
pub fn notify(state: &mut State, level: Level, text: String, sticky: bool) {
    state.notices.push(Notice { level, text, at: state.now, sticky });
    state.said += 1;
    let transient = state.notices.iter().filter(|n| !n.sticky).count();
    if transient > NOTICE_DEPTH
        && let Some(i) = state.notices.iter().position(|n| !n.sticky)
    {
        state.notices.remove(i);
    }
}

fn page_size(state: &State) -> i64 {
    (i64::from(state.size.1) / 2).max(5)
}

fn move_by(state: &mut State, delta: i64) {
    let rows = state.rows(state.focus) as i64;
    let i = state.focus.index();
    state.selected[i] = (state.selected[i] as i64 + delta).clamp(0, (rows - 1).max(0)) as usize;
}

fn toggle_catalyst(state: &mut State, fx: &mut Vec<Effect>) {
    if state.focus != Pane::Catalysts {
        let key = state.keymap.hint(crate::core::keys::Command::PaneCatalysts);
        return notify(
            state,
            Level::Info,
            format!("toggle works in Catalysts: press {key} to go there"),
            false,
        );
    }
    let Some(id) = state.catalysts.get(state.selected(Pane::Catalysts)).map(|c| c.id.clone()) else { return };
    let what = What::Catalyst { id: id.clone(), done: !state.catalyst_done(&id) };
    let label = format!("{} (u undoes)", what.describe());
    decide(state, fx, what, None, label, (Pane::Catalysts, id, "toggle of"));
}

fn cycle_risk(state: &mut State, fx: &mut Vec<Effect>) {
    if state.focus != Pane::Risks {
        let key = state.keymap.hint(crate::core::keys::Command::PaneRisks);
        return notify(state, Level::Info, format!("level works in Risks: press {key} to go there"), false);
    }
    let Some(id) = state.risks.get(state.selected(Pane::Risks)).map(|r| r.id.clone()) else { return };
    let prev = state.risk_level(&id);
    let label = format!("{id}: {} → {} (u undoes)", prev.label(), prev.next().label());
    let what = What::Risk { id: id.clone(), level: prev.next() };
    decide(state, fx, what, None, label, (Pane::Risks, id, "level change of"));
}

/// A user's decision: a journal entry of this process, applied and handed to the store, said on
/// the status line (and confirmed there once written), and undoable with `u` (`undo` names the
/// row it is on and what `u` will say it undid).
fn decide(
    state: &mut State,
    fx: &mut Vec<Effect>,
    what: What,
    note: Option<String>,
    label: String,
    undo: (Pane, String, &str),
) {
    let entry = store::entry(state, what, note);
    let (pane, id, verb) = undo;
    push_undo(state, Undo { uid: entry.uid.clone(), label: format!("{verb} {id}"), pane, id });
    notify(state, Level::Info, label.clone(), false);
    store::record(state, fx, vec![Change::Journal(entry)], Some(label));
}

fn push_undo(state: &mut State, entry: Undo) {
    state.undo.push(entry);
    if state.undo.len() > UNDO_DEPTH {
        state.undo.remove(0);
    }
}

/// `u`: the last change this process made no longer counts (an undo entry in the journal).
fn undo(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(last) = state.undo.pop() else {
        return notify(state, Level::Info, "nothing to undo".into(), false);
    };
    let text = format!("undid {}", last.label);
    let entry = store::entry(state, What::Undo { uid: last.uid }, None);
    focus_row(state, last.pane, &last.id);
    notify(state, Level::Info, text.clone(), false);
    store::record(state, fx, vec![Change::Journal(entry)], Some(text));
}

fn focus_row(state: &mut State, pane: Pane, id: &str) {
    let at = match pane {
        Pane::Tickers => state.tickers.iter().position(|t| t.symbol == id),
        Pane::Catalysts => state.catalysts.iter().position(|c| c.id == id),
        _ => state.risks.iter().position(|c| c.id == id),
    };
    if let Some(i) = at {
        state.focus = pane;
        state.selected[pane.index()] = i;
    }
}

fn apply_filter_text(state: &mut State) {
    match filter::parse(state.filter.input.value()) {
        Ok(q) => {
            state.filter.error = None;
            state.set_query(q);
        }
        Err(e) => state.filter.error = Some(e.to_string()),
    }
}

fn set_filter(state: &mut State, text: String) {
    state.filter.input = tui_input::Input::new(text);
    state.filter.editing = false;
    apply_filter_text(state);
    state.focus = Pane::News;
    state.selected[Pane::News.index()] = 0;
}

fn filter_by_selection(state: &mut State, fx: &mut Vec<Effect>) {
    let sel = state.selected(state.focus);
    // For a catalyst or risk the filter (`c:ID` / `r:ID`) is also the key of its "seen" mark.
    let text = match state.focus {
        Pane::Tickers => state.tickers.get(sel).map(|t| format!("${}", t.symbol)),
        Pane::Catalysts => {
            state.catalysts.get(sel).map(|c| evidence::seen_key(evidence::Kind::Catalyst, &c.id))
        }
        Pane::Risks => state.risks.get(sel).map(|r| evidence::seen_key(evidence::Kind::Risk, &r.id)),
        Pane::News => None,
    };
    let seen = text.clone().filter(|_| matches!(state.focus, Pane::Catalysts | Pane::Risks));
    match text {
        Some(t) => set_filter(state, t),
        None => notify(state, Level::Info, "select a ticker, catalyst or risk to filter by".into(), false),
    }
    // Looking at the evidence clears its "new evidence" mark.
    if let Some(key) = seen {
        let at = state.now;
        store::record(state, fx, vec![Change::Seen { key, at }], None);
    }
}

/// Only http(s) links are opened; anything else is refused with a message.
pub fn openable(link: &str) -> bool {
    let lower = link.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !link.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Enter: a headline's link; on a ticker, catalyst or risk, the news linked to it.
fn open_link(state: &mut State, fx: &mut Vec<Effect>) {
    if state.focus == Pane::Tickers {
        return detail::open(state);
    }
    if state.focus != Pane::News {
        return filter_by_selection(state, fx);
    }
    // A headline: the reader, and it counts as read.
    let Some(item) = state.selected_news().cloned() else { return };
    mark_read(state, fx, &item.id);
    // The window keeps no summaries or texts: the store has them.
    let loading = !state.read_only;
    if loading {
        fx.push(Effect::ReadText { id: item.id.clone() });
    }
    state.reader = Some(crate::core::state::ReaderView { item, scroll: 0, loading });
}

/// `o`: the headline's link (the reader's, or the selected one) in the browser; elsewhere as Enter.
fn browse_link(state: &mut State, fx: &mut Vec<Effect>) {
    let item = match &state.reader {
        Some(r) => Some(r.item.clone()),
        None if state.focus == Pane::News => state.selected_news().cloned(),
        None => return open_link(state, fx),
    };
    let Some(item) = item else { return };
    let Some(link) = checked_link(state, &item.link, "open") else { return };
    fx.push(Effect::OpenUrl(link));
    mark_read(state, fx, &item.id);
}

/// `y`: the headline's link to the clipboard, through the terminal (OSC 52).
fn copy_link(state: &mut State, fx: &mut Vec<Effect>) {
    let link = match &state.reader {
        Some(r) => r.item.link.clone(),
        None if state.focus == Pane::News => {
            state.selected_news().map(|n| n.link.clone()).unwrap_or_default()
        }
        None => return,
    };
    let Some(link) = checked_link(state, &link, "copy") else { return };
    fx.push(Effect::Copy(link));
    let tip = "link copied through the terminal (OSC 52; in tmux: set -g set-clipboard on)";
    notify(state, Level::Info, tip.into(), false);
}

/// `link` if it is an http(s) link to hand on; else says why not.
fn checked_link(state: &mut State, link: &str, verb: &str) -> Option<String> {
    if link.trim().is_empty() {
        notify(state, Level::Warn, format!("this headline has no link to {verb}"), false);
        return None;
    }
    if !openable(link) {
        let shown = crate::core::sanitize::clean_capped(link, 60);
        notify(state, Level::Warn, format!("refused to open non-http(s) link `{shown}`"), false);
        return None;
    }
    Some(link.to_string())
}

fn mark_read(state: &mut State, fx: &mut Vec<Effect>, id: &str) {
    if !state.user.read.contains(id) {
        let at = state.now;
        store::record(state, fx, vec![Change::Read { item: id.to_string(), at }], None);
    }
}

/// Open catalysts whose expected window has passed raise an alert, once (checked each minute:
/// the day can turn at any local midnight).
fn overdue_windows(state: &mut State, fx: &mut Vec<Effect>) {
    let today = state.local(state.now).date_naive();
    let changes =
        crate::core::alerts::check_windows(&state.catalysts, &state.risks, &mut state.user, today, state.now);
    if changes.is_empty() {
        return;
    }
    if state.bell {
        fx.push(Effect::Bell);
    }
    state.rev += 1;
    store::record(state, fx, changes, None);
}
