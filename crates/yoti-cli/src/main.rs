//! `yoti`: the command-line tool for Yoti's APIs and the local emulator.
//!
//! Output: JSON on stdout. A failure: one JSON line on stderr and an exit code from one
//! table for every family (see `failure`); clap's usage errors exit with 2.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod age;
mod auth;
mod classify;
mod config;
mod demo;
mod emulator;
mod failure;
mod idv;
mod net;
mod output;
mod poa;
mod sign;

pub(crate) use failure::Failure;

/// Command-line tool for Yoti's Identity Verification, Age Estimation and Proof of Age APIs.
///
/// Credentials come from --sdk-id and --key, else YOTI_CLIENT_SDK_ID and YOTI_KEY_FILE_PATH;
/// base URLs from --idv-url, --age-url, --poa-url and --token-url, else YOTI_IDV_API_URL,
/// YOTI_AGE_API_URL, YOTI_POA_API_URL and YOTI_AUTH_URL. Every call is bounded in time
/// (--deadline, --read-timeout) and every JSON answer in size (32 MiB).
#[derive(Debug, Parser)]
#[command(name = "yoti", version, about, after_help = failure::exit_codes())]
struct Cli {
    #[command(flatten)]
    config: config::ConfigArgs,
    #[command(flatten)]
    net: net::NetArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the three services' main flows against an in-process emulator (no setup needed).
    Demo(demo::Args),
    /// Print the message and the X-Yoti-Auth-Digest for a request, as Yoti would check it.
    Sign(sign::Args),
    /// Identity Verification: sessions, media, sandbox configuration.
    #[command(subcommand)]
    Idv(idv::Command),
    /// Age Estimation: estimate or verify an age from a face image.
    #[command(subcommand)]
    Age(age::Command),
    /// Proof of Age: verify a QR code, read a result.
    #[command(subcommand)]
    Poa(poa::Command),
    /// Bearer tokens for the Proof of Age API.
    #[command(subcommand)]
    Auth(auth::Command),
    /// A running yoti-emulator's own state: the request journal.
    #[command(subcommand)]
    Emulator(emulator::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = logs().and_then(|()| {
        net::init(cli.net);
        let config = cli.config;
        match cli.command {
            Command::Demo(args) => block_on(demo::run(args)),
            Command::Sign(args) => sign::run(args, &config),
            Command::Idv(cmd) => block_on(idv::run(cmd, &config)),
            Command::Age(cmd) => block_on(age::run(cmd, &config)),
            Command::Poa(cmd) => block_on(poa::run(cmd, &config)),
            Command::Auth(cmd) => block_on(auth::run(cmd, &config)),
            Command::Emulator(cmd) => block_on(emulator::run(cmd)),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

/// Logs on stderr as `RUST_LOG` asks (a tracing filter such as `debug` or
/// `yoti_http=trace`); none when it is unset. The SDK never logs keys or tokens.
fn logs() -> Result<(), Failure> {
    use tracing_subscriber::EnvFilter;
    let Some(filter) = std::env::var_os(EnvFilter::DEFAULT_ENV).filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    let filter = filter.to_string_lossy();
    let filter = EnvFilter::builder()
        .parse(filter.as_ref())
        .map_err(|e| Failure::config(format!("RUST_LOG={filter:?} is not a log filter: {e}")))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    Ok(())
}

fn block_on<F: std::future::Future<Output = Result<(), Failure>>>(f: F) -> Result<(), Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the async runtime: {e}")))?
        .block_on(f)
}
