//! `requested_tasks` and their configurations.

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checks::ManualCheck;
use crate::idv::TaskType;
use crate::idv::serde_util::{config_from, ser_tagged_config, untag};

open_enum! {
    /// Whether the data of a document's chip is read.
    pub enum ChipData {
        /// `DESIRED`: read the chip when there is one.
        Desired = "DESIRED",
        /// `IGNORE`: do not read it.
        Ignore = "IGNORE",
    }
}

/// Configuration of `ID_DOCUMENT_TEXT_DATA_EXTRACTION`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdDocumentTextExtractionConfig {
    /// When a human does the extraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Whether the chip is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_data: Option<ChipData>,
    /// Whether expanded document fields are produced as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_expanded_document_fields: Option<bool>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdDocumentTextExtractionConfig {
    /// A configuration with a manual check policy.
    pub fn new(manual_check: ManualCheck) -> Self {
        Self {
            manual_check: Some(manual_check),
            ..Self::default()
        }
    }

    /// Sets `chip_data`.
    #[must_use]
    pub fn chip_data(mut self, chip_data: ChipData) -> Self {
        self.chip_data = Some(chip_data);
        self
    }
}

/// Configuration of `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SupplementaryDocumentTextExtractionConfig {
    /// When a human does the extraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<ManualCheck>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `requested_tasks`: `{"type": .., "config": {..}}`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RequestedTask {
    /// `ID_DOCUMENT_TEXT_DATA_EXTRACTION`.
    IdDocumentTextDataExtraction {
        /// Its configuration.
        config: Option<IdDocumentTextExtractionConfig>,
    },
    /// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION`.
    SupplementaryDocumentTextDataExtraction {
        /// Its configuration.
        config: Option<SupplementaryDocumentTextExtractionConfig>,
    },
    /// A task kind this version does not model, sent as given.
    Other {
        /// Its `type`.
        kind: String,
        /// Its `config`, if any.
        config: Option<Value>,
        /// Other top-level fields of the entry.
        fields: Map<String, Value>,
    },
}

impl RequestedTask {
    /// `ID_DOCUMENT_TEXT_DATA_EXTRACTION` with a configuration.
    pub fn id_document_text_data_extraction(config: IdDocumentTextExtractionConfig) -> Self {
        Self::IdDocumentTextDataExtraction {
            config: Some(config),
        }
    }

    /// `SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION` with a manual check policy.
    pub fn supplementary_document_text_data_extraction(manual_check: ManualCheck) -> Self {
        Self::SupplementaryDocumentTextDataExtraction {
            config: Some(SupplementaryDocumentTextExtractionConfig {
                manual_check: Some(manual_check),
                extra: Map::new(),
            }),
        }
    }

    /// The kind of this task.
    pub fn kind(&self) -> TaskType {
        match self {
            Self::IdDocumentTextDataExtraction { .. } => TaskType::IdDocumentTextDataExtraction,
            Self::SupplementaryDocumentTextDataExtraction { .. } => {
                TaskType::SupplementaryDocumentTextDataExtraction
            }
            Self::Other { kind, .. } => TaskType::from(kind.as_str()),
        }
    }
}

impl Serialize for RequestedTask {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = self.kind();
        let kind = kind.as_str();
        match self {
            Self::IdDocumentTextDataExtraction { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::SupplementaryDocumentTextDataExtraction { config } => {
                ser_tagged_config(s, kind, config.as_ref(), None)
            }
            Self::Other { config, fields, .. } => {
                ser_tagged_config(s, kind, config.as_ref(), Some(fields))
            }
        }
    }
}

impl<'de> Deserialize<'de> for RequestedTask {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (kind, mut fields) = untag(deserializer)?;
        let config = fields.remove("config");
        let what = kind.as_str();
        Ok(match TaskType::from(what) {
            TaskType::IdDocumentTextDataExtraction => Self::IdDocumentTextDataExtraction {
                config: config_from(config, what)?,
            },
            TaskType::SupplementaryDocumentTextDataExtraction => {
                Self::SupplementaryDocumentTextDataExtraction {
                    config: config_from(config, what)?,
                }
            }
            _ => Self::Other {
                kind,
                config,
                fields,
            },
        })
    }
}
