//! Pastes are text, never keys: with bracketed paste on, a paste goes into the open input (the
//! filter or a note) with its line breaks turned into spaces, is cut at the input's cap with a
//! notice, and outside an input is ignored with a notice. Before, a paste of `laser⏎2x3ll`
//! after `/` accepted the filter, toggled a catalyst and raised a risk, and saved both; a 1 MiB
//! paste re-ran the filter once per character and hung the TUI.

mod common;

use chokepoint::action::{Action, Pane};
use chokepoint::cli::NOTE_MAX;
use chokepoint::effect::Effect;
use chokepoint::update::{FILTER_MAX, update};
use common::pty::App;
use common::*;
use std::time::{Duration, Instant};

fn no_saves(fx: &[Effect]) -> bool {
    !fx.iter().any(|e| matches!(e, Effect::Record { .. }))
}

#[test]
fn a_paste_in_the_filter_is_text_with_spaces_for_line_breaks() {
    let mut state = demo_state();
    update(&mut state, Action::FilterStart);
    let before_user = state.user().clone();
    let fx = update(&mut state, Action::Paste("laser\r\n2x3ll".into()));
    assert!(no_saves(&fx));
    assert_eq!(state.filter().input.value(), "laser 2x3ll");
    assert!(state.filter().editing, "the paste did not accept the filter");
    assert_eq!(*state.user(), before_user, "nothing toggled or raised");
    // The cursor sits after the pasted text: typing continues there.
    update(&mut state, Action::FilterEdit(tui_input::InputRequest::InsertChar('!')));
    assert_eq!(state.filter().input.value(), "laser 2x3ll!");
}

#[test]
fn a_paste_outside_an_input_is_ignored_with_a_notice() {
    let mut state = demo_state();
    update(&mut state, Action::Focus(Pane::Catalysts));
    let before_user = state.user().clone();
    let fx = update(&mut state, Action::Paste("x\nll\n".into()));
    assert!(no_saves(&fx));
    assert_eq!(*state.user(), before_user);
    assert_eq!(state.filter().input.value(), "");
    let notice = state.notices().last().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("paste ignored"), "{notice}");
}

#[test]
fn a_megabyte_paste_is_cut_at_the_filter_cap_with_a_notice() {
    let mut state = demo_state();
    update(&mut state, Action::FilterStart);
    update(&mut state, Action::FilterEdit(tui_input::InputRequest::InsertChar('a')));
    let huge = "optics\n".repeat(1024 * 1024 / 7);
    update(&mut state, Action::Paste(huge));
    assert_eq!(state.filter().input.value().chars().count(), FILTER_MAX);
    assert!(state.filter().input.value().starts_with("aoptics optics"));
    let notice = state.notices().last().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("at most 512 characters"), "{notice}");
    // Typing at the cap says so too, and changes nothing.
    update(&mut state, Action::FilterEdit(tui_input::InputRequest::InsertChar('z')));
    assert_eq!(state.filter().input.value().chars().count(), FILTER_MAX);
    assert!(!state.filter().input.value().ends_with('z'));
}

#[test]
fn a_paste_into_a_note_is_capped_at_the_note_limit() {
    let mut state = demo_state();
    update(&mut state, Action::Focus(Pane::Catalysts));
    update(&mut state, Action::ToggleCatalyst);
    update(&mut state, Action::NoteStart);
    assert!(state.note().is_some());
    update(&mut state, Action::Paste("AMD\nconfirmed ".repeat(100)));
    let draft = state.note().as_ref().map(|d| d.input.value().to_string()).unwrap_or_default();
    assert_eq!(draft.chars().count(), NOTE_MAX);
    assert!(draft.starts_with("AMD confirmed AMD"), "{draft}");
    assert!(!draft.contains('\n'));
}

/// Bracketed-paste bytes as a terminal sends them.
fn bracketed(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}

#[test]
fn the_real_binary_takes_a_paste_as_text() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("Catalysts 2/7");
    app.keys("/");
    app.send(&bracketed("laser\r2x3ll"));
    let s = app.wait_for("/ laser 2x3ll");
    assert!(s.contains("Catalysts 2/7"), "a pasted key toggled a catalyst:\n{s}");
    assert!(!s.contains("raised"), "a pasted key raised a risk:\n{s}");
    app.keys("\x1b"); // Esc clears the filter
    app.keys("2");
    app.send(&bracketed("x"));
    app.wait_for("paste ignored");
    let s = app.screen();
    assert!(s.contains("Catalysts 2/7"), "{s}");
    app.keys("q");
    assert!(app.wait_exit().success());
    let state =
        std::fs::read_to_string(home.path().join("data/chokepoint/demo-state.json")).unwrap_or_default();
    assert!(!state.contains("\"done\": true"), "nothing may be saved: {state}");
}

#[test]
fn the_real_binary_survives_a_megabyte_paste_and_quits_at_once() {
    let home = tempfile::tempdir().unwrap();
    let mut app = App::start(home.path(), &["--demo"]);
    app.wait_for("Catalysts 2/7");
    app.keys("/");
    app.send(&bracketed(&"laser ".repeat(1024 * 1024 / 6)));
    app.wait_for_within("at most 512 characters", Duration::from_secs(20));
    app.keys("\x1b");
    let asked = Instant::now();
    app.send("q");
    assert!(app.wait_exit_within(Duration::from_secs(10)).success());
    eprintln!("quit {:?} after the paste was handled", asked.elapsed());
}
