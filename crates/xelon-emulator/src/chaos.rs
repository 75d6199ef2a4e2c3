//! Chaos settings: random faults (`--fault-rate`), added latency
//! (`--latency`) and lost answers (`--lost-response-rate`), and their
//! parsers. What happens to a request is decided in `faults` with the
//! state's one seeded random number generator; see "Chaos" in the module
//! documentation of [`super`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::duration::parse_duration;

/// How far above 1 a sum of probabilities may be and still count as 1
/// (`0.1 + 0.2 + 0.7` is `1.0000000000000002` in binary floating point).
const SUM_TOLERANCE: f64 = 1e-9;

/// The largest `Retry-After` the emulator sends, in seconds (one day).
pub const MAX_RETRY_AFTER: u64 = 86_400;

/// The `Retry-After` a 429 carries when none is given, in seconds.
pub const DEFAULT_429_RETRY_AFTER: u64 = 1;

/// Why a chaos setting was refused; the message says what and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ChaosError(String);

impl ChaosError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// One status of a [`FaultRate`]: answered with probability `rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusRate {
    /// The status answered instead of handling the request (400-599).
    pub status: u16,
    /// The probability of answering it, 0 to 1.
    pub rate: f64,
    /// Seconds sent in a `Retry-After` header, if any (a 429 always has one,
    /// 1 s unless given).
    pub retry_after: Option<u64>,
}

/// Random error answers: each API request independently gets one of these
/// statuses with its probability, instead of being handled
/// (`--fault-rate 503=0.2,429=0.1:2s`). The probabilities add up to at most
/// 1; an empty fault rate injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultRate(Vec<StatusRate>);

// Every rate is a finite number (checked by `FaultRate::new`), so equality is
// an equivalence.
impl Eq for FaultRate {}

impl FaultRate {
    /// A fault rate from its entries, in the order draws check them. A 429
    /// without a `Retry-After` gets [`DEFAULT_429_RETRY_AFTER`].
    ///
    /// # Errors
    ///
    /// Fails on a status outside 400-599, a status given twice, a
    /// probability outside 0..=1 (or not a number), probabilities adding up
    /// to more than 1, or a `Retry-After` above [`MAX_RETRY_AFTER`].
    pub fn new(mut entries: Vec<StatusRate>) -> Result<Self, ChaosError> {
        let mut sum = 0.0;
        for entry in &mut entries {
            let status = entry.status;
            if !(400..=599).contains(&status) {
                return Err(ChaosError::new(format!(
                    "status {status} is not an error status: use 400-599 (e.g. 503=0.2)"
                )));
            }
            if !entry.rate.is_finite() || !(0.0..=1.0).contains(&entry.rate) {
                return Err(ChaosError::new(format!(
                    "the probability of {status} must be a number from 0 to 1, got {}",
                    entry.rate
                )));
            }
            if let Some(seconds) = entry.retry_after {
                if seconds > MAX_RETRY_AFTER {
                    return Err(ChaosError::new(format!(
                        "the Retry-After of {status} must be at most {MAX_RETRY_AFTER}s, got {seconds}s"
                    )));
                }
            } else if status == 429 {
                entry.retry_after = Some(DEFAULT_429_RETRY_AFTER);
            }
            sum += entry.rate;
        }
        for (index, entry) in entries.iter().enumerate() {
            if entries[..index].iter().any(|e| e.status == entry.status) {
                return Err(ChaosError::new(format!(
                    "status {} is given twice",
                    entry.status
                )));
            }
        }
        if sum > 1.0 + SUM_TOLERANCE {
            return Err(ChaosError::new(format!(
                "the probabilities add up to {sum}, more than 1"
            )));
        }
        Ok(Self(entries))
    }

    /// The entries, in the order draws check them.
    pub fn entries(&self) -> &[StatusRate] {
        &self.0
    }

