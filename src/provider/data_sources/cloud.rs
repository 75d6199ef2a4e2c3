//! `xelon_cloud`: a cloud (a Xelon data center / hypervisor pool) of the
//! provider's tenant, looked up by ID or by name.
//!
//! Attribute names follow Xelon's Go provider (`id`, `name`, `type`);
//! `hv_type` is an addition. Unlike the Go provider, exactly one of `id` and
//! `name` may be set (the Go provider also accepted both, if they agreed).

use async_trait::async_trait;

use crate::cty::Value;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::xelon::{Client, Cloud};

use super::common::{
    Given, candidates, check_one_of, failed, failed_at, found, general_failure, given, opt_string,
};

/// The `xelon_cloud` data source.
pub struct CloudDataSource;

const LOOKUP: [&str; 2] = ["id", "name"];

#[async_trait]
impl DataSource<Client> for CloudDataSource {
    fn type_name(&self) -> &'static str {
        "xelon_cloud"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A cloud available to the provider's tenant, looked up by `id` or by `name` (exactly one of them). A Xelon cloud is the data center where resources such as Kubernetes clusters run; its `id` is the `cloud_id` of `xelon_kubernetes_cluster`.",
            vec![
                Attribute::string("hv_type")
                    .computed()
                    .description("The hypervisor type of the cloud, e.g. `vmware`. Null when the API does not say."),
                Attribute::string("id")
                    .optional()
                    .computed()
                    .validate(NotEmpty)
                    .description("The ID of the cloud. Set exactly one of `id` and `name`; the other is filled in."),
                Attribute::string("name")
                    .optional()
                    .computed()
                    .validate(NotEmpty)
                    .description("The name of the cloud, matched exactly. Set exactly one of `id` and `name`; a name shared by several clouds is an error (use `id`)."),
                Attribute::string("type")
                    .computed()
                    .description("The type of the cloud. Null when the API does not say."),
            ],
        )
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        check_one_of(config, &LOOKUP, true, diags);
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        let mut diags = Diagnostics::new();
        check_one_of(req.config, &LOOKUP, true, &mut diags);
        if diags.has_errors() {
            return failed(diags);
        }
        let client = req.client.with_cancel(req.cancel.clone());
        let tenant = match client.current_tenant().await {
            Ok(t) => t,
            Err(e) => {
                return failed(general_failure("Unable to read the current tenant", &e));
            }
        };
        tracing::debug!(tenant_id = %tenant.identifier, "listing clouds");
        let clouds = match client.list_clouds(&tenant.identifier).await {
            Ok(c) => c,
            Err(e) => {
                return failed(general_failure("Unable to list clouds", &e));
            }
        };
        let existing = || {
            candidates(
                clouds
                    .iter()
                    .map(|c| (c.name.as_str(), c.identifier.as_str())),
            )
        };
        let (attr, wanted, matches): (&str, String, Vec<&Cloud>) =
            match (given(req.config, "id"), given(req.config, "name")) {
                (Given::Known(id), _) => {
                    let m = clouds.iter().filter(|c| c.identifier == id).collect();
                    ("id", id, m)
                }
                (_, Given::Known(name)) => {
                    let m = clouds.iter().filter(|c| c.name == name).collect();
                    ("name", name, m)
                }
                _ => {
                    return failed_at(
                        "id",
                        "Missing lookup attribute",
                        "Set `id` or `name`.".into(),
                    );
                }
            };
        match matches.as_slice() {
            [cloud] => found(state(cloud)),
            [] => failed_at(
                attr,
                "Cloud not found",
                format!(
                    "Tenant {} ({}) has no cloud with {attr} {wanted:?}. Its clouds: {}.",
                    tenant.name,
                    tenant.identifier,
                    existing()
                ),
            ),
            several => failed_at(
                attr,
                "Several clouds match",
                format!(
                    "{} clouds have {attr} {wanted:?}: {}. Set `id` to pick one.",
                    several.len(),
                    candidates(
                        several
                            .iter()
                            .map(|c| (c.name.as_str(), c.identifier.as_str()))
                    )
                ),
            ),
        }
    }
}

fn state(cloud: &Cloud) -> Value {
    Value::object([
        ("hv_type", opt_string(cloud.hv_type.as_deref())),
        ("id", Value::string(&cloud.identifier)),
        ("name", Value::string(&cloud.name)),
        ("type", opt_string(cloud.kind.as_deref())),
    ])
}
