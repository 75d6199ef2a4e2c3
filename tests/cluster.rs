//! Acceptance tests of `xelon_kubernetes_cluster`: real Terraform, the built
//! provider and a local emulator.

mod support;

use support::{Emulator, Workspace};

fn cluster_config(name: &str, talos: &str, k8s: &str, extra: &str) -> String {
    format!(
        r#"
resource "xelon_kubernetes_cluster" "x" {{
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "{name}"
  talos_version      = "{talos}"
  kubernetes_version = "{k8s}"
{extra}
}}
"#
    )
}

const X: &str = "xelon_kubernetes_cluster.x";

fn control_plane(emu: &Emulator, id: &str) -> serde_json::Value {
    let (status, body) = emu.api("GET", &format!("kubernetes/{id}/control-planes"), None);
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn create_update_replace_destroy() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("staging", "1.8.3", "1.31.2", ""));
    ws.apply();
    let state = ws.resource(X);
    let id = state["id"].as_str().expect("id").to_string();
    assert_eq!(state["control_plane"]["cpu_core_count"], 2);
    assert_eq!(state["control_plane"]["high_availability_enabled"], true);
    assert_eq!(state["load_balancer"]["memory"], 4);
    assert!(
        state["kube_config_raw"].is_null(),
        "no kubeconfig (with its client key) in state"
    );
    assert_eq!(state["status"], "Ready");
    assert_eq!(
        control_plane(&emu, &id)["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    ws.assert_no_changes();

    // Resize the control plane in place.
    ws.config(&cluster_config(
        "staging",
        "1.8.3",
        "1.31.2",
        "  control_plane = { cpu_core_count = 4, memory = 8 }",
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("updated in-place")
            && plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    ws.apply();
    let cp = control_plane(&emu, &id);
    assert_eq!(
        (
            cp["controlPlaneCpu"].as_i64(),
            cp["controlPlaneRam"].as_i64()
        ),
        (Some(4), Some(8))
    );
    assert_eq!(ws.resource(X)["id"], id.as_str());
    ws.assert_no_changes();

    // Upgrade Talos and Kubernetes in place (the Go provider ignores this).
    ws.config(&cluster_config(
        "staging",
        "1.9.1",
        "1.32.0",
        "  control_plane = { cpu_core_count = 4, memory = 8 }",
    ));
    ws.apply();
    let truth = emu.truth(&id);
    assert_eq!(truth["cluster"]["talosVersion"], "1.9.1");
    assert_eq!(truth["cluster"]["k8sVersion"], "1.32.0");
    assert_eq!(ws.resource(X)["id"], id.as_str());
    ws.assert_no_changes();

    // A rename replaces the cluster, and the plan says so.
    ws.config(&cluster_config(
        "production",
        "1.9.1",
        "1.32.0",
        "  control_plane = { cpu_core_count = 4, memory = 8 }",
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("forces replacement")
            && plan.stdout.contains("1 to add, 0 to change, 1 to destroy"),
        "{}",
        plan.stdout
    );
    ws.apply();
    let new_id = ws.resource(X)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(new_id, id);
    assert_eq!(emu.api("GET", &format!("kubernetes/{id}"), None).0, 404);
    ws.assert_no_changes();

    ws.tf(&["destroy", "-auto-approve", "-no-color"]).ok();
    assert_eq!(emu.api("GET", &format!("kubernetes/{new_id}"), None).0, 404);
    assert!(!ws.has_resource(X));
}

#[test]
fn high_availability_rules() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    let sizes = |cp: bool, lb: bool| {
        format!(
            "  control_plane = {{ high_availability_enabled = {cp} }}\n  load_balancer = {{ high_availability_enabled = {lb} }}"
        )
    };
    ws.config(&cluster_config(
        "ha",
        "1.8.3",
        "1.31.2",
        &sizes(false, false),
    ));
    ws.apply();
    let id = ws.resource(X)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        control_plane(&emu, &id)["nodes"].as_array().map(Vec::len),
        Some(1)
    );

    // Only one part: a plan error on the other part's attribute.
    ws.config(&cluster_config(
        "ha",
        "1.8.3",
        "1.31.2",
        &sizes(true, false),
    ));
    ws.plan().fails_with(&[
        "High availability must be turned on for both parts together",
        "load_balancer",
        "high_availability_enabled",
    ]);

    // Both parts: one /upgrade call.
    ws.config(&cluster_config("ha", "1.8.3", "1.31.2", &sizes(true, true)));
    ws.apply();
    assert_eq!(
        control_plane(&emu, &id)["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    let (_, lbs) = emu.api("GET", &format!("kubernetes/{id}/load-balancers"), None);
    assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));
    ws.assert_no_changes();

    // Never off again.
    ws.config(&cluster_config(
        "ha",
        "1.8.3",
        "1.31.2",
        &sizes(false, true),
    ));
    ws.plan()
        .fails_with(&["High availability cannot be turned off", "control_plane"]);
}

#[test]
fn incompatible_versions_fail_at_plan() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("v", "1.7.7", "1.32.0", ""));
    ws.plan().fails_with(&[
        "Kubernetes version not offered for this Talos version",
        "kubernetes_version",
        "1.30.6, 1.29.10",
        "Talos 1.9.1",
    ]);
    ws.config(&cluster_config("v", "0.1.0", "1.32.0", ""));
    ws.plan()
        .fails_with(&["Unsupported Talos version", "talos_version"]);
    ws.config(&cluster_config("v", "1.8.3", "1.31.2", "").replace("cloud-1", "cloud-9"));
    ws.plan().fails_with(&["Unknown cloud", "cloud_id"]);
    // Nothing was created.
    let (_, list) = emu.api("GET", "kubernetes", None);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0), "{list}");
}

