//! cty types and their JSON notation (as in tfplugin schemas and dynamic values).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use super::error::CtyError;
use super::value::Value;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// A Unicode string.
    String,
    /// An arbitrary-precision number.
    Number,
    /// A boolean.
    Bool,
    /// An ordered sequence of elements of one type.
    List(Box<Type>),
    /// An unordered collection of distinct elements of one type.
    Set(Box<Type>),
    /// String keys to elements of one type.
    Map(Box<Type>),
    /// Named attributes, each of its own type.
    Object(ObjectType),
    /// A fixed sequence of elements, each of its own type.
    Tuple(Vec<Type>),
    /// Any type, decided by each value (cty's `DynamicPseudoType`).
    Dynamic,
}

/// The attributes of an object type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectType {
    /// Attribute names and types.
    pub attributes: BTreeMap<String, Type>,
    /// The attributes that a type conversion may leave out (a subset of `attributes`).
    pub optional: BTreeSet<String>,
}

impl ObjectType {
    /// Fails on the first attribute of `attrs` that this type does not have.
    pub(crate) fn check_known_attributes(
        &self,
        attrs: &BTreeMap<String, Value>,
    ) -> Result<(), CtyError> {
        match attrs.keys().find(|k| !self.attributes.contains_key(*k)) {
            Some(k) => Err(CtyError::encode(format!("unexpected attribute {k:?}"))),
            None => Ok(()),
        }
    }
}

