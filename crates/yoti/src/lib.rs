#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;

pub use client::{Client, ClientBuilder, Error};

/// The client session token handed to the end user's device (IDV).
pub use yoti_auth::ClientSessionToken;
/// The application key: an RSA private key from Yoti Hub (PEM, PKCS#1 or PKCS#8).
pub use yoti_auth::PrivateKey;
/// Why a base URL was refused, or a transport failure.
pub use yoti_http::Error as HttpError;
/// The retry budget shared by every clone of a transport.
pub use yoti_http::RetryBudget;
/// When and how often a call is retried.
pub use yoti_http::RetryPolicy;
/// The HTTP transport (connection pool, timeouts, retries) that every service client shares.
pub use yoti_http::Transport;
/// The one backoff of every retry and polling loop, and how it is randomised.
pub use yoti_http::{Backoff, Jitter};
/// The default HTTP client and its builder: proxies, TLS (a private CA), HTTP/2, timeouts.
pub use yoti_http::{HyperClient, HyperClientBuilder};
/// Why [`Client::from_env`] could not read the environment.
pub use yoti_internal::EnvError;
/// The timestamp type of every model.
pub use yoti_types::Timestamp;
/// What a builder refuses before anything is sent.
pub use yoti_types::ValidationError;

/// Identity Verification: sessions, media, the sandbox, the end user's client endpoints,
/// notifications (the `yoti-idv` crate).
#[cfg(feature = "idv")]
pub mod idv {
    pub use yoti_idv::*;
}

/// Age Estimation (the `yoti-age` crate).
#[cfg(feature = "age")]
pub mod age {
    pub use yoti_age::*;
}

/// Proof of Age, with bearer tokens obtained and cached for you (the `yoti-poa` crate).
#[cfg(feature = "poa")]
pub mod poa {
    pub use yoti_poa::*;
}

/// The local emulator of all three services, for tests and demos (the `yoti-emulator` crate).
#[cfg(feature = "emulator")]
pub mod emulator {
    pub use yoti_emulator::*;
}
