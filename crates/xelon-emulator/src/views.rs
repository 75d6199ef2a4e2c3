//! The JSON shapes the API answers with, built from the model at read time
//! (statuses depend on the clock).

use std::time::Instant;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ApiProfile;
use super::model::{Cluster, Node, Pool};
use super::seed::{Cloud, Tenant};

/// RFC 3339 in UTC with whole seconds (`2026-11-20T10:00:00Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// A value Go's `encoding/json` leaves out under `omitempty`: zero numbers,
/// empty strings and empty lists.
trait GoZero {
    fn is_go_zero(&self) -> bool;
}

impl GoZero for u64 {
    fn is_go_zero(&self) -> bool {
        *self == 0
    }
}

impl GoZero for String {
    fn is_go_zero(&self) -> bool {
        self.is_empty()
    }
}

impl GoZero for &str {
    fn is_go_zero(&self) -> bool {
        self.is_empty()
    }
}

impl<T> GoZero for Vec<T> {
    fn is_go_zero(&self) -> bool {
        self.is_empty()
    }
}

/// A field both profiles send: always in rich; in sdk left out when it is
/// Go's zero value (every field of the SDK's models is `omitempty`).
fn field<T: GoZero>(profile: ApiProfile, value: T) -> Option<T> {
    (!(profile.is_sdk() && value.is_go_zero())).then_some(value)
}

/// A field only the rich profile sends (the SDK's model has none).
fn rich_only<T>(profile: ApiProfile, value: T) -> Option<T> {
    (!profile.is_sdk()).then_some(value)
}

/// A field that may be missing: `null` in rich, left out in sdk.
fn nullable<T>(profile: ApiProfile, value: Option<T>) -> Option<Option<T>> {
    if profile.is_sdk() {
        value.map(Some)
    } else {
        Some(value)
    }
}

/// A tenant: `{"identifier", "name", "parent", "status", "type"}`, plus
/// `createdAt` in rich (the SDK's `Tenant` has none).
#[derive(Debug, Serialize)]
pub struct TenantView {
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
}

impl TenantView {
    /// The view of `t` in `profile` (`parent` is `null` in rich, left out in
    /// sdk, for a top-level tenant).
    pub fn new(t: &Tenant, profile: ApiProfile) -> Self {
        Self {
            identifier: field(profile, t.identifier.clone()),
            name: field(profile, t.name.clone()),
            parent: nullable(
                profile,
                t.parent
                    .clone()
                    .filter(|p| !(profile.is_sdk() && p.is_empty())),
            ),
            status: field(profile, t.status.clone()),
            kind: field(profile, t.kind.clone()),
            created_at: rich_only(profile, rfc3339(t.created_at)),
        }
    }
}

/// A cloud: `{"identifier", "name", "type", "hvType"}`, plus `createdAt` in
/// rich (the SDK's `Cloud` has none).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudView {
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hv_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
}

impl CloudView {
    /// The view of `c` in `profile`.
    pub fn new(c: &Cloud, profile: ApiProfile) -> Self {
        Self {
            identifier: field(profile, c.identifier.clone()),
            name: field(profile, c.name.clone()),
            kind: field(profile, c.kind.clone()),
            hv_type: field(profile, c.hv_type.clone()),
            created_at: rich_only(profile, rfc3339(c.created_at)),
        }
    }
}

/// `{"health", "lastCheckingData"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_checking_data: Option<String>,
}

/// A cluster as `GET kubernetes/{id}` shows it. Rich: `identifier, name,
/// status, health, cloud, tenantIdentifier, k8sVersion, talosVersion,
/// createdAt`; sdk: without the three that `KubernetesCluster` lacks.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    health: HealthView,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud: Option<Option<CloudView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    k8s_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    talos_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
}

