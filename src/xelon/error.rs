//! The one error type of the Xelon API client.
//!
//! Every fallible operation in [`crate::xelon`] returns [`Error`]. Its
//! variants say *where* a call failed (the HTTP method and the path relative
//! to the base URL) and *why*, in a form that can be shown to a Terraform
//! user as is.
//!
//! # Secrets
//!
//! No variant ever carries the API token. Bodies and messages that come back
//! from the server are scrubbed of the token before they are stored (see
//! `redact`), in case a misbehaving server echoes it.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::Method;
use reqwest::StatusCode;

/// A `Result` whose error is the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many bytes of an undecodable body [`Error::Decode`] keeps.
pub const MAX_ERROR_BODY: usize = 1024;

/// Everything that can go wrong when talking to the Xelon HQ API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside 200-299.
    ///
    /// `error`, `message` and `errors` come from the JSON error body
    /// (`{"error": ..., "message": ..., "errors": {field: [why, ...]}}`), when
    /// there is one. A body that is not JSON ends up, trimmed and truncated,
    /// in `message`.
    #[error("{}", DisplayApi(self))]
    Api {
        /// The request's method.
        method: Method,
        /// The request's path, relative to the base URL (no query string).
        path: String,
        /// The HTTP status code.
        status: u16,
        /// The short error code of the body's `error` key.
        error: Option<String>,
        /// The human text of the body's `message` key.
        message: Option<String>,
        /// Validation failures (HTTP 422): field name to the reasons.
        errors: BTreeMap<String, Vec<String>>,
    },

    /// The request could not be sent or its answer could not be read
    /// (connection refused, reset, TLS failure, request timeout, ...).
    #[error("{method} {path}: {}", DisplayChain(source))]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's path, relative to the base URL.
        path: String,
        /// What reqwest reported (its URL stripped).
        #[source]
        source: reqwest::Error,
    },

    /// A 2xx answer whose body does not have the expected shape.
    #[error("{method} {path}: cannot decode the answer: {source} (body: {body})")]
    Decode {
        /// The request's method.
        method: Method,
        /// The request's path, relative to the base URL.
        path: String,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
        /// The start of the body (at most [`MAX_ERROR_BODY`] bytes).
        body: String,
    },

    /// A wait did not reach its goal in time.
    #[error("timed out after {} waiting for {what}{}", DisplayDuration(*after), DisplayLast(last_status.as_deref()))]
    Timeout {
        /// What was being waited for, e.g. `cluster k8s-1 to be ready`.
        what: String,
        /// How long the wait lasted.
        after: Duration,
        /// The last status seen, if any.
        last_status: Option<String>,
    },

    /// The operation was cancelled through a
    /// [`CancellationToken`](tokio_util::sync::CancellationToken).
    #[error("cancelled")]
    Cancelled,

    /// An object reached a status from which the awaited state can no longer
    /// be reached (e.g. a cluster in `Error` while waiting for `Ready`).
    #[error("{what} reached status {status:?}")]
    NotReady {
        /// The object and the awaited state, e.g. `cluster k8s-1 to be ready`.
        what: String,
        /// The terminal status that was seen.
        status: String,
    },

    /// The client configuration is unusable (bad base URL, empty token, ...).
    #[error("invalid Xelon client configuration: {0}")]
    InvalidConfig(String),
}

impl Error {
    /// Whether this is an API answer with status 404 (no such object).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The HTTP status of an [`Error::Api`], `None` for other variants.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether a later attempt of the same request may succeed: transport
    /// failures, 429 and 502/503/504.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { source, .. } => !source.is_builder(),
            Error::Api { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }

    /// Builds an [`Error::Api`] from a non-2xx answer, decoding the JSON
    /// error body leniently and scrubbing `secret` from whatever is kept.
    pub(crate) fn from_response(
        method: Method,
        path: &str,
        status: StatusCode,
        body: &[u8],
        secret: &str,
    ) -> Error {
        let mut error = None;
        let mut message = None;
        let mut errors = BTreeMap::new();
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => {
                error = map.get("error").and_then(value_to_string);
                message = map.get("message").and_then(value_to_string);
                if let Some(serde_json::Value::Object(fields)) = map.get("errors") {
                    for (field, why) in fields {
                        let reasons: Vec<String> = match why {
                            serde_json::Value::Array(items) => {
                                items.iter().filter_map(value_to_string).collect()
                            }
                            other => value_to_string(other).into_iter().collect(),
                        };
                        errors.insert(redact(field, secret), redact_all(reasons, secret));
                    }
                }
            }
            _ => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if !text.is_empty() {
                    message = Some(truncate(text, 200));
                }
            }
        }
        Error::Api {
            method,
            path: path.to_owned(),
            status: status.as_u16(),
            error: error.map(|e| redact(&e, secret)),
            message: message.map(|m| redact(&m, secret)),
            errors,
        }
    }

    /// Builds an [`Error::Decode`], keeping the start of the body.
    pub(crate) fn decode(
        method: Method,
        path: &str,
        source: serde_json::Error,
        body: &[u8],
        secret: &str,
    ) -> Error {
        let text = String::from_utf8_lossy(body);
        Error::Decode {
            method,
            path: path.to_owned(),
            source,
            body: redact(&truncate(&text, MAX_ERROR_BODY), secret),
        }
    }
}

/// Whether an HTTP status is worth retrying: 429, 502, 503 and 504.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Replaces every occurrence of `secret` in `text` with `***`.
///
/// An empty secret leaves the text as it is. A short secret (under 8
/// characters, as in tests and demos) is replaced only where it stands as a
/// word of its own, so that a token like `t` does not garble every message.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    if secret.len() >= 8 {
        return text.replace(secret, "***");
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(is_word) || after.is_some_and(is_word) {
            out.push_str(secret);
        } else {
            out.push_str("***");
        }
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

fn redact_all(items: Vec<String>, secret: &str) -> Vec<String> {
    items.into_iter().map(|i| redact(&i, secret)).collect()
}

/// Cuts `text` to at most `max` bytes, on a character boundary, marking the
/// cut with `…`.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn value_to_string(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Renders an [`Error::Api`]:
/// `POST kubernetes: 422 Unprocessable Entity: <message> (k8sVersion: not offered)`.
struct DisplayApi<'a>(&'a Error);

impl fmt::Display for DisplayApi<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Error::Api {
            method,
            path,
            status,
            error,
            message,
            errors,
        } = self.0
        else {
            return Ok(());
        };
        write!(f, "{method} {path}: {status}")?;
        if let Some(reason) = StatusCode::from_u16(*status)
            .ok()
            .and_then(|s| s.canonical_reason())
        {
            write!(f, " {reason}")?;
        }
        match (message.as_deref(), error.as_deref()) {
            (Some(m), _) if !m.is_empty() => write!(f, ": {m}")?,
            (_, Some(e)) if !e.is_empty() => write!(f, ": {e}")?,
            _ => {}
        }
        if !errors.is_empty() {
            f.write_str(" (")?;
            for (i, (field, reasons)) in errors.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{field}: {}", reasons.join("; "))?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Renders an error and its chain of sources, `a: b: c`.
struct DisplayChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// Renders a duration for humans: `1h2m3s`, `45s`, `250ms`.
struct DisplayDuration(Duration);

impl fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.as_secs();
        if total == 0 {
            return write!(f, "{}ms", self.0.as_millis());
        }
        let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if h > 0 || m > 0 {
            write!(f, "{m}m")?;
        }
        write!(f, "{s}s")
    }
}

struct DisplayLast<'a>(Option<&'a str>);

