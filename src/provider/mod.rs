//! The Xelon provider: its configuration (`base_url`, `token`, `client_id`),
//! and the resources and data sources it registers. Each resource and data
//! source lives in its own file, schema beside CRUD.

mod data_sources;
pub mod errors;
mod guarded;
mod kubeconfig;
mod kubernetes_cluster;
mod kubernetes_kubeconfig;
mod kubernetes_node_pool;
mod list_resources;
mod plan_rules;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::cty::{AttributePath, Value};
use crate::framework::model::{self, Tri};
use crate::framework::{
    Attribute, ConfigureRequest, ConfigureResponse, DataSource, Diagnostics, EphemeralResource,
    ListResource, Provider, Resource, Schema,
};
use crate::xelon::{Client, ClientConfig};

pub use kubernetes_cluster::KubernetesCluster;
pub use kubernetes_kubeconfig::KubernetesKubeconfig;
pub use kubernetes_node_pool::KubernetesNodePool;
pub use list_resources::{KubernetesClusterList, KubernetesNodePoolList};

/// The provider's registry address, the same as Xelon's own provider so that
/// existing configurations and state files work unchanged.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/xelon-ag/xelon";

/// The public Xelon HQ API.
pub const DEFAULT_BASE_URL: &str = "https://hq.xelon.ch/api/v2/";

/// The Xelon provider.
#[derive(Debug, Default)]
pub struct XelonProvider;

/// A provider setting and the environment variable it falls back to.
struct Setting {
    name: &'static str,
    env: &'static str,
}

const BASE_URL: Setting = Setting {
    name: "base_url",
    env: "XELON_BASE_URL",
};
const TOKEN: Setting = Setting {
    name: "token",
    env: "XELON_TOKEN",
};
const CLIENT_ID: Setting = Setting {
    name: "client_id",
    env: "XELON_CLIENT_ID",
};

/// The provider block's model.
#[derive(Debug, Serialize, Deserialize)]
struct ProviderModel {
    base_url: Tri<String>,
    client_id: Tri<String>,
    token: Tri<String>,
}

/// A setting's value: configured, unknown (depends on other resources), or absent.
enum Resolved {
    Known(String),
    Unknown,
    Absent,
}

impl Setting {
    fn resolve(&self, value: &Tri<String>, env: &impl Fn(&str) -> Option<String>) -> Resolved {
        match value {
            Tri::Unknown => Resolved::Unknown,
            Tri::Known(s) if !s.is_empty() => Resolved::Known(s.clone()),
            _ => match env(self.env).filter(|v| !v.is_empty()) {
                Some(v) => Resolved::Known(v),
                None => Resolved::Absent,
            },
        }
    }
}

