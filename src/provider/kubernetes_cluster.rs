//! `xelon_kubernetes_cluster`: a Talos-based Kubernetes cluster (XKS) with a
//! managed control plane and load balancer.
//!
//! Beyond Xelon's Go provider: in-place Kubernetes and Talos upgrades,
//! control-plane resizing, turning high availability on, drift detection,
//! import, and version checks at plan time.

use std::time::Duration;

use async_trait::async_trait;

use crate::cty::{AttributePath, Value};
use crate::framework::validators::{Between, NotEmpty, PlainText};

/// The largest size the API's fields carry (unsigned 32-bit).
const MAX_SIZE: i64 = u32::MAX as i64;
use crate::framework::{
    ApplyResponse, Attribute, CreateRequest, DeleteRequest, Diagnostics, ImportRequest,
    ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, Schema,
    UpdateRequest, timeouts,
};
use crate::xelon::models::{
    Cluster, ControlPlane, CreateClusterRequest, DeploymentType, LoadBalancer, ResizeControlPlane,
    VersionMap,
};
use crate::xelon::version::compare_versions;
use crate::xelon::{Client, CreateError, Error, create_once, wait};

use super::values::{api_error, attr, boolean, int, int_u32, set, string};

/// How long operations wait by default, as in Xelon's Go provider.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long a cluster must stay Ready after a change call before the change
/// counts as done, when the API neither reports the changed value nor shows
/// the cluster busy (see [`wait_applied`]).
const SETTLE: Duration = Duration::from_secs(30);
/// How long a read retries the kubeconfig before it warns and goes on.
const KUBECONFIG_RETRIES: Duration = Duration::from_secs(10);
/// Pod and service subnets: fixed by the Xelon backend today.
const POD_SUBNET: &str = "100.111.0.0/16";
const SERVICE_SUBNET: &str = "100.112.0.0/12";

/// The `xelon_kubernetes_cluster` resource.
pub struct KubernetesCluster;

/// One of the two sized parts of a cluster.
#[derive(Clone, Copy)]
enum Part {
    ControlPlane,
    LoadBalancer,
}

impl Part {
    fn attr(self) -> &'static str {
        match self {
            Part::ControlPlane => "control_plane",
            Part::LoadBalancer => "load_balancer",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Part::ControlPlane => "control plane",
            Part::LoadBalancer => "load balancer",
        }
    }
}

fn node_spec(part: Part) -> Attribute {
    let what = part.label();
    let int = |name: &str, default: i64, text: String| {
        Attribute::int64(name)
            .default(default)
            .validate(Between(1, MAX_SIZE))
            .description(format!("{text} Defaults to `{default}`."))
    };
    let mut cpu = int(
        "cpu_core_count",
        2,
        format!("The number of CPU cores of each {what} node."),
    );
    let mut memory = int(
        "memory",
        4,
        format!("The amount of RAM in GB of each {what} node."),
    );
    let mut disk = int(
        "disk_size",
        50,
        format!("The size of the primary disk in GB of each {what} node."),
    );
    if let Part::LoadBalancer = part {
        // The Xelon API cannot resize a load balancer: a change means a new cluster.
        for a in [&mut cpu, &mut memory, &mut disk] {
            a.requires_replace = true;
            a.description.push_str(
                " Changing it replaces the cluster (the Xelon API cannot resize load balancers).",
            );
        }
    }
    let ha = Attribute::bool("high_availability_enabled").default(true).description(format!(
        "Whether the {what} runs highly available (several nodes). Defaults to `true`. It can be turned on after creation, for control plane and load balancer together, but never off."
    ));
    let default = Value::object([
        ("cpu_core_count", Value::number(2)),
        ("disk_size", Value::number(50)),
        ("high_availability_enabled", Value::Bool(true)),
        ("memory", Value::number(4)),
    ]);
    Attribute::single_nested(part.attr(), vec![cpu, disk, ha, memory])
        .default(default)
        .description(format!(
            "The size and availability of the cluster's {what}."
        ))
}

