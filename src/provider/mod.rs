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
use crate::framework::validators::{
    MaxLength, NoEdgeWhitespace, NotEmpty, PlainText, Validator, describe_char, is_blank_or_control,
};
use crate::framework::{
    Attribute, ConfigureRequest, ConfigureResponse, DataSource, Diagnostics, EphemeralResource,
    ListResource, Provider, Resource, Schema,
};
use crate::xelon::{Client, ClientConfig, Secret};

pub use kubernetes_cluster::KubernetesCluster;
pub use kubernetes_kubeconfig::KubernetesKubeconfig;
pub use kubernetes_node_pool::KubernetesNodePool;
pub use list_resources::{KubernetesClusterList, KubernetesNodePoolList};

/// The provider's registry address, the same as Xelon's own provider so that
/// existing configurations and state files work unchanged.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/xelon-ag/xelon";

/// The public Xelon HQ API (the client's default, named once there).
pub use crate::xelon::DEFAULT_BASE_URL;

/// The longest name the Xelon API stores: 63 characters. Inferred from its
/// validation answers (Laravel's `max:63`), not published by Xelon.
const MAX_NAME_LENGTH: usize = 63;

/// A name the provider sends to the API (a cluster's, a pool's), checked at
/// validate for what the API would refuse or change: empty, control
/// characters, spaces at its edge (the API trims them, so the stored name
/// would never match), longer than [`MAX_NAME_LENGTH`].
fn api_name(attribute: Attribute) -> Attribute {
    attribute
        .validate(NotEmpty)
        .validate(PlainText)
        .validate(NoEdgeWhitespace)
        .validate(MaxLength(MAX_NAME_LENGTH))
}

/// The Xelon provider.
#[derive(Debug, Default)]
pub struct XelonProvider;

/// A provider setting, the environment variable it falls back to, and the
/// rule its value must follow wherever it comes from.
///
/// The rule runs at `terraform validate` on a value set in the provider
/// block (as an attribute validator, on the attribute's path), and at
/// configure on a value that was unknown at validate or comes from the
/// environment (the message then names the variable), with the same words.
#[derive(Clone, Copy)]
struct Setting {
    name: &'static str,
    env: &'static str,
    /// The summary of a diagnostic about the value.
    summary: &'static str,
    /// The rule, in a few words.
    rule: &'static str,
    /// Whether `""` in the provider block means "not set" (and falls back
    /// to the environment) rather than an error.
    empty_is_unset: bool,
    /// What is wrong with a value, worded to follow the setting's (or the
    /// variable's) name; `Ok` when the value is fine.
    check: fn(&str, Source) -> Result<(), String>,
}

const BASE_URL: Setting = Setting {
    name: "base_url",
    env: "XELON_BASE_URL",
    summary: "Invalid Xelon API base URL",
    rule: "an absolute http or https URL",
    empty_is_unset: false,
    check: check_base_url,
};
const TOKEN: Setting = Setting {
    name: "token",
    env: "XELON_TOKEN",
    summary: "Invalid Xelon API token",
    rule: "printable ASCII without whitespace",
    empty_is_unset: false,
    check: check_token,
};
const CLIENT_ID: Setting = Setting {
    name: "client_id",
    env: "XELON_CLIENT_ID",
    summary: "Invalid Xelon client ID",
    rule: "printable ASCII without whitespace at its ends",
    empty_is_unset: true,
    check: check_client_id,
};

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The provider block.
    Block,
    /// The setting's environment variable.
    Env,
}

/// The provider block's model.
#[derive(Serialize, Deserialize)]
struct ProviderModel {
    base_url: Tri<String>,
    client_id: Tri<String>,
    token: Tri<String>,
}

impl std::fmt::Debug for ProviderModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = match &self.token {
            Tri::Known(_) => "Known(***)",
            Tri::Unknown => "Unknown",
            Tri::Null => "Null",
        };
        f.debug_struct("ProviderModel")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("token", &format_args!("{token}"))
            .finish()
    }
}

/// A setting's value: configured or from the environment, unknown (depends
/// on other resources), or absent.
enum Resolved {
    Known(String, Source),
    Unknown,
    Absent,
}

