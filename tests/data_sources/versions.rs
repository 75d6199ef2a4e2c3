//! `xelon_kubernetes_cluster_versions`.

use serde_json::json;

use crate::output;
use crate::support::{Emulator, Workspace};

#[test]
fn versions_are_sorted_newest_first_with_latest() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(
        r#"
data "xelon_kubernetes_cluster_versions" "main" {
  cloud_id = "cloud-1"
}
data "xelon_kubernetes_cluster_versions" "secondary" {
  cloud_id = "cloud-2"
}
output "main" { value = data.xelon_kubernetes_cluster_versions.main }
output "secondary_latest" { value = data.xelon_kubernetes_cluster_versions.secondary.latest }
"#,
    );
    ws.apply();
    let main = output(&ws, "main");
    assert_eq!(main["id"], "cloud-1");
    assert_eq!(
        main["latest"],
        json!({"talos_version": "1.9.1", "kubernetes_version": "1.32.0"})
    );
    assert_eq!(
        main["versions"],
        json!([
            {"talos_version": "1.9.1", "kubernetes_versions": ["1.32.0", "1.31.2"]},
            {"talos_version": "1.8.3", "kubernetes_versions": ["1.31.2", "1.30.6"]},
            {"talos_version": "1.7.7", "kubernetes_versions": ["1.30.6", "1.29.10"]},
        ])
    );
    assert_eq!(
        output(&ws, "secondary_latest"),
        json!({"talos_version": "1.8.3", "kubernetes_version": "1.31.2"})
    );
    // Deterministic: reading again changes nothing.
    ws.assert_no_changes();

    // An unknown cloud: an error pointing at cloud_id (Terraform quotes its line).
    ws.config(
        r#"
data "xelon_kubernetes_cluster_versions" "main" {
  cloud_id = "cloud-9"
}
"#,
    );
    ws.plan().fails_with(&[
        "Unable to read the Kubernetes versions: not found",
        "cloud_id = \"cloud-9\"",
        "knows no cloud \"cloud-9\"",
    ]);
}
