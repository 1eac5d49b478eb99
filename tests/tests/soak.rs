//! A bounded soak (seconds, not minutes): concurrent signed creates, gets, deletes and client
//! uploads through the SDK (`yoti-idv`) against the in-process emulator with faults on
//! (503s and dropped connections). Afterwards every session is accounted for, none is
//! duplicated, the only 5xx are the injected ones, and no handler panicked.
//!
//! Injected faults answer before any handler runs, so a request that met one changed
//! nothing: the bookkeeping below is exact.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use yoti_emulator::{Emulator, FaultConfig};
use yoti_idv::models::{CaptureMethod, SessionSpec};
use yoti_idv::{CreateIdDocumentRequest, Error, IdvClient, Image, PageUpload};
use yoti_tests::{SDK_ID, idv_client, test_key};

const TASKS: usize = 12;
const ROUNDS: usize = 12;

/// What the clients saw.
#[derive(Debug, Default)]
struct Ledger {
    /// Session id -> deleted?
    sessions: HashMap<String, bool>,
    duplicates: Vec<String>,
    /// Answers 5xx other than an injected 503.
    bad_5xx: Vec<String>,
    injected_503: u64,
    other_errors: u64,
}

impl Ledger {
    /// Records a failed call: an injected fault (503, dropped connection) or something else.
    fn failed(&mut self, what: &str, error: &Error) {
        match error.status().map(|s| s.as_u16()) {
            Some(503) if error.code().map(|c| c.as_str()) == Some("SERVICE_UNAVAILABLE") => {
                self.injected_503 += 1
            }
            Some(status) if status >= 500 => self.bad_5xx.push(format!("{what}: {error:?}")),
            _ => self.other_errors += 1,
        }
    }
}

fn spec() -> SessionSpec {
    serde_json::from_value(json!({
        "required_documents": [{"type": "ID_DOCUMENT"}],
        "requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}]
    }))
    .unwrap()
}

async fn round(idv: &IdvClient, ledger: &Mutex<Ledger>, image: &Image, n: usize) {
    let lock = || ledger.lock().unwrap();
    let created = match idv.create_session(&spec()).send().await {
        Ok(created) => created,
        Err(e) => return lock().failed("create", &e),
    };
    let id = created.session_id.as_str().to_owned();
    {
        let mut ledger = lock();
        if ledger.sessions.insert(id.clone(), false).is_some() {
            ledger.duplicates.push(id.clone());
        }
    }
    if let Err(e) = idv.get_session(&id).send().await {
        lock().failed("get", &e);
    }
    let client = idv.client_session_for(&created).unwrap();
    let request = CreateIdDocumentRequest::new("PASSPORT", "GBR");
    match client.create_id_document(&request).send().await {
        Ok(document) => {
            let page = PageUpload::new(image.clone(), CaptureMethod::Camera);
            if let Err(e) = client
                .upload_id_document_page(&document.id, 1, &page)
                .send()
                .await
            {
                lock().failed("upload", &e);
            }
        }
        Err(e) => lock().failed("create document", &e),
    }
    // Every other session is deleted.
    if n.is_multiple_of(2) {
        match idv.delete_session(&id).send().await {
            Ok(()) => {
                lock().sessions.insert(id, true);
            }
            Err(e) => lock().failed("delete", &e),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sessions_with_faults_stay_consistent_and_never_panic() {
    let emu = Emulator::builder()
        .app(SDK_ID, test_key().public_key())
        .faults(FaultConfig {
            error_rate: 0.05,
            drop_rate: 0.03,
            latency_ms: 0,
            ..FaultConfig::default()
        })
        .start()
        .await
        .unwrap();
    let idv = idv_client(&emu);
    let image = Image::new(yoti_emulator::test_images::jpeg(320, 200, 3)).unwrap();
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (idv, ledger, image) = (idv.clone(), ledger.clone(), image.clone());
            tokio::spawn(async move {
                for r in 0..ROUNDS {
                    round(&idv, &ledger, &image, t + r).await;
                }
            })
        })
        .collect();
    let soak = async {
        for task in tasks {
            task.await.expect("no client task panicked");
        }
    };
    tokio::time::timeout(Duration::from_secs(120), soak)
        .await
        .expect("the soak ends within 2 minutes");
    let took = started.elapsed();

    // Faults off: check every session the clients know of.
    emu.set_faults(FaultConfig::default()).unwrap();
    let ledger = Arc::try_unwrap(ledger).unwrap().into_inner().unwrap();
    assert!(ledger.duplicates.is_empty(), "{:?}", ledger.duplicates);
    assert!(ledger.bad_5xx.is_empty(), "{:?}", ledger.bad_5xx);
    let stats = emu.stats();
    assert_eq!(stats.panics, 0, "{stats:?}");
    assert!(stats.faults > 0, "faults were injected: {stats:?}");
    assert!(ledger.injected_503 <= stats.faults, "{ledger:?} {stats:?}");
    let live: HashSet<&String> = ledger
        .sessions
        .iter()
        .filter(|(_, deleted)| !**deleted)
        .map(|(id, _)| id)
        .collect();
    assert!(
        ledger.sessions.len() > TASKS * ROUNDS / 2,
        "most creates went through: {ledger:?}"
    );
    for (id, deleted) in &ledger.sessions {
        match idv.get_session(id).send().await {
            Ok(result) => {
                assert!(!deleted, "{id} was deleted yet answers");
                assert_eq!(
                    result.session_id.as_ref().map(|s| s.as_str()),
                    Some(id.as_str())
                );
            }
            Err(e) => {
                assert!(*deleted, "{id} is lost: {e:?}");
                assert_eq!(e.code().map(|c| c.as_str()), Some("SESSION_NOT_FOUND"));
            }
        }
    }
    assert_eq!(
        emu.idv_session_count(),
        live.len(),
        "no session unaccounted for"
    );
    eprintln!(
        "soak: {} sessions ({} live) in {took:?}; {} injected 503s seen, {} other errors \
         (dropped connections), emulator {stats:?}",
        ledger.sessions.len(),
        live.len(),
        ledger.injected_503,
        ledger.other_errors
    );
}
