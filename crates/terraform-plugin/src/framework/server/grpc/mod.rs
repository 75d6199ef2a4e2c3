//! The `tfplugin6.Provider` tonic service: a thin adapter that turns each
//! protobuf request into the framework's request ([`super::operations`]),
//! calls the operation inside a tracing span, and turns the answer back
//! into protobuf. The only code in the crate that sees `tfplugin6` types.

pub(crate) mod convert;

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;

use futures::{Stream, StreamExt};
use tonic::{Request, Response, Status};
use tracing::Instrument;

use crate::framework::{Diagnostics, Provider};
use crate::proto::tfplugin6 as pb;

use super::messages::*;
use super::{ProtocolServer, Typed};
use convert::{diagnostics_to_proto, identity_schema_to_proto, path_to_proto, schema_to_proto};

impl<P: Provider> ProtocolServer<P> {
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
            .serve_with_incoming_shutdown(
                service,
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                shutdown,
            )
            .await
    }
}

fn span(rpc: &'static str, type_name: &str) -> tracing::Span {
    tracing::debug_span!("rpc", tf_rpc = rpc, tf_resource_type = type_name)
}

fn ok<T>(t: T) -> Result<Response<T>, Status> {
    Ok(Response::new(t))
}

fn value(v: Option<pb::DynamicValue>) -> Option<Encoded> {
    v.map(Encoded::from)
}

fn wire(v: Option<Encoded>) -> Option<pb::DynamicValue> {
    v.map(pb::DynamicValue::from)
}

fn identity_value(v: Option<pb::ResourceIdentityData>) -> Option<Encoded> {
    v.and_then(|i| i.identity_data).map(Encoded::from)
}

fn identity_wire(v: Option<Encoded>) -> Option<pb::ResourceIdentityData> {
    v.map(|v| pb::ResourceIdentityData {
        identity_data: Some(v.into()),
    })
}

/// How many list events may wait for Terraform to read them.
const LIST_BUFFER: usize = 16;

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

