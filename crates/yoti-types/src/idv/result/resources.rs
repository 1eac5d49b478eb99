//! `resources`: what the user provided (documents, liveness captures, face captures, ...).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tasks::Task;
use crate::Timestamp;
use crate::idv::media::{Media, MediaContainer};
use crate::idv::serde_util::{opt_any_case, tasks_lenient};
use crate::idv::{CaptureMethod, LivenessType, MediaId, ResourceId};

open_enum! {
    /// Who provided a resource.
    pub enum SourceType {
        /// `END_USER`: the user, through the client.
        EndUser = "END_USER",
        /// `RELYING_BUSINESS`: you, through the API.
        RelyingBusiness = "RELYING_BUSINESS",
        /// `IBV`: an in-branch agent.
        Ibv = "IBV",
    }
}

/// `source` of a resource: `{"type": ..}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceSource {
    /// Who provided the resource.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SourceType>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResourceSource {
    /// `{"type": kind}`.
    pub fn new(kind: SourceType) -> Self {
        Self {
            kind: Some(kind),
            extra: Map::new(),
        }
    }
}

/// A frame of a page or of a liveness capture: `{"media": ..}`, possibly empty.
pub type Frame = MediaContainer;

/// A page of a document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page {
    /// How the page was captured (any case is accepted on input).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_any_case"
    )]
    pub capture_method: Option<CaptureMethod>,
    /// The image of the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// The frames of the capture.
    #[serde(default)]
    pub frames: Vec<Frame>,
    /// Images used for extraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction_image_ids: Option<Vec<MediaId>>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `id_documents`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdDocumentResource {
    /// The resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResourceId>,
    /// Who provided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResourceSource>,
    /// The document type (`PASSPORT`, `DRIVING_LICENCE`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// The issuing country (ISO 3166-1 alpha-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// The pages.
    #[serde(default)]
    pub pages: Vec<Page>,
    /// The extracted text (a JSON media item: see
    /// [`DocumentFields`](super::DocumentFields)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_fields: Option<MediaContainer>,
    /// The expanded extracted text, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded_document_fields: Option<MediaContainer>,
    /// The photo of the holder cut from the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id_photo: Option<MediaContainer>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the resource was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Tasks run on the resource.
    #[serde(default, deserialize_with = "tasks_lenient")]
    pub tasks: Vec<Task>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `supplementary_documents` (a utility bill, a bank statement...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SupplementaryDocumentResource {
    /// The resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResourceId>,
    /// Who provided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResourceSource>,
    /// The document type (`UTILITY_BILL`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// The issuing country (ISO 3166-1 alpha-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// The uploaded file (a PDF or image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<MediaContainer>,
    /// The pages.
    #[serde(default)]
    pub pages: Vec<Page>,
    /// The extracted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_fields: Option<MediaContainer>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the resource was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Tasks run on the resource.
    #[serde(default, deserialize_with = "tasks_lenient")]
    pub tasks: Vec<Task>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `liveness_capture`.
///
/// One struct for every liveness type: `STATIC` fills `image`, `ZOOM` fills `facemap` and
/// `frames` (the first three frames hold media; frames 4 to 7 may be empty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LivenessResource {
    /// The resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResourceId>,
    /// Who provided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResourceSource>,
    /// `STATIC`, `ZOOM`, or a type this version does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_type: Option<LivenessType>,
    /// The 3D face map (`ZOOM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facemap: Option<MediaContainer>,
    /// The frames (`ZOOM`).
    #[serde(default)]
    pub frames: Vec<Frame>,
    /// The selfie (`STATIC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaContainer>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the resource was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Tasks run on the resource.
    #[serde(default, deserialize_with = "tasks_lenient")]
    pub tasks: Vec<Task>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `face_capture`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaceCaptureResource {
    /// The resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResourceId>,
    /// Who provided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResourceSource>,
    /// The face image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaContainer>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the resource was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Tasks run on the resource.
    #[serde(default, deserialize_with = "tasks_lenient")]
    pub tasks: Vec<Task>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `share_codes`: a Yoti share code the user provided. Only the common resource
/// fields are modelled; the rest is kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShareCodeResource {
    /// The resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResourceId>,
    /// Who provided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResourceSource>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the resource was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Tasks run on the resource.
    #[serde(default, deserialize_with = "tasks_lenient")]
    pub tasks: Vec<Task>,
    /// Fields this version does not model (profiles, photos, files...), kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `applicant_profiles` (in-branch and identity profile sessions).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApplicantProfileResource {
    /// The resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResourceId>,
    /// Who provided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ResourceSource>,
    /// The profile (a JSON media item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the resource was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Tasks run on the resource.
    #[serde(default, deserialize_with = "tasks_lenient")]
    pub tasks: Vec<Task>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `resources` of a session result.
///
/// The four lists every session has are always sent (empty when empty); `share_codes` and
/// `applicant_profiles` only when not empty; any other resource list is kept as JSON in
/// [`other`](Self::other).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceContainer {
    /// ID documents.
    #[serde(default)]
    pub id_documents: Vec<IdDocumentResource>,
    /// Supplementary documents.
    #[serde(default)]
    pub supplementary_documents: Vec<SupplementaryDocumentResource>,
    /// Liveness captures.
    #[serde(default)]
    pub liveness_capture: Vec<LivenessResource>,
    /// Face captures.
    #[serde(default)]
    pub face_capture: Vec<FaceCaptureResource>,
    /// Share codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_codes: Vec<ShareCodeResource>,
    /// Applicant profiles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applicant_profiles: Vec<ApplicantProfileResource>,
    /// Resource lists this version does not model, kept as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
