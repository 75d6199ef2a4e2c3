//! Small helpers for reading planned/state values and turning API errors
//! into diagnostics.

use crate::cty::Value;
use crate::framework::Diagnostics;

/// The string at `name`, if known and non-null.
pub fn string(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name).and_then(Value::as_str).map(str::to_owned)
}

/// The whole number at `name`, if known and non-null.
pub fn int(v: &Value, name: &str) -> Option<i64> {
    v.get_attr(name).and_then(Value::as_i64)
}

/// The bool at `name`, if known and non-null.
pub fn boolean(v: &Value, name: &str) -> Option<bool> {
    v.get_attr(name).and_then(Value::as_bool)
}

/// The value at `name`, or null.
pub fn attr<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get_attr(name).unwrap_or(&Value::Null)
}

/// A whole number that the API takes as `u32` (validated at plan time to be positive).
pub fn int_u32(v: &Value, name: &str) -> u32 {
    int(v, name)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(0)
}

/// Replaces the attribute `name` of an object value.
pub fn set(v: &mut Value, name: &str, new: Value) {
    if let Value::Object(attrs) = v {
        attrs.insert(name.to_string(), new);
    }
}

/// [`super::errors::create_failure`] without a table of rejected fields.
pub fn create_failure<T>(
    what: &str,
    error: crate::xelon::CreateError<T>,
    exists: impl FnOnce(T) -> Diagnostics,
) -> Diagnostics {
    super::errors::create_failure(what, error, &[], exists)
}
