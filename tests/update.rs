//! Reducer flows: focus and movement, toggles with timestamps and undo, risk levels, filter,
//! stale answers dropped, links, read marks, persistence effects.

mod common;

use chokepoint::action::{Action, Pane, Payload, SourceId};
use chokepoint::domain::{FetchStatus, RiskLevel};
use chokepoint::effect::Effect;
use chokepoint::journal::{Change, What};
use chokepoint::update::update;
use common::*;

#[test]
fn focus_cycles_and_jumps() {
    let mut s = state();
    assert_eq!(s.focus(), Pane::Tickers);
    apply(&mut s, [Action::FocusNext, Action::FocusNext]);
    assert_eq!(s.focus(), Pane::Risks);
    apply(&mut s, [Action::FocusNext, Action::FocusNext]);
    assert_eq!(s.focus(), Pane::Tickers);
    apply(&mut s, [Action::FocusPrev]);
    assert_eq!(s.focus(), Pane::News);
    apply(&mut s, [Action::Focus(Pane::Catalysts)]);
    assert_eq!(s.focus(), Pane::Catalysts);
}

#[test]
fn movement_is_clamped() {
    let mut s = state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(-1)]);
    assert_eq!(s.selected(Pane::Catalysts), 0);
    apply(&mut s, [Action::Move(1), Action::Move(1)]);
    assert_eq!(s.selected(Pane::Catalysts), 2);
    apply(&mut s, [Action::Bottom]);
    assert_eq!(s.selected(Pane::Catalysts), 6);
    apply(&mut s, [Action::Move(5)]);
    assert_eq!(s.selected(Pane::Catalysts), 6);
    apply(&mut s, [Action::Top]);
    assert_eq!(s.selected(Pane::Catalysts), 0);
    apply(&mut s, [Action::Page(1)]);
    assert_eq!(s.selected(Pane::Catalysts), 5);
    // empty pane: stays at 0
    apply(&mut s, [Action::Focus(Pane::News), Action::Move(3), Action::Bottom]);
    assert_eq!(s.selected(Pane::News), 0);
}

#[test]
fn toggle_records_when_saves_and_undoes() {
    let mut s = state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(1)]);
    let fx = update(&mut s, Action::ToggleCatalyst);
    let id = "amd-lta";
    assert!(s.catalyst_done(id));
    let rec = &s.user().catalysts[id];
    assert_eq!(rec.done_at, Some(now()));
    assert_eq!(rec.history.len(), 1);
    let [entry] = entries(&fx).try_into().unwrap();
    assert_eq!(entry.what, What::Catalyst { id: id.into(), done: true });
    assert_eq!((entry.at, entry.by.as_str()), (now(), "tui"));
    assert_eq!(s.done_count(), 1);
    // Written: the change is confirmed on the status line.
    let Effect::Record { seq, .. } = fx[0].clone() else { panic!("{fx:?}") };
    update(&mut s, Action::Stored { through: seq, error: None });
    assert_eq!(s.notices().last().unwrap().text, "amd-lta hit (u undoes) · saved");
    assert!(s.pending().is_empty());

    // toggle back off, then undo restores "done"
    update(&mut s, Action::ToggleCatalyst);
    assert!(!s.catalyst_done(id));
    assert_eq!(s.user().catalysts[id].done_at, None);
    let fx = update(&mut s, Action::Undo);
    assert!(s.catalyst_done(id));
    assert!(matches!(&entries(&fx)[..], [e] if matches!(&e.what, What::Undo { .. })));
    // undo again: back to never touched
    update(&mut s, Action::Undo);
    assert!(!s.user().catalysts.contains_key(id));
    // nothing left
    let fx = update(&mut s, Action::Undo);
    assert!(fx.is_empty());
    assert!(s.notices().last().unwrap().text.contains("nothing to undo"));
}

#[test]
fn toggle_outside_catalysts_does_nothing_but_explains() {
    let mut s = state();
    let fx = update(&mut s, Action::ToggleCatalyst);
    assert!(fx.is_empty());
    assert!(s.user().catalysts.is_empty());
    assert!(s.notices().last().unwrap().text.contains("Catalysts"));
}

#[test]
fn undo_moves_focus_to_the_undone_row() {
    let mut s = state();
    apply(
        &mut s,
        [Action::Focus(Pane::Catalysts), Action::Move(3), Action::ToggleCatalyst, Action::Focus(Pane::News)],
    );
    update(&mut s, Action::Undo);
    assert_eq!((s.focus(), s.selected(Pane::Catalysts)), (Pane::Catalysts, 3));
}

#[test]
fn risk_levels_cycle_and_undo() {
    let mut s = state();
    apply(&mut s, [Action::Focus(Pane::Risks), Action::Move(2)]);
    let id = s.risks()[2].id.clone();
    assert_eq!(s.risk_level(&id), RiskLevel::Watch);
    let fx = update(&mut s, Action::CycleRisk);
    assert_eq!(s.risk_level(&id), RiskLevel::Elevated);
    assert!(
        matches!(&entries(&fx)[..], [e] if e.what == What::Risk { id: id.clone(), level: RiskLevel::Elevated })
    );
    update(&mut s, Action::CycleRisk);
    assert_eq!(s.risk_level(&id), RiskLevel::Materialized);
    update(&mut s, Action::CycleRisk);
    assert_eq!(s.risk_level(&id), RiskLevel::Watch);
    update(&mut s, Action::Undo);
    assert_eq!(s.risk_level(&id), RiskLevel::Materialized);
}

#[test]
fn without_a_store_changes_last_the_session_and_are_marked_unsaved() {
    let mut s = state();
    update(&mut s, environment(true, chokepoint::state::Zone::Utc));
    let fx = apply(&mut s, [Action::Focus(Pane::Catalysts), Action::ToggleCatalyst]);
    // Nothing to write; only the hit catalyst's reactions ask for their tickers' bars.
    assert!(fx.iter().all(|e| matches!(e, Effect::FetchSeries { .. })), "{fx:?}");
    assert!(s.catalyst_done("cpo-adoption"), "the change still shows for this session");
    assert!(s.notices().last().unwrap().text.contains("no database"));
    assert_eq!(s.unsaved(), 1);
    assert!(s.unsaved_row("cpo-adoption"));
}

fn with_news(s: &mut chokepoint::state::State) {
    let mut a = news("a", "AAOI wins Texas permit", 1);
    a.tickers = vec!["AAOI".into()];
    a.catalysts = vec!["aaoi-env-review".into()];
    let mut b = news("b", "Lumentum sees CPO demand", 2);
    b.tickers = vec!["LITE".into()];
    b.catalysts = vec!["cpo-adoption".into()];
    let mut c = news("c", "LPO threatens CW laser volumes", 30);
    c.risks = vec!["lpo".into()];
    deliver(s, SourceId::Feed(0), Payload::News(vec![c, a, b]));
}

#[test]
fn news_arrives_newest_first_and_filters_live() {
    let mut s = state();
    with_news(&mut s);
    let ids: Vec<&str> = s.filter().visible.iter().map(|&i| s.news()[i].id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    update(&mut s, Action::FilterStart);
    assert!(s.filter().editing);
    assert_eq!(s.focus(), Pane::News);
    type_text(&mut s, "cpo");
    assert_eq!(s.filter().visible.len(), 1);
    type_text(&mut s, " -lumentum");
    assert_eq!(s.filter().visible.len(), 0);
    update(&mut s, Action::FilterEdit(tui_input::InputRequest::DeleteLine));
    assert_eq!(s.filter().visible.len(), 3);
    type_text(&mut s, "$AAOI");
    update(&mut s, Action::FilterAccept);
    assert!(!s.filter().editing);
    assert_eq!(s.filter().visible.len(), 1);
    assert_eq!(s.filter().input.value(), "$AAOI");
    // Esc in edit mode clears
    apply(&mut s, [Action::FilterStart, Action::FilterCancel]);
    assert_eq!(s.filter().visible.len(), 3);
    assert_eq!(s.filter().input.value(), "");
}

#[test]
fn invalid_regex_keeps_the_last_good_result() {
    let mut s = state();
    with_news(&mut s);
    update(&mut s, Action::FilterStart);
    type_text(&mut s, "laser");
    assert_eq!(s.filter().visible.len(), 1);
    type_text(&mut s, " /(unclosed");
    assert!(s.filter().error.is_some());
    assert_eq!(s.filter().visible.len(), 1);
    update(&mut s, Action::FilterAccept);
    assert!(s.filter().editing, "Enter on an invalid query stays in edit mode");
}

#[test]
fn f_filters_by_the_selected_row() {
    let mut s = state();
    with_news(&mut s);
    apply(&mut s, [Action::Focus(Pane::Tickers), Action::Move(1), Action::FilterBySelection]);
    assert_eq!(s.filter().input.value(), "$AAOI");
    assert_eq!(s.focus(), Pane::News);
    assert_eq!(s.filter().visible.len(), 1);
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::FilterBySelection]);
    assert_eq!(s.filter().input.value(), "c:cpo-adoption");
    assert_eq!(s.filter().visible.len(), 1);
    apply(&mut s, [Action::Focus(Pane::Risks), Action::Move(2), Action::FilterBySelection]);
    assert_eq!(s.filter().input.value(), "r:lpo");
    assert_eq!(s.news()[s.filter().visible[0]].id, "c");
}

