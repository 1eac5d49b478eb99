//! Receiving IDV notifications: checking that Yoti sent them, and reading what they say.
//!
//! Yoti POSTs `{"session_id", "topic", "task_id"?, "resource_id"?, "check_id"?}` to the
//! session's `notifications.endpoint`, with the `auth_token` of the session specification in
//! the `Authorization` header: `Basic base64(auth_token)` (the default) or
//! `Bearer auth_token`. A [`NotificationVerifier`] holds the token you configured; its
//! [`verify`](NotificationVerifier::verify) compares the header in constant time and parses
//! the body into an [`Event`].
//!
//! ```
//! use yoti_idv::notification::{Event, NotificationVerifier};
//!
//! let verifier = NotificationVerifier::basic("my-notification-token");
//! let mut headers = http::HeaderMap::new();
//! headers.insert(
//!     http::header::AUTHORIZATION,
//!     verifier.expected_authorization().parse()?,
//! );
//! let body = br#"{"session_id":"abc","topic":"check_completion","check_id":"c1"}"#;
//! match verifier.verify(&headers, body)? {
//!     Event::CheckCompletion { session_id, check_id } => {
//!         assert_eq!(session_id.as_str(), "abc");
//!         assert_eq!(check_id.unwrap().as_str(), "c1");
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Mounting it in an axum handler: see `examples/idv_notifications.rs` in the repository.

use std::fmt;

use base64::Engine as _;
use http::HeaderMap;
use http::header::AUTHORIZATION;
use yoti_types::idv::spec::NotificationAuthType;
use yoti_types::idv::{
    CheckId, Notification, NotificationConfig, ResourceId, SessionId, TaskId, WebhookTopic,
};

use crate::Error;

/// Why a notification was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// No `Authorization` header (or one that is not visible ASCII).
    #[error("the notification has no Authorization header")]
    MissingAuthorization,
    /// The `Authorization` header does not carry the configured token with the configured
    /// scheme.
    #[error("the notification's Authorization header does not match the configured token")]
    WrongAuthorization,
    /// The body is not a notification.
    #[error("the notification body is not valid")]
    Body(#[source] yoti_internal::DecodeError),
}

impl NotificationError {
    /// The status a receiver should answer: 401 for an authorization failure, 400 for a bad
    /// body.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::MissingAuthorization | Self::WrongAuthorization => http::StatusCode::UNAUTHORIZED,
            Self::Body(_) => http::StatusCode::BAD_REQUEST,
        }
    }
}

/// Checks and parses the notifications Yoti sends for sessions created with a
/// `notifications.auth_token`.
///
/// `Debug` never shows the token; it is zeroized on drop.
#[derive(Clone)]
pub struct NotificationVerifier {
    scheme: &'static str,
    credentials: yoti_types::SecretString,
}

