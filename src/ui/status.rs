//! The header line (title, DEMO / READ-ONLY badges, clock) and the status line (notices, source health).

use super::fmt;
use crate::action::SourceId;
use crate::core::keys::Command;
use crate::domain::FetchStatus;
use crate::state::{Level, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn header(state: &State, frame: &mut Frame, area: Rect) {
    let narrow = area.width < 100;
    let mut spans = vec![
        Span::styled(
            " chokepoint ",
            Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD),
        ),
        Span::raw(" "),
    ];
    if state.demo {
        let text = if narrow { " DEMO: sample data " } else { " DEMO · recorded sample data, not live " };
        spans.push(Span::styled(
            text,
            Style::new().fg(Color::Black).bg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(" "));
    }
    if state.read_only {
        spans.push(Span::styled(
            " NO DATABASE ",
            Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(" "));
    }
    let alerts = state.user.alerts.len();
    if alerts > 0 {
        let text = if narrow {
            format!(" ⚑ {alerts} ")
        } else {
            let key = state.keymap.hint(Command::Alerts);
            format!(" ⚑ {alerts} alert{} ({key}) ", if alerts == 1 { "" } else { "s" })
        };
        spans.push(Span::styled(text, ALERT));
        spans.push(Span::raw(" "));
    }
    if !narrow || (!state.demo && !state.read_only && alerts == 0) {
        spans.push(Span::styled("CW-laser · co-packaged optics thesis", Style::new().fg(Color::Gray)));
    }
    let left = Line::from(spans);
    let clock = state.local(state.now).format("%a %H:%M ").to_string();
    let right = Line::from(Span::styled(clock, Style::new().fg(Color::DarkGray))).right_aligned();
    let left_w = left.width();
    frame.render_widget(Paragraph::new(left), area);
    if area.width as usize > left_w + 12 {
        frame.render_widget(Paragraph::new(right), area);
    }
}

/// Lines needed by the sticky notices (read-only state, a moved-aside file), wrapped to `width`,
/// and by a transient notice that does not fit on the status line beside the sources' health.
pub fn banner_height(state: &State, width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let sticky: u16 = state
        .notices
        .iter()
        .filter(|n| n.sticky)
        .map(|n| (n.text.chars().count() + 2).div_ceil(w) as u16)
        .sum();
    let apart = notice_apart(state, width).map_or(0, |n| n.text.chars().count().div_ceil(w) as u16);
    sticky + apart
}

/// The fresh transient notice, when it is too long to share the status line with the sources'
/// health: it then goes on its own line above, so neither is cut.
fn notice_apart(state: &State, width: u16) -> Option<&crate::state::Notice> {
    let n = state.fresh_notice()?;
    if state.note.is_some() {
        return Some(n); // the note's own line is the status line while it is typed
    }
    let summary = Line::from(source_summary(state)).width();
    let beside =
        n.text.chars().count() + if summary > 0 { 3 } else { 0 } + summary + help_hint(state).chars().count();
    (beside > usize::from(width)).then_some(n)
}

/// ` ? help  q quit `, with the keys as bound.
fn help_hint(state: &State) -> String {
    let keys = &state.keymap;
    format!(" {} help  {} quit ", keys.hint(Command::Help), keys.hint(Command::Quit))
}

/// Sticky notices, in full, above the status line until dismissed with Esc (and a transient
/// notice too long to share the status line).
pub fn banner(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let mut lines: Vec<Line> = state
        .notices
        .iter()
        .filter(|n| n.sticky)
        .map(|n| Line::from(Span::styled(format!("⚠ {}", n.text), level_style(n.level))))
        .collect();
    if let Some(n) = notice_apart(state, area.width) {
        lines.push(Line::from(Span::styled(n.text.clone(), level_style(n.level))));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Black on yellow: alert badges and alerted rows.
pub const ALERT: Style = Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD);

pub fn footer(state: &State, frame: &mut Frame, area: Rect) {
    if let Some(draft) = &state.note {
        return note_line(draft, frame, area);
    }
    let mut spans = Vec::new();
    let summary = source_summary(state);
    if let Some(n) = state.fresh_notice().filter(|_| notice_apart(state, area.width).is_none()) {
        spans.push(Span::styled(n.text.clone(), level_style(n.level)));
        if !summary.is_empty() {
            spans.push(Span::styled(" │ ", Style::new().fg(Color::DarkGray)));
        }
    }
    spans.extend(summary);
    let help = Span::styled(help_hint(state), Style::new().fg(Color::DarkGray));
    let line = Line::from(spans);
    let room = (area.width as usize).saturating_sub(help.width());
    let text = fmt::truncate(&line.to_string(), room);
    // Keep styles when the line fits; otherwise a plain, cut line.
    let shown = if line.width() <= room {
        line
    } else {
        Line::from(Span::styled(text, Style::new().fg(Color::Gray)))
    };
    frame.render_widget(Paragraph::new(shown), area);
    if area.width as usize >= help.width() + 20 {
        frame.render_widget(Paragraph::new(Line::from(help).right_aligned()), area);
    }
}

/// The note being typed, in place of the status line, with the cursor in it.
fn note_line(draft: &crate::state::NoteDraft, frame: &mut Frame, area: Rect) {
    let prompt = if area.width >= 80 {
        format!("note for {} (Enter saves, Esc cancels): ", draft.catalyst)
    } else {
        "note: ".to_string()
    };
    let prompt_w = prompt.chars().count();
    let avail = (area.width as usize).saturating_sub(prompt_w + 1);
    let scroll = draft.input.visual_scroll(avail);
    let value: String = draft.input.value().chars().skip(scroll).collect();
    let line = Line::from(vec![
        Span::styled(prompt, Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
        Span::raw(value),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    let x = area.x + (prompt_w + draft.input.visual_cursor().saturating_sub(scroll)) as u16;
    frame.set_cursor_position(ratatui::layout::Position::new(x.min(area.right().saturating_sub(1)), area.y));
}

fn level_style(level: Level) -> Style {
    match level {
        Level::Info => Style::new().fg(Color::Cyan),
        Level::Warn => Style::new().fg(Color::Yellow),
        Level::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// `quotes ok 2m · news 9/10 ok · ✗ Google News: Lumentum (retry in 1m): timed out`; with several
/// failing, the first in full and a count (`s` lists them all). When it retries comes before the
/// message, so a long message cut at the edge never hides it.
fn source_summary(state: &State) -> Vec<Span<'static>> {
    let dim = Style::new().fg(Color::DarkGray);
    let mut parts: Vec<Span<'static>> = Vec::new();
    // Decisions not written yet (no database, or a write failing: a full disk) come first.
    let unsaved = state.unsaved();
    if unsaved > 0 {
        let why = if state.read_only { "no database" } else { "retrying" };
        parts.push(Span::styled(
            format!("● {unsaved} unsaved ({why})"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
        parts.push(Span::styled(" · ", dim));
    }
    let tickers: Vec<_> = state.sources.iter().filter(|s| matches!(s.id, SourceId::Quote(_))).collect();
    if !tickers.is_empty() {
        let ok: Vec<_> = tickers
            .iter()
            .filter_map(|s| match s.status {
                FetchStatus::Ok { at } => Some(at),
                _ => None,
            })
            .collect();
        let loading =
            tickers.iter().filter(|s| matches!(s.status, FetchStatus::Loading | FetchStatus::Idle)).count();
        let mut text = match ok.iter().max() {
            Some(at) if ok.len() == tickers.len() => format!("quotes ok {}", fmt::age(state.now, *at)),
            _ if tickers.iter().all(|s| s.status == FetchStatus::Idle) => "quotes: not loaded".to_string(),
            _ if ok.is_empty() && loading == tickers.len() => "quotes: loading".to_string(),
            _ => format!("quotes {}/{} ok", ok.len(), tickers.len()),
        };
        if loading > 0 && !ok.is_empty() {
            text.push_str(&format!(", {loading} loading"));
        }
        // Tickers the first source did not answer for (it failed them; the next one did).
        let first = tickers.first().and_then(|s| s.via.first()).map(|v| v.name.as_str());
        let mut fallback: Vec<(&str, usize)> = Vec::new();
        // Only quotes fetched this session (a cached one says nothing about the sources now).
        let fresh = tickers.iter().filter(|s| matches!(s.status, FetchStatus::Ok { .. }));
        let fresh_symbols: Vec<&str> = fresh.map(|s| s.key.as_str()).collect();
        for q in state
            .tickers
            .iter()
            .filter(|t| fresh_symbols.contains(&t.symbol.as_str()))
            .filter_map(|t| state.quotes.get(&t.symbol))
        {
            if Some(q.source.as_str()) != first && tickers[0].via.iter().any(|v| v.name == q.source) {
                match fallback.iter_mut().find(|(name, _)| *name == q.source) {
                    Some((_, n)) => *n += 1,
                    None => fallback.push((q.source.as_str(), 1)),
                }
            }
        }
        for (name, n) in fallback {
            text.push_str(&format!(" ({n} via {name})"));
        }
        parts.push(Span::styled(text, dim));
    }
    let feeds: Vec<_> = state.sources.iter().filter(|s| matches!(s.id, SourceId::Feed(_))).collect();
    if !feeds.is_empty() {
        let ok = feeds.iter().filter(|s| matches!(s.status, FetchStatus::Ok { .. })).count();
        let loading =
            feeds.iter().filter(|s| matches!(s.status, FetchStatus::Loading | FetchStatus::Idle)).count();
        let mut text = format!("news {ok}/{} ok", feeds.len());
        if loading > 0 {
            text.push_str(&format!(", {loading} loading"));
        }
        parts.push(Span::styled(text, dim));
    }
    let failing: Vec<_> = state.failing().collect();
    if let Some(first) = failing.first()
        && let FetchStatus::Error { message, at } = &first.status
    {
        let when = match (first.pending, first.retry_at) {
            (Some(_), _) => "retrying now".to_string(),
            (None, Some(t)) if t > state.now => format!("retry in {}", fmt::age(t, state.now)),
            _ => fmt::age(state.now, *at),
        };
        let count = if failing.len() > 1 {
            format!("{} failing, {} lists them: ", failing.len(), state.keymap.hint(Command::Sources))
        } else {
            String::new()
        };
        parts.push(Span::styled(
            format!("✗ {count}{} ({when}): {message}", first.name),
            Style::new().fg(Color::Red),
        ));
    }
    let mut spans = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", dim));
        }
        spans.push(part);
    }
    spans
}
