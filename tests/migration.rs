//! Drop-in compatibility: a state file written by Xelon's Go provider (its
//! attribute set, without this provider's additions) and its configuration
//! plan with no changes.

mod support;

use support::{Emulator, Workspace};

const CONFIG: &str = r#"
resource "xelon_kubernetes_cluster" "x" {
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "legacy"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
}

resource "xelon_kubernetes_node_pool" "p" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id
  name                  = "workers"
}
"#;

#[test]
fn go_provider_state_plans_with_no_changes() {
    let emu = Emulator::start_with(&["--provision-delay", "0s", "--node-delay", "0s"]);
    let cluster = emu.create_cluster("legacy", true, true);
    let pool = emu.create_pool(&cluster, "workers", 3, (2, 4, 50), 0);

    // Exactly the attributes the Go provider (v1.10) records.
    let spec = serde_json::json!({"cpu_core_count": 2, "disk_size": 50, "high_availability_enabled": true, "memory": 4});
    let provider = "provider[\"registry.terraform.io/xelon-ag/xelon\"]";
    let state = serde_json::json!({
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 3,
        "lineage": "9d1c3a8e-2f5b-4c1e-8a7d-1b2c3d4e5f60",
        "outputs": {},
        "resources": [
            {
                "mode": "managed", "type": "xelon_kubernetes_cluster", "name": "x", "provider": provider,
                "instances": [{
                    "schema_version": 0,
                    "attributes": {
                        "cloud_id": "cloud-1", "control_plane": spec, "id": cluster,
                        "kube_config_raw": "apiVersion: v1\n", "kubernetes_version": "1.31.2",
                        "load_balancer": spec, "name": "legacy", "talos_version": "1.8.3",
                        "tenant_id": "tenant-1", "timeouts": null
                    },
                    "sensitive_attributes": [[{"type": "get_attr", "value": "kube_config_raw"}]]
                }]
            },
            {
                "mode": "managed", "type": "xelon_kubernetes_node_pool", "name": "p", "provider": provider,
                "instances": [{
                    "schema_version": 0,
                    "attributes": {
                        "cpu_core_count": 2, "disk_size": 50, "id": pool, "kubernetes_cluster_id": cluster,
                        "memory": 4, "name": "workers", "node_count": 3, "timeouts": null
                    },
                    "sensitive_attributes": [],
                    "dependencies": ["xelon_kubernetes_cluster.x"]
                }]
            }
        ],
        "check_results": null
    });
    let ws = Workspace::new(&emu);
    ws.config(CONFIG);
    ws.write("terraform.tfstate", &state.to_string());
    // Even without refreshing: attributes the Go provider never stored take their defaults.
    let run = ws.tf(&["plan", "-refresh=false", "-detailed-exitcode", "-no-color"]);
    assert_eq!(run.code, 0, "{}", run.all());
    ws.assert_no_changes();
    // The refreshed state now carries this provider's additions.
    ws.apply();
    let p = ws.resource("xelon_kubernetes_node_pool.p");
    assert_eq!(p["extra_storage_size"], 0);
    assert_eq!(p["nodes"].as_array().map(Vec::len), Some(3));
    ws.assert_no_changes();
}