#[test]
fn selection_follows_the_item_when_news_arrives() {
    let mut s = state();
    with_news(&mut s);
    apply(&mut s, [Action::Focus(Pane::News), Action::Move(1)]);
    assert_eq!(s.selected_news().unwrap().id, "b");
    deliver(&mut s, SourceId::Feed(1), Payload::News(vec![news("new", "Fresh: Sivers CW laser win", 0)]));
    assert_eq!(s.news().len(), 4);
    assert_eq!(s.selected_news().unwrap().id, "b");
}

#[test]
fn open_link_marks_read_and_refuses_other_schemes() {
    let mut s = state();
    with_news(&mut s);
    update(&mut s, Action::Focus(Pane::News));
    let fx = update(&mut s, Action::BrowseLink);
    assert!(matches!(&fx[..], [Effect::OpenUrl(u), Effect::Record { .. }] if u == "https://example.com/a"));
    assert!(matches!(&recorded(&fx)[..], [Change::Read { item, .. }] if item == "a"));
    assert!(s.user().read.contains("a"));
    // opening again: no second save
    let fx = update(&mut s, Action::BrowseLink);
    assert_eq!(fx.len(), 1);
    let mut bad = news("bad", "Evil link", 0);
    bad.link = "file:///etc/passwd".into();
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![bad]));
    apply(&mut s, [Action::Top]);
    assert_eq!(s.selected_news().unwrap().id, "bad");
    let fx = update(&mut s, Action::BrowseLink);
    assert!(fx.is_empty());
    assert!(s.notices().last().unwrap().text.contains("refused"));
}

#[test]
fn a_second_r_joins_the_fetch_in_flight() {
    let mut s = state();
    let first = update(&mut s, Action::RefreshAll);
    let n = s.sources().len();
    assert_eq!(first.iter().filter(|e| matches!(e, Effect::Fetch { .. })).count(), n);
    let again = update(&mut s, Action::RefreshAll);
    assert!(!again.iter().any(|e| matches!(e, Effect::Fetch { .. })), "{again:?}");
    assert_eq!(notice(&s), "every source is being fetched already");
    // One answers: the next `r` asks that one alone.
    let req = fetch_id(&first, SourceId::Feed(0)).unwrap();
    update(
        &mut s,
        Action::Loaded(loaded(SourceId::Feed(0), req, Ok(Payload::News(vec![news("x", "t", 1)])))),
    );
    let third = update(&mut s, Action::RefreshAll);
    let asked: Vec<_> = third
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch { source, .. } => Some(*source),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [SourceId::Feed(0)]);
    assert_eq!(notice(&s), format!("refreshing 1 source ({} already in flight)", n - 1));
}

#[test]
fn a_stuck_fetch_is_superseded_by_r_and_its_late_answer_dropped() {
    let mut s = state();
    let first = update(&mut s, Action::RefreshAll);
    let old = fetch_id(&first, SourceId::Feed(0)).unwrap();
    // Not stuck yet: joined.
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(30)));
    assert_eq!(fetch_id(&update(&mut s, Action::RefreshAll), SourceId::Feed(0)), None);
    // A minute in flight (a suspended laptop): `r` starts a new one; the runtime aborts the old.
    let stuck = chokepoint::update::STUCK;
    update(&mut s, Action::Tick(now() + chrono::Duration::from_std(stuck).unwrap()));
    let new = fetch_id(&update(&mut s, Action::RefreshAll), SourceId::Feed(0)).expect("a new fetch");
    assert_ne!(new, old);
    // A timer never supersedes.
    let generation = s.sources().iter().find(|x| x.id == SourceId::Feed(0)).unwrap().schedule;
    assert!(update(&mut s, Action::RefreshDue(SourceId::Feed(0), generation)).is_empty());
    let stale = loaded(SourceId::Feed(0), old, Ok(Payload::News(vec![news("x", "old", 1)])));
    update(&mut s, Action::Loaded(stale));
    assert!(s.news().is_empty());
    update(
        &mut s,
        Action::Loaded(loaded(SourceId::Feed(0), new, Ok(Payload::News(vec![news("y", "new", 1)])))),
    );
    assert_eq!(s.news().len(), 1);
}

#[test]
fn errors_show_per_source_and_schedule_a_retry() {
    let mut s = state();
    let fx = update(&mut s, Action::RefreshAll);
    let req_id = fetch_id(&fx, SourceId::Quote(0)).unwrap();
    let fx = update(&mut s, Action::Loaded(loaded(SourceId::Quote(0), req_id, Err("timeout".into()))));
    assert!(matches!(&s.sources()[0].status, FetchStatus::Error { message, .. } if message == "timeout"));
    assert_eq!(s.failing().count(), 1);
    let generation = match &fx[..] {
        [Effect::Schedule { source: SourceId::Quote(0), generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    // an older timer is ignored, the current one fetches
    assert!(update(&mut s, Action::RefreshDue(SourceId::Quote(0), generation - 1)).is_empty());
    assert!(matches!(
        &update(&mut s, Action::RefreshDue(SourceId::Quote(0), generation))[..],
        [Effect::Fetch { .. }]
    ));
}

/// The demo's quote of `symbol` at `at`.
fn demo_quote(
    s: &chokepoint::state::State,
    symbol: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> chokepoint::domain::Quote {
    let spec = s.tickers().iter().find(|t| t.symbol == symbol).expect("a ticker");
    chokepoint::providers::demo::quote(spec, at).expect("a demo quote")
}

fn attempt(source: &str, error: Option<&str>) -> chokepoint::action::Attempt {
    chokepoint::action::Attempt {
        source: source.into(),
        error: error.map(chokepoint::domain::SourceError::transient),
        retry_after: None,
    }
}

#[test]
fn a_failing_ticker_flags_its_row_alone_and_a_source_that_failed_it_waits_for_that_ticker() {
    let mut s = state();
    let fx = update(&mut s, Action::RefreshAll);
    let order: Vec<String> = s.sources()[0].via.iter().map(|v| v.name.clone()).collect();
    assert_eq!(order, ["yahoo", "nasdaq"]);
    // SIVE (0): yahoo 429, nasdaq answers. AAOI (1): yahoo answers. LITE (2): both fail.
    let sive = fetch_id(&fx, SourceId::Quote(0)).unwrap();
    let mut answer =
        loaded(SourceId::Quote(0), sive, Ok(Payload::Quotes(vec![demo_quote(&s, "SIVE", now())])));
    answer.attempts = vec![attempt("yahoo", Some("HTTP 429")), attempt("nasdaq", None)];
    update(&mut s, Action::Loaded(answer));
    let aaoi = fetch_id(&fx, SourceId::Quote(1)).unwrap();
    let mut answer =
        loaded(SourceId::Quote(1), aaoi, Ok(Payload::Quotes(vec![demo_quote(&s, "AAOI", now())])));
    answer.attempts = vec![attempt("yahoo", None)];
    update(&mut s, Action::Loaded(answer));
    let lite = fetch_id(&fx, SourceId::Quote(2)).unwrap();
    let mut answer = loaded(SourceId::Quote(2), lite, Err("yahoo: HTTP 500; nasdaq: HTTP 503".into()));
    answer.attempts = vec![attempt("yahoo", Some("HTTP 500")), attempt("nasdaq", Some("HTTP 503"))];
    update(&mut s, Action::Loaded(answer));

    assert_eq!(s.quote_errors().keys().collect::<Vec<_>>(), ["LITE"]);
    assert!(matches!(s.sources()[0].status, FetchStatus::Ok { .. }));
    assert!(matches!(s.sources()[1].status, FetchStatus::Ok { .. }));
    assert!(matches!(s.sources()[2].status, FetchStatus::Error { .. }));
    assert_eq!(s.failing().count(), 1);
    // SIVE's yahoo record waits; AAOI's does not.
    assert!(s.sources()[0].via[0].not_before.is_some_and(|t| t > now()));
    assert!(s.sources()[0].via[1].error.is_none());
    assert!(s.sources()[1].via[0].not_before.is_none());
    // `r` now: SIVE is asked of both again (the user asks; yahoo set no Retry-After), LITE too.
    let fx = update(&mut s, Action::RefreshAll);
    let via = |fx: &[Effect], id| {
        fx.iter().find_map(|e| match e {
            Effect::Fetch { source, via, .. } if *source == id => Some(via.clone()),
            _ => None,
        })
    };
    assert_eq!(via(&fx, SourceId::Quote(0)), Some(vec!["yahoo".to_string(), "nasdaq".to_string()]));
    // A timer, though, goes straight to the source that is not waiting.
    let req = fetch_id(&fx, SourceId::Quote(0)).unwrap();
    let mut answer =
        loaded(SourceId::Quote(0), req, Ok(Payload::Quotes(vec![demo_quote(&s, "SIVE", now())])));
    answer.attempts = vec![attempt("yahoo", Some("HTTP 429")), attempt("nasdaq", None)];
    update(&mut s, Action::Loaded(answer));
    let generation = s.sources()[0].schedule;
    let fx = update(&mut s, Action::RefreshDue(SourceId::Quote(0), generation));
    assert_eq!(via(&fx, SourceId::Quote(0)), Some(vec!["nasdaq".to_string()]));
}

/// With no price on screen at all, a closed market's ticker is not left blank for 15 minutes:
/// its retries back off from seconds, as any source's do.
#[test]
fn a_ticker_without_any_price_backs_off_from_seconds_even_while_closed() {
    let mut s = state();
    let saturday = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 28, 12, 0, 0).unwrap();
    update(&mut s, Action::Tick(saturday));
    let fx = update(&mut s, Action::RefreshAll);
    let req = fetch_id(&fx, SourceId::Quote(0)).unwrap();
    let mut answer = loaded(SourceId::Quote(0), req, Err("yahoo: timed out; nasdaq: timed out".into()));
    answer.attempts = vec![attempt("yahoo", Some("timed out")), attempt("nasdaq", Some("timed out"))];
    answer.at = saturday;
    let fx = update(&mut s, Action::Loaded(answer));
    let after = fx.iter().find_map(|e| match e {
        Effect::Schedule { source: SourceId::Quote(0), after, .. } => Some(*after),
        _ => None,
    });
    assert!(after.is_some_and(|a| a <= std::time::Duration::from_secs(10)), "{after:?}");
}

#[test]
fn a_retry_after_holds_even_against_r() {
    let mut s = state();
    let fx = update(&mut s, Action::RefreshAll);
    let req = fetch_id(&fx, SourceId::Quote(1)).unwrap();
    let mut answer =
        loaded(SourceId::Quote(1), req, Ok(Payload::Quotes(vec![demo_quote(&s, "AAOI", now())])));
    answer.attempts = vec![
        chokepoint::action::Attempt {
            retry_after: Some(std::time::Duration::from_secs(600)),
            ..attempt("yahoo", Some("HTTP 429"))
        },
        attempt("nasdaq", None),
    ];
    update(&mut s, Action::Loaded(answer));
    let fx = update(&mut s, Action::RefreshAll);
    let asked = fx.iter().find_map(|e| match e {
        Effect::Fetch { source: SourceId::Quote(1), via, .. } => Some(via.clone()),
        _ => None,
    });
    assert_eq!(asked, Some(vec!["nasdaq".to_string()]));
}

#[test]
fn tick_redraws_only_when_the_minute_changes() {
    let mut s = state();
    let rev = s.rev();
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(20)));
    assert_eq!(s.rev(), rev);
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(61)));
    assert!(s.rev() > rev);
}

