//! Generated test fixtures, made in one place: `cargo xtask fixtures` writes them, and
//! `tests/fixtures_fresh.rs` makes them again in memory and fails when a committed one is
//! stale. Each is deterministic:
//!
//! - [`vectors`]: the signature vectors of `crates/yoti-auth/tests/fixtures/vectors.json`,
//!   fixed messages signed with the committed test key (by `openssl`, or by yoti-auth, whose
//!   PKCS#1 v1.5 signatures are byte-identical);
//! - [`emulator_recordings`]: what the in-process emulator answers to a fixed flow (IDV
//!   session, age estimation, proof of age), with the values that change from run to run
//!   (ids, tokens, timestamps) replaced by placeholders, in `tests/fixtures/emulator/`;
//! - [`image_manifest`]: the length, SHA-256 and header of each image of [`crate::images`],
//!   in `tests/fixtures/images.json` (the images themselves are never committed).
//!
//! Every recorded answer must parse into its `yoti_types` model ([`Model::check`]): the
//! recordings are a regression suite for the agreement between the SDK and the emulator.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, Method};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use yoti_auth::{AssertionSigner, PrivateKey, RequestSigner, SdkIdPlacement};
use yoti_emulator::Emulator;
use yoti_http::Transport;

use crate::images;

/// One generated file: its path from the workspace root (`/`-separated) and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fixture {
    /// The path from the workspace root.
    pub path: String,
    /// The whole contents.
    pub contents: String,
}

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_path_buf()
}

/// Renders JSON as committed: pretty, two spaces, a final newline.
fn pretty(value: &Value) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

// ----- signature vectors ---------------------------------------------------------------------

/// The folder of yoti-auth's labelled test keys and vectors.
pub const AUTH_FIXTURES: &str = "crates/yoti-auth/tests/fixtures";

/// The vectors file.
pub const VECTORS: &str = "crates/yoti-auth/tests/fixtures/vectors.json";

/// The key the vectors are signed with, in [`AUTH_FIXTURES`].
pub const VECTORS_KEY: &str = "test-key-pkcs8.pem";

/// How the vectors are made, as the file says.
pub const VECTORS_MADE_WITH: &str = "openssl dgst -sha256 -sign test-key-pkcs8.pem | base64 -w0";

/// The messages signed: strings to sign as yoti-auth builds them (GET without and with the
/// SDK id, POST with a base64 body, an age request, a DELETE with short values).
pub const VECTOR_MESSAGES: [&str; 5] = [
    "GET&/supported-documents?nonce=4c7b8bd1-1d7a-4f4f-a5e5-7c7f2a3a1e11&timestamp=1700000000000",
    "GET&/sessions/2f0b1f7a-4c1e-4d8e-9a3b-3b1e6f1c9d21?sdkId=8e2b5a3c-1f4d-4b6a-9c8e-7d6f5e4a3b2c&nonce=9d3b1c2a-6e5f-4a7b-8c9d-0e1f2a3b4c5d&timestamp=1700000000123",
    "POST&/sessions?sdkId=8e2b5a3c-1f4d-4b6a-9c8e-7d6f5e4a3b2c&nonce=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d&timestamp=1700000000456&eyJjbGllbnRfc2Vzc2lvbl90b2tlbl90dGwiOjYwMCwicmVzb3VyY2VzX3R0bCI6OTAwMDAsInVzZXJfdHJhY2tpbmdfaWQiOiJzb21lLWlkIn0=",
    "POST&/age-verify?nonce=11111111-2222-4333-8444-555555555555&timestamp=1700000000789&eyJpbWciOiIvOWovNEFBUSIsInRocmVzaG9sZCI6MTgsIm9wZXJhdG9yIjoiT1ZFUiJ9",
    "DELETE&/sessions/abc/media/def/content?sdkId=x&nonce=y&timestamp=1",
];

/// The vectors file, each message signed by `sign` (base64 of the signature).
///
/// # Errors
/// The first error of `sign`.
pub fn vectors(mut sign: impl FnMut(&[u8]) -> Result<String, String>) -> Result<Fixture, String> {
    let mut vectors = Vec::new();
    for message in VECTOR_MESSAGES {
        let signature = sign(message.as_bytes())?;
        vectors.push(json!({ "message": message, "signature": signature }));
    }
    let file = json!({ "made_with": VECTORS_MADE_WITH, "vectors": vectors });
    Ok(Fixture {
        path: VECTORS.to_owned(),
        // Committed without a final newline, as first written.
        contents: serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?,
    })
}

