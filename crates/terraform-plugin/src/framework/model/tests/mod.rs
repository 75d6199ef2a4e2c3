//! Tests of the model bridge: shared fixtures, a nested round trip and a
//! round-trip property here; reading, writing and [`check_model`] beside.

mod check;
mod read;
mod write;

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;
use crate::cty::{AttributePath, Number};
use crate::framework::Schema;
use crate::framework::timeouts::Timeouts;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Spec {
    cpu: u32,
    memory: u32,
    ha: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    id: String,
    name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cluster {
    id: Tri<String>,
    name: String,
    offset: i64,
    ratio: f64,
    control_plane: Spec,
    nodes: Vec<Node>,
    tags: Vec<String>,
    labels: BTreeMap<String, String>,
    note: Option<String>,
    timeouts: Tri<Timeouts>,
}

fn spec_type() -> Type {
    Type::object([
        ("cpu", Type::Number),
        ("memory", Type::Number),
        ("ha", Type::Bool),
    ])
}

fn cluster_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("name", Type::String),
        ("offset", Type::Number),
        ("ratio", Type::Number),
        ("control_plane", spec_type()),
        (
            "nodes",
            Type::list(Type::object([("id", Type::String), ("name", Type::String)])),
        ),
        ("tags", Type::set(Type::String)),
        ("labels", Type::map(Type::String)),
        ("note", Type::String),
        (
            "timeouts",
            Type::object([
                ("create", Type::String),
                ("update", Type::String),
                ("delete", Type::String),
            ]),
        ),
    ])
}

fn spec(cpu: i64, memory: Value) -> Value {
    Value::object([
        ("cpu", Value::number(cpu)),
        ("memory", memory),
        ("ha", Value::Bool(true)),
    ])
}

fn node(id: Value, name: Value) -> Value {
    Value::object([("id", id), ("name", name)])
}

fn cluster_value() -> Value {
    Value::object([
        ("id", Value::Unknown),
        ("name", Value::string("k8s")),
        ("offset", Value::number(-7)),
        ("ratio", Value::Number("1.5".parse().unwrap())),
        ("control_plane", spec(2, Value::number(4))),
        (
            "nodes",
            Value::List(vec![
                node(Value::string("n1"), Value::string("first")),
                node(Value::string("n2"), Value::Null),
            ]),
        ),
        (
            "tags",
            Value::Set(vec![Value::string("a"), Value::string("b")]),
        ),
        (
            "labels",
            Value::Map([("env".to_owned(), Value::string("prod"))].into()),
        ),
        ("note", Value::Null),
        (
            "timeouts",
            Value::object([
                ("create", Value::string("5m")),
                ("update", Value::Null),
                ("delete", Value::Unknown),
            ]),
        ),
    ])
}

/// The error reading `value` into `T`, as `path: message`.
fn read_error<T: DeserializeOwned + std::fmt::Debug>(value: &Value) -> String {
    from_value::<T>(value).unwrap_err().to_string()
}

fn with(mut v: Value, path: &[&str], new: Value) -> Value {
    let mut at = &mut v;
    for step in path {
        at = at.get_attr_mut(step).unwrap();
    }
    *at = new;
    v
}

#[test]
fn nested_model_round_trips() {
    let value = cluster_value();
    let c: Cluster = from_value(&value).unwrap();
    assert_eq!(c.id, Tri::Unknown);
    assert_eq!(c.name, "k8s");
    assert_eq!(c.offset, -7);
    assert_eq!(c.ratio, 1.5);
    assert_eq!(
        c.control_plane,
        Spec {
            cpu: 2,
            memory: 4,
            ha: true
        }
    );
    assert_eq!(c.nodes[0].name.as_deref(), Some("first"));
    assert_eq!(c.nodes[1].name, None);
    assert_eq!(c.tags, ["a", "b"]);
    assert_eq!(c.labels["env"], "prod");
    assert_eq!(c.note, None);
    let t = c.timeouts.known().unwrap();
    assert_eq!(t.create, Tri::Known("5m".into()));
    assert_eq!((t.update.is_null(), t.delete.is_unknown()), (true, true));
    assert_eq!(to_value(&c, &cluster_type()).unwrap(), value);
}

