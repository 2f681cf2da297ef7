//! The Tickers pane: price, day change, currency, intraday sparkline, market state, age and source.

use super::{fmt, pane_block, pane_title, scroll_offset, selected_style};
use crate::action::{Pane, SourceId};
use crate::domain::{MarketState, Quote};
use crate::hours::{self, Exchange};
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let mut extra = Vec::new();
    let restored = (0..state.tickers.len()).any(|i| state.quote_from_cache(i));
    let failing = state.sources.iter().any(|s| matches!(s.id, SourceId::Quote(_)) && s.failures > 0);
    if restored && failing {
        extra.push(Span::styled(" cached, refresh failing (s)", Style::new().fg(Color::Yellow)));
    } else if restored {
        extra.push(Span::styled(" cached, refreshing", Style::new().fg(Color::Yellow)));
    } else if state.quotes_stale() {
        extra.push(Span::styled(" stale", Style::new().fg(Color::Yellow)));
    }
    let block = pane_block(state, Pane::Tickers, pane_title(state, Pane::Tickers, extra));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = Columns::fit(state, inner.width);
    let (show_name, show_spark, show_src, show_meta, show_range, show_hours, show_ext) =
        (cols.name > 0, cols.spark > 0, cols.src > 0, cols.meta, cols.range, cols.hours, cols.ext);
    let bench = state.benchmark().map(|b| fmt::truncate(&b.symbol, BENCH_MAX)).unwrap_or_default();
    let rel_heads = [format!("1M vs {bench}"), format!("Start vs {bench}")];
    let spark_w = cols.spark;
    let mut header: Vec<&str> = vec!["Sym", "Price", "Chg", "%"];
    let mut widths = vec![
        Constraint::Length(cols.sym),
        Constraint::Length(fmt::PRICE_W as u16),
        Constraint::Length(fmt::CHANGE_W as u16),
        Constraint::Length(fmt::CHANGE_W as u16),
    ];
    if show_name {
        header.insert(1, "Name");
        widths.insert(1, Constraint::Length(cols.name));
    }
    if show_meta {
        header.push("Cur");
        widths.push(Constraint::Length(3));
    }
    if cols.pos {
        header.extend(["Value", "Day P&L", "P&L"]);
        widths.extend([Constraint::Length(fmt::MONEY_W as u16); 3]);
    }
    if show_spark {
        header.push("Day");
        widths.push(Constraint::Length(spark_w));
    }
    if show_ext {
        header.push("Pre/post");
        widths.push(Constraint::Length(EXT_W - 1));
    }
    if cols.rel {
        for head in &rel_heads {
            header.push(head);
            widths.push(Constraint::Length(rel_width(head)));
        }
    }
    if show_range {
        header.extend(["Day range", "Volume"]);
        widths.extend([Constraint::Length(17), Constraint::Length(7)]);
    }
    if show_meta {
        header.extend(["Mkt", "Age"]);
        widths.extend([Constraint::Length(6), Constraint::Length(4)]);
    }
    if show_hours {
        header.push("Session (local time)");
        widths.push(Constraint::Length(HOURS_W - 1));
    }
    if show_src {
        header.push("Src");
        widths.push(Constraint::Length(cols.src));
    }
    let dim = Style::new().fg(Color::DarkGray);
    let holdings = state.holdings();
    let total = (!holdings.is_empty())
        .then(|| crate::portfolio::totals(&holdings, state.base_currency(), state.fx()));
    let rows_h = inner.height.saturating_sub(1 + u16::from(total.is_some())) as usize;
    let offset = scroll_offset(state.selected(Pane::Tickers), rows_h);
    let rows_area = Rect { y: inner.y + 1, height: rows_h.min(state.tickers.len()) as u16, ..inner };
    super::record(Pane::Tickers, area, rows_area, offset);
    let rows = state.tickers.iter().enumerate().skip(offset).take(rows_h.max(1)).map(|(i, t)| {
        let q = state.quotes.get(&t.symbol);
        let up = q.and_then(|q| q.change).map(|c| c >= 0.0);
        let tone = match up {
            Some(true) => Style::new().fg(Color::Green),
            Some(false) => Style::new().fg(Color::Red),
            None => Style::new(),
        };
        let alerted = state.user.alerts.iter().any(|a| a.ticker.as_deref() == Some(t.symbol.as_str()));
        let sym_style =
            if alerted { super::status::ALERT } else { Style::new().add_modifier(Modifier::BOLD) };
        let mut cells = vec![Cell::from(Span::styled(fmt::truncate(&t.symbol, cols.sym.into()), sym_style))];
        if show_name {
            cells.push(Cell::from(Span::styled(fmt::truncate(&t.name, cols.name.into()), dim)));
        }
        let opt = |v: Option<String>| v.unwrap_or_else(|| "—".into());
        cells.push(Cell::from(Line::from(opt(q.map(|q| fmt::price(q.price)))).right_aligned()));
        cells.push(Cell::from(
            Line::from(opt(q.and_then(|q| q.change).map(fmt::signed))).right_aligned().style(tone),
        ));
        cells.push(Cell::from(
            Line::from(opt(q.and_then(|q| q.change_pct).map(fmt::pct))).right_aligned().style(tone),
        ));
        if show_meta {
            let cur = q.map(|q| q.currency.clone()).unwrap_or_else(|| t.currency.clone());
            cells.push(Cell::from(Span::styled(cur, dim)));
        }
        if cols.pos {
            let h = holdings.iter().find(|h| h.symbol == t.symbol);
            cells.extend(position_cells(h.map(|h| (h.value, h.day, h.total))));
        }
        if show_spark {
            let spark = q.map(|q| fmt::sparkline(&q.series, spark_w as usize)).unwrap_or_default();
            cells.push(Cell::from(Span::styled(spark, tone)));
        }
        if show_ext {
            cells.push(Cell::from(extended(q)));
        }
        if cols.rel {
            let rel = state.relative(&t.symbol).unwrap_or_default();
            for v in [rel.month, rel.start] {
                cells.push(Cell::from(points(v)));
            }
        }
        if show_range {
            let range =
                q.and_then(|q| Some(format!("{}–{}", fmt::price(q.day_low?), fmt::price(q.day_high?))));
            cells.push(Cell::from(Span::styled(range.unwrap_or_default(), dim)));
            let vol = q.and_then(|q| q.volume).map(fmt::volume).unwrap_or_default();
            cells.push(Cell::from(Line::from(Span::styled(vol, dim)).right_aligned()));
        }
        if show_meta {
            cells.push(Cell::from(market(q)));
            cells.push(Cell::from(age_span(state, i, q)));
        }
        if show_hours {
            cells.push(Cell::from(session(state, Some(t.listing()))));
        }
        if show_src {
            // A ticker whose last fetch failed keeps its old quote, flagged (details: `s`).
            let failed = state.sources.iter().any(|s| {
                s.id == SourceId::Quote(i) && matches!(s.status, crate::domain::FetchStatus::Error { .. })
            });
            let src = match (failed, q) {
                (true, _) => Span::styled("✗ err", Style::new().fg(Color::Red)),
                (false, Some(q)) => Span::styled(fmt::truncate(&q.source, cols.src.into()), dim),
                (false, None) => Span::raw(""),
            };
            cells.push(Cell::from(src));
        }
        Row::new(cells)
    });
    let total_row = total.map(|t| {
        let n = widths.len();
        let label = if cols.sym >= 5 { "Total" } else { "All" };
        let mut cells = vec![Cell::from(Span::styled(label, Style::new().add_modifier(Modifier::BOLD)))];
        if show_name {
            cells.push(Cell::from(Span::styled(format!("portfolio in {}", t.base), dim)));
        }
        if cols.pos {
            cells.extend([Cell::from(""), Cell::from(""), Cell::from("")]);
        } else {
            // Narrow: the portfolio's value, day P&L and total return in the price columns.
            let pct = t.total.zip(t.cost).filter(|(_, c)| *c > 0.0).map(|(p, c)| p / c * 100.0);
            let opt = |v: Option<String>| v.unwrap_or_else(|| "?".into());
            cells.push(Cell::from(Line::from(opt(t.value.map(fmt::price))).right_aligned()));
            cells.push(Cell::from(Line::from(opt(t.day.map(fmt::signed))).right_aligned()));
            cells.push(Cell::from(Line::from(opt(pct.map(fmt::pct))).right_aligned()));
        }
        if show_meta {
            cells.push(Cell::from(Span::styled(t.base.clone(), dim)));
        }
        if cols.pos {
            cells.extend(position_cells(Some((t.value, t.day, t.total))));
        }
        if show_spark {
            cells.push(Cell::from(fx_line(state, &t)));
        }
        cells.resize_with(n, || Cell::from(""));
        Row::new(cells).style(Style::new().add_modifier(Modifier::BOLD))
    });
    let header = Row::new(header).style(Style::new().fg(Color::Gray).add_modifier(Modifier::UNDERLINED));
    let rows: Vec<Row> = rows.chain(total_row).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .flex(Flex::Start)
        .row_highlight_style(selected_style(state, Pane::Tickers));
    let mut ts = TableState::default().with_selected(Some(state.selected(Pane::Tickers) - offset));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// Column widths of the Tickers table at an inner width, from what the columns hold: the
