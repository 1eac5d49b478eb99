//! One client for every service: one key, one transport (one connection pool), one token
//! provider, handing out the service clients.

use yoti_http::{HyperClientBuilder, Transport};

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SDK id was not set.
    #[error("no SDK id: set one with ClientBuilder::sdk_id or YOTI_CLIENT_SDK_ID")]
    MissingSdkId,
    /// The key was not set.
    #[error("no private key: set one with ClientBuilder::key or YOTI_KEY_FILE_PATH")]
    MissingKey,
    /// The environment could not be read ([`Client::from_env`]).
    #[error("cannot configure the client from the environment")]
    Env(#[source] yoti_internal::EnvError),
    /// The IDV client refused its configuration (a base URL, most often).
    #[cfg(feature = "idv")]
    #[error("cannot configure the IDV client")]
    Idv(#[source] yoti_idv::Error),
    /// The Age Estimation client refused its configuration.
    #[cfg(feature = "age")]
    #[error("cannot configure the Age Estimation client")]
    Age(#[source] yoti_age::Error),
    /// The Proof of Age client refused its configuration.
    #[cfg(feature = "poa")]
    #[error("cannot configure the Proof of Age client")]
    Poa(#[source] yoti_poa::Error),
}

/// Every enabled service's client, sharing one key, one transport and (for Proof of Age) one
/// cached token provider. Cheap to clone: clones share all of it.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let yoti = yoti::Client::from_env()?;
/// let session = yoti.idv().get_session("a-session-id").await?;
/// # let _ = session; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    sdk_id: String,
    #[cfg(feature = "idv")]
    idv: yoti_idv::IdvClient,
    #[cfg(feature = "age")]
    age: yoti_age::AgeClient,
    #[cfg(feature = "poa")]
    poa: yoti_poa::PoaClient,
}

impl Client {
    /// A builder: set the SDK id and the key, and any base URL to override.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment, read once: `YOTI_CLIENT_SDK_ID`,
    /// `YOTI_KEY_FILE_PATH` (the key is parsed once for all services), and each service's
    /// base URL variable (`YOTI_IDV_API_URL` or `YOTI_DOC_SCAN_API_URL`, `YOTI_AGE_API_URL`,
    /// `YOTI_POA_API_URL`, `YOTI_AUTH_URL`), defaulting to Yoti's production URLs.
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load, else as
    /// [`ClientBuilder::build`].
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::default().from_env()?.build()
    }

    /// The application's SDK id.
    pub fn sdk_id(&self) -> &str {
        &self.sdk_id
    }

    /// The Identity Verification client.
    #[cfg(feature = "idv")]
    pub fn idv(&self) -> &yoti_idv::IdvClient {
        &self.idv
    }

    /// The Age Estimation client.
    #[cfg(feature = "age")]
    pub fn age(&self) -> &yoti_age::AgeClient {
        &self.age
    }

    /// The Proof of Age client (its bearer tokens are fetched and cached for you).
    #[cfg(feature = "poa")]
    pub fn poa(&self) -> &yoti_poa::PoaClient {
        &self.poa
    }
}

/// Builds a [`Client`]. Unset base URLs are Yoti's production URLs.
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    options: yoti_internal::ClientOptions,
    http_client: Option<HyperClientBuilder>,
    idv_url: Option<String>,
    age_url: Option<String>,
    poa_url: Option<String>,
    token_url: Option<String>,
    poa_scopes: Option<Vec<String>>,
}

impl ClientBuilder {
    yoti_internal::client_options_setters!(options);

    /// Sets the HTTP client under the default transport: proxies, TLS (a private CA),
    /// HTTP versions, connection timeouts and pool (see [`HyperClientBuilder`]). By default
    /// the proxies of `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` apply. Ignored
    /// when a whole [`transport`](Self::transport) is set.
    ///
    /// ```no_run
    /// # fn run(ca_der: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    /// let yoti = yoti::Client::builder()
    ///     .from_env()?
    ///     .http_client(
    ///         yoti::HyperClient::builder()
    ///             .proxy("http://user:password@proxy.corp:3128")?
    ///             .no_proxy(".corp")
    ///             .add_root_certificate(ca_der)?,
    ///     )
    ///     .build()?;
    /// # let _ = yoti;
    /// # Ok(())
    /// # }
    /// ```
    pub fn http_client(mut self, client: HyperClientBuilder) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sets the IDV base URL (e.g. the sandbox's, or an emulator's `idv_url()`).
    pub fn idv_url(mut self, url: impl Into<String>) -> Self {
        self.idv_url = Some(url.into());
        self
    }

