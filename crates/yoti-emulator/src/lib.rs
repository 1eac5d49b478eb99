#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
mod age;
mod auth;
mod error;
mod faults;
mod idv;
mod images;
mod journal;
mod limits;
mod poa;
mod server;
mod snapshot;
mod state;
mod web;
mod webhook;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yoti_auth::{PublicKey, Verifier};

pub use error::Error;
pub use faults::FaultConfig;
pub use journal::{DEFAULT_JOURNAL_CAPACITY, JournalEntry, SignatureDiagnosis};
pub use poa::{PoaConfig, PoaStats};
pub use snapshot::{SEED_FORMAT, SEED_VERSION, STATE_FORMAT, STATE_VERSION};
pub use state::StatsSnapshot;
pub use webhook::WebhookPolicy;

use crate::error::ApiError;
use crate::state::{Shared, State};

/// Where each service is mounted, as on `api.yoti.com`.
pub mod mounts {
    /// Identity Verification.
    pub const IDV: &str = "/idverify/v1";
    /// Identity Verification, sandbox (same sessions as [`IDV`]).
    pub const SANDBOX_IDV: &str = "/sandbox/idverify/v1";
    /// Age Estimation.
    pub const AGE: &str = "/ai/v1";
    /// Proof of Age.
    pub const POA: &str = "/poa/v1";
    /// The OAuth token endpoint (`auth.api.yoti.com` in production).
    pub const TOKEN: &str = "/v1/oauth/token";
    /// The emulator's own admin routes.
    pub const ADMIN: &str = "/__emulator";
}

/// Deterministic test images: real JPEG and PNG bytes of noise, as the emulator serves them.
/// Handy for your own tests (the face-capture and age endpoints want real images).
pub mod test_images {
    /// A noisy RGB JPEG of `width` x `height`; the same seed always gives the same bytes.
    pub fn jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
        crate::images::jpeg(width, height, seed)
    }

    /// A noisy RGB PNG of `width` x `height`; the same seed always gives the same bytes.
    pub fn png(width: u32, height: u32, seed: u64) -> Vec<u8> {
        crate::images::png(width, height, seed)
    }

    pub use crate::age::test_images::AgeTestImage;

    /// An age test image: a 640 x 640 JPEG that the Age Estimation endpoints answer with the
    /// outcome it asks for (an age, `fake`, or an error code), by its content: see "Age test
    /// images" in the crate README.
    pub fn age(wanted: &AgeTestImage) -> Vec<u8> {
        crate::images::age_test_jpeg(640, 640, wanted)
    }
}

