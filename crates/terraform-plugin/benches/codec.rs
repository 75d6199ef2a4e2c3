//! `cargo bench --bench codec`: how fast the value codecs turn a realistic
//! state (a node pool with 50 nodes, in a cluster-sized object) into
//! msgpack and JSON and back. Prints a table; asserts nothing about time.

use std::hint::black_box;
use std::time::Instant;

use terraform_plugin::cty::{
    Type, Value, decode_json, decode_msgpack, encode_json, encode_msgpack,
};

fn pool_type() -> Type {
    let node = Type::object([
        ("id", Type::String),
        ("name", Type::String),
        ("status", Type::String),
    ]);
    Type::object([
        ("id", Type::String),
        ("kubernetes_cluster_id", Type::String),
        ("name", Type::String),
        ("cpu_core_count", Type::Number),
        ("memory", Type::Number),
        ("disk_size", Type::Number),
        ("extra_storage_size", Type::Number),
        ("node_count", Type::Number),
        ("nodes", Type::list(node)),
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

fn pool_value(nodes: usize) -> Value {
    Value::object([
        ("id", Value::string("pool-0123456789ab")),
        ("kubernetes_cluster_id", Value::string("k8s-0123456789ab")),
        ("name", Value::string("workers")),
        ("cpu_core_count", Value::number(4)),
        ("memory", Value::number(16)),
        ("disk_size", Value::number(100)),
        ("extra_storage_size", Value::number(0)),
        ("node_count", Value::number(nodes as i64)),
        (
            "nodes",
            Value::List(
                (0..nodes)
                    .map(|i| {
                        Value::object([
                            ("id", Value::string(format!("node-{i:06}"))),
                            ("name", Value::string(format!("staging-workers-{i}"))),
                            ("status", Value::string("Deployed")),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("timeouts", Value::Null),
    ])
}

/// Runs `f` for about half a second and returns nanoseconds per call.
fn time(mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let mut iterations = 0u64;
    let start = Instant::now();
    while start.elapsed().as_millis() < 500 {
        for _ in 0..100 {
            f();
        }
        iterations += 100;
    }
    start.elapsed().as_nanos() as f64 / iterations as f64
}

fn main() {
    let ty = pool_type();
    let value = pool_value(50);
    let msgpack = encode_msgpack(&value, &ty).expect("encode msgpack");
    let json = encode_json(&value, &ty).expect("encode json");
    let json_text = json.to_string();
    let rows = [
        (
            "msgpack encode",
            msgpack.len(),
            time(|| {
                black_box(encode_msgpack(black_box(&value), &ty).ok());
            }),
        ),
        (
            "msgpack decode",
            msgpack.len(),
            time(|| {
                black_box(decode_msgpack(black_box(&msgpack), &ty).ok());
            }),
        ),
        (
            "JSON encode",
            json_text.len(),
            time(|| {
                black_box(encode_json(black_box(&value), &ty).ok());
            }),
        ),
        (
            "JSON decode (stored state)",
            json_text.len(),
            time(|| {
                black_box(decode_json(black_box(&json), &ty).ok());
            }),
        ),
    ];
    println!("\n## cty codecs: a node pool state with 50 nodes\n");
    println!("| operation | bytes | time per call | throughput |");
    println!("| --- | --- | --- | --- |");
    for (name, bytes, ns) in rows {
        let mib_s = bytes as f64 / ns * 1e9 / (1 << 20) as f64;
        println!(
            "| {name} | {bytes} | {:.1} µs | {mib_s:.0} MiB/s |",
            ns / 1000.0
        );
    }

    // Sets dedupe by an exact key: the time per element stays flat as a set
    // of elements alike in go-cty's hash (numbers alike in ten digits) grows.
    println!("\n## cty sets: decoding a set of n objects alike in go-cty's hash\n");
    println!("| n | time per call | per element |");
    println!("| --- | --- | --- |");
    let ty = Type::set(Type::object([("n", Type::Number)]));
    for n in [2_000usize, 8_000, 32_000] {
        let set = Value::Set(
            (0..n)
                .map(|i| {
                    let digits = format!("1.0000000000{i:06}");
                    Value::object([("n", Value::Number(digits.parse().expect("a number")))])
                })
                .collect(),
        );
        let bytes = encode_msgpack(&set, &ty).expect("encode set");
        let ns = time(|| {
            black_box(decode_msgpack(black_box(&bytes), &ty).ok());
        });
        println!("| {n} | {:.2} ms | {:.0} ns |", ns / 1e6, ns / n as f64);
    }
}
