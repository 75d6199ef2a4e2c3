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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

// ---- clusters ---------------------------------------------------------------

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
    /// The pod subnet ([`DEFAULT_POD_SUBNET`]).
    pub pod_subnet: String,
    /// The service subnet ([`DEFAULT_SERVICE_SUBNET`]).
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

/// Compares two versions by semantic-versioning precedence: numerically
/// part by part (`1.10.0` > `1.9.3`; missing parts count as 0), a release
/// after its pre-releases (`1.10.0` > `1.10.0-beta.2` > `1.10.0-beta.1`).
/// Lenient: a leading `v` and build metadata (`+...`) are ignored, and
/// non-numeric parts compare as text after numeric ones.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn split(s: &str) -> (Vec<&str>, Option<Vec<&str>>) {
        let s = s.trim().trim_start_matches(['v', 'V']);
        let s = s.split('+').next().unwrap_or_default();
        match s.split_once('-') {
            Some((core, pre)) => (core.split('.').collect(), Some(pre.split('.').collect())),
            None => (s.split('.').collect(), None),
        }
    }
    /// Numeric identifiers compare numerically and before text ones.
    fn identifier(x: &str, y: &str) -> Ordering {
        match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        }
    }
    let ((core_a, pre_a), (core_b, pre_b)) = (split(a), split(b));
    for i in 0..core_a.len().max(core_b.len()) {
        let ord = identifier(core_a.get(i).unwrap_or(&"0"), core_b.get(i).unwrap_or(&"0"));
        if ord.is_ne() {
            return ord;
        }
    }
    match (pre_a, pre_b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x
            .iter()
            .zip(&y)
            .map(|(p, q)| identifier(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
    }
}

// ---- control plane and load balancer ------------------------------------------

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
/// may be `[]`: see [`Client::load_balancer`](super::Client::load_balancer)).
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

// ---- node pools -------------------------------------------------------------------

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

// ---- account ------------------------------------------------------------------------

/// A tenant (an organisation in Xelon HQ).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tenant {
    /// The tenant's id.
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The tenant's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The parent tenant, when any.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub parent: Option<String>,
    /// The tenant's status.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// The tenant's type.
    #[serde(rename = "type", deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
}

/// A cloud (a pool of hypervisors a cluster runs on).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cloud {
    /// The cloud's id.
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The cloud's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The cloud's type.
    #[serde(rename = "type", deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
    /// The hypervisor type.
    #[serde(rename = "hvType", deserialize_with = "lenient::opt_string")]
    pub hv_type: Option<String>,
}

// ---- envelopes ------------------------------------------------------------------------

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The page's items.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Where the page sits in the whole list.
    #[serde(default)]
    pub meta: PageMeta,
}

/// The `meta` of a [`Page`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageMeta {
    /// This page's number, from 1.
    #[serde(deserialize_with = "lenient::number")]
    pub current_page: u64,
    /// The last page's number.
    #[serde(deserialize_with = "lenient::number")]
    pub last_page: u64,
    /// Items per page.
    #[serde(deserialize_with = "lenient::number")]
    pub per_page: u64,
    /// Items in the whole list.
    #[serde(deserialize_with = "lenient::number")]
    pub total: u64,
    /// The position of this page's first item (none on an empty page).
    #[serde(deserialize_with = "lenient::opt_number")]
    pub from: Option<u64>,
    /// The position of this page's last item (none on an empty page).
    #[serde(deserialize_with = "lenient::opt_number")]
    pub to: Option<u64>,
}

/// `{"data": T, "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub data: T,
    /// A human message some calls add.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
}

/// `skip_serializing_if` for sizes the SDK leaves out when 0.
fn is_zero(n: &u32) -> bool {
    *n == 0
}

// ---- lenient decoding ----------------------------------------------------------------

/// `deserialize_with` helpers that accept what a sloppy API may send.
///
/// They decode through [`serde_json::Value`], which copes with
/// serde_json's `arbitrary_precision` numbers (unlike hand-written
/// `deserialize_any` visitors, `untagged` or `flatten`).
pub mod lenient {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// A string; numbers and booleans become their text, `null` `""`.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(opt_string(d)?.unwrap_or_default())
    }

    /// An optional string; numbers and booleans become their text.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// An integer sent as a number or a string; `null` is the default.
    pub fn number<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr + Default,
        T::Err: Display,
    {
        Ok(opt_number(d)?.unwrap_or_default())
    }

    /// A size (CPU, RAM, disk): like [`opt_number`], and `0` is `None`
    /// too. No size is ever 0; the SDK's `omitempty` models send none, so
    /// a 0 can only mean "not reported".
    pub fn opt_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        Ok(opt_number::<D, u32>(d)?.filter(|n| *n != 0))
    }

    /// A list; `null` is empty (Go encodes a nil slice as `null`).
    pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }

    /// An optional integer sent as a number or a string; `null` and `""` are
    /// `None`.
    pub fn opt_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: Display,
    {
        let text = match Value::deserialize(d)? {
            Value::Null => return Ok(None),
            Value::Number(n) => n.to_string(),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => s.trim().to_owned(),
            other => {
                return Err(D::Error::custom(format!(
                    "expected an integer, found {other}"
                )));
            }
        };
        text.parse::<T>()
            .map(Some)
            .map_err(|e| D::Error::custom(format!("expected an integer, found {text:?}: {e}")))
    }
}

/// Serializes a `bool` as `0`/`1`, and reads back `0`/`1` or a boolean.
mod bool_as_int {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(b) => Ok(b),
            Value::Number(n) => Ok(n.to_string() != "0"),
            Value::Null => Ok(false),
            other => Err(D::Error::custom(format!("expected 0 or 1, found {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_compare_by_semver_precedence() {
        use std::cmp::Ordering::*;
        let cases = [
            ("1.30.6", "1.9.1", Greater),
            ("1.29.10", "1.29.9", Greater),
            ("1.8.3", "1.8.3", Equal),
            ("1.8", "1.8.3", Less),
            ("1.8", "1.8.0", Equal),
            ("v1.10.0", "1.10.0", Equal),
            ("1.10.0", "1.10.0-beta.2", Greater),
            ("1.10.0-beta.11", "1.10.0-beta.2", Greater),
            ("1.10.0-beta", "1.10.0-alpha.1", Greater),
            ("1.10.0+build.7", "1.10.0", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }

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
