//! Clusters: the cluster object, its create body, upgrades, the version
//! mapping, and the control plane and load balancer.

use std::collections::BTreeMap;

use super::account::Cloud;
use super::is_zero;
use super::lenient;
use super::pools::Node;
use super::{HEALTH_HEALTHY, STATUS_DELETED, STATUS_DELETING, STATUS_ERROR, STATUS_READY};
use crate::version::compare_versions;
use serde::{Deserialize, Serialize};

/// A Kubernetes (XKS) cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cluster {
    /// The cluster's id, e.g. `k8s-abc123`.
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The cluster's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// `Ready` once provisioned; see [`Cluster::is_ready`].
    #[serde(deserialize_with = "lenient::string")]
    pub status: String,
    /// The control plane's health, once checked.
    pub health: Option<Health>,
    /// The cloud the cluster runs in.
    pub cloud: Option<CloudRef>,
    /// When the cluster was created (RFC 3339).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub created_at: Option<String>,
    /// The Kubernetes version, when the API reports it (not in the
    /// published SDK model: keep the prior value when absent).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub k8s_version: Option<String>,
    /// The Talos version, when the API reports it (likewise).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub talos_version: Option<String>,
    /// The owning tenant, when the API reports it (not in the published SDK
    /// model either: import falls back to what the user names).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub tenant_identifier: Option<String>,
}

impl Cluster {
    /// The health value, `""` when unknown.
    pub fn health(&self) -> &str {
        self.health.as_ref().map_or("", |h| h.health.as_str())
    }

    /// Whether the cluster is usable: status `Ready` AND health `healthy`.
    pub fn is_ready(&self) -> bool {
        self.status == STATUS_READY && self.health().eq_ignore_ascii_case(HEALTH_HEALTHY)
    }

    /// The status is `Ready` but the control plane is not (yet) `healthy`,
    /// or the status is anything else: the cluster is busy.
    pub fn is_busy(&self) -> bool {
        !self.is_ready() && !self.is_terminal()
    }

    /// Whether the cluster is on its way out (`Deleting`, `Deleted`): it no
    /// longer counts as existing.
    pub fn is_gone(&self) -> bool {
        matches!(self.status.as_str(), STATUS_DELETING | STATUS_DELETED)
    }

    /// Whether the status rules out ever becoming ready: `Deleting`,
    /// `Deleted` or `Error`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.status.as_str(),
            STATUS_DELETING | STATUS_DELETED | STATUS_ERROR
        )
    }
}

/// The health record of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Health {
    /// `healthy` once the control plane answers.
    #[serde(deserialize_with = "lenient::string")]
    pub health: String,
    /// When the health was last checked (RFC 3339).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub last_checking_data: Option<String>,
}

/// A cloud as embedded in a cluster: the same shape as [`Cloud`].
pub type CloudRef = Cloud;

/// Whether a control plane or load balancer is highly available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentType {
    /// Several nodes or instances (high availability).
    Production,
    /// A single node or instance.
    Test,
}

impl DeploymentType {
    /// `Production` when `high_availability`, else `Test`.
    pub fn from_ha(high_availability: bool) -> Self {
        if high_availability {
            DeploymentType::Production
        } else {
            DeploymentType::Test
        }
    }
}

/// The body of `POST kubernetes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClusterRequest {
    /// The cloud to create the cluster in.
    pub cloud_identifier: String,
    /// The tenant owning the cluster.
    pub tenant_identifier: String,
    /// The cluster's name.
    pub cluster_name: String,
    /// The Kubernetes version, one offered by [`VersionMap`].
    pub k8s_version: String,
    /// The Talos version, one offered by [`VersionMap`].
    pub talos_version: String,
    /// Control-plane CPU cores per node.
    pub control_plane_cpu: u32,
    /// Control-plane RAM per node, GB.
    pub control_plane_ram: u32,
    /// Control-plane disk per node, GB.
    pub control_plane_disk: u32,
    /// Control-plane high availability.
    pub control_plane_type: DeploymentType,
    /// Load-balancer CPU cores per instance.
    pub load_balancer_cpu: u32,
    /// Load-balancer RAM per instance, GB.
    pub load_balancer_ram: u32,
    /// Load-balancer disk per instance, GB.
    pub load_balancer_disk: u32,
    /// Load-balancer high availability.
    pub load_balancer_type: DeploymentType,
    /// The pod subnet ([`DEFAULT_POD_SUBNET`](super::DEFAULT_POD_SUBNET)).
    pub pod_subnet: String,
    /// The service subnet ([`DEFAULT_SERVICE_SUBNET`](super::DEFAULT_SERVICE_SUBNET)).
    pub service_subnet: String,
    /// Whether Xelon notifies by e-mail.
    pub notify: bool,
    /// Initial worker pools; the provider sends none.
    pub worker_pool: Vec<WorkerPoolSpec>,
}

