//! Lost answers (a 504 or a dropped connection after the request was
//! handled), holds (a request kept in flight before it is handled) and
//! gateway timeouts (a 504 while a held request goes on).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use xelon_emulator::Chaos;

use crate::common::{
    BUSY, Emu, TOKEN, WAIT_LIMIT, assert_lost, chaotic, client, cluster_body, config, error_fields,
    impatient_client, pool_body,
};

#[tokio::test]
async fn a_lost_answer_still_creates_the_object() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let http = client();
    let create_rule = |mode: &str| json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "lose_response": mode, "count": 1});
    let armed = emu.arm(create_rule("504")).await;
    assert_eq!(armed["rules"][0]["lose_response"], "504", "{armed}");

    let response = http
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("lost", "test"))
        .send()
        .await
        .expect("a 504 is an answer");
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = response.json().await.expect("error body");
    assert_eq!(body["error"], "gateway_timeout", "{body}");
    assert_eq!(emu.truth_names().await, ["lost"], "created all the same");

    emu.arm(create_rule("drop")).await;
    assert_eq!(emu.try_create(&http, "lost").await, None, "no HTTP answer");
    assert_eq!(
        emu.truth_names().await,
        ["lost", "lost"],
        "created all the same; duplicate names are allowed"
    );
    assert_eq!(
        emu.try_create(&http, "lost").await,
        Some(StatusCode::CREATED),
        "the rules are used up"
    );
    let counts = emu.counters().await;
    assert_eq!(counts["lost"], json!({"504": 1, "drop": 1}), "{counts}");
    assert_eq!(counts["injected"], json!({}), "{counts}");
    assert_eq!(counts["total"], 3, "{counts}");
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_http_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let emu = Emu::start(config(BUSY, Duration::ZERO)).await;
    let id = emu.create_cluster(cluster_body("doomed", "test")).await;
    emu.arm(json!({"method": "DELETE", "lose_response": "drop"}))
        .await;

    let mut tcp = tokio::net::TcpStream::connect(emu.running.addr())
        .await
        .expect("connect");
    let request = format!(
        "DELETE /api/v2/kubernetes/{id} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n",
        emu.running.addr()
    );
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut received = Vec::new();
    let read = tokio::time::timeout(WAIT_LIMIT, tcp.read_to_end(&mut received))
        .await
        .expect("the connection is closed, not left open");
    // A close (EOF) or a reset, but not a byte of an answer.
    assert!(
        received.is_empty(),
        "no HTTP answer expected, got {:?} ({read:?})",
        String::from_utf8_lossy(&received)
    );

    let (_, truth) = emu
        .admin(reqwest::Method::GET, &format!("clusters/{id}"), None)
        .await;
    assert_eq!(
        truth["cluster"]["status"], "Deleting",
        "the delete was handled"
    );
    let (status, _) = emu.get(&format!("kubernetes/{id}")).await;
    assert_eq!(status, StatusCode::OK, "other connections are served");
}

#[tokio::test]
async fn random_lost_answers_hit_mutating_requests_both_ways() {
    const CREATES: usize = 12;
    let emu = Emu::start(chaotic(
        Chaos {
            lost_response_rate: 1.0,
            ..Chaos::default()
        },
        3,
    ))
    .await;
    assert_eq!(
        emu.get_statuses(3).await,
        [200, 200, 200],
        "GETs are never lost"
    );
    let http = client();
    let mut outcomes = Vec::new();
    for n in 0..CREATES {
        outcomes.push(emu.try_create(&http, &format!("chaos-{n}")).await);
    }
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, None | Some(StatusCode::GATEWAY_TIMEOUT))),
        "{outcomes:?}"
    );
    let dropped = outcomes.iter().filter(|o| o.is_none()).count();
    assert!(
        (1..CREATES).contains(&dropped),
        "both 504s and drops: {outcomes:?}"
    );
    assert_eq!(emu.truth_names().await.len(), CREATES, "all handled");
    let counts = emu.counters().await;
    assert_eq!(
        counts["lost"],
        json!({"504": CREATES - dropped, "drop": dropped}),
        "{counts}"
    );

    // A method filter applies the rate to that method, GETs included.
    emu.admin(reqwest::Method::DELETE, "faults", None).await;
    emu.arm(json!({"chaos": {"lost_response_rate": 1}, "method": "GET", "path_prefix": "/api/v2/tenants"}))
        .await;
    let lost = client()
        .get(emu.url("tenants/current"))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert_lost(&lost);
    let (status, _) = emu.get("clouds").await;
    assert_eq!(status, StatusCode::OK, "outside the filter");
    assert_eq!(
        emu.try_create(&http, "calm").await,
        Some(StatusCode::CREATED),
        "the flags' chaos is disarmed too"
    );
}

