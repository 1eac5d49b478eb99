//! `POST /__emulator/sessions/{id}/simulate-user`: plays the end user of a session.
//!
//! It uses the session's client session token and the very functions behind the client
//! endpoints (so every check a real client meets applies: token, requirements, filters,
//! image decoding), creating what the session's configuration still requires:
//!
//! - an ID document (the body's `document_type` / `issuing_country`, else a British passport
//!   when the requirement's filter allows it, else the first document it allows) with its
//!   page images (one for a passport, two otherwise), captured with the camera, and its
//!   document fields (the client's text extraction: the response-config's
//!   `ID_DOCUMENT_TEXT_DATA_EXTRACTION` result for the document, sample fields by default);
//! - a supplementary document (its first allowed type and country, else a British utility
//!   bill) with one page;
//! - a ZOOM liveness capture (three frames and a face map) or a STATIC one (a selfie);
//! - a face capture and its image.
//!
//! Then it triggers the checks (which deletes the token): tasks run, and checks complete with
//! the session's or application's response-config (APPROVE by default) after its
//! `async_report_delay`. Images are real JPEGs (PNGs with `"image_format": "png"`).
//!
//! Body (optional): `{"document_type"?, "issuing_country"?, "image_format"?: "jpeg"|"png"}`.
//! Answer: 200 with the session as `GET /sessions/{id}` renders it. Errors: 404
//! `SESSION_NOT_FOUND`; 409 `TOKEN_EXPIRED` (the session expired) or `SESSION_NOT_ONGOING`
//! (checks were already triggered); any error of the client endpoints it calls.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use yoti_types::idv::devices::DeviceInfo;
use yoti_types::idv::{LivenessType, TaskType};

use super::lifecycle::{effective_config, extracted_fields, seed_of, trigger, with_inner};
use super::model::{DocKind, RequirementKind, TokenState, ZOOM_FRAMES_NEEDED, supported_countries};
use super::parse_json;
use super::resources::{
    Caller, DocumentDescriptor, LivenessSlot, Part, Upload, create_document, create_face_capture,
    create_liveness, put_text_extraction, upload_face_capture_image, upload_liveness, upload_page,
};
use crate::error::ApiError;
use crate::images;
use crate::state::Shared;
use yoti_types::idv::IdvErrorCode;

#[derive(Debug, Default, Deserialize)]
struct Simulate {
    #[serde(default)]
    document_type: Option<String>,
    #[serde(default)]
    issuing_country: Option<String>,
    #[serde(default)]
    image_format: Option<String>,
}

/// What is already there for a requirement.
#[derive(Debug, Default)]
struct Progress {
    resource: Option<String>,
    document_type: Option<String>,
    issuing_country: Option<String>,
    has_fields: bool,
    pages: Vec<u32>,
    frames: Vec<u32>,
    facemap: bool,
    image: bool,
}

/// The admin handler.
pub(super) async fn simulate_user(
    State(shared): State<Shared>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let options = if body.iter().all(u8::is_ascii_whitespace) {
            Simulate::default()
        } else {
            parse_json::<Simulate>(&body)?
        };
        run(&shared, &session_id, &options).await
    }
    .await;
    result.map(Json).into_response()
}

fn image(format: &str, width: u32, height: u32, seed: u64, name: &str) -> Part {
    let (bytes, content_type, extension) = if format.eq_ignore_ascii_case("png") {
        (images::png(width, height, seed), "image/png", "png")
    } else {
        (images::jpeg(width, height, seed), "image/jpeg", "jpg")
    };
    Part {
        filename: Some(format!("{name}.{extension}")),
        content_type: Some(content_type.to_owned()),
        bytes: Bytes::from(bytes),
    }
}

