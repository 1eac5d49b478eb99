//! Retries the services decide (issue 12, item 2): for every service, over a table of
//! (endpoint, status, code), what `Error::is_retryable()` says is what the transport did,
//! counted at the real emulator (its fault injection answers the status and code asked for,
//! on the endpoint's path only); and the retry budget keeps a 503 storm from tripling the
//! traffic.

use std::time::{Duration, Instant};

use yoti_age::{AgeClient, Estimate, Verify};
use yoti_emulator::{Emulator, FaultConfig};
use yoti_http::{Backoff, HyperClient, RetryBudget, RetryPolicy, Transport};
use yoti_idv::IdvClient;
use yoti_idv::models::SessionSpec;
use yoti_poa::PoaClient;
use yoti_poa::models::{VerificationId, VerifyQuery};
use yoti_tests::images;
use yoti_tests::{SDK_ID, emulator, test_key};

/// Three attempts, no delay to speak of, and no budget: the counts are the policy's alone.
fn transport() -> Transport {
    Transport::new(HyperClient::new())
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(Backoff::new(
                    Duration::from_millis(1),
                    Duration::from_millis(2),
                )),
        )
        .with_retry_budget(RetryBudget::unlimited())
}

/// The injected answer: every request under `path` answered `status` with `code` (or its
/// connection dropped when `status` is 0).
fn fault(path: &str, status: u16, code: &str) -> FaultConfig {
    if status == 0 {
        return FaultConfig {
            drop_rate: 1.0,
            path_prefix: Some(path.to_owned()),
            ..FaultConfig::default()
        };
    }
    FaultConfig {
        error_rate: 1.0,
        error_status: Some(status),
        error_code: Some(code.to_owned()),
        path_prefix: Some(path.to_owned()),
        ..FaultConfig::default()
    }
}

/// Runs `call` with the fault set, and answers how many attempts reached the emulator and
/// what the error said.
async fn attempts<F, Fut, E>(emu: &Emulator, config: FaultConfig, call: F) -> (u64, bool, String)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Debug + Retryable,
{
    emu.set_faults(config).expect("valid faults");
    let before = emu.stats().faults;
    let error = call().await.expect_err("the fault answers every attempt");
    let made = emu.stats().faults - before;
    emu.set_faults(FaultConfig::default()).expect("no faults");
    (made, error.retryable(), format!("{error:?}"))
}

trait Retryable {
    fn retryable(&self) -> bool;
}

impl Retryable for yoti_idv::Error {
    fn retryable(&self) -> bool {
        self.is_retryable()
    }
}

impl Retryable for yoti_age::Error {
    fn retryable(&self) -> bool {
        self.is_retryable()
    }
}

impl Retryable for yoti_poa::Error {
    fn retryable(&self) -> bool {
        self.is_retryable()
    }
}

/// One row: the transport made 3 attempts exactly when `is_retryable()` says so, 1 otherwise,
/// and both agree with the table's expectation.
fn check(row: &str, (made, retryable, error): (u64, bool, String), expected: bool) {
    println!("{row:<55} attempts {made}  is_retryable {retryable}");
    assert_eq!(made, if retryable { 3 } else { 1 }, "{row}: {error}");
    assert_eq!(retryable, expected, "{row}: {error}");
}

