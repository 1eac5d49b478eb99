//! State you can keep: reset, export and import, the `--state` file and the `--seed` file.
//!
//! # The state document
//!
//! `GET /__emulator/state` (or [`Emulator::export_state`](crate::Emulator::export_state))
//! answers, and `PUT /__emulator/state` takes, one JSON document:
//!
//! ```json
//! {
//!   "format": "yoti-emulator-state",
//!   "version": 1,
//!   "apps": [{"sdk_id": "...", "public_key_pem": "-----BEGIN PUBLIC KEY-----..."}],
//!   "faults": {"error_rate": 0.0, "drop_rate": 0.0, "latency_ms": 0},
//!   "idv": {"clock_offset": {"secs": 0, "nanos": 0}, "app_response_configs": {}, "sessions": []},
//!   "age": {"forced_outcomes": {}},
//!   "poa": {"config": {...}, "results": [], "used_qr": []}
//! }
//! ```
//!
//! IDV sessions are kept whole: specification, client session token, state, resources,
//! media (base64), checks and reports, tracked devices, their own response-config. A
//! document of another `format` or `version` is refused with both versions named
//! ([`Error::StateVersion`]); the import replaces everything, or nothing when it is invalid.
//!
//! Never in it: private keys (only public keys are ever known), the admin token, PoA access
//! tokens (they live on one process's monotonic clock: clients fetch new ones), the request
//! journal and the webhook delivery log (history, not state). It does hold client session
//! tokens and whatever the sessions' users uploaded: treat a state file as test data.
//!
//! # Reset
//!
//! `POST /__emulator/reset` (or [`Emulator::reset`](crate::Emulator::reset)) puts the
//! emulator back as it started, like LocalStack's and moto's reset: everything created at
//! run time is gone (sessions, media, response-configs, PoA results and tokens, Age forced
//! outcomes, faults set at run time, the journal, the delivery log, the virtual clock, the
//! counters), and what was given at start (`--app`, `--seed`, the builder's
//! [`app`](crate::EmulatorBuilder::app), [`seed_file`](crate::EmulatorBuilder::seed_file)
//! and [`faults`](crate::EmulatorBuilder::faults)) is applied again. What a `--state` file
//! loaded was run-time state: a reset forgets it.
//!
//! # The seed file
//!
//! `--seed FILE` ([`EmulatorBuilder::seed_file`](crate::EmulatorBuilder::seed_file)): the
//! emulator setup a team commits to its repository.
//!
//! ```json
//! {
//!   "format": "yoti-emulator-seed",
//!   "version": 1,
//!   "apps": [
//!     {
//!       "sdk_id": "my-app",
//!       "public_key_file": "keys/my-app.pub.pem",
//!       "idv_response_config": {"check_reports": {"ID_DOCUMENT_AUTHENTICITY": {"recommendation": {"value": "APPROVE"}}}}
//!     }
//!   ]
//! }
//! ```
//!
//! `description` (top level and per app) is free text for the people who read the file.
//! Each app has `public_key_pem` (the PEM itself) or `public_key_file` (a path, relative to
//! the seed file's folder); `idv_response_config` (the body of `PUT
//! /apps/{sdkId}/response-config`) is optional. At start, seed apps and `--app` apps are
//! applied after a `--state` file is loaded, so the setup in the repository always holds.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use yoti_auth::PublicKey;

use crate::Error;
use crate::age::snapshot::AgeSnapshot;
use crate::faults::FaultConfig;
use crate::idv::snapshot::IdvSnapshot;
use crate::poa::snapshot::PoaSnapshot;
use crate::state::Shared;

/// The `format` of a state document.
pub const STATE_FORMAT: &str = "yoti-emulator-state";
/// The `version` of the state documents this emulator writes and reads.
pub const STATE_VERSION: u64 = 1;
/// The `format` of a seed file.
pub const SEED_FORMAT: &str = "yoti-emulator-seed";
/// The `version` of the seed files this emulator reads.
pub const SEED_VERSION: u64 = 1;

/// What was given at start, applied again by a reset.
#[derive(Debug, Clone, Default)]
pub(crate) struct Start {
    pub(crate) apps: Vec<(String, PublicKey)>,
    /// IDV application response-configs from seed files, by SDK id.
    pub(crate) idv_app_configs: Vec<(String, Value)>,
    pub(crate) faults: FaultConfig,
}

