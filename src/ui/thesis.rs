//! The Catalysts and Risks panes: the thesis checklist with hit dates, and risk levels.

use super::status::ALERT;
use super::{pane_block, pane_title, scroll_offset, selected_style};
use crate::action::Pane;
use crate::domain::{RiskLevel, ThesisItem};
use crate::evidence::{Kind, seen_key};
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

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
        let ev = state.evidence.get(Kind::Catalyst, &c.id);
        let new = !done
            && ev.is_new(state.user.evidence_seen.get(&seen_key(Kind::Catalyst, &c.id)).copied(), state.now);
        let mut spans = vec![Span::styled(mark, style.add_modifier(Modifier::BOLD))];
        if alerted(state, Kind::Catalyst, &c.id) {
            spans.push(Span::styled("⚑", ALERT));
            spans.push(Span::raw(" "));
        }
        if new {
            spans.push(Span::styled("● ", NEW));
        }
        let mut after = Vec::new();
        if let Some(at) = rec.and_then(|r| r.done_at).filter(|_| done) {
            after.push(Span::styled(
                format!("  hit {}", at.format("%Y-%m-%d")),
                Style::new().fg(Color::DarkGray),
            ));
        }
        let window = state.window_stand(c).filter(|_| !done).map(|s| window_span(s, Kind::Catalyst));
        let count = state.evidence_count(Kind::Catalyst, &c.id);
        after.extend(evidence_spans(count, new, state.unsaved_row(&c.id)));
        row(spans, &c.title, style, window, after, inner.width)
    });
    let timeline = state.catalysts.get(state.selected(Pane::Catalysts)).and_then(|c| {
        let parts: Vec<String> = [
            last_change(state, &c.id),
            reactions(state, c).map(|r| format!("since the hit: {r}")),
            expected(state, c),
            pinned(state, Kind::Catalyst, &c.id),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    });
    list_with_detail(state, frame, inner, Pane::Catalysts, items.collect(), &state.catalysts, timeline);
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
    // Levels as words while every title still fits beside them; else one glyph each, with the
    // legend in the pane's bottom border and the selected risk's level in words on its detail line.
    let widest = state
        .risks
        .iter()
        .map(|r| {
            let count = state.evidence_count(Kind::Risk, &r.id);
            Line::from(evidence_spans(count, true, false)).width() + r.title.width() + 2
        })
        .max()
        .unwrap_or(0);
    let wide = inner.width as usize >= widest + 13;
    let items = state.risks.iter().map(|r| {
        let level = state.risk_level(&r.id);
        let style = level_style(level);
        let label = if wide { format!("{:<12} ", level.label()) } else { format!("{} ", level_glyph(level)) };
        let ev = state.evidence.get(Kind::Risk, &r.id);
        let new = ev.is_new(state.user.evidence_seen.get(&seen_key(Kind::Risk, &r.id)).copied(), state.now);
        let mut spans = vec![Span::styled(label, style)];
        if alerted(state, Kind::Risk, &r.id) {
            spans.push(Span::styled("⚑", ALERT));
            spans.push(Span::raw(" "));
        }
        let title_style = if level == RiskLevel::Watch { Style::new() } else { style };
        let count = state.evidence_count(Kind::Risk, &r.id);
        let mut after = Vec::new();
        if state.suggested_raise(&r.id).is_some() {
            after.push(Span::styled(
                "  ⇡ raise?",
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ));
        }
        let window = state.window_stand(r).map(|s| window_span(s, Kind::Risk));
        after.extend(evidence_spans(count, new, state.unsaved_row(&r.id)));
        row(spans, &r.title, title_style, window, after, inner.width)
    });
    if !wide && area.height > 2 {
        let legend = Line::from(vec![
            Span::raw(" "),
            Span::styled("○ watch", level_style(RiskLevel::Watch)),
            Span::raw(" "),
            Span::styled("▲ elevated", level_style(RiskLevel::Elevated)),
            Span::raw(" "),
            Span::styled("■ materialized", level_style(RiskLevel::Materialized)),
            Span::raw(" "),
        ]);
        if legend.width() + 4 <= area.width as usize {
            let bottom = Rect::new(area.x + 2, area.bottom() - 1, area.width - 4, 1);
            frame.render_widget(Paragraph::new(legend.right_aligned()), bottom);
        }
    }
    let level = state.risks.get(state.selected(Pane::Risks)).and_then(|r| {
        let level = Some(state.risk_level(&r.id).label().to_string()).filter(|_| !wide);
        let raise =
            state.suggested_raise(&r.id).map(|c| format!("raise it? “{}” is past its window", c.title));
        let parts: Vec<String> = [level, raise, expected(state, r), pinned(state, Kind::Risk, &r.id)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    });
    list_with_detail(state, frame, inner, Pane::Risks, items.collect(), &state.risks, level);
}

/// Where today stands against an expected window: "due in 3m" (grey), "in window" (cyan),
/// "overdue 2w" (red; for a risk, its window has simply passed).
fn window_span(stand: crate::calendar::Stand, kind: Kind) -> Span<'static> {
    use crate::calendar::Stand;
    let (text, color) = match (stand, kind) {
        (Stand::Due(_), _) => (stand.label(), Color::DarkGray),
        (Stand::Open(_), _) => (stand.label(), Color::Cyan),
        (Stand::Overdue(_), Kind::Catalyst) => (stand.label(), Color::Red),
        (Stand::Overdue(days), Kind::Risk) => {
            (format!("window passed {}", crate::calendar::span(days)), Color::DarkGray)
        }
    };
    Span::styled(format!("  {text}"), Style::new().fg(color))
}

