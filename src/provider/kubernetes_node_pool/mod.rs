//! `xelon_kubernetes_node_pool`: a pool of worker nodes in a Kubernetes
//! cluster, where users' pods run.
//!
//! Beyond Xelon's Go provider: an extra data disk per node
//! (`extra_storage_size`), the list of `nodes`, drift detection, import as
//! `<cluster_id>/<pool_id>`, and scaling and resizing in one apply.
//!
//! The schema, its two models and the CRUD live here; `update` holds the
//! steps of an update (scaling down, resizing and renaming, scaling up).

mod update;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::cty::{AttributePath, Value};
use crate::framework::model::{self, Tri};
use crate::framework::timeouts::Timeouts;
use crate::framework::validators::{Between, NotEmpty, PlainText};
use crate::framework::{
    ApplyResponse, Attribute, CreateRequest, DeleteRequest, DeleteResponse, Diagnostics,
    ImportRequest, ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
    Schema, UpdateRequest, timeouts,
};
use crate::xelon::models::{CreateNodePoolRequest, NODE_DEPLOYED, Node, NodePool};
use crate::xelon::{Client, create_once, wait};

use super::api_name;
use super::errors::{Failure, Fields, OrDiagnose, api_error};
use super::guarded::{Guard, cuts_wait_short, wait_cut_short};
use super::plan_rules::check_disk_not_shrunk;
use update::{apply_update, live_nodes};

/// The largest size the API's fields carry (unsigned 32-bit).
const MAX_SIZE: i64 = u32::MAX as i64;
/// How long operations wait by default, as in Xelon's Go provider.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The summary of a plan that does not fit the model.
const INVALID_PLAN: &str = "Invalid planned node pool";
/// The summary of a stored state that does not fit the model.
const INVALID_STATE: &str = "Invalid node pool state";

/// Where a 422 on `POST kubernetes/{id}/pools` points: the create body's
/// fields and the attributes they come from.
const CREATE_FIELDS: Fields = &[
    ("workerPoolName", "name"),
    ("workerNodeAmount", "node_count"),
    ("workerNodeCpu", "cpu_core_count"),
    ("workerNodeRam", "memory"),
    ("workerNodeDisk", "disk_size"),
    ("workerNodeIsStorage", "extra_storage_size"),
    ("workerNodeExtraDisk", "extra_storage_size"),
];

/// Where a 422 on `PATCH kubernetes/{id}/pools/{poolId}` points.
const UPDATE_FIELDS: Fields = &[
    ("name", "name"),
    ("cpuCoreCount", "cpu_core_count"),
    ("memory", "memory"),
    ("disk", "disk_size"),
    ("hasExtraStorage", "extra_storage_size"),
    ("extraStorage", "extra_storage_size"),
];

/// The `xelon_kubernetes_node_pool` resource.
pub struct KubernetesNodePool;

/// Any value of the resource, attribute for attribute: a plan (where any
/// configured value may still be unknown) or a state (where an import
/// leaves all but the two IDs null, and sizes the API never reported stay
/// null).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct NodePoolModel {
    cpu_core_count: Tri<u32>,
    disk_size: Tri<u32>,
    extra_storage_size: Tri<u32>,
    id: Tri<String>,
    kubernetes_cluster_id: Tri<String>,
    memory: Tri<u32>,
    name: Tri<String>,
    node_count: Tri<u32>,
    nodes: Tri<Vec<NodeModel>>,
    timeouts: Tri<Timeouts>,
}

/// One of a pool's `nodes` (of this resource and of the node pool data
/// source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NodeModel {
    id: String,
    name: String,
    status: String,
}

impl From<&Node> for NodeModel {
    fn from(n: &Node) -> Self {
        NodeModel {
            id: n.identifier.clone(),
            name: n.name.clone(),
            status: n.status.clone(),
        }
    }
}

