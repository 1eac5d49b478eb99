//! [`Backoff`]: the one delay computation of every wait-and-try-again loop in the workspace.
//!
//! Pure computation, no I/O and no clock: the transport's retries, the bearer token
//! refresh, IDV's `wait_for_completion`, Proof of Age's result polling and the emulator's
//! webhook deliveries all ask a `Backoff` how long to wait, and do the waiting themselves.

use std::time::Duration;

/// How a backoff delay is randomised, so that many clients failing together do not retry
/// together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exactly the exponential delay. Predictable; meant for tests and fixed schedules.
    None,
    /// A delay drawn uniformly from zero to the exponential delay ("full jitter").
    #[default]
    Full,
    /// Half the exponential delay, plus a delay drawn uniformly from zero to the other half
    /// ("equal jitter"): never less than half, for polls that should not come too soon.
    Equal,
}

/// An exponential backoff: the delay before retry number `n` (from 1) is
/// `min(max, initial * multiplier^(n-1))`, then randomised by [`Jitter`].
///
/// Every computation saturates: no retry number, initial delay or multiplier overflows, and a
/// delay never exceeds `max` (before jitter, which only ever shortens it).
///
/// ```
/// use std::time::Duration;
/// use yoti_types::{Backoff, Jitter};
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1))
///     .with_jitter(Jitter::None);
/// assert_eq!(backoff.delay(1), Duration::from_millis(100));
/// assert_eq!(backoff.delay(3), Duration::from_millis(400));
/// assert_eq!(backoff.delay(50), Duration::from_secs(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    multiplier: u32,
    jitter: Jitter,
}

impl Default for Backoff {
    /// 100 ms doubling up to 2 s, full jitter: the transport's retry delays.
    fn default() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(2))
    }
}

