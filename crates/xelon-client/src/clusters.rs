//! Kubernetes (XKS) clusters: lifecycle, upgrades, config files, control
//! plane, load balancer and the versions a cloud offers.

use super::client::{Client, seg};
use super::error::Result;
use super::models::{
    Cluster, ControlPlane, CreateClusterRequest, Envelope, LoadBalancer, ResizeControlPlane,
    VersionMap, VersionRequest,
};

impl Client {
    /// Every cluster, all pages (`GET kubernetes?page=&perPage=`).
    pub async fn list_clusters(&self) -> Result<Vec<Cluster>> {
        self.get_all_pages("kubernetes", &[]).await
    }

    /// Every cluster named exactly `name` that is not being deleted (all
    /// pages): the lookup behind [`create_once`](super::create_once)
    /// and the check that a create would not duplicate a cluster.
    pub async fn clusters_named(&self, name: &str) -> Result<Vec<Cluster>> {
        let all = self.list_clusters().await?;
        Ok(all
            .into_iter()
            .filter(|c| c.name == name && !c.is_gone())
            .collect())
    }

    /// One cluster (`GET kubernetes/{id}`); a 404 means it does not exist
    /// (see [`Error::is_not_found`](super::Error::is_not_found)).
    pub async fn get_cluster(&self, id: &str) -> Result<Cluster> {
        let answer: Envelope<Cluster> = self.get(&format!("kubernetes/{}", seg(id)), &[]).await?;
        Ok(answer.data)
    }

    /// Starts provisioning a cluster (`POST kubernetes`). Never retried.
    ///
    /// The answer is still provisioning: wait with
    /// [`wait_cluster_ready`](super::wait::wait_cluster_ready).
    pub async fn create_cluster(&self, request: &CreateClusterRequest) -> Result<Cluster> {
        let answer: Envelope<Cluster> = self.post("kubernetes", request).await?;
        Ok(answer.data)
    }

    /// Starts deleting a cluster (`DELETE kubernetes/{id}`). Deletion is
    /// asynchronous: wait with
    /// [`wait_cluster_deleted`](super::wait::wait_cluster_deleted).
    pub async fn delete_cluster(&self, id: &str) -> Result<()> {
        self.delete(&format!("kubernetes/{}", seg(id))).await
    }

    /// Turns on high availability for the control plane AND the load
    /// balancer (`POST kubernetes/{id}/upgrade`). It cannot be turned off.
    pub async fn enable_high_availability(&self, id: &str) -> Result<()> {
        self.post_empty::<()>(&format!("kubernetes/{}/upgrade", seg(id)), None)
            .await
    }

    /// Upgrades Kubernetes in place (`POST kubernetes/{id}/k8s-version`);
    /// the cluster provisions again.
    pub async fn upgrade_kubernetes_version(&self, id: &str, version: &str) -> Result<()> {
        let body = VersionRequest {
            version: version.to_owned(),
        };
        self.post_empty(&format!("kubernetes/{}/k8s-version", seg(id)), Some(&body))
            .await
    }

    /// Upgrades Talos in place (`POST kubernetes/{id}/talos-version`); the
    /// cluster provisions again.
    pub async fn upgrade_talos_version(&self, id: &str, version: &str) -> Result<()> {
        let body = VersionRequest {
            version: version.to_owned(),
        };
        self.post_empty(
            &format!("kubernetes/{}/talos-version", seg(id)),
            Some(&body),
        )
        .await
    }

    /// The raw kubeconfig YAML (`GET kubernetes/{id}/config/kube`). A
    /// secret: never log it.
    pub async fn kubeconfig(&self, id: &str) -> Result<String> {
        self.get_text(&format!("kubernetes/{}/config/kube", seg(id)))
            .await
    }

    /// The raw talosconfig YAML (`GET kubernetes/{id}/config/talos`). A
    /// secret: never log it.
    pub async fn talosconfig(&self, id: &str) -> Result<String> {
        self.get_text(&format!("kubernetes/{}/config/talos", seg(id)))
            .await
    }

    /// The control plane's sizes and nodes (`GET kubernetes/{id}/control-planes`).
    pub async fn control_plane(&self, id: &str) -> Result<ControlPlane> {
        self.get(&format!("kubernetes/{}/control-planes", seg(id)), &[])
            .await
    }

    /// Resizes the control-plane nodes in place
    /// (`PATCH kubernetes/{id}/control-planes`); the cluster provisions again.
    pub async fn resize_control_plane(&self, id: &str, size: &ResizeControlPlane) -> Result<()> {
        self.patch(&format!("kubernetes/{}/control-planes", seg(id)), size)
            .await
    }

