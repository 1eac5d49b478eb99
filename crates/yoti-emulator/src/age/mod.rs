//! The Age Estimation service, mounted at `/ai/v1` (authenticated with `X-Yoti-Auth-Id`).
//!
//! # Endpoints
//!
//! `POST /age`, `/antispoofing`, `/age-antispoofing`, `/age-verify`,
//! `/age-antispoofing-verify`, each behind the signature middleware (`auth.rs`: a wrong
//! signature is 401 `INVALID_SIGNATURE`, an unknown `X-Yoti-Auth-Id` 401
//! `INVALID_X_YOTI_AUTH_ID`, a body over 2 MiB 413 `PAYLOAD_TOO_LARGE`, all before these
//! handlers run). Another method on these paths, or another path, is 404 `INVALID_ENDPOINT`.
//! Errors answer `{"error_code", "error_message"}` with the status and message of Yoti's
//! reference table ([`AgeErrorCode::http_status`], [`AgeErrorCode::default_message`]).
//!
//! # Validation, in this order (the first failure answers)
//!
//! | # | rule | code (status) |
//! |---|---|---|
//! | 1 | body is JSON | `INVALID_BODY_ENCODING` (400) |
//! | 2 | body is a JSON object; `metadata`, when present, is an object | `INVALID_REQUEST_BODY` (400) |
//! | 3 | `metadata.device`, when present, is `mobile`, `laptop`, `unknown` or `any` | `INVALID_METADATA_DEVICE` (404, as the table says) |
//! | 4 | `img` present, a non-empty string | `IMAGE_NOT_PROVIDED` (400) |
//! | 5 | `img` is standard base64 (padding optional) | `INVALID_B64_IMAGE` (400) |
//! | 6 | the bytes start as a JPEG or a PNG | `UNSUPPORTED_IMAGE_FORMAT` (400) |
//! | 7 | at most 1,500,000 bytes, at least 50,000 bytes (decimal MB and KB) | `IMAGE_SIZE_TOO_BIG`, `IMAGE_SIZE_TOO_SMALL` |
//! | 8 | the header reads | `UNSUPPORTED_IMAGE_FORMAT` |
//! | 9 | height, then width, within 300..=2000 px | `MIN_HEIGHT`, `MAX_HEIGHT`, `MIN_WIDTH`, `MAX_WIDTH` |
//! | 10 | width x height within 90,000..=2,100,000 | `MIN_PIXELS`, `MAX_PIXELS` |
//! | 11 | the image decodes fully | `UNSUPPORTED_IMAGE_FORMAT` |
//! | 12 | colour model RGB or RGBA (PNG palettes count as RGB/RGBA): not CMYK/YCCK or other | `IMAGE_WRONG_CHANNELS` |
//! | 13 | not greyscale: neither a grey model (JPEG 1 component, PNG grey or grey+alpha) nor colour channels equal in every pixel (within 2 levels) | `IMAGE_GRAYSCALE_NOT_SUPPORTED` |
//! | 14 | `level_of_assurance`, when present, is `LOW`, `MEDIUM` or `HIGH` (any case) | `INVALID_LEVEL_OF_ASSURANCE` |
//! | 15 | verify endpoints: `threshold` an integer (or a string of digits) in 1..=150, `operator` exactly `OVER` or `UNDER` | `INVALID_REQUEST_BODY`, naming the field |
//! | 16 | `img_validation_level`, when present, is `low` (any case) and the endpoint is `/age` or `/age-verify` | `INVALID_IMG_VALIDATION_LEVEL` |
//! | 17 | query `secure=true`: `secure` is a non-empty object with non-empty `version`, `token`, `signature`, `verification` | `SECURE_REQUEST_IS_EMPTY`, then `SECURE_VERSION_NOT_FOUND`, `SECURE_SESSION_NOT_FOUND`, `SECURE_SIGNATURE_NOT_FOUND`, `SECURE_VERIFICATION_NOT_FOUND` |
//!
//! `MIN_PIXELS` cannot fire with these limits (300 x 300 is exactly 90,000), as in the
//! reference table. With the 2 MiB body limit, images from 1,500,001 to about 1,572,800 bytes
//! answer `IMAGE_SIZE_TOO_BIG`; larger ones cannot fit in the body and answer 413.
//! `img_validation_level: "low"` is accepted but relaxes nothing (the emulator has no face
//! detection to relax). The `secure` object is checked for shape only: Yoti's signature over
//! it cannot be verified here. Without `secure=true` in the query, a `secure` member is
//! ignored; `multiframe=true` is accepted. Members the emulator does not know are ignored.
//!
//! # Answers
//!
//! Deterministic, so that tests are stable: with `h` the SHA-256 of the decoded image bytes,
//! `age = 13.0 + (u16 big-endian of h[0..2] mod 471) / 10` (13.0 to 60.0, one decimal),
//! `st_dev = 2.0 + (h[2] mod 26) / 10` (2.0 to 4.5), `prediction = "real"`.
//! An age test image ([`test_images`]: four coloured squares along the top edge) asks for
//! its own age, `fake` or error code instead.
//! The threshold check passes iff `OVER`: `age >= threshold`, `UNDER`: `age < threshold`,
//! using the same estimate `/age` would answer for that image (forced or derived).
//!
//! | endpoint | answer |
//! |---|---|
//! | `/age` | `{"age": 27.4, "st_dev": 3.1}` |
//! | `/antispoofing` | `{"prediction": "real"}` |
//! | `/age-antispoofing` | `{"age": {"age", "st_dev"}, "antispoofing": {"prediction"}}` |
//! | `/age-verify` | `{"age_check": "pass"}` |
//! | `/age-antispoofing-verify` | `{"age": {"age_check"}, "antispoofing": {"prediction"}}` |
//!
//! # Forcing outcomes (per application)
//!
//! `PUT /__emulator/age/apps/{sdk_id}/outcome` with any of
//! `{"age": 15.2, "st_dev": 2.1, "prediction": "fake", "error_code": "FACE_NOT_FOUND",
//! "status": 400, "error_message": ".."}` replaces the application's forced outcome;
//! `GET` reads it, `DELETE` clears it. A forced `error_code` is answered, after validation
//! passes, with the code's status and default message from Yoti's table (`status` and
//! `error_message` override them; a code the table does not have needs `status`, else 400).
//! In-process: [`Emulator::force_age_estimate`](crate::Emulator::force_age_estimate),
//! [`force_age_prediction`](crate::Emulator::force_age_prediction),
//! [`force_age_error`](crate::Emulator::force_age_error),
//! [`clear_age_outcome`](crate::Emulator::clear_age_outcome).
//!
//! `GET /__emulator/age/apps/{sdk_id}/last-request` (or
//! [`Emulator::last_age_request`](crate::Emulator::last_age_request)) answers what the last
//! request of that application looked like, without its image: `{"endpoint", "secure",
//! "multiframe", "terminal_id", "session_id", "img_base64_len", "body"}` (`body` without
//! `img`, `secure.token` and `secure.signature`).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use yoti_types::age::{
    AgeAntispoofingResponse, AgeAntispoofingVerifyResponse, AgeCheck, AgeCheckResult, AgeEndpoint,
    AgeErrorCode, AgeEstimate, AntispoofingResponse, AntispoofingResult, Prediction,
};

