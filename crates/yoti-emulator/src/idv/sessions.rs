//! Sessions, for the relying business (signed): create, read, delete, configuration,
//! tracked devices.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use time::OffsetDateTime;
use yoti_types::idv::spec::ValidationOptions;
use yoti_types::idv::{CheckState, CreateSessionResponse, SecretString, SessionSpec};

use super::lifecycle::{wake_at, with_inner};
use super::model::{Phase, Session, after};
use super::parse_json;
use crate::auth::AuthedApp;
use crate::error::ApiError;
use crate::state::Shared;
use yoti_types::idv::IdvErrorCode;

/// Yoti's default `client_session_token_ttl`, in seconds.
const DEFAULT_TOKEN_TTL: u64 = 600;
/// Yoti's default `resources_ttl`, in seconds.
const DEFAULT_RESOURCES_TTL: u64 = 87_000;

fn payload_validation(message: impl Into<String>) -> ApiError {
    ApiError::idv(
        StatusCode::BAD_REQUEST,
        IdvErrorCode::PayloadValidation.as_str(),
        message,
    )
}

/// Validates a specification as Yoti does (`http://` notification endpoints allowed to
/// loopback hosts only) and answers when its client session token expires.
fn check_spec(spec: &SessionSpec, now: OffsetDateTime) -> Result<OffsetDateTime, ApiError> {
    let mut errors: Vec<(String, String)> = spec
        .validation_errors(&ValidationOptions::loopback_emulator())
        .into_iter()
        .map(|e| (e.field().to_owned(), e.to_string()))
        .collect();
    let expires = match (&spec.session_deadline, spec.client_session_token_ttl) {
        (Some(deadline), None) => match deadline.to_offset_date_time() {
            Ok(at) if at > now => Some(at),
            Ok(_) => {
                errors.push(("session_deadline".into(), "is in the past".into()));
                None
            }
            Err(_) => {
                errors.push((
                    "session_deadline".into(),
                    "is not an RFC 3339 date-time".into(),
                ));
                None
            }
        },
        (_, ttl) => Some(after(now, ttl.unwrap_or(DEFAULT_TOKEN_TTL))),
    };
    match (expires, errors.first()) {
        (Some(expires), None) => Ok(expires),
        (_, first) => {
            let message = first.map_or_else(
                || "The session specification is invalid.".to_owned(),
                |(_, m)| m.clone(),
            );
            Err(errors
                .iter()
                .fold(payload_validation(message), |e, (p, m)| e.field_error(p, m)))
        }
    }
}

/// `POST /sessions` -> 201 `{"session_id", "client_session_token", "client_session_token_ttl"}`.
pub(super) async fn create(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    body: Bytes,
) -> Response {
    let result = parse_json::<SessionSpec>(&body).and_then(|spec| {
        let now = shared.idv.clock.now();
        let expires = check_spec(&spec, now)?;
        let resources_ttl = spec.resources_ttl.unwrap_or(DEFAULT_RESOURCES_TTL);
        let session = Session::new(app.sdk_id.clone(), spec, now, expires, resources_ttl);
        let answer = CreateSessionResponse::new(
            session.id.as_str(),
            SecretString::new(session.token.expose_secret()),
            session.token_ttl(now),
        );
        let id = session.id.clone();
        with_inner(&shared, |inner, _| {
            inner.sessions.insert(id.clone(), session)
        });
        wake_at(&shared, id, expires);
        Ok(answer)
    });
    result
        .map(|answer| (StatusCode::CREATED, Json(answer)))
        .into_response()
}

/// `GET /sessions/{id}`.
pub(super) async fn get(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        inner
            .session(&id, Some(&app.sdk_id), now)
            .map(|h| h.session.result(now))
    });
    result.map(Json).into_response()
}

/// `DELETE /sessions/{id}` -> 204; 409 `CHECKS_NOT_FINISHED` while triggered checks are
/// pending. The session goes with all its resources and media.
pub(super) async fn delete(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        let handle = inner.session(&id, Some(&app.sdk_id), now)?;
        let session = handle.session;
        if session.phase == Phase::Triggered
            && session.checks.iter().any(|c| c.state != CheckState::Done)
        {
            return Err(ApiError::idv(
                StatusCode::CONFLICT,
                IdvErrorCode::ChecksNotFinished.as_str(),
                "The session's checks are not finished; delete it once it is COMPLETED.",
            ));
        }
        inner.sessions.remove(&id);
        Ok(())
    });
    result.map(|()| StatusCode::NO_CONTENT).into_response()
}

/// `GET /sessions/{id}/configuration`.
pub(super) async fn configuration(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        inner
            .session(&id, Some(&app.sdk_id), now)
            .map(|h| h.session.configuration(now))
    });
    result.map(Json).into_response()
}

/// `GET /sessions/{id}/tracked-devices`: a JSON list of events.
pub(super) async fn tracked_devices(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        inner
            .session(&id, Some(&app.sdk_id), now)
            .map(|h| h.session.devices.clone())
    });
    result.map(Json).into_response()
}

/// `DELETE /sessions/{id}/tracked-devices` -> 204.
pub(super) async fn delete_tracked_devices(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        inner
            .session(&id, Some(&app.sdk_id), now)
            .map(|h| h.session.devices.clear())
    });
    result.map(|()| StatusCode::NO_CONTENT).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn spec(json: &str) -> SessionSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn specs_are_checked_with_field_errors() {
        let now = datetime!(2030-01-01 00:00 UTC);
        assert_eq!(
            check_spec(&spec("{}"), now).unwrap(),
            now + time::Duration::seconds(600)
        );
        let e = check_spec(
            &spec(
                r#"{"resources_ttl": 10, "notifications": {"endpoint": "http://example.com/x"}}"#,
            ),
            now,
        )
        .unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code.as_str()),
            (400, "PAYLOAD_VALIDATION")
        );
        let fields: Vec<_> = e.errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(fields, ["resources_ttl", "notifications.endpoint"]);
        assert!(
            check_spec(
                &spec(r#"{"notifications": {"endpoint": "http://127.0.0.1:9/hook"}}"#),
                now
            )
            .is_ok()
        );
        let e = check_spec(
            &spec(r#"{"session_deadline": "2029-01-01T00:00:00Z"}"#),
            now,
        )
        .unwrap_err();
        assert_eq!(e.errors[0].0, "session_deadline");
        let at = check_spec(
            &spec(r#"{"session_deadline": "2030-01-02T00:00:00Z"}"#),
            now,
        );
        assert_eq!(at.unwrap(), datetime!(2030-01-02 00:00 UTC));
    }
}
