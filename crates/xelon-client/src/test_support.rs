//! A tiny scripted HTTP server for the client's unit tests.
//!
//! [`mock`] serves every request on `127.0.0.1:0` with a closure that sees
//! the request and how many requests with the same method and path came
//! before it, and records everything for later assertions.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

use super::config::ClientConfig;
use super::retry::RetryPolicy;
use super::wait::PollSchedule;

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    /// A header's value, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON (`null` when empty).
    pub fn json(&self) -> serde_json::Value {
        if self.body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&self.body).unwrap()
        }
    }
}

/// What the mock answers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    /// A plain text answer.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: body.to_owned(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Script = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct MockState {
    script: Arc<Script>,
    log: Arc<Mutex<Vec<Recorded>>>,
}

/// A running mock server.
pub(crate) struct Mock {
    /// `http://127.0.0.1:<port>/api/v2/`.
    pub base_url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Mock {
    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

async fn handle(State(state): State<MockState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        at: Instant::now(),
    };
    let seen = {
        let mut log = state.log.lock().unwrap();
        let seen = log
            .iter()
            .filter(|r| r.method == recorded.method && r.path == recorded.path)
            .count();
        log.push(recorded.clone());
        seen
    };
    let reply = (state.script)(&recorded, seen);
    let mut response = (
        http::StatusCode::from_u16(reply.status).unwrap(),
        reply.body,
    )
        .into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(&value).unwrap(),
        );
    }
    response
}

fn router(
    script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
) -> (Router, Arc<Mutex<Vec<Recorded>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let state = MockState {
        script: Arc::new(script),
        log: Arc::clone(&log),
    };
    (Router::new().fallback(handle).with_state(state), log)
}

/// Starts a mock on a free local port.
pub(crate) async fn mock(
    script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
) -> Mock {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (app, log) = router(script);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Mock {
        base_url: format!("http://{addr}/api/v2/"),
        log,
    }
}

/// Serves a mock on `addr` until the task is dropped.
pub(crate) async fn serve_on(
    addr: SocketAddr,
    script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
) {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (app, _log) = router(script);
    let _ = axum::serve(listener, app).await;
}

/// A config for tests: token `test-token`, 4 attempts with millisecond
/// backoff, and a 10 ms polling schedule.
pub(crate) fn fast_config(base_url: &str) -> ClientConfig {
    ClientConfig::new("test-token")
        .with_base_url(base_url)
        .with_retry(RetryPolicy {
            budget: Duration::from_secs(5),
            max_attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
            retry_after_cap: Duration::from_secs(5),
            lookup_handled: Duration::from_millis(100),
            lookup_in_progress: Duration::from_millis(300),
            create_sends: 3,
        })
        .with_poll(PollSchedule {
            initial: Duration::from_millis(10),
            factor: 1.5,
            max: Duration::from_millis(40),
        })
        .with_request_timeout(Duration::from_secs(10))
}