use crate::auth::AuthedApp;
use crate::error::{ApiError, ErrorStyle};
use crate::images::{self, Colour};
use crate::state::Shared;

pub(crate) mod snapshot;
/// The image limits of Yoti's reference table.
pub(crate) mod test_images;

use test_images::AgeTestImage;

mod limits {
    pub(super) const MIN_BYTES: usize = 50_000;
    pub(super) const MAX_BYTES: usize = 1_500_000;
    pub(super) const MIN_SIDE: u32 = 300;
    pub(super) const MAX_SIDE: u32 = 2000;
    pub(super) const MIN_PIXELS: u64 = 90_000;
    pub(super) const MAX_PIXELS: u64 = 2_100_000;
    pub(super) const THRESHOLD: std::ops::RangeInclusive<u64> = 1..=150;
}

/// What a test forced for one application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Outcome {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    age: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    st_dev: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prediction: Option<Prediction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_code: Option<AgeErrorCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

impl Outcome {
    fn validate(&self) -> Result<(), String> {
        if self.age.is_some_and(|a| !(0.0..=150.0).contains(&a)) {
            return Err("`age` must be within 0.0..=150.0".into());
        }
        if self.st_dev.is_some_and(|s| !(0.0..=100.0).contains(&s)) {
            return Err("`st_dev` must be within 0.0..=100.0".into());
        }
        if self
            .status
            .is_some_and(|s| !(400..=599).contains(&s) || StatusCode::from_u16(s).is_err())
        {
            return Err("`status` must be an error status, 400..=599".into());
        }
        Ok(())
    }
}

