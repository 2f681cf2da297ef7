//! Thesis intelligence (issue 6): evidence per catalyst and risk, tagged on real-world feeds;
//! notes on catalyst changes and undo; alerts from config, their list, bell and de-duplication
//! across restarts; config errors for bad alerts.

mod common;

use chokepoint::action::{Action, Pane, Payload, SourceId};
use chokepoint::config::{self, Config};
use chokepoint::domain::{MarketState, NewsItem, Quote, UserState};
use chokepoint::effect::Effect;
use chokepoint::journal::Change;
use chokepoint::providers::feed;
use chokepoint::state::State;
use chokepoint::tagging::Tagger;
use chokepoint::update::update;
use common::{apply, deliver, entries, news, now, recorded, screen};
use tui_input::InputRequest;

fn tagged(cfg: &Config, mut items: Vec<NewsItem>) -> Vec<NewsItem> {
    let tagger = Tagger::new(&cfg.tickers, &cfg.catalysts, &cfg.risks);
    items.iter_mut().for_each(|n| tagger.tag(n));
    items
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/real-world/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Is `word` in `title` as a whole word (an independent check of the tagger)?
fn has_word(title: &str, word: &str) -> bool {
    let lower = title.to_lowercase();
    lower.match_indices(&word.to_lowercase()).any(|(i, m)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

/// Headlines a new user reported mis-tagged by the example config, and what they should get.
#[test]
fn example_keywords_tag_what_the_headline_is_about() {
    let cfg = common::config();
    let tagger = Tagger::new(&cfg.tickers, &cfg.catalysts, &cfg.risks);
    let tag = |title: &str| {
        let mut n = common::news("x", title, 1);
        tagger.tag(&mut n);
        (n.catalysts, n.risks)
    };
    let (c, _) = tag("AMD signs long-term supply agreement for CPO laser sources");
    assert!(c.contains(&"amd-lta".to_string()), "{c:?}");
    let (_, r) = tag("Coherent guides 2027 revenue up on datacom lasers; sees 2028 margin expansion");
    assert!(!r.contains(&"cpo-delay".to_string()), "revenue guidance is no delay: {r:?}");
    let (c, _) = tag("MACOM secures CPO driver design win at a hyperscaler");
    assert!(!c.contains(&"hyperscaler-lta".to_string()), "a design win is no LTA: {c:?}");
    assert!(!c.contains(&"sivers-position".to_string()), "not about Sivers: {c:?}");
    let (c, _) = tag("Microsoft and Amazon LTAs reshape optics allocation for 2027");
    assert!(c.contains(&"hyperscaler-lta".to_string()), "{c:?}");
    let (c, _) = tag("Amazon signs multi-year supply agreement with Lumentum");
    assert!(c.contains(&"hyperscaler-lta".to_string()), "{c:?}");
    let (_, r) = tag("Optics stocks fall after report CPO ramp may slip to 2028");
    assert!(r.contains(&"cpo-delay".to_string()), "{r:?}");
    let (c, _) = tag("AMD unveils new Instinct accelerator");
    assert!(!c.contains(&"amd-lta".to_string()), "{c:?}");
}

#[test]
fn real_world_headlines_are_linked_word_aware() {
    let cfg = common::config();
    let items = tagged(&cfg, feed::parse_feed(&fixture("rsparser-DaringFireball.rss"), "DF", None).unwrap());
    let microsoft: Vec<&NewsItem> = items.iter().filter(|n| has_word(&n.title, "Microsoft")).collect();
    assert!(microsoft.len() >= 2, "the fixture has Microsoft headlines");
    // A hyperscaler's name alone is not evidence of an agreement: it takes the name and an
    // agreement word (the example's `Microsoft & agreement` keywords).
    for n in &items {
        let name =
            ["microsoft", "amazon", "aws", "azure", "hyperscaler"].iter().any(|w| has_word(&n.title, w));
        let deal =
            ["agreement", "agreements", "lta", "ltas", "supply deal"].iter().any(|w| has_word(&n.title, w));
        assert_eq!(n.catalysts.contains(&"hyperscaler-lta".to_string()), name && deal, "{:?}", n.title);
    }

    // The same real feed with words that contain a ticker or keyword inside them.
    let text = String::from_utf8(fixture("rsparser-dcrainmaker.xml")).unwrap();
    let mut titles =
        ["Garmin inReach Satellite messenger review", "Elite trainers: a lite guide", "Apple's CPOs"].iter();
    let mut out = String::new();
    for (i, part) in text.split("<title>").enumerate() {
        if i > 2
            && let Some(t) = titles.next()
            && let Some((_, rest)) = part.split_once("</title>")
        {
            out.push_str(&format!("<title>{t}</title>{rest}"));
        } else {
            if i > 0 {
                out.push_str("<title>");
            }
            out.push_str(part);
        }
    }
    let items = tagged(&cfg, feed::parse_feed(out.as_bytes(), "DCR", None).unwrap());
    for title in ["Garmin inReach Satellite messenger review", "Elite trainers: a lite guide", "Apple's CPOs"]
    {
        let n = items.iter().find(|n| n.title == title).unwrap_or_else(|| panic!("{title} not parsed"));
        assert!(n.tickers.is_empty(), "{title}: {:?}", n.tickers);
        assert!(n.catalysts.is_empty(), "{title}: {:?}", n.catalysts);
    }
    // Upper-case ticker and company aliases still hit.
    let mut probe = vec![news("x", "LITE and Sivers rally after Coherent Corp. update", 1)];
    probe = tagged(&cfg, probe);
    assert_eq!(probe[0].tickers, ["SIVE", "LITE", "COHR"]);
}

fn with_news(items: Vec<NewsItem>) -> State {
    let cfg = common::config();
    let mut s = common::state();
    deliver(&mut s, SourceId::Feed(0), Payload::News(tagged(&cfg, items)));
    s
}

#[test]
fn catalysts_count_their_evidence_and_mark_it_new_until_shown() {
    let mut s = with_news(vec![
        news("a", "Nvidia bets on co-packaged optics", 2),
        news("b", "CPO shipments start", 5),
        news("c", "Satellite lite news", 1),
        news("d", "Investors say valuations stretched", 3),
    ]);
    let ev = s.evidence().get(chokepoint::evidence::Kind::Catalyst, "cpo-adoption");
    assert_eq!(ev.count, 2);
    let screen_before = screen(&s, 120, 40);
    assert!(screen_before.contains("● CPO adoption accelerates  2 news  new evidence"), "{screen_before}");

    // Enter on the catalyst: its news, and the mark goes.
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Top]);
    let fx = update(&mut s, Action::OpenLink);
    assert_eq!(s.focus(), Pane::News);
    assert_eq!(s.filter().input.value(), "c:cpo-adoption");
    assert_eq!(s.filter().visible.len(), 2);
    assert!(recorded(&fx).iter().any(|c| matches!(c, Change::Seen { key, .. } if key == "c:cpo-adoption")));
    let after = screen(&s, 120, 40);
    assert!(after.contains("[ ] CPO adoption accelerates  in window  2 news "), "{after}");
    assert!(!after.contains("CPO adoption accelerates  in window  2 news  new evidence"), "{after}");

    // A newer matching headline brings the mark back.
    let later = s.now() + chrono::TimeDelta::hours(1);
    update(&mut s, Action::Tick(later));
    let cfg = common::config();
    let newer = vec![news("e", "Broadcom ships co-packaged optics switch", 0)];
    let mut newer = tagged(&cfg, newer);
    newer[0].published = Some(s.now());
    deliver(&mut s, SourceId::Feed(0), Payload::News(newer));
    assert!(screen(&s, 120, 40).contains("● CPO adoption accelerates  3 news  new evidence"));

    // Risks: Enter filters by r:ID.
    apply(&mut s, [Action::FilterCancel, Action::Focus(Pane::Risks), Action::Top]);
    update(&mut s, Action::OpenLink);
    assert_eq!(s.filter().input.value(), "r:valuation");
    assert_eq!(s.filter().visible.len(), 1);
}

#[test]
fn a_done_catalyst_is_not_marked_new() {
    let mut s = with_news(vec![news("a", "Nvidia bets on co-packaged optics", 2)]);
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Top, Action::ToggleCatalyst]);
    let text = screen(&s, 120, 40);
    assert!(text.contains("[x] CPO adoption accelerates  hit 2026-11-23  1 news"), "{text}");
    assert!(!text.contains("new evidence"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Timeline notes
// ---------------------------------------------------------------------------------------------

fn type_note(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Action::NoteEdit(InputRequest::InsertChar(c)));
    }
}

