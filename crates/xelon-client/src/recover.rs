//! Creates that can be recovered: nothing orphaned, nothing duplicated,
//! nothing adopted that is not provably ours.
//!
//! The Xelon API allows several clusters (and pools) with one name and has
//! no idempotency key, so a `POST` whose answer never arrived leaves the
//! caller not knowing whether the object exists. [`create_once`] settles it
//! the only way the API allows, by name:
//!
//! 1. **Before the first `POST`** it lists the objects a create of that name
//!    would duplicate. Any there already: nothing is created
//!    ([`CreateError::Exists`]), and the caller points the user at the import
//!    that adopts it. So every object of the name listed later appeared
//!    after this check.
//! 2. **The `POST`** goes through an [`uncancellable`](Client::uncancellable)
//!    client: Terraform stopping the provider must not abort a create whose
//!    answer carries the new ID. A request that certainly never reached the
//!    API (see [`Delivery::NotSent`]) is resent by the client itself.
//! 3. **An unknown outcome** (see [`Delivery`]) is looked for by name, for a
//!    window that depends on what is known: [`RetryPolicy::lookup_handled`]
//!    (10 s) when the API finished handling the request (a 500: only a
//!    lagging list can hide the object), [`RetryPolicy::lookup_in_progress`]
//!    (3 minutes) when the request may still be in progress (a timeout, a
//!    connection broken after sending, a gateway's 502/504). Exactly one
//!    object of the name appearing is adopted
//!    ([`Created::found_after_lost_answer`]); several are an error naming
//!    each ([`CreateError::Ambiguous`]), never a pick. Nothing within the
//!    window: the create is sent again, at most
//!    [`RetryPolicy::create_sends`] times in all. The window is neither cut
//!    short by the operation's deadline nor by Ctrl-C: a `POST` went out,
//!    and its object must reach the state if it exists.
//! 4. **After the create** the caller lists the name again
//!    ([`Created::twins`]): objects other than its own that appeared since
//!    the check are another state's create racing this one (or an earlier
//!    send of this one), and are reported, never silent.
//!
//! [`RetryPolicy::lookup_handled`]: super::RetryPolicy::lookup_handled
//! [`RetryPolicy::lookup_in_progress`]: super::RetryPolicy::lookup_in_progress
//! [`RetryPolicy::create_sends`]: super::RetryPolicy::create_sends

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::Client;
use super::error::{Delivery, Error, Result};
use super::models::{Cluster, NodePool};

/// The longest pause between two looks for an object whose create answer
/// was lost.
const LOOK_AT_MOST_EVERY: Duration = Duration::from_secs(10);

/// An object the API lists by name: what a guarded create compares.
pub trait Listed {
    /// The object's ID.
    fn identifier(&self) -> &str;
}

impl Listed for Cluster {
    fn identifier(&self) -> &str {
        &self.identifier
    }
}

impl Listed for NodePool {
    fn identifier(&self) -> &str {
        &self.identifier
    }
}

/// How a [`create_once`] ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    /// The object, as the create answered it or the lookup found it.
    pub object: T,
    /// True when the create's answer was lost and the object was found by
    /// name instead: the one object of the name that appeared since the
    /// check before the first `POST`.
    pub found_after_lost_answer: bool,
    /// How many `POST`s were sent.
    pub sends: u32,
}

impl<T: Listed> Created<T> {
    /// The objects of `listed` (a listing of the name made after the create,
    /// by the same lookup as the check before it) other than this one: every
    /// one appeared after that check, so it is a twin, made by another
    /// state's create of the same name at the same time, or by an earlier
    /// send of this create whose answer was lost.
    pub fn twins(&self, listed: Vec<T>) -> Vec<T> {
        let own = self.object.identifier();
        listed
            .into_iter()
            .filter(|o| o.identifier() != own)
            .collect()
    }
}

/// Why [`create_once`] created nothing (or nothing it can prove is its own).
#[derive(Debug)]
pub enum CreateError<T> {
    /// An object of that name exists already (the first one found).
    Exists(T),
    /// Looking for an existing object failed, so nothing was risked.
    Check(Error),
    /// The create failed: the last error, and how many `POST`s were sent.
    /// Nothing of the name appeared within the lookup windows.
    Create {
        /// The last send's error.
        error: Error,
        /// How many `POST`s were sent.
        sends: u32,
    },
    /// The create's outcome was unknown and several objects of the name
    /// appeared since the check: any could be another state's, so none is
    /// taken.
    Ambiguous(Vec<T>),
}

