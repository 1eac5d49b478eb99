//! What the five endpoints answer on success.
//!
//! Every answer keeps the members this crate does not model in `extra`, so that nothing the
//! server sends is lost when an answer is stored or re-serialized.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

open_enum! {
    /// The anti-spoofing (liveness) verdict.
    pub enum Prediction {
        /// A live person was detected.
        Real = "real" | "REAL",
        /// A spoof attempt was detected.
        Fake = "fake" | "FAKE",
        /// The model could not decide.
        Undetermined = "undetermined" | "UNDETERMINED",
    }
}

open_enum! {
    /// The outcome of a threshold check.
    pub enum AgeCheck {
        /// The estimated age met the threshold with the operator asked for.
        Pass = "pass" | "PASS",
        /// It did not.
        Fail = "fail" | "FAIL",
    }
}

impl AgeCheck {
    /// Whether the check passed.
    pub fn is_pass(&self) -> bool {
        matches!(self, Self::Pass)
    }
}

/// An age estimate: the answer of `/age`, and the `age` member of `/age-antispoofing`.
///
/// ```json
/// {"age": 43.2, "st_dev": 4.4}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeEstimate {
    /// The estimated age in years.
    pub age: f64,
    /// The standard deviation of the estimate, in years.
    pub st_dev: f64,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgeEstimate {
    /// An estimate of `age` years with standard deviation `st_dev`.
    pub fn new(age: f64, st_dev: f64) -> Self {
        Self {
            age,
            st_dev,
            extra: Map::new(),
        }
    }
}

/// The age estimate of Yoti's legacy (v1) age API, `{"pred_age": 29.7, "uncertainty": 2.0}`.
///
/// Current endpoints answer [`AgeEstimate`]; this shape appears on Yoti's "Age estimation v1"
/// pages and converts with `AgeEstimate::from`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LegacyAgeEstimate {
    /// The estimated age in years.
    pub pred_age: f64,
    /// The uncertainty of the estimate, in years.
    pub uncertainty: f64,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LegacyAgeEstimate {
    /// A legacy estimate.
    pub fn new(pred_age: f64, uncertainty: f64) -> Self {
        Self {
            pred_age,
            uncertainty,
            extra: Map::new(),
        }
    }
}

impl From<LegacyAgeEstimate> for AgeEstimate {
    fn from(value: LegacyAgeEstimate) -> Self {
        Self {
            age: value.pred_age,
            st_dev: value.uncertainty,
            extra: value.extra,
        }
    }
}

/// An anti-spoofing verdict, `{"prediction": "real"}`: the `antispoofing` member of the
/// combined answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AntispoofingResult {
    /// The verdict.
    pub prediction: Prediction,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AntispoofingResult {
    /// A verdict.
    pub fn new(prediction: Prediction) -> Self {
        Self {
            prediction,
            extra: Map::new(),
        }
    }
}

/// The answer of `/antispoofing`.
///
/// Yoti documents two shapes: flat, `{"prediction": "real"}` (age estimation pages), and
/// nested, `{"antispoofing": {"prediction": "real"}}` (anti-spoofing v2 page). Both parse and
/// re-serialize as received; read the verdict with [`prediction`](Self::prediction).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AntispoofingResponse {
    /// The verdict, when the answer is flat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    /// The verdict, when the answer is nested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antispoofing: Option<AntispoofingResult>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AntispoofingResponse {
    /// A flat answer, `{"prediction": ..}`.
    pub fn new(prediction: Prediction) -> Self {
        Self {
            prediction: Some(prediction),
            antispoofing: None,
            extra: Map::new(),
        }
    }

    /// A nested answer, `{"antispoofing": {"prediction": ..}}`.
    pub fn nested(prediction: Prediction) -> Self {
        Self {
            prediction: None,
            antispoofing: Some(AntispoofingResult::new(prediction)),
            extra: Map::new(),
        }
    }

    /// The verdict, whichever shape carried it (the nested one first).
    pub fn prediction(&self) -> Option<&Prediction> {
        self.antispoofing
            .as_ref()
            .map(|result| &result.prediction)
            .or(self.prediction.as_ref())
    }
}

/// The answer of `/age-antispoofing`.
///
/// ```json
/// {"antispoofing": {"prediction": "real"}, "age": {"age": 25.1, "st_dev": 3.5}}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeAntispoofingResponse {
    /// The age estimate.
    pub age: AgeEstimate,
    /// The anti-spoofing verdict.
    pub antispoofing: AntispoofingResult,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgeAntispoofingResponse {
    /// A combined answer.
    pub fn new(age: AgeEstimate, antispoofing: AntispoofingResult) -> Self {
        Self {
            age,
            antispoofing,
            extra: Map::new(),
        }
    }
}

/// A threshold check, `{"age_check": "pass"}`: the answer of `/age-verify` and the `age`
/// member of `/age-antispoofing-verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeCheckResult {
    /// The outcome.
    pub age_check: AgeCheck,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgeCheckResult {
    /// A threshold check with this outcome.
    pub fn new(age_check: AgeCheck) -> Self {
        Self {
            age_check,
            extra: Map::new(),
        }
    }
}

/// The answer of `/age-verify`: `{"age_check": "pass"}`.
pub type AgeVerifyResponse = AgeCheckResult;

/// The answer of `/age-antispoofing-verify`.
///
/// ```json
/// {"age": {"age_check": "pass"}, "antispoofing": {"prediction": "real"}}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeAntispoofingVerifyResponse {
    /// The threshold check.
    pub age: AgeCheckResult,
    /// The anti-spoofing verdict.
    pub antispoofing: AntispoofingResult,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgeAntispoofingVerifyResponse {
    /// A combined answer.
    pub fn new(age: AgeCheckResult, antispoofing: AntispoofingResult) -> Self {
        Self {
            age,
            antispoofing,
            extra: Map::new(),
        }
    }

    /// Whether the user passed both checks: the age check passed and the prediction is
    /// `real`.
    pub fn passed(&self) -> bool {
        self.age.age_check.is_pass() && self.antispoofing.prediction == Prediction::Real
    }
}
