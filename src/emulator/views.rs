//! The JSON shapes the API answers with, built from the model at read time
//! (statuses depend on the clock).

use std::time::Instant;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::{Cluster, Node, Pool};
use super::seed::{Cloud, Tenant};

/// RFC 3339 in UTC with whole seconds (`2026-11-20T10:00:00Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// A tenant: `{"identifier", "name", "parent", "status", "type"}`.
#[derive(Debug, Serialize)]
pub struct TenantView {
    identifier: String,
    name: String,
    parent: Option<String>,
    status: String,
    #[serde(rename = "type")]
    kind: String,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        Self {
            identifier: t.identifier.clone(),
            name: t.name.clone(),
            parent: t.parent.clone(),
            status: t.status.clone(),
            kind: t.kind.clone(),
        }
    }
}

/// A cloud: `{"identifier", "name", "type", "hvType"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudView {
    identifier: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    hv_type: String,
}

impl From<&Cloud> for CloudView {
    fn from(c: &Cloud) -> Self {
        Self {
            identifier: c.identifier.clone(),
            name: c.name.clone(),
            kind: c.kind.clone(),
            hv_type: c.hv_type.clone(),
        }
    }
}

/// `{"health", "lastCheckingData"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    health: &'static str,
    last_checking_data: String,
}

/// A cluster as `GET kubernetes/{id}` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    identifier: String,
    name: String,
    status: &'static str,
    health: HealthView,
    cloud: Option<CloudView>,
    tenant_identifier: String,
    k8s_version: String,
    talos_version: String,
    created_at: String,
}

impl ClusterView {
    /// The view of `cluster` at `now`, `cloud` being its cloud.
    pub fn new(cluster: &Cluster, cloud: Option<&Cloud>, now: Instant) -> Self {
        let status = cluster.status(now);
        Self {
            identifier: cluster.identifier.clone(),
            name: cluster.name.clone(),
            status: status.as_str(),
            health: HealthView {
                health: status.health(),
                last_checking_data: rfc3339(OffsetDateTime::now_utc()),
            },
            cloud: cloud.map(CloudView::from),
            tenant_identifier: cluster.tenant.clone(),
            k8s_version: cluster.k8s_version.clone(),
            talos_version: cluster.talos_version.clone(),
            created_at: rfc3339(cluster.created_at),
        }
    }
}

/// A node: `{"identifier", "localvmid", "name", "status"}`.
#[derive(Debug, Serialize)]
pub struct NodeView {
    identifier: String,
    localvmid: String,
    name: String,
    status: &'static str,
}

impl NodeView {
    /// `node` with the given status.
    pub fn new(node: &Node, status: &'static str) -> Self {
        Self {
            identifier: node.identifier.clone(),
            localvmid: node.localvmid.clone(),
            name: node.name.clone(),
            status,
        }
    }
}

/// A pool: `{"identifier", "name", "cpu", "memory", "disk", "extraStorage", "nodes"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolView {
    identifier: String,
    name: String,
    cpu: u64,
    memory: u64,
    disk: u64,
    extra_storage: u64,
    nodes: Vec<NodeView>,
}

impl PoolView {
    /// The view of `pool` at `now`.
    pub fn new(pool: &Pool, now: Instant) -> Self {
        Self {
            identifier: pool.identifier.clone(),
            name: pool.name.clone(),
            cpu: pool.size.cpu,
            memory: pool.size.ram,
            disk: pool.size.disk,
            extra_storage: pool.extra_storage,
            nodes: pool
                .nodes
                .iter()
                .map(|n| NodeView::new(n, n.status(now)))
                .collect(),
        }
    }
}

/// `GET kubernetes/{id}/control-planes`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlanesView {
    control_plane_cpu: u64,
    control_plane_ram: u64,
    control_plane_disk: u64,
    nodes: Vec<NodeView>,
}

impl ControlPlanesView {
    /// The control plane of `cluster` at `now`.
    pub fn new(cluster: &Cluster, now: Instant) -> Self {
        Self {
            control_plane_cpu: cluster.control_plane.cpu,
            control_plane_ram: cluster.control_plane.ram,
            control_plane_disk: cluster.control_plane.disk,
            nodes: cluster
                .control_plane_nodes
                .iter()
                .map(|n| NodeView::new(n, cluster.control_plane_node_status(n, now)))
                .collect(),
        }
    }
}

/// One load-balancer instance: `{"loadBalancerName", "loadBalancerIp"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerInstanceView {
    load_balancer_name: String,
    load_balancer_ip: String,
}

/// The single element of `GET kubernetes/{id}/load-balancers`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancersView {
    cluster_name: String,
    load_balancer_cpu: u64,
    load_balancer_ram: u64,
    load_balancer_disk: u64,
    load_balancers: Vec<LoadBalancerInstanceView>,
}

impl LoadBalancersView {
    /// The load balancer of `cluster`.
    pub fn new(cluster: &Cluster) -> Self {
        Self {
            cluster_name: cluster.name.clone(),
            load_balancer_cpu: cluster.load_balancer.cpu,
            load_balancer_ram: cluster.load_balancer.ram,
            load_balancer_disk: cluster.load_balancer.disk,
            load_balancers: cluster
                .load_balancers
                .iter()
                .map(|lb| LoadBalancerInstanceView {
                    load_balancer_name: lb.name.clone(),
                    load_balancer_ip: lb.ip.clone(),
                })
                .collect(),
        }
    }
}

/// `{"data": ..., "message": ...}`, the answer to mutating calls.
#[derive(Debug, Serialize)]
pub struct DataMessage<T> {
    /// The object created or changed.
    pub data: T,
    /// What happened.
    pub message: String,
}

/// `{"data": ...}`.
#[derive(Debug, Serialize)]
pub struct Data<T> {
    /// The object.
    pub data: T,
}

/// `{"message": ...}`.
#[derive(Debug, Serialize)]
pub struct Message {
    /// What happened.
    pub message: String,
}

/// Pagination metadata.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    current_page: u64,
    last_page: u64,
    per_page: u64,
    total: u64,
    from: Option<u64>,
    to: Option<u64>,
}

/// A page of a list: `{"data": [...], "meta": {...}}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    data: Vec<T>,
    meta: Meta,
}

impl<T> Page<T> {
    /// Page `page` (1-based) of `items`, `per_page` per page. `from`/`to` are
    /// 1-based positions, `null` for a page past the end.
    pub fn new(items: Vec<T>, page: u64, per_page: u64) -> Self {
        let total = items.len() as u64;
        let last_page = total.div_ceil(per_page).max(1);
        let start = (page - 1).saturating_mul(per_page);
        let data: Vec<T> = items
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .collect();
        let count = data.len() as u64;
        Self {
            data,
            meta: Meta {
                current_page: page,
                last_page,
                per_page,
                total,
                from: (count > 0).then_some(start + 1),
                to: (count > 0).then_some(start + count),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let page = Page::new((1..=27).collect::<Vec<u32>>(), 3, 10);
        assert_eq!(page.data, (21..=27).collect::<Vec<_>>());
        assert_eq!(page.meta.last_page, 3);
        assert_eq!((page.meta.from, page.meta.to), (Some(21), Some(27)));
        let past = Page::new(vec![1, 2], 5, 10);
        assert!(past.data.is_empty());
        assert_eq!(
            (past.meta.from, past.meta.to, past.meta.last_page),
            (None, None, 1)
        );
    }

    #[test]
    fn timestamps_are_whole_seconds_utc() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc3339(at), "2023-11-14T22:13:20Z");
    }
}