#[async_trait]
impl Resource<Client> for KubernetesCluster {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_cluster"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A Xelon Kubernetes (XKS) cluster: Talos Linux nodes with a fully managed control plane and load balancer. Worker nodes come from `xelon_kubernetes_node_pool` resources.\n\nKubernetes and Talos versions upgrade in place; control-plane sizes change in place; high availability can be turned on later. Renaming or moving a cluster replaces it.\n\nA create never makes a second cluster of the same name: when the Xelon API already has one (say, from an apply that was interrupted), the apply fails with the import that adopts it, and a create whose answer was lost finds its cluster by name instead of making another. So a replacement under `create_before_destroy` needs a new `name`.",
            vec![
                Attribute::string("cloud_id")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The ID of the cloud in which the cluster is provisioned (see the `xelon_cloud` data source). Changing it replaces the cluster."),
                node_spec(Part::ControlPlane),
                Attribute::string("id").computed().use_state_for_unknown().description("The ID of the Kubernetes cluster."),
                Attribute::string("kube_config_raw")
                    .computed()
                    .sensitive()
                    .use_state_for_unknown()
                    .deprecated("Use the xelon_kubernetes_kubeconfig ephemeral resource (or the xelon_kubernetes_cluster data source) instead: it keeps the kubeconfig out of state. Xelon's Go provider has removed this attribute; it is kept so that older state files still decode.")
                    .description("Deprecated: use the `xelon_kubernetes_kubeconfig` ephemeral resource, which keeps the kubeconfig out of state. The raw kubeconfig of the cluster as read at creation or import (it is not read again on refresh; a failure to read it is a warning). Kept so that state files written before Xelon's Go provider removed it still decode."),
                Attribute::string("kubernetes_version")
                    .required()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The Kubernetes version, e.g. `1.31.2`. It must be offered for `talos_version` (see the `xelon_kubernetes_cluster_versions` data source). Changing it upgrades the cluster in place."),
                node_spec(Part::LoadBalancer),
                Attribute::string("name")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The name of the cluster. Changing it replaces the cluster."),
                Attribute::string("talos_version")
                    .required()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The Talos Linux version of the nodes, e.g. `1.8.3`. Changing it upgrades the cluster in place."),
                Attribute::string("tenant_id")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The ID of the tenant that owns the cluster (see the `xelon_tenant` data source). Changing it replaces the cluster."),
                timeouts::attribute(DEFAULT_TIMEOUT),
            ],
        )
    }

    async fn modify_plan(&self, req: PlanRequest<'_, Client>, resp: &mut PlanResponse) {
        let planned = &resp.planned;
        if !req.prior.is_null() {
            check_high_availability(req.prior, planned, &mut resp.diagnostics);
            check_no_downgrade(req.prior, planned, &mut resp.diagnostics);
        }
        // Versions are checked against the cloud's offer whenever it can be read now.
        let (Some(client), Some(cloud), Some(talos), Some(k8s)) = (
            req.client,
            string(planned, "cloud_id"),
            string(planned, "talos_version"),
            string(planned, "kubernetes_version"),
        ) else {
            return;
        };
        let changed = req.prior.is_null()
            || string(req.prior, "talos_version").as_deref() != Some(talos.as_str())
            || string(req.prior, "kubernetes_version").as_deref() != Some(k8s.as_str());
        if !changed {
            return;
        }
        match client.versions(&cloud).await {
            Ok(map) => {
                check_version_pair(&map, &talos, &k8s, &mut resp.diagnostics);
                if let (Some(old_talos), Some(old_k8s)) = (string(req.prior, "talos_version"), string(req.prior, "kubernetes_version")) {
                    check_upgrade_path(&map, (&old_talos, &old_k8s), (&talos, &k8s), &mut resp.diagnostics);
                }
            }
            Err(e) => match e.status() {
                Some(401 | 403) => resp.diagnostics.error("The Xelon API rejected the provider's credentials", e.to_string()),
                Some(404) => resp.diagnostics.attribute_error(
                    AttributePath::attr("cloud_id"),
                    "Unknown cloud",
                    format!("The Xelon API knows no cloud {cloud:?} (see the xelon_cloud data source): {e}"),
                ),
                _ => tracing::debug!(error = %e, "version mapping not readable at plan time; the API checks at apply"),
            },
        }
    }

    async fn create(&self, req: CreateRequest<'_, Client>) -> ApplyResponse {
        let planned = req.planned;
        let client = req.client.with_cancel(req.cancel.clone());
        let spec = |part: Part| attr(planned, part.attr()).clone();
        let (cp, lb) = (spec(Part::ControlPlane), spec(Part::LoadBalancer));
        let body = CreateClusterRequest {
            cloud_identifier: string(planned, "cloud_id").unwrap_or_default(),
            tenant_identifier: string(planned, "tenant_id").unwrap_or_default(),
            cluster_name: string(planned, "name").unwrap_or_default(),
            k8s_version: string(planned, "kubernetes_version").unwrap_or_default(),
            talos_version: string(planned, "talos_version").unwrap_or_default(),
            control_plane_cpu: int_u32(&cp, "cpu_core_count"),
            control_plane_ram: int_u32(&cp, "memory"),
            control_plane_disk: int_u32(&cp, "disk_size"),
            control_plane_type: DeploymentType::from_ha(
                boolean(&cp, "high_availability_enabled").unwrap_or(true),
            ),
            load_balancer_cpu: int_u32(&lb, "cpu_core_count"),
            load_balancer_ram: int_u32(&lb, "memory"),
            load_balancer_disk: int_u32(&lb, "disk_size"),
            load_balancer_type: DeploymentType::from_ha(
                boolean(&lb, "high_availability_enabled").unwrap_or(true),
            ),
            pod_subnet: POD_SUBNET.into(),
            service_subnet: SERVICE_SUBNET.into(),
            notify: false,
            worker_pool: Vec::new(),
        };
        let (name, cloud, tenant) = (
            &body.cluster_name,
            &body.cloud_identifier,
            &body.tenant_identifier,
        );
        let timeout = timeouts::get(planned, "create", DEFAULT_TIMEOUT);
        let deadline = tokio::time::Instant::now() + timeout;
        let body = &body;
        let created = create_once(
            &client,
            deadline,
            req.cancel,
            &format!("cluster {name:?}"),
            move |creator| async move { creator.create_cluster(body).await },
            || async {
                let found = existing_clusters(&client, name, cloud, tenant).await?;
                Ok(found.into_iter().next())
            },
        )
        .await;
        let created = match created {
            Ok(c) => c,
            Err(CreateError::Exists(existing)) => {
                return ApplyResponse::failed(Value::Null, already_exists(&existing, tenant));
            }
            Err(CreateError::Check(e)) => {
                return ApplyResponse::failed(
                    Value::Null,
                    api_error("Unable to check for an existing cluster of this name", &e),
                );
            }
            Err(CreateError::Create(e)) => {
                return ApplyResponse::failed(
                    Value::Null,
                    api_error("Unable to create Kubernetes cluster", &e),
                );
            }
        };
        let id = created.object.identifier.clone();
        tracing::info!(
            cluster_id = %id,
            found_after_lost_answer = created.found_after_lost_answer,
            "cluster created; waiting until it is ready"
        );
        // From here on the cluster exists: every failure still records its ID.
        let mut partial = planned.clone();
        set(&mut partial, "id", Value::string(&id));
        // Nothing was read yet: the kubeconfig is null rather than unknown.
        set(&mut partial, "kube_config_raw", Value::Null);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if let Err(e) = wait::wait_cluster_ready(&client, &id, left, req.cancel).await {
            return ApplyResponse::failed(
                partial,
                api_error("Kubernetes cluster did not become ready", &e),
            );
        }
        match read_state(&client, &partial).await {
            Ok(Some(read)) => ApplyResponse {
                state: read.state,
                diagnostics: read.warnings,
            },
            Ok(None) => ApplyResponse::failed(
                partial,
                vanished("Kubernetes cluster vanished after creation", &id),
            ),
            // The cluster is ready: a read that fails now must not taint it.
            Err(e) => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.warning(
                    "The new Kubernetes cluster is ready but could not be read back",
                    format!(
                        "Its state holds the planned values; the next refresh reads it again. {e}"
                    ),
                );
                ApplyResponse {
                    state: partial,
                    diagnostics,
                }
            }
        }
    }

    async fn read(&self, req: ReadRequest<'_, Client>) -> ReadResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        match read_state(&client, req.state).await {
            Ok(Some(read)) => ReadResponse {
                state: read.state,
                diagnostics: read.warnings,
            },
            Ok(None) => {
                tracing::info!("cluster no longer exists; removing it from state");
                ReadResponse {
                    state: Value::Null,
                    diagnostics: Diagnostics::new(),
                }
            }
            Err(e) => ReadResponse {
                state: Value::Null,
                diagnostics: api_error("Unable to read Kubernetes cluster", &e),
            },
        }
    }

    async fn update(&self, req: UpdateRequest<'_, Client>) -> ApplyResponse {
        let (prior, planned) = (req.prior, req.planned);
        let client = req.client.with_cancel(req.cancel.clone());
        let id = string(prior, "id").unwrap_or_default();
        let timeout = timeouts::get(planned, "update", DEFAULT_TIMEOUT);
        let deadline = tokio::time::Instant::now() + timeout;
        // The cloud's version mapping only decides the order when both versions change.
        let both_versions_change = ["talos_version", "kubernetes_version"]
            .iter()
            .all(|k| string(prior, k).is_some() && string(prior, k) != string(planned, k));
        let versions = match string(prior, "cloud_id") {
            Some(cloud) if both_versions_change => client.versions(&cloud).await.ok(),
            _ => None,
        };
        // What has taken effect so far: the prior state plus each finished step.
        let mut done = prior.clone();
        for step in plan_update(prior, planned, versions.as_ref()) {
            tracing::info!(cluster_id = %id, ?step, "updating cluster");
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let what = format!("cluster {id}: {}", step.describe());
            let called = wait::retry_on_conflict(&client, left, req.cancel, &what, || {
                step.call(&client, &id)
            })
            .await;
            let applied = match called {
                Ok(()) => {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    wait_applied(&client, &id, &step, left, req.cancel).await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = applied {
                // Record what the cluster looks like now, so the next plan shows what is left.
                let mut diagnostics = api_error(
                    &format!("Unable to update Kubernetes cluster ({})", step.describe()),
                    &e,
                );
                let state = match read_state(&client, &done).await {
                    Ok(Some(read)) => {
                        diagnostics.extend(read.warnings);
                        read.state
                    }
                    _ => done,
                };
                return ApplyResponse::failed(state, diagnostics);
            }
            step.record(&mut done);
        }
        // Versions the API does not report (an imported cluster) are adopted as configured.
        for name in ["talos_version", "kubernetes_version"] {
            set(&mut done, name, attr(planned, name).clone());
        }
        set(&mut done, "timeouts", attr(planned, "timeouts").clone());
        match read_state(&client, &done).await {
            Ok(Some(read)) => ApplyResponse {
                state: read.state,
                diagnostics: read.warnings,
            },
            Ok(None) => ApplyResponse::failed(
                Value::Null,
                vanished("Kubernetes cluster vanished during the update", &id),
            ),
            Err(e) => ApplyResponse::failed(
                done,
                api_error("Unable to read the updated Kubernetes cluster", &e),
            ),
        }
    }

    async fn delete(&self, req: DeleteRequest<'_, Client>) -> Diagnostics {
        let client = req.client.with_cancel(req.cancel.clone());
        let Some(id) = string(req.prior, "id") else {
            return Diagnostics::new();
        };
        match client.delete_cluster(&id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Diagnostics::new(),
            Err(e) => return api_error("Unable to delete Kubernetes cluster", &e),
        }
        let timeout = timeouts::get(req.prior, "delete", DEFAULT_TIMEOUT);
        match wait::wait_cluster_deleted(&client, &id, timeout, req.cancel).await {
            Ok(()) => Diagnostics::new(),
            Err(e) => api_error("Kubernetes cluster was not deleted in time", &e),
        }
    }

    async fn import(&self, req: ImportRequest<'_, Client>) -> ImportResponse {
        match parse_import_id(req.id) {
            Ok((tenant, id)) => {
                let mut state = vec![("id", Value::string(id))];
                if let Some(tenant) = tenant {
                    state.push(("tenant_id", Value::string(tenant)));
                }
                ImportResponse {
                    state: Value::object(state),
                    diagnostics: Diagnostics::new(),
                }
            }
            Err(detail) => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.error("Invalid import ID", detail);
                ImportResponse {
                    state: Value::Null,
                    diagnostics,
                }
            }
        }
    }
}

