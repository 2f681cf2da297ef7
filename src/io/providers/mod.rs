//! Providers: where data comes from. Each fetch is one async call answering with an `Action::Loaded`;
//! the same parsers serve live HTTP and the recorded demo data.

pub mod demo;
pub mod feed;
pub mod http;
pub mod live;
pub mod stooq;
pub mod yahoo;

use crate::action::{Loaded, Payload, SourceId};
use crate::config::{Config, FeedSpec};
use crate::domain::TickerSpec;
use crate::domain::{ErrorKind, SourceError};
use crate::tagging::Tagger;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

/// Debug builds only: with `CHOKEPOINT_TEST_FETCH_PANIC` set, every feed fetch panics, so tests can
/// prove a panicking task is reported and retried without touching the UI.
fn test_panic(source: SourceId) {
    if cfg!(debug_assertions)
        && matches!(source, SourceId::Feed(_))
        && std::env::var_os("CHOKEPOINT_TEST_FETCH_PANIC").is_some()
    {
        panic!("test panic in a fetch task (CHOKEPOINT_TEST_FETCH_PANIC)");
    }
}

/// Debug builds only: with `CHOKEPOINT_TEST_SLOW_PARSE=MS` set, every feed parse holds its thread
/// that long, as a pathological document would, so tests can prove parsing never starves fetches.
fn test_slow_parse() {
    if cfg!(debug_assertions)
        && let Some(ms) = std::env::var("CHOKEPOINT_TEST_SLOW_PARSE").ok().and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Everything a fetch needs, shared read-only by the fetch tasks.
#[derive(Clone)]
pub struct Providers {
    inner: Arc<Inner>,
}

struct Inner {
    tickers: Vec<TickerSpec>,
    feeds: Vec<FeedSpec>,
    tagger: Tagger,
    /// `None` in demo mode.
    live: Option<live::Live>,
    /// Permits to parse and tag a feed; see [`PARSE_SLOTS`].
    parse_slots: tokio::sync::Semaphore,
}

/// Parsing and tagging a feed is CPU work on an untrusted document of up to 5 MiB: it runs on
/// tokio's blocking pool, at most this many at once, so the runtime's workers stay free for
/// quote fetches, timers and the UI whatever the feeds hold.
pub const PARSE_SLOTS: usize = 2;

/// What one fetch produced before it is stamped into a `Loaded`.
pub struct Outcome {
    pub result: Result<Payload, SourceError>,
    pub partial_error: Option<SourceError>,
    pub retry_after: Option<Duration>,
    /// Items that failed: (display symbol, why).
    pub failed_items: Vec<(String, SourceError)>,
}

impl Outcome {
    pub fn from(result: Result<Payload, SourceError>) -> Outcome {
        Outcome { result, partial_error: None, retry_after: None, failed_items: Vec::new() }
    }

    /// Combines per-ticker answers: some failing is a partial result, all failing an error. The
    /// summary groups tickers that failed the same way ("AAOI, LITE: yahoo: HTTP 500 …"); its
    /// kind is transient if any failure is (a retry may help those), else the first kind found.
    pub fn from_items(
        answers: Vec<(String, Result<crate::domain::Quote, SourceError>)>,
        retry_after: Option<Duration>,
    ) -> Outcome {
        let mut quotes = Vec::new();
        let mut failed_items = Vec::new();
        for (symbol, answer) in answers {
            match answer {
                Ok(q) => quotes.push(q),
                Err(e) => failed_items.push((symbol, e)),
            }
        }
        let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
        for (sym, e) in &failed_items {
            let msg = e.message.as_str();
            match groups.iter_mut().find(|(_, m)| *m == msg) {
                Some((syms, _)) => syms.push(sym),
                None => groups.push((vec![sym.as_str()], msg)),
            }
        }
        let summary: Vec<String> =
            groups.iter().map(|(syms, msg)| format!("{}: {msg}", syms.join(", "))).collect();
        let kind = failed_items.iter().map(|(_, e)| e.kind).min().unwrap_or(ErrorKind::Transient);
        let message = (!summary.is_empty()).then(|| SourceError { kind, message: summary.join(" · ") });
        let result = if quotes.is_empty() && !failed_items.is_empty() {
            Err(message.clone().unwrap_or_else(|| SourceError::transient("")))
        } else {
            Ok(Payload::Quotes(quotes))
        };
        let partial_error = if result.is_ok() { message } else { None };
        Outcome { result, partial_error, retry_after, failed_items }
    }
}

impl Providers {
    /// Runs `parse` and tags its items on the blocking pool once a parse slot is free.
    async fn parse_news(
        &self,
        parse: impl FnOnce(&Inner) -> Result<Payload, SourceError> + Send + 'static,
    ) -> Outcome {
        let Ok(_slot) = self.inner.parse_slots.acquire().await else {
            return Outcome::from(Err("the feed parser pool is closed".into()));
        };
        let inner = Arc::clone(&self.inner);
        let job = tokio::task::spawn_blocking(move || {
            test_slow_parse();
            let mut result = parse(&inner);
            if let Ok(Payload::News(items)) = &mut result {
                items.iter_mut().for_each(|n| inner.tagger.tag(n));
            }
            result
        });
        match job.await {
            Ok(result) => Outcome::from(result),
            Err(e) => Outcome::from(Err(SourceError::transient(format!("the feed parser failed: {e}")))),
        }
    }

    /// Live providers need an HTTP client; building one can fail (TLS roots), which is reported.
    pub fn new(config: &Config, demo: bool) -> Result<Providers, String> {
        let tagger = Tagger::new(&config.tickers, &config.catalysts, &config.risks);
        let live = if demo { None } else { Some(live::Live::new(config)?) };
        Ok(Providers {
            inner: Arc::new(Inner {
                tickers: config.tickers.clone(),
                feeds: config.feeds.clone(),
                tagger,
                live,
                parse_slots: tokio::sync::Semaphore::new(PARSE_SLOTS),
            }),
        })
    }

    /// Fetches one source and packages the answer for `update`.
    pub async fn fetch(&self, source: SourceId, req_id: u64) -> Loaded {
        test_panic(source);
        let inner = &self.inner;
        let outcome = match (&inner.live, source) {
            (None, SourceId::Quotes) => {
                let (result, partial_error) = demo::quotes(&inner.tickers, Utc::now());
                Outcome {
                    result: result.map_err(SourceError::permanent),
                    partial_error: partial_error.map(SourceError::permanent),
                    retry_after: None,
                    failed_items: Vec::new(),
                }
            }
            (None, SourceId::Feed(i)) => {
                self.parse_news(move |inner| {
                    demo::news(inner.feeds.get(i), Utc::now()).map_err(SourceError::permanent)
                })
                .await
            }
            (Some(live), SourceId::Quotes) => live.quotes(&inner.tickers).await,
            (Some(live), SourceId::Feed(i)) => match inner.feeds.get(i) {
                Some(spec) => match live.feed_body(spec).await {
                    // Unchanged since the last answer: nothing to parse, nothing new.
                    Ok(body) if body.not_modified => Outcome::from(Ok(Payload::News(Vec::new()))),
                    Ok(body) => {
                        self.parse_news(move |inner| {
                            let name = inner.feeds.get(i).map_or("", |f| f.name.as_str());
                            feed::parse_feed(&body.bytes, name, body.content_type.as_deref())
                                .map(Payload::News)
                                .map_err(feed::FeedError::into_source_error)
                        })
                        .await
                    }
                    Err(failed) => failed,
                },
                None => Outcome::from(Err(SourceError::permanent("unknown feed"))),
            },
        };
        Loaded {
            source,
            req_id,
            result: outcome.result,
            partial_error: outcome.partial_error,
            at: Utc::now(),
            retry_after: outcome.retry_after,
            failed_items: outcome.failed_items,
            jitter: fastrand::f64(),
        }
    }
}
