//! Tests for `providers::http`: one GET against loopback servers (wiremock and raw TCP), error
//! classification and messages, backoff math and Retry-After parsing. Never touches the internet.

use chokepoint::providers::http::*;
use chrono::{DateTime, TimeZone, Utc};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const UA: &str = "chokepoint-test/1.0";

fn client(max_body: usize, total: Duration) -> Http {
    Http::new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        total_timeout: total,
        max_body,
        user_agent: UA.to_string(),
    })
    .expect("client builds")
}

fn http() -> Http {
    client(64 * 1024, Duration::from_secs(5))
}

/// The error's message is one clean status-line line.
fn assert_line(e: &FetchError) -> String {
    let msg = e.to_string();
    assert!(!msg.is_empty());
    assert!(msg.chars().count() <= 160, "too long: {msg}");
    assert!(!msg.chars().any(char::is_control), "control char in {msg:?}");
    msg
}

async fn mock(server: &MockServer, at: &str, resp: ResponseTemplate) {
    Mock::given(method("GET")).and(path(at)).respond_with(resp).mount(server).await;
}

/// Serves one connection on 127.0.0.1: reads the request head, writes `parts` in order, then
/// keeps the socket open for `hold` before closing it. Returns the base URL.
async fn raw_server(parts: Vec<Vec<u8>>, hold: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        for part in parts {
            if sock.write_all(&part).await.is_err() {
                return;
            }
            let _ = sock.flush().await;
        }
        tokio::time::sleep(hold).await;
        let _ = sock.shutdown().await;
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn ok_returns_body_and_content_type_and_sends_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/chart"))
        .and(header("user-agent", UA))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"chart":{}}"#, "application/json"))
        .mount(&server)
        .await;
    let got = http().get(&format!("{}/chart", server.uri())).await.expect("200");
    assert_eq!(got.bytes, br#"{"chart":{}}"#);
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn client_errors_are_permanent_and_server_errors_transient() {
    let server = MockServer::start().await;
    for code in [401u16, 403, 404, 410, 500, 502] {
        mock(&server, &format!("/s{code}"), ResponseTemplate::new(code).set_body_string("nope")).await;
    }
    let h = http();
    for (code, transient, text) in [
        (401u16, false, "HTTP 401 Unauthorized"),
        (403, false, "HTTP 403 Forbidden"),
        (404, false, "HTTP 404 Not Found"),
        (410, false, "HTTP 410 Gone"),
        (500, true, "HTTP 500 Internal Server Error"),
        (502, true, "HTTP 502 Bad Gateway"),
    ] {
        let err = h.get(&format!("{}/s{code}", server.uri())).await.expect_err("non-2xx");
        assert_eq!(err, FetchError::Status { code, retry_after: None });
        assert_eq!(err.is_transient(), transient, "{code}");
        assert_eq!(assert_line(&err), text);
        assert_eq!(err.retry_after(), None);
    }
}

#[tokio::test]
async fn retry_after_seconds_and_http_date_on_429_and_503() {
    let server = MockServer::start().await;
    let date = (Utc::now() + chrono::Duration::seconds(120)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    mock(&server, "/429s", ResponseTemplate::new(429).insert_header("retry-after", "7")).await;
    mock(&server, "/503s", ResponseTemplate::new(503).insert_header("retry-after", "7")).await;
    mock(&server, "/429d", ResponseTemplate::new(429).insert_header("retry-after", date.as_str())).await;
    mock(&server, "/503d", ResponseTemplate::new(503).insert_header("retry-after", date.as_str())).await;
    mock(&server, "/429big", ResponseTemplate::new(429).insert_header("retry-after", "86400")).await;
    mock(&server, "/404", ResponseTemplate::new(404).insert_header("retry-after", "7")).await;
    // A client per request: a 429 pauses the host for the client that got it (tested below).
    let get = |p: &str| {
        let url = format!("{}{p}", server.uri());
        async move { http().get(&url).await }
    };

    let e = get("/429s").await.expect_err("429");
    assert_eq!(e, FetchError::Status { code: 429, retry_after: Some(Duration::from_secs(7)) });
    assert!(e.is_transient());
    assert_eq!(assert_line(&e), "HTTP 429 Too Many Requests (retry after 7 s)");
    let e = get("/503s").await.expect_err("503");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(assert_line(&e), "HTTP 503 Service Unavailable (retry after 7 s)");
    for p in ["/429d", "/503d"] {
        let e = get(p).await.expect_err("date");
        let wait = e.retry_after().expect("date parsed");
        assert!(wait >= Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        assert!(e.is_transient());
    }
    assert_eq!(get("/429big").await.expect_err("429").retry_after(), Some(Duration::from_secs(3600)));
    // Retry-After is only honoured on 429/503.
    assert_eq!(get("/404").await.expect_err("404"), FetchError::Status { code: 404, retry_after: None });
}

/// A host that answers 429 is left alone: until its Retry-After (or a one-second pause, doubling)
/// has passed, a request for it fails at once as a 429 with the wait left, without reaching the
/// server; other hosts go on.
#[tokio::test]
async fn a_429_pauses_that_host_and_no_other() {
    let limited = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/q"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .mount(&limited)
        .await;
    mock(&limited, "/q", ResponseTemplate::new(200).set_body_string("ok")).await;
    let other = MockServer::start().await;
    mock(&other, "/q", ResponseTemplate::new(200).set_body_string("ok")).await;
    let h = http();
    let (limited_url, other_url) = (format!("{}/q", limited.uri()), format!("{}/q", other.uri()));
    let first = h.get(&limited_url).await.expect_err("429");
    assert_eq!(first.retry_after(), Some(Duration::from_secs(2)));
    let started = std::time::Instant::now();
    let held = h.get(&limited_url).await.expect_err("paused");
    assert!(started.elapsed() < Duration::from_millis(200), "failed at once");
    assert_eq!(held.retry_after(), Some(Duration::from_secs(2)));
    assert!(held.is_transient());
    assert_eq!(held.to_string(), "not asked: 127.0.0.1 is paused for 2 s after a 429");
    assert!(h.get(&other_url).await.is_ok(), "another host is not paused");
    assert_eq!(limited.received_requests().await.unwrap().len(), 1, "the paused host was not asked");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(h.get(&limited_url).await.is_ok(), "asked again after the pause");
    assert_eq!(limited.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn slow_response_times_out_quickly() {
    let server = MockServer::start().await;
    mock(&server, "/slow", ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let h = client(1024, Duration::from_millis(300));
    let start = Instant::now();
    let err = h.get(&format!("{}/slow", server.uri())).await.expect_err("timeout");
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert_eq!(err, FetchError::Timeout(Duration::from_millis(300)));
    assert!(err.is_transient());
    assert_eq!(assert_line(&err), "timed out after 300 ms");
    // A host that did not answer in time is left alone a second: the next request for it fails
    // at once (a quote goes straight to its next source) instead of waiting out another timeout.
    mock(&server, "/fast", ResponseTemplate::new(200).set_body_string("ok")).await;
    let start = Instant::now();
    let held = h.get(&format!("{}/fast", server.uri())).await.expect_err("paused");
    assert!(start.elapsed() < Duration::from_millis(100), "{:?}", start.elapsed());
    assert_eq!(assert_line(&held), "not asked: 127.0.0.1 is paused for 1 s after a timeout");
    assert_eq!(held.retry_after(), Some(Duration::from_secs(1)));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(h.get(&format!("{}/fast", server.uri())).await.is_ok(), "asked again after the pause");
}

#[tokio::test]
async fn body_that_stalls_times_out() {
    let url = raw_server(
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst ten.".to_vec()],
        Duration::from_secs(5),
    )
    .await;
    let start = Instant::now();
    let err = client(1024, Duration::from_millis(300)).get(&url).await.expect_err("timeout");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(err, FetchError::Timeout(Duration::from_millis(300)));
}

#[tokio::test]
async fn oversized_body_with_content_length_is_too_large() {
    let server = MockServer::start().await;
    mock(&server, "/big", ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 1001])).await;
    mock(&server, "/exact", ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 1000])).await;
    let h = client(1000, Duration::from_secs(5));
    let err = h.get(&format!("{}/big", server.uri())).await.expect_err("too large");
    assert_eq!(err, FetchError::TooLarge { limit: 1000 });
    assert!(!err.is_transient());
    assert_eq!(assert_line(&err), "body over 1000 bytes limit");
    assert_eq!(h.get(&format!("{}/exact", server.uri())).await.expect("at limit").bytes.len(), 1000);
}

#[tokio::test]
async fn content_length_over_limit_is_refused_before_the_body_arrives() {
    // The server announces 10 MB and then sends nothing: only the header can end this early.
    let url = raw_server(
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n".to_vec()],
        Duration::from_secs(5),
    )
    .await;
    let start = Instant::now();
    let err = client(5 * 1024 * 1024, Duration::from_secs(3)).get(&url).await.expect_err("too large");
    assert_eq!(err, FetchError::TooLarge { limit: 5 * 1024 * 1024 });
    assert_eq!(assert_line(&err), "body over 5 MiB limit");
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn oversized_body_without_length_stops_as_soon_as_it_exceeds() {
    // Close-delimited body: 1500 bytes, then the server stalls; we must not wait for the end.
    let mut resp = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    resp.extend(vec![b'x'; 1500]);
    let url = raw_server(vec![resp], Duration::from_secs(5)).await;
    let start = Instant::now();
    let err = client(1000, Duration::from_secs(3)).get(&url).await.expect_err("too large");
    assert_eq!(err, FetchError::TooLarge { limit: 1000 });
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn oversized_chunked_body_is_too_large() {
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = |n: usize| {
        let mut c = format!("{n:x}\r\n").into_bytes();
        c.extend(vec![b'y'; n]);
        c.extend_from_slice(b"\r\n");
        c
    };
    let url = raw_server(vec![head, chunk(600), chunk(600)], Duration::from_secs(5)).await;
    let start = Instant::now();
    let err = client(1000, Duration::from_secs(3)).get(&url).await.expect_err("too large");
    assert_eq!(err, FetchError::TooLarge { limit: 1000 });
    assert!(start.elapsed() < Duration::from_secs(1));
}

/// A server that would send 100 MB, chunked (no length to refuse up front) as fast as loopback
/// takes it. Returns the URL and how many bytes it managed to write before the client hung up.
async fn hundred_mb_server() -> (String, tokio::task::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else { return 0 };
        let mut buf = [0u8; 1024];
        let _ = sock.read(&mut buf).await;
        let mut sent = 0usize;
        let head =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n";
        if sock.write_all(head).await.is_err() {
            return sent;
        }
        let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
        chunk.extend(std::iter::repeat_n(b'<', 64 * 1024));
        chunk.extend_from_slice(b"\r\n");
        while sent < 100_000_000 {
            if sock.write_all(&chunk).await.is_err() {
                return sent;
            }
            sent += 64 * 1024;
        }
        sent
    });
    (format!("http://{addr}/feed"), task)
}

#[tokio::test]
async fn a_hundred_megabyte_body_is_cut_off_at_the_default_cap() {
    let (url, server) = hundred_mb_server().await;
    let h = Http::new(HttpConfig::default()).expect("client builds");
    let start = Instant::now();
    let err = h.get(&url).await.expect_err("too large");
    assert_eq!(err, FetchError::TooLarge { limit: 5 * 1024 * 1024 });
    assert!(!err.is_transient(), "retrying a 100 MB answer at the fast pace would be a storm");
    // The client hung up: the server's writes fail long before 100 MB (loopback socket buffers took ~10 MB here).
    let sent = tokio::time::timeout(Duration::from_secs(10), server).await.expect("server stops").unwrap();
    assert!(sent < 40_000_000, "the server got {sent} bytes out");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_hundred_megabyte_content_length_is_refused_from_the_header() {
    let url = raw_server(
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n".to_vec(), vec![b'a'; 1 << 20]],
        Duration::from_secs(5),
    )
    .await;
    let err = Http::new(HttpConfig::default()).unwrap().get(&url).await.expect_err("too large");
    assert_eq!(err, FetchError::TooLarge { limit: 5 * 1024 * 1024 });
}

#[tokio::test]
async fn garbage_bytes_are_returned_as_is() {
    let server = MockServer::start().await;
    let junk: Vec<u8> = vec![0xff, 0x00, 0xfe, 0x1b, b'[', b'2', b'J', 0x80, 0xc3];
    mock(&server, "/junk", ResponseTemplate::new(200).set_body_bytes(junk.clone())).await;
    let got = http().get(&format!("{}/junk", server.uri())).await.expect("200");
    assert_eq!(got.bytes, junk);
}

/// A gzip member holding `data` in one stored (uncompressed) deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    let len = u16::try_from(data.len()).expect("small");
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, 1];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[tokio::test]
async fn gzip_bodies_are_decompressed_and_capped_after_decompression() {
    let server = MockServer::start().await;
    let xml = b"<rss><channel><title>t</title></channel></rss>".repeat(20);
    let gz = ResponseTemplate::new(200).insert_header("content-encoding", "gzip");
    mock(&server, "/gz", gz.clone().set_body_raw(gzip_stored(&xml), "application/rss+xml")).await;
    let got = http().get(&format!("{}/gz", server.uri())).await.expect("200");
    assert_eq!(got.bytes, xml);
    assert_eq!(got.content_type.as_deref(), Some("application/rss+xml"));
    let err = client(xml.len() - 1, Duration::from_secs(5))
        .get(&format!("{}/gz", server.uri()))
        .await
        .expect_err("decompressed body over limit");
    assert_eq!(err, FetchError::TooLarge { limit: xml.len() - 1 });
}

#[tokio::test]
async fn truncated_body_is_a_body_error() {
    let url = raw_server(
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten!!".to_vec()],
        Duration::ZERO,
    )
    .await;
    let err = http().get(&url).await.expect_err("truncated");
    assert_eq!(err, FetchError::Body("connection closed mid-body".into()));
    assert!(err.is_transient());
    assert_eq!(assert_line(&err), "connection closed mid-body");
}

#[tokio::test]
async fn connection_refused_is_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let err = http().get(&format!("http://{addr}/")).await.expect_err("refused");
    assert_eq!(err, FetchError::Connect("connection refused".into()));
    assert!(err.is_transient());
    assert_eq!(assert_line(&err), "connection refused");
}

#[tokio::test]
async fn unknown_host_is_dns() {
    let err = http().get("http://name.invalid/feed").await.expect_err("no such host");
    assert!(matches!(err, FetchError::Dns(_) | FetchError::Connect(_)), "{err:?}");
    assert!(assert_line(&err).contains("name.invalid"), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn https_to_plain_http_server_is_tls() {
    let server = MockServer::start().await;
    let port = server.address().port();
    let err = http().get(&format!("https://127.0.0.1:{port}/")).await.expect_err("tls");
    let msg = assert_line(&err);
    assert!(matches!(err, FetchError::Tls(_) | FetchError::Connect(_)), "{err:?}");
    assert!(msg.contains("TLS"), "{msg}");
    if matches!(err, FetchError::Tls(_)) {
        assert!(!err.is_transient());
    }
}

#[tokio::test]
async fn invalid_and_non_http_urls_are_invalid_url() {
    let h = http();
    for bad in ["not a url", "", "/relative/path", "file:///etc/passwd", "ftp://example.com/x", "http://"] {
        let err = h.get(bad).await.expect_err(bad);
        assert!(matches!(err, FetchError::InvalidUrl(_)), "{bad}: {err:?}");
        assert!(!err.is_transient());
        assert!(assert_line(&err).starts_with("invalid URL"), "{err}");
    }
    let err = h.get("file:///etc/passwd").await.expect_err("file");
    assert!(err.to_string().contains("file"), "{err}");
}

#[tokio::test]
async fn follows_up_to_five_redirects_and_refuses_more_or_other_schemes() {
    let server = MockServer::start().await;
    for i in 0..6 {
        let to = format!("{}/r{}", server.uri(), i + 1);
        mock(&server, &format!("/r{i}"), ResponseTemplate::new(302).insert_header("location", to.as_str()))
            .await;
    }
    mock(&server, "/r6", ResponseTemplate::new(200).set_body_string("end")).await;
    mock(&server, "/file", ResponseTemplate::new(301).insert_header("location", "file:///etc/passwd")).await;
    mock(&server, "/ftp", ResponseTemplate::new(302).insert_header("location", "ftp://127.0.0.1/x")).await;
    let h = http();
    let got = h.get(&format!("{}/r1", server.uri())).await.expect("5 redirects");
    assert_eq!(got.bytes, b"end");
    let err = h.get(&format!("{}/r0", server.uri())).await.expect_err("6 redirects");
    assert_eq!(err, FetchError::InvalidUrl("more than 5 redirects".into()));
    // Never followed: refused by our policy or handed back as the redirect response itself.
    let err = h.get(&format!("{}/file", server.uri())).await.expect_err("file redirect");
    assert!(matches!(err, FetchError::InvalidUrl(_) | FetchError::Status { code: 301, .. }), "{err:?}");
    assert!(!err.is_transient());
    assert_line(&err);
    let err = h.get(&format!("{}/ftp", server.uri())).await.expect_err("ftp redirect");
    assert_eq!(err, FetchError::InvalidUrl("redirect to unsupported scheme ftp:".into()));
}

#[tokio::test]
async fn clones_share_the_client() {
    let server = MockServer::start().await;
    mock(&server, "/a", ResponseTemplate::new(200).set_body_string("a")).await;
    let h = http();
    let url = format!("{}/a", server.uri());
    let (h2, url2) = (h.clone(), url.clone());
    let spawned = tokio::spawn(async move { h2.get(&url2).await });
    let b = h.get(&url).await;
    assert_eq!(spawned.await.expect("task").expect("a").bytes, b"a");
    assert_eq!(b.expect("b").bytes, b"a");
}

#[test]
fn default_config_matches_the_design() {
    let cfg = HttpConfig::default();
    assert_eq!(cfg.connect_timeout, Duration::from_secs(5));
    assert_eq!(cfg.total_timeout, Duration::from_secs(15));
    assert_eq!(cfg.max_body, 5 * 1024 * 1024);
    assert!(cfg.user_agent.starts_with("Mozilla/5.0"));
    assert!(Http::new(cfg).is_ok());
}

#[test]
fn messages_and_transience() {
    let status = |code| FetchError::Status { code, retry_after: None };
    assert_eq!(FetchError::Timeout(Duration::from_secs(15)).to_string(), "timed out after 15 s");
    assert_eq!(FetchError::Timeout(Duration::from_millis(1500)).to_string(), "timed out after 1.5 s");
    assert_eq!(
        FetchError::Dns("example.invalid".into()).to_string(),
        "DNS lookup failed for example.invalid"
    );
    assert_eq!(FetchError::Tls("bad cert".into()).to_string(), "TLS error: bad cert");
    assert_eq!(FetchError::TooLarge { limit: 5 * 1024 * 1024 }.to_string(), "body over 5 MiB limit");
    assert_eq!(FetchError::TooLarge { limit: 64 * 1024 }.to_string(), "body over 64 KiB limit");
    assert_eq!(status(599).to_string(), "HTTP 599");
    let e = FetchError::Status { code: 429, retry_after: Some(Duration::from_secs(30)) };
    assert_eq!(e.to_string(), "HTTP 429 Too Many Requests (retry after 30 s)");
    for code in [408, 425, 429, 500, 502, 503, 504, 599] {
        assert!(status(code).is_transient(), "{code}");
    }
    for code in [301, 400, 401, 403, 404, 410, 451] {
        assert!(!status(code).is_transient(), "{code}");
    }
    assert!(!FetchError::Tls("x".into()).is_transient());
    assert!(!FetchError::InvalidUrl("x".into()).is_transient());
    assert!(FetchError::Connect("x".into()).is_transient());
    assert_eq!(FetchError::Connect("x".into()).retry_after(), None);
}

const S: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn backoff_stays_within_full_jitter_bounds() {
    let (base, cap) = (S(1), S(60));
    for failures in 1..=40u32 {
        let ceiling = if failures < 6 { S(1 << failures) } else { cap };
        assert_eq!(backoff(failures, base, cap, 0.0, None), Duration::ZERO);
        for jitter in [0.1, 0.5, 0.999_999] {
            let d = backoff(failures, base, cap, jitter, None);
            assert!(d <= ceiling, "{failures} {jitter}: {d:?}");
            assert_eq!(d, ceiling.mul_f64(jitter));
        }
    }
    assert_eq!(backoff(1, base, cap, 0.5, None), S(1));
    assert_eq!(backoff(3, base, cap, 0.5, None), S(4));
    // Out-of-range jitter is clamped, zero failures count as one, huge counts don't overflow.
    assert_eq!(backoff(2, base, cap, 7.0, None), S(4));
    assert_eq!(backoff(2, base, cap, -1.0, None), Duration::ZERO);
    assert_eq!(backoff(2, base, cap, f64::NAN, None), Duration::ZERO);
    assert_eq!(backoff(0, base, cap, 0.5, None), S(1));
    assert_eq!(backoff(u32::MAX, base, cap, 0.5, None), S(30));
    assert_eq!(backoff(200, Duration::MAX, Duration::MAX, 0.5, None), Duration::MAX.mul_f64(0.5));
}

#[test]
fn backoff_is_monotonic_up_to_the_cap() {
    let (base, cap) = (Duration::from_millis(500), S(300));
    let mut last = Duration::ZERO;
    for failures in 1..=64 {
        let d = backoff(failures, base, cap, 0.75, None);
        assert!(d >= last, "{failures}: {d:?} < {last:?}");
        assert!(d <= cap.mul_f64(0.75));
        last = d;
    }
    assert_eq!(last, cap.mul_f64(0.75));
}

#[test]
fn backoff_never_undercuts_retry_after() {
    let (base, cap) = (S(1), S(60));
    assert_eq!(backoff(1, base, cap, 0.0, Some(S(30))), S(30));
    assert_eq!(backoff(1, base, cap, 0.9, Some(S(7))), S(7));
    assert_eq!(backoff(10, base, cap, 0.5, Some(S(7))), S(30));
    // A server's Retry-After beyond our cap still wins.
    assert_eq!(backoff(10, base, cap, 0.999, Some(S(3600))), S(3600));
    assert_eq!(backoff(3, base, cap, 0.5, Some(Duration::ZERO)), S(4));
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("valid date")
}

#[test]
fn retry_after_delta_seconds() {
    let now = Utc::now();
    assert_eq!(parse_retry_after("7", now), Some(S(7)));
    assert_eq!(parse_retry_after("  120 ", now), Some(S(120)));
    assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("3600", now), Some(S(3600)));
    assert_eq!(parse_retry_after("3601", now), Some(S(3600)));
    assert_eq!(parse_retry_after("99999999999999999999999999", now), Some(S(3600)));
    for bad in ["", "  ", "-5", "1.5", "+7", "7s", "soon", "0x10"] {
        assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
    }
}

#[test]
fn retry_after_http_dates() {
    let now = at(2015, 10, 21, 7, 27, 0);
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(S(60)));
    assert_eq!(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now), Some(S(60)));
    assert_eq!(parse_retry_after("Wed Oct 21 07:28:00 2015", now), Some(S(60)));
    let early = at(2015, 10, 1, 7, 27, 30);
    assert_eq!(parse_retry_after("Thu Oct  1 07:28:00 2015", early), Some(S(30)));
    // Past dates mean "now"; far-future dates are capped at one hour.
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("Thu, 22 Oct 2015 07:28:00 GMT", now), Some(S(3600)));
    assert_eq!(parse_retry_after("Wed, 32 Oct 2015 07:28:00 GMT", now), None);
    assert_eq!(parse_retry_after("21 Oct 2015", now), None);
}