impl fmt::Debug for NotificationVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationVerifier")
            .field("scheme", &self.scheme)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl NotificationVerifier {
    /// A verifier for `auth_type` (`BASIC` when `None`, as Yoti defaults) and `auth_token`.
    /// An auth type this version does not know is treated as `BASIC`.
    pub fn new(auth_token: &str, auth_type: Option<&NotificationAuthType>) -> Self {
        match auth_type {
            Some(NotificationAuthType::Bearer) => Self::bearer(auth_token),
            _ => Self::basic(auth_token),
        }
    }

    /// `Authorization: Basic base64(auth_token)`.
    pub fn basic(auth_token: &str) -> Self {
        Self {
            scheme: "Basic",
            credentials: yoti_types::SecretString::new(
                base64::engine::general_purpose::STANDARD.encode(auth_token),
            ),
        }
    }

    /// `Authorization: Bearer auth_token`.
    pub fn bearer(auth_token: &str) -> Self {
        Self {
            scheme: "Bearer",
            credentials: yoti_types::SecretString::new(auth_token),
        }
    }

    /// The verifier for the notifications of a session specification's `notifications`.
    ///
    /// # Errors
    /// [`Error::Config`] when it has no `auth_token` (Yoti then sends no `Authorization`,
    /// and notifications cannot be told from anyone else's requests).
    pub fn from_config(config: &NotificationConfig) -> Result<Self, Error> {
        let token = config.auth_token.as_ref().ok_or_else(|| Error::Config {
            reason: "the notification configuration has no auth_token".into(),
        })?;
        Ok(Self::new(token.expose_secret(), config.auth_type.as_ref()))
    }

    /// The `Authorization` value Yoti sends (a secret: for tests and tools).
    pub fn expected_authorization(&self) -> String {
        format!("{} {}", self.scheme, self.credentials.expose_secret())
    }

    /// Checks the `Authorization` header (scheme case-insensitive, credentials compared in
    /// constant time) and parses the body.
    ///
    /// # Errors
    /// [`Error::Notification`]: [`NotificationError::MissingAuthorization`],
    /// [`NotificationError::WrongAuthorization`] or [`NotificationError::Body`] (see
    /// [`NotificationError::status`] for what to answer).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
        self.check_authorization(headers)?;
        let notification: Notification =
            yoti_internal::decode(body).map_err(NotificationError::Body)?;
        Ok(Event::from(notification))
    }

    /// [`verify`](Self::verify) for an `http::Request` whose body was read whole (Proof of
    /// Age's `WebhookVerifier::verify_request` has the same shape).
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<Event, Error> {
        self.verify(request.headers(), request.body().as_ref())
    }

    fn check_authorization(&self, headers: &HeaderMap) -> Result<(), NotificationError> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let value = values
            .next()
            .and_then(|v| v.to_str().ok())
            .ok_or(NotificationError::MissingAuthorization)?;
        if values.next().is_some() {
            return Err(NotificationError::WrongAuthorization);
        }
        let (scheme, credentials) = value
            .trim()
            .split_once(' ')
            .ok_or(NotificationError::WrongAuthorization)?;
        let scheme_ok = scheme.eq_ignore_ascii_case(self.scheme);
        // Compared whatever the scheme, so that the time taken says nothing of the token.
        let credentials_ok = yoti_auth::constant_time_eq(
            self.credentials.expose_secret().as_bytes(),
            credentials.trim().as_bytes(),
        );
        if scheme_ok && credentials_ok {
            Ok(())
        } else {
            Err(NotificationError::WrongAuthorization)
        }
    }
}

/// A notification, by topic. Topics this version does not know are kept whole in
/// [`Event::Other`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `resource_update`: a resource was created or updated.
    ResourceUpdate {
        /// The session.
        session_id: SessionId,
        /// The resource, when the body names it.
        resource_id: Option<ResourceId>,
    },
    /// `task_completion`: a task finished.
    TaskCompletion {
        /// The session.
        session_id: SessionId,
        /// The task, when the body names it.
        task_id: Option<TaskId>,
    },
    /// `check_completion`: a check finished.
    CheckCompletion {
        /// The session.
        session_id: SessionId,
        /// The check, when the body names it.
        check_id: Option<CheckId>,
    },
    /// `session_completion`: every check is done; fetch the session.
    SessionCompletion {
        /// The session.
        session_id: SessionId,
    },
    /// `client_session_token_deleted`: the client session token was deleted (checks
    /// triggered, or the token expired).
    ClientSessionTokenDeleted {
        /// The session.
        session_id: SessionId,
    },
    /// Any other topic (`new_pdf_supplied`, `instructions_email_requested`,
    /// `thank_you_email_requested`, or one this version does not know), kept whole.
    Other(Notification),
}

impl Event {
    /// The session the notification is about.
    pub fn session_id(&self) -> &SessionId {
        match self {
            Self::ResourceUpdate { session_id, .. }
            | Self::TaskCompletion { session_id, .. }
            | Self::CheckCompletion { session_id, .. }
            | Self::SessionCompletion { session_id }
            | Self::ClientSessionTokenDeleted { session_id } => session_id,
            Self::Other(n) => &n.session_id,
        }
    }

    /// The topic, as the body wrote it.
    pub fn topic(&self) -> WebhookTopic {
        match self {
            Self::ResourceUpdate { .. } => WebhookTopic::ResourceUpdate,
            Self::TaskCompletion { .. } => WebhookTopic::TaskCompletion,
            Self::CheckCompletion { .. } => WebhookTopic::CheckCompletion,
            Self::SessionCompletion { .. } => WebhookTopic::SessionCompletion,
            Self::ClientSessionTokenDeleted { .. } => WebhookTopic::ClientSessionTokenDeleted,
            Self::Other(n) => n.topic.clone(),
        }
    }
}

