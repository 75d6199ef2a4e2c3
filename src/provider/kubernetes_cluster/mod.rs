//! `xelon_kubernetes_cluster`: a Talos-based Kubernetes cluster (XKS) with a
//! managed control plane and load balancer.
//!
//! Beyond Xelon's Go provider: in-place Kubernetes and Talos upgrades,
//! control-plane resizing, turning high availability on, drift detection,
//! import, and version checks at plan time.

use std::time::Duration;

use async_trait::async_trait;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::cty::{AttributePath, Type, Value};
use crate::framework::model::{self, Tri};
use crate::framework::timeouts::Timeouts;
use crate::framework::validators::{Between, NotEmpty, PlainText};

/// The largest size the API's fields carry (unsigned 32-bit).
const MAX_SIZE: i64 = u32::MAX as i64;
use crate::framework::{
    ApplyResponse, Attribute, CreateRequest, DeleteRequest, DeleteResponse, Diagnostics,
    ImportRequest, ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
    Schema, UpdateRequest, timeouts,
};
use crate::xelon::models::{STATUS_ERROR, STATUS_READY, VersionMap};
use crate::xelon::{Client, wait};

use super::api_name;
use super::errors::{OrDiagnose, api_error};

mod create;
mod plan_checks;
mod state;
mod update;

use plan_checks::check_version_pair;
pub(crate) use state::listed_state;
use state::read_state;

/// How long operations wait by default, as in Xelon's Go provider.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long a cluster must stay Ready after a change call before the change
/// counts as done, when the API neither reports the changed value nor shows
/// the cluster busy (see [`wait_applied`]).
const SETTLE: Duration = Duration::from_secs(30);

/// The `xelon_kubernetes_cluster` resource.
pub struct KubernetesCluster;

/// The resource's model: its configuration, plan and state. Every
/// attribute may be null (an import knows only the ID at first) or unknown
/// (in a plan), hence [`Tri`] throughout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct ClusterModel {
    pub(super) cloud_id: Tri<String>,
    pub(super) control_plane: Tri<Spec>,
    pub(super) id: Tri<String>,
    pub(super) kube_config_raw: Tri<String>,
    pub(super) kubernetes_version: Tri<String>,
    pub(super) load_balancer: Tri<Spec>,
    pub(super) name: Tri<String>,
    pub(super) status: Tri<String>,
    pub(super) talos_version: Tri<String>,
    pub(super) tenant_id: Tri<String>,
    pub(super) timeouts: Tri<Timeouts>,
}

/// The size and availability of the control plane or the load balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Spec {
    pub(super) cpu_core_count: Tri<u32>,
    pub(super) disk_size: Tri<u32>,
    pub(super) high_availability_enabled: Tri<bool>,
    pub(super) memory: Tri<u32>,
}

impl ClusterModel {
    fn read(value: &Value) -> Result<Self, Diagnostics> {
        model::read(value, "Invalid Kubernetes cluster value")
    }

    fn write(&self) -> Result<Value, Diagnostics> {
        static TYPE: OnceLock<Type> = OnceLock::new();
        model::write(self, TYPE.get_or_init(|| KubernetesCluster.schema().ty()))
    }
}

/// The known value of a required attribute at apply (Terraform plans every
/// one known; anything else is a bug, said loudly rather than sent as "").
fn required<T>(value: &Tri<T>, path: AttributePath) -> Result<&T, Diagnostics> {
    value.known().ok_or_else(|| {
        let mut d = Diagnostics::new();
        d.attribute_error(
            path.clone(),
            "Value not known at apply",
            format!("{path} has no known value at apply. This is a bug; please report it."),
        );
        d
    })
}