/// Per-application state of the age service: forced outcomes, last requests seen.
#[derive(Debug, Default)]
pub(crate) struct AgeState {
    outcomes: Mutex<HashMap<String, Outcome>>,
    last: Mutex<HashMap<String, Value>>,
}

impl AgeState {
    fn outcome(&self, sdk_id: &str) -> Outcome {
        lock(&self.outcomes)
            .get(sdk_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The outcome forced for an application, as JSON (for the dashboard), if any.
    pub(crate) fn outcome_json(&self, sdk_id: &str) -> Option<String> {
        lock(&self.outcomes)
            .get(sdk_id)
            .filter(|o| **o != Outcome::default())
            .and_then(|o| serde_json::to_string(o).ok())
    }

    fn update(&self, sdk_id: &str, change: impl FnOnce(&mut Outcome)) {
        change(lock(&self.outcomes).entry(sdk_id.to_owned()).or_default());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl crate::Emulator {
    /// Forces the age estimate the Age Estimation endpoints answer for application `sdk_id`
    /// (and so the outcome of its threshold checks), instead of the one derived from the image.
    pub fn force_age_estimate(&self, sdk_id: &str, age: f64, st_dev: f64) {
        self.shared.age.update(sdk_id, |o| {
            o.age = Some(age);
            o.st_dev = Some(st_dev);
        });
    }

    /// Forces the anti-spoofing prediction (e.g. `fake`) for application `sdk_id`.
    pub fn force_age_prediction(&self, sdk_id: &str, prediction: Prediction) {
        self.shared
            .age
            .update(sdk_id, |o| o.prediction = Some(prediction));
    }

    /// Makes every valid Age Estimation request of application `sdk_id` fail with `code`,
    /// answered with the status and message of Yoti's table (400 for a code it lacks).
    pub fn force_age_error(&self, sdk_id: &str, code: AgeErrorCode) {
        self.shared.age.update(sdk_id, |o| {
            o.error_code = Some(code);
            o.status = None;
            o.error_message = None;
        });
    }

    /// Clears everything forced for application `sdk_id`.
    pub fn clear_age_outcome(&self, sdk_id: &str) {
        lock(&self.shared.age.outcomes).remove(sdk_id);
    }

    /// What the last Age Estimation request of application `sdk_id` looked like (see the
    /// `last-request` admin route), or `None` if it sent none.
    pub fn last_age_request(&self, sdk_id: &str) -> Option<Value> {
        lock(&self.shared.age.last).get(sdk_id).cloned()
    }
}

/// The age routes, relative to the mount. Signature checks are layered on by the caller.
pub(crate) fn routes() -> Router<Shared> {
    let mut router = Router::new();
    for &endpoint in AgeEndpoint::ALL {
        router = router.route(
            endpoint.path(),
            post(move |state: State<Shared>, request: Request| handle(endpoint, state, request))
                .fallback(invalid_endpoint),
        );
    }
    router.fallback(invalid_endpoint)
}

/// Admin routes of the age service, under `/__emulator/age`.
pub(crate) fn admin_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/apps/{sdk_id}/outcome",
            get(get_outcome).put(put_outcome).delete(delete_outcome),
        )
        .route("/apps/{sdk_id}/last-request", get(last_request))
}

async fn invalid_endpoint(request: Request) -> Response {
    ApiError::new(
        ErrorStyle::Age,
        StatusCode::NOT_FOUND,
        "INVALID_ENDPOINT",
        format!(
            "The endpoint request is invalid: {} {}",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response()
}

async fn handle(endpoint: AgeEndpoint, State(shared): State<Shared>, request: Request) -> Response {
    let sdk_id = match request.extensions().get::<AuthedApp>() {
        Some(app) => app.sdk_id.clone(),
        None => return code_error(AgeErrorCode::Unauthorized).into_response(),
    };
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(_) => return code_error(AgeErrorCode::InvalidBodyEncoding).into_response(),
    };
    let query = parts.uri.query().unwrap_or("");
    let flag = |name: &str| {
        yoti_auth::query_param(query, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    let call = Call {
        endpoint,
        secure: flag("secure"),
        multiframe: flag("multiframe"),
    };
    let parsed = serde_json::from_slice::<Value>(&body).ok();
    record(&shared, &sdk_id, &call, &parts.headers, parsed.as_ref());
    match answer(&shared, &sdk_id, &call, parsed, &body).await {
        Ok(json) => (StatusCode::OK, axum::Json(json)).into_response(),
        Err(e) => e.into_response(),
    }
}

struct Call {
    endpoint: AgeEndpoint,
    secure: bool,
    multiframe: bool,
}

fn record(shared: &Shared, sdk_id: &str, call: &Call, headers: &HeaderMap, body: Option<&Value>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let img_len = body
        .and_then(|b| b.get("img"))
        .and_then(Value::as_str)
        .map(str::len);
    let body = body.map(|b| {
        let mut b = b.clone();
        if let Some(object) = b.as_object_mut() {
            object.remove("img");
            if let Some(secure) = object.get_mut("secure").and_then(Value::as_object_mut) {
                for secret in ["token", "signature"] {
                    if secure.contains_key(secret) {
                        secure.insert(secret.into(), json!("[redacted]"));
                    }
                }
            }
        }
        b
    });
    let seen = json!({
        "endpoint": call.endpoint.path(),
        "secure": call.secure,
        "multiframe": call.multiframe,
        "terminal_id": header("terminal-id"),
        "session_id": header("session-id"),
        "img_base64_len": img_len,
        "body": body,
    });
    lock(&shared.age.last).insert(sdk_id.to_owned(), seen);
}

async fn answer(
    shared: &Shared,
    sdk_id: &str,
    call: &Call,
    parsed: Option<Value>,
    raw: &[u8],
) -> Result<Value, ApiError> {
    let endpoint = call.endpoint;
    let Some(body) = parsed else {
        let detail = serde_json::from_slice::<Value>(raw)
            .err()
            .map(|e| e.to_string());
        tracing::debug!(error = ?detail, "age: body is not JSON");
        return Err(code_error(AgeErrorCode::InvalidBodyEncoding));
    };
    let Value::Object(body) = body else {
        return Err(invalid_field("-"));
    };

    // metadata
    match body.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(metadata)) => match metadata.get("device") {
            None | Some(Value::Null) => {}
            Some(Value::String(d))
                if matches!(d.as_str(), "mobile" | "laptop" | "unknown" | "any") => {}
            Some(_) => return Err(code_error(AgeErrorCode::InvalidMetadataDevice)),
        },
        Some(_) => return Err(invalid_field("metadata")),
    }

    // the image
    let img = match body.get("img") {
        None | Some(Value::Null) => return Err(code_error(AgeErrorCode::ImageNotProvided)),
        Some(Value::String(s)) if s.is_empty() => {
            return Err(code_error(AgeErrorCode::ImageNotProvided));
        }
        Some(Value::String(s)) => s,
        Some(_) => return Err(code_error(AgeErrorCode::InvalidB64Image)),
    };
    let image = bytes::Bytes::from(
        BASE64
            .decode(img)
            .map_err(|_| code_error(AgeErrorCode::InvalidB64Image))?,
    );
    let marked = check_image(image.clone()).await?;

    // the other fields
    if let Some(level) = body.get("level_of_assurance").filter(|v| !v.is_null()) {
        let known = level.as_str().is_some_and(|l| {
            ["LOW", "MEDIUM", "HIGH"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(l))
        });
        if !known {
            return Err(code_error(AgeErrorCode::InvalidLevelOfAssurance));
        }
    }
    let check = if endpoint.is_verify() {
        let threshold = body
            .get("threshold")
            .and_then(|t| match t {
                Value::Number(n) => n.as_u64(),
                Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    s.parse().ok()
                }
                _ => None,
            })
            .filter(|t| limits::THRESHOLD.contains(t))
            .ok_or_else(|| invalid_field("threshold"))?;
        let over = match body.get("operator").and_then(Value::as_str) {
            Some("OVER") => true,
            Some("UNDER") => false,
            _ => return Err(invalid_field("operator")),
        };
        Some((threshold, over))
    } else {
        None
    };
    if let Some(level) = body.get("img_validation_level").filter(|v| !v.is_null()) {
        let low = level
            .as_str()
            .is_some_and(|l| l.eq_ignore_ascii_case("low"));
        if !low || !endpoint.is_age_only() {
            return Err(code_error(AgeErrorCode::InvalidImgValidationLevel));
        }
    }
    if call.secure {
        check_secure(body.get("secure"))?;
    }

    // the outcome
    let forced = shared.age.outcome(sdk_id);
    if let Some(code) = &forced.error_code {
        return Err(forced_error(code, &forced));
    }
    // An age test image (rule in `test_images`) decides what the admin route left open.
    let (derived_age, derived_st_dev, derived_prediction) = match marked {
        Some(AgeTestImage::Error(code)) if forced.age.is_none() => return Err(code_error(code)),
        Some(AgeTestImage::Age(age)) => (f64::from(age), 1.0, Prediction::Real),
        Some(AgeTestImage::Fake(age)) => (f64::from(age), 1.0, Prediction::Fake),
        _ => {
            let (age, st_dev) = estimate(&image);
            (age, st_dev, Prediction::Real)
        }
    };
    let estimate = AgeEstimate::new(
        forced.age.unwrap_or(derived_age),
        forced.st_dev.unwrap_or(derived_st_dev),
    );
    let prediction = forced.prediction.clone().unwrap_or(derived_prediction);
    let age_check = check.map(|(threshold, over)| {
        // The threshold is at most 150: exact in f64.
        let threshold = threshold as f64;
        let pass = if over {
            estimate.age >= threshold
        } else {
            estimate.age < threshold
        };
        AgeCheckResult::new(if pass { AgeCheck::Pass } else { AgeCheck::Fail })
    });
    tracing::debug!(
        endpoint = %endpoint,
        multiframe = call.multiframe,
        image_bytes = image.len(),
        "age: answered"
    );
    let json = match (endpoint, age_check) {
        (AgeEndpoint::Age, _) => serde_json::to_value(estimate),
        (AgeEndpoint::Antispoofing, _) => {
            serde_json::to_value(AntispoofingResponse::new(prediction))
        }
        (AgeEndpoint::AgeAntispoofing, _) => serde_json::to_value(AgeAntispoofingResponse::new(
            estimate,
            AntispoofingResult::new(prediction),
        )),
        (AgeEndpoint::AgeVerify, Some(check)) => serde_json::to_value(check),
        (AgeEndpoint::AgeAntispoofingVerify, Some(check)) => serde_json::to_value(
            AgeAntispoofingVerifyResponse::new(check, AntispoofingResult::new(prediction)),
        ),
        _ => return Err(code_error(AgeErrorCode::UnspecifiedError)),
    };
    json.map_err(|_| code_error(AgeErrorCode::UnspecifiedError))
}

/// Standard base64, padding optional.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Rules 6 to 13 of the module documentation; the full decode runs off the async runtime
/// ([`images::decode_bounded`]).
/// Answers what the image asks for if it is an age test image.
async fn check_image(image: bytes::Bytes) -> Result<Option<AgeTestImage>, ApiError> {
    use AgeErrorCode as C;
    let fail = |code: C| Err(code_error(code));
    if images::sniff(&image).is_none() {
        return fail(C::UnsupportedImageFormat);
    }
    if image.len() > limits::MAX_BYTES {
        return fail(C::ImageSizeTooBig);
    }
    if image.len() < limits::MIN_BYTES {
        return fail(C::ImageSizeTooSmall);
    }
    let header = images::header(&image).map_err(|e| {
        tracing::debug!(error = %e, "age: unreadable image header");
        code_error(C::UnsupportedImageFormat)
    })?;
    let (w, h) = (header.width, header.height);
    if h < limits::MIN_SIDE {
        return fail(C::MinHeight);
    }
    if h > limits::MAX_SIDE {
        return fail(C::MaxHeight);
    }
    if w < limits::MIN_SIDE {
        return fail(C::MinWidth);
    }
    if w > limits::MAX_SIDE {
        return fail(C::MaxWidth);
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels < limits::MIN_PIXELS {
        return fail(C::MinPixels);
    }
    if pixels > limits::MAX_PIXELS {
        return fail(C::MaxPixels);
    }
    let info = images::decode_bounded(move || images::inspect(&image))
        .await
        .and_then(|decoded| decoded)
        .map_err(|e| {
            tracing::debug!(error = %e, "age: image does not decode");
            code_error(C::UnsupportedImageFormat)
        })?;
    match info.colour {
        Colour::Rgb | Colour::Rgba | Colour::Grey | Colour::GreyAlpha => {}
        Colour::Cmyk | Colour::Other => return fail(C::ImageWrongChannels),
    }
    if info.greyscale {
        return fail(C::ImageGrayscaleNotSupported);
    }
    Ok(info
        .top_rows
        .as_deref()
        .and_then(|rows| test_images::read(rows, info.width)))
}

fn check_secure(secure: Option<&Value>) -> Result<(), ApiError> {
    let secure = match secure {
        Some(Value::Object(s)) if !s.is_empty() => s,
        _ => return Err(code_error(AgeErrorCode::SecureRequestIsEmpty)),
    };
    let present = |name: &str| match secure.get(name) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    };
    for (field, code) in [
        ("version", AgeErrorCode::SecureVersionNotFound),
        ("token", AgeErrorCode::SecureSessionNotFound),
        ("signature", AgeErrorCode::SecureSignatureNotFound),
        ("verification", AgeErrorCode::SecureVerificationNotFound),
    ] {
        if !present(field) {
            return Err(code_error(code));
        }
    }
    Ok(())
}

/// The deterministic estimate of an image: (age, st_dev), one decimal each.
fn estimate(image: &[u8]) -> (f64, f64) {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, image);
    let h = digest.as_ref();
    let tenths = u16::from_be_bytes([h[0], h[1]]) % 471;
    let age = f64::from(130 + tenths) / 10.0;
    let st_dev = f64::from(20 + u16::from(h[2] % 26)) / 10.0;
    (age, st_dev)
}

/// An error answer for `code` with the status and message of Yoti's table.
fn code_error(code: AgeErrorCode) -> ApiError {
    let status = code
        .http_status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_REQUEST);
    let message = code.default_message().unwrap_or("Forced by the emulator.");
    ApiError::new(ErrorStyle::Age, status, code.as_str(), message)
}

