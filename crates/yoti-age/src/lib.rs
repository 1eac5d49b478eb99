#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
mod image;
mod request;

pub use client::{AgeClient, AgeClientBuilder, DEFAULT_BASE_URL, ENV_BASE_URL};
pub use error::Error;
pub use image::{ColourType, ImageCheckError, ImageFormat, ImageInfo, ImageLimits};
pub use request::{Estimate, Verify};
/// Error details that appear in [`Error`] (re-exported so that applications never need the
/// internal crate that defines them).
pub use yoti_internal::{DecodeError, EnvError};

pub use yoti_auth::PrivateKey;
pub use yoti_http::{RetryPolicy, Transport};
pub use yoti_types::ValidationError;
pub use yoti_types::age::{
    AgeAntispoofingResponse, AgeAntispoofingVerifyResponse, AgeCheck, AgeCheckResult, AgeEndpoint,
    AgeErrorCode, AgeEstimate, AntispoofingResponse, AntispoofingResult, Device,
    ImgValidationLevel, LevelOfAssurance, Operator, Prediction,
};
