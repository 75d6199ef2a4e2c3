//! Acceptance tests of resource identity (Terraform 1.12+): identities in
//! state after create, update and import, `import { identity = {...} }` for
//! the cluster and the node pool, and the plan with no changes after it.
//! Real Terraform, the built provider and a local emulator.

mod support;

use support::{Emulator, Workspace};

const CLUSTER: &str = "xelon_kubernetes_cluster.x";
const POOL: &str = "xelon_kubernetes_node_pool.p";

fn cluster_config(name: &str) -> String {
    format!(
        r#"resource "xelon_kubernetes_cluster" "x" {{
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "{name}"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
  load_balancer = {{
    high_availability_enabled = false
  }}
}}
"#
    )
}

fn pool_config(cluster_id: &str, name: &str, nodes: u32) -> String {
    format!(
        r#"resource "xelon_kubernetes_node_pool" "p" {{
  kubernetes_cluster_id = {cluster_id}
  name                  = "{name}"
  node_count            = {nodes}
}}
"#
    )
}

/// The identity Terraform stored for `address`, and its schema version.
fn identity(ws: &Workspace, address: &str) -> (serde_json::Value, serde_json::Value) {
    let entry = ws.resource_entry(address);
    (
        entry["identity"].clone(),
        entry["identity_schema_version"].clone(),
    )
}