    /// True when no status is given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entry a uniform draw `draw` from `0..1` picks, if any: the
    /// entries split `0..sum` in their order, the rest picks none.
    pub fn pick(&self, draw: f64) -> Option<&StatusRate> {
        let mut upper = 0.0;
        self.0.iter().find(|entry| {
            upper += entry.rate;
            entry.rate > 0.0 && draw < upper
        })
    }
}

impl FromStr for FaultRate {
    type Err = ChaosError;

    /// Parses `STATUS=PROBABILITY[:RETRY_AFTER]` items separated by commas:
    /// `503=0.2,429=0.1:2s`. `RETRY_AFTER` is whole seconds (`2s`, `1m`,
    /// or a bare `2`).
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        const FORM: &str = "expected STATUS=PROBABILITY[:RETRY_AFTER] items separated by commas, e.g. 503=0.2,429=0.1:2s";
        if spec.trim().is_empty() {
            return Err(ChaosError::new(format!("empty fault rate: {FORM}")));
        }
        let mut entries = Vec::new();
        for item in spec.split(',') {
            let item = item.trim();
            if item.is_empty() {
                return Err(ChaosError::new(format!(
                    "empty item in {spec:?} (a stray comma?): {FORM}"
                )));
            }
            let Some((status, rest)) = item.split_once('=') else {
                return Err(ChaosError::new(format!("{item:?}: {FORM}")));
            };
            let (rate, retry_after) = match rest.split_once(':') {
                Some((rate, retry_after)) => (rate, Some(retry_after)),
                None => (rest, None),
            };
            let status = status.trim();
            let status: u16 = status.parse().map_err(|_| {
                ChaosError::new(format!(
                    "{item:?}: {status:?} is not an HTTP status (use 400-599)"
                ))
            })?;
            let rate = parse_rate(rate).map_err(|e| ChaosError::new(format!("{item:?}: {e}")))?;
            let retry_after = retry_after
                .map(parse_retry_after)
                .transpose()
                .map_err(|e| ChaosError::new(format!("{item:?}: {e}")))?;
            entries.push(StatusRate {
                status,
                rate,
                retry_after,
            });
        }
        Self::new(entries)
    }
}

impl fmt::Display for FaultRate {
    /// The `--fault-rate` form, e.g. `503=0.2,429=0.1:1s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, entry) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}={}", entry.status, entry.rate)?;
            if let Some(seconds) = entry.retry_after {
                write!(f, ":{seconds}s")?;
            }
        }
        Ok(())
    }
}

impl Serialize for FaultRate {
    /// `{"503": {"rate": 0.2}, "429": {"rate": 0.1, "retry_after": 1}}`, the
    /// form `POST /_emulator/faults` takes back.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Entry<'a>(&'a StatusRate);
        impl Serialize for Entry<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let fields = 1 + usize::from(self.0.retry_after.is_some());
                let mut entry = serializer.serialize_struct("StatusRate", fields)?;
                entry.serialize_field("rate", &self.0.rate)?;
                if let Some(seconds) = self.0.retry_after {
                    entry.serialize_field("retry_after", &seconds)?;
                }
                entry.end()
            }
        }
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for entry in &self.0 {
            map.serialize_entry(&entry.status.to_string(), &Entry(entry))?;
        }
        map.end()
    }
}

/// Parses a probability from 0 to 1 (`0.1`, `1`, `0`), as
/// `--lost-response-rate` and the items of `--fault-rate` take it.
///
/// # Errors
///
/// Fails on anything that is not a finite number from 0 to 1.
pub fn parse_rate(text: &str) -> Result<f64, ChaosError> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(ChaosError::new(format!(
            "{text:?} is not a probability: use a number from 0 to 1 (e.g. 0.1)"
        ))),
    }
}

