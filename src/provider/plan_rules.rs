//! Plan-time rules shared by the resources.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;

/// A disk never shrinks: the Xelon API only grows disks, and a smaller disk
/// could only be had by replacing what holds it, with the data on it.
/// `holds` says what is on the disk (`the etcd data of the control plane`);
/// `instead` how to get a smaller one deliberately. Growing, or a size not
/// known on either side (an import, an unknown value), passes.
pub(crate) fn check_disk_not_shrunk(
    diags: &mut Diagnostics,
    path: AttributePath,
    prior: Option<u32>,
    planned: Option<u32>,
    holds: &str,
    instead: &str,
) {
    let (Some(from), Some(to)) = (prior, planned) else {
        return;
    };
    if to >= from {
        return;
    }
    let what = if to == 0 {
        "Removing a disk".to_owned()
    } else {
        format!("Shrinking a disk from {from} GB to {to} GB")
    };
    diags.attribute_error(
        path.clone(),
        "A disk cannot shrink",
        format!(
            "{what} would destroy the data on it: {holds}. The Xelon API only grows disks, so nothing is planned. Keep {path} at {from} or more (growing it happens in place).\n\nTo get a smaller disk deliberately: {instead}"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(prior: Option<u32>, planned: Option<u32>) -> Diagnostics {
        let mut d = Diagnostics::new();
        check_disk_not_shrunk(
            &mut d,
            AttributePath::attr("disk_size"),
            prior,
            planned,
            "the node's files",
            "make a new one.",
        );
        d
    }

    #[test]
    fn only_a_shrink_is_refused() {
        assert!(check(Some(50), Some(100)).is_empty(), "growing");
        assert!(check(Some(50), Some(50)).is_empty());
        assert!(check(None, Some(10)).is_empty(), "nothing known before");
        assert!(check(Some(50), None).is_empty(), "unknown at plan");
        let d = check(Some(50), Some(20));
        let e = d.iter().next().expect("an error");
        assert_eq!(e.attribute, Some(AttributePath::attr("disk_size")));
        assert!(e.detail.contains("from 50 GB to 20 GB"), "{}", e.detail);
        let d = check(Some(100), Some(0));
        let e = d.iter().next().expect("an error");
        assert!(e.detail.starts_with("Removing a disk"), "{}", e.detail);
        assert!(d.has_errors());
    }
}
