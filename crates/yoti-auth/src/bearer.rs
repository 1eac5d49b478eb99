//! Bearer tokens: a cache of the access token that refreshes it through a [`TokenEndpoint`]
//! shortly before it expires, one refresh at a time however many callers want a token.
//!
//! This crate does no HTTP: the exchange itself (a form POST to the token URL) is the
//! [`TokenEndpoint`] a service crate implements over its transport.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
use tokio::time::Instant;
use yoti_types::Backoff;
use yoti_types::poa::{AccessToken, TokenRequest, TokenResponse, TokenType};

use crate::{AssertionSigner, Error};

/// A boxed, `Send` future, as returned by [`TokenEndpoint::request_token`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Exchanges a token request at the token endpoint: POST the request's
/// [form body](TokenRequest::to_form_urlencoded) to the token URL and parse the answer.
///
/// Implementations map the outcome to this crate's errors, which decide retries:
/// - 200 with a token: `Ok(TokenResponse)`;
/// - 200 with something else: [`Error::TokenInvalidResponse`];
/// - no connection (the request never left): [`Error::TokenUnavailable`] (retried);
/// - 429, 5xx: [`Error::TokenUnavailable`] with the status (429, 502, 503 and 504 retried);
/// - sent, but no complete answer (dropped, cut short, stalled, timed out):
///   [`Error::TokenInterrupted`] (never retried: a token may have been issued);
/// - any other status: [`Error::TokenRejected`] with the OAuth error body (not retried).
///
/// An implementation should not retry by itself: the [`TokenProvider`] retries with a fresh
/// client assertion each time, since the service refuses a `jti` it has seen.
pub trait TokenEndpoint: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` once.
    fn request_token(&self, request: TokenRequest) -> BoxFuture<'_, Result<TokenResponse, Error>>;
}

impl<T: TokenEndpoint + ?Sized> TokenEndpoint for Arc<T> {
    fn request_token(&self, request: TokenRequest) -> BoxFuture<'_, Result<TokenResponse, Error>> {
        (**self).request_token(request)
    }
}

/// An access token handed out by a [`TokenProvider`], with when it expires.
///
/// `Debug` prints `[redacted]` for the token. Give it back to
/// [`TokenProvider::invalidate`] when the API refuses it (401).
#[derive(Clone)]
pub struct BearerToken {
    token: AccessToken,
    id: u64,
    expires_at: Option<SystemTime>,
    scope: Option<Arc<str>>,
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

impl BearerToken {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.token
    }

    /// When the token expires, as the token endpoint said (`None` for a token provisioned by
    /// hand, or an answer without `expires_in`).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The scopes granted, separated by spaces, when the token endpoint said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// `Bearer <token>`, marked sensitive (so `http` and loggers never show it).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the token has characters not allowed in a header.
    pub fn header_value(&self) -> Result<HeaderValue, Error> {
        let mut value = HeaderValue::try_from(format!("Bearer {}", self.token.expose_secret()))
            .map_err(|_| Error::InvalidRequest {
                reason: "the access token has characters not allowed in a header".into(),
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Sets the `Authorization` header.
    ///
    /// # Errors
    /// As [`header_value`](Self::header_value).
    pub fn apply(&self, headers: &mut HeaderMap) -> Result<(), Error> {
        headers.insert(AUTHORIZATION, self.header_value()?);
        Ok(())
    }
}

/// Hands out bearer tokens: a token provisioned by hand, or tokens from the token endpoint,
/// cached and refreshed.
///
/// - **Cache**: a token is reused until `expires_in` minus a margin (the smaller of the
///   configured margin, 60 s by default, and a quarter of the token's lifetime). Yoti caps
///   the active tokens of an application at 200: never mint one per request.
/// - **Single flight**: when a token is needed, one caller refreshes; the others wait for
///   that refresh and share its token, or its error. Past the margin but before expiry, the
///   others keep using the current token while the refresh runs.
/// - **Retries**: a refresh whose failure is [retryable](Error::is_retryable) (endpoint
///   unreachable, 429, 502, 503, 504: the request was not acted upon) is tried again after an exponential backoff with full jitter
///   (200 ms doubling up to 5 s, 3 attempts by default), each time with a fresh assertion.
///   A refresh that still fails answers [`Error::TokenRefresh`]; if the current token has not
///   expired yet it is still handed out instead.
/// - **401**: [`invalidate`](Self::invalidate) drops the token the API refused, once: when
///   many calls fail with the same token, the first invalidation wins and the others find the
///   next token already there.
///
/// Cloning is cheap and shares the cache. `Debug` never prints a token.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    refresh_margin: Duration,
    default_lifetime: Duration,
    max_attempts: u32,
    backoff: Backoff,
    state: Mutex<State>,
    /// Held by the one caller refreshing.
    flight: tokio::sync::Mutex<()>,
}

enum Source {
    Fixed(BearerToken),
    Minted {
        signer: AssertionSigner,
        endpoint: Arc<dyn TokenEndpoint>,
        scopes: Vec<String>,
    },
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// Tokens obtained so far; also the id of the last one.
    issued: u64,
    /// Requests sent to the token endpoint.
    requests: u64,
    /// Refreshes that gave up, and the last one's error.
    failed: u64,
    last_error: Option<(Arc<Error>, u32)>,
}

struct Cached {
    token: BearerToken,
    refresh_at: Instant,
    expires_at: Instant,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TokenProvider");
        match &self.inner.source {
            Source::Fixed(_) => s.field("source", &"fixed token"),
            Source::Minted { signer, scopes, .. } => s
                .field("sdk_id", &signer.sdk_id())
                .field("token_url", &signer.audience())
                .field("scopes", scopes),
        };
        let state = self.inner.lock();
        s.field(
            "cached_until",
            &state.cached.as_ref().and_then(|c| c.token.expires_at),
        )
        .finish_non_exhaustive()
    }
}

/// Configures a [`TokenProvider`] that gets its tokens from a token endpoint.
#[derive(Debug)]
pub struct TokenProviderBuilder {
    signer: AssertionSigner,
    endpoint: Arc<dyn TokenEndpoint>,
    scopes: Vec<String>,
    refresh_margin: Duration,
    default_lifetime: Duration,
    max_attempts: u32,
    backoff: Backoff,
}

impl TokenProviderBuilder {
    /// The scopes to ask for (at least one).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How long before expiry a token is refreshed, at most (default 60 s; never more than a
    /// quarter of the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The lifetime assumed when the token endpoint does not say (`expires_in`), default 5
    /// minutes.
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// The most attempts per refresh, the first included (default 3; 0 counts as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff between attempts: `initial` doubling up to `max`, with full jitter
    /// (default 200 ms to 5 s).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = self.backoff.with_initial(initial).with_max(max);
        self
    }

    /// The backoff between attempts, whole (default [`Self::backoff`]'s: 200 ms doubling
    /// up to 5 s, full jitter).
    pub fn retry_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Builds the provider.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when no scope is given or a scope is not valid.
    pub fn build(self) -> Result<TokenProvider, Error> {
        // Check the scopes as the endpoint would, with a stand-in assertion.
        TokenRequest::new(&self.scopes, "a.b.c")
            .validate()
            .map_err(|e| Error::InvalidRequest {
                reason: e.to_string(),
            })?;
        Ok(TokenProvider::from_source(
            Source::Minted {
                signer: self.signer,
                endpoint: self.endpoint,
                scopes: self.scopes,
            },
            self.refresh_margin,
            self.default_lifetime,
            self.max_attempts,
            self.backoff,
        ))
    }
}

impl TokenProvider {
    /// The default [`refresh_margin`](TokenProviderBuilder::refresh_margin): 60 s.
    pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);
    /// The default [`default_lifetime`](TokenProviderBuilder::default_lifetime): 5 minutes.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 60);

    /// A provider that signs assertions with `signer` (whose audience is the token URL) and
    /// exchanges them at `endpoint`.
    pub fn builder(
        signer: AssertionSigner,
        endpoint: Arc<dyn TokenEndpoint>,
    ) -> TokenProviderBuilder {
        TokenProviderBuilder {
            signer,
            endpoint,
            scopes: Vec::new(),
            refresh_margin: Self::DEFAULT_REFRESH_MARGIN,
            default_lifetime: Self::DEFAULT_LIFETIME,
            max_attempts: 3,
            backoff: Backoff::new(Duration::from_millis(200), Duration::from_secs(5)),
        }
    }

    /// A provider that always hands out `token`, provisioned by hand (`yta_...`). It cannot
    /// refresh: [`invalidate`](Self::invalidate) does nothing.
    pub fn fixed(token: AccessToken) -> Self {
        let token = BearerToken {
            token,
            id: 0,
            expires_at: None,
            scope: None,
        };
        Self::from_source(
            Source::Fixed(token),
            Self::DEFAULT_REFRESH_MARGIN,
            Self::DEFAULT_LIFETIME,
            1,
            Backoff::new(Duration::ZERO, Duration::ZERO),
        )
    }

    fn from_source(
        source: Source,
        refresh_margin: Duration,
        default_lifetime: Duration,
        max_attempts: u32,
        backoff: Backoff,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                refresh_margin,
                default_lifetime,
                max_attempts,
                backoff,
                state: Mutex::new(State::default()),
                flight: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Whether this provider gets its tokens from a token endpoint (and so can replace one
    /// the API refused).
    pub fn is_refreshable(&self) -> bool {
        matches!(self.inner.source, Source::Minted { .. })
    }

    /// How many requests were sent to the token endpoint so far.
    pub fn token_requests(&self) -> u64 {
        self.inner.lock().requests
    }

    /// A token: the cached one while it is fresh, otherwise a new one (see the type's docs).
    ///
    /// # Errors
    /// [`Error::TokenRefresh`] when the refresh failed (the cause is its source), shared by
    /// every caller that waited on that refresh.
    pub async fn token(&self) -> Result<BearerToken, Error> {
        let (signer, endpoint, scopes) = match &self.inner.source {
            Source::Fixed(token) => return Ok(token.clone()),
            Source::Minted {
                signer,
                endpoint,
                scopes,
            } => (signer, endpoint, scopes),
        };

        let failed_before = {
            let state = self.inner.lock();
            if let Some(token) = state.fresh(Instant::now()) {
                return Ok(token);
            }
            state.failed
        };

        let _flight = match self.inner.flight.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is refreshing: keep using the current token while it lasts.
                if let Some(token) = self.inner.lock().usable(Instant::now()) {
                    return Ok(token);
                }
                self.inner.flight.lock().await
            }
        };

        {
            let state = self.inner.lock();
            if let Some(token) = state.fresh(Instant::now()) {
                return Ok(token);
            }
            if state.failed != failed_before
                && let Some((error, attempts)) = &state.last_error
            {
                // The refresh this caller waited for failed: share its outcome rather than
                // hammer the endpoint once per waiter.
                if let Some(token) = state.usable(Instant::now()) {
                    return Ok(token);
                }
                return Err(Error::TokenRefresh {
                    attempts: *attempts,
                    source: error.clone(),
                });
            }
        }

        match self.refresh(signer, endpoint.as_ref(), scopes).await {
            Ok(cached) => {
                let mut state = self.inner.lock();
                state.issued += 1;
                let mut cached = cached;
                cached.token.id = state.issued;
                let token = cached.token.clone();
                state.cached = Some(cached);
                state.last_error = None;
                Ok(token)
            }
            Err((error, attempts)) => {
                let error = Arc::new(error);
                let mut state = self.inner.lock();
                state.failed += 1;
                state.last_error = Some((error.clone(), attempts));
                if let Some(token) = state.usable(Instant::now()) {
                    tracing::warn!(
                        attempts,
                        error = %error,
                        "refreshing the bearer token failed; the current one is still valid"
                    );
                    return Ok(token);
                }
                tracing::warn!(attempts, error = %error, "could not get a bearer token");
                Err(Error::TokenRefresh {
                    attempts,
                    source: error,
                })
            }
        }
    }

    /// Drops `token` from the cache after the API refused it (401), so that the next
    /// [`token`](Self::token) gets a new one. Answers whether it was dropped: `false` when
    /// the cache already holds another token (someone else invalidated it first) or for a
    /// token provisioned by hand.
    pub fn invalidate(&self, token: &BearerToken) -> bool {
        if !self.is_refreshable() {
            return false;
        }
        let mut state = self.inner.lock();
        match &state.cached {
            Some(cached) if cached.token.id == token.id => {
                state.cached = None;
                tracing::debug!("bearer token invalidated after a 401");
                true
            }
            _ => false,
        }
    }

    /// One refresh, with retries: `Ok` with the new token, or the last error and the number
    /// of attempts made.
    async fn refresh(
        &self,
        signer: &AssertionSigner,
        endpoint: &dyn TokenEndpoint,
        scopes: &[String],
    ) -> Result<Cached, (Error, u32)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = Instant::now();
            let sent_wall = SystemTime::now();
            let outcome = match signer.sign() {
                Ok(assertion) => {
                    self.inner.lock().requests += 1;
                    let request = TokenRequest::new(scopes, assertion);
                    match endpoint.request_token(request).await {
                        Ok(response) => self.cache_entry(response, sent, sent_wall),
                        Err(error) => Err(error),
                    }
                }
                Err(error) => Err(error),
            };
            match outcome {
                Ok(cached) => {
                    tracing::debug!(attempt, "bearer token obtained");
                    return Ok(cached);
                }
                Err(error) if error.is_retryable() && attempt < self.inner.max_attempts => {
                    let delay = self.inner.backoff.delay(attempt);
                    tracing::debug!(
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "token request failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(error) => return Err((error, attempt)),
            }
        }
    }

    fn cache_entry(
        &self,
        response: TokenResponse,
        sent: Instant,
        sent_wall: SystemTime,
    ) -> Result<Cached, Error> {
        if response.token_type != TokenType::Bearer {
            return Err(Error::TokenInvalidResponse {
                reason: format!(
                    "the token type is {:?}, not Bearer",
                    response.token_type.as_str()
                )
                .into(),
                source: None,
            });
        }
        if response.access_token.expose_secret().is_empty() {
            return Err(Error::TokenInvalidResponse {
                reason: "the access token is empty".into(),
                source: None,
            });
        }
        let lifetime = response
            .expires_in
            .map_or(self.inner.default_lifetime, Duration::from_secs);
        if lifetime.is_zero() {
            return Err(Error::TokenInvalidResponse {
                reason: "the token expires at once (expires_in is 0)".into(),
                source: None,
            });
        }
        // Counted from when the request was sent: the token cannot outlive that.
        let margin = self.inner.refresh_margin.min(lifetime / 4);
        Ok(Cached {
            refresh_at: sent + (lifetime - margin),
            expires_at: sent + lifetime,
            token: BearerToken {
                token: response.access_token,
                id: 0,
                expires_at: Some(sent_wall + lifetime),
                scope: response.scope.map(Into::into),
            },
        })
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State {
    /// The cached token, if it is not due for a refresh yet.
    fn fresh(&self, now: Instant) -> Option<BearerToken> {
        self.cached
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// The cached token, if it has not expired yet.
    fn usable(&self, now: Instant) -> Option<BearerToken> {
        self.cached
            .as_ref()
            .filter(|c| now < c.expires_at)
            .map(|c| c.token.clone())
    }
}
