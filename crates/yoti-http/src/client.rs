//! The [`HttpClient`] trait and its default implementation on hyper.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper_rustls::{ConfigBuilderExt as _, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::body::Body;
use crate::error::{Error, without_query};
use crate::url::is_loopback;

/// A boxed, `Send` future, as returned by [`HttpClient::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request and returns the response head with a streaming body.
///
/// This is one attempt, with no retry: [`Transport`](crate::Transport) adds retries on top.
/// [`HyperClient`] is the implementation for real traffic; a test, or an application with its
/// own HTTP stack, can plug in another one. The trait is object safe, so clients hold an
/// `Arc<dyn HttpClient>`.
///
/// An implementation should report a failure to connect (the request never left) as
/// [`Error::Connect`], a failure after that as [`Error::Transport`] and a missed deadline as
/// [`Error::Timeout`]: the retry policy relies on that distinction. Every HTTP status,
/// including 5xx, is `Ok(response)`.
pub trait HttpClient: Send + Sync + fmt::Debug + 'static {
    /// Sends `request`, whose URI is absolute, and resolves once the response head arrived.
    fn send(&self, request: Request<Bytes>) -> BoxFuture<'_, Result<Response<Body>, Error>>;
}

impl<C: HttpClient + ?Sized> HttpClient for Arc<C> {
    fn send(&self, request: Request<Bytes>) -> BoxFuture<'_, Result<Response<Body>, Error>> {
        (**self).send(request)
    }
}

impl<C: HttpClient + ?Sized> HttpClient for Box<C> {
    fn send(&self, request: Request<Bytes>) -> BoxFuture<'_, Result<Response<Body>, Error>> {
        (**self).send(request)
    }
}

/// The default time allowed to establish a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed from sending a request until its response head arrives.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time an idle pooled connection is kept.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The default [`HttpClient`]: hyper 1 with a pool of keep-alive connections, TLS by rustls
/// with the aws-lc-rs provider and the bundled Mozilla roots (the operating system's roots
/// with the `native-roots` feature), HTTP/1.1.
///
/// Cloning is cheap and shares the pool. Requests go to `https://` URIs, or to `http://`
/// URIs whose host is a loopback address (see [`is_loopback`](crate::is_loopback)); anything
/// else is refused before any I/O.
#[derive(Clone)]
pub struct HyperClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl HyperClient {
    /// A client with the default timeouts: [`DEFAULT_CONNECT_TIMEOUT`] and
    /// [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn new() -> Self {
        HyperClientBuilder::default().build()
    }

    /// A builder to set timeouts and pool options.
    pub fn builder() -> HyperClientBuilder {
        HyperClientBuilder::default()
    }

    /// The time allowed to establish a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The time allowed from sending a request until its response head arrives.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
}

impl Default for HyperClient {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperClient")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient for HyperClient {
    fn send(&self, request: Request<Bytes>) -> BoxFuture<'_, Result<Response<Body>, Error>> {
        Box::pin(async move {
            check_request_uri(request.uri())?;
            let pending = self.inner.request(request.map(Full::new));
            match tokio::time::timeout(self.request_timeout, pending).await {
                Err(_elapsed) => Err(Error::Timeout {
                    after: self.request_timeout,
                }),
                Ok(Err(err)) if err.is_connect() => Err(Error::Connect(Box::new(err))),
                Ok(Err(err)) => Err(Error::Transport(Box::new(err))),
                Ok(Ok(response)) => Ok(response.map(Body::incoming)),
            }
        })
    }
}

/// Refuses, before any I/O, what the connector would refuse later or should never send.
fn check_request_uri(uri: &Uri) -> Result<(), Error> {
    let shown = || without_query(&uri.to_string()).to_owned();
    match uri.scheme_str() {
        Some(scheme) if scheme.eq_ignore_ascii_case("https") => {}
        Some(scheme) if scheme.eq_ignore_ascii_case("http") => {
            if !is_loopback(uri) {
                return Err(Error::InsecureUrl { url: shown() });
            }
        }
        _ => {
            return Err(Error::InvalidUrl {
                url: shown(),
                reason: "a request URI must be absolute, with scheme https (or http on loopback)",
                source: None,
            });
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl {
            url: shown(),
            reason: "no host",
            source: None,
        });
    }
    Ok(())
}

/// Options for a [`HyperClient`].
#[derive(Clone, Debug)]
pub struct HyperClientBuilder {
    connect_timeout: Duration,
    request_timeout: Duration,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
}

impl Default for HyperClientBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: usize::MAX,
        }
    }
}

impl HyperClientBuilder {
    /// The time allowed to establish a connection (TCP, then TLS), default 10 s. Running out
    /// gives [`Error::Connect`]: the request was never sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time allowed from sending a request until its response head arrives, connecting
    /// included, default 30 s. Running out gives [`Error::Timeout`]. Reading the body is not
    /// covered: a caller streaming a large download sets its own pace.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long an idle connection stays in the pool, default 90 s; `None` keeps it until
    /// the server closes it.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The most idle connections kept per host, default unlimited; 0 disables pooling.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Builds the client. Needs no runtime; sending needs a Tokio runtime with time and I/O
    /// enabled.
    pub fn build(self) -> HyperClient {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let inner = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(https);
        HyperClient {
            inner,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
        }
    }
}

/// rustls with the aws-lc-rs provider, its safe default protocol versions (TLS 1.2 and 1.3)
/// and the bundled webpki roots, or the operating system's with the `native-roots` feature.
fn tls_config() -> rustls::ClientConfig {
    let builder = || {
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        // Infallible: this only fails for a provider lacking the cipher suites of every
        // default protocol version, and aws-lc-rs's default provider has them all.
        .expect("aws-lc-rs supports rustls's default protocol versions")
    };
    #[cfg(feature = "native-roots")]
    match builder().with_native_roots() {
        Ok(builder) => return builder.with_no_client_auth(),
        Err(err) => tracing::warn!(
            error = %err,
            "no usable native root certificates; falling back to the bundled webpki roots"
        ),
    }
    builder().with_webpki_roots().with_no_client_auth()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_config_builds() {
        let config = tls_config();
        assert!(!config.alpn_protocols.iter().any(|p| p == b"h2"));
    }

    #[test]
    fn request_uris_are_checked() {
        let ok = |s: &str| check_request_uri(&s.parse().unwrap()).is_ok();
        assert!(ok("https://api.yoti.com/idverify/v1/sessions?nonce=1"));
        assert!(ok("http://127.0.0.1:9/x"));
        assert!(ok("http://[::1]:9/x"));
        assert!(!ok("http://api.yoti.com/x"));
        assert!(!ok("/relative"));
        assert!(!ok("ftp://api.yoti.com/x"));
        let err =
            check_request_uri(&"http://api.yoti.com/x?nonce=secret".parse().unwrap()).unwrap_err();
        assert!(matches!(err, Error::InsecureUrl { .. }));
        assert!(!err.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn insecure_request_is_refused_before_io() {
        let client = HyperClient::new();
        let request = Request::get("http://example.com/")
            .body(Bytes::new())
            .unwrap();
        assert!(matches!(
            client.send(request).await.unwrap_err(),
            Error::InsecureUrl { .. }
        ));
    }
}
