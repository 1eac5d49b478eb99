//! HTTP(S) proxies: which requests go through one (the standard environment variables or
//! the builder), and the connector that reaches the server through it.
//!
//! The rules are hyper-util's [`Matcher`] (the ones curl and reqwest apply): `https://`
//! targets through an HTTP `CONNECT` tunnel, `http://` targets as absolute-form requests to
//! the proxy, `NO_PROXY` by host suffix, IP address or CIDR network.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Uri};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::{BoxError, Error};
use crate::url::is_loopback;

/// Where the proxy settings of a client come from (see
/// [`HyperClientBuilder::proxy`](crate::HyperClientBuilder::proxy)).
#[derive(Clone, Default)]
pub(crate) struct ProxySettings {
    /// A proxy set on the builder: every request, loopback included, but `no_proxy`.
    pub(crate) explicit: Option<String>,
    /// Hosts that never go through a proxy, in `NO_PROXY`'s format (added to the
    /// environment's own).
    pub(crate) no_proxy: Option<String>,
    /// Whether to read the environment when no proxy is set on the builder.
    pub(crate) from_env: bool,
    /// The variables to read instead of the process environment.
    pub(crate) env: Option<HashMap<String, String>>,
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The proxy URL may carry credentials: only whether one is set is shown.
        f.debug_struct("ProxySettings")
            .field("explicit", &self.explicit.is_some())
            .field("no_proxy", &self.no_proxy)
            .field("from_env", &self.from_env)
            .field("env", &self.env.is_some())
            .finish()
    }
}

impl ProxySettings {
    pub(crate) fn new() -> Self {
        Self {
            from_env: true,
            ..Self::default()
        }
    }

    /// The proxies these settings give.
    pub(crate) fn build(&self) -> Proxies {
        if let Some(url) = &self.explicit {
            let no = self.no_proxy.clone().unwrap_or_default();
            if matches_everything(&no) {
                return Proxies::none();
            }
            let matcher = Matcher::builder().all(url.as_str()).no(no).build();
            return Proxies {
                matcher: Some(matcher),
                loopback: true,
            };
        }
        if !self.from_env {
            return Proxies::none();
        }
        let var = |name: &str| -> Option<String> {
            match &self.env {
                Some(env) => env.get(name).cloned(),
                None => std::env::var(name).ok(),
            }
            .filter(|value| !value.trim().is_empty())
        };
        // In a CGI script `HTTP_PROXY` comes from the request's `Proxy:` header (httpoxy): as
        // hyper-util's own `from_env` does, a CGI process reads no proxy from the environment.
        if var("REQUEST_METHOD").is_some() {
            return Proxies::none();
        }
        let first = |names: [&str; 2]| names.into_iter().find_map(var).unwrap_or_default();
        let https = first(["HTTPS_PROXY", "https_proxy"]);
        let http = first(["HTTP_PROXY", "http_proxy"]);
        let all = first(["ALL_PROXY", "all_proxy"]);
        if https.is_empty() && http.is_empty() && all.is_empty() {
            return Proxies::none();
        }
        let no = [
            first(["NO_PROXY", "no_proxy"]),
            self.no_proxy.clone().unwrap_or_default(),
        ]
        .into_iter()
        .filter(|list| !list.trim().is_empty())
        .collect::<Vec<_>>()
        .join(",");
        if matches_everything(&no) {
            return Proxies::none();
        }
        let matcher = Matcher::builder()
            .https(https)
            .http(http)
            .all(all)
            .no(no)
            .build();
        Proxies {
            matcher: Some(matcher),
            loopback: false,
        }
    }
}

/// Whether a `NO_PROXY` list holds `*`, which matches every host: hyper-util's matcher
/// applies it to names only, curl to IP addresses too.
fn matches_everything(no_proxy: &str) -> bool {
    no_proxy.split(',').any(|entry| entry.trim() == "*")
}

