//! The event loop: keys, pastes, actions, the slow clock and signals in; `update`; a redraw only
//! when the state's revision moved; effects handed to the executor.

use super::executor::{InFlight, perform};
use super::terminal::{self, TerminalGuard, install_panic_hook, terminal_gone};
use super::worker::{Job, Worker};
use crate::action::Action;
use crate::db::Db;
use crate::domain::Cache;
use crate::io::release_freed_memory;
use crate::providers::Providers;
use crate::state::{Level, State, Zone};
use crate::update::{notify, update};
use crate::{config::Config, domain::UserState, ui};
use chrono::Utc;
use crossterm::event::{EnableBracketedPaste, Event, EventStream};
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::prelude::CrosstermBackend;
use std::collections::BTreeMap;
use std::io::{self, Stdout};
use std::path::PathBuf;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// What the TUI starts with.
pub struct Launch {
    pub config: Config,
    pub demo: bool,
    /// Where the Nasdaq orderbook ids are cached (`None` in demo mode).
    pub cache_dir: Option<PathBuf>,
    /// The store (`None`: it could not be opened, changes last until quit).
    pub db: Option<Db>,
    pub user: UserState,
    /// The last session's quotes and newest headlines (a screenful: [`FIRST_SCREEN`]), from
    /// the store.
    pub cached: Option<Cache>,
    /// How many older headlines the window may still take: the store's thread reads them while
    /// the first frame is drawn.
    pub older: usize,
    /// Evidence counts over the archive.
    pub counts: Option<BTreeMap<String, usize>>,
    pub notices: Vec<String>,
}

/// Headlines read before the first frame: more than any News pane shows at once. The rest of
/// the window (up to `history_cap`) follows from the store's thread moments later.
pub const FIRST_SCREEN: usize = 300;

/// A process-unique prefix for the uids of this session's journal entries.
pub fn session_id() -> String {
    format!("t{:x}-{}-{:08x}", Utc::now().timestamp_millis(), std::process::id(), fastrand::u32(..))
}

