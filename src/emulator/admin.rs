//! The admin API under `/_emulator/` (no authentication): fault injection
//! (error answers and canned bodies), request counters and the truth about
//! clusters. See the module documentation of [`super`] for the JSON shapes.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ApiError;
use super::faults::{Faults, HttpFault, RequestLog};
use super::model::Cluster;
use super::routes::{API_PREFIX, AppState};
use super::state::State as EmulatorState;
use super::validate::{Fields, parse_object};
use super::views::TruthView;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// `GET /_emulator/faults`: `{"rules": [...], "fail_next_cluster": n}`.
pub async fn get_faults(State(shared): State<AppState>) -> Json<Faults> {
    Json(shared.lock_raw().faults.clone())
}

/// `POST /_emulator/faults`: arms one fault, answers 201 with every armed
/// fault. Either `{"fail_next_cluster": true}` (or a count), or an HTTP rule
/// `{"method"?, "path_prefix"?, "status", "count"?, "retry_after"?,
/// "message"?}`, or a canned answer `{"method"?, "path_prefix"?, "body":
/// <JSON>, "status"? (200-599, default 200), "count"?, "retry_after"?}`.
pub async fn add_fault(State(shared): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    // A canned body may be any JSON, `null` included (elsewhere a `null`
    // field counts as absent).
    let canned = body.get("body").cloned();
    let mut f = Fields::new(&body);
    let http_fields = [
        "method",
        "path_prefix",
        "path_suffix",
        "status",
        "count",
        "retry_after",
        "message",
        "body",
    ];
    if let Some(value) = f.raw("fail_next_cluster") {
        let count = match value {
            serde_json::Value::Bool(true) => Some(1),
            serde_json::Value::Number(_) => f.optional_int("fail_next_cluster", 1..=1000),
            _ => {
                f.fail(
                    "fail_next_cluster",
                    "The fail_next_cluster field must be true or a count of clusters (1-1000).",
                );
                None
            }
        };
        for field in http_fields {
            if f.present(field) {
                f.fail(
                    field,
                    "HTTP fault fields cannot be combined with fail_next_cluster; post two faults.",
                );
            }
        }
        f.errors.into_result()?;
        let mut state = shared.lock_raw();
        state.faults.fail_next_cluster += u32::try_from(count.unwrap_or(1)).unwrap_or(1);
        tracing::info!(
            pending = state.faults.fail_next_cluster,
            "armed cluster provisioning failure"
        );
        return Ok((StatusCode::CREATED, Json(state.faults.clone())).into_response());
    }
    let method = f.optional_str("method", 16).map(|m| m.to_ascii_uppercase());
    if let Some(m) = &method {
        if !METHODS.contains(&m.as_str()) {
            f.fail(
                "method",
                format!("The method field must be one of {}.", METHODS.join(", ")),
            );
        }
    }
    let path_prefix = f
        .optional_str("path_prefix", 512)
        .unwrap_or_else(|| format!("{API_PREFIX}/"));
    if !path_prefix.starts_with('/') {
        f.fail(
            "path_prefix",
            format!("The path_prefix field must start with / (e.g. {API_PREFIX}/kubernetes)."),
        );
    }
    let path_suffix = f.optional_str("path_suffix", 512);
    let status = if canned.is_some() {
        Some(f.optional_int("status", 200..=599).unwrap_or(200))
    } else {
        f.required_int("status", 400..=599)
    };
    let count = f.optional_int("count", 1..=1_000_000).unwrap_or(1);
    let retry_after = f.optional_int("retry_after", 0..=86_400);
    let message = f.optional_str("message", 1000);
    if canned.is_some() && f.present("message") {
        f.fail(
            "message",
            "The message field cannot be combined with body: the body is answered as given.",
        );
    }
    f.errors.into_result()?;
    let Some(status) = status.and_then(|s| u16::try_from(s).ok()) else {
        return Err(ApiError::field("status", "The status field is required."));
    };
    let rule = HttpFault {
        method,
        path_prefix,
        path_suffix,
        status,
        count: u32::try_from(count).unwrap_or(u32::MAX),
        retry_after,
        message,
        body: canned,
    };
    tracing::info!(?rule, "armed HTTP fault");
    let mut state = shared.lock_raw();
    state.faults.rules.push(rule);
    Ok((StatusCode::CREATED, Json(state.faults.clone())).into_response())
}

/// `DELETE /_emulator/faults`: disarms everything, answers the (empty) list.
pub async fn clear_faults(State(shared): State<AppState>) -> Json<Faults> {
    let mut state = shared.lock_raw();
    state.faults.clear();
    Json(state.faults.clone())
}

/// `GET /_emulator/requests`: `{"total": n, "by_route": {"GET /kubernetes/{id}": n}}`.
pub async fn get_requests(State(shared): State<AppState>) -> Json<RequestLog> {
    Json(shared.lock_raw().requests.clone())
}

/// `DELETE /_emulator/requests`: resets the counters, answering their values
/// from just before the reset (read-and-reset in one call).
pub async fn reset_requests(State(shared): State<AppState>) -> Json<RequestLog> {
    Json(std::mem::take(&mut shared.lock_raw().requests))
}

/// `{"clusters": [...]}`, the answer of `GET /_emulator/clusters`.
#[derive(Debug, Serialize)]
pub struct Truths {
    clusters: Vec<TruthView>,
}

/// The truth about `cluster` at `now`.
fn truth(state: &EmulatorState, cluster: &Cluster, now: Instant) -> TruthView {
    TruthView::new(cluster, state.cloud(&cluster.cloud), now)
}

/// `GET /_emulator/clusters`: `{"clusters": [{"cluster", "controlPlane",
/// "loadBalancer", "pools"}]}`, every cluster as it really is (rich views,
/// whatever the profile, ignoring stale reads), oldest first.
pub async fn get_clusters(State(shared): State<AppState>) -> Json<Truths> {
    let (state, now) = shared.lock();
    let clusters = state
        .clusters
        .iter()
        .map(|c| truth(&state, c, now))
        .collect();
    Json(Truths { clusters })
}

/// `GET /_emulator/clusters/{id}`: one item of [`get_clusters`]; 404 when
/// unknown.
pub async fn get_cluster(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TruthView>, ApiError> {
    let (state, now) = shared.lock();
    let cluster = state.cluster(&id)?;
    Ok(Json(truth(&state, cluster, now)))
}
