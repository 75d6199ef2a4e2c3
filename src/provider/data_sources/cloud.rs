//! `xelon_cloud`: a cloud (a Xelon data center / hypervisor pool) of the
//! provider's tenant, looked up by ID, by name, or by both.
//!
//! Attribute names and lookup rules follow Xelon's Go provider (`id`,
//! `name`, `type`; `hv_type` is an addition): one `GET clouds` for the
//! token's tenant, the name matched exactly (case-sensitively), `id` and
//! `name` together accepted when they name the same cloud, and an empty
//! string read as "not set". Unlike the Go provider, which takes the first
//! cloud in the API's order, a name shared by several clouds is an error
//! (the API's order could change and silently switch the cloud).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::framework::model;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::framework::{ValidateRequest, ValidateResponse};
use crate::provider::errors::OrDiagnose;
use crate::xelon::{Client, Cloud};

use super::common::{
    Candidates, INVALID_CONFIG, Lookup, LookupError, Source, Want, failed, found_as, pick_one,
    present,
};

/// The `xelon_cloud` data source.
pub struct CloudDataSource;

/// The configuration and the state of `xelon_cloud`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct CloudModel {
    hv_type: Option<String>,
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[async_trait]
impl DataSource<Client> for CloudDataSource {
    fn type_name(&self) -> &'static str {
        "xelon_cloud"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A cloud available to the provider's tenant, looked up by `id`, by `name`, or by both (then they must name the same cloud). A Xelon cloud is the data center where resources such as Kubernetes clusters run; its `id` is the `cloud_id` of `xelon_kubernetes_cluster`.",
            vec![
                Attribute::string("hv_type")
                    .computed()
                    .description("The hypervisor type of the cloud, e.g. `vmware`. Null when the API does not say."),
                Attribute::string("id")
                    .optional()
                    .computed()
                    .description("The ID of the cloud. Set `id`, `name` or both (an empty string counts as not set); what is not set is filled in."),
                Attribute::string("name")
                    .optional()
                    .computed()
                    .description("The name of the cloud, matched exactly (case-sensitively). A name shared by several clouds is an error unless `id` is set too; with `id`, it must be that cloud's name."),
                Attribute::string("type")
                    .computed()
                    .description("The type of the cloud. Null when the API does not say."),
            ],
        )
    }

    fn check_model(&self) -> Vec<String> {
        model::check_model::<CloudModel>(&self.schema())
    }

    fn validate_config(&self, req: ValidateRequest<'_>) -> ValidateResponse {
        let mut diags = Diagnostics::new();
        match Lookup::of(req.config) {
            Ok(lookup) => lookup.nonempty().require_any(&mut diags),
            Err(d) => diags.extend(d),
        }
        diags.into()
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        read_cloud(&req).await.unwrap_or_else(failed)
    }
}

/// Lists the tenant's clouds (one `GET clouds`) and picks the configured one.
async fn read_cloud(req: &DataReadRequest<'_, Client>) -> Result<ReadResponse, Diagnostics> {
    let config: CloudModel = model::read(req.config, INVALID_CONFIG)?;
    let (id, name) = (
        present(config.id.as_deref()),
        present(config.name.as_deref()),
    );
    let want = match (id.as_deref(), name.as_deref()) {
        (Some(id), Some(name)) => Want::Both(id, name),
        (Some(id), None) => Want::Id(id),
        (None, Some(name)) => Want::Name(name),
        (None, None) => {
            let mut diags = Diagnostics::new();
            Lookup::default().require_any(&mut diags);
            return Err(diags);
        }
    };
    let client = req.client.with_cancel(req.cancel.clone());
    tracing::debug!("listing the clouds of the provider's tenant");
    let clouds = client
        .list_own_clouds()
        .await
        .or_diagnose("Unable to list clouds")?;
    let cloud = resolve(&clouds, want)?;
    let state = CloudModel {
        hv_type: present(cloud.hv_type.as_deref()),
        id: Some(cloud.identifier.clone()),
        name: Some(cloud.name.clone()),
        kind: present(cloud.kind.as_deref()),
    };
    found_as(&state, &CloudDataSource.schema())
}

