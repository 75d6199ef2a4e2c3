//! `xelon_kubernetes_kubeconfig`: an ephemeral resource (Terraform 1.10+)
//! that yields a cluster's kubeconfig and talosconfig for one run, without
//! ever writing them to state or plan files, and the kubeconfig's connection
//! settings (`host`, `cluster_ca_certificate`, `client_certificate`,
//! `client_key`) for the `kubernetes` and `helm` providers. A kubeconfig
//! that cannot be parsed is an error (whose text never quotes it): the
//! resource exists to configure those providers.

use std::sync::OnceLock;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::cty::{Type, Value};
use crate::framework::model;
use crate::framework::validators::NotEmpty;
use crate::framework::{
    Attribute, Diagnostics, EphemeralResource, OpenRequest, OpenResponse, Schema,
};
use crate::xelon::Client;

use super::errors::Failure;
use super::kubeconfig::{self, connection_attributes};

/// The ephemeral resource's model: its configuration, and what it opens.
#[derive(Debug, Default, Serialize, Deserialize)]
struct KubeconfigModel {
    kubernetes_cluster_id: String,
    kubeconfig_raw: Option<String>,
    talosconfig_raw: Option<String>,
    host: Option<String>,
    cluster_ca_certificate: Option<String>,
    client_certificate: Option<String>,
    client_key: Option<String>,
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

    fn check_model(&self) -> Vec<String> {
        model::check_model::<KubeconfigModel>(&self.schema())
    }

    async fn open(&self, req: OpenRequest<'_, Client>) -> OpenResponse {
        self.open_configs(req).await.into()
    }
}

impl KubernetesKubeconfig {
    async fn open_configs(&self, req: OpenRequest<'_, Client>) -> Result<Value, Diagnostics> {
        let config: KubeconfigModel = model::read(req.config, "Invalid configuration")?;
        let client = req.client.with_cancel(req.cancel.clone());
        let id = config.kubernetes_cluster_id.as_str();
        let failure = |e: crate::xelon::Error| {
            Failure::new(
                "Unable to read the Kubernetes cluster's configuration files",
                &e,
            )
            .not_found_at(
                "kubernetes_cluster_id",
                format!("The Xelon API knows no cluster {id:?}."),
            )
            .diagnostics()
        };
        let kube = client.kubeconfig(id).await.map_err(failure)?;
        let talos = client.talosconfig(id).await.map_err(failure)?;
        let connection = kubeconfig::parse(&kube).map_err(|e| {
            let mut d = Diagnostics::new();
            d.error(
                kubeconfig::PARSE_FAILURE,
                format!("Cluster {id:?}: {}", e.detail()),
            );
            d
        })?;
        let opened = KubeconfigModel {
            kubernetes_cluster_id: id.to_owned(),
            kubeconfig_raw: Some(kube),
            talosconfig_raw: Some(talos),
            host: Some(connection.host),
            cluster_ca_certificate: Some(connection.cluster_ca_certificate),
            client_certificate: Some(connection.client_certificate),
            client_key: Some(connection.client_key),
        };
        static TYPE: OnceLock<Type> = OnceLock::new();
        model::write(&opened, TYPE.get_or_init(|| self.schema().ty()))
    }
}