/// symbol and name columns are as wide as the longest configured symbol and name (cut with `…`
/// only where the pane is too narrow). Columns join in order of importance: the numbers, then
/// currency / market / age, the sparkline, the source, the name, the session, the day range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    sym: u16,
    /// 0: not shown.
    name: u16,
    spark: u16,
    src: u16,
    meta: bool,
    hours: bool,
    range: bool,
    /// The pre- / post-market trade, when a quote has one.
    ext: bool,
    /// Each ticker against the benchmark, over a month and since the thesis started.
    rel: bool,
    /// The position's value, day P&L and total P&L (when a lot is held).
    pos: bool,
}

/// Widest symbol and source shown in full; longer ones are cut with `…`.
const SYM_MAX: usize = 12;
const NAME_MAX: usize = 32;
const SRC_MAX: usize = 12;
const SPARK_MIN: u16 = 8;
/// Longest benchmark symbol in the relative columns' headers.
const BENCH_MAX: usize = 8;
const SPARK_MAX: u16 = 64;
/// The session and day range only join while the sparkline keeps this many cells.
const SPARK_KEEP: u16 = 30;
const META_W: u16 = 3 + 1 + 6 + 1 + 4 + 1;
/// "opens Wed 15:30 in 14h 31m".
const HOURS_W: u16 = 26 + 1;
const RANGE_W: u16 = 17 + 1 + 7 + 1;
/// Value, day P&L, total P&L.
const POS_W: u16 = 3 * (fmt::MONEY_W as u16 + 1);
/// "post 39.12 +1.82%".
const EXT_W: u16 = 4 + 1 + fmt::PRICE_W as u16 + 1 + fmt::CHANGE_W as u16 + 1;

