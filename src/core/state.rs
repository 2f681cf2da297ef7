//! State: everything the screen shows. Only `update` changes it; `now` is stored, render never reads a clock.

use crate::core::action::{Pane, SourceId};
use crate::core::chart::{Series, Span};
use crate::core::domain::{FetchStatus, NewsItem, Quote, RiskLevel, ThesisItem, TickerSpec, UserState};
use crate::core::evidence;
use crate::core::filter::Query;
use crate::core::history::History;
use crate::core::keys::{Keymap, Mode};
use crate::core::settings::Config;
use chrono::{DateTime, FixedOffset, Offset, Utc};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tui_input::Input;

/// How long a transient warning or error stays on the status line.
pub const NOTICE_SECS: i64 = 15;
/// How long a transient confirmation ("undid …", "refreshing …") stays.
pub const INFO_SECS: i64 = 8;

/// Which clock times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    #[default]
    Utc,
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
    /// A named zone with its daylight-saving rules (the exchange zones).
    Named(chrono_tz::Tz),
    /// The machine's zone (`TZ`, `/etc/localtime`), as the TUI uses it.
    System,
}

/// Health of one data source, as the status line and panes show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceHealth {
    pub id: SourceId,
    pub name: String,
    pub status: FetchStatus,
    pub last_ok: Option<DateTime<Utc>>,
    /// The request whose answer we are waiting for; answers with another id are stale.
    pub pending: Option<u64>,
    pub every: Duration,
    /// Failures in a row, for the backoff; 0 after a success.
    pub failures: u32,
    /// When the next attempt after a failure is due, shown as "retry in 2m".
    pub retry_at: Option<DateTime<Utc>>,
    /// Generation of the pending refresh timer; older timers are ignored.
    pub schedule: u64,
    /// For a feed: the sources its last answer's headlines carry (what `src:` matches), most
    /// frequent first.
    pub publishers: Vec<String>,
    /// How many more publishers there are than `publishers` names.
    pub publishers_more: usize,
    /// What identifies it across restarts: a feed's URL, a ticker's symbol.
    pub key: String,
    /// When the pending request started (a stuck one is superseded by `r`).
    pub pending_at: Option<DateTime<Utc>>,
    /// For a ticker: each quote source in the order tried, with its own record for this ticker.
    pub via: Vec<SourceTry>,
}

/// One quote source's record for one ticker: a source that fails or rate-limits one ticker backs
/// off for that ticker alone, and the ticker's next fetch goes straight to the next source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTry {
    /// The source's registered name (`yahoo`).
    pub name: String,
    /// Failures in a row.
    pub failures: u32,
    /// Not asked again for this ticker before this (backoff, Retry-After, or once per refresh
    /// interval after a permanent error).
    pub not_before: Option<DateTime<Utc>>,
    /// The wait is the server's (Retry-After): the user's `r` keeps to it too.
    pub server_wait: bool,
    pub last_ok: Option<DateTime<Utc>>,
    /// The last failure, kept on screen until the source answers again.
    pub error: Option<crate::core::domain::SourceError>,
}

impl SourceTry {
    pub fn new(name: &str) -> SourceTry {
        SourceTry {
            name: name.to_string(),
            failures: 0,
            not_before: None,
            server_wait: false,
            last_ok: None,
            error: None,
        }
    }

    /// Whether it may be asked at `now` (by the user's `r` when `user`: only the server's own
    /// wait holds then).
    pub fn due(&self, now: DateTime<Utc>, user: bool) -> bool {
        match self.not_before {
            Some(t) if t > now => user && !self.server_wait,
            _ => true,
        }
    }
}

impl SourceHealth {
    /// A source not fetched yet, refreshed every `every`.
    pub(crate) fn new(id: SourceId, name: String, every: Duration) -> SourceHealth {
        SourceHealth {
            id,
            name,
            status: FetchStatus::Idle,
            last_ok: None,
            pending: None,
            every,
            failures: 0,
            retry_at: None,
            schedule: 0,
            publishers: Vec::new(),
            publishers_more: 0,
            pending_at: None,
            key: String::new(),
            via: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Sticky notices (read-only state, moved-aside file) stay until quit.
    pub sticky: bool,
}

/// The news filter: the text being typed, its parse, and the matching rows.
#[derive(Debug, Clone, Default)]
pub struct NewsFilter {
    pub input: Input,
    pub editing: bool,
    /// The last query that parsed; an invalid edit keeps it.
    pub query: Option<Query>,
    pub error: Option<String>,
    /// Indices into `State::news` that match, newest first.
    pub visible: Vec<usize>,
}

/// A full-screen overlay: help, or the health of every source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Sources,
    Alerts,
}

/// The reader over the News pane: which headline, scrolled how far.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderView {
    pub item: NewsItem,
    pub scroll: u16,
    /// The store was asked for the headline's text and has not answered yet.
    pub loading: bool,
}

/// How alert notifications have gone: sent, held back by the rate limit, the last failure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotifyHealth {
    pub sent: u32,
    pub last_ok: Option<DateTime<Utc>>,
    /// Alerts not sent because `[notify] per_minute` were already sent in the last minute.
    pub held_back: u32,
    pub last_error: Option<(String, DateTime<Utc>)>,
    /// When each of the last minute's notifications was sent.
    pub(crate) recent: Vec<DateTime<Utc>>,
}