/// The pool as planned for an apply, where every setting is known (the
/// configuration is known by then, and the sizes have defaults): what the
/// API is asked for. A value that does not fit (a size above `u32::MAX`)
/// is an error on its attribute, never a 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PlannedPool {
    cpu_core_count: u32,
    disk_size: u32,
    extra_storage_size: u32,
    id: Tri<String>,
    kubernetes_cluster_id: String,
    memory: u32,
    name: String,
    node_count: u32,
    nodes: Tri<Vec<NodeModel>>,
    timeouts: Tri<Timeouts>,
}

impl From<&PlannedPool> for NodePoolModel {
    fn from(p: &PlannedPool) -> Self {
        NodePoolModel {
            cpu_core_count: Tri::Known(p.cpu_core_count),
            disk_size: Tri::Known(p.disk_size),
            extra_storage_size: Tri::Known(p.extra_storage_size),
            id: p.id.clone(),
            kubernetes_cluster_id: Tri::Known(p.kubernetes_cluster_id.clone()),
            memory: Tri::Known(p.memory),
            name: Tri::Known(p.name.clone()),
            node_count: Tri::Known(p.node_count),
            nodes: p.nodes.clone(),
            timeouts: p.timeouts.clone(),
        }
    }
}

impl NodePoolModel {
    /// The cluster's and the pool's IDs of a stored pool; an error on the
    /// attribute that lacks its ID (a state no apply or import wrote).
    fn ids(&self) -> Result<(&str, &str), Diagnostics> {
        Ok((
            stored_id(&self.kubernetes_cluster_id, "kubernetes_cluster_id")?,
            stored_id(&self.id, "id")?,
        ))
    }

    /// Each node's sizes by attribute, where known.
    fn sizes(&self) -> [(&'static str, Option<u32>); 4] {
        [
            ("cpu_core_count", self.cpu_core_count.known().copied()),
            ("memory", self.memory.known().copied()),
            ("disk_size", self.disk_size.known().copied()),
            (
                "extra_storage_size",
                self.extra_storage_size.known().copied(),
            ),
        ]
    }
}

/// The ID `name` of a stored pool, or an error on it.
fn stored_id<'a>(value: &'a Tri<String>, name: &str) -> Result<&'a str, Diagnostics> {
    match value.known() {
        Some(id) if !id.is_empty() => Ok(id),
        _ => {
            let mut d = Diagnostics::new();
            d.attribute_error(
                AttributePath::attr(name),
                "Node pool state without its ID",
                format!("The stored state has no `{name}`, so the pool cannot be found. Remove it from the state (terraform state rm) and import it as <kubernetes_cluster_id>/<node_pool_id>."),
            );
            Err(d)
        }
    }
}

/// The resource's value of `model`.
fn to_value(model: &NodePoolModel) -> Result<Value, Diagnostics> {
    static TYPE: std::sync::OnceLock<crate::cty::Type> = std::sync::OnceLock::new();
    model::write(model, TYPE.get_or_init(|| KubernetesNodePool.schema().ty()))
}

/// The state an import of `pool` in `cluster` stores after its refresh,
/// for the node pool list resource: the pools' list answers each pool as
/// its own GET does, so the refresh needs no further call.
pub(crate) fn listed_state(pool: &NodePool, cluster: &str) -> Result<Value, Diagnostics> {
    let imported = NodePoolModel {
        kubernetes_cluster_id: Tri::Known(cluster.to_owned()),
        id: Tri::Known(pool.identifier.clone()),
        ..NodePoolModel::default()
    };
    to_value(&state_from_api(pool, &imported))
}

