//! The OAuth token endpoint over HTTP: the [`TokenEndpoint`] that the client's
//! [`TokenProvider`](yoti_auth::TokenProvider) exchanges its assertions at.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, StatusCode};
use yoti_auth::{BoxFuture, TokenEndpoint};
use yoti_http::{RetryPolicy, Transport};
use yoti_types::poa::{OAuthErrorBody, TokenRequest, TokenResponse};

use crate::Error;

/// The production token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://auth.api.yoti.com/v1/oauth/token";

/// The token endpoint's path, appended to a token URL given without a path (such as the
/// emulator's origin).
pub const TOKEN_PATH: &str = "/v1/oauth/token";

/// POSTs token requests (form-encoded) to the token URL and maps the answer:
///
/// | answer | result |
/// |---|---|
/// | 2xx with a token | `Ok(TokenResponse)` |
/// | 2xx with anything else, or a body over [`yoti_internal::MAX_JSON_BODY`] | [`yoti_auth::Error::TokenInvalidResponse`] |
/// | no connection (the request never left) | [`yoti_auth::Error::TokenUnavailable`] (the provider retries) |
/// | 429, 5xx | [`yoti_auth::Error::TokenUnavailable`] with the status (the provider retries 429, 502, 503, 504) |
/// | sent, but no complete answer (dropped, cut short, stalled, timed out) | [`yoti_auth::Error::TokenInterrupted`] (never retried) |
/// | other statuses | [`yoti_auth::Error::TokenRejected`], with the OAuth error body |
///
/// Each request is sent once: the provider retries with a fresh assertion, since the
/// service refuses an assertion whose `jti` it has seen. The transport's deadline and read
/// timeout bound each request.
#[derive(Clone, Debug)]
pub struct HttpTokenEndpoint {
    url: String,
    transport: Transport,
}

impl HttpTokenEndpoint {
    /// An endpoint at `url` (https, or http to a loopback host); a URL without a path gets
    /// [`TOKEN_PATH`].
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid or insecure URL.
    pub fn new(url: &str, transport: Transport) -> Result<Self, Error> {
        Ok(Self {
            url: token_url(url)?,
            transport,
        })
    }

    /// The token URL (the assertions' `aud`).
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn exchange(&self, request: TokenRequest) -> Result<TokenResponse, yoti_auth::Error> {
        // A token POST is not idempotent: only a request that provably never left may be
        // tried again.
        let failed = |e: yoti_http::Error| {
            if e.is_connect() {
                yoti_auth::Error::TokenUnavailable {
                    status: None,
                    source: Some(Box::new(e)),
                }
            } else if e.is_too_large() {
                yoti_auth::Error::TokenInvalidResponse {
                    reason: "the answer is too large".into(),
                    source: Some(Box::new(e)),
                }
            } else {
                yoti_auth::Error::TokenInterrupted(Box::new(e))
            }
        };
        let body = Bytes::from(request.to_form_urlencoded());
        let response = self
            .transport
            .execute_with_policy(&RetryPolicy::none(), |_| {
                Request::builder()
                    .method(Method::POST)
                    .uri(&self.url)
                    .header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    )
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .header(yoti_auth::headers::SDK, HeaderValue::from_static("Rust"))
                    .header(
                        yoti_auth::headers::SDK_VERSION,
                        HeaderValue::from_static(yoti_auth::SDK_VERSION),
                    )
                    .body(body.clone())
            })
            .await
            .map_err(failed)?;
        let raw = yoti_internal::collect(response).await.map_err(failed)?;
        let status = raw.status;
        if status.is_success() {
            return yoti_internal::decode::<TokenResponse>(&raw.body).map_err(|e| {
                yoti_auth::Error::TokenInvalidResponse {
                    reason: "the body is not a token answer".into(),
                    source: Some(Box::new(e)),
                }
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(yoti_auth::Error::TokenUnavailable {
                status: Some(status.as_u16()),
                source: None,
            });
        }
        Err(yoti_auth::Error::TokenRejected {
            status: status.as_u16(),
            body: serde_json::from_slice::<OAuthErrorBody>(&raw.body)
                .ok()
                .map(Box::new),
        })
    }
}

impl TokenEndpoint for HttpTokenEndpoint {
    fn request_token(
        &self,
        request: TokenRequest,
    ) -> BoxFuture<'_, Result<TokenResponse, yoti_auth::Error>> {
        Box::pin(self.exchange(request))
    }
}

/// Checks a token URL, and appends [`TOKEN_PATH`] when it has no path.
pub(crate) fn token_url(url: &str) -> Result<String, Error> {
    let checked = yoti_internal::checked_base_url(url).map_err(|source| Error::Config {
        reason: "invalid token URL".into(),
        source: Some(source),
    })?;
    let has_path = checked
        .parse::<http::Uri>()
        .is_ok_and(|uri| !matches!(uri.path(), "" | "/"));
    Ok(if has_path {
        checked
    } else {
        format!("{checked}{TOKEN_PATH}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_urls() {
        assert_eq!(
            token_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/v1/oauth/token"
        );
        assert_eq!(
            token_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/v1/oauth/token"
        );
        assert_eq!(token_url(DEFAULT_TOKEN_URL).unwrap(), DEFAULT_TOKEN_URL);
        assert!(matches!(
            token_url("http://auth.example.com/token"),
            Err(Error::Config { .. })
        ));
    }
}
