//! Reading values into models: null and unknown, numbers, kinds, paths.

use super::*;

#[test]
fn tri_and_option_tell_null_unknown_and_known_apart() {
    #[derive(Debug, Deserialize, Serialize)]
    struct M {
        t: Tri<u32>,
        o: Option<u32>,
    }
    let ty = Type::object([("t", Type::Number), ("o", Type::Number)]);
    let m = |t: Value, o: Value| from_value::<M>(&Value::object([("t", t), ("o", o)]));
    for (t, want) in [
        (Value::Null, Tri::Null),
        (Value::Unknown, Tri::Unknown),
        (Value::number(3), Tri::Known(3)),
    ] {
        let read = m(t.clone(), Value::Null).unwrap();
        assert_eq!((read.t, read.o), (want, None));
        let back = to_value(&m(t.clone(), Value::number(1)).unwrap(), &ty).unwrap();
        assert_eq!(back, Value::object([("t", t), ("o", Value::number(1))]));
    }
    let err = m(Value::Null, Value::Unknown).unwrap_err();
    assert_eq!(err.path, AttributePath::attr("o"));
    assert_eq!(err.to_string(), "o: is not known yet");
}

#[test]
fn missing_attributes_read_as_null() {
    #[derive(Debug, Deserialize)]
    struct M {
        #[allow(dead_code)]
        t: Tri<String>,
        #[allow(dead_code)]
        o: Option<String>,
        #[allow(dead_code)]
        s: String,
    }
    let err = read_error::<M>(&Value::object([("x", Value::string("ignored"))]));
    assert_eq!(err, "s: must not be null");
    let m: M = from_value(&Value::object([("s", Value::string("x"))])).unwrap();
    assert_eq!((m.t, m.o, m.s.as_str()), (Tri::Null, None, "x"));
}

#[test]
fn null_or_unknown_in_a_plain_field_is_an_error_at_its_path() {
    let v = with(cluster_value(), &["name"], Value::Null);
    assert_eq!(read_error::<Cluster>(&v), "name: must not be null");
    let v = with(cluster_value(), &["control_plane", "cpu"], Value::Unknown);
    assert_eq!(
        read_error::<Cluster>(&v),
        "control_plane.cpu: is not known yet"
    );
    let nodes = Value::List(vec![node(Value::string("n1"), Value::Null), Value::Unknown]);
    let v = with(cluster_value(), &["nodes"], nodes);
    assert_eq!(read_error::<Cluster>(&v), "nodes[1]: is not known yet");
    let labels = Value::Map([("k".to_owned(), Value::Unknown)].into());
    let v = with(cluster_value(), &["labels"], labels);
    assert_eq!(
        read_error::<Cluster>(&v),
        r#"labels["k"]: is not known yet"#
    );
    let tags = Value::Set(vec![Value::string("a"), Value::Null]);
    let v = with(cluster_value(), &["tags"], tags);
    assert_eq!(read_error::<Cluster>(&v), "tags[1]: must not be null");
    assert_eq!(read_error::<Cluster>(&Value::Unknown), "is not known yet");
}

#[test]
fn integers_out_of_range_or_fractional_are_errors_never_truncated() {
    let memory = |n: &str| {
        let v = with(
            cluster_value(),
            &["control_plane", "memory"],
            Value::Number(n.parse().unwrap()),
        );
        from_value::<Cluster>(&v).map(|c| c.control_plane.memory)
    };
    assert_eq!(memory("4294967295"), Ok(u32::MAX));
    for (n, shown) in [
        ("4294967296", "4294967296"),
        ("5000000000", "5000000000"),
        ("-1", "-1"),
        ("1.5", "1.5"),
        ("1e30", "1000000000000000000000000000000"),
        ("1e50", "a number of more than 40 digits"),
    ] {
        let err = memory(n).unwrap_err();
        assert_eq!(
            err.path,
            AttributePath::attr("control_plane").push_attr("memory")
        );
        assert_eq!(
            err.to_string(),
            format!(
                "control_plane.memory: must be a whole number from 0 to 4294967295, got {shown}"
            )
        );
    }
    let infinite = with(
        cluster_value(),
        &["offset"],
        Value::Number(Number::INFINITY),
    );
    assert_eq!(
        read_error::<Cluster>(&infinite),
        "offset: must be a whole number from -9223372036854775808 to 9223372036854775807, got +Inf"
    );
}

