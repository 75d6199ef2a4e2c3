//! The operations behind the protocol's RPCs, in the framework's own types.
//!
//! Each takes a request struct whose values are still encoded as Terraform
//! sent them ([`Encoded`]), decodes them once with the registered type's
//! schema, calls the provider, resource or data source, applies the state
//! rules ([`crate::framework::state`]) and encodes the answer. Warnings and
//! errors go to the `diags` each operation is given; an `Err` means the
//! operation produced no value (the gRPC adapter then answers what Terraform
//! expects on failure).

use crate::framework::Private;
use crate::framework::list::ListSink;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::cty::{Type, Value};

use super::super::identity::{self, IdentitySchema};
use super::super::plan::{plan, validate_config};
use super::super::resource::*;
use super::super::{Diagnostic, Diagnostics, ListItem, ListRequest, ListResults, Schema, state};
use super::messages::*;
use super::{ClientState, ProtocolServer, Typed, lookup};

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
                        d.extend(
                            t.item
                                .validate_config(ValidateRequest { config: c })
                                .diagnostics,
                        )
                    })
                })
            }
            ConfigKind::DataSource => {
                lookup(&i.data_sources, "data source", &req.type_name).map(|t| {
                    validate_with(&t.schema, &t.ty, config, |c, d| {
                        d.extend(
                            t.item
                                .validate_config(ValidateRequest { config: c })
                                .diagnostics,
                        )
                    })
                })
            }
            ConfigKind::Ephemeral => lookup(&i.ephemeral, "ephemeral resource", &req.type_name)
                .map(|t| {
                    validate_with(&t.schema, &t.ty, config, |c, d| {
                        d.extend(
                            t.item
                                .validate_config(ValidateRequest { config: c })
                                .diagnostics,
                        )
                    })
                }),
            ConfigKind::List => lookup(&i.lists, "list resource", &req.type_name).map(|t| {
                validate_with(&t.schema, &t.ty, config, |c, d| {
                    d.extend(
                        t.item
                            .validate_config(ValidateRequest { config: c })
                            .diagnostics,
                    )
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

    /// The identity schema of each resource type that has one.
    pub fn identity_schemas(&self) -> impl Iterator<Item = (&'static str, &IdentitySchema)> {
        self.inner.identities.iter().map(|(k, v)| (*k, v))
    }

    /// Reads a stored identity with the current identity schema.
    pub fn upgrade_identity(&self, req: &UpgradeIdentity) -> Result<Encoded, Diagnostics> {
        lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let schema = self.identity_schema(&req.type_name)?;
        let identity = schema.upgrade(&req.type_name, req.version, &req.json)?;
        Ok(Encoded::encode(&identity, schema.ty())?)
    }

    fn identity_schema(&self, type_name: &str) -> Result<&IdentitySchema, Diagnostics> {
        self.inner.identities.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Resource has no identity",
                format!("{type_name} has no resource identity in this provider version."),
            )
            .into()
        })
    }

    /// The identity of `state` for Terraform to record, encoded: none when
    /// the type has no identity or the state lacks part of it. When `check`
    /// names the operation, an identity that differs from Terraform's
    /// stored `prior` one is an error (identities never change in place).
    fn identity_of(
        &self,
        type_name: &str,
        state: &Value,
        prior: Option<&Encoded>,
        check: Option<&str>,
        diags: &mut Diagnostics,
    ) -> Option<Encoded> {
        let schema = self.inner.identities.get(type_name)?;
        let identity = schema.of_state(state)?;
        if let Some(operation) = check {
            match Encoded::decode(prior, schema.ty()) {
                Ok(prior) if !identity::is_empty(&prior) && prior != identity => {
                    diags.extend(identity::changed(operation, &prior, &identity).into())
                }
                Ok(_) => {}
                Err(d) => diags.extend(d.into()),
            }
        }
        match Encoded::encode(&identity, schema.ty()) {
            Ok(encoded) => Some(encoded),
            Err(d) => {
                diags.extend(d.into());
                None
            }
        }
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

    /// The schemas' problems found when the server was built (see
    /// [`Schema::check`](crate::framework::Schema::check)), as errors for
    /// Terraform to show with the schemas: a provider bug, said loudly.
    pub fn schema_problems(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        for problem in &self.inner.schema_problems {
            d.error(
                "Invalid provider schema",
                format!("{problem}. This is a bug in the provider; please report it."),
            );
        }
        d
    }

    /// Refreshes a state. On failure the current state (and identity)
    /// stands (a failed refresh must not drop the object); null means the
    /// object is gone.
    pub async fn read(&self, req: ReadState, diags: &mut Diagnostics) -> Recorded {
        let unchanged = Recorded {
            state: req.current.clone(),
            identity: req.identity.clone(),
        };
        let result = async {
            let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
            let current = Encoded::decode(req.current.as_ref(), &r.ty)?;
            let Some(client) = self.client_if_known() else {
                diags.warning(
                    "Skipped refreshing state",
                    format!("The provider configuration is not known yet, so {} was not refreshed from the API.", req.type_name),
                );
                // Not refreshed; a state stored before identities still gets one.
                let identity = match &req.identity {
                    Some(known) => Some(known.clone()),
                    None => self.identity_of(&req.type_name, &current, None, None, diags),
                };
                return Ok(Recorded {
                    state: req.current.clone(),
                    identity,
                });
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
            let identity = self.identity_of(
                &req.type_name,
                &state,
                req.identity.as_ref(),
                Some("read"),
                diags,
            );
            Ok::<_, Diagnostics>(Recorded {
                state: Some(Encoded::encode(&state, &r.ty)?),
                identity,
            })
        }
        .await;
        result.unwrap_or_else(|d| {
            diags.extend(d);
            unchanged
        })
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
                private: Private::from_bytes(&req.prior_private),
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
            // An update in place keeps the identity; a replacement may change it.
            let in_place = !prior.is_null() && resp.requires_replace.is_empty();
            let identity = self.identity_of(
                &req.type_name,
                &resp.planned,
                req.prior_identity.as_ref(),
                in_place.then_some("planning"),
                diags,
            );
            Ok::<_, Diagnostics>(Planned {
                state: Some(Encoded::encode(&resp.planned, &r.ty)?),
                requires_replace: resp.requires_replace,
                identity,
                private: resp.private.to_bytes(),
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
    pub async fn apply(&self, req: ApplyChange, diags: &mut Diagnostics) -> Recorded {
        let result = self.apply_decoded(&req, diags).await;
        result.unwrap_or_else(|d| {
            diags.extend(d);
            // Nothing to record: the object stays as it was.
            Recorded {
                state: req.prior,
                identity: req.planned_identity,
            }
        })
    }

    async fn apply_decoded(
        &self,
        req: &ApplyChange,
        diags: &mut Diagnostics,
    ) -> Result<Recorded, Diagnostics> {
        let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
        let prior = Encoded::decode(req.prior.as_ref(), &r.ty)?;
        let planned = Encoded::decode(req.planned.as_ref(), &r.ty)?;
        let config = Encoded::decode(req.config.as_ref(), &r.ty)?;
        let client = self.client()?;
        let cancel = self.stop_token();
        let private = Private::from_bytes(&req.planned_private);
        if planned.is_null() {
            let d = r
                .item
                .delete(DeleteRequest {
                    client: &client,
                    prior: &prior,
                    cancel: &cancel,
                })
                .await
                .diagnostics;
            if d.has_errors() {
                // A failed delete keeps the object in state.
                return Err(d);
            }
            diags.extend(d);
            return Ok(Recorded {
                state: Some(Encoded::encode(&Value::Null, &r.ty)?),
                identity: None,
            });
        }
        let resp = if prior.is_null() {
            r.item
                .create(CreateRequest {
                    client: &client,
                    config: &config,
                    planned: &planned,
                    private: &private,
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
                    private: &private,
                    cancel: &cancel,
                })
                .await
        };
        if resp.state.is_null() && !prior.is_null() && resp.diagnostics.has_errors() {
            return Err(resp.diagnostics);
        }
        diags.extend(resp.diagnostics);
        let state = state::finish(resp.state, &r.ty, diags);
        // An update keeps the planned identity; a create makes the first one.
        let identity = self.identity_of(
            &req.type_name,
            &state,
            req.planned_identity.as_ref(),
            (!prior.is_null()).then_some("apply"),
            diags,
        );
        Ok(Recorded {
            state: Some(Encoded::encode(&state, &r.ty)?),
            identity,
        })
    }

    /// Adopts an existing object by its import ID or by its identity;
    /// answers its state (with its identity), which Terraform then
    /// refreshes with [`Self::read`].
    pub async fn import(&self, req: ImportState, diags: &mut Diagnostics) -> Option<Recorded> {
        let result = async {
            let r = lookup(&self.inner.resources, "resource type", &req.type_name)?;
            let state = match &req.identity {
                Some(given) if !given.msgpack.is_empty() || !given.json.is_empty() => {
                    // By identity: its attributes are the first state.
                    let schema = self.identity_schema(&req.type_name)?;
                    let given = Encoded::decode(Some(given), schema.ty())?;
                    schema.import_state(&given)?
                }
                _ => {
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
                    resp.state
                }
            };
            let state = state::finish(state, &r.ty, diags);
            let identity = self.identity_of(&req.type_name, &state, None, None, diags);
            Ok::<_, Diagnostics>(Recorded {
                state: Some(Encoded::encode(&state, &r.ty)?),
                identity,
            })
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

impl<P: Provider> ProtocolServer<P> {
    /// Runs a list block: streams each object the list resource finds to
    /// `events`, at most `limit` of them, then its diagnostics. Problems
    /// before the listing starts (an unknown type, no client) are one event
    /// of diagnostics.
    pub async fn list(&self, req: ListQuery, events: mpsc::Sender<ListEvent>) {
        let i = &self.inner;
        let setup = (|| {
            let l = lookup(&i.lists, "list resource", &req.type_name)?;
            let r = lookup(&i.resources, "resource type", &req.type_name)?;
            let identity = i.identities.get(req.type_name.as_str()).ok_or_else(|| {
                Diagnostic::error(
                    "List resource without identity",
                    format!("The list resource {} lists a resource type without an identity. This is a bug in the provider; please report it.", req.type_name),
                )
            })?;
            let config = Encoded::decode(req.config.as_ref(), &l.ty)?;
            let limit = usize::try_from(req.limit).map_err(|_| {
                Diagnostic::error(
                    "Invalid list limit",
                    format!(
                        "The limit of a list block must not be negative, got {}.",
                        req.limit
                    ),
                )
            })?;
            let client = self.client()?;
            Ok::<_, Diagnostics>((l, r.ty.clone(), identity.clone(), config, limit, client))
        })();
        let (l, ty, identity, config, limit, client) = match setup {
            Ok(s) => s,
            Err(diagnostics) => {
                let _ = events
                    .send(ListEvent {
                        diagnostics,
                        ..Default::default()
                    })
                    .await;
                return;
            }
        };
        let include = req.include_resource;
        let sink = EventSink {
            ty,
            identity,
            include,
            events,
        };
        let mut out = ListResults::new(limit, Box::new(sink));
        if out.is_stopped() {
            return;
        }
        let diagnostics = l
            .item
            .list(
                ListRequest {
                    client: &client,
                    config: &config,
                    include_resource: include,
                    limit,
                    cancel: &self.stop_token(),
                },
                &mut out,
            )
            .await;
        out.diagnostics(diagnostics).await;
    }
}

/// One list result as Terraform receives it: the identity derived from its
/// state (none is a provider bug, reported as an error), and the state
/// itself when asked for.
fn list_event(item: ListItem, ty: &Type, identity: &IdentitySchema, include: bool) -> ListEvent {
    let mut diagnostics = item.diagnostics;
    let state = state::finish(item.state, ty, &mut diagnostics);
    let Some(id) = identity.of_state(&state) else {
        diagnostics.error(
            "Incomplete list result",
            format!(
                "The provider listed {:?} without its identity. This is a bug in the provider; please report it.",
                item.display_name
            ),
        );
        return ListEvent {
            diagnostics,
            ..Default::default()
        };
    };
    let encoded = Encoded::encode(&id, identity.ty()).and_then(|identity| {
        let object = include.then(|| Encoded::encode(&state, ty)).transpose()?;
        Ok((identity, object))
    });
    match encoded {
        Ok((identity, resource_object)) => ListEvent {
            identity: Some(identity),
            display_name: item.display_name,
            resource_object,
            diagnostics,
        },
        Err(d) => {
            diagnostics.extend(d.into());
            ListEvent {
                diagnostics,
                ..Default::default()
            }
        }
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

/// The server's [`ListSink`]: each result encoded into a [`ListEvent`] of
/// the stream to Terraform.
struct EventSink {
    ty: Type,
    identity: IdentitySchema,
    include: bool,
    events: mpsc::Sender<ListEvent>,
}

#[async_trait::async_trait]
impl ListSink for EventSink {
    async fn send(&mut self, item: ListItem) -> bool {
        let event = list_event(item, &self.ty, &self.identity, self.include);
        let failed = event.diagnostics.has_errors();
        self.events.send(event).await.is_ok() && !failed
    }

    async fn send_diagnostics(&mut self, diagnostics: Diagnostics) {
        let _ = self
            .events
            .send(ListEvent {
                diagnostics,
                ..Default::default()
            })
            .await;
    }
}