impl ClusterView {
    /// The view of `cluster` at `now` in `profile`, `cloud` being its cloud.
    /// It shows `cluster` as given: pass [`Cluster::visible`] for what GETs
    /// show.
    pub fn new(
        cluster: &Cluster,
        cloud: Option<&Cloud>,
        now: Instant,
        profile: ApiProfile,
    ) -> Self {
        let status = cluster.status(now);
        Self {
            identifier: field(profile, cluster.identifier.clone()),
            name: field(profile, cluster.name.clone()),
            status: field(profile, status.as_str()),
            health: HealthView {
                health: field(profile, status.health()),
                last_checking_data: field(profile, rfc3339(OffsetDateTime::now_utc())),
            },
            cloud: nullable(profile, cloud.map(|c| CloudView::new(c, profile))),
            tenant_identifier: rich_only(profile, cluster.tenant.clone()),
            k8s_version: rich_only(profile, cluster.k8s_version.clone()),
            talos_version: rich_only(profile, cluster.talos_version.clone()),
            created_at: field(profile, rfc3339(cluster.created_at)),
        }
    }
}

/// A node: `{"identifier", "localvmid", "name", "status"}`.
#[derive(Debug, Serialize)]
pub struct NodeView {
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    localvmid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

impl NodeView {
    /// `node` with the given status, in `profile`.
    pub fn new(node: &Node, status: &'static str, profile: ApiProfile) -> Self {
        Self {
            identifier: field(profile, node.identifier.clone()),
            localvmid: field(profile, node.localvmid.clone()),
            name: field(profile, node.name.clone()),
            status: field(profile, status),
        }
    }
}

/// A pool: `{"identifier", "name", "cpu", "memory", "disk", "extraStorage",
/// "nodes", "createdAt"}`; sdk leaves out `extraStorage` when 0 and `nodes`
/// when empty, and never sends `createdAt` (`KubernetesClusterNodePool` has
/// none).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolView {
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disk: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_storage: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<Vec<NodeView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
}

impl PoolView {
    /// The view of `pool` at `now` in `profile`. It shows `pool` as given:
    /// pass [`Pool::visible`] for what GETs show.
    pub fn new(pool: &Pool, now: Instant, profile: ApiProfile) -> Self {
        Self {
            identifier: field(profile, pool.identifier.clone()),
            name: field(profile, pool.name.clone()),
            cpu: field(profile, pool.size.cpu),
            memory: field(profile, pool.size.ram),
            disk: field(profile, pool.size.disk),
            extra_storage: field(profile, pool.extra_storage),
            nodes: field(
                profile,
                pool.nodes
                    .iter()
                    .map(|n| NodeView::new(n, n.status(now), profile))
                    .collect(),
            ),
            created_at: rich_only(profile, rfc3339(pool.created_at)),
        }
    }
}

/// `GET kubernetes/{id}/control-planes`: `{"controlPlaneCpu",
/// "controlPlaneRam", "controlPlaneDisk", "nodes"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlanesView {
    #[serde(skip_serializing_if = "Option::is_none")]
    control_plane_cpu: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    control_plane_ram: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    control_plane_disk: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<Vec<NodeView>>,
}

impl ControlPlanesView {
    /// The control plane of `cluster` at `now` in `profile`.
    pub fn new(cluster: &Cluster, now: Instant, profile: ApiProfile) -> Self {
        Self {
            control_plane_cpu: field(profile, cluster.control_plane.cpu),
            control_plane_ram: field(profile, cluster.control_plane.ram),
            control_plane_disk: field(profile, cluster.control_plane.disk),
            nodes: field(
                profile,
                cluster
                    .control_plane_nodes
                    .iter()
                    .map(|n| NodeView::new(n, cluster.control_plane_node_status(n, now), profile))
                    .collect(),
            ),
        }
    }

    /// `{}`: nothing reported (the sdk profile while the cluster is busy).
    pub fn empty() -> Self {
        Self {
            control_plane_cpu: None,
            control_plane_ram: None,
            control_plane_disk: None,
            nodes: None,
        }
    }
}

/// One load-balancer instance: `{"loadBalancerName", "loadBalancerIp"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerInstanceView {
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancer_ip: Option<String>,
}

/// The single element of `GET kubernetes/{id}/load-balancers`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancersView {
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancer_cpu: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancer_ram: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancer_disk: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancers: Option<Vec<LoadBalancerInstanceView>>,
}

