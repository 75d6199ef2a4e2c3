//! Resource identity (Terraform 1.12+): a small object, stored beside the
//! state, that names a resource's remote object for its whole life and lets
//! `import { identity = { ... } }` adopt it.
//!
//! A resource declares its identity with [`Identity`]: the names of the
//! state attributes that make it up. The server derives the identity from
//! every state it answers ([`IdentitySchema::of_state`]), so resources never
//! build one, and builds the first state of an import by identity from the
//! identity's attributes ([`IdentitySchema::import_state`]); Terraform then
//! refreshes that state with the resource's `read`.
//!
//! The rules, from Terraform's and terraform-plugin-framework's:
//! - identity data is a wholly known, non-null object: a state that lacks
//!   an identity attribute (a create planned before its ID is known) has no
//!   identity, rather than an invalid one;
//! - an identity does not change over the object's life: a read, a
//!   non-replacing plan or an update that would change a stored identity is
//!   an error (terraform-plugin-framework's "Unexpected Identity Change");
//!   a replacement may change it.

use crate::cty::{self, Type, Value};

use super::schema::{AttributeType, Schema};
use super::{Diagnostic, Diagnostics};

/// A resource's identity: the state attributes that name its remote object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The identity schema version; bump it when the attributes change
    /// (Terraform then asks `UpgradeResourceIdentity`).
    pub version: i64,
    /// The state attributes that make up the identity, in order. Each is a
    /// plain attribute of a primitive type in the resource's schema, and
    /// each is required to import by identity.
    pub attributes: Vec<&'static str>,
}

impl Identity {
    /// An identity of version 0 made of the state attributes `attributes`.
    pub fn new(attributes: &[&'static str]) -> Self {
        Self {
            version: 0,
            attributes: attributes.to_vec(),
        }
    }
}

/// One attribute of an identity schema.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityAttribute {
    /// The attribute's name (the state attribute's).
    pub name: String,
    /// Its type (the state attribute's).
    pub ty: Type,
    /// Its description (the state attribute's).
    pub description: String,
}

/// An [`Identity`] checked against its resource's schema: what the server
/// serves (`GetResourceIdentitySchemas`) and derives identities with.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentitySchema {
    /// The identity schema version.
    pub version: i64,
    /// The attributes, in the identity's order.
    pub attributes: Vec<IdentityAttribute>,
    ty: Type,
}

impl IdentitySchema {
    /// Checks `identity` against `schema`: every attribute exists, is a
    /// plain attribute of a primitive type, and none is named twice.
    pub fn new(identity: &Identity, schema: &Schema) -> Result<Self, String> {
        let mut attributes: Vec<IdentityAttribute> = Vec::new();
        for name in &identity.attributes {
            let attr = schema
                .attributes
                .iter()
                .find(|a| a.name == *name)
                .ok_or_else(|| format!("identity attribute {name:?} is not in the schema"))?;
            let ty = match &attr.ty {
                AttributeType::Plain(t @ (Type::String | Type::Number | Type::Bool)) => t.clone(),
                _ => {
                    return Err(format!(
                        "identity attribute {name:?} must be a string, number or bool attribute"
                    ));
                }
            };
            if attributes.iter().any(|a| a.name == *name) {
                return Err(format!("identity attribute {name:?} is named twice"));
            }
            attributes.push(IdentityAttribute {
                name: name.to_string(),
                ty,
                description: attr.description.clone(),
            });
        }
        if attributes.is_empty() {
            return Err("an identity needs at least one attribute".into());
        }
        let ty = Type::object(attributes.iter().map(|a| (a.name.clone(), a.ty.clone())));
        Ok(Self {
            version: identity.version,
            attributes,
            ty,
        })
    }

    /// The identity's object type.
    pub fn ty(&self) -> &Type {
        &self.ty
    }

    /// The identity of `state`: its identity attributes, when the state is
    /// an object and every one of them is known and not null; else none.
    pub fn of_state(&self, state: &Value) -> Option<Value> {
        let attrs = state.attrs()?;
        let mut identity = Vec::with_capacity(self.attributes.len());
        for a in &self.attributes {
            match attrs.get(&a.name) {
                Some(v) if v.is_known() && !v.is_null() => {
                    identity.push((a.name.clone(), v.clone()))
                }
                _ => return None,
            }
        }
        Some(Value::object(identity))
    }

    /// The first state of an import by `identity`: the identity's
    /// attributes, every other attribute null (Terraform refreshes it next).
    /// Each attribute must be known and set (an empty string names nothing).
    pub fn import_state(&self, identity: &Value) -> Result<Value, Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut state = Vec::with_capacity(self.attributes.len());
        for a in &self.attributes {
            match identity.get_attr(&a.name) {
                Some(Value::String(s)) if s.trim().is_empty() => diags.error(
                    "Invalid import identity",
                    format!("The identity attribute {:?} is empty.", a.name),
                ),
                Some(v) if v.is_known() && !v.is_null() => state.push((a.name.clone(), v.clone())),
                _ => diags.error(
                    "Invalid import identity",
                    format!(
                        "The identity attribute {:?} must be set to import by identity.",
                        a.name
                    ),
                ),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Value::object(state))
    }

    /// Reads a stored identity (`UpgradeResourceIdentity`, JSON) written with
    /// identity schema `version`; one from a newer version is refused.
    pub fn upgrade(&self, type_name: &str, version: i64, json: &[u8]) -> Result<Value, Diagnostic> {
        if version > self.version {
            return Err(Diagnostic::error(
                "Identity from a newer provider",
                format!(
                    "This {type_name} identity was written by a newer provider (identity version {version}, this provider knows up to {}). Upgrade the provider.",
                    self.version
                ),
            ));
        }
        let identity = cty::decode_json_bytes(json, &self.ty).map_err(|e| {
            Diagnostic::error(
                "Cannot read stored identity",
                format!("The stored identity of this {type_name} does not match its identity schema: {e}"),
            )
        })?;
        if self.of_state(&identity).is_none() {
            return Err(Diagnostic::error(
                "Cannot read stored identity",
                format!("The stored identity of this {type_name} lacks some of its attributes."),
            ));
        }
        Ok(identity)
    }
}

