//! The Proof of Age client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, StatusCode};
use yoti_auth::{AssertionSigner, BearerToken, PrivateKey, TokenProvider};
use yoti_http::{Backoff, Endpoint, Jitter, RequestOptions, Transport};
use yoti_internal::{RawResponse, operation_span};
use yoti_types::poa::{
    AccessToken, PoaErrorBody, PoaResult, ValidationOptions, VerificationId, VerifyAccepted,
    VerifyQuery,
};

use crate::endpoint::{DEFAULT_TOKEN_URL, HttpTokenEndpoint};
use crate::{Call, Error};

/// The production base URL of the Proof of Age API, its service path included (like every
/// service crate's `DEFAULT_BASE_URL`).
pub const DEFAULT_BASE_URL: &str = "https://api.yoti.com/poa/v1";

/// The environment variable overriding the base URL.
pub const ENV_BASE_URL: &str = "YOTI_POA_API_URL";

/// The environment variable overriding the token URL (a URL without a path gets
/// `/v1/oauth/token`).
pub const ENV_TOKEN_URL: &str = "YOTI_AUTH_URL";

/// The scopes asked for by default. Yoti's public documentation does not name the scope of
/// the Proof of Age API: set yours with [`PoaClientBuilder::scopes`] if it differs.
pub const DEFAULT_SCOPES: &[&str] = &["poa:verify"];

const VERIFY_PATH: &str = "/verify";

/// What `POST /poa/v1/verify` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyOutcome {
    /// 200: the result, now (`SUCCESS` or `FAILURE`).
    Done(PoaResult),
    /// 202 (or a 200 still `PENDING`): the result comes later, to the query's notification
    /// URL, and from [`PoaClient::get_result`] / [`PoaClient::wait_for_result`].
    Accepted(VerifyAccepted),
}

impl VerifyOutcome {
    /// The identifier of the verification.
    pub fn id(&self) -> &VerificationId {
        match self {
            Self::Done(result) => &result.id,
            Self::Accepted(accepted) => &accepted.id,
        }
    }

    /// The result, when it came at once.
    pub fn result(&self) -> Option<&PoaResult> {
        match self {
            Self::Done(result) => Some(result),
            Self::Accepted(_) => None,
        }
    }
}

/// A client for the Proof of Age API.
///
/// Cloning is cheap: clones share the connection pool and the bearer token cache, so one
/// token serves every call (Yoti caps the active tokens of an application at 200).
/// `Debug` never prints a token or key.
#[derive(Clone)]
pub struct PoaClient {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    token_url: Option<String>,
    transport: Transport,
    tokens: TokenProvider,
    validation: ValidationOptions,
}

impl fmt::Debug for PoaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoaClient")
            .field("base_url", &self.inner.base_url)
            .field("token_url", &self.inner.token_url)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// Configures a [`PoaClient`]: [`sdk_id`](Self::sdk_id) and [`key`](Self::key) (tokens from
/// the token endpoint), or an [`access_token`](Self::access_token) provisioned by hand.
#[derive(Debug, Default)]
#[must_use]
pub struct PoaClientBuilder {
    options: yoti_internal::ClientOptions,
    token_url: Option<String>,
    access_token: Option<AccessToken>,
    scopes: Option<Vec<String>>,
}

impl PoaClientBuilder {
    yoti_internal::client_options_setters!(options, base_url = DEFAULT_BASE_URL);

    /// The token URL (default [`DEFAULT_TOKEN_URL`]); a URL without a path gets
    /// `/v1/oauth/token`.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// A token provisioned by hand (`yta_...`), used instead of the token endpoint: no SDK
    /// id or key needed, but no refresh either.
    pub fn access_token(mut self, token: AccessToken) -> Self {
        self.access_token = Some(token);
        self
    }

    /// The scopes to ask the token endpoint for (default [`DEFAULT_SCOPES`]).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the SDK id, the key, the base URL and the token URL from the environment, as
    /// [`PoaClient::from_env`] does (the same story as `IdvClient::builder().from_env()` and
    /// `AgeClient::builder().from_env()`); anything set later replaces them.
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load.
    pub fn from_env(mut self) -> Result<Self, Error> {
        self.options
            .load_env(&[ENV_BASE_URL], DEFAULT_BASE_URL)
            .map_err(Error::Env)?;
        self.token_url = Some(yoti_internal::base_url_from_env(
            &[ENV_TOKEN_URL],
            DEFAULT_TOKEN_URL,
        ));
        Ok(self)
    }

