//! Age Estimation models: error codes against Yoti's reference table, error bodies, endpoint
//! routing, request validation and serialization, and serialize-then-parse properties.

mod common;
use common::{assert_round_trip, extra, open};
use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{Value, json};
use yoti_types::ValidationError;
use yoti_types::age::{
    AGE_THRESHOLD_RANGE, AgeAntispoofingResponse, AgeAntispoofingVerifyResponse, AgeCheck,
    AgeCheckResult, AgeEndpoint, AgeErrorBody, AgeErrorCode, AgeEstimate, AgeRequest,
    AntispoofingResponse, AntispoofingResult, Device, ImgValidationLevel, LegacyAgeEstimate,
    LevelOfAssurance, MAX_IMG_BASE64_LEN, Metadata, Operator, Prediction,
};

// ---------------------------------------------------------------------------------------------
// Error codes

/// The `status | CODE |` rows of the error table in Yoti's reference.
fn reference_table() -> Vec<(u16, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/age-estimation-api.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reference missing: {}: {e}", path.display()));
    let rows: Vec<(u16, String)> = text
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim);
            let status = cells.next()?.parse::<u16>().ok()?;
            let code = cells.next()?;
            (!code.is_empty()).then(|| (status, code.to_owned()))
        })
        .collect();
    assert!(
        rows.len() > 50,
        "the reference table looks truncated: {} rows",
        rows.len()
    );
    rows
}

#[test]
fn every_code_of_the_reference_table_is_known_with_its_status() {
    let rows = reference_table();
    for (status, code) in &rows {
        let parsed: AgeErrorCode = serde_json::from_value(json!(code)).unwrap();
        assert!(!parsed.is_unknown(), "{code} is not a named variant");
        assert_eq!(parsed.as_str(), code);
        assert_eq!(parsed.http_status(), Some(*status), "{code}");
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(code));
        let message = parsed.default_message().unwrap();
        assert!(
            !message.is_empty() && message.ends_with('.'),
            "{code}: {message:?}"
        );
    }
    // And nothing beyond the table: every variant is one of its rows.
    assert_eq!(AgeErrorCode::KNOWN.len(), rows.len());
    for known in AgeErrorCode::KNOWN {
        assert!(
            rows.iter().any(|(_, code)| code == known.as_str()),
            "{known} not in table"
        );
    }
}

#[test]
fn error_codes_spot_checks() {
    assert_eq!(AgeErrorCode::FaceNotFound.http_status(), Some(400));
    assert_eq!(
        AgeErrorCode::FaceNotFound.default_message(),
        Some("Face not found.")
    );
    assert_eq!(AgeErrorCode::PayloadTooLarge.http_status(), Some(413));
    assert_eq!(AgeErrorCode::ServiceUnavailable.http_status(), Some(503));
    assert_eq!(AgeErrorCode::InvalidSecureSession.http_status(), Some(401));
    assert_eq!(AgeErrorCode::AppNotFound.as_str(), "APP_NOT_FOUND");
    assert!(AgeErrorCode::ServiceUnavailable.is_retryable());
    assert!(!AgeErrorCode::FaceNotFound.is_retryable());
}

#[test]
fn unknown_codes_keep_their_string() {
    let code: AgeErrorCode = serde_json::from_str(r#""SECURE_NEW_THING""#).unwrap();
    assert!(code.is_unknown());
    assert_eq!(code.as_str(), "SECURE_NEW_THING");
    assert_eq!(code.to_string(), "SECURE_NEW_THING");
    assert_eq!(code.http_status(), None);
    assert_eq!(code.default_message(), None);
    assert_eq!(
        serde_json::to_string(&code).unwrap(),
        r#""SECURE_NEW_THING""#
    );

    let body: AgeErrorBody =
        serde_json::from_str(r#"{"error_code":"SECURE_NEW_THING","error_message":"New."}"#)
            .unwrap();
    assert_eq!(body.code().unwrap().as_str(), "SECURE_NEW_THING");
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"error_code": "SECURE_NEW_THING", "error_message": "New."})
    );
}

