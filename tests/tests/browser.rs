//! The emulator's web pages in a real browser: headless Chromium driven over WebDriver
//! (`chromedriver`), against the in-process emulator on loopback.
//!
//! - the hosted journey, embedded in an iframe by a parent page, walked by clicks from a
//!   fresh session's token to the end: the session is then COMPLETED through
//!   `IdvClient::get_session`, its notification arrives, and the parent received `STARTED`
//!   and `SUCCESS`;
//! - an expired token and an invalid token get their error pages (and `ERROR` messages);
//! - the dashboard lists sessions, escapes a hostile `user_tracking_id` (its `<script>`
//!   never runs), shows thumbnails and a failed signature's diagnosis, and moves the clock
//!   with a plain form.
//!
//! Screenshots of each page go to `target/browser-screenshots/` (not committed).
//! Chromium missing: the tests skip loudly, and fail when `CI=true`.

#[path = "browser/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use yoti_emulator::Emulator;
use yoti_idv::models::spec::{
    BiometricConsentFlow, IdDocumentAuthenticityConfig, LivenessConfig, ManualCheck,
    NotificationConfig, NotificationTopic, RequestedCheck, RequiredDocument, SdkConfig,
};
use yoti_idv::models::{LivenessType, ResponseConfig, SessionSpec, SessionState};
use yoti_idv::notification::Event;
use yoti_idv::{IdvClient, NotificationVerifier, WaitOptions};
use yoti_tests::{emulator, idv_client, transport};

use webdriver::Browser;

/// The browser and its driver, or `None` (with a loud message) when they are missing and
/// `CI` is not `true`.
fn tools() -> Option<(PathBuf, PathBuf)> {
    match webdriver::find_tools() {
        Ok(tools) => Some(tools),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true and the browser tests cannot run: {why}")
        }
        Err(why) => {
            eprintln!("\n*** SKIPPED: browser test not run: {why} ***\n");
            None
        }
    }
}

async fn client_for(emu: &Emulator) -> IdvClient {
    idv_client(emu)
}

