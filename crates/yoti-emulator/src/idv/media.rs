//! Media content: `GET` and `DELETE /sessions/{id}/media/{mediaId}/content` (signed), and
//! the admin route that marks a media item as withheld.
//!
//! - `GET`: 200 with the bytes and their `Content-Type` (`image/jpeg`, `image/png`,
//!   `application/json`, `application/octet-stream`); 204 with no body when the media is
//!   withheld ("regulations prevent us from returning the media content"); 404
//!   `MEDIA_NOT_FOUND` for an unknown media or one whose content was deleted.
//! - `DELETE`: 204; 409 `SESSION_LOCKED` while the session is ONGOING before its checks are
//!   triggered, 409 `MEDIA_LOCKED` while triggered checks run; allowed once COMPLETED or
//!   EXPIRED. The media stays listed in the session; its content is gone.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::lifecycle::with_inner;
use super::model::{MediaRec, Phase, Session};
use crate::auth::AuthedApp;
use crate::error::ApiError;
use crate::state::Shared;

fn media_not_found(id: &str) -> ApiError {
    ApiError::idv(
        StatusCode::NOT_FOUND,
        "MEDIA_NOT_FOUND",
        format!("No media with id {id:?} in this session."),
    )
}

fn media<'a>(session: &'a mut Session, id: &str) -> Result<&'a mut MediaRec, ApiError> {
    session
        .media
        .get_mut(id)
        .filter(|m| !m.deleted)
        .ok_or_else(|| media_not_found(id))
}

/// `GET /sessions/{id}/media/{mediaId}/content`.
pub(super) async fn get(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path((session_id, media_id)): Path<(String, String)>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        let session = inner.session(&session_id, Some(&app.sdk_id), now)?.session;
        let m = media(session, &media_id)?;
        Ok::<_, ApiError>((!m.withheld).then(|| (m.content_type, m.bytes.clone())))
    });
    match result {
        Ok(Some((content_type, bytes))) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `DELETE /sessions/{id}/media/{mediaId}/content`.
pub(super) async fn delete(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path((session_id, media_id)): Path<(String, String)>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        let session = inner.session(&session_id, Some(&app.sdk_id), now)?.session;
        let phase = session.phase;
        let m = media(session, &media_id)?;
        match phase {
            Phase::Ongoing => Err(ApiError::idv(
                StatusCode::CONFLICT,
                "SESSION_LOCKED",
                "The session is in progress (checks not triggered yet): its media are locked.",
            )),
            Phase::Triggered => Err(ApiError::idv(
                StatusCode::CONFLICT,
                "MEDIA_LOCKED",
                "The session's checks are running: its media are locked until it is COMPLETED.",
            )),
            Phase::Completed | Phase::Expired => {
                m.deleted = true;
                m.bytes = bytes::Bytes::new();
                Ok(())
            }
        }
    });
    result.map(|()| StatusCode::NO_CONTENT).into_response()
}

/// `POST /__emulator/sessions/{id}/media/{mediaId}/withhold` -> 204: from now on the media
/// content is answered with 204 (withheld by regulation).
pub(super) async fn withhold(
    State(shared): State<Shared>,
    Path((session_id, media_id)): Path<(String, String)>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        let session = inner.session(&session_id, None, now)?.session;
        media(session, &media_id)?.withheld = true;
        Ok::<_, ApiError>(())
    });
    result.map(|()| StatusCode::NO_CONTENT).into_response()
}
