//! The ticker detail view: the price over the chosen range (a braille line, bars evenly spaced),
//! volume under it, catalyst hits and pinned evidence marked at their dates with a legend, the
//! day and 52-week ranges and the extended-hours price, and the ticker's latest headlines.

use super::fmt;
use crate::chart::{Series, Span as Range};
use crate::state::State;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, BorderType, Borders, Chart, Dataset, GraphType, Paragraph, Sparkline};

const HIT: Color = Color::Yellow;
const PIN: Color = Color::Magenta;

/// A dated event on the chart: a catalyst hit or a pinned headline.
struct Mark {
    at: DateTime<Utc>,
    color: Color,
    text: String,
    /// For a catalyst's last hit, when the catalyst is linked to this ticker: the reactions.
    reactions: Option<String>,
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let Some(d) = state.detail() else { return };
    let name = state.tickers().iter().find(|t| t.symbol == d.symbol).map_or("", |t| t.name.as_str());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::from(vec![
            Span::styled(format!(" {} ", d.symbol), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!("{} ", fmt::truncate(name, 40))),
        ]))
        .title_bottom(Line::from(" [ ] range · Esc back · r refresh ").right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let slot = state.detail_slot();
    let series = slot.and_then(|s| s.series.as_ref());
    let marks = marks(state, &d.symbol);
    let tall = inner.height >= 20;
    let heads = headlines(state, &d.symbol);
    let head_h = if tall { (inner.height / 5).min(heads.len() as u16 + 1) } else { 0 };
    let volume_h = match inner.height {
        30.. => 3,
        20.. => 2,
        _ => 0,
    };
    let legend_h = (marks.len() as u16).min(if tall { 3 } else { 1 });
    // Against the benchmark: its own line when there is room, else after the ranges.
    let relative = relative_spans(state, &d.symbol);
    let info_h = if tall && !relative.is_empty() { 2 } else { 1 };
    let [top, tabs, chart, volume, info, legend, news] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(volume_h),
        Constraint::Length(info_h),
        Constraint::Length(legend_h),
        Constraint::Length(head_h),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(quote_line(state, &d.symbol)), top);
    frame.render_widget(Paragraph::new(tabs_line(state, d.span)), tabs);
    match series {
        Some(s) if !s.bars.is_empty() => {
            let axis_w = price_chart(state, frame, chart, s, &marks);
            if volume.height > 0 {
                volume_bars(frame, volume, s, axis_w);
            }
        }
        _ => {
            let text = match slot {
                Some(s) if s.error.is_some() => {
                    format!("no chart: {}", s.error.as_deref().unwrap_or_default())
                }
                _ => "loading the chart…".into(),
            };
            frame.render_widget(Paragraph::new(text).style(Style::new().fg(Color::DarkGray)), chart);
        }
    }
    let mut info_lines = vec![info_line(state, &d.symbol, series)];
    if info_h == 2 {
        info_lines.push(Line::from(relative));
    } else if !relative.is_empty() {
        let first = &mut info_lines[0];
        if !first.spans.is_empty() {
            first.spans.push(Span::styled(" · ", Style::new().fg(Color::Gray)));
        }
        first.spans.extend(relative);
    }
    frame.render_widget(Paragraph::new(info_lines), info);
    let shown: Vec<Line> = legend_lines(state, &marks, series, legend.width);
    frame.render_widget(Paragraph::new(shown), legend);
    if news.height > 0 {
        let mut lines = vec![Line::styled("Latest headlines", Style::new().add_modifier(Modifier::BOLD))];
        lines.extend(heads.into_iter().take(news.height.saturating_sub(1) as usize).map(|(age, title)| {
            Line::from(vec![
                Span::styled(format!("{age:>4} "), Style::new().fg(Color::DarkGray)),
                Span::raw(fmt::truncate(&title, news.width.saturating_sub(5) as usize)),
            ])
        }));
        frame.render_widget(Paragraph::new(lines), news);
    }
}

