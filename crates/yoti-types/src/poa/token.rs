//! The OAuth token endpoint (`POST https://auth.api.yoti.com/v1/oauth/token`) that issues the
//! bearer tokens of the Proof of Age API.
//!
//! Secrets (the client assertion, the access token) live in newtypes whose `Debug` prints
//! `[redacted]` and which have no `Display`: read them with `expose_secret()`.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ValidationError;

/// The only `grant_type` the token endpoint takes.
pub const GRANT_TYPE_CLIENT_CREDENTIALS: &str = "client_credentials";

/// The only `client_assertion_type` the token endpoint takes (RFC 7523).
pub const CLIENT_ASSERTION_TYPE_JWT_BEARER: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Declares a newtype over [`SecretString`](crate::SecretString): `Debug` prints
/// `[redacted]`, no `Display`, zeroized on drop.
macro_rules! secret_string {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        $vis struct $name(crate::SecretString);

        impl $name {
            /// Wraps a secret.
            pub fn new(secret: impl Into<String>) -> Self {
                Self(crate::SecretString::new(secret))
            }

            /// The secret itself: keep it out of logs.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(secret: String) -> Self {
                Self::new(secret)
            }
        }

        impl From<&str> for $name {
            fn from(secret: &str) -> Self {
                Self::new(secret)
            }
        }
    };
}

secret_string! {
    /// A signed JWT (PS384) that authenticates the application to the token endpoint
    /// (`client_assertion`). `Debug` prints `[redacted]`.
    pub struct ClientAssertion;
}

secret_string! {
    /// A bearer token for the Proof of Age API (`access_token`). `Debug` prints
    /// `[redacted]`.
    pub struct AccessToken;
}

open_enum! {
    /// The `token_type` of an issued token (case-insensitive per RFC 6749; common spellings
    /// are accepted and re-serialized as `Bearer`).
    pub enum TokenType {
        /// A bearer token, sent as `Authorization: Bearer <token>`.
        Bearer = "Bearer" | "bearer" | "BEARER",
    }
}

/// The form body of the token request (`application/x-www-form-urlencoded`).
///
/// `Serialize` gives the four form fields in order (for `serde_urlencoded` and the like);
/// [`to_form_pairs`](Self::to_form_pairs) and
/// [`to_form_urlencoded`](Self::to_form_urlencoded) give them without a serializer. `Debug`
/// redacts the assertion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenRequest {
    /// Always [`GRANT_TYPE_CLIENT_CREDENTIALS`].
    pub grant_type: String,
    /// Always [`CLIENT_ASSERTION_TYPE_JWT_BEARER`].
    pub client_assertion_type: String,
    /// The scopes asked for, separated by spaces.
    pub scope: String,
    /// The signed JWT.
    pub client_assertion: ClientAssertion,
}