/// Checks a proxy URL set on the builder: `http://host:port`, with optional credentials.
pub(crate) fn check_proxy_url(url: &str) -> Result<(), Error> {
    let invalid = |reason: &'static str, source: Option<BoxError>| Error::InvalidUrl {
        url: without_credentials(url),
        reason,
        source,
    };
    let uri: Uri = url
        .parse()
        .map_err(|e| invalid("not a valid proxy URL", Some(Box::new(e))))?;
    match uri.scheme_str() {
        Some(scheme) if scheme.eq_ignore_ascii_case("http") => {}
        Some(_) => {
            return Err(invalid(
                "unsupported proxy scheme: expected http://host:port",
                None,
            ));
        }
        None => return Err(invalid("no scheme: expected http://host:port", None)),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("no host", None));
    }
    Ok(())
}

/// A URL with any `user:password@` replaced by `***@`, for messages.
pub(crate) fn without_credentials(url: &str) -> String {
    let url = crate::error::without_query(url);
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("***@{}", &rest[at + 1..]),
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The proxies of a client: which destination goes through which proxy.
pub(crate) struct Proxies {
    matcher: Option<Matcher>,
    /// Whether loopback destinations may go through a proxy: only one set on the builder.
    loopback: bool,
}

impl fmt::Debug for Proxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Matcher's Debug shows the proxies' URIs, never their credentials.
        f.debug_struct("Proxies")
            .field("matcher", &self.matcher)
            .field("loopback", &self.loopback)
            .finish()
    }
}

impl Proxies {
    pub(crate) fn none() -> Self {
        Self {
            matcher: None,
            loopback: false,
        }
    }

    /// The proxy a request to `dst` goes through, if any.
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        let matcher = self.matcher.as_ref()?;
        if !self.loopback && is_loopback(dst) {
            return None;
        }
        matcher.intercept(dst)
    }

    /// The `Proxy-Authorization` a plain `http://` request to `dst` carries to its proxy
    /// (an `https://` one carries it on its `CONNECT` instead).
    pub(crate) fn forward_auth(&self, dst: &Uri) -> Option<HeaderValue> {
        if !dst
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("http"))
        {
            return None;
        }
        let mut auth = self.intercept(dst)?.basic_auth()?.clone();
        auth.set_sensitive(true);
        Some(auth)
    }
}

/// Connects to the destination, directly or through its proxy: a `CONNECT` tunnel for an
/// `https://` destination (TLS then runs end to end inside it), a plain connection to the
/// proxy for an `http://` one, marked proxied so that hyper sends the absolute-form URI.
#[derive(Clone, Debug)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    proxies: Arc<Proxies>,
}

impl ProxyConnector {
    pub(crate) fn new(http: HttpConnector, proxies: Arc<Proxies>) -> Self {
        Self { http, proxies }
    }
}

type Connecting = Pin<Box<dyn Future<Output = Result<ProxyStream, BoxError>> + Send>>;

impl Service<Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let Some(proxy) = self.proxies.intercept(&dst) else {
            let connecting = self.http.call(dst);
            return Box::pin(async move { Ok(ProxyStream::new(connecting.await?, false)) });
        };
        if !proxy
            .uri()
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("http"))
        {
            let shown = proxy.uri().to_string();
            return Box::pin(async move {
                Err(format!(
                    "unsupported proxy `{shown}`: only http:// proxies (HTTP CONNECT) are supported"
                )
                .into())
            });
        }
        let is_https = dst
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        if is_https {
            let mut tunnel = Tunnel::new(proxy.uri().clone(), self.http.clone());
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            let connecting = tunnel.call(dst);
            Box::pin(async move { Ok(ProxyStream::new(connecting.await?, false)) })
        } else {
            let connecting = self.http.call(proxy.uri().clone());
            Box::pin(async move { Ok(ProxyStream::new(connecting.await?, true)) })
        }
    }
}

/// A TCP connection, to the server or to a proxy, that tells hyper which it is.
#[derive(Debug)]
pub(crate) struct ProxyStream {
    io: TokioIo<TcpStream>,
    /// A connection to a forward proxy (not a tunnel): requests use the absolute form.
    forward: bool,
}