/// `INVALID_REQUEST_BODY`, with the table's message naming `field`.
fn invalid_field(field: &str) -> ApiError {
    ApiError::new(
        ErrorStyle::Age,
        StatusCode::BAD_REQUEST,
        AgeErrorCode::InvalidRequestBody.as_str(),
        format!("Request body is invalid, '{field}' field is invalid."),
    )
}

fn forced_error(code: &AgeErrorCode, forced: &Outcome) -> ApiError {
    let mut error = code_error(code.clone());
    if let Some(status) = forced.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        error.status = status;
    }
    if let Some(message) = &forced.error_message {
        error.message.clone_from(message);
    }
    error
}

// ---- admin ----

fn admin_error(status: StatusCode, code: &str, message: String) -> Response {
    ApiError::idv(status, code, message).into_response()
}

async fn get_outcome(State(shared): State<Shared>, Path(sdk_id): Path<String>) -> Response {
    axum::Json(shared.age.outcome(&sdk_id)).into_response()
}

async fn put_outcome(
    State(shared): State<Shared>,
    Path(sdk_id): Path<String>,
    body: bytes::Bytes,
) -> Response {
    if shared.app(&sdk_id).is_none() {
        return admin_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("No application is registered with the SDK id {sdk_id:?}."),
        );
    }
    let outcome: Outcome = match serde_json::from_slice(&body) {
        Ok(o) => o,
        Err(e) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!(
                    "expected {{\"age\", \"st_dev\", \"prediction\", \"error_code\", \"status\", \
                     \"error_message\"}} (all optional): {e}"
                ),
            );
        }
    };
    if let Err(e) = outcome.validate() {
        return admin_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", e);
    }
    lock(&shared.age.outcomes).insert(sdk_id, outcome.clone());
    axum::Json(outcome).into_response()
}

