//! Client assertions (shape, signature checked independently of the JWT library, every
//! refusal of the verifier) and the token provider (cache, single flight, refresh margin,
//! retries with fresh assertions, shared errors, 401 invalidation, redaction).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use yoti_auth::{
    AssertionSigner, AssertionVerifier, BoxFuture, Error, PrivateKey, PublicKey, TokenEndpoint,
    TokenProvider,
};
use yoti_types::poa::{
    AccessToken, ClientAssertionClaims, OAuthErrorBody, OAuthErrorCode, TokenRequest, TokenResponse,
};

const SDK_ID: &str = "8e2b5a3c-sdk";
const URL: &str = "https://auth.api.yoti.com/v1/oauth/token";

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

fn other_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(2048).unwrap())
}

fn signer() -> AssertionSigner {
    AssertionSigner::new(SDK_ID, key().clone(), URL)
}

fn lookup(sdk_id: &str) -> Option<PublicKey> {
    (sdk_id == SDK_ID).then(|| key().public_key())
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------------------------
// Assertions

#[test]
fn assertion_has_the_documented_shape_and_a_ps384_signature() {
    let at = UNIX_EPOCH + Duration::from_secs(1_751_700_000);
    let assertion = signer()
        .set_clock(move || at)
        .set_jti_source(|| "5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f".to_owned())
        .sign()
        .unwrap();
    let jwt = assertion.expose_secret();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(decode_part(parts[0]), json!({"alg": "PS384", "typ": "JWT"}));
    assert_eq!(
        decode_part(parts[1]),
        json!({
            "iss": format!("sdk:{SDK_ID}"),
            "sub": format!("sdk:{SDK_ID}"),
            "aud": URL,
            "jti": "5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
            "iat": 1_751_700_000u64,
            "exp": 1_751_700_300u64,
        })
    );
    // The signature checks with our own aws-lc verification, independently of jsonwebtoken.
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let message = format!("{}.{}", parts[0], parts[1]);
    key()
        .public_key()
        .verify_pss_sha384(message.as_bytes(), &signature)
        .unwrap();
    assert!(
        other_key()
            .public_key()
            .verify_pss_sha384(message.as_bytes(), &signature)
            .is_err()
    );
    // PSS is randomized, and every assertion has a fresh jti.
    let a = signer().sign().unwrap();
    let b = signer().sign().unwrap();
    assert_ne!(a, b);
    let (ja, jb) = (
        decode_part(a.expose_secret().split('.').nth(1).unwrap())["jti"].clone(),
        decode_part(b.expose_secret().split('.').nth(1).unwrap())["jti"].clone(),
    );
    assert_ne!(ja, jb);
    // Debug never shows key material.
    assert!(!format!("{:?}", signer()).contains("BEGIN"));
    assert_eq!(format!("{assertion:?}"), "[redacted]");
}

#[test]
fn verifier_accepts_a_fresh_assertion_once() {
    let verifier = AssertionVerifier::new();
    let assertion = signer().sign().unwrap();
    let verified = verifier
        .verify(assertion.expose_secret(), URL, lookup)
        .unwrap();
    assert_eq!(verified.sdk_id, SDK_ID);
    assert_eq!(verified.claims.sdk_id(), Some(SDK_ID));
    assert_eq!(verified.claims.aud, URL);

    let replay = verifier
        .verify(assertion.expose_secret(), URL, lookup)
        .unwrap_err();
    assert!(matches!(replay, Error::AssertionReplayed), "{replay:?}");
    assert_eq!(replay.oauth_code(), Some(OAuthErrorCode::InvalidClient));
    // A fresh assertion is fine again.
    verifier
        .verify(signer().sign().unwrap().expose_secret(), URL, lookup)
        .unwrap();
}

fn refused(assertion: &str) -> Error {
    let error = AssertionVerifier::new()
        .verify(assertion, URL, lookup)
        .unwrap_err();
    assert_eq!(error.oauth_code(), Some(OAuthErrorCode::InvalidClient));
    let message = error.to_string();
    assert!(!message.is_empty());
    if assertion.len() > 20 {
        assert!(!message.contains(assertion), "{message}");
    }
    error
}

#[test]
fn forged_and_tampered_assertions_are_refused() {
    // Signed with another key, claiming our SDK id.
    let forged = AssertionSigner::new(SDK_ID, other_key().clone(), URL)
        .sign()
        .unwrap();
    let error = refused(forged.expose_secret());
    assert!(
        matches!(&error, Error::AssertionSignature { issuer } if issuer == &format!("sdk:{SDK_ID}")),
        "{error:?}"
    );
    assert!(error.to_string().contains("signature does not match"));

    // Our signature, someone else's claims.
    let genuine = signer().sign().unwrap();
    let parts: Vec<&str> = genuine.expose_secret().split('.').collect();
    let mut claims = decode_part(parts[1]);
    claims["exp"] = json!(now_secs() + 600);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    assert!(matches!(
        refused(&tampered),
        Error::AssertionSignature { .. }
    ));
}

#[test]
fn every_rule_of_the_token_endpoint_is_checked() {
    let now = now_secs();
    let claims = |jti: &str| ClientAssertionClaims::new(SDK_ID, URL, jti, now, now + 300);
    let jti = || uuid::Uuid::new_v4().to_string();

    // Expired.
    let past = SystemTime::now() - Duration::from_secs(3600);
    let expired = signer().set_clock(move || past).sign().unwrap();
    assert!(matches!(
        refused(expired.expose_secret()),
        Error::AssertionExpired { secs_ago } if secs_ago >= 3000
    ));
    // Over 30 minutes ahead.
    let long = signer()
        .set_lifetime(Duration::from_secs(31 * 60))
        .sign()
        .unwrap();
    assert!(matches!(
        refused(long.expose_secret()),
        Error::AssertionLifetime { max_secs: 1800, .. }
    ));
    // Exactly 30 minutes is fine.
    AssertionVerifier::new()
        .verify(
            signer()
                .set_lifetime(Duration::from_secs(30 * 60))
                .sign()
                .unwrap()
                .expose_secret(),
            URL,
            lookup,
        )
        .unwrap();
    // Another audience.
    let elsewhere = AssertionSigner::new(SDK_ID, key().clone(), "https://evil.example/token")
        .sign()
        .unwrap();
    assert!(matches!(
        refused(elsewhere.expose_secret()),
        Error::AssertionClaim { claim: "aud", .. }
    ));
    // sub differs from iss.
    let mut wrong_sub = claims(&jti());
    wrong_sub.sub = "sdk:someone-else".into();
    let wrong_sub = signer().sign_claims(&wrong_sub).unwrap();
    assert!(matches!(
        refused(wrong_sub.expose_secret()),
        Error::AssertionClaim { claim: "sub", .. }
    ));
    // iss not of the sdk: form.
    let mut wrong_iss = claims(&jti());
    wrong_iss.iss = SDK_ID.into();
    wrong_iss.sub = SDK_ID.into();
    let wrong_iss = signer().sign_claims(&wrong_iss).unwrap();
    assert!(matches!(
        refused(wrong_iss.expose_secret()),
        Error::AssertionClaim { claim: "iss", .. }
    ));
    // Unknown application.
    let stranger = AssertionSigner::new("who-is-this", key().clone(), URL)
        .sign()
        .unwrap();
    assert!(matches!(
        refused(stranger.expose_secret()),
        Error::UnknownClient { sdk_id } if sdk_id == "who-is-this"
    ));
    // jti too short, and too long.
    for bad in ["short".to_owned(), "x".repeat(129)] {
        let assertion = signer().sign_claims(&claims(&bad)).unwrap();
        assert!(matches!(
            refused(assertion.expose_secret()),
            Error::AssertionClaim { claim: "jti", .. }
        ));
    }
    // iat in the future.
    let mut future = claims(&jti());
    future.iat = Some(now + 600);
    let future = signer().sign_claims(&future).unwrap();
    assert!(matches!(
        refused(future.expose_secret()),
        Error::AssertionClaim { claim: "iat", .. }
    ));
    // Another algorithm (HS256 with a secret).
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims(&jti()),
        &jsonwebtoken::EncodingKey::from_secret(b"a shared secret, not an RSA key"),
    )
    .unwrap();
    assert!(matches!(
        refused(&hs256),
        Error::AssertionAlgorithm { found } if found == "HS256"
    ));
    // Not a JWT at all.
    for garbage in ["", "abc", "a.b.c", "eyJhbGciOiJQUzM4NCJ9.e30"] {
        assert!(
            matches!(refused(garbage), Error::AssertionMalformed { .. }),
            "{garbage}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Token provider

#[derive(Debug, Clone, Copy)]
enum Fail {
    Unavailable,
    Rejected,
}

/// A token endpoint in memory: verifies every assertion as the service would (so a reused
/// `jti` would fail), then answers from a script of failures, then tokens.
#[derive(Debug)]
struct Endpoint {
    verifier: AssertionVerifier,
    calls: AtomicU32,
    delay: Duration,
    lifetime: Option<u64>,
    script: Mutex<VecDeque<Fail>>,
}

impl Endpoint {
    fn new(lifetime: Option<u64>) -> Arc<Self> {
        Self::scripted(lifetime, Duration::from_millis(50), [])
    }

    fn scripted(
        lifetime: Option<u64>,
        delay: Duration,
        failures: impl IntoIterator<Item = Fail>,
    ) -> Arc<Self> {
        Arc::new(Self {
            verifier: AssertionVerifier::new(),
            calls: AtomicU32::new(0),
            delay,
            lifetime,
            script: Mutex::new(failures.into_iter().collect()),
        })
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl TokenEndpoint for Endpoint {
    fn request_token(&self, request: TokenRequest) -> BoxFuture<'_, Result<TokenResponse, Error>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(self.delay).await;
            request.validate().expect("a well-formed token request");
            assert_eq!(request.scopes().collect::<Vec<_>>(), ["poa:verify"]);
            self.verifier
                .verify(request.client_assertion.expose_secret(), URL, lookup)
                .expect("every attempt carries a fresh, valid assertion");
            let failure = self.script.lock().unwrap().pop_front();
            match failure {
                Some(Fail::Unavailable) => Err(Error::TokenUnavailable {
                    status: Some(503),
                    source: None,
                }),
                Some(Fail::Rejected) => Err(Error::TokenRejected {
                    status: 401,
                    body: Some(Box::new(
                        OAuthErrorBody::new(OAuthErrorCode::InvalidClient)
                            .set_error_description("unknown client"),
                    )),
                }),
                None => {
                    let mut response = TokenResponse::new(format!("yta_token_{n}"), 0);
                    response.expires_in = self.lifetime;
                    Ok(response.set_scope("poa:verify"))
                }
            }
        })
    }
}

fn provider(endpoint: &Arc<Endpoint>) -> TokenProvider {
    TokenProvider::builder(signer(), endpoint.clone())
        .scopes(["poa:verify"])
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_callers_share_one_token_request() {
    let endpoint = Endpoint::new(Some(3600));
    let tokens = provider(&endpoint);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.token().await.unwrap() })
        })
        .collect();
    for task in tasks {
        let token = task.await.unwrap();
        assert_eq!(token.access_token().expose_secret(), "yta_token_1");
        assert_eq!(token.scope(), Some("poa:verify"));
    }
    assert_eq!(endpoint.calls(), 1);
    assert_eq!(tokens.token_requests(), 1);
    // And it stays cached.
    tokens.token().await.unwrap();
    assert_eq!(endpoint.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_token_is_refreshed_shortly_before_it_expires() {
    // One hour: refreshed 60 s before the end.
    let endpoint = Endpoint::new(Some(3600));
    let tokens = provider(&endpoint);
    let first = tokens.token().await.unwrap();
    let expires_at = first.expires_at().unwrap();
    let lifetime = expires_at.duration_since(SystemTime::now()).unwrap();
    assert!(lifetime > Duration::from_secs(3590) && lifetime <= Duration::from_secs(3600));
    tokio::time::advance(Duration::from_secs(3530)).await;
    assert_eq!(
        tokens.token().await.unwrap().access_token(),
        first.access_token()
    );
    assert_eq!(endpoint.calls(), 1);
    tokio::time::advance(Duration::from_secs(20)).await;
    let second = tokens.token().await.unwrap();
    assert_ne!(second.access_token(), first.access_token());
    assert_eq!(endpoint.calls(), 2);

    // A short-lived token: the margin is a quarter of its lifetime (2 s of 8 s).
    let endpoint = Endpoint::new(Some(8));
    let tokens = provider(&endpoint);
    tokens.token().await.unwrap();
    tokio::time::advance(Duration::from_millis(5_900)).await;
    tokens.token().await.unwrap();
    assert_eq!(endpoint.calls(), 1);
    tokio::time::advance(Duration::from_millis(200)).await;
    tokens.token().await.unwrap();
    assert_eq!(endpoint.calls(), 2);

    // No expires_in: the default lifetime (5 minutes) applies.
    let endpoint = Endpoint::new(None);
    let tokens = provider(&endpoint);
    assert!(tokens.token().await.unwrap().expires_at().is_some());
    tokio::time::advance(Duration::from_secs(230)).await;
    tokens.token().await.unwrap();
    assert_eq!(endpoint.calls(), 1);
    tokio::time::advance(Duration::from_secs(20)).await;
    tokens.token().await.unwrap();
    assert_eq!(endpoint.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn while_one_caller_refreshes_the_others_keep_the_current_token() {
    let endpoint = Endpoint::scripted(Some(100), Duration::from_secs(5), []);
    let tokens = provider(&endpoint);
    let first = tokens.token().await.unwrap();
    // Past the refresh point (75 s), before expiry (100 s).
    tokio::time::advance(Duration::from_secs(80)).await;
    let refreshing = tokio::spawn({
        let tokens = tokens.clone();
        async move { tokens.token().await.unwrap() }
    });
    tokio::task::yield_now().await;
    tokio::time::advance(Duration::from_millis(10)).await;
    // The refresh is in flight (it takes 5 s): no wait for the others.
    let meanwhile = tokio::time::timeout(Duration::from_millis(1), tokens.token())
        .await
        .expect("no waiting")
        .unwrap();
    assert_eq!(meanwhile.access_token(), first.access_token());
    let second = refreshing.await.unwrap();
    assert_ne!(second.access_token(), first.access_token());
    assert_eq!(endpoint.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failing_refresh_is_retried_with_a_fresh_assertion_then_succeeds() {
    let endpoint = Endpoint::scripted(
        Some(3600),
        Duration::from_millis(5),
        [Fail::Unavailable, Fail::Unavailable],
    );
    let tokens = provider(&endpoint);
    let token = tokens.token().await.unwrap();
    assert_eq!(token.access_token().expose_secret(), "yta_token_3");
    assert_eq!(endpoint.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_refresh_that_keeps_failing_gives_every_waiter_one_typed_error() {
    let endpoint = Endpoint::scripted(
        Some(3600),
        Duration::from_millis(20),
        [Fail::Unavailable; 10],
    );
    let tokens = provider(&endpoint);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.token().await.unwrap_err() })
        })
        .collect();
    for task in tasks {
        let error = task.await.unwrap();
        match &error {
            Error::TokenRefresh { attempts, source } => {
                assert_eq!(*attempts, 3);
                assert!(
                    matches!(
                        **source,
                        Error::TokenUnavailable {
                            status: Some(503),
                            ..
                        }
                    ),
                    "{source:?}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(error.is_retryable());
        assert_eq!(error.token_status(), Some(503));
        assert!(std::error::Error::source(&error).is_some());
    }
    // One flight of three attempts for all ten callers.
    assert_eq!(endpoint.calls(), 3);
    // A later call tries again.
    tokens.token().await.unwrap_err();
    assert_eq!(endpoint.calls(), 6);
}

#[tokio::test(start_paused = true)]
async fn a_refused_request_is_not_retried() {
    let endpoint = Endpoint::scripted(Some(3600), Duration::ZERO, [Fail::Rejected]);
    let tokens = provider(&endpoint);
    let error = tokens.token().await.unwrap_err();
    assert_eq!(endpoint.calls(), 1);
    assert!(!error.is_retryable());
    assert_eq!(error.token_status(), Some(401));
    assert_eq!(
        error.oauth_error().map(|body| &body.error),
        Some(&OAuthErrorCode::InvalidClient)
    );
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert!(
        cause.contains("401") && cause.contains("invalid_client: unknown client"),
        "{cause}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_invalidates_the_token_once() {
    let endpoint = Endpoint::new(Some(3600));
    let tokens = provider(&endpoint);
    let refused = tokens.token().await.unwrap();
    // Fifty calls were refused with the same token: one invalidation wins.
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let (tokens, refused) = (tokens.clone(), refused.clone());
            std::thread::spawn(move || tokens.invalidate(&refused))
        })
        .collect();
    let wins: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(wins.iter().filter(|won| **won).count(), 1);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.token().await.unwrap() })
        })
        .collect();
    for task in tasks {
        let token = task.await.unwrap();
        assert_eq!(token.access_token().expose_secret(), "yta_token_2");
        // An old token's invalidation no longer drops the new one.
        assert!(!tokens.invalidate(&refused));
    }
    assert_eq!(endpoint.calls(), 2);
}

#[tokio::test]
async fn a_token_provisioned_by_hand_is_used_as_is() {
    let tokens = TokenProvider::fixed(AccessToken::new("yta_UJCxUATErS890kAUaOMI7QA"));
    assert!(!tokens.is_refreshable());
    let token = tokens.token().await.unwrap();
    assert_eq!(token.expires_at(), None);
    assert!(!tokens.invalidate(&token));
    let header = token.header_value().unwrap();
    assert!(header.is_sensitive());
    assert_eq!(
        header.to_str().unwrap(),
        "Bearer yta_UJCxUATErS890kAUaOMI7QA"
    );
    let mut headers = http::HeaderMap::new();
    token.apply(&mut headers).unwrap();
    assert_eq!(headers[http::header::AUTHORIZATION], header);
    assert_eq!(tokens.token_requests(), 0);

    // Nothing prints a token.
    for debug in [
        format!("{token:?}"),
        format!("{tokens:?}"),
        format!("{header:?}"),
    ] {
        assert!(!debug.contains("UJCx"), "{debug}");
    }
    let endpoint = Endpoint::new(Some(60));
    let minted = provider(&endpoint);
    let token = minted.token().await.unwrap();
    for debug in [format!("{token:?}"), format!("{minted:?}")] {
        assert!(!debug.contains("yta_"), "{debug}");
    }
}

#[test]
fn scopes_are_checked_when_the_provider_is_built() {
    let endpoint = Endpoint::new(Some(60));
    let none = TokenProvider::builder(signer(), endpoint.clone()).build();
    assert!(matches!(none, Err(Error::InvalidRequest { .. })));
    let bad = TokenProvider::builder(signer(), endpoint)
        .scopes(["with\"quote"])
        .build();
    assert!(matches!(bad, Err(Error::InvalidRequest { .. })));
}
