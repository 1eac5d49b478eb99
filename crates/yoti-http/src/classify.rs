//! [`RetryClassifier`]: what a service knows about its own endpoints and error answers, so
//! that the transport's retries and the service errors' `is_retryable()` give one answer.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, StatusCode};
use http_body::Frame;

use crate::body::Body;
use crate::error::Error;

/// What a service says about its endpoints and error answers, for
/// [`RetryPolicy::classify`](crate::RetryPolicy::classify).
///
/// The HTTP rules (which methods are idempotent, which statuses are transient) stay with the
/// [`RetryPolicy`](crate::RetryPolicy); a classifier adds what only the service knows: that a
/// POST is safe to repeat (Age Estimation's are pure functions of the image), or that an error
/// code is transient whatever its status (Proof of Age's `SYSTEM_UNAVAILABLE`). The transport
/// asks it before every retry ([`RequestOptions::with_classifier`](crate::RequestOptions::with_classifier)),
/// and each service's `Error::is_retryable()` asks the same classifier, through the same
/// [`RetryPolicy::classify`](crate::RetryPolicy::classify), with the same inputs: the two cannot
/// disagree.
///
/// Every method has a default that follows HTTP alone ([`HttpRules`]).
pub trait RetryClassifier: fmt::Debug + Send + Sync + 'static {
    /// Whether a request to `path` (the request URI's path, without query) with `method` may be
    /// sent again after it may have reached the server (a timeout, a lost connection, a 503).
    /// Default: the method is idempotent ([`is_idempotent`]).
    fn is_repeatable(&self, method: &Method, path: &str) -> bool {
        let _ = path;
        is_idempotent(method)
    }

    /// Whether an error answer (a status that is not 2xx and not already one of the policy's
    /// [retry statuses](crate::RetryPolicy::retry_statuses)) is transient, read from its body:
    /// at most [`error_body_limit`](Self::error_body_limit) bytes of it. Default: no.
    fn is_transient(&self, status: StatusCode, body: &[u8]) -> bool {
        let _ = (status, body);
        false
    }

    /// How many bytes of an error answer's body [`is_transient`](Self::is_transient) reads
    /// (default 0: the transport does not read error bodies at all). The transport reads at
    /// most this much before deciding, and hands the whole body on to the caller unchanged.
    fn error_body_limit(&self) -> usize {
        0
    }
}

/// The classifier of plain HTTP: idempotent methods are repeatable, no body is read. What a
/// [`Transport`](crate::Transport) applies to a call that names no classifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpRules;

impl RetryClassifier for HttpRules {}

/// GET, HEAD, PUT, DELETE, OPTIONS and TRACE: repeating them has the effect of doing them once
/// (RFC 9110, section 9.2.2).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// What an attempt ended with, as [`RetryPolicy::classify`](crate::RetryPolicy::classify)
/// sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// No answer: the transport's error.
    Failed(&'a Error),
    /// An answer.
    Answered {
        /// Its status.
        status: StatusCode,
        /// Its headers (`Retry-After` is read from them).
        headers: &'a HeaderMap,
        /// Its body, or its first bytes: only an error answer's, and only as far as the
        /// classifier's [`error_body_limit`](RetryClassifier::error_body_limit); empty
        /// otherwise.
        body: &'a [u8],
    },
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Return this outcome to the caller: a success, or a failure that repeating would not
    /// mend (or might make worse).
    Return,
    /// Try again after the policy's backoff.
    Retry,
    /// Try again after the delay the server asked for (`Retry-After`).
    RetryAfter(Duration),
}

impl Verdict {
    /// Whether the verdict is to try again.
    pub fn is_retry(self) -> bool {
        !matches!(self, Self::Return)
    }
}

/// The request an outcome belongs to, as a classifier is asked about it: the method and the
/// request URI's path. Service errors keep one, so that `is_retryable()` asks the classifier
/// about the same request the transport did. Cheap to clone; one pointer wide.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint(Arc<(Method, String)>);

