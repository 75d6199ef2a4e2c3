//! Clusters: provisioning, production and test sizes, create validation,
//! busy refusals, the HA upgrade, version upgrades, control-plane resizes,
//! config files and deletion.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use xelon_emulator::Config;

use crate::common::{
    BUSY, Emu, TOKEN, client, cluster_body, config, error_fields, header, node_statuses, pool_body,
    rich,
};

#[tokio::test]
async fn cluster_provisions_then_becomes_ready_and_healthy() {
    // Rich: checks the versions on the cluster.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let started = Instant::now();
    let (status, created) = emu
        .post("kubernetes", cluster_body("staging", "test"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["message"].as_str().is_some_and(|m| !m.is_empty()));
    let cluster = &created["data"];
    let id = cluster["identifier"]
        .as_str()
        .expect("identifier")
        .to_owned();
    assert!(id.starts_with("k8s-") && id.len() > 4, "{id}");
    assert_eq!(cluster["name"], "staging");
    assert_eq!(cluster["status"], "Provisioning");
    assert_ne!(cluster["health"]["health"], "healthy");
    assert_eq!(cluster["k8sVersion"], "1.31.2");
    assert_eq!(cluster["talosVersion"], "1.8.3");
    assert_eq!(cluster["cloud"]["identifier"], "cloud-1");
    assert_eq!(cluster["cloud"]["name"], "Main HCP Cloud");
    let created_at = cluster["createdAt"].as_str().expect("createdAt");
    assert_eq!(created_at.len(), 20, "{created_at}");
    assert_eq!(&created_at[10..11], "T");
    assert!(created_at.ends_with('Z'));

    let (_, read) = emu.get(&format!("kubernetes/{id}")).await;
    assert_eq!(read["data"]["status"], "Provisioning");
    assert_eq!(read["data"]["health"]["health"], "unknown");

    let ready = emu.wait_ready(&id).await;
    assert!(started.elapsed() >= BUSY - Duration::from_millis(50));
    assert_eq!(ready["data"]["health"]["health"], "healthy");
    assert!(ready["data"]["health"]["lastCheckingData"].is_string());

    emu.create_cluster(cluster_body("second", "test")).await;
    let (status, list) = emu.get("kubernetes?page=1&perPage=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"][0]["identifier"], id.as_str());
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(list["meta"]["lastPage"], 2);
}

