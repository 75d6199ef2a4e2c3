//! Shared set-up of the emulator tests: the in-process emulator with a
//! reqwest client ([`Emu`]), its configurations and request bodies.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use xelon_emulator::{self as emulator, ApiProfile, Chaos, Config, RunningEmulator};

pub const TOKEN: &str = "test-token";
/// Long enough to observe a busy state reliably on a loaded machine, short
/// enough to wait for.
pub const BUSY: Duration = Duration::from_millis(800);
pub const WAIT_LIMIT: Duration = Duration::from_secs(15);

/// A client that never goes through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

/// A client that, like [`client`], never goes through a proxy, and gives up
/// on an answer after `timeout`.
pub fn impatient_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("client")
}

/// The value of header `name` in `response`, when there is one in ASCII.
pub fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Asserts that `lost` is a lost answer: a 504, or no HTTP answer at all.
pub fn assert_lost(lost: &reqwest::Result<reqwest::Response>) {
    assert!(
        lost.as_ref()
            .map_or(true, |r| r.status() == StatusCode::GATEWAY_TIMEOUT),
        "{lost:?}"
    );
}

/// The API profile of this run: `$XELON_EMULATOR_PROFILE` (`rich` or `sdk`),
/// `rich` when unset, as in the acceptance tests' harness. Tests that check
/// one profile's shapes name it with [`rich`] or [`sdk`].
pub fn env_profile() -> ApiProfile {
    match std::env::var("XELON_EMULATOR_PROFILE") {
        Ok(p) if !p.is_empty() => p
            .parse()
            .unwrap_or_else(|e| panic!("XELON_EMULATOR_PROFILE: {e}")),
        _ => ApiProfile::Rich,
    }
}

/// Delays as given, the profile of this run ([`env_profile`]).
pub fn config(provision: Duration, node: Duration) -> Config {
    Config {
        provision_delay: provision,
        node_delay: node,
        api_profile: env_profile(),
        ..Config::default()
    }
}

/// `config` in the rich profile, whatever the run's profile.
pub fn rich(config: Config) -> Config {
    Config {
        api_profile: ApiProfile::Rich,
        ..config
    }
}

/// `config` in the sdk profile, whatever the run's profile.
pub fn sdk(config: Config) -> Config {
    Config {
        api_profile: ApiProfile::Sdk,
        ..config
    }
}

pub struct Emu {
    pub running: RunningEmulator,
    pub http: reqwest::Client,
}