impl Type {
    /// `list(t)`.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `set(t)`.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// `map(t)`.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// An object type with the given attributes, none optional.
    pub fn object<I, K>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(ObjectType {
            attributes: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        })
    }

    /// The type's kind in error messages: `string`, `list`, `object`, ...
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Number => "number",
            Type::Bool => "bool",
            Type::List(_) => "list",
            Type::Set(_) => "set",
            Type::Map(_) => "map",
            Type::Object(_) => "object",
            Type::Tuple(_) => "tuple",
            Type::Dynamic => "dynamic",
        }
    }

    /// Terraform's JSON notation: `"string"`, `["list","string"]`,
    /// `["object",{"a":"string"}]` (with a third element listing the optional
    /// attributes when there are any), `["tuple",[...]]`, `"dynamic"`.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String | Type::Number | Type::Bool | Type::Dynamic => json!(self.kind()),
            Type::List(t) | Type::Set(t) | Type::Map(t) => json!([self.kind(), t.to_json()]),
            Type::Object(o) => {
                let attrs: serde_json::Map<String, Json> = o
                    .attributes
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                if o.optional.is_empty() {
                    json!(["object", attrs])
                } else {
                    json!(["object", attrs, o.optional])
                }
            }
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
        }
    }

    /// [`Type::to_json`] as compact JSON text.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Reads Terraform's JSON notation (see [`Type::to_json`]). As go-cty does
    /// (through Go's `encoding/json`), it takes `null` for an object's
    /// attributes, a tuple's element types or an object's optional attributes
    /// as none: `["object",null]` is the empty object type.
    pub fn from_json(v: &Json) -> Result<Type, CtyError> {
        let invalid = |what: &str| CtyError::decode(format!("invalid type JSON: {what}"));
        match v {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(invalid("unknown primitive type")),
            },
            Json::Array(items) => match items.as_slice() {
                [Json::String(kind), t] if kind == "list" => Ok(Type::list(Type::from_json(t)?)),
                [Json::String(kind), t] if kind == "set" => Ok(Type::set(Type::from_json(t)?)),
                [Json::String(kind), t] if kind == "map" => Ok(Type::map(Type::from_json(t)?)),
                // As Go's encoding/json decodes null into a slice or map: empty.
                [Json::String(kind), Json::Null] if kind == "tuple" => Ok(Type::Tuple(vec![])),
                [Json::String(kind), Json::Array(ts)] if kind == "tuple" => Ok(Type::Tuple(
                    ts.iter().map(Type::from_json).collect::<Result<_, _>>()?,
                )),
                [
                    Json::String(kind),
                    attrs @ (Json::Object(_) | Json::Null),
                    rest @ ..,
                ] if kind == "object" && rest.len() <= 1 => {
                    let attributes = attrs
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, t)| Ok((k.clone(), Type::from_json(t)?)))
                        .collect::<Result<BTreeMap<_, _>, CtyError>>()?;
                    let optional = match rest {
                        [Json::Null] => BTreeSet::new(),
                        [Json::Array(names)] => names
                            .iter()
                            .map(|n| match n {
                                Json::String(n) if attributes.contains_key(n) => Ok(n.clone()),
                                _ => Err(invalid("optional attribute is not an attribute")),
                            })
                            .collect::<Result<_, _>>()?,
                        [] => BTreeSet::new(),
                        _ => return Err(invalid("optional attributes must be an array")),
                    };
                    Ok(Type::Object(ObjectType {
                        attributes,
                        optional,
                    }))
                }
                _ => Err(invalid("unknown or malformed compound type")),
            },
            _ => Err(invalid("expected a string or an array")),
        }
    }

    /// [`Type::from_json`] from JSON text.
    pub fn from_json_bytes(b: &[u8]) -> Result<Type, CtyError> {
        let v: Json = serde_json::from_slice(b)
            .map_err(|e| CtyError::decode(format!("invalid type JSON: {e}")))?;
        Type::from_json(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str, ty: &Type) {
        assert_eq!(String::from_utf8(ty.to_json_bytes()).unwrap(), text);
        assert_eq!(&Type::from_json_bytes(text.as_bytes()).unwrap(), ty);
    }

    #[test]
    fn every_form_round_trips() {
        round_trip(r#""string""#, &Type::String);
        round_trip(r#""number""#, &Type::Number);
        round_trip(r#""bool""#, &Type::Bool);
        round_trip(r#""dynamic""#, &Type::Dynamic);
        round_trip(r#"["list","string"]"#, &Type::list(Type::String));
        round_trip(r#"["set","number"]"#, &Type::set(Type::Number));
        round_trip(
            r#"["map",["list","bool"]]"#,
            &Type::map(Type::list(Type::Bool)),
        );
        round_trip(r#"["tuple",[]]"#, &Type::Tuple(vec![]));
        round_trip(
            r#"["tuple",["string","dynamic"]]"#,
            &Type::Tuple(vec![Type::String, Type::Dynamic]),
        );
        round_trip(
            r#"["object",{}]"#,
            &Type::object(Vec::<(String, Type)>::new()),
        );
        round_trip(
            r#"["object",{"a":"string","b":["set","number"]}]"#,
            &Type::object([("b", Type::set(Type::Number)), ("a", Type::String)]),
        );
        let optional = Type::Object(ObjectType {
            attributes: [("a".into(), Type::String), ("b".into(), Type::Number)].into(),
            optional: ["b".into()].into(),
        });
        round_trip(r#"["object",{"a":"string","b":"number"},["b"]]"#, &optional);
    }

    #[test]
    fn empty_optional_list_is_accepted() {
        let t = Type::from_json_bytes(br#"["object",{"a":"bool"},[]]"#).unwrap();
        assert_eq!(t, Type::object([("a", Type::Bool)]));
    }

    #[test]
    fn null_attributes_or_elements_are_none_as_in_go_cty() {
        let empty = Type::object(Vec::<(String, Type)>::new());
        assert_eq!(Type::from_json_bytes(br#"["object",null]"#).unwrap(), empty);
        assert_eq!(
            Type::from_json_bytes(br#"["object",null,null]"#).unwrap(),
            empty
        );
        assert_eq!(
            Type::from_json_bytes(br#"["object",{"a":"bool"},null]"#).unwrap(),
            Type::object([("a", Type::Bool)])
        );
        assert_eq!(
            Type::from_json_bytes(br#"["tuple",null]"#).unwrap(),
            Type::Tuple(vec![])
        );
        // A null where a type belongs is not a type.
        for text in [
            r#"["list",null]"#,
            r#"["object",{"a":null}]"#,
            r#"["tuple",[null]]"#,
        ] {
            assert!(Type::from_json_bytes(text.as_bytes()).is_err(), "{text}");
        }
    }

    #[test]
    fn malformed_type_json_is_an_error() {
        for text in [
            "",
            "{",
            "1",
            "null",
            "true",
            r#""str""#,
            r#"{"a":1}"#,
            "[]",
            r#"["list"]"#,
            r#"["list","string","x"]"#,
            r#"["list",1]"#,
            r#"["lisp","string"]"#,
            r#"["tuple","string"]"#,
            r#"["tuple",[1]]"#,
            r#"["object",["a"]]"#,
            r#"["object",{"a":"x"}]"#,
            r#"["object",{"a":"string"},["b"]]"#,
            r#"["object",{"a":"string"},"a"]"#,
            r#"["object",{"a":"string"},[1]]"#,
            r#"["object",{},[],[]]"#,
            r#"[1,"string"]"#,
        ] {
            let err = Type::from_json_bytes(text.as_bytes()).unwrap_err();
            assert!(
                err.message().starts_with("invalid type JSON"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn deeply_nested_type_json_is_an_error_not_a_crash() {
        let text = format!(
            "{}\"string\"{}",
            "[\"list\",".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(Type::from_json_bytes(text.as_bytes()).is_err());
    }
}
