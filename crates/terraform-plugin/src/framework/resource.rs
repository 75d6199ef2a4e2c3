//! The traits a provider implements: [`Provider`], [`Resource`],
//! [`DataSource`] and [`EphemeralResource`] (and [`ListResource`], in
//! [`crate::framework::list`]). Their methods take a request struct (so new
//! fields never break signatures); failures are [`Diagnostics`].

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::cty::{AttributePath, Value};

use super::{Diagnostics, Identity, ListResource, Private, Schema};

/// A provider: its configuration schema, how it turns configuration into an
/// API client, and the resources and data sources it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The configured API client handed to resources and data sources.
    type Client: Send + Sync + 'static;

    /// The provider block's schema.
    fn schema(&self) -> Schema;

    /// Checks the provider block's model type against its schema, with
    /// [`crate::framework::model::check_model`]: an empty list when they
    /// agree. One generic test calls it with every registered type's.
    fn check_model(&self) -> Vec<String> {
        vec!["the provider block has no typed model".into()]
    }

    /// Builds the client from the provider block. `Ok(None)` means the
    /// configuration is not known yet (it depends on other resources):
    /// planning goes on without API calls.
    async fn configure(&self, req: ConfigureRequest<'_>) -> ConfigureResponse<Self::Client>;

    /// Every managed resource type, registered once.
    fn resources(&self) -> Vec<Box<dyn Resource<Self::Client>>>;

    /// Every data source type, registered once.
    fn data_sources(&self) -> Vec<Box<dyn DataSource<Self::Client>>>;

    /// Every ephemeral resource type, registered once.
    fn ephemeral_resources(&self) -> Vec<Box<dyn EphemeralResource<Self::Client>>> {
        Vec::new()
    }

    /// Every list resource type (`terraform query`, Terraform 1.14+),
    /// registered once; each lists a managed resource type that has an
    /// identity.
    fn list_resources(&self) -> Vec<Box<dyn ListResource<Self::Client>>> {
        Vec::new()
    }
}

/// The provider block, as configured.
pub struct ConfigureRequest<'a> {
    /// The configuration (may contain unknown values).
    pub config: &'a Value,
    /// The Terraform version calling us, e.g. `1.15.5`.
    pub terraform_version: &'a str,
}

/// The outcome of configuring a provider.
pub struct ConfigureResponse<C> {
    /// The client, or `None` when the configuration is not fully known yet.
    pub client: Option<C>,
    /// Errors and warnings about the configuration.
    pub diagnostics: Diagnostics,
}

