//! Resources: what the end user (client session token) and the relying business (signed)
//! provide: ID and supplementary documents with their pages, liveness captures, face
//! captures.
//!
//! Each endpoint is a thin HTTP layer over one operation function; `simulate-user` calls the
//! same functions with the session's token, so it goes through exactly the checks a client
//! does. Uploads are checked in two passes under the lock (who may write, and whether the
//! slot is free) around an image decode done outside it.
//!
//! Rules:
//! - a resource is created for a requirement of the session configuration (the descriptor's
//!   `requirement_id`, else the first requirement of its kind without a resource): 403
//!   `RESOURCE_NOT_REQUIRED` when there is none; a document its requirement's filter refuses
//!   gets 400 `DOCUMENT_NOT_ALLOWED`;
//! - multipart uploads (WIRE-NOTES): a `binary-content` part with a `filename`, image/jpeg or
//!   image/png (415 `UNSUPPORTED_MEDIA_TYPE` otherwise, also for a body that is not
//!   `multipart/form-data`), whose bytes decode (422 `UNPROCESSABLE_MEDIA`); pages also carry
//!   a JSON `descriptor` part (`{"capture_method": "CAMERA"}`); a face map is
//!   `application/octet-stream`;
//! - a slot (page, frame, face map, image) is written once: a second upload gets 409
//!   `RESOURCE_LOCKED`; so does a signed face-capture upload once the session left ONGOING;
//! - a resource that becomes complete is announced once with RESOURCE_UPDATE.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::request::Parts;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use yoti_types::idv::devices::{DeviceEventType, DeviceInfo};
use yoti_types::idv::result::{SourceType, TaskState};
use yoti_types::idv::{
    CaptureMethod, CreateFaceCaptureResourceRequest, CreateFaceCaptureResourceResponse,
    IdvErrorCode, LivenessType, MediaType, WebhookTopic,
};

use super::lifecycle::with_inner;
use super::model::{
    DocKind, DocResource, FaceCaptureRec, Handle, Inner, LivenessRec, PageRec, Phase,
    RequirementKind, Session, TaskRec, filter_allows, new_id,
};
use super::notify::About;
use super::parse_json;
use crate::auth;
use crate::error::{ApiError, ErrorStyle};
use crate::images::{self, ImageFormat};
use crate::state::Shared;

/// The highest page or frame index accepted.
const MAX_INDEX: u32 = 16;

/// Who is writing.
#[derive(Debug, Clone)]
pub(super) enum Caller {
    /// The end user, with the `X-Yoti-Auth-Token` presented (if any).
    Token(Option<String>),
    /// The relying business, with a verified signature of this application.
    Signed(String),
}

impl Caller {
    fn source(&self) -> SourceType {
        match self {
            Self::Token(_) => SourceType::EndUser,
            Self::Signed(_) => SourceType::RelyingBusiness,
        }
    }
}

/// The session a caller may write to.
fn access<'a>(
    inner: &'a mut Inner,
    session_id: &str,
    caller: &Caller,
    now: OffsetDateTime,
) -> Result<Handle<'a>, ApiError> {
    match caller {
        Caller::Token(token) => inner.client_session(session_id, token.as_deref(), now),
        Caller::Signed(app) => {
            let handle = inner.session(session_id, Some(app), now)?;
            if handle.session.phase != Phase::Ongoing {
                return Err(locked(
                    "the session no longer accepts resources (checks were triggered or it expired)",
                ));
            }
            Ok(handle)
        }
    }
}

fn locked(message: impl Into<String>) -> ApiError {
    ApiError::idv(
        StatusCode::CONFLICT,
        IdvErrorCode::ResourceLocked.as_str(),
        message,
    )
}

fn resource_not_found(id: &str) -> ApiError {
    ApiError::idv(
        StatusCode::NOT_FOUND,
        IdvErrorCode::ResourceNotFound.as_str(),
        format!("No resource with id {id:?} in this session."),
    )
}

fn not_required(what: &str) -> ApiError {
    ApiError::idv(
        StatusCode::FORBIDDEN,
        IdvErrorCode::ResourceNotRequired.as_str(),
        format!("The session has no {what} requirement left to satisfy."),
    )
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::idv(
        StatusCode::BAD_REQUEST,
        IdvErrorCode::BadRequest.as_str(),
        message,
    )
}

