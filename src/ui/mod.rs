//! render(&State, &mut Frame): the screen as a pure function of the state, adapting to the terminal size.

mod alerts;
mod detail;
pub(crate) mod fmt;
mod help;
mod lot;
mod news;
mod pin;
mod reader;
mod sources;
mod status;
mod theme;
mod thesis;
mod tickers;

pub use fmt::{age, truncate};

use crate::action::Pane;
use crate::core::keys::Command;
use crate::state::{Overlay, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

/// Smallest size with a usable layout.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// Where a frame drew each pane's rows: what a mouse click or wheel at a cell is about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    regions: Vec<Region>,
}

#[derive(Debug, Clone, PartialEq)]
struct Region {
    pane: Pane,
    /// The whole pane, and its rows (the first shown is item `offset`).
    area: Rect,
    rows: Rect,
    offset: usize,
}

impl Hits {
    /// The pane at cell (`x`, `y`), and the item of its row there, if on one.
    pub fn at(&self, x: u16, y: u16) -> Option<(Pane, Option<usize>)> {
        let inside = |r: &Rect| x >= r.x && x < r.right() && y >= r.y && y < r.bottom();
        let region = self.regions.iter().rev().find(|r| inside(&r.area))?;
        let row = inside(&region.rows).then(|| region.offset + usize::from(y - region.rows.y));
        Some((region.pane, row))
    }
}

thread_local! {
    /// The regions the frame being drawn records (see [`render_with_hits`]).
    static DRAWN: std::cell::RefCell<Vec<Region>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A pane's renderer says where its rows are: `rows` shows items from `offset` on.
fn record(pane: Pane, area: Rect, rows: Rect, offset: usize) {
    DRAWN.with(|d| d.borrow_mut().push(Region { pane, area, rows, offset }));
}

/// [`render`], answering where each pane's rows went (for the mouse). The frame is still a
/// function of `state` alone; the regions are its by-product.
pub fn render_with_hits(state: &State, frame: &mut Frame) -> Hits {
    DRAWN.with(|d| d.borrow_mut().clear());
    render(state, frame);
    Hits { regions: DRAWN.with(|d| std::mem::take(&mut *d.borrow_mut())) }
}

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return too_small(state, frame, area);
    }
    let banner_h = status::banner_height(state, area.width).min(area.height / 4);
    let [header, body, banner, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(banner_h),
        Constraint::Length(1),
    ])
    .areas(area);
    status::header(state, frame, header);
    status::banner(state, frame, banner);
    status::footer(state, frame, footer);
    if state.detail().is_some() {
        detail::render(state, frame, body);
    } else if area.width >= 80 && area.height >= 24 {
        full(state, frame, body);
    } else {
        compact(state, frame, body);
    }
    reader::render(state, frame, body);
    match state.overlay {
        Some(Overlay::Help) => help::render(state, frame, area),
        Some(Overlay::Sources) => sources::render(state, frame, area),
        Some(Overlay::Alerts) => alerts::render(state, frame, area),
        None => {}
    }
    if state.pin_chooser().is_some() {
        pin::render(state, frame, area);
    }
    lot::render(state, frame, area);
    theme::apply(frame.buffer_mut(), state.theme());
}

/// All four panes: Tickers on top, Catalysts | Risks, News filling the rest.
fn full(state: &State, frame: &mut Frame, area: Rect) {
    // One more row for the portfolio's total when a lot is held.
    let tick_h = state.tickers.len() as u16 + 3 + u16::from(state.holdings_shown());
    // Under the focused list, the selected item's detail (timeline, note, why) wraps onto up to
    // three rows where the screen is tall enough, one otherwise.
    let thesis = matches!(state.focus, Pane::Catalysts | Pane::Risks);
    let detail_h = if thesis && area.height >= 36 { 3 } else { 1 };
    let list_h = state.catalysts.len().max(state.risks.len()) as u16 + 2 + detail_h;
    let mid_h = list_h.min(area.height.saturating_sub(tick_h + 8)).max(5);
    let [top, mid, bottom] =
        Layout::vertical([Constraint::Length(tick_h), Constraint::Length(mid_h), Constraint::Min(5)])
            .areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(mid);
    tickers::render(state, frame, top);
    thesis::render_catalysts(state, frame, left);
    thesis::render_risks(state, frame, right);
    news::render(state, frame, bottom);
}

/// Small terminals: a tab line naming the four panes, and the focused pane filling the rest.
fn compact(state: &State, frame: &mut Frame, area: Rect) {
    let [tabs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut spans = Vec::new();
    for pane in Pane::ALL {
        let name = if area.width < 60 { &pane.title()[..4] } else { pane.title() };
        let key = jump_key(state, pane);
        let label = match pane {
            Pane::Catalysts => format!("{key}{name} {}/{}", state.done_count(), state.catalysts.len()),
            Pane::News => format!("{key}{name} {}", state.filter.visible.len()),
            _ => format!("{key}{name}"),
        };
        let style = if pane == state.focus { focused_title() } else { Style::new().fg(Color::DarkGray) };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    match state.focus {
        Pane::Tickers => tickers::render(state, frame, rest),
        Pane::Catalysts => thesis::render_catalysts(state, frame, rest),
        Pane::Risks => thesis::render_risks(state, frame, rest),
        Pane::News => news::render(state, frame, rest),
    }
}

fn too_small(state: &State, frame: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small: {}x{} (chokepoint needs {MIN_WIDTH}x{MIN_HEIGHT}; {} quits)",
        area.width,
        area.height,
        state.keymap.hint(crate::core::keys::Command::Quit)
    );
    let p = Paragraph::new(text).style(Style::new().fg(Color::Yellow)).wrap(Wrap { trim: true });
    frame.render_widget(p, area);
}

fn focused_title() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

/// The bordered block of a pane, highlighted when focused.
fn pane_block(state: &State, pane: Pane, title: Line<'static>) -> Block<'static> {
    let focused = state.focus == pane;
    let border = if focused { Style::new().fg(Color::Cyan) } else { Style::new().fg(Color::DarkGray) };
    Block::new()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Rounded })
        .border_style(border)
        .title(title)
}

/// `N Title` with the digit that jumps there.
fn pane_title(state: &State, pane: Pane, extra: Vec<Span<'static>>) -> Line<'static> {
    let style = if state.focus == pane { focused_title() } else { Style::new().add_modifier(Modifier::BOLD) };
    let key = jump_key(state, pane);
    let mut spans = vec![Span::raw(" "), Span::styled(format!("{key}{}", pane.title()), style)];
    spans.extend(extra);
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// The key that jumps to `pane` as bound (`1`..`4` by default) and a space; nothing if unbound.
fn jump_key(state: &State, pane: Pane) -> String {
    let jump =
        [Command::PaneTickers, Command::PaneCatalysts, Command::PaneRisks, Command::PaneNews][pane.index()];
    state.keymap.keys_for(jump).first().map(|k| format!("{} ", k.label())).unwrap_or_default()
}

/// First row to show so that `selected` is visible in `height` rows.
fn scroll_offset(selected: usize, height: usize) -> usize {
    if height == 0 { selected } else { selected.saturating_sub(height - 1) }
}

fn selected_style(state: &State, pane: Pane) -> Style {
    if state.focus == pane {
        Style::new().bg(Color::Rgb(40, 60, 90)).add_modifier(Modifier::BOLD)
    } else {
        Style::new().bg(Color::Rgb(40, 40, 40))
    }
}
