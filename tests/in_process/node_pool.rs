//! `xelon_kubernetes_node_pool`: validation, plans, the whole lifecycle,
//! refresh and import.

use serde_json::json;
use xelon_provider::cty::Value;

use crate::harness::Harness;
use crate::values::{assert_no_errors, at, diagnostics_text, errors, has_errors, int, text};

pub const POOL: &str = "xelon_kubernetes_node_pool";

fn pool_config(cluster: &str, name: &str, nodes: i64, cpu: i64) -> serde_json::Value {
    json!({
        "kubernetes_cluster_id": cluster, "name": name,
        "node_count": nodes, "cpu_core_count": cpu
    })
}

/// The IDs of the nodes of a pool's state, in order.
fn node_ids(state: &Value) -> Vec<String> {
    at(state, "nodes")
        .elements()
        .expect("a node list")
        .iter()
        .map(|n| text(n, "id").to_owned())
        .collect()
}

/// The IDs of the nodes of pool `pool` in the truth of `cluster`.
async fn true_node_ids(h: &Harness, cluster: &str, pool: &str) -> Vec<String> {
    let truth = h.truth(cluster).await;
    let pools = truth["pools"].as_array().expect("pools");
    let pool = pools
        .iter()
        .find(|p| p["identifier"] == pool)
        .unwrap_or_else(|| panic!("no pool {pool} in {truth:#}"));
    pool["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["identifier"].as_str().expect("node id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_are_errors_on_their_attribute() {
    let mut h = Harness::start().await;
    let diags = h.validate(POOL, pool_config("k8s-x", "p", 0, 0)).await;
    let mut paths: Vec<String> = errors(&diags).into_iter().map(|e| e.0).collect();
    paths.sort();
    assert_eq!(paths, ["cpu_core_count", "node_count"], "{diags:#?}");
    assert_no_errors(
        &h.validate(POOL, pool_config("k8s-x", "p", 1, 1)).await,
        "valid",
    );

    // A pool in a cluster the API does not know is refused at plan time.
    let plan = h
        .plan(POOL, &Value::Null, pool_config("k8s-missing", "p", 1, 2))
        .await;
    let errs = errors(&plan.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "kubernetes_cluster_id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_create_refresh_scale_resize_rename_and_delete() {
    let mut h = Harness::start().await;
    let cluster = h.api_cluster("pools").await;

    let plan = h
        .plan(POOL, &Value::Null, pool_config(&cluster, "workers", 1, 2))
        .await;
    assert_no_errors(&plan.diagnostics, "plan");
    assert!(at(&plan.planned, "id").is_unknown());
    assert!(at(&plan.planned, "nodes").is_unknown());
    assert_eq!(int(&plan.planned, "memory"), 4, "default");
    assert_eq!(int(&plan.planned, "extra_storage_size"), 0, "default");

    let applied = h.apply(&plan).await;
    assert_no_errors(&applied.diagnostics, "apply");
    let state = applied.state;
    let id = text(&state, "id").to_owned();
    let truth = h.truth(&cluster).await;
    assert_eq!(
        truth["pools"].as_array().map(Vec::len),
        Some(1),
        "{truth:#}"
    );
    assert_eq!(truth["pools"][0]["identifier"], id.as_str());
    assert_eq!(truth["pools"][0]["name"], "workers");
    assert_eq!(node_ids(&state), true_node_ids(&h, &cluster, &id).await);
    assert_eq!(node_ids(&state).len(), 1);
    for node in at(&state, "nodes").elements().expect("nodes") {
        assert_eq!(text(node, "status"), "Deployed");
    }

    let read = h.read(POOL, &state).await;
    assert_no_errors(&read.diagnostics, "refresh");
    assert_eq!(read.state, state);

    // Scale to 2 and resize to 4 cores in one apply: in place, with a warning.
    let plan = h
        .plan(POOL, &state, pool_config(&cluster, "workers", 2, 4))
        .await;
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert!(!has_errors(&plan.diagnostics));
    assert!(
        diagnostics_text(&plan.diagnostics).contains("Scaling and resizing in one apply"),
        "{:#?}",
        plan.diagnostics
    );
    let applied = h.apply(&plan).await;
    assert_no_errors(&applied.diagnostics, "apply update");
    let state = applied.state;
    assert_eq!(int(&state, "node_count"), 2);
    let truth = h.truth(&cluster).await;
    assert_eq!(truth["pools"][0]["cpu"], 4, "{truth:#}");
    assert_eq!(node_ids(&state), true_node_ids(&h, &cluster, &id).await);
    assert_eq!(node_ids(&state).len(), 2);

    // A rename is in place; another cluster means a new pool.
    let rename = h
        .plan(POOL, &state, pool_config(&cluster, "renamed", 2, 4))
        .await;
    assert!(
        rename.requires_replace.is_empty(),
        "{:?}",
        rename.requires_replace
    );
    let applied = h.apply(&rename).await;
    assert_no_errors(&applied.diagnostics, "rename");
    assert_eq!(h.truth(&cluster).await["pools"][0]["name"], "renamed");
    let state = applied.state;
    let other = h.api_cluster("other").await;
    let moved = h
        .plan(POOL, &state, pool_config(&other, "renamed", 2, 4))
        .await;
    assert_eq!(moved.requires_replace, ["kubernetes_cluster_id"]);

    let destroyed = h.destroy(POOL, &state).await;
    assert_no_errors(&destroyed.diagnostics, "destroy");
    assert!(destroyed.state.is_null());
    let truth = h.truth(&cluster).await;
    assert_eq!(truth["pools"], json!([]), "{truth:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_then_read_fills_the_state_and_out_of_band_deletes_leave_it() {
    let mut h = Harness::start().await;
    let cluster = h.api_cluster("c").await;
    let pool = h.api_pool(&cluster, "storage", 2, 20).await;

    let imported = h.import(POOL, &format!("{cluster}/{pool}")).await;
    assert_no_errors(&imported.diagnostics, "import");
    let read = h.read(POOL, &imported.state).await;
    assert_no_errors(&read.diagnostics, "read after import");
    let s = &read.state;
    assert_eq!(text(s, "id"), pool);
    assert_eq!(text(s, "kubernetes_cluster_id"), cluster);
    assert_eq!(text(s, "name"), "storage");
    assert_eq!(int(s, "node_count"), 2);
    assert_eq!(int(s, "extra_storage_size"), 20);
    assert_eq!(int(s, "cpu_core_count"), 2);
    assert_eq!(node_ids(s), true_node_ids(&h, &cluster, &pool).await);
    // The matching configuration plans nothing.
    let mut cfg = pool_config(&cluster, "storage", 2, 2);
    cfg["extra_storage_size"] = json!(20);
    let plan = h.plan(POOL, s, cfg).await;
    assert_eq!(&plan.planned, s, "an empty plan");

    let bad = h.import(POOL, &pool).await;
    assert!(bad.state.is_null());
    assert!(has_errors(&bad.diagnostics));

    // Deleted outside Terraform: the refresh drops it without an error.
    let (status, body) = h
        .api(
            "DELETE",
            &format!("kubernetes/{cluster}/pools/{pool}"),
            None,
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let read = h.read(POOL, s).await;
    assert_no_errors(&read.diagnostics, "refresh of a deleted pool");
    assert!(read.state.is_null(), "{:?}", read.state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_the_api_rejects_are_errors_on_their_attributes() {
    let mut h = Harness::start().await;
    let cluster = h.api_cluster("limits").await;

    // The create's 422 (`workerNodeRam`) lands on `memory`; nothing is made.
    let mut cfg = pool_config(&cluster, "big", 1, 2);
    cfg["memory"] = json!(100_000);
    let plan = h.plan(POOL, &Value::Null, cfg).await;
    assert_no_errors(&plan.diagnostics, "plan");
    let applied = h.apply(&plan).await;
    let errs = errors(&applied.diagnostics);
    assert_eq!(
        errs,
        [(
            "memory".to_owned(),
            "The Xelon API rejected this value".to_owned()
        )],
        "{:#?}",
        applied.diagnostics
    );
    assert!(applied.state.is_null(), "{:?}", applied.state);
    assert_eq!(h.truth(&cluster).await["pools"], json!([]));

    // The resize's 422 (`cpuCoreCount`) lands on `cpu_core_count`, and the
    // pool stays in state as it is.
    let state = h.create(POOL, pool_config(&cluster, "small", 1, 2)).await;
    let plan = h
        .plan(POOL, &state, pool_config(&cluster, "small", 1, 1000))
        .await;
    assert_no_errors(&plan.diagnostics, "plan");
    let applied = h.apply(&plan).await;
    let errs = errors(&applied.diagnostics);
    assert_eq!(
        errs,
        [(
            "cpu_core_count".to_owned(),
            "The Xelon API rejected this value".to_owned()
        )],
        "{:#?}",
        applied.diagnostics
    );
    assert_eq!(text(&applied.state, "id"), text(&state, "id"));
    assert_eq!(int(&applied.state, "cpu_core_count"), 2);
}
