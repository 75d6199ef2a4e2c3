//! Acceptance tests of the list resources with `terraform query` (Terraform
//! 1.14+): listing clusters across pages (the emulator holds 2 per page),
//! with and without filters and limits; listing node pools; and
//! `terraform query -generate-config-out` whose configuration, applied,
//! imports every listed object with no changes planned afterwards. Real
//! Terraform, the built provider and a local emulator.

mod support;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use support::{Emulator, Workspace};

/// An emulator whose list pages hold at most 2 items, whatever the client asks.
fn emulator() -> Emulator {
    Emulator::start_with(&[
        "--max-per-page",
        "2",
        "--provision-delay",
        "0s",
        "--node-delay",
        "0s",
    ])
}

/// Creates a Ready cluster `name` in `cloud` through the API; returns its ID.
fn cluster_in(emu: &Emulator, cloud: &str, name: &str) -> String {
    let (status, body) = emu.api(
        "POST",
        "kubernetes",
        Some(json!({
            "cloudIdentifier": cloud, "tenantIdentifier": "tenant-1", "clusterName": name,
            "k8sVersion": "1.31.2", "talosVersion": "1.8.3",
            "controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50,
            "controlPlaneType": "test",
            "loadBalancerCpu": 2, "loadBalancerRam": 4, "loadBalancerDisk": 50,
            "loadBalancerType": "test",
            "podSubnet": "100.111.0.0/16", "serviceSubnet": "100.112.0.0/12",
            "notify": false, "workerPool": []
        })),
    );
    assert!(status < 300, "{status} {body}");
    let id = body["data"]["identifier"].as_str().expect("id").to_string();
    emu.wait_ready(&id);
    id
}

/// A workspace with the provider requirement and `queries` as `main.tfquery.hcl`.
fn workspace(emu: &Emulator, queries: &str) -> Workspace {
    let ws = Workspace::new(emu);
    ws.config("");
    ws.write("main.tfquery.hcl", queries);
    ws
}

/// One result of `terraform query -json`.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    display_name: String,
    identity: Value,
    resource_object: Value,
}

/// `terraform query -json ARGS`, which must succeed: the results of each
/// list block, in the order found.
fn query(ws: &Workspace, args: &[&str]) -> BTreeMap<String, Vec<Found>> {
    let mut command = vec!["query", "-json"];
    command.extend_from_slice(args);
    let run = ws.tf(&command).ok();
    let mut found: BTreeMap<String, Vec<Found>> = BTreeMap::new();
    for line in run.stdout.lines() {
        let message: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("query -json line {line:?}: {e}"));
        match message["type"].as_str() {
            Some("list_resource_found") => {
                let r = &message["list_resource_found"];
                found
                    .entry(r["address"].as_str().unwrap().to_string())
                    .or_default()
                    .push(Found {
                        display_name: r["display_name"].as_str().unwrap().to_string(),
                        identity: r["identity"].clone(),
                        resource_object: r["resource_object"].clone(),
                    });
            }
            Some("list_complete") => {
                let c = &message["list_complete"];
                let address = c["address"].as_str().unwrap().to_string();
                let listed = found.entry(address).or_default().len();
                assert_eq!(c["total"], listed, "{line}");
            }
            _ => {}
        }
    }
    found
}

fn identities(found: &[Found]) -> Vec<Value> {
    found.iter().map(|f| f.identity.clone()).collect()
}

fn names(found: &[Found]) -> Vec<&str> {
    found.iter().map(|f| f.display_name.as_str()).collect()
}

/// How many times the emulator answered `route` since the counters were reset.
fn calls(emu: &Emulator, route: &str) -> u64 {
    let (_, counts) = emu.admin("GET", "requests", None);
    counts["by_route"][route].as_u64().unwrap_or(0)
}

