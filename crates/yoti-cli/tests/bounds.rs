//! The `yoti` binary against hostile servers on loopback: every command ends in bounded time
//! with a typed error and a non-zero exit, however slowly the server answers, and never
//! repeats a token request that reached the server.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What every command must end within.
const BOUND: Duration = Duration::from_secs(15);

#[derive(Clone, Copy)]
enum Mode {
    /// A 200 head announcing a long body, then one byte a second.
    Drip,
    /// A 200 head, then nothing.
    Stall,
    /// A 200 announcing 400 bytes, a few of them sent, then the connection closed.
    Truncated,
    /// A 200 with a bearer token.
    Token,
}

struct Hostile {
    origin: String,
    requests: Arc<AtomicUsize>,
}

impl Hostile {
    fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for socket in listener.incoming().flatten() {
                let counter = counter.clone();
                std::thread::spawn(move || serve(socket, mode, &counter));
            }
        });
        Self { origin, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(mut socket: TcpStream, mode: Mode, requests: &AtomicUsize) {
    if !read_request(&mut socket) {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let head = |length: usize| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        )
    };
    match mode {
        Mode::Drip => {
            if socket.write_all(head(1_000_000).as_bytes()).is_err() {
                return;
            }
            while socket.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Mode::Stall => {
            let _ = socket.write_all(head(100).as_bytes());
            std::thread::sleep(Duration::from_secs(60));
        }
        Mode::Truncated => {
            let _ = socket.write_all(head(400).as_bytes());
            let _ = socket.write_all(br#"{"access_token":"yta_cut"#);
        }
        Mode::Token => {
            let body = r#"{"access_token":"yta_from_the_test","token_type":"Bearer","expires_in":3600,"scope":"poa:verify"}"#;
            let _ = socket.write_all(format!("{}{body}", head(body.len())).as_bytes());
            std::thread::sleep(Duration::from_secs(5));
        }
    }
}

/// Reads one request, head and `Content-Length` body; false when the peer left first.
fn read_request(socket: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                match socket.read(&mut buf) {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
            return true;
        }
        match socket.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// `yoti ARGS` with credentials and every base URL pointing at `api` (tokens from `auth`).
fn yoti(api: &Hostile, auth: &Hostile, args: &[&str]) -> (Output, Duration) {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../yoti-auth/tests/fixtures/test-key-pkcs1.pem"
    );
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .args(args)
        .env("YOTI_CLIENT_SDK_ID", "cli-bounds-sdk-id")
        .env("YOTI_KEY_FILE_PATH", key)
        .env("YOTI_IDV_API_URL", format!("{}/idverify/v1", api.origin))
        .env("YOTI_AGE_API_URL", format!("{}/ai/v1", api.origin))
        .env("YOTI_POA_API_URL", &api.origin)
        .env("YOTI_AUTH_URL", &auth.origin)
        .env_remove("YOTI_DOC_SCAN_API_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("yoti runs");
    // Bounded here too, so that a regression fails instead of hanging the suite.
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > BOUND {
            let _ = child.kill();
            panic!("yoti {args:?} did not end within {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    (output, started.elapsed())
}

fn image() -> String {
    let path = std::env::temp_dir().join(format!("yoti-cli-bounds-{}.jpg", std::process::id()));
    std::fs::write(&path, [0xFF, 0xD8, 0xFF, 0xE0]).expect("write the image");
    path.display().to_string()
}

/// Runs the four commands of the issue against `server` with `flags`, and checks each ended
/// in time with the transport failure's exit code (4) and `expected` in its message.
fn each_command(server: &Hostile, flags: &[&str], expected: &str) {
    let tokens = Hostile::start(Mode::Token);
    let image = image();
    let commands: [(&[&str], &Hostile); 4] = [
        (&["idv", "get-session", "sess-1"], &tokens),
        (
            &[
                "age",
                "verify",
                &image,
                "--threshold",
                "18",
                "--no-local-checks",
            ],
            &tokens,
        ),
        (
            &[
                "poa",
                "verify",
                "--qr",
                "qr-value",
                "--terminal-id",
                "pos-1",
            ],
            &tokens,
        ),
        // the token endpoint itself is the hostile one
        (&["auth", "token"], server),
    ];
    for (command, auth) in commands {
        let args: Vec<&str> = flags.iter().chain(command).copied().collect();
        let before = server.requests();
        let (out, took) = yoti(server, auth, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "yoti {args:?}: {stderr}");
        assert!(stderr.contains(expected), "yoti {args:?}: {stderr}");
        assert!(took < BOUND, "yoti {args:?} took {took:?}");
        assert!(out.stdout.is_empty(), "yoti {args:?} printed a result");
        assert_eq!(
            server.requests() - before,
            1,
            "yoti {args:?} sent one request"
        );
    }
}

#[test]
fn a_server_sending_one_byte_a_second_ends_at_the_deadline() {
    let server = Hostile::start(Mode::Drip);
    each_command(
        &server,
        &["--deadline", "2"],
        "the call did not end within its deadline of 2s",
    );
}

#[test]
fn a_server_that_stalls_ends_at_the_read_timeout() {
    let server = Hostile::start(Mode::Stall);
    each_command(
        &server,
        &["--read-timeout", "1"],
        "no data of the response body arrived for 1s",
    );
}

#[test]
fn a_token_answer_cut_short_is_requested_once() {
    let server = Hostile::start(Mode::Truncated);
    let (out, _) = yoti(&server, &server, &["auth", "token"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(server.requests(), 1, "{stderr}");
    assert!(stderr.contains("no complete answer"), "{stderr}");
}

#[test]
fn invalid_time_limits_are_usage_errors() {
    let server = Hostile::start(Mode::Stall);
    for flags in [["--deadline", "0"], ["--read-timeout", "soon"]] {
        let args: Vec<&str> = flags.iter().copied().chain(["auth", "token"]).collect();
        let (out, _) = yoti(&server, &server, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn messages_show_each_cause_once() {
    let server = Hostile::start(Mode::Stall);
    let key = "/nonexistent/yoti-cli-key.pem";
    let out = Command::new(env!("CARGO_BIN_EXE_yoti"))
        .args(["idv", "get-session", "s"])
        .env("YOTI_CLIENT_SDK_ID", "x")
        .env("YOTI_KEY_FILE_PATH", key)
        .env("YOTI_IDV_API_URL", format!("{}/idverify/v1", server.origin))
        .output()
        .expect("yoti runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    let parts: Vec<&str> = stderr.trim().split(": ").collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(part),
            "{part:?} is repeated in {stderr:?}"
        );
    }
    assert!(stderr.contains(key), "{stderr}");
}
