//! The structured kubeconfig: the emulator serves real per-cluster
//! credentials, and the `xelon_kubernetes_kubeconfig` ephemeral resource and
//! the `xelon_kubernetes_cluster` data source hand out `host`,
//! `cluster_ca_certificate`, `client_certificate` and `client_key` equal to
//! what the served kubeconfig carries, with real Terraform.
//!
//! The kubeconfig is read here on its own (YAML and base64, not with the
//! provider's parser), and the certificates are checked with x509-parser:
//! the client certificate is signed by the CA, and the key is its key.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use support::{Emulator, Workspace};
use x509_parser::certificate::X509Certificate;
use x509_parser::pem::parse_x509_pem;

/// What a kubeconfig's current context says, read independently.
#[derive(Debug, Clone, PartialEq)]
struct Served {
    host: String,
    ca: String,
    cert: String,
    key: String,
}

/// The kubeconfig the emulator serves for cluster `id`, read by hand.
fn served(emu: &Emulator, id: &str) -> Served {
    let (status, text) = emu.api_text("GET", &format!("kubernetes/{id}/config/kube"));
    assert_eq!(status, 200, "{text}");
    let doc: yaml_serde::Value = yaml_serde::from_str(&text).expect("the kubeconfig is YAML");
    let current = doc["current-context"].as_str().expect("a current context");
    let by_name = |list: &str, name: &yaml_serde::Value| {
        doc[list]
            .as_sequence()
            .and_then(|items| items.iter().find(|i| &i["name"] == name))
            .unwrap_or_else(|| panic!("no such item in {list}"))
            .clone()
    };
    let context = by_name("contexts", &yaml_serde::Value::from(current))["context"].clone();
    let cluster = by_name("clusters", &context["cluster"])["cluster"].clone();
    let user = by_name("users", &context["user"])["user"].clone();
    let decode = |v: &yaml_serde::Value| {
        let bytes = STANDARD
            .decode(v.as_str().expect("base64 text"))
            .expect("valid base64");
        String::from_utf8(bytes).expect("PEM text")
    };
    Served {
        host: cluster["server"].as_str().expect("a server").to_owned(),
        ca: decode(&cluster["certificate-authority-data"]),
        cert: decode(&user["client-certificate-data"]),
        key: decode(&user["client-key-data"]),
    }
}

/// The DER of the one certificate in `pem`.
fn der_of(pem: &str) -> Vec<u8> {
    let (_, block) = parse_x509_pem(pem.as_bytes()).expect("a PEM block");
    assert_eq!(block.label, "CERTIFICATE");
    block.contents
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    x509_parser::parse_x509_certificate(der)
        .expect("an X.509 certificate")
        .1
}

/// Whether `cert` is signed by the CA certificate `ca`.
fn signed_by(cert: &str, ca: &str) -> bool {
    let (cert_der, ca_der) = (der_of(cert), der_of(ca));
    parse(&cert_der)
        .verify_signature(Some(parse(&ca_der).public_key()))
        .is_ok()
}

/// Whether `key` (PEM) is the private key of `cert`.
fn key_of(key: &str, cert: &str) -> bool {
    let key = rcgen::KeyPair::from_pem(key).expect("a PEM private key");
    let der = der_of(cert);
    key.public_key_raw() == parse(&der).public_key().subject_public_key.data.as_ref()
}

/// Fails unless `c` is a CA, a client certificate it signed, and that
/// certificate's key.
fn assert_chains(c: &Served) {
    let ca_der = der_of(&c.ca);
    let ca = parse(&ca_der);
    assert!(ca.is_ca(), "the CA certificate is a CA");
    ca.verify_signature(None).expect("the CA is self-signed");
    assert!(
        signed_by(&c.cert, &c.ca),
        "the CA signed the client certificate"
    );
    assert!(
        key_of(&c.key, &c.cert),
        "the key is the client certificate's"
    );
}

/// `terraform output -json`.
fn outputs(ws: &Workspace) -> Value {
    let run = ws.tf(&["output", "-json", "-no-color"]).ok();
    serde_json::from_str(&run.stdout).expect("outputs JSON")
}

