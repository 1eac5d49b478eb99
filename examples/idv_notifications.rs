//! Receiving IDV notifications in an axum handler, checked with
//! `yoti_idv::notification::NotificationVerifier`.
//!
//! `cargo run --example idv_notifications`: no configuration, no network beyond loopback.
//!
//! The handler is the part to copy: it hands the request's headers and raw body to the
//! verifier, which compares the `Authorization` header in constant time with the token given
//! in the session specification and parses the body into a typed `Event` (topics this SDK
//! version does not know arrive as `Event::Other`, whole). It answers 401 to a wrong token,
//! 400 to a body that is not a notification, and 200 once the event is queued: do the slow
//! work (fetching the session) elsewhere, so that Yoti is answered quickly.
//!
//! To show it working, the example starts the emulator in-process, creates a session whose
//! notifications go to this receiver, lets the emulator play the end user, and prints each
//! event as it arrives until the session is complete.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::sync::mpsc;
use yoti_emulator::Emulator;
use yoti_idv::models::SessionSpec;
use yoti_idv::models::spec::{
    LivenessConfig, ManualCheck, NotificationConfig, NotificationTopic, RequestedCheck,
};
use yoti_idv::models::{LivenessType, ResponseConfig};
use yoti_idv::notification::{Event, NotificationVerifier};
use yoti_idv::{IdvClient, PrivateKey};

/// What the handler needs: the verifier, and where to queue events.
#[derive(Clone)]
struct Notifications {
    verifier: NotificationVerifier,
    events: mpsc::UnboundedSender<Event>,
}

/// `POST /yoti/notifications`.
async fn receive(
    State(state): State<Notifications>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    match state.verifier.verify(&headers, &body) {
        Ok(event) => {
            // Answer at once; the work happens off the request.
            let _ = state.events.send(event);
            StatusCode::OK
        }
        Err(yoti_idv::Error::Notification(refused)) => {
            eprintln!("refused a notification: {refused}");
            refused.status()
        }
        Err(other) => {
            eprintln!("cannot handle a notification: {other}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The token Yoti will send back, and the verifier that expects it (Basic, the default).
    let token = format!("notify-{:016x}", fastrand::u64(..));
    let verifier = NotificationVerifier::basic(&token);

    // The receiver: an ordinary axum app.
    let (events, mut received) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/yoti/notifications", post(receive))
        .with_state(Notifications { verifier, events });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}/yoti/notifications", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiving notifications at {endpoint}");

    // The emulator, and a client of it.
    let sdk_id = "idv-notifications-example";
    let key = PrivateKey::generate(2048)?;
    let emulator = Emulator::builder()
        .app(sdk_id, key.public_key())
        .start()
        .await?;
    let client = IdvClient::builder()
        .sdk_id(sdk_id)
        .key(key)
        .base_url(emulator.idv_url())
        .build()?;
    client
        .sandbox()
        .set_app_response_config(&ResponseConfig::approve_all())
        .await?;

    // A session that notifies this receiver. (Yoti requires https://; the emulator also
    // calls http:// endpoints on loopback, and a client of a loopback emulator accepts them.)
    let spec = SessionSpec::builder()
        .notifications(
            NotificationConfig::new(&endpoint)
                .topics([
                    NotificationTopic::ResourceUpdate,
                    NotificationTopic::CheckCompletion,
                    NotificationTopic::ClientSessionTokenDeleted,
                    NotificationTopic::SessionCompletion,
                ])
                .auth_token(token.as_str()),
        )
        .requested_check(RequestedCheck::liveness(LivenessConfig::new(
            LivenessType::Zoom,
        )))
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .build_with(&client.validation_options())?;
    let created = client.create_session(&spec).await?;
    println!("created session {}", created.session_id);

    // The emulator plays the end user (an admin route of the emulator, not of Yoti's API).
    let url = format!(
        "{}/__emulator/sessions/{}/simulate-user",
        emulator.base_url(),
        created.session_id
    );
    let answer = yoti_http::Transport::default()
        .execute(|_| {
            http::Request::post(url.as_str())
                .header("content-type", "application/json")
                .body(bytes::Bytes::from_static(b"{}"))
        })
        .await?;
    if !answer.status().is_success() {
        return Err(format!("simulate-user answered {}", answer.status()).into());
    }

    // Events as they arrive, until the session is complete.
    let wait = async {
        while let Some(event) = received.recv().await {
            match &event {
                Event::ResourceUpdate { resource_id, .. } => {
                    println!("resource updated: {resource_id:?}");
                }
                Event::CheckCompletion { check_id, .. } => {
                    println!("check completed: {check_id:?}");
                }
                Event::ClientSessionTokenDeleted { .. } => {
                    println!("the user is done (client session token deleted)");
                }
                Event::SessionCompletion { session_id } => {
                    println!("session {session_id} completed");
                    return Some(session_id.clone());
                }
                other => println!("{}: {other:?}", other.topic()),
            }
        }
        None
    };
    let completed = tokio::time::timeout(std::time::Duration::from_secs(30), wait)
        .await?
        .ok_or("the receiver stopped")?;

    // Now fetch the result.
    let session = client.get_session(&completed).await?;
    for check in &session.checks {
        println!(
            "  {}: {}",
            check.kind(),
            check.recommendation().map_or("(no report)", |r| r.as_str())
        );
    }
    emulator.shutdown().await;
    Ok(())
}
