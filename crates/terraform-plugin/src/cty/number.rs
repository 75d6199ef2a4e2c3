//! Arbitrary-precision decimal numbers, cty's `number` type.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, ToPrimitive};

use super::error::CtyError;

/// The largest decimal exponent magnitude a finite [`Number`] may have: `1e100000` and
/// `1e-100000` are numbers, `1e100001` is not.
///
/// go-cty's numbers (512-bit binary floats) reach further, but no real
/// configuration needs it, and the bound keeps a few bytes of input such as
/// `"1e999999999"` from expanding into a gigabyte of digits.
pub const MAX_EXPONENT: i64 = 100_000;

/// A number of arbitrary precision, or an infinity.
///
/// Finite numbers are exact decimals. go-cty's numbers are binary floats (512
/// bits when parsed from text) and include +∞ and -∞, which Terraform sends as
/// float64 infinities; so does this type ([`Number::INFINITY`],
/// [`Number::NEG_INFINITY`]). NaN is not a number here, nor in go-cty.
///
/// Equality, hashing and ordering are by numeric value (`1 == 1.0`, -∞ below
/// every finite number, +∞ above). `Display` writes a plain decimal without
/// exponent (`9223372036854775808`, `0.1`, `-2.5`) or `+Inf`/`-Inf`, as go-cty
/// does, and `FromStr` reads it back, as well as exponent forms (`1e400`) and
/// the infinity spellings Go's `big.Float` parser takes (`Inf`, `+inf`, ...).
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    /// Normalized: no trailing zero digits, zero has scale 0, and
    /// `|scale| <= MAX_EXPONENT`. Equal values are therefore equal field by field.
    Finite(BigDecimal),
    /// +∞ or, when `negative`, -∞.
    Infinite { negative: bool },
}

impl Number {
    /// +∞ (`cty.PositiveInfinity`).
    pub const INFINITY: Number = Number(Repr::Infinite { negative: false });

    /// -∞ (`cty.NegativeInfinity`).
    pub const NEG_INFINITY: Number = Number(Repr::Infinite { negative: true });

    fn finite(d: BigDecimal) -> Self {
        Self(Repr::Finite(d))
    }

    /// The number `i`.
    pub fn from_i64(i: i64) -> Self {
        Self::finite(BigDecimal::from(i).normalized())
    }

    /// The number `u`.
    pub fn from_u64(u: u64) -> Self {
        Self::finite(BigDecimal::from(u).normalized())
    }

    /// The exact value of `f`, infinities included; `None` for NaN. `-0.0` is `0`.
    pub fn from_f64(f: f64) -> Option<Self> {
        if f.is_infinite() {
            return Some(Self(Repr::Infinite { negative: f < 0.0 }));
        }
        BigDecimal::try_from(f)
            .ok()
            .map(|d| Self::finite(d.normalized()))
    }

    /// Whether this is finite (not +∞ or -∞).
    pub fn is_finite(&self) -> bool {
        matches!(self.0, Repr::Finite(_))
    }

    /// Whether this is +∞ or -∞.
    pub fn is_infinite(&self) -> bool {
        !self.is_finite()
    }

