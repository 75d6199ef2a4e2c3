//! Checks at plan time: high availability, downgrades, and the versions the
//! cloud offers.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::framework::model::Tri;
use crate::xelon::models::VersionMap;
use crate::xelon::version::compare_versions;

use super::super::plan_rules::check_disk_not_shrunk;
use super::{ClusterModel, Part, Spec};

/// Whether `part` of `cluster` is highly available, where known.
fn ha(cluster: &ClusterModel, part: Part) -> Option<bool> {
    let spec: &Tri<Spec> = match part {
        Part::ControlPlane => &cluster.control_plane,
        Part::LoadBalancer => &cluster.load_balancer,
    };
    spec.known()
        .and_then(|s| s.high_availability_enabled.known().copied())
}

/// The parts whose high availability the plan turns on: the one predicate
/// behind the check below and the update's step.
pub(super) fn turning_on_ha(prior: &ClusterModel, planned: &ClusterModel) -> Vec<Part> {
    [Part::ControlPlane, Part::LoadBalancer]
        .into_iter()
        .filter(|p| ha(prior, *p) == Some(false) && ha(planned, *p) == Some(true))
        .collect()
}

/// Which version goes first when both change: `Some(true)` for Talos (the
/// cloud offers the new Talos with the old Kubernetes), `Some(false)` for
/// Kubernetes (it offers the old Talos with the new Kubernetes), `None`
/// when neither pair in between is offered. The one rule behind the check
/// below and the update's order.
pub(super) fn talos_first(map: &VersionMap, old: (&str, &str), new: (&str, &str)) -> Option<bool> {
    let ((old_talos, old_k8s), (talos, k8s)) = (old, new);
    if map.offers(talos, old_k8s) {
        Some(true)
    } else if map.offers(old_talos, k8s) {
        Some(false)
    } else {
        None
    }
}

/// High availability can be turned on (for both parts together) but never off.
pub(super) fn check_high_availability(
    prior: &ClusterModel,
    planned: &ClusterModel,
    diags: &mut Diagnostics,
) {
    let parts = [Part::ControlPlane, Part::LoadBalancer];
    for part in parts {
        let path = AttributePath::attr(part.attr()).push_attr("high_availability_enabled");
        if ha(prior, part) == Some(true) && ha(planned, part) == Some(false) {
            diags.attribute_error(
                path.clone(),
                "High availability cannot be turned off",
                format!("The {} of this cluster is highly available, and Xelon cannot turn that off. Keep {path} = true, or replace the cluster (terraform apply -replace=...).", part.label()),
            );
        }
    }
    let enabling = turning_on_ha(prior, planned);
    if enabling.is_empty() {
        return;
    }
    for part in parts {
        if ha(planned, part) == Some(false) {
            let other = enabling.first().map_or("", |p| p.label());
            let path = AttributePath::attr(part.attr()).push_attr("high_availability_enabled");
            diags.attribute_error(
                path.clone(),
                "High availability must be turned on for both parts together",
                format!("Xelon turns on high availability for the control plane and the load balancer in one step. You are turning it on for the {other}: set {path} = true too."),
            );
        }
    }
}

/// Disks never shrink: the control plane's holds the cluster's etcd data,
/// and a smaller load-balancer disk would mean a new cluster (the API cannot
/// resize load balancers).
pub(super) fn check_no_shrink(
    prior: &ClusterModel,
    planned: &ClusterModel,
    diags: &mut Diagnostics,
) {
    let disk = |m: &ClusterModel, part: Part| {
        let spec = match part {
            Part::ControlPlane => &m.control_plane,
            Part::LoadBalancer => &m.load_balancer,
        };
        spec.known().and_then(|s| s.disk_size.known().copied())
    };
    for (part, holds) in [
        (
            Part::ControlPlane,
            "the control plane's disk holds the cluster's state (etcd: every Kubernetes object)",
        ),
        (
            Part::LoadBalancer,
            "the load balancer cannot be resized, so a smaller disk would replace the whole cluster, with every workload and volume in it",
        ),
    ] {
        check_disk_not_shrunk(
            diags,
            AttributePath::attr(part.attr()).push_attr("disk_size"),
            disk(prior, part),
            disk(planned, part),
            holds,
            "create a new cluster with the smaller size (another resource, another name), move the workloads and their data to it, then remove this one from the configuration.",
        );
    }
}

/// Versions only go forward.
pub(super) fn check_no_downgrade(
    prior: &ClusterModel,
    planned: &ClusterModel,
    diags: &mut Diagnostics,
) {
    for (name, old, new) in [
        (
            "kubernetes_version",
            &prior.kubernetes_version,
            &planned.kubernetes_version,
        ),
        (
            "talos_version",
            &prior.talos_version,
            &planned.talos_version,
        ),
    ] {
        if let (Some(old), Some(new)) = (old.known(), new.known())
            && compare_versions(new, old).is_lt()
        {
            diags.attribute_error(
                AttributePath::attr(name),
                "Downgrades are not supported",
                format!("{name} can only be upgraded: the cluster runs {old}, and {new} is older."),
            );
        }
    }
}

