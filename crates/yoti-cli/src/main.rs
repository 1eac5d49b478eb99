//! `yoti`: the command-line tool for Yoti's APIs and the local emulator.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod sign;

/// Command-line tool for Yoti's Identity Verification, Age Estimation and Proof of Age APIs.
#[derive(Debug, Parser)]
#[command(name = "yoti", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the message and the X-Yoti-Auth-Digest for a request, as Yoti would check it.
    Sign(sign::Args),
}

/// A failure worth one line on stderr and an exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// Bad usage: exit code 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }

    /// Anything else: exit code 1.
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("yoti: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
