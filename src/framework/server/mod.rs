//! The `tfplugin6.Provider` gRPC service, generic over a [`Provider`].
//!
//! Every RPC has the same shape: a tracing span with the RPC and type name →
//! decode the request ([`convert`]) → dispatch to the provider, resource or
//! data source → encode the response. Provider failures are diagnostics;
//! a gRPC `Status` is used only for transport-level failures.

pub mod convert;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use crate::cty::{Type, Value};
use crate::proto::tfplugin6 as pb;

use super::plan::{default_new_attributes, plan, validate_config};
use super::resource::*;
use super::{Diagnostic, Diagnostics, Schema};
use crate::cty::AttributePath;
use convert::{conform, decode, diagnostics_to_proto, encode, nullify_unknowns, path_to_proto};

/// Serves a [`Provider`] over `tfplugin6`. Cheap to clone.
pub struct ProtocolServer<P: Provider> {
    inner: Arc<Inner<P>>,
}

impl<P: Provider> Clone for ProtocolServer<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Typed<T: ?Sized> {
    item: Box<T>,
    schema: Schema,
    ty: Type,
}

struct Inner<P: Provider> {
    provider: P,
    schema: Schema,
    ty: Type,
    resources: BTreeMap<&'static str, Typed<dyn Resource<P::Client>>>,
    data_sources: BTreeMap<&'static str, Typed<dyn DataSource<P::Client>>>,
    ephemeral: BTreeMap<&'static str, Typed<dyn EphemeralResource<P::Client>>>,
    client: RwLock<ClientState<P::Client>>,
    /// Cancelled by `StopProvider`; replaced by a fresh token afterwards.
    stop: Mutex<CancellationToken>,
}

enum ClientState<C> {
    NotConfigured,
    Unknown,
    Ready(Arc<C>),
}

impl<P: Provider> ProtocolServer<P> {
    /// Wraps `provider`, building every schema once.
    pub fn new(provider: P) -> Self {
        fn typed<T: ?Sized>(
            items: Vec<(&'static str, Schema, Box<T>)>,
        ) -> BTreeMap<&'static str, Typed<T>> {
            items
                .into_iter()
                .map(|(name, schema, item)| {
                    let ty = schema.ty();
                    (name, Typed { item, schema, ty })
                })
                .collect()
        }
        let schema = provider.schema();
        let ty = schema.ty();
        let resources = typed(
            provider
                .resources()
                .into_iter()
                .map(|r| (r.type_name(), r.schema(), r))
                .collect(),
        );
        let data_sources = typed(
            provider
                .data_sources()
                .into_iter()
                .map(|d| (d.type_name(), d.schema(), d))
                .collect(),
        );
        let ephemeral = typed(
            provider
                .ephemeral_resources()
                .into_iter()
                .map(|e| (e.type_name(), e.schema(), e))
                .collect(),
        );
        Self {
            inner: Arc::new(Inner {
                provider,
                schema,
                ty,
                resources,
                data_sources,
                ephemeral,
                client: RwLock::new(ClientState::NotConfigured),
                stop: Mutex::new(CancellationToken::new()),
            }),
        }
    }

