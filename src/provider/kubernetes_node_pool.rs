//! `xelon_kubernetes_node_pool`: a pool of worker nodes in a Kubernetes
//! cluster, where users' pods run.
//!
//! Beyond Xelon's Go provider: an extra data disk per node
//! (`extra_storage_size`), the list of `nodes`, drift detection, import as
//! `<cluster_id>/<pool_id>`, and scaling and resizing in one apply.

use std::time::Duration;

use async_trait::async_trait;

use crate::cty::{AttributePath, Value};
use crate::framework::validators::{Between, NotEmpty, PlainText};

/// The largest size the API's fields carry (unsigned 32-bit).
const MAX_SIZE: i64 = u32::MAX as i64;
use crate::framework::{
    ApplyResponse, Attribute, CreateRequest, DeleteRequest, Diagnostics, ImportRequest,
    ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, Schema,
    UpdateRequest, timeouts,
};
use crate::xelon::models::{CreateNodePoolRequest, Node, NodePool, UpdateNodePoolRequest};
use crate::xelon::{Client, Error, create_once, wait};

use super::errors::api_error;
use super::values::{create_failure, int, int_u32, set, string};

/// How long operations wait by default, as in Xelon's Go provider.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Nodes in this status are on their way out and no longer count.
const NODE_DELETING: &str = "Deleting";

/// The `xelon_kubernetes_node_pool` resource.
pub struct KubernetesNodePool;

