//! The operation span of a service call.

#[doc(hidden)]
pub use tracing as __tracing;

/// The span of one service operation, named after it (`yoti.idv.create_session`), at info
/// level, with the fields `yoti.session_id` (given here, or recorded from the answer by
/// [`Call::instrument_with`](crate::Call::instrument_with)) and `error.type` (recorded by
/// [`Call::instrument`](crate::Call::instrument) when the call fails). The `yoti.http` span
/// of each HTTP exchange is its child.
///
/// The name must be a literal: `tracing` keeps it in static metadata. Never pass a token.
///
/// ```
/// let span = yoti_internal::operation_span!("yoti.idv.get_session", session_id = "abc");
/// let other = yoti_internal::operation_span!("yoti.age.verify");
/// # let _ = (span, other);
/// ```
#[macro_export]
macro_rules! operation_span {
    ($name:literal) => {
        $crate::__tracing::info_span!(
            $name,
            "yoti.session_id" = $crate::__tracing::field::Empty,
            "error.type" = $crate::__tracing::field::Empty,
        )
    };
    ($name:literal, session_id = $session_id:expr) => {
        $crate::__tracing::info_span!(
            $name,
            "yoti.session_id" = $crate::__tracing::field::display($session_id),
            "error.type" = $crate::__tracing::field::Empty,
        )
    };
}