#[test]
fn query_pages_through_every_cluster_with_and_without_filters() {
    let emu = emulator();
    let mut ids = Vec::new();
    for name in ["c-1", "c-2", "c-3", "c-4"] {
        ids.push(cluster_in(&emu, "cloud-1", name));
    }
    let other = cluster_in(&emu, "cloud-2", "other");
    ids.push(other.clone());
    let ws = workspace(
        &emu,
        r#"
list "xelon_kubernetes_cluster" "all" {
  provider = xelon
}

list "xelon_kubernetes_cluster" "named" {
  provider = xelon
  config {
    name = "c-3"
  }
}

list "xelon_kubernetes_cluster" "in_cloud_2" {
  provider = xelon
  config {
    cloud_id = "cloud-2"
  }
}
"#,
    );
    emu.admin("DELETE", "requests", None);
    let found = query(&ws, &[]);
    // Every cluster that really exists, in the API's order, found on 3 pages.
    let truth: Vec<Value> = emu
        .clusters()
        .iter()
        .map(|c| json!({"id": c["cluster"]["identifier"]}))
        .collect();
    let all = &found["list.xelon_kubernetes_cluster.all"];
    assert_eq!(identities(all), truth);
    assert_eq!(
        identities(all),
        ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()
    );
    assert_eq!(names(all), ["c-1", "c-2", "c-3", "c-4", "other"]);
    assert!(all.iter().all(|f| f.resource_object.is_null()));
    let named = &found["list.xelon_kubernetes_cluster.named"];
    assert_eq!(identities(named), [json!({"id": ids[2]})]);
    assert_eq!(names(named), ["c-3"]);
    let cloud_2 = &found["list.xelon_kubernetes_cluster.in_cloud_2"];
    assert_eq!(identities(cloud_2), [json!({"id": other})]);
    // Each block paged through all 5 clusters, 2 per page; without
    // include_resource nothing else was read.
    assert_eq!(calls(&emu, "GET /kubernetes"), 3 * 3);
    assert_eq!(calls(&emu, "GET /kubernetes/{id}"), 0);

    // The human output: one line per result, the identity and the name.
    let run = ws.tf(&["query", "-no-color"]).ok();
    for (id, name) in ids.iter().zip(["c-1", "c-2", "c-3", "c-4", "other"]) {
        let line = format!("list.xelon_kubernetes_cluster.all   id={id}   {name}");
        assert!(run.stdout.contains(&line), "{line}:\n{}", run.stdout);
    }

    // A limit stops the listing, and the paging, early.
    ws.write(
        "main.tfquery.hcl",
        "list \"xelon_kubernetes_cluster\" \"first\" {\n  provider = xelon\n  limit    = 3\n}\n",
    );
    emu.admin("DELETE", "requests", None);
    let first = &query(&ws, &[])["list.xelon_kubernetes_cluster.first"];
    assert_eq!(names(first), ["c-1", "c-2", "c-3"]);
    assert_eq!(calls(&emu, "GET /kubernetes"), 2);

    // A filter that matches nothing: no result, a warning from Terraform.
    ws.write(
        "main.tfquery.hcl",
        "list \"xelon_kubernetes_cluster\" \"none\" {\n  provider = xelon\n  config {\n    name = \"nope\"\n  }\n}\n",
    );
    let run = ws.tf(&["query", "-no-color"]).ok();
    assert!(
        run.stdout
            .contains("list block(s) [list.xelon_kubernetes_cluster.none] returned 0"),
        "{}",
        run.stdout
    );
}