#[tokio::test]
async fn a_hold_keeps_the_request_in_flight_then_handles_it() {
    let hold = Duration::from_secs(2);
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let armed = emu
        .arm(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "delay_ms": 2000, "count": 1}))
        .await;
    assert_eq!(armed["rules"][0]["delay_ms"], 2000, "{armed}");

    let http = client();
    let url = emu.url("kubernetes");
    let sent = Instant::now();
    let create = tokio::spawn(
        http.post(url)
            .bearer_auth(TOKEN)
            .json(&cluster_body("held", "test"))
            .send(),
    );
    emu.wait_counters(|c| c["holding"] == 1).await;
    let names = emu.truth_names().await;
    assert!(
        sent.elapsed() < hold,
        "this machine took the whole hold to look: cannot check the request is in flight"
    );
    assert!(names.is_empty(), "not handled while held: {names:?}");

    let response = create.await.expect("task").expect("answer");
    let took = sent.elapsed();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(took >= hold, "answered after {took:?}, held for {hold:?}");
    assert_eq!(emu.truth_names().await, ["held"]);
    let counts = emu.counters().await;
    assert_eq!(
        (counts["holding"].clone(), counts["delayed"].clone()),
        (json!(0), json!(1)),
        "{counts}"
    );

    let (status, _) = emu.post("kubernetes", cluster_body("free", "test")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(emu.counters().await["delayed"], 1, "the hold was used up");
}

