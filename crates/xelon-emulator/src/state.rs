//! The emulator's whole state and the operations that change it.
//!
//! Handlers validate requests, lock the one [`State`], call
//! [`State::sweep`] and then one of the operations below. The lock is a
//! `std::sync::Mutex` that is never held across an `.await`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;

use axum::http::StatusCode;

use super::Config;
use super::configs::KubeCredentials;
use super::error::ApiError;
use super::faults::{Faults, RequestLog};
use super::model::{
    Cluster, ClusterPhase, ClusterStatus, LoadBalancer, Node, NodePhase, Pool, Size, slug,
};
use super::seed::{self, Cloud, Tenant};

/// Mixed into the seed of the chaos draws, so that they do not repeat the
/// identifiers' random numbers.
const CHAOS_STREAM: u64 = 0x6368_616f_735f_7267;

/// Most nodes a pool may hold.
pub const MAX_POOL_NODES: u64 = 50;

/// Everything needed to create a cluster, already validated.
#[derive(Debug, Clone)]
pub struct NewCluster {
    /// Cluster name.
    pub name: String,
    /// Tenant identifier (known).
    pub tenant: String,
    /// Cloud identifier (known).
    pub cloud: String,
    /// Kubernetes version (supported by `talos_version` on `cloud`).
    pub k8s_version: String,
    /// Talos version.
    pub talos_version: String,
    /// Control-plane node size.
    pub control_plane: Size,
    /// Three control-plane nodes instead of one.
    pub control_plane_ha: bool,
    /// Load-balancer instance size.
    pub load_balancer: Size,
    /// Two load-balancer instances instead of one.
    pub load_balancer_ha: bool,
    /// Initial worker pools.
    pub pools: Vec<NewPool>,
}

/// Everything needed to create a pool, already validated.
#[derive(Debug, Clone)]
pub struct NewPool {
    /// Pool name.
    pub name: String,
    /// Number of nodes.
    pub nodes: u64,
    /// Node size.
    pub size: Size,
    /// Extra data disk per node in GB, 0 for none.
    pub extra_storage: u64,
}

/// A validated pool change; every `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct PoolChange {
    /// New name.
    pub name: Option<String>,
    /// New CPU cores per node.
    pub cpu: Option<u64>,
    /// New RAM per node in GB.
    pub ram: Option<u64>,
    /// New disk per node in GB.
    pub disk: Option<u64>,
    /// New extra disk per node in GB (0 removes it).
    pub extra_storage: Option<u64>,
}

/// Issues unique identifiers and VM ids.
#[derive(Debug)]
struct Ids {
    rng: StdRng,
    issued: HashSet<String>,
    next_vm: u64,
    next_network: u8,
}

impl Ids {
    fn new(seed: Option<u64>) -> Self {
        Self {
            rng: seed.map_or_else(StdRng::from_os_rng, StdRng::seed_from_u64),
            issued: HashSet::new(),
            next_vm: 101,
            next_network: 0,
        }
    }

    /// `<prefix>-<12 hex digits>`, never issued before.
    fn id(&mut self, prefix: &str) -> String {
        loop {
            let bits: u64 = self.rng.random::<u64>() & 0xffff_ffff_ffff;
            let id = format!("{prefix}-{bits:012x}");
            if self.issued.insert(id.clone()) {
                return id;
            }
        }
    }

    fn vm(&mut self) -> String {
        let vm = format!("vm-{}", self.next_vm);
        self.next_vm += 1;
        vm
    }

    fn network(&mut self) -> u8 {
        let network = self.next_network;
        self.next_network = self.next_network.wrapping_add(1);
        network
    }

    fn node(&mut self, name: String, phase: NodePhase, until: Instant) -> Node {
        Node {
            identifier: self.id("node"),
            localvmid: self.vm(),
            name,
            phase,
            until,
        }
    }
}

/// The emulator's state: seed data, clusters, faults and counters.
#[derive(Debug)]
pub struct State {
    /// How long a cluster provisions, updates or deletes.
    pub provision_delay: Duration,
    /// How long a node provisions, updates or deletes.
    pub node_delay: Duration,
    /// How long after an accepted change GETs still show the object as it
    /// was before (the change's own phase starts only then).
    pub stale_reads: Duration,
    /// Seeded tenants, current tenant first.
    pub tenants: Vec<Tenant>,
    /// Seeded clouds.
    pub clouds: Vec<Cloud>,
    /// Clusters, oldest first.
    pub clusters: Vec<Cluster>,
    /// Armed faults.
    pub faults: Faults,
    /// API request counters.
    pub requests: RequestLog,
    /// API requests being held by a hold rule (`delay_ms`) right now, until
    /// they are handled.
    pub holding: u64,
    /// The one random number generator of the chaos draws, seeded from
    /// [`Config::seed`] (its own stream, so identifiers do not depend on
    /// the draws).
    pub chaos_rng: StdRng,
    ids: Ids,
}

