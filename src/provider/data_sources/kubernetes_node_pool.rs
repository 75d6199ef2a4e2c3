//! `xelon_kubernetes_node_pool` (data source): an existing worker node pool
//! of a Xelon Kubernetes (XKS) cluster, looked up by ID or by name.
//!
//! Both lookups list the cluster's pools (`GET kubernetes/{id}/pools`), so a
//! missing cluster (404) is reported on `kubernetes_cluster_id` and a
//! missing pool on `id` or `name`, each with the pools that do exist.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::framework::model;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::framework::{ValidateRequest, ValidateResponse};
use crate::provider::errors::{Failure, OrDiagnose};
use crate::provider::kubernetes_node_pool::NodeModel;
use crate::xelon::Client;
use crate::xelon::models::NodePool;

use super::common::{Candidates, INVALID_CONFIG, Lookup, Source, Want, failed, found_as, pick_one};

/// The `xelon_kubernetes_node_pool` data source.
pub struct KubernetesNodePoolDataSource;

const CLUSTER: &str = "kubernetes_cluster_id";

/// The configuration and the state of `xelon_kubernetes_node_pool`. The
/// sizes are null where the API did not report them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NodePoolDataModel {
    cpu_core_count: Option<u32>,
    disk_size: Option<u32>,
    extra_storage_size: Option<u32>,
    id: Option<String>,
    kubernetes_cluster_id: String,
    memory: Option<u32>,
    name: Option<String>,
    node_count: Option<u32>,
    nodes: Option<Vec<NodeModel>>,
}

#[async_trait]
impl DataSource<Client> for KubernetesNodePoolDataSource {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_node_pool"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "An existing worker node pool of a Xelon Kubernetes (XKS) cluster, looked up by `id` or by `name` (exactly one of them): its size and its nodes.",
            vec![
                Attribute::int64("cpu_core_count")
                    .computed()
                    .description("The number of CPU cores of each node."),
                Attribute::int64("disk_size")
                    .computed()
                    .description("The size of the primary disk of each node, in GB."),
                Attribute::int64("extra_storage_size")
                    .computed()
                    .description("The size of the extra data disk of each node, in GB (used by the cluster's storage class for persistent volumes); `0` when the nodes have none."),
                Attribute::string("id")
                    .optional()
                    .computed()
                    .validate(NotEmpty)
                    .description("The ID of the node pool. Set exactly one of `id` and `name`; the other is filled in."),
                Attribute::string(CLUSTER)
                    .required()
                    .validate(NotEmpty)
                    .description("The ID of the Kubernetes cluster the pool belongs to."),
                Attribute::int64("memory")
                    .computed()
                    .description("The amount of RAM of each node, in GB."),
                Attribute::string("name")
                    .optional()
                    .computed()
                    .validate(NotEmpty)
                    .description("The name of the node pool, matched exactly. Set exactly one of `id` and `name`; a name shared by several pools of the cluster is an error (use `id`)."),
                Attribute::int64("node_count")
                    .computed()
                    .description("The number of nodes in the pool, whatever their status."),
                Attribute::list_nested(
                    "nodes",
                    vec![
                        Attribute::string("id")
                            .computed()
                            .description("The ID of the node."),
                        Attribute::string("name")
                            .computed()
                            .description("The name of the node."),
                        Attribute::string("status")
                            .computed()
                            .description("The status of the node: `Deployed` once it is up and part of the pool."),
                    ],
                )
                .computed()
                .as_object_type()
                .description("The nodes of the pool, in the order the API lists them."),
            ],
        )
    }

    fn check_model(&self) -> Vec<String> {
        model::check_model::<NodePoolDataModel>(&self.schema())
    }

    fn validate_config(&self, req: ValidateRequest<'_>) -> ValidateResponse {
        let mut diags = Diagnostics::new();
        match Lookup::of(req.config) {
            Ok(lookup) => lookup.check_one_of(true, &mut diags),
            Err(d) => diags.extend(d),
        }
        diags.into()
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        read_pool(&req).await.unwrap_or_else(failed)
    }
}

/// Lists the cluster's pools (`GET kubernetes/{id}/pools`) and picks the
/// configured one.
async fn read_pool(req: &DataReadRequest<'_, Client>) -> Result<ReadResponse, Diagnostics> {
    let config: NodePoolDataModel = model::read(req.config, INVALID_CONFIG)?;
    let lookup = Lookup {
        id: config.id.clone().into(),
        name: config.name.clone().into(),
    };
    let mut diags = Diagnostics::new();
    lookup.check_one_of(true, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let want = match (&config.id, &config.name) {
        (Some(id), _) => Want::Id(id),
        (None, Some(name)) => Want::Name(name),
        // Refused by check_one_of just above.
        (None, None) => return Err(diags),
    };
    let cluster = &config.kubernetes_cluster_id;
    let client = req.client.with_cancel(req.cancel.clone());
    tracing::debug!(cluster_id = %cluster, "listing node pools");
    let pools = client.list_pools(cluster).await.or_diagnose_with(|e| {
        Failure::new("Unable to list the cluster's node pools", e).not_found_at(
            CLUSTER,
            format!("The Xelon API knows no Kubernetes cluster {cluster:?}: check `{CLUSTER}`."),
        )
    })?;
    let among = Candidates {
        noun: ("node pool", "node pools"),
        items: &pools,
        source: Source::All {
            owner: format!("Cluster {cluster}"),
        },
    };
    let pool = pick_one(&among, want)?;
    found_as(
        &state(cluster, pool),
        &KubernetesNodePoolDataSource.schema(),
    )
}

/// The state of `pool`, of the cluster `cluster`.
fn state(cluster: &str, pool: &NodePool) -> NodePoolDataModel {
    NodePoolDataModel {
        // Null where the API did not report a size.
        cpu_core_count: pool.cpu,
        disk_size: pool.disk,
        // The SDK leaves an extra disk of 0 out: absent means none.
        extra_storage_size: Some(pool.extra_storage.unwrap_or(0)),
        id: Some(pool.identifier.clone()),
        kubernetes_cluster_id: cluster.to_owned(),
        memory: pool.memory,
        name: Some(pool.name.clone()),
        node_count: Some(u32::try_from(pool.nodes.len()).unwrap_or(u32::MAX)),
        nodes: Some(pool.nodes.iter().map(NodeModel::from).collect()),
    }
}
