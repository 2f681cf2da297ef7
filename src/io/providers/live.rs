//! Live sources over HTTP: Yahoo chart quotes with a per-ticker fallback source (Stooq), and news
//! feeds. One attempt per call; `update` schedules retries with backoff.

use super::http::{FetchError, Fetched, Http, HttpConfig, Validators};
use super::{Outcome, stooq, yahoo};
use crate::config::{Config, FeedSpec};
use crate::domain::SourceError;
use crate::domain::{Quote, TickerSpec};
use chrono::Utc;
use std::time::Duration;

pub struct Live {
    http: Http,
    /// Each feed's last `ETag` / `Last-Modified`, by URL, for conditional GETs.
    validators: std::sync::Mutex<std::collections::HashMap<String, Validators>>,
    primary: String,
    fallback: Option<String>,
    yahoo_base: String,
    stooq_base: String,
}

impl Live {
    pub fn new(config: &Config) -> Result<Live, String> {
        let http = Http::new(HttpConfig::default()).map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Live {
            http,
            validators: std::sync::Mutex::default(),
            primary: config.quote_source.clone(),
            fallback: (config.quote_fallback != "none").then(|| config.quote_fallback.clone()),
            yahoo_base: config.quote_base_url.clone(),
            stooq_base: config.stooq_base_url.clone(),
        })
    }

    /// All tickers concurrently; each tries the primary source, then the fallback. Some failing is a
    /// partial result; all failing is an error.
    pub async fn quotes(&self, tickers: &[TickerSpec]) -> Outcome {
        let answers = futures::future::join_all(tickers.iter().map(|t| self.quote(t))).await;
        let mut retry_after: Option<Duration> = None;
        let items = tickers
            .iter()
            .zip(answers)
            .map(|(t, answer)| {
                let answer = answer.map_err(|(msg, wait)| {
                    retry_after = retry_after.max(wait);
                    msg
                });
                (t.symbol.clone(), answer)
            })
            .collect();
        Outcome::from_items(items, retry_after)
    }

    /// A ticker from the primary source, else the fallback. The kind is the fallback's when both
    /// fail (a permanent "not covered" there must not hide a transient failure of the primary:
    /// the less permanent of the two wins).
    async fn quote(&self, spec: &TickerSpec) -> Result<Quote, (SourceError, Option<Duration>)> {
        match self.quote_from(&self.primary, spec).await {
            Ok(q) => Ok(q),
            Err((first, wait)) => match &self.fallback {
                Some(fb) => self.quote_from(fb, spec).await.map_err(|(second, _)| {
                    let kind = first.kind.min(second.kind);
                    let message = format!("{}: {first}; {fb}: {second}", self.primary);
                    (SourceError { kind, message }, wait)
                }),
                None => Err((first, wait)),
            },
        }
    }

    async fn quote_from(
        &self,
        source: &str,
        spec: &TickerSpec,
    ) -> Result<Quote, (SourceError, Option<Duration>)> {
        let fetch_err = |e: FetchError| (fetch_error(&e), e.retry_after());
        if source == "stooq" {
            let sym = stooq::stooq_symbol(spec).ok_or_else(|| {
                (SourceError::permanent(stooq::StooqError::NotCovered(spec.symbol.clone()).to_string()), None)
            })?;
            let body = self.http.get(&stooq::quote_url(&self.stooq_base, &sym)).await.map_err(fetch_err)?;
            stooq::parse_quote(&body.bytes, spec, Utc::now()).map_err(|e| (stooq_error(e), None))
        } else {
            let body = self
                .http
                .get(&yahoo::chart_url(&self.yahoo_base, spec.provider()))
                .await
                .map_err(fetch_err)?;
            yahoo::parse_chart(&body.bytes, spec, "yahoo", Utc::now()).map_err(|e| (chart_error(e), None))
        }
    }

    /// One feed's raw bytes and Content-Type (which may carry a `charset=`), or the failed outcome.
    /// Conditional: the validators of the feed's last answer go with the request, so an unchanged
    /// feed answers 304 (`not_modified`) and costs no download and no parse.
    pub async fn feed_body(&self, spec: &FeedSpec) -> Result<Fetched, Outcome> {
        let since = self.known_validators().get(&spec.url).cloned();
        let fetched = self
            .http
            .get_if(&spec.url, since.as_ref())
            .await
            .map_err(|e| Outcome { retry_after: e.retry_after(), ..Outcome::from(Err(fetch_error(&e))) })?;
        if !fetched.not_modified {
            let mut known = self.known_validators();
            if fetched.validators.is_empty() {
                known.remove(&spec.url);
            } else {
                known.insert(spec.url.clone(), fetched.validators.clone());
            }
        }
        Ok(fetched)
    }

    fn known_validators(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Validators>> {
        self.validators.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An HTTP failure keeps its kind: timeouts, connection trouble, 408/425/429 and 5xx are
/// transient; other statuses, TLS, a too-large body and a bad URL are permanent.
fn fetch_error(e: &FetchError) -> SourceError {
    if e.is_transient() {
        SourceError::transient(e.to_string())
    } else {
        SourceError::permanent(e.to_string())
    }
}

/// Yahoo's own error (an unknown symbol) and an HTML page are permanent; the rest could not be read.
fn chart_error(e: yahoo::ChartError) -> SourceError {
    match e {
        yahoo::ChartError::Api(_) | yahoo::ChartError::Html => SourceError::permanent(e.to_string()),
        _ => SourceError::parse(e.to_string()),
    }
}

/// Stooq not covering a symbol, knowing no data for it, or answering with its anti-bot page is
/// permanent; a CSV it cannot read is a parse failure.
fn stooq_error(e: stooq::StooqError) -> SourceError {
    match e {
        stooq::StooqError::BadCsv(_) => SourceError::parse(e.to_string()),
        _ => SourceError::permanent(e.to_string()),
    }
}
