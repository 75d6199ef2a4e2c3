//! Stale reads (`Config::stale_reads`): reads show the old object for a
//! while after a change; the truth endpoint (`/_emulator/clusters`) shows
//! what really exists all along.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use xelon_emulator::{ApiProfile, Config};

use crate::common::{BUSY, Emu, cluster_body, config, node_statuses, pool_body, sdk};
use crate::profiles::{CONTROL_PLANE, LOAD_BALANCER, assert_keys};

/// The stale window of the stale-read tests: long enough that the reads
/// right after a change land inside it on a loaded machine.
const STALE: Duration = Duration::from_millis(1500);

/// Asserts that `since` (taken before the change call was sent) is still
/// inside the stale window, so that the reads before this call were too.
fn assert_inside_window(since: Instant) {
    assert!(
        since.elapsed() < STALE,
        "the machine is too slow for this test: {:?} passed, the window is {STALE:?}",
        since.elapsed()
    );
}

/// The change these tests make to a Ready cluster: Talos 1.8.3 to 1.9.1.
async fn upgrade_talos(emu: &Emu, id: &str) -> (StatusCode, Value) {
    emu.post(
        &format!("kubernetes/{id}/talos-version"),
        json!({"version": "1.9.1"}),
    )
    .await
}

#[tokio::test]
async fn stale_reads_show_the_old_cluster_then_updating_then_the_change() {
    for profile in [ApiProfile::Rich, ApiProfile::Sdk] {
        let emu = Emu::start(Config {
            api_profile: profile,
            stale_reads: STALE,
            ..config(BUSY, BUSY)
        })
        .await;
        let id = emu.create_cluster(cluster_body("stale", "test")).await;
        emu.wait_ready(&id).await;
        let path = format!("kubernetes/{id}");

        let sent = Instant::now();
        let (status, body) = upgrade_talos(&emu, &id).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{profile}: {body}");
        let (_, read) = emu.get(&path).await;
        let (_, cp) = emu.get(&format!("{path}/control-planes")).await;
        let (_, lbs) = emu.get(&format!("{path}/load-balancers")).await;
        // Busy from the moment the change was accepted.
        let refused = [
            emu.post(&format!("{path}/k8s-version"), json!({"version": "1.32.0"}))
                .await,
            emu.post_empty(&format!("{path}/upgrade")).await,
            emu.patch(
                &format!("{path}/control-planes"),
                json!({"cpuCoreCount": 4}),
            )
            .await,
            emu.post(&format!("{path}/pools"), pool_body("p", 1)).await,
        ];
        let (_, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
            .await;
        assert_inside_window(sent);

        assert_eq!(read["data"]["status"], "Ready", "{profile}: {read}");
        assert_eq!(read["data"]["health"]["health"], "healthy");
        if profile == ApiProfile::Rich {
            assert_eq!(read["data"]["talosVersion"], "1.8.3", "old version");
        }
        assert_eq!(node_statuses(&cp["nodes"]), ["Deployed"], "{profile}");
        assert_eq!(lbs.as_array().map(Vec::len), Some(1), "{profile}");
        for (status, body) in refused {
            assert_eq!(status, StatusCode::CONFLICT, "{profile}: {body}");
        }
        assert_eq!(truth["cluster"]["status"], "Updating", "{truth}");
        assert_eq!(truth["cluster"]["talosVersion"], "1.9.1", "{truth}");

        // Every Ready answer shows the old cluster; the first other one is
        // Updating, no earlier than the window's end.
        let changed = emu
            .wait_for(&path, |_, b| {
                if b["data"]["status"] == "Ready" && profile == ApiProfile::Rich {
                    assert_eq!(b["data"]["talosVersion"], "1.8.3", "{b}");
                }
                b["data"]["status"] != "Ready"
            })
            .await;
        assert!(sent.elapsed() >= STALE, "{profile}: {:?}", sent.elapsed());
        assert_eq!(changed["data"]["status"], "Updating", "{profile}");
        assert_ne!(changed["data"]["health"]["health"], "healthy");
        if profile == ApiProfile::Rich {
            assert_eq!(changed["data"]["talosVersion"], "1.9.1");
        }
        let ready = emu.wait_ready(&id).await;
        assert_eq!(ready["data"]["health"]["health"], "healthy");
        let (_, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
            .await;
        assert_eq!(truth["cluster"]["status"], "Ready");
        if profile == ApiProfile::Rich {
            assert_eq!(ready["data"]["talosVersion"], "1.9.1");
        }
    }
}

#[tokio::test]
async fn stale_reads_delay_pool_changes_and_node_adds_and_removals() {
    let emu = Emu::start(Config {
        stale_reads: STALE,
        ..config(Duration::ZERO, BUSY)
    })
    .await;
    let id = emu.create_cluster(cluster_body("stale-pool", "test")).await;
    let pool_id = emu.create_pool(&id, 1).await;
    emu.wait_pool_deployed(&id, &pool_id).await;
    let one = format!("kubernetes/{id}/pools/{pool_id}");
    let truth_pool = async || {
        let (_, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
            .await;
        truth["pools"][0].clone()
    };

    // A resize.
    let sent = Instant::now();
    let (status, _) = emu.patch(&one, json!({"cpuCoreCount": 4})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, read) = emu.get(&one).await;
    let (again, body) = emu.patch(&one, json!({"cpuCoreCount": 8})).await;
    let truth = truth_pool().await;
    assert_inside_window(sent);
    assert_eq!(read["cpu"], 2, "old size: {read}");
    assert_eq!(node_statuses(&read["nodes"]), ["Deployed"]);
    assert_eq!(again, StatusCode::CONFLICT, "{body}");
    assert_eq!(truth["cpu"], 4, "{truth}");
    assert_eq!(node_statuses(&truth["nodes"]), ["Updating"]);
    let changed = emu.wait_for(&one, |_, b| b["cpu"] != 2).await;
    assert!(sent.elapsed() >= STALE);
    assert_eq!(changed["cpu"], 4);
    assert_eq!(node_statuses(&changed["nodes"]), ["Updating"]);
    emu.wait_pool_deployed(&id, &pool_id).await;

    // A node add.
    let sent = Instant::now();
    let (status, _) = emu.post_empty(&format!("{one}/nodes")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, read) = emu.get(&one).await;
    let (again, body) = emu.patch(&one, json!({"cpuCoreCount": 8})).await;
    let truth = truth_pool().await;
    assert_inside_window(sent);
    assert_eq!(node_statuses(&read["nodes"]), ["Deployed"], "old nodes");
    assert_eq!(
        again,
        StatusCode::CONFLICT,
        "the new node is on its way: {body}"
    );
    assert_eq!(node_statuses(&truth["nodes"]), ["Deployed", "Provisioning"]);
    let changed = emu
        .wait_for(&one, |_, b| {
            b["nodes"].as_array().is_some_and(|n| n.len() != 1)
        })
        .await;
    assert!(sent.elapsed() >= STALE);
    assert_eq!(
        node_statuses(&changed["nodes"]),
        ["Deployed", "Provisioning"]
    );
    let pool = emu.wait_pool_deployed(&id, &pool_id).await;

    // A node removal.
    let newest = pool["nodes"][1]["identifier"]
        .as_str()
        .expect("node id")
        .to_owned();
    let remove = format!("kubernetes/{id}/nodes/{newest}");
    let sent = Instant::now();
    let (status, _) = emu.delete(&remove).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, read) = emu.get(&one).await;
    let (again, body) = emu.delete(&remove).await;
    assert_inside_window(sent);
    assert_eq!(node_statuses(&read["nodes"]), ["Deployed", "Deployed"]);
    assert_eq!(again, StatusCode::CONFLICT, "already being removed: {body}");
    let changed = emu
        .wait_for(&one, |_, b| {
            node_statuses(&b["nodes"]) != ["Deployed", "Deployed"]
        })
        .await;
    assert!(sent.elapsed() >= STALE);
    assert_eq!(node_statuses(&changed["nodes"]), ["Deployed", "Deleting"]);
    emu.wait_for(&one, |_, b| {
        b["nodes"].as_array().is_some_and(|n| n.len() == 1)
    })
    .await;
}

#[tokio::test]
async fn without_stale_reads_changes_show_at_once() {
    let emu = Emu::start(config(BUSY, BUSY)).await;
    let id = emu.create_cluster(cluster_body("prompt", "test")).await;
    emu.wait_ready(&id).await;
    let (status, _) = upgrade_talos(&emu, &id).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(emu.cluster_status(&id).await, "Updating");
}

#[tokio::test]
async fn truth_shows_what_really_exists_whatever_the_profile() {
    let emu = Emu::start(Config {
        stale_reads: STALE,
        ..sdk(config(BUSY, BUSY))
    })
    .await;
    let (status, none) = emu.admin(reqwest::Method::GET, "clusters", None).await;
    assert_eq!((status, none), (StatusCode::OK, json!({"clusters": []})));

    let id = emu.create_cluster(cluster_body("truth", "test")).await;
    emu.wait_ready(&id).await;
    let pool_id = emu.create_pool(&id, 1).await;
    emu.admin(reqwest::Method::DELETE, "requests", None).await;

    let sent = Instant::now();
    let (status, _) = upgrade_talos(&emu, &id).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, seen) = emu.get(&format!("kubernetes/{id}")).await;
    let (status, item) = emu
        .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
        .await;
    let (_, all) = emu.admin(reqwest::Method::GET, "clusters", None).await;
    assert_inside_window(sent);

    assert_eq!(seen["data"]["status"], "Ready");
    assert!(seen["data"].get("talosVersion").is_none(), "sdk: {seen}");
    assert_eq!(status, StatusCode::OK);
    assert_keys(&item, &["cluster", "controlPlane", "loadBalancer", "pools"]);
    let cluster = &item["cluster"];
    assert_eq!(cluster["identifier"], id.as_str());
    assert_eq!(cluster["status"], "Updating", "the real phase");
    assert_eq!(cluster["talosVersion"], "1.9.1", "the accepted change");
    assert_eq!(cluster["k8sVersion"], "1.31.2");
    assert_eq!(cluster["tenantIdentifier"], "tenant-1");
    assert_keys(&item["controlPlane"], &CONTROL_PLANE);
    assert_eq!(node_statuses(&item["controlPlane"]["nodes"]), ["Updating"]);
    assert_keys(&item["loadBalancer"], &LOAD_BALANCER);
    let pools = item["pools"].as_array().expect("pools");
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0]["identifier"], pool_id.as_str());
    assert_eq!(pools[0]["extraStorage"], 0, "rich view");
    assert_eq!(all["clusters"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["clusters"][0]["cluster"]["identifier"], id.as_str());

    let (status, missing) = emu
        .admin(reqwest::Method::GET, "clusters/k8s-000000000000", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"], "not_found");

    let (_, counts) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(counts["total"], 2, "admin calls are not counted: {counts}");
}
