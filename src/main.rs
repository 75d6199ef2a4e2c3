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
    plugin::logging::init();
    let options = ServeOptions {
        debug: args.iter().any(|a| a == "--debug"),
        provider_address: PROVIDER_ADDRESS.to_string(),
    };
    match xelon_provider::framework::serve(XelonProvider, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(PluginError::NotStartedByTerraform) => {
            eprintln!("{}", plugin::handshake::NOT_A_PROGRAM);
            ExitCode::from(1)
        }
        Err(e) => {
            tracing::error!(error = %e, "provider stopped");
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}
