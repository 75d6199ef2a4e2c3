//! Helpers shared by the data sources: the `id`/`name` lookup rules (which
//! attributes must be set, and [`pick_one`], the one way an item is picked
//! by ID or name with the candidates listed when that fails), API errors as
//! diagnostics on the attribute that caused them, read responses, and
//! semantic-version ordering.
//!
//! Private to this folder; nothing here ever formats a kubeconfig or
//! talosconfig (callers only hand it names, IDs and API errors).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::cty::{AttributePath, Value};
use crate::framework::model::{self, Tri};
use crate::framework::{Diagnostics, ReadResponse, Schema};
use crate::provider::errors::Failure;
use crate::xelon::models::NodePool;
use crate::xelon::version::compare_versions;
use crate::xelon::{Cloud, Error, Tenant};

/// How many candidates a lookup error lists before it says "and N more".
const MAX_CANDIDATES: usize = 20;

/// The summary of a configuration that does not fit a data source's model.
pub(super) const INVALID_CONFIG: &str = "Invalid configuration";

/// The lookup attributes `id` and `name` of a configuration, either of
/// which may still be unknown when it is validated.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(super) struct Lookup {
    /// The ID to look up.
    pub id: Tri<String>,
    /// The name to look up.
    pub name: Tri<String>,
}

impl Lookup {
    /// The lookup attributes of `config`.
    pub(super) fn of(config: &Value) -> Result<Lookup, Diagnostics> {
        model::read(config, INVALID_CONFIG)
    }

    /// The same, with an empty string counting as not set, as in Xelon's Go
    /// provider (which reads `""` and null alike) for the `id` and `name` of
    /// its `xelon_cloud` and `xelon_tenant` data sources.
    pub(super) fn nonempty(self) -> Lookup {
        let set = |t: Tri<String>| match t {
            Tri::Known(s) if s.is_empty() => Tri::Null,
            other => other,
        };
        Lookup {
            id: set(self.id),
            name: set(self.name),
        }
    }

