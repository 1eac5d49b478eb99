//! [`Call`]: what every service method returns, with its per-call options.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use tracing::Instrument as _;
use yoti_http::{RequestOptions, RetryPolicy};

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type Run<T, E> = Box<dyn FnOnce(RequestOptions) -> BoxFuture<'static, Result<T, E>> + Send>;

/// A call to a service, ready to run: `.await` it (or call [`send`](Self::send)).
///
/// Every method of the IDV, Age Estimation and Proof of Age clients answers one. Per-call
/// options use the `with_` prefix, so that they can never clash with a field of a request:
/// [`with_timeout`](Self::with_timeout), [`with_read_timeout`](Self::with_read_timeout),
/// [`with_retry`](Self::with_retry). Unset, the client's own apply.
///
/// Nothing happens until it is awaited; dropping it, or dropping the future it turns into,
/// cancels the call and leaves nothing running. The future owns what it needs (`'static`), so
/// it can also be spawned.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<T, E> {
    options: RequestOptions,
    run: Run<T, E>,
}

impl<T, E> fmt::Debug for Call<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T, E> Call<T, E>
where
    T: Send + 'static,
    E: From<yoti_http::Error> + Send + 'static,
{
    /// A call that runs `run` with its options when awaited (for the service crates).
    pub fn new<F, Fut>(run: F) -> Self
    where
        F: FnOnce(RequestOptions) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        Self::new_with_options(RequestOptions::new(), run)
    }

    /// [`new`](Self::new), starting from `options` (a request's own) instead of none.
    pub fn new_with_options<F, Fut>(options: RequestOptions, run: F) -> Self
    where
        F: FnOnce(RequestOptions) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        Self {
            options,
            run: Box::new(move |options| Box::pin(run(options))),
        }
    }

    /// A call that fails at once with `error` (found before any I/O).
    pub fn fail(error: E) -> Self {
        Self::new(move |_| async move { Err(error) })
    }

    /// Bounds the whole call, retries, waits and the reading of the answer included (a
    /// streamed media body too), instead of the client's deadline. When the time runs out the
    /// call fails with a [deadline](yoti_http::Error::Deadline) transport error.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.with_deadline(timeout);
        self
    }

    /// The longest wait for the next piece of the answer's body (a streamed media body too),
    /// instead of the client's read timeout. Running out gives a
    /// [read timeout](yoti_http::Error::ReadTimeout) transport error.
    pub fn with_read_timeout(mut self, idle: Duration) -> Self {
        self.options = self.options.with_read_timeout(idle);
        self
    }

    /// Replaces the client's retry policy for this call (for example
    /// [`RetryPolicy::none`]).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.options = self.options.with_retry(policy);
        self
    }

    /// Runs the call inside `span`, its operation span (see [`operation_span!`]): every
    /// HTTP span of the call (`yoti.http`) is then its child. When the call fails, the span's
    /// `error.type` is set: the status of the last HTTP answer when it was a 4xx or 5xx, the
    /// transport failure's kind, or `_OTHER` for a failure before or after the HTTP exchange.
    ///
    /// [`operation_span!`]: crate::operation_span
    pub fn instrument(self, span: tracing::Span) -> Self {
        self.instrument_with(span, |_, _| {})
    }

    /// [`instrument`](Self::instrument), and `on_ok` records what the answer tells (a new
    /// session's id) on the span.
    pub fn instrument_with(self, span: tracing::Span, on_ok: fn(&T, &tracing::Span)) -> Self {
        let Self { options, run } = self;
        Self {
            options,
            run: Box::new(move |options| {
                let future = run(options);
                Box::pin(async move {
                    let (output, error_type) =
                        yoti_http::with_error_type(future.instrument(span.clone())).await;
                    match &output {
                        Ok(answer) => on_ok(answer, &span),
                        Err(_) => {
                            span.record(
                                "error.type",
                                tracing::field::display(error_type.as_deref().unwrap_or("_OTHER")),
                            );
                        }
                    }
                    output
                })
            }),
        }
    }

    /// Replaces every per-call option at once.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The options set on this call.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// Runs the call (the same as `.await`).
    ///
    /// # Errors
    /// The service's error.
    pub async fn send(self) -> Result<T, E> {
        self.await
    }
}

impl<T, E> IntoFuture for Call<T, E>
where
    T: Send + 'static,
    E: From<yoti_http::Error> + Send + 'static,
{
    type Output = Result<T, E>;
    type IntoFuture = BoxFuture<'static, Result<T, E>>;

    fn into_future(self) -> Self::IntoFuture {
        let Self { options, run } = self;
        match options.deadline() {
            None => run(options),
            Some(after) => {
                let future = run(options);
                Box::pin(async move {
                    tokio::time::timeout(after, future)
                        .await
                        .unwrap_or_else(|_| Err(E::from(yoti_http::Error::Deadline { after })))
                })
            }
        }
    }
}
