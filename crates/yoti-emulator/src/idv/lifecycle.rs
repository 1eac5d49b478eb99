//! The session lifecycle: trigger, tasks, checks, completion and expiry.
//!
//! ```text
//! ONGOING ──(client session token TTL or deadline passes)──▶ EXPIRED
//!    │                                                       (token refused with 409)
//!    └─(POST /sessions/{id}/checks/trigger, every required resource complete)
//!         token deleted; tasks run (DONE); checks CREATED ─▶ PENDING
//!         └─(async_report_delay seconds later)─▶ checks DONE with reports ─▶ COMPLETED
//! ```
//!
//! State is computed lazily from timestamps of the virtual clock: every request touching a
//! session first [`settle`]s it, and a timer task per pending event (token expiry, report
//! delay) settles it on time so that notifications are not late. Reports follow the
//! session's response-config, else the application's, else APPROVE
//! ([`ResponseConfig::approve_all`]); a configuration with no entry matching a check falls
//! back to those defaults too.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use yoti_types::idv::devices::{DeviceEventType, DeviceInfo};
use yoti_types::idv::result::{TaskRecommendation, TaskRecommendationValue, TaskState};
use yoti_types::idv::sandbox::{SandboxCheck, SandboxDocumentFilter, SandboxTextExtraction};
use yoti_types::idv::spec::{ManualCheck, RequestedTask};
use yoti_types::idv::{
    CheckReport, CheckState, CheckType, LivenessType, MediaType, Recommendation, ResponseConfig,
    TaskType, WebhookTopic,
};

use super::model::{CheckRec, DocKind, Inner, Phase, Session, TokenState, after, new_id};
use super::notify::About;
use crate::error::ApiError;
use crate::images;
use crate::state::Shared;
use yoti_types::idv::IdvErrorCode;

/// The path of "trigger checks", relative to the IDV mount.
///
/// Ours, not Yoti's: Yoti does not publish the path of this client endpoint (WIRE-NOTES
/// section 3), so this project chose `POST /sessions/{id}/checks/trigger`. Keep it here only.
pub(crate) const TRIGGER_CHECKS_PATH: &str = "/sessions/{id}/checks/trigger";

/// Runs `f` with the state locked at the virtual `now`, after dropping sessions past their
/// `resources_ttl`; then delivers the notifications queued meanwhile.
pub(super) fn with_inner<R>(shared: &Shared, f: impl FnOnce(&mut Inner, OffsetDateTime) -> R) -> R {
    let now = shared.idv.clock.now();
    let (result, outbox) = {
        let mut inner = shared.idv.lock();
        inner.purge(now);
        let result = f(&mut inner, now);
        (result, inner.take_outboxes())
    };
    super::notify::dispatch(shared, outbox);
    result
}

/// The configuration that decides reports: the session's, else the application's.
fn effective<'a>(
    session: Option<&'a ResponseConfig>,
    app: Option<&'a ResponseConfig>,
) -> Option<&'a ResponseConfig> {
    session.or(app)
}

/// `async_report_delay`: inside `check_reports` (as the official SDKs send it) or at the top
/// level (as the reference writes it); 0 when absent.
fn report_delay(config: Option<&ResponseConfig>) -> u64 {
    let Some(config) = config else { return 0 };
    config
        .check_reports
        .as_ref()
        .and_then(|r| r.async_report_delay)
        .map(u64::from)
        .or_else(|| {
            config
                .extra
                .get("async_report_delay")
                .and_then(Value::as_u64)
        })
        .unwrap_or(0)
}

/// Brings a session up to `now`: expires its token, completes the checks whose report delay
/// has passed, completes the session when every check is done.
pub(super) fn settle(session: &mut Session, app: Option<&ResponseConfig>, now: OffsetDateTime) {
    match session.phase {
        Phase::Ongoing => {
            if session.token_state == TokenState::Active && now >= session.token_expires {
                session.token_state = TokenState::Expired;
                session.phase = Phase::Expired;
                session.emit(WebhookTopic::ClientSessionTokenDeleted, About::Session);
            }
        }
        Phase::Triggered => {
            let due: Vec<usize> = session
                .checks
                .iter()
                .enumerate()
                .filter(|(_, c)| c.state == CheckState::Pending && c.due.is_some_and(|d| d <= now))
                .map(|(i, _)| i)
                .collect();
            if !due.is_empty() {
                let config =
                    effective(session.response_config.as_ref().map(|c| &c.parsed), app).cloned();
                for index in due {
                    complete_check(session, index, config.as_ref(), now);
                }
            }
            if session.checks.iter().all(|c| c.state == CheckState::Done) {
                let config =
                    effective(session.response_config.as_ref().map(|c| &c.parsed), app).cloned();
                super::profile::complete(session, config.as_ref(), now);
                session.phase = Phase::Completed;
                session.emit(WebhookTopic::SessionCompletion, About::Session);
            }
        }
        Phase::Completed | Phase::Expired => {}
    }
}

