//! Media metadata: what a session result says about an image, JSON document, binary or PDF.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::MediaId;
use crate::Timestamp;

open_enum! {
    /// The content type family of a media item.
    pub enum MediaType {
        /// `IMAGE`: a JPEG or PNG.
        Image = "IMAGE",
        /// `JSON`: a JSON document (document fields, reports, raw results).
        Json = "JSON",
        /// `BINARY`: opaque bytes (a 3D face map).
        Binary = "BINARY",
        /// `PDF`: a PDF document.
        Pdf = "PDF",
    }
}

/// Metadata of one media item: `{"id", "type", "created", "last_updated"}`.
///
/// Also the shape of `generated_media` entries (which carry only `id` and `type`). Fetch the
/// content with `GET /sessions/{session_id}/media/{id}/content`.
///
/// Yoti's own SDKs accept `"media": {}` (no `id`, for example in an `identity_profile_report`
/// or the image of a face capture); so does this model: the id is then empty
/// ([`Media::has_id`] is false), is not serialized back, and whatever else was there is kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Media {
    /// The media id (empty when the service sent none).
    #[serde(default = "absent_id", skip_serializing_if = "is_absent")]
    pub id: MediaId,
    /// The content type family.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// When the media was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// When the media was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn absent_id() -> MediaId {
    MediaId::new(String::new())
}

fn is_absent(id: &MediaId) -> bool {
    id.as_str().is_empty()
}

impl Media {
    /// Whether the service named the media (`false` for `"media": {}`): only then can its
    /// content be fetched.
    pub fn has_id(&self) -> bool {
        !is_absent(&self.id)
    }

    /// Media with an id and a type, no timestamps.
    pub fn new(id: impl Into<MediaId>, media_type: MediaType) -> Self {
        Self {
            id: id.into(),
            media_type: Some(media_type),
            created: None,
            last_updated: None,
            extra: Map::new(),
        }
    }

    /// Sets both `created` and `last_updated`.
    #[must_use]
    pub fn at(mut self, time: impl Into<Timestamp>) -> Self {
        let time = time.into();
        self.created = Some(time.clone());
        self.last_updated = Some(time);
        self
    }
}

/// An object whose only job is to hold a media item: `{"media": {...}}` (a page, a frame, a
/// face map, document fields, a file, a raw result...). `media` may be absent or `null`, for
/// example in the frames of a liveness capture that were not all filled.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaContainer {
    /// The media item, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MediaContainer {
    /// A container holding `media`.
    pub fn new(media: Media) -> Self {
        Self {
            media: Some(media),
            extra: Map::new(),
        }
    }
}

impl From<Media> for MediaContainer {
    fn from(media: Media) -> Self {
        Self::new(media)
    }
}