#[test]
fn tick_redraws_when_a_notice_expires() {
    let mut s = state();
    update(&mut s, Action::Undo); // "nothing to undo"
    assert!(s.fresh_notice().is_some());
    let rev = s.rev();
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(5)));
    assert_eq!(s.rev(), rev, "still shown: nothing to redraw");
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(16)));
    assert!(s.rev() > rev, "expired: the status line changes");
    assert!(s.fresh_notice().is_none());
}

#[test]
fn every_other_action_bumps_the_revision() {
    let mut s = state();
    let rev = s.rev();
    update(&mut s, Action::ToggleHelp);
    assert_eq!(s.overlay(), Some(chokepoint::state::Overlay::Help));
    assert!(s.rev() > rev);
}

#[test]
fn esc_dismisses_sticky_notices_only() {
    let mut s = state();
    chokepoint::update::notify(&mut s, chokepoint::state::Level::Warn, "moved aside".into(), true);
    update(&mut s, Action::Undo);
    update(&mut s, Action::DismissNotices);
    assert!(s.notices().iter().all(|n| !n.sticky));
    assert!(s.fresh_notice().is_some(), "transient notices expire on their own");
    let rev = s.rev();
    update(&mut s, Action::DismissNotices);
    assert_eq!(s.rev(), rev, "nothing to dismiss: no redraw");
}

#[test]
fn quit_emits_quit() {
    let mut s = state();
    assert_eq!(update(&mut s, Action::Quit), vec![Effect::Quit]);
    assert!(s.quit());
}

/// Simulates an hour of a source failing every time, answering each fetch at once and following
/// the schedule the reducer asks for; returns how many requests were made.
fn requests_in_an_hour(retry_after: Option<std::time::Duration>, mut jitter: impl FnMut() -> f64) -> usize {
    let mut s = state();
    let mut clock = now();
    let end = now() + chrono::Duration::hours(1);
    let mut fx = update(&mut s, Action::RefreshAll);
    let mut requests = 0;
    while clock < end {
        let Some(req_id) = fetch_id(&fx, SourceId::Feed(0)) else {
            panic!("no fetch of the failing feed: {fx:?}")
        };
        requests += 1;
        let mut answer = loaded(SourceId::Feed(0), req_id, Err("HTTP 429 Too Many Requests".into()));
        answer.at = clock;
        answer.retry_after = retry_after;
        answer.jitter = jitter();
        let scheduled = update(&mut s, Action::Loaded(answer));
        let (after, generation) = scheduled
            .iter()
            .find_map(|e| match e {
                Effect::Schedule { source: SourceId::Feed(0), after, generation } => {
                    Some((*after, *generation))
                }
                _ => None,
            })
            .expect("a failure always schedules a retry");
        clock += chrono::Duration::from_std(after).unwrap();
        fx = update(&mut s, Action::RefreshDue(SourceId::Feed(0), generation));
    }
    requests
}

#[test]
fn a_429_storm_is_paced_by_retry_after() {
    let n = requests_in_an_hour(Some(std::time::Duration::from_secs(30)), || 0.0);
    assert!(n <= 120, "{n} requests in an hour despite Retry-After: 30");
    assert!(n >= 100, "{n}: retries must go on, not give up");
}

#[test]
fn a_500_storm_backs_off_to_the_refresh_interval() {
    // Seeded uniform jitter (an LCG): deterministic, like the runtime's draw in distribution.
    let mut x: u64 = 42;
    let n = requests_in_an_hour(None, move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    });
    // The news interval is 5 min, so full jitter averages 2.5 min once backed off: ~24 an hour.
    assert!(n <= 60, "{n} requests in an hour of failures");
    assert!(n >= 12, "{n}: retries must go on");
}

#[test]
fn read_marks_outlive_the_window() {
    let mut state = state_with_cap(3);
    let first: Vec<_> =
        (0..3).map(|i| news(&format!("old{i}"), &format!("Old headline {i}"), 10 + i)).collect();
    deliver(&mut state, SourceId::Feed(0), Payload::News(first));
    update(&mut state, Action::Focus(Pane::News));
    update(&mut state, Action::Bottom);
    update(&mut state, Action::OpenLink); // marks old2, the oldest, read
    // Newer headlines push it out of the window; the archive keeps it, and its mark stays.
    let fresh = vec![news("new0", "New headline 0", 1), news("new1", "New headline 1", 2)];
    deliver(&mut state, SourceId::Feed(0), Payload::News(fresh));
    assert!(state.user().read.contains("old2"));
}

#[test]
fn read_marks_survive_a_history_that_is_not_full() {
    let mut user = chokepoint::domain::UserState::default();
    user.read.insert("seen-last-week".into());
    let mut state = chokepoint::state::State::new(&config(), user, now(), false);
    deliver(&mut state, SourceId::Feed(0), Payload::News(vec![news("a", "A headline", 1)]));
    assert!(state.user().read.contains("seen-last-week"));
}

/// SIVE failing at every source over six hours of a Saturday, its market closed and Friday's
/// close on screen: the retries keep to the closed-market pace (15 min), not the trading pace.
#[test]
fn failing_quotes_back_off_to_the_closed_pace_while_markets_are_closed() {
    let mut s = state();
    let saturday = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 28, 12, 0, 0).unwrap();
    update(&mut s, Action::Tick(saturday));
    // Friday's SIVE close is on screen (from the cache).
    let cache =
        chokepoint::domain::Cache { quotes: vec![demo_quote(&s, "SIVE", saturday)], ..Default::default() };
    update(&mut s, Action::Restore(cache));
    let mut clock = saturday;
    let end = saturday + chrono::Duration::hours(6);
    let mut fx = update(&mut s, Action::RefreshAll);
    let mut requests = 0;
    let mut x: u64 = 7;
    while clock < end {
        let req_id = fetch_id(&fx, SourceId::Quote(0)).expect("a quote fetch");
        requests += 1;
        let mut answer =
            loaded(SourceId::Quote(0), req_id, Err("yahoo: timed out; nasdaq: timed out".into()));
        answer.attempts = vec![attempt("yahoo", Some("timed out")), attempt("nasdaq", Some("timed out"))];
        answer.at = clock;
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        answer.jitter = (x >> 11) as f64 / (1u64 << 53) as f64;
        let scheduled = update(&mut s, Action::Loaded(answer));
        let (after, generation) = scheduled
            .iter()
            .find_map(|e| match e {
                Effect::Schedule { source: SourceId::Quote(0), after, generation } => {
                    Some((*after, *generation))
                }
                _ => None,
            })
            .expect("a retry is scheduled");
        clock += chrono::Duration::from_std(after).unwrap();
        update(&mut s, Action::Tick(clock));
        fx = update(&mut s, Action::RefreshDue(SourceId::Quote(0), generation));
    }
    // While its market is closed a ticker is retried no more often than the closed pace
    // (15 min): 24 in six hours. At the 1 min trading cap it was about 720 (one every 30 s).
    assert!(requests <= 25, "{requests} quote requests in six closed hours");
    assert!(requests >= 20, "{requests}: retries must go on");
}

