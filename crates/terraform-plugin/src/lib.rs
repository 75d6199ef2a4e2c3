//! terraform-plugin: a framework for writing Terraform providers in Rust. It
//! knows Terraform and nothing of any one provider's API (see `README.md`
//! for a provider with one resource).
//!
//! # Layout
//!
//! Each layer knows only the ones below it:
//!
//! - [`plugin`]: the go-plugin contract (magic cookie, version negotiation,
//!   AutoMTLS, the handshake line, health and controller services, logging).
//! - `proto`: the generated `tfplugin6` and go-plugin gRPC code (private to
//!   the crate; converted at one boundary, the framework server's gRPC
//!   adapter).
//! - [`cty`]: Terraform's type system: types, values that are known, null or
//!   unknown at any depth, and their msgpack and JSON codecs.
//! - [`framework`]: schemas, validators, diagnostics, typed models
//!   ([`framework::model`]), the plan rules and the state rules, the
//!   `Provider`/`Resource`/`DataSource`/`EphemeralResource`/`ListResource`
//!   traits, and the server: operations in the framework's own types
//!   ([`framework::server::operations`]) behind a thin tonic adapter, the
//!   only code that sees `tfplugin6`; [`framework::serve`] runs a provider.

#![warn(missing_docs)]

pub mod cty;
pub mod framework;
pub mod plugin;
mod proto;

/// The README's example compiles (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
