//! `yoti poa ...`: verify a scanned QR code, read a result.
//!
//! Credentials and URLs from the global flags or the environment (`--poa-url` or
//! `YOTI_POA_API_URL`, `--token-url` or `YOTI_AUTH_URL`). The result is printed as JSON on
//! stdout; a failure as the CLI's one error JSON on stderr, with its exit code.

use std::time::Duration;

use serde_json::json;
use yoti::Timestamp;
use yoti::poa::models::{VerificationId, VerifyQuery};
use yoti::poa::{VerifyOutcome, timestamp_now};

use crate::Failure;
use crate::classify::poa as failure;
use crate::config::ConfigArgs;
use crate::output::print_json;

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

pub(crate) async fn run(command: Command, config: &ConfigArgs) -> Result<(), Failure> {
    let yoti = config.client()?;
    let client = yoti.poa();
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
