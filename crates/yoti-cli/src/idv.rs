//! `yoti idv ...`: Identity Verification from the command line.
//!
//! Credentials and the base URL from the global flags or the environment (`--idv-url`, or
//! `YOTI_IDV_API_URL` or `YOTI_DOC_SCAN_API_URL`). Answers are JSON on stdout; a failure is
//! the CLI's one error JSON on stderr, with its exit code (an API error 1, an invalid input
//! file or request 2).

use std::future::IntoFuture as _;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use yoti::ClientSessionToken;
use yoti::idv::models::session::RequiredResourceType;
use yoti::idv::models::{
    CreateFaceCaptureResourceRequest, ResponseConfig, SessionResult, SessionSpec,
};
use yoti::idv::{Error, IdvClient, Image, MediaContent, SupportedDocumentsRequest, WaitOptions};

use crate::Failure;
use crate::classify::idv as fail;
use crate::config::ConfigArgs;
use crate::failure::{Kind, Service, chain};
use crate::output::print_json;

/// The `yoti idv` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// List the countries and documents Yoti supports.
    SupportedDocuments {
        /// Also list documents in non-latin scripts (sends includeNonLatin=true).
        #[arg(long)]
        include_non_latin: bool,
    },
    /// Create a session from a JSON session specification (checked before it is sent).
    CreateSession {
        /// The session specification (the JSON body of POST /sessions).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
    },
    /// Print a session: state, resources, checks and their reports.
    GetSession {
        /// The session id.
        session_id: String,
    },
    /// Delete a session and everything it holds.
    DeleteSession {
        /// The session id.
        session_id: String,
    },
    /// Download a media item to a file (streamed).
    GetMedia {
        /// The session id.
        session_id: String,
        /// The media id.
        media_id: String,
        /// Where to write the content.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
    /// Delete the content of a media item.
    DeleteMedia {
        /// The session id.
        session_id: String,
        /// The media id.
        media_id: String,
    },
    /// Print what the client of a session must capture.
    SessionConfig {
        /// The session id.
        session_id: String,
    },
    /// Print the events of the devices used in a session.
    TrackedDevices {
        /// The session id.
        session_id: String,
    },
    /// Delete the tracked device events of a session.
    DeleteTrackedDevices {
        /// The session id.
        session_id: String,
    },
    /// Sandbox response configuration (what sandbox checks and tasks answer).
    #[command(subcommand)]
    ResponseConfig(ResponseConfigCommand),
    /// Upload a face capture image as the end user (with the client session token). Creates
    /// the face capture resource for the session's FACE_CAPTURE requirement first, unless
    /// --resource-id is given.
    UploadFaceCapture {
        /// The session id.
        session_id: String,
        /// The session's client_session_token.
        token: String,
        /// The image: JPEG or PNG.
        image: PathBuf,
        /// An existing face capture resource to upload to.
        #[arg(long, value_name = "ID")]
        resource_id: Option<String>,
    },
    /// Trigger the checks of a session, as the end user's client does when it is done.
    Trigger {
        /// The session id.
        session_id: String,
        /// The session's client_session_token.
        token: String,
    },
    /// Wait until a session is COMPLETED or EXPIRED, then print it.
    Wait {
        /// The session id.
        session_id: String,
        /// Give up after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 600)]
        timeout: u64,
        /// The first delay between polls, in milliseconds (it doubles up to 15 s).
        #[arg(long, value_name = "MS", default_value_t = 1000)]
        interval_ms: u64,
    },
    /// Emulator only: play the end user of a session (provide every resource, trigger the
    /// checks), through the emulator's admin route on the origin of the IDV base URL.
    SimulateUser {
        /// The session id.
        session_id: String,
        /// The ID document to provide (default: a passport when the session allows one).
        #[arg(long, value_name = "TYPE")]
        document_type: Option<String>,
        /// The issuing country of that document (ISO 3166-1 alpha-3).
        #[arg(long, value_name = "CODE")]
        issuing_country: Option<String>,
        /// Upload PNG images instead of JPEG.
        #[arg(long)]
        png: bool,
    },
}

/// `yoti idv response-config ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ResponseConfigCommand {
    /// Set the response configuration of one session.
    SetSession {
        /// The session id.
        session_id: String,
        /// The configuration (JSON: task_results, check_reports).
        file: PathBuf,
    },
    /// Set the response configuration of the application (every later session).
    SetApp {
        /// The configuration (JSON: task_results, check_reports).
        file: PathBuf,
    },
    /// Print the response configuration of one session.
    GetSession {
        /// The session id.
        session_id: String,
    },
    /// Print the response configuration of the application.
    GetApp,
}

