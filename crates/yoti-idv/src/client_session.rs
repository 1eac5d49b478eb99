//! [`ClientSession`]: the end user's side of a session, authenticated by the client session
//! token (`X-Yoti-Auth-Token`, no signature).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yoti_auth::ClientSessionToken;
use yoti_http::Transport;
use yoti_internal::operation_span;
use yoti_types::idv::{CaptureMethod, RequirementId, ResourceId, SessionId};

use crate::Error;
use crate::call::{Auth, Call, Req, empty, execute, json};
use crate::client::{DEFAULT_BASE_URL, face_capture_image_path, segment, session_path};
use crate::multipart::{Image, Part, multipart};

/// The path of "trigger checks", relative to the IDV base URL, with `{session_id}` to
/// replace.
///
/// Yoti does not publish this path: it is **this project's** choice (WIRE-NOTES section 3),
/// served by `yoti-emulator`. Kept here, in one place, so that it is easy to change.
pub const TRIGGER_CHECKS_PATH: &str = "/sessions/{session_id}/checks/trigger";

/// The name of the JSON descriptor part of an ID document page upload (the other part is
/// `binary-content`).
pub const PAGE_DESCRIPTOR_PART: &str = "descriptor";

struct Inner {
    base_url: String,
    transport: Transport,
    session_id: SessionId,
    token: ClientSessionToken,
}

/// The client side of one session: what the end user's device (or a test playing the end
/// user, against Yoti's sandbox or the emulator) does with the session's client session
/// token. No request is signed; the token goes in `X-Yoti-Auth-Token`.
///
/// Cheap to clone. `Debug` never shows the token.
///
/// Make one with [`IdvClient::client_session_for`](crate::IdvClient::client_session_for)
/// (right after creating the session),
/// [`IdvClient::client_session`](crate::IdvClient::client_session), [`ClientSession::new`] or
/// [`ClientSession::builder`].
#[derive(Clone)]
pub struct ClientSession {
    inner: Arc<Inner>,
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("session_id", &self.inner.session_id)
            .field("token", &self.inner.token)
            .field("base_url", &self.inner.base_url)
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// The client side of session `session_id` on Yoti's production base URL.
    ///
    /// # Errors
    /// [`Error::Validation`] when the session id is empty.
    pub fn new(session_id: impl Into<SessionId>, token: ClientSessionToken) -> Result<Self, Error> {
        Self::builder().session_id(session_id).token(token).build()
    }

    /// A builder, to set the base URL (the sandbox, the emulator) or the transport.
    pub fn builder() -> ClientSessionBuilder {
        ClientSessionBuilder::default()
    }

