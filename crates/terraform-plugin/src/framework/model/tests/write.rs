//! Writing models as values: every attribute, every kind checked, sets.

use super::*;

#[test]
fn writing_a_field_the_schema_lacks_is_an_error() {
    #[derive(Serialize)]
    struct Extra {
        name: String,
        nickname: Option<String>,
    }
    let ty = Type::object([("name", Type::String)]);
    let model = Extra {
        name: "n".into(),
        nickname: None,
    };
    let err = to_value(&model, &ty).unwrap_err();
    assert_eq!(err.path, AttributePath::attr("nickname"));
    assert_eq!(err.to_string(), "nickname: has no attribute in the schema");
}

#[test]
fn writing_checks_every_kind_against_the_type() {
    let mut c: Cluster = from_value(&cluster_value()).unwrap();
    let mut ty = cluster_type();
    if let Type::Object(o) = &mut ty {
        o.attributes.insert("offset".into(), Type::String);
    }
    assert_eq!(
        to_value(&c, &ty).unwrap_err().to_string(),
        "offset: is a string in the schema, but the model writes a number"
    );
    c.ratio = f64::NAN;
    assert_eq!(
        to_value(&c, &cluster_type()).unwrap_err().to_string(),
        "ratio: NaN is not a number"
    );
    let err = to_value(&vec!["a"], &Type::map(Type::String)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "is a map in the schema, but the model writes a list"
    );
    let err = to_value(&(1, 2), &Type::Tuple(vec![Type::Number])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[1]: is beyond the 1 elements of the tuple type"
    );
    let err = to_value(&BTreeMap::from([(1, 2)]), &Type::map(Type::Number)).unwrap_err();
    assert_eq!(err.to_string(), "has a key that is not a string");
}

#[test]
fn written_objects_carry_every_attribute() {
    #[derive(Serialize)]
    struct Partial {
        a: Tri<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<String>,
    }
    let ty = Type::object([("a", Type::String), ("b", Type::String), ("c", Type::Bool)]);
    let written = to_value(
        &Partial {
            a: Tri::Unknown,
            b: None,
        },
        &ty,
    )
    .unwrap();
    assert_eq!(
        written,
        Value::object([
            ("a", Value::Unknown),
            ("b", Value::Null),
            ("c", Value::Null)
        ])
    );
    // A map written where the type is an object.
    let map = BTreeMap::from([("c", true)]);
    assert_eq!(
        to_value(&map, &ty).unwrap(),
        Value::object([
            ("a", Value::Null),
            ("b", Value::Null),
            ("c", Value::Bool(true))
        ])
    );
}

#[test]
fn sets_are_written_deduplicated_in_cty_order() {
    let ty = Type::set(Type::String);
    let written = to_value(&["b", "a", "b", "c", "a"], &ty).unwrap();
    assert_eq!(
        written,
        Value::Set(["a", "b", "c"].map(Value::string).to_vec())
    );
    let numbers = to_value(&[10, 2, 10, 1], &Type::set(Type::Number)).unwrap();
    assert_eq!(numbers, Value::Set([1, 2, 10].map(Value::number).to_vec()));
    let unknowns = to_value(
        &[Tri::Unknown, Tri::Known(1), Tri::Unknown],
        &Type::set(Type::Number),
    )
    .unwrap();
    assert_eq!(
        unknowns,
        Value::Set(vec![Value::number(1), Value::Unknown, Value::Unknown])
    );
}
