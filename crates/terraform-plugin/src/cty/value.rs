//! cty values: an untyped tree whose type (the schema) travels separately.

use std::borrow::Cow;
use std::collections::BTreeMap;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::number::Number;
use super::path::{AttributePath, PathStep};
use super::types::Type;

/// A cty value, known, null or unknown at any depth.
///
/// The tree carries no types: the codecs take the [`Type`] beside it. A set's
/// elements are a `Vec`: the decoders return them as go-cty holds them (each
/// element once, in go-cty's order), and the encoders write any `Vec` so;
/// [`crate::cty::set::canonical`] does the same to a set built by hand.
/// Equality is structural, so it is order-sensitive for sets.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A null of any type.
    Null,
    /// A value not known until apply, of any type.
    Unknown,
    /// A known bool.
    Bool(bool),
    /// A known number.
    Number(Number),
    /// A known string.
    String(String),
    /// A known list.
    List(Vec<Value>),
    /// A known set.
    Set(Vec<Value>),
    /// A known tuple.
    Tuple(Vec<Value>),
    /// A known map.
    Map(BTreeMap<String, Value>),
    /// A known object; an attribute of the type that is missing here counts as null.
    Object(BTreeMap<String, Value>),
    /// A value at a `dynamic` type position, with its concrete type. Null and
    /// unknown of no particular type are plain [`Value::Null`] and [`Value::Unknown`].
    /// The type is never itself `dynamic` in what the decoders return (see
    /// [`Value::dynamic`]); the encoders look through such a wrapper.
    Dynamic(Box<Type>, Box<Value>),
}

impl Value {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is unknown (at the top; parts of a known value may be unknown).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether this is not unknown at the top.
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }

    /// Whether nothing in this value is unknown, at any depth.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => {
                vs.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
        }
    }

    /// Whether something in this value is unknown, at any depth.
    pub fn contains_unknown(&self) -> bool {
        !self.is_wholly_known()
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an `i64`, if this is an integer number in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::to_i64)
    }

    /// An attribute of an object (`None` if this is not an object or has no such attribute).
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.attrs().and_then(|a| a.get(name))
    }

    /// An attribute of an object, mutably.
    pub fn get_attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(a) => a.get_mut(name),
            _ => None,
        }
    }

    /// The attributes, if this is an object.
    pub fn attrs(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(a) => Some(a),
            _ => None,
        }
    }

    /// The elements, if this is a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => Some(vs),
            _ => None,
        }
    }

    /// The part of this value at `path`: attribute steps go into objects, key
    /// steps into maps, index steps into lists and tuples, and every step looks
    /// through [`Value::Dynamic`]. `None` where the path leads nowhere (including
    /// into null or unknown).
    pub fn get_path(&self, path: &AttributePath) -> Option<&Value> {
        path.steps.iter().try_fold(self, |v, step| {
            let v = match v {
                Value::Dynamic(_, inner) => inner,
                v => v,
            };
            match (step, v) {
                (PathStep::Attribute(name), Value::Object(a)) => a.get(name),
                (PathStep::ElementKeyString(key), Value::Map(m)) => m.get(key),
                (PathStep::ElementKeyInt(i), Value::List(vs) | Value::Tuple(vs)) => {
                    usize::try_from(*i).ok().and_then(|i| vs.get(i))
                }
                _ => None,
            }
        })
    }

    /// A known object with the given attributes.
    pub fn object<I, K>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value's kind in error messages: `null`, `string`, `object`, ...
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Tuple(_) => "tuple",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Dynamic(..) => "dynamic value",
        }
    }

    /// A known string.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A known number.
    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// A value of type `ty` at a `dynamic` type position.
    ///
    /// A `ty` that is itself `dynamic` adds nothing: `value` (already a
    /// dynamic value, a null or an unknown) is returned as it is, so wrappers
    /// never nest, as in go-cty, where no value has the type `dynamic` unless it
    /// is null or unknown.
    pub fn dynamic(ty: Type, value: Value) -> Value {
        match ty {
            Type::Dynamic => value,
            ty => Value::Dynamic(Box::new(ty), Box::new(value)),
        }
    }
}

