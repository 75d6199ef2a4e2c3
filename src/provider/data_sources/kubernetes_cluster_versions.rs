//! `xelon_kubernetes_cluster_versions`: the Talos Linux versions a cloud
//! offers and the Kubernetes versions each can run, newest first, plus the
//! newest usable pair.
//!
//! `versions` and `latest` are computed *nested attributes* (not a plain
//! `list(object(...))` type): `terraform providers schema -json` then shows
//! each nested field with its own description (`nested_type`), which the
//! registry docs render as a "Nested Schema" section, and the shape matches
//! Xelon's Go provider (a `ListNestedAttribute` and a
//! `SingleNestedAttribute`). A plain object type would render as an opaque
//! type expression without per-field docs.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::cty::Type;
use crate::framework::model;
use crate::framework::validators::NotEmpty;
use crate::framework::{Attribute, DataReadRequest, DataSource, Diagnostics, ReadResponse, Schema};
use crate::provider::errors::{Failure, OrDiagnose};
use crate::xelon::{Client, VersionMap};

use super::common::{INVALID_CONFIG, failed, found_as, newest_first};

/// The `xelon_kubernetes_cluster_versions` data source.
pub struct KubernetesClusterVersions;

/// The configuration and the state of `xelon_kubernetes_cluster_versions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ClusterVersionsModel {
    cloud_id: String,
    id: Option<String>,
    latest: Option<LatestModel>,
    versions: Option<Vec<TalosVersionsModel>>,
}

/// `latest`: the newest offered pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LatestModel {
    kubernetes_version: String,
    talos_version: String,
}

/// One of the `versions`: a Talos version and the Kubernetes versions it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TalosVersionsModel {
    kubernetes_versions: Vec<String>,
    talos_version: String,
}

#[async_trait]
impl DataSource<Client> for KubernetesClusterVersions {
    fn type_name(&self) -> &'static str {
        "xelon_kubernetes_cluster_versions"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The Talos Linux and Kubernetes versions a cloud offers for Xelon Kubernetes (XKS) clusters, newest first. Use `latest` to always create clusters on the newest offered pair, or `versions` to pick one.",
            vec![
                Attribute::string("cloud_id")
                    .required()
                    .validate(NotEmpty)
                    .description("The ID of the cloud whose versions to read (see the `xelon_cloud` data source)."),
                Attribute::string("id")
                    .computed()
                    .description("The ID of this data source: the same as `cloud_id`."),
                Attribute::single_nested(
                    "latest",
                    vec![
                        Attribute::string("kubernetes_version")
                            .computed()
                            .description("The newest Kubernetes version that `talos_version` can run."),
                        Attribute::string("talos_version")
                            .computed()
                            .description("The newest Talos version that runs at least one Kubernetes version."),
                    ],
                )
                .computed()
                .as_object_type()
                .description("The newest offered pair: the newest Talos version (that runs any Kubernetes at all) and the newest Kubernetes version it runs. Null when the cloud offers no versions."),
                Attribute::list_nested(
                    "versions",
                    vec![
                        Attribute::of_type("kubernetes_versions", Type::list(Type::String))
                            .computed()
                            .description("The Kubernetes versions this Talos version can run, newest first."),
                        Attribute::string("talos_version")
                            .computed()
                            .description("A Talos Linux version, e.g. `1.8.3`."),
                    ],
                )
                .computed()
                .as_object_type()
                .description("Every offered Talos version with the Kubernetes versions it can run, sorted newest Talos first by semantic version."),
            ],
        )
    }

    fn check_model(&self) -> Vec<String> {
        model::check_model::<ClusterVersionsModel>(&self.schema())
    }

    async fn read(&self, req: DataReadRequest<'_, Client>) -> ReadResponse {
        read_versions(&req).await.unwrap_or_else(failed)
    }
}

/// Reads the cloud's version mapping, sorted, and its newest pair.
async fn read_versions(req: &DataReadRequest<'_, Client>) -> Result<ReadResponse, Diagnostics> {
    let config: ClusterVersionsModel = model::read(req.config, INVALID_CONFIG)?;
    let cloud = config.cloud_id;
    let client = req.client.with_cancel(req.cancel.clone());
    tracing::debug!(cloud_id = %cloud, "reading the version mapping");
    let map = client.versions(&cloud).await.or_diagnose_with(|e| {
        Failure::new("Unable to read the Kubernetes versions", e).not_found_at(
            "cloud_id",
            format!(
                "The Xelon API knows no cloud {cloud:?}; the `xelon_cloud` data source finds cloud IDs by name."
            ),
        )
    })?;
    let sorted = sort(&map);
    let latest = sorted
        .iter()
        .find_map(|(talos, k8s)| k8s.first().map(|k| (*talos, *k)));
    let state = ClusterVersionsModel {
        id: Some(cloud.clone()),
        latest: latest.map(|(talos, k8s)| LatestModel {
            kubernetes_version: k8s.to_owned(),
            talos_version: talos.to_owned(),
        }),
        versions: Some(
            sorted
                .iter()
                .map(|(talos, k8s)| TalosVersionsModel {
                    kubernetes_versions: k8s.iter().map(|v| (*v).to_owned()).collect(),
                    talos_version: (*talos).to_owned(),
                })
                .collect(),
        ),
        cloud_id: cloud.clone(),
    };
    let mut resp = found_as(&state, &KubernetesClusterVersions.schema())?;
    if latest.is_none() {
        resp.diagnostics.warning(
            "No Kubernetes versions offered",
            format!("Cloud {cloud:?} offers no Talos/Kubernetes version pair: `latest` is null."),
        );
    }
    Ok(resp)
}

/// The mapping as `(talos, kubernetes versions)`, Talos newest first and
/// each Kubernetes list newest first, duplicates dropped.
fn sort(map: &VersionMap) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = map
        .0
        .iter()
        .map(|(talos, k8s)| {
            let mut k8s: Vec<&str> = k8s.iter().map(String::as_str).collect();
            k8s.sort_by(|a, b| newest_first(a, b));
            k8s.dedup();
            (talos.as_str(), k8s)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| newest_first(a, b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_newest_first() {
        let map = VersionMap(
            [
                ("1.9.1", vec!["1.31.2", "1.32.0"]),
                ("1.10.0", vec![]),
                ("1.8.3", vec!["1.30.6", "1.31.2", "1.30.6"]),
                ("1.7.7", vec!["1.29.10", "1.30.6", "1.29.9"]),
            ]
            .into_iter()
            .map(|(t, k)| (t.to_string(), k.into_iter().map(String::from).collect()))
            .collect(),
        );
        let sorted = sort(&map);
        let talos: Vec<&str> = sorted.iter().map(|(t, _)| *t).collect();
        assert_eq!(talos, ["1.10.0", "1.9.1", "1.8.3", "1.7.7"]);
        assert_eq!(sorted[1].1, ["1.32.0", "1.31.2"]);
        assert_eq!(sorted[2].1, ["1.31.2", "1.30.6"]);
        assert_eq!(sorted[3].1, ["1.30.6", "1.29.10", "1.29.9"]);
    }
}
