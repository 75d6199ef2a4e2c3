//! The emulated objects: clusters, their control plane, load balancers, node
//! pools and nodes.
//!
//! Nothing runs in the background: every object records what it is doing
//! (its phase) and until when (`until`, an [`Instant`]), and its status is
//! derived from the clock whenever it is read. Finished deletions are swept
//! away by [`super::state::State::sweep`] before each request is handled.

use std::sync::Arc;
use std::time::Instant;

use time::OffsetDateTime;

use super::configs::KubeCredentials;

/// CPU cores, RAM (GB) and disk (GB) of a control-plane node, load-balancer
/// instance or worker node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// CPU cores.
    pub cpu: u64,
    /// RAM in GB.
    pub ram: u64,
    /// Disk in GB.
    pub disk: u64,
}

/// What a cluster is busy with, if `until` lies in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterPhase {
    /// First provisioning after `POST kubernetes`.
    Provisioning,
    /// An in-place change (HA upgrade, version upgrade, control-plane resize).
    Updating,
    /// `DELETE kubernetes/{id}`; the cluster disappears once `until` passes.
    Deleting,
}

/// The status a cluster reports, derived from its phase and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterStatus {
    /// `"Provisioning"`: being created.
    Provisioning,
    /// `"Updating"`: an in-place change is being applied.
    Updating,
    /// `"Deleting"`: being deleted; answers 404 afterwards.
    Deleting,
    /// `"Ready"`: usable (health `healthy`).
    Ready,
    /// `"Error"`: provisioning failed (injected with `fail_next_cluster`).
    Error,
}

impl ClusterStatus {
    /// The string sent as the cluster's `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "Provisioning",
            Self::Updating => "Updating",
            Self::Deleting => "Deleting",
            Self::Ready => "Ready",
            Self::Error => "Error",
        }
    }

    /// The string sent as `health.health`: `healthy` when Ready, `unhealthy`
    /// after an Error, `unknown` while busy.
    pub fn health(self) -> &'static str {
        match self {
            Self::Ready => "healthy",
            Self::Error => "unhealthy",
            _ => "unknown",
        }
    }
}

/// What a node is busy with, if `until` lies in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodePhase {
    /// A new node being created.
    Provisioning,
    /// An existing node being resized or upgraded in place.
    Updating,
    /// A node being removed; it disappears once `until` passes.
    Deleting,
}

/// A virtual machine: control-plane node or worker node.
#[derive(Debug, Clone)]
pub struct Node {
    /// Unique identifier (`node-<hex>`).
    pub identifier: String,
    /// The hypervisor's VM id (`vm-<n>`).
    pub localvmid: String,
    /// `<cluster>-<pool>-<n>` for workers, `<cluster>-cp-<n>` for the control plane.
    pub name: String,
    /// What the node is doing.
    pub phase: NodePhase,
    /// When the current phase ends.
    pub until: Instant,
}

impl Node {
    /// `"Provisioning"`, `"Updating"` or `"Deleting"` while busy, else
    /// `"Deployed"` (a finished deletion also says `"Deleting"` until swept).
    pub fn status(&self, now: Instant) -> &'static str {
        match self.phase {
            NodePhase::Deleting => "Deleting",
            _ if now >= self.until => "Deployed",
            NodePhase::Provisioning => "Provisioning",
            NodePhase::Updating => "Updating",
        }
    }

    /// True when the node is up and idle.
    pub fn is_deployed(&self, now: Instant) -> bool {
        self.status(now) == "Deployed"
    }

    /// True when the node is being removed.
    pub fn is_deleting(&self) -> bool {
        self.phase == NodePhase::Deleting
    }

    /// Starts `phase` lasting until `until`.
    pub fn begin(&mut self, phase: NodePhase, until: Instant) {
        self.phase = phase;
        self.until = until;
    }
}

/// One load-balancer instance.
#[derive(Debug, Clone)]
pub struct LoadBalancer {
    /// `<cluster>-lb-<n>`.
    pub name: String,
    /// Private address, `10.0.<network>.<n>`.
    pub ip: String,
}

/// What readers still see of an object after an accepted change, while
/// `--stale-reads` lasts: the object as it was just before the change.
#[derive(Debug, Clone)]
pub struct Stale<T> {
    /// Until when GETs show `before` instead of the object itself.
    pub until: Instant,
    /// The object as it was before the change (its own statuses still follow
    /// the clock).
    pub before: Box<T>,
}

/// A worker node pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Unique identifier (`pool-<hex>`).
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Size of every node.
    pub size: Size,
    /// Extra data disk of every node in GB, 0 when none.
    pub extra_storage: u64,
    /// The nodes, oldest first.
    pub nodes: Vec<Node>,
    /// Number given to the next node's name.
    pub next_node_number: u64,
    /// Set once `DELETE` was called: the pool disappears at that instant.
    pub deleting_until: Option<Instant>,
    /// Stale views of this pool, one per change accepted while stale reads
    /// last, oldest first (their `until`s never decrease).
    pub stale: Vec<Stale<Pool>>,
    /// Creation time (the system clock when the pool was created).
    pub created_at: OffsetDateTime,
}

impl Pool {
    /// Nodes not being removed.
    pub fn live_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| !n.is_deleting())
    }

    /// What a GET shows at `now`: the view from before the oldest change
    /// whose stale window is still open, else the pool itself.
    pub fn visible(&self, now: Instant) -> &Pool {
        self.stale
            .iter()
            .find(|s| now < s.until)
            .map_or(self, |s| &s.before)
    }

    /// The pool as it is now, to be shown until `until`.
    pub fn snapshot(&self, until: Instant) -> Stale<Pool> {
        Stale {
            until,
            before: Box::new(Pool {
                stale: Vec::new(),
                ..self.clone()
            }),
        }
    }
}

