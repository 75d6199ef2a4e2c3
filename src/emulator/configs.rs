//! Plausible kubeconfig and talosconfig YAML for an emulated cluster.
//!
//! The certificates and keys are base64 placeholders, not real PEM material:
//! nothing can connect to an emulated cluster.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::model::Cluster;

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A base64 placeholder for a certificate or key.
fn placeholder(what: &str, cluster: &Cluster) -> String {
    STANDARD.encode(format!(
        "-----BEGIN {what}-----\nEMULATED {what} FOR {} ({})\n-----END {what}-----\n",
        cluster.name, cluster.identifier
    ))
}

/// The admin kubeconfig of `cluster`, pointing at its load balancer.
pub fn kubeconfig(cluster: &Cluster) -> String {
    let name = quoted(&cluster.name);
    let user = quoted(&format!("admin@{}", cluster.name));
    let server = format!("https://{}:6443", cluster.endpoint_ip());
    let ca = placeholder("CERTIFICATE", cluster);
    let cert = placeholder("CERTIFICATE", cluster);
    let key = placeholder("EC PRIVATE KEY", cluster);
    format!(
        "# kubeconfig for Xelon emulated cluster {id} (placeholder credentials)\n\
         apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {name}\n  \
           cluster:\n    \
             server: {server}\n    \
             certificate-authority-data: {ca}\n\
         users:\n\
         - name: {user}\n  \
           user:\n    \
             client-certificate-data: {cert}\n    \
             client-key-data: {key}\n\
         contexts:\n\
         - name: {user}\n  \
           context:\n    \
             cluster: {name}\n    \
             namespace: default\n    \
             user: {user}\n\
         current-context: {user}\n\
         preferences: {{}}\n",
        id = cluster.identifier,
    )
}

/// The talosconfig of `cluster`, listing its control-plane nodes.
pub fn talosconfig(cluster: &Cluster) -> String {
    let name = quoted(&cluster.name);
    let endpoint = cluster.endpoint_ip();
    let nodes: String = (0..cluster.control_plane_nodes.len())
        .map(|i| format!("      - 10.0.{}.{}\n", cluster.network, 20 + i))
        .collect();
    let ca = placeholder("CERTIFICATE", cluster);
    let crt = placeholder("CERTIFICATE", cluster);
    let key = placeholder("ED25519 PRIVATE KEY", cluster);
    format!(
        "# talosconfig for Xelon emulated cluster {id} (placeholder credentials)\n\
         context: {name}\n\
         contexts:\n  \
           {name}:\n    \
             endpoints:\n      \
               - {endpoint}\n    \
             nodes:\n\
         {nodes}    \
             ca: {ca}\n    \
             crt: {crt}\n    \
             key: {key}\n",
        id = cluster.identifier,
    )
}
