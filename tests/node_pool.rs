//! Acceptance tests of `xelon_kubernetes_node_pool`, alone and together with
//! its cluster: real Terraform, the built provider and a local emulator.

mod support;

use support::{Emulator, Workspace};

const CLUSTER: &str = r#"
resource "xelon_kubernetes_cluster" "x" {
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "NAME"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
}
"#;

fn cluster(name: &str) -> String {
    CLUSTER.replace("NAME", name)
}

fn pool(label: &str, body: &str) -> String {
    format!(
        "resource \"xelon_kubernetes_node_pool\" \"{label}\" {{\n  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id\n{body}\n}}\n"
    )
}

/// The pool as it really is on the emulator (rich shape, whatever the profile).
fn pool_on_api(emu: &Emulator, cluster: &str, pool: &str) -> serde_json::Value {
    let truth = emu.truth(cluster);
    truth["pools"]
        .as_array()
        .and_then(|pools| pools.iter().find(|p| p["identifier"] == pool).cloned())
        .unwrap_or_else(|| panic!("no pool {pool} in {truth}"))
}

fn ids(ws: &Workspace, address: &str) -> (String, String) {
    let r = ws.resource(address);
    (
        r["kubernetes_cluster_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        r["id"].as_str().unwrap_or_default().to_string(),
    )
}

/// A workspace in which a cluster `name` with one default pool `p` has been applied,
/// and the IDs of the cluster and the pool.
fn applied_cluster_with_pool(emu: &Emulator, name: &str) -> (Workspace, String, String) {
    let ws = Workspace::new(emu);
    ws.config(&format!("{}{}", cluster(name), pool("p", "  name = \"p\"")));
    ws.apply();
    let (cluster_id, pool_id) = ids(&ws, "xelon_kubernetes_node_pool.p");
    (ws, cluster_id, pool_id)
}

fn node_ids(ws: &Workspace, address: &str) -> Vec<String> {
    ws.resource(address)["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| n["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn cluster_with_two_pools_scale_resize_rename_destroy() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    let two_pools = |main: &str| {
        format!(
            "{}{}{}",
            cluster("apps"),
            pool("main", main),
            pool("batch", "  name = \"batch\"\n  node_count = 2")
        )
    };
    ws.config(&two_pools("  name = \"main\""));
    // Plans cleanly while the cluster ID is unknown.
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains("3 to add"), "{}", plan.stdout);
    ws.apply();
    let (cluster_id, main_id) = ids(&ws, "xelon_kubernetes_node_pool.main");
    let main = ws.resource("xelon_kubernetes_node_pool.main");
    assert_eq!(main["node_count"], 3);
    assert_eq!(main["nodes"].as_array().map(Vec::len), Some(3));
    assert!(
        main["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["status"] == "Deployed")
    );
    assert_eq!(
        ws.resource("xelon_kubernetes_node_pool.batch")["node_count"],
        2
    );
    let (_, pools) = emu.api("GET", &format!("kubernetes/{cluster_id}/pools"), None);
    assert_eq!(pools.as_array().map(Vec::len), Some(2));
    ws.assert_no_changes();

    // Scale up.
    ws.config(&two_pools("  name = \"main\"\n  node_count = 5"));
    ws.apply();
    assert_eq!(
        pool_on_api(&emu, &cluster_id, &main_id)["nodes"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    ws.assert_no_changes();

    // Scale down: the newest nodes go first.
    let before = node_ids(&ws, "xelon_kubernetes_node_pool.main");
    ws.config(&two_pools("  name = \"main\"\n  node_count = 2"));
    ws.apply();
    let after = node_ids(&ws, "xelon_kubernetes_node_pool.main");
    assert_eq!(after, before[..2].to_vec());
    ws.assert_no_changes();

    // Scale to 1.
    ws.config(&two_pools("  name = \"main\"\n  node_count = 1"));
    ws.apply();
    assert_eq!(
        pool_on_api(&emu, &cluster_id, &main_id)["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Resize, rename and extra storage in place, together with a scale up: one plan, explained.
    ws.config(&two_pools("  name = \"main-renamed\"\n  node_count = 2\n  cpu_core_count = 4\n  memory = 8\n  extra_storage_size = 100"));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.all().contains("Scaling and resizing in one apply"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    ws.apply();
    let api = pool_on_api(&emu, &cluster_id, &main_id);
    assert_eq!(api["name"], "main-renamed");
    assert_eq!(
        (
            api["cpu"].as_i64(),
            api["memory"].as_i64(),
            api["extraStorage"].as_i64()
        ),
        (Some(4), Some(8), Some(100))
    );
    assert_eq!(api["nodes"].as_array().map(Vec::len), Some(2));
    assert_eq!(ids(&ws, "xelon_kubernetes_node_pool.main").1, main_id);
    ws.assert_no_changes();

    // Replacing the cluster replaces its pools.
    ws.config(&two_pools("  name = \"main-renamed\"\n  node_count = 2\n  cpu_core_count = 4\n  memory = 8\n  extra_storage_size = 100").replace("\"apps\"", "\"apps2\""));
    let plan = ws.plan();
    assert!(
        plan.stdout.contains("3 to add, 0 to change, 3 to destroy"),
        "{}",
        plan.stdout
    );

    // Destroy in the right order (pools, then the cluster).
    ws.tf(&["destroy", "-auto-approve", "-no-color"]).ok();
    assert_eq!(
        emu.api("GET", &format!("kubernetes/{cluster_id}"), None).0,
        404
    );
}

#[test]
fn drift_and_import() {
    let emu = Emulator::start();
    let (ws, cluster_id, pool_id) = applied_cluster_with_pool(&emu, "drift");

    // A node deleted out of band shows up as a node_count change.
    let node = pool_on_api(&emu, &cluster_id, &pool_id)["nodes"][2]["identifier"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        emu.api(
            "DELETE",
            &format!("kubernetes/{cluster_id}/nodes/{node}"),
            None
        )
        .0 < 300
    );
    support::wait_until(|| {
        let nodes = pool_on_api(&emu, &cluster_id, &pool_id)["nodes"].clone();
        nodes
            .as_array()
            .is_some_and(|n| n.iter().all(|n| n["identifier"] != node.as_str()))
    });
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("node_count") && plan.stdout.contains("2 -> 3"),
        "{}",
        plan.stdout
    );
    ws.apply();
    ws.assert_no_changes();

    // Import with the command, into a fresh state.
    let other = Workspace::new(&emu);
    other.config(&format!(
        "resource \"xelon_kubernetes_node_pool\" \"p\" {{\n  kubernetes_cluster_id = \"{cluster_id}\"\n  name = \"p\"\n}}\n"
    ));
    other
        .tf(&[
            "import",
            "-no-color",
            "xelon_kubernetes_node_pool.p",
            &format!("{cluster_id}/{pool_id}"),
        ])
        .ok();
    assert_eq!(
        other.resource("xelon_kubernetes_node_pool.p")["node_count"],
        3
    );
    other.assert_no_changes();
    other
        .tf(&[
            "import",
            "-no-color",
            "xelon_kubernetes_node_pool.p",
            &pool_id,
        ])
        .fails_with(&[
            "Invalid import ID",
            "<kubernetes_cluster_id>/<node_pool_id>",
        ]);

    // A pool deleted out of band is planned again.
    assert!(
        emu.api(
            "DELETE",
            &format!("kubernetes/{cluster_id}/pools/{pool_id}"),
            None
        )
        .0 < 300
    );
    support::wait_until(|| {
        let path = format!("kubernetes/{cluster_id}/pools/{pool_id}");
        emu.api("GET", &path, None).0 == 404
    });
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout
            .contains("xelon_kubernetes_node_pool.p will be created"),
        "{}",
        plan.stdout
    );
}

#[test]
fn validation_errors_at_plan_time() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}{}",
        cluster("v"),
        pool("p", "  name = \" \"\n  node_count = 0\n  cpu_core_count = -1\n  memory = 0\n  disk_size = 0\n  extra_storage_size = -5")
    ));
    ws.tf(&["validate", "-no-color"]).fails_with(&[
        "name must not be empty",
        "node_count must be from 1 to 4294967295, got 0",
        "cpu_core_count must be from 1 to 4294967295, got -1",
        "memory must be from 1 to 4294967295, got 0",
        "disk_size must be from 1 to 4294967295, got 0",
        "extra_storage_size must be from 0 to 4294967295, got -5",
    ]);
    ws.config(&format!(
        "{}{}",
        cluster("v"),
        pool(
            "p",
            "  name = \"tab\\there\"\n  memory = 5000000000\n  timeouts = { create = \"0s\" }"
        )
    ));
    ws.tf(&["validate", "-no-color"]).fails_with(&[
        "name must not contain control characters",
        "memory must be from 1 to 4294967295, got 5000000000",
        "Duration must be positive",
        "timeouts.create",
    ]);
    let (_, list) = emu.api("GET", "kubernetes", None);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0));

    // A pool for a cluster that does not exist fails at plan, on the attribute.
    ws.config("resource \"xelon_kubernetes_node_pool\" \"p\" {\n  kubernetes_cluster_id = \"k8s-nope\"\n  name = \"p\"\n}\n");
    ws.plan().fails_with(&[
        "Unknown Kubernetes cluster",
        "k8s-nope",
        "kubernetes_cluster_id",
    ]);
}

