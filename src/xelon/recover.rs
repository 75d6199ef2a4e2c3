//! Creates that can be recovered: nothing orphaned, nothing duplicated.
//!
//! The Xelon API allows several clusters (and pools) with one name and has
//! no idempotency key, so a `POST` whose answer never arrived leaves the
//! caller not knowing whether the object exists. [`create_or_find`] settles
//! it the only way the API allows: by looking the object up by name.
//!
//! - A create whose outcome is unknown (see [`outcome_unknown`]: the answer
//!   timed out or was lost, the connection dropped, a 5xx, an answer that
//!   could not be read) looks the object up by name. Found, it is the
//!   object: the caller records its ID, so nothing is orphaned. Not found
//!   (after a second look, for an API whose lists lag), the `POST` is sent
//!   again, with backoff, until the deadline.
//! - A create refused for sure (4xx) is not retried; a `429` was retried by
//!   the client already (it is rejected before processing).
//! - The `POST` goes through an [`uncancellable`](Client::uncancellable)
//!   client: Terraform stopping the provider must not abort a create whose
//!   answer carries the new ID.
//!
//! [`create_once`] adds the check before the first `POST`: when an object of
//! that name exists already (say, from an apply that was killed before it
//! could record the ID), nothing is created and the caller can point the
//! user at the import that adopts it.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::Client;
use super::error::{Error, Result};

/// How long to wait before looking again for an object whose create
/// answer was lost, in case the API's list lags behind its creates.
const LOOK_AGAIN_AFTER: Duration = Duration::from_secs(2);

/// Whether a create that failed with `error` may still have created the
/// object: the request may have been processed although no answer (or no
/// readable answer) came back.
pub fn outcome_unknown(error: &Error) -> bool {
    match error {
        Error::Transport { .. } | Error::Decode { .. } => true,
        Error::Api { status, .. } => *status >= 500,
        _ => false,
    }
}

/// How a [`create_or_find`] ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    /// The object, as the create answered it or the lookup found it.
    pub object: T,
    /// True when the create's answer was lost and the object was found by
    /// name instead.
    pub found_after_lost_answer: bool,
}

/// Why [`create_once`] created nothing.
#[derive(Debug)]
pub enum CreateError<T> {
    /// An object of that name exists already (the first one found).
    Exists(T),
    /// Looking for an existing object failed, so nothing was risked.
    Check(Error),
    /// The create failed (see [`create_or_find`]).
    Create(Error),
}

/// Creates an object unless `find` finds one of its name already, then
/// [`create_or_find`] with the same `find`. `create` gets an
/// [`uncancellable`](Client::uncancellable) clone of `client`.
pub async fn create_once<T, C, CFut, F, FFut>(
    client: &Client,
    deadline: Instant,
    cancel: &CancellationToken,
    what: &str,
    mut create: C,
    mut find: F,
) -> std::result::Result<Created<T>, CreateError<T>>
where
    C: FnMut(Client) -> CFut,
    CFut: Future<Output = Result<T>>,
    F: FnMut() -> FFut,
    FFut: Future<Output = Result<Option<T>>>,
{
    match find().await {
        Ok(Some(existing)) => return Err(CreateError::Exists(existing)),
        Ok(None) => {}
        Err(e) => return Err(CreateError::Check(e)),
    }
    let creator = client.uncancellable();
    create_or_find(
        client,
        deadline,
        cancel,
        what,
        || create(creator.clone()),
        find,
    )
    .await
    .map_err(CreateError::Create)
}

/// Sends `create` and, whenever its outcome is unknown, looks the object up
/// with `find` before trying again (see the module docs). Gives up with the
/// last error when the next try would start after `deadline` or `cancel` is
/// cancelled; `what` names the object in logs, e.g. `cluster "staging"`.
pub async fn create_or_find<T, C, CFut, F, FFut>(
    client: &Client,
    deadline: Instant,
    cancel: &CancellationToken,
    what: &str,
    mut create: C,
    mut find: F,
) -> Result<Created<T>>
where
    C: FnMut() -> CFut,
    CFut: Future<Output = Result<T>>,
    F: FnMut() -> FFut,
    FFut: Future<Output = Result<Option<T>>>,
{
    let retry = client.retry_policy();
    let mut attempt = 1u32;
    loop {
        let error = match create().await {
            Ok(object) => {
                return Ok(Created {
                    object,
                    found_after_lost_answer: false,
                });
            }
            Err(e) if !outcome_unknown(&e) => return Err(e),
            Err(e) => e,
        };
        tracing::warn!(
            target: "xelon", what, %error,
            "the create may have gone through without an answer; looking for the object by name"
        );
        for look in 0..2 {
            if look > 0 && !pause(LOOK_AGAIN_AFTER, deadline, cancel).await {
                return Err(error);
            }
            match find().await {
                Ok(Some(object)) => {
                    tracing::warn!(target: "xelon", what, "found the object the lost answer was about");
                    return Ok(Created {
                        object,
                        found_after_lost_answer: true,
                    });
                }
                Ok(None) => {}
                // Unsure whether it exists: never risk a second one.
                Err(find_error) => {
                    tracing::warn!(target: "xelon", what, error = %find_error, "could not look for the object");
                    return Err(error);
                }
            }
        }
        let delay = retry.backoff(attempt).max(Duration::from_millis(100));
        tracing::info!(
            target: "xelon", what, attempt, delay_ms = delay.as_millis() as u64,
            "the object was not created; sending the create again"
        );
        if !pause(delay, deadline, cancel).await {
            return Err(error);
        }
        attempt += 1;
    }
}

