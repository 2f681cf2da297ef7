//! Non-TUI commands: snapshot (text / JSON), check, init, and the scripted catalyst / risk changes.

pub mod report;

use crate::action::{Action, SourceId};
use crate::config::{self, Config, ConfigError};
use crate::db::Db;
use crate::domain::{FetchStatus, RiskLevel};
use crate::effect::Effect;
use crate::journal::{Entry, What};
use crate::paths::Paths;
use crate::providers::Providers;
use crate::state::State;
use crate::update::update;
use chrono::Utc;
use serde_json::{Value, json};
use std::path::Path;

/// A failed command: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into() }
    }
}

/// Config errors print as `path:line:col: message` and exit 2.
pub fn config_failure(errors: Vec<ConfigError>) -> Failure {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    Failure::new(2, lines.join("\n"))
}

/// Loads the config for a command; `--demo` swaps the feeds for the recorded ones.
pub fn load_config(explicit: Option<&Path>, paths: Option<&Paths>, demo: bool) -> Result<Config, Failure> {
    let default = paths.map(|p| p.config_file.clone());
    let (mut config, _) = config::load(explicit, default.as_deref()).map_err(config_failure)?;
    if demo {
        config.feeds = crate::providers::demo::feeds();
    }
    Ok(config)
}

/// `chokepoint check`: validates and summarizes, or lists every error.
pub fn check(explicit: Option<&Path>, paths: Option<&Paths>) -> Result<String, Failure> {
    let default = paths.map(|p| p.config_file.clone());
    let (c, origin) = config::load(explicit, default.as_deref()).map_err(config_failure)?;
    let from = match origin {
        config::Origin::File(p) => p.display().to_string(),
        config::Origin::Embedded => "embedded default (no config file)".into(),
    };
    let mut out: String = c.warnings.iter().map(|w| format!("warning: {w}\n")).collect();
    let order = c.quote_order().join(" → ");
    // The store, read only: `check` never creates or upgrades it.
    if let Some(p) = paths {
        let path = p.db_file(false);
        let said = if path.exists() {
            match Db::open_read_only(&path).and_then(|db| db.summary()) {
                Ok(summary) => format!("store: {summary}"),
                Err(e) => format!("store: {e}"),
            }
        } else {
            format!("store: {} (not created yet: the first run creates it)", path.display())
        };
        out.push_str(&crate::sanitize::clean_multiline(&said));
        out.push('\n');
    }
    out.push_str(&format!(
        "ok: {from}: {}, {}, {}, {}; quotes from {order}",
        count(c.tickers.len(), "ticker"),
        count(c.catalysts.len(), "catalyst"),
        count(c.risks.len(), "risk"),
        count(c.feeds.len(), "feed")
    ));
    Ok(out)
}

/// "1 ticker", "5 tickers".
fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// `chokepoint init`: writes the example config, never overwriting.
pub fn init(paths: &Paths) -> Result<String, Failure> {
    let path = &paths.config_file;
    if let Some(dir) = path.parent() {
        crate::store::create_private_dir(dir)
            .map_err(|e| Failure::new(1, format!("{}: {e}", dir.display())))?;
    }
    // create_new (O_EXCL) never follows a symlink and never overwrites; 0600 like every file we make.
    let mut file = std::os::unix::fs::OpenOptionsExt::mode(
        std::fs::OpenOptions::new().write(true).create_new(true),
        crate::store::FILE_MODE,
    )
    .open(path)
    .map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::new(1, format!("{} already exists: not overwriting it", path.display()))
        } else {
            Failure::new(1, format!("{}: {e}", path.display()))
        }
    })?;
    std::io::Write::write_all(&mut file, config::EXAMPLE.as_bytes())
        .map_err(|e| Failure::new(1, format!("{}: {e}", path.display())))?;
    Ok(format!("wrote {}", path.display()))
}

/// The store for a command or the TUI: opened (created if missing, a corrupt one moved aside),
/// the JSON files of earlier versions imported once. The notices say what was done.
pub fn open_store(paths: &Paths, demo: bool) -> Result<(Db, Vec<String>), String> {
    let opened = Db::open(&paths.db_file(demo)).map_err(|e| e.to_string())?;
    let mut db = opened.db;
    let mut notices = opened.notices;
    let legacy = paths.legacy_cache(demo);
    notices.extend(db.import_legacy(&paths.state_file(demo), legacy.as_deref(), Utc::now()).notices);
    // The demo's recorded catalyst hits; when they cannot be written (a full disk) the TUI
    // shows them all the same (`demo_hits_over`), so this is only logged.
    if demo && let Err(e) = db.seed(&crate::io::providers::demo::hits(Utc::now())) {
        tracing::warn!("the demo's catalyst hits were not written: {e}");
    }
    Ok((db, notices))
}

