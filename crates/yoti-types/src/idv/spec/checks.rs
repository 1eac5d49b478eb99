//! `requested_checks` and their configurations.

use std::collections::BTreeMap;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::documents::DocumentFilter;
use crate::idv::serde_util::{config_from, ser_tagged_config, untag};
use crate::idv::{CheckType, LivenessType, SecretString};

open_enum! {
    /// When a human reviews a check.
    pub enum ManualCheck {
        /// `NEVER`: automated only.
        Never = "NEVER",
        /// `FALLBACK`: when the automated result is not conclusive.
        Fallback = "FALLBACK",
        /// `ALWAYS`: always reviewed.
        Always = "ALWAYS",
        /// `IBV`: reviewed in branch (only some check kinds accept it).
        Ibv = "IBV",
    }
}

open_enum! {
    /// A watchlist screening category.
    pub enum WatchlistCategory {
        /// `ADVERSE-MEDIA`.
        AdverseMedia = "ADVERSE-MEDIA",
        /// `SANCTIONS`.
        Sanctions = "SANCTIONS",
    }
}

open_enum! {
    /// Whose ComplyAdvantage account an advanced screening uses.
    pub enum CaAccountType {
        /// `WITH_YOTI_ACCOUNT`.
        WithYotiAccount = "WITH_YOTI_ACCOUNT",
        /// `WITH_CUSTOM_ACCOUNT`: the relying business's own (`api_key` required).
        WithCustomAccount = "WITH_CUSTOM_ACCOUNT",
    }
}

open_enum! {
    /// How the sources of an advanced screening are chosen.
    pub enum CaSourcesType {
        /// `TYPE_LIST`: a list of source types (`pep`, `warning`, ...).
        TypeList = "TYPE_LIST",
        /// `PROFILE`: a search profile configured at ComplyAdvantage.
        Profile = "PROFILE",
    }
}

open_enum! {
    /// How names are matched in an advanced screening.
    pub enum CaMatchingStrategyType {
        /// `EXACT`.
        Exact = "EXACT",
        /// `FUZZY`, with a `fuzziness` between 0 and 1.
        Fuzzy = "FUZZY",
    }
}

/// `issuing_authority_sub_check` of an authenticity check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IssuingAuthoritySubCheck {
    /// Whether the sub-check is requested.
    #[serde(default)]
    pub requested: bool,
    /// The documents it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<DocumentFilter>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Configuration of `ID_DOCUMENT_AUTHENTICITY`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdDocumentAuthenticityConfig {
    /// When a human reviews the check (`IBV` is not accepted here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Checks with the issuing authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority_sub_check: Option<IssuingAuthoritySubCheck>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A configuration holding only `manual_check` (face match, face comparison, in-branch
/// checks).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ManualCheckConfig {
    /// When a human reviews the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ManualCheckConfig {
    /// `{"manual_check": manual_check}`.
    pub fn new(manual_check: ManualCheck) -> Self {
        Self {
            manual_check: Some(manual_check),
            extra: Map::new(),
        }
    }
}

/// A configuration with no documented field (`ID_DOCUMENT_COMPARISON`, `THIRD_PARTY_IDENTITY`):
/// sent as `{}` plus whatever is put in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmptyConfig {
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Configuration of `LIVENESS`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LivenessConfig {
    /// `STATIC` or `ZOOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_type: Option<LivenessType>,
    /// How many times the user may retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// When a human reviews the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LivenessConfig {
    /// A liveness check of the given type.
    pub fn new(liveness_type: LivenessType) -> Self {
        Self {
            liveness_type: Some(liveness_type),
            ..Self::default()
        }
    }

    /// Sets `max_retries`.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }
}

/// Configuration of `WATCHLIST_SCREENING`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchlistScreeningConfig {
    /// Categories to screen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<WatchlistCategory>,
    /// When a human reviews the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `sources` of an advanced screening: a type list or a search profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaSources {
    /// `TYPE_LIST` or `PROFILE`.
    #[serde(rename = "type")]
    pub kind: CaSourcesType,
    /// Source types, for `TYPE_LIST` (`pep`, `fitness-probity`, `warning`, `sanction`,
    /// `adverse-media`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// The search profile, for `PROFILE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_profile: Option<String>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CaSources {
    /// `{"type": "TYPE_LIST", "types": [..]}`.
    pub fn type_list<I: IntoIterator<Item = S>, S: Into<String>>(types: I) -> Self {
        Self {
            kind: CaSourcesType::TypeList,
            types: Some(types.into_iter().map(Into::into).collect()),
            search_profile: None,
            extra: Map::new(),
        }
    }

    /// `{"type": "PROFILE", "search_profile": ..}`.
    pub fn profile(search_profile: impl Into<String>) -> Self {
        Self {
            kind: CaSourcesType::Profile,
            types: None,
            search_profile: Some(search_profile.into()),
            extra: Map::new(),
        }
    }
}

