#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::PathBuf;

mod api;
mod call;
mod options;
pub mod retry;
mod span;

pub use api::{ApiError, FieldError};
pub use call::{BoxFuture, Call};
pub use options::{ClientOptions, MissingCredential};
#[doc(hidden)]
pub use span::__tracing;

/// What [`client_options_setters!`]'s setters name, for the crates that expand it.
#[doc(hidden)]
pub mod reexports {
    pub use yoti_auth::PrivateKey;
    pub use yoti_http::Transport;
}

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use yoti_auth::{PrivateKey, SignedRequestBuilder};
use yoti_http::Transport;

/// The environment variable naming the application's SDK id.
pub const ENV_SDK_ID: &str = "YOTI_CLIENT_SDK_ID";
/// The environment variable naming the application's private key PEM file.
pub const ENV_KEY_FILE: &str = "YOTI_KEY_FILE_PATH";

/// Why configuration from the environment failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is not set (or empty).
    #[error("the environment variable {name} is not set: {hint}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// What it should hold.
        hint: &'static str,
    },
    /// The key file could not be loaded.
    #[error("cannot load the key named by {ENV_KEY_FILE} ({path})")]
    Key {
        /// The path from the environment.
        path: PathBuf,
        /// Why.
        #[source]
        source: yoti_auth::Error,
    },
}

/// Reads a variable, treating an empty value as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The SDK id and private key named by `YOTI_CLIENT_SDK_ID` and `YOTI_KEY_FILE_PATH`.
///
/// # Errors
/// [`EnvError`] when a variable is missing or the key does not load.
pub fn credentials_from_env() -> Result<(String, PrivateKey), EnvError> {
    let sdk_id = env_var(ENV_SDK_ID).ok_or(EnvError::Missing {
        name: ENV_SDK_ID,
        hint: "the SDK id of your application, from Yoti Hub",
    })?;
    let path = PathBuf::from(env_var(ENV_KEY_FILE).ok_or(EnvError::Missing {
        name: ENV_KEY_FILE,
        hint: "the path of your application's private key PEM, from Yoti Hub",
    })?);
    let key = PrivateKey::from_pem_file(&path).map_err(|source| EnvError::Key { path, source })?;
    Ok((sdk_id, key))
}

/// A base URL from the first set variable of `names`, else `default`.
pub fn base_url_from_env(names: &[&str], default: &str) -> String {
    names
        .iter()
        .find_map(|n| env_var(n))
        .unwrap_or_else(|| default.to_owned())
}

/// Checks a base URL (https, or http to loopback) and normalizes it (no trailing slash).
///
/// # Errors
/// [`yoti_http::Error::InvalidUrl`] or [`yoti_http::Error::InsecureUrl`].
pub fn checked_base_url(url: &str) -> Result<String, yoti_http::Error> {
    let uri = yoti_http::check_base_url(url)?;
    Ok(uri.to_string().trim_end_matches('/').to_owned())
}

/// Whether a base URL points at a loopback host (the emulator).
pub fn is_loopback_url(url: &str) -> bool {
    url.parse::<http::Uri>()
        .is_ok_and(|u| yoti_http::is_loopback(&u))
}

/// The largest JSON answer (or error body) any service client reads into memory: 32 MiB.
///
/// Reading stops at the limit, with [`yoti_http::Error::BodyTooLarge`]: a body that says it is
/// longer fails before any of it is read, and one that does not say is read at most this far.
/// Media downloads are streamed instead and have no such limit.
pub const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

/// The time limits a client builder sets on its transport (`timeout`, `read_timeout`), kept
/// apart until `build()` so that they apply whichever transport is set, in whatever order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientTimeouts {
    /// The deadline of every call ([`Transport::with_deadline`]).
    pub deadline: Option<std::time::Duration>,
    /// The read timeout of every response body ([`Transport::with_read_timeout`]).
    pub read_timeout: Option<std::time::Duration>,
}

impl ClientTimeouts {
    /// `transport` (or the default one) with the limits set here.
    pub fn apply(self, transport: Option<Transport>) -> Transport {
        let mut transport = transport.unwrap_or_default();
        if let Some(deadline) = self.deadline {
            transport = transport.with_deadline(deadline);
        }
        if let Some(idle) = self.read_timeout {
            transport = transport.with_read_timeout(idle);
        }
        transport
    }
}

/// A whole response: status, headers and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Bytes,
}

impl RawResponse {
    /// The body as text, for error messages and raw error bodies (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends a signed request (signed afresh for each attempt) and reads the whole answer.
///
/// # Errors
/// The transport's error (connect, timeout, signing as `Build`, body).
pub async fn send_signed(
    transport: &Transport,
    request: &SignedRequestBuilder<'_>,
) -> Result<RawResponse, yoti_http::Error> {
    let response = transport.execute(|_| request.build()).await?;
    collect(response).await
}

/// Reads a whole response, at most [`MAX_JSON_BODY`] bytes of it.
///
/// # Errors
/// The body's read error, [`yoti_http::Error::BodyTooLarge`] past the limit.
pub async fn collect(
    response: http::Response<yoti_http::Body>,
) -> Result<RawResponse, yoti_http::Error> {
    let (parts, body) = response.into_parts();
    Ok(RawResponse {
        status: parts.status,
        headers: parts.headers,
        body: body.collect_limited(MAX_JSON_BODY).await?,
    })
}

/// A JSON body that did not decode, with the JSON path where it failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot decode the answer at `{path}`")]
pub struct DecodeError {
    /// The JSON path of the failure (e.g. `checks[2].report.breakdown`).
    pub path: String,
    /// The underlying error.
    #[source]
    pub source: serde_json::Error,
}

/// Decodes JSON, reporting the path of a failure (as octocrab does).
///
/// # Errors
/// [`DecodeError`] with the failing path.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeError {
        path: e.path().to_string(),
        source: e.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_carry_the_json_path() {
        #[derive(Debug, serde::Deserialize)]
        #[expect(dead_code, reason = "the test reads only the error")]
        struct Outer {
            items: Vec<Inner>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[expect(dead_code, reason = "the test reads only the error")]
        struct Inner {
            n: u32,
        }
        let err = decode::<Outer>(br#"{"items":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        assert_eq!(err.path, "items[1].n");
    }

    #[test]
    fn base_urls_are_checked_and_normalized() {
        assert_eq!(
            checked_base_url("https://api.yoti.com/ai/v1/").unwrap(),
            "https://api.yoti.com/ai/v1"
        );
        assert!(checked_base_url("http://api.yoti.com/ai/v1").is_err());
        assert!(is_loopback_url("http://127.0.0.1:8080/x"));
        assert!(!is_loopback_url("https://api.yoti.com"));
    }
}
