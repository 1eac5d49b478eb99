//! Retries and tracing around an [`HttpClient`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use tracing::Instrument as _;
use tracing::field::{Empty, display};

use crate::body::Body;
use crate::client::{HttpClient, HyperClient};
use crate::error::Error;
use crate::retry::{Decision, RetryPolicy};

/// The default longest wait for the next piece of a response body: 30 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time limit of a whole call, from its first attempt to the end of its response
/// body, retries included: 120 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// Options for one call through a [`Transport`], each replacing the transport's own when set.
///
/// ```
/// use std::time::Duration;
/// use yoti_http::{RequestOptions, RetryPolicy};
///
/// let options = RequestOptions::new()
///     .with_deadline(Duration::from_secs(5))
///     .with_retry(RetryPolicy::none());
/// assert_eq!(options.deadline(), Some(Duration::from_secs(5)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOptions {
    retry: Option<RetryPolicy>,
    deadline: Option<Duration>,
    read_timeout: Option<Duration>,
}

impl RequestOptions {
    /// No option set: the transport's own apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The retry policy for this call.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The time limit of the whole call, retries and the response body included.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The longest wait for the next piece of the response body.
    pub fn with_read_timeout(mut self, idle: Duration) -> Self {
        self.read_timeout = Some(idle);
        self
    }

    /// These options less the deadline: what each step of a longer operation (the polls of a
    /// wait) takes, the deadline bounding the whole operation instead.
    pub fn without_deadline(&self) -> Self {
        Self {
            deadline: None,
            ..self.clone()
        }
    }

    /// The retry policy set for this call.
    pub fn retry(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// The deadline set for this call.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The read timeout set for this call.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }
}

/// An [`HttpClient`] with a [`RetryPolicy`] and time limits: what every service client sends
/// through.
///
/// Every call is bounded in time, however the server behaves: the client's request timeout
/// bounds each response head, the [read timeout](Self::with_read_timeout) (default
/// [`DEFAULT_READ_TIMEOUT`]) each wait for the next piece of a response body, streamed media
/// included, and the [deadline](Self::with_deadline) (default [`DEFAULT_DEADLINE`]) the whole
/// call, from its first attempt to the end of its response body.
///
/// Cloning is cheap: the client (and its connection pool) is shared.
#[derive(Clone, Debug)]
pub struct Transport {
    client: Arc<dyn HttpClient>,
    retry: RetryPolicy,
    deadline: Duration,
    read_timeout: Duration,
}

impl Default for Transport {
    /// A [`HyperClient`] with default timeouts and the default [`RetryPolicy`].
    fn default() -> Self {
        Self::new(HyperClient::new())
    }
}

impl Transport {
    /// A transport over `client` with the default [`RetryPolicy`].
    pub fn new<C: HttpClient>(client: C) -> Self {
        Self::from_arc(Arc::new(client))
    }

    /// A transport over a shared client, with the default [`RetryPolicy`].
    pub fn from_arc(client: Arc<dyn HttpClient>) -> Self {
        Self {
            client,
            retry: RetryPolicy::default(),
            deadline: DEFAULT_DEADLINE,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// Sets the time limit of every call, retries and the response body included (default
    /// [`DEFAULT_DEADLINE`]). Running out gives [`Error::Deadline`].
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the longest wait for the next piece of a response body (default
    /// [`DEFAULT_READ_TIMEOUT`]). Running out gives [`Error::ReadTimeout`].
    pub fn with_read_timeout(mut self, idle: Duration) -> Self {
        self.read_timeout = idle;
        self
    }

    /// The time limit of every call.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The longest wait for the next piece of a response body.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry policy [`execute`](Self::execute) applies.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The client that sends each attempt.
    pub fn client(&self) -> &Arc<dyn HttpClient> {
        &self.client
    }

    /// Sends a request built by `build`, retrying it as the transport's [`RetryPolicy`] says.
    ///
    /// `build` is called afresh for **every** attempt with the attempt number (from 1), and
    /// must return a complete request with an absolute URI. That is how each attempt gets a
    /// new nonce, timestamp and signature: Yoti rejects a reused nonce, so a signed request
    /// can never be replayed as it is. If `build` fails, that error is returned at once as
    /// [`Error::Build`], with no further attempt.
    ///
    /// Every HTTP status is `Ok(response)`, including a retryable one that was still there
    /// after the last attempt; the caller maps statuses to its API errors.
    ///
    /// The whole call is one `tracing` span named `yoti.http` at info level, with fields
    /// `method`, `path` (without the query string, which carries nonces), `status`, `attempt`
    /// (the number of attempts made) and `latency_ms` (in all). Each attempt logs a debug
    /// event with its outcome, and giving up on a retryable outcome logs a warning. Headers
    /// and bodies are never logged.
    pub async fn execute<F, E>(&self, build: F) -> Result<Response<Body>, Error>
    where
        F: FnMut(u32) -> Result<Request<Bytes>, E>,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.execute_with_policy(&self.retry, build).await
    }

    /// [`execute`](Self::execute) with `policy` instead of the transport's retry policy, for
    /// one call: an endpoint known to be safe to repeat, or one never to repeat.
    pub async fn execute_with_policy<F, E>(
        &self,
        policy: &RetryPolicy,
        build: F,
    ) -> Result<Response<Body>, Error>
    where
        F: FnMut(u32) -> Result<Request<Bytes>, E>,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.execute_with(&RequestOptions::new().with_retry(policy.clone()), build)
            .await
    }

    /// [`execute`](Self::execute) with per-call `options` in place of the transport's.
    ///
    /// The deadline bounds the attempts and is handed on to the response body, with the read
    /// timeout: reading the body fails with [`Error::Deadline`] or [`Error::ReadTimeout`]
    /// when either runs out.
    pub async fn execute_with<F, E>(
        &self,
        options: &RequestOptions,
        build: F,
    ) -> Result<Response<Body>, Error>
    where
        F: FnMut(u32) -> Result<Request<Bytes>, E>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let policy = options.retry.as_ref().unwrap_or(&self.retry);
        let after = options.deadline.unwrap_or(self.deadline);
        let idle = options.read_timeout.unwrap_or(self.read_timeout);
        let deadline = Instant::now()
            .checked_add(after)
            .map(tokio::time::Instant::from_std);
        let span = tracing::info_span!(
            "yoti.http",
            method = Empty,
            path = Empty,
            status = Empty,
            attempt = Empty,
            latency_ms = Empty,
        );
        let attempts = self.run(policy, build).instrument(span);
        let response = match deadline {
            Some(at) => tokio::time::timeout_at(at, attempts)
                .await
                .map_err(|_elapsed| Error::Deadline { after })??,
            None => attempts.await?,
        };
        Ok(response.map(|body| {
            let body = body.with_read_timeout(idle);
            match deadline {
                Some(at) => body.with_deadline(at, after),
                None => body,
            }
        }))
    }

