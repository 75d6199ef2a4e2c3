//! The HTTP client: authentication, retries, cancellation, logging and
//! decoding, shared by every API method.
//!
//! The API methods themselves live in the private `clusters`, `pools` and
//! `account` modules, as `impl Client` blocks built on the private helpers
//! here (`get`, `get_text`, `post`, `post_empty`, `patch`, `delete`).
//!
//! # Cancellation
//!
//! A client may be bound to a [`CancellationToken`] with
//! [`Client::with_cancel`], which returns a cheap clone. Once the token is
//! cancelled, that clone's in-flight requests and retry sleeps stop at once
//! with [`Error::Cancelled`]. The long-running waiters of
//! [`wait`](super::wait) take their token explicitly as well.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::config::ClientConfig;
use super::error::{Error, Result};
use super::models::VersionMap;
use super::retry::RetryPolicy;
use super::wait::PollSchedule;

const JSON: &str = "application/json";
const YAML: &str = "application/yaml";

/// Items asked for per page by the list helpers.
pub const PER_PAGE: u64 = 50;
/// The most pages a list helper fetches.
pub const MAX_PAGES: u64 = 1000;

/// A client of the Xelon HQ REST API.
///
/// Cloning is cheap (the connection pool is shared), so clone it rather than
/// wrapping it in an `Arc`.
///
/// ```no_run
/// # async fn demo() -> xelon_client::Result<()> {
/// use xelon_client::{Client, ClientConfig};
///
/// let client = Client::new(ClientConfig::new("my-token"))?;
/// for cluster in client.list_clusters().await? {
///     println!("{} is {}", cluster.name, cluster.status);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    cancel: Option<CancellationToken>,
    deadline: Option<Instant>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    token: String,
    auth: HeaderValue,
    client_id: Option<HeaderValue>,
    retry: RetryPolicy,
    poll: PollSchedule,
    /// Answers that do not change while a provider process lives (a cloud's
    /// version mapping), so each is fetched once per process.
    pub(crate) memo: Memo,
}

/// What a [`Client`] remembers for the life of its process.
#[derive(Default)]
pub(crate) struct Memo {
    /// Each cloud's Talos/Kubernetes version mapping.
    pub(crate) versions: std::sync::Mutex<std::collections::HashMap<String, VersionMap>>,
    /// Clusters seen to exist (a plan-time check that need not repeat).
    pub(crate) clusters_seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("token", &"***")
            .field("client_id", &self.inner.client_id)
            .field("retry", &self.inner.retry)
            .field("poll", &self.inner.poll)
            .field("cancellable", &self.cancel.is_some())
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// The parts of a successful answer the helpers use.
struct Answer {
    bytes: Vec<u8>,
}

impl Client {
    /// Builds a client from `config`.
    ///
    /// Fails with [`Error::InvalidConfig`] when the base URL is not an
    /// absolute `http`/`https` URL, the token is empty, or a header value
    /// holds characters HTTP does not allow.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let ClientConfig {
            base_url,
            token,
            client_id,
            user_agent,
            retry,
            poll,
            request_timeout,
            connect_timeout,
        } = config;