impl State {
    /// A fresh state holding only the seed data.
    pub fn new(config: &Config) -> Self {
        Self {
            provision_delay: config.provision_delay,
            node_delay: config.node_delay,
            stale_reads: config.stale_reads,
            tenants: seed::tenants(),
            clouds: seed::clouds(),
            clusters: Vec::new(),
            faults: Faults::with_chaos(config.chaos.clone()),
            requests: RequestLog::default(),
            holding: 0,
            chaos_rng: config.seed.map_or_else(StdRng::from_os_rng, |seed| {
                StdRng::seed_from_u64(seed ^ CHAOS_STREAM)
            }),
            ids: Ids::new(config.seed),
        }
    }

    /// Drops clusters, pools and nodes whose deletion has finished, and
    /// stale views whose window has closed.
    pub fn sweep(&mut self, now: Instant) {
        self.clusters
            .retain(|c| !(c.phase == ClusterPhase::Deleting && now >= c.until));
        for cluster in &mut self.clusters {
            if cluster.stale.as_ref().is_some_and(|s| now >= s.until) {
                cluster.stale = None;
            }
            cluster
                .pools
                .retain(|p| p.deleting_until.is_none_or(|t| now < t));
            for pool in &mut cluster.pools {
                pool.nodes.retain(|n| !(n.is_deleting() && now >= n.until));
                pool.stale.retain(|s| now < s.until);
            }
        }
    }

    /// When a change accepted at `now` starts showing: after the stale window.
    fn change_start(&self, now: Instant) -> Instant {
        now + self.stale_reads
    }

