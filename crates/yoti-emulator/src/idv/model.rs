//! The state of the IDV service: sessions (with their resources, media, tasks, checks and
//! tracked devices) and the per-application sandbox response configurations, behind one
//! mutex that is never held across an `.await`.
//!
//! Answers are rendered from this state into `yoti_types::idv` models, so that the emulator
//! and the SDK agree on shapes by construction.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use axum::http::StatusCode;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yoti_auth::ClientSessionToken;
use yoti_types::Timestamp;
use yoti_types::idv::devices::{DeviceEventType, DeviceInfo};
use yoti_types::idv::result::{
    FaceCaptureResource, GeneratedCheck, IdDocumentResource, LivenessResource, Page,
    ResourceSource, SourceType, SupplementaryDocumentResource, TaskRecommendation, TaskState,
};
use yoti_types::idv::session::RequiredResourceType;
use yoti_types::idv::spec::{
    DocumentFilter, Inclusion, RequestedCheck, RequestedTask, RequiredDocument,
    RequiredSupplementaryDocument,
};
use yoti_types::idv::{
    CaptureMethod, Check, CheckReport, CheckResult, CheckState, CheckType, LivenessType, Media,
    MediaContainer, MediaType, ResourceContainer, ResponseConfig, SecretString, SessionResult,
    SessionSpec, SessionState, SupportedCountry, Task, TaskType, TrackedDeviceEvent,
};

use super::store::Sessions;
use super::{lifecycle, supported_documents};
use crate::error::ApiError;
use crate::webhook::Delivery;

/// A fresh identifier (sessions, resources, media, checks, tasks, requirements, tokens).
pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A timestamp as the service writes it: RFC 3339, UTC, millisecond precision.
pub(super) fn ts(t: OffsetDateTime) -> Timestamp {
    let millis = t.nanosecond() / 1_000_000 * 1_000_000;
    Timestamp::from(t.replace_nanosecond(millis).unwrap_or(t))
}

/// The longest span the emulator reckons with: longer TTLs, delays and clock moves are
/// capped there, so that time arithmetic never overflows.
pub(super) use crate::limits::MAX_SPAN_SECS;

/// `t` plus `secs` seconds (capped at [`MAX_SPAN_SECS`]).
pub(super) fn after(t: OffsetDateTime, secs: u64) -> OffsetDateTime {
    t + time::Duration::seconds(i64::try_from(secs.min(MAX_SPAN_SECS)).unwrap_or(0))
}

/// Everything the IDV service remembers.
#[derive(Debug, Default)]
pub(super) struct Inner {
    pub(super) sessions: Sessions,
    /// `PUT /apps/{sdkId}/response-config`, by SDK id.
    pub(super) app_configs: HashMap<String, StoredConfig>,
}

/// A response configuration as `PUT` (answered back unchanged by `GET`) and as read. Kept
/// in a state file as the JSON put (and parsed again when loaded).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "serde_json::Value", try_from = "serde_json::Value")]
pub(super) struct StoredConfig {
    pub(super) raw: serde_json::Value,
    pub(super) parsed: ResponseConfig,
}

/// A session looked up and brought up to date, with its application's response
/// configuration (if any) borrowed beside it.
#[derive(Debug)]
pub(super) struct Handle<'a> {
    pub(super) session: &'a mut Session,
    pub(super) app_config: Option<&'a ResponseConfig>,
}

impl Inner {
    /// Drops some of the sessions whose `resources_ttl` has run out (with all their resources
    /// and media), a bounded number per call: see [`Sessions::sweep`].
    pub(super) fn purge(&mut self, now: OffsetDateTime) {
        self.sessions.sweep(now);
    }

    /// The session `id`, settled to `now`, if it exists and (when `owner` is given) belongs to
    /// that application: 404 `SESSION_NOT_FOUND` otherwise, with the same body either way.
    pub(super) fn session(
        &mut self,
        id: &str,
        owner: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Handle<'_>, ApiError> {
        let session = self
            .sessions
            .live_mut(id, now)
            .filter(|s| owner.is_none_or(|o| o == s.owner))
            .ok_or_else(|| session_not_found(id))?;
        let app_config = self.app_configs.get(&session.owner).map(|c| &c.parsed);
        lifecycle::settle(session, app_config, now);
        Ok(Handle {
            session,
            app_config,
        })
    }

