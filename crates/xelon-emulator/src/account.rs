//! Account handlers: tenants, clouds and the version mapping of a cloud.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::routes::AppState;
use super::seed::CURRENT_TENANT;
use super::validate::pagination;
use super::views::{CloudView, Page, TenantView};

/// The query string of `uri` as a map; undecodable queries are a 400.
pub fn query_map(uri: &Uri) -> Result<HashMap<String, String>, ApiError> {
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|Query(map)| map)
        .map_err(|err| ApiError::bad_request(format!("Invalid query string: {err}")))
}

/// `GET tenants/current`: the bare current tenant (`tenant-1`).
pub async fn current_tenant(State(shared): State<AppState>) -> Result<Json<TenantView>, ApiError> {
    let (state, _) = shared.lock();
    state
        .tenant(CURRENT_TENANT)
        .map(|t| Json(TenantView::new(t, shared.config.api_profile)))
        .ok_or_else(|| ApiError::not_found("No current tenant."))
}

/// `GET tenants?search=&page=&perPage=`: paginated tenants; `search` matches
/// name or identifier, case-insensitively.
pub async fn list_tenants(
    State(shared): State<AppState>,
    uri: Uri,
) -> Result<Json<Page<TenantView>>, ApiError> {
    let query = query_map(&uri)?;
    let (page, per_page) = pagination(&query)?;
    let per_page = per_page.min(shared.config.max_per_page);
    let search = query
        .get("search")
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let profile = shared.config.api_profile;
    let (state, _) = shared.lock();
    let tenants = state
        .tenants
        .iter()
        .filter(|t| {
            search.is_empty()
                || t.name.to_lowercase().contains(&search)
                || t.identifier.to_lowercase().contains(&search)
        })
        .map(|t| TenantView::new(t, profile))
        .collect();
    Ok(Json(Page::new(tenants, page, per_page, profile)))
}

/// `GET tenants/{id}`: the bare tenant, 404 when unknown.
pub async fn get_tenant(
    State(shared): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TenantView>, ApiError> {
    let (state, _) = shared.lock();
    state
        .tenant(&id)
        .map(|t| Json(TenantView::new(t, shared.config.api_profile)))
        .ok_or_else(|| ApiError::not_found(format!("Tenant {id} not found.")))
}

/// `GET clouds?tenantIdentifier=`: bare array of the clouds the tenant may use
/// (the current tenant's when omitted); unknown tenant is a 404.
pub async fn list_clouds(
    State(shared): State<AppState>,
    uri: Uri,
) -> Result<Json<Vec<CloudView>>, ApiError> {
    let query = query_map(&uri)?;
    let tenant = query
        .get("tenantIdentifier")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(CURRENT_TENANT);
    let (state, _) = shared.lock();
    if state.tenant(tenant).is_none() {
        return Err(ApiError::not_found(format!("Tenant {tenant} not found.")));
    }
    let profile = shared.config.api_profile;
    Ok(Json(
        state
            .clouds
            .iter()
            .map(|c| CloudView::new(c, profile))
            .collect(),
    ))
}

/// `GET kubernetes/versions/{cloudId}`: `{"<talos>": ["<k8s>", ...]}`,
/// newest Talos first; unknown cloud is a 404.
pub async fn versions(
    State(shared): State<AppState>,
    Path(cloud): Path<String>,
) -> Result<Json<Map<String, Value>>, ApiError> {
    let (state, _) = shared.lock();
    let cloud = state
        .cloud(&cloud)
        .ok_or_else(|| ApiError::not_found(format!("Cloud {cloud} not found.")))?;
    Ok(Json(
        cloud
            .versions
            .iter()
            .map(|(talos, k8s)| {
                (
                    talos.clone(),
                    Value::Array(k8s.iter().cloned().map(Value::String).collect()),
                )
            })
            .collect(),
    ))
}
