//! What goes on the wire, checked with an in-memory HTTP client: paths, queries, headers,
//! signatures over the exact bytes, multipart bodies, status mapping. (The end-to-end tests in
//! `tests/tests/idv.rs` run the same calls against the emulator over real HTTP.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use yoti_auth::{ClientSessionToken, PrivateKey, SignedParts, Verifier, headers, query_param};
use yoti_http::{Body, BoxFuture, HttpClient, RetryPolicy, Transport};
use yoti_types::idv::{
    CreateFaceCaptureResourceRequest, ResponseConfig, SessionSpec, SessionState,
};

use yoti_types::ValidationError;

use crate::{Error, IdvClient, Image, MediaContent, SupportedDocumentsRequest, WaitOptions};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
const BASE: &str = "https://api.yoti.com/idverify/v1";

type Canned = (StatusCode, Vec<(&'static str, &'static str)>, Bytes);

#[derive(Debug, Default)]
struct Mock {
    requests: Mutex<Vec<Request<Bytes>>>,
    answers: Mutex<VecDeque<Canned>>,
    delay: Option<Duration>,
}

impl Mock {
    fn answer(&self, status: u16, headers: Vec<(&'static str, &'static str)>, body: &str) {
        self.answers.lock().unwrap().push_back((
            StatusCode::from_u16(status).unwrap(),
            headers,
            Bytes::copy_from_slice(body.as_bytes()),
        ));
    }

    fn take(&self) -> Vec<Request<Bytes>> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

impl HttpClient for Mock {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Body>, yoti_http::Error>> {
        self.requests.lock().unwrap().push(request);
        let (status, headers, body) = self.answers.lock().unwrap().pop_front().unwrap_or((
            StatusCode::OK,
            vec![],
            Bytes::from_static(b"{}"),
        ));
        let delay = self.delay;
        Box::pin(async move {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            Ok(response)
        })
    }
}

fn key() -> PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(2048).unwrap())
        .clone()
}

fn client(mock: &Arc<Mock>) -> IdvClient {
    IdvClient::builder()
        .sdk_id("sdk-1")
        .key(key())
        .base_url(BASE)
        .transport(Transport::from_arc(mock.clone()).with_retry(RetryPolicy::none()))
        .build()
        .unwrap()
}

/// Checks the signature of a captured request as the service would, over its exact bytes.
fn verify_signature(request: &Request<Bytes>) {
    let path = request
        .uri()
        .path()
        .strip_prefix("/idverify/v1")
        .or_else(|| request.uri().path().strip_prefix("/sandbox/idverify/v1"))
        .expect("under the base path");
    let parts = SignedParts {
        method: request.method().as_str(),
        path,
        query: request.uri().query(),
        body: request.body(),
        digest: request
            .headers()
            .get(headers::AUTH_DIGEST)
            .and_then(|v| v.to_str().ok()),
    };
    Verifier::new()
        .verify(&key().public_key(), &parts)
        .expect("the signature verifies");
    assert!(request.headers()[headers::AUTH_DIGEST].is_sensitive());
}

fn query(request: &Request<Bytes>) -> &str {
    request.uri().query().unwrap_or("")
}

#[tokio::test]
async fn sdk_id_is_left_out_exactly_where_the_official_sdks_leave_it_out() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    mock.answer(200, vec![], r#"{"supported_countries":[]}"#);
    c.supported_documents(SupportedDocumentsRequest::new().include_non_latin(true))
        .await
        .unwrap();
    c.sandbox()
        .set_app_response_config(&ResponseConfig::approve_all())
        .await
        .unwrap();
    mock.answer(200, vec![], "{}");
    c.sandbox().app_response_config().await.unwrap();
    c.sandbox()
        .set_session_response_config("s1", &ResponseConfig::new())
        .await
        .unwrap();
    let sent = mock.take();
    assert_eq!(sent.len(), 4);
    for r in &sent {
        verify_signature(r);
    }
    assert_eq!(sent[0].uri().path(), "/idverify/v1/supported-documents");
    assert!(query(&sent[0]).starts_with("includeNonLatin=true&nonce="));
    assert_eq!(query_param(query(&sent[0]), "sdkId"), None);
    assert_eq!(sent[1].method(), "PUT");
    assert_eq!(
        sent[1].uri().path(),
        "/sandbox/idverify/v1/apps/sdk-1/response-config"
    );
    assert_eq!(query_param(query(&sent[1]), "sdkId"), None);
    assert_eq!(sent[1].headers()["content-type"], "application/json");
    assert_eq!(sent[2].method(), "GET");
    assert_eq!(
        query_param(query(&sent[2]), "sdkId").as_deref(),
        Some("sdk-1")
    );
    assert_eq!(
        sent[3].uri().path(),
        "/sandbox/idverify/v1/sessions/s1/response-config"
    );
    assert!(query(&sent[3]).starts_with("sdkId=sdk-1&nonce="));
}

