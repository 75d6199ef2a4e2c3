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

use super::plan::{plan, validate_config};
use super::resource::*;
use super::{Diagnostic, Diagnostics, Schema};
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
        let schema = provider.schema();
        let ty = schema.ty();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                let ty = schema.ty();
                (
                    r.type_name(),
                    Typed {
                        item: r,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                let ty = schema.ty();
                (
                    d.type_name(),
                    Typed {
                        item: d,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let ephemeral = provider
            .ephemeral_resources()
            .into_iter()
            .map(|e| {
                let schema = e.schema();
                let ty = schema.ty();
                (
                    e.type_name(),
                    Typed {
                        item: e,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
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

    fn resource(&self, name: &str) -> Result<&Typed<dyn Resource<P::Client>>, Diagnostics> {
        self.inner.resources.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type {name:?}."),
            )
            .into()
        })
    }

    fn data_source(&self, name: &str) -> Result<&Typed<dyn DataSource<P::Client>>, Diagnostics> {
        self.inner.data_sources.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown data source type",
                format!("This provider has no data source {name:?}."),
            )
            .into()
        })
    }

    fn ephemeral(
        &self,
        name: &str,
    ) -> Result<&Typed<dyn EphemeralResource<P::Client>>, Diagnostics> {
        self.inner.ephemeral.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown ephemeral resource type",
                format!("This provider has no ephemeral resource {name:?}."),
            )
            .into()
        })
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
        match &*self.inner.client.read().unwrap_or_else(|e| e.into_inner()) {
            ClientState::Ready(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// The token in-flight work watches; `StopProvider` cancels it.
    fn stop_token(&self) -> CancellationToken {
        self.inner
            .stop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn span(rpc: &'static str, type_name: &str) -> tracing::Span {
    tracing::debug_span!("rpc", tf_rpc = rpc, tf_resource_type = type_name)
}

fn ok<T>(t: T) -> Result<Response<T>, Status> {
    Ok(Response::new(t))
}

/// Decodes, reporting failures as diagnostics.
macro_rules! try_diag {
    ($e:expr, $diags:ident, $resp:expr) => {
        match $e {
            Ok(v) => v,
            Err(d) => {
                $diags.extend(Diagnostics::from(d));
                return $resp;
            }
        }
    };
}

/// Runs a validation on a decoded configuration: attribute validators, then the type's own checks.
fn validate(schema: &Schema, config: &Value, extra: impl FnOnce(&mut Diagnostics)) -> Diagnostics {
    let mut diags = validate_config(schema, config);
    extra(&mut diags);
    diags
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
        let i = &self.inner;
        ok(pb::get_provider_schema::Response {
            provider: Some(convert::schema_to_proto(&i.schema)),
            resource_schemas: i
                .resources
                .iter()
                .map(|(k, v)| (k.to_string(), convert::schema_to_proto(&v.schema)))
                .collect(),
            data_source_schemas: i
                .data_sources
                .iter()
                .map(|(k, v)| (k.to_string(), convert::schema_to_proto(&v.schema)))
                .collect(),
            diagnostics: Vec::new(),
            provider_meta: None,
            server_capabilities: Some(capabilities()),
            functions: Default::default(),
            ephemeral_resource_schemas: i
                .ephemeral
                .iter()
                .map(|(k, v)| (k.to_string(), convert::schema_to_proto(&v.schema)))
                .collect(),
        })
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        let _g = span("ValidateProviderConfig", "").entered();
        let mut diags = Diagnostics::new();
        let done = |d: &Diagnostics| pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(d),
        };
        let config = try_diag!(
            decode(req.config.as_ref(), &self.inner.ty),
            diags,
            ok(done(&diags))
        );
        diags.extend(validate(&self.inner.schema, &config, |_| {}));
        ok(done(&diags))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let _g = span("ValidateResourceConfig", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        let done = |d: &Diagnostics| pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(d),
        };
        let r = try_diag!(self.resource(&req.type_name), diags, ok(done(&diags)));
        let config = try_diag!(decode(req.config.as_ref(), &r.ty), diags, ok(done(&diags)));
        diags.extend(validate(&r.schema, &config, |d| {
            r.item.validate_config(&config, d)
        }));
        ok(done(&diags))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        let _g = span("ValidateDataResourceConfig", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        let done = |d: &Diagnostics| pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_to_proto(d),
        };
        let ds = try_diag!(self.data_source(&req.type_name), diags, ok(done(&diags)));
        let config = try_diag!(decode(req.config.as_ref(), &ds.ty), diags, ok(done(&diags)));
        diags.extend(validate(&ds.schema, &config, |d| {
            ds.item.validate_config(&config, d)
        }));
        ok(done(&diags))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let _g = span("UpgradeResourceState", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        let done = |state: Option<pb::DynamicValue>, d: &Diagnostics| {
            pb::upgrade_resource_state::Response {
                upgraded_state: state,
                diagnostics: diagnostics_to_proto(d),
            }
        };
        let r = try_diag!(self.resource(&req.type_name), diags, ok(done(None, &diags)));
        if req.version > r.schema.version {
            diags.error(
                "State from a newer provider",
                format!(
                    "This {} state was written by a newer provider (schema version {}, this provider knows up to {}). Upgrade the provider.",
                    req.type_name, req.version, r.schema.version
                ),
            );
            return ok(done(None, &diags));
        }
        let json = req.raw_state.map(|s| s.json).unwrap_or_default();
        if json.is_empty() {
            diags.error(
                "Unsupported state format",
                "The stored state has no JSON form (legacy flatmap state is not supported).",
            );
            return ok(done(None, &diags));
        }
        // Decoding with the current schema fills attributes added since with null
        // and drops attributes that no longer exist.
        let state = try_diag!(
            crate::cty::decode_json_bytes(&json, &r.ty).map_err(|e| Diagnostic::error(
                "Cannot read stored state",
                format!(
                    "The stored state of this {} does not match its schema: {e}",
                    req.type_name
                )
            )),
            diags,
            ok(done(None, &diags))
        );
        let encoded = try_diag!(encode(&state, &r.ty), diags, ok(done(None, &diags)));
        ok(done(Some(encoded), &diags))
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
        let span = span("ConfigureProvider", "");
        let mut diags = Diagnostics::new();
        let done = |d: &Diagnostics| pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(d),
        };
        let config = try_diag!(
            decode(req.config.as_ref(), &self.inner.ty),
            diags,
            ok(done(&diags))
        );
        let resp = self
            .inner
            .provider
            .configure(ConfigureRequest {
                config: &config,
                terraform_version: &req.terraform_version,
            })
            .instrument(span)
            .await;
        diags.extend(resp.diagnostics);
        let state = match resp.client {
            Some(c) => ClientState::Ready(Arc::new(c)),
            None if diags.has_errors() => ClientState::NotConfigured,
            None => ClientState::Unknown,
        };
        *self.inner.client.write().unwrap_or_else(|e| e.into_inner()) = state;
        ok(done(&diags))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let span = span("ReadResource", &req.type_name);
        let mut diags = Diagnostics::new();
        let private = req.private.clone();
        let done = |state: Option<pb::DynamicValue>, d: &Diagnostics| pb::read_resource::Response {
            new_state: state,
            diagnostics: diagnostics_to_proto(d),
            private: private.clone(),
            deferred: None,
            new_identity: None,
        };
        let r = try_diag!(
            self.resource(&req.type_name),
            diags,
            ok(done(req.current_state.clone(), &diags))
        );
        let current = try_diag!(
            decode(req.current_state.as_ref(), &r.ty),
            diags,
            ok(done(req.current_state.clone(), &diags))
        );
        let Some(client) = self.client_if_known() else {
            diags.warning(
                "Skipped refreshing state",
                format!(
                    "The provider configuration is not known yet, so {} was not refreshed from the API.",
                    req.type_name
                ),
            );
            return ok(done(req.current_state.clone(), &diags));
        };
        let cancel = self.stop_token();
        let resp = r
            .item
            .read(ReadRequest {
                client: &client,
                state: &current,
                cancel: &cancel,
            })
            .instrument(span)
            .await;
        diags.extend(resp.diagnostics);
        if diags.has_errors() && resp.state.is_null() {
            // Keep what we had: a failed refresh must not drop the object.
            return ok(done(req.current_state.clone(), &diags));
        }
        let state = finish_state(resp.state, &r.ty, &mut diags);
        let encoded = try_diag!(
            encode(&state, &r.ty),
            diags,
            ok(done(req.current_state.clone(), &diags))
        );
        ok(done(Some(encoded), &diags))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let span = span("PlanResourceChange", &req.type_name);
        let mut diags = Diagnostics::new();
        let private = req.prior_private.clone();
        let done = |planned: Option<pb::DynamicValue>,
                    replace: Vec<pb::AttributePath>,
                    d: &Diagnostics| pb::plan_resource_change::Response {
            planned_state: planned,
            requires_replace: replace,
            planned_private: private.clone(),
            diagnostics: diagnostics_to_proto(d),
            deferred: None,
            planned_identity: None,
        };
        let r = try_diag!(
            self.resource(&req.type_name),
            diags,
            ok(done(None, vec![], &diags))
        );
        let prior = try_diag!(
            decode(req.prior_state.as_ref(), &r.ty),
            diags,
            ok(done(None, vec![], &diags))
        );
        let proposed = try_diag!(
            decode(req.proposed_new_state.as_ref(), &r.ty),
            diags,
            ok(done(None, vec![], &diags))
        );
        let config = try_diag!(
            decode(req.config.as_ref(), &r.ty),
            diags,
            ok(done(None, vec![], &diags))
        );
        if proposed.is_null() {
            // Destroy: nothing to plan.
            return ok(done(req.proposed_new_state.clone(), vec![], &diags));
        }
        let generic = plan(&r.schema, &prior, &proposed, &config);
        let mut resp = PlanResponse {
            planned: generic.planned,
            requires_replace: generic.requires_replace,
            diagnostics: Diagnostics::new(),
        };
        let client = self.client_if_known();
        r.item
            .modify_plan(
                PlanRequest {
                    client: client.as_deref(),
                    config: &config,
                    prior: &prior,
                },
                &mut resp,
            )
            .instrument(span)
            .await;
        diags.extend(resp.diagnostics);
        resp.requires_replace.sort();
        resp.requires_replace.dedup();
        let encoded = try_diag!(
            encode(&resp.planned, &r.ty),
            diags,
            ok(done(None, vec![], &diags))
        );
        let replace = resp.requires_replace.iter().map(path_to_proto).collect();
        ok(done(Some(encoded), replace, &diags))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let span = span("ApplyResourceChange", &req.type_name);
        let mut diags = Diagnostics::new();
        let private = req.planned_private.clone();
        let done = |state: Option<pb::DynamicValue>, d: &Diagnostics| {
            pb::apply_resource_change::Response {
                new_state: state,
                private: private.clone(),
                diagnostics: diagnostics_to_proto(d),
                new_identity: None,
            }
        };
        let r = try_diag!(
            self.resource(&req.type_name),
            diags,
            ok(done(req.prior_state.clone(), &diags))
        );
        let prior = try_diag!(
            decode(req.prior_state.as_ref(), &r.ty),
            diags,
            ok(done(req.prior_state.clone(), &diags))
        );
        let planned = try_diag!(
            decode(req.planned_state.as_ref(), &r.ty),
            diags,
            ok(done(req.prior_state.clone(), &diags))
        );
        let config = try_diag!(
            decode(req.config.as_ref(), &r.ty),
            diags,
            ok(done(req.prior_state.clone(), &diags))
        );
        let client = try_diag!(
            self.client(),
            diags,
            ok(done(req.prior_state.clone(), &diags))
        );
        let cancel = self.stop_token();

        if planned.is_null() {
            let d = r
                .item
                .delete(DeleteRequest {
                    client: &client,
                    prior: &prior,
                    cancel: &cancel,
                })
                .instrument(span)
                .await;
            let failed = d.has_errors();
            diags.extend(d);
            // A failed delete keeps the object in state.
            let state = if failed {
                req.prior_state.clone()
            } else {
                encode(&Value::Null, &r.ty).ok()
            };
            return ok(done(state, &diags));
        }

        let resp = if prior.is_null() {
            r.item
                .create(CreateRequest {
                    client: &client,
                    config: &config,
                    planned: &planned,
                    cancel: &cancel,
                })
                .instrument(span)
                .await
        } else {
            r.item
                .update(UpdateRequest {
                    client: &client,
                    config: &config,
                    prior: &prior,
                    planned: &planned,
                    cancel: &cancel,
                })
                .instrument(span)
                .await
        };
        diags.extend(resp.diagnostics);
        if resp.state.is_null() && !prior.is_null() && diags.has_errors() {
            return ok(done(req.prior_state.clone(), &diags));
        }
        let state = finish_state(resp.state, &r.ty, &mut diags);
        let encoded = try_diag!(
            encode(&state, &r.ty),
            diags,
            ok(done(req.prior_state.clone(), &diags))
        );
        ok(done(Some(encoded), &diags))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let span = span("ImportResourceState", &req.type_name);
        let mut diags = Diagnostics::new();
        let done = |imported: Vec<pb::import_resource_state::ImportedResource>, d: &Diagnostics| {
            pb::import_resource_state::Response {
                imported_resources: imported,
                diagnostics: diagnostics_to_proto(d),
                deferred: None,
            }
        };
        let r = try_diag!(
            self.resource(&req.type_name),
            diags,
            ok(done(vec![], &diags))
        );
        let client = try_diag!(self.client(), diags, ok(done(vec![], &diags)));
        let resp = r
            .item
            .import(ImportRequest {
                client: &client,
                type_name: &req.type_name,
                id: &req.id,
            })
            .instrument(span)
            .await;
        diags.extend(resp.diagnostics);
        if diags.has_errors() || resp.state.is_null() {
            return ok(done(vec![], &diags));
        }
        let state = finish_state(resp.state, &r.ty, &mut diags);
        let encoded = try_diag!(encode(&state, &r.ty), diags, ok(done(vec![], &diags)));
        ok(done(
            vec![pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: Some(encoded),
                private: Vec::new(),
                identity: None,
            }],
            &diags,
        ))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = request.into_inner();
        let span = span("ReadDataSource", &req.type_name);
        let mut diags = Diagnostics::new();
        let done =
            |state: Option<pb::DynamicValue>, d: &Diagnostics| pb::read_data_source::Response {
                state,
                diagnostics: diagnostics_to_proto(d),
                deferred: None,
            };
        let ds = try_diag!(
            self.data_source(&req.type_name),
            diags,
            ok(done(None, &diags))
        );
        let config = try_diag!(
            decode(req.config.as_ref(), &ds.ty),
            diags,
            ok(done(None, &diags))
        );
        let client = try_diag!(self.client(), diags, ok(done(None, &diags)));
        let cancel = self.stop_token();
        let resp = ds
            .item
            .read(DataReadRequest {
                client: &client,
                config: &config,
                cancel: &cancel,
            })
            .instrument(span)
            .await;
        diags.extend(resp.diagnostics);
        if diags.has_errors() {
            return ok(done(None, &diags));
        }
        let state = finish_state(resp.state, &ds.ty, &mut diags);
        let encoded = try_diag!(encode(&state, &ds.ty), diags, ok(done(None, &diags)));
        ok(done(Some(encoded), &diags))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = request.into_inner();
        let _g = span("ValidateEphemeralResourceConfig", &req.type_name).entered();
        let mut diags = Diagnostics::new();
        let done = |d: &Diagnostics| pb::validate_ephemeral_resource_config::Response {
            diagnostics: diagnostics_to_proto(d),
        };
        let e = try_diag!(self.ephemeral(&req.type_name), diags, ok(done(&diags)));
        let config = try_diag!(decode(req.config.as_ref(), &e.ty), diags, ok(done(&diags)));
        diags.extend(validate(&e.schema, &config, |d| {
            e.item.validate_config(&config, d)
        }));
        ok(done(&diags))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = request.into_inner();
        let span = span("OpenEphemeralResource", &req.type_name);
        let mut diags = Diagnostics::new();
        let done = |result: Option<pb::DynamicValue>, d: &Diagnostics| {
            pb::open_ephemeral_resource::Response {
                diagnostics: diagnostics_to_proto(d),
                result,
                ..Default::default()
            }
        };
        let e = try_diag!(
            self.ephemeral(&req.type_name),
            diags,
            ok(done(None, &diags))
        );
        let config = try_diag!(
            decode(req.config.as_ref(), &e.ty),
            diags,
            ok(done(None, &diags))
        );
        let client = try_diag!(self.client(), diags, ok(done(None, &diags)));
        let cancel = self.stop_token();
        let resp = e
            .item
            .open(OpenRequest {
                client: &client,
                config: &config,
                cancel: &cancel,
            })
            .instrument(span)
            .await;
        diags.extend(resp.diagnostics);
        if diags.has_errors() {
            return ok(done(None, &diags));
        }
        let result = finish_state(resp.result, &e.ty, &mut diags);
        let encoded = try_diag!(encode(&result, &e.ty), diags, ok(done(None, &diags)));
        ok(done(Some(encoded), &diags))
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
