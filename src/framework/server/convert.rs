//! Conversions between the framework's types and the generated `tfplugin6`
//! messages: the one place where protocol types meet the rest of the crate.

use crate::cty::{self, AttributePath, PathStep, Type, Value};
use crate::proto::tfplugin6 as pb;

use super::super::schema::{Attribute, AttributeType, Nesting, Schema};
use super::super::{Diagnostic, Diagnostics, Severity};

/// Decodes a `DynamicValue` of type `ty` (msgpack, or JSON when only that is set).
/// An absent value is null.
pub fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostic> {
    let Some(v) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !v.msgpack.is_empty() {
        cty::decode_msgpack(&v.msgpack, ty)
    } else if !v.json.is_empty() {
        cty::decode_json_bytes(&v.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| Diagnostic::error("Invalid value from Terraform", e.to_string()))
}

/// Encodes `value` of type `ty` as a msgpack `DynamicValue`.
pub fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    cty::encode_msgpack(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                "Provider produced a value that does not match its schema",
                format!("{e}. This is a bug in the provider; please report it."),
            )
        })
}

/// Fills attributes missing from objects with null, recursively, so that
/// resources may leave out null attributes. Attributes the type does not
/// have are a provider bug and are reported.
pub fn conform(value: Value, ty: &Type) -> Result<Value, String> {
    conform_at(value, ty, &AttributePath::root())
}

fn conform_at(value: Value, ty: &Type, path: &AttributePath) -> Result<Value, String> {
    Ok(match (value, ty) {
        (Value::Object(mut attrs), Type::Object(obj)) => {
            if let Some(extra) = attrs.keys().find(|k| !obj.attributes.contains_key(*k)) {
                return Err(format!(
                    "{}: unexpected attribute {extra:?}",
                    describe(path)
                ));
            }
            let mut out = std::collections::BTreeMap::new();
            for (name, aty) in &obj.attributes {
                let v = attrs.remove(name).unwrap_or(Value::Null);
                out.insert(name.clone(), conform_at(v, aty, &path.push_attr(name))?);
            }
            Value::Object(out)
        }
        (Value::List(items), Type::List(ety)) => Value::List(conform_items(items, ety, path)?),
        (Value::Set(items), Type::Set(ety)) => Value::Set(conform_items(items, ety, path)?),
        (Value::Map(items), Type::Map(ety)) => Value::Map(
            items
                .into_iter()
                .map(|(k, v)| {
                    let at = path.push_key(&k);
                    conform_at(v, ety, &at).map(|v| (k, v))
                })
                .collect::<Result<_, _>>()?,
        ),
        (v, _) => v,
    })
}

fn conform_items(
    items: Vec<Value>,
    ety: &Type,
    path: &AttributePath,
) -> Result<Vec<Value>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| conform_at(v, ety, &path.push_index(i as i64)))
        .collect()
}

fn describe(path: &AttributePath) -> String {
    if path.is_empty() {
        "the object".into()
    } else {
        path.to_string()
    }
}

/// Replaces every unknown value by null; returns the paths that were unknown.
pub fn nullify_unknowns(value: &mut Value) -> Vec<AttributePath> {
    fn go(v: &mut Value, path: &AttributePath, found: &mut Vec<AttributePath>) {
        match v {
            Value::Unknown => {
                *v = Value::Null;
                found.push(path.clone());
            }
            Value::Object(attrs) => {
                for (k, a) in attrs.iter_mut() {
                    go(a, &path.push_attr(k), found)
                }
            }
            Value::Map(items) => {
                for (k, a) in items.iter_mut() {
                    go(a, &path.push_key(k), found)
                }
            }
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                for (i, a) in items.iter_mut().enumerate() {
                    go(a, &path.push_index(i as i64), found)
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    go(value, &AttributePath::root(), &mut found);
    found
}

/// A framework path as a protocol path.
pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::ElementKeyString(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::ElementKeyInt(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Diagnostics as protocol diagnostics.
pub fn diagnostics_to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.attribute.as_ref().map(path_to_proto),
        })
        .collect()
}

/// A schema as a protocol schema.
pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(pb::schema::Block {
            version: schema.version,
            attributes: schema.attributes.iter().map(attribute_to_proto).collect(),
            block_types: Vec::new(),
            description: schema.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: schema.deprecation.is_some(),
        }),
    }
}

fn attribute_to_proto(attr: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &attr.ty {
        AttributeType::Plain(t) => (t.to_json_bytes(), None),
        AttributeType::Nested(n) if n.as_object_type => {
            (attr.ty.value_type().to_json_bytes(), None)
        }
        AttributeType::Nested(n) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: n.attributes.iter().map(attribute_to_proto).collect(),
                nesting: match n.nesting {
                    Nesting::Single => pb::schema::object::NestingMode::Single,
                    Nesting::List => pb::schema::object::NestingMode::List,
                    Nesting::Set => pb::schema::object::NestingMode::Set,
                    Nesting::Map => pb::schema::object::NestingMode::Map,
                } as i32,
            }),
        ),
    };
    let mut description = attr.description.clone();
    if let Some(message) = &attr.deprecation {
        description.push_str(&format!(" **Deprecated:** {message}"));
    }
    pb::schema::Attribute {
        name: attr.name.clone(),
        r#type: ty,
        nested_type,
        description,
        required: attr.required,
        optional: attr.optional,
        computed: attr.computed,
        sensitive: attr.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attr.deprecation.is_some(),
        write_only: false,
    }
}

#[cfg(test)]
mod tests {
    use crate::framework::Attribute;

    #[test]
    fn computed_nested_attributes_can_be_served_as_object_types() {
        let nodes = Attribute::list_nested(
            "nodes",
            vec![Attribute::string("id").computed().description("id")],
        )
        .computed()
        .description("nodes");
        let nested = super::attribute_to_proto(&nodes);
        assert!(nested.nested_type.is_some() && nested.r#type.is_empty());
        let plain = super::attribute_to_proto(&nodes.clone().as_object_type());
        assert!(plain.nested_type.is_none());
        assert_eq!(plain.r#type, br#"["list",["object",{"id":"string"}]]"#);
        assert!(plain.computed && !plain.optional);
    }

    use super::*;

    #[test]
    fn conform_fills_nulls_and_rejects_extras() {
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::object([("c", Type::Number)])),
        ]);
        let v = conform(
            Value::object([("b", Value::object([("c", Value::number(1))]))]),
            &ty,
        )
        .unwrap();
        assert_eq!(v.get_attr("a"), Some(&Value::Null));
        let err = conform(Value::object([("zz", Value::Null)]), &ty).unwrap_err();
        assert!(err.contains("zz"), "{err}");
    }

    #[test]
    fn unknowns_become_null_with_paths() {
        let mut v = Value::object([
            ("a", Value::Unknown),
            ("l", Value::List(vec![Value::string("x"), Value::Unknown])),
        ]);
        let found = nullify_unknowns(&mut v);
        assert_eq!(found.len(), 2);
        assert!(v.is_wholly_known());
        assert_eq!(found[1].to_string(), "l[1]");
    }

    #[test]
    fn paths_to_proto() {
        use pb::attribute_path::step::Selector;
        let p = path_to_proto(&AttributePath::attr("nodes").push_index(2).push_attr("id"));
        let s: Vec<_> = p.steps.into_iter().map(|s| s.selector.unwrap()).collect();
        assert_eq!(
            s,
            vec![
                Selector::AttributeName("nodes".into()),
                Selector::ElementKeyInt(2),
                Selector::AttributeName("id".into())
            ]
        );
    }
}
