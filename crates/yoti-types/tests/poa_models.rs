//! Proof of Age models: verify queries (wire names, validation), results for every status
//! and failure, error bodies, the token endpoint, secret redaction, and serialize-then-parse
//! properties.

mod common;
use common::{assert_round_trip, extra, open};

use proptest::prelude::*;
use serde_json::{Value, json};
use yoti_types::poa::{
    AccessToken, AgeOverResult, CLIENT_ASSERTION_TYPE_JWT_BEARER, ClientAssertion,
    ClientAssertionClaims, Failure, FailureReason, GRANT_TYPE_CLIENT_CREDENTIALS, Notification,
    NotificationMethod, OAuthErrorBody, OAuthErrorCode, PoaCheck, PoaErrorBody, PoaErrorCode,
    PoaErrorStatus, PoaResult, PoaStatus, Provider, TokenRequest, TokenResponse, TokenType,
    ValidationOptions, VerificationId, VerifyAccepted, VerifyQuery, WaitingOn,
};
use yoti_types::{Timestamp, ValidationError};

const QR: &str = "mDL:VGhlIGRldmljZSBlbmdhZ2VtZW50IGRhdGEgc3RydWN0dXJl";
const SCANNED_AT: &str = "2025-07-16T16:55:12Z";
const JWT: &str = "eyJhbGciOiJQUzM4NCIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzZGs6YWJjIn0.c2lnbmF0dXJl";

fn query() -> VerifyQuery {
    VerifyQuery::new(QR, Timestamp::new(SCANNED_AT), "pos-1234957")
}

/// The whole verify query this crate can send.
fn full_query() -> VerifyQuery {
    query().set_store_id("store-42").set_notification(
        Notification::new("https://example.com/poa/result")
            .set_method(NotificationMethod::Post)
            .set_verify_tls(true)
            .set_header("Authorization", "Bearer webhook-secret")
            .set_header("X-Store", "42"),
    )
}

// ---------------------------------------------------------------------------------------------
// Verify query

#[test]
fn minimal_query_serializes_as_documented() {
    // The example of Yoti's integration guide.
    assert_eq!(
        serde_json::to_value(query()).unwrap(),
        json!({"qr": {"value": QR, "scanned_at": SCANNED_AT}, "terminal": {"id": "pos-1234957"}})
    );
    query().validate(&ValidationOptions::default()).unwrap();
}