pub(crate) async fn run(command: Command, config: &ConfigArgs) -> Result<(), Failure> {
    match command {
        Command::ResponseConfig(command) => {
            run_response_config(config.client()?.idv(), command).await
        }
        Command::SimulateUser {
            session_id,
            document_type,
            issuing_country,
            png,
        } => {
            let mut body = serde_json::Map::new();
            if let Some(t) = document_type {
                body.insert("document_type".into(), t.into());
            }
            if let Some(c) = issuing_country {
                body.insert("issuing_country".into(), c.into());
            }
            if png {
                body.insert("image_format".into(), "png".into());
            }
            simulate_user(&config.idv_url(), &session_id, Value::Object(body)).await
        }
        command => run_backend(config.client()?.idv(), command).await,
    }
}

async fn run_backend(client: &IdvClient, command: Command) -> Result<(), Failure> {
    match command {
        Command::SupportedDocuments { include_non_latin } => {
            let mut request = SupportedDocumentsRequest::new();
            if include_non_latin {
                request = request.include_non_latin(true);
            }
            print_json(&client.supported_documents(request).await.map_err(fail)?)
        }
        Command::CreateSession { spec } => {
            let spec: SessionSpec = read_json(&spec, "--spec")?;
            let created = client.create_session(&spec).await.map_err(fail)?;
            let mut json =
                serde_json::to_value(&created).map_err(|e| Failure::other(e.to_string()))?;
            if let (Some(id), Some(token)) = (
                json["session_id"].as_str(),
                json["client_session_token"].as_str(),
            ) {
                let url = journey_url(client.base_url(), id, token);
                json["journey_url"] = url.into();
            }
            print_json(&json)
        }
        Command::GetSession { session_id } => {
            print_json(&client.get_session(&session_id).await.map_err(fail)?)
        }
        Command::DeleteSession { session_id } => {
            client.delete_session(&session_id).await.map_err(fail)?;
            print_json(&json!({ "session_id": session_id, "deleted": true }))
        }
        Command::GetMedia {
            session_id,
            media_id,
            output,
        } => get_media(client, &session_id, &media_id, &output).await,
        Command::DeleteMedia {
            session_id,
            media_id,
        } => {
            client
                .delete_media(&session_id, &media_id)
                .await
                .map_err(fail)?;
            print_json(&json!({ "session_id": session_id, "media_id": media_id, "deleted": true }))
        }
        Command::SessionConfig { session_id } => print_json(
            &client
                .session_configuration(&session_id)
                .await
                .map_err(fail)?,
        ),
        Command::TrackedDevices { session_id } => {
            print_json(&client.tracked_devices(&session_id).await.map_err(fail)?)
        }
        Command::DeleteTrackedDevices { session_id } => {
            client
                .delete_tracked_devices(&session_id)
                .await
                .map_err(fail)?;
            print_json(&json!({ "session_id": session_id, "deleted": true }))
        }
        Command::UploadFaceCapture {
            session_id,
            token,
            image,
            resource_id,
        } => upload_face_capture(client, session_id, token, &image, resource_id).await,
        Command::Trigger { session_id, token } => {
            let session = client_session(client, &session_id, token)?;
            session.trigger_checks().await.map_err(fail)?;
            print_json(&json!({ "session_id": session_id, "triggered": true }))
        }
        Command::Wait {
            session_id,
            timeout,
            interval_ms,
        } => wait(client, &session_id, timeout, interval_ms).await,
        Command::ResponseConfig(_) | Command::SimulateUser { .. } => {
            unreachable!("handled by run")
        }
    }
}

