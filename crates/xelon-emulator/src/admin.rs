//! The admin API under `/_emulator/` (no authentication): fault injection
//! (error answers and canned bodies), request counters and the truth about
//! clusters. See the module documentation of [`super`] for the JSON shapes.

use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::chaos::{Chaos, FaultRate, LoseMode, MAX_RETRY_AFTER, StatusRate};
use super::error::{ApiError, FieldErrors};
use super::faults::{ChaosRule, Faults, HttpFault, RequestLog};
use super::model::Cluster;
use super::routes::{API_PREFIX, AppState};
use super::state::State as EmulatorState;
use super::validate::{Fields, parse_object};
use super::views::TruthView;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The armed faults now: rules whose window has ended are dropped first.
fn armed(state: &mut EmulatorState) -> Faults {
    state.faults.expire(Instant::now());
    state.faults.clone()
}

/// `GET /_emulator/faults`: `{"rules": [...], "chaos": [...],
/// "fail_next_cluster": n}`.
pub async fn get_faults(State(shared): State<AppState>) -> Json<Faults> {
    Json(armed(&mut shared.lock_raw()))
}

/// The longest hold (`delay_ms`), gateway timeout (`gateway_timeout_ms`)
/// and latency (`latency_ms`): ten minutes.
const MAX_DELAY_MS: u64 = 600_000;

/// The longest window (`for_ms`): a day.
const MAX_WINDOW_MS: u64 = 86_400_000;

/// The fields of a counted rule.
const RULE_FIELDS: [&str; 12] = [
    "method",
    "path_prefix",
    "path_suffix",
    "status",
    "count",
    "retry_after",
    "message",
    "body",
    "delay_ms",
    "lose_response",
    "gateway_timeout_ms",
    "for_ms",
];

/// The settings inside `"chaos"`.
const CHAOS_FIELDS: [&str; 3] = ["fault_rate", "lost_response_rate", "latency_ms"];

/// `POST /_emulator/faults`: arms one fault, answers 201 with every armed
/// fault. Either `{"fail_next_cluster": true}` (or a count); or a chaos rule
/// `{"chaos": {"fault_rate"?, "lost_response_rate"?, "latency_ms"?},
/// "method"?, "path_prefix"?, "path_suffix"?}`; or a counted rule with the
/// same filters, `"count"?` and `"for_ms"?` (a window from now: every
/// matching request until it ends, up to `count` when given): an error
/// `{"status", "retry_after"?, "message"?}`, a canned answer `{"body":
/// <JSON>, "status"? (200-599, default 200), "retry_after"?}`, a lost answer
/// `{"lose_response": "504" | "drop"}`, and/or a hold `{"delay_ms"}` (before
/// the error or canned answer, before handling, or before handling and
/// losing the answer), which `"gateway_timeout_ms"` (shorter than
/// `delay_ms`, with nothing but the hold) turns into a `504` sent while the
/// request goes on.
pub async fn add_fault(State(shared): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = parse_object(&body)?;
    // A canned body may be any JSON, `null` included (elsewhere a `null`
    // field counts as absent).
    let canned = body.get("body").cloned();
    let mut f = Fields::new(&body);
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
        for field in RULE_FIELDS.into_iter().chain(["chaos"]) {
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
        return Ok((StatusCode::CREATED, Json(armed(&mut state))).into_response());
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
    if let Some(value) = f.raw("chaos") {
        for field in &RULE_FIELDS[3..] {
            if f.present(field) || (*field == "body" && canned.is_some()) {
                f.fail(
                    field,
                    format!(
                        "The {field} field cannot be combined with chaos: chaos applies to every \
                         matching request until DELETE /_emulator/faults; post a separate rule."
                    ),
                );
            }
        }
        let chaos = read_chaos(value, &mut f.errors);
        f.errors.into_result()?;
        let Some(chaos) = chaos else {
            return Err(ApiError::field("chaos", "The chaos field is invalid."));
        };
        let rule = ChaosRule {
            method,
            path_prefix,
            path_suffix,
            chaos,
        };
        tracing::info!(?rule, "armed chaos");
        let mut state = shared.lock_raw();
        state.faults.chaos.push(rule);
        return Ok((StatusCode::CREATED, Json(armed(&mut state))).into_response());
    }
    let delay_ms = f.optional_int("delay_ms", 1..=MAX_DELAY_MS);
    let lose_response = match f.raw("lose_response") {
        None => None,
        Some(value) => {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(number) => number.to_string(),
                _ => String::new(),
            };
            match text.parse::<LoseMode>() {
                Ok(mode) => Some(mode),
                Err(_) => {
                    f.fail(
                        "lose_response",
                        "The lose_response field must be \"504\" (answer 504 after handling) or \"drop\" (close the connection without an answer).",
                    );
                    None
                }
            }
        }
    };
    let answers = canned.is_some() || f.present("status");
    if f.present("lose_response") {
        for field in ["status", "retry_after", "message", "body"] {
            if f.present(field) || (field == "body" && canned.is_some()) {
                f.fail(
                    field,
                    format!(
                        "The {field} field cannot be combined with lose_response: the request is \
                         handled and its answer lost, never replaced."
                    ),
                );
            }
        }
    } else if !answers {
        // A gateway timeout without a hold is reported on its own field.
        if !f.present("delay_ms") && !f.failed("delay_ms") && !f.present("gateway_timeout_ms") {
            f.fail(
                "status",
                "The status field is required (or give body, delay_ms, lose_response or chaos).",
            );
        }
        for field in ["retry_after", "message"] {
            if f.present(field) {
                f.fail(
                    field,
                    format!(
                        "The {field} field needs status (or body): a hold alone handles the request."
                    ),
                );
            }
        }
    }
    let status = if canned.is_some() {
        f.optional_int("status", 200..=599).or(Some(200))
    } else {
        f.optional_int("status", 400..=599)
    };
    let gateway_timeout_ms = f.optional_int("gateway_timeout_ms", 1..=MAX_DELAY_MS);
    if f.present("gateway_timeout_ms") {
        check_gateway_timeout(&mut f, delay_ms, gateway_timeout_ms, canned.is_some());
    }
    let for_ms = f.optional_int("for_ms", 1..=MAX_WINDOW_MS);
    // A window without a count matches every request until it ends.
    let count = match f.optional_int("count", 1..=1_000_000) {
        None if f.present("for_ms") => None,
        count => Some(count.unwrap_or(1)),
    };
    let retry_after = f.optional_int("retry_after", 0..=MAX_RETRY_AFTER);
    let message = f.optional_str("message", 1000);
    if canned.is_some() && f.present("message") {
        f.fail(
            "message",
            "The message field cannot be combined with body: the body is answered as given.",
        );
    }
    f.errors.into_result()?;
    let now = Instant::now();
    let rule = HttpFault {
        method,
        path_prefix,
        path_suffix,
        status: status.and_then(|s| u16::try_from(s).ok()),
        count: count.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
        retry_after,
        message,
        body: canned,
        delay_ms,
        lose_response,
        gateway_timeout_ms,
        for_ms,
        window_end: for_ms.map(|ms| now + Duration::from_millis(ms)),
    };
    tracing::info!(?rule, "armed HTTP fault");
    let mut state = shared.lock_raw();
    state.faults.rules.push(rule);
    Ok((StatusCode::CREATED, Json(armed(&mut state))).into_response())
}

