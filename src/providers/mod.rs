//! Providers: where data comes from. Each fetch is one async call answering with an `Action::Loaded`.

pub mod demo;
pub mod feed;
pub mod yahoo;

use crate::action::{Loaded, Payload, SourceId};
use crate::config::{Config, FeedSpec};
use crate::domain::TickerSpec;
use crate::tagging::Tagger;
use chrono::Utc;
use std::sync::Arc;

/// Everything a fetch needs, shared read-only by the fetch tasks.
#[derive(Clone)]
pub struct Providers {
    inner: Arc<Inner>,
}

struct Inner {
    demo: bool,
    tickers: Vec<TickerSpec>,
    feeds: Vec<FeedSpec>,
    tagger: Tagger,
}

impl Providers {
    pub fn new(config: &Config, demo: bool) -> Providers {
        let tagger = Tagger::new(&config.tickers, &config.catalysts, &config.risks);
        Providers {
            inner: Arc::new(Inner {
                demo,
                tickers: config.tickers.clone(),
                feeds: config.feeds.clone(),
                tagger,
            }),
        }
    }

    /// Fetches one source and packages the answer for `update`.
    pub async fn fetch(&self, source: SourceId, req_id: u64) -> Loaded {
        let now = Utc::now();
        let inner = &self.inner;
        let (result, partial_error) = match source {
            SourceId::Quotes if inner.demo => demo::quotes(&inner.tickers, now),
            SourceId::Feed(i) if inner.demo => (demo::news(inner.feeds.get(i)), None),
            SourceId::Quotes => (Err(live_missing()), None),
            SourceId::Feed(_) => (Err(live_missing()), None),
        };
        let result = match (result, source) {
            (Ok(Payload::News(mut items)), _) => {
                items.iter_mut().for_each(|n| inner.tagger.tag(n));
                Ok(Payload::News(items))
            }
            (other, _) => other,
        };
        Loaded { source, req_id, result, partial_error, at: Utc::now() }
    }
}

fn live_missing() -> String {
    "live sources are not in this build yet: run with --demo".into()
}
