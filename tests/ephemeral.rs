//! Acceptance test of the `xelon_kubernetes_kubeconfig` ephemeral resource:
//! its value reaches the configuration, but never the state or a plan file.

mod support;

use support::{Emulator, Workspace, plan_file_text};

const MODULE: &str = r#"
terraform {
  required_providers {
    xelon = { source = "xelon-ag/xelon" }
  }
}

variable "cluster_id" {
  type = string
}

ephemeral "xelon_kubernetes_kubeconfig" "k" {
  kubernetes_cluster_id = var.cluster_id
}

output "kubeconfig" {
  value     = ephemeral.xelon_kubernetes_kubeconfig.k.kubeconfig_raw
  ephemeral = true
}
"#;

fn root(cluster_id: &str, needle: &str) -> String {
    format!(
        r#"
module "creds" {{
  source     = "./creds"
  cluster_id = "{cluster_id}"
}}

resource "terraform_data" "consumer" {{
  input = "configured"
  lifecycle {{
    precondition {{
      condition     = strcontains(module.creds.kubeconfig, "{needle}")
      error_message = "the kubeconfig does not contain {needle}"
    }}
  }}
}}
"#
    )
}

#[test]
fn kubeconfig_is_usable_but_never_stored() {
    let emu = Emulator::start_with(&["--provision-delay", "0s"]);
    let id = emu.create_cluster("secretive", false, false);
    // The secret as the API serves it.
    let (status, kubeconfig) = emu.api_text("GET", &format!("kubernetes/{id}/config/kube"));
    assert_eq!(status, 200);
    let secret_line = kubeconfig
        .lines()
        .find(|l| l.contains("client-key-data"))
        .expect("a client key in the kubeconfig")
        .trim()
        .to_string();

    let ws = Workspace::new(&emu);
    std::fs::create_dir_all(ws.path().join("creds")).expect("module dir");
    ws.write("creds/main.tf", MODULE);
    ws.config(&root(&id, "client-key-data"));
    ws.tf(&["init", "-no-color"]).ok();
    ws.tf(&["plan", "-no-color", "-out=tfplan"]).ok();
    let run = ws.tf(&["apply", "-no-color", "tfplan"]).ok();
    assert!(
        run.stdout
            .contains("ephemeral.xelon_kubernetes_kubeconfig.k: Opening"),
        "{}",
        run.stdout
    );

    let state = ws.read("terraform.tfstate");
    assert!(
        state.contains("terraform_data"),
        "state was written: {state}"
    );
    let key = secret_line.trim_start_matches("client-key-data:").trim();
    assert!(key.len() > 20);
    assert!(!state.contains(key), "the kubeconfig leaked into the state");
    assert!(
        !state.contains("apiVersion"),
        "the kubeconfig leaked into the state"
    );
    let plan = plan_file_text(&ws.path().join("tfplan"));
    assert!(
        !plan.contains(key),
        "the kubeconfig leaked into the plan file"
    );

    // The value is real: a condition on text that is not in it fails.
    ws.config(&root(&id, "not-in-any-kubeconfig"));
    ws.plan()
        .fails_with(&["the kubeconfig does not contain not-in-any-kubeconfig"]);

    // An unknown cluster is a clear error on the attribute.
    ws.config(&root("k8s-missing", "x"));
    ws.plan().fails_with(&[
        "Unable to read the Kubernetes cluster's configuration files: not found",
        "The Xelon API knows no cluster \"k8s-missing\"",
    ]);
}
