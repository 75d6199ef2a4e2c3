//! The guarded create: one cluster of a name, never a second, whatever
//! happens to the answer (see [`crate::xelon::create_once`]).

use crate::cty::AttributePath;
use crate::framework::model::Tri;
use crate::framework::{CreateRequest, Diagnostics};
use std::time::Duration;

use crate::xelon::models::{Cluster, CreateClusterRequest, DeploymentType, STATUS_READY};
use crate::xelon::{Client, Error, create_once, wait};

use super::super::errors::{Fields, api_error};
use super::super::guarded::{Guard, cuts_wait_short, wait_cut_short};
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
/// on, the cluster is recorded whatever happens. A wait cut short records it
/// with its last status and a warning (the next apply waits again); only a
/// cluster that failed (`Error`) is recorded with an error, which taints it.
pub(super) async fn create_cluster(req: CreateRequest<'_, Client>) -> Outcome {
    let planned = ClusterModel::read(req.planned).map_err(|d| (None, d))?;
    let client = req.client.with_cancel(req.cancel.clone());
    let body = create_body(&planned).map_err(|d| (None, d))?;
    let (name, cloud, tenant) = (
        body.cluster_name.as_str(),
        body.cloud_identifier.as_str(),
        body.tenant_identifier.as_str(),
    );
    let import_id = |id: &str| format!("{tenant}/{id}");
    let guard = Guard {
        name,
        scope: String::new(),
        fields: CREATE_FIELDS,
        import_id: &import_id,
    };
    let timeout = planned.timeouts.create(DEFAULT_TIMEOUT);
    let deadline = tokio::time::Instant::now() + timeout;
    let body = &body;
    let created = create_once(
        &client,
        deadline,
        req.cancel,
        &format!("cluster {name:?}"),
        move |creator| async move { creator.create_cluster(body).await },
        |lister| async move { existing_clusters(&lister, name, cloud, tenant).await },
    )
    .await
    .map_err(|e| (None, guard.failure(e)))?;
    let id = created.object.identifier.clone();
    tracing::info!(
        cluster_id = %id,
        found_after_lost_answer = created.found_after_lost_answer,
        sends = created.sends,
        "cluster created; waiting until it is ready"
    );
    // From here on the cluster exists: every outcome records its ID.
    let mut partial = planned.clone();
    partial.id = Tri::Known(id.clone());
    partial.status = Tri::Known(last_word(&created.object.status));
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    let waited = wait::wait_cluster_ready(&client, &id, left, req.cancel).await;
    // Whatever the wait did: did another cluster of the name appear meanwhile?
    let steady = client.uncancellable();
    let listed = existing_clusters(&steady, name, cloud, tenant).await;
    let mut warnings = guard.twins(&created, listed).map_err(|d| (None, d))?;
    match waited {
        Ok(_) => {}
        Err(e) if cuts_wait_short(&e) => {
            // Its status now, when the API answers at once.
            if let Ok(now) = steady
                .with_deadline(std::time::Instant::now() + Duration::from_secs(5))
                .get_cluster(&id)
                .await
            {
                partial.status = Tri::Known(last_word(&now.status));
            }
            let status = partial.status.known().map_or("", String::as_str);
            let (summary, detail) = wait_cut_short(
                &format!("Kubernetes cluster {id}"),
                "create",
                &planned.timeouts,
                DEFAULT_TIMEOUT,
                &e,
                Some(status),
            );
            warnings.warning(summary, detail);
            return Ok((partial, warnings));
        }
        Err(e) => {
            let mut diagnostics = api_error("Kubernetes cluster did not become ready", &e);
            diagnostics.extend(warnings);
            if let Error::NotReady { status, .. } = &e {
                partial.status = Tri::Known(status.clone());
            }
            return Err((Some(partial), diagnostics));
        }
    }
    match read_state(&client, &partial).await {
        Ok(Some(read)) => {
            warnings.extend(read.warnings);
            Ok((read.state, warnings))
        }
        Ok(None) => Err((
            Some(partial),
            vanished("Kubernetes cluster vanished after creation", &id),
        )),
        // The cluster is ready: a read that fails now must not taint it.
        Err(e) => {
            partial.status = Tri::Known(STATUS_READY.to_owned());
            warnings.warning(
                "The new Kubernetes cluster is ready but could not be read back",
                format!("Its state holds the planned values; the next refresh reads it again. {e}"),
            );
            Ok((partial, warnings))
        }
    }
}

/// A status as the API said it, or `unknown` when it said nothing (never
/// `Ready`: a status not seen is not ready).
fn last_word(status: &str) -> String {
    match status {
        "" => "unknown".to_owned(),
        said => said.to_owned(),
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