#[async_trait]
impl Resource<Client> for KubernetesNodePool {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_node_pool"
    }

    fn schema(&self) -> Schema {
        let size = |name: &str, default: i64, text: &str| {
            Attribute::int64(name)
                .default(default)
                .validate(Between(1, MAX_SIZE))
                .description(format!(
                    "{text} Defaults to `{default}`. Changes resize the nodes in place."
                ))
        };
        Schema::new(
            "A pool of worker nodes in a Xelon Kubernetes (XKS) cluster.\n\nScaling adds or removes single nodes (the newest first); resizing and renaming happen in place. A change of `kubernetes_cluster_id` replaces the pool.\n\nA create never makes a second pool of the same name in its cluster: when one exists outside the state, the apply fails with the import that adopts it, and a create whose answer was lost finds its pool by name. So a replacement under `create_before_destroy` needs a new `name`.\n\nA create waits for a cluster that is still provisioning. A readiness wait cut short (Ctrl-C, `timeouts.create`, an outage) never costs the pool: it is recorded, untainted, and the next apply waits for its `nodes` instead of replacing it.",
            vec![
                size("cpu_core_count", 2, "The number of CPU cores of each node."),
                size("disk_size", 50, "The size of each node's primary disk in GB."),
                Attribute::int64("extra_storage_size")
                    .default(0)
                    .validate(Between(0, MAX_SIZE))
                    .description("The size in GB of an extra data disk attached to every node, used by the cluster's storage class for persistent volumes. `0` (the default) means none. Changes apply in place."),
                Attribute::string("id").computed().use_state_for_unknown().description("The ID of the node pool."),
                Attribute::string("kubernetes_cluster_id")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The ID of the cluster the pool belongs to. Changing it replaces the pool."),
                size("memory", 4, "The amount of RAM of each node in GB."),
                api_name(Attribute::string("name")).required().description("The name of the node pool. Changes rename it in place."),
                Attribute::int64("node_count")
                    .default(3)
                    .validate(Between(1, MAX_SIZE))
                    .description("The number of nodes in the pool, at least 1. Defaults to `3`. Scaling adds or removes single nodes, the newest first."),
                Attribute::list_nested(
                    "nodes",
                    vec![
                        Attribute::string("id").computed().description("The node's ID."),
                        Attribute::string("name").computed().description("The node's name."),
                        Attribute::string("status").computed().description("The node's status, e.g. `Deployed`."),
                    ],
                )
                .computed()
                .as_object_type()
                .description("The nodes of the pool, oldest first."),
                timeouts::attribute(DEFAULT_TIMEOUT),
            ],
        )
    }

    fn identity(&self) -> Option<crate::framework::Identity> {
        Some(crate::framework::Identity::new(&[
            "kubernetes_cluster_id",
            "id",
        ]))
    }

    fn check_model(&self) -> Vec<String> {
        let schema = self.schema();
        let planned = model::check_model::<PlannedPool>(&schema);
        let mut problems = model::check_model::<NodePoolModel>(&schema);
        problems.extend(planned.into_iter().map(|p| format!("PlannedPool: {p}")));
        problems
    }

    async fn modify_plan(&self, req: PlanRequest<'_, Client>, resp: &mut PlanResponse) {
        if let Err(d) = check_plan(&req, &resp.planned, &mut resp.diagnostics).await {
            resp.diagnostics.extend(d);
        }
        if let Err(d) = plan_resume(req.prior, &mut resp.planned) {
            resp.diagnostics.extend(d);
        }
    }

    async fn create(&self, req: CreateRequest<'_, Client>) -> ApplyResponse {
        let mut record = None;
        match create_pool(&req, &mut record).await {
            Ok((state, warnings)) => ApplyResponse::failed(state, warnings),
            Err(d) => failed(record, d),
        }
    }

    async fn read(&self, req: ReadRequest<'_, Client>) -> ReadResponse {
        read_pool(&req).await.into()
    }

    async fn update(&self, req: UpdateRequest<'_, Client>) -> ApplyResponse {
        let mut record = None;
        match update_pool(&req, &mut record).await {
            Ok(state) => ApplyResponse::ok(state),
            Err(d) => failed(record, d),
        }
    }

    async fn delete(&self, req: DeleteRequest<'_, Client>) -> DeleteResponse {
        delete_pool(&req).await.into()
    }

    async fn import(&self, req: ImportRequest<'_, Client>) -> ImportResponse {
        let state = parse_import_id(req.id)
            .map_err(|detail| {
                let mut d = Diagnostics::new();
                d.error("Invalid import ID", detail);
                d
            })
            .and_then(|(cluster, pool)| {
                to_value(&NodePoolModel {
                    kubernetes_cluster_id: Tri::Known(cluster.to_owned()),
                    id: Tri::Known(pool.to_owned()),
                    ..NodePoolModel::default()
                })
            });
        state.into()
    }
}

