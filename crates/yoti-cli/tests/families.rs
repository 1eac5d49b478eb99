//! Every subcommand family through the real `yoti` binary against a real emulator on
//! loopback, with a real generated key: idv, age, poa, auth, sign, demo, emulator. Also the
//! quiet end on a closed stdout, and `RUST_LOG`.

mod support;

use std::io::Read as _;

use base64::Engine as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{Emu, Run, run, temp_file};
use yoti_auth::PrivateKey;

#[test]
fn idv_creates_plays_waits_for_and_deletes_a_session() {
    let emu = Emu::start();
    let documents = run(emu.yoti().args(["idv", "supported-documents"])).ok();
    assert!(documents["supported_countries"].is_array(), "{documents}");

    let spec = temp_file(
        "spec.json",
        br#"{"client_session_token_ttl": 600,
             "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}],
             "required_documents": [{"type": "ID_DOCUMENT", "filter": {"type": "DOCUMENT_RESTRICTIONS", "inclusion": "WHITELIST", "documents": [{"country_codes": ["GBR"], "document_types": ["PASSPORT"]}]}}]}"#,
    );
    let created = run(emu
        .yoti()
        .args(["idv", "create-session", "--spec"])
        .arg(&spec))
    .ok();
    let session = created["session_id"]
        .as_str()
        .expect("a session id")
        .to_owned();
    assert!(created["client_session_token"].is_string(), "{created}");

    let got = run(emu.yoti().args(["idv", "get-session", &session])).ok();
    assert_eq!(got["session_id"], session.as_str());
    let config = run(emu.yoti().args(["idv", "session-config", &session])).ok();
    assert!(config["capture"].is_object(), "{config}");

    run(emu.yoti().args(["idv", "simulate-user", &session])).ok();
    let done = run(emu.yoti().args([
        "idv",
        "wait",
        &session,
        "--timeout",
        "30",
        "--interval-ms",
        "50",
    ]))
    .ok();
    assert_eq!(done["state"], "COMPLETED", "{done}");

    let deleted = run(emu.yoti().args(["idv", "delete-session", &session])).ok();
    assert_eq!(deleted["deleted"], true);
    let gone = run(emu.yoti().args(["idv", "get-session", &session]));
    assert_eq!(gone.code, Some(1), "{gone:#?}");
    assert_eq!(gone.error()["status"], 404);

    // The sandbox response-config, through the same client.
    let config = serde_json::to_vec(&yoti::idv::models::ResponseConfig::approve_all()).unwrap();
    let file = temp_file("response-config.json", &config);
    let set = run(emu
        .yoti()
        .args(["idv", "response-config", "set-app"])
        .arg(&file))
    .ok();
    assert_eq!(set["updated"], true, "{set}");
    let app = run(emu.yoti().args(["idv", "response-config", "get-app"])).ok();
    assert!(app["check_reports"].is_object(), "{app}");
}

#[test]
fn age_estimates_and_verifies_with_flags_instead_of_the_environment() {
    let emu = Emu::start();
    let face = temp_file(
        "family-face.jpg",
        &yoti_emulator::test_images::jpeg(400, 400, 3),
    );
    let face = face.to_str().unwrap();
    // Only flags: the environment is empty.
    let flags = [
        "--sdk-id".to_owned(),
        emu.sdk_id.clone(),
        "--key".to_owned(),
        emu.key_file.display().to_string(),
        "--age-url".to_owned(),
        emu.emulator.age_url(),
    ];
    let estimate = run(support::clean_yoti()
        .args(&flags)
        .args(["age", "estimate", face]))
    .ok();
    assert!(estimate["age"].as_f64().is_some(), "{estimate}");
    let verify = run(support::clean_yoti()
        .args(["age", "verify", face, "--threshold", "10"])
        .args(&flags))
    .ok();
    assert_eq!(verify["age_check"], "pass", "{verify}");
}

#[test]
fn poa_verifies_now_and_later_and_reads_a_result() {
    let emu = Emu::start();
    let now = run(emu.yoti().args([
        "poa",
        "verify",
        "--qr",
        "age_over:18#family",
        "--terminal-id",
        "pos-1",
    ]))
    .ok();
    let id = now["id"].as_str().expect("a result id").to_owned();
    assert_eq!(now["status"], "SUCCESS", "{now}");
    let read = run(emu.yoti().args(["poa", "result", &id])).ok();
    assert_eq!(read["id"], id.as_str(), "{read}");

    let later = run(emu.yoti().args([
        "poa",
        "verify",
        "--qr",
        "async:age_over:21#family",
        "--terminal-id",
        "pos-1",
        "--wait",
        "--timeout",
        "30",
    ]))
    .ok();
    assert_ne!(later["status"], "PENDING", "{later}");
}