/// Whether `openssl` can be run.
pub fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `openssl dgst -sha256 -sign KEY | base64 -w0` for `message`.
///
/// # Errors
/// When openssl cannot be run or fails (its stderr is in the message).
pub fn openssl_sign(key: &Path, message: &[u8]) -> Result<String, String> {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("openssl: no stdin")?
        .write_all(message)
        .map_err(|e| format!("openssl: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl dgst -sha256 -sign {} failed: {}",
            key.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(out.stdout))
}

/// A signing function for [`vectors`] that uses yoti-auth with the key at `key`.
///
/// # Errors
/// When the key does not load.
pub fn yoti_auth_signer(
    key: &Path,
) -> Result<impl FnMut(&[u8]) -> Result<String, String> + use<>, String> {
    let key = PrivateKey::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let signer = RequestSigner::new("vectors", key);
    Ok(move |message: &[u8]| signer.sign(message).map_err(|e| e.to_string()))
}

// ----- image manifest ------------------------------------------------------------------------

/// The manifest of the generated test images.
pub const IMAGE_MANIFEST: &str = "tests/fixtures/images.json";

/// Length, SHA-256, format and size of every image of [`images::valid`] and
/// [`images::failing`]: a change of the generator (or of the `png` and `jpeg-encoder`
/// crates it uses) shows here first, where it would otherwise move the emulator's
/// deterministic age estimates without a word.
pub fn image_manifest() -> Fixture {
    let entry = |what: &str, expect: &str, bytes: &[u8]| {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
        let sha256: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let header = yoti_age::ImageInfo::read(bytes).ok();
        json!({
            "what": what,
            "expect": expect,
            "bytes": bytes.len(),
            "sha256": sha256,
            "format": header.as_ref().map(|h| format!("{:?}", h.format).to_lowercase()),
            "width": header.as_ref().map(|h| h.width),
            "height": header.as_ref().map(|h| h.height),
            "colour": header.as_ref().map(|h| format!("{:?}", h.colour).to_lowercase()),
        })
    };
    let mut entries: Vec<Value> = images::valid()
        .iter()
        .map(|(what, bytes)| entry(what, "OK", bytes))
        .collect();
    entries.extend(
        images::failing()
            .iter()
            .map(|case| entry(case.what, case.code, &case.bytes)),
    );
    let file = json!({
        "about": "The images of tests/src/images.rs, generated at test time and never \
                  committed: their length, SHA-256 and header. Regenerate with \
                  `cargo xtask fixtures` when the generator changes on purpose.",
        "images": entries,
    });
    Fixture {
        path: IMAGE_MANIFEST.to_owned(),
        contents: pretty(&file),
    }
}

// ----- emulator recordings -------------------------------------------------------------------

/// Where the emulator's recorded answers go.
pub const EMULATOR_DIR: &str = "tests/fixtures/emulator";

/// The `yoti_types` model an answer must parse into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Model {
    /// `yoti_types::idv::SupportedDocumentsResponse`.
    SupportedDocuments,
    /// `yoti_types::idv::CreateSessionResponse`.
    CreateSession,
    /// `yoti_types::idv::SessionResult`.
    SessionResult,
    /// `yoti_types::idv::SessionConfiguration`.
    SessionConfiguration,
    /// `yoti_types::idv::DocumentFields`.
    DocumentFields,
    /// A list of `yoti_types::idv::TrackedDeviceEvent`.
    TrackedDevices,
    /// `yoti_types::idv::IdvErrorBody`.
    IdvError,
    /// `yoti_types::age::AgeEstimate`.
    AgeEstimate,
    /// `yoti_types::age::AgeVerifyResponse`.
    AgeVerify,
    /// `yoti_types::age::AgeAntispoofingResponse`.
    AgeAntispoofing,
    /// `yoti_types::age::AgeErrorBody`.
    AgeError,
    /// `yoti_types::poa::TokenResponse`.
    TokenResponse,
    /// `yoti_types::poa::OAuthErrorBody`.
    OAuthError,
    /// `yoti_types::poa::PoaResult`.
    PoaResult,
    /// `yoti_types::poa::VerifyAccepted`.
    VerifyAccepted,
    /// `yoti_types::poa::PoaErrorBody`.
    PoaError,
}

fn parses<T: DeserializeOwned>(body: &Value) -> Result<(), String> {
    serde_path_to_error::deserialize::<_, T>(body.clone())
        .map(drop)
        .map_err(|e| e.to_string())
}