    /// The two attributes by name.
    fn both(&self) -> [(&'static str, &Tri<String>); 2] {
        [("id", &self.id), ("name", &self.name)]
    }

    /// Checks that at least one of `id` and `name` is set (either, or both
    /// together). Only a certainty is reported: both known to be null. The
    /// error points at `id`. Call it on [`Lookup::nonempty`] where an empty
    /// string counts as not set.
    pub(super) fn require_any(&self, diags: &mut Diagnostics) {
        if self.id.is_null() && self.name.is_null() {
            diags.attribute_error(
                AttributePath::attr("id"),
                "Missing lookup attribute",
                "Set `id` or `name` (or both) to say which object to read.",
            );
        }
    }

    /// Checks that exactly one (`required`) or at most one of `id` and
    /// `name` is set. Only certainties are reported: "several" when both are
    /// known non-null, "neither" when both are known to be null (an unknown
    /// value may still turn out null or not). Read runs the check again on
    /// the wholly known configuration. Errors point at the attributes
    /// concerned.
    pub(super) fn check_one_of(&self, required: bool, diags: &mut Diagnostics) {
        let set: Vec<&str> = self
            .both()
            .into_iter()
            .filter(|(_, v)| v.is_known())
            .map(|(n, _)| n)
            .collect();
        if set.len() > 1 {
            diags.attribute_error(
                AttributePath::attr(set[1]),
                "Conflicting lookup attributes",
                "Set only one of `id` or `name`: `id` and `name` are both set. Each identifies the object on its own.",
            );
        } else if required && self.both().iter().all(|(_, v)| v.is_null()) {
            diags.attribute_error(
                AttributePath::attr("id"),
                "Missing lookup attribute",
                "Set exactly one of `id` or `name` to say which object to read.",
            );
        }
    }
}

/// An item that a data source looks up by ID or name.
pub(super) trait Candidate {
    /// Its ID.
    fn id(&self) -> &str;
    /// Its name.
    fn name(&self) -> &str;
}

impl Candidate for Cloud {
    fn id(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl Candidate for Tenant {
    fn id(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl Candidate for NodePool {
    fn id(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// The items to pick from, and what the errors call them.
pub(super) struct Candidates<'a, T> {
    /// What one item is called, and several: `("cloud", "clouds")`.
    pub noun: (&'static str, &'static str),
    /// The items.
    pub items: &'a [T],
    /// Where they come from.
    pub source: Source,
}

/// Where the [`Candidates`] come from, which decides how names match.
pub(super) enum Source {
    /// Every item that `owner` has (`The provider's tenant`, `Cluster
    /// k8s-1`): names match exactly, case-sensitively.
    All {
        /// Who has the items, as the subject of a sentence.
        owner: String,
    },
    /// The answer of one API search for the wanted name, which found
    /// `total` items in all (the candidates may be its first page only): a
    /// name matches exactly, or else the search's only result matches in
    /// part.
    Search {
        /// How many items the search found in all.
        total: usize,
    },
}

/// What a configuration asks [`pick_one`] for.
pub(super) enum Want<'a, T> {
    /// The item with this ID.
    Id(&'a str),
    /// The item with this name.
    Name(&'a str),
    /// The item with this ID, which must also be the item this name picks.
    Both(&'a str, &'a str),
    /// This item, read by its ID on its own (not among the candidates),
    /// which must also be the item this name picks.
    Read(&'a T, &'a str),
}

/// Why a lookup failed: an error on `attribute`.
#[derive(Debug, PartialEq)]
pub(super) struct LookupError {
    /// The attribute the error is on (`id` or `name`).
    pub attribute: &'static str,
    /// The diagnostic's summary.
    pub summary: String,
    /// The diagnostic's detail, with the candidates.
    pub detail: String,
}

impl From<LookupError> for Diagnostics {
    fn from(e: LookupError) -> Diagnostics {
        let mut d = Diagnostics::new();
        d.attribute_error(AttributePath::attr(e.attribute), e.summary, e.detail);
        d
    }
}

/// Picks exactly one item among `among` as `want` says: by ID, by name, or
/// by both, which must then name the same item. An exact, case-sensitive
/// name wins; without one, a search's only result is taken (see
/// [`Source::Search`]). Every failure is an error on `id` or `name` that
/// says what was found, listing the candidates (with their IDs where a
/// name is shared).
pub(super) fn pick_one<'a, T: Candidate>(
    among: &Candidates<'a, T>,
    want: Want<'a, T>,
) -> Result<&'a T, LookupError> {
    let (one, many) = among.noun;
    let (partial, total) = match among.source {
        Source::All { .. } => (false, 0),
        Source::Search { total } => (true, total),
    };
    let named = |name: &str| match match_name(among.items, name, partial) {
        // One result on a page of a longer answer is not a single match.
        NameMatch::Partial(t) if total > 1 => NameMatch::SeveralPartial(vec![t]),
        other => other,
    };
    let error = |attribute, summary: String, detail: String| LookupError {
        attribute,
        summary,
        detail,
    };
    let all: Vec<&T> = among.items.iter().collect();
    let owner = match &among.source {
        Source::All { owner } => owner.as_str(),
        Source::Search { .. } => "The search",
    };
    let (item, name) = match want {
        Want::Name(name) => {
            return match named(name) {
                NameMatch::Exact(t) | NameMatch::Partial(t) => Ok(t),
                NameMatch::SeveralExact(several) => {
                    let ids: Vec<&str> = several.iter().map(|t| t.id()).collect();
                    Err(error(
                        "name",
                        format!("Several {many} have this name"),
                        format!(
                            "{} {many} are named {name:?}: {}. Set `id` to pick one: {}.",
                            several.len(),
                            listed(&several, 0),
                            ids.join(", ")
                        ),
                    ))
                }
                NameMatch::SeveralPartial(several) => Err(error(
                    "name",
                    format!("Several {many} match"),
                    format!(
                        "No {one} is named exactly {name:?}, and the search for it found {total} {many}: {}. Use the full name, or set `id`.",
                        listed(&several, total)
                    ),
                )),
                NameMatch::Nothing if partial => Err(error(
                    "name",
                    format!("{} not found", capitalized(one)),
                    format!(
                        "The search of the {many} for {name:?} found none (it matches parts of names, case-insensitively). Check the name, or set `id`."
                    ),
                )),
                NameMatch::Nothing => Err(error(
                    "name",
                    format!("{} not found", capitalized(one)),
                    format!(
                        "{owner} has no {one} named {name:?} (names match exactly, case-sensitively). Its {many}: {}.",
                        listed(&all, 0)
                    ),
                )),
            };
        }
        Want::Id(id) | Want::Both(id, _) => {
            let Some(item) = among.items.iter().find(|t| t.id() == id) else {
                return Err(error(
                    "id",
                    format!("{} not found", capitalized(one)),
                    format!(
                        "{owner} has no {one} with ID {id:?}. Its {many}: {}.",
                        listed(&all, total)
                    ),
                ));
            };
            match want {
                Want::Both(_, name) => (item, name),
                _ => return Ok(item),
            }
        }
        Want::Read(item, name) => (item, name),
    };
    if item.name() == name {
        return Ok(item);
    }
    // Does `name` on its own pick this item (a partial match)?
    let names = match named(name) {
        NameMatch::Exact(t) | NameMatch::Partial(t) if t.id() == item.id() => return Ok(item),
        NameMatch::Exact(t) => format!("is the name of the {one} {}", t.id()),
        NameMatch::Partial(t) => format!("matches only the {one} {:?} ({})", t.name(), t.id()),
        NameMatch::SeveralExact(several) => {
            format!("is the name of the {many} {}", listed(&several, 0))
        }
        NameMatch::SeveralPartial(several) => {
            format!("matches several {many}: {}", listed(&several, total))
        }
        NameMatch::Nothing if partial => format!("matches no {one}"),
        NameMatch::Nothing => format!("is the name of no {one}"),
    };
    let exactly = if partial {
        ""
    } else {
        " Names match exactly (case-sensitively)."
    };
    Err(error(
        "name",
        format!("`id` and `name` name different {many}"),
        format!(
            "`id` = {:?} is the {one} {:?}, but `name` = {name:?} {names}.{exactly} Set only one of them, or make them name the same {one}.",
            item.id(),
            item.name()
        ),
    ))
}

/// `cloud` → `Cloud`.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What a lookup by name found (see [`match_name`]).
#[derive(Debug, PartialEq)]
enum NameMatch<'a, T> {
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

/// Looks `wanted` up among `items` by name. An exact, case-sensitive match
/// wins: one is the answer, several are ambiguous. Without one, and only
/// when `partial` (the items are what an API search for `wanted` returned,
/// i.e. partial matches), a single item is the answer and several are
/// ambiguous.
fn match_name<'a, T: Candidate>(items: &'a [T], wanted: &str, partial: bool) -> NameMatch<'a, T> {
    let exact: Vec<&T> = items.iter().filter(|i| i.name() == wanted).collect();
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

/// `"name" (id), "other" (id2)`, at most [`MAX_CANDIDATES`] of them; `none`
/// for an empty list. The items may be the first of a longer list of
/// `total` (e.g. the first page of a search): the ones not listed count in
/// "and N more". A `total` below the number of items is ignored.
fn listed<T: Candidate>(items: &[&T], total: usize) -> String {
    let total = total.max(items.len());
    if total == 0 {
        return "none".into();
    }
    let mut shown: Vec<String> = items
        .iter()
        .take(MAX_CANDIDATES)
        .map(|t| format!("{:?} ({})", t.name(), t.id()))
        .collect();
    if total > shown.len() {
        shown.push(format!("and {} more", total - shown.len()));
    }
    shown.join(", ")
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

/// A read that succeeded with the state `model` of `schema`.
pub(super) fn found_as<M: Serialize>(
    model: &M,
    schema: &Schema,
) -> Result<ReadResponse, Diagnostics> {
    Ok(found(model::write(model, &schema.ty())?))
}

/// A read that failed.
pub(super) fn failed(diagnostics: Diagnostics) -> ReadResponse {
    ReadResponse {
        state: Value::Null,
        diagnostics,
    }
}

/// `s`, or `None` when it is `None` or empty (the API's way of not saying).
pub(super) fn present(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
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

    fn lookup(id: Tri<String>, name: Tri<String>) -> Lookup {
        Lookup { id, name }
    }

    fn s(text: &str) -> Tri<String> {
        Tri::Known(text.to_owned())
    }

    #[test]
    fn one_of_rules() {
        let run = |c: &Lookup, required: bool| {
            let mut d = Diagnostics::new();
            c.check_one_of(required, &mut d);
            d
        };
        let both = lookup(s("a"), s("b"));
        let d = run(&both, true);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("name")));
        assert!(run(&both, false).has_errors());
        let neither = lookup(Tri::Null, Tri::Null);
        let d = run(&neither, true);
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("id")));
        assert!(run(&neither, false).is_empty());
        assert!(run(&lookup(Tri::Null, Tri::Unknown), true).is_empty());
        assert!(run(&lookup(s("a"), Tri::Null), true).is_empty());
        // An unknown value may turn out null: no error before it is known.
        assert!(run(&lookup(s("a"), Tri::Unknown), true).is_empty());
    }

