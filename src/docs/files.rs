//! Reading examples, and comparing and writing the generated files under
//! `docs/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use super::{DocsError, GENERATED_MARKER, io_error};

/// The trimmed contents of `path`, or `None` when it does not exist.
pub(super) fn read_optional(path: &Path) -> Result<Option<String>, DocsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// How a file under docs/ differs from what [`render`](super::render) produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Rendered but not on disk.
    Missing(PathBuf),
    /// On disk with other content.
    Changed(PathBuf),
    /// A generated file on disk that is no longer rendered.
    Stale(PathBuf),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(p) => write!(f, "missing: {}", p.display()),
            Difference::Changed(p) => write!(f, "changed: {}", p.display()),
            Difference::Stale(p) => write!(f, "stale:   {}", p.display()),
        }
    }
}

/// Compares `files` (from [`render`](super::render), paths relative to `docs_dir`) with
/// the disk. Hand-written files (without [`GENERATED_MARKER`]) are ignored.
pub fn differences(
    docs_dir: &Path,
    files: &[(PathBuf, String)],
) -> Result<Vec<Difference>, DocsError> {
    let mut diffs = Vec::new();
    let rendered: BTreeSet<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    for (path, content) in files {
        let full = docs_dir.join(path);
        match std::fs::read_to_string(&full) {
            Ok(existing) if existing == *content => {}
            Ok(_) => diffs.push(Difference::Changed(path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                diffs.push(Difference::Missing(path.clone()))
            }
            Err(e) => return Err(io_error(&full)(e)),
        }
    }
    for path in generated_files(docs_dir)? {
        if !rendered.contains(path.as_path()) {
            diffs.push(Difference::Stale(path));
        }
    }
    Ok(diffs)
}

/// Brings `docs_dir` in line with `files`: writes missing and changed files,
/// deletes stale generated ones. Returns what it changed.
pub fn write(docs_dir: &Path, files: &[(PathBuf, String)]) -> Result<Vec<Difference>, DocsError> {
    let diffs = differences(docs_dir, files)?;
    let contents: BTreeMap<&Path, &String> = files.iter().map(|(p, c)| (p.as_path(), c)).collect();
    for diff in &diffs {
        match diff {
            Difference::Missing(p) | Difference::Changed(p) => {
                let full = docs_dir.join(p);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
                }
                std::fs::write(&full, contents[p.as_path()]).map_err(io_error(&full))?;
            }
            Difference::Stale(p) => {
                let full = docs_dir.join(p);
                std::fs::remove_file(&full).map_err(io_error(&full))?;
            }
        }
    }
    Ok(diffs)
}

/// Generated `.md` files under `docs_dir` (relative paths, sorted).
fn generated_files(docs_dir: &Path) -> Result<Vec<PathBuf>, DocsError> {
    let mut found = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(relative) = dirs.pop() {
        let dir = docs_dir.join(&relative);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(&dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error(&dir))?;
            let path = relative.join(entry.file_name());
            let full = docs_dir.join(&path);
            if full.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&full).map_err(io_error(&full))?;
                if text.lines().take(3).any(|l| l == GENERATED_MARKER) {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}