    /// The generated tonic service for this server.
    pub(crate) fn into_service(self) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
    }

    /// Serves the `tfplugin6.Provider` service alone on `listener`, over
    /// plain TCP (HTTP/2 without TLS), until `shutdown` completes: no
    /// go-plugin handshake, health or controller service. For driving a
    /// provider in-process with any `tfplugin6` client (the in-process
    /// tests); Terraform itself is served by [`crate::plugin::serve`].
    ///
    /// # Errors
    ///
    /// Fails when the gRPC server fails.
    pub async fn serve_plain(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), tonic::transport::Error> {
        let service = self
            .into_service()
            .max_decoding_message_size(crate::plugin::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(crate::plugin::MAX_MESSAGE_SIZE);
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                shutdown,
            )
            .await
    }

    /// The configured client, or an error saying why there is none.
    fn client(&self) -> Result<Arc<P::Client>, Diagnostics> {
        match &*self.inner.client.read().unwrap_or_else(|e| e.into_inner()) {
            ClientState::Ready(c) => Ok(c.clone()),
            ClientState::Unknown => Err(Diagnostic::error(
                "Provider configuration is not known yet",
                "The provider block depends on values that are only known after apply. Apply the resources it depends on first (for example with -target), then run this again.",
            )
            .into()),
            ClientState::NotConfigured => Err(Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it. This is a bug; please report it.",
            )
            .into()),
        }
    }

    fn client_if_known(&self) -> Option<Arc<P::Client>> {
        self.client().ok()
    }

    /// The token in-flight work watches; `StopProvider` cancels it.
    fn stop_token(&self) -> CancellationToken {
        self.inner
            .stop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    // The operations behind the RPCs. Each returns what the RPC answers, or
    // the diagnostics that stopped it; warnings go to `diags` either way.

    fn upgrade(
        &self,
        req: &pb::upgrade_resource_state::Request,
    ) -> Result<pb::DynamicValue, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        if req.version > r.schema.version {
            return Err(Diagnostic::error(
                "State from a newer provider",
                format!(
                    "This {} state was written by a newer provider (schema version {}, this provider knows up to {}). Upgrade the provider.",
                    req.type_name, req.version, r.schema.version
                ),
            )
            .into());
        }
        let json = req
            .raw_state
            .as_ref()
            .map(|s| s.json.as_slice())
            .unwrap_or_default();
        if json.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported state format",
                "The stored state has no JSON form (legacy flatmap state is not supported).",
            )
            .into());
        }
        // Decoding with the current schema fills attributes added since with null
        // (or their default, below) and drops attributes that no longer exist.
        let mut state = crate::cty::decode_json_bytes(json, &r.ty).map_err(|e| {
            Diagnostic::error(
                "Cannot read stored state",
                format!(
                    "The stored state of this {} does not match its schema: {e}",
                    req.type_name
                ),
            )
        })?;
        if let Ok(serde_json::Value::Object(stored)) = serde_json::from_slice(json) {
            default_new_attributes(&r.schema, &stored, &mut state);
        }
        Ok(encode(&state, &r.ty)?)
    }

    async fn configure(
        &self,
        req: &pb::configure_provider::Request,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostics> {
        let config = decode(req.config.as_ref(), &self.inner.ty)?;
        let resp = self
            .inner
            .provider
            .configure(ConfigureRequest {
                config: &config,
                terraform_version: &req.terraform_version,
            })
            .await;
        let state = match resp.client {
            Some(c) => ClientState::Ready(Arc::new(c)),
            None if resp.diagnostics.has_errors() => ClientState::NotConfigured,
            None => ClientState::Unknown,
        };
        diags.extend(resp.diagnostics);
        *self.inner.client.write().unwrap_or_else(|e| e.into_inner()) = state;
        Ok(())
    }

    async fn read(
        &self,
        req: &pb::read_resource::Request,
        diags: &mut Diagnostics,
    ) -> Result<Option<pb::DynamicValue>, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let current = decode(req.current_state.as_ref(), &r.ty)?;
        let Some(client) = self.client_if_known() else {
            diags.warning(
                "Skipped refreshing state",
                format!("The provider configuration is not known yet, so {} was not refreshed from the API.", req.type_name),
            );
            return Ok(req.current_state.clone());
        };
        let cancel = self.stop_token();
        let resp = r
            .item
            .read(ReadRequest {
                client: &client,
                state: &current,
                cancel: &cancel,
            })
            .await;
        if resp.diagnostics.has_errors() && resp.state.is_null() {
            // A failed refresh must not drop the object: keep what we had.
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        let state = finish_state(resp.state, &r.ty, diags);
        Ok(Some(encode(&state, &r.ty)?))
    }

    async fn plan(
        &self,
        req: &pb::plan_resource_change::Request,
        diags: &mut Diagnostics,
    ) -> Result<(Option<pb::DynamicValue>, Vec<AttributePath>), Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let prior = decode(req.prior_state.as_ref(), &r.ty)?;
        let proposed = decode(req.proposed_new_state.as_ref(), &r.ty)?;
        let config = decode(req.config.as_ref(), &r.ty)?;
        if proposed.is_null() {
            // Destroy: nothing to plan.
            return Ok((req.proposed_new_state.clone(), Vec::new()));
        }
        let generic = plan(&r.schema, &prior, &proposed, &config);
        let mut resp = PlanResponse {
            planned: generic.planned,
            requires_replace: generic.requires_replace,
            diagnostics: Diagnostics::new(),
        };
        let client = self.client_if_known();
        let hook = PlanRequest {
            client: client.as_deref(),
            config: &config,
            prior: &prior,
        };
        r.item.modify_plan(hook, &mut resp).await;
        diags.extend(resp.diagnostics);
        resp.requires_replace.sort();
        resp.requires_replace.dedup();
        Ok((Some(encode(&resp.planned, &r.ty)?), resp.requires_replace))
    }

    async fn apply(
        &self,
        req: &pb::apply_resource_change::Request,
        diags: &mut Diagnostics,
    ) -> Result<Option<pb::DynamicValue>, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let prior = decode(req.prior_state.as_ref(), &r.ty)?;
        let planned = decode(req.planned_state.as_ref(), &r.ty)?;
        let config = decode(req.config.as_ref(), &r.ty)?;
        let client = self.client()?;
        let cancel = self.stop_token();
        if planned.is_null() {
            // A failed delete keeps the object in state (the caller answers the prior state).
            let d = r
                .item
                .delete(DeleteRequest {
                    client: &client,
                    prior: &prior,
                    cancel: &cancel,
                })
                .await;
            if d.has_errors() {
                return Err(d);
            }
            diags.extend(d);
            return Ok(Some(encode(&Value::Null, &r.ty)?));
        }
        let resp = if prior.is_null() {
            r.item
                .create(CreateRequest {
                    client: &client,
                    config: &config,
                    planned: &planned,
                    cancel: &cancel,
                })
                .await
        } else {
            let update = UpdateRequest {
                client: &*client,
                config: &config,
                prior: &prior,
                planned: &planned,
                cancel: &cancel,
            };
            r.item.update(update).await
        };
        if resp.state.is_null() && !prior.is_null() && resp.diagnostics.has_errors() {
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        // With errors, this partial state is what Terraform records (tainted on create).
        let state = finish_state(resp.state, &r.ty, diags);
        Ok(Some(encode(&state, &r.ty)?))
    }

    async fn import(
        &self,
        req: &pb::import_resource_state::Request,
        diags: &mut Diagnostics,
    ) -> Result<Vec<pb::import_resource_state::ImportedResource>, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let client = self.client()?;
        let resp = r
            .item
            .import(ImportRequest {
                client: &client,
                type_name: &req.type_name,
                id: &req.id,
            })
            .await;
        if resp.diagnostics.has_errors() || resp.state.is_null() {
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        let state = finish_state(resp.state, &r.ty, diags);
        Ok(vec![pb::import_resource_state::ImportedResource {
            type_name: req.type_name.clone(),
            state: Some(encode(&state, &r.ty)?),
            private: Vec::new(),
            identity: None,
        }])
    }

    async fn read_data(
        &self,
        req: &pb::read_data_source::Request,
        diags: &mut Diagnostics,
    ) -> Result<pb::DynamicValue, Diagnostics> {
        let ds = lookup(&self.inner.data_sources, "data source", &req.type_name)?;
        let config = decode(req.config.as_ref(), &ds.ty)?;
        let client = self.client()?;
        let cancel = self.stop_token();
        let resp = ds
            .item
            .read(DataReadRequest {
                client: &client,
                config: &config,
                cancel: &cancel,
            })
            .await;
        if resp.diagnostics.has_errors() {
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        let state = finish_state(resp.state, &ds.ty, diags);
        Ok(encode(&state, &ds.ty)?)
    }

    async fn open(
        &self,
        req: &pb::open_ephemeral_resource::Request,
        diags: &mut Diagnostics,
    ) -> Result<pb::DynamicValue, Diagnostics> {
        let e = lookup(&self.inner.ephemeral, "ephemeral resource", &req.type_name)?;
        let config = decode(req.config.as_ref(), &e.ty)?;
        let client = self.client()?;
        let cancel = self.stop_token();
        let resp = e
            .item
            .open(OpenRequest {
                client: &client,
                config: &config,
                cancel: &cancel,
            })
            .await;
        if resp.diagnostics.has_errors() {
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        let result = finish_state(resp.result, &e.ty, diags);
        Ok(encode(&result, &e.ty)?)
    }
}

/// The registered type called `name`.
fn lookup<'a, T: ?Sized>(
    items: &'a BTreeMap<&'static str, Typed<T>>,
    kind: &str,
    name: &str,
) -> Result<&'a Typed<T>, Diagnostics> {
    items.get(name).ok_or_else(|| {
        Diagnostic::error(
            format!("Unknown {kind}"),
            format!("This provider has no {kind} {name:?}."),
        )
        .into()
    })
}