impl Setting {
    fn resolve(&self, value: &Tri<String>, env: &impl Fn(&str) -> Option<String>) -> Resolved {
        match value {
            Tri::Unknown => Resolved::Unknown,
            Tri::Known(s) if !(s.is_empty() && self.empty_is_unset) => {
                Resolved::Known(s.clone(), Source::Block)
            }
            // An empty variable is an unset one, as shells treat it.
            _ => match env(self.env).filter(|v| !v.is_empty()) {
                Some(v) => Resolved::Known(v, Source::Env),
                None => Resolved::Absent,
            },
        }
    }

    /// Adds an error when `value` breaks the setting's rule: on the
    /// attribute's path when it comes from the provider block, naming the
    /// environment variable when it comes from there.
    fn check_value(&self, value: &str, source: Source, diags: &mut Diagnostics) {
        if let Err(problem) = (self.check)(value, source) {
            match source {
                Source::Block => diags.attribute_error(
                    AttributePath::attr(self.name),
                    self.summary,
                    format!("{} {problem}", self.name),
                ),
                Source::Env => diags.error(
                    self.summary,
                    format!("The {} environment variable {problem}", self.env),
                ),
            }
        }
    }
}

impl Validator for Setting {
    fn description(&self) -> String {
        self.rule.into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(text) = value.as_str() else { return };
        if let Err(problem) = (self.check)(text, Source::Block) {
            diags.attribute_error(path.clone(), self.summary, format!("{path} {problem}"));
        }
    }
}

/// A hint for a whitespace character `c` at the end of a value: where a
/// line break there usually comes from, and how to drop it.
fn trailing_hint(c: char, source: Source) -> &'static str {
    match source {
        Source::Block if matches!(c, '\n' | '\r') => {
            " A value read with file() keeps the file's final line break: wrap it in trimspace()."
        }
        Source::Block => " Remove it.",
        Source::Env => " Set the variable without the trailing character.",
    }
}

/// `base_url`: an absolute `http` or `https` URL with a host, no user
/// name or password, no query or fragment; a path without a trailing slash
/// is fine (the client adds it). The URL is quoted in messages, unless it
/// holds an `@` (it may carry a password).
fn check_base_url(url: &str, source: Source) -> Result<(), String> {
    let may_hold_password = url.contains('@');
    let shown = if may_hold_password {
        "(not shown: it may hold a password)".to_owned()
    } else {
        format!("{url:?}")
    };
    if url.is_empty() {
        return Err(format!(
            "is empty. Set it to the Xelon HQ API's URL, e.g. {DEFAULT_BASE_URL}, or leave it out to use that default."
        ));
    }
    if let Some(problem) = NoEdgeWhitespace::problem(url) {
        let hint = match url.chars().next_back() {
            Some(c) if c.is_whitespace() => trailing_hint(c, source),
            _ => "",
        };
        return Err(format!(
            "{problem}: a URL has no whitespace at its ends, e.g. {DEFAULT_BASE_URL}.{hint}"
        ));
    }
    if let Some((i, c)) = url.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(format!(
            "must be a URL without control characters; character {} is {}.",
            i + 1,
            describe_char(c)
        ));
    }
    if !url.contains("://") {
        let example = if may_hold_password {
            DEFAULT_BASE_URL.to_owned()
        } else {
            format!("\"https://{url}\"")
        };
        return Err(format!(
            "{shown} has no scheme: write the absolute URL, starting with https:// (or http:// for a local xelon-emulator), e.g. {example}."
        ));
    }
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            return Err(format!(
                "{shown} is not a valid URL ({e}). Use an absolute URL such as {DEFAULT_BASE_URL}."
            ));
        }
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "{shown} uses the scheme \"{}\": the Xelon API is served over https (or http for a local xelon-emulator), e.g. {DEFAULT_BASE_URL}.",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{shown} has no host, e.g. \"hq.xelon.ch\" in {DEFAULT_BASE_URL}."
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "holds a user name or password (user:password@host): the Xelon API takes its token from `token` (or XELON_TOKEN), never from the URL. The value is not shown here."
                .to_owned(),
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "{shown} has a query (?...) or fragment (#...): a base URL ends with its path, e.g. {DEFAULT_BASE_URL}."
        ));
    }
    Ok(())
}

