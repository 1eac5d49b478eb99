//! The sandbox response configuration: its builders, what the emulator reads from it, and
//! its pinned JSON.

use serde_json::json;
use yoti_types::idv::result::{
    Breakdown, BreakdownResult, RecommendationValue, TaskRecommendation, TaskRecommendationValue,
};
use yoti_types::idv::sandbox::{
    CheckReports, ResponseConfig, SandboxCheck, SandboxDocumentFilter, SandboxTextExtraction,
    sample_id_document_fields,
};
use yoti_types::idv::{CheckType, LivenessType, TaskType};

/// `approve_all`, plus one entry of each builder method and a kind this version does not
/// model.
fn customised() -> ResponseConfig {
    ResponseConfig::approve_all()
        .document_face_match(
            SandboxCheck::reject("NOT_GENUINE", "RECOVERY_NOT_POSSIBLE")
                .breakdown(
                    Breakdown::new("ai_face_match", BreakdownResult::Fail)
                        .detail("confidence_score", "0.12"),
                )
                .document_filter(SandboxDocumentFilter::new(["PASSPORT"], ["GBR"])),
        )
        .document_comparison(
            SandboxCheck::approve().secondary_document_filter(SandboxDocumentFilter::new(
                ["DRIVING_LICENCE"],
                ["GBR"],
            )),
        )
        .check(&CheckType::WatchlistScreening, SandboxCheck::approve())
        .id_document_text_extraction(
            SandboxTextExtraction::new(sample_id_document_fields())
                .detected_country("GBR")
                .recommendation(TaskRecommendation::new(TaskRecommendationValue::Progress))
                .document_filter(SandboxDocumentFilter::new(
                    ["PASSPORT"],
                    Vec::<String>::new(),
                )),
        )
        .async_report_delay(5)
}

#[test]
fn approve_all_covers_every_kind_of_the_reference() {
    let config = ResponseConfig::approve_all();
    let reports = config.check_reports.as_ref().unwrap();
    for kind in [
        CheckType::IdDocumentAuthenticity,
        CheckType::IdDocumentTextDataCheck,
        CheckType::SupplementaryDocumentTextDataCheck,
        CheckType::IdDocumentFaceMatch,
        CheckType::Liveness,
        CheckType::IdDocumentComparison,
        CheckType::ThirdPartyIdentity,
    ] {
        let entries = reports.for_kind(&kind);
        assert!(!entries.is_empty(), "{kind}");
        for entry in entries.iter() {
            let recommendation = entry.result.report.recommendation.as_ref().unwrap();
            assert_eq!(
                recommendation.value,
                Some(RecommendationValue::Approve),
                "{kind}"
            );
        }
    }
    let liveness: Vec<_> = reports
        .liveness
        .iter()
        .map(|l| l.liveness_type.clone().unwrap())
        .collect();
    assert_eq!(liveness, [LivenessType::Zoom, LivenessType::Static]);
    assert!(
        reports.id_document_text_data_check[0]
            .result
            .document_fields
            .is_some()
    );
    let tasks = config.task_results.as_ref().unwrap();
    assert_eq!(
        tasks
            .for_kind(&TaskType::IdDocumentTextDataExtraction)
            .len(),
        1
    );
    assert_eq!(
        tasks
            .for_kind(&TaskType::SupplementaryDocumentTextDataExtraction)
            .len(),
        1
    );
    assert!(reports.async_report_delay.is_none());
    insta::assert_json_snapshot!("response_config_approve_all", config);
}

#[test]
fn customised_config_is_pinned_and_round_trips() {
    let config = customised();
    insta::assert_json_snapshot!("response_config_customised", config);
    let json = serde_json::to_value(&config).unwrap();
    // THIRD_PARTY_IDENTITY is an object, not a list; async_report_delay sits in check_reports.
    assert!(json["check_reports"]["THIRD_PARTY_IDENTITY"].is_object());
    assert_eq!(json["check_reports"]["async_report_delay"], 5);
    assert_eq!(
        serde_json::from_value::<ResponseConfig>(json).unwrap(),
        config
    );
}

#[test]
fn kinds_this_version_does_not_model_are_kept_and_readable() {
    let config = customised();
    let reports = config.check_reports.as_ref().unwrap();
    assert_eq!(reports.for_kind(&CheckType::WatchlistScreening).len(), 1);
    let parsed: CheckReports = serde_json::from_value(json!({
        "FUTURE_CHECK": {"result": {"report": {"recommendation": {"value": "REJECT"}, "breakdown": []}}},
        "THIRD_PARTY_IDENTITY": {"result": {"report": {"recommendation": {"value": "APPROVE"}}}}
    }))
    .unwrap();
    let future = parsed.for_kind(&CheckType::from("FUTURE_CHECK"));
    assert_eq!(
        future[0]
            .result
            .report
            .recommendation
            .as_ref()
            .unwrap()
            .value,
        Some(RecommendationValue::Reject)
    );
    assert_eq!(parsed.for_kind(&CheckType::ThirdPartyIdentity).len(), 1);
    let mut reports = parsed.clone();
    reports.push(&CheckType::from("FUTURE_CHECK"), SandboxCheck::approve());
    assert_eq!(reports.for_kind(&CheckType::from("FUTURE_CHECK")).len(), 2);
}

#[test]
fn document_filters_match_like_the_sandbox() {
    let filter = SandboxDocumentFilter::new(["PASSPORT"], ["GBR", "USA"]);
    assert!(filter.matches(Some("PASSPORT"), Some("USA")));
    assert!(!filter.matches(Some("PASSPORT"), Some("FRA")));
    assert!(!filter.matches(Some("DRIVING_LICENCE"), Some("GBR")));
    assert!(!filter.matches(None, Some("GBR")));
    let any = SandboxDocumentFilter::default();
    assert!(any.matches(None, None));
    assert!(
        SandboxDocumentFilter::new(Vec::<String>::new(), ["GBR"]).matches(Some("X"), Some("GBR"))
    );
}
