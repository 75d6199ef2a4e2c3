//! The API profiles: `sdk` answers exactly the models of Xelon's Go SDK,
//! `rich` adds the extras; the shapes of both while a cluster is busy.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use xelon_emulator::{ApiProfile, Config};

use crate::common::{BUSY, Emu, cluster_body, config, pool_body, rich, sdk};

/// Asserts that `value` is an object with exactly the keys `expected`.
pub fn assert_keys(value: &Value, expected: &[&str]) {
    let actual: std::collections::BTreeSet<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object expected: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    let expected: std::collections::BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(actual, expected, "keys of {value}");
}

/// `KubernetesCluster` in the SDK's kubernetes.go.
const SDK_CLUSTER: [&str; 6] = [
    "identifier",
    "name",
    "status",
    "health",
    "cloud",
    "createdAt",
];
/// `KubernetesClusterNode`.
const NODE: [&str; 4] = ["identifier", "localvmid", "name", "status"];
/// `Cloud` in clouds.go.
const CLOUD: [&str; 4] = ["identifier", "name", "type", "hvType"];
/// `KubernetesClusterLoadBalancer` and its instances.
pub const LOAD_BALANCER: [&str; 5] = [
    "clusterName",
    "loadBalancerCpu",
    "loadBalancerRam",
    "loadBalancerDisk",
    "loadBalancers",
];
const LOAD_BALANCER_INSTANCE: [&str; 2] = ["loadBalancerName", "loadBalancerIp"];
/// `KubernetesClusterControlPlane`.
pub const CONTROL_PLANE: [&str; 4] = [
    "controlPlaneCpu",
    "controlPlaneRam",
    "controlPlaneDisk",
    "nodes",
];
/// `Meta` in type.go.
const META: [&str; 6] = ["currentPage", "lastPage", "perPage", "total", "from", "to"];

/// When the seeded tenants and clouds were created (rich `createdAt`).
const SEEDED_AT: &str = "2024-01-15T08:00:00Z";

/// Asserts that `value` is `createdAt` as Go's `*time.Time` sends it, RFC
/// 3339 in UTC with whole seconds (`2026-11-20T09:50:00Z`), taken from the
/// system clock between `before` and now.
fn assert_created_since(value: &Value, before: OffsetDateTime) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("createdAt: {value}"));
    assert_eq!(text.len(), "2026-11-20T09:50:00Z".len(), "{text}");
    assert!(text.ends_with('Z'), "UTC: {text}");
    let at = OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|e| panic!("{text}: {e}"));
    let before = before.replace_nanosecond(0).expect("whole second");
    let after = OffsetDateTime::now_utc();
    assert!(
        before <= at && at <= after,
        "created at {text}, between {before} and {after}"
    );
}

fn assert_nodes(nodes: &Value, count: usize) {
    let nodes = nodes.as_array().expect("nodes");
    assert_eq!(nodes.len(), count, "{nodes:?}");
    for node in nodes {
        assert_keys(node, &NODE);
    }
}

