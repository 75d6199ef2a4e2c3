//! The fixed account data every emulator starts with: tenants, clouds and the
//! Talos to Kubernetes version mapping of each cloud.
//!
//! | tenant | name | parent |
//! | --- | --- | --- |
//! | `tenant-1` (current) | Emulated Tenant | none |
//! | `tenant-2` | Emulated Customer A | `tenant-1` |
//! | `tenant-3` | Emulated Customer B | `tenant-1` |
//!
//! | cloud | name | Talos: Kubernetes versions |
//! | --- | --- | --- |
//! | `cloud-1` | Main HCP Cloud | 1.9.1: 1.31.2, 1.32.0; 1.8.3: 1.30.6, 1.31.2; 1.7.7: 1.29.10, 1.30.6 |
//! | `cloud-2` | Secondary Cloud | 1.8.3: 1.30.6, 1.31.2; 1.7.7: 1.29.10, 1.30.6 |
//!
//! Every tenant sees both clouds. Seeded objects were all created at
//! [`SEEDED_AT`], a fixed past instant (`createdAt` in the rich profile).

use time::OffsetDateTime;
use time::macros::datetime;

/// When every seeded tenant and cloud was created: `2024-01-15T08:00:00Z`,
/// a fixed instant in the past, the same in every run.
pub const SEEDED_AT: OffsetDateTime = datetime!(2024-01-15 08:00:00 UTC);

/// A tenant (organisation) as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Identifier, e.g. `tenant-1`.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// The parent tenant's identifier, `None` for the top-level tenant.
    pub parent: Option<String>,
    /// Always `active` in the emulator.
    pub status: String,
    /// `reseller` for the current tenant, `customer` for its children.
    pub kind: String,
    /// Creation time ([`SEEDED_AT`] for the seeded tenants).
    pub created_at: OffsetDateTime,
}

/// A cloud (a Xelon HCP location) and the versions it can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Identifier, e.g. `cloud-1`.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Cloud type (`hcp`).
    pub kind: String,
    /// Hypervisor type (`vmware`).
    pub hv_type: String,
    /// Talos version to the Kubernetes versions it can run, newest Talos first.
    pub versions: Vec<(String, Vec<String>)>,
    /// Creation time ([`SEEDED_AT`] for the seeded clouds).
    pub created_at: OffsetDateTime,
}

impl Cloud {
    /// The Kubernetes versions `talos` can run here, `None` for an unknown Talos.
    pub fn kubernetes_for(&self, talos: &str) -> Option<&[String]> {
        self.versions
            .iter()
            .find(|(t, _)| t == talos)
            .map(|(_, k8s)| k8s.as_slice())
    }

    /// The Talos versions able to run Kubernetes `k8s` here.
    pub fn talos_for(&self, k8s: &str) -> Vec<&str> {
        self.versions
            .iter()
            .filter(|(_, list)| list.iter().any(|v| v == k8s))
            .map(|(t, _)| t.as_str())
            .collect()
    }

    /// Every Talos version offered here.
    pub fn talos_versions(&self) -> Vec<&str> {
        self.versions.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// True when Talos `talos` can run Kubernetes `k8s` here.
    pub fn supports(&self, talos: &str, k8s: &str) -> bool {
        self.kubernetes_for(talos)
            .is_some_and(|list| list.iter().any(|v| v == k8s))
    }
}

/// The identifier of the tenant the token belongs to (`GET tenants/current`).
pub const CURRENT_TENANT: &str = "tenant-1";

/// The seeded tenants, current tenant first.
pub fn tenants() -> Vec<Tenant> {
    let tenant = |id: &str, name: &str, parent: Option<&str>, kind: &str| Tenant {
        identifier: id.to_owned(),
        name: name.to_owned(),
        parent: parent.map(str::to_owned),
        status: "active".to_owned(),
        kind: kind.to_owned(),
        created_at: SEEDED_AT,
    };
    vec![
        tenant(CURRENT_TENANT, "Emulated Tenant", None, "reseller"),
        tenant(
            "tenant-2",
            "Emulated Customer A",
            Some(CURRENT_TENANT),
            "customer",
        ),
        tenant(
            "tenant-3",
            "Emulated Customer B",
            Some(CURRENT_TENANT),
            "customer",
        ),
    ]
}

/// The seeded clouds.
pub fn clouds() -> Vec<Cloud> {
    let versions = |pairs: &[(&str, &[&str])]| {
        pairs
            .iter()
            .map(|(talos, k8s)| {
                (
                    (*talos).to_owned(),
                    k8s.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect()
    };
    vec![
        Cloud {
            identifier: "cloud-1".to_owned(),
            name: "Main HCP Cloud".to_owned(),
            kind: "hcp".to_owned(),
            hv_type: "vmware".to_owned(),
            versions: versions(&[
                ("1.9.1", &["1.31.2", "1.32.0"]),
                ("1.8.3", &["1.30.6", "1.31.2"]),
                ("1.7.7", &["1.29.10", "1.30.6"]),
            ]),
            created_at: SEEDED_AT,
        },
        Cloud {
            identifier: "cloud-2".to_owned(),
            name: "Secondary Cloud".to_owned(),
            kind: "hcp".to_owned(),
            hv_type: "vmware".to_owned(),
            versions: versions(&[
                ("1.8.3", &["1.30.6", "1.31.2"]),
                ("1.7.7", &["1.29.10", "1.30.6"]),
            ]),
            created_at: SEEDED_AT,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_lookups() {
        let cloud = &clouds()[0];
        assert!(cloud.supports("1.8.3", "1.31.2"));
        assert!(!cloud.supports("1.7.7", "1.31.2"));
        assert_eq!(cloud.talos_for("1.31.2"), vec!["1.9.1", "1.8.3"]);
        assert_eq!(cloud.kubernetes_for("9.9.9"), None);
    }
}
