//! Sandbox bodies: the response configuration (`PUT/GET /apps/{sdkId}/response-config`,
//! `PUT/GET /sessions/{id}/response-config`) that decides the reports a sandbox session
//! produces, and the body of the sandbox `POST /agent` that completes a session.
//!
//! ```
//! use yoti_types::idv::sandbox::{ResponseConfig, SandboxCheck};
//! use yoti_types::idv::result::{Breakdown, BreakdownResult};
//!
//! // Approve everything, but reject the face match.
//! let config = ResponseConfig::approve_all().document_face_match(
//!     SandboxCheck::reject("NOT_GENUINE", "RECOVERY_NOT_POSSIBLE")
//!         .breakdown(Breakdown::new("ai_face_match", BreakdownResult::Fail).detail("confidence_score", "0.12")),
//! );
//! let json = serde_json::to_value(&config)?;
//! assert_eq!(json["check_reports"]["ID_DOCUMENT_FACE_MATCH"].as_array().map(Vec::len), Some(2));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::result::{Breakdown, BreakdownResult, CheckReport, Recommendation, TaskRecommendation};
use super::{CaptureMethod, CheckType, LivenessType, SecretString, SessionId, TaskType};

/// Which documents a sandbox entry applies to. An empty list means "any".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxDocumentFilter {
    /// Document types (`PASSPORT`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub document_types: Vec<String>,
    /// Issuing countries (ISO 3166-1 alpha-3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub country_codes: Vec<String>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SandboxDocumentFilter {
    /// A filter on document types and countries (an empty list means any).
    pub fn new<T, C, S1, S2>(document_types: T, country_codes: C) -> Self
    where
        T: IntoIterator<Item = S1>,
        C: IntoIterator<Item = S2>,
        S1: Into<String>,
        S2: Into<String>,
    {
        Self {
            document_types: document_types.into_iter().map(Into::into).collect(),
            country_codes: country_codes.into_iter().map(Into::into).collect(),
            extra: Map::new(),
        }
    }

    /// Whether a document of this type and country passes the filter (an unknown type or
    /// country passes only a filter that does not restrict it).
    pub fn matches(&self, document_type: Option<&str>, country_code: Option<&str>) -> bool {
        fn allowed(list: &[String], value: Option<&str>) -> bool {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|item| item == v))
        }
        allowed(&self.document_types, document_type) && allowed(&self.country_codes, country_code)
    }
}

/// `result` of a sandbox check: the report to produce, and (text data checks) the document
/// fields to return.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxCheckResult {
    /// The report.
    #[serde(default)]
    pub report: CheckReport,
    /// The document fields (text data checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_fields: Option<Map<String, Value>>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One configured check report: `{"result": {..}}`, with a `document_filter` (document
/// checks), a `secondary_document_filter` (document comparison) or a `liveness_type`
/// (liveness) saying which checks it applies to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxCheck {
    /// The documents this entry applies to (document checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_filter: Option<SandboxDocumentFilter>,
    /// The second document this entry applies to (`ID_DOCUMENT_COMPARISON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_document_filter: Option<SandboxDocumentFilter>,
    /// The liveness type this entry applies to (`LIVENESS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_type: Option<LivenessType>,
    /// What to produce.
    #[serde(default)]
    pub result: SandboxCheckResult,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SandboxCheck {
    /// A report with this recommendation and no sub-check.
    pub fn new(recommendation: Recommendation) -> Self {
        Self {
            result: SandboxCheckResult {
                report: CheckReport::new(recommendation),
                ..SandboxCheckResult::default()
            },
            ..Self::default()
        }
    }

    /// `APPROVE`, no sub-check.
    pub fn approve() -> Self {
        Self::new(Recommendation::approve())
    }

    /// `REJECT` with a reason and a recovery suggestion, no sub-check.
    pub fn reject(reason: impl Into<String>, recovery_suggestion: impl Into<String>) -> Self {
        Self::new(Recommendation::reject(reason, recovery_suggestion))
    }

    /// Adds a sub-check to the report.
    #[must_use]
    pub fn breakdown(mut self, breakdown: Breakdown) -> Self {
        self.result.report.breakdown.push(breakdown);
        self
    }

    /// Sets the document fields (text data checks).
    #[must_use]
    pub fn document_fields(mut self, fields: Map<String, Value>) -> Self {
        self.result.document_fields = Some(fields);
        self
    }

    /// Restricts the entry to some documents.
    #[must_use]
    pub fn document_filter(mut self, filter: SandboxDocumentFilter) -> Self {
        self.document_filter = Some(filter);
        self
    }

    /// Restricts the entry to some second documents (`ID_DOCUMENT_COMPARISON`).
    #[must_use]
    pub fn secondary_document_filter(mut self, filter: SandboxDocumentFilter) -> Self {
        self.secondary_document_filter = Some(filter);
        self
    }

    /// Restricts the entry to a liveness type (`LIVENESS`).
    #[must_use]
    pub fn liveness_type(mut self, liveness_type: LivenessType) -> Self {
        self.liveness_type = Some(liveness_type);
        self
    }
}