/// Validates a configuration of `schema`'s type: the schema's attribute
/// validators, then the type's own cross-attribute checks.
fn validate_with(
    schema: &Schema,
    ty: &Type,
    config: Option<&pb::DynamicValue>,
    check: impl FnOnce(&Value, &mut Diagnostics),
) -> Diagnostics {
    match decode(config, ty) {
        Ok(config) => {
            let mut diags = validate_config(schema, &config);
            check(&config, &mut diags);
            diags
        }
        Err(d) => d.into(),
    }
}

/// The cross-attribute check every registered kind of type offers.
trait ConfigCheck {
    fn check(&self, config: &Value, diags: &mut Diagnostics);
}

impl<C: Send + Sync + 'static> ConfigCheck for dyn Resource<C> {
    fn check(&self, config: &Value, diags: &mut Diagnostics) {
        self.validate_config(config, diags)
    }
}

impl<C: Send + Sync + 'static> ConfigCheck for dyn DataSource<C> {
    fn check(&self, config: &Value, diags: &mut Diagnostics) {
        self.validate_config(config, diags)
    }
}

impl<C: Send + Sync + 'static> ConfigCheck for dyn EphemeralResource<C> {
    fn check(&self, config: &Value, diags: &mut Diagnostics) {
        self.validate_config(config, diags)
    }
}

