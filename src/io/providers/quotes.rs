//! Quote sources: one type behind one interface, built from config by the registry below.
//!
//! Adding a source is one module (its URLs, parser and `quote`) plus one [`REGISTRY`] line and one
//! [`QuoteSource`] variant. The demo's recorded data is a source of the same type. Each call asks
//! one source for one ticker, once; the core decides which sources to ask, in which order, and
//! when to ask again.

use super::http::{FetchError, Http};
use super::{demo, nasdaq, yahoo};
use crate::core::settings::{Config, QuoteSourceSpec};
use crate::domain::{Quote, SourceError, TickerSpec};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::time::Duration;

/// A registered quote source: its config name, default API base and how to build it.
pub struct Registration {
    pub name: &'static str,
    /// Written out in `config.example.toml`; tests and users point it elsewhere.
    pub default_base: &'static str,
    build: fn(&Context, &str) -> QuoteSource,
}

/// Every quote source this build knows, in the default order.
pub const REGISTRY: &[Registration] = &[
    Registration { name: "yahoo", default_base: yahoo::DEFAULT_BASE, build: yahoo::Yahoo::build },
    Registration { name: "nasdaq", default_base: nasdaq::DEFAULT_BASE, build: nasdaq::Nasdaq::build },
];

/// What sources are built with: the shared HTTP client (one pool, one request budget) and the
/// directory where a source may keep what it looked up (`None`: keep it in memory only).
pub struct Context {
    pub http: Http,
    pub cache_dir: Option<PathBuf>,
}

/// One quote source.
pub enum QuoteSource {
    Yahoo(yahoo::Yahoo),
    Nasdaq(nasdaq::Nasdaq),
    /// The recorded charts of `--demo`.
    Demo,
}

/// Why a source gave no quote, and how long it asked us to wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: SourceError,
    pub retry_after: Option<Duration>,
}

impl From<SourceError> for Failure {
    fn from(error: SourceError) -> Failure {
        Failure { error, retry_after: None }
    }
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Failure {
        Failure { retry_after: e.retry_after(), error: fetch_error(&e) }
    }
}

impl QuoteSource {
    pub fn name(&self) -> &'static str {
        match self {
            QuoteSource::Yahoo(_) => "yahoo",
            QuoteSource::Nasdaq(_) => "nasdaq",
            QuoteSource::Demo => "demo",
        }
    }

    /// One ticker's quote, asked once.
    pub async fn quote(&self, spec: &TickerSpec, now: DateTime<Utc>) -> Result<Quote, Failure> {
        match self {
            QuoteSource::Yahoo(s) => s.quote(spec, now).await,
            QuoteSource::Nasdaq(s) => s.quote(spec, now).await,
            QuoteSource::Demo => demo::quote(spec, now).map_err(|e| SourceError::permanent(e).into()),
        }
    }
}

impl QuoteSource {
    /// One ticker's series over `span`, asked once.
    pub async fn history(
        &self,
        spec: &TickerSpec,
        span: crate::chart::Span,
        started: Option<chrono::NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<crate::chart::Series, Failure> {
        match self {
            QuoteSource::Yahoo(s) => s.history(spec, span, started, now).await,
            QuoteSource::Nasdaq(s) => s.history(spec, span, started, now).await,
            QuoteSource::Demo => {
                demo::history(spec, span, started, now).map_err(|e| SourceError::permanent(e).into())
            }
        }
    }
}

/// The sources of `specs`, in their order (names the registry does not know are skipped:
/// `config` has refused them already).
pub fn build(specs: &[QuoteSourceSpec], cx: &Context) -> Vec<QuoteSource> {
    specs
        .iter()
        .filter_map(|spec| {
            REGISTRY.iter().find(|r| r.name == spec.name).map(|r| (r.build)(cx, &spec.base_url))
        })
        .collect()
}

/// The order of sources the core tries for each ticker: the configured one, or the demo's.
pub fn order(config: &Config, demo: bool) -> Vec<String> {
    if demo { vec!["demo".to_string()] } else { config.quote_order() }
}

/// An HTTP failure keeps its kind: timeouts, connection trouble, 408/425/429 and 5xx are
/// transient; other statuses, TLS, a too-large body and a bad URL are permanent.
pub fn fetch_error(e: &FetchError) -> SourceError {
    if e.is_transient() {
        SourceError::transient(e.to_string())
    } else {
        SourceError::permanent(e.to_string())
    }
}
