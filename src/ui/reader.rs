//! The reader: a headline in full over the screen: its title, source, date, tags and pins, the
//! feed's text (read from the store when it opens: paragraphs, list items) or summary wrapped
//! to the width, and the link; scrolled with the movement keys.

use super::fmt;
use crate::core::keys::Command;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(r) = state.reader() else { return };
    let n = &r.item;
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height.saturating_sub(2);
    if w < 20 || h < 5 {
        return;
    }
    let popup = Rect::new(area.x + (area.width - w) / 2, area.y + 1, w, h);
    let k = |cmd| state.keymap.hint(cmd);
    let (down, up, browse, copy) =
        (k(Command::Down), k(Command::Up), k(Command::Browse), k(Command::CopyLink));
    // The longest hint the bottom border holds: a narrow reader drops the least needed keys
    // instead of cutting the line (Esc last of all).
    let hints = [
        format!(" {down}/{up} scroll · {browse} browser · {copy} copy link · Esc back "),
        format!(" {down}/{up} scroll · {browse} browser · Esc back "),
        format!(" {browse} browser · Esc back "),
        " Esc back ".to_string(),
    ];
    let room = usize::from(w.saturating_sub(2));
    let hint = hints
        .into_iter()
        .find(|h| unicode_width::UnicodeWidthStr::width(h.as_str()) <= room)
        .unwrap_or_default();
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::from(" reader ").centered())
        .title_bottom(Line::from(Span::styled(hint, Style::new().fg(Color::DarkGray))).right_aligned());
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let width = usize::from(inner.width);
    let dim = Style::new().fg(Color::DarkGray);
    let mut lines: Vec<Line> = fmt::wrap(&n.title, width, "")
        .into_iter()
        .map(|l| Line::from(Span::styled(l, Style::new().add_modifier(Modifier::BOLD))))
        .collect();
    let when = n.published.map_or("undated".to_string(), |p| {
        format!("{} ({} ago)", state.local(p).format("%Y-%m-%d %H:%M"), fmt::age(state.now(), p))
    });
    lines.extend(
        fmt::wrap(&format!("{} · {when}", n.source), width, "")
            .into_iter()
            .map(|l| Line::from(Span::styled(l, dim))),
    );
    let tags = n.tag_labels();
    if !tags.is_empty() {
        lines.push(Line::from(Span::styled(tags.join(" "), Style::new().fg(Color::Cyan))));
    }
    let pins: Vec<&str> = state.user().pins_of(&n.id).collect();
    if !pins.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("pinned to {}", pins.join(", ")),
            Style::new().fg(Color::Magenta),
        )));
    }
    lines.push(Line::raw(""));
    let browse = k(Command::Browse);
    if !n.body().is_empty() {
        lines.extend(text_lines(n.body(), width));
    } else if !n.summary().is_empty() {
        lines.extend(fmt::wrap(n.summary(), width, "").into_iter().map(Line::raw));
    } else {
        let why = if r.loading {
            "reading the text from the store…".to_string()
        } else if state.read_only {
            format!("(no store is open, so no text is kept: {browse} opens the link)")
        } else {
            format!("(the feed gives no summary: {browse} opens the link)")
        };
        lines.push(Line::from(Span::styled(why, dim)));
    }
    lines.push(Line::raw(""));
    lines.extend(
        // A link is shown as text, cleaned like any feed text (it may carry escapes).
        fmt::wrap(&crate::sanitize::clean_capped(&n.link, 2_000), width, "")
            .into_iter()
            .map(|l| Line::from(Span::styled(l, Style::new().fg(Color::Blue)))),
    );
    let max_scroll = (lines.len() as u16).saturating_sub(inner.height);
    frame.render_widget(Paragraph::new(lines).scroll((r.scroll.min(max_scroll), 0)), inner);
}

/// The reader's text as lines `width` wide: a blank line between paragraphs kept, a list item's
/// wrapped lines indented under its text.
fn text_lines(body: &str, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            lines.push(Line::raw(""));
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let marker = line[lead..].split_once(' ').map_or(0, |(m, _)| {
            let listed = m == "*"
                || m == "-"
                || (m.len() > 1 && m.ends_with('.') && m[..m.len() - 1].bytes().all(|b| b.is_ascii_digit()));
            if listed { m.len() + 1 } else { 0 }
        });
        let hang = " ".repeat(lead + marker);
        lines.extend(fmt::wrap(line, width, &hang).into_iter().map(Line::raw));
    }
    lines
}