/// When both versions change, one of them is upgraded first: the pair in
/// between must be offered too, or the upgrade has to be split.
pub(super) fn check_upgrade_path(
    map: &VersionMap,
    old: (&str, &str),
    new: (&str, &str),
    diags: &mut Diagnostics,
) {
    let ((old_talos, old_k8s), (talos, k8s)) = (old, new);
    if old_talos == talos || old_k8s == k8s || !map.offers(talos, k8s) {
        return;
    }
    if talos_first(map, old, new).is_some() {
        return;
    }
    let step = map
        .kubernetes_versions(old_talos)
        .iter()
        .filter(|v| map.offers(talos, v) && compare_versions(v, old_k8s).is_gt())
        .max_by(|a, b| compare_versions(a, b));
    let hint = match step {
        Some(v) => format!(
            " Upgrade in two applies: first kubernetes_version = \"{v}\" (runs on both Talos {old_talos} and {talos}), then the rest."
        ),
        None => String::new(),
    };
    diags.attribute_error(
        AttributePath::attr("kubernetes_version"),
        "No direct upgrade path",
        format!("Talos and Kubernetes are upgraded one after the other, but neither Talos {talos} with Kubernetes {old_k8s} nor Talos {old_talos} with Kubernetes {k8s} is offered.{hint}"),
    );
}

/// The Talos/Kubernetes pair must be offered by the cloud.
pub(super) fn check_version_pair(
    map: &VersionMap,
    talos: &str,
    k8s: &str,
    diags: &mut Diagnostics,
) {
    if !map.0.contains_key(talos) {
        diags.attribute_error(
            AttributePath::attr("talos_version"),
            "Unsupported Talos version",
            format!(
                "This cloud offers Talos {}; {talos:?} is not one of them.",
                map.talos_versions().join(", ")
            ),
        );
    } else if !map.offers(talos, k8s) {
        let mut offered: Vec<&str> = map
            .kubernetes_versions(talos)
            .iter()
            .map(String::as_str)
            .collect();
        offered.sort_by(|a, b| compare_versions(b, a));
        let other_talos: Vec<&str> = map
            .talos_versions()
            .into_iter()
            .filter(|t| map.offers(t, k8s))
            .collect();
        let hint = if other_talos.is_empty() {
            String::new()
        } else {
            format!(
                " Kubernetes {k8s} runs on Talos {}.",
                other_talos.join(", ")
            )
        };
        diags.attribute_error(
            AttributePath::attr("kubernetes_version"),
            "Kubernetes version not offered for this Talos version",
            format!(
                "Talos {talos} runs Kubernetes {}; {k8s:?} is not one of them.{hint}",
                offered.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{cluster, errors_at, spec};
    use super::*;

    #[test]
    fn ha_rules() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        let mut d = Diagnostics::new();
        check_high_availability(
            &prior,
            &cluster("1.8.3", "1.31.2", spec(2, true), spec(2, true)),
            &mut d,
        );
        assert!(d.is_empty());
        check_high_availability(
            &prior,
            &cluster("1.8.3", "1.31.2", spec(2, true), spec(2, false)),
            &mut d,
        );
        assert_eq!(
            errors_at(&d),
            vec!["load_balancer.high_availability_enabled"]
        );
        let mut d = Diagnostics::new();
        let ha = cluster("1.8.3", "1.31.2", spec(2, true), spec(2, true));
        check_high_availability(
            &ha,
            &cluster("1.8.3", "1.31.2", spec(2, false), spec(2, true)),
            &mut d,
        );
        assert_eq!(
            errors_at(&d),
            vec!["control_plane.high_availability_enabled"]
        );
    }

    #[test]
    fn version_checks() {
        let map = VersionMap(
            [
                (
                    "1.8.3".to_string(),
                    vec!["1.30.6".to_string(), "1.31.2".to_string()],
                ),
                ("1.7.7".to_string(), vec!["1.29.10".to_string()]),
            ]
            .into_iter()
            .collect(),
        );
        let mut d = Diagnostics::new();
        check_version_pair(&map, "1.8.3", "1.31.2", &mut d);
        assert!(d.is_empty());
        check_version_pair(&map, "1.8.3", "1.29.10", &mut d);
        assert_eq!(errors_at(&d), vec!["kubernetes_version"]);
        assert!(
            d.0[0].detail.contains("1.31.2, 1.30.6") && d.0[0].detail.contains("Talos 1.7.7"),
            "{}",
            d.0[0].detail
        );
        let mut d = Diagnostics::new();
        check_version_pair(&map, "9.9.9", "1.31.2", &mut d);
        assert_eq!(errors_at(&d), vec!["talos_version"]);
        let mut d = Diagnostics::new();
        let mut map = map;
        map.0
            .insert("1.9.1".into(), vec!["1.31.2".into(), "1.32.0".into()]);
        check_upgrade_path(&map, ("1.8.3", "1.31.2"), ("1.9.1", "1.32.0"), &mut d);
        assert!(d.is_empty());
        check_upgrade_path(&map, ("1.8.3", "1.30.6"), ("1.9.1", "1.32.0"), &mut d);
        assert_eq!(errors_at(&d), vec!["kubernetes_version"]);
        assert!(
            d.0[0]
                .detail
                .contains("first kubernetes_version = \"1.31.2\""),
            "{}",
            d.0[0].detail
        );
        let mut d = Diagnostics::new();
        check_no_downgrade(
            &cluster("1.8.3", "1.31.2", Tri::Null, Tri::Null),
            &cluster("1.8.3", "1.30.6", Tri::Null, Tri::Null),
            &mut d,
        );
        assert_eq!(errors_at(&d), vec!["kubernetes_version"]);
    }
}
