//! `GET /supported-documents`: a realistic catalogue of countries and document types.

use axum::Json;
use axum::extract::RawQuery;
use serde_json::{Value, json};

/// (country, [(document type, strictly latin)]).
const CATALOGUE: &[(&str, &[(&str, bool)])] = &[
    (
        "ARE",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", false),
            ("RESIDENCE_PERMIT", false),
        ],
    ),
    ("AUS", &[("PASSPORT", true), ("DRIVING_LICENCE", true)]),
    (
        "BRA",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
        ],
    ),
    (
        "CAN",
        &[
            ("PASSPORT", true),
            ("DRIVING_LICENCE", true),
            ("RESIDENCE_PERMIT", true),
        ],
    ),
    ("CHN", &[("PASSPORT", true), ("NATIONAL_ID", false)]),
    (
        "DEU",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
            ("RESIDENCE_PERMIT", true),
        ],
    ),
    (
        "ESP",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
        ],
    ),
    (
        "FRA",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
            ("RESIDENCE_PERMIT", true),
        ],
    ),
    (
        "GBR",
        &[
            ("PASSPORT", true),
            ("DRIVING_LICENCE", true),
            ("RESIDENCE_PERMIT", true),
            ("PASS_CARD", true),
        ],
    ),
    (
        "GRC",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", false),
            ("DRIVING_LICENCE", true),
        ],
    ),
    (
        "IND",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", false),
            ("DRIVING_LICENCE", true),
        ],
    ),
    (
        "IRL",
        &[
            ("PASSPORT", true),
            ("DRIVING_LICENCE", true),
            ("PASSPORT_CARD", true),
        ],
    ),
    (
        "ITA",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
        ],
    ),
    (
        "JPN",
        &[
            ("PASSPORT", true),
            ("DRIVING_LICENCE", false),
            ("RESIDENCE_PERMIT", false),
        ],
    ),
    (
        "NLD",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
        ],
    ),
    (
        "POL",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", true),
            ("DRIVING_LICENCE", true),
        ],
    ),
    ("PRT", &[("PASSPORT", true), ("NATIONAL_ID", true)]),
    ("RUS", &[("PASSPORT", true), ("NATIONAL_ID", false)]),
    ("SAU", &[("PASSPORT", true), ("NATIONAL_ID", false)]),
    (
        "UKR",
        &[
            ("PASSPORT", true),
            ("NATIONAL_ID", false),
            ("DRIVING_LICENCE", false),
        ],
    ),
    (
        "USA",
        &[
            ("PASSPORT", true),
            ("DRIVING_LICENCE", true),
            ("STATE_ID", true),
            ("PASSPORT_CARD", true),
        ],
    ),
];

/// The catalogue as the service answers it; non-latin documents only when asked for.
pub(crate) fn catalogue(include_non_latin: bool) -> Value {
    let countries: Vec<Value> = CATALOGUE
        .iter()
        .filter_map(|(code, docs)| {
            let docs: Vec<Value> = docs
                .iter()
                .filter(|(_, latin)| include_non_latin || *latin)
                .map(|(kind, latin)| json!({ "type": kind, "is_strictly_latin": latin }))
                .collect();
            (!docs.is_empty()).then(|| json!({ "code": code, "supported_documents": docs }))
        })
        .collect();
    json!({ "supported_countries": countries })
}

/// Reads `includeNonLatin` from the raw query (anything but `true` means false): a
/// malformed query can never turn into an error here.
pub(crate) async fn get(RawQuery(query): RawQuery) -> Json<Value> {
    let include = query
        .as_deref()
        .and_then(|q| yoti_auth::query_param(q, "includeNonLatin"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Json(catalogue(include))
}

/// Every (country, [(document type, strictly latin)]) of the catalogue, for the document
/// requirements of a session configuration.
pub(super) fn countries() -> impl Iterator<Item = (&'static str, &'static [(&'static str, bool)])> {
    CATALOGUE.iter().copied()
}
