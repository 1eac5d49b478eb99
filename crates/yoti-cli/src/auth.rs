//! `yoti auth ...`: bearer tokens for the Proof of Age API.
//!
//! Credentials and the token URL from the global flags or the environment (`--token-url` or
//! `YOTI_AUTH_URL`, default `https://auth.api.yoti.com/v1/oauth/token`). The token itself is
//! never printed: only that one was issued, for what, and until when.

use std::time::SystemTime;

use serde_json::json;
use yoti::poa::{DEFAULT_SCOPES, timestamp};

use crate::Failure;
use crate::classify::poa as failure;
use crate::config::ConfigArgs;
use crate::output::print_json;

/// The `yoti auth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Get a token from the token endpoint with a signed client assertion, and print its
    /// expiry and scopes (never the token).
    Token {
        /// A scope to ask for (repeat for several; default: poa:verify).
        #[arg(long = "scope", value_name = "S")]
        scopes: Vec<String>,
    },
}

pub(crate) async fn run(command: Command, config: &ConfigArgs) -> Result<(), Failure> {
    match command {
        Command::Token { scopes } => {
            let scopes = if scopes.is_empty() {
                DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
            } else {
                scopes
            };
            let yoti = config.client_with(|builder| builder.poa_scopes(scopes))?;
            let client = yoti.poa();
            let token = client.bearer_token().await.map_err(failure)?;
            let expires_at = token.expires_at();
            let expires_in = expires_at.map(|at| {
                at.duration_since(SystemTime::now())
                    .map(|left| left.as_secs())
                    .unwrap_or(0)
            });
            print_json(&json!({
                "token_type": "Bearer",
                "token_url": client.token_url(),
                "scope": token.scope(),
                "expires_in": expires_in,
                "expires_at": expires_at.map(timestamp),
            }))
        }
    }
}