/// `matching_strategy` of an advanced screening.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaMatchingStrategy {
    /// `EXACT` or `FUZZY`.
    #[serde(rename = "type")]
    pub kind: CaMatchingStrategyType,
    /// For `EXACT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_match: Option<bool>,
    /// For `FUZZY`: between 0 and 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuzziness: Option<f64>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CaMatchingStrategy {
    /// `{"type": "EXACT", "exact_match": true}`.
    pub fn exact() -> Self {
        Self {
            kind: CaMatchingStrategyType::Exact,
            exact_match: Some(true),
            fuzziness: None,
            extra: Map::new(),
        }
    }

    /// `{"type": "FUZZY", "fuzziness": ..}`.
    pub fn fuzzy(fuzziness: f64) -> Self {
        Self {
            kind: CaMatchingStrategyType::Fuzzy,
            exact_match: None,
            fuzziness: Some(fuzziness),
            extra: Map::new(),
        }
    }
}

/// Configuration of `WATCHLIST_ADVANCED_CA` (ComplyAdvantage, Yoti's account or your own).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchlistAdvancedCaConfig {
    /// `WITH_YOTI_ACCOUNT` or `WITH_CUSTOM_ACCOUNT`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<CaAccountType>,
    /// When a human reviews the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Whether deceased people are left out of the results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_deceased: Option<bool>,
    /// Whether a share URL of the search is returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_url: Option<bool>,
    /// Which sources are searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<CaSources>,
    /// How names are matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_strategy: Option<CaMatchingStrategy>,
    /// Your ComplyAdvantage API key (custom account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretString>,
    /// Whether ComplyAdvantage keeps monitoring the subject (custom account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<bool>,
    /// Tags attached to the search (custom account).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Your reference for the search (custom account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Configuration of `DOCUMENT_SCHEME_VALIDITY_CHECK`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentSchemeValidityConfig {
    /// When a human reviews the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// The scheme (`UK_DBS`, `UK_GDS`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `requested_checks`: `{"type": .., "config": {..}}`.
///
/// `config` is optional on the wire (`{"type": "THIRD_PARTY_IDENTITY"}` is valid) and is sent
/// only when set.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RequestedCheck {
    /// `ID_DOCUMENT_AUTHENTICITY`.
    IdDocumentAuthenticity {
        /// Its configuration.
        config: Option<IdDocumentAuthenticityConfig>,
    },
    /// `ID_DOCUMENT_COMPARISON`.
    IdDocumentComparison {
        /// Its configuration.
        config: Option<EmptyConfig>,
    },
    /// `ID_DOCUMENT_FACE_MATCH`.
    IdDocumentFaceMatch {
        /// Its configuration.
        config: Option<ManualCheckConfig>,
    },
    /// `LIVENESS`.
    Liveness {
        /// Its configuration.
        config: Option<LivenessConfig>,
    },
    /// `FACE_COMPARISON`.
    FaceComparison {
        /// Its configuration.
        config: Option<ManualCheckConfig>,
    },
    /// `WATCHLIST_SCREENING`.
    WatchlistScreening {
        /// Its configuration.
        config: Option<WatchlistScreeningConfig>,
    },
    /// `WATCHLIST_ADVANCED_CA`.
    WatchlistAdvancedCa {
        /// Its configuration.
        config: Option<WatchlistAdvancedCaConfig>,
    },
    /// `THIRD_PARTY_IDENTITY`.
    ThirdPartyIdentity {
        /// Its configuration.
        config: Option<EmptyConfig>,
    },
    /// `IBV_VISUAL_REVIEW_CHECK`.
    IbvVisualReviewCheck {
        /// Its configuration.
        config: Option<ManualCheckConfig>,
    },
    /// `PROFILE_DOCUMENT_MATCH`.
    ProfileDocumentMatch {
        /// Its configuration.
        config: Option<ManualCheckConfig>,
    },
    /// `DOCUMENT_SCHEME_VALIDITY_CHECK`.
    DocumentSchemeValidityCheck {
        /// Its configuration.
        config: Option<DocumentSchemeValidityConfig>,
    },
    /// A check kind this version does not model, sent as given.
    Other {
        /// Its `type`.
        kind: String,
        /// Its `config`, if any.
        config: Option<Value>,
        /// Other top-level fields of the entry.
        fields: Map<String, Value>,
    },
}

impl RequestedCheck {
    /// `ID_DOCUMENT_AUTHENTICITY` with a configuration.
    pub fn id_document_authenticity(config: IdDocumentAuthenticityConfig) -> Self {
        Self::IdDocumentAuthenticity {
            config: Some(config),
        }
    }

    /// `ID_DOCUMENT_COMPARISON` (sent with `"config": {}`).
    pub fn id_document_comparison() -> Self {
        Self::IdDocumentComparison {
            config: Some(EmptyConfig::default()),
        }
    }

    /// `ID_DOCUMENT_FACE_MATCH` with a manual check policy.
    pub fn id_document_face_match(manual_check: ManualCheck) -> Self {
        Self::IdDocumentFaceMatch {
            config: Some(ManualCheckConfig::new(manual_check)),
        }
    }