#[test]
fn every_integer_width_reads_its_whole_range() {
    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Ints(i8, u8, i16, u16, i32, u32, i64, u64);
    let ty = Type::Tuple(vec![Type::Number; 8]);
    let max = Ints(
        i8::MAX,
        u8::MAX,
        i16::MAX,
        u16::MAX,
        i32::MAX,
        u32::MAX,
        i64::MAX,
        u64::MAX,
    );
    let min = Ints(i8::MIN, 0, i16::MIN, 0, i32::MIN, 0, i64::MIN, 0);
    for ints in [max, min] {
        let v = to_value(&ints, &ty).unwrap();
        assert_eq!(from_value::<Ints>(&v).unwrap(), ints);
    }
    let n = |s: &str| Value::Number(s.parse().unwrap());
    let mut too_big = vec![n("0"); 8];
    too_big[7] = n("18446744073709551616");
    let err = read_error::<Ints>(&Value::Tuple(too_big));
    assert_eq!(
        err,
        "[7]: must be a whole number from 0 to 18446744073709551615, got 18446744073709551616"
    );
    let mut too_small = vec![n("0"); 8];
    too_small[0] = n("-129");
    assert_eq!(
        read_error::<Ints>(&Value::Tuple(too_small)),
        "[0]: must be a whole number from -128 to 127, got -129"
    );
}

#[test]
fn wrong_kinds_are_errors_that_never_repeat_strings() {
    let secret = "token-s3cr3t";
    let v = with(
        cluster_value(),
        &["control_plane", "ha"],
        Value::string(secret),
    );
    assert_eq!(
        read_error::<Cluster>(&v),
        "control_plane.ha: must be a bool, not a string"
    );
    let v = with(
        cluster_value(),
        &["control_plane", "cpu"],
        Value::string(secret),
    );
    assert_eq!(
        read_error::<Cluster>(&v),
        "control_plane.cpu: must be a whole number from 0 to 4294967295, not a string"
    );
    let v = with(cluster_value(), &["name"], Value::number(3));
    assert_eq!(
        read_error::<Cluster>(&v),
        "name: must be a string, not a number"
    );
    let v = with(cluster_value(), &["nodes"], Value::string(secret));
    assert_eq!(
        read_error::<Cluster>(&v),
        "nodes: must be a list, not a string"
    );
    let v = with(cluster_value(), &["control_plane"], Value::string(secret));
    assert_eq!(
        read_error::<Cluster>(&v),
        "control_plane: must be an object, not a string"
    );

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Safe,
    }
    let err = read_error::<Mode>(&Value::string(secret));
    assert_eq!(err, "must be one of `fast`, `safe`");
    assert_eq!(from_value::<Mode>(&Value::string("safe")), Ok(Mode::Safe));
    assert_eq!(
        to_value(&Mode::Fast, &Type::String),
        Ok(Value::string("fast"))
    );
    #[derive(Debug, Deserialize)]
    struct Wrapped(#[allow(dead_code)] char);
    let err = read_error::<Wrapped>(&Value::string(secret));
    assert_eq!(err, "must be a character, got a string");
}

#[test]
fn extra_elements_for_a_tuple_are_an_error() {
    let v = Value::List(vec![Value::number(1), Value::number(2), Value::number(3)]);
    assert_eq!(
        read_error::<(u32, u32)>(&v),
        "has 3 elements, 1 more than the model takes"
    );
    assert_eq!(
        read_error::<(u32, u32, u32, u32)>(&v),
        "must be a tuple of size 4, got 3 elements"
    );
}

#[test]
fn dynamic_values_read_as_what_they_wrap() {
    let v = Value::object([("x", Value::dynamic(Type::Number, Value::number(5)))]);
    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct M {
        x: u32,
    }
    assert_eq!(from_value::<M>(&v), Ok(M { x: 5 }));
    let ty = Type::object([("x", Type::Dynamic)]);
    assert_eq!(to_value(&M { x: 5 }, &ty), Ok(v));
    let err = to_value(&BTreeMap::from([("x", vec![1])]), &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "x: is dynamic in the schema, where a model can only write a string, number or bool, not a list"
    );
}

#[test]
fn untyped_targets_read_numbers_exactly() {
    let n = |s: &str| Value::Number(s.parse().unwrap());
    let v = Value::List(vec![
        n("-3"),
        n("18446744073709551615"),
        n("0.25"),
        Value::Null,
    ]);
    let json: serde_json::Value = from_value(&v).unwrap();
    assert_eq!(json.to_string(), "[-3,18446744073709551615,0.25,null]");
    assert_eq!(
        from_value::<serde_json::Value>(&Value::Unknown)
            .unwrap_err()
            .to_string(),
        "is not known yet"
    );
}
