//! What the CLI prints: JSON on stdout, failures on stderr with an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use serde::Serialize;

/// A failure: printed on stderr, mapped to an exit code.
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

    /// An API error: its JSON on stderr, exit code 1.
    pub(crate) fn api(json: &impl Serialize) -> Self {
        let message =
            serde_json::to_string(json).unwrap_or_else(|e| format!("(unprintable error: {e})"));
        Self { message, code: 1 }
    }

    /// Prints the failure and answers the exit code.
    pub(crate) fn report(self) -> ExitCode {
        if self.message.starts_with('{') {
            eprintln!("{}", self.message);
        } else {
            eprintln!("yoti: {}", self.message);
        }
        ExitCode::from(self.code)
    }
}

/// An error and its sources on one line, `a: b: c`. Errors never repeat their source in their
/// own message (a test in every crate walks the chains), so each cause shows once.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// Prints a value as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::other(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| Failure::other(format!("cannot write to stdout: {e}")))
}
