//! `xelon_tenant`: a tenant (an organisation in Xelon HQ). Without
//! arguments, the tenant the provider's token belongs to; otherwise the one
//! with the given `id` or `name` (at most one of them).
//!
//! Attribute names follow Xelon's Go provider (`id`, `name`,
//! `parent_tenant_id`, `status`, `type`). Unlike the Go provider, `id` and
//! `name` cannot both be set, and a name lookup matches the name exactly
//! (the API's search matches parts of names and IDs, case-insensitively).

use async_trait::async_trait;

use crate::cty::Value;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::xelon::{Client, Tenant};

use super::common::{
    Given, api_failure, candidates, check_one_of, failed, failed_at, found, general_failure, given,
    opt_string,
};

/// The `xelon_tenant` data source.
pub struct TenantDataSource;

const LOOKUP: [&str; 2] = ["id", "name"];

#[async_trait]
impl DataSource<Client> for TenantDataSource {
    fn type_name(&self) -> &'static str {
        "xelon_tenant"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A Xelon tenant (an organisation that owns resources). Without arguments, the tenant the provider's token belongs to; or the tenant with the given `id` or `name` (at most one of them). Its `id` is the `tenant_id` of `xelon_kubernetes_cluster`.",
            vec![
                Attribute::string("id")
                    .optional()
                    .computed()
                    .validate(NotEmpty)
                    .description("The ID of the tenant. Set at most one of `id` and `name`; with neither, the current tenant is read."),
                Attribute::string("name")
                    .optional()
                    .computed()
                    .validate(NotEmpty)
                    .description("The name of the tenant, matched exactly. Set at most one of `id` and `name`; a name shared by several tenants is an error (use `id`)."),
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

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        check_one_of(config, &LOOKUP, false, diags);
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        let mut diags = Diagnostics::new();
        check_one_of(req.config, &LOOKUP, false, &mut diags);
        if diags.has_errors() {
            return failed(diags);
        }
        let client = req.client.with_cancel(req.cancel.clone());
        match (given(req.config, "id"), given(req.config, "name")) {
            (Given::Known(id), _) => {
                tracing::debug!(tenant_id = %id, "reading tenant");
                match client.get_tenant(&id).await {
                    Ok(t) => found(state(&t)),
                    Err(e) => failed(api_failure("Unable to read the tenant", &e, "id", || {
                        format!(
                            "The Xelon API knows no tenant with ID {id:?} (or this token may not see it)."
                        )
                    })),
                }
            }
            (_, Given::Known(name)) => {
                tracing::debug!(tenant_name = %name, "searching tenants");
                let found_by_search = match client.list_tenants(Some(&name)).await {
                    Ok(t) => t,
                    Err(e) => {
                        return failed(general_failure("Unable to search tenants", &e));
                    }
                };
                let exact: Vec<&Tenant> =
                    found_by_search.iter().filter(|t| t.name == name).collect();
                match exact.as_slice() {
                    [t] => found(state(t)),
                    [] => {
                        // Show what a search finds, or else every tenant visible.
                        let near = if found_by_search.is_empty() {
                            client.list_tenants(None).await.unwrap_or_default()
                        } else {
                            found_by_search.clone()
                        };
                        failed_at(
                            "name",
                            "Tenant not found",
                            format!(
                                "No tenant is named exactly {name:?}. {}: {}.",
                                if found_by_search.is_empty() {
                                    "Tenants"
                                } else {
                                    "Similar tenants"
                                },
                                candidates(
                                    near.iter()
                                        .map(|t| (t.name.as_str(), t.identifier.as_str()))
                                )
                            ),
                        )
                    }
                    several => failed_at(
                        "name",
                        "Several tenants have this name",
                        format!(
                            "{} tenants are named {name:?}: {}. Set `id` instead of `name` to pick one.",
                            several.len(),
                            candidates(
                                several
                                    .iter()
                                    .map(|t| (t.name.as_str(), t.identifier.as_str()))
                            )
                        ),
                    ),
                }
            }
            (Given::Absent, Given::Absent) => {
                tracing::debug!("reading the current tenant");
                match client.current_tenant().await {
                    Ok(t) => found(state(&t)),
                    Err(e) => failed(general_failure("Unable to read the current tenant", &e)),
                }
            }
            _ => failed_at(
                "id",
                "Unknown lookup attribute",
                "`id` and `name` must be known when the data source is read.".into(),
            ),
        }
    }
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
