//! Acceptance tests of the data sources: real Terraform, the built provider
//! and a local emulator (seeded with tenants tenant-1..3 and clouds
//! cloud-1/cloud-2, see `src/emulator/seed.rs`).

mod support;

use serde_json::{Value, json};
use support::{Emulator, Workspace};

/// `terraform output -json`, parsed.
fn outputs(ws: &Workspace) -> Value {
    let run = ws.tf(&["output", "-json", "-no-color"]).ok();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("outputs JSON: {e}\n{}", run.stdout))
}

/// The value of output `name`.
fn output(ws: &Workspace, name: &str) -> Value {
    let all = outputs(ws);
    all.get(name)
        .unwrap_or_else(|| panic!("no output {name}: {all}"))["value"]
        .clone()
}

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

/// The API calls the emulator counted since the last call, by route
/// (`{"GET /tenants": 1}`); resets the counters.
fn take_requests(emu: &Emulator) -> Value {
    let (status, log) = emu.admin("DELETE", "requests", None);
    assert_eq!(status, 200, "{log}");
    log["by_route"].clone()
}

#[test]
fn cloud_by_name_and_by_id() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(
        r#"
data "xelon_cloud" "by_name" {
  name = "Secondary Cloud"
}
data "xelon_cloud" "by_id" {
  id = "cloud-1"
}
output "by_name" { value = data.xelon_cloud.by_name }
output "by_id" { value = data.xelon_cloud.by_id }
"#,
    );
    ws.apply();
    assert_eq!(
        output(&ws, "by_name"),
        json!({"id": "cloud-2", "name": "Secondary Cloud", "type": "hcp", "hv_type": "vmware"})
    );
    assert_eq!(
        output(&ws, "by_id"),
        json!({"id": "cloud-1", "name": "Main HCP Cloud", "type": "hcp", "hv_type": "vmware"})
    );
    // One `GET clouds` per lookup, as the Go provider does.
    take_requests(&emu);
    ws.assert_no_changes();
    assert_eq!(take_requests(&emu), json!({"GET /clouds": 2}));

    ws.config("data \"xelon_cloud\" \"c\" {\n  name = \"Nowhere\"\n}\n");
    ws.plan().fails_with(&[
        "Cloud not found",
        "name = \"Nowhere\"",
        "\"Main HCP Cloud\" (cloud-1), \"Secondary Cloud\" (cloud-2)",
    ]);
    // Names match exactly, as in the Go provider.
    ws.config("data \"xelon_cloud\" \"c\" {\n  name = \"main hcp cloud\"\n}\n");
    ws.plan()
        .fails_with(&["Cloud not found", "name = \"main hcp cloud\""]);
    ws.config("data \"xelon_cloud\" \"c\" {\n  id = \"cloud-9\"\n}\n");
    ws.plan().fails_with(&[
        "Cloud not found",
        "id = \"cloud-9\"",
        "\"Main HCP Cloud\" (cloud-1)",
    ]);
    ws.config("data \"xelon_cloud\" \"c\" {\n}\n");
    ws.tf(&["validate", "-no-color"])
        .fails_with(&["Missing lookup attribute", "Set `id` or `name`"]);
    // An empty string counts as not set, as in the Go provider.
    ws.config("data \"xelon_cloud\" \"c\" {\n  id   = \"\"\n  name = \"\"\n}\n");
    ws.tf(&["validate", "-no-color"])
        .fails_with(&["Missing lookup attribute"]);
    ws.config(
        r#"
data "xelon_cloud" "c" {
  id   = ""
  name = "Secondary Cloud"
}
output "id" { value = data.xelon_cloud.c.id }
"#,
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "cloud-2");
}

