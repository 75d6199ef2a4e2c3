//! `deserialize_with` helpers that accept what a sloppy API may send.
//!
//! They decode through [`serde_json::Value`], which copes with
//! serde_json's `arbitrary_precision` numbers (unlike hand-written
//! `deserialize_any` visitors, `untagged` or `flatten`).

use std::fmt::Display;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string; numbers and booleans become their text, `null` `""`.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

/// An optional string; numbers and booleans become their text.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// An integer sent as a number or a string; `null` is the default.
pub fn number<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Default,
    T::Err: Display,
{
    Ok(opt_number(d)?.unwrap_or_default())
}

/// A size (CPU, RAM, disk): like [`opt_number`], and `0` is `None`
/// too. No size is ever 0; the SDK's `omitempty` models send none, so
/// a 0 can only mean "not reported".
pub fn opt_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(opt_number::<D, u32>(d)?.filter(|n| *n != 0))
}

/// A list; `null` is empty (Go encodes a nil slice as `null`).
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An optional integer sent as a number or a string; `null` and `""` are
/// `None`.
pub fn opt_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().to_owned(),
        other => {
            return Err(D::Error::custom(format!(
                "expected an integer, found {other}"
            )));
        }
    };
    text.parse::<T>()
        .map(Some)
        .map_err(|e| D::Error::custom(format!("expected an integer, found {text:?}: {e}")))
}
