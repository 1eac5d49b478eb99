//! The emulator at scale: requests per second and p99 latency with 1 000 and with 100 000
//! live IDV sessions, and the memory each live session takes. Prints the ratios.
//!
//! `cargo bench -p yoti-tests --bench emulator_scale` (`BENCH_SECONDS` sets the length,
//! default 4).
//!
//! - Two emulators run side by side in this process, one holding 1 000 live sessions and one
//!   100 000 (made with [`Emulator::seed_idv_sessions`], timers included, as `POST /sessions`
//!   makes them; signed creates would take minutes). Batches alternate between them until
//!   the time is up, so that other load on the machine hits both alike.
//! - A batch is 300 signed `POST /sessions` (signed beforehand: signing is ~20x a
//!   verification) and 300 client-token `POST /sessions/{id}/resources/id-documents` on
//!   random live sessions (each answered 403 `RESOURCE_NOT_REQUIRED`: see [`SPEC`]),
//!   interleaved, sent by 8 tasks over one connection pool, each
//!   answer read whole. Requests/s is the best batch; p99 is over every request.
//! - Memory: the growth of this process's RSS while the 100 000 sessions were made, per
//!   session (the benchmark's own list of ids and tokens, ~150 bytes a session, included);
//!   its ratio is over the length of such a session's JSON answer.

#[expect(dead_code, reason = "each benchmark uses part of it")]
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request};
use yoti_auth::RequestSigner;
use yoti_emulator::Emulator;
use yoti_http::{RetryPolicy, Transport};

use common::{SDK_ID, bench_seconds, keys};

const SMALL: usize = 1_000;
const LARGE: usize = 100_000;
const PER_KIND: usize = 300;
const TASKS: usize = 8;
/// Sessions (seeded and created) require nothing, so that every client-token document
/// request gets the same answer on both sides: 403 `RESOURCE_NOT_REQUIRED`, after the token
/// lookup and the session's settling (the work that used to grow with live sessions).
const SPEC: &str = "{}";
const DOCUMENT: &str = r#"{"document_type": "PASSPORT", "issuing_country": "GBR"}"#;

/// This process's resident set, in bytes (Linux).
fn rss() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb * 1024.0)
}

struct Side {
    name: &'static str,
    emu: Emulator,
    sessions: Vec<(String, String)>,
    batches: Vec<Duration>,
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
}

impl Side {
    fn rate(&self) -> f64 {
        let best = self.batches.iter().min().copied().unwrap_or(Duration::MAX);
        (2 * PER_KIND) as f64 / best.as_secs_f64()
    }

    fn p99(&self) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        sorted
            .get(sorted.len() * 99 / 100)
            .copied()
            .unwrap_or_default()
    }
}

