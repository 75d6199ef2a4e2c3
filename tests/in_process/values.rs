//! Values on the wire: the types the served schemas imply, configurations
//! from JSON, Terraform's proposed new state and its consistency checks,
//! and diagnostics.

use xelon_provider::cty::{Type, Value, decode_json, decode_msgpack, encode_msgpack};

use crate::tfplugin6 as pb;

/// The served schema of `type_name` among `schemas`.
pub fn schema_block<'a>(
    schemas: &'a std::collections::HashMap<String, pb::Schema>,
    type_name: &str,
) -> &'a pb::schema::Block {
    schemas
        .get(type_name)
        .and_then(|s| s.block.as_ref())
        .unwrap_or_else(|| panic!("no schema for {type_name}"))
}

/// The object type a served schema implies, as Terraform derives it.
pub fn block_type(block: &pb::schema::Block) -> Type {
    assert!(
        block.block_types.is_empty(),
        "this provider declares no nested blocks"
    );
    Type::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), attribute_type(a))),
    )
}

fn attribute_type(a: &pb::schema::Attribute) -> Type {
    use pb::schema::object::NestingMode;
    match &a.nested_type {
        Some(nested) => {
            let object = Type::object(
                nested
                    .attributes
                    .iter()
                    .map(|a| (a.name.clone(), attribute_type(a))),
            );
            match NestingMode::try_from(nested.nesting).expect("nesting mode") {
                NestingMode::Single => object,
                NestingMode::List => Type::list(object),
                NestingMode::Set => Type::set(object),
                NestingMode::Map => Type::map(object),
                NestingMode::Invalid => panic!("{}: invalid nesting", a.name),
            }
        }
        None => Type::from_json_bytes(&a.r#type)
            .unwrap_or_else(|e| panic!("{}: type JSON: {e}", a.name)),
    }
}

/// A configuration value of type `ty` from JSON; attributes left out are
/// null. A key the type lacks fails the test (a typo would otherwise pass
/// as null).
pub fn config_value(json: &serde_json::Value, ty: &Type) -> Value {
    check_keys(json, ty, "");
    decode_json(json, ty).unwrap_or_else(|e| panic!("config {json}: {e}"))
}

fn check_keys(json: &serde_json::Value, ty: &Type, at: &str) {
    if let (serde_json::Value::Object(map), Type::Object(obj)) = (json, ty) {
        for (k, v) in map {
            let t = obj
                .attributes
                .get(k)
                .unwrap_or_else(|| panic!("config: no attribute {at}{k} in the schema"));
            check_keys(v, t, &format!("{at}{k}."));
        }
    }
}

/// Terraform's proposed new state (`objchange.ProposedNew`, for the
/// attribute kinds this provider uses): the configuration, with computed
/// attributes it leaves null taken from `prior`, and single nested objects
/// merged attribute by attribute.
pub fn proposed_new(attrs: &[pb::schema::Attribute], prior: &Value, config: &Value) -> Value {
    use pb::schema::object::NestingMode;
    let get = |v: &Value, name: &str| v.get_attr(name).cloned().unwrap_or(Value::Null);
    Value::object(attrs.iter().map(|a| {
        let (c, p) = (get(config, &a.name), get(prior, &a.name));
        let single = a
            .nested_type
            .as_ref()
            .filter(|n| n.nesting == NestingMode::Single as i32);
        let v = match single {
            _ if a.computed && c.is_null() => p,
            Some(n) if !c.is_null() && c.is_known() => proposed_new(&n.attributes, &p, &c),
            _ => c,
        };
        (a.name.clone(), v)
    }))
}

/// Every value the configuration sets is planned as it is (Terraform
/// rejects a plan that changes one).
pub fn assert_config_kept(config: &Value, planned: &Value, at: &str) {
    match config {
        Value::Null => {}
        Value::Object(attrs) => {
            for (k, c) in attrs {
                let p = planned.get_attr(k).unwrap_or(&Value::Null);
                assert_config_kept(c, p, &format!("{at}{k}."));
            }
        }
        c => assert_eq!(c, planned, "planned {at} differs from the configuration"),
    }
}

/// Every value the plan knew is in the new state as planned (Terraform's
/// "Provider produced inconsistent result after apply").
pub fn assert_compatible(planned: &Value, state: &Value, at: &str) {
    match (planned, state) {
        (Value::Unknown, _) => {}
        (Value::Object(p), Value::Object(_)) => {
            for (k, pv) in p {
                let sv = state.get_attr(k).unwrap_or(&Value::Null);
                assert_compatible(pv, sv, &format!("{at}{k}."));
            }
        }
        (Value::List(p), Value::List(s)) if p.len() == s.len() => {
            for (i, (pv, sv)) in p.iter().zip(s).enumerate() {
                assert_compatible(pv, sv, &format!("{at}[{i}]."));
            }
        }
        _ => assert_eq!(planned, state, "applied {at} differs from the plan"),
    }
}

pub fn dv(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(v, ty).unwrap_or_else(|e| panic!("encode {v:?}: {e}")),
        json: Vec::new(),
    })
}