/// Xelon's Go provider documents `id` and `name` together
/// (`examples/data-sources/xelon_cloud/data-source_with_id_and_name.tf`):
/// accepted when they name the same cloud.
#[test]
fn cloud_with_id_and_name() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    // The Go provider's example, with the emulator's cloud.
    ws.config(
        r#"
data "xelon_cloud" "hcp" {
  id   = "cloud-1"
  name = "Main HCP Cloud"
}
output "hcp" { value = data.xelon_cloud.hcp }
"#,
    );
    ws.tf(&["validate", "-no-color"]).ok();
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        2,
        "expected a plan with the output:\n{}",
        plan.all()
    );
    ws.apply();
    assert_eq!(
        output(&ws, "hcp"),
        json!({"id": "cloud-1", "name": "Main HCP Cloud", "type": "hcp", "hv_type": "vmware"})
    );
    ws.assert_no_changes();

    // Naming different clouds: an error on `name` that says what each names.
    ws.config(
        r#"
data "xelon_cloud" "hcp" {
  id   = "cloud-1"
  name = "Secondary Cloud"
}
"#,
    );
    ws.plan().fails_with(&[
        "`id` and `name` name different clouds",
        "name = \"Secondary Cloud\"",
        "`id` = \"cloud-1\" is the cloud \"Main HCP Cloud\", but `name` = \"Secondary Cloud\" is the name of the cloud cloud-2.",
    ]);
    ws.config(
        r#"
data "xelon_cloud" "hcp" {
  id   = "cloud-2"
  name = "Nowhere"
}
"#,
    );
    ws.plan().fails_with(&[
        "`id` and `name` name different clouds",
        "name = \"Nowhere\"",
        "`id` = \"cloud-2\" is the cloud \"Secondary Cloud\", but `name` = \"Nowhere\" is the name of no cloud.",
    ]);
}

#[test]
fn tenant_current_by_id_and_by_name() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(
        r#"
data "xelon_tenant" "current" {}
data "xelon_tenant" "by_id" {
  id = "tenant-2"
}
data "xelon_tenant" "by_name" {
  name = "Emulated Customer B"
}
output "current" { value = data.xelon_tenant.current }
output "by_id" { value = data.xelon_tenant.by_id }
output "by_name" { value = data.xelon_tenant.by_name }
"#,
    );
    ws.apply();
    assert_eq!(
        output(&ws, "current"),
        json!({"id": "tenant-1", "name": "Emulated Tenant", "parent_tenant_id": null, "status": "active", "type": "reseller"})
    );
    assert_eq!(
        output(&ws, "by_id"),
        json!({"id": "tenant-2", "name": "Emulated Customer A", "parent_tenant_id": "tenant-1", "status": "active", "type": "customer"})
    );
    assert_eq!(output(&ws, "by_name")["id"], "tenant-3");
    ws.assert_no_changes();

    ws.config("data \"xelon_tenant\" \"t\" {\n  id = \"tenant-9\"\n}\n");
    ws.plan()
        .fails_with(&["Unable to read the tenant: not found", "id = \"tenant-9\""]);

    // An empty string counts as not set, as in the Go provider: the current tenant.
    ws.config(
        "data \"xelon_tenant\" \"t\" {\n  id = \"\"\n}\noutput \"id\" { value = data.xelon_tenant.t.id }\n",
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "tenant-1");

    // Rejected credentials: said plainly, not as "not found".
    let strict = Emulator::start_with(&["--token", "right"]);
    let mut wrong = Workspace::new(&strict);
    wrong.set_env("XELON_TOKEN", "wrong");
    wrong.config("data \"xelon_tenant\" \"t\" {}\n");
    wrong
        .plan()
        .fails_with(&["The Xelon API rejected the provider's credentials", "401"]);
}

