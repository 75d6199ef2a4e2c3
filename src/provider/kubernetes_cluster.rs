//! `xelon_kubernetes_cluster`: a Talos-based Kubernetes cluster (XKS) with a
//! managed control plane and load balancer.
//!
//! Beyond Xelon's Go provider: in-place Kubernetes and Talos upgrades,
//! control-plane resizing, turning high availability on, drift detection,
//! import, and version checks at plan time.

use std::time::Duration;

use async_trait::async_trait;

use crate::cty::{AttributePath, Value};
use crate::framework::validators::{AtLeast, NotEmpty};
use crate::framework::{
    ApplyResponse, Attribute, CreateRequest, DeleteRequest, Diagnostics, ImportRequest,
    ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, Schema,
    UpdateRequest, timeouts,
};
use crate::xelon::models::{
    Cluster, ControlPlane, CreateClusterRequest, DeploymentType, LoadBalancer, ResizeControlPlane,
    VersionMap, compare_versions,
};
use crate::xelon::{Client, Error, wait};

use super::values::{api_error, attr, boolean, int, int_u32, set, string};

/// How long operations wait by default, as in Xelon's Go provider.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
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
            .validate(AtLeast(1))
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
            "A Xelon Kubernetes (XKS) cluster: Talos Linux nodes with a fully managed control plane and load balancer. Worker nodes come from `xelon_kubernetes_node_pool` resources.\n\nKubernetes and Talos versions upgrade in place; control-plane sizes change in place; high availability can be turned on later. Renaming or moving a cluster replaces it.",
            vec![
                Attribute::string("cloud_id")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .description("The ID of the cloud in which the cluster is provisioned (see the `xelon_cloud` data source). Changing it replaces the cluster."),
                node_spec(Part::ControlPlane),
                Attribute::string("id").computed().use_state_for_unknown().description("The ID of the Kubernetes cluster."),
                Attribute::string("kube_config_raw")
                    .computed()
                    .sensitive()
                    .use_state_for_unknown()
                    .description("The raw kubeconfig of the cluster, for kubectl and compatible tools. Stored in state; prefer the `xelon_kubernetes_kubeconfig` ephemeral resource to keep it out."),
                Attribute::string("kubernetes_version")
                    .required()
                    .validate(NotEmpty)
                    .description("The Kubernetes version, e.g. `1.31.2`. It must be offered for `talos_version` (see the `xelon_kubernetes_cluster_versions` data source). Changing it upgrades the cluster in place."),
                node_spec(Part::LoadBalancer),
                Attribute::string("name")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
                    .description("The name of the cluster. Changing it replaces the cluster."),
                Attribute::string("talos_version")
                    .required()
                    .validate(NotEmpty)
                    .description("The Talos Linux version of the nodes, e.g. `1.8.3`. Changing it upgrades the cluster in place."),
                Attribute::string("tenant_id")
                    .required()
                    .requires_replace()
                    .validate(NotEmpty)
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
        let created = match client.create_cluster(&body).await {
            Ok(c) => c,
            Err(e) => {
                return ApplyResponse::failed(
                    Value::Null,
                    api_error("Unable to create Kubernetes cluster", &e),
                );
            }
        };
        let id = created.identifier.clone();
        tracing::info!(cluster_id = %id, "cluster created; waiting until it is ready");
        // From here on the cluster exists: every failure still records its ID.
        let mut partial = planned.clone();
        set(&mut partial, "id", Value::string(&id));
        let timeout = timeouts::get(planned, "create", DEFAULT_TIMEOUT);
        if let Err(e) = wait::wait_cluster_ready(&client, &id, timeout, req.cancel).await {
            return ApplyResponse::failed(
                partial,
                api_error("Kubernetes cluster did not become ready", &e),
            );
        }
        match read_state(&client, &partial, true).await {
            Ok(Some(state)) => ApplyResponse::ok(state),
            Ok(None) => ApplyResponse::failed(
                partial,
                vanished("Kubernetes cluster vanished after creation", &id),
            ),
            Err(e) => ApplyResponse::failed(
                partial,
                api_error("Unable to read the new Kubernetes cluster", &e),
            ),
        }
    }

    async fn read(&self, req: ReadRequest<'_, Client>) -> ReadResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        match read_state(&client, req.state, true).await {
            Ok(Some(state)) => ReadResponse {
                state,
                diagnostics: Diagnostics::new(),
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
        // The cloud's version mapping only decides the order when both versions change.
        let both_versions_change = ["talos_version", "kubernetes_version"]
            .iter()
            .all(|k| string(prior, k) != string(planned, k));
        let versions = match string(prior, "cloud_id") {
            Some(cloud) if both_versions_change => client.versions(&cloud).await.ok(),
            _ => None,
        };
        for step in plan_update(prior, planned, versions.as_ref()) {
            tracing::info!(cluster_id = %id, ?step, "updating cluster");
            let done = match step.call(&client, &id).await {
                Ok(()) => wait_applied(&client, &id, &step, timeout, req.cancel).await,
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                // Record what the cluster looks like now, so the next plan shows what is left.
                let state = read_state(&client, prior, false)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| prior.clone());
                return ApplyResponse::failed(
                    state,
                    api_error(
                        &format!("Unable to update Kubernetes cluster ({})", step.describe()),
                        &e,
                    ),
                );
            }
        }
        match read_state(&client, planned, false).await {
            Ok(Some(state)) => ApplyResponse::ok(state),
            Ok(None) => ApplyResponse::failed(
                Value::Null,
                vanished("Kubernetes cluster vanished during the update", &id),
            ),
            Err(e) => ApplyResponse::failed(
                planned.clone(),
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
        let id = req.id.trim();
        if id.is_empty() || id.contains(char::is_whitespace) {
            let mut diagnostics = Diagnostics::new();
            diagnostics.error(
                "Invalid import ID",
                format!(
                    "Expected a Kubernetes cluster ID such as \"k8s-abc123\", got {:?}.",
                    req.id
                ),
            );
            return ImportResponse {
                state: Value::Null,
                diagnostics,
            };
        }
        ImportResponse {
            state: Value::object([("id", Value::string(id))]),
            diagnostics: Diagnostics::new(),
        }
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

    /// Whether the cluster (Ready and healthy) shows this step's effect.
    async fn is_visible(
        &self,
        client: &Client,
        id: &str,
        cluster: &Cluster,
    ) -> Result<bool, Error> {
        Ok(match self {
            // A version the API does not report cannot be checked: Ready must do.
            UpdateStep::UpgradeTalos(v) => cluster.talos_version.as_ref().is_none_or(|t| t == v),
            UpdateStep::UpgradeKubernetes(v) => cluster.k8s_version.as_ref().is_none_or(|k| k == v),
            UpdateStep::ResizeControlPlane(body) => {
                let cp = client.control_plane(id).await?;
                (cp.cpu, cp.ram, cp.disk) == (body.cpu_core_count, body.memory, body.disk)
            }
            UpdateStep::EnableHighAvailability => {
                client.control_plane(id).await?.is_highly_available()
                    && client
                        .load_balancer(id)
                        .await?
                        .is_some_and(|lb| lb.is_highly_available())
            }
        })
    }
}

/// Waits until the cluster is Ready and healthy again AND shows the step's
/// effect: right after a change call the API may still report the old,
/// Ready cluster for a moment.
async fn wait_applied(
    client: &Client,
    id: &str,
    step: &UpdateStep,
    timeout: Duration,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<(), Error> {
    let what = format!("cluster {id} to finish {}", step.describe());
    wait::poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        let cluster = client.get_cluster(id).await?;
        if cluster.is_terminal() {
            return Err(Error::NotReady {
                what: what.clone(),
                status: cluster.status,
            });
        }
        if cluster.is_ready() && step.is_visible(client, id, &cluster).await? {
            Ok(wait::Progress::Done(()))
        } else {
            Ok(wait::Progress::Pending(format!(
                "{} ({})",
                cluster.status,
                cluster.health()
            )))
        }
    })
    .await
}

/// The API steps that take `prior` to `planned`, in order: high availability,
/// versions, control-plane size. When both versions change, the one whose
/// intermediate pair the cloud offers goes first (Talos when unknown).
fn plan_update(prior: &Value, planned: &Value, versions: Option<&VersionMap>) -> Vec<UpdateStep> {
    let mut steps = Vec::new();
    let ha = |v: &Value, part: Part| {
        boolean(attr(v, part.attr()), "high_availability_enabled").unwrap_or(false)
    };
    if [Part::ControlPlane, Part::LoadBalancer]
        .iter()
        .any(|p| ha(planned, *p) && !ha(prior, *p))
    {
        steps.push(UpdateStep::EnableHighAvailability);
    }
    let changed = |name: &str| {
        let new = string(planned, name);
        (new != string(prior, name)).then_some(new).flatten()
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
    if ["cpu_core_count", "memory", "disk_size"]
        .iter()
        .any(|k| int(cp_old, k) != int(cp_new, k))
    {
        steps.push(UpdateStep::ResizeControlPlane(ResizeControlPlane {
            cpu_core_count: int_u32(cp_new, "cpu_core_count"),
            memory: int_u32(cp_new, "memory"),
            disk: int_u32(cp_new, "disk_size"),
        }));
    }
    steps
}

/// Reads the cluster into a state value, starting from `base` (which keeps
/// what the API does not return: `tenant_id`, `timeouts`, and the versions
/// when absent). `refresh_kubeconfig` false keeps `base`'s kubeconfig, so an
/// update never changes a value that was known in the plan.
/// `Ok(None)` when the cluster is gone.
async fn read_state(
    client: &Client,
    base: &Value,
    refresh_kubeconfig: bool,
) -> Result<Option<Value>, Error> {
    let id = string(base, "id").unwrap_or_default();
    let cluster = match client.get_cluster(&id).await {
        Ok(c) => c,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    if matches!(cluster.status.as_str(), "Deleting" | "Deleted") {
        return Ok(None);
    }
    // The rest is independent: fetch it concurrently, one round trip instead of four.
    let kubeconfig = async {
        match (refresh_kubeconfig, base.get_attr("kube_config_raw")) {
            (false, Some(Value::String(k))) => Ok(k.clone()),
            _ => client.kubeconfig(&id).await,
        }
    };
    let tenant = async {
        match string(base, "tenant_id") {
            Some(t) => Ok(t),
            // Import: the cluster object does not name its tenant; it belongs to ours.
            None => client.current_tenant().await.map(|t| t.identifier),
        }
    };
    let (control_plane, load_balancer, kubeconfig, tenant) = tokio::try_join!(
        client.control_plane(&id),
        client.load_balancer(&id),
        kubeconfig,
        tenant
    )?;
    let load_balancer = load_balancer.unwrap_or_default();
    let kubeconfig = Value::string(kubeconfig);
    Ok(Some(state_from_api(
        &cluster,
        &control_plane,
        &load_balancer,
        base,
        tenant,
        kubeconfig,
    )))
}

fn state_from_api(
    cluster: &Cluster,
    cp: &ControlPlane,
    lb: &LoadBalancer,
    base: &Value,
    tenant: String,
    kubeconfig: Value,
) -> Value {
    let keep = |name: &str| attr(base, name).clone();
    let version = |api: &Option<String>, name: &str| {
        api.clone().map(Value::String).unwrap_or_else(|| keep(name))
    };
    let spec = |cpu: u32, ram: u32, disk: u32, ha: bool| {
        Value::object([
            ("cpu_core_count", Value::number(i64::from(cpu))),
            ("disk_size", Value::number(i64::from(disk))),
            ("high_availability_enabled", Value::Bool(ha)),
            ("memory", Value::number(i64::from(ram))),
        ])
    };
    let cloud_id = cluster
        .cloud
        .as_ref()
        .map(|c| Value::string(c.identifier.clone()))
        .unwrap_or_else(|| keep("cloud_id"));
    Value::object([
        ("cloud_id", cloud_id),
        (
            "control_plane",
            spec(cp.cpu, cp.ram, cp.disk, cp.is_highly_available()),
        ),
        ("id", Value::string(cluster.identifier.clone())),
        ("kube_config_raw", kubeconfig),
        (
            "kubernetes_version",
            version(&cluster.k8s_version, "kubernetes_version"),
        ),
        (
            "load_balancer",
            spec(lb.cpu, lb.ram, lb.disk, lb.is_highly_available()),
        ),
        ("name", Value::string(cluster.name.clone())),
        (
            "talos_version",
            version(&cluster.talos_version, "talos_version"),
        ),
        ("tenant_id", Value::string(tenant)),
        ("timeouts", keep("timeouts")),
    ])
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
}