impl From<Notification> for Event {
    fn from(n: Notification) -> Self {
        match n.topic {
            WebhookTopic::ResourceUpdate => Self::ResourceUpdate {
                session_id: n.session_id,
                resource_id: n.resource_id,
            },
            WebhookTopic::TaskCompletion => Self::TaskCompletion {
                session_id: n.session_id,
                task_id: n.task_id,
            },
            WebhookTopic::CheckCompletion => Self::CheckCompletion {
                session_id: n.session_id,
                check_id: n.check_id,
            },
            WebhookTopic::SessionCompletion => Self::SessionCompletion {
                session_id: n.session_id,
            },
            WebhookTopic::ClientSessionTokenDeleted => Self::ClientSessionTokenDeleted {
                session_id: n.session_id,
            },
            _ => Self::Other(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    const BODY: &[u8] = br#"{"session_id":"s1","topic":"session_completion"}"#;

    fn refused(r: Result<Event, Error>) -> NotificationError {
        match r {
            Err(Error::Notification(e)) => e,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn basic_tokens_are_base64_and_checked() {
        let v = NotificationVerifier::basic("tok");
        assert_eq!(v.expected_authorization(), "Basic dG9r");
        let event = v.verify(&headers("Basic dG9r"), BODY).unwrap();
        assert_eq!(
            event,
            Event::SessionCompletion {
                session_id: "s1".into()
            }
        );
        assert!(v.verify(&headers("basic dG9r"), BODY).is_ok());
        assert!(
            v.verify(&headers("Basic  dG9r "), BODY).is_ok(),
            "whitespace is not content"
        );
        for wrong in [
            "Basic dG9s",
            "Basic tok",
            "Bearer dG9r",
            "Basic",
            "dG9r",
            "Basic dG9rdG9r",
        ] {
            let e = refused(v.verify(&headers(wrong), BODY));
            assert!(
                matches!(e, NotificationError::WrongAuthorization),
                "{wrong:?}"
            );
            assert_eq!(e.status(), http::StatusCode::UNAUTHORIZED);
        }
        let e = refused(v.verify(&HeaderMap::new(), BODY));
        assert!(matches!(e, NotificationError::MissingAuthorization));
    }

    #[test]
    fn bearer_tokens_are_sent_as_they_are() {
        let v = NotificationVerifier::new("tok", Some(&NotificationAuthType::Bearer));
        assert!(v.verify(&headers("Bearer tok"), BODY).is_ok());
        assert!(v.verify(&headers("Basic dG9r"), BODY).is_err());
        let config = NotificationConfig::new("https://x")
            .auth_token("tok")
            .auth_type(NotificationAuthType::Bearer);
        let v = NotificationVerifier::from_config(&config).unwrap();
        assert_eq!(v.expected_authorization(), "Bearer tok");
        assert!(NotificationVerifier::from_config(&NotificationConfig::new("https://x")).is_err());
        assert!(!format!("{v:?}").contains("tok\""));
    }

    #[test]
    fn whole_requests_are_verified_like_their_parts() {
        let v = NotificationVerifier::bearer("t");
        let request = http::Request::post("/yoti")
            .header(AUTHORIZATION, "Bearer t")
            .body(BODY.to_vec())
            .unwrap();
        assert_eq!(
            v.verify_request(&request).unwrap(),
            v.verify(request.headers(), BODY).unwrap()
        );
        let forged = http::Request::post("/yoti")
            .header(AUTHORIZATION, "Bearer guess")
            .body(BODY)
            .unwrap();
        assert!(v.verify_request(&forged).is_err());
    }

    #[test]
    fn bodies_are_typed_and_unknown_topics_kept() {
        let v = NotificationVerifier::bearer("t");
        let h = headers("Bearer t");
        let e = v
            .verify(
                &h,
                br#"{"session_id":"s","topic":"task_completion","task_id":"t1"}"#,
            )
            .unwrap();
        assert_eq!(
            e,
            Event::TaskCompletion {
                session_id: "s".into(),
                task_id: Some("t1".into())
            }
        );
        let e = v
            .verify(&h, br#"{"session_id":"s","topic":"brand_new_topic","x":1}"#)
            .unwrap();
        assert_eq!(e.topic().as_str(), "brand_new_topic");
        assert_eq!(e.session_id().as_str(), "s");
        let Event::Other(n) = e else {
            panic!("kept whole")
        };
        assert_eq!(n.extra["x"], 1);

        let err = refused(v.verify(&h, br#"{"topic":"session_completion"}"#));
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
        // The token is checked before the body is even read.
        let err = refused(v.verify(&headers("Bearer x"), b"not json"));
        assert!(matches!(err, NotificationError::WrongAuthorization));
    }
}