#[test]
fn invalid_values_fail_at_validate() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config(
        "",
        "1.8.3",
        "1.31.2",
        "  control_plane = { cpu_core_count = 0 }\n  timeouts = { create = \"soon\" }",
    ));
    ws.tf(&["validate", "-no-color"]).fails_with(&[
        "name must not be empty",
        "control_plane.cpu_core_count must be from 1 to 4294967295, got 0",
        "Invalid duration",
    ]);
    // Nothing that the API cannot carry is ever sent as a silent 0: each is
    // refused at validate, on its path.
    let cases = [
        (
            "  control_plane = { memory = 5000000000 }",
            vec![
                "Value out of range",
                "control_plane.memory must be from 1 to 4294967295, got 5000000000",
            ],
        ),
        (
            "  load_balancer = { disk_size = 1e400 }",
            vec!["Value out of range", "load_balancer.disk_size"],
        ),
        (
            "  control_plane = { cpu_core_count = 2.5 }",
            vec!["Not a whole number", "control_plane.cpu_core_count"],
        ),
        (
            "  timeouts = { create = \"0s\" }",
            vec!["Duration must be positive", "timeouts.create"],
        ),
        (
            "  timeouts = { update = \"-5m\" }",
            vec!["Invalid duration", "timeouts.update"],
        ),
    ];
    for (extra, needles) in cases {
        ws.config(&cluster_config("c", "1.8.3", "1.31.2", extra));
        ws.tf(&["validate", "-no-color"]).fails_with(&needles);
    }
    for name in ["a\\u0000b", "line\\nbreak", "evil\\u202Etxt", "del\\u007F"] {
        ws.config(&cluster_config(name, "1.8.3", "1.31.2", ""));
        ws.tf(&["validate", "-no-color"]).fails_with(&[
            "Control character in text",
            "name must not contain control characters",
        ]);
    }
    // Nothing reached the API.
    let (_, counts) = emu.admin("GET", "requests", None);
    assert_eq!(counts["total"], 0, "{counts}");
}

#[test]
fn drift_and_out_of_band_delete() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("drift", "1.8.3", "1.31.2", ""));
    ws.apply();
    let id = ws.resource(X)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // Someone resizes the control plane in the Xelon UI.
    let (status, body) = emu.api(
        "PATCH",
        &format!("kubernetes/{id}/control-planes"),
        Some(serde_json::json!({"cpuCoreCount": 8, "memory": 4, "disk": 50})),
    );
    assert!(status < 300, "{status} {body}");
    emu.wait_ready(&id);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("cpu_core_count") && plan.stdout.contains("8 -> 2"),
        "{}",
        plan.stdout
    );
    ws.apply();
    assert_eq!(control_plane(&emu, &id)["controlPlaneCpu"], 2);
    ws.assert_no_changes();

    // Someone deletes the cluster: Terraform plans to create it again.
    assert!(emu.api("DELETE", &format!("kubernetes/{id}"), None).0 < 300);
    support::wait_until(|| emu.api("GET", &format!("kubernetes/{id}"), None).0 == 404);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);
}

