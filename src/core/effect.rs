//! Effect: what the runtime must do on behalf of `update` (all I/O lives behind these).

use crate::core::action::SourceId;
use crate::core::domain::UserState;
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
    /// Write the user state atomically.
    Save(UserState),
    /// Write the current quotes and news to the cache.
    SaveCache,
    /// Open an http(s) link in the browser (already validated).
    OpenUrl(String),
    /// Ring the terminal bell once (alerts fired).
    Bell,
    Quit,
}
