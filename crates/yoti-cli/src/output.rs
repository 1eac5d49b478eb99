//! What the CLI prints on stdout: JSON, or text. A reader that went away (`yoti ... | head`)
//! ends the command silently with the closed-pipe exit code, never with an error message.

use std::io::Write as _;

use serde::Serialize;

use crate::Failure;

/// Prints a value as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::other(format!("cannot print the answer: {e}")))?;
    print_text(&format!("{text}\n"))
}

/// Writes `text` on stdout and flushes it.
pub(crate) fn print_text(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_failure)
}

/// A failed write on stdout: a closed pipe ends quietly, anything else is a local failure.
pub(crate) fn stdout_failure(error: std::io::Error) -> Failure {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::closed_pipe()
    } else {
        Failure::other(format!("cannot write to stdout: {error}"))
    }
}