#[test]
fn error_body_parses_from_both_spellings() {
    let documented: AgeErrorBody = serde_json::from_str(
        r#"{"error_code":"FACE_NOT_FOUND","error_message":"Face not found."}"#,
    )
    .unwrap();
    let short: AgeErrorBody =
        serde_json::from_str(r#"{"code":"FACE_NOT_FOUND","message":"Face not found."}"#).unwrap();
    assert_eq!(documented, short);
    assert_eq!(documented.code(), Some(&AgeErrorCode::FaceNotFound));
    assert_eq!(documented.message(), Some("Face not found."));
    // It always writes the documented names.
    assert_eq!(
        serde_json::to_value(&short).unwrap(),
        json!({"error_code": "FACE_NOT_FOUND", "error_message": "Face not found."})
    );
}

#[test]
fn error_body_is_lenient() {
    let proxy: AgeErrorBody = serde_json::from_str(r#"{"message":"Forbidden"}"#).unwrap();
    assert_eq!(proxy.code(), None);
    assert_eq!(proxy.message(), Some("Forbidden"));

    let extra: AgeErrorBody =
        serde_json::from_str(r#"{"error_code":"MIN_WIDTH","error_message":"x","trace":"abc"}"#)
            .unwrap();
    assert_eq!(extra.extra.get("trace"), Some(&json!("abc")));
    assert_eq!(serde_json::to_value(&extra).unwrap()["trace"], json!("abc"));
}

#[test]
fn error_body_new_uses_the_default_message() {
    let body = AgeErrorBody::new(AgeErrorCode::MultipleFaces);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"error_code": "MULTIPLE_FACES", "error_message": "Multiple faces in the image provided."})
    );
    let custom = AgeErrorBody::new(AgeErrorCode::from("SECURE_X")).set_error_message("Custom.");
    assert_eq!(
        serde_json::to_value(&custom).unwrap(),
        json!({"error_code": "SECURE_X", "error_message": "Custom."})
    );
}

// ---------------------------------------------------------------------------------------------
// Endpoints

#[test]
fn endpoints_paths_and_kinds() {
    let expected = [
        (AgeEndpoint::Age, "/age", false, true, false),
        (
            AgeEndpoint::Antispoofing,
            "/antispoofing",
            false,
            false,
            true,
        ),
        (
            AgeEndpoint::AgeAntispoofing,
            "/age-antispoofing",
            false,
            true,
            true,
        ),
        (AgeEndpoint::AgeVerify, "/age-verify", true, true, false),
        (
            AgeEndpoint::AgeAntispoofingVerify,
            "/age-antispoofing-verify",
            true,
            true,
            true,
        ),
    ];
    assert_eq!(AgeEndpoint::ALL.len(), expected.len());
    for (endpoint, path, verify, age, antispoofing) in expected {
        assert_eq!(endpoint.path(), path);
        assert_eq!(endpoint.to_string(), path);
        assert_eq!(AgeEndpoint::from_path(path), Some(endpoint));
        assert_eq!(endpoint.is_verify(), verify, "{path}");
        assert_eq!(endpoint.runs_age(), age, "{path}");
        assert_eq!(endpoint.runs_antispoofing(), antispoofing, "{path}");
    }
    assert!(AgeEndpoint::Age.is_age_only() && AgeEndpoint::AgeVerify.is_age_only());
    assert_eq!(AgeEndpoint::from_path("/ai/v1/age"), None);
}

// ---------------------------------------------------------------------------------------------
// Requests

const IMG: &str = "/9j/4AAQSkZJRgABAgAAAQABAAD/2wAcHNXCKigjEaYH51Me1Zy1Za0P/Z";

fn secure() -> Value {
    json!({
        "version": "1.3.0",
        "token": "<session jwt>",
        "signature": "<result signature>",
        "verification": "<verification data>"
    })
}

/// The whole `/age-verify` body this crate can send.
fn full_age_verify_request() -> AgeRequest {
    AgeRequest::verify(IMG, 18, Operator::Over)
        .set_device(Device::Mobile)
        .set_img_validation_level(ImgValidationLevel::Low)
        .set_secure(secure())
}

#[test]
fn estimate_request_serializes_only_what_is_set() {
    let request = AgeRequest::new(IMG);
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({ "img": IMG })
    );
    for endpoint in [
        AgeEndpoint::Age,
        AgeEndpoint::Antispoofing,
        AgeEndpoint::AgeAntispoofing,
    ] {
        request.validate_for(endpoint).unwrap();
    }
}

