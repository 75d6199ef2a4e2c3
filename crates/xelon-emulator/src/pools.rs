//! Node pool handlers: list, read, create, update, delete, and scaling by
//! single nodes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::clusters::{CPU_RANGE, DISK_RANGE, MAX_NAME, RAM_RANGE};
use super::error::ApiError;
use super::model::Size;
use super::routes::AppState;
use super::state::{MAX_POOL_NODES, NewPool, PoolChange, pool_not_found};
use super::validate::{Fields, parse_object};
use super::views::{DataMessage, Message, NodeView, PoolView, change_answer};

/// Extra data disk range per node, in GB.
const EXTRA_DISK_RANGE: std::ops::RangeInclusive<u64> = 0..=4096;

/// Validates a pool definition (`POST kubernetes/{id}/pools` body, or one
/// `workerPool` entry of a cluster create body).
pub fn validate_pool(f: &mut Fields<'_>) -> Option<NewPool> {
    if let Some(index) = f.raw("workerPoolIndex") {
        if !(index.is_string() || index.is_u64()) {
            f.fail(
                "workerPoolIndex",
                "The workerPoolIndex field must be a string or an integer.",
            );
        }
    }
    let name = f.required_str("workerPoolName", MAX_NAME);
    let nodes = f.required_int("workerNodeAmount", 1..=MAX_POOL_NODES);
    let cpu = f.required_int("workerNodeCpu", CPU_RANGE);
    let ram = f.required_int("workerNodeRam", RAM_RANGE);
    let disk = f.required_int("workerNodeDisk", DISK_RANGE);
    let is_storage = f.optional_bool("workerNodeIsStorage").unwrap_or(false);
    let extra = f.optional_int("workerNodeExtraDisk", EXTRA_DISK_RANGE);
    if f.present("workerNodeIsStorage") || f.present("workerNodeExtraDisk") {
        match (is_storage, extra) {
            (true, None | Some(0)) if !f.failed("workerNodeExtraDisk") => f.fail(
                "workerNodeExtraDisk",
                "The workerNodeExtraDisk field must be at least 1 when workerNodeIsStorage is true.",
            ),
            (false, Some(n)) if n > 0 => f.fail(
                "workerNodeExtraDisk",
                "The workerNodeExtraDisk field must be 0 when workerNodeIsStorage is false.",
            ),
            _ => {}
        }
    }
    Some(NewPool {
        name: name?,
        nodes: nodes?,
        size: Size {
            cpu: cpu?,
            ram: ram?,
            disk: disk?,
        },
        extra_storage: if is_storage { extra.unwrap_or(0) } else { 0 },
    })
}