async fn run_response_config(
    client: &IdvClient,
    command: ResponseConfigCommand,
) -> Result<(), Failure> {
    let sandbox = client.sandbox();
    match command {
        ResponseConfigCommand::SetSession { session_id, file } => {
            let config: ResponseConfig = read_json(&file, "FILE")?;
            sandbox
                .set_session_response_config(&session_id, &config)
                .await
                .map_err(fail)?;
            print_json(&json!({ "session_id": session_id, "updated": true }))
        }
        ResponseConfigCommand::SetApp { file } => {
            let config: ResponseConfig = read_json(&file, "FILE")?;
            sandbox
                .set_app_response_config(&config)
                .await
                .map_err(fail)?;
            print_json(&json!({ "updated": true }))
        }
        ResponseConfigCommand::GetSession { session_id } => print_json(
            &sandbox
                .session_response_config(&session_id)
                .await
                .map_err(fail)?,
        ),
        ResponseConfigCommand::GetApp => {
            print_json(&sandbox.app_response_config().await.map_err(fail)?)
        }
    }
}

fn client_session(
    client: &IdvClient,
    session_id: &str,
    token: String,
) -> Result<yoti::idv::ClientSession, Failure> {
    if token.trim().is_empty() {
        return Err(Failure::usage("the client session token is empty"));
    }
    Ok(client.client_session(session_id, ClientSessionToken::new(token)))
}

async fn get_media(
    client: &IdvClient,
    session_id: &str,
    media_id: &str,
    output: &Path,
) -> Result<(), Failure> {
    match client.get_media(session_id, media_id).await.map_err(fail)? {
        MediaContent::Withheld => print_json(&json!({
            "session_id": session_id,
            "media_id": media_id,
            "withheld": true,
        })),
        MediaContent::Content(mut stream) => {
            let content_type = stream.content_type().map(str::to_owned);
            let mut file = std::fs::File::create(output)
                .map_err(|e| Failure::other(format!("cannot create {}: {e}", output.display())))?;
            let mut written = 0_u64;
            let outcome: Result<(), Failure> = async {
                while let Some(chunk) = stream.chunk().await {
                    let chunk = chunk.map_err(fail)?;
                    file.write_all(&chunk).map_err(|e| {
                        Failure::other(format!("cannot write {}: {e}", output.display()))
                    })?;
                    written += chunk.len() as u64;
                }
                file.flush()
                    .map_err(|e| Failure::other(format!("cannot write {}: {e}", output.display())))
            }
            .await;
            if let Err(failure) = outcome {
                drop(file);
                let _ = std::fs::remove_file(output);
                return Err(failure);
            }
            print_json(&json!({
                "session_id": session_id,
                "media_id": media_id,
                "content_type": content_type,
                "bytes": written,
                "file": output.display().to_string(),
            }))
        }
    }
}

async fn upload_face_capture(
    client: &IdvClient,
    session_id: String,
    token: String,
    image: &Path,
    resource_id: Option<String>,
) -> Result<(), Failure> {
    let bytes = std::fs::read(image)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", image.display())))?;
    let mut upload = Image::new(Bytes::from(bytes))
        .map_err(|e| Failure::usage(format!("{}: {}", image.display(), chain(&Error::from(e)))))?;
    if let Some(name) = image.file_name().and_then(|n| n.to_str()) {
        upload = upload.filename(name);
    }
    let session = client_session(client, &session_id, token)?;
    let resource_id = match resource_id {
        Some(id) => id,
        None => {
            let config = client
                .session_configuration(&session_id)
                .await
                .map_err(fail)?;
            let requirement = config
                .capture
                .iter()
                .flat_map(|c| &c.required_resources)
                .filter(|r| r.kind == Some(RequiredResourceType::FaceCapture))
                .find(|r| r.state.as_deref() != Some("COMPLETE"))
                .and_then(|r| r.id.clone())
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "session {session_id} has no face capture requirement left to satisfy"
                    ))
                })?;
            let created = client
                .create_face_capture_resource(
                    &session_id,
                    &CreateFaceCaptureResourceRequest::new(requirement),
                )
                .await
                .map_err(fail)?;
            created.id.to_string()
        }
    };
    session
        .upload_face_capture_image(&resource_id, &upload)
        .await
        .map_err(fail)?;
    print_json(&json!({
        "session_id": session_id,
        "resource_id": resource_id,
        "content_type": upload.format().content_type(),
        "bytes": upload.bytes().len(),
    }))
}

/// One line about a session, for progress.
fn describe(session: &SessionResult) -> String {
    let done = session
        .checks
        .iter()
        .filter(|c| c.state().is_some_and(|s| s.as_str() == "DONE"))
        .count();
    format!(
        "session {}: {}, checks done {}/{}",
        session.session_id.as_ref().map_or("?", |s| s.as_str()),
        session.state.as_ref().map_or("?", |s| s.as_str()),
        done,
        session.checks.len()
    )
}