#[test]
fn verify_request_serializes_as_documented() {
    let request = AgeRequest::verify(IMG, 25, Operator::Over).set_device(Device::Mobile);
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"img": IMG, "threshold": 25, "operator": "OVER", "metadata": {"device": "mobile"}})
    );
    request.validate_for(AgeEndpoint::AgeVerify).unwrap();
    request
        .validate_for(AgeEndpoint::AgeAntispoofingVerify)
        .unwrap();
}

#[test]
fn enum_spellings_on_the_wire() {
    let request = AgeRequest::new(IMG)
        .set_metadata(Metadata::new(Device::Unspecified))
        .set_level_of_assurance(LevelOfAssurance::High);
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"img": IMG, "metadata": {"device": "unknown"}, "level_of_assurance": "HIGH"})
    );
    assert_eq!(Operator::from("under"), Operator::Under);
    assert_eq!(Operator::Under.as_str(), "UNDER");
    assert_eq!(LevelOfAssurance::from("medium"), LevelOfAssurance::Medium);
    assert_eq!(Device::from("laptop"), Device::Laptop);
    assert_eq!(Device::Any.as_str(), "any");
}

#[test]
fn age_verify_request_snapshot() {
    let request = full_age_verify_request();
    request.validate_for(AgeEndpoint::AgeVerify).unwrap();
    insta::assert_json_snapshot!("age_verify_request", request);
}

#[test]
fn age_antispoofing_verify_request_snapshot() {
    let request = AgeRequest::verify(IMG, 21, Operator::Under)
        .set_device(Device::Laptop)
        .set_level_of_assurance(LevelOfAssurance::Medium)
        .set_secure(secure());
    request
        .validate_for(AgeEndpoint::AgeAntispoofingVerify)
        .unwrap();
    insta::assert_json_snapshot!("age_antispoofing_verify_request", request);
}

fn refused(request: &AgeRequest, endpoint: AgeEndpoint) -> ValidationError {
    request
        .validate_for(endpoint)
        .expect_err(&format!("{request:?} should be refused by {endpoint}"))
}

#[test]
fn validation_rules() {
    use AgeEndpoint::*;

    // The image.
    let empty = AgeRequest::new("");
    assert!(matches!(
        refused(&empty, Age),
        ValidationError::Empty { .. }
    ));
    let huge = AgeRequest::new("A".repeat(MAX_IMG_BASE64_LEN + 1));
    assert!(matches!(
        refused(&huge, Age),
        ValidationError::OutOfRange { .. }
    ));
    AgeRequest::new("A".repeat(MAX_IMG_BASE64_LEN))
        .validate_for(Age)
        .unwrap();

    // Verify endpoints need threshold and operator.
    for endpoint in [AgeVerify, AgeAntispoofingVerify] {
        assert_eq!(
            refused(&AgeRequest::new(IMG), endpoint).field(),
            "threshold"
        );
        let no_operator = AgeRequest::new(IMG).set_threshold(18);
        assert_eq!(refused(&no_operator, endpoint).field(), "operator");
        let no_threshold = AgeRequest::new(IMG).set_operator(Operator::Over);
        assert_eq!(refused(&no_threshold, endpoint).field(), "threshold");
    }

    // The threshold range is ours: 1..=150.
    for bad in [0, AGE_THRESHOLD_RANGE.end() + 1, 2007] {
        let error = refused(&AgeRequest::verify(IMG, bad, Operator::Over), AgeVerify);
        assert!(
            matches!(error, ValidationError::OutOfRange { .. }),
            "{bad}: {error}"
        );
        assert_eq!(error.field(), "threshold");
    }
    for good in [1, 13, 18, 25, 150] {
        AgeRequest::verify(IMG, good, Operator::Under)
            .validate_for(AgeVerify)
            .unwrap();
    }

    // Estimate endpoints take neither.
    for endpoint in [Age, Antispoofing, AgeAntispoofing] {
        let verify = AgeRequest::verify(IMG, 18, Operator::Over);
        assert_eq!(refused(&verify, endpoint).field(), "threshold");
        let operator_only = AgeRequest::new(IMG).set_operator(Operator::Over);
        assert_eq!(refused(&operator_only, endpoint).field(), "operator");
    }

    // img_validation_level: age-only endpoints.
    let relaxed = AgeRequest::new(IMG).set_img_validation_level(ImgValidationLevel::Low);
    relaxed.validate_for(Age).unwrap();
    for endpoint in [Antispoofing, AgeAntispoofing] {
        assert_eq!(refused(&relaxed, endpoint).field(), "img_validation_level");
    }
    let relaxed_verify = relaxed
        .clone()
        .set_threshold(18)
        .set_operator(Operator::Over);
    relaxed_verify.validate_for(AgeVerify).unwrap();
    assert_eq!(
        refused(&relaxed_verify, AgeAntispoofingVerify).field(),
        "img_validation_level"
    );

    // level_of_assurance: endpoints that run anti-spoofing.
    let loa = AgeRequest::new(IMG).set_level_of_assurance(LevelOfAssurance::Low);
    loa.validate_for(Antispoofing).unwrap();
    loa.validate_for(AgeAntispoofing).unwrap();
    assert_eq!(refused(&loa, Age).field(), "level_of_assurance");

    // secure: an object.
    let not_object = AgeRequest::new(IMG).set_secure(json!("token"));
    assert_eq!(refused(&not_object, Age).field(), "secure");
    AgeRequest::new(IMG)
        .set_secure(secure())
        .validate_for(AgeAntispoofing)
        .unwrap();

    // Unknown enum values are sent as given, not refused.
    AgeRequest::verify(IMG, 18, Operator::from("BETWEEN"))
        .set_device(Device::from("kiosk"))
        .validate_for(AgeVerify)
        .unwrap();
}