#[test]
fn query_lists_the_node_pools_of_a_cluster() {
    let emu = emulator();
    let cluster = cluster_in(&emu, "cloud-1", "host");
    let pools: Vec<String> = ["main", "batch", "gpu"]
        .iter()
        .map(|name| emu.create_pool(&cluster, name, 1, (2, 4, 50), 0))
        .collect();
    let elsewhere = cluster_in(&emu, "cloud-1", "elsewhere");
    let lonely = emu.create_pool(&elsewhere, "main", 1, (2, 4, 50), 0);
    let ws = workspace(
        &emu,
        &format!(
            r#"
list "xelon_kubernetes_node_pool" "host" {{
  provider = xelon
  config {{
    kubernetes_cluster_id = "{cluster}"
  }}
}}

list "xelon_kubernetes_node_pool" "host_batch" {{
  provider = xelon
  config {{
    kubernetes_cluster_id = "{cluster}"
    name                  = "batch"
  }}
}}

list "xelon_kubernetes_node_pool" "elsewhere" {{
  provider = xelon
  config {{
    kubernetes_cluster_id = "{elsewhere}"
  }}
}}
"#
        ),
    );
    let found = query(&ws, &[]);
    let host = &found["list.xelon_kubernetes_node_pool.host"];
    assert_eq!(names(host), ["main", "batch", "gpu"]);
    let truth: Vec<Value> = emu.truth(&cluster)["pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"kubernetes_cluster_id": cluster, "id": p["identifier"]}))
        .collect();
    assert_eq!(identities(host), truth);
    assert_eq!(
        identities(host),
        pools
            .iter()
            .map(|p| json!({"kubernetes_cluster_id": cluster, "id": p}))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        identities(&found["list.xelon_kubernetes_node_pool.host_batch"]),
        [json!({"kubernetes_cluster_id": cluster, "id": pools[1]})]
    );
    assert_eq!(
        identities(&found["list.xelon_kubernetes_node_pool.elsewhere"]),
        [json!({"kubernetes_cluster_id": elsewhere, "id": lonely})]
    );

    // The cluster is required, and must exist.
    ws.write(
        "main.tfquery.hcl",
        "list \"xelon_kubernetes_node_pool\" \"x\" {\n  provider = xelon\n}\n",
    );
    ws.tf(&["query", "-no-color"])
        .fails_with(&["Missing config block"]);
    ws.write(
        "main.tfquery.hcl",
        "list \"xelon_kubernetes_node_pool\" \"x\" {\n  provider = xelon\n  config {\n    kubernetes_cluster_id = \"k8s-nothing\"\n  }\n}\n",
    );
    ws.tf(&["query", "-no-color"])
        .fails_with(&["Unknown Kubernetes cluster", "k8s-nothing"]);
}

#[test]
fn query_generate_config_out_imports_every_listed_object_without_changes() {
    let emu = emulator();
    let first = cluster_in(&emu, "cloud-1", "first");
    cluster_in(&emu, "cloud-1", "second");
    cluster_in(&emu, "cloud-2", "third");
    emu.create_pool(&first, "main", 2, (2, 4, 50), 0);
    emu.create_pool(&first, "storage", 1, (4, 8, 100), 30);
    let ws = workspace(
        &emu,
        &format!(
            r#"
list "xelon_kubernetes_cluster" "clusters" {{
  provider         = xelon
  include_resource = true
}}

list "xelon_kubernetes_node_pool" "pools" {{
  provider         = xelon
  include_resource = true
  config {{
    kubernetes_cluster_id = "{first}"
  }}
}}
"#
        ),
    );
    let found = query(&ws, &[]);
    let listed: Vec<Found> = found.values().flatten().cloned().collect();
    assert_eq!(listed.len(), 5, "{listed:#?}");
    assert!(listed.iter().all(|f| f.resource_object.is_object()));

    emu.admin("DELETE", "requests", None);
    ws.tf(&["query", "-no-color", "-generate-config-out=generated.tf"])
        .ok();
    let mut generated = ws.read("generated.tf");
    assert_eq!(generated.matches("import {").count(), 5, "{generated}");
    for f in &listed {
        for value in f.identity.as_object().unwrap().values() {
            let id = value.as_str().unwrap();
            assert!(
                generated.contains(&format!("\"{id}\"")),
                "{id}:\n{generated}"
            );
        }
    }
    let versions_reported = support::profile() == "rich";
    if !versions_reported {
        // The API reports no versions: the user fills them in (as the import
        // docs say), and the apply records them without API calls.
        assert!(generated.contains("talos_version = null"), "{generated}");
        generated = generated
            .replace("talos_version = null", "talos_version = \"1.8.3\"")
            .replace(
                "kubernetes_version = null",
                "kubernetes_version = \"1.31.2\"",
            );
        ws.write("generated.tf", &generated);
    }
    let run = ws.apply();
    let changed = if versions_reported { 0 } else { 3 };
    let summary = format!("5 imported, 0 added, {changed} changed, 0 destroyed");
    assert!(run.stdout.contains(&summary), "{summary}:\n{}", run.stdout);
    // Importing changed nothing on the API.
    assert_eq!(emu.changes_made(), Vec::<String>::new());
    ws.assert_no_changes();

    // Each listed object is in the state under its identity, and its listed
    // state is what the import stored (less the kubeconfig, which a listing
    // never reads, and the versions the user filled in).
    let state = ws.state();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    assert_eq!(resources.len(), 5);
    for f in &listed {
        let r = resources
            .iter()
            .find(|r| r["identity"] == f.identity)
            .unwrap_or_else(|| panic!("{:?} not imported: {state}", f.identity));
        let mut stored = r["values"].clone();
        let mut object = f.resource_object.clone();
        if r["type"] == "xelon_kubernetes_cluster" {
            assert!(stored["kube_config_raw"].is_null());
            assert!(object["kube_config_raw"].is_null());
            let mut ignored = Vec::new();
            if !versions_reported {
                assert!(object["talos_version"].is_null(), "{object}");
                ignored.extend(["talos_version", "kubernetes_version"]);
            }
            for name in ignored {
                stored[name] = Value::Null;
                object[name] = Value::Null;
            }
        }
        assert_eq!(stored, object, "{}", r["address"]);
    }
}

#[test]
fn schemas_show_identities_and_list_resources() {
    let ws = Workspace::bare();
    ws.config("");
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let p = &schema["provider_schemas"]["registry.terraform.io/xelon-ag/xelon"];
    let identities = &p["resource_identity_schemas"];
    let attributes = |t: &str| -> Vec<String> {
        let mut names: Vec<String> = identities[t]["attributes"]
            .as_object()
            .unwrap_or_else(|| panic!("no identity for {t}: {identities}"))
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    };
    assert_eq!(attributes("xelon_kubernetes_cluster"), ["id"]);
    assert_eq!(
        attributes("xelon_kubernetes_node_pool"),
        ["id", "kubernetes_cluster_id"]
    );
    assert_eq!(
        identities["xelon_kubernetes_node_pool"]["attributes"]["id"]["required_for_import"],
        true
    );
    let lists = &p["list_resource_schemas"];
    // The schema of the list block's `config`, as the provider serves it.
    let config = |t: &str| lists[t]["block"]["attributes"].clone();
    assert_eq!(config("xelon_kubernetes_cluster")["name"]["optional"], true);
    assert_eq!(
        config("xelon_kubernetes_node_pool")["kubernetes_cluster_id"]["required"],
        true
    );
}
