//! Arbitrary-precision decimal numbers, cty's `number` type.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, ToPrimitive};

use super::error::CtyError;

/// The largest decimal exponent magnitude a [`Number`] may have: `1e100000` and
/// `1e-100000` are numbers, `1e100001` is not.
///
/// go-cty's numbers (512-bit binary floats) reach further, but no real
/// configuration needs it, and the bound keeps a few bytes of input such as
/// `"1e999999999"` from expanding into a gigabyte of digits.
pub const MAX_EXPONENT: i64 = 100_000;

/// A finite number of arbitrary precision.
///
/// Equality and hashing are by numeric value (`1 == 1.0`). `Display` writes a
/// plain decimal without exponent (`9223372036854775808`, `0.1`, `-2.5`), as
/// go-cty does, and `FromStr` reads it back, as well as exponent forms (`1e400`).
#[derive(Clone)]
pub struct Number(
    /// Normalized: no trailing zero digits, zero has scale 0, and
    /// `|scale| <= MAX_EXPONENT`. Equal values are therefore equal field by field.
    BigDecimal,
);

impl Number {
    /// The number `i`.
    pub fn from_i64(i: i64) -> Self {
        Self(BigDecimal::from(i).normalized())
    }

    /// The number `u`.
    pub fn from_u64(u: u64) -> Self {
        Self(BigDecimal::from(u).normalized())
    }

    /// The exact value of `f`; `None` for NaN and infinities. `-0.0` is `0`.
    pub fn from_f64(f: f64) -> Option<Self> {
        BigDecimal::try_from(f).ok().map(|d| Self(d.normalized()))
    }

    /// The value as an `i64`, when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        // An integer with more than 18 trailing zeros is beyond i64's range.
        let (_, scale) = self.0.as_bigint_and_scale();
        if (-18..=0).contains(&scale) {
            self.0.to_i64()
        } else {
            None
        }
    }

    /// The nearest `f64` (correctly rounded; infinite beyond `f64`'s range).
    pub fn to_f64(&self) -> f64 {
        let (digits, scale) = self.0.as_bigint_and_scale();
        // Rust's float parser rounds correctly; the text is always valid.
        format!("{digits}e{}", -scale).parse().unwrap_or(f64::NAN)
    }

    /// The value as an `f64`, when that is exact.
    pub fn to_exact_f64(&self) -> Option<f64> {
        let f = self.to_f64();
        Self::from_f64(f).filter(|n| n == self).map(|_| f)
    }

    /// Whether the value is an integer.
    pub fn is_integer(&self) -> bool {
        self.0.as_bigint_and_scale().1 <= 0
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bigint_and_scale() == other.0.as_bigint_and_scale()
    }
}

impl Eq for Number {}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_bigint_and_scale().hash(state);
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_plain_string(f)
    }
}

impl FromStr for Number {
    type Err = CtyError;

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (either digit run may be
    /// empty, not both). Infinities and NaN are not numbers here.
    fn from_str(s: &str) -> Result<Self, CtyError> {
        let invalid = || CtyError::decode("invalid number: expected decimal digits");
        let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i64>().map_err(|_| invalid())?),
            None => (unsigned, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let is_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !is_digits(int_part) || !is_digits(frac_part) {
            return Err(invalid());
        }
        let digits = format!("{int_part}{frac_part}");
        let significant = digits.trim_start_matches('0').trim_end_matches('0');
        if significant.is_empty() {
            return Ok(Self::from_i64(0));
        }
        let trailing_zeros = digits.len() - digits.trim_end_matches('0').len();
        // value = digits × 10^(exponent - frac_len) = significant × 10^-scale
        let scale = i128::try_from(frac_part.len()).unwrap_or(i128::MAX)
            - i128::from(exponent)
            - i128::try_from(trailing_zeros).unwrap_or(i128::MAX);
        let scale = i64::try_from(scale)
            .ok()
            .filter(|s| (-MAX_EXPONENT..=MAX_EXPONENT).contains(s))
            .ok_or_else(|| CtyError::decode("number out of range: exponent too large"))?;
        let mut int = BigInt::parse_bytes(significant.as_bytes(), 10).ok_or_else(invalid)?;
        if s.starts_with('-') {
            int = -int;
        }
        Ok(Self(BigDecimal::new(int, scale)))
    }
}

macro_rules! number_from {
    ($($t:ty => $via:ident),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                Self::$via(n.into())
            }
        }
    )*};
}