/// A name is looked up as the Go provider does: one `GET tenants?search=`,
/// whose single result is taken even if it matches only in part.
#[test]
fn tenant_by_name_is_one_search() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);

    // A partial name with a single match resolves to that tenant.
    ws.config(
        r#"
data "xelon_tenant" "b" {
  name = "Customer B"
}
output "b" { value = data.xelon_tenant.b }
"#,
    );
    take_requests(&emu);
    ws.apply();
    assert_eq!(
        output(&ws, "b"),
        json!({"id": "tenant-3", "name": "Emulated Customer B", "parent_tenant_id": "tenant-1", "status": "active", "type": "customer"})
    );
    // apply = plan + apply: the data source is read once, with one request.
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));
    ws.assert_no_changes();
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));

    // Several partial matches: an error listing them, still one request.
    ws.config("data \"xelon_tenant\" \"t\" {\n  name = \"Customer\"\n}\n");
    ws.plan().fails_with(&[
        "Several tenants match",
        "name = \"Customer\"",
        "\"Emulated Customer A\" (tenant-2), \"Emulated Customer B\" (tenant-3)",
    ]);
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));

    // No match: an error, without listing every tenant (one request).
    ws.config("data \"xelon_tenant\" \"t\" {\n  name = \"Nobody\"\n}\n");
    ws.plan()
        .fails_with(&["Tenant not found", "name = \"Nobody\"", "found none"]);
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));

    // A tenant named exactly so wins over partial matches (the Go provider
    // refuses any search with several results). The search answer is
    // canned: the seed has no such names.
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({
            "method": "GET", "path_prefix": "/api/v2/tenants", "count": 1,
            "body": {
                "data": [
                    {"identifier": "t-ops", "name": "Team Backend Ops"},
                    {"identifier": "t-be", "name": "Team Backend"},
                ],
                "meta": {"currentPage": 1, "lastPage": 1, "perPage": 50, "total": 2},
            },
        })),
    );
    assert_eq!(status, 201, "{body}");
    ws.config(
        r#"
data "xelon_tenant" "team" {
  name = "Team Backend"
}
output "id" { value = data.xelon_tenant.team.id }
"#,
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "t-be");

    // A search answer with more pages is not paged through: one request,
    // and what it did not return still counts as candidates.
    take_requests(&emu);
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({
            "method": "GET", "path_prefix": "/api/v2/tenants", "count": 1,
            "body": {
                "data": [{"identifier": "t-1", "name": "Team 1"}],
                "meta": {"currentPage": 1, "lastPage": 51, "perPage": 1, "total": 51},
            },
        })),
    );
    assert_eq!(status, 201, "{body}");
    ws.config("data \"xelon_tenant\" \"t\" {\n  name = \"Team\"\n}\n");
    ws.plan().fails_with(&[
        "Several tenants match",
        "found 51 tenants: \"Team 1\" (t-1), and 50 more",
    ]);
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));
}

/// Xelon's Go provider documents `id` and `name` together
/// (`examples/data-sources/xelon_tenant/data-source_with_id_and_name.tf`):
/// accepted when they name the same tenant.
#[test]
fn tenant_with_id_and_name() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    // The Go provider's example, with the emulator's tenant.
    ws.config(
        r#"
data "xelon_tenant" "team" {
  id   = "tenant-2"
  name = "Emulated Customer A"
}
output "team" { value = data.xelon_tenant.team }
"#,
    );
    ws.tf(&["validate", "-no-color"]).ok();
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        2,
        "expected a plan with the output:\n{}",
        plan.all()
    );
    take_requests(&emu);
    ws.apply();
    assert_eq!(
        output(&ws, "team"),
        json!({"id": "tenant-2", "name": "Emulated Customer A", "parent_tenant_id": "tenant-1", "status": "active", "type": "customer"})
    );
    // The name is the tenant's: one `GET tenants/{id}`, no search.
    let calls = take_requests(&emu);
    let routes: Vec<(&String, &Value)> = calls.as_object().into_iter().flatten().collect();
    assert!(
        matches!(routes.as_slice(), [(route, n)] if route.starts_with("GET /tenants/") && **n == 1),
        "{calls}"
    );
    ws.assert_no_changes();

    // A partial name that on its own names the same tenant agrees too.
    ws.config(
        r#"
data "xelon_tenant" "team" {
  id   = "tenant-3"
  name = "customer b"
}
output "id" { value = data.xelon_tenant.team.id }
"#,
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "tenant-3");

    // Naming different tenants: an error on `name` that says what each names.
    ws.config(
        r#"
data "xelon_tenant" "team" {
  id   = "tenant-2"
  name = "Emulated Tenant"
}
"#,
    );
    ws.plan().fails_with(&[
        "`id` and `name` name different tenants",
        "name = \"Emulated Tenant\"",
        "`id` = \"tenant-2\" is the tenant \"Emulated Customer A\", but `name` = \"Emulated Tenant\" is the name of the tenant tenant-1.",
    ]);
    // A name that matches several tenants does not single out the id's one.
    ws.config(
        r#"
data "xelon_tenant" "team" {
  id   = "tenant-2"
  name = "Customer"
}
"#,
    );
    ws.plan().fails_with(&[
        "`id` and `name` name different tenants",
        "but `name` = \"Customer\" matches several tenants: \"Emulated Customer A\" (tenant-2), \"Emulated Customer B\" (tenant-3).",
    ]);
}