/// A Kubernetes cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Unique identifier (`k8s-<hex>`).
    pub identifier: String,
    /// Cluster name as given at creation.
    pub name: String,
    /// Owning tenant's identifier.
    pub tenant: String,
    /// Cloud identifier.
    pub cloud: String,
    /// Kubernetes version.
    pub k8s_version: String,
    /// Talos version.
    pub talos_version: String,
    /// Size of each control-plane node.
    pub control_plane: Size,
    /// Size of each load-balancer instance.
    pub load_balancer: Size,
    /// Control-plane nodes: 3 for `production`, 1 for `test`.
    pub control_plane_nodes: Vec<Node>,
    /// Load-balancer instances: 2 for `production`, 1 for `test`.
    pub load_balancers: Vec<LoadBalancer>,
    /// Worker node pools, oldest first.
    pub pools: Vec<Pool>,
    /// Creation time (the system clock when the cluster was created).
    pub created_at: OffsetDateTime,
    /// What the cluster is busy with (if `until` lies ahead).
    pub phase: ClusterPhase,
    /// When the current phase ends.
    pub until: Instant,
    /// The current provisioning ends in `Error` instead of `Ready`.
    pub failed: bool,
    /// Third octet of this cluster's private network (`10.0.<network>.0/24`).
    pub network: u8,
    /// The cluster as it was before its last accepted change, shown by GETs
    /// while stale reads last. It holds no pools: they keep their own.
    pub stale: Option<Stale<Cluster>>,
    /// The kubeconfig's CA and client credentials, made at the first
    /// kubeconfig request and kept for the cluster's life (see
    /// [`super::state::State::kube_credentials`]); stale views may lack them.
    pub kube_credentials: Option<Arc<KubeCredentials>>,
}

impl Cluster {
    /// What a GET shows at `now` of the cluster itself, its control plane and
    /// load balancer: the view from before the last change while its stale
    /// window is open, else the cluster itself. Pools are not part of it
    /// (see [`Pool::visible`]).
    pub fn visible(&self, now: Instant) -> &Cluster {
        match &self.stale {
            Some(stale) if now < stale.until => &stale.before,
            _ => self,
        }
    }

    /// The cluster as it is now (without its pools), to be shown until
    /// `until`.
    pub fn snapshot(&self, until: Instant) -> Stale<Cluster> {
        Stale {
            until,
            before: Box::new(Cluster {
                pools: Vec::new(),
                stale: None,
                ..self.clone()
            }),
        }
    }

    /// The status the API reports now.
    pub fn status(&self, now: Instant) -> ClusterStatus {
        match self.phase {
            ClusterPhase::Deleting => ClusterStatus::Deleting,
            _ if now < self.until => match self.phase {
                ClusterPhase::Updating => ClusterStatus::Updating,
                _ => ClusterStatus::Provisioning,
            },
            _ if self.failed => ClusterStatus::Error,
            _ => ClusterStatus::Ready,
        }
    }

    /// The control plane is highly available (more than one node).
    pub fn control_plane_ha(&self) -> bool {
        self.control_plane_nodes.len() > 1
    }

    /// The load balancer is highly available (more than one instance).
    pub fn load_balancer_ha(&self) -> bool {
        self.load_balancers.len() > 1
    }

    /// The API endpoint address (the first load balancer's IP).
    pub fn endpoint_ip(&self) -> String {
        self.load_balancers
            .first()
            .map_or_else(|| format!("10.0.{}.10", self.network), |lb| lb.ip.clone())
    }

    /// Status of a control-plane node: `"Error"` once a failed provisioning
    /// is over, otherwise the node's own status.
    pub fn control_plane_node_status(&self, node: &Node, now: Instant) -> &'static str {
        if self.status(now) == ClusterStatus::Error {
            "Error"
        } else {
            node.status(now)
        }
    }

    /// The pool with identifier `id`.
    pub fn pool(&self, id: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.identifier == id)
    }

    /// The pool with identifier `id`, mutably.
    pub fn pool_mut(&mut self, id: &str) -> Option<&mut Pool> {
        self.pools.iter_mut().find(|p| p.identifier == id)
    }
}

/// Lower-case ASCII letters and digits, other runs turned into one `-`
/// (`Main Pool` gives `main-pool`); used to build node names.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn slugs() {
        assert_eq!(slug("Main Pool"), "main-pool");
        assert_eq!(slug("  a__b  "), "a-b");
        assert_eq!(slug("%%"), "x");
    }

    #[test]
    fn node_status_follows_the_clock() {
        let now = Instant::now();
        let mut node = Node {
            identifier: "node-1".into(),
            localvmid: "vm-1".into(),
            name: "n".into(),
            phase: NodePhase::Provisioning,
            until: now + Duration::from_secs(5),
        };
        assert_eq!(node.status(now), "Provisioning");
        assert_eq!(node.status(now + Duration::from_secs(5)), "Deployed");
        node.begin(NodePhase::Updating, now + Duration::from_secs(1));
        assert_eq!(node.status(now), "Updating");
        node.begin(NodePhase::Deleting, now);
        assert_eq!(node.status(now + Duration::from_secs(9)), "Deleting");
    }
}
