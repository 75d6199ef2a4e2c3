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

/// The diagnostics of a guarded create that made nothing: `exists` for an
/// object of that name found outside the state, else the failed check or
/// create, summarised with `what` (e.g. `Kubernetes cluster`).
pub fn create_failure<T>(
    what: &str,
    error: crate::xelon::CreateError<T>,
    exists: impl FnOnce(T) -> Diagnostics,
) -> Diagnostics {
    use crate::xelon::CreateError;
    match error {
        CreateError::Exists(existing) => exists(existing),
        CreateError::Check(e) => super::errors::api_error(
            &format!("Unable to check for an existing {what} of this name"),
            &e,
        ),
        CreateError::Create(e) => super::errors::api_error(&format!("Unable to create {what}"), &e),
    }
}