/// Sleeps for `delay`; false (without sleeping it out) when that would pass
/// `deadline` or `cancel` is cancelled first.
async fn pause(delay: Duration, deadline: Instant, cancel: &CancellationToken) -> bool {
    if cancel.is_cancelled() || Instant::now() + delay > deadline {
        return false;
    }
    tokio::select! {
        biased;
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep(delay) => true,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;
    use crate::xelon::test_support::{Reply, fast_config, mock};

    fn deadline() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    async fn post(client: &Client) -> Result<String> {
        client
            .enable_high_availability("k1")
            .await
            .map(|()| "new".to_string())
    }

    #[tokio::test]
    async fn a_lost_answer_is_recovered_by_name() {
        let m = mock(|_, _| Reply::json(504, json!({"message": "gateway timeout"}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let cancel = CancellationToken::new();
        let created = create_or_find(
            &client,
            deadline(),
            &cancel,
            "test",
            || post(&client),
            || async { Ok(Some("found".to_string())) },
        )
        .await
        .unwrap();
        assert_eq!(created.object, "found");
        assert!(created.found_after_lost_answer);
        assert_eq!(m.requests().len(), 1, "one POST, no second create");
    }

    #[tokio::test]
    async fn not_found_after_a_lost_answer_sends_the_create_again() {
        let m = mock(|_, n| {
            if n == 0 {
                Reply::json(503, json!({}))
            } else {
                Reply::json(202, json!({}))
            }
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let looks = AtomicUsize::new(0);
        let created = create_or_find(
            &client,
            deadline(),
            &CancellationToken::new(),
            "test",
            || post(&client),
            || async {
                looks.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            },
        )
        .await
        .unwrap();
        assert_eq!(created.object, "new");
        assert!(!created.found_after_lost_answer);
        assert_eq!(
            looks.load(Ordering::Relaxed),
            2,
            "looked twice before resending"
        );
        assert_eq!(m.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_refusal_or_a_failed_lookup_is_not_retried() {
        let m = mock(|_, _| Reply::json(422, json!({"message": "bad"}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let cancel = CancellationToken::new();
        let err = create_or_find(
            &client,
            deadline(),
            &cancel,
            "test",
            || post(&client),
            || async { Ok(Some("never".to_string())) },
        )
        .await
        .unwrap_err();
        assert_eq!(err.status(), Some(422));
        assert_eq!(m.requests().len(), 1);

        let m = mock(|_, _| Reply::json(500, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let err = create_or_find(
            &client,
            deadline(),
            &cancel,
            "test",
            || post(&client),
            || async { Err(Error::InvalidConfig("lookup failed".into())) },
        )
        .await
        .unwrap_err();
        assert_eq!(err.status(), Some(500), "the create's own error");
        assert_eq!(m.requests().len(), 1, "unsure, so never a second create");
    }

    #[tokio::test]
    async fn create_once_never_creates_a_second_object() {
        let m = mock(|_, _| Reply::json(202, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let cancel = CancellationToken::new();
        let exists = create_once(
            &client,
            deadline(),
            &cancel,
            "test",
            |c| async move { post(&c).await },
            || async { Ok(Some("existing".to_string())) },
        )
        .await;
        assert!(matches!(exists, Err(CreateError::Exists(ref e)) if e == "existing"));
        let unsure = create_once(
            &client,
            deadline(),
            &cancel,
            "test",
            |c| async move { post(&c).await },
            || async { Err::<Option<String>, _>(Error::InvalidConfig("no list".into())) },
        )
        .await;
        assert!(matches!(unsure, Err(CreateError::Check(_))));
        assert!(m.requests().is_empty(), "no POST was sent");
        // Cancelled already: the create still goes out and is answered.
        cancel.cancel();
        let cancellable = client.with_cancel(cancel.clone());
        let created = create_once(
            &cancellable,
            deadline(),
            &cancel,
            "test",
            |c| async move { post(&c).await },
            || async { Ok(None) },
        )
        .await
        .unwrap();
        assert_eq!(created.object, "new");
        assert_eq!(m.requests().len(), 1);
    }

    #[test]
    fn which_outcomes_are_unknown() {
        let api = |status| Error::Api {
            method: reqwest::Method::POST,
            path: "kubernetes".into(),
            status,
            error: None,
            message: None,
            errors: Default::default(),
        };
        assert!(outcome_unknown(&api(500)));
        assert!(outcome_unknown(&api(504)));
        assert!(!outcome_unknown(&api(422)));
        assert!(!outcome_unknown(&api(429)));
        assert!(!outcome_unknown(&Error::Cancelled));
    }
}
