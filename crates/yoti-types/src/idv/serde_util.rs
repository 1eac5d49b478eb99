//! Private serde helpers shared by the IDV models: lenient numbers, case-insensitive enums, and
//! objects tagged by a `type` field.

use std::borrow::Cow;

use serde::de::{self, DeserializeOwned, Deserializer, Error as _, Unexpected};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Deserializes an optional unsigned integer sent either as a JSON number or as a numeric
/// string (Yoti's own examples send `"resources_ttl": "1209600"`).
pub(crate) fn opt_u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString<'a> {
        Number(u64),
        String(Cow<'a, str>),
    }
    match Option::<NumberOrString<'de>>::deserialize(d)? {
        None => Ok(None),
        Some(NumberOrString::Number(n)) => Ok(Some(n)),
        Some(NumberOrString::String(s)) => {
            s.trim().parse().map(Some).map_err(|_| {
                D::Error::invalid_value(Unexpected::Str(&s), &"a non-negative integer")
            })
        }
    }
}

/// An enum declared with `open_enum!`, seen generically.
pub(crate) trait OpenEnum: Sized {
    fn from_wire(value: &str) -> Self;
    fn unknown(&self) -> bool;
}

macro_rules! impl_open_enum {
    ($($t:ty),+ $(,)?) => {
        $(impl $crate::idv::serde_util::OpenEnum for $t {
            fn from_wire(value: &str) -> Self {
                Self::from(value)
            }
            fn unknown(&self) -> bool {
                self.is_unknown()
            }
        })+
    };
}
pub(crate) use impl_open_enum;

/// Parses an open enum value ignoring ASCII case: the exact spelling first, then its upper
/// case; a value unknown in both keeps its original spelling.
pub(crate) fn parse_any_case<T: OpenEnum>(value: &str) -> T {
    let exact = T::from_wire(value);
    if !exact.unknown() {
        return exact;
    }
    let upper = T::from_wire(&value.to_ascii_uppercase());
    if upper.unknown() { exact } else { upper }
}

/// `deserialize_with` for an open enum field that the API accepts in any case.
pub(crate) fn any_case<'de, D: Deserializer<'de>, T: OpenEnum>(d: D) -> Result<T, D::Error> {
    let value = Cow::<'de, str>::deserialize(d)?;
    Ok(parse_any_case(&value))
}

/// `deserialize_with` for an optional open enum field that the API accepts in any case.
pub(crate) fn opt_any_case<'de, D: Deserializer<'de>, T: OpenEnum>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let value = Option::<Cow<'de, str>>::deserialize(d)?;
    Ok(value.map(|v| parse_any_case(&v)))
}

/// `deserialize_with` for the `tasks` of a resource: Yoti's SDKs accept a task given as a
/// plain string (its `type`), read here as `{"type": ..}`; objects parse as usual.
pub(crate) fn tasks_lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Option::<Vec<Value>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|task| {
            let task = match task {
                Value::String(kind) => {
                    Value::Object(Map::from_iter([("type".to_owned(), Value::String(kind))]))
                }
                other => other,
            };
            T::deserialize(task).map_err(D::Error::custom)
        })
        .collect()
}

/// Reads an object tagged by a string `type` field: returns the tag and the other fields.
pub(crate) fn untag<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<(String, Map<String, Value>), D::Error> {
    let mut map = Map::<String, Value>::deserialize(d)?;
    match map.remove("type") {
        Some(Value::String(kind)) => Ok((kind, map)),
        Some(other) => Err(D::Error::invalid_type(
            unexpected(&other),
            &"a string `type`",
        )),
        None => Err(D::Error::missing_field("type")),
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Deserializes the other fields of a tagged object into its typed payload; `what` names the
/// kind in the error message.
pub(crate) fn from_fields<T: DeserializeOwned, E: de::Error>(
    fields: Map<String, Value>,
    what: &str,
) -> Result<T, E> {
    T::deserialize(Value::Object(fields)).map_err(|e| E::custom(format_args!("{what}: {e}")))
}

/// Deserializes an optional `config` value of a tagged object.
pub(crate) fn config_from<T: DeserializeOwned, E: de::Error>(
    config: Option<Value>,
    what: &str,
) -> Result<Option<T>, E> {
    match config {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|e| E::custom(format_args!("config of {what}: {e}"))),
    }
}

/// Serializes `{"type": kind, ...fields of inner}`.
pub(crate) fn ser_tagged<S: Serializer, T: Serialize>(
    serializer: S,
    kind: &str,
    inner: &T,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(flatten)]
        inner: &'a T,
    }
    Tagged { kind, inner }.serialize(serializer)
}

/// Serializes `{"type": kind, "config": config?, ...extra}`.
pub(crate) fn ser_tagged_config<S: Serializer, C: Serialize>(
    serializer: S,
    kind: &str,
    config: Option<&C>,
    extra: Option<&Map<String, Value>>,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct TaggedConfig<'a, C> {
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        config: Option<&'a C>,
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        extra: Option<&'a Map<String, Value>>,
    }
    TaggedConfig {
        kind,
        config,
        extra,
    }
    .serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Ttl {
        #[serde(default, deserialize_with = "opt_u64_lenient")]
        ttl: Option<u64>,
    }

    #[test]
    fn lenient_integers_accept_numbers_and_numeric_strings() {
        let parse = |s: &str| serde_json::from_str::<Ttl>(s).map(|t| t.ttl);
        assert_eq!(parse(r#"{"ttl": 90000}"#).unwrap(), Some(90000));
        assert_eq!(parse(r#"{"ttl": "1209600"}"#).unwrap(), Some(1_209_600));
        assert_eq!(parse(r#"{}"#).unwrap(), None);
        assert_eq!(parse(r#"{"ttl": null}"#).unwrap(), None);
        assert!(parse(r#"{"ttl": "soon"}"#).is_err());
        assert!(parse(r#"{"ttl": -1}"#).is_err());
    }
}
