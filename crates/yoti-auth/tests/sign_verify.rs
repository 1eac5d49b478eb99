//! Signing rules and sign-then-verify properties.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Method;
use proptest::prelude::*;
use yoti_auth::{
    Error, PrivateKey, PublicKey, RequestSigner, SdkIdPlacement, SignedParts, Verifier, headers,
};

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        PrivateKey::from_pem_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/test-key-pkcs8.pem"
        ))
        .unwrap()
    })
}

fn public() -> PublicKey {
    key().public_key()
}

fn fixed_signer() -> RequestSigner {
    RequestSigner::new("8e2b5a3c-sdk", key().clone())
        .set_clock(|| UNIX_EPOCH + Duration::from_millis(1_700_000_000_123))
        .set_nonce_source(|| "9d3b1c2a-nonce".to_owned())
}

fn parts<'a>(req: &'a http::Request<Bytes>, base_path: &str) -> SignedParts<'a> {
    let path = req.uri().path();
    SignedParts {
        method: req.method().as_str(),
        path: &path[base_path.len()..],
        query: req.uri().query(),
        body: req.body(),
        digest: req
            .headers()
            .get(headers::AUTH_DIGEST)
            .and_then(|v| v.to_str().ok()),
    }
}

fn verifier_at(ms: u64) -> Verifier {
    Verifier::new().set_clock(move || UNIX_EPOCH + Duration::from_millis(ms))
}

#[test]
fn idv_get_puts_caller_params_then_sdk_id_nonce_timestamp() {
    let req = fixed_signer()
        .request(
            Method::GET,
            "https://api.yoti.com/idverify/v1/",
            "/supported-documents",
        )
        .query("includeNonLatin", "true")
        .build()
        .unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://api.yoti.com/idverify/v1/supported-documents?includeNonLatin=true&sdkId=8e2b5a3c-sdk&nonce=9d3b1c2a-nonce&timestamp=1700000000123"
    );
    let h = req.headers();
    assert_eq!(h["x-yoti-sdk"], "Rust");
    assert_eq!(
        h["x-yoti-sdk-version"],
        concat!("Rust-", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(h["accept"], "application/json");
    assert!(h.get("content-type").is_none(), "no body, no content type");
    assert!(h[headers::AUTH_DIGEST].is_sensitive());
    // The digest is exactly the signature of the documented message.
    let expected = fixed_signer()
        .sign(b"GET&/supported-documents?includeNonLatin=true&sdkId=8e2b5a3c-sdk&nonce=9d3b1c2a-nonce&timestamp=1700000000123")
        .unwrap();
    assert_eq!(h[headers::AUTH_DIGEST], expected.as_str());
}

#[test]
fn age_style_sends_the_sdk_id_in_a_header_and_signs_the_body() {
    let body = r#"{"img":"AAAA","threshold":18,"operator":"OVER"}"#;
    let req = fixed_signer()
        .request(Method::POST, "https://api.yoti.com/ai/v1", "/age-verify")
        .sdk_id(SdkIdPlacement::Header)
        .json(body)
        .build()
        .unwrap();
    assert_eq!(
        req.uri().path_and_query().unwrap().as_str(),
        "/ai/v1/age-verify?nonce=9d3b1c2a-nonce&timestamp=1700000000123"
    );
    assert_eq!(req.headers()["x-yoti-auth-id"], "8e2b5a3c-sdk");
    assert_eq!(req.headers()["content-type"], "application/json");
    let message = format!(
        "POST&/age-verify?nonce=9d3b1c2a-nonce&timestamp=1700000000123&{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, body)
    );
    assert_eq!(
        req.headers()[headers::AUTH_DIGEST],
        fixed_signer().sign(message.as_bytes()).unwrap().as_str()
    );
}

#[test]
fn omitted_sdk_id_and_encoded_values() {
    let req = fixed_signer()
        .request(
            Method::PUT,
            "http://127.0.0.1:9/sandbox/idverify/v1",
            "/apps/x/response-config",
        )
        .sdk_id(SdkIdPlacement::Omit)
        .query("q", "a b&c=d/é")
        .build()
        .unwrap();
    assert_eq!(
        req.uri().query().unwrap(),
        "q=a%20b%26c%3Dd%2F%C3%A9&nonce=9d3b1c2a-nonce&timestamp=1700000000123"
    );
}

#[test]
fn bad_paths_are_refused_before_signing() {
    for path in ["sessions", "/sessions?x=1", "/a b", "/a#b"] {
        let err = fixed_signer()
            .request(Method::GET, "https://h/v1", path)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{path}: {err:?}"
        );
    }
}