/// The rule that keeps a pool whose nodes are not all `Deployed` (a wait cut
/// short by Ctrl-C, `timeouts` or an outage; an import of a pool still
/// provisioning): its `nodes` are planned unknown, so the apply is an
/// in-place update that waits for this same pool instead of a replacement.
fn plan_resume(prior: &Value, planned: &mut Value) -> Result<(), Diagnostics> {
    if prior.is_null() || planned.is_null() {
        return Ok(());
    }
    let prior: NodePoolModel = model::read(prior, INVALID_STATE)?;
    // Nodes never read (a state of Xelon's Go provider, or a create cut
    // short before they were listed, without a refresh since) say nothing:
    // the next refresh reads them.
    let settled = match &prior.nodes {
        Tri::Known(nodes) => nodes.iter().all(|n| n.status == NODE_DEPLOYED),
        Tri::Null | Tri::Unknown => true,
    };
    if settled {
        return Ok(());
    }
    let mut model: NodePoolModel = model::read(planned, INVALID_PLAN)?;
    if !model.nodes.is_unknown() {
        model.nodes = Tri::Unknown;
        *planned = to_value(&model)?;
    }
    Ok(())
}

/// The checks of a plan: that a new pool's cluster exists, and a warning
/// when one apply both scales and resizes the pool.
async fn check_plan(
    req: &PlanRequest<'_, Client>,
    planned: &Value,
    diags: &mut Diagnostics,
) -> Result<(), Diagnostics> {
    let planned: NodePoolModel = model::read(planned, INVALID_PLAN)?;
    if req.prior.is_null() {
        // A new pool in an existing cluster: check the cluster is there
        // now, rather than failing at apply. (Its ID is unknown while the
        // cluster is planned too.) Whether the name is taken is checked
        // at apply: a replacement is planned as a create, and the pool it
        // replaces still exists at plan time.
        let client = req.client.map(|c| c.with_cancel(req.cancel.clone()));
        let (Some(client), Some(cluster)) = (client, planned.kubernetes_cluster_id.known()) else {
            return Ok(());
        };
        match client.cluster_exists(cluster).await {
            Ok(true) => {}
            Ok(false) => diags.attribute_error(
                AttributePath::attr("kubernetes_cluster_id"),
                "Unknown Kubernetes cluster",
                format!("The Xelon API knows no cluster {cluster:?}."),
            ),
            Err(e) if matches!(e.status(), Some(401 | 403)) => {
                return Err(api_error("Unable to check the Kubernetes cluster", &e));
            }
            Err(e) => {
                tracing::debug!(error = %e, "cluster not readable at plan time; the create checks again")
            }
        }
        return Ok(());
    }
    let prior: NodePoolModel = model::read(req.prior, INVALID_STATE)?;
    check_disk_not_shrunk(
        diags,
        AttributePath::attr("disk_size"),
        prior.disk_size.known().copied(),
        planned.disk_size.known().copied(),
        "each node's primary disk holds its system, container images and local volumes",
        "add a new pool with the smaller size (another resource, another name), let the workloads move to it, then remove this pool from the configuration.",
    );
    check_disk_not_shrunk(
        diags,
        AttributePath::attr("extra_storage_size"),
        prior.extra_storage_size.known().copied(),
        planned.extra_storage_size.known().copied(),
        "the extra disk of every node holds the persistent volumes of the cluster's storage class",
        "add a new pool with the smaller extra storage (another resource, another name), move the persistent volumes' data and the workloads to it, then remove this pool from the configuration.",
    );
    if let Some(sibling) = renamed_onto_a_sibling(req, &prior, &planned).await? {
        diags.attribute_error(
            AttributePath::attr("name"),
            "Another node pool of the cluster has this name",
            format!(
                "Node pool {sibling} of cluster {cluster} is already named {name:?}. Pool names stay unique within their cluster (the provider finds a pool whose create answer was lost by its name), so this pool cannot take it: choose another name.",
                cluster = prior.kubernetes_cluster_id.known().map_or("", String::as_str),
                name = planned.name.known().map_or("", String::as_str),
            ),
        );
    }
    let scale = prior
        .node_count
        .known()
        .zip(planned.node_count.known())
        .filter(|(a, b)| a != b);
    let resized: Vec<&str> = prior
        .sizes()
        .into_iter()
        .zip(planned.sizes())
        .filter(|((_, was), (_, will))| was != will)
        .map(|((name, _), _)| name)
        .collect();
    if let (Some((from, to)), false) = (scale, resized.is_empty()) {
        let order = if to < from {
            "the newest nodes are removed first, then the remaining nodes are resized"
        } else {
            "the existing nodes are resized first, then the new nodes are added at the new size"
        };
        diags.warning(
            "Scaling and resizing in one apply",
            format!("This node pool goes from {from} to {to} nodes and changes {} of every node: {order}. Each step waits until all nodes are Deployed.", resized.join(", ")),
        );
    }
    Ok(())
}

