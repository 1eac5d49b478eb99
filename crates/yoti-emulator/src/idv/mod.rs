//! The Identity Verification service, mounted at `/idverify/v1` and `/sandbox/idverify/v1`
//! (both reach the same state).
//!
//! # Endpoints
//!
//! Signed by the relying business (`X-Yoti-Auth-Digest`, checked by the `auth::idv`
//! middleware; a session belongs to the application that created it, any other gets 404):
//!
//! | endpoint | success | errors |
//! |---|---|---|
//! | `GET /supported-documents` | 200 | |
//! | `POST /sessions` | 201 `{"session_id", "client_session_token", "client_session_token_ttl"}` | 400 `PAYLOAD_VALIDATION` |
//! | `GET /sessions/{id}` | 200 | 404 `SESSION_NOT_FOUND` |
//! | `DELETE /sessions/{id}` | 204 | 404, 409 `CHECKS_NOT_FINISHED` |
//! | `GET /sessions/{id}/configuration` | 200 (see [`configuration`]: `biometric_consent` is `NOT_REQUIRED`, `REQUIRED` or `GIVEN`) | 404 |
//! | `GET /sessions/{id}/media/{mid}/content` | 200 (bytes, `Content-Type`), 204 withheld | 404 `MEDIA_NOT_FOUND` |
//! | `DELETE /sessions/{id}/media/{mid}/content` | 204 | 404, 409 `SESSION_LOCKED` / `MEDIA_LOCKED` |
//! | `POST /sessions/{id}/resources/face-capture` | 201 `{"id", "frames": 1}` | 400, 404, 409 `RESOURCE_LOCKED` |
//! | `GET`, `DELETE /sessions/{id}/tracked-devices` | 200 list, 204 | 404 |
//! | `GET`, `PUT /sessions/{id}/response-config` | 200 | 400, 404 |
//! | `GET`, `PUT /apps/{sdkId}/response-config` | 200 | 400, 404 `APP_NOT_FOUND` |
//!
//! Client endpoints (`X-Yoti-Auth-Token: <client_session_token>`, no signature):
//!
//! | endpoint | success |
//! |---|---|
//! | `PUT /sessions/{id}/resources/face-capture/{rid}/image` (multipart; a signature works too) | 200 |
//! | `POST /sessions/{id}/checks/trigger` (**ours**: [`lifecycle::TRIGGER_CHECKS_PATH`]) | 200 |
//! | `POST /sessions/{id}/resources/id-documents` (`{"document_type", "issuing_country", "requirement_id"?}`) | 201 `{"id"}` |
//! | `PUT /sessions/{id}/resources/id-documents/{rid}/pages/{index}` (multipart: `descriptor` + `binary-content`) | 200 |
//! | `PUT /sessions/{id}/resources/id-documents/{rid}/text-extraction` (`{"document_fields"}`) | 200 |
//! | `POST /sessions/{id}/resources/liveness/zoom` | 201 `{"id"}` |
//! | `PUT /sessions/{id}/resources/liveness/zoom/{rid}/frames/{index}` (multipart) | 200 |
//! | `POST /sessions/{id}/resources/liveness/zoom/{rid}/facemap` (multipart, octet-stream) | 200 |
//! | `POST /sessions/{id}/resources/supplementary-documents`, `PUT .../{rid}/pages/{index}` (emulator's) | 201, 200 |
//! | `POST /sessions/{id}/resources/liveness/static`, `PUT .../static/{rid}/image` (emulator's) | 201, 200 |
//!
//! Their errors: 400 (`BAD_REQUEST`, `PAYLOAD_VALIDATION`, `DOCUMENT_NOT_ALLOWED`); 401
//! `MISSING_TOKEN` / `INVALID_TOKEN` (unknown token, or deleted by trigger); 403
//! `RESOURCE_NOT_REQUIRED`; 404 `SESSION_NOT_FOUND` (also for the token of another session:
//! the body is the same as for an unknown session) / `RESOURCE_NOT_FOUND`; 409
//! `TOKEN_EXPIRED`, `RESOURCE_LOCKED` (a slot already filled; a signed upload once the session
//! left ONGOING), `RESOURCES_INCOMPLETE` (trigger, with `errors[]` naming each incomplete
//! requirement); 413 `PAYLOAD_TOO_LARGE`; 415 `UNSUPPORTED_MEDIA_TYPE`; 422
//! `UNPROCESSABLE_MEDIA`.
//!
//! Admin routes (under `/__emulator`): `POST /sessions/{id}/simulate-user` ([`simulate`]),
//! `POST /sessions/{id}/media/{mid}/withhold` (204; the content is then answered 204),
//! `GET /clock` and `POST /clock/advance {"seconds": N}` ([`clock`]).
//!
//! # Error codes
//!
//! Bodies are `{"code", "message", "errors"?: [{"property", "message"}]}`.
//!
//! | code | status | when |
//! |---|---|---|
//! | `PAYLOAD_VALIDATION` | 400 | a body that does not parse, or a session specification Yoti would refuse (`errors[]` names each field) |
//! | `BAD_REQUEST` | 400 | a malformed multipart body, no `binary-content` part or no filename, a bad index |
//! | `DOCUMENT_NOT_ALLOWED` | 400 | a document the requirement's filter refuses |
//! | `MISSING_TOKEN` | 401 | no `X-Yoti-Auth-Token` |
//! | `INVALID_TOKEN` | 401 | a token no session has, or one deleted when checks were triggered |
//! | `RESOURCE_NOT_REQUIRED` | 403 | a resource the session does not (or no longer) require |
//! | `SESSION_NOT_FOUND` | 404 | unknown session, another application's, another session's token, past `resources_ttl` |
//! | `MEDIA_NOT_FOUND` | 404 | unknown media, or its content was deleted |
//! | `RESOURCE_NOT_FOUND` | 404 | unknown resource of the session |
//! | `APP_NOT_FOUND` | 404 | another application's response-config |
//! | `CHECKS_NOT_FINISHED` | 409 | deleting a session whose triggered checks are pending |
//! | `SESSION_LOCKED` | 409 | deleting media of an ONGOING session before trigger |
//! | `MEDIA_LOCKED` | 409 | deleting media while triggered checks run |
//! | `RESOURCE_LOCKED` | 409 | an upload to a filled slot; a signed upload after the session left ONGOING |
//! | `TOKEN_EXPIRED` | 409 | the token's TTL or the session deadline passed |
//! | `RESOURCES_INCOMPLETE` | 409 | trigger while a required resource is missing |
//! | `SESSION_NOT_ONGOING` | 409 | simulate-user on a session already triggered |
//! | `PAYLOAD_TOO_LARGE` | 413 | a body over the emulator's limit |
//! | `UNSUPPORTED_MEDIA_TYPE` | 415 | an upload that is not JPEG/PNG (octet-stream for face maps), or not multipart |
//! | `UNPROCESSABLE_MEDIA` | 422 | image bytes that do not decode |
//!
//! # Lifecycle, notifications, clock
//!
//! See [`lifecycle`] (states, trigger, reports), [`notify`] (webhooks) and [`clock`] (the
//! virtual clock). Sessions and their media are deleted with `DELETE /sessions/{id}` and,
//! whole, once `resources_ttl` (default 87000 s, counted from creation) has passed.
//!
//! # Wire habits of the official SDKs
//!
//! Signatures are checked on the raw query and body (any parameter order, Python's
//! `json.dumps` spacing); `sdkId` may be absent where the SDKs leave it out; a
//! `Content-Type: application/json` on a `GET` is ignored; answers are built from the
//! `yoti_types::idv` models (`session_id`, never `sessionId`) with `Content-Type:
//! application/json` and no parameters.