#[test]
fn auth_prints_the_expiry_never_the_token() {
    let emu = Emu::start();
    let out = run(emu.yoti().args(["auth", "token", "--scope", "poa:verify"]));
    let token = out.ok();
    assert_eq!(token["token_type"], "Bearer", "{token}");
    assert!(
        token["expires_in"].as_u64().is_some_and(|s| s > 0),
        "{token}"
    );
    assert!(
        !out.stdout.contains("yta_"),
        "a token was printed: {out:#?}"
    );
}

#[test]
fn sign_takes_the_global_key_or_the_environment() {
    let emu = Emu::start();
    let key = PrivateKey::from_pem_file(&emu.key_file).unwrap();
    let by_flag = run(support::clean_yoti()
        .args([
            "sign",
            "--path",
            "/sessions?sdkId=a&nonce=n&timestamp=1",
            "--key",
        ])
        .arg(&emu.key_file))
    .ok();
    let by_env = run(emu
        .yoti()
        .args(["sign", "--path", "/sessions?sdkId=a&nonce=n&timestamp=1"]))
    .ok();
    assert_eq!(by_flag, by_env);
    assert_eq!(
        by_flag["message"],
        "GET&/sessions?sdkId=a&nonce=n&timestamp=1"
    );
    let digest = by_flag["digest"].as_str().unwrap();
    let signature = base64::engine::general_purpose::STANDARD
        .decode(digest)
        .expect("a base64 digest");
    key.public_key()
        .verify_pkcs1_sha256(b"GET&/sessions?sdkId=a&nonce=n&timestamp=1", &signature)
        .expect("the digest verifies with the public key");

    let none = run(support::clean_yoti().args(["sign", "--path", "/x"]));
    assert_eq!(none.code, Some(3), "{none:#?}");
    assert_eq!(none.error()["kind"], "config");
}

#[test]
fn demo_runs_every_flow_as_text() {
    let out = run(support::clean_yoti().arg("demo"));
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert!(out.stdout.contains("all passed"), "{out:#?}");
}

#[test]
fn emulator_requests_lists_what_the_families_sent() {
    let emu = Emu::start();
    run(emu.yoti().args(["idv", "supported-documents"])).ok();
    let journal = run(support::clean_yoti().args([
        "emulator",
        "requests",
        "--url",
        &emu.emulator.base_url(),
    ]))
    .ok();
    let requests = journal["requests"].as_array().expect("requests");
    assert!(
        requests.iter().any(|r| r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/supported-documents"))),
        "{journal:#}"
    );
}

/// `yoti idv supported-documents | head -c1`: the reader is gone before the answer is
/// written; the command ends with 141 and prints nothing on stderr.
#[test]
fn a_closed_stdout_ends_quietly_with_141() {
    let emu = Emu::start();
    let mut child = emu
        .yoti()
        .args(["idv", "supported-documents"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("yoti runs");
    drop(child.stdout.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "yoti did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(stderr, "", "nothing on stderr");
    assert_eq!(status.code(), Some(141));
    assert!(
        emu.emulator
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/supported-documents")),
        "the request was made, so the write is what failed"
    );
}

/// `RUST_LOG` turns the SDK's logs on, on stderr; they never hold the key or a token.
#[test]
fn rust_log_writes_logs_without_secrets() {
    let emu = Emu::start();
    let quiet = run(emu.yoti().args(["auth", "token"]));
    quiet.ok();
    assert_eq!(quiet.stderr, "", "no logs without RUST_LOG");

    let logged: Run = run(emu.yoti().env("RUST_LOG", "trace").args([
        "poa",
        "verify",
        "--qr",
        "age_over:18#logs",
        "--terminal-id",
        "pos-1",
    ]));
    logged.ok();
    assert!(logged.stderr.lines().count() > 2, "{logged:#?}");
    assert!(
        logged.stderr.contains("TRACE") || logged.stderr.contains("DEBUG"),
        "{logged:#?}"
    );
    let pem = std::fs::read_to_string(&emu.key_file).unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !logged.stderr.contains(line),
            "a line of the key was logged"
        );
    }
    let all = format!("{}{}", logged.stderr, logged.stdout);
    assert!(!all.contains("yta_"), "a bearer token was logged");
    assert!(!all.contains("Bearer ey"), "a bearer token was logged");
}
