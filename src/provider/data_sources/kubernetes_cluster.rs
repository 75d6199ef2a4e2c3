//! `xelon_kubernetes_cluster` (data source): an existing Xelon Kubernetes
//! (XKS) cluster, looked up by ID, with its kubeconfig and talosconfig.
//!
//! `kubeconfig_raw`, `talosconfig_raw` and `kubernetes_cluster_id` are named
//! as in Xelon's Go provider; the other attributes are additions. The two
//! config files are secrets: they are sensitive in the schema and never
//! appear in diagnostics or log lines (errors only carry the API's status
//! and message, which describe the request, not the answer body).
//!
//! `host`, `cluster_ca_certificate`, `client_certificate` and `client_key`
//! are parsed out of the kubeconfig (see [`super::super::kubeconfig`]). A
//! kubeconfig that cannot be read at all fails the read, as it always has;
//! one that is read but cannot be parsed is a warning, and those four
//! attributes are null. Not an error, because this data source is also a
//! drop-in for Xelon's Go provider, whose users read `kubeconfig_raw`,
//! the name or the status: a kubeconfig shape this parser does not know
//! (a token or exec plugin instead of a client certificate, say) must not
//! break them. The ephemeral resource, whose purpose is the provider wiring,
//! makes it an error.

use std::sync::OnceLock;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::cty::{Type, Value};
use crate::framework::model;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::xelon::Client;

use super::super::kubeconfig::{self, connection_attributes};
use super::common::api_failure;

/// The data source's model: its configuration, and what it reads.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ClusterDataModel {
    cloud_id: Option<String>,
    health: Option<String>,
    id: Option<String>,
    kubeconfig_raw: Option<String>,
    kubernetes_cluster_id: String,
    kubernetes_version: Option<String>,
    name: Option<String>,
    status: Option<String>,
    talos_version: Option<String>,
    talosconfig_raw: Option<String>,
    host: Option<String>,
    cluster_ca_certificate: Option<String>,
    client_certificate: Option<String>,
    client_key: Option<String>,
}

/// The `xelon_kubernetes_cluster` data source.
pub struct KubernetesClusterDataSource;

#[async_trait]
impl DataSource<Client> for KubernetesClusterDataSource {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_cluster"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "An existing Xelon Kubernetes (XKS) cluster, looked up by ID: its name, state, versions, the kubeconfig and talosconfig to reach it, and the kubeconfig's connection settings (`host`, `cluster_ca_certificate`, `client_certificate`, `client_key`) to configure the `kubernetes` and `helm` providers. The config files and credentials are stored in the Terraform state (sensitive, but in clear text there); the `xelon_kubernetes_kubeconfig` ephemeral resource gives the same without storing them.",
            [
                Attribute::string("cloud_id")
                    .computed()
                    .description("The ID of the cloud the cluster runs in. Null when the API does not say."),
                Attribute::string("health")
                    .computed()
                    .description("The health of the control plane as the API reports it: `healthy` once it answers. Null before the first check."),
                Attribute::string("id")
                    .computed()
                    .description("The ID of the cluster: the same as `kubernetes_cluster_id`."),
                Attribute::string("kubeconfig_raw")
                    .computed()
                    .sensitive()
                    .description("The raw kubeconfig of the cluster, for [kubectl](https://kubernetes.io/docs/reference/kubectl/) and compatible tools. Sensitive."),
                Attribute::string("kubernetes_cluster_id")
                    .required()
                    .validate(NotEmpty)
                    .description("The ID of the Kubernetes cluster to read, e.g. the `id` of a `xelon_kubernetes_cluster` resource."),
                Attribute::string("kubernetes_version")
                    .computed()
                    .description("The Kubernetes version the cluster runs. Null when the API does not report it."),
                Attribute::string("name")
                    .computed()
                    .description("The name of the cluster."),
                Attribute::string("status")
                    .computed()
                    .description("The provisioning status: `Ready` once provisioned; `Deleting` or `Error` otherwise; other values while provisioning or updating."),
                Attribute::string("talos_version")
                    .computed()
                    .description("The Talos Linux version of the cluster's nodes. Null when the API does not report it."),
                Attribute::string("talosconfig_raw")
                    .computed()
                    .sensitive()
                    .description("The raw talosconfig of the cluster, for [talosctl](https://www.talos.dev/latest/reference/cli/). Sensitive."),
            ]
            .into_iter()
            .chain(connection_attributes(" Null, with a warning, when the kubeconfig cannot be parsed."))
            .collect(),
        )
    }

    fn check_model(&self) -> Vec<String> {
        model::check_model::<ClusterDataModel>(&self.schema())
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        self.read_cluster(req).await.into()
    }
}

impl KubernetesClusterDataSource {
    async fn read_cluster(
        &self,
        req: DataReadRequest<'_, Client>,
    ) -> Result<(Value, Diagnostics), Diagnostics> {
        const ID: &str = "kubernetes_cluster_id";
        let config: ClusterDataModel = model::read(req.config, "Invalid configuration")?;
        let id = config.kubernetes_cluster_id;
        let client = req.client.with_cancel(req.cancel.clone());
        let failure = |summary: &'static str| {
            let id = &id;
            move |e: crate::xelon::Error| {
                api_failure(summary, &e, ID, || {
                    format!(
                        "The Xelon API knows no Kubernetes cluster {id:?}: check `{ID}` (the cluster may have been deleted)."
                    )
                })
            }
        };
        tracing::debug!(cluster_id = %id, "reading cluster");
        let cluster = client
            .get_cluster(&id)
            .await
            .map_err(failure("Unable to read the Kubernetes cluster"))?;
        // The secrets: only ever moved into the state, never formatted.
        let kubeconfig = client
            .kubeconfig(&id)
            .await
            .map_err(failure("Unable to read the cluster's kubeconfig"))?;
        let talosconfig = client
            .talosconfig(&id)
            .await
            .map_err(failure("Unable to read the cluster's talosconfig"))?;
        let mut diagnostics = Diagnostics::new();
        let connection = match kubeconfig::parse(&kubeconfig) {
            Ok(c) => Some(c),
            Err(e) => {
                diagnostics.warning(
                    kubeconfig::PARSE_FAILURE,
                    format!(
                        "Cluster {id:?}: {} They are null; `kubeconfig_raw` and the other attributes are read as usual.",
                        e.detail()
                    ),
                );
                None
            }
        };
        tracing::debug!(cluster_id = %id, status = %cluster.status, "read cluster and its config files");
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let (host, cluster_ca_certificate, client_certificate, client_key) = match connection {
            Some(c) => (
                Some(c.host),
                Some(c.cluster_ca_certificate),
                Some(c.client_certificate),
                Some(c.client_key),
            ),
            None => (None, None, None, None),
        };
        let state = ClusterDataModel {
            cloud_id: cluster
                .cloud
                .as_ref()
                .and_then(|c| non_empty(&c.identifier)),
            health: non_empty(cluster.health()),
            id: Some(id.clone()),
            kubeconfig_raw: Some(kubeconfig),
            kubernetes_version: cluster.k8s_version.as_deref().and_then(non_empty),
            name: Some(cluster.name.clone()),
            status: Some(cluster.status.clone()),
            talos_version: cluster.talos_version.as_deref().and_then(non_empty),
            talosconfig_raw: Some(talosconfig),
            host,
            cluster_ca_certificate,
            client_certificate,
            client_key,
            kubernetes_cluster_id: id,
        };
        static TYPE: OnceLock<Type> = OnceLock::new();
        let state = model::write(&state, TYPE.get_or_init(|| self.schema().ty()))?;
        Ok((state, diagnostics))
    }
}
