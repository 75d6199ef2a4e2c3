//! Attribute paths: where inside a value something is (tfplugin's `AttributePath`).

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An attribute of an object, by name.
    Attribute(String),
    /// An element of a map, by key.
    ElementKeyString(String),
    /// An element of a list or tuple (or, in error messages, a set), by index.
    ElementKeyInt(i64),
}

impl PathStep {
    /// The step to element `i` of a list, set or tuple.
    pub(crate) fn index(i: usize) -> Self {
        PathStep::ElementKeyInt(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

/// A path from the root of a value to one of its parts; the empty path is the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributePath {
    /// The steps, outermost first.
    pub steps: Vec<PathStep>,
}

impl AttributePath {
    /// The empty path: the value itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path of one attribute step.
    pub fn attr(name: impl Into<String>) -> Self {
        Self::root().push_attr(name)
    }

    /// This path followed by an attribute step.
    pub fn push_attr(&self, name: impl Into<String>) -> Self {
        self.push(PathStep::Attribute(name.into()))
    }

    /// This path followed by a map-key step.
    pub fn push_key(&self, key: &str) -> Self {
        self.push(PathStep::ElementKeyString(key.to_owned()))
    }

    /// This path followed by a list-index step.
    pub fn push_index(&self, index: i64) -> Self {
        self.push(PathStep::ElementKeyInt(index))
    }

    /// This path followed by `step`.
    pub fn push(&self, step: PathStep) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Self { steps }
    }

    /// Whether this is the root path.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether `other` is a prefix of this path (every path starts with the root).
    pub fn starts_with(&self, other: &AttributePath) -> bool {
        self.steps.starts_with(&other.steps)
    }
}

/// HCL-like notation: `control_plane.cpu_core_count`, `nodes[0].id`, `tags["k"]`; the root is empty.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::ElementKeyString(key) => write!(f, "[{key:?}]")?,
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(AttributePath::root().to_string(), "");
        assert_eq!(
            AttributePath::attr("control_plane")
                .push_attr("cpu_core_count")
                .to_string(),
            "control_plane.cpu_core_count"
        );
        assert_eq!(
            AttributePath::attr("nodes")
                .push_index(0)
                .push_attr("id")
                .to_string(),
            "nodes[0].id"
        );
        assert_eq!(
            AttributePath::attr("tags").push_key("k").to_string(),
            r#"tags["k"]"#
        );
        assert_eq!(
            AttributePath::root()
                .push_index(2)
                .push_key("a\"b")
                .to_string(),
            r#"[2]["a\"b"]"#
        );
    }

    #[test]
    fn prefixes() {
        let p = AttributePath::attr("a").push_attr("b");
        assert!(p.starts_with(&AttributePath::root()));
        assert!(p.starts_with(&AttributePath::attr("a")));
        assert!(p.starts_with(&p));
        assert!(!AttributePath::attr("a").starts_with(&p));
        assert!(!p.starts_with(&AttributePath::attr("b")));
        assert!(AttributePath::root().is_empty() && !p.is_empty());
    }
}