#[test]
fn the_emulator_serves_real_credentials_per_cluster() {
    let emu = Emulator::start_with(&["--provision-delay", "0s", "--stale-reads", "2s"]);
    let a = emu.create_cluster("alpha", false, false);
    let b = emu.create_cluster("beta", false, false);
    let (first, second) = (served(&emu, &a), served(&emu, &b));
    assert_chains(&first);
    assert_chains(&second);
    assert!(first.host.starts_with("https://10.0.") && first.host.ends_with(":6443"));
    // The checks can fail: each cluster has its own CA and key.
    assert_ne!(first.ca, second.ca);
    assert!(!signed_by(&first.cert, &second.ca));
    assert!(!key_of(&second.key, &first.cert));
    // Made once: the same on every request, even while a change is pending
    // and reads show the cluster as it was.
    assert_eq!(served(&emu, &a), first);
    let (status, body) = emu.api("POST", &format!("kubernetes/{a}/upgrade"), None);
    assert!(status < 300, "{status} {body}");
    assert_eq!(served(&emu, &a), first);
}

/// A module that opens the ephemeral resource, checks its fields in
/// preconditions, and hands them to a local-exec provisioner, which writes
/// them to files for the test to read (ephemeral values go nowhere else).
const EPHEMERAL: &str = r#"
variable "cluster_id" {
  type = string
}

ephemeral "xelon_kubernetes_kubeconfig" "k" {
  kubernetes_cluster_id = var.cluster_id
}

locals {
  k = ephemeral.xelon_kubernetes_kubeconfig.k
}

resource "terraform_data" "wired" {
  lifecycle {
    precondition {
      condition     = startswith(local.k.host, "https://")
      error_message = "host is not an https URL"
    }
    precondition {
      condition     = startswith(local.k.cluster_ca_certificate, "-----BEGIN CERTIFICATE-----")
      error_message = "cluster_ca_certificate is not PEM"
    }
    precondition {
      condition     = startswith(local.k.client_certificate, "-----BEGIN CERTIFICATE-----")
      error_message = "client_certificate is not PEM"
    }
    precondition {
      condition     = strcontains(local.k.client_key, "PRIVATE KEY-----")
      error_message = "client_key is not PEM"
    }
    precondition {
      condition     = strcontains(local.k.kubeconfig_raw, base64encode(local.k.client_key))
      error_message = "client_key is not the raw kubeconfig's"
    }
  }

  provisioner "local-exec" {
    interpreter = ["bash", "-c"]
    command     = "printf %s \"$HOST\" > host.txt && printf %s \"$CA\" > ca.pem && printf %s \"$CERT\" > cert.pem && printf %s \"$KEY\" > key.pem"
    environment = {
      HOST = local.k.host
      CA   = local.k.cluster_ca_certificate
      CERT = local.k.client_certificate
      KEY  = local.k.client_key
    }
  }
}
"#;

#[test]
fn the_ephemeral_resource_yields_the_kubeconfigs_credentials() {
    let emu = Emulator::start_with(&["--provision-delay", "0s"]);
    let id = emu.create_cluster("wired", false, false);
    let expected = served(&emu, &id);

    let ws = Workspace::new(&emu);
    ws.config(EPHEMERAL);
    ws.write("terraform.tfvars", &format!("cluster_id = \"{id}\"\n"));
    ws.tf(&["init", "-no-color"]).ok();
    let applied = ws.apply();
    let got = Served {
        host: ws.read("host.txt"),
        ca: ws.read("ca.pem"),
        cert: ws.read("cert.pem"),
        key: ws.read("key.pem"),
    };
    assert_eq!(got, expected);
    assert_chains(&got);

    // Sensitive and ephemeral: in neither the output nor the state.
    let key_body = expected.key.lines().nth(1).expect("a key line");
    assert!(key_body.len() > 20, "{key_body}");
    assert!(!applied.all().contains(key_body), "{}", applied.all());
    let state = ws.read("terraform.tfstate");
    assert!(state.contains("terraform_data"), "{state}");
    for secret in [key_body, "PRIVATE KEY", "BEGIN CERTIFICATE"] {
        assert!(!state.contains(secret), "{secret} in the state");
    }

    // A kubeconfig that cannot be parsed is an error that quotes none of it,
    // in Terraform's output or in the provider's logs.
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({"method": "GET", "path_prefix": "/api/v2/kubernetes/", "path_suffix": "/config/kube",
                    "status": 200, "body": {"kind": "Config", "clusters": "SECRET-MARKER-d41d8"}, "count": 100})),
    );
    assert!(status < 300, "{status} {body}");
    let mut ws = ws;
    ws.set_env("TF_LOG_PROVIDER", "trace");
    let failed = ws.plan().fails_with(&[
        "Unable to parse the cluster's kubeconfig",
        "its `clusters` is not a list",
        &id,
    ]);
    assert!(
        failed.stderr.contains("tf_rpc=OpenEphemeralResource"),
        "no provider logs captured:\n{}",
        failed.stderr
    );
    assert!(!failed.all().contains("SECRET-MARKER"), "{}", failed.all());
}

