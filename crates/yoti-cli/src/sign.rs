//! `yoti sign`: what an integrator runs when Yoti rejects a signature.
//!
//! The key is the global `--key PEM` (PKCS#1 or PKCS#8), else `YOTI_KEY_FILE_PATH`.

use std::path::PathBuf;

use yoti_auth::{RequestSigner, string_to_sign};

use crate::Failure;
use crate::config::ConfigArgs;
use crate::output::print_text;

/// Arguments of `yoti sign` (and the global `--key`).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// The path relative to the service base, with the exact query string sent, e.g.
    /// '/sessions?sdkId=..&nonce=..&timestamp=..'.
    #[arg(long)]
    path: String,
    /// A file holding the exact request body bytes.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

pub(crate) fn run(args: Args, config: &ConfigArgs) -> Result<(), Failure> {
    let method = args.method.to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Failure::usage(format!(
            "--method {:?} is not an HTTP method",
            args.method
        )));
    }
    if !args.path.starts_with('/') {
        return Err(Failure::usage(format!(
            "--path {:?} must start with '/' and be relative to the service base URL (e.g. /sessions?sdkId=...)",
            args.path
        )));
    }
    let body = match &args.body_file {
        Some(path) => std::fs::read(path).map_err(|e| {
            Failure::usage(format!("cannot read --body-file {}: {e}", path.display()))
        })?,
        None => Vec::new(),
    };
    let key = config.key()?;
    let message = string_to_sign(&method, &args.path, &body);
    let digest = RequestSigner::new("", key)
        .sign(&message)
        .map_err(|e| Failure::config(crate::failure::chain(&e)))?;
    #[derive(serde::Serialize)]
    struct Out<'a> {
        message: &'a str,
        digest: &'a str,
    }
    let message = String::from_utf8_lossy(&message);
    let out = serde_json::to_string(&Out {
        message: &message,
        digest: &digest,
    })
    .map_err(|e| Failure::other(e.to_string()))?;
    print_text(&format!("{out}\n"))
}
