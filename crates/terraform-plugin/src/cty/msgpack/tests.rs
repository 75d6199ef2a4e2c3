//! Tests of [`super`] (msgpack).
use super::*;
use crate::cty::AttributePath;
use crate::cty::testing::{any_type, typed_value};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn num(s: &str) -> Value {
    Value::Number(s.parse().unwrap())
}

/// `value` as a `ty` encodes to exactly `bytes`, which decode back to it.
fn exact(ty: &Type, value: Value, bytes: &str) {
    let bytes = hex(bytes);
    assert_eq!(encode_msgpack(&value, ty).unwrap(), bytes, "{value:?}");
    assert_eq!(decode_msgpack(&bytes, ty).unwrap(), value);
}

fn decodes(ty: &Type, bytes: &str, value: Value) {
    assert_eq!(decode_msgpack(&hex(bytes), ty).unwrap(), value);
}

fn error(ty: &Type, bytes: &str) -> String {
    decode_msgpack(&hex(bytes), ty).unwrap_err().to_string()
}

#[test]
fn null_and_unknown() {
    exact(&Type::String, Value::Null, "c0");
    exact(&Type::String, Value::Unknown, "d4 00 00");
    exact(&Type::list(Type::Number), Value::Unknown, "d4 00 00");
    exact(&Type::Dynamic, Value::Unknown, "d4 00 00");
    exact(&Type::Dynamic, Value::Null, "c0");
    // Every extension is unknown, including refined ones (type 12) with payloads.
    for bytes in [
        "c7 03 0c 81 01 c3",
        "d4 0c 00",
        "d5 01 00 00",
        "d6 00 00 00 00 00",
        "d7 05 00 00 00 00 00 00 00 00",
        "d8 00 00000000000000000000000000000000",
        "c7 00 00",
        "c8 00 01 0c 00",
        "c9 00 00 00 02 0c 81 01",
    ] {
        decodes(&Type::String, bytes, Value::Unknown);
        decodes(&Type::object([("a", Type::Bool)]), bytes, Value::Unknown);
        decodes(&Type::Dynamic, bytes, Value::Unknown);
    }
}

#[test]
fn primitives() {
    exact(&Type::String, "hi".into(), "a2 68 69");
    exact(&Type::String, "".into(), "a0");
    exact(
        &Type::String,
        "x".repeat(40).into(),
        &format!("d9 28 {}", "78".repeat(40)),
    );
    decodes(&Type::String, "c4 02 68 69", "hi".into());
    exact(&Type::Bool, true.into(), "c3");
    exact(&Type::Bool, false.into(), "c2");
}

#[test]
fn numbers() {
    exact(&Type::Number, 5.into(), "05");
    exact(&Type::Number, 0.into(), "00");
    exact(&Type::Number, (-1).into(), "ff");
    exact(&Type::Number, (-33).into(), "d0 df");
    exact(&Type::Number, 200.into(), "cc c8");
    exact(&Type::Number, (-40000).into(), "d2 ff ff 63 c0");
    exact(&Type::Number, i64::MAX.into(), "cf 7f ff ff ff ff ff ff ff");
    exact(&Type::Number, i64::MIN.into(), "d3 80 00 00 00 00 00 00 00");
    exact(&Type::Number, num("0.5"), "cb 3f e0 00 00 00 00 00 00");
    exact(&Type::Number, num("-2.25"), "cb c0 02 00 00 00 00 00 00");
    // 2^63 is not an i64; it is an exact float64, but go-cty never sends an
    // integer as a float: text.
    exact(
        &Type::Number,
        num("9223372036854775808"),
        &format!("b3 {}", hex_of("9223372036854775808")),
    );
    exact(
        &Type::Number,
        num("-18446744073709551616"),
        &format!("b5 {}", hex_of("-18446744073709551616")),
    );
    exact(
        &Type::Number,
        num("1e20"),
        &format!("b5 {}", hex_of("100000000000000000000")),
    );
    // Whatever the encoding, an integer comes in as one and goes back as text.
    decodes(
        &Type::Number,
        "cb 43 e0 00 00 00 00 00 00",
        num("9223372036854775808"),
    );
    decodes(&Type::Number, "cb 80 00 00 00 00 00 00 00", 0.into());
    // 2^63+1 is neither: text.
    exact(
        &Type::Number,
        num("9223372036854775809"),
        &format!("b3 {}", hex_of("9223372036854775809")),
    );
    // 0.1 parsed from text is not exactly a float64.
    exact(&Type::Number, num("0.1"), "a3 30 2e 31");
    let big = format!("1{}", "0".repeat(400));
    exact(
        &Type::Number,
        num("1e400"),
        &format!("da 01 91 {}", hex_of(&big)),
    );
    // What go-cty may send, however encoded.
    decodes(
        &Type::Number,
        "cf 80 00 00 00 00 00 00 00",
        num("9223372036854775808"),
    );
    decodes(
        &Type::Number,
        "cf ff ff ff ff ff ff ff ff",
        num("18446744073709551615"),
    );
    decodes(&Type::Number, "cd 01 00", 256.into());
    decodes(&Type::Number, "d1 ff 00", (-256).into());
    decodes(&Type::Number, "ca 3f 00 00 00", num("0.5"));
    decodes(
        &Type::Number,
        "cb 3f b9 99 99 99 99 99 9a",
        Value::Number(Number::from_f64(0.1).unwrap()),
    );
    decodes(&Type::Number, "a5 31 65 34 30 30", num("1e400"));
    decodes(&Type::Number, "a3 31 2e 30", 1.into());
    assert_eq!(
        error(&Type::Number, "cb 7f f8 00 00 00 00 00 00"),
        "NaN is not a number"
    );
    assert!(error(&Type::Number, "ca 7f c0 00 00").contains("NaN"));
    assert!(error(&Type::Number, "a3 61 62 63").contains("invalid number"));
    assert!(error(&Type::Number, "c3").contains("expected number, found bool"));
}

