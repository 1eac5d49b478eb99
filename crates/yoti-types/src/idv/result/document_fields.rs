//! The text Yoti extracts from a document: the JSON content of a resource's
//! `document_fields.media`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The machine readable zone of a document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mrz {
    /// The MRZ format (1: three lines of 30, 2: two lines of 44, ...).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<u32>,
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Third line (format 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line3: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Which template the document was recognised as.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentTemplate {
    /// The template of the front.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_page_name: Option<String>,
    /// The template of the back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_page_name: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A postal address, as structured by Yoti; which fields are filled depends on
/// `address_format` (1: UK, 2: India, 3: USA, 4: one line, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StructuredPostalAddress {
    /// The format of the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_format: Option<u32>,
    /// "Care of" (India).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_of: Option<String>,
    /// Building name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Building number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_number: Option<String>,
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Address line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Address line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Address line 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// Address line 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line4: Option<String>,
    /// Town or city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town_city: Option<String>,
    /// Sub-district (India).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdistrict: Option<String>,
    /// District (India).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// State or county.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Post office (India).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_office: Option<String>,
    /// Country, ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso: Option<String>,
    /// Country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The whole address, formatted with newlines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted_address: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The text extracted from a document (ID or supplementary). Dates are kept as written
/// (`YYYY-MM-DD`). Which fields are present depends on the document; fields this version
/// does not model (`weight`, `eye_color`, driving licence classes...) are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentFields {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_names: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_birth: Option<String>,
    /// Nationality, ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Gender (`MALE`, `FEMALE`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// The address printed on the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_postal_address: Option<StructuredPostalAddress>,
    /// Document type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// Issuing country, ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// Document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// Expiration date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// Date of issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_issue: Option<String>,
    /// Issuing authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    /// Place of issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_issue: Option<String>,
    /// Personal identification number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_identification_number: Option<String>,
    /// The issuing organisation (supplementary documents: a utility, a bank...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The machine readable zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrz: Option<Mrz>,
    /// The recognised template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_template: Option<DocumentTemplate>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