#[test]
fn the_status_line_says_when_a_failing_source_retries() {
    let mut s = state();
    update(&mut s, Action::Resize(160, 45));
    let fx = update(&mut s, Action::RefreshAll);
    let req_id = fetch_id(&fx, SourceId::Feed(0)).unwrap();
    update(&mut s, Action::Loaded(loaded(SourceId::Feed(0), req_id, Err("HTTP 503".into()))));
    let screen = screen(&s, 160, 45);
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(status.contains("(retry in "), "{status}");
    assert!(status.contains("): HTTP 503"), "{status}");
}

#[test]
fn esc_in_the_news_pane_clears_an_applied_filter() {
    let mut s = state();
    with_news(&mut s);
    update(&mut s, Action::FilterStart);
    type_text(&mut s, "$AAOI");
    update(&mut s, Action::FilterAccept);
    assert_eq!(s.filter().visible.len(), 1);
    // Sticky warnings go first: one Esc, one thing.
    chokepoint::update::notify(&mut s, chokepoint::state::Level::Warn, "moved aside".into(), true);
    update(&mut s, Action::DismissNotices);
    assert_eq!(s.filter().input.value(), "$AAOI");
    // Outside the News pane Esc leaves the filter alone.
    apply(&mut s, [Action::Focus(Pane::Tickers), Action::DismissNotices]);
    assert_eq!(s.filter().visible.len(), 1);
    apply(&mut s, [Action::Focus(Pane::News), Action::DismissNotices]);
    assert_eq!(s.filter().input.value(), "");
    assert_eq!(s.filter().visible.len(), 3);
}

#[test]
fn dollar_filter_finds_a_digit_leading_symbol() {
    let mut s = state();
    let mut luxnet = news("lux", "Luxnet ships CW lasers", 1);
    luxnet.tickers = vec!["4979.TWO".into()];
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![luxnet, news("other", "Other", 2)]));
    for q in ["$4979.TWO", "t:4979.TWO"] {
        apply(&mut s, [Action::FilterStart, Action::FilterCancel, Action::FilterStart]);
        type_text(&mut s, q);
        let ids: Vec<&str> = s.filter().visible.iter().map(|&i| s.news()[i].id.as_str()).collect();
        assert_eq!(ids, ["lux"], "{q}");
    }
}

/// The newest transient notice's text, as the status line shows it.
fn notice(s: &chokepoint::state::State) -> String {
    s.fresh_notice().map(|n| n.text.clone()).unwrap_or_default()
}

#[test]
fn undo_of_a_note_says_note_not_toggle() {
    let mut s = state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(1), Action::ToggleCatalyst]);
    update(&mut s, Action::NoteStart);
    for c in "8-K filed".chars() {
        update(&mut s, Action::NoteEdit(tui_input::InputRequest::InsertChar(c)));
    }
    update(&mut s, Action::NoteAccept);
    assert_eq!(notice(&s), "note saved on amd-lta (u undoes)");
    update(&mut s, Action::Undo);
    assert_eq!(notice(&s), "undid note on amd-lta");
    assert!(s.catalyst_done("amd-lta"), "only the note was undone");
    update(&mut s, Action::Undo);
    assert_eq!(notice(&s), "undid toggle of amd-lta");
}

#[test]
fn level_changes_and_refresh_give_feedback() {
    let mut s = state();
    apply(&mut s, [Action::Focus(Pane::Risks), Action::Move(2), Action::CycleRisk]);
    assert_eq!(notice(&s), "lpo: watch → elevated (u undoes)");
    update(&mut s, Action::CycleRisk);
    assert_eq!(notice(&s), "lpo: elevated → materialized (u undoes)");
    update(&mut s, Action::RefreshAll);
    assert_eq!(notice(&s), format!("refreshing {} sources", s.sources().len()));
}

#[test]
fn confirmations_expire_sooner_than_warnings() {
    use chokepoint::state::Level;
    let mut s = state();
    chokepoint::update::notify(&mut s, Level::Info, "undid toggle of x".into(), false);
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(7)));
    assert_eq!(notice(&s), "undid toggle of x");
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(9)));
    assert_eq!(notice(&s), "", "an info notice is gone after 8 s");
    chokepoint::update::notify(&mut s, Level::Warn, "careful".into(), false);
    update(&mut s, Action::Tick(now() + chrono::Duration::seconds(9 + 14)));
    assert_eq!(notice(&s), "careful", "a warning stays 15 s");
}

#[test]
fn a_headline_dated_in_the_future_takes_its_fetch_time() {
    let mut s = state();
    let mut future = news("future", "Dated next year by a broken feed", 0);
    future.published = Some(now() + chrono::Duration::days(365));
    let items = vec![news("new", "Fresh", 1), future, news("old", "Older", 5)];
    deliver(&mut s, SourceId::Feed(0), Payload::News(items));
    let order: Vec<(&str, _)> = s.news().iter().map(|n| (n.id.as_str(), n.published)).collect();
    assert_eq!(
        order,
        [
            ("future", Some(now())),
            ("new", Some(now() - chrono::Duration::hours(1))),
            ("old", Some(now() - chrono::Duration::hours(5))),
        ]
    );
    // An hour later a newer headline sorts above it: it is not pinned to the top.
    update(&mut s, Action::Tick(now() + chrono::Duration::hours(1)));
    let mut later = news("later", "Later", 0);
    later.published = Some(now() + chrono::Duration::minutes(30));
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![later]));
    let ids: Vec<&str> = s.news().iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["later", "future", "new", "old"]);
}

#[test]
fn opening_a_headline_without_a_link_says_it_has_none() {
    let mut s = state();
    let mut item = news("nolink", "A headline without a link", 1);
    item.link = String::new();
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![item]));
    apply(&mut s, [Action::Focus(Pane::News), Action::Top]);
    let fx = update(&mut s, Action::BrowseLink);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(notice(&s), "this headline has no link to open");
    assert!(s.user().read.is_empty());
}

/// A session left open across a daylight-saving change shows local times with the offset of each
/// moment, not the one it started with: Stockholm left summer time on 2026-10-25 at 01:00 UTC,
/// New York on 2026-11-01 at 06:00 UTC.
#[test]
fn local_times_follow_daylight_saving_changes_during_a_session() {
    use chokepoint::state::Zone;
    use chrono::TimeZone;
    let at = |d, h, m| chrono::Utc.with_ymd_and_hms(2026, 10, d, h, m, 0).unwrap();
    let mut s = state();
    update(&mut s, environment(false, Zone::Named(chrono_tz::Europe::Stockholm)));
    update(&mut s, Action::Tick(at(25, 0, 30)));
    update(&mut s, Action::Resize(120, 40));
    assert_eq!(s.local(s.now()).format("%H:%M").to_string(), "02:30", "CEST, UTC+2");
    assert!(screen(&s, 120, 40).lines().next().unwrap().contains("Sun 02:30"));
    update(&mut s, Action::Tick(at(25, 1, 30)));
    assert_eq!(s.local(s.now()).format("%H:%M").to_string(), "02:30", "CET, UTC+1: the hour repeats");
    update(&mut s, Action::Tick(at(25, 2, 30)));
    assert!(screen(&s, 120, 40).lines().next().unwrap().contains("Sun 03:30"));

    let nov = |h, m| chrono::Utc.with_ymd_and_hms(2026, 11, 1, h, m, 0).unwrap();
    update(&mut s, environment(false, Zone::Named(chrono_tz::America::New_York)));
    update(&mut s, Action::Tick(nov(5, 30)));
    assert_eq!(s.local(s.now()).format("%H:%M %z").to_string(), "01:30 -0400", "EDT");
    update(&mut s, Action::Tick(nov(6, 30)));
    assert_eq!(s.local(s.now()).format("%H:%M %z").to_string(), "01:30 -0500", "EST");
    // A time from before the change keeps its own offset when shown after it.
    assert_eq!(s.local(nov(5, 30)).format("%H:%M").to_string(), "01:30");
    assert_eq!(s.local(nov(12, 0)).format("%H:%M").to_string(), "07:00");
}

#[test]
fn the_runtime_says_there_is_no_store_through_an_action() {
    let mut s = state();
    update(&mut s, environment(true, chokepoint::state::Zone::Utc));
    assert!(s.read_only());
    let fx = apply(&mut s, [Action::Focus(Pane::Catalysts), Action::ToggleCatalyst]);
    assert!(recorded(&fx).is_empty(), "{fx:?}");
}

#[test]
fn a_restored_cache_is_shown_newest_first_and_capped_even_if_edited() {
    let mut s = state_with_cap(3);
    let items =
        vec![news("b", "Two hours old", 2), news("d", "Four hours old", 4), news("a", "One hour old", 1), {
            let mut undated = news("u", "Undated", 0);
            undated.published = None;
            undated
        }];
    let cache = chokepoint::domain::Cache {
        version: chokepoint::domain::Cache::VERSION,
        saved_at: Some(now()),
        news: items,
        ..Default::default()
    };
    update(&mut s, Action::Restore(cache));
    let ids: Vec<&str> = s.news().iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "d"]);
    assert!(s.stale_news());
}