#[test]
fn request_debug_hides_the_image_and_the_secure_token() {
    let debug = format!("{:?}", full_age_verify_request());
    assert!(!debug.contains(IMG), "{debug}");
    assert!(!debug.contains("session jwt"), "{debug}");
    assert!(
        debug.contains(&format!("<{} base64 chars>", IMG.len())),
        "{debug}"
    );
    assert!(debug.contains("secure: Some([redacted])"), "{debug}");
    assert!(debug.contains("threshold: Some(18)"), "{debug}");
}

// ---------------------------------------------------------------------------------------------
// Responses

#[test]
fn responses_build_and_serialize_as_documented() {
    assert_eq!(
        serde_json::to_value(AgeEstimate::new(43.5, 4.25)).unwrap(),
        json!({"age": 43.5, "st_dev": 4.25})
    );
    assert_eq!(
        serde_json::to_value(AntispoofingResponse::new(Prediction::Fake)).unwrap(),
        json!({"prediction": "fake"})
    );
    assert_eq!(
        serde_json::to_value(AntispoofingResponse::nested(Prediction::Undetermined)).unwrap(),
        json!({"antispoofing": {"prediction": "undetermined"}})
    );
    assert_eq!(
        serde_json::to_value(AgeCheckResult::new(AgeCheck::Fail)).unwrap(),
        json!({"age_check": "fail"})
    );
    let combined = AgeAntispoofingVerifyResponse::new(
        AgeCheckResult::new(AgeCheck::Pass),
        AntispoofingResult::new(Prediction::Fake),
    );
    assert!(!combined.passed());
    assert_eq!(
        serde_json::to_value(&combined).unwrap(),
        json!({"age": {"age_check": "pass"}, "antispoofing": {"prediction": "fake"}})
    );
}

#[test]
fn responses_keep_unknown_members_and_values() {
    let text = r#"{"age":{"age":31,"st_dev":2.5,"model":"v3"},
                   "antispoofing":{"prediction":"maybe","score":0.4},"request_id":"r1"}"#;
    let answer: AgeAntispoofingResponse = serde_json::from_str(text).unwrap();
    assert_eq!(answer.age.age, 31.0);
    assert_eq!(answer.age.extra["model"], json!("v3"));
    assert!(answer.antispoofing.prediction.is_unknown());
    assert_eq!(answer.antispoofing.extra["score"], json!(0.4));
    assert_eq!(answer.extra["request_id"], json!("r1"));
    let written = serde_json::to_value(&answer).unwrap();
    assert_eq!(written["antispoofing"]["prediction"], json!("maybe"));
    assert_eq!(written["age"]["model"], json!("v3"));
    assert_eq!(written["request_id"], json!("r1"));
}

