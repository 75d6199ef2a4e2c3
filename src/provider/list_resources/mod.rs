//! The provider's list resources (`terraform query`, Terraform 1.14+), one
//! file each: they find existing clusters and node pools so that Terraform
//! can show them or generate the configuration and `import` blocks that
//! adopt them. Each has the name of the resource it lists and identifies
//! its results by that resource's identity; with `include_resource`, each
//! result carries the state an import of the object stores after its
//! refresh, built by the resource's own state mapping.

mod kubernetes_cluster;
mod kubernetes_node_pool;

use crate::framework::ListResource;
use crate::xelon::Client;

pub use kubernetes_cluster::KubernetesClusterList;
pub use kubernetes_node_pool::KubernetesNodePoolList;

/// Every list resource, registered once.
pub fn all() -> Vec<Box<dyn ListResource<Client>>> {
    vec![
        Box::new(KubernetesClusterList),
        Box::new(KubernetesNodePoolList),
    ]
}

/// How many objects a listing reads at the same time when it includes
/// their state (each is a refresh of a few API calls).
const CONCURRENT_READS: usize = 4;
