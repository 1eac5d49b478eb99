//! `yoti demo`: the three services' main flows through the SDK, against an emulator started
//! in-process on a free loopback port, with a freshly generated key. No configuration, no
//! network beyond loopback.

use std::fmt::Display;
use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::any;
use serde::Serialize;
use yoti::age::{AgeClient, Estimate, Verify, models::Operator};
use yoti::idv::models::session::RequiredResourceType;
use yoti::idv::models::spec::{
    IdDocumentAuthenticityConfig, IdDocumentTextExtractionConfig, LivenessConfig, ManualCheck,
    NotificationAuthType, NotificationConfig, NotificationTopic, RequestedCheck, RequestedTask,
    RequiredDocument,
};
use yoti::idv::models::{
    CaptureMethod, CreateFaceCaptureResourceRequest, LivenessType, ResponseConfig,
    SessionConfiguration, SessionSpec, sandbox,
};
use yoti::idv::notification::NotificationVerifier;
use yoti::idv::{
    CreateIdDocumentRequest, IdvClient, Image, MediaContent, PageUpload, TextExtraction,
    WaitOptions,
};
use yoti::poa::models::{Notification, VerifyQuery};
use yoti::poa::{PoaClient, VerifyOutcome, WebhookEvent, WebhookVerifier, timestamp_now};
use yoti_emulator::{Emulator, test_images};

use crate::Failure;
use crate::failure::{Kind, chain};
use crate::output::{print_json, print_text};

/// Arguments of `yoti demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the report as JSON on stdout (progress goes to stderr).
    #[arg(long)]
    json: bool,
}

/// The token the IDV notifications carry (Bearer), and the header the PoA webhook carries.
const NOTIFICATION_TOKEN: &str = "demo-notification-token";
const POA_WEBHOOK_HEADER: (&str, &str) = ("x-demo-webhook", "demo-webhook-secret");

pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    let mut report = Report::new(args.json);
    let started = Instant::now();

    let sdk_id = format!("demo-{:08x}", fastrand::u32(..));
    let Some(key) = report
        .step("setup", "generate an RSA 2048 application key", async {
            yoti_auth::PrivateKey::generate(2048).map(|k| (k.clone(), format!("{} bits", k.bits())))
        })
        .await
    else {
        return report.finish(started);
    };
    let Some(emulator) = report
        .step(
            "setup",
            "start the emulator on a free loopback port",
            async {
                let emulator = Emulator::builder()
                    .app(&sdk_id, key.public_key())
                    .start()
                    .await?;
                let detail = format!("{} (app {sdk_id})", emulator.base_url());
                Ok::<_, yoti_emulator::Error>((emulator, detail))
            },
        )
        .await
    else {
        return report.finish(started);
    };
    let Some(receiver) = report
        .step("setup", "start a webhook receiver", async {
            let receiver = Receiver::start().await?;
            let detail = receiver.url("");
            Ok::<_, std::io::Error>((receiver, detail))
        })
        .await
    else {
        return report.finish(started);
    };

    let Some(client) = report
        .step("setup", "build one client: one key, one transport", async {
            let client = yoti::Client::builder()
                .sdk_id(&sdk_id)
                .key(key.clone())
                .emulator_url(&emulator.base_url())
                .build()?;
            let detail = format!(
                "{}, {}, {}",
                client.idv().base_url(),
                emulator.age_url(),
                client.poa().base_url()
            );
            Ok::<_, yoti::Error>((client, detail))
        })
        .await
    else {
        return report.finish(started);
    };

    idv(&mut report, client.idv(), &receiver).await;
    age(&mut report, client.age()).await;
    poa(&mut report, client.poa(), &receiver).await;

    emulator.shutdown().await;
    report.finish(started)
}

// ----- Identity Verification ----------------------------------------------------------------

