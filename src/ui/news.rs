//! The News pane: merged headlines, newest first, filter line, highlighted matches, tags.

use super::{fmt, pane_block, pane_title, scroll_offset, selected_style};
use crate::action::Pane;
use crate::core::keys::Command;
use crate::domain::NewsItem;
use crate::filter::Query;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let f = &state.filter;
    let archive = state.archive_mode();
    let mut extra = if archive {
        let a = &state.archive;
        let found = if a.req.is_some() && a.items.is_empty() {
            "searching…".to_string()
        } else {
            format!("{}{} found", a.items.len(), if a.more { "+" } else { "" })
        };
        let why = if a.on {
            format!(" ({} back)", state.keymap.hint(Command::Archive))
        } else {
            " (since: reaches past the window)".into()
        };
        vec![
            Span::styled(
                " ARCHIVE ",
                Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!(" {found}"), Style::new().fg(Color::Green)),
            Span::styled(why, Style::new().fg(Color::DarkGray)),
        ]
    } else {
        vec![Span::styled(
            format!(" {}/{}", f.visible.len(), state.news.len()),
            Style::new().fg(Color::Green),
        )]
    };
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
    if archive && state.archive.items.is_empty() {
        let msg = match (&state.archive.error, state.archive.req) {
            (Some(e), _) => format!("archive search failed: {e}"),
            (None, Some(_)) => "searching the archive…".to_string(),
            (None, None) if text.is_empty() => {
                "the archive is empty: headlines are kept as feeds bring them".into()
            }
            (None, None) => format!("no archived headline matches `{text}`"),
        };
        frame.render_widget(Paragraph::new(Span::styled(msg, Style::new().fg(Color::DarkGray))), list_area);
    } else if !archive && f.visible.is_empty() {
        let feeds = state.sources.iter().filter(|s| matches!(s.id, crate::action::SourceId::Feed(_)));
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
    let h = area.height as usize;
    let sel = state.selected(Pane::News);
    let offset = scroll_offset(sel, h);
    let shown_n = state.news_rows().skip(offset).take(h.max(1)).count();
    let outer = Rect {
        x: area.x.saturating_sub(1),
        y: area.y.saturating_sub(1),
        width: area.width + 2,
        height: area.height + 2,
    };
    super::record(Pane::News, outer, Rect { height: shown_n as u16, ..area }, offset);
    let query = state.filter.query.as_ref();
    let shown: Vec<&NewsItem> = state.news_rows().skip(offset).take(h.max(1)).collect();
    let tag_text: Vec<String> = shown.iter().map(|n| tags(state, n)).collect();
    let cols = Columns::fit(&shown, &tag_text, area.width);
    let rows = shown.iter().zip(&tag_text).map(|(n, tag_text)| {
        let read = state.user.read.contains(&n.id);
        let base = if read { Style::new().fg(Color::DarkGray) } else { Style::new() };
        let age = n.published.map(|p| fmt::age(state.now, p)).unwrap_or_else(|| "—".into());
        let mut cells = vec![Cell::from(Span::styled(age, Style::new().fg(Color::DarkGray)))];
        if cols.src > 0 {
            cells.push(Cell::from(Span::styled(
                fmt::truncate(&n.source, cols.src.into()),
                Style::new().fg(Color::Blue),
            )));
        }
        cells.push(Cell::from(highlighted(&fmt::truncate(&n.title, cols.title.into()), query, base)));
        if cols.tags > 0 {
            cells.push(Cell::from(Span::styled(
                fmt::truncate(tag_text, cols.tags.into()),
                Style::new().fg(Color::Cyan),
            )));
        }
        Row::new(cells)
    });
    let mut widths = vec![Constraint::Length(3)];
    if cols.src > 0 {
        widths.push(Constraint::Length(cols.src));
    }
    widths.push(Constraint::Length(cols.title));
    if cols.tags > 0 {
        widths.push(Constraint::Length(cols.tags));
    }
    let table =
        Table::new(rows, widths).column_spacing(1).row_highlight_style(selected_style(state, Pane::News));
    let mut ts = TableState::default().with_selected(Some(sel - offset));
    frame.render_stateful_widget(table, area, &mut ts);
}

/// Widths of the News table's source, title and tags columns (0: not shown), from the rows on
/// screen: each gets what its longest entry needs when the row has room (the source at most a
/// quarter of it); otherwise the title keeps at least 60 % and the source and tags share the rest evenly (what one does not need
/// goes to the other), cut with `…`. Whatever is left over goes to the last column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    src: u16,
    title: u16,
    tags: u16,
}

