//! Action: everything that can change the state, user intents and data arrivals (owned data).

use crate::core::chart::{Series, Span};
use crate::core::domain::Cache;
use crate::core::domain::{NewsItem, Quote, SourceError};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tui_input::InputRequest;

/// The four panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Pane {
    #[default]
    Tickers,
    Catalysts,
    Risks,
    News,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Tickers, Pane::Catalysts, Pane::Risks, Pane::News];

    pub fn index(self) -> usize {
        match self {
            Pane::Tickers => 0,
            Pane::Catalysts => 1,
            Pane::Risks => 2,
            Pane::News => 3,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Tickers => "Tickers",
            Pane::Catalysts => "Catalysts",
            Pane::Risks => "Risks",
            Pane::News => "News",
        }
    }
}

/// Identifies what is fetched: one ticker's quote (by its index in the config; each ticker is
/// fetched, paced and backed off on its own), or one news feed by its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceId {
    Quote(usize),
    Feed(usize),
    /// The rates to the base currency of the currencies held (one source for all of them).
    Fx,
}

/// One quote source's answer for one ticker, within a fetch that tries the sources in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The source's registered name (`yahoo`, `nasdaq`, `demo`).
    pub source: String,
    /// `None` if it answered with a quote.
    pub error: Option<SourceError>,
    /// The source asked us to wait this long (429 / 503 Retry-After).
    pub retry_after: Option<Duration>,
}

/// What a source delivered (already parsed, sanitized and tagged).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Quotes(Vec<Quote>),
    News(Vec<NewsItem>),
    Fx(Vec<crate::core::portfolio::FxRate>),
}

/// Result of one fetch, tagged with the request id so stale answers can be dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub source: SourceId,
    pub req_id: u64,
    /// Ok with the data, or a one-line error message. A partial result (a feed salvaged up to a
    /// broken item) comes as Ok with `partial_error` set.
    pub result: Result<Payload, SourceError>,
    pub partial_error: Option<SourceError>,
    pub at: DateTime<Utc>,
    /// The server asked us to wait this long (429 / 503 Retry-After).
    pub retry_after: Option<Duration>,
    /// For a quote: each source asked, in order, and how it answered.
    pub attempts: Vec<Attempt>,
    /// Uniform in [0, 1), drawn by the runtime, for full-jitter backoff (keeps `update` pure).
    pub jitter: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // navigation
    FocusNext,
    FocusPrev,
    Focus(Pane),
    Move(i32),
    Page(i32),
    Top,
    Bottom,
    ToggleHelp,
    /// Show / hide the sources overlay.
    ToggleSources,
    /// Esc in normal mode: dismiss the sticky notices; else, in the News pane, clear the filter.
    DismissNotices,
    /// Scroll the help overlay by lines.
    HelpScroll(i32),
    /// Show / hide the alert list.
    ToggleAlerts,
    /// Acknowledge the selected alert / every alert.
    AckAlert,
    AckAllAlerts,
    // thesis
    ToggleCatalyst,
    CycleRisk,
    Undo,
    /// Start typing a note for the selected catalyst's last change.
    NoteStart,
    NoteEdit(InputRequest),
    NoteAccept,
    NoteCancel,
    /// The lot form for the selected ticker: open, type into the field, move between fields
    /// (+1 / -1), save, close.
    LotStart,
    LotEdit(InputRequest),
    LotField(i8),
    LotAccept,
    LotCancel,
    /// Remove the selected ticker's newest lot added in the app (undoable).
    LotRemove,
    /// A click on a pane's row: that pane focused and the row selected.
    Select(Pane, usize),
    /// The selected headline's link in the browser (elsewhere: as `OpenLink`).
    BrowseLink,
    /// The reader's (or selected headline's) link to the clipboard, through the terminal.
    CopyLink,
    ReaderScroll(i16),
    ReaderClose,
    /// The notification command for alert `key` ran: fine, or why not.
    Notified {
        key: String,
        result: Result<(), String>,
    },
    // news
    FilterStart,
    FilterEdit(InputRequest),
    FilterAccept,
    FilterCancel,
    FilterBySelection,
    OpenLink,
    /// A bracketed paste: text for the open input, never keys.
    Paste(String),
    // data
    /// The first fetches: every source is due, except a feed whose cached answer is younger
    /// than its refresh interval.
    Start,
    RefreshAll,
    /// A scheduled refresh of one source is due; only the newest schedule (generation) counts.
    RefreshDue(SourceId, u64),
    Loaded(Loaded),
    /// Last session's data from the cache, shown as stale until refreshed.
    Restore(Cache),
    /// Open the selected ticker's detail view; close it; show the next or previous range.
    OpenDetail,
    CloseDetail,
    DetailRange(i8),
    /// The store's copy of a series (None: it has none).
    SeriesStored {
        symbol: String,
        span: Span,
        series: Option<Box<Series>>,
    },
    /// A source's answer for a series asked with `req`.
    SeriesLoaded {
        symbol: String,
        span: Span,
        req: u64,
        result: Result<Box<Series>, String>,
        retry_after: Option<Duration>,
    },
    /// The backoff after a failed series is over: ask again if it is still on screen.
    SeriesDue {
        symbol: String,
        span: Span,
    },
    /// The rest of last session's headlines, older than the first screenful [`Action::Restore`]
    /// brought (read on the store's thread while the first frame is drawn).
    RestoreOlder(Vec<NewsItem>),
    /// The store wrote every change up to `through`, or failed with `error` (they are kept and
    /// written again).
    Stored {
        through: u64,
        error: Option<String>,
    },
    /// Another process changed the store: the user's state as it is there now.
    StoreChanged(Box<crate::core::domain::UserState>),
    /// Evidence counts over the whole archive, per `c:ID` / `r:ID`.
    ArchiveCounts(std::collections::BTreeMap<String, usize>),
    /// An archive search's answer: the matches newest first, and whether there were more.
    Searched {
        req: u64,
        result: Result<(Vec<NewsItem>, bool), String>,
    },
    /// The store's answer for the reader: the headline's summary line and text (empty when
    /// none is kept).
    ReaderText {
        id: String,
        summary: String,
        body: String,
    },
    /// Search the archive instead of the window (and back).
    ToggleArchive,
    /// Pin the selected headline: open the chooser of catalysts and risks.
    PinStart,
    /// Move in the pin chooser.
    PinMove(i32),
    /// Pin to (or unpin from) the chosen catalyst or risk.
    PinAccept,
    PinCancel,
    /// The link could not be opened.
    OpenFailed(String),
    // environment
    /// The runtime's view of where it runs: whether there is no store to write to, and the zone
    /// times are shown in.
    Environment {
        read_only: bool,
        zone: crate::core::state::Zone,
        /// Unique to this process: the uids of its journal entries start with it.
        session: String,
        /// A desktop session bus is there to show notifications on.
        desktop_bus: bool,
    },
    /// The slow clock: the current time.
    Tick(DateTime<Utc>),
    Resize(u16, u16),
    Quit,
}
