//! The IDV part of a state document (see [`crate::snapshot`]): the virtual clock's offset,
//! the applications' sandbox response-configs and every session with its resources, media
//! (base64), checks, reports, tracked devices and its own response-config.
//!
//! Sessions are written in id order and maps with sorted keys, so that exporting the same
//! state twice gives the same document.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use yoti_types::idv::ResponseConfig;

use super::IdvState;
use super::lifecycle::wake_at;
use super::model::{Inner, Session, StoredConfig, TokenState};
use crate::state::Shared;

/// The IDV state as written to (and read from) a state document.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdvSnapshot {
    /// How far the virtual clock was moved.
    #[serde(default)]
    clock_offset: Duration,
    /// `PUT /apps/{sdkId}/response-config`, by SDK id.
    #[serde(default)]
    app_response_configs: BTreeMap<String, StoredConfig>,
    /// Every session, in id order.
    #[serde(default)]
    sessions: Vec<Session>,
}

/// The same, borrowed from the live state (exporting copies nothing but the JSON).
#[derive(Serialize)]
struct IdvSnapshotRef<'a> {
    clock_offset: Duration,
    app_response_configs: BTreeMap<&'a String, &'a StoredConfig>,
    sessions: Vec<&'a Session>,
}

impl IdvState {
    /// The IDV state as JSON.
    pub(crate) fn export(&self) -> Result<Value, serde_json::Error> {
        let inner = self.lock();
        let mut ids = inner.sessions.ids_latest_first();
        ids.sort_unstable();
        serde_json::to_value(IdvSnapshotRef {
            clock_offset: self.clock.offset(),
            app_response_configs: inner.app_configs.iter().collect(),
            sessions: ids.iter().map(|id| &inner.sessions[id]).collect(),
        })
    }

    /// Replaces the IDV state with a snapshot's, and sets the timers its sessions wait on
    /// (token expiry, pending reports).
    pub(crate) fn import(shared: &Shared, snapshot: IdvSnapshot) {
        let mut wakes = Vec::new();
        {
            let mut inner = shared.idv.lock();
            *inner = Inner::default();
            inner.app_configs = snapshot.app_response_configs.into_iter().collect();
            for session in snapshot.sessions {
                if session.token_state == TokenState::Active {
                    wakes.push((session.id.clone(), session.token_expires));
                }
                wakes.extend(
                    session
                        .checks
                        .iter()
                        .filter_map(|c| c.due.map(|due| (session.id.clone(), due))),
                );
                inner.sessions.insert(session.id.clone(), session);
            }
            // Nothing is owed to anyone yet: the sessions were only loaded.
            drop(inner.take_outboxes());
        }
        shared.idv.clock.set(snapshot.clock_offset);
        for (id, at) in wakes {
            wake_at(shared, id, at);
        }
    }

    /// Forgets every session and response-config and puts the clock back.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::default();
        self.clock.set(Duration::ZERO);
    }

    /// Sets an application's response-config (from a seed file).
    pub(crate) fn set_app_config(&self, sdk_id: String, raw: Value) -> Result<(), String> {
        let config = StoredConfig::try_from(raw)?;
        self.lock().app_configs.insert(sdk_id, config);
        Ok(())
    }
}

/// Whether a response-config parses (a seed file's, checked at start).
pub(crate) fn check_config(raw: &Value) -> Result<(), String> {
    StoredConfig::try_from(raw.clone()).map(drop)
}

impl TryFrom<Value> for StoredConfig {
    type Error = String;

    fn try_from(raw: Value) -> Result<Self, String> {
        let parsed = serde_path_to_error::deserialize::<_, ResponseConfig>(&raw)
            .map_err(|e| format!("invalid response-config at `{}`: {}", e.path(), e.inner()))?;
        Ok(Self { raw, parsed })
    }
}

impl From<StoredConfig> for Value {
    fn from(config: StoredConfig) -> Self {
        config.raw
    }
}

/// A client session token, written in clear (a state file lets a journey go on after a
/// restart; treat it as the test data it is).
pub(super) mod token {
    use serde::{Deserialize, Deserializer, Serializer};
    use yoti_auth::ClientSessionToken;

    pub(in crate::idv) fn serialize<S: Serializer>(
        token: &ClientSessionToken,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(token.expose_secret())
    }

    pub(in crate::idv) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<ClientSessionToken, D::Error> {
        String::deserialize(deserializer).map(ClientSessionToken::new)
    }
}

/// Media bytes as standard base64.
pub(super) mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(in crate::idv) fn serialize<S: Serializer>(
        bytes: &Bytes,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(in crate::idv) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Bytes, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Bytes::from)
            .map_err(|e| D::Error::custom(format!("invalid base64: {e}")))
    }
}

/// A media item's `Content-Type`: one of those the emulator serves.
pub(super) mod content_type {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Every `Content-Type` media is stored with.
    const KNOWN: [&str; 5] = [
        "image/jpeg",
        "image/png",
        "application/json",
        "application/octet-stream",
        "application/pdf",
    ];

    pub(in crate::idv) fn serialize<S: Serializer>(
        content_type: &&'static str,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(content_type)
    }

    pub(in crate::idv) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<&'static str, D::Error> {
        let text = String::deserialize(deserializer)?;
        KNOWN
            .into_iter()
            .find(|known| *known == text)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "unknown media type {text:?}, expected one of {KNOWN:?}"
                ))
            })
    }
}
