//! The request body shared by the five endpoints, and the endpoints themselves.

use std::borrow::Cow;
use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The thresholds [`AgeRequest::validate_for`] accepts, in years.
///
/// Yoti does not publish a range; this one is ours. It is wide enough for every real age gate
/// and catches caller mistakes such as a birth year (`2007`) or an age in months (`216`). It
/// is not a statement of what the service refuses.
pub const AGE_THRESHOLD_RANGE: RangeInclusive<u32> = 1..=150;

/// The longest `img` (base64 characters) [`AgeRequest::validate_for`] accepts: 2 MiB.
///
/// The service refuses bodies over 2 MB (`PAYLOAD_TOO_LARGE`, 413) and decoded images over
/// 1.5 MB (`IMAGE_SIZE_TOO_BIG`), whose base64 form is 2 MB: anything longer than this can
/// only fail.
pub const MAX_IMG_BASE64_LEN: usize = 2 * 1024 * 1024;

/// One of the five Age Estimation endpoints (paths relative to `https://api.yoti.com/ai/v1`).
///
/// This is a routing choice of ours, not a server value, so it is a closed enum; it is
/// `#[non_exhaustive]` so that a new endpoint can be added without breaking callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AgeEndpoint {
    /// `/age`: estimate the age ([`AgeEstimate`](super::AgeEstimate)).
    Age,
    /// `/antispoofing`: liveness only ([`AntispoofingResponse`](super::AntispoofingResponse)).
    Antispoofing,
    /// `/age-antispoofing`: estimate plus liveness
    /// ([`AgeAntispoofingResponse`](super::AgeAntispoofingResponse)).
    AgeAntispoofing,
    /// `/age-verify`: compare the estimate with a threshold
    /// ([`AgeCheckResult`](super::AgeCheckResult)).
    AgeVerify,
    /// `/age-antispoofing-verify`: threshold check plus liveness
    /// ([`AgeAntispoofingVerifyResponse`](super::AgeAntispoofingVerifyResponse)).
    AgeAntispoofingVerify,
}

impl AgeEndpoint {
    /// Every endpoint, in declaration order.
    pub const ALL: &'static [AgeEndpoint] = &[
        Self::Age,
        Self::Antispoofing,
        Self::AgeAntispoofing,
        Self::AgeVerify,
        Self::AgeAntispoofingVerify,
    ];

    /// The path relative to the service base, as signed and sent: `/age`, `/age-verify`, ...
    pub fn path(self) -> &'static str {
        match self {
            Self::Age => "/age",
            Self::Antispoofing => "/antispoofing",
            Self::AgeAntispoofing => "/age-antispoofing",
            Self::AgeVerify => "/age-verify",
            Self::AgeAntispoofingVerify => "/age-antispoofing-verify",
        }
    }

    /// The endpoint served at `path` (relative to the service base), if any.
    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|endpoint| endpoint.path() == path)
    }

    /// Whether this is a threshold check (`/age-verify`, `/age-antispoofing-verify`), which
    /// needs `threshold` and `operator`.
    pub fn is_verify(self) -> bool {
        matches!(self, Self::AgeVerify | Self::AgeAntispoofingVerify)
    }

    /// Whether this endpoint estimates (or checks) the age.
    pub fn runs_age(self) -> bool {
        !matches!(self, Self::Antispoofing)
    }

    /// Whether this endpoint runs the anti-spoofing (liveness) check.
    pub fn runs_antispoofing(self) -> bool {
        matches!(
            self,
            Self::Antispoofing | Self::AgeAntispoofing | Self::AgeAntispoofingVerify
        )
    }

    /// Whether this is an age-only endpoint (`/age`, `/age-verify`): the only ones that take
    /// `img_validation_level`.
    pub fn is_age_only(self) -> bool {
        matches!(self, Self::Age | Self::AgeVerify)
    }
}

impl fmt::Display for AgeEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

open_enum! {
    /// How `/age-verify` compares the estimated age with the threshold.
    pub enum Operator {
        /// The user must be over the threshold.
        Over = "OVER" | "over" | "Over",
        /// The user must be under the threshold.
        Under = "UNDER" | "under" | "Under",
    }
}