#[test]
fn each_build_signs_afresh_with_a_new_nonce() {
    let signer = RequestSigner::new("sdk", key().clone());
    let builder = signer.request(Method::GET, "https://h/v1", "/sessions/1");
    let a = builder.build().unwrap();
    let b = builder.build().unwrap();
    assert_ne!(a.uri(), b.uri());
    let now = SystemTime::now();
    let v = Verifier::new().set_clock(move || now);
    v.verify(&public(), &parts(&a, "/v1")).unwrap();
    v.verify(&public(), &parts(&b, "/v1")).unwrap();
}

#[test]
fn verification_failures_each_have_their_own_error_and_code() {
    let req = fixed_signer()
        .request(Method::GET, "https://h/v1", "/sessions")
        .build()
        .unwrap();
    let at = 1_700_000_000_123;
    let ok = parts(&req, "/v1");
    verifier_at(at).verify(&public(), &ok).unwrap();

    let v = verifier_at(at);
    v.verify(&public(), &ok).unwrap();
    let replay = v.verify(&public(), &ok).unwrap_err();
    assert!(matches!(replay, Error::ReplayedNonce));
    assert_eq!(replay.yoti_code(), Some("INVALID_NONCE"));

    let missing = verifier_at(at)
        .verify(&public(), &SignedParts { digest: None, ..ok })
        .unwrap_err();
    assert!(matches!(missing, Error::MissingDigest));
    assert_eq!(missing.yoti_code(), Some("INVALID_YOTI_AUTH_DIGEST"));

    let garbage = verifier_at(at)
        .verify(
            &public(),
            &SignedParts {
                digest: Some("%%%"),
                ..ok
            },
        )
        .unwrap_err();
    assert!(matches!(garbage, Error::MalformedDigest));
    assert_eq!(garbage.yoti_code(), Some("INVALID_SIGNATURE"));

    let stale = verifier_at(at + 601_000)
        .verify(&public(), &ok)
        .unwrap_err();
    assert!(
        matches!(
            stale,
            Error::StaleTimestamp {
                skew_secs: 601,
                window_secs: 600
            }
        ),
        "{stale:?}"
    );
    assert_eq!(stale.yoti_code(), Some("INVALID_TIMESTAMP"));
    let future = verifier_at(at - 601_000)
        .verify(&public(), &ok)
        .unwrap_err();
    assert!(matches!(future, Error::StaleTimestamp { .. }));
    verifier_at(at + 599_000).verify(&public(), &ok).unwrap();

    let no_nonce = verifier_at(at)
        .verify(
            &public(),
            &SignedParts {
                query: Some("sdkId=x&timestamp=1700000000123"),
                ..ok
            },
        )
        .unwrap_err();
    assert!(matches!(no_nonce, Error::MissingNonce));
    let no_ts = verifier_at(at)
        .verify(
            &public(),
            &SignedParts {
                query: Some("sdkId=x&nonce=n"),
                ..ok
            },
        )
        .unwrap_err();
    assert!(matches!(no_ts, Error::MissingTimestamp));
    let bad_ts = verifier_at(at)
        .verify(
            &public(),
            &SignedParts {
                query: Some("nonce=n&timestamp=soon"),
                ..ok
            },
        )
        .unwrap_err();
    assert!(matches!(bad_ts, Error::MalformedTimestamp));

    let other_key = PrivateKey::generate(2048).unwrap().public_key();
    let wrong = verifier_at(at).verify(&other_key, &ok).unwrap_err();
    assert!(matches!(wrong, Error::BadSignature));
    assert_eq!(wrong.yoti_code(), Some("INVALID_SIGNATURE"));
}

