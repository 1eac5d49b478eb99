//! Proof of Age (`/poa/v1`, bearer tokens) and the OAuth token endpoint (`/v1/oauth/token`).

use axum::Router;

use crate::state::Shared;

/// Tokens issued, results stored, QR values used.
#[derive(Debug, Default)]
pub(crate) struct PoaState {}

/// The PoA routes, relative to `/poa/v1`.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
}

/// The token endpoint routes, relative to the root (`/v1/oauth/token`).
pub(crate) fn token_routes() -> Router<Shared> {
    Router::new()
}

/// Admin routes of the PoA service, under `/__emulator/poa`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new()
}
