//! Keys -> actions: built-in defaults, user overrides from config, and the mode-dependent lookup.
//! Keys are this module's own plain types; the terminal's key events are turned into them at the
//! edge (`config::keymap::key_of`), so the core never sees the terminal library.

use crate::core::action::{Action, Pane};
use tui_input::InputRequest;

/// A key, without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

/// Ctrl, Alt and Shift, as a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyModifiers(u8);

impl KeyModifiers {
    pub const NONE: KeyModifiers = KeyModifiers(0);
    pub const CONTROL: KeyModifiers = KeyModifiers(1);
    pub const ALT: KeyModifiers = KeyModifiers(2);
    pub const SHIFT: KeyModifiers = KeyModifiers(4);

    pub fn contains(self, other: KeyModifiers) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn remove(&mut self, other: KeyModifiers) {
        self.0 &= !other.0;
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for KeyModifiers {
    type Output = KeyModifiers;
    fn bitor(self, other: KeyModifiers) -> KeyModifiers {
        KeyModifiers(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for KeyModifiers {
    fn bitor_assign(&mut self, other: KeyModifiers) {
        self.0 |= other.0;
    }
}

/// A named user intent that a key can be bound to (the names are the config's `[keys]` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    PaneTickers,
    PaneCatalysts,
    PaneRisks,
    PaneNews,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Toggle,
    CycleLevel,
    Undo,
    Filter,
    FilterSelected,
    Open,
    Refresh,
    Sources,
    Note,
    Alerts,
    Archive,
    Pin,
    RangeNext,
    RangePrev,
    AddLot,
    RemoveLot,
    Browse,
    CopyLink,
}

impl Command {
    pub const ALL: [Command; 32] = [
        Command::Quit,
        Command::Help,
        Command::FocusNext,
        Command::FocusPrev,
        Command::PaneTickers,
        Command::PaneCatalysts,
        Command::PaneRisks,
        Command::PaneNews,
        Command::Up,
        Command::Down,
        Command::Top,
        Command::Bottom,
        Command::PageUp,
        Command::PageDown,
        Command::Toggle,
        Command::CycleLevel,
        Command::Undo,
        Command::Filter,
        Command::FilterSelected,
        Command::Open,
        Command::Refresh,
        Command::Sources,
        Command::Note,
        Command::Alerts,
        Command::Archive,
        Command::Pin,
        Command::RangeNext,
        Command::RangePrev,
        Command::AddLot,
        Command::RemoveLot,
        Command::Browse,
        Command::CopyLink,
    ];

    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// What the help overlay says the command does.
    pub fn describe(self) -> &'static str {
        self.info().1
    }

    fn info(self) -> (&'static str, &'static str) {
        match self {
            Command::Quit => ("quit", "quit"),
            Command::Help => ("help", "show / hide this help"),
            Command::FocusNext => ("focus_next", "focus next pane"),
            Command::FocusPrev => ("focus_prev", "focus previous pane"),
            Command::PaneTickers => ("pane_tickers", "jump to Tickers"),
            Command::PaneCatalysts => ("pane_catalysts", "jump to Catalysts"),
            Command::PaneRisks => ("pane_risks", "jump to Risks"),
            Command::PaneNews => ("pane_news", "jump to News"),
            Command::Up => ("up", "move up"),
            Command::Down => ("down", "move down"),
            Command::Top => ("top", "go to top"),
            Command::Bottom => ("bottom", "go to bottom"),
            Command::PageUp => ("page_up", "page up"),
            Command::PageDown => ("page_down", "page down"),
            Command::Toggle => ("toggle", "toggle the selected catalyst (records when)"),
            Command::CycleLevel => ("cycle_level", "cycle risk level: watch > elevated > materialized"),
            Command::Undo => ("undo", "undo the last toggle, level change or note"),
            Command::Filter => ("filter", "filter news as you type (Enter keeps, Esc clears)"),
            Command::FilterSelected => {
                ("filter_selected", "filter news by the selected ticker/catalyst/risk")
            }
            Command::Open => ("open", "read the headline; a ticker's chart; a catalyst/risk's news"),
            Command::Browse => ("browse", "open the headline's link in the browser (marks it read)"),
            Command::CopyLink => ("copy_link", "reader: copy the headline's link (OSC 52: works over ssh)"),
            Command::Refresh => ("refresh", "refresh all sources now"),
            Command::Sources => ("sources", "show every source's health, age and next retry"),
            Command::Note => ("note", "add a one-line note to the selected catalyst's last change"),
            Command::Alerts => ("alerts", "alert list: x acknowledges one, X all"),
            Command::Archive => {
                ("archive", "News: search every archived headline, not only the newest (again: back)")
            }
            Command::Pin => ("pin", "pin the selected headline to a catalyst or risk (or unpin it)"),
            Command::RangeNext => ("range_next", "ticker detail: the next, longer chart range"),
            Command::RangePrev => ("range_prev", "ticker detail: the previous, shorter chart range"),
            Command::AddLot => {
                ("add_lot", "Tickers: add a lot (shares, price, date, fees) of the selected ticker")
            }
            Command::RemoveLot => {
                ("remove_lot", "Tickers: remove the selected ticker's newest lot added in the app")
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    fn action(self) -> Action {
        match self {
            Command::Quit => Action::Quit,
            Command::Help => Action::ToggleHelp,
            Command::FocusNext => Action::FocusNext,
            Command::FocusPrev => Action::FocusPrev,
            Command::PaneTickers => Action::Focus(Pane::Tickers),
            Command::PaneCatalysts => Action::Focus(Pane::Catalysts),
            Command::PaneRisks => Action::Focus(Pane::Risks),
            Command::PaneNews => Action::Focus(Pane::News),
            Command::Up => Action::Move(-1),
            Command::Down => Action::Move(1),
            Command::Top => Action::Top,
            Command::Bottom => Action::Bottom,
            Command::PageUp => Action::Page(-1),
            Command::PageDown => Action::Page(1),
            Command::Toggle => Action::ToggleCatalyst,
            Command::CycleLevel => Action::CycleRisk,
            Command::Undo => Action::Undo,
            Command::Filter => Action::FilterStart,
            Command::FilterSelected => Action::FilterBySelection,
            Command::Open => Action::OpenLink,
            Command::Refresh => Action::RefreshAll,
            Command::Sources => Action::ToggleSources,
            Command::Note => Action::NoteStart,
            Command::Alerts => Action::ToggleAlerts,
            Command::Archive => Action::ToggleArchive,
            Command::Pin => Action::PinStart,
            Command::RangeNext => Action::DetailRange(1),
            Command::RangePrev => Action::DetailRange(-1),
            Command::Browse => Action::BrowseLink,
            Command::CopyLink => Action::CopyLink,
            Command::AddLot => Action::LotStart,
            Command::RemoveLot => Action::LotRemove,
        }
    }
}

/// A key with modifiers, as written in config (`ctrl-c`, `shift-tab`, `G`, `f5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, mods: KeyModifiers::NONE }
    }
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    /// Parses `q`, `G`, `?`, `ctrl-c`, `alt-x`, `shift-tab`, `enter`, `space`, `f5`, `pagedown`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err("empty key".into());
        }
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break; // a bare "-"-terminated word is a key name error below
            }
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::BackTab
                }
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("unknown key `{s}`")),
                },
            },
        };
        if let KeyCode::Char(c) = code
            && mods.contains(KeyModifiers::SHIFT)
        {
            mods.remove(KeyModifiers::SHIFT);
            return Ok(Key { code: KeyCode::Char(c.to_ascii_uppercase()), mods });
        }
        Ok(Key { code, mods })
    }

    /// How the help overlay writes the key.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Backspace => out.push_str("Backspace"),
            KeyCode::Delete => out.push_str("Del"),
            KeyCode::Up => out.push('↑'),
            KeyCode::Down => out.push('↓'),
            KeyCode::Left => out.push('←'),
            KeyCode::Right => out.push('→'),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
        }
        out
    }
}

