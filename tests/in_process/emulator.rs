//! The emulator, directly: out-of-band API calls, admin calls (faults,
//! request counters) and the truth about what exists.

use crate::harness::{Harness, TOKEN};

impl Harness {
    /// Calls the emulator's API with [`TOKEN`] (an out-of-band change).
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.emulator.base_url());
        self.send(method, &url, body, Some(TOKEN)).await
    }

    /// `GET`s an API path with [`TOKEN`]; the status and the raw body (the
    /// YAML config endpoints).
    pub async fn api_text(&self, method: &str, path: &str) -> (u16, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let url = format!("{}{path}", self.emulator.base_url());
        let resp = self
            .http
            .request(method, url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("request to the emulator");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    /// Calls the emulator's admin API (`/_emulator/...`).
    pub async fn admin(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.emulator.admin_url());
        self.send(method, &url, body, None).await
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<serde_json::Value>,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request to the emulator");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Arms a fault (`POST /_emulator/faults`).
    pub async fn fault(&self, rule: serde_json::Value) {
        let (status, body) = self.admin("POST", "faults", Some(rule)).await;
        assert_eq!(status, 201, "arming a fault: {body}");
    }

    /// Every cluster that really exists (the truth endpoint).
    pub async fn clusters(&self) -> Vec<serde_json::Value> {
        let (status, body) = self.admin("GET", "clusters", None).await;
        assert_eq!(status, 200, "truth: {body}");
        body["clusters"]
            .as_array()
            .cloned()
            .expect("a cluster list")
    }

    /// The truth about cluster `id`.
    pub async fn truth(&self, id: &str) -> serde_json::Value {
        let (status, body) = self.admin("GET", &format!("clusters/{id}"), None).await;
        assert_eq!(status, 200, "truth of {id}: {body}");
        body
    }

    /// Creates a Ready cluster of `tenant-1` in `cloud-1` through the API,
    /// as someone outside Terraform would; its ID.
    pub async fn api_cluster(&self, name: &str) -> String {
        let (status, body) = self
            .api(
                "POST",
                "kubernetes",
                Some(serde_json::json!({
                    "cloudIdentifier": "cloud-1", "tenantIdentifier": "tenant-1", "clusterName": name,
                    "k8sVersion": "1.31.2", "talosVersion": "1.8.3",
                    "controlPlaneCpu": 4, "controlPlaneRam": 8, "controlPlaneDisk": 60,
                    "controlPlaneType": "production",
                    "loadBalancerCpu": 2, "loadBalancerRam": 4, "loadBalancerDisk": 50,
                    "loadBalancerType": "test",
                    "podSubnet": "100.111.0.0/16", "serviceSubnet": "100.112.0.0/12",
                    "notify": false, "workerPool": []
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["data"]["identifier"]
            .as_str()
            .expect("cluster id")
            .to_owned();
        assert_eq!(self.truth(&id).await["cluster"]["status"], "Ready");
        id
    }

    /// Creates a pool through the API: `nodes` nodes of 2 CPU, 4 GB, 50 GB,
    /// and an extra disk of `extra` GB; its ID.
    pub async fn api_pool(&self, cluster: &str, name: &str, nodes: u32, extra: u32) -> String {
        let (status, body) = self
            .api(
                "POST",
                &format!("kubernetes/{cluster}/pools"),
                Some(serde_json::json!({
                    "workerPoolName": name, "workerNodeAmount": nodes, "workerNodeCpu": 2,
                    "workerNodeRam": 4, "workerNodeDisk": 50,
                    "workerNodeIsStorage": extra > 0, "workerNodeExtraDisk": extra
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["data"]["identifier"]
            .as_str()
            .expect("pool id")
            .to_owned()
    }
}