/// The demo's recorded catalyst hits the store does not hold, applied over `user`.
pub fn demo_hits_over(user: &mut crate::domain::UserState) {
    for entry in crate::io::providers::demo::hits(Utc::now()) {
        user.apply(&crate::journal::Change::Journal(entry)); // once: by its uid
    }
}

/// [`open_store`] for a command: its notices go to stderr, a store that cannot be opened is
/// exit 1 with why.
pub fn command_store(paths: &Paths, demo: bool) -> Result<Db, Failure> {
    let (db, notices) = open_store(paths, demo).map_err(|e| Failure::new(1, e))?;
    for n in notices {
        eprintln!("chokepoint: {}", crate::sanitize::clean_multiline(&n));
    }
    Ok(db)
}

/// `chokepoint history`: the store's series of `symbol` over `span` while it is good (fetched
/// after the last close; an intraday one within the quote interval while the market trades),
/// else the quote sources' (kept in the store). `offline`: the store's, whatever its age.
pub async fn history(
    config: &Config,
    db: &mut crate::db::Db,
    symbol: &str,
    span: crate::chart::Span,
    demo: bool,
    offline: bool,
    cache_dir: Option<&Path>,
) -> Result<crate::chart::Series, Failure> {
    let known =
        config.tickers.iter().chain(config.benchmark.iter()).find(|t| t.symbol.eq_ignore_ascii_case(symbol));
    let Some(spec) = known.cloned() else {
        let names: Vec<&str> =
            config.tickers.iter().chain(config.benchmark.iter()).map(|t| t.symbol.as_str()).collect();
        return Err(Failure::new(
            2,
            format!("unknown ticker `{}` (known: {})", crate::sanitize::clean(symbol), names.join(", ")),
        ));
    };
    let store_err = |e: crate::db::DbError| Failure::new(1, e.to_string());
    let stored = db.series(&spec.symbol, span).map_err(store_err)?;
    let now = Utc::now();
    let live = chrono::Duration::from_std(config.quotes_every).unwrap_or_default();
    match stored {
        Some(s) if offline || crate::chart::fresh(&s, spec.listing(), now, live) => return Ok(s),
        None if offline => {
            return Err(Failure::new(
                1,
                format!(
                    "no {} {} series stored (run without --offline to fetch it)",
                    spec.symbol,
                    span.key()
                ),
            ));
        }
        _ => {}
    }
    let mut with_spec = config.clone();
    if !with_spec.tickers.iter().any(|t| t.symbol == spec.symbol) {
        with_spec.tickers.push(spec.clone()); // the benchmark, fetched like a ticker
    }
    let providers = Providers::new(&with_spec, demo, cache_dir).map_err(|e| Failure::new(1, e))?;
    let via = crate::providers::quotes::order(&with_spec, demo);
    let (result, _) = providers.history(&spec.symbol, span, config.thesis_started, &via).await;
    let series = result.map_err(|e| {
        Failure::new(1, format!("{} {}: {}", spec.symbol, span.key(), crate::sanitize::clean(&e)))
    })?;
    if let Err(e) = db.store_series(&series) {
        eprintln!("chokepoint: warning: not kept: {}", crate::sanitize::clean_multiline(&e.to_string()));
    }
    Ok(series)
}

/// The series `report` reads, into `state`: since the thesis started for every ticker and the
/// benchmark, and the year of daily bars of each hit catalyst's tickers and the benchmark (for
/// the reactions): the store's while good, else fetched and kept (`offline`: the store's). What
/// cannot be had is named once on stderr; the report goes on without it.
pub async fn load_series(
    config: &Config,
    db: &mut crate::db::Db,
    state: &mut State,
    demo: bool,
    offline: bool,
    cache_dir: Option<&Path>,
) {
    use crate::chart::Span;
    let bench = config.benchmark.iter().map(|b| b.symbol.clone());
    let spans = crate::chart::relative_spans(config.thesis_started, Utc::now().date_naive());
    let mut wanted: Vec<(String, Span)> = config
        .tickers
        .iter()
        .map(|t| t.symbol.clone())
        .chain(bench.clone())
        .flat_map(|s| spans.iter().map(move |span| (s.clone(), *span)))
        .collect();
    for c in state.catalysts().iter().filter(|c| state.catalyst_done(&c.id)) {
        for sym in state.linked_tickers(c).into_iter().chain(bench.clone()) {
            if !wanted.contains(&(sym.clone(), Span::Y1)) {
                wanted.push((sym, Span::Y1));
            }
        }
    }
    let mut missing = Vec::new();
    for (symbol, span) in wanted {
        match history(config, db, &symbol, span, demo, offline, cache_dir).await {
            Ok(series) => {
                update(state, Action::SeriesStored { symbol, span, series: Some(Box::new(series)) });
            }
            Err(f) => missing.push(format!("{symbol} {}: {}", span.key(), f.message)),
        }
    }
    if !missing.is_empty() {
        eprintln!(
            "chokepoint: warning: no price history for {}",
            crate::sanitize::clean_multiline(&missing.join("; "))
        );
    }
}

