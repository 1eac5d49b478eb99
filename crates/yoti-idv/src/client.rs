//! [`IdvClient`]: the relying business's (backend, signed) side of the IDV API.

use std::fmt;
use std::sync::Arc;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use yoti_auth::{ClientSessionToken, PrivateKey, RequestSigner, SdkIdPlacement};
use yoti_http::Transport;
use yoti_types::ValidationError;
use yoti_types::idv::{
    CreateFaceCaptureResourceRequest, CreateFaceCaptureResourceResponse, CreateSessionResponse,
    SessionConfiguration, SessionId, SessionResult, SessionSpec, SupportedDocumentsResponse,
    TrackedDeviceEvent, ValidationOptions,
};

use yoti_internal::operation_span;

use crate::call::{Auth, Call, Req, check_status, empty, execute, json, read_body};
use crate::multipart::{Image, multipart};
use crate::{ClientSession, Error, MediaContent, MediaStream, SandboxClient};

/// Yoti's production IDV base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.yoti.com/idverify/v1";
/// Yoti's sandbox IDV base URL (sessions there are answered as the sandbox response
/// configuration says).
pub const SANDBOX_BASE_URL: &str = "https://api.yoti.com/sandbox/idverify/v1";
/// The environment variable for the IDV base URL.
pub const ENV_BASE_URL: &str = "YOTI_IDV_API_URL";
/// The older environment variable for the IDV base URL, read when [`ENV_BASE_URL`] is not
/// set.
pub const ENV_BASE_URL_LEGACY: &str = "YOTI_DOC_SCAN_API_URL";

/// The configuration shared by the backend clients: a signer, a checked base URL and a
/// transport.
pub(crate) struct Backend {
    pub(crate) signer: RequestSigner,
    pub(crate) base_url: String,
    pub(crate) transport: Transport,
}

impl Backend {
    pub(crate) fn build(
        options: &yoti_internal::ClientOptions,
        default_base_url: &str,
    ) -> Result<Self, Error> {
        let (sdk_id, key) = options.credentials().map_err(|missing| Error::Config {
            reason: missing.to_string(),
        })?;
        let base_url = options
            .base_url_or(default_base_url)
            .map_err(Error::BaseUrl)?;
        Ok(Self {
            signer: RequestSigner::new(sdk_id, key),
            base_url,
            transport: options.transport(),
        })
    }

    pub(crate) fn signed(&self, placement: SdkIdPlacement) -> Auth<'_> {
        Auth::Signed(&self.signer, placement)
    }

    /// A signed call answering JSON.
    pub(crate) fn call_json<T: DeserializeOwned + Send + 'static>(
        self: &Arc<Self>,
        req: Result<Req, Error>,
        placement: SdkIdPlacement,
    ) -> Call<T> {
        let this = self.clone();
        match req {
            Err(e) => Call::fail(e),
            Ok(req) => Call::new(move |options| async move {
                let response = execute(
                    &this.transport,
                    &this.base_url,
                    this.signed(placement),
                    &req,
                    &options,
                )
                .await?;
                json(response).await
            }),
        }
    }

    /// A signed call whose success answer has no body that matters.
    pub(crate) fn call_empty(
        self: &Arc<Self>,
        req: Result<Req, Error>,
        placement: SdkIdPlacement,
    ) -> Call<()> {
        let this = self.clone();
        match req {
            Err(e) => Call::fail(e),
            Ok(req) => Call::new(move |options| async move {
                let response = execute(
                    &this.transport,
                    &this.base_url,
                    this.signed(placement),
                    &req,
                    &options,
                )
                .await?;
                empty(response).await.map(drop)
            }),
        }
    }
}

/// A client for Yoti's IDV API, as the relying business (every request signed with the
/// application's key).
///
/// Cheap to clone (the configuration and the connection pool are shared). `Debug` shows the
/// SDK id and the base URL, never the key.
///
/// Every method answers a [`Call`]: `.await` it. Ids are taken as `impl AsRef<str>`
/// (`&SessionId`, `&str`, `String`), percent-encoded into the path, and refused when empty
/// before anything is sent.
#[derive(Clone)]
pub struct IdvClient {
    backend: Arc<Backend>,
    validation: ValidationOptions,
}

