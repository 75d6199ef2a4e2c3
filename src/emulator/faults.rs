//! Fault injection and request counting, driven by the admin API
//! (`/_emulator/faults`, `/_emulator/requests`).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::{ApiError, code_for_status};

/// One HTTP fault rule: the next `count` API requests matching `method`
/// and `path_prefix` are answered with `status` (and an error body, or the
/// canned `body`) instead of being handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpFault {
    /// Upper-case method to match, `None` for any.
    pub method: Option<String>,
    /// Prefix of the full request path (`/api/v2/kubernetes`).
    pub path_prefix: String,
    /// Suffix the full request path must also end with (`/config/kube`),
    /// for paths whose IDs are not known in advance. Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_suffix: Option<String>,
    /// Status code to answer: 400-599 with an error body, 200-599 with a
    /// canned `body`.
    pub status: u16,
    /// Matching requests still to fail; the rule is dropped at 0.
    pub count: u32,
    /// Seconds sent in a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
    /// Text sent as `message`; a default naming the injection otherwise.
    pub message: Option<String>,
    /// A canned answer: this exact JSON (which may be `null`) is sent as the
    /// body instead of an error body. Not shown when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// What a matching fault rule answers instead of the handler.
#[derive(Debug, Clone)]
pub enum Injected {
    /// An error answer in the API's error shape.
    Error(ApiError),
    /// A canned JSON body with any status.
    Canned {
        /// The status.
        status: StatusCode,
        /// The exact JSON body.
        body: serde_json::Value,
        /// Seconds sent in a `Retry-After` header, if any.
        retry_after: Option<u64>,
    },
}

impl Injected {
    /// The status answered.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Error(error) => error.status,
            Self::Canned { status, .. } => *status,
        }
    }
}

impl IntoResponse for Injected {
    fn into_response(self) -> Response {
        match self {
            Self::Error(error) => error.into_response(),
            Self::Canned {
                status,
                body,
                retry_after,
            } => {
                let mut response = (status, axum::Json(body)).into_response();
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
                response
            }
        }
    }
}

impl HttpFault {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
            && self
                .path_suffix
                .as_deref()
                .is_none_or(|s| path.ends_with(s))
    }

    fn answer(&self) -> Injected {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        if let Some(body) = &self.body {
            return Injected::Canned {
                status,
                body: body.clone(),
                retry_after: self.retry_after,
            };
        }
        let message = self.message.clone().unwrap_or_else(|| {
            format!(
                "{} (fault injected by the Xelon emulator)",
                status.canonical_reason().unwrap_or("error")
            )
        });
        Injected::Error(ApiError {
            retry_after: self.retry_after,
            ..ApiError::new(status, code_for_status(status), message)
        })
    }
}

/// All armed faults.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Faults {
    /// HTTP fault rules, checked in the order they were added.
    pub rules: Vec<HttpFault>,
    /// How many of the next created clusters end in status `Error`.
    pub fail_next_cluster: u32,
}

impl Faults {
    /// If an HTTP rule matches, consumes one use of the first such rule and
    /// returns what to answer with.
    pub fn take_match(&mut self, method: &str, path: &str) -> Option<Injected> {
        let index = self.rules.iter().position(|r| r.matches(method, path))?;
        let rule = &mut self.rules[index];
        let error = rule.answer();
        rule.count = rule.count.saturating_sub(1);
        if rule.count == 0 {
            self.rules.remove(index);
        }
        Some(error)
    }

    /// True (consuming one) when the next created cluster must fail.
    pub fn take_cluster_failure(&mut self) -> bool {
        if self.fail_next_cluster > 0 {
            self.fail_next_cluster -= 1;
            true
        } else {
            false
        }
    }

    /// Disarms everything.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// API request counters (admin requests are not counted).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RequestLog {
    /// Every API request, whatever its answer (401s and injected faults too).
    pub total: u64,
    /// Per route: `"<METHOD> <route template>"` relative to `/api/v2`
    /// (`"GET /kubernetes/{id}"`); requests matching no route use their path.
    pub by_route: BTreeMap<String, u64>,
}

impl RequestLog {
    /// Counts one request to `route`.
    pub fn record(&mut self, route: String) {
        self.total += 1;
        *self.by_route.entry(route).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_and_expire() {
        let mut faults = Faults::default();
        faults.rules.push(HttpFault {
            method: Some("POST".into()),
            path_prefix: "/api/v2/kubernetes".into(),
            path_suffix: None,
            status: 503,
            count: 2,
            retry_after: Some(3),
            message: None,
            body: None,
        });
        assert!(faults.take_match("GET", "/api/v2/kubernetes").is_none());
        assert!(faults.take_match("post", "/api/v2/tenants").is_none());
        let first = faults.take_match("POST", "/api/v2/kubernetes/k8s-1/upgrade");
        match first {
            Some(Injected::Error(e)) => {
                assert_eq!((e.status.as_u16(), e.retry_after), (503, Some(3)));
            }
            other => panic!("expected an error answer, got {other:?}"),
        }
        assert!(faults.take_match("POST", "/api/v2/kubernetes").is_some());
        assert!(faults.take_match("POST", "/api/v2/kubernetes").is_none());
        assert!(faults.rules.is_empty());
    }

    #[test]
    fn canned_bodies_are_answered_as_given() {
        let mut faults = Faults::default();
        faults.rules.push(HttpFault {
            method: None,
            path_prefix: "/api/v2/kubernetes/k8s-1/load-balancers".into(),
            path_suffix: None,
            status: 200,
            count: 1,
            retry_after: None,
            message: None,
            body: Some(serde_json::json!([])),
        });
        match faults.take_match("GET", "/api/v2/kubernetes/k8s-1/load-balancers") {
            Some(Injected::Canned { status, body, .. }) => {
                assert_eq!((status.as_u16(), body), (200, serde_json::json!([])));
            }
            other => panic!("expected a canned answer, got {other:?}"),
        }
        assert!(faults.rules.is_empty());
    }
}