    /// The value as an `i64`, when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        let Repr::Finite(d) = &self.0 else {
            return None;
        };
        // An integer with more than 18 trailing zeros is beyond i64's range.
        let (_, scale) = d.as_bigint_and_scale();
        if (-18..=0).contains(&scale) {
            d.to_i64()
        } else {
            None
        }
    }

    /// The nearest `f64` (correctly rounded; infinite beyond `f64`'s range).
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Repr::Infinite { negative: false } => f64::INFINITY,
            Repr::Infinite { negative: true } => f64::NEG_INFINITY,
            Repr::Finite(d) => {
                let (digits, scale) = d.as_bigint_and_scale();
                // Rust's float parser rounds correctly; the text is always valid.
                format!("{digits}e{}", -scale).parse().unwrap_or(f64::NAN)
            }
        }
    }

    /// The value as an `f64`, when that is exact (infinities are).
    pub fn to_exact_f64(&self) -> Option<f64> {
        let f = self.to_f64();
        Self::from_f64(f).filter(|n| n == self).map(|_| f)
    }

    /// Whether the value is an integer (infinities are not, as in Go's `big.Float`).
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Finite(d) => d.as_bigint_and_scale().1 <= 0,
            Repr::Infinite { .. } => false,
        }
    }

    /// The text go-cty hashes a number by in a set (`big.Float.String()`, i.e.
    /// `Text('g', 10)`): ten significant digits at most, rounded half to even,
    /// in `%e` form when the exponent is below -4 or at least the precision:
    /// `12`, `0.5`, `1e+21`, `1.23456789e+10`, `1e-05`, `+Inf`.
    pub(crate) fn go_hash_text(&self) -> String {
        const PREC: i64 = 10;
        let d = match &self.0 {
            Repr::Infinite { negative: false } => return "+Inf".into(),
            Repr::Infinite { negative: true } => return "-Inf".into(),
            Repr::Finite(d) => d,
        };
        let (int, scale) = d.as_bigint_and_scale();
        if int.sign() == bigdecimal::num_bigint::Sign::NoSign {
            return "0".into();
        }
        let mut out = String::new();
        if int.sign() == bigdecimal::num_bigint::Sign::Minus {
            out.push('-');
        }
        // value = 0.mant × 10^exp, as Go's `decimal`.
        let mut mant: Vec<u8> = int.magnitude().to_string().into_bytes();
        let mut exp = mant.len() as i64 - scale;
        if mant.len() as i64 > PREC {
            let n = PREC as usize;
            let up = match mant[n] {
                b'5' if n + 1 == mant.len() => (mant[n - 1] - b'0') % 2 == 1,
                b => b >= b'5',
            };
            mant.truncate(n);
            if up {
                let mut i = n;
                loop {
                    if i == 0 {
                        mant.insert(0, b'1');
                        mant.truncate(n);
                        exp += 1;
                        break;
                    }
                    i -= 1;
                    if mant[i] == b'9' {
                        mant[i] = b'0';
                    } else {
                        mant[i] += 1;
                        break;
                    }
                }
            }
            while mant.last() == Some(&b'0') {
                mant.pop();
            }
        }
        let len = mant.len() as i64;
        let digit = |i: i64| -> char {
            if (0..len).contains(&i) {
                char::from(mant[i as usize])
            } else {
                '0'
            }
        };
        let eprec = if PREC > len && len >= exp { len } else { PREC };
        // Go: `exp10 := exp - 1; exp10 < -4 || exp10 >= eprec`.
        let exp10 = exp - 1;
        if exp10 < -4 || exp10 >= eprec {
            // %e with min(PREC, len) - 1 fractional digits: the whole mantissa.
            out.push(digit(0));
            if len > 1 {
                out.push('.');
                (1..len).for_each(|i| out.push(digit(i)));
            }
            out.push('e');
            out.push(if exp10 < 0 { '-' } else { '+' });
            out.push_str(&format!("{:02}", exp10.abs()));
        } else {
            let prec = if PREC > exp { len } else { PREC };
            let frac = (prec - exp).max(0);
            if exp > 0 {
                (0..exp).for_each(|i| out.push(digit(i)));
            } else {
                out.push('0');
            }
            if frac > 0 {
                out.push('.');
                (0..frac).for_each(|i| out.push(digit(exp + i)));
            }
        }
        out
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Finite(a), Repr::Finite(b)) => {
                a.as_bigint_and_scale() == b.as_bigint_and_scale()
            }
            (Repr::Infinite { negative: a }, Repr::Infinite { negative: b }) => a == b,
            _ => false,
        }
    }
}

impl Eq for Number {}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Repr::Finite(d) => d.as_bigint_and_scale().hash(state),
            Repr::Infinite { negative } => negative.hash(state),
        }
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Finite(a), Repr::Finite(b)) => a.cmp(b),
            (Repr::Infinite { negative: a }, Repr::Infinite { negative: b }) => b.cmp(a),
            (Repr::Infinite { negative }, Repr::Finite(_)) => {
                if *negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (Repr::Finite(_), Repr::Infinite { negative }) => {
                if *negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Finite(d) => d.write_plain_string(f),
            Repr::Infinite { negative: false } => f.write_str("+Inf"),
            Repr::Infinite { negative: true } => f.write_str("-Inf"),
        }
    }
}