#[tokio::test]
async fn max_per_page_caps_pages_and_meta_tells_the_client() {
    let emu = Emu::start(Config {
        max_per_page: 2,
        ..config(Duration::ZERO, Duration::ZERO)
    })
    .await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            emu.create_cluster(cluster_body(&format!("c-{n}"), "test"))
                .await,
        );
    }
    // Asked for 50, answered 2: the meta says so, and paging by lastPage
    // finds every cluster once, in order.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, list) = emu.get(&format!("kubernetes?page={page}&perPage=50")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["meta"]["perPage"], 2, "{list}");
        assert_eq!(list["meta"]["lastPage"], 3, "{list}");
        assert_eq!(list["meta"]["total"], 5, "{list}");
        for c in list["data"].as_array().unwrap() {
            seen.push(c["identifier"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen, ids);
    // A smaller perPage than the cap is honoured; so is the cap for tenants.
    let (_, one) = emu.get("kubernetes?perPage=1").await;
    assert_eq!(one["meta"]["lastPage"], 5);
    let (_, tenants) = emu.get("tenants?perPage=10").await;
    assert_eq!(tenants["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(tenants["meta"]["perPage"], 2);
}

#[tokio::test]
async fn production_and_test_clusters_differ_in_node_and_instance_counts() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    for (kind, nodes, instances) in [("production", 3, 2), ("test", 1, 1)] {
        let id = emu
            .create_cluster(cluster_body(&format!("c-{kind}"), kind))
            .await;
        let (status, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cp["controlPlaneCpu"], 2);
        assert_eq!(cp["controlPlaneRam"], 4);
        assert_eq!(cp["controlPlaneDisk"], 50);
        let cp_nodes = cp["nodes"].as_array().expect("nodes");
        assert_eq!(cp_nodes.len(), nodes, "{kind}");
        for node in cp_nodes {
            for key in ["identifier", "name", "status", "localvmid"] {
                assert!(node[key].is_string(), "{key} in {node}");
            }
            assert!(
                node["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&format!("c-{kind}")))
            );
        }

        let (status, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
        assert_eq!(status, StatusCode::OK);
        let lbs = lbs.as_array().expect("an array");
        assert_eq!(lbs.len(), 1);
        assert_eq!(lbs[0]["clusterName"], format!("c-{kind}").as_str());
        assert_eq!(
            (
                &lbs[0]["loadBalancerCpu"],
                &lbs[0]["loadBalancerRam"],
                &lbs[0]["loadBalancerDisk"]
            ),
            (&json!(1), &json!(2), &json!(20))
        );
        let instances_list = lbs[0]["loadBalancers"].as_array().expect("instances");
        assert_eq!(instances_list.len(), instances, "{kind}");
        for lb in instances_list {
            assert!(lb["loadBalancerName"].is_string());
            assert!(
                lb["loadBalancerIp"]
                    .as_str()
                    .is_some_and(|ip| ip.starts_with("10.0."))
            );
        }
    }
}

#[tokio::test]
async fn create_validation_reports_every_bad_field() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;

    let (status, empty) = emu.post("kubernetes", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty["error"], "validation_failed");
    let fields = error_fields(&empty);
    for required in [
        "cloudIdentifier",
        "tenantIdentifier",
        "clusterName",
        "k8sVersion",
        "talosVersion",
        "controlPlaneCpu",
        "controlPlaneRam",
        "controlPlaneDisk",
        "controlPlaneType",
        "loadBalancerCpu",
        "loadBalancerRam",
        "loadBalancerDisk",
        "loadBalancerType",
    ] {
        assert!(
            fields.contains(&required.to_owned()),
            "{required} missing from {fields:?}"
        );
    }

    let mut bad = cluster_body("x", "test");
    bad["clusterName"] = json!("  ");
    bad["controlPlaneCpu"] = json!("2");
    bad["controlPlaneRam"] = json!(0);
    bad["loadBalancerDisk"] = json!(2.5);
    bad["loadBalancerCpu"] = json!(-1);
    bad["controlPlaneType"] = json!("prod");
    bad["notify"] = json!("no");
    bad["workerPool"] = json!([{"workerPoolName": "w", "workerNodeAmount": 1, "workerNodeRam": 4, "workerNodeDisk": 50}]);
    let (status, body) = emu.post("kubernetes", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "clusterName",
            "controlPlaneCpu",
            "controlPlaneRam",
            "controlPlaneType",
            "loadBalancerCpu",
            "loadBalancerDisk",
            "notify",
            "workerPool.0.workerNodeCpu",
        ]
    );
    assert!(
        body["errors"]["controlPlaneType"][0]
            .as_str()
            .is_some_and(|m| m.contains("production"))
    );

    let mut unknown = cluster_body("x", "test");
    unknown["cloudIdentifier"] = json!("cloud-9");
    unknown["tenantIdentifier"] = json!("tenant-9");
    let (status, body) = emu.post("kubernetes", unknown).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cloudIdentifier", "tenantIdentifier"]);

    let mut pair = cluster_body("x", "test");
    pair["talosVersion"] = json!("1.7.7");
    let (status, body) = emu.post("kubernetes", pair).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["k8sVersion"]);
    let reason = body["errors"]["k8sVersion"][0].as_str().expect("reason");
    assert!(
        reason.contains("1.29.10") && reason.contains("1.30.6"),
        "{reason}"
    );

    let mut other_cloud = cluster_body("x", "test");
    other_cloud["cloudIdentifier"] = json!("cloud-2");
    other_cloud["talosVersion"] = json!("1.9.1");
    let (status, body) = emu.post("kubernetes", other_cloud).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["talosVersion"]);

    let response = client()
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body("{\"clusterName\": ")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["error"], "bad_request");

    let (status, _) = emu.post("kubernetes", json!([1, 2])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, list) = emu.get("kubernetes").await;
    assert_eq!(list["data"], json!([]), "nothing was created");
}