/// The ID of another pool of the cluster that already has the name a
/// rename plans, when the API can say at plan time.
async fn renamed_onto_a_sibling(
    req: &PlanRequest<'_, Client>,
    prior: &NodePoolModel,
    planned: &NodePoolModel,
) -> Result<Option<String>, Diagnostics> {
    let (Some(client), Some(new), Some(cluster), Some(id)) = (
        req.client.map(|c| c.with_cancel(req.cancel.clone())),
        planned.name.known(),
        prior.kubernetes_cluster_id.known(),
        prior.id.known(),
    ) else {
        return Ok(None);
    };
    if prior.name.known() == Some(new) {
        return Ok(None);
    }
    match client.pools_named(cluster, new).await {
        Ok(named) => Ok(named
            .into_iter()
            .find(|p| p.identifier != *id)
            .map(|p| p.identifier)),
        Err(e) if matches!(e.status(), Some(401 | 403)) => {
            Err(api_error("Unable to check the node pool's new name", &e))
        }
        Err(e) => {
            tracing::debug!(error = %e, "pools not readable at plan time; the rename goes ahead");
            Ok(None)
        }
    }
}

/// Creates the pool and waits for its nodes, once its cluster is ready (a
/// cluster still busy is waited for, and a `409` while it is busy is tried
/// again). Once the pool exists, `record` holds its state so far, for the
/// apply to record if a later step fails; a wait cut short records it with
/// a warning instead (the next apply waits again).
async fn create_pool(
    req: &CreateRequest<'_, Client>,
    record: &mut Option<NodePoolModel>,
) -> Result<(Value, Diagnostics), Diagnostics> {
    let plan: PlannedPool = model::read(req.planned, INVALID_PLAN)?;
    let client = req.client.with_cancel(req.cancel.clone());
    let extra = plan.extra_storage_size;
    let body = CreateNodePoolRequest {
        worker_pool_name: plan.name.clone(),
        worker_node_amount: plan.node_count,
        worker_node_cpu: plan.cpu_core_count,
        worker_node_ram: plan.memory,
        worker_node_disk: plan.disk_size,
        worker_node_is_storage: extra > 0,
        worker_node_extra_disk: extra,
    };
    let deadline = Instant::now() + plan.timeouts.create(DEFAULT_TIMEOUT);
    let left = move || deadline.saturating_duration_since(Instant::now());
    let (body, cluster, name) = (&body, plan.kubernetes_cluster_id.as_str(), &plan.name);
    // A cluster still provisioning or changing takes no pool yet.
    wait::wait_cluster_ready(&client, cluster, left(), req.cancel)
        .await
        .or_diagnose_with(|e| {
            Failure::new("The node pool's Kubernetes cluster is not ready", e).not_found_at(
                "kubernetes_cluster_id",
                format!("The Xelon API knows no cluster {cluster:?}."),
            )
        })?;
    let import_id = |id: &str| format!("{cluster}/{id}");
    let guard = Guard {
        name,
        scope: format!(" in cluster {cluster}"),
        fields: CREATE_FIELDS,
        import_id: &import_id,
    };
    let cancel = req.cancel;
    let created = create_once(
        &client,
        deadline,
        cancel,
        &format!("node pool {name:?}"),
        move |creator| async move {
            let what = format!("node pool {name:?}: creating it in busy cluster {cluster}");
            wait::retry_on_conflict(&creator, left(), cancel, &what, || {
                creator.create_pool(cluster, body)
            })
            .await
        },
        |lister| async move { lister.pools_named(cluster, name).await },
    )
    .await
    .map_err(|e| guard.failure(e))?;
    let id = created.object.identifier.clone();
    let planned = NodePoolModel::from(&plan);
    let mut partial = NodePoolModel {
        id: Tri::Known(id.clone()),
        // Not listed yet: the next plan waits for its nodes.
        nodes: Tri::Null,
        ..planned.clone()
    };
    *record = Some(partial.clone());
    let waited = wait::wait_pool_size(
        &client,
        cluster,
        &id,
        plan.node_count as usize,
        left(),
        req.cancel,
    )
    .await;
    let steady = client.uncancellable();
    let mut warnings = guard
        .twins(&created, steady.pools_named(cluster, name).await)
        .inspect_err(|_| *record = None)?;
    match waited {
        Ok(pool) => Ok((to_value(&state_from_api(&pool, &planned))?, warnings)),
        Err(e) if cuts_wait_short(&e) => {
            let now = steady
                .with_deadline(std::time::Instant::now() + Duration::from_secs(5))
                .get_pool(cluster, &id)
                .await;
            if let Ok(pool) = &now {
                partial = state_from_api(pool, &partial);
            }
            let status = now.map_or_else(|_| "unknown".to_owned(), |p| p.status_summary());
            let (summary, detail) = wait_cut_short(
                &format!("Node pool {id}"),
                "create",
                &plan.timeouts,
                DEFAULT_TIMEOUT,
                &e,
                Some(&status),
            );
            warnings.warning(summary, detail);
            Ok((to_value(&partial)?, warnings))
        }
        Err(e) => {
            let mut d = api_error("Node pool did not become ready", &e);
            d.extend(warnings);
            Err(d)
        }
    }
}

