#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod endpoint;
mod error;
mod retry;
mod webhook;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_SCOPES, ENV_BASE_URL, ENV_TOKEN_URL, PoaClient, PoaClientBuilder,
    VerifyOutcome,
};
pub use endpoint::{DEFAULT_TOKEN_URL, HttpTokenEndpoint, TOKEN_PATH};
pub use error::{ApiError, Error};
pub use retry::PoaRetry;

/// A call to the Proof of Age service, ready to run: `.await` it. The one
/// [`Call`](yoti_internal::Call) of every service client, with the PoA [`Error`]: per-call
/// options `with_timeout`, `with_read_timeout`, `with_retry`.
pub type Call<T> = yoti_internal::Call<T, Error>;
pub use webhook::{WebhookEvent, WebhookVerifier};
/// Error details that appear in [`Error`] (re-exported so that applications never need the
/// internal crate that defines them).
pub use yoti_internal::{DecodeError, EnvError};

/// Now, as a `scanned_at` timestamp (RFC 3339, UTC): for a QR code scanned just now.
pub fn timestamp_now() -> yoti_types::Timestamp {
    timestamp(std::time::SystemTime::now())
}

/// A point in time as an RFC 3339 timestamp (UTC, whole seconds), e.g. a token's
/// [`expires_at`](BearerToken::expires_at).
pub fn timestamp(at: std::time::SystemTime) -> yoti_types::Timestamp {
    let at = time::OffsetDateTime::from(at);
    yoti_types::Timestamp::from_offset_date_time(at.replace_nanosecond(0).unwrap_or(at))
}

/// The bearer token types of `yoti-auth`, for convenience.
pub use yoti_auth::{BearerToken, TokenProvider};
/// The Proof of Age models of `yoti-types`: queries, results, tokens and error codes (every
/// service crate names its models `models`).
pub use yoti_types::poa as models;
