//! Acceptance tests against an emulator that answers like Xelon's published
//! SDK describes the API, not like our client hopes (`--api-profile sdk`):
//! no versions or tenant on a cluster, empty parts while busy, and, with
//! `--stale-reads`, an API that shows a change only a while after accepting
//! it. Real Terraform drives the built provider, as in every acceptance test.

mod support;

use serde_json::json;
use support::{Emulator, Workspace};

const X: &str = "xelon_kubernetes_cluster.x";

/// An SDK-shaped emulator whose changes show only 2 s after they are
/// accepted (status `Ready` and the old values until then).
fn stale_emulator() -> Emulator {
    Emulator::start_with(&[
        "--api-profile",
        "sdk",
        "--stale-reads",
        "2s",
        "--provision-delay",
        "2s",
        "--node-delay",
        "1s",
    ])
}

fn cluster_config(tenant: &str, talos: &str, k8s: &str) -> String {
    format!(
        r#"
resource "xelon_kubernetes_cluster" "x" {{
  cloud_id           = "cloud-1"
  tenant_id          = "{tenant}"
  name               = "real"
  talos_version      = "{talos}"
  kubernetes_version = "{k8s}"
  control_plane      = {{ high_availability_enabled = false }}
  load_balancer      = {{ high_availability_enabled = false }}
}}
"#
    )
}

fn cluster_id(ws: &Workspace) -> String {
    ws.resource(X)["id"]
        .as_str()
        .expect("cluster id")
        .to_string()
}

/// API calls per route since the last reset.
fn calls(emu: &Emulator, route: &str) -> i64 {
    let (_, counts) = emu.admin("GET", "requests", None);
    counts["by_route"][route].as_i64().unwrap_or(0)
}

fn arm(emu: &Emulator, fault: serde_json::Value) {
    let (status, body) = emu.admin("POST", "faults", Some(fault));
    assert_eq!(status, 201, "{body}");
}

#[test]
fn talos_and_kubernetes_upgrade_in_one_apply_despite_stale_reads() {
    let emu = stale_emulator();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("tenant-1", "1.8.3", "1.31.2"));
    ws.apply();
    let id = cluster_id(&ws);
    ws.assert_no_changes();

    ws.config(&cluster_config("tenant-1", "1.9.1", "1.32.0"));
    emu.admin("DELETE", "requests", None);
    ws.apply();
    // Each upgrade went out once: the second waited until the first was
    // really done (a Ready answer right after the call proves nothing).
    assert_eq!(calls(&emu, "POST /kubernetes/{id}/talos-version"), 1);
    assert_eq!(calls(&emu, "POST /kubernetes/{id}/k8s-version"), 1);
    let truth = emu.truth(&id);
    assert_eq!(truth["cluster"]["talosVersion"], "1.9.1");
    assert_eq!(truth["cluster"]["k8sVersion"], "1.32.0");
    assert_eq!(truth["cluster"]["status"], "Ready");
    let state = ws.resource(X);
    assert_eq!(state["talos_version"], "1.9.1");
    assert_eq!(state["kubernetes_version"], "1.32.0");
    ws.assert_no_changes();
}

#[test]
fn an_upgrade_failing_at_its_second_step_leaves_only_that_step_to_plan() {
    let emu = stale_emulator();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("tenant-1", "1.8.3", "1.31.2"));
    ws.apply();
    let id = cluster_id(&ws);

    // Talos goes first (1.9.1 runs Kubernetes 1.31.2); Kubernetes then fails.
    arm(
        &emu,
        json!({"method": "POST", "path_prefix": format!("/api/v2/kubernetes/{id}/k8s-version"),
               "status": 500, "message": "injected failure"}),
    );
    ws.config(&cluster_config("tenant-1", "1.9.1", "1.32.0"));
    ws.tf(&["apply", "-auto-approve", "-no-color"])
        .fails_with(&["upgrading Kubernetes", "injected failure"]);
    assert_eq!(emu.truth(&id)["cluster"]["talosVersion"], "1.9.1");
    let state = ws.resource(X);
    assert_eq!(state["talos_version"], "1.9.1", "{state}");
    assert_eq!(state["kubernetes_version"], "1.31.2", "{state}");

    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("kubernetes_version")
            && plan.stdout.contains("\"1.31.2\" -> \"1.32.0\"")
            && !plan.stdout.contains("talos_version      = \"1.8.3\"")
            && !plan.stdout.contains("\"1.8.3\" -> \"1.9.1\""),
        "{}",
        plan.stdout
    );
    emu.admin("DELETE", "requests", None);
    ws.apply();
    assert_eq!(calls(&emu, "POST /kubernetes/{id}/talos-version"), 0);
    assert_eq!(calls(&emu, "POST /kubernetes/{id}/k8s-version"), 1);
    assert_eq!(emu.truth(&id)["cluster"]["k8sVersion"], "1.32.0");
    ws.assert_no_changes();
}

