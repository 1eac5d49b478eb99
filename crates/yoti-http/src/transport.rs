//! Retries and tracing around an [`HttpClient`].

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use tracing::Instrument as _;
use tracing::field::{Empty, display};

use crate::body::Body;
use crate::budget::RetryBudget;
use crate::classify::{Endpoint, HttpRules, Outcome, RetryClassifier, SharedClassifier, Verdict};
use crate::client::{HttpClient, HyperClient};
use crate::error::Error;
use crate::retry::RetryPolicy;

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
    classifier: Option<SharedClassifier>,
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

    /// What the service says about its endpoints and error answers (default [`HttpRules`]):
    /// each service client sets its own, the one its `Error::is_retryable()` asks too.
    pub fn with_classifier(mut self, classifier: Arc<dyn RetryClassifier>) -> Self {
        self.classifier = Some(SharedClassifier(classifier));
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

    /// The retry classifier set for this call.
    pub fn classifier(&self) -> Option<&Arc<dyn RetryClassifier>> {
        self.classifier.as_ref().map(|c| &c.0)
    }
}

/// An [`HttpClient`] with a [`RetryPolicy`], a [`RetryBudget`] and time limits: what every
/// service client sends through.
///
/// Every call is bounded in time, however the server behaves: the client's request timeout
/// bounds each response head, the [read timeout](Self::with_read_timeout) (default
/// [`DEFAULT_READ_TIMEOUT`]) each wait for the next piece of a response body, streamed media
/// included, and the [deadline](Self::with_deadline) (default [`DEFAULT_DEADLINE`]) the whole
/// call, from its first attempt to the end of its response body.
///
/// Every retry is also paid from the transport's [`RetryBudget`] (default
/// [`RetryBudget::default`]: 10 % of first attempts, at least 10 retries a second), shared by
/// all its clones, so that a storm of 503s cannot triple the traffic.
///
/// Cloning is cheap: the client (and its connection pool) and the retry budget are shared.
#[derive(Clone, Debug)]
pub struct Transport {
    client: Arc<dyn HttpClient>,
    retry: RetryPolicy,
    budget: RetryBudget,
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
            budget: RetryBudget::default(),
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

    /// Replaces the retry budget (shared by the clones made from now on), for example by
    /// [`RetryBudget::unlimited`].
    pub fn with_retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// The retry budget this transport and its clones draw on.
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.budget
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
    /// after the last attempt; the caller maps statuses to its API errors. The response's
    /// extensions hold the [`Endpoint`] it answers (method and path), for the caller's error.
    ///
    /// The whole call is one `tracing` span named `yoti.http` at info level, with
    /// OpenTelemetry's HTTP client field names: `http.request.method`, `url.full` (without
    /// the query string, which carries nonces), `server.address`, `server.port`,
    /// `http.response.status_code`, `network.protocol.version` (`1.1`, `2`), `error.type`
    /// (the status for 4xx and 5xx, else the failure's kind, see [`Error::kind`]), and
    /// `attempt` (the number of attempts made) and `latency_ms` (in all). Each attempt logs a
    /// debug event with its outcome, and giving up on a retryable outcome logs a warning.
    /// Headers and bodies are never logged.
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
        let classifier: &dyn RetryClassifier = match &options.classifier {
            Some(shared) => &*shared.0,
            None => &HttpRules,
        };
        let after = options.deadline.unwrap_or(self.deadline);
        let idle = options.read_timeout.unwrap_or(self.read_timeout);
        let deadline = Instant::now()
            .checked_add(after)
            .map(tokio::time::Instant::from_std);
        let span = tracing::info_span!(
            "yoti.http",
            "http.request.method" = Empty,
            "url.full" = Empty,
            "server.address" = Empty,
            "server.port" = Empty,
            "http.response.status_code" = Empty,
            "network.protocol.version" = Empty,
            "error.type" = Empty,
            attempt = Empty,
            latency_ms = Empty,
        );
        let attempts = self.run(policy, classifier, build).instrument(span.clone());
        let response = match deadline {
            Some(at) => tokio::time::timeout_at(at, attempts)
                .await
                .map_err(|_elapsed| {
                    let err = Error::Deadline { after };
                    record_error_type(&span, Some(err.kind()));
                    err
                })??,
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

    async fn run<F, E>(
        &self,
        policy: &RetryPolicy,
        classifier: &dyn RetryClassifier,
        mut build: F,
    ) -> Result<Response<Body>, Error>
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
                record_request(&span, &request);
            }
            let method = request.method().clone();
            let path = request.uri().path().to_owned();
            if attempt == 1 {
                self.budget.deposit();
            }

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
                            return tagged(previous, method, path);
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

            let (outcome, verdict) = verdict(policy, classifier, &method, &path, outcome).await;
            let retry_after = match verdict {
                Verdict::Return => {
                    finish(&span, attempt, started, &outcome);
                    return tagged(outcome, method, path);
                }
                Verdict::RetryAfter(after) => Some(after),
                Verdict::Retry => None,
            };
            let delay =
                retry_after.unwrap_or_else(|| policy.backoff().delay_with(attempt, &mut rng));
            let why_not = if attempt >= policy.max_attempts() {
                Some("no attempt left")
            } else if started.elapsed().saturating_add(delay) > policy.max_elapsed() {
                Some("the next attempt would start after max_elapsed")
            } else if !self.budget.try_withdraw() {
                Some("the retry budget is spent")
            } else {
                None
            };
            if let Some(why_not) = why_not {
                give_up(attempt, why_not, &outcome);
                finish(&span, attempt, started, &outcome);
                return tagged(outcome, method, path);
            }
            tracing::debug!(attempt, delay_ms = millis(delay), "retrying");
            // Kept until the retry answers (a retry cut short by `max_elapsed` returns it);
            // its body, if any, is then dropped unread, which closes its connection.
            previous = Some(outcome);
            tokio::time::sleep(delay).await;
        }
    }
}

