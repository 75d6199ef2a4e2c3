//! go-cty's set semantics: which elements are one element, and the order a set
//! is written in (`cty/set_internals.go`'s `setRules` and `cty/set/ops.go`).
//!
//! - Two elements are one when they are equal and wholly known: numbers by
//!   value, strings after NFC, nulls alike whatever their type. An element with
//!   an unknown anywhere in it equals nothing, so a set may hold several.
//!   Of equal elements the first one stays.
//! - Order: known elements first, then unknown ones, then the null; strings
//!   bytewise, numbers by value, `false` before `true`; elements of any other
//!   type (objects, lists, maps, tuples, sets) by their hash bytes (see
//!   [`hash_bytes`]). Elements that tie keep the order they came in, which is
//!   go-cty's order too: ties share a hash, hence a bucket, where go-cty keeps
//!   arrival order before its stable sort.
//!
//! Differences, all in the order of elements of compound types (which go-cty
//! calls consistent but not a compatibility promise): go-cty writes numbers in
//! hash bytes with ten digits of its binary value, rounded half to even; here
//! the exact decimal is rounded, which differs only for a number of more than
//! ten significant digits that parsing as 512-bit binary moved off a tie. And
//! strings are quoted as Go's `%q` does, except that code points unassigned in
//! Unicode 15.0 are left unescaped.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use super::types::Type;
use super::value::{Value, nfc};

/// `elements` of a set of `ty` as go-cty holds them: equal elements once (the
/// first of them), in go-cty's order. Nested sets are put in order too.
pub fn canonical(elements: Vec<Value>, ty: &Type) -> Vec<Value> {
    let elements = elements
        .into_iter()
        .map(|v| canonical_value(v, ty))
        .collect();
    canonical_top(elements, ty)
}

