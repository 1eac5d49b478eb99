//! `GET {idv mount}/web/index.html?sessionID=..&sessionToken=..`: the end user's journey,
//! as Yoti hosts it for an integrator to open or embed in an iframe.
//!
//! The server renders one step per requirement of the session's configuration (as the
//! client would read it with the token); `journey.js` walks the steps and does all the
//! work through the **client endpoints with the session token**, exactly as a real client:
//! `POST .../resources/id-documents`, `PUT .../pages/{n}`, `POST .../liveness/{kind}`, frames
//! and face map or a static image, supplementary documents, `PUT .../face-capture/{rid}/image`,
//! then `POST .../checks/trigger`. An invalid or expired token gets an error page (and the
//! `ERROR` message for an embedding page), never a stack trace.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde_json::json;
use yoti_types::idv::session::RequiredResource;
use yoti_types::idv::spec::{AllowedCaptureMethods, SdkConfig};

use super::layout::{Shell, document, hex_colour, json_island, web_url};
use crate::idv::journey::{JourneyView, journey_view};
use crate::images;
use crate::state::Shared;

/// The `eventCode` of the `ERROR` messages posted to an embedding page (documented in the
/// crate README).
pub(super) mod codes {
    /// The link is not valid: no token, an unknown token, another session's, or one used up
    /// when the checks were triggered.
    pub(crate) const INVALID_SESSION: u32 = 1000;
    /// The client session token (or the session deadline) ran out.
    pub(crate) const SESSION_EXPIRED: u32 = 1001;
}

/// The words of the page, by locale (`sdk_config.locale`; English otherwise).
#[derive(Debug)]
struct Words {
    lang: &'static str,
    title: &'static str,
    intro: &'static str,
    start: &'static str,
    next: &'static str,
    submit: &'static str,
    sample: &'static str,
    choose_file: &'static str,
    take_photo: &'static str,
    country: &'static str,
    document_type: &'static str,
    id_document: &'static str,
    supplementary: &'static str,
    liveness: &'static str,
    face_capture: &'static str,
    consent_title: &'static str,
    consent_text: &'static str,
    consent_agree: &'static str,
    review_title: &'static str,
    review_text: &'static str,
    done_title: &'static str,
    done_text: &'static str,
    continue_label: &'static str,
    time_left: &'static str,
    invalid_title: &'static str,
    invalid_text: &'static str,
    expired_title: &'static str,
    expired_text: &'static str,
}

const EN: Words = Words {
    lang: "en",
    title: "Verify your identity",
    intro: "We will ask you for a few things. It takes about two minutes.",
    start: "Start",
    next: "Continue",
    submit: "Submit",
    sample: "Use a sample image",
    choose_file: "Upload a file",
    take_photo: "Take a photo",
    country: "Issuing country",
    document_type: "Document type",
    id_document: "Your identity document",
    supplementary: "A supporting document",
    liveness: "A selfie",
    face_capture: "A photo of your face",
    consent_title: "Your biometric data",
    consent_text: "To check that you are the person on the document, we compare a photo of your face with it. Your face data is used for this check only.",
    consent_agree: "I agree",
    review_title: "Ready to submit",
    review_text: "Everything we need is here. Submit it to start the checks.",
    done_title: "Thank you",
    done_text: "Your details were sent. You can close this page.",
    continue_label: "Continue",
    time_left: "Time left",
    invalid_title: "This link is not valid",
    invalid_text: "The session could not be opened: the link is incomplete, belongs to another session, or was already used. Ask for a new link.",
    expired_title: "This session has expired",
    expired_text: "The time to complete this verification has run out. Ask for a new link to start again.",
};

const FR: Words = Words {
    lang: "fr",
    title: "Vérifiez votre identité",
    intro: "Nous allons vous demander quelques éléments. Cela prend environ deux minutes.",
    start: "Commencer",
    next: "Continuer",
    submit: "Envoyer",
    sample: "Utiliser une image d'exemple",
    choose_file: "Choisir un fichier",
    take_photo: "Prendre une photo",
    country: "Pays d'émission",
    document_type: "Type de document",
    id_document: "Votre pièce d'identité",
    supplementary: "Un justificatif",
    liveness: "Un selfie",
    face_capture: "Une photo de votre visage",
    consent_title: "Vos données biométriques",
    consent_text: "Pour vérifier que vous êtes la personne du document, nous comparons une photo de votre visage avec celui-ci. Ces données ne servent qu'à cette vérification.",
    consent_agree: "J'accepte",
    review_title: "Prêt à envoyer",
    review_text: "Tout ce qu'il faut est là. Envoyez pour lancer les vérifications.",
    done_title: "Merci",
    done_text: "Vos informations ont été envoyées. Vous pouvez fermer cette page.",
    continue_label: "Continuer",
    time_left: "Temps restant",
    invalid_title: "Ce lien n'est pas valide",
    invalid_text: "La session n'a pas pu être ouverte : le lien est incomplet, appartient à une autre session ou a déjà servi. Demandez un nouveau lien.",
    expired_title: "Cette session a expiré",
    expired_text: "Le temps pour terminer cette vérification est écoulé. Demandez un nouveau lien.",
};

