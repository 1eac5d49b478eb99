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

/// An [`HttpClient`] with a [`RetryPolicy`]: what every service client sends through.
///
/// Cloning is cheap: the client (and its connection pool) is shared.
#[derive(Clone, Debug)]
pub struct Transport {
    client: Arc<dyn HttpClient>,
    retry: RetryPolicy,
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
        }
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
        let span = tracing::info_span!(
            "yoti.http",
            method = Empty,
            path = Empty,
            status = Empty,
            attempt = Empty,
            latency_ms = Empty,
        );
        self.run(policy, build).instrument(span).await
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