#[test]
fn import_with_command() {
    let emu = Emulator::start();
    let id = emu.create_cluster("imported", true, false);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config(
        "imported",
        "1.8.3",
        "1.31.2",
        "  load_balancer = { high_availability_enabled = false }",
    ));
    ws.tf(&["import", "-no-color", X, &id]).ok();
    assert_eq!(ws.resource(X)["id"], id.as_str());
    assert_eq!(ws.resource(X)["tenant_id"], "tenant-1");
    adopts_versions_without_api_calls(&emu, &ws);
    ws.assert_no_changes();
    let fresh = Workspace::new(&emu);
    fresh.config(&cluster_config("imported", "1.8.3", "1.31.2", ""));
    fresh
        .tf(&["import", "-no-color", X, "no such id"])
        .fails_with(&["Invalid import ID"]);
    fresh
        .tf(&["import", "-no-color", X, "k8s-doesnotexist"])
        .fails_with(&["Cannot import non-existent remote object"]);
}

/// After an import: where the API reports the cluster's versions (the rich
/// profile), nothing is left to do. Where it does not (the published SDK's
/// model), import leaves them null and the next apply records the configured
/// versions without any upgrade call, and without a replacement.
fn adopts_versions_without_api_calls(emu: &Emulator, ws: &Workspace) {
    if support::profile() == "rich" {
        return ws.assert_no_changes();
    }
    let state = ws.resource(X);
    assert!(state["talos_version"].is_null(), "{state}");
    assert!(state["kubernetes_version"].is_null(), "{state}");
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy")
            && !plan.stdout.contains("forces replacement"),
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
}

