//! Typed request and answer bodies of the Xelon HQ API.
//!
//! Answers are decoded leniently: every field has a default, unknown fields
//! are ignored, strings may come as numbers and numbers as strings (see
//! [`lenient`]). Requests are serialized exactly as the contract spells them,
//! leaving out what the published SDK leaves out when empty.
//!
//! **Absent is not zero.** The published SDK's models mark nearly every
//! field `omitempty` and carry no versions or tenant on a cluster, and the
//! API may answer `[]` for a part it does not report (see "What the
//! published SDK does not promise" in the API contract). Every size, version
//! and list whose absence must not be read as a value is therefore an
//! `Option` here: `None` means "not reported", and callers keep what they
//! knew before.
//!
//! Sizes are whole numbers: CPU in cores, RAM and disks in GB.
//!
//! # Layout
//!
//! - `clusters`: clusters, their parts and the version mapping;
//!   `pools`: pools and nodes; `account`: tenants and clouds;
//!   `envelopes`: `data` wrappers and pages.
//! - [`lenient`]: the decoding helpers; `bool_as_int`: `0`/`1` booleans.

mod account;
mod bool_as_int;
mod clusters;
mod envelopes;
pub mod lenient;
mod pools;

pub use account::{Cloud, Tenant};
pub use clusters::*;
pub use envelopes::{Envelope, Page, PageMeta};
pub use pools::{CreateNodePoolRequest, Node, NodePool, UpdateNodePoolRequest};

/// The cluster status meaning provisioning is done.
pub const STATUS_READY: &str = "Ready";
/// The cluster status while an asynchronous deletion runs.
pub const STATUS_DELETING: &str = "Deleting";
/// The cluster status of a deleted cluster.
pub const STATUS_DELETED: &str = "Deleted";
/// The status of a failed cluster or node.
pub const STATUS_ERROR: &str = "Error";
/// The health value of a cluster whose control plane answers.
pub const HEALTH_HEALTHY: &str = "healthy";
/// The status of a node that is up and part of its pool.
pub const NODE_DEPLOYED: &str = "Deployed";

/// The pod subnet the backend fixes today.
pub const DEFAULT_POD_SUBNET: &str = "100.111.0.0/16";
/// The service subnet the backend fixes today.
pub const DEFAULT_SERVICE_SUBNET: &str = "100.112.0.0/12";

