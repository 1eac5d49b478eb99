//! Serving connections: the accept loop, the connection timeouts, TLS, and the net under
//! every handler that turns a panic into a counted 500 and axum's plain-text rejections (a
//! body over a limit) into the service's JSON error.
//!
//! Each connection speaks HTTP/1.1 with keep-alive or HTTP/2: on plain TCP HTTP/2 is "prior
//! knowledge" (h2c, recognised by its preface), over TLS (see [`Tls`]) it is negotiated by
//! ALPN (`h2`, `http/1.1`). A client gets [`Timeouts::header_read`] to finish the TLS
//! handshake or send its first bytes, and to send an HTTP/1.1 request's head, counted from
//! when the server starts waiting for it: on a new connection, and again after each answer on
//! a kept-alive one. So a slowloris client that dribbles its headers, and an idle connection
//! nobody uses, are both closed in bounded time instead of holding a file descriptor forever.
//! (An HTTP/2 connection, once its preface is in, stays open while the client keeps it.)

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt as _;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ApiError;
use crate::state::Shared;

/// How long a connection may take to send a request head, and stay idle between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub(crate) header_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(30),
        }
    }
}

/// A certificate chain and its private key (DER), to serve HTTPS with.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) cert_chain: Vec<Vec<u8>>,
    pub(crate) key: Vec<u8>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("cert_chain", &self.cert_chain.len())
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Tls {
    /// The acceptor: rustls with aws-lc-rs, ALPN `h2` then `http/1.1`.
    ///
    /// # Errors
    /// Why the key does not parse or does not match the certificate.
    pub(crate) fn acceptor(&self) -> Result<TlsAcceptor, String> {
        let chain = self
            .cert_chain
            .iter()
            .map(|der| CertificateDer::from(der.clone()))
            .collect();
        let key = PrivateKeyDer::try_from(self.key.clone())
            .map_err(|e| format!("TLS private key: {e}"))?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS certificate and key: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// the connections to finish their in-flight requests. With `tls`, every connection starts
/// with a TLS handshake.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http1 = http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read)
        .keep_alive(true);
    let mut http2 = http2::Builder::new(TokioExecutor::new());
    http2.timer(TokioTimer::new());
    let builders = Arc::new(Builders { http1, http2 });
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let builders = Arc::clone(&builders);
        let watcher = graceful.watcher();
        let limit = timeouts.header_read;
        let tls = tls.clone();
        tokio::spawn(async move {
            // The version is known before any request: from ALPN over TLS, from the first
            // bytes on plain TCP. Both within the header-read timeout, so that a connection
            // that never says anything is closed like a slow HTTP/1.1 head.
            match tls {
                None => match sniff_h2c(&stream, limit).await {
                    Some(h2) => builders.serve(stream, h2, app, watcher).await,
                    None => tracing::debug!("no request began in time"),
                },
                Some(acceptor) => {
                    match tokio::time::timeout(limit, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                            builders.serve(stream, h2, app, watcher).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_elapsed) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The connection builders of both versions.
struct Builders {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Builders {
    /// Serves one connection until it ends, or until shutdown ends it.
    async fn serve<I>(&self, io: I, h2: bool, app: Router, watcher: Watcher)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let io = TokioIo::new(io);
        let service = TowerToHyperService::new(app);
        let ended = if h2 {
            watcher
                .watch(self.http2.serve_connection(io, service))
                .await
        } else {
            watcher
                .watch(self.http1.serve_connection(io, service))
                .await
        };
        if let Err(e) = ended {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }
}

/// Whether a plain connection opens with HTTP/2's preface (h2c with prior knowledge), read
/// without consuming it; `None` when it sends nothing within `limit` or closes.
async fn sniff_h2c(stream: &TcpStream, limit: Duration) -> Option<bool> {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut buf = [0u8; PREFACE.len()];
    tokio::time::timeout(limit, async {
        loop {
            let n = stream.peek(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            if buf[..n] != PREFACE[..n] {
                return Some(false);
            }
            if n == PREFACE.len() {
                return Some(true);
            }
            // A preface split across packets: peek again once more may have come.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .ok()
    .flatten()
}

/// Middleware over every route: polls the rest of the stack under `catch_unwind`, so that a
/// panic there is caught, counted (`panics` in the stats) and answered 500 with a JSON body
/// in the service's error style, instead of dropping the connection. A 413 that is not JSON
/// (axum's own, from an extractor's limit) is answered in the service's style too.
///
/// The handler is polled in the connection's own task: a task of its own per request (as
/// `tokio::spawn` would give) costs a scheduler hop, often a wake-up of the other worker,
/// on every request, and that was a tenth of a concurrency-1 round trip (docs/BENCHMARKS.md).
pub(crate) async fn guard(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let style = crate::state::error_style_for(request.uri().path());
    // Unwind safety: a panicking handler leaves nothing half-written that others read
    // unguarded; the shared state is behind locks, which a panic poisons or releases.
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response)
            if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) =>
        {
            ApiError::new(
                style,
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "Payload too large: the request body is over this endpoint's limit.",
            )
            .into_response()
        }
        Ok(response) => response,
        Err(payload) => {
            shared.stats.count_panic();
            tracing::error!(
                panic = panic_message(payload.as_ref()),
                "a handler panicked"
            );
            ApiError::new(
                style,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "The emulator failed to handle this request (a bug: please report it).",
            )
            .into_response()
        }
    }
}

/// The message a panic was raised with, when it is text (`panic!("...")` gives one).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not text)")
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::middleware::from_fn_with_state;
    use axum::routing::get;
    use http_body_util::BodyExt as _;

    use super::*;
    use crate::state::State as EmulatorState;

    /// A handler that panics is answered 500 in its service's error style, counted, and the
    /// same router goes on answering: the net catches the panic where the handler is polled.
    #[tokio::test]
    async fn a_panicking_handler_is_a_counted_500_in_the_service_style() {
        let shared: Shared = Arc::new(EmulatorState::new(
            yoti_auth::Verifier::new(),
            crate::FaultConfig::default(),
            crate::DEFAULT_BODY_LIMIT,
            crate::WebhookPolicy::default(),
        ));
        async fn boom() -> &'static str {
            panic!("boom in a handler")
        }
        let mut router = Router::new()
            .route("/idverify/v1/boom", get(boom))
            .route("/idverify/v1/fine", get(|| async { "fine" }))
            .layer(from_fn_with_state(shared.clone(), guard))
            .with_state(shared.clone());
        let call = |path: &'static str| Request::get(path).body(Body::empty()).unwrap();

        let answer = tower::Service::call(&mut router, call("/idverify/v1/boom"))
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(is_json(&answer));
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "INTERNAL_ERROR", "{body}");
        assert_eq!(shared.stats.snapshot().panics, 1);

        let answer = tower::Service::call(&mut router, call("/idverify/v1/fine"))
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(shared.stats.snapshot().panics, 1);
    }
}
