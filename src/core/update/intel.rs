//! Notes on catalyst changes and the alert list.

use super::{Level, notify, store};
use crate::core::action::Pane;
use crate::core::domain::NOTE_MAX;
use crate::core::effect::Effect;
use crate::core::journal::{Change, What};
use crate::core::state::{NoteDraft, State};
use tui_input::InputRequest;

/// `n` on a catalyst: type a note for its last change (prefilled with the note it has).
pub(super) fn note_start(state: &mut State) {
    if state.focus != Pane::Catalysts {
        let key = state.keymap.hint(crate::core::keys::Command::PaneCatalysts);
        return notify(state, Level::Info, format!("notes go on catalysts: press {key} to go there"), false);
    }
    let Some(id) = state.catalysts.get(state.selected(Pane::Catalysts)).map(|c| c.id.clone()) else { return };
    let Some(last) = state.user.catalysts.get(&id).and_then(|r| r.history.last()) else {
        return notify(state, Level::Info, format!("{id} has no change to note yet: toggle it first"), false);
    };
    let input = tui_input::Input::new(last.note.clone().unwrap_or_default());
    state.note = Some(NoteDraft { catalyst: id, input });
}

pub(super) fn note_edit(state: &mut State, req: InputRequest) {
    if let InputRequest::InsertChar(c) = req
        && !crate::core::sanitize::is_safe_char(c)
    {
        return; // pasted controls and escapes never reach the screen or the file
    }
    let req = match req {
        InputRequest::InsertChar(c) => {
            InputRequest::InsertChar(crate::core::sanitize::regional_letter(c).unwrap_or(c))
        }
        other => other,
    };
    if let Some(draft) = &mut state.note {
        let full = draft.input.value().chars().count() >= NOTE_MAX;
        if !(full && matches!(req, InputRequest::InsertChar(_))) {
            draft.input.handle(req);
        }
    }
}

/// Enter: the note replaces the last change's note (an empty one removes it); `u` undoes it.
pub(super) fn note_accept(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(draft) = state.note.take() else { return };
    let id = draft.catalyst;
    let note = crate::core::domain::clean_note(draft.input.value());
    if state.user.catalysts.get(&id).is_none_or(|r| r.history.is_empty()) {
        return;
    }
    let label = match note {
        Some(_) => format!("note saved on {id} (u undoes)"),
        None => format!("note removed from {id} (u undoes)"),
    };
    super::decide(state, fx, What::Note { id: id.clone() }, note, label, (Pane::Catalysts, id, "note on"));
}

pub(super) fn move_alert(state: &mut State, delta: i32) {
    let last = state.user.alerts.len().saturating_sub(1);
    state.alert_selected = state.alert_selected.saturating_add_signed(delta as isize).min(last);
}

/// Acknowledges the selected alert (the list shows newest first) or all of them. Their events stay
/// remembered, so they do not fire again.
pub(super) fn ack(state: &mut State, fx: &mut Vec<Effect>, all: bool) {
    let n = state.user.alerts.len();
    if n == 0 {
        return;
    }
    let keys: Vec<String> = if all {
        state.user.alerts.iter().map(|a| a.key.clone()).collect()
    } else {
        let i = n - 1 - state.alert_selected.min(n - 1);
        vec![state.user.alerts[i].key.clone()]
    };
    let at = state.now;
    store::record(state, fx, vec![Change::Acked { keys, at }], None);
    state.alert_selected = state.alert_selected.min(state.user.alerts.len().saturating_sub(1));
}
