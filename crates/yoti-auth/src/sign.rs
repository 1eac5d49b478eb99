//! Building signed requests exactly as Yoti's own SDKs do (WIRE-NOTES section 1).
//!
//! The message signed is `METHOD&PATH?QUERY`, followed by `&BASE64(body)` when there is a
//! non-empty body. `PATH` is relative to the service's base URL and `QUERY` is the literal
//! query string sent: caller parameters first, then `sdkId` (IDV style), `nonce` and
//! `timestamp` (milliseconds). The URL sent and the message signed are built from the same
//! bytes, so they cannot disagree.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Error, PrivateKey, headers};

/// Characters percent-encoded in query names, values and path segments: everything but
/// RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`).
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `X-Yoti-SDK-Version` header value: `Rust-<crate version>`.
pub const SDK_VERSION: &str = concat!("Rust-", env!("CARGO_PKG_VERSION"));

/// Where the SDK id goes in a signed request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SdkIdPlacement {
    /// In the query as `sdkId`, before `nonce` and `timestamp` (IDV).
    #[default]
    Query,
    /// In the `X-Yoti-Auth-Id` header (Age Estimation).
    Header,
    /// Nowhere: the few IDV endpoints the official SDKs sign without `sdkId`
    /// (`GET /supported-documents`, `PUT /apps/{sdkId}/response-config`).
    Omit,
}

type ClockFn = dyn Fn() -> SystemTime + Send + Sync;
type NonceFn = dyn Fn() -> String + Send + Sync;

/// Signs requests for one application (SDK id + private key).
///
/// Cheap to clone. The clock and the nonce source are injectable for tests.
#[derive(Clone)]
pub struct RequestSigner {
    sdk_id: Arc<str>,
    key: PrivateKey,
    clock: Arc<ClockFn>,
    nonce: Arc<NonceFn>,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("sdk_id", &self.sdk_id)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl RequestSigner {
    /// A signer for the application `sdk_id` with its private key.
    pub fn new(sdk_id: impl Into<String>, key: PrivateKey) -> Self {
        Self {
            sdk_id: sdk_id.into().into(),
            key,
            clock: Arc::new(SystemTime::now),
            nonce: Arc::new(|| uuid::Uuid::new_v4().to_string()),
        }
    }

    /// Replaces the clock (tests).
    pub fn set_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Replaces the nonce source (tests). Nonces must be unique per request.
    pub fn set_nonce_source(mut self, nonce: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.nonce = Arc::new(nonce);
        self
    }

    /// The application's SDK id.
    pub fn sdk_id(&self) -> &str {
        &self.sdk_id
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// Signs a message; answers the `X-Yoti-Auth-Digest` value (standard base64).
    ///
    /// # Errors
    /// [`Error::Signing`] if aws-lc fails.
    pub fn sign(&self, message: &[u8]) -> Result<String, Error> {
        let signature = self.key.sign_pkcs1_sha256(message)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signature))
    }

    /// Starts a signed request: `base_url` is the service base (e.g.
    /// `https://api.yoti.com/idverify/v1`), `path` is relative to it (e.g. `/sessions`).
    pub fn request(&self, method: Method, base_url: &str, path: &str) -> SignedRequestBuilder<'_> {
        SignedRequestBuilder {
            signer: self,
            method,
            base_url: base_url.trim_end_matches('/').to_owned(),
            path: path.to_owned(),
            query: String::new(),
            placement: SdkIdPlacement::Query,
            body: None,
            headers: HeaderMap::new(),
        }
    }

    fn timestamp_millis(&self) -> u128 {
        (self.clock)()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    }
}

/// A request being built; [`build`](Self::build) signs it afresh (new nonce and timestamp)
/// each time it is called, which is what a retry needs.
#[derive(Debug, Clone)]
pub struct SignedRequestBuilder<'a> {
    signer: &'a RequestSigner,
    method: Method,
    base_url: String,
    path: String,
    query: String,
    placement: SdkIdPlacement,
    body: Option<(HeaderValue, Bytes)>,
    headers: HeaderMap,
}

