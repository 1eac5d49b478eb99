//! [`AgeRetry`]: which Age Estimation calls are retried, and after which answers.

use std::sync::{Arc, LazyLock};

use http::{Method, StatusCode};
use yoti_http::RetryClassifier;
use yoti_types::age::{AgeErrorBody, AgeErrorCode};

/// The retry classifier of Age Estimation, used by the transport for every call of an
/// [`AgeClient`](crate::AgeClient) and by [`Error::is_retryable`](crate::Error::is_retryable).
///
/// - **Every endpoint is repeatable**, POSTs included: an estimation is a pure function of the
///   image and threshold; it creates nothing on the server, so repeating one after a timeout
///   or a lost connection gives the same answer. (Each call is billed, though.)
/// - **Transient**: the statuses of the [`RetryPolicy`](yoti_http::RetryPolicy) (429, 502,
///   503, 504) and the code `SERVICE_UNAVAILABLE` ("temporarily unavailable") whatever its
///   status ([`AgeErrorCode::is_retryable`]). `FAIL_PREDICTION` and `UNSPECIFIED_ERROR` (500)
///   are not: the reference does not say that repeating them can succeed, and a failed
///   prediction of the same image fails again. Every 4xx code is about the request or the
///   image and is final.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgeRetry;

/// How much of an error answer the transport reads to find its code: Age error bodies are a
/// code and a sentence.
const ERROR_BODY_LIMIT: usize = 4096;

impl RetryClassifier for AgeRetry {
    fn is_repeatable(&self, _method: &Method, _path: &str) -> bool {
        true
    }

    fn is_transient(&self, _status: StatusCode, body: &[u8]) -> bool {
        serde_json::from_slice::<AgeErrorBody>(body)
            .ok()
            .and_then(|body| body.error_code)
            .as_ref()
            .is_some_and(AgeErrorCode::is_retryable)
    }

    fn error_body_limit(&self) -> usize {
        ERROR_BODY_LIMIT
    }
}

/// The one shared instance, as the transport's per-call options hold it.
pub(crate) fn classifier() -> Arc<dyn RetryClassifier> {
    static SHARED: LazyLock<Arc<dyn RetryClassifier>> = LazyLock::new(|| Arc::new(AgeRetry));
    Arc::clone(&SHARED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_service_unavailable_is_transient() {
        let body = |code: &str| format!(r#"{{"error_code":"{code}","error_message":"x"}}"#);
        let transient = |code: &str| {
            AgeRetry.is_transient(StatusCode::INTERNAL_SERVER_ERROR, body(code).as_bytes())
        };
        assert!(transient("SERVICE_UNAVAILABLE"));
        for code in [
            "FAIL_PREDICTION",
            "UNSPECIFIED_ERROR",
            "FACE_NOT_FOUND",
            "NEW_CODE",
        ] {
            assert!(!transient(code), "{code}");
        }
        assert!(!AgeRetry.is_transient(StatusCode::BAD_GATEWAY, b"<html>"));
        assert!(AgeRetry.is_repeatable(&Method::POST, "/ai/v1/age"));
    }
}