/// `result` of a sandbox text extraction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxTextExtractionResult {
    /// The fields to return as extracted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_fields: Option<Map<String, Value>>,
    /// The detected issuing country (ISO 3166-1 alpha-3, upper case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected_country: Option<String>,
    /// In-session feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<TaskRecommendation>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One configured text extraction: `{"document_filter"?, "result": {..}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxTextExtraction {
    /// The documents this entry applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_filter: Option<SandboxDocumentFilter>,
    /// What to produce.
    #[serde(default)]
    pub result: SandboxTextExtractionResult,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SandboxTextExtraction {
    /// An extraction returning these fields.
    pub fn new(document_fields: Map<String, Value>) -> Self {
        Self {
            result: SandboxTextExtractionResult {
                document_fields: Some(document_fields),
                ..SandboxTextExtractionResult::default()
            },
            ..Self::default()
        }
    }

    /// Sets the detected country.
    #[must_use]
    pub fn detected_country(mut self, country: impl Into<String>) -> Self {
        self.result.detected_country = Some(country.into());
        self
    }

    /// Sets the in-session feedback.
    #[must_use]
    pub fn recommendation(mut self, recommendation: TaskRecommendation) -> Self {
        self.result.recommendation = Some(recommendation);
        self
    }

    /// Restricts the entry to some documents.
    #[must_use]
    pub fn document_filter(mut self, filter: SandboxDocumentFilter) -> Self {
        self.document_filter = Some(filter);
        self
    }
}

/// `task_results` of a response configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskResults {
    /// `ID_DOCUMENT_TEXT_DATA_EXTRACTION` entries.
    #[serde(
        rename = "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_document_text_data_extraction: Vec<SandboxTextExtraction>,
    /// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION` entries.
    #[serde(
        rename = "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supplementary_document_text_data_extraction: Vec<SandboxTextExtraction>,
    /// Entries of task kinds this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TaskResults {
    /// The entries configured for a task kind (entries of a kind this version does not model
    /// are read from `extra`; unreadable ones are skipped).
    pub fn for_kind(&self, kind: &TaskType) -> Cow<'_, [SandboxTextExtraction]> {
        match kind {
            TaskType::IdDocumentTextDataExtraction => {
                Cow::Borrowed(&self.id_document_text_data_extraction)
            }
            TaskType::SupplementaryDocumentTextDataExtraction => {
                Cow::Borrowed(&self.supplementary_document_text_data_extraction)
            }
            other => Cow::Owned(read_entries(self.extra.get(other.as_str()))),
        }
    }
}