#[tokio::test]
async fn sdk_profile_answers_exactly_the_sdk_models() {
    let emu = Emu::start(sdk(config(Duration::ZERO, Duration::ZERO))).await;
    let started = OffsetDateTime::now_utc();

    let (_, empty) = emu.get("kubernetes").await;
    assert_eq!(empty["data"], json!([]));
    assert_keys(&empty["meta"], &["currentPage", "lastPage", "perPage"]);

    let (status, created) = emu
        .post("kubernetes", cluster_body("shapes", "production"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_keys(&created, &["data", "message"]);
    assert_keys(&created["data"], &SDK_CLUSTER);
    let id = created["data"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();

    let (_, read) = emu.get(&format!("kubernetes/{id}")).await;
    assert_keys(&read, &["data"]);
    let cluster = &read["data"];
    assert_keys(cluster, &SDK_CLUSTER);
    assert_created_since(&cluster["createdAt"], started);
    assert_eq!(
        cluster["createdAt"], created["data"]["createdAt"],
        "the same instant on every read"
    );
    assert_keys(&cluster["health"], &["health", "lastCheckingData"]);
    assert_keys(&cluster["cloud"], &CLOUD);
    assert_eq!(cluster["status"], "Ready");

    emu.create_cluster(cluster_body("second", "test")).await;
    let (_, page) = emu.get("kubernetes?page=1&perPage=1").await;
    assert_keys(&page, &["data", "meta"]);
    assert_keys(&page["data"][0], &SDK_CLUSTER);
    assert_keys(&page["meta"], &META);
    let (_, past) = emu.get("kubernetes?page=3&perPage=1").await;
    assert_eq!(past["data"], json!([]));
    assert_keys(
        &past["meta"],
        &["currentPage", "lastPage", "perPage", "total"],
    );

    let (_, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
    assert_keys(&cp, &CONTROL_PLANE);
    assert_nodes(&cp["nodes"], 3);

    let (_, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
    let lbs = lbs.as_array().expect("an array");
    assert_eq!(lbs.len(), 1);
    assert_keys(&lbs[0], &LOAD_BALANCER);
    for instance in lbs[0]["loadBalancers"].as_array().expect("instances") {
        assert_keys(instance, &LOAD_BALANCER_INSTANCE);
    }

    let pools = format!("kubernetes/{id}/pools");
    let (status, plain) = emu.post(&pools, pool_body("plain", 2)).await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");
    assert_keys(&plain, &["data", "message"]);
    let pool = ["identifier", "name", "cpu", "memory", "disk", "nodes"];
    assert_keys(&plain["data"], &pool);
    let plain_id = plain["data"]["identifier"].as_str().expect("id").to_owned();
    let mut spec = pool_body("storage", 1);
    spec["workerNodeIsStorage"] = json!(true);
    spec["workerNodeExtraDisk"] = json!(20);
    let (_, storage) = emu.post(&pools, spec).await;
    let storage_id = storage["data"]["identifier"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, read) = emu.get(&format!("{pools}/{plain_id}")).await;
    assert_keys(&read, &pool);
    assert_nodes(&read["nodes"], 2);
    let (_, read) = emu.get(&format!("{pools}/{storage_id}")).await;
    assert_keys(
        &read,
        &[
            "identifier",
            "name",
            "cpu",
            "memory",
            "disk",
            "extraStorage",
            "nodes",
        ],
    );
    assert_eq!(read["extraStorage"], 20);
    let (_, list) = emu.get(&pools).await;
    assert_keys(&list[0], &pool);
    assert_eq!(list[1]["extraStorage"], 20);

    let (_, current) = emu.get("tenants/current").await;
    assert_keys(&current, &["identifier", "name", "status", "type"]);
    let (_, child) = emu.get("tenants/tenant-2").await;
    assert_keys(&child, &["identifier", "name", "parent", "status", "type"]);
    let (_, tenants) = emu.get("tenants?perPage=2").await;
    assert_keys(
        &tenants["data"][0],
        &["identifier", "name", "status", "type"],
    );
    assert_keys(&tenants["meta"], &META);
    let (_, none) = emu.get("tenants?search=nobody").await;
    assert_keys(&none["meta"], &["currentPage", "lastPage", "perPage"]);
    let (_, clouds) = emu.get("clouds").await;
    for cloud in clouds.as_array().expect("clouds") {
        assert_keys(cloud, &CLOUD);
    }

    let (_, missing) = emu.get("kubernetes/k8s-000000000000").await;
    assert_keys(&missing, &["error", "message"]);

    // The SDK reads no body from change calls: none is sent.
    let node = read["nodes"][0]["identifier"]
        .as_str()
        .expect("node id")
        .to_owned();
    let calls = [
        (
            reqwest::Method::PATCH,
            format!("{pools}/{plain_id}"),
            Some(json!({"name": "renamed"})),
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::POST,
            format!("{pools}/{storage_id}/nodes"),
            None,
            StatusCode::CREATED,
        ),
        (
            reqwest::Method::DELETE,
            format!("kubernetes/{id}/nodes/{node}"),
            None,
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::POST,
            format!("kubernetes/{id}/talos-version"),
            Some(json!({"version": "1.9.1"})),
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::DELETE,
            format!("{pools}/{plain_id}"),
            None,
            StatusCode::ACCEPTED,
        ),
        (
            reqwest::Method::DELETE,
            format!("kubernetes/{id}"),
            None,
            StatusCode::ACCEPTED,
        ),
    ];
    for (method, path, body, expected) in calls {
        let (status, text) = emu.send_raw(method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {text}");
        assert_eq!(text, "", "{method} {path}: no body in the sdk profile");
    }
}

#[tokio::test]
async fn rich_profile_answers_the_extras() {
    let emu = Emu::start(rich(config(Duration::ZERO, Duration::ZERO))).await;
    let started = OffsetDateTime::now_utc();
    let (_, empty) = emu.get("kubernetes").await;
    assert_eq!(
        empty["meta"],
        json!({"currentPage": 1, "lastPage": 1, "perPage": 10, "total": 0, "from": null, "to": null})
    );
    let id = emu.create_cluster(cluster_body("rich", "test")).await;
    let (_, read) = emu.get(&format!("kubernetes/{id}")).await;
    let mut rich_cluster = SDK_CLUSTER.to_vec();
    rich_cluster.extend(["tenantIdentifier", "k8sVersion", "talosVersion"]);
    assert_keys(&read["data"], &rich_cluster);
    assert_created_since(&read["data"]["createdAt"], started);
    assert_eq!(
        read["data"]["cloud"]["createdAt"], SEEDED_AT,
        "seeded: a fixed past instant"
    );
    let pool_id = emu.create_pool(&id, 2).await;
    let one = format!("kubernetes/{id}/pools/{pool_id}");
    let (_, pool) = emu.get(&one).await;
    assert_keys(
        &pool,
        &[
            "identifier",
            "name",
            "cpu",
            "memory",
            "disk",
            "extraStorage",
            "nodes",
            "createdAt",
        ],
    );
    assert_eq!(pool["extraStorage"], 0);
    assert_created_since(&pool["createdAt"], started);
    let (_, truth) = emu
        .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
        .await;
    assert_eq!(truth["pools"][0]["createdAt"], pool["createdAt"], "{truth}");
    assert_eq!(truth["cluster"]["createdAt"], read["data"]["createdAt"]);
    let (_, current) = emu.get("tenants/current").await;
    assert_eq!(current["parent"], Value::Null);
    assert_keys(
        &current,
        &[
            "identifier",
            "name",
            "parent",
            "status",
            "type",
            "createdAt",
        ],
    );
    assert_eq!(current["createdAt"], SEEDED_AT);
    let (_, clouds) = emu.get("clouds").await;
    for cloud in clouds.as_array().expect("clouds") {
        let mut keys = CLOUD.to_vec();
        keys.push("createdAt");
        assert_keys(cloud, &keys);
        assert_eq!(cloud["createdAt"], SEEDED_AT);
    }

    let (status, renamed) = emu.patch(&one, json!({"name": "renamed"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_keys(&renamed, &["data", "message"]);
    let node = pool["nodes"][0]["identifier"].as_str().expect("node id");
    let (status, removed) = emu.delete(&format!("kubernetes/{id}/nodes/{node}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_keys(&removed, &["message"]);
    let (status, deleted) = emu.delete(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(deleted["data"]["status"], "Deleting");
}

#[tokio::test]
async fn sdk_reports_no_parts_while_busy_but_rich_does() {
    for profile in [ApiProfile::Rich, ApiProfile::Sdk] {
        let emu = Emu::start(Config {
            api_profile: profile,
            ..config(BUSY, Duration::ZERO)
        })
        .await;
        let id = emu.create_cluster(cluster_body("parts", "test")).await;
        let parts = async || {
            let (cp_status, cp) = emu.get(&format!("kubernetes/{id}/control-planes")).await;
            let (lb_status, lbs) = emu.get(&format!("kubernetes/{id}/load-balancers")).await;
            assert_eq!((cp_status, lb_status), (StatusCode::OK, StatusCode::OK));
            (cp, lbs)
        };

        let (cp, lbs) = parts().await;
        assert_eq!(
            emu.cluster_status(&id).await,
            "Provisioning",
            "read while provisioning"
        );
        if profile == ApiProfile::Sdk {
            assert_eq!((&cp, &lbs), (&json!({}), &json!([])), "{profile}");
        } else {
            assert_nodes(&cp["nodes"], 1);
            assert_eq!(lbs.as_array().map(Vec::len), Some(1), "{profile}");
        }

        emu.wait_ready(&id).await;
        let (cp, lbs) = parts().await;
        assert_keys(&cp, &CONTROL_PLANE);
        assert_nodes(&cp["nodes"], 1);
        assert_eq!(lbs.as_array().map(Vec::len), Some(1), "{profile}");

        let (status, _) = emu.post_empty(&format!("kubernetes/{id}/upgrade")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (cp, lbs) = parts().await;
        assert_eq!(
            emu.cluster_status(&id).await,
            "Updating",
            "read while updating"
        );
        if profile == ApiProfile::Sdk {
            assert_eq!((&cp, &lbs), (&json!({}), &json!([])), "{profile}");
        } else {
            assert_nodes(&cp["nodes"], 3);
            assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));
        }

        emu.wait_ready(&id).await;
        let (cp, lbs) = parts().await;
        assert_nodes(&cp["nodes"], 3);
        assert_eq!(lbs[0]["loadBalancers"].as_array().map(Vec::len), Some(2));
    }
}
