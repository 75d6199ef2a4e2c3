//! cty's msgpack encoding, as in tfplugin's `DynamicValue.msgpack`.
//!
//! Decoding is driven by the type, like go-cty's:
//! - nil is null at any type; any extension (plain type 0, refined type 12,
//!   whatever its payload) is unknown at any type. Unknowns are encoded as
//!   `d4 00 00`, as go-cty does.
//! - Numbers arrive as any int, a float (±infinity included; NaN is refused),
//!   or a string holding a decimal (or `Inf`, `-inf`, ...). They are sent as
//!   go-cty sends them since March 2024: infinities as float64 infinities, an
//!   integer within `i64` as an int, a non-integer that a float64 holds exactly
//!   as that float64, and everything else as its plain decimal text. So an
//!   integer beyond `i64` such as 2^63 goes as the text `9223372036854775808`,
//!   never as a float64 (which Terraform would read at 53 bits and show as
//!   9223372036854776000).
//! - Sets are arrays; as in go-cty, a decoded set holds equal elements once and
//!   is in go-cty's order, and a set is encoded so (see [`super::set`]).
//! - Strings and map keys are decoded into Unicode NFC, as go-cty holds every
//!   string (`cty.StringVal`), and are encoded in NFC too.
//! - Objects are maps with every attribute of the type (nil where null). As in
//!   go-cty, a missing attribute is an error on decode, and so is an attribute
//!   the type lacks; so is a duplicate key. (The encoder writes null for an attribute the [`Value`]
//!   leaves out, so the provider's own values may omit null attributes.)
//! - At a `dynamic` position a known value is `[type JSON bytes, value]`. When
//!   that type is `"dynamic"` the value is decoded as a dynamic value again,
//!   so nested wrappers collapse as in go-cty (`["dynamic", nil]` is null).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use rmp::Marker;
use rmp::encode::{self as enc, ByteBuf};

use super::error::CtyError;
use super::number::Number;
use super::path::PathStep;
use super::set;
use super::types::Type;
use super::value::{Value, nfc};

/// How go-cty encodes an unknown: fixext1, type 0, data 0.
const UNKNOWN: [u8; 3] = [0xd4, 0, 0];

/// How deep containers may nest in decoded input, so that hostile bytes cannot
/// exhaust the stack.
const MAX_DEPTH: usize = 256;

/// Encodes `value` as a `ty` (which it must conform to).
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CtyError> {
    let mut buf = ByteBuf::new();
    encode(&mut buf, value, ty)?;
    Ok(buf.into_vec())
}

/// Decodes a `ty` from `bytes`, which must hold exactly one value.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CtyError> {
    let mut decoder = Decoder {
        rest: bytes,
        depth: 0,
    };
    let value = decoder.value(ty)?;
    if decoder.rest.is_empty() {
        Ok(value)
    } else {
        Err(CtyError::decode("trailing bytes after the value"))
    }
}