/// `skip_serializing_if` for sizes the SDK leaves out when 0.
fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {

    use super::*;
    use serde_json::json;

    #[test]
    fn cluster_decodes_the_contract_example() {
        let c: Envelope<Cluster> = serde_json::from_str(
            r#"{"data": {
                "identifier": "k8s-abc123", "name": "staging", "status": "Ready",
                "health": {"health": "healthy", "lastCheckingData": "2026-11-20T10:00:00Z"},
                "cloud": {"identifier": "cloud-1", "name": "Main HCP Cloud", "type": "hcp", "hvType": "vmware"},
                "createdAt": "2026-11-20T09:50:00Z",
                "k8sVersion": "1.31.2", "talosVersion": "1.8.3",
                "somethingNew": {"nested": [1, 2.5]}
            }}"#,
        )
        .unwrap();
        let c = c.data;
        assert_eq!(c.identifier, "k8s-abc123");
        assert!(c.is_ready());
        assert!(!c.is_terminal());
        let cloud = c.cloud.as_ref().unwrap();
        assert_eq!(cloud.kind.as_deref(), Some("hcp"));
        assert_eq!(cloud.hv_type.as_deref(), Some("vmware"));
        assert_eq!(c.k8s_version.as_deref(), Some("1.31.2"));
        assert_eq!(c.talos_version.as_deref(), Some("1.8.3"));
        assert_eq!(
            c.health.as_ref().unwrap().last_checking_data.as_deref(),
            Some("2026-11-20T10:00:00Z")
        );
    }

    #[test]
    fn cluster_tolerates_missing_and_odd_fields() {
        let c: Cluster =
            serde_json::from_str(r#"{"identifier": 17, "status": "Provisioning", "health": null}"#)
                .unwrap();
        assert_eq!(c.identifier, "17");
        assert_eq!(c.name, "");
        assert!(c.health.is_none());
        assert!(c.k8s_version.is_none());
        assert!(!c.is_ready());
        let ready_unhealthy: Cluster =
            serde_json::from_str(r#"{"status": "Ready", "health": {"health": "unhealthy"}}"#)
                .unwrap();
        assert!(!ready_unhealthy.is_ready());
        let err: Cluster = serde_json::from_str(r#"{"status": "Error"}"#).unwrap();
        assert!(err.is_terminal());
    }

    #[test]
    fn create_cluster_request_matches_the_contract() {
        let req = CreateClusterRequest {
            cloud_identifier: "cloud-1".into(),
            tenant_identifier: "tenant-1".into(),
            cluster_name: "staging".into(),
            k8s_version: "1.31.2".into(),
            talos_version: "1.8.3".into(),
            control_plane_cpu: 2,
            control_plane_ram: 4,
            control_plane_disk: 50,
            control_plane_type: DeploymentType::Production,
            load_balancer_cpu: 2,
            load_balancer_ram: 4,
            load_balancer_disk: 50,
            load_balancer_type: DeploymentType::from_ha(false),
            pod_subnet: DEFAULT_POD_SUBNET.into(),
            service_subnet: DEFAULT_SERVICE_SUBNET.into(),
            notify: false,
            worker_pool: vec![],
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({
                "cloudIdentifier": "cloud-1", "tenantIdentifier": "tenant-1",
                "clusterName": "staging", "k8sVersion": "1.31.2", "talosVersion": "1.8.3",
                "controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50,
                "controlPlaneType": "production",
                "loadBalancerCpu": 2, "loadBalancerRam": 4, "loadBalancerDisk": 50,
                "loadBalancerType": "test",
                "podSubnet": "100.111.0.0/16", "serviceSubnet": "100.112.0.0/12",
                "notify": false, "workerPool": []
            })
        );
    }

    #[test]
    fn pool_requests_match_the_contract() {
        let create = CreateNodePoolRequest {
            worker_pool_name: "main".into(),
            worker_node_amount: 3,
            worker_node_cpu: 2,
            worker_node_ram: 4,
            worker_node_disk: 50,
            worker_node_is_storage: false,
            worker_node_extra_disk: 0,
        };
        // As the SDK does: no workerNodeExtraDisk when it is 0.
        assert_eq!(
            serde_json::to_value(&create).unwrap(),
            json!({"workerPoolName": "main", "workerNodeAmount": 3, "workerNodeCpu": 2,
                   "workerNodeRam": 4, "workerNodeDisk": 50, "workerNodeIsStorage": false})
        );
        let with_disk = CreateNodePoolRequest {
            worker_node_is_storage: true,
            worker_node_extra_disk: 20,
            ..create
        };
        assert_eq!(
            serde_json::to_value(&with_disk).unwrap()["workerNodeExtraDisk"],
            20
        );
        let update = UpdateNodePoolRequest {
            name: "main".into(),
            cpu_core_count: 4,
            memory: 8,
            disk: 100,
            has_extra_storage: true,
            extra_storage: 20,
        };
        let v = serde_json::to_value(&update).unwrap();
        assert_eq!(
            v,
            json!({"name": "main", "cpuCoreCount": 4, "memory": 8, "disk": 100,
                   "hasExtraStorage": 1, "extraStorage": 20})
        );
        let back: UpdateNodePoolRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, update);
        let resize = ResizeControlPlane {
            cpu_core_count: 4,
            memory: 8,
            disk: 100,
        };
        assert_eq!(
            serde_json::to_value(&resize).unwrap(),
            json!({"cpuCoreCount": 4, "memory": 8, "disk": 100})
        );
    }

    #[test]
    fn pool_decodes_and_reports_readiness() {
        let p: NodePool = serde_json::from_str(
            r#"{"identifier": "pool-xyz", "name": "main pool", "cpu": 2, "memory": "4",
                "disk": 50, "extraStorage": null,
                "nodes": [{"identifier": "node-1", "localvmid": "vm-1", "name": "n1", "status": "Deployed"},
                          {"identifier": "node-2", "localvmid": 22, "name": "n2", "status": "Provisioning"}]}"#,
        )
        .unwrap();
        assert_eq!(p.memory, Some(4));
        assert_eq!(p.extra_storage, None);
        assert_eq!(p.nodes[1].localvmid, "22");
        assert!(!p.is_ready());
        assert_eq!(p.status_summary(), "1 Deployed, 1 Provisioning");
        assert!(NodePool::default().is_ready());
        assert!(serde_json::from_str::<NodePool>(r#"{"cpu": "lots"}"#).is_err());
    }

    #[test]
    fn control_plane_and_load_balancer_decode() {
        let cp: ControlPlane = serde_json::from_str(
            r#"{"controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50,
                "nodes": [{"identifier": "cp-1", "name": "cp1", "status": "Deployed"},
                          {"identifier": "cp-2", "name": "cp2", "status": "Deployed"}]}"#,
        )
        .unwrap();
        assert_eq!((cp.cpu, cp.ram, cp.disk), (Some(2), Some(4), Some(50)));
        assert_eq!(cp.is_highly_available(), Some(true));
        let lbs: Vec<LoadBalancer> = serde_json::from_str(
            r#"[{"clusterName": "staging", "loadBalancerCpu": 2, "loadBalancerRam": 4,
                 "loadBalancerDisk": 50,
                 "loadBalancers": [{"loadBalancerName": "lb-1", "loadBalancerIp": "10.0.0.5"}]}]"#,
        )
        .unwrap();
        assert_eq!(lbs[0].instances[0].ip, "10.0.0.5");
        assert_eq!(lbs[0].is_highly_available(), Some(false));
    }

    #[test]
    fn version_map_helpers() {
        let v: VersionMap = serde_json::from_str(
            r#"{"1.8.3": ["1.30.6", "1.31.2"], "1.7.7": ["1.29.10", "1.30.6"], "1.10.0": ["1.32.0", "1.9.0"]}"#,
        )
        .unwrap();
        assert!(v.offers("1.8.3", "1.31.2"));
        assert!(!v.offers("1.7.7", "1.31.2"));
        assert!(v.kubernetes_versions("9.9.9").is_empty());
        assert_eq!(v.talos_versions(), ["1.10.0", "1.8.3", "1.7.7"]);
    }

    #[test]
    fn page_and_account_objects_decode() {
        let p: Page<Tenant> = serde_json::from_str(
            r#"{"data": [{"identifier": "t1", "name": "Acme", "parent": null, "status": 1, "type": "reseller"}],
                "meta": {"currentPage": 1, "lastPage": 3, "perPage": "10", "total": 27, "from": null, "to": 10}}"#,
        )
        .unwrap();
        assert_eq!(p.data[0].status.as_deref(), Some("1"));
        assert_eq!(p.data[0].kind.as_deref(), Some("reseller"));
        assert_eq!(p.meta.last_page, 3);
        assert_eq!(p.meta.per_page, 10);
        assert_eq!(p.meta.from, None);
        assert_eq!(p.meta.to, Some(10));
        let empty: Page<Tenant> = serde_json::from_str("{}").unwrap();
        assert!(empty.data.is_empty());
        assert_eq!(empty.meta.last_page, 0);
    }

    /// Answers shaped exactly like the models of Xelon's published Go SDK
    /// (`xelon-sdk-go` v1.14.3, `kubernetes.go`, `tenants.go`,
    /// `clouds.go`): only their fields, every one `omitempty`.
    #[test]
    fn sdk_shaped_answers_decode_with_nothing_invented() {
        // KubernetesCluster: no versions, no tenant.
        let c: Envelope<Cluster> = serde_json::from_str(
            r#"{"data": {"identifier": "k8s-1", "name": "c", "status": "Ready",
                "health": {"health": "healthy"}, "cloud": {"identifier": "cloud-1", "name": "Main"}}}"#,
        )
        .unwrap();
        assert!(c.data.is_ready());
        assert_eq!(
            (
                &c.data.k8s_version,
                &c.data.talos_version,
                &c.data.tenant_identifier
            ),
            (&None, &None, &None)
        );
        // A minimal cluster (every field omitted) is busy, not ready.
        let bare: Cluster = serde_json::from_str(r#"{"identifier": "k8s-1"}"#).unwrap();
        assert!(bare.is_busy() && !bare.is_ready() && !bare.is_terminal());
        // KubernetesClusterControlPlane while the cluster is busy: `{}`.
        let cp: ControlPlane = serde_json::from_str("{}").unwrap();
        assert_eq!((cp.cpu, cp.ram, cp.disk), (None, None, None));
        assert_eq!(cp.is_highly_available(), None);
        // Go's nil slices come as null; zero sizes mean "not reported".
        let cp: ControlPlane =
            serde_json::from_str(r#"{"controlPlaneCpu": 0, "nodes": null}"#).unwrap();
        assert_eq!((cp.cpu, cp.is_highly_available()), (None, None));
        // KubernetesClusterLoadBalancer without instances or sizes.
        let lb: LoadBalancer = serde_json::from_str(r#"{"clusterName": "c"}"#).unwrap();
        assert_eq!((lb.cpu, lb.ram, lb.disk), (None, None, None));
        assert_eq!(lb.is_highly_available(), None);
        let lbs: Vec<LoadBalancer> = serde_json::from_str("[]").unwrap();
        assert!(lbs.is_empty());
        // KubernetesClusterNodePool: extraStorage and nodes left out.
        let p: NodePool = serde_json::from_str(
            r#"{"identifier": "pool-1", "name": "main", "cpu": 2, "memory": 4, "disk": 50}"#,
        )
        .unwrap();
        assert_eq!(
            (p.cpu, p.memory, p.disk, p.extra_storage),
            (Some(2), Some(4), Some(50), None)
        );
        assert!(p.nodes.is_empty());
        let p: NodePool =
            serde_json::from_str(r#"{"identifier": "pool-1", "extraStorage": 20, "nodes": null}"#)
                .unwrap();
        assert_eq!((p.cpu, p.extra_storage), (None, Some(20)));
        // Node with only an id.
        let n: Node = serde_json::from_str(r#"{"identifier": "node-1"}"#).unwrap();
        assert!(!n.is_deployed());
        // Tenant and cloud with their omitempty fields left out.
        let t: Tenant = serde_json::from_str(r#"{"identifier": "t1", "name": "Acme"}"#).unwrap();
        assert_eq!((t.parent, t.status, t.kind), (None, None, None));
        let cloud: Cloud = serde_json::from_str(r#"{"identifier": "cloud-1"}"#).unwrap();
        assert_eq!(
            (cloud.name.as_str(), cloud.kind, cloud.hv_type),
            ("", None, None)
        );
        // Meta without from/to on an empty page.
        let page: Page<Cluster> = serde_json::from_str(
            r#"{"data": [], "meta": {"currentPage": 1, "lastPage": 1, "perPage": 10}}"#,
        )
        .unwrap();
        assert_eq!(
            (page.meta.from, page.meta.to, page.meta.total),
            (None, None, 0)
        );
    }
}
