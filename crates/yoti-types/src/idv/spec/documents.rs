//! `required_documents` and document filters.

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::idv::serde_util::{any_case, from_fields, impl_open_enum, ser_tagged, untag};

open_enum! {
    /// Whether a restriction lists what is allowed or what is refused.
    ///
    /// The API accepts any case and the deprecated `WHITELIST` / `BLACKLIST`; the restriction
    /// structs of this module parse them all (`whitelist` becomes [`Include`](Self::Include))
    /// and always send `INCLUDE` / `EXCLUDE`.
    pub enum Inclusion {
        /// `INCLUDE` (deprecated spelling: `WHITELIST`): only the listed values are allowed.
        Include = "INCLUDE" | "WHITELIST",
        /// `EXCLUDE` (deprecated spelling: `BLACKLIST`): the listed values are refused.
        Exclude = "EXCLUDE" | "BLACKLIST",
    }
}

open_enum! {
    /// What a supplementary document is for.
    pub enum ObjectiveType {
        /// `PROOF_OF_ADDRESS`.
        ProofOfAddress = "PROOF_OF_ADDRESS",
    }
}

impl_open_enum!(Inclusion);

/// `country_restriction` of an orthogonal filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountryRestriction {
    /// Include or exclude the listed countries.
    #[serde(deserialize_with = "any_case")]
    pub inclusion: Inclusion,
    /// ISO 3166-1 alpha-3 country codes.
    #[serde(default)]
    pub country_codes: Vec<String>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CountryRestriction {
    /// Allows only documents issued by these countries.
    pub fn include<I: IntoIterator<Item = S>, S: Into<String>>(country_codes: I) -> Self {
        Self::new(Inclusion::Include, country_codes)
    }

    /// Refuses documents issued by these countries.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(country_codes: I) -> Self {
        Self::new(Inclusion::Exclude, country_codes)
    }

    fn new<I: IntoIterator<Item = S>, S: Into<String>>(inclusion: Inclusion, codes: I) -> Self {
        Self {
            inclusion,
            country_codes: codes.into_iter().map(Into::into).collect(),
            extra: Map::new(),
        }
    }
}

/// `type_restriction` of an orthogonal filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeRestriction {
    /// Include or exclude the listed document types.
    #[serde(deserialize_with = "any_case")]
    pub inclusion: Inclusion,
    /// Document types (`PASSPORT`, `DRIVING_LICENCE`, `NATIONAL_ID`, ...).
    #[serde(default)]
    pub document_types: Vec<String>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TypeRestriction {
    /// Allows only these document types.
    pub fn include<I: IntoIterator<Item = S>, S: Into<String>>(document_types: I) -> Self {
        Self::new(Inclusion::Include, document_types)
    }

    /// Refuses these document types.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(document_types: I) -> Self {
        Self::new(Inclusion::Exclude, document_types)
    }

    fn new<I: IntoIterator<Item = S>, S: Into<String>>(inclusion: Inclusion, types: I) -> Self {
        Self {
            inclusion,
            document_types: types.into_iter().map(Into::into).collect(),
            extra: Map::new(),
        }
    }
}

/// An `ORTHOGONAL_RESTRICTIONS` filter: countries and types restricted independently.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrthogonalRestrictionsFilter {
    /// Which issuing countries are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_restriction: Option<CountryRestriction>,
    /// Which document types are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_restriction: Option<TypeRestriction>,
    /// Whether documents in a non-latin script are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_non_latin_documents: Option<bool>,
    /// Whether expired documents are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_expired_documents: Option<bool>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of a `DOCUMENT_RESTRICTIONS` filter: a set of countries crossed with a set of
/// document types. An absent list means "any".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentRestriction {
    /// ISO 3166-1 alpha-3 country codes; absent means any country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_codes: Option<Vec<String>>,
    /// Document types; absent means any type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_types: Option<Vec<String>>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DocumentRestriction {
    /// Documents of `document_types` issued by `country_codes`.
    pub fn new<C, T, S1, S2>(country_codes: C, document_types: T) -> Self
    where
        C: IntoIterator<Item = S1>,
        T: IntoIterator<Item = S2>,
        S1: Into<String>,
        S2: Into<String>,
    {
        Self {
            country_codes: Some(country_codes.into_iter().map(Into::into).collect()),
            document_types: Some(document_types.into_iter().map(Into::into).collect()),
            extra: Map::new(),
        }
    }
}

/// A `DOCUMENT_RESTRICTIONS` filter: a list of (countries x types) entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentRestrictionsFilter {
    /// Include or exclude the listed documents.
    #[serde(deserialize_with = "any_case")]
    pub inclusion: Inclusion,
    /// The listed documents.
    #[serde(default)]
    pub documents: Vec<DocumentRestriction>,
    /// Whether documents in a non-latin script are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_non_latin_documents: Option<bool>,
    /// Whether expired documents are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_expired_documents: Option<bool>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DocumentRestrictionsFilter {
    /// Allows only the listed documents.
    pub fn include(documents: impl IntoIterator<Item = DocumentRestriction>) -> Self {
        Self::new(Inclusion::Include, documents)
    }

    /// Refuses the listed documents.
    pub fn exclude(documents: impl IntoIterator<Item = DocumentRestriction>) -> Self {
        Self::new(Inclusion::Exclude, documents)
    }

    fn new(inclusion: Inclusion, documents: impl IntoIterator<Item = DocumentRestriction>) -> Self {
        Self {
            inclusion,
            documents: documents.into_iter().collect(),
            allow_non_latin_documents: None,
            allow_expired_documents: None,
            extra: Map::new(),
        }
    }
}

