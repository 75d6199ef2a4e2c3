//! The operations behind the protocol's RPCs, in the framework's own types.
//!
//! Each takes a request struct whose values are still encoded as Terraform
//! sent them ([`Encoded`]), decodes them once with the registered type's
//! schema, calls the provider, resource or data source, applies the state
//! rules ([`crate::framework::state`]) and encodes the answer. Warnings and
//! errors go to the `diags` each operation is given; an `Err` means the
//! operation produced no value (the gRPC adapter then answers what Terraform
//! expects on failure).

use std::sync::Arc;

use crate::cty::{self, AttributePath, Type, Value};

use super::super::plan::{plan, validate_config};
use super::super::resource::*;
use super::super::{Diagnostic, Diagnostics, Schema, state};
use super::{ClientState, ProtocolServer, Typed, lookup};

/// A value as Terraform sends and receives it: msgpack, or JSON where
/// Terraform uses that. Empty (both empty) means null.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded {
    /// The msgpack encoding, when set.
    pub msgpack: Vec<u8>,
    /// The JSON encoding, when set (and msgpack is not).
    pub json: Vec<u8>,
}

impl Encoded {
    /// Decodes a value of type `ty`; an absent or empty value is null.
    pub fn decode(value: Option<&Encoded>, ty: &Type) -> Result<Value, Diagnostic> {
        let decoded = match value {
            Some(v) if !v.msgpack.is_empty() => cty::decode_msgpack(&v.msgpack, ty),
            Some(v) if !v.json.is_empty() => cty::decode_json_bytes(&v.json, ty),
            _ => return Ok(Value::Null),
        };
        decoded.map_err(|e| Diagnostic::error("Invalid value from Terraform", e.to_string()))
    }

    /// Encodes `value` of type `ty` as msgpack.
    pub fn encode(value: &Value, ty: &Type) -> Result<Encoded, Diagnostic> {
        cty::encode_msgpack(value, ty)
            .map(|msgpack| Encoded {
                msgpack,
                json: Vec::new(),
            })
            .map_err(|e| {
                Diagnostic::error(
                    "Provider produced a value that does not match its schema",
                    format!("{e}. This is a bug in the provider; please report it."),
                )
            })
    }
}

/// Which kind of configuration to validate.
#[derive(Clone, Copy, Debug)]
pub enum ConfigKind {
    /// The provider block.
    Provider,
    /// A managed resource.
    Resource,
    /// A data source.
    DataSource,
    /// An ephemeral resource.
    Ephemeral,
}

/// `ValidateProviderConfig`, `ValidateResourceConfig`, …: a configuration to check.
pub struct ValidateConfig {
    /// What is validated.
    pub kind: ConfigKind,
    /// The type name (empty for the provider).
    pub type_name: String,
    /// The configuration, possibly with unknown values.
    pub config: Option<Encoded>,
}

/// `UpgradeResourceState`: a stored state to read with the current schema.
pub struct UpgradeState {
    /// The resource type.
    pub type_name: String,
    /// The schema version the state was written with.
    pub version: i64,
    /// The stored state as JSON.
    pub json: Vec<u8>,
}

/// `ConfigureProvider`: the provider block.
pub struct Configure {
    /// The provider configuration.
    pub config: Option<Encoded>,
    /// The running Terraform's version.
    pub terraform_version: String,
}

/// `ReadResource`: a state to refresh.
pub struct ReadState {
    /// The resource type.
    pub type_name: String,
    /// The current state.
    pub current: Option<Encoded>,
}

/// `PlanResourceChange`: what Terraform proposes.
pub struct PlanChange {
    /// The resource type.
    pub type_name: String,
    /// The prior state (null on create).
    pub prior: Option<Encoded>,
    /// Terraform's proposed new state (null on destroy).
    pub proposed: Option<Encoded>,
    /// The configuration.
    pub config: Option<Encoded>,
}

/// The answer to [`PlanChange`].
#[derive(Default)]
pub struct Planned {
    /// The planned state.
    pub state: Option<Encoded>,
    /// Attributes whose change forces replacement, sorted and unique.
    pub requires_replace: Vec<AttributePath>,
}

/// `ApplyResourceChange`: a planned change to carry out.
pub struct ApplyChange {
    /// The resource type.
    pub type_name: String,
    /// The prior state (null on create).
    pub prior: Option<Encoded>,
    /// The planned state (null on destroy).
    pub planned: Option<Encoded>,
    /// The configuration.
    pub config: Option<Encoded>,
}

/// `ImportResourceState`: an object to adopt.
pub struct ImportState {
    /// The resource type.
    pub type_name: String,
    /// The import ID the user gave.
    pub id: String,
}

