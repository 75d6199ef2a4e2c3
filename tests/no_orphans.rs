//! Nothing orphaned, nothing duplicated: a cluster or pool that the API
//! created is in Terraform's state, and a create never makes a second object
//! of the same name, whatever happens to the answer or to Terraform: lost
//! answers, Ctrl-C while a create is in flight, `kill -9` of Terraform, and
//! a flaky API. Real Terraform drives the built provider against the
//! emulator, whose chaos features play the network.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{Emulator, Run, Workspace, assert_native_terraform, signal, wait_until};

const X: &str = "xelon_kubernetes_cluster.x";

fn cluster_config(name: &str) -> String {
    format!(
        r#"
resource "xelon_kubernetes_cluster" "x" {{
  cloud_id           = "cloud-1"
  tenant_id          = "tenant-1"
  name               = "{name}"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
}}
"#
    )
}

/// The cluster IDs that really exist, not counting deletions in progress.
fn live_clusters(emu: &Emulator) -> Vec<String> {
    emu.clusters()
        .iter()
        .filter(|c| c["cluster"]["status"] != "Deleting")
        .filter_map(|c| c["cluster"]["identifier"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn lost_create_answers_are_recovered_not_duplicated() {
    for lose in ["504", "drop"] {
        let emu = Emulator::start();
        // The cluster's create answer is lost, and so is its pool's.
        emu.arm(
            json!({"lose_response": lose, "method": "POST", "path_prefix": "/api/v2/kubernetes",
                   "path_suffix": "/kubernetes", "count": 1}),
        );
        emu.arm(
            json!({"lose_response": lose, "method": "POST", "path_prefix": "/api/v2/kubernetes/",
                   "path_suffix": "/pools", "count": 1}),
        );
        let ws = Workspace::new(&emu);
        ws.config(&format!(
            "{}\nresource \"xelon_kubernetes_node_pool\" \"p\" {{\n  kubernetes_cluster_id = xelon_kubernetes_cluster.x.id\n  name = \"p\"\n  node_count = 1\n}}\n",
            cluster_config("lost")
        ));
        ws.apply();
        let counts = emu.requests();
        assert_eq!(counts["lost"][lose], 2, "both answers were lost: {counts}");
        assert_eq!(counts["by_route"]["POST /kubernetes"], 1, "{counts}");
        assert_eq!(
            counts["by_route"]["POST /kubernetes/{id}/pools"], 1,
            "{counts}"
        );
        let truth = emu.clusters();
        assert_eq!(truth.len(), 1, "{truth:?}");
        assert_eq!(ws.resource(X)["id"], truth[0]["cluster"]["identifier"]);
        let pools = truth[0]["pools"].as_array().cloned().unwrap_or_default();
        assert_eq!(pools.len(), 1, "{pools:?}");
        assert_eq!(
            ws.resource("xelon_kubernetes_node_pool.p")["id"],
            pools[0]["identifier"]
        );
        ws.assert_no_changes();
    }
}

/// The `terraform-provider-xelon` processes whose working directory is
/// `dir` (Terraform starts its providers in the working directory).
fn providers_in(dir: &std::path::Path) -> Vec<u32> {
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_terraform-provider-xelon"));
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let proc = std::path::PathBuf::from(format!("/proc/{pid}"));
            std::fs::read_link(proc.join("exe")).is_ok_and(|e| e == exe)
                && std::fs::read_link(proc.join("cwd")).is_ok_and(|c| c == dir)
        })
        .collect()
}

fn gone(pid: u32) -> bool {
    // A zombie (state Z) has exited too.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(true)
}

#[test]
fn ctrl_c_during_a_create_in_flight_keeps_the_cluster_in_state() {
    assert_native_terraform();
    let emu = Emulator::start_with(&["--provision-delay", "2s"]);
    // The create request is held in flight for 4 s, then handled.
    emu.arm(
        json!({"delay_ms": 4000, "method": "POST", "path_prefix": "/api/v2/kubernetes",
               "path_suffix": "/kubernetes", "count": 1}),
    );
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("interrupted"));
    let apply = ws.spawn(&["apply", "-auto-approve", "-no-color"]);
    wait_until(|| emu.requests()["holding"] == 1);
    signal(apply.id(), "-INT");
    let run = Run::wait(apply);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("Interrupt received"), "{}", run.all());

    // The provider waited for the create's answer and recorded the ID,
    // untainted: the cluster is healthy, only its wait was cut short.
    let clusters = live_clusters(&emu);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let entry = ws.resource_entry(X);
    assert_eq!(entry["values"]["id"], clusters[0].as_str(), "{entry}");
    assert_ne!(entry["tainted"], true, "{entry}");

    // The next apply waits for that same cluster: never a second one, and
    // no replacement.
    ws.apply();
    assert_eq!(live_clusters(&emu), clusters);
    assert_eq!(ws.resource(X)["id"], clusters[0].as_str());
    let counts = emu.requests();
    assert_eq!(counts["by_route"]["POST /kubernetes"], 1, "{counts}");
    assert!(
        counts["by_route"]["DELETE /kubernetes/{id}"].is_null(),
        "{counts}"
    );
    ws.assert_no_changes();
}

