//! Keymap: defaults from DESIGN.md, modes, key parsing and remapping.

use chokepoint::action::{Action, Pane};
use chokepoint::keymap::{self as keys, Command, Key, Keymap, Mode, map_event};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}
fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

#[test]
fn design_defaults() {
    let km = Keymap::default();
    let n = |ev: KeyEvent| map_event(&km, Mode::Normal, &ev);
    assert_eq!(n(key(KeyCode::Tab)), Some(Action::FocusNext));
    assert_eq!(n(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::FocusPrev));
    assert_eq!(n(ch('1')), Some(Action::Focus(Pane::Tickers)));
    assert_eq!(n(ch('4')), Some(Action::Focus(Pane::News)));
    assert_eq!(n(ch('j')), Some(Action::Move(1)));
    assert_eq!(n(key(KeyCode::Up)), Some(Action::Move(-1)));
    assert_eq!(n(ch('g')), Some(Action::Top));
    assert_eq!(n(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
    assert_eq!(n(ch(' ')), Some(Action::ToggleCatalyst));
    assert_eq!(n(ch('x')), Some(Action::ToggleCatalyst));
    assert_eq!(n(ch('l')), Some(Action::CycleRisk));
    assert_eq!(n(ch('/')), Some(Action::FilterStart));
    assert_eq!(n(ch('f')), Some(Action::FilterBySelection));
    assert_eq!(n(key(KeyCode::Enter)), Some(Action::OpenLink));
    assert_eq!(n(ch('o')), Some(Action::BrowseLink), "DESIGN: Enter reads, o opens the link");
    assert_eq!(n(ch('y')), Some(Action::CopyLink));
    assert_eq!(n(ch('r')), Some(Action::RefreshAll));
    assert_eq!(n(ch('u')), Some(Action::Undo));
    assert_eq!(n(ch('?')), Some(Action::ToggleHelp));
    assert_eq!(n(ch('q')), Some(Action::Quit));
    assert_eq!(n(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
    assert_eq!(n(ch('z')), None);
}

#[test]
fn filter_mode_types_text() {
    let km = Keymap::default();
    let f = |ev: KeyEvent| map_event(&km, Mode::FilterEdit, &ev);
    assert!(matches!(f(ch('q')), Some(Action::FilterEdit(_))), "q types, does not quit");
    assert!(matches!(f(ch('j')), Some(Action::FilterEdit(_))));
    assert!(matches!(f(key(KeyCode::Backspace)), Some(Action::FilterEdit(_))));
    assert_eq!(f(key(KeyCode::Enter)), Some(Action::FilterAccept));
    assert_eq!(f(key(KeyCode::Esc)), Some(Action::FilterCancel));
    assert_eq!(f(key(KeyCode::Down)), Some(Action::Move(1)));
    assert_eq!(f(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
}

#[test]
fn help_mode_scrolls_and_closes_on_any_other_key() {
    let km = Keymap::default();
    assert_eq!(map_event(&km, Mode::Help, &ch('j')), Some(Action::HelpScroll(1)));
    assert_eq!(map_event(&km, Mode::Help, &key(KeyCode::Up)), Some(Action::HelpScroll(-1)));
    assert_eq!(map_event(&km, Mode::Help, &key(KeyCode::PageDown)), Some(Action::HelpScroll(10)));
    assert_eq!(map_event(&km, Mode::Help, &key(KeyCode::Esc)), Some(Action::ToggleHelp));
    assert_eq!(map_event(&km, Mode::Help, &ch('q')), Some(Action::ToggleHelp), "q closes help like a pager");
    assert_eq!(map_event(&km, Mode::Help, &ch('?')), Some(Action::ToggleHelp));
    assert_eq!(
        map_event(&km, Mode::Help, &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
}

#[test]
fn releases_are_ignored() {
    let km = Keymap::default();
    let mut ev = ch('q');
    ev.kind = KeyEventKind::Release;
    assert_eq!(map_event(&km, Mode::Normal, &ev), None);
}

#[test]
fn key_parsing() {
    assert_eq!(
        Key::parse("ctrl-r").unwrap(),
        Key { code: keys::KeyCode::Char('r'), mods: keys::KeyModifiers::CONTROL }
    );
    assert_eq!(Key::parse("shift-tab").unwrap().code, keys::KeyCode::BackTab);
    assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
    assert_eq!(Key::parse("F5").unwrap().code, keys::KeyCode::F(5));
    assert_eq!(Key::parse("space").unwrap().code, keys::KeyCode::Char(' '));
    assert_eq!(Key::parse("PageDown").unwrap().code, keys::KeyCode::PageDown);
    assert!(Key::parse("f13").is_err());
    assert!(Key::parse("").is_err());
    assert!(Key::parse("hyper-x").is_err());
    assert_eq!(Key::parse("ctrl-c").unwrap().label(), "Ctrl-c");
}

#[test]
fn rebinding_takes_the_key_from_its_old_command() {
    let mut km = Keymap::default();
    km.rebind(Command::Refresh, &[Key::parse("q").unwrap()]);
    assert_eq!(map_event(&km, Mode::Normal, &ch('q')), Some(Action::RefreshAll));
    assert_eq!(map_event(&km, Mode::Normal, &ch('r')), None);
    assert!(km.keys_for(Command::Quit).is_empty());
    // Ctrl-C still quits
    assert_eq!(
        map_event(&km, Mode::Normal, &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
}

#[test]
fn every_command_has_a_unique_name() {
    for c in Command::ALL {
        assert_eq!(Command::from_name(c.name()), Some(c));
        assert!(!c.describe().is_empty());
    }
}