/// A document filter, tagged by `type`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum DocumentFilter {
    /// `ORTHOGONAL_RESTRICTIONS`.
    OrthogonalRestrictions(OrthogonalRestrictionsFilter),
    /// `DOCUMENT_RESTRICTIONS`.
    DocumentRestrictions(DocumentRestrictionsFilter),
    /// A filter kind this version does not know, kept as given.
    Other {
        /// Its `type`.
        kind: String,
        /// Its other fields.
        fields: Map<String, Value>,
    },
}

impl DocumentFilter {
    /// The `type` of this filter.
    pub fn kind(&self) -> &str {
        match self {
            Self::OrthogonalRestrictions(_) => "ORTHOGONAL_RESTRICTIONS",
            Self::DocumentRestrictions(_) => "DOCUMENT_RESTRICTIONS",
            Self::Other { kind, .. } => kind,
        }
    }
}

impl From<OrthogonalRestrictionsFilter> for DocumentFilter {
    fn from(filter: OrthogonalRestrictionsFilter) -> Self {
        Self::OrthogonalRestrictions(filter)
    }
}

impl From<DocumentRestrictionsFilter> for DocumentFilter {
    fn from(filter: DocumentRestrictionsFilter) -> Self {
        Self::DocumentRestrictions(filter)
    }
}

impl Serialize for DocumentFilter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::OrthogonalRestrictions(f) => ser_tagged(serializer, self.kind(), f),
            Self::DocumentRestrictions(f) => ser_tagged(serializer, self.kind(), f),
            Self::Other { kind, fields } => ser_tagged(serializer, kind, fields),
        }
    }
}

impl<'de> Deserialize<'de> for DocumentFilter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (kind, fields) = untag(deserializer)?;
        Ok(match kind.as_str() {
            "ORTHOGONAL_RESTRICTIONS" => Self::OrthogonalRestrictions(from_fields(fields, &kind)?),
            "DOCUMENT_RESTRICTIONS" => Self::DocumentRestrictions(from_fields(fields, &kind)?),
            _ => Self::Other { kind, fields },
        })
    }
}

/// The `objective` of a supplementary document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// What the document is for.
    #[serde(rename = "type")]
    pub kind: ObjectiveType,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Objective {
    /// `{"type": "PROOF_OF_ADDRESS"}`.
    pub fn proof_of_address() -> Self {
        Self {
            kind: ObjectiveType::ProofOfAddress,
            extra: Map::new(),
        }
    }
}

/// A required `ID_DOCUMENT`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequiredIdDocument {
    /// Which documents are acceptable (any, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<DocumentFilter>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A required `SUPPLEMENTARY_DOCUMENT` (a utility bill, a bank statement...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequiredSupplementaryDocument {
    /// Which documents are acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<DocumentFilter>,
    /// Allowed issuing countries (any, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_codes: Option<Vec<String>>,
    /// Allowed document types (any, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_types: Option<Vec<String>>,
    /// What the document is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Objective>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `required_documents`, tagged by `type`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RequiredDocument {
    /// `ID_DOCUMENT`.
    IdDocument(RequiredIdDocument),
    /// `SUPPLEMENTARY_DOCUMENT`.
    SupplementaryDocument(RequiredSupplementaryDocument),
    /// A document kind this version does not know, kept as given.
    Other {
        /// Its `type`.
        kind: String,
        /// Its other fields.
        fields: Map<String, Value>,
    },
}

impl RequiredDocument {
    /// Any ID document.
    pub fn id_document() -> Self {
        Self::IdDocument(RequiredIdDocument::default())
    }

    /// An ID document accepted by `filter`.
    pub fn id_document_with_filter(filter: impl Into<DocumentFilter>) -> Self {
        Self::IdDocument(RequiredIdDocument {
            filter: Some(filter.into()),
            extra: Map::new(),
        })
    }

    /// A proof-of-address supplementary document.
    pub fn proof_of_address() -> Self {
        Self::SupplementaryDocument(RequiredSupplementaryDocument {
            objective: Some(Objective::proof_of_address()),
            ..RequiredSupplementaryDocument::default()
        })
    }

    /// The `type` of this entry.
    pub fn kind(&self) -> &str {
        match self {
            Self::IdDocument(_) => "ID_DOCUMENT",
            Self::SupplementaryDocument(_) => "SUPPLEMENTARY_DOCUMENT",
            Self::Other { kind, .. } => kind,
        }
    }
}

impl Serialize for RequiredDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::IdDocument(d) => ser_tagged(serializer, self.kind(), d),
            Self::SupplementaryDocument(d) => ser_tagged(serializer, self.kind(), d),
            Self::Other { kind, fields } => ser_tagged(serializer, kind, fields),
        }
    }
}

impl<'de> Deserialize<'de> for RequiredDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (kind, fields) = untag(deserializer)?;
        Ok(match kind.as_str() {
            "ID_DOCUMENT" => Self::IdDocument(from_fields(fields, &kind)?),
            "SUPPLEMENTARY_DOCUMENT" => Self::SupplementaryDocument(from_fields(fields, &kind)?),
            _ => Self::Other { kind, fields },
        })
    }
}
