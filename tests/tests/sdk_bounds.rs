//! Every SDK call is bounded in time and size, whatever the server does (issue 10, section 2).
//!
//! Hostile servers on loopback (a plain `TcpListener` writing raw HTTP/1.1) answer the calls
//! behind `yoti idv get-session`, `yoti age verify`, `yoti poa verify` and `yoti auth token`:
//! headers and then one byte a second, headers and then nothing, a 200 MB body, a token answer
//! cut short. Each call must end quickly with a typed error, read no more than the JSON limit,
//! and never repeat a token request that reached the server.

use std::error::Error as StdError;
use std::future::IntoFuture as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use yoti_age::{AgeClient, Verify};
use yoti_auth::PrivateKey;
use yoti_idv::IdvClient;
use yoti_poa::models::{AccessToken, VerifyQuery};
use yoti_poa::{PoaClient, timestamp_now};
use yoti_tests::{SDK_ID, test_key};

/// What the hostile server does once it has read a request.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// A 200 head announcing a long JSON body, then one byte a second.
    Drip,
    /// A 200 head, then nothing at all (the connection stays open).
    Stall,
    /// A 200 of 200 MB of JSON whitespace; with or without a `Content-Length`.
    Huge { content_length: bool },
    /// A 200 announcing 400 bytes, of which a few are sent before the connection closes.
    Truncated,
    /// A 200 with this JSON body.
    Json(&'static str),
}

/// 200 MB: what a hostile server streams.
const HUGE: u64 = 200 * 1024 * 1024;

struct Hostile {
    mode: Mode,
    origin: String,
    /// Requests read (head and body).
    requests: Arc<AtomicUsize>,
    /// Body bytes the server managed to write.
    written: Arc<AtomicU64>,
}

