//! The News pane: merged headlines, newest first, filter line, highlighted matches, tags.

use super::{fmt, pane_block, pane_title, scroll_offset, selected_style};
use crate::action::Pane;
use crate::domain::NewsItem;
use crate::filter::Query;
use crate::keymap::Command;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let f = &state.filter;
    let mut extra = vec![Span::styled(
        format!(" {}/{}", f.visible.len(), state.news.len()),
        Style::new().fg(Color::Green),
    )];
    let text = f.input.value();
    if !text.is_empty() && !f.editing {
        extra.push(Span::styled(" filter: ", Style::new().fg(Color::DarkGray)));
        extra.push(Span::styled(fmt::truncate(text, 40), Style::new().fg(Color::Yellow)));
    }
    if state.demo {
        extra.push(Span::styled(" sample data", Style::new().fg(Color::Magenta)));
    }
    if state.stale_news {
        extra.push(Span::styled(" cached, refreshing", Style::new().fg(Color::Yellow)));
    }
    let block = pane_block(state, Pane::News, pane_title(state, Pane::News, extra));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [list_area, input_area] = if f.editing {
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner)
    } else {
        [inner, Rect::default()]
    };
    if f.visible.is_empty() {
        let feeds = state.sources.iter().filter(|s| s.id != crate::action::SourceId::Quotes);
        let (mut waiting, mut failed, mut total) = (0, 0, 0);
        for s in feeds {
            total += 1;
            match s.status {
                crate::domain::FetchStatus::Idle | crate::domain::FetchStatus::Loading => waiting += 1,
                crate::domain::FetchStatus::Error { .. } => failed += 1,
                crate::domain::FetchStatus::Ok { .. } => {}
            }
        }
        let keys = &state.keymap;
        let msg = if state.news.is_empty() && total == 0 {
            "no feeds configured: add [[feeds]] to the config".to_string()
        } else if state.news.is_empty() && waiting > 0 {
            format!("no headlines yet: feeds are loading ({} refreshes)", keys.hint(Command::Refresh))
        } else if state.news.is_empty() && failed > 0 {
            format!(
                "no headlines: {failed} of {total} feeds failed ({} shows why; retrying with backoff, {} retries now)",
                keys.hint(Command::Sources),
                keys.hint(Command::Refresh)
            )
        } else if state.news.is_empty() {
            "no headlines in the configured feeds yet".to_string()
        } else {
            format!(
                "no headlines match `{text}` (Esc or {} then Esc clears the filter)",
                keys.hint(Command::Filter)
            )
        };
        frame.render_widget(Paragraph::new(Span::styled(msg, Style::new().fg(Color::DarkGray))), list_area);
    } else {
        table(state, frame, list_area);
    }
    if f.editing {
        input_line(state, frame, input_area);
    }
}

fn table(state: &State, frame: &mut Frame, area: Rect) {
    let w = area.width;
    let show_src = w >= 60;
    let show_tags = w >= 90;
    let src_w: u16 = if w >= 140 { 24 } else { 16 };
    let tag_w: u16 = if w >= 180 {
        40
    } else if w >= 140 {
        26
    } else {
        16
    };
    let h = area.height as usize;
    let sel = state.selected(Pane::News);
    let offset = scroll_offset(sel, h);
    let query = state.filter.query.as_ref();
    let rows =
        state.filter.visible.iter().skip(offset).take(h.max(1)).filter_map(|&i| state.news.get(i)).map(|n| {
            let read = state.user.read.contains(&n.id);
            let base = if read { Style::new().fg(Color::DarkGray) } else { Style::new() };
            let age = n.published.map(|p| fmt::age(state.now, p)).unwrap_or_else(|| "—".into());
            let mut cells = vec![Cell::from(Span::styled(age, Style::new().fg(Color::DarkGray)))];
            if show_src {
                cells.push(Cell::from(Span::styled(
                    fmt::truncate(&n.source, src_w as usize),
                    Style::new().fg(Color::Blue),
                )));
            }
            cells.push(Cell::from(highlighted(&n.title, query, base)));
            if show_tags {
                cells.push(Cell::from(Span::styled(
                    fmt::truncate(&tags(n), tag_w as usize),
                    Style::new().fg(Color::Cyan),
                )));
            }
            Row::new(cells)
        });
    let mut widths = vec![Constraint::Length(3)];
    if show_src {
        widths.push(Constraint::Length(src_w));
    }
    widths.push(Constraint::Fill(1));
    if show_tags {
        widths.push(Constraint::Length(tag_w));
    }
    let table =
        Table::new(rows, widths).column_spacing(1).row_highlight_style(selected_style(state, Pane::News));
    let mut ts = TableState::default().with_selected(Some(sel - offset));
    frame.render_stateful_widget(table, area, &mut ts);
}

/// Tickers first, then catalyst and risk ids, e.g. `AAOI c:aaoi-texas r:supply-slip`.
fn tags(n: &NewsItem) -> String {
    let mut parts: Vec<String> = n.tickers.clone();
    parts.extend(n.catalysts.iter().map(|c| format!("c:{c}")));
    parts.extend(n.risks.iter().map(|r| format!("r:{r}")));
    parts.join(" ")
}

/// The title with the query's hits highlighted.
fn highlighted(title: &str, query: Option<&Query>, base: Style) -> Line<'static> {
    let hit = Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD);
    let ranges = query.map(|q| q.highlights(title)).unwrap_or_default();
    let mut spans = Vec::new();
    let mut pos = 0;
    for r in ranges {
        if r.start < pos || r.end > title.len() {
            continue;
        }
        if let (Some(before), Some(word)) = (title.get(pos..r.start), title.get(r.clone())) {
            spans.push(Span::styled(before.to_string(), base));
            spans.push(Span::styled(word.to_string(), hit));
            pos = r.end;
        }
    }
    spans.push(Span::styled(title.get(pos..).unwrap_or_default().to_string(), base));
    Line::from(spans)
}

fn input_line(state: &State, frame: &mut Frame, area: Rect) {
    let f = &state.filter;
    let prompt = "/ ";
    let avail = (area.width as usize).saturating_sub(prompt.len() + 1);
    let scroll = f.input.visual_scroll(avail);
    let mut spans = vec![Span::styled(prompt, Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD))];
    let value: String = f.input.value().chars().skip(scroll).collect();
    spans.push(Span::raw(value));
    if let Some(err) = &f.error {
        spans.push(Span::styled(format!("  ✗ {err}"), Style::new().fg(Color::Red)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let x = area.x + (prompt.len() + f.input.visual_cursor().saturating_sub(scroll)) as u16;
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}
