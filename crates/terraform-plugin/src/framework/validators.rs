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

/// Characters that show as nothing or as blank space but are not
/// whitespace to [`char::is_whitespace`]: zero-width spaces and joiners,
/// the word joiner and invisible operators, the byte order mark (U+FEFF,
/// a "zero-width no-break space"), the soft hyphen, the Mongolian vowel
/// separator (whitespace before Unicode 6.3), the Hangul fillers and the
/// Braille blank. Copy-paste leaves them at the edges of text.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Names a character for a message. Blank, invisible and control
/// characters, which cannot be seen when quoted, by their name or kind and
/// code point: "a space (U+0020)", "a no-break space (U+00A0)", "a line
/// break (U+000A)", "a control character (U+001B)". Any other character is
/// quoted with its code point ("'é' (U+00E9)"): never call this on a
/// secret's character unless [`is_blank_or_control`] holds for it.
pub fn describe_char(c: char) -> String {
    let name = match c {
        ' ' => "a space",
        '\t' => "a tab",
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\u{0B}' => "a vertical tab",
        '\u{0C}' => "a form feed",
        '\u{0}' => "a NUL character",
        '\u{85}' => "a next-line character",
        '\u{A0}' => "a no-break space",
        '\u{AD}' => "a soft hyphen",
        '\u{1680}' => "an ogham space mark",
        '\u{180E}' => "a Mongolian vowel separator",
        '\u{2007}' => "a figure space",
        '\u{2000}'..='\u{200A}' => "a typographic space",
        '\u{200B}' => "a zero-width space",
        '\u{200C}' => "a zero-width non-joiner",
        '\u{200D}' => "a zero-width joiner",
        '\u{2028}' => "a line separator",
        '\u{2029}' => "a paragraph separator",
        '\u{202F}' => "a narrow no-break space",
        '\u{205F}' => "a medium mathematical space",
        '\u{2060}' => "a word joiner",
        '\u{3000}' => "an ideographic space",
        '\u{FEFF}' => "a zero-width no-break space (byte order mark)",
        c if c.is_control() => "a control character",
        c if c.is_whitespace() => "a whitespace character",
        c if is_invisible(c) => "an invisible character",
        c => return format!("{c:?} (U+{:04X})", u32::from(c)),
    };
    format!("{name} (U+{:04X})", u32::from(c))
}

/// Whether `c` is whitespace, invisible ([`is_invisible`]) or a control
/// character: the characters [`describe_char`] names without showing.
pub fn is_blank_or_control(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_invisible(c)
}

/// No whitespace and no invisible character at the start or end of a
/// string: any Unicode whitespace ([`char::is_whitespace`]: spaces, tabs,
/// line breaks, no-break spaces U+00A0/U+2007/U+202F, the ideographic space
/// U+3000, ...) and the zero-width characters of [`is_invisible`] (U+200B,
/// U+FEFF, ...).
///
/// For names an API trims: a name with a space at its edge would be stored
/// without it, would never match what the API returns, and so would plan a
/// change on every run. The message says where the character is (start or
/// end, character index) and names it; it quotes nothing of the value.
pub struct NoEdgeWhitespace;

impl NoEdgeWhitespace {
    fn offending(c: char) -> bool {
        c.is_whitespace() || is_invisible(c)
    }

    /// What is wrong with `s`, to follow its name in a message: "starts
    /// with a space (U+0020) at character 1", "ends with ... at character
    /// N", both, or "is blank: ..."; `None` when its edges are clean (or it
    /// is empty).
    pub fn problem(s: &str) -> Option<String> {
        let total = s.chars().count();
        let first = s.chars().next()?;
        if s.chars().all(Self::offending) {
            return Some(if total == 1 {
                format!("is blank: its only character is {}", describe_char(first))
            } else {
                format!(
                    "is blank: all {total} of its characters are whitespace or invisible, the first being {}",
                    describe_char(first)
                )
            });
        }
        let start = Some(first)
            .filter(|c| Self::offending(*c))
            .map(|c| format!("starts with {} at character 1", describe_char(c)));
        let end = s
            .chars()
            .next_back()
            .filter(|c| Self::offending(*c))
            .map(|c| format!("ends with {} at character {total}", describe_char(c)));
        match (start, end) {
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => Some(one),
            (Some(start), Some(end)) => Some(format!("{start} and {end}")),
        }
    }
}

impl Validator for NoEdgeWhitespace {
    fn description(&self) -> String {
        "no whitespace or invisible character at the start or end".into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(problem) = value.as_str().and_then(Self::problem) else {
            return;
        };
        diags.attribute_error(
            path.clone(),
            "Whitespace at the edge of a name",
            format!(
                "{path} {problem}. The API trims names, so a name with whitespace or an invisible character at its start or end would never match the name the API stores, and every plan would show a change. Trim the name."
            ),
        );
    }
}

