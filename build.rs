//! Compiles the Terraform plugin protocol into a tonic client for the
//! in-process tests (`tests/in_process/`), which speak `tfplugin6` to the
//! provider as Terraform does. Nothing in this package's library or binaries
//! includes it: the provider gets the protocol from the `terraform-plugin`
//! crate, which keeps its own generated code private.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "crates/terraform-plugin/proto/tfplugin6.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["crates/terraform-plugin/proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        .compile_fds(descriptors)?;
    Ok(())
}