impl fmt::Debug for IdvClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdvClient")
            .field("sdk_id", &self.backend.signer.sdk_id())
            .field("base_url", &self.backend.base_url)
            .finish_non_exhaustive()
    }
}

impl IdvClient {
    /// A client for the application `sdk_id` with its private key, on Yoti's production base
    /// URL ([`DEFAULT_BASE_URL`]) with the default transport.
    ///
    /// # Errors
    /// [`Error::Config`] when the SDK id is empty.
    pub fn new(sdk_id: impl Into<String>, key: PrivateKey) -> Result<Self, Error> {
        Self::builder().sdk_id(sdk_id).key(key).build()
    }

    /// A builder, to set the base URL (the sandbox, the emulator) or the transport.
    pub fn builder() -> IdvClientBuilder {
        IdvClientBuilder::default()
    }

    /// A client configured from the environment: `YOTI_CLIENT_SDK_ID`, `YOTI_KEY_FILE_PATH`,
    /// and the base URL from `YOTI_IDV_API_URL`, else `YOTI_DOC_SCAN_API_URL`, else
    /// [`DEFAULT_BASE_URL`].
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load,
    /// [`Error::BaseUrl`] when the base URL is not acceptable.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }

    pub(crate) fn from_backend(backend: Arc<Backend>) -> Self {
        let validation = if yoti_internal::is_loopback_url(&backend.base_url) {
            ValidationOptions::loopback_emulator()
        } else {
            ValidationOptions::strict()
        };
        Self {
            backend,
            validation,
        }
    }

    /// The application's SDK id.
    pub fn sdk_id(&self) -> &str {
        self.backend.signer.sdk_id()
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.backend.base_url
    }

    /// How session specifications are checked before they are sent: strict, or, when the base
    /// URL is a loopback emulator, also accepting `http://` loopback notification endpoints.
    pub fn validation_options(&self) -> ValidationOptions {
        self.validation
    }

    /// The sandbox client of the same application, transport and host: the base URL with
    /// `/sandbox` put before its `/idverify/v1` (kept as it is when it is already a sandbox
    /// URL).
    pub fn sandbox(&self) -> SandboxClient {
        SandboxClient::from_backend(Arc::new(Backend {
            signer: self.backend.signer.clone(),
            base_url: sandbox_base_url(&self.backend.base_url),
            transport: self.backend.transport.clone(),
        }))
    }

    /// The client side of a session (what the end user's device does), on the same base URL
    /// and transport, authenticated by the session's client session token.
    pub fn client_session(
        &self,
        session_id: impl Into<SessionId>,
        token: ClientSessionToken,
    ) -> ClientSession {
        ClientSession::from_parts(
            self.backend.base_url.clone(),
            self.backend.transport.clone(),
            session_id.into(),
            token,
        )
    }

    /// The client side of a session just created.
    ///
    /// # Errors
    /// [`Error::Config`] when the answer carries no `client_session_token`.
    pub fn client_session_for(
        &self,
        created: &CreateSessionResponse,
    ) -> Result<ClientSession, Error> {
        let token = created
            .client_session_token
            .as_ref()
            .ok_or_else(|| Error::Config {
                reason: "the session answer has no client_session_token".into(),
            })?;
        Ok(self.client_session(
            created.session_id.clone(),
            ClientSessionToken::new(token.expose_secret()),
        ))
    }

    /// `GET /supported-documents` (signed without `sdkId`, as the official SDKs do): the
    /// countries and document types Yoti supports.
    pub fn supported_documents(
        &self,
        request: SupportedDocumentsRequest,
    ) -> Call<SupportedDocumentsResponse> {
        let mut req = Req::new(Method::GET, "/supported-documents".into());
        if let Some(include) = request.include_non_latin {
            req = req.query("includeNonLatin", include.to_string());
        }
        self.backend
            .call_json(Ok(req), SdkIdPlacement::Omit)
            .instrument(operation_span!("yoti.idv.supported_documents"))
    }