/// `token`: sent as `Authorization: Bearer <token>`, so printable ASCII
/// without whitespace (RFC 6750's token characters and more, never a
/// space, line break or non-ASCII character). Messages never show the
/// token or any character of it: a wrong character is described by its
/// kind and position only (and named only when it is blank, invisible or
/// a control character, which no token holds).
fn check_token(token: &str, source: Source) -> Result<(), String> {
    if token.is_empty() {
        return Err(format!(
            "is empty. Set it to a Xelon HQ API token{}.",
            match source {
                Source::Block =>
                    ", or leave `token` out to use the XELON_TOKEN environment variable",
                Source::Env => "",
            }
        ));
    }
    if token.chars().all(is_blank_or_control) {
        return Err(
            "is blank: it holds only whitespace or invisible characters, no token. Set it to a Xelon HQ API token."
                .to_owned(),
        );
    }
    let total = token.chars().count();
    let mut bad = token
        .chars()
        .enumerate()
        .filter(|(_, c)| !c.is_ascii_graphic());
    let Some((i, c)) = bad.next() else {
        return Ok(());
    };
    let more = bad.count();
    let what = if is_blank_or_control(c) {
        describe_char(c)
    } else {
        "a non-ASCII character".to_owned()
    };
    let place = if i + 1 == total {
        " (the last one)"
    } else if i == 0 {
        " (the first one)"
    } else {
        ""
    };
    let more = match more {
        0 => String::new(),
        1 => ", and 1 more character is not allowed either".to_owned(),
        n => format!(", and {n} more characters are not allowed either"),
    };
    let hint = if i + 1 == total && c.is_whitespace() {
        trailing_hint(c, source)
    } else if c.is_whitespace() || c.is_control() {
        " A line break or space inside a token usually comes from copying and pasting it: copy it again as one piece."
    } else {
        " Copying a token from a formatted document can turn characters into look-alikes: copy it again from Xelon HQ."
    };
    Err(format!(
        "must be printable ASCII without spaces or line breaks (it is sent in the Authorization header): character {}{place} is {what}{more}.{hint} The token is not shown here.",
        i + 1
    ))
}