/// What a counting server saw: the most connections open at once and the most requests being
/// answered at once.
#[derive(Default)]
struct Seen {
    open: std::sync::atomic::AtomicUsize,
    max_open: std::sync::atomic::AtomicUsize,
    busy: std::sync::atomic::AtomicUsize,
    max_busy: std::sync::atomic::AtomicUsize,
    served: std::sync::atomic::AtomicUsize,
}

fn bump(now: &std::sync::atomic::AtomicUsize, max: &std::sync::atomic::AtomicUsize) {
    use std::sync::atomic::Ordering::SeqCst;
    let n = now.fetch_add(1, SeqCst) + 1;
    max.fetch_max(n, SeqCst);
}

/// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers each request after `delay` and counts
/// connections and requests in flight into `seen`. Returns its base URL.
async fn counting_server(seen: std::sync::Arc<Seen>, delay: Duration) -> String {
    use std::sync::atomic::Ordering::SeqCst;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                bump(&seen.open, &seen.max_open);
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                'conn: loop {
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => break 'conn,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    head.clear();
                    bump(&seen.busy, &seen.max_busy);
                    tokio::time::sleep(delay).await;
                    seen.busy.fetch_sub(1, SeqCst);
                    seen.served.fetch_add(1, SeqCst);
                    let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
                    if sock.write_all(reply).await.is_err() {
                        break;
                    }
                }
                seen.open.fetch_sub(1, SeqCst);
            });
        }
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn requests_are_capped_at_two_per_host_and_six_in_all() {
    use std::sync::atomic::Ordering::SeqCst;
    let http = http();
    let mut hosts = Vec::new();
    for _ in 0..5 {
        let seen = std::sync::Arc::new(Seen::default());
        let base = counting_server(seen.clone(), Duration::from_millis(60)).await;
        hosts.push((seen, base));
    }
    // 20 requests to each of five hosts at once, as 50 tickers and 50 feeds would ask.
    let mut jobs = Vec::new();
    for (_, base) in &hosts {
        for i in 0..20 {
            let (http, url) = (http.clone(), format!("{base}q{i}"));
            jobs.push(tokio::spawn(async move { http.get(&url).await }));
        }
    }
    let all_seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let peak = all_seen.clone();
    let watch = {
        let hosts: Vec<_> = hosts.iter().map(|(s, _)| s.clone()).collect();
        tokio::spawn(async move {
            loop {
                let busy: usize = hosts.iter().map(|s| s.busy.load(SeqCst)).sum();
                peak.fetch_max(busy, SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    for job in jobs {
        assert!(job.await.expect("task").is_ok());
    }
    watch.abort();
    for (seen, base) in &hosts {
        assert_eq!(seen.served.load(SeqCst), 20, "{base}");
        assert!(seen.max_busy.load(SeqCst) <= 2, "{base}: {} at once", seen.max_busy.load(SeqCst));
        assert!(seen.max_open.load(SeqCst) <= 2, "{base}: {} connections", seen.max_open.load(SeqCst));
    }
    let peak = all_seen.load(SeqCst);
    assert!((2..=6).contains(&peak), "{peak} requests in flight across hosts");
}
