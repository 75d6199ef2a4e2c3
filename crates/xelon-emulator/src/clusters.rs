//! Cluster handlers: list, read, create, delete, HA upgrade, version upgrades,
//! control plane, load balancers and the two config files.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::ApiProfile;
use super::account::query_map;
use super::configs;
use super::error::ApiError;
use super::model::{Cluster, ClusterStatus, Size};
use super::pools::validate_pool;
use super::routes::AppState;
use super::seed::Cloud;
use super::state::{NewCluster, State as EmulatorState, load_balancer};
use super::validate::{Fields, pagination, parse_object};
use super::version;
use super::views::{
    ClusterView, ControlPlanesView, Data, DataMessage, LoadBalancersView, Page, change_answer,
};

/// Allowed CPU cores of any VM.
pub const CPU_RANGE: std::ops::RangeInclusive<u64> = 1..=64;
/// Allowed RAM of any VM, in GB.
pub const RAM_RANGE: std::ops::RangeInclusive<u64> = 1..=512;
/// Allowed disk of any VM, in GB.
pub const DISK_RANGE: std::ops::RangeInclusive<u64> = 1..=4096;
/// Longest cluster or pool name.
pub const MAX_NAME: usize = 63;
/// The values of `controlPlaneType` / `loadBalancerType`.
pub const TYPES: [&str; 2] = ["production", "test"];

/// The cluster `id` as GETs show it at `now` (stale while a change's stale
/// window is open), in `profile`.
fn view(
    state: &EmulatorState,
    id: &str,
    now: Instant,
    profile: ApiProfile,
) -> Result<ClusterView, ApiError> {
    let cluster = state.cluster(id)?;
    Ok(ClusterView::new(
        cluster.visible(now),
        state.cloud(&cluster.cloud),
        now,
        profile,
    ))
}

/// `GET kubernetes?page=&perPage=`: paginated clusters, oldest first.
pub async fn list(
    State(shared): State<AppState>,
    uri: Uri,
) -> Result<Json<Page<ClusterView>>, ApiError> {
    let query = query_map(&uri)?;
    let (page, per_page) = pagination(&query)?;
    let per_page = per_page.min(shared.config.max_per_page);
    let profile = shared.config.api_profile;
    let (state, now) = shared.lock();
    let clusters = state
        .clusters
        .iter()
        .map(|c| ClusterView::new(c.visible(now), state.cloud(&c.cloud), now, profile))
        .collect();
    Ok(Json(Page::new(clusters, page, per_page, profile)))
}

