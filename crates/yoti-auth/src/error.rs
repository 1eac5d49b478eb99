//! The crate's one error type.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use yoti_types::poa::{OAuthErrorBody, OAuthErrorCode};

/// Everything that can go wrong when loading keys, signing or verifying.
///
/// Key-loading variants each say what to do; verification variants each map to one of
/// Yoti's 401 error codes through [`Error::yoti_code`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key file could not be read.
    #[error("cannot read the key file {path}")]
    ReadKeyFile {
        /// The path that was read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not PEM at all (no `-----BEGIN ...-----` line).
    #[error(
        "the key is not PEM: expected a `-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN PRIVATE KEY-----` block, as downloaded from Yoti Hub"
    )]
    NotPem,
    /// The PEM block is cut short: its END line or part of its body is missing.
    #[error("the PEM key is truncated ({detail}): copy the whole file, from BEGIN to END")]
    TruncatedPem {
        /// What was missing.
        detail: String,
    },
    /// The PEM body is not valid base64 or not a valid key structure.
    #[error("the PEM key is malformed ({detail}): download the key again from Yoti Hub")]
    MalformedKey {
        /// What the parser said.
        detail: String,
    },
    /// The private key is encrypted with a passphrase.
    #[error(
        "the private key is encrypted: decrypt it first, e.g. `openssl pkey -in key.pem -out key-plain.pem`"
    )]
    EncryptedKey,
    /// The key is not an RSA key (Yoti application keys are RSA).
    #[error(
        "the key is a {kind} key, but Yoti application keys are RSA: use the key from Yoti Hub"
    )]
    UnsupportedKeyType {
        /// The kind found, e.g. `EC`.
        kind: &'static str,
    },
    /// The PEM holds no private key (e.g. only a certificate or a public key).
    #[error(
        "expected a private key but found a {found} block: use the private key PEM from Yoti Hub"
    )]
    NotAPrivateKey {
        /// The PEM label found.
        found: String,
    },
    /// The PEM holds no public key where one was expected.
    #[error("expected a public or private RSA key but found a {found} block")]
    NotAPublicKey {
        /// The PEM label found.
        found: String,
    },
    /// The RSA key size is outside 2048..=4096 bits.
    #[error(
        "the RSA key is {bits} bits; Yoti accepts 2048 to 4096 bits: generate a new key in Yoti Hub"
    )]
    KeySize {
        /// The size found (0 when it could not be read).
        bits: usize,
    },
    /// The signing operation failed (should not happen with a valid key).
    #[error("signing failed")]
    Signing,
    /// The request to sign is not well formed.
    #[error("cannot build the request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// Verification: no `X-Yoti-Auth-Digest` header.
    #[error("the request has no X-Yoti-Auth-Digest header")]
    MissingDigest,
    /// Verification: the digest is not base64, or the signature does not match.
    #[error("the X-Yoti-Auth-Digest signature does not match the request")]
    BadSignature,
    /// Verification: the digest is not valid base64.
    #[error("the X-Yoti-Auth-Digest header is not valid base64")]
    MalformedDigest,
    /// Verification: no `nonce` query parameter.
    #[error("the request has no nonce query parameter")]
    MissingNonce,
    /// Verification: this nonce was already used within the window.
    #[error("the nonce was already used: every request needs a fresh nonce")]
    ReplayedNonce,
    /// Verification: no `timestamp` query parameter.
    #[error("the request has no timestamp query parameter")]
    MissingTimestamp,
    /// Verification: the timestamp is not a number.
    #[error("the timestamp query parameter is not a number of milliseconds")]
    MalformedTimestamp,
    /// Verification: the timestamp is outside the accepted window.
    #[error(
        "the timestamp is {skew_secs} s away from the server's clock (window: {window_secs} s): check the clock"
    )]
    StaleTimestamp {
        /// How far off the timestamp is, in seconds (positive: in the past).
        skew_secs: i64,
        /// The accepted window either way, in seconds.
        window_secs: u64,
    },

    // --- Client assertions (the PS384 JWT exchanged for a bearer token) ---
    /// The client assertion could not be encoded or signed (not expected with a valid key).
    #[error("cannot build the client assertion")]
    AssertionBuild(#[source] BoxError),
    /// Verification: the client assertion is not a well-formed JWT of the expected shape.
    #[error("the client assertion is not a well-formed JWT: {reason}")]
    AssertionMalformed {
        /// What is wrong.
        reason: Cow<'static, str>,
        /// The parser's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// Verification: the client assertion is not signed with `PS384`.
    #[error("the client assertion is signed with {found}, but only PS384 is accepted")]
    AssertionAlgorithm {
        /// The `alg` of its header.
        found: String,
    },
    /// Verification: the signature does not match the application's registered key (a forged
    /// assertion, or one signed with another application's key).
    #[error(
        "the client assertion's signature does not match the public key registered for {issuer}"
    )]
    AssertionSignature {
        /// The `iss` the assertion claims.
        issuer: String,
    },
    /// Verification: a claim is missing or has the wrong value.
    #[error("the client assertion's `{claim}` claim is wrong: {reason}")]
    AssertionClaim {
        /// The claim (`iss`, `sub`, `aud`, `jti`, `iat`, `exp`).
        claim: &'static str,
        /// What is wrong, without echoing the assertion.
        reason: Cow<'static, str>,
    },
    /// Verification: `exp` is past.
    #[error(
        "the client assertion expired {secs_ago} s ago: sign a fresh one for every token request"
    )]
    AssertionExpired {
        /// How long ago it expired, in seconds.
        secs_ago: u64,
    },
    /// Verification: `exp` is further ahead than the service accepts.
    #[error("the client assertion's `exp` is {secs} s ahead, but at most {max_secs} s is accepted")]
    AssertionLifetime {
        /// How far ahead `exp` is, in seconds.
        secs: u64,
        /// The most accepted, in seconds.
        max_secs: u64,
    },
    /// Verification: this `jti` was already used by the same issuer (a replayed assertion).
    #[error("the client assertion's `jti` was already used: every assertion needs a fresh `jti`")]
    AssertionReplayed,
    /// Verification: no application is registered with the SDK id the assertion names.
    #[error("no application is registered with the SDK id {sdk_id:?}")]
    UnknownClient {
        /// The SDK id named by `iss`.
        sdk_id: String,
    },

    // --- Bearer tokens (what a `TokenEndpoint` and the `TokenProvider` report) ---
    /// The token endpoint refused the request (a 4xx other than 429): retrying the same
    /// request will not help. The OAuth error body says why.
    #[error("the token endpoint refused the request with HTTP {status}{}", describe_oauth(body.as_deref()))]
    TokenRejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth error body, when the answer had one (boxed: it is large).
        body: Option<Box<OAuthErrorBody>>,
    },
    /// The token endpoint could not be reached (the request never left), or answered 429 or
    /// 5xx. A later attempt may succeed; the provider retries only when the request never
    /// left or the answer was 429, 502, 503 or 504 (the request was not acted upon).
    #[error("the token endpoint is unavailable{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    TokenUnavailable {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// The transport's error, when there was no answer.
        #[source]
        source: Option<BoxError>,
    },
    /// The token endpoint answered 200 with something that is not a usable bearer token.
    #[error("the token endpoint's answer is not a usable bearer token: {reason}")]
    TokenInvalidResponse {
        /// What is wrong.
        reason: Cow<'static, str>,
        /// The decoder's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// The token request may have reached the endpoint, but no complete answer came back (the
    /// connection dropped, the answer was cut short or stalled, or a time limit ran out).
    /// Never retried: the endpoint may have issued a token, and each attempt costs one of the
    /// application's active tokens.
    #[error("the token request was sent but no complete answer came back")]
    TokenInterrupted(#[source] BoxError),
    /// The token provider gave up getting a token. Shared by every caller that waited on the
    /// same refresh, hence the `Arc`; the cause is the source.
    #[error("could not get a bearer token ({attempts} attempt(s))")]
    TokenRefresh {
        /// The attempts made (each with a fresh client assertion).
        attempts: u32,
        /// The last attempt's error.
        #[source]
        source: Arc<Error>,
    },
}

/// A boxed error, as kept in the `source()` chain of [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

fn describe_oauth(body: Option<&OAuthErrorBody>) -> String {
    match body {
        Some(body) => match &body.error_description {
            Some(description) => format!(" ({}: {description})", body.error.as_str()),
            None => format!(" ({})", body.error.as_str()),
        },
        None => String::new(),
    }
}

impl Error {
    /// Yoti's error code for a verification failure, as the service answers it with 401.
    ///
    /// `None` for errors that are not about verifying a request.
    pub fn yoti_code(&self) -> Option<&'static str> {
        Some(match self {
            Self::MissingDigest => "INVALID_YOTI_AUTH_DIGEST",
            Self::MalformedDigest | Self::BadSignature => "INVALID_SIGNATURE",
            Self::MissingNonce | Self::ReplayedNonce => "INVALID_NONCE",
            Self::MissingTimestamp | Self::MalformedTimestamp | Self::StaleTimestamp { .. } => {
                "INVALID_TIMESTAMP"
            }
            _ => return None,
        })
    }

    /// The OAuth error code the token endpoint answers a refused client assertion with
    /// (`invalid_client`, HTTP 401, for every assertion failure); `None` for other errors.
    pub fn oauth_code(&self) -> Option<OAuthErrorCode> {
        match self {
            Self::AssertionMalformed { .. }
            | Self::AssertionAlgorithm { .. }
            | Self::AssertionSignature { .. }
            | Self::AssertionClaim { .. }
            | Self::AssertionExpired { .. }
            | Self::AssertionLifetime { .. }
            | Self::AssertionReplayed
            | Self::UnknownClient { .. } => Some(OAuthErrorCode::InvalidClient),
            _ => None,
        }
    }

    /// Whether a later attempt may succeed and is safe: the token endpoint could not be
    /// reached, or answered 429, 502, 503 or 504. A refused request or assertion is not
    /// retryable, nor a request that may have been acted upon (another 5xx, an
    /// [interrupted](Self::TokenInterrupted) answer).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::TokenUnavailable { status, .. } => {
                status.is_none_or(|s| matches!(s, 429 | 502 | 503 | 504))
            }
            Self::TokenRefresh { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// The token endpoint's OAuth error body, when it refused the request.
    pub fn oauth_error(&self) -> Option<&OAuthErrorBody> {
        match self {
            Self::TokenRejected { body, .. } => body.as_deref(),
            Self::TokenRefresh { source, .. } => source.oauth_error(),
            _ => None,
        }
    }

    /// The token endpoint's HTTP status, when it answered with an error.
    pub fn token_status(&self) -> Option<u16> {
        match self {
            Self::TokenRejected { status, .. } => Some(*status),
            Self::TokenUnavailable { status, .. } => *status,
            Self::TokenRefresh { source, .. } => source.token_status(),
            _ => None,
        }
    }

    /// Whether this error is about the key material (loading or its size or type).
    pub fn is_key_error(&self) -> bool {
        matches!(
            self,
            Self::ReadKeyFile { .. }
                | Self::NotPem
                | Self::TruncatedPem { .. }
                | Self::MalformedKey { .. }
                | Self::EncryptedKey
                | Self::UnsupportedKeyType { .. }
                | Self::NotAPrivateKey { .. }
                | Self::NotAPublicKey { .. }
                | Self::KeySize { .. }
        )
    }
}
