//! [`IdvClient::wait_for_completion`]: polling a session until it is over.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use yoti_types::idv::{SessionId, SessionResult, SessionState};
use yoti_types::{Backoff, Jitter};

use crate::call::Call;
use crate::client::segment;
use crate::{Error, IdvClient};

type OnPoll = Arc<dyn Fn(&SessionResult) + Send + Sync>;

/// How [`IdvClient::wait_for_completion`] polls.
///
/// The first poll is immediate; the delay before the next one starts at
/// [`initial_interval`](Self::initial_interval) and doubles up to
/// [`max_interval`](Self::max_interval), each delay randomised between half and all of it so
/// that many waiters do not poll together (a [`Backoff`] with [`Jitter::Equal`]). No poll
/// starts after
/// [`max_wait`](Self::max_wait): the last delay is cut short so that one poll happens at the
/// deadline.
#[derive(Clone)]
#[must_use]
pub struct WaitOptions {
    max_wait: Duration,
    intervals: Backoff,
    on_poll: Option<OnPoll>,
}

impl Default for WaitOptions {
    /// 10 minutes at most, polls from 1 s apart up to 15 s apart.
    fn default() -> Self {
        Self {
            max_wait: Duration::from_secs(600),
            intervals: Backoff::new(Duration::from_secs(1), Duration::from_secs(15))
                .with_jitter(Jitter::Equal),
            on_poll: None,
        }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("max_wait", &self.max_wait)
            .field("intervals", &self.intervals)
            .field(
                "on_poll",
                &self.on_poll.as_ref().map(|_| "Fn(&SessionResult)"),
            )
            .finish()
    }
}

impl WaitOptions {
    /// The defaults (see [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The deadline, counted from the first poll (default 10 minutes).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The delay after the first poll, before jitter (default 1 s).
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.intervals = self.intervals.with_initial(interval);
        self
    }

    /// The longest delay between polls, before jitter (default 15 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.intervals = self.intervals.with_max(interval);
        self
    }

    /// The delays between polls at once (default 1 s doubling up to 15 s, equal jitter).
    pub fn intervals(mut self, intervals: Backoff) -> Self {
        self.intervals = intervals;
        self
    }

    /// Calls `f` with every session polled, final one included (to show progress).
    pub fn on_poll(mut self, f: impl Fn(&SessionResult) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(f));
        self
    }

    /// The delay after poll number `poll` (from 1), before jitter.
    #[cfg(test)]
    fn interval(&self, poll: u32) -> Duration {
        self.intervals.base(poll)
    }
}

/// Whether a session is over: `COMPLETED` or `EXPIRED`.
pub fn is_final(session: &SessionResult) -> bool {
    matches!(
        session.state,
        Some(SessionState::Completed | SessionState::Expired)
    )
}

impl IdvClient {
    /// Polls `GET /sessions/{id}` with backoff until the session is `COMPLETED` or `EXPIRED`,
    /// and answers that final session (look at its `state`: an expired session is an answer,
    /// not an error).
    ///
    /// A poll that fails with a [retryable](Error::is_retryable) error (after the transport's
    /// own retries) is repeated at the next interval; any other error ends the wait.
    ///
    /// Cancel-safe: it spawns nothing and holds no lock, so dropping the future (in a
    /// `select!`, or under [`with_timeout`](Call::with_timeout)) stops it at once and leaves
    /// nothing behind. The call's [`with_retry`](Call::with_retry) applies to each poll.
    ///
    /// # Errors
    /// [`Error::WaitTimeout`] when [`max_wait`](WaitOptions::max_wait) passes first; the error
    /// of a poll that is not retryable (404 for an unknown session, ...).
    pub fn wait_for_completion(
        &self,
        session_id: impl AsRef<str>,
        options: WaitOptions,
    ) -> Call<SessionResult> {
        if let Err(e) = segment("session_id", session_id.as_ref()) {
            return Call::fail(e);
        }
        let session_id = SessionId::new(session_id.as_ref());
        let client = self.clone();
        Call::new(move |call| async move {
            let started = Instant::now();
            let deadline = started + options.max_wait;
            let mut last_state = None;
            let mut poll = 0_u32;
            loop {
                poll += 1;
                let get = client
                    .get_session(&session_id)
                    .with_options(call.without_deadline());
                match get.await {
                    Ok(session) => {
                        tracing::debug!(
                            session_id = %session_id,
                            poll,
                            state = session.state.as_ref().map_or("?", |s| s.as_str()),
                            "polled the session"
                        );
                        if let Some(f) = &options.on_poll {
                            f(&session);
                        }
                        if is_final(&session) {
                            return Ok(session);
                        }
                        last_state = session.state;
                    }
                    Err(e) if e.is_retryable() => {
                        tracing::debug!(
                            session_id = %session_id,
                            poll,
                            error = %e,
                            "poll failed; will poll again"
                        );
                    }
                    Err(e) => return Err(e),
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(Error::WaitTimeout {
                        session_id,
                        waited: now - started,
                        last_state,
                    });
                }
                let delay = options.intervals.delay(poll);
                tokio::time::sleep(delay.min(deadline - now)).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_double_up_to_the_cap() {
        let o = WaitOptions::new()
            .initial_interval(Duration::from_millis(100))
            .max_interval(Duration::from_millis(500));
        let ms: Vec<u128> = (1..=5).map(|p| o.interval(p).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 500, 500]);
        assert_eq!(o.interval(u32::MAX), Duration::from_millis(500));
        assert!(format!("{:?}", o.on_poll(|_| ())).contains("Fn(&SessionResult)"));
    }

    #[test]
    fn completed_and_expired_are_final() {
        let mut s = SessionResult::default();
        assert!(!is_final(&s));
        s.state = Some(SessionState::Ongoing);
        assert!(!is_final(&s));
        s.state = Some(SessionState::Completed);
        assert!(is_final(&s));
        s.state = Some(SessionState::Expired);
        assert!(is_final(&s));
        s.state = Some(SessionState::from("SOMETHING_NEW"));
        assert!(!is_final(&s));
    }
}
