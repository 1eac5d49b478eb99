//! Test and benchmark aids: in-process shortcuts that no Yoti API offers.
//!
//! [`Emulator::put_media`](crate::Emulator::put_media) stores media content of any size in a
//! session. The client endpoints only take what a real end user sends (images under the body
//! limit, decoded and checked), so without it nothing could serve, say, the 50 MB media the
//! SDK's streaming benchmark downloads (`tests/benches/media.rs`).

use bytes::Bytes;
use yoti_types::idv::MediaType;

use yoti_types::idv::SessionSpec;

use super::lifecycle::{wake_at, with_inner};
use super::model::{Session, after};
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

    /// Creates `count` IDV sessions of `sdk_id` from the specification `spec_json` straight
    /// in the store, each as `POST /sessions` would (its expiry timer included, a client
    /// session token valid for an hour), and answers each one's id and client session token.
    ///
    /// A benchmark aid, not part of Yoti's API: 100 000 live sessions take a second this way,
    /// where signed requests would take minutes. Call it inside a Tokio runtime. The
    /// specification is not validated.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when `spec_json` is not a session
    /// specification.
    pub fn seed_idv_sessions(
        &self,
        sdk_id: &str,
        spec_json: &str,
        count: usize,
    ) -> Result<Vec<(String, String)>, crate::Error> {
        /// Seeded sessions stay live for the length of a benchmark.
        const TOKEN_TTL: u64 = 3_600;
        const RESOURCES_TTL: u64 = 87_000;
        let spec: SessionSpec = serde_json::from_str(spec_json)
            .map_err(|e| crate::Error::Config(format!("not a session specification: {e}")))?;
        let mut made = Vec::with_capacity(count);
        let mut left = count;
        while left > 0 {
            // A thousand at a time, so that requests are not held up for long.
            let n = left.min(1_000);
            left -= n;
            let now = self.shared.idv.clock.now();
            let expires = after(now, TOKEN_TTL);
            let sessions: Vec<Session> = (0..n)
                .map(|_| Session::new(sdk_id.to_owned(), spec.clone(), now, expires, RESOURCES_TTL))
                .collect();
            let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
            made.extend(
                sessions
                    .iter()
                    .map(|s| (s.id.clone(), s.token.expose_secret().to_owned())),
            );
            with_inner(&self.shared, |inner, _| {
                for session in sessions {
                    inner.sessions.insert(session.id.clone(), session);
                }
            });
            for id in ids {
                wake_at(&self.shared, id, expires);
            }
        }
        Ok(made)
    }

    /// How many IDV sessions the emulator holds (those past their `resources_ttl` but not yet
    /// swept included). A test and benchmark aid.
    pub fn idv_session_count(&self) -> usize {
        self.shared.idv.lock().sessions.len()
    }
}
