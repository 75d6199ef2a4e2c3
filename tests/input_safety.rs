//! Input that never costs data, money or secrets, with real Terraform:
//! each bad input is caught at the earliest phase (validate or plan), on
//! its attribute, with no API request that changes anything; a broken API
//! says so in seconds; no secret lands in state or plan files.

mod support;

use std::time::Instant;

use serde_json::json;
use support::{Emulator, Run, Workspace, folded, plan_file_text};

const X: &str = "xelon_kubernetes_cluster.x";
const P: &str = "xelon_kubernetes_node_pool.p";

/// A cluster named `name`, with `extra` inside its block.
fn cluster(name: &str, extra: &str) -> String {
    format!(
        r#"
resource "xelon_kubernetes_cluster" "x" {{
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "{name}"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
{extra}
}}
"#
    )
}

/// A pool of `xelon_kubernetes_cluster.x`, with `extra` inside its block.
fn pool(label: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
resource "xelon_kubernetes_node_pool" "{label}" {{
  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id
  name                  = "{name}"
  node_count            = 1
{extra}
}}
"#
    )
}

/// The routes of every request since the counters were reset.
fn routes(emu: &Emulator) -> Vec<String> {
    emu.requests()["by_route"]
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default()
}

fn reset(emu: &Emulator) {
    emu.admin("DELETE", "requests", None);
}

/// Asserts that `run` failed with `summary`, pointing at the source line
/// `line` (Terraform shows the attribute's line under the diagnostic).
fn failed_at(run: &Run, summary: &str, line: &str) {
    assert_ne!(run.code, 0, "expected a failure:\n{}", run.all());
    let text = folded(run);
    assert!(
        text.contains(summary),
        "expected {summary:?}:\n{}",
        run.all()
    );
    assert!(
        text.contains(&line.split_whitespace().collect::<Vec<_>>().join(" ")),
        "expected the diagnostic at {line:?}:\n{}",
        run.all()
    );
}

#[test]
fn names_with_edge_spaces_or_over_the_limit_fail_at_validate() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    for (config, line) in [
        (cluster(" c05-x ", ""), r#"name = " c05-x ""#),
        (cluster("c05-x\u{a0}", ""), "name = \"c05-x\u{a0}\""),
        (
            format!("{}{}", cluster("ok", ""), pool("p", "workers ", "")),
            r#"name = "workers ""#,
        ),
    ] {
        ws.config(&config);
        let run = ws.tf(&["validate", "-no-color"]);
        failed_at(&run, "trims", line);
    }
    let long = "a".repeat(64);
    ws.config(&cluster(&long, ""));
    let run = ws.tf(&["validate", "-no-color"]);
    failed_at(&run, "63", &format!("name = \"{long}\""));
    assert!(
        routes(&emu).is_empty(),
        "no API request: {}",
        emu.requests()
    );
}

#[test]
fn disks_never_shrink_silently() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    let sized = |cp_disk: u32, lb_disk: u32, disk: u32, extra: u32| {
        format!(
            "{}{}",
            cluster(
                "disks",
                &format!(
                    "  control_plane = {{ disk_size = {cp_disk} }}\n  load_balancer = {{ disk_size = {lb_disk} }}"
                ),
            ),
            pool(
                "p",
                "workers",
                &format!("  disk_size = {disk}\n  extra_storage_size = {extra}"),
            )
        )
    };
    ws.config(&sized(50, 50, 50, 100));
    ws.apply();
    let before = (ws.resource(X)["id"].clone(), ws.resource(P)["id"].clone());
    reset(&emu);
    for (config, summary, line) in [
        (
            sized(20, 50, 50, 100),
            "A disk cannot shrink",
            "control_plane = { disk_size = 20 }",
        ),
        (
            sized(50, 20, 50, 100),
            "A disk cannot shrink",
            "load_balancer = { disk_size = 20 }",
        ),
        (
            sized(50, 50, 20, 100),
            "from 50 GB to 20 GB",
            "disk_size = 20",
        ),
        (
            sized(50, 50, 50, 50),
            "from 100 GB to 50 GB",
            "extra_storage_size = 50",
        ),
        (
            sized(50, 50, 50, 0),
            "Removing a disk",
            "extra_storage_size = 0",
        ),
    ] {
        ws.config(&config);
        failed_at(&ws.plan(), summary, line);
    }
    let changes: Vec<String> = routes(&emu)
        .into_iter()
        .filter(|r| !r.starts_with("GET "))
        .collect();
    assert!(changes.is_empty(), "nothing changed: {changes:?}");
    // Growing stays in place.
    ws.config(&sized(60, 50, 60, 120));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.all().contains("0 to add, 2 to change, 0 to destroy"),
        "{}",
        plan.all()
    );
    ws.apply();
    assert_eq!(
        (ws.resource(X)["id"].clone(), ws.resource(P)["id"].clone()),
        before
    );
}

#[test]
fn a_pool_is_never_renamed_onto_a_sibling() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}{}{}",
        cluster("siblings", ""),
        pool("p", "alpha", ""),
        pool("q", "beta", "")
    ));
    ws.apply();
    let alpha = ws.resource(P)["id"].as_str().expect("id").to_owned();
    reset(&emu);
    ws.config(&format!(
        "{}{}{}",
        cluster("siblings", ""),
        pool("p", "alpha", ""),
        pool("q", "alpha", "")
    ));
    let run = ws.plan();
    failed_at(
        &run,
        "Another node pool of the cluster has this name",
        r#"name = "alpha""#,
    );
    assert!(
        folded(&run).contains(&alpha),
        "names the sibling:\n{}",
        run.all()
    );
    assert!(
        routes(&emu).iter().all(|r| r.starts_with("GET ")),
        "nothing changed: {}",
        emu.requests()
    );
}

