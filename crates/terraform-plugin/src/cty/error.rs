//! Errors of the type system and its codecs.

use std::fmt;

use super::path::{AttributePath, PathStep};
use super::types::Type;
use super::value::Value;

/// An error decoding or encoding a value, a type or a number.
///
/// Each carries the [`AttributePath`] of the part of the value where it happened
/// (the root for type JSON and number text); `Display` shows it:
/// `at control_plane.memory: expected number, found string`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CtyError {
    /// Input (msgpack, JSON, type JSON or a number's text) that does not decode as the type says.
    #[error("{}{message}", At(path))]
    Decode {
        /// Where in the value.
        path: AttributePath,
        /// What is wrong.
        message: String,
    },
    /// A [`Value`] that does not conform to the type it is encoded with.
    #[error("{}{message}", At(path))]
    Encode {
        /// Where in the value.
        path: AttributePath,
        /// What is wrong.
        message: String,
    },
}

impl CtyError {
    /// A decode error at the root; [`CtyError::within`] moves it down.
    pub(crate) fn decode(message: impl Into<String>) -> Self {
        Self::Decode {
            path: AttributePath::root(),
            message: message.into(),
        }
    }

    /// An encode error at the root; [`CtyError::within`] moves it down.
    pub(crate) fn encode(message: impl Into<String>) -> Self {
        Self::Encode {
            path: AttributePath::root(),
            message: message.into(),
        }
    }

    /// An encode error for a `value` that does not conform to `ty`.
    pub(crate) fn mismatch(ty: &Type, value: &Value) -> Self {
        Self::encode(match (ty, value) {
            (Type::Dynamic, _) => format!(
                "expected a dynamic value (with its type), found {}",
                value.kind()
            ),
            (Type::Tuple(ts), Value::Tuple(vs)) => format!(
                "expected tuple of {} elements, found {}",
                ts.len(),
                vs.len()
            ),
            _ => format!("expected {}, found {}", ty.kind(), value.kind()),
        })
    }

    /// The same error one step further from the root: `step` is prepended to its path.
    pub(crate) fn within(mut self, step: PathStep) -> Self {
        match &mut self {
            Self::Decode { path, .. } | Self::Encode { path, .. } => path.steps.insert(0, step),
        }
        self
    }

    /// Where in the value the error happened.
    pub fn path(&self) -> &AttributePath {
        match self {
            Self::Decode { path, .. } | Self::Encode { path, .. } => path,
        }
    }

    /// The error without its path.
    pub fn message(&self) -> &str {
        match self {
            Self::Decode { message, .. } | Self::Encode { message, .. } => message,
        }
    }
}

/// Formats `at PATH: `, or nothing at the root.
struct At<'a>(&'a AttributePath);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "at {}: ", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_the_path() {
        let e = CtyError::decode("expected number, found string")
            .within(PathStep::Attribute("memory".into()))
            .within(PathStep::Attribute("control_plane".into()));
        assert_eq!(
            e.to_string(),
            "at control_plane.memory: expected number, found string"
        );
        assert_eq!(
            e.path(),
            &AttributePath::attr("control_plane").push_attr("memory")
        );
        assert_eq!(e.message(), "expected number, found string");
        assert_eq!(CtyError::encode("bad").to_string(), "bad");
    }
}
