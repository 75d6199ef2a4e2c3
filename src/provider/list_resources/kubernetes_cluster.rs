//! The `xelon_kubernetes_cluster` list resource: every cluster the token
//! can see, page by page, optionally only those of one name or cloud.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::framework::model;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

use crate::cty::Value;
use crate::framework::validators::{NotEmpty, PlainText};
use crate::framework::{
    Attribute, Diagnostics, ListItem, ListRequest, ListResource, ListResults, Schema,
};
use crate::xelon::Client;
use crate::xelon::models::Cluster;

use super::super::errors::{OrDiagnose, api_error};
use super::super::kubernetes_cluster::listed_state;
use super::CONCURRENT_READS;

/// The list block's filters.
#[derive(Debug, Serialize, Deserialize)]
struct ClusterFilter {
    cloud_id: Option<String>,
    name: Option<String>,
}

/// The `xelon_kubernetes_cluster` list resource.
pub struct KubernetesClusterList;

#[async_trait]
impl ListResource<Client> for KubernetesClusterList {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_cluster"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "Lists the Xelon Kubernetes (XKS) clusters the API token can see, oldest first, for `terraform query` (Terraform 1.14+): each result is a cluster's identity (`id`) and its name; with `include_resource = true` (or `terraform query -generate-config-out=FILE`), also its state as an import of it would store it, except `kube_config_raw`, which a listing never reads. Clusters being deleted are left out.",
            vec![
                Attribute::string("cloud_id")
                    .optional()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description(
                        "Only clusters in this cloud (see the `xelon_cloud` data source).",
                    ),
                Attribute::string("name")
                    .optional()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("Only clusters of exactly this name."),
            ],
        )
    }

    fn check_model(&self) -> Vec<String> {
        model::check_model::<ClusterFilter>(&self.schema())
    }

    async fn list(&self, req: ListRequest<'_, Client>, out: &mut ListResults) -> Diagnostics {
        let client = req.client.with_cancel(req.cancel.clone());
        let filter: ClusterFilter = match model::read(req.config, "Invalid list configuration") {
            Ok(f) => f,
            Err(d) => return d,
        };
        let (name, cloud) = (filter.name, filter.cloud_id);
        let wanted = |c: &Cluster| {
            !c.is_gone()
                && name.as_deref().is_none_or(|n| c.name == n)
                && cloud
                    .as_deref()
                    .is_none_or(|id| c.cloud.as_ref().is_some_and(|cloud| cloud.identifier == id))
        };
        // The token's own tenant, asked once and only if a cluster needs it.
        let own_tenant = OnceCell::new();
        let mut pages = client.cluster_pages();
        loop {
            let page = match pages.next().await {
                Ok(Some(page)) => page,
                Ok(None) => return Diagnostics::new(),
                Err(e) => return api_error("Unable to list Kubernetes clusters", &e),
            };
            let mut found: Vec<Cluster> = page.into_iter().filter(wanted).collect();
            found.truncate(out.remaining());
            let mut items = futures::stream::iter(found)
                .map(|cluster| item(&client, cluster, req.include_resource, &own_tenant))
                .buffered(CONCURRENT_READS);
            loop {
                let item = match items.try_next().await {
                    Ok(Some(Some(item))) => item,
                    // Gone since the page was read.
                    Ok(Some(None)) => continue,
                    Ok(None) => break,
                    Err(d) => return d,
                };
                if !out.push(item).await {
                    return Diagnostics::new();
                }
            }
        }
    }
}

/// One listed cluster: its name and ID, or its whole state when asked for;
/// `None` when it is gone by the time its state is read.
async fn item(
    client: &Client,
    cluster: Cluster,
    include_resource: bool,
    own_tenant: &OnceCell<String>,
) -> Result<Option<ListItem>, Diagnostics> {
    let display_name = if cluster.name.is_empty() {
        cluster.identifier.clone()
    } else {
        cluster.name.clone()
    };
    if !include_resource {
        let state = Value::object([("id", Value::string(cluster.identifier))]);
        return Ok(Some(ListItem::new(display_name, state)));
    }
    let tenant = match &cluster.tenant_identifier {
        Some(_) => None,
        None => Some(
            own_tenant
                .get_or_try_init(|| async {
                    let tenant = client.current_tenant().await;
                    Ok::<_, Diagnostics>(
                        tenant
                            .or_diagnose("Unable to read the current tenant")?
                            .identifier,
                    )
                })
                .await?
                .clone(),
        ),
    };
    let state = listed_state(client, &cluster.identifier, tenant).await?;
    Ok(state.map(|state| ListItem::new(display_name, state)))
}
