//! Identity profile requirements, subject, import token and in-branch options of a session
//! specification.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::idv::serde_util::opt_u64_lenient;

open_enum! {
    /// A trust framework an identity profile is assessed against.
    pub enum TrustFramework {
        /// `UK_TFIDA`: the UK digital identity and attributes trust framework.
        UkTfida = "UK_TFIDA",
        /// `YOTI_GLOBAL`: Yoti's global framework.
        YotiGlobal = "YOTI_GLOBAL",
    }
}

open_enum! {
    /// A scheme within a trust framework.
    pub enum SchemeType {
        /// `DBS`: UK criminal record checks.
        Dbs = "DBS",
        /// `RTW`: UK right to work.
        Rtw = "RTW",
        /// `RTR`: UK right to rent.
        Rtr = "RTR",
        /// `IDENTITY`: a generic identity scheme.
        Identity = "IDENTITY",
    }
}

/// A scheme: `{"type", "objective", "label"?, "config"?}`. Also the shape of `scheme` in
/// identity profile reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityProfileScheme {
    /// The scheme.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SchemeType>,
    /// Its objective (`STANDARD`, `BASIC`, `ENHANCED`, `AL_M1`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    /// A label of your choice (advanced profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Scheme configuration (advanced profiles), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdentityProfileScheme {
    /// A scheme with an objective.
    pub fn new(kind: SchemeType, objective: impl Into<String>) -> Self {
        Self {
            kind: Some(kind),
            objective: Some(objective.into()),
            ..Self::default()
        }
    }
}

/// `identity_profile_requirements`: `{"trust_framework", "scheme"}`. Mutually exclusive with
/// requested checks, tasks and required documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityProfileRequirements {
    /// The trust framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_framework: Option<TrustFramework>,
    /// The scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<IdentityProfileScheme>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdentityProfileRequirements {
    /// Requirements for one scheme of one framework.
    pub fn new(trust_framework: TrustFramework, scheme: IdentityProfileScheme) -> Self {
        Self {
            trust_framework: Some(trust_framework),
            scheme: Some(scheme),
            extra: Map::new(),
        }
    }
}

/// One profile of `advanced_identity_profile_requirements`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdvancedIdentityProfile {
    /// The trust framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_framework: Option<TrustFramework>,
    /// The schemes of that framework.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemes: Vec<IdentityProfileScheme>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `advanced_identity_profile_requirements`: `{"profiles": [..]}`. Mutually exclusive with
/// requested checks, tasks and required documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdvancedIdentityProfileRequirements {
    /// The profiles.
    #[serde(default)]
    pub profiles: Vec<AdvancedIdentityProfile>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `subject`: who the identity profile is about.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// Your id for the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subject {
    /// `{"subject_id": ..}`.
    pub fn new(subject_id: impl Into<String>) -> Self {
        Self {
            subject_id: Some(subject_id.into()),
            extra: Map::new(),
        }
    }
}

/// `import_token`: ask for a token that lets the user import the verified documents into a
/// Yoti digital ID.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportTokenConfig {
    /// Retention period of the generated token, in seconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub ttl: Option<u64>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ImportTokenConfig {
    /// An import token kept `ttl` seconds.
    pub fn new(ttl: u64) -> Self {
        Self {
            ttl: Some(ttl),
            extra: Map::new(),
        }
    }
}

open_enum! {
    /// Whether a session is done in branch (in-branch verification, IBV).
    pub enum IbvSupport {
        /// `MANDATORY`: in branch only.
        Mandatory = "MANDATORY",
        /// `NOT_ALLOWED`: never in branch.
        NotAllowed = "NOT_ALLOWED",
    }
}

/// `ibv_options`: in-branch verification options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IbvOptions {
    /// Whether in-branch verification is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<IbvSupport>,
    /// A page explaining the in-branch process to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_url: Option<String>,
    /// The price shown to the user, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_price: Option<Value>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
