//! Worker pools: create, read, resize, rename and delete, and scaling by
//! single node adds and removals.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{
    BUSY, Emu, cluster_body, config, error_fields, node_statuses, pool_body, rich,
};

#[tokio::test]
async fn pools_crud() {
    // Rich: checks the answers to change calls and `extraStorage: 0`.
    let emu = Emu::start(rich(config(Duration::ZERO, BUSY))).await;
    let id = emu.create_cluster(cluster_body("pools", "test")).await;
    let pools = format!("kubernetes/{id}/pools");

    let (status, body) = emu
        .post(
            &pools,
            json!({"workerPoolName": "p", "workerNodeAmount": 0, "workerNodeRam": 4,
            "workerNodeDisk": 50, "workerNodeIsStorage": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&body),
        ["workerNodeAmount", "workerNodeCpu", "workerNodeExtraDisk"]
    );

    let mut spec = pool_body("Main Pool", 2);
    spec["workerNodeIsStorage"] = json!(true);
    spec["workerNodeExtraDisk"] = json!(20);
    let (status, created) = emu.post(&pools, spec).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["message"].is_string());
    let pool = &created["data"];
    let pool_id = pool["identifier"].as_str().expect("id").to_owned();
    assert!(pool_id.starts_with("pool-"));
    assert_eq!(
        (
            &pool["name"],
            &pool["cpu"],
            &pool["memory"],
            &pool["disk"],
            &pool["extraStorage"]
        ),
        (
            &json!("Main Pool"),
            &json!(2),
            &json!(4),
            &json!(50),
            &json!(20)
        )
    );
    assert_eq!(node_statuses(&pool["nodes"]), ["Provisioning"; 2]);
    assert_eq!(pool["nodes"][0]["name"], "pools-main-pool-1");
    assert_eq!(pool["nodes"][1]["name"], "pools-main-pool-2");
    assert_ne!(
        pool["nodes"][0]["identifier"],
        pool["nodes"][1]["identifier"]
    );
    assert!(pool["nodes"][0]["localvmid"].is_string());

    let (status, list) = emu.get(&pools).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let one = format!("{pools}/{pool_id}");
    let deployed = emu.wait_pool_deployed(&id, &pool_id).await;
    assert_eq!(deployed["identifier"], pool_id.as_str(), "bare pool object");

    let (status, body) = emu.patch(&one, json!({"hasExtraStorage": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["extraStorage"]);
    let (status, body) = emu
        .patch(&one, json!({"hasExtraStorage": 2, "cpuCoreCount": 0}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["cpuCoreCount", "hasExtraStorage"]);

    let (status, updated) = emu
        .patch(
            &one,
            json!({"name": "Main Pool", "cpuCoreCount": 4, "memory": 8, "disk": 100,
            "hasExtraStorage": 0, "extraStorage": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{updated}");
    assert_eq!(
        (
            &updated["data"]["cpu"],
            &updated["data"]["memory"],
            &updated["data"]["disk"],
            &updated["data"]["extraStorage"]
        ),
        (&json!(4), &json!(8), &json!(100), &json!(0))
    );
    assert_eq!(node_statuses(&updated["data"]["nodes"]), ["Updating"; 2]);
    let (status, busy) = emu.patch(&one, json!({"cpuCoreCount": 8})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");
    emu.wait_pool_deployed(&id, &pool_id).await;

    let (status, renamed) = emu.patch(&one, json!({"name": "renamed"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(renamed["data"]["name"], "renamed");
    assert_eq!(
        node_statuses(&renamed["data"]["nodes"]),
        ["Deployed"; 2],
        "a rename is instant"
    );

    let (status, _) = emu.get(&format!("{pools}/pool-000000000000")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = emu.get("kubernetes/k8s-000000000000/pools").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = emu.delete(&one).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, deleting) = emu.get(&one).await;
    assert_eq!(node_statuses(&deleting["nodes"]), ["Deleting"; 2]);
    let (status, _) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no nodes for a pool being deleted"
    );
    emu.wait_for(&one, |s, _| s == StatusCode::NOT_FOUND).await;
    let (_, list) = emu.get(&pools).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn scaling_adds_and_removes_single_nodes() {
    // Rich: checks the answers to node adds.
    let emu = Emu::start(rich(config(Duration::ZERO, BUSY))).await;
    let id = emu.create_cluster(cluster_body("scale", "test")).await;
    let pool_id = emu.create_pool(&id, 1).await;
    let one = format!("kubernetes/{id}/pools/{pool_id}");
    let pool = emu.wait_pool_deployed(&id, &pool_id).await;
    let first = pool["nodes"][0]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();

    let (status, body) = emu.delete(&format!("kubernetes/{id}/nodes/{first}")).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "last node: {body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("last node"))
    );

    let (status, added) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["data"]["status"], "Provisioning");
    assert_eq!(added["data"]["name"], "scale-main-pool-2");
    let (status, third) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "adding while another node provisions is fine"
    );
    assert_eq!(third["data"]["name"], "scale-main-pool-3");
    let third = third["data"]["identifier"].as_str().expect("id").to_owned();
    let (_, pool) = emu.get(&one).await;
    assert_eq!(
        node_statuses(&pool["nodes"]),
        ["Deployed", "Provisioning", "Provisioning"]
    );

    let (status, body) = emu.delete(&format!("kubernetes/{id}/nodes/{third}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Deployed"))
    );

    emu.wait_pool_deployed(&id, &pool_id).await;
    let (status, _) = emu.delete(&format!("kubernetes/{id}/nodes/{third}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, pool) = emu.get(&one).await;
    assert_eq!(
        node_statuses(&pool["nodes"]),
        ["Deployed", "Deployed", "Deleting"]
    );
    let (status, _) = emu.delete(&format!("kubernetes/{id}/nodes/{third}")).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a Deleting node cannot be removed again"
    );
    emu.wait_for(&one, |_, b| {
        b["nodes"].as_array().is_some_and(|n| n.len() == 2)
    })
    .await;

    let (status, _) = emu
        .delete(&format!("kubernetes/{id}/nodes/node-000000000000"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    let cp_node = cp["nodes"][0]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, _) = emu
        .delete(&format!("kubernetes/{id}/nodes/{cp_node}"))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "control-plane nodes cannot be removed"
    );
}
