//! yoti-idv end to end: the SDK (backend, client side, sandbox, waiting, notifications)
//! against the in-process emulator over real HTTP on loopback, with real keys, signatures,
//! client session tokens and images.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Value, json};
use yoti_emulator::Emulator;
use yoti_idv::models::result::SourceType;
use yoti_idv::models::sandbox::SandboxCheck;
use yoti_idv::models::session::RequiredResourceType;
use yoti_idv::models::spec::{
    IdDocumentAuthenticityConfig, IdDocumentTextExtractionConfig, LivenessConfig, ManualCheck,
    NotificationAuthType, NotificationConfig, NotificationTopic, RequestedCheck, RequestedTask,
    RequiredDocument, SdkConfig,
};
use yoti_idv::models::{
    CaptureMethod, CheckType, CreateFaceCaptureResourceRequest, LivenessType, Media,
    RecommendationValue, ResponseConfig, SessionConfiguration, SessionResult, SessionSpec,
    SessionState, WebhookTopic,
};
use yoti_idv::notification::NotificationError;
use yoti_idv::{
    ClientSession, ClientSessionToken, CreateIdDocumentRequest, Error, Event, IdvClient, Image,
    MediaContent, NotificationVerifier, PageUpload, SupportedDocumentsRequest, TextExtraction,
    WaitOptions,
};
use yoti_tests::{emulator, idv_client, transport};

// ----- helpers --------------------------------------------------------------------------

fn authenticity(manual_check: ManualCheck) -> IdDocumentAuthenticityConfig {
    IdDocumentAuthenticityConfig {
        manual_check: Some(manual_check),
        ..Default::default()
    }
}

async fn setup() -> (Emulator, IdvClient) {
    let (emu, _) = emulator().await;
    let client = idv_client(&emu);
    (emu, client)
}

/// A real JPEG (the emulator decodes every upload).
fn jpeg(seed: u8) -> Vec<u8> {
    let (w, h) = (48_u16, 40_u16);
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|i| [(i % 251) as u8, seed, (i / 7 % 256) as u8])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

/// A real PNG.
fn png(seed: u8) -> Vec<u8> {
    let (w, h) = (32_u32, 24_u32);
    let pixels: Vec<u8> = (0..w * h)
        .flat_map(|i| [seed, (i % 256) as u8, 200])
        .collect();
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&pixels).expect("encodes");
    }
    out
}

fn image(bytes: Vec<u8>) -> Image {
    Image::new(bytes).expect("a JPEG or PNG")
}

/// Fast polling, so that tests stay short.
fn fast() -> WaitOptions {
    WaitOptions::new()
        .initial_interval(Duration::from_millis(10))
        .max_interval(Duration::from_millis(100))
        .max_wait(Duration::from_secs(30))
}

