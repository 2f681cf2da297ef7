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

/// The last line of the screen (the status line).
fn status_line(state: &State, w: u16, h: u16) -> String {
    let t = render(state, w, h);
    let buf = t.backend().buffer();
    (0..w).map(|x| buf[(x, h - 1)].symbol().to_string()).collect()
}

#[test]
fn status_message_is_separated_from_source_health_and_expires() {
    let mut s = demo_with_progress();
    update_all(&mut s, [Action::Focus(Pane::Risks), Action::CycleRisk]);
    let line = status_line(&s, 120, 40);
    assert!(
        line.starts_with("lpo: elevated → materialized (u undoes) │ quotes ok <1m · news 3/3 ok"),
        "{line}"
    );
    update_all(&mut s, [Action::Tick(now() + chrono::Duration::seconds(10))]);
    let line = status_line(&s, 120, 40);
    assert!(line.starts_with("quotes ok <1m · news"), "{line}");
}

#[test]
fn alert_list_with_rules_but_none_fired_lists_the_rules() {
    let mut s = state();
    assert!(!s.alert_rules.is_empty(), "the example config sets alerts");
    update_all(&mut s, [Action::ToggleAlerts]);
    let out = screen(&s, 120, 40);
    assert!(!out.contains("set them with [[alerts]]"), "{out}");
    assert!(out.contains(&format!("none has fired yet; watching {} rules:", s.alert_rules.len())), "{out}");
    assert!(out.contains("AAOI: day move beyond ±10%"), "{out}");
    assert!(out.contains("c:amd-lta: a new headline"), "{out}");
    // Without rules the list says how to set them.
    s.alert_rules.clear();
    assert!(screen(&s, 120, 40).contains("no alerts: set them with [[alerts]] in the config"));
}

#[test]
fn huge_prices_keep_their_leading_digits_and_old_news_reads_in_years() {
    let mut s = demo_with_progress();
    let q = s.quotes.get_mut("SIVE").unwrap();
    q.price = 1e308;
    q.change = Some(1e308);
    q.change_pct = Some(-1e9);
    s.quotes.get_mut("AAOI").unwrap().price = 1_234_567_890.0;
    let mut old = news("old", "A headline from two years ago", 0);
    old.published = Some(now() - chrono::Duration::weeks(105));
    old.source = "Archive".into();
    s.merge_news(vec![old]);
    update_all(&mut s, [Action::Focus(Pane::News), Action::Bottom]);
    let out = screen(&s, 120, 40);
    let sive = out.lines().find(|l| l.contains("SIVE ")).unwrap();
    assert!(sive.contains(" 1.0e308 ") && sive.contains("+1.0e308") && sive.contains("-1.00B%"), "{sive}");
    assert!(!out.contains("223118336"), "{out}");
    assert!(out.lines().any(|l| l.contains("1.23B")), "{out}");
    let row = out.lines().find(|l| l.contains("two years ago")).unwrap();
    assert!(row.contains("┃2y  Archive"), "{row}");
}

#[test]
fn flags_in_feed_titles_render_as_letters() {
    let rss = "<rss version=\"2.0\"><channel><title>T</title><item><title>\u{1F1F8}\u{1F1EA} Sivers and \
               \u{1F1F9}\u{1F1FC} Luxnet \u{1F1FA} ship</title><link>https://example.com/f</link></item>\
               </channel></rss>";
    let items = chokepoint::providers::feed::parse_feed(rss.as_bytes(), "Flags", None).unwrap();
    assert_eq!(items[0].title, "[SE] Sivers and [TW] Luxnet U ship");
    let mut s = demo_with_progress();
    s.merge_news(items);
    update_all(&mut s, [Action::FilterStart]);
    type_text(&mut s, "\u{1F1F8}\u{1F1EA}");
    assert_eq!(s.filter.input.value(), "SE", "typed or pasted flags are letters too");
    for (w, h) in [(120, 40), (80, 24), (40, 12)] {
        let t = render(&s, w, h);
        let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
        assert!(!t.backend().buffer().content().iter().any(|c| c.symbol().chars().any(regional)));
    }
}
