//! A simulated 24-hour session with an injected clock: 1,440 minutes of ticks, scheduled refreshes,
//! quote and feed answers (some failing, some late, some duplicated), and a user who toggles,
//! undoes, filters and opens links. Afterwards every collection is bounded, every index is valid,
//! no source is stuck, and nothing was marked read that was not opened.

mod common;

use chokepoint::action::{Action, Loaded, Pane, Payload, SourceId};
use chokepoint::cache::Cache;
use chokepoint::config::{self, Config};
use chokepoint::domain::{FetchStatus, MarketState, NewsItem, Quote, UserState};
use chokepoint::effect::Effect;
use chokepoint::state::{Level, State};
use chokepoint::tagging::Tagger;
use chokepoint::update::{notify, update};
use chrono::{DateTime, Duration, Timelike, Utc};
use common::now;
use ratatui::{Terminal, backend::TestBackend};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use tui_input::InputRequest;

const MINUTES: i64 = 1_440;

/// A fetch the simulated network has not answered yet.
struct InFlight {
    source: SourceId,
    req_id: u64,
    due: DateTime<Utc>,
}

struct Sim {
    state: State,
    cfg: Config,
    tagger: Tagger,
    rng: fastrand::Rng,
    now: DateTime<Utc>,
    in_flight: Vec<InFlight>,
    /// (due, source, generation)
    timers: Vec<(DateTime<Utc>, SourceId, u64)>,
    /// Every item delivered so far, per feed (for duplicates).
    delivered: Vec<Vec<NewsItem>>,
    next_item: u64,
    prices: HashMap<String, f64>,
    /// Ids whose link was actually opened (an `OpenUrl` came out).
    opened: BTreeSet<String>,
    answered: BTreeMap<SourceId, (u32, DateTime<Utc>)>,
    saves: u32,
    /// What the store holds: every change written, applied in order.
    stored: chokepoint::domain::UserState,
    /// The store fails every write while set (a full disk), keeping them to write later.
    disk_full: bool,
    unwritten: Vec<(u64, Vec<chokepoint::journal::Change>)>,
    /// Feeds whose server refuses every connection all day.
    dead: Vec<bool>,
    /// New stories per healthy feed answer.
    batch: u64,
}

impl Sim {
    fn new(cfg: Config, seed: u64, live_feeds: &[usize], batch: u64) -> Sim {
        let start = now();
        let mut state = State::new(&cfg, UserState::default(), start, false);
        // What the runtime does with the store's notices at start.
        notify(&mut state, Level::Warn, "state.json could not be read; moved it aside".into(), true);
        let tagger = Tagger::new(&cfg.tickers, &cfg.catalysts, &cfg.risks);
        let prices =
            cfg.tickers.iter().enumerate().map(|(i, t)| (t.symbol.clone(), 10.0 + 25.0 * i as f64)).collect();
        let feeds = cfg.feeds.len();
        Sim {
            state,
            cfg,
            tagger,
            rng: fastrand::Rng::with_seed(seed),
            now: start,
            in_flight: Vec::new(),
            timers: Vec::new(),
            delivered: vec![Vec::new(); feeds],
            next_item: 0,
            prices,
            opened: BTreeSet::new(),
            answered: BTreeMap::new(),
            saves: 0,
            stored: chokepoint::domain::UserState::default(),
            disk_full: false,
            unwritten: Vec::new(),
            dead: (0..feeds).map(|i| !live_feeds.contains(&i)).collect(),
            batch,
        }
    }

    fn act(&mut self, action: Action) {
        let fx = update(&mut self.state, action);
        self.perform(fx);
    }

    fn perform(&mut self, fx: Vec<Effect>) {
        for effect in fx {
            match effect {
                Effect::Fetch { source, req_id, .. } => {
                    // Most answers come within the minute; some take a few minutes.
                    let late = if self.rng.u8(0..10) == 0 { self.rng.i64(1..=3) } else { 0 };
                    self.in_flight.push(InFlight { source, req_id, due: self.now + Duration::minutes(late) });
                }
                Effect::Schedule { source, after, generation } => {
                    let after = Duration::from_std(after).unwrap();
                    assert!(after > Duration::zero() && after <= Duration::hours(1), "{source:?}: {after}");
                    self.timers.push((self.now + after, source, generation));
                }
                Effect::Record { seq, changes } => {
                    self.saves += 1;
                    self.unwritten.push((seq, changes));
                    self.write();
                }
                Effect::Archive { .. }
                | Effect::StoreQuotes(_)
                | Effect::StoreFx(_)
                | Effect::Notify { .. }
                | Effect::Copy(_)
                | Effect::Search { .. }
                | Effect::ReadText { .. }
                | Effect::Bell => {}
                // A detail view opened by Enter on a ticker: its series is not simulated.
                Effect::LoadSeries { .. }
                | Effect::FetchSeries { .. }
                | Effect::StoreSeries(_)
                | Effect::ScheduleSeries { .. } => {}
                Effect::OpenUrl(url) => {
                    let id = self.state.selected_news().map(|n| n.id.clone()).expect("a selected item");
                    assert_eq!(self.state.selected_news().unwrap().link, url);
                    self.opened.insert(id);
                }
                Effect::Quit => panic!("nothing asked to quit"),
            }
        }
    }