/// Validates a configuration of the registered type `name`.
fn validate_typed<T: ConfigCheck + ?Sized>(
    items: &BTreeMap<&'static str, Typed<T>>,
    kind: &str,
    name: &str,
    config: Option<&pb::DynamicValue>,
) -> Vec<pb::Diagnostic> {
    let diags = match lookup(items, kind, name) {
        Ok(t) => validate_with(&t.schema, &t.ty, config, |c, d| t.item.check(c, d)),
        Err(d) => d,
    };
    diagnostics_to_proto(&diags)
}

/// The answer of an operation: its value, or `None` with its diagnostics added to `diags`.
fn settle<T>(result: Result<T, Diagnostics>, diags: &mut Diagnostics) -> Option<T> {
    result.map_err(|d| diags.extend(d)).ok()
}

fn span(rpc: &'static str, type_name: &str) -> tracing::Span {
    tracing::debug_span!("rpc", tf_rpc = rpc, tf_resource_type = type_name)
}

fn ok<T>(t: T) -> Result<Response<T>, Status> {
    Ok(Response::new(t))
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProtocolServer<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata as m;
        let i = &self.inner;
        ok(m::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: Vec::new(),
            data_sources: i
                .data_sources
                .keys()
                .map(|k| m::DataSourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            resources: i
                .resources
                .keys()
                .map(|k| m::ResourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            functions: Vec::new(),
            ephemeral_resources: i
                .ephemeral
                .keys()
                .map(|k| m::EphemeralMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
        })
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        fn schemas<T: ?Sized>(
            items: &BTreeMap<&'static str, Typed<T>>,
        ) -> std::collections::HashMap<String, pb::Schema> {
            items
                .iter()
                .map(|(k, v)| (k.to_string(), convert::schema_to_proto(&v.schema)))
                .collect()
        }
        let i = &self.inner;
        ok(pb::get_provider_schema::Response {
            provider: Some(convert::schema_to_proto(&i.schema)),
            resource_schemas: schemas(&i.resources),
            data_source_schemas: schemas(&i.data_sources),
            ephemeral_resource_schemas: schemas(&i.ephemeral),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        })
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        let _span = span("ValidateProviderConfig", "").entered();
        let diags = validate_with(
            &self.inner.schema,
            &self.inner.ty,
            req.config.as_ref(),
            |_, _| {},
        );
        ok(pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let _span = span("ValidateResourceConfig", &req.type_name).entered();
        let diagnostics = validate_typed(
            &self.inner.resources,
            "resource type",
            &req.type_name,
            req.config.as_ref(),
        );
        ok(pb::validate_resource_config::Response { diagnostics })
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        let _span = span("ValidateDataResourceConfig", &req.type_name).entered();
        let diagnostics = validate_typed(
            &self.inner.data_sources,
            "data source",
            &req.type_name,
            req.config.as_ref(),
        );
        ok(pb::validate_data_resource_config::Response { diagnostics })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = request.into_inner();
        let _span = span("ValidateEphemeralResourceConfig", &req.type_name).entered();
        let diagnostics = validate_typed(
            &self.inner.ephemeral,
            "ephemeral resource",
            &req.type_name,
            req.config.as_ref(),
        );
        ok(pb::validate_ephemeral_resource_config::Response { diagnostics })
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let _span = span("UpgradeResourceState", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        let upgraded_state = settle(self.upgrade(&req), &mut diags);
        ok(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        ok(pb::get_resource_identity_schemas::Response::default())
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .configure(&req, &mut diags)
            .instrument(span("ConfigureProvider", ""))
            .await;
        settle(result, &mut diags);
        ok(pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .read(&req, &mut diags)
            .instrument(span("ReadResource", &req.type_name))
            .await;
        // On failure Terraform keeps the current state.
        let new_state = settle(result, &mut diags).unwrap_or_else(|| req.current_state.clone());
        ok(pb::read_resource::Response {
            new_state,
            diagnostics: diagnostics_to_proto(&diags),
            private: req.private,
            deferred: None,
            new_identity: None,
        })
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .plan(&req, &mut diags)
            .instrument(span("PlanResourceChange", &req.type_name))
            .await;
        let (planned_state, replace) = settle(result, &mut diags).unwrap_or_default();
        ok(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: replace.iter().map(path_to_proto).collect(),
            planned_private: req.prior_private,
            diagnostics: diagnostics_to_proto(&diags),
            deferred: None,
            planned_identity: None,
        })
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .apply(&req, &mut diags)
            .instrument(span("ApplyResourceChange", &req.type_name))
            .await;
        // Nothing to record: the object stays as it was.
        let new_state = settle(result, &mut diags).unwrap_or_else(|| req.prior_state.clone());
        ok(pb::apply_resource_change::Response {
            new_state,
            private: req.planned_private,
            diagnostics: diagnostics_to_proto(&diags),
            new_identity: None,
        })
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .import(&req, &mut diags)
            .instrument(span("ImportResourceState", &req.type_name))
            .await;
        ok(pb::import_resource_state::Response {
            imported_resources: settle(result, &mut diags).unwrap_or_default(),
            diagnostics: diagnostics_to_proto(&diags),
            deferred: None,
        })
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .read_data(&req, &mut diags)
            .instrument(span("ReadDataSource", &req.type_name))
            .await;
        ok(pb::read_data_source::Response {
            state: settle(result, &mut diags),
            diagnostics: diagnostics_to_proto(&diags),
            deferred: None,
        })
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let result = self
            .open(&req, &mut diags)
            .instrument(span("OpenEphemeralResource", &req.type_name))
            .await;
        ok(pb::open_ephemeral_resource::Response {
            result: settle(result, &mut diags),
            diagnostics: diagnostics_to_proto(&diags),
            ..Default::default()
        })
    }

    async fn renew_ephemeral_resource(
        &self,
        _request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        // Nothing of ours expires within a run: Open never asks for renewal.
        ok(pb::renew_ephemeral_resource::Response::default())
    }

    async fn close_ephemeral_resource(
        &self,
        _request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        ok(pb::close_ephemeral_resource::Response::default())
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        ok(pb::get_functions::Response::default())
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        let mut stop = self.inner.stop.lock().unwrap_or_else(|e| e.into_inner());
        stop.cancel();
        *stop = CancellationToken::new();
        tracing::info!("StopProvider: cancelled in-flight operations");
        ok(pb::stop_provider::Response::default())
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

/// Fills left-out attributes with null and makes sure no unknown value is
/// returned to Terraform (which would reject the whole result).
fn finish_state(state: Value, ty: &Type, diags: &mut Diagnostics) -> Value {
    if state.is_null() {
        return state;
    }
    let mut state = match conform(state, ty) {
        Ok(s) => s,
        Err(e) => {
            diags.error(
                "Provider produced an invalid state",
                format!("{e}. This is a bug in the provider; please report it."),
            );
            return Value::Null;
        }
    };
    let unknown = nullify_unknowns(&mut state);
    if !unknown.is_empty() && !diags.has_errors() {
        let paths: Vec<String> = unknown.iter().map(ToString::to_string).collect();
        diags.error(
            "Provider left values unknown after apply",
            format!(
                "No value was set for {}. This is a bug in the provider; please report it.",
                paths.join(", ")
            ),
        );
    }
    state
}

#[cfg(test)]
mod tests;
