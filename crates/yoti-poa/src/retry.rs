//! [`PoaRetry`]: which Proof of Age calls are retried, and after which answers.

use std::sync::{Arc, LazyLock};

use http::{Method, StatusCode};
use yoti_http::RetryClassifier;
use yoti_types::poa::{PoaErrorBody, PoaErrorCode};

/// The retry classifier of Proof of Age, used by the transport for every API call of a
/// [`PoaClient`](crate::PoaClient) and by [`Error::is_retryable`](crate::Error::is_retryable).
///
/// - **Repeatable**: `GET /poa/v1/verify/{id}` (reading a result). **Not**
///   `POST /poa/v1/verify`: a QR code's presentation may be single-use (the reference's
///   failure reasons include `PRESENTATION_ALREADY_USED`), so a verify that may have reached
///   the service is never sent again; it is retried only when it never left (a connect
///   error).
/// - **Transient**: the statuses of the [`RetryPolicy`](yoti_http::RetryPolicy) (429, 502,
///   503, 504) and the code `SYSTEM_UNAVAILABLE` ("there is a server issue", a 500;
///   [`PoaErrorCode::is_retryable`]): a result read again may succeed.
/// - The token endpoint follows yoti-auth's rules (its own refresh retries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoaRetry;

/// How much of an error answer the transport reads to find its code.
const ERROR_BODY_LIMIT: usize = 4096;

impl RetryClassifier for PoaRetry {
    fn is_repeatable(&self, method: &Method, _path: &str) -> bool {
        yoti_http::is_idempotent(method)
    }

    fn is_transient(&self, _status: StatusCode, body: &[u8]) -> bool {
        serde_json::from_slice::<PoaErrorBody>(body)
            .ok()
            .and_then(|body| body.error)
            .as_ref()
            .is_some_and(PoaErrorCode::is_retryable)
    }

    fn error_body_limit(&self) -> usize {
        ERROR_BODY_LIMIT
    }
}

/// The one shared instance, as the transport's per-call options hold it.
pub(crate) fn classifier() -> Arc<dyn RetryClassifier> {
    static SHARED: LazyLock<Arc<dyn RetryClassifier>> = LazyLock::new(|| Arc::new(PoaRetry));
    Arc::clone(&SHARED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_is_not_repeatable_and_system_unavailable_is_transient() {
        assert!(!PoaRetry.is_repeatable(&Method::POST, "/poa/v1/verify"));
        assert!(PoaRetry.is_repeatable(&Method::GET, "/poa/v1/verify/x"));
        let body = br#"{"error":"SYSTEM_UNAVAILABLE","message":"x"}"#;
        assert!(PoaRetry.is_transient(StatusCode::INTERNAL_SERVER_ERROR, body));
        let body = br#"{"error":"MALFORMED_PAYLOAD"}"#;
        assert!(!PoaRetry.is_transient(StatusCode::BAD_REQUEST, body));
    }
}