/// Plans `ws` (which imports one object) and checks the plan's summary: no
/// change in the rich profile; in the sdk profile, where the API reports no
/// versions, the configured versions are adopted in place (no replacement).
fn plan_imports_one(ws: &Workspace, versions_unknown: bool) {
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    let change = if versions_unknown && support::profile() == "sdk" {
        "1 to change"
    } else {
        "0 to change"
    };
    let summary = format!("1 to import, 0 to add, {change}, 0 to destroy");
    assert!(
        plan.stdout.contains(&summary),
        "{summary}:\n{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
}

#[test]
fn identities_are_recorded_at_create_and_kept_through_updates() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    let config = |nodes| {
        format!(
            "{}{}",
            cluster_config("identified"),
            pool_config("xelon_kubernetes_cluster.x.id", "workers", nodes)
        )
    };
    ws.config(&config(1));
    ws.apply();
    let cluster_id = ws.resource(CLUSTER)["id"].as_str().unwrap().to_string();
    let pool_id = ws.resource(POOL)["id"].as_str().unwrap().to_string();
    // The identities name what really exists.
    let truth = emu.truth(&cluster_id);
    assert_eq!(truth["pools"][0]["identifier"], pool_id.as_str());
    assert_eq!(
        identity(&ws, CLUSTER),
        (serde_json::json!({"id": cluster_id}), serde_json::json!(0))
    );
    let pool_identity = serde_json::json!({"kubernetes_cluster_id": cluster_id, "id": pool_id});
    assert_eq!(
        identity(&ws, POOL),
        (pool_identity.clone(), serde_json::json!(0))
    );

    // An update in place (scaling) keeps it; a refresh too.
    ws.config(&config(2));
    ws.apply();
    assert_eq!(
        emu.truth(&cluster_id)["pools"][0]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(identity(&ws, POOL).0, pool_identity);
    ws.tf(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    assert_eq!(identity(&ws, POOL).0, pool_identity);
    assert_eq!(identity(&ws, CLUSTER).0["id"], cluster_id.as_str());
    ws.assert_no_changes();
}

#[test]
fn cluster_import_by_identity_then_no_changes() {
    let emu = Emulator::start();
    let id = emu.create_cluster("adopted", true, false);
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}\nimport {{\n  to       = {CLUSTER}\n  identity = {{ id = \"{id}\" }}\n}}\n",
        cluster_config("adopted")
    ));
    plan_imports_one(&ws, true);
    emu.admin("DELETE", "requests", None);
    let run = ws.apply();
    assert!(
        run.stdout
            .contains(&format!("Importing... [identity=id={id}]")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 imported"), "{}", run.stdout);
    // Importing calls nothing that changes the cluster.
    assert_eq!(emu.changes_made(), Vec::<String>::new());
    let state = ws.resource(CLUSTER);
    assert_eq!(state["id"], id.as_str());
    assert_eq!(state["name"], "adopted");
    // The API (or, in the sdk profile, the token) names the tenant.
    assert_eq!(state["tenant_id"], "tenant-1");
    assert_eq!(state["control_plane"]["high_availability_enabled"], true);
    assert_eq!(state["load_balancer"]["high_availability_enabled"], false);
    assert_eq!(identity(&ws, CLUSTER).0, serde_json::json!({"id": id}));
    ws.assert_no_changes();
    // Still one cluster of that name: nothing was created.
    assert_eq!(emu.clusters().len(), 1);
}

#[test]
fn node_pool_import_by_identity_then_no_changes() {
    let emu = Emulator::start();
    let cluster = emu.create_cluster("host", false, false);
    let pool = emu.create_pool(&cluster, "workers", 2, (2, 4, 50), 0);
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}\nimport {{\n  to = {POOL}\n  identity = {{\n    kubernetes_cluster_id = \"{cluster}\"\n    id                    = \"{pool}\"\n  }}\n}}\n",
        pool_config(&format!("\"{cluster}\""), "workers", 2)
    ));
    plan_imports_one(&ws, false);
    ws.apply();
    let state = ws.resource(POOL);
    assert_eq!(state["id"], pool.as_str());
    assert_eq!(state["kubernetes_cluster_id"], cluster.as_str());
    assert_eq!(state["node_count"], 2);
    assert_eq!(
        identity(&ws, POOL).0,
        serde_json::json!({"kubernetes_cluster_id": cluster, "id": pool})
    );
    ws.assert_no_changes();
    assert_eq!(
        emu.truth(&cluster)["pools"].as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn import_by_identity_generates_config_that_applies_without_changes() {
    let emu = Emulator::start();
    let cluster = emu.create_cluster("host", false, false);
    let pool = emu.create_pool(&cluster, "generated", 1, (4, 8, 100), 20);
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "import {{\n  to = {POOL}\n  identity = {{\n    kubernetes_cluster_id = \"{cluster}\"\n    id                    = \"{pool}\"\n  }}\n}}\n"
    ));
    ws.tf(&["plan", "-no-color", "-generate-config-out=generated.tf"])
        .ok();
    let generated = ws.read("generated.tf");
    for line in [
        "cpu_core_count        = 4",
        "memory                = 8",
        "disk_size             = 100",
        "extra_storage_size    = 20",
        "name                  = \"generated\"",
        "node_count            = 1",
    ] {
        assert!(generated.contains(line), "{line}:\n{generated}");
    }
    ws.apply();
    assert_eq!(ws.resource(POOL)["id"], pool.as_str());
    ws.assert_no_changes();
}

#[test]
fn import_by_identity_of_an_object_that_does_not_exist_fails() {
    let emu = Emulator::start();
    let cluster = emu.create_cluster("host", false, false);
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}\nimport {{\n  to       = {CLUSTER}\n  identity = {{ id = \"k8s-nothing\" }}\n}}\n",
        cluster_config("host")
    ));
    ws.plan()
        .fails_with(&["Cannot import non-existent remote object"]);
    ws.config(&format!(
        "{}\nimport {{\n  to = {POOL}\n  identity = {{\n    kubernetes_cluster_id = \"{cluster}\"\n    id                    = \"pool-nothing\"\n  }}\n}}\n",
        pool_config(&format!("\"{cluster}\""), "workers", 1)
    ));
    ws.plan()
        .fails_with(&["Cannot import non-existent remote object"]);
    // An identity that names nothing is refused before any API call.
    ws.config(&format!(
        "{}\nimport {{\n  to       = {CLUSTER}\n  identity = {{ id = \"\" }}\n}}\n",
        cluster_config("host")
    ));
    ws.plan()
        .fails_with(&["Invalid import identity", "\"id\" is empty"]);
    assert!(!ws.path().join("terraform.tfstate").exists());
}
