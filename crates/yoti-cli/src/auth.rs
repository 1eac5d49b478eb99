//! `yoti auth ...`.

use crate::Failure;

/// The `yoti auth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {}

pub(crate) async fn run(command: Command) -> Result<(), Failure> {
    match command {}
}
