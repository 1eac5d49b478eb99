//! `POST /poa/v1/verify` and `GET /poa/v1/verify/{id}`, behind bearer authentication, and
//! the QR scheme (see the module docs of `poa`).

use std::time::Duration;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;
use time::OffsetDateTime;
use tokio::time::Instant;
use yoti_types::Timestamp;
use yoti_types::poa::{
    AgeOverResult, FailureReason, Notification, NotificationMethod, PoaCheck, PoaErrorCode,
    PoaResult, Provider, ValidationOptions, VerifyQuery, WaitingOn,
};

use super::{NOTIFICATION_SERVICE, StoredResult, bump};
use crate::error::{ApiError, ErrorStyle};
use crate::limits::MAX_QR_VALUE_BYTES;
use crate::state::Shared;
use crate::webhook::Delivery;

/// The application a bearer token was issued to: handlers that take it are authenticated.
#[derive(Debug, Clone)]
pub(super) struct Caller {
    pub(super) sdk_id: String,
}

fn unauthorized(shared: &Shared, code: &str, message: &str) -> Response {
    shared.stats.count_rejected();
    bump(&shared.poa.counters.unauthorized);
    let mut response =
        ApiError::new(ErrorStyle::Poa, StatusCode::UNAUTHORIZED, code, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, Response> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty());
        let Some(presented) = presented else {
            return Err(unauthorized(
                shared,
                "MISSING_TOKEN",
                "An `Authorization: Bearer <token>` header is required.",
            ));
        };
        let inner = shared.poa.lock();
        match inner.tokens.get(presented) {
            Some(token) if token.expires_at > Instant::now() => Ok(Self {
                sdk_id: token.sdk_id.clone(),
            }),
            Some(_) => {
                drop(inner);
                Err(unauthorized(
                    shared,
                    "INVALID_TOKEN",
                    "The access token has expired: get a new one from the token endpoint.",
                ))
            }
            None => {
                drop(inner);
                Err(unauthorized(
                    shared,
                    "INVALID_TOKEN",
                    "The access token is not valid.",
                ))
            }
        }
    }
}

fn poa_error(code: PoaErrorCode, message: impl Into<String>) -> Response {
    let status = code
        .http_status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(ErrorStyle::Poa, status, code.as_str(), message).into_response()
}

/// What a QR value asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// A result now (200).
    Now(Decision),
    /// A result later (202).
    Later(Decision),
    /// An error answer.
    Error(PoaErrorCode),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    AgeOver { age: u32, provider: Provider },
    Failure(FailureReason),
}

/// Reads the QR scheme.
fn plan(value: &str) -> Plan {
    let value = value.split('#').next().unwrap_or_default();
    if let Some(status) = value.strip_prefix("error:") {
        return match status {
            "400" => Plan::Error(PoaErrorCode::MalformedPayload),
            "403" => Plan::Error(PoaErrorCode::FeatureDisabled),
            "422" => Plan::Error(PoaErrorCode::InvalidQrCodeVerifierToken),
            "500" => Plan::Error(PoaErrorCode::SystemUnavailable),
            _ => Plan::Now(Decision::Failure(FailureReason::UnsupportedPayload)),
        };
    }
    let (later, rest) = match value.strip_prefix("async:") {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let decision = decide(rest);
    if later {
        Plan::Later(decision)
    } else {
        Plan::Now(decision)
    }
}

fn decide(value: &str) -> Decision {
    let unsupported = Decision::Failure(FailureReason::UnsupportedPayload);
    if let Some(args) = value.strip_prefix("age_over:") {
        let mut args = args.splitn(2, ':');
        let Some(Ok(age)) = args.next().map(str::parse::<u32>) else {
            return unsupported;
        };
        let provider = match args.next() {
            None => Provider::Yoti,
            Some("") => return unsupported,
            Some(name) => Provider::from(name.to_ascii_uppercase()),
        };
        return Decision::AgeOver { age, provider };
    }
    match value.strip_prefix("failure:") {
        Some(reason) if !reason.is_empty() => Decision::Failure(FailureReason::from(reason)),
        _ => unsupported,
    }
}

fn now() -> Timestamp {
    let now = OffsetDateTime::now_utc();
    Timestamp::from_offset_date_time(now.replace_nanosecond(0).unwrap_or(now))
}

fn result_of(id: &str, decision: &Decision) -> PoaResult {
    match decision {
        Decision::AgeOver { age, provider } => PoaResult::success(
            id,
            now(),
            provider.clone(),
            AgeOverResult::new(*age)
                .set_valid_for_alcohol(*age >= 18)
                .set_checks([PoaCheck::SignatureVerified, PoaCheck::ProviderOnDvsRegister]),
        ),
        Decision::Failure(reason) => PoaResult::failure(id, now(), reason.clone()),
    }
}

/// A result identifier like Yoti's: 22 base64url characters (`Yzt0sbVOSauDWPwMQvumjQ`).
fn new_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = fastrand::Rng::new();
    (0..22)
        .map(|_| char::from(ALPHABET[rng.usize(..ALPHABET.len())]))
        .collect()
}

