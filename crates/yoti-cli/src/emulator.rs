//! `yoti emulator ...`: read a running yoti-emulator's own state (not part of Yoti's API).
//!
//! - `yoti emulator requests [--limit N] [--failed] [--text]`: the request journal, newest
//!   first; for a request whose signature did not verify, the string the emulator expected
//!   to be signed next to what arrived.
//! - `yoti emulator reset`: back to the state at start (what was created at run time is
//!   gone; apps and seeds given at start stay).
//! - `yoti emulator state export [--out FILE]`: the whole state, a versioned JSON document
//!   (stdout, or FILE).
//! - `yoti emulator state import FILE`: replaces the whole state with FILE's; a document of
//!   another version is refused (exit 1, the emulator's error as JSON on stderr).

use std::path::PathBuf;

use bytes::Bytes;
use clap::{Args as ClapArgs, Subcommand};
use http::Method;
use serde_json::Value;

use crate::Failure;
use crate::failure::Service;
use crate::output::print_json;

/// The emulator's own routes.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The request journal: method, path, app, status, code, latency, signature diagnosis.
    Requests(RequestsArgs),
    /// Put the emulator back as it started (apps and seeds given at start stay).
    Reset(TargetArgs),
    /// Export or import the emulator's whole state.
    #[command(subcommand)]
    State(StateCommand),
}

/// `yoti emulator state ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum StateCommand {
    /// Print the whole state (a versioned JSON document), or write it to a file.
    Export {
        #[command(flatten)]
        target: Target,
        /// Write the document to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Replace the whole state with a document from `state export`.
    Import {
        #[command(flatten)]
        target: Target,
        /// The state document.
        file: PathBuf,
    },
}

/// Only where the emulator is.
#[derive(Debug, ClapArgs)]
pub(crate) struct TargetArgs {
    #[command(flatten)]
    target: Target,
}

/// Where the emulator is.
#[derive(ClapArgs)]
pub(crate) struct Target {
    /// The emulator's origin.
    #[arg(
        long,
        env = "YOTI_EMULATOR_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    /// The emulator's admin token, when it was started with one.
    #[arg(long, env = "YOTI_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

#[derive(Debug, ClapArgs)]
pub(crate) struct RequestsArgs {
    #[command(flatten)]
    target: Target,
    /// At most this many requests (newest first).
    #[arg(long)]
    limit: Option<usize>,
    /// Only answers with a status of 400 or more.
    #[arg(long)]
    failed: bool,
    /// Readable lines instead of JSON.
    #[arg(long)]
    text: bool,
}

pub(crate) async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Requests(args) => requests(args).await,
        Command::Reset(TargetArgs { target }) => {
            call(&target, Method::POST, "/__emulator/reset", None).await?;
            print_json(&serde_json::json!({ "reset": true }))
        }
        Command::State(StateCommand::Export { target, out }) => {
            let document = get(&target, "/__emulator/state").await?;
            match out {
                None => print_json(&document),
                Some(path) => {
                    let mut text = serde_json::to_vec_pretty(&document)
                        .map_err(|e| Failure::other(e.to_string()))?;
                    text.push(b'\n');
                    std::fs::write(&path, text).map_err(|e| {
                        Failure::other(format!("cannot write {}: {e}", path.display()))
                    })?;
                    print_json(&serde_json::json!({ "exported": path }))
                }
            }
        }
        Command::State(StateCommand::Import { target, file }) => {
            let body = std::fs::read(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            let answer = call(&target, Method::PUT, "/__emulator/state", Some(body.into())).await?;
            print_json(&answer)
        }
    }
}

async fn requests(args: RequestsArgs) -> Result<(), Failure> {
    let mut query = Vec::new();
    if let Some(limit) = args.limit {
        query.push(format!("limit={limit}"));
    }
    if args.failed {
        query.push("failed=true".to_owned());
    }
    let path = if query.is_empty() {
        "/__emulator/requests".to_owned()
    } else {
        format!("/__emulator/requests?{}", query.join("&"))
    };
    let json = get(&args.target, &path).await?;
    if args.text {
        crate::output::print_text(&render(&json))
    } else {
        print_json(&json)
    }
}