impl fmt::Display for DisplayLast<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, " (last status: {s})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str) -> Error {
        Error::from_response(
            Method::POST,
            "kubernetes",
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            "tok-SECRET",
        )
    }

    #[test]
    fn api_error_display_with_validation_errors() {
        let e = api(
            422,
            r#"{"error":"validation","message":"The given data was invalid.","errors":{"k8sVersion":["not offered","too old"],"clusterName":"taken"}}"#,
        );
        assert_eq!(
            e.to_string(),
            "POST kubernetes: 422 Unprocessable Entity: The given data was invalid. \
             (clusterName: taken, k8sVersion: not offered; too old)"
        );
        let Error::Api { error, errors, .. } = &e else {
            panic!("not an Api error: {e:?}");
        };
        assert_eq!(error.as_deref(), Some("validation"));
        assert_eq!(errors["k8sVersion"], vec!["not offered", "too old"]);
        assert!(!e.is_not_found());
        assert!(!e.is_transient());
    }

    #[test]
    fn api_error_falls_back_to_code_and_raw_text() {
        let e = api(404, r#"{"error":"not_found"}"#);
        assert_eq!(e.to_string(), "POST kubernetes: 404 Not Found: not_found");
        assert!(e.is_not_found());

        let e = api(502, "<html>Bad gateway</html>");
        assert_eq!(
            e.to_string(),
            "POST kubernetes: 502 Bad Gateway: <html>Bad gateway</html>"
        );
        assert!(e.is_transient());

        let e = api(500, "");
        assert_eq!(e.to_string(), "POST kubernetes: 500 Internal Server Error");
    }

    #[test]
    fn short_secrets_are_redacted_only_as_words() {
        assert_eq!(
            redact("Kubernetes cluster t", "t"),
            "Kubernetes cluster ***"
        );
        assert_eq!(redact("token=t;", "t"), "token=***;");
        assert_eq!(
            redact("a long-secret-token here", "long-secret-token"),
            "a *** here"
        );
        assert_eq!(redact("xlong-secret-tokenx", "long-secret-token"), "x***x");
    }

    #[test]
    fn api_error_redacts_the_secret() {
        let e = api(
            401,
            r#"{"message":"token tok-SECRET is bad","errors":{"tok-SECRET":["tok-SECRET"]}}"#,
        );
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("tok-SECRET"), "{shown}");
        assert!(shown.contains("token *** is bad"), "{shown}");
    }

    #[test]
    fn decode_error_keeps_a_truncated_body() {
        let body = format!("{{\"data\": \"{}\"", "é".repeat(2000));
        let source = serde_json::from_str::<u32>("x").unwrap_err();
        let e = Error::decode(Method::GET, "kubernetes/k", source, body.as_bytes(), "s");
        let Error::Decode { body: kept, .. } = &e else {
            panic!("not a Decode error");
        };
        assert!(kept.len() <= MAX_ERROR_BODY + '…'.len_utf8());
        assert!(kept.starts_with("{\"data\": \"éé"));
        assert!(kept.ends_with('…'));
        assert!(
            e.to_string()
                .starts_with("GET kubernetes/k: cannot decode the answer: ")
        );
    }

    #[test]
    fn timeout_and_not_ready_display() {
        let e = Error::Timeout {
            what: "cluster k to be ready".into(),
            after: Duration::from_secs(1830),
            last_status: Some("Provisioning".into()),
        };
        assert_eq!(
            e.to_string(),
            "timed out after 30m30s waiting for cluster k to be ready (last status: Provisioning)"
        );
        let e = Error::NotReady {
            what: "cluster k to be ready".into(),
            status: "Error".into(),
        };
        assert_eq!(
            e.to_string(),
            "cluster k to be ready reached status \"Error\""
        );
        assert_eq!(
            DisplayDuration(Duration::from_millis(250)).to_string(),
            "250ms"
        );
        assert_eq!(
            DisplayDuration(Duration::from_secs(3600)).to_string(),
            "1h0m0s"
        );
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
        assert_eq!(truncate("aé", 2), "a…");
    }
}