async fn idv(report: &mut Report, client: &IdvClient, receiver: &Receiver) {
    const S: &str = "idv";
    let ok = report
        .step(S, "set the sandbox to approve every check", async {
            client
                .sandbox()
                .set_app_response_config(&ResponseConfig::approve_all())
                .await?;
            Ok::<_, yoti::idv::Error>(((), "app response-config: APPROVE".to_owned()))
        })
        .await;
    if ok.is_none() {
        return;
    }

    let notifications = NotificationConfig::new(receiver.url("/idv"))
        .topics([
            NotificationTopic::ResourceUpdate,
            NotificationTopic::CheckCompletion,
            NotificationTopic::SessionCompletion,
            NotificationTopic::ClientSessionTokenDeleted,
        ])
        .auth_token(NOTIFICATION_TOKEN)
        .auth_type(NotificationAuthType::Bearer);
    let Some((created, config)) = report
        .step(S, "create a session with checks and notifications", async {
            let spec = SessionSpec::builder()
                .client_session_token_ttl(900)
                .user_tracking_id("demo-user")
                .notifications(notifications)
                .requested_check(RequestedCheck::id_document_authenticity(
                    IdDocumentAuthenticityConfig {
                        manual_check: Some(ManualCheck::Never),
                        ..Default::default()
                    },
                ))
                .requested_check(RequestedCheck::liveness(LivenessConfig::new(
                    LivenessType::Zoom,
                )))
                .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
                .requested_task(RequestedTask::id_document_text_data_extraction(
                    IdDocumentTextExtractionConfig::new(ManualCheck::Never),
                ))
                .required_document(RequiredDocument::id_document())
                .build_with(&yoti::idv::models::ValidationOptions::loopback_emulator())
                .map_err(|e| chain(&e))?;
            let created = client.create_session(&spec).await.map_err(|e| chain(&e))?;
            let config = client
                .session_configuration(&created.session_id)
                .await
                .map_err(|e| chain(&e))?;
            let detail = format!("session {}", created.session_id);
            Ok::<_, String>(((created, config), detail))
        })
        .await
    else {
        return;
    };
    let session_id = created.session_id.clone();

    let played = report
        .step(S, "play the user through the client endpoints", async {
            let user = client.client_session_for(&created).map_err(|e| chain(&e))?;
            let passport = user
                .create_id_document(
                    &CreateIdDocumentRequest::new("PASSPORT", "GBR")
                        .requirement_id(requirement(&config, RequiredResourceType::IdDocument)?),
                )
                .await
                .map_err(|e| chain(&e))?;
            let page = Image::new(test_images::jpeg(640, 480, 1)).map_err(|e| chain(&e))?;
            user.upload_id_document_page(
                &passport.id,
                1,
                &PageUpload::new(page.filename("passport.jpg"), CaptureMethod::Camera),
            )
            .await
            .map_err(|e| chain(&e))?;
            user.put_text_extraction(
                &passport.id,
                &TextExtraction::new(sandbox::sample_id_document_fields()),
            )
            .await
            .map_err(|e| chain(&e))?;
            let liveness = user.create_zoom_liveness().await.map_err(|e| chain(&e))?;
            for index in 0..3u8 {
                let frame = Image::new(test_images::jpeg(320, 320, 10 + u64::from(index)))
                    .map_err(|e| chain(&e))?;
                user.upload_zoom_frame(&liveness.id, index.into(), &frame)
                    .await
                    .map_err(|e| chain(&e))?;
            }
            user.upload_zoom_facemap(&liveness.id, bytes::Bytes::from_static(b"demo-face-map"))
                .await
                .map_err(|e| chain(&e))?;
            let face = client
                .create_face_capture_resource(
                    &session_id,
                    &CreateFaceCaptureResourceRequest::new(requirement(
                        &config,
                        RequiredResourceType::FaceCapture,
                    )?),
                )
                .await
                .map_err(|e| chain(&e))?;
            let selfie = Image::new(test_images::jpeg(480, 480, 20)).map_err(|e| chain(&e))?;
            user.upload_face_capture_image(&face.id, &selfie.filename("selfie.jpg"))
                .await
                .map_err(|e| chain(&e))?;
            user.trigger_checks().await.map_err(|e| chain(&e))?;
            Ok::<_, String>((
                (),
                "ID document page + text, zoom liveness (3 frames, face map), face capture; checks triggered"
                    .to_owned(),
            ))
        })
        .await;
    if played.is_none() {
        return;
    }

    let spinner = report.spinner("idv: waiting for the session to complete");
    let waited = report
        .step(S, "wait for completion", async {
            let session = client
                .wait_for_completion(
                    &session_id,
                    WaitOptions::new()
                        .initial_interval(Duration::from_millis(50))
                        .max_wait(Duration::from_secs(60)),
                )
                .await?;
            let state = session
                .state
                .as_ref()
                .map_or("?", |s| s.as_str())
                .to_owned();
            Ok::<_, yoti::idv::Error>((session, format!("state {state}")))
        })
        .await;
    drop(spinner);
    let Some(session) = waited else {
        return;
    };
    let recommendations: Vec<String> = session
        .checks
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c.kind(),
                c.recommendation().map_or("-", |r| r.as_str())
            )
        })
        .collect();
    let all_approved = !session.checks.is_empty()
        && session
            .checks
            .iter()
            .all(|c| c.recommendation().is_some_and(|r| r.as_str() == "APPROVE"));
    report.record(
        S,
        "read the checks' recommendations",
        all_approved,
        recommendations.join(", "),
    );

    let first_page = session
        .resources
        .as_ref()
        .and_then(|r| r.id_documents.first())
        .and_then(|d| d.pages.first())
        .and_then(|p| p.media.clone());
    report
        .step(S, "fetch a media (the document page)", async {
            let media = first_page.ok_or("the session has no document page media")?;
            match client
                .get_media(&session_id, &media.id)
                .await
                .map_err(|e| chain(&e))?
            {
                MediaContent::Withheld => Err("the media is withheld".to_owned()),
                MediaContent::Content(stream) => {
                    let content_type = stream.content_type().unwrap_or("?").to_owned();
                    let bytes = stream.bytes().await.map_err(|e| chain(&e))?;
                    Ok(((), format!("{content_type}, {} bytes", bytes.len())))
                }
            }
        })
        .await;

    report
        .step(S, "receive and verify the notifications", async {
            let verifier = NotificationVerifier::bearer(NOTIFICATION_TOKEN);
            // The last notifications may still be in flight.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let received = receiver.taken("/idv");
                let mut topics = Vec::new();
                for (_, _, headers, body) in &received {
                    let event = verifier.verify(headers, body).map_err(|e| chain(&e))?;
                    topics.push(event.topic().to_string());
                }
                if topics.iter().any(|t| t == "session_completion") || Instant::now() > deadline {
                    topics.sort();
                    topics.dedup();
                    return if topics.iter().any(|t| t == "session_completion") {
                        Ok((
                            (),
                            format!("{} verified: {}", received.len(), topics.join(", ")),
                        ))
                    } else {
                        Err(format!(
                            "no session_completion notification (got {topics:?})"
                        ))
                    };
                }
                receiver.put_back("/idv", received);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
}

fn requirement(
    config: &SessionConfiguration,
    kind: RequiredResourceType,
) -> Result<String, String> {
    config
        .capture
        .iter()
        .flat_map(|c| &c.required_resources)
        .find(|r| r.kind.as_ref() == Some(&kind))
        .and_then(|r| r.id.as_ref())
        .map(|id| id.to_string())
        .ok_or_else(|| format!("the session configuration has no {kind} requirement"))
}

// ----- Age Estimation -----------------------------------------------------------------------

async fn age(report: &mut Report, client: &AgeClient) {
    const S: &str = "age";
    let image = test_images::jpeg(600, 600, 7);
    let Some(estimate) = report
        .step(S, "estimate the age in a generated image", async {
            let estimate = client.age(Estimate::new(image.clone())).await?;
            let detail = format!(
                "{} KB JPEG: age {:.1} (st_dev {:.1})",
                image.len() / 1000,
                estimate.age,
                estimate.st_dev
            );
            Ok::<_, yoti::age::Error>((estimate, detail))
        })
        .await
    else {
        return;
    };
    let below = (estimate.age.floor() as u32).saturating_sub(3).max(1);
    let above = estimate.age.ceil() as u32 + 3;
    for (threshold, expect) in [(below, "pass"), (above, "fail")] {
        let image = image.clone();
        let client = client.clone();
        report
            .step(S, &format!("verify OVER {threshold}"), async move {
                let result = client
                    .age_verify(Verify::new(image, threshold).operator(Operator::Over))
                    .await
                    .map_err(|e| chain(&e))?;
                let got = result.age_check.as_str().to_owned();
                if got == expect {
                    Ok(((), format!("age_check {got}, as expected")))
                } else {
                    Err(format!("age_check {got}, expected {expect}"))
                }
            })
            .await;
    }
    report
        .step(S, "refuse a too-small image locally", async {
            match client
                .age(Estimate::new(test_images::png(120, 120, 3)))
                .await
            {
                Ok(_) => Err("the image was accepted".to_owned()),
                Err(e) if e.is_not_sent() => Ok((
                    (),
                    format!("{} (nothing sent)", e.code().map_or("?", |c| c.as_str())),
                )),
                Err(e) => Err(format!("refused, but by the service: {e}")),
            }
        })
        .await;
}

// ----- Proof of Age -------------------------------------------------------------------------

async fn poa(report: &mut Report, client: &PoaClient, receiver: &Receiver) {
    const S: &str = "poa";
    let token = report
        .step(S, "get a bearer token (PS384 client assertion)", async {
            let token = client.bearer_token().await?;
            let expires = token
                .expires_at()
                .and_then(|t| t.duration_since(std::time::SystemTime::now()).ok())
                .map_or("no expiry given".to_owned(), |d| {
                    format!("expires in {} s", d.as_secs())
                });
            Ok::<_, yoti::poa::Error>((
                (),
                format!("{expires} (the token itself is never printed)"),
            ))
        })
        .await;
    if token.is_none() {
        return;
    }
    report
        .step(S, "verify a QR code (answered at once)", async {
            let query = VerifyQuery::new("age_over:18#demo", timestamp_now(), "demo-terminal");
            match client.verify(&query).await.map_err(|e| chain(&e))? {
                VerifyOutcome::Done(result) => Ok((
                    (),
                    format!(
                        "{} age_over {}",
                        result.status,
                        result.age_over().unwrap_or(0)
                    ),
                )),
                other => Err(format!("expected a result now, got {other:?}")),
            }
        })
        .await;

    let notification = Notification::new(receiver.url("/poa"))
        .set_header(POA_WEBHOOK_HEADER.0, POA_WEBHOOK_HEADER.1);
    let Some(id) = report
        .step(S, "verify a QR code answered later (202)", async {
            let query =
                VerifyQuery::new("async:age_over:21#demo", timestamp_now(), "demo-terminal")
                    .set_notification(notification.clone());
            match client.verify(&query).await.map_err(|e| chain(&e))? {
                VerifyOutcome::Accepted(accepted) => {
                    let detail = format!("accepted, id {}", accepted.id);
                    Ok((accepted.id, detail))
                }
                other => Err(format!("expected 202 Accepted, got {other:?}")),
            }
        })
        .await
    else {
        return;
    };
    let spinner = report.spinner("poa: waiting for the webhook");
    report
        .step(S, "receive the result webhook and read it back", async {
            let webhook = WebhookVerifier::for_notification(&notification);
            let deadline = Instant::now() + Duration::from_secs(15);
            let delivered = loop {
                if let Some(delivery) = receiver.taken("/poa").into_iter().next() {
                    break delivery;
                }
                if Instant::now() > deadline {
                    return Err("no webhook within 15 s".to_owned());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let (method, uri, headers, body) = delivered;
            let event = webhook
                .verify(&method, &uri, &headers, &body)
                .map_err(|e| chain(&e))?;
            let from_webhook = match event {
                WebhookEvent::Result(result) => Some(*result),
                _ => None,
            };
            let read_back = client.get_result(&id).await.map_err(|e| chain(&e))?;
            if from_webhook.as_ref().is_some_and(|r| r != &read_back) {
                return Err("the webhook and get_result disagree".to_owned());
            }
            Ok((
                (),
                format!(
                    "{} age_over {} (webhook header checked; get_result agrees)",
                    read_back.status,
                    read_back.age_over().unwrap_or(0)
                ),
            ))
        })
        .await;
    drop(spinner);
}

// ----- the report ---------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct Step {
    service: &'static str,
    step: String,
    passed: bool,
    detail: String,
    millis: u128,
}

struct Report {
    json: bool,
    steps: Vec<Step>,
}

impl Report {
    fn new(json: bool) -> Self {
        Self {
            json,
            steps: Vec::new(),
        }
    }

    /// Runs one step: `Ok((value, detail))` passes, `Err(e)` fails with `e` as the detail.
    async fn step<T, E: Display>(
        &mut self,
        service: &'static str,
        step: &str,
        work: impl Future<Output = Result<(T, String), E>>,
    ) -> Option<T> {
        let started = Instant::now();
        let outcome = work.await;
        let millis = started.elapsed().as_millis();
        match outcome {
            Ok((value, detail)) => {
                self.push(Step {
                    service,
                    step: step.to_owned(),
                    passed: true,
                    detail,
                    millis,
                });
                Some(value)
            }
            Err(e) => {
                self.push(Step {
                    service,
                    step: step.to_owned(),
                    passed: false,
                    detail: e.to_string(),
                    millis,
                });
                None
            }
        }
    }

    fn record(&mut self, service: &'static str, step: &str, passed: bool, detail: String) {
        self.push(Step {
            service,
            step: step.to_owned(),
            passed,
            detail,
            millis: 0,
        });
    }

    fn push(&mut self, step: Step) {
        let line = format!(
            "{} {:<5} {:<48} {}{}",
            if step.passed { "PASS" } else { "FAIL" },
            step.service,
            step.step,
            step.detail,
            if step.millis > 0 {
                format!(" ({} ms)", step.millis)
            } else {
                String::new()
            }
        );
        if self.json {
            eprintln!("{line}");
        } else {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
        self.steps.push(step);
    }

    /// A spinner on stderr while something is awaited, when stderr is a terminal.
    fn spinner(&self, label: &str) -> Option<Spinner> {
        std::io::stderr()
            .is_terminal()
            .then(|| Spinner::start(label.to_owned()))
    }

    fn finish(self, started: Instant) -> Result<(), Failure> {
        let failed = self.steps.iter().filter(|s| !s.passed).count();
        let seconds = started.elapsed().as_secs_f64();
        if self.json {
            print_json(&serde_json::json!({
                "passed": failed == 0,
                "steps": self.steps,
                "failed": failed,
                "seconds": seconds,
            }))?;
        } else {
            print_text(&format!(
                "\n{} of {} steps passed in {seconds:.1} s{}\n",
                self.steps.len() - failed,
                self.steps.len(),
                if failed == 0 { ": all passed" } else { "" }
            ))?;
        }
        if failed == 0 {
            Ok(())
        } else {
            Err(Failure::new(
                Kind::Incomplete,
                format!("{failed} demo step(s) failed"),
            ))
        }
    }
}

/// A `\r` spinner on stderr, stopped (and its line cleared) when dropped.
struct Spinner {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Spinner {
    fn start(label: String) -> Self {
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let frames = ['|', '/', '-', '\\'];
            let mut i = 0;
            loop {
                eprint!("\r{} {label}", frames[i % frames.len()]);
                let _ = std::io::stderr().flush();
                i += 1;
                tokio::select! {
                    _ = &mut rx => break,
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
            eprint!("\r{}\r", " ".repeat(label.len() + 2));
            let _ = std::io::stderr().flush();
        });
        Self { stop: Some(tx) }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

// ----- the webhook receiver -----------------------------------------------------------------

type Delivery = (Method, Uri, HeaderMap, Bytes);

/// Every delivery received so far, with the path it came to.
type Log = Arc<Mutex<Vec<(String, Delivery)>>>;

/// A loopback HTTP server that records what it receives, per path.
struct Receiver {
    addr: std::net::SocketAddr,
    received: Log,
}

impl Receiver {
    async fn start() -> Result<Self, std::io::Error> {
        let received: Log = Arc::default();
        let app = Router::new()
            .fallback(any(record))
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, received })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Takes everything received on `path` so far.
    fn taken(&self, path: &str) -> Vec<Delivery> {
        let mut all = self.received.lock().unwrap_or_else(|p| p.into_inner());
        let (mine, rest): (Vec<_>, Vec<_>) = all.drain(..).partition(|(p, _)| p == path);
        *all = rest;
        mine.into_iter().map(|(_, d)| d).collect()
    }

    fn put_back(&self, path: &str, deliveries: Vec<Delivery>) {
        let mut all = self.received.lock().unwrap_or_else(|p| p.into_inner());
        all.extend(deliveries.into_iter().map(|d| (path.to_owned(), d)));
    }
}

async fn record(
    State(received): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let path = uri.path().to_owned();
    received
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((path, (method, uri, headers, body)));
    StatusCode::OK
}
