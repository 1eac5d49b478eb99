#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod assertion;
mod bearer;
mod error;
mod key;
mod sign;
mod token;
mod verify;

pub use assertion::{
    AssertionSigner, AssertionVerifier, DEFAULT_ASSERTION_LIFETIME, MAX_ASSERTION_LIFETIME,
    VerifiedAssertion,
};
pub use bearer::{BearerToken, BoxFuture, TokenEndpoint, TokenProvider, TokenProviderBuilder};
pub use error::{BoxError, Error};
pub use key::{MAX_KEY_BITS, MIN_KEY_BITS, PrivateKey, PublicKey};
pub use sign::{
    RequestSigner, SDK_VERSION, SdkIdPlacement, SignedRequestBuilder, apply_sdk_headers,
    encode_path_segment, string_to_sign,
};
pub use token::{ClientSessionToken, constant_time_eq};
pub use verify::{SignedParts, Verified, Verifier, query_param};

/// Header names used by Yoti's APIs (lower case, as `http` stores them).
pub mod headers {
    use http::HeaderName;

    /// `X-Yoti-Auth-Digest`: the request signature.
    pub const AUTH_DIGEST: HeaderName = HeaderName::from_static("x-yoti-auth-digest");
    /// `X-Yoti-Auth-Id`: the SDK id (Age Estimation).
    pub const AUTH_ID: HeaderName = HeaderName::from_static("x-yoti-auth-id");
    /// `X-Yoti-Auth-Token`: the client session token (IDV client endpoints).
    pub const AUTH_TOKEN: HeaderName = HeaderName::from_static("x-yoti-auth-token");
    /// `X-Yoti-SDK`: the SDK's language, `Rust`.
    pub const SDK: HeaderName = HeaderName::from_static("x-yoti-sdk");
    /// `X-Yoti-SDK-Version`: `Rust-<version>`.
    pub const SDK_VERSION: HeaderName = HeaderName::from_static("x-yoti-sdk-version");
}
