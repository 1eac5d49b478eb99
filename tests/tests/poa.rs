//! Proof of Age end to end: `yoti-poa` (token cache, verify, results, webhook helper) against
//! the in-process emulator (token endpoint, bearer auth, QR scheme, notifications) over real
//! HTTP on loopback, with real keys and PS384 assertions.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use http::header::AUTHORIZATION;
use tokio::sync::mpsc;
use yoti_auth::{AssertionSigner, PrivateKey, TokenEndpoint};
use yoti_emulator::{Emulator, PoaConfig, PoaStats, WebhookPolicy};
use yoti_poa::models::{
    FailureReason, Notification, NotificationMethod, OAuthErrorCode, PoaErrorCode, PoaResult,
    PoaStatus, Provider, TokenRequest, VerificationId, VerifyQuery, WaitingOn,
};
use yoti_poa::{
    Error, HttpTokenEndpoint, PoaClient, VerifyOutcome, WebhookEvent, WebhookVerifier,
    timestamp_now,
};
use yoti_tests::{SDK_ID, poa_client, test_key, transport};
use yoti_types::Timestamp;

async fn start() -> Emulator {
    Emulator::builder()
        .app(SDK_ID, test_key().public_key())
        .webhook_policy(WebhookPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(20),
            attempt_timeout: Duration::from_secs(2),
        })
        .start()
        .await
        .expect("emulator starts")
}

fn client(emu: &Emulator) -> PoaClient {
    poa_client(emu)
}

/// A QR value never used before, answering as `scheme` says.
fn qr(scheme: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{scheme}#{}", N.fetch_add(1, Ordering::Relaxed))
}

fn query(scheme: &str) -> VerifyQuery {
    VerifyQuery::new(qr(scheme), timestamp_now(), "pos-1234957").set_store_id("store-42")
}

/// The emulator's PoA counters, read over HTTP from its admin route.
async fn admin_stats(emu: &Emulator) -> PoaStats {
    let url = format!("{}/__emulator/poa/stats", emu.base_url());
    let response = transport()
        .execute(|_| {
            http::Request::builder()
                .uri(url.as_str())
                .body(bytes::Bytes::new())
        })
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

fn done(outcome: VerifyOutcome) -> PoaResult {
    match outcome {
        VerifyOutcome::Done(result) => result,
        other => panic!("expected a result now, got {other:?}"),
    }
}

fn accepted(outcome: VerifyOutcome) -> VerificationId {
    match outcome {
        VerifyOutcome::Accepted(accepted) => {
            assert_eq!(accepted.status, Some(PoaStatus::Pending));
            accepted.id
        }
        other => panic!("expected 202, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_verifies_make_exactly_one_token_request() {
    let emu = start().await;
    let client = client(&emu);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.verify(&query("age_over:18")).await })
        })
        .collect();
    for task in tasks {
        let result = done(task.await.unwrap().unwrap());
        assert_eq!(result.status, PoaStatus::Success);
        assert_eq!(result.age_over(), Some(18));
    }
    let stats = admin_stats(&emu).await;
    eprintln!(
        "100 concurrent verifies: {} token request(s), {} verify requests",
        stats.token_requests, stats.verify_requests
    );
    assert_eq!(stats.token_requests, 1, "{stats:?}");
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.active_tokens, 1);
    assert_eq!(stats.verify_requests, 100);
    assert_eq!(stats.unauthorized, 0);
    assert_eq!(client.tokens().token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once() {
    let emu = start().await;
    let client = client(&emu);
    done(client.verify(&query("age_over:18")).await.unwrap());
    assert_eq!(emu.poa_stats().token_requests, 1);

    // The service expires the token before the client expected: every call in flight gets a
    // 401, and together they make one token request.
    assert_eq!(emu.expire_poa_tokens(), 1);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.verify(&query("age_over:21")).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(done(task.await.unwrap().unwrap()).age_over(), Some(21));
    }
    let stats = emu.poa_stats();
    assert_eq!(stats.token_requests, 2, "{stats:?}");
    assert!(stats.unauthorized >= 1, "{stats:?}");

    // Short-lived tokens are refreshed shortly before they expire, without a 401.
    emu.set_poa_config(PoaConfig {
        token_lifetime_secs: 2,
        ..PoaConfig::default()
    })
    .unwrap();
    emu.expire_poa_tokens();
    done(client.verify(&query("age_over:18")).await.unwrap());
    let before = emu.poa_stats();
    assert_eq!(before.token_requests, 3);
    let token = client.bearer_token().await.unwrap();
    let left = token
        .expires_at()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(left <= Duration::from_secs(2), "{left:?}");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    done(client.verify(&query("age_over:18")).await.unwrap());
    let after = emu.poa_stats();
    assert_eq!(after.token_requests, 4, "{after:?}");
    assert_eq!(
        after.unauthorized, before.unauthorized,
        "refreshed before a 401"
    );
}

