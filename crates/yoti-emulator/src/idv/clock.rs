//! The virtual clock of IDV sessions.
//!
//! Session times (creation, client session token expiry, `session_deadline`,
//! `resources_ttl`, check report delays) are read from `real now + offset`, and the offset
//! only grows: `POST /__emulator/clock/advance {"seconds": N}` or
//! [`Emulator::advance_clock`](crate::Emulator::advance_clock) moves every session forward
//! at once, so tests reach a TTL of a day without waiting. Signature timestamps stay on the
//! real clock (the verifier is not affected).
//!
//! Advancing the clock wakes the timers waiting for a session event (token expiry, report
//! delay), so notifications follow at once.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::model::{MAX_SPAN_SECS, ts};
use crate::error::ApiError;
use crate::state::Shared;

/// The offset from the real clock, published so that timers wake when it moves.
#[derive(Debug)]
pub(super) struct Clock {
    offset: watch::Sender<Duration>,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            offset: watch::Sender::new(Duration::ZERO),
        }
    }
}

impl Clock {
    /// The virtual now.
    pub(super) fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.offset.borrow()
    }

    /// How far the clock was moved in total.
    pub(super) fn offset(&self) -> Duration {
        *self.offset.borrow()
    }

    /// Moves the clock forward (in all at most [`MAX_SPAN_SECS`]) and wakes every timer.
    pub(super) fn advance(&self, by: Duration) {
        let max = Duration::from_secs(MAX_SPAN_SECS);
        self.offset
            .send_modify(|offset| *offset = offset.saturating_add(by).min(max));
    }

    /// Puts the offset at `offset` (a state loaded or reset) and wakes every timer.
    pub(super) fn set(&self, offset: Duration) {
        let max = Duration::from_secs(MAX_SPAN_SECS);
        self.offset.send_replace(offset.min(max));
    }

    /// A receiver that sees every move.
    pub(super) fn subscribe(&self) -> watch::Receiver<Duration> {
        self.offset.subscribe()
    }
}

impl crate::Emulator {
    /// Moves the IDV sessions' virtual clock forward by `by` (client session token TTLs,
    /// deadlines, `resources_ttl` and report delays all see it; request signatures do not).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.idv.clock.advance(by);
    }
}

#[derive(Debug, Deserialize)]
struct Advance {
    seconds: u64,
}

fn state(shared: &Shared) -> Response {
    let clock = &shared.idv.clock;
    Json(json!({
        "offset_seconds": clock.offset().as_secs(),
        "now": ts(clock.now()),
    }))
    .into_response()
}

/// `GET /__emulator/clock`: `{"offset_seconds", "now"}`.
pub(super) async fn get(State(shared): State<Shared>) -> Response {
    state(&shared)
}

/// `POST /__emulator/clock/advance {"seconds": N}`: answers the clock as `GET` does.
pub(super) async fn advance(State(shared): State<Shared>, body: Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(Advance { seconds }) => {
            shared.idv.clock.advance(Duration::from_secs(seconds));
            state(&shared)
        }
        Err(e) => ApiError::idv(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("expected {{\"seconds\": N}}: {e}"),
        )
        .field_error("seconds", "a whole number of seconds, 0 or more")
        .into_response(),
    }
}
