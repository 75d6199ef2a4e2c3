//! Reading a [`Value`] into a model: a serde `Deserializer` over `&Value`
//! that knows the attribute path it is at.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::cty::{AttributePath, Number, PathStep, Value};

use super::error::{Error, ModelError, a};
use super::tri::TRI_TOKEN;

/// What a struct field that the object lacks reads: null.
static NULL: Value = Value::Null;

/// Numbers longer than this are not repeated in error messages.
const MAX_SHOWN_DIGITS: usize = 40;

/// Reads `value` into a `T` (see the [module rules](super)).
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ModelError> {
    let root = AttributePath::root();
    T::deserialize(De::new(value, root.clone())).map_err(|e| e.locate(&root).into())
}

/// The deserializer of the value at `path`.
struct De<'de> {
    value: &'de Value,
    path: AttributePath,
}

impl<'de> De<'de> {
    /// Looks through dynamic wrappers: a model reads the value inside.
    fn new(mut value: &'de Value, path: AttributePath) -> Self {
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        Self { value, path }
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::at(&self.path, message)
    }

    /// The value, unless it is null or unknown.
    fn known(&self) -> Result<&'de Value, Error> {
        match self.value {
            Value::Null => Err(self.error("must not be null")),
            Value::Unknown => Err(self.error("is not known yet")),
            v => Ok(v),
        }
    }

    /// The error for a known value of the wrong kind.
    fn mismatch(&self, expected: &str) -> Error {
        self.error(format!("must be {expected}, not {}", a(self.value.kind())))
    }

    /// The whole number from `min` to `max` that this value must be.
    fn whole(&self, min: i128, max: i128) -> Result<i128, Error> {
        let range = format!("a whole number from {min} to {max}");
        let Value::Number(n) = self.known()? else {
            return Err(self.mismatch(&range));
        };
        match integer(n).filter(|i| (min..=max).contains(i)) {
            Some(i) => Ok(i),
            None => {
                let text = n.to_string();
                let got = if text.len() <= MAX_SHOWN_DIGITS {
                    text
                } else {
                    format!("a number of more than {MAX_SHOWN_DIGITS} digits")
                };
                Err(self.error(format!("must be {range}, got {got}")))
            }
        }
    }

    /// Visits the elements of a list, set or tuple; all must be read.
    fn seq<V: Visitor<'de>>(self, values: &'de [Value], visitor: V) -> Result<V::Value, Error> {
        let mut elements = Elements {
            iter: values.iter().enumerate(),
            path: self.path.clone(),
        };
        let read = visitor.visit_seq(&mut elements)?;
        match elements.iter.len() {
            0 => Ok(read),
            more => Err(self.error(format!(
                "has {} elements, {more} more than the model takes",
                values.len()
            ))),
        }
    }

    /// Visits the attributes of an object or the entries of a map; for a
    /// struct, the `fields` the value lacks follow as nulls.
    fn map<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (entries, step): (_, fn(&str) -> PathStep) = match self.value {
            Value::Object(m) => (m, |k| PathStep::Attribute(k.to_owned())),
            Value::Map(m) => (m, |k| PathStep::ElementKeyString(k.to_owned())),
            _ => {
                return Err(self.mismatch(if fields.is_empty() {
                    "a map"
                } else {
                    "an object"
                }));
            }
        };
        let missing = fields
            .iter()
            .filter(|f| !entries.contains_key(**f))
            .map(|f| (*f, &NULL));
        visitor.visit_map(Entries {
            iter: entries.iter().map(|(k, v)| (k.as_str(), v)).chain(missing),
            step,
            path: self.path,
            value: None,
        })
    }
}

/// The exact integer value of `n`, if it is one within `i64` or `u64`.
fn integer(n: &Number) -> Option<i128> {
    if let Some(i) = n.to_i64() {
        return Some(i.into());
    }
    if !n.is_integer() || *n < Number::from(0) || *n > Number::from(u64::MAX) {
        return None;
    }
    n.to_string().parse::<u64>().ok().map(i128::from)
}