    /// The store thread: writes what waits unless the disk is full, and says so.
    fn write(&mut self) {
        let Some(&(through, _)) = self.unwritten.last() else { return };
        if self.disk_full {
            self.act(Action::Stored { through: 0, error: Some("the disk is full".into()) });
            return;
        }
        for (_, changes) in std::mem::take(&mut self.unwritten) {
            changes.iter().for_each(|c| self.stored.apply(c));
        }
        self.act(Action::Stored { through, error: None });
    }

    fn trading(&self) -> bool {
        let minutes = self.now.hour() * 60 + self.now.minute();
        (14 * 60 + 30..21 * 60).contains(&minutes)
    }

    /// Ticker `i`'s answer: now and then its sources fail it, or the whole request times out.
    fn quote(&mut self, i: usize) -> Loaded {
        let trading = self.trading();
        let t = self.cfg.tickers[i].clone();
        if self.rng.u8(0..10) == 0 {
            let mut l =
                self.loaded(SourceId::Quote(i), Err("yahoo: HTTP 500; nasdaq: HTTP 503".into()), None, None);
            l.attempts = ["yahoo", "nasdaq"]
                .iter()
                .map(|s| chokepoint::action::Attempt {
                    source: (*s).into(),
                    error: Some("HTTP 500".into()),
                    retry_after: None,
                })
                .collect();
            return l;
        }
        if self.rng.u8(0..30) == 0 {
            return self.loaded(SourceId::Quote(i), Err("yahoo: timed out after 15s".into()), None, None);
        }
        let p = self.prices.get_mut(&t.symbol).unwrap();
        if trading {
            *p *= 1.0 + (self.rng.f64() - 0.5) / 50.0;
        }
        let price = *p;
        let prev = price * 0.97;
        let quote = Quote {
            symbol: t.symbol.clone(),
            provider_symbol: t.provider().to_string(),
            price,
            previous_close: Some(prev),
            change: Some(price - prev),
            change_pct: Some((price - prev) / prev * 100.0),
            currency: t.currency.clone(),
            exchange: "NMS".into(),
            market_state: if trading { MarketState::Regular } else { MarketState::Closed },
            day_high: Some(price * 1.01),
            day_low: Some(price * 0.99),
            volume: Some(1_000 + self.rng.u64(0..100_000)),
            series: (0..78).map(|k| price + f64::from(k % 7)).collect(),
            as_of: self.now,
            source: "yahoo".into(),
            extended: None,
        };
        self.loaded(SourceId::Quote(i), Ok(Payload::Quotes(vec![quote])), None, None)
    }

    /// A feed's answer; `current` answers are the ones the app will apply.
    fn news(&mut self, feed: usize, current: bool) -> Loaded {
        if self.dead[feed] {
            return self.loaded(SourceId::Feed(feed), Err("connection refused".into()), None, None);
        }
        if self.rng.u8(0..20) == 0 {
            let retry = Some(std::time::Duration::from_secs(120));
            return self.loaded(SourceId::Feed(feed), Err("HTTP 503 (retry after 2m)".into()), None, retry);
        }
        let words =
            ["CPO laser order", "Sugar Land fab", "LPO threat", "AMD supply agreement", "InP shortage"];
        let mut items = Vec::new();
        for _ in 0..self.batch {
            self.next_item += 1;
            let n = self.next_item;
            let word = words[self.rng.usize(0..words.len())];
            let mut item = NewsItem {
                id: format!("f{feed}-{n}"),
                title: format!("Story {n} from feed {feed}: {word}"),
                link: format!("https://news.example/{feed}/{n}"),
                source: format!("Wire {}", feed % 3),
                text: None,
                published: (!n.is_multiple_of(23))
                    .then(|| self.now - Duration::minutes(self.rng.i64(0..180))),
                tickers: Vec::new(),
                catalysts: Vec::new(),
                risks: Vec::new(),
            };
            self.tagger.tag(&mut item);
            items.push(item);
        }
        // Old stories again: same id, or the same link under a new id, or the same title.
        let old = &self.delivered[feed];
        for k in 0..3 {
            if old.is_empty() {
                break;
            }
            let mut dup = old[self.rng.usize(0..old.len())].clone();
            match k {
                0 => {}
                1 => dup.id = format!("{}-again", dup.id),
                _ => {
                    dup.id = format!("{}-retitled", dup.id);
                    dup.link = format!("{}?utm=1", dup.link);
                }
            }
            items.push(dup);
        }
        if current {
            self.delivered[feed].extend(items.iter().take(self.batch as usize).cloned());
        }
        self.loaded(SourceId::Feed(feed), Ok(Payload::News(items)), None, None)
    }