/// The lot form: shares, price, date and fees of a lot of `symbol`, the field being typed in,
/// and why the last save was refused.
#[derive(Debug, Clone)]
pub struct LotDraft {
    pub symbol: String,
    pub currency: String,
    pub fields: [Input; 4],
    pub field: usize,
    pub error: Option<String>,
}

impl LotDraft {
    pub const LABELS: [&'static str; 4] = ["shares", "price", "date", "fees"];
}

/// A note being typed for a catalyst's last change.
#[derive(Debug, Clone)]
pub struct NoteDraft {
    pub catalyst: String,
    pub input: Input,
}

/// One undoable change: the journal entry this process wrote, and where it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    pub uid: String,
    /// What `u` says it undid ("toggle of amd-lta").
    pub label: String,
    /// The row to put the cursor on.
    pub pane: Pane,
    pub id: String,
}

/// A change handed to the store and not confirmed yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub seq: u64,
    pub change: crate::core::journal::Change,
    /// For a decision: what to confirm once it is written ("amd-lta hit").
    pub label: Option<String>,
    /// How many notices had been said when the change was made: a confirmation never hides one
    /// said since (another window's decision, an error).
    pub said: u64,
}

/// The News pane's view of the archive: on with its key, or when a `since:` reaches past the
/// window.
#[derive(Debug, Clone, Default)]
pub struct ArchiveView {
    /// The toggle (the key): search the whole archive.
    pub on: bool,
    /// The filter text the results (or the search in flight) are for; `None` = none asked.
    pub asked: Option<String>,
    /// The search in flight.
    pub req: Option<u64>,
    /// The matches, newest first.
    pub items: Vec<NewsItem>,
    /// More matched than are shown.
    pub more: bool,
    pub error: Option<String>,
}

impl ArchiveView {
    /// Forgets the results and any search in flight; the toggle stays as it is.
    pub fn forget(&mut self) {
        *self = ArchiveView { on: self.on, ..ArchiveView::default() };
    }
}

/// The chooser that pins a headline to a catalyst or risk.
#[derive(Debug, Clone, PartialEq)]
pub struct PinChooser {
    pub item: String,
    pub title: String,
    /// Row: catalysts first, then risks.
    pub selected: usize,
}

#[derive(Debug, Clone)]
pub struct State {
    /// Bumped by every change that affects the screen; the runtime redraws when it moves.
    pub(crate) rev: u64,
    pub(crate) now: DateTime<Utc>,
    pub(crate) demo: bool,
    pub(crate) read_only: bool,
    pub(crate) tickers: Vec<TickerSpec>,
    /// Latest quote per display symbol.
    pub(crate) quotes: HashMap<String, Quote>,
    /// News restored from cache, no feed refreshed yet.
    pub(crate) stale_news: bool,
    /// Quote refresh interval while every market is closed.
    pub(crate) quotes_closed_every: Duration,
    pub(crate) catalysts: Vec<ThesisItem>,
    pub(crate) risks: Vec<ThesisItem>,
    pub(crate) user: UserState,
    /// News history, newest first.
    pub(crate) news: History,
    /// News per catalyst and risk, rebuilt when the history changes.
    pub(crate) evidence: evidence::Index,
    pub(crate) history_cap: usize,
    pub(crate) filter: NewsFilter,
    pub(crate) focus: Pane,
    /// Selected row per pane (News: index into `filter.visible`).
    pub(crate) selected: [usize; 4],
    /// The overlay over the panes, if any.
    pub(crate) overlay: Option<Overlay>,
    /// First overlay line shown (the overlay clamps it to its height).
    pub(crate) help_scroll: u16,
    pub(crate) size: (u16, u16),
    pub(crate) sources: Vec<SourceHealth>,
    pub(crate) notices: Vec<Notice>,
    pub(crate) undo: Vec<Undo>,
    pub(crate) next_req: u64,
    pub(crate) quit: bool,
    pub(crate) keymap: Keymap,
    /// Where times are shown (the runtime sets the machine's zone; tests keep UTC).
    pub(crate) zone: Zone,
    /// The note being typed, if any.
    pub(crate) note: Option<NoteDraft>,
    /// Alert rules from config, and whether firing rings the bell.
    pub(crate) alert_rules: Vec<crate::core::alerts::Rule>,
    pub(crate) bell: bool,
    /// Selected row of the alert list.
    pub(crate) alert_selected: usize,
    /// Changes handed to the store, not confirmed yet (re-applied over a reload).
    pub(crate) pending: Vec<Pending>,
    pub(crate) next_seq: u64,
    /// Notices said since start.
    pub(crate) said: u64,
    /// Why the last write failed, until one succeeds.
    pub(crate) save_error: Option<String>,
    /// This process's prefix for journal uids, and the next number after it.
    pub(crate) session: String,
    pub(crate) next_uid: u64,
    pub(crate) archive: ArchiveView,
    /// Evidence counts over the whole archive (`c:ID` / `r:ID`), once the store has said.
    pub(crate) archive_counts: Option<BTreeMap<String, usize>>,
    pub(crate) pin: Option<PinChooser>,
    /// The ticker detail view, when open.
    pub(crate) detail: Option<Detail>,
    /// Price series the detail view has shown, by symbol and range (at most [`SERIES_KEPT`]),
    /// and how asking for each went.
    pub(crate) series: BTreeMap<(String, Span), SeriesSlot>,
    /// `[thesis] started` and the quotes' refresh interval (how long an intraday series lasts).
    pub(crate) thesis_started: Option<chrono::NaiveDate>,
    pub(crate) quotes_every: Duration,
    /// `[thesis] benchmark`, and the quote sources in the order asked (for its series).
    pub(crate) benchmark: Option<TickerSpec>,
    pub(crate) quote_order: Vec<String>,
    /// `[[positions]]`, `[portfolio]`, and the rates to the base currency by currency code.
    pub(crate) config_lots: Vec<crate::core::portfolio::Lot>,
    pub(crate) base_currency: String,
    pub(crate) max_weight: BTreeMap<String, f64>,
    pub(crate) fx: BTreeMap<String, crate::core::portfolio::FxRate>,
    /// The FX source declined its last turn (no rate was needed): asked again once one is.
    pub(crate) fx_idle: bool,
    /// The lot form, while open.
    pub(crate) lot: Option<LotDraft>,
    /// `[theme] name`.
    pub(crate) theme: crate::core::settings::Theme,
    /// The reader: the headline shown and how far it is scrolled.
    pub(crate) reader: Option<ReaderView>,
    /// `[notify] command` and `per_minute`, and how notifications have gone.
    pub(crate) notify_command: Vec<String>,
    pub(crate) notify_per_minute: u32,
    pub(crate) notify: NotifyHealth,
    /// `[notify] desktop`, and whether it is on: only once the runtime says a session bus is
    /// there.
    pub(crate) notify_desktop_wanted: bool,
    pub(crate) notify_desktop: bool,
}