    /// `POST /sessions`: creates a session. The specification is checked first (see
    /// [`SessionSpec::validate`] and [`validation_options`](Self::validation_options)); one
    /// the service would refuse fails with [`Error::Validation`] and is never sent.
    pub fn create_session(&self, spec: &SessionSpec) -> Call<CreateSessionResponse> {
        let req = spec
            .validate(&self.validation)
            .map_err(Error::from)
            .and_then(|()| Req::new(Method::POST, "/sessions".into()).json(spec));
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument_with(
                operation_span!("yoti.idv.create_session"),
                |created: &CreateSessionResponse, span| {
                    span.record("yoti.session_id", created.session_id.as_str());
                },
            )
    }

    /// `GET /sessions/{id}`: the session, its resources and checks.
    pub fn get_session(&self, session_id: impl AsRef<str>) -> Call<SessionResult> {
        let req = session_path(session_id.as_ref(), "").map(|p| Req::new(Method::GET, p));
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.get_session",
                session_id = session_id.as_ref()
            ))
    }

    /// `DELETE /sessions/{id}`: deletes the session and everything it holds (409 while its
    /// checks are not finished).
    pub fn delete_session(&self, session_id: impl AsRef<str>) -> Call<()> {
        let req = session_path(session_id.as_ref(), "").map(|p| Req::new(Method::DELETE, p));
        self.backend
            .call_empty(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.delete_session",
                session_id = session_id.as_ref()
            ))
    }

    /// `GET /sessions/{id}/media/{media_id}/content`: the media content, streamed, or
    /// [`MediaContent::Withheld`] when Yoti answers 204 (regulations prevent returning it).
    pub fn get_media(
        &self,
        session_id: impl AsRef<str>,
        media_id: impl AsRef<str>,
    ) -> Call<MediaContent> {
        let req = media_path(session_id.as_ref(), media_id.as_ref());
        let backend = self.backend.clone();
        let call = match req {
            Err(e) => Call::fail(e),
            Ok(path) => Call::new(move |options| async move {
                let req = Req::new(Method::GET, path);
                let response = execute(
                    &backend.transport,
                    &backend.base_url,
                    backend.signed(SdkIdPlacement::Query),
                    &req,
                    &options,
                )
                .await?;
                if response.status() == StatusCode::NO_CONTENT {
                    read_body(response.into_body()).await?;
                    return Ok(MediaContent::Withheld);
                }
                let response = check_status(response).await?;
                let headers = response.headers();
                let content_type = headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let content_length = headers
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok());
                Ok(MediaContent::Content(MediaStream::new(
                    content_type,
                    content_length,
                    response.into_body(),
                )))
            }),
        };
        call.instrument(operation_span!(
            "yoti.idv.get_media",
            session_id = session_id.as_ref()
        ))
    }

    /// `DELETE /sessions/{id}/media/{media_id}/content` (409 while the session is locked).
    pub fn delete_media(&self, session_id: impl AsRef<str>, media_id: impl AsRef<str>) -> Call<()> {
        let req =
            media_path(session_id.as_ref(), media_id.as_ref()).map(|p| Req::new(Method::DELETE, p));
        self.backend
            .call_empty(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.delete_media",
                session_id = session_id.as_ref()
            ))
    }

    /// `GET /sessions/{id}/configuration`: what the client must capture (the required
    /// resources, with the ids of their requirements).
    pub fn session_configuration(&self, session_id: impl AsRef<str>) -> Call<SessionConfiguration> {
        let req =
            session_path(session_id.as_ref(), "/configuration").map(|p| Req::new(Method::GET, p));
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.session_configuration",
                session_id = session_id.as_ref()
            ))
    }

    /// `POST /sessions/{id}/resources/face-capture`: creates the resource that satisfies a
    /// `FACE_CAPTURE` requirement of the [session configuration](Self::session_configuration);
    /// then upload its image.
    pub fn create_face_capture_resource(
        &self,
        session_id: impl AsRef<str>,
        request: &CreateFaceCaptureResourceRequest,
    ) -> Call<CreateFaceCaptureResourceResponse> {
        let req = if request.requirement_id.as_str().is_empty() {
            Err(ValidationError::Empty {
                field: "requirement_id".into(),
            }
            .into())
        } else {
            session_path(session_id.as_ref(), "/resources/face-capture")
                .and_then(|p| Req::new(Method::POST, p).json(request))
        };
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.create_face_capture_resource",
                session_id = session_id.as_ref()
            ))
    }

    /// `PUT /sessions/{id}/resources/face-capture/{resource_id}/image`, signed: uploads the
    /// image of a face capture resource (multipart, part `binary-content` with a filename).
    /// The end user's device does the same with
    /// [`ClientSession::upload_face_capture_image`].
    pub fn upload_face_capture_image(
        &self,
        session_id: impl AsRef<str>,
        resource_id: impl AsRef<str>,
        image: &Image,
    ) -> Call<()> {
        let req = face_capture_image_path(session_id.as_ref(), resource_id.as_ref()).map(|p| {
            let m = multipart(&[image.part()]);
            Req::new(Method::PUT, p).body(m.content_type, m.body)
        });
        self.backend
            .call_empty(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.upload_face_capture_image",
                session_id = session_id.as_ref()
            ))
    }

    /// `GET /sessions/{id}/tracked-devices`: what the devices used in the session did.
    pub fn tracked_devices(&self, session_id: impl AsRef<str>) -> Call<Vec<TrackedDeviceEvent>> {
        let req =
            session_path(session_id.as_ref(), "/tracked-devices").map(|p| Req::new(Method::GET, p));
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.tracked_devices",
                session_id = session_id.as_ref()
            ))
    }

    /// `DELETE /sessions/{id}/tracked-devices`.
    pub fn delete_tracked_devices(&self, session_id: impl AsRef<str>) -> Call<()> {
        let req = session_path(session_id.as_ref(), "/tracked-devices")
            .map(|p| Req::new(Method::DELETE, p));
        self.backend
            .call_empty(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.delete_tracked_devices",
                session_id = session_id.as_ref()
            ))
    }
}