number_from!(i8 => from_i64, i16 => from_i64, i32 => from_i64, i64 => from_i64,
    u8 => from_u64, u16 => from_u64, u32 => from_u64, u64 => from_u64);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::hash_map::DefaultHasher;

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    fn hash(n: &Number) -> u64 {
        let mut h = DefaultHasher::new();
        n.hash(&mut h);
        h.finish()
    }

    #[test]
    fn equality_is_numeric() {
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("10e-1"));
        assert_eq!(n("100"), n("1e2"));
        assert_eq!(n("0"), n("-0.000"));
        assert_eq!(n("0.5"), Number::from_f64(0.5).unwrap());
        assert_eq!(hash(&n("1")), hash(&n("1.000")));
        assert_eq!(hash(&n("120")), hash(&n("1.2e2")));
        assert_ne!(n("1"), n("1.0000000000000000000001"));
        assert_eq!(Number::from(3u8), Number::from_i64(3));
    }

    #[test]
    fn display_is_plain_decimal() {
        assert_eq!(
            Number::from_u64(9223372036854775808).to_string(),
            "9223372036854775808"
        );
        assert_eq!(n("0.1").to_string(), "0.1");
        assert_eq!(n("-2.50").to_string(), "-2.5");
        assert_eq!(n("-1e-3").to_string(), "-0.001");
        assert_eq!(n("1.5e3").to_string(), "1500");
        assert_eq!(n("+0.0").to_string(), "0");
        assert_eq!(n("5.").to_string(), "5");
        assert_eq!(n(".5").to_string(), "0.5");
        let big = n("1e400");
        assert_eq!(big.to_string(), format!("1{}", "0".repeat(400)));
        assert_eq!(n(&big.to_string()), big);
    }

    #[test]
    fn invalid_text() {
        for s in [
            "",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "abc",
            "1.2.3",
            "1_000",
            "0x10",
            "inf",
            "NaN",
            "--1",
            " 1",
            "1 ",
            "1e99999999999999999999",
            "1e100001",
            "1e-100001",
        ] {
            assert!(s.parse::<Number>().is_err(), "{s:?} parsed");
        }
        assert_eq!(n("1e100000").to_string().len(), 100_001);
        assert_eq!(n("0e99999999"), n("0"));
    }

    #[test]
    fn conversions() {
        assert_eq!(n("9223372036854775807").to_i64(), Some(i64::MAX));
        assert_eq!(n("-9223372036854775808").to_i64(), Some(i64::MIN));
        assert_eq!(n("9223372036854775808").to_i64(), None);
        assert_eq!(n("1e19").to_i64(), None);
        assert_eq!(n("1e18").to_i64(), Some(1_000_000_000_000_000_000));
        assert_eq!(n("1.5").to_i64(), None);
        assert!(n("1e400").is_integer() && !n("0.5").is_integer());
        assert_eq!(n("0.1").to_f64(), 0.1);
        assert_eq!(n("1e400").to_f64(), f64::INFINITY);
        assert_eq!(n("0.1").to_exact_f64(), None);
        assert_eq!(n("0.5").to_exact_f64(), Some(0.5));
        assert_eq!(Number::from_f64(0.1).unwrap().to_exact_f64(), Some(0.1));
        assert_eq!(
            Number::from_f64(0.1).unwrap().to_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert!(Number::from_f64(f64::NAN).is_none());
        assert!(Number::from_f64(f64::INFINITY).is_none());
        assert_eq!(Number::from_f64(-0.0), Some(n("0")));
    }

    proptest! {
        #[test]
        fn text_round_trips(s in "-?[0-9]{1,30}(\\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?") {
            let a = n(&s);
            prop_assert_eq!(n(&a.to_string()), a);
        }

        #[test]
        fn f64_round_trips(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let a = Number::from_f64(f).unwrap();
            prop_assert_eq!(a.to_exact_f64(), Some(f));
            prop_assert_eq!(n(&a.to_string()), a);
        }

        #[test]
        fn integers_agree(i in any::<i64>(), u in any::<u64>()) {
            prop_assert_eq!(Number::from_i64(i).to_i64(), Some(i));
            prop_assert_eq!(n(&i.to_string()), Number::from_i64(i));
            prop_assert_eq!(n(&u.to_string()), Number::from_u64(u));
            prop_assert_eq!(Number::from_u64(u).to_i64(), i64::try_from(u).ok());
        }
    }
}
