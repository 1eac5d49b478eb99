//! The Age Estimation part of a state document (see [`crate::snapshot`]): the outcomes
//! forced per application. The last request seen per application is a diagnostic, not
//! state: it is not kept, and a reset forgets it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AgeState, Outcome, lock};

/// The age state as written to (and read from) a state document.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgeSnapshot {
    /// The outcome forced for each application, by SDK id.
    #[serde(default)]
    forced_outcomes: BTreeMap<String, Outcome>,
}

impl AgeState {
    /// The forced outcomes (those that force something).
    pub(crate) fn export(&self) -> AgeSnapshot {
        AgeSnapshot {
            forced_outcomes: lock(&self.outcomes)
                .iter()
                .filter(|(_, o)| **o != Outcome::default())
                .map(|(id, o)| (id.clone(), o.clone()))
                .collect(),
        }
    }

    /// Replaces the forced outcomes with a snapshot's; forgets the last requests.
    pub(crate) fn import(&self, snapshot: AgeSnapshot) {
        *lock(&self.outcomes) = snapshot.forced_outcomes.into_iter().collect();
        lock(&self.last).clear();
    }
}