/// Checks a `gateway_timeout_ms` (`gateway_timeout`, when valid): it needs
/// a longer hold (`delay_ms`, when valid) and nothing else than the hold, as
/// the request is handled after the hold while its client is answered
/// `504` before.
fn check_gateway_timeout(
    f: &mut Fields<'_>,
    delay_ms: Option<u64>,
    gateway_timeout: Option<u64>,
    canned: bool,
) {
    match (delay_ms, gateway_timeout) {
        (None, _) if !f.failed("delay_ms") => f.fail(
            "gateway_timeout_ms",
            "The gateway_timeout_ms field needs delay_ms: the request is handled after \
             delay_ms on its own task, while its client is answered 504 after \
             gateway_timeout_ms, which must be shorter.",
        ),
        (Some(delay), Some(gateway)) if gateway >= delay => f.fail(
            "gateway_timeout_ms",
            format!(
                "The gateway_timeout_ms field ({gateway}) must be less than delay_ms ({delay}): \
                 the gateway answers 504 before the request is handled."
            ),
        ),
        _ => {}
    }
    for field in ["status", "body", "message", "retry_after", "lose_response"] {
        if f.present(field) || (field == "body" && canned) {
            f.fail(
                field,
                format!(
                    "The {field} field cannot be combined with gateway_timeout_ms: the request \
                     is handled after delay_ms and its client answered 504 by the gateway."
                ),
            );
        }
    }
}

/// Reads the `"chaos"` object of a chaos rule, reporting failures as
/// `chaos.<setting>` (and `chaos.fault_rate.<status>`).
fn read_chaos(value: &serde_json::Value, errors: &mut FieldErrors) -> Option<Chaos> {
    let Some(object) = value.as_object() else {
        errors.add(
            "chaos",
            "The chaos field must be an object, e.g. {\"fault_rate\": {\"503\": 0.2}, \
             \"lost_response_rate\": 0.1, \"latency_ms\": 100}.",
        );
        return None;
    };
    for key in object.keys() {
        if !CHAOS_FIELDS.contains(&key.as_str()) {
            errors.add(
                format!("chaos.{key}"),
                format!(
                    "Unknown chaos setting {key:?}; use {}.",
                    CHAOS_FIELDS.join(", ")
                ),
            );
        }
    }
    let mut f = Fields::with_prefix(object, "chaos.");
    if !CHAOS_FIELDS.iter().any(|field| f.present(field)) {
        errors.add(
            "chaos",
            format!(
                "The chaos field needs at least one of {}.",
                CHAOS_FIELDS.join(", ")
            ),
        );
    }
    let latency_ms = f.optional_int("latency_ms", 0..=MAX_DELAY_MS);
    let lost_response_rate = match f.raw("lost_response_rate") {
        None => Some(0.0),
        Some(value) => {
            let rate = value.as_f64().filter(|r| (0.0..=1.0).contains(r));
            if rate.is_none() {
                f.fail(
                    "lost_response_rate",
                    "The chaos.lost_response_rate field must be a probability from 0 to 1.",
                );
            }
            rate
        }
    };
    let fault_rate = match f.raw("fault_rate") {
        None => Some(FaultRate::default()),
        Some(serde_json::Value::String(spec)) => match spec.parse::<FaultRate>() {
            Ok(rate) => Some(rate),
            Err(err) => {
                f.fail(
                    "fault_rate",
                    format!("The chaos.fault_rate field is invalid: {err}."),
                );
                None
            }
        },
        Some(serde_json::Value::Object(statuses)) => read_fault_rate(statuses, &mut f),
        Some(_) => {
            f.fail(
                "fault_rate",
                "The chaos.fault_rate field must be an object of statuses and probabilities \
                 ({\"503\": 0.2, \"429\": {\"rate\": 0.1, \"retry_after\": 2}}) or a \
                 string (\"503=0.2,429=0.1:2s\").",
            );
            None
        }
    };
    let failed = !f.errors.is_empty() || !errors.is_empty();
    errors.merge(f.errors);
    if failed {
        return None;
    }
    Some(Chaos {
        latency: Duration::from_millis(latency_ms.unwrap_or(0)),
        fault_rate: fault_rate?,
        lost_response_rate: lost_response_rate?,
    })
}