#[test]
fn a_forged_request_does_not_burn_its_nonce() {
    let req = fixed_signer()
        .request(Method::GET, "https://h/v1", "/sessions")
        .build()
        .unwrap();
    let v = verifier_at(1_700_000_000_123);
    let forged = SignedParts {
        path: "/sessions/other",
        ..parts(&req, "/v1")
    };
    assert!(matches!(
        v.verify(&public(), &forged),
        Err(Error::BadSignature)
    ));
    v.verify(&public(), &parts(&req, "/v1")).unwrap();
}

#[test]
fn timestamps_in_seconds_are_accepted_too() {
    let signer = fixed_signer();
    let message = b"GET&/sessions?sdkId=8e2b5a3c-sdk&nonce=n1&timestamp=1700000000";
    let digest = signer.sign(message).unwrap();
    let p = SignedParts {
        method: "GET",
        path: "/sessions",
        query: Some("sdkId=8e2b5a3c-sdk&nonce=n1&timestamp=1700000000"),
        body: b"",
        digest: Some(&digest),
    };
    let v = verifier_at(1_700_000_010_000)
        .verify(&public(), &p)
        .unwrap();
    assert_eq!(v.timestamp_ms, 1_700_000_000_000);
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the method, path, query and body, what we sign verifies; changing any one
    /// byte of path, query or body makes verification fail.
    #[test]
    fn sign_then_verify_holds_and_any_byte_change_fails(
        method in method(),
        segments in prop::collection::vec("[A-Za-z0-9._~-]{1,12}", 1..4),
        params in prop::collection::vec(("[a-zA-Z]{1,8}", "\\PC{0,12}"), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..300),
        flip in any::<prop::sample::Index>(),
    ) {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let signer = RequestSigner::new("sdk", key().clone())
            .set_nonce_source(|| format!("nonce-{}", COUNTER.fetch_add(1, Ordering::Relaxed)));
        let path = format!("/{}", segments.join("/"));
        let mut builder = signer.request(method.clone(), "http://127.0.0.1:1/base", &path);
        for (k, v) in &params {
            builder = builder.query(k, v);
        }
        if !body.is_empty() {
            builder = builder.body(http::HeaderValue::from_static("application/octet-stream"), body.clone());
        }
        let req = builder.build().unwrap();
        let p = parts(&req, "/base");
        Verifier::new().verify(&public(), &p).unwrap();

        // Flip one byte of the path, of the query, and of the body (when there is one).
        let mut path_bytes = p.path.as_bytes().to_vec();
        let i = flip.index(path_bytes.len());
        path_bytes[i] ^= 0x01;
        let bad_path = String::from_utf8_lossy(&path_bytes).into_owned();
        let bad = SignedParts { path: &bad_path, ..p };
        prop_assert!(Verifier::new().verify(&public(), &bad).is_err());

        let query = p.query.unwrap();
        let mut query_bytes = query.as_bytes().to_vec();
        let i = flip.index(query_bytes.len());
        query_bytes[i] ^= 0x01;
        let bad_query = String::from_utf8_lossy(&query_bytes).into_owned();
        let bad = SignedParts { query: Some(&bad_query), ..p };
        prop_assert!(Verifier::new().verify(&public(), &bad).is_err());

        if !body.is_empty() {
            let mut bad_body = body.clone();
            let i = flip.index(bad_body.len());
            bad_body[i] ^= 0x01;
            let bad = SignedParts { body: &bad_body, ..p };
            prop_assert!(Verifier::new().verify(&public(), &bad).is_err());
        }
    }
}