impl Start {
    /// Registers the apps and sets their response-configs.
    pub(crate) fn apply_apps(&self, shared: &Shared) {
        for (sdk_id, key) in &self.apps {
            shared.register_app(sdk_id.clone(), key.clone());
        }
        for (sdk_id, raw) in &self.idv_app_configs {
            // Checked when the seed was read.
            let _ = shared.idv.set_app_config(sdk_id.clone(), raw.clone());
        }
    }
}

/// Puts the emulator back as it started (see the [module docs](self)).
pub(crate) fn reset(shared: &Shared) {
    shared.replace_apps(Vec::new());
    shared.idv.reset();
    shared.age.import(AgeSnapshot::default());
    // The default configuration is valid.
    let _ = shared.poa.import(PoaSnapshot::default());
    shared.journal.clear();
    shared.webhooks.clear_log();
    shared.stats.reset();
    let start = shared.start.get().cloned().unwrap_or_default();
    shared.set_faults(start.faults.clone());
    start.apply_apps(shared);
}

/// The whole state as a document.
pub(crate) fn export(shared: &Shared) -> Result<Value, Error> {
    let mut apps = shared.all_apps();
    apps.sort_by(|a, b| a.0.cmp(&b.0));
    let apps: Vec<Value> = apps
        .into_iter()
        .map(|(sdk_id, app)| json!({ "sdk_id": sdk_id, "public_key_pem": app.public_key.to_pem() }))
        .collect();
    let faults = shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .config
        .clone();
    let encode = |e: serde_json::Error| Error::Config(format!("cannot write the state: {e}"));
    Ok(json!({
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "apps": apps,
        "faults": faults,
        "idv": shared.idv.export().map_err(encode)?,
        "age": shared.age.export(),
        "poa": shared.poa.export(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateDocument {
    #[expect(dead_code, reason = "checked by `Header` first")]
    format: String,
    #[expect(dead_code, reason = "checked by `Header` first")]
    version: u64,
    #[serde(default)]
    apps: Vec<AppEntry>,
    #[serde(default)]
    faults: FaultConfig,
    #[serde(default)]
    idv: Option<IdvSnapshot>,
    #[serde(default)]
    age: AgeSnapshot,
    #[serde(default)]
    poa: PoaSnapshot,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppEntry {
    sdk_id: String,
    public_key_pem: String,
}

/// `format` and `version`, read before anything else.
#[derive(Debug, Deserialize)]
struct Header {
    format: Option<Value>,
    version: Option<Value>,
}

/// Checks a document's `format` and `version`.
fn check_header(
    bytes: &[u8],
    origin: &str,
    format: &'static str,
    version: u64,
) -> Result<(), Error> {
    let header: Header = parse(bytes, origin)?;
    let found_format = header.format.as_ref().and_then(Value::as_str);
    let found_version = header.version.as_ref().and_then(Value::as_u64);
    if found_format == Some(format) && found_version == Some(version) {
        return Ok(());
    }
    let describe = |v: &Option<Value>| {
        v.as_ref()
            .map_or_else(|| "none".to_owned(), Value::to_string)
    };
    Err(Error::StateVersion {
        origin: origin.to_owned(),
        found: format!(
            "format {}, version {}",
            describe(&header.format),
            describe(&header.version)
        ),
        expected: format!("format \"{format}\", version {version}"),
    })
}

/// Parses JSON, naming the field, line and column of what is wrong.
fn parse<T: DeserializeOwned>(bytes: &[u8], origin: &str) -> Result<T, Error> {
    let at = |field: String, e: &serde_json::Error| Error::StateInvalid {
        origin: origin.to_owned(),
        field,
        line: e.line(),
        column: e.column(),
        // serde_json ends its message with the position, which is given apart here.
        message: e
            .to_string()
            .trim_end_matches(&format!(" at line {} column {}", e.line(), e.column()))
            .to_owned(),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| at(e.path().to_string(), e.inner()))?;
    deserializer.end().map_err(|e| at(".".into(), &e))?;
    Ok(value)
}

fn invalid(origin: &str, field: String, message: String) -> Error {
    Error::StateInvalid {
        origin: origin.to_owned(),
        field,
        line: 0,
        column: 0,
        message,
    }
}

/// Replaces the whole state with a document's (see the [module docs](self)); nothing
/// changes when the document is invalid.
pub(crate) fn import(shared: &Shared, bytes: &[u8], origin: &str) -> Result<(), Error> {
    check_header(bytes, origin, STATE_FORMAT, STATE_VERSION)?;
    let document: StateDocument = parse(bytes, origin)?;
    let mut apps = Vec::with_capacity(document.apps.len());
    for (i, app) in document.apps.into_iter().enumerate() {
        let key = PublicKey::from_pem(app.public_key_pem.as_bytes())
            .map_err(|e| invalid(origin, format!("apps[{i}].public_key_pem"), e.to_string()))?;
        apps.push((app.sdk_id, key));
    }
    document
        .faults
        .validate()
        .map_err(|e| invalid(origin, "faults".into(), e))?;
    document
        .poa
        .validate()
        .map_err(|e| invalid(origin, "poa.config".into(), e))?;
    shared.replace_apps(apps);
    shared.set_faults(document.faults);
    match document.idv {
        Some(idv) => crate::idv::IdvState::import(shared, idv),
        None => shared.idv.reset(),
    }
    shared.age.import(document.age);
    // Validated above.
    let _ = shared.poa.import(document.poa);
    Ok(())
}

/// Loads a state file if it exists (`Ok(false)` when it does not).
pub(crate) fn load_file(shared: &Shared, path: &Path) -> Result<bool, Error> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(Error::StateFile {
                path: path.to_owned(),
                action: "read",
                source,
            });
        }
    };
    import(shared, &bytes, &format!("state file {}", path.display()))?;
    Ok(true)
}

/// Writes the state to `path` atomically: to `path.tmp` in the same folder, flushed to disk,
/// then renamed over `path`.
pub(crate) fn save_file(shared: &Shared, path: &Path) -> Result<(), Error> {
    let document = export(shared)?;
    let text = serde_json::to_vec_pretty(&document)
        .map_err(|e| Error::Config(format!("cannot write the state: {e}")))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| Error::StateFile {
            path,
            action,
            source,
        }
    };
    let mut file = fs::File::create(&tmp).map_err(io("create", &tmp))?;
    file.write_all(&text).map_err(io("write", &tmp))?;
    file.write_all(b"\n").map_err(io("write", &tmp))?;
    file.sync_all().map_err(io("flush", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io("replace", path))?;
    // The rename itself reaches the disk with the folder (best effort: not every platform
    // opens folders).
    if let Some(Ok(dir)) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(fs::File::open)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedDocument {
    #[expect(dead_code, reason = "checked by `Header` first")]
    format: String,
    #[expect(dead_code, reason = "checked by `Header` first")]
    version: u64,
    /// Free text for the people who read the file.
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    apps: Vec<SeedApp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedApp {
    sdk_id: String,
    /// Free text (e.g. that the key is a test key).
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    public_key_pem: Option<String>,
    #[serde(default)]
    public_key_file: Option<PathBuf>,
    #[serde(default)]
    idv_response_config: Option<Value>,
}

/// Reads a seed file into `start` (apps and their IDV response-configs).
pub(crate) fn read_seed(path: &Path, start: &mut Start) -> Result<(), Error> {
    let origin = format!("seed file {}", path.display());
    let bytes = fs::read(path).map_err(|source| Error::StateFile {
        path: path.to_owned(),
        action: "read",
        source,
    })?;
    check_header(&bytes, &origin, SEED_FORMAT, SEED_VERSION)?;
    let seed: SeedDocument = parse(&bytes, &origin)?;
    let base = path.parent().unwrap_or(Path::new("."));
    for (i, app) in seed.apps.into_iter().enumerate() {
        let key = match (&app.public_key_pem, &app.public_key_file) {
            (Some(pem), None) => PublicKey::from_pem(pem.as_bytes()).map_err(|e| {
                invalid(&origin, format!("apps[{i}].public_key_pem"), e.to_string())
            })?,
            (None, Some(file)) => PublicKey::from_pem_file(base.join(file)).map_err(|e| {
                invalid(&origin, format!("apps[{i}].public_key_file"), e.to_string())
            })?,
            _ => {
                return Err(invalid(
                    &origin,
                    format!("apps[{i}]"),
                    "give exactly one of `public_key_pem` and `public_key_file`".into(),
                ));
            }
        };
        if let Some(raw) = app.idv_response_config {
            // Parsed now, so that a bad config fails the start, not a reset.
            crate::idv::snapshot::check_config(&raw)
                .map_err(|e| invalid(&origin, format!("apps[{i}].idv_response_config"), e))?;
            start.idv_app_configs.push((app.sdk_id.clone(), raw));
        }
        start.apps.push((app.sdk_id, key));
    }
    Ok(())
}
