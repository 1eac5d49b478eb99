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

/// The fixture key every CLI test signs with.
const KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../yoti-auth/tests/fixtures/test-key-pkcs1.pem"
);

#[test]
fn create_session_prints_the_hosted_journey_url() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = PrivateKey::from_pem_file(KEY).unwrap();
    let emu = runtime.block_on(async {
        yoti_emulator::Emulator::builder()
            .app("cli-journey", key.public_key())
            .start()
            .await
            .unwrap()
    });
    let dir = std::env::temp_dir().join(format!("yoti-cli-journey-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        r#"{"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .args(["idv", "create-session", "--spec"])
        .arg(&spec)
        .env("YOTI_CLIENT_SDK_ID", "cli-journey")
        .env("YOTI_KEY_FILE_PATH", KEY)
        .env("YOTI_IDV_API_URL", emu.idv_url())
        .env_remove("YOTI_DOC_SCAN_API_URL")
        .output()
        .expect("yoti runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let (id, token) = (
        json["session_id"].as_str().unwrap(),
        json["client_session_token"].as_str().unwrap(),
    );
    let url = json["journey_url"].as_str().expect("journey_url");
    assert_eq!(
        url,
        format!(
            "{}/web/index.html?sessionID={id}&sessionToken={token}",
            emu.idv_url()
        )
    );
    // The URL opens the emulator's hosted journey page.
    let status = runtime.block_on(async {
        let request = http::Request::get(url).body(bytes::Bytes::new()).unwrap();
        HyperClient::new().send(request).await.unwrap().status()
    });
    assert_eq!(status, 200);
    std::fs::remove_dir_all(&dir).ok();
    drop(emu);
}

/// `yoti emulator ARGS --url URL`: exit code, stdout as JSON (Null if not), stderr.
fn emulator_cli(url: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .arg("emulator")
        .args(args)
        .args(["--url", url])
        .output()
        .expect("yoti runs");
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn state_export_reset_and_import_round_trip() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = PrivateKey::from_pem_file(KEY).unwrap();
    let emu = runtime.block_on(async {
        yoti_emulator::Emulator::builder()
            .app("cli-state", key.public_key())
            .start()
            .await
            .unwrap()
    });
    let url = emu.base_url();
    // A session, created signed.
    let signer = RequestSigner::new("cli-state", key);
    let request = signer
        .request(Method::POST, &emu.idv_url(), "/sessions")
        .json("{}")
        .build()
        .unwrap();
    let status =
        runtime.block_on(async { HyperClient::new().send(request).await.unwrap().status() });
    assert_eq!(status, 201);

    let (code, exported, err) = emulator_cli(&url, &["state", "export"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(exported["format"], "yoti-emulator-state");
    assert_eq!(exported["idv"]["sessions"].as_array().unwrap().len(), 1);

    let dir = std::env::temp_dir().join(format!("yoti-cli-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let (code, _, err) = emulator_cli(&url, &["state", "export", "--out", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved, exported);

    let (code, answer, err) = emulator_cli(&url, &["reset"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(answer["reset"], true);
    let (_, empty, _) = emulator_cli(&url, &["state", "export"]);
    assert_eq!(empty["idv"]["sessions"], serde_json::json!([]));

    let (code, answer, err) = emulator_cli(&url, &["state", "import", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(answer["imported"], true);
    let (_, again, _) = emulator_cli(&url, &["state", "export"]);
    assert_eq!(again, exported);

    // A document of another version: the emulator's error, exit 1.
    let mut other = exported.clone();
    other["version"] = 2.into();
    std::fs::write(&file, other.to_string()).unwrap();
    let (code, _, err) = emulator_cli(&url, &["state", "import", file.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("STATE_VERSION_MISMATCH"), "{err}");
    assert!(err.contains("version 2"), "{err}");
    // A missing file is a usage error.
    let (code, _, _) = emulator_cli(&url, &["state", "import", "/nonexistent/state.json"]);
    assert_eq!(code, Some(2));
    std::fs::remove_dir_all(&dir).ok();
    drop(emu);
}

/// The emulator's own commands fail like the service families: an unreachable emulator is a
/// transport failure (exit 4) and an error answer an API one (exit 1), both in the one error
/// JSON shape on stderr.
#[test]
fn emulator_failures_use_the_families_exit_codes_and_json() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, err) = emulator_cli(&format!("http://127.0.0.1:{port}"), &["requests"]);
    assert_eq!(code, Some(4), "{err}");
    let error: serde_json::Value = serde_json::from_str(err.trim()).expect("error JSON");
    assert_eq!(error["error"]["kind"], "transport", "{err}");
    assert_eq!(error["error"]["sent"], false, "{err}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emu = runtime.block_on(async {
        yoti_emulator::Emulator::builder()
            .admin_token("the-admin-token")
            .start()
            .await
            .unwrap()
    });
    // No admin token: the emulator answers 401.
    let (code, _, err) = emulator_cli(&emu.base_url(), &["requests"]);
    assert_eq!(code, Some(1), "{err}");
    let error: serde_json::Value = serde_json::from_str(err.trim()).expect("error JSON");
    assert_eq!(error["error"]["kind"], "api", "{err}");
    assert_eq!(error["error"]["status"], 401, "{err}");
    drop(emu);
}
