//! terraform-provider-xelon: a Terraform provider for Xelon HQ Kubernetes (XKS).
//!
//! # Layout
//!
//! Each layer knows only the one below it:
//!
//! - [`plugin`]: the go-plugin contract (magic cookie, version negotiation,
//!   AutoMTLS, the handshake line, health and controller services, logging).
//! - `proto`: the generated `tfplugin6` and go-plugin gRPC code (private to
//!   the crate; converted at one boundary in [`framework::server`]).
//! - [`cty`]: Terraform's type system: types, values that are known, null or
//!   unknown at any depth, and their msgpack and JSON codecs.
//! - [`framework`]: Xelon-agnostic schemas, diagnostics, plan rules and the
//!   `Resource`/`DataSource` traits, served over `tfplugin6`.
//! - [`xelon`]: the Xelon HQ REST API client.
//! - [`provider`]: the Xelon provider: configuration, resources and data sources.
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
