//! The data sources' schemas, as `terraform providers schema -json` shows
//! them: attributes, descriptions, sensitivity and nested types.

use serde_json::{Value, json};

use crate::support::Workspace;

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
