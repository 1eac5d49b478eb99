//! What Yoti's own SDKs accept, ours accepts too, keeping what is there: `media: {}` (no
//! `id`) in an identity profile report, a face capture image and a liveness image; resource
//! `tasks` given as plain strings. And IDV error codes by name.

use serde_json::{Value, json};
use yoti_types::idv::result::IdentityProfile;
use yoti_types::idv::{IdvErrorBody, IdvErrorCode, SessionResult, TaskType};

fn result(value: Value) -> SessionResult {
    serde_json::from_value(value).expect("parses")
}

#[test]
fn media_without_an_id_parses_and_round_trips() {
    let session = result(json!({
        "resources": {
            "face_capture": [{"id": "f", "image": {"media": {}}}],
            "liveness_capture": [{"id": "l", "liveness_type": "STATIC",
                                  "image": {"media": {"type": "IMAGE"}}}]
        },
        "identity_profile": {"result": "DONE", "identity_profile_report": {
            "trust_framework": "UK_TFIDA", "schemes_compliance": [], "media": {}
        }}
    }));
    let resources = session.resources.as_ref().unwrap();
    let face = resources.face_capture[0]
        .image
        .as_ref()
        .unwrap()
        .media
        .as_ref()
        .unwrap();
    assert!(!face.has_id());
    let live = resources.liveness_capture[0]
        .image
        .as_ref()
        .unwrap()
        .media
        .as_ref()
        .unwrap();
    assert!(!live.has_id());
    assert_eq!(live.media_type.as_ref().map(|t| t.as_str()), Some("IMAGE"));
    let report = session
        .identity_profile
        .as_ref()
        .and_then(|p| p.identity_profile_report.as_ref())
        .unwrap();
    assert!(!report.media.as_ref().unwrap().has_id());
    // Written back as it came.
    let back = serde_json::to_value(&session).unwrap();
    assert_eq!(
        back["resources"]["face_capture"][0]["image"]["media"],
        json!({})
    );
    assert_eq!(
        back["identity_profile"]["identity_profile_report"]["media"],
        json!({})
    );
    // A media with an id is unchanged.
    let with_id: IdentityProfile = serde_json::from_value(json!({
        "identity_profile_report": {"media": {"id": "m1", "type": "JSON"}}
    }))
    .unwrap();
    let media = with_id.identity_profile_report.unwrap().media.unwrap();
    assert!(media.has_id());
    assert_eq!(media.id.as_str(), "m1");
}

#[test]
fn resource_tasks_given_as_strings_parse_as_their_type() {
    let session = result(json!({"resources": {
        "id_documents": [{"id": "d", "tasks": ["ID_DOCUMENT_TEXT_DATA_EXTRACTION",
                                               {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "id": "t"}]}],
        "supplementary_documents": [{"id": "s", "tasks": ["SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION"]}],
        "liveness_capture": [{"id": "l", "liveness_type": "ZOOM", "tasks": ["SOMETHING_NEW"]}],
        "face_capture": [{"id": "f", "tasks": []}]
    }}));
    let resources = session.resources.unwrap();
    let tasks = &resources.id_documents[0].tasks;
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].kind, Some(TaskType::IdDocumentTextDataExtraction));
    assert!(tasks[0].id.is_none());
    assert_eq!(tasks[1].id.as_ref().map(|i| i.as_str()), Some("t"));
    assert_eq!(
        resources.supplementary_documents[0].tasks[0].kind,
        Some(TaskType::SupplementaryDocumentTextDataExtraction)
    );
    assert_eq!(
        resources.liveness_capture[0].tasks[0]
            .kind
            .as_ref()
            .map(|k| k.as_str()),
        Some("SOMETHING_NEW")
    );
    // Anything else is still refused with a clear error.
    let err = serde_json::from_value::<SessionResult>(
        json!({"resources": {"id_documents": [{"tasks": [42]}]}}),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("Task") || err.to_string().contains("map"),
        "{err}"
    );
}

#[test]
fn error_codes_are_matched_by_name() {
    let body: IdvErrorBody =
        serde_json::from_value(json!({"code": "CHECKS_NOT_FINISHED", "message": "m"})).unwrap();
    assert_eq!(body.error_code(), Some(IdvErrorCode::ChecksNotFinished));
    for code in IdvErrorCode::KNOWN {
        assert_eq!(IdvErrorCode::from(code.as_str()), *code);
        assert!(!code.is_unknown());
    }
    for name in [
        "SESSION_LOCKED",
        "MEDIA_LOCKED",
        "RESOURCES_INCOMPLETE",
        "TOKEN_EXPIRED",
        "SESSION_NOT_FOUND",
        "PAYLOAD_VALIDATION",
    ] {
        assert!(!IdvErrorCode::from(name).is_unknown(), "{name}");
    }
    let unknown = IdvErrorCode::from("BRAND_NEW_CODE");
    assert!(unknown.is_unknown());
    assert_eq!(serde_json::to_value(&unknown).unwrap(), "BRAND_NEW_CODE");
}
