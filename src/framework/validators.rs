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

/// A whole number from `min` to `max`: what an API field can carry (e.g.
/// `1..=u32::MAX` for a size the API takes as an unsigned 32-bit number).
/// A value outside is "out of range", never sent as something else.
pub struct Between(pub i64, pub i64);

impl Validator for Between {
    fn description(&self) -> String {
        format!("from {} to {}", self.0, self.1)
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(n) = value.as_number() else { return };
        let fits = n.to_i64().is_some_and(|i| (self.0..=self.1).contains(&i));
        // A fraction is reported as "not a whole number" by the schema.
        if !fits && n.is_integer() {
            diags.attribute_error(
                path.clone(),
                "Value out of range",
                format!("{path} must be from {} to {}, got {n}.", self.0, self.1),
            );
        }
    }
}

/// Text without control characters: no C0 or C1 controls (newline, NUL,
/// ESC, ...), no DEL, and no Unicode bidirectional controls (such as
/// U+202E RIGHT-TO-LEFT OVERRIDE), which make a name display as something
/// it is not. For names and IDs that are sent to the API.
pub struct PlainText;

impl PlainText {
    fn offending(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
}

impl Validator for PlainText {
    fn description(&self) -> String {
        "no control characters".into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some((i, c)) = value
            .as_str()
            .and_then(|s| s.chars().enumerate().find(|(_, c)| Self::offending(*c)))
        {
            diags.attribute_error(
                path.clone(),
                "Control character in text",
                format!(
                    "{path} must not contain control characters; character {} is U+{:04X}.",
                    i + 1,
                    u32::from(c)
                ),
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

/// A positive Go-style duration such as `30m`, `1h30m` or `90s`.
pub struct Duration;

impl Validator for Duration {
    fn description(&self) -> String {
        "a duration such as `30m` or `1h30m`".into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        match super::timeouts::parse_duration(s) {
            Err(e) => diags.attribute_error(
                path.clone(),
                "Invalid duration",
                format!(
                    "{path}: {e}. Use a number with a unit, e.g. \"30s\", \"45m\" or \"1h30m\"."
                ),
            ),
            Ok(d) if d.is_zero() => diags.attribute_error(
                path.clone(),
                "Duration must be positive",
                format!("{path} is {s:?}: nothing could finish in no time. Use a positive duration, e.g. \"30m\"."),
            ),
            Ok(_) => {}
        }
    }
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
        assert!(run(&Duration, Value::string("10 parsecs")).has_errors());
        assert!(!run(&Duration, Value::string("1h30m")).has_errors());
        let d = run(&AtLeast(1), Value::number(0));
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("x")));
    }

    #[test]
    fn out_of_range_numbers_are_named_so() {
        let size = Between(1, i64::from(u32::MAX));
        assert!(!run(&size, Value::number(4)).has_errors());
        for text in ["0", "5000000000", "-1", "1e400", "-1e400"] {
            let n: crate::cty::Number = text.parse().unwrap();
            let d = run(&size, Value::Number(n));
            assert_eq!(d.0.len(), 1, "{text}");
            assert_eq!(d.0[0].summary, "Value out of range", "{text}");
            assert_eq!(d.0[0].attribute, Some(AttributePath::attr("x")));
        }
        // Fractions are the schema's "not a whole number", not reported twice.
        let half: crate::cty::Number = "1.5".parse().unwrap();
        assert!(run(&size, Value::Number(half)).is_empty());
    }

    #[test]
    fn control_characters_are_refused() {
        for bad in [
            "a\u{0}b",
            "line\nbreak",
            "tab\there",
            "del\u{7f}",
            "c1\u{85}",
            "evil\u{202E}txt",
            "iso\u{2066}late",
        ] {
            let d = run(&PlainText, Value::string(bad));
            assert!(d.has_errors(), "{bad:?}");
            assert_eq!(d.0[0].attribute, Some(AttributePath::attr("x")));
        }
        for good in ["staging", "Zürich prod", "日本", "a-b_c.d"] {
            assert!(run(&PlainText, Value::string(good)).is_empty(), "{good:?}");
        }
    }

    #[test]
    fn durations_must_be_positive() {
        for bad in ["0s", "0", "0m0s", "-5m", "5", "soon"] {
            assert!(run(&Duration, Value::string(bad)).has_errors(), "{bad:?}");
        }
        assert!(!run(&Duration, Value::string("1ms")).has_errors());
    }
}
