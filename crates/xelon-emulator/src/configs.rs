//! Kubeconfig and talosconfig YAML for an emulated cluster.
//!
//! The kubeconfig carries real, parseable credentials, made once per cluster
//! ([`KubeCredentials`]): a self-signed ECDSA P-256 CA certificate, and a
//! client certificate signed by it with its private key, base64-encoded in
//! `certificate-authority-data`, `client-certificate-data` and
//! `client-key-data` as kubectl writes them. So a module can wire the
//! `kubernetes` and `helm` providers from them, and tests can check that the
//! certificate chains to the CA. Nothing listens at the `server` address,
//! though: nothing can connect to an emulated cluster.
//!
//! The talosconfig still carries base64 placeholders, not PEM material.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use super::model::Cluster;

/// The Kubernetes credentials of one emulated cluster, as PEM text: its CA
/// certificate, and the admin's client certificate (signed by that CA) and
/// private key (PKCS#8). Made by [`KubeCredentials::generate`]; never
/// printed (its `Debug` leaves the PEM out).
#[derive(Clone, PartialEq, Eq)]
pub struct KubeCredentials {
    /// The cluster CA's self-signed certificate.
    pub ca_certificate: String,
    /// The admin client certificate (`CN=admin, O=system:masters`), signed
    /// by the CA.
    pub client_certificate: String,
    /// The client certificate's private key, PKCS#8.
    pub client_key: String,
}

impl fmt::Debug for KubeCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KubeCredentials { .. }")
    }
}

impl KubeCredentials {
    /// Makes a new CA (ECDSA P-256, valid ten years) and an admin client
    /// certificate signed by it (ECDSA P-256, valid one year, client
    /// authentication only), like the admin kubeconfig of a Talos cluster;
    /// the CA names the cluster `cluster_id`. Fresh random keys every call.
    pub fn generate(cluster_id: &str) -> Result<Self, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let not_before = now - Duration::minutes(1);

        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut ca = CertificateParams::default();
        ca.distinguished_name.push(DnType::CommonName, "kubernetes");
        ca.distinguished_name.push(
            DnType::OrganizationName,
            format!("xelon-emulator {cluster_id}"),
        );
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        ca.not_before = not_before;
        ca.not_after = now + Duration::days(3650);
        let ca_certificate = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);

        let client_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut client = CertificateParams::default();
        client.distinguished_name.push(DnType::CommonName, "admin");
        client
            .distinguished_name
            .push(DnType::OrganizationName, "system:masters");
        client.is_ca = IsCa::ExplicitNoCa;
        client.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        client.use_authority_key_identifier_extension = true;
        client.not_before = not_before;
        client.not_after = now + Duration::days(365);
        let client_certificate = client.signed_by(&client_key, &issuer)?;

        Ok(Self {
            ca_certificate: ca_certificate.pem(),
            client_certificate: client_certificate.pem(),
            client_key: client_key.serialize_pem(),
        })
    }
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A base64 placeholder for a certificate or key (talosconfig only).
fn placeholder(what: &str, cluster: &Cluster) -> String {
    STANDARD.encode(format!(
        "-----BEGIN {what}-----\nEMULATED {what} FOR {} ({})\n-----END {what}-----\n",
        cluster.name, cluster.identifier
    ))
}