async fn wait(
    client: &IdvClient,
    session_id: &str,
    timeout: u64,
    interval_ms: u64,
) -> Result<(), Failure> {
    let terminal = std::io::stderr().is_terminal();
    let status = Arc::new(Mutex::new(format!("session {session_id}: waiting")));
    let seen = status.clone();
    let options = WaitOptions::new()
        .max_wait(Duration::from_secs(timeout))
        .initial_interval(Duration::from_millis(interval_ms.max(1)))
        .on_poll(move |session| {
            let line = describe(session);
            if terminal {
                *seen.lock().unwrap_or_else(|p| p.into_inner()) = line;
            } else {
                eprintln!("{line}");
            }
        });
    let wait = client
        .wait_for_completion(session_id, options)
        .into_future();
    let result = if terminal {
        spin(wait, &status).await
    } else {
        wait.await
    };
    print_json(&result.map_err(fail)?)
}

/// Shows a spinner with the latest status on stderr (a terminal) until `work` is done.
async fn spin<T>(work: impl std::future::Future<Output = T>, status: &Mutex<String>) -> T {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut frame = 0;
    loop {
        tokio::select! {
            out = &mut work => {
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
                return out;
            }
            _ = tick.tick() => {
                let line = status.lock().unwrap_or_else(|p| p.into_inner()).clone();
                eprint!("\r\x1b[2K{} {line}", FRAMES[frame % FRAMES.len()]);
                let _ = std::io::stderr().flush();
                frame += 1;
            }
        }
    }
}

/// The hosted user journey of a session, as Yoti serves it (and the emulator):
/// `{IDV base}/web/index.html?sessionID=..&sessionToken=..`.
fn journey_url(base: &str, session_id: &str, token: &str) -> String {
    format!(
        "{}/web/index.html?sessionID={}&sessionToken={}",
        base.trim_end_matches('/'),
        yoti_auth::encode_path_segment(session_id),
        yoti_auth::encode_path_segment(token)
    )
}

/// `POST {origin}/__emulator/sessions/{id}/simulate-user` on the origin of the IDV base URL.
async fn simulate_user(base: &str, session_id: &str, body: Value) -> Result<(), Failure> {
    if session_id.trim().is_empty() {
        return Err(Failure::usage("the session id is empty"));
    }
    let base = yoti_internal::checked_base_url(base)
        .map_err(|e| Failure::config(format!("the IDV base URL {base:?}: {}", chain(&e))))?;
    let uri: http::Uri = base
        .parse()
        .map_err(|e| Failure::config(format!("the IDV base URL {base:?}: {e}")))?;
    let origin = match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
        _ => {
            return Err(Failure::config(format!(
                "the IDV base URL {base:?} has no origin"
            )));
        }
    };
    let url = format!(
        "{origin}/__emulator/sessions/{}/simulate-user",
        yoti_auth::encode_path_segment(session_id)
    );
    let body = Bytes::from(serde_json::to_vec(&body).map_err(|e| Failure::other(e.to_string()))?);
    let transport = crate::net::transport();
    let unreachable = |e: &yoti::HttpError| {
        crate::classify::http(e, Service::Emulator).message_prefix(&format!(
            "cannot reach the emulator at {origin} (simulate-user works only against yoti-emulator)"
        ))
    };
    let response = transport
        .execute(|_| {
            http::Request::post(url.as_str())
                .header(http::header::CONTENT_TYPE, "application/json")
                .header(http::header::ACCEPT, "application/json")
                .body(body.clone())
        })
        .await
        .map_err(|e| unreachable(&e))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect_limited(16 * 1024 * 1024)
        .await
        .map_err(|e| unreachable(&e))?;
    if status.is_success() {
        let json: Value = serde_json::from_slice(&body).map_err(|e| {
            Failure::new(Kind::Decode, format!("the emulator's {status} answer: {e}"))
                .service(Service::Emulator)
                .status(status.as_u16())
        })?;
        print_json(&json)
    } else {
        Err(Failure::answer(status.as_u16(), &body).service(Service::Emulator))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read {what} {}: {e}", path.display())))?;
    yoti_internal::decode(&bytes).map_err(|e| {
        Failure::usage(format!(
            "{what} {}: invalid at `{}`: {}",
            path.display(),
            e.path,
            e.source
        ))
    })
}
