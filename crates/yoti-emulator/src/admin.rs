//! Admin routes under `/__emulator/`: not part of Yoti's API, for tests and tools.
//!
//! - `GET /__emulator/health`: `{"status": "ok"}`
//! - `GET /__emulator/stats`: request counters
//! - `GET|PUT /__emulator/faults`: read or set the injected faults
//! - `POST /__emulator/apps`: register an application `{"sdk_id", "public_key_pem"}`
//! - `GET /__emulator/notifications[?service=idv|poa]`: every webhook delivery and its fate
//! - `POST /__emulator/reset`: back to the state at start (204; a form post from the
//!   dashboard is redirected back to it)
//! - `GET|PUT /__emulator/state`: export or import the whole state, a versioned JSON document
//!   (`crate::snapshot`); a refused import answers 400 `STATE_VERSION_MISMATCH` or
//!   `INVALID_STATE` and changes nothing
//!
//! They are unauthenticated by default (a local tool). With an admin token configured
//! ([`EmulatorBuilder::admin_token`](crate::EmulatorBuilder::admin_token), `--admin-token`,
//! `YOTI_EMULATOR_ADMIN_TOKEN`) every route under `/__emulator/` needs
//! `Authorization: Bearer <token>` (compared in constant time): else 401 `UNAUTHORIZED`.
//! - `GET|DELETE /__emulator/requests`: the request journal ([`crate::journal`])
//! - `GET /__emulator/ui`: the dashboard (`crate::web`)

use std::fmt;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::faults::FaultConfig;
use crate::state::Shared;

/// The token the admin routes require; never printed.
#[derive(Clone)]
pub(crate) struct AdminToken(String);

impl AdminToken {
    pub(crate) fn new(token: String) -> Self {
        Self(token)
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken([redacted])")
    }
}

/// Middleware over the admin routes: with an admin token configured, 401 unless the request
/// carries it as a bearer token.
pub(crate) async fn require_token(
    State(shared): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let Some(AdminToken(expected)) = shared.admin_token.get() else {
        return next.run(request).await;
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if yoti_auth::constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        return next.run(request).await;
    }
    ApiError::idv(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "The emulator's admin routes need `Authorization: Bearer <admin token>`.",
    )
    .into_response()
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/stats", get(stats))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/apps", post(register_app))
        .route("/notifications", get(notifications))
        .route("/reset", post(reset))
        .route("/state", get(export_state).put(import_state))
}

async fn stats(State(shared): State<Shared>) -> Response {
    Json(shared.stats.snapshot()).into_response()
}

/// Every webhook delivery so far (IDV notifications and PoA results), oldest first;
/// `?service=idv` or `?service=poa` filters.
async fn notifications(
    State(shared): State<Shared>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let service = query
        .as_deref()
        .and_then(|q| yoti_auth::query_param(q, "service"))
        .map(|s| s.into_owned());
    let log: Vec<_> = shared
        .webhooks
        .log()
        .into_iter()
        .filter(|r| service.as_deref().is_none_or(|s| s == r.service))
        .collect();
    Json(json!({ "deliveries": log })).into_response()
}

async fn get_faults(State(shared): State<Shared>) -> Response {
    let config = shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .config
        .clone();
    Json(config).into_response()
}

async fn put_faults(State(shared): State<Shared>, body: bytes::Bytes) -> Response {
    let config: FaultConfig = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(format!("invalid fault configuration: {e}")),
    };
    if let Err(e) = config.validate() {
        return bad_request(e);
    }
    shared.set_faults(config.clone());
    Json(config).into_response()
}

#[derive(Debug, Deserialize)]
struct NewApp {
    sdk_id: String,
    public_key_pem: String,
}

async fn register_app(State(shared): State<Shared>, body: bytes::Bytes) -> Response {
    let app: NewApp = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => return bad_request(format!("expected {{\"sdk_id\", \"public_key_pem\"}}: {e}")),
    };
    match yoti_auth::PublicKey::from_pem(app.public_key_pem.as_bytes()) {
        Ok(key) => {
            shared.register_app(app.sdk_id.clone(), key);
            (StatusCode::CREATED, Json(json!({ "sdk_id": app.sdk_id }))).into_response()
        }
        Err(e) => bad_request(format!("invalid public key: {e}")),
    }
}

/// `POST /__emulator/reset`: 204, or for a browser's form post (`Content-Type:
/// application/x-www-form-urlencoded`) 303 back to the dashboard.
async fn reset(State(shared): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    crate::snapshot::reset(&shared);
    let from_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if from_form {
        (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("{}/ui", crate::mounts::ADMIN))],
        )
            .into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// `GET /__emulator/state`: the state document (`?download` adds a
/// `Content-Disposition` so a browser saves it as a file).
async fn export_state(
    State(shared): State<Shared>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    match crate::snapshot::export(&shared) {
        Ok(document) => {
            let mut response = Json(document).into_response();
            if query
                .as_deref()
                .is_some_and(|q| q.split('&').any(|p| p == "download"))
            {
                response.headers_mut().insert(
                    header::CONTENT_DISPOSITION,
                    axum::http::HeaderValue::from_static(
                        "attachment; filename=\"yoti-emulator-state.json\"",
                    ),
                );
            }
            response
        }
        Err(e) => ApiError::idv(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            e.to_string(),
        )
        .into_response(),
    }
}

/// `PUT /__emulator/state`: replaces the whole state; 200 `{"imported": true}`.
async fn import_state(State(shared): State<Shared>, body: bytes::Bytes) -> Response {
    match crate::snapshot::import(&shared, &body, "request body") {
        Ok(()) => Json(json!({ "imported": true })).into_response(),
        Err(e @ crate::Error::StateVersion { .. }) => ApiError::idv(
            StatusCode::BAD_REQUEST,
            "STATE_VERSION_MISMATCH",
            e.to_string(),
        )
        .field_error("version", e.to_string())
        .into_response(),
        Err(crate::Error::StateInvalid {
            origin,
            field,
            line,
            column,
            message,
        }) => {
            let e = crate::Error::StateInvalid {
                origin,
                field: field.clone(),
                line,
                column,
                message: message.clone(),
            };
            ApiError::idv(StatusCode::BAD_REQUEST, "INVALID_STATE", e.to_string())
                .field_error(field, message)
                .into_response()
        }
        Err(e) => bad_request(e.to_string()),
    }
}

fn bad_request(message: String) -> Response {
    ApiError::idv(StatusCode::BAD_REQUEST, "BAD_REQUEST", message).into_response()
}
