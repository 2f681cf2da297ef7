//! One HTTP GET attempt (timeouts, gzip, redirects, body cap) classified into `FetchError`, plus backoff math.
//!
//! Retries are scheduled elsewhere (the reducer); this module performs exactly one attempt per
//! call and says whether retrying could help ([`FetchError::is_transient`]) and how long to wait
//! ([`backoff`], [`FetchError::retry_after`]).

use crate::sanitize::clean;
use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::{StatusCode, Url, redirect};
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Most redirects followed by one GET.
const MAX_REDIRECTS: usize = 5;
/// Longest Retry-After honoured.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);
/// Longest piece of foreign text (server or library message) kept in an error.
const DETAIL_CHARS: usize = 120;

/// Limits and identity of the HTTP client.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Time allowed to establish the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole attempt: connect, redirects, headers and body.
    pub total_timeout: Duration,
    /// Largest (decompressed) body accepted, in bytes.
    pub max_body: usize,
    /// `User-Agent` header sent with every request.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_body: 5 * 1024 * 1024,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                         Chrome/124.0 Safari/537.36"
                .to_string(),
        }
    }
}

/// A successful (2xx) response body, as raw bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// What to send next time for a conditional GET.
    pub validators: Validators,
    /// The server answered 304 to a conditional GET: nothing changed, `bytes` is empty.
    pub not_modified: bool,
}

/// A response's `ETag` and `Last-Modified`, sent back as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// Longest validator kept (a server's ETag is normally a few dozen bytes).
const VALIDATOR_MAX: usize = 256;

/// Why one attempt failed. `Display` is a single user-readable line of at most 160 characters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {}", fmt_duration(.0))]
    Timeout(Duration),
    /// Full message, e.g. `connection refused`.
    #[error("{0}")]
    Connect(String),
    /// The host whose lookup failed.
    #[error("DNS lookup failed for {0}")]
    Dns(String),
    /// Detail of the TLS failure.
    #[error("TLS error: {0}")]
    Tls(String),
    #[error("{}", status_message(*.code, *.retry_after))]
    Status { code: u16, retry_after: Option<Duration> },
    #[error("body over {} limit", fmt_bytes(*.limit))]
    TooLarge { limit: usize },
    /// Full message, e.g. `connection closed mid-body`.
    #[error("{0}")]
    Body(String),
    /// What is wrong with the URL (or a redirect target).
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// Not sent: the host rate-limited us or timed out just before, and is left alone a while.
    #[error("not asked: {host} is paused for {} after {why}", fmt_duration(.left))]
    Paused { host: String, why: &'static str, left: Duration },
}

impl FetchError {
    /// Whether retrying can help (timeouts, connect/DNS, 408/425/429/5xx, mid-body) vs not
    /// (other statuses such as 401/403/404/410, TooLarge, InvalidUrl, TLS).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout(_)
            | FetchError::Connect(_)
            | FetchError::Dns(_)
            | FetchError::Body(_)
            | FetchError::Paused { .. } => true,
            FetchError::Status { code, .. } => matches!(code, 408 | 425 | 429 | 500..=599),
            FetchError::Tls(_) | FetchError::TooLarge { .. } | FetchError::InvalidUrl(_) => false,
        }
    }

    /// Retry-After from a 429/503, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            FetchError::Paused { left, .. } => Some(*left),
            _ => None,
        }
    }
}

/// At most this many requests are in flight at once, in all; the rest wait their turn.
pub const MAX_IN_FLIGHT: usize = 6;
/// At most this many requests are in flight to one host (name and port) at once.
pub const MAX_PER_HOST: usize = 2;

