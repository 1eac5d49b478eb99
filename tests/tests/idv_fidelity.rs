//! Issue 11 through our own SDK (yoti-idv against the in-process emulator, over real HTTP):
//! the full session configuration, face capture `frames`, generated text data checks,
//! identity profiles (with preview and import token), and IDV error codes matched by name.
//! (Lenient parsing of `media: {}` and plain-string tasks: crates/yoti-types/tests/idv_lenient.rs.)

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};
use yoti_emulator::Emulator;
use yoti_idv::models::result::{IdentityProfileReportContent, IdentityProfileResult};
use yoti_idv::models::sandbox::SandboxCheck;
use yoti_idv::models::session::RequiredResourceType;
use yoti_idv::models::spec::{
    AttemptsConfiguration, IdDocumentTextExtractionConfig, IdentityProfileRequirements,
    IdentityProfileScheme, ManualCheck, RequestedTask, SchemeType, SdkConfig, TrustFramework,
};
use yoti_idv::models::{
    CheckType, CreateFaceCaptureResourceRequest, IdvErrorCode, ResponseConfig,
    SessionConfiguration, SessionResult, SessionSpec, SessionState,
};
use yoti_idv::{IdvClient, WaitOptions};
use yoti_tests::{emulator, idv_client, transport};

async fn setup() -> (Emulator, IdvClient) {
    let (emu, _) = emulator().await;
    let client = idv_client(&emu);
    (emu, client)
}

fn fast() -> WaitOptions {
    WaitOptions::new()
        .initial_interval(Duration::from_millis(10))
        .max_interval(Duration::from_millis(100))
        .max_wait(Duration::from_secs(30))
}

async fn simulate_user(emu: &Emulator, session_id: &str) {
    let url = format!(
        "{}/__emulator/sessions/{session_id}/simulate-user",
        emu.base_url()
    );
    let response = transport()
        .execute(|_| {
            http::Request::post(url.as_str())
                .header("content-type", "application/json")
                .body(Bytes::from_static(b"{}"))
        })
        .await
        .expect("the admin route answers");
    assert_eq!(response.status(), StatusCode::OK);
}

fn spec(value: Value) -> SessionSpec {
    serde_json::from_value(value).expect("a specification")
}

async fn run(emu: &Emulator, client: &IdvClient, spec: &SessionSpec) -> SessionResult {
    let created = client.create_session(spec).await.unwrap();
    let sid = created.session_id.as_str();
    simulate_user(emu, sid).await;
    let done = client.wait_for_completion(sid, fast()).await.unwrap();
    assert_eq!(done.state, Some(SessionState::Completed));
    done
}

fn requirement<'a>(
    config: &'a SessionConfiguration,
    kind: &RequiredResourceType,
) -> &'a yoti_idv::models::session::RequiredResource {
    config
        .capture
        .as_ref()
        .unwrap()
        .required_resources
        .iter()
        .find(|r| r.kind.as_ref() == Some(kind))
        .unwrap_or_else(|| panic!("a {kind} requirement"))
}

