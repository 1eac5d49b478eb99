//! The streaming response body.

use std::fmt;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt as _;
use tokio::time::{Instant, Sleep};

use crate::error::{BoxError, Error};

/// A response body: streamed from the connection for [`HyperClient`](crate::HyperClient),
/// or in memory for a custom [`HttpClient`](crate::HttpClient).
///
/// Read it whole with [`collect`](Self::collect) or, better for anything the server controls,
/// [`collect_limited`](Self::collect_limited); stream it with [`chunk`](Self::chunk) to keep
/// memory constant (a media download to a file). It also implements [`http_body::Body`].
///
/// Dropping a body before its end closes the connection instead of returning it to the pool.
///
/// A body can be bounded in time: [`with_read_timeout`](Self::with_read_timeout) fails the
/// read when no data comes for that long, [`with_deadline`](Self::with_deadline) when the
/// whole body has not arrived by then. [`Transport`](crate::Transport) sets both on every
/// response it returns, so a server that sends its headers and then stalls, or trickles one
/// byte a second, cannot keep a caller waiting forever.
pub struct Body {
    inner: Inner,
    bounds: Option<Box<Bounds>>,
}

/// The time bounds of a body: timers are created on the first poll (they need the runtime).
struct Bounds {
    read_timeout: Option<Duration>,
    deadline: Option<(Instant, Duration)>,
    idle_timer: Option<Pin<Box<Sleep>>>,
    deadline_timer: Option<Pin<Box<Sleep>>>,
    last_data: Instant,
}

enum Inner {
    Incoming(hyper::body::Incoming),
    Full(Option<Bytes>),
    Boxed(Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send + Sync>>),
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Self::new(Inner::Full(None))
    }

    fn new(inner: Inner) -> Self {
        Self {
            inner,
            bounds: None,
        }
    }

    /// Fails the read with [`Error::ReadTimeout`] when no data arrives for `idle` (counted
    /// from now, then from each chunk).
    pub fn with_read_timeout(mut self, idle: Duration) -> Self {
        let bounds = self.bounds_mut();
        bounds.read_timeout = Some(idle);
        bounds.idle_timer = None;
        bounds.last_data = Instant::now();
        self
    }

    /// Fails the read with [`Error::Deadline`] when the body has not ended by `at`; `after` is
    /// the whole call's time limit, as the error reports it. An earlier deadline already set
    /// is kept.
    pub fn with_deadline(mut self, at: Instant, after: Duration) -> Self {
        let bounds = self.bounds_mut();
        if bounds.deadline.is_none_or(|(current, _)| at < current) {
            bounds.deadline = Some((at, after));
            bounds.deadline_timer = None;
        }
        self
    }

    fn bounds_mut(&mut self) -> &mut Bounds {
        self.bounds.get_or_insert_with(|| {
            Box::new(Bounds {
                read_timeout: None,
                deadline: None,
                idle_timer: None,
                deadline_timer: None,
                last_data: Instant::now(),
            })
        })
    }

    /// Wraps any body whose data is [`Bytes`], for a custom [`HttpClient`](crate::HttpClient)
    /// that streams.
    pub fn wrap<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        Self::new(Inner::Boxed(Box::pin(body.map_err(Into::into))))
    }

    pub(crate) fn incoming(body: hyper::body::Incoming) -> Self {
        Self::new(Inner::Incoming(body))
    }

    /// The next chunk of data, or `None` at the end of the body. Trailers are skipped.
    ///
    /// ```no_run
    /// # async fn f(mut body: yoti_http::Body, file: &mut Vec<u8>) -> Result<(), yoti_http::Error> {
    /// while let Some(chunk) = body.chunk().await {
    ///     file.extend_from_slice(&chunk?);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn chunk(&mut self) -> Option<Result<Bytes, Error>> {
        loop {
            match self.frame().await? {
                Ok(frame) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Some(Ok(data)),
                    Err(_trailers) => continue,
                },
                Err(err) => return Some(Err(err)),
            }
        }
    }

    /// Reads the whole body into memory, however long it is. Prefer
    /// [`collect_limited`](Self::collect_limited) for a body whose size the server decides.
    pub async fn collect(self) -> Result<Bytes, Error> {
        self.collect_limited(usize::MAX).await
    }

    /// Reads the whole body into memory, failing with [`Error::BodyTooLarge`] as soon as it is
    /// known to be longer than `max` bytes: at once when the `Content-Length` says so, or
    /// while reading otherwise. Never holds more than `max` bytes.
    pub async fn collect_limited(mut self, max: usize) -> Result<Bytes, Error> {
        let too_large = || Error::BodyTooLarge { limit: max };
        let hint = http_body::Body::size_hint(&self);
        if usize::try_from(hint.lower()).map_or(true, |lower| lower > max) {
            return Err(too_large());
        }
        let first = match self.chunk().await {
            None => return Ok(Bytes::new()),
            Some(chunk) => chunk?,
        };
        if first.len() > max {
            return Err(too_large());
        }
        // A body that comes in one piece (in memory, or small) is returned without copying.
        let Some(second) = self.chunk().await else {
            return Ok(first);
        };
        let second = second?;
        let capacity = hint
            .exact()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(first.len() + second.len());
        let mut all = BytesMut::with_capacity(capacity.min(max));
        push_limited(&mut all, first, max)?;
        push_limited(&mut all, second, max)?;
        while let Some(chunk) = self.chunk().await {
            push_limited(&mut all, chunk?, max)?;
        }
        Ok(all.freeze())
    }
}

