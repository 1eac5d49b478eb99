//! The request journal: the last N requests to the service routes, each with method, path,
//! query (tokens redacted), application, status, Yoti error code and latency, and for a
//! signed request whose signature did not verify, what the emulator expected to be signed
//! next to what arrived. Read with `GET /__emulator/requests` (`DELETE` empties it), the
//! dashboard and `yoti emulator requests`.
//!
//! Never recorded: bodies (media, keys, notification tokens, assertions), the
//! `X-Yoti-Auth-Token` header, and the values of query parameters that carry a token.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{OriginalUri, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yoti_auth::{PublicKey, SignedParts, query_param};

use crate::state::Shared;

/// How many requests the journal keeps by default.
pub const DEFAULT_JOURNAL_CAPACITY: usize = 200;

/// Query parameters whose values are secrets: written as `[redacted]`.
const SECRET_PARAMS: &[&str] = &["sessionToken", "token", "access_token", "client_assertion"];

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Increasing from 1 in the emulator's life.
    pub id: u64,
    /// When it arrived (RFC 3339, UTC, the real clock).
    pub at: String,
    /// The HTTP method.
    pub method: String,
    /// The full path, mount included.
    pub path: String,
    /// The raw query with token values redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `idv`, `age`, `poa`, `token` or `other`.
    pub service: String,
    /// The SDK id the request named or was verified for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The answer's status.
    pub status: u16,
    /// The Yoti error code of an error answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// From arrival to the answer's head, in milliseconds.
    pub latency_ms: u64,
    /// For a signed request whose signature did not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureDiagnosis>,
}

/// Why a signature did not verify: the string the emulator checked it against, and what
/// arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignatureDiagnosis {
    /// The string to sign as the emulator built it: `METHOD&PATH?QUERY`, then
    /// `&BASE64(body)` written as a placeholder naming the body's size and SHA-256 (bodies
    /// are never recorded).
    pub expected_string_to_sign: String,
    /// The path part the emulator signs: relative to the service's mount.
    pub signed_path: String,
    /// The mount the request came through (`/idverify/v1`, ...), not part of the string.
    pub mount: String,
    /// The `X-Yoti-Auth-Digest` that arrived (its start), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_digest: Option<String>,
    /// The `nonce` query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The `timestamp` query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The body's length in bytes.
    pub body_len: usize,
    /// The body's SHA-256, hex (lets you compare with the body you signed).
    pub body_sha256: String,
    /// The signature verifies over the path **with** the mount prefix: you signed the full
    /// path; Yoti signs the path after the mount.
    pub signed_with_mount_prefix: bool,
    /// The signature verifies over the string without the body.
    pub signed_without_body: bool,
    /// One sentence for a human.
    pub hint: String,
}

/// The journal proper: a bounded queue, newest last.
///
/// It is written on every request and read by a person now and then, so the request path
/// only moves what it already has into a [`Recorded`] (no formatting, no redaction, no
/// copies of the URI); [`list`](Self::list) makes the [`JournalEntry`]s.
#[derive(Debug)]
pub(crate) struct Journal {
    capacity: AtomicUsize,
    next: AtomicU64,
    entries: Mutex<VecDeque<Recorded>>,
}

/// A request as the hot path records it.
#[derive(Debug)]
struct Recorded {
    id: u64,
    at: SystemTime,
    method: http::Method,
    uri: http::Uri,
    app: Option<String>,
    status: u16,
    code: Option<String>,
    latency: Duration,
    signature: Option<Box<SignatureDiagnosis>>,
}

