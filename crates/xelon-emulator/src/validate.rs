//! Lenient request-body validation.
//!
//! Bodies are read as a [`serde_json::Value`] and checked field by field, so a
//! single answer reports every bad field (as the real, Laravel-based API does)
//! instead of stopping at the first serde error. Messages follow Laravel's
//! wording ("The clusterName field is required.").

use std::collections::HashMap;
use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use super::error::{ApiError, FieldErrors};

/// Reads a request body as a JSON object. An empty body counts as `{}`;
/// malformed JSON is a 400, any other JSON value a 422.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::unprocessable(
            "The request body must be a JSON object.",
        )),
        Err(err) => Err(ApiError::bad_request(format!(
            "The request body is not valid JSON: {err}"
        ))),
    }
}

/// Field-by-field reader over one JSON object, collecting failures.
///
/// `prefix` is prepended to field names in errors (`workerPool.0.`).
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    /// Everything refused so far.
    pub errors: FieldErrors,
}

impl<'a> Fields<'a> {
    /// A reader over `object` reporting top-level field names.
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self::with_prefix(object, "")
    }

    /// A reader whose error keys start with `prefix`.
    pub fn with_prefix(object: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            object,
            prefix: prefix.to_owned(),
            errors: FieldErrors::new(),
        }
    }

    fn key(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    /// Records a failure on `field`.
    pub fn fail(&mut self, field: &str, reason: impl Into<String>) {
        let key = self.key(field);
        self.errors.add(key, reason);
    }

    /// True when `field` was already refused.
    pub fn failed(&self, field: &str) -> bool {
        self.errors.has(&self.key(field))
    }

    /// The raw value of `field`, `None` when absent or `null`.
    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.object.get(field).filter(|v| !v.is_null())
    }

    /// True when `field` is present and not `null`.
    pub fn present(&self, field: &str) -> bool {
        self.raw(field).is_some()
    }

    /// A required, non-blank string (trimmed), at most `max_len` characters.
    pub fn required_str(&mut self, field: &str, max_len: usize) -> Option<String> {
        if !self.present(field) {
            self.fail(field, format!("The {field} field is required."));
            return None;
        }
        self.optional_str(field, max_len)
    }

    /// An optional string; when present it must be non-blank and at most
    /// `max_len` characters. Returns the trimmed value.
    pub fn optional_str(&mut self, field: &str, max_len: usize) -> Option<String> {
        let value = self.raw(field)?;
        let Some(text) = value.as_str() else {
            self.fail(field, format!("The {field} field must be a string."));
            return None;
        };
        let text = text.trim();
        if text.is_empty() {
            self.fail(field, format!("The {field} field must not be empty."));
            return None;
        }
        if text.chars().count() > max_len {
            self.fail(
                field,
                format!("The {field} field must not be greater than {max_len} characters."),
            );
            return None;
        }
        Some(text.to_owned())
    }

    /// A required integer within `range`.
    pub fn required_int(&mut self, field: &str, range: RangeInclusive<u64>) -> Option<u64> {
        if !self.present(field) {
            self.fail(field, format!("The {field} field is required."));
            return None;
        }
        self.optional_int(field, range)
    }

    /// An optional integer; when present it must lie within `range`.
    pub fn optional_int(&mut self, field: &str, range: RangeInclusive<u64>) -> Option<u64> {
        let value = self.raw(field)?;
        let number = match value {
            Value::Number(n) => n,
            _ => {
                self.fail(field, format!("The {field} field must be an integer."));
                return None;
            }
        };
        let Some(n) = number.as_u64() else {
            if number.as_i64().is_some() {
                self.fail(field, out_of_range(field, &range));
            } else {
                self.fail(field, format!("The {field} field must be an integer."));
            }
            return None;
        };
        if !range.contains(&n) {
            self.fail(field, out_of_range(field, &range));
            return None;
        }
        Some(n)
    }

    /// An optional boolean (`true`/`false` only).
    pub fn optional_bool(&mut self, field: &str) -> Option<bool> {
        let value = self.raw(field)?;
        match value.as_bool() {
            Some(b) => Some(b),
            None => {
                self.fail(field, format!("The {field} field must be true or false."));
                None
            }
        }
    }

    /// An optional flag given as `0`/`1` (booleans are accepted too).
    pub fn optional_flag(&mut self, field: &str) -> Option<bool> {
        let value = self.raw(field)?;
        match value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) if n.as_u64() == Some(0) => Some(false),
            Value::Number(n) if n.as_u64() == Some(1) => Some(true),
            _ => {
                self.fail(field, format!("The {field} field must be 0 or 1."));
                None
            }
        }
    }

    /// A required string that must be one of `allowed`.
    pub fn required_choice(&mut self, field: &str, allowed: &[&str]) -> Option<String> {
        let value = self.required_str(field, 64)?;
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.fail(
                field,
                format!(
                    "The selected {field} is invalid; allowed values: {}.",
                    allowed.join(", ")
                ),
            );
            None
        }
    }
}

/// Reads `page` (default 1) and `perPage` (default 10, at most 100) from a
/// query string; anything else than a positive integer is a 422.
pub fn pagination(query: &HashMap<String, String>) -> Result<(u64, u64), ApiError> {
    let mut errors = FieldErrors::new();
    let mut read = |field: &str, default: u64, max: u64| match query.get(field) {
        None => default,
        Some(text) if text.trim().is_empty() => default,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.add(field, out_of_range(field, &(1..=max)));
                default
            }
        },
    };
    let page = read("page", 1, u64::from(u32::MAX));
    let per_page = read("perPage", 10, 100);
    errors.into_result()?;
    Ok((page, per_page))
}

fn out_of_range(field: &str, range: &RangeInclusive<u64>) -> String {
    format!(
        "The {field} field must be between {} and {}.",
        range.start(),
        range.end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn reports_every_bad_field() {
        let body = object(json!({"a": "", "b": "x", "c": 2.5, "d": -1, "e": 0, "f": "yes"}));
        let mut f = Fields::new(&body);
        assert_eq!(f.required_str("a", 10), None);
        assert_eq!(f.optional_int("b", 1..=5), None);
        assert_eq!(f.optional_int("c", 1..=5), None);
        assert_eq!(f.optional_int("d", 1..=5), None);
        assert_eq!(f.optional_int("e", 1..=5), None);
        assert_eq!(f.optional_bool("f"), None);
        assert_eq!(f.required_str("missing", 10), None);
        for key in ["a", "b", "c", "d", "e", "f", "missing"] {
            assert!(f.errors.has(key), "{key} should be reported");
        }
    }

    #[test]
    fn accepts_good_fields() {
        let body = object(json!({"a": " x ", "n": 3, "flag": 1, "b": true, "t": "test"}));
        let mut f = Fields::new(&body);
        assert_eq!(f.required_str("a", 10).as_deref(), Some("x"));
        assert_eq!(f.required_int("n", 1..=5), Some(3));
        assert_eq!(f.optional_flag("flag"), Some(true));
        assert_eq!(f.optional_bool("b"), Some(true));
        assert_eq!(
            f.required_choice("t", &["production", "test"]).as_deref(),
            Some("test")
        );
        assert!(f.errors.is_empty());
    }

    #[test]
    fn parses_bodies() {
        assert!(parse_object(b"").is_ok_and(|m| m.is_empty()));
        assert_eq!(
            parse_object(b"{").map_err(|e| e.status.as_u16()).err(),
            Some(400)
        );
        assert_eq!(
            parse_object(b"[1]").map_err(|e| e.status.as_u16()).err(),
            Some(422)
        );
    }
}
