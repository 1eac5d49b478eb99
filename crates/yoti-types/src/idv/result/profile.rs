//! Identity profiles and import tokens of a session result, and the identity profile report
//! document.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::idv::media::Media;
use crate::idv::spec::{IdentityProfileScheme, TrustFramework};

open_enum! {
    /// The outcome of an identity profile.
    pub enum IdentityProfileResult {
        /// `DONE`: the profile was assessed (see `identity_profile_report`).
        Done = "DONE",
        /// `FAILED`: see `failure_reason`.
        Failed = "FAILED",
    }
}

/// One requirement an identity profile did not meet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequirementNotMetDetail {
    /// What failed (a check kind, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_type: Option<String>,
    /// The document type concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// The document's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_country_iso_code: Option<String>,
    /// An audit id for Yoti's support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<String>,
    /// Details (`INCORRECT_DOCUMENT_TYPE`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `failure_reason` of an identity profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityProfileFailure {
    /// The reason (`MANDATORY_DOCUMENT_COULD_NOT_BE_PROVIDED`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// Which requirements were not met.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements_not_met_details: Vec<RequirementNotMetDetail>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Whether one scheme's requirements were met.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SchemeCompliance {
    /// The scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<IdentityProfileScheme>,
    /// Whether its requirements were met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_met: Option<bool>,
    /// Why not, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_not_met_info: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Compliance with the schemes of one trust framework (advanced identity profiles).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrustFrameworkCompliance {
    /// The trust framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_framework: Option<TrustFramework>,
    /// Its schemes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemes_compliance: Vec<SchemeCompliance>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `identity_profile_report`: a summary, and the full report as a JSON media item (see
/// [`IdentityProfileReportContent`]).
///
/// Simple profiles fill `trust_framework` and `schemes_compliance`; advanced profiles fill
/// `compliance`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityProfileReport {
    /// The trust framework (simple profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_framework: Option<TrustFramework>,
    /// Compliance per scheme (simple profiles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemes_compliance: Vec<SchemeCompliance>,
    /// Compliance per trust framework (advanced profiles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<TrustFrameworkCompliance>,
    /// The full report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `identity_profile` or `advanced_identity_profile` of a session result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityProfile {
    /// The subject, as given in the specification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// The outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<IdentityProfileResult>,
    /// Why the profile failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<IdentityProfileFailure>,
    /// The report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_profile_report: Option<IdentityProfileReport>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `import_token` of a session result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImportToken {
    /// The token (a media item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// Why no token could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The full identity profile report: the JSON content of `identity_profile_report.media`
/// (identity assertion, verification report with its evidence, authentication report,
/// signature).
///
/// The top level is typed; the deeper structures, which vary with the scheme, are kept as
/// JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityProfileReportContent {
    /// What is asserted about the person (`current_name`, `date_of_birth`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_assertion: Option<Value>,
    /// How it was verified (`report_id`, `trust_framework`, `schemes_compliance`,
    /// `assurance_process`, `evidence`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_report: Option<Value>,
    /// How the person was authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_report: Option<Value>,
    /// Yoti's signature over the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