fn words(locale: Option<&str>) -> &'static Words {
    match locale.map(|l| l.trim().to_ascii_lowercase()) {
        Some(l) if l == "fr" || l.starts_with("fr-") || l.starts_with("fr_") => &FR,
        _ => &EN,
    }
}

/// The page handler.
pub(super) async fn page(
    State(shared): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let param = |name| yoti_auth::query_param(&query, name).map(|v| v.into_owned());
    let session_id = param("sessionID").unwrap_or_default();
    let token = param("sessionToken").filter(|t| !t.is_empty());
    let locale = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match journey_view(&shared, &session_id, token.as_deref()) {
        Ok(view) => html_response(StatusCode::OK, journey_page(&view)),
        Err(e) => {
            let expired = e.code == "TOKEN_EXPIRED";
            let words = words(locale.as_deref());
            html_response(e.status, error_page(words, expired, &e.code))
        }
    }
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response()
}

fn theme(sdk: Option<&SdkConfig>) -> String {
    let mut vars = String::new();
    let mut add = |name: &str, value: Option<&String>| {
        if let Some(colour) = hex_colour(value.map(String::as_str)) {
            vars.push_str(&format!("--{name}: {colour}; "));
        }
    };
    if let Some(sdk) = sdk {
        add("primary", sdk.primary_colour.as_ref());
        add("secondary", sdk.secondary_colour.as_ref());
        add("ink", sdk.font_colour.as_ref());
    }
    vars
}

fn error_page(words: &Words, expired: bool, code: &str) -> Markup {
    let (title, text, event_code) = if expired {
        (
            words.expired_title,
            words.expired_text,
            codes::SESSION_EXPIRED,
        )
    } else {
        (
            words.invalid_title,
            words.invalid_text,
            codes::INVALID_SESSION,
        )
    };
    let shell = Shell {
        title,
        lang: words.lang,
        stylesheet: "assets/style.css",
        theme: String::new(),
        product: "Identity verification",
    };
    let data = json!({ "error": { "eventCode": event_code, "code": code } });
    document(
        &shell,
        html! {
            main.card.narrow #journey-error {
                div.icon.icon-error aria-hidden="true" { "!" }
                h1 { (title) }
                p.lead { (text) }
                p.muted { "Code: " code { (code) } }
            }
            (json_island("journey-data", &data))
            script src="assets/journey.js" {}
        },
    )
}

/// The capture methods a document step offers: `CAMERA` (a photo, or a sample taken as
/// one) or `CAMERA_AND_UPLOAD` (a file as well).
fn upload_allowed(sdk: Option<&SdkConfig>) -> bool {
    !matches!(
        sdk.and_then(|s| s.allowed_capture_methods.as_ref()),
        Some(AllowedCaptureMethods::Camera)
    )
}

