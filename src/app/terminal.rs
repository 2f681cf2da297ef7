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

/// Whether the terminal on stdin has hung up (its other end closed).
pub(super) fn terminal_gone() -> bool {
    let mut fds = libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, zero timeout; poll only writes `revents`.
    let n = unsafe { libc::poll(&mut fds, 1, 0) };
    n > 0 && fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}
