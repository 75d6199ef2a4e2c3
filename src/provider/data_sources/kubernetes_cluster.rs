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

use async_trait::async_trait;

use crate::cty::Value;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::xelon::Client;

use super::super::kubeconfig;
use super::super::kubernetes_kubeconfig::{connection_attributes, connection_values};
use super::super::values::string;
use super::common::{api_failure, failed, failed_at, found, opt_string};

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

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        const ID: &str = "kubernetes_cluster_id";
        let Some(id) = string(req.config, ID) else {
            return failed_at(ID, "Missing cluster ID", format!("Set `{ID}`."));
        };
        let client = req.client.with_cancel(req.cancel.clone());
        let not_found = || {
            format!(
                "The Xelon API knows no Kubernetes cluster {id:?}: check `{ID}` (the cluster may have been deleted)."
            )
        };
        tracing::debug!(cluster_id = %id, "reading cluster");
        let cluster = match client.get_cluster(&id).await {
            Ok(c) => c,
            Err(e) => {
                return failed(api_failure(
                    "Unable to read the Kubernetes cluster",
                    &e,
                    ID,
                    not_found,
                ));
            }
        };
        // The secrets: only ever moved into the state, never formatted.
        let kubeconfig = match client.kubeconfig(&id).await {
            Ok(k) => k,
            Err(e) => {
                return failed(api_failure(
                    "Unable to read the cluster's kubeconfig",
                    &e,
                    ID,
                    not_found,
                ));
            }
        };
        let talosconfig = match client.talosconfig(&id).await {
            Ok(t) => t,
            Err(e) => {
                return failed(api_failure(
                    "Unable to read the cluster's talosconfig",
                    &e,
                    ID,
                    not_found,
                ));
            }
        };
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
        let mut response = found(Value::object(
            [
                (
                    "cloud_id",
                    opt_string(cluster.cloud.as_ref().map(|c| c.identifier.as_str())),
                ),
                ("health", opt_string(Some(cluster.health()))),
                ("id", Value::string(&id)),
                ("kubeconfig_raw", Value::String(kubeconfig)),
                (ID, Value::string(&id)),
                (
                    "kubernetes_version",
                    opt_string(cluster.k8s_version.as_deref()),
                ),
                ("name", Value::string(&cluster.name)),
                ("status", Value::string(&cluster.status)),
                (
                    "talos_version",
                    opt_string(cluster.talos_version.as_deref()),
                ),
                ("talosconfig_raw", Value::String(talosconfig)),
            ]
            .into_iter()
            .chain(connection_values(connection)),
        ));
        response.diagnostics = diagnostics;
        response
    }
}
