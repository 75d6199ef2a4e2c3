//! `xelon_kubernetes_node_pool` (data source): an existing worker node pool
//! of a Xelon Kubernetes (XKS) cluster, looked up by ID or by name.
//!
//! Both lookups list the cluster's pools (`GET kubernetes/{id}/pools`), so a
//! missing cluster (404) is reported on `kubernetes_cluster_id` and a
//! missing pool on `id` or `name`, each with the pools that do exist.

use async_trait::async_trait;

use crate::cty::Value;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::xelon::Client;
use crate::xelon::models::{Node, NodePool};

use super::super::values::string;
use super::common::{
    Given, api_failure, candidates, check_one_of, failed, failed_at, found, given,
};

/// The `xelon_kubernetes_node_pool` data source.
pub struct KubernetesNodePoolDataSource;

const CLUSTER: &str = "kubernetes_cluster_id";
const LOOKUP: [&str; 2] = ["id", "name"];

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

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        check_one_of(config, &LOOKUP, true, diags);
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        let mut diags = Diagnostics::new();
        check_one_of(req.config, &LOOKUP, true, &mut diags);
        if diags.has_errors() {
            return failed(diags);
        }
        let Some(cluster) = string(req.config, CLUSTER) else {
            return failed_at(CLUSTER, "Missing cluster ID", format!("Set `{CLUSTER}`."));
        };
        let client = req.client.with_cancel(req.cancel.clone());
        tracing::debug!(cluster_id = %cluster, "listing node pools");
        let pools = match client.list_pools(&cluster).await {
            Ok(p) => p,
            Err(e) => {
                return failed(api_failure(
                    "Unable to list the cluster's node pools",
                    &e,
                    CLUSTER,
                    || {
                        format!(
                            "The Xelon API knows no Kubernetes cluster {cluster:?}: check `{CLUSTER}`."
                        )
                    },
                ));
            }
        };
        let existing = || {
            candidates(
                pools
                    .iter()
                    .map(|p| (p.name.as_str(), p.identifier.as_str())),
            )
        };
        let pool = match (given(req.config, "id"), given(req.config, "name")) {
            (Given::Known(id), _) => match pools.iter().find(|p| p.identifier == id) {
                Some(p) => p,
                None => {
                    return failed_at(
                        "id",
                        "Node pool not found",
                        format!(
                            "Cluster {cluster} has no node pool with ID {id:?}. Its pools: {}.",
                            existing()
                        ),
                    );
                }
            },
            (_, Given::Known(name)) => {
                let matches: Vec<&NodePool> = pools.iter().filter(|p| p.name == name).collect();
                match matches.as_slice() {
                    [p] => *p,
                    [] => {
                        return failed_at(
                            "name",
                            "Node pool not found",
                            format!(
                                "Cluster {cluster} has no node pool named {name:?}. Its pools: {}.",
                                existing()
                            ),
                        );
                    }
                    several => {
                        let ids: Vec<&str> =
                            several.iter().map(|p| p.identifier.as_str()).collect();
                        return failed_at(
                            "name",
                            "Several node pools have this name",
                            format!(
                                "Cluster {cluster} has {} node pools named {name:?}, with IDs {}. Set `id` instead of `name` to pick one.",
                                several.len(),
                                ids.join(", ")
                            ),
                        );
                    }
                }
            }
            _ => {
                // Unreachable after check_one_of on a wholly known configuration.
                return failed_at(
                    "id",
                    "Missing lookup attribute",
                    "Set `id` or `name`.".into(),
                );
            }
        };
        found(state(&cluster, pool))
    }
}

fn state(cluster: &str, pool: &NodePool) -> Value {
    let node = |n: &Node| {
        Value::object([
            ("id", Value::string(&n.identifier)),
            ("name", Value::string(&n.name)),
            ("status", Value::string(&n.status)),
        ])
    };
    // Null where the API did not report a size.
    let size = |n: Option<u32>| n.map_or(Value::Null, |n| Value::number(i64::from(n)));
    Value::object([
        ("cpu_core_count", size(pool.cpu)),
        ("disk_size", size(pool.disk)),
        // The SDK leaves an extra disk of 0 out: absent means none.
        (
            "extra_storage_size",
            Value::number(i64::from(pool.extra_storage.unwrap_or(0))),
        ),
        ("id", Value::string(&pool.identifier)),
        (CLUSTER, Value::string(cluster)),
        ("memory", size(pool.memory)),
        ("name", Value::string(&pool.name)),
        ("node_count", Value::number(pool.nodes.len() as i64)),
        ("nodes", Value::List(pool.nodes.iter().map(node).collect())),
    ])
}
