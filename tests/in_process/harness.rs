//! The in-process harness: an emulator and the real Xelon provider's
//! `tfplugin6` server, both on tasks of the test's runtime, and a typed
//! client that speaks the protocol as Terraform does (msgpack
//! `DynamicValue`s of the types the served schemas imply).

use std::time::Duration;

use tokio::sync::oneshot;
use tonic::transport::Channel;
use xelon_emulator::{self as emulator, ApiProfile, Config, RunningEmulator};
use xelon_provider::cty::{Type, Value};
use xelon_provider::framework::ProtocolServer;
use xelon_provider::provider::XelonProvider;

use crate::support;
use crate::tfplugin6 as pb;
use crate::values::{
    assert_compatible, assert_config_kept, assert_no_errors, block_type, config_value, dv,
    has_errors, path_string, proposed_new, schema_block, undv,
};
use pb::provider_client::ProviderClient;

/// The only token the emulator accepts.
pub const TOKEN: &str = "in-process-token";

/// The emulator's API profile for this run (`$XELON_EMULATOR_PROFILE`).
pub fn profile() -> ApiProfile {
    support::profile().parse().expect("a known profile")
}

/// An emulator that provisions instantly: clusters, pools and nodes are
/// Ready (Deployed) as soon as they are created or changed, so a wait ends
/// at the provider's first poll. No stale reads, no chaos; only [`TOKEN`].
pub fn fast_emulator() -> Config {
    Config {
        provision_delay: Duration::ZERO,
        node_delay: Duration::ZERO,
        token: Some(TOKEN.to_owned()),
        seed: None,
        api_profile: profile(),
        stale_reads: Duration::ZERO,
        chaos: Default::default(),
        ..Config::default()
    }
}

/// The emulator, the provider server and a connected client.
pub struct Harness {
    pub emulator: RunningEmulator,
    client: ProviderClient<Channel>,
    pub schemas: pb::get_provider_schema::Response,
    pub http: reqwest::Client,
    _stop_server: oneshot::Sender<()>,
}

/// What a `PlanResourceChange` answered, with what it was asked.
#[derive(Debug, Clone)]
pub struct Planned {
    pub type_name: String,
    pub prior: Value,
    pub config: Value,
    pub planned: Value,
    /// The `requires_replace` paths, as `a.b` strings.
    pub requires_replace: Vec<String>,
    pub diagnostics: Vec<pb::Diagnostic>,
}

/// A state (or data source / ephemeral result) and its diagnostics.
#[derive(Debug, Clone)]
pub struct Answer {
    pub state: Value,
    pub diagnostics: Vec<pb::Diagnostic>,
}

impl Harness {
    /// [`Harness::start_with`] a [`fast_emulator`], provider configured.
    pub async fn start() -> Self {
        let mut h = Self::start_with(fast_emulator()).await;
        let diags = h.configure(TOKEN).await;
        assert_no_errors(&diags, "ConfigureProvider");
        h
    }

    /// Starts an emulator with `config` and the provider's server on
    /// `127.0.0.1:0`, connects, and fetches the schemas (not configured yet).
    pub async fn start_with(config: Config) -> Self {
        let emulator = emulator::spawn(config).await.expect("start the emulator");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the provider's port");
        let addr = listener.local_addr().expect("provider address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(
            ProtocolServer::new(XelonProvider).serve_plain(listener, async {
                let _ = stopped.await;
            }),
        );
        let mut client = ProviderClient::connect(format!("http://{addr}"))
            .await
            .expect("connect to the provider");
        let schemas = client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("GetProviderSchema")
            .into_inner();
        Harness {
            emulator,
            client,
            schemas,
            http: reqwest::Client::new(),
            _stop_server: stop,
        }
    }

    /// `ConfigureProvider` with the emulator's base URL and `token`.
    pub async fn configure(&mut self, token: &str) -> Vec<pb::Diagnostic> {
        let base_url = self.emulator.base_url();
        self.configure_at(&base_url, token).await
    }

