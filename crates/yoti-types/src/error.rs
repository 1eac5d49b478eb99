//! The crate's one error type: what a builder refuses before any network I/O.

use std::borrow::Cow;

/// A request that the service would refuse, caught before anything is sent.
///
/// Every variant names the offending field with its JSON path (for example
/// `sdk_config.primary_colour`), readable with [`field`](Self::field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// Two fields that the service refuses together were both set.
    #[error("`{field}` cannot be used together with `{other}`: set only one of them")]
    MutuallyExclusive {
        /// The field that was set second.
        field: Cow<'static, str>,
        /// The field it conflicts with.
        other: Cow<'static, str>,
    },
    /// A number outside the accepted range.
    #[error("`{field}` is {value}, but must be {expected}")]
    OutOfRange {
        /// The offending field.
        field: Cow<'static, str>,
        /// The value given.
        value: String,
        /// What is accepted, in words (for example `at least 86700`).
        expected: Cow<'static, str>,
    },
    /// A string that does not match the pattern the service requires.
    #[error("`{field}` is {value:?}, which does not match {pattern}")]
    Pattern {
        /// The offending field.
        field: Cow<'static, str>,
        /// The value given.
        value: String,
        /// The pattern, as the reference writes it or in words.
        pattern: Cow<'static, str>,
    },
    /// A required field, or one that must not be empty, is missing or empty.
    #[error("`{field}` must be set and not empty")]
    Empty {
        /// The offending field.
        field: Cow<'static, str>,
    },
    /// A URL that must be `https://` is not (plain `http://` is allowed only to a loopback
    /// host, and only when the client itself talks to a loopback emulator).
    #[error("`{field}` must be an https:// URL (got {url:?})")]
    InsecureUrl {
        /// The offending field.
        field: Cow<'static, str>,
        /// The URL given.
        url: String,
    },
    /// A document filter that no document can ever match.
    #[error("`{field}` can match no document: {reason}")]
    EmptyFilter {
        /// The offending field.
        field: Cow<'static, str>,
        /// Why it matches nothing.
        reason: Cow<'static, str>,
    },
    /// Any other value the service would refuse.
    #[error("`{field}` is invalid: {reason}")]
    Invalid {
        /// The offending field.
        field: Cow<'static, str>,
        /// What is wrong and what to do.
        reason: Cow<'static, str>,
    },
}

impl ValidationError {
    /// The JSON path of the offending field.
    pub fn field(&self) -> &str {
        match self {
            Self::MutuallyExclusive { field, .. }
            | Self::OutOfRange { field, .. }
            | Self::Pattern { field, .. }
            | Self::Empty { field }
            | Self::InsecureUrl { field, .. }
            | Self::EmptyFilter { field, .. }
            | Self::Invalid { field, .. } => field,
        }
    }
}
