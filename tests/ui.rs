//! Rendering: insta snapshots of every pane on TestBackend at 120x40 and 40x12, and no panic at any size.

mod common;

use chokepoint::action::{Action, Pane};
use chokepoint::state::State;
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

/// At 200 columns the Tickers pane shows each ticker against the benchmark (SOXX).
#[test]
fn full_screen_200x60() {
    let mut s = demo_with_progress();
    with_since_start(&mut s, None);
    insta::assert_snapshot!(screen(&s, 200, 60));
}

/// The demo's since-start series of every ticker (or only `only`) and of the benchmark, as the
/// store hands them over.
fn with_since_start(s: &mut State, only: Option<&str>) {
    use chokepoint::chart::Span;
    let mut specs: Vec<_> =
        s.tickers().iter().filter(|t| only.is_none_or(|o| o == t.symbol)).cloned().collect();
    specs.extend(s.benchmark().cloned());
    for spec in specs {
        let since =
            chokepoint::providers::demo::history(&spec, Span::Thesis, config().thesis_started, s.now());
        let series = Some(Box::new(since.unwrap()));
        update_all(s, [Action::SeriesStored { symbol: spec.symbol.clone(), span: Span::Thesis, series }]);
    }
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
    let shown = s.filter().visible.len();
    assert!(shown > 0 && shown < s.news().len());
    assert!(out.contains(&format!("News {shown}/{}", s.news().len())), "{out}");
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
    for name in [
        "asked in this order for each ticker: demo",
        "demo: answered 5 of 5",
        "✓ SIVE  ok <1m via demo",
        "Sample: CPO wire",
        "Sample: ticker headlines",
        "Sample: supply chain",
    ] {
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
    assert!(out.contains(&format!("News {}/{}", s.news().len(), s.news().len())), "{out}");
    assert!(out.contains("DEMO"), "{out}");
}

#[test]
fn never_panics_at_any_size() {
    let mut s = demo_with_progress();
    for overlay in [None, Some(Action::ToggleHelp), Some(Action::ToggleSources)] {
        let mut s = s.clone();
        if let Some(open) = overlay.clone() {
            update_all(&mut s, [open]);
        }
        // Every pane without an overlay; the overlays cover the panes, so one pane under them.
        let panes = if overlay.is_none() { &Pane::ALL[..] } else { &[Pane::News][..] };
        for &pane in panes {
            if overlay.is_none() {
                update_all(&mut s, [Action::Focus(pane)]);
            }
            for w in (1..=130).step_by(3).chain([1, 2, 39, 40, 41, 79, 80, 250]) {
                for h in (1..=45).step_by(2).chain([1, 11, 12, 23, 24, 70]) {
                    render(&s, w, h);
                }
            }
        }
    }
    update_all(&mut s, [Action::FilterStart]);
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
    assert!(!s.alert_rules().is_empty(), "the example config sets alerts");
    update_all(&mut s, [Action::ToggleAlerts]);
    let out = screen(&s, 120, 40);
    assert!(!out.contains("set them with [[alerts]]"), "{out}");
    assert!(out.contains(&format!("none has fired yet; watching {} rules:", s.alert_rules().len())), "{out}");
    assert!(out.contains("AAOI: day move beyond ±10%"), "{out}");
    assert!(out.contains("c:amd-lta: a new headline"), "{out}");
    // Without rules the list says how to set them.
    let mut cfg = config();
    cfg.alerts.clear();
    let mut s = State::new(&cfg, Default::default(), now(), false);
    update_all(&mut s, [Action::ToggleAlerts]);
    assert!(screen(&s, 120, 40).contains("no alerts: set them with [[alerts]] in the config"));
}

#[test]
fn huge_prices_keep_their_leading_digits_and_old_news_reads_in_years() {
    let mut s = demo_with_progress();
    let mut sive = s.quotes()["SIVE"].clone();
    (sive.price, sive.change, sive.change_pct) = (1e308, Some(1e308), Some(-1e9));
    let mut aaoi = s.quotes()["AAOI"].clone();
    aaoi.price = 1_234_567_890.0;
    deliver(
        &mut s,
        chokepoint::action::SourceId::Quote(0),
        chokepoint::action::Payload::Quotes(vec![sive, aaoi]),
    );
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
    assert_eq!(s.filter().input.value(), "SE", "typed or pasted flags are letters too");
    for (w, h) in [(120, 40), (80, 24), (40, 12)] {
        let t = render(&s, w, h);
        let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
        assert!(!t.backend().buffer().content().iter().any(|c| c.symbol().chars().any(regional)));
    }
}

#[test]
fn sources_overlay_lists_each_quote_source_and_a_tickers_errors_once_and_in_full() {
    use chokepoint::action::{Attempt, SourceId};
    let mut s = demo_with_progress();
    let err = "HTTP 404 Not Found: no data for SIVE.ST (delisted?) and no other source has a \
               Stockholm listing either, so nothing answered for this ticker";
    let fx = chokepoint::update::update(&mut s, Action::RefreshAll);
    let req = fetch_id(&fx, SourceId::Quote(0)).unwrap();
    let mut l = loaded(SourceId::Quote(0), req, Err(format!("demo: {err}").into()));
    l.attempts = vec![Attempt { source: "demo".into(), error: Some(err.into()), retry_after: None }];
    update_all(&mut s, [Action::Loaded(l), Action::ToggleSources]);
    let out = screen(&s, 120, 40);
    let text: String = out.lines().map(|l| l.trim_matches(|c| c != '║')).collect::<Vec<_>>().join("\n");
    assert_eq!(text.matches("demo: HTTP 404").count(), 1, "{out}");
    let (quotes_part, feeds_part) = text.split_once("Sample: CPO wire").unwrap();
    assert!(quotes_part.contains("asked in this order for each ticker: demo"), "{out}");
    assert!(quotes_part.contains("demo: answered 4 of 5 · failing for SIVE"), "{out}");
    assert!(
        quotes_part.contains("✗ SIVE  error <1m  retry in 15m") && quotes_part.contains("… AAOI  loading"),
        "{out}"
    );
    assert!(!feeds_part.contains("SIVE"), "not under the last feed: {out}");
    assert!(text.contains("ticker"), "the message is wrapped, not cut: {out}");
    assert!(!quotes_part.contains("…║"), "{out}");
    // Each feed names the sources its headlines carry, which is what `src:` matches.
    assert!(text.contains("src: Sample data — ticker headlines (demo)"), "{out}");
    let src = s.sources().iter().find(|f| f.name == "Sample: supply chain").unwrap();
    let name = src.publishers[0].clone();
    update_all(&mut s, [Action::ToggleSources, Action::FilterStart]);
    type_text(&mut s, &format!("src:\"{name}\""));
    assert!(!s.filter().visible.is_empty(), "src:{name} finds that feed's headlines");
}

#[test]
fn symbol_and_name_columns_follow_the_configured_tickers() {
    let mut cfg = config();
    let mut lux = cfg.tickers[0].clone();
    (lux.symbol, lux.provider_symbol, lux.name) = ("LUXNET".into(), "4979.TWO".into(), "Luxnet".into());
    let mut long = lux.clone();
    (long.symbol, long.name) =
        ("VERYLONGSYMBOL.X".into(), "A company with a rather long legal name, Inc.".into());
    cfg.tickers.push(lux);
    cfg.tickers.push(long);
    let s = State::new(&cfg, Default::default(), now(), false);
    let out = screen(&s, 120, 40);
    assert!(out.contains("┃LUXNET "), "not cut to LUXNE: {out}");
    assert!(out.contains("┃VERYLONGSYM… "), "cut with an ellipsis at 12 cells: {out}");
    assert!(out.contains("Applied Optoelectronics "), "{out}");
    assert!(!out.contains("LUXNE "), "{out}");
    // Narrow: the name goes before the symbol is cut.
    let out = screen(&s, 80, 24);
    assert!(out.contains("LUXNET ") && !out.contains("Luxnet"), "{out}");
}

#[test]
fn wide_screens_show_names_and_sources_in_full_and_levels_as_words() {
    let s = demo_with_progress();
    let out = screen(&s, 200, 60);
    for full in [
        "Applied Optoelectronics ",
        "Sample data — ticker headlines (demo)",
        "Sample data — supply chain (demo)",
    ] {
        assert!(out.contains(full), "{full}: {out}");
    }
    assert!(out.contains("elevated     LPO cuts demand"), "{out}");
    assert!(!out.contains("○ watch ▲ elevated"), "no legend needed: {out}");
}

#[test]
fn at_120x40_counts_stay_whole_sources_stay_apart_and_levels_have_a_legend() {
    let mut s = demo_with_progress();
    let out = screen(&s, 120, 40);
    // Every catalyst and risk row ends with its news count (titles are cut with … instead).
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("[ ]") || l.contains("[x]")).collect();
    assert_eq!(rows.len(), 7, "{out}");
    for row in rows {
        for half in row.split("││") {
            let half = half.trim_matches(|c| matches!(c, '│' | '"' | ' '));
            assert!(
                half.is_empty() || half.ends_with(" news") || half.ends_with("new evidence"),
                "{half:?}\n{out}"
            );
        }
    }
    assert!(out.contains("Expansion, yield or InP substrate…  8 news  new evidence"), "{out}");
    // The two feed-titled sources read differently.
    assert!(out.contains("Sample data — ticker h") && out.contains("Sample data — supply c"), "{out}");
    assert!(out.contains("○ watch ▲ elevated ■ materialized"), "a legend for the glyphs: {out}");
    // The selected risk's level in words, on its detail line.
    apply(&mut s, [Action::Focus(Pane::Risks)]);
    assert!(screen(&s, 120, 40).contains("lpo: elevated · "), "{}", screen(&s, 120, 40));
}

