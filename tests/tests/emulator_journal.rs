//! The request journal (`GET /__emulator/requests`): every request to a service, and for a
//! signature that did not verify, what the emulator expected to be signed.

use http::Method;
use serde_json::Value;
use yoti_tests::{SDK_ID, emulator, send, transport};

async fn journal(base: &str, query: &str) -> Value {
    let url = format!("{base}/__emulator/requests{query}");
    let response = transport()
        .execute(|_| http::Request::get(url.as_str()).body(bytes::Bytes::new()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn requests_are_journaled_and_a_bad_signature_shows_the_expected_string() {
    let (emu, signer) = emulator().await;
    let t = transport();

    // A good signature: recorded with its app, status and code.
    let ok = send(
        &t,
        &signer.request(Method::GET, &emu.idv_url(), "/sessions/nope"),
    )
    .await
    .unwrap();
    assert_eq!(ok.status, 404);

    // The classic mistake: signing the path with the mount prefix.
    let body =
        br#"{"client_session_token_ttl": 600, "notifications": {"auth_token": "hook-secret"}}"#;
    let bad = send(
        &t,
        &signer
            .request(Method::POST, &emu.base_url(), "/idverify/v1/sessions")
            .json(bytes::Bytes::from_static(body)),
    )
    .await
    .unwrap();
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json["code"], "INVALID_SIGNATURE");

    // The journey page with its token in the query.
    let page = t
        .execute(|_| {
            http::Request::get(format!(
                "{}/web/index.html?sessionID=x&sessionToken=top-secret-token",
                emu.idv_url()
            ))
            .header("x-yoti-auth-token", "header-secret")
            .body(bytes::Bytes::new())
        })
        .await
        .unwrap();
    assert_eq!(page.status(), 401);

    let all = journal(&emu.base_url(), "").await;
    let text = all.to_string();
    assert!(!text.contains("top-secret-token"), "{text}");
    assert!(!text.contains("header-secret"), "{text}");
    assert!(!text.contains("hook-secret"), "a body was recorded: {text}");
    let requests = all["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 3, "{all:#}");
    assert_eq!(all["capacity"], yoti_emulator::DEFAULT_JOURNAL_CAPACITY);

    // Newest first.
    let (page, bad, ok) = (&requests[0], &requests[1], &requests[2]);
    assert_eq!(page["path"], "/idverify/v1/web/index.html");
    assert_eq!(page["query"], "sessionID=x&sessionToken=[redacted]");
    assert_eq!(page["status"], 401);

    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["path"], "/idverify/v1/sessions/nope");
    assert_eq!(ok["service"], "idv");
    assert_eq!(ok["app"], SDK_ID);
    assert_eq!(ok["status"], 404);
    assert_eq!(ok["code"], "SESSION_NOT_FOUND");
    assert!(ok["latency_ms"].is_u64());
    assert!(ok.get("signature").is_none());

    assert_eq!(bad["status"], 401);
    assert_eq!(bad["code"], "INVALID_SIGNATURE");
    assert_eq!(bad["app"], SDK_ID);
    let d = &bad["signature"];
    let query = bad["query"].as_str().unwrap();
    assert_eq!(
        d["expected_string_to_sign"].as_str().unwrap(),
        format!(
            "POST&/sessions?{query}&<base64 of the {}-byte body, sha256 {}>",
            body.len(),
            &d["body_sha256"].as_str().unwrap()[..16]
        )
    );
    assert_eq!(d["mount"], "/idverify/v1");
    assert_eq!(d["signed_with_mount_prefix"], true);
    assert_eq!(d["signed_without_body"], false);
    assert_eq!(d["body_len"], body.len());
    assert!(d["nonce"].as_str().is_some_and(|n| query.contains(n)));
    assert!(d["timestamp"].as_str().is_some());
    assert!(d["hint"].as_str().unwrap().contains("mount prefix"), "{d}");

    // Filters, the in-process reading, and clearing.
    let failed = journal(&emu.base_url(), "?failed=true&limit=1").await;
    assert_eq!(failed["requests"].as_array().unwrap().len(), 1);
    assert_eq!(failed["requests"][0]["path"], "/idverify/v1/web/index.html");
    assert_eq!(emu.requests().len(), 3);
    let url = format!("{}/__emulator/requests", emu.base_url());
    let cleared = t
        .execute(|_| http::Request::delete(url.as_str()).body(bytes::Bytes::new()))
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn the_journal_keeps_only_its_capacity() {
    let emu = yoti_emulator::Emulator::builder()
        .journal_capacity(2)
        .start()
        .await
        .unwrap();
    for i in 0..5 {
        let url = format!("{}/ai/v1/nothing-{i}", emu.base_url());
        transport()
            .execute(|_| http::Request::get(url.as_str()).body(bytes::Bytes::new()))
            .await
            .unwrap();
    }
    let requests = emu.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/ai/v1/nothing-4");
    assert_eq!(requests[1].path, "/ai/v1/nothing-3");
    assert_eq!(requests[0].service, "age");
}
