//! [`RetryBudget`]: a bound on retries shared by every clone of a transport, so that a storm
//! of failures cannot multiply the traffic sent to a struggling service.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The share of first attempts that may be retried, by default: 10 %.
pub const DEFAULT_RETRY_RATIO: f64 = 0.1;
/// The retries allowed per second whatever the ratio, by default: 10.
pub const DEFAULT_MIN_RETRIES_PER_SEC: u32 = 10;
/// The most tokens a budget saves up, by default: 100 retries.
pub const DEFAULT_MAX_BALANCE: f64 = 100.0;

/// A token bucket of retries (in the style of gRPC's retry throttling and Finagle's
/// `RetryBudget`), shared by every clone of the [`Transport`](crate::Transport) it is set on.
///
/// - Every **first attempt** deposits `ratio` tokens (default [`DEFAULT_RETRY_RATIO`], 0.1).
/// - Every **retry** withdraws one token. Without a whole token, the retry may still use the
///   **floor**: up to `min_retries_per_sec` retries in each one-second window (default
///   [`DEFAULT_MIN_RETRIES_PER_SEC`], 10), so that a client with little traffic can still
///   retry the odd failure.
/// - The balance never exceeds `max_balance` tokens (default [`DEFAULT_MAX_BALANCE`], 100),
///   so a long healthy spell does not save up a burst.
///
/// A retry the budget refuses is not made: the call returns its last outcome, with a warning
/// `giving up retrying` whose reason is `the retry budget is spent`. With the defaults, N calls
/// against a service that fails every one make at most `N + 0.1 N + 10 × seconds` requests,
/// instead of `3 N` for the default three attempts: a 503 storm adds at most about 10 %.
///
/// ```
/// use yoti_http::{RetryBudget, Transport};
///
/// let budget = RetryBudget::new(0.2, 5);
/// let transport = Transport::default().with_retry_budget(budget.clone());
/// assert_eq!(transport.retry_budget().ratio(), 0.2);
/// let open = Transport::default().with_retry_budget(RetryBudget::unlimited());
/// assert!(open.retry_budget().is_unlimited());
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    inner: Option<Arc<Bucket>>,
}

/// One token, in the thousandths the balance is counted in (no float drift: ten deposits of
/// 0.1 make exactly one token).
const TOKEN: u64 = 1000;

struct Bucket {
    ratio: f64,
    /// `ratio` in thousandths of a token.
    deposit: u64,
    min_per_sec: u32,
    /// In thousandths of a token.
    max_balance: u64,
    state: Mutex<State>,
}

struct State {
    /// In thousandths of a token.
    balance: u64,
    window_start: Instant,
    window_used: u32,
}

impl Default for RetryBudget {
    /// [`DEFAULT_RETRY_RATIO`] and [`DEFAULT_MIN_RETRIES_PER_SEC`].
    fn default() -> Self {
        Self::new(DEFAULT_RETRY_RATIO, DEFAULT_MIN_RETRIES_PER_SEC)
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("RetryBudget::unlimited()"),
            Some(bucket) => f
                .debug_struct("RetryBudget")
                .field("ratio", &bucket.ratio)
                .field("min_retries_per_sec", &bucket.min_per_sec)
                .field("max_balance", &self.max_balance())
                .field("balance", &self.balance())
                .finish(),
        }
    }
}