/// Parses a `Retry-After`: whole seconds, as a duration (`2s`, `1m`) or a
/// bare number of seconds (`2`).
fn parse_retry_after(text: &str) -> Result<u64, ChaosError> {
    let text = text.trim();
    let seconds = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u64>().ok()
    } else {
        parse_duration(text)
            .ok()
            .filter(|d| d.subsec_nanos() == 0)
            .map(|d| d.as_secs())
    };
    match seconds {
        Some(seconds) if seconds <= MAX_RETRY_AFTER => Ok(seconds),
        _ => Err(ChaosError::new(format!(
            "Retry-After {text:?} must be whole seconds up to {MAX_RETRY_AFTER} (e.g. 2s or 2)"
        ))),
    }
}

/// How a lost answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LoseMode {
    /// A `504 Gateway Timeout` with an error body, as a gateway that gave up
    /// waiting would answer (`"504"`).
    #[serde(rename = "504")]
    GatewayTimeout,
    /// The connection is closed without any HTTP answer (`"drop"`): the
    /// client sees a transport error.
    #[serde(rename = "drop")]
    Drop,
}

impl LoseMode {
    /// `"504"` or `"drop"`, as the admin API and the counters name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GatewayTimeout => "504",
            Self::Drop => "drop",
        }
    }
}

impl FromStr for LoseMode {
    type Err = ChaosError;

    /// `504` or `drop`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "504" => Ok(Self::GatewayTimeout),
            "drop" => Ok(Self::Drop),
            _ => Err(ChaosError::new(format!(
                "{text:?} is not a way to lose an answer: use \"504\" or \"drop\""
            ))),
        }
    }
}

/// Random trouble for API requests (never for `/_emulator/` admin calls):
/// added latency, random error answers and lost answers. The default is no
/// chaos. See "Chaos" in the module documentation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chaos {
    /// Added to every matching API answer: the request waits this long
    /// before it is handled.
    pub latency: Duration,
    /// Random error answers instead of handling the request.
    pub fault_rate: FaultRate,
    /// The probability (0 to 1) that a request that was not answered with a
    /// fault is handled and then its answer lost (a `504` or a dropped connection,
    /// half and half). Without a method filter, it applies to mutating
    /// requests only (everything but `GET`, `HEAD` and `OPTIONS`).
    pub lost_response_rate: f64,
}

// `lost_response_rate` is a finite number wherever it is parsed (the flag,
// the admin API), so equality is an equivalence; only a NaN set in code
// would make a value unequal to itself.
impl Eq for Chaos {}

impl Chaos {
    /// True when it does nothing.
    pub fn is_empty(&self) -> bool {
        self.latency.is_zero() && self.fault_rate.is_empty() && self.lost_response_rate <= 0.0
    }
}