/// The query of [`IdvClient::supported_documents`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct SupportedDocumentsRequest {
    include_non_latin: Option<bool>,
}

impl SupportedDocumentsRequest {
    /// No parameter: Yoti's default (latin-script documents only).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `includeNonLatin`: whether documents in non-latin scripts are listed too.
    pub fn include_non_latin(mut self, include: bool) -> Self {
        self.include_non_latin = Some(include);
        self
    }
}

/// Builds an [`IdvClient`]: [`sdk_id`](Self::sdk_id) and [`key`](Self::key) are required.
#[derive(Debug, Default)]
#[must_use]
pub struct IdvClientBuilder {
    options: yoti_internal::ClientOptions,
}

impl IdvClientBuilder {
    yoti_internal::client_options_setters!(options, base_url = DEFAULT_BASE_URL);

    /// Uses Yoti's sandbox ([`SANDBOX_BASE_URL`]).
    pub fn sandbox(self) -> Self {
        self.base_url(SANDBOX_BASE_URL)
    }

    /// Sets the SDK id, the key and the base URL from the environment, as
    /// [`IdvClient::from_env`] does; anything set later replaces them.
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load.
    pub fn from_env(mut self) -> Result<Self, Error> {
        self.options
            .load_env(&[ENV_BASE_URL, ENV_BASE_URL_LEGACY], DEFAULT_BASE_URL)?;
        Ok(self)
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] when the SDK id or the key is missing, [`Error::BaseUrl`] when the
    /// base URL is not acceptable.
    pub fn build(self) -> Result<IdvClient, Error> {
        let backend = Backend::build(&self.options, DEFAULT_BASE_URL)?;
        Ok(IdvClient::from_backend(Arc::new(backend)))
    }

    /// Checks the configuration and builds a [`SandboxClient`]: its base URL is the sandbox
    /// form of the one set (see [`sandbox_base_url`]), [`SANDBOX_BASE_URL`] when none is.
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn build_sandbox(mut self) -> Result<SandboxClient, Error> {
        self.options.base_url = self.options.base_url.as_deref().map(sandbox_base_url);
        let backend = Backend::build(&self.options, SANDBOX_BASE_URL)?;
        Ok(SandboxClient::from_backend(Arc::new(backend)))
    }
}

