//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong when loading keys, signing or verifying.
///
/// Key-loading variants each say what to do; verification variants each map to one of
/// Yoti's 401 error codes through [`Error::yoti_code`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key file could not be read.
    #[error("cannot read the key file {path}: {source}")]
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
    /// A JWT or bearer-token operation failed.
    #[error("token error: {reason}")]
    Token {
        /// What went wrong.
        reason: String,
    },
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
