//! Every real-world IDV payload Yoti published (`shared/fixtures/real-world/idv/` and
//! `sandbox/`) parses into the type it represents, and survives re-serialization.
//!
//! What is compared, for every file:
//! 1. `parse(file) == parse(serialize(parse(file)))` (typed equality);
//! 2. `serialize(parse(file))` equals the original JSON except for three documented
//!    normalizations, and nothing else:
//!    - `null` values of the original are dropped (we model them as absent);
//!    - the deprecated `WHITELIST` / `BLACKLIST` inclusions (any case) of the original read as
//!      `INCLUDE` / `EXCLUDE` (the API maps them so; we send the current spelling);
//!    - empty arrays the re-serialized JSON has and the original lacks are dropped (response
//!      lists such as `checks` or `tasks` are always sent, empty when empty).
//!
//! Any other difference (a lost field, a changed value, an added non-empty field) fails.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use yoti_types::idv::devices::{DeviceEventType, TrackedDeviceEvent};
use yoti_types::idv::notification::{Notification, WebhookTopic};
use yoti_types::idv::result::{
    BreakdownResult, Check, DocumentFields, IdentityProfileReportContent, IdentityProfileResult,
    RecommendationValue, ResourceContainer, SessionResult, SessionState, StructuredPostalAddress,
    WatchlistRawResult,
};
use yoti_types::idv::sandbox::AgentRequest;
use yoti_types::idv::session::CreateSessionResponse;
use yoti_types::idv::spec::{
    CaMatchingStrategyType, CaSourcesType, DocumentFilter, Inclusion, ManualCheck, RequestedCheck,
    RequestedTask, RequiredDocument, SessionSpec, TrustFramework, ValidationOptions,
    WatchlistCategory,
};
use yoti_types::idv::{CaptureMethod, CheckType, LivenessType, MediaType, TaskType};

/// The model a fixture file is a body of.
#[derive(Clone, Copy, Debug)]
enum Model {
    /// A whole or partial `POST /sessions` body.
    SessionSpec,
    /// A single entry of `requested_checks`.
    RequestedCheck,
    /// A whole or partial `GET /sessions/{id}` body.
    SessionResult,
    /// A bare `resources` object.
    ResourceContainer,
    /// Extracted document fields (JSON media content).
    DocumentFields,
    /// A structured postal address (part of document fields).
    Address,
    /// The identity profile report (JSON media content).
    IdentityProfileReport,
    /// Watchlist raw results (JSON media content): a list.
    WatchlistRawResults,
    /// `GET /sessions/{id}/tracked-devices`: a list.
    TrackedDevices,
    /// `POST /sessions` answer.
    CreateSessionResponse,
    /// Webhook body.
    Notification,
    /// Sandbox `POST /agent` body.
    AgentRequest,
}

