//! Conversions between the framework's types and the generated `tfplugin6`
//! messages.

use crate::cty::{AttributePath, PathStep};
use crate::framework::identity::IdentitySchema;
use crate::framework::schema::{Attribute, AttributeType, Nesting, Schema};
use crate::framework::{Diagnostics, Severity};
use crate::proto::tfplugin6 as pb;

use super::super::messages::Encoded;

impl From<pb::DynamicValue> for Encoded {
    fn from(v: pb::DynamicValue) -> Self {
        Encoded {
            msgpack: v.msgpack,
            json: v.json,
        }
    }
}

impl From<Encoded> for pb::DynamicValue {
    fn from(v: Encoded) -> Self {
        pb::DynamicValue {
            msgpack: v.msgpack,
            json: v.json,
        }
    }
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

/// An identity schema as a protocol identity schema: every attribute is
/// required to import by identity.
pub fn identity_schema_to_proto(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: a.ty.to_json_bytes(),
                required_for_import: true,
                optional_for_import: false,
                description: a.description.clone(),
            })
            .collect(),
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