/// `POST /sessions/{id}/checks/trigger` (client session token): refuses with 409
/// `RESOURCES_INCOMPLETE` (naming each incomplete requirement) while a required resource is
/// missing; otherwise deletes the client session token, runs the tasks and starts the checks.
pub(super) fn trigger(
    shared: &Shared,
    session_id: &str,
    token: Option<&str>,
    device: &DeviceInfo,
) -> Result<(), ApiError> {
    let due = with_inner(shared, |inner, now| {
        let handle = inner.client_session(session_id, token, now)?;
        let app = handle.app_config;
        let session = handle.session;
        let mut incomplete = ApiError::idv(
            StatusCode::CONFLICT,
            IdvErrorCode::ResourcesIncomplete.as_str(),
            "Checks cannot be triggered before every required resource is provided.",
        );
        for (i, requirement) in session.requirements.iter().enumerate() {
            if !session.requirement_complete(requirement) {
                incomplete = incomplete.field_error(
                    format!("capture.required_resources[{i}]"),
                    format!(
                        "the {} requirement {} has no complete resource",
                        requirement.kind.wire_type(),
                        requirement.id
                    ),
                );
            }
        }
        if !incomplete.errors.is_empty() {
            return Err(incomplete);
        }

        session.token_state = TokenState::Deleted;
        session.track(
            DeviceEventType::ClientSessionTokenDeleted,
            None,
            device,
            now,
        );
        session.emit(WebhookTopic::ClientSessionTokenDeleted, About::Session);

        let config = effective(session.response_config.as_ref().map(|c| &c.parsed), app).cloned();
        run_tasks(session, config.as_ref(), now);

        let delay = report_delay(config.as_ref());
        let due = after(now, delay);
        let used = resources_by_use(session);
        for check in &mut session.checks {
            if check.state == CheckState::Created {
                check.state = CheckState::Pending;
                check.updated = now;
                check.due = Some(due);
                check.resources_used = used.for_check(&check.kind);
            }
        }
        session.phase = Phase::Triggered;
        settle(session, app, now);
        Ok::<_, ApiError>((session.phase == Phase::Triggered).then_some(due))
    })?;
    if let Some(due) = due {
        wake_at(shared, session_id.to_owned(), due);
    }
    Ok(())
}

/// Resource ids by what checks use them.
struct Used {
    id_documents: Vec<String>,
    supplementary: Vec<String>,
    liveness: Vec<String>,
    face_captures: Vec<String>,
}

fn resources_by_use(session: &Session) -> Used {
    let docs = |kind| {
        session
            .documents
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.id.clone())
            .collect()
    };
    Used {
        id_documents: docs(DocKind::Id),
        supplementary: docs(DocKind::Supplementary),
        liveness: session.liveness.iter().map(|l| l.id.clone()).collect(),
        face_captures: session.face_captures.iter().map(|f| f.id.clone()).collect(),
    }
}

impl Used {
    fn for_check(&self, kind: &CheckType) -> Vec<String> {
        let join = |lists: &[&Vec<String>]| lists.iter().flat_map(|l| l.iter().cloned()).collect();
        match kind {
            CheckType::Liveness => self.liveness.clone(),
            CheckType::IdDocumentFaceMatch => join(&[&self.id_documents, &self.liveness]),
            CheckType::FaceComparison => {
                join(&[&self.face_captures, &self.liveness, &self.id_documents])
            }
            CheckType::SupplementaryDocumentTextDataCheck => self.supplementary.clone(),
            CheckType::ThirdPartyIdentity => join(&[&self.id_documents, &self.supplementary]),
            _ => self.id_documents.clone(),
        }
    }
}

