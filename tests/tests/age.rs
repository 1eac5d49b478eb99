//! Age Estimation end to end: yoti-age against the in-process emulator over real HTTP, with
//! images generated at test time (`yoti_tests::images`).

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use yoti_age::{
    AgeClient, ColourType, Error, Estimate, ImageInfo, ImageLimits, RetryPolicy, Verify,
    models::{AgeErrorCode, Device, LevelOfAssurance, Operator, Prediction},
};
use yoti_auth::{PrivateKey, RequestSigner, SdkIdPlacement};
use yoti_emulator::{Emulator, FaultConfig};
use yoti_tests::images::{self, Colour, Spec};
use yoti_tests::{SDK_ID, age_client, emulator, send, test_key, transport};

async fn setup() -> (Emulator, RequestSigner, AgeClient) {
    let (emu, signer) = emulator().await;
    let client = age_client(&emu);
    (emu, signer, client)
}

fn code(err: &Error) -> &str {
    err.code().map(|c| c.as_str()).unwrap_or("<none>")
}

/// The code an API error carries, asserting it is one, with the table's status.
fn api_code(err: &Error) -> String {
    let Error::Api(api) = err else {
        panic!("expected an API error, got {err:?}");
    };
    let (status, code) = (api.status, api.code.as_ref().expect("a code"));
    if let Some(expected) = code.http_status() {
        assert_eq!(status.as_u16(), expected, "{code}");
    }
    code.as_str().to_owned()
}

// ---- local checks, no network ----

#[test]
fn each_local_check_fires_on_its_image_and_only_on_it() {
    let limits = ImageLimits::default();
    for case in images::failing() {
        let err = limits
            .check(&case.bytes)
            .expect_err(&format!("{} should fail", case.what));
        assert_eq!(err.code().as_str(), case.code, "{}: {err}", case.what);
        // Every image whose header reads breaks that one rule and no other.
        if let Ok(info) = ImageInfo::read(&case.bytes) {
            let all: Vec<_> = limits
                .violations(&info)
                .iter()
                .map(|e| e.code().as_str().to_owned())
                .collect();
            assert_eq!(all, [case.code], "{}", case.what);
        }
    }
    for (what, bytes) in images::valid() {
        let info = limits
            .check(&bytes)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(limits.violations(&info).is_empty(), "{what}");
        assert!(info.colour.is_rgb(), "{what}");
    }
    let grey_in_rgb = Spec::jpeg(640, 480)
        .colour(Colour::GreyInRgb)
        .len(120_000)
        .build();
    assert_eq!(
        limits.check(&grey_in_rgb).unwrap().colour,
        ColourType::Rgb,
        "grey pixels in colour channels need a decode: not a local check"
    );
}

#[test]
fn min_pixels_fires_alone_once_the_side_limits_allow_it() {
    // With the reference limits 300 x 300 is exactly 90,000 pixels, so MIN_PIXELS can only
    // come with MIN_WIDTH/MIN_HEIGHT; relax the sides and it is the only rule broken.
    let mut limits = ImageLimits::default();
    limits.min_width = 200;
    limits.min_height = 200;
    let image = Spec::jpeg(250, 250).len(60_000).build();
    let err = limits.check(&image).unwrap_err();
    assert_eq!(err.code(), &AgeErrorCode::MinPixels);
    let info = ImageInfo::read(&image).unwrap();
    assert_eq!(limits.violations(&info).len(), 1);
    assert_eq!((info.width, info.height, info.pixels()), (250, 250, 62_500));
}

// ---- local checks against the emulator ----

