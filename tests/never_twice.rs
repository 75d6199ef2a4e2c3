//! Nothing adopted that is not ours, nothing created twice, no provisioning
//! cluster thrown away: real Terraform against the emulator playing slow
//! backends, gateways that give up, two teams creating one name at the same
//! moment, Ctrl-C and credential outages while a cluster provisions, and
//! create timeouts shorter than provisioning.
//!
//! Each test counts what the API was asked (`POST`s, `DELETE`s), what
//! exists at the API and what each state holds.

mod support;

use std::process::Child;
use std::time::Duration;

use serde_json::json;
use support::{
    Emulator, Run, Workspace, assert_native_terraform, folded, signal, wait_until, wait_up_to,
};

const X: &str = "xelon_kubernetes_cluster.x";

fn cluster_config(name: &str, extra: &str) -> String {
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

/// How many requests went to `route` (e.g. `POST /kubernetes`).
fn sent(emu: &Emulator, route: &str) -> u64 {
    emu.requests()["by_route"][route].as_u64().unwrap_or(0)
}

/// The IDs of the clusters named `name` that really exist, not counting
/// deletions in progress.
fn live_clusters(emu: &Emulator, name: &str) -> Vec<String> {
    emu.clusters()
        .iter()
        .filter(|c| c["cluster"]["status"] != "Deleting" && c["cluster"]["name"] == name)
        .filter_map(|c| c["cluster"]["identifier"].as_str().map(str::to_owned))
        .collect()
}

/// The POST of a cluster create (not of a pool, node or upgrade).
fn cluster_post() -> serde_json::Value {
    json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "path_suffix": "/kubernetes"})
}

fn with(mut rule: serde_json::Value, more: serde_json::Value) -> serde_json::Value {
    if let (Some(rule), Some(more)) = (rule.as_object_mut(), more.as_object()) {
        rule.extend(more.clone());
    }
    rule
}

fn apply_spawned(ws: &Workspace) -> Child {
    ws.spawn(&["apply", "-auto-approve", "-no-color"])
}

/// A slow create leaves one cluster, in state, and nothing after destroy:
/// `answer` is the rule that makes the create's answer late or lost.
fn slow_create_leaves_one_cluster(name: &str, answer: serde_json::Value) {
    let emu = Emulator::start();
    emu.arm(with(cluster_post(), answer));
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config(name, ""));
    let run = ws.apply();
    let clusters = live_clusters(&emu, name);
    assert_eq!(
        clusters.len(),
        1,
        "one cluster: {clusters:?}\n{}",
        run.all()
    );
    assert_eq!(sent(&emu, "POST /kubernetes"), 1, "one POST");
    assert_eq!(ws.resource(X)["id"], clusters[0].as_str(), "in state");
    ws.assert_no_changes();
    ws.tf(&["destroy", "-auto-approve", "-no-color"]).ok();
    wait_until(|| live_clusters(&emu, name).is_empty());
}

#[test]
fn an_answer_after_the_request_timeout_leaves_one_cluster() {
    // The API answers after 70 s; the provider's request timeout is 60 s.
    slow_create_leaves_one_cluster("slow-answer", json!({"delay_ms": 70_000, "count": 1}));
}

#[test]
fn a_gateway_504_while_the_backend_goes_on_leaves_one_cluster() {
    // The gateway gives up at 30 s; the backend creates the cluster at 40 s.
    slow_create_leaves_one_cluster(
        "gateway",
        json!({"delay_ms": 40_000, "gateway_timeout_ms": 30_000, "count": 1}),
    );
}

/// Two working directories apply a cluster of one name at the same moment.
/// Both creates pass the check before their POST (the API holds each POST
/// for 4 s, so neither cluster exists yet when the other looks); `lose`
/// loses the first answer. Returns both runs and workspaces.
fn two_states_one_name(name: &str, lose: bool) -> (Emulator, [(Workspace, Run); 2]) {
    let emu = Emulator::start_with(&["--latency", "200ms"]);
    if lose {
        emu.arm(with(
            cluster_post(),
            json!({"delay_ms": 4000, "lose_response": "504", "count": 1}),
        ));
    }
    emu.arm(with(cluster_post(), json!({"delay_ms": 4000, "count": 2})));
    let a = Workspace::new(&emu);
    let b = Workspace::new(&emu);
    a.config(&cluster_config(name, ""));
    b.config(&cluster_config(name, ""));
    let (run_a, run_b) = (apply_spawned(&a), apply_spawned(&b));
    let (run_a, run_b) = (Run::wait(run_a), Run::wait(run_b));
    assert_eq!(sent(&emu, "POST /kubernetes"), 2, "one POST each");
    let clusters = live_clusters(&emu, name);
    assert_eq!(clusters.len(), 2, "{clusters:?}");
    (emu, [(a, run_a), (b, run_b)])
}