fn encode(buf: &mut ByteBuf, value: &Value, ty: &Type) -> Result<(), CtyError> {
    match (ty, value) {
        (_, Value::Unknown) => buf.as_mut_vec().extend_from_slice(&UNKNOWN),
        (_, Value::Null) => {
            let Ok(()) = enc::write_nil(buf);
        }
        (Type::Dynamic, Value::Dynamic(ty, value)) if **ty == Type::Dynamic => {
            // A wrapper of a dynamic value adds nothing (see `Value::dynamic`).
            encode(buf, value, &Type::Dynamic)?;
        }
        (Type::Dynamic, Value::Dynamic(ty, value)) => {
            let Ok(_) = enc::write_array_len(buf, 2);
            let type_json = ty.to_json_bytes();
            let Ok(()) = enc::write_bin(buf, &type_json);
            encode(buf, value, ty)?;
        }
        (Type::Bool, Value::Bool(b)) => {
            let Ok(()) = enc::write_bool(buf, *b);
        }
        (Type::Number, Value::Number(n)) => encode_number(buf, n),
        (Type::String, Value::String(s)) => {
            let s = nfc(s);
            len32(s.len())?;
            let Ok(()) = enc::write_str(buf, &s);
        }
        (Type::List(t), Value::List(vs)) => {
            let Ok(_) = enc::write_array_len(buf, len32(vs.len())?);
            for (i, v) in vs.iter().enumerate() {
                encode(buf, v, t).map_err(|e| e.within(PathStep::index(i)))?;
            }
        }
        (Type::Set(t), Value::Set(vs)) => {
            // In go-cty's order, each element once.
            let order = set::canonical_order(vs, t);
            let Ok(_) = enc::write_array_len(buf, len32(order.len())?);
            for i in order {
                encode(buf, &vs[i], t).map_err(|e| e.within(PathStep::index(i)))?;
            }
        }
        (Type::Tuple(ts), Value::Tuple(vs)) if ts.len() == vs.len() => {
            let Ok(_) = enc::write_array_len(buf, len32(vs.len())?);
            for (i, (v, t)) in vs.iter().zip(ts).enumerate() {
                encode(buf, v, t).map_err(|e| e.within(PathStep::index(i)))?;
            }
        }
        (Type::Map(t), Value::Map(m)) => {
            // Keys in NFC, as go-cty's; two keys that normalize alike are one
            // (the later wins), so the count is of the normalized keys.
            let keys: BTreeMap<Cow<'_, str>, (&String, &Value)> =
                m.iter().map(|(k, v)| (nfc(k), (k, v))).collect();
            let Ok(_) = enc::write_map_len(buf, len32(keys.len())?);
            for (key, (k, v)) in keys {
                len32(key.len())?;
                let Ok(()) = enc::write_str(buf, &key);
                encode(buf, v, t).map_err(|e| e.within(PathStep::ElementKeyString(k.clone())))?;
            }
        }
        (Type::Object(o), Value::Object(attrs)) => {
            o.check_known_attributes(attrs)?;
            let Ok(_) = enc::write_map_len(buf, len32(o.attributes.len())?);
            for (name, t) in &o.attributes {
                let Ok(()) = enc::write_str(buf, name);
                let v = attrs.get(name).unwrap_or(&Value::Null);
                encode(buf, v, t).map_err(|e| e.within(PathStep::Attribute(name.clone())))?;
            }
        }
        _ => return Err(CtyError::mismatch(ty, value)),
    }
    Ok(())
}

/// Writes `n` as go-cty does (since v1.14.4, March 2024): an infinity as a
/// float64 infinity; an integer within `i64` as the smallest msgpack int; a
/// number that is not an integer and that a float64 holds exactly as that
/// float64; anything else (integers beyond `i64`, such as 2^63, and inexact
/// fractions such as 0.1) as its plain decimal text. An integer is never a
/// float: Terraform would read a float64 at 53 bits of precision and show 2^63
/// as 9223372036854776000.
fn encode_number(buf: &mut ByteBuf, n: &Number) {
    let exact_fraction = || n.to_exact_f64().filter(|_| !n.is_integer());
    if n.is_infinite() {
        let Ok(()) = enc::write_f64(buf, n.to_f64());
    } else if let Some(i) = n.to_i64() {
        let Ok(_) = enc::write_sint(buf, i);
    } else if let Some(f) = exact_fraction() {
        let Ok(()) = enc::write_f64(buf, f);
    } else {
        // Within MAX_EXPONENT, so far below msgpack's 4 GiB string limit.
        let Ok(()) = enc::write_str(buf, &n.to_string());
    }
}

/// A length as msgpack's 32-bit one.
fn len32(len: usize) -> Result<u32, CtyError> {
    u32::try_from(len).map_err(|_| CtyError::encode("too long for msgpack"))
}

/// One msgpack item; containers' contents follow it in the input.
enum Token<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
}

impl Token<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Token::Nil => "nil",
            Token::Bool(_) => "bool",
            Token::Int(_) | Token::Uint(_) => "integer",
            Token::Float(_) => "float",
            Token::Str(_) => "string",
            Token::Bin(_) => "binary",
            Token::Array(_) => "array",
            Token::Map(_) => "map",
            Token::Ext => "extension",
        }
    }
}

