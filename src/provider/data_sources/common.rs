//! Helpers shared by the data sources: "one of these attributes" checks,
//! API errors as diagnostics on the attribute that caused them, candidate
//! lists for lookup errors, and semantic-version ordering.
//!
//! Private to this folder; nothing here ever formats a kubeconfig or
//! talosconfig (callers only hand it names, IDs and API errors).

use std::cmp::Ordering;

use crate::cty::{AttributePath, Value};
use crate::framework::{Diagnostics, ReadResponse};
use crate::xelon::Error;
use crate::xelon::models::compare_versions;

/// How many candidates a lookup error lists before it says "and N more".
const MAX_CANDIDATES: usize = 20;

/// The state of one optional attribute in a configuration.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Given {
    /// Null: not configured.
    Absent,
    /// Configured, but not known yet (depends on another object).
    Unknown,
    /// Configured with this string.
    Known(String),
}

/// Whether the string attribute `name` of `config` is set.
pub(super) fn given(config: &Value, name: &str) -> Given {
    match config.get_attr(name) {
        None | Some(Value::Null) => Given::Absent,
        Some(Value::String(s)) => Given::Known(s.clone()),
        Some(_) => Given::Unknown,
    }
}

/// Checks that exactly one (`required`) or at most one of the attributes
/// `names` is configured. Only certainties are reported: "several" when
/// several are known non-null, "neither" when every one is known to be null
/// (an unknown value may still turn out null or not). Read runs the check
/// again on the wholly known configuration. Errors point at the attributes
/// concerned.
pub(super) fn check_one_of(
    config: &Value,
    names: &[&str],
    required: bool,
    diags: &mut Diagnostics,
) {
    let set: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| matches!(given(config, n), Given::Known(_)))
        .collect();
    let absent = names.iter().all(|n| given(config, n) == Given::Absent);
    let listed = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    if set.len() > 1 {
        let both = set
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        diags.attribute_error(
            AttributePath::attr(set[1]),
            "Conflicting lookup attributes",
            format!(
                "Set only one of {listed}: {both} are both set. Each identifies the object on its own."
            ),
        );
    } else if required && absent {
        diags.attribute_error(
            AttributePath::attr(names[0]),
            "Missing lookup attribute",
            format!("Set exactly one of {listed} to say which object to read."),
        );
    }
}

/// An API failure as diagnostics: a 404 becomes an error on `path` with
/// `not_found` as its detail, rejected credentials a provider-level error,
/// anything else `summary` with the API's message. Use
/// [`general_failure`] for calls whose 404 is no attribute's fault.
pub(super) fn api_failure(
    summary: &str,
    error: &Error,
    path: &str,
    not_found: impl FnOnce() -> String,
) -> Diagnostics {
    if !error.is_not_found() {
        return general_failure(summary, error);
    }
    let mut d = Diagnostics::new();
    d.attribute_error(
        AttributePath::attr(path),
        format!("{summary}: not found"),
        format!("{}\n\nAPI answer: {error}", not_found()),
    );
    d
}

/// An API failure not caused by any attribute (e.g. reading the current
/// tenant): rejected credentials get their own summary, anything else
/// `summary` with the API's message.
pub(super) fn general_failure(summary: &str, error: &Error) -> Diagnostics {
    let mut d = Diagnostics::new();
    if matches!(error.status(), Some(401 | 403)) {
        d.error(
            "The Xelon API rejected the provider's credentials",
            format!("{error}. Check the provider's `token` (or XELON_TOKEN) and `client_id`."),
        );
    } else {
        d.error(summary, error.to_string());
    }
    d
}

/// A read that succeeded.
pub(super) fn found(state: Value) -> ReadResponse {
    ReadResponse {
        state,
        diagnostics: Diagnostics::new(),
    }
}

/// A read that failed.
pub(super) fn failed(diagnostics: Diagnostics) -> ReadResponse {
    ReadResponse {
        state: Value::Null,
        diagnostics,
    }
}

/// A read that failed with one error on the attribute `path`.
pub(super) fn failed_at(path: &str, summary: &str, detail: String) -> ReadResponse {
    let mut d = Diagnostics::new();
    d.attribute_error(AttributePath::attr(path), summary, detail);
    failed(d)
}

/// `"name" (id), "other" (id2)`, at most [`MAX_CANDIDATES`] of them; `none`
/// for an empty list.
pub(super) fn candidates<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let items: Vec<(&str, &str)> = items.into_iter().collect();
    if items.is_empty() {
        return "none".into();
    }
    let mut shown: Vec<String> = items
        .iter()
        .take(MAX_CANDIDATES)
        .map(|(name, id)| format!("{name:?} ({id})"))
        .collect();
    if items.len() > MAX_CANDIDATES {
        shown.push(format!("and {} more", items.len() - MAX_CANDIDATES));
    }
    shown.join(", ")
}

/// A string value, or null when `s` is `None` or empty.
pub(super) fn opt_string(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::string(s),
        _ => Value::Null,
    }
}

/// Orders versions newest first by semantic version (`v1.10.0` before
/// `1.9.3`; a release before its pre-releases; missing parts count as 0),
/// with the text as a final tie-break so the order is total and
/// deterministic.
pub(super) fn newest_first(a: &str, b: &str) -> Ordering {
    compare_versions(b, a).then_with(|| b.cmp(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_newest_first() {
        let mut v = vec![
            "1.9.3",
            "1.10.0-beta.1",
            "1.10.0",
            "v1.10.1",
            "1.10.0-alpha",
            "1.10.0-beta.2",
            "1.10.0-beta.11",
            "1.8",
            "1.8.0",
        ];
        v.sort_by(|a, b| newest_first(a, b));
        assert_eq!(
            v,
            [
                "v1.10.1",
                "1.10.0",
                "1.10.0-beta.11",
                "1.10.0-beta.2",
                "1.10.0-beta.1",
                "1.10.0-alpha",
                "1.9.3",
                "1.8.0",
                "1.8"
            ]
        );
    }

    #[test]
    fn one_of_rules() {
        let cfg = |id: Value, name: Value| Value::object([("id", id), ("name", name)]);
        let run = |c: &Value, required: bool| {
            let mut d = Diagnostics::new();
            check_one_of(c, &["id", "name"], required, &mut d);
            d
        };
        let both = cfg(Value::string("a"), Value::string("b"));
        let d = run(&both, true);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("name")));
        assert!(run(&both, false).has_errors());
        let neither = cfg(Value::Null, Value::Null);
        let d = run(&neither, true);
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("id")));
        assert!(run(&neither, false).is_empty());
        assert!(run(&cfg(Value::Null, Value::Unknown), true).is_empty());
        assert!(run(&cfg(Value::string("a"), Value::Null), true).is_empty());
        // An unknown value may turn out null: no error before it is known.
        assert!(run(&cfg(Value::string("a"), Value::Unknown), true).is_empty());
    }

    #[test]
    fn candidate_lists() {
        assert_eq!(candidates([]), "none");
        assert_eq!(
            candidates([("a", "1"), ("b c", "2")]),
            "\"a\" (1), \"b c\" (2)"
        );
        let many: Vec<(String, String)> = (0..25)
            .map(|i| (format!("n{i}"), format!("i{i}")))
            .collect();
        let listed = candidates(many.iter().map(|(n, i)| (n.as_str(), i.as_str())));
        assert!(listed.ends_with("and 5 more"), "{listed}");
    }
}
