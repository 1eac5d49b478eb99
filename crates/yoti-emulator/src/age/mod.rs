//! The Age Estimation service, mounted at `/ai/v1` (authenticated with `X-Yoti-Auth-Id`).

use axum::Router;

use crate::state::Shared;

/// Per-application state of the age service (forced outcomes set through the admin route).
#[derive(Debug, Default)]
pub(crate) struct AgeState {}

/// The age routes, relative to the mount. Signature checks are layered on by the caller.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
}

/// Admin routes of the age service, under `/__emulator/age`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new()
}