/// [`canonical`] for elements whose own sets are already canonical (as
/// decoded ones are): only the top level is deduplicated and sorted.
pub(crate) fn canonical_top(elements: Vec<Value>, ty: &Type) -> Vec<Value> {
    let order = canonical_order(&elements, ty);
    if order.len() == elements.len() && order.iter().enumerate().all(|(i, &j)| i == j) {
        return elements;
    }
    let mut slots: Vec<Option<Value>> = elements.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// `value` with every set inside it in canonical form ([`canonical`]).
pub fn canonical_value(value: Value, ty: &Type) -> Value {
    match (ty, value) {
        (Type::Set(t), Value::Set(vs)) => Value::Set(canonical(vs, t)),
        (Type::List(t), Value::List(vs)) => {
            Value::List(vs.into_iter().map(|v| canonical_value(v, t)).collect())
        }
        (Type::Tuple(ts), Value::Tuple(vs)) if ts.len() == vs.len() => Value::Tuple(
            vs.into_iter()
                .zip(ts)
                .map(|(v, t)| canonical_value(v, t))
                .collect(),
        ),
        (Type::Map(t), Value::Map(m)) => Value::Map(
            m.into_iter()
                .map(|(k, v)| (k, canonical_value(v, t)))
                .collect(),
        ),
        (Type::Object(o), Value::Object(attrs)) => Value::Object(
            attrs
                .into_iter()
                .map(|(k, v)| match o.attributes.get(&k) {
                    Some(t) => {
                        let v = canonical_value(v, t);
                        (k, v)
                    }
                    None => (k, v),
                })
                .collect(),
        ),
        (Type::Dynamic, Value::Dynamic(t, v)) => {
            let v = canonical_value(*v, &t);
            Value::Dynamic(t, Box::new(v))
        }
        (_, v) => v,
    }
}

/// The indices of the elements a set of `ty` keeps, in go-cty's order.
pub(crate) fn canonical_order(elements: &[Value], ty: &Type) -> Vec<usize> {
    order_and_hashes(elements, ty).0
}

/// [`canonical_order`], and the hash bytes of every element (computed once:
/// nested sets would otherwise be hashed again at each level, exponentially).
fn order_and_hashes(elements: &[Value], ty: &Type) -> (Vec<usize>, Vec<Vec<u8>>) {
    let hashes: Vec<Vec<u8>> = elements.iter().map(|v| hash_bytes(v, ty)).collect();
    // Equal elements have equal exact keys, and unequal ones (but for values
    // of different types at a dynamic position) unequal keys: so duplicates
    // are found in linear time, however many elements share go-cty's hash.
    // An element with an unknown in it equals nothing.
    let mut buckets: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    let mut kept = Vec::with_capacity(elements.len());
    for (i, v) in elements.iter().enumerate() {
        if v.is_wholly_known() {
            let mut key = Vec::new();
            exact_key(v, ty, &mut key);
            let bucket = buckets.entry(key).or_default();
            if bucket.iter().any(|&j| equal(&elements[j], v, ty)) {
                continue;
            }
            bucket.push(i);
        }
        kept.push(i);
    }
    let rules = rules_type(elements, ty);
    kept.sort_by(|&a, &b| {
        if less_with(&elements[a], &elements[b], &rules, &hashes[a], &hashes[b]) {
            Ordering::Less
        } else if less_with(&elements[b], &elements[a], &rules, &hashes[b], &hashes[a]) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    (kept, hashes)
}

/// The type go-cty's set rules use: the element type or, for `dynamic`
/// elements, the one type they all have (`cty.SetVal` infers it; go-cty has
/// no sets of mixed types, and orders those here by hash bytes).
fn rules_type(elements: &[Value], ty: &Type) -> Type {
    if *ty != Type::Dynamic {
        return ty.clone();
    }
    let mut types = elements.iter().filter_map(|v| match v {
        Value::Dynamic(t, _) => Some(&**t),
        _ => None,
    });
    match types.next() {
        Some(first) if types.all(|t| t == first) => first.clone(),
        _ => Type::Dynamic,
    }
}

/// A set element seen through its `dynamic` wrapper, if any.
fn unwrap(v: &Value) -> &Value {
    match v {
        Value::Dynamic(_, inner) => inner,
        v => v,
    }
}

/// Whether go-cty sorts `a` before `b` in a set of `ty` (`setRules.Less`).
pub fn less(a: &Value, b: &Value, ty: &Type) -> bool {
    less_with(a, b, ty, &hash_bytes(a, ty), &hash_bytes(b, ty))
}

fn less_with(a: &Value, b: &Value, rules: &Type, ha: &[u8], hb: &[u8]) -> bool {
    let (a, b) = (unwrap(a), unwrap(b));
    // Nulls after everything, unknowns after every known value.
    match (a, b) {
        (Value::Null, _) => return false,
        (_, Value::Null) => return true,
        (Value::Unknown, _) => return false,
        (_, Value::Unknown) => return true,
        _ => {}
    }
    match (rules, a, b) {
        (Type::String, Value::String(x), Value::String(y)) => nfc(x) < nfc(y),
        (Type::Bool, Value::Bool(x), Value::Bool(y)) => !x & y,
        (Type::Number, Value::Number(x), Value::Number(y)) => x < y,
        _ => ha < hb,
    }
}

/// Whether `a` and `b` are one element of a set of `ty`
/// (`setRules.Equivalent`): equal, and nothing in them unknown.
pub fn equivalent(a: &Value, b: &Value, ty: &Type) -> bool {
    a.is_wholly_known() && b.is_wholly_known() && equal(a, b, ty)
}

/// Equality of wholly known values of `ty`, as go-cty's `Equals`.
fn equal(a: &Value, b: &Value, ty: &Type) -> bool {
    // Nulls are equal whatever their types.
    match (unwrap(a), unwrap(b)) {
        (Value::Null, Value::Null) => return true,
        (Value::Null, _) | (_, Value::Null) => return false,
        _ => {}
    }
    match (ty, a, b) {
        (Type::Dynamic, Value::Dynamic(s, x), Value::Dynamic(t, y)) => s == t && equal(x, y, s),
        (Type::String, Value::String(x), Value::String(y)) => nfc(x) == nfc(y),
        (Type::Number, Value::Number(x), Value::Number(y)) => x == y,
        (Type::Bool, Value::Bool(x), Value::Bool(y)) => x == y,
        (Type::List(t), Value::List(xs), Value::List(ys)) => equal_elements(xs, ys, |_| Some(t)),
        (Type::Tuple(ts), Value::Tuple(xs), Value::Tuple(ys)) => {
            equal_elements(xs, ys, |i| ts.get(i))
        }
        (Type::Set(t), Value::Set(xs), Value::Set(ys)) => {
            let (xo, yo) = (canonical_order(xs, t), canonical_order(ys, t));
            xo.len() == yo.len() && xo.iter().zip(&yo).all(|(&i, &j)| equal(&xs[i], &ys[j], t))
        }
        (Type::Map(t), Value::Map(xs), Value::Map(ys)) => {
            let (xs, ys) = (nfc_keys(xs), nfc_keys(ys));
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| equal(x, y, t)))
        }
        (Type::Object(o), Value::Object(xs), Value::Object(ys)) => {
            o.attributes.iter().all(|(k, t)| {
                let x = xs.get(k).unwrap_or(&Value::Null);
                let y = ys.get(k).unwrap_or(&Value::Null);
                equal(x, y, t)
            })
        }
        _ => false,
    }
}

fn nfc_keys(m: &BTreeMap<String, Value>) -> BTreeMap<Cow<'_, str>, &Value> {
    m.iter().map(|(k, v)| (nfc(k), v)).collect()
}