/// Runs the TUI until quit, a signal, or the terminal going away.
pub async fn run(launch: Launch) -> io::Result<()> {
    let Launch { config, demo, cache_dir, db, user, cached, older, counts, notices } = launch;
    let mut state = State::new(&config, user, Utc::now(), demo);
    let environment = Action::Environment {
        read_only: db.is_none(),
        zone: Zone::System,
        session: session_id(),
        desktop_bus: super::executor::session_bus(),
    };
    // What these first actions ask (the FX rates once the lots are known) is done with the
    // start's fetches.
    let mut early = update(&mut state, environment);
    for n in notices {
        notify(&mut state, Level::Warn, n, true);
    }
    let providers = Providers::new(&config, demo, cache_dir.as_deref()).map_err(io::Error::other)?;
    if let Some(c) = cached {
        early.extend(update(&mut state, Action::Restore(c)));
        release_freed_memory();
    }
    if let Some(counts) = counts {
        early.extend(update(&mut state, Action::ArchiveCounts(counts)));
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut worker = Worker::spawn(db, config.archive_keep, older, tx.clone())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    install_panic_hook();
    enable_raw_mode()?;
    let _guard = TerminalGuard;
    // Bracketed paste: a paste arrives as one text event, so pasted newlines and letters can
    // never act as keys.
    crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if config.mouse {
        crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;

    let mut fx = early;
    fx.extend(update(&mut state, Action::Resize(size.width, size.height)));
    // Every source is due at start but a feed fetched moments before (the cache says when);
    // `r` (RefreshAll) is the user's and says so on the status line.
    fx.extend(update(&mut state, Action::Start));
    let mut inflight = InFlight::default();
    perform(fx, &providers, &tx, &worker, &mut inflight);

    let mut events = EventStream::new();
    let mut hangup = terminal::hangup();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut drawn = 0;
    // Where the last frame drew each pane's rows, for the mouse.
    let mut hits = ui::Hits::default();
    loop {
        if state.rev != drawn {
            hits = draw(&mut terminal, &state)?;
            drawn = state.rev;
        }
        if state.quit {
            break;
        }
        let actions = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => {
                    test_panic(&key);
                    crate::config::keymap::map_event(&state.keymap, state.mode(), &key).into_iter().collect()
                }
                Some(Ok(Event::Resize(w, h))) => vec![Action::Resize(w, h)],
                Some(Ok(Event::Paste(text))) => vec![Action::Paste(text)],
                Some(Ok(Event::Mouse(m))) => mouse_actions(&state, &hits, m),
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => {
                    tracing::error!("terminal input failed, exiting: {e}");
                    break;
                }
                None => break,
            },
            Some(first) = rx.recv() => {
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                batch
            }
            _ = clock.tick() => {
                // The hang-up watcher's fallback (see `terminal::hangup`).
                if terminal_gone() {
                    tracing::warn!("terminal is gone, exiting");
                    break;
                }
                // A change made by another process shows within this tick.
                worker.send(Job::Poll);
                Vec::new()
            }
            Some(()) = hangup.recv() => { tracing::warn!("terminal hung up, exiting"); break }
            _ = sigterm.recv() => { tracing::info!("SIGTERM: exiting"); break }
            _ = sighup.recv() => { tracing::info!("SIGHUP: exiting"); break }
        };
        // The clock first, so toggles are stamped with the time of the key press.
        update(&mut state, Action::Tick(Utc::now()));
        let mut fx = Vec::new();
        // The rest of the window replaces the first screenful's history: the old one's memory
        // goes back, as after the restore.
        let restored = actions.iter().any(|a| matches!(a, Action::RestoreOlder(_)));
        for action in actions {
            fx.extend(update(&mut state, action));
        }
        if restored {
            release_freed_memory();
        }
        perform(fx, &providers, &tx, &worker, &mut inflight);
    }
    // Restoring is the guard's job; ratatui's Drop would print to a possibly dead terminal.
    std::mem::forget(terminal);
    worker.finish();
    Ok(())
}

/// Debug builds only: with `CHOKEPOINT_TEST_PANIC` set, `!` panics on the UI thread, so the tests
/// can prove the terminal is restored after a panic.
fn test_panic(key: &crossterm::event::KeyEvent) {
    if cfg!(debug_assertions)
        && key.code == crossterm::event::KeyCode::Char('!')
        && std::env::var_os("CHOKEPOINT_TEST_PANIC").is_some()
    {
        panic!("test panic requested with CHOKEPOINT_TEST_PANIC");
    }
}

fn draw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, state: &State) -> io::Result<ui::Hits> {
    let mut hits = ui::Hits::default();
    terminal.draw(|frame| hits = ui::render_with_hits(state, frame))?;
    Ok(hits)
}

/// What a mouse event does, on the panes of the main screen (the detail view and overlays take
/// keys only): a left click focuses the pane under it and selects the row, and a click on the row
/// already selected in the focused pane opens it as Enter does; the wheel moves the selection of
/// the pane under it, three rows a notch.
fn mouse_actions(state: &State, hits: &ui::Hits, m: crossterm::event::MouseEvent) -> Vec<Action> {
    use crossterm::event::{MouseButton, MouseEventKind};
    if state.mode() != crate::core::keys::Mode::Normal {
        return Vec::new();
    }
    let Some((pane, row)) = hits.at(m.column, m.row) else { return Vec::new() };
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => match row {
            Some(r) if state.focus() == pane && state.selected(pane) == r => vec![Action::OpenLink],
            Some(r) => vec![Action::Select(pane, r)],
            None => vec![Action::Focus(pane)],
        },
        MouseEventKind::ScrollDown => vec![Action::Focus(pane), Action::Move(3)],
        MouseEventKind::ScrollUp => vec![Action::Focus(pane), Action::Move(-3)],
        _ => Vec::new(),
    }
}
