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

use crate::cty::Value;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::provider::errors::api_error;
use crate::xelon::{Client, Cloud};

use super::common::{
    Given, NameMatch, candidates, failed, failed_at, found, given_nonempty, match_name, opt_string,
    require_any_of,
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

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        require_any_of(config, &LOOKUP, diags);
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        let lookup = match (
            given_nonempty(req.config, "id"),
            given_nonempty(req.config, "name"),
        ) {
            (Given::Unknown, _) | (_, Given::Unknown) => {
                return failed_at(
                    "id",
                    "Unknown lookup attribute",
                    "`id` and `name` must be known when the data source is read.".into(),
                );
            }
            (Given::Known(id), Given::Known(name)) => Lookup::Both(id, name),
            (Given::Known(id), Given::Absent) => Lookup::Id(id),
            (Given::Absent, Given::Known(name)) => Lookup::Name(name),
            (Given::Absent, Given::Absent) => {
                let mut diags = Diagnostics::new();
                require_any_of(req.config, &LOOKUP, &mut diags);
                return failed(diags);
            }
        };
        let client = req.client.with_cancel(req.cancel.clone());
        tracing::debug!("listing the clouds of the provider's tenant");
        let clouds = match client.list_own_clouds().await {
            Ok(c) => c,
            Err(e) => return failed(api_error("Unable to list clouds", &e)),
        };
        match resolve(&clouds, &lookup) {
            Ok(cloud) => found(state(cloud)),
            Err(e) => failed_at(e.attribute, e.summary, e.detail),
        }
    }
}

/// What the configuration asks for.
#[derive(Debug, Clone, PartialEq)]
enum Lookup {
    Id(String),
    Name(String),
    /// Both, which must name the same cloud.
    Both(String, String),
}

/// Why a lookup failed: an error on `attribute`.
#[derive(Debug, PartialEq)]
struct LookupError {
    attribute: &'static str,
    summary: &'static str,
    detail: String,
}

fn error(attribute: &'static str, summary: &'static str, detail: String) -> LookupError {
    LookupError {
        attribute,
        summary,
        detail,
    }
}

fn listed(clouds: &[&Cloud]) -> String {
    candidates(
        clouds
            .iter()
            .map(|c| (c.name.as_str(), c.identifier.as_str())),
    )
}

/// Finds the cloud `lookup` names among `clouds` (the provider's tenant's).
fn resolve<'a>(clouds: &'a [Cloud], lookup: &Lookup) -> Result<&'a Cloud, LookupError> {
    let all: Vec<&Cloud> = clouds.iter().collect();
    let (id, name) = match lookup {
        Lookup::Id(id) => (Some(id), None),
        Lookup::Name(name) => (None, Some(name)),
        Lookup::Both(id, name) => (Some(id), Some(name)),
    };
    let by_name = |name: &str| match_name(clouds, name, |c| c.name.as_str(), false);
    let Some(id) = id else {
        let name = name.expect("a name without an id");
        return match by_name(name) {
            NameMatch::Exact(c) | NameMatch::Partial(c) => Ok(c),
            NameMatch::SeveralExact(several) | NameMatch::SeveralPartial(several) => Err(error(
                "name",
                "Several clouds match",
                format!(
                    "{} clouds are named {name:?}: {}. Set `id` to pick one.",
                    several.len(),
                    listed(&several)
                ),
            )),
            NameMatch::Nothing => Err(error(
                "name",
                "Cloud not found",
                format!(
                    "The provider's tenant has no cloud named {name:?} (names match exactly, case-sensitively). Its clouds: {}.",
                    listed(&all)
                ),
            )),
        };
    };
    let Some(cloud) = clouds.iter().find(|c| &c.identifier == id) else {
        return Err(error(
            "id",
            "Cloud not found",
            format!(
                "The provider's tenant has no cloud with id {id:?}. Its clouds: {}.",
                listed(&all)
            ),
        ));
    };
    match name {
        Some(name) if *name != cloud.name => {
            let named = match by_name(name) {
                NameMatch::Exact(other) | NameMatch::Partial(other) => {
                    format!("is the name of the cloud {}", other.identifier)
                }
                NameMatch::SeveralExact(several) | NameMatch::SeveralPartial(several) => {
                    format!("is the name of the clouds {}", listed(&several))
                }
                NameMatch::Nothing => "is the name of no cloud".to_owned(),
            };
            Err(error(
                "name",
                "`id` and `name` name different clouds",
                format!(
                    "`id` = {id:?} is the cloud {:?}, but `name` = {name:?} {named}. Names match exactly (case-sensitively). Set only one of them, or make them name the same cloud.",
                    cloud.name
                ),
            ))
        }
        _ => Ok(cloud),
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
        let ok = |l: Lookup| id_of(resolve(&c, &l)).unwrap();
        assert_eq!(ok(Lookup::Id("cloud-2".into())), "cloud-2");
        assert_eq!(ok(Lookup::Name("Main HCP Cloud".into())), "cloud-1");

        // Names match exactly, as in the Go provider: no partial or
        // case-insensitive match.
        for name in ["Main", "main hcp cloud", "Main HCP Cloud "] {
            let e = resolve(&c, &Lookup::Name(name.into())).unwrap_err();
            assert_eq!((e.attribute, e.summary), ("name", "Cloud not found"));
            assert!(
                e.detail
                    .contains("\"Main HCP Cloud\" (cloud-1), \"Secondary Cloud\" (cloud-2)"),
                "{}",
                e.detail
            );
        }
        let e = resolve(&c, &Lookup::Id("cloud-9".into())).unwrap_err();
        assert_eq!((e.attribute, e.summary), ("id", "Cloud not found"));

        // A shared name is ambiguous on its own.
        let e = resolve(&c, &Lookup::Name("Twin".into())).unwrap_err();
        assert_eq!((e.attribute, e.summary), ("name", "Several clouds match"));
        assert!(
            e.detail.contains("\"Twin\" (cloud-3), \"Twin\" (cloud-4)"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn id_and_name_together() {
        let c = clouds();
        let both = |id: &str, name: &str| id_of(resolve(&c, &Lookup::Both(id.into(), name.into())));
        // Agreeing: accepted, even for a shared name (the id picks one).
        assert_eq!(both("cloud-1", "Main HCP Cloud").unwrap(), "cloud-1");
        assert_eq!(both("cloud-4", "Twin").unwrap(), "cloud-4");

        // Disagreeing: an error on `name` saying what each one names.
        let e = both("cloud-1", "Secondary Cloud").unwrap_err();
        assert_eq!(
            (e.attribute, e.summary),
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
        assert_eq!((e.attribute, e.summary), ("id", "Cloud not found"));
    }
}
