//! Rendering: insta snapshots of every pane on TestBackend at 120x40 and 40x12, and no panic at any size.

mod common;

use chokepoint::action::{Action, Pane};
use chokepoint::state::{Overlay, State};
use chokepoint::ui;
use common::*;
use ratatui::{Terminal, backend::TestBackend};

fn render(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(state, f)).unwrap();
    t
}

fn screen(state: &State, w: u16, h: u16) -> String {
    render(state, w, h).backend().to_string()
}

fn demo_with_progress() -> State {
    let mut s = demo_state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(1), Action::ToggleCatalyst]);
    apply(
        &mut s,
        [Action::Focus(Pane::Risks), Action::Move(2), Action::CycleRisk, Action::Focus(Pane::Tickers)],
    );
    s
}

#[test]
fn full_screen_120x40() {
    insta::assert_snapshot!(screen(&demo_with_progress(), 120, 40));
}

#[test]
fn full_screen_200x60() {
    insta::assert_snapshot!(screen(&demo_with_progress(), 200, 60));
}

#[test]
fn each_pane_focused_at_120x40() {
    for pane in Pane::ALL {
        let mut s = demo_with_progress();
        apply(&mut s, [Action::Focus(pane), Action::Move(1)]);
        insta::assert_snapshot!(format!("focus_{}_120x40", pane.title().to_lowercase()), screen(&s, 120, 40));
    }
}

#[test]
fn each_pane_at_40x12() {
    for pane in Pane::ALL {
        let mut s = demo_with_progress();
        apply(&mut s, [Action::Focus(pane)]);
        insta::assert_snapshot!(format!("compact_{}_40x12", pane.title().to_lowercase()), screen(&s, 40, 12));
    }
}

#[test]
fn news_filter_editing_with_highlight() {
    let mut s = demo_with_progress();
    update_all(&mut s, [Action::FilterStart]);
    type_text(&mut s, "cpo -lpo");
    insta::assert_snapshot!(screen(&s, 120, 40));
}

#[test]
fn accepted_filter_shows_in_title() {
    let mut s = demo_with_progress();
    update_all(&mut s, [Action::FilterStart]);
    type_text(&mut s, "$AAOI");
    update_all(&mut s, [Action::FilterAccept]);
    let out = screen(&s, 120, 40);
    assert!(out.contains("filter: $AAOI"), "{out}");
    let shown = s.filter.visible.len();
    assert!(shown > 0 && shown < s.news.len());
    assert!(out.contains(&format!("News {shown}/{}", s.news.len())), "{out}");
}

#[test]
fn help_overlay() {
    let mut s = demo_with_progress();
    update_all(&mut s, [Action::ToggleHelp]);
    insta::assert_snapshot!(screen(&s, 120, 40));
}