#[test]
fn a_note_on_the_detail_line_wraps_instead_of_being_cut() {
    let mut s = demo_with_progress();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Top, Action::ToggleCatalyst, Action::NoteStart]);
    for c in "AMD 8-K filed; supply agreement runs through 2028 with volume commitments".chars() {
        apply(&mut s, [Action::NoteEdit(tui_input::InputRequest::InsertChar(c))]);
    }
    apply(&mut s, [Action::NoteAccept]);
    let out = screen(&s, 120, 44);
    let text: String =
        out.lines().map(|l| l.split("┃").nth(1).unwrap_or("").trim()).collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("“AMD 8-K filed; supply agreement runs through 2028 with volume commitments”"),
        "{out}"
    );
}

#[test]
fn a_notice_too_long_for_the_status_line_goes_above_it_and_neither_is_cut() {
    use chokepoint::action::SourceId;
    let mut s = demo_with_progress();
    let fx = chokepoint::update::update(&mut s, Action::RefreshAll);
    let req = fetch_id(&fx, SourceId::Feed(0)).unwrap();
    let err = "(retrying now): connection refused";
    update_all(&mut s, [Action::Loaded(loaded(SourceId::Feed(0), req, Err("connection refused".into())))]);
    update_all(&mut s, [Action::RefreshAll]);
    let out = screen(&s, 120, 40);
    let lines: Vec<&str> = out.lines().collect();
    let (above, status) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(above.contains("refreshing 1 source (7 already in flight)"), "{out}");
    assert!(status.contains(err) && !status.contains("refreshing"), "{out}");
    // A short one shares the line.
    let out = screen(&demo_with_progress(), 120, 40);
    assert!(out.lines().last().unwrap().contains("lpo: watch → elevated (u undoes) │ quotes ok"), "{out}");
}