#[tokio::test]
async fn idv_is_retryable_is_what_the_transport_retried() {
    let (emu, _) = emulator().await;
    let client = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emu.idv_url())
        .transport(transport())
        .build()
        .unwrap();
    let sessions = "/idverify/v1/sessions";
    let table: &[(&str, u16, &str, bool)] = &[
        ("GET", 503, "SERVICE_UNAVAILABLE", true),
        ("GET", 429, "TOO_MANY_REQUESTS", true),
        ("GET", 502, "BAD_GATEWAY", true),
        ("GET", 504, "GATEWAY_TIMEOUT", true),
        ("GET", 0, "", true),
        ("GET", 500, "INTERNAL_SERVER_ERROR", false),
        ("GET", 400, "PAYLOAD_VALIDATION", false),
        ("GET", 404, "SESSION_NOT_FOUND", false),
        ("DELETE", 503, "SERVICE_UNAVAILABLE", true),
        ("DELETE", 409, "SESSION_LOCKED", false),
        // POST /sessions creates a session each time: never repeated once it may have left.
        ("POST", 503, "SERVICE_UNAVAILABLE", false),
        ("POST", 429, "TOO_MANY_REQUESTS", false),
        ("POST", 0, "", false),
        ("POST", 400, "PAYLOAD_VALIDATION", false),
    ];
    for &(method, status, code, expected) in table {
        let config = fault(sessions, status, code);
        let outcome = match method {
            "GET" => {
                attempts(&emu, config, || async {
                    client.get_session("any").await.map(drop)
                })
                .await
            }
            "DELETE" => {
                attempts(&emu, config, || async {
                    client.delete_session("any").await
                })
                .await
            }
            _ => {
                attempts(&emu, config, || async {
                    let spec = SessionSpec::builder().build().unwrap();
                    client.create_session(&spec).await.map(drop)
                })
                .await
            }
        };
        check(
            &format!("idv {method} {sessions} {status} {code}"),
            outcome,
            expected,
        );
    }
    // The supported documents, another GET, outside /sessions.
    let outcome = attempts(
        &emu,
        fault("/idverify/v1/supported-documents", 503, "X"),
        || async {
            client
                .supported_documents(Default::default())
                .await
                .map(drop)
        },
    )
    .await;
    check("idv GET /supported-documents 503", outcome, true);
}

#[tokio::test]
async fn age_is_retryable_is_what_the_transport_retried() {
    let (emu, _) = emulator().await;
    let client = AgeClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emu.age_url())
        .transport(transport())
        .build()
        .unwrap();
    let image = images::valid_jpeg();
    // Every Age endpoint is a POST of a pure function of the image: repeatable. Only the
    // transient statuses and the code SERVICE_UNAVAILABLE (whatever its status) are retried.
    let table: &[(u16, &str, bool)] = &[
        (503, "SERVICE_UNAVAILABLE", true),
        (500, "SERVICE_UNAVAILABLE", true),
        (429, "TOO_MANY_REQUESTS", true),
        (502, "BAD_GATEWAY", true),
        (504, "GATEWAY_TIMEOUT", true),
        (0, "", true),
        (500, "FAIL_PREDICTION", false),
        (500, "UNSPECIFIED_ERROR", false),
        (400, "FACE_NOT_FOUND", false),
        (400, "IMAGE_TOO_DARK", false),
        (401, "INVALID_SIGNATURE", false),
        (413, "PAYLOAD_TOO_LARGE", false),
    ];
    for &(status, code, expected) in table {
        let config = fault("/ai/v1/age", status, code);
        let outcome = attempts(&emu, config.clone(), || async {
            client.age(Estimate::new(image.clone())).await.map(drop)
        })
        .await;
        check(&format!("age POST /age {status} {code}"), outcome, expected);
        let outcome = attempts(&emu, config, || async {
            client
                .age_verify(Verify::new(image.clone(), 18))
                .await
                .map(drop)
        })
        .await;
        check(
            &format!("age POST verify {status} {code}"),
            outcome,
            expected,
        );
    }
}

