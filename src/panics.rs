//! Panic reporting. A panic message can quote untrusted text (a slice-boundary panic prints the
//! string it cut), so every message is sanitized before it reaches a terminal or the log, and a
//! panic that [`contain`] turns into an error prints nothing at all.

use crate::sanitize;
use std::cell::{Cell, RefCell};
use std::panic::{PanicHookInfo, UnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set while [`contain`] runs on this thread: its panics become values, not output.
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
    /// The message of the last contained panic on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static WRAP: Once = Once::new();

/// The panic's message and location as one safe line.
pub fn describe(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into());
    let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    sanitize::clean_capped(&format!("{msg}{at}"), 500)
}

/// Puts a hook in front of the installed one: contained panics are recorded silently, others go
/// on to the previous hook.
fn push_front() {
    let next = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CONTAINED.get() {
            LAST.set(Some(describe(info)));
        } else {
            next(info);
        }
    }));
}

/// Runs `f`, turning a panic into `Err(message)` without printing anything. For third-party
/// parsers fed untrusted bytes: their assertion failures must be errors of one source.
pub fn contain<T>(f: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    WRAP.call_once(push_front);
    let outer = CONTAINED.replace(true);
    let result = std::panic::catch_unwind(f);
    CONTAINED.set(outer);
    result.map_err(|_| LAST.take().unwrap_or_else(|| "panic".into()))
}

/// Replaces the default hook (which prints raw messages) with one that prints a sanitized line
/// and, when `RUST_BACKTRACE` asks for it, a backtrace. `before` runs first on every reported
/// panic, e.g. to restore the terminal; `report` receives the line instead of stderr when it
/// returns `true` (e.g. a background thread logging instead of printing over the TUI).
pub fn install(before: fn(), report: fn(&str) -> bool) {
    std::panic::set_hook(Box::new(move |info| {
        before();
        let line = describe(info);
        if !report(&line) {
            let thread = std::thread::current();
            let name = sanitize::clean(thread.name().unwrap_or("<unnamed>"));
            eprintln!("chokepoint panicked in thread '{name}': {line}");
            let trace = std::backtrace::Backtrace::capture();
            if trace.status() == std::backtrace::BacktraceStatus::Captured {
                eprintln!("{}", sanitize::clean_multiline(&trace.to_string()));
            }
        }
    }));
    // Contained panics stay silent whichever of `contain` and `install` ran first.
    push_front();
    WRAP.call_once(|| {});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contain_returns_the_sanitized_message() {
        let err = contain(|| {
            let s = String::from("ab\u{1b}[31mc\u{202e}");
            panic!("bad {s}");
        })
        .unwrap_err();
        assert!(err.starts_with("bad ab"), "{err}");
        assert!(!err.contains('\u{1b}') && !err.contains('\u{202e}'), "{err:?}");
        assert!(err.contains("panics.rs"), "location kept: {err}");
    }

    #[test]
    fn contain_passes_values_through_and_nests() {
        assert_eq!(contain(|| 7), Ok(7));
        let outer = contain(|| {
            let inner = contain(|| -> u8 { panic!("inner") });
            assert!(inner.unwrap_err().starts_with("inner"));
            panic!("outer")
        });
        assert!(outer.unwrap_err().starts_with("outer"));
    }
}
