//! The framework's own request and answer types for the protocol's RPCs:
//! what the gRPC adapter builds from each protobuf request and turns each
//! answer back into. Values stay encoded as Terraform sent them
//! ([`Encoded`]) until an operation decodes them with the schema of the
//! type they belong to.

use crate::cty::{self, AttributePath, Type, Value};

use super::super::{Diagnostic, Diagnostics};

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
    /// A list resource's `config`.
    List,
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

/// `UpgradeResourceIdentity`: a stored identity to read with the current
/// identity schema.
pub struct UpgradeIdentity {
    /// The resource type.
    pub type_name: String,
    /// The identity schema version the identity was written with.
    pub version: i64,
    /// The stored identity as JSON.
    pub json: Vec<u8>,
}

/// `ReadResource`: a state to refresh.
pub struct ReadState {
    /// The resource type.
    pub type_name: String,
    /// The current state.
    pub current: Option<Encoded>,
    /// The current identity, if Terraform stored one.
    pub identity: Option<Encoded>,
}

/// A state for Terraform to record, with the identity derived from it
/// (none when the resource has no identity or the state lacks it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorded {
    /// The state.
    pub state: Option<Encoded>,
    /// Its identity.
    pub identity: Option<Encoded>,
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
    /// The prior identity (null on create).
    pub prior_identity: Option<Encoded>,
    /// The prior state's private data.
    pub prior_private: Vec<u8>,
}

/// The answer to [`PlanChange`].
#[derive(Default)]
pub struct Planned {
    /// The planned state.
    pub state: Option<Encoded>,
    /// Attributes whose change forces replacement, sorted and unique.
    pub requires_replace: Vec<AttributePath>,
    /// The planned identity (none while an attribute of it is unknown).
    pub identity: Option<Encoded>,
    /// The private data for the apply.
    pub private: Vec<u8>,
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
    /// The planned identity.
    pub planned_identity: Option<Encoded>,
    /// The plan's private data.
    pub planned_private: Vec<u8>,
}

/// `ImportResourceState`: an object to adopt, by import ID or by identity.
pub struct ImportState {
    /// The resource type.
    pub type_name: String,
    /// The import ID the user gave (empty on an import by identity).
    pub id: String,
    /// The identity the user gave (`import { identity = {...} }`); when
    /// set, the import is by identity.
    pub identity: Option<Encoded>,
}

/// `ListResource`: a list block to run.
pub struct ListQuery {
    /// The list resource type (the managed resource type it lists).
    pub type_name: String,
    /// The list block's `config`.
    pub config: Option<Encoded>,
    /// Whether to send each object's state.
    pub include_resource: bool,
    /// At most this many results (Terraform stops reading after them).
    pub limit: i64,
}

/// One event of a `ListResource` stream: a result (identity, display name,
/// state when asked for), or diagnostics alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListEvent {
    /// The object's identity (none on an event of diagnostics alone).
    pub identity: Option<Encoded>,
    /// The name for people.
    pub display_name: String,
    /// The object's state, when the request includes resources.
    pub resource_object: Option<Encoded>,
    /// Warnings and errors; an error ends the listing.
    pub diagnostics: Diagnostics,
}

/// `ReadDataSource` and `OpenEphemeralResource`: a configuration to read with.
pub struct ReadData {
    /// The data source or ephemeral resource type.
    pub type_name: String,
    /// The configuration (wholly known).
    pub config: Option<Encoded>,
}
