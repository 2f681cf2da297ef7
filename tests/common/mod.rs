//! Shared test helpers: a fixed clock, a state built from the example config, news items, key presses.
#![allow(dead_code)]

pub mod pathological;
pub mod pty;

/// Proxy variables cleared for the binary: its requests go to 127.0.0.1 only.
pub const PROXY_VARS: [&str; 6] =
    ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];

/// [`chokepoint_cmd`] with `args` and no stdin.
pub fn cli(home: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = chokepoint_cmd(home);
    cmd.args(args).stdin(std::process::Stdio::null());
    cmd
}

/// Runs `cmd` to the end.
pub fn run(cmd: &mut std::process::Command) -> std::process::Output {
    cmd.output().unwrap()
}

/// Output bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The real binary with its config, data and cache dirs under `home`, no proxies, no backtraces.
pub fn chokepoint_cmd(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chokepoint"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("RUST_BACKTRACE", "0");
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd
}

use chokepoint::action::{Action, Loaded, Payload, SourceId};
use chokepoint::config::{self, Config};
use chokepoint::domain::{NewsItem, UserState};
use chokepoint::effect::Effect;
use chokepoint::state::State;
use chokepoint::update::update;
use chrono::{DateTime, TimeZone, Utc};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

pub fn config() -> Config {
    config::embedded().unwrap()
}

pub fn state() -> State {
    State::new(&config(), UserState::default(), now(), false)
}

pub fn news(id: &str, title: &str, hours_ago: i64) -> NewsItem {
    NewsItem {
        id: id.into(),
        title: title.into(),
        link: format!("https://example.com/{id}"),
        source: "Example Wire".into(),
        text: None,
        published: Some(now() - chrono::Duration::hours(hours_ago)),
        tickers: Vec::new(),
        catalysts: Vec::new(),
        risks: Vec::new(),
    }
}

/// A complete answer to request `req_id` at the fixed clock.
/// An answer as the providers give it: a ticker's quote lists the source that answered it.
pub fn loaded(
    source: SourceId,
    req_id: u64,
    result: Result<Payload, chokepoint::domain::SourceError>,
) -> Loaded {
    let attempts = match (&source, &result) {
        (SourceId::Quote(_), Ok(Payload::Quotes(q))) => q
            .first()
            .map(|q| chokepoint::action::Attempt { source: q.source.clone(), error: None, retry_after: None })
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    Loaded {
        source,
        req_id,
        result,
        partial_error: None,
        at: now(),
        retry_after: None,
        jitter: 0.5,
        attempts,
    }
}

/// The request id of the fetch of `source` among `fx`, if one was asked for.
pub fn fetch_id(fx: &[Effect], source: SourceId) -> Option<u64> {
    fx.iter().find_map(|e| match e {
        Effect::Fetch { source: s, req_id, .. } if *s == source => Some(*req_id),
        _ => None,
    })
}

/// Runs `RefreshAll` and answers the fetch of `source` with `payload`.
pub fn deliver(state: &mut State, source: SourceId, payload: Payload) -> Vec<Effect> {
    let fx = update(state, Action::RefreshAll);
    // `r` joins a fetch already in flight: answer that one.
    let pending = state.sources().iter().find(|s| s.id == source).and_then(|s| s.pending);
    let req_id = fetch_id(&fx, source).or(pending).expect("a fetch for the source");
    update(state, Action::Loaded(loaded(source, req_id, Ok(payload))))
}

/// The changes `fx` hands to the store, in order.
#[allow(dead_code)]
pub fn recorded(fx: &[Effect]) -> Vec<chokepoint::journal::Change> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Record { changes, .. } => Some(changes.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The journal entries among the changes `fx` hands to the store.
#[allow(dead_code)]
pub fn entries(fx: &[Effect]) -> Vec<chokepoint::journal::Entry> {
    recorded(fx)
        .into_iter()
        .filter_map(|c| match c {
            chokepoint::journal::Change::Journal(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The runtime's environment action as a test sets it: `no_store` true runs without a database.
#[allow(dead_code)]
pub fn environment(no_store: bool, zone: chokepoint::state::Zone) -> Action {
    Action::Environment { read_only: no_store, zone, session: "test".into(), desktop_bus: false }
}

pub fn apply(state: &mut State, actions: impl IntoIterator<Item = Action>) -> Vec<Effect> {
    actions.into_iter().flat_map(|a| update(state, a)).collect()
}

pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, Action::FilterEdit(tui_input::InputRequest::InsertChar(c)));
    }
}

/// A state loaded with the recorded demo data, as `--demo` shows it, at the fixed clock.
pub fn demo_state() -> State {
    demo_state_with(config())
}

/// [`demo_state`] with `cfg` (its feeds replaced by the recorded ones).
pub fn demo_state_with(mut cfg: chokepoint::config::Config) -> State {
    cfg.feeds = chokepoint::providers::demo::feeds();
    let mut s = State::new(&cfg, UserState::default(), now(), true);
    let tagger = chokepoint::tagging::Tagger::new(&cfg.tickers, &cfg.catalysts, &cfg.risks);
    // As the runtime starts: every source is due (no "refreshing" notice, unlike `r`).
    for fx in update(&mut s, Action::Start) {
        let Effect::Fetch { source, req_id, .. } = fx else { continue };
        let payload = match source {
            SourceId::Quote(i) => {
                Payload::Quotes(vec![chokepoint::providers::demo::quote(&cfg.tickers[i], now()).unwrap()])
            }
            SourceId::Feed(i) => {
                let Payload::News(mut items) =
                    chokepoint::providers::demo::news(cfg.feeds.get(i), now()).unwrap()
                else {
                    panic!("news payload")
                };
                items.iter_mut().for_each(|n| tagger.tag(n));
                Payload::News(items)
            }
            // No lot is held in the demo state: the FX source is never asked.
            SourceId::Fx => unreachable!("the FX source without a lot"),
        };
        update(&mut s, Action::Loaded(loaded(source, req_id, Ok(payload))));
    }
    s
}

/// The text `state` renders at `w`x`h`, one line per row.
pub fn screen(state: &State, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| chokepoint::ui::render(state, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}