/// Splits an import ID: `<cluster_id>` or `<tenant_id>/<cluster_id>`.
fn parse_import_id(id: &str) -> Result<(Option<&str>, &str), String> {
    let valid = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    match id.trim().split('/').collect::<Vec<_>>()[..] {
        [cluster] if valid(cluster) => Ok((None, cluster)),
        [tenant, cluster] if valid(tenant) && valid(cluster) => Ok((Some(tenant), cluster)),
        _ => Err(format!(
            "Expected a Kubernetes cluster ID such as \"k8s-abc123\", or <tenant_id>/<cluster_id> such as \"tenant-2/k8s-abc123\" for a cluster of another tenant than the token's own, got {id:?}."
        )),
    }
}

/// One API step of an in-place update.
#[derive(Debug, Clone, PartialEq)]
enum UpdateStep {
    EnableHighAvailability,
    UpgradeTalos(String),
    UpgradeKubernetes(String),
    ResizeControlPlane(ResizeControlPlane),
}

impl UpdateStep {
    fn describe(&self) -> &'static str {
        match self {
            UpdateStep::EnableHighAvailability => "enabling high availability",
            UpdateStep::UpgradeTalos(_) => "upgrading Talos",
            UpdateStep::UpgradeKubernetes(_) => "upgrading Kubernetes",
            UpdateStep::ResizeControlPlane(_) => "resizing the control plane",
        }
    }

    async fn call(&self, client: &Client, id: &str) -> Result<(), Error> {
        match self {
            UpdateStep::EnableHighAvailability => client.enable_high_availability(id).await,
            UpdateStep::UpgradeTalos(v) => client.upgrade_talos_version(id, v).await,
            UpdateStep::UpgradeKubernetes(v) => client.upgrade_kubernetes_version(id, v).await,
            UpdateStep::ResizeControlPlane(body) => client.resize_control_plane(id, body).await,
        }
    }

    /// Writes this step's effect into `state`, once it has taken effect.
    fn record(&self, state: &mut Value) {
        let mut part = |part: Part, name: &str, value: Value| {
            let mut spec = attr(state, part.attr()).clone();
            set(&mut spec, name, value);
            set(state, part.attr(), spec);
        };
        match self {
            UpdateStep::EnableHighAvailability => {
                for p in [Part::ControlPlane, Part::LoadBalancer] {
                    part(p, "high_availability_enabled", Value::Bool(true));
                }
            }
            UpdateStep::UpgradeTalos(v) => set(state, "talos_version", Value::string(v)),
            UpdateStep::UpgradeKubernetes(v) => set(state, "kubernetes_version", Value::string(v)),
            UpdateStep::ResizeControlPlane(r) => {
                let cp = Part::ControlPlane;
                part(
                    cp,
                    "cpu_core_count",
                    Value::number(i64::from(r.cpu_core_count)),
                );
                part(cp, "memory", Value::number(i64::from(r.memory)));
                part(cp, "disk_size", Value::number(i64::from(r.disk)));
            }
        }
    }

    /// Whether the cluster (Ready and healthy) shows this step's effect;
    /// `None` when the API does not report what would show it (the SDK's
    /// cluster carries no versions).
    async fn observed(
        &self,
        client: &Client,
        id: &str,
        cluster: &Cluster,
    ) -> Result<Option<bool>, Error> {
        Ok(match self {
            UpdateStep::UpgradeTalos(v) => cluster.talos_version.as_ref().map(|t| t == v),
            UpdateStep::UpgradeKubernetes(v) => cluster.k8s_version.as_ref().map(|k| k == v),
            UpdateStep::ResizeControlPlane(body) => {
                let cp = client.control_plane(id).await?;
                match (cp.cpu, cp.ram, cp.disk) {
                    (Some(cpu), Some(ram), Some(disk)) => {
                        Some((cpu, ram, disk) == (body.cpu_core_count, body.memory, body.disk))
                    }
                    _ => None,
                }
            }
            UpdateStep::EnableHighAvailability => {
                let (cp, lb) =
                    tokio::try_join!(client.control_plane(id), client.load_balancer(id))?;
                match (
                    cp.is_highly_available(),
                    lb.and_then(|lb| lb.is_highly_available()),
                ) {
                    (Some(cp), Some(lb)) => Some(cp && lb),
                    _ => None,
                }
            }
        })
    }
}

