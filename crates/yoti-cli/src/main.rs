//! `yoti`: the command-line tool for Yoti's APIs and the local emulator.
//!
//! Output: JSON on stdout. Errors: one line on stderr (API errors: their JSON), exit code 1;
//! bad usage: exit code 2.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod age;
mod auth;
mod demo;
mod emulator;
mod idv;
mod net;
mod output;
mod poa;
mod sign;

pub(crate) use output::Failure;

/// Command-line tool for Yoti's Identity Verification, Age Estimation and Proof of Age APIs.
///
/// Credentials come from YOTI_CLIENT_SDK_ID and YOTI_KEY_FILE_PATH; base URLs from
/// YOTI_IDV_API_URL, YOTI_AGE_API_URL, YOTI_POA_API_URL and YOTI_AUTH_URL. Every call is
/// bounded in time (--deadline, --read-timeout) and every JSON answer in size (32 MiB).
#[derive(Debug, Parser)]
#[command(name = "yoti", version, about)]
struct Cli {
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
    net::init(cli.net);
    let result = match cli.command {
        Command::Demo(args) => block_on(demo::run(args)),
        Command::Sign(args) => sign::run(args),
        Command::Idv(cmd) => block_on(idv::run(cmd)),
        Command::Age(cmd) => block_on(age::run(cmd)),
        Command::Poa(cmd) => block_on(poa::run(cmd)),
        Command::Auth(cmd) => block_on(auth::run(cmd)),
        Command::Emulator(cmd) => block_on(emulator::run(cmd)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn block_on<F: std::future::Future<Output = Result<(), Failure>>>(f: F) -> Result<(), Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the async runtime: {e}")))?
        .block_on(f)
}
