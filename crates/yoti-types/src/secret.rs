//! [`SecretString`]: the one type of every secret string in the SDK.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A token, key or other secret string: a notification `auth_token`, a ComplyAdvantage
/// `api_key`, a client session token, a bearer token, a client assertion.
///
/// It is sent and received unchanged, but its `Debug` output is `[redacted]` so that a model
/// printed with `{:?}` never leaks it, and its memory is zeroized when it is dropped. It has
/// no `Display`; read it with [`expose_secret`](Self::expose_secret), which keeps the places
/// that reveal it easy to find. Every secret newtype of the SDK (`ClientSessionToken`,
/// `AccessToken`, `ClientAssertion`) holds one.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself, to put on the wire. Keep it out of logs.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Hash for SecretString {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
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
        assert_eq!(secret.expose_secret(), "hunter2");
        let back: SecretString = serde_json::from_str(r#""hunter2""#).unwrap();
        assert_eq!(back, secret);
    }
}