    /// Sets the Age Estimation base URL.
    pub fn age_url(mut self, url: impl Into<String>) -> Self {
        self.age_url = Some(url.into());
        self
    }

    /// Sets the Proof of Age base URL.
    pub fn poa_url(mut self, url: impl Into<String>) -> Self {
        self.poa_url = Some(url.into());
        self
    }

    /// Sets the token endpoint's URL (Proof of Age's bearer tokens).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Sets the scopes Proof of Age asks the token endpoint for (default:
    /// `yoti::poa::DEFAULT_SCOPES`).
    pub fn poa_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.poa_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Points every service at one emulator (or any server mounting them where
    /// `api.yoti.com` does): `{base}/idverify/v1`, `{base}/ai/v1`, `{base}/poa/v1`
    /// and `{base}/v1/oauth/token`.
    pub fn emulator_url(self, base: &str) -> Self {
        let base = base.trim_end_matches('/');
        self.idv_url(format!("{base}/idverify/v1"))
            .age_url(format!("{base}/ai/v1"))
            .poa_url(format!("{base}/poa/v1"))
            .token_url(format!("{base}/v1/oauth/token"))
    }

    /// Sets the SDK id, the key (parsed once) and every base URL from the environment, as
    /// [`Client::from_env`] does; anything set later replaces them.
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load.
    pub fn from_env(mut self) -> Result<Self, Error> {
        self.options.load_credentials_env().map_err(Error::Env)?;
        #[cfg(feature = "idv")]
        {
            self.idv_url = Some(yoti_idv::base_url_from_env());
        }
        #[cfg(feature = "age")]
        {
            self.age_url = Some(yoti_internal::base_url_from_env(
                &[yoti_age::ENV_BASE_URL],
                yoti_age::DEFAULT_BASE_URL,
            ));
        }
        #[cfg(feature = "poa")]
        {
            self.poa_url = Some(yoti_internal::base_url_from_env(
                &[yoti_poa::ENV_BASE_URL],
                yoti_poa::DEFAULT_BASE_URL,
            ));
            self.token_url = Some(yoti_internal::base_url_from_env(
                &[yoti_poa::ENV_TOKEN_URL],
                yoti_poa::DEFAULT_TOKEN_URL,
            ));
        }
        Ok(self)
    }

    /// Checks the configuration and builds every enabled service's client over one transport.
    ///
    /// # Errors
    /// [`Error::MissingSdkId`], [`Error::MissingKey`], or a service's refusal of its base URL.
    pub fn build(self) -> Result<Client, Error> {
        let (sdk_id, key) = self
            .options
            .credentials()
            .map_err(|missing| match missing {
                yoti_internal::MissingCredential::SdkId => Error::MissingSdkId,
                _ => Error::MissingKey,
            })?;
        let mut options = self.options;
        if options.transport.is_none() {
            options.transport = self
                .http_client
                .map(|client| Transport::new(client.build()));
        }
        let transport = options.transport();
        // Unused without any service feature.
        let _ = (&key, &transport, &self.token_url, &self.poa_scopes);
        Ok(Client {
            #[cfg(feature = "idv")]
            idv: {
                let mut b = yoti_idv::IdvClient::builder()
                    .sdk_id(sdk_id.clone())
                    .key(key.clone())
                    .transport(transport.clone());
                if let Some(url) = self.idv_url {
                    b = b.base_url(url);
                }
                b.build().map_err(Error::Idv)?
            },
            #[cfg(feature = "age")]
            age: {
                let mut b = yoti_age::AgeClient::builder()
                    .sdk_id(sdk_id.clone())
                    .key(key.clone())
                    .transport(transport.clone());
                if let Some(url) = self.age_url {
                    b = b.base_url(url);
                }
                b.build().map_err(Error::Age)?
            },
            #[cfg(feature = "poa")]
            poa: {
                let mut b = yoti_poa::PoaClient::builder()
                    .sdk_id(sdk_id.clone())
                    .key(key.clone())
                    .transport(transport.clone());
                if let Some(url) = self.poa_url {
                    b = b.base_url(url);
                }
                if let Some(url) = self.token_url {
                    b = b.token_url(url);
                }
                if let Some(scopes) = self.poa_scopes {
                    b = b.scopes(scopes);
                }
                b.build().map_err(Error::Poa)?
            },
            sdk_id,
        })
    }
}
