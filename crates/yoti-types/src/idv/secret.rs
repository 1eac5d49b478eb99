//! A string that must not end up in logs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A token, key or other secret string carried in a body (a notification `auth_token`, a
/// ComplyAdvantage `api_key`, a `client_session_token`).
///
/// It is sent and received unchanged, but its `Debug` output is `[redacted]` so that a model
/// printed with `{:?}` never leaks it. It has no `Display`; read it with
/// [`expose`](Self::expose).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, to put on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_but_the_wire_is_not() {
        let secret = SecretString::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(serde_json::to_string(&secret).unwrap(), r#""hunter2""#);
        assert_eq!(secret.expose(), "hunter2");
    }
}