fn invalid_field(property: &str, message: &str) -> ApiError {
    ApiError::idv(
        StatusCode::BAD_REQUEST,
        IdvErrorCode::PayloadValidation.as_str(),
        format!("`{property}`: {message}"),
    )
    .field_error(property, message)
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub(super) struct Part {
    pub(super) filename: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) bytes: Bytes,
}

/// A multipart upload: its `binary-content` part and optional JSON `descriptor` part.
#[derive(Debug, Clone)]
pub(super) struct Upload {
    pub(super) binary: Part,
    pub(super) descriptor: Option<Value>,
}

/// A content type without its parameters, in lower case.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// 415 unless the part is declared image/jpeg or image/png (or `image/jpg`, which Yoti's Node
/// SDK sends for `forJpegImage()`); 422 unless it decodes. Answers the content type to serve it
/// with (that of the bytes).
pub(super) fn check_image(part: &Part) -> Result<&'static str, ApiError> {
    let declared = part.content_type.as_deref().map(essence);
    if !matches!(
        declared.as_deref(),
        Some("image/jpeg" | "image/jpg" | "image/png")
    ) {
        return Err(ApiError::idv(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IdvErrorCode::UnsupportedMediaType.as_str(),
            format!(
                "binary-content must be image/jpeg or image/png, not {}",
                declared.as_deref().unwrap_or("(no content type)")
            ),
        ));
    }
    let info = images::inspect(&part.bytes).map_err(|e| {
        ApiError::idv(
            StatusCode::UNPROCESSABLE_ENTITY,
            IdvErrorCode::UnprocessableMedia.as_str(),
            format!("binary-content is not a decodable image: {e}"),
        )
    })?;
    Ok(match info.format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
    })
}

/// [`check_image`] on the blocking pool: a full decode of a large image must not hold up the
/// server's other requests.
async fn check_image_off_thread(part: &Part) -> Result<&'static str, ApiError> {
    let part = part.clone();
    images::decode_bounded(move || check_image(&part))
        .await
        .unwrap_or_else(|e| {
            Err(ApiError::idv(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                format!("the image check failed: {e}"),
            ))
        })
}

/// 415 unless the part is `application/octet-stream`; 422 when empty.
fn check_facemap(part: &Part) -> Result<(), ApiError> {
    let declared = part.content_type.as_deref().map(essence);
    if declared.as_deref() != Some("application/octet-stream") {
        return Err(ApiError::idv(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IdvErrorCode::UnsupportedMediaType.as_str(),
            format!(
                "a face map must be application/octet-stream, not {}",
                declared.as_deref().unwrap_or("(no content type)")
            ),
        ));
    }
    if part.bytes.is_empty() {
        return Err(ApiError::idv(
            StatusCode::UNPROCESSABLE_ENTITY,
            IdvErrorCode::UnprocessableMedia.as_str(),
            "the face map is empty",
        ));
    }
    Ok(())
}

/// Reads a request's head and whole body under the emulator's body limit (413 beyond).
pub(super) async fn read_request(
    shared: &Shared,
    request: Request,
) -> Result<(Parts, Bytes), ApiError> {
    let (parts, body) = request.into_parts();
    let limit = shared.body_limit;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(auth::too_large(ErrorStyle::Idv, limit));
    }
    let bytes = auth::read_body(body, limit, ErrorStyle::Idv).await?;
    Ok((parts, bytes))
}

