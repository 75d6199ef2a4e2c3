//! The admin API's fault rules (`/_emulator/faults`: HTTP errors, canned
//! bodies, `fail_next_cluster`) and its request counters
//! (`/_emulator/requests`).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};

use crate::common::{BUSY, Emu, client, cluster_body, config, error_fields, header, node_statuses};

#[tokio::test]
async fn http_faults_fail_matching_requests_with_retry_after() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"method": "GET", "path_prefix": "/api/v2/tenants", "status": 503, "count": 2, "retry_after": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(armed["rules"][0]["count"], 2);

    for _ in 0..2 {
        let r = emu.get_response("tenants/current").await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(header(&r, RETRY_AFTER), Some("1"));
        let body: Value = r.json().await.expect("error body");
        assert_eq!(body["error"], "service_unavailable");
        assert!(body["message"].is_string());
        // Other routes and methods are not affected.
        let (status, _) = emu.get("clouds").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = emu.get("tenants/current").await;
    assert_eq!(status, StatusCode::OK, "the fault is used up");
    let (_, armed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(armed["rules"], json!([]));

    emu.admin(
        reqwest::Method::POST,
        "faults",
        Some(json!({"status": 429, "count": 5, "message": "slow down"})),
    )
    .await;
    let r = emu.get_response("kubernetes").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(RETRY_AFTER).is_none());
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["message"], "slow down");
    let (status, cleared) = emu.admin(reqwest::Method::DELETE, "faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cleared,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0})
    );
    let (status, _) = emu.get("kubernetes").await;
    assert_eq!(status, StatusCode::OK);

    let (status, refused) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"status": 200, "method": "FETCH"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&refused), ["method", "status"]);
}

#[tokio::test]
async fn fail_next_cluster_ends_in_error() {
    let emu = Emu::start(config(BUSY, Duration::ZERO)).await;
    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"fail_next_cluster": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(armed["fail_next_cluster"], 1);

    let failing = emu.create_cluster(cluster_body("failing", "test")).await;
    assert_eq!(emu.cluster_status(&failing).await, "Provisioning");
    let failed = emu
        .wait_for(&format!("kubernetes/{failing}"), |_, b| {
            b["data"]["status"] != "Provisioning"
        })
        .await;
    assert_eq!(failed["data"]["status"], "Error");
    assert_eq!(failed["data"]["health"]["health"], "unhealthy");
    let (_, cp) = emu
        .get(&format!("kubernetes/{failing}/control-planes"))
        .await;
    assert_eq!(node_statuses(&cp["nodes"]), ["Error"]);
    let (status, _) = emu
        .post_empty(&format!("kubernetes/{failing}/upgrade"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let healthy = emu.create_cluster(cluster_body("fine", "test")).await;
    emu.wait_ready(&healthy).await;
    let (status, _) = emu.delete(&format!("kubernetes/{failing}")).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a failed cluster can be deleted"
    );
}

#[tokio::test]
async fn request_counters_count_api_calls_per_route() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    emu.get("tenants/current").await;
    let (status, _) = emu.admin(reqwest::Method::DELETE, "requests", None).await;
    assert_eq!(status, StatusCode::OK);

    let id = emu.create_cluster(cluster_body("counted", "test")).await;
    for _ in 0..3 {
        emu.get(&format!("kubernetes/{id}")).await;
    }
    emu.get("kubernetes/k8s-unknown").await;
    emu.get("tenants/current").await;
    let anonymous = client()
        .get(emu.url("tenants/current"))
        .send()
        .await
        .expect("answer");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    emu.get("no/such/thing").await;

    let (status, counts) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts["total"], 8, "{counts}");
    assert_eq!(counts["by_route"]["POST /kubernetes"], 1);
    assert_eq!(counts["by_route"]["GET /kubernetes/{id}"], 4);
    assert_eq!(counts["by_route"]["GET /tenants/current"], 2);
    assert_eq!(counts["by_route"]["GET /no/such/thing"], 1);

    let (_, before_reset) = emu.admin(reqwest::Method::DELETE, "requests", None).await;
    assert_eq!(before_reset["total"], 8, "reset answers the old values");
    let (_, after) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(
        after,
        json!({
            "total": 0, "by_route": {}, "injected": {}, "lost": {"504": 0, "drop": 0},
            "delayed": 0, "holding": 0
        })
    );
}

#[tokio::test]
async fn canned_bodies_are_answered_as_given() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let id = emu.create_cluster(cluster_body("canned", "test")).await;
    let lb_path = format!("kubernetes/{id}/load-balancers");

    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"method": "GET", "path_prefix": format!("/api/v2/{lb_path}"), "body": [], "count": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{armed}");
    assert_eq!(armed["rules"][0]["body"], json!([]));
    assert_eq!(armed["rules"][0]["status"], 200);
    let (_, listed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(listed["rules"][0]["body"], json!([]));
    for _ in 0..2 {
        let (status, text) = emu.send_raw(reqwest::Method::GET, &lb_path, None).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "[]"));
    }
    let (_, real) = emu.get(&lb_path).await;
    assert_eq!(real.as_array().map(Vec::len), Some(1), "used up: {real}");

    emu.admin(
        reqwest::Method::POST,
        "faults",
        Some(
            json!({"path_prefix": "/api/v2/tenants/current", "status": 500,
                    "body": {"weird": true}, "retry_after": 2}),
        ),
    )
    .await;
    let response = emu.get_response("tenants/current").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(header(&response, RETRY_AFTER), Some("2"));
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"weird": true})
    );

    let (status, armed) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "status": 202, "body": null})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a null body is a body: {armed}"
    );
    assert!(
        armed["rules"][0].get("body").is_some_and(Value::is_null),
        "{armed}"
    );
    let (status, text) = emu
        .send_raw(
            reqwest::Method::POST,
            "kubernetes",
            Some(cluster_body("never", "test")),
        )
        .await;
    assert_eq!((status, text.as_str()), (StatusCode::ACCEPTED, "null"));
    let (_, list) = emu.get("kubernetes").await;
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(1),
        "not handled"
    );

    for (rule, field) in [
        (json!({"status": 201}), "status"),
        (json!({"status": 100, "body": {}}), "status"),
        (json!({"body": [], "message": "x"}), "message"),
    ] {
        let (status, refused) = emu
            .admin(reqwest::Method::POST, "faults", Some(rule.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}");
        assert_eq!(error_fields(&refused), [field], "{rule}");
    }
}
