//! One `yoti::Client` against the in-process emulator over real HTTP on loopback: the three
//! services through one key, one transport and one token provider.

use yoti::age::{
    Verify,
    models::{AgeCheck, Operator},
};
use yoti::idv::models::SessionSpec;
use yoti::idv::models::spec::{RequestedCheck, RequiredDocument};
use yoti::poa::models::VerifyQuery;
use yoti::poa::{VerifyOutcome, timestamp_now};
use yoti::{Client, PrivateKey};
use yoti_emulator::{Emulator, test_images};

async fn start() -> (Emulator, Client) {
    let key = PrivateKey::generate(2048).expect("key");
    let emulator = Emulator::builder()
        .app("facade-app", key.public_key())
        .start()
        .await
        .expect("emulator");
    let client = Client::builder()
        .sdk_id("facade-app")
        .key(key)
        .emulator_url(&emulator.base_url())
        .build()
        .expect("client");
    (emulator, client)
}

#[tokio::test]
async fn one_client_reaches_every_service() {
    let (emulator, yoti) = start().await;
    assert_eq!(yoti.sdk_id(), "facade-app");

    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::id_document_authenticity(Default::default()))
        .required_document(RequiredDocument::id_document())
        .build()
        .expect("spec");
    let created = yoti.idv().create_session(&spec).await.expect("create");
    let session = yoti
        .idv()
        .get_session(&created.session_id)
        .await
        .expect("get");
    assert_eq!(session.session_id.as_ref(), Some(&created.session_id));

    let image = test_images::jpeg(600, 600, 7);
    let verdict = yoti
        .age()
        .age_verify(Verify::new(image, 18).operator(Operator::Over))
        .await
        .expect("age verify");
    assert!(
        matches!(verdict.age_check, AgeCheck::Pass | AgeCheck::Fail),
        "{verdict:?}"
    );

    // Two verifies, one token: the client's token provider caches it.
    for n in 1..=2 {
        // `#n` makes each QR value distinct: the emulator, like Yoti, answers a used one with
        // a failure.
        let query = VerifyQuery::new(format!("age_over:18#{n}"), timestamp_now(), "till-1");
        match yoti.poa().verify(&query).await.expect("poa verify") {
            VerifyOutcome::Done(result) => assert_eq!(result.age_over(), Some(18)),
            other => panic!("expected an answer at once, got {other:?}"),
        }
    }
    assert_eq!(emulator.poa_stats().token_requests, 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_clone_shares_the_token_provider() {
    let (emulator, yoti) = start().await;
    let twin = yoti.clone();
    for (n, client) in [&yoti, &twin].into_iter().enumerate() {
        let query = VerifyQuery::new(format!("age_over:21#{n}"), timestamp_now(), "till-2");
        assert!(matches!(
            client.poa().verify(&query).await.expect("verify"),
            VerifyOutcome::Done(_)
        ));
    }
    assert_eq!(emulator.poa_stats().token_requests, 1);
    emulator.shutdown().await;
}

#[test]
fn build_names_what_is_missing() {
    let missing_id = Client::builder().build().expect_err("no sdk id");
    assert!(
        matches!(missing_id, yoti::Error::MissingSdkId),
        "{missing_id:?}"
    );
    let missing_key = Client::builder().sdk_id("x").build().expect_err("no key");
    assert!(
        matches!(missing_key, yoti::Error::MissingKey),
        "{missing_key:?}"
    );
    assert!(missing_key.to_string().contains("YOTI_KEY_FILE_PATH"));
}

#[test]
fn a_remote_http_url_is_refused_before_anything_is_sent() {
    let key = PrivateKey::generate(2048).expect("key");
    let refused = Client::builder()
        .sdk_id("x")
        .key(key)
        .idv_url("http://api.example.com/idverify/v1")
        .build()
        .expect_err("plain http to a remote host");
    assert!(matches!(refused, yoti::Error::Idv(_)), "{refused:?}");
}
