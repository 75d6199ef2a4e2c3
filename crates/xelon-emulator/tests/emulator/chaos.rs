//! Chaos: random faults at a rate, latency, chaos rules armed through the
//! admin API and the counters of what chaos did.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};
use xelon_emulator::{self as emulator, Chaos, FaultRate};

use crate::common::{
    Emu, TOKEN, chaotic, cluster_body, config, error_fields, header, impatient_client,
};

/// A fault rate from its `--fault-rate` form.
fn fault_rate(spec: &str) -> FaultRate {
    spec.parse()
        .unwrap_or_else(|e| panic!("{spec:?} is valid: {e}"))
}

#[test]
fn fault_rate_specs_parse_and_refuse_nonsense() {
    let rate = fault_rate("503=0.2,429=0.1");
    let entries: Vec<_> = rate
        .entries()
        .iter()
        .map(|e| (e.status, e.rate, e.retry_after))
        .collect();
    assert_eq!(entries, [(503, 0.2, None), (429, 0.1, Some(1))]);
    let entries: Vec<_> = fault_rate("429=0.1:2s, 500=0.3:5")
        .entries()
        .iter()
        .map(|e| (e.status, e.retry_after))
        .collect();
    assert_eq!(entries, [(429, Some(2)), (500, Some(5))]);
    assert!(
        "503=0.5,502=0.3,500=0.2".parse::<FaultRate>().is_ok(),
        "probabilities may add up to exactly 1"
    );

    for (bad, needle) in [
        ("", "empty"),
        ("503", "STATUS=PROBABILITY"),
        ("503=0.1,,429=0.1", "stray comma"),
        ("five=0.1", "not an HTTP status"),
        ("302=0.1", "400-599"),
        ("600=0.1", "400-599"),
        ("503=1.01", "not a probability"),
        ("503=-0.2", "not a probability"),
        ("503=often", "not a probability"),
        ("503=0.6,429=0.5", "add up to 1.1"),
        ("503=0.1,503=0.1", "given twice"),
        ("429=0.1:250ms", "whole seconds"),
    ] {
        let err = bad
            .parse::<FaultRate>()
            .expect_err(&format!("{bad:?} is refused"));
        assert!(
            err.to_string().contains(needle),
            "{bad:?}: {err} should mention {needle:?}"
        );
    }

    assert_eq!(emulator::parse_rate("0.25"), Ok(0.25));
    for bad in ["1.5", "-1", "half", ""] {
        let err = emulator::parse_rate(bad).expect_err(bad);
        assert!(err.to_string().contains("from 0 to 1"), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn fault_rate_lands_near_its_probability_and_a_seed_repeats_it() {
    const REQUESTS: usize = 400;
    let half = || Chaos {
        fault_rate: fault_rate("503=0.5"),
        ..Chaos::default()
    };
    let mut runs = Vec::new();
    for seed in [7, 7, 8] {
        let emu = Emu::start(chaotic(half(), seed)).await;
        let statuses = emu.get_statuses(REQUESTS).await;
        let counts = emu.counters().await;
        runs.push((statuses, counts));
    }
    let (first, counts) = &runs[0];
    assert!(
        first.iter().all(|s| *s == 200 || *s == 503),
        "only 200s and 503s: {first:?}"
    );
    let faults = first.iter().filter(|s| **s == 503).count();
    // Binomial(400, 0.5): mean 200, standard deviation 10; 140..=260 is six
    // deviations either side.
    assert!(
        (140..=260).contains(&faults),
        "{faults} of {REQUESTS} failed"
    );
    assert_eq!(counts["total"], REQUESTS);
    assert_eq!(counts["injected"], json!({"503": faults}), "{counts}");
    assert_eq!(counts["by_route"]["GET /tenants/current"], REQUESTS);
    assert_eq!(runs[1].0, *first, "the same seed, the same sequence");
    assert_ne!(runs[2].0, *first, "another seed, another sequence");
}

#[tokio::test]
async fn random_faults_answer_in_the_error_shape_with_retry_after() {
    let emu = Emu::start(chaotic(
        Chaos {
            fault_rate: fault_rate("429=1"),
            ..Chaos::default()
        },
        1,
    ))
    .await;
    let answer = async |path: &str| {
        let response = emu.get_response(path).await;
        let status = response.status();
        let retry_after = header(&response, RETRY_AFTER).map(str::to_owned);
        let body: Value = response.json().await.expect("error body");
        (status, retry_after, body)
    };
    let (status, retry_after, body) = answer("tenants/current").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        retry_after.as_deref(),
        Some("1"),
        "a 429 carries Retry-After: 1"
    );
    assert_eq!(body["error"], "too_many_requests");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );

    // A create that gets a fault is not handled.
    let (status, _) = emu
        .post("kubernetes", cluster_body("faulted", "test"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(emu.truth_names().await.is_empty());

    for (fault_rate, expected_status, expected_retry) in [
        (
            json!({"429": {"rate": 1, "retry_after": 3}}),
            StatusCode::TOO_MANY_REQUESTS,
            Some("3"),
        ),
        (
            json!("503=1:2s"),
            StatusCode::SERVICE_UNAVAILABLE,
            Some("2"),
        ),
        (json!({"503": 1}), StatusCode::SERVICE_UNAVAILABLE, None),
    ] {
        emu.admin(reqwest::Method::DELETE, "faults", None).await;
        emu.arm(json!({"chaos": {"fault_rate": fault_rate.clone()}}))
            .await;
        let (status, retry_after, body) = answer("clouds").await;
        assert_eq!(status, expected_status, "{fault_rate}");
        assert_eq!(retry_after.as_deref(), expected_retry, "{fault_rate}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn latency_delays_every_api_answer_but_not_admin_calls() {
    let latency = Duration::from_millis(300);
    let emu = Emu::start(chaotic(
        Chaos {
            latency,
            ..Chaos::default()
        },
        1,
    ))
    .await;
    let sent = Instant::now();
    let (status, _) = emu.get("tenants/current").await;
    let took = sent.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(
        took >= latency,
        "answered after {took:?}, before {latency:?}"
    );
    let counts = emu.counters().await;
    assert_eq!(
        (counts["delayed"].clone(), counts["total"].clone()),
        (json!(1), json!(1))
    );

    // An admin rule adds ten minutes to the clouds: a client giving up after
    // a second gets no answer, while admin calls answer at once.
    emu.arm(json!({"chaos": {"latency_ms": 600_000}, "path_prefix": "/api/v2/clouds"}))
        .await;
    let impatient = impatient_client(Duration::from_secs(1));
    let err = impatient
        .get(emu.url("clouds"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect_err("no answer within a second");
    assert!(err.is_timeout(), "{err:?}");
    let sent = Instant::now();
    let (status, armed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        sent.elapsed() < Duration::from_secs(60),
        "admin calls do not wait"
    );
    assert_eq!(armed["chaos"][1]["chaos"]["latency_ms"], 600_000, "{armed}");
    assert_eq!(armed["chaos"][0]["chaos"]["latency_ms"], 300, "{armed}");
}

#[tokio::test]
async fn chaos_rules_follow_their_filters_and_disarm() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let armed = emu
        .arm(json!({"chaos": {"fault_rate": {"503": 1}}, "method": "post", "path_prefix": "/api/v2/kubernetes"}))
        .await;
    assert_eq!(
        armed["chaos"],
        json!([{"method": "POST", "path_prefix": "/api/v2/kubernetes", "chaos": {
            "latency_ms": 0, "fault_rate": {"503": {"rate": 1.0}}, "lost_response_rate": 0.0
        }}]),
        "{armed}"
    );
    let (status, _) = emu.post("kubernetes", cluster_body("no", "test")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = emu.get("kubernetes").await;
    assert_eq!(status, StatusCode::OK, "other methods pass");

    // A counted rule is used before the chaos draws.
    emu.arm(json!({"method": "POST", "status": 418, "count": 1}))
        .await;
    let (status, _) = emu.post("kubernetes", cluster_body("no", "test")).await;
    assert_eq!(status.as_u16(), 418);

    let (status, cleared) = emu.admin(reqwest::Method::DELETE, "faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cleared,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0})
    );
    let (status, _) = emu.post("kubernetes", cluster_body("yes", "test")).await;
    assert_eq!(status, StatusCode::CREATED);

    for (rule, fields) in [
        (json!({}), &["status"][..]),
        (json!({"chaos": {}}), &["chaos"][..]),
        (json!({"chaos": 5}), &["chaos"][..]),
        (
            json!({"chaos": {"latnecy_ms": 100}}),
            &["chaos", "chaos.latnecy_ms"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"503": 0.7, "502": 0.4}}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"200": 0.1}}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"abc": 0.1}}}),
            &["chaos.fault_rate.abc"][..],
        ),
        (
            json!({"chaos": {"fault_rate": {"503": 1.5}}}),
            &["chaos.fault_rate.503"][..],
        ),
        (
            json!({"chaos": {"fault_rate": "503=2"}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"fault_rate": 0.5}}),
            &["chaos.fault_rate"][..],
        ),
        (
            json!({"chaos": {"lost_response_rate": -0.5}}),
            &["chaos.lost_response_rate"][..],
        ),
        (
            json!({"chaos": {"latency_ms": -1}}),
            &["chaos.latency_ms"][..],
        ),
        (
            json!({"chaos": {"latency_ms": 10}, "count": 2}),
            &["count"][..],
        ),
        (
            json!({"chaos": {"latency_ms": 10}, "status": 503}),
            &["status"][..],
        ),
        (json!({"lose_response": "maybe"}), &["lose_response"][..]),
        (
            json!({"lose_response": "504", "status": 503}),
            &["status"][..],
        ),
        (json!({"delay_ms": 0}), &["delay_ms"][..]),
        (
            json!({"delay_ms": 100, "retry_after": 1}),
            &["retry_after"][..],
        ),
        (
            json!({"fail_next_cluster": true, "delay_ms": 100}),
            &["delay_ms"][..],
        ),
    ] {
        let (status, refused) = emu
            .admin(reqwest::Method::POST, "faults", Some(rule.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule}: {refused}"
        );
        assert_eq!(error_fields(&refused), fields, "{rule}: {refused}");
    }
    let (status, refused) = emu
        .admin(
            reqwest::Method::POST,
            "faults",
            Some(json!({"chaos": {"fault_rate": {"503": 0.7, "502": 0.4}}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["errors"]["chaos.fault_rate"][0]
            .as_str()
            .is_some_and(|m| m.contains("add up to")),
        "{refused}"
    );
    let (_, armed) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(
        armed,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0})
    );
}

