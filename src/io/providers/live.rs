//! Live news feeds over HTTP, and the one HTTP client every source shares. One attempt per call;
//! `update` schedules retries with backoff.

use super::Outcome;
use super::http::{Fetched, Http, HttpConfig, Validators};
use super::quotes::fetch_error;
use crate::config::FeedSpec;

pub struct Live {
    http: Http,
    /// Each feed's last `ETag` / `Last-Modified`, by URL, for conditional GETs.
    validators: std::sync::Mutex<std::collections::HashMap<String, Validators>>,
}

impl Live {
    pub fn new() -> Result<Live, String> {
        let http = Http::new(HttpConfig::default()).map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Live { http, validators: std::sync::Mutex::default() })
    }

    /// The shared client (one connection pool, one request budget).
    pub fn http(&self) -> Http {
        self.http.clone()
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
