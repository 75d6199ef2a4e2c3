//! Version ordering: semantic-versioning precedence, as Talos and
//! Kubernetes versions need.

/// Compares two versions by semantic-versioning precedence: numerically
/// part by part (`1.10.0` > `1.9.3`; missing parts count as 0), a release
/// after its pre-releases (`1.10.0` > `1.10.0-beta.2` > `1.10.0-beta.1`).
/// Lenient: a leading `v` and build metadata (`+...`) are ignored, and
/// non-numeric parts compare as text after numeric ones.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn split(s: &str) -> (Vec<&str>, Option<Vec<&str>>) {
        let s = s.trim().trim_start_matches(['v', 'V']);
        let s = s.split('+').next().unwrap_or_default();
        match s.split_once('-') {
            Some((core, pre)) => (core.split('.').collect(), Some(pre.split('.').collect())),
            None => (s.split('.').collect(), None),
        }
    }
    /// Numeric identifiers compare numerically and before text ones.
    fn identifier(x: &str, y: &str) -> Ordering {
        match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        }
    }
    let ((core_a, pre_a), (core_b, pre_b)) = (split(a), split(b));
    for i in 0..core_a.len().max(core_b.len()) {
        let ord = identifier(core_a.get(i).unwrap_or(&"0"), core_b.get(i).unwrap_or(&"0"));
        if ord.is_ne() {
            return ord;
        }
    }
    match (pre_a, pre_b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x
            .iter()
            .zip(&y)
            .map(|(p, q)| identifier(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_semver_precedence() {
        use std::cmp::Ordering::*;
        let cases = [
            ("1.30.6", "1.9.1", Greater),
            ("1.29.10", "1.29.9", Greater),
            ("1.8.3", "1.8.3", Equal),
            ("1.8", "1.8.3", Less),
            ("1.8", "1.8.0", Equal),
            ("v1.10.0", "1.10.0", Equal),
            ("1.10.0", "1.10.0-beta.2", Greater),
            ("1.10.0-beta.11", "1.10.0-beta.2", Greater),
            ("1.10.0-beta", "1.10.0-alpha.1", Greater),
            ("1.10.0+build.7", "1.10.0", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }
}
