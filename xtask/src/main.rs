//! Project automation: `cargo xtask <command>`.
//!
//! - `ci`: runs exactly what CI runs (`.ci/run`).
//! - `fixtures [--check] [--new-keys]`: regenerates the generated test fixtures (signature
//!   vectors, recorded emulator answers, the test image manifest); `--check` lists the stale
//!   ones instead (see `fixtures.rs`).
//! - `snapshots [--accept|--reject] [--no-run]`: reviews insta snapshots without cargo-insta
//!   (see `snapshots.rs`).
//! - `bench`: the benchmarks (see `bench.rs`).
//! - `bench-ab --base REV`: the benchmarks' ratios at REV against the working tree, from
//!   alternating runs (see `bench_ab.rs`).

mod bench;
mod bench_ab;
mod fixtures;
mod snapshots;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => run(Command::new("bash").arg(root().join(".ci/run"))),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-ab") => bench_ab::run(&args[1..]),
        Some("fixtures") => fixtures::run(&args[1..]),
        Some("snapshots") => snapshots::run(&args[1..]),
        Some("help" | "-h" | "--help") => {
            println!("{}", usage());
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("xtask: unknown command `{other}`\n\n{}", usage());
            ExitCode::from(2)
        }
        None => {
            eprintln!("{}", usage());
            ExitCode::from(2)
        }
    }
}

fn usage() -> String {
    let commands = [
        ("ci", "run exactly what CI runs (.ci/run)"),
        (
            fixtures::USAGE,
            "regenerate the generated test fixtures (--check: list stale ones)",
        ),
        (
            snapshots::USAGE,
            "run the snapshot tests and review pending insta snapshots",
        ),
        ("bench", "run the benchmarks"),
        (
            bench_ab::USAGE,
            "compare the benchmarks' ratios with those at an earlier commit",
        ),
    ];
    let mut out = String::from("usage: cargo xtask <command>\n\ncommands:\n");
    for (command, what) in commands {
        out.push_str(&format!("  {command:<45} {what}\n"));
    }
    out.push_str("\n`cargo xtask <command> --help` says more about fixtures and snapshots.");
    out
}

fn run(command: &mut Command) -> ExitCode {
    match command.current_dir(root()).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => {
            eprintln!("xtask: cannot run {command:?}: {e}");
            ExitCode::from(1)
        }
    }
}
