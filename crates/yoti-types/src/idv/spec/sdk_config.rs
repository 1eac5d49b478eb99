//! `sdk_config`: how Yoti's web and native clients present the session.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::idv::serde_util::{impl_open_enum, opt_any_case};

open_enum! {
    /// Which capture methods the client offers for documents. The API accepts any case;
    /// parsing does too.
    pub enum AllowedCaptureMethods {
        /// `CAMERA_AND_UPLOAD`: camera or file upload.
        CameraAndUpload = "CAMERA_AND_UPLOAD",
        /// `CAMERA`: camera only.
        Camera = "CAMERA",
    }
}

open_enum! {
    /// Dark mode of the client.
    pub enum DarkMode {
        /// `ON`.
        On = "ON",
        /// `OFF`.
        Off = "OFF",
        /// `AUTO`: follow the device.
        Auto = "AUTO",
    }
}

open_enum! {
    /// When the client asks for biometric consent.
    pub enum BiometricConsentFlow {
        /// `EARLY`: at the start of the flow.
        Early = "EARLY",
        /// `JUST_IN_TIME`: right before the biometric step.
        JustInTime = "JUST_IN_TIME",
    }
}

impl_open_enum!(AllowedCaptureMethods);

/// `attempts_configuration`: how many retries the user gets in given situations.
///
/// Yoti treats the inner objects as maps whose keys may change (`GENERIC`,
/// `RECLASSIFICATION`, ...), so they are maps here too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttemptsConfiguration {
    /// Retries of ID document text extraction, by reason (`ID_DOCUMENT_TEXT_DATA_EXTRACTION`).
    #[serde(
        rename = "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub id_document_text_data_extraction: BTreeMap<String, u32>,
    /// Retry maps of other kinds, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AttemptsConfiguration {
    /// The catch-all reason key of text extraction attempts.
    pub const GENERIC: &'static str = "GENERIC";
    /// The reason key for documents reclassified during extraction.
    pub const RECLASSIFICATION: &'static str = "RECLASSIFICATION";

    /// Sets the number of ID document text extraction attempts for one reason.
    #[must_use]
    pub fn id_document_text_data_extraction(
        mut self,
        reason: impl Into<String>,
        attempts: u32,
    ) -> Self {
        self.id_document_text_data_extraction
            .insert(reason.into(), attempts);
        self
    }
}

/// The `sdk_config` object of a session specification: every field of the reference and of
/// Yoti's SDKs. Colours must be `#rgb` or `#rrggbb`; the locale must not be blank.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SdkConfig {
    /// `CAMERA_AND_UPLOAD` or `CAMERA`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_any_case"
    )]
    pub allowed_capture_methods: Option<AllowedCaptureMethods>,
    /// Main colour of the client, `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_colour: Option<String>,
    /// Main colour in dark mode, `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_colour_dark_mode: Option<String>,
    /// Secondary colour (buttons), `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_colour: Option<String>,
    /// Font colour, `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font_colour: Option<String>,
    /// Dark mode: `ON`, `OFF` or `AUTO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_mode: Option<DarkMode>,
    /// Language of the client, for example `en-GB`. Must not be blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Country preselected in the document step (ISO 3166-1 alpha-3, e.g. `GBR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset_issuing_country: Option<String>,
    /// Where the client goes after success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Where the client goes after an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_url: Option<String>,
    /// The relying business's privacy policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// Retry limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_configuration: Option<AttemptsConfiguration>,
    /// Whether the user may hand off to a mobile device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_handoff: Option<bool>,
    /// A brand configured in Yoti Hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<String>,
    /// When biometric consent is asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric_consent_flow: Option<BiometricConsentFlow>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! setters {
    ($( $(#[$m:meta])* $name:ident: $ty:ty ),+ $(,)?) => {
        $(
            $(#[$m])*
            #[must_use]
            pub fn $name(mut self, value: impl Into<$ty>) -> Self {
                self.$name = Some(value.into());
                self
            }
        )+
    };
}

impl SdkConfig {
    /// An empty configuration (every field left to Yoti's default).
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets `allowed_capture_methods`.
        allowed_capture_methods: AllowedCaptureMethods,
        /// Sets `primary_colour` (`#rgb` or `#rrggbb`).
        primary_colour: String,
        /// Sets `primary_colour_dark_mode` (`#rgb` or `#rrggbb`).
        primary_colour_dark_mode: String,
        /// Sets `secondary_colour` (`#rgb` or `#rrggbb`).
        secondary_colour: String,
        /// Sets `font_colour` (`#rgb` or `#rrggbb`).
        font_colour: String,
        /// Sets `dark_mode`.
        dark_mode: DarkMode,
        /// Sets `locale` (for example `en-GB`).
        locale: String,
        /// Sets `preset_issuing_country` (ISO 3166-1 alpha-3).
        preset_issuing_country: String,
        /// Sets `success_url`.
        success_url: String,
        /// Sets `error_url`.
        error_url: String,
        /// Sets `privacy_policy_url`.
        privacy_policy_url: String,
        /// Sets `attempts_configuration`.
        attempts_configuration: AttemptsConfiguration,
        /// Sets `allow_handoff`.
        allow_handoff: bool,
        /// Sets `brand_id`.
        brand_id: String,
        /// Sets `biometric_consent_flow`.
        biometric_consent_flow: BiometricConsentFlow,
    }
}
