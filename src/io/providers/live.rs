//! Live sources over HTTP: Yahoo chart quotes with a per-ticker fallback source (Stooq), and news
//! feeds. One attempt per call; `update` schedules retries with backoff.

use super::http::{FetchError, Fetched, Http, HttpConfig};
use super::{Outcome, stooq, yahoo};
use crate::config::{Config, FeedSpec};
use crate::domain::{Quote, TickerSpec};
use chrono::Utc;
use std::time::Duration;

pub struct Live {
    http: Http,
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

    async fn quote(&self, spec: &TickerSpec) -> Result<Quote, (String, Option<Duration>)> {
        match self.quote_from(&self.primary, spec).await {
            Ok(q) => Ok(q),
            Err((first, wait)) => match &self.fallback {
                Some(fb) => self
                    .quote_from(fb, spec)
                    .await
                    .map_err(|(second, _)| (format!("{}: {first}; {fb}: {second}", self.primary), wait)),
                None => Err((first, wait)),
            },
        }
    }

    async fn quote_from(&self, source: &str, spec: &TickerSpec) -> Result<Quote, (String, Option<Duration>)> {
        let fetch_err = |e: FetchError| (e.to_string(), e.retry_after());
        if source == "stooq" {
            let sym = stooq::stooq_symbol(spec)
                .ok_or_else(|| (stooq::StooqError::NotCovered(spec.symbol.clone()).to_string(), None))?;
            let body = self.http.get(&stooq::quote_url(&self.stooq_base, &sym)).await.map_err(fetch_err)?;
            stooq::parse_quote(&body.bytes, spec, Utc::now()).map_err(|e| (e.to_string(), None))
        } else {
            let body = self
                .http
                .get(&yahoo::chart_url(&self.yahoo_base, spec.provider()))
                .await
                .map_err(fetch_err)?;
            yahoo::parse_chart(&body.bytes, spec, "yahoo", Utc::now()).map_err(|e| (e.to_string(), None))
        }
    }

    /// One feed's raw bytes and Content-Type (which may carry a `charset=`), or the failed outcome.
    pub async fn feed_body(&self, spec: &FeedSpec) -> Result<Fetched, Outcome> {
        self.http
            .get(&spec.url)
            .await
            .map_err(|e| Outcome { retry_after: e.retry_after(), ..Outcome::from(Err(e.to_string())) })
    }
}
