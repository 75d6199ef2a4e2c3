//! The go-plugin contract of the built binary: what Terraform (or a person)
//! sees when starting it, the handshake line, the health and controller
//! services, and debug mode with real Terraform attaching through
//! `TF_REATTACH_PROVIDERS`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use support::{Emulator, Workspace};

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-xelon");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn provider(envs: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(BINARY);
    cmd.args(args)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("PLUGIN_PROTOCOL_VERSIONS")
        .envs(envs.iter().copied())
        .stdin(Stdio::null());
    cmd
}

/// Starts the provider as Terraform would and returns it with its handshake line.
fn start(envs: &[(&str, &str)]) -> (Child, String) {
    let mut all = vec![
        ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
        ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
    ];
    all.extend_from_slice(envs);
    let mut child = provider(&all, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake line");
    (child, line.trim().to_string())
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn run_by_hand_it_explains_itself() {
    let out = provider(&[], &[]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
    assert!(stderr.contains("dev_overrides"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn refuses_when_protocol_6_is_not_offered() {
    let out = provider(
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ],
        &[],
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("speaks only version 6"), "{stderr}");
    assert!(out.stdout.is_empty(), "no handshake line may be printed");
}

#[test]
fn automtls_handshake_line_carries_our_certificate() {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let (mut child, line) = start(&[("PLUGIN_CLIENT_CERT", &cert.pem())]);
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], ["1", "6", "tcp"]);
    assert!(fields[3].starts_with("127.0.0.1:"));
    assert_eq!(fields[4], "grpc");
    assert!(!fields[5].ends_with('='), "base64 without padding: {line}");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("base64 of the server certificate");
    // A DER certificate (SEQUENCE) naming localhost.
    assert_eq!(der[0], 0x30);
    assert!(der.windows(9).any(|w| w == b"localhost"));
    child.kill().ok();
    child.wait().ok();
}

#[tokio::test]
async fn health_and_graceful_shutdown() {
    let (mut child, line) = start(&[("PLUGIN_MIN_PORT", "21000"), ("PLUGIN_MAX_PORT", "21999")]);
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(
        fields.len(),
        5,
        "plain TCP without PLUGIN_CLIENT_CERT: {line}"
    );
    let addr = fields[3];
    let port: u16 = addr
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert!((21000..=21999).contains(&port), "{addr}");

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // go-plugin's GRPCController.Shutdown ends the process cleanly.
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let path = http::uri::PathAndQuery::from_static("/plugin.GRPCController/Shutdown");
    grpc.unary(
        tonic::Request::new(()),
        path,
        tonic_prost::ProstCodec::<(), ()>::default(),
    )
    .await
    .expect("Shutdown");
    drop(grpc);
    drop(health);
    let status =
        wait_exit(&mut child, Duration::from_secs(10)).expect("the provider exits after Shutdown");
    assert!(status.success(), "{status}");
}

#[test]
fn debug_mode_serves_terraform_through_reattach() {
    let mut child = provider(&[], &["--debug"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start --debug");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if let Some(v) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS=") {
            reattach = Some(v.trim_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.expect("a TF_REATTACH_PROVIDERS line");
    let json: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    assert_eq!(
        json["registry.terraform.io/xelon-ag/xelon"]["ProtocolVersion"],
        6
    );

    // The provider runs outside Terraform: its settings come from the provider block.
    let emu = Emulator::start();
    let mut ws = Workspace::bare();
    ws.set_env("TF_REATTACH_PROVIDERS", &reattach);
    ws.config(&format!(
        "provider \"xelon\" {{\n  base_url = \"{}\"\n  token    = \"debug\"\n}}\n\ndata \"xelon_kubernetes_cluster_versions\" \"v\" {{\n  cloud_id = \"cloud-1\"\n}}\n\noutput \"latest\" {{\n  value = data.xelon_kubernetes_cluster_versions.v.latest.talos_version\n}}\n",
        emu.base_url
    ));
    let run = ws.tf(&["apply", "-auto-approve", "-no-color"]).ok();
    assert!(run.stdout.contains("latest = \"1.9.1\""), "{}", run.stdout);
    // Terraform does not stop a provider it attached to; it is still serving.
    assert!(child.try_wait().expect("try_wait").is_none());
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn logs_reach_terraform_at_their_level_without_secrets() {
    let emu = Emulator::start();
    let mut ws = Workspace::new(&emu);
    let log = ws.path().join("terraform.log");
    ws.set_env("TF_LOG_PROVIDER", "TRACE");
    ws.set_env("TF_LOG_PATH", log.to_str().expect("utf-8 path"));
    ws.set_env("XELON_TOKEN", "super-secret-token-value");
    ws.config("data \"xelon_kubernetes_cluster_versions\" \"v\" {\n  cloud_id = \"cloud-1\"\n}\n");
    ws.tf(&["apply", "-auto-approve", "-no-color"]).ok();
    let text = std::fs::read_to_string(&log).expect("terraform log");
    // Parsed as hclog JSON: re-logged at its own level under the plugin's name.
    assert!(
        text.lines().any(|l| l.contains(
            "[INFO]  provider.terraform-provider-xelon: serving the Terraform plugin protocol v6"
        )),
        "no INFO line from the provider in:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("[DEBUG] provider.terraform-provider-xelon:") && l.contains("GET")),
        "no DEBUG request line from the provider"
    );
    assert!(
        !text.contains("super-secret-token-value"),
        "the token leaked into the trace log"
    );
}

// ---- exiting when Terraform dies ----------------------------------------

/// Whether process `pid` is running: it exists in `/proc` and is not a
/// zombie (an exited process nobody reaped yet, as happens to orphans in
/// containers whose init does not reap).
#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "pid (comm) S ...": the state follows the last ')'.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, None | Some("Z" | "X" | "x"))
}

/// Polls until `pid` is no longer running; how long that took, or `None`
/// if it still ran after `within`.
#[cfg(target_os = "linux")]
fn gone_within(pid: u32, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    while running(pid) {
        if started.elapsed() > within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Some(started.elapsed())
}

/// Kills a process that is not our child (an orphaned provider) on drop,
/// so that a failing test leaves nothing behind.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

/// Whether the provider at `addr` (plain TCP) answers its health check.
async fn healthy(addr: &str) -> bool {
    let Ok(channel) = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
    else {
        return false;
    };
    let status = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await;
    matches!(status, Ok(r) if r.get_ref().status
        == tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
}

/// Starts `sh -c 'provider ARGS & echo "pid $!"; wait'` (an intermediate
/// parent, standing in for Terraform) with Terraform's environment; returns
/// the shell, the provider's PID, the line that matched `wanted` and the
/// shell's (and so the provider's) stdout for more lines.
#[cfg(target_os = "linux")]
fn start_under_shell(
    args: &str,
    wanted: impl Fn(&str) -> bool,
) -> (Child, u32, String, BufReader<std::process::ChildStdout>) {
    let mut sh = Command::new("sh")
        .args([
            "-c",
            &format!("\"$0\" {args} & echo \"pid $!\"; wait"),
            BINARY,
        ])
        .env_remove("PLUGIN_CLIENT_CERT")
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("TF_LOG_PROVIDER", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sh");
    let mut out = BufReader::new(sh.stdout.take().expect("stdout"));
    let (mut pid, mut found) = (None, None);
    while pid.is_none() || found.is_none() {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "stdout ended before the provider's PID and handshake"
        );
        let line = line.trim();
        if let Some(p) = line.strip_prefix("pid ") {
            pid = Some(p.parse::<u32>().expect("pid"));
        } else if wanted(line) {
            found = Some(line.to_owned());
        }
    }
    (sh, pid.expect("pid"), found.expect("line"), out)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn exits_by_itself_soon_after_its_parent_is_killed() {
    let (mut sh, pid, handshake, _out) = start_under_shell("", |l| l.starts_with("1|6|tcp|"));
    let _cleanup = KillOnDrop(pid);
    let mut stderr = sh.stderr.take().expect("stderr");
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).ok();
        text
    });
    let addr = handshake.split('|').nth(3).expect("address").to_owned();

    // Serving while the parent lives, and still there right before it dies.
    assert!(healthy(&addr).await, "the provider does not answer");
    assert!(running(pid), "the provider exited before its parent died");
    sh.kill().expect("kill -9 the parent");
    sh.wait().expect("reap the parent");
    let took = gone_within(pid, Duration::from_secs(2))
        .expect("the provider still runs 2s after its parent was killed");
    eprintln!("the provider exited {took:?} after its parent was killed");

    // It said why, at warn, as an hclog JSON line.
    let logs = logs.join().expect("stderr reader");
    let warned = logs.lines().any(|l| {
        serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| {
            v["@level"] == "warn"
                && v["@message"]
                    .as_str()
                    .is_some_and(|m| m.contains("(Terraform) is gone"))
        })
    });
    assert!(warned, "no warn line about the parent in:\n{logs}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn keeps_serving_while_its_parent_lives_even_when_the_spawning_thread_ends() {
    // Go's runtime ends OS threads at will: the thread that started the
    // provider may be gone while Terraform lives on. That must not count.
    let spawner =
        std::thread::spawn(|| start(&[("PLUGIN_MIN_PORT", "22000"), ("PLUGIN_MAX_PORT", "22999")]));
    let (mut child, line) = spawner.join().expect("spawning thread");
    let addr = line.split('|').nth(3).expect("address").to_owned();
    let watched = Instant::now();
    while watched.elapsed() < Duration::from_millis(1500) {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "the provider exited after {:?} while its parent lives",
            watched.elapsed()
        );
        assert!(healthy(&addr).await, "the provider stopped answering");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn debug_mode_outlives_the_shell_that_started_it() {
    // `--debug` is started by a person; Terraform attaches from elsewhere.
    // Its life is its user's (Ctrl-C, SIGTERM), not the starting shell's.
    let (mut sh, pid, reattach, _out) =
        start_under_shell("--debug", |l| l.starts_with("TF_REATTACH_PROVIDERS="));
    let _cleanup = KillOnDrop(pid);
    let json: serde_json::Value = serde_json::from_str(
        reattach
            .trim_start_matches("TF_REATTACH_PROVIDERS=")
            .trim_matches('\''),
    )
    .expect("reattach JSON");
    let addr = json["registry.terraform.io/xelon-ag/xelon"]["Addr"]["String"]
        .as_str()
        .expect("address")
        .to_owned();
    sh.kill().expect("kill -9 the shell");
    sh.wait().expect("reap the shell");
    let watched = Instant::now();
    while watched.elapsed() < Duration::from_millis(1500) {
        assert!(
            running(pid),
            "the debug provider exited with the shell that started it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(healthy(&addr).await, "the debug provider stopped answering");
}

/// The PIDs of the running processes whose parent is `parent` and whose
/// executable is the provider.
#[cfg(target_os = "linux")]
fn provider_children(parent: u32) -> Vec<u32> {
    let binary = std::fs::canonicalize(BINARY).expect("provider path");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            ppid == Some(parent)
                && running(pid)
                && std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn terraform_killed_mid_apply_leaves_no_provider_behind() {
    // Clusters stay Provisioning for a minute: the create is in flight,
    // polling, when Terraform dies.
    let emu = Emulator::start_with(&["--provision-delay", "60s", "--node-delay", "1s"]);
    let ws = Workspace::new(&emu);
    ws.config(
        "resource \"xelon_kubernetes_cluster\" \"x\" {\n  cloud_id           = \"cloud-1\"\n  tenant_id          = \"tenant-1\"\n  name               = \"orphan\"\n  talos_version      = \"1.8.3\"\n  kubernetes_version = \"1.31.2\"\n}\n",
    );
    let mut terraform = Command::new(support::terraform())
        .args(["apply", "-auto-approve", "-no-color"])
        .current_dir(ws.path())
        // Workspace::bare writes the dev_overrides CLI config here.
        .env("TF_CLI_CONFIG_FILE", ws.path().join("terraformrc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .env("XELON_BASE_URL", &emu.base_url)
        .env("XELON_TOKEN", "test-token")
        .env_remove("TF_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start terraform");
    let tf_pid = terraform.id();

    // Wait until the provider polls the new cluster: ApplyResourceChange is in flight.
    let polls = || {
        let (_, log) = emu.admin("GET", "requests", None);
        log["by_route"]["GET /kubernetes/{id}"]
            .as_u64()
            .unwrap_or(0)
    };
    support::wait_until(|| {
        assert!(
            terraform.try_wait().expect("try_wait").is_none(),
            "terraform ended before the create was in flight"
        );
        polls() > 0
    });
    let providers = provider_children(tf_pid);
    assert!(!providers.is_empty(), "no provider process under terraform");
    let _cleanup: Vec<KillOnDrop> = providers.iter().copied().map(KillOnDrop).collect();

    terraform.kill().expect("kill -9 terraform");
    terraform.wait().expect("reap terraform");
    for pid in providers {
        let took = gone_within(pid, Duration::from_secs(2))
            .expect("the provider still runs 2s after Terraform was killed");
        eprintln!("provider {pid} exited {took:?} after Terraform was killed mid-apply");
    }
    // Nobody polls the cluster any more: watched for longer than the
    // provider's 2 s poll interval, so a poller that survived would show.
    let after = polls();
    let quiet = Instant::now();
    while quiet.elapsed() < Duration::from_millis(2500) {
        assert_eq!(polls(), after, "the cluster is still being polled");
        std::thread::sleep(Duration::from_millis(100));
    }
}