/// `ReadDataSource` and `OpenEphemeralResource`: a configuration to read with.
pub struct ReadData {
    /// The data source or ephemeral resource type.
    pub type_name: String,
    /// The configuration (wholly known).
    pub config: Option<Encoded>,
}

impl<P: Provider> ProtocolServer<P> {
    /// Validates a configuration: the schema's attribute validators, then
    /// the type's own cross-attribute checks.
    pub fn validate(&self, req: &ValidateConfig) -> Diagnostics {
        let i = &self.inner;
        let config = req.config.as_ref();
        let result = match req.kind {
            ConfigKind::Provider => Ok(validate_with(&i.schema, &i.ty, config, |_, _| {})),
            ConfigKind::Resource => {
                lookup(&i.resources, "resource type", &req.type_name).map(|t| {
                    validate_with(&t.schema, &t.ty, config, |c, d| {
                        t.item.validate_config(c, d)
                    })
                })
            }
            ConfigKind::DataSource => {
                lookup(&i.data_sources, "data source", &req.type_name).map(|t| {
                    validate_with(&t.schema, &t.ty, config, |c, d| {
                        t.item.validate_config(c, d)
                    })
                })
            }
            ConfigKind::Ephemeral => lookup(&i.ephemeral, "ephemeral resource", &req.type_name)
                .map(|t| {
                    validate_with(&t.schema, &t.ty, config, |c, d| {
                        t.item.validate_config(c, d)
                    })
                }),
        };
        result.unwrap_or_else(|d| d)
    }