open_enum! {
    /// The kind of device that captured the image (`metadata.device`).
    pub enum Device {
        /// A phone or tablet.
        Mobile = "mobile" | "MOBILE",
        /// A laptop or desktop camera.
        Laptop = "laptop" | "LAPTOP",
        /// The caller does not know (wire value `unknown`).
        Unspecified = "unknown" | "UNKNOWN",
        /// Any device (wire value `any`, listed by Yoti's liveness API reference).
        Any = "any" | "ANY",
    }
}

open_enum! {
    /// The anti-spoofing level of assurance, which sets the model score threshold.
    ///
    /// Yoti's reference names the field but not its values; the upper-case spellings here are
    /// our best reading and the lower-case ones are accepted on input. Any other value is kept
    /// as [`Unknown`](Self::Unknown) and sent unchanged.
    pub enum LevelOfAssurance {
        /// Low assurance.
        Low = "LOW" | "low",
        /// Medium assurance.
        Medium = "MEDIUM" | "medium",
        /// High assurance.
        High = "HIGH" | "high",
    }
}

open_enum! {
    /// Relaxed image validation for the age-only endpoints (`img_validation_level`).
    pub enum ImgValidationLevel {
        /// Lower thresholds for face detection and image validation, for images not captured
        /// live with Yoti's face capture module.
        Low = "low" | "LOW",
    }
}

/// Optional details about the capture (`metadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metadata {
    /// The kind of device that captured the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
}

impl Metadata {
    /// Metadata naming the capturing device.
    pub fn new(device: Device) -> Self {
        Self {
            device: Some(device),
        }
    }
}

/// The JSON body of every Age Estimation endpoint.
///
/// Build it with [`new`](Self::new) (estimate endpoints) or [`verify`](Self::verify)
/// (threshold endpoints) and the `set_*` methods, then check it with
/// [`validate_for`](Self::validate_for) before sending. It serializes exactly the documented
/// JSON: fields left `None` are omitted.
///
/// `Debug` prints the image as its length and the `secure` object as `[redacted]`: a face
/// image is personal data and `secure.token` is a session token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeRequest {
    /// The image, base64-encoded (standard alphabet) JPEG or PNG. yoti-types does not encode:
    /// the service crate takes bytes and encodes them.
    pub img: String,
    /// The age threshold in years (verify endpoints only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// How to compare with the threshold (verify endpoints only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    /// Details about the capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The anti-spoofing level of assurance (endpoints that run anti-spoofing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_of_assurance: Option<LevelOfAssurance>,
    /// Relaxed image validation (age-only endpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub img_validation_level: Option<ImgValidationLevel>,
    /// The `secure` object produced by Yoti's face capture module (`version`, `token`,
    /// `signature`, `verification`), passed through untouched. When it is set the request
    /// must also carry the query parameter `secure=true` (see [`is_secure`](Self::is_secure)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure: Option<serde_json::Value>,
}

impl AgeRequest {
    /// A body for the estimate endpoints (`/age`, `/antispoofing`, `/age-antispoofing`).
    ///
    /// `img_base64` is the image already base64-encoded.
    pub fn new(img_base64: impl Into<String>) -> Self {
        Self {
            img: img_base64.into(),
            threshold: None,
            operator: None,
            metadata: None,
            level_of_assurance: None,
            img_validation_level: None,
            secure: None,
        }
    }

    /// A body for the threshold endpoints (`/age-verify`, `/age-antispoofing-verify`).
    pub fn verify(img_base64: impl Into<String>, threshold: u32, operator: Operator) -> Self {
        Self::new(img_base64)
            .set_threshold(threshold)
            .set_operator(operator)
    }

    /// Sets the age threshold in years.
    #[must_use]
    pub fn set_threshold(mut self, threshold: u32) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Sets how to compare with the threshold.
    #[must_use]
    pub fn set_operator(mut self, operator: Operator) -> Self {
        self.operator = Some(operator);
        self
    }

    /// Sets `metadata.device`.
    #[must_use]
    pub fn set_device(mut self, device: Device) -> Self {
        self.metadata.get_or_insert_with(Metadata::default).device = Some(device);
        self
    }

    /// Sets the whole `metadata` object.
    #[must_use]
    pub fn set_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Sets the anti-spoofing level of assurance.
    #[must_use]
    pub fn set_level_of_assurance(mut self, level: LevelOfAssurance) -> Self {
        self.level_of_assurance = Some(level);
        self
    }

    /// Sets relaxed image validation (age-only endpoints).
    #[must_use]
    pub fn set_img_validation_level(mut self, level: ImgValidationLevel) -> Self {
        self.img_validation_level = Some(level);
        self
    }

