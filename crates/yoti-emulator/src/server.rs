//! Serving connections: the accept loop, the connection timeouts, and the net under every
//! handler that turns a panic into a counted 500 and axum's plain-text rejections (a body
//! over a limit) into the service's JSON error.
//!
//! Each connection is HTTP/1.1 with keep-alive. A client gets [`Timeouts::header_read`] to
//! send a request's head, counted from when the server starts waiting for it: on a new
//! connection, and again after each answer on a kept-alive one. So a slowloris client that
//! dribbles its headers, and an idle connection nobody uses, are both closed in bounded
//! time instead of holding a file descriptor forever.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

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

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// the connections to finish their in-flight requests.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
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
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header_read)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Middleware over every route: runs the rest of the stack in its own task, so that a
/// panic there is caught, counted (`panics` in the stats) and answered 500 with a JSON body
/// in the service's error style, instead of dropping the connection. A 413 that is not JSON
/// (axum's own, from an extractor's limit) is answered in the service's style too.
pub(crate) async fn guard(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let style = crate::state::error_style_for(request.uri().path());
    match tokio::spawn(next.run(request)).await {
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
        Err(e) => {
            shared.stats.count_panic();
            tracing::error!(error = %e, "a handler panicked");
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

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