impl Model {
    /// The type's path.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::SupportedDocuments => "yoti_types::idv::SupportedDocumentsResponse",
            Self::CreateSession => "yoti_types::idv::CreateSessionResponse",
            Self::SessionResult => "yoti_types::idv::SessionResult",
            Self::SessionConfiguration => "yoti_types::idv::SessionConfiguration",
            Self::DocumentFields => "yoti_types::idv::DocumentFields",
            Self::TrackedDevices => "Vec<yoti_types::idv::TrackedDeviceEvent>",
            Self::IdvError => "yoti_types::idv::IdvErrorBody",
            Self::AgeEstimate => "yoti_types::age::AgeEstimate",
            Self::AgeVerify => "yoti_types::age::AgeVerifyResponse",
            Self::AgeAntispoofing => "yoti_types::age::AgeAntispoofingResponse",
            Self::AgeError => "yoti_types::age::AgeErrorBody",
            Self::TokenResponse => "yoti_types::poa::TokenResponse",
            Self::OAuthError => "yoti_types::poa::OAuthErrorBody",
            Self::PoaResult => "yoti_types::poa::PoaResult",
            Self::VerifyAccepted => "yoti_types::poa::VerifyAccepted",
            Self::PoaError => "yoti_types::poa::PoaErrorBody",
        }
    }

    /// Parses `body` into the model.
    ///
    /// # Errors
    /// The parse error, with the path of the member that failed.
    pub fn check(self, body: &Value) -> Result<(), String> {
        use yoti_types::{age, idv, poa};
        match self {
            Self::SupportedDocuments => parses::<idv::SupportedDocumentsResponse>(body),
            Self::CreateSession => parses::<idv::CreateSessionResponse>(body),
            Self::SessionResult => parses::<idv::SessionResult>(body),
            Self::SessionConfiguration => parses::<idv::SessionConfiguration>(body),
            Self::DocumentFields => parses::<idv::DocumentFields>(body),
            Self::TrackedDevices => parses::<Vec<idv::TrackedDeviceEvent>>(body),
            Self::IdvError => parses::<idv::IdvErrorBody>(body),
            Self::AgeEstimate => parses::<age::AgeEstimate>(body),
            Self::AgeVerify => parses::<age::AgeVerifyResponse>(body),
            Self::AgeAntispoofing => parses::<age::AgeAntispoofingResponse>(body),
            Self::AgeError => parses::<age::AgeErrorBody>(body),
            Self::TokenResponse => parses::<poa::TokenResponse>(body),
            Self::OAuthError => parses::<poa::OAuthErrorBody>(body),
            Self::PoaResult => parses::<poa::PoaResult>(body),
            Self::VerifyAccepted => parses::<poa::VerifyAccepted>(body),
            Self::PoaError => parses::<poa::PoaErrorBody>(body),
        }
    }
}

/// One recorded answer: its file in [`EMULATOR_DIR`], the request (with placeholders), the
/// status it must have and the model it must parse into.
#[derive(Clone, Copy, Debug)]
pub struct Recording {
    /// The file name.
    pub file: &'static str,
    /// The request, as `METHOD /path` (and what is special about it).
    pub request: &'static str,
    /// The status expected.
    pub status: u16,
    /// The model.
    pub model: Model,
}

const fn rec(file: &'static str, request: &'static str, status: u16, model: Model) -> Recording {
    Recording {
        file,
        request,
        status,
        model,
    }
}