/// The cluster ID a workspace holds, if any.
fn held(ws: &Workspace) -> Option<String> {
    ws.has_resource(X)
        .then(|| ws.resource(X)["id"].as_str().map(str::to_owned))
        .flatten()
}

#[test]
fn two_states_creating_one_name_each_hold_their_own_and_are_told() {
    let (emu, runs) = two_states_one_name("twins", false);
    let clusters = live_clusters(&emu, "twins");
    let mut holds = Vec::new();
    for (ws, run) in &runs {
        assert_eq!(run.code, 0, "{}", run.all());
        let own = held(ws).expect("each state holds a cluster");
        let other = clusters.iter().find(|c| **c != own).expect("the other");
        let text = folded(run);
        assert!(
            text.contains("Another Kubernetes cluster of this name appeared during this create")
                && text.contains(&format!("This state holds {own}"))
                && text.contains(&format!("- {other} (")),
            "the twin is named:\n{}",
            run.all()
        );
        holds.push(own);
    }
    assert_ne!(holds[0], holds[1], "never one cluster in two states");
}

#[test]
fn two_states_creating_one_name_with_a_lost_answer_share_nothing() {
    let (emu, runs) = two_states_one_name("twins-lost", true);
    let clusters = live_clusters(&emu, "twins-lost");
    let (lost, answered): (Vec<_>, Vec<_>) = runs.iter().partition(|(_, run)| run.code != 0);
    assert_eq!(
        (lost.len(), answered.len()),
        (1, 1),
        "one create lost its answer"
    );
    let (ws, run) = lost[0];
    let text = folded(run);
    assert!(
        text.contains("Several Kubernetes clusters of this name appeared; none was recorded")
            && clusters.iter().all(|c| text.contains(c.as_str())),
        "the lost create names every candidate:\n{}",
        run.all()
    );
    assert_eq!(held(ws), None, "it takes none of them");
    let (ws, run) = answered[0];
    let own = held(ws).expect("the answered create holds its cluster");
    let other = clusters.iter().find(|c| **c != own).expect("the other");
    let text = folded(run);
    assert!(
        text.contains("Another Kubernetes cluster of this name appeared during this create")
            && text.contains(other.as_str()),
        "the answered create is told of the other:\n{}",
        run.all()
    );
}

#[test]
fn ctrl_c_while_provisioning_keeps_the_cluster_and_the_next_apply_waits_for_it() {
    assert_native_terraform();
    let emu = Emulator::start_with(&["--provision-delay", "8s"]);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("interrupted", ""));
    let apply = apply_spawned(&ws);
    // The POST was answered and the provider polls the cluster.
    wait_until(|| sent(&emu, "GET /kubernetes/{id}") >= 1);
    signal(apply.id(), "-INT");
    let run = Run::wait(apply);
    assert_ne!(run.code, 0, "{}", run.all());
    let clusters = live_clusters(&emu, "interrupted");
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let entry = ws.resource_entry(X);
    assert_eq!(entry["values"]["id"], clusters[0].as_str(), "{entry}");
    assert_ne!(
        entry["tainted"], true,
        "a healthy cluster is not tainted: {entry}"
    );
    assert_ne!(entry["values"]["status"], "Ready", "{entry}");

    // The next apply waits for the same cluster: no delete, no second POST.
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.all().contains("update in-place") && !plan.all().contains("must be replaced"),
        "{}",
        plan.all()
    );
    ws.apply();
    assert_eq!(live_clusters(&emu, "interrupted"), clusters, "same ID");
    assert_eq!(ws.resource(X)["status"], "Ready");
    assert_eq!(sent(&emu, "POST /kubernetes"), 1);
    assert_eq!(sent(&emu, "DELETE /kubernetes/{id}"), 0);
    ws.assert_no_changes();
}

