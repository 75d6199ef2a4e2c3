//! `xelon_tenant`: a tenant (an organisation in Xelon HQ). Without
//! arguments, the tenant the provider's token belongs to; otherwise the one
//! with the given `id`, `name`, or both.
//!
//! Attribute names and lookup rules follow Xelon's Go provider (`id`,
//! `name`, `parent_tenant_id`, `status`, `type`): `id` reads the tenant
//! (`GET tenants/{id}`); `name` alone is ONE search (`GET tenants?search=`),
//! whose only result is accepted even when it matches the name only in
//! part; `id` and `name` together are accepted when they name the same
//! tenant; an empty string counts as not set. Beyond the Go provider, a
//! tenant named exactly `name` wins over partial matches (the Go provider
//! refuses any search with several results), and ambiguous or failed
//! lookups list the candidates.

use async_trait::async_trait;

use crate::cty::Value;
use crate::framework::{Attribute, DataReadRequest, DataSource, ReadResponse, Schema};
use crate::provider::errors::api_error;
use crate::xelon::{Client, Page, Tenant};

use super::common::{
    Given, NameMatch, api_failure, candidates, candidates_of, failed, failed_at, found,
    given_nonempty, match_name, opt_string,
};

/// The `xelon_tenant` data source.
pub struct TenantDataSource;

#[async_trait]
impl DataSource<Client> for TenantDataSource {
    fn type_name(&self) -> &'static str {
        "xelon_tenant"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A Xelon tenant (an organisation that owns resources). Without arguments, the tenant the provider's token belongs to; otherwise the tenant with the given `id`, `name`, or both (then they must name the same tenant). Its `id` is the `tenant_id` of `xelon_kubernetes_cluster`.",
            vec![
                Attribute::string("id")
                    .optional()
                    .computed()
                    .description("The ID of the tenant. With neither `id` nor `name` (an empty string counts as not set), the current tenant is read."),
                Attribute::string("name")
                    .optional()
                    .computed()
                    .description("The name of the tenant, found with one search of the tenants: a tenant with exactly this name wins; otherwise the search's only result is taken even if it matches in part (several results are an error that lists them). With `id`, it must name that same tenant."),
                Attribute::string("parent_tenant_id")
                    .computed()
                    .description("The ID of the parent tenant (the reseller), null for a top-level tenant."),
                Attribute::string("status")
                    .computed()
                    .description("The status of the tenant, e.g. `active`. Null when the API does not say."),
                Attribute::string("type")
                    .computed()
                    .description("The type of the tenant, e.g. reseller or end customer. Null when the API does not say."),
            ],
        )
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        let client = req.client.with_cancel(req.cancel.clone());
        match (
            given_nonempty(req.config, "id"),
            given_nonempty(req.config, "name"),
        ) {
            (Given::Unknown, _) | (_, Given::Unknown) => failed_at(
                "id",
                "Unknown lookup attribute",
                "`id` and `name` must be known when the data source is read.".into(),
            ),
            (Given::Known(id), name) => {
                tracing::debug!(tenant_id = %id, "reading tenant");
                let tenant = match client.get_tenant(&id).await {
                    Ok(t) => t,
                    Err(e) => {
                        return failed(api_failure("Unable to read the tenant", &e, "id", || {
                            format!(
                                "The Xelon API knows no tenant with ID {id:?} (or this token may not see it)."
                            )
                        }));
                    }
                };
                let Given::Known(name) = name else {
                    return found(state(&tenant));
                };
                if tenant.name == name {
                    return found(state(&tenant));
                }
                // Does `name` on its own name this tenant (a partial match)?
                tracing::debug!(tenant_name = %name, "searching tenants");
                match client.search_tenants(&name).await {
                    Ok(page) => match agree(&tenant, &name, &page) {
                        Ok(()) => found(state(&tenant)),
                        Err(e) => failed_at(e.attribute, e.summary, e.detail),
                    },
                    Err(e) => failed(api_error("Unable to search tenants", &e)),
                }
            }
            (Given::Absent, Given::Known(name)) => {
                tracing::debug!(tenant_name = %name, "searching tenants");
                match client.search_tenants(&name).await {
                    Ok(page) => match by_name(&page, &name) {
                        Ok(t) => found(state(t)),
                        Err(e) => failed_at(e.attribute, e.summary, e.detail),
                    },
                    Err(e) => failed(api_error("Unable to search tenants", &e)),
                }
            }
            (Given::Absent, Given::Absent) => {
                tracing::debug!("reading the current tenant");
                match client.current_tenant().await {
                    Ok(t) => found(state(&t)),
                    Err(e) => failed(api_error("Unable to read the current tenant", &e)),
                }
            }
        }
    }
}

