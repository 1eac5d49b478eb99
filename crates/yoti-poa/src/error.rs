//! The crate's one error type.

use std::borrow::Cow;
use std::time::Duration;

use http::StatusCode;
use yoti_internal::{DecodeError, EnvError};
use yoti_types::ValidationError;
use yoti_types::poa::{PoaErrorBody, PoaErrorCode, VerificationId};

/// A Proof of Age error answer: the shared [`yoti_internal::ApiError`], with
/// [`PoaErrorCode`] codes.
pub type ApiError = yoti_internal::ApiError<PoaErrorCode>;

/// Everything that can go wrong with the Proof of Age API.
///
/// Underlying errors are kept whole in the [`source`](std::error::Error::source) chain.
/// Messages never carry a token, an assertion or a webhook header value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query would be refused by the service; nothing was sent.
    #[error("invalid query")]
    Validation(#[from] ValidationError),

    /// The client is not configured correctly (missing SDK id or key, invalid URL).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: Cow<'static, str>,
        /// The underlying error (a URL check), when there is one.
        #[source]
        source: Option<yoti_http::Error>,
    },

    /// The configuration from the environment is missing or does not load.
    #[error("cannot configure the client from the environment")]
    Env(#[source] EnvError),

    /// No bearer token could be had (the token endpoint refused the assertion, was
    /// unavailable, or answered something unusable). The [`yoti_auth::Error`] says which.
    #[error("cannot get a bearer token")]
    Token(#[source] yoti_auth::Error),

    /// The request did not get an answer: connect error (never sent), timeout, or a
    /// connection that failed mid-way.
    #[error("the request to the Proof of Age API failed")]
    Transport(#[source] yoti_http::Error, Option<yoti_http::Endpoint>),

    /// The API answered with an error status: status, code, message and raw body (the
    /// shape every service shares; [`api_error_body`](Self::api_error_body) parses the rest).
    /// Boxed: it is large.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// A successful answer whose body does not decode; the source names the JSON path.
    #[error("cannot decode the answer (HTTP {status})")]
    Decode {
        /// The HTTP status of the answer.
        status: StatusCode,
        /// What failed, and where.
        #[source]
        source: DecodeError,
    },

    /// [`PoaClient::wait_for_result`](crate::PoaClient::wait_for_result) ran out of time
    /// while the result was still `PENDING`.
    #[error("the result {id} is still pending after {waited:?}")]
    StillPending {
        /// The verification.
        id: VerificationId,
        /// How long it was polled.
        waited: Duration,
    },

    /// A webhook notification lacks a header configured for it, or carries another value.
    #[error("the notification's `{name}` header is {}", if *missing { "missing" } else { "not the value configured" })]
    WebhookHeader {
        /// The header's name.
        name: String,
        /// Whether it is missing (else its value is wrong).
        missing: bool,
    },

    /// A webhook notification that does not carry a result.
    #[error("the notification does not carry a Proof of Age result: {reason}")]
    WebhookBody {
        /// What is wrong.
        reason: Cow<'static, str>,
        /// The decoder's error, with its JSON path, when the body is not a result.
        #[source]
        source: Option<DecodeError>,
    },
}

impl From<yoti_http::Error> for Error {
    fn from(error: yoti_http::Error) -> Self {
        Self::Transport(error, None)
    }
}

impl Error {
    /// The HTTP status: the API's error status, or the token endpoint's.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode { status, .. } => Some(*status),
            Self::Token(error) => error
                .token_status()
                .and_then(|s| StatusCode::from_u16(s).ok()),
            _ => None,
        }
    }

    /// The API's error code, when the error body had one.
    pub fn code(&self) -> Option<&PoaErrorCode> {
        match self {
            Self::Api(api) => api.code.as_ref(),
            _ => None,
        }
    }

    /// The API's error message, when the error body had one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.message.as_deref(),
            _ => None,
        }
    }

    /// The raw body of an API error.
    pub fn body(&self) -> Option<&str> {
        match self {
            Self::Api(api) => Some(&api.body),
            _ => None,
        }
    }

    /// The field errors of an API error (Proof of Age's answers carry none today: the method
    /// is here so that every service's error answers the same questions).
    pub fn field_errors(&self) -> &[yoti_internal::FieldError] {
        match self {
            Self::Api(api) => &api.field_errors,
            _ => &[],
        }
    }

    /// Whether the answer was 404 (an unknown verification id).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The API error's body parsed as Proof of Age's error body (with its `id`), when it is
    /// one.
    pub fn api_error_body(&self) -> Option<PoaErrorBody> {
        match self {
            Self::Api(api) => serde_json::from_str(&api.body).ok(),
            _ => None,
        }
    }

    /// Whether the request was never sent: invalid query or configuration, no token, or a
    /// connect error.
    pub fn is_not_sent(&self) -> bool {
        match self {
            Self::Transport(error, _) => error.is_connect(),
            Self::Validation(_) | Self::Config { .. } | Self::Env(_) | Self::Token(_) => true,
            _ => false,
        }
    }

    /// Whether the same call may succeed later. For an API call, exactly when the transport
    /// retries such an outcome, by the same decision
    /// ([`RetryPolicy::classify`](yoti_http::RetryPolicy::classify) with
    /// [`PoaRetry`](crate::PoaRetry)): a connect error; for reading a result, also a timeout
    /// or lost connection, a 429, 502, 503 or 504, or the code `SYSTEM_UNAVAILABLE` (a verify
    /// is never repeated once it may have reached the service: its QR code may be
    /// single-use). Also a token endpoint that was unavailable (yoti-auth's rules), or a
    /// result still pending.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(error, endpoint) => yoti_internal::retry::is_retryable_failure(
                &crate::PoaRetry,
                error,
                endpoint.as_ref(),
            ),
            Self::Api(api) => yoti_internal::retry::is_retryable_answer(&crate::PoaRetry, api),
            Self::Token(error) => error.is_retryable(),
            Self::StillPending { .. } => true,
            _ => false,
        }
    }

    /// Whether this is a webhook notification refused by [`WebhookVerifier`](crate::WebhookVerifier).
    pub fn is_webhook(&self) -> bool {
        matches!(self, Self::WebhookHeader { .. } | Self::WebhookBody { .. })
    }
}