/// Which keys the app is listening for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the news filter: printable keys go to the input.
    FilterEdit,
    /// Help overlay open: movement keys scroll it, any other key closes it (Ctrl-C still quits).
    Help,
    /// Typing a note for a catalyst: printable keys go to the input.
    NoteEdit,
    /// Alert list open: movement keys select, toggle/open keys acknowledge, `X` all, others close.
    Alerts,
    /// Pin chooser open: movement keys select, toggle/open keys pin, others close.
    Pin,
    /// A ticker's detail view: range keys switch the range, Esc goes back.
    Detail,
    /// The lot form: printable keys go to the field, Tab/arrows move between fields, Enter saves.
    LotEdit,
    /// The reader: movement keys scroll, the browse and copy keys act on its link, Esc closes.
    Reader,
}

/// Bindings for normal mode. Ctrl-C always quits and is not remappable.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Command)>,
}

impl Default for Keymap {
    fn default() -> Self {
        use Command as C;
        use KeyCode as K;
        let bindings = vec![
            (Key::ch('q'), C::Quit),
            (Key::ch('?'), C::Help),
            (Key::plain(K::Tab), C::FocusNext),
            (Key::plain(K::BackTab), C::FocusPrev),
            (Key::ch('1'), C::PaneTickers),
            (Key::ch('2'), C::PaneCatalysts),
            (Key::ch('3'), C::PaneRisks),
            (Key::ch('4'), C::PaneNews),
            (Key::ch('k'), C::Up),
            (Key::plain(K::Up), C::Up),
            (Key::ch('j'), C::Down),
            (Key::plain(K::Down), C::Down),
            (Key::ch('g'), C::Top),
            (Key::plain(K::Home), C::Top),
            (Key::ch('G'), C::Bottom),
            (Key::plain(K::End), C::Bottom),
            (Key::plain(K::PageUp), C::PageUp),
            (Key::plain(K::PageDown), C::PageDown),
            (Key::ch(' '), C::Toggle),
            (Key::ch('x'), C::Toggle),
            (Key::ch('l'), C::CycleLevel),
            (Key::ch('u'), C::Undo),
            (Key::ch('/'), C::Filter),
            (Key::ch('f'), C::FilterSelected),
            (Key::plain(K::Enter), C::Open),
            (Key::ch('o'), C::Browse),
            (Key::ch('y'), C::CopyLink),
            (Key::ch('r'), C::Refresh),
            (Key::ch('s'), C::Sources),
            (Key::ch('n'), C::Note),
            (Key::ch('a'), C::Alerts),
            (Key::ch('A'), C::Archive),
            (Key::ch('p'), C::Pin),
            (Key::ch(']'), C::RangeNext),
            (Key::ch('['), C::RangePrev),
            (Key::ch('+'), C::AddLot),
            (Key::ch('-'), C::RemoveLot),
        ];
        Keymap { bindings }
    }
}

