//! The state rules, in one place: what the framework does to a state between
//! a resource and Terraform, whatever the resource.
//!
//! - [`finish`]: a state a resource returns is conformed to its schema
//!   ([`conform`]: attributes left out become null, attributes the schema
//!   lacks are a provider bug), and no unknown value survives an apply
//!   ([`nullify_unknowns`]; a leftover unknown is reported as a bug).
//! - [`upgrade`]: a stored state is read with the current schema, and
//!   attributes added since it was written take their default
//!   ([`default_new_attributes`]).

use std::collections::BTreeMap;

use crate::cty::{self, AttributePath, Type, Value};

use super::{Diagnostic, Diagnostics, Schema};

/// Makes a resource's `state` fit to return to Terraform: every attribute of
/// `ty` present, no unknown left. Problems are provider bugs, reported as
/// errors in `diags` (a null state stays null).
pub fn finish(state: Value, ty: &Type, diags: &mut Diagnostics) -> Value {
    if state.is_null() {
        return state;
    }
    let mut state = match conform(state, ty) {
        Ok(s) => s,
        Err(e) => {
            diags.error(
                "Provider produced an invalid state",
                format!("{e}. This is a bug in the provider; please report it."),
            );
            return Value::Null;
        }
    };
    let unknown = nullify_unknowns(&mut state);
    if !unknown.is_empty() && !diags.has_errors() {
        let paths: Vec<String> = unknown.iter().map(ToString::to_string).collect();
        diags.error(
            "Provider left values unknown after apply",
            format!(
                "No value was set for {}. This is a bug in the provider; please report it.",
                paths.join(", ")
            ),
        );
    }
    state
}

/// Reads a state stored as JSON (by any earlier version of this provider)
/// with the current `schema`: attributes added since take their default or
/// null, attributes that no longer exist are dropped. A state from a newer
/// schema version is refused.
pub fn upgrade(
    schema: &Schema,
    ty: &Type,
    type_name: &str,
    version: i64,
    json: &[u8],
) -> Result<Value, Diagnostic> {
    if version > schema.version {
        return Err(Diagnostic::error(
            "State from a newer provider",
            format!(
                "This {type_name} state was written by a newer provider (schema version {version}, this provider knows up to {}). Upgrade the provider.",
                schema.version
            ),
        ));
    }
    if json.is_empty() {
        return Err(Diagnostic::error(
            "Unsupported state format",
            "The stored state has no JSON form (legacy flatmap state is not supported).",
        ));
    }
    let unreadable = |e: String| {
        Diagnostic::error(
            "Cannot read stored state",
            format!("The stored state of this {type_name} does not match its schema: {e}"),
        )
    };
    // Parsed once: decoded with the schema, and looked at for what it lacks.
    let stored: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| unreadable(e.to_string()))?;
    let mut state = cty::decode_json(&stored, ty).map_err(|e| unreadable(e.to_string()))?;
    if let serde_json::Value::Object(stored) = &stored {
        default_new_attributes(schema, stored, &mut state);
    }
    Ok(state)
}

/// Gives attributes that a stored state does not have at all (they were
/// added to the schema after it was written, e.g. by another provider
/// version) their default, as if they had been planned with it. Without
/// this, upgrading from an older state would plan a spurious change from
/// null to the default on the next `-refresh=false` plan.
pub fn default_new_attributes(
    schema: &Schema,
    stored: &serde_json::Map<String, serde_json::Value>,
    state: &mut Value,
) {
    for attr in &schema.attributes {
        if let (Some(default), false) = (&attr.default, stored.contains_key(&attr.name))
            && let Some(slot) = state.get_attr_mut(&attr.name)
        {
            *slot = default.clone();
        }
    }
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
            let mut out = BTreeMap::new();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;

    fn schema() -> Schema {
        Schema::new(
            "test",
            vec![
                Attribute::string("id").computed().description("id"),
                Attribute::int64("size").default(2).description("s"),
                Attribute::string("status").computed().description("st"),
            ],
        )
    }

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
    fn finish_reports_leftover_unknowns_as_a_bug() {
        let s = schema();
        let mut diags = Diagnostics::new();
        let state = finish(
            Value::object([("id", Value::string("x")), ("status", Value::Unknown)]),
            &s.ty(),
            &mut diags,
        );
        assert_eq!(state.get_attr("status"), Some(&Value::Null));
        assert_eq!(state.get_attr("size"), Some(&Value::Null));
        let text: Vec<_> = diags.iter().map(|d| d.detail.clone()).collect();
        assert!(diags.has_errors() && text[0].contains("status"), "{text:?}");
    }

    #[test]
    fn upgrade_gives_new_attributes_their_default_and_refuses_newer_states() {
        let s = schema();
        let state = upgrade(&s, &s.ty(), "t", 0, br#"{"id":"abc","status":null}"#).unwrap();
        assert_eq!(state.get_attr("size"), Some(&Value::number(2)));
        // No default: null. Present (even as null): untouched.
        assert_eq!(state.get_attr("status"), Some(&Value::Null));
        let present = upgrade(&s, &s.ty(), "t", 0, br#"{"id":"abc","size":null}"#).unwrap();
        assert_eq!(present.get_attr("size"), Some(&Value::Null));
        let newer = upgrade(&s, &s.ty(), "t", 1, br#"{"id":"abc"}"#).unwrap_err();
        assert!(
            newer.summary.contains("newer provider"),
            "{}",
            newer.summary
        );
        assert!(upgrade(&s, &s.ty(), "t", 0, b"").is_err());
        let bad = upgrade(&s, &s.ty(), "t", 0, br#"{"size":"many"}"#).unwrap_err();
        assert_eq!(bad.summary, "Cannot read stored state");
    }
}
