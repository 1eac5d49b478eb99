//! The crate's one error type.

use http::StatusCode;
use yoti_types::age::AgeErrorCode;

use crate::ImageCheckError;

/// An Age Estimation error answer: the shared [`yoti_internal::ApiError`], with
/// [`AgeErrorCode`](crate::models::AgeErrorCode) codes.
pub type ApiError = yoti_internal::ApiError<AgeErrorCode>;

/// Everything an [`AgeClient`](crate::AgeClient) call can fail with.
///
/// Underlying errors stay in the [`source`](std::error::Error::source) chain. Ask
/// [`status`](Self::status), [`code`](Self::code) and [`is_retryable`](Self::is_retryable)
/// rather than reading messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a rule of the API (a threshold out of range, a field the endpoint
    /// does not take, ...). Nothing was sent.
    #[error("invalid request")]
    Validation(#[from] yoti_types::ValidationError),

    /// The image fails a local check: the service would refuse it with
    /// [`ImageCheckError::code`]. Nothing was sent.
    #[error("the image fails a local check, so no request was sent")]
    ImageCheck(#[from] ImageCheckError),

    /// The client is not configured (missing SDK id or key, a bad header value, ...).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },

    /// The base URL is not usable (not https, or http to a host that is not loopback).
    #[error("invalid base URL")]
    BaseUrl(#[source] yoti_http::Error),

    /// Reading the configuration from the environment failed.
    #[error("cannot configure the client from the environment")]
    Env(#[from] yoti_internal::EnvError),

    /// Signing the request failed. Nothing was sent.
    #[error("cannot sign the request")]
    Signing(#[source] yoti_auth::Error),

    /// The request could not be sent or its answer read (connect, timeout, connection lost),
    /// with the request it was for, when known.
    #[error("the request failed")]
    Transport(#[source] yoti_http::Error, Option<yoti_http::Endpoint>),

    /// The service answered an error: status, code, message and raw body (the shape every
    /// service shares). Boxed: it is large.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// A success answer did not have the expected shape.
    #[error("cannot decode the {status} answer")]
    Decode {
        /// The HTTP status.
        status: StatusCode,
        /// The failure, with its JSON path.
        #[source]
        source: yoti_internal::DecodeError,
    },
}

impl From<yoti_http::Error> for Error {
    /// A transport error; a request builder's signing failure as [`Error::Signing`].
    fn from(error: yoti_http::Error) -> Self {
        Self::from_http(error)
    }
}

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Yoti's error code: the one the service answered, or, for a local image check, the one
    /// it would have answered.
    pub fn code(&self) -> Option<&AgeErrorCode> {
        match self {
            Self::Api(api) => api.code.as_ref(),
            Self::ImageCheck(e) => Some(e.code()),
            _ => None,
        }
    }

    /// Yoti's error message, for an API error that carried one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.message.as_deref(),
            Self::ImageCheck(e) => Some(e.message()),
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

    /// The field errors of an API error (Age Estimation's answers carry none today: the
    /// method is here so that every service's error answers the same questions).
    pub fn field_errors(&self) -> &[yoti_internal::FieldError] {
        match self {
            Self::Api(api) => &api.field_errors,
            _ => &[],
        }
    }

    /// The API error as Age Estimation's error body (`{"error_code", "error_message"}`), for
    /// logging or relaying.
    pub fn api_error_body(&self) -> Option<yoti_types::age::AgeErrorBody> {
        match self {
            Self::Api(api) => Some(serde_json::from_str(&api.body).unwrap_or_else(|_| {
                let mut body = yoti_types::age::AgeErrorBody::default();
                body.error_code = api.code.clone();
                body.error_message = api.message.clone();
                body
            })),
            _ => None,
        }
    }

    /// Whether the answer was 404 (a path the service does not have).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the same call may succeed later: exactly when the transport retries such an
    /// outcome, by the same decision ([`RetryPolicy::classify`](yoti_http::RetryPolicy::classify)
    /// with [`AgeRetry`](crate::AgeRetry)): a transient transport failure (connect, timeout,
    /// connection lost), a status 429, 502, 503 or 504, or the code `SERVICE_UNAVAILABLE`.
    /// Age Estimation calls change nothing on the server, so repeating one is safe (each
    /// call is billed, though).
    pub fn is_retryable(&self) -> bool {
        let classifier = crate::AgeRetry;
        match self {
            Self::Transport(e, endpoint) => {
                yoti_internal::retry::is_retryable_failure(&classifier, e, endpoint.as_ref())
            }
            Self::Api(api) => yoti_internal::retry::is_retryable_answer(&classifier, api),
            _ => false,
        }
    }

    /// Whether the request was never sent (validation, local image check, configuration,
    /// signing, or a connect error).
    pub fn is_not_sent(&self) -> bool {
        match self {
            Self::Transport(e, _) => e.is_connect(),
            Self::Validation(_)
            | Self::ImageCheck(_)
            | Self::Config { .. }
            | Self::BaseUrl(_)
            | Self::Env(_)
            | Self::Signing(_) => true,
            Self::Api(_) | Self::Decode { .. } => false,
        }
    }

    pub(crate) fn from_http(error: yoti_http::Error) -> Self {
        Self::from_http_at(error, None)
    }

    /// A transport error of the request to `endpoint`.
    pub(crate) fn from_http_at(
        error: yoti_http::Error,
        endpoint: Option<yoti_http::Endpoint>,
    ) -> Self {
        match error {
            yoti_http::Error::Build(inner) => match inner.downcast::<yoti_auth::Error>() {
                Ok(auth) => Self::Signing(*auth),
                Err(other) => Self::Transport(yoti_http::Error::Build(other), endpoint),
            },
            other => Self::Transport(other, endpoint),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn api_errors_expose_status_code_and_retryability() {
        let api = |status: u16, code: &str| {
            Error::Api(Box::new(ApiError::new(
                StatusCode::from_u16(status).unwrap(),
                b"",
                Some(AgeErrorCode::from(code)),
                None,
                vec![],
            )))
        };
        let e = api(400, "FACE_NOT_FOUND");
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(e.code(), Some(&AgeErrorCode::FaceNotFound));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("FACE_NOT_FOUND"));
        assert!(api(503, "SERVICE_UNAVAILABLE").is_retryable());
        assert!(!api(500, "FAIL_PREDICTION").is_retryable());
        assert!(!api(500, "UNSPECIFIED_ERROR").is_retryable());
        assert!(api(502, "SOMETHING_NEW").is_retryable());
    }

    #[test]
    fn image_checks_carry_the_service_code_and_say_nothing_was_sent() {
        let e = Error::from(ImageCheckError::new(AgeErrorCode::MaxWidth, "2001 px"));
        assert_eq!(e.code(), Some(&AgeErrorCode::MaxWidth));
        assert_eq!(e.status(), None);
        assert!(e.is_not_sent());
        assert!(e.to_string().contains("no request was sent"));
        assert!(e.source().unwrap().to_string().starts_with("MAX_WIDTH"));
    }

    #[test]
    fn signing_failures_are_told_apart_from_transport() {
        let e = Error::from_http(yoti_http::Error::Build(Box::new(yoti_auth::Error::Signing)));
        assert!(matches!(e, Error::Signing(yoti_auth::Error::Signing)));
        let e = Error::from_http(yoti_http::Error::Connect(Box::new(std::io::Error::other(
            "x",
        ))));
        assert!(e.is_retryable() && e.is_not_sent());
    }
}