/// Waits until the cluster is Ready and healthy again AND shows the step's
/// effect. The API is eventually consistent: right after a change call it
/// may still report the old, Ready cluster. Where the API reports what the
/// step changes, the wait ends when it shows the new value; where it does
/// not (versions, in the published SDK's model), when the cluster has gone
/// through a busy status and back to Ready, or, for an API that never shows
/// the transition, when it has stayed Ready for [`SETTLE`].
async fn wait_applied(
    client: &Client,
    id: &str,
    step: &UpdateStep,
    timeout: Duration,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<(), Error> {
    let what = format!("cluster {id} to finish {}", step.describe());
    let started = tokio::time::Instant::now();
    let seen_busy = std::sync::atomic::AtomicBool::new(false);
    wait::poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        use std::sync::atomic::Ordering::Relaxed;
        let cluster = client.get_cluster(id).await?;
        if cluster.is_terminal() {
            return Err(Error::NotReady {
                what: what.clone(),
                status: cluster.status,
            });
        }
        let pending = |note: &str| {
            Ok(wait::Progress::Pending(format!(
                "{} ({}){note}",
                cluster.status,
                cluster.health()
            )))
        };
        if !cluster.is_ready() {
            seen_busy.store(true, Relaxed);
            return pending("");
        }
        match step.observed(client, id, &cluster).await? {
            Some(true) => Ok(wait::Progress::Done(())),
            Some(false) => pending(", change not visible yet"),
            None if seen_busy.load(Relaxed) || started.elapsed() >= SETTLE => {
                Ok(wait::Progress::Done(()))
            }
            None => pending(", waiting for the change to start"),
        }
    })
    .await
}