/// Refreshes a stored pool; null when the pool, or its whole cluster, is gone.
async fn read_pool(req: &ReadRequest<'_, Client>) -> Result<Value, Diagnostics> {
    let stored: NodePoolModel = model::read(req.state, INVALID_STATE)?;
    let (cluster, id) = stored.ids()?;
    let client = req.client.with_cancel(req.cancel.clone());
    match client.get_pool(cluster, id).await {
        Ok(pool) => to_value(&state_from_api(&pool, &stored)),
        Err(e) if e.is_not_found() => Ok(Value::Null),
        Err(e) => Err(api_error("Unable to read node pool", &e)),
    }
}

/// Scales, resizes and renames the pool ([`apply_update`]). On failure,
/// `record` holds what to record: the pool as it is now, so that the next
/// plan shows what is left (or the prior state when it cannot be read).
async fn update_pool(
    req: &UpdateRequest<'_, Client>,
    record: &mut Option<NodePoolModel>,
) -> Result<Value, Diagnostics> {
    let prior: NodePoolModel = model::read(req.prior, INVALID_STATE)?;
    let plan: PlannedPool = model::read(req.planned, INVALID_PLAN)?;
    let (cluster, id) = prior.ids()?;
    let client = req.client.with_cancel(req.cancel.clone());
    let timeout = plan.timeouts.update(DEFAULT_TIMEOUT);
    if let Err(d) = apply_update(&client, cluster, id, &prior, &plan, timeout, req.cancel).await {
        *record = Some(match client.get_pool(cluster, id).await {
            Ok(now) => state_from_api(&now, &prior),
            Err(_) => prior.clone(),
        });
        return Err(d);
    }
    let planned = NodePoolModel::from(&plan);
    *record = Some(planned.clone());
    let pool = client
        .get_pool(cluster, id)
        .await
        .or_diagnose("Unable to read the updated node pool")?;
    to_value(&state_from_api(&pool, &planned))
}