#[test]
fn tri_works_with_other_formats() {
    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct M {
        #[serde(default)]
        t: Tri<u32>,
    }
    let read = |s: &str| serde_json::from_str::<M>(s).unwrap().t;
    assert_eq!(read(r#"{"t":null}"#), Tri::Null);
    assert_eq!(read(r#"{"t":4}"#), Tri::Known(4));
    assert_eq!(read("{}"), Tri::Null);
    let written = serde_json::to_string(&M { t: Tri::Unknown }).unwrap();
    assert_eq!(written, r#"{"t":null}"#);
}

#[test]
fn tri_helpers() {
    let k = Tri::Known(2);
    assert_eq!((k.known(), k.is_known()), (Some(&2), true));
    assert_eq!(k.clone().map(|x| x * 2), Tri::Known(4));
    assert_eq!(k.into_known(), Some(2));
    assert_eq!(Tri::<u8>::Unknown.map(|x| x + 1), Tri::Unknown);
    assert_eq!(Tri::<u8>::default(), Tri::Null);
    assert_eq!(Tri::from(Some(1)), Tri::Known(1));
    assert_eq!(Tri::<u8>::from(None), Tri::Null);
    assert!(Tri::<u8>::Null.is_null() && Tri::<u8>::Unknown.is_unknown());
    assert_eq!(Tri::<u8>::Unknown.known(), None);
}

#[test]
fn errors_become_diagnostics_at_their_attribute() {
    let v = with(
        cluster_value(),
        &["control_plane", "memory"],
        Value::number(-1),
    );
    let d = read::<Cluster>(&v, "Invalid plan").unwrap_err();
    let [diag] = &d.0[..] else { panic!("{d:?}") };
    assert_eq!(diag.summary, "Invalid plan");
    assert_eq!(
        diag.attribute.as_ref().map(ToString::to_string).as_deref(),
        Some("control_plane.memory")
    );
    assert!(diag.detail.contains("got -1"), "{}", diag.detail);
    let d = read::<Cluster>(&Value::Null, "Invalid state").unwrap_err();
    assert_eq!(d.0[0].attribute, None);
    let d = write(&vec![1], &Type::String).unwrap_err();
    assert!(d.0[0].summary.contains("Provider bug"), "{d:?}");
    assert!(read::<Cluster>(&cluster_value(), "x").is_ok());
}

#[test]
fn timeouts_fall_back_to_the_default() {
    let default = Duration::from_secs(60);
    let t = Tri::Known(Timeouts {
        create: Tri::Known("5m".into()),
        update: Tri::Known("bogus".into()),
        delete: Tri::Unknown,
    });
    assert_eq!(t.create(default), Duration::from_secs(300));
    assert_eq!(t.update(default), default);
    assert_eq!(t.delete(default), default);
    assert_eq!(Tri::<Timeouts>::Null.create(default), default);
    let attribute = crate::framework::timeouts::attribute(default);
    let schema = Schema::new("t", vec![attribute]);
    #[derive(Serialize, Deserialize)]
    struct M {
        timeouts: Tri<Timeouts>,
    }
    assert_eq!(check_model::<M>(&schema), Vec::<String>::new());
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Arbitrary {
    s: String,
    n: u32,
    i: i64,
    f: f64,
    b: bool,
    o: Option<String>,
    t: Tri<u64>,
    list: Vec<Option<i64>>,
    map: BTreeMap<String, bool>,
    nested: Option<Node>,
}

fn arbitrary_type() -> Type {
    Type::object([
        ("s", Type::String),
        ("n", Type::Number),
        ("i", Type::Number),
        ("f", Type::Number),
        ("b", Type::Bool),
        ("o", Type::String),
        ("t", Type::Number),
        ("list", Type::list(Type::Number)),
        ("map", Type::map(Type::Bool)),
        (
            "nested",
            Type::object([("id", Type::String), ("name", Type::String)]),
        ),
    ])
}

fn arbitrary() -> impl Strategy<Value = Arbitrary> {
    let tri = prop_oneof![
        Just(Tri::Null),
        Just(Tri::Unknown),
        any::<u64>().prop_map(Tri::Known)
    ];
    let node = (".*", proptest::option::of(".*")).prop_map(|(id, name)| Node { id, name });
    (
        (
            ".*",
            any::<u32>(),
            any::<i64>(),
            any::<f64>().prop_filter("NaN", |f| !f.is_nan()),
        ),
        (any::<bool>(), proptest::option::of(".*"), tri),
        proptest::collection::vec(proptest::option::of(any::<i64>()), 0..4),
        proptest::collection::btree_map(".*", any::<bool>(), 0..4),
        proptest::option::of(node),
    )
        .prop_map(|((s, n, i, f), (b, o, t), list, map, nested)| Arbitrary {
            s,
            n,
            i,
            f,
            b,
            o,
            t,
            list,
            map,
            nested,
        })
}

proptest! {
    #[test]
    fn any_model_round_trips(m in arbitrary()) {
        let v = to_value(&m, &arbitrary_type()).unwrap();
        prop_assert_eq!(from_value::<Arbitrary>(&v).unwrap(), m);
    }
}
