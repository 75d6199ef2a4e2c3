//! Client configuration and the [`Secret`] wrapper for the API token.

use std::fmt;
use std::time::Duration;

use super::retry::RetryPolicy;
use super::wait::PollSchedule;

/// The base URL of the production Xelon HQ API (with its trailing slash).
pub const DEFAULT_BASE_URL: &str = "https://hq.xelon.ch/api/v2/";

/// The default `User-Agent`: `terraform-provider-xelon/<crate version>`.
pub const DEFAULT_USER_AGENT: &str =
    concat!("terraform-provider-xelon/", env!("CARGO_PKG_VERSION"));

/// A string that must never be shown: its `Debug` and `Display` print `***`.
///
/// The value is reached only through [`Secret::expose`], which makes every
/// place that handles the clear text easy to find.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear text. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Everything a [`Client`](super::Client) needs to know.
///
/// Build one with [`ClientConfig::new`] and adjust it with the `with_*`
/// methods:
///
/// ```
/// use xelon_client::ClientConfig;
///
/// let config = ClientConfig::new("my-token")
///     .with_base_url("http://127.0.0.1:8080/api/v2")
///     .with_client_id(Some("client-1".to_owned()));
/// assert_eq!(config.base_url, "http://127.0.0.1:8080/api/v2");
/// assert_eq!(format!("{:?}", config.token), "***");
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API's base URL. A missing trailing slash is added by the client.
    pub base_url: String,
    /// The API token, sent as `Authorization: Bearer <token>`.
    pub token: Secret,
    /// Sent as `X-User-Id` when set.
    pub client_id: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Which failures are retried and how long to wait in between.
    pub retry: RetryPolicy,
    /// How often the waiters in [`wait`](super::wait) poll.
    pub poll: PollSchedule,
    /// Upper bound of one HTTP attempt (connect, send, read the answer).
    pub request_timeout: Duration,
    /// Upper bound of establishing a connection.
    pub connect_timeout: Duration,
}

impl ClientConfig {
    /// A configuration for the production API with `token` and defaults for
    /// everything else.
    pub fn new(token: impl Into<Secret>) -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token: token.into(),
            client_id: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            poll: PollSchedule::default(),
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(30),
        }
    }

    /// Sets the base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets or clears the client id (`X-User-Id`).
    pub fn with_client_id(mut self, client_id: Option<String>) -> Self {
        self.client_id = client_id;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the waiters' polling schedule.
    pub fn with_poll(mut self, poll: PollSchedule) -> Self {
        self.poll = poll;
        self
    }

    /// Sets the per-attempt request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_shows() {
        let config = ClientConfig::new("tok-VERY-SECRET").with_client_id(Some("c1".into()));
        let shown = format!("{config:?} {} {:?}", config.token, config.token);
        assert!(!shown.contains("tok-VERY-SECRET"), "{shown}");
        assert!(shown.contains("***"));
        assert!(shown.contains("c1"));
        assert_eq!(config.token.expose(), "tok-VERY-SECRET");
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert!(config.user_agent.starts_with("terraform-provider-xelon/"));
    }
}