fn equal_elements<'t>(xs: &[Value], ys: &[Value], ty: impl Fn(usize) -> Option<&'t Type>) -> bool {
    xs.len() == ys.len()
        && xs
            .iter()
            .zip(ys)
            .enumerate()
            .all(|(i, (x, y))| ty(i).is_some_and(|t| equal(x, y, t)))
}

/// go-cty's set hash bytes of `value` as a `ty` (`appendSetHashBytes`):
/// `?` unknown, `~` null, `T`/`F`, a number as `big.Float.String()`, a string
/// quoted as Go's `%q`, `[e;e;]` for lists and sets (in set order),
/// `{"k":v;}` for maps, `<v;v;>` for objects (by attribute name) and tuples.
pub fn hash_bytes(value: &Value, ty: &Type) -> Vec<u8> {
    let mut buf = Vec::new();
    append_hash(value, ty, &mut buf);
    buf
}

fn append_hash(value: &Value, ty: &Type, buf: &mut Vec<u8>) {
    match (ty, value) {
        (_, Value::Unknown) => buf.push(b'?'),
        (_, Value::Null) => buf.push(b'~'),
        (Type::Dynamic, Value::Dynamic(t, v)) => append_hash(v, t, buf),
        (Type::Number, Value::Number(n)) => buf.extend_from_slice(n.go_hash_text().as_bytes()),
        (Type::Bool, Value::Bool(b)) => buf.push(if *b { b'T' } else { b'F' }),
        (Type::String, Value::String(s)) => go_quote(&nfc(s), buf),
        (Type::Map(t), Value::Map(m)) => {
            buf.push(b'{');
            for (k, v) in nfc_keys(m) {
                go_quote(&k, buf);
                buf.push(b':');
                append_hash(v, t, buf);
                buf.push(b';');
            }
            buf.push(b'}');
        }
        (Type::List(t), Value::List(vs)) => {
            buf.push(b'[');
            for v in vs {
                append_hash(v, t, buf);
                buf.push(b';');
            }
            buf.push(b']');
        }
        (Type::Set(t), Value::Set(vs)) => {
            buf.push(b'[');
            let (order, hashes) = order_and_hashes(vs, t);
            for i in order {
                buf.extend_from_slice(&hashes[i]);
                buf.push(b';');
            }
            buf.push(b']');
        }
        (Type::Object(o), Value::Object(attrs)) => {
            buf.push(b'<');
            for (name, t) in &o.attributes {
                append_hash(attrs.get(name).unwrap_or(&Value::Null), t, buf);
                buf.push(b';');
            }
            buf.push(b'>');
        }
        (Type::Tuple(ts), Value::Tuple(vs)) => {
            buf.push(b'<');
            for (v, t) in vs.iter().zip(ts) {
                append_hash(v, t, buf);
                buf.push(b';');
            }
            buf.push(b'>');
        }
        // Not of the type: encoding will say so; any bytes do here.
        _ => buf.push(b'!'),
    }
}

