//! A tiny parser for humane durations such as `2s`, `500ms`, `1m30s` or `0s`.

use std::time::Duration;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason} (use e.g. 0s, 500ms, 2s, 1m, 1m30s)")]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

/// Parses a duration made of one or more `<integer><unit>` parts, units being
/// `ms`, `s`, `m` and `h` (`1m30s`, `250ms`, `0s`). A bare `0` is accepted;
/// other bare numbers are refused because their unit would be a guess.
///
/// # Errors
///
/// Fails on empty input, a missing or unknown unit, or an overflow.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        input: input.to_owned(),
        reason,
    };
    let text = input.trim();
    if text.is_empty() {
        return Err(fail("empty"));
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(fail("expected a number"));
        }
        let amount: u64 = rest[..digits]
            .parse()
            .map_err(|_| fail("number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(amount),
            "s" => Duration::from_secs(amount),
            "m" => Duration::from_secs(amount.checked_mul(60).ok_or_else(|| fail("too large"))?),
            "h" => Duration::from_secs(amount.checked_mul(3600).ok_or_else(|| fail("too large"))?),
            "" => return Err(fail("missing unit")),
            _ => return Err(fail("unknown unit")),
        };
        total = total.checked_add(part).ok_or_else(|| fail("too large"))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration(" 1m30s "), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1s250ms"), Ok(Duration::from_millis(1250)));
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "2",
            "s",
            "2x",
            "-1s",
            "1.5s",
            "ms",
            "2s3",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