/// A series as CSV: `date,open,high,low,close,volume` (RFC 3339 times, empty where unknown).
pub fn history_csv(s: &crate::chart::Series) -> String {
    let mut out = String::from("time,open,high,low,close,volume\n");
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for b in &s.bars {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            b.t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            num(b.open),
            num(b.high),
            num(b.low),
            b.close,
            b.volume.map(|v| v.to_string()).unwrap_or_default()
        ));
    }
    out.pop(); // the caller ends the output with a newline
    out
}

/// One refresh of every source, headless, through the same update path as the TUI; `offline`
/// shows what the store holds instead (demo data needs no network either way). What was fetched
/// is kept in the store (headlines archived, quotes in their history); alerts are left for the
/// TUI to fire.
pub async fn collect(
    config: &Config,
    mut db: Option<&mut Db>,
    demo: bool,
    offline: bool,
    cache_dir: Option<&Path>,
) -> Result<State, Failure> {
    let store_err = |e: crate::db::DbError| Failure::new(1, e.to_string());
    let user = db.as_ref().map(|d| d.load_user()).transpose().map_err(store_err)?.unwrap_or_default();
    let mut state = State::new(config, user, Utc::now(), demo);
    // The store first (as the TUI does), so a source that fails now still shows its last data,
    // marked stale.
    // Fetches asked before the refresh (the FX rates, once the lots are known) go with it.
    let mut asked = Vec::new();
    if let Some(d) = db.as_deref() {
        asked.extend(update(&mut state, Action::Restore(d.cached(config.history_cap).map_err(store_err)?)));
        asked.extend(update(&mut state, Action::ArchiveCounts(d.evidence_counts().map_err(store_err)?)));
    }
    if offline {
        return Ok(state);
    }
    let providers = Providers::new(config, demo, cache_dir).map_err(|e| Failure::new(1, e))?;
    asked.extend(update(&mut state, Action::RefreshAll));
    let fetches: Vec<_> = asked
        .into_iter()
        .filter_map(|fx| match fx {
            Effect::Fetch { source, req_id, via } => {
                let providers = providers.clone();
                Some(async move { providers.fetch(source, req_id, &via).await })
            }
            _ => None,
        })
        .collect();
    let mut archived = false;
    for loaded in futures::future::join_all(fetches).await {
        for effect in update(&mut state, Action::Loaded(loaded)) {
            let Some(d) = db.as_deref_mut() else { continue };
            // The answer is printed all the same; the store only remembers it.
            let kept = match effect {
                Effect::Archive { feed, at, items } => {
                    archived = true;
                    d.archive(&items, at).and_then(|_| d.set_fetched(&feed, at))
                }
                Effect::StoreQuotes(quotes) => d.store_quotes(&quotes),
                Effect::StoreFx(rates) => d.store_fx(&rates),
                _ => Ok(()),
            };
            if let Err(e) = kept {
                tracing::warn!("{e}");
                eprintln!(
                    "chokepoint: warning: not kept: {}",
                    crate::sanitize::clean_multiline(&e.to_string())
                );
            }
        }
    }
    if let (true, Some(d)) = (archived, db) {
        while d.index_pending(2_000).map_err(store_err)? > 0 {}
        d.settle().map_err(store_err)?;
        update(&mut state, Action::ArchiveCounts(d.evidence_counts().map_err(store_err)?));
    }
    Ok(state)
}