/// A ticker's move since the thesis started (see [`State::since_start`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SinceStart {
    pub symbol: String,
    /// The first trading day of the series, and its close.
    pub from: chrono::NaiveDate,
    pub from_close: f64,
    pub close: f64,
    pub pct: f64,
    /// `pct` minus the benchmark's, in points (none for the benchmark itself, or without it).
    pub vs_benchmark: Option<f64>,
    /// The last month's move minus the benchmark's, in points (see [`State::relative`]).
    pub month_vs_benchmark: Option<f64>,
}

/// A ticker against the benchmark, in percentage points: its move minus the benchmark's over
/// the last month and since the thesis started.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Relative {
    pub month: Option<f64>,
    pub start: Option<f64>,
}

/// Series kept in memory besides the ones in use (each at most `BARS_MAX` bars).
pub const SERIES_KEPT: usize = 16;

/// Terminal width from which the Tickers pane shows each ticker against the benchmark (and
/// its series are asked for).
pub const RELATIVE_WIDTH: u16 = 150;

/// The ticker detail view: whose, which range.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub symbol: String,
    pub span: Span,
}

/// One series: what is known of it and how getting it goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesSlot {
    pub series: Option<Series>,
    /// The store was asked (once per session; its answer may be stale), and has not answered.
    pub asked_store: bool,
    pub awaiting_store: bool,
    /// The request in flight, if any.
    pub fetching: Option<u64>,
    /// `r` asked for a new copy, however fresh the one held.
    pub refresh: bool,
    /// The last failure, and how many in a row.
    pub error: Option<String>,
    pub failures: u32,
    /// No request before this (backoff after a failure).
    pub retry_at: Option<DateTime<Utc>>,
}