#[test]
fn infinities() {
    exact(
        &Type::Number,
        Value::Number(Number::INFINITY),
        "cb 7f f0 00 00 00 00 00 00",
    );
    exact(
        &Type::Number,
        Value::Number(Number::NEG_INFINITY),
        "cb ff f0 00 00 00 00 00 00",
    );
    decodes(
        &Type::Number,
        "ca 7f 80 00 00",
        Value::Number(Number::INFINITY),
    );
    decodes(
        &Type::Number,
        "ca ff 80 00 00",
        Value::Number(Number::NEG_INFINITY),
    );
    // As text, spelled as Go's big.Float parser takes it.
    decodes(
        &Type::Number,
        "a3 49 6e 66",
        Value::Number(Number::INFINITY),
    );
    decodes(
        &Type::Number,
        "a4 2d 69 6e 66",
        Value::Number(Number::NEG_INFINITY),
    );
    assert!(error(&Type::Number, &format!("a8 {}", hex_of("Infinity"))).contains("invalid"));
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn strings_and_map_keys_are_nfc() {
    // "e" + combining acute (65 cc 81) is "é" (c3 a9), whether str or bin.
    decodes(&Type::String, "a3 65 cc 81", "\u{e9}".into());
    decodes(&Type::String, "c4 03 65 cc 81", "\u{e9}".into());
    decodes(
        &Type::map(Type::Bool),
        "81 a3 65 cc 81 c3",
        Value::Map([("\u{e9}".into(), true.into())].into()),
    );
    // Two keys alike once normalized: the later wins, as in go-cty's map.
    decodes(
        &Type::map(Type::Number),
        "82 a2 c3 a9 01 a3 65 cc 81 02",
        Value::Map([("\u{e9}".into(), 2.into())].into()),
    );
    assert_eq!(
        encode_msgpack(&"e\u{301}".into(), &Type::String).unwrap(),
        hex("a2 c3 a9")
    );
    let m = Value::Map([("e\u{301}".into(), 1.into()), ("\u{e9}".into(), 2.into())].into());
    assert_eq!(
        encode_msgpack(&m, &Type::map(Type::Number)).unwrap(),
        hex("81 a2 c3 a9 02")
    );
}

#[test]
fn an_exact_float_from_terraform_goes_back_as_the_same_float() {
    let bytes = hex("cb 3f b9 99 99 99 99 99 9a"); // float64(0.1)
    let v = decode_msgpack(&bytes, &Type::Number).unwrap();
    assert_eq!(encode_msgpack(&v, &Type::Number).unwrap(), bytes);
}

#[test]
fn collections() {
    let list = Value::List(vec!["a".into(), Value::Null, Value::Unknown]);
    exact(&Type::list(Type::String), list, "93 a1 61 c0 d4 00 00");
    exact(
        &Type::set(Type::Number),
        Value::Set(vec![1.into(), 2.into()]),
        "92 01 02",
    );
    // Sets: one of each, in go-cty's order, both ways.
    decodes(
        &Type::set(Type::Number),
        "94 02 01 cb 3f f0 00 00 00 00 00 00 a1 31",
        Value::Set(vec![1.into(), 2.into()]),
    );
    decodes(
        &Type::set(Type::String),
        "94 c0 d4 00 00 a1 62 a1 61",
        Value::Set(vec!["a".into(), "b".into(), Value::Unknown, Value::Null]),
    );
    let set = Value::Set(vec!["b".into(), "a".into(), "b".into()]);
    assert_eq!(
        encode_msgpack(&set, &Type::set(Type::String)).unwrap(),
        hex("92 a1 61 a1 62")
    );
    // Objects by go-cty's hash bytes: `<10;"a";>` before `<2;"b";>`.
    let ty = Type::set(Type::object([("n", Type::Number), ("s", Type::String)]));
    let o = |n: i64, s: &str| Value::object([("n", n.into()), ("s", s.into())]);
    assert_eq!(
        encode_msgpack(&Value::Set(vec![o(2, "b"), o(10, "a")]), &ty).unwrap(),
        hex("92 82 a1 6e 0a a1 73 a1 61 82 a1 6e 02 a1 73 a1 62")
    );
    exact(&Type::list(Type::Bool), Value::List(vec![]), "90");
    exact(
        &Type::map(Type::Bool),
        Value::Map([("a".into(), true.into()), ("b".into(), Value::Null)].into()),
        "82 a1 61 c3 a1 62 c0",
    );
    exact(
        &Type::Tuple(vec![Type::String, Type::Number]),
        Value::Tuple(vec!["x".into(), 1.into()]),
        "92 a1 78 01",
    );
    assert!(error(&Type::Tuple(vec![Type::String]), "92 a1 78 01").contains("tuple of 1"));
    assert!(error(&Type::list(Type::String), "dd ff ff ff ff").contains("end of msgpack"));
}

#[test]
fn objects() {
    let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
    // Every attribute is sent, nil where missing or null.
    assert_eq!(
        encode_msgpack(&Value::object([("a", "x".into())]), &ty).unwrap(),
        hex("82 a1 61 a1 78 a1 62 c0")
    );
    exact(
        &ty,
        Value::object([("a", "x".into()), ("b", Value::Null)]),
        "82 a1 61 a1 78 a1 62 c0",
    );
    // A missing attribute is an error, as in go-cty; so is a duplicate key.
    assert_eq!(
        error(&ty, "81 a1 62 07"),
        r#"missing attribute "a": an object of this type has 2 attributes"#
    );
    assert_eq!(
        error(&ty, "82 a1 62 07 a1 62 08"),
        r#"duplicate attribute "b""#
    );
    assert_eq!(
        error(&ty, "83 a1 61 c0 a1 62 07 a1 62 08"),
        r#"duplicate attribute "b""#
    );
    assert_eq!(
        error(&ty, "80"),
        r#"missing attribute "a" and 1 more: an object of this type has 2 attributes"#
    );
    let nested = Type::object([("o", ty.clone())]);
    assert_eq!(
        error(&nested, "81 a1 6f 81 a1 61 c0"),
        r#"at o: missing attribute "b": an object of this type has 2 attributes"#
    );
    decodes(
        &Type::object(Vec::<(String, Type)>::new()),
        "80",
        Value::object(Vec::<(String, Value)>::new()),
    );
    assert_eq!(error(&ty, "81 a1 63 07"), r#"unexpected attribute "c""#);
    let err = encode_msgpack(&Value::object([("c", Value::Null)]), &ty).unwrap_err();
    assert_eq!(err.to_string(), r#"unexpected attribute "c""#);
}

#[test]
fn nested_unknown_inside_object_inside_list() {
    let ty = Type::list(Type::object([("id", Type::String), ("n", Type::Number)]));
    let v = Value::List(vec![Value::object([
        ("id", Value::Unknown),
        ("n", 1.into()),
    ])]);
    exact(&ty, v, "91 82 a2 69 64 d4 00 00 a1 6e 01");
    decodes(
        &ty,
        "91 82 a2 69 64 c7 03 0c 81 01 c3 a1 6e 01",
        Value::List(vec![Value::object([
            ("id", Value::Unknown),
            ("n", 1.into()),
        ])]),
    );
}

#[test]
fn dynamic() {
    let v = Value::dynamic(Type::String, "hi".into());
    // [bin8 "\"string\"", "hi"]
    exact(
        &Type::Dynamic,
        v.clone(),
        &format!("92 c4 08 {} a2 68 69", hex_of("\"string\"")),
    );
    // The type JSON may also come as a msgpack string.
    decodes(
        &Type::Dynamic,
        &format!("92 a8 {} a2 68 69", hex_of("\"string\"")),
        v,
    );
    let list = Value::dynamic(Type::list(Type::Number), Value::List(vec![1.into()]));
    let type_json = hex_of(r#"["list","number"]"#);
    exact(&Type::Dynamic, list, &format!("92 c4 11 {type_json} 91 01"));
    // A typed null or unknown keeps its type.
    exact(
        &Type::Dynamic,
        Value::dynamic(Type::Bool, Value::Null),
        &format!("92 c4 06 {} c0", hex_of("\"bool\"")),
    );
    // A wrapper whose type is dynamic holds another dynamic value: collapsed.
    let dynamic = format!("92 c4 09 {}", hex_of("\"dynamic\""));
    let string = format!("92 c4 08 {}", hex_of("\"string\""));
    decodes(
        &Type::Dynamic,
        &format!("{dynamic} {dynamic} {string} a2 68 69"),
        Value::dynamic(Type::String, "hi".into()),
    );
    decodes(&Type::Dynamic, &format!("{dynamic} c0"), Value::Null);
    decodes(
        &Type::Dynamic,
        &format!("{dynamic} d4 00 00"),
        Value::Unknown,
    );
    // Built by hand, such a wrapper is looked through on encode.
    let nested = Value::Dynamic(
        Box::new(Type::Dynamic),
        Box::new(Value::dynamic(Type::String, "hi".into())),
    );
    assert_eq!(
        encode_msgpack(&nested, &Type::Dynamic).unwrap(),
        hex(&format!("{string} a2 68 69"))
    );
    // `["object",null]` is the empty object type, as in go-cty.
    decodes(
        &Type::Dynamic,
        &format!("92 c4 0f {} 80", hex_of(r#"["object",null]"#)),
        Value::dynamic(
            Type::object(Vec::<(String, Type)>::new()),
            Value::object(Vec::<(String, Value)>::new()),
        ),
    );
    assert!(error(&Type::Dynamic, "a2 68 69").contains("[type, value] array"));
    assert!(error(&Type::Dynamic, "92 c4 01 31 01").contains("invalid type JSON"));
    let err = encode_msgpack(&"hi".into(), &Type::Dynamic).unwrap_err();
    assert!(err.to_string().contains("expected a dynamic value"));
}

#[test]
fn errors_carry_the_path() {
    let ty = Type::object([(
        "control_plane",
        Type::object([
            ("memory", Type::Number),
            ("tags", Type::map(Type::list(Type::Bool))),
        ]),
    )]);
    let bytes = hex("81 ad 636f6e74726f6c5f706c616e65 81 a6 6d656d6f7279 c3");
    let err = decode_msgpack(&bytes, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at control_plane.memory: expected number, found bool"
    );
    let v = Value::object([(
        "control_plane",
        Value::object([(
            "tags",
            Value::Map([("k".into(), Value::List(vec![true.into(), 1.into()]))].into()),
        )]),
    )]);
    let err = encode_msgpack(&v, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"at control_plane.tags["k"][1]: expected bool, found number"#
    );
    assert_eq!(
        err.path(),
        &AttributePath::attr("control_plane")
            .push_attr("tags")
            .push_key("k")
            .push_index(1)
    );
}

#[test]
fn malformed_input_is_an_error() {
    assert!(error(&Type::String, "").contains("end of msgpack"));
    assert!(error(&Type::String, "c1").contains("0xc1"));
    assert!(error(&Type::String, "a1 61 c0").contains("trailing"));
    assert!(error(&Type::String, "a1 ff").contains("UTF-8"));
    assert!(error(&Type::String, "d8 00").contains("end of msgpack"));
    assert!(error(&Type::map(Type::Bool), "81 01 c3").contains("expected string key"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut ty = Type::String;
    for _ in 0..300 {
        ty = Type::list(ty);
    }
    let mut bytes = vec![0x91; 300];
    bytes.push(0xc0);
    assert!(error(&ty, &hex_of_bytes(&bytes)).contains("nested too deeply"));
    // Sets nested as deep as allowed decode (how fast: `cargo bench --bench codec`).
    let mut ty = Type::String;
    for _ in 0..MAX_DEPTH - 1 {
        ty = Type::set(ty);
    }
    let mut bytes = vec![0x92; MAX_DEPTH - 1];
    bytes.extend(hex("a1 61 a1 62"));
    let mut wide = bytes.clone();
    for _ in 1..MAX_DEPTH - 1 {
        wide.extend(hex("90"));
    }
    assert!(decode_msgpack(&wide, &ty).is_ok());
    // Nesting through dynamic values, which decide their own types.
    let mut bytes = Vec::new();
    for _ in 0..100_000 {
        bytes.extend(hex(&format!("92 c4 09 {}", hex_of("\"dynamic\""))));
    }
    assert!(decode_msgpack(&bytes, &Type::Dynamic).is_err());
}

fn hex_of_bytes(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

proptest! {
    #[test]
    fn round_trips((ty, value) in typed_value(true)) {
        let bytes = encode_msgpack(&value, &ty).unwrap();
        prop_assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), set::canonical_value(value, &ty));
    }

    #[test]
    fn random_bytes_never_panic(ty in any_type(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_msgpack(&bytes, &ty);
    }

    #[test]
    fn corrupted_encodings_never_panic(
        (ty, value) in typed_value(true),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = encode_msgpack(&value, &ty).unwrap();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let _ = decode_msgpack(&bytes, &ty);
    }
}
