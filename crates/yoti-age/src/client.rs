//! The client.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use yoti_auth::{PrivateKey, RequestSigner, SdkIdPlacement};
use yoti_http::{Endpoint, RequestOptions, Transport};
use yoti_internal::{RawResponse, operation_span};
use yoti_types::age::{
    AgeAntispoofingResponse, AgeAntispoofingVerifyResponse, AgeCheckResult, AgeEndpoint,
    AgeErrorBody, AgeEstimate, AntispoofingResponse,
};

use crate::request::{Checks, Prepared};
use crate::{Call, Error, Estimate, ImageLimits, Verify};

/// The production base URL of the Age Estimation API.
pub const DEFAULT_BASE_URL: &str = "https://api.yoti.com/ai/v1";

/// The environment variable that overrides the base URL in [`AgeClient::from_env`].
pub const ENV_BASE_URL: &str = "YOTI_AGE_API_URL";

/// A client of Yoti's Age Estimation API for one application.
///
/// Cheap to clone (the transport and its connection pool are shared). `Debug` shows the SDK
/// id and base URL, never the key.
#[derive(Clone)]
pub struct AgeClient {
    inner: Arc<Inner>,
}

struct Inner {
    signer: RequestSigner,
    base_url: String,
    transport: Transport,
    local_checks: bool,
    limits: ImageLimits,
    terminal_id: Option<String>,
}

impl fmt::Debug for AgeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgeClient")
            .field("sdk_id", &self.inner.signer.sdk_id())
            .field("base_url", &self.inner.base_url)
            .field("local_checks", &self.inner.local_checks)
            .field("terminal_id", &self.inner.terminal_id)
            .finish_non_exhaustive()
    }
}

impl AgeClient {
    /// A client for the application `sdk_id`, with its key, against production
    /// ([`DEFAULT_BASE_URL`]), with local image checks on.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty SDK id.
    pub fn new(sdk_id: impl Into<String>, key: PrivateKey) -> Result<Self, Error> {
        Self::builder().sdk_id(sdk_id).key(key).build()
    }

    /// A builder, for another base URL (the emulator), transport or image limits.
    pub fn builder() -> AgeClientBuilder {
        AgeClientBuilder::default()
    }

    /// A client from the environment: `YOTI_CLIENT_SDK_ID`, `YOTI_KEY_FILE_PATH` (the PEM
    /// key) and, optionally, `YOTI_AGE_API_URL` (the base URL).
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load,
    /// [`Error::BaseUrl`] for an unusable `YOTI_AGE_API_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }

    /// The application's SDK id.
    pub fn sdk_id(&self) -> &str {
        self.inner.signer.sdk_id()
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Whether images are checked locally before they are sent (unless a request says
    /// otherwise with `with_local_checks`).
    pub fn local_checks(&self) -> bool {
        self.inner.local_checks
    }

    /// The limits of the local image checks.
    pub fn image_limits(&self) -> &ImageLimits {
        &self.inner.limits
    }

    /// `POST /age`: estimates the age of the face in the image.
    ///
    /// # Errors
    /// See [`Error`]; an image failing a local check is [`Error::ImageCheck`] and is not sent.
    pub fn age(&self, request: Estimate) -> Call<AgeEstimate> {
        self.call(request.prepare(AgeEndpoint::Age, self.checks()))
            .instrument(operation_span!("yoti.age.estimate"))
    }

    /// `POST /antispoofing`: is the face live (`real`) or a spoof (`fake`)?
    ///
    /// # Errors
    /// See [`Error`].
    pub fn antispoofing(&self, request: Estimate) -> Call<AntispoofingResponse> {
        self.call(request.prepare(AgeEndpoint::Antispoofing, self.checks()))
            .instrument(operation_span!("yoti.age.antispoofing"))
    }

    /// `POST /age-antispoofing`: the age estimate and the anti-spoofing verdict.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn age_antispoofing(&self, request: Estimate) -> Call<AgeAntispoofingResponse> {
        self.call(request.prepare(AgeEndpoint::AgeAntispoofing, self.checks()))
            .instrument(operation_span!("yoti.age.estimate_antispoofing"))
    }

    /// `POST /age-verify`: does the estimated age pass the threshold?
    ///
    /// # Errors
    /// See [`Error`].
    pub fn age_verify(&self, request: Verify) -> Call<AgeCheckResult> {
        self.call(request.prepare(AgeEndpoint::AgeVerify, self.checks()))
            .instrument(operation_span!("yoti.age.verify"))
    }

    /// `POST /age-antispoofing-verify`: the threshold check and the anti-spoofing verdict.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn age_antispoofing_verify(&self, request: Verify) -> Call<AgeAntispoofingVerifyResponse> {
        self.call(request.prepare(AgeEndpoint::AgeAntispoofingVerify, self.checks()))
            .instrument(operation_span!("yoti.age.verify_antispoofing"))
    }