#[test]
fn a_paste_cut_in_a_note_says_so_above_the_note_line() {
    let mut s = demo_with_progress();
    update_all(
        &mut s,
        [Action::Focus(Pane::Catalysts), Action::Top, Action::ToggleCatalyst, Action::NoteStart],
    );
    update_all(&mut s, [Action::Paste("AMD confirmed ".repeat(50))]);
    let out = screen(&s, 120, 40);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[lines.len() - 2].contains("paste cut: the note holds at most 200 characters"), "{out}");
    assert!(lines[lines.len() - 1].contains("note for cpo-adoption"), "{out}");
}

#[test]
fn the_alert_badge_names_the_bound_key_and_an_acknowledged_list_says_none_is_open() {
    let mut cfg = config();
    cfg.keymap.rebind(chokepoint::keymap::Command::Alerts, &[chokepoint::keymap::Key::parse("A").unwrap()]);
    let mut s = demo_state_with(cfg);
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(1), Action::ToggleCatalyst]);
    let out = screen(&s, 120, 40);
    assert!(out.lines().next().unwrap().contains("⚑ 1 alert (A)"), "{out}");
    update_all(&mut s, [Action::ToggleAlerts, Action::AckAllAlerts]);
    let out = screen(&s, 120, 40);
    assert!(out.contains("no open alerts; watching 5 rules:"), "{out}");
    assert!(!out.contains("none has fired yet"), "{out}");
}

#[test]
fn a_feed_with_many_publishers_says_how_many_more() {
    use chokepoint::action::{Payload, SourceId};
    let mut s = common::state();
    let items: Vec<_> = (0..15)
        .map(|i| {
            let mut n = common::news(&format!("n{i}"), &format!("Headline {i}"), 1);
            n.source = format!("Publisher {i:02}");
            n
        })
        .collect();
    common::deliver(&mut s, SourceId::Feed(0), Payload::News(items));
    update_all(&mut s, [Action::ToggleSources]);
    let out = screen(&s, 200, 60);
    assert!(out.contains("Publisher 11 · +3"), "{out}");
    assert!(!out.contains("· Publisher 12"), "{out}");
}