/// Why a lookup failed: an error on `attribute`.
#[derive(Debug, PartialEq)]
struct LookupError {
    attribute: &'static str,
    summary: &'static str,
    detail: String,
}

/// How many tenants the search found in all (its answer is one page).
fn total(page: &Page<Tenant>) -> usize {
    usize::try_from(page.meta.total)
        .unwrap_or(usize::MAX)
        .max(page.data.len())
}

/// Looks `name` up in the answer of a search for it: see [`match_name`].
/// A single result is a partial match only if the search found no more.
fn search_match<'a>(page: &'a Page<Tenant>, name: &str) -> NameMatch<'a, Tenant> {
    match match_name(&page.data, name, |t| t.name.as_str(), true) {
        NameMatch::Partial(t) if total(page) > 1 => NameMatch::SeveralPartial(vec![t]),
        other => other,
    }
}

fn listed(tenants: &[&Tenant], total: usize) -> String {
    candidates_of(
        tenants
            .iter()
            .map(|t| (t.name.as_str(), t.identifier.as_str())),
        total,
    )
}

/// The tenant a search for `name` names.
fn by_name<'a>(page: &'a Page<Tenant>, name: &str) -> Result<&'a Tenant, LookupError> {
    let error = |summary, detail| LookupError {
        attribute: "name",
        summary,
        detail,
    };
    match search_match(page, name) {
        NameMatch::Exact(t) | NameMatch::Partial(t) => Ok(t),
        NameMatch::SeveralExact(several) => Err(error(
            "Several tenants have this name",
            format!(
                "{} tenants are named {name:?}: {}. Set `id` to pick one.",
                several.len(),
                listed(&several, 0)
            ),
        )),
        NameMatch::SeveralPartial(several) => Err(error(
            "Several tenants match",
            format!(
                "No tenant is named exactly {name:?}, and the search for it found {} tenants: {}. Use the full name, or set `id`.",
                total(page),
                listed(&several, total(page))
            ),
        )),
        NameMatch::Nothing => Err(error(
            "Tenant not found",
            format!(
                "The search of the tenants for {name:?} found none (it matches parts of names, case-insensitively). Check the name, or set `id`."
            ),
        )),
    }
}

/// Checks that `name`, looked up on its own (`page` is the search for it),
/// names `tenant`, the tenant of the configured `id`.
fn agree(tenant: &Tenant, name: &str, page: &Page<Tenant>) -> Result<(), LookupError> {
    let names = match search_match(page, name) {
        NameMatch::Exact(t) | NameMatch::Partial(t) if t.identifier == tenant.identifier => {
            return Ok(());
        }
        NameMatch::Exact(t) => format!("is the name of the tenant {}", t.identifier),
        NameMatch::Partial(t) => format!("matches only the tenant {:?} ({})", t.name, t.identifier),
        NameMatch::SeveralExact(several) => format!(
            "is the name of the tenants {}",
            candidates(
                several
                    .iter()
                    .map(|t| (t.name.as_str(), t.identifier.as_str()))
            )
        ),
        NameMatch::SeveralPartial(several) => {
            format!("matches several tenants: {}", listed(&several, total(page)))
        }
        NameMatch::Nothing => "matches no tenant".to_owned(),
    };
    Err(LookupError {
        attribute: "name",
        summary: "`id` and `name` name different tenants",
        detail: format!(
            "`id` = {:?} is the tenant {:?}, but `name` = {name:?} {names}. Set only one of them, or make them name the same tenant.",
            tenant.identifier, tenant.name
        ),
    })
}

