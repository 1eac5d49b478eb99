//! The [`HttpClient`] trait and its default implementation on hyper.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::body::Body;
use crate::error::{Error, without_query};
use crate::proxy::{Proxies, ProxyConnector, ProxySettings, check_proxy_url};
use crate::tls::TlsSettings;
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
/// with the `native-roots` feature), HTTP/2 where the server offers it by ALPN, else
/// HTTP/1.1, and the proxies of the standard environment variables.
///
/// Cloning is cheap and shares the pool. Requests go to `https://` URIs, or to `http://`
/// URIs whose host is a loopback address (see [`is_loopback`](crate::is_loopback)); anything
/// else is refused before any I/O. See [`HyperClientBuilder`] for proxies, TLS and HTTP
/// versions.
#[derive(Clone)]
pub struct HyperClient {
    inner: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    proxies: Arc<Proxies>,
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

    /// The proxy a request to `uri` goes through, without its credentials; `None` for a
    /// direct connection.
    ///
    /// ```
    /// use yoti_http::HyperClient;
    ///
    /// let client = HyperClient::builder()
    ///     .proxy_env([("HTTPS_PROXY", "http://proxy.corp:3128"), ("NO_PROXY", ".internal")])
    ///     .build();
    /// let via = |url: &str| client.proxy_for(&url.parse().unwrap()).map(|p| p.to_string());
    /// assert_eq!(via("https://api.yoti.com/idverify/v1").as_deref(), Some("http://proxy.corp:3128/"));
    /// assert_eq!(via("https://yoti.internal/x"), None);
    /// assert_eq!(via("http://127.0.0.1:8080/x"), None); // never loopback, from the environment
    /// ```
    pub fn proxy_for(&self, uri: &Uri) -> Option<Uri> {
        self.proxies.intercept(uri).map(|proxy| proxy.uri().clone())
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
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

impl HttpClient for HyperClient {
    fn send(&self, request: Request<Bytes>) -> BoxFuture<'_, Result<Response<Body>, Error>> {
        Box::pin(async move {
            check_request_uri(request.uri())?;
            let mut request = request;
            if let Some(auth) = self.proxies.forward_auth(request.uri()) {
                request
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, auth);
            }
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

/// The HTTP versions a [`HyperClient`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Versions {
    /// HTTP/2 where the server offers it by ALPN (TLS only), else HTTP/1.1.
    Negotiated,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 only, without asking: h2c on plain `http://`, ALPN `h2` alone over TLS.
    Http2PriorKnowledge,
}

/// Options for a [`HyperClient`]: timeouts, pool, proxies, TLS, HTTP versions.
///
/// **Proxies.** By default the standard environment variables are read when the client is
/// built, with the rules of curl and reqwest: `HTTPS_PROXY`/`https_proxy` for `https://`
/// targets, `HTTP_PROXY`/`http_proxy` for `http://` ones, `ALL_PROXY`/`all_proxy` for both
/// when the former are unset, `NO_PROXY`/`no_proxy` a comma-separated list of hosts
/// (`yoti.com` and `.yoti.com` both match the domain and its subdomains), IP addresses, CIDR
/// networks (`10.0.0.0/8`) or `*`. A proxy URL is `http://[user:password@]host:port` (no
/// scheme means `http://`); the credentials go in `Proxy-Authorization: Basic` and are never
/// logged or shown by `Debug`. Two rules go beyond curl's: a proxy from the environment never
/// takes a loopback destination (the emulator, a local sidecar: Go's `net/http` does the
/// same), and, as in hyper-util, none is read in a CGI process (`REQUEST_METHOD` set), whose
/// `HTTP_PROXY` a client controls. [`proxy`](Self::proxy) sets one on the builder instead,
/// which takes every request, loopback included, but those [`no_proxy`](Self::no_proxy)
/// names. `https://` targets go through an HTTP `CONNECT` tunnel (TLS runs end to end inside
/// it), `http://` targets as absolute-form requests to the proxy.
///
/// **TLS.** rustls with aws-lc-rs and the bundled Mozilla roots (the operating system's with
/// the `native-roots` feature); [`add_root_certificate`](Self::add_root_certificate) trusts
/// a private CA beside them, [`tls_config`](Self::tls_config) replaces the whole
/// configuration.
///
/// **HTTP versions.** HTTP/2 where the server offers it by ALPN, else HTTP/1.1 (plain
/// `http://` is HTTP/1.1); [`http1_only`](Self::http1_only) and
/// [`http2_prior_knowledge`](Self::http2_prior_knowledge) change that.
#[derive(Clone, Debug)]
pub struct HyperClientBuilder {
    connect_timeout: Duration,
    request_timeout: Duration,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    proxy: ProxySettings,
    tls: TlsSettings,
    versions: Versions,
}

impl Default for HyperClientBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: usize::MAX,
            proxy: ProxySettings::new(),
            tls: TlsSettings::default(),
            versions: Versions::Negotiated,
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

    /// Sends every request through the proxy at `url` (`http://[user:password@]host:port`),
    /// loopback destinations included, but those named by [`no_proxy`](Self::no_proxy); the
    /// environment's proxy variables are then not read.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] (never showing the credentials) for a URL that does not parse,
    /// has no host, or a scheme other than `http` (an HTTPS or SOCKS proxy is not supported).
    pub fn proxy(mut self, url: &str) -> Result<Self, Error> {
        check_proxy_url(url)?;
        self.proxy.explicit = Some(url.to_owned());
        Ok(self)
    }

    /// Hosts that never go through a proxy, in `NO_PROXY`'s format (`a.com, .b.com,
    /// 10.0.0.0/8`), for the [`proxy`](Self::proxy) set here and beside the environment's
    /// `NO_PROXY` for one from the environment.
    pub fn no_proxy(mut self, hosts: &str) -> Self {
        self.proxy.no_proxy = Some(hosts.to_owned());
        self
    }

    /// Whether to read the proxy environment variables when no [`proxy`](Self::proxy) is
    /// set (default `true`).
    pub fn proxy_from_env(mut self, enabled: bool) -> Self {
        self.proxy.from_env = enabled;
        self
    }

    /// Reads the proxy variables from `vars` instead of the process environment, with the
    /// same rules (for a configuration file, or a test that must not touch the process
    /// environment). Implies [`proxy_from_env(true)`](Self::proxy_from_env).
    pub fn proxy_env<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.proxy.env = Some(
            vars.into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        );
        self.proxy.from_env = true;
        self
    }

    /// Trusts the DER certificate `der` (a private CA) beside the default roots. Ignored
    /// when a whole [`tls_config`](Self::tls_config) is set.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] when `der` is not a certificate usable as a root.
    pub fn add_root_certificate(mut self, der: &[u8]) -> Result<Self, Error> {
        self.tls.add_root(der)?;
        Ok(self)
    }

    /// Replaces the TLS configuration (roots, client certificate, protocol versions) with
    /// `config`. Its ALPN protocols are replaced by those of the HTTP versions enabled; keep
    /// aws-lc-rs as its crypto provider (`ClientConfig::builder_with_provider`) to use one
    /// crypto library throughout.
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls.config = Some(config);
        self
    }

