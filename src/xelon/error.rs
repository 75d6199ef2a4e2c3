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
//! `redact`), in case a misbehaving server echoes it. Scrubbing always comes
//! *before* truncation (see `scrub`): cutting first could split an echoed
//! token at the cut, and the half left in the kept text would no longer match
//! the token, so it would reach the user almost whole.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::Method;
use reqwest::StatusCode;

/// A `Result` whose error is the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many bytes of an undecodable body [`Error::Decode`] keeps.
pub const MAX_ERROR_BODY: usize = 1024;

/// How many bytes of a non-JSON error body [`Error::Api`] keeps as its message.
const MAX_RAW_MESSAGE: usize = 200;

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
                    message = Some(scrub(text, secret, MAX_RAW_MESSAGE));
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
            source: scrub_json_error(source, secret),
            body: scrub(&text, secret, MAX_ERROR_BODY),
        }
    }
}

/// Whether an HTTP status is worth retrying: 429, 500, 502, 503 and 504
/// (a 500 from a busy backend is as often passing as a 503).
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Secrets at least this many bytes long are redacted wherever any run of
/// this many of their bytes occurs. Shorter ones (as in tests and demos)
/// only where they stand as a word of their own.
const LONG_SECRET: usize = 8;

/// Replaces every occurrence of `secret` in `text` with `***`.
///
/// An empty secret leaves the text as it is. A short secret (under 8
/// bytes, as in tests and demos) is replaced only where it stands as a
/// word of its own, so that a token like `t` does not garble every message.
///
/// A long secret is replaced wherever any 8 consecutive bytes of it occur:
/// the whole token, overlapping or back-to-back copies of it, and a fragment
/// someone else cut off (a server echoing the start of the token, a proxy
/// truncating the body inside it). Each stretch of text covered by such runs
/// becomes one `***`, so the result holds no 8 consecutive bytes of the
/// secret, and no cut of the result can either. The same goes for the
/// secret's escaped spellings (`\"`, `\\`, `\/`), as a raw JSON body or a
/// serde_json message (which quotes strings with Rust's `{:?}`) carries
/// them. Matching is plain text: `|`, `.`, `*` or `$` in a token mean
/// nothing special.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let forms = spellings(secret);
    if secret.len() < LONG_SECRET {
        return forms
            .iter()
            .fold(text.to_owned(), |text, form| redact_word(&text, form));
    }
    let runs = runs(&forms);
    let mut out = text.to_owned();
    // One pass leaves no run, unless the secret contains `*` and a `***`
    // put in completes a new one. Each pass that changes something turns at
    // least 8 bytes into 3, so this ends.
    while let Some(covered) = cover(&out, &runs) {
        out = covered;
    }
    out
}

/// The ways `secret` may be spelled in a text: as is, JSON-escaped (as
/// serde_json does, and with `/` escaped as PHP's `json_encode` does), and
/// as Rust's `{:?}` quotes it (serde_json's messages), without the quotes.
fn spellings(secret: &str) -> Vec<String> {
    let unquote = |q: String| {
        q.strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or_default()
            .to_owned()
    };
    let mut forms = vec![secret.to_owned()];
    let json = unquote(serde_json::to_string(secret).unwrap_or_default());
    let debug = unquote(format!("{secret:?}"));
    for form in [json.replace('/', "\\/"), json, debug] {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// The run of `text` that starts at byte `start`: [`LONG_SECRET`] bytes,
/// rounded up to a character boundary; `None` near the end.
fn run_at(text: &str, start: usize) -> Option<&str> {
    let mut end = start + LONG_SECRET;
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    text.get(start..end)
}

/// Every run of each form. Any substring of a form that is at least
/// [`LONG_SECRET`] bytes long contains one of them, and a text contains such
/// a substring exactly where one of them is its own run at that position
/// (UTF-8 puts character boundaries at the same bytes in both).
/// Sorted, for a binary search.
fn runs(forms: &[String]) -> Vec<&str> {
    let mut runs: Vec<&str> = forms
        .iter()
        .flat_map(|form| {
            form.char_indices()
                .map_while(|(start, _)| run_at(form, start))
        })
        .collect();
    runs.sort_unstable();
    runs.dedup();
    runs
}

/// Replaces each stretch of `text` covered by runs of the secret
/// (overlapping or touching ones make one stretch) with `***`; `None` when
/// there is none.
fn cover(text: &str, runs: &[&str]) -> Option<String> {
    // The bytes a run starts with (always the first byte of a character).
    let mut starts = [false; 256];
    for run in runs {
        starts[usize::from(run.as_bytes()[0])] = true;
    }
    let mut stretches: Vec<(usize, usize)> = Vec::new();
    for (start, &byte) in text.as_bytes().iter().enumerate() {
        if !starts[usize::from(byte)] {
            continue;
        }
        let Some(run) = run_at(text, start) else {
            break;
        };
        if runs.binary_search(&run).is_err() {
            continue;
        }
        let end = start + run.len();
        match stretches.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => stretches.push((start, end)),
        }
    }
    if stretches.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    for (start, end) in stretches {
        out.push_str(&text[kept..start]);
        out.push_str("***");
        kept = end;
    }
    out.push_str(&text[kept..]);
    Some(out)
}

/// [`redact`] for a short secret: only where it stands as a word.
fn redact_word(text: &str, secret: &str) -> String {
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

/// Redacts `secret` from `text`, *then* cuts it to at most `max` bytes
/// (plus a `…` marking the cut). Every text from the server that is kept
/// shortened goes through here: in the other order the cut could split the
/// token, and the part left would no longer match it.
pub(crate) fn scrub(text: &str, secret: &str, max: usize) -> String {
    let redacted = redact(text, secret);
    match cut(&redacted, max) {
        None => redacted,
        Some(kept) => format!("{kept}…"),
    }
}

/// A serde_json error quotes what it could not use (`invalid type: string
/// "..."`), which may be the token: keep it only when it does not contain the
/// secret, else an error with the same text, redacted and truncated.
fn scrub_json_error(source: serde_json::Error, secret: &str) -> serde_json::Error {
    let shown = source.to_string();
    let position = format!(" at line {} column {}", source.line(), source.column());
    let what = shown.strip_suffix(&position).unwrap_or(&shown);
    let clean = scrub(what, secret, MAX_ERROR_BODY);
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
mod tests;