impl Backoff {
    /// `initial` doubling up to `max`, with [full jitter](Jitter::Full).
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            multiplier: 2,
            jitter: Jitter::Full,
        }
    }

    /// The growth factor between retries (default 2; 1 gives a constant delay; 0 counts as
    /// 1).
    #[must_use]
    pub const fn with_multiplier(mut self, multiplier: u32) -> Self {
        self.multiplier = if multiplier == 0 { 1 } else { multiplier };
        self
    }

    /// How the delays are randomised (default [`Jitter::Full`]).
    #[must_use]
    pub const fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The delay before the first retry, before jitter.
    #[must_use]
    pub const fn with_initial(mut self, initial: Duration) -> Self {
        self.initial = initial;
        self
    }

    /// The longest delay, before jitter.
    #[must_use]
    pub const fn with_max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// The delay before the first retry, before jitter.
    pub const fn initial(&self) -> Duration {
        self.initial
    }

    /// The longest delay, before jitter.
    pub const fn max(&self) -> Duration {
        self.max
    }

    /// The growth factor between retries.
    pub const fn multiplier(&self) -> u32 {
        self.multiplier
    }

    /// How the delays are randomised.
    pub const fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The delay before retry number `retry` (from 1; 0 counts as 1), before jitter:
    /// `min(max, initial * multiplier^(retry-1))`.
    pub fn base(&self, retry: u32) -> Duration {
        let mut base = self.initial.min(self.max);
        // At most 64 growth steps: past them any factor above 1 has long reached `max`.
        for _ in 1..retry.clamp(1, 64) {
            if base >= self.max {
                break;
            }
            base = base.saturating_mul(self.multiplier).min(self.max);
        }
        base
    }

    /// The delay before retry number `retry` (from 1), jitter applied, drawn from the
    /// thread's random generator.
    pub fn delay(&self, retry: u32) -> Duration {
        self.jittered(self.base(retry), |span| fastrand::u64(0..=span))
    }

    /// [`delay`](Self::delay) drawn from `rng` (a seeded one gives a repeatable sequence).
    pub fn delay_with(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        self.jittered(self.base(retry), |span| rng.u64(0..=span))
    }

    /// `base` randomised; `draw(span)` is uniform in `0..=span`. In whole nanoseconds, so
    /// that no float conversion can overflow.
    fn jittered(&self, base: Duration, mut draw: impl FnMut(u64) -> u64) -> Duration {
        let nanos = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
        let nanos = match self.jitter {
            Jitter::None => nanos,
            Jitter::Full => draw(nanos),
            Jitter::Equal => nanos - nanos / 2 + draw(nanos / 2),
        };
        Duration::from_nanos(nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn without_jitter_doubles_up_to_the_cap() {
        let backoff = Backoff::new(100 * MS, 1000 * MS).with_jitter(Jitter::None);
        let mut rng = fastrand::Rng::with_seed(1);
        let delays: Vec<_> = (1..=7).map(|n| backoff.delay_with(n, &mut rng)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000, 1000].map(|ms| ms * MS)
        );
        assert_eq!(backoff.delay(0), 100 * MS);
        assert_eq!(backoff.delay(u32::MAX), 1000 * MS);
    }

    #[test]
    fn multiplier_and_constant_delays() {
        let triple = Backoff::new(10 * MS, 1000 * MS)
            .with_multiplier(3)
            .with_jitter(Jitter::None);
        assert_eq!(
            (1..=6).map(|n| triple.delay(n)).collect::<Vec<_>>(),
            [10, 30, 90, 270, 810, 1000].map(|ms| ms * MS)
        );
        let constant = Backoff::new(10 * MS, 1000 * MS)
            .with_multiplier(0)
            .with_jitter(Jitter::None);
        assert_eq!(constant.multiplier(), 1);
        assert!((1..=100).all(|n| constant.delay(n) == 10 * MS));
        // An initial delay above the cap is capped.
        let capped = Backoff::new(5000 * MS, 1000 * MS).with_jitter(Jitter::None);
        assert_eq!(capped.delay(1), 1000 * MS);
    }

    #[test]
    fn never_overflows() {
        let mut rng = fastrand::Rng::with_seed(7);
        for jitter in [Jitter::None, Jitter::Full, Jitter::Equal] {
            for multiplier in [1, 2, 10, u32::MAX] {
                let backoff = Backoff::new(Duration::from_secs(u64::MAX / 2), Duration::MAX)
                    .with_multiplier(multiplier)
                    .with_jitter(jitter);
                for retry in [0, 1, 2, 31, 32, 33, 64, 65, 1000, u32::MAX] {
                    assert!(backoff.delay_with(retry, &mut rng) <= Duration::MAX);
                    let _ = backoff.delay(retry);
                }
            }
        }
        let huge = Backoff::new(Duration::MAX, Duration::MAX).with_jitter(Jitter::None);
        assert_eq!(huge.delay(u32::MAX), Duration::from_nanos(u64::MAX));
        let zero = Backoff::new(Duration::ZERO, Duration::from_secs(1));
        assert_eq!(zero.delay_with(5, &mut rng), Duration::ZERO);
    }

    #[test]
    fn full_jitter_stays_within_zero_and_the_base() {
        let backoff = Backoff::new(100 * MS, 2000 * MS).with_jitter(Jitter::Full);
        let mut rng = fastrand::Rng::with_seed(42);
        for retry in 1..=8 {
            let base = (100 * MS * 2u32.pow(retry - 1)).min(2000 * MS);
            assert_eq!(backoff.base(retry), base);
            let delays: Vec<_> = (0..500)
                .map(|_| backoff.delay_with(retry, &mut rng))
                .collect();
            assert!(delays.iter().all(|d| *d <= base), "retry {retry}");
            // Spread over the whole range, not stuck at one end.
            assert!(delays.iter().any(|d| *d < base / 4), "retry {retry}");
            assert!(delays.iter().any(|d| *d > base * 3 / 4), "retry {retry}");
        }
    }

    #[test]
    fn equal_jitter_stays_within_half_and_the_base() {
        let backoff = Backoff::new(100 * MS, 2000 * MS).with_jitter(Jitter::Equal);
        let mut rng = fastrand::Rng::with_seed(42);
        for retry in 1..=8 {
            let base = (100 * MS * 2u32.pow(retry - 1)).min(2000 * MS);
            let delays: Vec<_> = (0..500)
                .map(|_| backoff.delay_with(retry, &mut rng))
                .collect();
            assert!(
                delays.iter().all(|d| *d >= base / 2 && *d <= base),
                "retry {retry}"
            );
            assert!(delays.iter().any(|d| *d < base * 5 / 8), "retry {retry}");
            assert!(delays.iter().any(|d| *d > base * 7 / 8), "retry {retry}");
        }
    }

    #[test]
    fn a_seeded_generator_repeats_its_sequence() {
        let backoff = Backoff::default();
        let draw = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (1..=5)
                .map(|n| backoff.delay_with(n, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_eq!(backoff.initial(), 100 * MS);
        assert_eq!(backoff.max(), 2000 * MS);
        assert_eq!(backoff.jitter(), Jitter::Full);
    }
}