#[test]
fn data_source_schemas_are_served_with_docs() {
    let ws = Workspace::bare();
    ws.config("");
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let ds =
        &schema["provider_schemas"]["registry.terraform.io/xelon-ag/xelon"]["data_source_schemas"];
    let attrs = |name: &str| ds[name]["block"]["attributes"].clone();

    let expected: &[(&str, &[&str])] = &[
        (
            "xelon_kubernetes_cluster_versions",
            &["cloud_id", "id", "latest", "versions"],
        ),
        (
            "xelon_kubernetes_cluster",
            &[
                "kubernetes_cluster_id",
                "kubeconfig_raw",
                "talosconfig_raw",
                "name",
                "status",
                "health",
                "cloud_id",
                "kubernetes_version",
                "talos_version",
                "id",
                "host",
                "cluster_ca_certificate",
                "client_certificate",
                "client_key",
            ],
        ),
        (
            "xelon_kubernetes_node_pool",
            &[
                "kubernetes_cluster_id",
                "id",
                "name",
                "node_count",
                "cpu_core_count",
                "memory",
                "disk_size",
                "extra_storage_size",
                "nodes",
            ],
        ),
        ("xelon_cloud", &["id", "name", "type", "hv_type"]),
        (
            "xelon_tenant",
            &["id", "name", "parent_tenant_id", "status", "type"],
        ),
    ];
    for (name, names) in expected {
        let a = attrs(name);
        let mut got: Vec<&str> = a
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        got.sort();
        let mut want = names.to_vec();
        want.sort();
        assert_eq!(got, want, "{name}");
        assert_eq!(ds[name]["block"]["description_kind"], "markdown", "{name}");
        for (attr, spec) in a.as_object().into_iter().flatten() {
            assert!(
                spec["description"].as_str().is_some_and(|d| d.len() > 10),
                "{name}.{attr} has no description"
            );
        }
    }

    let cluster = attrs("xelon_kubernetes_cluster");
    assert_eq!(cluster["kubeconfig_raw"]["sensitive"], true);
    assert_eq!(cluster["talosconfig_raw"]["sensitive"], true);
    assert_eq!(cluster["kubernetes_cluster_id"]["required"], true);

    // Computed-only nested values are served as plain object types, which
    // every Terraform since 1.0 can reference into; the Registry docs still
    // describe each field (tests/docs.rs).
    let versions = attrs("xelon_kubernetes_cluster_versions");
    assert_eq!(
        versions["versions"]["type"],
        json!(["list", ["object", {"kubernetes_versions": ["list", "string"], "talos_version": "string"}]])
    );
    assert_eq!(versions["versions"]["computed"], true);
    assert_eq!(
        versions["latest"]["type"],
        json!(["object", {"kubernetes_version": "string", "talos_version": "string"}])
    );
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/data-sources/kubernetes_cluster_versions.md"),
    )
    .expect("versions docs");
    assert!(
        docs.contains("Nested Schema for `versions`") && docs.contains("kubernetes_versions"),
        "{docs}"
    );

    let pool = attrs("xelon_kubernetes_node_pool");
    assert_eq!(
        (&pool["id"]["optional"], &pool["id"]["computed"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(
        pool["nodes"]["type"],
        json!(["list", ["object", {"id": "string", "name": "string", "status": "string"}]])
    );
}