impl FromStr for Number {
    type Err = CtyError;

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (either digit run may be
    /// empty, not both), or an infinity as Go's `big.Float` parser spells it:
    /// `Inf` or `inf`, optionally signed. NaN is not a number.
    fn from_str(s: &str) -> Result<Self, CtyError> {
        let invalid = || CtyError::decode("invalid number: expected decimal digits");
        let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
        if unsigned == "Inf" || unsigned == "inf" {
            return Ok(Self(Repr::Infinite {
                negative: s.starts_with('-'),
            }));
        }
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
        Ok(Self::finite(BigDecimal::new(int, scale)))
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
            "NaN",
            "nan",
            "Infinity",
            "INF",
            "+-Inf",
            "Inf ",
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
        assert_eq!(Number::from_f64(f64::INFINITY), Some(Number::INFINITY));
        assert_eq!(
            Number::from_f64(f64::NEG_INFINITY),
            Some(Number::NEG_INFINITY)
        );
        assert_eq!(Number::from_f64(-0.0), Some(n("0")));
    }

    #[test]
    fn infinities() {
        for (text, want) in [
            ("Inf", Number::INFINITY),
            ("inf", Number::INFINITY),
            ("+Inf", Number::INFINITY),
            ("+inf", Number::INFINITY),
            ("-Inf", Number::NEG_INFINITY),
            ("-inf", Number::NEG_INFINITY),
        ] {
            assert_eq!(n(text), want, "{text}");
        }
        assert_eq!(Number::INFINITY.to_string(), "+Inf");
        assert_eq!(Number::NEG_INFINITY.to_string(), "-Inf");
        assert_eq!(Number::INFINITY.to_f64(), f64::INFINITY);
        assert_eq!(Number::NEG_INFINITY.to_exact_f64(), Some(f64::NEG_INFINITY));
        assert_eq!(Number::INFINITY.to_i64(), None);
        assert!(!Number::INFINITY.is_integer() && Number::INFINITY.is_infinite());
        assert!(n("1").is_finite() && !Number::NEG_INFINITY.is_finite());
        assert_ne!(Number::INFINITY, Number::NEG_INFINITY);
        assert_ne!(hash(&Number::INFINITY), hash(&Number::NEG_INFINITY));
    }

    #[test]
    fn order_is_numeric() {
        let mut v = [
            Number::INFINITY,
            n("1e400"),
            n("-0.5"),
            n("2"),
            Number::NEG_INFINITY,
            n("-1e400"),
            n("1.5"),
        ];
        v.sort();
        assert_eq!(v[0], Number::NEG_INFINITY);
        assert_eq!(v[1], n("-1e400"));
        assert_eq!(&v[2..5], &[n("-0.5"), n("1.5"), n("2")]);
        assert_eq!(v[5], n("1e400"));
        assert_eq!(v[6], Number::INFINITY);
        assert!(n("1") == n("1.0") && n("1").cmp(&n("1.0")).is_eq());
    }

    #[test]
    fn go_hash_text_is_big_float_string() {
        for (value, text) in [
            ("0", "0"),
            ("12", "12"),
            ("54", "54"),
            ("-2.5", "-2.5"),
            ("0.5", "0.5"),
            ("100", "100"),
            ("1200000", "1200000"),
            ("123456", "123456"),
            ("1234567891", "1234567891"),
            ("12345678901", "1.23456789e+10"),
            ("1e10", "1e+10"),
            ("1e21", "1e+21"),
            ("1e400", "1e+400"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("0.000012345", "1.2345e-05"),
            ("1.23456789012", "1.23456789"),
            ("1.23456789051", "1.234567891"),
            ("1.0000000005", "1"),
            ("1.0000000015", "1.000000002"),
            ("1.00000000051", "1.000000001"),
            ("9.99999999951", "10"),
            ("99999999995", "1e+11"),
            ("-0.1", "-0.1"),
        ] {
            assert_eq!(n(value).go_hash_text(), text, "{value}");
        }
        assert_eq!(Number::INFINITY.go_hash_text(), "+Inf");
        assert_eq!(Number::NEG_INFINITY.go_hash_text(), "-Inf");
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
