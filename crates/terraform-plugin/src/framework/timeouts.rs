//! The `timeouts` attribute (`create`, `update`, `delete` as Go durations),
//! shaped like terraform-plugin-framework-timeouts so existing configurations
//! and states keep working.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cty::Value;

use super::model::Tri;
use super::schema::Attribute;
use super::validators;

/// The optional `timeouts = { create = "30m", ... }` attribute (optional and
/// computed with a null default, so that every Terraform since 1.0 plans it).
pub fn attribute(default: Duration) -> Attribute {
    let mins = default.as_secs() / 60;
    let op = |name: &str, what: &str| {
        Attribute::string(name)
            .optional()
            .validate(validators::Duration)
            .description(format!(
                "How long to wait for the {what} to finish, as a duration such as `30s`, `45m` or `2h`. Defaults to `{mins}m`."
            ))
    };
    Attribute::single_nested(
        "timeouts",
        vec![
            op("create", "creation"),
            op("update", "update"),
            op("delete", "deletion"),
        ],
    )
    // Optional and computed, with a null default: the same configuration
    // syntax and stored state as an optional attribute, and Terraform 1.0.0
    // to 1.0.4 do not walk into it when the configuration leaves it null
    // (hashicorp/terraform#29388, a panic planning a create).
    .default(Value::Null)
    .description("Limits for how long Terraform waits for operations on this object.")
}

/// The `timeouts` attribute ([`attribute`]) in a model: declare it as `timeouts: Tri<Timeouts>`, and read it with
/// [`Tri::create`], [`Tri::update`] and [`Tri::delete`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    /// How long a create may take, as a Go duration (`30m`).
    pub create: Tri<String>,
    /// How long an update may take.
    pub update: Tri<String>,
    /// How long a delete may take.
    pub delete: Tri<String>,
}

impl Tri<Timeouts> {
    /// The create timeout, or `default` where none is known and valid.
    pub fn create(&self, default: Duration) -> Duration {
        self.timeout(|t| &t.create, default)
    }

    /// The update timeout, or `default` where none is known and valid.
    pub fn update(&self, default: Duration) -> Duration {
        self.timeout(|t| &t.update, default)
    }

    /// The delete timeout, or `default` where none is known and valid.
    pub fn delete(&self, default: Duration) -> Duration {
        self.timeout(|t| &t.delete, default)
    }

    /// The setting of operation `op` (`create`, `update` or `delete`) as a
    /// user reads it in an error: `timeouts.create = "5s"`, exactly as
    /// written, or `timeouts.create (not set; the default is 30m)`.
    pub fn describe(&self, op: &str, default: Duration) -> String {
        let which = |t: &Timeouts| match op {
            "create" => t.create.clone(),
            "update" => t.update.clone(),
            _ => t.delete.clone(),
        };
        match self.known().map(which) {
            Some(Tri::Known(text)) => format!("timeouts.{op} = {text:?}"),
            _ => format!(
                "timeouts.{op} (not set; the default is {})",
                go_duration(default)
            ),
        }
    }

    fn timeout(&self, which: fn(&Timeouts) -> &Tri<String>, default: Duration) -> Duration {
        self.known()
            .and_then(|t| which(t).known())
            .and_then(|s| parse_duration(s).ok())
            .unwrap_or(default)
    }
}

/// `d` as a Go duration a user could write: `30m`, `1h`, `45s`, `1500ms`.
fn go_duration(d: Duration) -> String {
    match (d.as_secs(), d.subsec_millis()) {
        (s, 0) if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        (s, 0) if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        (s, 0) => format!("{s}s"),
        _ => format!("{}ms", d.as_millis()),
    }
}

/// Parses a Go duration string: a sequence of decimal numbers with units
/// `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, e.g. `1h30m`, `1.5h`, `300ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("invalid duration {text:?}"));
        }
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("invalid duration {text:?}"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("missing unit in duration {text:?}")),
            unit => return Err(format!("unknown unit {unit:?} in duration {text:?}")),
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    if !total.is_finite() || total > 1e9 {
        return Err(format!("duration {text:?} is too long"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_described_as_written() {
        let set = Tri::Known(Timeouts {
            create: Tri::Known("5s".into()),
            ..Timeouts::default()
        });
        let default = Duration::from_secs(1800);
        assert_eq!(set.describe("create", default), r#"timeouts.create = "5s""#);
        assert_eq!(
            set.describe("update", default),
            "timeouts.update (not set; the default is 30m)"
        );
        assert_eq!(
            Tri::<Timeouts>::Null.describe("delete", Duration::from_millis(1500)),
            "timeouts.delete (not set; the default is 1500ms)"
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        for bad in ["", "m", "10", "10x", "1h-3m", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
