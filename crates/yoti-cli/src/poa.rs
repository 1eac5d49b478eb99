//! `yoti poa ...`: verify a scanned QR code, read a result.
//!
//! Credentials from `YOTI_CLIENT_SDK_ID` and `YOTI_KEY_FILE_PATH`; base URL from
//! `YOTI_POA_API_URL` (default `https://api.yoti.com/poa/v1`), token URL from `YOTI_AUTH_URL`
//! (default `https://auth.api.yoti.com/v1/oauth/token`). The result is printed as JSON on
//! stdout; an API error as JSON on stderr (`{"status", "error", "message", "id"}`) with exit
//! code 1; bad usage or missing configuration exits with 2.

use std::time::Duration;

use serde_json::json;
use yoti_poa::models::{VerificationId, VerifyQuery};
use yoti_poa::{Error, PoaClient, VerifyOutcome, timestamp_now};
use yoti_types::Timestamp;

use crate::Failure;
use crate::output::{chain, print_json};

/// The `yoti poa` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Verify a scanned QR code (POST /poa/v1/verify): prints the result, or the id of a
    /// result to come (202).
    Verify {
        /// The value of the QR code, as scanned.
        #[arg(long)]
        qr: String,
        /// The terminal that scanned it.
        #[arg(long)]
        terminal_id: String,
        /// The store or unit the terminal belongs to.
        #[arg(long)]
        store_id: Option<String>,
        /// When it was scanned, RFC 3339 (default: now).
        #[arg(long)]
        scanned_at: Option<String>,
        /// When the result comes later (202), poll it until it is final.
        #[arg(long)]
        wait: bool,
        /// With --wait: the longest wait, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Read a result (GET /poa/v1/verify/{id}); its status may be PENDING.
    Result {
        /// The result's id.
        id: String,
    },
}

pub(crate) async fn run(command: Command) -> Result<(), Failure> {
    let client = PoaClient::builder()
        .from_env()
        .map_err(failure)?
        .transport(crate::net::transport())
        .build()
        .map_err(failure)?;
    match command {
        Command::Verify {
            qr,
            terminal_id,
            store_id,
            scanned_at,
            wait,
            timeout,
        } => {
            let scanned_at = scanned_at.map_or_else(timestamp_now, Timestamp::new);
            let mut query = VerifyQuery::new(qr, scanned_at, terminal_id);
            if let Some(store_id) = store_id {
                query = query.set_store_id(store_id);
            }
            match client.verify(&query).await.map_err(failure)? {
                VerifyOutcome::Done(result) => print_json(&result),
                VerifyOutcome::Accepted(accepted) if wait => {
                    let result = client
                        .wait_for_result(&accepted.id, Duration::from_secs(timeout))
                        .await
                        .map_err(failure)?;
                    print_json(&result)
                }
                VerifyOutcome::Accepted(accepted) => print_json(&accepted),
                other => print_json(&json!({ "id": other.id() })),
            }
        }
        Command::Result { id } => {
            let result = client
                .get_result(&VerificationId::new(id))
                .await
                .map_err(failure)?;
            print_json(&result)
        }
    }
}

/// An error as the CLI reports it.
pub(crate) fn failure(error: Error) -> Failure {
    match &error {
        Error::Api(api) => Failure::api(&json!({
            "status": api.status.as_u16(),
            "error": api.code.as_ref().map(|c| c.as_str()),
            "message": api.message,
            "id": error.api_error_body().and_then(|b| b.id),
        })),
        Error::Validation(_) | Error::Config { .. } | Error::Env(_) => {
            Failure::usage(chain(&error))
        }
        _ => Failure::other(chain(&error)),
    }
}
