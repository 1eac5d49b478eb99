//! Identity profiles: what a session with `identity_profile_requirements` or
//! `advanced_identity_profile_requirements` yields when it completes, in the shapes of Yoti's
//! published payloads.
//!
//! - `identity_profile` / `advanced_identity_profile`: `subject_id` (the specification's
//!   `subject.subject_id`), `result` (`DONE` or `FAILED`), `failure_reason` when failing, and
//!   `identity_profile_report` (simple: `trust_framework` + `schemes_compliance`; advanced:
//!   `compliance` per trust framework) with its `media`: a JSON report (identity assertion,
//!   verification report with its evidence, authentication report, proof) fetched like any
//!   media.
//! - The outcome follows the sandbox response-config (the session's, else the
//!   application's): the profile FAILS (`MANDATORY_DOCUMENT_COULD_NOT_BE_PROVIDED`, each
//!   configured `REJECT` report named in `requirements_not_met_details`) when a configured
//!   check report recommends `REJECT`; otherwise it is `DONE` and every scheme's requirements
//!   are met. The asserted name and date of birth are the configured
//!   `ID_DOCUMENT_TEXT_DATA_EXTRACTION` fields (sample fields by default); the evidence lists
//!   the documents the user played (the emulator's sample British passport when none).
//! - `identity_profile_preview` (or `advanced_identity_profile_preview`) when
//!   `create_identity_profile_preview` is set: a JPEG media item.
//! - `import_token` when the specification asks for one: a JSON media item with the token.

use serde_json::{Value, json};
use time::OffsetDateTime;
use yoti_types::idv::result::IdentityProfile;
use yoti_types::idv::result::{
    IdentityProfileFailure, IdentityProfileReport, IdentityProfileResult, ImportToken,
    RequirementNotMetDetail, SchemeCompliance, TrustFrameworkCompliance,
};
use yoti_types::idv::spec::IdentityProfileScheme;
use yoti_types::idv::{
    CheckType, MediaContainer, MediaType, RecommendationValue, ResponseConfig, TaskType,
};

use super::lifecycle::{extracted_fields, seed_of};
use super::model::{DocKind, Session, new_id, ts};
use crate::images;

/// What a completed profile session shows in its result.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Profiles {
    pub(super) identity: Option<IdentityProfile>,
    pub(super) advanced: Option<IdentityProfile>,
    pub(super) preview: Option<MediaContainer>,
    pub(super) advanced_preview: Option<MediaContainer>,
    pub(super) import_token: Option<ImportToken>,
}

/// The checks whose configured `REJECT` report fails a profile, with the document it names.
fn rejections(
    config: Option<&ResponseConfig>,
    document: (&str, &str),
) -> Vec<RequirementNotMetDetail> {
    let Some(reports) = config.and_then(|c| c.check_reports.as_ref()) else {
        return Vec::new();
    };
    [
        CheckType::IdDocumentAuthenticity,
        CheckType::IdDocumentFaceMatch,
        CheckType::IdDocumentTextDataCheck,
        CheckType::Liveness,
        CheckType::IdDocumentComparison,
        CheckType::SupplementaryDocumentTextDataCheck,
    ]
    .into_iter()
    .filter_map(|kind| {
        let entries = reports.for_kind(&kind);
        let rejected = entries.iter().find(|e| {
            e.result
                .report
                .recommendation
                .as_ref()
                .and_then(|r| r.value.as_ref())
                == Some(&RecommendationValue::Reject)
        })?;
        let reason = rejected
            .result
            .report
            .recommendation
            .as_ref()
            .and_then(|r| r.reason.clone());
        Some({
            let mut model = RequirementNotMetDetail::default();
            model.failure_type = Some(kind.as_str().to_owned());
            model.document_type = Some(document.0.to_owned());
            model.document_country_iso_code = Some(document.1.to_owned());
            model.audit_id = Some(new_id());
            model.details = reason;
            model
        })
    })
    .collect()
}

fn compliance(scheme: &IdentityProfileScheme, met: bool) -> SchemeCompliance {
    let mut model = SchemeCompliance::default();
    model.scheme = Some(scheme.clone());
    model.requirements_met = Some(met);
    model.requirements_not_met_info =
        (!met).then(|| "A mandatory document could not be provided.".to_owned());
    model
}

