//! The crate's one error type.

use std::time::Duration;

use http::StatusCode;
use yoti_types::idv::{IdvErrorBody, IdvErrorCode, IdvFieldError, SessionId, SessionState};

use crate::notification::NotificationError;

/// An IDV error answer: the shared [`yoti_internal::ApiError`], with IDV's string codes and
/// field errors.
pub type ApiError = yoti_internal::ApiError<IdvErrorCode, IdvFieldError>;

/// Everything a call of this crate can fail with.
///
/// Underlying errors stay in the [`source`](std::error::Error::source) chain. Ask
/// [`status`](Self::status), [`code`](Self::code), [`field_errors`](Self::field_errors) and
/// [`is_retryable`](Self::is_retryable) rather than reading messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a rule of the API (a session specification the service would refuse,
    /// an empty id, an image that is neither JPEG nor PNG, ...). Nothing was sent.
    #[error("invalid request")]
    Validation(#[from] yoti_types::ValidationError),

    /// The client is not configured (missing SDK id or key, a value that cannot go in a
    /// header, ...).
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
    Env(#[source] Box<yoti_internal::EnvError>),

    /// Signing the request (or putting the client session token in it) failed. Nothing was
    /// sent.
    #[error("cannot sign the request")]
    Signing(#[source] Box<yoti_auth::Error>),

    /// The request could not be sent or its answer read: connect error, timeout (including a
    /// per-call [`with_timeout`](crate::Call::with_timeout)), connection lost, body too long.
    #[error("the request failed")]
    Transport(#[source] yoti_http::Error, Option<yoti_http::Endpoint>),

    /// The service answered an error status: status, code, message, field errors and raw
    /// body (the shape every service shares). Boxed: it is large.
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

    /// [`wait_for_completion`](crate::IdvClient::wait_for_completion) reached its deadline
    /// before the session was `COMPLETED` or `EXPIRED`.
    #[error(
        "session {session_id} is still {} after waiting {waited:?}",
        last_state.as_ref().map_or("in an unknown state", |s| s.as_str())
    )]
    WaitTimeout {
        /// The session waited for.
        session_id: SessionId,
        /// How long it waited.
        waited: Duration,
        /// The state seen at the last poll, if any poll answered.
        last_state: Option<SessionState>,
    },

    /// Writing downloaded media failed ([`MediaStream::copy_to`](crate::MediaStream::copy_to)).
    #[error("cannot write the media")]
    Io(#[source] std::io::Error),

    /// A notification was refused by a
    /// [`NotificationVerifier`](crate::notification::NotificationVerifier).
    #[error("notification refused")]
    Notification(#[from] NotificationError),
}

impl From<yoti_http::Error> for Error {
    /// A transport error; a request builder's signing failure as [`Error::Signing`].
    fn from(error: yoti_http::Error) -> Self {
        Self::from_http(error)
    }
}

impl From<yoti_internal::EnvError> for Error {
    fn from(error: yoti_internal::EnvError) -> Self {
        Self::Env(Box::new(error))
    }
}

impl Error {
    pub(crate) fn signing(error: yoti_auth::Error) -> Self {
        Self::Signing(Box::new(error))
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Yoti's error code, for an API error whose body had one, to match on a name
    /// (`err.code() == Some(&IdvErrorCode::SessionNotFound)`); a code this version does not
    /// know is `IdvErrorCode::Unknown`, keeping the string (`code.as_str()`).
    pub fn code(&self) -> Option<&IdvErrorCode> {
        match self {
            Self::Api(api) => api.code.as_ref(),
            _ => None,
        }
    }

    /// Yoti's error message, for an API error whose body had one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.message.as_deref(),
            _ => None,
        }
    }

    /// The field errors of an API error (`errors[]`); empty otherwise.
    pub fn field_errors(&self) -> &[IdvFieldError] {
        match self {
            Self::Api(api) => &api.field_errors,
            _ => &[],
        }
    }

    /// The raw body of an API error.
    pub fn body(&self) -> Option<&str> {
        match self {
            Self::Api(api) => Some(&api.body),
            _ => None,
        }
    }

    /// The API error as Yoti's error body (`{"code", "message", "errors"}`), for logging or
    /// relaying.
    pub fn api_error_body(&self) -> Option<IdvErrorBody> {
        match self {
            Self::Api(api) => Some({
                let mut model = IdvErrorBody::default();
                model.code = api.code.as_ref().map(|c| c.as_str().to_owned());
                model.message = api.message.clone();
                model.errors = api.field_errors.clone();
                model
            }),
            _ => None,
        }
    }

    /// Whether the answer was 404 (an unknown session, media, resource or application).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the same call may succeed later: a transient transport failure
    /// ([`yoti_http::Error::is_retryable`]) or a status 429, 502, 503 or 504. A wait that ran
    /// out of time is not: wait again with a longer deadline.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(e, endpoint) => {
                yoti_internal::retry::is_retryable_failure(&crate::IdvRetry, e, endpoint.as_ref())
            }
            Self::Api(api) => yoti_internal::retry::is_retryable_answer(&crate::IdvRetry, api),
            _ => false,
        }
    }

    /// Whether the request was never sent (validation, configuration, signing, or a connect
    /// error).
    pub fn is_not_sent(&self) -> bool {
        match self {
            Self::Transport(e, _) => e.is_connect(),
            Self::Validation(_)
            | Self::Config { .. }
            | Self::BaseUrl(_)
            | Self::Env(_)
            | Self::Signing(_) => true,
            _ => false,
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
                Ok(auth) => Self::Signing(auth),
                Err(other) => Self::Transport(yoti_http::Error::Build(other), endpoint),
            },
            other => Self::Transport(other, endpoint),
        }
    }

    /// An API error from an answer's status and body (parsed leniently).
    #[cfg(test)]
    pub(crate) fn api(status: StatusCode, body: &[u8]) -> Self {
        Self::api_at(status, body, None)
    }

    /// An error answer to the request `endpoint`.
    pub(crate) fn api_at(
        status: StatusCode,
        body: &[u8],
        endpoint: Option<yoti_http::Endpoint>,
    ) -> Self {
        let parsed: IdvErrorBody = serde_json::from_slice(body).unwrap_or_default();
        Self::Api(Box::new(
            ApiError::new(
                status,
                body,
                parsed.code.map(IdvErrorCode::from),
                parsed.message,
                parsed.errors,
            )
            .at(endpoint),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn api_errors_carry_status_code_message_field_errors_and_body() {
        let body = concat!(
            r#"{"code":"PAYLOAD_VALIDATION","message":"bad","#,
            r#""errors":[{"property":"resources_ttl","message":"too small"}]}"#
        )
        .as_bytes();
        let e = Error::api(StatusCode::BAD_REQUEST, body);
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(e.code().map(|c| c.as_str()), Some("PAYLOAD_VALIDATION"));
        assert_eq!(e.message(), Some("bad"));
        assert_eq!(
            e.field_errors()[0].property.as_deref(),
            Some("resources_ttl")
        );
        assert_eq!(e.body(), Some(std::str::from_utf8(body).unwrap()));
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "the service answered 400 Bad Request PAYLOAD_VALIDATION: bad"
        );
        let relayed = e.api_error_body().unwrap();
        assert_eq!(relayed.errors.len(), 1);
    }

    #[test]
    fn a_body_that_is_not_json_is_kept_raw() {
        let e = Error::api(StatusCode::SERVICE_UNAVAILABLE, b"<html>busy</html>");
        assert_eq!(e.code(), None);
        assert_eq!(e.body(), Some("<html>busy</html>"));
        assert!(e.is_retryable());
        assert!(!e.is_not_sent());
    }

    #[test]
    fn the_error_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn signing_failures_are_told_apart_from_transport() {
        let e = Error::from_http(yoti_http::Error::Build(Box::new(yoti_auth::Error::Signing)));
        assert!(matches!(&e, Error::Signing(s) if matches!(**s, yoti_auth::Error::Signing)));
        assert!(e.is_not_sent());
        let e = Error::from_http(yoti_http::Error::Connect(Box::new(std::io::Error::other(
            "refused",
        ))));
        assert!(e.is_retryable() && e.is_not_sent());
        let io = e.source().unwrap().source().unwrap();
        assert!(io.downcast_ref::<std::io::Error>().is_some());
    }
}
