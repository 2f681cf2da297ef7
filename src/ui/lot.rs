//! The lot form: shares, price (the ticker's currency), date and fees of a lot of the selected
//! ticker, the field being typed in marked and holding the cursor, why a save was refused.

use crate::state::State;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(draft) = state.lot_draft() else { return };
    let w = area.width.saturating_sub(4).min(64);
    let h = area.height.min(10);
    if w < 20 || h < 6 {
        return;
    }
    let popup = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::from(format!(" add a lot of {} ", draft.symbol)).centered())
        .title_bottom(
            Line::from(Span::styled(
                " Tab next field · Enter save · Esc cancel ",
                Style::new().fg(Color::DarkGray),
            ))
            .right_aligned(),
        );
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let label_w = 8u16;
    let field_w = inner.width.saturating_sub(label_w + 1) as usize;
    let unit = |i: usize| match i {
        1 => format!(" {}", draft.currency),
        3 => format!(" {} (blank: none)", draft.currency),
        2 => " YYYY-MM-DD".to_string(),
        _ => String::new(),
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "prices and fees in {}",
            if draft.currency.is_empty() { "the ticker's currency" } else { &draft.currency }
        ),
        Style::new().fg(Color::DarkGray),
    ))];
    for (i, label) in crate::state::LotDraft::LABELS.iter().enumerate() {
        let active = i == draft.field;
        let value = super::fmt::truncate(draft.fields[i].value(), field_w.saturating_sub(12));
        let style = if active { Style::new().fg(Color::Black).bg(Color::Cyan) } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:>7} "), Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(format!("{value:<width$}", width = field_w.saturating_sub(12).min(14)), style),
            Span::styled(unit(i), Style::new().fg(Color::DarkGray)),
        ]));
    }
    if let Some(e) = &draft.error {
        lines.push(Line::from(Span::styled(e.clone(), Style::new().fg(Color::Red))));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    // The cursor in the active field.
    let input = &draft.fields[draft.field];
    let x = inner.x + label_w + input.visual_cursor().min(field_w.saturating_sub(12)) as u16;
    let y = inner.y + 1 + draft.field as u16;
    if y < inner.bottom() {
        frame.set_cursor_position(Position::new(x.min(inner.right().saturating_sub(1)), y));
    }
}
