//! Proof of Age models: verify queries, results, webhooks, tokens.
//!
//! A terminal scans the QR code of a user's Proof of Age card and posts it to
//! `POST https://api.yoti.com/poa/v1/verify` as a [`VerifyQuery`], with a bearer token from the
//! OAuth token endpoint ([`TokenRequest`] / [`TokenResponse`]). The answer is a [`PoaResult`]
//! (200), or a [`VerifyAccepted`] (202) when the result comes later: then it is delivered to
//! the query's [`Notification`] URL (the webhook body is a [`PoaResult`] too) and readable with
//! `GET /poa/v1/verify/{id}`. Failures answer [`PoaErrorBody`]; the token endpoint answers
//! [`OAuthErrorBody`].
//!
//! ```
//! use yoti_types::Timestamp;
//! use yoti_types::poa::{Notification, ValidationOptions, VerifyQuery};
//!
//! let scanned_at = Timestamp::new("2025-07-16T16:55:12Z");
//! let query = VerifyQuery::new("mdoc:owBjMS4wAYIB2BhY", scanned_at, "pos-1234957")
//!     .set_notification(Notification::new("https://example.com/poa"));
//! query.validate(&ValidationOptions::default())?;
//! # Ok::<(), yoti_types::ValidationError>(())
//! ```

mod error;
mod result;
mod token;
mod verify;

pub use error::{PoaErrorBody, PoaErrorCode, PoaErrorStatus};
pub use result::{
    AgeOverResult, Failure, FailureReason, PoaCheck, PoaResult, PoaStatus, Provider,
    VerificationId, VerifyAccepted, WaitingOn,
};
pub use token::{
    AccessToken, CLIENT_ASSERTION_TYPE_JWT_BEARER, ClientAssertion, ClientAssertionClaims,
    GRANT_TYPE_CLIENT_CREDENTIALS, OAuthErrorBody, OAuthErrorCode, TokenRequest, TokenResponse,
    TokenType,
};
pub use verify::{
    Notification, NotificationMethod, QrCode, StoreId, Terminal, TerminalId, ValidationOptions,
    VerifyQuery,
};