/// Slots for requests in flight, overall and per host. Waiting for a slot does not count toward
/// a request's timeout.
struct Budget {
    all: tokio::sync::Semaphore,
    hosts: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Semaphore>>>,
    /// Hosts that answered 429: no request goes to them before the instant, and how many 429s
    /// in a row they sent (the pause doubles with each).
    paused: std::sync::Mutex<std::collections::HashMap<String, (tokio::time::Instant, u32, &'static str)>>,
}

/// A host that says 429 without Retry-After, or times out, is left alone this long, doubling
/// each time in a row, up to [`PAUSE_MAX`] (a Retry-After is kept in full): requests for it fail
/// at once as [`FetchError::Paused`] instead of each earning a 429 or waiting out a timeout.
pub const PAUSE_BASE: Duration = Duration::from_secs(1);
pub const PAUSE_MAX: Duration = Duration::from_secs(60);

impl Budget {
    fn host(&self, key: &str) -> Arc<tokio::sync::Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(MAX_PER_HOST)))
            .clone()
    }

    fn paused_until(&self, key: &str) -> Option<(tokio::time::Instant, &'static str)> {
        let paused = self.paused.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        paused
            .get(key)
            .map(|(until, _, why)| (*until, *why))
            .filter(|(until, _)| *until > tokio::time::Instant::now())
    }

    /// Records the host's answer: a 429 or a timeout pauses it (a 429 for its Retry-After, else
    /// the doubling pause); any other answer ends the pause streak.
    fn answered(&self, key: &str, trouble: Option<&'static str>, retry_after: Option<Duration>) {
        let mut paused = self.paused.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(why) = trouble else {
            paused.remove(key);
            return;
        };
        let strikes = paused.get(key).map_or(0, |(_, n, _)| *n).saturating_add(1);
        let doubling = PAUSE_BASE.saturating_mul(1 << (strikes - 1).min(6)).min(PAUSE_MAX);
        // The server's own Retry-After is kept in full (parsing caps it at an hour).
        let wait = retry_after.unwrap_or(doubling);
        paused.insert(key.to_string(), (tokio::time::Instant::now() + wait, strikes, why));
    }
}