#[test]
fn an_unknown_tenant_fails_at_plan() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&cluster("orphan", "").replace("tenant-1", "tenant-nope"));
    failed_at(&ws.plan(), "Unknown tenant", r#"tenant_id = "tenant-nope""#);
    assert_eq!(
        emu.requests()["by_route"]["POST /kubernetes"],
        serde_json::Value::Null
    );
}

#[test]
fn a_create_that_keeps_failing_says_so_in_seconds_and_never_duplicates() {
    let emu = Emulator::start();
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "path_suffix": "/kubernetes",
                    "status": 500, "count": 1000, "message": "database unavailable"})),
    );
    assert_eq!(status, 201, "{body}");
    let ws = Workspace::new(&emu);
    ws.config(&cluster("broken", ""));
    let started = Instant::now();
    let run = ws.tf(&["apply", "-auto-approve", "-no-color"]);
    let took = started.elapsed();
    let text = folded(&run);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        text.contains("database unavailable")
            && text.contains("No Kubernetes cluster was created, as far as the Xelon API shows")
            && text.contains("sent 3 time(s)"),
        "{}",
        run.all()
    );
    assert_eq!(
        emu.requests()["by_route"]["POST /kubernetes"],
        3,
        "3 sends at most"
    );
    assert!(emu.clusters().is_empty());
    eprintln!("a create failing with 500 gave up after {took:?}");
}

#[test]
fn no_secret_in_state_or_plan_files_with_the_resource_and_the_ephemeral_kubeconfig() {
    let emu = Emulator::start_with(&["--provision-delay", "0s"]);
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}{}",
        cluster("secretive", ""),
        r#"
ephemeral "xelon_kubernetes_kubeconfig" "k" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id
}

resource "terraform_data" "consumer" {
  input = xelon_kubernetes_cluster.x.id
  lifecycle {
    precondition {
      condition     = length(ephemeral.xelon_kubernetes_kubeconfig.k.client_key) > 100
      error_message = "no client key"
    }
  }
}
"#
    ));
    ws.apply();
    ws.tf(&["plan", "-no-color", "-out=tfplan"]).ok();
    let id = ws.resource(X)["id"].as_str().expect("id").to_owned();
    let (status, kubeconfig) = emu.api_text("GET", &format!("kubernetes/{id}/config/kube"));
    assert_eq!(status, 200);
    // Every base64 blob of the kubeconfig: the CA, the certificate, the key.
    let blobs: Vec<&str> = kubeconfig
        .lines()
        .filter_map(|l| l.split_once("-data:").map(|(_, v)| v.trim()))
        .collect();
    assert_eq!(blobs.len(), 3, "{kubeconfig}");
    let state = ws.read("terraform.tfstate");
    let plan = plan_file_text(&ws.path().join("tfplan"));
    for (what, text) in [("state", &state), ("plan file", &plan)] {
        for blob in &blobs {
            assert!(
                !text.contains(&blob[..40]),
                "a kubeconfig blob in the {what}"
            );
        }
        for needle in [
            "PRIVATE KEY",
            "BEGIN CERTIFICATE",
            "apiVersion",
            "test-token",
        ] {
            assert!(!text.contains(needle), "{needle:?} in the {what}");
        }
    }
}

#[test]
fn an_api_that_echoes_the_token_in_any_spelling_never_shows_it() {
    use base64::Engine;
    let emu = Emulator::start();
    let token = "Zq8X/kP3v+Lm9T=4711:AbCdEfGh";
    let percent: String = token
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02x}"),
        })
        .collect();
    let spellings = [
        token.to_lowercase(),
        token.to_uppercase(),
        percent,
        base64::engine::general_purpose::STANDARD.encode(format!("Bearer {token}")),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token),
    ];
    let echo = spellings.join(" | ");
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "path_suffix": "/kubernetes",
                    "status": 422, "count": 1,
                    "body": {"message": format!("token rejected: {echo}"), "errors": {"clusterName": [echo]}}})),
    );
    assert_eq!(status, 201, "{body}");
    let mut ws = Workspace::new(&emu);
    ws.set_env("XELON_TOKEN", token);
    ws.config(&cluster("echo", ""));
    let run = ws.tf(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        folded(&run).contains("Unable to create Kubernetes cluster: ***"),
        "the echo is shown, redacted:\n{}",
        run.all()
    );
    let shown = run.all().to_lowercase();
    // The base64 of "Bearer " alone (its first 9 characters) is no secret.
    let secret_parts = spellings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 3 {
                s[12..].to_string()
            } else {
                s.clone()
            }
        })
        .chain([token.to_string()]);
    for spelling in secret_parts {
        let spelling = spelling.to_lowercase();
        for start in 0..spelling.len().saturating_sub(8) {
            let run8 = &spelling[start..start + 8];
            assert!(
                !shown.contains(run8),
                "{run8:?} of {spelling:?} shown:\n{}",
                run.all()
            );
        }
    }
}
