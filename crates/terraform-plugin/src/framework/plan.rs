//! Terraform's generic rules, written once: configuration validation against
//! a schema, and the plan algorithm that every resource shares.
//!
//! Planning follows terraform-plugin-framework's order: defaults for null
//! configuration values; then, when the object is created or changes,
//! computed attributes left null in configuration become unknown ("known
//! after apply") unless they keep their prior value (use-state-for-unknown);
//! finally the paths of changed requires-replace attributes are collected.
//! The resource's own plan hook runs after this.

use crate::cty::{AttributePath, Value};

use super::Diagnostics;
use super::schema::{Attribute, AttributeType, Nesting, Schema};

/// The generic plan for one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The planned new state (null when the instance is destroyed).
    pub planned: Value,
    /// Attributes whose change forces replacement, in schema order (the
    /// server sorts them once, after the resource's own plan hook).
    pub requires_replace: Vec<AttributePath>,
}

/// Plans `proposed` (Terraform's proposed new state) for an instance with
/// `prior` state (null on create) and `config`.
pub fn plan(schema: &Schema, prior: &Value, proposed: &Value, config: &Value) -> Plan {
    if proposed.is_null() {
        return Plan {
            planned: Value::Null,
            requires_replace: Vec::new(),
        };
    }
    let mut planned = proposed.clone();
    apply_defaults(&schema.attributes, &mut planned, config);
    let creating = prior.is_null();
    if creating || planned != *prior {
        mark_computed_unknown(&schema.attributes, &mut planned, config, prior, creating);
    }
    let mut requires_replace = Vec::new();
    if !creating {
        collect_replace(
            &schema.attributes,
            &AttributePath::root(),
            &planned,
            prior,
            &mut requires_replace,
        );
    }
    Plan {
        planned,
        requires_replace,
    }
}

fn attr_or_null<'a>(object: &'a Value, name: &str) -> &'a Value {
    object.get_attr(name).unwrap_or(&Value::Null)
}

/// Plans each attribute's default where the configuration leaves it null,
/// descending into configured nested objects.
fn apply_defaults(attrs: &[Attribute], planned: &mut Value, config: &Value) {
    for attr in attrs {
        let cfg = attr_or_null(config, &attr.name);
        let Some(slot) = planned.get_attr_mut(&attr.name) else {
            continue;
        };
        if cfg.is_null() {
            if let Some(default) = &attr.default {
                *slot = default.clone();
            }
            continue;
        }
        if let AttributeType::Nested(nested) = &attr.ty {
            for_each_nested(nested.nesting, slot, cfg, |p, c| {
                apply_defaults(&nested.attributes, p, c)
            });
        }
    }
}

/// Marks computed attributes that the configuration leaves null as unknown,
/// except those with defaults, and restores prior values where asked to.
fn mark_computed_unknown(
    attrs: &[Attribute],
    planned: &mut Value,
    config: &Value,
    prior: &Value,
    creating: bool,
) {
    for attr in attrs {
        let cfg = attr_or_null(config, &attr.name);
        let prior_value = attr_or_null(prior, &attr.name);
        let Some(slot) = planned.get_attr_mut(&attr.name) else {
            continue;
        };
        if cfg.is_null() {
            if attr.computed && attr.default.is_none() {
                *slot = if attr.use_state_for_unknown && !creating && !prior_value.is_null() {
                    prior_value.clone()
                } else {
                    Value::Unknown
                };
            }
            continue;
        }
        if let AttributeType::Nested(nested) = &attr.ty
            && nested.nesting == Nesting::Single
        {
            if slot.is_known() && !slot.is_null() {
                mark_computed_unknown(&nested.attributes, slot, cfg, prior_value, creating);
            }
        } else if let AttributeType::Nested(nested) = &attr.ty {
            for_each_nested(nested.nesting, slot, cfg, |p, c| {
                mark_computed_unknown(&nested.attributes, p, c, &Value::Null, true)
            });
        }
    }
}

/// Runs `f` on each (planned, config) pair of nested objects.
fn for_each_nested(
    nesting: Nesting,
    planned: &mut Value,
    config: &Value,
    mut f: impl FnMut(&mut Value, &Value),
) {
    match (nesting, planned, config) {
        (Nesting::Single, p @ Value::Object(_), c) => f(p, c),
        (Nesting::List, Value::List(ps), Value::List(cs)) => {
            for (p, c) in ps.iter_mut().zip(cs) {
                f(p, c)
            }
        }
        (Nesting::Map, Value::Map(ps), Value::Map(cs)) => {
            for (k, p) in ps.iter_mut() {
                if let Some(c) = cs.get(k) {
                    f(p, c)
                }
            }
        }
        // Set elements have no identity to match config against; leave them as proposed.
        _ => {}
    }
}