/// Applies `--filter` the way the TUI's `/` does.
pub fn apply_filter(state: &mut State, query: &str) -> Result<(), Failure> {
    let q = crate::filter::parse(query).map_err(|e| Failure::new(2, format!("--filter: {e}")))?;
    state.filter.input = tui_input::Input::new(query.to_string());
    state.filter.query = Some(q);
    state.refilter();
    Ok(())
}

pub use crate::core::domain::rfc3339;

/// The snapshot as JSON (schema in DESIGN.md).
pub fn snapshot_json(state: &State) -> Value {
    let quotes: Vec<Value> = state
        .tickers
        .iter()
        .enumerate()
        .filter_map(|(i, t)| Some((i, state.quotes.get(&t.symbol)?)))
        .map(|(i, q)| {
            let extended = q.extended.as_ref().map(|e| {
                json!({"session": e.session, "price": e.price, "change": e.change,
                       "change_pct": e.change_pct, "as_of": rfc3339(e.at)})
            });
            json!({
                "symbol": q.symbol, "provider_symbol": q.provider_symbol, "price": q.price,
                "change": q.change, "change_pct": q.change_pct, "currency": q.currency,
                "market_state": q.market_state, "as_of": rfc3339(q.as_of),
                "stale": state.source_stale(SourceId::Quote(i)), "source": q.source,
                "extended": extended,
            })
        })
        .collect();
    let catalysts: Vec<Value> = state
        .catalysts
        .iter()
        .map(|c| {
            let rec = state.user.catalysts.get(&c.id);
            json!({"id": c.id, "title": c.title, "done": rec.is_some_and(|r| r.done),
                   "done_at": rec.and_then(|r| r.done_at).map(rfc3339),
                   "note": rec.and_then(|r| r.history.last()).and_then(|e| e.note.as_deref())})
        })
        .collect();
    let risks: Vec<Value> = state
        .risks
        .iter()
        .map(|r| json!({"id": r.id, "title": r.title, "level": state.risk_level(&r.id)}))
        .collect();
    let news: Vec<Value> = state
        .filter
        .visible
        .iter()
        .filter_map(|&i| state.news.get(i))
        .map(|n| {
            json!({"id": n.id, "title": n.title, "link": n.link, "source": n.source,
                   "published": n.published.map(rfc3339), "tickers": n.tickers,
                   "catalysts": n.catalysts, "risks": n.risks})
        })
        .collect();
    let sources: Vec<Value> = state
        .sources
        .iter()
        .map(|s| {
            let (ok, error, at) = match &s.status {
                FetchStatus::Ok { at } => (true, None, Some(*at)),
                // A failed source fetched nothing: no `fetched_at`.
                FetchStatus::Error { message, .. } => (false, Some(message.clone()), None),
                FetchStatus::Idle | FetchStatus::Loading => (false, Some("not fetched".to_string()), None),
            };
            // A ticker's quote names the quote source that answered and each one that failed it.
            let kind = match s.id {
                SourceId::Quote(_) => "quote",
                SourceId::Feed(_) => "feed",
                SourceId::Fx => "fx",
            };
            let failed: serde_json::Map<String, Value> = s
                .via
                .iter()
                .filter_map(|v| Some((v.name.clone(), Value::from(v.error.as_ref()?.message.clone()))))
                .collect();
            json!({"name": s.name, "kind": kind, "ok": ok, "error": error, "fetched_at": at.map(rfc3339),
                   "source_errors": failed})
        })
        .collect();
    json!({"quotes": quotes, "catalysts": catalysts, "risks": risks, "news": news, "sources": sources,
           "positions": state.positions()})
}

