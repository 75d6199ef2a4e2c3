//! cty's JSON encoding, as in tfplugin's `DynamicValue.json` and `RawState.json`.
//!
//! - Null is `null` at any type; unknowns cannot be encoded.
//! - Strings and map keys are decoded (and encoded) in Unicode NFC, as go-cty
//!   holds every string.
//! - Numbers are JSON numbers with every digit kept (`9223372036854775808`,
//!   `1e400`); a string holding a number is accepted too (`"Inf"` and `"-inf"`
//!   decode as infinities, which, as in go-cty, cannot be encoded).
//! - As in go-cty, a string decodes from a number or bool, and a bool from
//!   `"true"`/`"false"`/`"1"`/`"0"`; also, as terraform-plugin-go reads stored
//!   state, from the numbers `1` and `0`.
//! - Sets hold equal elements once, in go-cty's order, decoded or encoded.
//! - Objects encode every attribute of the type (`null` where null). On decode
//!   a missing attribute is null (as in go-cty), and — unlike go-cty, like
//!   terraform-plugin-go's `IgnoreUndefinedAttributes` for stored state — **keys
//!   the type lacks are ignored**: stored state written by an older schema may
//!   hold attributes the provider has since dropped, and upgrading it must not
//!   fail. This decoder is the one `UpgradeResourceState` uses.
//! - At a `dynamic` position a known value is `{"value": v, "type": typeJSON}`,
//!   both keys required and no other, as in go-cty; when that type is
//!   `"dynamic"` the value is a dynamic value again, and the wrappers collapse.

use serde_json::{Map, Value as Json};

use super::error::CtyError;
use super::path::PathStep;
use super::set;
use super::types::Type;
use super::value::{Value, nfc};

/// Encodes `value` as a `ty` (which it must conform to, wholly known).
pub fn encode_json(value: &Value, ty: &Type) -> Result<Json, CtyError> {
    Ok(match (ty, value) {
        (_, Value::Unknown) => return Err(CtyError::encode("an unknown value cannot be JSON")),
        (_, Value::Null) => Json::Null,
        (Type::Dynamic, Value::Dynamic(ty, value)) if **ty == Type::Dynamic => {
            // A wrapper of a dynamic value adds nothing (see `Value::dynamic`).
            encode_json(value, &Type::Dynamic)?
        }
        (Type::Dynamic, Value::Dynamic(ty, value)) => {
            let mut object = Map::new();
            object.insert("value".to_owned(), encode_json(value, ty)?);
            object.insert("type".to_owned(), ty.to_json());
            Json::Object(object)
        }
        (Type::Bool, Value::Bool(b)) => Json::Bool(*b),
        (Type::String, Value::String(s)) => Json::String(nfc(s).into_owned()),
        (Type::Number, Value::Number(n)) if n.is_infinite() => {
            return Err(CtyError::encode(format!("{n} cannot be JSON")));
        }
        (Type::Number, Value::Number(n)) => Json::Number(
            n.to_string()
                .parse()
                .map_err(|e| CtyError::encode(format!("number {n} is not JSON: {e}")))?,
        ),
        (Type::List(t), Value::List(vs)) => {
            Json::Array(encode_elements(vs.iter().map(|v| (v, &**t)))?)
        }
        (Type::Set(t), Value::Set(vs)) => {
            let order = set::canonical_order(vs, t);
            let elements = order
                .into_iter()
                .map(|i| encode_json(&vs[i], t).map_err(|e| e.within(PathStep::index(i))));
            Json::Array(elements.collect::<Result<_, _>>()?)
        }
        (Type::Tuple(ts), Value::Tuple(vs)) if ts.len() == vs.len() => {
            Json::Array(encode_elements(vs.iter().zip(ts))?)
        }
        (Type::Map(t), Value::Map(m)) => Json::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = encode_json(v, t)
                        .map_err(|e| e.within(PathStep::ElementKeyString(k.clone())))?;
                    Ok((nfc(k).into_owned(), v))
                })
                .collect::<Result<_, CtyError>>()?,
        ),
        (Type::Object(o), Value::Object(attrs)) => {
            o.check_known_attributes(attrs)?;
            Json::Object(
                o.attributes
                    .iter()
                    .map(|(name, t)| {
                        let v = attrs.get(name).unwrap_or(&Value::Null);
                        let v = encode_json(v, t)
                            .map_err(|e| e.within(PathStep::Attribute(name.clone())))?;
                        Ok((name.clone(), v))
                    })
                    .collect::<Result<_, CtyError>>()?,
            )
        }
        _ => return Err(CtyError::mismatch(ty, value)),
    })
}