/// A hit catalyst's reactions: "AAOI +4.2% 1d +9.1% 5d, SOXX +0.5% 1d +1.2% 5d" (a move to
/// the latest close, fewer days having passed, is marked `…`).
pub(super) fn reactions(state: &State, c: &ThesisItem) -> Option<String> {
    let all = state.reactions(c);
    let text: Vec<String> = all
        .iter()
        .filter_map(|(sym, r)| {
            let one = |m: Option<crate::chart::Move>, days: &str| {
                m.map(|m| format!("{:+.1}% {days}{}", m.pct, if m.partial { "…" } else { "" }))
            };
            let parts: Vec<String> = [one(r.day1, "1d"), one(r.day5, "5d")].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| format!("{sym} {}", parts.join(" ")))
        })
        .collect();
    (!text.is_empty()).then(|| text.join(", "))
}

/// The detail line's "expected 2026-H2, in window".
fn expected(state: &State, item: &ThesisItem) -> Option<String> {
    let w = item.expected.as_ref()?;
    let stand = state.window_stand(item)?;
    Some(format!("expected {} ({})", w.label, stand.label()))
}

/// One list row: `before` (mark, flags), the title cut with `…` so that `after` (hit date,
/// news count, new evidence) stays whole within `width` cells.
/// `extra` (the expected window) goes after the title only where the whole title fits with it:
/// the title comes first, and the detail line says the window anyway.
fn row(
    before: Vec<Span<'static>>,
    title: &str,
    style: Style,
    extra: Option<Span<'static>>,
    after: Vec<Span<'static>>,
    width: u16,
) -> ListItem<'static> {
    let fixed = Line::from(before.clone()).width() + Line::from(after.clone()).width();
    let room = (width as usize).saturating_sub(fixed);
    let extra = extra.filter(|e| title.width() + e.width() <= room);
    let room = room.saturating_sub(extra.as_ref().map_or(0, Span::width));
    let mut spans = before;
    spans.push(Span::styled(super::fmt::truncate(title, room.max(8)), style));
    spans.extend(extra);
    spans.extend(after);
    ListItem::new(Line::from(spans))
}

/// The catalyst's last change, for the detail line: "hit 11-20 14:03 tui “note” (3 changes)".
fn last_change(state: &State, id: &str) -> Option<String> {
    let history = &state.user.catalysts.get(id)?.history;
    let last = history.last()?;
    let local = state.local(last.at);
    let what = if last.done { "hit" } else { "reopened" };
    let mut text = format!("{what} {} {}", local.format("%Y-%m-%d %H:%M"), last.by);
    if let Some(note) = &last.note {
        text.push_str(&format!(" “{note}”"));
    }
    if history.len() > 1 {
        text.push_str(&format!(" ({} changes)", history.len()));
    }
    if state.pending_row(id) && !state.unsaved_row(id) {
        text.push_str(" · saving…");
    }
    Some(text)
}

/// The headlines pinned to a catalyst or risk, for its detail line: `2 pinned: “…”, “…”`.
fn pinned(state: &State, kind: Kind, id: &str) -> Option<String> {
    let list = state.user.pins.get(&seen_key(kind, id))?;
    let titles: Vec<String> =
        list.iter().rev().take(3).map(|p| format!("“{}”", super::fmt::truncate(&p.title, 48))).collect();
    let more = if list.len() > 3 { format!(" and {} more", list.len() - 3) } else { String::new() };
    Some(format!("{} pinned: {}{more}", list.len(), titles.join(", ")))
}

/// A headline alert for this catalyst or risk waits in the alert list.
fn alerted(state: &State, kind: Kind, id: &str) -> bool {
    let key = seen_key(kind, id);
    state.user.alerts.iter().any(|a| a.thesis.as_deref() == Some(key.as_str()))
}

const NEW: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);

/// "  3 news" and, when some of it is new to the user, "new evidence" (Enter shows it).
fn evidence_spans(count: usize, new: bool, unsaved: bool) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    if count > 0 {
        out.push(Span::styled(format!("  {count} news"), Style::new().fg(Color::DarkGray)));
    }
    if new {
        out.push(Span::styled("  new evidence", NEW));
    }
    if unsaved {
        out.push(Span::styled("  unsaved", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)));
    }
    out
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
    timeline: Option<String>,
) {
    let sel = state.selected(pane);
    let show_why = area.height as usize > items.len() && state.focus == pane;
    // The detail (timeline, note, why) wraps onto the rows under the list.
    let [list_area, why_area] = if show_why {
        Layout::vertical([Constraint::Length(items.len() as u16), Constraint::Fill(1)]).areas(area)
    } else {
        [area, Rect::default()]
    };
    let h = list_area.height as usize;
    let offset = scroll_offset(sel, h);
    let outer = Rect {
        x: area.x.saturating_sub(1),
        y: area.y.saturating_sub(1),
        width: area.width + 2,
        height: area.height + 2,
    };
    let rows = Rect { height: list_area.height.min(things.len().saturating_sub(offset) as u16), ..list_area };
    super::record(pane, outer, rows, offset);
    let shown: Vec<ListItem> = items.into_iter().skip(offset).take(h.max(1)).collect();
    let list = List::new(shown).highlight_style(selected_style(state, pane));
    let mut ls = ListState::default().with_selected(Some(sel.saturating_sub(offset)));
    frame.render_stateful_widget(list, list_area, &mut ls);
    if show_why && let Some(item) = things.get(sel) {
        let mut spans = vec![Span::styled(format!("{}: ", item.id), Style::new().fg(Color::DarkGray))];
        if let Some(t) = timeline {
            spans.push(Span::styled(format!("{t} · "), Style::new().fg(Color::Cyan)));
        }
        spans.push(Span::styled(
            item.why.clone(),
            Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
        ));
        let text = Line::from(spans);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), why_area);
    }
}