#[test]
fn a_window_of_401s_while_provisioning_costs_no_cluster() {
    let emu = Emulator::start_with(&["--provision-delay", "6s"]);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("outage", ""));
    let apply = apply_spawned(&ws);
    wait_until(|| sent(&emu, "POST /kubernetes") == 1);
    // 30 s in which the API rejects every credential.
    emu.arm(json!({"path_prefix": "/api/v2/", "status": 401, "for_ms": 30_000}));
    let run = Run::wait(apply);
    let clusters = live_clusters(&emu, "outage");
    assert_eq!(clusters.len(), 1, "{clusters:?}\n{}", run.all());
    let entry = ws.resource_entry(X);
    assert_eq!(
        entry["values"]["id"],
        clusters[0].as_str(),
        "{entry}\n{}",
        run.all()
    );
    assert_ne!(entry["tainted"], true, "{entry}\n{}", run.all());
    assert!(
        folded(&run).contains("rejected the provider's credentials while it was waited for"),
        "{}",
        run.all()
    );

    // Once the API accepts the token again, the next apply waits for the
    // same cluster.
    wait_up_to(Duration::from_secs(60), || {
        emu.api("GET", "tenants/current", None).0 == 200
    });
    ws.apply();
    assert_eq!(live_clusters(&emu, "outage"), clusters, "same ID");
    assert_eq!(sent(&emu, "POST /kubernetes"), 1);
    assert_eq!(sent(&emu, "DELETE /kubernetes/{id}"), 0);
    ws.assert_no_changes();
}

#[test]
fn a_create_timeout_below_provisioning_converges_with_one_post() {
    let emu = Emulator::start_with(&["--provision-delay", "8s"]);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config(
        "short",
        "  timeouts = {\n    create = \"2s\"\n  }",
    ));
    let first = ws.apply();
    let text = folded(&first);
    assert!(
        text.contains(r#"timeouts.create = "2s""#)
            && text.contains("Its last status was")
            && text.contains("the next apply waits for this same object"),
        "the message names the setting as written and what comes next:\n{}",
        first.all()
    );
    let clusters = live_clusters(&emu, "short");
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert_eq!(ws.resource(X)["id"], clusters[0].as_str());

    // The second apply waits for it (it may need more than one 2 s wait).
    let mut applies = 1;
    while ws.resource(X)["status"] != "Ready" {
        assert!(applies < 8, "never converged");
        ws.apply();
        applies += 1;
    }
    assert_eq!(live_clusters(&emu, "short"), clusters, "same ID");
    assert_eq!(sent(&emu, "POST /kubernetes"), 1, "one POST in total");
    assert_eq!(sent(&emu, "DELETE /kubernetes/{id}"), 0);
    ws.assert_no_changes();
}

#[test]
fn a_pool_on_a_busy_cluster_waits_for_it() {
    let emu = Emulator::start_with(&["--provision-delay", "15s"]);
    // A cluster made outside Terraform, still provisioning.
    let (status, body) = emu.api(
        "POST",
        "kubernetes",
        Some(json!({
            "cloudIdentifier": "cloud-1", "tenantIdentifier": "tenant-1", "clusterName": "busy",
            "k8sVersion": "1.31.2", "talosVersion": "1.8.3",
            "controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50, "controlPlaneType": "test",
            "loadBalancerCpu": 2, "loadBalancerRam": 4, "loadBalancerDisk": 50, "loadBalancerType": "test",
            "podSubnet": "100.111.0.0/16", "serviceSubnet": "100.112.0.0/12",
            "notify": false, "workerPool": []
        })),
    );
    assert!(status < 300, "{status} {body}");
    let id = body["data"]["identifier"].as_str().expect("id").to_owned();
    assert_ne!(emu.truth(&id)["cluster"]["status"], "Ready");

    // Imported while provisioning: the import says so.
    let ws = Workspace::new(&emu);
    ws.config(&format!(
        "{}\nresource \"xelon_kubernetes_node_pool\" \"p\" {{\n  kubernetes_cluster_id = \"{id}\"\n  name = \"p\"\n  node_count = 1\n}}\n",
        cluster_config("busy", "  control_plane = { high_availability_enabled = false }\n  load_balancer = { high_availability_enabled = false }")
    ));
    let import = ws
        .tf(&["import", "-no-color", X, &format!("tenant-1/{id}")])
        .ok();
    assert!(
        folded(&import).contains("The Kubernetes cluster is not ready"),
        "{}",
        import.all()
    );
    assert_eq!(ws.resource(X)["id"], id.as_str());

    // The apply waits for the cluster, then creates the pool.
    ws.apply();
    assert_eq!(emu.truth(&id)["cluster"]["status"], "Ready");
    assert_eq!(ws.resource(X)["status"], "Ready");
    let pools = emu.truth(&id)["pools"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(pools.len(), 1, "{pools:?}");
    assert_eq!(
        ws.resource("xelon_kubernetes_node_pool.p")["id"],
        pools[0]["identifier"]
    );
    assert_eq!(
        sent(&emu, "POST /kubernetes/{id}/pools"),
        1,
        "no 409 resends needed"
    );
    assert_eq!(sent(&emu, "DELETE /kubernetes/{id}"), 0);
    ws.assert_no_changes();
}