    /// The tenant `id`.
    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.identifier == id)
    }

    /// The cloud `id`.
    pub fn cloud(&self, id: &str) -> Option<&Cloud> {
        self.clouds.iter().find(|c| c.identifier == id)
    }

    /// The cluster `id`, or a 404.
    pub fn cluster(&self, id: &str) -> Result<&Cluster, ApiError> {
        self.clusters
            .iter()
            .find(|c| c.identifier == id)
            .ok_or_else(|| cluster_not_found(id))
    }

    /// The kubeconfig credentials of cluster `id` (404 when unknown): made
    /// at the first call, then the same for the cluster's life, whatever
    /// its stale views show. A failure to make them is a 500.
    pub fn kube_credentials(&mut self, id: &str) -> Result<Arc<KubeCredentials>, ApiError> {
        let index = self.cluster_index(id)?;
        let cluster = &mut self.clusters[index];
        if let Some(credentials) = &cluster.kube_credentials {
            return Ok(Arc::clone(credentials));
        }
        let credentials = KubeCredentials::generate(&cluster.identifier)
            .map(Arc::new)
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("Could not make the cluster's credentials: {e}"),
                )
            })?;
        cluster.kube_credentials = Some(Arc::clone(&credentials));
        Ok(credentials)
    }

    fn cluster_index(&self, id: &str) -> Result<usize, ApiError> {
        self.clusters
            .iter()
            .position(|c| c.identifier == id)
            .ok_or_else(|| cluster_not_found(id))
    }

    /// The cluster `id` if it is `Ready`: 404 when unknown, 409 when busy,
    /// failed or being deleted.
    pub fn ready_cluster_mut(&mut self, id: &str, now: Instant) -> Result<&mut Cluster, ApiError> {
        let index = self.cluster_index(id)?;
        let cluster = &mut self.clusters[index];
        ensure_ready(cluster, now)?;
        Ok(cluster)
    }

    /// Creates a cluster (and its initial pools) in status `Provisioning`.
    pub fn create_cluster(&mut self, spec: NewCluster, now: Instant) -> &Cluster {
        let until = now + self.provision_delay;
        let ids = &mut self.ids;
        let identifier = ids.id("k8s");
        let network = ids.network();
        let control_plane_nodes = (1..=if spec.control_plane_ha { 3 } else { 1 })
            .map(|n| {
                ids.node(
                    format!("{}-cp-{n}", slug(&spec.name)),
                    NodePhase::Provisioning,
                    until,
                )
            })
            .collect();
        let load_balancers = (1..=if spec.load_balancer_ha { 2 } else { 1 })
            .map(|n| load_balancer(&spec.name, network, n))
            .collect();
        let mut cluster = Cluster {
            identifier,
            name: spec.name,
            tenant: spec.tenant,
            cloud: spec.cloud,
            k8s_version: spec.k8s_version,
            talos_version: spec.talos_version,
            control_plane: spec.control_plane,
            load_balancer: spec.load_balancer,
            control_plane_nodes,
            load_balancers,
            pools: Vec::new(),
            created_at: OffsetDateTime::now_utc(),
            phase: ClusterPhase::Provisioning,
            until,
            failed: self.faults.take_cluster_failure(),
            network,
            stale: None,
            kube_credentials: None,
        };
        for pool in spec.pools {
            // Initial pools come up together with the cluster.
            let pool = new_pool(ids, &cluster.name, pool, until);
            cluster.pools.push(pool);
        }
        tracing::info!(cluster = %cluster.identifier, name = %cluster.name, failing = cluster.failed, "cluster created");
        self.clusters.push(cluster);
        let last = self.clusters.len() - 1;
        &self.clusters[last]
    }

    /// Starts deleting cluster `id` (any status); it answers 404 after the
    /// provision delay. Deleting a cluster that is already being deleted is a
    /// no-op.
    pub fn delete_cluster(&mut self, id: &str, now: Instant) -> Result<&Cluster, ApiError> {
        let index = self.cluster_index(id)?;
        let until = now + self.provision_delay;
        let cluster = &mut self.clusters[index];
        if cluster.phase != ClusterPhase::Deleting {
            // Deletion is not delayed: readers see it at once.
            cluster.stale = None;
            cluster.phase = ClusterPhase::Deleting;
            cluster.until = until;
            for node in &mut cluster.control_plane_nodes {
                node.begin(NodePhase::Deleting, until);
            }
            for pool in &mut cluster.pools {
                pool.stale.clear();
                pool.deleting_until = Some(until);
                for node in &mut pool.nodes {
                    node.begin(NodePhase::Deleting, until);
                }
            }
            tracing::info!(cluster = %id, "cluster deletion started");
        }
        Ok(cluster)
    }

    /// Puts the Ready cluster `id` through an in-place change: `change`
    /// edits it, then it reports `Updating` for the provision delay. With
    /// stale reads, GETs show the cluster as it was for the stale window
    /// first; it is busy (`Updating`) from the moment the change is accepted.
    pub fn update_cluster(
        &mut self,
        id: &str,
        now: Instant,
        change: impl FnOnce(&mut Cluster, &mut dyn FnMut(String) -> Node) -> Result<(), ApiError>,
    ) -> Result<&Cluster, ApiError> {
        let start = self.change_start(now);
        let until = start + self.provision_delay;
        let index = self.cluster_index(id)?;
        let ids = &mut self.ids;
        let cluster = &mut self.clusters[index];
        ensure_ready(cluster, now)?;
        // `change` refuses before it edits anything.
        let before = (start > now).then(|| cluster.snapshot(start));
        let mut make_node = |name: String| ids.node(name, NodePhase::Provisioning, until);
        change(cluster, &mut make_node)?;
        if before.is_some() {
            cluster.stale = before;
        }
        cluster.phase = ClusterPhase::Updating;
        cluster.until = until;
        cluster.failed = false;
        for node in &mut cluster.control_plane_nodes {
            if node.phase != NodePhase::Provisioning || node.until != until {
                node.begin(NodePhase::Updating, until);
            }
        }
        tracing::info!(cluster = %id, "cluster update started");
        Ok(cluster)
    }

    /// Adds a pool to the Ready cluster `id`; its nodes provision for the node delay.
    pub fn create_pool(
        &mut self,
        id: &str,
        spec: NewPool,
        now: Instant,
    ) -> Result<&Pool, ApiError> {
        let until = now + self.node_delay;
        let index = self.cluster_index(id)?;
        let ids = &mut self.ids;
        let cluster = &mut self.clusters[index];
        ensure_ready(cluster, now)?;
        let pool = new_pool(ids, &cluster.name, spec, until);
        tracing::info!(cluster = %id, pool = %pool.identifier, "pool created");
        cluster.pools.push(pool);
        let last = cluster.pools.len() - 1;
        Ok(&cluster.pools[last])
    }

    /// Renames and/or resizes a pool. A size or storage change puts every node
    /// through `Updating` for the node delay and needs every node `Deployed`
    /// (409 otherwise); a rename alone is immediate. With stale reads, GETs
    /// show the pool as it was for the stale window first, while its nodes
    /// already count as `Updating`.
    pub fn update_pool(
        &mut self,
        id: &str,
        pool_id: &str,
        change: PoolChange,
        now: Instant,
    ) -> Result<&Pool, ApiError> {
        let start = self.change_start(now);
        let until = start + self.node_delay;
        let pool = self.pool_for_change(id, pool_id, now)?;
        let size = Size {
            cpu: change.cpu.unwrap_or(pool.size.cpu),
            ram: change.ram.unwrap_or(pool.size.ram),
            disk: change.disk.unwrap_or(pool.size.disk),
        };
        let extra_storage = change.extra_storage.unwrap_or(pool.extra_storage);
        let resized = size != pool.size || extra_storage != pool.extra_storage;
        if resized {
            if let Some(busy) = pool.nodes.iter().find(|n| !n.is_deployed(now)) {
                return Err(ApiError::conflict(format!(
                    "Pool {pool_id} is busy: node {} is {}; retry once every node is Deployed.",
                    busy.identifier,
                    busy.status(now)
                )));
            }
        }
        if start > now {
            let before = pool.snapshot(start);
            pool.stale.push(before);
        }
        if resized {
            pool.size = size;
            pool.extra_storage = extra_storage;
            for node in &mut pool.nodes {
                node.begin(NodePhase::Updating, until);
            }
        }
        if let Some(name) = change.name {
            pool.name = name;
        }
        tracing::info!(cluster = %id, pool = %pool_id, resized, "pool updated");
        Ok(pool)
    }

    /// Starts deleting a pool: its nodes report `Deleting` for the node delay,
    /// then the pool answers 404. Deleting a pool twice is a no-op.
    pub fn delete_pool(&mut self, id: &str, pool_id: &str, now: Instant) -> Result<(), ApiError> {
        let until = now + self.node_delay;
        let cluster = self.ready_cluster_mut(id, now)?;
        let pool = cluster
            .pool_mut(pool_id)
            .ok_or_else(|| pool_not_found(id, pool_id))?;
        if pool.deleting_until.is_none() {
            // Deletion is not delayed: readers see it at once.
            pool.stale.clear();
            pool.deleting_until = Some(until);
            for node in &mut pool.nodes {
                node.begin(NodePhase::Deleting, until);
            }
            tracing::info!(cluster = %id, pool = %pool_id, "pool deletion started");
        }
        Ok(())
    }

    /// Adds one node to a pool; it provisions for the node delay (after the
    /// stale window, during which GETs show the pool without it). Allowed
    /// while other nodes of the pool are still provisioning.
    pub fn add_node(&mut self, id: &str, pool_id: &str, now: Instant) -> Result<&Node, ApiError> {
        let start = self.change_start(now);
        let until = start + self.node_delay;
        let index = self.cluster_index(id)?;
        let ids = &mut self.ids;
        let cluster = &mut self.clusters[index];
        ensure_ready(cluster, now)?;
        let cluster_slug = slug(&cluster.name);
        let pool = cluster
            .pool_mut(pool_id)
            .ok_or_else(|| pool_not_found(id, pool_id))?;
        if pool.deleting_until.is_some() {
            return Err(pool_deleting(pool_id));
        }
        if pool.live_nodes().count() as u64 >= MAX_POOL_NODES {
            return Err(ApiError::unprocessable(format!(
                "Pool {pool_id} already has the maximum of {MAX_POOL_NODES} nodes."
            )));
        }
        let name = format!(
            "{cluster_slug}-{}-{}",
            slug(&pool.name),
            pool.next_node_number
        );
        if start > now {
            let before = pool.snapshot(start);
            pool.stale.push(before);
        }
        pool.next_node_number += 1;
        let node = ids.node(name, NodePhase::Provisioning, until);
        tracing::info!(cluster = %id, pool = %pool_id, node = %node.identifier, "node added");
        pool.nodes.push(node);
        let last = pool.nodes.len() - 1;
        Ok(&pool.nodes[last])
    }

    /// Starts removing a worker node: only a `Deployed` node may go (409
    /// otherwise) and never the last one of its pool (422). With stale reads,
    /// GETs show the node `Deployed` for the stale window first; it counts as
    /// `Deleting` from the moment the call is accepted.
    pub fn delete_node(&mut self, id: &str, node_id: &str, now: Instant) -> Result<(), ApiError> {
        let start = self.change_start(now);
        let until = start + self.node_delay;
        let cluster = self.ready_cluster_mut(id, now)?;
        if cluster
            .control_plane_nodes
            .iter()
            .any(|n| n.identifier == node_id)
        {
            return Err(ApiError::unprocessable(format!(
                "Node {node_id} is a control-plane node; control-plane nodes cannot be removed."
            )));
        }
        let Some(pool) = cluster
            .pools
            .iter_mut()
            .find(|p| p.nodes.iter().any(|n| n.identifier == node_id))
        else {
            return Err(ApiError::not_found(format!(
                "Node {node_id} not found in cluster {id}."
            )));
        };
        if pool.deleting_until.is_some() {
            return Err(pool_deleting(&pool.identifier));
        }
        let live = pool.live_nodes().count();
        let pool_id = pool.identifier.clone();
        let Some(node) = pool.nodes.iter().find(|n| n.identifier == node_id) else {
            return Err(ApiError::not_found(format!("Node {node_id} not found.")));
        };
        if !node.is_deployed(now) {
            return Err(ApiError::conflict(format!(
                "Node {node_id} is {}; only Deployed nodes can be removed.",
                node.status(now)
            )));
        }
        if live <= 1 {
            return Err(ApiError::unprocessable(format!(
                "Node {node_id} is the last node of pool {pool_id}; delete the pool instead."
            )));
        }
        if start > now {
            let before = pool.snapshot(start);
            pool.stale.push(before);
        }
        if let Some(node) = pool.nodes.iter_mut().find(|n| n.identifier == node_id) {
            node.begin(NodePhase::Deleting, until);
        }
        tracing::info!(cluster = %id, node = %node_id, "node removal started");
        Ok(())
    }

    /// The pool for a change: the cluster must be Ready and the pool not
    /// being deleted.
    fn pool_for_change(
        &mut self,
        id: &str,
        pool_id: &str,
        now: Instant,
    ) -> Result<&mut Pool, ApiError> {
        let cluster = self.ready_cluster_mut(id, now)?;
        let pool = cluster
            .pool_mut(pool_id)
            .ok_or_else(|| pool_not_found(id, pool_id))?;
        if pool.deleting_until.is_some() {
            return Err(pool_deleting(pool_id));
        }
        Ok(pool)
    }
}

