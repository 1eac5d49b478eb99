//! The emulator's bounds, in one place: how far time arithmetic reaches, how long a
//! connection may dawdle, how much a hostile client can make it hold.
//!
//! Admin inputs beyond a bound are refused with 400 (never capped silently, so a test sees
//! its mistake); in-process setters that cannot fail cap at the bound instead.

use std::time::Duration;

/// The longest span the emulator reckons with (100 years): TTLs, token lifetimes, delays
/// and clock moves beyond it are refused or capped, so that time arithmetic never
/// overflows.
pub(crate) const MAX_SPAN_SECS: u64 = 100 * 365 * 86_400;

/// The longest latency a fault may add (1 hour).
pub(crate) const MAX_LATENCY_MS: u64 = 3_600_000;

/// The longest QR value `POST /poa/v1/verify` takes, in bytes (a QR code holds at most
/// 7089 digits): longer ones are 400 `MALFORMED_PAYLOAD`.
pub(crate) const MAX_QR_VALUE_BYTES: usize = 8 * 1024;

/// The most used QR values, and the most results, Proof of Age keeps (the oldest go first).
pub(crate) const MAX_POA_RETAINED: usize = 100_000;

/// The most webhook deliveries `GET /__emulator/notifications` lists (the oldest go first).
pub(crate) const MAX_DELIVERY_LOG: usize = 10_000;

/// `d`, capped at [`MAX_SPAN_SECS`].
pub(crate) fn capped(d: Duration) -> Duration {
    d.min(Duration::from_secs(MAX_SPAN_SECS))
}

/// Checks that `value` (a number of `unit`s, `per_sec` of them a second) spans at most
/// [`MAX_SPAN_SECS`]; the message names `field`.
pub(crate) fn check_span(field: &str, value: u64, per_sec: u64) -> Result<(), String> {
    if value / per_sec.max(1) > MAX_SPAN_SECS {
        let max = MAX_SPAN_SECS.saturating_mul(per_sec);
        return Err(format!("{field} must be at most {max}, got {value}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bounded() {
        assert!(check_span("x", MAX_SPAN_SECS, 1).is_ok());
        assert!(check_span("x", MAX_SPAN_SECS + 1, 1).is_err());
        assert!(check_span("x_ms", u64::MAX, 1000).is_err());
        assert!(check_span("x_ms", MAX_SPAN_SECS * 1000, 1000).is_ok());
        assert_eq!(capped(Duration::MAX), Duration::from_secs(MAX_SPAN_SECS));
    }
}