/// An `import {}` block with `-generate-config-out` (Terraform 1.5+): the
/// computed `nodes` are served as a plain list of objects, which Terraform
/// 1.5 and 1.6 handle there (they crashed on a computed list-nested
/// attribute, hashicorp/terraform#34463).
#[test]
fn node_pool_import_block_generates_config() {
    let emu = Emulator::start();
    let (_, cluster_id, pool_id) = applied_cluster_with_pool(&emu, "gen");
    let gen_ws = Workspace::new(&emu);
    gen_ws.config(&format!(
        "import {{\n  to = xelon_kubernetes_node_pool.p\n  id = \"{cluster_id}/{pool_id}\"\n}}\n"
    ));
    gen_ws
        .tf(&["plan", "-no-color", "-generate-config-out=generated.tf"])
        .ok();
    assert!(gen_ws.read("generated.tf").contains(&cluster_id));
    let plan = gen_ws.tf(&["plan", "-no-color"]).ok();
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );

    gen_ws.apply();
    gen_ws.assert_no_changes();
}

#[test]
fn pools_leave_the_state_with_their_cluster() {
    let emu = Emulator::start();
    let (ws, cluster_id, _) = applied_cluster_with_pool(&emu, "gone");
    assert!(
        emu.api("DELETE", &format!("kubernetes/{cluster_id}"), None)
            .0
            < 300
    );
    support::wait_until(|| emu.api("GET", &format!("kubernetes/{cluster_id}"), None).0 == 404);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout
            .contains("xelon_kubernetes_cluster.x will be created")
            && plan
                .stdout
                .contains("xelon_kubernetes_node_pool.p will be created")
            && plan.stdout.contains("2 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
}
