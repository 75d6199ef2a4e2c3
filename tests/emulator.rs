//! Integration tests of the Xelon API emulator: the router runs in-process on
//! 127.0.0.1:0 (through `emulator::spawn`) and is driven with reqwest; the
//! binary is run for its first stdout line, `--help` and signal handling.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};
use xelon_provider::emulator::{self, ApiProfile, Chaos, Config, FaultRate, RunningEmulator};

const TOKEN: &str = "test-token";
/// Long enough to observe a busy state reliably on a loaded machine, short
/// enough to wait for.
const BUSY: Duration = Duration::from_millis(800);
const WAIT_LIMIT: Duration = Duration::from_secs(15);

/// A client that never goes through a proxy from the environment.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

/// The API profile of this run: `$XELON_EMULATOR_PROFILE` (`rich` or `sdk`),
/// `rich` when unset, as in the acceptance tests' harness. Tests that check
/// one profile's shapes name it with [`rich`] or [`sdk`].
fn env_profile() -> ApiProfile {
    match std::env::var("XELON_EMULATOR_PROFILE") {
        Ok(p) if !p.is_empty() => p
            .parse()
            .unwrap_or_else(|e| panic!("XELON_EMULATOR_PROFILE: {e}")),
        _ => ApiProfile::Rich,
    }
}

/// Delays as given, the profile of this run ([`env_profile`]).
fn config(provision: Duration, node: Duration) -> Config {
    Config {
        provision_delay: provision,
        node_delay: node,
        api_profile: env_profile(),
        ..Config::default()
    }
}

/// `config` in the rich profile, whatever the run's profile.
fn rich(config: Config) -> Config {
    Config {
        api_profile: ApiProfile::Rich,
        ..config
    }
}

/// `config` in the sdk profile, whatever the run's profile.
fn sdk(config: Config) -> Config {
    Config {
        api_profile: ApiProfile::Sdk,
        ..config
    }
}

struct Emu {
    running: RunningEmulator,
    http: reqwest::Client,
}

