//! `checks` of a session result, typed by kind, and their reports.

use std::collections::BTreeMap;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Timestamp;
use crate::idv::media::{Media, MediaContainer};
use crate::idv::serde_util::ser_tagged;
use crate::idv::spec::{
    CaAccountType, CaMatchingStrategy, CaSources, ManualCheck, WatchlistCategory,
};
use crate::idv::{CheckId, CheckType, ResourceId, SecretString};

open_enum! {
    /// The state of a check.
    pub enum CheckState {
        /// `CREATED`.
        Created = "CREATED",
        /// `READY`: its resources are ready.
        Ready = "READY",
        /// `PENDING`: running.
        Pending = "PENDING",
        /// `DONE`: the report is final.
        Done = "DONE",
        /// `INTERNAL_ERROR`.
        InternalError = "INTERNAL_ERROR",
    }
}

open_enum! {
    /// The verdict of a check.
    pub enum RecommendationValue {
        /// `APPROVE`.
        Approve = "APPROVE",
        /// `REJECT` (with a `reason` and a `recovery_suggestion`).
        Reject = "REJECT",
        /// `NOT_AVAILABLE`: no verdict could be reached.
        NotAvailable = "NOT_AVAILABLE",
        /// `CONSIDER`: look at the breakdown (a potential watchlist match, ...).
        Consider = "CONSIDER",
    }
}

open_enum! {
    /// The result of a sub-check.
    pub enum BreakdownResult {
        /// `PASS`.
        Pass = "PASS",
        /// `FAIL`.
        Fail = "FAIL",
    }
}

open_enum! {
    /// How a sub-check was performed.
    pub enum BreakdownProcess {
        /// `AUTOMATED`.
        Automated = "AUTOMATED",
        /// `EXPERT_REVIEW`: by a human expert.
        ExpertReview = "EXPERT_REVIEW",
    }
}

/// `report.recommendation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Recommendation {
    /// The verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<RecommendationValue>,
    /// Why (present when `REJECT`; also on some `CONSIDER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the user can do about it (present when `REJECT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_suggestion: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Recommendation {
    /// `{"value": value}`.
    pub fn new(value: RecommendationValue) -> Self {
        Self {
            value: Some(value),
            ..Self::default()
        }
    }

    /// `{"value": "APPROVE"}`.
    pub fn approve() -> Self {
        Self::new(RecommendationValue::Approve)
    }

    /// `{"value": "REJECT", "reason", "recovery_suggestion"}`.
    pub fn reject(reason: impl Into<String>, recovery_suggestion: impl Into<String>) -> Self {
        Self {
            value: Some(RecommendationValue::Reject),
            reason: Some(reason.into()),
            recovery_suggestion: Some(recovery_suggestion.into()),
            extra: Map::new(),
        }
    }
}

/// `{"name", "value"}` of a sub-check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BreakdownDetail {
    /// The name (`confidence_score`, `number_of_hits`, ...).
    #[serde(default)]
    pub name: String,
    /// The value, as a string (`"0.81"`, `"MATCH"`, ...).
    #[serde(default)]
    pub value: String,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BreakdownDetail {
    /// `{"name", "value"}`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            extra: Map::new(),
        }
    }
}

/// An entry of `report.breakdown`: one sub-check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Breakdown {
    /// The sub-check (`document_in_date`, `ai_face_match`, `liveness_auth`, ...).
    #[serde(default)]
    pub sub_check: String,
    /// `PASS` or `FAIL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<BreakdownResult>,
    /// Details.
    #[serde(default)]
    pub details: Vec<BreakdownDetail>,
    /// How the sub-check was performed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<BreakdownProcess>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Breakdown {
    /// A sub-check with a result and no detail.
    pub fn new(sub_check: impl Into<String>, result: BreakdownResult) -> Self {
        Self {
            sub_check: sub_check.into(),
            result: Some(result),
            ..Self::default()
        }
    }

    /// Adds a detail.
    #[must_use]
    pub fn detail(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.push(BreakdownDetail::new(name, value));
        self
    }
}