impl LoadBalancersView {
    /// The load balancer of `cluster` in `profile`.
    pub fn new(cluster: &Cluster, profile: ApiProfile) -> Self {
        Self {
            cluster_name: field(profile, cluster.name.clone()),
            load_balancer_cpu: field(profile, cluster.load_balancer.cpu),
            load_balancer_ram: field(profile, cluster.load_balancer.ram),
            load_balancer_disk: field(profile, cluster.load_balancer.disk),
            load_balancers: field(
                profile,
                cluster
                    .load_balancers
                    .iter()
                    .map(|lb| LoadBalancerInstanceView {
                        load_balancer_name: field(profile, lb.name.clone()),
                        load_balancer_ip: field(profile, lb.ip.clone()),
                    })
                    .collect(),
            ),
        }
    }
}

/// One item of the admin truth endpoint (`/_emulator/clusters`): a cluster
/// as it really is, in rich views, ignoring the profile and stale reads.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruthView {
    cluster: ClusterView,
    control_plane: ControlPlanesView,
    load_balancer: LoadBalancersView,
    pools: Vec<PoolView>,
}

impl TruthView {
    /// The truth about `cluster` (on `cloud`) at `now`.
    pub fn new(cluster: &Cluster, cloud: Option<&Cloud>, now: Instant) -> Self {
        let rich = ApiProfile::Rich;
        Self {
            cluster: ClusterView::new(cluster, cloud, now, rich),
            control_plane: ControlPlanesView::new(cluster, now, rich),
            load_balancer: LoadBalancersView::new(cluster, rich),
            pools: cluster
                .pools
                .iter()
                .map(|p| PoolView::new(p, now, rich))
                .collect(),
        }
    }
}

/// The answer to a change call whose body the SDK never reads (it passes no
/// model to `Client.Do`): `status` with `body` in rich, `status` with an
/// empty body in sdk.
pub fn change_answer<T: Serialize>(profile: ApiProfile, status: StatusCode, body: T) -> Response {
    if profile.is_sdk() {
        status.into_response()
    } else {
        (status, Json(body)).into_response()
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

/// Pagination metadata: `{"currentPage", "lastPage", "perPage", "total",
/// "from", "to"}`; sdk leaves out zeros and a missing `from`/`to`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    current_page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<Option<u64>>,
}

/// A page of a list: `{"data": [...], "meta": {...}}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    data: Vec<T>,
    meta: Meta,
}

