#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
mod image;
mod request;
mod retry;

pub use client::{AgeClient, AgeClientBuilder, DEFAULT_BASE_URL, ENV_BASE_URL};
pub use error::{ApiError, Error};

/// A call to the Age Estimation service, ready to run: `.await` it. The one
/// [`Call`](yoti_internal::Call) of every service client, with the Age [`Error`]: per-call
/// options `with_timeout`, `with_read_timeout`, `with_retry` (or set them on the request).
pub type Call<T> = yoti_internal::Call<T, Error>;
pub use image::{ColourType, ImageCheckError, ImageFormat, ImageInfo, ImageLimits};
pub use request::{Estimate, Verify};
pub use retry::AgeRetry;
/// Error details that appear in [`Error`] (re-exported so that applications never need the
/// internal crate that defines them).
pub use yoti_internal::{DecodeError, EnvError};

pub use yoti_auth::PrivateKey;
pub use yoti_http::{RetryPolicy, Transport};
pub use yoti_types::ValidationError;
/// The Age Estimation models of `yoti-types`: requests, answers and error codes (every
/// service crate names its models `models`).
pub use yoti_types::age as models;