/// Every fixture file (path relative to the real-world folder) and its model.
const TABLE: &[(&str, Model)] = &[
    (
        "idv/notifications/docs__notifications__2.json",
        Model::Notification,
    ),
    (
        "idv/notifications/docs__notifications__3.json",
        Model::Notification,
    ),
    (
        "idv/notifications/docs__notifications__4.json",
        Model::Notification,
    ),
    (
        "idv/notifications/docs__notifications__5.json",
        Model::Notification,
    ),
    (
        "idv/other/docs__create-session-response.json",
        Model::CreateSessionResponse,
    ),
    (
        "idv/other/identity-verification__results__4.json",
        Model::WatchlistRawResults,
    ),
    (
        "idv/other/identity-verification__tracked-devices__0.json",
        Model::TrackedDevices,
    ),
    (
        "idv/session-results/docs__data-extraction__1.json",
        Model::Address,
    ),
    (
        "idv/session-results/docs__data-extraction__2.json",
        Model::Address,
    ),
    (
        "idv/session-results/docs__data-extraction__3.json",
        Model::Address,
    ),
    (
        "idv/session-results/docs__identity-profiles__retrieve-results__0.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__results__0.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__results__1.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__results__2.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__results__3.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__0.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__1.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__10.json",
        Model::Address,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__11.json",
        Model::Address,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__12.json",
        Model::Address,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__2.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__3.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__4.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__5.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__6.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__7.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__retrieve-userdata__8.json",
        Model::DocumentFields,
    ),
    (
        "idv/session-results/docs__understanding-the-report__0.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__understanding-the-report__1.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__understanding-the-report__2.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__understanding-the-report__3.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/docs__understanding-the-report__4.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/go-sdk__GetSessionResultWithAdvancedIdentityProfile.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/go-sdk__GetSessionResultWithIdentityProfile.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/go-sdk__RTWIdentityProfileReport.json",
        Model::IdentityProfileReport,
    ),
    (
        "idv/session-results/go-sdk__resource-container-static.json",
        Model::ResourceContainer,
    ),
    (
        "idv/session-results/go-sdk__resource-container.json",
        Model::ResourceContainer,
    ),
    (
        "idv/session-results/go-sdk__watchlist_advanced_ca_profile_custom.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/go-sdk__watchlist_screening.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/java-sdk__GetSessionResultExample.json",
        Model::SessionResult,
    ),
    (
        "idv/session-results/python-sdk__response_get_docs_scan_session.json",
        Model::SessionResult,
    ),
    (
        "idv/session-specs/docs__create-a-session__address-check__0.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__client-preferences__0.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__document-checking__0.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__document-checking__1.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__document-checking__3.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__document-checking__4.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__document-checking__6.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__document-checking__7.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-aml__0.json",
        Model::RequestedCheck,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-aml__1.json",
        Model::RequestedCheck,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-aml__2.json",
        Model::RequestedCheck,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-facematch__0.json",
        Model::RequestedCheck,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-liveness__0.json",
        Model::RequestedCheck,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-liveness__1.json",
        Model::RequestedCheck,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-supportingdocuments__0.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-supportingdocuments__1.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-supportingdocuments__2.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__sdk-supportingdocuments__3.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__create-a-session__system-preferences__0.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__quick-start__0.json",
        Model::SessionSpec,
    ),
    (
        "idv/session-specs/docs__quick-start__1.json",
        Model::SessionSpec,
    ),
    // Not a response-config, despite the folder: the body of the sandbox `POST /agent`.
    (
        "sandbox/sandbox-beta__sandbox-integration-guide__0.json",
        Model::AgentRequest,
    ),
];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real-world")
}

fn read(relative: &str) -> String {
    let path = fixtures_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse<T: DeserializeOwned>(relative: &str) -> T {
    serde_json::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Every JSON file under `dir`, relative to the fixtures root, with `/` separators.
fn json_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(root, &path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            let relative = path.strip_prefix(root).unwrap();
            let parts: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            out.push(parts.join("/"));
        }
    }
}

/// Parses `text` as `T`, re-serializes it, parses that again; asserts typed equality and
/// returns the re-serialized JSON.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(
    name: &str,
    text: &str,
) -> Value {
    let parsed: T =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: does not parse: {e}"));
    let reserialized = serde_json::to_value(&parsed).unwrap();
    let reparsed: T = serde_json::from_value(reserialized.clone())
        .unwrap_or_else(|e| panic!("{name}: the re-serialized JSON does not parse: {e}"));
    assert_eq!(
        parsed, reparsed,
        "{name}: parse -> serialize -> parse changed the value"
    );
    reserialized
}

/// Normalization (a) and (b) of the module docs, applied to the original.
fn normalize_original(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let v = match (k.as_str(), v.as_str()) {
                        ("inclusion", Some(s)) if s.eq_ignore_ascii_case("WHITELIST") => {
                            Value::from("INCLUDE")
                        }
                        ("inclusion", Some(s)) if s.eq_ignore_ascii_case("BLACKLIST") => {
                            Value::from("EXCLUDE")
                        }
                        _ => normalize_original(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize_original).collect()),
        other => other.clone(),
    }
}

