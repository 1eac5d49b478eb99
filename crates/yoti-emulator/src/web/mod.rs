//! The emulator's web pages: the hosted IDV journey that Yoti serves at
//! `{idv mount}/web/index.html` ([`journey`]), with its stylesheet, script and sample
//! images, and the dashboard at `/__emulator/ui` ([`dashboard`]). Server-rendered HTML (maud escapes every interpolated value), one small script,
//! no external assets and no build step.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::Shared;

mod dashboard;
mod journey;
mod layout;

/// The stylesheet shared by every page.
const STYLE_CSS: &str = include_str!("style.css");
/// The hosted journey's script.
const JOURNEY_JS: &str = include_str!("journey.js");

/// The hosted journey's routes, relative to an IDV mount (both mounts serve them).
pub(crate) fn journey_routes() -> Router<Shared> {
    Router::new()
        .route("/web/index.html", get(journey::page))
        .route("/web/assets/{file}", get(asset))
        .route("/web/samples/{name}", get(journey::sample))
}

/// The dashboard's routes, under `/__emulator`.
pub(crate) fn dashboard_routes() -> Router<Shared> {
    Router::new()
        .route("/ui", get(dashboard::page))
        .route("/ui/assets/{file}", get(asset))
        .route("/ui/media/{session}/{media}", get(dashboard::media))
        .route("/ui/clock", axum::routing::post(dashboard::post_clock))
        .route("/ui/faults", axum::routing::post(dashboard::post_faults))
}

/// `GET .../assets/{file}`: the stylesheet and the script (no caching: the emulator changes
/// while you develop against it).
async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "style.css" => ("text/css; charset=utf-8", STYLE_CSS),
        "journey.js" => ("text/javascript; charset=utf-8", JOURNEY_JS),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
