//! The provider's data sources, one file each (schema beside read), plus
//! `common`, the helpers they share.

mod cloud;
mod common;
mod kubernetes_cluster;
mod kubernetes_cluster_versions;
mod kubernetes_node_pool;
mod tenant;

use crate::framework::DataSource;
use crate::xelon::Client;

/// Every data source, registered once.
pub fn all() -> Vec<Box<dyn DataSource<Client>>> {
    vec![
        Box::new(cloud::CloudDataSource),
        Box::new(kubernetes_cluster::KubernetesClusterDataSource),
        Box::new(kubernetes_cluster_versions::KubernetesClusterVersions),
        Box::new(kubernetes_node_pool::KubernetesNodePoolDataSource),
        Box::new(tenant::TenantDataSource),
    ]
}