#[test]
fn notification_uses_camel_case_verify_tls_only() {
    let written = serde_json::to_value(full_query()).unwrap();
    let notification = &written["notification"];
    assert_eq!(notification["verifyTls"], json!(true));
    assert!(notification.get("verify_tls").is_none());
    assert_eq!(notification["method"], json!("POST"));
    assert_eq!(written["terminal"]["store_id"], json!("store-42"));
    assert_eq!(written["qr"]["scanned_at"], json!(SCANNED_AT));

    // Input also accepts snake_case.
    let lenient: Notification =
        serde_json::from_str(r#"{"url":"https://a.example","verify_tls":false}"#).unwrap();
    assert_eq!(lenient.verify_tls, Some(false));
}

#[test]
fn verify_query_snapshot() {
    let query = full_query();
    query.validate(&ValidationOptions::default()).unwrap();
    insta::assert_json_snapshot!("verify_query_with_notification", query);
}

#[test]
fn notification_debug_redacts_header_values() {
    let debug = format!("{:?}", full_query());
    assert!(!debug.contains("webhook-secret"), "{debug}");
    assert!(debug.contains(r#""Authorization": [redacted]"#), "{debug}");
    assert!(debug.contains("https://example.com/poa/result"), "{debug}");
}

fn refused(query: &VerifyQuery, options: ValidationOptions) -> ValidationError {
    query
        .validate(&options)
        .expect_err(&format!("{query:?} should be refused"))
}

fn with_url(url: &str) -> VerifyQuery {
    query().set_notification(Notification::new(url))
}

#[test]
fn query_validation() {
    let strict = ValidationOptions::default();
    let loopback = ValidationOptions::new().set_allow_loopback_http(true);

    let no_qr = VerifyQuery::new(" ", Timestamp::new(SCANNED_AT), "pos-1");
    assert_eq!(refused(&no_qr, strict).field(), "qr.value");
    let no_terminal = VerifyQuery::new(QR, Timestamp::new(SCANNED_AT), "");
    assert_eq!(refused(&no_terminal, strict).field(), "terminal.id");
    let empty_store = query().set_store_id("");
    assert_eq!(refused(&empty_store, strict).field(), "terminal.store_id");
    let bad_time = VerifyQuery::new(QR, Timestamp::new("16/07/2025"), "pos-1");
    assert!(matches!(
        refused(&bad_time, strict),
        ValidationError::Pattern { .. }
    ));

    // https only, http to loopback only when asked.
    for url in [
        "https://example.com/x",
        "HTTPS://example.com",
        "https://u:p@example.com:8443/x?y#z",
    ] {
        with_url(url).validate(&strict).unwrap();
    }
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]:9000/",
    ] {
        let error = refused(&with_url(url), strict);
        assert!(
            matches!(error, ValidationError::InsecureUrl { .. }),
            "{url}: {error}"
        );
        assert_eq!(error.field(), "notification.url");
        with_url(url).validate(&loopback).unwrap();
    }
    for url in [
        "http://example.com/hook",
        "http://127.0.0.1@evil.example/hook",
        "http://localhost.evil.example/",
        "ftp://127.0.0.1/",
        "example.com/hook",
    ] {
        let error = refused(&with_url(url), loopback);
        assert!(
            matches!(error, ValidationError::InsecureUrl { .. }),
            "{url}: {error}"
        );
    }
    assert!(matches!(
        refused(&with_url(""), strict),
        ValidationError::Empty { .. }
    ));
    for url in ["https://", "https:///path", "https://exa mple.com/"] {
        let error = refused(&with_url(url), strict);
        assert!(
            matches!(error, ValidationError::Invalid { .. }),
            "{url}: {error}"
        );
    }

    // Headers.
    let bad_name = query()
        .set_notification(Notification::new("https://example.com").set_header("Bad Header", "x"));
    assert_eq!(refused(&bad_name, strict).field(), "notification.headers");
    let bad_value = query().set_notification(
        Notification::new("https://example.com").set_header("X-A", "a\r\nX-B: b"),
    );
    assert_eq!(
        refused(&bad_value, strict).field(),
        "notification.headers.X-A"
    );
}

// ---------------------------------------------------------------------------------------------
// Results

#[test]
fn documented_success_result() {
    let text = r#"{"id":"Yzt0sbVOSauDWPwMQvumjQ","status":"SUCCESS","timestamp":"2025-07-16T15:47:22Z",
        "provider":"GOV_UK","result":{"age_over":21,"valid_for_alcohol":true,
        "checks":["SIGNATURE_VERIFIED","PROVIDER_ON_DVS_REGISTER"]}}"#;
    let result: PoaResult = serde_json::from_str(text).unwrap();
    assert_eq!(result.id.as_str(), "Yzt0sbVOSauDWPwMQvumjQ");
    assert_eq!(result.status, PoaStatus::Success);
    assert_eq!(result.provider, Some(Provider::GovUk));
    assert_eq!(result.age_over(), Some(21));
    assert!(result.is_final());
    let outcome = result.result.as_ref().unwrap();
    assert_eq!(outcome.valid_for_alcohol, Some(true));
    assert_eq!(
        outcome.checks,
        [PoaCheck::SignatureVerified, PoaCheck::ProviderOnDvsRegister]
    );
    assert_eq!(
        result
            .timestamp
            .as_ref()
            .unwrap()
            .to_offset_date_time()
            .unwrap()
            .unix_timestamp(),
        1_752_680_842
    );
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&result).unwrap(), original);
}

