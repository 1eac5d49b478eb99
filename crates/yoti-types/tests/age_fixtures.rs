//! Every real-world Age Estimation payload in `shared/fixtures/real-world/age/` parses as the
//! type the table below names, and survives a re-serialization without losing anything.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use yoti_types::age::{
    AgeAntispoofingResponse, AgeAntispoofingVerifyResponse, AgeCheck, AgeCheckResult, AgeEndpoint,
    AgeEstimate, AgeRequest, AntispoofingResponse, Device, ImgValidationLevel, LegacyAgeEstimate,
    Operator, Prediction,
};

/// What a fixture file holds.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A request body, valid for the endpoint named.
    Request(AgeEndpoint),
    /// The answer of `/age`.
    Estimate,
    /// The answer of Yoti's legacy v1 age API.
    LegacyEstimate,
    /// The answer of `/antispoofing` (flat or nested).
    Antispoofing,
    /// The answer of `/age-antispoofing`.
    AgeAntispoofing,
    /// The answer of `/age-verify`.
    AgeVerify,
    /// The answer of `/age-antispoofing-verify`.
    AgeAntispoofingVerify,
}

use Kind::*;

/// Every file in the folder, and what it is.
const TABLE: &[(&str, Kind)] = &[
    (
        "docs__age-estimation-verify__api-reference__1.json",
        Request(AgeEndpoint::AgeVerify),
    ),
    // Published on the age-verify page, but without the threshold and operator that
    // /age-verify needs: as a whole body it is valid for /age only.
    (
        "docs__age-estimation-verify__api-reference__2.json",
        Request(AgeEndpoint::Age),
    ),
    (
        "docs__age-estimation-verify__api-reference__4.json",
        AgeVerify,
    ),
    (
        "docs__age-estimation-verify__api-reference__5.json",
        AgeAntispoofingVerify,
    ),
    (
        "docs__age-estimation-verify__sdk-guide__0.json",
        AgeAntispoofingVerify,
    ),
    ("docs__age-estimation__antispoofing__1.json", Antispoofing),
    (
        "docs__age-estimation__integration-guide__0.json",
        Request(AgeEndpoint::AgeAntispoofing),
    ),
    (
        "docs__age-estimation__integration-guide__3.json",
        Request(AgeEndpoint::Age),
    ),
    (
        "docs__age-estimation__integration-guide__4.json",
        AgeAntispoofing,
    ),
    ("docs__age-estimation__integration-guide__5.json", Estimate),
    (
        "docs__age-estimation__integration-guide__6.json",
        Antispoofing,
    ),
    ("docs__age-estimation__request-age__1.json", LegacyEstimate),
    (
        "docs__age-estimation__secure-image-capture__0.json",
        Request(AgeEndpoint::AgeAntispoofing),
    ),
    (
        "docs__age-estimationv2__age-estimation__0.json",
        Request(AgeEndpoint::AgeAntispoofing),
    ),
    (
        "docs__age-estimationv2__age-estimation__2.json",
        AgeAntispoofing,
    ),
    (
        "docs__age-estimationv2__age-estimationv1__1.json",
        LegacyEstimate,
    ),
    ("docs__age-estimationv2__antispoofing__1.json", Antispoofing),
    (
        "docs__ai-services-terminals__api-reference__0.json",
        Request(AgeEndpoint::AgeAntispoofing),
    ),
    (
        "docs__ai-services-terminals__api-reference__1.json",
        Request(AgeEndpoint::AgeAntispoofing),
    ),
    (
        "docs__ai-services-terminals__api-reference__3.json",
        AgeAntispoofing,
    ),
];

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real-world/age")
}

fn read(name: &str) -> String {
    let path = fixture_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every key path (`a.b`, `a[0].c`) of a JSON value's objects.
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone());
                key_paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                key_paths(child, &format!("{prefix}[{index}]"), out);
            }
        }
        _ => {}
    }
}

/// Parses `text` as `T`, serializes it, parses that again, and checks that nothing was lost.
fn round_trip<T>(name: &str, text: &str) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let original: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let parsed: T = serde_json::from_str(text).unwrap_or_else(|e| {
        panic!(
            "{name} does not parse as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    let written = serde_json::to_value(&parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reparsed: T = serde_json::from_value(written.clone())
        .unwrap_or_else(|e| panic!("{name}: re-serialized form does not parse: {e}"));
    assert_eq!(
        parsed, reparsed,
        "{name}: parse -> serialize -> parse changed the value"
    );

    let (mut before, mut after) = (BTreeSet::new(), BTreeSet::new());
    key_paths(&original, "", &mut before);
    key_paths(&written, "", &mut after);
    let lost: Vec<_> = before.difference(&after).collect();
    assert!(
        lost.is_empty(),
        "{name}: keys lost on re-serialization: {lost:?}"
    );
    // Stronger still: every one of these files re-serializes to exactly the same JSON.
    assert_eq!(original, written, "{name}: re-serialized JSON differs");
    parsed
}

fn check(name: &str, kind: Kind) {
    let text = read(name);
    match kind {
        Request(endpoint) => {
            let request: AgeRequest = round_trip(name, &text);
            request
                .validate_for(endpoint)
                .unwrap_or_else(|e| panic!("{name}: not valid for {endpoint}: {e}"));
        }
        Estimate => {
            round_trip::<AgeEstimate>(name, &text);
        }
        LegacyEstimate => {
            round_trip::<LegacyAgeEstimate>(name, &text);
        }
        Antispoofing => {
            let response: AntispoofingResponse = round_trip(name, &text);
            assert!(
                response.prediction().is_some(),
                "{name}: no prediction found"
            );
        }
        AgeAntispoofing => {
            round_trip::<AgeAntispoofingResponse>(name, &text);
        }
        AgeVerify => {
            round_trip::<AgeCheckResult>(name, &text);
        }
        AgeAntispoofingVerify => {
            round_trip::<AgeAntispoofingVerifyResponse>(name, &text);
        }
    }
}

#[test]
fn every_fixture_is_in_the_table_and_round_trips() {
    let dir = fixture_dir();
    assert!(dir.is_dir(), "fixture folder missing: {}", dir.display());
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            on_disk.insert(name);
        }
    }
    let in_table: BTreeSet<String> = TABLE.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(
        in_table.len(),
        TABLE.len(),
        "a file is listed twice in the table"
    );
    let untyped: Vec<_> = on_disk.difference(&in_table).collect();
    assert!(
        untyped.is_empty(),
        "fixtures missing from the table: {untyped:?}"
    );
    let gone: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(
        gone.is_empty(),
        "table lists files that do not exist: {gone:?}"
    );

    for (name, kind) in TABLE {
        check(name, *kind);
    }
}