#[test]
fn sources_overlay_lists_every_source() {
    let mut s = demo_with_progress();
    update_all(&mut s, [Action::ToggleSources]);
    let out = screen(&s, 120, 40);
    for name in ["quotes (demo)", "Sample: CPO wire", "Sample: ticker headlines", "Sample: supply chain"] {
        assert!(out.contains(name), "{name} missing:\n{out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn empty_state_before_any_data() {
    insta::assert_snapshot!(screen(&state(), 120, 40));
}

#[test]
fn too_small_says_so() {
    let out = screen(&demo_state(), 39, 11);
    assert!(out.contains("terminal too small"), "{out}");
    let out = screen(&demo_state(), 40, 12);
    assert!(!out.contains("too small"), "{out}");
}

#[test]
fn titles_show_counts() {
    let s = demo_with_progress();
    let out = screen(&s, 120, 40);
    assert!(out.contains("Catalysts 1/7"), "{out}");
    assert!(out.contains(&format!("News {}/{}", s.news.len(), s.news.len())), "{out}");
    assert!(out.contains("DEMO"), "{out}");
}

#[test]
fn never_panics_at_any_size() {
    let mut s = demo_with_progress();
    for overlay in [None, Some(Overlay::Help), Some(Overlay::Sources)] {
        s.overlay = overlay;
        // Every pane without an overlay; the overlays cover the panes, so one pane under them.
        let panes = if overlay.is_none() { &Pane::ALL[..] } else { &[Pane::News][..] };
        for &pane in panes {
            s.focus = pane;
            for w in (1..=130).step_by(3).chain([1, 2, 39, 40, 41, 79, 80, 250]) {
                for h in (1..=45).step_by(2).chain([1, 11, 12, 23, 24, 70]) {
                    render(&s, w, h);
                }
            }
        }
    }
    s.filter.editing = true;
    type_text(&mut s, "光通信 /x/ \"unterminated");
    for (w, h) in [(1, 1), (40, 12), (41, 13), (80, 24), (120, 40)] {
        render(&s, w, h);
    }
}

fn update_all(s: &mut State, actions: impl IntoIterator<Item = Action>) {
    apply(s, actions);
}

#[test]
fn every_hint_names_the_key_actually_bound() {
    let text = format!(
        "{}\n[keys]\nhelp = \"h\"\nquit = \"Q\"\npane_tickers = \"T\"\npane_catalysts = \"C\"\n\
         up = \"i\"\ndown = \"e\"\ntoggle = \"t\"\nsources = \"S\"\nrefresh = \"R\"\nfilter = \"F\"\n",
        chokepoint::config::EXAMPLE.replace("[keys]", "[unused_keys]").split("[unused_keys]").next().unwrap()
    );
    let cfg = chokepoint::config::parse(&text, "remapped.toml").expect("a valid remap");
    let mut s = State::new(&cfg, chokepoint::domain::UserState::default(), now(), false);
    update_all(&mut s, [Action::RefreshAll]);
    let shown = screen(&s, 120, 40);
    assert!(shown.contains(" h help  Q quit "), "{shown}");
    assert!(!shown.contains("? help") && !shown.contains("q quit"), "{shown}");
    assert!(
        shown.contains("T Tickers") && shown.contains("C Catalysts") && shown.contains("3 Risks"),
        "{shown}"
    );
    assert!(!shown.contains("1 Tickers"), "{shown}");
    assert!(shown.contains("feeds are loading (R refreshes)"), "{shown}");
    // Out of place: the notice names the bound pane key.
    update_all(&mut s, [Action::Focus(Pane::Tickers), Action::ToggleCatalyst]);
    assert!(screen(&s, 120, 40).contains("press C to go there"), "{}", screen(&s, 120, 40));
    let compact = screen(&s, 120, 20);
    assert!(compact.contains("T Tickers C Catalysts 0/7 3 Risks"), "{compact}");
    // Overlays: help scrolls with the bound keys, the alert list acknowledges with toggle's.
    update_all(&mut s, [Action::ToggleHelp]);
    let help = screen(&s, 120, 20);
    assert!(help.contains("e/i scroll"), "{help}");
    assert!(!help.contains("j/k"), "{help}");
    let help = screen(&s, 120, 60);
    update_all(&mut s, [Action::ToggleHelp, Action::ToggleAlerts]);
    let alerts = screen(&s, 120, 40);
    assert!(alerts.contains("e/i select · t acknowledge"), "{alerts}");
    update_all(&mut s, [Action::ToggleAlerts]);
    assert!(screen(&s, 30, 8).contains("12; Q"), "{}", screen(&s, 30, 8));
    assert!(help.contains("t acknowledges one, X all"), "{help}");
    assert!(help.contains("dismiss warnings"), "{help}");
    // Esc bound to an action: the help no longer claims it dismisses warnings.
    let cfg = chokepoint::config::parse(&format!("{text}undo = \"esc\"\n"), "esc.toml").unwrap();
    let mut s = State::new(&cfg, chokepoint::domain::UserState::default(), now(), false);
    update_all(&mut s, [Action::ToggleHelp]);
    let help = screen(&s, 120, 60);
    assert!(help.contains("Esc  undo") && !help.contains("dismiss warnings"), "{help}");
}
