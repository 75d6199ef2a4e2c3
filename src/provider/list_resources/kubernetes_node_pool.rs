//! The `xelon_kubernetes_node_pool` list resource: the node pools of one
//! cluster, optionally only those of one name.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::framework::model;

use crate::cty::{AttributePath, Value};
use crate::framework::validators::{NotEmpty, PlainText};
use crate::framework::{
    Attribute, Diagnostics, ListItem, ListRequest, ListResource, ListResults, Schema,
};
use crate::xelon::Client;

use super::super::errors::api_error;
use super::super::kubernetes_node_pool::listed_state;

/// The list block's filters.
#[derive(Debug, Serialize, Deserialize)]
struct PoolFilter {
    kubernetes_cluster_id: String,
    name: Option<String>,
}

/// The `xelon_kubernetes_node_pool` list resource.
pub struct KubernetesNodePoolList;

#[async_trait]
impl ListResource<Client> for KubernetesNodePoolList {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_node_pool"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "Lists the node pools of a Xelon Kubernetes (XKS) cluster, for `terraform query` (Terraform 1.14+): each result is a pool's identity (`kubernetes_cluster_id` and `id`) and its name; with `include_resource = true` (or `terraform query -generate-config-out=FILE`), also its state as an import of it would store it.",
            vec![
                Attribute::string("kubernetes_cluster_id")
                    .required()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("The ID of the cluster whose pools are listed."),
                Attribute::string("name")
                    .optional()
                    .validate(NotEmpty)
                    .validate(PlainText)
                    .description("Only pools of exactly this name."),
            ],
        )
    }

    fn check_model(&self) -> Vec<String> {
        model::check_model::<PoolFilter>(&self.schema())
    }

    async fn list(&self, req: ListRequest<'_, Client>, out: &mut ListResults) -> Diagnostics {
        let client = req.client.with_cancel(req.cancel.clone());
        let filter: PoolFilter = match model::read(req.config, "Invalid list configuration") {
            Ok(f) => f,
            Err(d) => return d,
        };
        let (cluster, name) = (filter.kubernetes_cluster_id, filter.name);
        let pools = match client.list_pools(&cluster).await {
            Ok(pools) => pools,
            Err(e) if e.is_not_found() => {
                let mut d = Diagnostics::new();
                d.attribute_error(
                    AttributePath::attr("kubernetes_cluster_id"),
                    "Unknown Kubernetes cluster",
                    format!("The Xelon API knows no cluster {cluster:?}."),
                );
                return d;
            }
            Err(e) => return api_error("Unable to list node pools", &e),
        };
        for pool in pools {
            if name.as_deref().is_some_and(|n| pool.name != n) {
                continue;
            }
            let display_name = if pool.name.is_empty() {
                pool.identifier.clone()
            } else {
                pool.name.clone()
            };
            let state = if req.include_resource {
                match listed_state(&pool, &cluster) {
                    Ok(state) => state,
                    Err(d) => return d,
                }
            } else {
                // What an import stores before its refresh: the identity.
                Value::object([
                    ("kubernetes_cluster_id", Value::string(&cluster)),
                    ("id", Value::string(pool.identifier.clone())),
                ])
            };
            if !out.push(ListItem::new(display_name, state)).await {
                break;
            }
        }
        Diagnostics::new()
    }
}
