//! [`ApiError`]: the one shape of a service's error answer.

use std::fmt;

use http::StatusCode;

/// A field error of an error answer, for a service whose body has none of its own shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FieldError {
    /// The offending property (a JSON path).
    pub property: Option<String>,
    /// What is wrong.
    pub message: Option<String>,
}

/// An error answer of a Yoti service, the same for IDV, Age Estimation and Proof of Age:
/// the HTTP status, the service's error code (`C`, its code enum), message and field errors
/// (`F`) when the body had them, and the body as received.
///
/// Each service crate's `Error::Api` holds one; ask the service error's `status()`, `code()`,
/// `message()`, `field_errors()` and `body()` rather than matching on it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError<C, F = FieldError> {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's error code, if the body had one.
    pub code: Option<C>,
    /// The service's message, if the body had one.
    pub message: Option<String>,
    /// The field errors, if the body had any.
    pub field_errors: Vec<F>,
    /// The body as received (lossy UTF-8).
    pub body: String,
    /// The request answered (method and path), when known: what the service's retry
    /// classifier is asked about, by the transport and again by `is_retryable()`.
    pub endpoint: Option<yoti_http::Endpoint>,
}

impl<C, F> ApiError<C, F> {
    /// An error answer: `status` and the raw `body`, with what the service parsed from it.
    pub fn new(
        status: StatusCode,
        body: &[u8],
        code: Option<C>,
        message: Option<String>,
        field_errors: Vec<F>,
    ) -> Self {
        Self {
            status,
            code,
            message,
            field_errors,
            body: String::from_utf8_lossy(body).into_owned(),
            endpoint: None,
        }
    }

    /// The same error, answering the request `endpoint`.
    #[must_use]
    pub fn at(mut self, endpoint: Option<yoti_http::Endpoint>) -> Self {
        self.endpoint = endpoint;
        self
    }
}

impl<C: fmt::Display, F> fmt::Display for ApiError<C, F> {
    /// `the service answered 400 Bad Request PAYLOAD_VALIDATION: the message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl<C: fmt::Display + fmt::Debug, F: fmt::Debug> std::error::Error for ApiError<C, F> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_status_code_and_message() {
        let e = ApiError::<&str>::new(
            StatusCode::BAD_REQUEST,
            b"{}",
            Some("CODE"),
            Some("why".into()),
            vec![],
        );
        assert_eq!(
            e.to_string(),
            "the service answered 400 Bad Request CODE: why"
        );
        let e = ApiError::<&str>::new(StatusCode::BAD_GATEWAY, b"<html>", None, None, vec![]);
        assert_eq!(e.to_string(), "the service answered 502 Bad Gateway");
        assert_eq!(e.body, "<html>");
    }
}