/// The snapshot as plain text for a terminal or a pipe.
pub fn snapshot_text(state: &State) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "TICKERS{}", if state.demo { " (demo: recorded sample data)" } else { "" });
    for t in &state.tickers {
        match state.quotes.get(&t.symbol) {
            Some(q) => {
                let chg = q.change.map_or("—".into(), |c| format!("{c:+.2}"));
                let pct = q.change_pct.map_or("—".into(), |c| format!("{c:+.2}%"));
                let _ = writeln!(
                    out,
                    "  {:<6} {:>10.2} {:<4} {:>8} {:>8}  {:<6} as of {}  from {}{}",
                    t.symbol,
                    q.price,
                    q.currency,
                    chg,
                    pct,
                    q.market_state.label(),
                    rfc3339(q.as_of),
                    q.source,
                    q.extended.as_ref().map_or(String::new(), |e| format!(
                        "  ({} {:.2}{})",
                        e.session.label(),
                        e.price,
                        e.change_pct.map_or(String::new(), |p| format!(" {p:+.2}%"))
                    ))
                );
            }
            None => {
                let _ = writeln!(out, "  {:<6} no quote", t.symbol);
            }
        }
    }
    if state.holdings_shown() {
        let _ = write!(out, "\n{}", holdings_text(state));
    }
    let _ = writeln!(out, "\nCATALYSTS {}/{}", state.done_count(), state.catalysts.len());
    for c in &state.catalysts {
        let rec = state.user.catalysts.get(&c.id);
        let mark = if rec.is_some_and(|r| r.done) { "[x]" } else { "[ ]" };
        let when = rec.and_then(|r| r.done_at).filter(|_| rec.is_some_and(|r| r.done));
        let when = when.map(|t| format!("  ({})", t.format("%Y-%m-%d"))).unwrap_or_default();
        let _ = writeln!(out, "  {mark} {:<18} {}{when}", c.id, c.title);
    }
    let _ = writeln!(out, "\nRISKS");
    for r in &state.risks {
        let _ = writeln!(out, "  {:<12} {:<14} {}", state.risk_level(&r.id).label(), r.id, r.title);
    }
    let filter = state.filter.input.value();
    let filter = if filter.is_empty() { String::new() } else { format!(" (filter: {filter})") };
    let _ = writeln!(out, "\nNEWS {}/{}{filter}", state.filter.visible.len(), state.news.len());
    for n in state.filter.visible.iter().filter_map(|&i| state.news.get(i)) {
        let when = n.published.map_or("—".into(), |p| p.format("%Y-%m-%d %H:%M").to_string());
        let _ = writeln!(out, "  {when:<16}  {}  [{}]", n.title, n.source);
    }
    let _ = writeln!(out, "\nSOURCES");
    for s in &state.sources {
        let status = match &s.status {
            FetchStatus::Ok { .. } => "ok".to_string(),
            FetchStatus::Error { message, .. } => format!("error: {message}"),
            FetchStatus::Idle | FetchStatus::Loading => "not fetched".to_string(),
        };
        let _ = writeln!(out, "  {:<40} {status}", s.name);
    }
    out
}

pub use crate::core::domain::{NOTE_MAX, clean_note};

/// A uid for a journal entry written by this command, unique across processes.
pub fn cli_uid() -> String {
    format!("c{:x}-{}-{:08x}", Utc::now().timestamp_millis(), std::process::id(), fastrand::u32(..))
}

/// What a command's check inside the write transaction decides: write `Entry` and answer, or
/// write nothing and answer (or fail).
type Decision = Result<(Entry, Result<String, Failure>), Result<String, Failure>>;

/// Runs `check` against the store's state inside one write transaction, so what it saw is still
/// true when its entry is written, whatever other processes do.
fn decide(db: &mut Db, check: impl FnOnce(&crate::domain::UserState) -> Decision) -> Result<String, Failure> {
    match db.record_if(check) {
        Ok(Ok(answer) | Err(answer)) => answer,
        Err(e) => Err(Failure::new(1, e.to_string())),
    }
}

/// `chokepoint catalyst done|undo ID [--note TEXT]`: the same change as the key, stamped `cli`.
pub fn set_catalyst(
    config: &Config,
    db: &mut Db,
    id: &str,
    done: bool,
    note: Option<&str>,
) -> Result<String, Failure> {
    known(&config.catalysts, "catalyst", id)?;
    let (uid, now) = (cli_uid(), Utc::now());
    decide(db, |user| {
        if user.catalysts.get(id).is_some_and(|r| r.done) == done {
            let already = format!("{id} already {}", if done { "done" } else { "open" });
            // The note is what the user asked for: put it on the change that made it so.
            return match note {
                Some(text) => match crate::journal::note_entry(user, uid, id, text, now, "cli") {
                    Some(entry) => Ok((entry, Ok(format!("{already}; note set")))),
                    None => {
                        Err(Err(Failure::new(2, format!("{already} and has no recorded change to note"))))
                    }
                },
                None => Err(Ok(already)),
            };
        }
        let what = What::Catalyst { id: id.into(), done };
        let entry = Entry { uid, at: now, by: "cli".into(), what, note: note.and_then(clean_note) };
        Ok((entry, Ok(format!("{id} {}", if done { "done" } else { "reopened" }))))
    })
}

