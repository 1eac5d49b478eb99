//! [`IdvRetry`]: which IDV calls are retried, and after which answers.

use std::sync::{Arc, LazyLock};

use http::Method;
use yoti_http::RetryClassifier;

/// The retry classifier of IDV, used by the transport for every call of an
/// [`IdvClient`](crate::IdvClient) (and its client-session and sandbox clients) and by
/// [`Error::is_retryable`](crate::Error::is_retryable).
///
/// - **Repeatable**: GET, PUT and DELETE, idempotent by the reference (reading a session or
///   its media, replacing a response config or a media upload, deleting). **No POST is**:
///   `POST /sessions` creates a new session each time, the client-session POSTs create
///   resources or trigger checks (which deletes the client session token). A POST is retried
///   only when it never left (a connect error).
/// - **Transient**: the statuses of the [`RetryPolicy`](yoti_http::RetryPolicy) (429, 502,
///   503, 504; the reference documents 503 "the service is unavailable"). No IDV error code
///   is transient by itself, so no error body is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdvRetry;

impl RetryClassifier for IdvRetry {
    fn is_repeatable(&self, method: &Method, _path: &str) -> bool {
        yoti_http::is_idempotent(method)
    }
}

/// The one shared instance, as the transport's per-call options hold it.
pub(crate) fn classifier() -> Arc<dyn RetryClassifier> {
    static SHARED: LazyLock<Arc<dyn RetryClassifier>> = LazyLock::new(|| Arc::new(IdvRetry));
    Arc::clone(&SHARED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_never_repeatable() {
        for m in [Method::GET, Method::PUT, Method::DELETE] {
            assert!(IdvRetry.is_repeatable(&m, "/idverify/v1/sessions/x"), "{m}");
        }
        assert!(!IdvRetry.is_repeatable(&Method::POST, "/idverify/v1/sessions"));
        assert_eq!(IdvRetry.error_body_limit(), 0);
    }
}