/// Every recorded answer, in the order of the flow.
pub const RECORDINGS: &[Recording] = &[
    // Identity Verification: a session through its whole life.
    rec(
        "idv-supported-documents.json",
        "GET /idverify/v1/supported-documents",
        200,
        Model::SupportedDocuments,
    ),
    rec(
        "idv-create-session.json",
        "POST /idverify/v1/sessions (checks, tasks, an ID and a supplementary document)",
        201,
        Model::CreateSession,
    ),
    rec(
        "idv-session-ongoing.json",
        "GET /idverify/v1/sessions/<session-id> (just created)",
        200,
        Model::SessionResult,
    ),
    rec(
        "idv-session-configuration.json",
        "GET /idverify/v1/sessions/<session-id>/configuration",
        200,
        Model::SessionConfiguration,
    ),
    rec(
        "idv-session-completed.json",
        "GET /idverify/v1/sessions/<session-id> (after POST /__emulator/sessions/<session-id>/simulate-user)",
        200,
        Model::SessionResult,
    ),
    rec(
        "idv-media-document-fields.json",
        "GET /idverify/v1/sessions/<session-id>/media/<id>/content (the ID document's fields)",
        200,
        Model::DocumentFields,
    ),
    rec(
        "idv-tracked-devices.json",
        "GET /idverify/v1/sessions/<session-id>/tracked-devices",
        200,
        Model::TrackedDevices,
    ),
    rec(
        "idv-error-session-not-found.json",
        "GET /idverify/v1/sessions/no-such-session",
        404,
        Model::IdvError,
    ),
    rec(
        "idv-error-payload-validation.json",
        "POST /idverify/v1/sessions (resources_ttl too short, a colour not #RRGGBB, a plain-http webhook)",
        400,
        Model::IdvError,
    ),
    // Age Estimation, with images::valid_jpeg().
    rec(
        "age-estimate.json",
        "POST /ai/v1/age",
        200,
        Model::AgeEstimate,
    ),
    rec(
        "age-verify.json",
        "POST /ai/v1/age-verify (threshold 18, OVER)",
        200,
        Model::AgeVerify,
    ),
    rec(
        "age-antispoofing.json",
        "POST /ai/v1/age-antispoofing (level of assurance MEDIUM)",
        200,
        Model::AgeAntispoofing,
    ),
    rec(
        "age-error-image-size-too-small.json",
        "POST /ai/v1/age (a JPEG of 49,999 bytes)",
        400,
        Model::AgeError,
    ),
    // Proof of Age.
    rec(
        "poa-token.json",
        "POST /v1/oauth/token (client credentials, PS384 client assertion)",
        200,
        Model::TokenResponse,
    ),
    rec(
        "poa-token-error-invalid-scope.json",
        "POST /v1/oauth/token (no scope)",
        400,
        Model::OAuthError,
    ),
    rec(
        "poa-verify-age-over.json",
        "POST /poa/v1/verify (QR age_over:18)",
        200,
        Model::PoaResult,
    ),
    rec(
        "poa-result.json",
        "GET /poa/v1/verify/<result-id-1>",
        200,
        Model::PoaResult,
    ),
    rec(
        "poa-verify-failure.json",
        "POST /poa/v1/verify (QR failure:USER_DID_NOT_CONSENT)",
        200,
        Model::PoaResult,
    ),
    rec(
        "poa-verify-accepted.json",
        "POST /poa/v1/verify (QR async:age_over:21)",
        202,
        Model::VerifyAccepted,
    ),
    rec(
        "poa-error-invalid-qr-code-verifier-token.json",
        "POST /poa/v1/verify (QR error:422)",
        422,
        Model::PoaError,
    ),
];

/// The recording of `file`, if it is one.
pub fn recording(file: &str) -> Option<&'static Recording> {
    RECORDINGS.iter().find(|r| r.file == file)
}

/// The index of the recordings, `tests/fixtures/emulator/README.md`.
fn index() -> Fixture {
    let mut out = String::from(
        "# Recorded emulator answers\n\
         \n\
         Generated by `cargo xtask fixtures` (the flow is `emulator_recordings` in\n\
         `tests/src/recording.rs`); `tests/tests/fixtures_fresh.rs` fails when they are stale.\n\
         Do not edit by hand. Values that change from run to run are placeholders: `<uuid-N>`\n\
         (the N-th distinct UUID of the file), `<timestamp>`, `<session-id>`,\n\
         `<client-session-token>`, `<access-token>`, `<result-id-N>`; the seconds left of a\n\
         client session token (`client_session_token_ttl` of an ongoing session and of its\n\
         configuration) are recorded as the TTL the session was created with.\n\
         \n\
         | file | request | status | parses into |\n\
         |---|---|---|---|\n",
    );
    for r in RECORDINGS {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | `{}` |\n",
            r.file,
            r.request,
            r.status,
            r.model.type_name()
        ));
    }
    Fixture {
        path: format!("{EMULATOR_DIR}/README.md"),
        contents: out,
    }
}

/// An answer: status and body as JSON (Null when empty or not JSON).
#[derive(Debug)]
struct Answer {
    status: u16,
    json: Value,
}

/// One emulator, the test application's keys, a transport.
struct Harness {
    emu: Emulator,
    key: PrivateKey,
    signer: RequestSigner,
    transport: Transport,
}

impl Harness {
    async fn signed(
        &self,
        method: Method,
        base: &str,
        path: &str,
        body: Option<String>,
        placement: SdkIdPlacement,
    ) -> Result<Answer, String> {
        let mut request = self
            .signer
            .request(method.clone(), base, path)
            .sdk_id(placement);
        if let Some(body) = body {
            request = request.json(body);
        }
        let out = crate::send(&self.transport, &request)
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        Ok(Answer {
            status: out.status.as_u16(),
            json: out.json,
        })
    }