/// `AAOI  30.05 USD  -3.07 (-9.27%)  closed · yahoo, fetched 3m ago`.
fn quote_line(state: &State, symbol: &str) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(q) = state.quotes().get(symbol) {
        spans.push(Span::styled(
            format!("{} {}", fmt::price(q.price), q.currency),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        if let (Some(c), Some(p)) = (q.change, q.change_pct) {
            let color = if c < 0.0 { Color::Red } else { Color::Green };
            spans.push(Span::styled(
                format!("  {} ({})", fmt::signed(c), fmt::pct(p)),
                Style::new().fg(color),
            ));
        }
    } else {
        spans.push(Span::styled("no quote yet", Style::new().fg(Color::DarkGray)));
    }
    if let Some(slot) = state.detail_slot() {
        let status = match (&slot.series, slot.fetching, &slot.error) {
            (_, Some(_), _) => "  · loading…".to_string(),
            (Some(s), None, Some(_)) => {
                format!("  · {} from {} ago, refresh failed", s.source, fmt::age(state.now(), s.fetched_at))
            }
            (Some(s), None, None) => {
                format!("  · {}, fetched {} ago", s.source, fmt::age(state.now(), s.fetched_at))
            }
            (None, None, _) => String::new(),
        };
        spans.push(Span::styled(status, Style::new().fg(Color::DarkGray)));
    }
    Line::from(spans)
}

/// The ranges, the shown one highlighted: ` 1D  5D  1M  6M [1Y] 5Y  start `.
fn tabs_line(state: &State, shown: Range) -> Line<'static> {
    let mut spans = Vec::new();
    for r in Range::ALL {
        let label = format!(" {} ", r.label());
        spans.push(if r == shown {
            Span::styled(label, Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD))
        } else {
            Span::styled(label, Style::new().fg(Color::Gray))
        });
        spans.push(Span::raw(" "));
    }
    if shown == Range::Thesis {
        let since = state.thesis_started().map_or("a year back (set [thesis] started)".to_string(), |d| {
            format!("since {}", d.format("%Y-%m-%d"))
        });
        spans.push(Span::styled(since, Style::new().fg(Color::DarkGray)));
    }
    Line::from(spans)
}

/// The price line with its axes; answers the width of the price labels and axis line (where
/// the plot starts), for the volume under it.
fn price_chart(state: &State, frame: &mut Frame, area: Rect, s: &Series, marks: &[Mark]) -> u16 {
    let points: Vec<(f64, f64)> = s.bars.iter().enumerate().map(|(i, b)| (i as f64, b.close)).collect();
    let Some((lo, hi)) = s.bounds() else { return 0 };
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.002);
    let (y0, y1) = (lo - pad, hi + pad);
    let n = s.bars.len();
    let (first, last) = (s.bars[0].t, s.bars[n - 1].t);
    // Marks within the range, at the bar on or after their time; one after the last bar (a hit
    // today, before its close is in) at the right edge.
    let mut hit_points = Vec::new();
    let mut pin_points = Vec::new();
    for m in marks.iter().filter(|m| m.at >= first) {
        let i = s.bars.partition_point(|b| b.t < m.at).min(n - 1);
        let p = (i as f64, s.bars[i].close);
        if m.color == HIT { hit_points.push(p) } else { pin_points.push(p) }
    }
    let label = |t: DateTime<Utc>| {
        let local = state.local(t);
        if s.span.intraday() {
            local.format("%a %H:%M").to_string()
        } else {
            local.format("%Y-%m-%d").to_string()
        }
    };
    let x_labels = vec![Span::raw(label(first)), Span::raw(label(s.bars[n / 2].t)), Span::raw(label(last))];
    let y_labels = vec![
        Span::raw(fmt::price(lo)),
        Span::raw(fmt::price((lo + hi) / 2.0)),
        Span::raw(format!("{} {}", fmt::price(hi), s.currency)),
    ];
    let axis_w = y_labels.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 1;
    let up = s.bars[n - 1].close >= s.bars[0].close;
    let mut datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(if up { Color::Green } else { Color::Red }))
            .data(&points),
    ];
    for (marked, color) in [(&hit_points, HIT), (&pin_points, PIN)] {
        if !marked.is_empty() {
            datasets.push(
                Dataset::default()
                    .marker(Marker::Dot)
                    .graph_type(GraphType::Scatter)
                    .style(Style::new().fg(color))
                    .data(marked),
            );
        }
    }
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, (n.max(2) - 1) as f64])
                .labels(x_labels)
                .style(Style::new().fg(Color::DarkGray)),
        )
        .y_axis(Axis::default().bounds([y0, y1]).labels(y_labels).style(Style::new().fg(Color::DarkGray)));
    frame.render_widget(chart, area);
    axis_w
}