    /// `LIVENESS` with a configuration.
    pub fn liveness(config: LivenessConfig) -> Self {
        Self::Liveness {
            config: Some(config),
        }
    }

    /// `FACE_COMPARISON` with a manual check policy.
    pub fn face_comparison(manual_check: ManualCheck) -> Self {
        Self::FaceComparison {
            config: Some(ManualCheckConfig::new(manual_check)),
        }
    }

    /// `WATCHLIST_SCREENING` with a configuration.
    pub fn watchlist_screening(config: WatchlistScreeningConfig) -> Self {
        Self::WatchlistScreening {
            config: Some(config),
        }
    }

    /// `WATCHLIST_ADVANCED_CA` with a configuration.
    pub fn watchlist_advanced_ca(config: WatchlistAdvancedCaConfig) -> Self {
        Self::WatchlistAdvancedCa {
            config: Some(config),
        }
    }

    /// `THIRD_PARTY_IDENTITY` (sent without `config`).
    pub fn third_party_identity() -> Self {
        Self::ThirdPartyIdentity { config: None }
    }

    /// A kind this version does not model. (A modelled kind given here is sent as given but
    /// parses back into its typed variant.)
    pub fn other(kind: impl Into<String>, config: Option<Value>) -> Self {
        Self::Other {
            kind: kind.into(),
            config,
            fields: Map::new(),
        }
    }

    /// The kind of this check.
    pub fn kind(&self) -> CheckType {
        match self {
            Self::IdDocumentAuthenticity { .. } => CheckType::IdDocumentAuthenticity,
            Self::IdDocumentComparison { .. } => CheckType::IdDocumentComparison,
            Self::IdDocumentFaceMatch { .. } => CheckType::IdDocumentFaceMatch,
            Self::Liveness { .. } => CheckType::Liveness,
            Self::FaceComparison { .. } => CheckType::FaceComparison,
            Self::WatchlistScreening { .. } => CheckType::WatchlistScreening,
            Self::WatchlistAdvancedCa { .. } => CheckType::WatchlistAdvancedCa,
            Self::ThirdPartyIdentity { .. } => CheckType::ThirdPartyIdentity,
            Self::IbvVisualReviewCheck { .. } => CheckType::IbvVisualReviewCheck,
            Self::ProfileDocumentMatch { .. } => CheckType::ProfileDocumentMatch,
            Self::DocumentSchemeValidityCheck { .. } => CheckType::DocumentSchemeValidityCheck,
            Self::Other { kind, .. } => CheckType::from(kind.as_str()),
        }
    }
}

impl Serialize for RequestedCheck {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = self.kind();
        let kind = kind.as_str();
        match self {
            Self::IdDocumentAuthenticity { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::IdDocumentComparison { config } | Self::ThirdPartyIdentity { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::IdDocumentFaceMatch { config }
            | Self::FaceComparison { config }
            | Self::IbvVisualReviewCheck { config }
            | Self::ProfileDocumentMatch { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::Liveness { config } => ser_tagged_config(s, kind, config.as_ref(), None),
            Self::WatchlistScreening { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::WatchlistAdvancedCa { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::DocumentSchemeValidityCheck { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::Other { config, fields, .. } => {
                ser_tagged_config(s, kind, config.as_ref(), Some(fields))
            }
        }
    }
}

impl<'de> Deserialize<'de> for RequestedCheck {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (kind, mut fields) = untag(deserializer)?;
        let config = fields.remove("config");
        let what = kind.as_str();
        Ok(match CheckType::from(what) {
            CheckType::IdDocumentAuthenticity => Self::IdDocumentAuthenticity {
                config: config_from(config, what)?,
            },
            CheckType::IdDocumentComparison => Self::IdDocumentComparison {
                config: config_from(config, what)?,
            },
            CheckType::IdDocumentFaceMatch => Self::IdDocumentFaceMatch {
                config: config_from(config, what)?,
            },
            CheckType::Liveness => Self::Liveness {
                config: config_from(config, what)?,
            },
            CheckType::FaceComparison => Self::FaceComparison {
                config: config_from(config, what)?,
            },
            CheckType::WatchlistScreening => Self::WatchlistScreening {
                config: config_from(config, what)?,
            },
            CheckType::WatchlistAdvancedCa => Self::WatchlistAdvancedCa {
                config: config_from(config, what)?,
            },
            CheckType::ThirdPartyIdentity => Self::ThirdPartyIdentity {
                config: config_from(config, what)?,
            },
            CheckType::IbvVisualReviewCheck => Self::IbvVisualReviewCheck {
                config: config_from(config, what)?,
            },
            CheckType::ProfileDocumentMatch => Self::ProfileDocumentMatch {
                config: config_from(config, what)?,
            },
            CheckType::DocumentSchemeValidityCheck => Self::DocumentSchemeValidityCheck {
                config: config_from(config, what)?,
            },
            _ => Self::Other {
                kind,
                config,
                fields,
            },
        })
    }
}
