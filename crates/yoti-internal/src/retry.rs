//! [`is_retryable`]: the services' `Error::is_retryable()`, asked of the transport's own
//! decision.

use http::{HeaderMap, Method};
use yoti_http::{Endpoint, Outcome, RetryClassifier, RetryPolicy};

/// Whether the transport, under the default [`RetryPolicy`], would try again after `outcome`
/// of a request to `endpoint`: [`RetryPolicy::classify`] with the service's `classifier`, the
/// very decision the transport took. Each service's `Error::is_retryable()` answers this, so
/// that it and the transport's retries cannot disagree.
///
/// An error that names no request (built by hand, or a body that failed while streaming) is
/// judged as if its request were repeatable: only the failure itself counts.
pub fn is_retryable(
    classifier: &dyn RetryClassifier,
    endpoint: Option<&Endpoint>,
    outcome: &Outcome<'_>,
) -> bool {
    let policy = RetryPolicy::default();
    match endpoint {
        Some(endpoint) => policy
            .classify(classifier, endpoint.method(), endpoint.path(), outcome)
            .is_retry(),
        None => policy
            .with_retry_non_idempotent(true)
            .classify(classifier, &Method::GET, "", outcome)
            .is_retry(),
    }
}

/// [`is_retryable`] for an error answer: its status and body (the headers only ever turn a
/// retry into a retry after a delay).
pub fn is_retryable_answer<C, F>(
    classifier: &dyn RetryClassifier,
    api: &crate::ApiError<C, F>,
) -> bool {
    let headers = HeaderMap::new();
    let outcome = Outcome::Answered {
        status: api.status,
        headers: &headers,
        body: api.body.as_bytes(),
    };
    is_retryable(classifier, api.endpoint.as_ref(), &outcome)
}

/// [`is_retryable`] for a transport failure.
pub fn is_retryable_failure(
    classifier: &dyn RetryClassifier,
    error: &yoti_http::Error,
    endpoint: Option<&Endpoint>,
) -> bool {
    is_retryable(classifier, endpoint, &Outcome::Failed(error))
}