/// A managed resource type. `C` is the provider's configured client.
#[async_trait]
pub trait Resource<C: Send + Sync + 'static>: Send + Sync {
    /// The full type name, e.g. `xelon_kubernetes_cluster`.
    fn type_name(&self) -> &'static str;

    /// The resource's schema.
    fn schema(&self) -> Schema;

    /// Checks this resource's model type against its schema, with
    /// [`crate::framework::model::check_model`]: an empty list when they
    /// agree. One generic test calls it for every registered type.
    fn check_model(&self) -> Vec<String> {
        vec![format!("{} has no typed model", self.type_name())]
    }

    /// The state attributes that make up the resource's identity (Terraform
    /// 1.12+), if it has one. The server derives the identity from every
    /// state it answers and imports by identity from these attributes alone
    /// (then [`Resource::read`] fills in the rest), so a resource with an
    /// identity must read from a state that holds only them.
    fn identity(&self) -> Option<Identity> {
        None
    }

    /// Checks across attributes of a (possibly partly unknown) configuration;
    /// attribute validators have already run.
    fn validate_config(&self, _req: ValidateRequest<'_>) -> ValidateResponse {
        ValidateResponse::default()
    }

    /// Resource-specific planning, after the generic rules. `resp.planned`
    /// holds the generic plan; the hook may change it, add replace paths or
    /// diagnostics. Not called on destroy.
    async fn modify_plan(&self, _req: PlanRequest<'_, C>, _resp: &mut PlanResponse) {}

    /// Creates the object. On failure after the object exists, return its
    /// partial state (at least the ID) together with the error, so
    /// Terraform records it as tainted instead of losing it.
    async fn create(&self, req: CreateRequest<'_, C>) -> ApplyResponse;

    /// Refreshes the state from the API; a null state means the object is gone.
    async fn read(&self, req: ReadRequest<'_, C>) -> ReadResponse;

    /// Updates the object in place.
    async fn update(&self, req: UpdateRequest<'_, C>) -> ApplyResponse;

    /// Deletes the object and waits until it is gone.
    async fn delete(&self, req: DeleteRequest<'_, C>) -> DeleteResponse;

    /// Turns an import ID into a state that identifies the object; Terraform
    /// then calls [`Resource::read`] to fill in the rest. (An import by
    /// identity never comes here: see [`Resource::identity`].)
    async fn import(&self, req: ImportRequest<'_, C>) -> ImportResponse {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error(
            "Import not supported",
            format!("{} cannot be imported.", req.type_name),
        );
        ImportResponse {
            state: Value::Null,
            diagnostics,
        }
    }
}

/// Input of [`Resource::modify_plan`].
pub struct PlanRequest<'a, C> {
    /// The client, when the provider configuration is known.
    pub client: Option<&'a C>,
    /// The configuration (may contain unknown values).
    pub config: &'a Value,
    /// The prior state; null when the object is being created.
    pub prior: &'a Value,
    /// Cancelled when Terraform stops the provider (Ctrl-C).
    pub cancel: &'a CancellationToken,
}

/// Output of planning; pre-filled by the generic rules.
pub struct PlanResponse {
    /// The planned new state.
    pub planned: Value,
    /// The resource's private data for the apply of this plan (see
    /// [`crate::framework::private`]): pre-filled with the prior state's,
    /// and handed to [`CreateRequest::private`] or
    /// [`UpdateRequest::private`] as the hook leaves it.
    pub private: Private,
    /// Paths whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// Input of [`Resource::create`].
pub struct CreateRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The configuration.
    pub config: &'a Value,
    /// The planned state (computed attributes may be unknown).
    pub planned: &'a Value,
    /// The private data the plan left ([`PlanResponse::private`]).
    pub private: &'a Private,
    /// Cancelled when Terraform stops the provider (Ctrl-C).
    pub cancel: &'a CancellationToken,
}

/// Input of [`Resource::update`].
pub struct UpdateRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The configuration.
    pub config: &'a Value,
    /// The state before the change.
    pub prior: &'a Value,
    /// The planned state (computed attributes may be unknown).
    pub planned: &'a Value,
    /// The private data the plan left ([`PlanResponse::private`]).
    pub private: &'a Private,
    /// Cancelled when Terraform stops the provider.
    pub cancel: &'a CancellationToken,
}

/// Input of [`Resource::read`].
pub struct ReadRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The current state.
    pub state: &'a Value,
    /// Cancelled when Terraform stops the provider.
    pub cancel: &'a CancellationToken,
}

/// Input of [`Resource::delete`].
pub struct DeleteRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The state of the object to delete.
    pub prior: &'a Value,
    /// Cancelled when Terraform stops the provider.
    pub cancel: &'a CancellationToken,
}

/// Output of [`Resource::delete`].
#[derive(Default)]
pub struct DeleteResponse {
    /// Errors (the object stays in state) and warnings.
    pub diagnostics: Diagnostics,
}

impl From<Result<(), Diagnostics>> for DeleteResponse {
    fn from(result: Result<(), Diagnostics>) -> Self {
        DeleteResponse {
            diagnostics: result.err().unwrap_or_default(),
        }
    }
}

/// Input of `validate_config`: a configuration whose attribute validators
/// have passed (values may still be unknown).
pub struct ValidateRequest<'a> {
    /// The configuration.
    pub config: &'a Value,
}

/// Output of `validate_config`.
#[derive(Default)]
pub struct ValidateResponse {
    /// Errors and warnings, with their attribute paths.
    pub diagnostics: Diagnostics,
}

impl From<Diagnostics> for ValidateResponse {
    fn from(diagnostics: Diagnostics) -> Self {
        ValidateResponse { diagnostics }
    }
}

/// Input of [`Resource::import`].
pub struct ImportRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The resource type being imported.
    pub type_name: &'a str,
    /// The ID the user gave.
    pub id: &'a str,
    /// Cancelled when Terraform stops the provider (Ctrl-C).
    pub cancel: &'a CancellationToken,
}

/// The result of create or update.
pub struct ApplyResponse {
    /// The new state; attributes may be left out (they become null).
    pub state: Value,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

impl ApplyResponse {
    /// A successful result.
    pub fn ok(state: Value) -> Self {
        Self {
            state,
            diagnostics: Diagnostics::new(),
        }
    }