/// The journal as lines a person reads.
fn render(json: &Value) -> String {
    let mut out = String::new();
    let requests = json["requests"].as_array().cloned().unwrap_or_default();
    if requests.is_empty() {
        out.push_str("no requests recorded\n");
    }
    for r in &requests {
        let text = |k: &str| r[k].as_str().unwrap_or("-").to_owned();
        out.push_str(&format!(
            "#{} {} {} {}{} -> {} {} ({} ms) app={}\n",
            r["id"],
            text("at"),
            text("method"),
            text("path"),
            r["query"]
                .as_str()
                .map(|q| format!("?{q}"))
                .unwrap_or_default(),
            r["status"],
            r["code"].as_str().unwrap_or(""),
            r["latency_ms"],
            text("app"),
        ));
        let d = &r["signature"];
        if d.is_object() {
            let field = |k: &str| d[k].as_str().unwrap_or("-").to_owned();
            out.push_str(&format!(
                "    expected string to sign: {}\n    received digest:         {}\n    nonce: {}  timestamp: {}  body: {} bytes, sha256 {}\n    mount {} (not signed); signed with the mount prefix: {}; signed without the body: {}\n    hint: {}\n",
                field("expected_string_to_sign"),
                field("received_digest"),
                field("nonce"),
                field("timestamp"),
                d["body_len"],
                field("body_sha256"),
                field("mount"),
                d["signed_with_mount_prefix"],
                d["signed_without_body"],
                field("hint"),
            ));
        }
    }
    out
}

/// `GET` an admin route: its JSON, or the emulator's error (as `call`).
async fn get(target: &Target, path: &str) -> Result<Value, Failure> {
    call(target, Method::GET, path, None).await
}

/// An admin route: its JSON (Null when empty). An error answer is an API failure (exit 1),
/// an unreachable emulator a transport one (exit 4), as for the services.
async fn call(
    target: &Target,
    method: Method,
    path: &str,
    body: Option<Bytes>,
) -> Result<Value, Failure> {
    let base = target.url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Failure::usage(format!(
            "--url must be an http(s) origin, not {base:?}"
        )));
    }
    let url = format!("{base}{path}");
    let response = crate::net::transport()
        .execute(|_| {
            let mut request = http::Request::builder()
                .method(method.clone())
                .uri(url.as_str())
                .header(http::header::ACCEPT, "application/json");
            if body.is_some() {
                request = request.header(http::header::CONTENT_TYPE, "application/json");
            }
            if let Some(token) = &target.admin_token {
                request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
            }
            request.body(body.clone().unwrap_or_default())
        })
        .await
        .map_err(|e| crate::classify::http(&e, Service::Emulator))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect_limited(16 * 1024 * 1024)
        .await
        .map_err(|e| crate::classify::http(&e, Service::Emulator))?;
    let json: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    if status.is_success() {
        Ok(json)
    } else {
        Err(Failure::answer(status.as_u16(), &body).service(Service::Emulator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_signature_reads_as_lines() {
        let json = serde_json::json!({"requests": [{
            "id": 3, "at": "2026-01-01T00:00:00Z", "method": "POST", "path": "/idverify/v1/sessions",
            "query": "sdkId=a&nonce=n&timestamp=1", "status": 401, "code": "INVALID_SIGNATURE",
            "latency_ms": 2, "app": "a",
            "signature": {"expected_string_to_sign": "POST&/sessions?sdkId=a&nonce=n&timestamp=1",
                "received_digest": "abc", "nonce": "n", "timestamp": "1", "body_len": 0,
                "body_sha256": "e3b0", "mount": "/idverify/v1", "signed_with_mount_prefix": true,
                "signed_without_body": false, "hint": "You signed the path with the mount prefix"}
        }]});
        let text = render(&json);
        assert!(text.contains("#3 2026-01-01T00:00:00Z POST /idverify/v1/sessions?sdkId=a"));
        assert!(text.contains("-> 401 INVALID_SIGNATURE"));
        assert!(
            text.contains("expected string to sign: POST&/sessions?sdkId=a&nonce=n&timestamp=1")
        );
        assert!(text.contains("signed with the mount prefix: true"));
        assert_eq!(
            render(&serde_json::json!({"requests": []})),
            "no requests recorded\n"
        );
    }
}
