//! Client session tokens (`X-Yoti-Auth-Token`): the end user's credential for one session.

use std::fmt;

use http::{HeaderMap, HeaderValue};
use yoti_types::SecretString;

use crate::{Error, headers};

/// A client session token, as answered by session creation.
///
/// It authenticates the client endpoints of one session (no signature). `Debug` prints
/// `[redacted]`; the string is zeroized on drop; comparisons are constant-time.
#[derive(Clone)]
pub struct ClientSessionToken(SecretString);

impl fmt::Debug for ClientSessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSessionToken([redacted])")
    }
}

impl ClientSessionToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::new(token))
    }

    /// The token itself. Call sites are easy to audit: nothing else reveals it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The `X-Yoti-Auth-Token` header value, marked sensitive.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the token has characters not allowed in a header.
    pub fn header_value(&self) -> Result<HeaderValue, Error> {
        let mut value =
            HeaderValue::try_from(self.0.expose_secret()).map_err(|_| Error::InvalidRequest {
                reason: "the client session token has characters not allowed in a header".into(),
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Adds the `X-Yoti-Auth-Token` header to `headers`.
    ///
    /// # Errors
    /// As [`header_value`](Self::header_value).
    pub fn apply(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(headers::AUTH_TOKEN, self.header_value()?);
        Ok(())
    }

    /// Constant-time comparison with a presented token.
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.expose_secret().as_bytes(), presented.as_bytes())
    }

    /// Reads the token presented in a request's `X-Yoti-Auth-Token` header, if any.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get(headers::AUTH_TOKEN)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(Self::new)
    }
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}
