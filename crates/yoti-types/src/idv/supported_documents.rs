//! The answer of `GET /supported-documents`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `requirements` of a supported document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentRequirements {
    /// Documents issued before this date are not supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_from: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A supported document type of a country.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SupportedDocument {
    /// The document type (`PASSPORT`, `DRIVING_LICENCE`, ...).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Whether the document is written in latin script only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_strictly_latin: Option<bool>,
    /// Extra requirements on the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<DocumentRequirements>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SupportedDocument {
    /// A document type with its script flag.
    pub fn new(kind: impl Into<String>, is_strictly_latin: bool) -> Self {
        Self {
            kind: kind.into(),
            is_strictly_latin: Some(is_strictly_latin),
            requirements: None,
            extra: Map::new(),
        }
    }
}

/// A country and its supported documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SupportedCountry {
    /// ISO 3166-1 alpha-3 code.
    #[serde(default)]
    pub code: String,
    /// The supported documents.
    #[serde(default)]
    pub supported_documents: Vec<SupportedDocument>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of `GET /supported-documents`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SupportedDocumentsResponse {
    /// The supported countries.
    #[serde(default)]
    pub supported_countries: Vec<SupportedCountry>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