// ---------------------------------------------------------------------------------------------
// Serialize-then-parse properties

/// Ages as the service writes them: a few decimals. (serde_json's default float parser is
/// exact for these; arbitrary 17-digit floats may come back one ULP off without its
/// `float_roundtrip` feature.)
fn float() -> impl Strategy<Value = f64> {
    (0u32..150_000).prop_map(|n| f64::from(n) / 1000.0)
}

fn age_request() -> impl Strategy<Value = AgeRequest> {
    (
        ".{0,40}",
        proptest::option::of(any::<u32>()),
        proptest::option::of(open(Operator::KNOWN)),
        proptest::option::of(proptest::option::of(open(Device::KNOWN))),
        proptest::option::of(open(LevelOfAssurance::KNOWN)),
        proptest::option::of(open(ImgValidationLevel::KNOWN)),
        proptest::option::of(
            proptest::collection::btree_map("[a-z]{1,12}", ".{0,20}", 0..5)
                .prop_map(|members| json!(members)),
        ),
    )
        .prop_map(|(img, threshold, operator, metadata, loa, ivl, secure)| {
            let mut request = AgeRequest::new(img);
            request.threshold = threshold;
            request.operator = operator;
            request.metadata = metadata.map(|device| {
                let mut metadata = Metadata::default();
                metadata.device = device;
                metadata
            });
            request.level_of_assurance = loa;
            request.img_validation_level = ivl;
            request.secure = secure;
            request
        })
}

fn estimate() -> impl Strategy<Value = AgeEstimate> {
    (float(), float(), extra()).prop_map(|(age, st_dev, extra)| {
        let mut estimate = AgeEstimate::new(age, st_dev);
        estimate.extra = extra;
        estimate
    })
}

fn antispoofing_result() -> impl Strategy<Value = AntispoofingResult> {
    (open(Prediction::KNOWN), extra()).prop_map(|(prediction, extra)| {
        let mut result = AntispoofingResult::new(prediction);
        result.extra = extra;
        result
    })
}

fn age_check_result() -> impl Strategy<Value = AgeCheckResult> {
    (open(AgeCheck::KNOWN), extra()).prop_map(|(check, extra)| {
        let mut result = AgeCheckResult::new(check);
        result.extra = extra;
        result
    })
}

proptest! {
    #[test]
    fn age_request_round_trips(request in age_request()) {
        assert_round_trip(&request)?;
    }

    #[test]
    fn age_estimate_round_trips(estimate in estimate()) {
        assert_round_trip(&estimate)?;
    }

    #[test]
    fn legacy_estimate_round_trips(age in float(), uncertainty in float(), extra in extra()) {
        let mut legacy = LegacyAgeEstimate::new(age, uncertainty);
        legacy.extra = extra;
        assert_round_trip(&legacy)?;
    }

    #[test]
    fn antispoofing_answers_round_trip(
        result in antispoofing_result(),
        flat in proptest::option::of(open(Prediction::KNOWN)),
        nested in proptest::option::of(antispoofing_result()),
        extra in extra(),
    ) {
        assert_round_trip(&result)?;
        let mut response = AntispoofingResponse::default();
        response.prediction = flat;
        response.antispoofing = nested;
        response.extra = extra;
        assert_round_trip(&response)?;
    }

    #[test]
    fn combined_answers_round_trip(
        estimate in estimate(),
        check in age_check_result(),
        result in antispoofing_result(),
        extra in extra(),
    ) {
        assert_round_trip(&check)?;
        let mut combined = AgeAntispoofingResponse::new(estimate, result.clone());
        combined.extra = extra.clone();
        assert_round_trip(&combined)?;
        let mut verify = AgeAntispoofingVerifyResponse::new(check, result);
        verify.extra = extra;
        assert_round_trip(&verify)?;
    }

    #[test]
    fn error_body_round_trips(
        code in proptest::option::of(open(AgeErrorCode::KNOWN)),
        message in proptest::option::of(".{0,30}"),
        extra in extra(),
    ) {
        let mut body = AgeErrorBody::default();
        body.error_code = code;
        body.error_message = message;
        body.extra = extra;
        assert_round_trip(&body)?;
    }
}
