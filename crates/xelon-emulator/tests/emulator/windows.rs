//! Time windows of fault rules (`for_ms`): every matching request is
//! answered by the rule until the window ends (or, with a `count`, until
//! whichever of the two ends first).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Emu, WAIT_LIMIT, config, error_fields};

/// Sends `GET path` until it is answered 200; answers the statuses seen
/// before, with when each answer came back.
async fn until_ok(emu: &Emu, path: &str) -> Vec<(StatusCode, Instant)> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (status, body) = emu.get(path).await;
        if status == StatusCode::OK {
            return seen;
        }
        seen.push((status, Instant::now()));
        assert!(
            start.elapsed() < WAIT_LIMIT,
            "{path} never succeeded: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_window_answers_every_matching_request_until_it_ends() {
    let window = Duration::from_millis(500);
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let arming = Instant::now();
    let armed = emu
        .arm(json!({"path_prefix": "/api/v2/", "status": 401, "for_ms": 500}))
        .await;
    let rule = &armed["rules"][0];
    assert_eq!(rule["for_ms"], 500, "{armed}");
    assert!(rule.get("count").is_none(), "no count, no limit: {armed}");

    let (status, body) = emu.get("clouds").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthorized", "{body}");
    // Every path, many times: the window has no count.
    let (mut inside, mut refused) = (1, 1);
    for path in ["tenants/current", "kubernetes", "clouds", "tenants"].repeat(2) {
        let (status, _) = emu.get(path).await;
        if status == StatusCode::UNAUTHORIZED {
            refused += 1;
        }
        if arming.elapsed() < window {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} inside the window");
            inside += 1;
        }
    }
    assert!(
        inside > 2,
        "this machine took the whole window to send 3 requests: cannot check it"
    );

    let seen = until_ok(&emu, "tenants/current").await;
    let ended = Instant::now();
    assert!(
        seen.iter()
            .all(|(status, _)| *status == StatusCode::UNAUTHORIZED),
        "{seen:?}"
    );
    assert!(
        ended.duration_since(arming) >= window,
        "answered 200 after {:?}, inside the window of {window:?}",
        ended.duration_since(arming)
    );
    let (_, faults) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(faults["rules"], json!([]), "ended windows are dropped");
    for path in ["clouds", "kubernetes"] {
        let (status, body) = emu.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path} after the window: {body}");
    }
    let counts = emu.counters().await;
    assert_eq!(
        counts["injected"]["401"],
        json!(refused + seen.len()),
        "the 401s were the window's: {counts}"
    );
}

#[tokio::test]
async fn a_window_with_a_count_ends_with_whichever_comes_first() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    // The count ends first.
    let armed = emu
        .arm(json!({"method": "GET", "path_prefix": "/api/v2/tenants", "status": 503, "count": 2, "for_ms": 60000}))
        .await;
    assert_eq!(
        (&armed["rules"][0]["count"], &armed["rules"][0]["for_ms"]),
        (&json!(2), &json!(60000)),
        "{armed}"
    );
    assert_eq!(emu.get_statuses(3).await, [503, 503, 200]);
    let (_, faults) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(faults["rules"], json!([]), "used up");

    // The window ends first.
    let window = Duration::from_millis(400);
    let arming = Instant::now();
    emu.arm(json!({"method": "GET", "path_prefix": "/api/v2/tenants", "status": 503, "count": 1000, "for_ms": 400}))
        .await;
    assert_eq!(emu.get_statuses(1).await, [503]);
    let (_, faults) = emu.admin(reqwest::Method::GET, "faults", None).await;
    if arming.elapsed() < window {
        assert_eq!(faults["rules"][0]["count"], 999, "{faults}");
    }
    let seen = until_ok(&emu, "tenants/current").await;
    assert!(
        seen.iter()
            .all(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE),
        "{seen:?}"
    );
    assert!(
        arming.elapsed() >= window,
        "the window ended after {:?}",
        arming.elapsed()
    );
    assert!(seen.len() < 999, "ended by the clock, not the count");
    let (_, faults) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(faults["rules"], json!([]), "{faults}");
}

#[tokio::test]
async fn windows_are_checked() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    for (rule, field) in [
        (json!({"status": 503, "for_ms": 0}), "for_ms"),
        (json!({"status": 503, "for_ms": 86_400_001}), "for_ms"),
        (json!({"status": 503, "for_ms": "30s"}), "for_ms"),
        (json!({"for_ms": 1000}), "status"),
        (
            json!({"chaos": {"latency_ms": 10}, "for_ms": 1000}),
            "for_ms",
        ),
        (json!({"fail_next_cluster": true, "for_ms": 1000}), "for_ms"),
    ] {
        let (status, refused) = emu
            .admin(reqwest::Method::POST, "faults", Some(rule.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule}: {refused}"
        );
        assert_eq!(error_fields(&refused), [field], "{rule}: {refused}");
    }
    // A canned answer for a window.
    let armed = emu
        .arm(json!({"method": "GET", "path_prefix": "/api/v2/clouds", "body": [], "for_ms": 60000}))
        .await;
    let rule: &Value = &armed["rules"][0];
    assert_eq!(
        (&rule["for_ms"], &rule["status"]),
        (&json!(60000), &json!(200))
    );
    for _ in 0..3 {
        let (status, text) = emu.send_raw(reqwest::Method::GET, "clouds", None).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "[]"));
    }
}
