//! Does a model fit its schema? A fully populated sample value of the
//! schema's type is read into the model and written back: what does not come
//! back the same is a mistake in the model (or the schema).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cty::set::canonical_value;
use crate::cty::{AttributePath, PathStep, Type, Value};
use crate::framework::Schema;

use super::{from_value, to_value};

/// The mistakes of model `M` for `schema`, each with its attribute path;
/// empty when `M` reads and writes every attribute of the schema.
///
/// The sample has every attribute known and non-null, nested objects
/// populated, two elements in every collection, distinct strings and small
/// positive whole numbers (so they fit any integer field). An attribute the
/// model does not map comes back null; a field of the wrong type fails the
/// read; a field the schema lacks fails the write. Only the first read or
/// write error is reported (serde stops there).
pub fn check_model<M: Serialize + DeserializeOwned>(schema: &Schema) -> Vec<String> {
    let ty = schema.ty();
    let sample = canonical_value(sample(&ty, &mut 0), &ty);
    let model: M = match from_value(&sample) {
        Ok(m) => m,
        Err(e) => return vec![format!("reading a sample value: {e}")],
    };
    let back = match to_value(&model, &ty) {
        Ok(v) => v,
        Err(e) => return vec![format!("writing the model back: {e}")],
    };
    let mut problems = Vec::new();
    diff(&sample, &back, &AttributePath::root(), &mut problems);
    problems
}

/// A known value of `ty` with everything in it known and non-null; `n`
/// counts the parts made so far, so that strings and numbers differ.
fn sample(ty: &Type, n: &mut u32) -> Value {
    *n += 1;
    let mut two = |t: &Type| vec![sample(t, n), sample(t, n)];
    match ty {
        Type::String => Value::string(format!("s{n}")),
        Type::Number => Value::number((*n - 1) % 100 + 1),
        Type::Bool => Value::Bool(true),
        Type::List(t) => Value::List(two(t)),
        Type::Set(t) => Value::Set(two(t)),
        Type::Tuple(ts) => Value::Tuple(ts.iter().map(|t| sample(t, n)).collect()),
        Type::Map(t) => {
            let values = two(t);
            let keys = ["k1", "k2"].map(String::from);
            Value::Map(keys.into_iter().zip(values).collect())
        }
        Type::Object(o) => Value::Object(
            o.attributes
                .iter()
                .map(|(k, t)| (k.clone(), sample(t, n)))
                .collect(),
        ),
        Type::Dynamic => Value::dynamic(Type::String, Value::string(format!("s{n}"))),
    }
}

/// Adds to `out` where `got` differs from `want`, as deep as they both go.
fn diff(want: &Value, got: &Value, path: &AttributePath, out: &mut Vec<String>) {
    let at = if path.is_empty() {
        "the value".to_owned()
    } else {
        path.to_string()
    };
    match (want, got) {
        _ if want == got => {}
        (_, Value::Null) => out.push(format!(
            "{at}: the model does not map this attribute (it comes back null)"
        )),
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let got = b.get(k).unwrap_or(&Value::Null);
                diff(v, got, &path.push_attr(k.as_str()), out);
            }
        }
        (Value::Map(a), Value::Map(b)) if a.len() == b.len() && a.keys().eq(b.keys()) => {
            for (k, v) in a {
                let got = b.get(k).unwrap_or(&Value::Null);
                diff(v, got, &path.push_key(k), out);
            }
        }
        (Value::List(a), Value::List(b))
        | (Value::Set(a), Value::Set(b))
        | (Value::Tuple(a), Value::Tuple(b))
            if a.len() == b.len() =>
        {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                diff(v, w, &path.push(PathStep::index(i)), out);
            }
        }
        _ => out.push(format!(
            "{at}: the model changes it: read {want:?}, written back {got:?}"
        )),
    }
}
