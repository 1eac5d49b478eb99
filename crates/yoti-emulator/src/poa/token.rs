//! `POST /v1/oauth/token`: client credentials with a PS384 client assertion.

use std::collections::HashMap;
use std::time::Duration;

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yoti_types::poa::{
    CLIENT_ASSERTION_TYPE_JWT_BEARER, GRANT_TYPE_CLIENT_CREDENTIALS, OAuthErrorCode, TokenRequest,
    TokenResponse,
};

use super::bump;
use crate::error::{ApiError, ErrorStyle};
use crate::state::Shared;

const PARAMETERS: [&str; 4] = [
    "grant_type",
    "client_assertion_type",
    "scope",
    "client_assertion",
];

fn refuse(shared: &Shared, code: OAuthErrorCode, message: impl Into<String>) -> Response {
    bump(&shared.poa.counters.tokens_refused);
    let status = code
        .http_status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_REQUEST);
    let mut response =
        ApiError::new(ErrorStyle::OAuth, status, code.as_str(), message).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) async fn token(
    State(shared): State<Shared>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    bump(&shared.poa.counters.token_requests);
    let pairs = match form {
        Ok(Form(pairs)) => pairs,
        Err(rejection) => {
            return refuse(
                &shared,
                OAuthErrorCode::InvalidRequest,
                format!(
                    "expected an application/x-www-form-urlencoded body: {}",
                    rejection.body_text()
                ),
            );
        }
    };
    let mut form: HashMap<&str, &str> = HashMap::new();
    for (name, value) in &pairs {
        if form.insert(name.as_str(), value.as_str()).is_some()
            && PARAMETERS.contains(&name.as_str())
        {
            return refuse(
                &shared,
                OAuthErrorCode::InvalidRequest,
                format!("the parameter `{name}` is repeated"),
            );
        }
    }
    for name in PARAMETERS {
        if form.get(name).is_none_or(|v| v.is_empty()) {
            let code = if name == "scope" {
                OAuthErrorCode::InvalidScope
            } else {
                OAuthErrorCode::InvalidRequest
            };
            return refuse(&shared, code, format!("the parameter `{name}` is missing"));
        }
    }
    if form["grant_type"] != GRANT_TYPE_CLIENT_CREDENTIALS {
        return refuse(
            &shared,
            OAuthErrorCode::UnsupportedGrantType,
            format!("only the `{GRANT_TYPE_CLIENT_CREDENTIALS}` grant is supported"),
        );
    }
    if form["client_assertion_type"] != CLIENT_ASSERTION_TYPE_JWT_BEARER {
        return refuse(
            &shared,
            OAuthErrorCode::InvalidRequest,
            format!("`client_assertion_type` must be `{CLIENT_ASSERTION_TYPE_JWT_BEARER}`"),
        );
    }
    let request = TokenRequest::new(form["scope"].split(' '), form["client_assertion"]);
    if let Err(e) = request.validate() {
        let code = if e.field() == "scope" {
            OAuthErrorCode::InvalidScope
        } else {
            OAuthErrorCode::InvalidClient
        };
        return refuse(&shared, code, e.to_string());
    }

    // The assertion's audience is this endpoint's URL under the emulator's public URL (never
    // the client's `Host` header, which the client chooses).
    let audience = format!(
        "{}{}",
        shared
            .public_url
            .get()
            .map_or("http://localhost", String::as_str),
        crate::mounts::TOKEN
    );
    let verified = match shared.poa.assertions.verify(
        request.client_assertion.expose_secret(),
        &audience,
        |sdk_id| shared.app(sdk_id).map(|app| app.public_key),
    ) {
        Ok(verified) => verified,
        Err(e) => {
            let code = e.oauth_code().unwrap_or(OAuthErrorCode::InvalidClient);
            return refuse(&shared, code, e.to_string());
        }
    };

    let config = shared.poa.config();
    let lifetime = config.token_lifetime_secs;
    match shared
        .poa
        .issue(&verified.sdk_id, Duration::from_secs(lifetime))
    {
        Ok(token) => {
            let scope = request.scopes().collect::<Vec<_>>().join(" ");
            let body = TokenResponse::new(token, lifetime).set_scope(scope);
            let mut response = (StatusCode::OK, Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(active) => refuse(
            &shared,
            OAuthErrorCode::InvalidRequest,
            format!(
                "the application {:?} already has {active} active tokens, the most allowed \
                 ({}): reuse a token until it expires instead of requesting one per call",
                verified.sdk_id, config.max_active_tokens
            ),
        ),
    }
}
