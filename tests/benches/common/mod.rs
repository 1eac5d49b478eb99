//! What the end-to-end benchmarks share: timing in interleaved batches, the application key
//! (one key, seen by yoti-auth and by raw aws-lc-rs), and an emulator holding a completed
//! IDV session.

use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;
use bytes::Bytes;
use yoti_auth::PrivateKey;
use yoti_emulator::Emulator;
use yoti_idv::IdvClient;
use yoti_idv::models::LivenessType;
use yoti_idv::models::SessionSpec;
use yoti_idv::models::spec::{
    IdDocumentAuthenticityConfig, IdDocumentTextExtractionConfig, LivenessConfig, ManualCheck,
    RequestedCheck, RequestedTask, RequiredDocument,
};

/// The SDK id of the benchmark application.
pub(crate) const SDK_ID: &str = "bench-sdk-id";

/// How long each benchmark measures, in seconds: `BENCH_SECONDS`, else `default`.
pub(crate) fn bench_seconds(default: f64) -> f64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Operations per second: the best of many short batches. Interference from other work on
/// the machine only ever slows a batch down, so the fastest batch is the fairest estimate.
pub(crate) fn best_rate(batches: &[Duration], ops_per_batch: u32) -> f64 {
    batches
        .iter()
        .min()
        .map_or(f64::NAN, |d| f64::from(ops_per_batch) / d.as_secs_f64())
}

/// Times `ops` calls of `op`.
pub(crate) fn time_batch(ops: u32, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..ops {
        op();
    }
    start.elapsed()
}

/// A fresh RSA-2048 application key, as yoti-auth holds it and as raw aws-lc-rs does.
pub(crate) fn keys() -> (PrivateKey, RsaKeyPair) {
    let raw = RsaKeyPair::generate(KeySize::Rsa2048).expect("key generation");
    let der = raw.as_der().expect("PKCS#8");
    let key = PrivateKey::from_pkcs8_der(der.as_ref()).expect("the same key");
    (key, raw)
}

/// The emulator with the application registered, a client for it, and a COMPLETED session
/// (document, liveness, face match, text extraction: what `get_session` usually returns).
pub(crate) async fn completed_session(key: &PrivateKey) -> (Emulator, IdvClient, String) {
    let emu = Emulator::builder()
        .app(SDK_ID, key.public_key())
        .start()
        .await
        .expect("emulator starts");
    let client = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(key.clone())
        .base_url(emu.idv_url())
        .build()
        .expect("client");
    let spec = SessionSpec::builder()
        .client_session_token_ttl(900)
        .user_tracking_id("bench-user")
        .requested_check(RequestedCheck::id_document_authenticity(
            IdDocumentAuthenticityConfig {
                manual_check: Some(ManualCheck::Never),
                ..Default::default()
            },
        ))
        .requested_check(RequestedCheck::liveness(LivenessConfig::new(
            LivenessType::Zoom,
        )))
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .requested_task(RequestedTask::id_document_text_data_extraction(
            IdDocumentTextExtractionConfig::new(ManualCheck::Never),
        ))
        .required_document(RequiredDocument::id_document())
        .build()
        .expect("spec");
    let created = client.create_session(&spec).await.expect("session");
    let sid = created.session_id.to_string();
    simulate_user(&emu, &sid).await;
    (emu, client, sid)
}

/// `POST /__emulator/sessions/{sid}/simulate-user`: the end user provides everything and
/// the checks run.
async fn simulate_user(emu: &Emulator, sid: &str) {
    let url = format!("{}/__emulator/sessions/{sid}/simulate-user", emu.base_url());
    let response = yoti_tests::transport()
        .execute(|_| {
            http::Request::post(url.as_str())
                .header("content-type", "application/json")
                .body(Bytes::from_static(b"{}"))
        })
        .await
        .expect("simulate-user answers");
    assert!(response.status().is_success(), "{}", response.status());
}
