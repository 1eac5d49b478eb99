//! State you can keep (issue 13): a populated emulator is exported, reset, imported and
//! exported again, over real HTTP on loopback, and the SDK reads the same sessions and media
//! afterwards; a document of another version is refused with both versions named.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use yoti_emulator::Emulator;
use yoti_idv::models::spec::{
    IdDocumentAuthenticityConfig, ManualCheck, RequestedCheck, RequiredDocument,
};
use yoti_idv::models::{CaptureMethod, ResponseConfig, SessionSpec, SessionState};
use yoti_idv::{CreateIdDocumentRequest, IdvClient, Image, MediaContent, PageUpload};
use yoti_poa::models::VerifyQuery;
use yoti_poa::{VerifyOutcome, timestamp_now};
use yoti_tests::{SDK_ID, emulator, idv_client, images, poa_client, transport};

/// An admin request: status and JSON body (Null when empty).
async fn admin(
    emu: &Emulator,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let url = format!("{}/__emulator{path}", emu.base_url());
    let body = body.map_or_else(Bytes::new, |b| Bytes::from(serde_json::to_vec(b).unwrap()));
    let response = transport()
        .execute(|_| {
            http::Request::builder()
                .method(method.clone())
                .uri(url.as_str())
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        })
        .await
        .expect("the admin route answers");
    let status = response.status();
    let body = response.into_body().collect().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn export(emu: &Emulator) -> Value {
    let (status, document) = admin(emu, Method::GET, "/state", None).await;
    assert_eq!(status, StatusCode::OK, "{document}");
    document
}

fn spec() -> SessionSpec {
    SessionSpec::builder()
        .client_session_token_ttl(900)
        .user_tracking_id("state-user")
        .requested_check(RequestedCheck::id_document_authenticity(
            IdDocumentAuthenticityConfig {
                manual_check: Some(ManualCheck::Never),
                ..Default::default()
            },
        ))
        .required_document(RequiredDocument::id_document())
        .build()
        .unwrap()
}

/// A session's result as JSON, without the token TTL (it counts down with the clock).
async fn session_json(client: &IdvClient, id: &str) -> Value {
    let mut json = serde_json::to_value(client.get_session(id).await.unwrap()).unwrap();
    json.as_object_mut()
        .unwrap()
        .remove("client_session_token_ttl");
    json
}

async fn media_bytes(client: &IdvClient, session: &str, media: &str) -> Vec<u8> {
    match client.get_media(session, media).await.unwrap() {
        MediaContent::Content(content) => content.bytes().await.unwrap().to_vec(),
        other => panic!("expected content, got {other:?}"),
    }
}

/// Every media id a session result names (`"media": {"id", ...}`, `generated_media`).
fn media_ids(session: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("media", Value::Object(m)) => {
                            out.extend(m.get("id").and_then(Value::as_str).map(str::to_owned));
                        }
                        ("generated_media", Value::Array(items)) => out.extend(
                            items
                                .iter()
                                .filter_map(|m| m.get("id").and_then(Value::as_str))
                                .map(str::to_owned),
                        ),
                        _ => {}
                    }
                    walk(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(session, &mut out);
    out.sort();
    out.dedup();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_reset_import_round_trips_a_populated_emulator_exactly() {
    let (emu, _) = emulator().await;
    let client = idv_client(&emu);
    client
        .sandbox()
        .set_app_response_config(&ResponseConfig::approve_all())
        .await
        .unwrap();

    // Session 1: the user uploads a passport page through the client endpoints.
    let uploaded = client.create_session(&spec()).await.unwrap();
    let user = client.client_session_for(&uploaded).unwrap();
    let document = user
        .create_id_document(&CreateIdDocumentRequest::new("PASSPORT", "GBR"))
        .await
        .unwrap();
    user.upload_id_document_page(
        &document.id,
        1,
        &PageUpload::new(
            Image::new(images::valid_jpeg_seeded(7)).unwrap(),
            CaptureMethod::Camera,
        ),
    )
    .await
    .unwrap();
    let uploaded = uploaded.session_id.to_string();

    // Session 2: completed by simulate-user.
    let completed = client
        .create_session(&spec())
        .await
        .unwrap()
        .session_id
        .to_string();
    let (status, body) = admin(
        &emu,
        Method::POST,
        &format!("/sessions/{completed}/simulate-user"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = client
        .wait_for_completion(
            &completed,
            yoti_idv::WaitOptions::new()
                .max_wait(Duration::from_secs(10))
                .initial_interval(Duration::from_millis(10)),
        )
        .await
        .unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));

    // Session 3: its own response-config.
    let configured = client
        .create_session(&spec())
        .await
        .unwrap()
        .session_id
        .to_string();
    client
        .sandbox()
        .set_session_response_config(
            &configured,
            &ResponseConfig::approve_all().async_report_delay(5),
        )
        .await
        .unwrap();

    // A PoA result, an Age forced outcome, a fault setting, the clock moved.
    let poa = poa_client(&emu);
    let query = VerifyQuery::new("age_over:18#state", timestamp_now(), "pos-1");
    let VerifyOutcome::Done(result) = poa.verify(&query).await.unwrap() else {
        panic!("a result now")
    };
    let (status, _) = admin(
        &emu,
        Method::PUT,
        &format!("/age/apps/{SDK_ID}/outcome"),
        Some(&json!({"age": 21.5, "st_dev": 1.5})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin(
        &emu,
        Method::PUT,
        "/faults",
        Some(&json!({"latency_ms": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    emu.advance_clock(Duration::from_secs(60));

    // What the SDK reads before.
    let mut before = Vec::new();
    for id in [&uploaded, &completed, &configured] {
        let json = session_json(&client, id).await;
        let mut media = Vec::new();
        for m in media_ids(&json) {
            media.push((m.clone(), media_bytes(&client, id, &m).await));
        }
        before.push((id.clone(), json, media));
    }
    assert!(!before[0].2.is_empty(), "the uploaded page is media");

    let first = export(&emu).await;
    assert_eq!(first["format"], "yoti-emulator-state");
    assert_eq!(first["version"], 1);
    assert_eq!(first["idv"]["sessions"].as_array().unwrap().len(), 3);
    assert_eq!(first["poa"]["results"].as_array().unwrap().len(), 1);
    assert_eq!(first["age"]["forced_outcomes"][SDK_ID]["age"], 21.5);
    assert_eq!(first["faults"]["latency_ms"], 1);
    assert_eq!(first["idv"]["clock_offset"]["secs"], 60);
    assert!(first["idv"]["app_response_configs"][SDK_ID].is_object());
    let text = first.to_string();
    assert!(!text.contains("PRIVATE KEY"), "never a private key");

    // Reset: everything created at run time is gone; the app given at start stays.
    let (status, _) = admin(&emu, Method::POST, "/reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(emu.requests().is_empty(), "the journal is cleared");
    let error = client.get_session(&uploaded).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND), "{error}");
    let empty = export(&emu).await;
    assert_eq!(empty["idv"]["sessions"], json!([]));
    assert_eq!(empty["poa"]["results"], json!([]));
    assert_eq!(empty["age"]["forced_outcomes"], json!({}));
    assert_eq!(empty["faults"]["latency_ms"], 0);
    assert_eq!(empty["idv"]["clock_offset"]["secs"], 0);
    assert_eq!(
        empty["apps"].as_array().unwrap().len(),
        1,
        "the start app stays"
    );

    // Import, export again: the same document.
    let (status, body) = admin(&emu, Method::PUT, "/state", Some(&first)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = export(&emu).await;
    assert_eq!(first, second);

    // The SDK reads the same sessions and media; the PoA result is there.
    for (id, json, media) in &before {
        assert_eq!(&session_json(&client, id).await, json, "session {id}");
        for (m, bytes) in media {
            assert_eq!(&media_bytes(&client, id, m).await, bytes, "media {m}");
        }
    }
    assert_eq!(poa.get_result(&result.id).await.unwrap(), result);
    // The user can go on with the imported session's token.
    let more = user
        .create_id_document(&CreateIdDocumentRequest::new("DRIVING_LICENCE", "GBR"))
        .await;
    assert!(
        more.as_ref().err().and_then(|e| e.status()) != Some(StatusCode::UNAUTHORIZED),
        "the client session token still opens the session: {more:?}"
    );
}

#[tokio::test]
async fn a_document_of_another_version_is_refused_naming_both_versions() {
    let (emu, _) = emulator().await;
    let mut document = export(&emu).await;
    document["version"] = json!(99);
    let (status, body) = admin(&emu, Method::PUT, "/state", Some(&document)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "STATE_VERSION_MISMATCH");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("version 99") && message.contains("version 1"),
        "{message}"
    );
    let error = emu.import_state(&document).unwrap_err();
    assert!(
        matches!(error, yoti_emulator::Error::StateVersion { .. }),
        "{error:?}"
    );

    let mut document = export(&emu).await;
    document["format"] = json!("something-else");
    let error = emu.import_state(&document).unwrap_err();
    assert!(error.to_string().contains("something-else"), "{error}");

    // A bad field is named, with its path; nothing changes.
    let mut document = export(&emu).await;
    document["faults"] = json!({"error_rate": "often"});
    let (status, body) = admin(&emu, Method::PUT, "/state", Some(&document)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "INVALID_STATE");
    assert_eq!(body["errors"][0]["property"], "faults.error_rate", "{body}");
    let mut document = export(&emu).await;
    document["apps"] = json!([{"sdk_id": "x", "public_key_pem": "not a key"}]);
    let error = emu.import_state(&document).unwrap_err();
    assert!(
        matches!(&error, yoti_emulator::Error::StateInvalid { field, .. } if field == "apps[0].public_key_pem"),
        "{error:?}"
    );
    assert_eq!(export(&emu).await["apps"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_dashboard_resets_with_a_plain_form_and_links_the_export() {
    let (emu, _) = emulator().await;
    let client = idv_client(&emu);
    let id = client
        .create_session(&spec())
        .await
        .unwrap()
        .session_id
        .to_string();
    let get = |path: &str| {
        let url = format!("{}{path}", emu.base_url());
        async move {
            let response = transport()
                .execute(|_| http::Request::get(url.as_str()).body(Bytes::new()))
                .await
                .unwrap();
            let headers = response.headers().clone();
            let body = response.into_body().collect().await.unwrap();
            (headers, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let (_, page) = get("/__emulator/ui").await;
    assert!(
        page.contains(r#"<form class="inline-form" method="post" action="/__emulator/reset">"#),
        "{page}"
    );
    assert!(page.contains(r#"href="/__emulator/state?download""#));
    let (headers, body) = get("/__emulator/state?download").await;
    assert!(
        headers[http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(body.contains(&id));

    // The form's post (no script): 303 back to the dashboard, the session gone.
    let url = format!("{}/__emulator/reset", emu.base_url());
    let response = transport()
        .execute(|_| {
            http::Request::post(url.as_str())
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(Bytes::new())
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[http::header::LOCATION], "/__emulator/ui");
    let error = client.get_session(&id).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
}