/// `client_id`: sent as the `X-User-Id` header, so printable ASCII, and no
/// whitespace at its ends (HTTP drops it, so the API would see another ID).
/// `""` means "not set". Not a secret: messages may name its characters.
fn check_client_id(id: &str, _source: Source) -> Result<(), String> {
    if let Some(problem) = NoEdgeWhitespace::problem(id) {
        return Err(format!(
            "{problem}: it is sent as the X-User-Id header, whose value HTTP trims, so the API would see another client ID."
        ));
    }
    if let Some((i, c)) = id
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_graphic() || *c == ' '))
    {
        return Err(format!(
            "must be printable ASCII (it is sent as the X-User-Id header); character {} is {}.",
            i + 1,
            describe_char(c)
        ));
    }
    Ok(())
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
        let settings = [
            (BASE_URL, BASE_URL.resolve(&config.base_url, &env)),
            (TOKEN, TOKEN.resolve(&config.token, &env)),
            (CLIENT_ID, CLIENT_ID.resolve(&config.client_id, &env)),
        ];

        // Every known value, wherever it came from, follows its setting's
        // rule before anything is sent.
        for (setting, resolved) in &settings {
            if let Resolved::Known(value, source) = resolved {
                setting.check_value(value, *source, &mut diagnostics);
            }
        }
        if diagnostics.has_errors() {
            return ConfigureResponse {
                client: None,
                diagnostics,
            };
        }

        let unknown: Vec<&str> = settings
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

        let [(_, base_url), (_, token), (_, client_id)] = settings;
        let token = match token {
            Resolved::Known(t, _) => Secret::from(t),
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
            Resolved::Known(u, _) => u,
            _ => DEFAULT_BASE_URL.to_string(),
        };
        let client_id = match client_id {
            Resolved::Known(c, _) => Some(c),
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
                // The client's own checks, should one ever catch what the
                // rules above let through; its messages never hold the token.
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
                Attribute::string(BASE_URL.name).optional().validate(BASE_URL).description(format!(
                    "The Xelon HQ API base URL. Falls back to the `{}` environment variable, then `{DEFAULT_BASE_URL}`. Point it at `xelon-emulator` to test offline.",
                    BASE_URL.env
                )),
                Attribute::string(TOKEN.name).optional().sensitive().validate(TOKEN).description(format!(
                    "The Xelon HQ API token. Falls back to the `{}` environment variable; one of the two is required.",
                    TOKEN.env
                )),
                Attribute::string(CLIENT_ID.name).optional().validate(CLIENT_ID).description(format!(
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
        // The server checks every schema of every kind when it is built.
        let server = crate::framework::ProtocolServer::new(XelonProvider);
        let problems = server.schema_problems();
        assert!(problems.is_empty(), "{problems:?}");
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

    /// The provider block's validation, as `terraform validate` runs it.
    fn validate(base_url: Value, token: Value, client_id: Value) -> Diagnostics {
        crate::framework::plan::validate_config(
            &XelonProvider.schema(),
            &config(base_url, token, client_id),
        )
    }

    /// The one error of `diags`: its attribute path, summary and detail.
    fn only_error(diags: &Diagnostics) -> (Option<String>, String, String) {
        assert_eq!(diags.0.len(), 1, "{:?}", diags.0);
        let d = &diags.0[0];
        assert!(diags.has_errors());
        (
            d.attribute.as_ref().map(|p| p.to_string()),
            d.summary.clone(),
            d.detail.clone(),
        )
    }

    #[test]
    fn bad_base_urls_fail_validate_on_their_path() {
        let cases = [
            ("", "base_url is empty."),
            (
                "hq.xelon.ch/api/v2",
                "base_url \"hq.xelon.ch/api/v2\" has no scheme: write the absolute URL, starting with https:// (or http:// for a local xelon-emulator), e.g. \"https://hq.xelon.ch/api/v2\".",
            ),
            ("localhost:8080/api/v2", "has no scheme"),
            ("ftp://x", "base_url \"ftp://x\" uses the scheme \"ftp\""),
            ("file:///etc/passwd", "uses the scheme \"file\""),
            (
                "https://",
                "base_url \"https://\" is not a valid URL (empty host)",
            ),
            ("http://exa mple.com/", "is not a valid URL"),
            (
                " https://hq.xelon.ch/api/v2/",
                "starts with a space (U+0020) at character 1",
            ),
            (
                "https://hq.xelon.ch/api/v2/\n",
                "ends with a line break (U+000A)",
            ),
            (
                "https://hq.xelon.ch/\napi/v2/",
                "character 21 is a line break (U+000A)",
            ),
            (
                "https://hq.xelon.ch/api/v2/?page=1",
                "has a query (?...) or fragment",
            ),
            (
                "https://hq.xelon.ch/api/v2/#top",
                "has a query (?...) or fragment",
            ),
        ];
        for (url, expected) in cases {
            let diags = validate(Value::string(url), Value::Null, Value::Null);
            let (path, summary, detail) = only_error(&diags);
            assert_eq!(path.as_deref(), Some("base_url"), "{url:?}");
            assert_eq!(summary, "Invalid Xelon API base URL", "{url:?}");
            assert!(detail.starts_with("base_url "), "{url:?}: {detail}");
            assert!(detail.contains(expected), "{url:?}: {detail}");
        }
        for good in [
            "https://hq.xelon.ch/api/v2/",
            "https://hq.xelon.ch/api/v2",
            "http://127.0.0.1:8080/api/v2",
            "http://[::1]:8080/api/v2/",
            "https://hq.xelon.ch",
        ] {
            assert!(
                validate(Value::string(good), Value::Null, Value::Null).is_empty(),
                "{good:?}"
            );
        }
        // Unknown at validate: checked at configure instead.
        assert!(validate(Value::Unknown, Value::Null, Value::Null).is_empty());
    }

    #[test]
    fn a_base_url_with_a_password_is_refused_without_being_shown() {
        for url in [
            "https://me:hunter2@hq.xelon.ch/api/v2/",
            "me:hunter2@hq.xelon.ch/api/v2",
        ] {
            let diags = validate(Value::string(url), Value::Null, Value::Null);
            let (path, _, detail) = only_error(&diags);
            assert_eq!(path.as_deref(), Some("base_url"));
            assert!(!detail.contains("hunter2"), "{detail}");
        }
    }

    /// Tokens that must be refused, what the message must say, and the part
    /// of each that stands for the secret (never in any message).
    const BAD_TOKENS: [(&str, &str); 11] = [
        ("", "token is empty."),
        ("  ", "token is blank"),
        ("\u{A0}\u{200B}\t", "token is blank"),
        (
            "SECRET\u{A0}PART",
            "character 7 is a no-break space (U+00A0)",
        ),
        ("SECRET\nPART", "character 7 is a line break (U+000A)"),
        (
            "SECRETPART\n",
            "character 11 (the last one) is a line break (U+000A)",
        ),
        ("SECRET PART", "character 7 is a space (U+0020)"),
        (
            "\u{FEFF}SECRETPART",
            "character 1 (the first one) is a zero-width no-break space",
        ),
        ("SECRETPÄRT", "character 8 is a non-ASCII character."),
        (
            "SECRET\u{1B}PART\u{7F}",
            "character 7 is a control character (U+001B), and 1 more character",
        ),
        ("SECRET\u{202E}PART", "character 7 is a non-ASCII character"),
    ];

    fn assert_hides_the_token(token: &str, text: &str) {
        for part in ["SECRET", "PART", "PÄRT", "ÄRT", "Ä", "RT"] {
            if token.contains(part) {
                assert!(!text.contains(part), "{part:?} leaked: {text}");
            }
        }
    }

    #[test]
    fn bad_tokens_fail_validate_without_being_shown() {
        for (token, expected) in BAD_TOKENS {
            let diags = validate(Value::Null, Value::string(token), Value::Null);
            let (path, summary, detail) = only_error(&diags);
            assert_eq!(path.as_deref(), Some("token"), "{token:?}");
            assert_eq!(summary, "Invalid Xelon API token");
            assert!(detail.contains(expected), "{token:?}: {detail}");
            assert_hides_the_token(token, &detail);
            assert!(!token.trim().is_empty() || !detail.contains("character "));
        }
        let (_, _, detail) = only_error(&validate(
            Value::Null,
            Value::string("SECRETPART\n"),
            Value::Null,
        ));
        assert!(detail.contains("trimspace()"), "{detail}");
        for good in ["t", "1|AbCdEf0123456789", "a-b_c.d~e+f/g=", "test-token"] {
            assert!(
                validate(Value::Null, Value::string(good), Value::Null).is_empty(),
                "{good:?}"
            );
        }
    }

    #[test]
    fn bad_client_ids_fail_validate_on_their_path() {
        for (id, expected) in [
            (
                " c1",
                "client_id starts with a space (U+0020) at character 1",
            ),
            (
                "c1\n",
                "client_id ends with a line break (U+000A) at character 3",
            ),
            ("  ", "client_id is blank"),
            ("c\u{1}1", "character 2 is a control character (U+0001)"),
            ("clïent", "character 3 is 'ï' (U+00EF)"),
            ("c\u{A0}1", "character 2 is a no-break space (U+00A0)"),
        ] {
            let diags = validate(Value::Null, Value::Null, Value::string(id));
            let (path, summary, detail) = only_error(&diags);
            assert_eq!(path.as_deref(), Some("client_id"), "{id:?}");
            assert_eq!(summary, "Invalid Xelon client ID");
            assert!(detail.contains(expected), "{id:?}: {detail}");
        }
        // "" means not set; an inner space is a valid header value.
        for good in [
            "",
            "client-7",
            "c 1",
            "0f3c2a9e-5b1d-4c8e-9a7f-3e2d1c0b9a8f",
        ] {
            assert!(
                validate(Value::Null, Value::Null, Value::string(good)).is_empty(),
                "{good:?}"
            );
        }
    }

    #[test]
    fn environment_values_follow_the_same_rules_at_configure() {
        let configure = |vars: &'static [(&'static str, &'static str)]| {
            XelonProvider.configure_with_env(
                &config(Value::Null, Value::Null, Value::Null),
                "1.15.5",
                move |k| {
                    vars.iter()
                        .find(|(n, _)| *n == k)
                        .map(|(_, v)| v.to_string())
                },
            )
        };
        /// The environment, the summary and part of the detail expected.
        type Case = (
            &'static [(&'static str, &'static str)],
            &'static str,
            &'static str,
        );
        let cases: [Case; 6] = [
            (
                &[("XELON_TOKEN", "   ")],
                "Invalid Xelon API token",
                "The XELON_TOKEN environment variable is blank",
            ),
            (
                &[("XELON_TOKEN", "SECRETPART\n")],
                "Invalid Xelon API token",
                "The XELON_TOKEN environment variable must be printable ASCII without spaces or line breaks (it is sent in the Authorization header): character 11 (the last one) is a line break (U+000A). Set the variable without the trailing character.",
            ),
            (
                &[("XELON_TOKEN", "SECRET\u{A0}PART")],
                "Invalid Xelon API token",
                "character 7 is a no-break space (U+00A0)",
            ),
            (
                &[("XELON_TOKEN", "t"), ("XELON_BASE_URL", "ftp://x")],
                "Invalid Xelon API base URL",
                "The XELON_BASE_URL environment variable \"ftp://x\" uses the scheme \"ftp\"",
            ),
            (
                &[("XELON_TOKEN", "t"), ("XELON_BASE_URL", "hq.xelon.ch")],
                "Invalid Xelon API base URL",
                "The XELON_BASE_URL environment variable \"hq.xelon.ch\" has no scheme",
            ),
            (
                &[("XELON_TOKEN", "t"), ("XELON_CLIENT_ID", "c1 ")],
                "Invalid Xelon client ID",
                "The XELON_CLIENT_ID environment variable ends with a space",
            ),
        ];
        for (vars, summary, expected) in cases {
            let resp = configure(vars);
            assert!(resp.client.is_none(), "{vars:?}");
            let (path, got_summary, detail) = only_error(&resp.diagnostics);
            assert_eq!(
                path, None,
                "{vars:?}: the value is not in the configuration"
            );
            assert_eq!(got_summary, summary, "{vars:?}");
            assert!(detail.contains(expected), "{vars:?}: {detail}");
            assert_hides_the_token(vars[0].1, &detail);
        }
        // Empty variables are unset ones, as in a shell.
        let resp = configure(&[
            ("XELON_TOKEN", "t"),
            ("XELON_BASE_URL", ""),
            ("XELON_CLIENT_ID", ""),
        ]);
        assert!(resp.client.is_some() && resp.diagnostics.is_empty());
        assert_eq!(
            resp.client.unwrap().base_url(),
            DEFAULT_BASE_URL,
            "an empty XELON_BASE_URL means the default"
        );
        let resp = configure(&[("XELON_TOKEN", "")]);
        let (path, summary, _) = only_error(&resp.diagnostics);
        assert_eq!(
            (path.as_deref(), summary.as_str()),
            (Some("token"), "Missing Xelon API token")
        );
    }

    #[test]
    fn values_unknown_at_validate_are_checked_at_configure() {
        // A value that was unknown at validate reaches configure known:
        // refused there, on its path, with the validate-time words.
        for (token, expected) in BAD_TOKENS {
            let resp = XelonProvider.configure_with_env(
                &config(Value::Null, Value::string(token), Value::Null),
                "1.15.5",
                |k| (k == "XELON_TOKEN").then(|| "fallback-not-used".to_string()),
            );
            assert!(resp.client.is_none(), "{token:?}");
            let (path, summary, detail) = only_error(&resp.diagnostics);
            assert_eq!(path.as_deref(), Some("token"), "{token:?}");
            assert_eq!(summary, "Invalid Xelon API token");
            assert!(detail.contains(expected), "{token:?}: {detail}");
            assert_hides_the_token(token, &detail);
        }
        // Every bad setting at once, even beside one still unknown.
        let resp = XelonProvider.configure_with_env(
            &config(Value::string(""), Value::string(" "), Value::Unknown),
            "1.15.5",
            no_env,
        );
        assert!(resp.client.is_none());
        let paths: Vec<String> = resp
            .diagnostics
            .0
            .iter()
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(paths, ["base_url", "token"]);
        assert!(resp.diagnostics.has_errors());
    }

    #[test]
    fn the_model_never_shows_the_token() {
        let model: ProviderModel = model::read(
            &config(
                Value::string("https://x/"),
                Value::string("SECRETPART"),
                Value::string("c1"),
            ),
            "test",
        )
        .unwrap();
        let shown = format!("{model:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(
            shown.contains("Known(***)") && shown.contains("c1"),
            "{shown}"
        );
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
