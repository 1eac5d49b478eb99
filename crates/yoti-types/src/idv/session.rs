//! The answer of `POST /sessions`, and the session configuration (`GET
//! /sessions/{id}/configuration`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::result::SourceType;
use super::serde_util::{opt_any_case, opt_u64_lenient};
use super::spec::{AllowedCaptureMethods, Objective};
use super::supported_documents::SupportedCountry;
use super::{CheckType, LivenessType, RequirementId, SecretString, SessionId, TaskType};

/// The answer of `POST /sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateSessionResponse {
    /// The new session's id (one page of the reference spells it `sessionId`, which is
    /// accepted on input; it is sent as `session_id`, like the live service).
    #[serde(alias = "sessionId")]
    pub session_id: SessionId,
    /// The token the client side uses (`X-Yoti-Auth-Token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_token: Option<SecretString>,
    /// Seconds the user has to complete the session.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub client_session_token_ttl: Option<u64>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateSessionResponse {
    /// An answer with every modelled field.
    pub fn new(
        session_id: impl Into<SessionId>,
        client_session_token: impl Into<SecretString>,
        client_session_token_ttl: u64,
    ) -> Self {
        Self {
            session_id: session_id.into(),
            client_session_token: Some(client_session_token.into()),
            client_session_token_ttl: Some(client_session_token_ttl),
            extra: Map::new(),
        }
    }
}

/// `{"type": ..}` of an allowed source of a required resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AllowedSource {
    /// Who may provide the resource.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SourceType>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A task a required document must go through.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequiredResourceTask {
    /// The task's kind.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TaskType>,
    /// Its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

open_enum! {
    /// The kind of a required resource.
    pub enum RequiredResourceType {
        /// `ID_DOCUMENT`.
        IdDocument = "ID_DOCUMENT",
        /// `SUPPLEMENTARY_DOCUMENT`.
        SupplementaryDocument = "SUPPLEMENTARY_DOCUMENT",
        /// `LIVENESS`.
        Liveness = "LIVENESS",
        /// `FACE_CAPTURE`.
        FaceCapture = "FACE_CAPTURE",
    }
}

/// A resource the session still needs (one struct for every kind; fields that do not apply to
/// a kind are absent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequiredResource {
    /// The kind of resource.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RequiredResourceType>,
    /// The requirement's id (used to create a face capture resource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequirementId>,
    /// The requirement's state (`REQUIRED`, `COMPLETE`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Who may provide the resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_sources: Vec<AllowedSource>,
    /// Tasks the document must go through (documents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_tasks: Vec<RequiredResourceTask>,
    /// Accepted countries and documents (ID documents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_countries: Vec<SupportedCountry>,
    /// Allowed capture methods (ID documents; any case accepted on input).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_any_case"
    )]
    pub allowed_capture_methods: Option<AllowedCaptureMethods>,
    /// Attempts left, by reason (ID documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_remaining: Option<Map<String, Value>>,
    /// Accepted document types (supplementary documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_types: Option<Vec<String>>,
    /// Accepted countries (supplementary documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_codes: Option<Vec<String>>,
    /// What the document is for (supplementary documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Objective>,
    /// The liveness type (liveness).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_type: Option<LivenessType>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `capture` of a session configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CaptureConfiguration {
    /// Whether biometric consent must still be captured (`REQUIRED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric_consent: Option<String>,
    /// The resources the session needs.
    #[serde(default)]
    pub required_resources: Vec<RequiredResource>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of `GET /sessions/{id}/configuration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionConfiguration {
    /// Seconds left for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_token_ttl: Option<u64>,
    /// The session id.
    #[serde(default, alias = "sessionId", skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// The kinds of the requested checks.
    #[serde(default)]
    pub requested_checks: Vec<CheckType>,
    /// What the client must capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<CaptureConfiguration>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