    pub(crate) fn from_parts(
        base_url: String,
        transport: Transport,
        session_id: SessionId,
        token: ClientSessionToken,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                base_url,
                transport,
                session_id,
                token,
            }),
        }
    }

    /// The session id.
    pub fn session_id(&self) -> &SessionId {
        &self.inner.session_id
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    fn call<T: Send + 'static>(
        &self,
        req: Result<Req, Error>,
        answer: fn(
            http::Response<yoti_http::Body>,
        ) -> crate::call::BoxFuture<'static, Result<T, Error>>,
    ) -> Call<T> {
        let inner = self.inner.clone();
        match req {
            Err(e) => Call::fail(e),
            Ok(req) => Call::new(move |options| async move {
                let response = execute(
                    &inner.transport,
                    &inner.base_url,
                    Auth::Token(&inner.token),
                    &req,
                    &options,
                )
                .await?;
                answer(response).await
            }),
        }
    }

    fn call_empty(&self, req: Result<Req, Error>) -> Call<()> {
        self.call(req, |r| Box::pin(async move { empty(r).await.map(drop) }))
    }

    fn call_json<T: DeserializeOwned + Send + 'static>(&self, req: Result<Req, Error>) -> Call<T> {
        self.call(req, |r| Box::pin(json(r)))
    }

    fn path(&self, rest: &str) -> Result<String, Error> {
        session_path(self.inner.session_id.as_str(), rest)
    }

    /// `PUT /sessions/{id}/resources/face-capture/{resource_id}/image`: uploads the image of
    /// a face capture resource (created by the backend with
    /// [`IdvClient::create_face_capture_resource`](crate::IdvClient::create_face_capture_resource)).
    /// Multipart: one `binary-content` part with a filename and `image/jpeg` or `image/png`.
    pub fn upload_face_capture_image(
        &self,
        resource_id: impl AsRef<str>,
        image: &Image,
    ) -> Call<()> {
        let req = face_capture_image_path(self.inner.session_id.as_str(), resource_id.as_ref())
            .map(|p| upload(Method::PUT, p, &[image.part()]));
        self.call_empty(req).instrument(operation_span!(
            "yoti.idv.client.upload_face_capture_image",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// `POST /sessions/{id}/resources/id-documents`: creates an ID document resource; then
    /// upload its pages.
    pub fn create_id_document(&self, request: &CreateIdDocumentRequest) -> Call<CreatedResource> {
        let req = if request.document_type.trim().is_empty() {
            Err(yoti_types::ValidationError::Empty {
                field: "document_type".into(),
            }
            .into())
        } else {
            self.path("/resources/id-documents")
                .and_then(|p| Req::new(Method::POST, p).json(request))
        };
        self.call_json(req).instrument(operation_span!(
            "yoti.idv.client.create_id_document",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// `PUT /sessions/{id}/resources/id-documents/{resource_id}/pages/{index}`: uploads one
    /// page (multipart: the JSON descriptor part [`PAGE_DESCRIPTOR_PART`], then the image as
    /// `binary-content`).
    pub fn upload_id_document_page(
        &self,
        resource_id: impl AsRef<str>,
        index: u32,
        page: &PageUpload,
    ) -> Call<()> {
        let req = segment("resource_id", resource_id.as_ref()).and_then(|rid| {
            let path = self.path(&format!("/resources/id-documents/{rid}/pages/{index}"))?;
            let descriptor = serde_json::to_vec(&page.descriptor).map_err(|e| Error::Config {
                reason: format!("cannot serialize the page descriptor: {e}"),
            })?;
            let descriptor = Part {
                name: PAGE_DESCRIPTOR_PART,
                filename: None,
                content_type: "application/json",
                data: Bytes::from(descriptor),
            };
            Ok(upload(Method::PUT, path, &[descriptor, page.image.part()]))
        });
        self.call_empty(req).instrument(operation_span!(
            "yoti.idv.client.upload_id_document_page",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// `PUT /sessions/{id}/resources/id-documents/{resource_id}/text-extraction`: the text
    /// read from the document (JSON).
    pub fn put_text_extraction(
        &self,
        resource_id: impl AsRef<str>,
        extraction: &TextExtraction,
    ) -> Call<()> {
        let req = segment("resource_id", resource_id.as_ref()).and_then(|rid| {
            self.path(&format!("/resources/id-documents/{rid}/text-extraction"))
                .and_then(|p| Req::new(Method::PUT, p).json(extraction))
        });
        self.call_empty(req).instrument(operation_span!(
            "yoti.idv.client.put_text_extraction",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// `POST /sessions/{id}/resources/liveness/zoom`: creates a zoom liveness resource; then
    /// upload its frames and face map.
    pub fn create_zoom_liveness(&self) -> Call<CreatedResource> {
        let req = self
            .path("/resources/liveness/zoom")
            .and_then(|p| Req::new(Method::POST, p).json(&serde_json::json!({})));
        self.call_json(req).instrument(operation_span!(
            "yoti.idv.client.create_zoom_liveness",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// `PUT /sessions/{id}/resources/liveness/zoom/{resource_id}/frames/{index}`: uploads one
    /// frame (multipart, `binary-content`).
    pub fn upload_zoom_frame(
        &self,
        resource_id: impl AsRef<str>,
        index: u32,
        frame: &Image,
    ) -> Call<()> {
        let req = segment("resource_id", resource_id.as_ref()).and_then(|rid| {
            let path = self.path(&format!("/resources/liveness/zoom/{rid}/frames/{index}"))?;
            Ok(upload(Method::PUT, path, &[frame.part()]))
        });
        self.call_empty(req).instrument(operation_span!(
            "yoti.idv.client.upload_zoom_frame",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// `POST /sessions/{id}/resources/liveness/zoom/{resource_id}/facemap`: uploads the 3D face
    /// map (multipart, `binary-content`, `application/octet-stream`, filename `facemap.bin`).
    pub fn upload_zoom_facemap(&self, resource_id: impl AsRef<str>, facemap: Bytes) -> Call<()> {
        let req = if facemap.is_empty() {
            Err(yoti_types::ValidationError::Empty {
                field: "binary-content".into(),
            }
            .into())
        } else {
            segment("resource_id", resource_id.as_ref()).and_then(|rid| {
                let path = self.path(&format!("/resources/liveness/zoom/{rid}/facemap"))?;
                let part = Part {
                    name: crate::multipart::BINARY_CONTENT,
                    filename: Some("facemap.bin".into()),
                    content_type: "application/octet-stream",
                    data: facemap,
                };
                Ok(upload(Method::POST, path, &[part]))
            })
        };
        self.call_empty(req).instrument(operation_span!(
            "yoti.idv.client.upload_zoom_facemap",
            session_id = self.inner.session_id.as_str()
        ))
    }

    /// Triggers the checks ([`TRIGGER_CHECKS_PATH`]): the user is done. The service deletes
    /// the client session token, so this session's client side is over: any later call
    /// fails (401 or 409).
    pub fn trigger_checks(&self) -> Call<()> {
        let req = trigger_path(self.inner.session_id.as_str()).map(|p| Req::new(Method::POST, p));
        self.call_empty(req).instrument(operation_span!(
            "yoti.idv.client.trigger_checks",
            session_id = self.inner.session_id.as_str()
        ))
    }
}

fn upload(method: Method, path: String, parts: &[Part]) -> Req {
    let m = multipart(parts);
    Req::new(method, path).body(m.content_type, m.body)
}

/// Builds a [`ClientSession`]: [`session_id`](Self::session_id) and [`token`](Self::token)
/// are required.
#[derive(Default)]
#[must_use]
pub struct ClientSessionBuilder {
    session_id: Option<SessionId>,
    token: Option<ClientSessionToken>,
    base_url: Option<String>,
    transport: Option<Transport>,
}

impl fmt::Debug for ClientSessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSessionBuilder")
            .field("session_id", &self.session_id)
            .field("token", &self.token)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ClientSessionBuilder {
    /// The session id.
    pub fn session_id(mut self, session_id: impl Into<SessionId>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// The session's `client_session_token`.
    pub fn token(mut self, token: ClientSessionToken) -> Self {
        self.token = Some(token);
        self
    }

    /// The IDV base URL (default [`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL)).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The transport; default [`Transport::default`].
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Checks the configuration and builds the client session.
    ///
    /// # Errors
    /// [`Error::Validation`] when the session id or the token is missing or empty,
    /// [`Error::BaseUrl`] when the base URL is not acceptable.
    pub fn build(self) -> Result<ClientSession, Error> {
        let session_id = self
            .session_id
            .filter(|id| !id.as_str().trim().is_empty())
            .ok_or(yoti_types::ValidationError::Empty {
                field: "session_id".into(),
            })?;
        let token = self.token.filter(|t| !t.expose_secret().is_empty()).ok_or(
            yoti_types::ValidationError::Empty {
                field: "client_session_token".into(),
            },
        )?;
        token.header_value().map_err(Error::signing)?;
        let base_url =
            yoti_internal::checked_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))
                .map_err(Error::BaseUrl)?;
        Ok(ClientSession::from_parts(
            base_url,
            self.transport.unwrap_or_default(),
            session_id,
            token,
        ))
    }
}

/// The path of "trigger checks" for a session (see [`TRIGGER_CHECKS_PATH`]).
fn trigger_path(session_id: &str) -> Result<String, Error> {
    Ok(TRIGGER_CHECKS_PATH.replace("{session_id}", &segment("session_id", session_id)?))
}

/// The body of [`ClientSession::create_id_document`]: which document the user is providing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateIdDocumentRequest {
    /// The document type (`PASSPORT`, `DRIVING_LICENCE`, `NATIONAL_ID`, ...).
    pub document_type: String,
    /// The issuing country (ISO 3166-1 alpha-3, `GBR`).
    pub issuing_country: String,
    /// The requirement of the session configuration this document satisfies, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement_id: Option<RequirementId>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateIdDocumentRequest {
    /// A document of `document_type` issued by `issuing_country`.
    pub fn new(document_type: impl Into<String>, issuing_country: impl Into<String>) -> Self {
        Self {
            document_type: document_type.into(),
            issuing_country: issuing_country.into(),
            ..Self::default()
        }
    }

    /// Sets the requirement this document satisfies.
    #[must_use]
    pub fn requirement_id(mut self, id: impl Into<RequirementId>) -> Self {
        self.requirement_id = Some(id.into());
        self
    }
}

/// The JSON descriptor of an ID document page upload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageDescriptor {
    /// How the page was captured (`CAMERA` or `UPLOAD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_method: Option<CaptureMethod>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of an ID document to upload: its descriptor and its image.
#[derive(Clone, Debug)]
pub struct PageUpload {
    descriptor: PageDescriptor,
    image: Image,
}

impl PageUpload {
    /// A page captured with `capture_method`.
    pub fn new(image: Image, capture_method: CaptureMethod) -> Self {
        Self {
            descriptor: PageDescriptor {
                capture_method: Some(capture_method),
                extra: Map::new(),
            },
            image,
        }
    }

    /// Replaces the whole descriptor.
    #[must_use]
    pub fn descriptor(mut self, descriptor: PageDescriptor) -> Self {
        self.descriptor = descriptor;
        self
    }
}

/// The body of [`ClientSession::put_text_extraction`]: the text the client read from a
/// document, `{"document_fields": {..}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TextExtraction {
    /// The fields read (`full_name`, `date_of_birth`, `document_number`, ...).
    #[serde(default)]
    pub document_fields: Map<String, Value>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TextExtraction {
    /// The fields read.
    pub fn new(document_fields: Map<String, Value>) -> Self {
        Self {
            document_fields,
            extra: Map::new(),
        }
    }

    /// Adds a top-level field this version does not model (for example
    /// `client_extraction_outcome`), sent as given.
    #[must_use]
    pub fn other_field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// The answer of a resource creation: `{"id": ..}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedResource {
    /// The new resource's id.
    pub id: ResourceId,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token_and_ids_are_required() {
        let s = ClientSession::builder()
            .session_id("sid")
            .token(ClientSessionToken::new("tok-secret"))
            .base_url("http://127.0.0.1:9/idverify/v1")
            .build()
            .unwrap();
        let debug = format!("{s:?}");
        assert!(
            debug.contains("sid") && !debug.contains("tok-secret"),
            "{debug}"
        );
        assert!(matches!(
            ClientSession::new("", ClientSessionToken::new("t")).unwrap_err(),
            Error::Validation(_)
        ));
        assert!(matches!(
            ClientSession::new("s", ClientSessionToken::new("")).unwrap_err(),
            Error::Validation(_)
        ));
        assert!(matches!(
            ClientSession::new("s", ClientSessionToken::new("bad\ntoken")).unwrap_err(),
            Error::Signing(_)
        ));
    }

    #[test]
    fn the_trigger_path_is_ours_and_in_one_place() {
        assert_eq!(
            trigger_path("a/b").unwrap(),
            "/sessions/a%2Fb/checks/trigger"
        );
        assert!(trigger_path("").is_err());
    }

    #[test]
    fn request_bodies_serialize_only_what_is_set() {
        let doc = CreateIdDocumentRequest::new("PASSPORT", "GBR");
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"document_type":"PASSPORT","issuing_country":"GBR"}"#
        );
        let page = PageUpload::new(
            Image::new(&b"\xFF\xD8\xFF\xE0"[..]).unwrap(),
            CaptureMethod::Camera,
        );
        assert_eq!(
            serde_json::to_string(&page.descriptor).unwrap(),
            r#"{"capture_method":"CAMERA"}"#
        );
    }
}