    #[test]
    fn lookups_read_from_a_configuration() {
        let config = Value::object([("id", Value::Unknown), ("name", Value::string("n"))]);
        assert_eq!(Lookup::of(&config), Ok(lookup(Tri::Unknown, s("n"))));
        let config = Value::object([("id", Value::Null), ("other", Value::string("x"))]);
        assert_eq!(Lookup::of(&config), Ok(lookup(Tri::Null, Tri::Null)));
    }

    #[test]
    fn empty_strings_count_as_not_set() {
        let c = lookup(s(""), s("n")).nonempty();
        assert_eq!(c.id, Tri::Null);
        assert_eq!(c.name, s("n"));
        assert_eq!(lookup(s(""), Tri::Null).id, s(""));
        assert_eq!(
            lookup(Tri::Null, Tri::Unknown).nonempty().name,
            Tri::Unknown
        );

        let run = |c: Lookup| {
            let mut d = Diagnostics::new();
            c.nonempty().require_any(&mut d);
            d
        };
        assert!(run(lookup(s(""), s("n"))).is_empty());
        assert!(run(lookup(s("i"), s("n"))).is_empty());
        assert!(run(lookup(Tri::Unknown, Tri::Null)).is_empty());
        for neither in [
            lookup(Tri::Null, Tri::Null),
            lookup(s(""), Tri::Null),
            lookup(s(""), s("")),
        ] {
            let d = run(neither.clone());
            assert_eq!(d.0.len(), 1, "{neither:?}");
            assert_eq!(d.0[0].attribute, Some(AttributePath::attr("id")));
            assert_eq!(d.0[0].summary, "Missing lookup attribute");
        }
    }

