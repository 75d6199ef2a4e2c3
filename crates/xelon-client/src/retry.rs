//! When and how long the client waits before trying a request again.
//!
//! [`RetryPolicy`] decides which failures are retried and computes the delay
//! before each new attempt: exponential backoff with *full jitter* (a uniform
//! random delay between zero and `min(cap, base * 2^n)`), or the server's
//! `Retry-After` (seconds), capped, when a 429 carries one.
//!
//! Retries are bounded by time, not by a count: a request is tried again
//! until the next attempt would start more than [`RetryPolicy::budget`]
//! (2 minutes) after the first, or after the operation's own deadline when
//! that comes sooner ([`Client::with_deadline`](super::Client::with_deadline)).
//! A flaky API that answers one request in five with a 503 is then survived
//! however many requests an apply makes.
//!
//! Only idempotent requests are retried: `GET`, `PATCH` (the API's PATCHes
//! set absolute sizes) and `DELETE`, on 429, 500, 502, 503, 504 and broken
//! connections. A `POST` is retried here only where it certainly was not
//! acted on: a 429 (rejected before it was processed) and a connection that
//! could not be opened (refused, name resolution, TLS: the request was never
//! written; see [`Delivery::NotSent`](super::Delivery::NotSent)). Never on a
//! 5xx or a connection broken after sending, where the server may have
//! acted on it: a create is then recovered by name
//! ([`create_once`](super::create_once)).

use std::time::Duration;

use reqwest::Method;

use super::error::is_transient_status;

/// Which failures are retried, for how long, and how long to wait in between.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// How long after the first attempt a new attempt may still start.
    pub budget: Duration,
    /// A hard cap on the attempts, the first included (a guard; the budget
    /// is what normally ends the retries). `1` disables retries.
    pub max_attempts: u32,
    /// Backoff base: the upper bound of the first delay.
    pub base: Duration,
    /// Upper bound of any backoff delay.
    pub cap: Duration,
    /// Upper bound of a delay taken from a `Retry-After` header.
    pub retry_after_cap: Duration,
    /// How long a create that the API finished handling without a readable
    /// answer (a 500, 503, an unreadable 2xx) is looked for by name before
    /// it is sent again: long enough for a list that lags behind creates.
    pub lookup_handled: Duration,
    /// How long a create that may still be in progress at the API (the
    /// answer timed out, the connection broke after sending, a gateway's
    /// 502/504) is looked for by name before it is sent again: as long as a
    /// slow backend may still be working on it.
    pub lookup_in_progress: Duration,
    /// How many times one create is sent at most (the first included) when
    /// its outcome stays unknown and nothing of its name appears.
    pub create_sends: u32,
}

impl Default for RetryPolicy {
    /// A 2-minute budget (at most 100 attempts), base 250 ms, cap 8 s,
    /// `Retry-After` capped at 30 s; a create whose outcome is unknown is
    /// looked for 10 s (handled) or 3 minutes (maybe in progress) before it
    /// is sent again, 3 sends at most.
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(120),
            max_attempts: 100,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(30),
            lookup_handled: Duration::from_secs(10),
            lookup_in_progress: Duration::from_secs(180),
            create_sends: 3,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The upper bound of the backoff delay after failed attempt number
    /// `attempt` (1-based): `min(cap, base * 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        self.base
            .checked_mul(1u32 << exp)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// The delay before the attempt that follows failed attempt number
    /// `attempt` (1-based): uniformly random in `[0, ceiling(attempt)]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::random_range(0..=nanos))
    }

    /// The delay to honour for a `Retry-After` header value (whole seconds,
    /// as the API sends it), capped at [`retry_after_cap`](Self::retry_after_cap).
    /// `None` when the value is not a number of seconds.
    pub fn retry_after(&self, header: &str) -> Option<Duration> {
        let secs: u64 = header.trim().parse().ok()?;
        Some(Duration::from_secs(secs).min(self.retry_after_cap))
    }

    /// Whether an answer with `status` to a `method` request is retried.
    pub fn retries_status(&self, method: &Method, status: u16) -> bool {
        if is_idempotent(method) {
            is_transient_status(status)
        } else {
            status == 429
        }
    }

    /// Whether a transport failure of a `method` request is retried.
    pub fn retries_transport(&self, method: &Method, error: &reqwest::Error) -> bool {
        !error.is_builder() && (is_idempotent(method) || error.is_connect())
    }
}

