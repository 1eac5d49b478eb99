//! Shared helpers for the end-to-end tests: an emulator with a registered application, and
//! a signer and transport pointed at it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use yoti_auth::{PrivateKey, RequestSigner, SignedRequestBuilder};
use yoti_emulator::Emulator;
use yoti_http::{HyperClient, RetryPolicy, Transport};

pub mod images;
pub mod recording;

/// The SDK id of the test application.
pub const SDK_ID: &str = "0b1c2d3e-test-sdk-id";

/// One application's key, generated once per test binary.
pub fn test_key() -> PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(2048).expect("key generation"))
        .clone()
}

/// An emulator with the test application registered, and a signer for it.
pub async fn emulator() -> (Emulator, RequestSigner) {
    let key = test_key();
    let emulator = Emulator::builder()
        .app(SDK_ID, key.public_key())
        .start()
        .await
        .expect("emulator starts");
    (emulator, RequestSigner::new(SDK_ID, key))
}

/// A transport with fast retries (so tests stay short).
pub fn transport() -> Transport {
    Transport::new(HyperClient::new()).with_retry(
        RetryPolicy::default()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(5))
            .with_max_backoff(Duration::from_millis(20)),
    )
}

/// An IDV client of the test application for `emulator`, on [`transport`].
pub fn idv_client(emulator: &Emulator) -> yoti_idv::IdvClient {
    yoti_idv::IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emulator.idv_url())
        .transport(transport())
        .build()
        .expect("an IDV client for the emulator")
}

/// An Age client of the test application for `emulator`, on [`transport`].
pub fn age_client(emulator: &Emulator) -> yoti_age::AgeClient {
    yoti_age::AgeClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emulator.age_url())
        .transport(transport())
        .build()
        .expect("an Age client for the emulator")
}

/// A Proof of Age client of the test application for `emulator` (its token endpoint too),
/// on [`transport`].
pub fn poa_client(emulator: &Emulator) -> yoti_poa::PoaClient {
    yoti_poa::PoaClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emulator.poa_url())
        .token_url(emulator.token_url())
        .transport(transport())
        .build()
        .expect("a PoA client for the emulator")
}

/// What a request came back with.
#[derive(Debug)]
pub struct Outcome {
    /// The final status.
    pub status: http::StatusCode,
    /// The final body, parsed as JSON (Null when empty or not JSON).
    pub json: serde_json::Value,
    /// The raw final body.
    pub body: Bytes,
    /// How many times the request was built (signed), i.e. attempts made.
    pub attempts: u32,
}

/// Sends a signed request through `transport`, signing afresh for each attempt.
pub async fn send(
    transport: &Transport,
    request: &SignedRequestBuilder<'_>,
) -> Result<Outcome, yoti_http::Error> {
    let attempts = Arc::new(AtomicU32::new(0));
    let counter = attempts.clone();
    let response = transport
        .execute(|_| {
            counter.fetch_add(1, Ordering::SeqCst);
            request.build()
        })
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?;
    Ok(Outcome {
        status,
        json: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        body,
        attempts: attempts.load(Ordering::SeqCst),
    })
}

/// The root README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
