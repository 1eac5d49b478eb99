//! The `yoti` binary as a user runs it.

use std::process::Command;

fn yoti() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yoti"))
}

/// `yoti demo --json` runs every service's main flow against the in-process emulator and
/// reports every step as passed.
#[test]
fn the_demo_passes_every_step() {
    let out = yoti().args(["demo", "--json"]).output().expect("yoti runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(report["passed"], true, "{report:#}");
    let steps = report["steps"].as_array().expect("steps");
    for service in ["idv", "age", "poa"] {
        assert!(
            steps.iter().filter(|s| s["service"] == service).count() >= 4,
            "{service} ran its flow: {report:#}"
        );
    }
    assert!(steps.iter().all(|s| s["passed"] == true));
    // Progress went to stderr, one line a step; no secret was printed anywhere.
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("PASS")).count(),
        steps.len()
    );
    let all = format!("{stderr}{}", String::from_utf8_lossy(&out.stdout));
    assert!(!all.contains("yta_"), "a bearer token was printed");
    assert!(
        !all.contains("demo-notification-token"),
        "the notification token was printed"
    );
}

#[test]
fn bad_usage_exits_with_2() {
    let out = yoti()
        .args(["sign", "--key", "k.pem", "--path", "no-slash"])
        .output()
        .expect("yoti runs");
    assert_eq!(out.status.code(), Some(2));
    let out = yoti()
        .args(["no-such-command"])
        .output()
        .expect("yoti runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sign_prints_the_message_and_the_openssl_digest() {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../yoti-auth/tests/fixtures/test-key-pkcs1.pem"
    );
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../yoti-auth/tests/fixtures/vectors.json"))
            .expect("vectors");
    let vector = &vectors["vectors"][0];
    let message = vector["message"].as_str().expect("message");
    let path = message.strip_prefix("GET&").expect("a GET vector");
    let out = yoti()
        .args(["sign", "--key", key, "--method", "get", "--path", path])
        .output()
        .expect("yoti runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed["message"], message);
    assert_eq!(printed["digest"], vector["signature"]);
    // The order of the fields is the documented one.
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("{\"message\":"));

    let out = yoti()
        .args(["sign", "--key", "/nonexistent.pem", "--path", "/x"])
        .output()
        .expect("yoti runs");
    // An unreadable key is a configuration failure: exit code 3.
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.pem"));
}
