//! The guarded create: one cluster of a name, never a second, whatever
//! happens to the answer (see [`crate::xelon::create_once`]).

use crate::cty::AttributePath;
use crate::framework::model::Tri;
use crate::framework::{CreateRequest, Diagnostics};
use crate::xelon::models::{Cluster, CreateClusterRequest, DeploymentType};
use crate::xelon::{Client, Error, create_once, wait};

use super::super::errors::{Fields, api_error, create_failure};
use super::state::read_state;
use super::{ClusterModel, DEFAULT_TIMEOUT, Outcome, Spec, required, vanished};

/// Pod and service subnets: fixed by the Xelon backend today.
const POD_SUBNET: &str = "100.111.0.0/16";
const SERVICE_SUBNET: &str = "100.112.0.0/12";

/// Where a 422's rejected fields of a create come from.
const CREATE_FIELDS: Fields = &[
    ("cloudIdentifier", "cloud_id"),
    ("tenantIdentifier", "tenant_id"),
    ("clusterName", "name"),
    ("k8sVersion", "kubernetes_version"),
    ("talosVersion", "talos_version"),
    ("controlPlaneCpu", "control_plane.cpu_core_count"),
    ("controlPlaneRam", "control_plane.memory"),
    ("controlPlaneDisk", "control_plane.disk_size"),
    (
        "controlPlaneType",
        "control_plane.high_availability_enabled",
    ),
    ("loadBalancerCpu", "load_balancer.cpu_core_count"),
    ("loadBalancerRam", "load_balancer.memory"),
    ("loadBalancerDisk", "load_balancer.disk_size"),
    (
        "loadBalancerType",
        "load_balancer.high_availability_enabled",
    ),
];

/// Creates the planned cluster and waits until it is ready; from the create
/// on, every failure records its ID.
pub(super) async fn create_cluster(req: CreateRequest<'_, Client>) -> Outcome {
    let planned = ClusterModel::read(req.planned).map_err(|d| (None, d))?;
    let client = req.client.with_cancel(req.cancel.clone());
    let body = create_body(&planned).map_err(|d| (None, d))?;
    let (name, cloud, tenant) = (
        &body.cluster_name,
        &body.cloud_identifier,
        &body.tenant_identifier,
    );
    let timeout = planned.timeouts.create(DEFAULT_TIMEOUT);
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
    let created = created.map_err(|e| {
        let diagnostics = create_failure("Kubernetes cluster", e, CREATE_FIELDS, |existing| {
            already_exists(&existing, tenant)
        });
        (None, diagnostics)
    })?;
    let id = created.object.identifier.clone();
    tracing::info!(
        cluster_id = %id,
        found_after_lost_answer = created.found_after_lost_answer,
        "cluster created; waiting until it is ready"
    );
    // From here on the cluster exists: every failure still records its ID.
    let mut partial = planned.clone();
    partial.id = Tri::Known(id.clone());
    // Nothing was read yet: the kubeconfig is null rather than unknown.
    partial.kube_config_raw = Tri::Null;
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    if let Err(e) = wait::wait_cluster_ready(&client, &id, left, req.cancel).await {
        let diagnostics = api_error("Kubernetes cluster did not become ready", &e);
        return Err((Some(partial), diagnostics));
    }
    match read_state(&client, &partial).await {
        Ok(Some(read)) => Ok((read.state, read.warnings)),
        Ok(None) => Err((
            Some(partial),
            vanished("Kubernetes cluster vanished after creation", &id),
        )),
        // The cluster is ready: a read that fails now must not taint it.
        Err(e) => {
            let mut warnings = Diagnostics::new();
            warnings.warning(
                "The new Kubernetes cluster is ready but could not be read back",
                format!("Its state holds the planned values; the next refresh reads it again. {e}"),
            );
            Ok((partial, warnings))
        }
    }
}

/// The body of the create call, from the planned model.
fn create_body(planned: &ClusterModel) -> Result<CreateClusterRequest, Diagnostics> {
    let spec = |part: &Tri<Spec>, name: &str| {
        let at = |attr: &str| AttributePath::attr(name).push_attr(attr);
        let s = required(part, AttributePath::attr(name))?;
        let size = |v: &Tri<u32>, attr: &str| required(v, at(attr)).copied();
        let ha = required(
            &s.high_availability_enabled,
            at("high_availability_enabled"),
        )?;
        Ok::<_, Diagnostics>((
            size(&s.cpu_core_count, "cpu_core_count")?,
            size(&s.memory, "memory")?,
            size(&s.disk_size, "disk_size")?,
            DeploymentType::from_ha(*ha),
        ))
    };
    let (cp_cpu, cp_ram, cp_disk, cp_type) = spec(&planned.control_plane, "control_plane")?;
    let (lb_cpu, lb_ram, lb_disk, lb_type) = spec(&planned.load_balancer, "load_balancer")?;
    Ok(CreateClusterRequest {
        cloud_identifier: required(&planned.cloud_id, AttributePath::attr("cloud_id"))?.clone(),
        tenant_identifier: required(&planned.tenant_id, AttributePath::attr("tenant_id"))?.clone(),
        cluster_name: required(&planned.name, AttributePath::attr("name"))?.clone(),
        k8s_version: required(
            &planned.kubernetes_version,
            AttributePath::attr("kubernetes_version"),
        )?
        .clone(),
        talos_version: required(&planned.talos_version, AttributePath::attr("talos_version"))?
            .clone(),
        control_plane_cpu: cp_cpu,
        control_plane_ram: cp_ram,
        control_plane_disk: cp_disk,
        control_plane_type: cp_type,
        load_balancer_cpu: lb_cpu,
        load_balancer_ram: lb_ram,
        load_balancer_disk: lb_disk,
        load_balancer_type: lb_type,
        pod_subnet: POD_SUBNET.into(),
        service_subnet: SERVICE_SUBNET.into(),
        notify: false,
        worker_pool: Vec::new(),
    })
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
