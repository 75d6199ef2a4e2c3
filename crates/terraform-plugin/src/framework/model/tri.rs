//! [`Tri`]: a model field that may be null or unknown.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// The newtype-struct name by which [`Tri`] asks the model deserializer
/// for null (`visit_none`), unknown (`visit_unit`) or a value (`visit_some`).
pub(super) const TRI_TOKEN: &str = "$xelon::model::Tri";

/// The unit-struct name by which [`Tri::Unknown`] asks the model serializer
/// for an unknown value.
pub(super) const UNKNOWN_TOKEN: &str = "$xelon::model::Unknown";

/// A value that may be null or unknown: a computed attribute in a plan, or
/// any configuration attribute at validate or plan time.
///
/// In a model, a `Tri<T>` field reads null, unknown and known values of `T`
/// and writes them back as they were. With other serde formats (JSON), null
/// is [`Tri::Null`], anything else [`Tri::Known`], and [`Tri::Unknown`] is
/// written as null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri<T> {
    /// Null: not set.
    Null,
    /// Not known until apply.
    Unknown,
    /// A known, non-null value.
    Known(T),
}

impl<T> Tri<T> {
    /// The value, if known and not null.
    pub fn known(&self) -> Option<&T> {
        match self {
            Tri::Known(t) => Some(t),
            Tri::Null | Tri::Unknown => None,
        }
    }

    /// The value, if known and not null, taken out.
    pub fn into_known(self) -> Option<T> {
        match self {
            Tri::Known(t) => Some(t),
            Tri::Null | Tri::Unknown => None,
        }
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Tri::Null)
    }

    /// Whether this is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Tri::Unknown)
    }

    /// Whether this is a known, non-null value.
    pub fn is_known(&self) -> bool {
        matches!(self, Tri::Known(_))
    }

    /// The known value mapped by `f`; null and unknown stay as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Tri<U> {
        match self {
            Tri::Null => Tri::Null,
            Tri::Unknown => Tri::Unknown,
            Tri::Known(t) => Tri::Known(f(t)),
        }
    }
}

/// Null.
impl<T> Default for Tri<T> {
    fn default() -> Self {
        Tri::Null
    }
}

/// `None` is null, `Some` known.
impl<T> From<Option<T>> for Tri<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Tri::Null, Tri::Known)
    }
}

impl<T: Serialize> Serialize for Tri<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Tri::Null => s.serialize_none(),
            Tri::Unknown => s.serialize_unit_struct(UNKNOWN_TOKEN),
            Tri::Known(t) => s.serialize_some(t),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tri<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(TRI_TOKEN, TriVisitor(PhantomData))
    }
}

struct TriVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for TriVisitor<T> {
    type Value = Tri<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, null or unknown")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Tri::Null)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Tri::Unknown)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        T::deserialize(d).map(Tri::Known)
    }

    /// Other formats (JSON): an optional value.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Option::<T>::deserialize(d).map(Tri::from)
    }
}