/// A ticker's detail view with the demo's recorded year: AAOI at 1Y (the toggled catalyst
/// marked and in the legend) at 120x40 and 80x24, loading, and a failure said in place of the
/// chart; no panic down to the smallest size.
#[test]
fn ticker_detail_view() {
    use chokepoint::chart::Span;
    let mut s = demo_with_progress();
    let aaoi = s.tickers()[1].clone();
    apply(&mut s, [Action::Focus(Pane::Tickers), Action::Move(1), Action::OpenLink]);
    insta::assert_snapshot!("detail_loading_80x24", screen(&s, 80, 24));
    let year = chokepoint::providers::demo::history(&aaoi, Span::Y1, None, s.now()).unwrap();
    update_all(
        &mut s,
        [Action::SeriesStored { symbol: "AAOI".into(), span: Span::Y1, series: Some(Box::new(year)) }],
    );
    // Against the benchmark: both since-start series.
    with_since_start(&mut s, Some("AAOI"));
    insta::assert_snapshot!("detail_1y_120x40", screen(&s, 120, 40));
    insta::assert_snapshot!("detail_1y_80x24", screen(&s, 80, 24));
    for (w, h) in [(40, 12), (41, 13), (60, 15), (200, 60)] {
        render(&s, w, h);
    }
    // Five days with no copy anywhere: the failure is on screen.
    update_all(&mut s, [Action::DetailRange(-1), Action::DetailRange(-1), Action::DetailRange(-1)]);
    assert_eq!(s.detail().map(|d| d.span), Some(Span::D5));
    update_all(&mut s, [Action::SeriesStored { symbol: "AAOI".into(), span: Span::D5, series: None }]);
    let req = s.next_req() - 1;
    update_all(
        &mut s,
        [Action::SeriesLoaded {
            symbol: "AAOI".into(),
            span: Span::D5,
            req,
            result: Err("yahoo: HTTP 429".into()),
            retry_after: None,
        }],
    );
    assert!(screen(&s, 120, 40).contains("no chart: yahoo: HTTP 429"), "{}", screen(&s, 120, 40));
}

/// Lots of SIVE (SEK) and AAOI (USD): the Tickers pane shows each position's value and P&L
/// where there is room, and a total row in USD; without the SEK rate the total is unknown and
/// says which rate is missing; at 80 columns the total sits in the price columns.
#[test]
fn positions_and_the_total_row() {
    use chokepoint::journal::{Change, Entry, What};
    use chokepoint::portfolio::{FxRate, Lot};
    let mut s = demo_state();
    let mut user = s.user().clone();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    for (i, lot) in [
        Lot { symbol: "SIVE".into(), shares: 2000.0, price: 6.1, date: day(3, 2), fees: 39.0 },
        Lot { symbol: "AAOI".into(), shares: 100.0, price: 21.5, date: day(7, 1), fees: 0.0 },
    ]
    .into_iter()
    .enumerate()
    {
        let entry =
            Entry { uid: format!("o-{i}"), at: s.now(), by: "cli".into(), what: What::Lot(lot), note: None };
        user.apply(&Change::Journal(entry));
    }
    update_all(&mut s, [Action::StoreChanged(Box::new(user))]);
    let out = screen(&s, 160, 45);
    assert!(out.contains("no SEK→USD rate yet"), "{out}");
    let rate = FxRate {
        currency: "SEK".into(),
        base: "USD".into(),
        rate: 0.0952,
        as_of: s.now(),
        source: "demo".into(),
    };
    let req = s
        .sources()
        .iter()
        .find(|x| x.id == chokepoint::action::SourceId::Fx)
        .and_then(|x| x.pending)
        .unwrap();
    let loaded = common::loaded(
        chokepoint::action::SourceId::Fx,
        req,
        Ok(chokepoint::action::Payload::Fx(vec![rate])),
    );
    update_all(&mut s, [Action::Loaded(loaded)]);
    insta::assert_snapshot!("positions_160x45", screen(&s, 160, 45));
    let narrow = screen(&s, 80, 24);
    assert!(narrow.lines().any(|l| l.contains("All ") && l.contains("4587.22")), "{narrow}");
}

