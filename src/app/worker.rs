//! The store's thread: owns the database connection, writes what `update` hands it (the user's
//! changes, headlines for the archive, quotes), answers archive searches, and on every clock tick
//! checks whether another process wrote (`PRAGMA data_version`, a read of a counter in shared
//! memory). The UI never waits on the disk.
//!
//! A write that fails (a full disk, a lock held too long) is kept and tried again on the next
//! job or tick; the UI marks those changes unsaved until then.

use crate::action::Action;
use crate::db::Db;
use crate::domain::{NewsItem, Quote};
use crate::journal::Change;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use tokio::sync::mpsc::UnboundedSender;

/// Rows indexed for search per transaction (the write lock is held that long at most).
const INDEX_BATCH: usize = 500;
/// Batches indexed before the thread looks for jobs again.
const INDEX_BATCHES_PER_TURN: usize = 4;

/// Work for the store's thread.
pub(super) enum Job {
    Record {
        seq: u64,
        changes: Vec<Change>,
    },
    Archive {
        feed: String,
        at: DateTime<Utc>,
        items: Vec<NewsItem>,
    },
    Quotes(Vec<(Quote, NaiveDate)>),
    Fx(Vec<crate::portfolio::FxRate>),
    Search {
        req: u64,
        query: String,
        limit: usize,
        now: DateTime<Utc>,
    },
    /// Read a headline's text for the reader; answer `Action::ReaderText`.
    ReadText {
        id: String,
    },
    /// Read a series; answer `Action::SeriesStored`.
    LoadSeries {
        symbol: String,
        span: crate::chart::Span,
    },
    StoreSeries(Box<crate::chart::Series>),
    /// The clock ticked: check for other processes' writes, retry what failed.
    Poll,
}

/// Handle on the store's thread; without a database, jobs go nowhere.
pub(super) struct Worker {
    tx: Option<std_mpsc::Sender<Job>>,
    handle: Option<JoinHandle<()>>,
}

/// What the thread keeps between jobs.
struct Store {
    db: Db,
    actions: UnboundedSender<Action>,
    /// Changes not written yet (a failed write), with the highest seq among them.
    waiting: Vec<Change>,
    through: u64,
    version: Option<i64>,
    /// `archive_days`: headlines older than this are dropped (pinned ones kept).
    retention: Option<chrono::TimeDelta>,
    pruned: Option<DateTime<Utc>>,
    /// More rows wait for the search index than one turn takes in.
    backlog: bool,
}

impl Worker {
    /// `older`: headlines the window still takes after the first screenful (read first).
    pub(super) fn spawn(
        db: Option<Db>,
        retention: Option<chrono::TimeDelta>,
        older: usize,
        actions: UnboundedSender<Action>,
    ) -> std::io::Result<Worker> {
        let Some(db) = db else { return Ok(Worker { tx: None, handle: None }) };
        let (tx, rx) = std_mpsc::channel::<Job>();
        let handle = std::thread::Builder::new().name("chokepoint-store".into()).spawn(move || {
            if older > 0 {
                match db.window_page(crate::runtime::FIRST_SCREEN, older) {
                    Ok(items) if items.is_empty() => {}
                    Ok(items) => {
                        let _ = actions.send(Action::RestoreOlder(items));
                    }
                    Err(e) => tracing::warn!("reading the older headlines: {e}"),
                }
                db.release_memory();
            }
            let version = db.data_version().ok();
            if let Err(e) = db.defer_checkpoints() {
                tracing::warn!("{e}");
            }
            let mut store = Store {
                db,
                actions,
                waiting: Vec::new(),
                through: 0,
                version,
                retention,
                pruned: None,
                backlog: false,
            };
            store.catch_up();
            loop {
                // A backlog of rows to index (after an upgrade or a big import) is worked off
                // between jobs, a few batches at a time, so changes and searches never wait
                // behind all of it.
                let first = if store.backlog {
                    match rx.try_recv() {
                        Ok(job) => job,
                        Err(std_mpsc::TryRecvError::Empty) => {
                            store.index();
                            if !store.backlog {
                                store.settle();
                            }
                            store.checkpoint();
                            continue;
                        }
                        Err(std_mpsc::TryRecvError::Disconnected) => break,
                    }
                } else {
                    match rx.recv() {
                        Ok(job) => job,
                        Err(_) => break,
                    }
                };
                let mut poll = false;
                let jobs: Vec<Job> = std::iter::once(first).chain(rx.try_iter()).collect();
                // A search typed over by a newer one is not run: the UI drops its answer anyway.
                let newest_search = jobs.iter().rposition(|j| matches!(j, Job::Search { .. }));
                for (i, job) in jobs.into_iter().enumerate() {
                    match job {
                        Job::Search { .. } if Some(i) != newest_search => {}
                        Job::Record { seq, changes } => {
                            store.waiting.extend(changes);
                            store.through = store.through.max(seq);
                        }
                        Job::Poll => poll = true,
                        other => {
                            store.flush();
                            store.run(other);
                        }
                    }
                }
                store.flush();
                if poll {
                    store.poll();
                }
            }
            store.flush();
        })?;
        Ok(Worker { tx: Some(tx), handle: Some(handle) })
    }

