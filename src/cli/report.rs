//! `chokepoint report`: the thesis at a glance, for sharing. One model, two renderings: Markdown
//! (for a chat, an issue or a note) and JSON (for scripts). Quotes and day moves, catalysts with
//! hit dates, notes and evidence links, risks with levels and their latest signals, open alerts
//! and the newest 20 headlines.

use crate::cli::rfc3339;
use crate::domain::{FetchStatus, MarketState, NewsItem, RiskLevel};
use crate::evidence::{self, Kind};
use crate::state::State;
use serde::Serialize;

/// Headlines listed per catalyst or risk.
pub const EVIDENCE_SHOWN: usize = 3;
/// Newest headlines listed at the end.
pub const HEADLINES_SHOWN: usize = 20;

#[derive(Debug, Serialize)]
pub struct Report {
    pub generated_at: String,
    /// Recorded sample data (`--demo`), not live.
    pub demo: bool,
    /// Quotes or news come from the store, not a refresh.
    pub stale: bool,
    pub quotes: Vec<QuoteRow>,
    pub catalysts_hit: usize,
    pub catalysts: Vec<CatalystRow>,
    pub risks: Vec<RiskRow>,
    pub alerts: Vec<AlertRow>,
    /// The journal, newest first: every change made, by whom and when.
    pub timeline: Vec<TimelineRow>,
    /// Catalysts and risks with an expected window, the soonest-ending first.
    pub calendar: Vec<CalendarRow>,
    /// Each ticker's move since `[thesis] started`, and the benchmark's.
    pub since_start: Vec<crate::state::SinceStart>,
    /// Lots held: each holding in its currency and the base, the totals, the rates used.
    pub positions: crate::portfolio::Positions,
    pub headlines: Vec<Headline>,
    /// Sources whose fetch failed in this run, with why.
    pub failed_sources: Vec<SourceFailure>,
    /// Nothing was fetched or read from the store: the tables are empty for that reason.
    pub no_data: bool,
}