/// An apply's answer from its outcome: the state written, or the failure
/// with the state to record.
fn respond(
    result: Result<(ClusterModel, Diagnostics), (Option<ClusterModel>, Diagnostics)>,
) -> ApplyResponse {
    let (state, mut diagnostics) = match result {
        Ok((state, warnings)) => (Some(state), warnings),
        Err((state, errors)) => (state, errors),
    };
    let state = match state.map(|s| s.write()).transpose() {
        Ok(state) => state.unwrap_or(Value::Null),
        Err(bug) => {
            diagnostics.extend(bug);
            Value::Null
        }
    };
    ApplyResponse { state, diagnostics }
}

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
    Attribute::single_nested(part.attr(), vec![cpu, disk, ha, memory])
        .default_from_nested()
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
            "A Xelon Kubernetes (XKS) cluster: Talos Linux nodes with a fully managed control plane and load balancer. Worker nodes come from `xelon_kubernetes_node_pool` resources.\n\nKubernetes and Talos versions upgrade in place; control-plane sizes change in place; high availability can be turned on later. Renaming or moving a cluster replaces it.\n\nA create never makes a second cluster of the same name: when the Xelon API already has one (say, from an apply that was interrupted), the apply fails with the import that adopts it, and a create whose answer was lost finds its cluster by name instead of making another. So a replacement under `create_before_destroy` needs a new `name`.\n\nA readiness wait cut short (Ctrl-C, `timeouts.create`, an outage) never costs the cluster: it is recorded, untainted, with its `status`, and the next apply waits for the same cluster instead of replacing it.",
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
                    .deprecated("Always null: use the xelon_kubernetes_kubeconfig ephemeral resource (or the xelon_kubernetes_cluster data source), which keeps the kubeconfig out of state. Xelon's Go provider has removed this attribute; it is kept so that older state files still decode.")
                    .description("Deprecated and always null: use the `xelon_kubernetes_kubeconfig` ephemeral resource, which keeps the kubeconfig (and the cluster's client key in it) out of state and plan files, or the `xelon_kubernetes_cluster` data source. A state written by an older version that holds a kubeconfig here loses it at the next refresh. Kept so that state files written before Xelon's Go provider removed it still decode."),
                Attribute::string("kubernetes_version")
                    .required()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The Kubernetes version, e.g. `1.31.2`. It must be offered for `talos_version` (see the `xelon_kubernetes_cluster_versions` data source). Changing it upgrades the cluster in place."),
                node_spec(Part::LoadBalancer),
                api_name(Attribute::string("name"))
                    .required()
                    .requires_replace()
                    .description("The name of the cluster. Changing it replaces the cluster."),
                Attribute::string("status")
                    .computed()
                    .use_state_for_unknown()
                    .description("The cluster's status as last read, e.g. `Ready`. While it is not `Ready` (still provisioning, or a wait cut short by Ctrl-C, `timeouts` or an outage), the next plan shows an in-place update of `status` that waits for this same cluster instead of replacing it; a cluster the API reports in `Error` is replaced."),
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

    fn check_model(&self) -> Vec<String> {
        model::check_model::<ClusterModel>(&self.schema())
    }

    fn identity(&self) -> Option<crate::framework::Identity> {
        Some(crate::framework::Identity::new(&["id"]))
    }

    async fn modify_plan(&self, req: PlanRequest<'_, Client>, resp: &mut PlanResponse) {
        let models = ClusterModel::read(&resp.planned).and_then(|planned| {
            let prior = match req.prior.is_null() {
                true => None,
                false => Some(ClusterModel::read(req.prior)?),
            };
            Ok((planned, prior))
        });
        let (mut planned, prior) = match models {
            Ok(m) => m,
            Err(d) => return resp.diagnostics.extend(d),
        };
        let mut rewrite = false;
        if let Some(prior) = &prior {
            // A size the API never reported (an import of a cluster still
            // provisioning, whose load balancer the published API leaves
            // out) is adopted as configured: never a replacement.
            resp.requires_replace
                .retain(|p| req.prior.get_path(p).is_some_and(|v| !v.is_null()));
            // A name stored with spaces at its edge (before names were
            // checked) is the name the API trimmed it to: no replacement.
            if let (Some(old), Some(new)) = (prior.name.known(), planned.name.known()) {
                if old != new && old.trim() == new {
                    let name = AttributePath::attr("name");
                    resp.requires_replace.retain(|p| *p != name);
                }
            }
            rewrite |= plan_status(prior, &mut planned, resp);
        }
        // The deprecated kubeconfig is never stored (see read_state): an
        // apply drops what an older state holds, and a plan with nothing
        // else to do keeps it (a refresh drops it), so that a state of
        // Xelon's Go provider plans no change even without a refresh.
        let kubeconfig = match &prior {
            Some(prior) if !rewrite && planned_as(&planned, prior) == *prior => {
                prior.kube_config_raw.clone()
            }
            _ => Tri::Null,
        };
        if planned.kube_config_raw != kubeconfig {
            planned.kube_config_raw = kubeconfig;
            rewrite = true;
        }
        if rewrite {
            match planned.write() {
                Ok(value) => resp.planned = value,
                Err(d) => return resp.diagnostics.extend(d),
            }
        }
        let map = match req.client {
            Some(client) => {
                let client = client.with_cancel(req.cancel.clone());
                check_with_api(&client, prior.as_ref(), &planned, &mut resp.diagnostics).await
            }
            None => None,
        };
        // An update is decided here, once: the apply carries out these steps.
        if let Some(prior) = &prior {
            match update::decide_update(prior, &planned, map.as_ref()) {
                Err(d) => resp.diagnostics.extend(d),
                Ok(steps) if map.is_some() || !update::order_needs_versions(prior, &planned) => {
                    resp.private.set(update::UPDATE_STEPS, &steps)
                }
                // Not decided: the apply asks for the versions itself.
                Ok(_) => resp.private.remove(update::UPDATE_STEPS),
            }
        }
    }

    async fn create(&self, req: CreateRequest<'_, Client>) -> ApplyResponse {
        respond(create::create_cluster(req).await)
    }

    async fn read(&self, req: ReadRequest<'_, Client>) -> ReadResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        let read = async {
            let base = ClusterModel::read(req.state)?;
            let read = read_state(&client, &base)
                .await
                .or_diagnose("Unable to read Kubernetes cluster")?;
            match read {
                Some(mut read) => {
                    if let Some(status) = read.state.status.known().filter(|s| *s != STATUS_READY) {
                        let next = match status.as_str() {
                            STATUS_ERROR => "the next plan replaces it",
                            _ => {
                                "the next apply waits for this same cluster (an in-place update of `status`) instead of replacing it"
                            }
                        };
                        read.warnings.attribute_warning(
                            AttributePath::attr("status"),
                            "The Kubernetes cluster is not ready",
                            format!(
                                "The Xelon API reports cluster {} in status {status:?}: {next}.",
                                read.state.id.known().map_or("", String::as_str)
                            ),
                        );
                    }
                    Ok::<_, Diagnostics>((read.state.write()?, read.warnings))
                }
                None => {
                    tracing::info!("cluster no longer exists; removing it from state");
                    Ok((Value::Null, Diagnostics::new()))
                }
            }
        };
        read.await.into()
    }

    async fn update(&self, req: UpdateRequest<'_, Client>) -> ApplyResponse {
        respond(update::update_cluster(req).await)
    }

    async fn delete(&self, req: DeleteRequest<'_, Client>) -> DeleteResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        let delete = async {
            let prior = ClusterModel::read(req.prior)?;
            let Some(id) = prior.id.known() else {
                return Ok(());
            };
            match client.delete_cluster(id).await {
                Err(e) if e.is_not_found() => return Ok(()),
                other => other.or_diagnose("Unable to delete Kubernetes cluster")?,
            }
            let timeout = prior.timeouts.delete(DEFAULT_TIMEOUT);
            wait::wait_cluster_deleted(&client, id, timeout, req.cancel)
                .await
                .or_diagnose("Kubernetes cluster was not deleted in time")
        };
        delete.await.into()
    }

    async fn import(&self, req: ImportRequest<'_, Client>) -> ImportResponse {
        let imported = match parse_import_id(req.id) {
            Ok((tenant, id)) => ClusterModel {
                id: Tri::Known(id.to_owned()),
                tenant_id: tenant.map(str::to_owned).into(),
                ..ClusterModel::default()
            }
            .write(),
            Err(detail) => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.error("Invalid import ID", detail);
                Err(diagnostics)
            }
        };
        imported.into()
    }
}

