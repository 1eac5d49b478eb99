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
