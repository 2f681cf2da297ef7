//! Runtime: terminal setup and restore, the event loop (keys, actions, slow clock, signals) and
//! carrying out effects. Redraws only when the state's revision moved.

use crate::action::Action;
use crate::cache::{self, Cache};
use crate::effect::Effect;
use crate::providers::Providers;
use crate::state::{Level, State, Zone};
use crate::store::Store;
use crate::update::{notify, update};
use crate::{config::Config, domain::UserState, ui};
use chrono::Utc;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event, EventStream};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::prelude::CrosstermBackend;
use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{self, UnboundedSender};

/// Restores the terminal when dropped, whatever way the loop ends.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// A panic on the UI thread restores the terminal before the message prints; a panic on any other
/// thread (fetch tasks, the saver) only goes to the log, so nothing is printed over the TUI.
fn install_panic_hook() {
    static UI_THREAD: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();
    fn on_ui() -> bool {
        UI_THREAD.get() == Some(&std::thread::current().id())
    }
    let _ = UI_THREAD.set(std::thread::current().id());
    crate::panics::install(
        || {
            if on_ui() {
                restore_terminal();
            }
        },
        |line| {
            if on_ui() {
                return false;
            }
            tracing::error!("background panic: {line}");
            true
        },
    );
}

/// A cache snapshot copies the whole news history, so a burst of refreshes (every source answers
/// within a second or two) is written once, this long after its first answer.
const CACHE_DEBOUNCE: Duration = Duration::from_secs(2);

/// Hands memory freed after a big transient job (a cache snapshot, the start-up restore) back to
/// the OS; glibc keeps it otherwise, and the resident size would carry every past peak.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A write for the saver thread.
enum Job {
    User(UserState),
    Cache(Cache),
}

/// Writes the user state and the cache on its own thread, newest of each wins, so the UI never
/// waits on fsync.
struct Saver {
    tx: Option<std_mpsc::Sender<Job>>,
    handle: Option<JoinHandle<()>>,
}

impl Saver {
    fn spawn(
        store: Store,
        cache_dir: Option<PathBuf>,
        actions: UnboundedSender<Action>,
    ) -> io::Result<Saver> {
        let (tx, rx) = std_mpsc::channel::<Job>();
        let handle = std::thread::Builder::new().name("chokepoint-saver".into()).spawn(move || {
            while let Ok(first) = rx.recv() {
                let (mut user, mut cached) = (None, None);
                for job in std::iter::once(first).chain(rx.try_iter()) {
                    match job {
                        Job::User(u) => user = Some(u),
                        Job::Cache(c) => cached = Some(c),
                    }
                }
                if let Some(u) = user
                    && let Err(e) = store.save(&u)
                {
                    tracing::error!("saving state: {e}");
                    let _ = actions.send(Action::SaveFailed(e.to_string()));
                }
                if let (Some(c), Some(dir)) = (cached, &cache_dir) {
                    if let Err(e) = cache::save(dir, &c) {
                        tracing::warn!("saving cache: {e}");
                    }
                    drop(c);
                    release_freed_memory();
                }
            }
        })?;
        Ok(Saver { tx: Some(tx), handle: Some(handle) })
    }

    fn send(&self, job: Job) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(job);
        }
    }

    /// Flushes pending writes and waits for the thread.
    fn finish(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Saver {
    fn drop(&mut self) {
        self.finish();
    }
}

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
    let providers = Providers::new(&config, demo).map_err(io::Error::other)?;
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
    // Every source is due at start; `r` (RefreshAll) is the user's and says so on the status line.
    let due: Vec<_> = state.sources.iter().map(|s| Action::RefreshDue(s.id, s.schedule)).collect();
    for action in due {
        fx.extend(update(&mut state, action));
    }
    let mut cache_due = None;
    perform(fx, &providers, &tx, &saver, &mut cache_due);

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
        perform(fx, &providers, &tx, &saver, &mut cache_due);
    }
    if cache_due.is_some() {
        saver.send(Job::Cache(state.cache_snapshot()));
    }
    // Restoring is the guard's job; ratatui's Drop would print to a possibly dead terminal.
    std::mem::forget(terminal);
    saver.finish();
    Ok(())
}

