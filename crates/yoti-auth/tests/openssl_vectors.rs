//! Byte-exact signing: yoti-auth's signature equals `openssl dgst -sha256 -sign KEY | base64`
//! for the same message, for the PKCS#1 and PKCS#8 forms of one key. Committed vectors were
//! made with openssl; when openssl is on the machine, fresh messages are checked live too.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use yoti_auth::{PrivateKey, RequestSigner};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn signers() -> Vec<(&'static str, RequestSigner)> {
    ["test-key-pkcs1.pem", "test-key-pkcs8.pem"]
        .into_iter()
        .map(|name| {
            (
                name,
                RequestSigner::new("sdk", PrivateKey::from_pem_file(fixture(name)).unwrap()),
            )
        })
        .collect()
}

#[test]
fn signatures_equal_the_committed_openssl_vectors() {
    let vectors: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("vectors.json")).unwrap()).unwrap();
    let vectors = vectors["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5);
    for (name, signer) in signers() {
        for v in vectors {
            let message = v["message"].as_str().unwrap();
            assert_eq!(
                signer.sign(message.as_bytes()).unwrap(),
                v["signature"].as_str().unwrap(),
                "{name}: {message}"
            );
        }
    }
}

fn openssl_sign(key: &str, message: &[u8]) -> Option<String> {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(fixture(key))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(message).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status
        .success()
        .then(|| base64::engine::general_purpose::STANDARD.encode(out.stdout))
}

#[test]
fn signatures_equal_live_openssl_for_fresh_requests_when_openssl_is_present() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl not found: the committed vectors test covers this machine");
        return;
    }
    for (name, signer) in signers() {
        // A real POST as yoti-auth builds it, body included.
        let request = signer
            .request(
                http::Method::POST,
                "https://api.yoti.com/idverify/v1",
                "/sessions",
            )
            .json(r#"{"client_session_token_ttl":600,"user_tracking_id":"ü and spaces"}"#)
            .build()
            .unwrap();
        let message = yoti_auth::string_to_sign(
            "POST",
            &format!("/sessions?{}", request.uri().query().unwrap()),
            request.body(),
        );
        let digest = request.headers()["x-yoti-auth-digest"].to_str().unwrap();
        assert_eq!(
            openssl_sign(name, &message).as_deref(),
            Some(digest),
            "{name}"
        );
    }
}
