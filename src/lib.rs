//! terraform-provider-xelon: a Terraform provider for Xelon HQ Kubernetes (XKS).
//!
//! # Layout
//!
//! Each layer knows only the one below it:
//!
//! - [`plugin`]: the go-plugin contract (magic cookie, version negotiation,
//!   AutoMTLS, the handshake line, health and controller services, logging).
//! - `proto`: the generated `tfplugin6` and go-plugin gRPC code (private to
//!   the crate; converted at one boundary, the framework server's gRPC
//!   adapter).
//! - [`cty`]: Terraform's type system: types, values that are known, null or
//!   unknown at any depth, and their msgpack and JSON codecs.
//! - [`framework`]: Xelon-agnostic schemas, validators, diagnostics, typed
//!   models ([`framework::model`]), the plan rules and the state rules, the
//!   `Resource`/`DataSource`/`EphemeralResource`/`ListResource` traits, and
//!   the server: operations in the framework's own types
//!   ([`framework::server::operations`]) behind a thin tonic adapter, the
//!   only code that sees `tfplugin6`.
//! - [`xelon`]: the Xelon HQ REST API client.
//! - [`provider`]: the Xelon provider: configuration, and one file (or
//!   folder) per resource, data source, ephemeral resource and list
//!   resource, each with its schema and model beside its CRUD; API errors
//!   become diagnostics in one place ([`provider::errors`]).
//! - [`emulator`]: a local, stateful Xelon API for offline testing.
//! - [`docs`]: Terraform Registry docs generated from the schemas and
//!   `examples/` (used by `xelon-docs`, not at run time).

#![warn(missing_docs)]

pub mod cty;
pub mod docs;
pub mod emulator;
pub mod framework;
pub mod plugin;
mod proto;
pub mod provider;
pub mod xelon;