    /// Sets the `secure` object from Yoti's face capture module, passed through unchanged.
    #[must_use]
    pub fn set_secure(mut self, secure: serde_json::Value) -> Self {
        self.secure = Some(secure);
        self
    }

    /// Whether the body carries a `secure` object, in which case the request must be sent
    /// with the query parameter `secure=true` (and `multiframe=true` when the face capture
    /// module captured several frames).
    pub fn is_secure(&self) -> bool {
        self.secure.is_some()
    }

    /// Checks the body against what `endpoint` accepts.
    ///
    /// - `img` must not be empty nor longer than [`MAX_IMG_BASE64_LEN`];
    /// - verify endpoints need `threshold` (within [`AGE_THRESHOLD_RANGE`]) and `operator`;
    ///   the other endpoints take neither;
    /// - `img_validation_level` only on the age-only endpoints (`/age`, `/age-verify`), as
    ///   Yoti's reference says;
    /// - `level_of_assurance` only on endpoints that run anti-spoofing (it sets the liveness
    ///   model's threshold);
    /// - `secure`, when set, must be a JSON object.
    ///
    /// Enum values this crate does not know are not refused: they are sent as given.
    ///
    /// # Errors
    /// The first rule broken, naming the field.
    pub fn validate_for(&self, endpoint: AgeEndpoint) -> Result<(), ValidationError> {
        if self.img.is_empty() {
            return Err(ValidationError::Empty {
                field: "img".into(),
            });
        }
        if self.img.len() > MAX_IMG_BASE64_LEN {
            return Err(ValidationError::OutOfRange {
                field: "img".into(),
                value: format!("{} base64 characters", self.img.len()),
                expected: "at most 2 MiB of base64 (the service refuses bodies over 2 MB)".into(),
            });
        }
        if endpoint.is_verify() {
            let threshold = self.threshold.ok_or(ValidationError::Empty {
                field: "threshold".into(),
            })?;
            if !AGE_THRESHOLD_RANGE.contains(&threshold) {
                return Err(ValidationError::OutOfRange {
                    field: "threshold".into(),
                    value: threshold.to_string(),
                    expected: Cow::Owned(format!(
                        "an age in years between {} and {}",
                        AGE_THRESHOLD_RANGE.start(),
                        AGE_THRESHOLD_RANGE.end()
                    )),
                });
            }
            if self.operator.is_none() {
                return Err(ValidationError::Empty {
                    field: "operator".into(),
                });
            }
        } else {
            if self.threshold.is_some() {
                return Err(not_on(
                    endpoint,
                    "threshold",
                    "only the verify endpoints take it",
                ));
            }
            if self.operator.is_some() {
                return Err(not_on(
                    endpoint,
                    "operator",
                    "only the verify endpoints take it",
                ));
            }
        }
        if self.img_validation_level.is_some() && !endpoint.is_age_only() {
            return Err(not_on(
                endpoint,
                "img_validation_level",
                "only the age-only endpoints /age and /age-verify take it",
            ));
        }
        if self.level_of_assurance.is_some() && !endpoint.runs_antispoofing() {
            return Err(not_on(
                endpoint,
                "level_of_assurance",
                "it configures the anti-spoofing check, which this endpoint does not run",
            ));
        }
        if self
            .secure
            .as_ref()
            .is_some_and(|secure| !secure.is_object())
        {
            return Err(ValidationError::Invalid {
                field: "secure".into(),
                reason: "must be the JSON object produced by Yoti's face capture module".into(),
            });
        }
        Ok(())
    }
}

fn not_on(endpoint: AgeEndpoint, field: &'static str, why: &str) -> ValidationError {
    ValidationError::Invalid {
        field: field.into(),
        reason: Cow::Owned(format!("not accepted by {}: {why}", endpoint.path())),
    }
}

impl fmt::Debug for AgeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Img(usize);
        impl fmt::Debug for Img {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{} base64 chars>", self.0)
            }
        }
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
        f.debug_struct("AgeRequest")
            .field("img", &Img(self.img.len()))
            .field("threshold", &self.threshold)
            .field("operator", &self.operator)
            .field("metadata", &self.metadata)
            .field("level_of_assurance", &self.level_of_assurance)
            .field("img_validation_level", &self.img_validation_level)
            .field("secure", &self.secure.as_ref().map(|_| Redacted))
            .finish()
    }
}
