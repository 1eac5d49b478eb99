//! The session result: the answer of `GET /sessions/{id}`, and the JSON media it links to.

mod checks;
mod document_fields;
mod profile;
mod resources;
mod tasks;

pub use checks::{
    Breakdown, BreakdownDetail, BreakdownProcess, BreakdownResult, Check, CheckReport, CheckResult,
    CheckState, Recommendation, RecommendationValue, UnknownCheck, WatchlistRawResult,
    WatchlistSearchConfig, WatchlistSummary,
};
pub use document_fields::{DocumentFields, DocumentTemplate, Mrz, StructuredPostalAddress};
pub use profile::{
    IdentityProfile, IdentityProfileFailure, IdentityProfileReport, IdentityProfileReportContent,
    IdentityProfileResult, ImportToken, RequirementNotMetDetail, SchemeCompliance,
    TrustFrameworkCompliance,
};
pub use resources::{
    ApplicantProfileResource, FaceCaptureResource, Frame, IdDocumentResource, LivenessResource,
    Page, ResourceContainer, ResourceSource, ShareCodeResource, SourceType,
    SupplementaryDocumentResource,
};
pub use tasks::{
    GeneratedCheck, Task, TaskRecommendation, TaskRecommendationReason,
    TaskRecommendationReasonValue, TaskRecommendationValue, TaskState,
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::media::MediaContainer;
use super::{CheckType, SecretString, SessionId};
use crate::Timestamp;

open_enum! {
    /// The state of a session.
    pub enum SessionState {
        /// `ONGOING`: the user has not finished.
        Ongoing = "ONGOING",
        /// `COMPLETED`: all checks are done.
        Completed = "COMPLETED",
        /// `EXPIRED`: the user ran out of time.
        Expired = "EXPIRED",
    }
}

/// The answer of `GET /sessions/{id}`.
///
/// Every field the service may omit is optional (Yoti's SDK fixtures include partial bodies,
/// such as a bare `checks` list). Top-level fields this version does not model are kept in
/// [`extra`](Self::extra).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionResult {
    /// The session id (`sessionId` is accepted on input too).
    #[serde(default, alias = "sessionId", skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// Seconds left for the user to complete the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_token_ttl: Option<u64>,
    /// The state of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SessionState>,
    /// The token of the client side of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_token: Option<SecretString>,
    /// Your id for the user, as given in the specification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_tracking_id: Option<String>,
    /// When the user gave biometric consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric_consent: Option<Timestamp>,
    /// What the user provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceContainer>,
    /// The checks, typed by kind.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// The identity profile, for sessions with `identity_profile_requirements`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_profile: Option<IdentityProfile>,
    /// The advanced identity profile, for sessions with
    /// `advanced_identity_profile_requirements`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_identity_profile: Option<IdentityProfile>,
    /// A preview of the identity profile (a media item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_profile_preview: Option<MediaContainer>,
    /// A preview of the advanced identity profile (a media item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_identity_profile_preview: Option<MediaContainer>,
    /// The import token, for sessions that asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_token: Option<ImportToken>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionResult {
    /// The checks of one kind.
    pub fn checks_of<'a>(&'a self, kind: &CheckType) -> impl Iterator<Item = &'a Check> + use<'a> {
        let kind = kind.clone();
        self.checks.iter().filter(move |check| check.kind() == kind)
    }

    /// The check with this id, if any.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|check| check.id() == Some(id))
    }
}
