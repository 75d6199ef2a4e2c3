//! Worker node pools of a cluster, and their nodes.
//!
//! Scaling a pool means adding or deleting single nodes: [`Client::add_node`]
//! adds one, [`Client::delete_node`] removes one (only `Deployed` nodes may
//! be removed).

use super::client::{Client, seg};
use super::error::Result;
use super::models::{CreateNodePoolRequest, Envelope, NodePool, UpdateNodePoolRequest};

impl Client {
    /// The cluster's pools (`GET kubernetes/{id}/pools`).
    pub async fn list_pools(&self, cluster_id: &str) -> Result<Vec<NodePool>> {
        self.get(&format!("kubernetes/{}/pools", seg(cluster_id)), &[])
            .await
    }

    /// The cluster's pools named exactly `name`: the lookup behind
    /// [`create_once`](super::create_once) and the duplicate check.
    pub async fn pools_named(&self, cluster_id: &str, name: &str) -> Result<Vec<NodePool>> {
        let all = self.list_pools(cluster_id).await?;
        Ok(all.into_iter().filter(|p| p.name == name).collect())
    }

    /// One pool (`GET kubernetes/{id}/pools/{poolId}`).
    pub async fn get_pool(&self, cluster_id: &str, pool_id: &str) -> Result<NodePool> {
        self.get(
            &format!("kubernetes/{}/pools/{}", seg(cluster_id), seg(pool_id)),
            &[],
        )
        .await
    }

    /// Creates a pool (`POST kubernetes/{id}/pools`). Never retried. Its
    /// nodes then provision: wait with
    /// [`wait_pool_updated`](super::wait::wait_pool_updated).
    pub async fn create_pool(
        &self,
        cluster_id: &str,
        request: &CreateNodePoolRequest,
    ) -> Result<NodePool> {
        let answer: Envelope<NodePool> = self
            .post(&format!("kubernetes/{}/pools", seg(cluster_id)), request)
            .await?;
        Ok(answer.data)
    }

    /// Renames the pool and resizes its nodes in place
    /// (`PATCH kubernetes/{id}/pools/{poolId}`).
    pub async fn update_pool(
        &self,
        cluster_id: &str,
        pool_id: &str,
        request: &UpdateNodePoolRequest,
    ) -> Result<()> {
        self.patch(
            &format!("kubernetes/{}/pools/{}", seg(cluster_id), seg(pool_id)),
            request,
        )
        .await
    }

    /// Deletes a pool (`DELETE kubernetes/{id}/pools/{poolId}`).
    pub async fn delete_pool(&self, cluster_id: &str, pool_id: &str) -> Result<()> {
        self.delete(&format!(
            "kubernetes/{}/pools/{}",
            seg(cluster_id),
            seg(pool_id)
        ))
        .await
    }

    /// Adds ONE node to a pool (`POST kubernetes/{id}/pools/{poolId}/nodes`).
    /// Never retried.
    pub async fn add_node(&self, cluster_id: &str, pool_id: &str) -> Result<()> {
        self.post_empty::<()>(
            &format!(
                "kubernetes/{}/pools/{}/nodes",
                seg(cluster_id),
                seg(pool_id)
            ),
            None,
        )
        .await
    }

    /// Removes one node (`DELETE kubernetes/{id}/nodes/{nodeId}`).
    pub async fn delete_node(&self, cluster_id: &str, node_id: &str) -> Result<()> {
        self.delete(&format!(
            "kubernetes/{}/nodes/{}",
            seg(cluster_id),
            seg(node_id)
        ))
        .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::test_support::{Reply, fast_config, mock};
    use crate::{Client, CreateNodePoolRequest, UpdateNodePoolRequest};

    fn pool(id: &str) -> serde_json::Value {
        json!({"identifier": id, "name": "main", "cpu": 2, "memory": 4, "disk": 50, "extraStorage": 0,
               "nodes": [{"identifier": "n1", "localvmid": "vm-1", "name": "main-1", "status": "Deployed"}]})
    }

    #[tokio::test]
    async fn pool_calls_use_the_contract_paths_and_bodies() {
        let m = mock(|req, _| match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/api/v2/kubernetes/k1/pools") => {
                Reply::json(200, json!([pool("p1"), pool("p2")]))
            }
            ("GET", "/api/v2/kubernetes/k1/pools/p1") => Reply::json(200, pool("p1")),
            ("POST", "/api/v2/kubernetes/k1/pools") => {
                Reply::json(201, json!({"data": pool("p3"), "message": "created"}))
            }
            ("GET", _) => Reply::json(404, json!({"message": "not found"})),
            _ => Reply::text(200, ""),
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();

        let pools = client.list_pools("k1").await.unwrap();
        assert_eq!(pools.len(), 2);
        assert_eq!(pools[1].identifier, "p2");
        let p1 = client.get_pool("k1", "p1").await.unwrap();
        assert_eq!(p1.nodes[0].localvmid, "vm-1");
        assert!(p1.is_ready());
        assert!(
            client
                .get_pool("k1", "nope")
                .await
                .unwrap_err()
                .is_not_found()
        );

        let create = CreateNodePoolRequest {
            worker_pool_name: "main".into(),
            worker_node_amount: 3,
            worker_node_cpu: 2,
            worker_node_ram: 4,
            worker_node_disk: 50,
            worker_node_is_storage: false,
            worker_node_extra_disk: 0,
        };
        let created = client.create_pool("k1", &create).await.unwrap();
        assert_eq!(created.identifier, "p3");
        let update = UpdateNodePoolRequest {
            name: "main".into(),
            cpu_core_count: 4,
            memory: 8,
            disk: 100,
            has_extra_storage: false,
            extra_storage: 0,
        };
        client.update_pool("k1", "p1", &update).await.unwrap();
        client.add_node("k1", "p1").await.unwrap();
        client.delete_node("k1", "n1").await.unwrap();
        client.delete_pool("k1", "p1").await.unwrap();

        let seen: Vec<(String, String, serde_json::Value)> = m
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| (r.method.clone(), r.path.clone(), r.json()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    "POST".into(),
                    "/api/v2/kubernetes/k1/pools".into(),
                    serde_json::to_value(&create).unwrap()
                ),
                (
                    "PATCH".into(),
                    "/api/v2/kubernetes/k1/pools/p1".into(),
                    json!({"name": "main", "cpuCoreCount": 4, "memory": 8, "disk": 100,
                           "hasExtraStorage": 0, "extraStorage": 0})
                ),
                (
                    "POST".into(),
                    "/api/v2/kubernetes/k1/pools/p1/nodes".into(),
                    json!(null)
                ),
                (
                    "DELETE".into(),
                    "/api/v2/kubernetes/k1/nodes/n1".into(),
                    json!(null)
                ),
                (
                    "DELETE".into(),
                    "/api/v2/kubernetes/k1/pools/p1".into(),
                    json!(null)
                ),
            ]
        );
    }
}
