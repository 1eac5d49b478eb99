//! Parsing a large IDV session result (`GET /sessions/{id}`: many checks and resources) into
//! the typed [`SessionResult`], against parsing the same bytes into `serde_json::Value`,
//! measured in the same run. Prints the ratio.
//!
//! `cargo bench -p yoti-types --bench parse` (`BENCH_SECONDS` sets the length, default 4).
//!
//! The body is built from two real session results Yoti published
//! (`shared/fixtures/real-world/idv/session-results/`: the API reference's full example, with
//! every resource kind and six checks, and the Python SDK's ZOOM-liveness session): their
//! checks and resources are replicated, every id made fresh, until the body passes 2 MB.
//! The ratio is typed time / `Value` time: below 1.0 the typed parse is the faster of the two.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use yoti_types::idv::SessionResult;

/// The body grows until it is at least this long.
const TARGET_LEN: usize = 2_000_000;

const TEMPLATES: [&str; 2] = [
    "docs__results__0.json",
    "python-sdk__response_get_docs_scan_session.json",
];

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/real-world/idv/session-results")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (shared/ must sit beside the repository)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("fixture JSON")
}

/// A fresh UUID-shaped id for each call (deterministic: a counter through a mixer).
fn fresh_id(counter: &mut u64) -> String {
    *counter += 1;
    let mut x = counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    let y = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        y >> 52,
        y & 0xffff_ffff_ffff
    )
}

/// Whether a string is an id: UUID-shaped, or the `<uuid>` placeholder some fixtures use.
fn is_id(s: &str) -> bool {
    s == "<uuid>"
        || (s.len() == 36
            && s.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            }))
}

/// Replaces every id in `value` with a fresh one.
fn refresh_ids(value: &mut Value, counter: &mut u64) {
    match value {
        Value::String(s) if is_id(s) => *s = fresh_id(counter),
        Value::Array(items) => items.iter_mut().for_each(|v| refresh_ids(v, counter)),
        Value::Object(map) => map.values_mut().for_each(|v| refresh_ids(v, counter)),
        _ => {}
    }
}

/// The large body, and how many checks and resources it holds.
fn large_body() -> (Vec<u8>, usize, usize) {
    let templates: Vec<Value> = TEMPLATES.iter().map(|name| fixture(name)).collect();
    let mut body = templates[0].clone();
    let (mut checks, mut resources) = (Vec::new(), serde_json::Map::new());
    let mut counter = 0;
    let mut replica = |checks: &mut Vec<Value>, resources: &mut serde_json::Map<String, Value>| {
        for template in &templates {
            let mut copy = template.clone();
            refresh_ids(&mut copy, &mut counter);
            if let Some(Value::Array(list)) = copy.get_mut("checks").map(Value::take) {
                checks.extend(list);
            }
            if let Some(Value::Object(kinds)) = copy.get_mut("resources").map(Value::take) {
                for (kind, list) in kinds {
                    if let Value::Array(list) = list {
                        let slot = resources
                            .entry(kind)
                            .or_insert_with(|| Value::Array(vec![]));
                        if let Value::Array(slot) = slot {
                            slot.extend(list);
                        }
                    }
                }
            }
        }
    };
    loop {
        // Grow in steps of 10 replicas, measuring the serialized length as it goes.
        for _ in 0..10 {
            replica(&mut checks, &mut resources);
        }
        body["checks"] = Value::Array(checks.clone());
        body["resources"] = Value::Object(resources.clone());
        let bytes = serde_json::to_vec(&body).expect("serializes");
        if bytes.len() >= TARGET_LEN {
            let n_resources = resources
                .values()
                .map(|v| v.as_array().map_or(0, Vec::len))
                .sum();
            return (bytes, checks.len(), n_resources);
        }
    }
}

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
    let (body, n_checks, n_resources) = large_body();

    // The typed parse keeps what the body holds: check it once, outside the timing.
    let parsed: SessionResult = serde_json::from_slice(&body).expect("parses as SessionResult");
    assert_eq!(parsed.checks.len(), n_checks);
    // `cargo test --benches` runs this once as a smoke test; keep that fast.
    if std::env::args().any(|a| a == "--test") {
        println!("bench parse: ok ({} bytes)", body.len());
        return;
    }

    // Alternate short batches of each side until the time is up; which side runs first
    // alternates, so neither always gets the warmer cache.
    const OPS: u32 = 4;
    let (mut typed, mut value) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let mut round = 0u32;
    while start.elapsed().as_secs_f64() < secs || round < 4 {
        let mut run_typed = || {
            typed.push(time_batch(OPS, || {
                let r: SessionResult = serde_json::from_slice(black_box(&body)).expect("parses");
                black_box(r);
            }))
        };
        let mut run_value = || {
            value.push(time_batch(OPS, || {
                let v: Value = serde_json::from_slice(black_box(&body)).expect("parses");
                black_box(v);
            }))
        };
        if round.is_multiple_of(2) {
            run_typed();
            run_value();
        } else {
            run_value();
            run_typed();
        }
        round += 1;
    }
    let typed = best_per_op(&typed, OPS);
    let value = best_per_op(&value, OPS);
    let mb = body.len() as f64 / 1e6;
    let ratio = typed / value;
    println!(
        "parse: a session result of {} bytes ({n_checks} checks, {n_resources} resources), \
         best of interleaved batches of {OPS}",
        body.len()
    );
    println!(
        "  typed SessionResult:      {:>8.3} ms  ({:>6.1} MB/s)",
        typed * 1e3,
        mb / typed
    );
    println!(
        "  serde_json::Value:        {:>8.3} ms  ({:>6.1} MB/s)",
        value * 1e3,
        mb / value
    );
    println!("  ratio typed / Value time: {ratio:.3} (below 1.0: the typed parse is faster)");
    println!(
        "BENCH name=parse-session-result value={:.1} unit=MB/s ratio={ratio:.3} target=none \
         | typed SessionResult parse time / serde_json::Value parse time, same {:.1} MB body",
        mb / typed,
        mb
    );
}
