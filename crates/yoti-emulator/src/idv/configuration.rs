//! `GET /sessions/{id}/configuration`: what the client must capture, rendered from the
//! session's specification and progress.
//!
//! Every field Yoti's Node SDK requires is always present (its parser rejects the whole
//! answer otherwise):
//!
//! - `capture.biometric_consent` (a string; neither the reference nor the SDKs enumerate its
//!   values, so the emulator derives one of three from the specification and the consent
//!   state, see [`BiometricConsent`]);
//! - for an `ID_DOCUMENT` requirement, `allowed_capture_methods` (the specification's
//!   `sdk_config.allowed_capture_methods`, else `CAMERA_AND_UPLOAD`) and `attempts_remaining`
//!   (the counters of `sdk_config.attempts_configuration.id_document_text_data_extraction`
//!   keyed by retry category, `{}` when none is configured);
//! - for a `SUPPLEMENTARY_DOCUMENT` requirement, `document_types` and `country_codes` (lists,
//!   empty when the specification names none).

use serde_json::{Map, Value};
use time::OffsetDateTime;
use yoti_types::idv::result::SourceType;
use yoti_types::idv::session::{
    AllowedSource, CaptureConfiguration, RequiredResource, RequiredResourceTask,
};
use yoti_types::idv::spec::{AllowedCaptureMethods, RequestedTask};
use yoti_types::idv::{CheckType, SessionConfiguration};

use super::model::{RequirementKind, Session, supported_countries};

/// The `capture.biometric_consent` values the emulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BiometricConsent {
    /// `NOT_REQUIRED`: the session requests no biometric check (`LIVENESS`,
    /// `ID_DOCUMENT_FACE_MATCH`, `FACE_COMPARISON`).
    NotRequired,
    /// `REQUIRED`: a biometric check is requested and the user has not consented yet.
    Required,
    /// `GIVEN`: the user consented (the session result's `biometric_consent` holds when).
    Given,
}

impl BiometricConsent {
    /// The wire string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::NotRequired => "NOT_REQUIRED",
            Self::Required => "REQUIRED",
            Self::Given => "GIVEN",
        }
    }

    /// The state of a session.
    pub(crate) fn of(session: &Session) -> Self {
        let biometric = session.checks.iter().any(|c| {
            matches!(
                c.kind,
                CheckType::Liveness | CheckType::IdDocumentFaceMatch | CheckType::FaceComparison
            )
        });
        match (biometric, session.biometric_consent.is_some()) {
            (_, true) => Self::Given,
            (true, false) => Self::Required,
            (false, false) => Self::NotRequired,
        }
    }
}

/// The default of `allowed_capture_methods` when the specification sets none.
const DEFAULT_CAPTURE_METHODS: &str = "CAMERA_AND_UPLOAD";

fn source(kind: SourceType) -> AllowedSource {
    let mut model = AllowedSource::default();
    model.kind = Some(kind);
    model
}

fn tasks(tasks: &[RequestedTask]) -> Vec<RequiredResourceTask> {
    tasks
        .iter()
        .map(|t| {
            let mut model = RequiredResourceTask::default();
            model.kind = Some(t.kind());
            model.state = Some("REQUIRED".to_owned());
            model
        })
        .collect()
}

impl Session {
    /// `GET /sessions/{id}/configuration`.
    pub(super) fn configuration(&self, now: OffsetDateTime) -> SessionConfiguration {
        let sdk_config = self.spec.sdk_config.as_ref();
        let capture_methods = sdk_config
            .and_then(|c| c.allowed_capture_methods.clone())
            .unwrap_or_else(|| AllowedCaptureMethods::from(DEFAULT_CAPTURE_METHODS));
        let attempts: Map<String, Value> = sdk_config
            .and_then(|c| c.attempts_configuration.as_ref())
            .map(|a| {
                a.id_document_text_data_extraction
                    .iter()
                    .map(|(reason, n)| (reason.clone(), Value::from(*n)))
                    .collect()
            })
            .unwrap_or_default();
        let required_resources = self
            .requirements
            .iter()
            .map(|r| {
                let state = if self.requirement_complete(r) {
                    "COMPLETE"
                } else {
                    "REQUIRED"
                };
                let mut out = {
                    let mut model = RequiredResource::default();
                    model.kind = Some(r.kind.wire_type());
                    model.id = Some(r.id.as_str().into());
                    model.state = Some(state.to_owned());
                    model
                };
                match &r.kind {
                    RequirementKind::IdDocument { filter, tasks: t } => {
                        out.allowed_sources = vec![source(SourceType::EndUser)];
                        out.requested_tasks = tasks(t);
                        out.supported_countries = supported_countries(filter.as_ref());
                        out.allowed_capture_methods = Some(capture_methods.clone());
                        out.attempts_remaining = Some(attempts.clone());
                    }
                    RequirementKind::Supplementary { spec, tasks: t } => {
                        out.allowed_sources = vec![source(SourceType::EndUser)];
                        out.requested_tasks = tasks(t);
                        out.document_types = Some(spec.document_types.clone().unwrap_or_default());
                        out.country_codes = Some(spec.country_codes.clone().unwrap_or_default());
                        out.objective = spec.objective.clone();
                    }
                    RequirementKind::Liveness(kind) => {
                        out.allowed_sources = vec![source(SourceType::EndUser)];
                        out.liveness_type = Some(kind.clone());
                    }
                    RequirementKind::FaceCapture => {
                        out.allowed_sources = vec![
                            source(SourceType::EndUser),
                            source(SourceType::RelyingBusiness),
                        ];
                    }
                }
                out
            })
            .collect();
        {
            let mut model = SessionConfiguration::default();
            model.client_session_token_ttl = Some(self.token_ttl(now));
            model.session_id = Some(self.id.as_str().into());
            model.requested_checks = self.checks.iter().map(|c| c.kind.clone()).collect();
            model.capture = Some({
                let mut model = CaptureConfiguration::default();
                model.biometric_consent = Some(BiometricConsent::of(self).as_str().to_owned());
                model.required_resources = required_resources;
                model
            });
            model
        }
    }
}