use std::sync::{Mutex, MutexGuard};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::Shared;

mod bench_support;
mod clock;
mod configuration;
pub(crate) mod journey;
mod lifecycle;
mod media;
mod model;
mod notify;
mod profile;
mod resources;
mod sandbox;
mod sessions;
mod simulate;
pub(crate) mod snapshot;
mod store;
mod supported_documents;

/// Sessions and per-application sandbox configuration, and the virtual clock.
#[derive(Debug, Default)]
pub(crate) struct IdvState {
    inner: Mutex<model::Inner>,
    clock: clock::Clock,
}

impl IdvState {
    fn lock(&self) -> MutexGuard<'_, model::Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The emulator's virtual now (see [`clock`]), which other services keep time by too.
    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

/// Parses a JSON body; 400 `PAYLOAD_VALIDATION` naming the offending field otherwise.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => deserializer
            .end()
            .map(|()| value)
            .map_err(|e| (".".to_owned(), e.to_string())),
        Err(e) => Err((e.path().to_string(), e.inner().to_string())),
    };
    parsed.map_err(|(path, message)| {
        let property = if path == "." { "body".to_owned() } else { path };
        ApiError::idv(
            StatusCode::BAD_REQUEST,
            "PAYLOAD_VALIDATION",
            format!("The request body is invalid at `{property}`: {message}"),
        )
        .field_error(property, message)
    })
}