/// The start shows a screenful read from the store; the rest of the window arrives from the
/// store's thread a moment later. It lands in order (undated last), under the cap, without
/// duplicating what the first screenful (or a fetch in between) brought, and the selection and
/// the filter hold.
#[test]
fn the_rest_of_the_window_follows_the_first_screenful() {
    let mut s = state_with_cap(5);
    let mut undated = news("u", "Undated laser note", 0);
    undated.published = None;
    let first = vec![news("a", "One hour laser", 1), undated];
    update(
        &mut s,
        Action::Restore(chokepoint::domain::Cache {
            news: first,
            saved_at: Some(now()),
            ..Default::default()
        }),
    );
    update(&mut s, Action::FilterStart);
    type_text(&mut s, "laser");
    update(&mut s, Action::FilterAccept);
    assert_eq!(s.selected_news().map(|n| n.id.as_str()), Some("a"));
    // A fetch lands first, with one of the older headlines in it.
    let fetched = vec![news("n", "Newest laser", 0), news("c", "Three hours laser", 3)];
    deliver(&mut s, SourceId::Feed(0), Payload::News(fetched));
    let older = vec![
        news("b", "Two hours laser", 2),
        news("c", "Three hours laser", 3),
        news("d", "Four hours", 4),
        news("e", "Five hours laser", 5),
    ];
    update(&mut s, Action::RestoreOlder(older));
    let ids: Vec<&str> = s.news().iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        ["n", "a", "b", "c", "d"],
        "newest first, once each, capped (the undated one went last, then off)"
    );
    let visible: Vec<&str> = s.filter().visible.iter().map(|&i| s.news()[i].id.as_str()).collect();
    assert_eq!(visible, ["n", "a", "b", "c"]);
    assert_eq!(s.selected_news().map(|n| n.id.as_str()), Some("a"), "the selection stays on its headline");
}

#[test]
fn an_unchanged_feed_keeps_the_publishers_it_had() {
    let mut s = state();
    let mut item = news("a", "A headline", 1);
    item.source = "Reuters".into();
    deliver(&mut s, SourceId::Feed(0), Payload::News(vec![item]));
    // A 304 arrives as an empty answer.
    deliver(&mut s, SourceId::Feed(0), Payload::News(Vec::new()));
    let src = s.sources().iter().find(|x| x.id == SourceId::Feed(0)).unwrap();
    assert_eq!(src.publishers, ["Reuters"]);
    assert_eq!(s.news().len(), 1);
}

/// The example thesis keeping only `cap` headlines.
fn state_with_cap(cap: usize) -> chokepoint::state::State {
    let mut cfg = config();
    cfg.history_cap = cap;
    chokepoint::state::State::new(&cfg, chokepoint::domain::UserState::default(), now(), false)
}

#[test]
fn a_headline_is_pinned_through_the_chooser_and_unpinned_the_same_way() {
    let mut s = state();
    with_news(&mut s);
    // Not on a headline: said, nothing opened.
    update(&mut s, Action::PinStart);
    assert!(s.pin_chooser().is_none());
    apply(&mut s, [Action::Focus(Pane::News), Action::Top]);
    update(&mut s, Action::PinStart);
    let chooser = s.pin_chooser().unwrap().clone();
    assert_eq!(chooser.item, "a");
    // It starts on the catalyst the headline is tagged with (aaoi-env-review, row 3).
    assert_eq!(chooser.selected, 3);
    update(&mut s, Action::PinMove(-1));
    let fx = update(&mut s, Action::PinAccept);
    let [entry] = entries(&fx).try_into().unwrap();
    assert_eq!(
        entry.what,
        What::Pin { thesis: "c:aaoi-texas".into(), item: "a".into(), title: "AAOI wins Texas permit".into() }
    );
    assert!(s.user().pinned("c:aaoi-texas", "a") && s.pin_chooser().is_none());
    // Again on the same one: it starts there and unpins; `u` brings the pin back.
    update(&mut s, Action::PinStart);
    assert_eq!(s.pin_chooser().unwrap().selected, 2);
    let fx = update(&mut s, Action::PinAccept);
    assert!(matches!(&entries(&fx)[..], [e] if matches!(e.what, What::Unpin { .. })));
    assert!(!s.user().pinned("c:aaoi-texas", "a"));
    update(&mut s, Action::Undo);
    assert!(s.user().pinned("c:aaoi-texas", "a"));
    update(&mut s, Action::PinStart);
    update(&mut s, Action::PinCancel);
    assert!(s.pin_chooser().is_none());
}

#[test]
fn the_archive_key_searches_the_store_and_drops_stale_answers() {
    let mut s = state();
    with_news(&mut s);
    let fx = update(&mut s, Action::ToggleArchive);
    let Some(Effect::Search { req, query, .. }) =
        fx.iter().find(|e| matches!(e, Effect::Search { .. })).cloned()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(query, "");
    assert!(s.archive_mode() && s.rows(Pane::News) == 0, "nothing shown until the store answers");
    // Typing asks again; the first answer comes late and is dropped.
    update(&mut s, Action::FilterStart);
    let fx = update(&mut s, Action::FilterEdit(tui_input::InputRequest::InsertChar('x')));
    let Some(Effect::Search { req: newer, query, .. }) =
        fx.into_iter().find(|e| matches!(e, Effect::Search { .. }))
    else {
        panic!("no new search")
    };
    assert_eq!(query, "x");
    let old = news("old", "A headline from months ago", 24 * 200);
    update(&mut s, Action::Searched { req, result: Ok((vec![old.clone()], false)) });
    assert_eq!(s.rows(Pane::News), 0, "a stale answer is dropped");
    update(&mut s, Action::Searched { req: newer, result: Ok((vec![old], true)) });
    assert_eq!(s.rows(Pane::News), 1);
    assert_eq!(s.selected_news().unwrap().id, "old");
    // Back to the window.
    update(&mut s, Action::FilterCancel);
    update(&mut s, Action::ToggleArchive);
    assert!(!s.archive_mode() && s.rows(Pane::News) == 3);
}

/// An open catalyst past its expected window raises one alert, naming the risk it slips into,
/// and that risk is marked for raising until it is raised or the catalyst lands; the alert
/// never fires again (another tick, a restart with the saved keys).
#[test]
fn an_open_catalyst_past_its_window_alerts_once_and_suggests_its_risk() {
    let mut s = state();
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    assert!(s.suggested_raise("supply-slip").is_none());
    // 2027-07-02: the Texas expansion (2027-H1) and the environmental review (2026-H2) are late.
    let later = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 7, 2, 9, 0, 0).unwrap();
    let fx = update(&mut s, Action::Tick(later));
    let fired: Vec<chokepoint::alerts::Alert> = recorded(&fx)
        .into_iter()
        .filter_map(|c| match c {
            chokepoint::journal::Change::Fired(a) => Some(a),
            _ => None,
        })
        .collect();
    let keys: Vec<&str> = fired.iter().map(|a| a.key.as_str()).collect();
    assert!(keys.contains(&"2027-06-30|overdue|aaoi-texas"), "{keys:?}");
    assert!(keys.contains(&"2026-12-31|overdue|aaoi-env-review"), "{keys:?}");
    let texas = fired.iter().find(|a| a.key.ends_with("aaoi-texas")).unwrap();
    assert_eq!(
        texas.text,
        "AAOI Texas expansion delivered is past its window (2027-H1): consider raising “Expansion, yield or InP substrate shortage slips the timeline”"
    );
    assert_eq!(texas.thesis.as_deref(), Some("c:aaoi-texas"));
    assert_eq!(s.suggested_raise("supply-slip").map(|c| c.id.as_str()), Some("aaoi-texas"));
    assert!(s.suggested_raise("lpo").is_none());
    // The report's calendar, soonest-ending first.
    let report = chokepoint::report::build(&s);
    let rows: Vec<(&str, &str)> =
        report.calendar.iter().map(|c| (c.thesis.as_str(), c.stands.as_str())).collect();
    assert_eq!(
        &rows[..3],
        [("c:aaoi-env-review", "overdue 6m"), ("c:amd-lta", "overdue 6m"), ("c:aaoi-texas", "overdue 2d")]
    );
    assert!(rows.contains(&("r:cpo-delay", "in window")), "{rows:?}");
    assert!(chokepoint::report::markdown(&report).contains("- overdue 2d: **AAOI Texas expansion delivered** (`c:aaoi-texas`), expected 2027-H1 (2027-01-01 to 2027-06-30)"));

    // Again a minute later: nothing new.
    let fx = update(&mut s, Action::Tick(later + chrono::Duration::minutes(1)));
    assert!(recorded(&fx).is_empty(), "{fx:?}");
    // A restart with what was saved: nothing new either.
    let mut again = chokepoint::state::State::new(&config(), s.user().clone(), later, false);
    let fx = update(&mut again, Action::Start);
    assert!(!recorded(&fx).iter().any(|c| matches!(c, chokepoint::journal::Change::Fired(_))), "{fx:?}");

    // Raising the risk answers the suggestion.
    let at = s.risks().iter().position(|r| r.id == "supply-slip").unwrap();
    apply(&mut s, [Action::Focus(Pane::Risks), Action::Move(at as i32), Action::CycleRisk]);
    assert_ne!(s.risk_level("supply-slip"), chokepoint::domain::RiskLevel::Watch);
    assert!(s.suggested_raise("supply-slip").is_none());
}

