//! The transport against real HTTP/1.1 servers on 127.0.0.1: retries, timeouts, streaming,
//! tracing. Each server is a hand-rolled `TcpListener` that plays a script of replies, one per
//! request, and closes every connection after its reply.

use std::error::Error as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use yoti_http::{Body, Error, HttpClient, HyperClient, Jitter, RetryPolicy, Transport};

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Reply {
    /// Answers this status with a short body `status N`.
    Status(u16),
    /// Answers this status with extra header lines (each ending in `\r\n`).
    StatusWith(u16, &'static str),
    /// Reads the request, then closes the connection without a word.
    Drop,
    /// Reads the request and never answers.
    Hang,
    /// Answers 200 with `len` bytes of a known pattern, written in 64 KiB pieces, with a
    /// `Content-Length` or chunked.
    Big { len: usize, chunked: bool },
}

struct Server {
    addr: SocketAddr,
    /// The request line of every request received, in order.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts a server that plays `script`, repeating its last reply once it runs out.
    async fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        // The test's runtime ends these tasks when the test ends.
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let script = script.clone();
                let log = log.clone();
                tokio::spawn(serve(stream, script, log));
            }
        });
        Self { addr, seen }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, script: Vec<Reply>, log: Arc<Mutex<Vec<String>>>) {
    let Some(request_line) = read_request(&mut stream).await else {
        return;
    };
    let reply = {
        let mut log = log.lock().unwrap();
        let index = log.len().min(script.len() - 1);
        log.push(request_line);
        script[index].clone()
    };
    match reply {
        Reply::Status(status) => respond(&mut stream, status, "").await,
        Reply::StatusWith(status, headers) => respond(&mut stream, status, headers).await,
        Reply::Drop => drop(stream),
        Reply::Hang => {
            std::future::pending::<()>().await;
        }
        Reply::Big { len, chunked } => {
            let head = if chunked {
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                    .to_owned()
            } else {
                format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n")
            };
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let body = pattern(len);
            for piece in body.chunks(64 * 1024) {
                let written = if chunked {
                    let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                    framed.extend_from_slice(piece);
                    framed.extend_from_slice(b"\r\n");
                    stream.write_all(&framed).await
                } else {
                    stream.write_all(piece).await
                };
                if written.is_err() {
                    return; // the client stopped reading
                }
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n").await;
            }
        }
    }
}

/// Reads one request (head, and a body of `Content-Length` bytes) and returns its request line.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let content_length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + content_length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    head.lines().next().map(str::to_owned)
}

async fn respond(stream: &mut TcpStream, status: u16, headers: &str) {
    let body = format!("status {status}");
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Fast retries for tests: 1 ms, then 2, 4, 5, 5, ... without jitter.
fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(ms(1))
        .with_max_backoff(ms(5))
        .with_jitter(Jitter::None)
}

fn transport(policy: RetryPolicy) -> Transport {
    let client = HyperClient::builder()
        .connect_timeout(ms(2000))
        .request_timeout(ms(5000))
        .build();
    Transport::new(client).with_retry(policy)
}

/// Counts calls of a request builder.
#[derive(Clone, Default)]
struct Calls(Arc<AtomicU32>);

