//! The sources overlay: every quote source and feed with its status, age, next attempt and error.

use super::{fmt, help::popup};
use crate::action::SourceId;
use crate::domain::FetchStatus;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    // The popup's inner width (see `popup`): lines wrap to it, never cut.
    let width = usize::from(area.width.saturating_sub(4).min(100).saturating_sub(2));
    let dim = Style::new().fg(Color::DarkGray);
    let red = Style::new().fg(Color::Red);
    let mut lines = Vec::new();
    let push = |lines: &mut Vec<Line<'static>>, text: String, style: Style| {
        lines.extend(
            fmt::wrap(&text, width, "      ").into_iter().map(|l| Line::from(Span::styled(l, style))),
        );
    };
    for s in &state.sources {
        let (mark, status, style) = match &s.status {
            FetchStatus::Idle => ("·", "not fetched".to_string(), dim),
            FetchStatus::Loading => ("…", "loading".to_string(), Style::new().fg(Color::Cyan)),
            FetchStatus::Ok { at } => {
                ("✓", format!("ok {}", fmt::age(state.now, *at)), Style::new().fg(Color::Green))
            }
            FetchStatus::Error { at, .. } => ("✗", format!("error {}", fmt::age(state.now, *at)), red),
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
        let head = Line::from(vec![
            Span::styled(format!("{mark} "), style.add_modifier(Modifier::BOLD)),
            Span::styled(s.name.clone(), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
            Span::styled(status, style),
            Span::styled(format!("  {next}"), dim),
            Span::styled(stale, Style::new().fg(Color::Yellow)),
        ]);
        if head.width() <= width {
            lines.push(head);
        } else {
            push(&mut lines, head.to_string(), style);
        }
        // The quote source's failures, one ticker a line (its error message is their summary).
        let per_ticker = s.id == SourceId::Quotes && !state.quote_errors.is_empty();
        if let FetchStatus::Error { message, .. } = &s.status
            && !per_ticker
        {
            push(&mut lines, format!("    {message}"), red);
        }
        if per_ticker {
            let failed = state.quote_errors.len();
            let of = state.tickers.len();
            push(&mut lines, format!("    {failed} of {of} tickers failed:"), red);
            for (sym, err) in &state.quote_errors {
                push(&mut lines, format!("    {sym}: {err}"), red);
            }
        }
        if !s.publishers.is_empty() {
            // What `src:` matches for this feed's headlines: their publishers, not the feed's name.
            let mut names = s.publishers.join(" · ");
            if s.publishers_more > 0 {
                names.push_str(&format!(" · +{} more", s.publishers_more));
            }
            push(&mut lines, format!("    src: {names}"), dim);
        }
    }
    popup(state, frame, area, " sources ", lines, state.help_scroll);
}

fn every(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(60) { format!("{}m", s / 60) } else { format!("{s}s") }
}