/// The default request body limit: 16 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Configures and starts an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    apps: Vec<(String, PublicKey)>,
    faults: FaultConfig,
    body_limit: usize,
    timestamp_window: Duration,
    webhooks: WebhookPolicy,
    public_url: Option<String>,
    admin_token: Option<admin::AdminToken>,
    timeouts: server::Timeouts,
    journal_capacity: usize,
    state_file: Option<PathBuf>,
    seed_files: Vec<PathBuf>,
    tls: Option<server::Tls>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            apps: Vec::new(),
            faults: FaultConfig::default(),
            body_limit: DEFAULT_BODY_LIMIT,
            timestamp_window: Verifier::DEFAULT_WINDOW,
            webhooks: WebhookPolicy::default(),
            public_url: None,
            admin_token: None,
            timeouts: server::Timeouts::default(),
            journal_capacity: DEFAULT_JOURNAL_CAPACITY,
            state_file: None,
            seed_files: Vec::new(),
            tls: None,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1:0`: a free loopback port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Registers an application: its SDK id and public key.
    pub fn app(mut self, sdk_id: impl Into<String>, public_key: PublicKey) -> Self {
        self.apps.push((sdk_id.into(), public_key));
        self
    }

    /// Faults to inject from the start.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// The request body limit in bytes (413 beyond it).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// How far a request timestamp may be from the emulator's clock (default 10 minutes).
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.timestamp_window = window;
        self
    }

    /// How webhook deliveries (IDV notifications, PoA results) are retried and timed out.
    pub fn webhook_policy(mut self, policy: WebhookPolicy) -> Self {
        self.webhooks = policy;
        self
    }

    /// How many requests the request journal keeps (`GET /__emulator/requests`; default
    /// [`DEFAULT_JOURNAL_CAPACITY`], 0 turns it off).
    pub fn journal_capacity(mut self, capacity: usize) -> Self {
        self.journal_capacity = capacity;
        self
    }

    /// The URL clients reach the emulator at (default `http://ADDR`, the bound address): the
    /// token endpoint expects client assertions for `<public URL>/v1/oauth/token`. Set it
    /// when the emulator sits behind a proxy or a name; a trailing `/` is ignored.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Requires `Authorization: Bearer <token>` on the admin routes (`/__emulator/*`),
    /// which are otherwise unauthenticated.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(admin::AdminToken::new(token.into()));
        self
    }

    /// A state file (see the README's "State you can keep"): loaded at start
    /// if it exists, saved (atomically) by [`Emulator::shutdown`] and
    /// [`Emulator::run_until`]. Apps and seeds given here are applied after it is loaded.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// A seed file: applications (public keys, inline or in files relative to the seed) and
    /// their IDV sandbox response-configs, registered at start and again on every reset.
    /// Repeatable; read by [`start`](Self::start).
    pub fn seed_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.seed_files.push(path.into());
        self
    }

    /// How long a connection may take to send a request's head, and stay idle between
    /// requests, before it is closed (default 30 s).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.header_read = timeout;
        self
    }

    /// Serves HTTPS with `cert_chain` (DER, the server's certificate first) and its private
    /// `key` (DER: PKCS#8, PKCS#1 or SEC1), offering HTTP/2 and HTTP/1.1 by ALPN: for testing
    /// a client's TLS settings (a private CA) and HTTP/2. [`Emulator::base_url`] is then
    /// `https://ADDR`. Plain HTTP (the default) serves HTTP/1.1 and HTTP/2 with prior
    /// knowledge (h2c) alike.
    pub fn tls(mut self, cert_chain: Vec<Vec<u8>>, key: Vec<u8>) -> Self {
        self.tls = Some(server::Tls { cert_chain, key });
        self
    }

    /// Binds and starts serving in a background task. Warns (through `tracing`) when the
    /// address is not a loopback one: the admin routes are open to whoever reaches it unless
    /// an [admin token](Self::admin_token) is set.
    ///
    /// # Errors
    /// [`Error::Bind`] when the address cannot be bound, [`Error::Config`] for invalid faults;
    /// for a seed or state file that cannot be read [`Error::StateFile`], that is not valid
    /// [`Error::StateInvalid`], of another version [`Error::StateVersion`]; [`Error::Config`]
    /// for a TLS certificate and key that do not go together.
    pub async fn start(self) -> Result<Emulator, Error> {
        self.faults.validate().map_err(Error::Config)?;
        let tls = self
            .tls
            .as_ref()
            .map(server::Tls::acceptor)
            .transpose()
            .map_err(Error::Config)?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let mut start = snapshot::Start {
            apps: self.apps,
            idv_app_configs: Vec::new(),
            faults: self.faults.clone(),
        };
        for seed in &self.seed_files {
            snapshot::read_seed(seed, &mut start)?;
        }
        let verifier = Verifier::new().set_window(self.timestamp_window);
        let shared: Shared = Arc::new(State::new(
            verifier,
            self.faults,
            self.body_limit,
            self.webhooks,
        ));
        if let Some(path) = &self.state_file {
            snapshot::load_file(&shared, path)?;
        }
        start.apply_apps(&shared);
        let _ = shared.start.set(start);
        if let Some(token) = self.admin_token {
            let _ = shared.admin_token.set(token);
        }
        shared.journal.set_capacity(self.journal_capacity);
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| Error::Bind {
                addr: self.bind.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.bind.to_string(),
            source,
        })?;
        let _ = shared.public_url.set(
            self.public_url
                .unwrap_or_else(|| format!("{scheme}://{addr}")),
        );
        if !addr.ip().is_loopback() && shared.admin_token.get().is_none() {
            tracing::warn!(
                %addr,
                "listening on a non-loopback address: the admin routes (/__emulator/*) are \
                 unauthenticated, anyone who can reach this address can change the emulator; \
                 set --admin-token (YOTI_EMULATOR_ADMIN_TOKEN) to protect them"
            );
        }
        let app = router(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, app, self.timeouts, tls, async {
            let _ = rx.await;
        }));
        tracing::info!(%addr, "yoti emulator listening");
        Ok(Emulator {
            addr,
            scheme,
            shared,
            shutdown: Some(tx),
            task: Some(task),
            state_file: self.state_file,
        })
    }
}

/// A running emulator. Dropping it stops the server; [`shutdown`](Self::shutdown) waits for
/// in-flight requests to finish.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    state_file: Option<PathBuf>,
}

impl Emulator {
    /// A builder with the defaults (free loopback port, no apps, no faults).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` (`https://ADDR` with [TLS](EmulatorBuilder::tls)), the origin of every
    /// service.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The IDV base URL (`.../idverify/v1`).
    pub fn idv_url(&self) -> String {
        format!("{}{}", self.base_url(), mounts::IDV)
    }

    /// The IDV sandbox base URL (`.../sandbox/idverify/v1`).
    pub fn sandbox_idv_url(&self) -> String {
        format!("{}{}", self.base_url(), mounts::SANDBOX_IDV)
    }

    /// The Age Estimation base URL (`.../ai/v1`).
    pub fn age_url(&self) -> String {
        format!("{}{}", self.base_url(), mounts::AGE)
    }

    /// The token endpoint URL (`.../v1/oauth/token`).
    pub fn token_url(&self) -> String {
        format!("{}{}", self.base_url(), mounts::TOKEN)
    }

    /// Registers (or replaces) an application.
    pub fn register_app(&self, sdk_id: impl Into<String>, public_key: PublicKey) {
        self.shared.register_app(sdk_id.into(), public_key);
    }

