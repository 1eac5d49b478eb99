//! The IDV session store: sessions by id, indexed so that no request costs more with more
//! live sessions.
//!
//! - client session tokens are indexed by their SHA-256 digest (a lookup reveals nothing of
//!   the token through timing; the match is then confirmed in constant time);
//! - `resources_ttl` deadlines are kept in time order and swept a bounded number at a time
//!   (a session past its deadline is also refused on lookup, swept or not);
//! - only the sessions handed out since the last delivery are searched for queued
//!   notifications.

use std::collections::{BTreeSet, HashMap};
use std::ops::Index;

use aws_lc_rs::digest::{SHA256, digest};
use time::OffsetDateTime;

use super::model::Session;
use crate::webhook::Delivery;

/// How many sessions past their `resources_ttl` one request drops at most (the rest wait for
/// the next requests; lookups refuse them meanwhile).
const SWEEP_BUDGET: usize = 16;

/// A client session token's index key.
type TokenKey = [u8; 32];

fn token_key(token: &str) -> TokenKey {
    let mut key = [0; 32];
    key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    key
}

/// Sessions by id, with their token and deadline indexes.
#[derive(Debug, Default)]
pub(super) struct Sessions {
    by_id: HashMap<String, Session>,
    by_token: HashMap<TokenKey, String>,
    /// `(resources_expire, id)` of every session.
    deadlines: BTreeSet<(OffsetDateTime, String)>,
    /// Ids handed out (perhaps mutated) since the last [`take_outboxes`](Self::take_outboxes).
    touched: Vec<String>,
}

impl Sessions {
    /// Stores a session under `id` (its own id), replacing any session stored there.
    pub(super) fn insert(&mut self, id: String, session: Session) -> Option<Session> {
        let old = self.remove(&id);
        self.by_token
            .insert(token_key(session.token.expose_secret()), id.clone());
        self.deadlines
            .insert((session.resources_expire, id.clone()));
        self.touched.push(id.clone());
        self.by_id.insert(id, session);
        old
    }

    /// Drops a session with all its indexes.
    pub(super) fn remove(&mut self, id: &str) -> Option<Session> {
        let session = self.by_id.remove(id)?;
        self.by_token
            .remove(&token_key(session.token.expose_secret()));
        self.deadlines
            .remove(&(session.resources_expire, id.to_owned()));
        Some(session)
    }

    /// The session `id`, if it exists and `now` is before its `resources_ttl` deadline (a
    /// session past it is dropped here).
    pub(super) fn live_mut(&mut self, id: &str, now: OffsetDateTime) -> Option<&mut Session> {
        if self
            .by_id
            .get(id)
            .is_some_and(|s| now >= s.resources_expire)
        {
            self.remove(id);
            return None;
        }
        let session = self.by_id.get_mut(id)?;
        self.touched.push(id.to_owned());
        Some(session)
    }

    /// The id of the session holding `token` (compared in constant time), if `now` is before
    /// its `resources_ttl` deadline.
    pub(super) fn holder_of(&self, token: &str, now: OffsetDateTime) -> Option<&str> {
        let id = self.by_token.get(&token_key(token))?;
        self.by_id
            .get(id)
            .filter(|s| now < s.resources_expire && s.token.matches(token))
            .map(|s| s.id.as_str())
    }

    /// Drops at most [`SWEEP_BUDGET`] sessions whose `resources_ttl` has run out, oldest
    /// deadline first.
    pub(super) fn sweep(&mut self, now: OffsetDateTime) {
        for _ in 0..SWEEP_BUDGET {
            match self.deadlines.first() {
                Some((at, id)) if *at <= now => {
                    let id = id.clone();
                    self.remove(&id);
                }
                _ => break,
            }
        }
    }

    /// The notifications queued by the sessions handed out since the last call.
    pub(super) fn take_outboxes(&mut self) -> Vec<Delivery> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        let mut deliveries = Vec::new();
        for id in &touched {
            if let Some(session) = self.by_id.get_mut(id) {
                deliveries.append(&mut session.outbox);
            }
        }
        deliveries
    }

    /// The ids of every stored session, the latest `resources_ttl` deadline first (for the
    /// dashboard).
    pub(super) fn ids_latest_first(&self) -> Vec<String> {
        self.deadlines
            .iter()
            .rev()
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// How many sessions are stored (swept or not).
    pub(super) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no session is stored.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

impl Index<&String> for Sessions {
    type Output = Session;

    fn index(&self, id: &String) -> &Session {
        &self.by_id[id]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idv::model::after;
    use time::macros::datetime;

    fn session(now: OffsetDateTime, resources_ttl: u64) -> Session {
        let spec = serde_json::from_str("{}").unwrap();
        Session::new("app".into(), spec, now, after(now, 60), resources_ttl)
    }

    #[test]
    fn tokens_and_deadlines_are_indexed() {
        let now = datetime!(2030-01-01 00:00 UTC);
        let mut store = Sessions::default();
        let sessions: Vec<Session> = (0..40u64).map(|i| session(now, 100 + i)).collect();
        let first = (
            sessions[0].id.clone(),
            sessions[0].token.expose_secret().to_owned(),
        );
        for s in sessions {
            store.insert(s.id.clone(), s);
        }
        assert_eq!(store.holder_of(&first.1, now), Some(first.0.as_str()));
        assert_eq!(store.holder_of("not-a-token", now), None);
        assert_eq!(store.len(), 40);
        // Past every deadline: lookups refuse at once, sweeping goes a budget at a time.
        let later = after(now, 1_000);
        assert_eq!(store.holder_of(&first.1, later), None);
        assert!(store.live_mut(&first.0, later).is_none());
        assert_eq!(store.holder_of(&first.1, now), None, "dropped");
        store.sweep(later);
        assert_eq!(store.len(), 39 - SWEEP_BUDGET);
        // Deadlines are swept in order: at 110 s, the sessions of 100..=110 s are gone.
        let mut store = Sessions::default();
        for i in 0..20u64 {
            let s = session(now, 100 + i);
            store.insert(s.id.clone(), s);
        }
        store.sweep(after(now, 110));
        assert_eq!(store.len(), 9);
        assert!(store.by_token.len() == 9 && store.deadlines.len() == 9);
    }

    #[test]
    fn only_touched_sessions_are_searched_for_notifications() {
        let now = datetime!(2030-01-01 00:00 UTC);
        let mut store = Sessions::default();
        let s = session(now, 100);
        let id = s.id.clone();
        store.insert(id.clone(), s);
        assert!(store.take_outboxes().is_empty());
        assert!(store.touched.is_empty());
        store.live_mut(&id, now).unwrap();
        store.live_mut(&id, now).unwrap();
        assert_eq!(store.touched.len(), 2);
        store.take_outboxes();
        assert!(store.touched.is_empty());
    }
}
