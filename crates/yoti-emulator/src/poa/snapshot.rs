//! The Proof of Age part of a state document (see [`crate::snapshot`]): the configuration,
//! the stored results (with the application that asked) and the QR values already used.
//!
//! Issued access tokens are not kept: they live on the monotonic clock of one process. After
//! a load, clients fetch new ones (a token from before answers 401).

use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yoti_types::poa::PoaResult;

use super::retention::Retained;
use super::{Inner, PoaConfig, PoaState, StoredResult};

/// The PoA state as written to (and read from) a state document.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoaSnapshot {
    #[serde(default)]
    config: PoaConfig,
    /// Stored results, oldest first.
    #[serde(default)]
    results: Vec<ResultEntry>,
    /// QR values already presented (a second presentation fails), oldest first.
    #[serde(default)]
    used_qr: Vec<UsedQr>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultEntry {
    sdk_id: String,
    #[serde(with = "time::serde::rfc3339")]
    stored_at: OffsetDateTime,
    result: PoaResult,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsedQr {
    value: String,
    #[serde(with = "time::serde::rfc3339")]
    used_at: OffsetDateTime,
}

impl PoaSnapshot {
    /// The configuration's complaint when it is out of bounds.
    pub(crate) fn validate(&self) -> Result<(), String> {
        self.config.validate()
    }
}

impl PoaState {
    /// The configuration, results and used QR values.
    pub(crate) fn export(&self) -> PoaSnapshot {
        let inner = self.lock();
        PoaSnapshot {
            config: inner.config.clone(),
            results: inner
                .results
                .iter()
                .map(|(_, stored_at, stored)| ResultEntry {
                    sdk_id: stored.sdk_id.clone(),
                    stored_at,
                    result: stored.result.clone(),
                })
                .collect(),
            used_qr: inner
                .used_qr
                .iter()
                .map(|(value, used_at, ())| UsedQr {
                    value: value.to_owned(),
                    used_at,
                })
                .collect(),
        }
    }

    /// Replaces everything with a snapshot's: issued tokens are forgotten, counters zeroed.
    ///
    /// # Errors
    /// The configuration's complaint when it is out of bounds.
    pub(crate) fn import(&self, snapshot: PoaSnapshot) -> Result<(), String> {
        snapshot.config.validate()?;
        let mut results = Retained::default();
        for entry in snapshot.results {
            let id = entry.result.id.as_str().to_owned();
            let stored = StoredResult {
                sdk_id: entry.sdk_id,
                result: entry.result,
            };
            results.insert(id, stored, entry.stored_at);
        }
        let mut used_qr = Retained::default();
        for entry in snapshot.used_qr {
            used_qr.insert(entry.value, (), entry.used_at);
        }
        *self.lock() = Inner {
            config: snapshot.config,
            tokens: Default::default(),
            used_qr,
            results,
        };
        let c = &self.counters;
        for counter in [
            &c.token_requests,
            &c.tokens_issued,
            &c.tokens_refused,
            &c.verify_requests,
            &c.result_requests,
            &c.unauthorized,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        Ok(())
    }
}
