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
