#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod macros;
pub mod age;
pub mod backoff;
pub mod common;
mod error;
pub mod idv;
pub mod poa;
mod secret;

pub use backoff::{Backoff, Jitter};
pub use common::{Timestamp, UnknownValue};
pub use error::ValidationError;
pub use secret::SecretString;