async fn delete_outcome(State(shared): State<Shared>, Path(sdk_id): Path<String>) -> Response {
    lock(&shared.age.outcomes).remove(&sdk_id);
    StatusCode::NO_CONTENT.into_response()
}

async fn last_request(State(shared): State<Shared>, Path(sdk_id): Path<String>) -> Response {
    match lock(&shared.age.last).get(&sdk_id) {
        Some(seen) => axum::Json(seen.clone()).into_response(),
        None => admin_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Application {sdk_id:?} sent no age request."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_deterministic_and_in_range() {
        for seed in 0..200u32 {
            let (age, st_dev) = estimate(&seed.to_be_bytes());
            assert!((13.0..=60.0).contains(&age), "{age}");
            assert!((2.0..=4.5).contains(&st_dev), "{st_dev}");
            assert_eq!((age * 10.0).round() / 10.0, age, "one decimal");
            assert_eq!(estimate(&seed.to_be_bytes()), (age, st_dev));
        }
    }

    #[test]
    fn every_code_answers_its_table_status() {
        for code in AgeErrorCode::KNOWN {
            let e = code_error(code.clone());
            assert_eq!(Some(e.status.as_u16()), code.http_status());
            assert_eq!(e.code, code.as_str());
        }
        let unknown = code_error(AgeErrorCode::from("SECURE_SOMETHING_NEW"));
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn secure_objects_are_checked_for_shape() {
        let code = |v: Value| check_secure(Some(&v)).err().map(|e| e.code);
        assert_eq!(code(json!({})).as_deref(), Some("SECURE_REQUEST_IS_EMPTY"));
        assert_eq!(
            code(json!({"token": "t"})).as_deref(),
            Some("SECURE_VERSION_NOT_FOUND")
        );
        assert_eq!(
            code(json!({"version": "1", "signature": "s", "verification": "v"})).as_deref(),
            Some("SECURE_SESSION_NOT_FOUND")
        );
        assert_eq!(
            code(json!({"version": "1", "token": "t", "signature": "s", "verification": "v"})),
            None
        );
        assert!(check_secure(None).is_err());
    }
}