/// `GET kubernetes/{id}/pools`: bare array of pools.
pub async fn list(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<PoolView>>, ApiError> {
    let profile = shared.config.api_profile;
    let (state, now) = shared.lock();
    let cluster = state.cluster(&id)?;
    Ok(Json(
        cluster
            .pools
            .iter()
            .map(|p| PoolView::new(p.visible(now), now, profile))
            .collect(),
    ))
}

/// `GET kubernetes/{id}/pools/{poolId}`: the bare pool.
pub async fn get(
    State(shared): State<AppState>,
    Path((id, pool_id)): Path<(String, String)>,
) -> Result<Json<PoolView>, ApiError> {
    let (state, now) = shared.lock();
    let pool = state
        .cluster(&id)?
        .pool(&pool_id)
        .ok_or_else(|| pool_not_found(&id, &pool_id))?;
    Ok(Json(PoolView::new(
        pool.visible(now),
        now,
        shared.config.api_profile,
    )))
}

/// `POST kubernetes/{id}/pools`: 201 `{"data": pool, "message"}`, nodes
/// `Provisioning` for the node delay.
pub async fn create(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.cluster(&id)?;
    let body = parse_object(&body)?;
    let mut f = Fields::new(&body);
    let spec = validate_pool(&mut f);
    f.errors.into_result()?;
    let spec = spec.ok_or_else(|| ApiError::unprocessable("The given data was invalid."))?;
    let pool = state.create_pool(&id, spec, now)?;
    let message = format!("Node pool {} is being provisioned.", pool.identifier);
    let data = PoolView::new(pool, now, shared.config.api_profile);
    Ok((StatusCode::CREATED, Json(DataMessage { data, message })).into_response())
}

/// `PATCH kubernetes/{id}/pools/{poolId}` `{"name", "cpuCoreCount", "memory",
/// "disk", "hasExtraStorage", "extraStorage"}` (each optional): 202
/// `{"data": pool, "message"}` (the pool as GETs show it; empty in sdk).
pub async fn update(
    State(shared): State<AppState>,
    Path((id, pool_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state
        .cluster(&id)?
        .pool(&pool_id)
        .ok_or_else(|| pool_not_found(&id, &pool_id))?;
    let body = parse_object(&body)?;
    let mut f = Fields::new(&body);
    let mut change = PoolChange {
        name: f.optional_str("name", MAX_NAME),
        cpu: f.optional_int("cpuCoreCount", CPU_RANGE),
        ram: f.optional_int("memory", RAM_RANGE),
        disk: f.optional_int("disk", DISK_RANGE),
        extra_storage: None,
    };
    let has_extra = f.optional_flag("hasExtraStorage");
    let extra = f.optional_int("extraStorage", EXTRA_DISK_RANGE);
    match (has_extra, extra) {
        _ if f.failed("hasExtraStorage") || f.failed("extraStorage") => {}
        (Some(true), None | Some(0)) => f.fail(
            "extraStorage",
            "The extraStorage field must be at least 1 when hasExtraStorage is 1.",
        ),
        (Some(false), Some(n)) if n > 0 => f.fail(
            "extraStorage",
            "The extraStorage field must be 0 when hasExtraStorage is 0.",
        ),
        (Some(false), _) => change.extra_storage = Some(0),
        (_, extra) => change.extra_storage = extra,
    }
    f.errors.into_result()?;
    let profile = shared.config.api_profile;
    let pool = state.update_pool(&id, &pool_id, change, now)?;
    let message = format!("Node pool {pool_id} is being updated.");
    let data = PoolView::new(pool.visible(now), now, profile);
    Ok(change_answer(
        profile,
        StatusCode::ACCEPTED,
        DataMessage { data, message },
    ))
}

/// `DELETE kubernetes/{id}/pools/{poolId}`: 202 `{"message"}` (empty in
/// sdk); the nodes report `Deleting` for the node delay, then the pool
/// answers 404.
pub async fn delete(
    State(shared): State<AppState>,
    Path((id, pool_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state
        .cluster(&id)?
        .pool(&pool_id)
        .ok_or_else(|| pool_not_found(&id, &pool_id))?;
    state.delete_pool(&id, &pool_id, now)?;
    let message = format!("Node pool {pool_id} is being deleted.");
    Ok(change_answer(
        shared.config.api_profile,
        StatusCode::ACCEPTED,
        Message { message },
    ))
}

/// `POST kubernetes/{id}/pools/{poolId}/nodes`: adds one node, 201
/// `{"data": node, "message"}` (empty in sdk).
pub async fn add_node(
    State(shared): State<AppState>,
    Path((id, pool_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state
        .cluster(&id)?
        .pool(&pool_id)
        .ok_or_else(|| pool_not_found(&id, &pool_id))?;
    let profile = shared.config.api_profile;
    let node = state.add_node(&id, &pool_id, now)?;
    let message = format!("Node {} is being added to pool {pool_id}.", node.identifier);
    let data = NodeView::new(node, node.status(now), profile);
    Ok(change_answer(
        profile,
        StatusCode::CREATED,
        DataMessage { data, message },
    ))
}

/// `DELETE kubernetes/{id}/nodes/{nodeId}`: 202 `{"message"}` (empty in
/// sdk); the node reports `Deleting`
/// for the node delay, then disappears. 409 unless it is `Deployed`, 422 for
/// the last node of a pool or a control-plane node.
pub async fn delete_node(
    State(shared): State<AppState>,
    Path((id, node_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.cluster(&id)?;
    state.delete_node(&id, &node_id, now)?;
    let message = format!("Node {node_id} is being removed.");
    Ok(change_answer(
        shared.config.api_profile,
        StatusCode::ACCEPTED,
        Message { message },
    ))
}