/// `check_reports` of a response configuration: the reports to produce, per check kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReports {
    /// `ID_DOCUMENT_AUTHENTICITY` entries.
    #[serde(
        rename = "ID_DOCUMENT_AUTHENTICITY",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_document_authenticity: Vec<SandboxCheck>,
    /// `ID_DOCUMENT_TEXT_DATA_CHECK` entries (with document fields).
    #[serde(
        rename = "ID_DOCUMENT_TEXT_DATA_CHECK",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_document_text_data_check: Vec<SandboxCheck>,
    /// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK` entries (with document fields).
    #[serde(
        rename = "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supplementary_document_text_data_check: Vec<SandboxCheck>,
    /// `ID_DOCUMENT_FACE_MATCH` entries.
    #[serde(
        rename = "ID_DOCUMENT_FACE_MATCH",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_document_face_match: Vec<SandboxCheck>,
    /// `LIVENESS` entries (with a `liveness_type`).
    #[serde(rename = "LIVENESS", default, skip_serializing_if = "Vec::is_empty")]
    pub liveness: Vec<SandboxCheck>,
    /// `ID_DOCUMENT_COMPARISON` entries (with a `secondary_document_filter`).
    #[serde(
        rename = "ID_DOCUMENT_COMPARISON",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_document_comparison: Vec<SandboxCheck>,
    /// The `THIRD_PARTY_IDENTITY` entry (an object, not a list).
    #[serde(
        rename = "THIRD_PARTY_IDENTITY",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub third_party_identity: Option<SandboxCheck>,
    /// Seconds to wait before reports are produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub async_report_delay: Option<u32>,
    /// Entries of check kinds this version does not model (`WATCHLIST_SCREENING`, ...), kept
    /// as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CheckReports {
    /// The entries configured for a check kind (entries of a kind this version does not model
    /// are read from `extra`, as a list or a single object; unreadable ones are skipped).
    pub fn for_kind(&self, kind: &CheckType) -> Cow<'_, [SandboxCheck]> {
        match kind {
            CheckType::IdDocumentAuthenticity => Cow::Borrowed(&self.id_document_authenticity),
            CheckType::IdDocumentTextDataCheck => Cow::Borrowed(&self.id_document_text_data_check),
            CheckType::SupplementaryDocumentTextDataCheck => {
                Cow::Borrowed(&self.supplementary_document_text_data_check)
            }
            CheckType::IdDocumentFaceMatch => Cow::Borrowed(&self.id_document_face_match),
            CheckType::Liveness => Cow::Borrowed(&self.liveness),
            CheckType::IdDocumentComparison => Cow::Borrowed(&self.id_document_comparison),
            CheckType::ThirdPartyIdentity => Cow::Borrowed(self.third_party_identity.as_slice()),
            other => Cow::Owned(read_entries(self.extra.get(other.as_str()))),
        }
    }

    /// Adds an entry for a check kind (`THIRD_PARTY_IDENTITY` is replaced, being a single
    /// object; kinds this version does not model go to `extra`).
    pub fn push(&mut self, kind: &CheckType, check: SandboxCheck) {
        match kind {
            CheckType::IdDocumentAuthenticity => self.id_document_authenticity.push(check),
            CheckType::IdDocumentTextDataCheck => self.id_document_text_data_check.push(check),
            CheckType::SupplementaryDocumentTextDataCheck => {
                self.supplementary_document_text_data_check.push(check);
            }
            CheckType::IdDocumentFaceMatch => self.id_document_face_match.push(check),
            CheckType::Liveness => self.liveness.push(check),
            CheckType::IdDocumentComparison => self.id_document_comparison.push(check),
            CheckType::ThirdPartyIdentity => self.third_party_identity = Some(check),
            other => {
                let Ok(entry) = serde_json::to_value(&check) else {
                    return;
                };
                let slot = self
                    .extra
                    .entry(other.as_str().to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                match slot {
                    Value::Array(entries) => entries.push(entry),
                    single => *single = Value::Array(vec![single.take(), entry]),
                }
            }
        }
    }
}