impl Emu {
    pub async fn start(config: Config) -> Self {
        let running = emulator::spawn(config).await.expect("emulator starts");
        Self {
            running,
            http: client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    /// Sends one API request; answers the status and the raw body.
    pub async fn send_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// Sends an authenticated GET of `path`; answers the whole response, for
    /// its headers.
    pub async fn get_response(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, text) = self.send_raw(method, path, body).await;
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("JSON body expected ({e}): {text}"))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, None).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.running.admin_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin request is answered");
        let status = response.status();
        (status, response.json().await.expect("admin JSON body"))
    }

    /// Creates a cluster and returns its identifier.
    pub async fn create_cluster(&self, body: Value) -> String {
        let (status, created) = self.post("kubernetes", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["data"]["identifier"]
            .as_str()
            .expect("identifier")
            .to_owned()
    }

    pub async fn cluster_status(&self, id: &str) -> String {
        let (status, body) = self.get(&format!("kubernetes/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["status"].as_str().expect("status").to_owned()
    }

    /// Polls `path` until `done` holds for (status, body); returns the body.
    pub async fn wait_for(&self, path: &str, done: impl Fn(StatusCode, &Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let (status, body) = self.get(path).await;
            if done(status, &body) {
                return body;
            }
            assert!(
                start.elapsed() < WAIT_LIMIT,
                "timed out waiting on {path}: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn wait_ready(&self, id: &str) -> Value {
        self.wait_for(&format!("kubernetes/{id}"), |_, b| {
            b["data"]["status"] == "Ready"
        })
        .await
    }

    pub async fn wait_pool_deployed(&self, id: &str, pool: &str) -> Value {
        self.wait_for(&format!("kubernetes/{id}/pools/{pool}"), |_, b| {
            b["nodes"]
                .as_array()
                .is_some_and(|nodes| nodes.iter().all(|n| n["status"] == "Deployed"))
        })
        .await
    }

    pub async fn create_pool(&self, id: &str, nodes: u64) -> String {
        let (status, body) = self
            .post(
                &format!("kubernetes/{id}/pools"),
                pool_body("main pool", nodes),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["identifier"]
            .as_str()
            .expect("pool id")
            .to_owned()
    }

    /// Arms one fault through the admin API; it must be accepted.
    pub async fn arm(&self, fault: Value) -> Value {
        let (status, armed) = self
            .admin(reqwest::Method::POST, "faults", Some(fault.clone()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{fault}: {armed}");
        armed
    }

    /// The request counters (`GET /_emulator/requests`).
    pub async fn counters(&self) -> Value {
        let (status, counts) = self.admin(reqwest::Method::GET, "requests", None).await;
        assert_eq!(status, StatusCode::OK, "{counts}");
        counts
    }

    /// The names of every cluster that really exists (`/_emulator/clusters`).
    pub async fn truth_names(&self) -> Vec<String> {
        let (status, truth) = self.admin(reqwest::Method::GET, "clusters", None).await;
        assert_eq!(status, StatusCode::OK, "{truth}");
        truth["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .map(|c| c["cluster"]["name"].as_str().expect("name").to_owned())
            .collect()
    }

    /// Polls the counters until `done` holds; returns them.
    pub async fn wait_counters(&self, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let counts = self.counters().await;
            if done(&counts) {
                return counts;
            }
            assert!(
                start.elapsed() < WAIT_LIMIT,
                "timed out waiting on the counters: {counts}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends a cluster create; answers the status, or `None` when no HTTP
    /// answer came (a transport error).
    pub async fn try_create(&self, http: &reqwest::Client, name: &str) -> Option<StatusCode> {
        match http
            .post(self.url("kubernetes"))
            .bearer_auth(TOKEN)
            .json(&cluster_body(name, "test"))
            .send()
            .await
        {
            Ok(response) => Some(response.status()),
            Err(err) => {
                assert!(
                    err.status().is_none() && !err.is_timeout(),
                    "a transport error: {err:?}"
                );
                None
            }
        }
    }

    /// The statuses of `n` GETs of the current tenant, sent one after another.
    pub async fn get_statuses(&self, n: usize) -> Vec<u16> {
        let mut statuses = Vec::with_capacity(n);
        for _ in 0..n {
            let (status, _) = self
                .send_raw(reqwest::Method::GET, "tenants/current", None)
                .await;
            statuses.push(status.as_u16());
        }
        statuses
    }
}

pub fn cluster_body(name: &str, kind: &str) -> Value {
    json!({
        "cloudIdentifier": "cloud-1",
        "tenantIdentifier": "tenant-1",
        "clusterName": name,
        "k8sVersion": "1.31.2",
        "talosVersion": "1.8.3",
        "controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50, "controlPlaneType": kind,
        "loadBalancerCpu": 1, "loadBalancerRam": 2, "loadBalancerDisk": 20, "loadBalancerType": kind,
        "podSubnet": "100.111.0.0/16",
        "serviceSubnet": "100.112.0.0/12",
        "notify": false,
        "workerPool": []
    })
}

pub fn pool_body(name: &str, nodes: u64) -> Value {
    json!({
        "workerPoolName": name, "workerNodeAmount": nodes,
        "workerNodeCpu": 2, "workerNodeRam": 4, "workerNodeDisk": 50,
        "workerNodeIsStorage": false, "workerNodeExtraDisk": 0
    })
}

pub fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

pub fn node_statuses(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .expect("nodes array")
        .iter()
        .map(|n| n["status"].as_str().expect("node status").to_owned())
        .collect()
}

/// `config` (no delays, the run's profile) with `chaos` and `seed`.
pub fn chaotic(chaos: Chaos, seed: u64) -> Config {
    Config {
        seed: Some(seed),
        chaos,
        ..config(Duration::ZERO, Duration::ZERO)
    }
}
