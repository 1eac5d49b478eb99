//! [`SandboxClient`]: the sandbox's response configuration (what checks and tasks answer).

use std::fmt;
use std::sync::Arc;

use http::Method;
use yoti_auth::{PrivateKey, SdkIdPlacement};
use yoti_internal::operation_span;
use yoti_types::idv::ResponseConfig;

use crate::call::{Call, Req};
use crate::client::{Backend, segment, session_path};
use crate::{Error, IdvClient};

/// A client for the sandbox's response configuration: what the checks and tasks of sandbox
/// sessions answer, for the whole application or for one session.
///
/// Its base URL is the sandbox one ([`SANDBOX_BASE_URL`](crate::SANDBOX_BASE_URL), or the emulator's
/// `/sandbox/idverify/v1`). Get one from an [`IdvClient`] with [`IdvClient::sandbox`], or
/// build one with [`SandboxClient::new`], [`SandboxClient::from_env`] or
/// [`IdvClientBuilder::build_sandbox`](crate::IdvClientBuilder::build_sandbox). Cheap to clone;
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct SandboxClient {
    backend: Arc<Backend>,
}

impl fmt::Debug for SandboxClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxClient")
            .field("sdk_id", &self.backend.signer.sdk_id())
            .field("base_url", &self.backend.base_url)
            .finish_non_exhaustive()
    }
}

impl SandboxClient {
    /// A sandbox client for the application on [`SANDBOX_BASE_URL`](crate::SANDBOX_BASE_URL).
    ///
    /// # Errors
    /// [`Error::Config`] when the SDK id is empty.
    pub fn new(sdk_id: impl Into<String>, key: PrivateKey) -> Result<Self, Error> {
        crate::IdvClient::builder()
            .sdk_id(sdk_id)
            .key(key)
            .build_sandbox()
    }

    /// A sandbox client configured from the environment, as [`IdvClient::from_env`], the
    /// base URL turned into its sandbox form (see [`sandbox_base_url`](crate::sandbox_base_url));
    /// [`SANDBOX_BASE_URL`](crate::SANDBOX_BASE_URL) when no base URL is set.
    ///
    /// # Errors
    /// As [`IdvClient::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        crate::IdvClient::builder().from_env()?.build_sandbox()
    }

    pub(crate) fn from_backend(backend: Arc<Backend>) -> Self {
        Self { backend }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.backend.base_url
    }

    /// The IDV client of the same application and transport on this sandbox base URL: the
    /// sessions whose checks this configuration answers.
    pub fn idv(&self) -> IdvClient {
        IdvClient::from_backend(self.backend.clone())
    }

    fn app_path(&self) -> Result<String, Error> {
        Ok(format!(
            "/apps/{}/response-config",
            segment("sdk_id", self.backend.signer.sdk_id())?
        ))
    }

    /// `GET /apps/{sdkId}/response-config`: the application's response configuration.
    pub fn app_response_config(&self) -> Call<ResponseConfig> {
        let req = self.app_path().map(|p| Req::new(Method::GET, p));
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument(operation_span!("yoti.idv.sandbox.app_response_config"))
    }

    /// `PUT /apps/{sdkId}/response-config` (signed without `sdkId` in the query, as the
    /// official SDKs do): what every later session of the application answers.
    pub fn set_app_response_config(&self, config: &ResponseConfig) -> Call<()> {
        let req = self
            .app_path()
            .and_then(|p| Req::new(Method::PUT, p).json(config));
        self.backend
            .call_empty(req, SdkIdPlacement::Omit)
            .instrument(operation_span!("yoti.idv.sandbox.set_app_response_config"))
    }

    /// `GET /sessions/{id}/response-config`: one session's response configuration.
    pub fn session_response_config(&self, session_id: impl AsRef<str>) -> Call<ResponseConfig> {
        let req =
            session_path(session_id.as_ref(), "/response-config").map(|p| Req::new(Method::GET, p));
        self.backend
            .call_json(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.sandbox.session_response_config",
                session_id = session_id.as_ref()
            ))
    }

    /// `PUT /sessions/{id}/response-config`: what this session answers (set it before the
    /// checks are triggered).
    pub fn set_session_response_config(
        &self,
        session_id: impl AsRef<str>,
        config: &ResponseConfig,
    ) -> Call<()> {
        let req = session_path(session_id.as_ref(), "/response-config")
            .and_then(|p| Req::new(Method::PUT, p).json(config));
        self.backend
            .call_empty(req, SdkIdPlacement::Query)
            .instrument(operation_span!(
                "yoti.idv.sandbox.set_session_response_config",
                session_id = session_id.as_ref()
            ))
    }
}
