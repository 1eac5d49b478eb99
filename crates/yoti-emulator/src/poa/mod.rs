//! Proof of Age (`/poa/v1`, bearer tokens) and the OAuth token endpoint (`/v1/oauth/token`).
//!
//! # Tokens
//!
//! `POST /v1/oauth/token` takes the form of `client_credentials` with a client assertion
//! (`grant_type`, `client_assertion_type`, `scope`, `client_assertion`, none repeated) and
//! checks the assertion as Yoti does ([`yoti_auth::AssertionVerifier`]): header `PS384` /
//! `JWT`, the PS384 signature with the registered key of the application named by `iss`,
//! `iss` = `sub` = `sdk:<SDK_ID>`, `aud` = `<public URL>/v1/oauth/token` (the emulator's
//! [public URL](crate::EmulatorBuilder::public_url), `http://ADDR` by default; never the
//! request's `Host`), `exp` not past
//! and at most 30 minutes ahead, `jti` of 16 to 128 bytes and never seen before. It answers
//! an opaque `yta_...` token valid for [`PoaConfig::token_lifetime_secs`] (default 1800 s).
//!
//! | refusal | status | `error` |
//! |---|---|---|
//! | form missing, unreadable, a parameter missing or repeated, wrong assertion type | 400 | `invalid_request` |
//! | `grant_type` other than `client_credentials` | 400 | `unsupported_grant_type` |
//! | `scope` empty or malformed | 400 | `invalid_scope` |
//! | assertion forged, malformed, expired, too long-lived, replayed, wrong claims, unknown app | 401 | `invalid_client` |
//! | the application already has [`PoaConfig::max_active_tokens`] (200) unexpired tokens | 400 | `invalid_request` |
//!
//! The `error_description` says exactly what is wrong. The 200-token cap is Yoti's; the
//! status and code of its refusal are not documented, and are this emulator's choice.
//!
//! # Bearer authentication
//!
//! Every `/poa/v1` route needs `Authorization: Bearer <token>` with a token this emulator
//! issued, not expired: else 401 in the PoA error style, `MISSING_TOKEN` or `INVALID_TOKEN`
//! (unknown, expired, or expired by `POST /__emulator/poa/tokens/expire`), with a
//! `WWW-Authenticate: Bearer` header.
//!
//! # The QR scheme
//!
//! The QR code's value decides the outcome of `POST /poa/v1/verify`, deterministically.
//! Anything after a `#` is ignored (use it to make values unique: each value can be used
//! once). `<REASON>` is a failure reason as on the wire (`UNABLE_TO_VERIFY_SIGNATURE`,
//! `PRESENTATION_EXPIRED`, `PRESENTATION_ALREADY_USED`, `UNSUPPORTED_PAYLOAD`,
//! `EXCLUDED_PROVIDER`, `UNKNOWN_PROVIDER`, `USER_DID_NOT_CONSENT`; an unknown name is
//! answered as given).
//!
//! | QR value | answer |
//! |---|---|
//! | `age_over:<N>` (e.g. `age_over:18#till-3`) | 200 `SUCCESS`: `age_over` N, provider `YOTI`, `valid_for_alcohol` N ≥ 18, checks `SIGNATURE_VERIFIED`, `PROVIDER_ON_DVS_REGISTER` |
//! | `age_over:<N>:<PROVIDER>` (e.g. `age_over:21:GOV_UK`) | the same, from that provider |
//! | `failure:<REASON>` | 200 `FAILURE` with that reason |
//! | `async:age_over:<N>[:<PROVIDER>]` | 202 `{"id", "status": "PENDING"}`; `GET /poa/v1/verify/{id}` answers `PENDING` (`waiting_on` `USER_CONSENT`) for [`PoaConfig::async_delay_ms`] (300 ms), then `SUCCESS`, delivered to the notification URL |
//! | `async:failure:<REASON>` | the same, ending in `FAILURE` with that reason |
//! | `error:400` | 400 `MALFORMED_PAYLOAD` |
//! | `error:403` | 403 `FEATURE_DISABLED` |
//! | `error:422` | 422 `INVALID_QR_CODE_VERIFIER_TOKEN` |
//! | `error:500` | 500 `SYSTEM_UNAVAILABLE` |
//! | anything else (a real `mdoc:...` too) | 200 `FAILURE` `UNSUPPORTED_PAYLOAD` |
//!
//! Before the scheme applies: a body that is not a valid verify query is 400
//! `MALFORMED_PAYLOAD`; a `scanned_at` older than [`PoaConfig::qr_validity_secs`] (30 s) is
//! 200 `FAILURE` `PRESENTATION_ALREADY_USED`. `error:` values never count as used. A QR
//! value over 8 KiB is 400 `MALFORMED_PAYLOAD`, and a body over 2 MiB 413
//! `PAYLOAD_TOO_LARGE` (PoA's JSON error body, as every error). Every result is kept for
//! [`PoaConfig::retention_secs`] (a day, on the emulator's virtual clock; used values too,
//! the 100 000 most recent of each at most) and readable with `GET /poa/v1/verify/{id}` by
//! the application that asked (404 `NOT_FOUND` otherwise).
//!
//! # Notifications
//!
//! A query answered 202 with a `notification` gets its final result delivered there, with
//! the configured headers, through the emulator's shared webhook deliveries
//! ([`WebhookPolicy`](crate::WebhookPolicy): each in its own task, every attempt cut after a
//! timeout, retried with backoff until the receiver answers 2xx; listed by
//! `GET /__emulator/notifications`): `POST` (the default) with the result as JSON, or `GET`
//! with no body and the result's id in the `id` query parameter. Only plain `http://` to a
//! loopback host is dialled (the query validation already refuses `http://` elsewhere);
//! `https://` deliveries are recorded as failed, since the emulator has no TLS client.
//!
//! # Admin
//!
//! Under `/__emulator/poa`: `GET /stats` ([`PoaStats`]), `GET|PUT /config` ([`PoaConfig`]),
//! `POST /tokens` (`{"sdk_id", "lifetime_secs"?}`: a token "provisioned by hand", without an
//! assertion), `POST /tokens/expire` (every token expires now).