#[tokio::test]
async fn poa_is_retryable_is_what_the_transport_retried() {
    let emu = Emulator::builder()
        .app(SDK_ID, test_key().public_key())
        .start()
        .await
        .unwrap();
    let client = PoaClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(emu.poa_url())
        .token_url(emu.token_url())
        .transport(transport())
        .build()
        .unwrap();
    // The token first, so that the faults below only ever meet API calls.
    client.bearer_token().await.unwrap();
    let verify = "/poa/v1/verify";
    // POST verify: a QR code may be single-use, never repeated once it may have left.
    // GET a result: repeatable; SYSTEM_UNAVAILABLE is transient.
    let table: &[(&str, u16, &str, bool)] = &[
        ("POST", 503, "SERVICE_UNAVAILABLE", false),
        ("POST", 500, "SYSTEM_UNAVAILABLE", false),
        ("POST", 429, "TOO_MANY_REQUESTS", false),
        ("POST", 0, "", false),
        ("POST", 400, "MALFORMED_PAYLOAD", false),
        ("POST", 422, "INVALID_QR_CODE_VERIFIER_TOKEN", false),
        ("GET", 503, "SERVICE_UNAVAILABLE", true),
        ("GET", 500, "SYSTEM_UNAVAILABLE", true),
        ("GET", 429, "TOO_MANY_REQUESTS", true),
        ("GET", 502, "BAD_GATEWAY", true),
        ("GET", 0, "", true),
        ("GET", 500, "INTERNAL_SERVER_ERROR", false),
        ("GET", 404, "NOT_FOUND", false),
        ("GET", 403, "FEATURE_DISABLED", false),
    ];
    for &(method, status, code, expected) in table {
        let config = fault(verify, status, code);
        let outcome = if method == "POST" {
            attempts(&emu, config, || async {
                let query = VerifyQuery::new(
                    "yoti-poa:age_over:18#retry",
                    yoti_poa::timestamp_now(),
                    "pos-1",
                );
                client.verify(&query).await.map(drop)
            })
            .await
        } else {
            attempts(&emu, config, || async {
                client
                    .get_result(&VerificationId::from("any"))
                    .await
                    .map(drop)
            })
            .await
        };
        check(
            &format!("poa {method} {verify} {status} {code}"),
            outcome,
            expected,
        );
    }
}

/// 200 calls against a service answering 503 to everything: with the default budget (10 % of
/// first attempts, at least 10 retries a second) they make about 1.1 × 200 requests, not the
/// 3 × 200 the policy alone would.
#[tokio::test]
async fn the_retry_budget_keeps_a_503_storm_from_tripling_the_traffic() {
    let (emu, _) = emulator().await;
    let policy = RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(Backoff::new(Duration::ZERO, Duration::ZERO));
    let run = |budget: RetryBudget| {
        let emu = &emu;
        let policy = policy.clone();
        async move {
            let client = IdvClient::builder()
                .sdk_id(SDK_ID)
                .key(test_key())
                .base_url(emu.idv_url())
                .transport(
                    Transport::new(HyperClient::new())
                        .with_retry(policy)
                        .with_retry_budget(budget),
                )
                .build()
                .unwrap();
            emu.set_faults(fault("/idverify/v1/sessions", 503, "SERVICE_UNAVAILABLE"))
                .unwrap();
            let before = emu.stats().faults;
            let started = Instant::now();
            for _ in 0..200 {
                let error = client.get_session("any").await.unwrap_err();
                assert!(error.is_retryable(), "{error:?}");
            }
            let elapsed = started.elapsed();
            emu.set_faults(FaultConfig::default()).unwrap();
            (emu.stats().faults - before, elapsed)
        }
    };
    let (unlimited, _) = run(RetryBudget::unlimited()).await;
    let (budgeted, elapsed) = run(RetryBudget::default()).await;
    // The floor lets 10 retries through in every second begun.
    let seconds = elapsed.as_secs() + 1;
    let bound = 200 + 20 + 10 * seconds;
    println!(
        "200 calls against 503: {unlimited} requests without a budget, {budgeted} with the \
         default budget (bound {bound}, {elapsed:?}); ratio {:.2}",
        budgeted as f64 / unlimited as f64
    );
    assert_eq!(unlimited, 600);
    assert!(budgeted <= bound, "{budgeted} > {bound}");
    assert!(
        budgeted >= 220,
        "the budget let the deposits through: {budgeted}"
    );
}