#[tokio::test]
async fn uploads_are_multipart_and_signed_over_the_exact_bytes() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    let image = Image::new(JPEG).unwrap().filename("face.jpg");
    c.upload_face_capture_image("s 1", "r1", &image)
        .await
        .unwrap();
    let sent = mock.take();
    let r = &sent[0];
    verify_signature(r);
    assert_eq!(r.method(), "PUT");
    assert_eq!(
        r.uri().path(),
        "/idverify/v1/sessions/s%201/resources/face-capture/r1/image"
    );
    let ct = r.headers()["content-type"].to_str().unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let mut expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"binary-content\"; filename=\"face.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    expected.extend_from_slice(JPEG);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(&r.body()[..], &expected[..]);

    // Not an image: refused before anything is sent.
    let err = Image::new(&b"GIF89a"[..]).unwrap_err();
    assert_eq!(err.field(), "binary-content");
    assert!(mock.take().is_empty());
}

#[tokio::test]
async fn client_endpoints_carry_the_token_and_no_signature() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    let session = c.client_session("s1", ClientSessionToken::new("tok-1"));
    let image = Image::new(JPEG).unwrap();
    session
        .upload_face_capture_image("r1", &image)
        .await
        .unwrap();
    session.trigger_checks().await.unwrap();
    let sent = mock.take();
    for r in &sent {
        assert_eq!(r.headers()[headers::AUTH_TOKEN], "tok-1");
        assert!(r.headers()[headers::AUTH_TOKEN].is_sensitive());
        assert!(r.headers().get(headers::AUTH_DIGEST).is_none());
        assert_eq!(r.uri().query(), None);
        assert_eq!(r.headers()[headers::SDK], "Rust");
    }
    assert_eq!(
        sent[0].uri().path(),
        "/idverify/v1/sessions/s1/resources/face-capture/r1/image"
    );
    assert_eq!(sent[1].method(), "POST");
    assert_eq!(
        sent[1].uri().path(),
        "/idverify/v1/sessions/s1/checks/trigger"
    );
    assert!(sent[1].body().is_empty());
}

#[tokio::test]
async fn media_answers_map_to_content_withheld_or_errors() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    mock.answer(200, vec![("content-type", "image/png")], "PNGDATA");
    mock.answer(204, vec![], "");
    mock.answer(
        404,
        vec![("content-type", "application/json")],
        r#"{"code":"NOT_FOUND","message":"no such media"}"#,
    );
    let MediaContent::Content(stream) = c.get_media("s1", "m1").await.unwrap() else {
        panic!("content expected")
    };
    assert_eq!(stream.content_type(), Some("image/png"));
    assert_eq!(stream.bytes().await.unwrap(), "PNGDATA");
    assert!(c.get_media("s1", "m1").await.unwrap().is_withheld());
    let err = c.get_media("s1", "m2").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code().map(|c| c.as_str()), Some("NOT_FOUND"));
    assert_eq!(err.message(), Some("no such media"));
    let sent = mock.take();
    assert_eq!(
        sent[0].uri().path(),
        "/idverify/v1/sessions/s1/media/m1/content"
    );
    verify_signature(&sent[0]);
}

