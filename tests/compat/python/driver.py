"""Drives Yoti's official Python SDKs (yoti 2.14.6, yoti-sandbox 1.3.0) against the yoti-rs
emulator binary, method by method, and prints one JSON report on stdout:
  {"sdk": "python", "steps": {NAME: {"ok": true, ...} | {"ok": false, "error": ...}},
   "lacks": [...]}
Run by tests/tests/compat_sdks.rs with EMULATOR_URL, SDK_ID, KEY_PATH, WRONG_KEY_PATH,
JPEG_PATH and EXPORT_DIR.
"""

import datetime
import json
import os
import sys
import time
import traceback
import urllib.request

from yoti_python_sdk.doc_scan import (
    DocScanClient,
    NotificationConfigBuilder,
    RequestedDocumentAuthenticityCheckBuilder,
    RequestedFaceMatchCheckBuilder,
    RequestedIDDocumentComparisonCheckBuilder,
    RequestedLivenessCheckBuilder,
    RequestedSupplementaryDocTextExtractionTaskBuilder,
    RequestedTextExtractionTaskBuilder,
    SdkConfigBuilder,
    SessionSpecBuilder,
)
from yoti_python_sdk.doc_scan.exception import DocScanException
from yoti_python_sdk.utils import YotiEncoder
from yoti_python_sdk.doc_scan.session.create.check.watchlist_screen import (
    WatchlistScreeningCheckBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter.document_restrictions_filter import (
    DocumentRestrictionBuilder,
    DocumentRestrictionsFilterBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter.orthogonal_restrictions_filter import (
    OrthogonalRestrictionsFilterBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter.required_id_document import (
    RequiredIdDocumentBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter.required_supplementary_document import (
    RequiredSupplementaryDocumentBuilder,
)
from yoti_python_sdk.doc_scan.session.create.objective.proof_of_address_objective import (
    ProofOfAddressObjectiveBuilder,
)
from yoti_python_sandbox.doc_scan.check.report.breakdown import SandboxBreakdownBuilder
from yoti_python_sandbox.doc_scan.check.report.recommendation import (
    SandboxRecommendationBuilder,
)
from yoti_python_sandbox.doc_scan.check.sandbox_document_authenticity_check import (
    SandboxDocumentAuthenticityCheckBuilder,
)
from yoti_python_sandbox.doc_scan.check.sandbox_document_face_match_check import (
    SandboxDocumentFaceMatchCheckBuilder,
)
from yoti_python_sandbox.doc_scan.check.sandbox_document_text_data_check import (
    SandboxDocumentTextDataCheckBuilder,
)
from yoti_python_sandbox.doc_scan.check.sandbox_id_document_comparison_check import (
    SandboxIdDocumentComparisonCheckBuilder,
)
from yoti_python_sandbox.doc_scan.check.sandbox_supplementary_document_text_data_check import (
    SandboxSupplementaryDocumentTextDataCheckBuilder,
)
from yoti_python_sandbox.doc_scan.check.sandbox_zoom_liveness_check import (
    SandboxZoomLivenessCheckBuilder,
)
from yoti_python_sandbox.doc_scan.check_reports import SandboxCheckReportsBuilder
from yoti_python_sandbox.doc_scan.client import DocScanSandboxClient
from yoti_python_sandbox.doc_scan.document_filter import SandboxDocumentFilterBuilder
from yoti_python_sandbox.doc_scan.response_config import ResponseConfigBuilder
from yoti_python_sandbox.doc_scan.task.sandbox_supplementary_document_text_extraction_task import (
    SandboxSupplementaryDocumentTextDataExtractionTaskBuilder,
)
from yoti_python_sandbox.doc_scan.task.sandbox_text_extraction_reason import (
    SandboxTextDataExtractionReasonBuilder,
)
from yoti_python_sandbox.doc_scan.task.sandbox_text_extraction_recommendation import (
    SandboxTextDataExtractionRecommendationBuilder,
)
from yoti_python_sandbox.doc_scan.task.sandbox_text_extraction_task import (
    SandboxDocumentTextDataExtractionTaskBuilder,
)
from yoti_python_sandbox.doc_scan.task_results import SandboxTaskResultsBuilder

BASE = os.environ["EMULATOR_URL"]
SDK_ID = os.environ["SDK_ID"]
KEY_PATH = os.environ["KEY_PATH"]
WRONG_KEY_PATH = os.environ["WRONG_KEY_PATH"]
EXPORT_DIR = os.environ["EXPORT_DIR"]
with open(os.environ["JPEG_PATH"], "rb") as f:
    JPEG = f.read()

STEPS = {}
# Public IDV methods the Python SDK (2.14.6 / sandbox 1.3.0) does not have.
LACKS = [
    "DocScanClient.get_session_configuration (GET /sessions/{id}/configuration)",
    "DocScanClient face capture: create resource and upload image",
    "DocScanClient tracked devices: get and delete",
    "DocScanClient.get_supported_documents(include_non_latin) (no non-Latin switch)",
    "SessionSpecBuilder: identity_profile_requirements, advanced_identity_profile_requirements,"
    " subject, identity_profile_preview, import_token",
    "GetSessionResult: identity_profile, advanced_identity_profile, third-party identity,"
    " watchlist and face comparison check getters",
    "Requested checks: FACE_COMPARISON, THIRD_PARTY_IDENTITY, WATCHLIST_ADVANCED_CA builders",
    "Sandbox: third-party identity check report builder",
    "SdkConfigBuilder: biometric consent flow and attempts configuration",
]


def step(name, fn):
    try:
        facts = fn() or {}
        STEPS[name] = dict(ok=True, **facts)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        status = getattr(e, "status_code", None)
        STEPS[name] = {"ok": False, "error": traceback.format_exc(), "status": status}
    return STEPS[name]


def must(cond, what):
    if not cond:
        raise AssertionError("expected: " + what)


def export(name, obj):
    with open(os.path.join(EXPORT_DIR, "python-" + name), "w") as f:
        # As the SDK serializes what it sends.
        f.write(json.dumps(obj, indent=2, cls=YotiEncoder))


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        BASE + "/__emulator" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as res:
        text = res.read()
    return json.loads(text) if text else None


def status_of(fn):
    try:
        fn()
    except DocScanException as e:
        return e.status_code
    return None


def full_spec():
    sdk_config = (
        SdkConfigBuilder()
        .with_allows_camera_and_upload()
        .with_primary_colour("#2d9fff")
        .with_secondary_colour("#ffffff")
        .with_font_colour("#ffffff")
        .with_locale("en-GB")
        .with_preset_issuing_country("GBR")
        .with_success_url("https://example.com/success")
        .with_error_url("https://example.com/error")
        .with_privacy_policy_url("https://example.com/privacy")
        .with_allow_handoff(True)
        .with_brand_id("brand-1")
        .build()
    )
    notifications = (
        NotificationConfigBuilder()
        .with_endpoint("https://example.com/hook")
        .with_auth_token("token-for-hook")
        .with_bearer_auth_type()
        .with_topic("RESOURCE_UPDATE")
        .with_topic("TASK_COMPLETION")
        .with_topic("CHECK_COMPLETION")
        .with_topic("SESSION_COMPLETION")
        .build()
    )
    orthogonal = (
        OrthogonalRestrictionsFilterBuilder()
        .with_whitelisted_country_codes(["GBR", "FRA"])
        .with_blacklisted_document_types(["NATIONAL_ID"])
        .allow_non_latin_documents()
        .build()
    )
    restrictions = (
        DocumentRestrictionsFilterBuilder()
        .for_whitelist()
        .with_document_restriction(
            DocumentRestrictionBuilder()
            .with_document_types(["PASSPORT", "DRIVING_LICENCE"])
            .with_country_codes(["GBR"])
            .build()
        )
        .build()
    )
    return (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_resources_ttl(90000)
        .with_user_tracking_id("python-compat")
        .with_block_biometric_consent(False)
        .with_notifications(notifications)
        .with_sdk_config(sdk_config)
        .with_requested_check(
            RequestedDocumentAuthenticityCheckBuilder().with_manual_check_never().build()
        )
        .with_requested_check(RequestedIDDocumentComparisonCheckBuilder().build())
        .with_requested_check(
            RequestedFaceMatchCheckBuilder().with_manual_check_fallback().build()
        )
        .with_requested_check(
            RequestedLivenessCheckBuilder().with_liveness_type("ZOOM").with_max_retries(3).build()
        )
        .with_requested_check(
            WatchlistScreeningCheckBuilder()
            .with_categories(["ADVERSE-MEDIA", "SANCTIONS"])
            .build()
        )
        .with_requested_task(
            RequestedTextExtractionTaskBuilder()
            .with_manual_check_fallback()
            .with_chip_data_desired()
            .build()
        )
        .with_requested_task(
            RequestedSupplementaryDocTextExtractionTaskBuilder().with_manual_check_always().build()
        )
        .with_required_document(RequiredIdDocumentBuilder().with_filter(orthogonal).build())
        .with_required_document(RequiredIdDocumentBuilder().with_filter(restrictions).build())
        .with_required_document(
            RequiredSupplementaryDocumentBuilder()
            .with_document_types(["UTILITY_BILL"])
            .with_country_codes(["GBR"])
            .with_objective(ProofOfAddressObjectiveBuilder().build())
            .build()
        )
        .build()
    )


def response_config():
    def approve():
        return SandboxRecommendationBuilder().with_value("APPROVE").build()

    breakdown = (
        SandboxBreakdownBuilder().with_sub_check("security_features").with_result("PASS").build()
    )
    checks = (
        SandboxCheckReportsBuilder()
        .with_document_authenticity_check(
            SandboxDocumentAuthenticityCheckBuilder()
            .with_recommendation(approve())
            .with_breakdown(breakdown)
            .with_document_filter(
                SandboxDocumentFilterBuilder()
                .with_document_type("PASSPORT")
                .with_country_code("GBR")
                .build()
            )
            .build()
        )
        .with_document_text_data_check(
            SandboxDocumentTextDataCheckBuilder()
            .with_recommendation(approve())
            .with_breakdowns([])
            .with_document_fields({"full_name": "Python Compat", "date_of_birth": "1980-01-02"})
            .build()
        )
        .with_supplementary_document_text_data_check(
            SandboxSupplementaryDocumentTextDataCheckBuilder()
            .with_recommendation(approve())
            .with_breakdowns([])
            .with_document_field("full_name", "Python Compat")
            .build()
        )
        .with_liveness_check(
            SandboxZoomLivenessCheckBuilder()
            .with_recommendation(approve())
            .with_breakdowns([])
            .build()
        )
        .with_document_face_match_check(
            SandboxDocumentFaceMatchCheckBuilder()
            .with_recommendation(approve())
            .with_breakdowns([])
            .build()
        )
        .with_id_document_comparison_check(
            SandboxIdDocumentComparisonCheckBuilder()
            .with_recommendation(approve())
            .with_breakdowns([])
            .build()
        )
        .with_async_report_delay(1)
        .build()
    )
    reason = SandboxTextDataExtractionReasonBuilder().for_quality().with_detail("blur").build()
    tasks = (
        SandboxTaskResultsBuilder()
        .with_text_extraction_task(
            SandboxDocumentTextDataExtractionTaskBuilder()
            .with_document_field("full_name", "Python Compat")
            .with_document_fields({"nationality": "GBR"})
            .with_document_id_photo("image/jpeg", JPEG)
            .with_detected_country("GBR")
            .with_recommendation(SandboxTextDataExtractionRecommendationBuilder().for_progress().build())
            .build()
        )
        .with_supplementary_document_text_extraction_task(
            SandboxSupplementaryDocumentTextDataExtractionTaskBuilder()
            .with_document_field("address", "1 Street")
            .with_detected_country("GBR")
            .with_recommendation(
                SandboxTextDataExtractionRecommendationBuilder()
                .for_should_try_again()
                .with_reason(reason)
                .build()
            )
            .build()
        )
        .build()
    )
    return ResponseConfigBuilder().with_check_reports(checks).with_task_results(tasks).build()


def wait_completed(client, session_id):
    for _ in range(100):
        s = client.get_session(session_id)
        if s.state == "COMPLETED":
            return s
        time.sleep(0.2)
    raise AssertionError("session never COMPLETED")


def main():
    client = DocScanClient(SDK_ID, KEY_PATH, BASE + "/idverify/v1")
    sandbox = DocScanSandboxClient(SDK_ID, KEY_PATH, BASE + "/sandbox/idverify/v1")
    ctx = {}

    def supported():
        docs = client.get_supported_documents()
        count = sum(len(c.supported_documents) for c in docs.supported_countries)
        must(count > 0, "documents")
        return {"latin": count}

    step("get_supported_documents", supported)

    def app_config():
        config = response_config()
        export("builder-response-config.json", config)
        sandbox.configure_application_response(config)

    step("configure_application_response", app_config)

    def create():
        spec = full_spec()
        export("builder-session-spec.json", spec)
        created = client.create_session(spec)
        must(created.client_session_token, "a client session token")
        must(created.client_session_token_ttl > 0, "a TTL")
        ctx["id"] = created.session_id
        return {"session_id": created.session_id}

    step("create_session", create)

    step(
        "configure_session_response",
        lambda: sandbox.configure_session_response(ctx["id"], response_config()),
    )
    step(
        "simulate-user (emulator admin)",
        lambda: admin("POST", "/sessions/%s/simulate-user" % ctx["id"], {}) and None,
    )

    def get_session():
        s = wait_completed(client, ctx["id"])
        ctx["result"] = s
        r = s.resources
        counts = {
            "checks": len(s.checks),
            "authenticity_checks": len(s.authenticity_checks),
            "face_match_checks": len(s.face_match_checks),
            "text_data_checks": len(s.text_data_checks),
            "id_document_text_data_checks": len(s.id_document_text_data_checks),
            "supplementary_document_text_data_checks": len(
                s.supplementary_document_text_data_checks
            ),
            "liveness_checks": len(s.liveness_checks),
            "id_document_comparison_checks": len(s.id_document_comparison_checks),
            "id_documents": len(r.id_documents),
            "supplementary_documents": len(r.supplementary_documents),
            "liveness_capture": len(r.liveness_capture),
            "zoom_liveness_resources": len(r.zoom_liveness_resources),
        }
        empty = [k for k, n in counts.items() if n == 0]
        must(not empty, "non-empty getters, empty: " + ", ".join(empty))
        must(s.user_tracking_id == "python-compat", "user_tracking_id")
        must(s.biometric_consent_timestamp is not None, "biometric consent timestamp")
        task = r.id_documents[0].text_extraction_tasks[0]
        must(len(task.generated_text_data_checks) == 1, "a generated text data check")
        return {"counts": counts}

    step("get_session", get_session)

    def media():
        media_id = ctx["result"].resources.id_documents[0].document_fields.media.id
        ctx["media"] = media_id
        value = client.get_media_content(ctx["id"], media_id)
        must(value.mime_type == "application/json", "JSON media")
        must(json.loads(value.content), "document fields")
        return {"mime": value.mime_type}

    step("get_media_content", media)

    def delete_media():
        client.delete_media_content(ctx["id"], ctx["media"])
        status = status_of(lambda: client.get_media_content(ctx["id"], ctx["media"]))
        must(status == 404, "404 after delete, got %s" % status)

    step("delete_media_content", delete_media)
    step("delete_session", lambda: client.delete_session(ctx["id"]))

    def gone():
        status = status_of(lambda: client.get_session(ctx["id"]))
        must(status == 404, "404, got %s" % status)

    step("get_session after delete is 404", gone)

    def variants():
        sdk_config = (
            SdkConfigBuilder()
            .with_allows_camera()
            .with_allowed_capture_methods("CAMERA")
            .with_suppressed_screens(["ID_DOCUMENT_EDUCATION"])
            .with_suppressed_screen("FACE_CAPTURE_EDUCATION")
            .build()
        )
        notifications = (
            NotificationConfigBuilder()
            .with_endpoint("https://example.com/hook")
            .with_auth_token("u:p")
            .with_basic_auth_type()
            .with_topic("CLIENT_SESSION_TOKEN_DELETED")
            .build()
        )
        blacklist = (
            DocumentRestrictionsFilterBuilder()
            .for_blacklist()
            .with_document_restriction(
                DocumentRestrictionBuilder().with_document_types(["NATIONAL_ID"]).build()
            )
            .build()
        )
        orthogonal = (
            OrthogonalRestrictionsFilterBuilder()
            .with_blacklisted_country_codes(["FRA"])
            .with_whitelisted_document_types(["PASSPORT", "DRIVING_LICENCE"])
            .disable_non_latin_documents()
            .build()
        )
        deadline = (
            datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        ).strftime("%Y-%m-%dT%H:%M:%SZ")  # the SDK sends the string as given
        spec = (
            SessionSpecBuilder()
            .with_session_deadline(deadline)
            .with_block_biometric_consent(True)
            .with_sdk_config(sdk_config)
            .with_notifications(notifications)
            .with_requested_check(
                RequestedDocumentAuthenticityCheckBuilder().with_manual_check_always().build()
            )
            .with_requested_check(RequestedFaceMatchCheckBuilder().with_manual_check_never().build())
            .with_requested_check(
                RequestedLivenessCheckBuilder().with_liveness_type("STATIC").build()
            )
            .with_requested_check(
                WatchlistScreeningCheckBuilder()
                .with_categories(["SANCTIONS"])
                .with_manual_check("NEVER")
                .build()
            )
            .with_requested_task(
                RequestedTextExtractionTaskBuilder()
                .with_manual_check_never()
                .with_chip_data_ignore()
                .build()
            )
            .with_requested_task(
                RequestedSupplementaryDocTextExtractionTaskBuilder()
                .with_manual_check_fallback()
                .build()
            )
            .with_required_document(RequiredIdDocumentBuilder().with_filter(blacklist).build())
            .with_required_document(RequiredIdDocumentBuilder().with_filter(orthogonal).build())
            .with_required_document(
                RequiredSupplementaryDocumentBuilder()
                .with_objective(ProofOfAddressObjectiveBuilder().build())
                .build()
            )
            .build()
        )
        export("builder-session-spec-variants.json", spec)
        created = client.create_session(spec)
        client.delete_session(created.session_id)
        return {"session_id": created.session_id}

    step("create_session (builder variants)", variants)

    def wrong_key():
        wrong = DocScanClient(SDK_ID, WRONG_KEY_PATH, BASE + "/idverify/v1")
        status = status_of(wrong.get_supported_documents)
        must(status == 401, "DocScanClient 401, got %s" % status)
        wrong_sandbox = DocScanSandboxClient(SDK_ID, WRONG_KEY_PATH, BASE + "/sandbox/idverify/v1")
        try:
            wrong_sandbox.configure_application_response(response_config())
            sandbox_status = None
        except Exception as e:  # noqa: BLE001 - the sandbox raises its own exception type
            sandbox_status = getattr(e, "status_code", None) or getattr(
                getattr(e, "response", None), "status_code", None
            )
        must(sandbox_status == 401, "sandbox 401, got %s" % sandbox_status)

    step("wrong key is 401", wrong_key)

    print(json.dumps({"sdk": "python", "steps": STEPS, "lacks": LACKS}))


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        print(json.dumps({"sdk": "python", "steps": STEPS, "lacks": LACKS,
                          "fatal": traceback.format_exc()}))
        sys.exit(1)