/// `GET kubernetes/{id}`: `{"data": cluster}`.
pub async fn get(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Data<ClusterView>>, ApiError> {
    let (state, now) = shared.lock();
    Ok(Json(Data {
        data: view(&state, &id, now, shared.config.api_profile)?,
    }))
}

/// Reads `<prefix>Cpu`, `<prefix>Ram`, `<prefix>Disk` (all required).
fn required_size(fields: &mut Fields<'_>, prefix: &str) -> Option<Size> {
    let cpu = fields.required_int(&format!("{prefix}Cpu"), CPU_RANGE);
    let ram = fields.required_int(&format!("{prefix}Ram"), RAM_RANGE);
    let disk = fields.required_int(&format!("{prefix}Disk"), DISK_RANGE);
    Some(Size {
        cpu: cpu?,
        ram: ram?,
        disk: disk?,
    })
}

/// Validates a create body against the seed data, reporting every bad field.
fn validate_create(state: &EmulatorState, body: &[u8]) -> Result<NewCluster, ApiError> {
    let body = parse_object(body)?;
    let mut f = Fields::new(&body);
    let cloud_id = f.required_str("cloudIdentifier", 64);
    let tenant_id = f.required_str("tenantIdentifier", 64);
    let name = f.required_str("clusterName", MAX_NAME);
    let k8s = f.required_str("k8sVersion", 32);
    let talos = f.required_str("talosVersion", 32);
    let control_plane = required_size(&mut f, "controlPlane");
    let control_plane_type = f.required_choice("controlPlaneType", &TYPES);
    let load_balancer = required_size(&mut f, "loadBalancer");
    let load_balancer_type = f.required_choice("loadBalancerType", &TYPES);
    f.optional_str("podSubnet", 64);
    f.optional_str("serviceSubnet", 64);
    f.optional_bool("notify");
    let mut pools = Vec::new();
    match f.raw("workerPool") {
        None => {}
        Some(serde_json::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let prefix = format!("workerPool.{i}.");
                match item.as_object() {
                    Some(object) => {
                        let mut pool_fields = Fields::with_prefix(object, &prefix);
                        if let Some(pool) = validate_pool(&mut pool_fields) {
                            pools.push(pool);
                        }
                        f.errors.merge(pool_fields.errors);
                    }
                    None => f.fail(
                        &format!("workerPool.{i}"),
                        "Each workerPool entry must be an object.",
                    ),
                }
            }
        }
        Some(_) => f.fail("workerPool", "The workerPool field must be an array."),
    }

    let cloud = cloud_id.as_deref().and_then(|id| {
        let cloud = state.cloud(id);
        if cloud.is_none() {
            let known: Vec<&str> = state.clouds.iter().map(|c| c.identifier.as_str()).collect();
            f.fail(
                "cloudIdentifier",
                format!(
                    "The selected cloudIdentifier is invalid: no cloud {id}; known clouds: {}.",
                    known.join(", ")
                ),
            );
        }
        cloud
    });
    if let Some(id) = tenant_id.as_deref() {
        if state.tenant(id).is_none() {
            f.fail(
                "tenantIdentifier",
                format!("The selected tenantIdentifier is invalid: no tenant {id}."),
            );
        }
    }
    if let (Some(cloud), Some(talos), Some(k8s)) = (cloud, talos.as_deref(), k8s.as_deref()) {
        match cloud.kubernetes_for(talos) {
            None => f.fail(
                "talosVersion",
                format!(
                    "Talos {talos} is not offered on cloud {}; available Talos versions: {}.",
                    cloud.identifier,
                    cloud.talos_versions().join(", ")
                ),
            ),
            Some(valid) if !valid.iter().any(|v| v == k8s) => f.fail(
                "k8sVersion",
                format!(
                    "Kubernetes {k8s} cannot run on Talos {talos}; valid Kubernetes versions for Talos {talos}: {}.",
                    valid.join(", ")
                ),
            ),
            Some(_) => {}
        }
    }
    f.errors.into_result()?;
    let (
        Some(name),
        Some(tenant),
        Some(cloud),
        Some(k8s_version),
        Some(talos_version),
        Some(control_plane),
        Some(cp_type),
        Some(load_balancer),
        Some(lb_type),
    ) = (
        name,
        tenant_id,
        cloud_id,
        k8s,
        talos,
        control_plane,
        control_plane_type,
        load_balancer,
        load_balancer_type,
    )
    else {
        return Err(ApiError::unprocessable("The given data was invalid."));
    };
    Ok(NewCluster {
        name,
        tenant,
        cloud,
        k8s_version,
        talos_version,
        control_plane,
        control_plane_ha: cp_type == "production",
        load_balancer,
        load_balancer_ha: lb_type == "production",
        pools,
    })
}

/// `POST kubernetes`: validates and answers 201 `{"data": cluster, "message"}`
/// with the cluster `Provisioning`.
pub async fn create(State(shared): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    let spec = validate_create(&state, &body)?;
    let identifier = state.create_cluster(spec, now).identifier.clone();
    let data = view(&state, &identifier, now, shared.config.api_profile)?;
    Ok((
        StatusCode::CREATED,
        Json(DataMessage {
            data,
            message: format!("Kubernetes cluster {identifier} is being provisioned."),
        }),
    )
        .into_response())
}

/// `DELETE kubernetes/{id}`: 202 `{"data": cluster, "message"}`; the cluster
/// reports `Deleting` for the provision delay, then answers 404.
pub async fn delete(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.delete_cluster(&id, now)?;
    accepted(
        &shared,
        &state,
        &id,
        now,
        format!("Kubernetes cluster {id} is being deleted."),
    )
}

/// 202 for an accepted cluster change: rich `{"data": cluster, "message"}`
/// (the cluster as GETs show it), sdk an empty body.
fn accepted(
    shared: &AppState,
    state: &EmulatorState,
    id: &str,
    now: Instant,
    message: String,
) -> Result<Response, ApiError> {
    let profile = shared.config.api_profile;
    let data = view(state, id, now, profile)?;
    Ok(change_answer(
        profile,
        StatusCode::ACCEPTED,
        DataMessage { data, message },
    ))
}