/// `chokepoint catalyst note ID TEXT`: sets (or with an empty TEXT clears) the note on the
/// catalyst's last change, as `n` does in the TUI.
pub fn note_catalyst(config: &Config, db: &mut Db, id: &str, text: &str) -> Result<String, Failure> {
    known(&config.catalysts, "catalyst", id)?;
    let (uid, now) = (cli_uid(), Utc::now());
    decide(db, |user| match crate::journal::note_entry(user, uid, id, text, now, "cli") {
        Some(entry) => {
            let cleared = entry.note.is_none();
            Ok((entry, Ok(format!("{id}: note {}", if cleared { "cleared" } else { "set" }))))
        }
        None => Err(Err(Failure::new(
            2,
            format!(
                "{id} has no recorded change to note: `catalyst done {id} --note TEXT` marks it and notes it"
            ),
        ))),
    })
}

/// `id` names one of `items`, or exit 2 listing the ids there are.
fn known(items: &[crate::domain::ThesisItem], kind: &str, id: &str) -> Result<(), Failure> {
    if items.iter().any(|c| c.id == id) {
        return Ok(());
    }
    let ids: Vec<&str> = items.iter().map(|c| c.id.as_str()).collect();
    Err(Failure::new(2, format!("unknown {kind} `{id}` (known: {})", ids.join(", "))))
}

/// `chokepoint risk level ID LEVEL`.
pub fn set_risk(config: &Config, db: &mut Db, id: &str, level: &str) -> Result<String, Failure> {
    known(&config.risks, "risk", id)?;
    let level = RiskLevel::parse(level)
        .ok_or_else(|| Failure::new(2, format!("unknown level `{level}` (watch, elevated, materialized)")))?;
    let (uid, now) = (cli_uid(), Utc::now());
    decide(db, |_| {
        let entry =
            Entry { uid, at: now, by: "cli".into(), what: What::Risk { id: id.into(), level }, note: None };
        Ok((entry, Ok(format!("{id} {}", level.label()))))
    })
}

/// `position add`'s arguments.
pub struct LotArgs {
    pub symbol: String,
    pub shares: f64,
    pub price: f64,
    pub date: Option<String>,
    pub fees: f64,
    pub note: Option<String>,
}

/// `chokepoint position add SYMBOL --shares N --price P [--date D] [--fees F]`: a lot of a
/// listed ticker, checked as the config's are, written to the journal.
pub fn position_add(config: &Config, db: &mut Db, args: LotArgs) -> Result<String, Failure> {
    let now = Utc::now();
    let symbol =
        config.tickers.iter().map(|t| &t.symbol).find(|t| t.eq_ignore_ascii_case(&args.symbol)).ok_or_else(
            || {
                let listed: Vec<&str> = config.tickers.iter().map(|t| t.symbol.as_str()).collect();
                Failure::new(
                    2,
                    format!(
                        "`{}` is not a listed ticker ({})",
                        crate::sanitize::clean_capped(&args.symbol, 40),
                        listed.join(", ")
                    ),
                )
            },
        )?;
    let date = match args.date.as_deref() {
        None => now.date_naive(),
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
            Failure::new(
                2,
                format!("--date must be YYYY-MM-DD, not `{}`", crate::sanitize::clean_capped(d, 40)),
            )
        })?,
    };
    let lot = crate::portfolio::Lot {
        symbol: symbol.clone(),
        shares: args.shares,
        price: args.price,
        date,
        fees: args.fees,
    };
    if let Some(problem) = lot.problem(now.date_naive()) {
        return Err(Failure::new(2, problem));
    }
    let note = args.note.as_deref().and_then(crate::domain::clean_note);
    let uid = cli_uid();
    let said = format!("lot {uid}: {} {} at {} on {}", lot.symbol, lot.shares, lot.price, lot.date);
    decide(db, |_| Ok((Entry { uid, at: now, by: "cli".into(), what: What::Lot(lot), note }, Ok(said))))
}

/// `chokepoint position rm ID`: the lot added by journal entry ID no longer held (a config lot
/// is edited in the config).
pub fn position_rm(db: &mut Db, id: &str) -> Result<String, Failure> {
    if id.starts_with("config:") {
        return Err(Failure::new(2, "that lot is in the config's [[positions]]: edit it there"));
    }
    let (uid, now) = (cli_uid(), Utc::now());
    decide(db, |user| {
        let Some(held) = user.lots.iter().find(|l| l.id == id) else {
            let id = crate::sanitize::clean_capped(id, 80);
            return Err(Err(Failure::new(
                2,
                format!("no lot `{id}` (`chokepoint position list` shows them)"),
            )));
        };
        let said =
            format!("removed lot {}: {} {} at {}", held.id, held.lot.symbol, held.lot.shares, held.lot.price);
        let what = What::LotRemove { lot: held.id.clone() };
        Ok((Entry { uid, at: now, by: "cli".into(), what, note: None }, Ok(said)))
    })
}