/// The API steps that take `prior` to `planned`, in order: high availability,
/// versions, control-plane size. When both versions change, the one whose
/// intermediate pair the cloud offers goes first (Talos when unknown). A
/// version that `prior` lacks (imported where the API reports none) is
/// adopted as planned, with no API call.
fn plan_update(prior: &Value, planned: &Value, versions: Option<&VersionMap>) -> Vec<UpdateStep> {
    let mut steps = Vec::new();
    let ha = |v: &Value, part: Part| boolean(attr(v, part.attr()), "high_availability_enabled");
    if [Part::ControlPlane, Part::LoadBalancer]
        .iter()
        .any(|p| ha(planned, *p) == Some(true) && ha(prior, *p) == Some(false))
    {
        steps.push(UpdateStep::EnableHighAvailability);
    }
    let changed = |name: &str| {
        let (old, new) = (string(prior, name), string(planned, name));
        (old.is_some() && new != old).then_some(new).flatten()
    };
    match (changed("talos_version"), changed("kubernetes_version")) {
        (Some(t), Some(k)) => {
            let old_k8s = string(prior, "kubernetes_version").unwrap_or_default();
            if versions.is_none_or(|m| m.offers(&t, &old_k8s)) {
                steps.extend([
                    UpdateStep::UpgradeTalos(t),
                    UpdateStep::UpgradeKubernetes(k),
                ]);
            } else {
                steps.extend([
                    UpdateStep::UpgradeKubernetes(k),
                    UpdateStep::UpgradeTalos(t),
                ]);
            }
        }
        (Some(t), None) => steps.push(UpdateStep::UpgradeTalos(t)),
        (None, Some(k)) => steps.push(UpdateStep::UpgradeKubernetes(k)),
        (None, None) => {}
    }
    let (cp_old, cp_new) = (attr(prior, "control_plane"), attr(planned, "control_plane"));
    // Sizes the API did not report (and import could not learn) are adopted.
    if ["cpu_core_count", "memory", "disk_size"]
        .iter()
        .any(|k| int(cp_old, k).is_some() && int(cp_old, k) != int(cp_new, k))
    {
        steps.push(UpdateStep::ResizeControlPlane(ResizeControlPlane {
            cpu_core_count: int_u32(cp_new, "cpu_core_count"),
            memory: int_u32(cp_new, "memory"),
            disk: int_u32(cp_new, "disk_size"),
        }));
    }
    steps
}

/// A cluster read from the API: its state, and warnings about parts that
/// could not be read but do not make the read fail.
struct ClusterRead {
    state: Value,
    warnings: Diagnostics,
}

/// Reads the cluster into a state value, starting from `base`: whatever the
/// API does not report (the tenant and versions in the SDK's model, an
/// empty load-balancer list, a missing size) keeps `base`'s value, never a
/// zero. The kubeconfig is read only when `base` has none (create, import);
/// a failing config endpoint is a warning, never an error.
/// `Ok(None)` when the cluster is gone.
async fn read_state(client: &Client, base: &Value) -> Result<Option<ClusterRead>, Error> {
    let id = string(base, "id").unwrap_or_default();
    // One round trip: the cluster and its parts are fetched together.
    let kubeconfig = async {
        match base.get_attr("kube_config_raw") {
            Some(k @ Value::String(_)) => (k.clone(), None),
            // Best effort: a config endpoint in trouble must not hold up the
            // read for the whole retry budget.
            _ => match client
                .with_deadline(std::time::Instant::now() + KUBECONFIG_RETRIES)
                .kubeconfig(&id)
                .await
            {
                Ok(k) => (Value::string(k), None),
                Err(e) => (Value::Null, Some(e)),
            },
        }
    };
    let (cluster, control_plane, load_balancer, (kubeconfig, kubeconfig_error)) = tokio::join!(
        client.get_cluster(&id),
        client.control_plane(&id),
        client.load_balancer(&id),
        kubeconfig
    );
    let cluster = match cluster {
        Ok(c) => c,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    if cluster.is_gone() {
        return Ok(None);
    }
    // A part that is not found (the cluster going away meanwhile) is a part
    // not reported.
    let control_plane = not_found_is_unreported(control_plane)?;
    let load_balancer = not_found_is_unreported(load_balancer)?;
    let tenant = match (&cluster.tenant_identifier, string(base, "tenant_id")) {
        (Some(t), _) => t.clone(),
        (None, Some(t)) => t,
        // Import of a bare cluster ID, and the API does not name the tenant:
        // the cluster is taken to be the token's own tenant's.
        (None, None) => client.current_tenant().await?.identifier,
    };
    let mut warnings = Diagnostics::new();
    if let Some(e) = kubeconfig_error {
        warnings.attribute_warning(
            AttributePath::attr("kube_config_raw"),
            "Kubeconfig not read",
            format!("The cluster was read, but its kubeconfig could not be: {e}. kube_config_raw stays empty; the xelon_kubernetes_kubeconfig ephemeral resource reads it when needed."),
        );
    }
    let load_balancer = load_balancer.unwrap_or_else(|| {
        tracing::debug!(cluster_id = %id, "the API reported no load balancer; keeping the known sizes");
        LoadBalancer::default()
    });
    let state = state_from_api(
        &cluster,
        &control_plane,
        &load_balancer,
        base,
        tenant,
        kubeconfig,
    );
    Ok(Some(ClusterRead { state, warnings }))
}

/// A part of a cluster answered 404 (the cluster going away meanwhile) is
/// a part not reported.
fn not_found_is_unreported<T: Default>(part: Result<T, Error>) -> Result<T, Error> {
    match part {
        Err(e) if e.is_not_found() => Ok(T::default()),
        other => other,
    }
}

/// The state for what the API reported, each missing value taken from
/// `base`.
fn state_from_api(
    cluster: &Cluster,
    cp: &ControlPlane,
    lb: &LoadBalancer,
    base: &Value,
    tenant: String,
    kubeconfig: Value,
) -> Value {
    let keep = |name: &str| attr(base, name).clone();
    let id = &cluster.identifier;
    let reported = |what: &str, value: Option<Value>, known: &Value| {
        value.unwrap_or_else(|| {
            tracing::debug!(cluster_id = %id, what, "the API did not report this; keeping the known value");
            known.clone()
        })
    };
    let version = |api: &Option<String>, name: &str| {
        reported(name, api.clone().map(Value::String), attr(base, name))
    };
    let spec = |part: Part, sizes: [Option<u32>; 3], ha: Option<bool>| {
        let known = attr(base, part.attr());
        let [cpu, ram, disk] = sizes.map(|s| s.map(|n| Value::number(i64::from(n))));
        let field =
            |name: &str, v: Option<Value>| (name.to_owned(), reported(name, v, attr(known, name)));
        Value::object([
            field("cpu_core_count", cpu),
            field("disk_size", disk),
            field("high_availability_enabled", ha.map(Value::Bool)),
            field("memory", ram),
        ])
    };
    let cloud_id = cluster
        .cloud
        .as_ref()
        .filter(|c| !c.identifier.is_empty())
        .map(|c| Value::string(c.identifier.clone()));
    let name = (!cluster.name.is_empty()).then(|| Value::string(cluster.name.clone()));
    Value::object([
        (
            "cloud_id",
            reported("cloud_id", cloud_id, attr(base, "cloud_id")),
        ),
        (
            "control_plane",
            spec(
                Part::ControlPlane,
                [cp.cpu, cp.ram, cp.disk],
                cp.is_highly_available(),
            ),
        ),
        ("id", Value::string(cluster.identifier.clone())),
        ("kube_config_raw", kubeconfig),
        (
            "kubernetes_version",
            version(&cluster.k8s_version, "kubernetes_version"),
        ),
        (
            "load_balancer",
            spec(
                Part::LoadBalancer,
                [lb.cpu, lb.ram, lb.disk],
                lb.is_highly_available(),
            ),
        ),
        ("name", reported("name", name, attr(base, "name"))),
        (
            "talos_version",
            version(&cluster.talos_version, "talos_version"),
        ),
        ("tenant_id", Value::string(tenant)),
        ("timeouts", keep("timeouts")),
    ])
}

/// The clusters a create of `name` in `cloud` for `tenant` would duplicate:
/// the same name, in the same cloud and tenant where the API reports them.
async fn existing_clusters(
    client: &Client,
    name: &str,
    cloud: &str,
    tenant: &str,
) -> Result<Vec<Cluster>, Error> {
    let named = client.clusters_named(name).await?;
    Ok(named
        .into_iter()
        .filter(|c| {
            c.cloud
                .as_ref()
                .is_none_or(|c| c.identifier.is_empty() || c.identifier == cloud)
                && c.tenant_identifier.as_deref().is_none_or(|t| t == tenant)
        })
        .collect())
}

/// The error on `name` when a cluster of that name exists outside this
/// state: nothing is created; the text gives the import that adopts it.
fn already_exists(existing: &Cluster, tenant: &str) -> Diagnostics {
    let id = format!("{tenant}/{}", existing.identifier);
    let mut d = Diagnostics::new();
    d.attribute_error(
        AttributePath::attr("name"),
        "A Kubernetes cluster of this name already exists",
        format!(
            "The Xelon API already has a cluster named {name:?} ({cluster}, status {status}) that this Terraform state does not hold, perhaps from an apply that was interrupted. The API allows several clusters of one name, so nothing was created: a second one would duplicate it.\n\nTo manage the existing cluster with this resource, import it, with an import block (the label is this resource's, as shown with this error):\n\n  import {{\n    to = xelon_kubernetes_cluster.<label>\n    id = \"{id}\"\n  }}\n\nor with the command: terraform import xelon_kubernetes_cluster.<label> {id}\n\nOtherwise choose another name, or delete the existing cluster.",
            name = existing.name,
            cluster = existing.identifier,
            status = if existing.status.is_empty() { "unknown" } else { &existing.status },
        ),
    );
    d
}

fn vanished(summary: &str, id: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!("The Xelon API no longer knows cluster {id}."),
    );
    d
}