/// A page on another loopback origin that embeds `src` in an iframe and keeps every message
/// it posts in `window.messages`.
async fn parent_page(src: &str) -> String {
    let escaped = src.replace('&', "&amp;").replace('"', "&quot;");
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Acme onboarding</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;background:#eef1f5}}
header{{padding:14px 24px;background:#111827;color:#fff;font-weight:700}}
iframe{{display:block;margin:16px auto;width:760px;height:960px;border:0;border-radius:14px;background:#fff}}</style>
</head><body><header>Acme Bank: open an account</header>
<iframe id="yoti" src="{escaped}" allow="camera"></iframe>
<script>window.messages = [];
window.addEventListener('message', function (e) {{ window.messages.push(e.data); }});</script>
</body></html>"#
    );
    let app = axum::Router::new().route("/", get(move || async move { Html(html) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

/// What the notification receiver got: verified events.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Result<Event, String>>>>);

async fn start_receiver(verifier: NotificationVerifier) -> (String, Received) {
    let received = Received::default();
    let state = (verifier, received.clone());
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |State((verifier, received)): State<(NotificationVerifier, Received)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let verdict = verifier.verify(&headers, &body).map_err(|e| e.to_string());
                    let status = if verdict.is_ok() {
                        StatusCode::OK
                    } else {
                        StatusCode::UNAUTHORIZED
                    };
                    received.0.lock().unwrap().push(verdict);
                    status
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), received)
}

/// The name of the active step of the journey (inside its frame).
const ACTIVE_STEP: &str = "var s = document.querySelector('#journey > .step.active'); \
    return s ? (s.getAttribute('data-step') + ':' + (s.getAttribute('data-kind') || '')) : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosted_journey_in_an_iframe_completes_a_session_and_posts_success() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let (emu, _) = emulator().await;
    let client = client_for(&emu).await;
    client
        .sandbox()
        .set_app_response_config(&ResponseConfig::approve_all())
        .await
        .unwrap();
    const HOOK_TOKEN: &str = "browser-hook-secret";
    let (hook, received) = start_receiver(NotificationVerifier::basic(HOOK_TOKEN)).await;
    let spec = SessionSpec::builder()
        .client_session_token_ttl(900)
        .user_tracking_id("browser-user-1")
        .notifications(
            NotificationConfig::new(&hook)
                .topics([NotificationTopic::SessionCompletion])
                .auth_token(HOOK_TOKEN),
        )
        .requested_check(RequestedCheck::id_document_authenticity(
            IdDocumentAuthenticityConfig {
                manual_check: Some(ManualCheck::Never),
                ..Default::default()
            },
        ))
        .requested_check(RequestedCheck::liveness(LivenessConfig::new(
            LivenessType::Static,
        )))
        .required_document(RequiredDocument::id_document())
        .required_document(RequiredDocument::proof_of_address())
        .sdk_config(
            SdkConfig::new()
                .primary_colour("#2d6cdf")
                .locale("en-GB")
                .preset_issuing_country("GBR")
                .biometric_consent_flow(BiometricConsentFlow::Early),
        )
        .build_with(&client.validation_options())
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.to_string();
    let token = created
        .client_session_token
        .as_ref()
        .expect("a token")
        .expose_secret()
        .to_owned();
    let journey = format!(
        "{}/web/index.html?sessionID={sid}&sessionToken={token}",
        emu.idv_url()
    );
    let parent = parent_page(&journey).await;

    let browser = Browser::start(&chromium, &driver).await;
    browser.goto(&parent).await;
    browser.frame(Some("#yoti")).await;
    browser
        .wait_until("the journey's first step", ACTIVE_STEP, 15)
        .await;
    let shot = browser.screenshot("journey-1-intro").await;
    eprintln!("screenshot: {}", shot.display());
    browser.click("[data-action=next]").await;

    // Consent, asked because the session has a biometric step and a consent flow.
    assert_eq!(
        browser.eval(ACTIVE_STEP, json!([])).await,
        json!("consent:")
    );
    browser.click("#consent").await;
    browser.click("[data-action=consent]").await;

    // Each requirement: pick the samples, continue.
    let mut seen = Vec::new();
    for round in 0..6 {
        let step = browser.eval(ACTIVE_STEP, json!([])).await;
        let step = step.as_str().unwrap_or_default().to_owned();
        if !step.starts_with("requirement:") {
            break;
        }
        seen.push(step.clone());
        if step == "requirement:ID_DOCUMENT" {
            // A two-sided document, to exercise both pages.
            browser
                .eval(
                    "var s = document.querySelector('.step.active select.doctype'); \
                     s.value = 'DRIVING_LICENCE'; s.dispatchEvent(new Event('change'));",
                    json!([]),
                )
                .await;
        }
        let slots = browser
            .eval(
                "return Array.prototype.slice.call(document.querySelectorAll('.step.active .slot'))\
                 .filter(function (s) { return !s.hidden; })\
                 .map(function (s) { return s.getAttribute('data-slot'); });",
                json!([]),
            )
            .await;
        for slot in slots.as_array().unwrap() {
            let slot = slot.as_str().unwrap();
            browser
                .click(&format!(
                    ".step.active .slot[data-slot=\"{slot}\"] [data-action=sample]"
                ))
                .await;
        }
        browser
            .wait_until(
                "the samples to load",
                "var b = document.querySelector('.step.active [data-action=upload]'); \
                 return b && !b.disabled;",
                15,
            )
            .await;
        let shot = browser
            .screenshot(&format!("journey-2-step-{round}-{}", &step[12..]))
            .await;
        eprintln!("screenshot: {}", shot.display());
        browser.click(".step.active [data-action=upload]").await;
        browser
            .wait_until(
                "the next step",
                &format!(
                    "var s = document.querySelector('#journey > .step.active'); \
                     var e = s && s.querySelector('.error-inline'); \
                     if (e && e.textContent) throw new Error(e.textContent); \
                     return s && (s.getAttribute('data-step') + ':' + (s.getAttribute('data-kind') || '')) !== '{step}';"
                ),
                20,
            )
            .await;
    }
    assert_eq!(
        seen,
        [
            "requirement:ID_DOCUMENT",
            "requirement:SUPPLEMENTARY_DOCUMENT",
            "requirement:LIVENESS"
        ],
        "one step per requirement, in the configuration's order"
    );
    assert_eq!(browser.eval(ACTIVE_STEP, json!([])).await, json!("review:"));
    browser.screenshot("journey-3-review").await;
    browser.click("[data-action=submit]").await;
    browser
        .wait_until(
            "the done step",
            "var s = document.querySelector('#journey > .step.active'); \
             var e = document.querySelector('[data-step=review] .error-inline'); \
             if (e && e.textContent) throw new Error(e.textContent); \
             return s && s.getAttribute('data-step') === 'done';",
            20,
        )
        .await;
    let shot = browser.screenshot("journey-4-done").await;
    eprintln!("screenshot: {}", shot.display());

    // The parent page got STARTED, then SUCCESS.
    browser.frame(None).await;
    let messages = browser
        .wait_until(
            "the SUCCESS message",
            "return window.messages.some(function (m) { return m && m.eventType === 'SUCCESS'; }) \
             && window.messages;",
            10,
        )
        .await;
    let types: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["eventType"].as_str())
        .collect();
    assert_eq!(types, ["STARTED", "SUCCESS"], "{messages}");
    browser.close().await;

    // The backend sees it COMPLETED, with what the browser uploaded.
    let done = client
        .wait_for_completion(
            &sid,
            WaitOptions::new()
                .initial_interval(Duration::from_millis(20))
                .max_wait(Duration::from_secs(20)),
        )
        .await
        .unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));
    let session = client.get_session(&sid).await.unwrap();
    assert_eq!(session.state, Some(SessionState::Completed));
    let json = serde_json::to_value(&session).unwrap();
    let documents = json["resources"]["id_documents"].as_array().unwrap();
    assert_eq!(documents.len(), 1, "{json}");
    assert_eq!(documents[0]["document_type"], "DRIVING_LICENCE");
    assert_eq!(documents[0]["issuing_country"], "GBR");
    assert_eq!(documents[0]["pages"].as_array().unwrap().len(), 2);
    assert_eq!(documents[0]["pages"][0]["capture_method"], "CAMERA");
    assert_eq!(
        json["resources"]["supplementary_documents"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        json["resources"]["liveness_capture"][0]["liveness_type"],
        "STATIC"
    );
    let checks = json["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{json}");
    assert!(checks.iter().all(|c| c["state"] == "DONE"), "{json}");

    // The SESSION_COMPLETION notification arrived and verified.
    let mut completed = false;
    for _ in 0..200 {
        completed = received.0.lock().unwrap().iter().any(|v| {
            matches!(v, Ok(Event::SessionCompletion { session_id }) if session_id.as_str() == sid)
        });
        if completed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(completed, "{:?}", received.0.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_invalid_tokens_get_error_pages_and_error_messages() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let (emu, _) = emulator().await;
    let client = client_for(&emu).await;
    let spec = SessionSpec::builder()
        .client_session_token_ttl(120)
        .requested_check(RequestedCheck::id_document_authenticity(
            IdDocumentAuthenticityConfig::default(),
        ))
        .required_document(RequiredDocument::id_document())
        .build_with(&client.validation_options())
        .unwrap();
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.to_string();
    let token = created
        .client_session_token
        .as_ref()
        .expect("a token")
        .expose_secret()
        .to_owned();
    // The virtual clock moves past the token's TTL.
    let advance = transport()
        .execute(|_| {
            http::Request::post(format!("{}/__emulator/clock/advance", emu.base_url()))
                .header("content-type", "application/json")
                .body(Bytes::from_static(br#"{"seconds": 600}"#))
        })
        .await
        .unwrap();
    assert_eq!(advance.status(), StatusCode::OK);

    let browser = Browser::start(&chromium, &driver).await;
    let expired = format!(
        "{}/web/index.html?sessionID={sid}&sessionToken={token}",
        emu.sandbox_idv_url()
    );
    browser.goto(&parent_page(&expired).await).await;
    browser.frame(Some("#yoti")).await;
    let title = browser
        .wait_until(
            "the error page",
            "var e = document.querySelector('#journey-error h1'); return e && e.textContent;",
            15,
        )
        .await;
    assert_eq!(title, json!("This session has expired"));
    assert_eq!(
        browser
            .eval(
                "return document.querySelector('#journey-error code').textContent",
                json!([])
            )
            .await,
        json!("TOKEN_EXPIRED")
    );
    browser.frame(None).await;
    let messages = browser
        .wait_until(
            "the ERROR message",
            "return window.messages.length > 0 && window.messages;",
            10,
        )
        .await;
    assert_eq!(
        messages,
        json!([{ "eventType": "ERROR", "eventCode": 1001, "code": "TOKEN_EXPIRED" }])
    );
    let shot = browser.screenshot("journey-5-expired").await;
    eprintln!("screenshot: {}", shot.display());

    // A token no session has, opened directly.
    browser
        .goto(&format!(
            "{}/web/index.html?sessionID={sid}&sessionToken=not-a-token",
            emu.idv_url()
        ))
        .await;
    let title = browser
        .wait_until(
            "the error page",
            "var e = document.querySelector('#journey-error h1'); return e && e.textContent;",
            15,
        )
        .await;
    assert_eq!(title, json!("This link is not valid"));
    let text: Value = browser
        .eval("return document.body.innerText", json!([]))
        .await;
    let text = text.as_str().unwrap();
    assert!(text.contains("INVALID_TOKEN"), "{text}");
    assert!(!text.to_lowercase().contains("panic"), "{text}");
    browser.screenshot("journey-6-invalid").await;
    browser.close().await;
}

/// The dashboard lists a session (with a hostile `user_tracking_id`, shown as text and never
/// run), a completed session with its thumbnails, a failed signature's diagnosis, and moves
/// the clock with a plain form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_lists_sessions_and_escapes_what_they_hold() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let (emu, signer) = emulator().await;
    let client = client_for(&emu).await;
    const HOSTILE: &str = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
    let spec = |user: &str| {
        SessionSpec::builder()
            .user_tracking_id(user)
            .requested_check(RequestedCheck::id_document_authenticity(
                IdDocumentAuthenticityConfig::default(),
            ))
            .required_document(RequiredDocument::id_document())
            .build_with(&client.validation_options())
            .unwrap()
    };
    let hostile = client.create_session(&spec(HOSTILE)).await.unwrap();
    let done = client.create_session(&spec("plain-user")).await.unwrap();
    let simulate = transport()
        .execute(|_| {
            http::Request::post(format!(
                "{}/__emulator/sessions/{}/simulate-user",
                emu.base_url(),
                done.session_id
            ))
            .body(Bytes::new())
        })
        .await
        .unwrap();
    assert_eq!(simulate.status(), StatusCode::OK);
    // A request signed over the full path: the journal explains the refusal.
    let refused = yoti_tests::send(
        &transport(),
        &signer.request(
            http::Method::GET,
            &emu.base_url(),
            "/idverify/v1/sessions/x",
        ),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 401);

    let browser = Browser::start(&chromium, &driver).await;
    browser
        .goto(&format!("{}/__emulator/ui", emu.base_url()))
        .await;
    browser
        .wait_until(
            "the sessions table",
            "return document.querySelectorAll('tr.session').length === 2;",
            15,
        )
        .await;
    // The hostile id is shown as text; nothing in it ran.
    browser
        .wait_until(
            "the thumbnails",
            "return Array.prototype.every.call(document.querySelectorAll('.thumbs img'), \
             function (i) { return i.complete; });",
            15,
        )
        .await;
    let shown = browser
        .eval(
            "var row = document.querySelector('tr[data-session=\"' + arguments[0] + '\"]'); \
             return row.querySelector('.user-tracking-id').textContent;",
            json!([hostile.session_id.to_string()]),
        )
        .await;
    assert_eq!(shown, json!(HOSTILE));
    // Give an injected handler the time it would need to fire.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        browser.eval("return typeof window.pwned;", json!([])).await,
        json!("undefined")
    );
    assert_eq!(
        browser
            .eval(
                "return document.scripts.length + document.querySelectorAll('main img[src=\"x\"]').length;",
                json!([])
            )
            .await,
        json!(0)
    );
    // The completed session: its state, its thumbnails loaded, its journey link gone.
    let completed = browser
        .eval(
            "var row = document.querySelector('tr[data-session=\"' + arguments[0] + '\"]'); \
             var imgs = Array.prototype.slice.call(row.querySelectorAll('.thumbs img')); \
             return [row.querySelector('.tag').textContent, imgs.length, \
                     imgs.every(function (i) { return i.complete && i.naturalWidth > 0; })];",
            json!([done.session_id.to_string()]),
        )
        .await;
    assert_eq!(completed[0], json!("COMPLETED"), "{completed}");
    assert!(completed[1].as_u64().unwrap() >= 1, "{completed}");
    assert_eq!(
        completed[2],
        json!(true),
        "every thumbnail loads: {completed}"
    );
    let link = browser
        .eval(
            "var row = document.querySelector('tr[data-session=\"' + arguments[0] + '\"]'); \
             var a = row.querySelector('a[href*=\"web/index.html\"]'); return a && a.getAttribute('href');",
            json!([hostile.session_id.to_string()]),
        )
        .await;
    assert!(
        link.as_str()
            .is_some_and(|l| l.starts_with("/idverify/v1/web/index.html?sessionID=")),
        "{link}"
    );
    let shot = browser.screenshot("dashboard-1-sessions").await;
    eprintln!("screenshot: {}", shot.display());

    // The journal shows the expected string next to what arrived.
    let diag = browser
        .eval(
            "var d = document.querySelector('#requests .diag pre'); return d && d.textContent;",
            json!([]),
        )
        .await;
    assert!(
        diag.as_str()
            .is_some_and(|d| d.starts_with("GET&/sessions/x?sdkId=")),
        "{diag}"
    );
    browser
        .eval(
            "document.getElementById('requests').scrollIntoView();",
            json!([]),
        )
        .await;
    browser.screenshot("dashboard-2-requests").await;

    // The clock form works without JavaScript.
    browser
        .click("#settings form[action$='/clock'] button")
        .await;
    browser
        .wait_until(
            "the clock to move",
            "return document.body.innerText.indexOf('moved forward by 600 s') >= 0;",
            15,
        )
        .await;
    browser.screenshot("dashboard-3-settings").await;
    browser.close().await;
}