/// An initial worker pool in [`CreateClusterRequest::worker_pool`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerPoolSpec {
    /// The pool's position, as a string (`"0"`, `"1"`, ...).
    pub worker_pool_index: String,
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

/// `{"version": "..."}`: the body of the in-place upgrade calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRequest {
    /// The target version.
    pub version: String,
}

/// The Talos versions a cloud offers, each to the Kubernetes versions it
/// can run: `{"1.8.3": ["1.30.6", "1.31.2"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VersionMap(pub BTreeMap<String, Vec<String>>);

impl VersionMap {
    /// The Kubernetes versions `talos` can run (empty when unknown).
    pub fn kubernetes_versions(&self, talos: &str) -> &[String] {
        self.0.get(talos).map_or(&[], Vec::as_slice)
    }

    /// Whether the pair is offered.
    pub fn offers(&self, talos: &str, k8s: &str) -> bool {
        self.kubernetes_versions(talos).iter().any(|v| v == k8s)
    }

    /// The Talos versions, newest first (numeric, dot-separated ordering).
    pub fn talos_versions(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.0.keys().map(String::as_str).collect();
        v.sort_by(|a, b| compare_versions(b, a));
        v
    }
}

/// `GET kubernetes/{id}/control-planes`. Every field may be missing (the
/// SDK's model is all `omitempty`; the answer may be `{}` while the cluster
/// is busy): `None` and an empty node list mean "not reported".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlPlane {
    /// CPU cores per node.
    #[serde(rename = "controlPlaneCpu", deserialize_with = "lenient::opt_size")]
    pub cpu: Option<u32>,
    /// RAM per node, GB.
    #[serde(rename = "controlPlaneRam", deserialize_with = "lenient::opt_size")]
    pub ram: Option<u32>,
    /// Disk per node, GB.
    #[serde(rename = "controlPlaneDisk", deserialize_with = "lenient::opt_size")]
    pub disk: Option<u32>,
    /// The control-plane nodes; more than one means high availability.
    #[serde(deserialize_with = "lenient::list")]
    pub nodes: Vec<Node>,
}

impl ControlPlane {
    /// More than one node; `None` when no node is reported.
    pub fn is_highly_available(&self) -> Option<bool> {
        (!self.nodes.is_empty()).then_some(self.nodes.len() > 1)
    }
}

/// The body of `PATCH kubernetes/{id}/control-planes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResizeControlPlane {
    /// CPU cores per node.
    pub cpu_core_count: u32,
    /// RAM per node, GB.
    pub memory: u32,
    /// Disk per node, GB.
    pub disk: u32,
}

/// One element of `GET kubernetes/{id}/load-balancers` (the whole answer
/// may be `[]`: see [`Client::load_balancer`](crate::Client::load_balancer)).
/// Missing sizes are `None`, "not reported".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadBalancer {
    /// The cluster's name.
    #[serde(rename = "clusterName", deserialize_with = "lenient::string")]
    pub cluster_name: String,
    /// CPU cores per instance.
    #[serde(rename = "loadBalancerCpu", deserialize_with = "lenient::opt_size")]
    pub cpu: Option<u32>,
    /// RAM per instance, GB.
    #[serde(rename = "loadBalancerRam", deserialize_with = "lenient::opt_size")]
    pub ram: Option<u32>,
    /// Disk per instance, GB.
    #[serde(rename = "loadBalancerDisk", deserialize_with = "lenient::opt_size")]
    pub disk: Option<u32>,
    /// The instances; more than one means high availability.
    #[serde(rename = "loadBalancers", deserialize_with = "lenient::list")]
    pub instances: Vec<LoadBalancerInstance>,
}

impl LoadBalancer {
    /// More than one instance; `None` when no instance is reported.
    pub fn is_highly_available(&self) -> Option<bool> {
        (!self.instances.is_empty()).then_some(self.instances.len() > 1)
    }
}

/// One load-balancer instance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadBalancerInstance {
    /// The instance's name.
    #[serde(rename = "loadBalancerName", deserialize_with = "lenient::string")]
    pub name: String,
    /// The instance's IP address.
    #[serde(rename = "loadBalancerIp", deserialize_with = "lenient::string")]
    pub ip: String,
}