/// The plan's checks that ask the API, at once: a new tenant exists, and the
/// versions are a pair the cloud offers. Answers the cloud's version map
/// when the versions change and it could be read.
async fn check_with_api(
    client: &Client,
    prior: Option<&ClusterModel>,
    planned: &ClusterModel,
    diags: &mut Diagnostics,
) -> Option<VersionMap> {
    let tenant = planned
        .tenant_id
        .known()
        .filter(|t| prior.is_none_or(|p| p.tenant_id.known() != Some(*t)));
    let old = prior.and_then(|p| Some((p.talos_version.known()?, p.kubernetes_version.known()?)));
    let wanted = match (
        planned.cloud_id.known(),
        planned.talos_version.known(),
        planned.kubernetes_version.known(),
    ) {
        (Some(cloud), Some(talos), Some(k8s)) if old != Some((talos, k8s)) => {
            Some((cloud, talos, k8s))
        }
        _ => None,
    };
    let (tenant_found, versions) = tokio::join!(
        async {
            match tenant {
                Some(t) => Some(client.get_tenant(t).await),
                None => None,
            }
        },
        async {
            match wanted {
                Some((cloud, ..)) => Some(client.versions(cloud).await),
                None => None,
            }
        }
    );
    if let (Some(tenant), Some(Err(e))) = (tenant, tenant_found) {
        // Rejected credentials are the versions' check's (or the apply's)
        // to report, once.
        match e.status() {
            Some(404) => diags.attribute_error(
                AttributePath::attr("tenant_id"),
                "Unknown tenant",
                format!("The Xelon API knows no tenant {tenant:?} that this token can use (see the xelon_tenant data source): {e}"),
            ),
            _ => tracing::debug!(error = %e, "tenant not readable at plan time; the API checks at apply"),
        }
    }
    let (Some((cloud, talos, k8s)), Some(versions)) = (wanted, versions) else {
        return None;
    };
    match versions {
        Ok(map) => {
            check_version_pair(&map, talos, k8s, diags);
            Some(map)
        }
        Err(e) => {
            match e.status() {
                Some(401 | 403) => diags.extend(api_error("Unable to read the cloud's Kubernetes versions", &e)),
                Some(404) => diags.attribute_error(
                    AttributePath::attr("cloud_id"),
                    "Unknown cloud",
                    format!("The Xelon API knows no cloud {cloud:?} (see the xelon_cloud data source): {e}"),
                ),
                _ => tracing::debug!(error = %e, "version mapping not readable at plan time; the API checks at apply"),
            }
            None
        }
    }
}

