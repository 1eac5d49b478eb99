//! The emulator's shared state: registered applications, the signature verifier, faults and
//! counters. Service state (sessions, tokens, ...) lives beside it, one field per service.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;
use yoti_auth::{PublicKey, Verifier};

use crate::error::ErrorStyle;
use crate::faults::{FaultConfig, FaultState};

/// The state every handler shares.
pub(crate) type Shared = Arc<State>;

/// A registered application.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) public_key: PublicKey,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) apps: RwLock<HashMap<String, App>>,
    pub(crate) verifier: Verifier,
    pub(crate) faults: Mutex<FaultState>,
    pub(crate) stats: Stats,
    pub(crate) body_limit: usize,
    pub(crate) webhooks: Arc<crate::webhook::Webhooks>,
    pub(crate) journal: crate::journal::Journal,
    pub(crate) idv: crate::idv::IdvState,
    pub(crate) age: crate::age::AgeState,
    pub(crate) poa: crate::poa::PoaState,
    /// The emulator's public URL (`http://ADDR` unless configured), set once at start.
    pub(crate) public_url: std::sync::OnceLock<String>,
    /// The token the admin routes require, if any, set once at start.
    pub(crate) admin_token: std::sync::OnceLock<crate::admin::AdminToken>,
    /// What was given at start (apps, seeds, faults), applied again by a reset.
    pub(crate) start: std::sync::OnceLock<crate::snapshot::Start>,
}

impl State {
    pub(crate) fn new(
        verifier: Verifier,
        faults: FaultConfig,
        body_limit: usize,
        webhooks: crate::webhook::WebhookPolicy,
    ) -> Self {
        Self {
            apps: RwLock::new(HashMap::new()),
            verifier,
            faults: Mutex::new(FaultState::new(faults)),
            stats: Stats::default(),
            body_limit,
            webhooks: Arc::new(crate::webhook::Webhooks::new(webhooks)),
            journal: crate::journal::Journal::new(crate::journal::DEFAULT_JOURNAL_CAPACITY),
            idv: Default::default(),
            age: Default::default(),
            poa: Default::default(),
            public_url: Default::default(),
            admin_token: Default::default(),
            start: Default::default(),
        }
    }

    pub(crate) fn register_app(&self, sdk_id: String, public_key: PublicKey) {
        self.apps
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sdk_id, App { public_key });
    }

    pub(crate) fn app(&self, sdk_id: &str) -> Option<App> {
        self.apps
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(sdk_id)
            .cloned()
    }

    pub(crate) fn all_apps(&self) -> Vec<(String, App)> {
        let apps = self.apps.read().unwrap_or_else(|p| p.into_inner());
        apps.iter()
            .map(|(id, app)| (id.clone(), app.clone()))
            .collect()
    }

    /// Replaces every application (a state loaded, a reset).
    pub(crate) fn replace_apps(&self, apps: Vec<(String, PublicKey)>) {
        *self.apps.write().unwrap_or_else(|p| p.into_inner()) = apps
            .into_iter()
            .map(|(sdk_id, public_key)| (sdk_id, App { public_key }))
            .collect();
    }

    pub(crate) fn set_faults(&self, config: FaultConfig) {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner()) = FaultState::new(config);
    }
}

/// Counters a test can read through `GET /__emulator/stats` or [`crate::Emulator::stats`].
#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: AtomicU64,
    verified: AtomicU64,
    rejected: AtomicU64,
    faults: AtomicU64,
    panics: AtomicU64,
}

/// A snapshot of the emulator's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Requests received on service routes (faulted ones included).
    pub requests: u64,
    /// Signed requests whose signature verified.
    pub verified: u64,
    /// Requests refused by authentication (401).
    pub rejected: u64,
    /// Requests answered with an injected fault.
    pub faults: u64,
    /// Requests whose handler panicked (answered 500): a bug in the emulator.
    #[serde(default)]
    pub panics: u64,
}

impl Stats {
    pub(crate) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_verified(&self) {
        self.verified.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_panic(&self) {
        self.panics.fetch_add(1, Ordering::Relaxed);
    }
    /// Zeroes every counter (a reset).
    pub(crate) fn reset(&self) {
        for counter in [
            &self.requests,
            &self.verified,
            &self.rejected,
            &self.faults,
            &self.panics,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            verified: self.verified.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            faults: self.faults.load(Ordering::Relaxed),
            panics: self.panics.load(Ordering::Relaxed),
        }
    }
}

/// The error style of the service a full request path belongs to.
pub(crate) fn error_style_for(path: &str) -> ErrorStyle {
    if path.starts_with(crate::mounts::AGE) {
        ErrorStyle::Age
    } else if path.starts_with(crate::mounts::POA) {
        ErrorStyle::Poa
    } else if path.starts_with(crate::mounts::TOKEN) {
        ErrorStyle::OAuth
    } else {
        ErrorStyle::Idv
    }
}