/// At most `n` characters (Unicode scalar values, not bytes: "Zürich"
/// is 6), for a text field the API limits in length.
pub struct MaxLength(pub usize);

impl Validator for MaxLength {
    fn description(&self) -> String {
        format!("at most {} characters", self.0)
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(len) = value.as_str().map(|s| s.chars().count()) else {
            return;
        };
        if len > self.0 {
            diags.attribute_error(
                path.clone(),
                "Value too long",
                format!(
                    "{path} must be at most {} characters long, got {len} characters.",
                    self.0
                ),
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
    fn edge_whitespace_is_refused_and_located() {
        for (bad, at) in [
            (" staging", "starts with a space (U+0020) at character 1"),
            ("staging ", "ends with a space (U+0020) at character 8"),
            (
                "prod\u{A0}",
                "ends with a no-break space (U+00A0) at character 5",
            ),
            (
                "\u{2007}prod",
                "starts with a figure space (U+2007) at character 1",
            ),
            (
                "prod\u{202F}",
                "a narrow no-break space (U+202F) at character 5",
            ),
            ("\u{3000}東京", "starts with an ideographic space (U+3000)"),
            (
                "prod\u{200B}",
                "ends with a zero-width space (U+200B) at character 5",
            ),
            (
                "\u{FEFF}prod",
                "a zero-width no-break space (byte order mark) (U+FEFF)",
            ),
            ("prod\n", "ends with a line break (U+000A) at character 5"),
            ("prod\t", "ends with a tab (U+0009)"),
            (
                "\u{2060}x\u{AD}",
                "starts with a word joiner (U+2060) at character 1 and ends with a soft hyphen (U+00AD) at character 3",
            ),
            (" ", "is blank: its only character is a space (U+0020)"),
            (
                "\u{A0}\u{200B} ",
                "is blank: all 3 of its characters are whitespace or invisible, the first being a no-break space (U+00A0)",
            ),
        ] {
            let d = run(&NoEdgeWhitespace, Value::string(bad));
            assert_eq!(d.0.len(), 1, "{bad:?}");
            assert_eq!(d.0[0].attribute, Some(AttributePath::attr("x")));
            assert_eq!(d.0[0].summary, "Whitespace at the edge of a name");
            let detail = &d.0[0].detail;
            assert!(
                detail.starts_with("x ") && detail.contains(&format!(" {at}")),
                "{bad:?}: {detail}"
            );
            assert!(detail.contains("The API trims names"), "{detail}");
            // The value itself is not quoted, only located.
            assert!(!detail.contains("prod"), "{detail}");
        }
        for good in [
            "staging",
            "main pool",
            "Zürich prod",
            "a\u{A0}b",
            "",
            "日本",
        ] {
            assert!(
                run(&NoEdgeWhitespace, Value::string(good)).is_empty(),
                "{good:?}"
            );
        }
        // Not a string: not this validator's business.
        assert!(run(&NoEdgeWhitespace, Value::number(1)).is_empty());
    }

    #[test]
    fn max_length_counts_characters_not_bytes() {
        let limit = MaxLength(63);
        assert_eq!(limit.description(), "at most 63 characters");
        assert!(run(&limit, Value::string("a".repeat(63))).is_empty());
        // 63 characters, 126 bytes: fits.
        assert!(run(&limit, Value::string("ü".repeat(63))).is_empty());
        let d = run(&limit, Value::string("ü".repeat(64)));
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, "Value too long");
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("x")));
        assert_eq!(
            d.0[0].detail,
            "x must be at most 63 characters long, got 64 characters."
        );
        assert!(run(&MaxLength(0), Value::string("")).is_empty());
    }

    #[test]
    fn characters_are_named_without_being_shown() {
        assert_eq!(describe_char(' '), "a space (U+0020)");
        assert_eq!(describe_char('\u{A0}'), "a no-break space (U+00A0)");
        assert_eq!(describe_char('\u{2003}'), "a typographic space (U+2003)");
        assert_eq!(describe_char('\u{1B}'), "a control character (U+001B)");
        assert_eq!(describe_char('\u{2062}'), "an invisible character (U+2062)");
        assert_eq!(describe_char('é'), "'é' (U+00E9)");
        for c in [
            ' ', '\n', '\u{A0}', '\u{200B}', '\u{FEFF}', '\u{7F}', '\u{3000}',
        ] {
            assert!(is_blank_or_control(c), "{c:?}");
        }
        for c in ['a', 'é', '-', '|'] {
            assert!(!is_blank_or_control(c), "{c:?}");
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