#[test]
fn verify_request_fixture_reads_as_documented() {
    let request: AgeRequest =
        serde_json::from_str(&read("docs__age-estimation-verify__api-reference__1.json")).unwrap();
    assert_eq!(request.threshold, Some(25));
    assert_eq!(request.operator, Some(Operator::Over));
    assert_eq!(request.metadata.unwrap().device, Some(Device::Mobile));
    assert!(request.img.starts_with("/9j/"));
}

#[test]
fn relaxed_validation_fixture_is_for_age_only_endpoints() {
    let request: AgeRequest =
        serde_json::from_str(&read("docs__age-estimation__integration-guide__3.json")).unwrap();
    assert_eq!(request.img_validation_level, Some(ImgValidationLevel::Low));
    request.validate_for(AgeEndpoint::Age).unwrap();
    request
        .clone()
        .set_threshold(18)
        .set_operator(Operator::Over)
        .validate_for(AgeEndpoint::AgeVerify)
        .unwrap();
    let refused = request
        .validate_for(AgeEndpoint::AgeAntispoofing)
        .unwrap_err();
    assert_eq!(refused.field(), "img_validation_level");
}

#[test]
fn secure_object_is_passed_through_untouched() {
    let text = read("docs__age-estimation__secure-image-capture__0.json");
    let request: AgeRequest = serde_json::from_str(&text).unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(request.secure.as_ref(), original.get("secure"));
    assert!(request.is_secure());
    // The placeholder device is kept as an unknown value.
    let device = request.metadata.unwrap().device.unwrap();
    assert!(device.is_unknown());
    assert_eq!(device.as_str(), "mobile | laptop");
}

#[test]
fn combined_answers_read_as_documented() {
    let answer: AgeAntispoofingResponse =
        serde_json::from_str(&read("docs__age-estimation__integration-guide__4.json")).unwrap();
    assert_eq!(answer.age.age, 25.1);
    assert_eq!(answer.age.st_dev, 3.5);
    assert_eq!(answer.antispoofing.prediction, Prediction::Real);

    let verify: AgeAntispoofingVerifyResponse =
        serde_json::from_str(&read("docs__age-estimation-verify__api-reference__5.json")).unwrap();
    assert_eq!(verify.age.age_check, AgeCheck::Pass);
    assert!(verify.passed());

    let flat: AgeCheckResult =
        serde_json::from_str(&read("docs__age-estimation-verify__api-reference__4.json")).unwrap();
    assert!(flat.age_check.is_pass());
}

#[test]
fn antispoofing_answer_parses_flat_and_nested() {
    let flat: AntispoofingResponse =
        serde_json::from_str(&read("docs__age-estimation__integration-guide__6.json")).unwrap();
    assert_eq!(flat.prediction(), Some(&Prediction::Real));

    // The docs' placeholders ("real | fake", "real|fake|undetermined") stay unknown values.
    let placeholder: AntispoofingResponse =
        serde_json::from_str(&read("docs__age-estimation__antispoofing__1.json")).unwrap();
    assert_eq!(placeholder.prediction().unwrap().as_str(), "real | fake");
    let nested: AntispoofingResponse =
        serde_json::from_str(&read("docs__age-estimationv2__antispoofing__1.json")).unwrap();
    assert!(nested.antispoofing.is_some());
    assert_eq!(
        nested.prediction().unwrap().as_str(),
        "real|fake|undetermined"
    );
}

#[test]
fn estimates_current_and_legacy() {
    let current: AgeEstimate =
        serde_json::from_str(&read("docs__age-estimation__integration-guide__5.json")).unwrap();
    assert_eq!((current.age, current.st_dev), (43.2, 4.4));

    let legacy: LegacyAgeEstimate =
        serde_json::from_str(&read("docs__age-estimation__request-age__1.json")).unwrap();
    let converted = AgeEstimate::from(legacy);
    assert_eq!((converted.age, converted.st_dev), (29.7475, 2.04677));
}
