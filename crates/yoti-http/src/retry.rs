//! When to retry, and how long to wait first.

use std::time::Duration;

use http::{Method, Response, StatusCode, header::RETRY_AFTER};

use crate::body::Body;
use crate::error::Error;

/// How the backoff delay is randomised, so that many clients failing together do not retry
/// together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exactly the exponential delay. Predictable; meant for tests.
    None,
    /// A delay drawn uniformly from zero to the exponential delay ("full jitter").
    #[default]
    Full,
    /// Half the exponential delay, plus a delay drawn uniformly from zero to the other half
    /// ("equal jitter").
    Equal,
}

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
/// A request is **idempotent** when its method is GET, HEAD, PUT, DELETE, OPTIONS or TRACE.
///
/// | outcome | idempotent | POST, PATCH, ... |
/// |---|---|---|
/// | [connect error](Error::is_connect): the request never left | retried | retried |
/// | [transport error](Error::Transport) (reset, dropped, incomplete) or [timeout](Error::Timeout) | retried | returned |
/// | a status in [`retry_statuses`](Self::retry_statuses) (429, 502, 503, 504) | retried | returned |
/// | any other response or error | returned | returned |
///
/// [`with_retry_non_idempotent(true)`](Self::with_retry_non_idempotent) treats every method as
/// idempotent.
///
/// The n-th retry waits `min(max_backoff, initial_backoff * 2^(n-1))`, randomised by
/// [`Jitter`], or what the server asked for in a `Retry-After: <seconds>` header on a 429 or
/// 503. No retry starts once [`max_attempts`](Self::max_attempts) attempts were made, nor when
/// it would start after [`max_elapsed`](Self::max_elapsed) from the first attempt's start (a
/// `Retry-After` that long means giving up at once rather than retrying early); a retry still
/// in flight at `max_elapsed` is abandoned, and the outcome of the attempt before it returned.
/// The first attempt is bounded only by the client's request timeout, so
/// [`RetryPolicy::none`] never shortens a slow request.
///
/// Out of attempts or time, the last outcome is returned as it is: the last response (a 503
/// comes back as `Ok(response)`) or the last error.
///
/// ```
/// use std::time::Duration;
/// use yoti_http::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    retry_statuses: Vec<StatusCode>,
    jitter: Jitter,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 100 ms up to 2 s with full jitter, 30 s in all, on 429, 502,
    /// 503 and 504; non-idempotent requests only on connect errors.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(30),
            retry_statuses: RETRYABLE_STATUSES.to_vec(),
            jitter: Jitter::Full,
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

    /// The delay before the first retry, before jitter (default 100 ms).
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest delay computed between attempts, before jitter (default 2 s). A server's
    /// `Retry-After` may ask for longer; [`max_elapsed`](Self::with_max_elapsed) still caps it.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The time after which no retry starts or goes on, counted from the start of the first
    /// attempt and including the delays (default 30 s).
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The response statuses that are retried for idempotent requests (default 429, 502, 503,
    /// 504).
    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.retry_statuses = statuses.into_iter().collect();
        self
    }

    /// How delays are randomised (default [`Jitter::Full`]).
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Retries non-idempotent requests (POST, PATCH) like idempotent ones (default false).
    /// Only for endpoints known to be safe to repeat: a POST that timed out may have been
    /// carried out.
    pub fn with_retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }

    /// The most attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry, before jitter.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest computed delay between attempts, before jitter.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The time after which no retry starts.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The response statuses retried for idempotent requests.
    pub fn retry_statuses(&self) -> &[StatusCode] {
        &self.retry_statuses
    }

    /// How delays are randomised.
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// Whether non-idempotent requests are retried like idempotent ones.
    pub fn retry_non_idempotent(&self) -> bool {
        self.retry_non_idempotent
    }

    /// Whether the outcome of an attempt with `method` calls for another attempt, and if so
    /// the delay the server asked for, if any. The caps are the caller's business.
    pub(crate) fn decide(
        &self,
        method: &Method,
        outcome: &Result<Response<Body>, Error>,
    ) -> Decision {
        let repeatable = self.retry_non_idempotent || is_idempotent(method);
        match outcome {
            Err(err) if err.is_connect() => Decision::Retry { retry_after: None },
            Err(err) if repeatable && err.is_retryable() => Decision::Retry { retry_after: None },
            Ok(response) if repeatable && self.retry_statuses.contains(&response.status()) => {
                Decision::Retry {
                    retry_after: retry_after(response),
                }
            }
            _ => Decision::Done,
        }
    }

    /// The delay after the failed attempt number `attempt` (from 1), jitter applied.
    pub(crate) fn backoff(&self, attempt: u32, rng: &mut fastrand::Rng) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .checked_mul(1 << doublings)
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff);
        // In whole nanoseconds, so that no float conversion can overflow.
        let nanos = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
        let nanos = match self.jitter {
            Jitter::None => nanos,
            Jitter::Full => rng.u64(0..=nanos),
            Jitter::Equal => nanos - nanos / 2 + rng.u64(0..=nanos / 2),
        };
        Duration::from_nanos(nanos)
    }
}