/// `watchlist_summary.search_config`: the configuration the screening ran with (watchlist
/// screening: `categories`; advanced screening: the ComplyAdvantage settings).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchlistSearchConfig {
    /// Screened categories (`WATCHLIST_SCREENING`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<WatchlistCategory>,
    /// `WITH_YOTI_ACCOUNT` or `WITH_CUSTOM_ACCOUNT` (`WATCHLIST_ADVANCED_CA`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<CaAccountType>,
    /// The manual check policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Whether deceased people were left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_deceased: Option<bool>,
    /// Whether a share URL was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_url: Option<bool>,
    /// The sources searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<CaSources>,
    /// How names were matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_strategy: Option<CaMatchingStrategy>,
    /// The ComplyAdvantage API key used (custom account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretString>,
    /// Your reference for the search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
    /// Whether monitoring is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<bool>,
    /// Tags of the search.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `report.watchlist_summary` of a watchlist check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchlistSummary {
    /// Number of hits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_hits: Option<u64>,
    /// The configuration the screening ran with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_config: Option<WatchlistSearchConfig>,
    /// The provider's raw results (a JSON media item: see [`WatchlistRawResult`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_results: Option<MediaContainer>,
    /// Countries associated with the subject.
    #[serde(default)]
    pub associated_country_codes: Vec<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `report` of a check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckReport {
    /// The verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
    /// The sub-checks.
    #[serde(default)]
    pub breakdown: Vec<Breakdown>,
    /// The summary of a watchlist check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_summary: Option<WatchlistSummary>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CheckReport {
    /// A report with a recommendation and no sub-check.
    pub fn new(recommendation: Recommendation) -> Self {
        Self {
            recommendation: Some(recommendation),
            ..Self::default()
        }
    }

    /// Adds a sub-check.
    #[must_use]
    pub fn breakdown(mut self, breakdown: Breakdown) -> Self {
        self.breakdown.push(breakdown);
        self
    }
}

/// The body of a check of a known kind (everything but `type`, which the [`Check`] variant
/// carries).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckResult {
    /// The check id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CheckId>,
    /// The check state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<CheckState>,
    /// The resources the check used.
    #[serde(default)]
    pub resources_used: Vec<ResourceId>,
    /// Media the check generated.
    #[serde(default)]
    pub generated_media: Vec<Media>,
    /// The report (when the check is done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<CheckReport>,
    /// The profile a watchlist check generated (a JSON media item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_profile: Option<MediaContainer>,
    /// When the check was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// When the check was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Fields this version does not model (`scheme`, ...), kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A check this version cannot type: a kind it does not know, or a known kind whose body does
/// not have the expected shape. Its JSON is kept whole and re-serialized unchanged.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UnknownCheck {
    raw: Value,
}

impl UnknownCheck {
    /// Wraps a check's JSON.
    pub fn new(raw: Value) -> Self {
        Self { raw }
    }

    /// The check's JSON, as received.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The check's `type`, if it has one.
    pub fn kind_str(&self) -> Option<&str> {
        self.raw.get("type").and_then(Value::as_str)
    }

    /// The check's `id`, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.raw.get("id").and_then(Value::as_str)
    }

    /// Reads the common check fields, if the JSON has their shape.
    pub fn to_result(&self) -> Option<CheckResult> {
        match &self.raw {
            Value::Object(map) => {
                let mut map = map.clone();
                map.remove("type");
                CheckResult::deserialize(Value::Object(map)).ok()
            }
            _ => None,
        }
    }
}