impl Recorded {
    fn entry(&self) -> JournalEntry {
        let path = self.uri.path();
        JournalEntry {
            id: self.id,
            at: time::OffsetDateTime::from(self.at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            method: self.method.to_string(),
            path: path.to_owned(),
            query: self.uri.query().map(redact),
            service: service_of(path).to_owned(),
            app: self.app.clone(),
            status: self.status,
            code: self.code.clone(),
            latency_ms: u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
            signature: self.signature.as_deref().cloned(),
        }
    }
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: AtomicUsize::new(capacity),
            next: AtomicU64::new(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// How many requests it keeps.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity.load(Ordering::Relaxed)
    }

    /// Changes how many requests it keeps (the oldest go first).
    pub(crate) fn set_capacity(&self, capacity: usize) {
        self.capacity.store(capacity, Ordering::Relaxed);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        while entries.len() > capacity {
            entries.pop_front();
        }
    }

    fn push(&self, mut entry: Recorded) {
        let capacity = self.capacity();
        if capacity == 0 {
            return;
        }
        entry.id = self.next.fetch_add(1, Ordering::Relaxed);
        // The entries that make room are dropped after the lock is released.
        let mut dropped = Vec::new();
        {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            while entries.len() >= capacity {
                dropped.extend(entries.pop_front());
            }
            entries.push_back(entry);
        }
        drop(dropped);
    }

    /// The entries, newest first.
    pub(crate) fn list(&self) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().rev().map(Recorded::entry).collect()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// What the authentication layer learns of a request, for its journal entry: a slot the
/// journal middleware puts in the request's extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Note(Arc<Mutex<NoteInner>>);

#[derive(Debug, Default)]
struct NoteInner {
    app: Option<String>,
    signature: Option<SignatureDiagnosis>,
}

/// Records the application a request named (verified or not).
pub(crate) fn note_app(parts: &http::request::Parts, sdk_id: &str) {
    if let Some(note) = parts.extensions.get::<Note>() {
        note.0.lock().unwrap_or_else(|p| p.into_inner()).app = Some(sdk_id.to_owned());
    }
}

/// Records why a signature did not verify against `key`.
pub(crate) fn note_bad_signature(
    parts: &http::request::Parts,
    signed: &SignedParts<'_>,
    key: Option<&PublicKey>,
) {
    let Some(note) = parts.extensions.get::<Note>() else {
        return;
    };
    let full_path = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| signed.path.to_owned());
    let mount = full_path
        .strip_suffix(signed.path)
        .unwrap_or_default()
        .to_owned();
    note.0.lock().unwrap_or_else(|p| p.into_inner()).signature =
        Some(diagnose(signed, &mount, key));
}

/// Builds the diagnosis of a signature that did not verify.
pub(crate) fn diagnose(
    signed: &SignedParts<'_>,
    mount: &str,
    key: Option<&PublicKey>,
) -> SignatureDiagnosis {
    let with_query = |path: &str| match signed.query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let body_sha256 =
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, signed.body).as_ref());
    let mut expected = format!("{}&{}", signed.method, with_query(signed.path));
    if !signed.body.is_empty() {
        expected.push_str(&format!(
            "&<base64 of the {}-byte body, sha256 {}>",
            signed.body.len(),
            &body_sha256[..16]
        ));
    }
    let signature = signed.digest.and_then(|d| {
        base64::engine::general_purpose::STANDARD
            .decode(d.trim())
            .ok()
    });
    let verifies = |message: Vec<u8>| match (key, &signature) {
        (Some(key), Some(sig)) => key.verify_pkcs1_sha256(&message, sig).is_ok(),
        _ => false,
    };
    let with_mount = !mount.is_empty()
        && verifies(yoti_auth::string_to_sign(
            signed.method,
            &with_query(&format!("{mount}{}", signed.path)),
            signed.body,
        ));
    let without_body = !signed.body.is_empty()
        && verifies(yoti_auth::string_to_sign(
            signed.method,
            &with_query(signed.path),
            &[],
        ));
    let query = signed.query.unwrap_or("");
    let hint = if signature.is_none() {
        "The X-Yoti-Auth-Digest header is missing or not base64.".to_owned()
    } else if with_mount {
        format!(
            "You signed the path with the mount prefix {mount}: sign only what follows the base URL ({}).",
            signed.path
        )
    } else if without_body {
        "You signed without the body: append &BASE64(body) to the string to sign.".to_owned()
    } else if key.is_none() {
        "No registered application's key could be tried.".to_owned()
    } else {
        "The signature does not match this string with the application's key: compare the method, path, query (every parameter, in the order sent) and body you signed, and check the key pair.".to_owned()
    };
    SignatureDiagnosis {
        expected_string_to_sign: expected,
        signed_path: signed.path.to_owned(),
        mount: mount.to_owned(),
        received_digest: signed.digest.map(|d| {
            let d = d.trim();
            if d.len() > 24 {
                format!("{}…", &d[..24])
            } else {
                d.to_owned()
            }
        }),
        nonce: query_param(query, "nonce").map(|n| n.into_owned()),
        timestamp: query_param(query, "timestamp").map(|t| t.into_owned()),
        body_len: signed.body.len(),
        body_sha256,
        signed_with_mount_prefix: with_mount,
        signed_without_body: without_body,
        hint,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The URI to keep: as it came, unless its query carries a secret, whose value is then
/// replaced before anything holds it (so not even the journal's `Debug` could show it).
fn without_secrets(uri: &http::Uri) -> http::Uri {
    let Some(query) = uri.query() else {
        return uri.clone();
    };
    let secret = query
        .split('&')
        .any(|pair| SECRET_PARAMS.contains(&pair.split_once('=').map_or(pair, |(k, _)| k)));
    if !secret {
        return uri.clone();
    }
    format!("{}?{}", uri.path(), redact(query))
        .parse()
        .unwrap_or_else(|_| uri.path().parse().unwrap_or_default())
}

/// A query with the values of secret parameters replaced.
fn redact(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k) => format!("{k}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn service_of(path: &str) -> &'static str {
    use crate::mounts;
    if path.starts_with(mounts::IDV) || path.starts_with(mounts::SANDBOX_IDV) {
        "idv"
    } else if path.starts_with(mounts::AGE) {
        "age"
    } else if path.starts_with(mounts::POA) {
        "poa"
    } else if path.starts_with(mounts::TOKEN) {
        "token"
    } else {
        "other"
    }
}

/// The Yoti error code an error answer carries (set by `ApiError`).
#[derive(Debug, Clone)]
pub(crate) struct AnsweredCode(pub(crate) String);

/// Middleware over the service routes: records each request once its answer's head is ready.
pub(crate) async fn record(
    State(shared): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    if shared.journal.capacity() == 0 {
        return next.run(request).await;
    }
    let started = Instant::now();
    let at = SystemTime::now();
    let method = request.method().clone();
    let uri = without_secrets(request.uri());
    let note = Note::default();
    request.extensions_mut().insert(note.clone());
    let age_app = request
        .headers()
        .get(yoti_auth::headers::AUTH_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let inner = std::mem::take(&mut *note.0.lock().unwrap_or_else(|p| p.into_inner()));
    shared.journal.push(Recorded {
        id: 0,
        at,
        method,
        uri,
        app: inner.app.or(age_app),
        status: response.status().as_u16(),
        code: response
            .extensions()
            .get::<AnsweredCode>()
            .map(|c| c.0.clone()),
        latency: started.elapsed(),
        signature: inner.signature.map(Box::new),
    });
    response
}

/// `GET /__emulator/requests[?limit=N&failed=true&service=idv]` (newest first) and
/// `DELETE /__emulator/requests`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new().route("/requests", get(list).delete(clear))
}

async fn list(
    State(shared): State<Shared>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let limit = query_param(&query, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let failed = query_param(&query, "failed").is_some_and(|f| f == "true");
    let service = query_param(&query, "service").map(|s| s.into_owned());
    let entries: Vec<_> = shared
        .journal
        .list()
        .into_iter()
        .filter(|e| !failed || e.status >= 400)
        .filter(|e| service.as_deref().is_none_or(|s| s == e.service))
        .take(limit)
        .collect();
    Json(json!({ "capacity": shared.journal.capacity(), "requests": entries })).into_response()
}

async fn clear(State(shared): State<Shared>) -> Response {
    shared.journal.clear();
    axum::http::StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_queries_are_redacted() {
        assert_eq!(
            redact("sessionID=abc&sessionToken=s3cret&x=1"),
            "sessionID=abc&sessionToken=[redacted]&x=1"
        );
        assert_eq!(redact("sdkId=a&nonce=n"), "sdkId=a&nonce=n");
    }

    #[test]
    fn a_kept_uri_holds_no_token() {
        let uri: http::Uri = "/idverify/v1/sessions/s1?sessionID=s1&sessionToken=s3cret"
            .parse()
            .unwrap();
        let kept = without_secrets(&uri);
        assert_eq!(
            kept.to_string(),
            "/idverify/v1/sessions/s1?sessionID=s1&sessionToken=[redacted]"
        );
        assert!(!format!("{kept:?}").contains("s3cret"));
        let plain: http::Uri = "/age/v1/age-verify?sdkId=a&nonce=n".parse().unwrap();
        assert_eq!(without_secrets(&plain), plain);
    }

    #[test]
    fn the_journal_keeps_the_last_n() {
        let journal = Journal::new(2);
        for i in 0..3 {
            journal.push(Recorded {
                id: 0,
                at: SystemTime::UNIX_EPOCH,
                method: http::Method::GET,
                uri: format!("/p{i}?sessionToken=s3cret").parse().unwrap(),
                app: None,
                status: 200,
                code: None,
                latency: Duration::from_millis(3),
                signature: None,
            });
        }
        let list = journal.list();
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].id, list[0].path.as_str()), (3, "/p2"));
        assert_eq!(list[1].path, "/p1");
        assert_eq!(list[0].query.as_deref(), Some("sessionToken=[redacted]"));
        assert_eq!(list[0].service, "other");
        assert_eq!(list[0].latency_ms, 3);
        assert_eq!(list[0].at, "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_path_signed_with_its_mount_is_diagnosed() {
        let key = yoti_auth::PrivateKey::generate(2048).unwrap();
        let query = "sdkId=app&nonce=n1&timestamp=1700000000000";
        let message =
            yoti_auth::string_to_sign("POST", &format!("/idverify/v1/sessions?{query}"), b"{}");
        let digest = base64::engine::general_purpose::STANDARD
            .encode(key.sign_pkcs1_sha256(&message).unwrap());
        let signed = SignedParts {
            method: "POST",
            path: "/sessions",
            query: Some(query),
            body: b"{}",
            digest: Some(&digest),
        };
        let d = diagnose(&signed, "/idverify/v1", Some(&key.public_key()));
        assert!(d.signed_with_mount_prefix, "{d:?}");
        assert!(!d.signed_without_body);
        assert!(d.expected_string_to_sign.starts_with(&format!(
            "POST&/sessions?{query}&<base64 of the 2-byte body"
        )));
        assert_eq!(d.nonce.as_deref(), Some("n1"));
        assert!(d.hint.contains("/idverify/v1"), "{}", d.hint);
    }
}
