//! The one mapping from Xelon API errors to Terraform diagnostics.
//!
//! Every resource and data source turns a failed call into diagnostics
//! here, so each kind of failure reads the same wherever it happens:
//!
//! | answer | diagnostic |
//! | --- | --- |
//! | 401, 403 | "The Xelon API rejected the provider's credentials", with what to check |
//! | 404 | on the attribute that named the object, when the caller says which ([`Failure::not_found_at`]) |
//! | 409 | the object is busy with another change |
//! | 422 | one error per rejected field, on the attribute it came from ([`Fields`]) |
//! | 429 | the rate limit, after the client's retries |
//! | 5xx | a server-side failure, after the client's retries |
//! | anything else | the operation's summary with the client's message |
//!
//! Call sites use `?`: `client.get_cluster(id).await.or_diagnose("Unable to read Kubernetes cluster")?`.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::xelon::Error;

/// Which attribute each API field of a request body comes from, for a 422's
/// `errors` map: `(API field, attribute path)` with the path in dotted form.
pub type Fields = &'static [(&'static str, &'static str)];

/// A failed API call, with what the caller knows about it.
pub struct Failure<'a> {
    summary: &'a str,
    error: &'a Error,
    not_found: Option<(AttributePath, String)>,
    fields: Fields,
}

impl<'a> Failure<'a> {
    /// A failure of the operation `summary` (e.g. "Unable to create Kubernetes cluster").
    pub fn new(summary: &'a str, error: &'a Error) -> Self {
        Self {
            summary,
            error,
            not_found: None,
            fields: &[],
        }
    }

    /// A 404 means that the object the attribute `path` names does not
    /// exist; `detail` says so in the user's terms.
    pub fn not_found_at(mut self, path: &str, detail: impl Into<String>) -> Self {
        self.not_found = Some((AttributePath::attr(path), detail.into()));
        self
    }

    /// Where a 422's rejected fields come from.
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = fields;
        self
    }

    /// The diagnostics.
    pub fn diagnostics(self) -> Diagnostics {
        let (summary, error) = (self.summary, self.error);
        let mut d = Diagnostics::new();
        match error {
            Error::Api {
                status: 401 | 403, ..
            } => d.error(
                "The Xelon API rejected the provider's credentials",
                format!(
                    "{summary}: {error}. Check the provider's `token` (or XELON_TOKEN) and `client_id`."
                ),
            ),
            Error::Api { status: 404, .. } => match self.not_found {
                Some((path, detail)) => d.attribute_error(
                    path,
                    format!("{summary}: not found"),
                    format!("{detail}\n\nAPI answer: {error}"),
                ),
                None => d.error(format!("{summary}: not found"), error.to_string()),
            },
            Error::Api { status: 409, .. } => d.error(
                summary,
                format!(
                    "The Xelon API refused the change because the object is busy with another one (409 Conflict). Run the apply again once the other change has finished.\n\nAPI answer: {error}"
                ),
            ),
            Error::Api {
                status: 422,
                errors,
                ..
            } if !errors.is_empty() => {
                for (field, reasons) in errors {
                    let why = reasons.join(" ");
                    match self.fields.iter().find(|(f, _)| f == field) {
                        Some((_, path)) => d.attribute_error(
                            dotted(path),
                            "The Xelon API rejected this value",
                            format!("{summary}: {why}"),
                        ),
                        None => d.error(
                            summary,
                            format!("The Xelon API rejected the field {field:?}: {why}"),
                        ),
                    }
                }
            }
            Error::Api { status: 429, .. } => d.error(
                summary,
                format!(
                    "The Xelon API's rate limit was still reached after the provider's retries. Run Terraform again later, or with a lower -parallelism.\n\nAPI answer: {error}"
                ),
            ),
            Error::Api {
                status: 500..=599, ..
            } => d.error(
                summary,
                format!(
                    "The Xelon API failed on its side, and kept failing through the provider's retries. Run Terraform again later; if it persists, contact Xelon support.\n\nAPI answer: {error}"
                ),
            ),
            _ => d.error(summary, error.to_string()),
        }
        d
    }
}