async fn run(
    shared: &Shared,
    session_id: &str,
    options: &Simulate,
) -> Result<yoti_types::idv::SessionResult, ApiError> {
    let (token, requirements) = with_inner(shared, |inner, now| {
        let session = inner.session(session_id, None, now)?.session;
        match session.token_state {
            TokenState::Active => {}
            TokenState::Expired => {
                return Err(ApiError::idv(
                    StatusCode::CONFLICT,
                    IdvErrorCode::TokenExpired.as_str(),
                    "The session expired: its client session token is no longer valid.",
                ));
            }
            TokenState::Deleted => {
                return Err(ApiError::idv(
                    StatusCode::CONFLICT,
                    IdvErrorCode::SessionNotOngoing.as_str(),
                    "The session's checks were already triggered.",
                ));
            }
        }
        let requirements: Vec<_> = session
            .requirements
            .iter()
            .filter(|r| !session.requirement_complete(r))
            .map(|r| {
                let mut progress = Progress {
                    resource: r.resource.clone(),
                    ..Progress::default()
                };
                if let Some(rid) = &r.resource {
                    if let Some(d) = session.documents.iter().find(|d| &d.id == rid) {
                        progress.document_type = Some(d.document_type.clone());
                        progress.issuing_country = Some(d.issuing_country.clone());
                        progress.has_fields = d.document_fields.is_some();
                        progress.pages = d.pages.keys().copied().collect();
                    }
                    if let Some(l) = session.liveness.iter().find(|l| &l.id == rid) {
                        progress.frames = l.frames.keys().copied().collect();
                        progress.facemap = l.facemap.is_some();
                        progress.image = l.image.is_some();
                    }
                    if let Some(f) = session.face_captures.iter().find(|f| &f.id == rid) {
                        progress.image = f.image.is_some();
                    }
                }
                (r.clone(), progress)
            })
            .collect();
        Ok((session.token.expose_secret().to_owned(), requirements))
    })?;

    let caller = Caller::Token(Some(token.clone()));
    let device = {
        let mut model = DeviceInfo::default();
        model.browser_name = Some("yoti-emulator".to_owned());
        model.browser_version = Some("simulate-user".to_owned());
        model
    };
    let format = options.image_format.as_deref().unwrap_or("jpeg");

    for (requirement, progress) in requirements {
        match &requirement.kind {
            RequirementKind::IdDocument { filter, .. } => {
                let (doc_type, country) = match (&options.document_type, &options.issuing_country) {
                    (Some(t), Some(c)) => (t.clone(), c.clone()),
                    _ => {
                        let allowed = supported_countries(filter.as_ref());
                        let british_passport = allowed.iter().any(|c| {
                            c.code == "GBR"
                                && c.supported_documents.iter().any(|d| d.kind == "PASSPORT")
                        });
                        match allowed.first() {
                            Some(_) if british_passport => ("PASSPORT".into(), "GBR".into()),
                            Some(c) => (
                                c.supported_documents
                                    .first()
                                    .map_or_else(|| "PASSPORT".into(), |d| d.kind.clone()),
                                c.code.clone(),
                            ),
                            None => ("PASSPORT".into(), "GBR".into()),
                        }
                    }
                };
                document(
                    shared,
                    session_id,
                    &caller,
                    &device,
                    DocKind::Id,
                    &requirement.id,
                    progress,
                    doc_type,
                    country,
                    format,
                )
                .await?;
            }
            RequirementKind::Supplementary { spec, .. } => {
                let first = |list: &Option<Vec<String>>, default: &str| {
                    list.as_ref()
                        .and_then(|l| l.first().cloned())
                        .unwrap_or_else(|| default.to_owned())
                };
                document(
                    shared,
                    session_id,
                    &caller,
                    &device,
                    DocKind::Supplementary,
                    &requirement.id,
                    progress,
                    first(&spec.document_types, "UTILITY_BILL"),
                    first(&spec.country_codes, "GBR"),
                    format,
                )
                .await?;
            }
            RequirementKind::Liveness(kind) => {
                let rid = match progress.resource {
                    Some(rid) => rid,
                    None => create_liveness(shared, session_id, &caller, kind.clone(), &device)?,
                };
                let seed = seed_of(&rid);
                if *kind == LivenessType::Zoom {
                    for index in 1..=ZOOM_FRAMES_NEEDED as u32 {
                        if !progress.frames.contains(&index) {
                            let upload = Upload {
                                binary: image(format, 480, 640, seed + u64::from(index), "frame"),
                                descriptor: None,
                            };
                            upload_liveness(
                                shared,
                                session_id,
                                &caller,
                                &rid,
                                LivenessSlot::Frame(index),
                                upload,
                            )
                            .await?;
                        }
                    }
                    if !progress.facemap {
                        let mut rng = fastrand::Rng::with_seed(seed);
                        let facemap: Vec<u8> = (0..2048).map(|_| rng.u8(..)).collect();
                        let upload = Upload {
                            binary: Part {
                                filename: Some("facemap.bin".to_owned()),
                                content_type: Some("application/octet-stream".to_owned()),
                                bytes: facemap.into(),
                            },
                            descriptor: None,
                        };
                        upload_liveness(
                            shared,
                            session_id,
                            &caller,
                            &rid,
                            LivenessSlot::Facemap,
                            upload,
                        )
                        .await?;
                    }
                } else if !progress.image {
                    let upload = Upload {
                        binary: image(format, 480, 640, seed, "selfie"),
                        descriptor: None,
                    };
                    upload_liveness(
                        shared,
                        session_id,
                        &caller,
                        &rid,
                        LivenessSlot::Image,
                        upload,
                    )
                    .await?;
                }
            }
            RequirementKind::FaceCapture => {
                let rid = match progress.resource {
                    Some(rid) => rid,
                    None => {
                        create_face_capture(shared, session_id, &caller, &requirement.id, &device)?
                    }
                };
                if !progress.image {
                    let upload = Upload {
                        binary: image(format, 480, 640, seed_of(&rid), "face"),
                        descriptor: None,
                    };
                    upload_face_capture_image(shared, session_id, &caller, &rid, upload).await?;
                }
            }
        }
    }

    trigger(shared, session_id, Some(&token), &device)?;
    with_inner(shared, |inner, now| {
        inner
            .session(session_id, None, now)
            .map(|h| h.session.result(now))
    })
}