    /// `(name, id)`, as a candidate.
    impl Candidate for (&str, &str) {
        fn id(&self) -> &str {
            self.1
        }
        fn name(&self) -> &str {
            self.0
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
        let by = |wanted: &str, partial: bool| match_name(&items, wanted, partial);
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
            match_name(&one, "Customer B", true),
            NameMatch::Partial(&one[0])
        );
        assert_eq!(match_name(&one, "Customer B", false), NameMatch::Nothing);
        let none: [(&str, &str); 0] = [];
        assert_eq!(match_name(&none, "x", true), NameMatch::Nothing);
    }

    #[test]
    fn pick_one_among_all_items() {
        let items = [
            ("workers", "p1"),
            ("storage", "p2"),
            ("twin", "p3"),
            ("twin", "p4"),
        ];
        let among = Candidates {
            noun: ("node pool", "node pools"),
            items: &items,
            source: Source::All {
                owner: "Cluster k8s-1".into(),
            },
        };
        assert_eq!(pick_one(&among, Want::Id("p2")), Ok(&items[1]));
        assert_eq!(pick_one(&among, Want::Name("workers")), Ok(&items[0]));
        assert_eq!(pick_one(&among, Want::Both("p4", "twin")), Ok(&items[3]));

        let e = pick_one(&among, Want::Id("p9")).unwrap_err();
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("id", "Node pool not found")
        );
        assert!(
            e.detail.starts_with("Cluster k8s-1 has no node pool with ID \"p9\". Its node pools: \"workers\" (p1), \"storage\" (p2)"),
            "{}",
            e.detail
        );
        let e = pick_one(&among, Want::Name("Workers")).unwrap_err();
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("name", "Node pool not found")
        );
        // A shared name lists the candidates and their IDs.
        let e = pick_one(&among, Want::Name("twin")).unwrap_err();
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("name", "Several node pools have this name")
        );
        assert_eq!(
            e.detail,
            "2 node pools are named \"twin\": \"twin\" (p3), \"twin\" (p4). Set `id` to pick one: p3, p4."
        );
    }

    #[test]
    fn candidate_lists() {
        let refs =
            |items: &'static [(&'static str, &'static str)]| items.iter().collect::<Vec<_>>();
        assert_eq!(listed(&refs(&[]), 0), "none");
        assert_eq!(
            listed(&refs(&[("a", "1"), ("b c", "2")]), 0),
            "\"a\" (1), \"b c\" (2)"
        );
        let many: Vec<(String, String)> = (0..25)
            .map(|i| (format!("n{i}"), format!("i{i}")))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(n, i)| (n.as_str(), i.as_str())).collect();
        let listed_many = listed(&many.iter().collect::<Vec<_>>(), 0);
        assert!(listed_many.ends_with("and 5 more"), "{listed_many}");
        // The first page of a longer list.
        assert_eq!(listed(&refs(&[("a", "1")]), 3), "\"a\" (1), and 2 more");
        assert_eq!(listed(&refs(&[("a", "1")]), 0), "\"a\" (1)");
        let listed_many = listed(&many.iter().collect::<Vec<_>>(), 40);
        assert!(
            listed_many.ends_with("\"n19\" (i19), and 20 more"),
            "{listed_many}"
        );
    }

    #[test]
    fn capitalized_nouns() {
        assert_eq!(capitalized("node pool"), "Node pool");
        assert_eq!(capitalized(""), "");
    }
}
