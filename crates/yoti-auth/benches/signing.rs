//! Signatures per second: a realistic IDV request built and signed through yoti-auth, against
//! raw aws-lc-rs signing of the same message, measured in the same run. Prints the ratio.
//!
//! `cargo bench -p yoti-auth` (target: ratio >= 0.95).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use http::Method;
use yoti_auth::{PrivateKey, RequestSigner, string_to_sign};

const PEM: &str = include_str!("../tests/fixtures/test-key-pkcs8.pem");

/// A realistic session specification, about 1 KB.
const BODY: &str = r##"{"client_session_token_ttl":600,"resources_ttl":604800,"user_tracking_id":"user-1234","notifications":{"endpoint":"https://example.com/yoti/notifications","topics":["SESSION_COMPLETION","CHECK_COMPLETION"],"auth_token":"token","auth_type":"BEARER"},"requested_checks":[{"type":"ID_DOCUMENT_AUTHENTICITY","config":{"manual_check":"FALLBACK"}},{"type":"LIVENESS","config":{"liveness_type":"STATIC","max_retries":3,"manual_check":"NEVER"}},{"type":"ID_DOCUMENT_FACE_MATCH","config":{"manual_check":"FALLBACK"}}],"requested_tasks":[{"type":"ID_DOCUMENT_TEXT_DATA_EXTRACTION","config":{"manual_check":"FALLBACK","chip_data":"DESIRED"}}],"required_documents":[{"type":"ID_DOCUMENT","filter":{"type":"ORTHOGONAL_RESTRICTIONS","country_restriction":{"inclusion":"INCLUDE","country_codes":["GBR","FRA","DEU"]},"type_restriction":{"inclusion":"INCLUDE","document_types":["PASSPORT","DRIVING_LICENCE"]}}}],"sdk_config":{"allowed_capture_methods":"CAMERA_AND_UPLOAD","primary_colour":"#2d9fff","locale":"en-GB","success_url":"https://example.com/success","error_url":"https://example.com/error","privacy_policy_url":"https://example.com/privacy"}}"##;

/// Seconds per operation: the best of many short batches. Interference from other work on
/// the machine only ever slows a batch down, so the fastest batch is the fairest estimate.
fn best_per_op(batches: &[Duration], ops_per_batch: u32) -> f64 {
    batches
        .iter()
        .min()
        .map_or(f64::NAN, |d| d.as_secs_f64() / f64::from(ops_per_batch))
}

fn time_batch(ops: u32, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..ops {
        op();
    }
    start.elapsed()
}

fn main() {
    let secs: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4.0);
    let signer = RequestSigner::new(
        "8e2b5a3c-1f4d-4b6a-9c8e-7d6f5e4a3b2c",
        PrivateKey::from_pem(PEM).expect("fixture key"),
    );
    let builder = signer
        .request(
            Method::POST,
            "https://api.yoti.com/idverify/v1",
            "/sessions",
        )
        .json(BODY);

    // The same message yoti-auth signs, handed to aws-lc-rs directly.
    let sample = builder.build().expect("builds");
    let message = string_to_sign(
        "POST",
        &format!("/sessions?{}", sample.uri().query().unwrap_or("")),
        sample.body(),
    );
    let der = pem_body(PEM);
    let raw = RsaKeyPair::from_pkcs8(&der).expect("fixture key");
    let rng = SystemRandom::new();
    let mut sig = vec![0u8; raw.public_modulus_len()];

    // Alternate short batches of each side until the time is up.
    // Which side runs first alternates, so neither always gets the warmer cache.
    const OPS: u32 = 50;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let mut round = 0u32;
    while start.elapsed().as_secs_f64() < secs {
        let mut run_ours = || {
            ours.push(time_batch(OPS, || {
                black_box(builder.build().expect("builds"));
            }))
        };
        let mut run_base = || {
            base.push(time_batch(OPS, || {
                raw.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig)
                    .expect("signs");
            }))
        };
        if round.is_multiple_of(2) {
            run_ours();
            run_base();
        } else {
            run_base();
            run_ours();
        }
        round += 1;
    }
    let ours = 1.0 / best_per_op(&ours, OPS);
    let base = 1.0 / best_per_op(&base, OPS);
    println!(
        "signing: message of {} bytes, RSA {} bits, best of interleaved batches of {OPS}",
        message.len(),
        raw.public_modulus_len() * 8
    );
    println!("  yoti-auth (build + sign a POST /sessions request): {ours:>9.1} signatures/s");
    println!("  raw aws-lc-rs sign of the same message:           {base:>9.1} signatures/s");
    println!(
        "  ratio yoti-auth / raw: {:.3} (target >= 0.95)",
        ours / base
    );
    // The machine-readable summary `cargo xtask bench` collects.
    println!(
        "BENCH name=signing value={ours:.1} unit=signatures/s ratio={:.3} target=ratio>=0.95 \
         | yoti-auth build + sign of a POST /sessions request / raw aws-lc-rs sign of the same \
         message, 1 core",
        ours / base
    );
}

fn pem_body(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("fixture PEM")
}
