//! Effect: what the runtime must do on behalf of `update` (all I/O lives behind these).

use crate::core::action::SourceId;
use crate::core::chart::{Series, Span};
use crate::core::domain::{NewsItem, Quote};
use crate::core::journal::Change;
use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Fetch one source now; answer with `Action::Loaded` carrying `req_id`. A quote is asked
    /// of the sources in `via`, in order, until one answers (empty for a feed). A fetch of the
    /// same source still running is superseded: it is aborted and its answer would be stale.
    Fetch {
        source: SourceId,
        req_id: u64,
        via: Vec<String>,
    },
    /// Send `Action::RefreshDue(source, generation)` after `after`.
    Schedule {
        source: SourceId,
        after: Duration,
        generation: u64,
    },
    /// Write these changes to the store; answer with `Action::Stored` carrying `seq` (the
    /// highest `seq` written so far, or the error).
    Record {
        seq: u64,
        changes: Vec<Change>,
    },
    /// Keep a feed's headlines in the archive, and that the feed (its URL) answered at `at`.
    Archive {
        feed: String,
        at: DateTime<Utc>,
        items: Vec<NewsItem>,
    },
    /// Keep quotes (with each one's session day) as the latest and in the price history.
    StoreQuotes(Vec<(Quote, NaiveDate)>),
    /// Run the `[notify] command` for one alert (`argv` with the title and body appended, and
    /// them in the environment); answer with `Action::Notified`.
    Notify {
        /// Also (first) as a desktop notification.
        desktop: bool,
        argv: Vec<String>,
        title: String,
        body: String,
        key: String,
    },
    /// Put `text` on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Keep the rates to the base currency (the last of each).
    StoreFx(Vec<crate::core::portfolio::FxRate>),
    /// Search the archive with the filter `query`; answer with `Action::Searched` carrying `req`.
    Search {
        req: u64,
        query: String,
        limit: usize,
    },
    /// Read the reader's text of the headline with id `id` from the store; answer with
    /// `Action::ReaderText`.
    ReadText {
        id: String,
    },
    /// Read a series from the store; answer with `Action::SeriesStored`.
    LoadSeries {
        symbol: String,
        span: Span,
    },
    /// Fetch a series from the quote sources in `via`, in order (the same client and budget
    /// as quotes); answer with `Action::SeriesLoaded` carrying `req`.
    FetchSeries {
        symbol: String,
        span: Span,
        req: u64,
        via: Vec<String>,
        started: Option<NaiveDate>,
    },
    /// Keep a fetched series in the store.
    StoreSeries(Box<Series>),
    /// Send `Action::SeriesDue` after `after`.
    ScheduleSeries {
        symbol: String,
        span: Span,
        after: Duration,
    },
    /// Open an http(s) link in the browser (already validated).
    OpenUrl(String),
    /// Ring the terminal bell once (alerts fired).
    Bell,
    Quit,
}