impl Emu {
    async fn start(config: Config) -> Self {
        let running = emulator::spawn(config).await.expect("emulator starts");
        Self {
            running,
            http: client(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    /// Sends one API request; answers the status and the raw body.
    async fn send_raw(
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

    async fn send(
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

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, None).await
    }

    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    async fn admin(
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
    async fn create_cluster(&self, body: Value) -> String {
        let (status, created) = self.post("kubernetes", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["data"]["identifier"]
            .as_str()
            .expect("identifier")
            .to_owned()
    }

    async fn cluster_status(&self, id: &str) -> String {
        let (status, body) = self.get(&format!("kubernetes/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["status"].as_str().expect("status").to_owned()
    }

    /// Polls `path` until `done` holds for (status, body); returns the body.
    async fn wait_for(&self, path: &str, done: impl Fn(StatusCode, &Value) -> bool) -> Value {
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

    async fn wait_ready(&self, id: &str) -> Value {
        self.wait_for(&format!("kubernetes/{id}"), |_, b| {
            b["data"]["status"] == "Ready"
        })
        .await
    }

    async fn wait_pool_deployed(&self, id: &str, pool: &str) -> Value {
        self.wait_for(&format!("kubernetes/{id}/pools/{pool}"), |_, b| {
            b["nodes"]
                .as_array()
                .is_some_and(|nodes| nodes.iter().all(|n| n["status"] == "Deployed"))
        })
        .await
    }

    async fn create_pool(&self, id: &str, nodes: u64) -> String {
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
}

fn cluster_body(name: &str, kind: &str) -> Value {
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

fn pool_body(name: &str, nodes: u64) -> Value {
    json!({
        "workerPoolName": name, "workerNodeAmount": nodes,
        "workerNodeCpu": 2, "workerNodeRam": 4, "workerNodeDisk": 50,
        "workerNodeIsStorage": false, "workerNodeExtraDisk": 0
    })
}

fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn node_statuses(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .expect("nodes array")
        .iter()
        .map(|n| n["status"].as_str().expect("node status").to_owned())
        .collect()
}

// ---------------------------------------------------------------- binary

#[tokio::test]
async fn binary_prints_listening_line_first_serves_and_stops_on_sigterm() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--provision-delay",
            "0s",
            "--token",
            "s3cret",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(WAIT_LIMIT, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("first line in time")
        .expect("first line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(base.ends_with("/api/v2/"), "{base}");
    assert!(
        !base.ends_with(":0/api/v2/"),
        "the real port is printed: {base}"
    );

    let http = client();
    let ok = http
        .get(format!("{base}tenants/current"))
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), StatusCode::OK);
    let tenant: Value = ok.json().await.expect("json");
    assert_eq!(tenant["identifier"], "tenant-1");
    let wrong = http
        .get(format!("{base}tenants/current"))
        .bearer_auth("other")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    #[cfg(unix)]
    {
        let pid = child.id().expect("pid").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let exit = tokio::time::timeout(WAIT_LIMIT, child.wait())
            .await
            .expect("exits after SIGTERM")
            .expect("exit status");
        assert!(exit.success(), "clean exit after SIGTERM: {exit}");
    }
}

#[test]
fn binary_help_explains_every_flag_and_refuses_bad_durations() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .arg("--help")
        .output()
        .expect("binary runs");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--listen",
        "--token",
        "--provision-delay",
        "--node-delay",
        "--seed",
        "/_emulator/faults",
        "/_emulator/requests",
        "fail_next_cluster",
        "listening on",
        "--api-profile",
        "rich",
        "sdk",
        "--stale-reads",
        "\"body\"",
        "/_emulator/clusters",
        "--latency",
        "--fault-rate",
        "--lost-response-rate",
        "Retry-After: 1",
        "429=0.1:2s",
        "\"delay_ms\"",
        "\"lose_response\"",
        "\"chaos\"",
        "\"holding\"",
        "\"injected\"",
    ] {
        assert!(
            text.contains(needle),
            "--help should mention {needle}:\n{text}"
        );
    }

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .args(["--provision-delay", "2x"])
        .output()
        .expect("binary runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid duration"));
}

/// Starts the binary with `args` on a free port; answers the child and the
/// API base URL from its first stdout line.
async fn start_binary(args: &[&str]) -> (tokio::process::Child, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(WAIT_LIMIT, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("first line in time")
        .expect("first line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

#[tokio::test]
async fn binary_takes_the_api_profile_and_stale_reads() {
    let http = client();
    for (args, parent) in [
        (&["--api-profile", "sdk", "--stale-reads", "1s"][..], None),
        (&["--api-profile", "rich"][..], Some(Value::Null)),
        (&[][..], Some(Value::Null)),
    ] {
        let (_child, base) = start_binary(args).await;
        let tenant: Value = http
            .get(format!("{base}tenants/current"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("json");
        assert_eq!(tenant.get("parent").cloned(), parent, "{args:?}: {tenant}");
    }
    for bad in [
        &["--api-profile", "full"][..],
        &["--stale-reads", "soon"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
            .args(bad)
            .output()
            .expect("binary runs");
        assert!(!out.status.success(), "{bad:?} is refused");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(bad[1]) && (stderr.contains("rich") || stderr.contains("duration")),
            "{bad:?}: {stderr}"
        );
    }
}

#[test]
fn durations_are_humane() {
    use emulator::parse_duration;
    assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
    assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
    assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    assert!(parse_duration("2").is_err());
    assert!(parse_duration("fast").is_err());
}

// ---------------------------------------------------------------- auth and seed

#[tokio::test]
async fn authentication_rules() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let http = client();
    let url = emu.url("tenants/current");

    let none = http.get(&url).send().await.expect("answer");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: Value = none.json().await.expect("json");
    assert_eq!(body["error"], "unauthenticated");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    for header in ["Bearer ", "Bearer", "Basic dXNlcjpwYXNz", ""] {
        let r = http
            .get(&url)
            .header(AUTHORIZATION, header)
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{header:?}");
    }
    let any = http
        .get(&url)
        .bearer_auth("whatever")
        .send()
        .await
        .expect("answer");
    assert_eq!(any.status(), StatusCode::OK);

    // The admin API needs no token.
    let (status, _) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(status, StatusCode::OK);

    let strict = Emu::start(Config {
        token: Some("only-this".into()),
        ..config(Duration::ZERO, Duration::ZERO)
    })
    .await;
    let url = strict.url("tenants/current");
    let wrong = http
        .get(&url)
        .bearer_auth("whatever")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid token"))
    );
    let right = http
        .get(&url)
        .bearer_auth("only-this")
        .send()
        .await
        .expect("answer");
    assert_eq!(right.status(), StatusCode::OK);
}

#[tokio::test]
async fn seed_data_is_discoverable() {
    // Rich: checks the top-level tenant's `parent: null`.
    let emu = Emu::start(rich(config(Duration::ZERO, Duration::ZERO))).await;

    let (status, current) = emu.get("tenants/current").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(current["identifier"], "tenant-1");
    assert_eq!(current["name"], "Emulated Tenant");
    for key in ["parent", "status", "type"] {
        assert!(current.get(key).is_some(), "tenant has {key}: {current}");
    }

    let (status, page) = emu.get("tenants?page=2&perPage=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        page["meta"],
        json!({"currentPage": 2, "lastPage": 2, "perPage": 2, "total": 3, "from": 3, "to": 3})
    );
    let (_, found) = emu.get("tenants?search=customer%20b").await;
    assert_eq!(found["data"][0]["identifier"], "tenant-3");
    assert_eq!(found["meta"]["total"], 1);
    let (status, bad) = emu.get("tenants?perPage=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), ["perPage"]);

    let (status, child) = emu.get("tenants/tenant-2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(child["parent"], "tenant-1");
    let (status, missing) = emu.get("tenants/tenant-99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"], "not_found");

    let (status, clouds) = emu.get("clouds?tenantIdentifier=tenant-1").await;
    assert_eq!(status, StatusCode::OK);
    let clouds = clouds.as_array().expect("bare array of clouds");
    assert!(clouds.len() >= 2);
    assert_eq!(clouds[0]["identifier"], "cloud-1");
    assert_eq!(clouds[0]["name"], "Main HCP Cloud");
    assert!(clouds[0]["type"].is_string() && clouds[0]["hvType"].is_string());
    let (status, _) = emu.get("clouds?tenantIdentifier=tenant-99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, versions) = emu.get("kubernetes/versions/cloud-1").await;
    assert_eq!(status, StatusCode::OK);
    let versions = versions.as_object().expect("object");
    assert!(versions.len() >= 2);
    assert_eq!(versions["1.8.3"], json!(["1.30.6", "1.31.2"]));
    assert!(
        versions
            .values()
            .all(|k8s| k8s.as_array().is_some_and(|l| l.len() >= 2))
    );
    let (status, _) = emu.get("kubernetes/versions/cloud-404").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- clusters

#[tokio::test]
async fn cluster_provisions_then_becomes_ready_and_healthy() {
    // Rich: checks the versions on the cluster.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let started = Instant::now();
    let (status, created) = emu
        .post("kubernetes", cluster_body("staging", "test"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["message"].as_str().is_some_and(|m| !m.is_empty()));
    let cluster = &created["data"];
    let id = cluster["identifier"]
        .as_str()
        .expect("identifier")
        .to_owned();
    assert!(id.starts_with("k8s-") && id.len() > 4, "{id}");
    assert_eq!(cluster["name"], "staging");
    assert_eq!(cluster["status"], "Provisioning");
    assert_ne!(cluster["health"]["health"], "healthy");
    assert_eq!(cluster["k8sVersion"], "1.31.2");
    assert_eq!(cluster["talosVersion"], "1.8.3");
    assert_eq!(cluster["cloud"]["identifier"], "cloud-1");
    assert_eq!(cluster["cloud"]["name"], "Main HCP Cloud");
    let created_at = cluster["createdAt"].as_str().expect("createdAt");
    assert_eq!(created_at.len(), 20, "{created_at}");
    assert_eq!(&created_at[10..11], "T");
    assert!(created_at.ends_with('Z'));

    let (_, read) = emu.get(&format!("kubernetes/{id}")).await;
    assert_eq!(read["data"]["status"], "Provisioning");
    assert_eq!(read["data"]["health"]["health"], "unknown");

    let ready = emu.wait_ready(&id).await;
    assert!(started.elapsed() >= BUSY - Duration::from_millis(50));
    assert_eq!(ready["data"]["health"]["health"], "healthy");
    assert!(ready["data"]["health"]["lastCheckingData"].is_string());

    emu.create_cluster(cluster_body("second", "test")).await;
    let (status, list) = emu.get("kubernetes?page=1&perPage=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"][0]["identifier"], id.as_str());
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(list["meta"]["lastPage"], 2);
}

#[tokio::test]
async fn max_per_page_caps_pages_and_meta_tells_the_client() {
    let emu = Emu::start(Config {
        max_per_page: 2,
        ..config(Duration::ZERO, Duration::ZERO)
    })
    .await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            emu.create_cluster(cluster_body(&format!("c-{n}"), "test"))
                .await,
        );
    }
    // Asked for 50, answered 2: the meta says so, and paging by lastPage
    // finds every cluster once, in order.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, list) = emu.get(&format!("kubernetes?page={page}&perPage=50")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["meta"]["perPage"], 2, "{list}");
        assert_eq!(list["meta"]["lastPage"], 3, "{list}");
        assert_eq!(list["meta"]["total"], 5, "{list}");
        for c in list["data"].as_array().unwrap() {
            seen.push(c["identifier"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen, ids);
    // A smaller perPage than the cap is honoured; so is the cap for tenants.
    let (_, one) = emu.get("kubernetes?perPage=1").await;
    assert_eq!(one["meta"]["lastPage"], 5);
    let (_, tenants) = emu.get("tenants?perPage=10").await;
    assert_eq!(tenants["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(tenants["meta"]["perPage"], 2);
}

#[tokio::test]
async fn production_and_test_clusters_differ_in_node_and_instance_counts() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    for (kind, nodes, instances) in [("production", 3, 2), ("test", 1, 1)] {
        let id = emu
            .create_cluster(cluster_body(&format!("c-{kind}"), kind))
            .await;
        let (status, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cp["controlPlaneCpu"], 2);
        assert_eq!(cp["controlPlaneRam"], 4);
        assert_eq!(cp["controlPlaneDisk"], 50);
        let cp_nodes = cp["nodes"].as_array().expect("nodes");
        assert_eq!(cp_nodes.len(), nodes, "{kind}");
        for node in cp_nodes {
            for key in ["identifier", "name", "status", "localvmid"] {
                assert!(node[key].is_string(), "{key} in {node}");
            }
            assert!(
                node["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&format!("c-{kind}")))
            );
        }

        let (status, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
        assert_eq!(status, StatusCode::OK);
        let lbs = lbs.as_array().expect("an array");
        assert_eq!(lbs.len(), 1);
        assert_eq!(lbs[0]["clusterName"], format!("c-{kind}").as_str());
        assert_eq!(
            (
                &lbs[0]["loadBalancerCpu"],
                &lbs[0]["loadBalancerRam"],
                &lbs[0]["loadBalancerDisk"]
            ),
            (&json!(1), &json!(2), &json!(20))
        );
        let instances_list = lbs[0]["loadBalancers"].as_array().expect("instances");
        assert_eq!(instances_list.len(), instances, "{kind}");
        for lb in instances_list {
            assert!(lb["loadBalancerName"].is_string());
            assert!(
                lb["loadBalancerIp"]
                    .as_str()
                    .is_some_and(|ip| ip.starts_with("10.0."))
            );
        }
    }
}

#[tokio::test]
async fn create_validation_reports_every_bad_field() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;

    let (status, empty) = emu.post("kubernetes", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty["error"], "validation_failed");
    let fields = error_fields(&empty);
    for required in [
        "cloudIdentifier",
        "tenantIdentifier",
        "clusterName",
        "k8sVersion",
        "talosVersion",
        "controlPlaneCpu",
        "controlPlaneRam",
        "controlPlaneDisk",
        "controlPlaneType",
        "loadBalancerCpu",
        "loadBalancerRam",
        "loadBalancerDisk",
        "loadBalancerType",
    ] {
        assert!(
            fields.contains(&required.to_owned()),
            "{required} missing from {fields:?}"
        );
    }

    let mut bad = cluster_body("x", "test");
    bad["clusterName"] = json!("  ");
    bad["controlPlaneCpu"] = json!("2");
    bad["controlPlaneRam"] = json!(0);
    bad["loadBalancerDisk"] = json!(2.5);
    bad["loadBalancerCpu"] = json!(-1);
    bad["controlPlaneType"] = json!("prod");
    bad["notify"] = json!("no");
    bad["workerPool"] = json!([{"workerPoolName": "w", "workerNodeAmount": 1, "workerNodeRam": 4, "workerNodeDisk": 50}]);
    let (status, body) = emu.post("kubernetes", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "clusterName",
            "controlPlaneCpu",
            "controlPlaneRam",
            "controlPlaneType",
            "loadBalancerCpu",
            "loadBalancerDisk",
            "notify",
            "workerPool.0.workerNodeCpu",
        ]
    );
    assert!(
        body["errors"]["controlPlaneType"][0]
            .as_str()
            .is_some_and(|m| m.contains("production"))
    );

    let mut unknown = cluster_body("x", "test");
    unknown["cloudIdentifier"] = json!("cloud-9");
    unknown["tenantIdentifier"] = json!("tenant-9");
    let (status, body) = emu.post("kubernetes", unknown).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cloudIdentifier", "tenantIdentifier"]);

    let mut pair = cluster_body("x", "test");
    pair["talosVersion"] = json!("1.7.7");
    let (status, body) = emu.post("kubernetes", pair).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["k8sVersion"]);
    let reason = body["errors"]["k8sVersion"][0].as_str().expect("reason");
    assert!(
        reason.contains("1.29.10") && reason.contains("1.30.6"),
        "{reason}"
    );

    let mut other_cloud = cluster_body("x", "test");
    other_cloud["cloudIdentifier"] = json!("cloud-2");
    other_cloud["talosVersion"] = json!("1.9.1");
    let (status, body) = emu.post("kubernetes", other_cloud).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["talosVersion"]);

    let response = client()
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body("{\"clusterName\": ")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["error"], "bad_request");

    let (status, _) = emu.post("kubernetes", json!([1, 2])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, list) = emu.get("kubernetes").await;
    assert_eq!(list["data"], json!([]), "nothing was created");
}

#[tokio::test]
async fn changes_to_a_busy_cluster_are_refused_but_reads_work() {
    let emu = Emu::start(config(Duration::from_secs(60), BUSY)).await;
    let id = emu.create_cluster(cluster_body("busy", "test")).await;
    let attempts = [
        emu.post_empty(&format!("kubernetes/{id}/upgrade")).await,
        emu.post(
            &format!("kubernetes/{id}/k8s-version"),
            json!({"version": "1.30.6"}),
        )
        .await,
        emu.post(
            &format!("kubernetes/{id}/talos-version"),
            json!({"version": "1.9.1"}),
        )
        .await,
        emu.patch(
            &format!("kubernetes/{id}/control-planes"),
            json!({"cpuCoreCount": 4}),
        )
        .await,
        emu.post(&format!("kubernetes/{id}/pools"), pool_body("p", 1))
            .await,
    ];
    for (status, body) in attempts {
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "conflict");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains("busy")),
            "{body}"
        );
    }
    for path in [
        "control-planes",
        "load-balancers",
        "pools",
        "config/kube",
        "config/talos",
    ] {
        let response = emu
            .http
            .get(emu.url(&format!("kubernetes/{id}/{path}")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(emu.cluster_status(&id).await, "Provisioning");
    // Deleting is allowed whatever the status.
    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(emu.cluster_status(&id).await, "Deleting");
}

#[tokio::test]
async fn ha_upgrade_turns_on_both_parts_once() {
    // Rich: checks the answer to the change call and the parts while Updating.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let id = emu.create_cluster(cluster_body("ha", "test")).await;
    emu.wait_ready(&id).await;

    let (status, body) = emu.post_empty(&format!("kubernetes/{id}/upgrade")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["status"], "Updating");
    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    assert_eq!(cp["nodes"].as_array().map(Vec::len), Some(3));
    assert!(node_statuses(&cp["nodes"]).iter().all(|s| s != "Deployed"));
    let (_, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
    assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));

    emu.wait_ready(&id).await;
    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    assert_eq!(node_statuses(&cp["nodes"]), ["Deployed"; 3]);

    let (status, again) = emu.post_empty(&format!("kubernetes/{id}/upgrade")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again["message"]
            .as_str()
            .is_some_and(|m| m.contains("already highly available"))
    );
}

#[tokio::test]
async fn version_upgrades_follow_the_mapping() {
    // Rich: checks the versions on the cluster and in the change answers.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let mut body = cluster_body("versions", "test");
    body["k8sVersion"] = json!("1.30.6");
    let id = emu.create_cluster(body).await;
    emu.wait_ready(&id).await;
    let k8s = format!("kubernetes/{id}/k8s-version");
    let talos = format!("kubernetes/{id}/talos-version");

    let (status, body) = emu.post(&k8s, json!({"version": "1.32.0"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = body["errors"]["version"][0].as_str().expect("reason");
    assert!(
        reason.contains("1.30.6") && reason.contains("1.31.2"),
        "{reason}"
    );
    let (status, body) = emu.post(&k8s, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["version"]);
    let (status, _) = emu.post(&k8s, json!({"version": "1.30.6"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "same version");

    let (status, body) = emu.post(&k8s, json!({"version": "1.31.2"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["status"], "Updating");
    assert_eq!(body["data"]["k8sVersion"], "1.31.2");
    let ready = emu.wait_ready(&id).await;
    assert_eq!(ready["data"]["k8sVersion"], "1.31.2");
    assert_eq!(ready["data"]["health"]["health"], "healthy");

    let (status, body) = emu.post(&talos, json!({"version": "1.7.7"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "1.7.7 cannot run 1.31.2"
    );
    assert!(
        body["errors"]["version"][0]
            .as_str()
            .is_some_and(|m| m.contains("1.9.1"))
    );
    let (status, _) = emu.post(&talos, json!({"version": "2.0.0"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body) = emu.post(&talos, json!({"version": "1.9.1"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(emu.cluster_status(&id).await, "Updating");
    let ready = emu.wait_ready(&id).await;
    assert_eq!(ready["data"]["talosVersion"], "1.9.1");

    let (status, _) = emu.post(&k8s, json!({"version": "1.32.0"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "1.32.0 runs on Talos 1.9.1");
    let ready = emu.wait_ready(&id).await;
    assert_eq!(ready["data"]["k8sVersion"], "1.32.0");
    let (status, body) = emu.post(&k8s, json!({"version": "1.31.2"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"]["version"][0]
            .as_str()
            .is_some_and(|m| m.contains("Downgrading"))
    );
}

#[tokio::test]
async fn control_plane_resize_validates_and_reprovisions() {
    // Rich: checks the answer to the change call and the parts while Updating.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let id = emu
        .create_cluster(cluster_body("resize", "production"))
        .await;
    emu.wait_ready(&id).await;
    let path = format!("kubernetes/{id}/control-planes");

    let (status, body) = emu
        .patch(
            &path,
            json!({"cpuCoreCount": 0, "memory": "8", "disk": 100}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cpuCoreCount", "memory"]);
    let (status, _) = emu.patch(&path, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        emu.cluster_status(&id).await,
        "Ready",
        "refused changes change nothing"
    );

    let (status, body) = emu
        .patch(&path, json!({"cpuCoreCount": 4, "memory": 8, "disk": 100}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["status"], "Updating");
    let (_, cp) = emu.get(&path).await;
    assert_eq!(
        (
            &cp["controlPlaneCpu"],
            &cp["controlPlaneRam"],
            &cp["controlPlaneDisk"]
        ),
        (&json!(4), &json!(8), &json!(100))
    );
    assert_eq!(node_statuses(&cp["nodes"]), ["Updating"; 3]);
    emu.wait_ready(&id).await;
    let (_, cp) = emu.get(&path).await;
    assert_eq!(node_statuses(&cp["nodes"]), ["Deployed"; 3]);
}

#[tokio::test]
async fn config_files_are_yaml_naming_the_cluster() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let id = emu
        .create_cluster(cluster_body("yaml-cluster", "production"))
        .await;
    let http = client();
    for (kind, needles) in [
        (
            "kube",
            &[
                "apiVersion: v1",
                "kind: Config",
                "server: https://10.0.",
                "current-context:",
            ][..],
        ),
        (
            "talos",
            &["context: \"yaml-cluster\"", "endpoints:", "nodes:", "ca: "][..],
        ),
    ] {
        let response = http
            .get(emu.url(&format!("kubernetes/{id}/config/{kind}")))
            .bearer_auth(TOKEN)
            .header("Accept", "application/yaml")
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/yaml")
        );
        let text = response.text().await.expect("text");
        assert!(text.contains("yaml-cluster"), "{text}");
        for needle in needles {
            assert!(
                text.contains(needle),
                "{kind}config lacks {needle}:\n{text}"
            );
        }
    }
    let (status, body) = emu.get("kubernetes/k8s-nope/config/kube").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn deleted_cluster_reports_deleting_then_404_and_takes_its_pools() {
    let emu = Emu::start(config(BUSY, Duration::ZERO)).await;
    let mut body = cluster_body("doomed", "test");
    body["workerPool"] = json!([{
        "workerPoolIndex": "0", "workerPoolName": "initial", "workerNodeAmount": 2,
        "workerNodeCpu": 2, "workerNodeRam": 4, "workerNodeDisk": 50,
        "workerNodeIsStorage": true, "workerNodeExtraDisk": 30
    }]);
    let id = emu.create_cluster(body).await;
    let (_, pools) = emu.get(&format!("kubernetes/{id}/pools")).await;
    let pools = pools.as_array().expect("bare array");
    assert_eq!(pools.len(), 1, "initial workerPool entries become pools");
    assert_eq!(pools[0]["name"], "initial");
    assert_eq!(pools[0]["extraStorage"], 30);
    assert_eq!(pools[0]["nodes"].as_array().map(Vec::len), Some(2));
    emu.wait_ready(&id).await;
    let pool = emu.create_pool(&id, 1).await;

    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(emu.cluster_status(&id).await, "Deleting");
    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "deleting twice is harmless");

    emu.wait_for(&format!("kubernetes/{id}"), |s, _| {
        s == StatusCode::NOT_FOUND
    })
    .await;
    let (status, _) = emu.get(&format!("kubernetes/{id}/pools")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = emu.get(&format!("kubernetes/{id}/pools/{pool}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = emu.get("kubernetes").await;
    assert_eq!(list["data"], json!([]));
    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- pools

#[tokio::test]
async fn pools_crud() {
    // Rich: checks the answers to change calls and `extraStorage: 0`.
    let emu = Emu::start(rich(config(Duration::ZERO, BUSY))).await;
    let id = emu.create_cluster(cluster_body("pools", "test")).await;
    let pools = format!("kubernetes/{id}/pools");

    let (status, body) = emu
        .post(
            &pools,
            json!({"workerPoolName": "p", "workerNodeAmount": 0, "workerNodeRam": 4,
            "workerNodeDisk": 50, "workerNodeIsStorage": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&body),
        ["workerNodeAmount", "workerNodeCpu", "workerNodeExtraDisk"]
    );

    let mut spec = pool_body("Main Pool", 2);
    spec["workerNodeIsStorage"] = json!(true);
    spec["workerNodeExtraDisk"] = json!(20);
    let (status, created) = emu.post(&pools, spec).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["message"].is_string());
    let pool = &created["data"];
    let pool_id = pool["identifier"].as_str().expect("id").to_owned();
    assert!(pool_id.starts_with("pool-"));
    assert_eq!(
        (
            &pool["name"],
            &pool["cpu"],
            &pool["memory"],
            &pool["disk"],
            &pool["extraStorage"]
        ),
        (
            &json!("Main Pool"),
            &json!(2),
            &json!(4),
            &json!(50),
            &json!(20)
        )
    );
    assert_eq!(node_statuses(&pool["nodes"]), ["Provisioning"; 2]);
    assert_eq!(pool["nodes"][0]["name"], "pools-main-pool-1");
    assert_eq!(pool["nodes"][1]["name"], "pools-main-pool-2");
    assert_ne!(
        pool["nodes"][0]["identifier"],
        pool["nodes"][1]["identifier"]
    );
    assert!(pool["nodes"][0]["localvmid"].is_string());

    let (status, list) = emu.get(&pools).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let one = format!("{pools}/{pool_id}");
    let deployed = emu.wait_pool_deployed(&id, &pool_id).await;
    assert_eq!(deployed["identifier"], pool_id.as_str(), "bare pool object");

    let (status, body) = emu.patch(&one, json!({"hasExtraStorage": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["extraStorage"]);
    let (status, body) = emu
        .patch(&one, json!({"hasExtraStorage": 2, "cpuCoreCount": 0}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cpuCoreCount", "hasExtraStorage"]);

    let (status, updated) = emu
        .patch(
            &one,
            json!({"name": "Main Pool", "cpuCoreCount": 4, "memory": 8, "disk": 100,
            "hasExtraStorage": 0, "extraStorage": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{updated}");
    assert_eq!(
        (
            &updated["data"]["cpu"],
            &updated["data"]["memory"],
            &updated["data"]["disk"],
            &updated["data"]["extraStorage"]
        ),
        (&json!(4), &json!(8), &json!(100), &json!(0))
    );
    assert_eq!(node_statuses(&updated["data"]["nodes"]), ["Updating"; 2]);
    let (status, busy) = emu.patch(&one, json!({"cpuCoreCount": 8})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");
    emu.wait_pool_deployed(&id, &pool_id).await;

    let (status, renamed) = emu.patch(&one, json!({"name": "renamed"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(renamed["data"]["name"], "renamed");
    assert_eq!(
        node_statuses(&renamed["data"]["nodes"]),
        ["Deployed"; 2],
        "a rename is instant"
    );

    let (status, _) = emu.get(&format!("{pools}/pool-000000000000")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = emu.get("kubernetes/k8s-000000000000/pools").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = emu.delete(&one).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, deleting) = emu.get(&one).await;
    assert_eq!(node_statuses(&deleting["nodes"]), ["Deleting"; 2]);
    let (status, _) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no nodes for a pool being deleted"
    );
    emu.wait_for(&one, |s, _| s == StatusCode::NOT_FOUND).await;
    let (_, list) = emu.get(&pools).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn scaling_adds_and_removes_single_nodes() {
    // Rich: checks the answers to node adds.
    let emu = Emu::start(rich(config(Duration::ZERO, BUSY))).await;
    let id = emu.create_cluster(cluster_body("scale", "test")).await;
    let pool_id = emu.create_pool(&id, 1).await;
    let one = format!("kubernetes/{id}/pools/{pool_id}");
    let pool = emu.wait_pool_deployed(&id, &pool_id).await;
    let first = pool["nodes"][0]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();

    let (status, body) = emu.delete(&format!("kubernetes/{id}/nodes/{first}")).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "last node: {body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("last node"))
    );

    let (status, added) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["data"]["status"], "Provisioning");
    assert_eq!(added["data"]["name"], "scale-main-pool-2");
    let (status, third) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "adding while another node provisions is fine"
    );
    assert_eq!(third["data"]["name"], "scale-main-pool-3");
    let third = third["data"]["identifier"].as_str().expect("id").to_owned();
    let (_, pool) = emu.get(&one).await;
    assert_eq!(
        node_statuses(&pool["nodes"]),
        ["Deployed", "Provisioning", "Provisioning"]
    );

    let (status, body) = emu.delete(&format!("kubernetes/{id}/nodes/{third}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Deployed"))
    );

    emu.wait_pool_deployed(&id, &pool_id).await;
    let (status, _) = emu.delete(&format!("kubernetes/{id}/nodes/{third}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, pool) = emu.get(&one).await;
    assert_eq!(
        node_statuses(&pool["nodes"]),
        ["Deployed", "Deployed", "Deleting"]
    );
    let (status, _) = emu.delete(&format!("kubernetes/{id}/nodes/{third}")).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a Deleting node cannot be removed again"
    );
    emu.wait_for(&one, |_, b| {
        b["nodes"].as_array().is_some_and(|n| n.len() == 2)
    })
    .await;

    let (status, _) = emu
        .delete(&format!("kubernetes/{id}/nodes/node-000000000000"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    let cp_node = cp["nodes"][0]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, _) = emu
        .delete(&format!("kubernetes/{id}/nodes/{cp_node}"))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "control-plane nodes cannot be removed"
    );
}

// ---------------------------------------------------------------- admin API

#[tokio::test]
async fn http_faults_fail_matching_requests_with_retry_after() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"method": "GET", "path_prefix": "/api/v2/tenants", "status": 503, "count": 2, "retry_after": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(armed["rules"][0]["count"], 2);

    let http = client();
    for _ in 0..2 {
        let r = http
            .get(emu.url("tenants/current"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            r.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let body: Value = r.json().await.expect("error body");
        assert_eq!(body["error"], "service_unavailable");
        assert!(body["message"].is_string());
        // Other routes and methods are not affected.
        let (status, _) = emu.get("clouds").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = emu.get("tenants/current").await;
    assert_eq!(status, StatusCode::OK, "the fault is used up");
    let (_, armed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(armed["rules"], json!([]));

    emu.admin(
        reqwest::Method::POST,
        "faults",
        Some(json!({"status": 429, "count": 5, "message": "slow down"})),
    )
    .await;
    let r = http
        .get(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(RETRY_AFTER).is_none());
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["message"], "slow down");
    let (status, cleared) = emu.admin(reqwest::Method::DELETE, "faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cleared,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0})
    );
    let (status, _) = emu.get("kubernetes").await;
    assert_eq!(status, StatusCode::OK);

    let (status, refused) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"status": 200, "method": "FETCH"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&refused), ["method", "status"]);
}

#[tokio::test]
async fn fail_next_cluster_ends_in_error() {
    let emu = Emu::start(config(BUSY, Duration::ZERO)).await;
    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"fail_next_cluster": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(armed["fail_next_cluster"], 1);

    let failing = emu.create_cluster(cluster_body("failing", "test")).await;
    assert_eq!(emu.cluster_status(&failing).await, "Provisioning");
    let failed = emu
        .wait_for(&format!("kubernetes/{failing}"), |_, b| {
            b["data"]["status"] != "Provisioning"
        })
        .await;
    assert_eq!(failed["data"]["status"], "Error");
    assert_eq!(failed["data"]["health"]["health"], "unhealthy");
    let (_, cp) = emu
        .get(&format!("kubernetes/{failing}/control-planes"))
        .await;
    assert_eq!(node_statuses(&cp["nodes"]), ["Error"]);
    let (status, _) = emu
        .post_empty(&format!("kubernetes/{failing}/upgrade"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let healthy = emu.create_cluster(cluster_body("fine", "test")).await;
    emu.wait_ready(&healthy).await;
    let (status, _) = emu.delete(&format!("kubernetes/{failing}")).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a failed cluster can be deleted"
    );
}

#[tokio::test]
async fn request_counters_count_api_calls_per_route() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    emu.get("tenants/current").await;
    let (status, _) = emu.admin(reqwest::Method::DELETE, "requests", None).await;
    assert_eq!(status, StatusCode::OK);

    let id = emu.create_cluster(cluster_body("counted", "test")).await;
    for _ in 0..3 {
        emu.get(&format!("kubernetes/{id}")).await;
    }
    emu.get("kubernetes/k8s-unknown").await;
    emu.get("tenants/current").await;
    let anonymous = client()
        .get(emu.url("tenants/current"))
        .send()
        .await
        .expect("answer");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    emu.get("no/such/thing").await;

    let (status, counts) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts["total"], 8, "{counts}");
    assert_eq!(counts["by_route"]["POST /kubernetes"], 1);
    assert_eq!(counts["by_route"]["GET /kubernetes/{id}"], 4);
    assert_eq!(counts["by_route"]["GET /tenants/current"], 2);
    assert_eq!(counts["by_route"]["GET /no/such/thing"], 1);

    let (_, before_reset) = emu.admin(reqwest::Method::DELETE, "requests", None).await;
    assert_eq!(before_reset["total"], 8, "reset answers the old values");
    let (_, after) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(
        after,
        json!({
            "total": 0, "by_route": {}, "injected": {}, "lost": {"504": 0, "drop": 0},
            "delayed": 0, "holding": 0
        })
    );
}

#[tokio::test]
async fn unknown_endpoints_answer_json_errors() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let (status, body) = emu.get("nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("GET /api/v2/nope")),
        "{body}"
    );
    let (status, body) = emu.send(reqwest::Method::PUT, "kubernetes", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"], "method_not_allowed");
    let root = client()
        .get(format!("http://{}/", emu.running.addr()))
        .send()
        .await
        .expect("answer");
    assert_eq!(root.status(), StatusCode::NOT_FOUND);
    let body: Value = root.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("/api/v2/"))
    );
}

#[tokio::test]
async fn a_seed_makes_identifiers_reproducible() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let emu = Emu::start(Config {
            seed: Some(42),
            ..config(Duration::ZERO, Duration::ZERO)
        })
        .await;
        ids.push(emu.create_cluster(cluster_body("seeded", "test")).await);
        emu.running.shutdown().await.expect("clean shutdown");
    }
    assert_eq!(ids[0], ids[1]);
}

// ---------------------------------------------------------------- API profiles

/// Asserts that `value` is an object with exactly the keys `expected`.
fn assert_keys(value: &Value, expected: &[&str]) {
    let actual: std::collections::BTreeSet<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object expected: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    let expected: std::collections::BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(actual, expected, "keys of {value}");
}

/// `KubernetesCluster` in the SDK's kubernetes.go.
const SDK_CLUSTER: [&str; 6] = [
    "identifier",
    "name",
    "status",
    "health",
    "cloud",
    "createdAt",
];
/// `KubernetesClusterNode`.
const NODE: [&str; 4] = ["identifier", "localvmid", "name", "status"];
/// `Cloud` in clouds.go.
const CLOUD: [&str; 4] = ["identifier", "name", "type", "hvType"];
/// `KubernetesClusterLoadBalancer` and its instances.
const LOAD_BALANCER: [&str; 5] = [
    "clusterName",
    "loadBalancerCpu",
    "loadBalancerRam",
    "loadBalancerDisk",
    "loadBalancers",
];
const LOAD_BALANCER_INSTANCE: [&str; 2] = ["loadBalancerName", "loadBalancerIp"];
/// `KubernetesClusterControlPlane`.
const CONTROL_PLANE: [&str; 4] = [
    "controlPlaneCpu",
    "controlPlaneRam",
    "controlPlaneDisk",
    "nodes",
];
/// `Meta` in type.go.
const META: [&str; 6] = ["currentPage", "lastPage", "perPage", "total", "from", "to"];

fn assert_nodes(nodes: &Value, count: usize) {
    let nodes = nodes.as_array().expect("nodes");
    assert_eq!(nodes.len(), count, "{nodes:?}");
    for node in nodes {
        assert_keys(node, &NODE);
    }
}

#[tokio::test]
async fn sdk_profile_answers_exactly_the_sdk_models() {
    let emu = Emu::start(sdk(config(Duration::ZERO, Duration::ZERO))).await;

    let (_, empty) = emu.get("kubernetes").await;
    assert_eq!(empty["data"], json!([]));
    assert_keys(&empty["meta"], &["currentPage", "lastPage", "perPage"]);

    let (status, created) = emu
        .post("kubernetes", cluster_body("shapes", "production"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_keys(&created, &["data", "message"]);
    assert_keys(&created["data"], &SDK_CLUSTER);
    let id = created["data"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();

    let (_, read) = emu.get(&format!("kubernetes/{id}")).await;
    assert_keys(&read, &["data"]);
    let cluster = &read["data"];
    assert_keys(cluster, &SDK_CLUSTER);
    assert_keys(&cluster["health"], &["health", "lastCheckingData"]);
    assert_keys(&cluster["cloud"], &CLOUD);
    assert_eq!(cluster["status"], "Ready");

    emu.create_cluster(cluster_body("second", "test")).await;
    let (_, page) = emu.get("kubernetes?page=1&perPage=1").await;
    assert_keys(&page, &["data", "meta"]);
    assert_keys(&page["data"][0], &SDK_CLUSTER);
    assert_keys(&page["meta"], &META);
    let (_, past) = emu.get("kubernetes?page=3&perPage=1").await;
    assert_eq!(past["data"], json!([]));
    assert_keys(
        &past["meta"],
        &["currentPage", "lastPage", "perPage", "total"],
    );

    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    assert_keys(&cp, &CONTROL_PLANE);
    assert_nodes(&cp["nodes"], 3);

    let (_, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
    let lbs = lbs.as_array().expect("an array");
    assert_eq!(lbs.len(), 1);
    assert_keys(&lbs[0], &LOAD_BALANCER);
    for instance in lbs[0]["loadBalancers"].as_array().expect("instances") {
        assert_keys(instance, &LOAD_BALANCER_INSTANCE);
    }

    let pools = format!("kubernetes/{id}/pools");
    let (status, plain) = emu.post(&pools, pool_body("plain", 2)).await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");
    assert_keys(&plain, &["data", "message"]);
    let pool = ["identifier", "name", "cpu", "memory", "disk", "nodes"];
    assert_keys(&plain["data"], &pool);
    let plain_id = plain["data"]["identifier"].as_str().expect("id").to_owned();
    let mut spec = pool_body("storage", 1);
    spec["workerNodeIsStorage"] = json!(true);
    spec["workerNodeExtraDisk"] = json!(20);
    let (_, storage) = emu.post(&pools, spec).await;
    let storage_id = storage["data"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, read) = emu.get(&format!("{pools}/{plain_id}")).await;
    assert_keys(&read, &pool);
    assert_nodes(&read["nodes"], 2);
    let (_, read) = emu.get(&format!("{pools}/{storage_id}")).await;
    assert_keys(
        &read,
        &[
            "identifier",
            "name",
            "cpu",
            "memory",
            "disk",
            "extraStorage",
            "nodes",
        ],
    );
    assert_eq!(read["extraStorage"], 20);
    let (_, list) = emu.get(&pools).await;
    assert_keys(&list[0], &pool);
    assert_eq!(list[1]["extraStorage"], 20);

    let (_, current) = emu.get("tenants/current").await;
    assert_keys(&current, &["identifier", "name", "status", "type"]);
    let (_, child) = emu.get("tenants/tenant-2").await;
    assert_keys(&child, &["identifier", "name", "parent", "status", "type"]);
    let (_, tenants) = emu.get("tenants?perPage=2").await;
    assert_keys(
        &tenants["data"][0],
        &["identifier", "name", "status", "type"],
    );
    assert_keys(&tenants["meta"], &META);
    let (_, none) = emu.get("tenants?search=nobody").await;
    assert_keys(&none["meta"], &["currentPage", "lastPage", "perPage"]);
    let (_, clouds) = emu.get("clouds").await;
    for cloud in clouds.as_array().expect("clouds") {
        assert_keys(cloud, &CLOUD);
    }

    let (_, missing) = emu.get("kubernetes/k8s-000000000000").await;
    assert_keys(&missing, &["error", "message"]);

    // The SDK reads no body from change calls: none is sent.
    let node = read["nodes"][0]["identifier"]
        .as_str()
        .expect("node id")
        .to_owned();
    let calls = [
        (
            reqwest::Method::PATCH,
            format!("{pools}/{plain_id}"),
            Some(json!({"name": "renamed"})),
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::POST,
            format!("{pools}/{storage_id}/nodes"),
            None,
            StatusCode::CREATED,
        ),
        (
            reqwest::Method::DELETE,
            format!("kubernetes/{id}/nodes/{node}"),
            None,
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::POST,
            format!("kubernetes/{id}/talos-version"),
            Some(json!({"version": "1.9.1"})),
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::DELETE,
            format!("{pools}/{plain_id}"),
            None,
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::DELETE,
            format!("kubernetes/{id}"),
            None,
            StatusCode::ACCEPTED,
        ),
    ];
    for (method, path, body, expected) in calls {
        let (status, text) = emu.send_raw(method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {text}");
        assert_eq!(text, "", "{method} {path}: no body in the sdk profile");
    }
}

#[tokio::test]
async fn rich_profile_answers_the_extras() {
    let emu = Emu::start(rich(config(Duration::ZERO, Duration::ZERO))).await;
    let (_, empty) = emu.get("kubernetes").await;
    assert_eq!(
        empty["meta"],
        json!({"currentPage": 1, "lastPage": 1, "perPage": 10, "total": 0, "from": null, "to": null})
    );
    let id = emu.create_cluster(cluster_body("rich", "test")).await;
    let (_, read) = emu.get(&format!("kubernetes/{id}")).await;
    let mut rich_cluster = SDK_CLUSTER.to_vec();
    rich_cluster.extend(["tenantIdentifier", "k8sVersion", "talosVersion"]);
    assert_keys(&read["data"], &rich_cluster);
    let pool_id = emu.create_pool(&id, 2).await;
    let one = format!("kubernetes/{id}/pools/{pool_id}");
    let (_, pool) = emu.get(&one).await;
    assert_keys(
        &pool,
        &[
            "identifier",
            "name",
            "cpu",
            "memory",
            "disk",
            "extraStorage",
            "nodes",
        ],
    );
    assert_eq!(pool["extraStorage"], 0);
    let (_, current) = emu.get("tenants/current").await;
    assert_eq!(current["parent"], Value::Null);
    assert_keys(
        &current,
        &["identifier", "name", "parent", "status", "type"],
    );

    let (status, renamed) = emu.patch(&one, json!({"name": "renamed"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_keys(&renamed, &["data", "message"]);
    let node = pool["nodes"][0]["identifier"].as_str().expect("node id");
    let (status, removed) = emu.delete(&format!("kubernetes/{id}/nodes/{node}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_keys(&removed, &["message"]);
    let (status, deleted) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(deleted["data"]["status"], "Deleting");
}

#[tokio::test]
async fn sdk_reports_no_parts_while_busy_but_rich_does() {
    for profile in [ApiProfile::Rich, ApiProfile::Sdk] {
        let emu = Emu::start(Config {
            api_profile: profile,
            ..config(BUSY, Duration::ZERO)
        })
        .await;
        let id = emu.create_cluster(cluster_body("parts", "test")).await;
        let parts = async || {
            let (cp_status, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
            let (lb_status, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
            assert_eq!((cp_status, lb_status), (StatusCode::OK, StatusCode::OK));
            (cp, lbs)
        };

        let (cp, lbs) = parts().await;
        assert_eq!(
            emu.cluster_status(&id).await,
            "Provisioning",
            "read while provisioning"
        );
        if profile == ApiProfile::Sdk {
            assert_eq!((&cp, &lbs), (&json!({}), &json!([])), "{profile}");
        } else {
            assert_nodes(&cp["nodes"], 1);
            assert_eq!(lbs.as_array().map(Vec::len), Some(1), "{profile}");
        }

        emu.wait_ready(&id).await;
        let (cp, lbs) = parts().await;
        assert_keys(&cp, &CONTROL_PLANE);
        assert_nodes(&cp["nodes"], 1);
        assert_eq!(lbs.as_array().map(Vec::len), Some(1), "{profile}");

        let (status, _) = emu.post_empty(&format!("kubernetes/{id}/upgrade")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (cp, lbs) = parts().await;
        assert_eq!(
            emu.cluster_status(&id).await,
            "Updating",
            "read while updating"
        );
        if profile == ApiProfile::Sdk {
            assert_eq!((&cp, &lbs), (&json!({}), &json!([])), "{profile}");
        } else {
            assert_nodes(&cp["nodes"], 3);
            assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));
        }

        emu.wait_ready(&id).await;
        let (cp, lbs) = parts().await;
        assert_nodes(&cp["nodes"], 3);
        assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));
    }
}

// ---------------------------------------------------------------- stale reads

/// The stale window of the stale-read tests: long enough that the reads
/// right after a change land inside it on a loaded machine.
const STALE: Duration = Duration::from_millis(1500);

/// Asserts that `since` (taken before the change call was sent) is still
/// inside the stale window, so that the reads before this call were too.
fn assert_inside_window(since: Instant) {
    assert!(
        since.elapsed() < STALE,
        "the machine is too slow for this test: {:?} passed, the window is {STALE:?}",
        since.elapsed()
    );
}

#[tokio::test]
async fn stale_reads_show_the_old_cluster_then_updating_then_the_change() {
    for profile in [ApiProfile::Rich, ApiProfile::Sdk] {
        let emu = Emu::start(Config {
            api_profile: profile,
            stale_reads: STALE,
            ..config(BUSY, BUSY)
        })
        .await;
        let id = emu.create_cluster(cluster_body("stale", "test")).await;
        emu.wait_ready(&id).await;
        let path = format!("kubernetes/{id}");

        let sent = Instant::now();
        let (status, body) = emu
            .post(
                &format!("{path}/talos-version"),
                json!({"version": "1.9.1"}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{profile}: {body}");
        let (_, read) = emu.get(&path).await;
        let (_, cp) = emu.get(&format!("{path}/control-planes")).await;
        let (_, lbs) = emu.get(&format!("{path}/load-balancers")).await;
        // Busy from the moment the change was accepted.
        let refused = [
            emu.post(&format!("{path}/k8s-version"), json!({"version": "1.32.0"}))
                .await,
            emu.post_empty(&format!("{path}/upgrade")).await,
            emu.patch(
                &format!("{path}/control-planes"),
                json!({"cpuCoreCount": 4}),
            )
            .await,
            emu.post(&format!("{path}/pools"), pool_body("p", 1)).await,
        ];
        let (_, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
            .await;
        assert_inside_window(sent);

        assert_eq!(read["data"]["status"], "Ready", "{profile}: {read}");
        assert_eq!(read["data"]["health"]["health"], "healthy");
        if profile == ApiProfile::Rich {
            assert_eq!(read["data"]["talosVersion"], "1.8.3", "old version");
        }
        assert_eq!(node_statuses(&cp["nodes"]), ["Deployed"], "{profile}");
        assert_eq!(lbs.as_array().map(Vec::len), Some(1), "{profile}");
        for (status, body) in refused {
            assert_eq!(status, StatusCode::CONFLICT, "{profile}: {body}");
        }
        assert_eq!(truth["cluster"]["status"], "Updating", "{truth}");
        assert_eq!(truth["cluster"]["talosVersion"], "1.9.1", "{truth}");

        // Every Ready answer shows the old cluster; the first other one is
        // Updating, no earlier than the window's end.
        let changed = emu
            .wait_for(&path, |_, b| {
                if b["data"]["status"] == "Ready" && profile == ApiProfile::Rich {
                    assert_eq!(b["data"]["talosVersion"], "1.8.3", "{b}");
                }
                b["data"]["status"] != "Ready"
            })
            .await;
        assert!(sent.elapsed() >= STALE, "{profile}: {:?}", sent.elapsed());
        assert_eq!(changed["data"]["status"], "Updating", "{profile}");
        assert_ne!(changed["data"]["health"]["health"], "healthy");
        if profile == ApiProfile::Rich {
            assert_eq!(changed["data"]["talosVersion"], "1.9.1");
        }
        let ready = emu.wait_ready(&id).await;
        assert_eq!(ready["data"]["health"]["health"], "healthy");
        let (_, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
            .await;
        assert_eq!(truth["cluster"]["status"], "Ready");
        if profile == ApiProfile::Rich {
            assert_eq!(ready["data"]["talosVersion"], "1.9.1");
        }
    }
}

#[tokio::test]
async fn stale_reads_delay_pool_changes_and_node_adds_and_removals() {
    let emu = Emu::start(Config {
        stale_reads: STALE,
        ..config(Duration::ZERO, BUSY)
    })
    .await;
    let id = emu.create_cluster(cluster_body("stale-pool", "test")).await;
    let pool_id = emu.create_pool(&id, 1).await;
    emu.wait_pool_deployed(&id, &pool_id).await;
    let one = format!("kubernetes/{id}/pools/{pool_id}");
    let truth_pool = async || {
        let (_, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
            .await;
        truth["pools"][0].clone()
    };

    // A resize.
    let sent = Instant::now();
    let (status, _) = emu.patch(&one, json!({"cpuCoreCount": 4})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, read) = emu.get(&one).await;
    let (again, body) = emu.patch(&one, json!({"cpuCoreCount": 8})).await;
    let truth = truth_pool().await;
    assert_inside_window(sent);
    assert_eq!(read["cpu"], 2, "old size: {read}");
    assert_eq!(node_statuses(&read["nodes"]), ["Deployed"]);
    assert_eq!(again, StatusCode::CONFLICT, "{body}");
    assert_eq!(truth["cpu"], 4, "{truth}");
    assert_eq!(node_statuses(&truth["nodes"]), ["Updating"]);
    let changed = emu.wait_for(&one, |_, b| b["cpu"] != 2).await;
    assert!(sent.elapsed() >= STALE);
    assert_eq!(changed["cpu"], 4);
    assert_eq!(node_statuses(&changed["nodes"]), ["Updating"]);
    emu.wait_pool_deployed(&id, &pool_id).await;

    // A node add.
    let sent = Instant::now();
    let (status, _) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, read) = emu.get(&one).await;
    let (again, body) = emu.patch(&one, json!({"cpuCoreCount": 8})).await;
    let truth = truth_pool().await;
    assert_inside_window(sent);
    assert_eq!(node_statuses(&read["nodes"]), ["Deployed"], "old nodes");
    assert_eq!(
        again,
        StatusCode::CONFLICT,
        "the new node is on its way: {body}"
    );
    assert_eq!(node_statuses(&truth["nodes"]), ["Deployed", "Provisioning"]);
    let changed = emu
        .wait_for(&one, |_, b| {
            b["nodes"].as_array().is_some_and(|n| n.len() != 1)
        })
        .await;
    assert!(sent.elapsed() >= STALE);
    assert_eq!(
        node_statuses(&changed["nodes"]),
        ["Deployed", "Provisioning"]
    );
    let pool = emu.wait_pool_deployed(&id, &pool_id).await;

    // A node removal.
    let newest = pool["nodes"][1]["identifier"]
        .as_str()
        .expect("node id")
        .to_owned();
    let remove = format!("kubernetes/{id}/nodes/{newest}");
    let sent = Instant::now();
    let (status, _) = emu.delete(&remove).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, read) = emu.get(&one).await;
    let (again, body) = emu.delete(&remove).await;
    assert_inside_window(sent);
    assert_eq!(node_statuses(&read["nodes"]), ["Deployed", "Deployed"]);
    assert_eq!(again, StatusCode::CONFLICT, "already being removed: {body}");
    let changed = emu
        .wait_for(&one, |_, b| {
            node_statuses(&b["nodes"]) != ["Deployed", "Deployed"]
        })
        .await;
    assert!(sent.elapsed() >= STALE);
    assert_eq!(node_statuses(&changed["nodes"]), ["Deployed", "Deleting"]);
    emu.wait_for(&one, |_, b| {
        b["nodes"].as_array().is_some_and(|n| n.len() == 1)
    })
    .await;
}

#[tokio::test]
async fn without_stale_reads_changes_show_at_once() {
    let emu = Emu::start(config(BUSY, BUSY)).await;
    let id = emu.create_cluster(cluster_body("prompt", "test")).await;
    emu.wait_ready(&id).await;
    let (status, _) = emu
        .post(
            &format!("kubernetes/{id}/talos-version"),
            json!({"version": "1.9.1"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(emu.cluster_status(&id).await, "Updating");
}

// ---------------------------------------------------------------- canned answers and truth

#[tokio::test]
async fn canned_bodies_are_answered_as_given() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let id = emu.create_cluster(cluster_body("canned", "test")).await;
    let lb_path = format!("kubernetes/{id}/load-balancers");

    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"method": "GET", "path_prefix": format!("/api/v2/{lb_path}"), "body": [], "count": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{armed}");
    assert_eq!(armed["rules"][0]["body"], json!([]));
    assert_eq!(armed["rules"][0]["status"], 200);
    let (_, listed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(listed["rules"][0]["body"], json!([]));
    for _ in 0..2 {
        let (status, text) = emu.send_raw(reqwest::Method::GET, &lb_path, None).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "[]"));
    }
    let (_, real) = emu.get(&lb_path).await;
    assert_eq!(real.as_array().map(Vec::len), Some(1), "used up: {real}");

    emu.admin(
        reqwest::Method::POST,
        "faults",
        Some(
            json!({"path_prefix": "/api/v2/tenants/current", "status": 500,
                    "body": {"weird": true}, "retry_after": 2}),
        ),
    )
    .await;
    let response = client()
        .get(emu.url("tenants/current"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"weird": true})
    );

    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "status": 202, "body": null})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a null body is a body: {armed}"
    );
    assert!(
        armed["rules"][0].get("body").is_some_and(Value::is_null),
        "{armed}"
    );
    let (status, text) = emu
        .send_raw(
            reqwest::Method::POST,
            "kubernetes",
            Some(cluster_body("never", "test")),
        )
        .await;
    assert_eq!((status, text.as_str()), (StatusCode::ACCEPTED, "null"));
    let (_, list) = emu.get("kubernetes").await;
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(1),
        "not handled"
    );

    for (rule, field) in [
        (json!({"status": 201}), "status"),
        (json!({"status": 100, "body": {}}), "status"),
        (json!({"body": [], "message": "x"}), "message"),
    ] {
        let (status, refused) = emu
            .admin(reqwest::Method::POST, "faults", Some(rule.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}");
        assert_eq!(error_fields(&refused), [field], "{rule}");
    }
}

#[tokio::test]
async fn truth_shows_what_really_exists_whatever_the_profile() {
    let emu = Emu::start(Config {
        stale_reads: STALE,
        ..sdk(config(BUSY, BUSY))
    })
    .await;
    let (status, none) = emu.admin(reqwest::Method::GET, "clusters", None).await;
    assert_eq!((status, none), (StatusCode::OK, json!({"clusters": []})));

    let id = emu.create_cluster(cluster_body("truth", "test")).await;
    emu.wait_ready(&id).await;
    let pool_id = emu.create_pool(&id, 1).await;
    emu.admin(reqwest::Method::DELETE, "requests", None).await;

    let sent = Instant::now();
    let (status, _) = emu
        .post(
            &format!("kubernetes/{id}/talos-version"),
            json!({"version": "1.9.1"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, seen) = emu.get(&format!("kubernetes/{id}")).await;
    let (status, item) = emu
        .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
        .await;
    let (_, all) = emu.admin(reqwest::Method::GET, "clusters", None).await;
    assert_inside_window(sent);

    assert_eq!(seen["data"]["status"], "Ready");
    assert!(seen["data"].get("talosVersion").is_none(), "sdk: {seen}");
    assert_eq!(status, StatusCode::OK);
    assert_keys(&item, &["cluster", "controlPlane", "loadBalancer", "pools"]);
    let cluster = &item["cluster"];
    assert_eq!(cluster["identifier"], id.as_str());
    assert_eq!(cluster["status"], "Updating", "the real phase");
    assert_eq!(cluster["talosVersion"], "1.9.1", "the accepted change");
    assert_eq!(cluster["k8sVersion"], "1.31.2");
    assert_eq!(cluster["tenantIdentifier"], "tenant-1");
    assert_keys(&item["controlPlane"], &CONTROL_PLANE);
    assert_eq!(node_statuses(&item["controlPlane"]["nodes"]), ["Updating"]);
    assert_keys(&item["loadBalancer"], &LOAD_BALANCER);
    let pools = item["pools"].as_array().expect("pools");
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0]["identifier"], pool_id.as_str());
    assert_eq!(pools[0]["extraStorage"], 0, "rich view");
    assert_eq!(all["clusters"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["clusters"][0]["cluster"]["identifier"], id.as_str());

    let (status, missing) = emu
        .admin(reqwest::Method::GET, "clusters/k8s-000000000000", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"], "not_found");

    let (_, counts) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(counts["total"], 2, "admin calls are not counted: {counts}");
}

// ---------------------------------------------------------------- chaos

/// `config` (no delays, the run's profile) with `chaos` and `seed`.
fn chaotic(chaos: Chaos, seed: u64) -> Config {
    Config {
        seed: Some(seed),
        chaos,
        ..config(Duration::ZERO, Duration::ZERO)
    }
}

/// A fault rate from its `--fault-rate` form.
fn fault_rate(spec: &str) -> FaultRate {
    spec.parse()
        .unwrap_or_else(|e| panic!("{spec:?} is valid: {e}"))
}

impl Emu {
    /// Arms one fault through the admin API; it must be accepted.
    async fn arm(&self, fault: Value) -> Value {
        let (status, armed) = self
            .admin(reqwest::Method::POST, "faults", Some(fault.clone()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{fault}: {armed}");
        armed
    }

    /// The request counters (`GET /_emulator/requests`).
    async fn counters(&self) -> Value {
        let (status, counts) = self.admin(reqwest::Method::GET, "requests", None).await;
        assert_eq!(status, StatusCode::OK, "{counts}");
        counts
    }

    /// The names of every cluster that really exists (`/_emulator/clusters`).
    async fn truth_names(&self) -> Vec<String> {
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
    async fn wait_counters(&self, done: impl Fn(&Value) -> bool) -> Value {
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
    async fn try_create(&self, http: &reqwest::Client, name: &str) -> Option<StatusCode> {
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
    async fn get_statuses(&self, n: usize) -> Vec<u16> {
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

#[test]
fn fault_rate_specs_parse_and_refuse_nonsense() {
    let rate = fault_rate("503=0.2,429=0.1");
    let entries: Vec<_> = rate
        .entries()
        .iter()
        .map(|e| (e.status, e.rate, e.retry_after))
        .collect();
    assert_eq!(entries, [(503, 0.2, None), (429, 0.1, Some(1))]);
    let entries: Vec<_> = fault_rate("429=0.1:2s, 500=0.3:5")
        .entries()
        .iter()
        .map(|e| (e.status, e.retry_after))
        .collect();
    assert_eq!(entries, [(429, Some(2)), (500, Some(5))]);
    assert!(
        "503=0.5,502=0.3,500=0.2".parse::<FaultRate>().is_ok(),
        "probabilities may add up to exactly 1"
    );

    for (bad, needle) in [
        ("", "empty"),
        ("503", "STATUS=PROBABILITY"),
        ("503=0.1,,429=0.1", "stray comma"),
        ("five=0.1", "not an HTTP status"),
        ("302=0.1", "400-599"),
        ("600=0.1", "400-599"),
        ("503=1.01", "not a probability"),
        ("503=-0.2", "not a probability"),
        ("503=often", "not a probability"),
        ("503=0.6,429=0.5", "add up to 1.1"),
        ("503=0.1,503=0.1", "given twice"),
        ("429=0.1:250ms", "whole seconds"),
    ] {
        let err = bad
            .parse::<FaultRate>()
            .expect_err(&format!("{bad:?} is refused"));
        assert!(
            err.to_string().contains(needle),
            "{bad:?}: {err} should mention {needle:?}"
        );
    }

    assert_eq!(emulator::parse_rate("0.25"), Ok(0.25));
    for bad in ["1.5", "-1", "half", ""] {
        let err = emulator::parse_rate(bad).expect_err(bad);
        assert!(err.to_string().contains("from 0 to 1"), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn fault_rate_lands_near_its_probability_and_a_seed_repeats_it() {
    const REQUESTS: usize = 400;
    let half = || Chaos {
        fault_rate: fault_rate("503=0.5"),
        ..Chaos::default()
    };
    let mut runs = Vec::new();
    for seed in [7, 7, 8] {
        let emu = Emu::start(chaotic(half(), seed)).await;
        let statuses = emu.get_statuses(REQUESTS).await;
        let counts = emu.counters().await;
        runs.push((statuses, counts));
    }
    let (first, counts) = &runs[0];
    assert!(
        first.iter().all(|s| *s == 200 || *s == 503),
        "only 200s and 503s: {first:?}"
    );
    let faults = first.iter().filter(|s| **s == 503).count();
    // Binomial(400, 0.5): mean 200, standard deviation 10; 140..=260 is six
    // deviations either side.
    assert!(
        (140..=260).contains(&faults),
        "{faults} of {REQUESTS} failed"
    );
    assert_eq!(counts["total"], REQUESTS);
    assert_eq!(counts["injected"], json!({"503": faults}), "{counts}");
    assert_eq!(counts["by_route"]["GET /tenants/current"], REQUESTS);
    assert_eq!(runs[1].0, *first, "the same seed, the same sequence");
    assert_ne!(runs[2].0, *first, "another seed, another sequence");
}

#[tokio::test]
async fn random_faults_answer_in_the_error_shape_with_retry_after() {
    let emu = Emu::start(chaotic(
        Chaos {
            fault_rate: fault_rate("429=1"),
            ..Chaos::default()
        },
        1,
    ))
    .await;
    let http = client();
    let answer = |path: &'static str| {
        let request = http.get(emu.url(path)).bearer_auth(TOKEN);
        async move {
            let response = request.send().await.expect("answer");
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body: Value = response.json().await.expect("error body");
            (status, retry_after, body)
        }
    };
    let (status, retry_after, body) = answer("tenants/current").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        retry_after.as_deref(),
        Some("1"),
        "a 429 carries Retry-After: 1"
    );
    assert_eq!(body["error"], "too_many_requests");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );

    // A create that gets a fault is not handled.
    let (status, _) = emu
        .post("kubernetes", cluster_body("faulted", "test"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(emu.truth_names().await.is_empty());

    for (fault_rate, expected_status, expected_retry) in [
        (
            json!({"429": {"rate": 1, "retry_after": 3}}),
            StatusCode::TOO_MANY_REQUESTS,
            Some("3"),
        ),
        (
            json!("503=1:2s"),
            StatusCode::SERVICE_UNAVAILABLE,
            Some("2"),
        ),
        (json!({"503": 1}), StatusCode::SERVICE_UNAVAILABLE, None),
    ] {
        emu.admin(reqwest::Method::DELETE, "faults", None).await;
        emu.arm(json!({"chaos": {"fault_rate": fault_rate.clone()}}))
            .await;
        let (status, retry_after, body) = answer("clouds").await;
        assert_eq!(status, expected_status, "{fault_rate}");
        assert_eq!(retry_after.as_deref(), expected_retry, "{fault_rate}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn latency_delays_every_api_answer_but_not_admin_calls() {
    let latency = Duration::from_millis(300);
    let emu = Emu::start(chaotic(
        Chaos {
            latency,
            ..Chaos::default()
        },
        1,
    ))
    .await;
    let sent = Instant::now();
    let (status, _) = emu.get("tenants/current").await;
    let took = sent.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(
        took >= latency,
        "answered after {took:?}, before {latency:?}"
    );
    let counts = emu.counters().await;
    assert_eq!(
        (counts["delayed"].clone(), counts["total"].clone()),
        (json!(1), json!(1))
    );

    // An admin rule adds ten minutes to the clouds: a client giving up after
    // a second gets no answer, while admin calls answer at once.
    emu.arm(json!({"chaos": {"latency_ms": 600_000}, "path_prefix": "/api/v2/clouds"}))
        .await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()
        .expect("client");
    let err = impatient
        .get(emu.url("clouds"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect_err("no answer within a second");
    assert!(err.is_timeout(), "{err:?}");
    let sent = Instant::now();
    let (status, armed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        sent.elapsed() < Duration::from_secs(60),
        "admin calls do not wait"
    );
    assert_eq!(armed["chaos"][1]["chaos"]["latency_ms"], 600_000, "{armed}");
    assert_eq!(armed["chaos"][0]["chaos"]["latency_ms"], 300, "{armed}");
}

#[tokio::test]
async fn a_lost_answer_still_creates_the_object() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let http = client();
    let create_rule = |mode: &str| json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "lose_response": mode, "count": 1});
    let armed = emu.arm(create_rule("504")).await;
    assert_eq!(armed["rules"][0]["lose_response"], "504", "{armed}");

    let response = http
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("lost", "test"))
        .send()
        .await
        .expect("a 504 is an answer");
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = response.json().await.expect("error body");
    assert_eq!(body["error"], "gateway_timeout", "{body}");
    assert_eq!(emu.truth_names().await, ["lost"], "created all the same");

    emu.arm(create_rule("drop")).await;
    assert_eq!(emu.try_create(&http, "lost").await, None, "no HTTP answer");
    assert_eq!(
        emu.truth_names().await,
        ["lost", "lost"],
        "created all the same; duplicate names are allowed"
    );
    assert_eq!(
        emu.try_create(&http, "lost").await,
        Some(StatusCode::CREATED),
        "the rules are used up"
    );
    let counts = emu.counters().await;
    assert_eq!(counts["lost"], json!({"504": 1, "drop": 1}), "{counts}");
    assert_eq!(counts["injected"], json!({}), "{counts}");
    assert_eq!(counts["total"], 3, "{counts}");
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_http_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let emu = Emu::start(config(BUSY, Duration::ZERO)).await;
    let id = emu.create_cluster(cluster_body("doomed", "test")).await;
    emu.arm(json!({"method": "DELETE", "lose_response": "drop"}))
        .await;

    let mut tcp = tokio::net::TcpStream::connect(emu.running.addr())
        .await
        .expect("connect");
    let request = format!(
        "DELETE /api/v2/kubernetes/{id} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n",
        emu.running.addr()
    );
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut received = Vec::new();
    let read = tokio::time::timeout(WAIT_LIMIT, tcp.read_to_end(&mut received))
        .await
        .expect("the connection is closed, not left open");
    // A close (EOF) or a reset, but not a byte of an answer.
    assert!(
        received.is_empty(),
        "no HTTP answer expected, got {:?} ({read:?})",
        String::from_utf8_lossy(&received)
    );

    let (_, truth) = emu
        .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
        .await;
    assert_eq!(
        truth["cluster"]["status"], "Deleting",
        "the delete was handled"
    );
    let (status, _) = emu.get(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::OK, "other connections are served");
}

#[tokio::test]
async fn random_lost_answers_hit_mutating_requests_both_ways() {
    const CREATES: usize = 12;
    let emu = Emu::start(chaotic(
        Chaos {
            lost_response_rate: 1.0,
            ..Chaos::default()
        },
        3,
    ))
    .await;
    assert_eq!(
        emu.get_statuses(3).await,
        [200, 200, 200],
        "GETs are never lost"
    );
    let http = client();
    let mut outcomes = Vec::new();
    for n in 0..CREATES {
        outcomes.push(emu.try_create(&http, &format!("chaos-{n}")).await);
    }
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, None | Some(StatusCode::GATEWAY_TIMEOUT))),
        "{outcomes:?}"
    );
    let dropped = outcomes.iter().filter(|o| o.is_none()).count();
    assert!(
        (1..CREATES).contains(&dropped),
        "both 504s and drops: {outcomes:?}"
    );
    assert_eq!(emu.truth_names().await.len(), CREATES, "all handled");
    let counts = emu.counters().await;
    assert_eq!(
        counts["lost"],
        json!({"504": CREATES - dropped, "drop": dropped}),
        "{counts}"
    );

    // A method filter applies the rate to that method, GETs included.
    emu.admin(reqwest::Method::DELETE, "faults", None).await;
    emu.arm(json!({"chaos": {"lost_response_rate": 1}, "method": "GET", "path_prefix": "/api/v2/tenants"}))
        .await;
    let lost = client()
        .get(emu.url("tenants/current"))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert!(
        lost.as_ref()
            .map_or(true, |r| r.status() == StatusCode::GATEWAY_TIMEOUT),
        "{lost:?}"
    );
    let (status, _) = emu.get("clouds").await;
    assert_eq!(status, StatusCode::OK, "outside the filter");
    assert_eq!(
        emu.try_create(&http, "calm").await,
        Some(StatusCode::CREATED),
        "the flags' chaos is disarmed too"
    );
}

#[tokio::test]
async fn a_hold_keeps_the_request_in_flight_then_handles_it() {
    let hold = Duration::from_secs(2);
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let armed = emu
        .arm(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "delay_ms": 2000, "count": 1}))
        .await;
    assert_eq!(armed["rules"][0]["delay_ms"], 2000, "{armed}");

    let http = client();
    let url = emu.url("kubernetes");
    let sent = Instant::now();
    let create = tokio::spawn(
        http.post(url)
            .bearer_auth(TOKEN)
            .json(&cluster_body("held", "test"))
            .send(),
    );
    emu.wait_counters(|c| c["holding"] == 1).await;
    let names = emu.truth_names().await;
    assert!(
        sent.elapsed() < hold,
        "this machine took the whole hold to look: cannot check the request is in flight"
    );
    assert!(names.is_empty(), "not handled while held: {names:?}");

    let response = create.await.expect("task").expect("answer");
    let took = sent.elapsed();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(took >= hold, "answered after {took:?}, held for {hold:?}");
    assert_eq!(emu.truth_names().await, ["held"]);
    let counts = emu.counters().await;
    assert_eq!(
        (counts["holding"].clone(), counts["delayed"].clone()),
        (json!(0), json!(1)),
        "{counts}"
    );

    let (status, _) = emu.post("kubernetes", cluster_body("free", "test")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(emu.counters().await["delayed"], 1, "the hold was used up");
}

#[tokio::test]
async fn a_held_request_is_handled_even_when_its_client_gives_up() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    emu.arm(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "delay_ms": 1500}))
        .await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let err = impatient
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("orphan", "test"))
        .send()
        .await
        .expect_err("held longer than the client waits");
    assert!(err.is_timeout(), "{err:?}");
    let start = Instant::now();
    while emu.truth_names().await.is_empty() {
        assert!(
            start.elapsed() < WAIT_LIMIT,
            "the held create never happened"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(emu.truth_names().await, ["orphan"]);
    emu.wait_counters(|c| c["holding"] == 0).await;
}

#[tokio::test]
async fn chaos_rules_follow_their_filters_and_disarm() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let armed = emu
        .arm(json!({"chaos": {"fault_rate": {"503": 1}}, "method": "post", "path_prefix": "/api/v2/kubernetes"}))
        .await;
    assert_eq!(
        armed["chaos"],
        json!([{"method": "POST", "path_prefix": "/api/v2/kubernetes", "chaos": {
            "latency_ms": 0, "fault_rate": {"503": {"rate": 1.0}}, "lost_response_rate": 0.0
        }}]),
        "{armed}"
    );
    let (status, _) = emu.post("kubernetes", cluster_body("no", "test")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = emu.get("kubernetes").await;
    assert_eq!(status, StatusCode::OK, "other methods pass");

    // A counted rule is used before the chaos draws.
    emu.arm(json!({"method": "POST", "status": 418, "count": 1}))
        .await;
    let (status, _) = emu.post("kubernetes", cluster_body("no", "test")).await;
    assert_eq!(status.as_u16(), 418);

    let (status, cleared) = emu.admin(reqwest::Method::DELETE, "faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cleared,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0})
    );
    let (status, _) = emu.post("kubernetes", cluster_body("yes", "test")).await;
    assert_eq!(status, StatusCode::CREATED);

    for (rule, fields) in [
        (json!({}), &["status"][..]),
        (json!({"chaos": {}}), &["chaos"][..]),
        (json!({"chaos": 5}), &["chaos"][..]),
        (
            json!({"chaos": {"latnecy_ms": 100}}),
            &["chaos", "chaos.latnecy_ms"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"503": 0.7, "502": 0.4}}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"200": 0.1}}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"abc": 0.1}}}),
            &["chaos.fault_rate.abc"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"503": 1.5}}}),
            &["chaos.fault_rate.503"][..],
        ),
        (
            json!({"chaos": {"fault_rate": "503=2"}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"fault_rate": 0.5}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"lost_response_rate": -0.5}}),
            &["chaos.lost_response_rate"][..],
        ),
        (
            json!({"chaos": {"latency_ms": -1}}),
            &["chaos.latency_ms"][..],
        ),
        (
            json!({"chaos": {"latency_ms": 10}, "count": 2}),
            &["count"][..],
        ),
        (
            json!({"chaos": {"latency_ms": 10}, "status": 503}),
            &["status"][..],
        ),
        (json!({"lose_response": "maybe"}), &["lose_response"][..]),
        (
            json!({"lose_response": "504", "status": 503}),
            &["status"][..],
        ),
        (json!({"delay_ms": 0}), &["delay_ms"][..]),
        (
            json!({"delay_ms": 100, "retry_after": 1}),
            &["retry_after"][..],
        ),
        (
            json!({"fail_next_cluster": true, "delay_ms": 100}),
            &["delay_ms"][..],
        ),
    ] {
        let (status, refused) = emu
            .admin(reqwest::Method::POST, "faults", Some(rule.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule}: {refused}"
        );
        assert_eq!(error_fields(&refused), fields, "{rule}: {refused}");
    }
    let (status, refused) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"chaos": {"fault_rate": {"503": 0.7, "502": 0.4}}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["errors"]["chaos.fault_rate"][0]
            .as_str()
            .is_some_and(|m| m.contains("add up to")),
        "{refused}"
    );
    let (_, armed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(
        armed,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0})
    );
}

#[tokio::test]
async fn chaos_counters_report_injected_lost_and_delayed_answers() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    for rule in [
        json!({"method": "GET", "path_prefix": "/api/v2/clouds", "body": [], "count": 1}),
        json!({"method": "GET", "path_prefix": "/api/v2/clouds", "status": 503, "count": 2}),
        json!({"method": "GET", "path_prefix": "/api/v2/tenants", "delay_ms": 50, "count": 1}),
        json!({"method": "POST", "lose_response": "504", "delay_ms": 50, "count": 1}),
    ] {
        emu.arm(rule).await;
    }
    for (path, expected) in [
        ("clouds", 200),
        ("clouds", 503),
        ("clouds", 503),
        ("clouds", 200),
        ("tenants/current", 200),
    ] {
        let (status, _) = emu.send_raw(reqwest::Method::GET, path, None).await;
        assert_eq!(status.as_u16(), expected, "{path}");
    }
    let (status, _) = emu.post("kubernetes", cluster_body("late", "test")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let expected = json!({
        "total": 6,
        "by_route": {"GET /clouds": 4, "GET /tenants/current": 1, "POST /kubernetes": 1},
        "injected": {"200": 1, "503": 2},
        "lost": {"504": 1, "drop": 0},
        "delayed": 2,
        "holding": 0
    });
    assert_eq!(emu.counters().await, expected);
    let (_, before) = emu.admin(reqwest::Method::DELETE, "requests", None).await;
    assert_eq!(before, expected, "a reset answers the old values");
    assert_eq!(
        emu.counters().await,
        json!({"total": 0, "by_route": {}, "injected": {}, "lost": {"504": 0, "drop": 0},
               "delayed": 0, "holding": 0})
    );
}

#[tokio::test]
async fn binary_takes_the_chaos_flags() {
    let profile = env_profile().as_str();
    let http = client();
    let latency = Duration::from_millis(200);
    let (_child, base) = start_binary(&[
        "--api-profile",
        profile,
        "--seed",
        "5",
        "--latency",
        "200ms",
        "--fault-rate",
        "503=1",
    ])
    .await;
    let root = base.trim_end_matches("/api/v2/").to_owned();
    let get = |url: String| {
        let request = http.get(url).bearer_auth(TOKEN);
        async move { request.send().await.expect("answer").status() }
    };
    let sent = Instant::now();
    assert_eq!(
        get(format!("{base}clouds")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(sent.elapsed() >= latency, "{:?}", sent.elapsed());
    let armed: Value = http
        .get(format!("{root}/_emulator/faults"))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert_eq!(
        armed["chaos"][0]["chaos"],
        json!({"latency_ms": 200, "fault_rate": {"503": {"rate": 1.0}}, "lost_response_rate": 0.0}),
        "{armed}"
    );
    let cleared = http
        .delete(format!("{root}/_emulator/faults"))
        .send()
        .await
        .expect("answer");
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(
        get(format!("{base}clouds")).await,
        StatusCode::OK,
        "disarmed"
    );

    let (_child, base) =
        start_binary(&["--api-profile", profile, "--lost-response-rate", "1"]).await;
    let lost = http
        .post(format!("{base}kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("flagged", "test"))
        .send()
        .await;
    assert!(
        lost.as_ref()
            .map_or(true, |r| r.status() == StatusCode::GATEWAY_TIMEOUT),
        "{lost:?}"
    );
    assert_eq!(get(format!("{base}clouds")).await, StatusCode::OK);

    for (bad, needle) in [
        (&["--fault-rate", "503=2"][..], "not a probability"),
        (&["--fault-rate", "200=0.1"][..], "400-599"),
        (&["--fault-rate", "503=0.6,429=0.5"][..], "add up to"),
        (&["--fault-rate", "503"][..], "STATUS=PROBABILITY"),
        (&["--lost-response-rate", "1.5"][..], "from 0 to 1"),
        (&["--latency", "soon"][..], "invalid duration"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
            .args(bad)
            .output()
            .expect("binary runs");
        assert!(!out.status.success(), "{bad:?} is refused");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(bad[0]) && stderr.contains(needle),
            "{bad:?}: {stderr}"
        );
    }
}
