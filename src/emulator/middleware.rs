//! What every API request goes through before its handler, in this order:
//! it is counted (`/_emulator/requests`), matched against armed HTTP faults
//! (`/_emulator/faults`), and its bearer token is checked. Then it is logged
//! to stderr with its answer's status.

use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::routes::{API_PREFIX, AppState};

/// The API middleware: counting, fault injection, authentication, logging.
pub async fn api(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    // Inside the nested API router the URI lacks `/api/v2`; faults match the
    // full path the client sent.
    let path = match request.extensions().get::<OriginalUri>() {
        Some(OriginalUri(uri)) => uri.path().to_owned(),
        None => request.uri().path().to_owned(),
    };
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None => path.clone(),
    };
    let route = route
        .strip_prefix(API_PREFIX)
        .map_or_else(|| route.clone(), str::to_owned);
    let fault = {
        let mut state = shared.lock_raw();
        state.requests.record(format!("{method} {route}"));
        state.faults.take_match(&method, &path)
    };
    let response = if let Some(fault) = fault {
        tracing::warn!(%method, %path, status = fault.status().as_u16(), "injected fault");
        fault.into_response()
    } else if let Err(denied) = authenticate(&request, shared.config.token.as_deref()) {
        denied.into_response()
    } else {
        next.run(request).await
    };
    tracing::info!(%method, %path, status = response.status().as_u16(), "request");
    response
}

/// Checks `Authorization: Bearer <token>`: any non-empty token, or exactly
/// `expected` when the emulator was started with one.
fn authenticate(request: &Request, expected: Option<&str>) -> Result<(), ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthenticated(
            "Unauthenticated: send an Authorization: Bearer <token> header.",
        ));
    };
    let text = value.to_str().unwrap_or_default().trim();
    let token = match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    };
    if token.is_empty() {
        return Err(ApiError::unauthenticated(
            "Unauthenticated: the Authorization header must be \"Bearer <token>\" with a non-empty token.",
        ));
    }
    match expected {
        Some(expected) if expected != token => {
            Err(ApiError::unauthenticated("Unauthenticated: invalid token."))
        }
        _ => Ok(()),
    }
}
