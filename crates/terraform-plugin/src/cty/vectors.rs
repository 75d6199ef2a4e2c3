//! go-cty parity vectors: `testdata/vectors.jsonl`, one JSON object a line.
//!
//! The vectors are facts taken from the test cases of go-cty
//! (`cty/msgpack/roundtrip_test.go`, `cty/json/value_test.go`,
//! `cty/json_test.go`, `cty/set_internals_test.go`) and terraform-plugin-go
//! (`tftypes/value_msgpack_test.go`, `value_json_test.go`, `type_json_test.go`),
//! plus `derived/` ones that state what go-cty's code does (each names the
//! file). go-cty's round-trip tests hold no bytes; theirs are the bytes its
//! `marshal.go` writes. Fields:
//!
//! - `id`, `src`: the vector and where it comes from; `note`: a remark.
//! - `kind`: `msgpack` (`hex`), `json` (`json` text), `type` (type JSON in
//!   `json`), `sethash` (go-cty's set hash bytes `hash` of `value`) or
//!   `setorder` (whether go-cty sorts set element `a` before `b`: `less`).
//! - `type`: type JSON; `value`: the value in a JSON notation where `null` is
//!   null, `{"$unknown": true}` unknown, `{"$type": T, "$value": v}` a value at
//!   a dynamic position, numbers are JSON numbers or strings (`"+Inf"`,
//!   `"1e400"`, `"$f64:<16 hex digits>"` for a float64's exact value), and
//!   objects and maps are JSON objects.
//! - `dir`: `both` (encodes to the bytes and decodes from them), `decode`,
//!   `encode`, `error` (decoding fails; `error` is part of the message) or
//!   `encode-error`.
//! - `differs`: why this codec deliberately differs from the vector; such a
//!   vector must fail, so that a stale mark shows.

use serde_json::Value as Json;

use super::{Number, Type, Value};
use super::{decode_json_bytes, decode_msgpack, encode_json, encode_msgpack};

const VECTORS: &str = include_str!("testdata/vectors.jsonl");

fn hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn field<'a>(v: &'a Json, name: &str) -> Result<&'a Json, String> {
    v.get(name).ok_or_else(|| format!("no {name:?}"))
}

fn text<'a>(v: &'a Json, name: &str) -> Result<&'a str, String> {
    field(v, name)?
        .as_str()
        .ok_or_else(|| format!("{name:?} is not a string"))
}

fn number(j: &Json) -> Result<Number, String> {
    match j {
        Json::Number(n) => n.as_str().parse().map_err(|e| format!("{e}")),
        Json::String(s) => match s.strip_prefix("$f64:") {
            Some(bits) => u64::from_str_radix(bits, 16)
                .ok()
                .and_then(|b| Number::from_f64(f64::from_bits(b)))
                .ok_or_else(|| format!("bad {s:?}")),
            None => s.parse().map_err(|e| format!("{s:?}: {e}")),
        },
        _ => Err(format!("not a number: {j}")),
    }
}

/// A value in the vectors' notation (see the module docs).
fn notation(j: &Json, ty: &Type) -> Result<Value, String> {
    if j.is_null() {
        return Ok(Value::Null);
    }
    if j.get("$unknown").is_some() {
        return Ok(Value::Unknown);
    }
    let elements = |ty: &dyn Fn(usize) -> Option<Type>| -> Result<Vec<Value>, String> {
        j.as_array()
            .ok_or_else(|| format!("not an array: {j}"))?
            .iter()
            .enumerate()
            .map(|(i, e)| notation(e, &ty(i).ok_or("too many elements")?))
            .collect()
    };
    let members = |ty: &Type| -> Result<std::collections::BTreeMap<String, Value>, String> {
        j.as_object()
            .ok_or_else(|| format!("not an object: {j}"))?
            .iter()
            .map(|(k, e)| Ok((k.clone(), notation(e, ty)?)))
            .collect()
    };
    Ok(match ty {
        Type::String => Value::String(j.as_str().ok_or("not a string")?.to_owned()),
        Type::Number => Value::Number(number(j)?),
        Type::Bool => Value::Bool(j.as_bool().ok_or("not a bool")?),
        Type::List(t) => Value::List(elements(&|_| Some((**t).clone()))?),
        Type::Set(t) => Value::Set(elements(&|_| Some((**t).clone()))?),
        Type::Tuple(ts) => Value::Tuple(elements(&|i| ts.get(i).cloned())?),
        Type::Map(t) => Value::Map(members(t)?),
        Type::Object(o) => {
            let given = j.as_object().ok_or("not an object")?;
            let mut attrs = std::collections::BTreeMap::new();
            for (name, t) in &o.attributes {
                let v = match given.get(name) {
                    Some(e) => notation(e, t)?,
                    None => Value::Null,
                };
                attrs.insert(name.clone(), v);
            }
            if let Some(extra) = given.keys().find(|k| !o.attributes.contains_key(*k)) {
                return Err(format!("attribute {extra:?} is not in the type"));
            }
            Value::Object(attrs)
        }
        Type::Dynamic => {
            let t = Type::from_json(field(j, "$type")?).map_err(|e| e.to_string())?;
            let v = notation(field(j, "$value")?, &t)?;
            // The raw variant, so that the codecs' own collapsing is tested.
            Value::Dynamic(Box::new(t), Box::new(v))
        }
    })
}

