//! Waiting for asynchronous operations: clusters and pools to become ready
//! or to disappear.
//!
//! Every waiter polls on the client's [`PollSchedule`]: a first poll after
//! `initial`, then delays growing by `factor` up to `max`. The default is the
//! one schedule of the provider: a first poll after 250 ms, then every 2 s
//! (at most 30 GETs per minute of waiting per object, and a change is seen
//! at most about 2 s after it happens). A wait never outlasts its `timeout` (it fails with
//! [`Error::Timeout`], naming the last status seen) and stops at once with
//! [`Error::Cancelled`] when its [`CancellationToken`] is cancelled, even in
//! the middle of a request.
//!
//! Transient failures of a poll (transport errors, 429, 500 and 502-504, left over
//! once the client's own retries are spent) do not end a wait: the next
//! poll tries again. Any other error does.
//!
//! A change call that the API refuses with `409 Conflict` (the object is
//! still busy with an earlier change, which an eventually consistent API
//! may not show yet) is tried again on the same schedule by
//! [`retry_on_conflict`], within the operation's timeout.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::Client;
use super::error::{Error, Result};
use super::models::{Cluster, NodePool, STATUS_DELETED, STATUS_ERROR, UpdateNodePoolRequest};

/// When a waiter polls.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    /// The delay before the first poll.
    pub initial: Duration,
    /// How much each delay grows over the previous one (>= 1).
    pub factor: f64,
    /// The longest delay between two polls.
    pub max: Duration,
}

impl Default for PollSchedule {
    /// A first poll 250 ms after the change was accepted (quick operations
    /// are seen at once), then one every 2 s: a change is seen at most about
    /// 2 s after it happens, at no more than 30 GETs per minute of waiting.
    fn default() -> Self {
        PollSchedule {
            initial: Duration::from_millis(250),
            factor: 8.0,
            max: Duration::from_secs(2),
        }
    }
}

impl PollSchedule {
    /// The delays before each poll: `initial`, `initial * factor`, ...,
    /// never more than `max`. Endless.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let max = self.max;
        let factor = if self.factor.is_finite() && self.factor >= 1.0 {
            self.factor
        } else {
            1.0
        };
        std::iter::successors(Some(self.initial.min(max)), move |d| {
            Some(d.mul_f64(factor).min(max))
        })
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<T> {
    /// The goal is reached; the wait answers this.
    Done(T),
    /// Not yet; the text (e.g. the current status) goes into the
    /// [`Error::Timeout`] should the wait time out.
    Pending(String),
}

/// Calls `check` on `schedule` until it answers [`Progress::Done`], it fails
/// with a non-transient error, `timeout` passes, or `cancel` is cancelled.
///
/// `what` names the goal in errors, e.g. `cluster k8s-1 to be ready`. The
/// first poll happens after `schedule.initial`, or after half the timeout if
/// that is sooner. Each poll is itself cut off at the deadline.
pub async fn poll_until<T, F, Fut>(
    schedule: &PollSchedule,
    timeout: Duration,
    cancel: &CancellationToken,
    what: &str,
    mut check: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress<T>>>,
{
    let started = Instant::now();
    let deadline = started + timeout;
    let mut last_status: Option<String> = None;
    let timed_out = |last_status: Option<String>| Error::Timeout {
        what: what.to_owned(),
        after: timeout,
        last_status,
    };

    let mut delays = schedule.delays();
    let mut first = true;
    loop {
        let mut delay = delays.next().unwrap_or(schedule.max);
        if first {
            delay = delay.min(timeout / 2);
            first = false;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out(last_status));
        }
        let wake = (now + delay).min(deadline);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            _ = tokio::time::sleep_until(wake) => {}
        }
        if Instant::now() >= deadline {
            return Err(timed_out(last_status));
        }

        let outcome = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            outcome = tokio::time::timeout_at(deadline, check()) => outcome,
        };
        match outcome {
            Err(_elapsed) => return Err(timed_out(last_status)),
            Ok(Ok(Progress::Done(value))) => {
                tracing::debug!(
                    target: "xelon", what, elapsed_ms = started.elapsed().as_millis() as u64,
                    "wait done"
                );
                return Ok(value);
            }
            Ok(Ok(Progress::Pending(status))) => {
                tracing::debug!(target: "xelon", what, status = %status, "still waiting");
                last_status = Some(status);
            }
            Ok(Err(error)) if error.is_transient() => {
                tracing::debug!(target: "xelon", what, %error, "poll failed, will poll again");
                last_status = Some(format!("poll failed: {error}"));
            }
            Ok(Err(error)) => return Err(error),
        }
    }
}

