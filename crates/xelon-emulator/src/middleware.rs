//! What every API request goes through before its handler, in this order:
//! it is counted (`/_emulator/requests`), and what happens to it is decided
//! under the state's lock ([`Faults::plan`](super::faults::Faults::plan)):
//! added latency and holds, armed rules and chaos draws. It then waits out
//! its delay, is answered with an injected fault or has its bearer token
//! checked and is handled, and a lost answer is replaced by a `504` or its
//! connection dropped; a gateway timeout answers `504` before that while
//! the request goes on. Then it is logged to stderr with its answer's status.

use std::io;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, MatchedPath, OriginalUri, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::chaos::LoseMode;
use super::error::ApiError;
use super::faults::{Action, Plan};
use super::net::Connection;
use super::routes::{API_PREFIX, AppState};

/// The API middleware: counting, chaos and fault injection,
/// authentication, logging.
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
    let plan = {
        let mut guard = shared.lock_raw();
        let state = &mut *guard;
        state.requests.record(format!("{method} {route}"));
        let plan = state
            .faults
            .plan(&method, &path, Instant::now(), &mut state.chaos_rng);
        state.requests.count(&plan);
        plan
    };
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|ConnectInfo(connection)| connection.clone());
    let Plan {
        delay,
        held,
        gateway_timeout: gateway_gives_up,
        action,
    } = plan;
    let lose = match action {
        Action::Lose(mode) => Some(mode),
        _ => None,
    };
    if let Action::Inject(answer) = &action {
        tracing::warn!(%method, %path, status = answer.status().as_u16(), "injected fault");
    }
    if held {
        tracing::warn!(%method, %path, ?delay, "request held");
    }
    let holding = held.then(|| Holding::new(shared.clone()));
    let work = respond(shared, request, next, delay, action, holding);
    let response = if delay.is_zero() && lose.is_none() {
        work.await
    } else {
        // Delayed, held and lost requests run on their own task, so they are
        // handled even when the client gives up waiting (as a real server
        // goes on with a request whose client went away), or when a gateway
        // gives up on them.
        let task = tokio::spawn(work);
        let joined = match gateway_gives_up {
            None => Some(task.await),
            Some(limit) => tokio::time::timeout(limit, task).await.ok(),
        };
        let Some(joined) = joined else {
            tracing::warn!(%method, %path, after = ?gateway_gives_up, ?delay, "gateway timeout: 504, the request goes on");
            let response = gateway_timeout(
                "the gateway gave up waiting; the request goes on and takes effect when the \
                 Xelon emulator has handled it",
            )
            .into_response();
            tracing::info!(%method, %path, status = response.status().as_u16(), "request");
            return response;
        };
        joined.unwrap_or_else(|err| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                format!("The Xelon emulator failed handling the request: {err}"),
            )
            .into_response()
        })
    };
    let response = match lose {
        None => response,
        Some(LoseMode::GatewayTimeout) => {
            let handled = response.status().as_u16();
            tracing::warn!(%method, %path, handled, "answer lost: 504");
            gateway_timeout(
                "the request was handled, but its answer was lost by the Xelon emulator",
            )
            .into_response()
        }
        Some(LoseMode::Drop) => {
            let handled = response.status().as_u16();
            tracing::warn!(%method, %path, handled, "answer lost: connection dropped");
            return drop_connection(connection);
        }
    };
    tracing::info!(%method, %path, status = response.status().as_u16(), "request");
    response
}

/// Waits `delay`, then answers the injected fault or authenticates and
/// handles the request. `_holding` counts the request as held until then.
async fn respond(
    shared: AppState,
    request: Request,
    next: Next,
    delay: Duration,
    action: Action,
    _holding: Option<Holding>,
) -> Response {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match action {
        Action::Inject(answer) => answer.into_response(),
        Action::Handle | Action::Lose(_) => {
            match authenticate(&request, shared.config.token.as_deref()) {
                Err(denied) => denied.into_response(),
                Ok(()) => next.run(request).await,
            }
        }
    }
}

/// Counts one request as held (`holding` in `/_emulator/requests`) for as
/// long as it lives.
struct Holding(AppState);

impl Holding {
    fn new(shared: AppState) -> Self {
        shared.lock_raw().holding += 1;
        Self(shared)
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        let mut state = self.0.lock_raw();
        state.holding = state.holding.saturating_sub(1);
    }
}

/// The `504` of a gateway that gave up waiting: the answer that replaces a
/// handled request's lost answer, or that a gateway timeout sends before
/// the request is handled. The same `gateway_timeout` body either way, the
/// message saying `why` in brackets.
fn gateway_timeout(why: &str) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "gateway_timeout",
        format!("Gateway Timeout ({why})"),
    )
}

/// Drops the request's connection so that no answer is sent. Without
/// connect info (the router served by something else than [`super::serve`])
/// it answers a `504` whose body fails, so the client still sees a
/// transport error.
fn drop_connection(connection: Option<Connection>) -> Response {
    if let Some(connection) = connection {
        connection.drop_now();
        // Never sent: the connection refuses to write it.
        return StatusCode::GATEWAY_TIMEOUT.into_response();
    }
    let failing = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::other(
            "answer dropped by the Xelon emulator (lost answer)",
        ))
    });
    let mut response = Response::new(Body::from_stream(failing));
    *response.status_mut() = StatusCode::GATEWAY_TIMEOUT;
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