impl ProxyStream {
    fn new(io: TokioIo<TcpStream>, forward: bool) -> Self {
        Self { io, forward }
    }
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forward)
    }
}

impl Read for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ProxySettings {
        ProxySettings {
            env: Some(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..ProxySettings::new()
        }
    }

    fn via(settings: &ProxySettings, dst: &str) -> Option<String> {
        settings
            .build()
            .intercept(&dst.parse().unwrap())
            .map(|i| i.uri().to_string())
    }

    #[test]
    fn environment_rules() {
        let s = env(&[
            ("HTTPS_PROXY", "http://proxy.corp:3128"),
            ("NO_PROXY", "internal.corp, .svc.local,10.0.0.0/8"),
        ]);
        assert_eq!(
            via(&s, "https://api.yoti.com/x").as_deref(),
            Some("http://proxy.corp:3128/")
        );
        assert_eq!(via(&s, "https://internal.corp/x"), None);
        assert_eq!(via(&s, "https://a.internal.corp/x"), None);
        assert_eq!(
            via(&s, "https://notinternal.corp/x").as_deref(),
            Some("http://proxy.corp:3128/")
        );
        assert_eq!(via(&s, "https://b.svc.local/x"), None);
        assert_eq!(via(&s, "https://10.1.2.3/x"), None);
        // Environment proxies never take loopback traffic (the emulator, local sidecars).
        assert_eq!(via(&s, "https://127.0.0.1:9/x"), None);
        assert_eq!(via(&s, "https://localhost:9/x"), None);
        // `*` covers IP addresses too, as in curl.
        let all = env(&[
            ("ALL_PROXY", "http://proxy.corp:3128"),
            ("NO_PROXY", "x, *"),
        ]);
        assert_eq!(via(&all, "https://10.1.2.3/x"), None);
        assert_eq!(via(&all, "https://api.yoti.com/x"), None);
        // HTTPS_PROXY is for https:// targets only.
        assert_eq!(via(&s, "http://api.yoti.com/x"), None);
    }

    #[test]
    fn lower_case_all_proxy_and_cgi() {
        let s = env(&[("all_proxy", "proxy.corp:8080")]);
        assert_eq!(
            via(&s, "https://api.yoti.com/").as_deref(),
            Some("http://proxy.corp:8080/")
        );
        let cgi = env(&[("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")]);
        assert_eq!(via(&cgi, "http://api.yoti.com/"), None);
        let off = ProxySettings {
            from_env: false,
            ..env(&[("HTTPS_PROXY", "http://proxy.corp:3128")])
        };
        assert_eq!(via(&off, "https://api.yoti.com/"), None);
    }

    #[test]
    fn explicit_proxy_takes_loopback_too_and_hides_credentials() {
        let s = ProxySettings {
            explicit: Some("http://user:s3cret@127.0.0.1:3128".to_owned()),
            no_proxy: Some("skip.example".to_owned()),
            ..env(&[("HTTPS_PROXY", "http://other:1")])
        };
        assert_eq!(
            via(&s, "https://127.0.0.1:9/x").as_deref(),
            Some("http://127.0.0.1:3128/")
        );
        assert_eq!(via(&s, "https://skip.example/x"), None);
        let proxies = s.build();
        assert!(!format!("{proxies:?} {s:?}").contains("s3cret"));
        let auth = proxies
            .forward_auth(&"http://127.0.0.1:9/x".parse().unwrap())
            .unwrap();
        assert!(auth.is_sensitive());
        assert!(
            proxies
                .forward_auth(&"https://127.0.0.1:9/x".parse().unwrap())
                .is_none()
        );
    }

    #[test]
    fn proxy_urls_are_checked_without_showing_credentials() {
        assert!(check_proxy_url("http://proxy.corp:3128").is_ok());
        assert!(check_proxy_url("http://u:p@proxy.corp:3128").is_ok());
        let err = check_proxy_url("socks5://u:s3cret@proxy.corp:1080").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(check_proxy_url("not a url").is_err());
        assert_eq!(
            without_credentials("http://u:p@proxy:1/x?q=1"),
            "http://***@proxy:1/x"
        );
    }
}
