//! Proptest strategies for the codecs' tests: types, and values that conform to them.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

use super::value::nfc;
use super::{Number, ObjectType, Type, Value};

/// Any string, in NFC (as the codecs keep strings).
fn string() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| nfc(&s).into_owned())
}

/// Any type, nested a few levels.
pub(crate) fn any_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::String),
        Just(Type::Number),
        Just(Type::Bool),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            btree_map("[a-z_]{1,8}", (inner, any::<bool>()), 0..4).prop_map(|attrs| {
                Type::Object(ObjectType {
                    optional: attrs
                        .iter()
                        .filter(|(_, (_, optional))| *optional)
                        .map(|(k, _)| k.clone())
                        .collect(),
                    attributes: attrs.into_iter().map(|(k, (t, _))| (k, t)).collect(),
                })
            }),
        ]
    })
}

/// A type and a value of it, with nulls (and unknowns if `unknowns`) at any depth.
pub(crate) fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    any_type().prop_flat_map(move |ty| (Just(ty.clone()), value_of(&ty, unknowns, 2)))
}

/// Numbers from every source: `i64`, `u64`, finite `f64` and decimal text.
fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        "-?[0-9]{1,40}(\\.[0-9]{1,40})?(e-?[0-9]{1,3})?".prop_map(|s| s.parse().unwrap()),
    ]
}

/// A value of `ty`; dynamic positions nest at most `dynamic_depth` concrete types.
fn value_of(ty: &Type, unknowns: bool, dynamic_depth: u32) -> BoxedStrategy<Value> {
    let of = |t: &Type| value_of(t, unknowns, dynamic_depth);
    let known = match ty {
        Type::String => string().prop_map(Value::String).boxed(),
        Type::Number => number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::List(t) => vec(of(t), 0..4).prop_map(Value::List).boxed(),
        Type::Set(t) => vec(of(t), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(t) => btree_map("\\PC{0,6}".prop_map(|k| nfc(&k).into_owned()), of(t), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(of)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(o) => o
            .attributes
            .iter()
            .map(|(k, t)| (Just(k.clone()), of(t)))
            .collect::<Vec<_>>()
            .prop_map(|attrs| Value::Object(attrs.into_iter().collect()))
            .boxed(),
        Type::Dynamic if dynamic_depth == 0 => string()
            .prop_map(|s| Value::dynamic(Type::String, Value::String(s)))
            .boxed(),
        Type::Dynamic => any_type()
            .prop_flat_map(move |t| {
                value_of(&t, unknowns, dynamic_depth - 1)
                    .prop_map(move |v| Value::dynamic(t.clone(), v))
            })
            .boxed(),
    };
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}