    fn loaded(
        &mut self,
        source: SourceId,
        result: Result<Payload, String>,
        partial_error: Option<String>,
        retry_after: Option<std::time::Duration>,
    ) -> Loaded {
        Loaded {
            source,
            req_id: 0,
            result: result.map_err(Into::into),
            partial_error: partial_error.map(Into::into),
            at: self.now,
            retry_after,
            attempts: Vec::new(),
            jitter: self.rng.f64(),
        }
    }

    /// Answers every in-flight fetch that is due (all of them with `all`).
    fn answer(&mut self, all: bool) {
        let now = self.now;
        let (due, rest): (Vec<_>, Vec<_>) = self.in_flight.drain(..).partition(|f| all || f.due <= now);
        self.in_flight = rest;
        for f in due {
            let current =
                self.state.sources().iter().find(|s| s.id == f.source).unwrap().pending == Some(f.req_id);
            let mut loaded = match f.source {
                SourceId::Quote(i) => self.quote(i),
                SourceId::Feed(i) => self.news(i, current),
                SourceId::Fx => unreachable!("no lot is held: the FX source is never added"),
            };
            loaded.req_id = f.req_id;
            if current {
                let e = self.answered.entry(f.source).or_insert((0, now));
                *e = (e.0 + 1, now);
            }
            self.act(Action::Loaded(loaded));
        }
    }

    fn fire_timers(&mut self) {
        let now = self.now;
        let (due, rest): (Vec<_>, Vec<_>) = self.timers.drain(..).partition(|(t, _, _)| *t <= now);
        self.timers = rest;
        for (_, source, generation) in due {
            self.act(Action::RefreshDue(source, generation));
        }
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.act(Action::FilterEdit(InputRequest::InsertChar(c)));
        }
    }

    /// What a user does during minute `m`.
    fn user(&mut self, m: i64) {
        let r = self.rng.i32(-3..=3);
        if m % 7 == 3 {
            self.act(Action::Focus(Pane::Catalysts));
            self.act(Action::Move(r));
            self.act(Action::ToggleCatalyst);
        }
        if m % 11 == 5 {
            self.act(Action::Focus(Pane::Risks));
            self.act(Action::Move(r));
            self.act(Action::CycleRisk);
        }
        if m % 13 == 0 {
            self.act(Action::Undo);
        }
        if m % 5 == 1 {
            self.act(Action::Focus(Pane::News));
            if self.rng.bool() {
                self.act(Action::Top);
            }
            let r = self.rng.i32(0..8);
            self.act(Action::Move(r));
            self.act(Action::BrowseLink);
        }
        if m % 17 == 2 {
            self.act(Action::FilterStart);
            let queries =
                ["laser", "$AAOI", "c:cpo-adoption", "src:wire -lpo", "/bad(", "since:1h", "story 1"];
            let q = queries[self.rng.usize(0..queries.len())];
            self.type_text(q);
            if self.rng.bool() {
                self.act(Action::FilterEdit(InputRequest::DeletePrevChar));
            }
            match self.rng.u8(0..3) {
                0 => self.act(Action::FilterCancel),
                _ => self.act(Action::FilterAccept),
            }
            if self.state.filter().editing {
                self.act(Action::FilterCancel);
            }
        }
        if m % 19 == 4 {
            self.act(Action::Focus(Pane::Tickers));
            self.act(Action::Move(r));
            self.act(Action::FilterBySelection);
        }
        if m % 31 == 6 {
            self.act(Action::RefreshAll);
        }
        if m % 37 == 8 {
            self.act(Action::ToggleHelp);
            let r = self.rng.i32(-5..40);
            self.act(Action::HelpScroll(r));
            self.act(Action::ToggleHelp);
            self.act(Action::ToggleSources);
            self.act(Action::ToggleSources);
        }
        if m % 43 == 9 {
            let (w, h) = [(120, 40), (40, 12), (200, 60), (80, 24)][self.rng.usize(0..4)];
            self.act(Action::Resize(w, h));
        }
        if m % 47 == 10 {
            // The disk fills up for a while: changes are kept, marked unsaved, written after.
            self.disk_full = !self.disk_full;
            self.write();
            self.act(Action::OpenFailed("no browser".into()));
        }
        if m % 59 == 11 {
            self.act(Action::DismissNotices);
            notify(&mut self.state, Level::Warn, format!("sticky notice at minute {m}"), true);
        }
        if m % 97 == 12 {
            // A cache restore arriving late is ignored once live data is there.
            let cache = Cache { version: Cache::VERSION, saved_at: Some(self.now), ..Cache::default() };
            self.act(Action::Restore(cache));
        }
        if m % 3 == 0 {
            let r = self.rng.usize(0..4);
            self.act(Action::Focus(Pane::ALL[r]));
            let r = self.rng.i32(-2..=2);
            self.act(Action::Page(r));
        }
    }

    fn render(&self) {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|f| chokepoint::ui::render(&self.state, f)).unwrap();
    }
}

