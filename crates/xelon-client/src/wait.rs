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
/// would pass `timeout`, or when `cancel` is cancelled (a refused call is
/// not in flight: the 409 says truly that nothing was done). Any other
/// outcome is returned as it is.
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
                    _ = cancel.cancelled() => return Err(error),
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
mod tests;