fn main() {
    let secs = bench_seconds(4.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (key, _) = keys();
    let signer = RequestSigner::new(SDK_ID, key.clone());
    let start = |n: usize| {
        rt.block_on(async {
            let emu = Emulator::builder()
                .app(SDK_ID, key.public_key())
                .start()
                .await
                .expect("emulator starts");
            let sessions = emu.seed_idv_sessions(SDK_ID, SPEC, n).expect("seeds");
            (emu, sessions)
        })
    };
    let (small, small_sessions) = start(SMALL);
    let before = rss();
    let (large, large_sessions) = start(LARGE);
    let per_session = (rss() - before) / LARGE as f64;
    let answer_len = rt.block_on(async {
        let (id, _) = &large_sessions[0];
        let request = signer
            .request(Method::GET, &large.idv_url(), &format!("/sessions/{id}"))
            .build()
            .expect("builds");
        let transport = yoti_tests::transport();
        let mut request = Some(request);
        let response = transport
            .execute(|_| request.take().ok_or(std::io::Error::other("once")))
            .await
            .expect("answered");
        response.into_body().collect().await.expect("body").len()
    });
    let mut sides = [
        Side {
            name: "1k",
            emu: small,
            sessions: small_sessions,
            batches: Vec::new(),
            latencies: Vec::new(),
            statuses: BTreeMap::new(),
        },
        Side {
            name: "100k",
            emu: large,
            sessions: large_sessions,
            batches: Vec::new(),
            latencies: Vec::new(),
            statuses: BTreeMap::new(),
        },
    ];
    let transport = Arc::new(yoti_tests::transport().with_retry(RetryPolicy::none()));
    let mut rng = fastrand::Rng::with_seed(7);

    let started = Instant::now();
    let mut round = 0;
    while started.elapsed().as_secs_f64() < secs || round < 4 {
        for side in &mut sides {
            let requests = batch_requests(side, &signer, &mut rng);
            let (took, latencies, statuses) = rt.block_on(send(&transport, requests));
            // The first round warms the connections up.
            if round > 0 {
                side.batches.push(took);
                side.latencies.extend(latencies);
                for status in statuses {
                    *side.statuses.entry(status).or_default() += 1;
                }
            }
        }
        round += 1;
    }

    let [small, large] = &sides;
    println!(
        "emulator at scale: signed POST /sessions and client-token POST .../id-documents, \
         {PER_KIND} of each per batch, {TASKS} tasks, 2 worker threads shared with the load \
         generator; {} rounds, best batch per side",
        round - 1
    );
    for side in &sides {
        println!(
            "  {:>4} live sessions: {:8.0} requests/s  p99 {:6.2} ms  (statuses {:?}; {} sessions now)",
            side.name,
            side.rate(),
            side.p99().as_secs_f64() * 1e3,
            side.statuses,
            side.emu.idv_session_count()
        );
    }
    let ratio = large.rate() / small.rate();
    let p99_ratio = small.p99().as_secs_f64() / large.p99().as_secs_f64();
    println!("  ratio requests/s 100k / 1k: {ratio:.3} (target >= 0.9)");
    println!("  ratio p99 1k / 100k:        {p99_ratio:.3} (1.0: no slower at 100k)");
    println!(
        "  RSS per live session: {per_session:.0} bytes (its JSON answer: {answer_len} bytes)"
    );
    println!(
        "BENCH name=emulator-scale-requests value={:.0} unit=requests/s ratio={ratio:.3} \
         target=ratio>=0.9 | requests/s with 100k live IDV sessions / with 1k (signed creates \
         and client-token requests, best batches)",
        large.rate()
    );
    println!(
        "BENCH name=emulator-scale-p99 value={:.2} unit=ms ratio={p99_ratio:.3} target=none | \
         p99 latency with 1k live sessions / with 100k (1.0: no slower at 100k)",
        large.p99().as_secs_f64() * 1e3
    );
    println!(
        "BENCH name=emulator-rss-per-session value={per_session:.0} unit=bytes ratio={:.3} \
         target=none | RSS growth per live session (100k made) / the length of its JSON answer",
        per_session / answer_len as f64
    );
}

/// Signed creates and client-token document requests, interleaved.
fn batch_requests(
    side: &Side,
    signer: &RequestSigner,
    rng: &mut fastrand::Rng,
) -> Vec<Request<Bytes>> {
    let base = side.emu.idv_url();
    let mut requests = Vec::with_capacity(2 * PER_KIND);
    for _ in 0..PER_KIND {
        requests.push(
            signer
                .request(Method::POST, &base, "/sessions")
                .json(SPEC.to_owned())
                .build()
                .expect("builds"),
        );
        let (id, token) = &side.sessions[rng.usize(..side.sessions.len())];
        requests.push(
            Request::post(format!("{base}/sessions/{id}/resources/id-documents"))
                .header("x-yoti-auth-token", token.as_str())
                .header("content-type", "application/json")
                .body(Bytes::from_static(DOCUMENT.as_bytes()))
                .expect("a valid request"),
        );
    }
    requests
}

/// Sends from [`TASKS`] tasks: the batch time, each request's latency, each status.
async fn send(
    transport: &Arc<Transport>,
    requests: Vec<Request<Bytes>>,
) -> (Duration, Vec<Duration>, Vec<u16>) {
    let mut shares: Vec<Vec<Request<Bytes>>> = (0..TASKS).map(|_| Vec::new()).collect();
    for (i, request) in requests.into_iter().enumerate() {
        shares[i % TASKS].push(request);
    }
    let start = Instant::now();
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let transport = transport.clone();
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(share.len());
                for request in share {
                    let sent = Instant::now();
                    let mut request = Some(request);
                    let response = transport
                        .execute(|_| request.take().ok_or(std::io::Error::other("sent once")))
                        .await
                        .expect("answered");
                    let status = response.status().as_u16();
                    response.into_body().collect().await.expect("body");
                    out.push((sent.elapsed(), status));
                }
                out
            })
        })
        .collect();
    let (mut latencies, mut statuses) = (Vec::new(), Vec::new());
    for task in tasks {
        for (latency, status) in task.await.expect("task") {
            latencies.push(latency);
            statuses.push(status);
        }
    }
    (start.elapsed(), latencies, statuses)
}
