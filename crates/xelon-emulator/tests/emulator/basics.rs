//! What every API call meets: authentication, the seed data (tenants,
//! clouds, versions), JSON errors from unknown endpoints and identifiers a
//! seed makes reproducible.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use xelon_emulator::Config;

use crate::common::{Emu, client, cluster_body, config, error_fields, rich};

#[tokio::test]
async fn authentication_rules() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let http = client();
    let url = emu.url("tenants/current");

    let none = http.get(&url).send().await.expect("answer");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: Value = none.json().await.expect("json");
    assert_eq!(body["error"], "unauthenticated");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    for header in ["Bearer ", "Bearer", "Basic dXNlcjpwYXNz", ""] {
        let r = http
            .get(&url)
            .header(AUTHORIZATION, header)
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{header:?}");
    }
    let any = http
        .get(&url)
        .bearer_auth("whatever")
        .send()
        .await
        .expect("answer");
    assert_eq!(any.status(), StatusCode::OK);

    // The admin API needs no token.
    let (status, _) = emu.admin(reqwest::Method::GET, "requests", None).await;
    assert_eq!(status, StatusCode::OK);

    let strict = Emu::start(Config {
        token: Some("only-this".into()),
        ..config(Duration::ZERO, Duration::ZERO)
    })
    .await;
    let url = strict.url("tenants/current");
    let wrong = http
        .get(&url)
        .bearer_auth("whatever")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid token"))
    );
    let right = http
        .get(&url)
        .bearer_auth("only-this")
        .send()
        .await
        .expect("answer");
    assert_eq!(right.status(), StatusCode::OK);
}

#[tokio::test]
async fn seed_data_is_discoverable() {
    // Rich: checks the top-level tenant's `parent: null`.
    let emu = Emu::start(rich(config(Duration::ZERO, Duration::ZERO))).await;

    let (status, current) = emu.get("tenants/current").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(current["identifier"], "tenant-1");
    assert_eq!(current["name"], "Emulated Tenant");
    for key in ["parent", "status", "type"] {
        assert!(current.get(key).is_some(), "tenant has {key}: {current}");
    }

    let (status, page) = emu.get("tenants?page=2&perPage=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        page["meta"],
        json!({"currentPage": 2, "lastPage": 2, "perPage": 2, "total": 3, "from": 3, "to": 3})
    );
    let (_, found) = emu.get("tenants?search=customer%20b").await;
    assert_eq!(found["data"][0]["identifier"], "tenant-3");
    assert_eq!(found["meta"]["total"], 1);
    let (status, bad) = emu.get("tenants?perPage=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), ["perPage"]);

    let (status, child) = emu.get("tenants/tenant-2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(child["parent"], "tenant-1");
    let (status, missing) = emu.get("tenants/tenant-99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"], "not_found");

    let (status, clouds) = emu.get("clouds?tenantIdentifier=tenant-1").await;
    assert_eq!(status, StatusCode::OK);
    let clouds = clouds.as_array().expect("bare array of clouds");
    assert!(clouds.len() >= 2);
    assert_eq!(clouds[0]["identifier"], "cloud-1");
    assert_eq!(clouds[0]["name"], "Main HCP Cloud");
    assert!(clouds[0]["type"].is_string() && clouds[0]["hvType"].is_string());
    let (status, _) = emu.get("clouds?tenantIdentifier=tenant-99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, versions) = emu.get("kubernetes/versions/cloud-1").await;
    assert_eq!(status, StatusCode::OK);
    let versions = versions.as_object().expect("object");
    assert!(versions.len() >= 2);
    assert_eq!(versions["1.8.3"], json!(["1.30.6", "1.31.2"]));
    assert!(
        versions
            .values()
            .all(|k8s| k8s.as_array().is_some_and(|l| l.len() >= 2))
    );
    let (status, _) = emu.get("kubernetes/versions/cloud-404").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_endpoints_answer_json_errors() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let (status, body) = emu.get("nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("GET /api/v2/nope")),
        "{body}"
    );
    let (status, body) = emu.send(reqwest::Method::PUT, "kubernetes", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"], "method_not_allowed");
    let root = client()
        .get(format!("http://{}/", emu.running.addr()))
        .send()
        .await
        .expect("answer");
    assert_eq!(root.status(), StatusCode::NOT_FOUND);
    let body: Value = root.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("/api/v2/"))
    );
}

#[tokio::test]
async fn a_seed_makes_identifiers_reproducible() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let emu = Emu::start(Config {
            seed: Some(42),
            ..config(Duration::ZERO, Duration::ZERO)
        })
        .await;
        ids.push(emu.create_cluster(cluster_body("seeded", "test")).await);
        emu.running.shutdown().await.expect("clean shutdown");
    }
    assert_eq!(ids[0], ids[1]);
}
