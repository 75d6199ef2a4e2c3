//! The one error type of the Xelon API client.
//!
//! Every fallible operation in [`crate`] returns [`Error`]. Its
//! variants say *where* a call failed (the HTTP method and the path relative
//! to the base URL) and *why*, in a form that can be shown to a Terraform
//! user as is.
//!
//! # Secrets
//!
//! No variant ever carries the API token. Bodies and messages that come back
//! from the server are scrubbed of the token before they are stored (see
//! `redact`), in case a misbehaving server echoes it, however it spells it
//! (percent-encoded, JSON-escaped, in another case, base64-encoded: see the
//! `redact` module). Scrubbing always comes *before* truncation (see `scrub_with`):
//! cutting first could split an echoed token at the cut, and the half left in
//! the kept text would no longer match the token, so it would reach the user
//! almost whole.
//!
//! # Length
//!
//! Every text kept from an answer is cut to a readable length (the limits
//! are the `MAX_*` constants below), the cut marked: a 300 KB error body
//! makes a message of about 500 bytes, not of 300 KB.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::Method;
use reqwest::StatusCode;

use redact::Redactor;

mod redact;

/// A `Result` whose error is the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

// # Limits
//
// Every text an `Error` keeps from an answer is cut to a readable length
// here, after redaction (see `scrub_with`), the cut marked with `CUT_MARK` and
// the length of the whole text. These are all the limits there are.

/// How many bytes of an undecodable body [`Error::Decode`] keeps (and of
/// serde_json's message about it).
pub const MAX_ERROR_BODY: usize = 1024;

/// How many bytes of an API error's `message` [`Error::Api`] keeps; a body
/// that is not JSON is its message.
pub const MAX_MESSAGE: usize = 500;

/// How many bytes of an API error's `error` (a short code) are kept.
pub const MAX_CODE: usize = 100;

/// How many bytes of each field name of an API error's `errors` are kept.
pub const MAX_FIELD_NAME: usize = 100;

/// How many bytes of each reason of a field of `errors` are kept.
pub const MAX_REASON: usize = 300;

/// How many reasons of one field are kept; when there are more, a last
/// one says how many more (`(and 3 more)`).
pub const MAX_REASONS: usize = 5;

/// How many fields of `errors` are kept (the first ones of the body);
/// when there are more, an entry [`MORE_FIELDS`] says how many more.
pub const MAX_FIELDS: usize = 20;

/// The key of the entry of `errors` that says how many more fields the
/// answer named (`and 7 more fields`), when it named more than
/// [`MAX_FIELDS`]. It sorts after ASCII field names.
pub const MORE_FIELDS: &str = "…";

/// What marks a cut: `<kept>… (truncated, 123456 bytes in all)`.
const CUT_MARK: &str = "…";

/// Everything that can go wrong when talking to the Xelon HQ API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside 200-299.
    ///
    /// `error`, `message` and `errors` come from the JSON error body
    /// (`{"error": ..., "message": ..., "errors": {field: [why, ...]}}`), when
    /// there is one. A body that is not JSON ends up, trimmed and truncated,
    /// in `message`. Each is redacted, then cut to its limit
    /// ([`MAX_CODE`], [`MAX_MESSAGE`], [`MAX_FIELD_NAME`], [`MAX_REASON`],
    /// [`MAX_REASONS`], [`MAX_FIELDS`]).
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
        /// The start of the body, redacted (at most [`MAX_ERROR_BODY`]
        /// bytes, then the mark of the cut).
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

    /// A request body that could not be encoded: nothing was sent.
    #[error("{method} {path}: cannot encode the request body: {source}")]
    Encode {
        /// The request's method.
        method: Method,
        /// The request's path, relative to the base URL.
        path: String,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
}

