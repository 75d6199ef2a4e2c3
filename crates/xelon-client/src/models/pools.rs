//! Worker node pools and their nodes.

use std::collections::BTreeMap;

use super::lenient;
use super::{NODE_DEPLOYED, bool_as_int, is_zero};
use serde::{Deserialize, Serialize};

/// A worker node pool.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodePool {
    /// The pool's id.
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The pool's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// CPU cores per node (`None`: not reported).
    #[serde(deserialize_with = "lenient::opt_size")]
    pub cpu: Option<u32>,
    /// RAM per node, GB (`None`: not reported).
    #[serde(deserialize_with = "lenient::opt_size")]
    pub memory: Option<u32>,
    /// Disk per node, GB (`None`: not reported).
    #[serde(deserialize_with = "lenient::opt_size")]
    pub disk: Option<u32>,
    /// Extra data disk per node, GB. `Some(0)` for none; `None` when not
    /// reported (the SDK leaves a 0 out, so absence cannot be told from 0).
    #[serde(deserialize_with = "lenient::opt_number")]
    pub extra_storage: Option<u32>,
    /// The pool's nodes (missing = none reported).
    #[serde(deserialize_with = "lenient::list")]
    pub nodes: Vec<Node>,
}

impl NodePool {
    /// Every node is `Deployed` (a pool without nodes counts as ready).
    pub fn is_ready(&self) -> bool {
        self.nodes.iter().all(Node::is_deployed)
    }

    /// A summary of the node statuses, e.g. `2 Deployed, 1 Provisioning`.
    pub fn status_summary(&self) -> String {
        if self.nodes.is_empty() {
            return "no nodes".to_owned();
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for node in &self.nodes {
            *counts.entry(node.status.as_str()).or_default() += 1;
        }
        counts
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A node of a pool or of the control plane.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Node {
    /// The node's id (used by `DELETE kubernetes/{id}/nodes/{nodeId}`).
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The id of the node's virtual machine.
    #[serde(deserialize_with = "lenient::string")]
    pub localvmid: String,
    /// The node's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// `Deployed` when up.
    #[serde(deserialize_with = "lenient::string")]
    pub status: String,
}

impl Node {
    /// Whether the status is `Deployed`.
    pub fn is_deployed(&self) -> bool {
        self.status == NODE_DEPLOYED
    }
}

/// The body of `POST kubernetes/{id}/pools`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateNodePoolRequest {
    /// The pool's name.
    pub worker_pool_name: String,
    /// How many nodes.
    pub worker_node_amount: u32,
    /// CPU cores per node.
    pub worker_node_cpu: u32,
    /// RAM per node, GB.
    pub worker_node_ram: u32,
    /// Disk per node, GB.
    pub worker_node_disk: u32,
    /// Whether every node gets an extra data disk.
    pub worker_node_is_storage: bool,
    /// The extra data disk, GB; left out when 0, as the SDK does.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub worker_node_extra_disk: u32,
}

/// The body of `PATCH kubernetes/{id}/pools/{poolId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNodePoolRequest {
    /// The pool's name.
    pub name: String,
    /// CPU cores per node.
    pub cpu_core_count: u32,
    /// RAM per node, GB.
    pub memory: u32,
    /// Disk per node, GB.
    pub disk: u32,
    /// Whether nodes have an extra data disk; sent as `0`/`1`.
    #[serde(with = "bool_as_int")]
    pub has_extra_storage: bool,
    /// The extra data disk, GB.
    pub extra_storage: u32,
}