/// POSTs JSON to an emulator admin route (not part of Yoti's API: no signature).
async fn admin(emu: &Emulator, path: &str, body: Value) -> (StatusCode, Value) {
    let url = format!("{}/__emulator{path}", emu.base_url());
    let body = Bytes::from(serde_json::to_vec(&body).unwrap());
    let response = transport()
        .execute(|_| {
            http::Request::post(url.as_str())
                .header("content-type", "application/json")
                .body(body.clone())
        })
        .await
        .expect("the admin route answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn simulate_user(emu: &Emulator, session_id: &str) -> Value {
    let (status, body) = admin(
        emu,
        &format!("/sessions/{session_id}/simulate-user"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn advance_clock(emu: &Emulator, seconds: u64) {
    let (status, body) = admin(emu, "/clock/advance", json!({ "seconds": seconds })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn requirement(config: &SessionConfiguration, kind: RequiredResourceType) -> String {
    config
        .capture
        .as_ref()
        .expect("capture")
        .required_resources
        .iter()
        .find(|r| r.kind.as_ref() == Some(&kind))
        .and_then(|r| r.id.clone())
        .unwrap_or_else(|| panic!("a {kind} requirement"))
        .to_string()
}

/// Every media id a session result links to.
fn media_of(session: &SessionResult) -> Vec<Media> {
    fn walk(value: &Value, out: &mut Vec<Media>) {
        match value {
            Value::Object(map) => {
                if let Some(media) = map.get("media").filter(|m| m.is_object())
                    && let Ok(media) = serde_json::from_value::<Media>(media.clone())
                {
                    out.push(media);
                }
                if let Some(Value::Array(list)) = map.get("generated_media") {
                    for media in list {
                        if let Ok(media) = serde_json::from_value::<Media>(media.clone()) {
                            out.push(media);
                        }
                    }
                }
                for v in map.values() {
                    walk(v, out);
                }
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(session).unwrap(), &mut out);
    let mut seen = HashSet::new();
    out.retain(|m| seen.insert(m.id.clone()));
    out
}

async fn download(client: &IdvClient, session_id: &str, media_id: &str) -> (Option<String>, Bytes) {
    match client.get_media(session_id, media_id).await.expect("media") {
        MediaContent::Content(stream) => {
            let content_type = stream.content_type().map(str::to_owned);
            (content_type, stream.bytes().await.expect("the content"))
        }
        MediaContent::Withheld => panic!("media {media_id} withheld"),
    }
}

/// A request the receiver got: headers, body, and the verifier's verdict.
type Received = (HeaderMap, Bytes, Result<Event, String>);

/// A notification receiver: records every request and answers as the SDK's verifier says.
#[derive(Clone)]
struct Receiver {
    verifier: NotificationVerifier,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let verdict = receiver.verifier.verify(&headers, &body);
    let status = match &verdict {
        Ok(_) => StatusCode::OK,
        Err(Error::Notification(e)) => e.status(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    receiver
        .received
        .lock()
        .unwrap()
        .push((headers, body, verdict.map_err(|e| e.to_string())));
    status
}

async fn start_receiver(verifier: NotificationVerifier) -> (String, Receiver) {
    let receiver = Receiver {
        verifier,
        received: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/yoti/notifications", post(hook))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/yoti/notifications"), receiver)
}

// ----- tests ----------------------------------------------------------------------------

#[tokio::test]
async fn supported_documents_with_and_without_non_latin_scripts() {
    let (_emu, client) = setup().await;
    let latin = client
        .supported_documents(SupportedDocumentsRequest::new())
        .await
        .unwrap();
    let all = client
        .supported_documents(SupportedDocumentsRequest::new().include_non_latin(true))
        .await
        .unwrap();
    let count = |r: &yoti_idv::models::SupportedDocumentsResponse| {
        r.supported_countries
            .iter()
            .map(|c| c.supported_documents.len())
            .sum::<usize>()
    };
    assert!(latin.supported_countries.iter().any(|c| c.code == "GBR"));
    assert!(count(&all) > count(&latin));
    assert!(
        latin
            .supported_countries
            .iter()
            .flat_map(|c| &c.supported_documents)
            .all(|d| d.is_strictly_latin != Some(false))
    );
}

/// The whole journey a relying business tests: a session with notifications to a local
/// receiver, every client endpoint played with the client session token, checks triggered,
/// the wait, every check report and media read back, and each notification checked.
#[tokio::test]
async fn a_session_driven_through_every_client_endpoint_notifies_once_per_event() {
    let (_emu, client) = setup().await;
    const TOKEN: &str = "n0tify-s3cret";
    let (endpoint, receiver) = start_receiver(NotificationVerifier::basic(TOKEN)).await;

    client
        .sandbox()
        .set_app_response_config(&ResponseConfig::approve_all())
        .await
        .unwrap();

    let topics = [
        NotificationTopic::ResourceUpdate,
        NotificationTopic::TaskCompletion,
        NotificationTopic::CheckCompletion,
        NotificationTopic::SessionCompletion,
        NotificationTopic::ClientSessionTokenDeleted,
    ];
    let spec = SessionSpec::builder()
        .client_session_token_ttl(900)
        .user_tracking_id("e2e-user-1")
        .notifications(
            NotificationConfig::new(&endpoint)
                .topics(topics.clone())
                .auth_token(TOKEN)
                .auth_type(NotificationAuthType::Basic),
        )
        .requested_check(RequestedCheck::id_document_authenticity(authenticity(
            ManualCheck::Never,
        )))
        .requested_check(RequestedCheck::id_document_face_match(ManualCheck::Never))
        .requested_check(RequestedCheck::liveness(LivenessConfig::new(
            LivenessType::Zoom,
        )))
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .requested_task(RequestedTask::id_document_text_data_extraction(
            IdDocumentTextExtractionConfig::new(ManualCheck::Never),
        ))
        .required_document(RequiredDocument::id_document())
        .sdk_config(SdkConfig::new().primary_colour("#2d9fff").locale("en-GB"))
        // http:// to a loopback receiver: accepted because the client talks to a loopback
        // emulator (ValidationOptions::loopback_emulator, chosen by the client itself).
        .build_with(&client.validation_options())
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.to_string();
    assert_eq!(created.client_session_token_ttl, Some(900));
    let user = client.client_session_for(&created).unwrap();

    let session = client.get_session(&sid).await.unwrap();
    assert_eq!(session.state, Some(SessionState::Ongoing));
    assert_eq!(session.user_tracking_id.as_deref(), Some("e2e-user-1"));

    // What the client must capture.
    let config = client.session_configuration(&sid).await.unwrap();
    let face_requirement = requirement(&config, RequiredResourceType::FaceCapture);
    let document_requirement = requirement(&config, RequiredResourceType::IdDocument);
    requirement(&config, RequiredResourceType::Liveness);

    // Face capture: the backend creates the resource, the user uploads the image.
    let face = client
        .create_face_capture_resource(
            &sid,
            &CreateFaceCaptureResourceRequest::new(face_requirement),
        )
        .await
        .unwrap();
    let face_png = png(7);
    user.upload_face_capture_image(&face.id, &image(face_png.clone()).filename("selfie.png"))
        .await
        .unwrap();
    // A slot is written once.
    let again = user
        .upload_face_capture_image(&face.id, &image(png(8)))
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(StatusCode::CONFLICT), "{again}");
    assert_eq!(again.code().map(|c| c.as_str()), Some("RESOURCE_LOCKED"));

    // ID document: a passport (one page) with its text.
    let document = user
        .create_id_document(
            &CreateIdDocumentRequest::new("PASSPORT", "GBR").requirement_id(document_requirement),
        )
        .await
        .unwrap();
    let page_jpeg = jpeg(1);
    user.upload_id_document_page(
        &document.id,
        1,
        &PageUpload::new(image(page_jpeg.clone()), CaptureMethod::Camera),
    )
    .await
    .unwrap();
    let fields = yoti_idv::models::sandbox::sample_id_document_fields();
    user.put_text_extraction(&document.id, &TextExtraction::new(fields.clone()))
        .await
        .unwrap();

    // Zoom liveness: three frames and a face map.
    let liveness = user.create_zoom_liveness().await.unwrap();
    for index in 0..3 {
        user.upload_zoom_frame(&liveness.id, index, &image(jpeg(10 + index as u8)))
            .await
            .unwrap();
    }
    user.upload_zoom_facemap(&liveness.id, Bytes::from_static(b"\x01\x02facemap-bytes"))
        .await
        .unwrap();

    // The resources the user's device created are tracked (the face capture resource was
    // created by the backend).
    let devices = client.tracked_devices(&sid).await.unwrap();
    let created_by_device: HashSet<String> = devices
        .iter()
        .filter(|e| e.event.as_ref().map(|e| e.as_str()) == Some("RESOURCE_CREATED"))
        .filter_map(|e| e.resource_id.as_ref().map(|r| r.to_string()))
        .collect();
    assert_eq!(
        created_by_device,
        HashSet::from([document.id.to_string(), liveness.id.to_string()]),
        "{devices:?}"
    );

    // Done: trigger the checks. The token is deleted with it.
    user.trigger_checks().await.unwrap();
    let after = user.trigger_checks().await.unwrap_err();
    assert_eq!(after.status(), Some(StatusCode::UNAUTHORIZED), "{after}");

    let done = client.wait_for_completion(&sid, fast()).await.unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));

    // Every check is done with its report.
    let kinds: HashSet<CheckType> = done.checks.iter().map(|c| c.kind()).collect();
    for kind in [
        CheckType::IdDocumentAuthenticity,
        CheckType::IdDocumentFaceMatch,
        CheckType::Liveness,
        CheckType::FaceComparison,
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    for check in &done.checks {
        assert_eq!(
            check.state().map(|s| s.as_str().to_owned()).as_deref(),
            Some("DONE")
        );
        assert_eq!(check.recommendation(), Some(&RecommendationValue::Approve));
        assert!(
            !check.result().unwrap().resources_used.is_empty(),
            "{check:?}"
        );
    }
    let resources = done.resources.as_ref().unwrap();
    assert_eq!(resources.id_documents.len(), 1);
    let task = &resources.id_documents[0].tasks[0];
    assert_eq!(task.state.as_ref().map(|s| s.as_str()), Some("DONE"));

    // Every media item reads back; the uploads byte for byte.
    let media = media_of(&done);
    assert!(media.len() >= 7, "{media:?}");
    let mut downloaded = BTreeMap::new();
    for m in &media {
        let (content_type, bytes) = download(&client, &sid, m.id.as_str()).await;
        assert!(!bytes.is_empty(), "{m:?}");
        downloaded.insert(bytes, content_type);
    }
    assert_eq!(
        downloaded.get(&Bytes::from(face_png)),
        Some(&Some("image/png".to_owned()))
    );
    assert_eq!(
        downloaded.get(&Bytes::from(page_jpeg)),
        Some(&Some("image/jpeg".to_owned()))
    );
    assert!(downloaded.contains_key(&Bytes::from_static(b"\x01\x02facemap-bytes")));
    assert!(
        downloaded
            .keys()
            .filter_map(|b| serde_json::from_slice::<Value>(b).ok())
            .any(|v| v["full_name"] == fields["full_name"]),
        "the document fields read back"
    );

    // The notifications: each event once, with the right Authorization, all accepted.
    let received = wait_for(&receiver, |events| {
        events
            .iter()
            .any(|e| matches!(e, Ok(Event::SessionCompletion { .. })))
    })
    .await;
    let mut seen = HashSet::new();
    for (headers, body, verdict) in &received {
        let event = verdict.as_ref().expect("every notification verifies");
        assert_eq!(event.session_id().as_str(), sid);
        assert_eq!(
            headers["authorization"],
            NotificationVerifier::basic(TOKEN).expected_authorization()
        );
        // The same event twice would be the same body twice.
        assert!(
            seen.insert(body.clone()),
            "a notification came twice: {body:?}"
        );
        // A receiver configured with another token refuses it; a bearer one too.
        for wrong in [
            NotificationVerifier::basic("another-token"),
            NotificationVerifier::bearer(TOKEN),
        ] {
            let Err(Error::Notification(e)) = wrong.verify(headers, body) else {
                panic!("a wrong token is refused")
            };
            assert!(matches!(e, NotificationError::WrongAuthorization));
        }
    }
    let count = |topic: WebhookTopic| {
        received
            .iter()
            .filter(|(_, _, v)| v.as_ref().unwrap().topic() == topic)
            .count()
    };
    assert_eq!(count(WebhookTopic::SessionCompletion), 1);
    assert_eq!(count(WebhookTopic::ClientSessionTokenDeleted), 1);
    assert_eq!(count(WebhookTopic::CheckCompletion), done.checks.len());
    assert_eq!(
        count(WebhookTopic::ResourceUpdate),
        3,
        "one per completed resource"
    );
    assert_eq!(count(WebhookTopic::TaskCompletion), 1);
    for topic in &topics {
        assert!(
            count(WebhookTopic::from(topic)) >= 1,
            "{topic} was delivered"
        );
    }
    let check_ids: HashSet<_> = received
        .iter()
        .filter_map(|(_, _, v)| match v {
            Ok(Event::CheckCompletion { check_id, .. }) => check_id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(check_ids.len(), done.checks.len());
    for id in &check_ids {
        assert!(done.check(id.as_str()).is_some());
    }
}

/// Waits (up to 10 s) until the receiver's verdicts satisfy `done`.
async fn wait_for(
    receiver: &Receiver,
    done: impl Fn(&[Result<Event, String>]) -> bool,
) -> Vec<Received> {
    for _ in 0..1000 {
        let verdicts: Vec<_> = {
            let received = receiver.received.lock().unwrap();
            received.iter().map(|(_, _, v)| v.clone()).collect()
        };
        if done(&verdicts) {
            // Give late duplicates, if any, the chance to show up.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return receiver.received.lock().unwrap().clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the notifications did not arrive: {:?}",
        receiver.received.lock().unwrap()
    );
}

#[tokio::test]
async fn simulate_user_completes_a_session_whose_checks_and_media_read_back() {
    let (emu, client) = setup().await;
    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::id_document_authenticity(authenticity(
            ManualCheck::Fallback,
        )))
        .requested_check(RequestedCheck::liveness(LivenessConfig::new(
            LivenessType::Zoom,
        )))
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .requested_task(RequestedTask::id_document_text_data_extraction(
            IdDocumentTextExtractionConfig::new(ManualCheck::Fallback),
        ))
        .build()
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.as_str();
    simulate_user(&emu, sid).await;

    let done = client.wait_for_completion(sid, fast()).await.unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));
    assert_eq!(done.checks.len(), 3);
    for check in &done.checks {
        assert!(
            check.result().and_then(|r| r.report.as_ref()).is_some(),
            "{check:?}"
        );
    }
    let resources = done.resources.as_ref().unwrap();
    assert_eq!(resources.id_documents.len(), 1);
    assert_eq!(resources.liveness_capture.len(), 1);
    assert_eq!(resources.face_capture.len(), 1);
    assert!(matches!(
        resources.face_capture[0]
            .source
            .as_ref()
            .and_then(|s| s.kind.clone()),
        Some(SourceType::EndUser) | None
    ));

    // Every media item streams, and streams to a writer chunk by chunk.
    let media = media_of(&done);
    assert!(media.len() >= 6, "{media:?}");
    for m in &media {
        let MediaContent::Content(stream) = client.get_media(sid, &m.id).await.unwrap() else {
            panic!("withheld")
        };
        let expected = stream.content_length();
        let mut out = Vec::new();
        let written = stream.copy_to(&mut out).await.unwrap();
        assert_eq!(written, out.len() as u64);
        if let Some(expected) = expected {
            assert_eq!(written, expected);
        }
    }

    // Withheld by regulation: 204 is an outcome, not an error.
    let image_media = media
        .iter()
        .find(|m| m.media_type.as_ref().map(|t| t.as_str()) == Some("IMAGE"))
        .unwrap();
    let (status, body) = admin(
        &emu,
        &format!("/sessions/{sid}/media/{}/withhold", image_media.id),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(
        client
            .get_media(sid, &image_media.id)
            .await
            .unwrap()
            .is_withheld()
    );

    // Deleted media is gone.
    let other = media.iter().find(|m| m.id != image_media.id).unwrap();
    client.delete_media(sid, &other.id).await.unwrap();
    let gone = client.get_media(sid, &other.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert_eq!(gone.code().map(|c| c.as_str()), Some("MEDIA_NOT_FOUND"));

    // Tracked devices, then none.
    assert!(!client.tracked_devices(sid).await.unwrap().is_empty());
    client.delete_tracked_devices(sid).await.unwrap();
    assert!(client.tracked_devices(sid).await.unwrap().is_empty());

    // The whole session goes.
    client.delete_session(sid).await.unwrap();
    let gone = client.get_session(sid).await.unwrap_err();
    assert!(gone.is_not_found());
    assert_eq!(gone.code().map(|c| c.as_str()), Some("SESSION_NOT_FOUND"));
}

#[tokio::test]
async fn the_backend_can_provide_a_face_capture_itself() {
    let (emu, client) = setup().await;
    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .build()
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.as_str();
    let config = client.session_configuration(sid).await.unwrap();
    let face = client
        .create_face_capture_resource(
            sid,
            &CreateFaceCaptureResourceRequest::new(requirement(
                &config,
                RequiredResourceType::FaceCapture,
            )),
        )
        .await
        .unwrap();
    // Signed, not with the client session token.
    let selfie = jpeg(42);
    client
        .upload_face_capture_image(
            sid,
            &face.id,
            &image(selfie.clone()).filename("id-photo.jpg"),
        )
        .await
        .unwrap();
    let session = client.get_session(sid).await.unwrap();
    let capture = &session.resources.as_ref().unwrap().face_capture[0];
    assert_eq!(capture.id.as_ref(), Some(&face.id));
    let media = capture
        .image
        .as_ref()
        .and_then(|i| i.media.as_ref())
        .unwrap();
    let (content_type, bytes) = download(&client, sid, media.id.as_str()).await;
    assert_eq!(content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(bytes, selfie);

    // The user has nothing left to provide: the emulator just triggers the checks.
    simulate_user(&emu, sid).await;
    let done = client.wait_for_completion(sid, fast()).await.unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));
    let err = client
        .upload_face_capture_image(sid, &face.id, &image(jpeg(43)))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT), "{err}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("RESOURCE_LOCKED"));
}

#[tokio::test]
async fn validation_errors_are_refused_before_any_request() {
    let (emu, client) = setup().await;
    let before = emu.stats();

    let err = SessionSpec::builder()
        .resources_ttl(100)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "resources_ttl");

    let invalid = [
        SessionSpec {
            resources_ttl: Some(100),
            ..SessionSpec::default()
        },
        SessionSpec {
            client_session_token_ttl: Some(600),
            session_deadline: Some(yoti_types::Timestamp::new("2099-01-01T00:00:00Z")),
            ..SessionSpec::default()
        },
        SessionSpec {
            sdk_config: Some(SdkConfig::new().primary_colour("blue")),
            ..SessionSpec::default()
        },
        SessionSpec {
            // http:// is accepted only to loopback, even from a loopback client.
            notifications: Some(NotificationConfig::new("http://example.com/hook")),
            ..SessionSpec::default()
        },
    ];
    for spec in &invalid {
        let err = client.create_session(spec).await.unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err:?}");
        assert!(err.is_not_sent());
    }
    assert!(matches!(
        client.get_session("").await.unwrap_err(),
        Error::Validation(_)
    ));
    assert!(matches!(
        client.get_media("s", " ").await.unwrap_err(),
        Error::Validation(_)
    ));
    assert!(Image::new(b"GIF89a not an image".to_vec()).is_err());
    assert!(
        ClientSession::builder()
            .session_id("s")
            .token(ClientSessionToken::new(""))
            .base_url(emu.idv_url())
            .build()
            .is_err()
    );

    let after = emu.stats();
    assert_eq!(
        after.requests, before.requests,
        "nothing reached the emulator"
    );
}

#[tokio::test]
async fn api_errors_carry_status_code_message_and_field_errors() {
    let (emu, client) = setup().await;

    // 400 from the service, with field errors (a deadline in the past is not a local rule).
    let spec = SessionSpec::builder()
        .session_deadline(yoti_types::Timestamp::new("2001-01-01T00:00:00Z"))
        .build()
        .unwrap();
    let err = client.create_session(&spec).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("PAYLOAD_VALIDATION"));
    assert!(err.message().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        err.field_errors()[0].property.as_deref(),
        Some("session_deadline")
    );
    assert!(err.body().unwrap().contains("PAYLOAD_VALIDATION"));
    assert!(!err.is_retryable());

    // 404.
    let err = client.get_session("no-such-session").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code().map(|c| c.as_str()), Some("SESSION_NOT_FOUND"));
    let err = client
        .session_configuration("no-such-session")
        .await
        .unwrap_err();
    assert!(err.is_not_found());

    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::liveness(LivenessConfig::new(
            LivenessType::Zoom,
        )))
        .build()
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.as_str();
    let user = client.client_session_for(&created).unwrap();

    // 401: a wrong token; 403: a resource the session does not require.
    let impostor = client.client_session(sid, ClientSessionToken::new("not-the-token"));
    let err = impostor.create_zoom_liveness().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err}");
    let err = user
        .create_id_document(&CreateIdDocumentRequest::new("PASSPORT", "GBR"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN), "{err}");
    assert_eq!(
        err.code().map(|c| c.as_str()),
        Some("RESOURCE_NOT_REQUIRED")
    );

    // 409: trigger with resources missing (errors[] names them); media of an ONGOING
    // session; a second upload to a slot.
    let err = user.trigger_checks().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT), "{err}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("RESOURCES_INCOMPLETE"));
    assert!(!err.field_errors().is_empty());
    let liveness = user.create_zoom_liveness().await.unwrap();
    // 422: bytes that look like a JPEG (so the SDK sends them) but do not decode.
    let fake = Image::new(b"\xFF\xD8\xFF\xE0 not really a jpeg".to_vec()).unwrap();
    let err = user
        .upload_zoom_frame(&liveness.id, 0, &fake)
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::UNPROCESSABLE_ENTITY),
        "{err}"
    );
    assert_eq!(err.code().map(|c| c.as_str()), Some("UNPROCESSABLE_MEDIA"));
    user.upload_zoom_frame(&liveness.id, 0, &image(jpeg(3)))
        .await
        .unwrap();
    let err = user
        .upload_zoom_frame(&liveness.id, 0, &image(jpeg(4)))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.as_str()), Some("RESOURCE_LOCKED"));
    let session = client.get_session(sid).await.unwrap();
    let frame = media_of(&session).into_iter().next().expect("the frame");
    let err = client.delete_media(sid, &frame.id).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT), "{err}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("SESSION_LOCKED"));

    // 409: deleting a session whose checks are still pending.
    let delayed = ResponseConfig::approve_all().async_report_delay(60);
    client
        .sandbox()
        .set_session_response_config(sid, &delayed)
        .await
        .unwrap();
    for index in 1..3 {
        user.upload_zoom_frame(&liveness.id, index, &image(jpeg(5 + index as u8)))
            .await
            .unwrap();
    }
    user.upload_zoom_facemap(&liveness.id, Bytes::from_static(b"map"))
        .await
        .unwrap();
    user.trigger_checks().await.unwrap();
    let err = client.delete_session(sid).await.unwrap_err();
    assert_eq!(
        err.code().map(|c| c.as_str()),
        Some("CHECKS_NOT_FINISHED"),
        "{err}"
    );
    let pending = client
        .wait_for_completion(
            sid,
            WaitOptions::new()
                .max_wait(Duration::from_millis(100))
                .initial_interval(Duration::from_millis(10)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &pending,
            Error::WaitTimeout {
                last_state: Some(SessionState::Ongoing),
                ..
            }
        ),
        "{pending:?}"
    );
    advance_clock(&emu, 61).await;
    let done = client.wait_for_completion(sid, fast()).await.unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));
    client.delete_session(sid).await.unwrap();
}

