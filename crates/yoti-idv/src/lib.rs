#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod call;
mod client;
mod client_session;
mod error;
mod media;
mod multipart;
pub mod notification;
mod retry;
mod sandbox;
mod wait;
#[cfg(test)]
mod wire_tests;

pub use call::{BoxFuture, Call};
pub use client::{
    DEFAULT_BASE_URL, ENV_BASE_URL, ENV_BASE_URL_LEGACY, IdvClient, IdvClientBuilder,
    SANDBOX_BASE_URL, SupportedDocumentsRequest, base_url_from_env, sandbox_base_url,
};
pub use client_session::{
    ClientSession, ClientSessionBuilder, CreateIdDocumentRequest, CreatedResource,
    PAGE_DESCRIPTOR_PART, PageDescriptor, PageUpload, TRIGGER_CHECKS_PATH, TextExtraction,
};
pub use error::{ApiError, Error};
pub use media::{MediaContent, MediaStream};
pub use multipart::{Image, ImageFormat};
pub use notification::{Event, NotificationVerifier};
pub use retry::IdvRetry;
pub use sandbox::SandboxClient;
pub use wait::{WaitOptions, is_final};
/// Error details that appear in [`Error`] (re-exported so that applications never need the
/// internal crate that defines them).
pub use yoti_internal::{DecodeError, EnvError};

/// The client session token type (re-exported from `yoti-auth`).
pub use yoti_auth::ClientSessionToken;
/// The application key type (re-exported from `yoti-auth`).
pub use yoti_auth::PrivateKey;
/// The models this crate sends and receives (re-exported from `yoti-types`).
pub use yoti_types::idv as models;
