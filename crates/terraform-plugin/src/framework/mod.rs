//! A small, Xelon-agnostic framework for Terraform providers, in the spirit
//! of terraform-plugin-framework: declarative [`schema`]s with
//! [`validators`], [`diagnostics`], typed [`model`]s read from and written
//! to Terraform values, the generic [`plan`] rules, the [`state`] rules, the
//! [`resource`] traits a provider implements (with resource [`identity`] and
//! [`list`] resources), and the [`server`] that serves them over the plugin
//! protocol.

pub mod diagnostics;
pub mod identity;
pub mod list;
pub mod model;
pub mod plan;
pub mod private;
pub mod resource;
pub mod schema;
pub mod server;
pub mod state;
pub mod timeouts;
pub mod validators;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use identity::Identity;
pub use list::{ListItem, ListRequest, ListResource, ListResults};
pub use private::Private;
pub use resource::*;
pub use schema::{Attribute, AttributeType, Nesting, Schema};
pub use server::ProtocolServer;

/// Serves `provider` as a Terraform plugin (see [`crate::plugin::serve`]).
pub async fn serve<P: Provider>(
    provider: P,
    options: crate::plugin::ServeOptions,
) -> Result<(), crate::plugin::PluginError> {
    crate::plugin::serve(ProtocolServer::new(provider).into_service(), options).await
}