    /// The session `id` for a client presenting `token` (`X-Yoti-Auth-Token`):
    ///
    /// - no token: 401 `MISSING_TOKEN`; a token no session ever had: 401 `INVALID_TOKEN`;
    /// - the token of another session: 404 `SESSION_NOT_FOUND`, exactly as for an unknown
    ///   session (nothing of the other session is revealed);
    /// - this session's token after checks were triggered (deleted): 401 `INVALID_TOKEN`;
    /// - this session's token after its TTL or deadline: 409 `TOKEN_EXPIRED`.
    ///
    /// Tokens are compared in constant time.
    pub(super) fn client_session(
        &mut self,
        id: &str,
        token: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Handle<'_>, ApiError> {
        let Some(token) = token else {
            return Err(ApiError::idv(
                StatusCode::UNAUTHORIZED,
                "MISSING_TOKEN",
                "The X-Yoti-Auth-Token header is missing.",
            ));
        };
        let holder = self.sessions.holder_of(token, now).map(str::to_owned);
        match holder {
            None => Err(invalid_token()),
            Some(holder) if holder != id => Err(session_not_found(id)),
            Some(_) => {
                let handle = self.session(id, None, now)?;
                match handle.session.token_state {
                    TokenState::Active => Ok(handle),
                    TokenState::Expired => Err(ApiError::idv(
                        StatusCode::CONFLICT,
                        "TOKEN_EXPIRED",
                        "The client session token has expired.",
                    )),
                    TokenState::Deleted => Err(ApiError::idv(
                        StatusCode::UNAUTHORIZED,
                        "INVALID_TOKEN",
                        "The client session token was deleted when the checks were triggered.",
                    )),
                }
            }
        }
    }

    /// The notifications every session queued, to deliver once the lock is released.
    pub(super) fn take_outboxes(&mut self) -> Vec<Delivery> {
        self.sessions.take_outboxes()
    }
}

pub(super) fn session_not_found(id: &str) -> ApiError {
    ApiError::idv(
        StatusCode::NOT_FOUND,
        "SESSION_NOT_FOUND",
        format!("No session with id {id:?}."),
    )
}

fn invalid_token() -> ApiError {
    ApiError::idv(
        StatusCode::UNAUTHORIZED,
        "INVALID_TOKEN",
        "The client session token is not valid.",
    )
}

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Phase {
    /// The user is providing resources (state `ONGOING`).
    Ongoing,
    /// Checks were triggered and are running (state `ONGOING`).
    Triggered,
    /// Every check is done (state `COMPLETED`).
    Completed,
    /// The client session token ran out before checks were triggered (state `EXPIRED`).
    Expired,
}

/// The client session token's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TokenState {
    Active,
    /// Deleted when the checks were triggered.
    Deleted,
    /// Its TTL or the session deadline passed.
    Expired,
}

/// A media type the emulator serves (named, so that serde does not take `&'static str` for
/// a borrow of the input).
pub(super) type ContentType = &'static str;

/// A stored media item (in a state file, its bytes are base64).
#[derive(Serialize, Deserialize)]
pub(super) struct MediaRec {
    pub(super) kind: MediaType,
    /// The `Content-Type` it is served with (never with parameters).
    #[serde(with = "super::snapshot::content_type")]
    pub(super) content_type: ContentType,
    #[serde(with = "super::snapshot::base64_bytes")]
    pub(super) bytes: Bytes,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) created: OffsetDateTime,
    /// Regulations forbid serving it: `GET .../content` answers 204.
    pub(super) withheld: bool,
    /// Its content was deleted (`DELETE .../content`): 404 afterwards.
    pub(super) deleted: bool,
}

impl fmt::Debug for MediaRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaRec")
            .field("kind", &self.kind)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .field("withheld", &self.withheld)
            .field("deleted", &self.deleted)
            .finish_non_exhaustive()
    }
}