impl XelonProvider {
    /// Builds the client from the provider block and an environment lookup.
    fn configure_with_env(
        &self,
        config: &Value,
        terraform_version: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> ConfigureResponse<Client> {
        let config: ProviderModel = match model::read(config, "Invalid provider configuration") {
            Ok(c) => c,
            Err(diagnostics) => {
                return ConfigureResponse {
                    client: None,
                    diagnostics,
                };
            }
        };
        let mut diagnostics = Diagnostics::new();
        let base_url = BASE_URL.resolve(&config.base_url, &env);
        let token = TOKEN.resolve(&config.token, &env);
        let client_id = CLIENT_ID.resolve(&config.client_id, &env);

        let unknown: Vec<&str> = [
            (&BASE_URL, &base_url),
            (&TOKEN, &token),
            (&CLIENT_ID, &client_id),
        ]
        .iter()
        .filter(|(_, r)| matches!(r, Resolved::Unknown))
        .map(|(s, _)| s.name)
        .collect();
        if !unknown.is_empty() {
            diagnostics.warning(
                "Provider configuration depends on values not known yet",
                format!(
                    "The provider's {} will only be known after apply. Terraform plans what it can without calling the Xelon API; existing objects are not refreshed in this run.",
                    unknown.join(", ")
                ),
            );
            return ConfigureResponse {
                client: None,
                diagnostics,
            };
        }

        let token = match token {
            Resolved::Known(t) => t,
            _ => {
                diagnostics.attribute_error(
                    AttributePath::attr(TOKEN.name),
                    "Missing Xelon API token",
                    format!(
                        "Set `token` in the provider \"xelon\" block or the {} environment variable to a Xelon HQ API token.",
                        TOKEN.env
                    ),
                );
                return ConfigureResponse {
                    client: None,
                    diagnostics,
                };
            }
        };
        let base_url = match base_url {
            Resolved::Known(u) => u,
            _ => DEFAULT_BASE_URL.to_string(),
        };
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            diagnostics.attribute_error(
                AttributePath::attr(BASE_URL.name),
                "Invalid Xelon API base URL",
                format!("base_url must be an http:// or https:// URL, e.g. {DEFAULT_BASE_URL}; got {base_url:?}."),
            );
            return ConfigureResponse {
                client: None,
                diagnostics,
            };
        }
        let client_id = match client_id {
            Resolved::Known(c) => Some(c),
            _ => None,
        };
        let user_agent = format!(
            "terraform-provider-xelon/{} (+terraform {terraform_version})",
            env!("CARGO_PKG_VERSION")
        );
        let client_config = ClientConfig::new(token)
            .with_base_url(base_url)
            .with_client_id(client_id)
            .with_user_agent(user_agent);
        match Client::new(client_config) {
            Ok(client) => ConfigureResponse {
                client: Some(client),
                diagnostics,
            },
            Err(e) => {
                diagnostics.error("Cannot set up the Xelon API client", e.to_string());
                ConfigureResponse {
                    client: None,
                    diagnostics,
                }
            }
        }
    }
}

#[async_trait]
impl Provider for XelonProvider {
    type Client = Client;

    fn check_model(&self) -> Vec<String> {
        model::check_model::<ProviderModel>(&self.schema())
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The Xelon provider manages Kubernetes clusters (XKS) and their node pools on [Xelon HQ](https://www.xelon.ch).",
            vec![
                Attribute::string(BASE_URL.name).optional().description(format!(
                    "The Xelon HQ API base URL. Falls back to the `{}` environment variable, then `{DEFAULT_BASE_URL}`. Point it at `xelon-emulator` to test offline.",
                    BASE_URL.env
                )),
                Attribute::string(TOKEN.name).optional().sensitive().description(format!(
                    "The Xelon HQ API token. Falls back to the `{}` environment variable; one of the two is required.",
                    TOKEN.env
                )),
                Attribute::string(CLIENT_ID.name).optional().description(format!(
                    "The client ID sent as `X-User-Id`, for IP-range based access. Falls back to the `{}` environment variable.",
                    CLIENT_ID.env
                )),
            ],
        )
    }

    async fn configure(&self, req: ConfigureRequest<'_>) -> ConfigureResponse<Client> {
        self.configure_with_env(req.config, req.terraform_version, |k| std::env::var(k).ok())
    }

    fn resources(&self) -> Vec<Box<dyn Resource<Client>>> {
        vec![Box::new(KubernetesCluster), Box::new(KubernetesNodePool)]
    }

    fn data_sources(&self) -> Vec<Box<dyn DataSource<Client>>> {
        data_sources::all()
    }

    fn ephemeral_resources(&self) -> Vec<Box<dyn EphemeralResource<Client>>> {
        vec![Box::new(KubernetesKubeconfig)]
    }

