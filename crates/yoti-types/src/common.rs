//! Shapes shared by every service: unknown enum values and lenient timestamps.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An enum value the server sent that this version of the crate does not know.
///
/// Opaque on purpose (as smithy-rs does): when a later version promotes the value to a named
/// variant, code that matched on `Unknown` keeps compiling. Read it with [`as_str`](Self::as_str).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

impl UnknownValue {
    pub(crate) fn new(value: &str) -> Self {
        Self(value.into())
    }

    pub(crate) fn from_string(value: String) -> Self {
        Self(value.into_boxed_str())
    }

    /// The value exactly as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A date-time as the server wrote it (ISO 8601 / RFC 3339 in practice).
///
/// Kept as the original string so that nothing is lost and a malformed or placeholder value
/// never fails a whole parse; [`to_offset_date_time`](Self::to_offset_date_time) interprets it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// Wraps a timestamp string as received or to be sent.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Formats a point in time as RFC 3339.
    pub fn from_offset_date_time(value: OffsetDateTime) -> Self {
        // Formatting an OffsetDateTime as RFC 3339 fails only for years outside 0..=9999.
        Self(
            value
                .format(&Rfc3339)
                .unwrap_or_else(|_| value.unix_timestamp().to_string()),
        )
    }

    /// The timestamp string exactly as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the timestamp as RFC 3339.
    ///
    /// # Errors
    /// When the string is not an RFC 3339 date-time.
    pub fn to_offset_date_time(&self) -> Result<OffsetDateTime, time::error::Parse> {
        OffsetDateTime::parse(&self.0, &Rfc3339)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Self::from_offset_date_time(value)
    }
}

#[cfg(test)]
#[expect(
    unreachable_pub,
    reason = "the macro declares public items; this one is test-only"
)]
mod tests {
    use super::*;

    open_enum! {
        /// A test enum.
        pub enum Colour {
            /// Red.
            Red = "RED" | "red",
            /// Blue.
            Blue = "BLUE",
        }
    }

    #[test]
    fn open_enum_round_trips_known_aliases_and_unknown_values() {
        let parsed: Vec<Colour> = serde_json::from_str(r#"["RED","red","BLUE","GREEN"]"#).unwrap();
        assert_eq!(parsed[0], Colour::Red);
        assert_eq!(parsed[1], Colour::Red);
        assert_eq!(parsed[2], Colour::Blue);
        assert!(parsed[3].is_unknown());
        assert_eq!(parsed[3].as_str(), "GREEN");
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["RED","RED","BLUE","GREEN"]"#
        );
        assert_eq!(Colour::KNOWN, &[Colour::Red, Colour::Blue]);
    }

    #[test]
    fn timestamp_keeps_placeholders_and_parses_rfc3339() {
        let t: Timestamp = serde_json::from_str(r#""2021-06-11T11:39:24Z""#).unwrap();
        assert_eq!(
            t.to_offset_date_time().unwrap().unix_timestamp(),
            1_623_411_564
        );
        let p: Timestamp = serde_json::from_str(r#""string""#).unwrap();
        assert!(p.to_offset_date_time().is_err());
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""string""#);
    }
}