/// `s` in Unicode Normalization Form C, as go-cty keeps every string
/// (`cty.StringVal`, map keys); borrowed when it already is (any ASCII text).
///
/// The tables are a newer Unicode version than Go's (15.0); by Unicode's
/// stability policy the two agree on every string of characters assigned in 15.0.
pub fn nfc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        IsNormalized::No | IsNormalized::Maybe => {
            let normalized: String = s.nfc().collect();
            if normalized == s {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(normalized)
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Number(i.into())
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::object([
            ("name", Value::from("k8s")),
            (
                "nodes",
                Value::List(vec![
                    Value::object([("id", Value::from(7))]),
                    Value::object([("id", Value::Unknown)]),
                ]),
            ),
            (
                "tags",
                Value::Map([("env".to_owned(), Value::from("prod"))].into()),
            ),
            (
                "extra",
                Value::dynamic(
                    Type::object([("x", Type::Bool)]),
                    Value::object([("x", true.into())]),
                ),
            ),
        ])
    }

    #[test]
    fn accessors() {
        let v = sample();
        assert_eq!(v.get_attr("name").and_then(Value::as_str), Some("k8s"));
        assert_eq!(v.get_attr("nope"), None);
        assert_eq!(v.attrs().map(BTreeMap::len), Some(4));
        assert_eq!(
            v.get_attr("nodes")
                .and_then(Value::elements)
                .map(<[_]>::len),
            Some(2)
        );
        assert_eq!(Value::from(true).as_bool(), Some(true));
        assert_eq!(Value::number(5u32).as_i64(), Some(5));
        assert_eq!(Value::from("5").as_i64(), None);
        assert!(Value::Null.is_known() && !Value::Unknown.is_known());
    }

    #[test]
    fn unknowns_at_depth() {
        let mut v = sample();
        assert!(v.is_known() && v.contains_unknown() && !v.is_wholly_known());
        *v.get_attr_mut("nodes").unwrap() = Value::Null;
        assert!(v.is_wholly_known() && !v.contains_unknown());
        assert!(!Value::dynamic(Type::String, Value::Unknown).is_wholly_known());
    }

    #[test]
    fn dynamic_wrappers_do_not_nest() {
        let inner = Value::dynamic(Type::String, "x".into());
        assert_eq!(Value::dynamic(Type::Dynamic, inner.clone()), inner);
        assert_eq!(Value::dynamic(Type::Dynamic, Value::Null), Value::Null);
        assert_eq!(
            Value::dynamic(Type::Bool, Value::Unknown),
            Value::Dynamic(Box::new(Type::Bool), Box::new(Value::Unknown))
        );
    }

    #[test]
    fn nfc_composes() {
        assert!(matches!(nfc("plain ascii"), Cow::Borrowed(_)));
        assert!(matches!(nfc("\u{e9}t\u{e9}"), Cow::Borrowed(_)));
        assert_eq!(nfc("e\u{301}"), "\u{e9}");
        assert_eq!(nfc("A\u{30a}ngstr\u{f6}m"), "\u{c5}ngstr\u{f6}m");
        assert_eq!(nfc("\u{1100}\u{1161}"), "\u{ac00}");
        // Singletons decompose and do not recompose: the Angstrom sign is Å.
        assert_eq!(nfc("\u{212b}"), "\u{c5}");
    }

    #[test]
    fn paths() {
        let v = sample();
        let id = AttributePath::attr("nodes").push_index(0).push_attr("id");
        assert_eq!(v.get_path(&id).and_then(Value::as_i64), Some(7));
        assert_eq!(
            v.get_path(&AttributePath::attr("tags").push_key("env")),
            Some(&"prod".into())
        );
        assert_eq!(
            v.get_path(&AttributePath::attr("extra").push_attr("x")),
            Some(&Value::Bool(true))
        );
        assert_eq!(v.get_path(&AttributePath::root()), Some(&v));
        assert_eq!(
            v.get_path(&AttributePath::attr("nodes").push_index(2)),
            None
        );
        assert_eq!(
            v.get_path(&AttributePath::attr("nodes").push_index(-1)),
            None
        );
        assert_eq!(
            v.get_path(&AttributePath::attr("tags").push_attr("env")),
            None
        );
        assert_eq!(
            v.get_path(&AttributePath::attr("name").push_attr("x")),
            None
        );
    }
}
