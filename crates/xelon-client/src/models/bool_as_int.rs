//! Serializes a `bool` as `0`/`1`, and reads back `0`/`1` or a boolean.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(u8::from(*v))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Bool(b) => Ok(b),
        Value::Number(n) => Ok(n.to_string() != "0"),
        Value::Null => Ok(false),
        other => Err(D::Error::custom(format!("expected 0 or 1, found {other}"))),
    }
}
