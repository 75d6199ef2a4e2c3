//! Helpers shared by the data sources: "one of these attributes" checks,
//! API errors as diagnostics on the attribute that caused them, name
//! matching and candidate lists for lookup errors, and semantic-version
//! ordering.
//!
//! Private to this folder; nothing here ever formats a kubeconfig or
//! talosconfig (callers only hand it names, IDs and API errors).

use std::cmp::Ordering;

use crate::cty::{AttributePath, Value};
use crate::framework::{Diagnostics, ReadResponse};
use crate::provider::errors::Failure;
use crate::xelon::Error;
use crate::xelon::version::compare_versions;

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

/// Like [`given`], but an empty string counts as not set, as in Xelon's Go
/// provider (which reads `""` and null alike) for the `id` and `name` of its
/// `xelon_cloud` and `xelon_tenant` data sources.
pub(super) fn given_nonempty(config: &Value, name: &str) -> Given {
    match given(config, name) {
        Given::Known(s) if s.is_empty() => Given::Absent,
        other => other,
    }
}

/// Checks that at least one of the attributes `names` is set (any of them,
/// or several together), counting an empty string as not set
/// ([`given_nonempty`]). Only a certainty is reported: every one known to be
/// null or empty. The error points at the first attribute.
pub(super) fn require_any_of(config: &Value, names: &[&str], diags: &mut Diagnostics) {
    if names
        .iter()
        .all(|n| given_nonempty(config, n) == Given::Absent)
    {
        let listed = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        diags.attribute_error(
            AttributePath::attr(names[0]),
            "Missing lookup attribute",
            format!("Set {listed} (or both) to say which object to read."),
        );
    }
}