/// High availability can be turned on (for both parts together) but never off.
fn check_high_availability(prior: &Value, planned: &Value, diags: &mut Diagnostics) {
    let ha = |v: &Value, part: Part| boolean(attr(v, part.attr()), "high_availability_enabled");
    let parts = [Part::ControlPlane, Part::LoadBalancer];
    for part in parts {
        let path = AttributePath::attr(part.attr()).push_attr("high_availability_enabled");
        if ha(prior, part) == Some(true) && ha(planned, part) == Some(false) {
            diags.attribute_error(
                path.clone(),
                "High availability cannot be turned off",
                format!("The {} of this cluster is highly available, and Xelon cannot turn that off. Keep {path} = true, or replace the cluster (terraform apply -replace=...).", part.label()),
            );
        }
    }
    let enabling: Vec<Part> = parts
        .into_iter()
        .filter(|p| ha(prior, *p) == Some(false) && ha(planned, *p) == Some(true))
        .collect();
    if enabling.is_empty() {
        return;
    }
    for part in parts {
        if ha(planned, part) == Some(false) {
            let other = enabling.first().map_or("", |p| p.label());
            let path = AttributePath::attr(part.attr()).push_attr("high_availability_enabled");
            diags.attribute_error(
                path.clone(),
                "High availability must be turned on for both parts together",
                format!("Xelon turns on high availability for the control plane and the load balancer in one step. You are turning it on for the {other}: set {path} = true too."),
            );
        }
    }
}

/// Versions only go forward.
fn check_no_downgrade(prior: &Value, planned: &Value, diags: &mut Diagnostics) {
    for name in ["kubernetes_version", "talos_version"] {
        if let (Some(old), Some(new)) = (string(prior, name), string(planned, name))
            && compare_versions(&new, &old).is_lt()
        {
            diags.attribute_error(
                AttributePath::attr(name),
                "Downgrades are not supported",
                format!("{name} can only be upgraded: the cluster runs {old}, and {new} is older."),
            );
        }
    }
}