macro_rules! typed_checks {
    ($( $(#[$meta:meta])* $variant:ident ),+ $(,)?) => {
        /// A check of a session result, typed by its `type`.
        ///
        /// Parsing never fails on a check: a kind this version does not know, or a body
        /// without the expected shape, becomes [`Check::Unknown`], which keeps the JSON. Every
        /// known variant holds a [`CheckResult`] (watchlist checks fill
        /// `report.watchlist_summary` and `generated_profile`; other kinds leave them empty).
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Check {
            $( $(#[$meta])* $variant(CheckResult), )+
            /// A check this version cannot type, kept whole.
            Unknown(UnknownCheck),
        }

        impl Check {
            /// Builds a check of a kind. A kind with no typed variant becomes
            /// [`Check::Unknown`] holding the serialized result.
            pub fn new(kind: CheckType, result: CheckResult) -> Self {
                match kind {
                    $( CheckType::$variant => Self::$variant(result), )+
                    other => {
                        let mut raw = match serde_json::to_value(&result) {
                            Ok(Value::Object(map)) => map,
                            _ => Map::new(),
                        };
                        raw.insert("type".to_owned(), Value::String(other.as_str().to_owned()));
                        Self::Unknown(UnknownCheck::new(Value::Object(raw)))
                    }
                }
            }

            /// The kind of the check (for [`Check::Unknown`], parsed from its `type`).
            pub fn kind(&self) -> CheckType {
                match self {
                    $( Self::$variant(_) => CheckType::$variant, )+
                    Self::Unknown(u) => CheckType::from(u.kind_str().unwrap_or_default()),
                }
            }

            /// The typed body, unless the check is [`Check::Unknown`].
            pub fn result(&self) -> Option<&CheckResult> {
                match self {
                    $( Self::$variant(r) )|+ => Some(r),
                    Self::Unknown(_) => None,
                }
            }

            /// The typed body, mutably, unless the check is [`Check::Unknown`].
            pub fn result_mut(&mut self) -> Option<&mut CheckResult> {
                match self {
                    $( Self::$variant(r) )|+ => Some(r),
                    Self::Unknown(_) => None,
                }
            }
        }
    };
}

typed_checks! {
    /// `ID_DOCUMENT_AUTHENTICITY`.
    IdDocumentAuthenticity,
    /// `ID_DOCUMENT_TEXT_DATA_CHECK`.
    IdDocumentTextDataCheck,
    /// `ID_DOCUMENT_FACE_MATCH`.
    IdDocumentFaceMatch,
    /// `LIVENESS`.
    Liveness,
    /// `ID_DOCUMENT_COMPARISON`.
    IdDocumentComparison,
    /// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK`.
    SupplementaryDocumentTextDataCheck,
    /// `FACE_COMPARISON`.
    FaceComparison,
    /// `THIRD_PARTY_IDENTITY`.
    ThirdPartyIdentity,
    /// `WATCHLIST_SCREENING`.
    WatchlistScreening,
    /// `WATCHLIST_ADVANCED_CA`.
    WatchlistAdvancedCa,
    /// `IBV_VISUAL_REVIEW_CHECK`.
    IbvVisualReviewCheck,
    /// `PROFILE_DOCUMENT_MATCH`.
    ProfileDocumentMatch,
    /// `DOCUMENT_SCHEME_VALIDITY_CHECK`.
    DocumentSchemeValidityCheck,
}

impl Check {
    /// Whether this check could not be typed.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown(_))
    }

    /// The check id.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Unknown(u) => u.id(),
            typed => typed
                .result()
                .and_then(|r| r.id.as_ref())
                .map(|id| id.as_str()),
        }
    }

    /// The check state (for [`Check::Unknown`], parsed from its `state`).
    pub fn state(&self) -> Option<CheckState> {
        match self {
            Self::Unknown(u) => u
                .raw()
                .get("state")
                .and_then(Value::as_str)
                .map(CheckState::from),
            typed => typed.result().and_then(|r| r.state.clone()),
        }
    }

    /// The report's recommendation value, for a typed check that has one.
    pub fn recommendation(&self) -> Option<&RecommendationValue> {
        self.result()?
            .report
            .as_ref()?
            .recommendation
            .as_ref()?
            .value
            .as_ref()
    }

    /// Reads a check from its JSON; never fails (see [`Check::Unknown`]).
    pub fn from_value(raw: Value) -> Self {
        let typed = match &raw {
            Value::Object(map) => match map.get("type").and_then(Value::as_str) {
                Some(kind) => {
                    let kind = CheckType::from(kind);
                    if kind.is_unknown() {
                        None
                    } else {
                        let mut fields = map.clone();
                        fields.remove("type");
                        CheckResult::deserialize(Value::Object(fields))
                            .ok()
                            .map(|result| Self::new(kind, result))
                            .filter(|check| !check.is_unknown())
                    }
                }
                None => None,
            },
            _ => None,
        };
        typed.unwrap_or(Self::Unknown(UnknownCheck::new(raw)))
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown(u) => u.raw.serialize(serializer),
            typed => match typed.result() {
                Some(result) => ser_tagged(serializer, typed.kind().as_str(), result),
                // `result()` is `Some` for every typed variant.
                None => Value::Null.serialize(serializer),
            },
        }
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from_value)
    }
}

/// An entry of a watchlist check's raw results (the JSON content of
/// `watchlist_summary.raw_results.media`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchlistRawResult {
    /// The provider (`Comply Advantage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Searched source types.
    #[serde(default)]
    pub search_types: Vec<String>,
    /// The provider's search id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_id: Option<String>,
    /// The provider's search reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_ref: Option<String>,
    /// The search's share URL (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The provider's raw answer, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_output: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