/// Parses a `multipart/form-data` body already read.
async fn read_multipart(parts: &mut Parts, body: Bytes) -> Result<Upload, ApiError> {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if essence(content_type) != "multipart/form-data" {
        return Err(ApiError::idv(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IdvErrorCode::UnsupportedMediaType.as_str(),
            format!(
                "expected a multipart/form-data body with a binary-content part, got {:?}",
                content_type
            ),
        ));
    }
    let mut request = Request::new(Body::from(body));
    *request.headers_mut() = parts.headers.clone();
    // Carries the route's body-limit setting: the body was already read under our limit.
    *request.extensions_mut() = std::mem::take(&mut parts.extensions);
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad_request(format!("malformed multipart body: {}", e.body_text())))?;
    let mut binary = None;
    let mut descriptor = None;
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| bad_request(format!("malformed multipart body: {}", e.body_text())))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| bad_request(format!("malformed multipart body: {}", e.body_text())))?;
        match name.as_str() {
            "binary-content" => {
                binary = Some(Part {
                    filename,
                    content_type,
                    bytes,
                });
            }
            "descriptor" => descriptor = Some(parse_json::<Value>(&bytes)?),
            _ => {}
        }
    }
    let Some(binary) = binary else {
        return Err(bad_request("the multipart body has no binary-content part")
            .field_error("binary-content", "missing"));
    };
    if binary
        .filename
        .as_deref()
        .is_none_or(|f| f.trim().is_empty())
    {
        return Err(bad_request(
            "the binary-content part must give a filename in its Content-Disposition",
        )
        .field_error("binary-content", "no filename"));
    }
    Ok(Upload { binary, descriptor })
}

/// The client session token presented, if any.
pub(super) fn token_of(headers: &HeaderMap) -> Option<String> {
    yoti_auth::ClientSessionToken::from_headers(headers).map(|t| t.expose_secret().to_owned())
}

/// What the emulator learns of a client device from its headers.
pub(super) fn device_of(headers: &HeaderMap) -> DeviceInfo {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let agent = text(header::USER_AGENT);
    let product = agent
        .as_deref()
        .and_then(|a| a.split_whitespace().next())
        .map(|p| p.split_once('/').unwrap_or((p, "")));
    {
        let mut model = DeviceInfo::default();
        model.browser_name = product.map(|(n, _)| n.to_owned());
        model.browser_version = product.map(|(_, v)| v.to_owned()).filter(|v| !v.is_empty());
        model.locale = text(header::ACCEPT_LANGUAGE)
            .and_then(|l| l.split([',', ';']).next().map(|s| s.trim().to_owned()))
            .filter(|l| !l.is_empty());
        model
    }
}

fn parse_index(raw: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>()
        .ok()
        .filter(|i| *i <= MAX_INDEX)
        .ok_or_else(|| {
            bad_request(format!(
                "the index must be a number from 0 to {MAX_INDEX}, not {raw:?}"
            ))
        })
}

/// Announces a resource once it is complete.
fn announce(session: &mut Session, resource_id: &str) {
    fn first_time(announced: &mut bool, complete: bool) -> bool {
        let first = complete && !*announced;
        *announced |= complete;
        first
    }
    let announce = if let Some(d) = session.documents.iter_mut().find(|d| d.id == resource_id) {
        let complete = d.is_complete();
        first_time(&mut d.announced, complete)
    } else if let Some(l) = session.liveness.iter_mut().find(|l| l.id == resource_id) {
        let complete = l.is_complete();
        first_time(&mut l.announced, complete)
    } else if let Some(f) = session
        .face_captures
        .iter_mut()
        .find(|f| f.id == resource_id)
    {
        let complete = f.image.is_some();
        first_time(&mut f.announced, complete)
    } else {
        false
    };
    if announce {
        session.emit(WebhookTopic::ResourceUpdate, About::Resource(resource_id));
    }
}

// ----- documents ------------------------------------------------------------------------

/// The body of `POST .../resources/id-documents` (and supplementary documents).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct DocumentDescriptor {
    #[serde(default)]
    pub(super) document_type: Option<String>,
    #[serde(default)]
    pub(super) issuing_country: Option<String>,
    #[serde(default)]
    pub(super) requirement_id: Option<String>,
}

