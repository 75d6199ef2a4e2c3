//! The errors of the bridge: [`ModelError`] for callers, and the serde error
//! type inside, which learns its path on the way out.

use std::fmt::{self, Display};

use serde::de::{self, Expected, Unexpected};

use crate::cty::AttributePath;
use crate::framework::Diagnostics;

/// A value that does not fit a model (or a model that does not fit a type),
/// and where: `control_plane.memory: must be a whole number from 0 to
/// 4294967295, got 5000000000`.
///
/// The message never repeats a string from the value (it may be a secret);
/// numbers out of range are shown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", located(.path, .message))]
pub struct ModelError {
    /// Where in the value it went wrong; the root for the value itself.
    pub path: AttributePath,
    /// What went wrong there, e.g. `is not known yet`.
    pub message: String,
}

fn located(path: &AttributePath, message: &str) -> String {
    if path.is_empty() {
        message.to_owned()
    } else {
        format!("{path}: {message}")
    }
}

impl ModelError {
    /// One error diagnostic with `summary`, pointing at the attribute (when
    /// the error is below the root) and saying what is wrong with it.
    pub fn into_diagnostics(self, summary: &str) -> Diagnostics {
        let mut d = Diagnostics::new();
        let detail = self.to_string();
        if self.path.is_empty() {
            d.error(summary, detail);
        } else {
            d.attribute_error(self.path, summary, detail);
        }
        d
    }
}

/// The serde error type of [`super::de`] and [`super::ser`]: the path is
/// filled in by the innermost value that sees the error, so that errors made
/// by serde's own code (a derived visitor's `invalid_type`) get one too.
#[derive(Debug)]
pub(super) struct Error {
    path: Option<AttributePath>,
    message: String,
}

impl Error {
    /// An error at `path`.
    pub(super) fn at(path: &AttributePath, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.clone()),
            message: message.into(),
        }
    }

    /// This error, at `path` unless it knows a deeper one.
    pub(super) fn locate(mut self, path: &AttributePath) -> Self {
        self.path.get_or_insert_with(|| path.clone());
        self
    }
}

impl From<Error> for ModelError {
    fn from(e: Error) -> Self {
        ModelError {
            path: e.path.unwrap_or_default(),
            message: e.message,
        }
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Self {
            path: None,
            message: msg.to_string(),
        }
    }
}

/// serde's messages, reworded, and without the offending string.
impl de::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        <Self as serde::ser::Error>::custom(msg)
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        de::Error::custom(format_args!("must be {exp}, not {}", kind(&unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        let got = match unexp {
            Unexpected::Unsigned(n) => n.to_string(),
            Unexpected::Signed(n) => n.to_string(),
            Unexpected::Float(n) => n.to_string(),
            other => kind(&other).to_owned(),
        };
        de::Error::custom(format_args!("must be {exp}, got {got}"))
    }

    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        de::Error::custom(format_args!("must be {exp}, got {len} elements"))
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        let names: Vec<String> = expected.iter().map(|v| format!("`{v}`")).collect();
        de::Error::custom(format_args!("must be one of {}", names.join(", ")))
    }

    fn missing_field(field: &'static str) -> Self {
        de::Error::custom(format_args!("has no attribute `{field}`"))
    }
}

/// `word` with its indefinite article: `a string`, `an object`.
pub(super) fn a(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

/// What an unexpected value was, without its contents.
fn kind(unexp: &Unexpected<'_>) -> &'static str {
    match unexp {
        Unexpected::Bool(_) => "a bool",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit => "null",
        Unexpected::Option => "an optional value",
        Unexpected::NewtypeStruct => "a newtype struct",
        Unexpected::Seq => "a list",
        Unexpected::Map => "a map",
        Unexpected::Enum
        | Unexpected::UnitVariant
        | Unexpected::NewtypeVariant
        | Unexpected::TupleVariant
        | Unexpected::StructVariant => "an enum",
        Unexpected::Other(_) => "another kind of value",
    }
}
