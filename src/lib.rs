//! terraform-provider-xelon: a Terraform provider for Xelon HQ Kubernetes (XKS).
//!
//! # Layout
//!
//! The layers are crates of one workspace, so that the compiler keeps each
//! to the ones below it:
//!
//! - `terraform-plugin` (`crates/terraform-plugin/`), Xelon-agnostic:
//!   [`plugin`], the go-plugin contract (magic cookie, version negotiation,
//!   AutoMTLS, the handshake line, health and controller services, logging);
//!   the generated `tfplugin6` and go-plugin gRPC code (private to that
//!   crate; converted at one boundary, the framework server's gRPC adapter);
//!   [`cty`], Terraform's type system: types, values that are known, null or
//!   unknown at any depth, and their msgpack and JSON codecs; and
//!   [`framework`]: schemas, validators, diagnostics, typed models
//!   ([`framework::model`]), the plan rules and the state rules, the
//!   `Resource`/`DataSource`/`EphemeralResource`/`ListResource` traits, and
//!   the server: operations in the framework's own types
//!   ([`framework::server::operations`]) behind a thin tonic adapter, the
//!   only code that sees `tfplugin6`.
//! - `xelon-client` (`crates/xelon-client/`), re-exported here as [`xelon`]:
//!   the Xelon HQ REST API client. It knows nothing of Terraform.
//! - this package: [`provider`], the Xelon provider: configuration, and one
//!   file (or folder) per resource, data source, ephemeral resource and list
//!   resource, each with its schema and model beside its CRUD; API errors
//!   become diagnostics in one place ([`provider::errors`]); [`docs`],
//!   Terraform Registry docs generated from the schemas and `examples/`
//!   (used by `xelon-docs`, not at run time); and the binaries
//!   `terraform-provider-xelon` and `xelon-docs`.
//! - `xelon-emulator` (`crates/xelon-emulator/`): a local, stateful Xelon
//!   API for offline testing, and its `xelon-emulator` binary. It shares no
//!   code with the client, and the provider does not link it (nor its web
//!   stack): only this package's tests use it.

#![warn(missing_docs)]
// `xelon::Error` is the same 128-byte enum it was as a module, but clippy
// measures an error enum of the crate being linted by its largest variant's
// fields (114 bytes, under the lint's 128) and one of another crate by its
// whole layout: since the client became a crate, result_large_err flags the
// provider's functions that return it. Boxing it would change the client's API.
#![allow(clippy::result_large_err)]

pub use terraform_plugin::{cty, framework, plugin};
pub use xelon_client as xelon;

pub mod docs;
pub mod provider;