fn journey_page(view: &JourneyView) -> Markup {
    let sdk = view.sdk_config.as_ref();
    let words = words(sdk.and_then(|s| s.locale.as_deref()));
    let required: Vec<&RequiredResource> = view
        .configuration
        .capture
        .as_ref()
        .map(|c| c.required_resources.iter().collect())
        .unwrap_or_default();
    let biometric = required.iter().any(|r| {
        matches!(
            r.kind.as_ref().map(|k| k.as_str()),
            Some("LIVENESS" | "FACE_CAPTURE")
        )
    });
    let consent = biometric
        && sdk
            .and_then(|s| s.biometric_consent_flow.as_ref())
            .is_some();
    let handoff = sdk.and_then(|s| s.allow_handoff).unwrap_or(false);
    let upload = upload_allowed(sdk);
    let preset = sdk
        .and_then(|s| s.preset_issuing_country.clone())
        .unwrap_or_default();
    let data = json!({
        "sessionId": view.configuration.session_id.as_ref().map(|s| s.as_str()),
        "ttl": view.configuration.client_session_token_ttl,
        "upload": upload,
        "successUrl": web_url(sdk.and_then(|s| s.success_url.as_deref())),
        "errorUrl": web_url(sdk.and_then(|s| s.error_url.as_deref())),
        "requirements": required.iter().map(|r| json!({
            "id": r.id.as_ref().map(|i| i.as_str()),
            "type": r.kind.as_ref().map(|k| k.as_str()),
            "state": r.state,
            "livenessType": r.liveness_type.as_ref().map(|l| l.as_str()),
        })).collect::<Vec<_>>(),
        "progress": view.progress,
        "words": {
            "expiredTitle": words.expired_title,
            "expiredText": words.expired_text,
            "invalidTitle": words.invalid_title,
            "invalidText": words.invalid_text,
        },
    });
    let shell = Shell {
        title: words.title,
        lang: words.lang,
        stylesheet: "assets/style.css",
        theme: theme(sdk),
        product: "Identity verification",
    };
    let steps = required.len() + usize::from(consent) + 1;
    document(
        &shell,
        html! {
            main.card #journey data-steps=(steps) {
                div.progress { div.progress-bar #progress-bar {} }
                div.timer #timer { (words.time_left) ": " span #time-left { "--:--" } }
                noscript { p.notice { "This page needs JavaScript to send your documents." } }
                section.step.active data-step="intro" {
                    h1 { (words.title) }
                    p.lead { (words.intro) }
                    ul.checklist {
                        @for r in &required {
                            li data-requirement=[r.id.as_ref().map(|i| i.as_str())] {
                                (requirement_title(words, r))
                                @if r.state.as_deref() == Some("COMPLETE") { span.tag.ok { "done" } }
                            }
                        }
                    }
                    @if handoff {
                        p.notice #handoff { "Continue on your phone: not available in the emulator (allow_handoff is set)." }
                    }
                    div.actions { button.primary type="button" data-action="next" { (words.start) } }
                }
                @if consent {
                    section.step data-step="consent" {
                        h2 { (words.consent_title) }
                        p.lead { (words.consent_text) }
                        label.check { input #consent type="checkbox"; " " (words.consent_agree) }
                        div.actions { button.primary type="button" data-action="consent" disabled { (words.next) } }
                    }
                }
                @for r in &required {
                    (requirement_step(words, r, upload, &preset))
                }
                section.step data-step="review" {
                    h2 { (words.review_title) }
                    p.lead { (words.review_text) }
                    p.error-inline role="alert" {}
                    div.actions { button.primary type="button" data-action="submit" { (words.submit) } }
                }
                section.step data-step="done" {
                    div.icon.icon-ok aria-hidden="true" { "✓" }
                    h2 { (words.done_title) }
                    p.lead { (words.done_text) }
                    div.actions { button.primary type="button" data-action="finish" hidden { (words.continue_label) } }
                }
                section.step data-step="fatal" {
                    div.icon.icon-error aria-hidden="true" { "!" }
                    h2 #fatal-title {}
                    p.lead #fatal-text {}
                    p.muted { "Code: " code #fatal-code {} }
                    div.actions { button.primary type="button" data-action="fail" hidden { (words.continue_label) } }
                }
            }
            (json_island("journey-data", &data))
            script src="assets/journey.js" {}
        },
    )
}

fn requirement_title(words: &Words, r: &RequiredResource) -> &'static str {
    match r.kind.as_ref().map(|k| k.as_str()) {
        Some("ID_DOCUMENT") => words.id_document,
        Some("SUPPLEMENTARY_DOCUMENT") => words.supplementary,
        Some("LIVENESS") => words.liveness,
        _ => words.face_capture,
    }
}

/// One step: what the requirement asks for, with a file input and a sample per slot.
fn requirement_step(words: &Words, r: &RequiredResource, upload: bool, preset: &str) -> Markup {
    let id = r.id.as_ref().map(|i| i.as_str()).unwrap_or_default();
    let kind = r.kind.as_ref().map(|k| k.as_str()).unwrap_or_default();
    html! {
        section.step data-step="requirement" data-requirement=(id) data-kind=(kind) {
            h2 { (requirement_title(words, r)) }
            @match kind {
                "ID_DOCUMENT" => {
                    p.lead { "Choose the country that issued it and its type, then add a photo of each side." }
                    div.fields {
                        label { span { (words.country) }
                            select.country {
                                @for c in &r.supported_countries {
                                    option value=(c.code) selected[c.code == preset] { (country_name(&c.code)) " (" (c.code) ")" }
                                }
                            }
                        }
                        label { span { (words.document_type) }
                            select.doctype {
                                @for c in &r.supported_countries {
                                    @for d in &c.supported_documents {
                                        option value=(d.kind) data-country=(c.code) { (pretty(&d.kind)) }
                                    }
                                }
                            }
                        }
                    }
                    div.slots {
                        (slot(words, "page:1", "Front", "document-front.jpg", upload))
                        (slot(words, "page:2", "Back", "document-back.jpg", upload))
                    }
                }
                "SUPPLEMENTARY_DOCUMENT" => {
                    @let types = r.document_types.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| vec!["UTILITY_BILL".to_owned()]);
                    @let countries = r.country_codes.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| vec!["GBR".to_owned()]);
                    p.lead {
                        @if let Some(objective) = r.objective.as_ref().map(|o| &o.kind) {
                            "For your " (pretty(objective.as_str()).to_lowercase()) ": "
                        }
                        "a recent document such as a bill or a bank statement."
                    }
                    div.fields {
                        label { span { (words.document_type) }
                            select.doctype { @for t in &types { option value=(t) { (pretty(t)) } } }
                        }
                        label { span { (words.country) }
                            select.country { @for c in &countries { option value=(c) selected[c == preset] { (country_name(c)) " (" (c) ")" } } }
                        }
                    }
                    div.slots { (slot(words, "page:1", "Document", "supplementary.jpg", upload)) }
                }
                "LIVENESS" => {
                    @let zoom = r.liveness_type.as_ref().map(|l| l.as_str()) == Some("ZOOM");
                    p.lead {
                        @if zoom { "Look at the camera: we take three frames and a face map (ZOOM liveness)." }
                        @else { "Look at the camera and take a selfie." }
                    }
                    div.slots { (slot(words, "image", "Selfie", "selfie.jpg", upload)) }
                }
                _ => {
                    p.lead { "A photo of your face, to compare with your document." }
                    p.notice.hidden data-waiting {
                        "Waiting for the business to create the face-capture resource (POST /sessions/{id}/resources/face-capture). Reload this page once it exists."
                    }
                    div.slots { (slot(words, "image", "Face", "selfie.jpg", upload)) }
                }
            }
            p.error-inline role="alert" {}
            div.actions { button.primary type="button" data-action="upload" disabled { (words.next) } }
        }
    }
}