/// Creates a document resource for a document requirement; answers its id.
pub(super) fn create_document(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    kind: DocKind,
    descriptor: DocumentDescriptor,
    device: &DeviceInfo,
) -> Result<String, ApiError> {
    let doc_type = descriptor
        .document_type
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| invalid_field("document_type", "required"))?
        .to_ascii_uppercase();
    let country = descriptor
        .issuing_country
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| invalid_field("issuing_country", "required"))?
        .to_ascii_uppercase();
    with_inner(shared, |inner, now| {
        let session = access(inner, session_id, caller, now)?.session;
        let wanted = descriptor.requirement_id.as_deref();
        if let Some(wanted) = wanted
            && !session.requirements.iter().any(|r| r.id == wanted)
        {
            return Err(invalid_field(
                "requirement_id",
                "no requirement of the session has this id",
            ));
        }
        let index = session
            .requirements
            .iter()
            .position(|r| {
                let kind_matches = matches!(
                    (&r.kind, kind),
                    (RequirementKind::IdDocument { .. }, DocKind::Id)
                        | (
                            RequirementKind::Supplementary { .. },
                            DocKind::Supplementary
                        )
                );
                kind_matches && r.resource.is_none() && wanted.is_none_or(|w| w == r.id)
            })
            .ok_or_else(|| not_required(kind.label()))?;
        let tasks = match &session.requirements[index].kind {
            RequirementKind::IdDocument { filter, tasks } => {
                if !filter_allows(filter.as_ref(), &doc_type, &country) {
                    return Err(document_not_allowed(&doc_type, &country));
                }
                tasks.clone()
            }
            RequirementKind::Supplementary { spec, tasks } => {
                let listed = |list: &Option<Vec<String>>, value: &str| {
                    list.as_ref()
                        .is_none_or(|l| l.iter().any(|v| v.eq_ignore_ascii_case(value)))
                };
                if !listed(&spec.document_types, &doc_type)
                    || !listed(&spec.country_codes, &country)
                    || !filter_allows(spec.filter.as_ref(), &doc_type, &country)
                {
                    return Err(document_not_allowed(&doc_type, &country));
                }
                tasks.clone()
            }
            _ => Vec::new(),
        };
        let id = new_id();
        session.documents.push(DocResource {
            id: id.clone(),
            kind,
            source: caller.source(),
            document_type: doc_type,
            issuing_country: country,
            pages: Default::default(),
            document_fields: None,
            document_id_photo: None,
            tasks: tasks
                .into_iter()
                .map(|spec| TaskRec {
                    id: new_id(),
                    kind: spec.kind(),
                    spec,
                    state: TaskState::Created,
                    created: now,
                    updated: now,
                    generated_media: Vec::new(),
                    generated_checks: Vec::new(),
                    recommendation: None,
                })
                .collect(),
            created: now,
            updated: now,
            announced: false,
        });
        session.requirements[index].resource = Some(id.clone());
        session.track(DeviceEventType::ResourceCreated, Some(&id), device, now);
        Ok(id)
    })
}

fn document_not_allowed(doc_type: &str, country: &str) -> ApiError {
    ApiError::idv(
        StatusCode::BAD_REQUEST,
        IdvErrorCode::DocumentNotAllowed.as_str(),
        format!("A {doc_type} issued by {country} is not allowed by the session's requirement."),
    )
}

fn document_mut<'a>(
    session: &'a mut Session,
    kind: DocKind,
    resource_id: &str,
) -> Result<&'a mut DocResource, ApiError> {
    session
        .documents
        .iter_mut()
        .find(|d| d.id == resource_id && d.kind == kind)
        .ok_or_else(|| resource_not_found(resource_id))
}

/// Uploads the image of a page (`descriptor.capture_method`, any case).
pub(super) async fn upload_page(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    kind: DocKind,
    resource_id: &str,
    index: u32,
    upload: Upload,
) -> Result<(), ApiError> {
    let slot_free = |inner: &mut Inner, now| -> Result<(), ApiError> {
        let session = access(inner, session_id, caller, now)?.session;
        let doc = document_mut(session, kind, resource_id)?;
        if doc.pages.contains_key(&index) {
            return Err(locked(format!(
                "page {index} of this document was already uploaded"
            )));
        }
        Ok(())
    };
    with_inner(shared, |inner, now| slot_free(inner, now))?;
    let capture_method = upload
        .descriptor
        .as_ref()
        .and_then(|d| d.get("capture_method"))
        .and_then(Value::as_str)
        .map(|m| CaptureMethod::from(m.to_ascii_uppercase()));
    let content_type = check_image_off_thread(&upload.binary).await?;
    with_inner(shared, |inner, now| {
        slot_free(inner, now)?;
        let session = access(inner, session_id, caller, now)?.session;
        let media = session.add_media(MediaType::Image, content_type, upload.binary.bytes, now);
        let doc = document_mut(session, kind, resource_id)?;
        doc.pages.insert(
            index,
            PageRec {
                capture_method,
                media,
            },
        );
        doc.updated = now;
        announce(session, resource_id);
        Ok(())
    })
}