fn vector_type(v: &Json) -> Result<Type, String> {
    Type::from_json(field(v, "type")?).map_err(|e| format!("type: {e}"))
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// Runs one vector; `Err` says how it failed.
fn check(v: &Json) -> Result<(), String> {
    let dir = text(v, "dir")?;
    let decodes = matches!(dir, "both" | "decode");
    let encodes = matches!(dir, "both" | "encode");
    match text(v, "kind")? {
        "msgpack" => {
            let ty = vector_type(v)?;
            let bytes = hex(text(v, "hex")?)?;
            if dir == "error" {
                return match decode_msgpack(&bytes, &ty) {
                    Ok(got) => Err(format!("decoded as {got:?}, want an error")),
                    Err(e) => match v.get("error").and_then(Json::as_str) {
                        Some(want) if !e.to_string().contains(want) => {
                            Err(format!("error {e:?} does not say {want:?}"))
                        }
                        _ => Ok(()),
                    },
                };
            }
            let value = notation(field(v, "value")?, &ty)?;
            if decodes {
                let got = decode_msgpack(&bytes, &ty).map_err(|e| format!("decode: {e}"))?;
                expect_eq("decode", got, value.clone())?;
            }
            if encodes {
                let got = encode_msgpack(&value, &ty).map_err(|e| format!("encode: {e}"))?;
                expect_eq("encode", to_hex(&got), to_hex(&bytes))?;
            }
            Ok(())
        }
        "json" => {
            let ty = vector_type(v)?;
            let json = text(v, "json")?;
            match dir {
                "error" => {
                    return match decode_json_bytes(json.as_bytes(), &ty) {
                        Ok(got) => Err(format!("decoded as {got:?}, want an error")),
                        Err(_) => Ok(()),
                    };
                }
                "encode-error" => {
                    let value = notation(field(v, "value")?, &ty)?;
                    return match encode_json(&value, &ty) {
                        Ok(got) => Err(format!("encoded as {got}, want an error")),
                        Err(_) => Ok(()),
                    };
                }
                _ => {}
            }
            let value = notation(field(v, "value")?, &ty)?;
            if decodes {
                let got =
                    decode_json_bytes(json.as_bytes(), &ty).map_err(|e| format!("decode: {e}"))?;
                expect_eq("decode", got, value.clone())?;
            }
            if encodes {
                let got = encode_json(&value, &ty).map_err(|e| format!("encode: {e}"))?;
                expect_eq("encode", got.to_string().as_str(), json)?;
            }
            Ok(())
        }
        "type" => {
            let json = text(v, "json")?;
            let parsed = Type::from_json_bytes(json.as_bytes());
            match dir {
                "error" => match parsed {
                    Ok(t) => Err(format!("parsed as {t:?}, want an error")),
                    Err(_) => Ok(()),
                },
                "decode" => expect_eq(
                    "decode",
                    parsed.map_err(|e| e.to_string())?,
                    vector_type(v)?,
                ),
                _ => {
                    let t = parsed.map_err(|e| e.to_string())?;
                    let back = String::from_utf8(t.to_json_bytes()).map_err(|e| e.to_string())?;
                    expect_eq("encode", back.as_str(), json)
                }
            }
        }
        "sethash" => {
            let ty = vector_type(v)?;
            let value = notation(field(v, "value")?, &ty)?;
            set_hash(&value, &ty, text(v, "hash")?)
        }
        "setorder" => {
            let ty = vector_type(v)?;
            let a = notation(field(v, "a")?, &ty)?;
            let b = notation(field(v, "b")?, &ty)?;
            let less = field(v, "less")?.as_bool().ok_or("less is not a bool")?;
            set_order(&a, &b, &ty, less)
        }
        kind => Err(format!("unknown kind {kind:?}")),
    }
}

fn set_hash(value: &Value, ty: &Type, want: &str) -> Result<(), String> {
    let got = super::set::hash_bytes(value, ty);
    expect_eq("hash", String::from_utf8_lossy(&got).as_ref(), want)
}

fn set_order(a: &Value, b: &Value, ty: &Type, less: bool) -> Result<(), String> {
    expect_eq("less", super::set::less(a, b, ty), less)
}

#[test]
fn go_cty_vectors() {
    let mut total = 0;
    let mut matching = 0;
    let mut known = Vec::new();
    let mut unexpected = Vec::new();
    let mut by_source: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for (n, line) in VECTORS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let id = v["id"].as_str().unwrap_or("?").to_owned();
        let result = check(&v);
        total += 1;
        let group = id
            .rsplit_once('/')
            .map_or(id.as_str(), |(g, _)| g)
            .to_owned();
        let entry = by_source.entry(group).or_default();
        entry.1 += 1;
        if result.is_ok() {
            matching += 1;
            entry.0 += 1;
        }
        match (v.get("differs").and_then(Json::as_str), result) {
            (None, Ok(())) => {}
            (None, Err(e)) => unexpected.push(format!("{id}: {e}")),
            (Some(why), Err(e)) => known.push(format!("{id}: {e}\n    (deliberate: {why})")),
            (Some(_), Ok(())) => {
                unexpected.push(format!("{id}: now matches; drop its \"differs\""))
            }
        }
    }
    println!("go-cty vectors: {matching} of {total} match");
    for (group, (ok, all)) in &by_source {
        println!("  {group}: {ok} of {all}");
    }
    println!("known differences ({}):", known.len());
    for k in &known {
        println!("  {k}");
    }
    assert!(
        unexpected.is_empty(),
        "{} vectors disagree:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