/// `chokepoint position list [--json]`: every lot, each holding's value, day and total P&L in
/// its currency (the stored quotes), and the totals in the base currency with the rates used.
pub fn position_list(state: &State, json: bool) -> Result<String, Failure> {
    let lots = state.lots();
    if json {
        let p = state.positions();
        let v = json!({ "lots": lots, "holdings": p.holdings, "totals": p.totals, "fx": p.fx });
        return serde_json::to_string_pretty(&v).map_err(|e| Failure::new(1, e.to_string()));
    }
    let mut out = String::new();
    if lots.is_empty() {
        out.push_str("no lots: `chokepoint position add SYMBOL --shares N --price P` adds one\n");
        return Ok(out);
    }
    out.push_str("LOTS\n");
    for h in &lots {
        let l = &h.lot;
        out.push_str(&format!(
            "  {:<28} {:<6} {:>12} @ {:>10}  {}  fees {:.2}\n",
            h.id, l.symbol, l.shares, l.price, l.date, l.fees
        ));
    }
    out.push_str(&holdings_text(state));
    Ok(out)
}

/// Each holding's value and P&L in its currency and in the base, with its weight; the totals
/// and the rates used with their age, or which rate is missing.
fn holdings_text(state: &State) -> String {
    let p = state.positions();
    let t = &p.totals;
    let num = |v: Option<f64>| v.map_or("?".to_string(), |v| format!("{v:.2}"));
    let signed = |v: Option<f64>| v.map_or("?".to_string(), |v| format!("{v:+.2}"));
    let mut out = String::from("HOLDINGS\n");
    for row in &p.holdings {
        let h = &row.holding;
        out.push_str(&format!(
            "  {:<6} {:>12} sh  value {} {}  day {}  P&L {}  = {} {}  day {}  P&L {}  weight {}\n",
            h.symbol,
            h.shares,
            num(h.value),
            h.currency,
            signed(h.day),
            signed(h.total),
            num(row.value_base),
            t.base,
            signed(row.day_base),
            signed(row.total_base),
            row.weight.map_or("?".to_string(), |w| format!("{w:.1}%"))
        ));
    }
    out.push_str(&format!(
        "TOTAL ({}): value {}  day {}  P&L {}  cost {}\n",
        t.base,
        num(t.value),
        signed(t.day),
        signed(t.total),
        num(t.cost)
    ));
    if !t.missing_rates.is_empty() {
        out.push_str(&format!(
            "  no rate to {} for {} yet: the totals are unknown until one arrives\n",
            t.base,
            t.missing_rates.join(", ")
        ));
    }
    for r in &p.fx {
        out.push_str(&format!(
            "  rate {}→{} {} ({}, as of {}, {} ago)\n",
            r.currency,
            r.base,
            r.rate,
            r.source,
            rfc3339(r.as_of),
            crate::ui::fmt::age(state.now, r.as_of)
        ));
    }
    out
}

/// `chokepoint pin ITEM --catalyst ID | --risk ID` (or `unpin`): keeps an archived headline
/// (by its id or link, as `search` prints them) as evidence for a catalyst or risk.
pub fn pin(
    config: &Config,
    db: &mut Db,
    item: &str,
    thesis: (&str, &str),
    unpin: bool,
) -> Result<String, Failure> {
    let (prefix, id) = thesis;
    let list = if prefix == "c:" { &config.catalysts } else { &config.risks };
    known(list, if prefix == "c:" { "catalyst" } else { "risk" }, id)?;
    let headline = db.headline(item).map_err(|e| Failure::new(1, e.to_string()))?.ok_or_else(|| {
        Failure::new(
            2,
            format!(
                "no archived headline has the id or link `{}` (`chokepoint search` prints them)",
                crate::sanitize::clean_capped(item, 200)
            ),
        )
    })?;
    let target = format!("{prefix}{id}");
    let (uid, now) = (cli_uid(), Utc::now());
    decide(db, |user| {
        let pinned = user.pinned(&target, &headline.id);
        let what = match (unpin, pinned) {
            (false, true) => return Err(Ok(format!("already pinned to {target}: {}", headline.title))),
            (true, false) => {
                return Err(Err(Failure::new(2, format!("not pinned to {target}: {}", headline.title))));
            }
            (false, false) => {
                What::Pin { thesis: target.clone(), item: headline.id.clone(), title: headline.title.clone() }
            }
            (true, true) => What::Unpin { thesis: target.clone(), item: headline.id.clone() },
        };
        let said =
            format!("{} {target}: {}", if unpin { "unpinned from" } else { "pinned to" }, headline.title);
        Ok((Entry { uid, at: now, by: "cli".into(), what, note: None }, Ok(said)))
    })
}