/// Calls `call` (a change call such as an upgrade or a resize) and, while
/// the API refuses it with `409 Conflict` because the object is busy, calls
/// it again after the delays of the client's [`PollSchedule`]; the first
/// call goes out at once. Gives up with the last 409 once the next try
/// would pass `timeout`; stops with [`Error::Cancelled`] when `cancel` is
/// cancelled. Any other outcome is returned as it is.
pub async fn retry_on_conflict<T, F, Fut>(
    client: &Client,
    timeout: Duration,
    cancel: &CancellationToken,
    what: &str,
    mut call: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let deadline = Instant::now() + timeout;
    let schedule = client.poll_schedule();
    let mut delays = schedule.delays();
    loop {
        match call().await {
            Err(error) if error.status() == Some(409) => {
                let delay = delays.next().unwrap_or(schedule.max);
                if Instant::now() + delay >= deadline {
                    return Err(error);
                }
                tracing::info!(
                    target: "xelon", what, %error, delay_ms = delay.as_millis() as u64,
                    "the API refused the change while the object is busy; trying again"
                );
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => return Err(Error::Cancelled),
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            other => return other,
        }
    }
}

/// Waits until the cluster's status is `Ready` AND its health `healthy`.
///
/// Fails with [`Error::NotReady`] when the status becomes `Deleting`,
/// `Deleted` or `Error`, and with the API error when the cluster disappears.
pub async fn wait_cluster_ready(
    client: &Client,
    id: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Cluster> {
    let what = format!("cluster {id} to be ready");
    poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        let cluster = client.get_cluster(id).await?;
        if cluster.is_ready() {
            Ok(Progress::Done(cluster))
        } else if cluster.is_terminal() {
            Err(Error::NotReady {
                what: what.clone(),
                status: cluster.status,
            })
        } else {
            Ok(Progress::Pending(cluster_status(&cluster)))
        }
    })
    .await
}

/// Waits until the cluster is gone: a GET answers 404 (or the status reads
/// `Deleted`).
pub async fn wait_cluster_deleted(
    client: &Client,
    id: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<()> {
    let what = format!("cluster {id} to be deleted");
    poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        match client.get_cluster(id).await {
            Err(e) if e.is_not_found() => Ok(Progress::Done(())),
            Err(e) => Err(e),
            Ok(cluster) if cluster.status == STATUS_DELETED => Ok(Progress::Done(())),
            Ok(cluster) => Ok(Progress::Pending(cluster_status(&cluster))),
        }
    })
    .await
}

/// Waits until the pool shows the change `update` asked for and every node
/// is `Deployed` again: the wait that follows [`Client::update_pool`]. The
/// API is eventually consistent, so a pool that still shows the old values
/// right after the call is not done; a value the API does not report (see
/// [`NodePool`]) is not waited for. Fails with [`Error::NotReady`] when a
/// node reports `Error`.
pub async fn wait_pool_updated(
    client: &Client,
    cluster_id: &str,
    pool_id: &str,
    update: &UpdateNodePoolRequest,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<NodePool> {
    let what = format!("node pool {pool_id} of cluster {cluster_id} to show the change");
    wait_pool(client, cluster_id, pool_id, timeout, cancel, what, |pool| {
        let shows = |reported: Option<u32>, wanted: u32| reported.is_none_or(|r| r == wanted);
        (pool.name.is_empty() || pool.name == update.name)
            && shows(pool.cpu, update.cpu_core_count)
            && shows(pool.memory, update.memory)
            && shows(pool.disk, update.disk)
            && shows(pool.extra_storage, update.extra_storage)
    })
    .await
}

/// Waits until the pool has exactly `nodes` nodes, every one `Deployed`:
/// the wait that follows [`Client::add_node`] or [`Client::delete_node`].
/// Fails with [`Error::NotReady`] when a node reports `Error`.
pub async fn wait_pool_size(
    client: &Client,
    cluster_id: &str,
    pool_id: &str,
    nodes: usize,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<NodePool> {
    let what = format!("node pool {pool_id} of cluster {cluster_id} to have {nodes} ready nodes");
    wait_pool(client, cluster_id, pool_id, timeout, cancel, what, |pool| {
        pool.nodes.len() == nodes
    })
    .await
}

/// Waits until `shows` holds for the pool and every node is `Deployed`.
async fn wait_pool(
    client: &Client,
    cluster_id: &str,
    pool_id: &str,
    timeout: Duration,
    cancel: &CancellationToken,
    what: String,
    shows: impl Fn(&NodePool) -> bool,
) -> Result<NodePool> {
    poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        let pool = client.get_pool(cluster_id, pool_id).await?;
        if let Some(failed) = pool.nodes.iter().find(|n| n.status == STATUS_ERROR) {
            return Err(Error::NotReady {
                what: format!("{what}: node {}", failed.identifier),
                status: failed.status.clone(),
            });
        }
        if shows(&pool) && pool.is_ready() {
            Ok(Progress::Done(pool))
        } else {
            Ok(Progress::Pending(pool.status_summary()))
        }
    })
    .await
}

/// Waits until a GET of the pool answers 404.
pub async fn wait_pool_deleted(
    client: &Client,
    cluster_id: &str,
    pool_id: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<()> {
    let what = format!("node pool {pool_id} of cluster {cluster_id} to be deleted");
    poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        match client.get_pool(cluster_id, pool_id).await {
            Err(e) if e.is_not_found() => Ok(Progress::Done(())),
            Err(e) => Err(e),
            Ok(pool) => Ok(Progress::Pending(pool.status_summary())),
        }
    })
    .await
}

fn cluster_status(cluster: &Cluster) -> String {
    match cluster.health() {
        "" => cluster.status.clone(),
        health => format!("{}, health {health}", cluster.status),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;
    use crate::xelon::test_support::{Reply, fast_config, mock};

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
        config.retry = crate::xelon::RetryPolicy::none();
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

    #[tokio::test]
    async fn timeout_cuts_a_slow_poll() {
        // A check that never answers must not hold the wait past its deadline.
        let started = std::time::Instant::now();
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
        assert!(started.elapsed() < Duration::from_millis(800));
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
}