/// A resource the session asks for, derived from its specification.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Requirement {
    pub(super) id: String,
    pub(super) kind: RequirementKind,
    /// The resource assigned to it, once the client created one.
    pub(super) resource: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) enum RequirementKind {
    IdDocument {
        filter: Option<DocumentFilter>,
        tasks: Vec<RequestedTask>,
    },
    Supplementary {
        spec: Box<RequiredSupplementaryDocument>,
        tasks: Vec<RequestedTask>,
    },
    Liveness(LivenessType),
    FaceCapture,
}

impl RequirementKind {
    pub(super) fn wire_type(&self) -> RequiredResourceType {
        match self {
            Self::IdDocument { .. } => RequiredResourceType::IdDocument,
            Self::Supplementary { .. } => RequiredResourceType::SupplementaryDocument,
            Self::Liveness(_) => RequiredResourceType::Liveness,
            Self::FaceCapture => RequiredResourceType::FaceCapture,
        }
    }
}

/// ID document or supplementary document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum DocKind {
    Id,
    Supplementary,
}

impl DocKind {
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Id => "ID_DOCUMENT",
            Self::Supplementary => "SUPPLEMENTARY_DOCUMENT",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PageRec {
    pub(super) capture_method: Option<CaptureMethod>,
    pub(super) media: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct TaskRec {
    pub(super) id: String,
    pub(super) kind: TaskType,
    pub(super) spec: RequestedTask,
    pub(super) state: TaskState,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) updated: OffsetDateTime,
    pub(super) generated_media: Vec<String>,
    pub(super) generated_checks: Vec<(String, CheckType)>,
    pub(super) recommendation: Option<TaskRecommendation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct DocResource {
    pub(super) id: String,
    pub(super) kind: DocKind,
    pub(super) source: SourceType,
    pub(super) document_type: String,
    pub(super) issuing_country: String,
    pub(super) pages: BTreeMap<u32, PageRec>,
    pub(super) document_fields: Option<String>,
    pub(super) document_id_photo: Option<String>,
    pub(super) tasks: Vec<TaskRec>,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) updated: OffsetDateTime,
    /// RESOURCE_UPDATE was sent (once, when the resource became complete).
    pub(super) announced: bool,
}

impl DocResource {
    /// Pages needed: one for a passport or a supplementary document, two (front and back)
    /// for any other ID document.
    pub(super) fn pages_needed(&self) -> usize {
        if self.kind == DocKind::Supplementary || self.document_type == "PASSPORT" {
            1
        } else {
            2
        }
    }