/// Reads `{"503": 0.2, "429": {"rate": 0.1, "retry_after": 2}}`.
fn read_fault_rate(
    statuses: &serde_json::Map<String, serde_json::Value>,
    f: &mut Fields<'_>,
) -> Option<FaultRate> {
    let mut entries = Vec::new();
    let mut valid = true;
    for (key, value) in statuses {
        let field = format!("fault_rate.{key}");
        let Ok(status) = key.trim().parse::<u16>() else {
            f.fail(
                &field,
                format!("{key:?} is not an HTTP status (use 400-599)."),
            );
            valid = false;
            continue;
        };
        let (rate, retry_after) = match value {
            serde_json::Value::Number(rate) => (rate.as_f64(), None),
            serde_json::Value::Object(entry) => {
                let unknown = entry.keys().find(|k| *k != "rate" && *k != "retry_after");
                let retry_after = entry.get("retry_after").filter(|v| !v.is_null());
                let seconds = retry_after.map(|v| v.as_u64().filter(|s| *s <= MAX_RETRY_AFTER));
                if unknown.is_some() || seconds == Some(None) {
                    f.fail(
                        &field,
                        format!(
                            "Use a probability or {{\"rate\": 0.1, \"retry_after\": 2}} \
                             (retry_after in whole seconds up to {MAX_RETRY_AFTER})."
                        ),
                    );
                    valid = false;
                    continue;
                }
                (
                    entry.get("rate").and_then(serde_json::Value::as_f64),
                    seconds.flatten(),
                )
            }
            _ => (None, None),
        };
        let Some(rate) = rate.filter(|r| (0.0..=1.0).contains(r)) else {
            f.fail(
                &field,
                format!("The probability of {key} must be a number from 0 to 1."),
            );
            valid = false;
            continue;
        };
        entries.push(StatusRate {
            status,
            rate,
            retry_after,
        });
    }
    if !valid {
        return None;
    }
    if entries.is_empty() {
        f.fail(
            "fault_rate",
            "The chaos.fault_rate field needs at least one status, e.g. {\"503\": 0.2}.",
        );
        return None;
    }
    match FaultRate::new(entries) {
        Ok(rate) => Some(rate),
        Err(err) => {
            f.fail(
                "fault_rate",
                format!("The chaos.fault_rate field is invalid: {err}."),
            );
            None
        }
    }
}

/// `DELETE /_emulator/faults`: disarms everything, answers the (empty) list.
pub async fn clear_faults(State(shared): State<AppState>) -> Json<Faults> {
    let mut state = shared.lock_raw();
    state.faults.clear();
    Json(armed(&mut state))
}

/// The answer of `/_emulator/requests`: the counters and how many requests
/// are held right now.
#[derive(Debug, Serialize)]
pub struct Requests {
    #[serde(flatten)]
    log: RequestLog,
    /// API requests being held by a hold rule right now (not reset).
    holding: u64,
}

/// `GET /_emulator/requests`: `{"total": n, "by_route": {"GET
/// /kubernetes/{id}": n}, "injected": {"503": n}, "lost": {"504": n, "drop":
/// n}, "delayed": n, "holding": n}`.
pub async fn get_requests(State(shared): State<AppState>) -> Json<Requests> {
    let state = shared.lock_raw();
    Json(Requests {
        log: state.requests.clone(),
        holding: state.holding,
    })
}

/// `DELETE /_emulator/requests`: resets the counters, answering their values
/// from just before the reset (read-and-reset in one call). `holding` is a
/// gauge, not a counter: it is not reset.
pub async fn reset_requests(State(shared): State<AppState>) -> Json<Requests> {
    let mut state = shared.lock_raw();
    Json(Requests {
        log: std::mem::take(&mut state.requests),
        holding: state.holding,
    })
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
