//! Reading a cluster into state: what the API reports, and the known value
//! where it reports nothing.

use crate::cty::Value;
use crate::framework::Diagnostics;
use crate::framework::model::Tri;
use crate::xelon::models::{Cluster, ControlPlane, LoadBalancer};
use crate::xelon::{Client, Error};

use super::super::errors::OrDiagnose;
use super::{ClusterModel, Spec};

/// A cluster read from the API: its state, and warnings about parts that
/// could not be read but do not make the read fail.
pub(super) struct ClusterRead {
    pub(super) state: ClusterModel,
    pub(super) warnings: Diagnostics,
}

/// Reads the cluster `base.id` into a state, starting from `base`: whatever
/// the API does not report (the tenant and versions in the SDK's model, an
/// empty load-balancer list, a missing size) keeps `base`'s value, never a
/// zero. The deprecated `kube_config_raw` is never read and always null:
/// the kubeconfig holds the cluster's client key, which nobody asked to
/// keep in state (the ephemeral resource and the data source serve it).
/// `Ok(None)` when the cluster is gone.
pub(super) async fn read_state(
    client: &Client,
    base: &ClusterModel,
) -> Result<Option<ClusterRead>, Error> {
    let Some(id) = base.id.known() else {
        // Nothing was created: there is nothing to read.
        return Ok(None);
    };
    // One round trip: the cluster and its parts are fetched together.
    let (cluster, control_plane, load_balancer) = tokio::join!(
        client.get_cluster(id),
        client.control_plane(id),
        client.load_balancer(id),
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
    let tenant = match (&cluster.tenant_identifier, base.tenant_id.known()) {
        (Some(t), _) => t.clone(),
        (None, Some(t)) => t.clone(),
        // Import of a bare cluster ID, and the API does not name the tenant:
        // the cluster is taken to be the token's own tenant's.
        (None, None) => client.current_tenant().await?.identifier,
    };
    let load_balancer = load_balancer.unwrap_or_else(|| {
        tracing::debug!(cluster_id = %id, "the API reported no load balancer; keeping the known sizes");
        LoadBalancer::default()
    });
    let mut state = state_from_api(&cluster, &control_plane, &load_balancer, base);
    state.tenant_id = Tri::Known(tenant);
    Ok(Some(ClusterRead {
        state,
        warnings: Diagnostics::new(),
    }))
}

/// The state of cluster `id` as an import of it stores after its refresh
/// ([`read_state`] from a state holding only the ID), for the cluster list
/// resource; `Ok(None)` when it is gone. `tenant` is the token's own tenant,
/// which that refresh takes when the API names none (the list resource asks
/// for it once).
pub(crate) async fn listed_state(
    client: &Client,
    id: &str,
    tenant: Option<String>,
) -> Result<Option<Value>, Diagnostics> {
    let base = ClusterModel {
        id: Tri::Known(id.to_owned()),
        tenant_id: tenant.into(),
        ..ClusterModel::default()
    };
    let read = read_state(client, &base)
        .await
        .or_diagnose("Unable to read a listed Kubernetes cluster")?;
    read.map(|read| read.state.write()).transpose()
}

/// A part of a cluster answered 404 (the cluster going away meanwhile) is
/// a part not reported.
fn not_found_is_unreported<T: Default>(part: Result<T, Error>) -> Result<T, Error> {
    match part {
        Err(e) if e.is_not_found() => Ok(T::default()),
        other => other,
    }
}

/// `reported` where the API reported it, else `known`.
fn or_known<T: Clone>(what: &str, id: &str, reported: Option<T>, known: &Tri<T>) -> Tri<T> {
    match reported {
        Some(v) => Tri::Known(v),
        None => {
            tracing::debug!(cluster_id = %id, what, "the API did not report this; keeping the known value");
            known.clone()
        }
    }
}

/// The state for what the API reported, each missing value taken from
/// `base` (the tenant and kubeconfig too: the caller sets them).
fn state_from_api(
    cluster: &Cluster,
    cp: &ControlPlane,
    lb: &LoadBalancer,
    base: &ClusterModel,
) -> ClusterModel {
    let id = cluster.identifier.as_str();
    let spec = |sizes: [Option<u32>; 3], ha: Option<bool>, known: &Tri<Spec>| {
        let known = known.known().cloned().unwrap_or_default();
        let [cpu, ram, disk] = sizes;
        Tri::Known(Spec {
            cpu_core_count: or_known("cpu_core_count", id, cpu, &known.cpu_core_count),
            disk_size: or_known("disk_size", id, disk, &known.disk_size),
            high_availability_enabled: or_known(
                "high_availability_enabled",
                id,
                ha,
                &known.high_availability_enabled,
            ),
            memory: or_known("memory", id, ram, &known.memory),
        })
    };
    let cloud_id = cluster
        .cloud
        .as_ref()
        .filter(|c| !c.identifier.is_empty())
        .map(|c| c.identifier.clone());
    let name = (!cluster.name.is_empty()).then(|| cluster.name.clone());
    ClusterModel {
        cloud_id: or_known("cloud_id", id, cloud_id, &base.cloud_id),
        control_plane: spec(
            [cp.cpu, cp.ram, cp.disk],
            cp.is_highly_available(),
            &base.control_plane,
        ),
        id: Tri::Known(cluster.identifier.clone()),
        kube_config_raw: Tri::Null,
        kubernetes_version: or_known(
            "kubernetes_version",
            id,
            cluster.k8s_version.clone(),
            &base.kubernetes_version,
        ),
        load_balancer: spec(
            [lb.cpu, lb.ram, lb.disk],
            lb.is_highly_available(),
            &base.load_balancer,
        ),
        name: or_known("name", id, name, &base.name),
        status: or_known(
            "status",
            id,
            (!cluster.status.is_empty()).then(|| cluster.status.clone()),
            &base.status,
        ),
        talos_version: or_known(
            "talos_version",
            id,
            cluster.talos_version.clone(),
            &base.talos_version,
        ),
        tenant_id: base.tenant_id.clone(),
        timeouts: base.timeouts.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{cluster, spec};
    use super::*;

    #[test]
    fn absent_parts_keep_the_known_values() {
        let mut base = cluster("1.8.3", "1.31.2", spec(4, true), spec(2, true));
        base.cloud_id = Tri::Known("cloud-1".into());
        base.name = Tri::Known("c".into());
        // What the SDK's models allow: no versions, `{}` for the control
        // plane and `[]` (here: the default) for the load balancer.
        let cluster: Cluster =
            serde_json::from_str(r#"{"identifier": "k8s-1", "status": "Updating"}"#).unwrap();
        let state = state_from_api(
            &cluster,
            &ControlPlane::default(),
            &LoadBalancer::default(),
            &base,
        );
        let reported = ClusterModel {
            status: Tri::Known("Updating".into()),
            ..base.clone()
        };
        assert_eq!(state, reported);
        // Reported values win over the known ones.
        let cp: ControlPlane =
            serde_json::from_str(r#"{"controlPlaneCpu": 8, "nodes": [{"identifier": "n1"}]}"#)
                .unwrap();
        let cluster: Cluster = serde_json::from_str(
            r#"{"identifier": "k8s-1", "talosVersion": "1.9.1", "tenantIdentifier": "t2"}"#,
        )
        .unwrap();
        let state = state_from_api(&cluster, &cp, &LoadBalancer::default(), &base);
        let got = state.control_plane.known().unwrap();
        assert_eq!(got.cpu_core_count, Tri::Known(8));
        assert_eq!(got.high_availability_enabled, Tri::Known(false));
        assert_eq!(got.memory, Tri::Known(4));
        assert_eq!(state.talos_version, Tri::Known("1.9.1".into()));
        assert_eq!(state.kubernetes_version, Tri::Known("1.31.2".into()));
    }
}