/// 409 unless the cluster is `Ready`.
pub fn ensure_ready(cluster: &Cluster, now: Instant) -> Result<(), ApiError> {
    let id = &cluster.identifier;
    match cluster.status(now) {
        ClusterStatus::Ready => Ok(()),
        ClusterStatus::Deleting => Err(ApiError::conflict(format!(
            "Cluster {id} is being deleted."
        ))),
        ClusterStatus::Error => Err(ApiError::conflict(format!(
            "Cluster {id} is in status Error; it can only be deleted."
        ))),
        busy => Err(ApiError::conflict(format!(
            "Cluster {id} is busy (status {}); retry once it is Ready.",
            busy.as_str()
        ))),
    }
}

/// The 404 for an unknown cluster.
pub fn cluster_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Kubernetes cluster {id} not found."))
}

/// The 404 for an unknown pool.
pub fn pool_not_found(id: &str, pool_id: &str) -> ApiError {
    ApiError::not_found(format!("Node pool {pool_id} not found in cluster {id}."))
}

fn pool_deleting(pool_id: &str) -> ApiError {
    ApiError::conflict(format!("Node pool {pool_id} is being deleted."))
}

/// Load-balancer instance `n` (1-based) of a cluster.
pub fn load_balancer(cluster_name: &str, network: u8, n: u64) -> LoadBalancer {
    LoadBalancer {
        name: format!("{}-lb-{n}", slug(cluster_name)),
        ip: format!("10.0.{network}.{}", 9 + n),
    }
}

fn new_pool(ids: &mut Ids, cluster_name: &str, spec: NewPool, until: Instant) -> Pool {
    let prefix = format!("{}-{}", slug(cluster_name), slug(&spec.name));
    let nodes = (1..=spec.nodes)
        .map(|n| ids.node(format!("{prefix}-{n}"), NodePhase::Provisioning, until))
        .collect();
    Pool {
        identifier: ids.id("pool"),
        name: spec.name,
        size: spec.size,
        extra_storage: spec.extra_storage,
        nodes,
        next_node_number: spec.nodes + 1,
        deleting_until: None,
        stale: Vec::new(),
        created_at: OffsetDateTime::now_utc(),
    }
}

#[cfg(test)]
mod tests;