fn store(shared: &Shared, sdk_id: &str, result: PoaResult) {
    let now = shared.idv.now();
    let mut inner = shared.poa.lock();
    inner.sweep(now);
    inner.results.insert(
        result.id.as_str().to_owned(),
        StoredResult {
            sdk_id: sdk_id.to_owned(),
            result,
        },
        now,
    );
}

pub(super) async fn verify(State(shared): State<Shared>, caller: Caller, body: Bytes) -> Response {
    bump(&shared.poa.counters.verify_requests);
    let query: VerifyQuery = match serde_json::from_slice(&body) {
        Ok(query) => query,
        Err(e) => {
            return poa_error(
                PoaErrorCode::MalformedPayload,
                format!("The payload is not a verify query: {e}"),
            );
        }
    };
    if let Err(e) = query.validate(&ValidationOptions::new().set_allow_loopback_http(true)) {
        return poa_error(PoaErrorCode::MalformedPayload, e.to_string());
    }
    if query.qr.value.len() > MAX_QR_VALUE_BYTES {
        return poa_error(
            PoaErrorCode::MalformedPayload,
            format!("`qr.value` is longer than {MAX_QR_VALUE_BYTES} bytes: no QR code holds that"),
        );
    }
    let (decision, later) = match plan(&query.qr.value) {
        Plan::Error(code) => {
            let message = code.default_message().unwrap_or("Error.").to_owned();
            return poa_error(code, message);
        }
        Plan::Now(decision) => (decision, false),
        Plan::Later(decision) => (decision, true),
    };

    let config = shared.poa.config();
    let validity =
        time::Duration::seconds(i64::try_from(config.qr_validity_secs).unwrap_or(i64::MAX));
    let scanned_at = match query.qr.scanned_at.to_offset_date_time() {
        Ok(at) => at,
        Err(_) => {
            return poa_error(
                PoaErrorCode::MalformedPayload,
                "`qr.scanned_at` is not an RFC 3339 date-time",
            );
        }
    };
    let age = OffsetDateTime::now_utc() - scanned_at;
    if age < -validity {
        return poa_error(
            PoaErrorCode::MalformedPayload,
            "`qr.scanned_at` is in the future: check the terminal's clock",
        );
    }

    let id = new_id();
    let immediate = |reason: FailureReason| {
        let result = PoaResult::failure(id.as_str(), now(), reason);
        store(&shared, &caller.sdk_id, result.clone());
        (StatusCode::OK, Json(result)).into_response()
    };
    if age > validity {
        return immediate(FailureReason::PresentationExpired);
    }
    let first_use = {
        let now = shared.idv.now();
        let mut inner = shared.poa.lock();
        inner.sweep(now);
        inner.used_qr.insert(query.qr.value.clone(), (), now)
    };
    if !first_use {
        return immediate(FailureReason::PresentationAlreadyUsed);
    }

    if !later {
        let result = result_of(&id, &decision);
        store(&shared, &caller.sdk_id, result.clone());
        return (StatusCode::OK, Json(result)).into_response();
    }
    store(
        &shared,
        &caller.sdk_id,
        PoaResult::pending(id.as_str(), WaitingOn::UserConsent),
    );
    let delay = Duration::from_millis(config.async_delay_ms);
    let notification = query.notification;
    let (task_shared, task_id, sdk_id) = (shared.clone(), id.clone(), caller.sdk_id);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let result = result_of(&task_id, &decision);
        store(&task_shared, &sdk_id, result.clone());
        if let Some(notification) = notification {
            notify(&task_shared, &notification, &result);
        }
    });
    (
        StatusCode::ACCEPTED,
        Json(json!({ "id": id, "status": "PENDING" })),
    )
        .into_response()
}