impl Columns {
    fn fit(state: &State, w: u16) -> Columns {
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
        let longest = |it: &mut dyn Iterator<Item = usize>, min: usize, max: usize| {
            it.max().unwrap_or(0).clamp(min, max) as u16
        };
        let sym = longest(&mut state.tickers.iter().map(|t| width(&t.symbol)), 3, SYM_MAX);
        let name_want = longest(&mut state.tickers.iter().map(|t| width(&t.name)), 4, NAME_MAX);
        let src_want = {
            let sources = state.quotes.values().map(|q| width(&q.source));
            let err = (!state.quote_errors().is_empty()).then_some(width("✗ err"));
            longest(&mut sources.chain(err), 3, SRC_MAX)
        };
        let mut c = Columns {
            sym,
            name: 0,
            spark: 0,
            src: 0,
            meta: false,
            hours: false,
            range: false,
            ext: false,
            rel: false,
            pos: false,
        };
        let any_ext = state.quotes.values().any(|q| q.extended.is_some());
        let mut used = sym + (fmt::PRICE_W + 2 * fmt::CHANGE_W + 3) as u16;
        let room = |used: u16, extra: u16| used.saturating_add(extra) <= w;
        if room(used, META_W) {
            c.meta = true;
            used += META_W;
        }
        // A position's numbers come right after the day's, before the sparkline.
        if c.meta && state.holdings_shown() && room(used, POS_W + SPARK_MIN + 1) {
            c.pos = true;
            used += POS_W;
        }
        if c.meta && room(used, SPARK_MIN + 1) {
            c.spark = SPARK_MIN;
            used += SPARK_MIN + 1;
        }
        if c.spark > 0 && room(used, src_want + 1) {
            c.src = src_want;
            used += src_want + 1;
        }
        if c.src > 0 && any_ext && room(used, EXT_W + 16 - SPARK_MIN) {
            c.ext = true;
            used += EXT_W;
        }
        if c.src > 0 && room(used, 12 + 1) {
            // The name takes what it needs, but leaves the sparkline 16 cells before it is cut.
            let spare = w.saturating_sub(used + 1 + (16 - SPARK_MIN));
            c.name = name_want.min(spare.max(12));
            used += c.name + 1;
        }
        let rel_w = state.benchmark().map_or(0, |b| {
            let bench = fmt::truncate(&b.symbol, BENCH_MAX);
            rel_width(&format!("1M vs {bench}")) + rel_width(&format!("Start vs {bench}")) + 2
        });
        // The pane spans the terminal: as wide as the state asks the relative series at.
        let wide = w.saturating_add(2) >= crate::state::RELATIVE_WIDTH;
        if c.name == name_want && rel_w > 0 && wide && room(used, rel_w + SPARK_KEEP - SPARK_MIN) {
            c.rel = true;
            used += rel_w;
        }
        if c.name == name_want && room(used, HOURS_W + SPARK_KEEP - SPARK_MIN) {
            c.hours = true;
            used += HOURS_W;
        }
        if c.hours && room(used, RANGE_W + SPARK_KEEP - SPARK_MIN) {
            c.range = true;
            used += RANGE_W;
        }
        if c.spark > 0 {
            c.spark = (SPARK_MIN + w.saturating_sub(used)).min(SPARK_MAX);
        }
        c
    }
}