        let mut base_url = base_url.trim().to_owned();
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        let base = Url::parse(&base_url)
            .map_err(|e| Error::InvalidConfig(format!("base_url {base_url:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::InvalidConfig(format!(
                "base_url {base_url:?} must be an http or https URL"
            )));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::InvalidConfig(format!(
                "base_url {base_url:?} must not carry a query or fragment"
            )));
        }

        if token.is_empty() {
            return Err(Error::InvalidConfig("the token is empty".into()));
        }
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                Error::InvalidConfig(
                    "the token holds characters not allowed in an HTTP header".into(),
                )
            })?;
        auth.set_sensitive(true);

        let client_id = client_id
            .filter(|id| !id.is_empty())
            .map(|id| {
                HeaderValue::from_str(&id).map_err(|_| {
                    Error::InvalidConfig(format!(
                        "client_id {id:?} holds characters not allowed in an HTTP header"
                    ))
                })
            })
            .transpose()?;

        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::InvalidConfig(format!(
                "user agent {user_agent:?} holds characters not allowed in an HTTP header"
            ))
        })?;

        if retry.max_attempts == 0 {
            return Err(Error::InvalidConfig(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        if !(poll.factor.is_finite() && poll.factor >= 1.0) {
            return Err(Error::InvalidConfig(
                "poll.factor must be a finite number >= 1".into(),
            ));
        }

        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(request_timeout)
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|e| Error::InvalidConfig(format!("cannot build the HTTP client: {e}")))?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                token: token.expose().to_owned(),
                auth,
                client_id,
                retry,
                poll,
                memo: Memo::default(),
            }),
            cancel: None,
            deadline: None,
        })
    }

    /// A clone of this client whose requests and retry sleeps stop with
    /// [`Error::Cancelled`] as soon as `token` is cancelled.
    pub fn with_cancel(&self, token: CancellationToken) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            cancel: Some(token),
            deadline: self.deadline,
        }
    }

    /// A clone of this client that starts no retry after `deadline` (an
    /// operation's timeout), even within the policy's budget.
    pub fn with_deadline(&self, deadline: Instant) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            cancel: self.cancel.clone(),
            deadline: Some(deadline),
        }
    }

    /// This client without cancellation: for a request that must get its
    /// answer even when Terraform stops the provider (a create, whose ID
    /// must reach the state). Still bounded by the request timeout.
    pub fn uncancellable(&self) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            cancel: None,
            deadline: self.deadline,
        }
    }

    /// The base URL, always with a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// What this client remembers for the life of its process.
    pub(crate) fn memo(&self) -> &Memo {
        &self.inner.memo
    }

    /// The polling schedule the waiters use with this client.
    pub fn poll_schedule(&self) -> &PollSchedule {
        &self.inner.poll
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    // ---- typed helpers used by the API methods -------------------------

    /// `GET path?query`, decoding the JSON answer as `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let answer = self.execute(Method::GET, path, query, None, JSON).await?;
        self.decode(Method::GET, path, &answer)
    }

    /// `GET path` with `Accept: application/yaml`, answering the raw text.
    ///
    /// Used for the config endpoints, whose bodies are secrets: they are
    /// never logged nor kept in errors.
    pub(crate) async fn get_text(&self, path: &str) -> Result<String> {
        let answer = self.execute(Method::GET, path, &[], None, YAML).await?;
        Ok(String::from_utf8_lossy(&answer.bytes).into_owned())
    }

    /// `POST path` with a JSON body, decoding the JSON answer as `T`.
    pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let body = encode(&Method::POST, path, body)?;
        let answer = self
            .execute(Method::POST, path, &[], Some(body), JSON)
            .await?;
        self.decode(Method::POST, path, &answer)
    }

    /// `POST path` with an optional JSON body, ignoring the answer's body.
    pub(crate) async fn post_empty<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: Option<&B>,
    ) -> Result<()> {
        let body = body.map(|b| encode(&Method::POST, path, b)).transpose()?;
        self.execute(Method::POST, path, &[], body, JSON).await?;
        Ok(())
    }

    /// `PATCH path` with a JSON body, ignoring the answer's body.
    pub(crate) async fn patch<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<()> {
        let body = encode(&Method::PATCH, path, body)?;
        self.execute(Method::PATCH, path, &[], Some(body), JSON)
            .await?;
        Ok(())
    }

    /// `DELETE path`, ignoring the answer's body.
    pub(crate) async fn delete(&self, path: &str) -> Result<()> {
        self.execute(Method::DELETE, path, &[], None, JSON).await?;
        Ok(())
    }

    // ---- the core --------------------------------------------------------

    fn decode<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        answer: &Answer,
    ) -> Result<T> {
        serde_json::from_slice(&answer.bytes)
            .map_err(|e| Error::decode(method, path, e, &answer.bytes, &self.inner.token))
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        let mut url = self.inner.base.join(path).map_err(|e| {
            Error::InvalidConfig(format!("cannot join path {path:?} to the base URL: {e}"))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().copied());
        }
        Ok(url)
    }

    /// Runs `fut` unless the client's token is cancelled first.
    pub(crate) async fn guard<F: Future>(&self, fut: F) -> Result<F::Output> {
        match &self.cancel {
            None => Ok(fut.await),
            Some(token) => tokio::select! {
                biased;
                _ = token.cancelled() => Err(Error::Cancelled),
                out = fut => Ok(out),
            },
        }
    }

    /// Sends a request, retrying per the policy, and answers the body of a
    /// 2xx answer or the matching [`Error`].
    async fn execute(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
        accept: &'static str,
    ) -> Result<Answer> {
        let url = self.url(path, query)?;
        let retry = &self.inner.retry;
        let first = Instant::now();
        let give_up = self
            .deadline
            .map_or(first + retry.budget, |d| d.min(first + retry.budget));
        let mut attempt = 1u32;
        loop {
            let started = Instant::now();
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, self.inner.auth.clone())
                .header(ACCEPT, accept);
            if let Some(id) = &self.inner.client_id {
                request = request.header("X-User-Id", id.clone());
            }
            if let Some(body) = &body {
                request = request.header(CONTENT_TYPE, JSON).body(body.clone());
            }

            let outcome = self
                .guard(async {
                    let response = request.send().await?;
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let bytes = response.bytes().await?;
                    Ok::<_, reqwest::Error>((status, retry_after, bytes))
                })
                .await?;
            let elapsed_ms = started.elapsed().as_millis() as u64;

            let (delay, last_error) = match outcome {
                Ok((status, retry_after, bytes)) => {
                    tracing::debug!(
                        target: "xelon",
                        %method, path, status = status.as_u16(), elapsed_ms, attempt,
                        "xelon api request"
                    );
                    if status.is_success() {
                        return Ok(Answer {
                            bytes: Vec::from(bytes),
                        });
                    }
                    let error = self.api_error(&method, path, status, &bytes);
                    if attempt >= retry.max_attempts
                        || !retry.retries_status(&method, status.as_u16())
                    {
                        return Err(error);
                    }
                    let delay = retry_after
                        .as_deref()
                        .filter(|_| status == StatusCode::TOO_MANY_REQUESTS)
                        .and_then(|v| retry.retry_after(v))
                        .unwrap_or_else(|| retry.backoff(attempt));
                    (delay, error)
                }
                Err(source) => {
                    let source = source.without_url();
                    tracing::debug!(
                        target: "xelon",
                        %method, path, elapsed_ms, attempt, error = %source,
                        "xelon api request failed"
                    );
                    let retried = retry.retries_transport(&method, &source);
                    let error = Error::Transport {
                        method: method.clone(),
                        path: path.to_owned(),
                        source,
                    };
                    if attempt >= retry.max_attempts || !retried {
                        return Err(error);
                    }
                    (retry.backoff(attempt), error)
                }
            };

            if Instant::now() + delay > give_up {
                tracing::debug!(
                    target: "xelon",
                    %method, path, attempt, "retry budget spent; giving up"
                );
                return Err(last_error);
            }
            tracing::debug!(
                target: "xelon",
                %method, path, attempt, delay_ms = delay.as_millis() as u64,
                "retrying xelon api request"
            );
            self.sleep(delay).await?;
            attempt += 1;
        }
    }

    /// Sleeps for `delay` unless the client's token is cancelled first.
    pub(crate) async fn sleep(&self, delay: Duration) -> Result<()> {
        self.guard(tokio::time::sleep(delay)).await
    }

    fn api_error(&self, method: &Method, path: &str, status: StatusCode, body: &[u8]) -> Error {
        Error::from_response(method.clone(), path, status, body, &self.inner.token)
    }
}

fn encode<B: Serialize + ?Sized>(method: &Method, path: &str, body: &B) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| Error::Encode {
        method: method.clone(),
        path: path.to_owned(),
        source: e,
    })
}

/// Percent-encodes one path segment (an object identifier), so that an id
/// can never add segments, a query or a fragment to the URL.
pub(crate) fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // "." and ".." would be resolved away by URL joining.
    match out.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => out,
    }
}

#[cfg(test)]
mod tests;
