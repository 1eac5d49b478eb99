//! When to retry, and how long to wait first.

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode, header::RETRY_AFTER};

use crate::classify::{Outcome, RetryClassifier, Verdict};
pub use yoti_types::{Backoff, Jitter};

/// The statuses worth retrying by default: 429, 502, 503 and 504 (the service is busy or a
/// proxy could not reach it; the request was not acted upon).
pub const RETRYABLE_STATUSES: [StatusCode; 4] = [
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

/// Whether a status is one of [`RETRYABLE_STATUSES`]: what service errors use for
/// `is_retryable()`, so that they agree with the default retry policy.
pub fn is_retryable_status(status: StatusCode) -> bool {
    RETRYABLE_STATUSES.contains(&status)
}

/// When [`Transport`](crate::Transport) retries a request, and how long it waits first.
///
/// Whether an outcome is retried is [`classify`](Self::classify)'s answer: the HTTP rules
/// below, with what the service's [`RetryClassifier`] adds (an endpoint that is safe to repeat
/// although it is a POST, an error code that is transient). A request is **repeatable** when
/// the classifier says so (by default: its method is GET, HEAD, PUT, DELETE, OPTIONS or
/// TRACE) or [`retry_non_idempotent`](Self::with_retry_non_idempotent) is set.
///
/// | outcome | repeatable | not repeatable |
/// |---|---|---|
/// | [connect error](crate::Error::is_connect): the request never left | retried | retried |
/// | [transport error](crate::Error::Transport) (reset, dropped, incomplete) or [timeout](crate::Error::Timeout) | retried | returned |
/// | a status in [`retry_statuses`](Self::retry_statuses) (429, 502, 503, 504) | retried | returned |
/// | another error status whose body the classifier calls [transient](RetryClassifier::is_transient) | retried | returned |
/// | any other response or error | returned | returned |
///
/// The n-th retry waits [`backoff`](Self::backoff)`.delay(n)`: `min(max_backoff,
/// initial_backoff * 2^(n-1))`, randomised by [`Jitter`], or what the server asked for in a
/// `Retry-After: <seconds>` header on a 429 or 503. No retry starts once
/// [`max_attempts`](Self::max_attempts) attempts were made, nor when it would start after
/// [`max_elapsed`](Self::max_elapsed) from the first attempt's start (a `Retry-After` that
/// long means giving up at once rather than retrying early), nor when the transport's
/// [`RetryBudget`](crate::RetryBudget) is spent; a retry still in flight at `max_elapsed` is
/// abandoned, and the outcome of the attempt before it returned. The first attempt is bounded
/// only by the client's request timeout, so [`RetryPolicy::none`] never shortens a slow
/// request.
///
/// Out of attempts or time, the last outcome is returned as it is: the last response (a 503
/// comes back as `Ok(response)`) or the last error.
///
/// ```
/// use std::time::Duration;
/// use yoti_http::{Backoff, RetryPolicy};
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_backoff(Backoff::new(Duration::from_millis(50), Duration::from_secs(1)))
///     .with_max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(policy.initial_backoff(), Duration::from_millis(50));
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    max_elapsed: Duration,
    retry_statuses: Vec<StatusCode>,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 100 ms up to 2 s with full jitter, 30 s in all, on 429, 502,
    /// 503 and 504; requests that are not repeatable only on connect errors.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(2)),
            max_elapsed: Duration::from_secs(30),
            retry_statuses: RETRYABLE_STATUSES.to_vec(),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// One attempt, never a retry.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// The most attempts, the first included (default 3). 0 counts as 1.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delays between attempts (default 100 ms doubling up to 2 s, full jitter).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The delay before the first retry, before jitter (default 100 ms).
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = self.backoff.with_initial(backoff);
        self
    }

    /// The longest delay computed between attempts, before jitter (default 2 s). A server's
    /// `Retry-After` may ask for longer; [`max_elapsed`](Self::with_max_elapsed) still caps it.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = self.backoff.with_max(backoff);
        self
    }

    /// The time after which no retry starts or goes on, counted from the start of the first
    /// attempt and including the delays (default 30 s).
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The response statuses that are retried for repeatable requests (default 429, 502,
    /// 503, 504).
    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.retry_statuses = statuses.into_iter().collect();
        self
    }

    /// How delays are randomised (default [`Jitter::Full`]).
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.backoff = self.backoff.with_jitter(jitter);
        self
    }

    /// Retries every request like a repeatable one, whatever its method and the service's
    /// classifier say (default false). Only for endpoints known to be safe to repeat: a POST
    /// that timed out may have been carried out.
    pub fn with_retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }

    /// The most attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delays between attempts.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// The delay before the first retry, before jitter.
    pub fn initial_backoff(&self) -> Duration {
        self.backoff.initial()
    }

    /// The longest computed delay between attempts, before jitter.
    pub fn max_backoff(&self) -> Duration {
        self.backoff.max()
    }

    /// The time after which no retry starts.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The response statuses retried for repeatable requests.
    pub fn retry_statuses(&self) -> &[StatusCode] {
        &self.retry_statuses
    }

    /// How delays are randomised.
    pub fn jitter(&self) -> Jitter {
        self.backoff.jitter()
    }

    /// Whether every request is retried like a repeatable one.
    pub fn retry_non_idempotent(&self) -> bool {
        self.retry_non_idempotent
    }

    /// Whether an attempt of `method` to `path` that ended with `outcome` calls for another
    /// attempt, and after which delay if the server asked for one: the one decision the
    /// [`Transport`](crate::Transport) takes before each retry, and that each service's
    /// `Error::is_retryable()` takes again on the error it returns, with the same classifier.
    /// The caps (attempts, time, budget) are the caller's business.
    ///
    /// An answer's `body` is cut to the classifier's
    /// [`error_body_limit`](RetryClassifier::error_body_limit) here, so that a caller holding
    /// the whole body and the transport, which reads no further, decide alike.
    ///
    /// ```
    /// use http::{HeaderMap, Method, StatusCode};
    /// use yoti_http::{HttpRules, Outcome, RetryPolicy, Verdict};
    ///
    /// let policy = RetryPolicy::default();
    /// let headers = HeaderMap::new();
    /// let verdict = |method, status| {
    ///     let answer = Outcome::Answered { status, headers: &headers, body: b"" };
    ///     policy.classify(&HttpRules, &method, "/x", &answer)
    /// };
    /// assert_eq!(verdict(Method::GET, StatusCode::SERVICE_UNAVAILABLE), Verdict::Retry);
    /// assert_eq!(verdict(Method::POST, StatusCode::SERVICE_UNAVAILABLE), Verdict::Return);
    /// assert_eq!(verdict(Method::GET, StatusCode::BAD_REQUEST), Verdict::Return);
    /// ```
    pub fn classify(
        &self,
        classifier: &dyn RetryClassifier,
        method: &Method,
        path: &str,
        outcome: &Outcome<'_>,
    ) -> Verdict {
        let repeatable = || self.retry_non_idempotent || classifier.is_repeatable(method, path);
        match *outcome {
            Outcome::Failed(err) if err.is_connect() => Verdict::Retry,
            Outcome::Failed(err) if err.is_retryable() && repeatable() => Verdict::Retry,
            Outcome::Answered {
                status,
                headers,
                body,
            } if !status.is_success() && repeatable() => {
                let body = &body[..body.len().min(classifier.error_body_limit())];
                if self.retry_statuses.contains(&status) || classifier.is_transient(status, body) {
                    retry_after(status, headers).map_or(Verdict::Retry, Verdict::RetryAfter)
                } else {
                    Verdict::Return
                }
            }
            _ => Verdict::Return,
        }
    }
}

