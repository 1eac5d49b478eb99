//! Test and benchmark aids: in-process shortcuts that no Yoti API offers.
//!
//! [`Emulator::put_media`](crate::Emulator::put_media) stores media content of any size in a
//! session. The client endpoints only take what a real end user sends (images under the body
//! limit, decoded and checked), so without it nothing could serve, say, the 50 MB media the
//! SDK's streaming benchmark downloads (`tests/benches/media.rs`).

use bytes::Bytes;
use yoti_types::idv::MediaType;

use super::lifecycle::with_inner;
use crate::Emulator;

impl Emulator {
    /// Stores `content` as a new media item of the session `session_id` (whatever its owner
    /// and state) and answers its id, or `None` when there is no such session.
    ///
    /// A test and benchmark aid, not part of Yoti's API: the content is then served by the
    /// signed `GET /sessions/{id}/media/{media_id}/content` (and deleted by its `DELETE`) like
    /// any other media, but the item is not listed in the session's resources or tasks.
    ///
    /// `content_type` is the `Content-Type` it is served with (without parameters); the
    /// media type follows from it: `image/*` is `IMAGE`, `application/json` is `JSON`,
    /// `application/pdf` is `PDF`, anything else `BINARY`.
    pub fn put_media(
        &self,
        session_id: &str,
        content_type: &'static str,
        content: impl Into<Bytes>,
    ) -> Option<String> {
        let kind = match content_type {
            t if t.starts_with("image/") => MediaType::Image,
            "application/json" => MediaType::Json,
            "application/pdf" => MediaType::Pdf,
            _ => MediaType::Binary,
        };
        let content = content.into();
        with_inner(&self.shared, |inner, now| {
            let session = inner.session(session_id, None, now).ok()?.session;
            Some(session.add_media(kind, content_type, content, now))
        })
    }

    /// How many IDV sessions the emulator holds (those past their `resources_ttl` but not yet
    /// swept included). A test and benchmark aid.
    pub fn idv_session_count(&self) -> usize {
        self.shared.idv.lock().sessions.len()
    }
}