/// Deletes the pool and waits until it is gone; a pool already gone is fine.
async fn delete_pool(req: &DeleteRequest<'_, Client>) -> Result<(), Diagnostics> {
    let prior: NodePoolModel = model::read(req.prior, INVALID_STATE)?;
    if prior.id.is_null() {
        // Never created: nothing to delete.
        return Ok(());
    }
    let (cluster, id) = prior.ids()?;
    let client = req.client.with_cancel(req.cancel.clone());
    match client.delete_pool(cluster, id).await {
        Err(e) if e.is_not_found() => return Ok(()),
        done => done.or_diagnose("Unable to delete node pool")?,
    }
    let timeout = prior.timeouts.delete(DEFAULT_TIMEOUT);
    wait::wait_pool_deleted(&client, cluster, id, timeout, req.cancel)
        .await
        .or_diagnose("Node pool was not deleted in time")
}

/// A failed create or update: `record` (when there is something to record)
/// as the state, with the diagnostics.
fn failed(record: Option<NodePoolModel>, mut diagnostics: Diagnostics) -> ApplyResponse {
    let state = match record.as_ref().map(to_value) {
        Some(Ok(state)) => state,
        Some(Err(bug)) => {
            diagnostics.extend(bug);
            Value::Null
        }
        None => Value::Null,
    };
    ApplyResponse::failed(state, diagnostics)
}

/// Splits `<cluster_id>/<pool_id>`.
fn parse_import_id(id: &str) -> Result<(&str, &str), String> {
    match id.split('/').collect::<Vec<_>>()[..] {
        [cluster, pool] if !cluster.trim().is_empty() && !pool.trim().is_empty() => {
            Ok((cluster.trim(), pool.trim()))
        }
        _ => Err(format!(
            "Expected <kubernetes_cluster_id>/<node_pool_id>, e.g. \"k8s-abc123/pool-xyz\", got {id:?}."
        )),
    }
}

