//! The time limits every subcommand's client takes from the global flags.

use std::sync::OnceLock;
use std::time::Duration;

use yoti::Transport;

/// The global network flags, beside each subcommand's own.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct NetArgs {
    /// The longest any one call may take, retries and reading the answer included, in
    /// seconds (default 120).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    deadline: Option<Duration>,
    /// The longest wait for the next piece of an answer (or of a media download), in seconds
    /// (default 30).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    read_timeout: Option<Duration>,
}

static NET: OnceLock<NetArgs> = OnceLock::new();

/// Keeps the flags for [`transport`]; called once, by `main`.
pub(crate) fn init(args: NetArgs) {
    let _ = NET.set(args);
}

/// The transport every client of this run uses: the SDK's default, with the flags' limits.
pub(crate) fn transport() -> Transport {
    let mut transport = Transport::default();
    if let Some(args) = NET.get() {
        if let Some(deadline) = args.deadline {
            transport = transport.with_deadline(deadline);
        }
        if let Some(idle) = args.read_timeout {
            transport = transport.with_read_timeout(idle);
        }
    }
    transport
}

/// A positive number of seconds, fractions allowed.
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("must be more than 0 seconds".into());
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive_numbers() {
        assert_eq!(seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(seconds("30"), Ok(Duration::from_secs(30)));
        assert!(seconds("0").is_err());
        assert!(seconds("-1").is_err());
        assert!(seconds("NaN").is_err());
        assert!(seconds("1e400").is_err());
        assert!(seconds("soon").is_err());
    }
}
