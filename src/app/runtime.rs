//! The event loop: keys, pastes, actions, the slow clock and signals in; `update`; a redraw only
//! when the state's revision moved; effects handed to the executor.

use super::executor::{InFlight, Job, Saver, perform, release_freed_memory};
use super::terminal::{TerminalGuard, install_panic_hook, terminal_gone};
use crate::action::Action;
use crate::cache;
use crate::providers::Providers;
use crate::state::{Level, State, Zone};
use crate::store::Store;
use crate::update::{notify, update};
use crate::{config::Config, domain::UserState, ui};
use chrono::Utc;
use crossterm::event::{EnableBracketedPaste, Event, EventStream};
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::prelude::CrosstermBackend;
use std::io::{self, Stdout};
use std::path::PathBuf;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// What the TUI starts with.
pub struct Launch {
    pub config: Config,
    pub demo: bool,
    /// Where the last quotes and news are kept (`None` in demo mode).
    pub cache_dir: Option<PathBuf>,
    pub store: Store,
    pub user: UserState,
    pub notices: Vec<String>,
}

/// Runs the TUI until quit, a signal, or the terminal going away.
pub async fn run(launch: Launch) -> io::Result<()> {
    let Launch { config, demo, cache_dir, store, user, notices } = launch;
    let mut state = State::new(&config, user, Utc::now(), demo);
    update(&mut state, Action::Environment { read_only: store.is_read_only(), zone: Zone::System });
    for n in notices {
        notify(&mut state, Level::Warn, n, true);
    }
    let providers = Providers::new(&config, demo, cache_dir.as_deref()).map_err(io::Error::other)?;
    if let Some(dir) = &cache_dir {
        match cache::load(dir) {
            Ok(Some(c)) => {
                update(&mut state, Action::Restore(c));
                release_freed_memory();
            }
            Ok(None) => {}
            Err(e) => notify(&mut state, Level::Warn, e, false),
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut saver = Saver::spawn(store, cache_dir, tx.clone())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    install_panic_hook();
    enable_raw_mode()?;
    let _guard = TerminalGuard;
    // Bracketed paste: a paste arrives as one text event, so pasted newlines and letters can
    // never act as keys.
    crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;

    let mut fx = update(&mut state, Action::Resize(size.width, size.height));
    // Every source is due at start but a feed fetched moments before (the cache says when);
    // `r` (RefreshAll) is the user's and says so on the status line.
    fx.extend(update(&mut state, Action::Start));
    let mut cache_due = None;
    let mut inflight = InFlight::default();
    perform(fx, &providers, &tx, &saver, &mut cache_due, &mut inflight);

    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut drawn = 0;
    loop {
        if state.rev != drawn {
            draw(&mut terminal, &state)?;
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
                // crossterm's reader can spin without reporting an error when the tty is gone
                // without a hangup signal (crossterm 0.29); a hung-up stdin says so, so exit.
                if terminal_gone() {
                    tracing::warn!("terminal is gone, exiting");
                    break;
                }
                Vec::new()
            }
            _ = async {
                match cache_due {
                    Some(due) => tokio::time::sleep_until(due).await,
                    None => std::future::pending().await,
                }
            } => {
                cache_due = None;
                saver.send(Job::Cache(state.cache_snapshot()));
                Vec::new()
            }
            _ = sigterm.recv() => { tracing::info!("SIGTERM: exiting"); break }
            _ = sighup.recv() => { tracing::info!("SIGHUP: exiting"); break }
        };
        // The clock first, so toggles are stamped with the time of the key press.
        update(&mut state, Action::Tick(Utc::now()));
        let mut fx = Vec::new();
        for action in actions {
            fx.extend(update(&mut state, action));
        }
        perform(fx, &providers, &tx, &saver, &mut cache_due, &mut inflight);
    }
    if cache_due.is_some() {
        saver.send(Job::Cache(state.cache_snapshot()));
    }
    // Restoring is the guard's job; ratatui's Drop would print to a possibly dead terminal.
    std::mem::forget(terminal);
    saver.finish();
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

fn draw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, state: &State) -> io::Result<()> {
    terminal.draw(|frame| ui::render(state, frame)).map(|_| ())
}
