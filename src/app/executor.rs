//! Effects into I/O: fetches and timers as tokio tasks, link opening on the blocking pool,
//! the bell, and everything for the store on the store's thread (the UI never waits on the disk).

use super::worker::{Job, Worker};

use crate::action::Action;
use crate::effect::Effect;
use crate::providers::Providers;
use chrono::Utc;
use std::io::{self, Write};
use tokio::sync::mpsc::UnboundedSender;

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

/// The fetch running for each source, so a superseded one is aborted (its connection and any
/// queued request dropped) instead of running on to a stale answer.
#[derive(Default)]
pub(super) struct InFlight(std::collections::HashMap<crate::action::SourceId, tokio::task::AbortHandle>);

impl InFlight {
    /// Records `handle` as `source`'s fetch, aborting the one it supersedes.
    fn replace(&mut self, source: crate::action::SourceId, handle: tokio::task::AbortHandle) {
        if let Some(old) = self.0.insert(source, handle)
            && !old.is_finished()
        {
            tracing::info!("fetch of {source:?} superseded: aborting the old one");
            old.abort();
        }
    }
}

/// Carries out effects: fetches and timers on tokio tasks, the store's work on its thread.
pub(super) fn perform(
    fx: Vec<Effect>,
    providers: &Providers,
    tx: &UnboundedSender<Action>,
    worker: &Worker,
    inflight: &mut InFlight,
) {
    for effect in fx {
        match effect {
            Effect::Fetch { source, req_id, via } => {
                let tx = tx.clone();
                // The fetch runs in its own task so a panic in it is caught here and reported.
                let task = tokio::spawn({
                    let providers = providers.clone();
                    async move { providers.fetch(source, req_id, &via).await }
                });
                inflight.replace(source, task.abort_handle());
                tokio::spawn(async move {
                    let loaded = match task.await {
                        Ok(loaded) => loaded,
                        Err(e) if e.is_cancelled() => return, // superseded: its answer is stale
                        Err(e) => {
                            tracing::error!("fetch task for {source:?} failed: {e}");
                            crate::action::Loaded {
                                source,
                                req_id,
                                result: Err(format!("internal error in fetch task: {e}").into()),
                                partial_error: None,
                                at: Utc::now(),
                                retry_after: None,
                                attempts: Vec::new(),
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
            Effect::Record { seq, changes } => worker.send(Job::Record { seq, changes }),
            Effect::Archive { feed, at, items } => worker.send(Job::Archive { feed, at, items }),
            Effect::StoreQuotes(quotes) => worker.send(Job::Quotes(quotes)),
            Effect::StoreFx(rates) => worker.send(Job::Fx(rates)),
            Effect::Search { req, query, limit } => {
                worker.send(Job::Search { req, query, limit, now: Utc::now() });
            }
            Effect::ReadText { id } => worker.send(Job::ReadText { id }),
            Effect::LoadSeries { symbol, span } => worker.send(Job::LoadSeries { symbol, span }),
            Effect::StoreSeries(series) => worker.send(Job::StoreSeries(series)),
            Effect::FetchSeries { symbol, span, req, via, started } => {
                let tx = tx.clone();
                let providers = providers.clone();
                tokio::spawn(async move {
                    let (result, retry_after) = providers.history(&symbol, span, started, &via).await;
                    let result = result.map(Box::new);
                    let _ = tx.send(Action::SeriesLoaded { symbol, span, req, result, retry_after });
                });
            }
            Effect::ScheduleSeries { symbol, span, after } => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Action::SeriesDue { symbol, span });
                });
            }
            Effect::OpenUrl(url) => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = open::that_detached(&url) {
                        tracing::warn!("opening a link of {} bytes failed: {e}", url.len());
                        let _ = tx.send(Action::OpenFailed(open_failure(&e, &url)));
                    }
                });
            }
            Effect::Notify { desktop, argv, title, body, key } => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let shown = if desktop { show_desktop(&title, &body) } else { Ok(()) };
                    let ran = if argv.is_empty() { Ok(()) } else { run_notify(&argv, &title, &body, &key) };
                    let result = match (shown, ran) {
                        (Ok(()), Ok(())) => Ok(()),
                        (Err(d), Ok(())) => Err(format!("desktop: {d}")),
                        (Ok(()), Err(c)) => Err(c),
                        (Err(d), Err(c)) => Err(format!("desktop: {d}; {c}")),
                    };
                    if let Err(e) = &result {
                        tracing::warn!("notification command for {key}: {e}");
                    }
                    let _ = tx.send(Action::Notified { key, result });
                });
            }
            Effect::Copy(text) => {
                let mut out = io::stdout();
                let _ = out.write_all(osc52(&text).as_bytes()).and_then(|_| out.flush());
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
    use super::{InFlight, open_failure};
    use std::io;

    #[tokio::test]
    async fn a_superseded_fetch_is_aborted_and_a_finished_one_left_alone() {
        use crate::action::SourceId;
        let mut inflight = InFlight::default();
        let stuck = tokio::spawn(std::future::pending::<()>());
        inflight.replace(SourceId::Feed(0), stuck.abort_handle());
        let done = tokio::spawn(async {});
        tokio::task::yield_now().await;
        inflight.replace(SourceId::Quote(0), done.abort_handle());
        // A new fetch of the same source: the stuck one is aborted.
        let next = tokio::spawn(std::future::pending::<()>());
        inflight.replace(SourceId::Feed(0), next.abort_handle());
        let stuck = stuck.await.expect_err("aborted");
        assert!(stuck.is_cancelled());
        // Another source's fetch is untouched.
        assert!(done.await.is_ok());
        next.abort();
    }

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

/// Longest text put on the clipboard (terminals cap OSC 52 around 100 KB; a link is far shorter).
const COPY_MAX: usize = 8 * 1024;

/// The OSC 52 sequence that asks the terminal to put `text` on the system clipboard (works over
/// ssh; tmux passes it on with `set -g set-clipboard on`).
pub(super) fn osc52(text: &str) -> String {
    use base64::Engine;
    let text = crate::sanitize::cap_raw(text, COPY_MAX);
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

/// Whether a desktop session bus is there to show notifications on: its address in the
/// environment, or the usual socket in the runtime dir.
pub(super) fn session_bus() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).join("bus").exists())
}