/// The IDV routes signed by the relying business, relative to a mount point. Signature
/// checks are layered on by the caller (the middleware reads the body under the emulator's
/// limit first, so axum's own default limit is lifted here).
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/supported-documents", get(supported_documents::get))
        .route("/sessions", post(sessions::create))
        .route(
            "/sessions/{id}",
            get(sessions::get).delete(sessions::delete),
        )
        .route("/sessions/{id}/configuration", get(sessions::configuration))
        .route(
            "/sessions/{id}/tracked-devices",
            get(sessions::tracked_devices).delete(sessions::delete_tracked_devices),
        )
        .route(
            "/sessions/{id}/media/{media_id}/content",
            get(media::get).delete(media::delete),
        )
        .route(
            "/sessions/{id}/resources/face-capture",
            post(resources::post_face_capture),
        )
        .route(
            "/sessions/{id}/response-config",
            get(sandbox::get_session).put(sandbox::put_session),
        )
        .route(
            "/apps/{sdk_id}/response-config",
            get(sandbox::get_app).put(sandbox::put_app),
        )
        .layer(DefaultBodyLimit::disable())
}

/// The IDV client routes (authenticated by the client session token, not signed), relative
/// to a mount point. Bodies are read under the emulator's limit by the handlers.
pub(crate) fn client_routes() -> Router<Shared> {
    Router::new()
        .route(lifecycle::TRIGGER_CHECKS_PATH, post(trigger))
        .route(
            "/sessions/{id}/resources/face-capture/{resource_id}/image",
            put(resources::put_face_capture_image),
        )
        .route(
            "/sessions/{id}/resources/id-documents",
            post(resources::post_id_document),
        )
        .route(
            "/sessions/{id}/resources/id-documents/{resource_id}/pages/{index}",
            put(resources::put_id_page),
        )
        .route(
            "/sessions/{id}/resources/id-documents/{resource_id}/text-extraction",
            put(resources::put_text_extraction_handler),
        )
        .route(
            "/sessions/{id}/resources/supplementary-documents",
            post(resources::post_supplementary_document),
        )
        .route(
            "/sessions/{id}/resources/supplementary-documents/{resource_id}/pages/{index}",
            put(resources::put_supplementary_page),
        )
        .route(
            "/sessions/{id}/resources/liveness/{kind}",
            post(resources::post_liveness),
        )
        .route(
            "/sessions/{id}/resources/liveness/zoom/{resource_id}/frames/{index}",
            put(resources::put_zoom_frame),
        )
        .route(
            "/sessions/{id}/resources/liveness/zoom/{resource_id}/facemap",
            post(resources::post_zoom_facemap),
        )
        .route(
            "/sessions/{id}/resources/liveness/static/{resource_id}/image",
            put(resources::put_static_image),
        )
        .layer(DefaultBodyLimit::disable())
}

/// Admin routes of the IDV service, under `/__emulator/`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/sessions/{id}/simulate-user",
            post(simulate::simulate_user),
        )
        .route(
            "/sessions/{id}/media/{media_id}/withhold",
            post(media::withhold),
        )
        .route("/clock", get(clock::get))
        .route("/clock/advance", post(clock::advance))
}

/// `POST /sessions/{id}/checks/trigger` (client session token) -> 200.
async fn trigger(
    axum::extract::State(shared): axum::extract::State<Shared>,
    axum::extract::Path(session_id): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let token = resources::token_of(&headers);
    match lifecycle::trigger(
        &shared,
        &session_id,
        token.as_deref(),
        &resources::device_of(&headers),
    ) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_field() {
        #[derive(Debug, serde::Deserialize)]
        struct Body {
            #[expect(dead_code, reason = "only parsed")]
            inner: Inner,
        }
        #[derive(Debug, serde::Deserialize)]
        struct Inner {
            #[expect(dead_code, reason = "only parsed")]
            n: u32,
        }
        let e = parse_json::<Body>(br#"{"inner": {"n": "x"}}"#).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code.as_str()),
            (400, "PAYLOAD_VALIDATION")
        );
        assert_eq!(e.errors[0].0, "inner.n");
        let e = parse_json::<Body>(b"{} trailing").unwrap_err();
        assert_eq!(e.errors[0].0, "body");
        // Python's json.dumps spacing parses like any JSON.
        assert!(parse_json::<Body>(br#"{"inner": {"n": 1}}"#).is_ok());
    }
}