/// The detail view's series: the store is asked first (once), a stale or missing copy is
/// fetched, the answer kept; a failure is shown and asked again after a backoff; an old
/// request's answer is dropped; a fresh stored copy costs no request.
#[test]
fn the_detail_view_asks_the_store_then_the_sources_with_backoff() {
    use chokepoint::chart::Span;
    let mut s = state();
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    let series = aaoi_series;
    // Enter on AAOI (the second ticker).
    let fx = apply(&mut s, [Action::Focus(Pane::Tickers), Action::Move(1), Action::OpenLink]);
    assert_eq!(s.detail().map(|d| (d.symbol.as_str(), d.span)), Some(("AAOI", Span::Y1)));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadSeries { symbol, span: Span::Y1 } if symbol == "AAOI")),
        "{fx:?}"
    );
    // The store has nothing: a fetch, by the ticker's sources in order.
    let fx = update(&mut s, Action::SeriesStored { symbol: "AAOI".into(), span: Span::Y1, series: None });
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::FetchSeries { req, via, .. } => {
                assert_eq!(via, &["yahoo".to_string(), "nasdaq".to_string()]);
                Some(*req)
            }
            _ => None,
        })
        .expect("a fetch");
    // It fails: shown, and asked again after the backoff.
    let fx = update(
        &mut s,
        Action::SeriesLoaded {
            symbol: "AAOI".into(),
            span: Span::Y1,
            req,
            result: Err("yahoo: HTTP 429; nasdaq: timed out".into()),
            retry_after: Some(std::time::Duration::from_secs(30)),
        },
    );
    assert!(s.detail_slot().and_then(|x| x.error.as_deref()).is_some_and(|e| e.contains("429")));
    let after = fx.iter().find_map(|e| match e {
        Effect::ScheduleSeries { after, .. } => Some(*after),
        _ => None,
    });
    assert!(after.is_some_and(|a| a >= std::time::Duration::from_secs(30)), "{fx:?}");
    // Switching away and back inside the backoff asks nothing.
    let fx = apply(&mut s, [Action::DetailRange(1), Action::DetailRange(-1)]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { span: Span::Y1, .. })), "{fx:?}");
    // The backoff is over: asked again; that answer lands, and is kept.
    update(&mut s, Action::Tick(now() + chrono::Duration::minutes(10)));
    let fx = update(&mut s, Action::SeriesDue { symbol: "AAOI".into(), span: Span::Y1 });
    let req2 = fx.iter().find_map(|e| match e {
        Effect::FetchSeries { req, .. } => Some(*req),
        _ => None,
    });
    let req2 = req2.expect("asked again");
    let got = series(Span::Y1, now() + chrono::Duration::minutes(10));
    // The first request's late answer is dropped.
    update(
        &mut s,
        Action::SeriesLoaded {
            symbol: "AAOI".into(),
            span: Span::Y1,
            req,
            result: Ok(Box::new(got.clone())),
            retry_after: None,
        },
    );
    assert!(s.detail_slot().and_then(|x| x.series.as_ref()).is_none());
    let fx = update(
        &mut s,
        Action::SeriesLoaded {
            symbol: "AAOI".into(),
            span: Span::Y1,
            req: req2,
            result: Ok(Box::new(got.clone())),
            retry_after: None,
        },
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::StoreSeries(x) if **x == got)), "{fx:?}");
    assert_eq!(s.detail_slot().and_then(|x| x.series.as_ref()), Some(&got));
    assert!(s.detail_slot().is_some_and(|x| x.error.is_none()));
    // Another range whose stored copy is fresh (fetched after the last close): no request.
    let fx = update(&mut s, Action::DetailRange(-1));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadSeries { span: Span::M6, .. })));
    let stored = series(Span::M6, now() + chrono::Duration::minutes(10));
    let fx = update(
        &mut s,
        Action::SeriesStored { symbol: "AAOI".into(), span: Span::M6, series: Some(Box::new(stored)) },
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { .. })), "{fx:?}");
    assert_eq!(s.detail_slot().and_then(|x| x.series.as_ref()).map(|x| x.span), Some(Span::M6));
    update(&mut s, Action::CloseDetail);
    assert!(s.detail().is_none());
    assert_eq!(s.mode(), chokepoint::keymap::Mode::Normal);
}

/// A hit catalyst asks for its tickers' and the benchmark's year of daily bars (the store first)
/// and, once they are in, its reactions: the move from the close before the hit to 1 and 5
/// trading days after, for AAOI (its `tickers`) and SOXX (the benchmark).
#[test]
fn a_hit_catalyst_shows_how_its_tickers_and_the_benchmark_moved() {
    use chokepoint::chart::Span;
    let mut s = state();
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    // Hit ten days ago, in the afternoon (New York's session).
    let hit = now() - chrono::Duration::days(10);
    update(&mut s, Action::Tick(hit));
    let at = s.catalysts().iter().position(|c| c.id == "aaoi-texas").unwrap();
    let fx = apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(at as i32), Action::ToggleCatalyst]);
    let asked: Vec<&str> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadSeries { symbol, span: Span::Y1 } => Some(symbol.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, ["AAOI", "SOXX"]);
    update(&mut s, Action::Tick(now()));
    for spec in [s.tickers()[1].clone(), s.benchmark().unwrap().clone()] {
        let year = chokepoint::providers::demo::history(&spec, Span::Y1, None, now()).unwrap();
        let fx = update(
            &mut s,
            Action::SeriesStored {
                symbol: spec.symbol.clone(),
                span: Span::Y1,
                series: Some(Box::new(year)),
            },
        );
        assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { .. })), "fresh: no request {fx:?}");
    }
    let texas = s.catalysts()[at].clone();
    let reactions = s.reactions(&texas);
    let symbols: Vec<&str> = reactions.iter().map(|(sym, _)| sym.as_str()).collect();
    assert_eq!(symbols, ["AAOI", "SOXX"]);
    for (sym, r) in &reactions {
        let (d1, d5) = (r.day1.unwrap(), r.day5.unwrap());
        assert!(!d1.partial && !d5.partial && d1.to < d5.to && r.base_at < hit, "{sym}: {r:?}");
    }
    let screen = {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 45)).unwrap();
        t.draw(|f| chokepoint::ui::render(&s, f)).unwrap();
        t.backend().to_string()
    };
    assert!(screen.contains("since the hit: AAOI "), "{screen}");
    // AAOI's detail view lists the hit with the same reactions in its legend.
    let fx = apply(&mut s, [Action::Focus(Pane::Tickers), Action::Top, Action::Move(1), Action::OpenLink]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { span: Span::Y1, .. })), "held: {fx:?}");
    let detail = {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 45)).unwrap();
        t.draw(|f| chokepoint::ui::render(&s, f)).unwrap();
        t.backend().to_string()
    };
    let (d1, d5) = (reactions[0].1.day1.unwrap().pct, reactions[0].1.day5.unwrap().pct);
    let said = format!("hit: AAOI Texas expansion delivered · AAOI {d1:+.1}% 1d {d5:+.1}% 5d, SOXX ");
    assert!(detail.contains(&said), "{said}\n{detail}");
}

/// `r` in the detail view asks for a new copy of a fresh series, keeping the one on screen
/// (with its real age) until the answer lands.
#[test]
fn refresh_in_the_detail_view_refetches_a_fresh_series() {
    use chokepoint::chart::Span;
    let mut s = state();
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    apply(&mut s, [Action::Focus(Pane::Tickers), Action::Move(1), Action::OpenLink]);
    let held = aaoi_series(Span::Y1, now());
    let fx = update(
        &mut s,
        Action::SeriesStored { symbol: "AAOI".into(), span: Span::Y1, series: Some(Box::new(held.clone())) },
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { .. })));
    let fx = update(&mut s, Action::RefreshAll);
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchSeries { span: Span::Y1, .. })), "{fx:?}");
    assert_eq!(s.detail_slot().and_then(|x| x.series.as_ref()), Some(&held), "kept on screen, its age true");
    let fx = update(&mut s, Action::RefreshAll);
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { .. })), "one request at a time");
}

/// A day of AAOI's bars over `span`, as a source or the store hands them over.
fn aaoi_series(
    span: chokepoint::chart::Span,
    fetched_at: chrono::DateTime<chrono::Utc>,
) -> chokepoint::chart::Series {
    chokepoint::chart::Series {
        symbol: "AAOI".into(),
        span,
        interval: "1d".into(),
        currency: "USD".into(),
        bars: vec![chokepoint::chart::Bar {
            t: now() - chrono::Duration::days(1),
            close: 30.0,
            open: None,
            high: None,
            low: None,
            volume: None,
        }],
        fetched_at,
        source: "yahoo".into(),
        year_range: None,
    }
}

