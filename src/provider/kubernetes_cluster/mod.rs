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
use crate::xelon::models::{Cluster, CreateClusterRequest, DeploymentType};
use crate::xelon::{Client, Error, create_once, wait};

use super::values::{api_error, attr, boolean, create_failure, int_u32, set, string};

mod plan_checks;
mod state;
mod update;

use plan_checks::{
    check_high_availability, check_no_downgrade, check_upgrade_path, check_version_pair,
};
pub(crate) use state::listed_state;
use state::read_state;
use update::{plan_update, wait_applied};

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

    fn identity(&self) -> Option<crate::framework::Identity> {
        Some(crate::framework::Identity::new(&["id"]))
    }

    async fn modify_plan(&self, req: PlanRequest<'_, Client>, resp: &mut PlanResponse) {
        let planned = &resp.planned;
        if !req.prior.is_null() {
            check_high_availability(req.prior, planned, &mut resp.diagnostics);
            check_no_downgrade(req.prior, planned, &mut resp.diagnostics);
        }
        // Versions are checked against the cloud's offer whenever it can be read now.
        let (Some(client), Some(cloud), Some(talos), Some(k8s)) = (
            req.client.map(|c| c.with_cancel(req.cancel.clone())),
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
            Err(e) => {
                let diagnostics = create_failure("Kubernetes cluster", e, |existing| {
                    already_exists(&existing, tenant)
                });
                return ApplyResponse::failed(Value::Null, diagnostics);
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

/// Values shaped like the cluster's state, for the tests of each part.
#[cfg(test)]
mod testing {
    use crate::cty::Value;
    use crate::framework::Diagnostics;

    pub(super) fn spec(cpu: i64, ha: bool) -> Value {
        Value::object([
            ("cpu_core_count", Value::number(cpu)),
            ("disk_size", Value::number(50)),
            ("high_availability_enabled", Value::Bool(ha)),
            ("memory", Value::number(4)),
        ])
    }

    pub(super) fn cluster(talos: &str, k8s: &str, cp: Value, lb: Value) -> Value {
        Value::object([
            ("id", Value::string("k8s-1")),
            ("talos_version", Value::string(talos)),
            ("kubernetes_version", Value::string(k8s)),
            ("control_plane", cp),
            ("load_balancer", lb),
        ])
    }

    pub(super) fn errors_at(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect()
    }
}
