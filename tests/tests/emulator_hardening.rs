//! The emulator under hostile input (issue 10, section 3): admin inputs that used to panic,
//! connections that never finish their headers, a forged `Host`, admin routes behind a
//! token, truncated images, oversized bodies and what PoA keeps.
//!
//! Requests go over real loopback TCP to the in-process emulator. Most use the tiny raw
//! HTTP/1.1 client below, so that a test can forge what an SDK never sends (a `Host`, a
//! half-written head) and see exactly what the server answers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yoti_auth::AssertionSigner;
use yoti_emulator::{Emulator, EmulatorBuilder};
use yoti_tests::{SDK_ID, test_key};
use yoti_types::poa::{CLIENT_ASSERTION_TYPE_JWT_BEARER, GRANT_TYPE_CLIENT_CREDENTIALS};

/// An answer read whole from the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// Sends one request (`Connection: close`) and reads the answer to the end, in 10 s at most.
async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.write_all(request.as_bytes()).await.expect("head");
        // The server may answer (413, 401) before reading the whole body.
        let _ = stream.write_all(body).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("answered within 10 s");
    let text_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer head in {:?}", String::from_utf8_lossy(&answer)));
    let head = String::from_utf8_lossy(&answer[..text_end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Answer {
        status,
        head,
        body: answer[text_end + 4..].to_vec(),
    }
}

async fn json_request(addr: SocketAddr, method: &str, path: &str, body: Value) -> Answer {
    raw(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await
}

async fn start(builder: EmulatorBuilder) -> Emulator {
    builder
        .app(SDK_ID, test_key().public_key())
        .start()
        .await
        .expect("emulator starts")
}

/// The token endpoint's form for an assertion signed for `audience`.
fn token_form(audience: &str) -> String {
    let assertion = AssertionSigner::new(SDK_ID, test_key(), audience)
        .sign()
        .expect("signs");
    let encode = |s: &str| s.replace(':', "%3A");
    format!(
        "grant_type={}&client_assertion_type={}&scope=poa%3Averify&client_assertion={}",
        encode(GRANT_TYPE_CLIENT_CREDENTIALS),
        encode(CLIENT_ASSERTION_TYPE_JWT_BEARER),
        assertion.expose_secret()
    )
}

async fn request_token(addr: SocketAddr, host: Option<&str>, audience: &str) -> Answer {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(host) = host {
        headers.push(("Host", host));
    }
    raw(
        addr,
        "POST",
        "/v1/oauth/token",
        &headers,
        token_form(audience).as_bytes(),
    )
    .await
}

/// Admin inputs that reach time arithmetic, each an edge or a random `u64`: the answer is
/// 2xx or a 400 JSON error, never a panic, and the token endpoint keeps working after.
#[test]
fn admin_time_inputs_get_400_or_2xx_and_never_panic() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(start(Emulator::builder()));
    let addr = emu.addr();
    let hundred_years = 100 * 365 * 86_400_u64;
    let value = prop_oneof![
        Just(0_u64),
        Just(1),
        Just(hundred_years),
        Just(hundred_years + 1),
        Just(u64::MAX),
        Just(i64::MAX as u64),
        Just(i64::MAX as u64 + 1),
        0..100_000_u64,
        any::<u64>(),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&value, |v| {
            rt.block_on(async {
                let checked = |answer: Answer, what: &str| {
                    let ok = (200..300).contains(&answer.status)
                        || (answer.status == 400 && answer.json()["code"] == "BAD_REQUEST");
                    assert!(ok, "{what} = {v}: {} {:?}", answer.status, answer.json());
                    answer.status
                };
                let admin =
                    |path: &'static str, body: Value| json_request(addr, "POST", path, body);
                checked(
                    admin(
                        "/__emulator/poa/tokens",
                        json!({"sdk_id": SDK_ID, "lifetime_secs": v}),
                    )
                    .await,
                    "lifetime_secs",
                );
                for field in ["token_lifetime_secs", "qr_validity_secs", "async_delay_ms"] {
                    let answer =
                        json_request(addr, "PUT", "/__emulator/poa/config", json!({ field: v }))
                            .await;
                    checked(answer, field);
                    let reset =
                        json_request(addr, "PUT", "/__emulator/poa/config", json!({})).await;
                    assert_eq!(reset.status, 200);
                }
                let faults =
                    json_request(addr, "PUT", "/__emulator/faults", json!({"latency_ms": v})).await;
                checked(faults, "latency_ms");
                let reset = json_request(addr, "PUT", "/__emulator/faults", json!({})).await;
                assert_eq!(reset.status, 200);
                checked(
                    admin("/__emulator/clock/advance", json!({"seconds": v})).await,
                    "seconds",
                );
                // Every token issued so far (one may live 100 years) leaves the token endpoint
                // working.
                let token = request_token(addr, None, &emu.token_url()).await;
                assert_eq!(token.status, 200, "{:?}", token.json());
            });
            Ok(())
        })
        .unwrap();
    assert_eq!(emu.stats().panics, 0);
}

#[tokio::test]
async fn the_token_endpoint_takes_its_audience_from_the_public_url_not_the_host_header() {
    let emu = start(Emulator::builder()).await;
    let addr = emu.addr();
    // A forged Host and an assertion made for it: refused.
    let forged = request_token(
        addr,
        Some("evil.example"),
        "http://evil.example/v1/oauth/token",
    )
    .await;
    assert_eq!(forged.status, 401, "{:?}", forged.json());
    assert_eq!(forged.json()["error"], "invalid_client");
    // The real URL works whatever the Host says.
    let real = request_token(addr, Some("evil.example"), &emu.token_url()).await;
    assert_eq!(real.status, 200, "{:?}", real.json());

    // A configured public URL is the one expected.
    let emu = start(Emulator::builder().public_url("https://yoti.test:8443/")).await;
    let ours = request_token(emu.addr(), None, "https://yoti.test:8443/v1/oauth/token").await;
    assert_eq!(ours.status, 200, "{:?}", ours.json());
    let bound = request_token(emu.addr(), None, &emu.token_url()).await;
    assert_eq!(bound.status, 401, "{:?}", bound.json());
}

#[tokio::test]
async fn admin_routes_need_the_admin_token_when_one_is_set() {
    let open = start(Emulator::builder()).await;
    let health = raw(open.addr(), "GET", "/__emulator/health", &[], b"").await;
    assert_eq!(health.status, 200, "unauthenticated by default");

    let emu = start(Emulator::builder().admin_token("s3cret-admin")).await;
    let addr = emu.addr();
    for (method, path) in [
        ("GET", "/__emulator/health"),
        ("GET", "/__emulator/stats"),
        ("PUT", "/__emulator/faults"),
        ("POST", "/__emulator/clock/advance"),
        ("PUT", "/__emulator/poa/config"),
    ] {
        for auth in [None, Some("Bearer wrong"), Some("s3cret-admin")] {
            let headers: Vec<_> = auth.map(|a| ("Authorization", a)).into_iter().collect();
            let answer = raw(addr, method, path, &headers, b"{}").await;
            assert_eq!(answer.status, 401, "{method} {path} {auth:?}");
            assert_eq!(answer.json()["code"], "UNAUTHORIZED");
            assert!(!String::from_utf8_lossy(&answer.body).contains("s3cret"));
        }
    }
    let ok = raw(
        addr,
        "GET",
        "/__emulator/stats",
        &[("Authorization", "Bearer s3cret-admin")],
        b"",
    )
    .await;
    assert_eq!(ok.status, 200);
    // Service routes are not affected.
    let supported = raw(addr, "GET", "/idverify/v1/supported-documents", &[], b"").await;
    assert_eq!(supported.status, 401, "signed, not admin");
    assert_ne!(supported.json()["code"], "UNAUTHORIZED");
    assert!(!format!("{emu:?}").contains("s3cret"));
}

/// Reads until the server closes the connection; answers how long that took.
async fn closed_within(mut stream: TcpStream, bound: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 256];
    tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the server closed the connection in time");
    started.elapsed()
}