/// Runs the day and checks every invariant; returns the simulation for extra checks.
fn run_day(cfg: Config, seed: u64, live_feeds: &[usize], batch: u64) -> Sim {
    let start = now();
    let mut sim = Sim::new(cfg, seed, live_feeds, batch);
    sim.act(Action::Resize(120, 40));
    sim.act(Action::RefreshAll);
    let mut rev = sim.state.rev();
    for m in 0..MINUTES {
        sim.now = start + Duration::minutes(m);
        sim.act(Action::Tick(sim.now));
        sim.fire_timers();
        sim.user(m);
        sim.answer(false);
        assert!(sim.state.rev() >= rev, "minute {m}: the revision went backwards");
        rev = sim.state.rev();
        check_indices(&sim.state, m);
        if m % 120 == 0 {
            sim.render();
        }
    }
    // The network answers everything still out; no new fetches are started (timers not fired).
    sim.answer(true);
    sim.render();
    sim
}

fn check_indices(s: &State, m: i64) {
    let v = &s.filter().visible;
    assert!(v.len() <= s.news().len(), "minute {m}: {} visible of {}", v.len(), s.news().len());
    assert!(v.windows(2).all(|w| w[0] < w[1]), "minute {m}: visible not in order");
    assert!(v.last().is_none_or(|&i| i < s.news().len()), "minute {m}: visible index out of range");
    for pane in Pane::ALL {
        assert!(
            s.selected(pane) < s.rows(pane).max(1),
            "minute {m}: {pane:?} selection {} of {} rows",
            s.selected(pane),
            s.rows(pane)
        );
    }
}