mod retention;
pub(crate) mod snapshot;
mod token;
mod verify;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::time::Instant;
use yoti_auth::AssertionVerifier;
use yoti_types::poa::{AccessToken, PoaResult};

use crate::Emulator;
use crate::error::{ApiError, ErrorStyle};
use crate::limits::{MAX_SPAN_SECS, capped, check_span};
use crate::state::Shared;
use retention::Retained;

/// The Proof of Age service's settings; change them at run time with
/// [`Emulator::set_poa_config`] or `PUT /__emulator/poa/config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoaConfig {
    /// How long an issued token is valid, in seconds (`expires_in`; default 1800; at most
    /// 100 years, as every span below).
    pub token_lifetime_secs: u64,
    /// The most unexpired tokens an application may hold (default 200, as Yoti).
    pub max_active_tokens: usize,
    /// How long after `scanned_at` a QR value is accepted, in seconds (default 30).
    pub qr_validity_secs: u64,
    /// How long an `async:` query stays `PENDING`, in milliseconds (default 300).
    pub async_delay_ms: u64,
    /// How long used QR values and results are remembered, in seconds of the emulator's
    /// (virtual) clock (default 86 400, a day); the 100 000 most recent of each at most.
    pub retention_secs: u64,
}

impl Default for PoaConfig {
    fn default() -> Self {
        Self {
            token_lifetime_secs: 1800,
            max_active_tokens: 200,
            qr_validity_secs: 30,
            async_delay_ms: 300,
            retention_secs: 86_400,
        }
    }
}

impl PoaConfig {
    fn validate(&self) -> Result<(), String> {
        if self.token_lifetime_secs == 0 {
            return Err("token_lifetime_secs must be at least 1".into());
        }
        check_span("token_lifetime_secs", self.token_lifetime_secs, 1)?;
        check_span("qr_validity_secs", self.qr_validity_secs, 1)?;
        check_span("async_delay_ms", self.async_delay_ms, 1000)?;
        check_span("retention_secs", self.retention_secs, 1)
    }
}

/// The Proof of Age service's counters (`GET /__emulator/poa/stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PoaStats {
    /// Requests that reached the token endpoint.
    pub token_requests: u64,
    /// Tokens issued (by the token endpoint or the admin route).
    pub tokens_issued: u64,
    /// Token requests refused.
    pub tokens_refused: u64,
    /// Tokens not expired now, all applications together.
    pub active_tokens: u64,
    /// `POST /poa/v1/verify` requests that passed bearer authentication.
    pub verify_requests: u64,
    /// `GET /poa/v1/verify/{id}` requests that passed bearer authentication.
    pub result_requests: u64,
    /// Requests refused by bearer authentication (401).
    pub unauthorized: u64,
    /// Result notifications sent or being sent.
    pub notifications: u64,
    /// Result notifications delivered (the receiver answered 2xx).
    pub notifications_delivered: u64,
    /// Result notifications given up (no 2xx after every attempt, or not deliverable).
    pub notifications_failed: u64,
    /// Delivery attempts of result notifications, successful or not.
    pub notification_attempts: u64,
}