/// One desktop notification through the session bus's notification service (notify-rust over
/// D-Bus), the app named `chokepoint`.
pub(super) fn show_desktop(title: &str, body: &str) -> Result<(), String> {
    notify_rust::Notification::new()
        .appname("chokepoint")
        .summary(title)
        // Servers read a subset of HTML in the body: the text stays text.
        .body(&html_escape::encode_text(body))
        .show()
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// How long a notification command may run before it is killed.
const NOTIFY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs the notification command: `argv` then the title and the body as two more arguments,
/// and all three in `CHOKEPOINT_ALERT_TITLE` / `_BODY` / `_KEY`; no shell, no stdin, its output
/// discarded but for the start of its error output on failure; killed after [`NOTIFY_TIMEOUT`].
pub(super) fn run_notify(argv: &[String], title: &str, body: &str, key: &str) -> Result<(), String> {
    run_notify_within(argv, title, body, key, NOTIFY_TIMEOUT)
}

fn run_notify_within(
    argv: &[String],
    title: &str,
    body: &str,
    key: &str,
    timeout: std::time::Duration,
) -> Result<(), String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let (program, args) = argv.split_first().ok_or("no notification command")?;
    let mut child = Command::new(program)
        .args(args)
        .arg(title)
        .arg(body)
        .env("CHOKEPOINT_ALERT_TITLE", title)
        .env("CHOKEPOINT_ALERT_BODY", body)
        .env("CHOKEPOINT_ALERT_KEY", key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{program} still running after {:.1}s: killed", timeout.as_secs_f64()));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for {program}: {e}")),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut said = String::new();
    if let Some(err) = child.stderr.take() {
        let _ = err.take(300).read_to_string(&mut said);
    }
    let said = crate::sanitize::clean_capped(said.trim(), 200);
    Err(format!(
        "{program} exited with {status}{}",
        if said.is_empty() { String::new() } else { format!(": {said}") }
    ))
}

#[cfg(test)]
mod copy_tests {
    #[test]
    fn a_link_goes_to_the_clipboard_as_osc_52() {
        assert_eq!(super::osc52("https://a.b/c"), "\x1b]52;c;aHR0cHM6Ly9hLmIvYw==\x07");
        assert!(super::osc52(&"x".repeat(100_000)).len() < 12 * 1024, "capped");
    }
}

#[cfg(test)]
mod notify_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A program that records its arguments and the alert's environment, then exits with `code`.
    fn recorder(dir: &std::path::Path, code: i32) -> (String, std::path::PathBuf) {
        let out = dir.join("got.txt");
        let script = dir.join("notify.sh");
        let text = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf 'arg:%s\\n' \"$a\"; done > '{}'\nenv | grep '^CHOKEPOINT_ALERT_' | sort >> '{}'\necho 'broken pipe to ntfy' >&2\nexit {code}\n",
            out.display(),
            out.display()
        );
        std::fs::write(&script, text).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
        (script.display().to_string(), out)
    }

    #[test]
    fn the_command_gets_the_alert_as_arguments_and_environment_never_through_a_shell() {
        let dir = tempfile::tempdir().unwrap();
        let (script, out) = recorder(dir.path(), 0);
        let argv = vec![script, "publish".into(), "my topic; rm -rf /".into()];
        let body = "SIVE moved +12.0% today $(touch pwned) `id`";
        run_notify(&argv, "chokepoint: SIVE", body, "2026-12-03|move|SIVE|10").unwrap();
        let got = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            got,
            format!(
                "arg:publish\narg:my topic; rm -rf /\narg:chokepoint: SIVE\narg:{body}\nCHOKEPOINT_ALERT_BODY={body}\nCHOKEPOINT_ALERT_KEY=2026-12-03|move|SIVE|10\nCHOKEPOINT_ALERT_TITLE=chokepoint: SIVE\n"
            )
        );
        assert!(!dir.path().join("pwned").exists() && !std::path::Path::new("pwned").exists());
    }

    #[test]
    fn a_failing_missing_or_hanging_command_is_an_error_that_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let (script, _) = recorder(dir.path(), 3);
        let e = run_notify(&[script], "t", "b", "k").unwrap_err();
        assert!(e.contains("exit status: 3") && e.contains("broken pipe to ntfy"), "{e}");
        let e = run_notify(&["/nonexistent/notify".into()], "t", "b", "k").unwrap_err();
        assert!(e.starts_with("cannot run /nonexistent/notify"), "{e}");
        let hang = dir.path().join("hang.sh");
        std::fs::write(&hang, "#!/bin/sh\nexec sleep 5\n").unwrap();
        std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o700)).unwrap();
        let started = std::time::Instant::now();
        let hang = vec![hang.display().to_string()];
        let e = run_notify_within(&hang, "t", "b", "k", std::time::Duration::from_millis(200)).unwrap_err();
        assert!(e.contains("killed") && started.elapsed() < std::time::Duration::from_secs(3), "{e}");
    }
}