impl Keymap {
    /// Replaces every default binding of `cmd` with `keys`, and takes those keys away from
    /// whatever other command had them.
    pub fn rebind(&mut self, cmd: Command, keys: &[Key]) {
        self.bindings.retain(|(k, c)| *c != cmd && !keys.contains(k));
        self.bindings.extend(keys.iter().map(|k| (*k, cmd)));
    }

    /// Keys bound to a command, for the help overlay.
    pub fn keys_for(&self, cmd: Command) -> Vec<Key> {
        self.bindings.iter().filter(|(_, c)| *c == cmd).map(|(k, _)| *k).collect()
    }

    /// Every binding, in order.
    pub fn bindings(&self) -> &[(Key, Command)] {
        &self.bindings
    }

    /// The key an on-screen hint names for `cmd`: the first plain printable key bound to it
    /// (`x` rather than `Space`, `k` rather than `↑`), else its first key; `<name>` when unbound.
    /// Hints use this, never a literal key, so a remap shows everywhere.
    pub fn hint(&self, cmd: Command) -> String {
        let keys = self.keys_for(cmd);
        let printable = keys
            .iter()
            .find(|k| k.mods.is_empty() && matches!(k.code, KeyCode::Char(c) if !c.is_whitespace()));
        match printable.or(keys.first()) {
            Some(key) => key.label(),
            None if cmd == Command::Quit => "Ctrl-c".into(),
            None => format!("<{}>", cmd.name()),
        }
    }

    pub fn command(&self, key: &Key) -> Option<Command> {
        self.bindings.iter().find(|(k, _)| k == key).map(|(_, c)| *c)
    }

    /// Whether a normal-mode action is bound to Esc (then Esc does not dismiss warnings).
    pub fn esc_bound(&self) -> bool {
        self.bindings.iter().any(|(k, _)| k.code == KeyCode::Esc)
    }

