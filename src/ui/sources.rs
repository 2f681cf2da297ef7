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
    // The quote sources first: the order they are asked in, and how each does across tickers.
    if let Some(order) = state.sources.iter().find(|s| !s.via.is_empty()).map(|s| &s.via) {
        let names: Vec<&str> = order.iter().map(|v| v.name.as_str()).collect();
        push(
            &mut lines,
            format!("Quote sources, asked in this order for each ticker: {}", names.join(" → ")),
            dim,
        );
        for (n, name) in names.iter().enumerate() {
            let records: Vec<(&str, &crate::state::SourceTry)> = state
                .sources
                .iter()
                .filter(|s| matches!(s.id, SourceId::Quote(_)))
                .filter_map(|s| Some((s.name.as_str(), s.via.get(n).filter(|v| v.name == *name)?)))
                .collect();
            let answered = records.iter().filter(|(_, v)| v.error.is_none() && v.last_ok.is_some()).count();
            let failing: Vec<&str> =
                records.iter().filter(|(_, v)| v.error.is_some()).map(|(t, _)| *t).collect();
            let mut text = format!("  {name}: answered {answered} of {}", state.tickers.len());
            if !failing.is_empty() {
                text.push_str(&format!(" · failing for {}", failing.join(", ")));
            }
            push(&mut lines, text, if failing.is_empty() { Style::new() } else { red });
        }
        lines.push(Line::raw(""));
    }
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
            _ => format!("every {}", every(state.every(s.id))),
        };
        let stale = if state.source_stale(s.id) { "  stale" } else { "" };
        // A ticker: which quote source answered.
        let via = match s.id {
            SourceId::Quote(i) if matches!(s.status, FetchStatus::Ok { .. }) => state
                .tickers
                .get(i)
                .and_then(|t| state.quotes.get(&t.symbol))
                .map(|q| format!(" via {}", q.source))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let head = Line::from(vec![
            Span::styled(format!("{mark} "), style.add_modifier(Modifier::BOLD)),
            Span::styled(s.name.clone(), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("  "),
            Span::styled(status, style),
            Span::styled(via, style),
            Span::styled(format!("  {next}"), dim),
            Span::styled(stale, Style::new().fg(Color::Yellow)),
        ]);
        if head.width() <= width {
            lines.push(head);
        } else {
            push(&mut lines, head.to_string(), style);
        }
        // A ticker: each quote source that failed it, with its own next try.
        let failed_sources: Vec<_> = s.via.iter().filter(|v| v.error.is_some()).collect();
        if let FetchStatus::Error { message, .. } = &s.status
            && failed_sources.is_empty()
        {
            push(&mut lines, format!("    {message}"), red);
        }
        for v in failed_sources {
            let when = match v.not_before {
                Some(t) if t > state.now => {
                    format!(" (next try in {}, failure {})", fmt::age(t, state.now), v.failures)
                }
                _ => String::new(),
            };
            let message = v.error.as_ref().map(|e| e.message.as_str()).unwrap_or_default();
            push(&mut lines, format!("    {}: {message}{when}", v.name), red);
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
    // Alerts sent on to the `[notify] command`.
    if let Some((program, n)) = state.notify_health() {
        lines.push(Line::raw(""));
        let mut text = format!(
            "Notifications to {program}: {} alert{} sent",
            n.sent,
            if n.sent == 1 { "" } else { "s" }
        );
        if let Some(at) = n.last_ok {
            text.push_str(&format!(", last {} ago", fmt::age(state.now, at)));
        }
        if n.held_back > 0 {
            text.push_str(&format!(" · {} held back by the rate limit", n.held_back));
        }
        push(&mut lines, text, Style::new());
        if let Some((e, at)) = &n.last_error {
            push(&mut lines, format!("    failed {} ago: {e}", fmt::age(state.now, *at)), red);
        }
    }
    popup(state, frame, area, " sources ", lines, state.help_scroll);
}

fn every(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(60) { format!("{}m", s / 60) } else { format!("{s}s") }
}
