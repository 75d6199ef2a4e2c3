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
mod tests {
    use super::*;
    use crate::cty::AttributePath;
    use crate::cty::testing::{any_type, typed_value};
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn num(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    /// `value` as a `ty` encodes to exactly `bytes`, which decode back to it.
    fn exact(ty: &Type, value: Value, bytes: &str) {
        let bytes = hex(bytes);
        assert_eq!(encode_msgpack(&value, ty).unwrap(), bytes, "{value:?}");
        assert_eq!(decode_msgpack(&bytes, ty).unwrap(), value);
    }

    fn decodes(ty: &Type, bytes: &str, value: Value) {
        assert_eq!(decode_msgpack(&hex(bytes), ty).unwrap(), value);
    }

    fn error(ty: &Type, bytes: &str) -> String {
        decode_msgpack(&hex(bytes), ty).unwrap_err().to_string()
    }

    #[test]
    fn null_and_unknown() {
        exact(&Type::String, Value::Null, "c0");
        exact(&Type::String, Value::Unknown, "d4 00 00");
        exact(&Type::list(Type::Number), Value::Unknown, "d4 00 00");
        exact(&Type::Dynamic, Value::Unknown, "d4 00 00");
        exact(&Type::Dynamic, Value::Null, "c0");
        // Every extension is unknown, including refined ones (type 12) with payloads.
        for bytes in [
            "c7 03 0c 81 01 c3",
            "d4 0c 00",
            "d5 01 00 00",
            "d6 00 00 00 00 00",
            "d7 05 00 00 00 00 00 00 00 00",
            "d8 00 00000000000000000000000000000000",
            "c7 00 00",
            "c8 00 01 0c 00",
            "c9 00 00 00 02 0c 81 01",
        ] {
            decodes(&Type::String, bytes, Value::Unknown);
            decodes(&Type::object([("a", Type::Bool)]), bytes, Value::Unknown);
            decodes(&Type::Dynamic, bytes, Value::Unknown);
        }
    }

    #[test]
    fn primitives() {
        exact(&Type::String, "hi".into(), "a2 68 69");
        exact(&Type::String, "".into(), "a0");
        exact(
            &Type::String,
            "x".repeat(40).into(),
            &format!("d9 28 {}", "78".repeat(40)),
        );
        decodes(&Type::String, "c4 02 68 69", "hi".into());
        exact(&Type::Bool, true.into(), "c3");
        exact(&Type::Bool, false.into(), "c2");
    }

    #[test]
    fn numbers() {
        exact(&Type::Number, 5.into(), "05");
        exact(&Type::Number, 0.into(), "00");
        exact(&Type::Number, (-1).into(), "ff");
        exact(&Type::Number, (-33).into(), "d0 df");
        exact(&Type::Number, 200.into(), "cc c8");
        exact(&Type::Number, (-40000).into(), "d2 ff ff 63 c0");
        exact(&Type::Number, i64::MAX.into(), "cf 7f ff ff ff ff ff ff ff");
        exact(&Type::Number, i64::MIN.into(), "d3 80 00 00 00 00 00 00 00");
        exact(&Type::Number, num("0.5"), "cb 3f e0 00 00 00 00 00 00");
        exact(&Type::Number, num("-2.25"), "cb c0 02 00 00 00 00 00 00");
        // 2^63 is not an i64; it is an exact float64, but go-cty never sends an
        // integer as a float: text.
        exact(
            &Type::Number,
            num("9223372036854775808"),
            &format!("b3 {}", hex_of("9223372036854775808")),
        );
        exact(
            &Type::Number,
            num("-18446744073709551616"),
            &format!("b5 {}", hex_of("-18446744073709551616")),
        );
        exact(
            &Type::Number,
            num("1e20"),
            &format!("b5 {}", hex_of("100000000000000000000")),
        );
        // Whatever the encoding, an integer comes in as one and goes back as text.
        decodes(
            &Type::Number,
            "cb 43 e0 00 00 00 00 00 00",
            num("9223372036854775808"),
        );
        decodes(&Type::Number, "cb 80 00 00 00 00 00 00 00", 0.into());
        // 2^63+1 is neither: text.
        exact(
            &Type::Number,
            num("9223372036854775809"),
            &format!("b3 {}", hex_of("9223372036854775809")),
        );
        // 0.1 parsed from text is not exactly a float64.
        exact(&Type::Number, num("0.1"), "a3 30 2e 31");
        let big = format!("1{}", "0".repeat(400));
        exact(
            &Type::Number,
            num("1e400"),
            &format!("da 01 91 {}", hex_of(&big)),
        );
        // What go-cty may send, however encoded.
        decodes(
            &Type::Number,
            "cf 80 00 00 00 00 00 00 00",
            num("9223372036854775808"),
        );
        decodes(
            &Type::Number,
            "cf ff ff ff ff ff ff ff ff",
            num("18446744073709551615"),
        );
        decodes(&Type::Number, "cd 01 00", 256.into());
        decodes(&Type::Number, "d1 ff 00", (-256).into());
        decodes(&Type::Number, "ca 3f 00 00 00", num("0.5"));
        decodes(
            &Type::Number,
            "cb 3f b9 99 99 99 99 99 9a",
            Value::Number(Number::from_f64(0.1).unwrap()),
        );
        decodes(&Type::Number, "a5 31 65 34 30 30", num("1e400"));
        decodes(&Type::Number, "a3 31 2e 30", 1.into());
        assert_eq!(
            error(&Type::Number, "cb 7f f8 00 00 00 00 00 00"),
            "NaN is not a number"
        );
        assert!(error(&Type::Number, "ca 7f c0 00 00").contains("NaN"));
        assert!(error(&Type::Number, "a3 61 62 63").contains("invalid number"));
        assert!(error(&Type::Number, "c3").contains("expected number, found bool"));
    }

    #[test]
    fn infinities() {
        exact(
            &Type::Number,
            Value::Number(Number::INFINITY),
            "cb 7f f0 00 00 00 00 00 00",
        );
        exact(
            &Type::Number,
            Value::Number(Number::NEG_INFINITY),
            "cb ff f0 00 00 00 00 00 00",
        );
        decodes(
            &Type::Number,
            "ca 7f 80 00 00",
            Value::Number(Number::INFINITY),
        );
        decodes(
            &Type::Number,
            "ca ff 80 00 00",
            Value::Number(Number::NEG_INFINITY),
        );
        // As text, spelled as Go's big.Float parser takes it.
        decodes(
            &Type::Number,
            "a3 49 6e 66",
            Value::Number(Number::INFINITY),
        );
        decodes(
            &Type::Number,
            "a4 2d 69 6e 66",
            Value::Number(Number::NEG_INFINITY),
        );
        assert!(error(&Type::Number, &format!("a8 {}", hex_of("Infinity"))).contains("invalid"));
    }

    fn hex_of(s: &str) -> String {
        s.bytes().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn strings_and_map_keys_are_nfc() {
        // "e" + combining acute (65 cc 81) is "é" (c3 a9), whether str or bin.
        decodes(&Type::String, "a3 65 cc 81", "\u{e9}".into());
        decodes(&Type::String, "c4 03 65 cc 81", "\u{e9}".into());
        decodes(
            &Type::map(Type::Bool),
            "81 a3 65 cc 81 c3",
            Value::Map([("\u{e9}".into(), true.into())].into()),
        );
        // Two keys alike once normalized: the later wins, as in go-cty's map.
        decodes(
            &Type::map(Type::Number),
            "82 a2 c3 a9 01 a3 65 cc 81 02",
            Value::Map([("\u{e9}".into(), 2.into())].into()),
        );
        assert_eq!(
            encode_msgpack(&"e\u{301}".into(), &Type::String).unwrap(),
            hex("a2 c3 a9")
        );
        let m = Value::Map([("e\u{301}".into(), 1.into()), ("\u{e9}".into(), 2.into())].into());
        assert_eq!(
            encode_msgpack(&m, &Type::map(Type::Number)).unwrap(),
            hex("81 a2 c3 a9 02")
        );
    }

    #[test]
    fn an_exact_float_from_terraform_goes_back_as_the_same_float() {
        let bytes = hex("cb 3f b9 99 99 99 99 99 9a"); // float64(0.1)
        let v = decode_msgpack(&bytes, &Type::Number).unwrap();
        assert_eq!(encode_msgpack(&v, &Type::Number).unwrap(), bytes);
    }

    #[test]
    fn collections() {
        let list = Value::List(vec!["a".into(), Value::Null, Value::Unknown]);
        exact(&Type::list(Type::String), list, "93 a1 61 c0 d4 00 00");
        exact(
            &Type::set(Type::Number),
            Value::Set(vec![1.into(), 2.into()]),
            "92 01 02",
        );
        // Sets: one of each, in go-cty's order, both ways.
        decodes(
            &Type::set(Type::Number),
            "94 02 01 cb 3f f0 00 00 00 00 00 00 a1 31",
            Value::Set(vec![1.into(), 2.into()]),
        );
        decodes(
            &Type::set(Type::String),
            "94 c0 d4 00 00 a1 62 a1 61",
            Value::Set(vec!["a".into(), "b".into(), Value::Unknown, Value::Null]),
        );
        let set = Value::Set(vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(
            encode_msgpack(&set, &Type::set(Type::String)).unwrap(),
            hex("92 a1 61 a1 62")
        );
        // Objects by go-cty's hash bytes: `<10;"a";>` before `<2;"b";>`.
        let ty = Type::set(Type::object([("n", Type::Number), ("s", Type::String)]));
        let o = |n: i64, s: &str| Value::object([("n", n.into()), ("s", s.into())]);
        assert_eq!(
            encode_msgpack(&Value::Set(vec![o(2, "b"), o(10, "a")]), &ty).unwrap(),
            hex("92 82 a1 6e 0a a1 73 a1 61 82 a1 6e 02 a1 73 a1 62")
        );
        exact(&Type::list(Type::Bool), Value::List(vec![]), "90");
        exact(
            &Type::map(Type::Bool),
            Value::Map([("a".into(), true.into()), ("b".into(), Value::Null)].into()),
            "82 a1 61 c3 a1 62 c0",
        );
        exact(
            &Type::Tuple(vec![Type::String, Type::Number]),
            Value::Tuple(vec!["x".into(), 1.into()]),
            "92 a1 78 01",
        );
        assert!(error(&Type::Tuple(vec![Type::String]), "92 a1 78 01").contains("tuple of 1"));
        assert!(error(&Type::list(Type::String), "dd ff ff ff ff").contains("end of msgpack"));
    }

    #[test]
    fn objects() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        // Every attribute is sent, nil where missing or null.
        assert_eq!(
            encode_msgpack(&Value::object([("a", "x".into())]), &ty).unwrap(),
            hex("82 a1 61 a1 78 a1 62 c0")
        );
        exact(
            &ty,
            Value::object([("a", "x".into()), ("b", Value::Null)]),
            "82 a1 61 a1 78 a1 62 c0",
        );
        // A missing attribute is an error, as in go-cty; so is a duplicate key.
        assert_eq!(
            error(&ty, "81 a1 62 07"),
            r#"missing attribute "a": an object of this type has 2 attributes"#
        );
        assert_eq!(
            error(&ty, "82 a1 62 07 a1 62 08"),
            r#"duplicate attribute "b""#
        );
        assert_eq!(
            error(&ty, "83 a1 61 c0 a1 62 07 a1 62 08"),
            r#"duplicate attribute "b""#
        );
        assert_eq!(
            error(&ty, "80"),
            r#"missing attribute "a" and 1 more: an object of this type has 2 attributes"#
        );
        let nested = Type::object([("o", ty.clone())]);
        assert_eq!(
            error(&nested, "81 a1 6f 81 a1 61 c0"),
            r#"at o: missing attribute "b": an object of this type has 2 attributes"#
        );
        decodes(
            &Type::object(Vec::<(String, Type)>::new()),
            "80",
            Value::object(Vec::<(String, Value)>::new()),
        );
        assert_eq!(error(&ty, "81 a1 63 07"), r#"unexpected attribute "c""#);
        let err = encode_msgpack(&Value::object([("c", Value::Null)]), &ty).unwrap_err();
        assert_eq!(err.to_string(), r#"unexpected attribute "c""#);
    }

    #[test]
    fn nested_unknown_inside_object_inside_list() {
        let ty = Type::list(Type::object([("id", Type::String), ("n", Type::Number)]));
        let v = Value::List(vec![Value::object([
            ("id", Value::Unknown),
            ("n", 1.into()),
        ])]);
        exact(&ty, v, "91 82 a2 69 64 d4 00 00 a1 6e 01");
        decodes(
            &ty,
            "91 82 a2 69 64 c7 03 0c 81 01 c3 a1 6e 01",
            Value::List(vec![Value::object([
                ("id", Value::Unknown),
                ("n", 1.into()),
            ])]),
        );
    }

    #[test]
    fn dynamic() {
        let v = Value::dynamic(Type::String, "hi".into());
        // [bin8 "\"string\"", "hi"]
        exact(
            &Type::Dynamic,
            v.clone(),
            &format!("92 c4 08 {} a2 68 69", hex_of("\"string\"")),
        );
        // The type JSON may also come as a msgpack string.
        decodes(
            &Type::Dynamic,
            &format!("92 a8 {} a2 68 69", hex_of("\"string\"")),
            v,
        );
        let list = Value::dynamic(Type::list(Type::Number), Value::List(vec![1.into()]));
        let type_json = hex_of(r#"["list","number"]"#);
        exact(&Type::Dynamic, list, &format!("92 c4 11 {type_json} 91 01"));
        // A typed null or unknown keeps its type.
        exact(
            &Type::Dynamic,
            Value::dynamic(Type::Bool, Value::Null),
            &format!("92 c4 06 {} c0", hex_of("\"bool\"")),
        );
        // A wrapper whose type is dynamic holds another dynamic value: collapsed.
        let dynamic = format!("92 c4 09 {}", hex_of("\"dynamic\""));
        let string = format!("92 c4 08 {}", hex_of("\"string\""));
        decodes(
            &Type::Dynamic,
            &format!("{dynamic} {dynamic} {string} a2 68 69"),
            Value::dynamic(Type::String, "hi".into()),
        );
        decodes(&Type::Dynamic, &format!("{dynamic} c0"), Value::Null);
        decodes(
            &Type::Dynamic,
            &format!("{dynamic} d4 00 00"),
            Value::Unknown,
        );
        // Built by hand, such a wrapper is looked through on encode.
        let nested = Value::Dynamic(
            Box::new(Type::Dynamic),
            Box::new(Value::dynamic(Type::String, "hi".into())),
        );
        assert_eq!(
            encode_msgpack(&nested, &Type::Dynamic).unwrap(),
            hex(&format!("{string} a2 68 69"))
        );
        // `["object",null]` is the empty object type, as in go-cty.
        decodes(
            &Type::Dynamic,
            &format!("92 c4 0f {} 80", hex_of(r#"["object",null]"#)),
            Value::dynamic(
                Type::object(Vec::<(String, Type)>::new()),
                Value::object(Vec::<(String, Value)>::new()),
            ),
        );
        assert!(error(&Type::Dynamic, "a2 68 69").contains("[type, value] array"));
        assert!(error(&Type::Dynamic, "92 c4 01 31 01").contains("invalid type JSON"));
        let err = encode_msgpack(&"hi".into(), &Type::Dynamic).unwrap_err();
        assert!(err.to_string().contains("expected a dynamic value"));
    }

    #[test]
    fn errors_carry_the_path() {
        let ty = Type::object([(
            "control_plane",
            Type::object([
                ("memory", Type::Number),
                ("tags", Type::map(Type::list(Type::Bool))),
            ]),
        )]);
        let bytes = hex("81 ad 636f6e74726f6c5f706c616e65 81 a6 6d656d6f7279 c3");
        let err = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at control_plane.memory: expected number, found bool"
        );
        let v = Value::object([(
            "control_plane",
            Value::object([(
                "tags",
                Value::Map([("k".into(), Value::List(vec![true.into(), 1.into()]))].into()),
            )]),
        )]);
        let err = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at control_plane.tags["k"][1]: expected bool, found number"#
        );
        assert_eq!(
            err.path(),
            &AttributePath::attr("control_plane")
                .push_attr("tags")
                .push_key("k")
                .push_index(1)
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(error(&Type::String, "").contains("end of msgpack"));
        assert!(error(&Type::String, "c1").contains("0xc1"));
        assert!(error(&Type::String, "a1 61 c0").contains("trailing"));
        assert!(error(&Type::String, "a1 ff").contains("UTF-8"));
        assert!(error(&Type::String, "d8 00").contains("end of msgpack"));
        assert!(error(&Type::map(Type::Bool), "81 01 c3").contains("expected string key"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut ty = Type::String;
        for _ in 0..300 {
            ty = Type::list(ty);
        }
        let mut bytes = vec![0x91; 300];
        bytes.push(0xc0);
        assert!(error(&ty, &hex_of_bytes(&bytes)).contains("nested too deeply"));
        // Sets nested as deep as allowed are hashed and sorted in linear time.
        let mut ty = Type::String;
        for _ in 0..MAX_DEPTH - 1 {
            ty = Type::set(ty);
        }
        let mut bytes = vec![0x92; MAX_DEPTH - 1];
        bytes.extend(hex("a1 61 a1 62"));
        let mut wide = bytes.clone();
        for _ in 1..MAX_DEPTH - 1 {
            wide.extend(hex("90"));
        }
        let start = std::time::Instant::now();
        assert!(decode_msgpack(&wide, &ty).is_ok());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // Nesting through dynamic values, which decide their own types.
        let mut bytes = Vec::new();
        for _ in 0..100_000 {
            bytes.extend(hex(&format!("92 c4 09 {}", hex_of("\"dynamic\""))));
        }
        assert!(decode_msgpack(&bytes, &Type::Dynamic).is_err());
    }

    fn hex_of_bytes(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    proptest! {
        #[test]
        fn round_trips((ty, value) in typed_value(true)) {
            let bytes = encode_msgpack(&value, &ty).unwrap();
            prop_assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), set::canonical_value(value, &ty));
        }

        #[test]
        fn random_bytes_never_panic(ty in any_type(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_msgpack(&bytes, &ty);
        }

        #[test]
        fn corrupted_encodings_never_panic(
            (ty, value) in typed_value(true),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = encode_msgpack(&value, &ty).unwrap();
            for (i, b) in flips {
                let i = i.index(bytes.len());
                bytes[i] = b;
            }
            let _ = decode_msgpack(&bytes, &ty);
        }
    }
}
