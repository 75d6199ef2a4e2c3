//! Account objects used to find IDs: tenants and clouds.

use super::lenient;
use serde::{Deserialize, Serialize};

/// A tenant (an organisation in Xelon HQ).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tenant {
    /// The tenant's id.
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The tenant's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The parent tenant, when any.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub parent: Option<String>,
    /// The tenant's status.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// The tenant's type.
    #[serde(rename = "type", deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
}

/// A cloud (a pool of hypervisors a cluster runs on).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cloud {
    /// The cloud's id.
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: String,
    /// The cloud's name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The cloud's type.
    #[serde(rename = "type", deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
    /// The hypervisor type.
    #[serde(rename = "hvType", deserialize_with = "lenient::opt_string")]
    pub hv_type: Option<String>,
}
