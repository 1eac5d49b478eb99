//! Identity Verification (IDV) models: session specifications, results, media, sandbox
//! configuration.
//!
//! Map of the module:
//!
//! | module | wire shape |
//! |---|---|
//! | [`spec`] | `POST /sessions` body ([`SessionSpec`], built and validated by [`SessionSpecBuilder`]) |
//! | [`session`] | `POST /sessions` answer, `GET /sessions/{id}/configuration` answer |
//! | [`result`] | `GET /sessions/{id}` answer ([`SessionResult`]): resources, checks, tasks, profiles, and the JSON media Yoti links from it (document fields, watchlist raw results, identity profile reports) |
//! | [`media`] | media metadata (`{"id", "type", "created", "last_updated"}`) |
//! | [`supported_documents`] | `GET /supported-documents` answer |
//! | [`devices`] | `GET /sessions/{id}/tracked-devices` answer |
//! | [`face_capture`] | `POST /sessions/{id}/resources/face-capture` body and answer |
//! | [`notification`] | webhook bodies Yoti POSTs to `notifications.endpoint` |
//! | [`error`] | IDV error bodies |
//! | [`sandbox`] | sandbox `response-config` bodies and the sandbox `/agent` body |
//!
//! Conventions, everywhere in this module:
//! - every server enum is open (`Unknown(..)` keeps new values);
//! - response structs keep the fields they do not model in an `extra` map, so that
//!   re-serializing a parsed body loses nothing;
//! - check, task, document and filter kinds this version does not know parse into a generic
//!   form that keeps their JSON;
//! - request structs serialize only what was set.

pub mod devices;
pub mod error;
pub mod face_capture;
mod kinds;
pub mod media;
pub mod notification;
pub mod result;
pub mod sandbox;

mod serde_util;
pub mod session;
pub mod spec;
pub mod supported_documents;

pub use crate::SecretString;
pub use devices::{DeviceEventType, DeviceInfo, TrackedDeviceEvent};
pub use error::{IdvErrorBody, IdvErrorCode, IdvFieldError};
pub use face_capture::{CreateFaceCaptureResourceRequest, CreateFaceCaptureResourceResponse};
pub use kinds::{CaptureMethod, CheckType, LivenessType, TaskType};
pub use media::{Media, MediaContainer, MediaType};
pub use notification::{Notification, WebhookTopic};
pub use result::{
    Check, CheckReport, CheckResult, CheckState, DocumentFields, Recommendation,
    RecommendationValue, ResourceContainer, SessionResult, SessionState, Task, UnknownCheck,
};
pub use sandbox::{CheckReports, ResponseConfig, SandboxCheck, SandboxTextExtraction, TaskResults};
pub use session::{CreateSessionResponse, SessionConfiguration};
pub use spec::{
    DocumentFilter, NotificationConfig, NotificationTopic, RequestedCheck, RequestedTask,
    RequiredDocument, SdkConfig, SessionSpec, SessionSpecBuilder, ValidationOptions,
};
pub use supported_documents::{SupportedCountry, SupportedDocument, SupportedDocumentsResponse};

string_id! {
    /// The id of an IDV session (a UUID in practice, kept as sent).
    pub struct SessionId;
}

string_id! {
    /// The id of a media item (image, JSON, binary or PDF) of a session.
    pub struct MediaId;
}

string_id! {
    /// The id of a resource of a session (an ID document, a liveness capture, ...).
    pub struct ResourceId;
}

string_id! {
    /// The id of a check of a session.
    pub struct CheckId;
}

string_id! {
    /// The id of a task of a session.
    pub struct TaskId;
}

string_id! {
    /// The id of a resource requirement in a session's configuration, used to create the
    /// resource that satisfies it (for example a face capture).
    pub struct RequirementId;
}
