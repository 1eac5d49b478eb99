//! The Identity Verification service, mounted at `/idverify/v1` and `/sandbox/idverify/v1`
//! (both reach the same state).

use axum::Router;
use axum::routing::get;

use crate::state::Shared;

mod supported_documents;

/// Sessions and per-application sandbox configuration.
#[derive(Debug, Default)]
pub(crate) struct IdvState {}

/// The IDV routes signed by the relying business, relative to a mount point. Signature
/// checks are layered on by the caller.
pub(crate) fn routes() -> Router<Shared> {
    Router::new().route("/supported-documents", get(supported_documents::get))
}

/// The IDV client routes (authenticated by the client session token, not signed), relative
/// to a mount point.
pub(crate) fn client_routes() -> Router<Shared> {
    Router::new()
}

/// Admin routes of the IDV service, under `/__emulator/`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new()
}
