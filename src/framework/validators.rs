//! Attribute validators: checks on known configuration values, run at
//! `terraform validate` (and before every plan), reported on the attribute's path.

use crate::cty::{AttributePath, Value};

use super::Diagnostics;

/// A check on one attribute's known, non-null value.
pub trait Validator: Send + Sync {
    /// A short description for the docs, e.g. "at least 1".
    fn description(&self) -> String;
    /// Adds diagnostics for `value` (known and non-null) at `path`.
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics);
}

/// A whole number of at least `min`.
pub struct AtLeast(pub i64);

impl Validator for AtLeast {
    fn description(&self) -> String {
        format!("at least {}", self.0)
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(n) = value.as_number()
            && n.to_f64() < self.0 as f64
        {
            diags.attribute_error(
                path.clone(),
                "Value too small",
                format!("{path} must be at least {}, got {n}.", self.0),
            );
        }
    }
}

/// A non-empty string (after trimming whitespace).
pub struct NotEmpty;

impl Validator for NotEmpty {
    fn description(&self) -> String {
        "must not be empty".into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if value.as_str().is_some_and(|s| s.trim().is_empty()) {
            diags.attribute_error(
                path.clone(),
                "Empty value",
                format!("{path} must not be empty."),
            );
        }
    }
}

/// One of a fixed set of strings.
pub struct OneOf(pub &'static [&'static str]);

impl Validator for OneOf {
    fn description(&self) -> String {
        format!("one of {}", quoted_list(self.0))
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && !self.0.contains(&s)
        {
            diags.attribute_error(
                path.clone(),
                "Invalid value",
                format!("{path} must be one of {}, got {s:?}.", quoted_list(self.0)),
            );
        }
    }
}

/// A Go-style duration such as `30m`, `1h30m` or `90s`.
pub struct Duration;

impl Validator for Duration {
    fn description(&self) -> String {
        "a duration such as `30m` or `1h30m`".into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && let Err(e) = super::timeouts::parse_duration(s)
        {
            diags.attribute_error(
                path.clone(),
                "Invalid duration",
                format!(
                    "{path}: {e}. Use a number with a unit, e.g. \"30s\", \"45m\" or \"1h30m\"."
                ),
            );
        }
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: &dyn Validator, value: Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        v.validate(&AttributePath::attr("x"), &value, &mut d);
        d
    }

    #[test]
    fn validators() {
        assert!(run(&AtLeast(1), Value::number(0)).has_errors());
        assert!(!run(&AtLeast(1), Value::number(1)).has_errors());
        assert!(run(&NotEmpty, Value::string(" ")).has_errors());
        assert!(!run(&NotEmpty, Value::string("a")).has_errors());
        assert!(run(&OneOf(&["a", "b"]), Value::string("c")).has_errors());
        assert!(!run(&OneOf(&["a", "b"]), Value::string("b")).has_errors());
        assert!(run(&Duration, Value::string("10 parsecs")).has_errors());
        assert!(!run(&Duration, Value::string("1h30m")).has_errors());
        let d = run(&AtLeast(1), Value::number(0));
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("x")));
    }
}