#[tokio::test]
async fn local_checks_and_the_emulator_agree_on_every_failing_image() {
    let (emu, signer, client) = setup().await;
    for case in images::failing() {
        // Checked locally: the service's code, and nothing sent.
        let before = emu.stats().requests;
        let local = client
            .age(Estimate::new(case.bytes.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(local, Error::ImageCheck(_)),
            "{}: {local:?}",
            case.what
        );
        assert_eq!(code(&local), case.code, "{}", case.what);
        assert!(local.is_not_sent() && local.status().is_none());
        assert_eq!(emu.stats().requests, before, "{}: nothing sent", case.what);

        // Sent unchecked: the emulator's real decode answers the same code.
        let remote = if case.bytes.is_empty() {
            // The SDK refuses an empty img before sending; sign one by hand.
            let req = signer
                .request(Method::POST, &emu.age_url(), "/age")
                .sdk_id(SdkIdPlacement::Header)
                .json(r#"{"img":""}"#);
            let out = send(&transport(), &req).await.unwrap();
            out.json["error_code"].as_str().unwrap().to_owned()
        } else {
            let err = client
                .age(Estimate::new(case.bytes.clone()).with_local_checks(false))
                .await
                .unwrap_err();
            assert!(!err.is_retryable());
            api_code(&err)
        };
        assert_eq!(remote, case.code, "{}", case.what);
    }

    // What only a decode sees: grey pixels stored as RGB pass locally, not remotely.
    let grey_in_rgb = Spec::jpeg(640, 480)
        .colour(Colour::GreyInRgb)
        .len(120_000)
        .build();
    let err = client.age(Estimate::new(grey_in_rgb)).await.unwrap_err();
    assert_eq!(api_code(&err), "IMAGE_GRAYSCALE_NOT_SUPPORTED");
}

#[tokio::test]
async fn valid_images_pass_both_checks() {
    let (_emu, _, client) = setup().await;
    for (what, bytes) in images::valid() {
        let estimate = client
            .age(Estimate::new(bytes))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert!((13.0..=60.0).contains(&estimate.age), "{what}");
    }
}

// ---- the five endpoints ----

#[tokio::test]
async fn every_endpoint_answers_its_typed_result_consistently() {
    let (emu, _, client) = setup().await;
    let image = images::valid_jpeg();

    let estimate = client.age(Estimate::new(image.clone())).await.unwrap();
    assert!((13.0..=60.0).contains(&estimate.age));
    assert!((2.0..=4.5).contains(&estimate.st_dev));
    assert_eq!(
        (estimate.age * 10.0).round() / 10.0,
        estimate.age,
        "one decimal"
    );
    let again = client.age(Estimate::new(image.clone())).await.unwrap();
    assert_eq!(again, estimate, "deterministic");

    let live = client
        .antispoofing(Estimate::new(image.clone()).level_of_assurance(LevelOfAssurance::High))
        .await
        .unwrap();
    assert_eq!(live.prediction(), Some(&Prediction::Real));

    let both = client
        .age_antispoofing(Estimate::new(image.clone()).device(Device::Mobile))
        .await
        .unwrap();
    assert_eq!(both.age, estimate, "the same estimate as /age");
    assert_eq!(both.antispoofing.prediction, Prediction::Real);

    // The threshold rule: OVER passes iff age >= threshold, UNDER iff age < threshold.
    let below = estimate.age.floor() as u32; // <= age
    let above = estimate.age.floor() as u32 + 1; // > age
    for (threshold, operator, pass) in [
        (below, Operator::Over, true),
        (above, Operator::Over, false),
        (below, Operator::Under, false),
        (above, Operator::Under, true),
    ] {
        let check = client
            .age_verify(Verify::new(image.clone(), threshold).operator(operator.clone()))
            .await
            .unwrap();
        assert_eq!(
            check.age_check.is_pass(),
            pass,
            "{} {operator} {threshold}",
            estimate.age
        );
        let combined = client
            .age_antispoofing_verify(Verify::new(image.clone(), threshold).operator(operator))
            .await
            .unwrap();
        assert_eq!(combined.age, check);
        assert_eq!(combined.passed(), pass);
    }
    assert_eq!(
        emu.last_age_request(SDK_ID).unwrap()["endpoint"],
        "/age-antispoofing-verify"
    );
}

/// Different images get different (but stable) estimates.
#[tokio::test]
async fn estimates_follow_the_image_bytes() {
    let (_emu, _, client) = setup().await;
    let mut ages = Vec::new();
    for seed in 1..=4 {
        let image = images::valid_jpeg_seeded(seed);
        ages.push(client.age(Estimate::new(image)).await.unwrap().age);
    }
    ages.dedup();
    assert!(ages.len() > 1, "{ages:?}");

    // The same image sent as base64 (as the face capture module hands it over).
    let image = images::valid_jpeg_seeded(1);
    let b64 = {
        use base64_like::encode;
        encode(&image)
    };
    let from_b64 = client.age(Estimate::from_base64(b64)).await.unwrap();
    assert_eq!(from_b64.age, ages[0]);
}

/// Standard base64, without a dependency.
mod base64_like {
    pub(super) fn encode(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

// ---- forced outcomes and error codes ----

#[tokio::test]
async fn forced_outcomes_drive_the_answers() {
    let (emu, _, client) = setup().await;
    let image = images::valid_jpeg();
    let derived = client.age(Estimate::new(image.clone())).await.unwrap();

    emu.force_age_estimate(SDK_ID, 15.2, 2.1);
    let forced = client.age(Estimate::new(image.clone())).await.unwrap();
    assert_eq!((forced.age, forced.st_dev), (15.2, 2.1));
    let over = client
        .age_verify(Verify::new(image.clone(), 18))
        .await
        .unwrap();
    assert!(!over.age_check.is_pass());
    let under = client
        .age_verify(Verify::new(image.clone(), 18).operator(Operator::Under))
        .await
        .unwrap();
    assert!(under.age_check.is_pass());

    emu.force_age_prediction(SDK_ID, Prediction::Fake);
    let combined = client
        .age_antispoofing_verify(Verify::new(image.clone(), 13))
        .await
        .unwrap();
    assert!(combined.age.age_check.is_pass());
    assert_eq!(combined.antispoofing.prediction, Prediction::Fake);
    assert!(!combined.passed());

    emu.clear_age_outcome(SDK_ID);
    assert_eq!(
        client.age(Estimate::new(image.clone())).await.unwrap(),
        derived
    );

    // The same through the admin route, over HTTP.
    let admin = format!("{}/__emulator/age/apps/{SDK_ID}/outcome", emu.base_url());
    let put = admin_call(
        Method::PUT,
        &admin,
        json!({"age": 40.5, "st_dev": 3.0, "prediction": "fake"}),
    )
    .await;
    assert_eq!(put.0, StatusCode::OK, "{}", put.1);
    let both = client
        .age_antispoofing(Estimate::new(image.clone()))
        .await
        .unwrap();
    assert_eq!(
        (both.age.age, both.antispoofing.prediction),
        (40.5, Prediction::Fake)
    );
    assert_eq!(
        admin_call(Method::GET, &admin, Value::Null).await.1["age"],
        40.5
    );
    let bad = admin_call(Method::PUT, &admin, json!({"age": "old"})).await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
    let unknown_app = admin.replace(SDK_ID, "no-such-app");
    assert_eq!(
        admin_call(Method::PUT, &unknown_app, json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin_call(Method::DELETE, &admin, Value::Null).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(client.age(Estimate::new(image)).await.unwrap(), derived);
}

async fn admin_call(method: Method, url: &str, body: Value) -> (StatusCode, Value) {
    let body = if body.is_null() {
        Bytes::new()
    } else {
        Bytes::from(body.to_string())
    };
    let response = transport()
        .execute(|_| {
            Ok::<_, Infallible>(
                http::Request::builder()
                    .method(method.clone())
                    .uri(url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .unwrap(),
            )
        })
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_forced_error_code_round_trips_to_the_same_typed_variant() {
    let (emu, _, client) = setup().await;
    let image = images::valid_jpeg();
    for known in AgeErrorCode::KNOWN {
        emu.force_age_error(SDK_ID, known.clone());
        let err = client
            .age_verify(Verify::new(image.clone(), 18))
            .await
            .unwrap_err();
        let Error::Api(api) = &err else {
            panic!("{known}: {err:?}");
        };
        let (status, code, message, body) = (&api.status, &api.code, &api.message, &api.body);
        assert_eq!(code.as_ref(), Some(known), "{known}");
        assert!(!code.as_ref().unwrap().is_unknown());
        assert_eq!(Some(status.as_u16()), known.http_status(), "{known}");
        assert_eq!(message.as_deref(), known.default_message(), "{known}");
        assert!(body.contains(known.as_str()));
        assert_eq!(err.code(), Some(known));
        assert_eq!(err.status(), Some(*status));
        // Only SERVICE_UNAVAILABLE is transient (issue 12: the reference does not say that
        // repeating FAIL_PREDICTION or UNSPECIFIED_ERROR can succeed); the transport retries
        // exactly what `is_retryable` says (tests/retry_agreement.rs).
        let transient = matches!(known, AgeErrorCode::ServiceUnavailable);
        assert_eq!(err.is_retryable(), transient, "{known}");
    }
    // An estimation is a pure function of the image, so its POST is repeatable: the one
    // transient code, SERVICE_UNAVAILABLE (503), is tried three times; every other once.
    assert_eq!(
        emu.stats().requests,
        AgeErrorCode::KNOWN.len() as u64 + 2,
        "only SERVICE_UNAVAILABLE is retried"
    );

    // A code beyond the table keeps its text.
    let admin = format!("{}/__emulator/age/apps/{SDK_ID}/outcome", emu.base_url());
    let (status, _) = admin_call(
        Method::PUT,
        &admin,
        json!({"error_code": "SECURE_SOMETHING_NEW", "status": 422, "error_message": "New."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let err = client.age(Estimate::new(image)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    let code = err.code().unwrap();
    assert!(code.is_unknown());
    assert_eq!(code.as_str(), "SECURE_SOMETHING_NEW");
    assert_eq!(err.message(), Some("New."));
}

// ---- authentication ----

#[tokio::test]
async fn a_wrong_signature_gets_401_with_the_right_code() {
    let (emu, _, _) = setup().await;
    let image = images::valid_jpeg();
    let impostor = AgeClient::builder()
        .sdk_id(SDK_ID)
        .key(PrivateKey::generate(2048).unwrap())
        .base_url(emu.age_url())
        .build()
        .unwrap();
    let err = impostor
        .age(Estimate::new(image.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.code(), Some(&AgeErrorCode::InvalidSignature));
    assert!(!err.is_retryable());

    let stranger = AgeClient::builder()
        .sdk_id("not-registered")
        .key(test_key())
        .base_url(emu.age_url())
        .build()
        .unwrap();
    let err = stranger.age(Estimate::new(image)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.code(), Some(&AgeErrorCode::InvalidXYotiAuthId));
    assert_eq!(emu.stats().rejected, 2);
}

// ---- request validation by the emulator ----

#[tokio::test]
async fn the_emulator_refuses_malformed_requests_with_the_documented_codes() {
    let (emu, signer, client) = setup().await;
    let image = images::valid_jpeg();

    // Values the SDK does not know are sent as given; the service refuses them.
    let err = client
        .age(Estimate::new(image.clone()).device(Device::from("toaster")))
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::NOT_FOUND),
        "as the table says"
    );
    assert_eq!(code(&err), "INVALID_METADATA_DEVICE");
    let err = client
        .antispoofing(
            Estimate::new(image.clone()).level_of_assurance(LevelOfAssurance::from("EXTREME")),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), "INVALID_LEVEL_OF_ASSURANCE");
    let err = client
        .age(Estimate::new(image.clone()).img_validation_level("high".into()))
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), "INVALID_IMG_VALIDATION_LEVEL");
    let err = client
        .age_verify(Verify::new(image.clone(), 18).operator(Operator::from("SIDEWAYS")))
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), "INVALID_REQUEST_BODY");
    assert!(err.message().unwrap().contains("'operator'"));

    // Bodies the SDK never builds, signed by hand.
    let b64 = base64_like::encode(&image);
    let raw = |path: &'static str, secure: bool, body: String| {
        let mut req = signer
            .request(Method::POST, &emu.age_url(), path)
            .sdk_id(SdkIdPlacement::Header);
        if secure {
            req = req.query("secure", "true");
        }
        req.json(body)
    };
    let cases: Vec<(&str, bool, String, u16, &str)> = vec![
        (
            "/age",
            false,
            "not json".into(),
            400,
            "INVALID_BODY_ENCODING",
        ),
        ("/age", false, "[1, 2]".into(), 400, "INVALID_REQUEST_BODY"),
        ("/age", false, "{}".into(), 400, "IMAGE_NOT_PROVIDED"),
        (
            "/age",
            false,
            r#"{"img": "%%%"}"#.into(),
            400,
            "INVALID_B64_IMAGE",
        ),
        (
            "/age",
            false,
            r#"{"img": 42}"#.into(),
            400,
            "INVALID_B64_IMAGE",
        ),
        (
            "/age-verify",
            false,
            format!(r#"{{"img": "{b64}", "operator": "OVER"}}"#),
            400,
            "INVALID_REQUEST_BODY",
        ),
        (
            "/age-verify",
            false,
            format!(r#"{{"img": "{b64}", "threshold": "18", "operator": "OVER"}}"#),
            200,
            "",
        ),
        (
            "/age-verify",
            false,
            format!(r#"{{"img": "{b64}", "threshold": 18.5, "operator": "OVER"}}"#),
            400,
            "INVALID_REQUEST_BODY",
        ),
        (
            "/age-antispoofing",
            false,
            format!(r#"{{"img": "{b64}", "img_validation_level": "low"}}"#),
            400,
            "INVALID_IMG_VALIDATION_LEVEL",
        ),
        (
            "/age",
            true,
            format!(r#"{{"img": "{b64}"}}"#),
            400,
            "SECURE_REQUEST_IS_EMPTY",
        ),
        (
            "/age",
            true,
            format!(
                r#"{{"img": "{b64}", "secure": {{"version": "1", "signature": "s", "verification": "v"}}}}"#
            ),
            400,
            "SECURE_SESSION_NOT_FOUND",
        ),
    ];
    let t = transport();
    for (path, secure, body, status, expected) in cases {
        let out = send(&t, &raw(path, secure, body.clone())).await.unwrap();
        assert_eq!(
            out.status.as_u16(),
            status,
            "{path} {}",
            &body[..body.len().min(80)]
        );
        if status != 200 {
            assert_eq!(out.json["error_code"], expected, "{}", out.json);
            assert!(
                out.json["error_message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }

    // Over 2 MB: 413 before the handler runs.
    let huge = format!(r#"{{"img": "{}"}}"#, "A".repeat(2 * 1024 * 1024));
    let out = send(&t, &raw("/age", false, huge)).await.unwrap();
    assert_eq!(out.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(out.json["error_code"], "PAYLOAD_TOO_LARGE");

    // Another method, or another path, under the mount.
    let get = signer
        .request(Method::GET, &emu.age_url(), "/age")
        .sdk_id(SdkIdPlacement::Header);
    let out = send(&t, &get).await.unwrap();
    assert_eq!(
        (out.status, out.json["error_code"].as_str()),
        (StatusCode::NOT_FOUND, Some("INVALID_ENDPOINT"))
    );
    let nowhere = raw("/age-guess", false, "{}".into());
    let out = send(&t, &nowhere).await.unwrap();
    assert_eq!(out.json["error_code"], "INVALID_ENDPOINT");
}

// ---- secure captures, headers, per-call options ----

#[tokio::test]
async fn secure_captures_and_headers_reach_the_service() {
    let (emu, _, client) = setup().await;
    let image = images::valid_jpeg();
    let secure =
        json!({"version": "2", "token": "tok-123", "signature": "sig", "verification": "ver"});
    let estimate = client
        .age(
            Estimate::new(image.clone())
                .secure(secure)
                .multiframe(true)
                .terminal_id("kiosk-7")
                .session_id("sess-9")
                .device(Device::Laptop),
        )
        .await
        .unwrap();
    assert!(estimate.age > 0.0);
    let seen = emu.last_age_request(SDK_ID).unwrap();
    assert_eq!(seen["endpoint"], "/age");
    assert_eq!(
        (seen["secure"].as_bool(), seen["multiframe"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(seen["terminal_id"], "kiosk-7");
    assert_eq!(seen["session_id"], "sess-9");
    assert_eq!(seen["body"]["metadata"]["device"], "laptop");
    assert_eq!(seen["body"]["secure"]["token"], "[redacted]");
    assert_eq!(seen["img_base64_len"], 160_000);

    let err = client
        .age(
            Estimate::new(image.clone())
                .secure(json!({"version": "2", "token": "t", "signature": "s"})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(&err), "SECURE_VERIFICATION_NOT_FOUND");

    let plain = client.age(Estimate::new(image)).await.unwrap();
    assert_eq!(plain, estimate);
    let seen = emu.last_age_request(SDK_ID).unwrap();
    assert_eq!(
        (seen["secure"].as_bool(), seen["terminal_id"].is_null()),
        (Some(false), true)
    );
}

#[tokio::test]
async fn per_call_timeouts_and_transport_errors_are_typed() {
    let (emu, _, client) = setup().await;
    let image = images::valid_jpeg();
    emu.set_faults(FaultConfig {
        latency_ms: 400,
        ..FaultConfig::default()
    })
    .unwrap();
    let err = client
        .age(
            Estimate::new(image.clone())
                .with_timeout(Duration::from_millis(50))
                .with_retry(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    let Error::Transport(inner, _) = &err else {
        panic!("{err:?}");
    };
    assert!(inner.is_timeout() && err.is_retryable() && !err.is_not_sent());
    emu.set_faults(FaultConfig::default()).unwrap();

    // Nothing listens: a connect error, safe to retry, never sent.
    let addr = emu.addr();
    emu.shutdown().await;
    let gone = AgeClient::builder()
        .sdk_id(SDK_ID)
        .key(test_key())
        .base_url(format!("http://{addr}/ai/v1"))
        .transport(transport())
        .build()
        .unwrap();
    let err = gone.age(Estimate::new(image)).await.unwrap_err();
    assert!(err.is_not_sent() && err.is_retryable(), "{err:?}");
}
