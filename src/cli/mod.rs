//! Non-TUI commands: snapshot (text / JSON), check, init, and the scripted catalyst / risk changes.

pub mod report;

use crate::action::{Action, SourceId};
use crate::cache;
use crate::config::{self, Config, ConfigError};
use crate::domain::{FetchStatus, RiskLevel, UserState};
use crate::effect::Effect;
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

/// One refresh of every source, headless, through the same update path as the TUI; `offline`
/// shows the cache instead (demo data needs no network either way).
pub async fn collect(
    config: &Config,
    user: UserState,
    demo: bool,
    offline: bool,
    cache_dir: Option<&Path>,
) -> Result<State, Failure> {
    let mut state = State::new(config, user, Utc::now(), demo);
    // The cache first (as the TUI does), so a source that fails now still shows its last data,
    // marked stale.
    if !demo {
        match cache_dir.map(cache::load) {
            Some(Ok(Some(c))) => {
                update(&mut state, Action::Restore(c));
            }
            Some(Ok(None)) | None => {}
            Some(Err(e)) if offline => return Err(Failure::new(1, e)),
            Some(Err(e)) => tracing::warn!("{e}"),
        }
        if offline {
            return Ok(state);
        }
    }
    let providers = Providers::new(config, demo, cache_dir).map_err(|e| Failure::new(1, e))?;
    let fetches: Vec<_> = update(&mut state, Action::RefreshAll)
        .into_iter()
        .filter_map(|fx| match fx {
            Effect::Fetch { source, req_id, via } => {
                let providers = providers.clone();
                Some(async move { providers.fetch(source, req_id, &via).await })
            }
            _ => None,
        })
        .collect();
    let mut save_cache = false;
    for loaded in futures::future::join_all(fetches).await {
        save_cache |= update(&mut state, Action::Loaded(loaded)).contains(&Effect::SaveCache);
    }
    if let (true, Some(dir)) = (save_cache, cache_dir)
        && let Err(e) = cache::save(dir, &state.cache_snapshot())
    {
        // The answer is printed all the same; the cache only speeds up the next start.
        tracing::warn!("{e}");
        eprintln!(
            "chokepoint: warning: cache not saved: {}",
            crate::sanitize::clean_multiline(&e.to_string())
        );
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
            let kind = if matches!(s.id, SourceId::Quote(_)) { "quote" } else { "feed" };
            let failed: serde_json::Map<String, Value> = s
                .via
                .iter()
                .filter_map(|v| Some((v.name.clone(), Value::from(v.error.as_ref()?.message.clone()))))
                .collect();
            json!({"name": s.name, "kind": kind, "ok": ok, "error": error, "fetched_at": at.map(rfc3339),
                   "source_errors": failed})
        })
        .collect();
    json!({"quotes": quotes, "catalysts": catalysts, "risks": risks, "news": news, "sources": sources})
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

/// `chokepoint catalyst done|undo ID [--note TEXT]`: the same change as the key, stamped `cli`.
pub fn set_catalyst(
    config: &Config,
    state_file: &Path,
    id: &str,
    done: bool,
    note: Option<&str>,
) -> Result<String, Failure> {
    known(&config.catalysts, "catalyst", id)?;
    let (store, mut user) =
        crate::store::open_exclusive(state_file).map_err(|e| Failure::new(1, e.to_string()))?;
    if user.catalysts.get(id).is_some_and(|r| r.done) == done {
        let already = format!("{id} already {}", if done { "done" } else { "open" });
        // The note is what the user asked for: put it on the change that made it so.
        return match note {
            Some(text) if user.note_last_change(id, text).is_some() => {
                store.save(&user).map_err(|e| Failure::new(1, e.to_string()))?;
                Ok(format!("{already}; note set"))
            }
            Some(_) => Err(Failure::new(2, format!("{already} and has no recorded change to note"))),
            None => Ok(already),
        };
    }
    user.set_catalyst(id, done, Utc::now(), "cli", note.and_then(clean_note));
    store.save(&user).map_err(|e| Failure::new(1, e.to_string()))?;
    Ok(format!("{id} {}", if done { "done" } else { "reopened" }))
}

/// `chokepoint catalyst note ID TEXT`: sets (or with an empty TEXT clears) the note on the
/// catalyst's last change, as `n` does in the TUI.
pub fn note_catalyst(config: &Config, state_file: &Path, id: &str, text: &str) -> Result<String, Failure> {
    known(&config.catalysts, "catalyst", id)?;
    let (store, mut user) =
        crate::store::open_exclusive(state_file).map_err(|e| Failure::new(1, e.to_string()))?;
    if user.note_last_change(id, text).is_none() {
        return Err(Failure::new(
            2,
            format!(
                "{id} has no recorded change to note: `catalyst done {id} --note TEXT` marks it and notes it"
            ),
        ));
    }
    let cleared = user.catalysts.get(id).and_then(|r| r.history.last()).is_none_or(|e| e.note.is_none());
    store.save(&user).map_err(|e| Failure::new(1, e.to_string()))?;
    Ok(format!("{id}: note {}", if cleared { "cleared" } else { "set" }))
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
pub fn set_risk(config: &Config, state_file: &Path, id: &str, level: &str) -> Result<String, Failure> {
    known(&config.risks, "risk", id)?;
    let level = RiskLevel::parse(level)
        .ok_or_else(|| Failure::new(2, format!("unknown level `{level}` (watch, elevated, materialized)")))?;
    let (store, mut user) =
        crate::store::open_exclusive(state_file).map_err(|e| Failure::new(1, e.to_string()))?;
    user.risks.insert(id.to_string(), level);
    store.save(&user).map_err(|e| Failure::new(1, e.to_string()))?;
    Ok(format!("{id} {}", level.label()))
}

/// Exit code of `snapshot` and `report` when nothing could be fetched or read from the cache.
pub const NO_DATA: i32 = 3;

/// Why `snapshot` / `report` had nothing to show.
pub fn no_data_message(state: &State, offline: bool) -> String {
    if offline {
        return "nothing to show: no cached quotes or news yet (the cache is written by a run with \
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
    format!("nothing could be fetched or read from the cache:\n{}", failed.join("\n"))
}

/// Which sources a snapshot could not fetch (for the exit message).
pub fn failed_sources(state: &State) -> Vec<SourceId> {
    state.sources.iter().filter(|s| !matches!(s.status, FetchStatus::Ok { .. })).map(|s| s.id).collect()
}