    fn list_resources(&self) -> Vec<Box<dyn ListResource<Client>>> {
        list_resources::all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: Value, token: Value, client_id: Value) -> Value {
        Value::object([
            ("base_url", base_url),
            ("token", token),
            ("client_id", client_id),
        ])
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn every_schema_is_consistent() {
        let p = XelonProvider;
        assert!(p.schema().check().is_empty(), "{:?}", p.schema().check());
        for r in p.resources() {
            assert!(
                r.schema().check().is_empty(),
                "{}: {:?}",
                r.type_name(),
                r.schema().check()
            );
        }
        for d in p.data_sources() {
            assert!(
                d.schema().check().is_empty(),
                "{}: {:?}",
                d.type_name(),
                d.schema().check()
            );
        }
        for l in p.list_resources() {
            assert!(
                l.schema().check().is_empty(),
                "{}: {:?}",
                l.type_name(),
                l.schema().check()
            );
        }
    }

    #[test]
    fn identities_fit_their_schemas_and_every_list_resource_lists_one() {
        use crate::framework::identity::IdentitySchema;
        let p = XelonProvider;
        let identities: Vec<(&str, Vec<&str>)> = p
            .resources()
            .iter()
            .filter_map(|r| {
                let identity = r.identity()?;
                if let Err(e) = IdentitySchema::new(&identity, &r.schema()) {
                    panic!("{}: {e}", r.type_name());
                }
                Some((r.type_name(), identity.attributes))
            })
            .collect();
        assert_eq!(
            identities,
            [
                ("xelon_kubernetes_cluster", vec!["id"]),
                (
                    "xelon_kubernetes_node_pool",
                    vec!["kubernetes_cluster_id", "id"]
                ),
            ]
        );
        let listed: Vec<&str> = p.list_resources().iter().map(|l| l.type_name()).collect();
        let identified: Vec<&str> = identities.iter().map(|(t, _)| *t).collect();
        assert_eq!(listed, identified);
    }

    #[test]
    fn every_model_agrees_with_its_schema() {
        let p = XelonProvider;
        let mut problems: Vec<String> = Vec::new();
        let mut note = |name: &str, found: Vec<String>| {
            problems.extend(found.into_iter().map(|f| format!("{name}: {f}")))
        };
        note("provider", p.check_model());
        for r in p.resources() {
            note(r.type_name(), r.check_model());
        }
        for d in p.data_sources() {
            note(d.type_name(), d.check_model());
        }
        for e in p.ephemeral_resources() {
            note(e.type_name(), e.check_model());
        }
        for l in p.list_resources() {
            note(l.type_name(), l.check_model());
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn missing_token_names_attribute_and_variable() {
        let resp = XelonProvider.configure_with_env(
            &config(Value::Null, Value::Null, Value::Null),
            "1.15.5",
            no_env,
        );
        assert!(resp.client.is_none());
        let d = &resp.diagnostics.0[0];
        assert_eq!(d.attribute, Some(AttributePath::attr("token")));
        assert!(d.detail.contains("XELON_TOKEN"));
    }

    #[test]
    fn env_fallback_and_unknowns() {
        let env = |k: &str| (k == "XELON_TOKEN").then(|| "secret".to_string());
        let resp = XelonProvider.configure_with_env(
            &config(Value::Null, Value::Null, Value::Null),
            "1.15.5",
            env,
        );
        assert!(resp.client.is_some() && resp.diagnostics.is_empty());
        let resp = XelonProvider.configure_with_env(
            &config(Value::Unknown, Value::Null, Value::Null),
            "1.15.5",
            env,
        );
        assert!(resp.client.is_none());
        assert!(!resp.diagnostics.has_errors());
        assert!(resp.diagnostics.0[0].detail.contains("base_url"));
    }

    #[test]
    fn bad_base_url() {
        let resp = XelonProvider.configure_with_env(
            &config(
                Value::string("hq.xelon.ch"),
                Value::string("t"),
                Value::Null,
            ),
            "1.15.5",
            no_env,
        );
        assert_eq!(
            resp.diagnostics.0[0].attribute,
            Some(AttributePath::attr("base_url"))
        );
    }
}