#[test]
fn every_failure_reason_parses() {
    let reasons = [
        (
            "UNABLE_TO_VERIFY_SIGNATURE",
            FailureReason::UnableToVerifySignature,
        ),
        ("PRESENTATION_EXPIRED", FailureReason::PresentationExpired),
        (
            "PRESENTATION_ALREADY_USED",
            FailureReason::PresentationAlreadyUsed,
        ),
        ("UNSUPPORTED_PAYLOAD", FailureReason::UnsupportedPayload),
        ("EXCLUDED_PROVIDER", FailureReason::ExcludedProvider),
        ("UNKNOWN_PROVIDER", FailureReason::UnknownProvider),
        ("USER_DID_NOT_CONSENT", FailureReason::UserDidNotConsent),
    ];
    assert_eq!(FailureReason::KNOWN.len(), reasons.len());
    for (wire, reason) in reasons {
        let text = format!(
            r#"{{"id":"q1","status":"FAILURE","timestamp":"2025-07-16T15:47:22Z","provider":"YOTI","failure":{{"reason":"{wire}"}}}}"#
        );
        let result: PoaResult = serde_json::from_str(&text).unwrap();
        assert_eq!(result.status, PoaStatus::Failure);
        assert_eq!(result.failure_reason(), Some(&reason));
        assert_eq!(result.age_over(), None);
        assert_eq!(result.provider, Some(Provider::Yoti));
        let mut built = PoaResult::failure("q1", Timestamp::new("2025-07-16T15:47:22Z"), reason);
        built.provider = Some(Provider::Yoti);
        assert_eq!(built, result);
    }
}

#[test]
fn pending_result_parses() {
    let result: PoaResult =
        serde_json::from_str(r#"{"id":"q2","status":"PENDING","waiting_on":"USER_CONSENT"}"#)
            .unwrap();
    assert_eq!(result.status, PoaStatus::Pending);
    assert_eq!(result.waiting_on, Some(WaitingOn::UserConsent));
    assert!(!result.is_final());
    assert_eq!(result, PoaResult::pending("q2", WaitingOn::UserConsent));
}

#[test]
fn unknown_values_are_kept_everywhere() {
    let text = r#"{"id":"q3","status":"EXPIRED","provider":"A_PROVIDER_NAME",
        "result":{"age_over":18,"checks":["NEW_CHECK"],"tier":"gold"},
        "failure":{"reason":"NEW_REASON"},"waiting_on":"NEW_THING","region":"uk"}"#;
    let result: PoaResult = serde_json::from_str(text).unwrap();
    assert_eq!(result.status.as_str(), "EXPIRED");
    assert!(result.status.is_unknown());
    assert_eq!(
        result.provider.as_ref().unwrap().as_str(),
        "A_PROVIDER_NAME"
    );
    let outcome = result.result.as_ref().unwrap();
    assert_eq!(outcome.checks[0].as_str(), "NEW_CHECK");
    assert_eq!(outcome.extra["tier"], json!("gold"));
    assert_eq!(result.failure_reason().unwrap().as_str(), "NEW_REASON");
    assert_eq!(result.waiting_on.as_ref().unwrap().as_str(), "NEW_THING");
    assert_eq!(result.extra["region"], json!("uk"));
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&result).unwrap(), original);
}

#[test]
fn success_builder_matches_the_documented_shape() {
    let result = PoaResult::success(
        "Yzt0sbVOSauDWPwMQvumjQ",
        Timestamp::new("2025-07-16T15:47:22Z"),
        Provider::GovUk,
        AgeOverResult::new(25)
            .set_valid_for_alcohol(true)
            .set_checks([PoaCheck::SignatureVerified]),
    );
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        json!({
            "id": "Yzt0sbVOSauDWPwMQvumjQ", "status": "SUCCESS",
            "timestamp": "2025-07-16T15:47:22Z", "provider": "GOV_UK",
            "result": {"age_over": 25, "valid_for_alcohol": true, "checks": ["SIGNATURE_VERIFIED"]}
        })
    );
}

