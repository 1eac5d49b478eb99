#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod body;
mod budget;
mod classify;
mod client;
mod error;
mod proxy;
mod retry;
mod tls;
mod transport;
mod url;

pub use body::Body;
pub use budget::{
    DEFAULT_MAX_BALANCE, DEFAULT_MIN_RETRIES_PER_SEC, DEFAULT_RETRY_RATIO, RetryBudget,
};
pub use classify::{Endpoint, HttpRules, Outcome, RetryClassifier, Verdict, is_idempotent};
pub use client::{
    BoxFuture, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
    HttpClient, HyperClient, HyperClientBuilder,
};
pub use error::{BoxError, Error};
pub use retry::{Backoff, Jitter, RETRYABLE_STATUSES, RetryPolicy, is_retryable_status};
pub use transport::{
    DEFAULT_DEADLINE, DEFAULT_READ_TIMEOUT, RequestOptions, Transport, with_error_type,
};
pub use url::{check_base_url, is_loopback, join_url};
