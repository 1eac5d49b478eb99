//! The error body of the Proof of Age endpoints.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

open_enum! {
    /// The `error` code of a Proof of Age error body.
    pub enum PoaErrorCode {
        /// HTTP 400: there was an issue with the construction of the payload.
        MalformedPayload = "MALFORMED_PAYLOAD",
        /// HTTP 403: the Proof of Age service is not enabled for the organisation.
        FeatureDisabled = "FEATURE_DISABLED",
        /// HTTP 422: the QR code holds an invalid or expired token.
        InvalidQrCodeVerifierToken = "INVALID_QR_CODE_VERIFIER_TOKEN",
        /// HTTP 500: the service has a problem.
        SystemUnavailable = "SYSTEM_UNAVAILABLE",
    }
}

impl PoaErrorCode {
    /// The HTTP status the service answers with this code; `None` for a code this crate
    /// does not know.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::MalformedPayload => Some(400),
            Self::FeatureDisabled => Some(403),
            Self::InvalidQrCodeVerifierToken => Some(422),
            Self::SystemUnavailable => Some(500),
            Self::Unknown(_) => None,
        }
    }

    /// A message for this code, after Yoti's documentation; `None` for a code this crate
    /// does not know.
    pub fn default_message(&self) -> Option<&'static str> {
        match self {
            Self::MalformedPayload => {
                Some("There was an issue with the construction of the payload.")
            }
            Self::FeatureDisabled => {
                Some("Proof of Age service needs to be enabled for your Organisation.")
            }
            Self::InvalidQrCodeVerifierToken => {
                Some("The provided QR Code contains an invalid (or expired) token.")
            }
            Self::SystemUnavailable => Some("There is a server issue."),
            Self::Unknown(_) => None,
        }
    }

    /// Whether a retry of the same request may succeed (`SYSTEM_UNAVAILABLE`). A QR code
    /// refused with `INVALID_QR_CODE_VERIFIER_TOKEN` needs a fresh scan instead.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::SystemUnavailable)
    }
}

/// The `status` member of a Proof of Age error body.
///
/// Yoti names the member without saying what it holds: an HTTP status number or a status
/// word such as `FAILURE`. Both parse, and anything else is kept as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum PoaErrorStatus {
    /// An HTTP status code, such as `400`.
    Http(u16),
    /// A status word, such as `FAILURE`.
    Text(String),
    /// Any other JSON value, kept as received.
    Other(Value),
}

/// The error body of the Proof of Age endpoints: `{"id", "status", "error", "message"}`.
///
/// Parsed leniently: every member may be missing, and members this crate does not model are
/// kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PoaErrorBody {
    /// An identifier of the failed request (opaque; quote it to Yoti's support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The status (see [`PoaErrorStatus`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PoaErrorStatus>,
    /// The error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<PoaErrorCode>,
    /// The human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PoaErrorBody {
    /// A body with `code`, its HTTP status as `status`, and its default message.
    pub fn new(code: PoaErrorCode) -> Self {
        Self {
            id: None,
            status: code.http_status().map(PoaErrorStatus::Http),
            message: code.default_message().map(str::to_owned),
            error: Some(code),
            extra: Map::new(),
        }
    }

    /// Sets the request identifier.
    #[must_use]
    pub fn set_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Replaces the message.
    #[must_use]
    pub fn set_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The error code, if the body has one.
    pub fn code(&self) -> Option<&PoaErrorCode> {
        self.error.as_ref()
    }
}