#[tokio::test]
async fn slowloris_and_idle_connections_are_closed_in_bounded_time() {
    let emu = start(Emulator::builder().header_read_timeout(Duration::from_secs(1))).await;
    let addr = emu.addr();

    // A head dribbled a byte every 100 ms, never finished.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let dribble = tokio::spawn(async move {
        for byte in b"GET /__emulator/health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if slow.write_all(&[*byte]).await.is_err() {
                return Some(slow);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(slow)
    });
    // An idle connection that never sends anything.
    let idle = TcpStream::connect(addr).await.unwrap();
    let took = closed_within(idle, Duration::from_secs(8)).await;
    assert!(took >= Duration::from_millis(500), "{took:?}");
    let slow = dribble.await.unwrap().unwrap();
    closed_within(slow, Duration::from_secs(8)).await;

    // A kept-alive connection idle after an answer is closed too.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(format!("GET /__emulator/health HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    closed_within(kept, Duration::from_secs(8)).await;

    // The server still answers.
    assert_eq!(
        raw(addr, "GET", "/__emulator/health", &[], b"")
            .await
            .status,
        200
    );
}

fn verify_body(value: &str) -> Vec<u8> {
    let query = yoti_poa::models::VerifyQuery::new(value, yoti_poa::timestamp_now(), "pos-1");
    serde_json::to_vec(&query).unwrap()
}

