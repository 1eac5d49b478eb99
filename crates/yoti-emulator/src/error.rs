//! Errors: the crate's own (starting the server) and the Yoti-style JSON error answers.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What can go wrong starting or configuring the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An application key could not be loaded.
    #[error("cannot load the key of application {sdk_id}: {source}")]
    AppKey {
        /// The application's SDK id.
        sdk_id: String,
        /// Why.
        #[source]
        source: yoti_auth::Error,
    },
    /// A command-line or configuration value is invalid.
    #[error("{0}")]
    Config(String),
    /// A state or seed file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    StateFile {
        /// The file.
        path: std::path::PathBuf,
        /// What was being done: `read`, `create`, `write`, `flush` or `replace`.
        action: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A state document or seed file is not valid.
    #[error("the {origin} is invalid at `{field}`{}: {message}", position(*line, *column))]
    StateInvalid {
        /// Where the document came from (`state file PATH`, `seed file PATH`, `request body`).
        origin: String,
        /// The path of the field at fault (`idv.sessions[0].state`; `.` for the whole).
        field: String,
        /// Its line (from 1; 0 when the fault is in a value, not in the JSON).
        line: usize,
        /// Its column (from 1; 0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A state document or seed file of another format or version.
    #[error("the {origin} has {found}; this emulator reads {expected}")]
    StateVersion {
        /// Where the document came from.
        origin: String,
        /// The format and version it has.
        found: String,
        /// The format and version this emulator reads.
        expected: String,
    },
}

/// ` (line L, column C)` when known.
fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" (line {line}, column {column})")
    }
}

/// The JSON shape of an error answer, which differs between Yoti's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorStyle {
    /// IDV: `{"code", "message"}`.
    Idv,
    /// Age Estimation: `{"error_code", "error_message"}`.
    Age,
    /// Proof of Age: `{"status", "error", "message"}`.
    Poa,
    /// OAuth token endpoint: `{"error", "error_description"}`.
    OAuth,
}

/// An error answer: status, Yoti code and message, rendered in the service's style.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) style: ErrorStyle,
    /// Field errors (`errors: [{"property", "message"}]`, IDV style only; omitted when empty).
    pub(crate) errors: Vec<(String, String)>,
}

impl ApiError {
    pub(crate) fn new(
        style: ErrorStyle,
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            style,
            errors: Vec::new(),
        }
    }

    pub(crate) fn idv(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorStyle::Idv, status, code, message)
    }

    /// Adds a field error (`{"property", "message"}`), rendered in IDV bodies only.
    pub(crate) fn field_error(
        mut self,
        property: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.errors.push((property.into(), message.into()));
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.style {
            ErrorStyle::Idv if self.errors.is_empty() => {
                json!({ "code": self.code, "message": self.message })
            }
            ErrorStyle::Idv => {
                let errors: Vec<_> = self
                    .errors
                    .iter()
                    .map(|(property, message)| json!({ "property": property, "message": message }))
                    .collect();
                json!({ "code": self.code, "message": self.message, "errors": errors })
            }
            ErrorStyle::Age => json!({ "error_code": self.code, "error_message": self.message }),
            ErrorStyle::Poa => json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "status": self.status.as_u16(),
                "error": self.code,
                "message": self.message,
            }),
            ErrorStyle::OAuth => json!({ "error": self.code, "error_description": self.message }),
        };
        let mut response = (self.status, Json(body)).into_response();
        response
            .extensions_mut()
            .insert(crate::journal::AnsweredCode(self.code));
        response
    }
}