impl<P: Provider> ProtocolServer<P> {
    fn validate_rpc(
        &self,
        rpc: &'static str,
        kind: ConfigKind,
        type_name: String,
        config: Option<pb::DynamicValue>,
    ) -> Vec<pb::Diagnostic> {
        let _span = span(rpc, &type_name).entered();
        let diags = self.validate(&ValidateConfig {
            kind,
            type_name,
            config: value(config),
        });
        diagnostics_to_proto(&diags)
    }
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProtocolServer<P> {
    type ListResourceStream =
        Pin<Box<dyn Stream<Item = Result<pb::list_resource::Event, Status>> + Send + 'static>>;

    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata as m;
        fn names<T: ?Sized>(items: &BTreeMap<&'static str, Typed<T>>) -> Vec<String> {
            items.keys().map(|k| k.to_string()).collect()
        }
        let i = &self.inner;
        ok(m::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: Vec::new(),
            data_sources: names(&i.data_sources)
                .into_iter()
                .map(|type_name| m::DataSourceMetadata { type_name })
                .collect(),
            resources: names(&i.resources)
                .into_iter()
                .map(|type_name| m::ResourceMetadata { type_name })
                .collect(),
            functions: Vec::new(),
            ephemeral_resources: names(&i.ephemeral)
                .into_iter()
                .map(|type_name| m::EphemeralMetadata { type_name })
                .collect(),
            list_resources: names(&i.lists)
                .into_iter()
                .map(|type_name| m::ListResourceMetadata { type_name })
                .collect(),
        })
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        fn schemas<T: ?Sized>(
            items: &BTreeMap<&'static str, Typed<T>>,
        ) -> HashMap<String, pb::Schema> {
            items
                .iter()
                .map(|(k, v)| (k.to_string(), schema_to_proto(&v.schema)))
                .collect()
        }
        let i = &self.inner;
        ok(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&i.schema)),
            resource_schemas: schemas(&i.resources),
            data_source_schemas: schemas(&i.data_sources),
            ephemeral_resource_schemas: schemas(&i.ephemeral),
            list_resource_schemas: schemas(&i.lists),
            server_capabilities: Some(capabilities()),
            diagnostics: diagnostics_to_proto(&self.schema_problems()),
            ..Default::default()
        })
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        let diagnostics = self.validate_rpc(
            "ValidateProviderConfig",
            ConfigKind::Provider,
            String::new(),
            req.config,
        );
        ok(pb::validate_provider_config::Response { diagnostics })
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let diagnostics = self.validate_rpc(
            "ValidateResourceConfig",
            ConfigKind::Resource,
            req.type_name,
            req.config,
        );
        ok(pb::validate_resource_config::Response { diagnostics })
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        let diagnostics = self.validate_rpc(
            "ValidateDataResourceConfig",
            ConfigKind::DataSource,
            req.type_name,
            req.config,
        );
        ok(pb::validate_data_resource_config::Response { diagnostics })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = request.into_inner();
        let diagnostics = self.validate_rpc(
            "ValidateEphemeralResourceConfig",
            ConfigKind::Ephemeral,
            req.type_name,
            req.config,
        );
        ok(pb::validate_ephemeral_resource_config::Response { diagnostics })
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let _span = span("UpgradeResourceState", &req.type_name).entered();
        let result = self.upgrade(&UpgradeState {
            type_name: req.type_name,
            version: req.version,
            json: req.raw_state.map(|s| s.json).unwrap_or_default(),
        });
        let (upgraded_state, diags) = match result {
            Ok(state) => (Some(state.into()), Diagnostics::new()),
            Err(d) => (None, d),
        };
        ok(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        ok(pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .identity_schemas()
                .map(|(name, schema)| (name.to_string(), identity_schema_to_proto(schema)))
                .collect(),
            diagnostics: Vec::new(),
        })
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = request.into_inner();
        let _span = span("UpgradeResourceIdentity", &req.type_name).entered();
        let result = self.upgrade_identity(&UpgradeIdentity {
            type_name: req.type_name,
            version: req.version,
            json: req.raw_identity.map(|s| s.json).unwrap_or_default(),
        });
        let (upgraded_identity, diags) = match result {
            Ok(identity) => (identity_wire(Some(identity)), Diagnostics::new()),
            Err(d) => (None, d),
        };
        ok(pb::upgrade_resource_identity::Response {
            upgraded_identity,
            diagnostics: diagnostics_to_proto(&diags),
        })
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let configure = Configure {
            config: value(req.config),
            terraform_version: req.terraform_version,
        };
        self.configure(&configure, &mut diags)
            .instrument(span("ConfigureProvider", ""))
            .await;
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
        let span = span("ReadResource", &req.type_name);
        let read = ReadState {
            type_name: req.type_name,
            current: value(req.current_state),
            identity: identity_value(req.current_identity),
        };
        let read = self.read(read, &mut diags).instrument(span).await;
        ok(pb::read_resource::Response {
            new_state: wire(read.state),
            diagnostics: diagnostics_to_proto(&diags),
            private: req.private,
            deferred: None,
            new_identity: identity_wire(read.identity),
        })
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let span = span("PlanResourceChange", &req.type_name);
        let change = PlanChange {
            type_name: req.type_name,
            prior: value(req.prior_state),
            proposed: value(req.proposed_new_state),
            config: value(req.config),
            prior_identity: identity_value(req.prior_identity),
            prior_private: req.prior_private,
        };
        let planned = self.plan(change, &mut diags).instrument(span).await;
        ok(pb::plan_resource_change::Response {
            planned_state: wire(planned.state),
            requires_replace: planned.requires_replace.iter().map(path_to_proto).collect(),
            planned_private: planned.private,
            diagnostics: diagnostics_to_proto(&diags),
            deferred: None,
            planned_identity: identity_wire(planned.identity),
        })
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let span = span("ApplyResourceChange", &req.type_name);
        let change = ApplyChange {
            type_name: req.type_name,
            prior: value(req.prior_state),
            planned: value(req.planned_state),
            config: value(req.config),
            planned_identity: identity_value(req.planned_identity),
            planned_private: req.planned_private.clone(),
        };
        let applied = self.apply(change, &mut diags).instrument(span).await;
        ok(pb::apply_resource_change::Response {
            new_state: wire(applied.state),
            private: req.planned_private,
            diagnostics: diagnostics_to_proto(&diags),
            new_identity: identity_wire(applied.identity),
        })
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let span = span("ImportResourceState", &req.type_name);
        let type_name = req.type_name.clone();
        let import = ImportState {
            type_name: req.type_name,
            id: req.id,
            identity: identity_value(req.identity),
        };
        let imported = self.import(import, &mut diags).instrument(span).await;
        let imported_resources = imported
            .map(|imported| pb::import_resource_state::ImportedResource {
                type_name,
                state: wire(imported.state),
                private: Vec::new(),
                identity: identity_wire(imported.identity),
            })
            .into_iter()
            .collect();
        ok(pb::import_resource_state::Response {
            imported_resources,
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
        let span = span("ReadDataSource", &req.type_name);
        let read = ReadData {
            type_name: req.type_name,
            config: value(req.config),
        };
        let state = self.read_data(read, &mut diags).instrument(span).await;
        ok(pb::read_data_source::Response {
            state: wire(state),
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
        let span = span("OpenEphemeralResource", &req.type_name);
        let open = ReadData {
            type_name: req.type_name,
            config: value(req.config),
        };
        let result = self.open(open, &mut diags).instrument(span).await;
        ok(pb::open_ephemeral_resource::Response {
            result: wire(result),
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

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = request.into_inner();
        let diagnostics = self.validate_rpc(
            "ValidateListResourceConfig",
            ConfigKind::List,
            req.type_name,
            req.config,
        );
        ok(pb::validate_list_resource_config::Response { diagnostics })
    }

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        let req = request.into_inner();
        let span = span("ListResource", &req.type_name);
        let query = ListQuery {
            type_name: req.type_name,
            config: value(req.config),
            include_resource: req.include_resource_object,
            limit: req.limit,
        };
        // The listing runs on its own task and streams as it finds objects;
        // when Terraform stops reading, sends fail and the listing stops.
        let (tx, rx) = tokio::sync::mpsc::channel(LIST_BUFFER);
        let server = self.clone();
        tokio::spawn(async move { server.list(query, tx).await }.instrument(span));
        let events = tokio_stream::wrappers::ReceiverStream::new(rx).map(|event| {
            Ok(pb::list_resource::Event {
                identity: identity_wire(event.identity),
                display_name: event.display_name,
                resource_object: wire(event.resource_object),
                diagnostic: diagnostics_to_proto(&event.diagnostics),
            })
        });
        ok(Box::pin(events))
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
        self.stop();
        ok(pb::stop_provider::Response::default())
    }
}