/// `PUT .../id-documents/{rid}/text-extraction`: the client's own text extraction
/// (`{"client_extraction_outcome", "document_fields"}`), used by the extraction task.
pub(super) fn put_text_extraction(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    resource_id: &str,
    document_fields: Map<String, Value>,
) -> Result<(), ApiError> {
    with_inner(shared, |inner, now| {
        let session = access(inner, session_id, caller, now)?.session;
        document_mut(session, DocKind::Id, resource_id)?;
        let bytes = serde_json::to_vec(&Value::Object(document_fields)).unwrap_or_default();
        let media = session.add_media(MediaType::Json, "application/json", bytes, now);
        let doc = document_mut(session, DocKind::Id, resource_id)?;
        doc.document_fields = Some(media);
        doc.updated = now;
        Ok(())
    })
}

// ----- liveness -------------------------------------------------------------------------

/// Creates a liveness resource of a type for a liveness requirement; answers its id.
pub(super) fn create_liveness(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    kind: LivenessType,
    device: &DeviceInfo,
) -> Result<String, ApiError> {
    with_inner(shared, |inner, now| {
        let session = access(inner, session_id, caller, now)?.session;
        let index = session
            .requirements
            .iter()
            .position(|r| {
                matches!(&r.kind, RequirementKind::Liveness(k) if *k == kind)
                    && r.resource.is_none()
            })
            .ok_or_else(|| not_required(&format!("{kind} liveness")))?;
        let id = new_id();
        session.liveness.push(LivenessRec {
            id: id.clone(),
            kind,
            frames: Default::default(),
            facemap: None,
            image: None,
            created: now,
            updated: now,
            announced: false,
        });
        session.requirements[index].resource = Some(id.clone());
        session.biometric_consent.get_or_insert(now);
        session.track(DeviceEventType::ResourceCreated, Some(&id), device, now);
        Ok(id)
    })
}

fn liveness_mut<'a>(
    session: &'a mut Session,
    kind: &LivenessType,
    resource_id: &str,
) -> Result<&'a mut LivenessRec, ApiError> {
    session
        .liveness
        .iter_mut()
        .find(|l| l.id == resource_id && &l.kind == kind)
        .ok_or_else(|| resource_not_found(resource_id))
}

/// What a liveness upload fills.
#[derive(Debug, Clone, Copy)]
pub(super) enum LivenessSlot {
    /// A ZOOM frame (image).
    Frame(u32),
    /// The ZOOM face map (binary).
    Facemap,
    /// The STATIC selfie (image).
    Image,
}

/// Uploads a frame, the face map or the selfie of a liveness resource.
pub(super) async fn upload_liveness(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    resource_id: &str,
    slot: LivenessSlot,
    upload: Upload,
) -> Result<(), ApiError> {
    let kind = match slot {
        LivenessSlot::Frame(_) | LivenessSlot::Facemap => LivenessType::Zoom,
        LivenessSlot::Image => LivenessType::Static,
    };
    let slot_free = |inner: &mut Inner, now| -> Result<(), ApiError> {
        let session = access(inner, session_id, caller, now)?.session;
        let l = liveness_mut(session, &kind, resource_id)?;
        let taken = match slot {
            LivenessSlot::Frame(i) => l.frames.contains_key(&i),
            LivenessSlot::Facemap => l.facemap.is_some(),
            LivenessSlot::Image => l.image.is_some(),
        };
        if taken {
            return Err(locked(
                "this part of the liveness capture was already uploaded",
            ));
        }
        Ok(())
    };
    with_inner(shared, |inner, now| slot_free(inner, now))?;
    let (media_kind, content_type) = match slot {
        LivenessSlot::Facemap => {
            check_facemap(&upload.binary)?;
            (MediaType::Binary, "application/octet-stream")
        }
        _ => (
            MediaType::Image,
            check_image_off_thread(&upload.binary).await?,
        ),
    };
    with_inner(shared, |inner, now| {
        slot_free(inner, now)?;
        let session = access(inner, session_id, caller, now)?.session;
        let media = session.add_media(media_kind, content_type, upload.binary.bytes, now);
        let l = liveness_mut(session, &kind, resource_id)?;
        match slot {
            LivenessSlot::Frame(i) => {
                l.frames.insert(i, media);
            }
            LivenessSlot::Facemap => l.facemap = Some(media),
            LivenessSlot::Image => l.image = Some(media),
        }
        l.updated = now;
        announce(session, resource_id);
        Ok(())
    })
}