#[test]
fn a_note_goes_on_the_last_change_shows_and_undoes() {
    let mut s = common::state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::Move(1)]);
    // No change yet: nothing to note.
    update(&mut s, Action::NoteStart);
    assert!(s.note().is_none());
    assert!(s.notices().last().unwrap().text.contains("toggle it first"));

    update(&mut s, Action::ToggleCatalyst);
    update(&mut s, Action::NoteStart);
    assert_eq!(s.mode(), chokepoint::keymap::Mode::NoteEdit);
    type_note(&mut s, "AMD 8-K\u{1b}[31m filed\u{202e}");
    assert!(screen(&s, 120, 40).contains("note for amd-lta (Enter saves, Esc cancels): AMD 8-K[31m filed"));
    let fx = update(&mut s, Action::NoteAccept);
    let rec = &s.user().catalysts["amd-lta"];
    assert_eq!(rec.history.last().unwrap().note.as_deref(), Some("AMD 8-K[31m filed"));
    assert!(matches!(&entries(&fx)[..], [e] if e.note.as_deref() == Some("AMD 8-K[31m filed")));
    let text = screen(&s, 120, 40);
    assert!(text.contains("amd-lta: hit 2026-11-23 14:00 tui “AMD 8-K[31m filed”"), "{text}");

    // Undo takes the note back off; a second undo reverts the toggle.
    update(&mut s, Action::Undo);
    assert_eq!(s.user().catalysts["amd-lta"].history.last().unwrap().note, None);
    assert!(s.user().catalysts["amd-lta"].done);
    update(&mut s, Action::Undo);
    assert!(!s.catalyst_done("amd-lta"));

    // Esc drops a draft.
    update(&mut s, Action::ToggleCatalyst);
    update(&mut s, Action::NoteStart);
    type_note(&mut s, "draft");
    update(&mut s, Action::NoteCancel);
    assert!(s.note().is_none());
    assert_eq!(s.user().catalysts["amd-lta"].history.last().unwrap().note, None);
}

