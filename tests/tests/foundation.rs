//! The foundation end to end: yoti-auth + yoti-http against the in-process emulator over
//! real HTTP on loopback, with real keys and signatures.

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use yoti_auth::{PrivateKey, RequestSigner, SdkIdPlacement, headers};
use yoti_emulator::{Emulator, FaultConfig};
use yoti_tests::{SDK_ID, emulator, send, test_key, transport};

fn countries(json: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    json["supported_countries"]
        .as_array()
        .expect("supported_countries")
        .iter()
        .map(|c| {
            let docs = c["supported_documents"].as_array().expect("documents");
            (
                c["code"].as_str().expect("code").to_owned(),
                docs.iter()
                    .map(|d| d["type"].as_str().expect("type").to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn supported_documents_are_fetched_over_real_http_signed_as_the_official_sdks_do() {
    let (emu, signer) = emulator().await;
    let t = transport();
    // Signed without sdkId, as the official SDKs do for this endpoint.
    let latin = signer
        .request(Method::GET, &emu.idv_url(), "/supported-documents")
        .sdk_id(SdkIdPlacement::Omit);
    let out = send(&t, &latin).await.unwrap();
    assert_eq!(out.status, StatusCode::OK, "{}", out.json);
    assert_eq!(out.attempts, 1);
    let latin = countries(&out.json);
    assert!(
        latin
            .iter()
            .any(|(c, d)| c == "GBR" && d.contains(&"PASSPORT".to_owned()))
    );
    assert!(
        !latin
            .iter()
            .any(|(c, d)| c == "CHN" && d.contains(&"NATIONAL_ID".to_owned()))
    );

    // includeNonLatin=true, and sdkId in the query, on the sandbox mount.
    let all = signer
        .request(Method::GET, &emu.sandbox_idv_url(), "/supported-documents")
        .query("includeNonLatin", "true");
    let out = send(&t, &all).await.unwrap();
    assert_eq!(out.status, StatusCode::OK);
    let all = countries(&out.json);
    assert!(
        all.iter()
            .any(|(c, d)| c == "CHN" && d.contains(&"NATIONAL_ID".to_owned()))
    );
    assert!(
        all.iter().map(|(_, d)| d.len()).sum::<usize>()
            > latin.iter().map(|(_, d)| d.len()).sum::<usize>()
    );
    assert_eq!(emu.stats().verified, 2);
}

async fn expect_401(out: yoti_tests::Outcome, code: &str) {
    assert_eq!(out.status, StatusCode::UNAUTHORIZED, "{}", out.json);
    assert_eq!(out.json["code"], code, "{}", out.json);
    assert!(out.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(out.attempts, 1, "401 is not retried");
}

#[tokio::test]
async fn a_wrong_key_gets_401_invalid_signature() {
    let (emu, _) = emulator().await;
    let impostor = RequestSigner::new(SDK_ID, PrivateKey::generate(2048).unwrap());
    let req = impostor.request(Method::GET, &emu.idv_url(), "/supported-documents");
    expect_401(send(&transport(), &req).await.unwrap(), "INVALID_SIGNATURE").await;
}

#[tokio::test]
async fn a_replayed_nonce_gets_401_invalid_nonce() {
    let (emu, signer) = emulator().await;
    let signer = signer.set_nonce_source(|| "the-same-nonce-every-time".to_owned());
    let req = signer.request(Method::GET, &emu.idv_url(), "/supported-documents");
    let first = send(&transport(), &req).await.unwrap();
    assert_eq!(first.status, StatusCode::OK);
    expect_401(send(&transport(), &req).await.unwrap(), "INVALID_NONCE").await;
}

#[tokio::test]
async fn a_stale_timestamp_gets_401_invalid_timestamp() {
    let (emu, signer) = emulator().await;
    let stale = signer.set_clock(|| SystemTime::now() - Duration::from_secs(11 * 60));
    let req = stale.request(Method::GET, &emu.idv_url(), "/supported-documents");
    expect_401(send(&transport(), &req).await.unwrap(), "INVALID_TIMESTAMP").await;
}

#[tokio::test]
async fn missing_digest_and_unknown_sdk_id_get_their_own_codes() {
    let (emu, signer) = emulator().await;
    let t = transport();
    let req = signer.request(Method::GET, &emu.idv_url(), "/supported-documents");
    let response = t
        .execute(|_| {
            let mut r = req.build()?;
            r.headers_mut().remove(headers::AUTH_DIGEST);
            Ok::<_, yoti_auth::Error>(r)
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap()).unwrap();
    assert_eq!(body["code"], "INVALID_YOTI_AUTH_DIGEST");

    let stranger = RequestSigner::new("not-registered", test_key());
    let req = stranger.request(Method::GET, &emu.idv_url(), "/supported-documents");
    expect_401(send(&t, &req).await.unwrap(), "INVALID_X_YOTI_AUTH_ID").await;
    assert!(emu.stats().rejected >= 2);
}

#[tokio::test]
async fn age_style_auth_reads_the_auth_id_header() {
    let (emu, signer) = emulator().await;
    let t = transport();
    // Authenticated, but the endpoint does not exist: 404 in the age error style.
    let req = signer
        .request(Method::POST, &emu.age_url(), "/no-such-endpoint")
        .sdk_id(SdkIdPlacement::Header)
        .json(r#"{"img":"AAAA"}"#);
    let out = send(&t, &req).await.unwrap();
    assert_eq!(out.status, StatusCode::NOT_FOUND, "{}", out.json);
    assert_eq!(out.json["error_code"], "INVALID_ENDPOINT");
    // Without the header: 401 INVALID_X_YOTI_AUTH_ID, age style.
    let req = signer
        .request(Method::POST, &emu.age_url(), "/age")
        .sdk_id(SdkIdPlacement::Query)
        .json(r#"{"img":"AAAA"}"#);
    let out = send(&t, &req).await.unwrap();
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        out.json["error_code"], "INVALID_X_YOTI_AUTH_ID",
        "{}",
        out.json
    );
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let key = test_key();
    let emu = Emulator::builder()
        .app(SDK_ID, key.public_key())
        .body_limit(1024)
        .start()
        .await
        .unwrap();
    let signer = RequestSigner::new(SDK_ID, key);
    let req = signer
        .request(Method::POST, &emu.idv_url(), "/sessions")
        .json(vec![b' '; 4096]);
    let out = send(&transport(), &req).await.unwrap();
    assert_eq!(out.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(out.json["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn with_half_the_requests_failing_a_get_succeeds_through_retries_and_a_post_is_not_retried() {
    let (emu, signer) = emulator().await;
    let t = transport();
    emu.set_faults(FaultConfig {
        error_rate: 0.5,
        ..Default::default()
    })
    .unwrap();
    let get = signer.request(Method::GET, &emu.idv_url(), "/supported-documents");
    let out = send(&t, &get).await.unwrap();
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(
        out.attempts, 2,
        "the first attempt got the injected 503, the second passed"
    );
    assert_eq!(emu.stats().faults, 1);

    // Restart the spread: the next request is hit again.
    emu.set_faults(FaultConfig {
        error_rate: 0.5,
        ..Default::default()
    })
    .unwrap();
    let requests_before = emu.stats().requests;
    let post = signer
        .request(Method::POST, &emu.idv_url(), "/sessions")
        .json("{}");
    let out = send(&t, &post).await.unwrap();
    assert_eq!(out.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(out.json["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(out.attempts, 1, "a POST is not retried");
    assert_eq!(
        emu.stats().requests,
        requests_before + 1,
        "the emulator saw exactly one POST"
    );
}

#[tokio::test]
async fn dropped_connections_are_retried_for_a_get() {
    let (emu, signer) = emulator().await;
    emu.set_faults(FaultConfig {
        drop_rate: 0.5,
        ..Default::default()
    })
    .unwrap();
    let get = signer.request(Method::GET, &emu.idv_url(), "/supported-documents");
    let out = send(&transport(), &get).await.unwrap();
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(out.attempts, 2);

    emu.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..Default::default()
    })
    .unwrap();
    let post = signer
        .request(Method::POST, &emu.idv_url(), "/sessions")
        .json("{}");
    let err = send(&transport(), &post).await.unwrap_err();
    assert!(
        !err.is_connect(),
        "the POST was sent, then dropped: {err:?}"
    );
}

#[tokio::test]
async fn added_latency_is_applied() {
    let (emu, signer) = emulator().await;
    emu.set_faults(FaultConfig {
        latency_ms: 150,
        ..Default::default()
    })
    .unwrap();
    let get = signer.request(Method::GET, &emu.idv_url(), "/supported-documents");
    let start = std::time::Instant::now();
    let out = send(&transport(), &get).await.unwrap();
    assert_eq!(out.status, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(150));
}

/// Malformed input gets a 4xx answer, never a 5xx or a dropped connection.
#[tokio::test]
async fn malformed_requests_get_4xx_never_a_panic() {
    let (emu, _) = emulator().await;
    let client = yoti_http::HyperClient::new();
    let mut rng = fastrand::Rng::with_seed(7);
    let paths = [
        "/idverify/v1/supported-documents",
        "/sandbox/idverify/v1/sessions",
        "/ai/v1/age",
        "/idverify/v1/x",
        "/poa/v2",
        "/",
    ];
    for i in 0..72 {
        let method = [Method::GET, Method::POST, Method::PUT, Method::DELETE][i % 4].clone();
        let junk: String = (0..rng.usize(0..40)).map(|_| rng.alphanumeric()).collect();
        let query = match i % 3 {
            0 => format!("sdkId={SDK_ID}&nonce=%ZZ&timestamp=-1"),
            1 => format!("sdkId=&nonce={junk}&timestamp=99999999999999999999999"),
            _ => "%%%&&==".to_owned(),
        };
        let uri = format!("{}{}?{}", emu.base_url(), paths[i % paths.len()], query);
        let body: Vec<u8> = (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect();
        let mut req = http::Request::builder().method(method).uri(&uri);
        if i % 2 == 0 {
            req = req
                .header("x-yoti-auth-digest", junk.as_str())
                .header("x-yoti-auth-id", "\u{7f}x".replace('\u{7f}', ""));
        }
        let response =
            yoti_http::HttpClient::send(&client, req.body(bytes::Bytes::from(body)).unwrap())
                .await
                .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{uri}: {status}");
    }
    // The admin routes refuse junk with 400.
    for (path, body) in [
        ("/__emulator/faults", "{\"error_rate\": 7}"),
        ("/__emulator/faults", "]["),
        (
            "/__emulator/apps",
            "{\"sdk_id\": \"x\", \"public_key_pem\": \"nope\"}",
        ),
    ] {
        let method = if path.ends_with("faults") {
            Method::PUT
        } else {
            Method::POST
        };
        let req = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", emu.base_url()))
            .body(bytes::Bytes::from(body))
            .unwrap();
        let response = yoti_http::HttpClient::send(&client, req).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    }
}