// ----- face capture ---------------------------------------------------------------------

/// Creates the face-capture resource of a FACE_CAPTURE requirement; answers its id.
pub(super) fn create_face_capture(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    requirement_id: &str,
    device: &DeviceInfo,
) -> Result<String, ApiError> {
    with_inner(shared, |inner, now| {
        let session = access(inner, session_id, caller, now)?.session;
        let index = session
            .requirements
            .iter()
            .position(|r| r.id == requirement_id && matches!(r.kind, RequirementKind::FaceCapture))
            .ok_or_else(|| {
                invalid_field(
                    "requirement_id",
                    "no FACE_CAPTURE requirement of the session has this id",
                )
            })?;
        if session.requirements[index].resource.is_some() {
            return Err(locked(
                "this requirement already has a face-capture resource",
            ));
        }
        let id = new_id();
        session.face_captures.push(FaceCaptureRec {
            id: id.clone(),
            source: caller.source(),
            image: None,
            created: now,
            updated: now,
            announced: false,
        });
        session.requirements[index].resource = Some(id.clone());
        if matches!(caller, Caller::Token(_)) {
            session.track(DeviceEventType::ResourceCreated, Some(&id), device, now);
        }
        Ok(id)
    })
}

/// Uploads the image of a face-capture resource.
pub(super) async fn upload_face_capture_image(
    shared: &Shared,
    session_id: &str,
    caller: &Caller,
    resource_id: &str,
    upload: Upload,
) -> Result<(), ApiError> {
    let slot_free = |inner: &mut Inner, now| -> Result<(), ApiError> {
        let session = access(inner, session_id, caller, now)?.session;
        let f = session
            .face_captures
            .iter()
            .find(|f| f.id == resource_id)
            .ok_or_else(|| resource_not_found(resource_id))?;
        if f.image.is_some() {
            return Err(locked("this face capture already has its image"));
        }
        Ok(())
    };
    with_inner(shared, |inner, now| slot_free(inner, now))?;
    let content_type = check_image_off_thread(&upload.binary).await?;
    with_inner(shared, |inner, now| {
        slot_free(inner, now)?;
        let session = access(inner, session_id, caller, now)?.session;
        let media = session.add_media(MediaType::Image, content_type, upload.binary.bytes, now);
        if let Some(f) = session
            .face_captures
            .iter_mut()
            .find(|f| f.id == resource_id)
        {
            f.image = Some(media);
            f.updated = now;
        }
        announce(session, resource_id);
        Ok(())
    })
}

// ----- HTTP handlers --------------------------------------------------------------------