    pub(super) fn is_complete(&self) -> bool {
        self.pages.len() >= self.pages_needed()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct LivenessRec {
    pub(super) id: String,
    pub(super) kind: LivenessType,
    pub(super) frames: BTreeMap<u32, String>,
    pub(super) facemap: Option<String>,
    pub(super) image: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) updated: OffsetDateTime,
    pub(super) announced: bool,
}

/// Frames a complete ZOOM liveness capture has (Yoti: "the first three frames should always
/// have media in a completed zoom liveness resource").
pub(super) const ZOOM_FRAMES_NEEDED: usize = 3;

impl LivenessRec {
    pub(super) fn is_complete(&self) -> bool {
        match self.kind {
            LivenessType::Zoom => self.facemap.is_some() && self.frames.len() >= ZOOM_FRAMES_NEEDED,
            _ => self.image.is_some(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FaceCaptureRec {
    pub(super) id: String,
    pub(super) source: SourceType,
    pub(super) image: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) updated: OffsetDateTime,
    pub(super) announced: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CheckRec {
    pub(super) id: String,
    pub(super) kind: CheckType,
    pub(super) state: CheckState,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) updated: OffsetDateTime,
    pub(super) resources_used: Vec<String>,
    pub(super) report: Option<CheckReport>,
    /// When a PENDING check becomes DONE.
    #[serde(with = "time::serde::rfc3339::option")]
    pub(super) due: Option<OffsetDateTime>,
}

/// One IDV session (as kept in a state file: everything but the outbox, which is empty
/// between requests).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Session {
    pub(super) id: String,
    /// The SDK id of the application that created it (others get 404).
    pub(super) owner: String,
    pub(super) spec: SessionSpec,
    #[serde(with = "super::snapshot::token")]
    pub(super) token: ClientSessionToken,
    pub(super) token_state: TokenState,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) token_expires: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) resources_expire: OffsetDateTime,
    pub(super) phase: Phase,
    pub(super) requirements: Vec<Requirement>,
    pub(super) documents: Vec<DocResource>,
    pub(super) liveness: Vec<LivenessRec>,
    pub(super) face_captures: Vec<FaceCaptureRec>,
    pub(super) checks: Vec<CheckRec>,
    pub(super) media: HashMap<String, MediaRec>,
    pub(super) devices: Vec<TrackedDeviceEvent>,
    pub(super) response_config: Option<StoredConfig>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub(super) biometric_consent: Option<OffsetDateTime>,
    /// Identity profiles, preview and import token (once a profile session completed).
    pub(super) profiles: super::profile::Profiles,
    /// Notifications queued under the lock, delivered after it is released.
    #[serde(skip)]
    pub(super) outbox: Vec<Delivery>,
}

impl Session {
    /// A new session for `spec` (already validated), created at `now`.
    pub(super) fn new(
        owner: String,
        spec: SessionSpec,
        now: OffsetDateTime,
        token_expires: OffsetDateTime,
        resources_ttl: u64,
    ) -> Self {
        let checks = spec
            .requested_checks
            .iter()
            .map(|c| CheckRec {
                id: new_id(),
                kind: c.kind(),
                state: CheckState::Created,
                created: now,
                updated: now,
                resources_used: Vec::new(),
                report: None,
                due: None,
            })
            .collect();
        let requirements = requirements_of(&spec);
        Self {
            id: new_id(),
            owner,
            token: ClientSessionToken::new(new_id()),
            token_state: TokenState::Active,
            token_expires,
            resources_expire: after(now, resources_ttl),
            phase: Phase::Ongoing,
            requirements,
            documents: Vec::new(),
            liveness: Vec::new(),
            face_captures: Vec::new(),
            checks,
            media: HashMap::new(),
            devices: Vec::new(),
            response_config: None,
            biometric_consent: None,
            profiles: super::profile::Profiles::default(),
            outbox: Vec::new(),
            spec,
        }
    }

    /// Seconds left to the client (0 once the token is gone).
    pub(super) fn token_ttl(&self, now: OffsetDateTime) -> u64 {
        if self.token_state != TokenState::Active {
            return 0;
        }
        u64::try_from((self.token_expires - now).whole_seconds().max(0)).unwrap_or(0)
    }

    pub(super) fn wire_state(&self) -> SessionState {
        match self.phase {
            Phase::Ongoing | Phase::Triggered => SessionState::Ongoing,
            Phase::Completed => SessionState::Completed,
            Phase::Expired => SessionState::Expired,
        }
    }

    /// Stores a media item; answers its id.
    pub(super) fn add_media(
        &mut self,
        kind: MediaType,
        content_type: &'static str,
        bytes: impl Into<Bytes>,
        now: OffsetDateTime,
    ) -> String {
        let id = new_id();
        self.media.insert(
            id.clone(),
            MediaRec {
                kind,
                content_type,
                bytes: bytes.into(),
                created: now,
                withheld: false,
                deleted: false,
            },
        );
        id
    }

    /// The metadata of a media item, as resources and tasks list it.
    pub(super) fn media_json(&self, id: &str) -> Media {
        match self.media.get(id) {
            Some(m) => Media::new(id, m.kind.clone()).at(ts(m.created)),
            None => Media::new(id, MediaType::Binary),
        }
    }

    fn container(&self, id: Option<&String>) -> Option<MediaContainer> {
        id.map(|id| MediaContainer::new(self.media_json(id)))
    }