/// The response, marked with the [`Endpoint`] it answers (in its extensions), so that the
/// service's error for it can ask the classifier about the same request.
fn tagged(
    outcome: Result<Response<Body>, Error>,
    method: http::Method,
    path: String,
) -> Result<Response<Body>, Error> {
    outcome.map(|mut response| {
        response
            .extensions_mut()
            .insert(Endpoint::new(method, path));
        response
    })
}

/// The policy's verdict on an attempt's outcome. An error answer's body is read first, as far
/// as the classifier asks ([`RetryClassifier::error_body_limit`]), when it could change the
/// verdict; the outcome comes back with the same body, whole.
async fn verdict(
    policy: &RetryPolicy,
    classifier: &dyn RetryClassifier,
    method: &http::Method,
    path: &str,
    outcome: Result<Response<Body>, Error>,
) -> (Result<Response<Body>, Error>, Verdict) {
    let response = match outcome {
        Err(err) => {
            let verdict = policy.classify(classifier, method, path, &Outcome::Failed(&err));
            return (Err(err), verdict);
        }
        Ok(response) => response,
    };
    let status = response.status();
    let limit = classifier.error_body_limit();
    let reads_body = limit > 0
        && !status.is_success()
        && !policy.retry_statuses().contains(&status)
        && (policy.retry_non_idempotent() || classifier.is_repeatable(method, path));
    if !reads_body {
        let answered = Outcome::Answered {
            status,
            headers: response.headers(),
            body: &[],
        };
        let verdict = policy.classify(classifier, method, path, &answered);
        return (Ok(response), verdict);
    }
    let (parts, body) = response.into_parts();
    let (head, body) = match crate::classify::read_head(body, limit).await {
        Ok(split) => split,
        Err(err) => return (Err(err), Verdict::Return),
    };
    let answered = Outcome::Answered {
        status,
        headers: &parts.headers,
        body: &head,
    };
    let verdict = policy.classify(classifier, method, path, &answered);
    (Ok(Response::from_parts(parts, body)), verdict)
}

tokio::task_local! {
    /// The `error.type` of the last call made inside [`with_error_type`], if it failed.
    static LAST_ERROR_TYPE: RefCell<Option<String>>;
}

/// Runs `future` and returns, beside its output, the `error.type` of the last call it made
/// through a [`Transport`] (the status of a 4xx or 5xx answer, else the failure's
/// [kind](Error::kind)), or `None` when that call succeeded or none was made.
///
/// For the layer above the transport (the operation span of a service call), which sees
/// its own error type but not the HTTP outcome under it.
pub async fn with_error_type<F: Future>(future: F) -> (F::Output, Option<String>) {
    LAST_ERROR_TYPE
        .scope(RefCell::new(None), async move {
            let output = future.await;
            let error_type = LAST_ERROR_TYPE.with(|last| last.borrow_mut().take());
            (output, error_type)
        })
        .await
}

/// Records `error_type` on the call's span and for [`with_error_type`].
fn record_error_type(span: &tracing::Span, error_type: Option<&str>) {
    if let Some(error_type) = error_type {
        span.record("error.type", display(error_type));
    }
    let _outside = LAST_ERROR_TYPE.try_with(|last| {
        *last.borrow_mut() = error_type.map(str::to_owned);
    });
}

fn finish(
    span: &tracing::Span,
    attempt: u32,
    started: Instant,
    outcome: &Result<Response<Body>, Error>,
) {
    span.record("attempt", attempt);
    span.record("latency_ms", millis(started.elapsed()));
    match outcome {
        Ok(response) => {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            span.record(
                "network.protocol.version",
                display(protocol_version(response.version())),
            );
            let failed = status.is_client_error() || status.is_server_error();
            record_error_type(span, failed.then(|| status.as_str()));
        }
        Err(err) => record_error_type(span, Some(err.kind())),
    }
}

/// The request's fields of the `yoti.http` span: never its query string (nonces, the SDK id)
/// nor any header.
fn record_request<B>(span: &tracing::Span, request: &Request<B>) {
    let uri = request.uri();
    span.record("http.request.method", display(request.method()));
    if let (Some(scheme), Some(host)) = (uri.scheme(), uri.host()) {
        // Rebuilt from its parts, so that neither a query nor credentials can slip in.
        let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
        span.record(
            "url.full",
            display(format_args!("{scheme}://{host}{port}{}", uri.path())),
        );
    }
    if let Some(host) = uri.host() {
        span.record("server.address", display(host));
    }
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    });
    if let Some(port) = port {
        span.record("server.port", port);
    }
}

/// OpenTelemetry's `network.protocol.version` of an HTTP version.
fn protocol_version(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => "_OTHER",
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
