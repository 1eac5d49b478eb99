//! `POST /sessions/{id}/resources/face-capture`: create the resource that satisfies a face
//! capture requirement (then upload its image).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{RequirementId, ResourceId};

/// The body: `{"requirement_id": ..}` (the id of a `FACE_CAPTURE` required resource of the
/// session configuration).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreateFaceCaptureResourceRequest {
    /// The requirement to satisfy.
    pub requirement_id: RequirementId,
}

impl CreateFaceCaptureResourceRequest {
    /// A request for one requirement.
    pub fn new(requirement_id: impl Into<RequirementId>) -> Self {
        Self {
            requirement_id: requirement_id.into(),
        }
    }
}

/// The answer: `{"id": .., "frames": ..}`, the new resource's id and the number of image
/// frames it expects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateFaceCaptureResourceResponse {
    /// The new resource's id.
    pub id: ResourceId,
    /// How many image frames the resource expects (Yoti's Node SDK requires it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u32>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateFaceCaptureResourceResponse {
    /// An answer with the new resource's id and the frames it expects.
    pub fn new(id: impl Into<ResourceId>, frames: u32) -> Self {
        Self {
            id: id.into(),
            frames: Some(frames),
            extra: Map::new(),
        }
    }
}