    /// The load balancer (`GET kubernetes/{id}/load-balancers`, whose answer
    /// is an array with one element); `None` when the array is empty.
    pub async fn load_balancer(&self, id: &str) -> Result<Option<LoadBalancer>> {
        let all: Vec<LoadBalancer> = self
            .get(&format!("kubernetes/{}/load-balancers", seg(id)), &[])
            .await?;
        Ok(all.into_iter().next())
    }

    /// The Talos versions `cloud_id` offers, each with the Kubernetes
    /// versions it can run (`GET kubernetes/versions/{cloudId}`). Fetched
    /// once per cloud for the life of the client (a provider process, which
    /// Terraform starts per command).
    pub async fn versions(&self, cloud_id: &str) -> Result<VersionMap> {
        let known = self
            .memo()
            .versions
            .lock()
            .ok()
            .and_then(|m| m.get(cloud_id).cloned());
        if let Some(map) = known {
            return Ok(map);
        }
        let map: VersionMap = self
            .get(&format!("kubernetes/versions/{}", seg(cloud_id)), &[])
            .await?;
        if let Ok(mut memo) = self.memo().versions.lock() {
            memo.insert(cloud_id.to_owned(), map.clone());
        }
        Ok(map)
    }

    /// Whether cluster `id` exists (`GET kubernetes/{id}`, 404 = no). A
    /// cluster once seen is not asked about again by this client: for
    /// plan-time checks, which several pools of one cluster share.
    pub async fn cluster_exists(&self, id: &str) -> Result<bool> {
        if self
            .memo()
            .clusters_seen
            .lock()
            .is_ok_and(|s| s.contains(id))
        {
            return Ok(true);
        }
        match self.get_cluster(id).await {
            Ok(_) => {
                if let Ok(mut seen) = self.memo().clusters_seen.lock() {
                    seen.insert(id.to_owned());
                }
                Ok(true)
            }
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::models::{DeploymentType, STATUS_READY};
    use crate::test_support::{Reply, fast_config, mock};
    use crate::{Client, CreateClusterRequest, Error, ResizeControlPlane};

    fn cluster(id: &str, status: &str) -> serde_json::Value {
        json!({"identifier": id, "name": id, "status": status,
               "health": {"health": "healthy"}, "cloud": {"identifier": "cloud-1", "name": "c"},
               "createdAt": "2026-11-20T09:50:00Z"})
    }

    #[tokio::test]
    async fn list_clusters_fetches_every_page() {
        let m = mock(|req, _| {
            let page: u64 = req
                .query
                .as_deref()
                .unwrap_or("")
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let data: Vec<_> = (0..2)
                .map(|i| cluster(&format!("k{page}-{i}"), "Ready"))
                .collect();
            Reply::json(
                200,
                json!({"data": data, "meta": {"currentPage": page, "lastPage": 3, "perPage": 2, "total": 6}}),
            )
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let all = client.list_clusters().await.unwrap();
        let ids: Vec<&str> = all.iter().map(|c| c.identifier.as_str()).collect();
        assert_eq!(ids, ["k1-0", "k1-1", "k2-0", "k2-1", "k3-0", "k3-1"]);
        let queries: Vec<String> = m
            .requests()
            .iter()
            .map(|r| r.query.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            queries,
            [
                "page=1&perPage=50",
                "page=2&perPage=50",
                "page=3&perPage=50"
            ]
        );
    }

    #[tokio::test]
    async fn cluster_calls_use_the_contract_paths_and_bodies() {
        let m = mock(|req, _| match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/api/v2/kubernetes/k%2F1") => Reply::json(200, json!({"data": cluster("k/1", "Ready")})),
            ("POST", "/api/v2/kubernetes") => Reply::json(
                201,
                json!({"data": cluster("k-new", "Provisioning"), "message": "creating"}),
            ),
            ("GET", "/api/v2/kubernetes/k1/config/kube") => Reply::text(200, "apiVersion: v1\nkind: Config\n"),
            ("GET", "/api/v2/kubernetes/k1/config/talos") => Reply::text(200, "context: k1\n"),
            ("GET", "/api/v2/kubernetes/k1/control-planes") => Reply::json(
                200,
                json!({"controlPlaneCpu": 2, "controlPlaneRam": 4, "controlPlaneDisk": 50,
                       "nodes": [{"identifier": "cp1", "status": "Deployed"}]}),
            ),
            ("GET", "/api/v2/kubernetes/k1/load-balancers") => Reply::json(
                200,
                json!([{"clusterName": "k1", "loadBalancerCpu": 2, "loadBalancerRam": 4, "loadBalancerDisk": 50,
                        "loadBalancers": [{"loadBalancerName": "lb1", "loadBalancerIp": "10.0.0.5"},
                                          {"loadBalancerName": "lb2", "loadBalancerIp": "10.0.0.6"}]}]),
            ),
            ("GET", "/api/v2/kubernetes/k2/load-balancers") => Reply::json(200, json!([])),
            ("GET", "/api/v2/kubernetes/versions/cloud-1") => {
                Reply::json(200, json!({"1.8.3": ["1.30.6", "1.31.2"]}))
            }
            ("GET", _) => Reply::json(404, json!({"error": "not_found", "message": "No such cluster"})),
            _ => Reply::text(204, ""),
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();

        let c = client.get_cluster("k/1").await.unwrap();
        assert_eq!(c.identifier, "k/1");
        assert_eq!(c.status, STATUS_READY);
        let err = client.get_cluster("gone").await.unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert!(matches!(err, Error::Api { status: 404, .. }));

        let request = CreateClusterRequest {
            cloud_identifier: "cloud-1".into(),
            tenant_identifier: "tenant-1".into(),
            cluster_name: "k-new".into(),
            k8s_version: "1.31.2".into(),
            talos_version: "1.8.3".into(),
            control_plane_cpu: 2,
            control_plane_ram: 4,
            control_plane_disk: 50,
            control_plane_type: DeploymentType::Test,
            load_balancer_cpu: 2,
            load_balancer_ram: 4,
            load_balancer_disk: 50,
            load_balancer_type: DeploymentType::Test,
            pod_subnet: crate::models::DEFAULT_POD_SUBNET.into(),
            service_subnet: crate::models::DEFAULT_SERVICE_SUBNET.into(),
            notify: false,
            worker_pool: vec![],
        };
        let created = client.create_cluster(&request).await.unwrap();
        assert_eq!(created.identifier, "k-new");
        assert_eq!(created.status, "Provisioning");

        client.delete_cluster("k1").await.unwrap();
        client.enable_high_availability("k1").await.unwrap();
        client
            .upgrade_kubernetes_version("k1", "1.31.2")
            .await
            .unwrap();
        client.upgrade_talos_version("k1", "1.8.3").await.unwrap();
        assert_eq!(
            client.kubeconfig("k1").await.unwrap(),
            "apiVersion: v1\nkind: Config\n"
        );
        assert_eq!(client.talosconfig("k1").await.unwrap(), "context: k1\n");
        let cp = client.control_plane("k1").await.unwrap();
        assert_eq!((cp.cpu, cp.nodes.len()), (Some(2), 1));
        client
            .resize_control_plane(
                "k1",
                &ResizeControlPlane {
                    cpu_core_count: 4,
                    memory: 8,
                    disk: 100,
                },
            )
            .await
            .unwrap();
        let lb = client.load_balancer("k1").await.unwrap().unwrap();
        assert_eq!(lb.is_highly_available(), Some(true));
        assert!(client.load_balancer("k2").await.unwrap().is_none());
        let versions = client.versions("cloud-1").await.unwrap();
        assert!(versions.offers("1.8.3", "1.31.2"));

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
                    "/api/v2/kubernetes".into(),
                    serde_json::to_value(&request).unwrap()
                ),
                ("DELETE".into(), "/api/v2/kubernetes/k1".into(), json!(null)),
                (
                    "POST".into(),
                    "/api/v2/kubernetes/k1/upgrade".into(),
                    json!(null)
                ),
                (
                    "POST".into(),
                    "/api/v2/kubernetes/k1/k8s-version".into(),
                    json!({"version": "1.31.2"})
                ),
                (
                    "POST".into(),
                    "/api/v2/kubernetes/k1/talos-version".into(),
                    json!({"version": "1.8.3"})
                ),
                (
                    "PATCH".into(),
                    "/api/v2/kubernetes/k1/control-planes".into(),
                    json!({"cpuCoreCount": 4, "memory": 8, "disk": 100})
                ),
            ]
        );
        let yaml_accepts: Vec<String> = m
            .requests()
            .iter()
            .filter(|r| r.path.contains("/config/"))
            .map(|r| r.header("accept").unwrap_or_default().to_owned())
            .collect();
        assert_eq!(yaml_accepts, ["application/yaml", "application/yaml"]);
    }
}
