//! Providers: where data comes from. Each fetch is one async call answering with an `Action::Loaded`;
//! the same parsers serve live HTTP and the recorded demo data.

pub mod demo;
pub mod ecb;
pub mod feed;
pub mod http;
pub mod live;
pub mod nasdaq;
pub mod quotes;
pub mod yahoo;

use crate::action::{Attempt, Loaded, Payload, SourceId};
use crate::config::{Config, FeedSpec};
use crate::domain::TickerSpec;
use crate::domain::{ErrorKind, SourceError};
use crate::tagging::Tagger;
use chrono::Utc;
use std::collections::BTreeMap;
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

/// The Yahoo pair of one unit of `currency` in `base` (`SEKUSD=X`), as a ticker.
fn fx_pair(currency: &str, base: &str) -> TickerSpec {
    TickerSpec {
        symbol: format!("{currency}{base}"),
        symbols: [("yahoo".to_string(), format!("{currency}{base}=X"))].into_iter().collect(),
        currency: base.to_string(),
        name: format!("{currency} in {base}"),
        ..TickerSpec::default()
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
    /// The quote sources, by name (the core says which to ask, in which order).
    quote_sources: Vec<quotes::QuoteSource>,
    /// Permits to parse and tag a feed; see [`PARSE_SLOTS`].
    parse_slots: tokio::sync::Semaphore,
    /// The currencies the tickers trade in other than the base (`[portfolio]`), and where the
    /// ECB's rates are.
    fx_currencies: Vec<String>,
    base: String,
    ecb_url: String,
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
    pub attempts: Vec<Attempt>,
}

impl Outcome {
    pub fn from(result: Result<Payload, SourceError>) -> Outcome {
        Outcome { result, partial_error: None, retry_after: None, attempts: Vec::new() }
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
            // The raw text and the parser's model are gone now: their pages go back.
            crate::io::release_freed_memory();
            result
        });
        match job.await {
            Ok(result) => Outcome::from(result),
            Err(e) => Outcome::from(Err(SourceError::transient(format!("the feed parser failed: {e}")))),
        }
    }

    /// Live providers need an HTTP client; building one can fail (TLS roots), which is reported.
    /// `cache_dir` is where a source keeps what it looked up (Nasdaq's orderbook ids).
    pub fn new(
        config: &Config,
        demo: bool,
        cache_dir: Option<&std::path::Path>,
    ) -> Result<Providers, String> {
        let tagger = Tagger::new(&config.tickers, &config.catalysts, &config.risks);
        let live = if demo { None } else { Some(live::Live::new()?) };
        let quote_sources = match &live {
            None => vec![quotes::QuoteSource::Demo],
            Some(live) => {
                let cx = quotes::Context { http: live.http(), cache_dir: cache_dir.map(Into::into) };
                quotes::build(&config.quote_sources, &cx)
            }
        };
        Ok(Providers {
            inner: Arc::new(Inner {
                // The benchmark after the tickers (a quote's index is its ticker's): its series
                // are fetched like a ticker's.
                tickers: config
                    .tickers
                    .iter()
                    .chain(
                        config
                            .benchmark
                            .iter()
                            .filter(|b| !config.tickers.iter().any(|t| t.symbol == b.symbol)),
                    )
                    .cloned()
                    .collect(),
                feeds: config.feeds.clone(),
                tagger,
                live,
                quote_sources,
                parse_slots: tokio::sync::Semaphore::new(PARSE_SLOTS),
                fx_currencies: {
                    let mut c: Vec<String> = config
                        .tickers
                        .iter()
                        .map(|t| t.currency.trim().to_ascii_uppercase())
                        .filter(|c| !c.is_empty() && *c != config.base_currency)
                        .collect();
                    c.sort();
                    c.dedup();
                    c
                },
                base: config.base_currency.clone(),
                ecb_url: config.ecb_url.clone(),
            }),
        })
    }

    /// One ticker's quote from the sources named in `via`, asked in order until one answers.
    async fn quote(&self, i: usize, via: &[String]) -> Outcome {
        let Some(spec) = self.inner.tickers.get(i) else {
            return Outcome::from(Err(SourceError::permanent("unknown ticker")));
        };
        let mut attempts = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        for name in via {
            let Some(source) = self.inner.quote_sources.iter().find(|s| s.name() == name) else { continue };
            match source.quote(spec, Utc::now()).await {
                Ok(quote) => {
                    attempts.push(Attempt { source: name.clone(), error: None, retry_after: None });
                    return Outcome { attempts, ..Outcome::from(Ok(Payload::Quotes(vec![quote]))) };
                }
                Err(failure) => {
                    errors.push(format!("{name}: {}", failure.error.message));
                    attempts.push(Attempt {
                        source: name.clone(),
                        error: Some(failure.error),
                        retry_after: failure.retry_after,
                    });
                }
            }
        }
        // Every source failed: the least permanent kind wins (a retry may help that one).
        let kind = attempts.iter().filter_map(|a| a.error.as_ref()).map(|e| e.kind).min();
        let message =
            if errors.is_empty() { "no quote source to ask".to_string() } else { errors.join("; ") };
        let retry_after = attempts.iter().filter_map(|a| a.retry_after).min();
        Outcome {
            result: Err(SourceError { kind: kind.unwrap_or(ErrorKind::Permanent), message }),
            partial_error: None,
            retry_after,
            attempts,
        }
    }

    /// The rates of the tickers' currencies to the base: each asked of the sources in `via` in
    /// order (`yahoo`: its `SEKUSD=X` pair; `ecb`: the day's reference rates, fetched once for
    /// all; `demo`: recorded) until one answers. Some rates found and some not is a partial
    /// answer, naming what is missing.
    async fn fx(&self, via: &[String]) -> Outcome {
        let inner = &self.inner;
        let now = Utc::now();
        let mut found = Vec::new();
        let mut errors: BTreeMap<String, (SourceError, Option<Duration>)> = BTreeMap::new();
        let mut answered: Vec<String> = Vec::new();
        let mut ecb: Option<Result<ecb::Rates, quotes::Failure>> = None;
        for currency in &inner.fx_currencies {
            for name in via {
                let got = match name.as_str() {
                    "demo" => demo::fx(currency, &inner.base, now).ok_or_else(|| {
                        quotes::Failure::from(SourceError::permanent(format!("no recorded {currency} rate")))
                    }),
                    "ecb" => {
                        let Some(live) = &inner.live else { continue };
                        if ecb.is_none() {
                            ecb = Some(ecb::fetch(&live.http(), &inner.ecb_url).await);
                        }
                        match ecb.as_ref() {
                            Some(Ok(rates)) => rates.rate(currency, &inner.base).ok_or_else(|| {
                                SourceError::permanent(format!(
                                    "ecb publishes no {currency} or {} rate",
                                    inner.base
                                ))
                                .into()
                            }),
                            Some(Err(f)) => Err(f.clone()),
                            None => continue,
                        }
                    }
                    _ => {
                        let Some(source) = inner.quote_sources.iter().find(|s| s.name() == name) else {
                            continue;
                        };
                        let pair = fx_pair(currency, &inner.base);
                        source.quote(&pair, now).await.and_then(|q| {
                            if q.currency.eq_ignore_ascii_case(&inner.base)
                                && q.price.is_finite()
                                && q.price > 0.0
                            {
                                Ok(crate::portfolio::FxRate {
                                    currency: currency.clone(),
                                    base: inner.base.clone(),
                                    rate: q.price,
                                    as_of: q.as_of,
                                    source: name.clone(),
                                })
                            } else {
                                Err(SourceError::parse(format!(
                                    "{} is not a {currency} rate in {}",
                                    q.provider_symbol, inner.base
                                ))
                                .into())
                            }
                        })
                    }
                };
                match got {
                    Ok(rate) => {
                        answered.push(name.clone());
                        found.push(rate);
                        break;
                    }
                    Err(f) => {
                        errors.insert(format!("{name} {currency}"), (f.error, f.retry_after));
                    }
                }
            }
        }
        // Each source's record: ok if it gave any rate, else its first error.
        let attempts = via
            .iter()
            .map(|name| {
                let failed = errors.iter().find(|(k, _)| k.split(' ').next() == Some(name.as_str()));
                match failed.filter(|_| !answered.contains(name)) {
                    Some((_, (e, wait))) => {
                        Attempt { source: name.clone(), error: Some(e.clone()), retry_after: *wait }
                    }
                    None => Attempt { source: name.clone(), error: None, retry_after: None },
                }
            })
            .collect();
        let missing: Vec<&String> =
            inner.fx_currencies.iter().filter(|c| !found.iter().any(|r| &r.currency == *c)).collect();
        let message = || {
            let said: Vec<String> = errors.iter().map(|(k, (e, _))| format!("{k}: {}", e.message)).collect();
            let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
            format!("no rate for {} ({})", names.join(", "), said.join("; "))
        };
        let kind = errors.values().map(|(e, _)| e.kind).min().unwrap_or(ErrorKind::Permanent);
        let retry_after = errors.values().filter_map(|(_, w)| *w).min();
        if found.is_empty() && !inner.fx_currencies.is_empty() {
            return Outcome {
                result: Err(SourceError { kind, message: message() }),
                partial_error: None,
                retry_after,
                attempts,
            };
        }
        let partial_error = (!missing.is_empty()).then(|| SourceError { kind, message: message() });
        Outcome { result: Ok(Payload::Fx(found)), partial_error, retry_after, attempts }
    }

    /// A ticker's series over `span`, from the quote sources in `via`, in order, until one
    /// answers; else every source's error, and the shortest wait a source asked for.
    pub async fn history(
        &self,
        symbol: &str,
        span: crate::chart::Span,
        started: Option<chrono::NaiveDate>,
        via: &[String],
    ) -> (Result<crate::chart::Series, String>, Option<Duration>) {
        let inner = &self.inner;
        let Some(spec) = inner.tickers.iter().find(|t| t.symbol == symbol) else {
            return (Err(format!("unknown ticker {symbol}")), None);
        };
        let mut errors = Vec::new();
        let mut wait: Option<Duration> = None;
        for name in via {
            let Some(source) = inner.quote_sources.iter().find(|s| s.name() == name) else { continue };
            match source.history(spec, span, started, Utc::now()).await {
                Ok(series) => return (Ok(series), None),
                Err(f) => {
                    errors.push(format!("{name}: {}", f.error.message));
                    wait = match (wait, f.retry_after) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
        }
        let message = if errors.is_empty() { "no source to ask".to_string() } else { errors.join("; ") };
        (Err(message), wait)
    }

    /// Fetches one source and packages the answer for `update`. A quote is asked of the sources
    /// in `via`, in order.
    pub async fn fetch(&self, source: SourceId, req_id: u64, via: &[String]) -> Loaded {
        test_panic(source);
        let inner = &self.inner;
        let outcome = match (&inner.live, source) {
            (_, SourceId::Quote(i)) => self.quote(i, via).await,
            (None, SourceId::Feed(i)) => {
                self.parse_news(move |inner| {
                    demo::news(inner.feeds.get(i), Utc::now()).map_err(SourceError::permanent)
                })
                .await
            }
            (_, SourceId::Fx) => self.fx(via).await,
            (Some(live), SourceId::Feed(i)) => match inner.feeds.get(i) {
                Some(spec) => match live.feed_body(spec).await {
                    // Unchanged since the last answer: nothing to parse, nothing new.
                    Ok(body) if body.not_modified => Outcome::from(Ok(Payload::News(Vec::new()))),
                    Ok(body) => {
                        self.parse_news(move |inner| {
                            let name = inner.feeds.get(i).map_or("", |f| f.name.as_str());
                            feed::parse_feed_owned(body.bytes, name, body.content_type.as_deref())
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
            attempts: outcome.attempts,
            jitter: fastrand::f64(),
        }
    }
}