/// Another window's decision arriving while this one's own change is being written stays on the
/// status line: the routine "saved" goes under it.
#[test]
fn a_decision_from_elsewhere_is_not_hidden_by_this_windows_saved() {
    use chokepoint::journal::Entry;
    let mut s = state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(1)]);
    let fx = update(&mut s, Action::ToggleCatalyst);
    let Effect::Record { seq, .. } = fx[0].clone() else { panic!("{fx:?}") };
    let mut theirs = s.user().clone();
    let what = What::Catalyst { id: "cpo-adoption".into(), done: true };
    let entry = Entry { uid: "other-1".into(), at: now(), by: "cli".into(), what, note: None };
    theirs.apply(&Change::Journal(entry));
    update(&mut s, Action::StoreChanged(Box::new(theirs)));
    assert_eq!(s.fresh_notice().unwrap().text, "cpo-adoption hit by cli");
    update(&mut s, Action::Stored { through: seq, error: None });
    assert_eq!(s.fresh_notice().unwrap().text, "cpo-adoption hit by cli");
    assert!(s.notices().iter().any(|n| n.text == "amd-lta hit (u undoes) · saved"));
    assert!(s.catalyst_done("cpo-adoption") && s.catalyst_done("amd-lta"), "both count");
    // With nothing said meanwhile, the confirmation shows as before.
    update(&mut s, Action::ToggleCatalyst);
    let fx = update(&mut s, Action::ToggleCatalyst);
    let Effect::Record { seq, .. } = fx[0].clone() else { panic!("{fx:?}") };
    update(&mut s, Action::Stored { through: seq, error: None });
    assert_eq!(s.fresh_notice().unwrap().text, "amd-lta hit (u undoes) · saved");
}

/// Relative strength: at 150 columns and wider every ticker's and the benchmark's since-start
/// series is asked for (the store first); narrower, only the detail view's ticker and the
/// benchmark. Once in, each ticker's move minus SOXX's, since the start and over the last month,
/// in points; the report's since-start rows carry the same numbers. Series in use are never
/// dropped from memory, however many there are.
#[test]
fn tickers_are_measured_against_the_benchmark_when_shown() {
    use chokepoint::chart::Span;
    let asked = |fx: &[Effect]| -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::LoadSeries { symbol, span: Span::Thesis } => Some(symbol.clone()),
                _ => None,
            })
            .collect()
    };
    let mut s = state();
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    let fx = update(&mut s, Action::Resize(149, 40));
    assert!(asked(&fx).is_empty(), "narrow: nothing asked {fx:?}");
    assert!(!s.relative_shown());
    let fx = apply(&mut s, [Action::Focus(Pane::Tickers), Action::Move(1), Action::OpenLink]);
    assert_eq!(asked(&fx), ["AAOI", "SOXX"], "the detail view's ticker and the benchmark");
    update(&mut s, Action::CloseDetail);
    let fx = update(&mut s, Action::Resize(150, 40));
    assert!(s.relative_shown());
    assert_eq!(asked(&fx), ["SIVE", "LITE", "COHR", "MTSI"], "the rest of the tickers");
    assert!(s.relative("AAOI").is_some_and(|r| r.month.is_none() && r.start.is_none()), "not in yet");
    let specs: Vec<_> = s.tickers().iter().cloned().chain(s.benchmark().cloned()).collect();
    for spec in &specs {
        let since = chokepoint::providers::demo::history(spec, Span::Thesis, config().thesis_started, now());
        let series = Some(Box::new(since.unwrap()));
        let fx =
            update(&mut s, Action::SeriesStored { symbol: spec.symbol.clone(), span: Span::Thesis, series });
        assert!(!fx.iter().any(|e| matches!(e, Effect::FetchSeries { .. })), "fresh: no request {fx:?}");
    }
    // By hand from the same bars: first and last close, and the close a month before the last.
    let moved = |sym: &str| {
        let spec = specs.iter().find(|t| t.symbol == sym).unwrap();
        let bars = chokepoint::providers::demo::history(spec, Span::Thesis, config().thesis_started, now())
            .unwrap()
            .bars;
        let tz = spec.listing().tz();
        let last = bars.last().unwrap();
        let month_ago = last.t.with_timezone(&tz).date_naive() - chrono::Months::new(1);
        let base = bars.iter().rev().find(|b| b.t.with_timezone(&tz).date_naive() <= month_ago).unwrap();
        ((last.close / bars[0].close - 1.0) * 100.0, (last.close / base.close - 1.0) * 100.0)
    };
    let (aaoi, soxx) = (moved("AAOI"), moved("SOXX"));
    let rel = s.relative("AAOI").unwrap();
    assert!((rel.start.unwrap() - (aaoi.0 - soxx.0)).abs() < 1e-9, "{rel:?}");
    assert!((rel.month.unwrap() - (aaoi.1 - soxx.1)).abs() < 1e-9, "{rel:?}");
    assert!(s.relative("SOXX").is_none(), "the benchmark against itself is nothing");
    let rows = s.since_start();
    let row = rows.iter().find(|r| r.symbol == "AAOI").unwrap();
    assert_eq!((row.vs_benchmark, row.month_vs_benchmark), (rel.start, rel.month));
    assert_eq!(rows.last().map(|r| (r.symbol.as_str(), r.vs_benchmark)), Some(("SOXX", None)));
    // Every range of every ticker opened since: memory stays bounded, and the series in use
    // (the six since-start ones, the shown one) stay.
    for (i, spec) in s.tickers().to_vec().iter().enumerate() {
        apply(&mut s, [Action::CloseDetail, Action::Top, Action::Move(i as i32), Action::OpenLink]);
        for _ in Span::ALL {
            let span = s.detail().unwrap().span;
            let mut series = aaoi_series(span, now());
            series.symbol = spec.symbol.clone();
            let series = Some(Box::new(series));
            update(&mut s, Action::SeriesStored { symbol: spec.symbol.clone(), span, series });
            update(&mut s, Action::DetailRange(1));
        }
    }
    assert!(s.series_held() <= chokepoint::state::SERIES_KEPT + 7, "{}", s.series_held());
    assert!(specs.iter().all(|t| s.relative(&t.symbol).is_none_or(|r| r.start.is_some())));
}

/// A lot in another currency brings the FX source (once, then on its timer); its rates are
/// kept and the totals in the base currency become known. Without a lot nothing is asked.
#[test]
fn a_lot_in_sek_asks_for_the_rate_and_the_totals_follow() {
    use chokepoint::journal::Entry;
    use chokepoint::portfolio::{FxRate, Lot};
    let mut s = state();
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    let fx = update(&mut s, Action::Start);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Fetch { source: SourceId::Fx, .. })), "no lot: no rate");
    assert!(!s.sources().iter().any(|x| x.id == SourceId::Fx));
    // A lot of SIVE (SEK) arrives from another window.
    let mut theirs = s.user().clone();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let lot = Lot { symbol: "SIVE".into(), shares: 2000.0, price: 6.1, date, fees: 39.0 };
    theirs.apply(&Change::Journal(Entry {
        uid: "o-1".into(),
        at: now(),
        by: "cli".into(),
        what: What::Lot(lot),
        note: None,
    }));
    let fx = update(&mut s, Action::StoreChanged(Box::new(theirs)));
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::Fetch { source: SourceId::Fx, req_id, via } => {
                assert_eq!(via, &["yahoo".to_string(), "ecb".to_string()]);
                Some(*req_id)
            }
            _ => None,
        })
        .expect("the rate is asked for");
    assert_eq!(s.fx_needed(), ["SEK"]);
    assert!(s.totals().value.is_none() && s.totals().missing_rates == ["SEK"]);
    let rate = FxRate {
        currency: "sek".into(),
        base: "USD".into(),
        rate: 0.095,
        as_of: now(),
        source: "yahoo".into(),
    };
    let bad = FxRate { rate: f64::NAN, currency: "NOK".into(), ..rate.clone() };
    let fx = update(&mut s, Action::Loaded(loaded(SourceId::Fx, req, Ok(Payload::Fx(vec![rate, bad])))));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::StoreFx(r) if r.len() == 1 && r[0].currency == "SEK")),
        "{fx:?}"
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::Schedule { source: SourceId::Fx, .. })), "on its timer");
    assert_eq!(s.fx().keys().collect::<Vec<_>>(), ["SEK"], "the bad rate is dropped");
    // No SIVE quote yet: the holding's value, so the total, is still unknown; with one, known.
    assert!(s.totals().missing_rates.is_empty());
    let sive = demo_quote(&s, "SIVE", now());
    let pending = s.sources().iter().find(|x| x.id == SourceId::Quote(0)).and_then(|x| x.pending).unwrap();
    update(
        &mut s,
        Action::Loaded(loaded(SourceId::Quote(0), pending, Ok(Payload::Quotes(vec![sive.clone()])))),
    );
    let t = s.totals();
    let want = 2000.0 * sive.price * 0.095;
    assert!(t.value.is_some_and(|v| (v - want).abs() < 1e-6), "{t:?}");
    // Asked again only on its timer, not on every action.
    let fx = update(&mut s, Action::Tick(now()));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Fetch { source: SourceId::Fx, .. })));
}