/// A key for a wholly known `value` of `ty` that equal values share: like the
/// hash bytes, but with exact numbers, and nested sets as their sorted,
/// deduplicated element keys (so independent of their order).
fn exact_key(value: &Value, ty: &Type, buf: &mut Vec<u8>) {
    match (ty, value) {
        (Type::Number, Value::Number(n)) => buf.extend_from_slice(n.to_string().as_bytes()),
        (Type::Set(t), Value::Set(vs)) => {
            let mut keys: Vec<Vec<u8>> = vs
                .iter()
                .map(|v| {
                    let mut key = Vec::new();
                    exact_key(v, t, &mut key);
                    key
                })
                .collect();
            keys.sort();
            keys.dedup();
            buf.push(b'[');
            for key in keys {
                buf.extend_from_slice(&key);
                buf.push(b';');
            }
            buf.push(b']');
        }
        (Type::Map(t), Value::Map(m)) => {
            buf.push(b'{');
            for (k, v) in nfc_keys(m) {
                go_quote(&k, buf);
                buf.push(b':');
                exact_key(v, t, buf);
                buf.push(b';');
            }
            buf.push(b'}');
        }
        (Type::List(t), Value::List(vs)) => {
            buf.push(b'[');
            for v in vs {
                exact_key(v, t, buf);
                buf.push(b';');
            }
            buf.push(b']');
        }
        (Type::Object(o), Value::Object(attrs)) => {
            buf.push(b'<');
            for (name, t) in &o.attributes {
                exact_key(attrs.get(name).unwrap_or(&Value::Null), t, buf);
                buf.push(b';');
            }
            buf.push(b'>');
        }
        (Type::Tuple(ts), Value::Tuple(vs)) => {
            buf.push(b'<');
            for (v, t) in vs.iter().zip(ts) {
                exact_key(v, t, buf);
                buf.push(b';');
            }
            buf.push(b'>');
        }
        (Type::Dynamic, Value::Dynamic(t, v)) => exact_key(v, t, buf),
        // Nulls, bools, strings: as in the hash bytes.
        (ty, value) => append_hash(value, ty, buf),
    }
}

/// `s` quoted as Go's `strconv.Quote` (`%q`) does: `"` and `\` escaped,
/// printable characters as they are, `\a\b\f\n\r\t\v`, other controls as
/// `\xNN`, other unprintable characters as `\uNNNN` or `\UNNNNNNNN`.
fn go_quote(s: &str, buf: &mut Vec<u8>) {
    buf.push(b'"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                buf.push(b'\\');
                buf.push(c as u8);
            }
            '\x07' => buf.extend_from_slice(b"\\a"),
            '\x08' => buf.extend_from_slice(b"\\b"),
            '\x0c' => buf.extend_from_slice(b"\\f"),
            '\n' => buf.extend_from_slice(b"\\n"),
            '\r' => buf.extend_from_slice(b"\\r"),
            '\t' => buf.extend_from_slice(b"\\t"),
            '\x0b' => buf.extend_from_slice(b"\\v"),
            c if c < ' ' || c == '\x7f' => {
                buf.extend_from_slice(format!("\\x{:02x}", c as u32).as_bytes())
            }
            c if go_is_print(c) => {
                let mut utf8 = [0; 4];
                buf.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
            c if (c as u32) < 0x10000 => {
                buf.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => buf.extend_from_slice(format!("\\U{:08x}", c as u32).as_bytes()),
        }
    }
    buf.push(b'"');
}