/// What a failed request may have done at the API: the question a create
/// must answer before it may be sent again (see [`Error::delivery`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// It certainly never reached the API (connection refused, name
    /// resolution, a TLS failure, a body that could not be encoded): it may
    /// be sent again without looking.
    NotSent,
    /// The API answered that it did not act on it (a 4xx): nothing was done.
    Refused,
    /// The API finished handling it, but what it did is not known (a 500,
    /// 501, 503 or other 5xx of the application, a 2xx answer that could not
    /// be read): an object it made exists by now, bar a listing that lags.
    Handled,
    /// It may still be in progress: the answer timed out, the connection
    /// broke after the request was written, or a gateway gave up waiting for
    /// the backend (502, 504, and the 52x of some proxies). An object it
    /// makes may appear minutes later.
    MayBeInProgress,
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

    /// What the failed request may have done at the API (see [`Delivery`]).
    /// Errors that are not about a request ([`Error::Timeout`],
    /// [`Error::NotReady`]) count as [`Delivery::Refused`]: they say nothing
    /// about a create.
    pub fn delivery(&self) -> Delivery {
        match self {
            Error::Transport { source, .. } if source.is_builder() || source.is_connect() => {
                Delivery::NotSent
            }
            Error::Transport { .. } => Delivery::MayBeInProgress,
            // A request cut short by cancellation may have been written.
            Error::Cancelled => Delivery::MayBeInProgress,
            Error::Encode { .. } | Error::InvalidConfig(_) => Delivery::NotSent,
            Error::Decode { .. } => Delivery::Handled,
            Error::Api { status, .. } => match *status {
                502 | 504 | 520..=599 => Delivery::MayBeInProgress,
                500..=519 => Delivery::Handled,
                _ => Delivery::Refused,
            },
            Error::Timeout { .. } | Error::NotReady { .. } => Delivery::Refused,
        }
    }

    /// Whether a later attempt of the same request may succeed: transport
    /// failures, 429, 500 and 502/503/504.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { source, .. } => !source.is_builder(),
            Error::Api { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }

    /// Builds an [`Error::Api`] from a non-2xx answer, decoding the JSON
    /// error body leniently and scrubbing `secret` from whatever is kept:
    /// redacted, then cut to the limits above.
    pub(crate) fn from_response(
        method: Method,
        path: &str,
        status: StatusCode,
        body: &[u8],
        secret: &str,
    ) -> Error {
        let redactor = Redactor::new(secret);
        let mut error = None;
        let mut message = None;
        let mut errors = BTreeMap::new();
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => {
                let text = |key: &str, max: usize| {
                    let value = map.get(key).and_then(value_to_string)?;
                    Some(scrub_with(&redactor, &value, max))
                };
                error = text("error", MAX_CODE);
                message = text("message", MAX_MESSAGE);
                if let Some(serde_json::Value::Object(fields)) = map.get("errors") {
                    errors = scrub_fields(fields, &redactor);
                }
            }
            _ => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if !text.is_empty() {
                    message = Some(scrub_with(&redactor, text, MAX_MESSAGE));
                }
            }
        }
        Error::Api {
            method,
            path: path.to_owned(),
            status: status.as_u16(),
            error,
            message,
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
        let redactor = Redactor::new(secret);
        let text = String::from_utf8_lossy(body);
        Error::Decode {
            method,
            path: path.to_owned(),
            source: scrub_json_error(source, &redactor),
            body: scrub_with(&redactor, &text, MAX_ERROR_BODY),
        }
    }
}

/// The `errors` of an error body, scrubbed and bounded: the first
/// [`MAX_FIELDS`] fields (then [`MORE_FIELDS`]), each name cut at
/// [`MAX_FIELD_NAME`], each field's first [`MAX_REASONS`] reasons (then
/// `(and N more)`), each cut at [`MAX_REASON`]. Fields the cut leaves out
/// are never read, let alone kept. Two names that read the same once
/// redacted share one entry.
fn scrub_fields(
    fields: &serde_json::Map<String, serde_json::Value>,
    redactor: &Redactor,
) -> BTreeMap<String, Vec<String>> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (field, why) in fields.iter().take(MAX_FIELDS) {
        let items = match why {
            serde_json::Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        let mut reasons: Vec<String> = items
            .iter()
            .filter_map(value_to_string)
            .take(MAX_REASONS)
            .map(|why| scrub_with(redactor, &why, MAX_REASON))
            .collect();
        let all = items.iter().filter(|why| !why.is_null()).count();
        if all > reasons.len() {
            reasons.push(format!("(and {} more)", all - reasons.len()));
        }
        errors
            .entry(scrub_with(redactor, field, MAX_FIELD_NAME))
            .or_default()
            .extend(reasons);
    }
    if fields.len() > MAX_FIELDS {
        let more = fields.len() - MAX_FIELDS;
        errors
            .entry(MORE_FIELDS.to_owned())
            .or_default()
            .push(format!(
                "and {more} more field{}",
                if more == 1 { "" } else { "s" }
            ));
    }
    errors
}