impl SignedRequestBuilder<'_> {
    /// Appends a caller query parameter (percent-encoded); these come before `sdkId`,
    /// `nonce` and `timestamp`, in the order added.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        push_query(&mut self.query, name, value);
        self
    }

    /// Where the SDK id goes (default: the `sdkId` query parameter).
    pub fn sdk_id(mut self, placement: SdkIdPlacement) -> Self {
        self.placement = placement;
        self
    }

    /// Sets the body and its `Content-Type`.
    pub fn body(mut self, content_type: HeaderValue, body: impl Into<Bytes>) -> Self {
        self.body = Some((content_type, body.into()));
        self
    }

    /// Sets a JSON body (`Content-Type: application/json`).
    pub fn json(self, body: impl Into<Bytes>) -> Self {
        self.body(HeaderValue::from_static("application/json"), body)
    }

    /// Adds a header (e.g. `Terminal-Id`).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Signs the request with a fresh nonce and timestamp.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the base URL or path do not form a valid URI,
    /// [`Error::Signing`] if signing fails.
    pub fn build(&self) -> Result<http::Request<Bytes>, Error> {
        let signer = self.signer;
        check_path(&self.path)?;
        let mut path_and_query = String::with_capacity(self.path.len() + self.query.len() + 128);
        path_and_query.push_str(&self.path);
        path_and_query.push('?');
        path_and_query.push_str(&self.query);
        if self.placement == SdkIdPlacement::Query {
            push_query(&mut path_and_query, "sdkId", &signer.sdk_id);
        }
        push_query(&mut path_and_query, "nonce", &(signer.nonce)());
        push_query(
            &mut path_and_query,
            "timestamp",
            &signer.timestamp_millis().to_string(),
        );

        let body = self
            .body
            .as_ref()
            .map(|(_, b)| b.as_ref())
            .unwrap_or_default();
        let message = string_to_sign(self.method.as_str(), &path_and_query, body);
        let digest = signer.sign(&message)?;

        let mut uri = String::with_capacity(self.base_url.len() + path_and_query.len());
        uri.push_str(&self.base_url);
        uri.push_str(&path_and_query);
        let uri = http::Uri::try_from(uri).map_err(|e| Error::InvalidRequest {
            reason: format!("invalid URL {}{path_and_query:?}: {e}", self.base_url),
        })?;
        let body = self
            .body
            .as_ref()
            .map(|(_, b)| b.clone())
            .unwrap_or_default();
        let mut request = http::Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        let h = request.headers_mut();
        if !self.headers.is_empty() {
            h.extend(self.headers.clone());
        }
        let mut digest = HeaderValue::try_from(digest).map_err(|_| Error::Signing)?;
        digest.set_sensitive(true);
        h.insert(headers::AUTH_DIGEST, digest);
        apply_sdk_headers(h, self.body.as_ref().map(|(content_type, _)| content_type));
        if self.placement == SdkIdPlacement::Header {
            let id = HeaderValue::try_from(&*signer.sdk_id).map_err(|_| Error::InvalidRequest {
                reason: "the SDK id is not a valid header value".into(),
            })?;
            h.insert(headers::AUTH_ID, id);
        }
        Ok(request)
    }
}

/// Adds the headers every request to Yoti carries, signed or not: `X-Yoti-SDK: Rust`,
/// `X-Yoti-SDK-Version: Rust-<version>`, `Accept: application/json`, and `Content-Type`
/// when there is a body.
pub fn apply_sdk_headers(headers: &mut HeaderMap, content_type: Option<&HeaderValue>) {
    headers.insert(crate::headers::SDK, HeaderValue::from_static("Rust"));
    headers.insert(
        crate::headers::SDK_VERSION,
        HeaderValue::from_static(SDK_VERSION),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, content_type.clone());
    }
}

/// The message to sign: `METHOD&PATH?QUERY`, then `&BASE64(body)` when the body is not empty.
///
/// `path_and_query` is exactly what follows the base URL on the wire.
pub fn string_to_sign(method: &str, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let b64_len = if body.is_empty() {
        0
    } else {
        body.len().div_ceil(3) * 4 + 1
    };
    let mut message = String::with_capacity(method.len() + 1 + path_and_query.len() + b64_len);
    message.push_str(method);
    message.push('&');
    message.push_str(path_and_query);
    if !body.is_empty() {
        message.push('&');
        base64::engine::general_purpose::STANDARD.encode_string(body, &mut message);
    }
    message.into_bytes()
}

/// Percent-encodes one path segment (e.g. a session id) for use in a request path.
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, ENCODE).to_string()
}

fn push_query(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() && !query.ends_with('?') {
        query.push('&');
    }
    query.extend(utf8_percent_encode(name, ENCODE));
    query.push('=');
    query.extend(utf8_percent_encode(value, ENCODE));
}

fn check_path(path: &str) -> Result<(), Error> {
    if !path.starts_with('/') {
        return Err(Error::InvalidRequest {
            reason: format!("the path {path:?} must start with '/'"),
        });
    }
    if let Some(c) = path
        .chars()
        .find(|c| matches!(c, '?' | '#') || !c.is_ascii_graphic())
    {
        return Err(Error::InvalidRequest {
            reason: format!(
                "the path {path:?} contains {c:?}: pass query parameters with .query() and \
                 encode ids with encode_path_segment()"
            ),
        });
    }
    Ok(())
}
