//! The router: every API route under `/api/v2`, the admin API under
//! `/_emulator`, and JSON fallbacks for unknown endpoints.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};

use super::error::ApiError;
use super::state::State;
use super::{Config, account, admin, clusters, middleware, pools};

/// Where the API is mounted.
pub const API_PREFIX: &str = "/api/v2";

/// What every handler shares: the configuration and the one locked state.
#[derive(Debug)]
pub struct Shared {
    /// The configuration the emulator was started with.
    pub config: Config,
    state: Mutex<State>,
}

/// The handlers' axum state.
pub type AppState = Arc<Shared>;

impl Shared {
    /// A fresh emulator state for `config`.
    pub fn new(config: Config) -> Self {
        let state = Mutex::new(State::new(&config));
        Self { config, state }
    }

    /// Locks the state (never across an `.await`), without sweeping.
    pub fn lock_raw(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the state, drops finished deletions, and returns the instant
    /// all statuses of this request are computed at.
    pub fn lock(&self) -> (MutexGuard<'_, State>, Instant) {
        let now = Instant::now();
        let mut state = self.lock_raw();
        state.sweep(now);
        (state, now)
    }
}

/// The full router: the API under `/api/v2`, the admin API under `/_emulator`.
pub fn router(config: Config) -> Router {
    let shared: AppState = Arc::new(Shared::new(config));
    let api = Router::new()
        .route("/tenants", get(account::list_tenants))
        .route("/tenants/current", get(account::current_tenant))
        .route("/tenants/{tenant}", get(account::get_tenant))
        .route("/clouds", get(account::list_clouds))
        .route("/kubernetes/versions/{cloud}", get(account::versions))
        .route("/kubernetes", get(clusters::list).post(clusters::create))
        .route(
            "/kubernetes/{id}",
            get(clusters::get).delete(clusters::delete),
        )
        .route("/kubernetes/{id}/upgrade", post(clusters::upgrade))
        .route(
            "/kubernetes/{id}/k8s-version",
            post(clusters::set_k8s_version),
        )
        .route(
            "/kubernetes/{id}/talos-version",
            post(clusters::set_talos_version),
        )
        .route("/kubernetes/{id}/config/kube", get(clusters::kubeconfig))
        .route("/kubernetes/{id}/config/talos", get(clusters::talosconfig))
        .route(
            "/kubernetes/{id}/control-planes",
            get(clusters::control_planes).patch(clusters::resize_control_planes),
        )
        .route(
            "/kubernetes/{id}/load-balancers",
            get(clusters::load_balancers),
        )
        .route(
            "/kubernetes/{id}/pools",
            get(pools::list).post(pools::create),
        )
        .route(
            "/kubernetes/{id}/pools/{pool}",
            get(pools::get).patch(pools::update).delete(pools::delete),
        )
        .route("/kubernetes/{id}/pools/{pool}/nodes", post(pools::add_node))
        .route("/kubernetes/{id}/nodes/{node}", delete(pools::delete_node))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(shared.clone(), middleware::api))
        .with_state(shared.clone());
    let admin = Router::new()
        .route(
            "/_emulator/faults",
            get(admin::get_faults)
                .post(admin::add_fault)
                .delete(admin::clear_faults),
        )
        .route(
            "/_emulator/requests",
            get(admin::get_requests).delete(admin::reset_requests),
        )
        .route("/_emulator/clusters", get(admin::get_clusters))
        .route("/_emulator/clusters/{id}", get(admin::get_cluster))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared);
    Router::new()
        .nest(API_PREFIX, api)
        .merge(admin)
        .fallback(outside_api)
}

async fn no_such_endpoint(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::not_found(format!("No such endpoint: {method} {}.", uri.path()))
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}.", uri.path()),
    )
}

async fn outside_api(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "No such endpoint: {method} {}. The Xelon API lives under {API_PREFIX}/, \
         the emulator's admin API under /_emulator/ (faults, requests, clusters).",
        uri.path()
    ))
}
