//! `yoti emulator requests` against an in-process emulator: a failed signature reads as the
//! expected string next to what arrived.

use std::process::Command;

use http::Method;
use yoti_auth::{PrivateKey, RequestSigner};
use yoti_http::{HttpClient, HyperClient};

#[test]
fn requests_show_a_failed_signature_with_the_expected_string() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = PrivateKey::generate(2048).unwrap();
    let emu = runtime.block_on(async {
        yoti_emulator::Emulator::builder()
            .app("cli-app", key.public_key())
            .start()
            .await
            .unwrap()
    });
    // Signed with the mount prefix in the path: refused.
    let signer = RequestSigner::new("cli-app", key);
    let request = signer
        .request(Method::GET, &emu.base_url(), "/idverify/v1/sessions/abc")
        .build()
        .unwrap();
    let status =
        runtime.block_on(async { HyperClient::new().send(request).await.unwrap().status() });
    assert_eq!(status, 401);

    let out = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .args(["emulator", "requests", "--text", "--url", &emu.base_url()])
        .output()
        .expect("yoti runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("GET /idverify/v1/sessions/abc?sdkId=cli-app"),
        "{stdout}"
    );
    assert!(stdout.contains("-> 401 INVALID_SIGNATURE"), "{stdout}");
    assert!(
        stdout.contains("expected string to sign: GET&/sessions/abc?sdkId=cli-app&nonce="),
        "{stdout}"
    );
    assert!(
        stdout.contains("signed with the mount prefix: true"),
        "{stdout}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .args([
            "emulator",
            "requests",
            "--failed",
            "--limit",
            "1",
            "--url",
            &emu.base_url(),
        ])
        .output()
        .expect("yoti runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["requests"][0]["code"], "INVALID_SIGNATURE");

    let out = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .args(["emulator", "requests", "--url", "ftp://x"])
        .output()
        .expect("yoti runs");
    assert_eq!(out.status.code(), Some(2));
    drop(emu);
}
