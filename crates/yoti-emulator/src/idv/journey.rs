//! What the emulator's web pages (`crate::web`) read of the IDV state: a session as its
//! client sees it (for the hosted journey), every session as the dashboard lists it, and the
//! virtual clock. Sessions are only read here: the journey changes them through the client
//! endpoints.

use std::time::Duration;

use time::OffsetDateTime;
use yoti_types::idv::spec::SdkConfig;
use yoti_types::idv::{SessionConfiguration, SessionResult};

use super::lifecycle::with_inner;
use super::model::{Session, TokenState};
use crate::error::ApiError;
use crate::state::Shared;

/// A session as the hosted journey sees it with the client session token.
#[derive(Debug)]
pub(crate) struct JourneyView {
    /// `GET /sessions/{id}/configuration`, as a client would read it.
    pub(crate) configuration: SessionConfiguration,
    /// The session's `sdk_config` (colours, locale, redirects, capture methods).
    pub(crate) sdk_config: Option<SdkConfig>,
    /// What is already there for each requirement (a reloaded page resumes).
    pub(crate) progress: Vec<Progress>,
}

/// The resource assigned to a requirement and the slots it has filled.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Progress {
    pub(crate) requirement_id: String,
    pub(crate) resource_id: Option<String>,
    /// `page:N`, `frame:N`, `facemap`, `image`.
    pub(crate) filled: Vec<String>,
}

/// The session `id` for the client holding `token`: the client endpoints' errors (401
/// `MISSING_TOKEN` / `INVALID_TOKEN`, 404 `SESSION_NOT_FOUND`, 409 `TOKEN_EXPIRED`) otherwise.
pub(crate) fn journey_view(
    shared: &Shared,
    id: &str,
    token: Option<&str>,
) -> Result<JourneyView, ApiError> {
    with_inner(shared, |inner, now| {
        let session = inner.client_session(id, token, now)?.session;
        Ok(JourneyView {
            configuration: session.configuration(now),
            sdk_config: session.spec.sdk_config.clone(),
            progress: progress_of(session),
        })
    })
}

fn progress_of(session: &Session) -> Vec<Progress> {
    session
        .requirements
        .iter()
        .map(|r| {
            let mut filled = Vec::new();
            if let Some(rid) = &r.resource {
                if let Some(d) = session.documents.iter().find(|d| &d.id == rid) {
                    filled.extend(d.pages.keys().map(|p| format!("page:{p}")));
                }
                if let Some(l) = session.liveness.iter().find(|l| &l.id == rid) {
                    filled.extend(l.frames.keys().map(|f| format!("frame:{f}")));
                    if l.facemap.is_some() {
                        filled.push("facemap".into());
                    }
                    if l.image.is_some() {
                        filled.push("image".into());
                    }
                }
                if let Some(f) = session.face_captures.iter().find(|f| &f.id == rid)
                    && f.image.is_some()
                {
                    filled.push("image".into());
                }
            }
            Progress {
                requirement_id: r.id.clone(),
                resource_id: r.resource.clone(),
                filled,
            }
        })
        .collect()
}

/// One session as the dashboard lists it.
#[derive(Debug)]
pub(crate) struct SessionOverview {
    /// The SDK id of the application that created it.
    pub(crate) owner: String,
    /// `GET /sessions/{id}` as its owner reads it.
    pub(crate) result: SessionResult,
    /// The client session token while it is usable (for the journey link).
    pub(crate) token: Option<String>,
    pub(crate) token_expires: OffsetDateTime,
    /// Media ids with their content type, for thumbnails.
    pub(crate) media: Vec<(String, &'static str)>,
}

/// Every session, the latest to expire (usually the newest) first.
pub(crate) fn sessions_overview(shared: &Shared) -> Vec<SessionOverview> {
    with_inner(shared, |inner, now| {
        inner
            .sessions
            .ids_latest_first()
            .iter()
            .filter_map(|id| {
                let session = inner.session(id, None, now).ok()?.session;
                let mut media: Vec<(String, &'static str)> = session
                    .media
                    .iter()
                    .filter(|(_, m)| !m.deleted && m.content_type.starts_with("image/"))
                    .map(|(id, m)| (id.clone(), m.content_type))
                    .collect();
                media.sort();
                Some(SessionOverview {
                    owner: session.owner.clone(),
                    result: session.result(now),
                    token: (session.token_state == TokenState::Active)
                        .then(|| session.token.expose_secret().to_owned()),
                    token_expires: session.token_expires,
                    media,
                })
            })
            .collect()
    })
}

/// The bytes and content type of an image the dashboard shows as a thumbnail.
pub(crate) fn media_image(
    shared: &Shared,
    session_id: &str,
    media_id: &str,
) -> Option<(&'static str, bytes::Bytes)> {
    with_inner(shared, |inner, now| {
        let media = inner
            .sessions
            .live_mut(session_id, now)?
            .media
            .get(media_id)?;
        (!media.deleted && media.content_type.starts_with("image/"))
            .then(|| (media.content_type, media.bytes.clone()))
    })
}

/// The virtual clock: its now and how far it was moved.
pub(crate) fn clock(shared: &Shared) -> (OffsetDateTime, Duration) {
    (shared.idv.clock.now(), shared.idv.clock.offset())
}

/// Moves the virtual clock forward.
pub(crate) fn advance_clock(shared: &Shared, by: Duration) {
    shared.idv.clock.advance(by);
}
