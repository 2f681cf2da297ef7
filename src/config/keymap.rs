//! The terminal's key events as the core's keys: the one place that knows crossterm's key types.
//! The keymap itself (defaults, remaps, the mode-dependent lookup) is pure and lives in
//! `core::keys`; its names are re-exported here.

pub use crate::core::keys::*;
use crossterm::event::{KeyCode as TermCode, KeyEvent, KeyEventKind, KeyModifiers as TermMods};

/// A terminal key press as a [`Key`]: releases and keys the app has no use for (media keys,
/// Insert, ...) are `None`; Shift is implied by an uppercase char, BackTab is its own key.
pub fn key_of(ev: &KeyEvent) -> Option<Key> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let code = match ev.code {
        TermCode::Char(c) => KeyCode::Char(c),
        TermCode::Enter => KeyCode::Enter,
        TermCode::Esc => KeyCode::Esc,
        TermCode::Tab => KeyCode::Tab,
        TermCode::BackTab => KeyCode::BackTab,
        TermCode::Backspace => KeyCode::Backspace,
        TermCode::Delete => KeyCode::Delete,
        TermCode::Up => KeyCode::Up,
        TermCode::Down => KeyCode::Down,
        TermCode::Left => KeyCode::Left,
        TermCode::Right => KeyCode::Right,
        TermCode::Home => KeyCode::Home,
        TermCode::End => KeyCode::End,
        TermCode::PageUp => KeyCode::PageUp,
        TermCode::PageDown => KeyCode::PageDown,
        TermCode::F(n) => KeyCode::F(n),
        _ => return None,
    };
    let mut mods = KeyModifiers::NONE;
    for (term, ours) in [
        (TermMods::CONTROL, KeyModifiers::CONTROL),
        (TermMods::ALT, KeyModifiers::ALT),
        (TermMods::SHIFT, KeyModifiers::SHIFT),
    ] {
        if ev.modifiers.contains(term) {
            mods |= ours;
        }
    }
    if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
        mods.remove(KeyModifiers::SHIFT);
    }
    Some(Key { code, mods })
}

/// What a terminal key press does in `mode`: [`key_of`], then [`Keymap::map`].
pub fn map_event(keymap: &Keymap, mode: Mode, ev: &KeyEvent) -> Option<crate::core::action::Action> {
    key_of(ev).and_then(|key| keymap.map(mode, &key))
}