impl Hostile {
    async fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let (r, w) = (requests.clone(), written.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, mode, r.clone(), w.clone()));
            }
        });
        Self {
            mode,
            origin,
            requests,
            written,
        }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut socket: TcpStream,
    mode: Mode,
    requests: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
) {
    if !read_request(&mut socket).await {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let head = |length: Option<u64>| {
        let length = length.map_or_else(
            || "connection: close\r\n".to_owned(),
            |n| format!("content-length: {n}\r\n"),
        );
        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}\r\n")
    };
    match mode {
        Mode::Drip => {
            if socket
                .write_all(head(Some(1_000_000)).as_bytes())
                .await
                .is_err()
            {
                return;
            }
            loop {
                if socket.write_all(b" ").await.is_err() {
                    return;
                }
                written.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Mode::Stall => {
            let _ = socket.write_all(head(Some(100)).as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
        Mode::Huge { content_length } => {
            let length = content_length.then_some(HUGE);
            if socket.write_all(head(length).as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < HUGE {
                if socket.write_all(&block).await.is_err() {
                    return;
                }
                sent += block.len() as u64;
                written.fetch_add(block.len() as u64, Ordering::SeqCst);
            }
        }
        Mode::Truncated => {
            let _ = socket.write_all(head(Some(400)).as_bytes()).await;
            let _ = socket.write_all(br#"{"access_token":"yta_cut"#).await;
            // dropped: the connection closes 370 bytes short
        }
        Mode::Json(body) => {
            let _ = socket
                .write_all(format!("{}{body}", head(Some(body.len() as u64))).as_bytes())
                .await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
}

/// Reads one request, head and `Content-Length` body; false when the peer left first.
async fn read_request(socket: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
            return true;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// The time limits the clients get here: short, so that the tests stay short.
const DEADLINE: Duration = Duration::from_secs(2);
const READ_TIMEOUT: Duration = Duration::from_secs(1);

impl Hostile {
    /// The clients' limits against this server: against the drip, a read timeout well above
    /// its one second between bytes, so that the deadline ends the call; against the others,
    /// a deadline well above the read timeout, so that a stall ends at the read timeout. The
    /// margins keep the outcome the same on a loaded machine.
    fn limits(&self) -> (Duration, Duration) {
        match self.mode {
            Mode::Drip => (DEADLINE, Duration::from_secs(5)),
            _ => (Duration::from_secs(5), READ_TIMEOUT),
        }
    }
}
/// What every call must end within, whatever the server does.
const BOUND: Duration = Duration::from_secs(10);

fn idv(server: &Hostile) -> IdvClient {
    IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(format!("{}/idverify/v1", server.origin))
        .timeout(server.limits().0)
        .read_timeout(server.limits().1)
        .build()
        .expect("client")
}

fn age(server: &Hostile) -> AgeClient {
    AgeClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(format!("{}/ai/v1", server.origin))
        .local_checks(false)
        .timeout(server.limits().0)
        .read_timeout(server.limits().1)
        .build()
        .expect("client")
}

fn poa(server: &Hostile) -> PoaClient {
    PoaClient::builder()
        .base_url(&server.origin)
        .access_token(AccessToken::new("yta_fixed_for_the_test"))
        .timeout(server.limits().0)
        .read_timeout(server.limits().1)
        .build()
        .expect("client")
}

/// A client whose tokens come from `server` (its API is never reached).
fn tokens(server: &Hostile) -> PoaClient {
    PoaClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(&server.origin)
        .token_url(&server.origin)
        .timeout(server.limits().0)
        .read_timeout(server.limits().1)
        .build()
        .expect("client")
}

/// The four calls, run together, each error boxed: what the CLI's four commands send.
async fn each_call(server: &Hostile) -> Vec<(&'static str, Box<dyn StdError + Send + Sync>)> {
    let query = VerifyQuery::new("qr-value", timestamp_now(), "pos-1");
    let (idv_client, age_client, poa_client, token_client) =
        (idv(server), age(server), poa(server), tokens(server));
    let (i, a, p, t) = tokio::join!(
        idv_client.get_session("sess-1").into_future(),
        age_client.age_verify(Verify::new(vec![0xFF, 0xD8, 0xFF], 18)),
        poa_client.verify(&query),
        token_client.bearer_token(),
    );
    vec![
        ("idv get-session", Box::new(i.expect_err("idv fails")) as _),
        ("age verify", Box::new(a.expect_err("age fails")) as _),
        ("poa verify", Box::new(p.expect_err("poa fails")) as _),
        ("auth token", Box::new(t.expect_err("token fails")) as _),
    ]
}

/// The transport error at the root of an SDK error, found along its `source()` chain.
fn http_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a yoti_http::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(http) = e.downcast_ref::<yoti_http::Error>() {
            return Some(http);
        }
        next = e.source();
    }
    None
}

async fn bounded<T>(what: &str, call: impl std::future::IntoFuture<Output = T>) -> T {
    let started = Instant::now();
    let out = tokio::time::timeout(BOUND, call)
        .await
        .unwrap_or_else(|_| panic!("{what} did not end within {BOUND:?}"));
    assert!(
        started.elapsed() < BOUND,
        "{what} took {:?}",
        started.elapsed()
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_one_byte_a_second_ends_at_the_deadline() {
    let server = Hostile::start(Mode::Drip).await;
    for (what, error) in bounded("the four calls", each_call(&server)).await {
        assert!(
            matches!(http_cause(&*error), Some(yoti_http::Error::Deadline { after }) if *after == DEADLINE),
            "{what}: {error:?}"
        );
    }
    // One request each: the token POST that reached the server was not sent again.
    assert_eq!(server.requests(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_ends_at_the_read_timeout() {
    let server = Hostile::start(Mode::Stall).await;
    for (what, error) in bounded("the four calls", each_call(&server)).await {
        assert!(
            matches!(http_cause(&*error), Some(yoti_http::Error::ReadTimeout { idle }) if *idle == READ_TIMEOUT),
            "{what}: {error:?}"
        );
    }
    assert_eq!(server.requests(), 4, "the token request was sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_call_options_override_the_client() {
    let server = Hostile::start(Mode::Drip).await;
    let client = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(format!("{}/idverify/v1", server.origin))
        .build()
        .expect("client with the default 120 s deadline");
    let started = Instant::now();
    let error = bounded(
        "idv with_timeout",
        client
            .get_session("sess-1")
            .with_timeout(Duration::from_millis(1500)),
    )
    .await
    .expect_err("deadline");
    assert!(error.to_string().contains("request failed"), "{error}");
    assert!(
        matches!(http_cause(&error), Some(yoti_http::Error::Deadline { .. })),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));

    let stalled = Hostile::start(Mode::Stall).await;
    let client = AgeClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(format!("{}/ai/v1", stalled.origin))
        .local_checks(false)
        .build()
        .expect("client with the default 30 s read timeout");
    let error = bounded(
        "age with_read_timeout",
        client.age_verify(
            Verify::new(vec![0xFF, 0xD8, 0xFF], 18).with_read_timeout(Duration::from_millis(500)),
        ),
    )
    .await
    .expect_err("read timeout");
    assert!(
        matches!(
            http_cause(&error),
            Some(yoti_http::Error::ReadTimeout { .. })
        ),
        "{error:?}"
    );

    // The same per-call options on every service's Call (issue 12: one pipeline).
    let error = bounded(
        "age Call::with_read_timeout",
        client
            .age_verify(Verify::new(vec![0xFF, 0xD8, 0xFF], 18))
            .with_read_timeout(Duration::from_millis(500)),
    )
    .await
    .expect_err("read timeout");
    assert!(
        matches!(
            http_cause(&error),
            Some(yoti_http::Error::ReadTimeout { .. })
        ),
        "{error:?}"
    );
    let client = PoaClient::builder()
        .base_url(&server.origin)
        .access_token(AccessToken::new("yta_fixed_for_the_test"))
        .build()
        .expect("client with the default deadline");
    let query = VerifyQuery::new("qr-value", timestamp_now(), "pos-1");
    let error = bounded(
        "poa Call::with_timeout",
        client
            .verify(&query)
            .with_timeout(Duration::from_millis(1500)),
    )
    .await
    .expect_err("deadline");
    assert!(
        matches!(http_cause(&error), Some(yoti_http::Error::Deadline { .. })),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_media_obeys_the_read_timeout() {
    let server = Hostile::start(Mode::Stall).await;
    let content = bounded("get_media", idv(&server).get_media("sess-1", "media-1"))
        .await
        .expect("the head arrives");
    let mut stream = content.into_stream().expect("content, not withheld");
    let error = bounded("reading the stream", stream.chunk())
        .await
        .expect("an item")
        .expect_err("the stream stalls");
    assert!(
        matches!(
            http_cause(&error),
            Some(yoti_http::Error::ReadTimeout { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_body_fails_as_too_large_without_being_buffered() {
    for content_length in [false, true] {
        let server = Hostile::start(Mode::Huge { content_length }).await;
        for (what, error) in bounded("the four calls", each_call(&server)).await {
            assert!(
                http_cause(&*error).is_some_and(yoti_http::Error::is_too_large),
                "{what} (content-length: {content_length}): {error:?}"
            );
        }
        // Reading stopped at the 32 MiB limit for each of the four: far from 4 x 200 MB.
        let written = server.written();
        assert!(
            written < 4 * (yoti_http_limit() + 16 * 1024 * 1024),
            "the server wrote {written} bytes (content-length: {content_length})"
        );
        assert_eq!(server.requests(), 4, "the token request was sent once");
    }
}

/// The one limit every JSON answer has.
fn yoti_http_limit() -> u64 {
    32 * 1024 * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_answer_cut_short_is_not_requested_again() {
    let server = Hostile::start(Mode::Truncated).await;
    let error = bounded("the token", tokens(&server).bearer_token())
        .await
        .expect_err("cut short");
    assert_eq!(server.requests(), 1, "exactly one token POST: {error:?}");
    assert!(!error.is_retryable(), "{error:?}");
    let interrupted = match &error {
        yoti_poa::Error::Token(yoti_auth::Error::TokenRefresh { source, attempts }) => {
            *attempts == 1 && matches!(**source, yoti_auth::Error::TokenInterrupted(_))
        }
        _ => false,
    };
    assert!(interrupted, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_never_repeat_their_source() {
    let mut errors: Vec<(String, Box<dyn StdError + Send + Sync>)> = Vec::new();
    // `{1:2}`: serde's "key must be a string at line 1 column 2", the issue's example.
    let server = Hostile::start(Mode::Json("{1:2}")).await;
    for (what, error) in each_call(&server).await {
        errors.push((format!("{what}, undecodable answer"), error));
    }
    let server = Hostile::start(Mode::Drip).await;
    for (what, error) in each_call(&server).await {
        errors.push((format!("{what}, deadline"), error));
    }
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let refused = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(format!("http://{closed}/idverify/v1"))
        .transport(yoti_http::Transport::default().with_retry(yoti_http::RetryPolicy::none()))
        .build()
        .expect("client")
        .get_session("s")
        .await
        .expect_err("refused");
    errors.push(("connection refused".into(), Box::new(refused)));
    let missing = PrivateKey::from_pem_file("/nonexistent/yoti-key.pem").expect_err("no file");
    errors.push(("missing key file".into(), Box::new(missing)));
    let bad_url = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url("http://api.yoti.com/idverify/v1")
        .build()
        .expect_err("insecure");
    errors.push(("insecure base URL".into(), Box::new(bad_url)));

    for (what, error) in &errors {
        let mut messages = Vec::new();
        let mut next = Some(&**error as &(dyn StdError + 'static));
        while let Some(e) = next {
            messages.push(e.to_string());
            next = e.source();
        }
        assert!(
            messages.len() >= 2,
            "{what}: a chain of causes: {messages:?}"
        );
        for (i, outer) in messages.iter().enumerate() {
            for inner in &messages[i + 1..] {
                assert!(
                    !outer.contains(inner.as_str()),
                    "{what}: {outer:?} repeats its source {inner:?}"
                );
            }
        }
    }
}