    async fn plain(
        &self,
        method: Method,
        url: &str,
        headers: &[(HeaderName, String)],
        body: Bytes,
    ) -> Result<Answer, String> {
        let response = self
            .transport
            .execute(|_| {
                let mut request = http::Request::builder().method(method.clone()).uri(url);
                for (name, value) in headers {
                    request = request.header(name, value.as_str());
                }
                request.body(body.clone())
            })
            .await
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("{method} {url}: {e}"))?;
        Ok(Answer {
            status,
            json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        })
    }

    async fn idv_get(&self, path: &str) -> Result<Answer, String> {
        self.signed(
            Method::GET,
            &self.emu.idv_url(),
            path,
            None,
            SdkIdPlacement::default(),
        )
        .await
    }

    async fn idv_post(&self, path: &str, body: &Value) -> Result<Answer, String> {
        self.signed(
            Method::POST,
            &self.emu.idv_url(),
            path,
            Some(body.to_string()),
            SdkIdPlacement::default(),
        )
        .await
    }

    async fn age(&self, path: &str, body: &yoti_types::age::AgeRequest) -> Result<Answer, String> {
        let body = serde_json::to_string(body).map_err(|e| e.to_string())?;
        self.signed(
            Method::POST,
            &self.emu.age_url(),
            path,
            Some(body),
            SdkIdPlacement::Header,
        )
        .await
    }

    async fn token(&self, scopes: &[&str]) -> Result<Answer, String> {
        let assertion = AssertionSigner::new(crate::SDK_ID, self.key.clone(), self.emu.token_url())
            .sign()
            .map_err(|e| format!("client assertion: {e}"))?;
        let form = yoti_types::poa::TokenRequest::new(scopes, assertion).to_form_urlencoded();
        let headers = [(CONTENT_TYPE, "application/x-www-form-urlencoded".to_owned())];
        self.plain(Method::POST, &self.emu.token_url(), &headers, form.into())
            .await
    }

    async fn poa_verify(&self, token: &str, qr: &str) -> Result<Answer, String> {
        let query = yoti_types::poa::VerifyQuery::new(qr, yoti_poa::timestamp_now(), "pos-1234957")
            .set_store_id("store-42");
        let body = serde_json::to_vec(&query).map_err(|e| e.to_string())?;
        let headers = [
            (AUTHORIZATION, format!("Bearer {token}")),
            (CONTENT_TYPE, "application/json".to_owned()),
        ];
        let url = format!("{}/verify", self.emu.poa_url());
        self.plain(Method::POST, &url, &headers, body.into()).await
    }
}

/// What the flow has recorded so far, and the volatile values it has met.
#[derive(Default)]
struct Recorder {
    taken: Vec<(&'static Recording, Value)>,
    volatile: Vec<(String, String)>,
}

impl Recorder {
    /// Keeps `answer` as `file`, after checking its status and model.
    fn take(&mut self, file: &str, answer: Answer) -> Result<Value, String> {
        let r = recording(file).ok_or_else(|| format!("{file} is not in RECORDINGS"))?;
        if answer.status != r.status {
            return Err(format!(
                "{file}: {} answered {} (expected {}): {}",
                r.request, answer.status, r.status, answer.json
            ));
        }
        r.model
            .check(&answer.json)
            .map_err(|e| format!("{file}: does not parse into {}: {e}", r.model.type_name()))?;
        self.taken.push((r, answer.json.clone()));
        Ok(answer.json)
    }

    /// Records the member at `pointer` of the answer taken as `file`, a count of seconds left
    /// that goes down while the flow runs, as `full` (the count at the start), after checking
    /// it is within a minute of it.
    fn countdown(&mut self, file: &str, pointer: &str, full: u64) -> Result<(), String> {
        let (_, body) = self
            .taken
            .iter_mut()
            .find(|(r, _)| r.file == file)
            .ok_or_else(|| format!("{file} is not recorded yet"))?;
        let member = body
            .pointer_mut(pointer)
            .ok_or_else(|| format!("{file}: no {pointer}"))?;
        match member.as_u64() {
            Some(left) if left <= full && left + 60 >= full => {
                *member = Value::from(full);
                Ok(())
            }
            _ => Err(format!(
                "{file}: {pointer} is {member}, expected a count down from {full}"
            )),
        }
    }

