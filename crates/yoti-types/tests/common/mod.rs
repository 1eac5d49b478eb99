//! Property-test helpers shared by the model tests of several services.

use std::fmt::Debug;

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Serializes `value`, parses it back, and requires the two to be equal.
pub(crate) fn assert_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    prop_assert_eq!(&back, value, "{}", text);
    Ok(())
}

/// A known value or any string (unknown values, and documentation placeholders such as
/// `"real | fake"`, included).
pub(crate) fn open<T>(known: &'static [T]) -> impl Strategy<Value = T>
where
    T: Clone + Debug + From<String> + 'static,
{
    prop_oneof![
        proptest::sample::select(known),
        "[A-Za-z_ |]{0,16}".prop_map(T::from),
    ]
}

/// A JSON scalar. Floats have a few decimals, which serde_json's default parser reads back
/// exactly (arbitrary 17-digit floats may come back one ULP off).
pub(crate) fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1_000_000_000i64..1_000_000_000).prop_map(|n| Value::from(n as f64 / 1000.0)),
        ".{0,12}".prop_map(Value::from),
    ]
}

/// Unknown members, named so that they never collide with a modelled one.
pub(crate) fn extra() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map("x_[a-z0-9_]{1,8}", leaf(), 0..3)
        .prop_map(|members| members.into_iter().collect())
}
