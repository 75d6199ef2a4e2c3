//! `terraform-provider-xelon`: the provider binary Terraform starts.
//!
//! Run by hand it explains itself and exits 1; `--debug` serves without
//! Terraform's handshake and prints a `TF_REATTACH_PROVIDERS` line. Started
//! by Terraform, it serves until Terraform shuts it down, or exits by itself
//! within a second once Terraform is gone (killed, crashed): see
//! [`plugin::parent`].

use std::process::ExitCode;

use xelon_provider::plugin::{self, PluginError, ServeOptions};
use xelon_provider::provider::{PROVIDER_ADDRESS, XelonProvider};

/// Logged at the level Terraform asks for (besides the plugin crate's own
/// events): the provider's crates, and the API client's `xelon` target.
const LOG_TARGETS: &[&str] = &[
    "xelon_provider",
    "terraform_provider_xelon",
    "xelon_client",
    "xelon",
];

/// Printed after go-plugin's "not meant to be executed" when run by hand.
const HOW_TO_USE: &str = "\
terraform-provider-xelon is a Terraform provider: declare it in a
`required_providers` block (source \"xelon-ag/xelon\" or your mirror's
address) and run `terraform init`. For local development, point Terraform at
this binary with a CLI configuration file using `dev_overrides`, or run it
with --debug and export the TF_REATTACH_PROVIDERS line it prints.";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-v") {
        println!("terraform-provider-xelon {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if let Some(unknown) = args.iter().find(|a| a.as_str() != "--debug") {
        eprintln!("unknown argument {unknown:?}; the only flags are --debug and --version");
        return ExitCode::from(2);
    }
    plugin::logging::init("xelon", LOG_TARGETS);
    let options = ServeOptions {
        debug: args.iter().any(|a| a == "--debug"),
        provider_address: PROVIDER_ADDRESS.to_string(),
    };
    match xelon_provider::framework::serve(XelonProvider, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(PluginError::NotStartedByTerraform) => {
            eprintln!("{}\n\n{HOW_TO_USE}", plugin::handshake::NOT_A_PROGRAM);
            ExitCode::from(1)
        }
        Err(e) => {
            tracing::error!(error = %e, "provider stopped");
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}
