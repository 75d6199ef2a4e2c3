//! The protocol server, generic over a [`Provider`]: the registry of its
//! types with their schemas, the configured client, and the stop token.
//!
//! - [`messages`]: the framework's own request and answer types of the RPCs.
//! - [`operations`]: what each RPC does, in those types.
//! - `grpc`: the tonic service, a thin adapter (decode the protobuf
//!   request, call the operation, encode the answer): the only code in the
//!   crate that sees the generated `tfplugin6` types.
//!
//! Provider failures are diagnostics; a gRPC `Status` is used only for
//! transport-level failures.

mod grpc;
pub mod messages;
pub mod operations;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

use crate::cty::Type;

use super::identity::IdentitySchema;
use super::resource::*;
use super::{Diagnostic, Diagnostics, ListResource, Schema};

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
    lists: BTreeMap<&'static str, Typed<dyn ListResource<P::Client>>>,
    /// The identity schema of each resource type that has one.
    identities: BTreeMap<&'static str, IdentitySchema>,
    /// What [`Schema::check`] found wrong in any schema when the server was
    /// built (a provider bug), reported with the schemas to Terraform.
    schema_problems: Vec<String>,
    client: RwLock<ClientState<P::Client>>,
    /// Cancelled by `StopProvider`; replaced by a fresh token afterwards.
    stop: Mutex<CancellationToken>,
}

enum ClientState<C> {
    NotConfigured,
    Unknown,
    Ready(Arc<C>),
}

/// Every problem [`Schema::check`] finds in the provider's schema and in
/// each registered type's, named by the type.
fn schema_problems<R: ?Sized, D: ?Sized, E: ?Sized, L: ?Sized>(
    provider: &Schema,
    resources: &BTreeMap<&'static str, Typed<R>>,
    data_sources: &BTreeMap<&'static str, Typed<D>>,
    ephemeral: &BTreeMap<&'static str, Typed<E>>,
    lists: &BTreeMap<&'static str, Typed<L>>,
) -> Vec<String> {
    fn of<T: ?Sized>(kind: &str, items: &BTreeMap<&'static str, Typed<T>>) -> Vec<String> {
        items
            .iter()
            .flat_map(|(name, t)| {
                t.schema
                    .check()
                    .into_iter()
                    .map(move |p| format!("{kind} {name}: {p}"))
            })
            .collect()
    }
    let mut problems: Vec<String> = provider
        .check()
        .into_iter()
        .map(|p| format!("provider: {p}"))
        .collect();
    problems.extend(of("resource", resources));
    problems.extend(of("data source", data_sources));
    problems.extend(of("ephemeral resource", ephemeral));
    problems.extend(of("list resource", lists));
    problems
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
        let lists = typed(
            provider
                .list_resources()
                .into_iter()
                .map(|l| (l.type_name(), l.schema(), l))
                .collect(),
        );
        let identities = resources
            .iter()
            .filter_map(|(name, r)| {
                let identity = r.item.identity()?;
                match IdentitySchema::new(&identity, &r.schema) {
                    Ok(schema) => Some((*name, schema)),
                    Err(e) => {
                        // A provider bug (its tests check every identity):
                        // serve the resource without an identity.
                        tracing::error!(resource = name, error = %e, "invalid resource identity; leaving it out");
                        None
                    }
                }
            })
            .collect();
        let schema_problems =
            schema_problems(&schema, &resources, &data_sources, &ephemeral, &lists);
        for problem in &schema_problems {
            tracing::error!(%problem, "invalid schema (a provider bug)");
        }
        Self {
            inner: Arc::new(Inner {
                provider,
                schema,
                ty,
                resources,
                data_sources,
                ephemeral,
                lists,
                identities,
                schema_problems,
                client: RwLock::new(ClientState::NotConfigured),
                stop: Mutex::new(CancellationToken::new()),
            }),
        }
    }

    /// Cancels in-flight operations (`StopProvider`); later ones get a fresh token.
    pub fn stop(&self) {
        let mut stop = self.inner.stop.lock().unwrap_or_else(|e| e.into_inner());
        stop.cancel();
        *stop = CancellationToken::new();
        tracing::info!("StopProvider: cancelled in-flight operations");
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod identity_tests;
