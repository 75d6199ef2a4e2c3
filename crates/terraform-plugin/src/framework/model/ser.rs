//! Writing a model as a [`Value`]: a serde `Serializer` led by the cty
//! [`Type`] it writes, which checks every part against it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::cty::set::canonical_top;
use crate::cty::{AttributePath, Number, ObjectType, PathStep, Type, Value};

use super::error::{Error, ModelError, a};
use super::tri::UNKNOWN_TOKEN;

/// Writes `model` as a value of type `ty` (see the [module rules](super)).
pub fn to_value<T: Serialize + ?Sized>(model: &T, ty: &Type) -> Result<Value, ModelError> {
    let root = AttributePath::root();
    let ser = Ser {
        ty,
        path: root.clone(),
    };
    model.serialize(ser).map_err(|e| e.locate(&root).into())
}

/// The serializer of the value of type `ty` at `path`.
struct Ser<'t> {
    ty: &'t Type,
    path: AttributePath,
}

impl Ser<'_> {
    /// A known value of the primitive type `ty`, if that is this one's type.
    fn leaf(self, ty: Type, value: Value) -> Result<Value, Error> {
        match self.ty {
            Type::Dynamic => Ok(Value::dynamic(ty, value)),
            t if *t == ty => Ok(value),
            _ => Err(self.mismatch(ty.kind())),
        }
    }

    /// The error for a model writing a `what` where the type says otherwise.
    fn mismatch(&self, what: &str) -> Error {
        let message = match self.ty {
            Type::Dynamic => format!(
                "is dynamic in the schema, where a model can only write a string, number or bool, not {}",
                a(what)
            ),
            ty => format!(
                "is {} in the schema, but the model writes {}",
                a(ty.kind()),
                a(what)
            ),
        };
        Error::at(&self.path, message)
    }

    fn number(self, n: impl Into<Number>) -> Result<Value, Error> {
        self.leaf(Type::Number, Value::Number(n.into()))
    }
}

impl<'t> ser::Serializer for Ser<'t> {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Elements<'t>;
    type SerializeTuple = Elements<'t>;
    type SerializeTupleStruct = Elements<'t>;
    type SerializeTupleVariant = Impossible<Value, Error>;
    type SerializeMap = Entries<'t>;
    type SerializeStruct = Entries<'t>;
    type SerializeStructVariant = Impossible<Value, Error>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        self.leaf(Type::Bool, Value::Bool(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        self.number(v)
    }

    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }

    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        match Number::from_f64(v) {
            Some(n) => self.number(n),
            None => Err(Error::at(&self.path, "NaN is not a number")),
        }
    }

    fn serialize_char(self, v: char) -> Result<Value, Error> {
        self.leaf(Type::String, Value::String(v.into()))
    }

    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        self.leaf(Type::String, Value::string(v))
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<Value, Error> {
        Err(self.mismatch("byte string"))
    }

    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    /// [`super::Tri::Unknown`] is unknown; other unit structs are null.
    fn serialize_unit_struct(self, name: &'static str) -> Result<Value, Error> {
        Ok(if name == UNKNOWN_TOKEN {
            Value::Unknown
        } else {
            Value::Null
        })
    }

    /// A unit variant is its name, a string.
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Value, Error> {
        Err(self.mismatch("enum variant with data"))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Elements<'t>, Error> {
        let kind = match self.ty {
            Type::List(t) => SeqKind::List(t),
            Type::Set(t) => SeqKind::Set(t),
            Type::Tuple(ts) => SeqKind::Tuple(ts),
            _ => return Err(self.mismatch("list")),
        };
        Ok(Elements {
            kind,
            path: self.path,
            out: Vec::with_capacity(len.unwrap_or(0)),
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Elements<'t>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Elements<'t>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(self.mismatch("enum variant with data"))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Entries<'t>, Error> {
        self.entries("map")
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Entries<'t>, Error> {
        self.entries("struct")
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(self.mismatch("enum variant with data"))
    }
}

impl<'t> Ser<'t> {
    /// A map or struct, written as a map or an object as the type says.
    fn entries(self, what: &str) -> Result<Entries<'t>, Error> {
        let kind = match self.ty {
            Type::Map(t) => MapKind::Map(t),
            Type::Object(o) => MapKind::Object(o),
            _ => return Err(self.mismatch(what)),
        };
        Ok(Entries {
            kind,
            path: self.path,
            out: BTreeMap::new(),
            key: None,
        })
    }
}