/// Hands the result to the shared webhook deliveries, as `notification` says: `POST` with
/// the result as JSON, or `GET` with `?id=<id>` and no body.
fn notify(shared: &Shared, notification: &Notification, result: &PoaResult) {
    let (method, url, body) = match notification.method {
        Some(NotificationMethod::Get) => {
            let separator = if notification.url.contains('?') {
                '&'
            } else {
                '?'
            };
            let id = percent_encoding::utf8_percent_encode(
                result.id.as_str(),
                percent_encoding::NON_ALPHANUMERIC,
            );
            (
                Method::GET,
                format!("{}{separator}id={id}", notification.url),
                Bytes::new(),
            )
        }
        _ => (
            Method::POST,
            notification.url.clone(),
            Bytes::from(serde_json::to_vec(result).unwrap_or_default()),
        ),
    };
    shared.webhooks.deliver(Delivery {
        service: NOTIFICATION_SERVICE,
        topic: result.id.as_str().to_owned(),
        url,
        method,
        headers: notification
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        body,
    });
}

pub(super) async fn get_result(
    State(shared): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    bump(&shared.poa.counters.result_requests);
    let now = shared.idv.now();
    let mut inner = shared.poa.lock();
    inner.sweep(now);
    let found = inner
        .results
        .get(&id)
        .filter(|stored| stored.sdk_id == caller.sdk_id)
        .map(|stored| stored.result.clone());
    drop(inner);
    match found {
        Some(result) => (StatusCode::OK, Json(result)).into_response(),
        None => ApiError::new(
            ErrorStyle::Poa,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("No proof of age result with the id {id:?}."),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_scheme() {
        let yoti = |age| {
            Plan::Now(Decision::AgeOver {
                age,
                provider: Provider::Yoti,
            })
        };
        assert_eq!(plan("age_over:18"), yoti(18));
        assert_eq!(plan("age_over:25#terminal-7-scan-3"), yoti(25));
        assert_eq!(
            plan("age_over:21:gov_uk"),
            Plan::Now(Decision::AgeOver {
                age: 21,
                provider: Provider::GovUk
            })
        );
        assert_eq!(
            plan("async:age_over:21"),
            Plan::Later(Decision::AgeOver {
                age: 21,
                provider: Provider::Yoti
            })
        );
        for reason in FailureReason::KNOWN {
            assert_eq!(
                plan(&format!("failure:{}", reason.as_str())),
                Plan::Now(Decision::Failure(reason.clone()))
            );
            assert_eq!(
                plan(&format!("async:failure:{}#x", reason.as_str())),
                Plan::Later(Decision::Failure(reason.clone()))
            );
        }
        assert_eq!(
            plan("error:422"),
            Plan::Error(PoaErrorCode::InvalidQrCodeVerifierToken)
        );
        let unsupported = Plan::Now(Decision::Failure(FailureReason::UnsupportedPayload));
        for other in [
            "mdoc:owBjMS4w",
            "age_over:x",
            "age_over:18:",
            "failure:",
            "",
            "error:418",
        ] {
            assert_eq!(plan(other), unsupported, "{other}");
        }
    }
}