    /// `ConfigureProvider` with `base_url` and `token`.
    pub async fn configure_at(&mut self, base_url: &str, token: &str) -> Vec<pb::Diagnostic> {
        let provider = self
            .schemas
            .provider
            .as_ref()
            .and_then(|s| s.block.as_ref());
        let ty = block_type(provider.expect("provider schema"));
        let config = Value::object([
            ("base_url", Value::string(base_url)),
            ("token", Value::string(token)),
            ("client_id", Value::Null),
        ]);
        self.client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.15.5".into(),
                config: dv(&config, &ty),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider")
            .into_inner()
            .diagnostics
    }

    fn resource_schema(&self, type_name: &str) -> &pb::schema::Block {
        schema_block(&self.schemas.resource_schemas, type_name)
    }

    /// The type of resource `type_name`, from its served schema.
    pub fn resource_type(&self, type_name: &str) -> Type {
        block_type(self.resource_schema(type_name))
    }

    /// `ValidateResourceConfig`.
    pub async fn validate(
        &mut self,
        type_name: &str,
        json: serde_json::Value,
    ) -> Vec<pb::Diagnostic> {
        let ty = self.resource_type(type_name);
        let config = config_value(&json, &ty);
        self.client
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: type_name.into(),
                config: dv(&config, &ty),
                client_capabilities: None,
            })
            .await
            .expect("ValidateResourceConfig")
            .into_inner()
            .diagnostics
    }

    /// `PlanResourceChange` from `prior` (null to create) to the
    /// configuration `json`, with the proposed new state Terraform would send.
    pub async fn plan(
        &mut self,
        type_name: &str,
        prior: &Value,
        json: serde_json::Value,
    ) -> Planned {
        let ty = self.resource_type(type_name);
        let config = config_value(&json, &ty);
        let proposed = proposed_new(&self.resource_schema(type_name).attributes, prior, &config);
        let resp = self
            .client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: type_name.into(),
                prior_state: dv(prior, &ty),
                proposed_new_state: dv(&proposed, &ty),
                config: dv(&config, &ty),
                ..Default::default()
            })
            .await
            .expect("PlanResourceChange")
            .into_inner();
        let planned = undv(resp.planned_state, &ty);
        if !has_errors(&resp.diagnostics) {
            assert_config_kept(&config, &planned, "");
        }
        Planned {
            type_name: type_name.into(),
            prior: prior.clone(),
            config,
            planned,
            requires_replace: resp.requires_replace.iter().map(path_string).collect(),
            diagnostics: resp.diagnostics,
        }
    }

    /// `ApplyResourceChange` of a plan. Without errors, the new state must
    /// agree with every value the plan knew (Terraform's own check).
    pub async fn apply(&mut self, plan: &Planned) -> Answer {
        let ty = self.resource_type(&plan.type_name);
        let resp = self
            .client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: plan.type_name.clone(),
                prior_state: dv(&plan.prior, &ty),
                planned_state: dv(&plan.planned, &ty),
                config: dv(&plan.config, &ty),
                ..Default::default()
            })
            .await
            .expect("ApplyResourceChange")
            .into_inner();
        let state = undv(resp.new_state, &ty);
        assert!(state.is_wholly_known(), "unknowns after apply: {state:?}");
        if !has_errors(&resp.diagnostics) {
            assert_compatible(&plan.planned, &state, "");
        }
        Answer {
            state,
            diagnostics: resp.diagnostics,
        }
    }

    /// Plans and applies a create of `json`, which must succeed; the state.
    pub async fn create(&mut self, type_name: &str, json: serde_json::Value) -> Value {
        let plan = self.plan(type_name, &Value::Null, json).await;
        assert_no_errors(&plan.diagnostics, "plan");
        let applied = self.apply(&plan).await;
        assert_no_errors(&applied.diagnostics, "apply");
        applied.state
    }

    /// Destroys `prior` as Terraform does (no plan: the provider does not
    /// plan destroys): `ApplyResourceChange` to null.
    pub async fn destroy(&mut self, type_name: &str, prior: &Value) -> Answer {
        let plan = Planned {
            type_name: type_name.into(),
            prior: prior.clone(),
            config: Value::Null,
            planned: Value::Null,
            requires_replace: Vec::new(),
            diagnostics: Vec::new(),
        };
        self.apply(&plan).await
    }

    /// `ReadResource` (refresh) of `state`.
    pub async fn read(&mut self, type_name: &str, state: &Value) -> Answer {
        let ty = self.resource_type(type_name);
        let resp = self
            .client
            .read_resource(pb::read_resource::Request {
                type_name: type_name.into(),
                current_state: dv(state, &ty),
                ..Default::default()
            })
            .await
            .expect("ReadResource")
            .into_inner();
        Answer {
            state: undv(resp.new_state, &ty),
            diagnostics: resp.diagnostics,
        }
    }

    /// `ImportResourceState` of `id`: the one imported object's state.
    pub async fn import(&mut self, type_name: &str, id: &str) -> Answer {
        let ty = self.resource_type(type_name);
        let resp = self
            .client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: type_name.into(),
                id: id.into(),
                ..Default::default()
            })
            .await
            .expect("ImportResourceState")
            .into_inner();
        let state = match &resp.imported_resources[..] {
            [] => Value::Null,
            [one] => {
                assert_eq!(one.type_name, type_name);
                undv(one.state.clone(), &ty)
            }
            more => panic!("{} objects imported from one ID", more.len()),
        };
        Answer {
            state,
            diagnostics: resp.diagnostics,
        }
    }

    /// `ReadDataSource` of data source `type_name` with the configuration `json`.
    pub async fn read_data(&mut self, type_name: &str, json: serde_json::Value) -> Answer {
        let ty = block_type(schema_block(&self.schemas.data_source_schemas, type_name));
        let config = config_value(&json, &ty);
        let resp = self
            .client
            .read_data_source(pb::read_data_source::Request {
                type_name: type_name.into(),
                config: dv(&config, &ty),
                ..Default::default()
            })
            .await
            .expect("ReadDataSource")
            .into_inner();
        Answer {
            state: resp.state.map_or(Value::Null, |s| undv(Some(s), &ty)),
            diagnostics: resp.diagnostics,
        }
    }

    /// `OpenEphemeralResource` of `type_name` with the configuration `json`.
    pub async fn open(&mut self, type_name: &str, json: serde_json::Value) -> Answer {
        let ty = block_type(schema_block(
            &self.schemas.ephemeral_resource_schemas,
            type_name,
        ));
        let config = config_value(&json, &ty);
        let resp = self
            .client
            .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
                type_name: type_name.into(),
                config: dv(&config, &ty),
                client_capabilities: None,
            })
            .await
            .expect("OpenEphemeralResource")
            .into_inner();
        Answer {
            state: resp.result.map_or(Value::Null, |s| undv(Some(s), &ty)),
            diagnostics: resp.diagnostics,
        }
    }

    /// `GetMetadata`: the resource, data source and ephemeral resource type names.
    pub async fn metadata(&mut self) -> [Vec<String>; 3] {
        let m = self
            .client
            .get_metadata(pb::get_metadata::Request {})
            .await
            .expect("GetMetadata")
            .into_inner();
        assert_no_errors(&m.diagnostics, "GetMetadata");
        let mut lists = [
            m.resources
                .into_iter()
                .map(|r| r.type_name)
                .collect::<Vec<_>>(),
            m.data_sources.into_iter().map(|d| d.type_name).collect(),
            m.ephemeral_resources
                .into_iter()
                .map(|e| e.type_name)
                .collect(),
        ];
        lists.iter_mut().for_each(|l| l.sort());
        lists
    }
}