#[tokio::test]
async fn invalid_requests_are_refused_before_any_io() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    let spec = SessionSpec {
        resources_ttl: Some(10),
        ..SessionSpec::default()
    };
    let err = c.create_session(&spec).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Validation(ValidationError::OutOfRange { .. })
    ));
    assert!(err.is_not_sent());
    let err = c.get_session("").await.unwrap_err();
    assert!(matches!(
        err,
        Error::Validation(ValidationError::Empty { .. })
    ));
    let err = c
        .create_face_capture_resource("s1", &CreateFaceCaptureResourceRequest::new(""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)));
    assert!(mock.take().is_empty());

    // A plain-http notification endpoint is refused for Yoti's service...
    let spec = SessionSpec {
        notifications: Some(yoti_types::idv::NotificationConfig::new(
            "http://127.0.0.1:9/hook",
        )),
        ..SessionSpec::default()
    };
    let err = c.create_session(&spec).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Validation(ValidationError::InsecureUrl { .. })
    ));
    // ...but accepted by a client of a loopback emulator.
    let local = IdvClient::builder()
        .sdk_id("sdk-1")
        .key(key())
        .base_url("http://127.0.0.1:9/idverify/v1")
        .transport(Transport::from_arc(mock.clone()))
        .build()
        .unwrap();
    mock.answer(
        201,
        vec![],
        r#"{"session_id":"s9","client_session_token":"t"}"#,
    );
    let created = local.create_session(&spec).await.unwrap();
    assert_eq!(created.session_id.as_str(), "s9");
    assert_eq!(mock.take()[0].uri().path(), "/idverify/v1/sessions");
}

#[tokio::test]
async fn decode_failures_carry_the_json_path() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    mock.answer(
        200,
        vec![],
        r#"{"session_id":"s1","client_session_token_ttl":"soon"}"#,
    );
    let err = c.get_session("s1").await.unwrap_err();
    let Error::Decode { status, source } = &err else {
        panic!("decode error expected, got {err:?}")
    };
    assert_eq!(*status, StatusCode::OK);
    assert_eq!(source.path, "client_session_token_ttl");
}

#[tokio::test]
async fn per_call_timeouts_bound_the_call() {
    let mock = Arc::new(Mock {
        delay: Some(Duration::from_secs(5)),
        ..Mock::default()
    });
    let c = client(&mock);
    let err = c
        .get_session("s1")
        .with_timeout(Duration::from_millis(20))
        .await
        .unwrap_err();
    // The call's deadline (issue 10): a timeout, and transient like any other.
    assert!(matches!(
        err,
        Error::Transport(yoti_http::Error::Deadline { after }, _) if after == Duration::from_millis(20)
    ));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn waiting_polls_until_completed_with_growing_intervals() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    mock.answer(200, vec![], r#"{"session_id":"s1","state":"ONGOING"}"#);
    mock.answer(503, vec![], "busy");
    mock.answer(200, vec![], r#"{"session_id":"s1","state":"ONGOING"}"#);
    mock.answer(200, vec![], r#"{"session_id":"s1","state":"COMPLETED"}"#);
    let polls = Arc::new(Mutex::new(Vec::new()));
    let seen = polls.clone();
    let options = WaitOptions::new()
        .initial_interval(Duration::from_millis(5))
        .max_interval(Duration::from_millis(20))
        .on_poll(move |s| seen.lock().unwrap().push(s.state.clone()));
    let done = c.wait_for_completion("s1", options).await.unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));
    assert_eq!(mock.take().len(), 4, "the 503 was polled through");
    assert_eq!(polls.lock().unwrap().len(), 3);

    // A deadline.
    for _ in 0..100 {
        mock.answer(200, vec![], r#"{"state":"ONGOING"}"#);
    }
    let err = c
        .wait_for_completion(
            "s1",
            WaitOptions::new()
                .max_wait(Duration::from_millis(50))
                .initial_interval(Duration::from_millis(10)),
        )
        .await
        .unwrap_err();
    let Error::WaitTimeout { last_state, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(last_state, &Some(SessionState::Ongoing));
    assert!(!err.is_retryable());

    // Any other error ends the wait.
    mock.answers.lock().unwrap().clear();
    mock.answer(404, vec![], r#"{"code":"SESSION_NOT_FOUND"}"#);
    let err = c
        .wait_for_completion("s1", WaitOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.as_str()), Some("SESSION_NOT_FOUND"));
}

#[tokio::test]
async fn dropping_a_wait_stops_it() {
    let mock = Arc::new(Mock::default());
    let c = client(&mock);
    for _ in 0..1000 {
        mock.answer(200, vec![], r#"{"state":"ONGOING"}"#);
    }
    let wait = c.wait_for_completion(
        "s1",
        WaitOptions::new().initial_interval(Duration::from_millis(10)),
    );
    let outcome = tokio::time::timeout(Duration::from_millis(60), wait.into_future()).await;
    assert!(outcome.is_err());
    let polled = mock.take().len();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(polled >= 1);
    assert!(mock.take().is_empty(), "nothing polls after the drop");
}