/// A position's value, day P&L and total P&L, right-aligned (`?` unknown: no quote, or no rate
/// for the total); the P&L green or red.
fn position_cells(v: Option<(Option<f64>, Option<f64>, Option<f64>)>) -> Vec<Cell<'static>> {
    let Some((value, day, total)) = v else { return vec![Cell::from(""), Cell::from(""), Cell::from("")] };
    let unknown = || Line::from(Span::styled("?", Style::new().fg(Color::Yellow))).right_aligned();
    let pnl = |v: Option<f64>| match v {
        Some(v) => {
            let tone = if v >= 0.0 { Color::Green } else { Color::Red };
            Line::from(Span::styled(fmt::signed_money(v), Style::new().fg(tone))).right_aligned()
        }
        None => unknown(),
    };
    vec![
        Cell::from(value.map_or_else(unknown, |v| Line::from(fmt::money(v)).right_aligned())),
        Cell::from(pnl(day)),
        Cell::from(pnl(total)),
    ]
}

/// The rates the total uses, with their age (`SEK→USD 0.0952 2h`), or which are missing.
fn fx_line(state: &State, t: &crate::portfolio::Totals) -> Line<'static> {
    let dim = Style::new().fg(Color::DarkGray);
    if !t.missing_rates.is_empty() {
        let text = format!(
            "no {} rate yet",
            t.missing_rates.iter().map(|c| format!("{c}→{}", t.base)).collect::<Vec<_>>().join(", ")
        );
        return Line::from(Span::styled(text, Style::new().fg(Color::Yellow)));
    }
    let parts: Vec<String> = state
        .fx_needed()
        .iter()
        .filter_map(|c| state.fx().get(c))
        .map(|r| format!("{}→{} {:.4} {}", r.currency, r.base, r.rate, fmt::age(state.now, r.as_of)))
        .collect();
    Line::from(Span::styled(parts.join(" · "), dim))
}

/// A relative column's width: its header's, or the widest value's.
fn rel_width(head: &str) -> u16 {
    unicode_width::UnicodeWidthStr::width(head).max(fmt::POINTS_W) as u16
}

/// Points against the benchmark, right-aligned, green above it and red below; `—` unknown.
fn points(v: Option<f64>) -> Line<'static> {
    match v {
        Some(v) => {
            let tone = if v >= 0.0 { Color::Green } else { Color::Red };
            Line::from(Span::styled(fmt::points(v), Style::new().fg(tone))).right_aligned()
        }
        None => Line::from(Span::styled("—", Style::new().fg(Color::DarkGray))).right_aligned(),
    }
}

fn market(q: Option<&Quote>) -> Span<'static> {
    let Some(q) = q else { return Span::raw("") };
    let style = match q.market_state {
        MarketState::Regular => Style::new().fg(Color::Green),
        MarketState::Pre | MarketState::Post => Style::new().fg(Color::Yellow),
        MarketState::Closed | MarketState::Unknown => Style::new().fg(Color::DarkGray),
    };
    Span::styled(q.market_state.label(), style)
}

/// "post 39.12 +1.82%": the last pre- or after-hours trade and its move from the regular price.
fn extended(q: Option<&Quote>) -> Line<'static> {
    let Some(e) = q.and_then(|q| q.extended.as_ref()) else { return Line::raw("") };
    let tone = match e.change_pct {
        Some(p) if p >= 0.0 => Style::new().fg(Color::Green),
        Some(_) => Style::new().fg(Color::Red),
        None => Style::new(),
    };
    Line::from(vec![
        Span::styled(format!("{} ", e.session.label()), Style::new().fg(Color::Yellow)),
        Span::raw(fmt::price(e.price)),
        Span::styled(e.change_pct.map(|p| format!(" {}", fmt::pct(p))).unwrap_or_default(), tone),
    ])
}