/// Tokens issued, results stored, QR values used.
#[derive(Default)]
pub(crate) struct PoaState {
    inner: Mutex<Inner>,
    assertions: AssertionVerifier,
    counters: Counters,
}

impl fmt::Debug for PoaState {
    // Never prints the tokens (they are the keys of a map).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("PoaState")
            .field("config", &inner.config)
            .field("tokens", &inner.tokens.len())
            .field("results", &inner.results.len())
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    config: PoaConfig,
    /// Token -> who holds it, until when.
    tokens: HashMap<String, IssuedToken>,
    used_qr: Retained<()>,
    /// Result id -> the application that asked, and the result.
    results: Retained<StoredResult>,
}

impl Inner {
    /// Forgets used QR values and results older than the retention period.
    fn sweep(&mut self, now: time::OffsetDateTime) {
        let retention = time::Duration::seconds(
            i64::try_from(self.config.retention_secs.min(MAX_SPAN_SECS)).unwrap_or(0),
        );
        self.used_qr.sweep(now, retention);
        self.results.sweep(now, retention);
    }
}

struct IssuedToken {
    sdk_id: String,
    expires_at: Instant,
}

struct StoredResult {
    sdk_id: String,
    result: PoaResult,
}

#[derive(Default)]
struct Counters {
    token_requests: AtomicU64,
    tokens_issued: AtomicU64,
    tokens_refused: AtomicU64,
    verify_requests: AtomicU64,
    result_requests: AtomicU64,
    unauthorized: AtomicU64,
}

/// The `service` of this module's webhook deliveries.
const NOTIFICATION_SERVICE: &str = "poa";

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl PoaState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn config(&self) -> PoaConfig {
        self.lock().config.clone()
    }

    pub(crate) fn stats(&self, webhooks: &crate::webhook::Webhooks) -> PoaStats {
        let now = Instant::now();
        let active = self
            .lock()
            .tokens
            .values()
            .filter(|t| t.expires_at > now)
            .count();
        let c = &self.counters;
        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        let notifications = webhooks.totals(NOTIFICATION_SERVICE);
        PoaStats {
            token_requests: load(&c.token_requests),
            tokens_issued: load(&c.tokens_issued),
            tokens_refused: load(&c.tokens_refused),
            active_tokens: active as u64,
            verify_requests: load(&c.verify_requests),
            result_requests: load(&c.result_requests),
            unauthorized: load(&c.unauthorized),
            notifications: notifications.sent,
            notifications_delivered: notifications.delivered,
            notifications_failed: notifications.failed,
            notification_attempts: notifications.attempts,
        }
    }

    /// Issues a token for `sdk_id`, unless it already holds the most allowed: then the
    /// number it holds.
    fn issue(&self, sdk_id: &str, lifetime: Duration) -> Result<AccessToken, usize> {
        let now = Instant::now();
        let lifetime = capped(lifetime);
        let mut inner = self.lock();
        // Forget tokens long expired (kept a while to tell "expired" from "unknown").
        inner
            .tokens
            .retain(|_, t| t.expires_at.checked_add(Duration::from_secs(600)) > Some(now));
        let active = inner
            .tokens
            .values()
            .filter(|t| t.sdk_id == sdk_id && t.expires_at > now)
            .count();
        if active >= inner.config.max_active_tokens {
            return Err(active);
        }
        Ok(self.insert_token(&mut inner, sdk_id, now + lifetime))
    }

    /// Issues a token for `sdk_id`, whatever it holds (a token provisioned by hand).
    /// The lifetime is capped at 100 years.
    fn issue_uncapped(&self, sdk_id: &str, lifetime: Duration) -> AccessToken {
        let mut inner = self.lock();
        self.insert_token(&mut inner, sdk_id, Instant::now() + capped(lifetime))
    }

    fn insert_token(&self, inner: &mut Inner, sdk_id: &str, expires_at: Instant) -> AccessToken {
        let token = new_token();
        inner.tokens.insert(
            token.clone(),
            IssuedToken {
                sdk_id: sdk_id.to_owned(),
                expires_at,
            },
        );
        bump(&self.counters.tokens_issued);
        AccessToken::new(token)
    }

    /// Makes every token expire now; answers how many were active.
    fn expire_tokens(&self) -> usize {
        let now = Instant::now();
        let mut inner = self.lock();
        let mut expired = 0;
        for token in inner.tokens.values_mut() {
            if token.expires_at > now {
                token.expires_at = now;
                expired += 1;
            }
        }
        expired
    }
}