impl RetryBudget {
    /// A budget letting `ratio` of first attempts be retried (clamped to 0..=1000; a
    /// non-number counts as 0), plus `min_retries_per_sec` retries in any second.
    pub fn new(ratio: f64, min_retries_per_sec: u32) -> Self {
        let ratio = if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1000.0)
        };
        Self {
            inner: Some(Arc::new(Bucket {
                ratio,
                deposit: thousandths(ratio),
                min_per_sec: min_retries_per_sec,
                max_balance: thousandths(DEFAULT_MAX_BALANCE),
                state: Mutex::new(State {
                    balance: 0,
                    window_start: Instant::now(),
                    window_used: 0,
                }),
            })),
        }
    }

    /// No budget: every retry the [`RetryPolicy`](crate::RetryPolicy) allows is made.
    pub fn unlimited() -> Self {
        Self { inner: None }
    }

    /// The most tokens saved up (default [`DEFAULT_MAX_BALANCE`]); a fresh budget (its
    /// balance starts at 0).
    pub fn with_max_balance(self, max_balance: f64) -> Self {
        match self.inner {
            None => self,
            Some(bucket) => {
                let mut fresh = Self::new(bucket.ratio, bucket.min_per_sec);
                if let Some(inner) = fresh.inner.as_mut().and_then(Arc::get_mut) {
                    inner.max_balance = thousandths(max_balance);
                }
                fresh
            }
        }
    }

    /// Whether this budget allows every retry.
    pub fn is_unlimited(&self) -> bool {
        self.inner.is_none()
    }

    /// The share of first attempts that may be retried (infinite when unlimited).
    pub fn ratio(&self) -> f64 {
        self.inner.as_ref().map_or(f64::INFINITY, |b| b.ratio)
    }

    /// The retries allowed in any second whatever the ratio (`u32::MAX` when unlimited).
    pub fn min_retries_per_sec(&self) -> u32 {
        self.inner.as_ref().map_or(u32::MAX, |b| b.min_per_sec)
    }

    /// The tokens saved up now (infinite when unlimited).
    pub fn balance(&self) -> f64 {
        self.inner
            .as_ref()
            .map_or(f64::INFINITY, |b| tokens(b.lock().balance))
    }

    /// The most tokens saved up (infinite when unlimited).
    pub fn max_balance(&self) -> f64 {
        self.inner
            .as_ref()
            .map_or(f64::INFINITY, |b| tokens(b.max_balance))
    }

    /// Records a first attempt: deposits `ratio` tokens.
    pub(crate) fn deposit(&self) {
        if let Some(bucket) = &self.inner {
            let mut state = bucket.lock();
            state.balance = state
                .balance
                .saturating_add(bucket.deposit)
                .min(bucket.max_balance);
        }
    }

    /// Asks for one retry: withdraws a token, or failing that uses the floor of this second.
    /// False when neither is left: the retry is not to be made.
    pub(crate) fn try_withdraw(&self) -> bool {
        let Some(bucket) = &self.inner else {
            return true;
        };
        let mut state = bucket.lock();
        if state.balance >= TOKEN {
            state.balance -= TOKEN;
            return true;
        }
        let now = Instant::now();
        if now.duration_since(state.window_start) >= Duration::from_secs(1) {
            state.window_start = now;
            state.window_used = 0;
        }
        if state.window_used < bucket.min_per_sec {
            state.window_used += 1;
            return true;
        }
        false
    }
}

/// `tokens` in thousandths, rounded; a non-number or a negative count as 0.
fn thousandths(tokens: f64) -> u64 {
    if tokens.is_nan() || tokens <= 0.0 {
        return 0;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "positive, and saturating: `as` clamps a float above u64::MAX to it"
    )]
    let thousandths = (tokens * 1000.0).round() as u64;
    thousandths
}

#[expect(
    clippy::cast_precision_loss,
    reason = "a balance is far below 2^52 thousandths"
)]
fn tokens(thousandths: u64) -> f64 {
    thousandths as f64 / 1000.0
}

impl Bucket {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two numbers updated together under the lock: a panic elsewhere
        // cannot leave it half written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deposits_pay_for_retries_and_the_floor_covers_a_quiet_client() {
        let budget = RetryBudget::new(0.1, 2);
        // A quiet client: the floor lets two retries through in this second, not a third.
        assert!(budget.try_withdraw());
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw());
        // Ten first attempts pay for one retry.
        for _ in 0..10 {
            budget.deposit();
        }
        assert!((budget.balance() - 1.0).abs() < 1e-9);
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw());
    }

    #[test]
    fn the_balance_is_capped_and_shared_by_clones() {
        let budget = RetryBudget::new(1.0, 0).with_max_balance(3.0);
        let clone = budget.clone();
        for _ in 0..100 {
            clone.deposit();
        }
        assert!((budget.balance() - 3.0).abs() < 1e-9);
        assert!((0..3).all(|_| budget.try_withdraw()));
        assert!(!clone.try_withdraw());
    }

    #[test]
    fn unlimited_allows_everything_and_odd_ratios_are_clamped() {
        let open = RetryBudget::unlimited();
        assert!((0..10_000).all(|_| open.try_withdraw()));
        assert!(open.is_unlimited());
        assert!(format!("{open:?}").contains("unlimited"));
        assert!(RetryBudget::new(f64::NAN, 0).ratio().abs() < f64::EPSILON);
        assert!(RetryBudget::new(-1.0, 0).ratio().abs() < f64::EPSILON);
        let d = RetryBudget::default();
        assert!((d.ratio() - DEFAULT_RETRY_RATIO).abs() < f64::EPSILON);
        assert_eq!(d.min_retries_per_sec(), DEFAULT_MIN_RETRIES_PER_SEC);
    }
}
