//! The body of an IDV error answer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A field error of an IDV error body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdvFieldError {
    /// The offending property (a JSON path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// What is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An IDV error body: `{"code", "message", "errors": [{"property", "message"}]}`; every field
/// is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdvErrorBody {
    /// Yoti's error code (`PAYLOAD_VALIDATION`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Field errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<IdvFieldError>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdvErrorBody {
    /// A body with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: Some(code.into()),
            message: Some(message.into()),
            errors: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Adds a field error.
    #[must_use]
    pub fn field_error(mut self, property: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(IdvFieldError {
            property: Some(property.into()),
            message: Some(message.into()),
            extra: Map::new(),
        });
        self
    }
}