/// Normalization (c): drops from `reserialized` the empty arrays `original` does not have.
fn drop_added_empty_arrays(reserialized: &Value, original: &Value) -> Value {
    match (reserialized, original) {
        (Value::Object(re), Value::Object(orig)) => Value::Object(
            re.iter()
                .filter(|(k, v)| {
                    orig.contains_key(*k) || v.as_array().is_none_or(|a| !a.is_empty())
                })
                .map(|(k, v)| {
                    let v = match orig.get(k) {
                        Some(o) => drop_added_empty_arrays(v, o),
                        None => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(re), Value::Array(orig)) if re.len() == orig.len() => Value::Array(
            re.iter()
                .zip(orig)
                .map(|(r, o)| drop_added_empty_arrays(r, o))
                .collect(),
        ),
        _ => reserialized.clone(),
    }
}

fn check_file(relative: &str, model: Model) {
    let text = read(relative);
    let original: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let reserialized = match model {
        Model::SessionSpec => round_trip::<SessionSpec>(relative, &text),
        Model::RequestedCheck => round_trip::<RequestedCheck>(relative, &text),
        Model::SessionResult => round_trip::<SessionResult>(relative, &text),
        Model::ResourceContainer => round_trip::<ResourceContainer>(relative, &text),
        Model::DocumentFields => round_trip::<DocumentFields>(relative, &text),
        Model::Address => round_trip::<StructuredPostalAddress>(relative, &text),
        Model::IdentityProfileReport => round_trip::<IdentityProfileReportContent>(relative, &text),
        Model::WatchlistRawResults => round_trip::<Vec<WatchlistRawResult>>(relative, &text),
        Model::TrackedDevices => round_trip::<Vec<TrackedDeviceEvent>>(relative, &text),
        Model::CreateSessionResponse => round_trip::<CreateSessionResponse>(relative, &text),
        Model::Notification => round_trip::<Notification>(relative, &text),
        Model::AgentRequest => round_trip::<AgentRequest>(relative, &text),
    };
    let expected = normalize_original(&original);
    let actual = drop_added_empty_arrays(&reserialized, &expected);
    assert_eq!(
        actual,
        expected,
        "{relative}: re-serialized JSON differs from the original\n--- re-serialized:\n{}",
        serde_json::to_string_pretty(&reserialized).unwrap()
    );
    if let Model::SessionSpec = model {
        let spec: SessionSpec = serde_json::from_str(&text).unwrap();
        spec.validate(&ValidationOptions::default())
            .unwrap_or_else(|e| {
                panic!("{relative}: a published specification fails validation: {e}")
            });
    }
}

#[test]
fn every_fixture_is_in_the_table_and_round_trips() {
    let root = fixtures_root();
    assert!(root.is_dir(), "fixtures folder missing: {}", root.display());
    let mut found = Vec::new();
    for dir in ["idv", "sandbox"] {
        let dir = root.join(dir);
        assert!(dir.is_dir(), "fixtures folder missing: {}", dir.display());
        json_files(&root, &dir, &mut found);
    }
    let table: BTreeMap<&str, Model> = TABLE.iter().copied().collect();
    assert_eq!(table.len(), TABLE.len(), "duplicate entries in TABLE");
    let missing: Vec<_> = found
        .iter()
        .filter(|f| !table.contains_key(f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "fixtures with no entry in TABLE (add them): {missing:#?}"
    );
    let stale: Vec<_> = table
        .keys()
        .filter(|k| !found.iter().any(|f| f == *k))
        .collect();
    assert!(stale.is_empty(), "TABLE entries with no file: {stale:#?}");
    for (relative, model) in TABLE {
        check_file(relative, *model);
    }
}

#[test]
fn known_check_kinds_are_typed_with_their_reports() {
    let result: SessionResult = parse("idv/session-results/docs__results__0.json");
    let kinds: Vec<CheckType> = result.checks.iter().map(Check::kind).collect();
    assert_eq!(
        kinds,
        [
            CheckType::IdDocumentAuthenticity,
            CheckType::IdDocumentTextDataCheck,
            CheckType::Liveness,
            CheckType::IdDocumentFaceMatch,
            CheckType::WatchlistScreening,
            CheckType::WatchlistAdvancedCa,
        ]
    );
    assert!(result.checks.iter().all(|c| !c.is_unknown()));
    assert!(matches!(result.checks[0], Check::IdDocumentAuthenticity(_)));
    assert_eq!(result.state, Some(SessionState::Completed));
    assert_eq!(
        result.session_id.as_ref().map(|s| s.as_str()),
        Some("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    );
    assert_eq!(
        result.biometric_consent.as_ref().map(|t| t.as_str()),
        Some("2023-04-13T10:58:32.627Z")
    );

    let Check::WatchlistScreening(screening) = &result.checks[4] else {
        panic!("not typed")
    };
    let summary = screening
        .report
        .as_ref()
        .unwrap()
        .watchlist_summary
        .as_ref()
        .unwrap();
    assert_eq!(summary.total_hits, Some(0));
    assert_eq!(summary.associated_country_codes, ["GBR", "USA"]);
    assert_eq!(
        summary.search_config.as_ref().unwrap().categories,
        [WatchlistCategory::AdverseMedia]
    );
    assert!(
        screening
            .generated_profile
            .as_ref()
            .unwrap()
            .media
            .is_some()
    );

    let resources = result.resources.as_ref().unwrap();
    let document = &resources.id_documents[0];
    assert_eq!(
        document.pages[0].capture_method,
        Some(CaptureMethod::Camera)
    );
    assert_eq!(
        document
            .document_fields
            .as_ref()
            .unwrap()
            .media
            .as_ref()
            .unwrap()
            .media_type,
        Some(MediaType::Json)
    );
    assert_eq!(
        document.tasks[0].kind,
        Some(TaskType::IdDocumentTextDataExtraction)
    );
    assert_eq!(
        document.tasks[0].generated_checks[0].kind,
        Some(CheckType::IdDocumentTextDataCheck)
    );
    assert!(resources.supplementary_documents.is_empty());
    assert_eq!(
        resources.liveness_capture[0].liveness_type,
        Some(LivenessType::Static)
    );
    assert!(resources.liveness_capture[0].image.is_some());
    assert_eq!(resources.face_capture.len(), 1);

    let userdata: SessionResult = parse("idv/session-results/docs__retrieve-userdata__0.json");
    let supplementary = &userdata.resources.as_ref().unwrap().supplementary_documents[0];
    assert_eq!(supplementary.document_type.as_deref(), Some("UTILITY_BILL"));
    assert_eq!(
        supplementary
            .file
            .as_ref()
            .unwrap()
            .media
            .as_ref()
            .unwrap()
            .id
            .as_str(),
        "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    );
    assert_eq!(
        supplementary.tasks[0].kind,
        Some(TaskType::SupplementaryDocumentTextDataExtraction)
    );
}

#[test]
fn breakdowns_details_and_identity_profiles() {
    let result: SessionResult =
        parse("idv/session-results/docs__identity-profiles__retrieve-results__0.json");
    let authenticity = result.checks[0].result().unwrap();
    assert_eq!(
        result.checks[0].recommendation(),
        Some(&RecommendationValue::Approve)
    );
    let report = authenticity.report.as_ref().unwrap();
    let ocr = report
        .breakdown
        .iter()
        .find(|b| b.sub_check == "ocr_mrz_comparison")
        .unwrap();
    assert_eq!(ocr.result, Some(BreakdownResult::Fail));
    assert_eq!(ocr.details[1].name, "document_number");
    assert_eq!(ocr.details[1].value, "MISMATCH");
    assert_eq!(ocr.process.as_ref().map(|p| p.as_str()), Some("AUTOMATED"));
    // A zoom liveness capture whose last four frames are empty objects.
    let liveness = &result.resources.as_ref().unwrap().liveness_capture[0];
    assert_eq!(liveness.liveness_type, Some(LivenessType::Zoom));
    assert_eq!(liveness.frames.len(), 7);
    assert!(liveness.frames[3].media.is_none());
    assert_eq!(
        liveness
            .facemap
            .as_ref()
            .unwrap()
            .media
            .as_ref()
            .unwrap()
            .media_type,
        Some(MediaType::Binary)
    );
    // A resource list the reference does not have.
    assert_eq!(
        result.resources.as_ref().unwrap().applicant_profiles.len(),
        1
    );
    let profile = result.advanced_identity_profile.as_ref().unwrap();
    assert_eq!(profile.result, Some(IdentityProfileResult::Done));
    let report = profile.identity_profile_report.as_ref().unwrap();
    assert_eq!(
        report.compliance[0].trust_framework,
        Some(TrustFramework::YotiGlobal)
    );
    assert_eq!(
        report.compliance[0].schemes_compliance[0].requirements_met,
        Some(true)
    );
    // The text extraction's in-session feedback.
    let task = &result.resources.as_ref().unwrap().id_documents[0].tasks[0];
    assert_eq!(
        task.recommendation
            .as_ref()
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .as_str(),
        "PROGRESS"
    );

    let simple: SessionResult =
        parse("idv/session-results/go-sdk__GetSessionResultWithIdentityProfile.json");
    let profile = simple.identity_profile.as_ref().unwrap();
    assert_eq!(profile.subject_id.as_deref(), Some("someStringHere"));
    let failure = profile.failure_reason.as_ref().unwrap();
    assert_eq!(
        failure.reason_code.as_deref(),
        Some("MANDATORY_DOCUMENT_COULD_NOT_BE_PROVIDED")
    );
    assert_eq!(
        failure.requirements_not_met_details[0].details.as_deref(),
        Some("INCORRECT_DOCUMENT_TYPE")
    );
    let report = profile.identity_profile_report.as_ref().unwrap();
    assert_eq!(report.trust_framework, Some(TrustFramework::UkTfida));
    assert_eq!(
        report.schemes_compliance[0]
            .scheme
            .as_ref()
            .unwrap()
            .objective
            .as_deref(),
        Some("STANDARD")
    );
    assert!(
        simple
            .identity_profile_preview
            .as_ref()
            .unwrap()
            .media
            .is_some()
    );
}

#[test]
fn advanced_watchlist_check_is_typed_with_its_search_config() {
    let result: SessionResult =
        parse("idv/session-results/go-sdk__watchlist_advanced_ca_profile_custom.json");
    let check = result
        .checks_of(&CheckType::WatchlistAdvancedCa)
        .next()
        .unwrap();
    assert!(matches!(check, Check::WatchlistAdvancedCa(_)));
    assert_eq!(check.recommendation(), Some(&RecommendationValue::Consider));
    let report = check.result().unwrap().report.as_ref().unwrap();
    assert_eq!(
        report.recommendation.as_ref().unwrap().reason.as_deref(),
        Some("POTENTIAL_MATCH")
    );
    let config = report
        .watchlist_summary
        .as_ref()
        .unwrap()
        .search_config
        .as_ref()
        .unwrap();
    let strategy = config.matching_strategy.as_ref().unwrap();
    assert_eq!(strategy.kind, CaMatchingStrategyType::Fuzzy);
    assert_eq!(strategy.fuzziness, Some(0.6));
    assert_eq!(
        config.sources.as_ref().unwrap().kind,
        CaSourcesType::Profile
    );
    assert_eq!(
        config.api_key.as_ref().unwrap().expose_secret(),
        "gQ2vf0STnF5nGy9SSdyuGJuYMFfNASmV"
    );
    assert!(
        !format!("{config:?}").contains("gQ2vf0STnF5nGy9SSdyuGJuYMFfNASmV"),
        "api key leaks in Debug"
    );
    // Frames of uploaded pages are empty objects.
    let page = &result.resources.as_ref().unwrap().id_documents[0].pages[0];
    assert_eq!(page.capture_method, Some(CaptureMethod::Upload));
    assert_eq!(page.frames.len(), 2);
    assert_eq!(
        result
            .check("851cec96-7459-49d3-b9b2-bcbc4c759987")
            .map(Check::kind),
        Some(CheckType::IdDocumentTextDataCheck)
    );
}

#[test]
fn unknown_kinds_parse_and_keep_their_json() {
    let result: SessionResult = parse("idv/session-results/java-sdk__GetSessionResultExample.json");
    assert!(result.checks[0].is_unknown());
    assert_eq!(result.checks[0].kind().as_str(), "someUnknownCheck");
    assert!(result.checks[0].kind().is_unknown());
    assert_eq!(result.checks[0].id(), Some("someUnknownCheckId"));
    let Check::Unknown(unknown) = &result.checks[0] else {
        panic!()
    };
    assert_eq!(
        unknown.raw(),
        &serde_json::json!({"type": "someUnknownCheck", "id": "someUnknownCheckId"})
    );
    assert!(matches!(result.checks[1], Check::IdDocumentAuthenticity(_)));
    let liveness = &result.resources.as_ref().unwrap().liveness_capture;
    assert!(liveness[0].liveness_type.as_ref().unwrap().is_unknown());
    assert_eq!(
        liveness[0].liveness_type.as_ref().unwrap().as_str(),
        "someUnknownLivenessCapture"
    );
    assert_eq!(liveness[1].liveness_type, Some(LivenessType::Zoom));

    let container: ResourceContainer = parse("idv/session-results/go-sdk__resource-container.json");
    assert_eq!(
        container.liveness_capture[1]
            .liveness_type
            .as_ref()
            .unwrap()
            .as_str(),
        "OTHER_LIVENESS_TYPE"
    );
    // `"media": null` is an empty frame.
    assert!(container.liveness_capture[0].frames[1].media.is_none());
}

#[test]
fn specifications_are_typed() {
    let spec: SessionSpec = parse("idv/session-specs/docs__quick-start__1.json");
    assert_eq!(spec.client_session_token_ttl, Some(900));
    assert_eq!(spec.resources_ttl, Some(90_000));
    let notifications = spec.notifications.as_ref().unwrap();
    assert_eq!(
        notifications.auth_token.as_ref().unwrap().expose_secret(),
        "some_auth_token"
    );
    assert!(
        !format!("{spec:?}").contains("some_auth_token"),
        "auth token leaks in Debug"
    );
    assert_eq!(spec.requested_checks.len(), 3);
    assert!(
        matches!(&spec.requested_checks[0], RequestedCheck::IdDocumentAuthenticity { config: Some(c) } if c.manual_check == Some(ManualCheck::Fallback))
    );
    assert!(
        matches!(&spec.requested_checks[1], RequestedCheck::Liveness { config: Some(c) } if c.liveness_type == Some(LivenessType::Static) && c.max_retries == Some(3))
    );
    assert_eq!(
        spec.requested_tasks[0].kind(),
        TaskType::SupplementaryDocumentTextDataExtraction
    );
    let RequiredDocument::IdDocument(document) = &spec.required_documents[0] else {
        panic!()
    };
    let Some(DocumentFilter::OrthogonalRestrictions(filter)) = &document.filter else {
        panic!()
    };
    // The deprecated WHITELIST reads as INCLUDE.
    assert_eq!(
        filter.country_restriction.as_ref().unwrap().inclusion,
        Inclusion::Include
    );
    assert_eq!(
        filter.type_restriction.as_ref().unwrap().document_types,
        ["PASSPORT"]
    );
    let RequiredDocument::SupplementaryDocument(supplementary) = &spec.required_documents[2] else {
        panic!()
    };
    assert_eq!(
        supplementary.objective.as_ref().unwrap().kind.as_str(),
        "PROOF_OF_ADDRESS"
    );
    let sdk = spec.sdk_config.as_ref().unwrap();
    assert_eq!(
        sdk.allowed_capture_methods.as_ref().unwrap().as_str(),
        "CAMERA_AND_UPLOAD"
    );
    assert_eq!(
        sdk.privacy_policy_url.as_deref(),
        Some("https://localhost:8443/privacy-policy")
    );

    let spec: SessionSpec =
        parse("idv/session-specs/docs__create-a-session__client-preferences__0.json");
    let attempts = spec.sdk_config.unwrap().attempts_configuration.unwrap();
    assert_eq!(
        attempts
            .id_document_text_data_extraction
            .get("RECLASSIFICATION"),
        Some(&3)
    );

    let spec: SessionSpec =
        parse("idv/session-specs/docs__create-a-session__document-checking__1.json");
    let RequestedTask::IdDocumentTextDataExtraction {
        config: Some(config),
    } = &spec.requested_tasks[0]
    else {
        panic!()
    };
    assert_eq!(config.create_expanded_document_fields, Some(true));

    let check: RequestedCheck = parse("idv/session-specs/docs__create-a-session__sdk-aml__1.json");
    let RequestedCheck::WatchlistAdvancedCa {
        config: Some(config),
    } = &check
    else {
        panic!()
    };
    assert_eq!(
        config.sources.as_ref().unwrap().types.as_deref(),
        Some(
            &[
                "pep".to_owned(),
                "fitness-probity".to_owned(),
                "warning".to_owned()
            ][..]
        )
    );
    assert_eq!(
        config.matching_strategy.as_ref().unwrap().exact_match,
        Some(true)
    );
    assert_eq!(
        config.tags.get("name").map(String::as_str),
        Some("ADVANCED_check")
    );

    let check: RequestedCheck = parse("idv/session-specs/docs__create-a-session__sdk-aml__0.json");
    let RequestedCheck::WatchlistScreening {
        config: Some(config),
    } = &check
    else {
        panic!()
    };
    assert_eq!(
        config.categories,
        [
            WatchlistCategory::AdverseMedia,
            WatchlistCategory::Sanctions
        ]
    );
}

#[test]
fn other_bodies_are_typed() {
    let created: CreateSessionResponse = parse("idv/other/docs__create-session-response.json");
    assert_eq!(
        created.session_id.as_str(),
        "5ef0ec7a-ba19-45c6-a208-2dd257ef2dd4"
    );
    assert_eq!(created.client_session_token_ttl, Some(900));

    let devices: Vec<TrackedDeviceEvent> =
        parse("idv/other/identity-verification__tracked-devices__0.json");
    assert_eq!(devices[1].event, Some(DeviceEventType::ResourceCreated));
    assert_eq!(
        devices[1].resource_id.as_ref().unwrap().as_str(),
        "a10cce10-c497-4011-8eab-4759e1f6fe49"
    );
    assert_eq!(
        devices[0].device.as_ref().unwrap().browser_name.as_deref(),
        Some("Chrome")
    );

    let raw: Vec<WatchlistRawResult> = parse("idv/other/identity-verification__results__4.json");
    assert_eq!(raw[0].provider.as_deref(), Some("Comply Advantage"));
    assert_eq!(raw[0].search_types.len(), 5);

    let notification: Notification = parse("idv/notifications/docs__notifications__3.json");
    assert_eq!(notification.topic, WebhookTopic::CheckCompletion);
    assert_eq!(
        notification.check_id.as_ref().unwrap().as_str(),
        "f2026861-2778-4ca5-b381-38c1b86a51cc"
    );
    let notification: Notification = parse("idv/notifications/docs__notifications__4.json");
    assert_eq!(notification.topic, WebhookTopic::ClientSessionTokenDeleted);

    let fields: DocumentFields = parse("idv/session-results/docs__retrieve-userdata__1.json");
    assert_eq!(fields.document_number.as_deref(), Some("533028754"));
    assert_eq!(fields.mrz.as_ref().unwrap().kind, Some(2));
    let fields: DocumentFields = parse("idv/session-results/docs__retrieve-userdata__6.json");
    assert_eq!(
        fields
            .structured_postal_address
            .as_ref()
            .unwrap()
            .state
            .as_deref(),
        Some("NV")
    );
    assert_eq!(
        fields.extra.get("eye_color").and_then(Value::as_str),
        Some("BLU")
    );

    let report: IdentityProfileReportContent =
        parse("idv/session-results/go-sdk__RTWIdentityProfileReport.json");
    assert_eq!(report.proof.as_deref(), Some("<signature provided here>"));
    assert_eq!(
        report.verification_report.as_ref().unwrap()["trust_framework"],
        "UK_TFIDA"
    );

    let agent: AgentRequest = parse("sandbox/sandbox-beta__sandbox-integration-guide__0.json");
    let resources = agent.resources.as_ref().unwrap();
    assert_eq!(resources.id_documents.len(), 2);
    assert_eq!(
        resources.id_documents[0].capture_method,
        Some(CaptureMethod::Camera)
    );
    assert_eq!(
        resources.supplementary_documents[0]
            .issuing_country
            .as_deref(),
        Some("GBR")
    );
}

#[test]
fn the_reference_spelling_session_id_is_accepted() {
    let created: CreateSessionResponse = serde_json::from_str(
        r#"{"sessionId": "abc", "client_session_token": "t", "client_session_token_ttl": 600}"#,
    )
    .unwrap();
    assert_eq!(created.session_id.as_str(), "abc");
    assert_eq!(serde_json::to_value(&created).unwrap()["session_id"], "abc");
    let result: SessionResult = serde_json::from_str(r#"{"sessionId": "abc"}"#).unwrap();
    assert_eq!(result.session_id.unwrap().as_str(), "abc");
}

#[test]
fn a_known_check_with_an_unexpected_shape_is_kept_whole() {
    let raw = serde_json::json!({"type": "LIVENESS", "id": "c1", "state": 5, "report": "?"});
    let check: Check = serde_json::from_value(raw.clone()).unwrap();
    assert!(check.is_unknown());
    assert_eq!(check.kind(), CheckType::Liveness);
    assert_eq!(check.id(), Some("c1"));
    assert_eq!(serde_json::to_value(&check).unwrap(), raw);
}

#[test]
fn the_comparison_catches_lost_and_changed_fields() {
    use serde_json::json;
    let original = normalize_original(&json!({
        "a": 1, "b": [], "n": null, "f": {"inclusion": "whitelist", "country_codes": []}
    }));
    let same =
        json!({"a": 1, "b": [], "added": [], "f": {"inclusion": "INCLUDE", "country_codes": []}});
    assert_eq!(drop_added_empty_arrays(&same, &original), original);
    for different in [
        json!({"a": 1, "f": {"inclusion": "INCLUDE", "country_codes": []}}),
        json!({"a": 2, "b": [], "f": {"inclusion": "INCLUDE", "country_codes": []}}),
        json!({"a": 1, "b": [], "added": [1], "f": {"inclusion": "INCLUDE", "country_codes": []}}),
        json!({"a": 1, "b": [], "f": {"inclusion": "EXCLUDE", "country_codes": []}}),
    ] {
        assert_ne!(
            drop_added_empty_arrays(&different, &original),
            original,
            "{different}"
        );
    }
}

#[test]
fn session_configuration_and_supported_documents_parse_leniently() {
    use yoti_types::idv::session::{RequiredResourceType, SessionConfiguration};
    use yoti_types::idv::supported_documents::SupportedDocumentsResponse;
    // No published fixture; a body in the shape Yoti's SDKs read, with unknown kinds.
    let configuration: SessionConfiguration = serde_json::from_value(serde_json::json!({
        "client_session_token_ttl": 599,
        "session_id": "s1",
        "requested_checks": ["ID_DOCUMENT_AUTHENTICITY", "LIVENESS", "SOMETHING_NEW"],
        "capture": {
            "biometric_consent": "REQUIRED",
            "required_resources": [
                {
                    "type": "ID_DOCUMENT", "id": "r1", "state": "REQUIRED",
                    "allowed_sources": [{"type": "END_USER"}],
                    "requested_tasks": [{"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "state": "REQUIRED"}],
                    "supported_countries": [{"code": "GBR", "supported_documents": [{"type": "PASSPORT"}]}],
                    "allowed_capture_methods": "camera_and_upload",
                    "attempts_remaining": {"GENERIC": 2}
                },
                {"type": "LIVENESS", "id": "r2", "liveness_type": "ZOOM", "state": "REQUIRED"},
                {"type": "FACE_CAPTURE", "id": "r3"},
                {"type": "NEW_RESOURCE", "whatever": [1]}
            ]
        }
    }))
    .unwrap();
    assert_eq!(configuration.requested_checks[1], CheckType::Liveness);
    assert!(configuration.requested_checks[2].is_unknown());
    let resources = &configuration.capture.as_ref().unwrap().required_resources;
    assert_eq!(resources[0].kind, Some(RequiredResourceType::IdDocument));
    assert_eq!(
        resources[0]
            .allowed_capture_methods
            .as_ref()
            .unwrap()
            .as_str(),
        "CAMERA_AND_UPLOAD"
    );
    assert_eq!(
        resources[0].supported_countries[0].supported_documents[0].kind,
        "PASSPORT"
    );
    assert_eq!(resources[2].id.as_ref().unwrap().as_str(), "r3");
    assert!(resources[3].kind.as_ref().unwrap().is_unknown());
    assert_eq!(resources[3].extra["whatever"], serde_json::json!([1]));

    let supported: SupportedDocumentsResponse = serde_json::from_value(serde_json::json!({
        "supported_countries": [{
            "code": "GBR",
            "supported_documents": [
                {"type": "PASSPORT", "is_strictly_latin": true},
                {"type": "DRIVING_LICENCE", "is_strictly_latin": true, "requirements": {"date_from": "2015-01-01"}}
            ]
        }]
    }))
    .unwrap();
    let documents = &supported.supported_countries[0].supported_documents;
    assert_eq!(
        documents[1]
            .requirements
            .as_ref()
            .unwrap()
            .date_from
            .as_deref(),
        Some("2015-01-01")
    );
}
