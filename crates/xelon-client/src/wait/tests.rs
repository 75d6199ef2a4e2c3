//! Tests of [`super`] (wait).
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use super::*;
use crate::test_support::{Reply, fast_config, mock};

fn cluster(status: &str, health: &str) -> Reply {
    Reply::json(
        200,
        json!({"data": {"identifier": "k1", "name": "k1", "status": status,
                        "health": {"health": health}}}),
    )
}

#[test]
fn delays_grow_and_cap() {
    let s = PollSchedule::default();
    let d: Vec<u128> = s.delays().take(4).map(|d| d.as_millis()).collect();
    assert_eq!(d, [250, 2000, 2000, 2000]);
    // At most 30 polls in any minute of waiting.
    let mut at = Duration::ZERO;
    let polls = s
        .delays()
        .take_while(|d| {
            at += *d;
            at <= Duration::from_secs(60)
        })
        .count();
    assert!(polls <= 30, "{polls} polls in the first minute");
    let grow = PollSchedule {
        initial: Duration::from_secs(1),
        factor: 1.5,
        max: Duration::from_secs(10),
    };
    let d: Vec<u128> = grow.delays().take(8).map(|d| d.as_millis()).collect();
    assert_eq!(d, [1000, 1500, 2250, 3375, 5062, 7593, 10000, 10000]);
    let weird = PollSchedule {
        initial: Duration::from_secs(30),
        factor: f64::NAN,
        max: Duration::from_secs(10),
    };
    let d: Vec<Duration> = weird.delays().take(3).collect();
    assert_eq!(d, [Duration::from_secs(10); 3]);
}

