//! What Proof of Age remembers (used QR values, results), kept for a retention period on the
//! emulator's clock and capped in number, so that a long run or a hostile client cannot
//! grow it without bound.

use std::collections::{HashMap, VecDeque};

use time::OffsetDateTime;

/// Values by key, each dropped once `retention` has passed since it was first stored, or
/// when `cap` newer ones push it out (oldest first).
#[derive(Debug)]
pub(super) struct Retained<V> {
    entries: HashMap<String, (OffsetDateTime, V)>,
    /// Keys in the order they were first stored, with that time.
    order: VecDeque<(OffsetDateTime, String)>,
    cap: usize,
}

impl<V> Default for Retained<V> {
    fn default() -> Self {
        Self::new(crate::limits::MAX_POA_RETAINED)
    }
}

impl<V> Retained<V> {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// Drops what is older than `retention` (or beyond the cap).
    pub(super) fn sweep(&mut self, now: OffsetDateTime, retention: time::Duration) {
        while let Some((at, key)) = self.order.front() {
            let stale = now - *at >= retention || self.order.len() > self.cap;
            if !stale {
                break;
            }
            self.entries.remove(key);
            self.order.pop_front();
        }
    }

    /// Stores `value` under `key`: answers whether the key was new (a known key keeps its
    /// first time and gets the new value).
    pub(super) fn insert(&mut self, key: String, value: V, now: OffsetDateTime) -> bool {
        match self.entries.get_mut(&key) {
            Some(entry) => {
                entry.1 = value;
                false
            }
            None => {
                self.order.push_back((now, key.clone()));
                self.entries.insert(key, (now, value));
                true
            }
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key).map(|(_, v)| v)
    }

    /// Every entry with the time it was first stored, oldest first (for a state file).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, OffsetDateTime, &V)> {
        self.order.iter().filter_map(|(at, key)| {
            self.entries
                .get(key)
                .map(|(_, value)| (key.as_str(), *at, value))
        })
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn entries_go_after_the_retention_or_beyond_the_cap() {
        let t0 = datetime!(2030-01-01 00:00 UTC);
        let hour = time::Duration::hours(1);
        let mut kept = Retained::new(3);
        assert!(kept.insert("a".into(), 1, t0));
        assert!(!kept.insert("a".into(), 2, t0 + time::Duration::minutes(30)));
        assert_eq!(kept.get("a"), Some(&2));
        kept.insert("b".into(), 3, t0 + time::Duration::minutes(40));
        kept.sweep(t0 + hour, hour);
        assert_eq!(
            (kept.get("a"), kept.get("b")),
            (None, Some(&3)),
            "by first time"
        );
        for key in ["c", "d", "e"] {
            kept.insert(key.into(), 0, t0 + hour);
        }
        kept.sweep(t0 + hour, hour);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept.get("b"), None, "pushed out by the cap");
    }
}