fn created(id: String) -> Response {
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

fn answer(result: Result<(), ApiError>) -> Response {
    result.map(|()| StatusCode::OK).into_response()
}

/// `POST /sessions/{id}/resources/id-documents` (client).
pub(super) async fn post_id_document(
    State(shared): State<Shared>,
    Path(session_id): Path<String>,
    request: Request,
) -> Response {
    post_document(shared, session_id, request, DocKind::Id).await
}

/// `POST /sessions/{id}/resources/supplementary-documents` (client; the emulator's, shaped
/// like the ID document one).
pub(super) async fn post_supplementary_document(
    State(shared): State<Shared>,
    Path(session_id): Path<String>,
    request: Request,
) -> Response {
    post_document(shared, session_id, request, DocKind::Supplementary).await
}

async fn post_document(
    shared: Shared,
    session_id: String,
    request: Request,
    kind: DocKind,
) -> Response {
    let result = async {
        let (parts, body) = read_request(&shared, request).await?;
        let caller = Caller::Token(token_of(&parts.headers));
        let descriptor: DocumentDescriptor = parse_json(&body)?;
        create_document(
            &shared,
            &session_id,
            &caller,
            kind,
            descriptor,
            &device_of(&parts.headers),
        )
    }
    .await;
    result.map(created).into_response()
}

/// `PUT /sessions/{id}/resources/id-documents/{rid}/pages/{index}` (client, multipart).
pub(super) async fn put_id_page(
    State(shared): State<Shared>,
    Path((session_id, resource_id, index)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    put_page(shared, session_id, resource_id, index, request, DocKind::Id).await
}

/// `PUT /sessions/{id}/resources/supplementary-documents/{rid}/pages/{index}` (client,
/// multipart; the emulator's).
pub(super) async fn put_supplementary_page(
    State(shared): State<Shared>,
    Path((session_id, resource_id, index)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    put_page(
        shared,
        session_id,
        resource_id,
        index,
        request,
        DocKind::Supplementary,
    )
    .await
}

async fn put_page(
    shared: Shared,
    session_id: String,
    resource_id: String,
    index: String,
    request: Request,
    kind: DocKind,
) -> Response {
    answer(
        async {
            let (mut parts, body) = read_request(&shared, request).await?;
            let caller = Caller::Token(token_of(&parts.headers));
            let index = parse_index(&index)?;
            let upload = read_multipart(&mut parts, body).await?;
            upload_page(
                &shared,
                &session_id,
                &caller,
                kind,
                &resource_id,
                index,
                upload,
            )
            .await
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
struct TextExtraction {
    #[serde(default)]
    document_fields: Map<String, Value>,
}

/// `PUT /sessions/{id}/resources/id-documents/{rid}/text-extraction` (client, JSON).
pub(super) async fn put_text_extraction_handler(
    State(shared): State<Shared>,
    Path((session_id, resource_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    answer(
        async {
            let (parts, body) = read_request(&shared, request).await?;
            let caller = Caller::Token(token_of(&parts.headers));
            let extraction: TextExtraction = parse_json(&body)?;
            put_text_extraction(
                &shared,
                &session_id,
                &caller,
                &resource_id,
                extraction.document_fields,
            )
        }
        .await,
    )
}

/// `POST /sessions/{id}/resources/liveness/{zoom|static}` (client; `static` is the
/// emulator's). The body (`{"source": "WEB"}` from Yoti's sandbox clients) is not needed.
pub(super) async fn post_liveness(
    State(shared): State<Shared>,
    Path((session_id, kind)): Path<(String, String)>,
    request: Request,
) -> Response {
    let result = async {
        let (parts, _body) = read_request(&shared, request).await?;
        let caller = Caller::Token(token_of(&parts.headers));
        let kind = match kind.as_str() {
            "zoom" => LivenessType::Zoom,
            "static" => LivenessType::Static,
            other => {
                return Err(ApiError::idv(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    format!("No liveness type {other:?}: zoom or static."),
                ));
            }
        };
        create_liveness(
            &shared,
            &session_id,
            &caller,
            kind,
            &device_of(&parts.headers),
        )
    }
    .await;
    result.map(created).into_response()
}

/// `PUT /sessions/{id}/resources/liveness/zoom/{rid}/frames/{index}` (client, multipart).
pub(super) async fn put_zoom_frame(
    State(shared): State<Shared>,
    Path((session_id, resource_id, index)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    answer(
        async {
            let index = parse_index(&index)?;
            liveness_upload(
                &shared,
                &session_id,
                &resource_id,
                LivenessSlot::Frame(index),
                request,
            )
            .await
        }
        .await,
    )
}

/// `POST /sessions/{id}/resources/liveness/zoom/{rid}/facemap` (client, multipart).
pub(super) async fn post_zoom_facemap(
    State(shared): State<Shared>,
    Path((session_id, resource_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    answer(
        liveness_upload(
            &shared,
            &session_id,
            &resource_id,
            LivenessSlot::Facemap,
            request,
        )
        .await,
    )
}

/// `PUT /sessions/{id}/resources/liveness/static/{rid}/image` (client, multipart; the
/// emulator's).
pub(super) async fn put_static_image(
    State(shared): State<Shared>,
    Path((session_id, resource_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    answer(
        liveness_upload(
            &shared,
            &session_id,
            &resource_id,
            LivenessSlot::Image,
            request,
        )
        .await,
    )
}

async fn liveness_upload(
    shared: &Shared,
    session_id: &str,
    resource_id: &str,
    slot: LivenessSlot,
    request: Request,
) -> Result<(), ApiError> {
    let (mut parts, body) = read_request(shared, request).await?;
    let caller = Caller::Token(token_of(&parts.headers));
    let upload = read_multipart(&mut parts, body).await?;
    upload_liveness(shared, session_id, &caller, resource_id, slot, upload).await
}

/// The image frames a face capture resource expects: one (its `image`).
const FACE_CAPTURE_FRAMES: u32 = 1;

/// `POST /sessions/{id}/resources/face-capture` (signed): `{"requirement_id"}` -> 201
/// `{"id", "frames"}`.
pub(super) async fn post_face_capture(
    State(shared): State<Shared>,
    axum::Extension(app): axum::Extension<auth::AuthedApp>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = parse_json::<CreateFaceCaptureResourceRequest>(&body).and_then(|request| {
        create_face_capture(
            &shared,
            &session_id,
            &Caller::Signed(app.sdk_id),
            request.requirement_id.as_str(),
            &device_of(&headers),
        )
    });
    match result {
        Ok(id) => (
            StatusCode::CREATED,
            Json(CreateFaceCaptureResourceResponse::new(
                id,
                FACE_CAPTURE_FRAMES,
            )),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `PUT /sessions/{id}/resources/face-capture/{rid}/image` (multipart): a client session
/// token, or a signature of the owning application when `X-Yoti-Auth-Digest` is present.
pub(super) async fn put_face_capture_image(
    State(shared): State<Shared>,
    Path((session_id, resource_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let result = async {
        let (mut parts, body) = read_request(&shared, request).await?;
        let caller = if parts.headers.contains_key(yoti_auth::headers::AUTH_DIGEST) {
            Caller::Signed(auth::verify_idv_request(&shared, &parts, &body)?)
        } else {
            Caller::Token(token_of(&parts.headers))
        };
        let upload = read_multipart(&mut parts, body).await?;
        upload_face_capture_image(&shared, &session_id, &caller, &resource_id, upload).await
    }
    .await;
    answer(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(content_type: &str, bytes: Vec<u8>) -> Part {
        Part {
            filename: Some("x".into()),
            content_type: Some(content_type.into()),
            bytes: bytes.into(),
        }
    }

    #[test]
    fn images_are_checked_by_declared_type_then_by_decoding() {
        let jpeg = images::jpeg(64, 48, 1);
        assert_eq!(
            check_image(&part("image/jpeg", jpeg.clone())).unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            check_image(&part("IMAGE/PNG; q=1", images::png(8, 8, 2))).unwrap(),
            "image/png"
        );
        let e = check_image(&part("image/gif", jpeg.clone())).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code.as_str()),
            (415, "UNSUPPORTED_MEDIA_TYPE")
        );
        let mut truncated = jpeg;
        truncated.truncate(40);
        let e = check_image(&part("image/jpeg", truncated)).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code.as_str()),
            (422, "UNPROCESSABLE_MEDIA")
        );
        let e = check_image(&part("image/png", b"not a png".to_vec())).unwrap_err();
        assert_eq!(e.status.as_u16(), 422);
    }

    #[test]
    fn devices_are_read_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, "Mozilla/5.0 (X11)".parse().unwrap());
        headers.insert(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9".parse().unwrap());
        let device = device_of(&headers);
        assert_eq!(device.browser_name.as_deref(), Some("Mozilla"));
        assert_eq!(device.browser_version.as_deref(), Some("5.0"));
        assert_eq!(device.locale.as_deref(), Some("en-GB"));
        assert_eq!(device_of(&HeaderMap::new()), DeviceInfo::default());
    }
}