/// Builds the profiles of a session that just completed, storing their media.
pub(super) fn complete(
    session: &mut Session,
    config: Option<&ResponseConfig>,
    now: OffsetDateTime,
) {
    let simple = session.spec.identity_profile_requirements.clone();
    let advanced = session.spec.advanced_identity_profile_requirements.clone();
    if simple.is_none() && advanced.is_none() {
        return;
    }
    let documents: Vec<(String, String)> = session
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::Id)
        .map(|d| (d.document_type.clone(), d.issuing_country.clone()))
        .collect();
    let first = documents
        .first()
        .cloned()
        .unwrap_or_else(|| ("PASSPORT".to_owned(), "GBR".to_owned()));
    let not_met = rejections(config, (&first.0, &first.1));
    let met = not_met.is_empty();
    let fields = extracted_fields(
        config,
        &TaskType::IdDocumentTextDataExtraction,
        &first.0,
        &first.1,
    );
    let subject_id = session
        .spec
        .subject
        .as_ref()
        .and_then(|s| s.subject_id.clone());

    let mut report = IdentityProfileReport::default();
    let mut frameworks = Vec::new();
    if let Some(simple) = &simple {
        report.trust_framework = simple.trust_framework.clone();
        report.schemes_compliance = simple.scheme.iter().map(|s| compliance(s, met)).collect();
        frameworks.push(json!({
            "trust_framework": simple.trust_framework,
            "schemes_compliance": report.schemes_compliance,
        }));
    }
    if let Some(advanced) = &advanced {
        report.compliance = advanced
            .profiles
            .iter()
            .map(|p| {
                let mut model = TrustFrameworkCompliance::default();
                model.trust_framework = p.trust_framework.clone();
                model.schemes_compliance = p.schemes.iter().map(|s| compliance(s, met)).collect();
                model
            })
            .collect();
        frameworks.extend(report.compliance.iter().map(|c| json!(c)));
    }
    let evidence: Vec<Value> = if documents.is_empty() {
        vec![first.clone()]
    } else {
        documents
    }
    .into_iter()
    .map(|(kind, country)| {
        json!({"type": "ID_DOCUMENT", "document_type": kind, "issuing_country": country})
    })
    .collect();
    let content = json!({
        "identity_assertion": {
            "current_name": {
                "given_names": fields.get("given_names"),
                "family_name": fields.get("family_name"),
                "full_name": fields.get("full_name"),
            },
            "date_of_birth": fields.get("date_of_birth"),
        },
        "verification_report": {
            "report_id": new_id(),
            "timestamp": ts(now),
            "subject_id": subject_id,
            "compliance": frameworks,
            "evidence": {"documents": evidence},
        },
        "authentication_report": {"report_id": new_id(), "timestamp": ts(now)},
        "proof": "emulator-unsigned",
    });
    let bytes = serde_json::to_vec(&content).unwrap_or_default();
    let media = session.add_media(MediaType::Json, "application/json", bytes, now);
    report.media = Some(session.media_json(&media));

    let profile = {
        let mut model = IdentityProfile::default();
        model.subject_id = subject_id;
        model.result = Some(if met {
            IdentityProfileResult::Done
        } else {
            IdentityProfileResult::Failed
        });
        model.failure_reason = (!met).then(|| {
            let mut model = IdentityProfileFailure::default();
            model.reason_code = Some("MANDATORY_DOCUMENT_COULD_NOT_BE_PROVIDED".to_owned());
            model.requirements_not_met_details = not_met;
            model
        });
        model.identity_profile_report = Some(report);
        model
    };
    let preview = (session.spec.create_identity_profile_preview == Some(true)).then(|| {
        let jpeg = images::jpeg(320, 240, seed_of(&session.id) ^ 0x9e);
        let id = session.add_media(MediaType::Image, "image/jpeg", jpeg, now);
        MediaContainer::new(session.media_json(&id))
    });
    let import_token = session.spec.import_token.clone().map(|config| {
        let body = json!({"token": new_id(), "ttl": config.ttl});
        let id = session.add_media(
            MediaType::Json,
            "application/json",
            serde_json::to_vec(&body).unwrap_or_default(),
            now,
        );
        {
            let mut model = ImportToken::default();
            model.media = Some(session.media_json(&id));
            model
        }
    });
    let is_advanced = advanced.is_some();
    session.profiles = Profiles {
        identity: (!is_advanced).then(|| profile.clone()),
        advanced: is_advanced.then_some(profile),
        preview: if is_advanced { None } else { preview.clone() },
        advanced_preview: if is_advanced { preview } else { None },
        import_token,
    };
}
