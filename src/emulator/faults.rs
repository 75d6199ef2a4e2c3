//! Fault injection and request counting, driven by the admin API
//! (`/_emulator/faults`, `/_emulator/requests`).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Serialize;

use super::error::{ApiError, code_for_status};

/// One HTTP fault rule: the next `remaining` API requests matching `method`
/// and `path_prefix` are answered with `status` instead of being handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpFault {
    /// Upper-case method to match, `None` for any.
    pub method: Option<String>,
    /// Prefix of the full request path (`/api/v2/kubernetes`).
    pub path_prefix: String,
    /// Status code to answer (400-599).
    pub status: u16,
    /// Matching requests still to fail; the rule is dropped at 0.
    pub count: u32,
    /// Seconds sent in a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
    /// Text sent as `message`; a default naming the injection otherwise.
    pub message: Option<String>,
}

impl HttpFault {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }

    fn error(&self) -> ApiError {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let message = self.message.clone().unwrap_or_else(|| {
            format!(
                "{} (fault injected by the Xelon emulator)",
                status.canonical_reason().unwrap_or("error")
            )
        });
        ApiError {
            retry_after: self.retry_after,
            ..ApiError::new(status, code_for_status(status), message)
        }
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
    /// returns the error to answer with.
    pub fn take_match(&mut self, method: &str, path: &str) -> Option<ApiError> {
        let index = self.rules.iter().position(|r| r.matches(method, path))?;
        let rule = &mut self.rules[index];
        let error = rule.error();
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
            status: 503,
            count: 2,
            retry_after: Some(3),
            message: None,
        });
        assert!(faults.take_match("GET", "/api/v2/kubernetes").is_none());
        assert!(faults.take_match("post", "/api/v2/tenants").is_none());
        let first = faults.take_match("POST", "/api/v2/kubernetes/k8s-1/upgrade");
        assert_eq!(
            first.map(|e| (e.status.as_u16(), e.retry_after)),
            Some((503, Some(3)))
        );
        assert!(faults.take_match("POST", "/api/v2/kubernetes").is_some());
        assert!(faults.take_match("POST", "/api/v2/kubernetes").is_none());
        assert!(faults.rules.is_empty());
    }
}