#[tokio::test]
async fn a_held_request_is_handled_even_when_its_client_gives_up() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    emu.arm(json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "delay_ms": 1500}))
        .await;
    let impatient = impatient_client(Duration::from_millis(200));
    let err = impatient
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("orphan", "test"))
        .send()
        .await
        .expect_err("held longer than the client waits");
    assert!(err.is_timeout(), "{err:?}");
    let start = Instant::now();
    while emu.truth_names().await.is_empty() {
        assert!(
            start.elapsed() < WAIT_LIMIT,
            "the held create never happened"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(emu.truth_names().await, ["orphan"]);
    emu.wait_counters(|c| c["holding"] == 0).await;
}

/// The create rule of a gateway that gives up after 400 ms on a create held
/// for 1200 ms.
fn gateway_rule() -> Value {
    json!({
        "method": "POST", "path_prefix": "/api/v2/kubernetes", "path_suffix": "/kubernetes",
        "delay_ms": 1200, "gateway_timeout_ms": 400, "count": 1
    })
}

#[tokio::test]
async fn a_gateway_timeout_answers_504_while_the_request_goes_on() {
    let hold = Duration::from_millis(1200);
    let gives_up = Duration::from_millis(400);
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let armed = emu.arm(gateway_rule()).await;
    let rule = &armed["rules"][0];
    assert_eq!(
        (
            &rule["delay_ms"],
            &rule["gateway_timeout_ms"],
            &rule["count"]
        ),
        (&json!(1200), &json!(400), &json!(1)),
        "{armed}"
    );

    let sent = Instant::now();
    let response = client()
        .post(emu.url("kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("behind-the-gateway", "test"))
        .send()
        .await
        .expect("a 504 is an answer");
    let answered = sent.elapsed();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = response.json().await.expect("error body");
    assert_eq!(body["error"], "gateway_timeout", "{body}");
    assert!(answered >= gives_up, "answered after {answered:?}");
    let names = emu.truth_names().await;
    let counts = emu.counters().await;
    assert!(
        sent.elapsed() < hold,
        "this machine took the whole hold to look: cannot check the request is still in flight"
    );
    assert!(
        names.is_empty(),
        "not handled before the hold ends: {names:?}"
    );
    assert_eq!(counts["holding"], 1, "still held: {counts}");
    assert_eq!(counts["lost"], json!({"504": 1, "drop": 0}), "{counts}");
    assert_eq!(counts["delayed"], 1, "{counts}");
    assert_eq!(counts["injected"], json!({}), "{counts}");

    while emu.truth_names().await.is_empty() {
        assert!(sent.elapsed() < WAIT_LIMIT, "the create never happened");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        sent.elapsed() >= hold,
        "created after {:?}, before the hold of {hold:?} ended",
        sent.elapsed()
    );
    assert_eq!(emu.truth_names().await, ["behind-the-gateway"]);
    emu.wait_counters(|c| c["holding"] == 0).await;
    assert_eq!(
        emu.try_create(&client(), "direct").await,
        Some(StatusCode::CREATED),
        "the rule is used up"
    );
    let (_, faults) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(faults["rules"], json!([]));
}

#[tokio::test]
async fn a_gateway_timeout_needs_a_longer_hold_and_nothing_else() {
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let with = |extra: Value| {
        let mut rule = gateway_rule();
        for (key, value) in extra.as_object().expect("an object") {
            rule[key] = value.clone();
        }
        rule
    };
    let no_hold = json!({"method": "POST", "gateway_timeout_ms": 300});
    for (rule, field, says) in [
        (no_hold, "gateway_timeout_ms", "needs delay_ms"),
        (
            with(json!({"delay_ms": 400})),
            "gateway_timeout_ms",
            "must be less than delay_ms (400)",
        ),
        (
            with(json!({"delay_ms": 300})),
            "gateway_timeout_ms",
            "must be less than delay_ms (300)",
        ),
        (
            with(json!({"gateway_timeout_ms": 0})),
            "gateway_timeout_ms",
            "",
        ),
        (
            with(json!({"status": 503})),
            "status",
            "cannot be combined with gateway_timeout_ms",
        ),
        (
            with(json!({"body": {}})),
            "body",
            "cannot be combined with gateway_timeout_ms",
        ),
        (
            with(json!({"lose_response": "504"})),
            "lose_response",
            "cannot be combined with gateway_timeout_ms",
        ),
        (
            json!({"chaos": {"latency_ms": 10}, "gateway_timeout_ms": 300}),
            "gateway_timeout_ms",
            "cannot be combined with chaos",
        ),
        (
            json!({"fail_next_cluster": true, "gateway_timeout_ms": 300}),
            "gateway_timeout_ms",
            "cannot be combined with fail_next_cluster",
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
        assert_eq!(error_fields(&refused), [field], "{rule}: {refused}");
        let reason = refused["errors"][field][0].as_str().expect("a reason");
        assert!(reason.contains(says), "{rule}: {reason}");
    }
    let (_, faults) = emu.admin(reqwest::Method::GET, "faults", None).await;
    assert_eq!(
        faults,
        json!({"rules": [], "chaos": [], "fail_next_cluster": 0}),
        "nothing armed"
    );
}

#[tokio::test]
async fn held_creates_go_on_after_their_client_timed_out() {
    let hold = Duration::from_millis(1000);
    let emu = Emu::start(config(Duration::ZERO, Duration::ZERO)).await;
    let home = emu.create_cluster(cluster_body("home", "test")).await;
    // Every cluster's name, and the names of the pools of `home`.
    let existing = async || {
        let (status, truth) = emu
            .admin(reqwest::Method::GET, &format!("clusters/{home}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{truth}");
        let pools: Vec<String> = truth["pools"]
            .as_array()
            .expect("pools")
            .iter()
            .map(|p| p["name"].as_str().expect("name").to_owned())
            .collect();
        (emu.truth_names().await, pools)
    };
    let impatient = impatient_client(Duration::from_millis(300));
    let pools = format!("kubernetes/{home}/pools");
    let creates = [
        (
            "kubernetes",
            cluster_body("abandoned", "test"),
            json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "path_suffix": "/kubernetes", "delay_ms": 1000}),
        ),
        (
            pools.as_str(),
            pool_body("abandoned pool", 1),
            json!({"method": "POST", "path_prefix": format!("/api/v2/{pools}"), "delay_ms": 1000}),
        ),
    ];
    for (path, body, rule) in creates {
        emu.arm(rule).await;
        let before = existing().await;
        let sent = Instant::now();
        let err = impatient
            .post(emu.url(path))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .expect_err("held longer than the client waits");
        assert!(err.is_timeout(), "{path}: {err:?}");
        let counts = emu.counters().await;
        let now = existing().await;
        assert!(
            sent.elapsed() < hold,
            "this machine took the whole hold to look: cannot check the request is still in flight"
        );
        assert_eq!(
            counts["holding"], 1,
            "{path}: still held after the client left: {counts}"
        );
        assert_eq!(now, before, "{path}: nothing created yet");

        let after = loop {
            let now = existing().await;
            if now != before {
                break now;
            }
            assert!(
                sent.elapsed() < WAIT_LIMIT,
                "{path}: the held create never happened"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        assert!(
            sent.elapsed() >= hold,
            "{path}: created after {:?}, before the hold of {hold:?} ended",
            sent.elapsed()
        );
        let mut expected = before;
        if path == "kubernetes" {
            expected.0.push("abandoned".to_owned());
        } else {
            expected.1.push("abandoned pool".to_owned());
        }
        assert_eq!(after, expected, "{path}");
        emu.wait_counters(|c| c["holding"] == 0).await;
    }
    let counts = emu.counters().await;
    assert_eq!(counts["delayed"], 2, "{counts}");
    assert_eq!(
        counts["lost"],
        json!({"504": 0, "drop": 0}),
        "a client's own timeout is no lost answer: {counts}"
    );
}
