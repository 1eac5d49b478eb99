//! The `yoti-emulator` binary keeps its state: `--state FILE` is saved on SIGTERM and on
//! Ctrl-C (SIGINT), atomically, and loaded by the next start; `--seed FILE` registers an app
//! (key in a file beside the seed) that signs requests; a state file of another version
//! stops the start with both versions named. The built binary is spawned, and talked to over
//! loopback HTTP with real signatures.
#![cfg(unix)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};
use yoti_auth::{PrivateKey, RequestSigner};

const SDK_ID: &str = "seeded-app";

/// A fresh folder under the system's temporary one.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "yoti-emulator-{name}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The emulator binary, killed if still running when dropped.
struct Running {
    child: Child,
    origin: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&Path]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yoti-emulator"));
    command.args(["--bind", "127.0.0.1:0"]);
    let mut child = command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the emulator binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let origin = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("no listening line: {line:?} {err}")
        })
        .to_owned();
    Running { child, origin }
}

/// Sends `signal` and waits (at most 10 s) for a clean exit.
fn stop(mut running: Running, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            let mut err = String::new();
            let _ = running
                .child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err);
            assert!(status.success(), "exit {status}: {err}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "ends within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One HTTP/1.1 exchange over a fresh connection: status and JSON body (Null if none).
fn exchange(origin: &str, request: http::Request<Bytes>) -> (u16, Value) {
    let authority = origin.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method(),
        request.body().len()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(request.body()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn admin(origin: &str, method: Method, path: &str) -> (u16, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("{origin}/__emulator{path}"))
        .body(Bytes::new())
        .unwrap();
    exchange(origin, request)
}

fn create_session(origin: &str, signer: &RequestSigner) -> (u16, Value) {
    let request = signer
        .request(Method::POST, &format!("{origin}/idverify/v1"), "/sessions")
        .json(r#"{"client_session_token_ttl": 600}"#)
        .build()
        .unwrap();
    exchange(origin, request)
}

/// A seed file naming the app's public key by a path relative to it.
fn seed(dir: &Path, key: &PrivateKey) -> PathBuf {
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/app.pub.pem"), key.public_key().to_pem()).unwrap();
    let seed = json!({
        "format": "yoti-emulator-seed",
        "version": 1,
        "apps": [{
            "sdk_id": SDK_ID,
            "public_key_file": "keys/app.pub.pem",
            "idv_response_config": {"check_reports": {"async_report_delay": 2}}
        }]
    });
    let path = dir.join("seed.json");
    std::fs::write(&path, seed.to_string()).unwrap();
    path
}

#[test]
fn the_state_file_is_saved_on_sigterm_and_ctrl_c_and_loaded_at_the_next_start() {
    let dir = folder("state");
    let key = PrivateKey::generate(2048).unwrap();
    let signer = RequestSigner::new(SDK_ID, key.clone());
    let seed = seed(&dir, &key);
    let state = dir.join("state.json");
    let args = [Path::new("--seed"), &seed, Path::new("--state"), &state];

    // The seed's app signs; its response-config is set.
    let first = start(&args);
    let (status, created) = create_session(&first.origin, &signer);
    assert_eq!(status, 201, "{created}");
    let (_, document) = admin(&first.origin, Method::GET, "/state");
    assert_eq!(document["apps"][0]["sdk_id"], SDK_ID);
    assert_eq!(
        document["idv"]["app_response_configs"][SDK_ID]["check_reports"]["async_report_delay"],
        2
    );
    assert!(!state.exists(), "written on shutdown only");
    stop(first, "-TERM");

    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["format"], "yoti-emulator-state");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["idv"]["sessions"][0]["id"], created["session_id"]);
    let mut tmp = state.clone().into_os_string();
    tmp.push(".tmp");
    assert!(!Path::new(&tmp).exists(), "the temporary file was renamed");

    // The next start loads it; Ctrl-C saves again.
    let second = start(&args);
    let (_, loaded) = admin(&second.origin, Method::GET, "/state");
    assert_eq!(loaded, saved, "loaded exactly as saved");
    let (status, _) = create_session(&second.origin, &signer);
    assert_eq!(status, 201);
    stop(second, "-INT");
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["idv"]["sessions"].as_array().unwrap().len(), 2);

    // A reset forgets the sessions, keeps the seed's app and its response-config.
    let third = start(&args);
    let (status, _) = admin(&third.origin, Method::POST, "/reset");
    assert_eq!(status, 204);
    let (_, document) = admin(&third.origin, Method::GET, "/state");
    assert_eq!(document["idv"]["sessions"], json!([]));
    assert_eq!(document["apps"][0]["sdk_id"], SDK_ID);
    assert!(document["idv"]["app_response_configs"][SDK_ID].is_object());
    let (status, _) = create_session(&third.origin, &signer);
    assert_eq!(status, 201);
    drop(third);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_state_file_of_another_version_or_a_bad_seed_stops_the_start_with_a_clear_message() {
    let dir = folder("bad");
    let state = dir.join("state.json");
    std::fs::write(&state, r#"{"format": "yoti-emulator-state", "version": 7}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yoti-emulator"))
        .args(["--bind", "127.0.0.1:0", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("version 7") && err.contains("version 1"),
        "{err}"
    );

    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        "{\"format\": \"yoti-emulator-seed\", \"version\": 1,\n \"apps\": [{\"sdk_id\": 3}]}",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yoti-emulator"))
        .args(["--bind", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("apps[0].sdk_id") && err.contains("line 2"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_example_seed_registers_an_app_that_signs_with_the_labelled_test_key() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed.json");
    let key = PrivateKey::from_pem_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../yoti-auth/tests/fixtures/test-key-pkcs1.pem"
    ))
    .unwrap();
    let running = start(&[Path::new("--seed"), Path::new(seed)]);
    let signer = RequestSigner::new("example-app", key);
    let (status, created) = create_session(&running.origin, &signer);
    assert_eq!(status, 201, "{created}");
    let (_, document) = admin(&running.origin, Method::GET, "/state");
    let config = &document["idv"]["app_response_configs"]["example-app"];
    assert_eq!(config["check_reports"]["async_report_delay"], 2, "{config}");
    assert_eq!(
        config["check_reports"]["LIVENESS"][0]["result"]["report"]["recommendation"]["value"],
        "REJECT"
    );
}