#[tokio::test]
async fn cluster_ready_polls_until_ready_and_healthy_with_backoff() {
    let m = mock(|_, n| match n {
        0 => cluster("Provisioning", ""),
        1 => cluster("Provisioning", "unhealthy"),
        2 => Reply::json(503, json!({})),
        3 => cluster("Ready", "unhealthy"),
        _ => cluster("Ready", "healthy"),
    })
    .await;
    let mut config = fast_config(&m.base_url);
    config.retry = crate::RetryPolicy::none();
    config.poll = PollSchedule {
        initial: Duration::from_millis(20),
        factor: 2.0,
        max: Duration::from_millis(80),
    };
    let client = Client::new(config).unwrap();
    let started = std::time::Instant::now();
    let c = wait_cluster_ready(
        &client,
        "k1",
        Duration::from_secs(10),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(c.is_ready());
    let reqs = m.requests();
    assert_eq!(reqs.len(), 5);
    let first = reqs[0].at.duration_since(started);
    assert!(
        first >= Duration::from_millis(20),
        "first poll after {first:?}"
    );
    let expected = [40, 80, 80, 80];
    for (i, w) in reqs.windows(2).enumerate() {
        let gap = w[1].at.duration_since(w[0].at);
        assert!(
            gap >= Duration::from_millis(expected[i]),
            "gap {i} is {gap:?}, expected at least {}ms",
            expected[i]
        );
    }
}

#[tokio::test]
async fn cluster_ready_fails_on_terminal_status() {
    let m = mock(|_, n| {
        if n == 0 {
            cluster("Provisioning", "")
        } else {
            cluster("Error", "")
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let err = wait_cluster_ready(
        &client,
        "k1",
        Duration::from_secs(10),
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    match &err {
        Error::NotReady { what, status } => {
            assert_eq!(what, "cluster k1 to be ready");
            assert_eq!(status, "Error");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn cluster_ready_fails_on_other_api_errors() {
    let m = mock(|_, _| Reply::json(403, json!({"message": "forbidden"}))).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let err = wait_cluster_ready(
        &client,
        "k1",
        Duration::from_secs(10),
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(m.requests().len(), 1);
}

#[tokio::test]
async fn wait_honours_the_timeout() {
    let m = mock(|_, _| cluster("Provisioning", "")).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let started = std::time::Instant::now();
    let err = wait_cluster_ready(
        &client,
        "k1",
        Duration::from_millis(150),
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
    match &err {
        Error::Timeout {
            what,
            after,
            last_status,
        } => {
            assert_eq!(what, "cluster k1 to be ready");
            assert_eq!(*after, Duration::from_millis(150));
            assert_eq!(last_status.as_deref(), Some("Provisioning"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(m.requests().len() >= 3, "{} polls", m.requests().len());
}

#[tokio::test(start_paused = true)]
async fn timeout_cuts_a_slow_poll() {
    // A check that never answers must not hold the wait past its deadline
    // (on tokio's paused clock: the deadline is met exactly, however busy
    // the machine).
    let started = tokio::time::Instant::now();
    let err = poll_until::<(), _, _>(
        &PollSchedule {
            initial: Duration::from_millis(1),
            factor: 1.0,
            max: Duration::from_millis(1),
        },
        Duration::from_millis(100),
        &CancellationToken::new(),
        "the impossible",
        std::future::pending,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_millis(100));
}

#[tokio::test]
async fn wait_is_cancellable() {
    let m = mock(|_, _| cluster("Provisioning", "")).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(60)).await;
        trigger.cancel();
    });
    let started = std::time::Instant::now();
    let err = wait_cluster_ready(&client, "k1", Duration::from_secs(60), &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn transient_poll_failures_do_not_end_the_wait() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let value = poll_until(
        &PollSchedule {
            initial: Duration::from_millis(1),
            factor: 1.0,
            max: Duration::from_millis(1),
        },
        Duration::from_secs(5),
        &CancellationToken::new(),
        "x",
        || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    0 => Err(Error::from_response(
                        reqwest::Method::GET,
                        "p",
                        reqwest::StatusCode::SERVICE_UNAVAILABLE,
                        b"",
                        "",
                    )),
                    1 => Ok(Progress::Pending("busy".into())),
                    _ => Ok(Progress::Done(n)),
                }
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(value, 2);
}

#[tokio::test]
async fn cluster_deleted_waits_for_404() {
    let m = mock(|_, n| {
        if n < 2 {
            cluster("Deleting", "")
        } else {
            Reply::json(404, json!({"message": "gone"}))
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    wait_cluster_deleted(
        &client,
        "k1",
        Duration::from_secs(10),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(m.requests().len(), 3);
}

fn pool(statuses: &[&str]) -> Reply {
    let nodes: Vec<_> = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"identifier": format!("n{i}"), "localvmid": "", "name": "", "status": s}))
        .collect();
    Reply::json(
        200,
        json!({"identifier": "p1", "name": "main", "nodes": nodes}),
    )
}

#[tokio::test]
async fn pool_waiters() {
    let m = mock(|req, n| match req.path.as_str() {
        "/api/v2/kubernetes/k1/pools/p1" => match n {
            0 => pool(&["Provisioning", "Deployed"]),
            1 => pool(&["Deployed", "Deployed"]),
            2 => pool(&["Deployed", "Deployed"]),
            3 => pool(&["Deployed", "Deployed", "Provisioning"]),
            _ => pool(&["Deployed", "Deployed", "Deployed"]),
        },
        "/api/v2/kubernetes/k1/pools/empty" => pool(&[]),
        "/api/v2/kubernetes/k1/pools/bad" => pool(&["Deployed", "Error"]),
        "/api/v2/kubernetes/k1/pools/dying" if n < 1 => pool(&["Deployed"]),
        _ => Reply::json(404, json!({})),
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let cancel = CancellationToken::new();
    let t = Duration::from_secs(10);

    let update = UpdateNodePoolRequest {
        name: "main".into(),
        cpu_core_count: 4,
        memory: 8,
        disk: 50,
        has_extra_storage: false,
        extra_storage: 0,
    };
    // The pool reports no sizes: readiness alone shows the change.
    let p = wait_pool_updated(&client, "k1", "p1", &update, t, &cancel)
        .await
        .unwrap();
    assert_eq!(p.nodes.len(), 2);
    let p = wait_pool_size(&client, "k1", "p1", 3, t, &cancel)
        .await
        .unwrap();
    assert_eq!(p.nodes.len(), 3);
    assert!(p.is_ready());
    assert!(
        wait_pool_updated(&client, "k1", "empty", &update, t, &cancel)
            .await
            .unwrap()
            .nodes
            .is_empty()
    );
    let err = wait_pool_updated(&client, "k1", "bad", &update, t, &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotReady { status, .. } if status == "Error"),
        "{err:?}"
    );
    assert!(err.to_string().contains("node n1"), "{err}");
    wait_pool_deleted(&client, "k1", "dying", t, &cancel)
        .await
        .unwrap();
}

/// An eventually consistent API: right after the PATCH the pool still
/// shows its old size, every node Deployed. The wait must not end there.
#[tokio::test]
async fn pool_update_waits_until_the_change_shows() {
    let m = mock(|_, n| {
        let (cpu, status) = match n {
            0 | 1 => (2, "Deployed"),
            2 => (4, "Updating"),
            _ => (4, "Deployed"),
        };
        Reply::json(
            200,
            json!({"identifier": "p1", "name": "main", "cpu": cpu, "memory": 4, "disk": 50,
                   "nodes": [{"identifier": "n1", "status": status}]}),
        )
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let update = UpdateNodePoolRequest {
        name: "main".into(),
        cpu_core_count: 4,
        memory: 4,
        disk: 50,
        has_extra_storage: false,
        extra_storage: 0,
    };
    let p = wait_pool_updated(
        &client,
        "k1",
        "p1",
        &update,
        Duration::from_secs(10),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(p.cpu, Some(4));
    assert_eq!(m.requests().len(), 4);
}

#[tokio::test]
async fn conflicts_are_retried_until_the_object_is_free() {
    let calls = std::sync::atomic::AtomicU32::new(0);
    let m = mock(|_, n| {
        if n < 2 {
            Reply::json(409, json!({"message": "busy"}))
        } else {
            Reply::json(202, json!({}))
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let cancel = CancellationToken::new();
    retry_on_conflict(&client, Duration::from_secs(10), &cancel, "test", || {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        client.enable_high_availability("k1")
    })
    .await
    .unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 3);
    // Other errors are not retried; a conflict past the timeout is returned.
    let m = mock(|_, _| Reply::json(409, json!({"message": "busy"}))).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let err = retry_on_conflict(&client, Duration::from_millis(1), &cancel, "test", || {
        client.enable_high_availability("k1")
    })
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(m.requests().len(), 1);
}