/// Where a frame drew each pane's rows: a cell on a row names that pane and item (scrolled
/// lists counted from their first shown item), a border names only the pane, outside nothing.
#[test]
fn a_cell_maps_to_its_pane_and_row() {
    let s = demo_with_progress();
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let mut hits = chokepoint::ui::Hits::default();
    t.draw(|f| hits = chokepoint::ui::render_with_hits(&s, f)).unwrap();
    let out = t.backend().to_string();
    let line_of = |needle: &str| out.lines().position(|l| l.contains(needle)).unwrap() as u16;
    assert_eq!(hits.at(5, line_of("COHR Coherent")), Some((Pane::Tickers, Some(3))));
    assert_eq!(hits.at(10, line_of("AMD long-term supply")), Some((Pane::Catalysts, Some(1))));
    assert_eq!(hits.at(70, line_of("LPO cuts demand")), Some((Pane::Risks, Some(2))));
    assert_eq!(hits.at(40, line_of("News ") + 2), Some((Pane::News, Some(1))));
    assert_eq!(hits.at(0, line_of("1 Tickers")), Some((Pane::Tickers, None)), "the border");
    assert_eq!(hits.at(5, 0), None, "the header line");
}

/// Each theme at 120x40, styles included (the buffer's colour runs): the default; the light one
/// (no pale grey, yellow or cyan text); the colour-blind one (up blue, down orange, no green or
/// red anywhere).
#[test]
fn each_theme_with_its_colours() {
    use chokepoint::settings::Theme;
    use ratatui::style::Color;
    for (theme, name) in [
        (Theme::Default, "theme_default"),
        (Theme::Light, "theme_light"),
        (Theme::ColorBlind, "theme_colorblind"),
    ] {
        let mut cfg = config();
        cfg.theme = theme;
        let mut s = demo_state_with(cfg);
        apply(
            &mut s,
            [
                Action::Focus(Pane::Catalysts),
                Action::Move(1),
                Action::ToggleCatalyst,
                Action::Focus(Pane::Tickers),
            ],
        );
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        t.draw(|f| chokepoint::ui::render(&s, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let colours: Vec<Color> = buf.content.iter().flat_map(|c| [c.fg, c.bg]).collect();
        match theme {
            Theme::ColorBlind => {
                assert!(!colours.iter().any(|c| matches!(c, Color::Green | Color::Red)), "{name}")
            }
            Theme::Light => assert!(
                !buf.content
                    .iter()
                    .any(|c| matches!(c.fg, Color::Gray | Color::Yellow | Color::Cyan | Color::White)),
                "{name}"
            ),
            Theme::Default => assert!(colours.contains(&Color::Green) && colours.contains(&Color::Red)),
        }
        insta::assert_debug_snapshot!(name, buf);
    }
}

/// The reader over the screen at 120x40: a headline with its source, date, tags, summary and link.
#[test]
fn the_reader_at_120x40() {
    let mut s = demo_with_progress();
    apply(&mut s, [Action::Focus(Pane::News), Action::Top, Action::OpenLink]);
    let id = s.reader().map(|r| r.item.id.clone()).unwrap();
    // Until the store answers, the reader says it is reading.
    assert!(screen(&s, 120, 40).contains("reading the text from the store…"));
    let body = "Co-packaged optics moved from demonstrations to deployment plans this quarter, as two \
                hyperscalers began qualifying 1.6T switches with external laser sources.\n\n\
                What the qualification covers:\n* high-power CW lasers at 1310 nm, with the yield figures that \
                suppliers have kept to themselves until now and that the buyers now ask for in writing\n\
                * InP substrate supply for 2027\n\nThe ramp still depends on switch volumes.";
    apply(&mut s, [Action::ReaderText { id, summary: "A short summary.".into(), body: body.into() }]);
    insta::assert_snapshot!("reader_120x40", screen(&s, 120, 40));
}

/// A narrow reader keeps whole key hints on its bottom border: the least needed go first and
/// `Esc back` stays, never a hint cut in the middle.
#[test]
fn a_narrow_reader_drops_whole_hints() {
    let mut s = demo_with_progress();
    apply(&mut s, [Action::Focus(Pane::News), Action::Top, Action::OpenLink]);
    for (width, shown, dropped) in [
        (120, "copy link · Esc back", ""),
        (50, "scroll · o browser · Esc back", "copy link"),
        (40, "o browser · Esc back", "scroll"),
    ] {
        let text = screen(&s, width, 20);
        let line = text.lines().rfind(|l| l.contains('╚')).unwrap_or_default();
        // The reader's bottom border, from its corner to its corner.
        let from = line.find('╚').unwrap_or(0);
        let to = line[from..].find('╝').map_or(line.len(), |at| from + at + '╝'.len_utf8());
        let bottom = line[from..to].to_string();
        assert!(bottom.contains(shown), "{width}: {bottom}");
        if !dropped.is_empty() {
            assert!(!bottom.contains(dropped), "{width}: {bottom}");
        }
        assert!(bottom.ends_with(" ╝") || bottom.ends_with("═╝"), "{width}: {bottom}");
    }
}
