//! `GET /__emulator/ui`: the dashboard. One server-rendered page (no script): applications
//! and their keys' fingerprints, Age forced outcomes and Proof of Age counts; IDV sessions
//! with their state, checks, resources, media thumbnails, reports and a link to the hosted
//! journey; the request journal with failed signatures' diagnoses; webhook deliveries; the
//! virtual clock, the injected faults, reset and state export (plain HTML forms and links). Everything shown is escaped:
//! session data is user input.

use std::time::Duration;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::layout::{Shell, document};
use crate::faults::FaultConfig;
use crate::idv::journey::{SessionOverview, advance_clock, clock, media_image, sessions_overview};
use crate::journal::JournalEntry;
use crate::state::Shared;

/// The dashboard's own path.
pub(super) const UI: &str = "/__emulator/ui";

/// `GET /__emulator/ui`.
pub(super) async fn page(State(shared): State<Shared>) -> Response {
    let markup = render(&shared);
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response()
}

fn render(shared: &Shared) -> Markup {
    let stats = shared.stats.snapshot();
    let sessions = sessions_overview(shared);
    let requests = shared.journal.list();
    let deliveries = shared.webhooks.log();
    let (now, offset) = clock(shared);
    let mut apps = shared.all_apps();
    apps.sort_by(|a, b| a.0.cmp(&b.0));
    let faults = shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .config
        .clone();
    let poa = serde_json::to_value(shared.poa.stats(&shared.webhooks)).unwrap_or_default();
    let shell = Shell {
        title: "yoti-emulator dashboard",
        lang: "en",
        stylesheet: "/__emulator/ui/assets/style.css",
        theme: String::new(),
        product: "Emulator dashboard",
    };
    document(
        &shell,
        html! {
            div.dash {
                nav {
                    a.current href="#overview" { "Overview" }
                    a href="#apps" { "Applications" }
                    a href="#sessions" { "IDV sessions (" (sessions.len()) ")" }
                    a href="#requests" { "Requests (" (requests.len()) ")" }
                    a href="#notifications" { "Notifications (" (deliveries.len()) ")" }
                    a href="#settings" { "Clock and faults" }
                }
                main {
                    section #overview {
                        h1 { "Dashboard" }
                        p.lead { "Everything the emulator holds right now. Reload to refresh." }
                        div.stats {
                            div.stat { b { (stats.requests) } span { "requests" } }
                            div.stat { b { (stats.verified) } span { "signatures verified" } }
                            div.stat { b { (stats.rejected) } span { "refused (401)" } }
                            div.stat { b { (stats.faults) } span { "faults injected" } }
                            div.stat { b { (sessions.len()) } span { "IDV sessions" } }
                            div.stat { b { (poa["tokens_issued"]) } span { "PoA tokens issued" } }
                        }
                    }
                    section.panel #apps {
                        h2 { "Applications" }
                        @if apps.is_empty() {
                            p.empty { "No application registered: start with --app SDK_ID=KEY.pem or POST /__emulator/apps." }
                        } @else {
                            table {
                                thead { tr { th { "SDK id" } th { "Key" } th { "SHA-256 fingerprint (SPKI)" } th { "Age forced outcome" } } }
                                tbody {
                                    @for (sdk_id, app) in &apps {
                                        tr {
                                            td { code { (sdk_id) } }
                                            td { (app.public_key.bits()) "-bit RSA" }
                                            td { code { (fingerprint(app.public_key.to_spki_der())) } }
                                            td {
                                                @match shared.age.outcome_json(sdk_id) {
                                                    Some(outcome) => code { (outcome) },
                                                    None => span.muted { "none (estimates from the image)" },
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        h3 style="margin-top:16px" { "Proof of Age" }
                        div.stats {
                            @for (key, label) in [("token_requests", "token requests"), ("active_tokens", "active tokens"), ("verify_requests", "verify requests"), ("result_requests", "result reads"), ("notifications_delivered", "results delivered"), ("unauthorized", "refused (401)")] {
                                div.stat { b { (poa[key]) } span { (label) } }
                            }
                        }
                    }
                    section.panel #sessions {
                        h2 { "IDV sessions" }
                        @if sessions.is_empty() {
                            p.empty { "No session yet: create one with the SDK or `yoti idv create-session`." }
                        } @else {
                            table {
                                thead { tr { th { "Session" } th { "State" } th { "Checks" } th { "Resources" } th { "Journey" } } }
                                tbody { @for s in &sessions { (session_row(s)) } }
                            }
                        }
                    }
                    section.panel #requests {
                        h2 { "Requests" span.tag { "newest first, last " (shared.journal.capacity()) } }
                        @if requests.is_empty() {
                            p.empty { "No request yet." }
                        } @else {
                            table {
                                thead { tr { th { "#" } th { "Time" } th { "Request" } th { "App" } th { "Answer" } th.num { "ms" } } }
                                tbody { @for r in &requests { (request_row(r)) } }
                            }
                        }
                    }
                    section.panel #notifications {
                        h2 { "Notifications" }
                        @if deliveries.is_empty() {
                            p.empty { "No webhook delivery yet." }
                        } @else {
                            table {
                                thead { tr { th { "#" } th { "Service" } th { "Topic" } th { "To" } th { "State" } th.num { "Attempts" } th { "Last answer" } } }
                                tbody {
                                    @for d in &deliveries {
                                        tr {
                                            td { (d.id) }
                                            td { (d.service) }
                                            td { code { (d.topic) } }
                                            td { code { (d.url) } }
                                            td { span.tag.(state_class(d.state)) { (d.state) } }
                                            td.num { (d.attempts) }
                                            td {
                                                @if let Some(status) = d.last_status { (status) " " }
                                                @if let Some(error) = &d.last_error { span.muted { (error) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section.panel #settings {
                        h2 #clock { "Virtual clock" }
                        p.muted { "Now: " code { (rfc3339(now)) } " (moved forward by " (offset.as_secs()) " s). Token TTLs, deadlines and report delays follow it; request signatures do not." }
                        form.inline-form method="post" action="/__emulator/ui/clock" {
                            input type="number" name="seconds" min="0" value="600" aria-label="seconds";
                            button.secondary type="submit" { "Advance (seconds)" }
                        }
                        h2 #faults style="margin-top:22px" { "Injected faults" }
                        form.inline-form method="post" action="/__emulator/ui/faults" {
                            label { span.muted { "503 rate " } input type="number" name="error_rate" step="0.01" min="0" max="1" value=(faults.error_rate); }
                            label { span.muted { "drop rate " } input type="number" name="drop_rate" step="0.01" min="0" max="1" value=(faults.drop_rate); }
                            label { span.muted { "latency ms " } input type="number" name="latency_ms" min="0" value=(faults.latency_ms); }
                            button.secondary type="submit" { "Apply" }
                        }
                        h2 #state style="margin-top:22px" { "State" }
                        p.muted { "Reset forgets everything created since the start (sessions, media, response-configs, PoA results, Age outcomes, faults, journal, clock); apps and seeds given at start stay. Import a saved state with " code { "yoti emulator state import FILE" } "." }
                        form.inline-form method="post" action="/__emulator/reset" {
                            button.secondary type="submit" { "Reset" }
                            " "
                            a href="/__emulator/state?download" { "Export state" }
                        }
                    }
                }
            }
        },
    )
}

fn session_row(s: &SessionOverview) -> Markup {
    let r = serde_json::to_value(&s.result).unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let id = text(&r["session_id"]);
    let state = text(&r["state"]);
    let checks = r["checks"].as_array().cloned().unwrap_or_default();
    let resources = &r["resources"];
    let count = |k: &str| resources[k].as_array().map_or(0, Vec::len);
    html! {
        tr.session data-session=(id) {
            td {
                code { (id) }
                div.muted { "app " code { (s.owner) } }
                @if let Some(user) = r["user_tracking_id"].as_str() {
                    div.muted.user { "user " span.user-tracking-id { (user) } }
                }
            }
            td { span.tag.(state_class(&state)) { (state) } }
            td {
                @for c in &checks {
                    div {
                        (text(&c["type"])) " "
                        span.tag.(state_class(c["state"].as_str().unwrap_or(""))) { (text(&c["state"])) }
                        @if let Some(value) = c["report"]["recommendation"]["value"].as_str() {
                            " " span.tag.(state_class(value)) { (value) }
                        }
                    }
                }
            }
            td {
                div.muted { (count("id_documents")) " ID document(s), " (count("supplementary_documents")) " supplementary, " (count("liveness_capture")) " liveness, " (count("face_capture")) " face capture" }
                div.thumbs {
                    @for (media_id, _) in &s.media {
                        a href={ "/__emulator/ui/media/" (id) "/" (media_id) } target="_blank" {
                            img src={ "/__emulator/ui/media/" (id) "/" (media_id) } alt="media";
                        }
                    }
                }
            }
            td {
                @if let Some(token) = &s.token {
                    a href={ (crate::mounts::IDV) "/web/index.html?sessionID=" (id) "&sessionToken=" (token) } target="_blank" { "Open the journey" }
                    div.muted { "token until " (rfc3339(s.token_expires)) }
                } @else {
                    span.muted { "token used or expired" }
                }
            }
        }
    }
}

fn request_row(r: &JournalEntry) -> Markup {
    let failed = r.status >= 400;
    html! {
        tr {
            td { (r.id) }
            td.muted { (r.at.get(11..19).unwrap_or(&r.at)) }
            td {
                code { (r.method) " " (r.path) @if let Some(q) = &r.query { "?" (q) } }
                @if let Some(d) = &r.signature {
                    div.diag {
                        div { span.muted { "Expected string to sign" } pre { (d.expected_string_to_sign) } }
                        div { span.muted { "What arrived" }
                            pre {
                                "digest    " (d.received_digest.as_deref().unwrap_or("(none)")) "\n"
                                "nonce     " (d.nonce.as_deref().unwrap_or("(none)")) "\n"
                                "timestamp " (d.timestamp.as_deref().unwrap_or("(none)")) "\n"
                                "body      " (d.body_len) " bytes, sha256 " (d.body_sha256) "\n"
                                "mount " (d.mount) " signed: " (if d.signed_with_mount_prefix { "yes" } else { "no" })
                            }
                        }
                    }
                    p.muted { strong { "Hint: " } (d.hint) }
                }
            }
            td { @if let Some(app) = &r.app { code { (app) } } }
            td {
                span.tag.(if failed { "bad" } else { "ok" }) { (r.status) }
                @if let Some(code) = &r.code { " " code { (code) } }
            }
            td.num { (r.latency_ms) }
        }
    }
}

fn state_class(state: &str) -> &'static str {
    match state {
        "COMPLETED" | "DONE" | "APPROVE" | "delivered" => "ok",
        "EXPIRED" | "REJECT" | "failed" => "bad",
        "ONGOING" | "PENDING" | "CREATED" | "pending" => "info",
        _ => "warn",
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `aa:bb:...`: the first 16 bytes of the SHA-256 of the key's SubjectPublicKeyInfo.
fn fingerprint(spki: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki);
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `GET /__emulator/ui/media/{session}/{media}`: an image of a session, for thumbnails.
pub(super) async fn media(
    State(shared): State<Shared>,
    Path((session_id, media_id)): Path<(String, String)>,
) -> Response {
    match media_image(&shared, &session_id, &media_id) {
        Some((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such image").into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ClockForm {
    seconds: u64,
}

/// `POST /__emulator/ui/clock` (form `seconds`): moves the virtual clock, back to the page.
pub(super) async fn post_clock(
    State(shared): State<Shared>,
    Form(form): Form<ClockForm>,
) -> Response {
    advance_clock(&shared, Duration::from_secs(form.seconds));
    Redirect::to(&format!("{UI}#clock")).into_response()
}

/// `POST /__emulator/ui/faults` (form `error_rate`, `drop_rate`, `latency_ms`).
pub(super) async fn post_faults(
    State(shared): State<Shared>,
    Form(config): Form<FaultConfig>,
) -> Response {
    if let Err(e) = config.validate() {
        return (StatusCode::BAD_REQUEST, format!("invalid faults: {e}")).into_response();
    }
    shared.set_faults(config);
    Redirect::to(&format!("{UI}#faults")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_colon_separated_hex() {
        let f = fingerprint(b"key");
        assert_eq!(f.len(), 16 * 3 - 1);
        assert!(f.split(':').all(|b| b.len() == 2));
    }
}