/// The HTTP client; cheap to clone (shares one connection pool and one request budget).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    connect_timeout: Duration,
    total_timeout: Duration,
    max_body: usize,
    budget: Arc<Budget>,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("connect_timeout", &self.connect_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// Builds the client (rustls, gzip, at most 5 redirects to http/https only).
    pub fn new(cfg: HttpConfig) -> Result<Http, FetchError> {
        let policy = redirect::Policy::custom(|attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(RedirectRefused(format!("more than {MAX_REDIRECTS} redirects")))
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                let msg = format!("redirect to unsupported scheme {}:", attempt.url().scheme());
                attempt.error(RedirectRefused(msg))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(clean(&cfg.user_agent))
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.total_timeout)
            .redirect(policy)
            .pool_max_idle_per_host(MAX_PER_HOST)
            .gzip(true)
            .build()
            .map_err(|e| FetchError::Tls(detail(&format!("client setup failed: {}", chain_text(&e)))))?;
        Ok(Http {
            client,
            connect_timeout: cfg.connect_timeout,
            total_timeout: cfg.total_timeout,
            max_body: cfg.max_body,
            budget: Arc::new(Budget {
                all: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
                hosts: std::sync::Mutex::default(),
                paused: std::sync::Mutex::default(),
            }),
        })
    }

    /// One GET: connect + total timeouts, gzip, follows up to 5 redirects, http/https only, reads
    /// the body chunk by chunk and stops with `TooLarge` as soon as it exceeds `max_body` (also
    /// if Content-Length says so up front); non-2xx -> `Status` with Retry-After parsed.
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        self.get_if(url, None).await
    }

    /// [`Http::get`], conditional on `since` (the validators of the last answer): a 304 is
    /// `Ok` with `not_modified` set and no body.
    pub async fn get_if(&self, url: &str, since: Option<&Validators>) -> Result<Fetched, FetchError> {
        self.send(url, since, &[]).await
    }

    /// [`Http::get`] with extra request headers (an API that wants a browser's `Accept`,
    /// `Origin` and `Referer`).
    pub async fn get_with(&self, url: &str, headers: &[(&'static str, &str)]) -> Result<Fetched, FetchError> {
        self.send(url, None, headers).await
    }

    async fn send(
        &self,
        url: &str,
        since: Option<&Validators>,
        headers: &[(&'static str, &str)],
    ) -> Result<Fetched, FetchError> {
        let url = check_url(url)?;
        // A slot for the host first, then one of all: a request waiting on a busy host never
        // holds a slot another host could use. The semaphores are never closed.
        let key =
            format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0));
        let host = self.budget.host(&key);
        let _host_slot = host.acquire().await.ok();
        // A host that rate-limited us (or did not answer in time) is not asked again before its
        // pause ends: the request fails at once, saying so, with the wait left, so a quote goes
        // straight to its next source and every source's backoff takes over.
        if let Some((until, why)) = self.budget.paused_until(&key) {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let secs = Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0));
            let host = detail(url.host_str().unwrap_or_default());
            return Err(FetchError::Paused { host, why, left: secs.max(Duration::from_secs(1)) });
        }
        let _slot = self.budget.all.acquire().await.ok();
        let result = match tokio::time::timeout(self.total_timeout, self.attempt(url, since, headers)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(self.total_timeout)),
        };
        match &result {
            Err(FetchError::Status { code: 429, retry_after }) => {
                self.budget.answered(&key, Some("a 429"), *retry_after)
            }
            Err(FetchError::Timeout(_)) => self.budget.answered(&key, Some("a timeout"), None),
            Ok(_) | Err(FetchError::Status { .. }) => self.budget.answered(&key, None, None),
            Err(_) => {}
        }
        result
    }

    async fn attempt(
        &self,
        url: Url,
        since: Option<&Validators>,
        headers: &[(&'static str, &str)],
    ) -> Result<Fetched, FetchError> {
        let host = url.host_str().unwrap_or_default().to_string();
        let is_https = url.scheme() == "https";
        let mut request = self.client.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(v) = since {
            if let Some(etag) = &v.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag.as_str());
            }
            if let Some(date) = &v.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, date.as_str());
            }
        }
        let mut resp = request.send().await.map_err(|e| self.classify(&e, &host, is_https))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED && since.is_some() {
            let validators = since.cloned().unwrap_or_default();
            return Ok(Fetched { bytes: Vec::new(), content_type: None, validators, not_modified: true });
        }
        if !status.is_success() {
            let retry_after =
                if matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
                    resp.headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, Utc::now()))
                } else {
                    None
                };
            return Err(FetchError::Status { code: status.as_u16(), retry_after });
        }
        if resp.content_length().is_some_and(|len| len > self.max_body as u64) {
            return Err(FetchError::TooLarge { limit: self.max_body });
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .filter(|v| v.len() <= VALIDATOR_MAX)
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        // Sized from Content-Length where given (already checked against the cap): a growing
        // buffer would hold the old and the doubled copy at once.
        let mut bytes = Vec::with_capacity(resp.content_length().map_or(0, |n| n as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify_body(&e))? {
            if bytes.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge { limit: self.max_body });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { bytes, content_type, validators, not_modified: false })
    }

    /// Sorts a failure before the response headers arrived.
    fn classify(&self, e: &reqwest::Error, host: &str, is_https: bool) -> FetchError {
        if let Some(r) = find_source::<RedirectRefused>(e) {
            return FetchError::InvalidUrl(detail(&r.0));
        }
        if e.is_redirect() || e.is_builder() {
            return FetchError::InvalidUrl(detail(&innermost(e)));
        }
        let text = chain_text(e);
        let lower = text.to_ascii_lowercase();
        if lower.contains("dns error") || lower.contains("failed to lookup address") {
            return FetchError::Dns(detail(host));
        }
        if e.is_timeout() {
            let limit = if e.is_connect() { self.connect_timeout } else { self.total_timeout };
            return FetchError::Timeout(limit);
        }
        if has_io_kind(e, io::ErrorKind::ConnectionRefused) {
            return FetchError::Connect("connection refused".into());
        }
        if is_https && has_io_kind(e, io::ErrorKind::InvalidData) {
            return FetchError::Tls(detail(&innermost(e)));
        }
        if is_https && (lower.contains("tls") || lower.contains("certificate") || lower.contains("handshake"))
        {
            return FetchError::Tls(detail(&innermost(e)));
        }
        if e.is_connect() {
            return FetchError::Connect(detail(&format!("connection failed: {}", innermost(e))));
        }
        if e.is_body() || e.is_decode() {
            return self.classify_body(e);
        }
        FetchError::Connect(detail(&format!("request failed: {}", innermost(e))))
    }

    /// Sorts a failure while reading the body.
    fn classify_body(&self, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout(self.total_timeout);
        }
        let lower = chain_text(e).to_ascii_lowercase();
        if e.is_decode() && !lower.contains("end of file") && !lower.contains("incomplete") {
            return FetchError::Body(detail(&format!("could not decode body: {}", innermost(e))));
        }
        FetchError::Body("connection closed mid-body".into())
    }
}

