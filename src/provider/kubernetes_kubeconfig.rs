//! `xelon_kubernetes_kubeconfig`: an ephemeral resource (Terraform 1.10+)
//! that yields a cluster's kubeconfig and talosconfig for one run, without
//! ever writing them to state or plan files.

use async_trait::async_trait;

use crate::cty::{AttributePath, Value};
use crate::framework::validators::NotEmpty;
use crate::framework::{
    Attribute, Diagnostics, EphemeralResource, OpenRequest, OpenResponse, Schema,
};
use crate::xelon::Client;

/// The `xelon_kubernetes_kubeconfig` ephemeral resource.
pub struct KubernetesKubeconfig;

#[async_trait]
impl EphemeralResource<Client> for KubernetesKubeconfig {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_kubeconfig"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The kubeconfig and talosconfig of a Xelon Kubernetes cluster, as an ephemeral resource: other providers' blocks (kubernetes, helm, ...) and ephemeral outputs can use them, and they are never written to the state or to plan files. Needs Terraform 1.10 or later.",
            vec![
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
            ],
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
            Ok((kube, talos)) => OpenResponse {
                result: Value::object([
                    ("kubernetes_cluster_id", Value::string(id)),
                    ("kubeconfig_raw", Value::string(kube)),
                    ("talosconfig_raw", Value::string(talos)),
                ]),
                diagnostics: Diagnostics::new(),
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