#[test]
fn notes_are_capped_and_the_cli_takes_one_too() {
    let mut s = common::state();
    apply(&mut s, [Action::Focus(Pane::Catalysts), Action::ToggleCatalyst, Action::NoteStart]);
    type_note(&mut s, &"x".repeat(500));
    update(&mut s, Action::NoteAccept);
    assert_eq!(
        s.user().catalysts["cpo-adoption"].history[0].note.as_ref().map(|n| n.chars().count()),
        Some(200)
    );

    let home = tempfile::tempdir().unwrap();
    let out = common::chokepoint_cmd(home.path())
        .args(["--demo", "catalyst", "done", "luxnet-volume", "--note", "first volume PO\u{7}"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = chokepoint::db::Db::open(&home.path().join("data/chokepoint/demo.db")).unwrap().db;
    let user = db.load_user().unwrap();
    let last = user.catalysts["luxnet-volume"].history.last().unwrap();
    assert_eq!((last.by.as_str(), last.note.as_deref()), ("cli", Some("first volume PO")));
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

const ALERTS: &str = r#"
[[alerts]]
ticker = "AAOI"
move_pct = 8

[[alerts]]
ticker = "lite"
above = 140

[[alerts]]
catalyst = "cpo-adoption"
"#;

/// The example thesis (its own alerts included) plus `ALERTS`.
fn alert_config(bell: bool) -> Config {
    let base =
        config::EXAMPLE.split("[keys]").next().unwrap().replace("bell = true", &format!("bell = {bell}"));
    let text = format!("{base}{ALERTS}");
    config::parse(&text, "alerts.toml").unwrap_or_else(|e| panic!("{e:?}"))
}

fn quote(symbol: &str, price: f64, pct: f64) -> Quote {
    Quote {
        symbol: symbol.into(),
        provider_symbol: symbol.into(),
        price,
        previous_close: None,
        change: Some(pct),
        change_pct: Some(pct),
        currency: "USD".into(),
        exchange: "NMS".into(),
        market_state: MarketState::Regular,
        day_high: None,
        day_low: None,
        volume: None,
        series: vec![],
        as_of: now(),
        source: "test".into(),
        extended: None,
    }
}

#[test]
fn alerts_fire_ring_once_list_and_acknowledge() {
    let cfg = alert_config(true);
    let mut s = State::new(&cfg, UserState::default(), now(), false);
    let fx = deliver(
        &mut s,
        SourceId::Quote(0),
        Payload::Quotes(vec![quote("AAOI", 30.0, -9.3), quote("LITE", 139.0, 1.0)]),
    );
    assert_eq!(s.user().alerts.len(), 1);
    assert_eq!(fx.iter().filter(|e| **e == Effect::Bell).count(), 1, "{fx:?}");
    assert_eq!(recorded(&fx).iter().filter(|c| matches!(c, Change::Fired(_))).count(), 1, "{fx:?}");

    // LITE crosses 140; AAOI's move is the same event as before.
    let later = s.now() + chrono::TimeDelta::minutes(1);
    update(&mut s, Action::Tick(later));
    let fx = deliver(
        &mut s,
        SourceId::Quote(0),
        Payload::Quotes(vec![quote("AAOI", 29.0, -10.0), quote("LITE", 141.0, 2.0)]),
    );
    assert_eq!(s.user().alerts.len(), 2);
    assert_eq!(fx.iter().filter(|e| **e == Effect::Bell).count(), 1);
    let fx = deliver(
        &mut s,
        SourceId::Quote(0),
        Payload::Quotes(vec![quote("AAOI", 29.0, -10.0), quote("LITE", 142.0, 2.0)]),
    );
    assert!(!fx.contains(&Effect::Bell), "nothing new, no bell");

    // A matching headline.
    let items = tagged(&cfg, vec![news("h1", "TSMC: co-packaged optics in volume", 1)]);
    deliver(&mut s, SourceId::Feed(0), Payload::News(items));
    assert_eq!(s.user().alerts.len(), 3);

    // The rows are flagged, the header counts, the list shows newest first.
    let text = screen(&s, 160, 45);
    assert!(text.contains("⚑ 3 alerts (a)"), "{text}");
    assert!(text.contains("⚑ ● CPO adoption accelerates") || text.contains("⚑ CPO adoption"), "{text}");
    update(&mut s, Action::ToggleAlerts);
    let text = screen(&s, 160, 45);
    let first = text.find("c:cpo-adoption: TSMC").unwrap();
    let last = text.find("AAOI moved -9.3% today").unwrap();
    assert!(first < last, "{text}");

    // x acknowledges the selected (newest) one, X the rest; they stay remembered.
    let fx = update(&mut s, Action::AckAlert);
    assert_eq!(s.user().alerts.len(), 2);
    assert!(s.user().alerts.iter().all(|a| !a.text.contains("TSMC")));
    assert!(matches!(&recorded(&fx)[..], [Change::Acked { keys, .. }] if keys.len() == 1));
    update(&mut s, Action::AckAllAlerts);
    assert!(s.user().alerts.is_empty());
    assert_eq!(s.user().alert_keys.len(), 3);
    update(&mut s, Action::ToggleAlerts);
    assert!(!screen(&s, 160, 45).contains("alerts (a)"));
}

#[test]
fn alerts_do_not_fire_again_after_a_restart() {
    let cfg = alert_config(true);
    let mut s = State::new(&cfg, UserState::default(), now(), false);
    let items = tagged(&cfg, vec![news("h1", "TSMC: co-packaged optics in volume", 1)]);
    let mut recorded_so_far = recorded(&deliver(
        &mut s,
        SourceId::Quote(0),
        Payload::Quotes(vec![quote("AAOI", 30.0, -9.3), quote("LITE", 139.0, 1.0)]),
    ));
    recorded_so_far.extend(recorded(&deliver(
        &mut s,
        SourceId::Quote(0),
        Payload::Quotes(vec![quote("AAOI", 30.0, -9.3), quote("LITE", 141.0, 1.0)]),
    )));
    recorded_so_far.extend(recorded(&deliver(&mut s, SourceId::Feed(0), Payload::News(items.clone()))));
    assert_eq!(s.user().alerts.len(), 3);
    let fired = s.user().alerts.clone();

    // Through the store, as a restart does it: what was recorded, written and read back.
    let dir = tempfile::tempdir().unwrap();
    let mut db = chokepoint::db::Db::open(&dir.path().join("chokepoint.db")).unwrap().db;
    db.record(&recorded_so_far).unwrap();
    let user = db.load_user().unwrap();
    assert_eq!(user.alert_keys, s.user().alert_keys);
    let mut again = State::new(&cfg, user, now(), false);
    let fx = deliver(
        &mut again,
        SourceId::Quote(0),
        Payload::Quotes(vec![quote("AAOI", 30.0, -9.6), quote("LITE", 141.5, 1.0)]),
    );
    let fx2 = deliver(&mut again, SourceId::Feed(0), Payload::News(items));
    assert_eq!(again.user().alerts, fired, "unacknowledged alerts survive, nothing new fired");
    assert!(!fx.contains(&Effect::Bell) && !fx2.contains(&Effect::Bell));
}

#[test]
fn the_bell_can_be_turned_off() {
    let cfg = alert_config(false);
    let mut s = State::new(&cfg, UserState::default(), now(), false);
    let fx = deliver(&mut s, SourceId::Quote(0), Payload::Quotes(vec![quote("AAOI", 30.0, -9.3)]));
    assert_eq!(s.user().alerts.len(), 1);
    assert!(!fx.contains(&Effect::Bell));
}

#[test]
fn bad_alerts_are_config_errors_with_positions() {
    let base = config::EXAMPLE.split("[keys]").next().unwrap().to_string();
    let lines = base.lines().count();
    for (alert, message) in [
        ("[[alerts]]\nticker = \"NVDA\"\nmove_pct = 5\n", "alert: unknown ticker `NVDA`"),
        ("[[alerts]]\nticker = \"AAOI\"\nmove_pct = 5\nabove = 3\n", "give exactly one of"),
        ("[[alerts]]\nmove_pct = 5\n", "alert: move_pct needs a ticker"),
        ("[[alerts]]\nticker = \"AAOI\"\nbelow = -1\n", "below must be a positive number"),
        ("[[alerts]]\ncatalyst = \"nope\"\n", "alert: unknown catalyst `nope`"),
        ("[[alerts]]\nrisk = \"lpo\"\nticker = \"AAOI\"\n", "takes no ticker"),
        ("[[alerts]]\nticker = \"AAOI\"\nmove_pcts = 5\n", "unknown field `move_pcts`"),
    ] {
        let errors = config::parse(&format!("{base}{alert}"), "a.toml").expect_err(alert);
        let e = &errors[0];
        assert!(e.message.contains(message), "{alert}: {e}");
        assert!(e.line > lines, "{alert}: the error points into the alert, not line {}", e.line);
    }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

fn run(home: &std::path::Path, args: &[&str]) -> String {
    let out = common::chokepoint_cmd(home).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn report_in_markdown_and_json() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    run(h, &["--demo", "catalyst", "done", "amd-lta", "--note", "8-K filed | see [link](x)"]);
    run(h, &["--demo", "risk", "level", "lpo", "elevated"]);

    let md = run(h, &["--demo", "report"]);
    for section in [
        "# CW-laser / co-packaged optics thesis",
        "## Quotes",
        "## Catalysts (3/7 hit)", // with the demo's two recorded hits
        "## Risks",
        "## Newest 20 headlines",
    ] {
        assert!(md.contains(section), "{section} missing:\n{md}");
    }
    assert!(md.contains("**Recorded sample data, not live.**"));
    assert!(
        md.contains("| AAOI | Applied Optoelectronics | 30.05 | -3.07 | -9.27% | USD | closed |"),
        "{md}"
    );
    let amd = md
        .lines()
        .position(|l| l.starts_with("- [x] **AMD long-term supply agreement lands** (`amd-lta`, hit "))
        .expect(&md);
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[amd + 1], "  - note: 8-K filed \\| see \\[link\\](x)");
    // Hit just now: no session has closed since, so no reaction yet.
    assert_eq!(lines[amd + 2], "  - since the hit: no session has closed since");
    assert!(
        lines[amd + 3].contains(
            "[AMD long-term supply agreement: what it locks in for laser vendors](https://example.com/"
        ),
        "{}",
        lines[amd + 3]
    );
    assert!(
        md.contains("- **elevated**: LPO cuts demand for high-power CW lasers (`lpo`), 3 linked headlines"),
        "{md}"
    );
    let newest = md.split("## Newest 20 headlines").nth(1).unwrap();
    assert_eq!(newest.lines().filter(|l| l.starts_with("- ")).count(), 20);
    assert!(!md.chars().any(|c| c.is_control() && c != '\n'), "no control characters");

    let json: serde_json::Value =
        serde_json::from_str(&run(h, &["--demo", "report", "--format", "json"])).unwrap();
    assert_eq!(json["catalysts_hit"], 3);
    let amd = json["catalysts"].as_array().unwrap().iter().find(|c| c["id"] == "amd-lta").unwrap();
    assert_eq!(amd["done"], true);
    assert_eq!(amd["changes"][0]["note"], "8-K filed | see [link](x)");
    assert_eq!(amd["changes"][0]["by"], "cli");
    for c in json["catalysts"].as_array().unwrap() {
        assert!(c["evidence"].as_array().unwrap().len() <= 3);
        assert!(c["evidence_count"].as_u64().unwrap() >= c["evidence"].as_array().unwrap().len() as u64);
    }
    assert_eq!(
        json["risks"].as_array().unwrap().iter().find(|r| r["id"] == "lpo").unwrap()["level"],
        "elevated"
    );
    assert_eq!(json["headlines"].as_array().unwrap().len(), 20);
    assert_eq!(json["quotes"].as_array().unwrap().len(), 5);
}