/// Read access for everything outside the crate (the CLI binary, tests, benches): the fields are
/// `pub(crate)`, so only `update` (through `Action`s) changes a `State`.
impl State {
    pub fn rev(&self) -> u64 {
        self.rev
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn demo(&self) -> bool {
        self.demo
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn tickers(&self) -> &[TickerSpec] {
        &self.tickers
    }

    pub fn quotes(&self) -> &HashMap<String, Quote> {
        &self.quotes
    }

    pub fn stale_news(&self) -> bool {
        self.stale_news
    }

    pub fn quotes_closed_every(&self) -> Duration {
        self.quotes_closed_every
    }

    pub fn catalysts(&self) -> &[ThesisItem] {
        &self.catalysts
    }

    pub fn risks(&self) -> &[ThesisItem] {
        &self.risks
    }

    pub fn user(&self) -> &UserState {
        &self.user
    }

    pub fn news(&self) -> &History {
        &self.news
    }

    pub fn evidence(&self) -> &evidence::Index {
        &self.evidence
    }

    pub fn history_cap(&self) -> usize {
        self.history_cap
    }

    pub fn filter(&self) -> &NewsFilter {
        &self.filter
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn overlay(&self) -> Option<Overlay> {
        self.overlay
    }

    pub fn help_scroll(&self) -> u16 {
        self.help_scroll
    }

    /// The tickers whose last fetch failed at every source, with why (display symbol ->
    /// message), from each ticker's status.
    pub fn quote_errors(&self) -> BTreeMap<String, String> {
        self.sources
            .iter()
            .filter_map(|s| match (&s.id, &s.status) {
                (SourceId::Quote(i), FetchStatus::Error { message, .. }) => {
                    Some((self.tickers.get(*i)?.symbol.clone(), message.clone()))
                }
                _ => None,
            })
            .collect()
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn sources(&self) -> &[SourceHealth] {
        &self.sources
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn undo(&self) -> &[Undo] {
        &self.undo
    }

    pub fn next_req(&self) -> u64 {
        self.next_req
    }

    pub fn quit(&self) -> bool {
        self.quit
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn zone(&self) -> Zone {
        self.zone
    }

    pub fn note(&self) -> Option<&NoteDraft> {
        self.note.as_ref()
    }

    pub fn alert_rules(&self) -> &[crate::core::alerts::Rule] {
        &self.alert_rules
    }

    pub fn bell(&self) -> bool {
        self.bell
    }

    pub fn alert_selected(&self) -> usize {
        self.alert_selected
    }

    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    pub fn save_error(&self) -> Option<&str> {
        self.save_error.as_deref()
    }

    pub fn archive(&self) -> &ArchiveView {
        &self.archive
    }

    pub fn pin_chooser(&self) -> Option<&PinChooser> {
        self.pin.as_ref()
    }

    /// Decisions not written yet: there is no store, or writing failed (the store retries).
    pub fn unsaved(&self) -> usize {
        if self.read_only || self.save_error.is_some() {
            self.pending.iter().filter(|p| p.change.is_decision()).count()
        } else {
            0
        }
    }

    /// Whether the catalyst or risk `id`'s last change is among the unsaved ones.
    pub fn unsaved_row(&self, id: &str) -> bool {
        self.unsaved() > 0 && self.pending_row(id)
    }

    /// Whether a change of the catalyst or risk `id` waits for the store to confirm it.
    pub fn pending_row(&self, id: &str) -> bool {
        use crate::core::journal::{Change, What};
        self.pending.iter().any(|p| match &p.change {
            Change::Journal(e) => match &e.what {
                What::Catalyst { id: x, .. } | What::Note { id: x } | What::Risk { id: x, .. } => x == id,
                _ => false,
            },
            _ => false,
        })
    }

    /// How many headlines back a catalyst or risk: over the whole archive once the store has
    /// counted, else over the window.
    pub fn evidence_count(&self, kind: evidence::Kind, id: &str) -> usize {
        let window = self.evidence.get(kind, id).count;
        match &self.archive_counts {
            Some(counts) => {
                counts.get(&crate::core::filter::tag(kind.prefix(), id)).copied().unwrap_or(0).max(window)
            }
            None => window,
        }
    }

    /// Whether the News pane shows archive search results rather than the window: the archive
    /// key is on, or the filter's `since:` reaches past the oldest headline of a full window.
    pub fn archive_mode(&self) -> bool {
        if self.archive.on {
            return true;
        }
        let Some(since) = self.filter.query.as_ref().and_then(|q| q.since(self.now)) else { return false };
        let oldest = self.news.iter().rev().find_map(|n| n.published);
        self.news.len() >= self.history_cap && oldest.is_some_and(|o| since < o)
    }
}

impl State {
    pub fn new(config: &Config, user: UserState, now: DateTime<Utc>, demo: bool) -> State {
        let order = if demo { vec!["demo".to_string()] } else { config.quote_order() };
        let mut sources: Vec<SourceHealth> = config
            .tickers
            .iter()
            .enumerate()
            .map(|(i, t)| SourceHealth {
                via: order.iter().map(|name| SourceTry::new(name)).collect(),
                key: t.symbol.clone(),
                ..SourceHealth::new(SourceId::Quote(i), t.symbol.clone(), config.quotes_every)
            })
            .collect();
        sources.extend(config.feeds.iter().enumerate().map(|(i, f)| SourceHealth {
            key: f.url.clone(),
            ..SourceHealth::new(SourceId::Feed(i), f.name.clone(), config.news_every)
        }));
        let mut state = State {
            rev: 1,
            now,
            demo,
            read_only: false,
            tickers: config.tickers.clone(),
            quotes: HashMap::new(),
            stale_news: false,
            quotes_closed_every: config.quotes_closed_every,
            catalysts: config.catalysts.clone(),
            risks: config.risks.clone(),
            user,
            news: History::default(),
            evidence: evidence::Index::default(),
            history_cap: config.history_cap,
            filter: NewsFilter::default(),
            focus: Pane::Tickers,
            selected: [0; 4],
            overlay: None,
            help_scroll: 0,
            size: (0, 0),
            sources,
            notices: Vec::new(),
            undo: Vec::new(),
            next_req: 1,
            quit: false,
            keymap: config.keymap.clone(),
            zone: Zone::Utc,
            note: None,
            alert_rules: config.alerts.clone(),
            bell: config.bell,
            alert_selected: 0,
            pending: Vec::new(),
            next_seq: 1,
            said: 0,
            save_error: None,
            session: "local".into(),
            next_uid: 1,
            archive: ArchiveView::default(),
            archive_counts: None,
            pin: None,
            detail: None,
            series: BTreeMap::new(),
            thesis_started: config.thesis_started,
            quotes_every: config.quotes_every,
            benchmark: config.benchmark.clone(),
            quote_order: order.clone(),
            config_lots: config.positions.clone(),
            base_currency: config.base_currency.clone(),
            max_weight: config.max_weight.clone(),
            fx: BTreeMap::new(),
            fx_idle: true,
            lot: None,
            theme: config.theme,
            reader: None,
            notify_command: config.notify_command.clone(),
            notify_per_minute: config.notify_per_minute,
            notify: NotifyHealth::default(),
            notify_desktop_wanted: config.notify_desktop,
            notify_desktop: false,
        };
        state.refilter();
        state
    }

    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// The detail view's series slot.
    /// How many series are held in memory.
    pub fn series_held(&self) -> usize {
        self.series.len()
    }

    /// Where alerts are sent on (the desktop, the `[notify] command`'s program), and how that
    /// has gone; None when nowhere.
    pub fn notify_health(&self) -> Option<(String, &NotifyHealth)> {
        let mut to: Vec<String> = Vec::new();
        if self.notify_desktop {
            to.push("the desktop".into());
        }
        to.extend(self.notify_command.first().map(|p| format!("`{p}`")));
        (!to.is_empty()).then(|| (to.join(" and "), &self.notify))
    }

    /// The reader, while open.
    pub fn reader(&self) -> Option<&ReaderView> {
        self.reader.as_ref()
    }

    pub fn theme(&self) -> crate::core::settings::Theme {
        self.theme
    }

    /// The lot form, while open.
    pub fn lot_draft(&self) -> Option<&LotDraft> {
        self.lot.as_ref()
    }

    pub fn detail_slot(&self) -> Option<&SeriesSlot> {
        let d = self.detail.as_ref()?;
        self.series.get(&(d.symbol.clone(), d.span))
    }

    pub fn thesis_started(&self) -> Option<chrono::NaiveDate> {
        self.thesis_started
    }

    pub fn mode(&self) -> Mode {
        if self.pin.is_some() {
            Mode::Pin
        } else if self.overlay == Some(Overlay::Alerts) {
            Mode::Alerts
        } else if self.overlay.is_some() {
            Mode::Help
        } else if self.lot.is_some() {
            Mode::LotEdit
        } else if self.reader.is_some() {
            Mode::Reader
        } else if self.note.is_some() {
            Mode::NoteEdit
        } else if self.filter.editing {
            Mode::FilterEdit
        } else if self.detail.is_some() {
            Mode::Detail
        } else {
            Mode::Normal
        }
    }

    pub fn catalyst_done(&self, id: &str) -> bool {
        self.user.catalysts.get(id).is_some_and(|r| r.done)
    }

    pub fn risk_level(&self, id: &str) -> RiskLevel {
        self.user.risks.get(id).copied().unwrap_or_default()
    }

    pub fn done_count(&self) -> usize {
        self.catalysts.iter().filter(|c| self.catalyst_done(&c.id)).count()
    }

    /// Number of rows in a pane.
    pub fn rows(&self, pane: Pane) -> usize {
        match pane {
            Pane::Tickers => self.tickers.len(),
            Pane::Catalysts => self.catalysts.len(),
            Pane::Risks => self.risks.len(),
            Pane::News if self.archive_mode() => self.archive.items.len(),
            Pane::News => self.filter.visible.len(),
        }
    }

    /// The headlines the News pane lists: archive results, or the filtered window.
    pub fn news_rows(&self) -> Box<dyn Iterator<Item = &NewsItem> + '_> {
        if self.archive_mode() {
            Box::new(self.archive.items.iter())
        } else {
            Box::new(self.filter.visible.iter().filter_map(|&i| self.news.get(i)))
        }
    }

    pub fn selected(&self, pane: Pane) -> usize {
        self.selected[pane.index()]
    }

    /// The news item under the cursor, if any.
    pub fn selected_news(&self) -> Option<&NewsItem> {
        if self.archive_mode() {
            return self.archive.items.get(self.selected(Pane::News));
        }
        self.filter.visible.get(self.selected(Pane::News)).and_then(|&i| self.news.get(i))
    }

    /// Merges headlines into the history, then rebuilds what derives from it (evidence, the
    /// filtered list), keeping the selected item under the cursor. An item dated in the future
    /// (a feed's clock or typo) is dated when it arrived, now, and sorts as such: it cannot pin
    /// itself to the top of the list. The window keeps no summaries (the archive does).
    pub fn merge_news(&mut self, mut items: Vec<NewsItem>) {
        self.date_future_items(&mut items);
        for item in &mut items {
            item.text = None;
        }
        let keep = self.selected_news().map(|n| n.id.clone());
        self.news.merge(items, self.history_cap);
        self.news_changed(keep);
    }

    /// Last session's headlines into an empty history: they were deduplicated when they arrived,
    /// so only the order (newest first, undated last) and the cap are checked, which keeps the
    /// start-up restore of a full history cheap. Otherwise as [`State::merge_news`].
    pub fn restore_news(&mut self, mut items: Vec<NewsItem>) {
        if !self.news.is_empty() {
            return self.merge_news(items);
        }
        self.date_future_items(&mut items);
        items.sort_by(crate::core::history::newest_first);
        items.truncate(self.history_cap);
        self.news = History::from_items(items);
        self.news_changed(None);
    }

    pub fn benchmark(&self) -> Option<&TickerSpec> {
        self.benchmark.as_ref()
    }

    /// The tickers a catalyst moves: its `tickers`, else the (at most three) tickers its
    /// headlines in the window are tagged with most.
    pub fn linked_tickers(&self, c: &ThesisItem) -> Vec<String> {
        if !c.tickers.is_empty() {
            return c.tickers.clone();
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let items = crate::core::evidence::items(&self.news, crate::core::evidence::Kind::Catalyst, &c.id);
        for t in items.flat_map(|n| n.tickers.iter()) {
            *counts.entry(t.as_str()).or_default() += 1;
        }
        let mut by: Vec<(&str, usize)> = counts.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        by.into_iter()
            .take(3)
            .filter(|(t, _)| self.tickers.iter().any(|x| x.symbol == *t))
            .map(|(t, _)| t.to_string())
            .collect()
    }

    /// A hit catalyst's reactions: for each linked ticker, then the benchmark, the move from
    /// the close before its last hit to 1 and 5 trading days after, from the year of daily bars
    /// in memory (a ticker without them is left out).
    pub fn reactions(&self, c: &ThesisItem) -> Vec<(String, crate::core::chart::Reaction)> {
        let Some(hit) = self.user.catalysts.get(&c.id).filter(|r| r.done).and_then(|r| r.done_at) else {
            return Vec::new();
        };
        let mut symbols = self.linked_tickers(c);
        symbols.extend(self.benchmark.as_ref().map(|b| b.symbol.clone()).filter(|b| !symbols.contains(b)));
        symbols
            .into_iter()
            .filter_map(|sym| {
                let spec = self.spec(&sym)?;
                let series = self.series.get(&(sym.clone(), Span::Y1))?.series.as_ref()?;
                Some((sym, crate::core::chart::reaction(&series.bars, spec.listing(), hit)?))
            })
            .collect()
    }

    /// Each ticker's (then the benchmark's) move since `[thesis] started` (a year back without
    /// it): the first close on or after that day, the latest close, the percent between, and
    /// the difference to the benchmark's in points, since the start and over the last month;
    /// from the series in memory.
    pub fn since_start(&self) -> Vec<SinceStart> {
        self.tickers
            .iter()
            .chain(self.benchmark.iter().filter(|b| !self.tickers.iter().any(|t| t.symbol == b.symbol)))
            .filter_map(|t| {
                let (from, from_close, close) = self.start_move(&t.symbol)?;
                let rel = self.relative(&t.symbol).unwrap_or_default();
                Some(SinceStart {
                    symbol: t.symbol.clone(),
                    from,
                    from_close,
                    close,
                    pct: (close / from_close - 1.0) * 100.0,
                    vs_benchmark: rel.start,
                    month_vs_benchmark: rel.month,
                })
            })
            .collect()
    }

    /// A ticker (not the benchmark itself) against the benchmark, from the series in memory:
    /// None without a benchmark; each part None until both series are there.
    pub fn relative(&self, symbol: &str) -> Option<Relative> {
        let bench = &self.benchmark.as_ref().filter(|b| b.symbol != symbol)?.symbol;
        let start = |sym: &str| self.start_move(sym).map(|(_, a, b)| (b / a - 1.0) * 100.0);
        let versus = |f: &dyn Fn(&str) -> Option<f64>| Some(f(symbol)? - f(bench)?);
        Some(Relative { month: versus(&|s| self.month_move(s)), start: versus(&start) })
    }

    /// Whether the Tickers pane shows each ticker against the benchmark: there is one, and the
    /// terminal is wide enough.
    pub fn relative_shown(&self) -> bool {
        self.benchmark.is_some() && self.size.0 >= RELATIVE_WIDTH
    }

    /// The first day, first close and latest close of `symbol`'s since-start series.
    pub(crate) fn start_move(&self, symbol: &str) -> Option<(chrono::NaiveDate, f64, f64)> {
        let series = self.series.get(&(symbol.to_string(), Span::Thesis))?.series.as_ref()?;
        let tz = self.spec(symbol)?.listing().tz();
        let (first, last) = (series.bars.first()?, series.bars.last()?);
        Some((first.t.with_timezone(&tz).date_naive(), first.close, last.close))
    }

    /// `symbol`'s move over the month to its last daily bar: from the 1M range, else the
    /// since-start one (daily while it spans two years at most), else the year.
    fn month_move(&self, symbol: &str) -> Option<f64> {
        let tz = self.spec(symbol)?.listing().tz();
        let series = [Span::M1, Span::Thesis, Span::Y1]
            .iter()
            .filter_map(|span| self.series.get(&(symbol.to_string(), *span))?.series.as_ref())
            .find(|s| s.interval == "1d")?;
        let last = series.bars.last()?.t.with_timezone(&tz).date_naive();
        crate::core::chart::change_since(&series.bars, last.checked_sub_months(chrono::Months::new(1))?, tz)
    }

    /// Every lot held: the config's (`config:1`, …) then those added through the journal.
    pub fn lots(&self) -> Vec<crate::core::portfolio::Held> {
        let config = self.config_lots.iter().enumerate().map(|(i, lot)| crate::core::portfolio::Held {
            id: format!("config:{}", i + 1),
            from_config: true,
            lot: lot.clone(),
        });
        config.chain(self.user.lots.iter().cloned()).collect()
    }

    /// Each listed ticker with lots, in the Tickers pane's order, valued at its quote.
    pub fn holdings(&self) -> Vec<crate::core::portfolio::Holding> {
        let lots = self.lots();
        self.tickers
            .iter()
            .filter_map(|t| {
                let mine: Vec<&crate::core::portfolio::Lot> =
                    lots.iter().map(|h| &h.lot).filter(|l| l.symbol == t.symbol).collect();
                if mine.is_empty() {
                    return None;
                }
                let q = self.quotes.get(&t.symbol);
                let tz = t.listing().tz();
                let session = q.map(|q| q.as_of.with_timezone(&tz).date_naive());
                Some(crate::core::portfolio::holding(&t.symbol, &t.currency, &mine, q, session))
            })
            .collect()
    }

    /// Whether any listed ticker has a lot: the Tickers pane shows positions and a total row.
    pub fn holdings_shown(&self) -> bool {
        let lots = self.lots();
        self.tickers.iter().any(|t| lots.iter().any(|l| l.lot.symbol == t.symbol))
    }

    /// The positions as reported (each holding in both currencies, totals, rates used).
    pub fn positions(&self) -> crate::core::portfolio::Positions {
        crate::core::portfolio::positions(self.holdings(), &self.base_currency, &self.fx)
    }

    /// The holdings summed in the base currency.
    pub fn totals(&self) -> crate::core::portfolio::Totals {
        crate::core::portfolio::totals(&self.holdings(), &self.base_currency, &self.fx)
    }

    pub fn base_currency(&self) -> &str {
        &self.base_currency
    }

    /// The rates to the base currency held, by currency.
    pub fn fx(&self) -> &BTreeMap<String, crate::core::portfolio::FxRate> {
        &self.fx
    }

    /// The currencies the tickers with lots trade in, other than the base: the rates needed.
    pub fn fx_needed(&self) -> Vec<String> {
        let lots = self.lots();
        let mut out: Vec<String> = self
            .tickers
            .iter()
            .filter(|t| lots.iter().any(|l| l.lot.symbol == t.symbol))
            .map(|t| self.quotes.get(&t.symbol).map_or(t.currency.as_str(), |q| q.currency.as_str()))
            .map(str::to_ascii_uppercase)
            .filter(|c| !c.is_empty() && *c != self.base_currency)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// A ticker's `[portfolio] max_weight`.
    pub fn max_weight(&self, symbol: &str) -> Option<f64> {
        self.max_weight.get(symbol).copied()
    }

    /// A ticker's spec, or the benchmark's.
    pub fn spec(&self, symbol: &str) -> Option<&TickerSpec> {
        self.tickers.iter().chain(self.benchmark.iter()).find(|t| t.symbol == symbol)
    }

    /// Where today (the local date) stands against a catalyst's or risk's expected window.
    pub fn window_stand(&self, item: &ThesisItem) -> Option<crate::core::calendar::Stand> {
        let today = self.local(self.now).date_naive();
        item.expected.as_ref().map(|w| w.stand(today))
    }

    /// The open catalyst past its window that slips into risk `risk_id`, while that risk is
    /// still at watch: the raise the overdue alert suggested.
    pub fn suggested_raise(&self, risk_id: &str) -> Option<&ThesisItem> {
        if self.risk_level(risk_id) != crate::core::domain::RiskLevel::Watch {
            return None;
        }
        self.catalysts.iter().find(|c| {
            c.slips.as_deref() == Some(risk_id)
                && !self.user.catalysts.get(&c.id).is_some_and(|r| r.done)
                && matches!(self.window_stand(c), Some(crate::core::calendar::Stand::Overdue(_)))
        })
    }

    /// An item dated after now is dated now (when it arrived).
    fn date_future_items(&self, items: &mut [NewsItem]) {
        for item in items {
            if item.published.is_some_and(|p| p > self.now) {
                item.published = Some(self.now);
            }
        }
    }

    /// Rebuilds what derives from the history (evidence, the filtered list, keeping `keep`
    /// selected).
    fn news_changed(&mut self, keep: Option<String>) {
        self.evidence = evidence::Index::build(&self.news);
        self.refilter_keeping(keep);
    }

    /// Local time of `t` for display, in [`State::zone`]. The offset is that of `t` itself, worked
    /// out when the time is shown, so a session open across a daylight-saving change shows the
    /// right clock on both sides of it.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self.zone {
            Zone::Utc => t.fixed_offset(),
            Zone::Fixed(secs) => t.with_timezone(&FixedOffset::east_opt(secs).unwrap_or(Utc.fix())),
            Zone::Named(tz) => t.with_timezone(&tz).fixed_offset(),
            Zone::System => t.with_timezone(&chrono::Local).fixed_offset(),
        }
    }

    /// Recomputes `filter.visible` from the current query, keeping the selected item if still shown.
    pub fn refilter(&mut self) {
        let keep = self.selected_news().map(|n| n.id.clone());
        self.refilter_keeping(keep);
    }

    /// Applies a new filter query. When it only narrows the previous one (typing on), only the
    /// items shown now are searched again.
    pub fn set_query(&mut self, query: Query) {
        let keep = self.selected_news().map(|n| n.id.clone());
        let narrows = self.filter.query.as_ref().is_some_and(|old| query.narrows(old));
        self.filter.query = Some(query);
        if narrows {
            let candidates = std::mem::take(&mut self.filter.visible);
            self.filter.visible = self.matching(candidates.into_iter());
            self.keep_selection(keep);
        } else {
            self.refilter_keeping(keep);
        }
    }

    /// Recomputes `filter.visible`, putting the cursor on item `keep` if it is shown.
    pub fn refilter_keeping(&mut self, keep: Option<String>) {
        self.filter.visible = self.matching(0..self.news.len());
        self.keep_selection(keep);
    }

    /// The indices among `candidates` whose items pass the current query.
    fn matching(&self, candidates: impl Iterator<Item = usize>) -> Vec<usize> {
        match &self.filter.query {
            Some(q) if !q.is_empty() => candidates
                .filter(|&i| match (self.news.get(i), self.news.folded(i)) {
                    (Some(item), Some(folded)) => q.matches_folded(item, folded, self.now),
                    _ => false,
                })
                .collect(),
            _ => candidates.collect(),
        }
    }

    fn keep_selection(&mut self, keep: Option<String>) {
        if self.archive_mode() {
            return;
        }
        let pos = keep.and_then(|id| self.filter.visible.iter().position(|&i| self.news[i].id == id));
        let idx = Pane::News.index();
        self.selected[idx] =
            pos.unwrap_or(self.selected[idx]).min(self.filter.visible.len().saturating_sub(1));
    }

    /// The newest transient notice, while it is still fresh enough to show.
    pub fn fresh_notice(&self) -> Option<&Notice> {
        self.notices.iter().rev().find(|n| {
            let keep = if n.level == Level::Info { INFO_SECS } else { NOTICE_SECS };
            !n.sticky && (self.now - n.at).num_seconds() < keep
        })
    }

    /// Whether a source's data is stale: restored from cache and not refreshed yet, or last fetched
    /// more than two refresh intervals ago.
    pub fn source_stale(&self, id: SourceId) -> bool {
        let Some(src) = self.sources.iter().find(|s| s.id == id) else { return false };
        let restored = match id {
            SourceId::Quote(i) => self.quote_from_cache(i),
            SourceId::Feed(_) => self.stale_news,
            // Rates carry their own age (shown with them).
            SourceId::Fx => false,
        };
        let limit = chrono::Duration::from_std(self.every(id) * 2).unwrap_or(chrono::Duration::MAX);
        restored || src.last_ok.is_some_and(|t| self.now - t > limit)
    }

    /// Whether ticker `i`'s quote on screen is from the cache, not fetched this session.
    pub fn quote_from_cache(&self, i: usize) -> bool {
        let fetched = self.sources.iter().any(|s| s.id == SourceId::Quote(i) && s.last_ok.is_some());
        !fetched && self.tickers.get(i).is_some_and(|t| self.quotes.contains_key(&t.symbol))
    }

    /// Whether any shown quote is stale (from the cache, or not refreshed for two intervals).
    pub fn quotes_stale(&self) -> bool {
        (0..self.tickers.len()).any(|i| self.source_stale(SourceId::Quote(i)))
    }

    /// How often `id` is refreshed now: a ticker at the closed pace while its market is closed.
    pub fn every(&self, id: SourceId) -> Duration {
        let every = self.sources.iter().find(|s| s.id == id).map_or(self.quotes_closed_every, |s| s.every);
        match id {
            SourceId::Quote(i) if !self.ticker_trading(i) => self.quotes_closed_every.max(every),
            _ => every,
        }
    }

    /// Whether ticker `i` trades now: its quote's market state (pre- and post-market count), or
    /// while none is known, its exchange's calendar.
    pub fn ticker_trading(&self, i: usize) -> bool {
        let Some(t) = self.tickers.get(i) else { return false };
        match self.quotes.get(&t.symbol) {
            Some(q) if q.market_state != crate::core::domain::MarketState::Unknown => {
                q.market_state.is_trading()
            }
            _ => t.listing().status(self.now).open,
        }
    }

    /// Sources currently failing, for the status line.
    pub fn failing(&self) -> impl Iterator<Item = &SourceHealth> {
        self.sources.iter().filter(|s| matches!(s.status, FetchStatus::Error { .. }))
    }
}