fn check_end(sim: &mut Sim) {
    let s = &sim.state;
    let cap = s.history_cap();
    assert_eq!(s.now(), now() + Duration::minutes(MINUTES - 1));
    // Far more unique stories than the cap were delivered: the history is full, never over.
    assert!(sim.next_item as usize > cap + 500, "the run delivered only {} stories", sim.next_item);
    assert_eq!(s.news().len(), cap, "news history");
    let ids: HashSet<&str> = s.news().iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), s.news().len(), "duplicate ids kept");
    let links: HashSet<&str> = s.news().iter().map(|n| n.link.as_str()).collect();
    assert_eq!(links.len(), s.news().len(), "duplicate links kept");
    assert!(
        s.news().windows(2).all(|w| match (w[0].published, w[1].published) {
            (Some(a), Some(b)) => a >= b,
            (None, Some(_)) => false,
            _ => true,
        }),
        "news not newest first"
    );
    // The cap drops the oldest: the newest story of the day is kept.
    let newest = sim.delivered.iter().flatten().filter_map(|n| n.published).max().unwrap();
    assert_eq!(s.news()[0].published, Some(newest));
    check_indices(s, MINUTES);
    // Notices: at most 20 transient, plus the sticky ones since the last dismissal.
    let transient = s.notices().iter().filter(|n| !n.sticky).count();
    assert!(transient <= 20, "{transient} transient notices");
    assert!(s.notices().len() <= 40, "{} notices", s.notices().len());
    assert!(s.undo().len() <= 100, "{} undo steps", s.undo().len());
    let tickers: BTreeSet<&str> = sim.cfg.tickers.iter().map(|t| t.symbol.as_str()).collect();
    for sym in s.quote_errors().keys() {
        assert!(tickers.contains(sym.as_str()), "quote error for an unknown ticker {sym}");
    }
    assert!(s.quotes().keys().all(|k| tickers.contains(k.as_str())), "{:?}", s.quotes().keys());
    assert_eq!(s.sources().len(), sim.cfg.tickers.len() + sim.cfg.feeds.len(), "sources");
    for src in s.sources() {
        assert_eq!(src.pending, None, "{} still waits for an answer", src.name);
    }
    // Nothing marked read that was not opened, and everything opened that is still in the history
    // is marked: marks of headlines pushed out of the full history are pruned with them.
    assert!(!sim.opened.is_empty(), "the user opened links");
    assert_eq!(s.user().read, sim.opened, "read marks vs links opened");
    assert!(sim.saves > 0);
    // Once the disk has room again, what the store holds is what the screen shows.
    sim.disk_full = false;
    sim.write();
    assert!(sim.state.pending().is_empty() && sim.state.save_error().is_none());
    let (shown, stored) = (sim.state.user(), &sim.stored);
    assert_eq!(shown.catalysts, stored.catalysts);
    assert_eq!(shown.risks, stored.risks);
    assert_eq!(shown.read, stored.read);
    assert_eq!(shown.evidence_seen, stored.evidence_seen);
    assert_eq!(shown.alerts, stored.alerts);
    assert_eq!(shown.alert_keys, stored.alert_keys);
    assert_eq!(shown.level_sides, stored.level_sides);
    let s = &sim.state;
    // No source stalled: each kept being fetched all day, up to the end.
    let end = s.now();
    for src in s.sources() {
        let (count, last) = sim.answered.get(&src.id).copied().unwrap_or((0, now()));
        let (min, within) = match src.id {
            SourceId::Quote(_) => (300, Duration::minutes(20)),
            SourceId::Feed(_) => (150, Duration::minutes(30)),
            SourceId::Fx => unreachable!("no lot is held: the FX source is never added"),
        };
        assert!(count >= min, "{} answered only {count} times in a day", src.name);
        assert!(end - last <= within, "{} last answered at {last}, the day ended at {end}", src.name);
    }
    // Every pending timer is a real, near-future refresh: nothing piles up.
    assert!(sim.timers.len() <= 4 * s.sources().len(), "{} timers pending", sim.timers.len());
}

/// The default cap (5,000). Every news answer merges into the whole history, about 30 ms at 5,000
/// items in a debug build, so with all ten feeds healthy the day takes over 90 s here; one feed
/// delivers (22 new stories each time, enough to fill the cap by evening) while the other nine
/// refuse every connection all day, which also keeps the backoff path busy.
#[test]
fn a_simulated_day_at_the_default_cap_with_most_feeds_down() {
    let cfg = common::config();
    assert_eq!(cfg.feeds.len(), 10);
    let mut sim = run_day(cfg, 0xda7, &[3], 22);
    assert_eq!(sim.state.history_cap(), 5_000);
    check_end(&mut sim);
    for (i, dead) in sim.dead.iter().enumerate() {
        let src = &sim.state.sources()[i + sim.cfg.tickers.len()];
        assert_eq!(matches!(src.status, FetchStatus::Error { .. }), *dead, "{}: {:?}", src.name, src.status);
        if *dead {
            assert!(src.failures > 200, "{}: {} failures in a row", src.name, src.failures);
            assert!(src.retry_at.is_some(), "{}: a retry is planned", src.name);
        }
    }
}

/// A small cap (500) with every feed of the example config healthy (10 new stories per answer).
#[test]
fn a_simulated_day_with_a_small_history_cap() {
    let text = config::EXAMPLE.replace("history_cap = 5000", "history_cap = 500");
    assert_ne!(text, config::EXAMPLE, "the example config sets history_cap");
    let cfg = config::parse(&text, "small-cap.toml").unwrap();
    assert_eq!(cfg.history_cap, 500);
    let all: Vec<usize> = (0..cfg.feeds.len()).collect();
    let mut sim = run_day(cfg, 0x5a11, &all, 10);
    check_end(&mut sim);
}