/// When both versions change, one of them is upgraded first: the pair in
/// between must be offered too, or the upgrade has to be split.
fn check_upgrade_path(
    map: &VersionMap,
    old: (&str, &str),
    new: (&str, &str),
    diags: &mut Diagnostics,
) {
    let ((old_talos, old_k8s), (talos, k8s)) = (old, new);
    if old_talos == talos || old_k8s == k8s || !map.offers(talos, k8s) {
        return;
    }
    if map.offers(talos, old_k8s) || map.offers(old_talos, k8s) {
        return;
    }
    let step = map
        .kubernetes_versions(old_talos)
        .iter()
        .filter(|v| map.offers(talos, v) && compare_versions(v, old_k8s).is_gt())
        .max_by(|a, b| compare_versions(a, b));
    let hint = match step {
        Some(v) => format!(
            " Upgrade in two applies: first kubernetes_version = \"{v}\" (runs on both Talos {old_talos} and {talos}), then the rest."
        ),
        None => String::new(),
    };
    diags.attribute_error(
        AttributePath::attr("kubernetes_version"),
        "No direct upgrade path",
        format!("Talos and Kubernetes are upgraded one after the other, but neither Talos {talos} with Kubernetes {old_k8s} nor Talos {old_talos} with Kubernetes {k8s} is offered.{hint}"),
    );
}

