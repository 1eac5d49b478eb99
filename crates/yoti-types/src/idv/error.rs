//! The body of an IDV error answer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

open_enum! {
    /// The `code` of an IDV error body, so that callers match on a name rather than a string
    /// (`IdvErrorCode::from(body_code) == IdvErrorCode::SessionNotFound`). Codes this version
    /// does not know parse as `Unknown`, keeping the string.
    pub enum IdvErrorCode {
        /// `PAYLOAD_VALIDATION` (400): a body that does not parse, or a specification Yoti
        /// refuses (`errors[]` names each field).
        PayloadValidation = "PAYLOAD_VALIDATION",
        /// `BAD_REQUEST` (400): a malformed multipart body, a bad index.
        BadRequest = "BAD_REQUEST",
        /// `DOCUMENT_NOT_ALLOWED` (400): a document the requirement's filter refuses.
        DocumentNotAllowed = "DOCUMENT_NOT_ALLOWED",
        /// `MISSING_TOKEN` (401): no client session token.
        MissingToken = "MISSING_TOKEN",
        /// `INVALID_TOKEN` (401): an unknown or deleted client session token.
        InvalidToken = "INVALID_TOKEN",
        /// `RESOURCE_NOT_REQUIRED` (403): a resource the session does not require.
        ResourceNotRequired = "RESOURCE_NOT_REQUIRED",
        /// `SESSION_NOT_FOUND` (404).
        SessionNotFound = "SESSION_NOT_FOUND",
        /// `MEDIA_NOT_FOUND` (404).
        MediaNotFound = "MEDIA_NOT_FOUND",
        /// `RESOURCE_NOT_FOUND` (404).
        ResourceNotFound = "RESOURCE_NOT_FOUND",
        /// `APP_NOT_FOUND` (404): another application's response-config.
        AppNotFound = "APP_NOT_FOUND",
        /// `CHECKS_NOT_FINISHED` (409): deleting a session whose checks are pending.
        ChecksNotFinished = "CHECKS_NOT_FINISHED",
        /// `SESSION_LOCKED` (409): deleting media of an ONGOING session.
        SessionLocked = "SESSION_LOCKED",
        /// `MEDIA_LOCKED` (409): deleting media while checks run.
        MediaLocked = "MEDIA_LOCKED",
        /// `RESOURCE_LOCKED` (409): an upload to a filled slot.
        ResourceLocked = "RESOURCE_LOCKED",
        /// `TOKEN_EXPIRED` (409): the client session token's TTL or deadline passed.
        TokenExpired = "TOKEN_EXPIRED",
        /// `RESOURCES_INCOMPLETE` (409): checks triggered while a resource is missing.
        ResourcesIncomplete = "RESOURCES_INCOMPLETE",
        /// `SESSION_NOT_ONGOING` (409): the emulator's simulate-user on a triggered session.
        SessionNotOngoing = "SESSION_NOT_ONGOING",
        /// `PAYLOAD_TOO_LARGE` (413).
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
        /// `UNSUPPORTED_MEDIA_TYPE` (415).
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        /// `UNPROCESSABLE_MEDIA` (422): image bytes that do not decode.
        UnprocessableMedia = "UNPROCESSABLE_MEDIA",
    }
}

/// A field error of an IDV error body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct IdvErrorBody {
    /// Yoti's error code (`PAYLOAD_VALIDATION`, ...; see [`IdvErrorBody::error_code`]).
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

    /// The code as an [`IdvErrorCode`], to match on a name.
    pub fn error_code(&self) -> Option<IdvErrorCode> {
        self.code.as_deref().map(IdvErrorCode::from)
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