fn encode_elements<'v>(
    elements: impl Iterator<Item = (&'v Value, &'v Type)>,
) -> Result<Vec<Json>, CtyError> {
    elements
        .enumerate()
        .map(|(i, (v, t))| encode_json(v, t).map_err(|e| e.within(PathStep::index(i))))
        .collect()
}

/// Decodes a `ty` from JSON.
pub fn decode_json(v: &Json, ty: &Type) -> Result<Value, CtyError> {
    Ok(match (ty, v) {
        (_, Json::Null) => Value::Null,
        (Type::Dynamic, Json::Object(object)) => {
            if let Some(key) = object.keys().find(|k| *k != "type" && *k != "value") {
                return Err(CtyError::decode(format!(
                    "invalid key {key:?} in a dynamic value"
                )));
            }
            let ty = object
                .get("type")
                .ok_or_else(|| CtyError::decode("dynamic value without \"type\""))
                .and_then(Type::from_json)?;
            let value = object
                .get("value")
                .ok_or_else(|| CtyError::decode("dynamic value without \"value\""))?;
            // Of type "dynamic", the value is itself {"value", "type"}: collapsed.
            Value::dynamic(ty.clone(), decode_json(value, &ty)?)
        }
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::Bool, Json::String(s)) if matches!(s.as_str(), "true" | "1") => Value::Bool(true),
        (Type::Bool, Json::String(s)) if matches!(s.as_str(), "false" | "0") => Value::Bool(false),
        // As terraform-plugin-go reads stored state (go-cty refuses these).
        (Type::Bool, Json::Number(n)) if n.as_str() == "1" => Value::Bool(true),
        (Type::Bool, Json::Number(n)) if n.as_str() == "0" => Value::Bool(false),
        (Type::Number, Json::Number(n)) => Value::Number(n.as_str().parse()?),
        (Type::Number, Json::String(s)) => Value::Number(s.parse()?),
        (Type::String, Json::String(s)) => Value::String(nfc(s).into_owned()),
        (Type::String, Json::Number(n)) => Value::String(n.as_str().to_owned()),
        (Type::String, Json::Bool(b)) => Value::String(b.to_string()),
        (Type::List(t), Json::Array(a)) => Value::List(decode_elements(a, |_| t)?),
        (Type::Set(t), Json::Array(a)) => {
            Value::Set(set::canonical_top(decode_elements(a, |_| t)?, t))
        }
        (Type::Tuple(ts), Json::Array(a)) if ts.len() == a.len() => {
            Value::Tuple(decode_elements(a, |i| &ts[i])?)
        }
        (Type::Map(t), Json::Object(m)) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    let v = decode_json(v, t)
                        .map_err(|e| e.within(PathStep::ElementKeyString(k.clone())))?;
                    Ok((nfc(k).into_owned(), v))
                })
                .collect::<Result<_, CtyError>>()?,
        ),
        (Type::Object(o), Json::Object(m)) => Value::Object(
            o.attributes
                .iter()
                .map(|(name, t)| {
                    let v = match m.get(name) {
                        Some(v) => decode_json(v, t)
                            .map_err(|e| e.within(PathStep::Attribute(name.clone())))?,
                        None => Value::Null,
                    };
                    Ok((name.clone(), v))
                })
                .collect::<Result<_, CtyError>>()?,
        ),
        (Type::Tuple(ts), Json::Array(a)) => {
            return Err(CtyError::decode(format!(
                "expected tuple of {} elements, found {}",
                ts.len(),
                a.len()
            )));
        }
        (Type::Dynamic, v) => {
            return Err(CtyError::decode(format!(
                "expected {{\"value\", \"type\"}} object, found {}",
                kind(v)
            )));
        }
        (ty, v) => {
            return Err(CtyError::decode(format!(
                "expected {}, found {}",
                ty.kind(),
                kind(v)
            )));
        }
    })
}

