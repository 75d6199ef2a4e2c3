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
use serde::{Deserialize, Serialize};

use crate::framework::model;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::provider::errors::{Failure, OrDiagnose};
use crate::xelon::{Client, Page, Tenant};

use super::common::{
    Candidates, INVALID_CONFIG, Source, Want, failed, found_as, pick_one, present,
};

/// The `xelon_tenant` data source.
pub struct TenantDataSource;

/// The configuration and the state of `xelon_tenant`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct TenantModel {
    id: Option<String>,
    name: Option<String>,
    parent_tenant_id: Option<String>,
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

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

    fn check_model(&self) -> Vec<String> {
        model::check_model::<TenantModel>(&self.schema())
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        read_tenant(&req).await.unwrap_or_else(failed)
    }
}

/// Reads the configured tenant: by ID (`GET tenants/{id}`, and a search
/// for a name that is not exactly its own), by name (one search), or the
/// current one.
async fn read_tenant(req: &DataReadRequest<'_, Client>) -> Result<ReadResponse, Diagnostics> {
    let config: TenantModel = model::read(req.config, INVALID_CONFIG)?;
    let client = req.client.with_cancel(req.cancel.clone());
    let tenant = match (
        present(config.id.as_deref()),
        present(config.name.as_deref()),
    ) {
        (Some(id), name) => {
            tracing::debug!(tenant_id = %id, "reading tenant");
            let tenant = client.get_tenant(&id).await.or_diagnose_with(|e| {
                Failure::new("Unable to read the tenant", e).not_found_at(
                    "id",
                    format!(
                        "The Xelon API knows no tenant with ID {id:?} (or this token may not see it)."
                    ),
                )
            })?;
            if let Some(name) = name.filter(|n| *n != tenant.name) {
                // Does `name` on its own name this tenant (a partial match)?
                let page = search(&client, &name).await?;
                pick_one(&searched(&page), Want::Read(&tenant, &name))?;
            }
            tenant
        }
        (None, Some(name)) => {
            let page = search(&client, &name).await?;
            pick_one(&searched(&page), Want::Name(&name))?.clone()
        }
        (None, None) => {
            tracing::debug!("reading the current tenant");
            client
                .current_tenant()
                .await
                .or_diagnose("Unable to read the current tenant")?
        }
    };
    let state = TenantModel {
        id: Some(tenant.identifier.clone()),
        name: Some(tenant.name.clone()),
        parent_tenant_id: present(tenant.parent.as_deref()),
        status: present(tenant.status.as_deref()),
        kind: present(tenant.kind.as_deref()),
    };
    found_as(&state, &TenantDataSource.schema())
}

/// One search of the tenants for `name` (`GET tenants?search=`).
async fn search(client: &Client, name: &str) -> Result<Page<Tenant>, Diagnostics> {
    tracing::debug!(tenant_name = %name, "searching tenants");
    client
        .search_tenants(name)
        .await
        .or_diagnose("Unable to search tenants")
}

/// The answer of a search for a name, as candidates for it: one page of
/// all the search found ([`Source::Search`]).
fn searched(page: &Page<Tenant>) -> Candidates<'_, Tenant> {
    let total = usize::try_from(page.meta.total)
        .unwrap_or(usize::MAX)
        .max(page.data.len());
    Candidates {
        noun: ("tenant", "tenants"),
        items: &page.data,
        source: Source::Search { total },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::data_sources::common::LookupError;
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

    /// The tenant a search for `name` names.
    fn by_name<'a>(page: &'a Page<Tenant>, name: &'a str) -> Result<&'a Tenant, LookupError> {
        pick_one(&searched(page), Want::Name(name))
    }

    /// Checks that `name`, looked up on its own (`page` is the search for
    /// it), names `tenant`, the tenant of the configured `id`.
    fn agree(tenant: &Tenant, name: &str, page: &Page<Tenant>) -> Result<(), LookupError> {
        pick_one(&searched(page), Want::Read(tenant, name)).map(|_| ())
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
            (e.attribute, e.summary.as_str()),
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
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("name", "Several tenants match")
        );
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
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("name", "Tenant not found")
        );
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
                (e.attribute, e.summary.as_str()),
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