/// The `Retry-After` of a 429 or 503, in its delay-seconds form (the HTTP-date form is
/// ignored: the backoff applies).
fn retry_after(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    if !matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use http::Response;

    use super::*;
    use crate::body::Body;
    use crate::classify::HttpRules;
    use crate::error::{BoxError, Error};

    const MS: Duration = Duration::from_millis(1);

    fn response(status: u16) -> Result<Response<Body>, Error> {
        Ok(Response::builder()
            .status(status)
            .body(Body::empty())
            .unwrap())
    }

    fn io() -> BoxError {
        Box::new(std::io::Error::other("x"))
    }

    fn decide_with(
        policy: &RetryPolicy,
        classifier: &dyn RetryClassifier,
        method: &Method,
        outcome: &Result<Response<Body>, Error>,
        body: &[u8],
    ) -> Verdict {
        let outcome = match outcome {
            Ok(response) => Outcome::Answered {
                status: response.status(),
                headers: response.headers(),
                body,
            },
            Err(err) => Outcome::Failed(err),
        };
        policy.classify(classifier, method, "/x", &outcome)
    }

    fn retries(
        policy: &RetryPolicy,
        method: Method,
        outcome: Result<Response<Body>, Error>,
    ) -> bool {
        decide_with(policy, &HttpRules, &method, &outcome, b"").is_retry()
    }

    #[test]
    fn decision_table() {
        let policy = RetryPolicy::default();
        let timeout = || Err(Error::Timeout { after: MS });
        let idempotent = [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ];
        let unsafe_methods = [
            Method::POST,
            Method::PATCH,
            Method::from_bytes(b"X").unwrap(),
        ];

        for m in idempotent {
            assert!(
                retries(&policy, m.clone(), Err(Error::Connect(io()))),
                "{m}"
            );
            assert!(
                retries(&policy, m.clone(), Err(Error::Transport(io()))),
                "{m}"
            );
            assert!(retries(&policy, m.clone(), timeout()), "{m}");
            for status in [429, 502, 503, 504] {
                assert!(
                    retries(&policy, m.clone(), response(status)),
                    "{m} {status}"
                );
            }
            for status in [200, 201, 204, 400, 401, 404, 409, 500, 501] {
                assert!(
                    !retries(&policy, m.clone(), response(status)),
                    "{m} {status}"
                );
            }
            assert!(!retries(&policy, m.clone(), Err(Error::Build(io()))), "{m}");
            assert!(!retries(&policy, m.clone(), Err(Error::Body(io()))), "{m}");
        }
        for m in unsafe_methods {
            assert!(
                retries(&policy, m.clone(), Err(Error::Connect(io()))),
                "{m}"
            );
            assert!(
                !retries(&policy, m.clone(), Err(Error::Transport(io()))),
                "{m}"
            );
            assert!(!retries(&policy, m.clone(), timeout()), "{m}");
            for status in [200, 429, 500, 502, 503, 504] {
                assert!(
                    !retries(&policy, m.clone(), response(status)),
                    "{m} {status}"
                );
            }
        }

        let lenient = RetryPolicy::default().with_retry_non_idempotent(true);
        assert!(retries(&lenient, Method::POST, Err(Error::Transport(io()))));
        assert!(retries(&lenient, Method::POST, timeout()));
        assert!(retries(&lenient, Method::PATCH, response(503)));
        assert!(!retries(&lenient, Method::POST, response(500)));

        let custom =
            RetryPolicy::default().with_retry_statuses([StatusCode::INTERNAL_SERVER_ERROR]);
        assert!(retries(&custom, Method::GET, response(500)));
        assert!(!retries(&custom, Method::GET, response(503)));
    }

    #[test]
    fn retry_after_is_read_on_429_and_503_only() {
        let policy = RetryPolicy::default();
        let with_header = |status: u16, value: &str| {
            Ok(Response::builder()
                .status(status)
                .header(RETRY_AFTER, value)
                .body(Body::empty())
                .unwrap())
        };
        let decide = |outcome| decide_with(&policy, &HttpRules, &Method::GET, &outcome, b"");
        let after = |secs| Verdict::RetryAfter(Duration::from_secs(secs));
        let plain = Verdict::Retry;
        assert_eq!(decide(with_header(429, "3")), after(3));
        assert_eq!(decide(with_header(503, " 0 ")), after(0));
        assert_eq!(decide(with_header(502, "3")), plain);
        assert_eq!(
            decide(with_header(503, "Wed, 21 Oct 2015 07:28:00 GMT")),
            plain
        );
        assert_eq!(decide(with_header(503, "-1")), plain);
        assert_eq!(decide(response(503)), plain);
    }

    /// A service's classifier: every POST to `/safe` is repeatable, and a 500 whose body
    /// says `BUSY` is transient.
    #[derive(Debug)]
    struct Service;

    impl RetryClassifier for Service {
        fn is_repeatable(&self, method: &Method, path: &str) -> bool {
            path == "/safe" || crate::classify::is_idempotent(method)
        }
        fn is_transient(&self, status: StatusCode, body: &[u8]) -> bool {
            status == StatusCode::INTERNAL_SERVER_ERROR && body == b"BUSY"
        }
        fn error_body_limit(&self) -> usize {
            4
        }
    }

    #[test]
    fn the_classifier_adds_repeatable_endpoints_and_transient_bodies() {
        let policy = RetryPolicy::default();
        let classify = |method: Method, path: &str, status: u16, body: &[u8]| {
            let response = response(status).unwrap();
            let outcome = Outcome::Answered {
                status: response.status(),
                headers: response.headers(),
                body,
            };
            policy.classify(&Service, &method, path, &outcome)
        };
        assert_eq!(classify(Method::POST, "/safe", 503, b""), Verdict::Retry);
        assert_eq!(classify(Method::POST, "/other", 503, b""), Verdict::Return);
        assert_eq!(classify(Method::GET, "/x", 500, b"BUSY"), Verdict::Retry);
        assert_eq!(
            classify(Method::POST, "/safe", 500, b"BUSY"),
            Verdict::Retry
        );
        // Not repeatable: a transient body changes nothing.
        assert_eq!(classify(Method::POST, "/x", 500, b"BUSY"), Verdict::Return);
        assert_eq!(classify(Method::GET, "/x", 500, b"IDLE"), Verdict::Return);
        // Cut at the limit: the transport reads no further than 4 bytes, so neither does a
        // caller holding the whole body.
        assert_eq!(
            classify(Method::GET, "/x", 500, b"BUSY, more"),
            Verdict::Retry
        );
        assert_eq!(classify(Method::GET, "/x", 200, b"BUSY"), Verdict::Return);
        let timeout = Err(Error::Timeout { after: MS });
        assert!(!decide_with(&policy, &Service, &Method::POST, &timeout, b"").is_retry());
        let outcome = Outcome::Failed(&Error::Timeout { after: MS });
        assert_eq!(
            policy.classify(&Service, &Method::POST, "/safe", &outcome),
            Verdict::Retry
        );
    }

    #[test]
    fn defaults_and_none() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts(), 3);
        assert_eq!(policy.initial_backoff(), 100 * MS);
        assert_eq!(policy.max_backoff(), Duration::from_secs(2));
        assert_eq!(policy.max_elapsed(), Duration::from_secs(30));
        assert_eq!(
            policy.retry_statuses(),
            [429, 502, 503, 504].map(|s| StatusCode::from_u16(s).unwrap())
        );
        assert_eq!(policy.jitter(), Jitter::Full);
        assert_eq!(*policy.backoff(), Backoff::default());
        assert!(!policy.retry_non_idempotent());
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }
}