    /// Speaks HTTP/1.1 only: ALPN offers `http/1.1` alone.
    pub fn http1_only(mut self) -> Self {
        self.versions = Versions::Http1;
        self
    }

    /// Speaks HTTP/2 only, without negotiating it: h2c ("prior knowledge") on plain
    /// `http://`, ALPN `h2` alone over TLS. For a server known to speak HTTP/2, such as the
    /// emulator.
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.versions = Versions::Http2PriorKnowledge;
        self
    }

    /// Builds the client. Needs no runtime; sending needs a Tokio runtime with time and I/O
    /// enabled.
    pub fn build(self) -> HyperClient {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let proxies = Arc::new(self.proxy.build());
        let connector = ProxyConnector::new(http, Arc::clone(&proxies));
        let tls = HttpsConnectorBuilder::new()
            .with_tls_config(self.tls.client_config())
            .https_or_http();
        let https = match self.versions {
            Versions::Negotiated => tls.enable_all_versions().wrap_connector(connector),
            Versions::Http1 => tls.enable_http1().wrap_connector(connector),
            Versions::Http2PriorKnowledge => tls.enable_http2().wrap_connector(connector),
        };
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .http2_only(self.versions == Versions::Http2PriorKnowledge);
        let inner = builder.build(https);
        HyperClient {
            inner,
            proxies,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_config_builds() {
        let config = TlsSettings::default().client_config();
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