/// What a lookup by name found (see [`match_name`]).
#[derive(Debug, PartialEq)]
pub(super) enum NameMatch<'a, T> {
    /// The one object with exactly this name.
    Exact(&'a T),
    /// No object has exactly this name, and this is the only candidate (the
    /// only object an API search found for it).
    Partial(&'a T),
    /// Several objects have exactly this name.
    SeveralExact(Vec<&'a T>),
    /// No object has exactly this name, and there are several candidates.
    SeveralPartial(Vec<&'a T>),
    /// Nothing has this name, and there is no candidate.
    Nothing,
}

/// Looks `wanted` up among `items` by name (`name_of`). An exact,
/// case-sensitive match wins: one is the answer, several are ambiguous.
/// Without one, and only when `partial` (the items are what an API search
/// for `wanted` returned, i.e. partial matches), a single item is the
/// answer and several are ambiguous.
pub(super) fn match_name<'a, T>(
    items: &'a [T],
    wanted: &str,
    name_of: impl Fn(&T) -> &str,
    partial: bool,
) -> NameMatch<'a, T> {
    let exact: Vec<&T> = items.iter().filter(|i| name_of(i) == wanted).collect();
    match exact.as_slice() {
        [one] => return NameMatch::Exact(one),
        [_, _, ..] => return NameMatch::SeveralExact(exact),
        [] => {}
    }
    if !partial {
        return NameMatch::Nothing;
    }
    match items {
        [] => NameMatch::Nothing,
        [one] => NameMatch::Partial(one),
        several => NameMatch::SeveralPartial(several.iter().collect()),
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

/// A failed call to read the object the attribute `path` names: a 404 is
/// an error on `path` with `not_found` as its detail; anything else reads as
/// everywhere else ([`crate::provider::errors`]).
pub(super) fn api_failure(
    summary: &str,
    error: &Error,
    path: &str,
    not_found: impl FnOnce() -> String,
) -> Diagnostics {
    Failure::new(summary, error)
        .not_found_at(path, not_found())
        .diagnostics()
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
    candidates_of(items, 0)
}

/// [`candidates`] of the first `items` of a longer list of `total` (e.g.
/// the first page of a search): the ones not listed count in "and N more".
/// A `total` below the number of items is ignored.
pub(super) fn candidates_of<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    total: usize,
) -> String {
    let items: Vec<(&str, &str)> = items.into_iter().collect();
    let total = total.max(items.len());
    if total == 0 {
        return "none".into();
    }
    let mut shown: Vec<String> = items
        .iter()
        .take(MAX_CANDIDATES)
        .map(|(name, id)| format!("{name:?} ({id})"))
        .collect();
    if total > shown.len() {
        shown.push(format!("and {} more", total - shown.len()));
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
    fn empty_strings_count_as_not_set() {
        let cfg = |id: Value, name: Value| Value::object([("id", id), ("name", name)]);
        let c = cfg(Value::string(""), Value::string("n"));
        assert_eq!(given_nonempty(&c, "id"), Given::Absent);
        assert_eq!(given(&c, "id"), Given::Known(String::new()));
        assert_eq!(given_nonempty(&c, "name"), Given::Known("n".into()));
        assert_eq!(
            given_nonempty(&cfg(Value::Null, Value::Unknown), "name"),
            Given::Unknown
        );

        let run = |c: &Value| {
            let mut d = Diagnostics::new();
            require_any_of(c, &["id", "name"], &mut d);
            d
        };
        assert!(run(&c).is_empty());
        assert!(run(&cfg(Value::string("i"), Value::string("n"))).is_empty());
        assert!(run(&cfg(Value::Unknown, Value::Null)).is_empty());
        for neither in [
            cfg(Value::Null, Value::Null),
            cfg(Value::string(""), Value::Null),
            cfg(Value::string(""), Value::string("")),
        ] {
            let d = run(&neither);
            assert_eq!(d.0.len(), 1, "{neither:?}");
            assert_eq!(d.0[0].attribute, Some(AttributePath::attr("id")));
            assert_eq!(d.0[0].summary, "Missing lookup attribute");
        }
    }

    #[test]
    fn name_matching_rules() {
        let items = [
            ("Acme", "t1"),
            ("Acme AG", "t2"),
            ("acme", "t3"),
            ("Twin", "t4"),
            ("Twin", "t5"),
        ];
        let by = |wanted: &str, partial: bool| match_name(&items, wanted, |i| i.0, partial);
        // Exact (and case-sensitive) beats partial, in both modes.
        assert_eq!(by("Acme", true), NameMatch::Exact(&items[0]));
        assert_eq!(by("Acme", false), NameMatch::Exact(&items[0]));
        assert_eq!(by("acme", true), NameMatch::Exact(&items[2]));
        // Several exact: ambiguous, even with partial matching.
        assert_eq!(
            by("Twin", true),
            NameMatch::SeveralExact(vec![&items[3], &items[4]])
        );
        // No exact match: several candidates are ambiguous; exact-only finds nothing.
        assert_eq!(
            by("Acm", true),
            NameMatch::SeveralPartial(items.iter().collect())
        );
        assert_eq!(by("Acm", false), NameMatch::Nothing);

        // A single candidate (what a search returned) is a partial match.
        let one = [("Emulated Customer B", "tenant-3")];
        assert_eq!(
            match_name(&one, "Customer B", |i| i.0, true),
            NameMatch::Partial(&one[0])
        );
        assert_eq!(
            match_name(&one, "Customer B", |i| i.0, false),
            NameMatch::Nothing
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(match_name(&none, "x", |i| i.0, true), NameMatch::Nothing);
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
        // The first page of a longer list.
        assert_eq!(candidates_of([("a", "1")], 3), "\"a\" (1), and 2 more");
        assert_eq!(candidates_of([("a", "1")], 0), "\"a\" (1)");
        let listed = candidates_of(many.iter().map(|(n, i)| (n.as_str(), i.as_str())), 40);
        assert!(listed.ends_with("\"n19\" (i19), and 20 more"), "{listed}");
    }
}