    /// Builds the client. No I/O: the first token is fetched by the first call.
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid URL, a missing SDK id or key (without an access
    /// token), or invalid scopes.
    pub fn build(self) -> Result<PoaClient, Error> {
        let base_url = self
            .options
            .base_url_or(DEFAULT_BASE_URL)
            .map_err(|source| Error::Config {
                reason: "invalid base URL".into(),
                source: Some(source),
            })?;
        let transport = self.options.transport();
        let (tokens, token_url) = match (self.access_token, self.options.credentials()) {
            (Some(token), _) => (TokenProvider::fixed(token), None),
            (None, Ok((sdk_id, key))) => {
                let endpoint = HttpTokenEndpoint::new(
                    self.token_url.as_deref().unwrap_or(DEFAULT_TOKEN_URL),
                    transport.clone(),
                )?;
                let token_url = endpoint.url().to_owned();
                let signer = AssertionSigner::new(sdk_id, key, token_url.clone());
                let scopes = self
                    .scopes
                    .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect());
                let tokens = TokenProvider::builder(signer, Arc::new(endpoint))
                    .scopes(scopes)
                    .build()
                    .map_err(|e| Error::Config {
                        reason: format!("invalid scopes: {e}").into(),
                        source: None,
                    })?;
                (tokens, Some(token_url))
            }
            (None, Err(missing)) => {
                return Err(Error::Config {
                    reason: format!("{missing} (or give an access token)").into(),
                    source: None,
                });
            }
        };
        let validation = ValidationOptions::new()
            .set_allow_loopback_http(yoti_internal::is_loopback_url(&base_url));
        Ok(PoaClient {
            inner: Arc::new(Inner {
                base_url,
                token_url,
                transport,
                tokens,
                validation,
            }),
        })
    }
}

impl PoaClient {
    /// A client for the production service, with tokens from the production token endpoint.
    ///
    /// # Errors
    /// As [`PoaClientBuilder::build`].
    pub fn new(sdk_id: impl Into<String>, key: PrivateKey) -> Result<Self, Error> {
        Self::builder().sdk_id(sdk_id).key(key).build()
    }

    /// A builder, to set URLs, a token provisioned by hand, scopes or the transport.
    pub fn builder() -> PoaClientBuilder {
        PoaClientBuilder::default()
    }