#[tokio::test]
async fn an_expired_session_refuses_its_token_and_waiting_answers_it() {
    let (emu, client) = setup().await;
    let spec = SessionSpec::builder()
        .client_session_token_ttl(120)
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .build()
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.as_str();
    let user = client.client_session_for(&created).unwrap();
    let config = client.session_configuration(sid).await.unwrap();
    let face = client
        .create_face_capture_resource(
            sid,
            &CreateFaceCaptureResourceRequest::new(requirement(
                &config,
                RequiredResourceType::FaceCapture,
            )),
        )
        .await
        .unwrap();

    advance_clock(&emu, 121).await;
    let session = client.get_session(sid).await.unwrap();
    assert_eq!(session.state, Some(SessionState::Expired));
    let done = client.wait_for_completion(sid, fast()).await.unwrap();
    assert_eq!(
        done.state,
        Some(SessionState::Expired),
        "an answer, not an error"
    );

    let err = user
        .upload_face_capture_image(&face.id, &image(jpeg(9)))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT), "{err}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("TOKEN_EXPIRED"));
    let err = user.trigger_checks().await.unwrap_err();
    assert_eq!(err.code().map(|c| c.as_str()), Some("TOKEN_EXPIRED"));
    let (status, body) = admin(&emu, &format!("/sessions/{sid}/simulate-user"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn sandbox_response_configs_round_trip_and_decide_the_reports() {
    let (emu, client) = setup().await;
    let sandbox = client.sandbox();
    assert!(sandbox.base_url().ends_with("/sandbox/idverify/v1"));

    let app = ResponseConfig::approve_all();
    sandbox.set_app_response_config(&app).await.unwrap();
    let read = sandbox.app_response_config().await.unwrap();
    assert!(read.check_reports.is_some());

    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::id_document_authenticity(authenticity(
            ManualCheck::Never,
        )))
        .build()
        .unwrap();
    // Sessions created on the sandbox mount are the same sessions.
    let created = sandbox.idv().create_session(&spec).await.unwrap();
    let sid = created.session_id.as_str();
    let reject = ResponseConfig::new().document_authenticity(SandboxCheck::reject(
        "DOCUMENT_TAMPERED",
        "TRY_ANOTHER_DOCUMENT",
    ));
    sandbox
        .set_session_response_config(sid, &reject)
        .await
        .unwrap();
    let read = sandbox.session_response_config(sid).await.unwrap();
    assert_eq!(
        serde_json::to_value(&read).unwrap()["check_reports"]["ID_DOCUMENT_AUTHENTICITY"][0]["result"]
            ["report"]["recommendation"]["value"],
        "REJECT"
    );

    simulate_user(&emu, sid).await;
    let done = client.wait_for_completion(sid, fast()).await.unwrap();
    let check = done
        .checks_of(&CheckType::IdDocumentAuthenticity)
        .next()
        .unwrap();
    assert_eq!(check.recommendation(), Some(&RecommendationValue::Reject));

    let err = sandbox
        .session_response_config("no-such-session")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn transient_failures_are_retried_and_reported_as_retryable() {
    let (emu, client) = setup().await;
    emu.set_faults(yoti_emulator::FaultConfig {
        error_rate: 1.0,
        ..Default::default()
    })
    .unwrap();
    let err = client.get_session("any").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(err.is_retryable());
    emu.set_faults(yoti_emulator::FaultConfig::default())
        .unwrap();
    let err = client.get_session("any").await.unwrap_err();
    assert!(err.is_not_found());

    // A per-call timeout bounds a slow answer.
    emu.set_faults(yoti_emulator::FaultConfig {
        latency_ms: 2_000,
        ..Default::default()
    })
    .unwrap();
    let err = client
        .get_session("any")
        .with_timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport(ref e, _) if e.is_timeout()),
        "{err:?}"
    );
}
