//! Fault injection: a share of requests answered 503 (or another status and code), added
//! latency, dropped connections; on every service route, or on the paths under a prefix.
//!
//! Deterministic on purpose, so tests are stable: with a rate `r`, exactly `floor(n * r)`
//! of the first `n` requests after the faults were set are hit, the very first included
//! (a Bresenham-style spread, not a coin toss).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::Shared;

/// Faults to inject into the service routes (never into `/__emulator/` admin routes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Share of requests, 0.0 to 1.0, answered `503 SERVICE_UNAVAILABLE`.
    pub error_rate: f64,
    /// Share of requests, 0.0 to 1.0, whose connection is dropped before an answer.
    pub drop_rate: f64,
    /// Latency added before every answer, in milliseconds (at most 3 600 000, an hour).
    pub latency_ms: u64,
    /// The status of the injected error answers (400 to 599; default 503).
    pub error_status: Option<u16>,
    /// The Yoti error code of the injected error answers, in the service's error body
    /// (default `SERVICE_UNAVAILABLE`).
    pub error_code: Option<String>,
    /// Only requests whose path starts with this are faulted (default: every service
    /// route). Requests elsewhere are neither faulted nor counted in the spread.
    pub path_prefix: Option<String>,
}

impl FaultConfig {
    /// Checks the rates are within 0.0..=1.0 and the latency at most an hour.
    ///
    /// # Errors
    /// A message naming the bad field.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_ms > crate::limits::MAX_LATENCY_MS {
            return Err(format!(
                "latency_ms must be at most {}, got {}",
                crate::limits::MAX_LATENCY_MS,
                self.latency_ms
            ));
        }
        if let Some(status) = self.error_status
            && !(400..=599).contains(&status)
        {
            return Err(format!("error_status must be 400 to 599, got {status}"));
        }
        if let Some(code) = &self.error_code
            && (code.is_empty() || code.len() > 128)
        {
            return Err("error_code must be 1 to 128 characters".to_owned());
        }
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0.0 and 1.0, got {rate}"));
            }
        }
        Ok(())
    }
}

/// The running state of the fault spread.
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    pub(crate) config: FaultConfig,
    error_acc: f64,
    drop_acc: f64,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Error,
    Drop,
}

impl FaultState {
    pub(crate) fn new(config: FaultConfig) -> Self {
        // Start the accumulators one step short of firing, so the first request is hit.
        Self {
            error_acc: 1.0 - config.error_rate,
            drop_acc: 1.0 - config.drop_rate,
            config,
        }
    }

    fn next(&mut self) -> (Fault, Duration) {
        let latency = Duration::from_millis(self.config.latency_ms);
        if self.config.drop_rate > 0.0 {
            self.drop_acc += self.config.drop_rate;
            if self.drop_acc >= 1.0 - 1e-9 {
                self.drop_acc -= 1.0;
                return (Fault::Drop, latency);
            }
        }
        if self.config.error_rate > 0.0 {
            self.error_acc += self.config.error_rate;
            if self.error_acc >= 1.0 - 1e-9 {
                self.error_acc -= 1.0;
                return (Fault::Error, latency);
            }
        }
        (Fault::None, latency)
    }
}

/// Middleware over the service routes.
pub(crate) async fn inject(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let picked = {
        let mut faults = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        let config = &faults.config;
        let elsewhere = config
            .path_prefix
            .as_deref()
            .is_some_and(|prefix| !request.uri().path().starts_with(prefix));
        let status = config
            .error_status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let code = config.error_code.clone();
        (!elsewhere).then(|| {
            let (fault, latency) = faults.next();
            (fault, latency, status, code)
        })
    };
    let Some((fault, latency, status, code)) = picked else {
        return next.run(request).await;
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None => next.run(request).await,
        Fault::Error => {
            shared.stats.count_fault();
            ApiError::new(
                crate::state::error_style_for(request.uri().path()),
                status,
                code.as_deref().unwrap_or("SERVICE_UNAVAILABLE"),
                "The service is temporarily unavailable (injected fault).",
            )
            .into_response()
        }
        Fault::Drop => {
            shared.stats.count_fault();
            // A body that fails before its first byte makes hyper abort the connection: the
            // client sees the connection close before a complete answer.
            let body = Body::new(FailingBody);
            Response::builder()
                .status(StatusCode::OK)
                .header("content-length", "64")
                .body(body)
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// A body that fails at once, so that hyper aborts the connection mid-answer.
struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected dropped connection",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: FaultConfig, n: usize) -> Vec<Fault> {
        let mut state = FaultState::new(config);
        (0..n).map(|_| state.next().0).collect()
    }

    #[test]
    fn half_the_requests_fail_starting_with_the_first() {
        let faults = run(
            FaultConfig {
                error_rate: 0.5,
                ..Default::default()
            },
            6,
        );
        assert_eq!(
            faults,
            [
                Fault::Error,
                Fault::None,
                Fault::Error,
                Fault::None,
                Fault::Error,
                Fault::None
            ]
        );
    }

    #[test]
    fn rates_spread_exactly() {
        for rate in [0.0, 0.1, 0.25, 1.0 / 3.0, 0.9, 1.0] {
            let n = 300;
            let hits = run(
                FaultConfig {
                    error_rate: rate,
                    ..Default::default()
                },
                n,
            )
            .into_iter()
            .filter(|f| *f == Fault::Error)
            .count();
            assert_eq!(
                hits,
                (n as f64 * rate + 1e-6).floor() as usize,
                "rate {rate}"
            );
        }
    }
}