/// What a sequence is written as.
enum SeqKind<'t> {
    List(&'t Type),
    Set(&'t Type),
    Tuple(&'t [Type]),
}

/// A list, set or tuple being written.
pub(super) struct Elements<'t> {
    kind: SeqKind<'t>,
    path: AttributePath,
    out: Vec<Value>,
}

impl ser::SerializeSeq for Elements<'_> {
    type Ok = Value;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let path = self.path.push(PathStep::index(self.out.len()));
        let ty = match self.kind {
            SeqKind::List(t) | SeqKind::Set(t) => t,
            SeqKind::Tuple(ts) => match ts.get(self.out.len()) {
                Some(t) => t,
                None => {
                    let n = ts.len();
                    return Err(Error::at(
                        &path,
                        format!("is beyond the {n} elements of the tuple type"),
                    ));
                }
            },
        };
        let ser = Ser {
            ty,
            path: path.clone(),
        };
        let value = value.serialize(ser).map_err(|e| e.locate(&path))?;
        self.out.push(value);
        Ok(())
    }

    /// Sets come out as cty holds them: each element once, in cty's order.
    fn end(self) -> Result<Value, Error> {
        match self.kind {
            SeqKind::List(_) => Ok(Value::List(self.out)),
            SeqKind::Set(t) => Ok(Value::Set(canonical_top(self.out, t))),
            SeqKind::Tuple(ts) if ts.len() == self.out.len() => Ok(Value::Tuple(self.out)),
            SeqKind::Tuple(ts) => Err(Error::at(
                &self.path,
                format!(
                    "has {} elements in the schema, but the model writes {}",
                    ts.len(),
                    self.out.len()
                ),
            )),
        }
    }
}

impl ser::SerializeTuple for Elements<'_> {
    type Ok = Value;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Elements<'_> {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, Error> {
        ser::SerializeSeq::end(self)
    }
}

/// What a map or struct is written as.
enum MapKind<'t> {
    Map(&'t Type),
    Object(&'t ObjectType),
}

/// A map or object being written.
pub(super) struct Entries<'t> {
    kind: MapKind<'t>,
    path: AttributePath,
    out: BTreeMap<String, Value>,
    /// The key of the entry being written.
    key: Option<String>,
}

impl Entries<'_> {
    fn entry<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), Error> {
        let (ty, path) = match self.kind {
            MapKind::Map(t) => (t, self.path.push_key(&key)),
            MapKind::Object(o) => {
                let path = self.path.push_attr(key.as_str());
                match o.attributes.get(&key) {
                    Some(t) => (t, path),
                    None => return Err(Error::at(&path, "has no attribute in the schema")),
                }
            }
        };
        let ser = Ser {
            ty,
            path: path.clone(),
        };
        let value = value.serialize(ser).map_err(|e| e.locate(&path))?;
        self.out.insert(key, value);
        Ok(())
    }

    /// The map, or the object with every attribute the model left out null.
    fn finish(self) -> Value {
        match self.kind {
            MapKind::Map(_) => Value::Map(self.out),
            MapKind::Object(o) => {
                let mut attrs = self.out;
                for name in o.attributes.keys() {
                    attrs.entry(name.clone()).or_insert(Value::Null);
                }
                Value::Object(attrs)
            }
        }
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = Value;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let ser = Ser {
            ty: &Type::String,
            path: self.path.clone(),
        };
        match key.serialize(ser) {
            Ok(Value::String(k)) => {
                self.key = Some(k);
                Ok(())
            }
            _ => Err(Error::at(&self.path, "has a key that is not a string")),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self.key.take() {
            Some(key) => self.entry(key, value),
            None => Err(Error::at(&self.path, "a value was written before its key")),
        }
    }

    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for Entries<'_> {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.entry(key.to_owned(), value)
    }

    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}