/// Runs every task of every document: extracted fields (the client's, when it supplied them
/// through `text-extraction`; else the response-config's `task_results`; else sample
/// fields), a cut-out ID photo for ID documents, and a text data check when the task's
/// `manual_check` is `ALWAYS`.
fn run_tasks(session: &mut Session, config: Option<&ResponseConfig>, now: OffsetDateTime) {
    let defaults = ResponseConfig::approve_all();
    for d in 0..session.documents.len() {
        for t in 0..session.documents[d].tasks.len() {
            if session.documents[d].tasks[t].state == TaskState::Done {
                continue;
            }
            let (doc_kind, doc_type, country) = {
                let doc = &session.documents[d];
                (
                    doc.kind,
                    doc.document_type.clone(),
                    doc.issuing_country.clone(),
                )
            };
            let task_kind = session.documents[d].tasks[t].kind.clone();
            let entry = pick_extraction(config, &task_kind, &doc_type, &country)
                .or_else(|| pick_extraction(Some(&defaults), &task_kind, &doc_type, &country));
            let fields_media = match session.documents[d].document_fields.clone() {
                Some(supplied) => supplied,
                None => {
                    let fields = extracted_fields(config, &task_kind, &doc_type, &country);
                    let bytes = serde_json::to_vec(&Value::Object(fields)).unwrap_or_default();
                    let id = session.add_media(MediaType::Json, "application/json", bytes, now);
                    session.documents[d].document_fields = Some(id.clone());
                    id
                }
            };
            let mut generated = vec![fields_media];
            if doc_kind == DocKind::Id && session.documents[d].document_id_photo.is_none() {
                let seed = seed_of(&session.documents[d].id) ^ 0x1d;
                let photo = session.add_media(
                    MediaType::Image,
                    "image/jpeg",
                    images::jpeg(240, 320, seed),
                    now,
                );
                session.documents[d].document_id_photo = Some(photo.clone());
                generated.push(photo);
            }
            let check_kind = match doc_kind {
                DocKind::Id => CheckType::IdDocumentTextDataCheck,
                DocKind::Supplementary => CheckType::SupplementaryDocumentTextDataCheck,
            };
            let recommendation = entry.as_ref().and_then(|e| e.result.recommendation.clone());
            let wants_check = text_data_check_wanted(
                manual_check_of(&session.documents[d].tasks[t].spec),
                config,
                &check_kind,
                recommendation.as_ref(),
            );
            let mut generated_checks = Vec::new();
            if wants_check {
                let kind = check_kind;
                let check = CheckRec {
                    id: new_id(),
                    kind: kind.clone(),
                    state: CheckState::Created,
                    created: now,
                    updated: now,
                    resources_used: vec![session.documents[d].id.clone()],
                    report: None,
                    due: None,
                };
                generated_checks.push((check.id.clone(), kind));
                session.checks.push(check);
            }
            let task = &mut session.documents[d].tasks[t];
            task.state = TaskState::Done;
            task.updated = now;
            task.generated_media = generated;
            task.generated_checks = generated_checks;
            task.recommendation = recommendation;
            let task_id = task.id.clone();
            session.documents[d].updated = now;
            session.emit(WebhookTopic::TaskCompletion, About::Task(&task_id));
        }
    }
}

/// The `manual_check` of a text extraction task's configuration.
fn manual_check_of(task: &RequestedTask) -> Option<&ManualCheck> {
    match task {
        RequestedTask::IdDocumentTextDataExtraction { config: Some(c) } => c.manual_check.as_ref(),
        RequestedTask::SupplementaryDocumentTextDataExtraction { config: Some(c) } => {
            c.manual_check.as_ref()
        }
        _ => None,
    }
}

/// Whether a text extraction generates its text data check (`ID_DOCUMENT_TEXT_DATA_CHECK` or
/// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK`), listed in the task's `generated_checks` and in
/// the session's `checks`:
///
/// - `manual_check: ALWAYS`: always;
/// - `NEVER`: never;
/// - otherwise (`FALLBACK`, or absent): when the sandbox response-config (the session's or the
///   application's) configures a report for that check, or when the extraction's
///   recommendation is not `PROGRESS` (the fallback a manual check is for).
fn text_data_check_wanted(
    manual: Option<&ManualCheck>,
    config: Option<&ResponseConfig>,
    check: &CheckType,
    recommendation: Option<&TaskRecommendation>,
) -> bool {
    match manual {
        Some(ManualCheck::Always) => true,
        Some(ManualCheck::Never) => false,
        _ => {
            let configured = config
                .and_then(|c| c.check_reports.as_ref())
                .is_some_and(|r| !r.for_kind(check).is_empty());
            let fallback = recommendation
                .and_then(|r| r.value.as_ref())
                .is_some_and(|v| *v != TaskRecommendationValue::Progress);
            configured || fallback
        }
    }
}