#[test]
fn the_data_source_yields_the_kubeconfigs_credentials() {
    let emu = Emulator::start_with(&["--provision-delay", "0s"]);
    let id = emu.create_cluster("read", false, false);
    let expected = served(&emu, &id);

    let mut ws = Workspace::new(&emu);
    ws.config(&format!(
        r#"
data "xelon_kubernetes_cluster" "c" {{
  kubernetes_cluster_id = "{id}"
}}

# Not sensitive: an output needs no `sensitive = true`.
output "host" {{
  value = data.xelon_kubernetes_cluster.c.host
}}
"#
    ));
    ws.tf(&["init", "-no-color"]).ok();
    let applied = ws.apply();
    assert_eq!(outputs(&ws)["host"]["value"], expected.host.as_str());
    let entry = ws.resource_entry("data.xelon_kubernetes_cluster.c");
    let values = &entry["values"];
    let got = Served {
        host: values["host"].as_str().unwrap_or_default().to_owned(),
        ca: values["cluster_ca_certificate"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        cert: values["client_certificate"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        key: values["client_key"].as_str().unwrap_or_default().to_owned(),
    };
    assert_eq!(got, expected);
    assert_chains(&got);
    let sensitive = &entry["sensitive_values"];
    for attr in ["cluster_ca_certificate", "client_certificate", "client_key"] {
        assert_eq!(sensitive[attr], true, "{attr}: {entry}");
    }
    assert!(sensitive.get("host").is_none(), "{entry}");
    let key_body = expected.key.lines().nth(1).expect("a key line");
    assert!(!applied.all().contains(key_body), "{}", applied.all());

    // A kubeconfig that cannot be parsed: a warning, the four attributes
    // null, the raw kubeconfig as served.
    emu.admin(
        "POST",
        "faults",
        Some(json!({"method": "GET", "path_prefix": "/api/v2/kubernetes/", "path_suffix": "/config/kube",
                    "status": 200, "body": {"kind": "Config", "clusters": "SECRET-MARKER-d41d8"}, "count": 100})),
    );
    ws.set_env("TF_LOG_PROVIDER", "trace");
    let warned = ws
        .tf(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    let said = warned
        .all()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        said.contains("Warning: Unable to parse the cluster's kubeconfig")
            && said.contains("its `clusters` is not a list")
            && said.contains("They are null"),
        "{said}"
    );
    assert!(said.contains("reading cluster"), "no provider logs: {said}");
    assert!(!said.contains("SECRET-MARKER"), "{said}");
    let values = ws.resource("data.xelon_kubernetes_cluster.c");
    for attr in [
        "host",
        "cluster_ca_certificate",
        "client_certificate",
        "client_key",
    ] {
        assert!(values[attr].is_null(), "{attr}: {values}");
    }
    assert!(
        values["kubeconfig_raw"]
            .as_str()
            .is_some_and(|k| k.contains("SECRET-MARKER-d41d8")),
        "{values}"
    );
    assert_eq!(values["name"], "read");
}

#[test]
fn schemas_mark_the_credentials_sensitive_and_the_host_not() {
    let ws = Workspace::bare();
    ws.config("");
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let provider = &schema["provider_schemas"]["registry.terraform.io/xelon-ag/xelon"];
    for attrs in [
        &provider["ephemeral_resource_schemas"]["xelon_kubernetes_kubeconfig"]["block"]["attributes"],
        &provider["data_source_schemas"]["xelon_kubernetes_cluster"]["block"]["attributes"],
    ] {
        for name in [
            "host",
            "cluster_ca_certificate",
            "client_certificate",
            "client_key",
        ] {
            let attr = &attrs[name];
            assert_eq!(attr["type"], "string", "{name}: {attr}");
            assert_eq!(attr["computed"], true, "{name}: {attr}");
            assert_eq!(
                attr["sensitive"].as_bool().unwrap_or(false),
                name != "host",
                "{name}: {attr}"
            );
            let text = attr["description"].as_str().unwrap_or_default();
            assert!(
                text.contains("`kubernetes`") && text.contains("`helm`"),
                "{name}: {text}"
            );
        }
        // The attributes there before are still there.
        for name in ["kubernetes_cluster_id", "kubeconfig_raw", "talosconfig_raw"] {
            assert!(attrs.get(name).is_some(), "{name}");
        }
    }
}
