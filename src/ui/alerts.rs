//! The alert list: fired alerts not yet acknowledged, newest first.

use super::help::popup;
use crate::alerts::Rule;
use crate::core::keys::Command;
use crate::evidence::seen_key;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let dim = Style::new().fg(Color::DarkGray);
    let k = |cmd| state.keymap.hint(cmd);
    let hint = format!(
        "{}/{} select · {} acknowledge · X acknowledge all",
        k(Command::Down),
        k(Command::Up),
        k(Command::Toggle)
    );
    let mut lines = vec![Line::from(Span::styled(hint, dim))];
    if state.user.alerts.is_empty() && state.alert_rules.is_empty() {
        lines.push(Line::from(Span::styled("no alerts: set them with [[alerts]] in the config", dim)));
    } else if state.user.alerts.is_empty() {
        let n = state.alert_rules.len();
        let rules = if n == 1 { "1 rule".to_string() } else { format!("{n} rules") };
        let open = if state.user.alert_keys.is_empty() { "none has fired yet" } else { "no open alerts" };
        lines.push(Line::from(Span::styled(format!("{open}; watching {rules}:"), dim)));
        lines.extend(
            state.alert_rules.iter().map(|r| Line::from(Span::styled(format!("  {}", rule(r)), dim))),
        );
    }
    for (i, a) in state.user.alerts.iter().rev().enumerate() {
        let style = if i == state.alert_selected {
            Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Yellow)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", state.local(a.at).format("%m-%d %H:%M")), dim),
            Span::styled(a.text.clone(), style),
        ]));
    }
    // Keep the selection in view (line 0 is the key hint).
    let room = area.height.saturating_sub(4);
    let scroll = (state.alert_selected as u16 + 2).saturating_sub(room);
    popup(state, frame, area, " alerts ", lines, scroll);
}

/// What a configured rule watches, in the words of the config.
fn rule(r: &Rule) -> String {
    match r {
        Rule::Move { ticker, pct } => format!("{ticker}: day move beyond ±{pct}%"),
        Rule::Above { ticker, level } => format!("{ticker}: price crossing above {level}"),
        Rule::Below { ticker, level } => format!("{ticker}: price crossing below {level}"),
        Rule::Headline { kind, id } => format!("{}: a new headline", seen_key(*kind, id)),
    }
}