    pub(super) fn requirement_complete(&self, requirement: &Requirement) -> bool {
        let Some(rid) = requirement.resource.as_deref() else {
            return false;
        };
        match requirement.kind {
            RequirementKind::IdDocument { .. } | RequirementKind::Supplementary { .. } => self
                .documents
                .iter()
                .any(|d| d.id == rid && d.is_complete()),
            RequirementKind::Liveness(_) => {
                self.liveness.iter().any(|l| l.id == rid && l.is_complete())
            }
            RequirementKind::FaceCapture => self
                .face_captures
                .iter()
                .any(|f| f.id == rid && f.image.is_some()),
        }
    }

    /// Records a tracked-device event.
    pub(super) fn track(
        &mut self,
        event: DeviceEventType,
        resource_id: Option<&str>,
        device: &DeviceInfo,
        now: OffsetDateTime,
    ) {
        let first = self.devices.is_empty();
        if first && event != DeviceEventType::ConfigFirstLoaded {
            self.devices.push(device_event(
                DeviceEventType::ConfigFirstLoaded,
                None,
                device,
                now,
            ));
        }
        self.devices
            .push(device_event(event, resource_id, device, now));
    }

    /// `GET /sessions/{id}`.
    pub(super) fn result(&self, now: OffsetDateTime) -> SessionResult {
        let mut resources = ResourceContainer::default();
        for d in &self.documents {
            let pages: Vec<Page> = d
                .pages
                .values()
                .map(|p| {
                    let mut model = Page::default();
                    model.capture_method = p.capture_method.clone();
                    model.media = Some(self.media_json(&p.media));
                    model
                })
                .collect();
            let tasks = d.tasks.iter().map(|t| self.task_json(t)).collect();
            match d.kind {
                DocKind::Id => resources.id_documents.push({
                    let mut model = IdDocumentResource::default();
                    model.id = Some(d.id.as_str().into());
                    model.source = Some(ResourceSource::new(d.source.clone()));
                    model.document_type = Some(d.document_type.clone());
                    model.issuing_country = Some(d.issuing_country.clone());
                    model.pages = pages;
                    model.document_fields = self.container(d.document_fields.as_ref());
                    model.document_id_photo = self.container(d.document_id_photo.as_ref());
                    model.created_at = Some(ts(d.created));
                    model.last_updated = Some(ts(d.updated));
                    model.tasks = tasks;
                    model
                }),
                DocKind::Supplementary => {
                    resources.supplementary_documents.push({
                        let mut model = SupplementaryDocumentResource::default();
                        model.id = Some(d.id.as_str().into());
                        model.source = Some(ResourceSource::new(d.source.clone()));
                        model.document_type = Some(d.document_type.clone());
                        model.issuing_country = Some(d.issuing_country.clone());
                        model.pages = pages;
                        model.document_fields = self.container(d.document_fields.as_ref());
                        model.created_at = Some(ts(d.created));
                        model.last_updated = Some(ts(d.updated));
                        model.tasks = tasks;
                        model
                    });
                }
            }
        }
        for l in &self.liveness {
            resources.liveness_capture.push({
                let mut model = LivenessResource::default();
                model.id = Some(l.id.as_str().into());
                model.source = Some(ResourceSource::new(SourceType::EndUser));
                model.liveness_type = Some(l.kind.clone());
                model.facemap = self.container(l.facemap.as_ref());
                model.frames = l
                    .frames
                    .values()
                    .map(|m| MediaContainer::new(self.media_json(m)))
                    .collect();
                model.image = self.container(l.image.as_ref());
                model.created_at = Some(ts(l.created));
                model.last_updated = Some(ts(l.updated));
                model
            });
        }
        for f in &self.face_captures {
            resources.face_capture.push({
                let mut model = FaceCaptureResource::default();
                model.id = Some(f.id.as_str().into());
                model.source = Some(ResourceSource::new(f.source.clone()));
                model.image = self.container(f.image.as_ref());
                model.created_at = Some(ts(f.created));
                model.last_updated = Some(ts(f.updated));
                model
            });
        }
        {
            let mut model = SessionResult::default();
            model.session_id = Some(self.id.as_str().into());
            model.client_session_token_ttl = Some(self.token_ttl(now));
            model.state = Some(self.wire_state());
            model.client_session_token = (self.token_state == TokenState::Active)
                .then(|| SecretString::new(self.token.expose_secret()));
            model.user_tracking_id = self.spec.user_tracking_id.clone();
            model.biometric_consent = self.biometric_consent.map(ts);
            model.resources = Some(resources);
            model.checks = self.checks.iter().map(|c| self.check_json(c)).collect();
            model.identity_profile = self.profiles.identity.clone();
            model.advanced_identity_profile = self.profiles.advanced.clone();
            model.identity_profile_preview = self.profiles.preview.clone();
            model.advanced_identity_profile_preview = self.profiles.advanced_preview.clone();
            model.import_token = self.profiles.import_token.clone();
            model
        }
    }

