//! The crate's one error type.

use std::time::Duration;

/// A boxed error, as kept in the `source()` chain of [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while sending a request and reading its response.
///
/// An HTTP status, even 500, is not an error at this layer: it comes back as
/// `Ok(response)` and the service crate maps it to its own API error.
///
/// Underlying errors are kept whole in the [`source`](std::error::Error::source) chain, never
/// flattened into strings. Messages never carry a query string, a header or a body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A URL could not be parsed or has a shape that is not allowed (no scheme, a query or
    /// fragment on a base URL, credentials, ...).
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, without its query string.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
        /// The parse error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// A certificate given as a trust root could not be used as one.
    #[error("invalid root certificate")]
    InvalidCertificate(#[source] BoxError),

    /// A plain `http://` URL whose host is not a loopback address: only `https://` may leave
    /// the machine.
    #[error("refusing insecure URL `{url}`: http:// is only allowed for loopback hosts")]
    InsecureUrl {
        /// The URL, without its query string.
        url: String,
    },

    /// The caller's request builder failed (for instance signing the request). Never sent.
    #[error("building the request failed")]
    Build(#[source] BoxError),

    /// The connection could not be established (DNS, TCP or TLS). The request never left, so
    /// retrying it is safe whatever its method.
    #[error("connecting failed")]
    Connect(#[source] BoxError),

    /// No response head arrived in time.
    #[error("no response after {after:?}")]
    Timeout {
        /// The time limit that was exceeded.
        after: Duration,
    },

    /// The connection failed after the request may have been sent: reset, closed before the
    /// response, or a malformed response. The server may have acted on the request.
    #[error("the connection failed while sending the request or reading the response")]
    Transport(#[source] BoxError),

    /// Reading the response body failed.
    #[error("reading the response body failed")]
    Body(#[source] BoxError),

    /// No data of the response body arrived for the read timeout (the server stalled).
    #[error("no data of the response body arrived for {idle:?}")]
    ReadTimeout {
        /// The read (idle) timeout that was exceeded.
        idle: Duration,
    },

    /// The call, retries and the reading of the body included, did not end within its
    /// deadline.
    #[error("the call did not end within its deadline of {after:?}")]
    Deadline {
        /// The deadline, counted from the start of the call.
        after: Duration,
    },

    /// The response body is longer than the caller's limit.
    #[error("the response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl Error {
    /// A short, stable name of this kind of failure, such as `connect` or `timeout`: the
    /// `error.type` of the `yoti.http` span, for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } => "invalid_url",
            Self::InvalidCertificate(_) => "invalid_certificate",
            Self::InsecureUrl { .. } => "insecure_url",
            Self::Build(_) => "build",
            Self::Connect(_) => "connect",
            Self::Timeout { .. } => "timeout",
            Self::Transport(_) => "transport",
            Self::Body(_) => "body",
            Self::ReadTimeout { .. } => "read_timeout",
            Self::Deadline { .. } => "deadline",
            Self::BodyTooLarge { .. } => "body_too_large",
        }
    }

    /// Whether the failure is transient: a connect error, a timeout (of the response head, of
    /// a body read, or the call's deadline) or a transport error.
    ///
    /// This says nothing of the request's method: only a [connect error](Self::is_connect) is
    /// safe to retry for a non-idempotent request. [`RetryPolicy`](crate::RetryPolicy) applies
    /// both rules.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Connect(_)
                | Self::Timeout { .. }
                | Self::ReadTimeout { .. }
                | Self::Deadline { .. }
                | Self::Transport(_)
        )
    }

    /// Whether the request provably never left this machine (the connection was never
    /// established). A connect timeout is a connect error.
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Connect(_))
    }

    /// Whether a time limit ran out: the response head's, the body's read timeout, or the
    /// call's deadline.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. } | Self::ReadTimeout { .. } | Self::Deadline { .. }
        )
    }

    /// Whether the response body was longer than the limit.
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::BodyTooLarge { .. })
    }

    pub(crate) fn invalid_url(url: &str, reason: &'static str) -> Self {
        Self::InvalidUrl {
            url: without_query(url).to_owned(),
            reason,
            source: None,
        }
    }
}

/// `url` cut before its query string or fragment: the query of a signed request carries the
/// nonce and SDK id, which stay out of messages and logs.
pub(crate) fn without_query(url: &str) -> &str {
    match url.find(['?', '#']) {
        Some(at) => &url[..at],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn classification() {
        let io = || Box::new(std::io::Error::other("x")) as BoxError;
        assert!(Error::Connect(io()).is_retryable());
        assert!(Error::Connect(io()).is_connect());
        assert!(Error::Transport(io()).is_retryable());
        assert!(!Error::Transport(io()).is_connect());
        let timeout = Error::Timeout {
            after: Duration::from_secs(1),
        };
        assert!(timeout.is_retryable() && timeout.is_timeout());
        assert!(!Error::Build(io()).is_retryable());
        assert!(!Error::Body(io()).is_retryable());
        assert!(!Error::BodyTooLarge { limit: 1 }.is_retryable());
        assert!(!Error::invalid_url("x", "y").is_retryable());
    }

    #[test]
    fn source_chain_is_kept() {
        let err = Error::Connect(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        )));
        let source = err.source().expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("the io error itself");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn messages_never_carry_the_query() {
        let err = Error::invalid_url("https://h/p?nonce=secret#frag", "bad");
        assert!(!err.to_string().contains("secret"));
        assert_eq!(without_query("https://h/p?nonce=1"), "https://h/p");
        assert_eq!(without_query("https://h/p#f"), "https://h/p");
        assert_eq!(without_query("https://h/p"), "https://h/p");
    }
}
