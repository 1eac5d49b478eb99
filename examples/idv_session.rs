//! A whole IDV session through the `yoti` facade, both sides, against the in-process emulator.
//!
//! `cargo run --example idv_session`: no configuration, no network beyond loopback. Point the
//! same code at Yoti's sandbox (`yoti::Client::builder().idv_url(yoti::idv::SANDBOX_BASE_URL)` with your sandbox SDK id and
//! key) and it drives the sandbox the same way.
//!
//! 1. the backend (signed with the application key) sets what the sandbox answers and creates
//!    a session;
//! 2. the end user's side (`ClientSession`, authenticated by the client session token) provides
//!    an ID document page, its text, a zoom liveness capture and a face capture, then
//!    triggers the checks;
//! 3. the backend waits for completion and reads every check report and media item back.

use std::time::Duration;

use yoti::emulator::Emulator;
use yoti::idv::models::session::RequiredResourceType;
use yoti::idv::models::spec::{
    IdDocumentAuthenticityConfig, IdDocumentTextExtractionConfig, LivenessConfig, ManualCheck,
    RequestedCheck, RequestedTask, RequiredDocument,
};
use yoti::idv::models::{
    CaptureMethod, CreateFaceCaptureResourceRequest, LivenessType, ResponseConfig,
    SessionConfiguration, SessionSpec, sandbox,
};
use yoti::idv::{
    CreateIdDocumentRequest, Image, MediaContent, PageUpload, SupportedDocumentsRequest,
    TextExtraction, WaitOptions,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk_id = "idv-session-example";
    let key = yoti::PrivateKey::generate(2048)?;
    let emulator = Emulator::builder()
        .app(sdk_id, key.public_key())
        .start()
        .await?;
    println!("emulator listening on {}", emulator.base_url());

    // ----- the relying business's backend --------------------------------------------------
    let yoti = yoti::Client::builder()
        .sdk_id(sdk_id)
        .key(key)
        .emulator_url(&emulator.base_url())
        .build()?;
    let client = yoti.idv();
    client
        .sandbox()
        .set_app_response_config(&ResponseConfig::approve_all())
        .await?;
    let documents = client
        .supported_documents(SupportedDocumentsRequest::new())
        .await?;
    println!(
        "{} countries have supported documents",
        documents.supported_countries.len()
    );

    let spec = SessionSpec::builder()
        .client_session_token_ttl(900)
        .user_tracking_id("example-user")
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
        .build()?;
    let created = client.create_session(&spec).await?;
    let session_id = created.session_id.clone();
    println!("created session {session_id}");
    let config = client.session_configuration(&session_id).await?;

    // ----- the end user's device -----------------------------------------------------------
    let user = client.client_session_for(&created)?;

    let passport = user
        .create_id_document(
            &CreateIdDocumentRequest::new("PASSPORT", "GBR")
                .requirement_id(requirement(&config, RequiredResourceType::IdDocument)?),
        )
        .await?;
    user.upload_id_document_page(
        &passport.id,
        1,
        &PageUpload::new(
            Image::new(jpeg(1))?.filename("passport.jpg"),
            CaptureMethod::Camera,
        ),
    )
    .await?;
    user.put_text_extraction(
        &passport.id,
        &TextExtraction::new(sandbox::sample_id_document_fields()),
    )
    .await?;

    let liveness = user.create_zoom_liveness().await?;
    for index in 0..3 {
        user.upload_zoom_frame(&liveness.id, index, &Image::new(jpeg(10 + index as u8))?)
            .await?;
    }
    user.upload_zoom_facemap(&liveness.id, bytes::Bytes::from_static(b"3d-face-map"))
        .await?;

    // A face capture resource is created by the backend, its image uploaded by the user.
    let face = client
        .create_face_capture_resource(
            &session_id,
            &CreateFaceCaptureResourceRequest::new(requirement(
                &config,
                RequiredResourceType::FaceCapture,
            )?),
        )
        .await?;
    user.upload_face_capture_image(&face.id, &Image::new(jpeg(20))?.filename("selfie.jpg"))
        .await?;

    user.trigger_checks().await?;
    println!("the user is done; checks triggered");

    // ----- back on the backend -------------------------------------------------------------
    let session = client
        .wait_for_completion(
            &session_id,
            WaitOptions::new()
                .initial_interval(Duration::from_millis(50))
                .max_wait(Duration::from_secs(60))
                .on_poll(|s| {
                    println!(
                        "  polled: {}",
                        s.state.as_ref().map_or("?", |state| state.as_str())
                    );
                }),
        )
        .await?;
    println!(
        "session {}",
        session.state.as_ref().map_or("?", |s| s.as_str())
    );
    for check in &session.checks {
        println!(
            "  check {}: {} ({})",
            check.kind(),
            check.recommendation().map_or("no report", |r| r.as_str()),
            check.id().unwrap_or("?")
        );
    }

    // Media: pages, frames, the face map, the face capture, the document fields.
    let resources = session.resources.clone().unwrap_or_default();
    let mut media = Vec::new();
    for document in &resources.id_documents {
        media.extend(document.pages.iter().filter_map(|p| p.media.clone()));
        media.extend(
            document
                .document_fields
                .iter()
                .filter_map(|f| f.media.clone()),
        );
    }
    for capture in &resources.face_capture {
        media.extend(capture.image.iter().filter_map(|i| i.media.clone()));
    }
    for live in &resources.liveness_capture {
        media.extend(live.frames.iter().filter_map(|f| f.media.clone()));
        media.extend(live.facemap.iter().filter_map(|f| f.media.clone()));
    }
    for item in &media {
        match client.get_media(&session_id, &item.id).await? {
            MediaContent::Withheld => println!("  media {}: withheld", item.id),
            MediaContent::Content(stream) => {
                let content_type = stream.content_type().unwrap_or("?").to_owned();
                let bytes = stream.bytes().await?;
                println!("  media {}: {content_type}, {} bytes", item.id, bytes.len());
            }
        }
    }

    client.delete_session(&session_id).await?;
    println!("session deleted");
    emulator.shutdown().await;
    Ok(())
}

/// The id of the session configuration's requirement of `kind`.
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
        .ok_or_else(|| format!("the session requires no {kind}"))
}

/// A small real JPEG (the emulator decodes every upload, as Yoti does).
fn jpeg(seed: u8) -> Vec<u8> {
    let (width, height) = (64_u16, 48_u16);
    let pixels: Vec<u8> = (0..usize::from(width) * usize::from(height))
        .flat_map(|i| [(i % 256) as u8, seed, (i / 64 % 256) as u8])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("an RGB buffer of the right size encodes");
    out
}