impl Endpoint {
    /// The request `method` to `path` (the URI's path, without query).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self(Arc::new((method, path.into())))
    }

    /// The request `method` to `relative` under `base_url` (a service's base URL, whose
    /// path is a prefix): the path the transport sees, e.g. `/idverify/v1` + `/sessions`.
    pub fn under(method: Method, base_url: &str, relative: &str) -> Self {
        let base = base_url
            .parse::<http::Uri>()
            .map(|uri| uri.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let relative = relative.split(['?', '#']).next().unwrap_or_default();
        let mut path = base;
        if !relative.starts_with('/') {
            path.push('/');
        }
        path.push_str(relative);
        Self::new(method, path)
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.0.0
    }

    /// The path, without query.
    pub fn path(&self) -> &str {
        &self.0.1
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path())
    }
}

/// A shared classifier, as [`RequestOptions`](crate::RequestOptions) holds one: equal when it
/// is the same classifier.
#[derive(Clone, Debug)]
pub(crate) struct SharedClassifier(pub(crate) Arc<dyn RetryClassifier>);

impl PartialEq for SharedClassifier {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

impl Eq for SharedClassifier {}

/// Reads the first `limit` bytes (or a little more: whole chunks) of an error answer's body
/// for the classifier, and gives back a body that yields the same bytes, whole: the head read,
/// then the rest still streaming.
pub(crate) async fn read_head(mut body: Body, limit: usize) -> Result<(Bytes, Body), Error> {
    let mut head = BytesMut::new();
    while head.len() < limit {
        match body.chunk().await {
            None => {
                let head = head.freeze();
                return Ok((head.clone(), Body::from(head)));
            }
            Some(chunk) => head.extend_from_slice(&chunk?),
        }
    }
    let head = head.freeze();
    let rest = Body::wrap(Prefixed {
        head: Some(head.clone()),
        rest: body,
    });
    Ok((head, rest))
}

/// A body whose first bytes were already read: `head`, then `rest`.
struct Prefixed {
    head: Option<Bytes>,
    rest: Body,
}

impl http_body::Body for Prefixed {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_join_the_base_path() {
        let e = Endpoint::under(
            Method::GET,
            "http://127.0.0.1:9/idverify/v1/",
            "/sessions/x?a=1",
        );
        assert_eq!(e.path(), "/idverify/v1/sessions/x");
        assert_eq!(e.method(), Method::GET);
        assert_eq!(e.to_string(), "GET /idverify/v1/sessions/x");
        let e = Endpoint::under(Method::POST, "https://api.yoti.com", "poa/v1/verify");
        assert_eq!(e.path(), "/poa/v1/verify");
        assert_eq!(std::mem::size_of::<Option<Endpoint>>(), 8);
    }

    #[tokio::test]
    async fn an_error_body_read_for_the_classifier_is_handed_on_whole() {
        let (head, body) = read_head(Body::from("short"), 64).await.unwrap();
        assert_eq!(&head[..], b"short");
        assert_eq!(&body.collect().await.unwrap()[..], b"short");

        let chunks = futures_chunks(&[b"0123", b"4567", b"89"]);
        let (head, body) = read_head(chunks, 5).await.unwrap();
        assert_eq!(&head[..], b"01234567");
        assert_eq!(&body.collect().await.unwrap()[..], b"0123456789");
    }

    /// A body arriving in `chunks`.
    fn futures_chunks(chunks: &[&'static [u8]]) -> Body {
        struct Chunks(std::collections::VecDeque<&'static [u8]>);
        impl http_body::Body for Chunks {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                mut self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
                Poll::Ready(
                    self.0
                        .pop_front()
                        .map(|c| Ok(Frame::data(Bytes::from_static(c)))),
                )
            }
        }
        Body::wrap(Chunks(chunks.iter().copied().collect()))
    }

    #[test]
    fn http_rules_follow_the_method() {
        for m in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
            assert!(HttpRules.is_repeatable(&m, "/x"), "{m}");
        }
        for m in [Method::POST, Method::PATCH] {
            assert!(!HttpRules.is_repeatable(&m, "/x"), "{m}");
        }
        assert!(!HttpRules.is_transient(StatusCode::INTERNAL_SERVER_ERROR, b"{}"));
        assert_eq!(HttpRules.error_body_limit(), 0);
        assert!(Verdict::Retry.is_retry() && !Verdict::Return.is_retry());
    }
}
