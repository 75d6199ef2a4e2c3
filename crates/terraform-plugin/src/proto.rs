//! Generated gRPC code for the Terraform plugin protocol (`tfplugin6`) and
//! go-plugin's controller service. Crate-private: the rest of the crate
//! converts to and from these types at one boundary ([`crate::framework::server`]).

#![allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]

/// `tfplugin6`: the Terraform plugin protocol, version 6.
pub(crate) mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// `plugin`: go-plugin's own services.
pub(crate) mod plugin {
    tonic::include_proto!("plugin");
}