/// An image slot: a preview, a file input (camera only when upload is not allowed) and a
/// sample button.
fn slot(words: &Words, name: &str, label: &str, sample: &str, upload: bool) -> Markup {
    html! {
        div.slot data-slot=(name) {
            div.preview { span.placeholder { (label) } img alt="" hidden; }
            div.slot-actions {
                button.secondary type="button" data-action="sample" data-sample=(sample) { (words.sample) }
                label.file {
                    @if upload {
                        input type="file" accept="image/jpeg,image/png";
                        (words.choose_file)
                    } @else {
                        input type="file" accept="image/jpeg,image/png" capture="environment";
                        (words.take_photo)
                    }
                }
            }
        }
    }
}

/// `DRIVING_LICENCE` -> `Driving licence`.
fn pretty(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn country_name(code: &str) -> &str {
    match code {
        "ARE" => "United Arab Emirates",
        "AUS" => "Australia",
        "BRA" => "Brazil",
        "CAN" => "Canada",
        "CHN" => "China",
        "DEU" => "Germany",
        "ESP" => "Spain",
        "FRA" => "France",
        "GBR" => "United Kingdom",
        "GRC" => "Greece",
        "IND" => "India",
        "IRL" => "Ireland",
        "ITA" => "Italy",
        "JPN" => "Japan",
        "NLD" => "Netherlands",
        "POL" => "Poland",
        "PRT" => "Portugal",
        "RUS" => "Russia",
        "SAU" => "Saudi Arabia",
        "UKR" => "Ukraine",
        "USA" => "United States",
        other => other,
    }
}

/// `GET .../web/samples/{name}`: generated sample images (real JPEGs), the same bytes every
/// time.
pub(super) async fn sample(Path(name): Path<String>) -> Response {
    let (width, height, seed) = match name.as_str() {
        "document-front.jpg" => (1000, 630, 11),
        "document-back.jpg" => (1000, 630, 12),
        "supplementary.jpg" => (800, 1130, 13),
        "selfie.jpg" => (480, 640, 14),
        _ => return (StatusCode::NOT_FOUND, "no such sample").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        images::jpeg(width, height, seed),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(pretty("DRIVING_LICENCE"), "Driving licence");
        assert_eq!(pretty(""), "");
        assert_eq!(words(Some("fr-FR")).lang, "fr");
        assert_eq!(words(Some("en-GB")).lang, "en");
        assert_eq!(words(None).lang, "en");
    }
}