/// Creates (if needed) a document for a requirement and uploads its missing pages.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site, each argument named there"
)]
async fn document(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    device: &DeviceInfo,
    kind: DocKind,
    requirement_id: &str,
    progress: Progress,
    doc_type: String,
    country: String,
    format: &str,
) -> Result<(), ApiError> {
    let (rid, doc_type, country) = match progress.resource {
        Some(rid) => (
            rid,
            progress.document_type.unwrap_or(doc_type),
            progress.issuing_country.unwrap_or(country),
        ),
        None => {
            let descriptor = DocumentDescriptor {
                document_type: Some(doc_type.clone()),
                issuing_country: Some(country.clone()),
                requirement_id: Some(requirement_id.to_owned()),
            };
            (
                create_document(shared, session_id, caller, kind, descriptor, device)?,
                doc_type,
                country,
            )
        }
    };
    let pages = if kind == DocKind::Supplementary || doc_type.eq_ignore_ascii_case("PASSPORT") {
        1
    } else {
        2
    };
    for index in 1..=pages {
        if progress.pages.contains(&index) {
            continue;
        }
        let upload = Upload {
            binary: image(
                format,
                1200,
                800,
                seed_of(&rid) + u64::from(index),
                &format!("page-{index}"),
            ),
            descriptor: Some(json!({ "capture_method": "CAMERA" })),
        };
        upload_page(shared, session_id, caller, kind, &rid, index, upload).await?;
    }
    if kind == DocKind::Id && !progress.has_fields {
        // The client's own text extraction, as Yoti's sandbox clients send it: the fields the
        // response-config configures for this document (sample fields by default).
        let fields = with_inner(shared, |inner, now| {
            let handle = inner.session(session_id, None, now)?;
            let config = effective_config(handle.session, handle.app_config);
            Ok::<_, ApiError>(extracted_fields(
                config.as_ref(),
                &TaskType::IdDocumentTextDataExtraction,
                &doc_type,
                &country,
            ))
        })?;
        put_text_extraction(shared, session_id, caller, &rid, fields)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use yoti_types::idv::{ResponseConfig, SessionSpec, SessionState};

    use super::*;
    use crate::idv::model::{Phase, Session, StoredConfig, after};
    use crate::state::State;

    fn shared() -> Shared {
        Arc::new(State::new(
            yoti_auth::Verifier::new(),
            crate::FaultConfig::default(),
            crate::DEFAULT_BODY_LIMIT,
            crate::WebhookPolicy::default(),
        ))
    }

    /// The report delay is honoured by the timer alone (no request settles the session), and
    /// the completion notifications are queued when it fires.
    #[tokio::test]
    async fn a_delayed_session_completes_on_its_timer_when_the_clock_moves() {
        let shared = shared();
        let spec: SessionSpec = serde_json::from_value(json!({
            "notifications": {"endpoint": "http://127.0.0.1:9/hook",
                              "topics": ["CHECK_COMPLETION", "SESSION_COMPLETION"]},
            "requested_checks": [{"type": "LIVENESS", "config": {"liveness_type": "STATIC"}}]
        }))
        .unwrap();
        let now = shared.idv.clock.now();
        let mut session = Session::new("app".into(), spec, now, after(now, 600), 86_700);
        let config = ResponseConfig::approve_all().async_report_delay(3600);
        session.response_config = Some(StoredConfig {
            raw: serde_json::to_value(&config).unwrap(),
            parsed: config,
        });
        let id = session.id.clone();
        shared.idv.lock().sessions.insert(id.clone(), session);

        let result = run(&shared, &id, &Simulate::default()).await.unwrap();
        assert_eq!(result.state, Some(SessionState::Ongoing));
        let liveness = &result.resources.as_ref().unwrap().liveness_capture[0];
        assert!(liveness.image.is_some(), "a STATIC selfie");
        assert_eq!(shared.idv.lock().sessions[&id].phase, Phase::Triggered);
        assert!(shared.webhooks.log().is_empty());

        shared.idv.clock.advance(Duration::from_secs(3600));
        for _ in 0..200 {
            if shared.idv.lock().sessions[&id].phase == Phase::Completed {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(shared.idv.lock().sessions[&id].phase, Phase::Completed);
        let topics: Vec<String> = shared.webhooks.log().into_iter().map(|d| d.topic).collect();
        assert_eq!(topics, ["check_completion", "session_completion"]);
    }

    #[tokio::test]
    async fn simulate_refuses_expired_and_triggered_sessions() {
        let shared = shared();
        let now = shared.idv.clock.now();
        let session = Session::new(
            "app".into(),
            SessionSpec::default(),
            now,
            after(now, 10),
            86_700,
        );
        let id = session.id.clone();
        shared.idv.lock().sessions.insert(id.clone(), session);
        let done = run(&shared, &id, &Simulate::default()).await.unwrap();
        assert_eq!(
            done.state,
            Some(SessionState::Completed),
            "nothing to check"
        );
        let e = run(&shared, &id, &Simulate::default()).await.unwrap_err();
        assert_eq!(e.code, "SESSION_NOT_ONGOING");

        let session = Session::new(
            "app".into(),
            SessionSpec::default(),
            now,
            after(now, 10),
            86_700,
        );
        let id = session.id.clone();
        shared.idv.lock().sessions.insert(id.clone(), session);
        shared.idv.clock.advance(Duration::from_secs(11));
        let e = run(&shared, &id, &Simulate::default()).await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code.as_str()), (409, "TOKEN_EXPIRED"));
        let e = run(&shared, "nope", &Simulate::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, "SESSION_NOT_FOUND");
    }
}
