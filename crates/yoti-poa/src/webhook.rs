//! Receiving the result notification (the webhook) of a verify query answered 202.

use std::fmt;

use http::{HeaderMap, Method, Uri};
use yoti_types::poa::{Notification, PoaResult, VerificationId};

use crate::Error;

/// What a result notification carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A notification with a body (`POST`, the service's default): the final result, the
    /// same value [`PoaClient::get_result`](crate::PoaClient::get_result) answers.
    Result(Box<PoaResult>),
    /// A notification without a body (`GET`): the result is ready, fetch it with
    /// [`PoaClient::get_result`](crate::PoaClient::get_result). The identifier comes from
    /// the `id` query parameter.
    Ready(VerificationId),
}

impl WebhookEvent {
    /// The verification the notification is about.
    pub fn id(&self) -> &VerificationId {
        match self {
            Self::Result(result) => &result.id,
            Self::Ready(id) => id,
        }
    }
}

/// Checks and parses result notifications in a webhook handler, whatever the HTTP server.
///
/// The service sends the notification with the headers configured in the query's
/// [`Notification`]; those are the only way to tell it from a forged call, so the receiver
/// refuses a notification unless each expected header has exactly the expected value
/// (compared in constant time). `Debug` never prints the expected values.
///
/// ```
/// use http::{HeaderMap, Method, Uri};
/// use yoti_poa::{WebhookEvent, WebhookVerifier};
/// use yoti_types::poa::Notification;
///
/// let notification = Notification::new("https://example.com/poa")
///     .set_header("X-Webhook-Secret", "s3cret");
/// let receiver = WebhookVerifier::for_notification(&notification);
///
/// let mut headers = HeaderMap::new();
/// headers.insert("x-webhook-secret", "s3cret".parse().unwrap());
/// let body = br#"{"id": "Yzt0sbVOSauDWPwMQvumjQ", "status": "FAILURE",
///                 "failure": {"reason": "USER_DID_NOT_CONSENT"}}"#;
/// let event = receiver.verify(&Method::POST, &Uri::from_static("/poa"), &headers, body)?;
/// assert_eq!(event.id().as_str(), "Yzt0sbVOSauDWPwMQvumjQ");
///
/// headers.insert("x-webhook-secret", "guess".parse().unwrap());
/// assert!(receiver.verify(&Method::POST, &Uri::from_static("/poa"), &headers, body).is_err());
/// # Ok::<(), yoti_poa::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct WebhookVerifier {
    expected: Vec<(String, String)>,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field(
                "expected_headers",
                &self
                    .expected
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl WebhookVerifier {
    /// A receiver that expects no header (add them with
    /// [`expect_header`](Self::expect_header)).
    pub fn new() -> Self {
        Self::default()
    }

    /// A receiver that expects every header configured in `notification`.
    pub fn for_notification(notification: &Notification) -> Self {
        notification
            .headers
            .iter()
            .fold(Self::new(), |receiver, (name, value)| {
                receiver.expect_header(name, value.clone())
            })
    }

    /// Expects header `name` (case-insensitive) with exactly `value`.
    #[must_use]
    pub fn expect_header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.expected
            .push((name.as_ref().to_ascii_lowercase(), value.into()));
        self
    }

    /// Checks that every expected header is there with its value.
    ///
    /// # Errors
    /// [`Error::WebhookHeader`] naming the first header missing or wrong.
    pub fn check_headers(&self, headers: &HeaderMap) -> Result<(), Error> {
        for (name, expected) in &self.expected {
            let Some(value) = headers.get(name.as_str()) else {
                return Err(Error::WebhookHeader {
                    name: name.clone(),
                    missing: true,
                });
            };
            if !yoti_auth::constant_time_eq(value.as_bytes(), expected.as_bytes()) {
                return Err(Error::WebhookHeader {
                    name: name.clone(),
                    missing: false,
                });
            }
        }
        Ok(())
    }

    /// Checks the headers, then reads the notification: a body is the result (whatever the
    /// method); a `GET` without a body names the result in its `id` query parameter.
    ///
    /// # Errors
    /// [`Error::WebhookHeader`] for a missing or wrong header, [`Error::WebhookBody`] for a
    /// body that is not a result (with the JSON path) or a `GET` without `id`.
    pub fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, Error> {
        self.check_headers(headers)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            if *method != Method::GET {
                return Err(Error::WebhookBody {
                    reason: format!("a {method} notification without a body").into(),
                    source: None,
                });
            }
            let id = uri
                .query()
                .and_then(|query| yoti_auth::query_param(query, "id"))
                .filter(|id| !id.is_empty())
                .ok_or(Error::WebhookBody {
                    reason: "a GET notification without an `id` query parameter".into(),
                    source: None,
                })?;
            return Ok(WebhookEvent::Ready(VerificationId::new(id.into_owned())));
        }
        yoti_internal::decode::<PoaResult>(body)
            .map(|result| WebhookEvent::Result(Box::new(result)))
            .map_err(|source| Error::WebhookBody {
                reason: "the body is not a result".into(),
                source: Some(source),
            })
    }

    /// [`verify`](Self::verify) for an `http::Request` whose body was read whole (IDV's
    /// `NotificationVerifier::verify_request` has the same shape).
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<WebhookEvent, Error> {
        self.verify(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
        )
    }
}