fn state(t: &Tenant) -> Value {
    Value::object([
        ("id", Value::string(&t.identifier)),
        ("name", Value::string(&t.name)),
        ("parent_tenant_id", opt_string(t.parent.as_deref())),
        ("status", opt_string(t.status.as_deref())),
        ("type", opt_string(t.kind.as_deref())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xelon::PageMeta;

    fn tenant(id: &str, name: &str) -> Tenant {
        Tenant {
            identifier: id.into(),
            name: name.into(),
            parent: None,
            status: None,
            kind: None,
        }
    }

    /// A search answer: `found` on its page, `total` in all (0: no `meta`).
    fn page(found: &[(&str, &str)], total: u64) -> Page<Tenant> {
        Page {
            data: found.iter().map(|(id, name)| tenant(id, name)).collect(),
            meta: PageMeta {
                total,
                ..PageMeta::default()
            },
        }
    }

    fn id_of(r: Result<&Tenant, LookupError>) -> Result<&str, LookupError> {
        r.map(|t| t.identifier.as_str())
    }

    #[test]
    fn exact_name_beats_partial_matches() {
        let p = page(
            &[
                ("t1", "Team Backend Ops"),
                ("t2", "Team Backend"),
                ("t3", "team backend"),
            ],
            3,
        );
        assert_eq!(id_of(by_name(&p, "Team Backend")), Ok("t2"));
        assert_eq!(id_of(by_name(&p, "team backend")), Ok("t3"));
    }

    #[test]
    fn several_exact_names_are_listed() {
        let p = page(&[("t1", "Twin"), ("t2", "Twin"), ("t3", "Twin Sub")], 3);
        let e = by_name(&p, "Twin").unwrap_err();
        assert_eq!(
            (e.attribute, e.summary),
            ("name", "Several tenants have this name")
        );
        assert!(
            e.detail
                .contains("2 tenants are named \"Twin\": \"Twin\" (t1), \"Twin\" (t2)."),
            "{}",
            e.detail
        );
    }

    #[test]
    fn a_single_partial_match_is_accepted() {
        // The API's search matched it (in part, in any case, or by ID).
        let p = page(&[("tenant-3", "Emulated Customer B")], 1);
        assert_eq!(id_of(by_name(&p, "Customer B")), Ok("tenant-3"));
        assert_eq!(id_of(by_name(&p, "tenant-3")), Ok("tenant-3"));
        // Without `meta` (total 0), the page is all there is.
        let p = page(&[("tenant-3", "Emulated Customer B")], 0);
        assert_eq!(id_of(by_name(&p, "customer b")), Ok("tenant-3"));
    }

    #[test]
    fn several_partial_matches_are_listed() {
        let p = page(
            &[
                ("tenant-2", "Emulated Customer A"),
                ("tenant-3", "Emulated Customer B"),
            ],
            2,
        );
        let e = by_name(&p, "Customer").unwrap_err();
        assert_eq!((e.attribute, e.summary), ("name", "Several tenants match"));
        assert!(
            e.detail.contains(
                "found 2 tenants: \"Emulated Customer A\" (tenant-2), \"Emulated Customer B\" (tenant-3)."
            ),
            "{}",
            e.detail
        );
        // One result on a page of a longer answer is not a single match.
        let p = page(&[("tenant-2", "Emulated Customer A")], 5);
        let e = by_name(&p, "Customer").unwrap_err();
        assert_eq!(e.summary, "Several tenants match");
        assert!(
            e.detail
                .contains("found 5 tenants: \"Emulated Customer A\" (tenant-2), and 4 more."),
            "{}",
            e.detail
        );
    }

    #[test]
    fn no_match_is_an_error() {
        let e = by_name(&page(&[], 0), "Nobody").unwrap_err();
        assert_eq!((e.attribute, e.summary), ("name", "Tenant not found"));
        assert!(e.detail.contains("\"Nobody\" found none"), "{}", e.detail);
    }

    #[test]
    fn id_and_name_agreeing() {
        let t3 = tenant("tenant-3", "Emulated Customer B");
        // The name on its own names the id's tenant: exactly or as the only
        // (partial) match.
        assert_eq!(
            agree(
                &t3,
                "Emulated Customer B",
                &page(&[("tenant-3", "Emulated Customer B")], 1)
            ),
            Ok(())
        );
        assert_eq!(
            agree(
                &t3,
                "customer b",
                &page(&[("tenant-3", "Emulated Customer B")], 1)
            ),
            Ok(())
        );
    }

    #[test]
    fn id_and_name_disagreeing() {
        let t2 = tenant("tenant-2", "Emulated Customer A");
        let check = |name: &str, p: Page<Tenant>, names: &str| {
            let e = agree(&t2, name, &p).unwrap_err();
            assert_eq!(
                (e.attribute, e.summary),
                ("name", "`id` and `name` name different tenants")
            );
            assert_eq!(
                e.detail,
                format!(
                    "`id` = \"tenant-2\" is the tenant \"Emulated Customer A\", but `name` = {name:?} {names}. Set only one of them, or make them name the same tenant."
                )
            );
        };
        check(
            "Emulated Tenant",
            page(&[("tenant-1", "Emulated Tenant")], 1),
            "is the name of the tenant tenant-1",
        );
        check(
            "Customer B",
            page(&[("tenant-3", "Emulated Customer B")], 1),
            "matches only the tenant \"Emulated Customer B\" (tenant-3)",
        );
        // Ambiguous on its own, even if the id's tenant is among the matches.
        check(
            "Customer",
            page(
                &[
                    ("tenant-2", "Emulated Customer A"),
                    ("tenant-3", "Emulated Customer B"),
                ],
                2,
            ),
            "matches several tenants: \"Emulated Customer A\" (tenant-2), \"Emulated Customer B\" (tenant-3)",
        );
        check(
            "Twin",
            page(&[("t8", "Twin"), ("t9", "Twin")], 2),
            "is the name of the tenants \"Twin\" (t8), \"Twin\" (t9)",
        );
        check("Nobody", page(&[], 0), "matches no tenant");
    }
}