pub fn undv(v: Option<pb::DynamicValue>, ty: &Type) -> Value {
    let v = v.expect("a DynamicValue");
    assert!(v.json.is_empty(), "the provider answers msgpack only");
    decode_msgpack(&v.msgpack, ty).unwrap_or_else(|e| panic!("decode: {e}"))
}

/// The value at a dotted `path` (`control_plane.cpu_core_count`), null when absent.
pub fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(v, |v, name| v.get_attr(name))
        .unwrap_or(&Value::Null)
}

/// The string at `path`; fails the test unless there is one.
pub fn text<'a>(v: &'a Value, path: &str) -> &'a str {
    at(v, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is {:?}, not a string", at(v, path)))
}

/// The whole number at `path`; fails the test unless there is one.
pub fn int(v: &Value, path: &str) -> i64 {
    at(v, path)
        .as_i64()
        .unwrap_or_else(|| panic!("{path} is {:?}, not a number", at(v, path)))
}

/// A path from the protocol as `a.b[0]`.
pub fn path_string(p: &pb::AttributePath) -> String {
    use pb::attribute_path::step::Selector;
    let mut out = String::new();
    for step in &p.steps {
        match step.selector.as_ref().expect("a selector") {
            Selector::AttributeName(n) if out.is_empty() => out.push_str(n),
            Selector::AttributeName(n) => {
                out.push('.');
                out.push_str(n);
            }
            Selector::ElementKeyString(k) => out.push_str(&format!("[{k:?}]")),
            Selector::ElementKeyInt(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

// ---- diagnostics ----------------------------------------------------------

pub fn is_error(d: &pb::Diagnostic) -> bool {
    d.severity == pb::diagnostic::Severity::Error as i32
}

pub fn has_errors(diags: &[pb::Diagnostic]) -> bool {
    diags.iter().any(is_error)
}

/// The errors as `(attribute path, summary)`, the path empty when none.
pub fn errors(diags: &[pb::Diagnostic]) -> Vec<(String, String)> {
    diags
        .iter()
        .filter(|d| is_error(d))
        .map(|d| {
            let path = d.attribute.as_ref().map(path_string).unwrap_or_default();
            (path, d.summary.clone())
        })
        .collect()
}

pub fn assert_no_errors(diags: &[pb::Diagnostic], what: &str) {
    let errors: Vec<_> = diags.iter().filter(|d| is_error(d)).collect();
    assert!(errors.is_empty(), "{what} failed: {errors:#?}");
}

/// All the text of `diags` (summaries and details), for checks that
/// something is or is not in it.
pub fn diagnostics_text(diags: &[pb::Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("{}\n{}\n", d.summary, d.detail))
        .collect()
}
