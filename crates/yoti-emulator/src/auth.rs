//! Signature verification middleware, on the raw bytes and raw query received.
//!
//! | failure | status | code |
//! |---|---|---|
//! | no `X-Yoti-Auth-Digest` | 401 | `INVALID_YOTI_AUTH_DIGEST` |
//! | digest not base64, or signature does not match | 401 | `INVALID_SIGNATURE` |
//! | SDK id missing or not registered | 401 | `INVALID_X_YOTI_AUTH_ID` |
//! | `timestamp` missing, malformed or outside the window | 401 | `INVALID_TIMESTAMP` |
//! | `nonce` missing or already used | 401 | `INVALID_NONCE` |
//! | body over the limit | 413 | `PAYLOAD_TOO_LARGE` |

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use yoti_auth::{SignedParts, headers, query_param};

use crate::error::{ApiError, ErrorStyle};
use crate::state::Shared;

/// The application a request was verified for; handlers read it from the extensions.
#[derive(Debug, Clone)]
pub(crate) struct AuthedApp {
    pub(crate) sdk_id: String,
}

/// How a service names the application in a signed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdSource {
    /// IDV: `sdkId` in the query; else `/apps/{sdkId}/...` in the path; else (for
    /// `GET /supported-documents`, which the official SDKs sign without it) any registered
    /// application whose key verifies.
    IdvQuery,
    /// Age Estimation: the `X-Yoti-Auth-Id` header.
    AuthIdHeader,
}

/// Middleware for the IDV mounts.
pub(crate) async fn idv(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let limit = shared.body_limit;
    verify(
        shared,
        request,
        next,
        IdSource::IdvQuery,
        ErrorStyle::Idv,
        limit,
    )
    .await
}

/// The Age Estimation payload limit: 2 MB (413 `PAYLOAD_TOO_LARGE` beyond it).
pub(crate) const AGE_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Middleware for the Age Estimation mount.
pub(crate) async fn age(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let limit = shared.body_limit.min(AGE_BODY_LIMIT);
    verify(
        shared,
        request,
        next,
        IdSource::AuthIdHeader,
        ErrorStyle::Age,
        limit,
    )
    .await
}

/// Reads a whole request body up to `limit` bytes: 413 beyond it, 400 when unreadable.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    style: ErrorStyle,
) -> Result<Bytes, ApiError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large(style, limit)),
        Err(e) => Err(ApiError::new(
            style,
            StatusCode::BAD_REQUEST,
            "INVALID_BODY",
            format!("the request body could not be read: {e}"),
        )),
    }
}

pub(crate) fn too_large(style: ErrorStyle, limit: usize) -> ApiError {
    ApiError::new(
        style,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("Payload too large: the limit is {limit} bytes."),
    )
}

async fn verify(
    shared: Shared,
    request: Request,
    next: Next,
    source: IdSource,
    style: ErrorStyle,
    limit: usize,
) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large(style, limit).into_response();
    }
    let body = match read_body(body, limit, style).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    match check_signature(&shared, &parts, &body, source, style) {
        Ok(sdk_id) => {
            let mut request = Request::from_parts(parts, Body::from(body));
            request.extensions_mut().insert(AuthedApp { sdk_id });
            next.run(request).await
        }
        Err(refused) => refused.into_response(),
    }
}

/// Checks the signature of an IDV request whose body was already read, exactly as the `idv`
/// middleware does (same codes, same counters), and answers the SDK id it was signed for.
///
/// For the IDV endpoints that accept either a signature or a client session token
/// (`PUT /sessions/{id}/resources/face-capture/{rid}/image`), which are served beside the
/// middleware. `parts.uri` must be relative to the mount, as inside a nested router.
pub(crate) fn verify_idv_request(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<String, ApiError> {
    check_signature(shared, parts, body, IdSource::IdvQuery, ErrorStyle::Idv)
}

/// The signature check proper: the SDK id on success, the 401 answer otherwise.
fn check_signature(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
    source: IdSource,
    style: ErrorStyle,
) -> Result<String, ApiError> {
    let unauthorized = |code: &str, message: String| {
        shared.stats.count_rejected();
        ApiError::new(style, StatusCode::UNAUTHORIZED, code, message)
    };

    // Inside a nested router the URI is relative to the mount: exactly the signed path.
    let path = parts.uri.path();
    let query = parts.uri.query();
    let digest = parts
        .headers
        .get(headers::AUTH_DIGEST)
        .and_then(|v| v.to_str().ok());
    let signed = SignedParts {
        method: parts.method.as_str(),
        path,
        query,
        body,
        digest,
    };

    let named = match source {
        IdSource::IdvQuery => query
            .and_then(|q| query_param(q, "sdkId"))
            .map(|s| s.into_owned())
            .or_else(|| app_in_path(path)),
        IdSource::AuthIdHeader => parts
            .headers
            .get(headers::AUTH_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    if let Some(sdk_id) = &named {
        crate::journal::note_app(parts, sdk_id);
    }
    let result = match &named {
        Some(sdk_id) => match shared.app(sdk_id) {
            Some(app) => shared
                .verifier
                .verify(&app.public_key, &signed)
                .map(|_| sdk_id.clone()),
            None => {
                return Err(unauthorized(
                    "INVALID_X_YOTI_AUTH_ID",
                    format!("No application is registered with the SDK id {sdk_id:?}."),
                ));
            }
        },
        None if source == IdSource::AuthIdHeader => {
            return Err(unauthorized(
                "INVALID_X_YOTI_AUTH_ID",
                "The X-Yoti-Auth-Id header is missing.".into(),
            ));
        }
        None => verify_any(shared, &signed),
    };
    match result {
        Ok(sdk_id) => {
            shared.stats.count_verified();
            Ok(sdk_id)
        }
        Err(e) => {
            if matches!(
                e,
                yoti_auth::Error::BadSignature | yoti_auth::Error::MalformedDigest
            ) {
                // The journal shows what the emulator expected to be signed.
                let key = match &named {
                    Some(sdk_id) => shared.app(sdk_id).map(|a| a.public_key),
                    None => match shared.all_apps().as_slice() {
                        [(_, only)] => Some(only.public_key.clone()),
                        _ => None,
                    },
                };
                crate::journal::note_bad_signature(parts, &signed, key.as_ref());
            }
            let code = e.yoti_code().unwrap_or("INVALID_SIGNATURE");
            Err(unauthorized(code, e.to_string()))
        }
    }
}

/// Tries every registered application; the first whose key verifies wins. A replay or a
/// stale timestamp is reported as such; otherwise the signature is bad.
fn verify_any(shared: &Shared, signed: &SignedParts<'_>) -> Result<String, yoti_auth::Error> {
    for (sdk_id, app) in shared.all_apps() {
        match shared.verifier.verify(&app.public_key, signed) {
            Ok(_) => return Ok(sdk_id),
            Err(yoti_auth::Error::BadSignature) => {}
            Err(other) => return Err(other),
        }
    }
    Err(yoti_auth::Error::BadSignature)
}

/// `/apps/{sdkId}/...`: the SDK id named by the path (the sandbox app response-config).
fn app_in_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/apps/")?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then(|| {
        percent_encoding::percent_decode_str(id)
            .decode_utf8_lossy()
            .into_owned()
    })
}