fn read_entries<T: serde::de::DeserializeOwned>(value: Option<&Value>) -> Vec<T> {
    match value {
        Some(Value::Array(entries)) => entries
            .iter()
            .filter_map(|e| T::deserialize(e).ok())
            .collect(),
        Some(single @ Value::Object(_)) => T::deserialize(single).ok().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The sandbox response configuration.
///
/// Build it with [`approve_all`](Self::approve_all) or [`new`](Self::new) and the chainable
/// per-kind methods; entries added for a kind come after those already there (the emulator
/// and Yoti's sandbox use the first entry whose filter matches).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseConfig {
    /// Task results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_results: Option<TaskResults>,
    /// Check reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_reports: Option<CheckReports>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Document fields of a sample ID document (those of Yoti's sandbox guide).
pub fn sample_id_document_fields() -> Map<String, Value> {
    as_map(json!({
        "full_name": "John Doe",
        "nationality": "GBR",
        "date_of_birth": "1986-06-01",
        "document_number": "123456789"
    }))
}

/// Document fields of a sample supplementary document (a proof of address).
pub fn sample_supplementary_document_fields() -> Map<String, Value> {
    as_map(json!({
        "full_name": "John Doe",
        "date_of_issue": "2018-06-01",
        "organisation": "Yoti",
        "structured_postal_address": {
            "address_format": 1,
            "building_number": "64",
            "address_line1": "64 Derwent Road",
            "town_city": "London",
            "postal_code": "SW20 9NH",
            "country_iso": "GBR",
            "country": "United Kingdom",
            "formatted_address": "64 Derwent Road\nLondon\nSW20 9NH\nUnited Kingdom"
        }
    }))
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl ResponseConfig {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// A configuration approving every check kind of the reference, with the sub-checks
    /// Yoti's sandbox guide uses, and returning sample document fields from text extraction
    /// and text data checks: `ID_DOCUMENT_AUTHENTICITY`, `ID_DOCUMENT_TEXT_DATA_CHECK`,
    /// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK`, `ID_DOCUMENT_FACE_MATCH`, `LIVENESS` (`ZOOM`
    /// and `STATIC`), `ID_DOCUMENT_COMPARISON`, `THIRD_PARTY_IDENTITY`; no report delay.
    pub fn approve_all() -> Self {
        let pass = |sub_check: &str| Breakdown::new(sub_check, BreakdownResult::Pass);
        Self::new()
            .document_authenticity(SandboxCheck::approve().breakdown(pass("document_in_date")))
            .document_text_data_check(
                SandboxCheck::approve()
                    .breakdown(pass("text_data_readable"))
                    .document_fields(sample_id_document_fields()),
            )
            .supplementary_document_text_data_check(
                SandboxCheck::approve()
                    .breakdown(pass("text_data_readable"))
                    .document_fields(sample_supplementary_document_fields()),
            )
            .document_face_match(
                SandboxCheck::approve()
                    .breakdown(pass("ai_face_match").detail("confidence_score", "0.81")),
            )
            .liveness(
                LivenessType::Zoom,
                SandboxCheck::approve().breakdown(pass("liveness_auth")),
            )
            .liveness(
                LivenessType::Static,
                SandboxCheck::approve().breakdown(pass("liveness_auth")),
            )
            .document_comparison(SandboxCheck::approve())
            .third_party_identity(SandboxCheck::approve())
            .id_document_text_extraction(SandboxTextExtraction::new(sample_id_document_fields()))
            .supplementary_document_text_extraction(SandboxTextExtraction::new(
                sample_supplementary_document_fields(),
            ))
    }

    fn reports(&mut self) -> &mut CheckReports {
        self.check_reports.get_or_insert_with(CheckReports::default)
    }

    fn tasks(&mut self) -> &mut TaskResults {
        self.task_results.get_or_insert_with(TaskResults::default)
    }

    /// Adds an entry for any check kind (see [`CheckReports::push`]).
    #[must_use]
    pub fn check(mut self, kind: &CheckType, check: SandboxCheck) -> Self {
        self.reports().push(kind, check);
        self
    }

    /// Adds an `ID_DOCUMENT_AUTHENTICITY` entry.
    #[must_use]
    pub fn document_authenticity(self, check: SandboxCheck) -> Self {
        self.check(&CheckType::IdDocumentAuthenticity, check)
    }

    /// Adds an `ID_DOCUMENT_TEXT_DATA_CHECK` entry.
    #[must_use]
    pub fn document_text_data_check(self, check: SandboxCheck) -> Self {
        self.check(&CheckType::IdDocumentTextDataCheck, check)
    }

    /// Adds a `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK` entry.
    #[must_use]
    pub fn supplementary_document_text_data_check(self, check: SandboxCheck) -> Self {
        self.check(&CheckType::SupplementaryDocumentTextDataCheck, check)
    }

    /// Adds an `ID_DOCUMENT_FACE_MATCH` entry.
    #[must_use]
    pub fn document_face_match(self, check: SandboxCheck) -> Self {
        self.check(&CheckType::IdDocumentFaceMatch, check)
    }

    /// Adds a `LIVENESS` entry for a liveness type.
    #[must_use]
    pub fn liveness(self, liveness_type: LivenessType, check: SandboxCheck) -> Self {
        self.check(&CheckType::Liveness, check.liveness_type(liveness_type))
    }

    /// Adds an `ID_DOCUMENT_COMPARISON` entry.
    #[must_use]
    pub fn document_comparison(self, check: SandboxCheck) -> Self {
        self.check(&CheckType::IdDocumentComparison, check)
    }

    /// Sets the `THIRD_PARTY_IDENTITY` entry.
    #[must_use]
    pub fn third_party_identity(self, check: SandboxCheck) -> Self {
        self.check(&CheckType::ThirdPartyIdentity, check)
    }

    /// Sets `check_reports.async_report_delay` (seconds).
    #[must_use]
    pub fn async_report_delay(mut self, seconds: u32) -> Self {
        self.reports().async_report_delay = Some(seconds);
        self
    }

    /// Adds an `ID_DOCUMENT_TEXT_DATA_EXTRACTION` task result.
    #[must_use]
    pub fn id_document_text_extraction(mut self, extraction: SandboxTextExtraction) -> Self {
        self.tasks()
            .id_document_text_data_extraction
            .push(extraction);
        self
    }

    /// Adds a `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION` task result.
    #[must_use]
    pub fn supplementary_document_text_extraction(
        mut self,
        extraction: SandboxTextExtraction,
    ) -> Self {
        self.tasks()
            .supplementary_document_text_data_extraction
            .push(extraction);
        self
    }
}

/// A document of a sandbox `/agent` body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentDocument {
    /// Issuing country (ISO 3166-1 alpha-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// Document type (`PASSPORT`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// How it was captured (ID documents; any case accepted on input).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::serde_util::opt_any_case"
    )]
    pub capture_method: Option<CaptureMethod>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `resources` of a sandbox `/agent` body: the documents to pretend the user provided
/// (they should match the session's filters).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentResources {
    /// ID documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_documents: Vec<AgentDocument>,
    /// Supplementary documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplementary_documents: Vec<AgentDocument>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of the sandbox `POST /agent` (signed), which completes a session as if a user
/// had gone through it (answer: 204).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentRequest {
    /// The session to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// Its client session token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_session_token: Option<SecretString>,
    /// The documents provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<AgentResources>,
    /// Fields this version does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