    /// A client configured from the environment: `YOTI_CLIENT_SDK_ID`, `YOTI_KEY_FILE_PATH`,
    /// and optionally `YOTI_POA_API_URL` and `YOTI_AUTH_URL`.
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load, else as
    /// [`PoaClientBuilder::build`].
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }

    /// A builder configured from the environment, as [`from_env`](Self::from_env), to adjust
    /// further (scopes, transport).
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load.
    pub fn builder_from_env() -> Result<PoaClientBuilder, Error> {
        Self::builder().from_env()
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The token URL (`None` with a token provisioned by hand).
    pub fn token_url(&self) -> Option<&str> {
        self.inner.token_url.as_deref()
    }

    /// The bearer token cache this client (and its clones) uses.
    pub fn tokens(&self) -> &TokenProvider {
        &self.inner.tokens
    }

    /// A bearer token: the cached one, or a new one from the token endpoint.
    ///
    /// # Errors
    /// [`Error::Token`] when none can be had.
    pub async fn bearer_token(&self) -> Result<BearerToken, Error> {
        self.inner.tokens.token().await.map_err(Error::Token)
    }

    /// Verifies a scanned QR code: `POST /poa/v1/verify`.
    ///
    /// The query is validated first (an `http://` notification URL is accepted only to a
    /// loopback host, and only when this client talks to a loopback base URL).
    ///
    /// # Errors
    /// [`Error::Validation`] before anything is sent; [`Error::Token`], [`Error::Transport`];
    /// [`Error::Api`] for an error answer (400 `MALFORMED_PAYLOAD`, 403 `FEATURE_DISABLED`,
    /// 422 `INVALID_QR_CODE_VERIFIER_TOKEN`, 500 `SYSTEM_UNAVAILABLE`, ...);
    /// [`Error::Decode`] for an answer that does not decode.
    pub fn verify(&self, query: &VerifyQuery) -> Call<VerifyOutcome> {
        let body = query
            .validate(&self.inner.validation)
            .map_err(Error::from)
            .and_then(|()| {
                serde_json::to_vec(query).map_err(|e| {
                    Error::Validation(yoti_types::ValidationError::Invalid {
                        field: "query".into(),
                        reason: format!("cannot be serialized: {e}").into(),
                    })
                })
            });
        let body = match body {
            Ok(body) => Bytes::from(body),
            Err(error) => return Call::fail(error),
        };
        let this = self.clone();
        Call::new(move |options| async move {
            let raw = this
                .send(Method::POST, VERIFY_PATH.to_owned(), Some(body), &options)
                .await?;
            if raw.status == StatusCode::ACCEPTED {
                return decode::<VerifyAccepted>(&raw).map(VerifyOutcome::Accepted);
            }
            let result = decode::<PoaResult>(&raw)?;
            Ok(if result.is_final() {
                VerifyOutcome::Done(result)
            } else {
                VerifyOutcome::Accepted(VerifyAccepted::new(result.id))
            })
        })
        .instrument(operation_span!("yoti.poa.verify"))
    }

    /// Reads a result: `GET /poa/v1/verify/{id}` (its status may be `PENDING`).
    ///
    /// # Errors
    /// As [`verify`](Self::verify); [`Error::Api`] with 404 for an unknown id.
    pub fn get_result(&self, id: &VerificationId) -> Call<PoaResult> {
        let this = self.clone();
        let id = id.clone();
        Call::new(move |options| async move { this.read_result(&id, &options).await })
            .instrument(operation_span!("yoti.poa.get_result"))
    }

    /// Polls [`get_result`](Self::get_result) while the result is `PENDING`, waiting 250 ms
    /// then twice as long each time (up to 2 s), for at most `within`. The call's
    /// `with_timeout` bounds the whole wait; its other options apply to each poll.
    ///
    /// # Errors
    /// [`Error::StillPending`] when `within` runs out; otherwise as `get_result`.
    pub fn wait_for_result(&self, id: &VerificationId, within: Duration) -> Call<PoaResult> {
        let this = self.clone();
        let id = id.clone();
        Call::new(move |options| async move {
            let poll = options.without_deadline();
            let started = tokio::time::Instant::now();
            let delays = Backoff::new(Duration::from_millis(250), Duration::from_secs(2))
                .with_jitter(Jitter::None);
            let mut polls = 0_u32;
            loop {
                polls = polls.saturating_add(1);
                let result = this.read_result(&id, &poll).await?;
                if result.is_final() {
                    return Ok(result);
                }
                let waited = started.elapsed();
                if waited >= within {
                    return Err(Error::StillPending { id, waited });
                }
                tokio::time::sleep(delays.delay(polls).min(within - waited)).await;
            }
        })
        .instrument(operation_span!("yoti.poa.wait_for_result"))
    }

    async fn read_result(
        &self,
        id: &VerificationId,
        options: &RequestOptions,
    ) -> Result<PoaResult, Error> {
        let path = format!(
            "{VERIFY_PATH}/{}",
            yoti_auth::encode_path_segment(id.as_str())
        );
        let raw = self.send(Method::GET, path, None, options).await?;
        decode::<PoaResult>(&raw)
    }

    /// Sends a request with the current bearer token; after a 401, drops that token and
    /// tries once more with a new one. A 2xx answer comes back as is, anything else as
    /// [`Error::Api`].
    async fn send(
        &self,
        method: Method,
        path: String,
        body: Option<Bytes>,
        options: &RequestOptions,
    ) -> Result<RawResponse, Error> {
        let url = format!("{}{path}", self.inner.base_url);
        let endpoint = Endpoint::under(method.clone(), &self.inner.base_url, &path);
        let options = &options.clone().with_classifier(crate::retry::classifier());
        let mut retried = false;
        loop {
            let token = self.bearer_token().await?;
            let authorization = token.header_value().map_err(Error::Token)?;
            let response = self
                .inner
                .transport
                .execute_with(options, |_| {
                    build(&method, &url, &authorization, body.as_ref())
                })
                .await
                .map_err(|e| Error::Transport(e, Some(endpoint.clone())))?;
            let raw = yoti_internal::collect(response)
                .await
                .map_err(|e| Error::Transport(e, Some(endpoint.clone())))?;
            if raw.status == StatusCode::UNAUTHORIZED
                && !retried
                && self.inner.tokens.is_refreshable()
            {
                // Expired or revoked: one new token, one more try. When another call
                // already replaced this token, `invalidate` leaves the new one be.
                self.inner.tokens.invalidate(&token);
                retried = true;
                tracing::debug!(%url, "401 with the cached bearer token; retrying with a new one");
                continue;
            }
            return success(raw, endpoint);
        }
    }
}

fn build(
    method: &Method,
    url: &str,
    authorization: &HeaderValue,
    body: Option<&Bytes>,
) -> Result<Request<Bytes>, http::Error> {
    let mut request = Request::builder()
        .method(method.clone())
        .uri(url)
        .header(AUTHORIZATION, authorization.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(yoti_auth::headers::SDK, HeaderValue::from_static("Rust"))
        .header(
            yoti_auth::headers::SDK_VERSION,
            HeaderValue::from_static(yoti_auth::SDK_VERSION),
        );
    if body.is_some() {
        request = request.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    request.body(body.cloned().unwrap_or_default())
}

/// A 2xx answer as is; anything else as [`Error::Api`].
fn success(raw: RawResponse, endpoint: Endpoint) -> Result<RawResponse, Error> {
    if raw.status.is_success() {
        return Ok(raw);
    }
    let body = serde_json::from_slice::<PoaErrorBody>(&raw.body).unwrap_or_default();
    Err(Error::Api(Box::new(
        crate::ApiError::new(raw.status, &raw.body, body.error, body.message, vec![])
            .at(Some(endpoint)),
    )))
}

fn decode<T: serde::de::DeserializeOwned>(raw: &RawResponse) -> Result<T, Error> {
    yoti_internal::decode(&raw.body).map_err(|source| Error::Decode {
        status: raw.status,
        source,
    })
}