#[tokio::test]
async fn forged_replayed_and_stale_assertions_are_refused_with_a_clear_error() {
    let emu = start().await;
    let endpoint = HttpTokenEndpoint::new(&emu.token_url(), transport()).unwrap();
    let signer = AssertionSigner::new(SDK_ID, test_key(), endpoint.url());
    let exchange = |assertion| endpoint.request_token(TokenRequest::new(["poa:verify"], assertion));
    let refused = |outcome: Result<_, yoti_auth::Error>, needle: &str| {
        let error = outcome.expect_err("refused");
        assert_eq!(error.token_status(), Some(401), "{error:?}");
        assert!(!error.is_retryable());
        let body = error.oauth_error().expect("an OAuth error body");
        assert_eq!(body.error, OAuthErrorCode::InvalidClient);
        let description = body.error_description.as_deref().unwrap_or_default();
        assert!(description.contains(needle), "{description}");
    };

    // Forged: signed with another key, claiming our SDK id.
    let impostor =
        AssertionSigner::new(SDK_ID, PrivateKey::generate(2048).unwrap(), endpoint.url());
    refused(
        exchange(impostor.sign().unwrap()).await,
        "signature does not match",
    );

    // Replayed: the same assertion twice.
    let assertion = signer.sign().unwrap();
    let token = exchange(assertion.clone()).await.expect("first use");
    assert!(token.access_token.expose_secret().starts_with("yta_"));
    assert_eq!(token.expires_in, Some(1800));
    assert_eq!(token.scope.as_deref(), Some("poa:verify"));
    refused(exchange(assertion).await, "already used");

    // Expired, too long-lived, for another audience, from an unknown application.
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stale = signer.clone().set_clock(move || an_hour_ago);
    refused(exchange(stale.sign().unwrap()).await, "expired");
    let long = signer.clone().set_lifetime(Duration::from_secs(45 * 60));
    refused(exchange(long.sign().unwrap()).await, "at most 1800 s");
    let elsewhere = AssertionSigner::new(
        SDK_ID,
        test_key(),
        "https://auth.api.yoti.com/v1/oauth/token",
    );
    refused(exchange(elsewhere.sign().unwrap()).await, "`aud`");
    let stranger = AssertionSigner::new("not-registered", test_key(), endpoint.url());
    refused(exchange(stranger.sign().unwrap()).await, "not-registered");

    // Bad forms get the OAuth codes of RFC 6749.
    let mut wrong_grant = TokenRequest::new(["poa:verify"], signer.sign().unwrap());
    wrong_grant.grant_type = "password".into();
    let error = endpoint.request_token(wrong_grant).await.unwrap_err();
    assert_eq!(error.token_status(), Some(400));
    assert_eq!(
        error.oauth_error().unwrap().error,
        OAuthErrorCode::UnsupportedGrantType
    );
    let no_scope = TokenRequest::new(Vec::<String>::new(), signer.sign().unwrap());
    let error = endpoint.request_token(no_scope).await.unwrap_err();
    assert_eq!(
        error.oauth_error().unwrap().error,
        OAuthErrorCode::InvalidScope
    );

    let stats = emu.poa_stats();
    assert_eq!(stats.tokens_issued, 1, "{stats:?}");
    assert_eq!(stats.tokens_refused, 8, "{stats:?}");

    // Through the client: a typed token error, its cause in the source chain.
    let wrong_key = PoaClient::builder()
        .sdk_id(SDK_ID)
        .key(PrivateKey::generate(2048).unwrap())
        .base_url(emu.poa_url())
        .token_url(emu.token_url())
        .transport(transport())
        .build()
        .unwrap();
    let error = wrong_key.verify(&query("age_over:18")).await.unwrap_err();
    assert!(matches!(error, Error::Token(_)), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(!error.is_retryable());
    let chain = chain(&error);
    assert!(chain.contains("signature does not match"), "{chain}");
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[tokio::test]
async fn the_emulator_refuses_past_200_active_tokens_per_application() {
    let emu = start().await;
    let endpoint = HttpTokenEndpoint::new(&emu.token_url(), transport()).unwrap();
    let signer = AssertionSigner::new(SDK_ID, test_key(), endpoint.url());
    for _ in 0..200 {
        endpoint
            .request_token(TokenRequest::new(["poa:verify"], signer.sign().unwrap()))
            .await
            .expect("within the cap");
    }
    let error = endpoint
        .request_token(TokenRequest::new(["poa:verify"], signer.sign().unwrap()))
        .await
        .unwrap_err();
    assert_eq!(error.token_status(), Some(400));
    let body = error.oauth_error().unwrap();
    assert_eq!(body.error, OAuthErrorCode::InvalidRequest);
    assert!(
        body.error_description
            .as_deref()
            .unwrap()
            .contains("200 active tokens"),
        "{body:?}"
    );
    assert_eq!(emu.poa_stats().active_tokens, 200);
    // Once they expire, tokens can be had again.
    emu.expire_poa_tokens();
    endpoint
        .request_token(TokenRequest::new(["poa:verify"], signer.sign().unwrap()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_provisioned_by_hand_is_used_without_the_token_endpoint() {
    let emu = start().await;
    let token = emu.issue_poa_token(SDK_ID, Duration::from_secs(60));
    let client = PoaClient::builder()
        .access_token(token)
        .base_url(emu.poa_url())
        .transport(transport())
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("yta_"));
    assert_eq!(
        done(client.verify(&query("age_over:25")).await.unwrap()).age_over(),
        Some(25)
    );
    assert_eq!(emu.poa_stats().token_requests, 0);

    // It cannot be refreshed: a 401 is the caller's to handle.
    emu.expire_poa_tokens();
    let error = client.verify(&query("age_over:25")).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        error.code().map(PoaErrorCode::as_str),
        Some("INVALID_TOKEN")
    );

    // And without a token at all.
    let url = format!("{}/poa/v1/verify/x", emu.base_url());
    let response = transport()
        .execute(|_| {
            http::Request::builder()
                .uri(url.as_str())
                .body(bytes::Bytes::new())
        })
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .headers()
            .contains_key(http::header::WWW_AUTHENTICATE)
    );
}

// ---------------------------------------------------------------------------------------------
// The QR scheme

#[tokio::test]
async fn every_synchronous_outcome_round_trips_to_the_same_typed_value() {
    let emu = start().await;
    let client = client(&emu);

    let success = done(client.verify(&query("age_over:21")).await.unwrap());
    assert_eq!(success.status, PoaStatus::Success);
    assert_eq!(success.provider, Some(Provider::Yoti));
    let outcome = success.result.as_ref().unwrap();
    assert_eq!(outcome.age_over, 21);
    assert_eq!(outcome.valid_for_alcohol, Some(true));
    assert_eq!(outcome.checks.len(), 2);
    assert!(
        success
            .timestamp
            .as_ref()
            .unwrap()
            .to_offset_date_time()
            .is_ok()
    );
    assert_eq!(client.get_result(&success.id).await.unwrap(), success);

    let gov = done(client.verify(&query("age_over:16:GOV_UK")).await.unwrap());
    assert_eq!(gov.provider, Some(Provider::GovUk));
    assert_eq!(gov.result.as_ref().unwrap().valid_for_alcohol, Some(false));
    assert_eq!(client.get_result(&gov.id).await.unwrap(), gov);

    for reason in FailureReason::KNOWN {
        let failure = done(
            client
                .verify(&query(&format!("failure:{}", reason.as_str())))
                .await
                .unwrap(),
        );
        assert_eq!(failure.status, PoaStatus::Failure);
        assert_eq!(failure.failure_reason(), Some(reason));
        assert_eq!(failure.age_over(), None);
        assert_eq!(client.get_result(&failure.id).await.unwrap(), failure);
    }

    // A real credential's payload is not something the emulator can read.
    let mdoc = done(
        client
            .verify(&query("mdoc:owBjMS4wAYIB2BhY"))
            .await
            .unwrap(),
    );
    assert_eq!(
        mdoc.failure_reason(),
        Some(&FailureReason::UnsupportedPayload)
    );

    // Scanned too long ago, and used twice: from any QR value.
    let old = VerifyQuery::new(
        qr("age_over:18"),
        Timestamp::new("2025-01-01T00:00:00Z"),
        "pos-1",
    );
    let expired = done(client.verify(&old).await.unwrap());
    assert_eq!(
        expired.failure_reason(),
        Some(&FailureReason::PresentationExpired)
    );
    assert_eq!(client.get_result(&expired.id).await.unwrap(), expired);
    let once = query("age_over:18");
    done(client.verify(&once).await.unwrap());
    let twice = done(client.verify(&once).await.unwrap());
    assert_eq!(
        twice.failure_reason(),
        Some(&FailureReason::PresentationAlreadyUsed)
    );
    assert_eq!(client.get_result(&twice.id).await.unwrap(), twice);

    // Unknown ids, and another application's results, are 404.
    let error = client.get_result(&"nope".into()).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    let other_app = emu.issue_poa_token("another-app", Duration::from_secs(60));
    let other = PoaClient::builder()
        .access_token(other_app)
        .base_url(emu.poa_url())
        .build()
        .unwrap();
    let error = other.get_result(&success.id).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn every_error_code_of_the_reference_is_reachable() {
    let emu = start().await;
    let client = client(&emu);
    for (value, status, code) in [
        ("error:400", 400, PoaErrorCode::MalformedPayload),
        ("error:403", 403, PoaErrorCode::FeatureDisabled),
        ("error:422", 422, PoaErrorCode::InvalidQrCodeVerifierToken),
        ("error:500", 500, PoaErrorCode::SystemUnavailable),
    ] {
        let error = client.verify(&query(value)).await.unwrap_err();
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(status),
            "{error:?}"
        );
        assert_eq!(error.code(), Some(&code));
        // A verify is never repeated once it may have reached the service (its QR code may
        // be single-use), so not even SYSTEM_UNAVAILABLE makes it retryable; reading a
        // result with that code is (tests/retry_agreement.rs).
        assert!(!error.is_retryable(), "{error:?}");
        let Error::Api(api) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(api.message.as_deref(), code.default_message());
        assert!(api.body.contains(code.as_str()));
        // The same accessors as every service's error.
        assert_eq!(error.message(), code.default_message());
        assert_eq!(error.body(), Some(api.body.as_str()));
        assert!(!error.is_not_sent());
    }
    // An error answer does not use the QR value up.
    let value = qr("error:422");
    let query = VerifyQuery::new(value.clone(), timestamp_now(), "pos-1");
    client.verify(&query).await.unwrap_err();
    client.verify(&query).await.unwrap_err();

    // What the client's validation lets through, the emulator checks too.
    let error = client
        .verify(&VerifyQuery::new(
            "age_over:18#future",
            Timestamp::new("2999-01-01T00:00:00Z"),
            "pos-1",
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&PoaErrorCode::MalformedPayload));
    // And what it refuses never leaves.
    let error = client
        .verify(&VerifyQuery::new("", timestamp_now(), "pos-1"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation(_)), "{error:?}");
    let insecure = query
        .clone()
        .set_notification(Notification::new("http://example.com/hook"));
    assert!(matches!(
        client.verify(&insecure).await.unwrap_err(),
        Error::Validation(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// Asynchronous results and the webhook

/// A webhook receiver on 127.0.0.1: every notification goes through `check` (the helper
/// under test), answers 204 when it passes and 401 when not, and is reported on the channel.
struct Receiver {
    url: String,
    events: mpsc::UnboundedReceiver<Result<WebhookEvent, Error>>,
}

impl Receiver {
    async fn start(check: WebhookVerifier) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (tx, check) = (tx.clone(), check.clone());
                async move {
                    let outcome = check.verify(&method, &uri, &headers, &body);
                    let status = if outcome.is_ok() {
                        StatusCode::NO_CONTENT
                    } else {
                        StatusCode::UNAUTHORIZED
                    };
                    let _ = tx.send(outcome);
                    status
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/poa/results", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, events }
    }

    async fn next(&mut self) -> Result<WebhookEvent, Error> {
        tokio::time::timeout(Duration::from_secs(10), self.events.recv())
            .await
            .expect("a notification within 10 s")
            .expect("the receiver runs")
    }
}

const SECRET_HEADER: &str = "X-Webhook-Secret";

#[tokio::test]
async fn async_results_reach_the_webhook_and_get_result_alike() {
    let emu = start().await;
    let client = client(&emu);
    let notification = |url: &str| {
        Notification::new(url)
            .set_header(SECRET_HEADER, "s3cret")
            .set_header("X-Store", "42")
    };
    let mut receiver =
        Receiver::start(WebhookVerifier::for_notification(&notification("unused"))).await;

    // Success, posted to the webhook.
    let id = accepted(
        client
            .verify(&query("async:age_over:21").set_notification(notification(&receiver.url)))
            .await
            .unwrap(),
    );
    let pending = client.get_result(&id).await.unwrap();
    assert_eq!(pending.status, PoaStatus::Pending);
    assert_eq!(pending.waiting_on, Some(WaitingOn::UserConsent));
    assert!(!pending.is_final());
    let WebhookEvent::Result(delivered) = receiver.next().await.unwrap() else {
        panic!("a POST notification carries the result");
    };
    assert_eq!(delivered.id, id);
    assert_eq!(delivered.age_over(), Some(21));
    assert_eq!(client.get_result(&id).await.unwrap(), *delivered);
    assert_eq!(
        client
            .wait_for_result(&id, Duration::from_secs(5))
            .await
            .unwrap(),
        *delivered
    );

    // A failure, with GET: the notification names the result, the client reads it.
    let id = accepted(
        client
            .verify(
                &query("async:failure:USER_DID_NOT_CONSENT").set_notification(
                    notification(&receiver.url).set_method(NotificationMethod::Get),
                ),
            )
            .await
            .unwrap(),
    );
    let WebhookEvent::Ready(ready) = receiver.next().await.unwrap() else {
        panic!("a GET notification names the result");
    };
    assert_eq!(ready, id);
    let result = client.get_result(&ready).await.unwrap();
    assert_eq!(
        result.failure_reason(),
        Some(&FailureReason::UserDidNotConsent)
    );

    // Without a notification: polling alone.
    let id = accepted(
        client
            .verify(&query("async:age_over:18:GOV_UK"))
            .await
            .unwrap(),
    );
    let error = client
        .wait_for_result(&id, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::StillPending { .. }), "{error:?}");
    assert!(error.is_retryable());
    let result = client
        .wait_for_result(&id, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(result.provider, Some(Provider::GovUk));

    let stats = emu.poa_stats();
    assert_eq!(stats.notifications_delivered, 2, "{stats:?}");
    assert_eq!(stats.notifications_failed, 0);
}

#[tokio::test]
async fn the_webhook_helper_rejects_a_delivery_with_wrong_headers() {
    let emu = start().await;
    let client = client(&emu);
    let mut receiver =
        Receiver::start(WebhookVerifier::new().expect_header(SECRET_HEADER, "s3cret")).await;

    // The integrator configured another value: refused, on every attempt.
    let wrong = Notification::new(receiver.url.as_str()).set_header(SECRET_HEADER, "guess");
    accepted(
        client
            .verify(&query("async:age_over:18").set_notification(wrong))
            .await
            .unwrap(),
    );
    for _attempt in 0..2 {
        let error = receiver.next().await.unwrap_err();
        assert!(
            matches!(&error, Error::WebhookHeader { name, missing: false } if name == "x-webhook-secret"),
            "{error:?}"
        );
        assert!(error.is_webhook());
        assert!(!error.to_string().contains("guess"));
    }

    // No header at all.
    let bare = Notification::new(receiver.url.as_str());
    accepted(
        client
            .verify(&query("async:age_over:18").set_notification(bare))
            .await
            .unwrap(),
    );
    let error = receiver.next().await.unwrap_err();
    assert!(
        matches!(error, Error::WebhookHeader { missing: true, .. }),
        "{error:?}"
    );

    // The emulator gave the first one up after its attempts.
    for _ in 0..100 {
        if emu.poa_stats().notifications_failed >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = emu.poa_stats();
    assert!(stats.notifications_failed >= 1, "{stats:?}");
    assert_eq!(stats.notifications_delivered, 0);

    // A body that is not a result.
    let check = WebhookVerifier::new();
    let error = check
        .verify(
            &Method::POST,
            &Uri::from_static("/"),
            &HeaderMap::new(),
            br#"{"id": 1}"#,
        )
        .unwrap_err();
    assert!(matches!(error, Error::WebhookBody { .. }), "{error:?}");
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, "Bearer x".parse().unwrap());
    assert!(
        check
            .verify(&Method::GET, &Uri::from_static("/hook"), &headers, b"")
            .is_err()
    );
}