#[tokio::test]
async fn changes_to_a_busy_cluster_are_refused_but_reads_work() {
    let emu = Emu::start(config(Duration::from_secs(60), BUSY)).await;
    let id = emu.create_cluster(cluster_body("busy", "test")).await;
    let attempts = [
        emu.post_empty(&format!("kubernetes/{id}/upgrade")).await,
        emu.post(
            &format!("kubernetes/{id}/k8s-version"),
            json!({"version": "1.30.6"}),
        )
        .await,
        emu.post(
            &format!("kubernetes/{id}/talos-version"),
            json!({"version": "1.9.1"}),
        )
        .await,
        emu.patch(
            &format!("kubernetes/{id}/control-planes"),
            json!({"cpuCoreCount": 4}),
        )
        .await,
        emu.post(&format!("kubernetes/{id}/pools"), pool_body("p", 1))
            .await,
    ];
    for (status, body) in attempts {
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "conflict");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains("busy")),
            "{body}"
        );
    }
    for path in [
        "control-planes",
        "load-balancers",
        "pools",
        "config/kube",
        "config/talos",
    ] {
        let response = emu.get_response(&format!("kubernetes/{id}/{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(emu.cluster_status(&id).await, "Provisioning");
    // Deleting is allowed whatever the status.
    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(emu.cluster_status(&id).await, "Deleting");
}

#[tokio::test]
async fn ha_upgrade_turns_on_both_parts_once() {
    // Rich: checks the answer to the change call and the parts while Updating.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let id = emu.create_cluster(cluster_body("ha", "test")).await;
    emu.wait_ready(&id).await;

    let (status, body) = emu.post_empty(&format!("kubernetes/{id}/upgrade")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["status"], "Updating");
    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    assert_eq!(cp["nodes"].as_array().map(Vec::len), Some(3));
    assert!(node_statuses(&cp["nodes"]).iter().all(|s| s != "Deployed"));
    let (_, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
    assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));

    emu.wait_ready(&id).await;
    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    assert_eq!(node_statuses(&cp["nodes"]), ["Deployed"; 3]);

    let (status, again) = emu.post_empty(&format!("kubernetes/{id}/upgrade")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again["message"]
            .as_str()
            .is_some_and(|m| m.contains("already highly available"))
    );
}

#[tokio::test]
async fn version_upgrades_follow_the_mapping() {
    // Rich: checks the versions on the cluster and in the change answers.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let mut body = cluster_body("versions", "test");
    body["k8sVersion"] = json!("1.30.6");
    let id = emu.create_cluster(body).await;
    emu.wait_ready(&id).await;
    let k8s = format!("kubernetes/{id}/k8s-version");
    let talos = format!("kubernetes/{id}/talos-version");

    let (status, body) = emu.post(&k8s, json!({"version": "1.32.0"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = body["errors"]["version"][0].as_str().expect("reason");
    assert!(
        reason.contains("1.30.6") && reason.contains("1.31.2"),
        "{reason}"
    );
    let (status, body) = emu.post(&k8s, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["version"]);
    let (status, _) = emu.post(&k8s, json!({"version": "1.30.6"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "same version");

    let (status, body) = emu.post(&k8s, json!({"version": "1.31.2"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["status"], "Updating");
    assert_eq!(body["data"]["k8sVersion"], "1.31.2");
    let ready = emu.wait_ready(&id).await;
    assert_eq!(ready["data"]["k8sVersion"], "1.31.2");
    assert_eq!(ready["data"]["health"]["health"], "healthy");

    let (status, body) = emu.post(&talos, json!({"version": "1.7.7"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "1.7.7 cannot run 1.31.2"
    );
    assert!(
        body["errors"]["version"][0]
            .as_str()
            .is_some_and(|m| m.contains("1.9.1"))
    );
    let (status, _) = emu.post(&talos, json!({"version": "2.0.0"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body) = emu.post(&talos, json!({"version": "1.9.1"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(emu.cluster_status(&id).await, "Updating");
    let ready = emu.wait_ready(&id).await;
    assert_eq!(ready["data"]["talosVersion"], "1.9.1");

    let (status, _) = emu.post(&k8s, json!({"version": "1.32.0"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "1.32.0 runs on Talos 1.9.1");
    let ready = emu.wait_ready(&id).await;
    assert_eq!(ready["data"]["k8sVersion"], "1.32.0");
    let (status, body) = emu.post(&k8s, json!({"version": "1.31.2"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"]["version"][0]
            .as_str()
            .is_some_and(|m| m.contains("Downgrading"))
    );
}

#[tokio::test]
async fn control_plane_resize_validates_and_reprovisions() {
    // Rich: checks the answer to the change call and the parts while Updating.
    let emu = Emu::start(rich(config(BUSY, BUSY))).await;
    let id = emu
        .create_cluster(cluster_body("resize", "production"))
        .await;
    emu.wait_ready(&id).await;
    let path = format!("kubernetes/{id}/control-planes");

    let (status, body) = emu
        .patch(
            &path,
            json!({"cpuCoreCount": 0, "memory": "8", "disk": 100}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cpuCoreCount", "memory"]);
    let (status, _) = emu.patch(&path, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        emu.cluster_status(&id).await,
        "Ready",
        "refused changes change nothing"
    );

    let (status, body) = emu
        .patch(&path, json!({"cpuCoreCount": 4, "memory": 8, "disk": 100}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["status"], "Updating");
    let (_, cp) = emu.get(&path).await;
    assert_eq!(
        (
            &cp["controlPlaneCpu"],
            &cp["controlPlaneRam"],
            &cp["controlPlaneDisk"]
        ),
        (&json!(4), &json!(8), &json!(100))
    );
    assert_eq!(node_statuses(&cp["nodes"]), ["Updating"; 3]);
    emu.wait_ready(&id).await;
    let (_, cp) = emu.get(&path).await;
    assert_eq!(node_statuses(&cp["nodes"]), ["Deployed"; 3]);
}

#[tokio::test]
async fn config_files_are_yaml_naming_the_cluster() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let id = emu
        .create_cluster(cluster_body("yaml-cluster", "production"))
        .await;
    let http = client();
    for (kind, needles) in [
        (
            "kube",
            &[
                "apiVersion: v1",
                "kind: Config",
                "server: https://10.0.",
                "current-context:",
            ][..],
        ),
        (
            "talos",
            &["context: \"yaml-cluster\"", "endpoints:", "nodes:", "ca: "][..],
        ),
    ] {
        let response = http
            .get(emu.url(&format!("kubernetes/{id}/config/{kind}")))
            .bearer_auth(TOKEN)
            .header("Accept", "application/yaml")
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_TYPE), Some("application/yaml"));
        let text = response.text().await.expect("text");
        assert!(text.contains("yaml-cluster"), "{text}");
        for needle in needles {
            assert!(
                text.contains(needle),
                "{kind}config lacks {needle}:\n{text}"
            );
        }
    }
    let (status, body) = emu.get("kubernetes/k8s-nope/config/kube").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn deleted_cluster_reports_deleting_then_404_and_takes_its_pools() {
    let emu = Emu::start(config(BUSY, Duration::ZERO)).await;
    let mut body = cluster_body("doomed", "test");
    body["workerPool"] = json!([{
        "workerPoolIndex": "0", "workerPoolName": "initial", "workerNodeAmount": 2,
        "workerNodeCpu": 2, "workerNodeRam": 4, "workerNodeDisk": 50,
        "workerNodeIsStorage": true, "workerNodeExtraDisk": 30
    }]);
    let id = emu.create_cluster(body).await;
    let (_, pools) = emu.get(&format!("kubernetes/{id}/pools")).await;
    let pools = pools.as_array().expect("bare array");
    assert_eq!(pools.len(), 1, "initial workerPool entries become pools");
    assert_eq!(pools[0]["name"], "initial");
    assert_eq!(pools[0]["extraStorage"], 30);
    assert_eq!(pools[0]["nodes"].as_array().map(Vec::len), Some(2));
    emu.wait_ready(&id).await;
    let pool = emu.create_pool(&id, 1).await;

    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(emu.cluster_status(&id).await, "Deleting");
    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "deleting twice is harmless");

    emu.wait_for(&format!("kubernetes/{id}"), |s, _| {
        s == StatusCode::NOT_FOUND
    })
    .await;
    let (status, _) = emu.get(&format!("kubernetes/{id}/pools")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = emu.get(&format!("kubernetes/{id}/pools/{pool}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = emu.get("kubernetes").await;
    assert_eq!(list["data"], json!([]));
    let (status, _) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