#[tokio::test]
async fn poa_bounds_qr_values_and_bodies_and_forgets_after_the_retention() {
    let emu = start(Emulator::builder()).await;
    let addr = emu.addr();
    let token = emu.issue_poa_token(SDK_ID, Duration::from_secs(600));
    let bearer = format!("Bearer {}", token.expose_secret());
    let verify = |body: Vec<u8>| {
        let bearer = bearer.clone();
        async move {
            raw(
                addr,
                "POST",
                "/poa/v1/verify",
                &[
                    ("Authorization", bearer.as_str()),
                    ("Content-Type", "application/json"),
                ],
                &body,
            )
            .await
        }
    };
    let poa_error = |answer: &Answer, status: u16, code: &str| {
        assert_eq!(answer.status, status, "{:?}", answer.json());
        assert!(
            answer
                .header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let body = answer.json();
        assert_eq!(
            (body["status"].as_u64(), body["error"].as_str()),
            (Some(u64::from(status)), Some(code))
        );
    };

    // A QR value no QR code could hold.
    let long = format!("age_over:18#{}", "x".repeat(9 * 1024));
    poa_error(&verify(verify_body(&long)).await, 400, "MALFORMED_PAYLOAD");
    // A body over 2 MiB: PoA's JSON error, not axum's text/plain.
    let huge = format!("age_over:18#{}", "x".repeat(2 * 1024 * 1024 + 10));
    poa_error(&verify(verify_body(&huge)).await, 413, "PAYLOAD_TOO_LARGE");

    // Results and used values are forgotten after the retention period.
    let value = "age_over:18#retention";
    let first = verify(verify_body(value)).await;
    assert_eq!(first.json()["status"], "SUCCESS", "{:?}", first.json());
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let again = verify(verify_body(value)).await;
    assert_eq!(
        again.json()["failure"]["reason"],
        "PRESENTATION_ALREADY_USED"
    );
    let result = |id: String| {
        let bearer = bearer.clone();
        async move {
            raw(
                addr,
                "GET",
                &format!("/poa/v1/verify/{id}"),
                &[("Authorization", bearer.as_str())],
                b"",
            )
            .await
        }
    };
    assert_eq!(result(id.clone()).await.status, 200);
    emu.advance_clock(Duration::from_secs(emu.poa_config().retention_secs));
    assert_eq!(result(id).await.status, 404, "forgotten");
    let reused = verify(verify_body(value)).await;
    assert_eq!(reused.json()["status"], "SUCCESS", "{:?}", reused.json());

    // Over-limit bodies elsewhere are JSON too.
    let admin = raw(
        addr,
        "PUT",
        "/__emulator/poa/config",
        &[("Content-Type", "application/json")],
        &vec![b' '; 3 * 1024 * 1024],
    )
    .await;
    assert_eq!(admin.status, 413);
    assert_eq!(admin.json()["code"], "PAYLOAD_TOO_LARGE");
}

/// Where a JPEG's first scan header ends (after `FF DA`, its length and its fields).
fn end_of_scan_header(jpeg: &[u8]) -> usize {
    let sos = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("a scan");
    sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
}

/// A JPEG with a comment segment of `pad` bytes after its SOI (to keep a cut file big).
fn padded(jpeg: &[u8], pad: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&(pad + 2).to_be_bytes());
    out.extend(std::iter::repeat_n(b'c', usize::from(pad)));
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test]
async fn truncated_images_do_not_decode_idv_422_and_age_unsupported_format() {
    use yoti_idv::models::{CaptureMethod, SessionSpec};
    use yoti_idv::{CreateIdDocumentRequest, IdvClient, Image, PageUpload};

    let emu = start(Emulator::builder()).await;
    let whole = yoti_emulator::test_images::jpeg(640, 480, 7);
    let after_header = whole[..end_of_scan_header(&whole)].to_vec();
    let mid_scan = whole[..whole.len() * 9 / 10].to_vec();
    let png = yoti_emulator::test_images::png(64, 64, 7);
    let png_cut = png[..png.len() - 20].to_vec();

    // IDV: an ID document page upload.
    let idv = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emu.idv_url())
        .transport(yoti_tests::transport())
        .build()
        .unwrap();
    let spec: SessionSpec = serde_json::from_value(json!({
        "required_documents": [{"type": "ID_DOCUMENT"}],
        "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}]
    }))
    .unwrap();
    let created = idv.create_session(&spec).send().await.unwrap();
    let client = idv.client_session_for(&created).unwrap();
    let document = client
        .create_id_document(&CreateIdDocumentRequest::new("PASSPORT", "GBR"))
        .send()
        .await
        .unwrap();
    let page =
        |bytes: &[u8]| PageUpload::new(Image::new(bytes.to_vec()).unwrap(), CaptureMethod::Camera);
    for (what, bytes) in [
        ("cut after the scan header", &after_header),
        ("cut in the scan", &mid_scan),
        ("a PNG without its end", &png_cut),
    ] {
        let error = client
            .upload_id_document_page(&document.id, 1, &page(bytes))
            .send()
            .await
            .expect_err(what);
        assert_eq!(
            (
                error.status().map(|s| s.as_u16()),
                error.code().map(|c| c.as_str())
            ),
            (Some(422), Some("UNPROCESSABLE_MEDIA")),
            "{what}: {error:?}"
        );
    }
    client
        .upload_id_document_page(&document.id, 1, &page(&whole))
        .send()
        .await
        .expect("the whole image is fine");

    // Age Estimation: big enough to pass the size rules, cut after its scan header.
    let big = yoti_emulator::test_images::jpeg(800, 600, 9);
    let cut = padded(&big, 60_000);
    let cut = cut[..end_of_scan_header(&cut)].to_vec();
    assert!(cut.len() > 50_000);
    let signer = yoti_auth::RequestSigner::new(SDK_ID, test_key());
    let age = |image: Vec<u8>| {
        use base64::Engine as _;
        let body = json!({"img": base64::engine::general_purpose::STANDARD.encode(image)});
        let request = signer
            .request(http::Method::POST, &emu.age_url(), "/age")
            .sdk_id(yoti_auth::SdkIdPlacement::Header)
            .json(body.to_string());
        async move {
            yoti_tests::send(&yoti_tests::transport(), &request)
                .await
                .unwrap()
        }
    };
    let answer = age(cut).await;
    assert_eq!(answer.status, 400, "{}", answer.json);
    assert_eq!(answer.json["error_code"], "UNSUPPORTED_IMAGE_FORMAT");
    let whole = age(padded(&big, 60_000)).await;
    assert_eq!(whole.status, 200, "{}", whole.json);
    assert_eq!(emu.stats().panics, 0);
}