    /// Builds and signs an estimate request for `endpoint` exactly as [`age`](Self::age) and
    /// its siblings would send it, without sending it: for another HTTP stack, or to measure.
    ///
    /// # Errors
    /// As the sending methods, before the network: validation, local checks, signing.
    pub fn signed_estimate(
        &self,
        endpoint: AgeEndpoint,
        request: Estimate,
    ) -> Result<http::Request<Bytes>, Error> {
        self.sign(&request.prepare(endpoint, self.checks())?)
    }

    /// Builds and signs a threshold check for `endpoint` without sending it (see
    /// [`signed_estimate`](Self::signed_estimate)).
    ///
    /// # Errors
    /// As [`signed_estimate`](Self::signed_estimate).
    pub fn signed_verify(
        &self,
        endpoint: AgeEndpoint,
        request: Verify,
    ) -> Result<http::Request<Bytes>, Error> {
        self.sign(&request.prepare(endpoint, self.checks())?)
    }

    fn checks(&self) -> Checks<'_> {
        Checks {
            enabled: self.inner.local_checks,
            limits: &self.inner.limits,
            terminal_id: self.inner.terminal_id.as_deref(),
        }
    }

    fn builder_for(&self, prepared: &Prepared) -> yoti_auth::SignedRequestBuilder<'_> {
        let mut builder = self
            .inner
            .signer
            .request(Method::POST, &self.inner.base_url, prepared.endpoint.path())
            .sdk_id(SdkIdPlacement::Header);
        if prepared.secure {
            builder = builder.query("secure", "true");
        }
        if prepared.multiframe {
            builder = builder.query("multiframe", "true");
        }
        for (name, value) in &prepared.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        builder.json(prepared.body.clone())
    }

    fn sign(&self, prepared: &Prepared) -> Result<http::Request<Bytes>, Error> {
        self.builder_for(prepared).build().map_err(Error::Signing)
    }

    /// The call that sends `prepared`, its per-call options starting from the request's.
    fn call<T: DeserializeOwned + Send + 'static>(
        &self,
        prepared: Result<Prepared, Error>,
    ) -> Call<T> {
        match prepared {
            Err(error) => Call::fail(error),
            Ok(prepared) => {
                let this = self.clone();
                Call::new_with_options(prepared.call.clone(), move |options| async move {
                    this.run(prepared, &options).await
                })
            }
        }
    }

    async fn run<T: DeserializeOwned>(
        &self,
        prepared: Prepared,
        options: &RequestOptions,
    ) -> Result<T, Error> {
        tracing::debug!(
            endpoint = %prepared.endpoint,
            image_bytes = prepared.image_len,
            body_bytes = prepared.body.len(),
            secure = prepared.secure,
            "yoti-age: sending"
        );
        let builder = self.builder_for(&prepared);
        let endpoint =
            Endpoint::under(Method::POST, &self.inner.base_url, prepared.endpoint.path());
        let options = options.clone().with_classifier(crate::retry::classifier());
        // The transport bounds the whole exchange: the deadline and read timeout go with the
        // response body, and `collect` stops at the size limit.
        let response = self
            .inner
            .transport
            .execute_with(&options, |_| builder.build())
            .await
            .map_err(|e| Error::from_http_at(e, Some(endpoint.clone())))?;
        let raw = yoti_internal::collect(response)
            .await
            .map_err(|e| Error::from_http_at(e, Some(endpoint.clone())))?;
        answer(raw, endpoint)
    }
}

/// A typed answer, or the API error the status and body say.
fn answer<T: DeserializeOwned>(raw: RawResponse, endpoint: Endpoint) -> Result<T, Error> {
    if raw.status.is_success() {
        return yoti_internal::decode(&raw.body).map_err(|source| Error::Decode {
            status: raw.status,
            source,
        });
    }
    let parsed = serde_json::from_slice::<AgeErrorBody>(&raw.body).unwrap_or_default();
    tracing::debug!(
        status = raw.status.as_u16(),
        code = parsed.code().map(|c| c.as_str()),
        "yoti-age: error answer"
    );
    Err(Error::Api(Box::new(
        crate::ApiError::new(
            raw.status,
            &raw.body,
            parsed.error_code,
            parsed.error_message,
            vec![],
        )
        .at(Some(endpoint)),
    )))
}

/// Configures an [`AgeClient`]: [`sdk_id`](Self::sdk_id) and [`key`](Self::key) are
/// required.
#[derive(Debug, Default)]
#[must_use]
pub struct AgeClientBuilder {
    options: yoti_internal::ClientOptions,
    local_checks: Option<bool>,
    limits: Option<ImageLimits>,
    terminal_id: Option<String>,
}