macro_rules! integers {
    ($($method:ident: $t:ty => $visit:ident as $via:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let i = self.whole(<$t>::MIN.into(), <$t>::MAX.into())?;
            let i = <$via>::try_from(i).map_err(|_| self.error("integer out of range"))?;
            visitor.$visit(i)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for De<'de> {
    type Error = Error;

    /// Untyped targets: null is a unit, integers are `i64` or `u64` when
    /// exact, other numbers `f64`; objects and maps are maps.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => Err(self.error("is not known yet")),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match integer(n) {
                Some(i) => match i64::try_from(i) {
                    Ok(i) => visitor.visit_i64(i),
                    Err(_) => match u64::try_from(i) {
                        Ok(u) => visitor.visit_u64(u),
                        Err(_) => visitor.visit_f64(n.to_f64()),
                    },
                },
                None => visitor.visit_f64(n.to_f64()),
            },
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => self.seq(vs, visitor),
            Value::Map(_) | Value::Object(_) => self.map(&[], visitor),
            Value::Dynamic(_, v) => De::new(v, self.path).deserialize_any(visitor),
        }
    }

    integers! {
        deserialize_i8: i8 => visit_i64 as i64,
        deserialize_i16: i16 => visit_i64 as i64,
        deserialize_i32: i32 => visit_i64 as i64,
        deserialize_i64: i64 => visit_i64 as i64,
        deserialize_u8: u8 => visit_u64 as u64,
        deserialize_u16: u16 => visit_u64 as u64,
        deserialize_u32: u32 => visit_u64 as u64,
        deserialize_u64: u64 => visit_u64 as u64,
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.known()? {
            Value::Number(n) => visitor.visit_f64(n.to_f64()),
            _ => Err(self.mismatch("a number")),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.known()? {
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.mismatch("a bool")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.known()? {
            Value::String(s) => visitor.visit_borrowed_str(s),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// Null is `None`; unknown is an error, never `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            Value::Unknown => Err(self.error("is not known yet")),
            _ => visitor.visit_some(self),
        }
    }

    /// [`super::Tri`] reads null, unknown and known values; any other
    /// newtype struct reads what it wraps.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match (name, self.value) {
            (TRI_TOKEN, Value::Null) => visitor.visit_none(),
            (TRI_TOKEN, Value::Unknown) => visitor.visit_unit(),
            (TRI_TOKEN, _) => visitor.visit_some(self),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => Err(self.error("is not known yet")),
            _ => Err(self.mismatch("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.known()? {
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => self.seq(vs, visitor),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.known()?;
        self.map(&[], visitor)
    }

    /// Attributes the struct does not name are skipped; fields the object
    /// lacks read as null.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.known()?;
        self.map(fields, visitor)
    }

    /// Unit variants, from strings.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.known()? {
            Value::String(s) => visitor
                .visit_enum(BorrowedStrDeserializer::new(s))
                .map_err(|e: Error| e.locate(&self.path)),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// Whatever is skipped may be null or unknown.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// The elements of a list, set or tuple, each at its index.
struct Elements<'de, I: Iterator<Item = (usize, &'de Value)>> {
    iter: I,
    path: AttributePath,
}

impl<'de, I> SeqAccess<'de> for Elements<'de, I>
where
    I: ExactSizeIterator<Item = (usize, &'de Value)>,
{
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((i, value)) = self.iter.next() else {
            return Ok(None);
        };
        let path = self.path.push(PathStep::index(i));
        let read = seed.deserialize(De::new(value, path.clone()));
        read.map(Some).map_err(|e| e.locate(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The attributes of an object or the entries of a map, each at its step.
struct Entries<'de, I: Iterator<Item = (&'de str, &'de Value)>> {
    iter: I,
    step: fn(&str) -> PathStep,
    path: AttributePath,
    /// The value of the key just read, and its path.
    value: Option<(&'de Value, AttributePath)>,
}

impl<'de, I> MapAccess<'de> for Entries<'de, I>
where
    I: Iterator<Item = (&'de str, &'de Value)>,
{
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        let path = self.path.push((self.step)(key));
        let key = seed
            .deserialize(BorrowedStrDeserializer::<Error>::new(key))
            .map_err(|e| e.locate(&path))?;
        self.value = Some((value, path));
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((value, path)) = self.value.take() else {
            return Err(Error::at(&self.path, "a value was read before its key"));
        };
        seed.deserialize(De::new(value, path.clone()))
            .map_err(|e| e.locate(&path))
    }
}