/// A path segment or query value: every byte outside RFC 3986 "unreserved" percent-encoded
/// (`^GSPC` -> `%5EGSPC`, `ERIC B` -> `ERIC%20B`, `SIVE.ST` unchanged).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses and checks a URL: absolute, http or https, with a host.
fn check_url(raw: &str) -> Result<Url, FetchError> {
    let url = Url::parse(raw.trim()).map_err(|e| FetchError::InvalidUrl(detail(&e.to_string())))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::InvalidUrl(detail(&format!(
            "unsupported scheme {}: (http/https only)",
            url.scheme()
        ))));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::InvalidUrl("no host".into()));
    }
    Ok(url)
}

pub use crate::core::update::backoff;

/// Parses a Retry-After value: delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime),
/// relative to `now`; past dates give zero, everything is capped at one hour.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(RETRY_AFTER_CAP));
    }
    let at = parse_http_date(value)?;
    let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(RETRY_AFTER_CAP))
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc2822(value) {
        return Some(dt.with_timezone(&Utc));
    }
    let squeezed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y", "%a, %d %b %Y %H:%M:%S GMT"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(&squeezed, fmt).ok())
        .map(|naive| naive.and_utc())
}

/// Error handed to reqwest by the redirect policy, found again in the source chain.
#[derive(Debug)]
struct RedirectRefused(String);

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for RedirectRefused {}

/// The error and its causes, outermost first. `io::Error::source` skips the error it wraps, so
/// wrapped errors are entered through `get_ref` instead.
fn sources<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(e);
    while let Some(cur) = next.take() {
        out.push(cur);
        if out.len() >= 32 {
            break;
        }
        next = match cur.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => cur.source(),
        };
    }
    out
}

fn find_source<T: StdError + 'static>(e: &reqwest::Error) -> Option<&T> {
    sources(e).into_iter().find_map(|s| s.downcast_ref::<T>())
}

fn has_io_kind(e: &reqwest::Error, kind: io::ErrorKind) -> bool {
    sources(e).into_iter().filter_map(|s| s.downcast_ref::<io::Error>()).any(|io| io.kind() == kind)
}

/// All messages of the source chain, joined (for classification, never shown).
fn chain_text(e: &reqwest::Error) -> String {
    sources(e).iter().map(|s| s.to_string()).collect::<Vec<_>>().join(": ")
}

/// The deepest message of the chain: usually the most specific one.
fn innermost(e: &reqwest::Error) -> String {
    sources(e).last().map(|s| s.to_string()).unwrap_or_default()
}

/// Foreign text made safe for the status line: one clean line, at most `DETAIL_CHARS` characters.
fn detail(text: &str) -> String {
    let cleaned = clean(text);
    if cleaned.chars().count() <= DETAIL_CHARS {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(DETAIL_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn status_message(code: u16, retry_after: Option<Duration>) -> String {
    let reason = StatusCode::from_u16(code).ok().and_then(|s| s.canonical_reason());
    let mut msg = match reason {
        Some(reason) => format!("HTTP {code} {reason}"),
        None => format!("HTTP {code}"),
    };
    if let Some(wait) = retry_after {
        msg.push_str(&format!(" (retry after {})", fmt_duration(&wait)));
    }
    msg
}

fn fmt_duration(d: &Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn fmt_bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    const KIB: usize = 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_is_one_short_clean_line() {
        let d = detail("bad\x1b[31m thing\r\nhappened\u{7}");
        assert!(!d.chars().any(char::is_control), "{d:?}");
        assert!(d.contains("bad") && d.contains("happened"));
        let long = detail(&"x".repeat(500));
        assert_eq!(long.chars().count(), DETAIL_CHARS);
        assert!(long.ends_with('…'));
        let e = FetchError::Tls(detail(&"y\n".repeat(400)));
        assert!(e.to_string().chars().count() <= 160);
    }
}