/// Volume under the chart's plot (right of its price labels, `axis_w` cells), each column the
/// bars under it: summed where bars outnumber columns, spread where columns outnumber bars.
fn volume_bars(frame: &mut Frame, area: Rect, s: &Series, axis_w: u16) {
    let plot = Rect { x: area.x + axis_w.min(area.width), width: area.width.saturating_sub(axis_w), ..area };
    let (cols, n) = (plot.width as usize, s.bars.len());
    if cols == 0 || n == 0 {
        return;
    }
    let data: Vec<u64> = (0..cols)
        .map(|c| {
            // The bars whose index maps to this column (at least the one under it).
            let (from, to) = (c * n / cols, ((c + 1) * n / cols).max(c * n / cols + 1).min(n));
            s.bars[from..to].iter().fold(0u64, |sum, b| sum.saturating_add(b.volume.unwrap_or(0)))
        })
        .collect();
    if data.iter().all(|v| *v == 0) {
        return;
    }
    frame.render_widget(Sparkline::default().data(&data).style(Style::new().fg(Color::Blue)), plot);
}

/// `day 11.14–11.67 · 52w 7.94–12.02 · post 39.50 (+0.95%) · vol 1.3M`.
fn info_line(state: &State, symbol: &str, series: Option<&Series>) -> Line<'static> {
    let mut parts = Vec::new();
    let q = state.quotes().get(symbol);
    if let Some((lo, hi)) = q.and_then(|q| q.day_low.zip(q.day_high)) {
        parts.push(format!("day {}–{}", fmt::price(lo), fmt::price(hi)));
    }
    if let Some((lo, hi)) = series.and_then(|s| s.year_range) {
        parts.push(format!("52w {}–{}", fmt::price(lo), fmt::price(hi)));
    }
    if let Some(e) = q.and_then(|q| q.extended.as_ref()) {
        let what = if e.session == crate::domain::MarketState::Pre { "pre" } else { "post" };
        let pct = e.change_pct.map(|p| format!(" ({})", fmt::pct(p))).unwrap_or_default();
        parts.push(format!("{what} {}{pct}", fmt::price(e.price)));
    }
    if let Some(v) = q.and_then(|q| q.volume) {
        parts.push(format!("vol {}", fmt::volume(v)));
    }
    Line::from(Span::styled(parts.join(" · "), Style::new().fg(Color::Gray)))
}

/// `vs SOXX  1M +3.2 pp  since 2025-12-01 +41.0 pp`: the ticker's move minus the benchmark's
/// (nothing without a benchmark, or for the benchmark itself).
fn relative_spans(state: &State, symbol: &str) -> Vec<Span<'static>> {
    let (Some(rel), Some(bench)) = (state.relative(symbol), state.benchmark()) else { return Vec::new() };
    let dim = Style::new().fg(Color::Gray);
    let value = |v: Option<f64>| match v {
        Some(v) => {
            Span::styled(fmt::points(v), Style::new().fg(if v >= 0.0 { Color::Green } else { Color::Red }))
        }
        None => Span::styled("—", Style::new().fg(Color::DarkGray)),
    };
    let since = state.start_move(symbol).map(|(from, ..)| from);
    let since = since.map_or_else(|| "since start".to_string(), |d| format!("since {d}"));
    vec![
        Span::styled(format!("vs {}  1M ", fmt::truncate(&bench.symbol, 12)), dim),
        value(rel.month),
        Span::styled(format!("  {since} "), dim),
        value(rel.start),
    ]
}