/// Finds the cloud `want` names among `clouds` (the provider's tenant's).
fn resolve<'a>(clouds: &'a [Cloud], want: Want<'a, Cloud>) -> Result<&'a Cloud, LookupError> {
    let among = Candidates {
        noun: ("cloud", "clouds"),
        items: clouds,
        source: Source::All {
            owner: "The provider's tenant".into(),
        },
    };
    pick_one(&among, want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(id: &str, name: &str) -> Cloud {
        Cloud {
            identifier: id.into(),
            name: name.into(),
            ..Cloud::default()
        }
    }

    fn clouds() -> Vec<Cloud> {
        vec![
            cloud("cloud-1", "Main HCP Cloud"),
            cloud("cloud-2", "Secondary Cloud"),
            cloud("cloud-3", "Twin"),
            cloud("cloud-4", "Twin"),
        ]
    }

    fn id_of(r: Result<&Cloud, LookupError>) -> Result<String, LookupError> {
        r.map(|c| c.identifier.clone())
    }

    #[test]
    fn by_id_or_by_exact_name() {
        let c = clouds();
        let ok = |w: Want<'_, Cloud>| id_of(resolve(&c, w)).unwrap();
        assert_eq!(ok(Want::Id("cloud-2")), "cloud-2");
        assert_eq!(ok(Want::Name("Main HCP Cloud")), "cloud-1");

        // Names match exactly, as in the Go provider: no partial or
        // case-insensitive match.
        for name in ["Main", "main hcp cloud", "Main HCP Cloud "] {
            let e = resolve(&c, Want::Name(name)).unwrap_err();
            assert_eq!(
                (e.attribute, e.summary.as_str()),
                ("name", "Cloud not found")
            );
            assert!(
                e.detail
                    .contains("\"Main HCP Cloud\" (cloud-1), \"Secondary Cloud\" (cloud-2)"),
                "{}",
                e.detail
            );
        }
        let e = resolve(&c, Want::Id("cloud-9")).unwrap_err();
        assert_eq!((e.attribute, e.summary.as_str()), ("id", "Cloud not found"));

        // A shared name is ambiguous on its own.
        let e = resolve(&c, Want::Name("Twin")).unwrap_err();
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("name", "Several clouds have this name")
        );
        assert!(
            e.detail.contains("\"Twin\" (cloud-3), \"Twin\" (cloud-4)"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn id_and_name_together() {
        let c = clouds();
        let both = |id: &str, name: &str| id_of(resolve(&c, Want::Both(id, name)));
        // Agreeing: accepted, even for a shared name (the id picks one).
        assert_eq!(both("cloud-1", "Main HCP Cloud").unwrap(), "cloud-1");
        assert_eq!(both("cloud-4", "Twin").unwrap(), "cloud-4");

        // Disagreeing: an error on `name` saying what each one names.
        let e = both("cloud-1", "Secondary Cloud").unwrap_err();
        assert_eq!(
            (e.attribute, e.summary.as_str()),
            ("name", "`id` and `name` name different clouds")
        );
        assert_eq!(
            e.detail,
            "`id` = \"cloud-1\" is the cloud \"Main HCP Cloud\", but `name` = \"Secondary Cloud\" is the name of the cloud cloud-2. Names match exactly (case-sensitively). Set only one of them, or make them name the same cloud."
        );
        let e = both("cloud-2", "Twin").unwrap_err();
        assert!(
            e.detail
                .contains("is the name of the clouds \"Twin\" (cloud-3), \"Twin\" (cloud-4)"),
            "{}",
            e.detail
        );
        let e = both("cloud-2", "main hcp cloud").unwrap_err();
        assert!(e.detail.contains("is the name of no cloud"), "{}", e.detail);

        // An unknown id is not found, whatever the name.
        let e = both("cloud-9", "Main HCP Cloud").unwrap_err();
        assert_eq!((e.attribute, e.summary.as_str()), ("id", "Cloud not found"));
    }
}