fn collect_replace(
    attrs: &[Attribute],
    path: &AttributePath,
    planned: &Value,
    prior: &Value,
    out: &mut Vec<AttributePath>,
) {
    for attr in attrs {
        let p = attr_or_null(planned, &attr.name);
        let q = attr_or_null(prior, &attr.name);
        let here = path.push_attr(&attr.name);
        if attr.requires_replace && (p.is_unknown() || p != q) {
            out.push(here.clone());
        }
        if let AttributeType::Nested(nested) = &attr.ty
            && nested.nesting == Nesting::Single
            && p.is_known()
        {
            collect_replace(&nested.attributes, &here, p, q, out);
        }
    }
}

/// Validates a (possibly partly unknown) configuration against the schema's
/// attribute validators and whole-number attributes. Unknown and null values
/// are skipped: they are checked again when known.
pub fn validate_config(schema: &Schema, config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    validate_attributes(
        &schema.attributes,
        &AttributePath::root(),
        config,
        &mut diags,
    );
    diags
}

fn validate_attributes(
    attrs: &[Attribute],
    path: &AttributePath,
    object: &Value,
    diags: &mut Diagnostics,
) {
    for attr in attrs {
        let value = attr_or_null(object, &attr.name);
        let here = path.push_attr(&attr.name);
        if value.is_null() || value.is_unknown() {
            continue;
        }
        if let Some(message) = &attr.deprecation {
            diags.attribute_warning(here.clone(), "Attribute deprecated", message.clone());
        }
        if attr.integer
            && let Some(n) = value.as_number()
            && n.to_i64().is_none()
        {
            if n.is_integer() {
                diags.attribute_error(
                    here.clone(),
                    "Value out of range",
                    format!("{here} is out of range: {n} does not fit a 64-bit whole number."),
                );
            } else {
                diags.attribute_error(
                    here.clone(),
                    "Not a whole number",
                    format!("{here} must be a whole number, got {n}."),
                );
            }
            continue;
        }
        for v in &attr.validators {
            v.validate(&here, value, diags);
        }
        if let AttributeType::Nested(nested) = &attr.ty {
            match (nested.nesting, value) {
                (Nesting::Single, _) => {
                    validate_attributes(&nested.attributes, &here, value, diags)
                }
                (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let at = here.push_index(i as i64);
                        validate_attributes(&nested.attributes, &at, item, diags);
                    }
                }
                (Nesting::Map, Value::Map(items)) => {
                    for (k, item) in items {
                        validate_attributes(&nested.attributes, &here.push_key(k), item, diags);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::validators::AtLeast;

    fn schema() -> Schema {
        Schema::new(
            "test",
            vec![
                Attribute::string("id")
                    .computed()
                    .use_state_for_unknown()
                    .description("id"),
                Attribute::string("name")
                    .required()
                    .requires_replace()
                    .description("n"),
                Attribute::string("status").computed().description("s"),
                Attribute::int64("size")
                    .default(2)
                    .validate(AtLeast(1))
                    .description("sz"),
                Attribute::single_nested(
                    "spec",
                    vec![
                        Attribute::int64("cpu").default(2).description("c"),
                        Attribute::bool("ha").default(true).description("h"),
                    ],
                )
                .default(Value::object([
                    ("cpu", Value::number(2)),
                    ("ha", Value::Bool(true)),
                ]))
                .description("spec"),
                Attribute::single_nested(
                    "timeouts",
                    vec![Attribute::string("create").optional().description("c")],
                )
                .optional()
                .description("t"),
            ],
        )
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs)
    }

    fn config(name: &str, size: Value, spec: Value) -> Value {
        obj(vec![
            ("id", Value::Null),
            ("name", Value::string(name)),
            ("status", Value::Null),
            ("size", size),
            ("spec", spec),
            ("timeouts", Value::Null),
        ])
    }

    fn state(name: &str, size: i64, cpu: i64) -> Value {
        obj(vec![
            ("id", Value::string("abc")),
            ("name", Value::string(name)),
            ("status", Value::string("Ready")),
            ("size", Value::number(size)),
            (
                "spec",
                obj(vec![("cpu", Value::number(cpu)), ("ha", Value::Bool(true))]),
            ),
            ("timeouts", Value::Null),
        ])
    }

    /// Terraform's proposed new state: config, with prior values for computed attributes left null.
    fn propose(schema: &Schema, prior: &Value, config: &Value) -> Value {
        fn go(attrs: &[Attribute], prior: &Value, config: &Value) -> Value {
            let mut out = std::collections::BTreeMap::new();
            for a in attrs {
                let c = attr_or_null(config, &a.name).clone();
                let p = attr_or_null(prior, &a.name).clone();
                let v = if a.computed && c.is_null() {
                    p
                } else if let (Some(n), Value::Object(_)) = (a.nested(), &c) {
                    go(&n.attributes, &p, &c)
                } else {
                    c
                };
                out.insert(a.name.clone(), v);
            }
            Value::Object(out)
        }
        go(&schema.attributes, prior, config)
    }

    #[test]
    fn create_applies_defaults_and_unknowns() {
        let s = schema();
        let cfg = config("a", Value::Null, Value::Null);
        let p = plan(&s, &Value::Null, &propose(&s, &Value::Null, &cfg), &cfg);
        let v = &p.planned;
        assert_eq!(v.get_attr("id"), Some(&Value::Unknown));
        assert_eq!(v.get_attr("status"), Some(&Value::Unknown));
        assert_eq!(v.get_attr("size"), Some(&Value::number(2)));
        assert_eq!(
            v.get_attr("spec").and_then(|s| s.get_attr("cpu")),
            Some(&Value::number(2))
        );
        assert_eq!(v.get_attr("timeouts"), Some(&Value::Null));
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn partial_nested_config_gets_nested_defaults() {
        let s = schema();
        let cfg = config(
            "a",
            Value::Null,
            obj(vec![("cpu", Value::number(4)), ("ha", Value::Null)]),
        );
        let p = plan(&s, &Value::Null, &propose(&s, &Value::Null, &cfg), &cfg);
        let spec = p.planned.get_attr("spec").unwrap();
        assert_eq!(spec.get_attr("cpu"), Some(&Value::number(4)));
        assert_eq!(spec.get_attr("ha"), Some(&Value::Bool(true)));
    }

    #[test]
    fn no_change_keeps_prior_exactly() {
        let s = schema();
        let prior = state("a", 2, 2);
        let cfg = config("a", Value::Null, Value::Null);
        let p = plan(&s, &prior, &propose(&s, &prior, &cfg), &cfg);
        assert_eq!(p.planned, prior);
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn update_marks_computed_unknown_but_keeps_state_for_unknown() {
        let s = schema();
        let prior = state("a", 2, 2);
        let cfg = config("a", Value::number(5), Value::Null);
        let p = plan(&s, &prior, &propose(&s, &prior, &cfg), &cfg);
        assert_eq!(p.planned.get_attr("size"), Some(&Value::number(5)));
        assert_eq!(p.planned.get_attr("id"), Some(&Value::string("abc")));
        assert_eq!(p.planned.get_attr("status"), Some(&Value::Unknown));
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn nested_default_reverts_drift() {
        let s = schema();
        let prior = state("a", 2, 8); // cpu changed outside Terraform
        let cfg = config("a", Value::Null, Value::Null);
        let p = plan(&s, &prior, &propose(&s, &prior, &cfg), &cfg);
        assert_eq!(
            p.planned.get_attr("spec").and_then(|s| s.get_attr("cpu")),
            Some(&Value::number(2))
        );
    }

    #[test]
    fn rename_requires_replace() {
        let s = schema();
        let prior = state("a", 2, 2);
        let cfg = config("b", Value::Null, Value::Null);
        let p = plan(&s, &prior, &propose(&s, &prior, &cfg), &cfg);
        assert_eq!(p.requires_replace, vec![AttributePath::attr("name")]);
        let unknown_name = config("a", Value::Null, Value::Null);
        let mut proposed = propose(&s, &prior, &unknown_name);
        *proposed.get_attr_mut("name").unwrap() = Value::Unknown;
        let p = plan(&s, &prior, &proposed, &unknown_name);
        assert_eq!(p.requires_replace, vec![AttributePath::attr("name")]);
    }

    #[test]
    fn destroy_plans_null() {
        let s = schema();
        let p = plan(&s, &state("a", 2, 2), &Value::Null, &Value::Null);
        assert_eq!(p.planned, Value::Null);
    }

    #[test]
    fn validation_paths() {
        let s = schema();
        let d = validate_config(&s, &config("a", Value::number(0), Value::Null));
        assert!(d.has_errors());
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("size")));
        let frac = config("a", Value::Number("1.5".parse().unwrap()), Value::Null);
        assert_eq!(
            validate_config(&s, &frac).0[0].summary,
            "Not a whole number"
        );
        let unknown = config("a", Value::Unknown, Value::Unknown);
        assert!(validate_config(&s, &unknown).is_empty());
        let nested = config(
            "a",
            Value::Null,
            obj(vec![
                ("cpu", Value::Number("0.5".parse().unwrap())),
                ("ha", Value::Null),
            ]),
        );
        let d = validate_config(&s, &nested);
        assert_eq!(
            d.0[0].attribute,
            Some(AttributePath::attr("spec").push_attr("cpu"))
        );
    }
}
