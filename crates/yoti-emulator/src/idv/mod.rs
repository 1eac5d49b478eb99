//! The Identity Verification service, mounted at `/idverify/v1` and `/sandbox/idverify/v1`
//! (both reach the same state).

use axum::Router;
use axum::routing::get;

use crate::state::Shared;

mod supported_documents;

/// The IDV routes, relative to a mount point. Signature checks are layered on by the caller.
pub(crate) fn routes() -> Router<Shared> {
    Router::new().route("/supported-documents", get(supported_documents::get))
}