#[test]
fn kill_9_during_a_create_then_apply_points_at_the_import() {
    let emu = Emulator::start_with(&["--provision-delay", "30s"]);
    let ws = Workspace::new(&emu);
    ws.config(&cluster_config("killed"));
    let apply = ws.spawn(&["apply", "-auto-approve", "-no-color"]);
    wait_until(|| emu.requests()["by_route"]["POST /kubernetes"] == 1);
    let providers = providers_in(ws.path());
    assert!(!providers.is_empty(), "no provider process found");
    signal(apply.id(), "-KILL");
    let _ = Run::wait(apply);
    let killed = Instant::now();

    // The provider does not outlive Terraform.
    let deadline = killed + Duration::from_secs(2);
    while !providers.iter().all(|pid| gone(*pid)) {
        assert!(
            Instant::now() < deadline,
            "provider still running 2 s after kill -9 of Terraform: {providers:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // The state never learnt of the cluster: the next apply refuses to make
    // a second one and names the import that adopts the first.
    let clusters = live_clusters(&emu);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let id = &clusters[0];
    let import_id = format!("tenant-1/{id}");
    ws.tf(&["apply", "-auto-approve", "-no-color"])
        .fails_with(&[
            "A Kubernetes cluster of this name already exists",
            id,
            "import {",
            &format!("id = \"{import_id}\""),
            &format!("terraform import xelon_kubernetes_cluster.<label> {import_id}"),
        ]);
    assert_eq!(live_clusters(&emu).len(), 1);

    // After the import the apply converges on that one cluster.
    ws.tf(&["import", "-no-color", X, &import_id]).ok();
    ws.apply();
    assert_eq!(ws.resource(X)["id"], id.as_str());
    assert_eq!(live_clusters(&emu), vec![id.clone()]);
    ws.assert_no_changes();
}

/// A chaos run: 5 clusters with 2 pools each under 20% 5xx, 10% 429 and
/// 100 ms latency on every request, and 10% of create answers lost (and at
/// least one of each kind for sure). It
/// converges in at most 2 applies, after which every object on the API is
/// in the state exactly once; destroy leaves the API empty.
#[test]
fn a_flaky_api_converges_with_nothing_orphaned_or_duplicated() {
    let emu = Emulator::start_with(&[
        "--seed",
        "7",
        "--latency",
        "100ms",
        "--fault-rate",
        "500=0.05,502=0.05,503=0.1,429=0.1",
    ]);
    emu.arm(json!({"chaos": {"lost_response_rate": 0.1}, "method": "POST", "path_prefix": "/api/v2/kubernetes"}),
    );
    // Whatever the draws, at least one cluster's and one pool's create
    // answer is lost, so the run cannot pass without recovering them.
    emu.arm(
        json!({"lose_response": "504", "method": "POST", "path_prefix": "/api/v2/kubernetes",
               "path_suffix": "/kubernetes", "count": 1}),
    );
    emu.arm(
        json!({"lose_response": "drop", "method": "POST", "path_prefix": "/api/v2/kubernetes/",
               "path_suffix": "/pools", "count": 1}),
    );
    let ws = Workspace::new(&emu);
    let mut config = String::new();
    for c in 0..5 {
        config.push_str(&format!(
            "resource \"xelon_kubernetes_cluster\" \"c{c}\" {{\n  cloud_id = \"cloud-1\"\n  tenant_id = \"tenant-1\"\n  name = \"chaos-{c}\"\n  talos_version = \"1.8.3\"\n  kubernetes_version = \"1.31.2\"\n}}\n"
        ));
        for p in 0..2 {
            config.push_str(&format!(
                "resource \"xelon_kubernetes_node_pool\" \"c{c}p{p}\" {{\n  kubernetes_cluster_id = xelon_kubernetes_cluster.c{c}.id\n  name = \"pool-{p}\"\n  node_count = 1\n}}\n"
            ));
        }
    }
    ws.config(&config);
    let mut applies = 0;
    let converged = loop {
        applies += 1;
        let run = ws.tf(&["apply", "-auto-approve", "-no-color"]);
        if run.code == 0 {
            break true;
        }
        eprintln!("apply {applies} failed:\n{}", run.all());
        if applies == 2 {
            break false;
        }
    };
    let counts = emu.requests();
    eprintln!("chaos run: {applies} apply(s); API answers: {counts}");
    assert!(converged, "did not converge in 2 applies");
    let lost =
        counts["lost"]["504"].as_i64().unwrap_or(0) + counts["lost"]["drop"].as_i64().unwrap_or(0);
    assert!(lost >= 2, "answers were lost: {counts}");
    assert!(
        counts["injected"]
            .as_object()
            .is_some_and(|i| !i.is_empty()),
        "faults were injected: {counts}"
    );

    // Every object on the API is in the state exactly once.
    let state = ws.state();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let in_state = |kind: &str| -> Vec<String> {
        let mut ids: Vec<String> = resources
            .iter()
            .filter(|r| r["type"] == kind)
            .filter_map(|r| r["values"]["id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let truth = emu.clusters();
    let mut clusters: Vec<String> = truth
        .iter()
        .filter_map(|c| c["cluster"]["identifier"].as_str().map(str::to_owned))
        .collect();
    clusters.sort();
    let mut pools: Vec<String> = truth
        .iter()
        .flat_map(|c| c["pools"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["identifier"].as_str().map(str::to_owned))
        .collect();
    pools.sort();
    assert_eq!(clusters.len(), 5, "{truth:?}");
    assert_eq!(pools.len(), 10, "{truth:?}");
    assert_eq!(in_state("xelon_kubernetes_cluster"), clusters);
    assert_eq!(in_state("xelon_kubernetes_node_pool"), pools);
    ws.assert_no_changes();

    ws.tf(&["destroy", "-auto-approve", "-no-color"]).ok();
    wait_until(|| emu.clusters().is_empty());
}
