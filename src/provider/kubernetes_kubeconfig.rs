//! `xelon_kubernetes_kubeconfig`: an ephemeral resource (Terraform 1.10+)
//! that yields a cluster's kubeconfig and talosconfig for one run, without
//! ever writing them to state or plan files, and the kubeconfig's connection
//! settings (`host`, `cluster_ca_certificate`, `client_certificate`,
//! `client_key`) for the `kubernetes` and `helm` providers. A kubeconfig
//! that cannot be parsed is an error (whose text never quotes it): the
//! resource exists to configure those providers.

use async_trait::async_trait;

use crate::cty::{AttributePath, Value};
use crate::framework::validators::NotEmpty;
use crate::framework::{
    Attribute, Diagnostics, EphemeralResource, OpenRequest, OpenResponse, Schema,
};
use crate::xelon::Client;

use super::kubeconfig::{self, Connection};

/// The schema of the four connection attributes (shared with the
/// `xelon_kubernetes_cluster` data source), each described with `note`
/// appended.
pub(super) fn connection_attributes(note: &str) -> Vec<Attribute> {
    vec![
        Attribute::string("host")
            .computed()
            .description(format!("The URL of the cluster's Kubernetes API server (`https://<address>:6443`), from the kubeconfig's current context: the `host` of the `kubernetes` provider and of the `helm` provider's `kubernetes` block.{note}")),
        Attribute::string("cluster_ca_certificate")
            .computed()
            .sensitive()
            .description(format!("The PEM certificate of the cluster's certificate authority, decoded from the kubeconfig's `certificate-authority-data`: the `cluster_ca_certificate` of the `kubernetes` and `helm` providers. Sensitive.{note}")),
        Attribute::string("client_certificate")
            .computed()
            .sensitive()
            .description(format!("The PEM client certificate the kubeconfig authenticates with, decoded from its `client-certificate-data`: the `client_certificate` of the `kubernetes` and `helm` providers. Sensitive.{note}")),
        Attribute::string("client_key")
            .computed()
            .sensitive()
            .description(format!("The PEM private key of `client_certificate`, decoded from the kubeconfig's `client-key-data`: the `client_key` of the `kubernetes` and `helm` providers. Sensitive.{note}")),
    ]
}

/// The four connection attributes of `connection`, or nulls.
pub(super) fn connection_values(connection: Option<Connection>) -> [(&'static str, Value); 4] {
    match connection {
        Some(c) => [
            ("host", Value::String(c.host)),
            (
                "cluster_ca_certificate",
                Value::String(c.cluster_ca_certificate),
            ),
            ("client_certificate", Value::String(c.client_certificate)),
            ("client_key", Value::String(c.client_key)),
        ],
        None => [
            ("host", Value::Null),
            ("cluster_ca_certificate", Value::Null),
            ("client_certificate", Value::Null),
            ("client_key", Value::Null),
        ],
    }
}

/// The `xelon_kubernetes_kubeconfig` ephemeral resource.
pub struct KubernetesKubeconfig;

#[async_trait]
impl EphemeralResource<Client> for KubernetesKubeconfig {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_kubeconfig"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The kubeconfig and talosconfig of a Xelon Kubernetes cluster, and the kubeconfig's connection settings (`host`, `cluster_ca_certificate`, `client_certificate`, `client_key`), as an ephemeral resource: the `kubernetes` and `helm` provider blocks, other ephemeral resources and ephemeral outputs can use them, and they are never written to the state or to plan files. Needs Terraform 1.10 or later.",
            [
                Attribute::string("kubernetes_cluster_id")
                    .required()
                    .validate(NotEmpty)
                    .description("The ID of the Kubernetes cluster."),
                Attribute::string("kubeconfig_raw")
                    .computed()
                    .sensitive()
                    .description("The raw kubeconfig, for kubectl and compatible tools."),
                Attribute::string("talosconfig_raw")
                    .computed()
                    .sensitive()
                    .description("The raw talosconfig, for talosctl."),
            ]
            .into_iter()
            .chain(connection_attributes(
                " An error when the kubeconfig cannot be parsed.",
            ))
            .collect(),
        )
    }

    async fn open(&self, req: OpenRequest<'_, Client>) -> OpenResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        let id = req
            .config
            .get_attr("kubernetes_cluster_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let configs = async {
            let kube = client.kubeconfig(id).await?;
            let talos = client.talosconfig(id).await?;
            Ok::<_, crate::xelon::Error>((kube, talos))
        };
        match configs.await {
            Ok((kube, talos)) => match kubeconfig::parse(&kube) {
                Ok(connection) => OpenResponse {
                    result: Value::object(
                        [
                            ("kubernetes_cluster_id", Value::string(id)),
                            ("kubeconfig_raw", Value::String(kube)),
                            ("talosconfig_raw", Value::String(talos)),
                        ]
                        .into_iter()
                        .chain(connection_values(Some(connection))),
                    ),
                    diagnostics: Diagnostics::new(),
                },
                Err(e) => {
                    let mut diagnostics = Diagnostics::new();
                    diagnostics.error(
                        kubeconfig::PARSE_FAILURE,
                        format!("Cluster {id:?}: {}", e.detail()),
                    );
                    OpenResponse {
                        result: Value::Null,
                        diagnostics,
                    }
                }
            },
            Err(e) => {
                let mut diagnostics = Diagnostics::new();
                if e.is_not_found() {
                    diagnostics.attribute_error(
                        AttributePath::attr("kubernetes_cluster_id"),
                        "Kubernetes cluster not found",
                        format!("The Xelon API knows no cluster {id:?}."),
                    );
                } else {
                    diagnostics.error(
                        "Unable to read the cluster's configuration files",
                        e.to_string(),
                    );
                }
                OpenResponse {
                    result: Value::Null,
                    diagnostics,
                }
            }
        }
    }
}