impl AgeClientBuilder {
    yoti_internal::client_options_setters!(options, base_url = DEFAULT_BASE_URL);

    /// Sets the SDK id, the key and the base URL from the environment, as
    /// [`AgeClient::from_env`] does; anything set later replaces them.
    ///
    /// # Errors
    /// [`Error::Env`] when a variable is missing or the key does not load.
    pub fn from_env(mut self) -> Result<Self, Error> {
        self.options.load_env(&[ENV_BASE_URL], DEFAULT_BASE_URL)?;
        Ok(self)
    }

    /// Whether to check images locally before sending them (default `true`).
    pub fn local_checks(mut self, enabled: bool) -> Self {
        self.local_checks = Some(enabled);
        self
    }

    /// The limits of the local checks (default [`ImageLimits::REFERENCE`]).
    pub fn image_limits(mut self, limits: ImageLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// A `Terminal-Id` header sent with every request (a request's own `terminal_id` wins).
    pub fn terminal_id(mut self, id: impl Into<String>) -> Self {
        self.terminal_id = Some(id.into());
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`Error::Config`] when the SDK id or key is missing, or the terminal id is not a
    /// valid header value; [`Error::BaseUrl`] for an unusable base URL.
    pub fn build(self) -> Result<AgeClient, Error> {
        let (sdk_id, key) = self
            .options
            .credentials()
            .map_err(|missing| Error::Config {
                reason: missing.to_string(),
            })?;
        if http::HeaderValue::try_from(sdk_id.as_str()).is_err() {
            return Err(Error::Config {
                reason: "the SDK id is not a valid header value".into(),
            });
        }
        if let Some(id) = &self.terminal_id
            && http::HeaderValue::try_from(id.as_str()).is_err()
        {
            return Err(Error::Config {
                reason: "the terminal id is not a valid header value".into(),
            });
        }
        let base_url = self
            .options
            .base_url_or(DEFAULT_BASE_URL)
            .map_err(Error::BaseUrl)?;
        Ok(AgeClient {
            inner: Arc::new(Inner {
                signer: RequestSigner::new(sdk_id, key),
                base_url,
                transport: self.options.transport(),
                local_checks: self.local_checks.unwrap_or(true),
                limits: self.limits.unwrap_or_default(),
                terminal_id: self.terminal_id,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| PrivateKey::generate(2048).unwrap())
            .clone()
    }

    #[test]
    fn builder_checks_configuration() {
        let client = AgeClient::new("sdk-1", key()).unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        assert!(client.local_checks());
        let debug = format!("{client:?}");
        assert!(
            debug.contains("sdk-1") && !debug.contains("PRIVATE"),
            "{debug}"
        );

        assert!(matches!(
            AgeClient::builder().key(key()).build(),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            AgeClient::builder().sdk_id("x").build(),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            AgeClient::builder()
                .sdk_id("x")
                .key(key())
                .base_url("http://api.yoti.com/ai/v1")
                .build(),
            Err(Error::BaseUrl(_))
        ));
        let local = AgeClient::builder()
            .sdk_id("x")
            .key(key())
            .base_url("http://127.0.0.1:9/ai/v1/")
            .build()
            .unwrap();
        assert_eq!(local.base_url(), "http://127.0.0.1:9/ai/v1");
    }

    #[test]
    fn signed_requests_follow_the_wire_notes() {
        let client = AgeClient::builder()
            .sdk_id("sdk-1")
            .key(key())
            .local_checks(false)
            .terminal_id("kiosk-7")
            .build()
            .unwrap();
        let request = client
            .signed_verify(
                AgeEndpoint::AgeVerify,
                Verify::new(vec![1u8, 2, 3], 18)
                    .secure(serde_json::json!({"version": "1"}))
                    .multiframe(true)
                    .session_id("s-1"),
            )
            .unwrap();
        assert_eq!(request.method(), Method::POST);
        let uri = request.uri().to_string();
        assert!(
            uri.starts_with(
                "https://api.yoti.com/ai/v1/age-verify?secure=true&multiframe=true&nonce="
            ),
            "{uri}"
        );
        assert!(
            uri.contains("&timestamp=") && !uri.contains("sdkId"),
            "{uri}"
        );
        let h = request.headers();
        assert_eq!(h["x-yoti-auth-id"], "sdk-1");
        assert_eq!(h["terminal-id"], "kiosk-7");
        assert_eq!(h["session-id"], "s-1");
        assert_eq!(h["content-type"], "application/json");
        assert!(h.contains_key("x-yoti-auth-digest"));
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["threshold"], 18);
        assert_eq!(body["operator"], "OVER");
    }
}
