//! The steps of an update: scaling down, resizing and renaming, scaling up.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::framework::Diagnostics;
use crate::provider::errors::{Failure, OrDiagnose};
use crate::provider::guarded::{cuts_wait_short, wait_cut_short};
use crate::xelon::models::{Node, UpdateNodePoolRequest};
use crate::xelon::{Client, wait};

use super::{NodePoolModel, PlannedPool, UPDATE_FIELDS};

/// Nodes in this status are on their way out and no longer count.
const NODE_DELETING: &str = "Deleting";

/// Scales, then resizes/renames, then scales, waiting after each step:
/// removals come before the resize (fewer nodes to resize), additions after
/// it (new nodes start at the new size). Every change call that the API
/// refuses with 409 while the pool or its cluster is busy is tried again,
/// and every wait lasts until the change shows, all within `timeout`.
/// A failure is summarised with the step it happened in.
pub(super) async fn apply_update(
    client: &Client,
    cluster_id: &str,
    id: &str,
    prior: &NodePoolModel,
    plan: &PlannedPool,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(), Diagnostics> {
    let deadline = Instant::now() + timeout;
    let left = || deadline.saturating_duration_since(Instant::now());
    let failed = |step: &str| format!("Unable to update node pool ({step})");
    let desired = plan.node_count as usize;
    let current = client
        .get_pool(cluster_id, id)
        .await
        .or_diagnose(&failed("reading the pool"))?;
    let live = live_nodes(&current.nodes);
    // A pool still provisioning (a wait cut short before) is waited for.
    let settled = live.iter().all(|n| n.is_deployed());

    if desired < live.len() {
        let step = failed("scaling down");
        let victims = nodes_to_remove(&live, live.len() - desired).map_err(|detail| {
            let mut d = Diagnostics::new();
            d.error(&step, detail);
            d
        })?;
        for node in victims {
            let what = format!("node pool {id}: removing node {node}");
            wait::retry_on_conflict(client, left(), cancel, &what, || {
                client.delete_node(cluster_id, &node)
            })
            .await
            .or_diagnose(&step)?;
        }
        wait::wait_pool_size(client, cluster_id, id, desired, left(), cancel)
            .await
            .or_diagnose(&step)?;
    }

    let wanted = NodePoolModel::from(plan);
    if prior.name != wanted.name || prior.sizes() != wanted.sizes() {
        let step = failed("resizing");
        let extra = plan.extra_storage_size;
        let body = UpdateNodePoolRequest {
            name: plan.name.clone(),
            cpu_core_count: plan.cpu_core_count,
            memory: plan.memory,
            disk: plan.disk_size,
            has_extra_storage: extra > 0,
            extra_storage: extra,
        };
        let what = format!("node pool {id}: resizing");
        wait::retry_on_conflict(client, left(), cancel, &what, || {
            client.update_pool(cluster_id, id, &body)
        })
        .await
        .map_err(|e| Failure::new(&step, &e).fields(UPDATE_FIELDS).diagnostics())?;
        wait::wait_pool_updated(client, cluster_id, id, &body, left(), cancel)
            .await
            .or_diagnose(&step)?;
    }

    if desired > live.len() {
        let step = failed("scaling up");
        for _ in live.len()..desired {
            let what = format!("node pool {id}: adding a node");
            wait::retry_on_conflict(client, left(), cancel, &what, || {
                client.add_node(cluster_id, id)
            })
            .await
            .or_diagnose(&step)?;
        }
        wait::wait_pool_size(client, cluster_id, id, desired, left(), cancel)
            .await
            .or_diagnose(&step)?;
    } else if !settled {
        wait::wait_pool_size(client, cluster_id, id, desired, left(), cancel)
            .await
            .map_err(|e| {
                let mut d = Diagnostics::new();
                match cuts_wait_short(&e) {
                    true => {
                        let (summary, detail) = wait_cut_short(
                            &format!("Node pool {id}"),
                            "update",
                            &plan.timeouts,
                            timeout,
                            &e,
                            None,
                        );
                        d.error(summary, detail);
                    }
                    false => d.extend(crate::provider::errors::api_error(
                        &failed("waiting for its nodes"),
                        &e,
                    )),
                }
                d
            })?;
    }
    Ok(())
}

/// Nodes that count towards `node_count` (not already being deleted).
pub(super) fn live_nodes(nodes: &[Node]) -> Vec<&Node> {
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

#[cfg(test)]
mod tests {
    use super::super::tests::node;
    use super::*;

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
}