#[test]
fn unreported_parts_during_a_refresh_plan_no_changes() {
    let emu = stale_emulator();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("tenant-1", "1.8.3", "1.31.2"));
    ws.apply();
    let id = cluster_id(&ws);
    let before = ws.resource(X);
    assert_eq!(before["load_balancer"]["cpu_core_count"], 2);

    // The API answers `[]` for the load balancer and `{}` for the control
    // plane, as the SDK allows: neither zeros nor a replacement.
    for (part, body) in [("load-balancers", json!([])), ("control-planes", json!({}))] {
        arm(
            &emu,
            json!({"method": "GET", "path_prefix": format!("/api/v2/kubernetes/{id}/{part}"),
                   "body": body, "count": 10}),
        );
    }
    ws.assert_no_changes();
    ws.tf(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    let after = ws.resource(X);
    assert_eq!(after["load_balancer"], before["load_balancer"]);
    assert_eq!(after["control_plane"], before["control_plane"]);
    let (_, faults) = emu.admin("GET", "faults", None);
    let left: Vec<i64> = faults["rules"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["count"].as_i64()).collect())
        .unwrap_or_default();
    assert!(
        left.len() == 2 && left.iter().all(|n| *n < 10),
        "both canned answers were served: {faults}"
    );
}

/// A reseller's cluster of another tenant, made outside Terraform.
fn sub_tenant_cluster(emu: &Emulator) -> String {
    emu.create_cluster_of("tenant-2", "real", false, false)
}

/// The plan after importing a cluster whose versions the API does not
/// report: the versions are adopted in place, nothing is replaced.
fn assert_adopts_without_replacement(emu: &Emulator, ws: &Workspace, import: &str) {
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout
            .contains(&format!("{import}0 to add, 1 to change, 0 to destroy"))
            && !plan.stdout.contains("forces replacement")
            && plan.stdout.contains("+ talos_version"),
        "{}",
        plan.stdout
    );
    emu.admin("DELETE", "requests", None);
    ws.apply();
    assert_eq!(
        emu.changes_made(),
        Vec::<String>::new(),
        "no change call expected"
    );
    assert_eq!(ws.resource(X)["tenant_id"], "tenant-2");
    ws.assert_no_changes();
}

#[test]
fn import_of_a_sub_tenants_cluster_plans_no_replacement() {
    let emu = stale_emulator();
    let id = sub_tenant_cluster(&emu);

    // With the command.
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("tenant-2", "1.8.3", "1.31.2"));
    ws.tf(&["import", "-no-color", X, &format!("tenant-2/{id}")])
        .ok();
    let state = ws.resource(X);
    assert_eq!(state["tenant_id"], "tenant-2");
    assert!(state["talos_version"].is_null(), "{state}");
    assert_adopts_without_replacement(&emu, &ws, "");

    // With an import block.
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}\nimport {{\n  to = {X}\n  id = \"tenant-2/{id}\"\n}}\n",
        cluster_config("tenant-2", "1.8.3", "1.31.2")
    ));
    assert_adopts_without_replacement(&emu, &ws, "1 to import, ");
}

#[test]
fn import_takes_the_tenant_from_the_cluster_where_the_api_names_it() {
    let emu = Emulator::start_with(&["--api-profile", "rich", "--provision-delay", "300ms"]);
    let id = sub_tenant_cluster(&emu);
    let ws = Workspace::new(&emu);
    ws.config(&format!("import {{\n  to = {X}\n  id = \"{id}\"\n}}\n"));
    ws.tf(&["plan", "-no-color", "-generate-config-out=generated.tf"])
        .ok();
    let generated = ws.read("generated.tf");
    assert!(generated.contains("\"tenant-2\""), "{generated}");
    let plan = ws.tf(&["plan", "-no-color"]).ok();
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    ws.apply();
    assert_eq!(ws.resource(X)["tenant_id"], "tenant-2");
    ws.assert_no_changes();
}

#[test]
fn the_resource_never_reads_the_kubeconfig() {
    let emu = stale_emulator();
    arm(
        &emu,
        json!({"method": "GET", "path_prefix": "/api/v2/kubernetes/", "path_suffix": "/config/kube",
               "status": 500, "count": 1000, "message": "config service down"}),
    );
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("tenant-1", "1.8.3", "1.31.2"));
    let run = ws.apply();
    assert!(!run.all().contains("config service down"), "{}", run.all());
    let entry = ws.resource_entry(X);
    assert_ne!(entry["tainted"], true, "{entry}");
    assert!(entry["values"]["kube_config_raw"].is_null(), "{entry}");
    ws.assert_no_changes();
    // Create, refresh and plan never asked for it: no client key in state.
    assert_eq!(calls(&emu, "GET /kubernetes/{id}/config/kube"), 0);
}