/// `max_weight`: AAOI past 10% of the portfolio fires one alert (once the value of every holding
/// is known in USD), quiet on later readings and after a restart on the same side; falling
/// back under and growing past again fires again.
#[test]
fn a_holding_past_its_max_weight_alerts_once_per_crossing() {
    use chokepoint::journal::Entry;
    use chokepoint::portfolio::{FxRate, Lot};
    let mut s = demo_state();
    let mut user = s.user().clone();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    for (i, (symbol, shares)) in [("SIVE", 2000.0), ("AAOI", 100.0)].into_iter().enumerate() {
        let lot = Lot { symbol: symbol.into(), shares, price: 10.0, date: day, fees: 0.0 };
        user.apply(&Change::Journal(Entry {
            uid: format!("o-{i}"),
            at: now(),
            by: "cli".into(),
            what: What::Lot(lot),
            note: None,
        }));
    }
    update(&mut s, Action::StoreChanged(Box::new(user)));
    let fired = |s: &chokepoint::state::State| {
        s.user().alerts.iter().filter(|a| a.text.contains("of the portfolio")).count()
    };
    assert_eq!(fired(&s), 0, "the SEK value is unknown: no weight yet");
    let req = s.sources().iter().find(|x| x.id == SourceId::Fx).and_then(|x| x.pending).unwrap();
    let rate = FxRate {
        currency: "SEK".into(),
        base: "USD".into(),
        rate: 0.0952,
        as_of: now(),
        source: "demo".into(),
    };
    let fx = update(&mut s, Action::Loaded(loaded(SourceId::Fx, req, Ok(Payload::Fx(vec![rate.clone()])))));
    // AAOI: 3,005 of 4,587 USD = 65.5%, past 10%. SIVE: 34.5%, past 5%.
    assert_eq!(fired(&s), 2, "{:?}", s.user().alerts);
    let aaoi = s.user().alerts.iter().find(|a| a.ticker.as_deref() == Some("AAOI")).unwrap();
    assert!(aaoi.text.starts_with("AAOI is 65.5% of the portfolio (max_weight 10%)"), "{}", aaoi.text);
    assert!(fx.iter().any(|e| matches!(e, Effect::Record { .. })), "kept: {fx:?}");
    update(&mut s, Action::Tick(now() + chrono::Duration::minutes(1)));
    assert_eq!(fired(&s), 2, "once per crossing");
    // A restart with what the store kept: same side, quiet.
    let kept = s.user().clone();
    let mut again = demo_state();
    update(&mut again, Action::StoreChanged(Box::new(kept)));
    let req = again.sources().iter().find(|x| x.id == SourceId::Fx).and_then(|x| x.pending).unwrap();
    update(&mut again, Action::Loaded(loaded(SourceId::Fx, req, Ok(Payload::Fx(vec![rate])))));
    assert_eq!(fired(&again), 2, "no new alert after a restart");
    // A big SIVE lot takes AAOI under 10%; removing it takes AAOI past again: a new alert.
    let mut user = again.user().clone();
    let lot = Lot { symbol: "SIVE".into(), shares: 400_000.0, price: 8.0, date: day, fees: 0.0 };
    user.apply(&Change::Journal(Entry {
        uid: "o-9".into(),
        at: now(),
        by: "cli".into(),
        what: What::Lot(lot),
        note: None,
    }));
    update(&mut again, Action::StoreChanged(Box::new(user)));
    assert_eq!(fired(&again), 2);
    update(&mut again, Action::Tick(now() + chrono::Duration::hours(1)));
    let mut user = again.user().clone();
    let rm = What::LotRemove { lot: "o-9".into() };
    user.apply(&Change::Journal(Entry {
        uid: "o-10".into(),
        at: now(),
        by: "cli".into(),
        what: rm,
        note: None,
    }));
    update(&mut again, Action::StoreChanged(Box::new(user)));
    assert_eq!(fired(&again), 3, "past again: {:?}", again.user().alerts);
}

/// `[notify] command`: each alert event becomes one notification, at most `per_minute` in any
/// minute (the rest counted as held back; the alerts are in the list all the same); a failed
/// run is said and kept for the sources overlay.
#[test]
fn alerts_reach_the_notify_command_rate_limited() {
    let mut cfg = config();
    cfg.notify_command = vec!["ntfy".into(), "publish".into(), "topic".into()];
    cfg.notify_per_minute = 2;
    cfg.alerts = (1..=4)
        .map(|i| chokepoint::alerts::Rule::Move { ticker: "SIVE".into(), pct: f64::from(i) })
        .collect();
    let mut s = chokepoint::state::State::new(&cfg, chokepoint::domain::UserState::default(), now(), false);
    update(&mut s, environment(false, chokepoint::state::Zone::Utc));
    let fx = update(&mut s, Action::Start);
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::Fetch { source: SourceId::Quote(0), req_id, .. } => Some(*req_id),
            _ => None,
        })
        .unwrap();
    // SIVE +5.7%: four move rules fire at once.
    let sive = demo_quote(&s, "SIVE", now());
    let fx = update(&mut s, Action::Loaded(loaded(SourceId::Quote(0), req, Ok(Payload::Quotes(vec![sive])))));
    let sent: Vec<(&Vec<String>, &String, &String)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { argv, title, body, .. } => Some((argv, title, body)),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 2, "{fx:?}");
    assert_eq!(sent[0].0, &["ntfy", "publish", "topic"]);
    assert_eq!(sent[0].1, "chokepoint: SIVE");
    assert!(sent[0].2.starts_with("SIVE moved +5.7% today"), "{}", sent[0].2);
    assert_eq!(s.user().alerts.len(), 4, "every alert listed");
    let (program, health) = s.notify_health().unwrap();
    assert_eq!((program.as_str(), health.held_back), ("`ntfy`", 2));
    update(&mut s, Action::Notified { key: "k".into(), result: Ok(()) });
    update(&mut s, Action::Notified { key: "k".into(), result: Err("cannot run ntfy: No such file".into()) });
    let (_, health) = s.notify_health().unwrap();
    assert_eq!(health.sent, 1);
    assert!(health.last_error.as_ref().is_some_and(|(e, _)| e.contains("No such file")));
    assert!(s.notices().last().unwrap().text.starts_with("notification failed: cannot run ntfy"));
    // The next session's move fires the rules again: the minute has passed, two go out.
    let later = now() + chrono::Duration::days(1);
    update(&mut s, Action::Tick(later));
    let req = update(&mut s, Action::RefreshAll)
        .iter()
        .find_map(|e| match e {
            Effect::Fetch { source: SourceId::Quote(0), req_id, .. } => Some(*req_id),
            _ => None,
        })
        .unwrap();
    let sive = demo_quote(&s, "SIVE", later);
    let fx = update(&mut s, Action::Loaded(loaded(SourceId::Quote(0), req, Ok(Payload::Quotes(vec![sive])))));
    assert_eq!(fx.iter().filter(|e| matches!(e, Effect::Notify { .. })).count(), 2, "{fx:?}");
}

/// A click's selection: the pane focused, the row selected (clamped to the rows there are).
#[test]
fn a_click_selects_a_row_in_its_pane() {
    let mut s = state();
    update(&mut s, Action::Select(Pane::Risks, 2));
    assert_eq!((s.focus(), s.selected(Pane::Risks)), (Pane::Risks, 2));
    update(&mut s, Action::Select(Pane::Catalysts, 99));
    assert_eq!((s.focus(), s.selected(Pane::Catalysts)), (Pane::Catalysts, s.catalysts().len() - 1));
}

/// Enter on a headline opens the reader (and marks it read); in it, the browse key opens the
/// link, the copy key hands it to the terminal's clipboard, the movement keys scroll, Esc closes.
#[test]
fn enter_reads_a_headline_and_the_reader_browses_copies_and_closes() {
    let mut s = state();
    with_news(&mut s);
    update(&mut s, Action::Focus(Pane::News));
    let fx = update(&mut s, Action::OpenLink);
    assert!(matches!(&recorded(&fx)[..], [Change::Read { item, .. }] if item == "a"), "{fx:?}");
    assert!(!fx.iter().any(|e| matches!(e, Effect::OpenUrl(_))), "no browser: {fx:?}");
    // The window keeps no texts: the store is asked for this one.
    assert!(fx.iter().any(|e| matches!(e, Effect::ReadText { id } if id == "a")), "{fx:?}");
    assert_eq!(s.reader().map(|r| (r.item.id.as_str(), r.loading)), Some(("a", true)));
    assert_eq!(s.mode(), chokepoint::keymap::Mode::Reader);
    // An answer for another headline (one opened before, answered late) changes nothing.
    let text = |id: &str, body: &str| Action::ReaderText {
        id: id.into(),
        summary: "Sum.".into(),
        body: body.into(),
    };
    update(&mut s, text("b", "Not this one."));
    assert_eq!(s.reader().map(|r| (r.loading, r.item.body())), Some((true, "")));
    update(&mut s, text("a", "Para one.\n\nPara two."));
    let r = s.reader().unwrap();
    assert_eq!((r.loading, r.item.summary(), r.item.body()), (false, "Sum.", "Para one.\n\nPara two."));
    update(&mut s, Action::ReaderScroll(3));
    update(&mut s, Action::ReaderScroll(-1));
    assert_eq!(s.reader().unwrap().scroll, 2);
    let fx = update(&mut s, Action::BrowseLink);
    assert!(matches!(&fx[..], [Effect::OpenUrl(u)] if u == "https://example.com/a"), "{fx:?}");
    let fx = update(&mut s, Action::CopyLink);
    assert!(matches!(&fx[..], [Effect::Copy(u)] if u == "https://example.com/a"), "{fx:?}");
    assert!(notice(&s).contains("OSC 52"));
    update(&mut s, Action::ReaderClose);
    assert!(s.reader().is_none());
    assert_eq!(s.mode(), chokepoint::keymap::Mode::Normal);
    // Without a store nothing is asked: the reader says no text is kept.
    update(&mut s, environment(true, chokepoint::state::Zone::Utc));
    let fx = update(&mut s, Action::OpenLink);
    assert!(!fx.iter().any(|e| matches!(e, Effect::ReadText { .. })), "{fx:?}");
    assert!(!s.reader().unwrap().loading);
}