fn push_limited(all: &mut BytesMut, chunk: Bytes, max: usize) -> Result<(), Error> {
    if chunk.len() > max - all.len() {
        return Err(Error::BodyTooLarge { limit: max });
    }
    all.extend_from_slice(&chunk);
    Ok(())
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::new(Inner::Full(Some(bytes)))
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the content: a body may carry personal data.
        let kind = match &self.inner {
            Inner::Incoming(_) => "streaming",
            Inner::Full(_) => "in memory",
            Inner::Boxed(_) => "custom",
        };
        f.debug_struct("Body").field("kind", &kind).finish()
    }
}

impl Bounds {
    /// Data came: the idle timer starts again. A body that never waits is still held to its
    /// deadline.
    fn on_data(&mut self) -> Option<Error> {
        let now = Instant::now();
        if let Some((at, after)) = self.deadline
            && now >= at
        {
            return Some(Error::Deadline { after });
        }
        self.last_data = now;
        if let (Some(idle), Some(timer)) = (self.read_timeout, self.idle_timer.as_mut()) {
            timer.as_mut().reset(now + idle);
        }
        None
    }

    /// No data yet: has a time bound run out? Registers the timers' wakers when not.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        if let Some((at, after)) = self.deadline {
            let timer = self
                .deadline_timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if timer.as_mut().poll(cx).is_ready() {
                return Some(Error::Deadline { after });
            }
        }
        if let Some(idle) = self.read_timeout {
            let at = self.last_data + idle;
            let timer = self
                .idle_timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if timer.as_mut().poll(cx).is_ready() {
                return Some(Error::ReadTimeout { idle });
            }
        }
        None
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let polled = match &mut this.inner {
            Inner::Incoming(body) => Pin::new(body)
                .poll_frame(cx)
                .map_err(|err| Error::Body(Box::new(err))),
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Boxed(body) => body.as_mut().poll_frame(cx).map_err(Error::Body),
        };
        let Some(bounds) = this.bounds.as_deref_mut() else {
            return polled;
        };
        let expired = match &polled {
            Poll::Ready(Some(Ok(_))) => bounds.on_data(),
            Poll::Ready(_) => None,
            Poll::Pending => bounds.poll_expired(cx),
        };
        match expired {
            Some(error) => {
                // Dropping the stream closes its connection: nothing more is read.
                this.inner = Inner::Full(None);
                this.bounds = None;
                Poll::Ready(Some(Err(error)))
            }
            None => polled,
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Incoming(body) => body.is_end_stream(),
            Inner::Full(bytes) => bytes.is_none(),
            Inner::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Incoming(body) => body.size_hint(),
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Boxed(body) => body.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_unpin<T: Send + Sync + Unpin>() {}

    #[test]
    fn body_is_send_sync_unpin() {
        assert_send_sync_unpin::<Body>();
    }

    #[tokio::test]
    async fn full_body() {
        assert_eq!(Body::from("abc").collect().await.unwrap(), "abc");
        assert_eq!(Body::empty().collect().await.unwrap(), "");
        assert!(matches!(
            Body::from("abcd").collect_limited(3).await.unwrap_err(),
            Error::BodyTooLarge { limit: 3 }
        ));
        assert_eq!(Body::from("abc").collect_limited(3).await.unwrap(), "abc");
        let mut body = Body::from("x");
        assert_eq!(body.chunk().await.unwrap().unwrap(), "x");
        assert!(body.chunk().await.is_none());
    }

    #[tokio::test]
    async fn wrapped_stream_is_limited_while_reading() {
        let hundreds = || Frames((0..10).map(|_| Ok(Bytes::from(vec![7; 100]))).collect());
        let body = Body::wrap(hundreds());
        assert!(http_body::Body::size_hint(&body).exact().is_none());
        assert!(matches!(
            body.collect_limited(999).await.unwrap_err(),
            Error::BodyTooLarge { limit: 999 }
        ));
        let body = Body::wrap(hundreds());
        assert_eq!(body.collect_limited(1000).await.unwrap().len(), 1000);
    }

    #[tokio::test]
    async fn wrapped_errors_are_body_errors() {
        let items = vec![
            Ok(Bytes::from_static(b"a")),
            Err(std::io::Error::other("boom")),
        ];
        let mut body = Body::wrap(Frames(items.into()));
        assert_eq!(body.chunk().await.unwrap().unwrap(), "a");
        assert!(matches!(body.chunk().await, Some(Err(Error::Body(_)))));
    }

    #[test]
    fn debug_never_shows_content() {
        assert_eq!(
            format!("{:?}", Body::from("secret")),
            r#"Body { kind: "in memory" }"#
        );
    }

    #[tokio::test]
    async fn a_stalled_body_ends_at_its_read_timeout_or_deadline() {
        let idle = Duration::from_millis(50);
        let mut body = Body::wrap(Never).with_read_timeout(idle);
        assert!(matches!(
            body.chunk().await,
            Some(Err(Error::ReadTimeout { idle: i })) if i == idle
        ));
        assert!(
            body.chunk().await.is_none(),
            "the stream is closed after a timeout"
        );

        let after = Duration::from_millis(80);
        let at = Instant::now() + after;
        let body = Body::wrap(Never)
            .with_read_timeout(Duration::from_secs(60))
            .with_deadline(at, after)
            .with_deadline(at + Duration::from_secs(60), Duration::from_secs(61));
        let err = body.collect().await.unwrap_err();
        assert!(
            matches!(err, Error::Deadline { after: a } if a == after),
            "{err:?}"
        );
        assert!(err.is_timeout() && err.is_retryable());
    }

    #[tokio::test]
    async fn a_body_that_keeps_coming_is_not_idle() {
        let frames = (0..5).map(|_| Ok(Bytes::from_static(b"x"))).collect();
        let body = Body::wrap(Frames(frames)).with_read_timeout(Duration::from_millis(1));
        assert_eq!(body.collect().await.unwrap(), "xxxxx");
    }

    /// A body that never produces anything.
    struct Never;

    impl http_body::Body for Never {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            Poll::Pending
        }
    }

    /// A body of data frames given in advance, with no size hint.
    struct Frames(std::collections::VecDeque<Result<Bytes, std::io::Error>>);

    impl http_body::Body for Frames {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            Poll::Ready(self.0.pop_front().map(|item| item.map(Frame::data)))
        }
    }
}