/// Whether an HTTP status is worth retrying: 429, 500, 502, 503 and 504
/// (a 500 from a busy backend is as often passing as a 503).
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Replaces every spelling of `secret` in `text` with `***` (see
/// [`Redactor`], which does it): the token as is, percent-encoded (either
/// case of hex, `+` for a space, some characters or all), with JSON, Rust
/// or HTML escapes, in any mix of upper and lower case, and base64-encoded
/// alone or after something else (`Bearer <token>`).
///
/// An empty secret leaves the text as it is. A short secret (under 8
/// bytes, as in tests and demos) is replaced only where it stands whole as
/// a word of its own, so that a token like `t` does not garble every
/// message.
///
/// A long secret is replaced wherever any 8 consecutive bytes of one of its
/// spellings occur, once the text's escapes are decoded and its case
/// folded: the whole token, overlapping or back-to-back copies of it, and a
/// fragment someone else cut off (a server echoing the start of the token,
/// a proxy truncating the body inside it). Each stretch of text covered by
/// such runs becomes one `***`, so the result holds no 8 consecutive bytes
/// of the secret, and no cut of the result can either. Matching is plain
/// text: `|`, `.`, `*` or `$` in a token mean nothing special.
#[cfg(test)]
pub(crate) fn redact(text: &str, secret: &str) -> String {
    Redactor::new(secret).redact(text)
}

/// Redacts `secret` from `text`, *then* cuts it to at most `max` bytes
/// (see [`scrub_with`]).
#[cfg(test)]
pub(crate) fn scrub(text: &str, secret: &str, max: usize) -> String {
    scrub_with(&Redactor::new(secret), text, max)
}

/// Redacts the secret from `text`, *then* cuts it to at most `max` bytes
/// on a character boundary, the cut marked: `<kept>… (truncated, N bytes
/// in all)`, N the length of the redacted text. Every text from the server
/// that is kept goes through here: in the other order the cut could split
/// the token, and the part left would no longer match it.
pub(crate) fn scrub_with(redactor: &Redactor, text: &str, max: usize) -> String {
    let redacted = redactor.redact(text);
    match cut(&redacted, max) {
        None => redacted,
        Some(kept) => format!(
            "{kept}{CUT_MARK} (truncated, {} bytes in all)",
            redacted.len()
        ),
    }
}

/// A serde_json error quotes what it could not use (`invalid type: string
/// "..."`), which may be the token: keep it only when it does not contain the
/// secret, else an error with the same text, redacted and truncated.
fn scrub_json_error(source: serde_json::Error, redactor: &Redactor) -> serde_json::Error {
    let shown = source.to_string();
    let position = format!(" at line {} column {}", source.line(), source.column());
    let what = shown.strip_suffix(&position).unwrap_or(&shown);
    let clean = scrub_with(redactor, what, MAX_ERROR_BODY);
    if clean == what {
        return source;
    }
    let at = if source.line() == 0 { "" } else { &position };
    <serde_json::Error as serde::de::Error>::custom(format!("{clean}{at}"))
}

/// The first `max` bytes of `text` (on a character boundary), or `None`
/// when it is not longer than that.
fn cut(text: &str, max: usize) -> Option<&str> {
    if text.len() <= max {
        return None;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(&text[..end])
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
        // The text ends without a full stop, so that a sentence around it
        // can add its own without doubling one.
        let bare = |text: &str| text.trim_end().trim_end_matches('.').to_owned();
        match (message.as_deref(), error.as_deref()) {
            (Some(m), _) if !bare(m).is_empty() => write!(f, ": {}", bare(m))?,
            (_, Some(e)) if !bare(e).is_empty() => write!(f, ": {}", bare(e))?,
            _ => {}
        }
        if !errors.is_empty() {
            f.write_str(" (")?;
            for (i, (field, reasons)) in errors.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                if field != MORE_FIELDS {
                    write!(f, "{field}: ")?;
                }
                f.write_str(&reasons.join("; "))?;
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
mod tests;
