//! Bracketed paste: pasted text goes into the open text input as text, never as keys.

use super::{Level, apply_filter_text, notify};
use crate::core::domain::NOTE_MAX;
use crate::core::keys::Mode;
use crate::core::state::State;
use tui_input::Input;

/// Longest filter text, in characters (typed or pasted).
pub const FILTER_MAX: usize = 512;

/// Inserts `text` at the cursor of the open input (the filter or a note): line breaks and tabs
/// become single spaces, controls, escapes and bidi overrides are dropped, and the text is cut at
/// the input's cap with a notice. Work is bounded by the cap, not by the paste. Outside an input
/// the paste is ignored with a notice, so pasted text can never run commands.
pub(super) fn paste(state: &mut State, text: &str) {
    let mode = state.mode();
    let (input, cap, what) = match (mode, state.note.as_mut(), state.lot.as_mut()) {
        (Mode::NoteEdit, Some(draft), _) => (&mut draft.input, NOTE_MAX, "note"),
        (Mode::FilterEdit, _, _) => (&mut state.filter.input, FILTER_MAX, "filter"),
        (Mode::LotEdit, _, Some(draft)) => (&mut draft.fields[draft.field], super::lots::FIELD_MAX, "field"),
        _ => {
            let hint = "paste ignored: open the filter (/) or a note (n) first";
            return notify(state, Level::Info, hint.into(), false);
        }
    };
    let room = cap.saturating_sub(input.value().chars().count());
    let (insert, cut) = flatten(text, room);
    let cursor = input.cursor();
    let at = input.value().char_indices().nth(cursor).map_or(input.value().len(), |(i, _)| i);
    let mut value = input.value().to_string();
    value.insert_str(at, &insert);
    *input = Input::new(value).with_cursor(cursor + insert.chars().count());
    if what == "filter" {
        apply_filter_text(state);
    }
    if cut {
        notify(state, Level::Warn, format!("paste cut: the {what} holds at most {cap} characters"), false);
    }
}

/// `text` as one line of at most `room` characters: each run of line breaks and tabs is one
/// space, unsafe characters are dropped. Whether anything was left out for lack of room.
fn flatten(text: &str, room: usize) -> (String, bool) {
    let mut out = String::new();
    let mut n = 0;
    let mut in_break = false;
    for c in text.chars() {
        let c = match c {
            '\n' | '\r' | '\t' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                if in_break {
                    continue;
                }
                in_break = true;
                ' '
            }
            c if crate::core::sanitize::is_safe_char(c) => {
                in_break = false;
                c
            }
            _ => continue,
        };
        if n == room {
            return (out, true);
        }
        out.push(c);
        n += 1;
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::flatten;

    #[test]
    fn line_breaks_become_one_space_and_controls_go() {
        assert_eq!(flatten("laser\r\n2x3ll", 100), ("laser 2x3ll".into(), false));
        assert_eq!(flatten("a\n\n\tb\u{1b}[31mc\u{202e}d", 100), ("a b[31mcd".into(), false));
        assert_eq!(flatten("abcdef", 3), ("abc".into(), true));
        assert_eq!(flatten("abc", 3), ("abc".into(), false));
        assert_eq!(flatten("光通信", 0), (String::new(), true));
    }
}