#[async_trait]
impl Resource<Client> for KubernetesNodePool {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_node_pool"
    }

    fn schema(&self) -> Schema {
        let size = |name: &str, default: i64, text: &str| {
            Attribute::int64(name)
                .default(default)
                .validate(Between(1, MAX_SIZE))
                .description(format!(
                    "{text} Defaults to `{default}`. Changes resize the nodes in place."
                ))
        };
        Schema::new(
            "A pool of worker nodes in a Xelon Kubernetes (XKS) cluster.\n\nScaling adds or removes single nodes (the newest first); resizing and renaming happen in place. A change of `kubernetes_cluster_id` replaces the pool.\n\nA create never makes a second pool of the same name in its cluster: when one exists outside the state, the apply fails with the import that adopts it, and a create whose answer was lost finds its pool by name. So a replacement under `create_before_destroy` needs a new `name`.",
            vec![
                size("cpu_core_count", 2, "The number of CPU cores of each node."),
                size("disk_size", 50, "The size of each node's primary disk in GB."),
                Attribute::int64("extra_storage_size")
                    .default(0)
                    .validate(Between(0, MAX_SIZE))
                    .description("The size in GB of an extra data disk attached to every node, used by the cluster's storage class for persistent volumes. `0` (the default) means none. Changes apply in place."),
                Attribute::string("id").computed().use_state_for_unknown().description("The ID of the node pool."),
                Attribute::string("kubernetes_cluster_id")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The ID of the cluster the pool belongs to. Changing it replaces the pool."),
                size("memory", 4, "The amount of RAM of each node in GB."),
                Attribute::string("name").required().validate(NotEmpty)
                    .validate(PlainText).description("The name of the node pool. Changes rename it in place."),
                Attribute::int64("node_count")
                    .default(3)
                    .validate(Between(1, MAX_SIZE))
                    .description("The number of nodes in the pool, at least 1. Defaults to `3`. Scaling adds or removes single nodes, the newest first."),
                Attribute::list_nested(
                    "nodes",
                    vec![
                        Attribute::string("id").computed().description("The node's ID."),
                        Attribute::string("name").computed().description("The node's name."),
                        Attribute::string("status").computed().description("The node's status, e.g. `Deployed`."),
                    ],
                )
                .computed()
                .as_object_type()
                .description("The nodes of the pool, oldest first."),
                timeouts::attribute(DEFAULT_TIMEOUT),
            ],
        )
    }

    fn identity(&self) -> Option<crate::framework::Identity> {
        Some(crate::framework::Identity::new(&[
            "kubernetes_cluster_id",
            "id",
        ]))
    }

    async fn modify_plan(&self, req: PlanRequest<'_, Client>, resp: &mut PlanResponse) {
        if req.prior.is_null() {
            // A new pool in an existing cluster: check the cluster is there
            // now, rather than failing at apply. (Its ID is unknown while the
            // cluster is planned too.) Whether the name is taken is checked
            // at apply: a replacement is planned as a create, and the pool it
            // replaces still exists at plan time.
            let client = req.client.map(|c| c.with_cancel(req.cancel.clone()));
            if let (Some(client), Some(cluster)) =
                (client, string(&resp.planned, "kubernetes_cluster_id"))
            {
                match client.cluster_exists(&cluster).await {
                    Ok(true) => {}
                    Ok(false) => resp.diagnostics.attribute_error(
                        AttributePath::attr("kubernetes_cluster_id"),
                        "Unknown Kubernetes cluster",
                        format!("The Xelon API knows no cluster {cluster:?}."),
                    ),
                    Err(e) if matches!(e.status(), Some(401 | 403)) => resp.diagnostics.error(
                        "The Xelon API rejected the provider's credentials",
                        e.to_string(),
                    ),
                    Err(e) => {
                        tracing::debug!(error = %e, "cluster not readable at plan time; the create checks again")
                    }
                }
            }
            return;
        }
        let planned = &resp.planned;
        let scale = int(req.prior, "node_count")
            .zip(int(planned, "node_count"))
            .filter(|(a, b)| a != b);
        let resized: Vec<&str> = [
            "cpu_core_count",
            "memory",
            "disk_size",
            "extra_storage_size",
        ]
        .into_iter()
        .filter(|k| int(req.prior, k) != int(planned, k))
        .collect();
        if let (Some((from, to)), false) = (scale, resized.is_empty()) {
            let order = if to < from {
                "the newest nodes are removed first, then the remaining nodes are resized"
            } else {
                "the existing nodes are resized first, then the new nodes are added at the new size"
            };
            resp.diagnostics.warning(
                "Scaling and resizing in one apply",
                format!("This node pool goes from {from} to {to} nodes and changes {} of every node: {order}. Each step waits until all nodes are Deployed.", resized.join(", ")),
            );
        }
    }

    async fn create(&self, req: CreateRequest<'_, Client>) -> ApplyResponse {
        let planned = req.planned;
        let client = req.client.with_cancel(req.cancel.clone());
        let cluster_id = string(planned, "kubernetes_cluster_id").unwrap_or_default();
        let extra = int_u32(planned, "extra_storage_size");
        let body = CreateNodePoolRequest {
            worker_pool_name: string(planned, "name").unwrap_or_default(),
            worker_node_amount: int_u32(planned, "node_count"),
            worker_node_cpu: int_u32(planned, "cpu_core_count"),
            worker_node_ram: int_u32(planned, "memory"),
            worker_node_disk: int_u32(planned, "disk_size"),
            worker_node_is_storage: extra > 0,
            worker_node_extra_disk: extra,
        };
        let name = &body.worker_pool_name;
        let timeout = timeouts::get(planned, "create", DEFAULT_TIMEOUT);
        let deadline = tokio::time::Instant::now() + timeout;
        let (body, cluster) = (&body, cluster_id.as_str());
        let created = create_once(
            &client,
            deadline,
            req.cancel,
            &format!("node pool {name:?}"),
            move |creator| async move { creator.create_pool(cluster, body).await },
            || async { Ok(client.pools_named(cluster, name).await?.into_iter().next()) },
        )
        .await;
        let created = match created {
            Ok(c) => c.object,
            Err(e) => {
                let diagnostics = create_failure("node pool", e, |existing| {
                    already_exists(cluster, &existing)
                });
                return ApplyResponse::failed(Value::Null, diagnostics);
            }
        };
        let mut partial = planned.clone();
        set(&mut partial, "id", Value::string(&created.identifier));
        let timeout = deadline.saturating_duration_since(tokio::time::Instant::now());
        let nodes = body.worker_node_amount as usize;
        match wait::wait_pool_size(
            &client,
            &cluster_id,
            &created.identifier,
            nodes,
            timeout,
            req.cancel,
        )
        .await
        {
            Ok(pool) => ApplyResponse::ok(state_from_api(&pool, planned)),
            Err(e) => {
                ApplyResponse::failed(partial, api_error("Node pool did not become ready", &e))
            }
        }
    }

    async fn read(&self, req: ReadRequest<'_, Client>) -> ReadResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        let cluster_id = string(req.state, "kubernetes_cluster_id").unwrap_or_default();
        let id = string(req.state, "id").unwrap_or_default();
        match client.get_pool(&cluster_id, &id).await {
            Ok(pool) => ReadResponse {
                state: state_from_api(&pool, req.state),
                diagnostics: Diagnostics::new(),
            },
            // The pool, or its whole cluster, is gone.
            Err(e) if e.is_not_found() => ReadResponse {
                state: Value::Null,
                diagnostics: Diagnostics::new(),
            },
            Err(e) => ReadResponse {
                state: Value::Null,
                diagnostics: api_error("Unable to read node pool", &e),
            },
        }
    }

    async fn update(&self, req: UpdateRequest<'_, Client>) -> ApplyResponse {
        let (prior, planned) = (req.prior, req.planned);
        let client = req.client.with_cancel(req.cancel.clone());
        let cluster_id = string(prior, "kubernetes_cluster_id").unwrap_or_default();
        let id = string(prior, "id").unwrap_or_default();
        let timeout = timeouts::get(planned, "update", DEFAULT_TIMEOUT);
        let result = apply_update(
            &client,
            &cluster_id,
            &id,
            prior,
            planned,
            timeout,
            req.cancel,
        )
        .await;
        match (result, client.get_pool(&cluster_id, &id).await) {
            (Ok(()), Ok(pool)) => ApplyResponse::ok(state_from_api(&pool, planned)),
            (Ok(()), Err(e)) => ApplyResponse::failed(
                planned.clone(),
                api_error("Unable to read the updated node pool", &e),
            ),
            // Record what the pool looks like now, so the next plan shows what is left.
            (Err((step, e)), now) => {
                let state = now
                    .map(|p| state_from_api(&p, prior))
                    .unwrap_or_else(|_| prior.clone());
                ApplyResponse::failed(
                    state,
                    api_error(&format!("Unable to update node pool ({step})"), &e),
                )
            }
        }
    }

    async fn delete(&self, req: DeleteRequest<'_, Client>) -> Diagnostics {
        let client = req.client.with_cancel(req.cancel.clone());
        let cluster_id = string(req.prior, "kubernetes_cluster_id").unwrap_or_default();
        let Some(id) = string(req.prior, "id") else {
            return Diagnostics::new();
        };
        match client.delete_pool(&cluster_id, &id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Diagnostics::new(),
            Err(e) => return api_error("Unable to delete node pool", &e),
        }
        let timeout = timeouts::get(req.prior, "delete", DEFAULT_TIMEOUT);
        match wait::wait_pool_deleted(&client, &cluster_id, &id, timeout, req.cancel).await {
            Ok(()) => Diagnostics::new(),
            Err(e) => api_error("Node pool was not deleted in time", &e),
        }
    }

    async fn import(&self, req: ImportRequest<'_, Client>) -> ImportResponse {
        match parse_import_id(req.id) {
            Ok((cluster, pool)) => ImportResponse {
                state: Value::object([
                    ("kubernetes_cluster_id", Value::string(cluster)),
                    ("id", Value::string(pool)),
                ]),
                diagnostics: Diagnostics::new(),
            },
            Err(detail) => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.error("Invalid import ID", detail);
                ImportResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        }
    }
}

