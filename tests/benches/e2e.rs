//! End to end: signed `get_session` round trips per second over loopback against the
//! in-process emulator, at concurrency 1 and 16, against the pure signing rate of the same
//! machine (same key, same message length), all measured in the same run. Prints the ratios.
//!
//! `cargo bench -p yoti-tests --bench e2e` (`BENCH_SECONDS` sets the length, default 4).
//! Target: at concurrency 16, at least 0.8x the signing rate.
//!
//! - Pure signing: raw aws-lc-rs RSA-2048 PKCS#1 v1.5 / SHA-256 signatures of a message as
//!   long as the one each `get_session` signs, on **one core** (the benchmark's main thread,
//!   with the runtime idle).
//! - Round trips: `IdvClient::get_session` of a COMPLETED session (build, sign, send, the
//!   emulator verifies the signature and renders the session, the client parses the typed
//!   answer). The emulator runs in the same process on a 2-worker tokio runtime; the client
//!   tasks share those workers and one client (one connection pool). Both sides run on the
//!   machine's cores: the emulator's signature verification and HTTP work are paid on the
//!   same cores as the client's signing.
//! - Batches of each alternate until the time is up; the best batch of each is kept.

mod common;

use std::hint::black_box;
use std::time::Instant;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use http::Method;
use yoti_auth::{RequestSigner, string_to_sign};

use common::{SDK_ID, bench_seconds, best_rate, completed_session, keys, time_batch};

/// Round trips per batch at concurrency 1; signatures per signing batch.
const OPS_1: u32 = 40;
const OPS_SIGN: u32 = 40;
/// Concurrency 16: 16 tasks, each this many round trips per batch.
const TASKS: u32 = 16;
const PER_TASK: u32 = 10;

fn main() {
    let secs = bench_seconds(4.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (key, raw) = keys();
    let (emu, client, sid) = rt.block_on(completed_session(&key));

    // The message a `get_session` signs, for the raw signing side: same length exactly.
    let signer = RequestSigner::new(SDK_ID, key.clone());
    let sample = signer
        .request(Method::GET, &emu.idv_url(), &format!("/sessions/{sid}"))
        .build()
        .expect("builds");
    let message = string_to_sign(
        "GET",
        &format!("/sessions/{sid}?{}", sample.uri().query().unwrap_or("")),
        b"",
    );
    let rng = SystemRandom::new();
    let mut sig = vec![0u8; raw.public_modulus_len()];

    // Warm up: connections, the session rendering, the parser.
    let body_len = rt.block_on(async {
        let session = client.get_session(&sid).await.expect("get_session");
        serde_json::to_vec(&session).map_or(0, |v| v.len())
    });

    let (mut sign, mut c1, mut c16) = (Vec::new(), Vec::new(), Vec::new());
    let verified_before = emu.stats().verified;
    let mut round_trips = 0u64;
    let start = Instant::now();
    let mut round = 0u32;
    while start.elapsed().as_secs_f64() < secs || round < 3 {
        for side in 0..3 {
            match (side + round) % 3 {
                0 => sign.push(time_batch(OPS_SIGN, || {
                    raw.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig)
                        .expect("signs");
                })),
                1 => c1.push(rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..OPS_1 {
                        black_box(client.get_session(&sid).await.expect("get_session"));
                    }
                    start.elapsed()
                })),
                _ => c16.push(rt.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = (0..TASKS)
                        .map(|_| {
                            let (client, sid) = (client.clone(), sid.clone());
                            tokio::spawn(async move {
                                for _ in 0..PER_TASK {
                                    black_box(client.get_session(&sid).await.expect("get_session"));
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.expect("task");
                    }
                    start.elapsed()
                })),
            }
        }
        round_trips += u64::from(OPS_1 + TASKS * PER_TASK);
        round += 1;
    }
    let verified = emu.stats().verified - verified_before;
    assert_eq!(verified, round_trips, "every round trip was verified once");
    rt.block_on(emu.shutdown());

    let sign = best_rate(&sign, OPS_SIGN);
    let c1 = best_rate(&c1, OPS_1);
    let c16 = best_rate(&c16, TASKS * PER_TASK);
    let (r1, r16) = (c1 / sign, c16 / sign);
    println!(
        "e2e: signed get_session round trips over loopback against the in-process emulator \
         ({cores} cores, {round} rounds of interleaved batches, best batch per side)"
    );
    println!(
        "  session answer {body_len} bytes; signed message {} bytes; RSA {} bits",
        message.len(),
        raw.public_modulus_len() * 8
    );
    println!("  pure signing, raw aws-lc-rs, 1 core:  {sign:>8.1} signatures/s");
    println!("  get_session, concurrency 1:          {c1:>8.1} round trips/s   ratio {r1:.3}");
    println!(
        "  get_session, concurrency 16:         {c16:>8.1} round trips/s   ratio {r16:.3} \
         (target >= 0.8: {})",
        if r16 >= 0.8 { "met" } else { "NOT met" }
    );
    println!(
        "  (ratios: round trips/s over 1-core signatures/s; each round trip also has its \
         signature verified by the emulator, on the same {cores} cores)"
    );
    println!(
        "BENCH name=e2e-get-session-c1 value={c1:.1} unit=round-trips/s ratio={r1:.3} \
         target=none | concurrency 1, over the 1-core raw signing rate ({sign:.0}/s)"
    );
    println!(
        "BENCH name=e2e-get-session-c16 value={c16:.1} unit=round-trips/s ratio={r16:.3} \
         target=ratio>=0.8 | concurrency 16, over the 1-core raw signing rate ({sign:.0}/s); \
         emulator verifies on the same {cores} cores"
    );
}
