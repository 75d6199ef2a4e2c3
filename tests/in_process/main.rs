//! The middle test layer: the real Xelon provider driven through its
//! `tfplugin6` gRPC server, in-process, by the generated tonic client, with
//! no Terraform CLI. The server listens on `127.0.0.1:0` (plain TCP, no
//! go-plugin handshake or mTLS) and talks to an in-process emulator that
//! provisions instantly, so the whole binary runs in seconds.
//!
//! Each test starts its own emulator and provider ([`harness::Harness`]),
//! speaks the protocol as Terraform does (msgpack `DynamicValue`s typed by
//! the schemas `GetProviderSchema` serves, Terraform's proposed new state,
//! its plan and apply consistency checks) and asserts on what really
//! happened: the emulator's truth endpoint (`/_emulator/clusters`), the
//! requests it saw, the states and the diagnostics' attribute paths.
//!
//! The emulator's API profile follows `$XELON_EMULATOR_PROFILE` (`rich`, the
//! default, or `sdk`), as in the acceptance suites.

#[path = "../support/mod.rs"]
mod support;

/// The generated `tfplugin6` messages and client (the crate keeps its own
/// copy private).
#[allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]
mod tfplugin6 {
    include!(concat!(env!("OUT_DIR"), "/tfplugin6.rs"));
}

mod cluster;
mod emulator;
mod failures;
mod harness;
mod node_pool;
mod reads;
mod values;