/// What to do after an attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Return this outcome.
    Done,
    /// Try again, if the caps allow it.
    Retry {
        /// The delay the server asked for.
        retry_after: Option<Duration>,
    },
}

/// GET, HEAD, PUT, DELETE, OPTIONS and TRACE: repeating them has the effect of doing them once
/// (RFC 9110, section 9.2.2).
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// The `Retry-After` of a 429 or 503, in its delay-seconds form (the HTTP-date form is
/// ignored: the backoff applies).
fn retry_after(response: &Response<Body>) -> Option<Duration> {
    if !matches!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        return None;
    }
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::BoxError;

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

    fn retries(
        policy: &RetryPolicy,
        method: Method,
        outcome: Result<Response<Body>, Error>,
    ) -> bool {
        policy.decide(&method, &outcome) != Decision::Done
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
        let decide = |outcome| policy.decide(&Method::GET, &outcome);
        let after = |secs| Decision::Retry {
            retry_after: Some(Duration::from_secs(secs)),
        };
        let plain = Decision::Retry { retry_after: None };
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

    #[test]
    fn backoff_without_jitter_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .with_jitter(Jitter::None)
            .with_initial_backoff(100 * MS)
            .with_max_backoff(1000 * MS);
        let mut rng = fastrand::Rng::with_seed(1);
        let delays: Vec<_> = (1..=7).map(|n| policy.backoff(n, &mut rng)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000, 1000].map(|ms| ms * MS)
        );
    }

    #[test]
    fn backoff_never_overflows() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_secs(u64::MAX / 2))
            .with_max_backoff(Duration::MAX);
        let mut rng = fastrand::Rng::with_seed(7);
        for jitter in [Jitter::None, Jitter::Full, Jitter::Equal] {
            let policy = policy.clone().with_jitter(jitter);
            for attempt in [0, 1, 2, 31, 32, 33, 1000, u32::MAX] {
                let _ = policy.backoff(attempt, &mut rng);
            }
        }
        let zero = RetryPolicy::default().with_initial_backoff(Duration::ZERO);
        assert_eq!(zero.backoff(5, &mut rng), Duration::ZERO);
    }

    #[test]
    fn full_jitter_stays_within_zero_and_the_base() {
        let policy = RetryPolicy::default()
            .with_jitter(Jitter::Full)
            .with_initial_backoff(100 * MS)
            .with_max_backoff(2000 * MS);
        let mut rng = fastrand::Rng::with_seed(42);
        for attempt in 1..=8 {
            let base = (100 * MS * 2u32.pow(attempt - 1)).min(2000 * MS);
            let delays: Vec<_> = (0..500)
                .map(|_| policy.backoff(attempt, &mut rng))
                .collect();
            assert!(delays.iter().all(|d| *d <= base), "attempt {attempt}");
            // Spread over the whole range, not stuck at one end.
            assert!(delays.iter().any(|d| *d < base / 4), "attempt {attempt}");
            assert!(
                delays.iter().any(|d| *d > base * 3 / 4),
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn equal_jitter_stays_within_half_and_the_base() {
        let policy = RetryPolicy::default()
            .with_jitter(Jitter::Equal)
            .with_initial_backoff(100 * MS)
            .with_max_backoff(2000 * MS);
        let mut rng = fastrand::Rng::with_seed(42);
        for attempt in 1..=8 {
            let base = (100 * MS * 2u32.pow(attempt - 1)).min(2000 * MS);
            let delays: Vec<_> = (0..500)
                .map(|_| policy.backoff(attempt, &mut rng))
                .collect();
            assert!(
                delays.iter().all(|d| *d >= base / 2 && *d <= base),
                "attempt {attempt}"
            );
            assert!(
                delays.iter().any(|d| *d < base * 5 / 8),
                "attempt {attempt}"
            );
            assert!(
                delays.iter().any(|d| *d > base * 7 / 8),
                "attempt {attempt}"
            );
        }
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
        assert!(!policy.retry_non_idempotent());
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }
}