#[test]
fn accepted_answer_is_lenient() {
    let bare: VerifyAccepted = serde_json::from_str(r#"{"id":"q4"}"#).unwrap();
    assert_eq!(bare.id, VerificationId::new("q4"));
    assert_eq!(bare.status, None);
    let pending: VerifyAccepted =
        serde_json::from_str(r#"{"id":"q4","status":"PENDING","waiting_on":"USER_CONSENT"}"#)
            .unwrap();
    assert_eq!(pending.status, Some(PoaStatus::Pending));
    assert_eq!(pending.extra["waiting_on"], json!("USER_CONSENT"));
    assert_eq!(
        serde_json::to_value(VerifyAccepted::new("q4")).unwrap(),
        json!({"id": "q4", "status": "PENDING"})
    );
}

// ---------------------------------------------------------------------------------------------
// Error bodies

#[test]
fn error_codes_and_statuses() {
    let codes = [
        ("MALFORMED_PAYLOAD", PoaErrorCode::MalformedPayload, 400),
        ("FEATURE_DISABLED", PoaErrorCode::FeatureDisabled, 403),
        (
            "INVALID_QR_CODE_VERIFIER_TOKEN",
            PoaErrorCode::InvalidQrCodeVerifierToken,
            422,
        ),
        ("SYSTEM_UNAVAILABLE", PoaErrorCode::SystemUnavailable, 500),
    ];
    assert_eq!(PoaErrorCode::KNOWN.len(), codes.len());
    for (wire, code, status) in codes {
        let text = format!(r#"{{"id":"e1","status":{status},"error":"{wire}","message":"m"}}"#);
        let body: PoaErrorBody = serde_json::from_str(&text).unwrap();
        assert_eq!(body.code(), Some(&code));
        assert_eq!(code.http_status(), Some(status));
        assert_eq!(body.status, Some(PoaErrorStatus::Http(status)));
        assert!(code.default_message().is_some());
        let built = PoaErrorBody::new(code).set_id("e1").set_message("m");
        assert_eq!(built, body);
    }
    assert!(PoaErrorCode::SystemUnavailable.is_retryable());

    let unknown: PoaErrorBody = serde_json::from_str(
        r#"{"id":"e2","status":"FAILURE","error":"QUOTA_EXCEEDED","message":"m","hint":"h"}"#,
    )
    .unwrap();
    assert_eq!(unknown.code().unwrap().as_str(), "QUOTA_EXCEEDED");
    assert_eq!(unknown.code().unwrap().http_status(), None);
    assert_eq!(unknown.status, Some(PoaErrorStatus::Text("FAILURE".into())));
    assert_eq!(unknown.extra["hint"], json!("h"));
    let empty: PoaErrorBody = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, PoaErrorBody::default());
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

#[test]
fn token_request_form() {
    let request = TokenRequest::new(["poa:verify", "poa:read"], JWT);
    request.validate().unwrap();
    assert_eq!(
        request.scopes().collect::<Vec<_>>(),
        ["poa:verify", "poa:read"]
    );
    assert_eq!(
        request.to_form_pairs(),
        [
            ("grant_type", GRANT_TYPE_CLIENT_CREDENTIALS),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE_JWT_BEARER),
            ("scope", "poa:verify poa:read"),
            ("client_assertion", JWT),
        ]
    );
    assert_eq!(
        request.to_form_urlencoded(),
        format!(
            "grant_type=client_credentials\
             &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
             &scope=poa%3Averify+poa%3Aread&client_assertion={JWT}"
        )
    );
    // Serialize gives the same four fields, in order.
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        format!(
            r#"{{"grant_type":"client_credentials","client_assertion_type":"{CLIENT_ASSERTION_TYPE_JWT_BEARER}","scope":"poa:verify poa:read","client_assertion":"{JWT}"}}"#
        )
    );
}

#[test]
fn token_request_validation() {
    let no_scope = TokenRequest::new(Vec::<String>::new(), JWT);
    assert_eq!(no_scope.validate().unwrap_err().field(), "scope");
    let bad_scope = TokenRequest::new(["a\"b"], JWT);
    assert_eq!(bad_scope.validate().unwrap_err().field(), "scope");
    let empty = TokenRequest::new(["poa"], "");
    assert_eq!(empty.validate().unwrap_err().field(), "client_assertion");
    let not_jwt = TokenRequest::new(["poa"], "super secret value");
    let error = not_jwt.validate().unwrap_err();
    assert_eq!(error.field(), "client_assertion");
    assert!(!error.to_string().contains("super secret"), "{error}");
    let mut wrong_grant = TokenRequest::new(["poa"], JWT);
    wrong_grant.grant_type = "password".into();
    assert_eq!(wrong_grant.validate().unwrap_err().field(), "grant_type");
}

#[test]
fn secrets_are_redacted_in_debug() {
    assert_eq!(
        format!("{:?}", AccessToken::new("yta_UJCxUATErS890k")),
        "[redacted]"
    );
    assert_eq!(format!("{:?}", ClientAssertion::new(JWT)), "[redacted]");

    let request = format!("{:?}", TokenRequest::new(["poa"], JWT));
    assert!(!request.contains(JWT), "{request}");
    assert!(
        request.contains("client_assertion: [redacted]"),
        "{request}"
    );

    let response: TokenResponse = serde_json::from_str(
        r#"{"access_token":"yta_UJCxUATErS890kAUaOMI7QA","token_type":"Bearer","expires_in":3600,"scope":"poa"}"#,
    )
    .unwrap();
    let debug = format!("{response:?}");
    assert!(!debug.contains("yta_"), "{debug}");
    assert!(debug.contains("access_token: [redacted]"), "{debug}");
    // The secret is still there for whoever asks explicitly, and on the wire.
    assert_eq!(
        response.access_token.expose_secret(),
        "yta_UJCxUATErS890kAUaOMI7QA"
    );
    assert_eq!(
        serde_json::to_value(&response).unwrap()["access_token"],
        json!("yta_UJCxUATErS890kAUaOMI7QA")
    );
}

#[test]
fn token_response_parses() {
    let response: TokenResponse = serde_json::from_str(
        r#"{"access_token":"t","token_type":"bearer","expires_in":300,"scope":"poa:verify other","jti":"x"}"#,
    )
    .unwrap();
    assert_eq!(response.token_type, TokenType::Bearer);
    assert_eq!(response.expires_in, Some(300));
    assert_eq!(
        response.scopes().collect::<Vec<_>>(),
        ["poa:verify", "other"]
    );
    assert_eq!(response.extra["jti"], json!("x"));
    let minimal: TokenResponse =
        serde_json::from_str(r#"{"access_token":"t","token_type":"mac"}"#).unwrap();
    assert_eq!(minimal.token_type.as_str(), "mac");
    assert_eq!(minimal.expires_in, None);
    assert_eq!(
        serde_json::to_value(TokenResponse::new("t", 1800).set_scope("poa")).unwrap(),
        json!({"access_token": "t", "token_type": "Bearer", "expires_in": 1800, "scope": "poa"})
    );
}

#[test]
fn oauth_error_body_parses() {
    let body: OAuthErrorBody = serde_json::from_str(
        r#"{"error":"invalid_client","error_description":"Client assertion expired"}"#,
    )
    .unwrap();
    assert_eq!(body.error, OAuthErrorCode::InvalidClient);
    assert_eq!(body.error.http_status(), Some(401));
    assert_eq!(OAuthErrorCode::InvalidScope.http_status(), Some(400));
    assert_eq!(
        body.error_description.as_deref(),
        Some("Client assertion expired")
    );
    let unknown: OAuthErrorBody = serde_json::from_str(r#"{"error":"slow_down"}"#).unwrap();
    assert_eq!(unknown.error.as_str(), "slow_down");
    assert_eq!(unknown.error.http_status(), None);
    assert_eq!(
        serde_json::to_value(
            OAuthErrorBody::new(OAuthErrorCode::InvalidGrant).set_error_description("d")
        )
        .unwrap(),
        json!({"error": "invalid_grant", "error_description": "d"})
    );
}

// ---------------------------------------------------------------------------------------------
// Serialize-then-parse properties

fn notification() -> impl Strategy<Value = Notification> {
    (
        ".{0,30}",
        proptest::option::of(open(NotificationMethod::KNOWN)),
        proptest::option::of(any::<bool>()),
        proptest::collection::btree_map(".{1,10}", ".{0,10}", 0..3),
    )
        .prop_map(|(url, method, verify_tls, headers)| {
            let mut notification = Notification::new(url);
            notification.method = method;
            notification.verify_tls = verify_tls;
            notification.headers = headers;
            notification
        })
}

fn verify_query() -> impl Strategy<Value = VerifyQuery> {
    (
        ".{0,30}",
        ".{0,25}",
        ".{0,10}",
        proptest::option::of(".{0,10}"),
        proptest::option::of(notification()),
    )
        .prop_map(|(qr, scanned_at, terminal, store, notification)| {
            let mut query = VerifyQuery::new(qr, Timestamp::new(scanned_at), terminal);
            if let Some(store) = store {
                query = query.set_store_id(store);
            }
            query.notification = notification;
            query
        })
}

fn poa_result() -> impl Strategy<Value = PoaResult> {
    let outcome = (
        any::<u32>(),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(open(PoaCheck::KNOWN), 0..3),
        extra(),
    )
        .prop_map(|(age_over, alcohol, checks, extra)| {
            let mut outcome = AgeOverResult::new(age_over).set_checks(checks);
            outcome.valid_for_alcohol = alcohol;
            outcome.extra = extra;
            outcome
        });
    let failure = (open(FailureReason::KNOWN), extra()).prop_map(|(reason, extra)| {
        let mut failure = Failure::new(reason);
        failure.extra = extra;
        failure
    });
    (
        ".{0,22}",
        open(PoaStatus::KNOWN),
        proptest::option::of(".{0,25}"),
        proptest::option::of(open(Provider::KNOWN)),
        proptest::option::of(outcome),
        proptest::option::of(failure),
        proptest::option::of(open(WaitingOn::KNOWN)),
        extra(),
    )
        .prop_map(
            |(id, status, timestamp, provider, outcome, failure, waiting_on, extra)| {
                let mut result = PoaResult::new(id, status);
                result.timestamp = timestamp.map(Timestamp::new);
                result.provider = provider;
                result.result = outcome;
                result.failure = failure;
                result.waiting_on = waiting_on;
                result.extra = extra;
                result
            },
        )
}

fn error_status() -> impl Strategy<Value = PoaErrorStatus> {
    prop_oneof![
        any::<u16>().prop_map(PoaErrorStatus::Http),
        ".{0,10}".prop_map(PoaErrorStatus::Text),
        // What is neither a u16 nor a string (null reads as an absent status).
        any::<bool>().prop_map(|b| PoaErrorStatus::Other(Value::from(b))),
        (i64::MIN..0).prop_map(|n| PoaErrorStatus::Other(Value::from(n))),
    ]
}

proptest! {
    #[test]
    fn verify_query_round_trips(query in verify_query()) {
        assert_round_trip(&query)?;
    }

    #[test]
    fn poa_result_round_trips(result in poa_result()) {
        assert_round_trip(&result)?;
    }

    #[test]
    fn accepted_round_trips(
        id in ".{0,22}",
        status in proptest::option::of(open(PoaStatus::KNOWN)),
        extra in extra(),
    ) {
        let mut accepted = VerifyAccepted::new(id);
        accepted.status = status;
        accepted.extra = extra;
        assert_round_trip(&accepted)?;
    }

    #[test]
    fn poa_error_body_round_trips(
        id in proptest::option::of(".{0,12}"),
        status in proptest::option::of(error_status()),
        code in proptest::option::of(open(PoaErrorCode::KNOWN)),
        message in proptest::option::of(".{0,20}"),
        extra in extra(),
    ) {
        let mut body = PoaErrorBody::default();
        body.id = id;
        body.status = status;
        body.error = code;
        body.message = message;
        body.extra = extra;
        assert_round_trip(&body)?;
    }

    #[test]
    fn token_models_round_trip(
        scopes in proptest::collection::vec("[a-z:]{1,10}", 0..3),
        assertion in ".{0,40}",
        token in ".{0,40}",
        token_type in open(TokenType::KNOWN),
        expires_in in proptest::option::of(any::<u64>()),
        scope in proptest::option::of(".{0,20}"),
        extra in extra(),
    ) {
        assert_round_trip(&TokenRequest::new(scopes, assertion))?;
        let mut response = TokenResponse::new(token, 0);
        response.token_type = token_type;
        response.expires_in = expires_in;
        response.scope = scope;
        response.extra = extra.clone();
        assert_round_trip(&response)?;
    }

    #[test]
    fn oauth_error_body_round_trips(
        code in open(OAuthErrorCode::KNOWN),
        description in proptest::option::of(".{0,20}"),
        uri in proptest::option::of(".{0,20}"),
        extra in extra(),
    ) {
        let mut body = OAuthErrorBody::new(code);
        body.error_description = description;
        body.error_uri = uri;
        body.extra = extra;
        assert_round_trip(&body)?;
    }

    #[test]
    fn form_encoding_is_reversible(scopes in proptest::collection::vec("[ -~]{1,8}", 1..3), assertion in ".{0,30}") {
        let request = TokenRequest::new(scopes, assertion);
        let encoded = request.to_form_urlencoded();
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{}", encoded);
        let decoded: Vec<(String, String)> = encoded
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                (form_decode(name), form_decode(value))
            })
            .collect();
        let expected: Vec<(String, String)> = request
            .to_form_pairs()
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        prop_assert_eq!(decoded, expected);
    }
}

/// A minimal `application/x-www-form-urlencoded` decoder, to check the encoder against.
fn form_decode(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex: String = [input.next().unwrap(), input.next().unwrap()]
                    .iter()
                    .map(|&b| char::from(b))
                    .collect();
                bytes.push(u8::from_str_radix(&hex, 16).unwrap());
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).unwrap()
}

#[test]
fn client_assertion_claims_have_yoti_s_shape() {
    let url = "https://auth.api.yoti.com/v1/oauth/token";
    let claims = ClientAssertionClaims::new("abc", url, "5f0c1d2e-jti-of-16-bytes", 100, 400);
    assert_eq!(
        serde_json::to_value(&claims).unwrap(),
        json!({"iss": "sdk:abc", "sub": "sdk:abc", "aud": url,
               "jti": "5f0c1d2e-jti-of-16-bytes", "iat": 100, "exp": 400})
    );
    assert_eq!(claims.sdk_id(), Some("abc"));
    assert_eq!(ClientAssertionClaims::issuer_for("abc"), "sdk:abc");
    // Parsed leniently: no `iat`, unknown claims kept; an `iss` of another form has no id.
    let parsed: ClientAssertionClaims = serde_json::from_value(json!({
        "iss": "abc", "sub": "abc", "aud": url, "jti": "j", "exp": 1, "nbf": 0
    }))
    .unwrap();
    assert_eq!(parsed.iat, None);
    assert_eq!(parsed.extra["nbf"], json!(0));
    assert_eq!(parsed.sdk_id(), None);
}