#[tokio::test]
async fn chaos_counters_report_injected_lost_and_delayed_answers() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    for rule in [
        json!({"method": "GET", "path_prefix": "/api/v2/clouds", "body": [], "count": 1}),
        json!({"method": "GET", "path_prefix": "/api/v2/clouds", "status": 503, "count": 2}),
        json!({"method": "GET", "path_prefix": "/api/v2/tenants", "delay_ms": 50, "count": 1}),
        json!({"method": "POST", "lose_response": "504", "delay_ms": 50, "count": 1}),
    ] {
        emu.arm(rule).await;
    }
    for (path, expected) in [
        ("clouds", 200),
        ("clouds", 503),
        ("clouds", 503),
        ("clouds", 200),
        ("tenants/current", 200),
    ] {
        let (status, _) = emu.send_raw(reqwest::Method::GET, path, None).await;
        assert_eq!(status.as_u16(), expected, "{path}");
    }
    let (status, _) = emu.post("kubernetes", cluster_body("late", "test")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let expected = json!({
        "total": 6,
        "by_route": {"GET /clouds": 4, "GET /tenants/current": 1, "POST /kubernetes": 1},
        "injected": {"200": 1, "503": 2},
        "lost": {"504": 1, "drop": 0},
        "delayed": 2,
        "holding": 0
    });
    assert_eq!(emu.counters().await, expected);
    let (_, before) = emu.admin(reqwest::Method::DELETE, "requests", None).await;
    assert_eq!(before, expected, "a reset answers the old values");
    assert_eq!(
        emu.counters().await,
        json!({"total": 0, "by_route": {}, "injected": {}, "lost": {"504": 0, "drop": 0},
               "delayed": 0, "holding": 0})
    );
}
