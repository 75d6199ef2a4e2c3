//! Reading a cluster into state: what the API reports, and the known value
//! where it reports nothing.

use crate::cty::{AttributePath, Value};
use crate::framework::Diagnostics;
use crate::xelon::models::{Cluster, ControlPlane, LoadBalancer};
use crate::xelon::{Client, Error};

use super::super::values::{attr, string};
use super::{KUBECONFIG_RETRIES, Part};

/// A cluster read from the API: its state, and warnings about parts that
/// could not be read but do not make the read fail.
pub(super) struct ClusterRead {
    pub(super) state: Value,
    pub(super) warnings: Diagnostics,
}

/// Reads the cluster into a state value, starting from `base`: whatever the
/// API does not report (the tenant and versions in the SDK's model, an
/// empty load-balancer list, a missing size) keeps `base`'s value, never a
/// zero. The kubeconfig is read only when `base` has none (create, import);
/// a failing config endpoint is a warning, never an error.
/// `Ok(None)` when the cluster is gone.
pub(super) async fn read_state(
    client: &Client,
    base: &Value,
) -> Result<Option<ClusterRead>, Error> {
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

/// The state of cluster `id` as an import of it stores after its refresh
/// ([`read_state`] from a state holding only the ID), for the cluster list
/// resource; `Ok(None)` when it is gone. `tenant` is the token's own tenant,
/// which that refresh takes when the API names none (the list resource asks
/// for it once). One difference: the list never reads the kubeconfig
/// (`terraform query -json` prints results in the clear), so
/// `kube_config_raw` is null; an import reads it.
pub(crate) async fn listed_state(
    client: &Client,
    id: &str,
    tenant: Option<String>,
) -> Result<Option<Value>, Error> {
    let mut base = vec![
        ("id", Value::string(id)),
        // A kubeconfig known already is not read again (see read_state).
        ("kube_config_raw", Value::string("")),
    ];
    if let Some(tenant) = tenant {
        base.push(("tenant_id", Value::string(tenant)));
    }
    let read = read_state(client, &Value::object(base)).await?;
    Ok(read.map(|read| {
        let mut state = read.state;
        super::super::values::set(&mut state, "kube_config_raw", Value::Null);
        state
    }))
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

#[cfg(test)]
mod tests {
    use super::super::testing::spec;
    use super::*;
    use crate::provider::values::{boolean, int};

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
}
