//! What the emulator's web pages (`crate::web`) read of the IDV state: a session as its
//! client sees it (for the hosted journey), and every session as the dashboard lists it.
//! Read-only: everything the pages change goes through the client endpoints or the admin
//! routes.

use yoti_types::idv::SessionConfiguration;
use yoti_types::idv::spec::SdkConfig;

use super::lifecycle::with_inner;
use super::model::Session;
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