/// Go's `unicode.IsPrint` for a character that is not an ASCII control:
/// false for the assigned characters of Unicode 15.0 in categories Cc, Cf,
/// Co, Zl, Zp and Zs other than the space.
fn go_is_print(c: char) -> bool {
    const UNPRINTABLE: &[(u32, u32)] = &[
        (0x80, 0xa0),
        (0xad, 0xad),
        (0x600, 0x605),
        (0x61c, 0x61c),
        (0x6dd, 0x6dd),
        (0x70f, 0x70f),
        (0x890, 0x891),
        (0x8e2, 0x8e2),
        (0x1680, 0x1680),
        (0x180e, 0x180e),
        (0x2000, 0x200f),
        (0x2028, 0x202f),
        (0x205f, 0x2064),
        (0x2066, 0x206f),
        (0x3000, 0x3000),
        (0xe000, 0xf8ff),
        (0xfeff, 0xfeff),
        (0xfff9, 0xfffb),
        (0x110bd, 0x110bd),
        (0x110cd, 0x110cd),
        (0x13430, 0x1343f),
        (0x1bca0, 0x1bca3),
        (0x1d173, 0x1d17a),
        (0xe0001, 0xe0001),
        (0xe0020, 0xe007f),
        (0xf0000, 0xffffd),
        (0x100000, 0x10fffd),
    ];
    let c = c as u32;
    UNPRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                Ordering::Less
            } else if lo > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Value {
        Value::Number(s.parse().unwrap())
    }

    fn quoted(s: &str) -> String {
        let mut buf = Vec::new();
        go_quote(s, &mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn quotes_as_go() {
        assert_eq!(quoted(""), r#""""#);
        assert_eq!(quoted("pizza"), r#""pizza""#);
        assert_eq!(quoted("a\"b\\c'd"), r#""a\"b\\c'd""#);
        assert_eq!(
            quoted("\x07\x08\x0c\n\r\t\x0b\x00\x1f\x7f"),
            r#""\a\b\f\n\r\t\v\x00\x1f\x7f""#
        );
        assert_eq!(quoted("\u{80}\u{9f}"), r#""\u0080\u009f""#);
        assert_eq!(quoted("é ü ß 日本 😀"), "\"é ü ß 日本 😀\"");
        assert_eq!(
            quoted("\u{a0}\u{ad}\u{200b}\u{2028}\u{feff}\u{3000}"),
            r#""\u00a0\u00ad\u200b\u2028\ufeff\u3000""#
        );
        assert_eq!(quoted("\u{e0001}\u{f0000}"), r#""\U000e0001\U000f0000""#);
    }

    #[test]
    fn hash_bytes_as_go_cty() {
        let obj = Type::object([("name", Type::String), ("age", Type::Number)]);
        let v = Value::object([("name", "ermintrude".into()), ("age", 54.into())]);
        assert_eq!(hash_bytes(&v, &obj), br#"<54;"ermintrude";>"#);
        // A missing attribute is null.
        let v = Value::object([("name", "x".into())]);
        assert_eq!(hash_bytes(&v, &obj), br#"<~;"x";>"#);
        let set = Value::Set(vec![true.into(), true.into(), false.into()]);
        assert_eq!(hash_bytes(&set, &Type::set(Type::Bool)), b"[F;T;]");
        let m = Value::Map(
            [
                ("true".into(), true.into()),
                ("unknown".into(), Value::Unknown),
            ]
            .into(),
        );
        assert_eq!(
            hash_bytes(&m, &Type::map(Type::Bool)),
            br#"{"true":T;"unknown":?;}"#
        );
        let d = Value::dynamic(Type::Number, num("1e21"));
        assert_eq!(hash_bytes(&d, &Type::Dynamic), b"1e+21");
    }

    #[test]
    fn canonical_sets() {
        let strings = vec![
            "b".into(),
            Value::Null,
            "a".into(),
            Value::Unknown,
            "b".into(),
            Value::Null,
            Value::Unknown,
        ];
        assert_eq!(
            canonical(strings, &Type::String),
            vec![
                "a".into(),
                "b".into(),
                Value::Unknown,
                Value::Unknown,
                Value::Null
            ]
        );
        let numbers = vec![num("10"), num("9"), num("1.50"), num("1.5"), num("-1e400")];
        assert_eq!(
            canonical(numbers, &Type::Number),
            vec![num("-1e400"), num("1.5"), num("9"), num("10")]
        );
        let bools = vec![true.into(), false.into(), true.into()];
        assert_eq!(
            canonical(bools, &Type::Bool),
            vec![false.into(), true.into()]
        );
        // NFC-equal strings are one element.
        let nfc_pair = vec!["e\u{301}".into(), "\u{e9}".into()];
        assert_eq!(canonical(nfc_pair, &Type::String).len(), 1);
    }

    #[test]
    fn objects_order_by_hash_bytes_and_keep_ties_in_arrival_order() {
        let ty = Type::object([("n", Type::Number), ("s", Type::String)]);
        let o = |n: &str, s: Value| Value::object([("n", num(n)), ("s", s)]);
        let elements = vec![
            o("2", "b".into()),
            o("10", "a".into()),
            o("2", Value::Null),
            o("2", "b".into()),
            // Ten digits alike: one hash, two elements, arrival order.
            o("1.00000000002", "x".into()),
            o("1.00000000001", "x".into()),
            // Unknowns make elements distinct however alike.
            o("3", Value::Unknown),
            o("3", Value::Unknown),
        ];
        assert_eq!(
            canonical(elements, &ty),
            vec![
                // `<10;` sorts before `<1;` bytewise.
                o("10", "a".into()),
                o("1.00000000002", "x".into()),
                o("1.00000000001", "x".into()),
                o("2", "b".into()),
                o("2", Value::Null),
                o("3", Value::Unknown),
                o("3", Value::Unknown),
            ]
        );
    }

    #[test]
    fn nested_sets_are_compared_as_sets() {
        let ty = Type::set(Type::Number);
        let a = Value::Set(vec![num("2"), num("1")]);
        let b = Value::Set(vec![num("1"), num("2"), num("2.0")]);
        assert!(equivalent(&a, &b, &ty));
        let kept = canonical(vec![a, b], &ty);
        assert_eq!(kept, vec![Value::Set(vec![num("1"), num("2")])]);
        assert!(!equivalent(
            &Value::Set(vec![Value::Unknown]),
            &Value::Set(vec![Value::Unknown]),
            &ty
        ));
    }

    #[test]
    fn dynamic_elements() {
        let d = |t: Type, v: Value| Value::dynamic(t, v);
        let strings = vec![d(Type::String, "b".into()), d(Type::String, "a".into())];
        assert_eq!(
            canonical(strings, &Type::Dynamic),
            vec![d(Type::String, "a".into()), d(Type::String, "b".into())]
        );
        // Typed nulls are one null; mixed types (which go-cty cannot hold) are
        // ordered by hash bytes, whatever order they came in.
        let nulls = vec![d(Type::String, Value::Null), d(Type::Number, Value::Null)];
        assert_eq!(canonical(nulls, &Type::Dynamic).len(), 1);
        let mixed = vec![d(Type::String, "a".into()), d(Type::Number, 1.into())];
        let mut reversed = mixed.clone();
        reversed.reverse();
        assert_eq!(
            canonical(mixed, &Type::Dynamic),
            canonical(reversed, &Type::Dynamic)
        );
    }

    #[test]
    fn many_elements_alike_in_hash_are_deduplicated() {
        // How the time grows with n is shown by `cargo bench --bench codec`.
        let ty = Type::object([("n", Type::Number)]);
        let n = 20_000;
        // Distinct numbers alike in their first ten digits: one go-cty hash.
        let distinct: Vec<Value> = (0..n)
            .map(|i| Value::object([("n", num(&format!("1.0000000000{i:06}")))]))
            .collect();
        let unknowns = vec![Value::Unknown; n];
        assert_eq!(canonical(distinct, &ty).len(), n);
        assert_eq!(canonical(unknowns, &ty).len(), n);
    }

    #[test]
    fn order_rules() {
        assert!(less(&"a".into(), &"b".into(), &Type::String));
        assert!(!less(&"b".into(), &"a".into(), &Type::String));
        assert!(less(&"a".into(), &Value::Unknown, &Type::String));
        assert!(less(&Value::Unknown, &Value::Null, &Type::String));
        assert!(!less(&Value::Null, &Value::Unknown, &Type::String));
        assert!(!less(&Value::Unknown, &Value::Unknown, &Type::String));
        assert!(less(&false.into(), &true.into(), &Type::Bool));
        assert!(!less(&true.into(), &true.into(), &Type::Bool));
        assert!(less(&num("-1e400"), &num("0.5"), &Type::Number));
        // Compound types by hash bytes: `["boop";]` before `[]`.
        let ty = Type::list(Type::String);
        assert!(less(
            &Value::List(vec!["boop".into()]),
            &Value::List(vec![]),
            &ty
        ));
    }
}
