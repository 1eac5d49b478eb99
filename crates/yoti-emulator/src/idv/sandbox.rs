//! Sandbox response configurations (signed): what reports and task results sessions
//! produce.
//!
//! - `GET|PUT /apps/{sdkId}/response-config`: the application's default, for every session it
//!   creates (the official SDKs sign the `PUT` without `sdkId`: the path names the app). Only
//!   the application itself may read or set it (404 `APP_NOT_FOUND` otherwise). `GET` answers
//!   the JSON as it was put, or `{}` before anything was set (the emulator then approves everything).
//! - `GET|PUT /sessions/{id}/response-config`: one session's, which wins over the
//!   application's.
//!
//! `PUT` answers 200 with no body; a body that does not parse gets 400 `PAYLOAD_VALIDATION`
//! naming the field. `async_report_delay` is read inside `check_reports` (where the official
//! SDKs put it) or at the top level (where the reference puts it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use serde_json::{Value, json};
use yoti_types::idv::ResponseConfig;

use super::lifecycle::with_inner;
use super::model::StoredConfig;
use super::parse_json;
use crate::auth::AuthedApp;
use crate::error::ApiError;
use crate::state::Shared;
use yoti_types::idv::IdvErrorCode;

/// Parses a configuration, keeping the JSON as sent for `GET`.
fn stored(body: &[u8]) -> Result<StoredConfig, ApiError> {
    let parsed = parse_json::<ResponseConfig>(body)?;
    let raw = parse_json::<Value>(body)?;
    Ok(StoredConfig { raw, parsed })
}

fn app_not_found(sdk_id: &str) -> ApiError {
    ApiError::idv(
        StatusCode::NOT_FOUND,
        IdvErrorCode::AppNotFound.as_str(),
        format!("No application {sdk_id:?} for this signature."),
    )
}

/// `GET /apps/{sdkId}/response-config`.
pub(super) async fn get_app(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(sdk_id): Path<String>,
) -> Response {
    if sdk_id != app.sdk_id {
        return app_not_found(&sdk_id).into_response();
    }
    let config = with_inner(&shared, |inner, _| {
        inner.app_configs.get(&sdk_id).map(|c| c.raw.clone())
    });
    Json(config.unwrap_or_else(|| json!({}))).into_response()
}

/// `PUT /apps/{sdkId}/response-config` -> 200.
pub(super) async fn put_app(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(sdk_id): Path<String>,
    body: Bytes,
) -> Response {
    if sdk_id != app.sdk_id {
        return app_not_found(&sdk_id).into_response();
    }
    match stored(&body) {
        Ok(config) => {
            with_inner(&shared, |inner, _| inner.app_configs.insert(sdk_id, config));
            StatusCode::OK.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /sessions/{id}/response-config`: the session's own, or `{}`.
pub(super) async fn get_session(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
) -> Response {
    let result = with_inner(&shared, |inner, now| {
        inner.session(&id, Some(&app.sdk_id), now).map(|h| {
            h.session
                .response_config
                .as_ref()
                .map_or_else(|| json!({}), |c| c.raw.clone())
        })
    });
    result.map(Json).into_response()
}

/// `PUT /sessions/{id}/response-config` -> 200.
pub(super) async fn put_session(
    State(shared): State<Shared>,
    Extension(app): Extension<AuthedApp>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = stored(&body).and_then(|config| {
        with_inner(&shared, |inner, now| {
            inner
                .session(&id, Some(&app.sdk_id), now)?
                .session
                .response_config = Some(config);
            Ok(())
        })
    });
    result.map(|()| StatusCode::OK).into_response()
}