/// An attribute path from its dotted form, e.g. `control_plane.memory`.
fn dotted(path: &str) -> AttributePath {
    let mut parts = path.split('.');
    let first = AttributePath::attr(parts.next().unwrap_or_default());
    parts.fold(first, |p, name| p.push_attr(name))
}

/// The diagnostics of a failed call, with only the operation's summary.
pub fn api_error(summary: &str, error: &Error) -> Diagnostics {
    Failure::new(summary, error).diagnostics()
}

/// `?` for API results: the error becomes its diagnostics.
pub trait OrDiagnose<T> {
    /// The value, or the diagnostics of the failure of `summary`.
    fn or_diagnose(self, summary: &str) -> Result<T, Diagnostics>;
    /// The value, or the diagnostics that `failure` builds from the error
    /// (e.g. with [`Failure::not_found_at`]).
    fn or_diagnose_with(
        self,
        failure: impl FnOnce(&Error) -> Failure<'_>,
    ) -> Result<T, Diagnostics>;
}

impl<T> OrDiagnose<T> for Result<T, Error> {
    fn or_diagnose(self, summary: &str) -> Result<T, Diagnostics> {
        self.map_err(|e| api_error(summary, &e))
    }

    fn or_diagnose_with(
        self,
        failure: impl FnOnce(&Error) -> Failure<'_>,
    ) -> Result<T, Diagnostics> {
        self.map_err(|e| failure(&e).diagnostics())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn api(status: u16, errors: &[(&str, &str)]) -> Error {
        Error::Api {
            method: reqwest::Method::POST,
            path: "kubernetes".into(),
            status,
            error: None,
            message: Some("no".into()),
            errors: errors
                .iter()
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn summaries(d: &Diagnostics) -> Vec<(String, Option<String>)> {
        d.iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.attribute.as_ref().map(|p| p.to_string()),
                )
            })
            .collect()
    }

    #[test]
    fn each_status_reads_the_same_everywhere() {
        let creds = api_error("Unable to read", &api(403, &[]));
        assert_eq!(
            summaries(&creds)[0].0,
            "The Xelon API rejected the provider's credentials"
        );
        for (status, word) in [
            (409, "busy"),
            (429, "rate limit"),
            (503, "failed on its side"),
        ] {
            let d = api_error("Unable to update", &api(status, &[]));
            let first = d.iter().next().unwrap();
            assert_eq!(first.summary, "Unable to update");
            assert!(first.detail.contains(word), "{status}: {}", first.detail);
        }
    }

    #[test]
    fn not_found_lands_on_the_naming_attribute_when_known() {
        let e = api(404, &[]);
        let plain = api_error("Unable to read cluster", &e);
        assert_eq!(
            summaries(&plain),
            [("Unable to read cluster: not found".into(), None)]
        );
        let at = Failure::new("Unable to read cluster", &e)
            .not_found_at("kubernetes_cluster_id", "No such cluster.")
            .diagnostics();
        assert_eq!(
            summaries(&at),
            [(
                "Unable to read cluster: not found".into(),
                Some("kubernetes_cluster_id".into())
            )]
        );
    }

    #[test]
    fn rejected_fields_land_on_their_attributes() {
        const FIELDS: Fields = &[("controlPlaneRam", "control_plane.memory")];
        let e = api(
            422,
            &[("controlPlaneRam", "too big"), ("podSubnet", "taken")],
        );
        let d = Failure::new("Unable to create Kubernetes cluster", &e)
            .fields(FIELDS)
            .diagnostics();
        let got = summaries(&d);
        assert_eq!(
            got[0],
            (
                "The Xelon API rejected this value".into(),
                Some("control_plane.memory".into())
            )
        );
        assert_eq!(got[1], ("Unable to create Kubernetes cluster".into(), None));
        let details: Vec<_> = d.iter().map(|d| d.detail.clone()).collect();
        assert!(details[0].contains("too big") && details[1].contains("podSubnet"));
    }

    #[test]
    fn or_diagnose_propagates_with_question_mark() {
        fn call() -> Result<u32, Diagnostics> {
            let r: Result<u32, Error> = Err(api(500, &[]));
            r.or_diagnose("Unable to list")
        }
        assert!(call().unwrap_err().has_errors());
    }
}