/// Whether a stored identity counts: terraform-plugin-framework treats an
/// identity whose attributes are all null as none.
pub fn is_empty(identity: &Value) -> bool {
    match identity.attrs() {
        Some(attrs) => attrs.values().all(Value::is_null),
        None => identity.is_null(),
    }
}

/// The error when a resource's identity changed where it must not.
pub fn changed(operation: &str, prior: &Value, new: &Value) -> Diagnostic {
    Diagnostic::error(
        "Unexpected Identity Change",
        format!(
            "During the {operation} operation, the provider derived a different identity than the stored one. An identity names the remote object for its whole life, so this is a bug in the provider; please report it.\n\nStored identity: {}\nNew identity: {}",
            describe(prior),
            describe(new)
        ),
    )
}

fn describe(identity: &Value) -> String {
    match identity.attrs() {
        Some(attrs) => attrs
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => format!("{k}={s:?}"),
                None => format!("{k}={v:?}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => "null".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;

    fn schema() -> Schema {
        Schema::new(
            "pool",
            vec![
                Attribute::string("cluster_id")
                    .required()
                    .description("the cluster"),
                Attribute::string("id").computed().description("the pool"),
                Attribute::int64("size").optional().description("s"),
                Attribute::single_nested(
                    "spec",
                    vec![Attribute::string("a").optional().description("a")],
                )
                .optional()
                .description("spec"),
            ],
        )
    }

    fn pool_identity() -> IdentitySchema {
        IdentitySchema::new(&Identity::new(&["cluster_id", "id"]), &schema()).unwrap()
    }

    #[test]
    fn checks_the_attributes_against_the_schema() {
        let s = pool_identity();
        assert_eq!(s.version, 0);
        assert_eq!(
            s.ty(),
            &Type::object([("cluster_id", Type::String), ("id", Type::String)])
        );
        assert_eq!(s.attributes[0].description, "the cluster");
        for (bad, why) in [
            (vec!["nope"], "not in the schema"),
            (vec!["spec"], "must be a string"),
            (vec!["id", "id"], "named twice"),
            (vec![], "at least one"),
        ] {
            let err = IdentitySchema::new(&Identity::new(&bad), &schema()).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn derives_the_identity_only_from_complete_states() {
        let s = pool_identity();
        let state = Value::object([
            ("cluster_id", Value::string("k8s-1")),
            ("id", Value::string("p-1")),
            ("size", Value::number(3)),
            ("spec", Value::Null),
        ]);
        assert_eq!(
            s.of_state(&state),
            Some(Value::object([
                ("cluster_id", Value::string("k8s-1")),
                ("id", Value::string("p-1"))
            ]))
        );
        // A create's plan: the ID is not known yet. No identity, not an unknown one.
        let planned = Value::object([
            ("cluster_id", Value::string("k8s-1")),
            ("id", Value::Unknown),
        ]);
        assert_eq!(s.of_state(&planned), None);
        let failed = Value::object([("cluster_id", Value::string("k8s-1")), ("id", Value::Null)]);
        assert_eq!(s.of_state(&failed), None);
        assert_eq!(s.of_state(&Value::Null), None);
    }

    #[test]
    fn import_state_needs_every_attribute() {
        let s = pool_identity();
        let state = s
            .import_state(&Value::object([
                ("cluster_id", Value::string("k8s-1")),
                ("id", Value::string("p-1")),
            ]))
            .unwrap();
        assert_eq!(state.get_attr("id"), Some(&Value::string("p-1")));
        assert_eq!(
            state.get_attr("size"),
            None,
            "other attributes are left to conform"
        );
        let err = s
            .import_state(&Value::object([
                ("cluster_id", Value::string(" ")),
                ("id", Value::Null),
            ]))
            .unwrap_err();
        let details: Vec<_> = err.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(details.len(), 2, "{details:?}");
        assert!(
            details[0].contains("\"cluster_id\" is empty"),
            "{details:?}"
        );
        assert!(details[1].contains("\"id\" must be set"), "{details:?}");
    }

    #[test]
    fn upgrade_reads_stored_identities_and_refuses_newer_ones() {
        let s = pool_identity();
        let v = s
            .upgrade("t", 0, br#"{"cluster_id":"k8s-1","id":"p-1"}"#)
            .unwrap();
        assert_eq!(v.get_attr("cluster_id"), Some(&Value::string("k8s-1")));
        assert!(
            s.upgrade("t", 1, b"{}")
                .unwrap_err()
                .summary
                .contains("newer")
        );
        assert!(s.upgrade("t", 0, br#"{"id":"p-1"}"#).is_err());
        assert!(s.upgrade("t", 0, b"not json").is_err());
    }

    #[test]
    fn empty_identities_and_change_errors() {
        assert!(is_empty(&Value::Null));
        assert!(is_empty(&Value::object([("id", Value::Null)])));
        assert!(!is_empty(&Value::object([("id", Value::string("a"))])));
        let d = changed(
            "read",
            &Value::object([("id", Value::string("a"))]),
            &Value::object([("id", Value::string("b"))]),
        );
        assert_eq!(d.summary, "Unexpected Identity Change");
        assert!(
            d.detail.contains("id=\"a\"") && d.detail.contains("id=\"b\""),
            "{}",
            d.detail
        );
    }
}