/// Catalyst hits (every one, from the journal) and headlines pinned to anything, dated: a
/// pinned headline at its publication when the window still has it, else when it was pinned.
fn marks(state: &State, symbol: &str) -> Vec<Mark> {
    let mut out = Vec::new();
    for c in state.catalysts() {
        let Some(rec) = state.user().catalysts.get(&c.id) else { continue };
        let last = rec.done_at.filter(|_| rec.done && state.linked_tickers(c).iter().any(|t| t == symbol));
        for e in rec.history.iter().filter(|e| e.done) {
            let reactions = (Some(e.at) == last).then(|| super::thesis::reactions(state, c)).flatten();
            out.push(Mark { at: e.at, color: HIT, text: format!("hit: {}", c.title), reactions });
        }
    }
    for (thesis, pins) in &state.user().pins {
        for p in pins {
            let item = state.news().iter().find(|n| n.id == p.item);
            if item.is_some_and(|n| !n.tickers.iter().any(|t| t == symbol))
                && !pinned_to_linked(state, thesis, symbol)
            {
                continue;
            }
            let at = item.and_then(|n| n.published).unwrap_or(p.at);
            out.push(Mark { at, color: PIN, text: format!("pinned: {}", p.title), reactions: None });
        }
    }
    out.sort_by_key(|m| m.at);
    out
}

/// Whether `thesis` (`c:ID`) is a catalyst that names `symbol` among its tickers.
fn pinned_to_linked(state: &State, thesis: &str, symbol: &str) -> bool {
    let id = thesis.strip_prefix("c:").unwrap_or(thesis);
    state.catalysts().iter().any(|c| c.id == id && c.tickers.iter().any(|t| t == symbol))
}

/// The legend: newest marks first, each `● 2026-11-20 hit: AMD LTA lands`, a linked catalyst's
/// last hit with its reactions after it (the title cut first to keep them); one before the
/// chart's range says so.
fn legend_lines(state: &State, marks: &[Mark], series: Option<&Series>, width: u16) -> Vec<Line<'static>> {
    let first = series.and_then(|s| s.bars.first()).map(|b| b.t);
    marks
        .iter()
        .rev()
        .map(|m| {
            let before = first.is_some_and(|f| m.at < f);
            let date = state.local(m.at).format("%Y-%m-%d");
            let text = format!("{date} {}{}", m.text, if before { " (before this range)" } else { "" });
            let room = width.saturating_sub(2) as usize;
            let after = m.reactions.as_ref().map(|r| format!(" · {r}")).unwrap_or_default();
            let after_w = unicode_width::UnicodeWidthStr::width(after.as_str());
            // The title keeps at least 32 cells; the reactions are cut after that.
            let keep = room.saturating_sub(after_w).max(32.min(room));
            let text = fmt::truncate(&text, keep);
            let used = unicode_width::UnicodeWidthStr::width(text.as_str());
            Line::from(vec![
                Span::styled(if before { "○ " } else { "● " }, Style::new().fg(m.color)),
                Span::raw(text),
                Span::styled(fmt::truncate(&after, room.saturating_sub(used)), Style::new().fg(Color::Gray)),
            ])
        })
        .collect()
}

/// The ticker's newest headlines in the window: (age, title).
fn headlines(state: &State, symbol: &str) -> Vec<(String, String)> {
    state
        .news()
        .iter()
        .filter(|n| n.tickers.iter().any(|t| t == symbol))
        .take(20)
        .map(|n| (n.published.map_or("—".into(), |p| fmt::age(state.now(), p)), n.title.clone()))
        .collect()
}