/// `POST kubernetes/{id}/upgrade`: turns on HA for control plane (3 nodes)
/// and load balancer (2 instances); 422 if both are already HA.
pub async fn upgrade(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.update_cluster(&id, now, |cluster, make_node| {
        if cluster.control_plane_ha() && cluster.load_balancer_ha() {
            return Err(ApiError::unprocessable(format!(
                "Cluster {} is already highly available.",
                cluster.identifier
            )));
        }
        let prefix = super::model::slug(&cluster.name);
        while cluster.control_plane_nodes.len() < 3 {
            let n = cluster.control_plane_nodes.len() + 1;
            cluster
                .control_plane_nodes
                .push(make_node(format!("{prefix}-cp-{n}")));
        }
        while cluster.load_balancers.len() < 2 {
            let n = cluster.load_balancers.len() as u64 + 1;
            cluster
                .load_balancers
                .push(load_balancer(&cluster.name, cluster.network, n));
        }
        Ok(())
    })?;
    accepted(
        &shared,
        &state,
        &id,
        now,
        format!("Kubernetes cluster {id} is being upgraded to high availability."),
    )
}

/// Reads the required `version` field of a version-upgrade body.
fn version_body(body: &[u8]) -> Result<String, ApiError> {
    let body = parse_object(body)?;
    let mut f = Fields::new(&body);
    let version = f.required_str("version", 32);
    f.errors.into_result()?;
    version.ok_or_else(|| ApiError::field("version", "The version field is required."))
}

/// `POST kubernetes/{id}/k8s-version` `{"version"}`: in-place Kubernetes
/// upgrade. 422 when the cluster's Talos cannot run it, when it is the
/// current version, or when it is a downgrade.
pub async fn set_k8s_version(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    set_version(&shared, &id, &body, Component::Kubernetes)
}

/// `POST kubernetes/{id}/talos-version` `{"version"}`: in-place Talos
/// upgrade. 422 when that Talos is not offered, cannot run the cluster's
/// Kubernetes, is the current version, or is a downgrade.
pub async fn set_talos_version(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    set_version(&shared, &id, &body, Component::Talos)
}

/// The two versioned parts of a cluster.
#[derive(Clone, Copy)]
enum Component {
    Kubernetes,
    Talos,
}

impl Component {
    fn label(self) -> &'static str {
        match self {
            Component::Kubernetes => "Kubernetes",
            Component::Talos => "Talos",
        }
    }

    fn version(self, cluster: &mut Cluster) -> &mut String {
        match self {
            Component::Kubernetes => &mut cluster.k8s_version,
            Component::Talos => &mut cluster.talos_version,
        }
    }

    /// Why `version` cannot run beside the cluster's other part on `cloud`, if it cannot.
    fn incompatibility(self, cloud: &Cloud, cluster: &Cluster, version: &str) -> Option<String> {
        let (talos, k8s) = (&cluster.talos_version, &cluster.k8s_version);
        match self {
            Component::Kubernetes => {
                let valid = cloud.kubernetes_for(talos).unwrap_or_default();
                (!valid.iter().any(|v| v == version)).then(|| {
                    format!(
                        "Kubernetes {version} cannot run on Talos {talos}; valid Kubernetes versions for Talos {talos}: {}.",
                        valid.join(", ")
                    )
                })
            }
            Component::Talos if cloud.kubernetes_for(version).is_none() => Some(format!(
                "Talos {version} is not offered on cloud {}; available Talos versions: {}.",
                cloud.identifier,
                cloud.talos_versions().join(", ")
            )),
            Component::Talos => (!cloud.supports(version, k8s)).then(|| {
                format!(
                    "Talos {version} cannot run Kubernetes {k8s}; Talos versions that can: {}.",
                    cloud.talos_for(k8s).join(", ")
                )
            }),
        }
    }
}