    async fn run<F, E>(&self, policy: &RetryPolicy, mut build: F) -> Result<Response<Body>, Error>
    where
        F: FnMut(u32) -> Result<Request<Bytes>, E>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let span = tracing::Span::current();
        let started = Instant::now();
        let mut rng = fastrand::Rng::new();
        let mut attempt: u32 = 0;
        let mut previous = None;
        loop {
            attempt += 1;
            let request = match build(attempt) {
                Ok(request) => request,
                Err(err) => {
                    let err = Error::Build(Box::new(err));
                    tracing::debug!(attempt, error = %Chain(&err), "could not build the request");
                    let outcome = Err(err);
                    finish(&span, attempt, started, &outcome);
                    return outcome;
                }
            };
            if attempt == 1 {
                span.record("method", display(request.method()));
                span.record("path", display(request.uri().path()));
            }
            let method = request.method().clone();

            let attempt_started = Instant::now();
            let outcome = match previous.take() {
                None => self.client.send(request).await,
                Some(previous) => {
                    // A retry never runs past `max_elapsed`: cut short, it leaves the previous
                    // outcome, a real answer, as the last one.
                    let remaining = policy.max_elapsed().saturating_sub(started.elapsed());
                    match tokio::time::timeout(remaining, self.client.send(request)).await {
                        Ok(outcome) => outcome,
                        Err(_elapsed) => {
                            give_up(attempt, "max_elapsed ran out during the attempt", &previous);
                            finish(&span, attempt, started, &previous);
                            return previous;
                        }
                    }
                }
            };
            let latency_ms = millis(attempt_started.elapsed());
            match &outcome {
                Ok(response) => {
                    tracing::debug!(
                        attempt,
                        status = response.status().as_u16(),
                        latency_ms,
                        "attempt done"
                    );
                }
                Err(err) => {
                    tracing::debug!(attempt, error = %Chain(err), latency_ms, "attempt failed");
                }
            }

            let retry_after = match policy.decide(&method, &outcome) {
                Decision::Done => {
                    finish(&span, attempt, started, &outcome);
                    return outcome;
                }
                Decision::Retry { retry_after } => retry_after,
            };
            let delay = retry_after.unwrap_or_else(|| policy.backoff(attempt, &mut rng));
            let why_not = if attempt >= policy.max_attempts() {
                Some("no attempt left")
            } else if started.elapsed().saturating_add(delay) > policy.max_elapsed() {
                Some("the next attempt would start after max_elapsed")
            } else {
                None
            };
            if let Some(why_not) = why_not {
                give_up(attempt, why_not, &outcome);
                finish(&span, attempt, started, &outcome);
                return outcome;
            }
            tracing::debug!(attempt, delay_ms = millis(delay), "retrying");
            // Kept until the retry answers (a retry cut short by `max_elapsed` returns it);
            // its body, if any, is then dropped unread, which closes its connection.
            previous = Some(outcome);
            tokio::time::sleep(delay).await;
        }
    }
}

fn finish(
    span: &tracing::Span,
    attempt: u32,
    started: Instant,
    outcome: &Result<Response<Body>, Error>,
) {
    span.record("attempt", attempt);
    span.record("latency_ms", millis(started.elapsed()));
    if let Ok(response) = outcome {
        span.record("status", response.status().as_u16());
    }
}

/// The warning on giving up, with the outcome returned: debug events may be filtered out.
fn give_up(attempt: u32, reason: &'static str, outcome: &Result<Response<Body>, Error>) {
    match outcome {
        Ok(response) => tracing::warn!(
            attempt,
            reason,
            status = response.status().as_u16(),
            "giving up retrying"
        ),
        Err(err) => tracing::warn!(attempt, reason, error = %Chain(err), "giving up retrying"),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Shows an error with its sources, `a: b: c`, for log events.
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(err) = source {
            write!(f, ": {err}")?;
            source = err.source();
        }
        Ok(())
    }
}