#[derive(Debug, Serialize)]
pub struct SourceFailure {
    pub name: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct QuoteRow {
    pub symbol: String,
    pub name: String,
    pub price: Option<f64>,
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
    pub currency: String,
    pub market_state: Option<MarketState>,
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Change {
    pub done: bool,
    pub at: String,
    pub by: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CatalystRow {
    pub id: String,
    pub title: String,
    pub done: bool,
    pub hit_at: Option<String>,
    pub changes: Vec<Change>,
    pub evidence_count: usize,
    pub evidence: Vec<Headline>,
    pub pinned: Vec<PinRow>,
    /// A hit catalyst's linked tickers (then the benchmark): the move 1 and 5 trading days after.
    pub reactions: Vec<ReactionRow>,
}

/// How one ticker moved after a catalyst's hit, from the close before it.
#[derive(Debug, Serialize)]
pub struct ReactionRow {
    pub symbol: String,
    pub base_close: f64,
    pub day1_pct: Option<f64>,
    pub day5_pct: Option<f64>,
    /// Fewer than five trading days have passed: `day5_pct` is to the latest close.
    pub partial: bool,
}

#[derive(Debug, Serialize)]
pub struct RiskRow {
    pub id: String,
    pub title: String,
    pub level: RiskLevel,
    pub evidence_count: usize,
    pub signals: Vec<Headline>,
    pub pinned: Vec<PinRow>,
}

#[derive(Debug, Serialize)]
pub struct TimelineRow {
    pub at: String,
    pub by: String,
    pub what: String,
    pub note: Option<String>,
    /// Undone since (by an undo entry).
    pub undone: bool,
}

/// A catalyst or risk with an expected window, and where today stands.
#[derive(Debug, Serialize)]
pub struct CalendarRow {
    /// `c:ID` or `r:ID`.
    pub thesis: String,
    pub title: String,
    /// As the config wrote it (`2026-H2`).
    pub expected: String,
    pub start: String,
    pub end: String,
    /// "due in 3m", "in window", "overdue 2w"; "hit" for a catalyst that landed.
    pub stands: String,
}

/// A headline pinned as evidence.
#[derive(Debug, Serialize)]
pub struct PinRow {
    pub item: String,
    pub title: String,
    pub pinned_at: String,
    pub by: String,
}

#[derive(Debug, Serialize)]
pub struct AlertRow {
    pub at: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Headline {
    pub title: String,
    pub link: String,
    pub source: String,
    pub published: Option<String>,
    pub tickers: Vec<String>,
    pub catalysts: Vec<String>,
    pub risks: Vec<String>,
}

fn headline(n: &NewsItem) -> Headline {
    Headline {
        title: n.title.clone(),
        link: n.link.clone(),
        source: n.source.clone(),
        published: n.published.map(rfc3339),
        tickers: n.tickers.clone(),
        catalysts: n.catalysts.clone(),
        risks: n.risks.clone(),
    }
}

/// Entries listed in the report's timeline, newest first.
pub const TIMELINE_SHOWN: usize = 30;

fn pins(state: &State, kind: Kind, id: &str) -> Vec<PinRow> {
    let list = state.user.pins.get(&evidence::seen_key(kind, id));
    list.into_iter()
        .flatten()
        .map(|p| PinRow {
            item: p.item.clone(),
            title: p.title.clone(),
            pinned_at: rfc3339(p.at),
            by: p.by.clone(),
        })
        .collect()
}

fn timeline(state: &State) -> Vec<TimelineRow> {
    use crate::journal::What;
    let undone: std::collections::HashSet<&str> = state
        .user
        .journal
        .iter()
        .filter_map(|e| match &e.what {
            What::Undo { uid } => Some(uid.as_str()),
            _ => None,
        })
        .collect();
    state
        .user
        .journal
        .iter()
        .rev()
        .filter(|e| !matches!(e.what, What::Undo { .. }))
        .take(TIMELINE_SHOWN)
        .map(|e| TimelineRow {
            at: rfc3339(e.at),
            by: e.by.clone(),
            what: e.what.describe(),
            note: e.note.clone(),
            undone: undone.contains(e.uid.as_str()),
        })
        .collect()
}

fn linked(state: &State, kind: Kind, id: &str) -> Vec<Headline> {
    evidence::items(&state.news, kind, id).take(EVIDENCE_SHOWN).map(headline).collect()
}

fn calendar(state: &State) -> Vec<CalendarRow> {
    let items = state
        .catalysts
        .iter()
        .map(|c| (Kind::Catalyst, c))
        .chain(state.risks.iter().map(|r| (Kind::Risk, r)));
    let mut rows: Vec<(chrono::NaiveDate, CalendarRow)> = items
        .filter_map(|(kind, item)| {
            let w = item.expected.as_ref()?;
            let hit = kind == Kind::Catalyst && state.user.catalysts.get(&item.id).is_some_and(|r| r.done);
            let stands = if hit { "hit".to_string() } else { state.window_stand(item)?.label() };
            let prefix = if kind == Kind::Catalyst { "c" } else { "r" };
            Some((
                w.end,
                CalendarRow {
                    thesis: format!("{prefix}:{}", item.id),
                    title: item.title.clone(),
                    expected: w.label.clone(),
                    start: w.start.format("%Y-%m-%d").to_string(),
                    end: w.end.format("%Y-%m-%d").to_string(),
                    stands,
                },
            ))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.thesis.cmp(&b.1.thesis)));
    rows.into_iter().map(|(_, row)| row).collect()
}

pub fn build(state: &State) -> Report {
    let quotes = state
        .tickers
        .iter()
        .map(|t| {
            let q = state.quotes.get(&t.symbol);
            QuoteRow {
                symbol: t.symbol.clone(),
                name: t.name.clone(),
                price: q.map(|q| q.price),
                change: q.and_then(|q| q.change),
                change_pct: q.and_then(|q| q.change_pct),
                currency: q.map_or_else(|| t.currency.clone(), |q| q.currency.clone()),
                market_state: q.map(|q| q.market_state),
                as_of: q.map(|q| rfc3339(q.as_of)),
            }
        })
        .collect();
    let catalysts = state
        .catalysts
        .iter()
        .map(|c| {
            let rec = state.user.catalysts.get(&c.id);
            let done = rec.is_some_and(|r| r.done);
            CatalystRow {
                id: c.id.clone(),
                title: c.title.clone(),
                done,
                hit_at: rec.and_then(|r| r.done_at).filter(|_| done).map(rfc3339),
                changes: rec
                    .map(|r| {
                        r.history
                            .iter()
                            .map(|e| Change {
                                done: e.done,
                                at: rfc3339(e.at),
                                by: e.by.clone(),
                                note: e.note.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                evidence_count: state.evidence_count(Kind::Catalyst, &c.id),
                evidence: linked(state, Kind::Catalyst, &c.id),
                pinned: pins(state, Kind::Catalyst, &c.id),
                reactions: state
                    .reactions(c)
                    .into_iter()
                    .map(|(symbol, r)| ReactionRow {
                        symbol,
                        base_close: r.base,
                        day1_pct: r.day1.map(|m| m.pct),
                        day5_pct: r.day5.map(|m| m.pct),
                        partial: r.day5.is_some_and(|m| m.partial),
                    })
                    .collect(),
            }
        })
        .collect();
    let risks = state
        .risks
        .iter()
        .map(|r| RiskRow {
            id: r.id.clone(),
            title: r.title.clone(),
            level: state.risk_level(&r.id),
            evidence_count: state.evidence_count(Kind::Risk, &r.id),
            signals: linked(state, Kind::Risk, &r.id),
            pinned: pins(state, Kind::Risk, &r.id),
        })
        .collect();
    Report {
        generated_at: rfc3339(state.now),
        demo: state.demo,
        stale: state.stale_news || state.sources.iter().any(|s| state.source_stale(s.id)),
        quotes,
        catalysts_hit: state.done_count(),
        catalysts,
        risks,
        alerts: state
            .user
            .alerts
            .iter()
            .rev()
            .map(|a| AlertRow { at: rfc3339(a.at), text: a.text.clone() })
            .collect(),
        timeline: timeline(state),
        calendar: calendar(state),
        since_start: state.since_start(),
        positions: state.positions(),
        headlines: state.news.iter().take(HEADLINES_SHOWN).map(headline).collect(),
        failed_sources: state
            .sources
            .iter()
            .filter_map(|s| match &s.status {
                FetchStatus::Error { message, .. } => {
                    Some(SourceFailure { name: s.name.clone(), error: message.clone() })
                }
                _ => None,
            })
            .collect(),
        no_data: !has_data(state),
    }
}

/// True when there is at least one quote or headline (fetched now or read from the store).
pub fn has_data(state: &State) -> bool {
    !state.quotes.is_empty() || !state.news.is_empty()
}

/// Backslash-escapes what Markdown would read as markup inside a line (and `|`, for tables).
/// Text never starts a line here, so line-start markers (`#`, `-`, `1.`) need nothing.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A link whose URL cannot break out of the Markdown link syntax.
fn md_link(text: &str, url: &str) -> String {
    if !crate::update::openable(url) {
        return esc(text);
    }
    let url: String = url
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '(' => "%28".to_string(),
            ')' => "%29".to_string(),
            '<' => "%3C".to_string(),
            '>' => "%3E".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!("[{}]({url})", esc(text))
}

fn num(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "—".into())
}

fn date(t: &Option<String>) -> &str {
    t.as_deref().and_then(|t| t.get(..10)).unwrap_or("undated")
}

fn linked_count(n: usize) -> String {
    format!("{n} linked headline{}", if n == 1 { "" } else { "s" })
}

fn headline_md(h: &Headline) -> String {
    format!("{} · {} · {}", date(&h.published), esc(&h.source), md_link(&h.title, &h.link))
}

pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("# CW-laser / co-packaged optics thesis".into());
    line(String::new());
    let mut meta = format!("Generated {} (UTC).", r.generated_at);
    if r.demo {
        meta.push_str(" **Recorded sample data, not live.**");
    }
    if r.stale {
        meta.push_str(" Some data is from the store, not a fresh refresh.");
    }
    line(meta);
    line(String::new());
    if r.no_data {
        line("**No data: nothing could be fetched or read from the store.**".into());
        line(String::new());
    }
    if !r.failed_sources.is_empty() {
        line("## Failed sources".into());
        line(String::new());
        for f in &r.failed_sources {
            line(format!("- **{}**: {}", esc(&f.name), esc(&f.error)));
        }
        line(String::new());
    }
    line("## Quotes".into());
    line(String::new());
    line("| Ticker | Name | Price | Change | % | Currency | Market | As of |".into());
    line("| --- | --- | ---: | ---: | ---: | --- | --- | --- |".into());
    for q in &r.quotes {
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            esc(&q.symbol),
            esc(&q.name),
            num(q.price, |p| format!("{p:.2}")),
            num(q.change, |c| format!("{c:+.2}")),
            num(q.change_pct, |c| format!("{c:+.2}%")),
            esc(&q.currency),
            q.market_state.map_or("—", MarketState::label),
            q.as_of.as_deref().unwrap_or("—"),
        ));
    }
    line(String::new());
    line(format!("## Catalysts ({}/{} hit)", r.catalysts_hit, r.catalysts.len()));
    line(String::new());
    for c in &r.catalysts {
        let mark = if c.done { "x" } else { " " };
        let hit =
            c.hit_at.as_ref().map(|t| format!(", hit {}", t.get(..10).unwrap_or(t))).unwrap_or_default();
        line(format!(
            "- [{mark}] **{}** (`{}`{hit}), {}",
            esc(&c.title),
            c.id,
            linked_count(c.evidence_count)
        ));
        if let Some(note) = c.changes.last().and_then(|e| e.note.as_ref()) {
            line(format!("  - note: {}", esc(note)));
        }
        for p in &c.pinned {
            line(format!("  - pinned: {}", esc(&p.title)));
        }
        if !c.reactions.is_empty() && c.reactions.iter().all(|r| r.day1_pct.is_none()) {
            line("  - since the hit: no session has closed since".into());
        } else if !c.reactions.is_empty() {
            let pct = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:+.1}%"));
            let moves: Vec<String> = c
                .reactions
                .iter()
                .map(|r| {
                    format!(
                        "{} {} 1d, {} 5d{}",
                        r.symbol,
                        pct(r.day1_pct),
                        pct(r.day5_pct),
                        if r.partial { " (so far)" } else { "" }
                    )
                })
                .collect();
            line(format!("  - since the hit: {}", moves.join("; ")));
        }
        for h in &c.evidence {
            line(format!("  - {}", headline_md(h)));
        }
    }
    line(String::new());
    line("## Risks".into());
    line(String::new());
    for risk in &r.risks {
        let (level, title) = (risk.level.label(), esc(&risk.title));
        line(format!("- **{level}**: {title} (`{}`), {}", risk.id, linked_count(risk.evidence_count)));
        for p in &risk.pinned {
            line(format!("  - pinned: {}", esc(&p.title)));
        }
        for h in &risk.signals {
            line(format!("  - {}", headline_md(h)));
        }
    }
    if !r.positions.holdings.is_empty() {
        let p = &r.positions;
        let base = &p.totals.base;
        let n = |v: Option<f64>| v.map_or("?".to_string(), |v| format!("{v:.2}"));
        let pm = |v: Option<f64>| v.map_or("?".to_string(), |v| format!("{v:+.2}"));
        line(String::new());
        line(format!("## Positions (in {base})"));
        line(String::new());
        line(format!(
            "| ticker | shares | cost | value | day P&L | P&L | currency | value ({base}) | day P&L ({base}) | P&L ({base}) | weight |"
        ));
        line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |".into());
        for row in &p.holdings {
            let h = &row.holding;
            line(format!(
                "| {} | {} | {:.2} | {} | {} | {} | {} | {} | {} | {} | {} |",
                h.symbol,
                h.shares,
                h.cost,
                n(h.value),
                pm(h.day),
                pm(h.total),
                h.currency,
                n(row.value_base),
                pm(row.day_base),
                pm(row.total_base),
                row.weight.map_or("?".to_string(), |w| format!("{w:.1}%"))
            ));
        }
        let t = &p.totals;
        line(format!(
            "| **total** | | {} | | | | {base} | {} | {} | {} | |",
            n(t.cost),
            n(t.value),
            pm(t.day),
            pm(t.total)
        ));
        line(String::new());
        for rate in &p.fx {
            line(format!(
                "- rate: 1 {} = {} {} ({}, as of {})",
                rate.currency,
                rate.rate,
                rate.base,
                rate.source,
                rfc3339(rate.as_of)
            ));
        }
        if !t.missing_rates.is_empty() {
            line(format!(
                "- no rate to {base} for {}: the totals are unknown (never taken as 1.0)",
                t.missing_rates.join(", ")
            ));
        }
    }
    if let Some(first) = r.since_start.first() {
        line(String::new());
        line(format!("## Since the thesis started ({})", first.from.format("%Y-%m-%d")));
        line(String::new());
        line("| ticker | first close | latest | change | vs benchmark | last month vs benchmark |".into());
        line("| --- | --- | --- | --- | --- | --- |".into());
        let pp = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:+.1} pp"));
        for s in &r.since_start {
            line(format!(
                "| {} | {:.2} | {:.2} | {:+.1}% | {} | {} |",
                s.symbol,
                s.from_close,
                s.close,
                s.pct,
                pp(s.vs_benchmark),
                pp(s.month_vs_benchmark)
            ));
        }
    }
    if !r.calendar.is_empty() {
        line(String::new());
        line("## Calendar".into());
        line(String::new());
        for c in &r.calendar {
            line(format!(
                "- {}: **{}** (`{}`), expected {} ({} to {})",
                c.stands,
                esc(&c.title),
                c.thesis,
                esc(&c.expected),
                c.start,
                c.end
            ));
        }
    }
    if !r.alerts.is_empty() {
        line(String::new());
        line("## Open alerts".into());
        line(String::new());
        for a in &r.alerts {
            line(format!("- {} {}", a.at.get(..16).unwrap_or(&a.at), esc(&a.text)));
        }
    }
    if !r.timeline.is_empty() {
        line(String::new());
        line("## Timeline".into());
        line(String::new());
        for t in &r.timeline {
            let note = t.note.as_ref().map(|n| format!(" “{}”", esc(n))).unwrap_or_default();
            let undone = if t.undone { " (undone)" } else { "" };
            line(format!(
                "- {} {}: {}{note}{undone}",
                t.at.get(..16).unwrap_or(&t.at),
                esc(&t.by),
                esc(&t.what)
            ));
        }
    }
    line(String::new());
    line(format!("## Newest {} headlines", r.headlines.len()));
    line(String::new());
    for h in &r.headlines {
        let tags: Vec<String> = h
            .tickers
            .iter()
            .map(|t| format!("`{t}`"))
            .chain(h.catalysts.iter().map(|c| format!("`c:{c}`")))
            .chain(h.risks.iter().map(|x| format!("`r:{x}`")))
            .collect();
        let tags = if tags.is_empty() { String::new() } else { format!(" {}", tags.join(" ")) };
        line(format!("- {}{tags}", headline_md(h)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_and_links_cannot_break_the_markup() {
        assert_eq!(esc("a|b [c](d) *e* 1.6T-x"), "a\\|b \\[c\\](d) \\*e\\* 1.6T-x");
        assert_eq!(md_link("x", "https://e.com/a_(b)"), "[x](https://e.com/a_%28b%29)");
        assert_eq!(md_link("x]", "javascript:alert(1)"), "x\\]", "no link for a non-http URL");
    }
}