/// The error on `name` when the cluster already has a pool of that name
/// outside this state: nothing is created; the text gives the import.
fn already_exists(cluster_id: &str, existing: &NodePool) -> Diagnostics {
    let id = format!("{cluster_id}/{}", existing.identifier);
    let mut d = Diagnostics::new();
    d.attribute_error(
        AttributePath::attr("name"),
        "A node pool of this name already exists",
        format!(
            "Cluster {cluster_id} already has a node pool named {name:?} ({pool}, {status}) that this Terraform state does not hold, perhaps from an apply that was interrupted. The API allows several pools of one name, so nothing was created: a second one would duplicate it.\n\nTo manage the existing pool with this resource, import it, with an import block (the label is this resource's, as shown with this error):\n\n  import {{\n    to = xelon_kubernetes_node_pool.<label>\n    id = \"{id}\"\n  }}\n\nor with the command: terraform import xelon_kubernetes_node_pool.<label> {id}\n\nOtherwise choose another name, or delete the existing pool.",
            name = existing.name,
            pool = existing.identifier,
            status = existing.status_summary(),
        ),
    );
    d
}

/// Splits `<cluster_id>/<pool_id>`.
fn parse_import_id(id: &str) -> Result<(&str, &str), String> {
    match id.split('/').collect::<Vec<_>>()[..] {
        [cluster, pool] if !cluster.trim().is_empty() && !pool.trim().is_empty() => {
            Ok((cluster.trim(), pool.trim()))
        }
        _ => Err(format!(
            "Expected <kubernetes_cluster_id>/<node_pool_id>, e.g. \"k8s-abc123/pool-xyz\", got {id:?}."
        )),
    }
}