/// The admin kubeconfig of `cluster`, pointing at its load balancer
/// (`https://<address>:6443`) and carrying `credentials`.
pub fn kubeconfig(cluster: &Cluster, credentials: &KubeCredentials) -> String {
    let name = quoted(&cluster.name);
    let user = quoted(&format!("admin@{}", cluster.name));
    let server = format!("https://{}:6443", cluster.endpoint_ip());
    let ca = STANDARD.encode(&credentials.ca_certificate);
    let cert = STANDARD.encode(&credentials.client_certificate);
    let key = STANDARD.encode(&credentials.client_key);
    format!(
        "# kubeconfig for Xelon emulated cluster {id} (emulated credentials: nothing listens at the server)\n\
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::Config;
    use crate::model::Size;
    use crate::state::{NewCluster, State};
    use x509_parser::certificate::X509Certificate;
    use x509_parser::pem::parse_x509_pem;

    /// The DER of the one PEM certificate in `pem`.
    fn der_of(pem: &str) -> Vec<u8> {
        let (rest, block) = parse_x509_pem(pem.as_bytes()).expect("a PEM block");
        assert!(rest.iter().all(u8::is_ascii_whitespace), "one block only");
        assert_eq!(block.label, "CERTIFICATE");
        block.contents
    }

    fn certificate(der: &[u8]) -> X509Certificate<'_> {
        x509_parser::parse_x509_certificate(der)
            .expect("an X.509 certificate")
            .1
    }

    /// Fails unless `creds`' client certificate chains to its CA, the CA is
    /// a self-signed CA, and the key is the client certificate's.
    fn check(creds: &KubeCredentials) {
        let (ca_der, client_der) = (
            der_of(&creds.ca_certificate),
            der_of(&creds.client_certificate),
        );
        let (ca, client) = (certificate(&ca_der), certificate(&client_der));
        assert!(ca.is_ca() && !client.is_ca());
        ca.verify_signature(None).expect("a self-signed CA");
        client
            .verify_signature(Some(ca.public_key()))
            .expect("the client certificate is signed by the CA");
        assert_eq!(client.issuer(), ca.subject());
        assert!(ca.validity().is_valid() && client.validity().is_valid());
        assert!(key_matches(creds), "the key is the client certificate's");
    }

    /// True when the client key's public half is the client certificate's.
    fn key_matches(creds: &KubeCredentials) -> bool {
        let client_der = der_of(&creds.client_certificate);
        let key = KeyPair::from_pem(&creds.client_key).expect("a PKCS#8 key");
        key.public_key_raw()
            == certificate(&client_der)
                .public_key()
                .subject_public_key
                .data
                .as_ref()
    }

    #[test]
    fn credentials_chain_to_their_ca_and_the_key_matches() {
        let a = KubeCredentials::generate("k8s-a").expect("credentials");
        check(&a);
        let client_der = der_of(&a.client_certificate);
        let client = certificate(&client_der);
        assert_eq!(
            client.subject().to_string(),
            "CN=admin, O=system:masters",
            "kubectl's admin"
        );
        // The checks can fail: another cluster's CA did not sign it, and
        // another cluster's key is not its key.
        let b = KubeCredentials::generate("k8s-b").expect("credentials");
        check(&b);
        assert_ne!(a, b);
        let other_ca_der = der_of(&b.ca_certificate);
        assert!(
            client
                .verify_signature(Some(certificate(&other_ca_der).public_key()))
                .is_err()
        );
        let mixed = KubeCredentials {
            client_key: b.client_key.clone(),
            ..a.clone()
        };
        assert!(!key_matches(&mixed));
        // Debug never shows the material.
        assert_eq!(format!("{a:?}"), "KubeCredentials { .. }");
    }

    #[test]
    fn the_kubeconfig_parses_and_carries_the_clusters_credentials() {
        let now = Instant::now();
        let mut state = State::new(&Config::default());
        let size = Size {
            cpu: 2,
            ram: 4,
            disk: 50,
        };
        let id = state
            .create_cluster(
                NewCluster {
                    name: "yaml \"quoted\": name".into(),
                    tenant: "tenant-1".into(),
                    cloud: "cloud-1".into(),
                    k8s_version: "1.31.2".into(),
                    talos_version: "1.8.3".into(),
                    control_plane: size,
                    control_plane_ha: false,
                    load_balancer: size,
                    load_balancer_ha: false,
                    pools: Vec::new(),
                },
                now,
            )
            .identifier
            .clone();
        let creds = state.kube_credentials(&id).expect("credentials");
        // Made once: the same on every request.
        assert!(Arc::ptr_eq(
            &creds,
            &state.kube_credentials(&id).expect("credentials")
        ));
        assert!(state.kube_credentials("k8s-nope").is_err());
        let cluster = state.cluster(&id).expect("cluster");
        let text = kubeconfig(cluster, &creds);

        // Read as YAML on its own (not with the provider's parser).
        let doc: yaml_serde::Value = yaml_serde::from_str(&text).expect("YAML");
        let current = doc["current-context"].as_str().expect("current context");
        let context = doc["contexts"]
            .as_sequence()
            .and_then(|cs| cs.iter().find(|c| c["name"].as_str() == Some(current)))
            .expect("the current context")["context"]
            .clone();
        let named = |list: &str, name: &yaml_serde::Value, body: &str| {
            doc[list]
                .as_sequence()
                .and_then(|items| items.iter().find(|i| &i["name"] == name))
                .unwrap_or_else(|| panic!("{list} lacks the context's"))[body]
                .clone()
        };
        let kube_cluster = named("clusters", &context["cluster"], "cluster");
        let user = named("users", &context["user"], "user");
        assert_eq!(
            kube_cluster["server"].as_str(),
            Some("https://10.0.0.10:6443")
        );
        assert_eq!(context["cluster"].as_str(), Some("yaml \"quoted\": name"));
        let decoded = |v: &yaml_serde::Value| {
            String::from_utf8(
                STANDARD
                    .decode(v.as_str().expect("base64 text"))
                    .expect("base64"),
            )
            .expect("UTF-8")
        };
        let served = KubeCredentials {
            ca_certificate: decoded(&kube_cluster["certificate-authority-data"]),
            client_certificate: decoded(&user["client-certificate-data"]),
            client_key: decoded(&user["client-key-data"]),
        };
        assert_eq!(served, *creds);
        check(&served);
    }
}
