//! `xelon_kubernetes_node_pool`.

use serde_json::{Value, json};

use crate::output;
use crate::support::{self, Emulator, Workspace};

#[test]
fn node_pool_by_name_and_by_id() {
    let emu = Emulator::start();
    let cluster = emu.create_cluster("pools", true, false);
    let workers = emu.create_pool(&cluster, "workers", 2, (4, 8, 60), 0);
    let storage = emu.create_pool(&cluster, "storage", 1, (4, 8, 60), 20);
    let ws = Workspace::new(&emu);
    let config = |lookup: &str| {
        format!(
            r#"
data "xelon_kubernetes_node_pool" "p" {{
  kubernetes_cluster_id = "{cluster}"
  {lookup}
}}
output "p" {{ value = data.xelon_kubernetes_node_pool.p }}
"#
        )
    };

    ws.config(&config("name = \"workers\""));
    ws.apply();
    let p = output(&ws, "p");
    assert_eq!(p["id"], workers.as_str());
    assert_eq!(p["name"], "workers");
    assert_eq!(
        (
            &p["node_count"],
            &p["cpu_core_count"],
            &p["memory"],
            &p["disk_size"],
        ),
        (&json!(2), &json!(4), &json!(8), &json!(60))
    );
    // The SDK's pool model omits a zero `extraStorage` (the `sdk` profile):
    // then "none" cannot be told from "not reported".
    if support::profile() == "sdk" {
        assert!(
            [json!(0), Value::Null].contains(&p["extra_storage_size"]),
            "{p}"
        );
    } else {
        assert_eq!(p["extra_storage_size"], 0, "{p}");
    }
    let nodes = p["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2, "{p}");
    for n in nodes {
        assert!(n["id"].as_str().is_some_and(|s| !s.is_empty()), "{n}");
        assert!(n["name"].as_str().is_some_and(|s| !s.is_empty()), "{n}");
        assert!(n["status"].is_string(), "{n}");
    }

    ws.config(&config(&format!("id = \"{storage}\"")));
    ws.apply();
    let p = output(&ws, "p");
    assert_eq!(p["name"], "storage");
    assert_eq!(p["id"], storage.as_str());
    assert_eq!(
        (&p["node_count"], &p["extra_storage_size"]),
        (&json!(1), &json!(20))
    );

    // No such name: the error lists the pools that exist.
    ws.config(&config("name = \"nope\""));
    ws.plan().fails_with(&[
        "Node pool not found",
        "name = \"nope\"",
        &format!("\"workers\" ({workers})"),
        &format!("\"storage\" ({storage})"),
    ]);
    // No such ID: likewise, on `id`.
    ws.config(&config("id = \"pool-nope\""));
    ws.plan()
        .fails_with(&["Node pool not found", "id = \"pool-nope\"", "\"workers\""]);

    // Two pools share a name: the error lists their IDs.
    let twin = emu.create_pool(&cluster, "workers", 1, (4, 8, 60), 0);
    ws.config(&config("name = \"workers\""));
    ws.plan().fails_with(&[
        "Several node pools have this name",
        &format!("{workers}, {twin}"),
    ]);

    // Unknown cluster: on kubernetes_cluster_id.
    ws.config(
        r#"
data "xelon_kubernetes_node_pool" "p" {
  kubernetes_cluster_id = "k8s-nope"
  name                  = "workers"
}
"#,
    );
    ws.plan()
        .fails_with(&["not found", "kubernetes_cluster_id = \"k8s-nope\""]);

    // Both or neither of id and name: rejected at validate, without the API.
    ws.config(&config(&format!(
        "id = \"{workers}\"\n  name = \"workers\""
    )));
    ws.tf(&["validate", "-no-color"]).fails_with(&[
        "Conflicting lookup attributes",
        "Set only one of `id` or `name`",
        "name = \"workers\"",
    ]);
    ws.config(&config(""));
    ws.tf(&["validate", "-no-color"]).fails_with(&[
        "Missing lookup attribute",
        "Set exactly one of `id` or `name`",
    ]);
}