    fn task_json(&self, t: &TaskRec) -> Task {
        let mut model = Task::default();
        model.kind = Some(t.kind.clone());
        model.id = Some(t.id.as_str().into());
        model.state = Some(t.state.clone());
        model.created = Some(ts(t.created));
        model.last_updated = Some(ts(t.updated));
        model.generated_checks = t
            .generated_checks
            .iter()
            .map(|(id, kind)| {
                let mut model = GeneratedCheck::default();
                model.id = Some(id.as_str().into());
                model.kind = Some(kind.clone());
                model
            })
            .collect();
        model.generated_media = t
            .generated_media
            .iter()
            .map(|m| self.media_json(m))
            .collect();
        model.recommendation = t.recommendation.clone();
        model
    }

    fn check_json(&self, c: &CheckRec) -> Check {
        Check::new(c.kind.clone(), {
            let mut model = CheckResult::default();
            model.id = Some(c.id.as_str().into());
            model.state = Some(c.state.clone());
            model.resources_used = c.resources_used.iter().map(|r| r.as_str().into()).collect();
            model.report = c.report.clone();
            model.created = Some(ts(c.created));
            model.last_updated = Some(ts(c.updated));
            model
        })
    }
}

fn device_event(
    event: DeviceEventType,
    resource_id: Option<&str>,
    device: &DeviceInfo,
    now: OffsetDateTime,
) -> TrackedDeviceEvent {
    let mut model = TrackedDeviceEvent::default();
    model.event = Some(event);
    model.resource_id = resource_id.map(Into::into);
    model.created = Some(ts(now));
    model.device = Some(device.clone());
    model
}

/// The resources a specification asks for: its required documents; an ID document when a
/// check or task needs one and none is listed; a liveness capture for a `LIVENESS` check; a
/// face capture for a `FACE_COMPARISON` check.
fn requirements_of(spec: &SessionSpec) -> Vec<Requirement> {
    let tasks_of = |kind: TaskType| -> Vec<RequestedTask> {
        spec.requested_tasks
            .iter()
            .filter(|t| t.kind() == kind)
            .cloned()
            .collect()
    };
    let mut out = Vec::new();
    let mut push = |kind| {
        out.push(Requirement {
            id: new_id(),
            kind,
            resource: None,
        });
    };
    for document in &spec.required_documents {
        match document {
            RequiredDocument::IdDocument(d) => push(RequirementKind::IdDocument {
                filter: d.filter.clone(),
                tasks: tasks_of(TaskType::IdDocumentTextDataExtraction),
            }),
            RequiredDocument::SupplementaryDocument(d) => push(RequirementKind::Supplementary {
                spec: Box::new(d.clone()),
                tasks: tasks_of(TaskType::SupplementaryDocumentTextDataExtraction),
            }),
            _ => {}
        }
    }
    let has_id_document = spec
        .required_documents
        .iter()
        .any(|d| matches!(d, RequiredDocument::IdDocument(_)));
    let needs_id_document = spec.requested_checks.iter().any(|c| {
        matches!(
            c.kind(),
            CheckType::IdDocumentAuthenticity
                | CheckType::IdDocumentFaceMatch
                | CheckType::IdDocumentComparison
        )
    }) || spec
        .requested_tasks
        .iter()
        .any(|t| t.kind() == TaskType::IdDocumentTextDataExtraction);
    if needs_id_document && !has_id_document {
        push(RequirementKind::IdDocument {
            filter: None,
            tasks: tasks_of(TaskType::IdDocumentTextDataExtraction),
        });
    }
    for check in &spec.requested_checks {
        match check {
            RequestedCheck::Liveness { config } => push(RequirementKind::Liveness(
                config
                    .as_ref()
                    .and_then(|c| c.liveness_type.clone())
                    .unwrap_or(LivenessType::Zoom),
            )),
            RequestedCheck::FaceComparison { .. } => push(RequirementKind::FaceCapture),
            _ => {}
        }
    }
    out
}

/// Whether a document filter lets a document of this type and country through (a filter
/// kind the emulator does not know lets everything through).
pub(super) fn filter_allows(
    filter: Option<&DocumentFilter>,
    doc_type: &str,
    country: &str,
) -> bool {
    fn listed(inclusion: &Inclusion, list: &[String], value: &str) -> bool {
        let present = list.iter().any(|v| v.eq_ignore_ascii_case(value));
        match inclusion {
            Inclusion::Exclude => !present,
            _ => present,
        }
    }
    match filter {
        None => true,
        Some(DocumentFilter::OrthogonalRestrictions(f)) => {
            f.country_restriction
                .as_ref()
                .is_none_or(|r| listed(&r.inclusion, &r.country_codes, country))
                && f.type_restriction
                    .as_ref()
                    .is_none_or(|r| listed(&r.inclusion, &r.document_types, doc_type))
        }
        Some(DocumentFilter::DocumentRestrictions(f)) => {
            let any = f.documents.iter().any(|d| {
                d.country_codes
                    .as_ref()
                    .is_none_or(|c| c.iter().any(|v| v.eq_ignore_ascii_case(country)))
                    && d.document_types
                        .as_ref()
                        .is_none_or(|t| t.iter().any(|v| v.eq_ignore_ascii_case(doc_type)))
            });
            match f.inclusion {
                Inclusion::Exclude => !any,
                _ => any,
            }
        }
        Some(_) => true,
    }
}

/// The catalogue's (country, document type) pairs a filter allows (non-latin documents
/// only when the filter allows them), as `supported_countries`.
pub(super) fn supported_countries(filter: Option<&DocumentFilter>) -> Vec<SupportedCountry> {
    let allow_non_latin = match filter {
        Some(DocumentFilter::OrthogonalRestrictions(f)) => {
            f.allow_non_latin_documents.unwrap_or(false)
        }
        Some(DocumentFilter::DocumentRestrictions(f)) => {
            f.allow_non_latin_documents.unwrap_or(false)
        }
        _ => false,
    };
    supported_documents::countries()
        .filter_map(|(code, docs)| {
            let supported_documents: Vec<_> = docs
                .iter()
                .filter(|(kind, latin)| {
                    (allow_non_latin || *latin) && filter_allows(filter, kind, code)
                })
                .map(|(kind, latin)| yoti_types::idv::SupportedDocument::new(*kind, *latin))
                .collect();
            (!supported_documents.is_empty()).then(|| {
                let mut model = SupportedCountry::default();
                model.code = code.to_owned();
                model.supported_documents = supported_documents;
                model
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn spec(json: &str) -> SessionSpec {
        serde_json::from_str(json).unwrap()
    }

    fn filter(json: &str) -> DocumentFilter {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn filters_let_through_what_they_allow() {
        let orthogonal = filter(
            r#"{"type": "ORTHOGONAL_RESTRICTIONS",
                "country_restriction": {"inclusion": "WHITELIST", "country_codes": ["GBR"]},
                "type_restriction": {"inclusion": "EXCLUDE", "document_types": ["PASSPORT"]}}"#,
        );
        assert!(filter_allows(Some(&orthogonal), "DRIVING_LICENCE", "GBR"));
        assert!(!filter_allows(Some(&orthogonal), "PASSPORT", "GBR"));
        assert!(!filter_allows(Some(&orthogonal), "DRIVING_LICENCE", "FRA"));
        let restrictions = filter(
            r#"{"type": "DOCUMENT_RESTRICTIONS", "inclusion": "INCLUDE",
                "documents": [{"country_codes": ["FRA"], "document_types": ["NATIONAL_ID"]},
                              {"document_types": ["PASSPORT"]}]}"#,
        );
        assert!(filter_allows(Some(&restrictions), "NATIONAL_ID", "FRA"));
        assert!(filter_allows(Some(&restrictions), "PASSPORT", "USA"));
        assert!(!filter_allows(Some(&restrictions), "NATIONAL_ID", "DEU"));
        assert!(filter_allows(None, "ANYTHING", "ANY"));
        let countries = supported_countries(Some(&restrictions));
        assert!(
            countries
                .iter()
                .all(|c| c.code == "FRA"
                    || c.supported_documents.iter().all(|d| d.kind == "PASSPORT"))
        );
        assert!(countries.iter().any(|c| {
            c.code == "FRA"
                && c.supported_documents
                    .iter()
                    .any(|d| d.kind == "NATIONAL_ID")
        }));
    }

    #[test]
    fn requirements_follow_documents_checks_and_tasks() {
        let kinds = |json: &str| -> Vec<String> {
            requirements_of(&spec(json))
                .iter()
                .map(|r| r.kind.wire_type().as_str().to_owned())
                .collect()
        };
        assert_eq!(kinds("{}"), Vec::<String>::new());
        assert_eq!(
            kinds(
                r#"{"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}, {"type": "LIVENESS", "config": {"liveness_type": "STATIC"}}, {"type": "FACE_COMPARISON"}]}"#
            ),
            ["ID_DOCUMENT", "LIVENESS", "FACE_CAPTURE"]
        );
        assert_eq!(
            kinds(
                r#"{"required_documents": [{"type": "ID_DOCUMENT"}, {"type": "SUPPLEMENTARY_DOCUMENT"}], "requested_checks": [{"type": "ID_DOCUMENT_FACE_MATCH"}]}"#
            ),
            ["ID_DOCUMENT", "SUPPLEMENTARY_DOCUMENT"]
        );
    }

    #[test]
    fn client_tokens_open_their_own_session_only() {
        let now = datetime!(2030-01-01 00:00 UTC);
        let mut inner = Inner::default();
        let a = Session::new("app".into(), spec("{}"), now, after(now, 60), 86_700);
        let b = Session::new("app".into(), spec("{}"), now, after(now, 60), 86_700);
        let (a_id, a_token) = (a.id.clone(), a.token.expose_secret().to_owned());
        let b_token = b.token.expose_secret().to_owned();
        inner.sessions.insert(a.id.clone(), a);
        inner.sessions.insert(b.id.clone(), b);
        let code = |r: Result<Handle<'_>, ApiError>| r.map(|_| ()).map_err(|e| e.code);
        assert_eq!(
            code(inner.client_session(&a_id, Some(&a_token), now)),
            Ok(())
        );
        assert_eq!(
            code(inner.client_session(&a_id, None, now)),
            Err("MISSING_TOKEN".into())
        );
        assert_eq!(
            code(inner.client_session(&a_id, Some("nope"), now)),
            Err("INVALID_TOKEN".into())
        );
        assert_eq!(
            code(inner.client_session(&a_id, Some(&b_token), now)),
            Err("SESSION_NOT_FOUND".into())
        );
        assert_eq!(
            code(inner.client_session(&a_id, Some(&a_token), after(now, 60))),
            Err("TOKEN_EXPIRED".into())
        );
        assert_eq!(
            inner.sessions[&a_id].result(after(now, 60)).state,
            Some(SessionState::Expired)
        );
        assert_eq!(
            code(inner.session(&a_id, Some("another-app"), now)),
            Err("SESSION_NOT_FOUND".into())
        );
        inner.purge(after(now, 86_700));
        assert!(inner.sessions.is_empty(), "resources_ttl");
    }

    #[test]
    fn timestamps_have_millisecond_precision() {
        let t = datetime!(2030-01-02 03:04:05.123456789 UTC);
        assert_eq!(ts(t).as_str(), "2030-01-02T03:04:05.123Z");
        assert_eq!(after(t, u64::MAX), after(t, MAX_SPAN_SECS));
    }
}
