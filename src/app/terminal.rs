//! The terminal: raw mode, the alternate screen and bracketed paste on the way in, restored on
//! every way out (quit, panic, signal); a hung-up terminal noticed.

use crossterm::event::DisableBracketedPaste;
use crossterm::terminal::{LeaveAlternateScreen, disable_raw_mode};
use std::io;

/// Restores the terminal when dropped, whatever way the loop ends.
pub(super) struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::event::DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// A panic on the UI thread restores the terminal before the message prints; a panic on any other
/// thread (fetch tasks, the saver) only goes to the log, so nothing is printed over the TUI.
pub(super) fn install_panic_hook() {
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

/// Whether the terminal on stdin has hung up (its other end closed), waiting up to `timeout_ms`
/// (-1: until it does). Asking for no event means only a hang-up or an error wakes the wait.
fn hung_up(timeout_ms: i32) -> bool {
    let mut fds = libc::pollfd { fd: libc::STDIN_FILENO, events: 0, revents: 0 };
    loop {
        // SAFETY: one valid pollfd; poll only writes `revents`.
        let n = unsafe { libc::poll(&mut fds, 1, timeout_ms) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return n > 0 && fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0;
    }
}

/// Whether the terminal on stdin has hung up, now.
pub(super) fn terminal_gone() -> bool {
    hung_up(0)
}

/// Answers when the terminal on stdin hangs up: a thread blocked in `poll` (no CPU) until then.
/// crossterm's reader can spin on a vanished tty without reporting it (0.29), so the loop must
/// hear of it at once. Without the thread (it could not start), the clock's check remains.
/// (A receiver whose sender is gone answers `None` at once, every time: no hang-up to wait for.)
pub(super) fn hangup() -> tokio::sync::mpsc::Receiver<()> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let spawned = std::thread::Builder::new().name("tty-hangup".into()).spawn(move || {
        if hung_up(-1) {
            let _ = tx.blocking_send(());
        }
    });
    if let Err(e) = spawned {
        tracing::warn!("cannot watch the terminal for a hang-up: {e}");
    }
    rx
}