#[test]
fn import_block_generates_config_that_plans_clean() {
    let emu = Emulator::start();
    let id = emu.create_cluster("generated", true, false);
    let ws = Workspace::new(&emu);
    ws.config(&format!("import {{\n  to = {X}\n  id = \"{id}\"\n}}\n"));
    ws.tf(&["plan", "-no-color", "-generate-config-out=generated.tf"])
        .ok();
    let generated = ws.read("generated.tf");
    assert!(
        generated.contains("name") && generated.contains("\"generated\""),
        "{generated}"
    );
    let changes = if support::profile() == "rich" {
        "0 to change"
    } else {
        // The API reports no versions: the user fills them in, as the
        // import docs say, and the apply records them without API calls.
        assert!(
            generated.contains("talos_version") && generated.contains("null"),
            "{generated}"
        );
        let filled: String = generated
            .lines()
            .map(|l| match l.split_whitespace().next() {
                Some("talos_version") => "  talos_version = \"1.8.3\"".to_string(),
                Some("kubernetes_version") => "  kubernetes_version = \"1.31.2\"".to_string(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        ws.write("generated.tf", &filled);
        "1 to change"
    };
    let plan = ws.tf(&["plan", "-no-color"]).ok();
    assert!(
        plan.stdout
            .contains(&format!("1 to import, 0 to add, {changes}, 0 to destroy")),
        "{}",
        plan.stdout
    );
    ws.apply();
    ws.assert_no_changes();
}

#[test]
fn failed_provisioning_keeps_the_cluster_in_state_as_tainted() {
    let emu = Emulator::start();
    let (status, _) = emu.admin(
        "POST",
        "faults",
        Some(serde_json::json!({"fail_next_cluster": true})),
    );
    assert!(status < 300);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("doomed", "1.8.3", "1.31.2", ""));
    ws.tf(&["apply", "-auto-approve", "-no-color"])
        .fails_with(&["did not become ready"]);
    let r = ws.resource_entry(X);
    assert_eq!(r["tainted"], true, "{r}");
    assert!(r["values"]["id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn provider_configuration_errors() {
    let mut ws = Workspace::bare();
    ws.config(&cluster_config("c", "1.8.3", "1.31.2", ""));
    ws.plan()
        .fails_with(&["Missing Xelon API token", "XELON_TOKEN"]);
    ws.set_env("XELON_TOKEN", "t");
    ws.set_env("XELON_BASE_URL", "hq.xelon.ch");
    ws.plan().fails_with(&["Invalid Xelon API base URL"]);
    // An emulator that insists on another token: a clear 401 at plan time.
    let strict = Emulator::start_with(&["--token", "right"]);
    ws.set_env("XELON_BASE_URL", &strict.base_url);
    ws.set_env("XELON_TOKEN", "wrong");
    ws.plan().fails_with(&["401"]);
}

#[test]
fn schema_is_served() {
    let ws = Workspace::bare();
    ws.config("");
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let p = &schema["provider_schemas"]["registry.terraform.io/xelon-ag/xelon"];
    assert_eq!(
        p["provider"]["block"]["attributes"]["token"]["sensitive"],
        true
    );
    let cluster = &p["resource_schemas"]["xelon_kubernetes_cluster"]["block"]["attributes"];
    for name in [
        "cloud_id",
        "tenant_id",
        "name",
        "kubernetes_version",
        "talos_version",
        "control_plane",
        "load_balancer",
        "id",
        "timeouts",
    ] {
        assert!(cluster.get(name).is_some(), "missing {name}");
    }
    assert_eq!(cluster["kube_config_raw"]["sensitive"], true);
}

#[test]
fn provider_configuration_unknown_at_plan_time() {
    let emu = Emulator::start();
    let mut ws = Workspace::bare();
    ws.set_env("XELON_BASE_URL", &emu.base_url);
    ws.config(&format!(
        "{}\nresource \"terraform_data\" \"token\" {{\n  input = \"from-another-resource\"\n}}\n\nprovider \"xelon\" {{\n  token = terraform_data.token.output\n}}\n",
        cluster_config("late", "1.8.3", "1.31.2", "")
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.all()
            .contains("Provider configuration depends on values not known yet"),
        "{}",
        plan.all()
    );
    ws.apply();
    assert!(
        ws.resource(X)["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("k8s-"))
    );
}

#[test]
fn transient_api_errors_are_retried_and_creates_recovered() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("flaky", "1.8.3", "1.31.2", ""));

    // A create answered 503 may or may not have been processed: the provider
    // looks for the cluster by name, finds none, and sends the create again.
    let fault = serde_json::json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "status": 503, "count": 1});
    assert_eq!(emu.admin("POST", "faults", Some(fault)).0, 201);
    emu.admin("DELETE", "requests", None);
    ws.apply();
    let (_, counts) = emu.admin("GET", "requests", None);
    assert_eq!(counts["by_route"]["POST /kubernetes"], 2, "{counts}");
    let (_, list) = emu.api("GET", "kubernetes", None);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(ws.resource(X)["id"], list["data"][0]["identifier"]);
    ws.assert_no_changes();
    ws.tf(&["destroy", "-auto-approve", "-no-color"]).ok();

    // A create refused for sure (422) is not sent again.
    let fault = serde_json::json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "status": 422, "count": 1, "message": "refused"});
    assert_eq!(emu.admin("POST", "faults", Some(fault)).0, 201);
    emu.admin("DELETE", "requests", None);
    ws.tf(&["apply", "-auto-approve", "-no-color"])
        .fails_with(&["Unable to create Kubernetes cluster", "refused"]);
    let (_, counts) = emu.admin("GET", "requests", None);
    assert_eq!(counts["by_route"]["POST /kubernetes"], 1, "{counts}");
    assert!(!ws.has_resource(X));

    // Reads that fail with 503 and 429 are retried, and the apply goes through.
    for status in [503, 429] {
        let fault = serde_json::json!({"method": "GET", "path_prefix": "/api/v2/kubernetes", "status": status, "count": 2, "retry_after": 0});
        assert_eq!(emu.admin("POST", "faults", Some(fault)).0, 201);
    }
    ws.apply();
    let (_, faults) = emu.admin("GET", "faults", None);
    assert_eq!(
        faults["rules"].as_array().map(Vec::len).unwrap_or(0),
        0,
        "every fault was hit: {faults}"
    );
    ws.assert_no_changes();
}

#[test]
fn create_timeout_keeps_the_cluster_in_state_untainted() {
    let emu = Emulator::start_with(&["--provision-delay", "30s"]);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config(
        "slow",
        "1.8.3",
        "1.31.2",
        "  timeouts = { create = \"2s\" }",
    ));
    let run = ws.apply();
    let text = run.all().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("is not ready yet") && text.contains(r#"timeouts.create = "2s""#),
        "a warning naming the timeout as written:\n{}",
        run.all()
    );
    let r = ws.resource_entry(X);
    assert_ne!(
        r["tainted"], true,
        "a provisioning cluster is not tainted: {r}"
    );
    assert_eq!(r["values"]["status"], "Provisioning", "{r}");
    let id = r["values"]["id"].as_str().unwrap_or_default().to_string();
    let (status, cluster) = emu.api("GET", &format!("kubernetes/{id}"), None);
    assert_eq!(
        status, 200,
        "the ID names the real, still provisioning cluster"
    );
    assert_eq!(cluster["data"]["status"], "Provisioning");
    assert_eq!(r["values"]["timeouts"]["create"], "2s");
    // The next plan waits for it in place: never a replacement.
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.all().contains("1 to change, 0 to destroy"),
        "{}",
        plan.all()
    );
}
