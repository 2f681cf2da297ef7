//! The sources overlay: every quote source and feed with its status, age, next attempt and error.

use super::{fmt, help::popup};
use crate::domain::FetchStatus;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width.saturating_sub(8).min(96));
    let dim = Style::new().fg(Color::DarkGray);
    let mut lines = Vec::new();
    for s in &state.sources {
        let (mark, status, style) = match &s.status {
            FetchStatus::Idle => ("·", "not fetched".to_string(), dim),
            FetchStatus::Loading => ("…", "loading".to_string(), Style::new().fg(Color::Cyan)),
            FetchStatus::Ok { at } => {
                ("✓", format!("ok {}", fmt::age(state.now, *at)), Style::new().fg(Color::Green))
            }
            FetchStatus::Error { at, .. } => {
                ("✗", format!("error {}", fmt::age(state.now, *at)), Style::new().fg(Color::Red))
            }
        };
        let next = match (s.pending, s.retry_at) {
            (Some(_), _) => "fetching now".to_string(),
            (None, Some(t)) if t > state.now => {
                format!("retry in {} (failure {})", fmt::age(t, state.now), s.failures)
            }
            _ if state.demo => "recorded".to_string(),
            _ => format!("every {}", every(s.every)),
        };
        let stale = if state.source_stale(s.id) { "  stale" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style.add_modifier(Modifier::BOLD)),
            Span::styled(fmt::truncate(&s.name, 40), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
            Span::styled(status, style),
            Span::styled(format!("  {next}"), dim),
            Span::styled(stale, Style::new().fg(Color::Yellow)),
        ]));
        if let FetchStatus::Error { message, .. } = &s.status {
            lines.push(Line::from(Span::styled(
                format!("    {}", fmt::truncate(message, width)),
                Style::new().fg(Color::Red),
            )));
        }
    }
    for (sym, err) in &state.quote_errors {
        lines.push(Line::from(Span::styled(format!("    {sym}: {}", fmt::truncate(err, width)), dim)));
    }
    popup(state, frame, area, " sources ", lines, state.help_scroll);
}

fn every(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(60) { format!("{}m", s / 60) } else { format!("{s}s") }
}