/// `chokepoint search QUERY [--json] [--limit N] [--since D]`: archived headlines matching the
/// filter language, newest first. `since` is a duration (`90d`) or a date (`2026-06-01`).
pub fn search(
    db: &Db,
    query: &str,
    since: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<String, Failure> {
    let now = Utc::now();
    let mut text = query.to_string();
    let mut cutoff = None;
    if let Some(since) = since {
        match chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d") {
            Ok(date) => {
                // To the minute (the filter's finest unit), rounded back so nothing after the
                // date is left out; the seconds before it are dropped below.
                let at = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
                let minutes = ((now - at).num_seconds().max(0) + 59) / 60;
                text.push_str(&format!(" since:{minutes}m"));
                cutoff = Some(at);
            }
            Err(_) => text.push_str(&format!(" since:{since}")),
        }
    }
    let q = crate::filter::parse(&text).map_err(|e| Failure::new(2, format!("search: {e}")))?;
    let found = db.search(&q, now, limit).map_err(|e| Failure::new(1, e.to_string()))?;
    let user = db.load_user().map_err(|e| Failure::new(1, e.to_string()))?;
    let items: Vec<&crate::domain::NewsItem> =
        found.items.iter().filter(|n| cutoff.is_none_or(|c| n.published.is_some_and(|p| p >= c))).collect();
    if json {
        let rows: Vec<Value> = items
            .iter()
            .map(|n| {
                let pins: Vec<&str> = user.pins_of(&n.id).collect();
                json!({"id": n.id, "title": n.title, "link": n.link, "source": n.source,
                       "published": n.published.map(rfc3339), "summary": n.summary(), "tickers": n.tickers,
                       "catalysts": n.catalysts, "risks": n.risks, "pinned_to": pins})
            })
            .collect();
        return serde_json::to_string_pretty(
            &json!({"query": text.trim(), "matches": rows, "more": found.more}),
        )
        .map_err(|e| Failure::new(1, format!("json: {e}")));
    }
    if items.is_empty() {
        return Err(Failure::new(1, format!("no archived headline matches `{}`", text.trim())));
    }
    use std::fmt::Write;
    let mut out = String::new();
    for n in &items {
        let when = n.published.map_or("—".into(), |p| p.format("%Y-%m-%d %H:%M").to_string());
        let tags = n.tag_labels();
        let pins: Vec<&str> = user.pins_of(&n.id).collect();
        let pinned = if pins.is_empty() { String::new() } else { format!("  pinned to {}", pins.join(", ")) };
        let _ = writeln!(
            out,
            "{when}  {}  [{}]  {}{pinned}\n                  id: {}",
            n.title,
            n.source,
            tags.join(" "),
            n.id
        );
    }
    if found.more {
        let _ = writeln!(out, "(more matches than {limit}: narrow the query or raise --limit)");
    }
    Ok(out.trim_end().to_string())
}

/// Exit code of `snapshot` and `report` when nothing could be fetched or read from the store.
pub const NO_DATA: i32 = 3;

/// Why `snapshot` / `report` had nothing to show.
pub fn no_data_message(state: &State, offline: bool) -> String {
    if offline {
        return "nothing to show: no stored quotes or news yet (the store is filled by a run with \
                network; try without --offline)"
            .into();
    }
    let failed: Vec<String> = state
        .sources
        .iter()
        .map(|s| match &s.status {
            FetchStatus::Error { message, .. } => format!("  {}: {message}", s.name),
            FetchStatus::Ok { .. } => format!("  {}: ok, but empty", s.name),
            FetchStatus::Idle | FetchStatus::Loading => format!("  {}: not fetched", s.name),
        })
        .collect();
    format!("nothing could be fetched or read from the store:\n{}", failed.join("\n"))
}

/// Which sources a snapshot could not fetch (for the exit message).
pub fn failed_sources(state: &State) -> Vec<SourceId> {
    state.sources.iter().filter(|s| !matches!(s.status, FetchStatus::Ok { .. })).map(|s| s.id).collect()
}