/// The pool as state, keeping from `base` what the API does not return
/// (the cluster ID and the timeouts) or does not report (a missing size or
/// name, an empty node list: never zeros).
fn state_from_api(pool: &NodePool, base: &NodePoolModel) -> NodePoolModel {
    let reported = |name: &str, value: Option<u32>, known: &Tri<u32>| match value {
        Some(n) => Tri::Known(n),
        None => {
            tracing::debug!(pool_id = %pool.identifier, name, "the API did not report this; keeping the known value");
            known.clone()
        }
    };
    // An empty node list is "not reported": a pool has at least one node.
    let (node_count, nodes) = if pool.nodes.is_empty() {
        tracing::debug!(pool_id = %pool.identifier, "the API reported no nodes; keeping the known ones");
        (base.node_count.clone(), base.nodes.clone())
    } else {
        let live = live_nodes(&pool.nodes);
        let nodes = live.iter().map(|n| NodeModel::from(*n)).collect();
        let count = u32::try_from(live.len()).unwrap_or(u32::MAX);
        (Tri::Known(count), Tri::Known(nodes))
    };
    NodePoolModel {
        cpu_core_count: reported("cpu_core_count", pool.cpu, &base.cpu_core_count),
        disk_size: reported("disk_size", pool.disk, &base.disk_size),
        // The SDK leaves an extra disk of 0 out: with nothing known before
        // (import), absent means none.
        extra_storage_size: match reported(
            "extra_storage_size",
            pool.extra_storage,
            &base.extra_storage_size,
        ) {
            Tri::Null => Tri::Known(0),
            known => known,
        },
        id: Tri::Known(pool.identifier.clone()),
        kubernetes_cluster_id: base.kubernetes_cluster_id.clone(),
        memory: reported("memory", pool.memory, &base.memory),
        name: if pool.name.is_empty() {
            base.name.clone()
        } else {
            Tri::Known(pool.name.clone())
        },
        node_count,
        nodes,
        timeouts: base.timeouts.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node of `status`, for the tests of the pool's parts.
    pub(super) fn node(id: &str, status: &str) -> Node {
        Node {
            identifier: id.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn deleting_nodes_do_not_count() {
        let nodes = [node("n1", "Deployed"), node("n2", "Deleting")];
        assert_eq!(live_nodes(&nodes).len(), 1);
        let pool = NodePool {
            identifier: "p".into(),
            nodes: nodes.to_vec(),
            ..Default::default()
        };
        let base = NodePoolModel {
            kubernetes_cluster_id: Tri::Known("k".into()),
            ..NodePoolModel::default()
        };
        let state = state_from_api(&pool, &base);
        assert_eq!(state.node_count, Tri::Known(1));
        assert_eq!(state.kubernetes_cluster_id, Tri::Known("k".into()));
    }

    #[test]
    fn an_imported_state_reads_and_a_size_that_does_not_fit_is_an_error_on_it() {
        let ty = KubernetesNodePool.schema().ty();
        let imported = to_value(&NodePoolModel {
            kubernetes_cluster_id: Tri::Known("k".into()),
            id: Tri::Known("p".into()),
            ..NodePoolModel::default()
        })
        .unwrap();
        let stored: NodePoolModel = model::read(&imported, INVALID_STATE).unwrap();
        assert_eq!(stored.ids().unwrap(), ("k", "p"));
        assert!(stored.name.is_null() && stored.memory.is_null());
        assert!(model::read::<PlannedPool>(&imported, INVALID_PLAN).is_err());

        let plan = PlannedPool {
            cpu_core_count: 2,
            disk_size: 50,
            extra_storage_size: 0,
            id: Tri::Unknown,
            kubernetes_cluster_id: "k".into(),
            memory: 4,
            name: "workers".into(),
            node_count: 3,
            nodes: Tri::Unknown,
            timeouts: Tri::Null,
        };
        let mut value = model::write(&plan, &ty).unwrap();
        let read: PlannedPool = model::read(&value, INVALID_PLAN).unwrap();
        assert_eq!(read, plan);
        if let Value::Object(attrs) = &mut value {
            attrs.insert("memory".into(), Value::number(5_000_000_000_i64));
        }
        // At apply, and already at plan (where the plan check reads it).
        let at_apply = model::read::<PlannedPool>(&value, INVALID_PLAN).unwrap_err();
        let at_plan = model::read::<NodePoolModel>(&value, INVALID_PLAN).unwrap_err();
        for d in [at_apply, at_plan] {
            let error = d.iter().next().unwrap();
            assert_eq!(error.attribute, Some(AttributePath::attr("memory")));
            assert!(error.detail.contains("5000000000"), "{}", error.detail);
        }
    }

    #[test]
    fn import_ids() {
        assert_eq!(
            parse_import_id("k8s-1/pool-2").unwrap(),
            ("k8s-1", "pool-2")
        );
        for bad in ["pool-2", "k8s-1/", "/pool", "a/b/c", ""] {
            let err = parse_import_id(bad).unwrap_err();
            assert!(
                err.contains("<kubernetes_cluster_id>/<node_pool_id>"),
                "{bad}: {err}"
            );
        }
    }
}