/// The fields a text extraction of a document yields: those of the first matching task result
/// of the configuration, else of [`ResponseConfig::approve_all`] (sample fields).
pub(super) fn extracted_fields(
    config: Option<&ResponseConfig>,
    kind: &TaskType,
    doc_type: &str,
    country: &str,
) -> Map<String, Value> {
    pick_extraction(config, kind, doc_type, country)
        .and_then(|e| e.result.document_fields)
        .or_else(|| {
            pick_extraction(
                Some(&ResponseConfig::approve_all()),
                kind,
                doc_type,
                country,
            )
            .and_then(|e| e.result.document_fields)
        })
        .unwrap_or_default()
}

/// The configuration that decides a session's reports and task results (cloned).
pub(super) fn effective_config(
    session: &Session,
    app: Option<&ResponseConfig>,
) -> Option<ResponseConfig> {
    effective(session.response_config.as_ref().map(|c| &c.parsed), app).cloned()
}

/// The first task result configured for a task kind that matches the document.
fn pick_extraction(
    config: Option<&ResponseConfig>,
    kind: &TaskType,
    doc_type: &str,
    country: &str,
) -> Option<SandboxTextExtraction> {
    let results = config?.task_results.as_ref()?;
    let entries = results.for_kind(kind);
    entries
        .iter()
        .find(|e| filter_matches(e.document_filter.as_ref(), Some(doc_type), Some(country)))
        .cloned()
}

fn filter_matches(
    filter: Option<&SandboxDocumentFilter>,
    doc_type: Option<&str>,
    country: Option<&str>,
) -> bool {
    filter.is_none_or(|f| f.matches(doc_type, country))
}

/// What a check looked at, for choosing its configured report.
struct Subject {
    document: Option<(String, String)>,
    second_document: Option<(String, String)>,
    liveness: Option<LivenessType>,
}

fn subject_of(session: &Session, check: &CheckRec) -> Subject {
    let docs: Vec<(String, String)> = check
        .resources_used
        .iter()
        .filter_map(|id| session.documents.iter().find(|d| &d.id == id))
        .map(|d| (d.document_type.clone(), d.issuing_country.clone()))
        .collect();
    let liveness = check
        .resources_used
        .iter()
        .find_map(|id| session.liveness.iter().find(|l| &l.id == id))
        .map(|l| l.kind.clone());
    Subject {
        document: docs.first().cloned(),
        second_document: docs.get(1).cloned(),
        liveness,
    }
}

/// The first configured entry of the check's kind whose filters match what it looked at.
fn pick_report(
    config: Option<&ResponseConfig>,
    kind: &CheckType,
    subject: &Subject,
) -> Option<SandboxCheck> {
    let reports = config?.check_reports.as_ref()?;
    let entries = reports.for_kind(kind);
    let doc = |d: &Option<(String, String)>| {
        (
            d.as_ref().map(|(t, _)| t.clone()),
            d.as_ref().map(|(_, c)| c.clone()),
        )
    };
    let (t1, c1) = doc(&subject.document);
    let (t2, c2) = doc(&subject.second_document);
    entries
        .iter()
        .find(|e| {
            filter_matches(e.document_filter.as_ref(), t1.as_deref(), c1.as_deref())
                && filter_matches(
                    e.secondary_document_filter.as_ref(),
                    t2.as_deref(),
                    c2.as_deref(),
                )
                && e.liveness_type
                    .as_ref()
                    .is_none_or(|t| subject.liveness.as_ref() == Some(t))
        })
        .cloned()
}