/// An in-place upgrade of one part: validated against the cloud's version
/// mapping, then the cluster provisions again.
fn set_version(
    shared: &AppState,
    id: &str,
    body: &[u8],
    part: Component,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    let cloud = {
        let cluster = state.cluster(id)?;
        state.cloud(&cluster.cloud).cloned()
    };
    let version = version_body(body)?;
    let label = part.label();
    state.update_cluster(id, now, |cluster, _| {
        let Some(cloud) = cloud.as_ref() else {
            return Err(ApiError::unprocessable("The cluster's cloud is unknown."));
        };
        let current = part.version(cluster).clone();
        if version == current {
            return Err(ApiError::field(
                "version",
                format!("The cluster already runs {label} {version}."),
            ));
        }
        if let Some(why) = part.incompatibility(cloud, cluster, &version) {
            return Err(ApiError::field("version", why));
        }
        if version::cmp(&version, &current).is_lt() {
            return Err(ApiError::field(
                "version",
                format!("Downgrading {label} from {current} to {version} is not supported."),
            ));
        }
        *part.version(cluster) = version.clone();
        Ok(())
    })?;
    accepted(
        shared,
        &state,
        id,
        now,
        format!("Kubernetes cluster {id} is being upgraded to {label} {version}."),
    )
}

fn yaml(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], text).into_response()
}

/// `GET kubernetes/{id}/config/kube`: kubeconfig YAML (`application/yaml`),
/// with the cluster's credentials (made at the first request).
pub async fn kubeconfig(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    let credentials = state.kube_credentials(&id)?;
    Ok(yaml(configs::kubeconfig(
        state.cluster(&id)?.visible(now),
        &credentials,
    )))
}

/// `GET kubernetes/{id}/config/talos`: talosconfig YAML (`application/yaml`).
pub async fn talosconfig(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, now) = shared.lock();
    Ok(yaml(configs::talosconfig(state.cluster(&id)?.visible(now))))
}

/// True when the sdk profile reports nothing of a cluster's control plane
/// and load balancer: while it is `Provisioning` or `Updating`.
fn parts_unreported(cluster: &Cluster, now: Instant, profile: ApiProfile) -> bool {
    profile.is_sdk()
        && matches!(
            cluster.status(now),
            ClusterStatus::Provisioning | ClusterStatus::Updating
        )
}

/// `GET kubernetes/{id}/control-planes` (not wrapped in `data`); `{}` in the
/// sdk profile while the cluster provisions or updates.
pub async fn control_planes(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ControlPlanesView>, ApiError> {
    let profile = shared.config.api_profile;
    let (state, now) = shared.lock();
    let cluster = state.cluster(&id)?.visible(now);
    if parts_unreported(cluster, now, profile) {
        return Ok(Json(ControlPlanesView::empty()));
    }
    Ok(Json(ControlPlanesView::new(cluster, now, profile)))
}

/// `PATCH kubernetes/{id}/control-planes` `{"cpuCoreCount", "memory", "disk"}`
/// (each optional, at least one): resizes every control-plane node in place.
pub async fn resize_control_planes(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.cluster(&id)?;
    let body = parse_object(&body)?;
    let mut f = Fields::new(&body);
    let cpu = f.optional_int("cpuCoreCount", CPU_RANGE);
    let ram = f.optional_int("memory", RAM_RANGE);
    let disk = f.optional_int("disk", DISK_RANGE);
    if !["cpuCoreCount", "memory", "disk"]
        .iter()
        .any(|k| f.present(k))
    {
        for field in ["cpuCoreCount", "memory", "disk"] {
            f.fail(
                field,
                "At least one of cpuCoreCount, memory and disk is required.",
            );
        }
    }
    f.errors.into_result()?;
    state.update_cluster(&id, now, |cluster, _| {
        let size = &mut cluster.control_plane;
        size.cpu = cpu.unwrap_or(size.cpu);
        size.ram = ram.unwrap_or(size.ram);
        size.disk = disk.unwrap_or(size.disk);
        Ok(())
    })?;
    accepted(
        &shared,
        &state,
        &id,
        now,
        format!("The control plane of cluster {id} is being resized."),
    )
}

/// `GET kubernetes/{id}/load-balancers`: an array with one element; `[]`
/// in the sdk profile while the cluster provisions or updates.
pub async fn load_balancers(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<LoadBalancersView>>, ApiError> {
    let profile = shared.config.api_profile;
    let (state, now) = shared.lock();
    let cluster = state.cluster(&id)?.visible(now);
    if parts_unreported(cluster, now, profile) {
        return Ok(Json(Vec::new()));
    }
    Ok(Json(vec![LoadBalancersView::new(cluster, profile)]))
}