    /// Maps a key press in a mode to an action; `None` means the key does nothing.
    pub fn map(&self, mode: Mode, ev: &Key) -> Option<Action> {
        if ev.mods.contains(KeyModifiers::CONTROL) && ev.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        match mode {
            Mode::Normal => match self.command(ev) {
                Some(cmd) => Some(cmd.action()),
                None if ev.code == KeyCode::Esc => Some(Action::DismissNotices),
                None => None,
            },
            // Help scrolls with the movement keys; any other key (q and Esc too) closes it.
            Mode::Help => match self.command(ev) {
                Some(Command::Up) => Some(Action::HelpScroll(-1)),
                Some(Command::Down) => Some(Action::HelpScroll(1)),
                Some(Command::PageUp) => Some(Action::HelpScroll(-10)),
                Some(Command::PageDown) => Some(Action::HelpScroll(10)),
                _ => Some(Action::ToggleHelp),
            },
            Mode::Reader => match (self.command(ev), ev.code) {
                (Some(Command::Up), _) => Some(Action::ReaderScroll(-1)),
                (Some(Command::Down), _) => Some(Action::ReaderScroll(1)),
                (Some(Command::PageUp), _) => Some(Action::ReaderScroll(-10)),
                (Some(Command::PageDown), _) => Some(Action::ReaderScroll(10)),
                (Some(Command::Browse), _) => Some(Action::BrowseLink),
                (Some(Command::CopyLink), _) => Some(Action::CopyLink),
                (Some(Command::Quit), _) => Some(Action::Quit),
                (Some(Command::Help), _) => Some(Action::ToggleHelp),
                (_, KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace) => Some(Action::ReaderClose),
                _ => None,
            },
            Mode::LotEdit => match (ev.code, ev.mods) {
                (KeyCode::Enter, _) => Some(Action::LotAccept),
                (KeyCode::Esc, _) => Some(Action::LotCancel),
                (KeyCode::Tab | KeyCode::Down, _) => Some(Action::LotField(1)),
                (KeyCode::BackTab | KeyCode::Up, _) => Some(Action::LotField(-1)),
                _ => input_request(ev).map(Action::LotEdit),
            },
            Mode::NoteEdit => match ev.code {
                KeyCode::Enter => Some(Action::NoteAccept),
                KeyCode::Esc => Some(Action::NoteCancel),
                _ => input_request(ev).map(Action::NoteEdit),
            },
            Mode::Alerts => match (self.command(ev), ev.code) {
                (Some(Command::Up), _) => Some(Action::Move(-1)),
                (Some(Command::Down), _) => Some(Action::Move(1)),
                (Some(Command::Toggle | Command::Open), _) => Some(Action::AckAlert),
                (_, KeyCode::Char('X')) => Some(Action::AckAllAlerts),
                _ => Some(Action::ToggleAlerts),
            },
            Mode::Detail => match (self.command(ev), ev.code) {
                (Some(Command::RangeNext), _) | (_, KeyCode::Right) => Some(Action::DetailRange(1)),
                (Some(Command::RangePrev), _) | (_, KeyCode::Left) => Some(Action::DetailRange(-1)),
                (Some(Command::Quit), _) => Some(Action::Quit),
                (Some(Command::Help), _) => Some(Action::ToggleHelp),
                (Some(Command::Refresh), _) => Some(Action::RefreshAll),
                (_, KeyCode::Esc | KeyCode::Backspace) => Some(Action::CloseDetail),
                _ => None,
            },
            Mode::Pin => match self.command(ev) {
                Some(Command::Up) => Some(Action::PinMove(-1)),
                Some(Command::Down) => Some(Action::PinMove(1)),
                Some(Command::Toggle | Command::Open | Command::Pin) => Some(Action::PinAccept),
                _ => Some(Action::PinCancel),
            },
            Mode::FilterEdit => match ev.code {
                KeyCode::Enter => Some(Action::FilterAccept),
                KeyCode::Esc => Some(Action::FilterCancel),
                KeyCode::Up => Some(Action::Move(-1)),
                KeyCode::Down => Some(Action::Move(1)),
                _ => input_request(ev).map(Action::FilterEdit),
            },
        }
    }
}

/// The editing request a key makes in a text input (the readline keys tui-input's terminal
/// backend knows: arrows, Home/End, Backspace/Delete, Ctrl-A/E/B/F/H/K/U/W, Alt-B/F/D/Backspace).
fn input_request(key: &Key) -> Option<InputRequest> {
    use InputRequest::*;
    use KeyCode as K;
    const NONE: KeyModifiers = KeyModifiers::NONE;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;
    const ALT: KeyModifiers = KeyModifiers::ALT;
    Some(match (key.code, key.mods) {
        (K::Backspace, NONE) | (K::Char('h'), CTRL) => DeletePrevChar,
        (K::Delete, NONE) => DeleteNextChar,
        (K::Left, NONE) | (K::Char('b'), CTRL) => GoToPrevChar,
        (K::Left, CTRL) | (K::Char('b'), ALT) => GoToPrevWord,
        (K::Right, NONE) | (K::Char('f'), CTRL) => GoToNextChar,
        (K::Right, CTRL) | (K::Char('f'), ALT) => GoToNextWord,
        (K::Char('u'), CTRL) => DeleteLine,
        (K::Char('w'), CTRL) | (K::Char('d'), ALT) | (K::Backspace, ALT) => DeletePrevWord,
        (K::Delete, CTRL) => DeleteNextWord,
        (K::Char('k'), CTRL) => DeleteTillEnd,
        (K::Char('a'), CTRL) | (K::Home, NONE) => GoToStart,
        (K::Char('e'), CTRL) | (K::End, NONE) => GoToEnd,
        (K::Char(c), NONE) => InsertChar(c),
        _ => return None,
    })
}