/// `planned` with `prior`'s kubeconfig: equal to `prior` when the plan
/// changes nothing else.
fn planned_as(planned: &ClusterModel, prior: &ClusterModel) -> ClusterModel {
    ClusterModel {
        kube_config_raw: prior.kube_config_raw.clone(),
        ..planned.clone()
    }
}

/// The plan of `status`, the rule that keeps a provisioning cluster: when
/// the prior cluster is not `Ready` (a wait cut short, an import of a
/// cluster still provisioning), or the plan changes it, its status is
/// unknown, so the apply is an in-place update that waits for this same
/// cluster; a cluster in `Error` is replaced. True when `planned` changed.
fn plan_status(prior: &ClusterModel, planned: &mut ClusterModel, resp: &mut PlanResponse) -> bool {
    let changes = prior.talos_version != planned.talos_version
        || prior.kubernetes_version != planned.kubernetes_version
        || prior.control_plane != planned.control_plane
        || prior.load_balancer != planned.load_balancer;
    match prior.status.known().map(String::as_str) {
        Some(STATUS_ERROR) => {
            resp.requires_replace.push(AttributePath::attr("status"));
            resp.diagnostics.attribute_warning(
                AttributePath::attr("status"),
                "The Kubernetes cluster failed",
                format!(
                    "The Xelon API reports cluster {} in status Error, so it is replaced: destroyed and created anew.",
                    prior.id.known().map_or("(unknown ID)", String::as_str)
                ),
            );
        }
        Some(STATUS_READY) | None if !changes => return false,
        _ => {}
    }
    planned.status = Tri::Unknown;
    true
}

/// What an apply ends with: the new state and its warnings, or the errors
/// with the state to record (none when nothing exists).
type Outcome = Result<(ClusterModel, Diagnostics), (Option<ClusterModel>, Diagnostics)>;

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

fn vanished(summary: &str, id: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!("The Xelon API no longer knows cluster {id}."),
    );
    d
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

/// Models shaped like the cluster's state, for the tests of each part.
#[cfg(test)]
mod testing {
    use super::{ClusterModel, Spec};
    use crate::framework::Diagnostics;
    use crate::framework::model::Tri;

    pub(super) fn spec(cpu: u32, ha: bool) -> Tri<Spec> {
        Tri::Known(Spec {
            cpu_core_count: Tri::Known(cpu),
            disk_size: Tri::Known(50),
            high_availability_enabled: Tri::Known(ha),
            memory: Tri::Known(4),
        })
    }

    pub(super) fn cluster(talos: &str, k8s: &str, cp: Tri<Spec>, lb: Tri<Spec>) -> ClusterModel {
        ClusterModel {
            id: Tri::Known("k8s-1".into()),
            talos_version: Tri::Known(talos.into()),
            kubernetes_version: Tri::Known(k8s.into()),
            control_plane: cp,
            load_balancer: lb,
            ..ClusterModel::default()
        }
    }

    pub(super) fn errors_at(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect()
    }
}
