//! The pin chooser: the catalysts and risks a headline can be pinned to, the ones it is pinned to
//! marked `◆` (choosing one of those unpins it).

use super::help::popup;
use crate::core::keys::Command;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(pin) = state.pin_chooser() else { return };
    let dim = Style::new().fg(Color::DarkGray);
    let k = |cmd| state.keymap.hint(cmd);
    let hint = format!(
        "{}/{} select · {} pin (◆: unpin) · Esc cancel",
        k(Command::Down),
        k(Command::Up),
        k(Command::Toggle)
    );
    let mut lines = vec![
        Line::from(Span::styled(
            super::fmt::truncate(&pin.title, usize::from(area.width.saturating_sub(8))),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from(Span::styled(hint, dim)),
    ];
    let titles = state.catalysts().iter().chain(state.risks()).map(|t| t.title.as_str());
    for (i, (thesis, title)) in crate::update::pin_choices(state).iter().zip(titles).enumerate() {
        let pinned = state.user().pinned(thesis, &pin.item);
        let mark = if pinned { "◆ " } else { "  " };
        let style = if i == pin.selected {
            Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else if pinned {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(mark, Style::new().fg(Color::Cyan)),
            Span::styled(format!("{thesis:<24} "), dim),
            Span::styled(title.to_string(), style),
        ]));
    }
    let room = area.height.saturating_sub(4);
    let scroll = (pin.selected as u16 + 3).saturating_sub(room);
    popup(state, frame, area, " pin to a catalyst or risk ", lines, scroll);
}