impl TokenRequest {
    /// A client-credentials request for `scopes` (each a scope name), authenticated by
    /// `client_assertion`.
    pub fn new<S: AsRef<str>>(
        scopes: impl IntoIterator<Item = S>,
        client_assertion: impl Into<ClientAssertion>,
    ) -> Self {
        let scope = scopes
            .into_iter()
            .map(|scope| scope.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            grant_type: GRANT_TYPE_CLIENT_CREDENTIALS.to_owned(),
            client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER.to_owned(),
            scope,
            client_assertion: client_assertion.into(),
        }
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|scope| !scope.is_empty())
    }

    /// The form fields, in the order they are sent. The pairs hold the assertion in clear.
    pub fn to_form_pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("grant_type", &self.grant_type),
            ("client_assertion_type", &self.client_assertion_type),
            ("scope", &self.scope),
            ("client_assertion", self.client_assertion.expose_secret()),
        ]
    }

    /// The form body, `application/x-www-form-urlencoded` (the assertion in clear).
    pub fn to_form_urlencoded(&self) -> String {
        let mut out = String::new();
        for (index, (name, value)) in self.to_form_pairs().into_iter().enumerate() {
            if index > 0 {
                out.push('&');
            }
            form_encode_into(&mut out, name);
            out.push('=');
            form_encode_into(&mut out, value);
        }
        out
    }

    /// Checks what the token endpoint would refuse:
    ///
    /// - `grant_type` and `client_assertion_type` must be the constants above;
    /// - `scope` must hold at least one scope, each made of RFC 6749 scope characters;
    /// - `client_assertion` must look like a compact JWS (`header.payload.signature`).
    ///
    /// Errors never quote the assertion.
    ///
    /// # Errors
    /// The first rule broken, naming the field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.grant_type != GRANT_TYPE_CLIENT_CREDENTIALS {
            return Err(ValidationError::Pattern {
                field: "grant_type".into(),
                value: self.grant_type.clone(),
                pattern: GRANT_TYPE_CLIENT_CREDENTIALS.into(),
            });
        }
        if self.client_assertion_type != CLIENT_ASSERTION_TYPE_JWT_BEARER {
            return Err(ValidationError::Pattern {
                field: "client_assertion_type".into(),
                value: self.client_assertion_type.clone(),
                pattern: CLIENT_ASSERTION_TYPE_JWT_BEARER.into(),
            });
        }
        if self.scopes().next().is_none() {
            return Err(ValidationError::Empty {
                field: "scope".into(),
            });
        }
        if let Some(bad) = self.scope.split(' ').find(|scope| !is_scope_token(scope)) {
            return Err(ValidationError::Pattern {
                field: "scope".into(),
                value: bad.to_owned(),
                pattern: "space-separated scopes of printable ASCII, without '\"' or '\\'".into(),
            });
        }
        let assertion = self.client_assertion.expose_secret();
        if assertion.is_empty() {
            return Err(ValidationError::Empty {
                field: "client_assertion".into(),
            });
        }
        let parts: Vec<&str> = assertion.split('.').collect();
        let base64url = |part: &&str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        };
        if parts.len() != 3 || !parts.iter().all(base64url) {
            return Err(ValidationError::Invalid {
                field: "client_assertion".into(),
                reason: Cow::Borrowed("must be a compact JWS: three base64url parts joined by '.'"),
            });
        }
        Ok(())
    }
}

/// RFC 6749 `scope-token`: `%x21 / %x23-5B / %x5D-7E`, at least one.
fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Appends `value` encoded as `application/x-www-form-urlencoded` (WHATWG URL standard).
fn form_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
        }
    }
}

/// The token endpoint's answer: `{"access_token", "token_type", "expires_in", "scope"}`.
///
/// Tokens must be reused until near expiry (Yoti caps active tokens at 200 per application).
/// `Debug` redacts the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: AccessToken,
    /// The kind of token (`Bearer`).
    pub token_type: TokenType,
    /// How long the token is valid, in seconds from issue (RFC 6749 makes it optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// The scopes granted, separated by spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TokenResponse {
    /// A bearer token valid for `expires_in` seconds.
    pub fn new(access_token: impl Into<AccessToken>, expires_in: u64) -> Self {
        Self {
            access_token: access_token.into(),
            token_type: TokenType::Bearer,
            expires_in: Some(expires_in),
            scope: None,
            extra: Map::new(),
        }
    }

    /// Sets the scopes granted.
    #[must_use]
    pub fn set_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The scopes granted.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|scope| !scope.is_empty())
    }
}

open_enum! {
    /// The `error` code of an OAuth error answer (RFC 6749 section 5.2).
    pub enum OAuthErrorCode {
        /// The request is malformed (a parameter missing, repeated or unsupported).
        InvalidRequest = "invalid_request",
        /// Client authentication failed (bad assertion, unknown client).
        InvalidClient = "invalid_client",
        /// The grant is invalid, expired or revoked.
        InvalidGrant = "invalid_grant",
        /// The client may not use this grant type.
        UnauthorizedClient = "unauthorized_client",
        /// The grant type is not supported.
        UnsupportedGrantType = "unsupported_grant_type",
        /// A scope asked for is invalid, unknown or beyond what the client may have.
        InvalidScope = "invalid_scope",
    }
}