    /// Replaces the injected faults (and restarts their spread).
    ///
    /// # Errors
    /// [`Error::Config`] when a rate is outside 0.0..=1.0.
    pub fn set_faults(&self, faults: FaultConfig) -> Result<(), Error> {
        faults.validate().map_err(Error::Config)?;
        self.shared.set_faults(faults);
        Ok(())
    }

    /// The request counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// The request journal, newest first (as `GET /__emulator/requests`).
    pub fn requests(&self) -> Vec<JournalEntry> {
        self.shared.journal.list()
    }

    /// Puts the emulator back as it started: what was created at run time is gone, the
    /// apps, seeds and faults given at start are applied again (as `POST /__emulator/reset`).
    pub fn reset(&self) {
        snapshot::reset(&self.shared);
    }

    /// The whole state as a versioned JSON document (as `GET /__emulator/state`).
    ///
    /// # Errors
    /// [`Error::Config`] if it cannot be written as JSON (a bug).
    pub fn export_state(&self) -> Result<serde_json::Value, Error> {
        snapshot::export(&self.shared)
    }

    /// Replaces the whole state with a document from [`export_state`](Self::export_state)
    /// (as `PUT /__emulator/state`); nothing changes when it is refused.
    ///
    /// # Errors
    /// [`Error::StateVersion`] for a document of another format or version,
    /// [`Error::StateInvalid`] for one that is not valid.
    pub fn import_state(&self, document: &serde_json::Value) -> Result<(), Error> {
        let bytes = serde_json::to_vec(document)
            .map_err(|e| Error::Config(format!("cannot read the state: {e}")))?;
        snapshot::import(&self.shared, &bytes, "state document")
    }

    /// Writes the state to a file, atomically (a temporary file beside it, flushed, then
    /// renamed over it).
    ///
    /// # Errors
    /// [`Error::StateFile`] when it cannot be written.
    pub fn save_state(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        snapshot::save_file(&self.shared, path.as_ref())
    }

    /// Stops accepting connections and waits for in-flight requests to finish; then, with a
    /// [state file](EmulatorBuilder::state_file), saves the state to it (a failure is
    /// logged: [`save_state`](Self::save_state) reports it).
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Err(e) = self.save_on_exit() {
            tracing::error!(error = %e, "the state was not saved");
        }
    }

    fn save_on_exit(&self) -> Result<(), Error> {
        match &self.state_file {
            Some(path) => snapshot::save_file(&self.shared, path),
            None => Ok(()),
        }
    }

    /// Serves until `signal` completes, then shuts down (for the binary, which stops on a
    /// signal) and, with a [state file](EmulatorBuilder::state_file), saves the state to it.
    ///
    /// # Errors
    /// The server's I/O error, if it failed; the state file's error (as `io::Error::other`).
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        signal.await;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let served = match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        };
        self.save_on_exit().map_err(std::io::Error::other)?;
        served
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The whole application: admin routes, and every other path through the service stack
/// (request counting, then faults, then each service's authentication). Unknown paths under
/// a service's mount still pass its authentication, then get 404 in its error style.
fn router(shared: Shared) -> Router {
    // IDV: signed backend routes and client-token routes share one state on both mounts.
    let idv = idv::routes()
        .fallback(not_found)
        .layer(from_fn_with_state(shared.clone(), auth::idv));
    let idv = idv::client_routes().merge(web::journey_routes()).merge(idv);
    let age = age::routes() // answers unknown endpoints with INVALID_ENDPOINT itself
        .layer(from_fn_with_state(shared.clone(), auth::age));
    let services = Router::new()
        .nest(mounts::IDV, idv.clone())
        .nest(mounts::SANDBOX_IDV, idv)
        .nest(mounts::AGE, age)
        .nest(mounts::POA, poa::routes().fallback(not_found))
        .merge(poa::token_routes())
        .fallback(not_found)
        .layer(from_fn_with_state(shared.clone(), faults::inject))
        .layer(from_fn_with_state(shared.clone(), count))
        .layer(from_fn_with_state(shared.clone(), journal::record))
        .with_state(shared.clone());
    let admin = admin::routes()
        .merge(journal::admin_routes())
        .merge(web::dashboard_routes())
        .merge(idv::admin_routes())
        .nest("/age", age::admin_routes())
        .nest("/poa", poa::admin_routes())
        .layer(from_fn_with_state(shared.clone(), admin::require_token));
    Router::new()
        .nest(mounts::ADMIN, admin)
        .fallback_service(services)
        .layer(from_fn_with_state(shared.clone(), server::guard))
        .with_state(shared)
}

async fn count(AxState(shared): AxState<Shared>, request: Request, next: Next) -> Response {
    shared.stats.count_request();
    next.run(request).await
}

async fn not_found(request: Request) -> Response {
    ApiError::new(
        state::error_style_for(request.uri().path()),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!(
            "No such endpoint: {} {}",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response()
}