/// Decodes a `ty` from JSON text.
pub fn decode_json_bytes(b: &[u8], ty: &Type) -> Result<Value, CtyError> {
    let v: Json =
        serde_json::from_slice(b).map_err(|e| CtyError::decode(format!("invalid JSON: {e}")))?;
    decode_json(&v, ty)
}

fn decode_elements<'t>(a: &[Json], ty: impl Fn(usize) -> &'t Type) -> Result<Vec<Value>, CtyError> {
    a.iter()
        .enumerate()
        .map(|(i, v)| decode_json(v, ty(i)).map_err(|e| e.within(PathStep::index(i))))
        .collect()
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cty::testing::typed_value;
    use proptest::prelude::*;
    use serde_json::json;

    fn num(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    fn cluster() -> Type {
        Type::object([
            ("id", Type::String),
            ("name", Type::String),
            (
                "control_plane",
                Type::object([("cpu_core_count", Type::Number), ("memory", Type::Number)]),
            ),
            ("tags", Type::map(Type::String)),
        ])
    }

    #[test]
    fn old_state_decodes_with_the_current_schema() {
        // `name` and `control_plane.memory` are new; `legacy` was dropped.
        let state = br#"{"id":"c-1","legacy":[1,2],"control_plane":{"cpu_core_count":4,"old":true},"tags":{"a":"b"}}"#;
        let v = decode_json_bytes(state, &cluster()).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("id", "c-1".into()),
                ("name", Value::Null),
                (
                    "control_plane",
                    Value::object([("cpu_core_count", 4.into()), ("memory", Value::Null)])
                ),
                ("tags", Value::Map([("a".into(), "b".into())].into())),
            ])
        );
    }

    #[test]
    fn encode_writes_every_attribute() {
        let v = Value::object([("id", "c-1".into()), ("control_plane", Value::Null)]);
        let text = encode_json(&v, &cluster()).unwrap().to_string();
        assert_eq!(
            text,
            r#"{"control_plane":null,"id":"c-1","name":null,"tags":null}"#
        );
    }

    #[test]
    fn numbers_keep_their_precision() {
        for (text, n) in [
            ("9223372036854775808", "9223372036854775808"),
            ("18446744073709551617", "18446744073709551617"),
            ("1e400", "1e400"),
            ("0.1", "0.1"),
            ("-1.50", "-1.5"),
            ("\"123.25\"", "123.25"),
        ] {
            assert_eq!(
                decode_json_bytes(text.as_bytes(), &Type::Number).unwrap(),
                num(n)
            );
        }
        let big = encode_json(&num("1e400"), &Type::Number)
            .unwrap()
            .to_string();
        assert_eq!(big, format!("1{}", "0".repeat(400)));
        let small = encode_json(&num("0.1"), &Type::Number).unwrap().to_string();
        assert_eq!(small, "0.1");
        let u = encode_json(&num("9223372036854775808"), &Type::Number).unwrap();
        assert_eq!(u.to_string(), "9223372036854775808");
        assert_eq!(
            decode_json(&json!("-Inf"), &Type::Number).unwrap(),
            Value::Number(crate::cty::Number::NEG_INFINITY)
        );
        let err = encode_json(&Value::Number(crate::cty::Number::INFINITY), &Type::Number);
        assert_eq!(err.unwrap_err().to_string(), "+Inf cannot be JSON");
    }

    #[test]
    fn primitives_convert_like_go_cty() {
        assert_eq!(decode_json(&json!(5), &Type::String).unwrap(), "5".into());
        assert_eq!(
            decode_json(&json!(true), &Type::String).unwrap(),
            "true".into()
        );
        assert_eq!(
            decode_json(&json!("false"), &Type::Bool).unwrap(),
            false.into()
        );
        assert_eq!(decode_json(&json!("1"), &Type::Bool).unwrap(), true.into());
        assert!(decode_json(&json!("yes"), &Type::Bool).is_err());
        assert_eq!(decode_json(&json!(1), &Type::Bool).unwrap(), true.into());
        assert_eq!(decode_json(&json!(0), &Type::Bool).unwrap(), false.into());
        assert!(decode_json(&json!(2), &Type::Bool).is_err());
        assert!(decode_json_bytes(b"1.0", &Type::Bool).is_err());
        assert!(decode_json(&json!(true), &Type::Number).is_err());
        assert!(decode_json(&json!("x"), &Type::Number).is_err());
    }

    #[test]
    fn strings_and_map_keys_are_nfc() {
        assert_eq!(
            decode_json_bytes(br#""e\u0301""#, &Type::String).unwrap(),
            "\u{e9}".into()
        );
        assert_eq!(
            decode_json(&json!({"e\u{301}": true}), &Type::map(Type::Bool)).unwrap(),
            Value::Map([("\u{e9}".into(), true.into())].into())
        );
        let text = encode_json(&"e\u{301}".into(), &Type::String)
            .unwrap()
            .to_string();
        assert_eq!(text, "\"\u{e9}\"");
    }

    #[test]
    fn collections() {
        let ty = Type::Tuple(vec![Type::set(Type::Bool), Type::list(Type::Number)]);
        let v = Value::Tuple(vec![
            Value::Set(vec![true.into()]),
            Value::List(vec![1.into(), Value::Null]),
        ]);
        let j = encode_json(&v, &ty).unwrap();
        assert_eq!(j, json!([[true], [1, null]]));
        assert_eq!(decode_json(&j, &ty).unwrap(), v);
        let err = decode_json(&json!([[true]]), &ty).unwrap_err();
        assert_eq!(err.to_string(), "expected tuple of 2 elements, found 1");
    }

    #[test]
    fn dynamic() {
        let v = Value::dynamic(
            Type::map(Type::Number),
            Value::Map([("a".into(), 1.into())].into()),
        );
        let j = encode_json(&v, &Type::Dynamic).unwrap();
        assert_eq!(
            j.to_string(),
            r#"{"value":{"a":1},"type":["map","number"]}"#
        );
        assert_eq!(decode_json(&j, &Type::Dynamic).unwrap(), v);
        assert_eq!(
            decode_json(&json!(null), &Type::Dynamic).unwrap(),
            Value::Null
        );
        assert!(decode_json(&json!({"value": 1}), &Type::Dynamic).is_err());
        let err = decode_json(&json!({"type": "number"}), &Type::Dynamic).unwrap_err();
        assert_eq!(err.to_string(), r#"dynamic value without "value""#);
        let err = decode_json(
            &json!({"type": "number", "value": 1, "x": 2}),
            &Type::Dynamic,
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            r#"invalid key "x" in a dynamic value"#
        );
        let nested = json!({"type": "dynamic", "value": {"type": "string", "value": "x"}});
        assert_eq!(
            decode_json(&nested, &Type::Dynamic).unwrap(),
            Value::dynamic(Type::String, "x".into())
        );
        let null = json!({"type": "dynamic", "value": null});
        assert_eq!(decode_json(&null, &Type::Dynamic).unwrap(), Value::Null);
        assert!(decode_json(&json!(1), &Type::Dynamic).is_err());
        assert!(encode_json(&Value::from(1), &Type::Dynamic).is_err());
    }

    #[test]
    fn errors_carry_the_path() {
        let err =
            decode_json_bytes(br#"{"control_plane":{"memory":"lots"}}"#, &cluster()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at control_plane.memory: invalid number: expected decimal digits"
        );
        let err = decode_json(&json!({"tags": {"k": [1]}}), &cluster()).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at tags["k"]: expected string, found array"#
        );
        let v = Value::object([("control_plane", Value::object([("memory", Value::Unknown)]))]);
        let err = encode_json(&v, &cluster()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at control_plane.memory: an unknown value cannot be JSON"
        );
        assert!(
            decode_json_bytes(b"{", &cluster())
                .unwrap_err()
                .to_string()
                .starts_with("invalid JSON")
        );
    }

    proptest! {
        #[test]
        fn round_trips((ty, value) in typed_value(false)) {
            let text = encode_json(&value, &ty).unwrap().to_string();
            prop_assert_eq!(
                decode_json_bytes(text.as_bytes(), &ty).unwrap(),
                set::canonical_value(value, &ty)
            );
        }

        #[test]
        fn random_text_never_panics(
            (ty, _) in typed_value(false),
            text in "[\\[\\]{}\":,0-9a-z. -]{0,40}",
        ) {
            let _ = decode_json_bytes(text.as_bytes(), &ty);
        }
    }
}
