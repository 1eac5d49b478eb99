//! Proof of Age through the `yoti` facade against the in-process emulator: a terminal verifies QR codes.
//!
//! `cargo run --example poa_verify`: no configuration, no network beyond loopback. The
//! emulator decides outcomes from the QR value (see the yoti-poa README for the scheme); in
//! production the QR value comes from the scanner and the client from
//! `yoti::Client::from_env()` (YOTI_CLIENT_SDK_ID, YOTI_KEY_FILE_PATH, YOTI_POA_API_URL,
//! YOTI_AUTH_URL).

use std::time::Duration;

use yoti::emulator::Emulator;
use yoti::poa::models::VerifyQuery;
use yoti::poa::{VerifyOutcome, timestamp_now};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = yoti::PrivateKey::generate(2048)?;
    let emulator = Emulator::builder()
        .app("poa-example", key.public_key())
        .start()
        .await?;
    let yoti = yoti::Client::builder()
        .sdk_id("poa-example")
        .key(key)
        .emulator_url(&emulator.base_url())
        .build()?;
    let client = yoti.poa();

    for qr in [
        "age_over:18",
        "failure:USER_DID_NOT_CONSENT",
        "async:age_over:21",
        "age_over:18",
    ] {
        let query = VerifyQuery::new(qr, timestamp_now(), "till-1").set_store_id("store-42");
        let result = match client.verify(&query).await? {
            VerifyOutcome::Done(result) => result,
            VerifyOutcome::Accepted(accepted) => {
                println!("{qr}: accepted ({}), waiting for the result", accepted.id);
                client
                    .wait_for_result(&accepted.id, Duration::from_secs(10))
                    .await?
            }
            other => return Err(format!("unexpected outcome {other:?}").into()),
        };
        match result.failure_reason() {
            None => println!("{qr}: {} age_over {:?}", result.status, result.age_over()),
            Some(reason) => println!("{qr}: {} {reason}", result.status),
        }
    }
    let stats = emulator.poa_stats();
    println!(
        "token requests made: {} (the token is cached and reused)",
        stats.token_requests
    );
    emulator.shutdown().await;
    Ok(())
}
