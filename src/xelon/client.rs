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
use super::models::Page;
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
/// # async fn demo() -> xelon_provider::xelon::Result<()> {
/// use xelon_provider::xelon::{Client, ClientConfig};
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

    /// `GET path?query&page=N&perPage=M` for every page, concatenating the
    /// items. Stops at `meta.lastPage`, at an empty page, or after
    /// [`MAX_PAGES`] pages (a guard against a server that never ends).
    pub(crate) async fn get_all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>> {
        let per_page = PER_PAGE.to_string();
        let mut items = Vec::new();
        for page in 1..=MAX_PAGES {
            let page_text = page.to_string();
            let mut q = query.to_vec();
            q.push(("page", &page_text));
            q.push(("perPage", &per_page));
            let answer: Page<T> = self.get(path, &q).await?;
            let empty = answer.data.is_empty();
            items.extend(answer.data);
            if empty || answer.meta.current_page.max(page) >= answer.meta.last_page {
                break;
            }
        }
        Ok(items)
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
    serde_json::to_vec(body).map_err(|e| Error::Decode {
        method: method.clone(),
        path: path.to_owned(),
        source: e,
        body: String::new(),
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
mod tests {
    use super::*;
    use crate::xelon::test_support::{Reply, fast_config, mock};
    use serde_json::json;

    #[test]
    fn seg_escapes_everything_that_could_change_the_path() {
        assert_eq!(seg("k8s-abc_1.2~x"), "k8s-abc_1.2~x");
        assert_eq!(seg("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(seg(".."), "%2E%2E");
        assert_eq!(seg("é"), "%C3%A9");
    }

    #[test]
    fn new_validates_the_config() {
        let bad = |c: ClientConfig| Client::new(c).unwrap_err().to_string();
        assert!(bad(ClientConfig::new("")).contains("token is empty"));
        assert!(bad(ClientConfig::new("t").with_base_url("ftp://x/")).contains("http or https"));
        assert!(bad(ClientConfig::new("t").with_base_url("not a url")).contains("base_url"));
        let e = bad(ClientConfig::new("sec\nret"));
        assert!(!e.contains("sec\nret") && e.contains("token"), "{e}");

        let c = Client::new(ClientConfig::new("t").with_base_url("http://h:1/api/v2")).unwrap();
        assert_eq!(c.base_url(), "http://h:1/api/v2/");
        assert_eq!(
            c.url("kubernetes/x", &[("page", "2")]).unwrap().as_str(),
            "http://h:1/api/v2/kubernetes/x?page=2"
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = Client::new(ClientConfig::new("tok-HIDDEN-123").with_client_id(Some("cid".into())))
            .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("tok-HIDDEN-123"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[tokio::test]
    async fn sends_auth_client_id_accept_and_user_agent() {
        let m = mock(|_, _| Reply::json(200, json!({"data": []}))).await;
        let client = Client::new(
            fast_config(&m.base_url)
                .with_client_id(Some("client-7".into()))
                .with_user_agent("test-agent/1"),
        )
        .unwrap();
        let _: serde_json::Value = client.get("kubernetes", &[("page", "1")]).await.unwrap();
        client.get_text("kubernetes/k1/config/kube").await.unwrap();
        client
            .post_empty(
                "kubernetes/k1/k8s-version",
                Some(&json!({"version": "1.31.2"})),
            )
            .await
            .unwrap();

        let reqs = m.requests();
        assert_eq!(reqs.len(), 3);
        let get = &reqs[0];
        assert_eq!(get.method, "GET");
        assert_eq!(get.path, "/api/v2/kubernetes");
        assert_eq!(get.query.as_deref(), Some("page=1"));
        assert_eq!(get.header("authorization"), Some("Bearer test-token"));
        assert_eq!(get.header("x-user-id"), Some("client-7"));
        assert_eq!(get.header("accept"), Some("application/json"));
        assert_eq!(get.header("user-agent"), Some("test-agent/1"));
        assert_eq!(reqs[1].header("accept"), Some("application/yaml"));
        let post = &reqs[2];
        assert_eq!(post.method, "POST");
        assert_eq!(post.header("content-type"), Some("application/json"));
        assert_eq!(post.json(), json!({"version": "1.31.2"}));
    }

    /// A `MakeWriter` that appends every log line to a shared buffer.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    #[tokio::test]
    async fn logs_requests_but_never_the_token_or_config_bodies() {
        // tracing caches per-callsite interest globally. With a single
        // registered dispatcher it consults only the *calling thread's*
        // default, so a parallel test thread without a subscriber would turn
        // our callsites off. A second live dispatcher makes tracing consult
        // every registered one.
        let _second = tracing::Dispatch::new(tracing_subscriber::registry());
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(captured.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        tracing::callsite::rebuild_interest_cache();

        let m = mock(|req, n| {
            if req.path.ends_with("/config/kube") {
                Reply::text(200, "client-key-data: KUBE-SECRET-KEY\n")
            } else if n == 0 {
                Reply::json(503, json!({}))
            } else {
                Reply::json(401, json!({"message": "nope"}))
            }
        })
        .await;
        let client =
            Client::new(fast_config(&m.base_url).with_client_id(Some("cid".into()))).unwrap();
        let kube = client.kubeconfig("k1").await.unwrap();
        assert!(kube.contains("KUBE-SECRET-KEY"));
        let _ = client.get_cluster("k1").await.unwrap_err();

        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("xelon api request"), "{logs}");
        assert!(
            logs.contains("path=\"kubernetes/k1\"") || logs.contains("path=kubernetes/k1"),
            "{logs}"
        );
        assert!(logs.contains("status=503"), "{logs}");
        assert!(logs.contains("retrying xelon api request"), "{logs}");
        assert!(!logs.contains("test-token"), "token in logs:\n{logs}");
        assert!(
            !logs.contains("KUBE-SECRET-KEY"),
            "kubeconfig in logs:\n{logs}"
        );
    }

    #[tokio::test]
    async fn no_client_id_header_without_client_id() {
        let m = mock(|_, _| Reply::json(200, json!({}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let _: serde_json::Value = client.get("tenants/current", &[]).await.unwrap();
        assert_eq!(m.requests()[0].header("x-user-id"), None);
    }

    #[tokio::test]
    async fn error_body_becomes_api_error() {
        let m = mock(|_, _| {
            Reply::json(
                422,
                json!({"message": "The given data was invalid.",
                       "errors": {"k8sVersion": ["not offered by cloud-1"]}}),
            )
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let err = client
            .post::<_, serde_json::Value>("kubernetes", &json!({}))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "POST kubernetes: 422 Unprocessable Entity: The given data was invalid. \
             (k8sVersion: not offered by cloud-1)"
        );
        match err {
            Error::Api { status, errors, .. } => {
                assert_eq!(status, 422);
                assert_eq!(errors["k8sVersion"], vec!["not offered by cloud-1"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn echoed_token_is_redacted_from_errors() {
        let m = mock(|req, _| {
            let auth = req.header("authorization").unwrap_or_default().to_owned();
            Reply::json(401, json!({"message": format!("bad credentials: {auth}")}))
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let err = client
            .get::<serde_json::Value>("tenants/current", &[])
            .await
            .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("test-token"), "{shown}");
        assert!(shown.contains("Bearer ***"), "{shown}");
    }

    #[tokio::test]
    async fn decode_error_keeps_the_body() {
        let m = mock(|_, _| Reply::text(200, "{\"data\": {\"identifier\": 42}}")).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Obj {
            identifier: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Wrapped {
            data: Obj,
        }
        let err = client
            .get::<Wrapped>("kubernetes/k1", &[])
            .await
            .unwrap_err();
        match &err {
            Error::Decode {
                method, path, body, ..
            } => {
                assert_eq!(*method, Method::GET);
                assert_eq!(path, "kubernetes/k1");
                assert_eq!(body, "{\"data\": {\"identifier\": 42}}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("identifier\": 42"), "{err}");
    }

    #[tokio::test]
    async fn get_retries_503_then_succeeds() {
        let m = mock(|_, n| {
            if n < 2 {
                Reply::json(503, json!({"message": "busy"}))
            } else {
                Reply::json(200, json!({"ok": true}))
            }
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let v: serde_json::Value = client.get("kubernetes/k1", &[]).await.unwrap();
        assert_eq!(v, json!({"ok": true}));
        assert_eq!(m.requests().len(), 3);
    }

    #[tokio::test]
    async fn get_gives_up_after_max_attempts() {
        let m = mock(|_, _| Reply::json(502, json!({"message": "down"}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let err = client
            .get::<serde_json::Value>("kubernetes", &[])
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(502));
        assert!(err.is_transient());
        assert_eq!(m.requests().len(), 4, "fast_config allows 4 attempts");
    }

    #[tokio::test]
    async fn patch_and_delete_retry_but_post_does_not() {
        let m = mock(|req, n| {
            if n == 0 {
                Reply::json(503, json!({}))
            } else if req.method == "POST" {
                Reply::json(200, json!({"data": {}}))
            } else {
                Reply::json(204, json!(null))
            }
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        client
            .patch("kubernetes/k1/control-planes", &json!({"disk": 1}))
            .await
            .unwrap();
        client.delete("kubernetes/k1").await.unwrap();
        let err = client
            .post::<_, serde_json::Value>("kubernetes", &json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(503));
        let methods: Vec<String> = m.requests().iter().map(|r| r.method.clone()).collect();
        assert_eq!(methods, ["PATCH", "PATCH", "DELETE", "DELETE", "POST"]);
    }

    #[tokio::test]
    async fn honours_retry_after_on_429() {
        let m = mock(|_, n| {
            if n == 0 {
                Reply::json(429, json!({"message": "slow down"})).with_header("Retry-After", "1")
            } else {
                Reply::json(200, json!({"data": {}}))
            }
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let started = Instant::now();
        let _: serde_json::Value = client.post("kubernetes", &json!({})).await.unwrap();
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(950),
            "waited only {elapsed:?}"
        );
        let reqs = m.requests();
        assert_eq!(reqs.len(), 2);
        let gap = reqs[1].at.duration_since(reqs[0].at);
        assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
    }

    #[tokio::test]
    async fn retry_after_is_capped() {
        let m = mock(|_, n| {
            if n == 0 {
                Reply::json(429, json!({})).with_header("Retry-After", "3600")
            } else {
                Reply::json(200, json!({}))
            }
        })
        .await;
        let mut config = fast_config(&m.base_url);
        config.retry.retry_after_cap = Duration::from_millis(30);
        let client = Client::new(config).unwrap();
        let started = Instant::now();
        let _: serde_json::Value = client.get("kubernetes", &[]).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(m.requests().len(), 2);
    }

    #[tokio::test]
    async fn retries_connection_failures_for_get() {
        // Find a free port, leave it closed for a while, then serve on it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let server = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            crate::xelon::test_support::serve_on(addr, |_, _| Reply::json(200, json!({"up": 1})))
                .await
        });
        let mut config = fast_config(&format!("http://{addr}/api/v2/"));
        config.retry = RetryPolicy {
            budget: Duration::from_secs(10),
            max_attempts: 12,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
            retry_after_cap: Duration::from_secs(1),
        };
        let client = Client::new(config).unwrap();
        let v: serde_json::Value = client.get("kubernetes", &[]).await.unwrap();
        assert_eq!(v, json!({"up": 1}));
        server.abort();
    }

    #[tokio::test]
    async fn post_does_not_retry_connection_failures() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = Client::new(fast_config(&format!("http://{addr}/api/v2/"))).unwrap();
        let err = client
            .post_empty::<()>("kubernetes/k1/upgrade", None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("POST kubernetes/k1/upgrade: "),
            "{err}"
        );
        assert!(!err.to_string().contains("test-token"));
    }

    #[tokio::test]
    async fn cancellation_stops_retry_sleeps() {
        let m = mock(|_, _| Reply::json(503, json!({}))).await;
        let mut config = fast_config(&m.base_url);
        config.retry.base = Duration::from_secs(60);
        config.retry.cap = Duration::from_secs(60);
        config.retry.budget = Duration::from_secs(600);
        config.retry.max_attempts = 10;
        let token = CancellationToken::new();
        let client = Client::new(config).unwrap().with_cancel(token.clone());
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            token.cancel();
        });
        let started = Instant::now();
        let err = client
            .get::<serde_json::Value>("kubernetes", &[])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        canceller.await.unwrap();
    }

    #[tokio::test]
    async fn a_token_echoed_across_the_cut_is_redacted() {
        // A server echoing the token so that it straddles where the error
        // keeps the body: at 200 bytes of a non-JSON error body, at 1024 of
        // an undecodable 2xx one.
        const TOKEN: &str = "4711|Zq8XkP3vLm9TnR2wYc6HbJ5dFs1GaQ7eUo4iKx0N";
        for (status, cut) in [(400, 200), (200, 1024)] {
            let m = mock(move |req, _| {
                let auth = req.header("authorization").unwrap_or_default();
                let echoed = auth.trim_start_matches("Bearer ");
                let body = format!("{}{echoed}{}", ".".repeat(cut - 20), ".".repeat(100));
                Reply::text(status, &body)
            })
            .await;
            let mut config = fast_config(&m.base_url);
            config.token = TOKEN.into();
            let client = Client::new(config).unwrap();
            let err = client
                .get::<serde_json::Value>("kubernetes", &[])
                .await
                .unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains("..."), "{shown}");
            for start in 0..=TOKEN.len() - 8 {
                let run = &TOKEN[start..start + 8];
                assert!(!shown.contains(run), "{run:?} of the token in {shown}");
            }
        }
    }
}