/// "open, closes 22:00" or "opens Mon 15:30 in 2d 4h", in the terminal's local time, from the
/// exchange's calendar (holidays and half days included).
fn session(state: &State, exchange: Option<Exchange>) -> Span<'static> {
    let Some(ex) = exchange else { return Span::raw("") };
    let status = ex.status(state.now);
    let at = state.local(status.next_change);
    let today = state.local(state.now).date_naive();
    if status.open {
        return Span::styled(format!("open, closes {}", at.format("%H:%M")), Style::new().fg(Color::Green));
    }
    let when = if at.date_naive() == today {
        at.format("%H:%M").to_string()
    } else {
        at.format("%a %H:%M").to_string()
    };
    Span::styled(
        format!("opens {when} {}", hours::until_label(state.now, status.next_change)),
        Style::new().fg(Color::DarkGray),
    )
}

fn age_span(state: &State, i: usize, q: Option<&Quote>) -> Span<'static> {
    let Some(q) = q else { return Span::raw("") };
    let label = fmt::age(state.now, q.as_of);
    if state.source_stale(SourceId::Quote(i)) {
        Span::styled(format!("{label}!"), Style::new().fg(Color::Yellow))
    } else {
        Span::styled(label, Style::new().fg(Color::DarkGray))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn label(now: chrono::DateTime<chrono::Utc>, offset_secs: i32, ex: Exchange) -> String {
        let config = crate::config::parse(include_str!("../../config.example.toml"), "example").unwrap();
        let mut state = State::new(&config, Default::default(), now, false);
        state.zone = crate::state::Zone::Fixed(offset_secs);
        session(&state, Some(ex)).content.into_owned()
    }

    #[test]
    fn session_labels_use_the_exchange_calendar_and_local_time() {
        let utc = |d, h, m| chrono::Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        // Friday after Thanksgiving: NYSE closes early (13:00 New York = 18:00 UTC).
        assert_eq!(label(utc(27, 17, 0), 0, Exchange::Nyse), "open, closes 18:00");
        // After it, the next open is Monday 09:30 New York; shown in CET (UTC+1).
        assert_eq!(label(utc(27, 19, 0), 3600, Exchange::Nyse), "opens Mon 15:30 in 2d 19h");
        // Stockholm before its open the same morning.
        assert_eq!(label(utc(23, 7, 15), 3600, Exchange::Stockholm), "opens 09:00 in 45m");
        // Exactly at the close it is closed.
        assert_eq!(label(utc(23, 16, 30), 0, Exchange::Stockholm), "opens Tue 08:00 in 15h 30m");
    }

    #[test]
    fn columns_follow_the_configured_tickers_and_the_width() {
        let mut config = crate::config::parse(include_str!("../../config.example.toml"), "example").unwrap();
        let state = State::new(&config, Default::default(), chrono::Utc::now(), false);
        let c = Columns::fit(&state, 118);
        assert_eq!((c.sym, c.name), (4, 23), "SIVE..MTSI; Applied Optoelectronics whole");
        assert!(c.meta && c.src > 0 && !c.hours && c.spark >= 30, "{c:?}");
        let c = Columns::fit(&state, 198);
        assert!(c.hours && c.range && c.name == 23, "{c:?}");
        let c = Columns::fit(&state, 78);
        assert!(c.name > 0 && c.name < 23 && c.spark >= 8, "{c:?}");
        let c = Columns::fit(&state, 38);
        assert!((c.name, c.spark, c.src, c.meta) == (0, 0, 0, false), "{c:?}");
        config.tickers[0].symbol = "LUXNET".into();
        config.tickers[1].symbol = "A_VERY_LONG_SYMBOL".into();
        let state = State::new(&config, Default::default(), chrono::Utc::now(), false);
        assert_eq!(Columns::fit(&state, 118).sym, SYM_MAX as u16);
        config.tickers.truncate(1);
        let state = State::new(&config, Default::default(), chrono::Utc::now(), false);
        assert_eq!(Columns::fit(&state, 118).sym, 6, "LUXNET whole, not LUXNE");
    }

    #[test]
    fn the_listing_comes_from_the_config_or_the_yahoo_symbol() {
        let spec = |yahoo: &str, exchange: &str| crate::domain::TickerSpec {
            symbol: "X".into(),
            symbols: [("yahoo".to_string(), yahoo.to_string())].into(),
            exchange: exchange.into(),
            ..Default::default()
        };
        assert_eq!(spec("SIVE.ST", "").listing(), Exchange::Stockholm);
        assert_eq!(spec("AAOI", "").listing(), Exchange::Nasdaq);
        assert_eq!(spec("COHR", "nyse").listing(), Exchange::Nyse);
        assert_eq!(spec("SIVE", "stockholm").listing(), Exchange::Stockholm);
    }
}
