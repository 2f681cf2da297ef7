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
use crate::tagging::Tagger;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

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
}

/// What one fetch produced before it is stamped into a `Loaded`.
pub struct Outcome {
    pub result: Result<Payload, String>,
    pub partial_error: Option<String>,
    pub retry_after: Option<Duration>,
}

impl Outcome {
    fn from(result: Result<Payload, String>) -> Outcome {
        Outcome { result, partial_error: None, retry_after: None }
    }
}

impl Providers {
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
            }),
        })
    }

    /// Fetches one source and packages the answer for `update`.
    pub async fn fetch(&self, source: SourceId, req_id: u64) -> Loaded {
        let inner = &self.inner;
        let mut outcome = match (&inner.live, source) {
            (None, SourceId::Quotes) => {
                let (result, partial_error) = demo::quotes(&inner.tickers, Utc::now());
                Outcome { result, partial_error, retry_after: None }
            }
            (None, SourceId::Feed(i)) => Outcome::from(demo::news(inner.feeds.get(i))),
            (Some(live), SourceId::Quotes) => live.quotes(&inner.tickers).await,
            (Some(live), SourceId::Feed(i)) => match inner.feeds.get(i) {
                Some(feed) => live.news(feed).await,
                None => Outcome::from(Err("unknown feed".into())),
            },
        };
        if let Ok(Payload::News(items)) = &mut outcome.result {
            items.iter_mut().for_each(|n| inner.tagger.tag(n));
        }
        Loaded {
            source,
            req_id,
            result: outcome.result,
            partial_error: outcome.partial_error,
            at: Utc::now(),
            retry_after: outcome.retry_after,
            jitter: fastrand::f64(),
        }
    }
}