/// The IDV base URL from the environment: `YOTI_IDV_API_URL`, else `YOTI_DOC_SCAN_API_URL`,
/// else [`DEFAULT_BASE_URL`].
pub fn base_url_from_env() -> String {
    yoti_internal::base_url_from_env(&[ENV_BASE_URL, ENV_BASE_URL_LEGACY], DEFAULT_BASE_URL)
}

/// The sandbox base URL matching an IDV base URL: `/sandbox` is put before a trailing
/// `/idverify/v1` (`https://api.yoti.com/idverify/v1` gives [`SANDBOX_BASE_URL`]); a URL
/// already under `/sandbox/`, or of another shape, is kept as it is.
pub fn sandbox_base_url(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let Ok(uri) = base.parse::<http::Uri>() else {
        return base.to_owned();
    };
    let path = uri.path();
    if path.starts_with("/sandbox/") || path.contains("/sandbox/idverify/") {
        return base.to_owned();
    }
    match base.strip_suffix("/idverify/v1") {
        Some(prefix) => format!("{prefix}/sandbox/idverify/v1"),
        None => base.to_owned(),
    }
}

/// `/sessions/{id}{rest}`, the id checked and percent-encoded.
pub(crate) fn session_path(session_id: &str, rest: &str) -> Result<String, Error> {
    Ok(format!(
        "/sessions/{}{rest}",
        segment("session_id", session_id)?
    ))
}

/// A path segment from an id: refused when empty, percent-encoded otherwise.
pub(crate) fn segment(field: &'static str, id: &str) -> Result<String, Error> {
    if id.trim().is_empty() {
        return Err(ValidationError::Empty {
            field: field.into(),
        }
        .into());
    }
    Ok(yoti_auth::encode_path_segment(id))
}

fn media_path(session_id: &str, media_id: &str) -> Result<String, Error> {
    session_path(
        session_id,
        &format!("/media/{}/content", segment("media_id", media_id)?),
    )
}

pub(crate) fn face_capture_image_path(
    session_id: &str,
    resource_id: &str,
) -> Result<String, Error> {
    session_path(
        session_id,
        &format!(
            "/resources/face-capture/{}/image",
            segment("resource_id", resource_id)?
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_urls_are_derived_from_idv_urls() {
        assert_eq!(sandbox_base_url(DEFAULT_BASE_URL), SANDBOX_BASE_URL);
        assert_eq!(sandbox_base_url(SANDBOX_BASE_URL), SANDBOX_BASE_URL);
        assert_eq!(
            sandbox_base_url("http://127.0.0.1:8080/idverify/v1/"),
            "http://127.0.0.1:8080/sandbox/idverify/v1"
        );
        assert_eq!(
            sandbox_base_url("https://proxy.example/yoti"),
            "https://proxy.example/yoti"
        );
    }

    #[test]
    fn ids_are_checked_and_encoded() {
        assert_eq!(
            session_path("a b/c", "/configuration").unwrap(),
            "/sessions/a%20b%2Fc/configuration"
        );
        let err = media_path("s", " ").unwrap_err();
        assert!(matches!(
            err,
            Error::Validation(ValidationError::Empty { .. })
        ));
        assert_eq!(
            face_capture_image_path("s", "r").unwrap(),
            "/sessions/s/resources/face-capture/r/image"
        );
    }

    #[test]
    fn the_builder_needs_credentials_and_a_safe_url() {
        let key = || PrivateKey::generate(2048).unwrap();
        let err = IdvClient::builder().key(key()).build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        let err = IdvClient::builder().sdk_id("x").build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        let err = IdvClient::builder()
            .sdk_id("x")
            .key(key())
            .base_url("http://api.yoti.com/idverify/v1")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::BaseUrl(_)));

        let client = IdvClient::new("my-sdk-id", key()).unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        assert!(!client.validation_options().allow_loopback_http);
        let debug = format!("{client:?}");
        assert!(debug.contains("my-sdk-id") && !debug.contains("PRIVATE"));
        assert_eq!(client.sandbox().base_url(), SANDBOX_BASE_URL);

        let local = IdvClient::builder()
            .sdk_id("x")
            .key(key())
            .base_url("http://127.0.0.1:1/idverify/v1")
            .build()
            .unwrap();
        assert!(local.validation_options().allow_loopback_http);
    }
}
