//! The Catalysts and Risks panes: the thesis checklist with hit dates, and risk levels.

use super::{pane_block, pane_title, scroll_offset, selected_style};
use crate::action::Pane;
use crate::domain::{RiskLevel, ThesisItem};
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

pub fn render_catalysts(state: &State, frame: &mut Frame, area: Rect) {
    let count = Span::styled(
        format!(" {}/{}", state.done_count(), state.catalysts.len()),
        Style::new().fg(Color::Green),
    );
    let block = pane_block(state, Pane::Catalysts, pane_title(state, Pane::Catalysts, vec![count]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let items = state.catalysts.iter().map(|c| {
        let rec = state.user.catalysts.get(&c.id);
        let done = rec.is_some_and(|r| r.done);
        let (mark, style) =
            if done { ("[x] ", Style::new().fg(Color::Green)) } else { ("[ ] ", Style::new()) };
        let mut spans = vec![
            Span::styled(mark, style.add_modifier(Modifier::BOLD)),
            Span::styled(c.title.clone(), style),
        ];
        if let Some(at) = rec.and_then(|r| r.done_at).filter(|_| done) {
            spans
                .push(Span::styled(format!("  {}", at.format("%Y-%m-%d")), Style::new().fg(Color::DarkGray)));
        }
        ListItem::new(Line::from(spans))
    });
    list_with_detail(state, frame, inner, Pane::Catalysts, items.collect(), &state.catalysts);
}

pub fn render_risks(state: &State, frame: &mut Frame, area: Rect) {
    let raised = state.risks.iter().filter(|r| state.risk_level(&r.id) != RiskLevel::Watch).count();
    let extra = if raised > 0 {
        vec![Span::styled(format!(" {raised} raised"), Style::new().fg(Color::Yellow))]
    } else {
        Vec::new()
    };
    let block = pane_block(state, Pane::Risks, pane_title(state, Pane::Risks, extra));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let longest = state.risks.iter().map(|r| r.title.chars().count()).max().unwrap_or(0);
    let wide = inner.width as usize >= longest + 13;
    let items = state.risks.iter().map(|r| {
        let level = state.risk_level(&r.id);
        let style = level_style(level);
        let label = if wide { format!("{:<12} ", level.label()) } else { format!("{} ", level_glyph(level)) };
        ListItem::new(Line::from(vec![
            Span::styled(label, style),
            Span::styled(r.title.clone(), if level == RiskLevel::Watch { Style::new() } else { style }),
        ]))
    });
    list_with_detail(state, frame, inner, Pane::Risks, items.collect(), &state.risks);
}

/// One-cell level marker for narrow panes: watch, elevated, materialized.
pub fn level_glyph(level: RiskLevel) -> char {
    match level {
        RiskLevel::Watch => '○',
        RiskLevel::Elevated => '▲',
        RiskLevel::Materialized => '■',
    }
}

pub fn level_style(level: RiskLevel) -> Style {
    match level {
        RiskLevel::Watch => Style::new().fg(Color::DarkGray),
        RiskLevel::Elevated => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        RiskLevel::Materialized => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// A selectable list, with the selected item's "why" under it when there is room.
fn list_with_detail(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    pane: Pane,
    items: Vec<ListItem<'static>>,
    things: &[ThesisItem],
) {
    let sel = state.selected(pane);
    let show_why = area.height as usize > items.len() && state.focus == pane;
    let [list_area, why_area] = if show_why {
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area)
    } else {
        [area, Rect::default()]
    };
    let h = list_area.height as usize;
    let offset = scroll_offset(sel, h);
    let shown: Vec<ListItem> = items.into_iter().skip(offset).take(h.max(1)).collect();
    let list = List::new(shown).highlight_style(selected_style(state, pane));
    let mut ls = ListState::default().with_selected(Some(sel.saturating_sub(offset)));
    frame.render_stateful_widget(list, list_area, &mut ls);
    if show_why && let Some(item) = things.get(sel) {
        let text = Line::from(vec![
            Span::styled(format!("{}: ", item.id), Style::new().fg(Color::DarkGray)),
            Span::styled(item.why.clone(), Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC)),
        ]);
        frame.render_widget(Paragraph::new(text), why_area);
    }
}
