//! The emulator's Identity Verification service end to end, driven with raw requests over
//! real HTTP on loopback: signed ones (yoti-auth `RequestSigner` + yoti-http `Transport`) for
//! the relying business, `X-Yoti-Auth-Token` ones for the end user, plain ones for the admin
//! routes. Answers are parsed with the `yoti_types::idv` models, as the SDK will.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use yoti_auth::{PrivateKey, RequestSigner, SdkIdPlacement, headers};
use yoti_emulator::{Emulator, WebhookPolicy};
use yoti_http::Transport;
use yoti_tests::{SDK_ID, test_key, transport};
use yoti_types::idv::{
    CheckState, CreateSessionResponse, Notification, SessionConfiguration, SessionResult,
    SessionState, TrackedDeviceEvent,
};

// ----- harness -------------------------------------------------------------------------------

/// An answer: status, headers, raw body and the body as JSON (Null when not JSON).
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    json: Value,
}

impl Reply {
    fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// Asserts an IDV error answer: status, code, a message, JSON with no parameters.
    #[track_caller]
    fn expect_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.json);
        assert_eq!(self.json["code"], code, "{}", self.json);
        assert!(
            self.json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.json
        );
        assert_eq!(self.content_type(), Some("application/json"));
        self
    }

    /// The `property` of each field error.
    fn properties(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["property"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn exec(
    t: &Transport,
    mut build: impl FnMut() -> Result<Request<Bytes>, yoti_auth::Error>,
) -> Reply {
    let response = t
        .execute(|_| build())
        .await
        .expect("the request is answered");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("a body");
    Reply {
        status,
        headers,
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        body,
    }
}

/// One emulator, the test application's signer, a transport.
struct Idv {
    emu: Emulator,
    signer: RequestSigner,
    t: Transport,
}

impl Idv {
    async fn start() -> Self {
        Self::start_with(Emulator::builder()).await
    }

    async fn start_with(builder: yoti_emulator::EmulatorBuilder) -> Self {
        let key = test_key();
        let emu = builder
            .app(SDK_ID, key.public_key())
            .start()
            .await
            .expect("emulator starts");
        Self {
            emu,
            signer: RequestSigner::new(SDK_ID, key),
            t: transport(),
        }
    }

    /// A signed request without a body, on the production mount.
    async fn get(&self, path: &str) -> Reply {
        self.signed(&self.signer, Method::GET, path, None).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.signed(&self.signer, Method::DELETE, path, None).await
    }

    async fn signed(
        &self,
        signer: &RequestSigner,
        method: Method,
        path: &str,
        json: Option<&str>,
    ) -> Reply {
        let url = self.emu.idv_url();
        let mut request = signer.request(method, &url, path);
        if let Some(json) = json {
            request = request.json(json.to_owned());
        }
        exec(&self.t, || request.build()).await
    }

    /// `POST /sessions` with a JSON body written as Python's `json.dumps` writes it.
    async fn create(&self, spec: Value) -> CreateSessionResponse {
        let body = python_json(&spec);
        let reply = self
            .signed(&self.signer, Method::POST, "/sessions", Some(&body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
        assert_eq!(reply.content_type(), Some("application/json"));
        assert!(reply.json.get("session_id").is_some(), "snake_case id");
        serde_json::from_value(reply.json).expect("CreateSessionResponse parses")
    }

    async fn session(&self, id: &str) -> SessionResult {
        let reply = self.get(&format!("/sessions/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
        serde_json::from_value(reply.json).expect("SessionResult parses")
    }

    async fn configuration(&self, id: &str) -> SessionConfiguration {
        let reply = self.get(&format!("/sessions/{id}/configuration")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
        serde_json::from_value(reply.json).expect("SessionConfiguration parses")
    }

    /// A client-token request (no signature).
    async fn client(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Bytes)>,
    ) -> Reply {
        let url = format!("{}{path}", self.emu.idv_url());
        exec(&self.t, || {
            let mut request = Request::builder().method(method.clone()).uri(&url);
            if let Some(token) = token {
                request = request.header(headers::AUTH_TOKEN, token);
            }
            if let Some((content_type, _)) = &body {
                request = request.header(CONTENT_TYPE, *content_type);
            }
            let bytes = body.as_ref().map(|(_, b)| b.clone()).unwrap_or_default();
            Ok(request.body(bytes).expect("a valid request"))
        })
        .await
    }

    /// An admin request (`/__emulator/...`).
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = format!("{}/__emulator{path}", self.emu.base_url());
        exec(&self.t, || {
            let mut request = Request::builder().method(method.clone()).uri(&url);
            let bytes = match &body {
                Some(body) => {
                    request = request.header(CONTENT_TYPE, "application/json");
                    Bytes::from(body.to_string())
                }
                None => Bytes::new(),
            };
            Ok(request.body(bytes).expect("a valid request"))
        })
        .await
    }

    async fn simulate(&self, id: &str) -> Reply {
        self.admin(Method::POST, &format!("/sessions/{id}/simulate-user"), None)
            .await
    }

    async fn advance(&self, seconds: u64) {
        let reply = self
            .admin(
                Method::POST,
                "/clock/advance",
                Some(json!({ "seconds": seconds })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    }

    async fn deliveries(&self) -> Vec<Value> {
        let reply = self
            .admin(Method::GET, "/notifications?service=idv", None)
            .await;
        reply.json["deliveries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// JSON as Python's `json.dumps` writes it (`", "` and `": "` separators).
fn python_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), python_json(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for y in 0..height {
        for x in 0..width {
            pixels.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 128]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (civil-from-days).
fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap();
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

const BOUNDARY: &str = "yoti-test-boundary-7d3f";

/// A `multipart/form-data` body: `(name, filename, content type, bytes)` parts.
fn multipart(parts: &[(&str, Option<&str>, &str, &[u8])]) -> (String, Bytes) {
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("Content-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (
        format!("multipart/form-data; boundary={BOUNDARY}"),
        Bytes::from(body),
    )
}

fn image_part(bytes: &[u8]) -> (String, Bytes) {
    multipart(&[("binary-content", Some("face.jpg"), "image/jpeg", bytes)])
}

fn page_part(bytes: &[u8]) -> (String, Bytes) {
    multipart(&[
        (
            "descriptor",
            None,
            "application/json",
            br#"{"capture_method": "camera"}"#,
        ),
        ("binary-content", Some("page.jpg"), "image/jpeg", bytes),
    ])
}

async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A minimal HTTP/1.1 receiver of notifications.
#[derive(Clone, Copy)]
enum Behaviour {
    /// 200 to everything.
    Accept,
    /// 500 to the first `n` requests, then 200.
    FailFirst(usize),
    /// Reads the request and never answers.
    Silent,
}

#[derive(Debug, Clone)]
struct Received {
    authorization: Option<String>,
    content_type: Option<String>,
    path: String,
    body: Value,
}

struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/yoti/hook", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        tokio::spawn(async move {
            let count = Arc::new(Mutex::new(0usize));
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let count = count.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&stream).await else {
                        return;
                    };
                    let n = {
                        let mut c = count.lock().unwrap();
                        *c += 1;
                        *c
                    };
                    let status = match behaviour {
                        Behaviour::Silent => {
                            seen.lock().unwrap().push(request);
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        }
                        Behaviour::FailFirst(k) if n <= k => "500 Internal Server Error",
                        _ => "200 OK",
                    };
                    seen.lock().unwrap().push(request);
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    write_all(&stream, answer.as_bytes()).await;
                });
            }
        });
        Self { url, log }
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }
}

/// Reads what is available (the emulator's webhook client sends small requests).
async fn read_some(stream: &TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    let mut chunk = [0u8; 4096];
    loop {
        stream.readable().await.ok()?;
        match stream.try_read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Some(n);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    }
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) {
    while !data.is_empty() {
        if stream.writable().await.is_err() {
            return;
        }
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
    }
}

async fn read_request(stream: &TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let head_end = loop {
        if read_some(stream, &mut buf).await? == 0 {
            return None;
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        if read_some(stream, &mut buf).await? == 0 {
            break;
        }
    }
    Some(Received {
        authorization: header("authorization"),
        content_type: header("content-type"),
        path,
        body: serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null),
    })
}

fn full_spec() -> Value {
    json!({
        "client_session_token_ttl": 900,
        "resources_ttl": 90000,
        "user_tracking_id": "user-42",
        "requested_checks": [
            {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {"manual_check": "NEVER"}},
            {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "FALLBACK"}},
            {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 3}},
            {"type": "FACE_COMPARISON", "config": {"manual_check": "NEVER"}}
        ],
        "requested_tasks": [
            {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "FALLBACK"}},
            {"type": "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "NEVER"}}
        ],
        "required_documents": [
            {"type": "ID_DOCUMENT", "filter": {
                "type": "ORTHOGONAL_RESTRICTIONS",
                "country_restriction": {"inclusion": "INCLUDE", "country_codes": ["GBR", "FRA"]}
            }},
            {"type": "SUPPLEMENTARY_DOCUMENT", "objective": {"type": "PROOF_OF_ADDRESS"}}
        ]
    })
}

// ----- sessions ------------------------------------------------------------------------------

#[tokio::test]
async fn sessions_are_created_read_configured_and_deleted_on_both_mounts() {
    let idv = Idv::start().await;
    let created = idv.create(full_spec()).await;
    assert_eq!(created.client_session_token_ttl, Some(900));
    assert!(created.client_session_token.is_some());
    let id = created.session_id.as_str().to_owned();

    // The sandbox mount reaches the same session; a GET with `Content-Type: application/json`
    // (as several official SDKs send) is fine.
    let get = idv
        .signer
        .request(
            Method::GET,
            &idv.emu.sandbox_idv_url(),
            &format!("/sessions/{id}"),
        )
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let reply = exec(&idv.t, || get.build()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.content_type(), Some("application/json"));
    assert!(reply.json.get("session_id").is_some() && reply.json.get("sessionId").is_none());
    let session: SessionResult = serde_json::from_value(reply.json).unwrap();
    assert_eq!(session.state, Some(SessionState::Ongoing));
    assert_eq!(session.user_tracking_id.as_deref(), Some("user-42"));
    assert_eq!(session.checks.len(), 4);
    assert!(
        session
            .checks
            .iter()
            .all(|c| c.state() == Some(CheckState::Created))
    );

    let config = idv.configuration(&id).await;
    let kinds: Vec<String> = config
        .capture
        .unwrap()
        .required_resources
        .iter()
        .map(|r| r.kind.as_ref().unwrap().as_str().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "ID_DOCUMENT",
            "SUPPLEMENTARY_DOCUMENT",
            "LIVENESS",
            "FACE_CAPTURE"
        ]
    );
    assert_eq!(config.requested_checks.len(), 4);

    // Another application never sees it.
    let other_key = PrivateKey::generate(2048).unwrap();
    idv.emu.register_app("other-app", other_key.public_key());
    let other = RequestSigner::new("other-app", other_key);
    let stolen = idv
        .signed(&other, Method::GET, &format!("/sessions/{id}"), None)
        .await;
    stolen.expect_error(404, "SESSION_NOT_FOUND");
    let unknown = idv.get("/sessions/no-such-session").await;
    unknown.expect_error(404, "SESSION_NOT_FOUND");

    // An untriggered session can be deleted, with everything in it.
    assert_eq!(
        idv.delete(&format!("/sessions/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    idv.get(&format!("/sessions/{id}"))
        .await
        .expect_error(404, "SESSION_NOT_FOUND");
    idv.delete(&format!("/sessions/{id}"))
        .await
        .expect_error(404, "SESSION_NOT_FOUND");
}

#[tokio::test]
async fn invalid_specifications_get_400_naming_each_field() {
    let idv = Idv::start().await;
    let spec = json!({
        "resources_ttl": 100,
        "notifications": {"endpoint": "http://example.com/hook", "topics": ["SESSION_COMPLETION"]},
        "sdk_config": {"primary_colour": "blue"}
    });
    let reply = idv
        .signed(
            &idv.signer,
            Method::POST,
            "/sessions",
            Some(&spec.to_string()),
        )
        .await;
    reply.expect_error(400, "PAYLOAD_VALIDATION");
    assert_eq!(
        reply.properties(),
        [
            "resources_ttl",
            "sdk_config.primary_colour",
            "notifications.endpoint"
        ]
    );

    let reply = idv
        .signed(
            &idv.signer,
            Method::POST,
            "/sessions",
            Some(r#"{"client_session_token_ttl": "soon"}"#),
        )
        .await;
    reply.expect_error(400, "PAYLOAD_VALIDATION");
    assert_eq!(reply.properties(), ["client_session_token_ttl"]);

    // http:// is accepted for a loopback receiver; anything else must be https.
    let ok = json!({"notifications": {"endpoint": "http://127.0.0.1:9/hook"}});
    idv.create(ok).await;
    let ok = json!({"notifications": {"endpoint": "https://example.com/hook"}});
    idv.create(ok).await;
}

// ----- simulate-user, media, devices ---------------------------------------------------------

#[tokio::test]
async fn simulate_user_completes_a_session_whose_checks_and_media_read_back() {
    let idv = Idv::start().await;
    let created = idv.create(full_spec()).await;
    let id = created.session_id.as_str().to_owned();
    let token = created
        .client_session_token
        .unwrap()
        .expose_secret()
        .to_owned();

    let reply = idv.simulate(&id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);

    let session = idv.session(&id).await;
    assert_eq!(session.state, Some(SessionState::Completed));
    assert!(session.client_session_token.is_none(), "deleted by trigger");
    assert_eq!(session.checks.len(), 4);
    for check in &session.checks {
        assert_eq!(check.state(), Some(CheckState::Done), "{check:?}");
        assert_eq!(
            check.recommendation().map(|r| r.as_str()),
            Some("APPROVE"),
            "{check:?}"
        );
        assert!(
            !check.result().unwrap().resources_used.is_empty(),
            "{check:?}"
        );
    }
    let resources = session.resources.unwrap();
    assert_eq!(resources.id_documents.len(), 1);
    assert_eq!(resources.supplementary_documents.len(), 1);
    assert_eq!(resources.liveness_capture.len(), 1);
    assert_eq!(resources.face_capture.len(), 1);
    let document = &resources.id_documents[0];
    assert_eq!(document.document_type.as_deref(), Some("PASSPORT"));
    assert_eq!(document.issuing_country.as_deref(), Some("GBR"));
    assert_eq!(document.tasks.len(), 1);
    assert_eq!(document.tasks[0].state.as_ref().unwrap().as_str(), "DONE");

    // Every media reads back with its Content-Type; images are real JPEGs.
    let page = document.pages[0]
        .media
        .as_ref()
        .unwrap()
        .id
        .as_str()
        .to_owned();
    let reply = idv
        .get(&format!("/sessions/{id}/media/{page}/content"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some("image/jpeg"));
    assert!(reply.body.starts_with(&[0xFF, 0xD8, 0xFF]) && reply.body.ends_with(&[0xFF, 0xD9]));
    let fields = document
        .document_fields
        .as_ref()
        .unwrap()
        .media
        .as_ref()
        .unwrap();
    let reply = idv
        .get(&format!("/sessions/{id}/media/{}/content", fields.id))
        .await;
    assert_eq!(reply.content_type(), Some("application/json"));
    assert_eq!(reply.json["full_name"], "John Doe");
    let liveness = &resources.liveness_capture[0];
    assert_eq!(liveness.frames.len(), 3);
    let facemap = liveness.facemap.as_ref().unwrap().media.as_ref().unwrap();
    let reply = idv
        .get(&format!("/sessions/{id}/media/{}/content", facemap.id))
        .await;
    assert_eq!(reply.content_type(), Some("application/octet-stream"));
    assert!(!reply.body.is_empty());
    let face = resources.face_capture[0]
        .image
        .as_ref()
        .unwrap()
        .media
        .as_ref()
        .unwrap();
    let reply = idv
        .get(&format!("/sessions/{id}/media/{}/content", face.id))
        .await;
    assert_eq!(reply.content_type(), Some("image/jpeg"));

    // Withheld media: 204, no body.
    let withhold = idv
        .admin(
            Method::POST,
            &format!("/sessions/{id}/media/{}/withhold", face.id),
            None,
        )
        .await;
    assert_eq!(withhold.status, StatusCode::NO_CONTENT);
    let reply = idv
        .get(&format!("/sessions/{id}/media/{}/content", face.id))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());

    // A completed session's media can be deleted; then it is gone.
    let path = format!("/sessions/{id}/media/{page}/content");
    assert_eq!(idv.delete(&path).await.status, StatusCode::NO_CONTENT);
    idv.get(&path).await.expect_error(404, "MEDIA_NOT_FOUND");
    idv.get(&format!("/sessions/{id}/media/nope/content"))
        .await
        .expect_error(404, "MEDIA_NOT_FOUND");

    // The token was deleted by trigger.
    idv.client(
        Method::POST,
        &format!("/sessions/{id}/checks/trigger"),
        Some(&token),
        None,
    )
    .await
    .expect_error(401, "INVALID_TOKEN");
    idv.simulate(&id)
        .await
        .expect_error(409, "SESSION_NOT_ONGOING");

    // Tracked devices: what the simulated client did, then cleared.
    let reply = idv.get(&format!("/sessions/{id}/tracked-devices")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let events: Vec<TrackedDeviceEvent> = serde_json::from_value(reply.json).unwrap();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e.event.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(names.first(), Some(&"CONFIG_FIRST_LOADED"));
    assert_eq!(
        names.iter().filter(|n| **n == "RESOURCE_CREATED").count(),
        4
    );
    assert_eq!(names.last(), Some(&"CLIENT_SESSION_TOKEN_DELETED"));
    let path = format!("/sessions/{id}/tracked-devices");
    assert_eq!(idv.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(idv.get(&path).await.json, json!([]));

    // A completed session can be deleted.
    assert_eq!(
        idv.delete(&format!("/sessions/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
}

// ----- the client endpoints and their codes --------------------------------------------------

#[tokio::test]
async fn client_endpoints_answer_the_reference_codes() {
    let idv = Idv::start().await;
    let spec = json!({
        "requested_checks": [
            {"type": "ID_DOCUMENT_AUTHENTICITY"},
            {"type": "FACE_COMPARISON", "config": {"manual_check": "NEVER"}}
        ],
        "required_documents": [{"type": "ID_DOCUMENT"}]
    });
    let a = idv.create(spec.clone()).await;
    let b = idv.create(spec).await;
    let id = a.session_id.as_str().to_owned();
    let token = a.client_session_token.unwrap().expose_secret().to_owned();
    let b_token = b.client_session_token.unwrap().expose_secret().to_owned();
    let trigger = format!("/sessions/{id}/checks/trigger");

    // 401: no token, or a token no session has.
    idv.client(Method::POST, &trigger, None, None)
        .await
        .expect_error(401, "MISSING_TOKEN");
    idv.client(Method::POST, &trigger, Some("not-a-token"), None)
        .await
        .expect_error(401, "INVALID_TOKEN");
    // 404: the token of another session opens nothing here, and the answer is the one of an
    // unknown session (nothing of session B is revealed).
    let cross = idv
        .client(Method::POST, &trigger, Some(&b_token), None)
        .await;
    cross.expect_error(404, "SESSION_NOT_FOUND");
    assert!(!String::from_utf8_lossy(&cross.body).contains(b.session_id.as_str()));
    let unknown = idv
        .client(
            Method::POST,
            "/sessions/nope/checks/trigger",
            Some(&token),
            None,
        )
        .await;
    unknown.expect_error(404, "SESSION_NOT_FOUND");

    // 409 while required resources are missing, naming each of them.
    let reply = idv.client(Method::POST, &trigger, Some(&token), None).await;
    reply.expect_error(409, "RESOURCES_INCOMPLETE");
    assert_eq!(
        reply.properties(),
        [
            "capture.required_resources[0]",
            "capture.required_resources[1]"
        ]
    );

    // An ID document, its page: 415, 422, 400 before a good upload; then the slot is locked.
    let create = idv
        .client(
            Method::POST,
            &format!("/sessions/{id}/resources/id-documents"),
            Some(&token),
            Some((
                "application/json",
                Bytes::from_static(br#"{"document_type": "PASSPORT", "issuing_country": "GBR"}"#),
            )),
        )
        .await;
    assert_eq!(create.status, StatusCode::CREATED, "{}", create.json);
    let rid = create.json["id"].as_str().unwrap().to_owned();
    let page = format!("/sessions/{id}/resources/id-documents/{rid}/pages/1");
    let good = jpeg(320, 200);
    let (ct, body) = multipart(&[("binary-content", Some("p.gif"), "image/gif", &good)]);
    idv.client(Method::PUT, &page, Some(&token), Some((&ct, body)))
        .await
        .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    idv.client(
        Method::PUT,
        &page,
        Some(&token),
        Some(("image/jpeg", Bytes::from(good.clone()))),
    )
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let (ct, body) = page_part(&good[..40]);
    idv.client(Method::PUT, &page, Some(&token), Some((&ct, body)))
        .await
        .expect_error(422, "UNPROCESSABLE_MEDIA");
    let (ct, body) = page_part(b"GIF89a not an image at all");
    idv.client(Method::PUT, &page, Some(&token), Some((&ct, body)))
        .await
        .expect_error(422, "UNPROCESSABLE_MEDIA");
    let (ct, body) = multipart(&[("binary-content", None, "image/jpeg", &good)]);
    let reply = idv
        .client(Method::PUT, &page, Some(&token), Some((&ct, body)))
        .await;
    reply.expect_error(400, "BAD_REQUEST");
    assert_eq!(reply.properties(), ["binary-content"]);
    let (ct, body) = page_part(&good);
    let reply = idv
        .client(Method::PUT, &page, Some(&token), Some((&ct, body.clone())))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    idv.client(Method::PUT, &page, Some(&token), Some((&ct, body)))
        .await
        .expect_error(409, "RESOURCE_LOCKED");
    idv.client(
        Method::PUT,
        &format!("/sessions/{id}/resources/id-documents/nope/pages/1"),
        Some(&token),
        Some((&ct, page_part(&good).1)),
    )
    .await
    .expect_error(404, "RESOURCE_NOT_FOUND");
    // 403: the session asks for no liveness, and no second ID document.
    idv.client(
        Method::POST,
        &format!("/sessions/{id}/resources/liveness/zoom"),
        Some(&token),
        None,
    )
    .await
    .expect_error(403, "RESOURCE_NOT_REQUIRED");

    // Media of a session in progress is locked.
    let session = idv.session(&id).await;
    let page_media = session.resources.as_ref().unwrap().id_documents[0].pages[0]
        .media
        .as_ref()
        .unwrap()
        .id
        .as_str()
        .to_owned();
    idv.delete(&format!("/sessions/{id}/media/{page_media}/content"))
        .await
        .expect_error(409, "SESSION_LOCKED");

    // The face capture: created signed, image uploaded with the client token.
    let config = idv.configuration(&id).await;
    let requirement = config
        .capture
        .unwrap()
        .required_resources
        .into_iter()
        .find(|r| {
            r.kind
                .as_ref()
                .is_some_and(|k| k.as_str() == "FACE_CAPTURE")
        })
        .unwrap();
    let body = format!(r#"{{"requirement_id": "{}"}}"#, requirement.id.unwrap());
    let reply = idv
        .signed(
            &idv.signer,
            Method::POST,
            &format!("/sessions/{id}/resources/face-capture"),
            Some(&body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
    let face = reply.json["id"].as_str().unwrap().to_owned();
    idv.signed(
        &idv.signer,
        Method::POST,
        &format!("/sessions/{id}/resources/face-capture"),
        Some(&body),
    )
    .await
    .expect_error(409, "RESOURCE_LOCKED");
    let image = format!("/sessions/{id}/resources/face-capture/{face}/image");
    let (ct, body) = image_part(&jpeg(200, 260));
    idv.client(
        Method::PUT,
        &image,
        Some(&b_token),
        Some((&ct, body.clone())),
    )
    .await
    .expect_error(404, "SESSION_NOT_FOUND");
    let reply = idv
        .client(Method::PUT, &image, Some(&token), Some((&ct, body.clone())))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    idv.client(Method::PUT, &image, Some(&token), Some((&ct, body)))
        .await
        .expect_error(409, "RESOURCE_LOCKED");

    // Trigger: 200, and the token is gone.
    let reply = idv.client(Method::POST, &trigger, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    idv.client(Method::POST, &trigger, Some(&token), None)
        .await
        .expect_error(401, "INVALID_TOKEN");
    assert_eq!(idv.session(&id).await.state, Some(SessionState::Completed));
}

#[tokio::test]
async fn the_face_capture_image_also_accepts_a_signature_of_its_owner() {
    let idv = Idv::start().await;
    let created = idv
        .create(json!({"requested_checks": [{"type": "FACE_COMPARISON"}]}))
        .await;
    let id = created.session_id.as_str().to_owned();
    let config = idv.configuration(&id).await;
    let requirement = config.capture.unwrap().required_resources[0]
        .id
        .clone()
        .unwrap();
    let reply = idv
        .signed(
            &idv.signer,
            Method::POST,
            &format!("/sessions/{id}/resources/face-capture"),
            Some(&format!(r#"{{"requirement_id": "{requirement}"}}"#)),
        )
        .await;
    let face = reply.json["id"].as_str().unwrap().to_owned();
    let path = format!("/sessions/{id}/resources/face-capture/{face}/image");
    let (ct, body) = image_part(&jpeg(100, 120));
    let url = idv.emu.idv_url();

    let other_key = PrivateKey::generate(2048).unwrap();
    idv.emu.register_app("other-app", other_key.public_key());
    let other = RequestSigner::new("other-app", other_key);
    let stranger = other
        .request(Method::PUT, &url, &path)
        .body(HeaderValue::from_str(&ct).unwrap(), body.clone());
    exec(&idv.t, || stranger.build())
        .await
        .expect_error(404, "SESSION_NOT_FOUND");

    let forged = RequestSigner::new(SDK_ID, other_key_for_forgery());
    let forged = forged
        .request(Method::PUT, &url, &path)
        .body(HeaderValue::from_str(&ct).unwrap(), body.clone());
    exec(&idv.t, || forged.build())
        .await
        .expect_error(401, "INVALID_SIGNATURE");

    let owner = idv
        .signer
        .request(Method::PUT, &url, &path)
        .body(HeaderValue::from_str(&ct).unwrap(), body);
    let reply = exec(&idv.t, || owner.build()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let session = idv.session(&id).await;
    let capture = &session.resources.unwrap().face_capture[0];
    assert_eq!(
        capture
            .source
            .as_ref()
            .unwrap()
            .kind
            .as_ref()
            .unwrap()
            .as_str(),
        "RELYING_BUSINESS"
    );
    assert!(capture.image.is_some());
}

fn other_key_for_forgery() -> PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(2048).unwrap())
        .clone()
}

#[tokio::test]
async fn uploads_over_the_body_limit_get_413() {
    let idv = Idv::start_with(Emulator::builder().body_limit(4096)).await;
    let created = idv
        .create(json!({"requested_checks": [{"type": "FACE_COMPARISON"}]}))
        .await;
    let id = created.session_id.as_str();
    let token = created
        .client_session_token
        .as_ref()
        .unwrap()
        .expose_secret();
    let (ct, body) = image_part(&vec![0u8; 8192]);
    idv.client(
        Method::PUT,
        &format!("/sessions/{id}/resources/face-capture/x/image"),
        Some(token),
        Some((&ct, body)),
    )
    .await
    .expect_error(413, "PAYLOAD_TOO_LARGE");
}

// ----- time: report delays, expiry, retention ------------------------------------------------

#[tokio::test]
async fn checks_go_pending_then_done_after_the_configured_delay_and_reports_follow_configs() {
    let idv = Idv::start().await;
    // The application's configuration, PUT as the official SDKs do: no sdkId in the query,
    // the delay inside check_reports, Python's spacing.
    let app_config = json!({
        "check_reports": {
            "ID_DOCUMENT_AUTHENTICITY": [{"result": {"report": {
                "recommendation": {"value": "REJECT", "reason": "NOT_GENUINE", "recovery_suggestion": "RECOVERY_NOT_POSSIBLE"},
                "breakdown": [{"sub_check": "document_in_date", "result": "FAIL", "details": []}]
            }}}],
            "async_report_delay": 30
        }
    });
    let body = python_json(&app_config);
    let put = idv
        .signer
        .request(
            Method::PUT,
            &idv.emu.idv_url(),
            &format!("/apps/{SDK_ID}/response-config"),
        )
        .sdk_id(SdkIdPlacement::Omit)
        .json(body);
    let reply = exec(&idv.t, || put.build()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let read = idv.get(&format!("/apps/{SDK_ID}/response-config")).await;
    assert_eq!(read.json, app_config, "round trip");
    idv.get("/apps/someone-else/response-config")
        .await
        .expect_error(404, "APP_NOT_FOUND");

    let spec = json!({
        "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}],
        "required_documents": [{"type": "ID_DOCUMENT"}]
    });
    let created = idv.create(spec.clone()).await;
    let id = created.session_id.as_str().to_owned();
    assert_eq!(idv.simulate(&id).await.status, StatusCode::OK);

    let session = idv.session(&id).await;
    assert_eq!(session.state, Some(SessionState::Ongoing));
    assert_eq!(session.checks[0].state(), Some(CheckState::Pending));
    assert!(session.checks[0].result().unwrap().report.is_none());
    idv.delete(&format!("/sessions/{id}"))
        .await
        .expect_error(409, "CHECKS_NOT_FINISHED");
    let page = session.resources.unwrap().id_documents[0].pages[0]
        .media
        .clone()
        .unwrap()
        .id;
    idv.delete(&format!("/sessions/{id}/media/{page}/content"))
        .await
        .expect_error(409, "MEDIA_LOCKED");

    idv.advance(29).await;
    assert_eq!(idv.session(&id).await.state, Some(SessionState::Ongoing));
    idv.advance(1).await;
    let session = idv.session(&id).await;
    assert_eq!(session.state, Some(SessionState::Completed));
    assert_eq!(session.checks[0].state(), Some(CheckState::Done));
    assert_eq!(
        session.checks[0].recommendation().map(|r| r.as_str()),
        Some("REJECT")
    );

    // A session's own configuration wins over the application's.
    let created = idv.create(spec).await;
    let id = created.session_id.as_str().to_owned();
    let own = json!({"check_reports": {"ID_DOCUMENT_AUTHENTICITY": [{"result": {"report": {"recommendation": {"value": "CONSIDER"}}}}]}});
    let reply = idv
        .signed(
            &idv.signer,
            Method::PUT,
            &format!("/sessions/{id}/response-config"),
            Some(&own.to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(
        idv.get(&format!("/sessions/{id}/response-config"))
            .await
            .json,
        own
    );
    idv.simulate(&id).await;
    let session = idv.session(&id).await;
    assert_eq!(
        session.state,
        Some(SessionState::Completed),
        "no delay of its own"
    );
    assert_eq!(
        session.checks[0].recommendation().map(|r| r.as_str()),
        Some("CONSIDER")
    );
}

#[tokio::test]
async fn sessions_expire_after_their_ttl_or_deadline_and_go_after_resources_ttl() {
    let idv = Idv::start().await;
    let created = idv
        .create(
            json!({"client_session_token_ttl": 60, "resources_ttl": 86700,
                       "required_documents": [{"type": "ID_DOCUMENT"}]}),
        )
        .await;
    let id = created.session_id.as_str().to_owned();
    let token = created
        .client_session_token
        .unwrap()
        .expose_secret()
        .to_owned();
    let documents = format!("/sessions/{id}/resources/id-documents");
    let descriptor = || {
        Some((
            "application/json",
            Bytes::from_static(br#"{"document_type": "PASSPORT", "issuing_country": "GBR"}"#),
        ))
    };

    idv.emu.advance_clock(Duration::from_secs(59));
    let reply = idv
        .client(Method::POST, &documents, Some(&token), descriptor())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
    idv.advance(1).await;
    let session = idv.session(&id).await;
    assert_eq!(session.state, Some(SessionState::Expired));
    assert_eq!(session.client_session_token_ttl, Some(0));
    idv.client(Method::POST, &documents, Some(&token), descriptor())
        .await
        .expect_error(409, "TOKEN_EXPIRED");
    idv.client(
        Method::POST,
        &format!("/sessions/{id}/checks/trigger"),
        Some(&token),
        None,
    )
    .await
    .expect_error(409, "TOKEN_EXPIRED");
    idv.simulate(&id).await.expect_error(409, "TOKEN_EXPIRED");

    // A deadline works the same way (the clock is now 60 s ahead of real time).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let deadline = rfc3339(now + 60 + 120);
    let with_deadline = idv.create(json!({"session_deadline": deadline})).await;
    let ttl = with_deadline.client_session_token_ttl.unwrap();
    assert!((115..=120).contains(&ttl), "{ttl}");
    let other = with_deadline.session_id.as_str().to_owned();
    idv.advance(121).await;
    assert_eq!(idv.session(&other).await.state, Some(SessionState::Expired));

    // After resources_ttl (counted from creation) the session is gone with its resources.
    idv.advance(86_700 - 181).await;
    idv.get(&format!("/sessions/{id}"))
        .await
        .expect_error(404, "SESSION_NOT_FOUND");
    assert_eq!(
        idv.session(&other).await.state,
        Some(SessionState::Expired),
        "default resources_ttl 87000"
    );
    let clock = idv.admin(Method::GET, "/clock", None).await;
    assert_eq!(clock.json["offset_seconds"], 86_700);
}

// ----- notifications -------------------------------------------------------------------------

const ALL_TOPICS: [&str; 5] = [
    "RESOURCE_UPDATE",
    "TASK_COMPLETION",
    "CHECK_COMPLETION",
    "SESSION_COMPLETION",
    "CLIENT_SESSION_TOKEN_DELETED",
];

fn notifying_spec(endpoint: &str, auth_type: Option<&str>) -> Value {
    let mut notifications = json!({
        "endpoint": endpoint,
        "topics": ALL_TOPICS,
        "auth_token": "s3cret-token"
    });
    if let Some(auth_type) = auth_type {
        notifications["auth_type"] = json!(auth_type);
    }
    json!({
        "notifications": notifications,
        "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}],
        "requested_tasks": [{"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "NEVER"}}],
        "required_documents": [{"type": "ID_DOCUMENT"}]
    })
}

#[tokio::test]
async fn each_subscribed_topic_is_delivered_once_with_the_right_authorization() {
    let idv = Idv::start().await;
    for (auth_type, expected) in [
        (Some("BEARER"), "Bearer s3cret-token"),
        (None, "Basic czNjcmV0LXRva2Vu"),
    ] {
        let receiver = Receiver::start(Behaviour::Accept).await;
        let created = idv.create(notifying_spec(&receiver.url, auth_type)).await;
        let id = created.session_id.as_str().to_owned();
        assert_eq!(idv.simulate(&id).await.status, StatusCode::OK);
        let received = eventually("five notifications", async || {
            let r = receiver.received();
            (r.len() >= 5).then_some(r)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let received = receiver.received().len().max(received.len());
        assert_eq!(received, 5, "{:?}", receiver.received());

        let session = idv.session(&id).await;
        let resource = session.resources.as_ref().unwrap().id_documents[0].clone();
        let task = resource.tasks[0].id.clone().unwrap();
        let check = session.checks[0].id().unwrap().to_owned();
        let mut topics = Vec::new();
        for r in receiver.received() {
            assert_eq!(r.authorization.as_deref(), Some(expected));
            assert_eq!(r.content_type.as_deref(), Some("application/json"));
            assert_eq!(r.path, "/yoti/hook");
            let body: Notification = serde_json::from_value(r.body.clone()).unwrap();
            assert_eq!(body.session_id.as_str(), id);
            match body.topic.as_str() {
                "resource_update" => {
                    assert_eq!(body.resource_id.as_ref(), resource.id.as_ref());
                }
                "task_completion" => assert_eq!(body.task_id.as_ref(), Some(&task)),
                "check_completion" => {
                    assert_eq!(
                        body.check_id.as_ref().map(|c| c.as_str()),
                        Some(check.as_str())
                    );
                }
                "session_completion" | "client_session_token_deleted" => {
                    assert!(r.body.get("task_id").is_none() && r.body.get("check_id").is_none());
                }
                other => panic!("unexpected topic {other}"),
            }
            topics.push(body.topic.as_str().to_owned());
        }
        topics.sort();
        assert_eq!(
            topics,
            [
                "check_completion",
                "client_session_token_deleted",
                "resource_update",
                "session_completion",
                "task_completion"
            ]
        );
    }
    let deliveries = idv.deliveries().await;
    assert_eq!(deliveries.len(), 10);
    assert!(
        deliveries
            .iter()
            .all(|d| d["state"] == "delivered" && d["attempts"] == 1)
    );
}

#[tokio::test]
async fn only_subscribed_topics_are_sent_and_expiry_deletes_the_token() {
    let idv = Idv::start().await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let spec = json!({
        "client_session_token_ttl": 30,
        "notifications": {"endpoint": receiver.url, "topics": ["CLIENT_SESSION_TOKEN_DELETED"]},
        "required_documents": [{"type": "ID_DOCUMENT"}]
    });
    let created = idv.create(spec).await;
    idv.emu.advance_clock(Duration::from_secs(31));
    let received = eventually("the expiry notification", async || {
        let r = receiver.received();
        (!r.is_empty()).then_some(r)
    })
    .await;
    assert_eq!(received[0].body["topic"], "client_session_token_deleted");
    assert_eq!(received[0].body["session_id"], created.session_id.as_str());
    assert_eq!(received[0].authorization, None, "no auth_token, no header");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn a_receiver_that_fails_twice_still_gets_it_and_a_silent_one_stalls_nothing() {
    let policy = WebhookPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(20),
        attempt_timeout: Duration::from_secs(1),
    };
    let idv = Idv::start_with(Emulator::builder().webhook_policy(policy)).await;

    let flaky = Receiver::start(Behaviour::FailFirst(2)).await;
    let spec = |url: &str| {
        json!({
            "notifications": {"endpoint": url, "topics": ["SESSION_COMPLETION"], "auth_token": "t"},
            "required_documents": [{"type": "ID_DOCUMENT"}],
            "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}]
        })
    };
    let created = idv.create(spec(&flaky.url)).await;
    assert_eq!(
        idv.simulate(created.session_id.as_str()).await.status,
        StatusCode::OK
    );
    let delivery = eventually("the delivery to succeed", async || {
        idv.deliveries()
            .await
            .into_iter()
            .find(|d| d["url"] == flaky.url.as_str() && d["state"] == "delivered")
    })
    .await;
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["topic"], "session_completion");
    assert_eq!(flaky.received().len(), 3, "two failures, then the delivery");
    assert!(
        flaky
            .received()
            .iter()
            .all(|r| r.body == flaky.received()[0].body)
    );

    // A receiver that never answers: the emulator answers at once and keeps answering. The
    // four attempts of the silent delivery take at least four attempt timeouts (4 s); every
    // request below is answered while that delivery is still being tried, so none of them
    // waited on it. (A causal check, not a wall-clock bound: a loaded machine cannot fail it
    // unless six requests take longer than four attempt timeouts.)
    let silent = Receiver::start(Behaviour::Silent).await;
    let created = idv.create(spec(&silent.url)).await;
    assert_eq!(
        idv.simulate(created.session_id.as_str()).await.status,
        StatusCode::OK
    );
    for _ in 0..5 {
        assert_eq!(
            idv.session(created.session_id.as_str()).await.state,
            Some(SessionState::Completed)
        );
    }
    let pending = idv
        .deliveries()
        .await
        .into_iter()
        .find(|d| d["url"] == silent.url.as_str())
        .expect("the silent receiver's delivery is listed");
    assert_ne!(pending["state"], "failed", "{pending}");
    let failed = eventually("the silent delivery to give up", async || {
        idv.deliveries()
            .await
            .into_iter()
            .find(|d| d["url"] == silent.url.as_str() && d["state"] == "failed")
    })
    .await;
    assert_eq!(failed["attempts"], 4);
}
