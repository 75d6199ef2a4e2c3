//! `xelon_kubernetes_cluster`.

use serde_json::{Value, json};

use crate::outputs;
use crate::support::{self, Emulator, Workspace};

#[test]
fn cluster_is_read_with_sensitive_configs() {
    let emu = Emulator::start();
    let id = emu.create_cluster("oob-cluster", true, false);
    let mut ws = Workspace::new(&emu);
    ws.config(&format!(
        r#"
data "xelon_kubernetes_cluster" "c" {{
  kubernetes_cluster_id = "{id}"
}}
output "kubeconfig" {{
  value     = data.xelon_kubernetes_cluster.c.kubeconfig_raw
  sensitive = true
}}
output "talosconfig" {{
  value     = data.xelon_kubernetes_cluster.c.talosconfig_raw
  sensitive = true
}}
output "facts" {{
  value = {{
    for k in ["id", "name", "status", "health", "cloud_id", "kubernetes_version", "talos_version"] :
    k => data.xelon_kubernetes_cluster.c[k]
  }}
}}
"#
    ));
    let applied = ws.apply();
    let all = outputs(&ws);
    assert_eq!(all["kubeconfig"]["sensitive"], true);
    let kubeconfig = all["kubeconfig"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        kubeconfig.contains("oob-cluster") && kubeconfig.contains("kind: Config"),
        "{kubeconfig}"
    );
    let talosconfig = all["talosconfig"]["value"].as_str().unwrap_or_default();
    assert!(talosconfig.contains("oob-cluster"), "{talosconfig}");
    // The SDK's cluster model carries no versions: without them (the `sdk`
    // profile) a data source, which has no prior value, reports null.
    let (k8s, talos) = if support::profile() == "sdk" {
        (Value::Null, Value::Null)
    } else {
        (json!("1.31.2"), json!("1.8.3"))
    };
    assert_eq!(
        all["facts"]["value"],
        json!({
            "id": id, "name": "oob-cluster", "status": "Ready", "health": "healthy",
            "cloud_id": "cloud-1", "kubernetes_version": k8s, "talos_version": talos,
        })
    );
    let entry = ws.resource_entry("data.xelon_kubernetes_cluster.c");
    assert_eq!(entry["sensitive_values"]["kubeconfig_raw"], true, "{entry}");
    assert_eq!(
        entry["sensitive_values"]["talosconfig_raw"], true,
        "{entry}"
    );
    assert!(entry["sensitive_values"].get("name").is_none(), "{entry}");

    // The secret never shows in Terraform's output, nor in the provider's logs.
    let secret_line = kubeconfig
        .lines()
        .find(|l| l.contains("client-key-data"))
        .expect("kubeconfig has a key")
        .trim()
        .to_string();
    assert!(!applied.all().contains(&secret_line));
    ws.set_env("TF_LOG_PROVIDER", "trace");
    let logged = ws.tf(&["plan", "-no-color"]).ok();
    assert!(
        logged.stderr.contains("reading cluster"),
        "no provider logs captured:\n{}",
        logged.stderr
    );
    assert!(!logged.all().contains(&secret_line), "secret in the logs");
    assert!(
        !logged.all().contains("client-key-data"),
        "kubeconfig in the logs"
    );

    // Without `sensitive = true`, Terraform refuses to output it.
    ws.set_env("TF_LOG_PROVIDER", "off");
    ws.config(&format!(
        r#"
data "xelon_kubernetes_cluster" "c" {{
  kubernetes_cluster_id = "{id}"
}}
output "kubeconfig" {{ value = data.xelon_kubernetes_cluster.c.kubeconfig_raw }}
"#
    ));
    ws.plan().fails_with(&["Output refers to sensitive values"]);

    // An unknown cluster: an error on kubernetes_cluster_id.
    ws.config(
        r#"
data "xelon_kubernetes_cluster" "c" {
  kubernetes_cluster_id = "k8s-doesnotexist"
}
"#,
    );
    ws.plan().fails_with(&[
        "Unable to read the Kubernetes cluster: not found",
        "kubernetes_cluster_id = \"k8s-doesnotexist\"",
        "knows no Kubernetes cluster \"k8s-doesnotexist\"",
    ]);
}