impl<T> Page<T> {
    /// Page `page` (1-based) of `items`, `per_page` per page, in `profile`.
    /// `from`/`to` are 1-based positions, missing (`null` in rich) for a page
    /// past the end.
    pub fn new(items: Vec<T>, page: u64, per_page: u64, profile: ApiProfile) -> Self {
        let total = items.len() as u64;
        let last_page = total.div_ceil(per_page).max(1);
        let start = (page - 1).saturating_mul(per_page);
        let data: Vec<T> = items
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .collect();
        let count = data.len() as u64;
        let position = |at: u64| nullable(profile, (count > 0).then_some(at));
        Self {
            data,
            meta: Meta {
                current_page: field(profile, page),
                last_page: field(profile, last_page),
                per_page: field(profile, per_page),
                total: field(profile, total),
                from: position(start + 1),
                to: position(start + count),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    use super::super::seed::SEEDED_AT;

    fn json_of(value: &impl Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or_default()
    }

    #[test]
    fn pages() {
        let page = Page::new((1..=27).collect::<Vec<u32>>(), 3, 10, ApiProfile::Rich);
        assert_eq!(page.data, (21..=27).collect::<Vec<_>>());
        assert_eq!(
            json_of(&page.meta),
            json!({"currentPage": 3, "lastPage": 3, "perPage": 10, "total": 27, "from": 21, "to": 27})
        );
        let past = Page::new(vec![1, 2], 5, 10, ApiProfile::Rich);
        assert!(past.data.is_empty());
        assert_eq!(
            json_of(&past.meta),
            json!({"currentPage": 5, "lastPage": 1, "perPage": 10, "total": 2, "from": null, "to": null})
        );
    }

    #[test]
    fn sdk_pages_leave_out_zeros_and_missing_positions() {
        let page = Page::new(vec![1, 2, 3], 1, 2, ApiProfile::Sdk);
        assert_eq!(
            json_of(&page),
            json!({"data": [1, 2], "meta": {"currentPage": 1, "lastPage": 2, "perPage": 2, "total": 3, "from": 1, "to": 2}})
        );
        let past = Page::new(vec![1, 2], 5, 10, ApiProfile::Sdk);
        assert_eq!(
            json_of(&past),
            json!({"data": [], "meta": {"currentPage": 5, "lastPage": 1, "perPage": 10, "total": 2}})
        );
        let none = Page::<u32>::new(Vec::new(), 1, 10, ApiProfile::Sdk);
        assert_eq!(
            json_of(&none),
            json!({"data": [], "meta": {"currentPage": 1, "lastPage": 1, "perPage": 10}})
        );
    }

    #[test]
    fn tenants_parent_is_null_in_rich_and_left_out_in_sdk() {
        let tenant = Tenant {
            identifier: "tenant-1".into(),
            name: "T".into(),
            parent: None,
            status: "active".into(),
            kind: "reseller".into(),
            created_at: SEEDED_AT,
        };
        assert_eq!(
            json_of(&TenantView::new(&tenant, ApiProfile::Rich)),
            json!({"identifier": "tenant-1", "name": "T", "parent": null, "status": "active", "type": "reseller", "createdAt": "2024-01-15T08:00:00Z"})
        );
        assert_eq!(
            json_of(&TenantView::new(&tenant, ApiProfile::Sdk)),
            json!({"identifier": "tenant-1", "name": "T", "status": "active", "type": "reseller"})
        );
        let child = Tenant {
            parent: Some("tenant-1".into()),
            status: String::new(),
            ..tenant
        };
        assert_eq!(
            json_of(&TenantView::new(&child, ApiProfile::Sdk)),
            json!({"identifier": "tenant-1", "name": "T", "parent": "tenant-1", "type": "reseller"})
        );
    }

    #[test]
    fn sdk_pools_leave_out_zero_extra_storage_and_empty_nodes() {
        let pool = Pool {
            identifier: "pool-1".into(),
            name: "p".into(),
            size: super::super::model::Size {
                cpu: 2,
                ram: 4,
                disk: 50,
            },
            extra_storage: 0,
            nodes: Vec::new(),
            next_node_number: 1,
            deleting_until: None,
            stale: Vec::new(),
            created_at: OffsetDateTime::from_unix_timestamp(1_700_000_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        };
        let now = Instant::now();
        assert_eq!(
            json_of(&PoolView::new(&pool, now, ApiProfile::Sdk)),
            json!({"identifier": "pool-1", "name": "p", "cpu": 2, "memory": 4, "disk": 50})
        );
        assert_eq!(
            json_of(&PoolView::new(&pool, now, ApiProfile::Rich)),
            json!({"identifier": "pool-1", "name": "p", "cpu": 2, "memory": 4, "disk": 50, "extraStorage": 0, "nodes": [], "createdAt": "2023-11-14T22:13:20Z"})
        );
        let with_disk = Pool {
            extra_storage: 20,
            ..pool
        };
        assert_eq!(
            json_of(&PoolView::new(&with_disk, now, ApiProfile::Sdk))["extraStorage"],
            20
        );
    }

    #[test]
    fn seeded_objects_were_created_at_a_fixed_past_instant() {
        let seeded = "2024-01-15T08:00:00Z";
        for cloud in super::super::seed::clouds() {
            assert_eq!(
                json_of(&CloudView::new(&cloud, ApiProfile::Rich))["createdAt"],
                seeded
            );
            let sdk = json_of(&CloudView::new(&cloud, ApiProfile::Sdk));
            assert!(sdk.get("createdAt").is_none(), "{sdk}");
        }
        for tenant in super::super::seed::tenants() {
            assert_eq!(
                json_of(&TenantView::new(&tenant, ApiProfile::Rich))["createdAt"],
                seeded
            );
            let sdk = json_of(&TenantView::new(&tenant, ApiProfile::Sdk));
            assert!(sdk.get("createdAt").is_none(), "{sdk}");
        }
        assert!(SEEDED_AT < OffsetDateTime::now_utc(), "in the past");
    }

    #[test]
    fn timestamps_are_whole_seconds_utc() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc3339(at), "2023-11-14T22:13:20Z");
    }
}