impl Columns {
    fn fit(rows: &[&NewsItem], tags: &[String], w: u16) -> Columns {
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s) as u16;
        let src_want = rows.iter().map(|n| width(&n.source)).max().unwrap_or(0).min(48);
        let tags_want = tags.iter().map(|t| width(t)).max().unwrap_or(0).min(64);
        let title_want = rows.iter().map(|n| width(&n.title)).max().unwrap_or(0);
        let show_src = w >= 60 && src_want > 0;
        let show_tags = w >= 90 && tags_want > 0;
        // The age column and the spaces between columns.
        let avail = w.saturating_sub(3 + 1 + u16::from(show_src) + u16::from(show_tags));
        // The source never takes more than a quarter of the row (at least 12 cells).
        let src_want = (src_want * u16::from(show_src)).min((avail / 4).max(12));
        let tags_want = tags_want * u16::from(show_tags);
        let side_room = if src_want + tags_want + title_want <= avail {
            src_want + tags_want
        } else {
            (avail - avail * 3 / 5).min(src_want + tags_want)
        };
        let (src, tags) = share(side_room, src_want, tags_want);
        // The tags follow the longest title; the rest of the row is theirs (or the title's).
        let title = title_want.min(avail - src - tags);
        if show_tags {
            Columns { src, title, tags: avail - src - title }
        } else {
            Columns { src, title: avail - src, tags }
        }
    }
}

/// Splits `room` between two wants: each gets up to half, and what one leaves the other may take.
fn share(room: u16, a_want: u16, b_want: u16) -> (u16, u16) {
    let half = room / 2;
    let a = a_want.min(room - half.min(b_want));
    let b = b_want.min(room - a);
    (a, b)
}

/// Tickers first, then catalyst and risk ids, e.g. `AAOI c:aaoi-texas r:supply-slip`.
/// The row's tags: pins first (`◆c:amd-lta`), then tickers, catalysts and risks.
fn tags(state: &State, n: &NewsItem) -> String {
    tags_with(&state.user.pins_of(&n.id).collect::<Vec<_>>(), n)
}

fn tags_with(pins: &[&str], n: &NewsItem) -> String {
    let mut parts: Vec<String> = pins.iter().map(|p| format!("◆{p}")).collect();
    parts.extend(n.tickers.iter().cloned());
    let tagged = n.catalysts.iter().map(|c| format!("c:{c}")).chain(n.risks.iter().map(|r| format!("r:{r}")));
    parts.extend(tagged.filter(|t| !pins.contains(&t.as_str())));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(rows: &[&NewsItem], w: u16) -> Columns {
        let tags: Vec<String> = rows.iter().map(|n| tags_with(&[], n)).collect();
        Columns::fit(rows, &tags, w)
    }

    fn item(source: &str, title: &str, tickers: &[&str]) -> NewsItem {
        NewsItem {
            id: title.into(),
            title: title.into(),
            link: String::new(),
            source: source.into(),
            text: None,
            published: None,
            tickers: tickers.iter().map(|t| t.to_string()).collect(),
            catalysts: Vec::new(),
            risks: Vec::new(),
        }
    }

    #[test]
    fn columns_follow_content() {
        let long_src = "Sample data — ticker headlines (demo)";
        let items = [item(long_src, &"t".repeat(70), &["AAOI", "LITE"]), item("Reuters", "short", &[])];
        let rows: Vec<&NewsItem> = items.iter().collect();
        // Wide: everything whole, the title as long as the longest, the rest to the tags.
        let c = fit(&rows, 198);
        assert_eq!((c.src, c.title), (37, 70));
        assert_eq!(3 + 1 + c.src + 1 + c.title + 1 + c.tags, 198);
        // 120 columns: the title keeps 60 %, the source a share of the rest (not 16 cells).
        let c = fit(&rows, 118);
        assert_eq!((c.src, c.title), (28, 70), "all fits: the source capped at a quarter");
        let longer = [item(long_src, &"t".repeat(100), &["AAOI", "LITE"])];
        let c = fit(&longer.iter().collect::<Vec<_>>(), 118);
        assert_eq!((c.src, c.title, c.tags), (28, 75, 9), "the title keeps 60 %, cut with …");
        // Narrow: no tags; the source at most a quarter.
        let c = fit(&rows, 78);
        assert_eq!((c.src, c.tags), (18, 0));
        // Very narrow: the title only.
        assert_eq!(fit(&rows, 50), Columns { src: 0, title: 46, tags: 0 });
    }

    #[test]
    fn share_gives_what_one_leaves_to_the_other() {
        assert_eq!(share(45, 37, 40), (23, 22));
        assert_eq!(share(45, 10, 40), (10, 35));
        assert_eq!(share(45, 40, 5), (40, 5));
        assert_eq!(share(0, 10, 10), (0, 0));
    }
}