    /// A failure that still records `state` (e.g. the new object's ID).
    pub fn failed(state: Value, diagnostics: Diagnostics) -> Self {
        Self { state, diagnostics }
    }
}

/// The result of read.
pub struct ReadResponse {
    /// The refreshed state, or null when the object no longer exists.
    pub state: Value,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// The result of import.
pub struct ImportResponse {
    /// A state holding what the ID determines (attributes may be left out).
    pub state: Value,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// A state read with its warnings, or the errors that stopped the read.
impl From<Result<(Value, Diagnostics), Diagnostics>> for ReadResponse {
    fn from(result: Result<(Value, Diagnostics), Diagnostics>) -> Self {
        let (state, diagnostics) = result.unwrap_or_else(|errors| (Value::Null, errors));
        Self { state, diagnostics }
    }
}

/// A state read, or the errors that stopped the read.
impl From<Result<Value, Diagnostics>> for ReadResponse {
    fn from(result: Result<Value, Diagnostics>) -> Self {
        result.map(|state| (state, Diagnostics::new())).into()
    }
}

/// The imported state, or the errors that stopped the import.
impl From<Result<Value, Diagnostics>> for ImportResponse {
    fn from(result: Result<Value, Diagnostics>) -> Self {
        let read = ReadResponse::from(result);
        Self {
            state: read.state,
            diagnostics: read.diagnostics,
        }
    }
}

/// A data source type. `C` is the provider's configured client.
#[async_trait]
pub trait DataSource<C: Send + Sync + 'static>: Send + Sync {
    /// The full type name, e.g. `xelon_cloud`.
    fn type_name(&self) -> &'static str;

    /// The data source's schema.
    fn schema(&self) -> Schema;

    /// Checks this data source's model type against its schema, with
    /// [`crate::framework::model::check_model`]: an empty list when they
    /// agree. One generic test calls it for every registered type.
    fn check_model(&self) -> Vec<String> {
        vec![format!("{} has no typed model", self.type_name())]
    }

    /// Checks across attributes of a (possibly partly unknown) configuration.
    fn validate_config(&self, _req: ValidateRequest<'_>) -> ValidateResponse {
        ValidateResponse::default()
    }

    /// Reads the data.
    async fn read(&self, req: DataReadRequest<'_, C>) -> ReadResponse;
}

/// Input of [`DataSource::read`].
pub struct DataReadRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The configuration (wholly known).
    pub config: &'a Value,
    /// Cancelled when Terraform stops the provider.
    pub cancel: &'a CancellationToken,
}

/// An ephemeral resource type (Terraform 1.10+): data that is opened for one
/// Terraform run and never written to state or plan files, such as credentials.
#[async_trait]
pub trait EphemeralResource<C: Send + Sync + 'static>: Send + Sync {
    /// The full type name, e.g. `xelon_kubernetes_kubeconfig`.
    fn type_name(&self) -> &'static str;

    /// The ephemeral resource's schema.
    fn schema(&self) -> Schema;

    /// Checks this ephemeral resource's model type against its schema, with
    /// [`crate::framework::model::check_model`]: an empty list when they
    /// agree. One generic test calls it for every registered type.
    fn check_model(&self) -> Vec<String> {
        vec![format!("{} has no typed model", self.type_name())]
    }

    /// Checks across attributes of a (possibly partly unknown) configuration.
    fn validate_config(&self, _req: ValidateRequest<'_>) -> ValidateResponse {
        ValidateResponse::default()
    }

    /// Produces the value for this run.
    async fn open(&self, req: OpenRequest<'_, C>) -> OpenResponse;
}

/// Input of [`EphemeralResource::open`].
pub struct OpenRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The configuration (wholly known).
    pub config: &'a Value,
    /// Cancelled when Terraform stops the provider.
    pub cancel: &'a CancellationToken,
}

/// The result of [`EphemeralResource::open`].
pub struct OpenResponse {
    /// The value (attributes may be left out; they become null).
    pub result: Value,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// The value opened, or the errors that stopped it.
impl From<Result<Value, Diagnostics>> for OpenResponse {
    fn from(result: Result<Value, Diagnostics>) -> Self {
        let read = ReadResponse::from(result);
        Self {
            result: read.state,
            diagnostics: read.diagnostics,
        }
    }
}
