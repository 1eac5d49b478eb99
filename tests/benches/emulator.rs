//! The emulator: verified signed requests per second on this machine's cores, against the
//! raw aws-lc-rs verification rate, measured in the same run. Prints the ratio.
//!
//! `cargo bench -p yoti-tests --bench emulator` (`BENCH_SECONDS` sets the length, default 4).
//!
//! - Requests: signed `GET /sessions/{id}` of a COMPLETED session (the emulator reads the
//!   body, checks timestamp, nonce and signature, renders the session as JSON). They are
//!   signed **before** each timed batch (signing costs ~20x a verification and would
//!   otherwise be what is measured), then sent over loopback by 8 client tasks sharing one
//!   connection pool, each reading every answer whole. Only verified requests are counted
//!   (`Emulator::stats().verified`).
//! - The emulator runs in-process on a 2-worker tokio runtime, so the load generator (HTTP
//!   client) shares the machine's cores with it: the figure is a floor for the emulator alone.
//! - Baseline: raw aws-lc-rs RSA-2048 PKCS#1 v1.5 / SHA-256 verifications of a message of the
//!   same length, on one core.
//! - Batches of each alternate until the time is up; the best batch of each is kept.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use bytes::Bytes;
use http::{Method, Request};
use yoti_auth::{RequestSigner, string_to_sign};
use yoti_http::{RetryPolicy, Transport};

use common::{SDK_ID, bench_seconds, best_rate, completed_session, keys, time_batch};

/// Requests per timed batch, and the client tasks that send them.
const PER_BATCH: u32 = 1200;
const TASKS: usize = 8;
/// Verifications per baseline batch.
const OPS_VERIFY: u32 = 400;

fn main() {
    let secs = bench_seconds(4.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (key, raw) = keys();
    let (emu, _client, sid) = rt.block_on(completed_session(&key));
    let signer = RequestSigner::new(SDK_ID, key.clone());
    let (base, path) = (emu.idv_url(), format!("/sessions/{sid}"));
    let transport = Arc::new(yoti_tests::transport().with_retry(RetryPolicy::none()));

    // The baseline: the message of one such request, its signature, a parsed public key.
    let sample = signer
        .request(Method::GET, &base, &path)
        .build()
        .expect("builds");
    let message = string_to_sign(
        "GET",
        &format!("{path}?{}", sample.uri().query().unwrap_or("")),
        b"",
    );
    let mut signature = vec![0u8; raw.public_modulus_len()];
    raw.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        &message,
        &mut signature,
    )
    .expect("signs");
    let public = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_key().to_spki_der())
        .expect("public key");
    public.verify_sig(&message, &signature).expect("verifies");

    // Signs `n` requests on every core (outside the timing).
    let presign = |n: u32| -> Vec<Request<Bytes>> {
        let per_thread = n.div_ceil(cores as u32);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..cores)
                .map(|_| {
                    s.spawn(|| {
                        (0..per_thread)
                            .map(|_| signer.request(Method::GET, &base, &path).build())
                            .collect::<Result<Vec<_>, _>>()
                            .expect("builds")
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("signing thread"))
                .take(n as usize)
                .collect()
        })
    };
    // Sends them from TASKS tasks; answers the bytes received.
    let send = |requests: Vec<Request<Bytes>>| -> (std::time::Duration, usize) {
        let mut shares: Vec<Vec<Request<Bytes>>> = (0..TASKS).map(|_| Vec::new()).collect();
        for (i, request) in requests.into_iter().enumerate() {
            shares[i % TASKS].push(request);
        }
        rt.block_on(async {
            let start = Instant::now();
            let tasks: Vec<_> = shares
                .into_iter()
                .map(|share| {
                    let transport: Arc<Transport> = transport.clone();
                    tokio::spawn(async move {
                        let mut received = 0;
                        for request in share {
                            let mut request = Some(request);
                            let response = transport
                                .execute(|_| {
                                    request.take().ok_or(std::io::Error::other("sent once"))
                                })
                                .await
                                .expect("answered");
                            assert_eq!(response.status(), 200);
                            received += response.into_body().collect().await.expect("body").len();
                        }
                        received
                    })
                })
                .collect();
            let mut received = 0;
            for task in tasks {
                received += task.await.expect("task");
            }
            (start.elapsed(), received)
        })
    };

    // Warm up the connections.
    let (_, warm_bytes) = send(presign(TASKS as u32 * 4));
    let answer_len = warm_bytes / (TASKS * 4);

    let (mut served, mut verify) = (Vec::new(), Vec::new());
    let verified_before = emu.stats().verified;
    let start = Instant::now();
    let mut round = 0u32;
    while start.elapsed().as_secs_f64() < secs || round < 3 {
        let requests = presign(PER_BATCH);
        let run_verify = |verify: &mut Vec<_>| {
            verify.push(time_batch(OPS_VERIFY, || {
                public
                    .verify_sig(black_box(&message), black_box(&signature))
                    .expect("verifies");
            }));
        };
        if round.is_multiple_of(2) {
            run_verify(&mut verify);
            served.push(send(requests).0);
        } else {
            served.push(send(requests).0);
            run_verify(&mut verify);
        }
        round += 1;
    }
    let verified = emu.stats().verified - verified_before;
    assert_eq!(
        verified,
        u64::from(round * PER_BATCH),
        "every request was verified"
    );
    rt.block_on(emu.shutdown());

    let served = best_rate(&served, PER_BATCH);
    let verify = best_rate(&verify, OPS_VERIFY);
    let ratio = served / verify;
    println!(
        "emulator: verified signed GET /sessions/{{id}} per second, {cores} cores shared with \
         the load generator ({TASKS} client tasks, requests signed beforehand; {round} rounds, \
         best batch per side)"
    );
    println!(
        "  answer ~{answer_len} bytes; signed message {} bytes; RSA {} bits",
        message.len(),
        raw.public_modulus_len() * 8
    );
    println!("  emulator, verified requests served:  {served:>9.1} requests/s");
    println!("  raw aws-lc-rs verify, 1 core:        {verify:>9.1} verifications/s");
    println!(
        "  ratio served / raw verify (1 core):  {ratio:>9.3}   ({:.3} of the {cores}-core \
         verify ceiling)",
        served / (verify * cores as f64)
    );
    println!(
        "BENCH name=emulator-verified-requests value={served:.1} unit=requests/s \
         ratio={ratio:.3} target=none | verified signed requests served on {cores} cores \
         (load generator included) over 1-core raw aws-lc-rs verifications/s ({verify:.0}/s)"
    );
}