/// Scales, then resizes/renames, then scales, waiting after each step:
/// removals come before the resize (fewer nodes to resize), additions after
/// it (new nodes start at the new size). Every change call that the API
/// refuses with 409 while the pool or its cluster is busy is tried again,
/// and every wait lasts until the change shows, all within `timeout`.
async fn apply_update(
    client: &Client,
    cluster_id: &str,
    id: &str,
    prior: &Value,
    planned: &Value,
    timeout: Duration,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<(), (&'static str, Error)> {
    let deadline = tokio::time::Instant::now() + timeout;
    let left = || deadline.saturating_duration_since(tokio::time::Instant::now());
    let desired = usize::try_from(int(planned, "node_count").unwrap_or(1)).unwrap_or(1);
    let current = client
        .get_pool(cluster_id, id)
        .await
        .map_err(|e| ("reading the pool", e))?;
    let live = live_nodes(&current.nodes);

    if desired < live.len() {
        let step = "scaling down";
        let victims = nodes_to_remove(&live, live.len() - desired)
            .map_err(|msg| (step, Error::InvalidConfig(msg)))?;
        for node in victims {
            let what = format!("node pool {id}: removing node {node}");
            wait::retry_on_conflict(client, left(), cancel, &what, || {
                client.delete_node(cluster_id, &node)
            })
            .await
            .map_err(|e| (step, e))?;
        }
        wait::wait_pool_size(client, cluster_id, id, desired, left(), cancel)
            .await
            .map_err(|e| (step, e))?;
    }

    let changed = [
        "name",
        "cpu_core_count",
        "memory",
        "disk_size",
        "extra_storage_size",
    ]
    .iter()
    .any(|k| prior.get_attr(k) != planned.get_attr(k));
    if changed {
        let step = "resizing";
        let extra = int_u32(planned, "extra_storage_size");
        let body = UpdateNodePoolRequest {
            name: string(planned, "name").unwrap_or_default(),
            cpu_core_count: int_u32(planned, "cpu_core_count"),
            memory: int_u32(planned, "memory"),
            disk: int_u32(planned, "disk_size"),
            has_extra_storage: extra > 0,
            extra_storage: extra,
        };
        let what = format!("node pool {id}: {step}");
        wait::retry_on_conflict(client, left(), cancel, &what, || {
            client.update_pool(cluster_id, id, &body)
        })
        .await
        .map_err(|e| (step, e))?;
        wait::wait_pool_updated(client, cluster_id, id, &body, left(), cancel)
            .await
            .map_err(|e| (step, e))?;
    }

    if desired > live.len() {
        let step = "scaling up";
        for _ in live.len()..desired {
            let what = format!("node pool {id}: adding a node");
            wait::retry_on_conflict(client, left(), cancel, &what, || {
                client.add_node(cluster_id, id)
            })
            .await
            .map_err(|e| (step, e))?;
        }
        wait::wait_pool_size(client, cluster_id, id, desired, left(), cancel)
            .await
            .map_err(|e| (step, e))?;
    }
    Ok(())
}

/// Nodes that count towards `node_count` (not already being deleted).
fn live_nodes(nodes: &[Node]) -> Vec<&Node> {
    nodes.iter().filter(|n| n.status != NODE_DELETING).collect()
}

/// The IDs of `count` nodes to remove: Deployed ones only (the API refuses
/// others), newest (last listed) first.
fn nodes_to_remove(nodes: &[&Node], count: usize) -> Result<Vec<String>, String> {
    let removable: Vec<String> = nodes
        .iter()
        .rev()
        .filter(|n| n.is_deployed())
        .map(|n| n.identifier.clone())
        .collect();
    if removable.len() < count {
        return Err(format!(
            "{count} node(s) must be removed, but only {} of the pool's nodes are Deployed (only Deployed nodes can be removed); retry when the pool is ready.",
            removable.len()
        ));
    }
    Ok(removable.into_iter().take(count).collect())
}

/// The pool as state, keeping from `base` what the API does not return
/// (the cluster ID and the timeouts) or does not report (a missing size or
/// name, an empty node list: never zeros).
pub(crate) fn state_from_api(pool: &NodePool, base: &Value) -> Value {
    let keep = |name: &str| base.get_attr(name).cloned().unwrap_or(Value::Null);
    let reported = |name: &str, value: Option<u32>| match value {
        Some(n) => Value::number(i64::from(n)),
        None => {
            tracing::debug!(pool_id = %pool.identifier, name, "the API did not report this; keeping the known value");
            keep(name)
        }
    };
    // An empty node list is "not reported": a pool has at least one node.
    let (node_count, nodes) = if pool.nodes.is_empty() {
        tracing::debug!(pool_id = %pool.identifier, "the API reported no nodes; keeping the known ones");
        (keep("node_count"), keep("nodes"))
    } else {
        let live = live_nodes(&pool.nodes);
        let nodes = live
            .iter()
            .map(|n| {
                Value::object([
                    ("id", Value::string(n.identifier.clone())),
                    ("name", Value::string(n.name.clone())),
                    ("status", Value::string(n.status.clone())),
                ])
            })
            .collect();
        (Value::number(live.len() as i64), Value::List(nodes))
    };
    Value::object([
        ("cpu_core_count", reported("cpu_core_count", pool.cpu)),
        ("disk_size", reported("disk_size", pool.disk)),
        // The SDK leaves an extra disk of 0 out: with nothing known before
        // (import), absent means none.
        (
            "extra_storage_size",
            match reported("extra_storage_size", pool.extra_storage) {
                Value::Null => Value::number(0),
                known => known,
            },
        ),
        ("id", Value::string(pool.identifier.clone())),
        ("kubernetes_cluster_id", keep("kubernetes_cluster_id")),
        ("memory", reported("memory", pool.memory)),
        (
            "name",
            if pool.name.is_empty() {
                keep("name")
            } else {
                Value::string(pool.name.clone())
            },
        ),
        ("node_count", node_count),
        ("nodes", nodes),
        ("timeouts", keep("timeouts")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, status: &str) -> Node {
        Node {
            identifier: id.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn removes_newest_deployed_nodes_first() {
        let nodes = [
            node("n1", "Deployed"),
            node("n2", "Deployed"),
            node("n3", "Provisioning"),
            node("n4", "Deployed"),
        ];
        let refs: Vec<&Node> = nodes.iter().collect();
        assert_eq!(nodes_to_remove(&refs, 2).unwrap(), vec!["n4", "n2"]);
        assert_eq!(nodes_to_remove(&refs, 0).unwrap(), Vec::<String>::new());
        let err = nodes_to_remove(&refs, 4).unwrap_err();
        assert!(err.contains("only 3"), "{err}");
    }

    #[test]
    fn deleting_nodes_do_not_count() {
        let nodes = [node("n1", "Deployed"), node("n2", "Deleting")];
        assert_eq!(live_nodes(&nodes).len(), 1);
        let pool = NodePool {
            identifier: "p".into(),
            nodes: nodes.to_vec(),
            ..Default::default()
        };
        let state = state_from_api(
            &pool,
            &Value::object([("kubernetes_cluster_id", Value::string("k"))]),
        );
        assert_eq!(state.get_attr("node_count"), Some(&Value::number(1)));
        assert_eq!(
            state.get_attr("kubernetes_cluster_id"),
            Some(&Value::string("k"))
        );
    }

    #[test]
    fn import_ids() {
        assert_eq!(
            parse_import_id("k8s-1/pool-2").unwrap(),
            ("k8s-1", "pool-2")
        );
        for bad in ["pool-2", "k8s-1/", "/pool", "a/b/c", ""] {
            let err = parse_import_id(bad).unwrap_err();
            assert!(
                err.contains("<kubernetes_cluster_id>/<node_pool_id>"),
                "{bad}: {err}"
            );
        }
    }
}