/// PENDING -> DONE with the configured report; a text data check's configured
/// `document_fields` replace the extracted fields of its documents.
fn complete_check(
    session: &mut Session,
    index: usize,
    config: Option<&ResponseConfig>,
    now: OffsetDateTime,
) {
    let kind = session.checks[index].kind.clone();
    let subject = subject_of(session, &session.checks[index]);
    let entry = pick_report(config, &kind, &subject)
        .or_else(|| pick_report(Some(&ResponseConfig::approve_all()), &kind, &subject));
    let (report, fields) = match entry {
        Some(entry) => (entry.result.report, entry.result.document_fields),
        None => (CheckReport::new(Recommendation::approve()), None),
    };
    if let Some(fields) = fields.filter(|_| {
        matches!(
            kind,
            CheckType::IdDocumentTextDataCheck | CheckType::SupplementaryDocumentTextDataCheck
        )
    }) {
        let bytes = serde_json::to_vec(&Value::Object(fields)).unwrap_or_default();
        let used = session.checks[index].resources_used.clone();
        for doc in session.documents.iter().filter(|d| used.contains(&d.id)) {
            if let Some(media) = doc
                .document_fields
                .as_ref()
                .and_then(|m| session.media.get_mut(m))
            {
                media.bytes = bytes.clone().into();
            }
        }
    }
    let check = &mut session.checks[index];
    check.state = CheckState::Done;
    check.updated = now;
    check.due = None;
    check.report = Some(report);
    let id = check.id.clone();
    session.emit(WebhookTopic::CheckCompletion, About::Check(&id));
}

/// A stable seed for generated images of a resource.
pub(super) fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Settles a session at `at` (virtual time), waking early when the clock is advanced. The
/// task holds the state weakly: it ends quietly when the emulator is gone.
pub(super) fn wake_at(shared: &Shared, session_id: String, at: OffsetDateTime) {
    let weak = Arc::downgrade(shared);
    let mut moved = shared.idv.clock.subscribe();
    tokio::spawn(async move {
        loop {
            let Some(shared) = weak.upgrade() else { return };
            let now = shared.idv.clock.now();
            if now >= at {
                with_inner(&shared, |inner, now| {
                    // Settling is all that is needed; a session deleted meanwhile is fine.
                    let _ = inner.session(&session_id, None, now);
                });
                return;
            }
            let wait = (at - now).unsigned_abs();
            drop(shared);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                changed = moved.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use yoti_types::idv::sandbox::CheckReports;

    #[test]
    fn the_delay_is_read_inside_check_reports_or_at_the_top_level() {
        assert_eq!(report_delay(None), 0);
        let inside = ResponseConfig::approve_all().async_report_delay(7);
        assert_eq!(report_delay(Some(&inside)), 7);
        let top: ResponseConfig =
            serde_json::from_str(r#"{"check_reports": {}, "async_report_delay": 3}"#).unwrap();
        assert_eq!(report_delay(Some(&top)), 3);
        let none = ResponseConfig {
            check_reports: Some(CheckReports::default()),
            ..ResponseConfig::default()
        };
        assert_eq!(report_delay(Some(&none)), 0);
    }

    #[test]
    fn reports_follow_filters_then_fall_back_to_approve() {
        let config = ResponseConfig::new()
            .document_authenticity(
                SandboxCheck::reject("NOT_GENUINE", "RECOVERY_NOT_POSSIBLE").document_filter(
                    SandboxDocumentFilter::new(["DRIVING_LICENCE"], Vec::<String>::new()),
                ),
            )
            .liveness(LivenessType::Static, SandboxCheck::reject("X", "Y"));
        let passport = Subject {
            document: Some(("PASSPORT".into(), "GBR".into())),
            second_document: None,
            liveness: None,
        };
        let licence = Subject {
            document: Some(("DRIVING_LICENCE".into(), "GBR".into())),
            ..passport
        };
        assert!(pick_report(Some(&config), &CheckType::IdDocumentAuthenticity, &licence).is_some());
        let passport = Subject {
            document: Some(("PASSPORT".into(), "GBR".into())),
            second_document: None,
            liveness: Some(LivenessType::Zoom),
        };
        assert!(
            pick_report(Some(&config), &CheckType::IdDocumentAuthenticity, &passport).is_none()
        );
        assert!(pick_report(Some(&config), &CheckType::Liveness, &passport).is_none());
        let defaults = ResponseConfig::approve_all();
        let approve = pick_report(Some(&defaults), &CheckType::Liveness, &passport).unwrap();
        assert_eq!(
            approve.result.report.recommendation.unwrap().value,
            Some(yoti_types::idv::RecommendationValue::Approve)
        );
    }
}