struct Decoder<'a> {
    rest: &'a [u8],
    depth: usize,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CtyError> {
        if n > self.rest.len() {
            return Err(CtyError::decode("unexpected end of msgpack input"));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], CtyError> {
        let (head, rest) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or_else(|| CtyError::decode("unexpected end of msgpack input"))?;
        self.rest = rest;
        Ok(*head)
    }

    fn len8(&mut self) -> Result<usize, CtyError> {
        Ok(u8::from_be_bytes(self.bytes()?).into())
    }

    fn len16(&mut self) -> Result<usize, CtyError> {
        Ok(u16::from_be_bytes(self.bytes()?).into())
    }

    fn len32(&mut self) -> Result<usize, CtyError> {
        usize::try_from(u32::from_be_bytes(self.bytes()?))
            .map_err(|_| CtyError::decode("msgpack length out of range"))
    }

    fn token(&mut self) -> Result<Token<'a>, CtyError> {
        let [byte] = self.bytes()?;
        Ok(match Marker::from_u8(byte) {
            Marker::Null => Token::Nil,
            Marker::True => Token::Bool(true),
            Marker::False => Token::Bool(false),
            Marker::FixPos(n) => Token::Int(n.into()),
            Marker::FixNeg(n) => Token::Int(n.into()),
            Marker::U8 => Token::Uint(u8::from_be_bytes(self.bytes()?).into()),
            Marker::U16 => Token::Uint(u16::from_be_bytes(self.bytes()?).into()),
            Marker::U32 => Token::Uint(u32::from_be_bytes(self.bytes()?).into()),
            Marker::U64 => Token::Uint(u64::from_be_bytes(self.bytes()?)),
            Marker::I8 => Token::Int(i8::from_be_bytes(self.bytes()?).into()),
            Marker::I16 => Token::Int(i16::from_be_bytes(self.bytes()?).into()),
            Marker::I32 => Token::Int(i32::from_be_bytes(self.bytes()?).into()),
            Marker::I64 => Token::Int(i64::from_be_bytes(self.bytes()?)),
            Marker::F32 => Token::Float(f32::from_be_bytes(self.bytes()?).into()),
            Marker::F64 => Token::Float(f64::from_be_bytes(self.bytes()?)),
            Marker::FixStr(n) => Token::Str(self.take(n.into())?),
            Marker::Str8 => Token::Str(self.len8().and_then(|n| self.take(n))?),
            Marker::Str16 => Token::Str(self.len16().and_then(|n| self.take(n))?),
            Marker::Str32 => Token::Str(self.len32().and_then(|n| self.take(n))?),
            Marker::Bin8 => Token::Bin(self.len8().and_then(|n| self.take(n))?),
            Marker::Bin16 => Token::Bin(self.len16().and_then(|n| self.take(n))?),
            Marker::Bin32 => Token::Bin(self.len32().and_then(|n| self.take(n))?),
            Marker::FixArray(n) => Token::Array(n.into()),
            Marker::Array16 => Token::Array(self.len16()?),
            Marker::Array32 => Token::Array(self.len32()?),
            Marker::FixMap(n) => Token::Map(n.into()),
            Marker::Map16 => Token::Map(self.len16()?),
            Marker::Map32 => Token::Map(self.len32()?),
            // Extensions: a type byte, then the payload; all are unknowns.
            Marker::FixExt1 => self.take(2).map(|_| Token::Ext)?,
            Marker::FixExt2 => self.take(3).map(|_| Token::Ext)?,
            Marker::FixExt4 => self.take(5).map(|_| Token::Ext)?,
            Marker::FixExt8 => self.take(9).map(|_| Token::Ext)?,
            Marker::FixExt16 => self.take(17).map(|_| Token::Ext)?,
            Marker::Ext8 => self
                .len8()
                .and_then(|n| self.take(n + 1))
                .map(|_| Token::Ext)?,
            Marker::Ext16 => self
                .len16()
                .and_then(|n| self.take(n + 1))
                .map(|_| Token::Ext)?,
            Marker::Ext32 => self
                .len32()
                .and_then(|n| self.take(n.saturating_add(1)))
                .map(|_| Token::Ext)?,
            Marker::Reserved => return Err(CtyError::decode("invalid msgpack byte 0xc1")),
        })
    }

    fn value(&mut self, ty: &Type) -> Result<Value, CtyError> {
        if self.depth == MAX_DEPTH {
            return Err(CtyError::decode("value nested too deeply"));
        }
        self.depth += 1;
        let value = self.value_at_depth(ty);
        self.depth -= 1;
        value
    }

    fn value_at_depth(&mut self, ty: &Type) -> Result<Value, CtyError> {
        let token = self.token()?;
        Ok(match (ty, token) {
            (_, Token::Ext) => Value::Unknown,
            (_, Token::Nil) => Value::Null,
            (Type::Dynamic, Token::Array(2)) => {
                let ty = match self.token()? {
                    Token::Bin(b) | Token::Str(b) => Type::from_json_bytes(b)?,
                    t => return Err(expected("type JSON bytes", &t)),
                };
                let value = self.value(&ty)?;
                Value::dynamic(ty, value)
            }
            (Type::Bool, Token::Bool(b)) => Value::Bool(b),
            (Type::Number, Token::Int(i)) => Value::Number(Number::from_i64(i)),
            (Type::Number, Token::Uint(u)) => Value::Number(Number::from_u64(u)),
            (Type::Number, Token::Float(f)) => Value::Number(
                Number::from_f64(f).ok_or_else(|| CtyError::decode("NaN is not a number"))?,
            ),
            (Type::Number, Token::Str(b) | Token::Bin(b)) => Value::Number(utf8(b)?.parse()?),
            (Type::String, Token::Str(b) | Token::Bin(b)) => {
                Value::String(nfc(utf8(b)?).into_owned())
            }
            (Type::List(t), Token::Array(n)) => Value::List(self.elements(n, |_| t)?),
            (Type::Set(t), Token::Array(n)) => {
                Value::Set(set::canonical_top(self.elements(n, |_| t)?, t))
            }
            (Type::Tuple(ts), Token::Array(n)) if n == ts.len() => {
                Value::Tuple(self.elements(n, |i| &ts[i])?)
            }
            (Type::Map(t), Token::Map(n)) => {
                let mut map = BTreeMap::new();
                for _ in 0..n {
                    let key = self.key()?;
                    let v = self
                        .value(t)
                        .map_err(|e| e.within(PathStep::ElementKeyString(key.clone())))?;
                    let key = match nfc(&key) {
                        Cow::Borrowed(_) => key,
                        Cow::Owned(normalized) => normalized,
                    };
                    map.insert(key, v);
                }
                Value::Map(map)
            }
            (Type::Object(o), Token::Map(n)) => {
                let mut attrs = BTreeMap::new();
                for _ in 0..n {
                    let name = self.key()?;
                    let t = o.attributes.get(&name).ok_or_else(|| {
                        CtyError::decode(format!("unexpected attribute {name:?}"))
                    })?;
                    let v = self
                        .value(t)
                        .map_err(|e| e.within(PathStep::Attribute(name.clone())))?;
                    match attrs.entry(name) {
                        Entry::Vacant(e) => {
                            e.insert(v);
                        }
                        // go-cty counts keys, so it refuses this when every
                        // attribute is there too; when one is missing, it
                        // returns an object of another type. Refused here.
                        Entry::Occupied(e) => {
                            let name = e.key();
                            return Err(CtyError::decode(format!("duplicate attribute {name:?}")));
                        }
                    }
                }
                // go-cty requires as many keys as attributes.
                let mut missing = o.attributes.keys().filter(|k| !attrs.contains_key(*k));
                if let Some(first) = missing.next() {
                    let more = match missing.count() {
                        0 => String::new(),
                        n => format!(" and {n} more"),
                    };
                    return Err(CtyError::decode(format!(
                        "missing attribute {first:?}{more}: an object of this type has {} attributes",
                        o.attributes.len()
                    )));
                }
                Value::Object(attrs)
            }
            (Type::Tuple(ts), Token::Array(n)) => {
                return Err(CtyError::decode(format!(
                    "expected tuple of {} elements, found {n}",
                    ts.len()
                )));
            }
            (Type::Dynamic, t) => return Err(expected("[type, value] array", &t)),
            (ty, t) => return Err(expected(ty.kind(), &t)),
        })
    }

    /// `n` array elements, element `i` of type `ty(i)`.
    fn elements<'t>(
        &mut self,
        n: usize,
        ty: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, CtyError> {
        // Each element takes at least a byte: do not trust `n` further.
        let mut values = Vec::with_capacity(n.min(self.rest.len()));
        for i in 0..n {
            values.push(
                self.value(ty(i))
                    .map_err(|e| e.within(PathStep::index(i)))?,
            );
        }
        Ok(values)
    }

    /// A map key or attribute name.
    fn key(&mut self) -> Result<String, CtyError> {
        match self.token()? {
            Token::Str(b) | Token::Bin(b) => Ok(utf8(b)?.to_owned()),
            t => Err(expected("string key", &t)),
        }
    }
}

fn utf8(b: &[u8]) -> Result<&str, CtyError> {
    std::str::from_utf8(b).map_err(|_| CtyError::decode("string is not valid UTF-8"))
}

fn expected(what: &str, found: &Token<'_>) -> CtyError {
    CtyError::decode(format!("expected {what}, found {}", found.kind()))
}

#[cfg(test)]
mod tests;
