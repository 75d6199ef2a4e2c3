//! `xelon_kubernetes_cluster`: validation, plans, the whole lifecycle,
//! refresh, drift and import.

use serde_json::json;
use xelon_emulator::ApiProfile;
use xelon_provider::cty::Value;

use crate::harness::{Harness, profile};
use crate::values::{assert_no_errors, at, diagnostics_text, errors, int, text};

pub const CLUSTER: &str = "xelon_kubernetes_cluster";

/// A cluster configuration: `cpu` control-plane cores (the rest default),
/// a load balancer without high availability.
pub fn cluster_config(name: &str, cpu: i64) -> serde_json::Value {
    json!({
        "name": name, "cloud_id": "cloud-1", "tenant_id": "tenant-1",
        "kubernetes_version": "1.31.2", "talos_version": "1.8.3",
        "control_plane": {"cpu_core_count": cpu},
        "load_balancer": {"high_availability_enabled": false}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_are_errors_on_their_attribute() {
    let mut h = Harness::start().await;
    assert_no_errors(
        &h.validate(CLUSTER, cluster_config("ok", 2)).await,
        "valid config",
    );

    let mut cfg = cluster_config("c", 0);
    let diags = h.validate(CLUSTER, cfg.clone()).await;
    assert_eq!(
        errors(&diags)
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        ["control_plane.cpu_core_count"],
        "{diags:#?}"
    );

    cfg["control_plane"]["cpu_core_count"] = json!(2);
    cfg["name"] = json!("");
    cfg["timeouts"] = json!({"create": "soon"});
    let diags = h.validate(CLUSTER, cfg).await;
    let mut paths: Vec<String> = errors(&diags).into_iter().map(|e| e.0).collect();
    paths.sort();
    assert_eq!(paths, ["name", "timeouts.create"], "{diags:#?}");

    // The version pair is checked against the cloud's offer at plan time.
    let mut cfg = cluster_config("c", 2);
    cfg["kubernetes_version"] = json!("1.29.10");
    let plan = h.plan(CLUSTER, &Value::Null, cfg).await;
    let errs = errors(&plan.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "kubernetes_version", "{errs:?}");
    assert!(h.clusters().await.is_empty(), "a plan creates nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_create_refresh_update_replace_plan_and_delete() {
    let mut h = Harness::start().await;

    // Plan the create: defaults planned, computed attributes unknown.
    let plan = h
        .plan(CLUSTER, &Value::Null, cluster_config("life", 2))
        .await;
    assert_no_errors(&plan.diagnostics, "plan");
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert!(at(&plan.planned, "id").is_unknown());
    assert!(
        at(&plan.planned, "kube_config_raw").is_null(),
        "the deprecated kubeconfig is planned null: never stored"
    );
    assert_eq!(int(&plan.planned, "control_plane.memory"), 4, "default");
    assert_eq!(
        int(&plan.planned, "load_balancer.cpu_core_count"),
        2,
        "default"
    );
    assert_eq!(
        at(&plan.planned, "control_plane.high_availability_enabled"),
        &Value::Bool(true)
    );
    assert!(h.clusters().await.is_empty(), "a plan creates nothing");

    // Apply it: one cluster, as planned.
    let applied = h.apply(&plan).await;
    assert_no_errors(&applied.diagnostics, "apply");
    let state = applied.state;
    let id = text(&state, "id").to_owned();
    let truth = h.clusters().await;
    assert_eq!(truth.len(), 1, "{truth:#?}");
    assert_eq!(truth[0]["cluster"]["identifier"], id.as_str());
    assert_eq!(truth[0]["cluster"]["name"], "life");
    assert_eq!(truth[0]["cluster"]["status"], "Ready");
    assert_eq!(truth[0]["controlPlane"]["controlPlaneCpu"], 2);
    assert_eq!(truth[0]["controlPlane"]["controlPlaneRam"], 4);
    assert!(
        at(&state, "kube_config_raw").is_null(),
        "no client key in state"
    );
    assert_eq!(text(&state, "status"), "Ready");

    // A refresh finds nothing changed.
    let read = h.read(CLUSTER, &state).await;
    assert_no_errors(&read.diagnostics, "refresh");
    assert_eq!(read.state, state);

    // A control-plane resize is planned in place, keeping the ID.
    let plan = h.plan(CLUSTER, &state, cluster_config("life", 4)).await;
    assert_no_errors(&plan.diagnostics, "plan update");
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert_eq!(int(&plan.planned, "control_plane.cpu_core_count"), 4);
    assert_eq!(text(&plan.planned, "id"), id);
    assert!(at(&plan.planned, "kube_config_raw").is_null());
    assert!(
        at(&plan.planned, "status").is_unknown(),
        "a resize makes the cluster busy: its status is known after apply"
    );

    // A rename (alone or with the resize) requires a replacement.
    let rename = h.plan(CLUSTER, &state, cluster_config("renamed", 4)).await;
    assert_no_errors(&rename.diagnostics, "plan rename");
    assert_eq!(rename.requires_replace, ["name"]);

    // Apply the resize: the same cluster, resized.
    h.admin("DELETE", "requests", None).await;
    let applied = h.apply(&plan).await;
    assert_no_errors(&applied.diagnostics, "apply update");
    let state = applied.state;
    assert_eq!(int(&state, "control_plane.cpu_core_count"), 4);
    let truth = h.clusters().await;
    assert_eq!(truth.len(), 1, "{truth:#?}");
    assert_eq!(truth[0]["cluster"]["identifier"], id.as_str());
    assert_eq!(truth[0]["controlPlane"]["controlPlaneCpu"], 4);
    assert_eq!(
        truth[0]["controlPlane"]["controlPlaneRam"], 4,
        "memory unchanged"
    );
    let (_, requests) = h.admin("GET", "requests", None).await;
    let changes: Vec<&String> = requests["by_route"]
        .as_object()
        .expect("by_route")
        .keys()
        .filter(|r| !r.starts_with("GET "))
        .collect();
    assert_eq!(
        changes,
        ["PATCH /kubernetes/{id}/control-planes"],
        "{requests}"
    );

    // Refreshed again: no drift, so the same configuration plans nothing.
    let read = h.read(CLUSTER, &state).await;
    assert_eq!(read.state, state);
    let again = h.plan(CLUSTER, &state, cluster_config("life", 4)).await;
    assert_eq!(again.planned, state, "an empty plan");

    // Destroy: null state, nothing left.
    let destroyed = h.destroy(CLUSTER, &state).await;
    assert_no_errors(&destroyed.diagnostics, "destroy");
    assert!(destroyed.state.is_null());
    assert!(h.clusters().await.is_empty(), "{:#?}", h.clusters().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_read_and_a_cluster_deleted_out_of_band_leaves_the_state() {
    let mut h = Harness::start().await;
    let state = h.create(CLUSTER, cluster_config("drifting", 2)).await;
    let id = text(&state, "id").to_owned();

    // Someone resizes the control plane outside Terraform.
    let (status, body) = h
        .api(
            "PATCH",
            &format!("kubernetes/{id}/control-planes"),
            Some(json!({"cpuCoreCount": 6, "memory": 4, "disk": 50})),
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let read = h.read(CLUSTER, &state).await;
    assert_no_errors(&read.diagnostics, "refresh");
    assert_eq!(
        int(&read.state, "control_plane.cpu_core_count"),
        6,
        "drift read"
    );
    // ... so the configuration (2 cores) plans the resize back, in place.
    let plan = h
        .plan(CLUSTER, &read.state, cluster_config("drifting", 2))
        .await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(int(&plan.planned, "control_plane.cpu_core_count"), 2);

    // Someone deletes it: the refresh removes it from state, no error.
    let (status, body) = h.api("DELETE", &format!("kubernetes/{id}"), None).await;
    assert!(status < 300, "{status} {body}");
    let read = h.read(CLUSTER, &state).await;
    assert_no_errors(&read.diagnostics, "refresh of a deleted cluster");
    assert!(read.state.is_null(), "{:?}", read.state);
    // Destroying what is already gone succeeds.
    let destroyed = h.destroy(CLUSTER, &state).await;
    assert_no_errors(&destroyed.diagnostics, "destroy of a deleted cluster");
    assert!(destroyed.state.is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_then_read_fills_the_state() {
    let mut h = Harness::start().await;
    let id = h.api_cluster("imported").await;

    let imported = h.import(CLUSTER, &id).await;
    assert_no_errors(&imported.diagnostics, "import");
    assert_eq!(text(&imported.state, "id"), id);
    assert!(
        at(&imported.state, "name").is_null(),
        "import only knows the ID"
    );

    let read = h.read(CLUSTER, &imported.state).await;
    assert_no_errors(&read.diagnostics, "read after import");
    let s = &read.state;
    assert_eq!(text(s, "id"), id);
    assert_eq!(text(s, "name"), "imported");
    assert_eq!(text(s, "cloud_id"), "cloud-1");
    assert_eq!(text(s, "tenant_id"), "tenant-1");
    // As created through the API: 4 cores, 8 GB, 60 GB, HA; the load balancer not HA.
    assert_eq!(int(s, "control_plane.cpu_core_count"), 4);
    assert_eq!(int(s, "control_plane.memory"), 8);
    assert_eq!(int(s, "control_plane.disk_size"), 60);
    assert_eq!(
        at(s, "control_plane.high_availability_enabled"),
        &Value::Bool(true)
    );
    assert_eq!(
        at(s, "load_balancer.high_availability_enabled"),
        &Value::Bool(false)
    );
    assert!(at(s, "kube_config_raw").is_null(), "no client key in state");
    match profile() {
        ApiProfile::Rich => {
            assert_eq!(text(s, "kubernetes_version"), "1.31.2");
            assert_eq!(text(s, "talos_version"), "1.8.3");
        }
        // The SDK's cluster carries no versions: unknown to an import.
        ApiProfile::Sdk => {
            assert!(at(s, "kubernetes_version").is_null());
            assert!(at(s, "talos_version").is_null());
        }
    }

    // The matching configuration plans no replacement (and, where the API
    // reports the versions, no change at all).
    let mut cfg = cluster_config("imported", 4);
    cfg["control_plane"] = json!({"cpu_core_count": 4, "memory": 8, "disk_size": 60});
    let plan = h.plan(CLUSTER, s, cfg).await;
    assert_no_errors(&plan.diagnostics, "plan after import");
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    if profile() == ApiProfile::Rich {
        assert_eq!(&plan.planned, s, "an empty plan");
    }

    // `<tenant>/<id>` names the tenant; anything else is refused.
    let with_tenant = h.import(CLUSTER, &format!("tenant-1/{id}")).await;
    assert_eq!(text(&with_tenant.state, "tenant_id"), "tenant-1");
    let bad = h.import(CLUSTER, "a/b/c").await;
    assert!(bad.state.is_null());
    assert_eq!(errors(&bad.diagnostics).len(), 1, "{:#?}", bad.diagnostics);
    assert!(diagnostics_text(&bad.diagnostics).contains("<tenant_id>/<cluster_id>"));
    assert_eq!(h.clusters().await.len(), 1, "imports create nothing");
}