impl Calls {
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn get_is_retried_on_503_and_rebuilt_for_every_attempt() {
    let server = Server::start(vec![
        Reply::Status(503),
        Reply::Status(503),
        Reply::Status(200),
    ])
    .await;
    let calls = Calls::default();
    let response = transport(fast())
        .execute(|attempt| {
            calls.hit();
            // A stand-in for a fresh nonce: each attempt must be built anew.
            Request::get(server.url(&format!("/sessions?nonce={attempt}"))).body(Bytes::new())
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.into_body().collect().await.unwrap(), "status 200");
    assert_eq!(calls.get(), 3);
    assert_eq!(
        server.requests(),
        [1, 2, 3].map(|n| format!("GET /sessions?nonce={n} HTTP/1.1"))
    );
}

#[tokio::test]
async fn post_is_sent_once_and_the_503_returned() {
    let server = Server::start(vec![
        Reply::Status(503),
        Reply::Status(503),
        Reply::Status(200),
    ])
    .await;
    let calls = Calls::default();
    let response = transport(fast())
        .execute(|_| {
            calls.hit();
            Request::post(server.url("/sessions")).body(Bytes::from_static(b"{}"))
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.into_body().collect().await.unwrap(), "status 503");
    assert_eq!(calls.get(), 1);
    assert_eq!(server.requests(), ["POST /sessions HTTP/1.1"]);
}

#[tokio::test]
async fn retry_statuses_run_out_into_the_last_response() {
    let server = Server::start(vec![Reply::Status(502)]).await;
    let response = transport(fast().with_max_attempts(4))
        .execute(|_| Request::get(server.url("/x")).body(Bytes::new()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn dropped_connection_is_retried_for_get_but_not_for_post() {
    let server = Server::start(vec![Reply::Drop, Reply::Status(200)]).await;
    let calls = Calls::default();
    let response = transport(fast())
        .execute(|_| {
            calls.hit();
            Request::delete(server.url("/sessions/1")).body(Bytes::new())
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.get(), 2);
    assert_eq!(server.requests().len(), 2);

    let server = Server::start(vec![Reply::Drop, Reply::Status(200)]).await;
    let calls = Calls::default();
    let err = transport(fast())
        .execute(|_| {
            calls.hit();
            Request::post(server.url("/sessions")).body(Bytes::from_static(b"{}"))
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable() && !err.is_connect());
    assert_eq!(calls.get(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn connect_refused_is_retried_even_for_post() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    }; // dropped: nothing listens there any more
    let calls = Calls::default();
    let started = Instant::now();
    let err = transport(fast())
        .execute(|_| {
            calls.hit();
            Request::post(format!("http://{addr}/sessions")).body(Bytes::from_static(b"{}"))
        })
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        calls.get(),
        3,
        "every attempt is built, and POST is retried"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // The source chain is kept down to the OS error.
    let mut source = err.source();
    let mut refused = false;
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        source = cause.source();
    }
    assert!(refused, "{err:?}");

    let calls = Calls::default();
    let err = transport(fast().with_max_attempts(5))
        .execute(|_| {
            calls.hit();
            Request::get(format!("http://{addr}/")).body(Bytes::new())
        })
        .await
        .unwrap_err();
    assert!(err.is_connect());
    assert_eq!(calls.get(), 5);
}

#[tokio::test]
async fn request_timeout_gives_timeout_error_in_time() {
    let server = Server::start(vec![Reply::Hang]).await;
    let client = HyperClient::builder().request_timeout(ms(200)).build();
    assert_eq!(client.request_timeout(), ms(200));

    let started = Instant::now();
    let err = Transport::new(client.clone())
        .with_retry(RetryPolicy::none())
        .execute(|_| Request::get(server.url("/slow")).body(Bytes::new()))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, Error::Timeout { after } if after == ms(200)),
        "{err:?}"
    );
    assert!(err.is_timeout() && err.is_retryable());
    assert!(elapsed >= ms(190) && elapsed < ms(1500), "{elapsed:?}");

    // A timeout is retried for GET, not for POST (the server may be acting on it).
    let server = Server::start(vec![Reply::Hang]).await;
    let err = Transport::new(client.clone())
        .with_retry(fast().with_max_attempts(2))
        .execute(|_| Request::get(server.url("/slow")).body(Bytes::new()))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(server.requests().len(), 2);

    let server = Server::start(vec![Reply::Hang]).await;
    let err = Transport::new(client)
        .with_retry(fast().with_max_attempts(2))
        .execute(|_| Request::post(server.url("/slow")).body(Bytes::new()))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn max_elapsed_caps_the_total_time() {
    let server = Server::start(vec![Reply::Status(503)]).await;
    let policy = RetryPolicy::default()
        .with_max_attempts(1000)
        .with_initial_backoff(ms(20))
        .with_max_backoff(ms(20))
        .with_jitter(Jitter::None)
        .with_max_elapsed(ms(300));
    let started = Instant::now();
    let response = transport(policy.clone())
        .execute(|_| Request::get(server.url("/x")).body(Bytes::new()))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(elapsed < ms(2000), "{elapsed:?}");
    let attempts = server.requests().len();
    assert!((2..50).contains(&attempts), "{attempts} attempts");

    // A retry still in flight at max_elapsed is cut short, and the last real answer returned.
    let server = Server::start(vec![Reply::Status(503), Reply::Hang]).await;
    let started = Instant::now();
    let response = transport(policy)
        .execute(|_| Request::get(server.url("/x")).body(Bytes::new()))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(elapsed >= ms(290) && elapsed < ms(3000), "{elapsed:?}");
    assert_eq!(response.into_body().collect().await.unwrap(), "status 503");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured_within_the_caps() {
    // Asked to wait 1 s, with 5 s left: wait, then succeed.
    let server = Server::start(vec![
        Reply::StatusWith(503, "retry-after: 1\r\n"),
        Reply::Status(200),
    ])
    .await;
    let started = Instant::now();
    let response = transport(fast().with_max_elapsed(ms(5000)))
        .execute(|_| Request::get(server.url("/x")).body(Bytes::new()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= ms(990), "{:?}", started.elapsed());

    // Asked to wait 60 s, with 5 s in all: give up at once with the 429.
    let server = Server::start(vec![
        Reply::StatusWith(429, "retry-after: 60\r\n"),
        Reply::Status(200),
    ])
    .await;
    let started = Instant::now();
    let response = transport(fast().with_max_elapsed(ms(5000)))
        .execute(|_| Request::get(server.url("/x")).body(Bytes::new()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(started.elapsed() < ms(3000));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn large_body_streams_chunk_by_chunk() {
    const LEN: usize = 8 * 1024 * 1024;
    for chunked in [false, true] {
        let server = Server::start(vec![Reply::Big { len: LEN, chunked }]).await;
        let transport = transport(RetryPolicy::none());
        let get = || transport.execute(|_| Request::get(server.url("/media")).body(Bytes::new()));

        let mut body = get().await.unwrap().into_body();
        let expected = pattern(LEN);
        let (mut total, mut chunks, mut largest) = (0, 0, 0);
        while let Some(chunk) = body.chunk().await {
            let chunk = chunk.unwrap();
            assert_eq!(chunk[..], expected[total..total + chunk.len()]);
            total += chunk.len();
            chunks += 1;
            largest = largest.max(chunk.len());
        }
        assert_eq!(total, LEN, "chunked: {chunked}");
        assert!(chunks > 8, "{chunks} chunks");
        assert!(largest <= 1024 * 1024, "largest chunk {largest}");

        let err = get()
            .await
            .unwrap()
            .into_body()
            .collect_limited(1024 * 1024)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::BodyTooLarge { limit } if limit == 1024 * 1024),
            "{err:?}"
        );

        let all = get()
            .await
            .unwrap()
            .into_body()
            .collect_limited(LEN)
            .await
            .unwrap();
        assert_eq!(all.len(), LEN);
        assert!(all[..] == expected[..]);
    }
}

#[tokio::test]
async fn build_errors_stop_at_once() {
    let calls = Calls::default();
    let err = Transport::default()
        .execute(|_| {
            calls.hit();
            Request::get("http://127.0.0.1:1/")
                .header("bad\nname", "x")
                .body(Bytes::new())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
    assert!(
        err.source()
            .unwrap()
            .downcast_ref::<http::Error>()
            .is_some()
    );
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_io() {
    let err = Transport::default()
        .execute(|_| Request::get("http://api.yoti.com/x").body(Bytes::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InsecureUrl { .. }), "{err:?}");
}

/// A client of one's own: fails to connect twice, then answers from memory.
#[derive(Debug, Default)]
struct Flaky {
    sent: AtomicU32,
}

impl HttpClient for Flaky {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> yoti_http::BoxFuture<'_, Result<http::Response<Body>, Error>> {
        Box::pin(async move {
            if self.sent.fetch_add(1, Ordering::SeqCst) < 2 {
                return Err(Error::Connect("refused".into()));
            }
            Ok(http::Response::new(Body::from(request.into_body())))
        })
    }
}

#[tokio::test]
async fn a_custom_client_plugs_in() {
    let client = Arc::new(Flaky::default());
    let transport = Transport::from_arc(client.clone()).with_retry(fast());
    let response = transport
        .execute(|_| Request::put("https://api.yoti.com/x").body(Bytes::from_static(b"echo")))
        .await
        .unwrap();
    assert_eq!(response.into_body().collect().await.unwrap(), "echo");
    assert_eq!(client.sent.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn one_span_per_request_without_query_or_headers() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || Writer(writer.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(vec![Reply::Status(503), Reply::Status(200)]).await;
    let response = transport(fast())
        .execute(|_| {
            Request::get(server.url("/sessions/abc?sdkId=SECRET-SDK&nonce=SECRET-NONCE"))
                .header("x-yoti-auth-digest", "SECRET-DIGEST")
                .body(Bytes::from_static(b"SECRET-BODY"))
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let server = Server::start(vec![Reply::Status(503)]).await;
    let response = transport(fast().with_max_attempts(2))
        .execute(|_| Request::delete(server.url("/gone?nonce=SECRET")).body(Bytes::new()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    println!("{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
    let closes: Vec<_> = logs.lines().filter(|l| l.contains("close")).collect();
    assert_eq!(closes.len(), 2, "{logs}");
    for (close, fields) in closes.iter().zip([
        &[
            "http.request.method=GET",
            "/sessions/abc ",
            "http.response.status_code=200",
            "attempt=2",
        ][..],
        &[
            "http.request.method=DELETE",
            "/gone ",
            "http.response.status_code=503",
            "error.type=503",
            "attempt=2",
        ][..],
    ]) {
        // OpenTelemetry's HTTP client fields: the URL without its query, the server, the
        // protocol version.
        for field in [
            "url.full=http://127.0.0.1:",
            "server.address=127.0.0.1",
            "server.port=",
            "network.protocol.version=1.1",
        ] {
            assert!(close.contains(field), "{field} in {close}");
        }
        assert!(close.contains("yoti.http"), "{close}");
        assert!(close.contains("latency_ms="), "{close}");
        for field in fields {
            assert!(close.contains(field), "{field} in {close}");
        }
    }
    assert!(
        logs.lines()
            .any(|l| l.contains("DEBUG") && l.contains("attempt done")),
        "{logs}"
    );
    let warns: Vec<_> = logs.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warns.len(), 1, "{logs}");
    assert!(
        warns[0].contains("giving up")
            && warns[0].contains("/gone ")
            && warns[0].contains("status=503"),
        "{logs}"
    );
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn base_urls() {
    use yoti_http::check_base_url;
    let ok = |url: &str| check_base_url(url).unwrap().to_string();
    assert_eq!(
        ok("https://api.yoti.com/idverify/v1/"),
        "https://api.yoti.com/idverify/v1"
    );
    assert_eq!(ok("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080/x");
    assert_eq!(ok("http://localhost:1"), "http://localhost:1/");
    assert_eq!(ok("http://[::1]:2"), "http://[::1]:2/");
    assert_eq!(
        ok("HTTPS://api.yoti.com/ai/v1"),
        "https://api.yoti.com/ai/v1"
    );

    let insecure = |url: &str| matches!(check_base_url(url), Err(Error::InsecureUrl { .. }));
    assert!(insecure("http://example.com"));
    assert!(insecure("http://api.yoti.com/idverify/v1"));
    assert!(insecure("http://10.0.0.1:8080"));
    assert!(insecure("http://localhost.evil.com"));

    let invalid = |url: &str| matches!(check_base_url(url), Err(Error::InvalidUrl { .. }));
    for url in [
        "ftp://api.yoti.com/x",
        "garbage",
        "",
        "not a url at all",
        "/idverify/v1",
        "api.yoti.com/idverify/v1",
        "https://",
        "https://api.yoti.com/idverify/v1?sdkId=1",
        "https://api.yoti.com/idverify/v1#top",
        "https://user:pw@api.yoti.com/",
    ] {
        assert!(invalid(url), "{url}: {:?}", check_base_url(url));
    }
}

#[tokio::test]
async fn tls_failure_is_a_connect_error() {
    // A plain-HTTP server answering a TLS ClientHello: the handshake fails before anything
    // is sent, so the request is safe to retry whatever its method.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut hello = [0; 512];
            let _ = stream.read(&mut hello).await;
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let calls = Calls::default();
    let err = transport(fast().with_max_attempts(2))
        .execute(|_| {
            calls.hit();
            Request::post(format!("https://{addr}/sessions")).body(Bytes::new())
        })
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(calls.get(), 2);
}
