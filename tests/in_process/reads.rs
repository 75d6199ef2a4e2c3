//! The schemas, the provider's configuration, the data sources and the
//! ephemeral kubeconfig.

use serde_json::json;
use xelon_emulator::ApiProfile;

use crate::harness::{Harness, TOKEN, fast_emulator, profile};
use crate::values::{assert_no_errors, at, block_type, errors, int, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schemas_describe_every_type_the_provider_serves() {
    let mut h = Harness::start_with(fast_emulator()).await;
    let s = h.schemas.clone();
    let names = |m: &std::collections::HashMap<String, _>| {
        let mut v: Vec<String> = m.keys().cloned().collect();
        v.sort();
        v
    };
    // GetProviderSchema and GetMetadata agree on what is served.
    let [resources, data_sources, ephemeral] = h.metadata().await;
    assert_eq!(names(&s.resource_schemas), resources);
    assert_eq!(names(&s.data_source_schemas), data_sources);
    assert_eq!(names(&s.ephemeral_resource_schemas), ephemeral);
    assert_eq!(
        resources,
        ["xelon_kubernetes_cluster", "xelon_kubernetes_node_pool"]
    );
    for name in [
        "xelon_cloud",
        "xelon_kubernetes_cluster",
        "xelon_kubernetes_node_pool",
        "xelon_tenant",
    ] {
        assert!(
            data_sources.iter().any(|d| d == name),
            "{name} in {data_sources:?}"
        );
    }
    assert_eq!(ephemeral, ["xelon_kubernetes_kubeconfig"]);
    assert!(
        s.server_capabilities
            .is_some_and(|c| c.get_provider_schema_optional)
    );

    let attr = |schema: &str, name: &str| {
        s.resource_schemas[schema]
            .block
            .as_ref()
            .and_then(|b| b.attributes.iter().find(|a| a.name == name).cloned())
            .unwrap_or_else(|| panic!("{schema}.{name}"))
    };
    let token = s
        .provider
        .as_ref()
        .and_then(|p| p.block.as_ref())
        .expect("provider block");
    assert!(
        token
            .attributes
            .iter()
            .any(|a| a.name == "token" && a.sensitive && a.optional)
    );
    let id = attr("xelon_kubernetes_cluster", "id");
    assert!(id.computed && !id.optional && !id.required);
    assert!(attr("xelon_kubernetes_cluster", "name").required);
    let kube = attr("xelon_kubernetes_cluster", "kube_config_raw");
    assert!(kube.sensitive && kube.deprecated && kube.computed);
    let cp = attr("xelon_kubernetes_cluster", "control_plane");
    assert!(cp.optional && cp.computed && cp.nested_type.is_some());
    let nodes = attr("xelon_kubernetes_node_pool", "nodes");
    assert_eq!(
        nodes.r#type,
        br#"["list",["object",{"id":"string","name":"string","status":"string"}]]"#
    );
    // Every schema implies a type (the harness's codecs rely on it).
    for schema in s
        .resource_schemas
        .values()
        .chain(s.data_source_schemas.values())
    {
        block_type(schema.block.as_ref().expect("a block"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_base_url_is_an_error_on_base_url_and_leaves_the_provider_unconfigured() {
    let mut h = Harness::start_with(fast_emulator()).await;
    let diags = h.configure_at("hq.xelon.ch/api", TOKEN).await;
    assert_eq!(
        errors(&diags),
        [(
            "base_url".to_owned(),
            "Invalid Xelon API base URL".to_owned()
        )]
    );
    let tenant = h.read_data("xelon_tenant", json!({})).await;
    let errs = errors(&tenant.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, "Provider not configured");
    // Configured properly, the same read works.
    assert_no_errors(&h.configure(TOKEN).await, "configure");
    let tenant = h.read_data("xelon_tenant", json!({})).await;
    assert_no_errors(&tenant.diagnostics, "read tenant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sources_read_what_the_api_has() {
    let mut h = Harness::start().await;
    let cluster = h.api_cluster("seen").await;
    let pool = h.api_pool(&cluster, "storage", 2, 20).await;
    let (_, kube) = h
        .api_text("GET", &format!("kubernetes/{cluster}/config/kube"))
        .await;
    let (_, talos) = h
        .api_text("GET", &format!("kubernetes/{cluster}/config/talos"))
        .await;

    let c = h
        .read_data(
            "xelon_kubernetes_cluster",
            json!({"kubernetes_cluster_id": cluster}),
        )
        .await;
    assert_no_errors(&c.diagnostics, "cluster data source");
    assert_eq!(text(&c.state, "id"), cluster);
    assert_eq!(text(&c.state, "name"), "seen");
    assert_eq!(text(&c.state, "status"), "Ready");
    assert_eq!(text(&c.state, "cloud_id"), "cloud-1");
    assert_eq!(text(&c.state, "kubeconfig_raw"), kube);
    assert_eq!(text(&c.state, "talosconfig_raw"), talos);
    match profile() {
        ApiProfile::Rich => assert_eq!(text(&c.state, "kubernetes_version"), "1.31.2"),
        ApiProfile::Sdk => assert!(at(&c.state, "kubernetes_version").is_null()),
    }
    let missing = h
        .read_data(
            "xelon_kubernetes_cluster",
            json!({"kubernetes_cluster_id": "k8s-none"}),
        )
        .await;
    assert!(missing.state.is_null());
    let errs = errors(&missing.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "kubernetes_cluster_id");

    let p = h
        .read_data(
            "xelon_kubernetes_node_pool",
            json!({"kubernetes_cluster_id": cluster, "name": "storage"}),
        )
        .await;
    assert_no_errors(&p.diagnostics, "pool data source");
    assert_eq!(text(&p.state, "id"), pool);
    assert_eq!(int(&p.state, "node_count"), 2);
    assert_eq!(int(&p.state, "extra_storage_size"), 20);
    let truth = h.truth(&cluster).await;
    let true_nodes: Vec<&str> = truth["pools"][0]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["identifier"].as_str().expect("id"))
        .collect();
    let nodes: Vec<&str> = at(&p.state, "nodes")
        .elements()
        .expect("nodes")
        .iter()
        .map(|n| text(n, "id"))
        .collect();
    assert_eq!(nodes, true_nodes);

    let cloud = h
        .read_data("xelon_cloud", json!({"name": "Main HCP Cloud"}))
        .await;
    assert_no_errors(&cloud.diagnostics, "cloud data source");
    assert_eq!(text(&cloud.state, "id"), "cloud-1");
    let cloud = h
        .read_data("xelon_cloud", json!({"name": "No Such Cloud"}))
        .await;
    assert_eq!(
        errors(&cloud.diagnostics).len(),
        1,
        "{:#?}",
        cloud.diagnostics
    );
    assert_eq!(errors(&cloud.diagnostics)[0].0, "name");

    let tenant = h.read_data("xelon_tenant", json!({})).await;
    assert_no_errors(&tenant.diagnostics, "current tenant");
    assert_eq!(text(&tenant.state, "id"), "tenant-1");
    assert_eq!(text(&tenant.state, "name"), "Emulated Tenant");
    assert!(at(&tenant.state, "parent_tenant_id").is_null());
    let child = h.read_data("xelon_tenant", json!({"id": "tenant-2"})).await;
    assert_no_errors(&child.diagnostics, "tenant by id");
    assert_eq!(text(&child.state, "parent_tenant_id"), "tenant-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ephemeral_kubeconfig_is_the_clusters() {
    let mut h = Harness::start().await;
    let cluster = h.api_cluster("ephemeral").await;
    let (_, kube) = h
        .api_text("GET", &format!("kubernetes/{cluster}/config/kube"))
        .await;
    let (_, talos) = h
        .api_text("GET", &format!("kubernetes/{cluster}/config/talos"))
        .await;
    assert!(!kube.is_empty() && !talos.is_empty());

    let opened = h
        .open(
            "xelon_kubernetes_kubeconfig",
            json!({"kubernetes_cluster_id": cluster}),
        )
        .await;
    assert_no_errors(&opened.diagnostics, "open");
    assert_eq!(text(&opened.state, "kubernetes_cluster_id"), cluster);
    assert_eq!(text(&opened.state, "kubeconfig_raw"), kube);
    assert_eq!(text(&opened.state, "talosconfig_raw"), talos);

    let missing = h
        .open(
            "xelon_kubernetes_kubeconfig",
            json!({"kubernetes_cluster_id": "k8s-none"}),
        )
        .await;
    assert!(missing.state.is_null());
    assert_eq!(
        errors(&missing.diagnostics),
        [(
            "kubernetes_cluster_id".to_owned(),
            "Unable to read the Kubernetes cluster's configuration files: not found".to_owned()
        )]
    );
}