/// Creates an object unless `list` finds one of its name already, and
/// recovers a lost answer by name (see the module docs). `create` and `list`
/// get an [`uncancellable`](Client::uncancellable) clone of `client` (the
/// first check gets `client` itself); `list` answers the objects a create
/// would duplicate (its name, in its scope, not being deleted). A resend
/// waits with backoff and starts only before `deadline` and while `cancel`
/// is not cancelled. `what` names the object in logs, e.g. `cluster
/// "staging"`.
pub async fn create_once<T, C, CFut, L, LFut>(
    client: &Client,
    deadline: Instant,
    cancel: &CancellationToken,
    what: &str,
    mut create: C,
    mut list: L,
) -> std::result::Result<Created<T>, CreateError<T>>
where
    T: Listed,
    C: FnMut(Client) -> CFut,
    CFut: Future<Output = Result<T>>,
    L: FnMut(Client) -> LFut,
    LFut: Future<Output = Result<Vec<T>>>,
{
    match list(client.clone()).await {
        Ok(existing) => {
            if let Some(first) = existing.into_iter().next() {
                return Err(CreateError::Exists(first));
            }
        }
        Err(e) => return Err(CreateError::Check(e)),
    }
    let steady = client.uncancellable();
    let retry = client.retry_policy();
    let mut sends = 0u32;
    loop {
        sends += 1;
        let error = match create(steady.clone()).await {
            Ok(object) => {
                return Ok(Created {
                    object,
                    found_after_lost_answer: false,
                    sends,
                });
            }
            Err(e) => e,
        };
        let window = match error.delivery() {
            Delivery::NotSent | Delivery::Refused => {
                return Err(CreateError::Create { error, sends });
            }
            Delivery::Handled => retry.lookup_handled,
            Delivery::MayBeInProgress => retry.lookup_in_progress,
        };
        tracing::warn!(
            target: "xelon", what, %error, window_s = window.as_secs(),
            "the create may have gone through without an answer; looking for the object by name"
        );
        match look(&steady, window, &mut list).await {
            Looked::One(object) => {
                tracing::warn!(target: "xelon", what, "found the object the lost answer was about");
                return Ok(Created {
                    object,
                    found_after_lost_answer: true,
                    sends,
                });
            }
            Looked::Several(objects) => return Err(CreateError::Ambiguous(objects)),
            Looked::Unsure(look_error) => {
                // Unsure whether it exists: never risk a second one.
                tracing::warn!(target: "xelon", what, error = %look_error, "could not look for the object");
                return Err(CreateError::Create { error, sends });
            }
            Looked::None => {}
        }
        if sends >= retry.create_sends {
            return Err(CreateError::Create { error, sends });
        }
        let delay = retry.backoff(sends).max(Duration::from_millis(100));
        tracing::info!(
            target: "xelon", what, sends, delay_ms = delay.as_millis() as u64,
            "nothing of the name appeared; sending the create again"
        );
        if !pause(delay, deadline, cancel).await {
            return Err(CreateError::Create { error, sends });
        }
    }
}

/// What looking for a lost create's object found.
enum Looked<T> {
    /// Exactly one object of the name: the create's.
    One(T),
    /// Several: which one is the create's cannot be told.
    Several(Vec<T>),
    /// Nothing within the window.
    None,
    /// The lookup failed for good (not a passing failure).
    Unsure(Error),
}