impl OAuthErrorCode {
    /// The HTTP status RFC 6749 gives this code (401 for `invalid_client`, 400 otherwise);
    /// `None` for a code this crate does not know.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::InvalidClient => Some(401),
            Self::Unknown(_) => None,
            _ => Some(400),
        }
    }
}

/// The token endpoint's error body: `{"error": "invalid_client", "error_description": ".."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthErrorBody {
    /// The error code.
    pub error: OAuthErrorCode,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// A page about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OAuthErrorBody {
    /// A body with `error` and no description.
    pub fn new(error: OAuthErrorCode) -> Self {
        Self {
            error,
            error_description: None,
            error_uri: None,
            extra: Map::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn set_error_description(mut self, description: impl Into<String>) -> Self {
        self.error_description = Some(description.into());
        self
    }
}

/// The claims of a client assertion: the JWT (`PS384`) an application signs with its key to
/// get a token (`private_key_jwt`, RFC 7523).
///
/// ```json
/// {"iss": "sdk:<SDK_ID>", "sub": "sdk:<SDK_ID>", "aud": "https://auth.api.yoti.com/v1/oauth/token",
///  "jti": "<fresh UUID>", "iat": 1751700000, "exp": 1751700300}
/// ```
///
/// Yoti's rules: `iss` and `sub` are both `sdk:` followed by the SDK id; `aud` is the full
/// URL of the token endpoint; `jti` is unique per assertion, 16 to 128 bytes; `exp` is at
/// most 30 minutes ahead. Times are seconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientAssertionClaims {
    /// The issuer: `sdk:<SDK_ID>`.
    pub iss: String,
    /// The subject: the same as `iss`.
    pub sub: String,
    /// The audience: the token endpoint's URL.
    pub aud: String,
    /// The assertion's unique identifier.
    pub jti: String,
    /// When the assertion was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// When the assertion stops being accepted.
    pub exp: u64,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ClientAssertionClaims {
    /// The prefix of `iss` and `sub` before the SDK id.
    pub const ISSUER_PREFIX: &'static str = "sdk:";
    /// The shortest `jti` accepted, in bytes.
    pub const MIN_JTI_BYTES: usize = 16;
    /// The longest `jti` accepted, in bytes.
    pub const MAX_JTI_BYTES: usize = 128;
    /// The longest lifetime Yoti accepts (`exp` at most this far ahead), in seconds.
    pub const MAX_LIFETIME_SECS: u64 = 30 * 60;

    /// Claims for application `sdk_id`, to the token endpoint `audience`, identified by
    /// `jti`, issued at `issued_at` and expiring at `expires_at` (seconds since the epoch).
    pub fn new(
        sdk_id: &str,
        audience: impl Into<String>,
        jti: impl Into<String>,
        issued_at: u64,
        expires_at: u64,
    ) -> Self {
        let issuer = Self::issuer_for(sdk_id);
        Self {
            sub: issuer.clone(),
            iss: issuer,
            aud: audience.into(),
            jti: jti.into(),
            iat: Some(issued_at),
            exp: expires_at,
            extra: Map::new(),
        }
    }

    /// `sdk:<sdk_id>`, the `iss` and `sub` of an application's assertions.
    pub fn issuer_for(sdk_id: &str) -> String {
        format!("{}{sdk_id}", Self::ISSUER_PREFIX)
    }

    /// The SDK id named by `iss`, when it has the `sdk:` form.
    pub fn sdk_id(&self) -> Option<&str> {
        self.iss
            .strip_prefix(Self::ISSUER_PREFIX)
            .filter(|id| !id.is_empty())
    }
}