/// GET, HEAD, PATCH, PUT and DELETE are repeated safely with this API.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PATCH | Method::PUT | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.ceiling(1), Duration::from_millis(250));
        assert_eq!(p.ceiling(2), Duration::from_millis(500));
        assert_eq!(p.ceiling(3), Duration::from_secs(1));
        assert_eq!(p.ceiling(6), Duration::from_secs(8));
        assert_eq!(p.ceiling(7), Duration::from_secs(8));
        assert_eq!(p.ceiling(1000), Duration::from_secs(8));
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy::default();
        let samples: Vec<Duration> = (0..200).map(|_| p.backoff(10)).collect();
        assert!(samples.iter().all(|d| *d <= Duration::from_secs(8)));
        let first = samples[0];
        assert!(
            samples.iter().any(|d| *d != first),
            "no jitter: every delay is {first:?}"
        );
        // Full jitter spreads over the whole range, not just near the cap.
        assert!(samples.iter().any(|d| *d < Duration::from_secs(4)));
        assert!(samples.iter().any(|d| *d > Duration::from_secs(4)));
        let small: Vec<Duration> = (0..200).map(|_| p.backoff(1)).collect();
        assert!(small.iter().all(|d| *d <= Duration::from_millis(250)));
    }

    #[test]
    fn retry_after_is_parsed_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(p.retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(p.retry_after("3600"), Some(Duration::from_secs(30)));
        assert_eq!(p.retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn only_idempotent_requests_retry_server_errors() {
        let p = RetryPolicy::default();
        for m in [Method::GET, Method::PATCH, Method::DELETE] {
            for s in [429, 500, 502, 503, 504] {
                assert!(p.retries_status(&m, s), "{m} {s}");
            }
            for s in [400, 401, 403, 404, 409, 422, 501] {
                assert!(!p.retries_status(&m, s), "{m} {s}");
            }
        }
        assert!(!p.retries_status(&Method::POST, 503));
        assert!(!p.retries_status(&Method::POST, 500));
        assert!(!p.retries_status(&Method::POST, 502));
        assert!(p.retries_status(&Method::POST, 429));
    }

    /// A flaky API is survived for as long as the budget lasts, not for a
    /// fixed count of attempts; past the budget the last error comes back.
    #[tokio::test]
    async fn retries_are_bounded_by_the_budget_not_a_count() {
        use serde_json::json;

        use crate::Client;
        use crate::test_support::{Reply, fast_config, mock};

        let policy = RetryPolicy {
            budget: Duration::from_millis(400),
            max_attempts: 1000,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
            retry_after_cap: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        // Nine 503s, then an answer: more than the old five attempts.
        let m = mock(|_, n| {
            if n < 9 {
                Reply::json(503, json!({}))
            } else {
                Reply::json(200, json!({"identifier": "t1", "name": "T"}))
            }
        })
        .await;
        let client = Client::new(fast_config(&m.base_url).with_retry(policy.clone())).unwrap();
        assert_eq!(client.current_tenant().await.unwrap().identifier, "t1");
        assert_eq!(m.requests().len(), 10);

        let m = mock(|_, _| Reply::json(503, json!({"message": "down"}))).await;
        let client = Client::new(fast_config(&m.base_url).with_retry(policy)).unwrap();
        let err = client.current_tenant().await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert!(m.requests().len() > 5, "{} attempts", m.requests().len());
    }
}