    /// Replaces `value` by `placeholder` wherever it appears.
    fn volatile(&mut self, value: &str, placeholder: impl Into<String>) {
        if !value.is_empty() {
            self.volatile.push((value.to_owned(), placeholder.into()));
        }
    }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Result<&'a str, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string at {pointer} in {value}"))
}

/// The `client_session_token_ttl` of the session the flow creates.
const SESSION_TOKEN_TTL: u64 = 900;

/// The session the flow creates: every check and task the simulated user can satisfy.
fn session_spec() -> Value {
    json!({
        "client_session_token_ttl": SESSION_TOKEN_TTL,
        "resources_ttl": 90000,
        "user_tracking_id": "fixtures-user",
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

async fn record_idv(h: &Harness, rec: &mut Recorder) -> Result<(), String> {
    // Signed without `sdkId`, as the official SDKs do.
    let documents = h
        .signed(
            Method::GET,
            &h.emu.idv_url(),
            "/supported-documents",
            None,
            SdkIdPlacement::Omit,
        )
        .await?;
    rec.take("idv-supported-documents.json", documents)?;

    let created = h.idv_post("/sessions", &session_spec()).await?;
    let id = str_at(&created.json, "/session_id")?.to_owned();
    let token = str_at(&created.json, "/client_session_token")?.to_owned();
    rec.volatile(&id, "<session-id>");
    rec.volatile(&token, "<client-session-token>");
    rec.take("idv-create-session.json", created)?;

    let ongoing = rec.take(
        "idv-session-ongoing.json",
        h.idv_get(&format!("/sessions/{id}")).await?,
    )?;
    if ongoing["state"] != "ONGOING" {
        return Err(format!("a new session is not ONGOING: {ongoing}"));
    }
    rec.take(
        "idv-session-configuration.json",
        h.idv_get(&format!("/sessions/{id}/configuration")).await?,
    )?;
    // The seconds left of the client session token: recorded as the TTL asked for.
    for file in ["idv-session-ongoing.json", "idv-session-configuration.json"] {
        rec.countdown(file, "/client_session_token_ttl", SESSION_TOKEN_TTL)?;
    }

    let url = format!(
        "{}/__emulator/sessions/{id}/simulate-user",
        h.emu.base_url()
    );
    let simulated = h.plain(Method::POST, &url, &[], Bytes::new()).await?;
    if simulated.status != 200 {
        return Err(format!(
            "simulate-user answered {}: {}",
            simulated.status, simulated.json
        ));
    }
    let completed = rec.take(
        "idv-session-completed.json",
        h.idv_get(&format!("/sessions/{id}")).await?,
    )?;
    if completed["state"] != "COMPLETED" {
        return Err(format!(
            "the simulated session is not COMPLETED: {completed}"
        ));
    }

    let fields = str_at(
        &completed,
        "/resources/id_documents/0/document_fields/media/id",
    )?;
    rec.take(
        "idv-media-document-fields.json",
        h.idv_get(&format!("/sessions/{id}/media/{fields}/content"))
            .await?,
    )?;
    rec.take(
        "idv-tracked-devices.json",
        h.idv_get(&format!("/sessions/{id}/tracked-devices"))
            .await?,
    )?;
    rec.take(
        "idv-error-session-not-found.json",
        h.idv_get("/sessions/no-such-session").await?,
    )?;
    let invalid = json!({
        "resources_ttl": 600,
        "sdk_config": {"primary_colour": "blue"},
        "notifications": {"endpoint": "http://example.com/yoti"}
    });
    rec.take(
        "idv-error-payload-validation.json",
        h.idv_post("/sessions", &invalid).await?,
    )?;
    Ok(())
}

async fn record_age(h: &Harness, rec: &mut Recorder) -> Result<(), String> {
    use yoti_types::age::{AgeRequest, Device, LevelOfAssurance, Operator};
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let image = b64(&images::valid_jpeg());

    let estimate = AgeRequest::new(image.clone()).set_device(Device::Mobile);
    rec.take("age-estimate.json", h.age("/age", &estimate).await?)?;
    let verify = AgeRequest::verify(image.clone(), 18, Operator::Over).set_device(Device::Mobile);
    rec.take("age-verify.json", h.age("/age-verify", &verify).await?)?;
    let antispoofing = AgeRequest::new(image).set_level_of_assurance(LevelOfAssurance::Medium);
    rec.take(
        "age-antispoofing.json",
        h.age("/age-antispoofing", &antispoofing).await?,
    )?;
    // The IMAGE_SIZE_TOO_SMALL image of images::failing(), made alone (making them all is slow).
    let small = images::Spec::jpeg(640, 480).noise(0).len(49_999).build();
    let too_small = AgeRequest::new(b64(&small));
    rec.take(
        "age-error-image-size-too-small.json",
        h.age("/age", &too_small).await?,
    )?;
    Ok(())
}

async fn record_poa(h: &Harness, rec: &mut Recorder) -> Result<(), String> {
    let issued = h.token(&["poa:verify"]).await?;
    let token = str_at(&issued.json, "/access_token")?.to_owned();
    rec.volatile(&token, "<access-token>");
    rec.take("poa-token.json", issued)?;
    rec.take("poa-token-error-invalid-scope.json", h.token(&[]).await?)?;

    let mut results = 0;
    let mut verify = async |rec: &mut Recorder, file: &str, qr: &str| {
        let answer = h.poa_verify(&token, qr).await?;
        // A result's id (an error's id is a UUID like any other).
        let result = matches!(answer.status, 200 | 202);
        if let Some(id) = answer.json["id"].as_str().filter(|_| result) {
            results += 1;
            rec.volatile(id, format!("<result-id-{results}>"));
        }
        rec.take(file, answer)
    };
    let success = verify(rec, "poa-verify-age-over.json", "age_over:18#fixtures-1").await?;
    verify(
        rec,
        "poa-verify-failure.json",
        "failure:USER_DID_NOT_CONSENT#fixtures-2",
    )
    .await?;
    verify(
        rec,
        "poa-verify-accepted.json",
        "async:age_over:21#fixtures-3",
    )
    .await?;
    verify(
        rec,
        "poa-error-invalid-qr-code-verifier-token.json",
        "error:422#fixtures-4",
    )
    .await?;

    let id = str_at(&success, "/id")?;
    let url = format!("{}/verify/{id}", h.emu.poa_url());
    let headers = [(AUTHORIZATION, format!("Bearer {token}"))];
    rec.take(
        "poa-result.json",
        h.plain(Method::GET, &url, &headers, Bytes::new()).await?,
    )?;
    Ok(())
}

/// Runs the flow against a fresh in-process emulator and returns every recorded answer
/// (placeholders in place of volatile values, in [`RECORDINGS`] order) and their index.
///
/// # Errors
/// When the emulator does not start, a request fails, an answer has another status than
/// [`RECORDINGS`] says or does not parse into its model.
pub async fn emulator_recordings() -> Result<Vec<Fixture>, String> {
    let key = crate::test_key();
    let emu = Emulator::builder()
        .app(crate::SDK_ID, key.public_key())
        .start()
        .await
        .map_err(|e| format!("the emulator does not start: {e}"))?;
    let harness = Harness {
        emu,
        signer: RequestSigner::new(crate::SDK_ID, key.clone()),
        key,
        transport: crate::transport(),
    };
    let mut rec = Recorder::default();
    record_idv(&harness, &mut rec).await?;
    record_age(&harness, &mut rec).await?;
    record_poa(&harness, &mut rec).await?;
    harness.emu.shutdown().await;

    let mut fixtures = Vec::with_capacity(RECORDINGS.len() + 1);
    for r in RECORDINGS {
        let (_, body) = rec
            .taken
            .iter()
            .find(|(taken, _)| taken.file == r.file)
            .ok_or_else(|| format!("the flow did not record {}", r.file))?;
        fixtures.push(Fixture {
            path: format!("{EMULATOR_DIR}/{}", r.file),
            contents: pretty(&redact(body, &rec.volatile)),
        });
    }
    fixtures.push(index());
    Ok(fixtures)
}

// ----- redaction -----------------------------------------------------------------------------

/// `body` with every volatile value replaced: the `known` values by their placeholder
/// (wherever they appear in a string), RFC 3339 date-times by `<timestamp>`, and any other
/// UUID by `<uuid-N>`, N counting the distinct UUIDs of this body in order of appearance
/// (members in key order), so that references between members are kept.
pub fn redact(body: &Value, known: &[(String, String)]) -> Value {
    let mut known: Vec<&(String, String)> = known.iter().collect();
    known.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    let mut uuids = Vec::new();
    redact_value(body, &known, &mut uuids)
}

fn redact_value(value: &Value, known: &[&(String, String)], uuids: &mut Vec<String>) -> Value {
    match value {
        Value::String(s) => Value::String(redact_str(s, known, uuids)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| redact_value(v, known, uuids))
                .collect(),
        ),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), redact_value(v, known, uuids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn redact_str(s: &str, known: &[&(String, String)], uuids: &mut Vec<String>) -> String {
    if yoti_types::Timestamp::new(s).to_offset_date_time().is_ok() {
        return "<timestamp>".to_owned();
    }
    let mut out = s.to_owned();
    for (value, placeholder) in known {
        out = out.replace(value.as_str(), placeholder);
    }
    // Any other UUID, anywhere in the string.
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while !rest.is_empty() {
        if let Some(candidate) = rest.get(..36).filter(|c| is_uuid(c)) {
            let n = match uuids.iter().position(|u| u == candidate) {
                Some(i) => i + 1,
                None => {
                    uuids.push(candidate.to_owned());
                    uuids.len()
                }
            };
            result.push_str(&format!("<uuid-{n}>"));
            rest = &rest[36..];
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                result.push(c);
            }
            rest = chars.as_str();
        }
    }
    result
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

// ----- comparing with the committed files ----------------------------------------------------

/// How a committed fixture differs from a fresh one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stale {
    /// Not committed.
    Missing {
        /// The path from the workspace root.
        path: String,
    },
    /// Different.
    Differs {
        /// The path from the workspace root.
        path: String,
        /// The first differing line (1-based).
        line: usize,
        /// That line, committed (`None` past the end).
        committed: Option<String>,
        /// That line, fresh (`None` past the end).
        fresh: Option<String>,
    },
    /// A file in a generated folder that the generator no longer makes.
    Unexpected {
        /// The path from the workspace root.
        path: String,
    },
}

impl Stale {
    /// The path concerned.
    pub fn path(&self) -> &str {
        match self {
            Self::Missing { path } | Self::Differs { path, .. } | Self::Unexpected { path } => path,
        }
    }
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { path } => write!(f, "{path}: missing"),
            Self::Unexpected { path } => write!(f, "{path}: no longer generated"),
            Self::Differs {
                path,
                line,
                committed,
                fresh,
            } => {
                let show = |l: &Option<String>| match l {
                    Some(l) => format!("{l:?}"),
                    None => "(end of file)".to_owned(),
                };
                write!(
                    f,
                    "{path}:{line}: committed {} but now {}",
                    show(committed),
                    show(fresh)
                )
            }
        }
    }
}

/// Compares `fixtures` with the files under `root`; also lists files of [`EMULATOR_DIR`]
/// that are not among `fixtures` when any fixture is in it. Line endings are ignored.
pub fn stale(root: &Path, fixtures: &[Fixture]) -> Vec<Stale> {
    let mut out = Vec::new();
    for fixture in fixtures {
        let Ok(committed) = std::fs::read_to_string(root.join(&fixture.path)) else {
            out.push(Stale::Missing {
                path: fixture.path.clone(),
            });
            continue;
        };
        let committed = committed.replace("\r\n", "\n");
        if committed == fixture.contents {
            continue;
        }
        let (mut old, mut new) = (committed.split('\n'), fixture.contents.split('\n'));
        let mut line = 1;
        loop {
            let (a, b) = (old.next(), new.next());
            if a != b || (a.is_none() && b.is_none()) {
                out.push(Stale::Differs {
                    path: fixture.path.clone(),
                    line,
                    committed: a.map(str::to_owned),
                    fresh: b.map(str::to_owned),
                });
                break;
            }
            line += 1;
        }
    }
    let prefix = format!("{EMULATOR_DIR}/");
    if fixtures.iter().any(|f| f.path.starts_with(&prefix)) {
        let mut extra: Vec<String> = std::fs::read_dir(root.join(EMULATOR_DIR))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .map(|name| format!("{prefix}{name}"))
            .filter(|path| !fixtures.iter().any(|f| &f.path == path))
            .collect();
        extra.sort();
        out.extend(extra.into_iter().map(|path| Stale::Unexpected { path }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_numbers_uuids_and_keeps_references() {
        let body = json!({
            "a": "2f0b1f7a-4c1e-4d8e-9a3b-3b1e6f1c9d21",
            "b": ["0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "2f0b1f7a-4c1e-4d8e-9a3b-3b1e6f1c9d21"],
            "c": "/media/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/content",
            "d": "2024-05-01T10:00:00.123Z",
            "e": "sess-123 and tok",
            "f": 7,
            "g": "2024-05-01",
        });
        let known = [
            ("sess-123".to_owned(), "<session-id>".to_owned()),
            ("tok".to_owned(), "<token>".to_owned()),
        ];
        assert_eq!(
            redact(&body, &known),
            json!({
                "a": "<uuid-1>",
                "b": ["<uuid-2>", "<uuid-1>"],
                "c": "/media/<uuid-3>/content",
                "d": "<timestamp>",
                "e": "<session-id> and <token>",
                "f": 7,
                "g": "2024-05-01",
            })
        );
    }

    #[test]
    fn staleness_names_the_first_differing_line() {
        let dir = std::env::temp_dir().join(format!("yoti-recording-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.json"), "{\r\n  \"x\": 1\r\n}\n").unwrap();
        let fixture = |contents: &str| Fixture {
            path: "a.json".to_owned(),
            contents: contents.to_owned(),
        };
        assert!(stale(&dir, &[fixture("{\n  \"x\": 1\n}\n")]).is_empty());
        assert_eq!(
            stale(&dir, &[fixture("{\n  \"x\": 2\n}\n")]),
            [Stale::Differs {
                path: "a.json".to_owned(),
                line: 2,
                committed: Some("  \"x\": 1".to_owned()),
                fresh: Some("  \"x\": 2".to_owned()),
            }]
        );
        assert_eq!(
            stale(&dir, &[fixture("{\n  \"x\": 1\n}\n\n")]),
            [Stale::Differs {
                path: "a.json".to_owned(),
                line: 5,
                committed: None,
                fresh: Some(String::new()),
            }]
        );
        assert_eq!(
            stale(
                &dir,
                &[Fixture {
                    path: "b.json".to_owned(),
                    contents: String::new()
                }]
            ),
            [Stale::Missing {
                path: "b.json".to_owned()
            }]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