impl Serialize for Chaos {
    /// `{"latency_ms": 100, "fault_rate": {...}, "lost_response_rate": 0.1}`,
    /// the form `POST /_emulator/faults` takes back under `"chaos"`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut chaos = serializer.serialize_struct("Chaos", 3)?;
        let latency_ms = u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX);
        chaos.serialize_field("latency_ms", &latency_ms)?;
        chaos.serialize_field("fault_rate", &self.fault_rate)?;
        chaos.serialize_field("lost_response_rate", &self.lost_response_rate)?;
        chaos.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<FaultRate, String> {
        text.parse::<FaultRate>().map_err(|e| e.to_string())
    }

    #[test]
    fn specs_parse_with_retry_after() {
        let rate = spec("503=0.2, 429=0.1").expect("valid");
        assert_eq!(
            rate.entries(),
            [
                StatusRate {
                    status: 503,
                    rate: 0.2,
                    retry_after: None
                },
                StatusRate {
                    status: 429,
                    rate: 0.1,
                    retry_after: Some(1)
                },
            ]
        );
        let rate = spec("429=0.5:2s,500=0.25:3,502=0:1m").expect("valid");
        let retry: Vec<_> = rate.entries().iter().map(|e| e.retry_after).collect();
        assert_eq!(retry, [Some(2), Some(3), Some(60)]);
        assert_eq!(rate.to_string(), "429=0.5:2s,500=0.25:3s,502=0:60s");
        assert_eq!(spec(&rate.to_string()), Ok(rate));
        assert!(spec("503=1").is_ok());
        assert!(
            spec("503=0.7,502=0.2,500=0.1").is_ok(),
            "sums to 1 in decimal"
        );
    }

    #[test]
    fn specs_refuse_nonsense_with_clear_errors() {
        for (bad, needle) in [
            ("", "empty fault rate"),
            ("  ", "empty fault rate"),
            ("503", "STATUS=PROBABILITY"),
            ("503=0.2,", "stray comma"),
            ("abc=0.1", "not an HTTP status"),
            ("200=0.1", "400-599"),
            ("600=0.1", "400-599"),
            ("99999=0.1", "not an HTTP status"),
            ("503=1.5", "not a probability"),
            ("503=-0.1", "not a probability"),
            ("503=NaN", "not a probability"),
            ("503=inf", "not a probability"),
            ("503=lots", "not a probability"),
            ("503=0.6,429=0.5", "add up to"),
            ("503=0.1,503=0.2", "given twice"),
            ("429=0.1:1500ms", "whole seconds"),
            ("429=0.1:soon", "whole seconds"),
            ("429=0.1:2d", "whole seconds"),
            ("429=0.1:", "whole seconds"),
            ("429=0.1:86401", "whole seconds"),
        ] {
            match spec(bad) {
                Ok(rate) => panic!("{bad:?} should be refused, got {rate:?}"),
                Err(message) => assert!(
                    message.contains(needle),
                    "{bad:?}: {message:?} should mention {needle:?}"
                ),
            }
        }
    }

    #[test]
    fn draws_pick_statuses_by_their_share() {
        let rate = spec("503=0.2,429=0.1").expect("valid");
        let pick = |draw| rate.pick(draw).map(|e| e.status);
        assert_eq!(pick(0.0), Some(503));
        assert_eq!(pick(0.199), Some(503));
        assert_eq!(pick(0.2), Some(429));
        assert_eq!(pick(0.299), Some(429));
        assert_eq!(pick(0.301), None);
        assert_eq!(pick(0.999), None);
        let never = spec("503=0,500=1").expect("valid");
        assert_eq!(never.pick(0.0).map(|e| e.status), Some(500));
        assert_eq!(FaultRate::default().pick(0.0).map(|e| e.status), None);
    }

    #[test]
    fn rates_and_lose_modes_parse() {
        assert_eq!(parse_rate("0.1"), Ok(0.1));
        assert_eq!(parse_rate(" 1 "), Ok(1.0));
        assert_eq!(parse_rate("0"), Ok(0.0));
        for bad in ["", "1.01", "-1", "x", "NaN", "10%"] {
            let refused = parse_rate(bad);
            assert!(
                refused.as_ref().is_err_and(|e| e.0.contains("probability")),
                "{bad:?}: {refused:?}"
            );
        }
        assert_eq!("504".parse(), Ok(LoseMode::GatewayTimeout));
        assert_eq!("DROP".parse(), Ok(LoseMode::Drop));
        assert!("503".parse::<LoseMode>().is_err());
    }

    #[test]
    fn chaos_serializes_in_the_admin_form() {
        let chaos = Chaos {
            latency: Duration::from_millis(100),
            fault_rate: spec("503=0.2,429=0.1").expect("valid"),
            lost_response_rate: 0.1,
        };
        assert!(!chaos.is_empty());
        assert!(Chaos::default().is_empty());
        assert_eq!(
            serde_json::to_value(&chaos).expect("json"),
            serde_json::json!({
                "latency_ms": 100,
                "fault_rate": {"503": {"rate": 0.2}, "429": {"rate": 0.1, "retry_after": 1}},
                "lost_response_rate": 0.1
            })
        );
    }
}