/// Whether the terminal on stdin has hung up (its other end closed).
fn terminal_gone() -> bool {
    let mut fds = libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, zero timeout; poll only writes `revents`.
    let n = unsafe { libc::poll(&mut fds, 1, 0) };
    n > 0 && fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
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

/// Why a link did not open, in words: a missing opener is reported as the io error of the last
/// launcher tried ("No such file or directory"), which names neither the link nor the cure.
/// A launcher that ran and failed is named with its exit status; the link itself (up to 4 KiB) is
/// left out, so the reason is never pushed off the line.
fn open_failure(e: &io::Error, url: &str) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        return "no link opener on PATH (xdg-open, gio, wslview): install xdg-utils".into();
    }
    let text = e.to_string().replace(url, "<link>");
    // `open` says: Launcher "xdg-open" "<link>" failed with ExitStatus(unix_wait_status(512))
    let launcher = text.strip_prefix("Launcher \"").and_then(|rest| rest.split('"').next());
    let status = text
        .split_once("unix_wait_status(")
        .and_then(|(_, rest)| rest.split(')').next())
        .and_then(|n| n.parse::<i32>().ok());
    match (launcher, status) {
        (Some(name), Some(status)) => {
            format!("{} could not open the link (exit status {})", crate::sanitize::clean(name), status >> 8)
        }
        _ if e.kind() == io::ErrorKind::PermissionDenied => {
            "the link opener may not run (permission denied)".into()
        }
        _ => format!("the link opener failed: {}", crate::sanitize::clean_capped(&text, 160)),
    }
}

fn draw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, state: &State) -> io::Result<()> {
    terminal.draw(|frame| ui::render(state, frame)).map(|_| ())
}

/// Carries out effects: fetches and timers on tokio tasks, saves on the saver thread. Cache
/// writes are due `CACHE_DEBOUNCE` after the first one asked for, so a burst collapses into one.
fn perform(
    fx: Vec<Effect>,
    providers: &Providers,
    tx: &UnboundedSender<Action>,
    saver: &Saver,
    cache_due: &mut Option<tokio::time::Instant>,
) {
    if fx.contains(&Effect::SaveCache) && cache_due.is_none() {
        *cache_due = Some(tokio::time::Instant::now() + CACHE_DEBOUNCE);
    }
    for effect in fx {
        match effect {
            Effect::Fetch { source, req_id } => {
                let (providers, tx) = (providers.clone(), tx.clone());
                // The fetch runs in its own task so a panic in it is caught here and reported.
                tokio::spawn(async move {
                    let task = tokio::spawn({
                        let providers = providers.clone();
                        async move { providers.fetch(source, req_id).await }
                    });
                    let loaded = match task.await {
                        Ok(loaded) => loaded,
                        Err(e) => {
                            tracing::error!("fetch task for {source:?} failed: {e}");
                            crate::action::Loaded {
                                source,
                                req_id,
                                result: Err(format!("internal error in fetch task: {e}")),
                                partial_error: None,
                                at: Utc::now(),
                                retry_after: None,
                                failed_items: Vec::new(),
                                jitter: fastrand::f64(),
                            }
                        }
                    };
                    let _ = tx.send(Action::Loaded(loaded));
                });
            }
            Effect::Schedule { source, after, generation } => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Action::RefreshDue(source, generation));
                });
            }
            Effect::Save(user) => saver.send(Job::User(user)),
            Effect::SaveCache => {}
            Effect::OpenUrl(url) => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = open::that_detached(&url) {
                        tracing::warn!("opening a link of {} bytes failed: {e}", url.len());
                        let _ = tx.send(Action::OpenFailed(open_failure(&e, &url)));
                    }
                });
            }
            Effect::Bell => {
                let mut out = io::stdout();
                let _ = out.write_all(b"\x07").and_then(|_| out.flush());
            }
            Effect::Quit => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::open_failure;
    use std::io;

    #[test]
    fn a_failed_launcher_is_named_with_its_status_and_the_link_left_out() {
        let url = format!("https://example.com/{}", "a".repeat(3000));
        let e = io::Error::other(format!(
            "Launcher \"xdg-open\" \"{url}\" failed with ExitStatus(unix_wait_status(512))"
        ));
        assert_eq!(open_failure(&e, &url), "xdg-open could not open the link (exit status 2)");
        let e = io::Error::new(io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        assert!(open_failure(&e, &url).contains("install xdg-utils"));
        let e = io::Error::other(format!("odd failure for {url}"));
        let shown = open_failure(&e, &url);
        assert!(shown.starts_with("the link opener failed: odd failure for <link>"), "{shown}");
    }
}
