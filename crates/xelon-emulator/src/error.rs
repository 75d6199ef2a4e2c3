//! The emulator's error answers, in the contract's shape:
//! `{"error": "short code", "message": "human text", "errors": {"field": ["why"]}}`.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Validation failures, field name to the reasons it was refused.
///
/// Field names follow the request body (`controlPlaneCpu`); elements of arrays
/// are addressed Laravel style (`workerPool.0.workerNodeCpu`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// No failures yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one reason why `field` was refused.
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(reason.into());
    }

    /// Adds every failure of `other`.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, reasons) in other.0 {
            self.0.entry(field).or_default().extend(reasons);
        }
    }

    /// True when no field was refused.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `field` already has at least one reason.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// `Ok(())` when empty, else a 422 [`ApiError`] carrying the failures.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self))
        }
    }
}

/// An error answer: status code, short code, message, optional field errors
/// and an optional `Retry-After` header (seconds).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The short machine-readable code sent as `error`.
    pub code: String,
    /// The human-readable text sent as `message`.
    pub message: String,
    /// Field failures sent as `errors` (422 only).
    pub errors: Option<FieldErrors>,
    /// Seconds sent in a `Retry-After` header.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a FieldErrors>,
}

impl ApiError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            errors: None,
            retry_after: None,
        }
    }

    /// 400: the body could not be read at all (malformed JSON).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: missing, empty or wrong bearer token.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 404: no such object (or endpoint).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the object exists but is busy (provisioning, updating, deleting);
    /// the same request may succeed later.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422 with field failures.
    pub fn validation(errors: FieldErrors) -> Self {
        Self {
            errors: Some(errors),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "The given data was invalid.",
            )
        }
    }

    /// 422 about the request as a whole: it can never succeed as sent, whatever
    /// the timing (for example "already highly available").
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }

    /// 422 with a single field failure, the message repeating the reason.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, reason);
        Self::validation(errors)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: &self.code,
            message: &self.message,
            errors: self.errors.as_ref(),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The short `error` code used for a status when nothing more specific applies
/// (`503` gives `service_unavailable`).
pub fn code_for_status(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}