/// The Talos/Kubernetes pair must be offered by the cloud.
fn check_version_pair(map: &VersionMap, talos: &str, k8s: &str, diags: &mut Diagnostics) {
    if !map.0.contains_key(talos) {
        diags.attribute_error(
            AttributePath::attr("talos_version"),
            "Unsupported Talos version",
            format!(
                "This cloud offers Talos {}; {talos:?} is not one of them.",
                map.talos_versions().join(", ")
            ),
        );
    } else if !map.offers(talos, k8s) {
        let mut offered: Vec<&str> = map
            .kubernetes_versions(talos)
            .iter()
            .map(String::as_str)
            .collect();
        offered.sort_by(|a, b| compare_versions(b, a));
        let other_talos: Vec<&str> = map
            .talos_versions()
            .into_iter()
            .filter(|t| map.offers(t, k8s))
            .collect();
        let hint = if other_talos.is_empty() {
            String::new()
        } else {
            format!(
                " Kubernetes {k8s} runs on Talos {}.",
                other_talos.join(", ")
            )
        };
        diags.attribute_error(
            AttributePath::attr("kubernetes_version"),
            "Kubernetes version not offered for this Talos version",
            format!(
                "Talos {talos} runs Kubernetes {}; {k8s:?} is not one of them.{hint}",
                offered.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(cpu: i64, ha: bool) -> Value {
        Value::object([
            ("cpu_core_count", Value::number(cpu)),
            ("disk_size", Value::number(50)),
            ("high_availability_enabled", Value::Bool(ha)),
            ("memory", Value::number(4)),
        ])
    }

    fn cluster(talos: &str, k8s: &str, cp: Value, lb: Value) -> Value {
        Value::object([
            ("id", Value::string("k8s-1")),
            ("talos_version", Value::string(talos)),
            ("kubernetes_version", Value::string(k8s)),
            ("control_plane", cp),
            ("load_balancer", lb),
        ])
    }

    fn errors_at(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect()
    }

    #[test]
    fn ha_rules() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        let mut d = Diagnostics::new();
        check_high_availability(
            &prior,
            &cluster("1.8.3", "1.31.2", spec(2, true), spec(2, true)),
            &mut d,
        );
        assert!(d.is_empty());
        check_high_availability(
            &prior,
            &cluster("1.8.3", "1.31.2", spec(2, true), spec(2, false)),
            &mut d,
        );
        assert_eq!(
            errors_at(&d),
            vec!["load_balancer.high_availability_enabled"]
        );
        let mut d = Diagnostics::new();
        let ha = cluster("1.8.3", "1.31.2", spec(2, true), spec(2, true));
        check_high_availability(
            &ha,
            &cluster("1.8.3", "1.31.2", spec(2, false), spec(2, true)),
            &mut d,
        );
        assert_eq!(
            errors_at(&d),
            vec!["control_plane.high_availability_enabled"]
        );
    }

    #[test]
    fn update_steps_in_order() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        let planned = cluster("1.9.1", "1.32.0", spec(4, true), spec(2, true));
        let steps = plan_update(&prior, &planned, None);
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[0], UpdateStep::EnableHighAvailability);
        assert_eq!(steps[1], UpdateStep::UpgradeTalos("1.9.1".into()));
        assert_eq!(steps[2], UpdateStep::UpgradeKubernetes("1.32.0".into()));
        assert!(matches!(&steps[3], UpdateStep::ResizeControlPlane(r) if r.cpu_core_count == 4));
        assert!(plan_update(&prior, &prior, None).is_empty());
        // Kubernetes first when only (old Talos, new Kubernetes) is offered.
        let map = VersionMap(
            [
                (
                    "1.8.3".to_string(),
                    vec!["1.31.2".to_string(), "1.32.0".to_string()],
                ),
                ("1.9.1".to_string(), vec!["1.32.0".to_string()]),
            ]
            .into_iter()
            .collect(),
        );
        let planned = cluster("1.9.1", "1.32.0", spec(2, false), spec(2, false));
        let steps = plan_update(&prior, &planned, Some(&map));
        assert_eq!(
            steps,
            vec![
                UpdateStep::UpgradeKubernetes("1.32.0".into()),
                UpdateStep::UpgradeTalos("1.9.1".into())
            ]
        );
    }

    #[test]
    fn version_checks() {
        let map = VersionMap(
            [
                (
                    "1.8.3".to_string(),
                    vec!["1.30.6".to_string(), "1.31.2".to_string()],
                ),
                ("1.7.7".to_string(), vec!["1.29.10".to_string()]),
            ]
            .into_iter()
            .collect(),
        );
        let mut d = Diagnostics::new();
        check_version_pair(&map, "1.8.3", "1.31.2", &mut d);
        assert!(d.is_empty());
        check_version_pair(&map, "1.8.3", "1.29.10", &mut d);
        assert_eq!(errors_at(&d), vec!["kubernetes_version"]);
        assert!(
            d.0[0].detail.contains("1.31.2, 1.30.6") && d.0[0].detail.contains("Talos 1.7.7"),
            "{}",
            d.0[0].detail
        );
        let mut d = Diagnostics::new();
        check_version_pair(&map, "9.9.9", "1.31.2", &mut d);
        assert_eq!(errors_at(&d), vec!["talos_version"]);
        let mut d = Diagnostics::new();
        let mut map = map;
        map.0
            .insert("1.9.1".into(), vec!["1.31.2".into(), "1.32.0".into()]);
        check_upgrade_path(&map, ("1.8.3", "1.31.2"), ("1.9.1", "1.32.0"), &mut d);
        assert!(d.is_empty());
        check_upgrade_path(&map, ("1.8.3", "1.30.6"), ("1.9.1", "1.32.0"), &mut d);
        assert_eq!(errors_at(&d), vec!["kubernetes_version"]);
        assert!(
            d.0[0]
                .detail
                .contains("first kubernetes_version = \"1.31.2\""),
            "{}",
            d.0[0].detail
        );
        let mut d = Diagnostics::new();
        check_no_downgrade(
            &cluster("1.8.3", "1.31.2", Value::Null, Value::Null),
            &cluster("1.8.3", "1.30.6", Value::Null, Value::Null),
            &mut d,
        );
        assert_eq!(errors_at(&d), vec!["kubernetes_version"]);
    }

    #[test]
    fn import_ids() {
        assert_eq!(parse_import_id("k8s-1"), Ok((None, "k8s-1")));
        assert_eq!(
            parse_import_id(" tenant-2/k8s-1 "),
            Ok((Some("tenant-2"), "k8s-1"))
        );
        for bad in ["", " ", "a/b/c", "/k8s-1", "tenant-2/", "k8s 1"] {
            let err = parse_import_id(bad).unwrap_err();
            assert!(err.contains("<tenant_id>/<cluster_id>"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn absent_parts_keep_the_known_values() {
        let base = Value::object([
            ("cloud_id", Value::string("cloud-1")),
            ("control_plane", spec(4, true)),
            ("kubernetes_version", Value::string("1.31.2")),
            ("load_balancer", spec(2, true)),
            ("name", Value::string("c")),
            ("talos_version", Value::string("1.8.3")),
            ("timeouts", Value::Null),
        ]);
        // What the SDK's models allow: no versions, `{}` for the control
        // plane and `[]` (here: the default) for the load balancer.
        let cluster: Cluster =
            serde_json::from_str(r#"{"identifier": "k8s-1", "status": "Updating"}"#).unwrap();
        let state = state_from_api(
            &cluster,
            &ControlPlane::default(),
            &LoadBalancer::default(),
            &base,
            "tenant-1".into(),
            Value::Null,
        );
        for name in [
            "cloud_id",
            "control_plane",
            "kubernetes_version",
            "load_balancer",
            "name",
            "talos_version",
        ] {
            assert_eq!(state.get_attr(name), base.get_attr(name), "{name}");
        }
        // Reported values win over the known ones.
        let cp: ControlPlane =
            serde_json::from_str(r#"{"controlPlaneCpu": 8, "nodes": [{"identifier": "n1"}]}"#)
                .unwrap();
        let cluster: Cluster = serde_json::from_str(
            r#"{"identifier": "k8s-1", "talosVersion": "1.9.1", "tenantIdentifier": "t2"}"#,
        )
        .unwrap();
        let state = state_from_api(
            &cluster,
            &cp,
            &LoadBalancer::default(),
            &base,
            "t2".into(),
            Value::Null,
        );
        let got = attr(&state, "control_plane");
        assert_eq!(int(got, "cpu_core_count"), Some(8));
        assert_eq!(boolean(got, "high_availability_enabled"), Some(false));
        assert_eq!(int(got, "memory"), Some(4));
        assert_eq!(string(&state, "talos_version").as_deref(), Some("1.9.1"));
        assert_eq!(
            string(&state, "kubernetes_version").as_deref(),
            Some("1.31.2")
        );
    }

    #[test]
    fn finished_steps_are_recorded_and_unknown_versions_adopted() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        let mut done = prior.clone();
        UpdateStep::UpgradeTalos("1.9.1".into()).record(&mut done);
        UpdateStep::EnableHighAvailability.record(&mut done);
        assert_eq!(string(&done, "talos_version").as_deref(), Some("1.9.1"));
        assert_eq!(
            string(&done, "kubernetes_version").as_deref(),
            Some("1.31.2")
        );
        for part in ["control_plane", "load_balancer"] {
            assert_eq!(
                boolean(attr(&done, part), "high_availability_enabled"),
                Some(true)
            );
        }
        UpdateStep::ResizeControlPlane(ResizeControlPlane {
            cpu_core_count: 8,
            memory: 16,
            disk: 100,
        })
        .record(&mut done);
        assert_eq!(int(attr(&done, "control_plane"), "memory"), Some(16));
        // An imported cluster whose versions the API does not report: no call.
        let imported = cluster("", "", spec(2, false), spec(2, false));
        let imported = {
            let mut v = imported;
            set(&mut v, "talos_version", Value::Null);
            set(&mut v, "kubernetes_version", Value::Null);
            v
        };
        let planned = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        assert!(plan_update(&imported, &planned, None).is_empty());
        // HA and sizes that the API did not report are not "off" or
        // "different": no call.
        let unknown_ha = cluster("1.8.3", "1.31.2", Value::Null, Value::Null);
        let ha = cluster("1.8.3", "1.31.2", spec(2, true), spec(2, true));
        assert_eq!(plan_update(&unknown_ha, &ha, None), vec![]);
    }
}