/// `yta_` and 36 characters, like the example in Yoti's reference.
fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
    let mut rng = fastrand::Rng::new();
    let mut token = String::from("yta_");
    token.extend((0..36).map(|_| char::from(ALPHABET[rng.usize(..ALPHABET.len())])));
    token
}

/// The PoA routes, relative to `/poa/v1`; each handler authenticates the bearer token
/// through its [`verify::Caller`] argument.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/verify", post(verify::verify))
        .route("/verify/{id}", get(verify::get_result))
}

/// The token endpoint routes, relative to the root (`/v1/oauth/token`).
pub(crate) fn token_routes() -> Router<Shared> {
    Router::new().route(crate::mounts::TOKEN, post(token::token))
}

/// Admin routes of the PoA service, under `/__emulator/poa`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new()
        .route("/stats", get(admin_stats))
        .route("/config", get(admin_get_config).put(admin_put_config))
        .route("/tokens", post(admin_issue_token))
        .route("/tokens/expire", post(admin_expire_tokens))
}

async fn admin_stats(State(shared): State<Shared>) -> Response {
    Json(shared.poa.stats(&shared.webhooks)).into_response()
}

async fn admin_get_config(State(shared): State<Shared>) -> Response {
    Json(shared.poa.config()).into_response()
}

async fn admin_put_config(State(shared): State<Shared>, body: bytes::Bytes) -> Response {
    let config: PoaConfig = match serde_json::from_slice(&body) {
        Ok(config) => config,
        Err(e) => return admin_error(format!("invalid PoA configuration: {e}")),
    };
    if let Err(e) = config.validate() {
        return admin_error(e);
    }
    shared.poa.lock().config = config.clone();
    Json(config).into_response()
}

#[derive(Debug, Deserialize)]
struct NewToken {
    sdk_id: String,
    lifetime_secs: Option<u64>,
}

async fn admin_issue_token(State(shared): State<Shared>, body: bytes::Bytes) -> Response {
    let request: NewToken = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return admin_error(format!("expected {{\"sdk_id\", \"lifetime_secs\"?}}: {e}")),
    };
    if shared.app(&request.sdk_id).is_none() {
        return admin_error(format!(
            "no application is registered with the SDK id {:?}",
            request.sdk_id
        ));
    }
    let lifetime = request
        .lifetime_secs
        .unwrap_or_else(|| shared.poa.config().token_lifetime_secs);
    if let Err(e) = check_span("lifetime_secs", lifetime, 1) {
        return admin_error(e);
    }
    let token = shared
        .poa
        .issue_uncapped(&request.sdk_id, Duration::from_secs(lifetime));
    (
        StatusCode::CREATED,
        Json(json!({
            "access_token": token.expose_secret(),
            "token_type": "Bearer",
            "expires_in": lifetime,
        })),
    )
        .into_response()
}

async fn admin_expire_tokens(State(shared): State<Shared>) -> Response {
    Json(json!({ "expired": shared.poa.expire_tokens() })).into_response()
}

fn admin_error(message: String) -> Response {
    ApiError::new(
        ErrorStyle::Idv,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        message,
    )
    .into_response()
}

/// Proof of Age: tokens, statistics and settings, for tests.
impl Emulator {
    /// The Proof of Age base URL, `{base}/poa/v1` (`https://api.yoti.com/poa/v1` in
    /// production).
    pub fn poa_url(&self) -> String {
        format!("{}{}", self.base_url(), crate::mounts::POA)
    }

    /// The Proof of Age counters (as `GET /__emulator/poa/stats`).
    pub fn poa_stats(&self) -> PoaStats {
        self.shared.poa.stats(&self.shared.webhooks)
    }

    /// The Proof of Age settings.
    pub fn poa_config(&self) -> PoaConfig {
        self.shared.poa.config()
    }

    /// Replaces the Proof of Age settings (from the next request on).
    ///
    /// # Errors
    /// [`crate::Error::Config`] for a zero token lifetime, or a span over 100 years.
    pub fn set_poa_config(&self, config: PoaConfig) -> Result<(), crate::Error> {
        config.validate().map_err(crate::Error::Config)?;
        self.shared.poa.lock().config = config;
        Ok(())
    }

    /// Makes every issued token expire now (the next API call with one gets 401); answers
    /// how many were still active.
    pub fn expire_poa_tokens(&self) -> usize {
        self.shared.poa.expire_tokens()
    }

    /// Issues a token to `sdk_id` without an assertion, like a token provisioned by hand in
    /// Yoti Hub (not subject to the 200-token cap; `lifetime` is capped at 100 years).
    pub fn issue_poa_token(&self, sdk_id: &str, lifetime: Duration) -> AccessToken {
        self.shared.poa.issue_uncapped(sdk_id, lifetime)
    }
}