/// Lists the name until something appears or `window` has passed: at once,
/// then on the client's polling schedule, the pauses doubling up to
/// [`LOOK_AT_MOST_EVERY`]. A passing failure of a lookup is looked past.
async fn look<T, L, LFut>(client: &Client, window: Duration, list: &mut L) -> Looked<T>
where
    L: FnMut(Client) -> LFut,
    LFut: Future<Output = Result<Vec<T>>>,
{
    let until = Instant::now() + window;
    let mut pause = client.poll_schedule().initial;
    loop {
        match list(client.clone()).await {
            Ok(mut found) if found.len() == 1 => {
                if let Some(one) = found.pop() {
                    return Looked::One(one);
                }
            }
            Ok(found) if found.len() > 1 => return Looked::Several(found),
            Ok(_) => {}
            Err(e) if e.is_transient() => {
                tracing::debug!(target: "xelon", error = %e, "lookup failed; looking again");
            }
            Err(e) => return Looked::Unsure(e),
        }
        let now = Instant::now();
        if now >= until {
            return Looked::None;
        }
        tokio::time::sleep(pause.min(until - now)).await;
        pause = (pause * 2).min(LOOK_AT_MOST_EVERY);
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
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;
    use crate::test_support::{Reply, fast_config, mock};

    impl Listed for String {
        fn identifier(&self) -> &str {
            self
        }
    }

    fn deadline() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    /// A POST whose answer is `"new"`.
    async fn post(client: &Client) -> Result<String> {
        client
            .enable_high_availability("k1")
            .await
            .map(|()| "new".to_string())
    }

    /// A listing that answers each of `answers` in turn (the last one from
    /// then on), counting how often it was asked.
    struct Listing {
        answers: Mutex<Vec<Result<Vec<String>>>>,
        asked: AtomicUsize,
    }

    impl Listing {
        fn new(answers: Vec<Result<Vec<String>>>) -> Self {
            Listing {
                answers: Mutex::new(answers),
                asked: AtomicUsize::new(0),
            }
        }

        fn of(ids: &[&[&str]]) -> Self {
            Self::new(
                ids.iter()
                    .map(|ids| Ok(ids.iter().map(|s| s.to_string()).collect()))
                    .collect(),
            )
        }

        async fn list(&self) -> Result<Vec<String>> {
            self.asked.fetch_add(1, Ordering::Relaxed);
            let mut answers = self.answers.lock().unwrap();
            if answers.len() > 1 {
                answers.remove(0)
            } else {
                match &answers[0] {
                    Ok(ids) => Ok(ids.clone()),
                    Err(_) => Err(Error::InvalidConfig("lookup failed".into())),
                }
            }
        }

        fn asked(&self) -> usize {
            self.asked.load(Ordering::Relaxed)
        }
    }

    async fn guarded(
        client: &Client,
        cancel: &CancellationToken,
        listing: &Listing,
    ) -> std::result::Result<Created<String>, CreateError<String>> {
        create_once(
            client,
            deadline(),
            cancel,
            "test",
            |c| async move { post(&c).await },
            |_| listing.list(),
        )
        .await
    }

    #[tokio::test]
    async fn a_lost_answer_is_recovered_by_name() {
        let m = mock(|_, _| Reply::json(504, json!({"message": "gateway timeout"}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        // Nothing before the POST; the one object after it is the create's.
        let listing = Listing::of(&[&[], &["found"]]);
        let created = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap();
        assert_eq!(created.object, "found");
        assert!(created.found_after_lost_answer);
        assert_eq!((created.sends, m.requests().len()), (1, 1), "one POST");
    }

    #[tokio::test]
    async fn a_slow_create_is_looked_for_until_it_appears() {
        // The gateway gave up; the backend finishes after several looks.
        let m = mock(|_, _| Reply::json(504, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let listing = Listing::of(&[&[], &[], &[], &[], &["late"]]);
        let created = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap();
        assert_eq!(created.object, "late");
        assert_eq!(listing.asked(), 5, "the check, then four looks");
        assert_eq!(m.requests().len(), 1, "never sent again while looking");
    }

    #[tokio::test]
    async fn nothing_appearing_sends_the_create_again() {
        let m = mock(|_, n| {
            if n == 0 {
                Reply::json(500, json!({}))
            } else {
                Reply::json(202, json!({}))
            }
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let listing = Listing::of(&[&[]]);
        let started = Instant::now();
        let created = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap();
        assert_eq!((created.object.as_str(), created.sends), ("new", 2));
        assert!(!created.found_after_lost_answer);
        assert!(
            listing.asked() >= 3,
            "the check, then looks: {}",
            listing.asked()
        );
        assert!(
            started.elapsed() >= client.retry_policy().lookup_handled,
            "looked for the whole window before sending again"
        );
        assert_eq!(m.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_create_is_sent_at_most_create_sends_times() {
        let m = mock(|_, _| Reply::json(500, json!({"message": "boom"}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let listing = Listing::of(&[&[]]);
        let err = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap_err();
        let sends = client.retry_policy().create_sends;
        assert!(
            matches!(&err, CreateError::Create { error, sends: s } if error.status() == Some(500) && *s == sends),
            "{err:?}"
        );
        assert_eq!(m.requests().len(), sends as usize);
    }

    #[tokio::test]
    async fn several_new_objects_are_never_picked() {
        let m = mock(|_, _| Reply::json(502, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let listing = Listing::of(&[&[], &["a", "b"]]);
        let err = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CreateError::Ambiguous(found) if found == &["a", "b"]),
            "{err:?}"
        );
        assert_eq!(m.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_refusal_or_a_failed_lookup_is_not_retried() {
        let m = mock(|_, _| Reply::json(422, json!({"message": "bad"}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let listing = Listing::of(&[&[]]);
        let err = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CreateError::Create { error, sends: 1 } if error.status() == Some(422))
        );
        assert_eq!(
            (m.requests().len(), listing.asked()),
            (1, 1),
            "not looked for"
        );

        let m = mock(|_, _| Reply::json(500, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let listing = Listing::new(vec![Ok(vec![]), Err(Error::Cancelled)]);
        let err = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CreateError::Create { error, .. } if error.status() == Some(500)),
            "the create's own error: {err:?}"
        );
        assert_eq!(m.requests().len(), 1, "unsure, so never a second create");
    }

    #[tokio::test]
    async fn a_create_that_never_left_is_not_looked_for() {
        // Nothing listens: the connection is refused, so the POST certainly
        // never reached an API, and the client itself sent it again.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = Client::new(fast_config(&format!("http://127.0.0.1:{port}/api/v2/"))).unwrap();
        let listing = Listing::of(&[&[]]);
        let err = guarded(&client, &CancellationToken::new(), &listing)
            .await
            .unwrap_err();
        match &err {
            CreateError::Create { error, sends: 1 } => {
                assert_eq!(error.delivery(), Delivery::NotSent, "{error}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(listing.asked(), 1, "only the check before the POST");
    }

    #[tokio::test]
    async fn create_once_never_creates_a_second_object() {
        let m = mock(|_, _| Reply::json(202, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let cancel = CancellationToken::new();
        let exists = guarded(&client, &cancel, &Listing::of(&[&["existing"]])).await;
        assert!(matches!(exists, Err(CreateError::Exists(ref e)) if e == "existing"));
        let unsure = guarded(&client, &cancel, &Listing::new(vec![Err(Error::Cancelled)])).await;
        assert!(matches!(unsure, Err(CreateError::Check(_))));
        assert!(m.requests().is_empty(), "no POST was sent");
        // Cancelled already: the create still goes out and is answered.
        cancel.cancel();
        let cancellable = client.with_cancel(cancel.clone());
        let created = guarded(&cancellable, &cancel, &Listing::of(&[&[]]))
            .await
            .unwrap();
        assert_eq!(created.object, "new");
        assert_eq!(m.requests().len(), 1);
    }

    #[test]
    fn twins_are_every_other_object_of_the_name() {
        let created = Created {
            object: "mine".to_string(),
            found_after_lost_answer: false,
            sends: 1,
        };
        let listed = vec!["other".to_string(), "mine".to_string()];
        assert_eq!(created.twins(listed), vec!["other".to_string()]);
        assert!(created.twins(vec!["mine".to_string()]).is_empty());
    }

    #[test]
    fn what_a_failed_request_may_have_done() {
        let api = |status| Error::Api {
            method: reqwest::Method::POST,
            path: "kubernetes".into(),
            status,
            error: None,
            message: None,
            errors: Default::default(),
        };
        assert_eq!(api(500).delivery(), Delivery::Handled);
        assert_eq!(api(503).delivery(), Delivery::Handled);
        assert_eq!(api(502).delivery(), Delivery::MayBeInProgress);
        assert_eq!(api(504).delivery(), Delivery::MayBeInProgress);
        assert_eq!(api(524).delivery(), Delivery::MayBeInProgress);
        assert_eq!(api(422).delivery(), Delivery::Refused);
        assert_eq!(api(409).delivery(), Delivery::Refused);
        assert_eq!(api(429).delivery(), Delivery::Refused);
        assert_eq!(Error::Cancelled.delivery(), Delivery::MayBeInProgress);
        let encode = serde_json::from_str::<u8>("x").unwrap_err();
        let encode = Error::Encode {
            method: reqwest::Method::POST,
            path: "kubernetes".into(),
            source: encode,
        };
        assert_eq!(encode.delivery(), Delivery::NotSent);
    }
}