    /// Reads a stored state with the current schema (see [`state::upgrade`]).
    pub fn upgrade(&self, req: &UpgradeState) -> Result<Encoded, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let state = state::upgrade(&r.schema, &r.ty, &req.type_name, req.version, &req.json)?;
        Ok(Encoded::encode(&state, &r.ty)?)
    }

    /// Builds the API client from the provider block.
    pub async fn configure(&self, req: &Configure, diags: &mut Diagnostics) {
        let config = match Encoded::decode(req.config.as_ref(), &self.inner.ty) {
            Ok(c) => c,
            Err(d) => return diags.extend(d.into()),
        };
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
    }

    /// Refreshes a state. On failure the current state stands (a failed
    /// refresh must not drop the object); null means the object is gone.
    pub async fn read(&self, req: ReadState, diags: &mut Diagnostics) -> Option<Encoded> {
        let current_encoded = req.current;
        let result = async {
            let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
            let current = Encoded::decode(current_encoded.as_ref(), &r.ty)?;
            let Some(client) = self.client_if_known() else {
                diags.warning(
                    "Skipped refreshing state",
                    format!("The provider configuration is not known yet, so {} was not refreshed from the API.", req.type_name),
                );
                return Ok(None);
            };
            let resp = r
                .item
                .read(ReadRequest {
                    client: &client,
                    state: &current,
                    cancel: &self.stop_token(),
                })
                .await;
            if resp.diagnostics.has_errors() && resp.state.is_null() {
                return Err(resp.diagnostics);
            }
            diags.extend(resp.diagnostics);
            let state = state::finish(resp.state, &r.ty, diags);
            Ok(Some(Encoded::encode(&state, &r.ty)?))
        }
        .await;
        match result {
            Ok(Some(state)) => Some(state),
            Ok(None) => current_encoded,
            Err(d) => {
                diags.extend(d);
                current_encoded
            }
        }
    }

    /// Plans a change: the generic rules of [`plan`], then the resource's hook.
    pub async fn plan(&self, req: PlanChange, diags: &mut Diagnostics) -> Planned {
        let result = async {
            let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
            let proposed = Encoded::decode(req.proposed.as_ref(), &r.ty)?;
            if proposed.is_null() {
                // Destroy: nothing to plan.
                return Ok(Planned::default());
            }
            let prior = Encoded::decode(req.prior.as_ref(), &r.ty)?;
            let config = Encoded::decode(req.config.as_ref(), &r.ty)?;
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
                cancel: &self.stop_token(),
            };
            r.item.modify_plan(hook, &mut resp).await;
            diags.extend(resp.diagnostics);
            resp.requires_replace.sort();
            resp.requires_replace.dedup();
            Ok::<_, Diagnostics>(Planned {
                state: Some(Encoded::encode(&resp.planned, &r.ty)?),
                requires_replace: resp.requires_replace,
            })
        }
        .await;
        result.unwrap_or_else(|d| {
            diags.extend(d);
            Planned::default()
        })
    }

    /// Carries out a planned create, update or delete. What it answers is
    /// what Terraform records: on failure the new object's partial state
    /// (tainted on create), or the prior state when nothing changed.
    pub async fn apply(&self, req: ApplyChange, diags: &mut Diagnostics) -> Option<Encoded> {
        let result = self.apply_decoded(&req, diags).await;
        result.unwrap_or_else(|d| {
            diags.extend(d);
            // Nothing to record: the object stays as it was.
            req.prior
        })
    }

    async fn apply_decoded(
        &self,
        req: &ApplyChange,
        diags: &mut Diagnostics,
    ) -> Result<Option<Encoded>, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let prior = Encoded::decode(req.prior.as_ref(), &r.ty)?;
        let planned = Encoded::decode(req.planned.as_ref(), &r.ty)?;
        let config = Encoded::decode(req.config.as_ref(), &r.ty)?;
        let client = self.client()?;
        let cancel = self.stop_token();
        if planned.is_null() {
            let d = r
                .item
                .delete(DeleteRequest {
                    client: &client,
                    prior: &prior,
                    cancel: &cancel,
                })
                .await;
            if d.has_errors() {
                // A failed delete keeps the object in state.
                return Err(d);
            }
            diags.extend(d);
            return Ok(Some(Encoded::encode(&Value::Null, &r.ty)?));
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
            r.item
                .update(UpdateRequest {
                    client: &*client,
                    config: &config,
                    prior: &prior,
                    planned: &planned,
                    cancel: &cancel,
                })
                .await
        };
        if resp.state.is_null() && !prior.is_null() && resp.diagnostics.has_errors() {
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        let state = state::finish(resp.state, &r.ty, diags);
        Ok(Some(Encoded::encode(&state, &r.ty)?))
    }

    /// Adopts an existing object by its import ID; answers its state, which
    /// Terraform then refreshes with [`Self::read`].
    pub async fn import(&self, req: ImportState, diags: &mut Diagnostics) -> Option<Encoded> {
        let result = async {
            let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
            let client = self.client()?;
            let resp = r
                .item
                .import(ImportRequest {
                    client: &client,
                    type_name: &req.type_name,
                    id: &req.id,
                    cancel: &self.stop_token(),
                })
                .await;
            if resp.diagnostics.has_errors() || resp.state.is_null() {
                return Err(resp.diagnostics);
            }
            diags.extend(resp.diagnostics);
            let state = state::finish(resp.state, &r.ty, diags);
            Ok::<_, Diagnostics>(Encoded::encode(&state, &r.ty)?)
        }
        .await;
        result.map_err(|d| diags.extend(d)).ok()
    }

    /// Reads a data source.
    pub async fn read_data(&self, req: ReadData, diags: &mut Diagnostics) -> Option<Encoded> {
        let result = async {
            let ds = lookup(&self.inner.data_sources, "data source", &req.type_name)?;
            let config = Encoded::decode(req.config.as_ref(), &ds.ty)?;
            let client = self.client()?;
            let resp = ds
                .item
                .read(DataReadRequest {
                    client: &client,
                    config: &config,
                    cancel: &self.stop_token(),
                })
                .await;
            finish_read(resp.state, resp.diagnostics, ds, diags)
        }
        .await;
        result.map_err(|d| diags.extend(d)).ok()
    }

    /// Opens an ephemeral resource for this run.
    pub async fn open(&self, req: ReadData, diags: &mut Diagnostics) -> Option<Encoded> {
        let result = async {
            let e = lookup(&self.inner.ephemeral, "ephemeral resource", &req.type_name)?;
            let config = Encoded::decode(req.config.as_ref(), &e.ty)?;
            let client = self.client()?;
            let resp = e
                .item
                .open(OpenRequest {
                    client: &client,
                    config: &config,
                    cancel: &self.stop_token(),
                })
                .await;
            finish_read(resp.result, resp.diagnostics, e, diags)
        }
        .await;
        result.map_err(|d| diags.extend(d)).ok()
    }
}

/// Validates a configuration of `schema`'s type: the schema's attribute
/// validators, then the type's own cross-attribute `check`.
fn validate_with(
    schema: &Schema,
    ty: &Type,
    config: Option<&Encoded>,
    check: impl FnOnce(&Value, &mut Diagnostics),
) -> Diagnostics {
    match Encoded::decode(config, ty) {
        Ok(config) => {
            let mut diags = validate_config(schema, &config);
            check(&config, &mut diags);
            diags
        }
        Err(d) => d.into(),
    }
}

/// The value a data source or ephemeral resource read, fit to return; none on errors.
fn finish_read<T: ?Sized>(
    value: Value,
    found: Diagnostics,
    typed: &Typed<T>,
    diags: &mut Diagnostics,
) -> Result<Encoded, Diagnostics> {
    if found.has_errors() {
        return Err(found);
    }
    diags.extend(found);
    let value = state::finish(value, &typed.ty, diags);
    Ok(Encoded::encode(&value, &typed.ty)?)
}
