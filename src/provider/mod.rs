//! The Xelon provider (in progress).
/// The provider's registry address.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/xelon-ag/xelon";
/// Placeholder.
#[derive(Default)]
pub struct XelonProvider;