#[tokio::test]
async fn the_configuration_has_every_field_the_official_sdks_require() {
    let (emu, client) = setup().await;
    let sdk_config = SdkConfig::new().attempts_configuration(
        AttemptsConfiguration::default()
            .id_document_text_data_extraction(AttemptsConfiguration::GENERIC, 3)
            .id_document_text_data_extraction(AttemptsConfiguration::RECLASSIFICATION, 2),
    );
    let spec = spec(json!({
        "requested_checks": [{"type": "LIVENESS", "config": {"liveness_type": "ZOOM"}},
                             {"type": "FACE_COMPARISON", "config": {"manual_check": "NEVER"}}],
        "required_documents": [{"type": "ID_DOCUMENT"}, {"type": "SUPPLEMENTARY_DOCUMENT"}],
        "sdk_config": sdk_config,
    }));
    let created = client.create_session(&spec).await.unwrap();
    let sid = created.session_id.as_str();
    let config = client.session_configuration(sid).await.unwrap();
    let capture = config.capture.as_ref().unwrap();
    assert_eq!(capture.biometric_consent.as_deref(), Some("REQUIRED"));
    let id = requirement(&config, &RequiredResourceType::IdDocument);
    assert_eq!(
        id.allowed_capture_methods.as_ref().map(|m| m.as_str()),
        Some("CAMERA_AND_UPLOAD")
    );
    let attempts = id.attempts_remaining.as_ref().unwrap();
    assert_eq!(
        (
            attempts["GENERIC"].as_u64(),
            attempts["RECLASSIFICATION"].as_u64()
        ),
        (Some(3), Some(2))
    );
    let supplementary = requirement(&config, &RequiredResourceType::SupplementaryDocument);
    assert_eq!(supplementary.document_types, Some(Vec::new()));
    assert_eq!(supplementary.country_codes, Some(Vec::new()));

    // The face capture resource answers how many frames it expects.
    let face = requirement(&config, &RequiredResourceType::FaceCapture);
    let created_face = client
        .create_face_capture_resource(
            sid,
            &CreateFaceCaptureResourceRequest::new(face.id.clone().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(created_face.frames, Some(1));

    // Consent is recorded once the user captures their liveness.
    simulate_user(&emu, sid).await;
    client.wait_for_completion(sid, fast()).await.unwrap();
    let after = client.session_configuration(sid).await.unwrap();
    assert_eq!(
        after.capture.unwrap().biometric_consent.as_deref(),
        Some("GIVEN")
    );

    // No biometric check: not required; no attempts configured: an empty object.
    let plain = client
        .create_session(&spec_of_document_only())
        .await
        .unwrap();
    let config = client
        .session_configuration(plain.session_id.as_str())
        .await
        .unwrap();
    assert_eq!(
        config
            .capture
            .as_ref()
            .unwrap()
            .biometric_consent
            .as_deref(),
        Some("NOT_REQUIRED")
    );
    let id = requirement(&config, &RequiredResourceType::IdDocument);
    assert_eq!(id.attempts_remaining, Some(serde_json::Map::new()));
}

fn spec_of_document_only() -> SessionSpec {
    spec(json!({"required_documents": [{"type": "ID_DOCUMENT"}]}))
}

fn extraction(manual: &str) -> Value {
    json!({"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": manual}})
}

#[tokio::test]
async fn text_extraction_generates_its_text_data_check() {
    let (emu, client) = setup().await;
    let sandbox = client.sandbox();

    let checks_of = |done: &SessionResult| {
        let task = &done.resources.as_ref().unwrap().id_documents[0].tasks[0];
        let generated: Vec<_> = task
            .generated_checks
            .iter()
            .map(|g| g.id.clone().unwrap())
            .collect();
        let listed: Vec<_> = done
            .checks_of(&CheckType::IdDocumentTextDataCheck)
            .map(|c| c.result().and_then(|r| r.id.clone()).unwrap())
            .collect();
        assert_eq!(generated, listed, "generated_checks name the checks listed");
        listed.len()
    };

    // ALWAYS: generated.
    let done = run(
        &emu,
        &client,
        &spec(json!({"requested_tasks": [extraction("ALWAYS")]})),
    )
    .await;
    assert_eq!(checks_of(&done), 1);
    // NEVER: not, even when the response-config sets its report.
    sandbox
        .set_app_response_config(&ResponseConfig::approve_all())
        .await
        .unwrap();
    let done = run(
        &emu,
        &client,
        &spec(json!({"requested_tasks": [extraction("NEVER")]})),
    )
    .await;
    assert_eq!(checks_of(&done), 0);
    // FALLBACK with the report configured: generated, and its report is the configured one.
    let config = ResponseConfig::new().document_text_data_check(SandboxCheck::reject(
        "TEXT_MISMATCH",
        "TRY_ANOTHER_DOCUMENT",
    ));
    sandbox.set_app_response_config(&config).await.unwrap();
    let task = RequestedTask::IdDocumentTextDataExtraction {
        config: Some(IdDocumentTextExtractionConfig {
            manual_check: Some(ManualCheck::Fallback),
            ..Default::default()
        }),
    };
    let done = run(
        &emu,
        &client,
        &SessionSpec::builder().requested_task(task).build().unwrap(),
    )
    .await;
    assert_eq!(checks_of(&done), 1);
    let check = done
        .checks_of(&CheckType::IdDocumentTextDataCheck)
        .next()
        .unwrap();
    assert_eq!(
        check.recommendation(),
        Some(&yoti_idv::models::RecommendationValue::Reject)
    );
}

#[tokio::test]
async fn identity_profile_sessions_complete_with_their_profiles() {
    let (emu, client) = setup().await;
    let requirements = IdentityProfileRequirements::new(
        TrustFramework::UkTfida,
        IdentityProfileScheme::new(SchemeType::Dbs, "BASIC"),
    );
    let simple = spec(json!({
        "identity_profile_requirements": requirements,
        "subject": {"subject_id": "subject-1"},
        "create_identity_profile_preview": true,
        "import_token": {"ttl": 3600},
    }));
    let done = run(&emu, &client, &simple).await;
    let sid = done.session_id.as_ref().unwrap().as_str();
    let profile = done.identity_profile.as_ref().expect("identity_profile");
    assert_eq!(profile.subject_id.as_deref(), Some("subject-1"));
    assert_eq!(profile.result, Some(IdentityProfileResult::Done));
    assert!(profile.failure_reason.is_none());
    let report = profile.identity_profile_report.as_ref().unwrap();
    assert_eq!(report.trust_framework, Some(TrustFramework::UkTfida));
    assert_eq!(report.schemes_compliance[0].requirements_met, Some(true));
    let media = report.media.as_ref().unwrap();
    let content = client
        .get_media(sid, media.id.as_str())
        .await
        .unwrap()
        .into_stream()
        .unwrap();
    let content: IdentityProfileReportContent =
        serde_json::from_slice(&content.bytes().await.unwrap()).unwrap();
    assert!(content.verification_report.is_some() && content.identity_assertion.is_some());
    let preview = done
        .identity_profile_preview
        .as_ref()
        .unwrap()
        .media
        .as_ref()
        .unwrap();
    let preview = client
        .get_media(sid, preview.id.as_str())
        .await
        .unwrap()
        .into_stream()
        .unwrap();
    assert_eq!(preview.content_type(), Some("image/jpeg"));
    assert!(done.import_token.as_ref().unwrap().media.is_some());
    assert!(done.advanced_identity_profile.is_none());

    // Advanced, failing on the sandbox's REJECT.
    client
        .sandbox()
        .set_app_response_config(&ResponseConfig::new().document_authenticity(
            SandboxCheck::reject("DOCUMENT_TAMPERED", "TRY_ANOTHER_DOCUMENT"),
        ))
        .await
        .unwrap();
    let advanced = spec(json!({
        "advanced_identity_profile_requirements": {"profiles": [
            {"trust_framework": "UK_TFIDA", "schemes": [{"type": "RTW", "objective": "", "label": "rtw"}]}
        ]},
        "subject": {"subject_id": "subject-2"},
    }));
    let done = run(&emu, &client, &advanced).await;
    let profile = done
        .advanced_identity_profile
        .as_ref()
        .expect("advanced profile");
    assert_eq!(profile.result, Some(IdentityProfileResult::Failed));
    let failure = profile.failure_reason.as_ref().unwrap();
    assert_eq!(
        failure.reason_code.as_deref(),
        Some("MANDATORY_DOCUMENT_COULD_NOT_BE_PROVIDED")
    );
    assert_eq!(
        failure.requirements_not_met_details[0]
            .failure_type
            .as_deref(),
        Some("ID_DOCUMENT_AUTHENTICITY")
    );
    let compliance = &profile.identity_profile_report.as_ref().unwrap().compliance;
    assert_eq!(
        compliance[0].schemes_compliance[0].requirements_met,
        Some(false)
    );
    assert!(done.identity_profile.is_none() && done.identity_profile_preview.is_none());
}

#[tokio::test]
async fn errors_are_matched_by_name() {
    let (_emu, client) = setup().await;
    let err = client.get_session("no-such-session").await.unwrap_err();
    assert_eq!(err.code(), Some(&IdvErrorCode::SessionNotFound));
    let created = client
        .create_session(&spec_of_document_only())
        .await
        .unwrap();
    let err = client
        .create_face_capture_resource(
            created.session_id.as_str(),
            &CreateFaceCaptureResourceRequest::new("not-a-requirement"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&IdvErrorCode::PayloadValidation));
    assert_eq!(
        IdvErrorCode::from("SOMETHING_NEW").as_str(),
        "SOMETHING_NEW"
    );
}