    pub(super) fn send(&self, job: Job) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(job);
        }
    }

    /// Writes what is pending and waits for the thread.
    pub(super) fn finish(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Store {
    /// At start: index rows a crash left unindexed, drop what retention says, count evidence.
    fn catch_up(&mut self) {
        self.index();
        self.settle();
        self.prune(Utc::now());
        self.send_counts();
        self.db.release_memory();
    }

    fn send(&self, action: Action) {
        let _ = self.actions.send(action);
    }

    /// Writes the waiting changes in one transaction and says how it went.
    fn flush(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        match self.db.record(&self.waiting) {
            Ok(()) => {
                self.waiting.clear();
                self.send(Action::Stored { through: self.through, error: None });
            }
            Err(e) => {
                tracing::error!("writing changes: {e}");
                self.send(Action::Stored { through: 0, error: Some(e.to_string()) });
            }
        }
    }

    fn run(&mut self, job: Job) {
        match job {
            Job::Archive { feed, at, items } => {
                match self.db.archive(&items, at) {
                    Ok(0) => {}
                    Ok(_) => {
                        self.index();
                        self.settle();
                        self.send_counts();
                        self.checkpoint();
                    }
                    Err(e) => tracing::warn!("archiving {} headlines: {e}", items.len()),
                }
                if let Err(e) = self.db.set_fetched(&feed, at) {
                    tracing::warn!("recording the fetch of a feed: {e}");
                }
            }
            Job::Quotes(quotes) => {
                if let Err(e) = self.db.store_quotes(&quotes) {
                    tracing::warn!("keeping {} quotes: {e}", quotes.len());
                }
            }
            Job::Fx(rates) => {
                if let Err(e) = self.db.store_fx(&rates) {
                    tracing::warn!("keeping {} FX rates: {e}", rates.len());
                }
            }
            Job::Search { req, query, limit, now } => {
                let result = crate::filter::parse(&query)
                    .map_err(|e| e.to_string())
                    .and_then(|q| self.db.search(&q, now, limit).map_err(|e| e.to_string()))
                    .map(|found| (found.items, found.more));
                self.send(Action::Searched { req, result });
            }
            Job::ReadText { id } => {
                let (summary, body) = self.db.reader_text(&id).unwrap_or_else(|e| {
                    tracing::warn!("reading a headline's text: {e}");
                    Default::default()
                });
                self.send(Action::ReaderText { id, summary, body });
            }
            Job::LoadSeries { symbol, span } => {
                let series = self.db.series(&symbol, span).unwrap_or_else(|e| {
                    tracing::warn!("reading the {symbol} {} series: {e}", span.key());
                    None
                });
                self.send(Action::SeriesStored { symbol, span, series: series.map(Box::new) });
            }
            Job::StoreSeries(series) => {
                if let Err(e) = self.db.store_series(&series) {
                    tracing::warn!("keeping the {} {} series: {e}", series.symbol, series.span.key());
                }
            }
            Job::Record { .. } | Job::Poll => {}
        }
    }

    /// Fills the search index for rows archived but not indexed yet, a batch per transaction,
    /// at most [`INDEX_BATCHES_PER_TURN`] batches; `backlog` says whether more wait.
    fn index(&mut self) {
        self.backlog = false;
        for _ in 0..INDEX_BATCHES_PER_TURN {
            match self.db.index_pending(INDEX_BATCH) {
                Ok(n) if n == INDEX_BATCH => self.backlog = true,
                Ok(_) => {
                    self.backlog = false;
                    return;
                }
                Err(e) => {
                    tracing::warn!("indexing headlines for search: {e}");
                    self.backlog = false;
                    return;
                }
            }
        }
    }

    /// Folds the recent de-duplication keys into the settled ones once there are many (see
    /// `Db::settle`).
    fn settle(&mut self) {
        if let Err(e) = self.db.settle() {
            tracing::warn!("settling the archive's keys: {e}");
        }
    }

    /// Copies the write-ahead log back into the database, as far as no reader holds it, after
    /// the refresh's commits rather than inside one (this connection does not checkpoint on
    /// its own: see `Db::defer_checkpoints`).
    fn checkpoint(&self) {
        if let Err(e) = self.db.checkpoint() {
            tracing::warn!("checkpoint: {e}");
        }
    }

    fn send_counts(&self) {
        match self.db.evidence_counts() {
            Ok(counts) => self.send(Action::ArchiveCounts(counts)),
            Err(e) => tracing::warn!("counting evidence: {e}"),
        }
    }

    /// Another process wrote: read the user's state again (and the counts, if it archived).
    fn poll(&mut self) {
        let now = Utc::now();
        if self.pruned.is_none_or(|t| now - t > chrono::TimeDelta::hours(24)) {
            self.prune(now);
        }
        let Ok(version) = self.db.data_version() else { return };
        if self.version == Some(version) {
            return;
        }
        self.version = Some(version);
        match self.db.load_user() {
            Ok(user) => self.send(Action::StoreChanged(Box::new(user))),
            Err(e) => tracing::warn!("reading changes made elsewhere: {e}"),
        }
        self.send_counts();
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        self.pruned = Some(now);
        let Some(keep) = self.retention else { return };
        match self.db.prune(now - keep) {
            Ok(0) => {}
            Ok(n) => tracing::info!("archive: dropped {n} headlines older than the retention"),
            Err(e) => tracing::warn!("archive retention: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(path: &std::path::Path) -> i64 {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("SELECT count(*) FROM fts_pending", [], |r| r.get(0)).unwrap()
    }

    /// A backlog for the search index (an upgrade re-indexes every row) is worked off between
    /// jobs: a change the user makes meanwhile is written after one turn, not after all of it,
    /// and the rest is indexed with no job asking.
    #[test]
    fn a_change_does_not_wait_behind_an_index_backlog() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.db");
        let mut db = Db::open(&path).unwrap().db;
        let now = Utc::now();
        let items: Vec<NewsItem> = (0..6_000)
            .map(|i| NewsItem {
                id: format!("g{i}"),
                title: format!("Headline number {i} about lasers"),
                link: format!("https://example.com/{i}"),
                source: "Wire".into(),
                text: None,
                published: Some(now - chrono::TimeDelta::minutes(i)),
                tickers: Vec::new(),
                catalysts: Vec::new(),
                risks: Vec::new(),
            })
            .collect();
        assert_eq!(db.archive(&items, now).unwrap(), 6_000);
        assert_eq!(pending(&path), 6_000);

        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut worker = Worker::spawn(Some(db), None, 0, tx).unwrap();
        worker.send(Job::Record { seq: 1, changes: vec![Change::Read { item: "g1".into(), at: now }] });
        // Three keystrokes' searches while the thread is busy: only the newest is run.
        for (req, query) in [(1, "la"), (2, "las"), (3, "number 12 ")] {
            worker.send(Job::Search { req, query: query.into(), limit: 50, now });
        }
        let (mut stored, mut searched) = (None, Vec::new());
        while stored.is_none() || searched.is_empty() {
            match rx.blocking_recv() {
                Some(Action::Stored { through: 1, error: None }) => stored = Some(pending(&path)),
                Some(Action::Stored { error: Some(e), .. }) => panic!("{e}"),
                Some(Action::Searched { req, result }) => {
                    searched.push((req, result.map(|(items, _)| items.len())))
                }
                Some(_) => {}
                None => panic!("the worker stopped"),
            }
        }
        let left = stored.unwrap_or_default();
        assert!(
            left > 0 && left < 6_000,
            "written after a turn of indexing, not after all of it ({left} left)"
        );
        // "number 12 " is 12 and 120-129, 1200-1299: 111, the newest 50 of them.
        assert_eq!(searched, [(3, Ok(50))], "the superseded searches were not run");
        let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while pending(&path) > 0 {
            assert!(std::time::Instant::now() < until, "the backlog was not worked off");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        worker.finish();
        let db = Db::open(&path).unwrap().db;
        assert!(db.load_user().unwrap().read.contains("g1"));
        let found = db.search(&crate::filter::parse("lasers").unwrap(), now, 10).unwrap();
        assert!(found.more && found.items.len() == 10);
    }
}
