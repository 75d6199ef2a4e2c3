//! The checked-in Registry docs (`docs/`) are exactly what `xelon-docs`
//! generates from the provider's schemas and `examples/`, and every
//! registered type has its page.

use std::path::{Path, PathBuf};

use xelon_provider::docs::{self, GENERATED_MARKER};
use xelon_provider::framework::{Attribute, Provider, Schema};
use xelon_provider::provider::XelonProvider;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rendered() -> Vec<(PathBuf, String)> {
    docs::render(&XelonProvider, "xelon", &root().join("examples"))
        .unwrap_or_else(|e| panic!("rendering the docs failed:\n{e}"))
}

#[test]
fn checked_in_docs_are_up_to_date() {
    let files = rendered();
    let diffs = docs::differences(&root().join("docs"), &files).expect("compare docs/");
    assert!(
        diffs.is_empty(),
        "docs/ is stale: run `cargo run --bin xelon-docs`\n{}",
        diffs.iter().map(|d| format!("  {d}\n")).collect::<String>()
    );
}

/// Every registered type as (docs folder, type name).
fn registered() -> Vec<(&'static str, &'static str)> {
    let p = XelonProvider;
    let mut types = Vec::new();
    types.extend(p.resources().iter().map(|r| ("resources", r.type_name())));
    types.extend(
        p.data_sources()
            .iter()
            .map(|d| ("data-sources", d.type_name())),
    );
    types.extend(
        p.ephemeral_resources()
            .iter()
            .map(|e| ("ephemeral-resources", e.type_name())),
    );
    types.extend(
        p.list_resources()
            .iter()
            .map(|l| ("list-resources", l.type_name())),
    );
    types
}

#[test]
fn every_registered_type_has_a_page() {
    let files = rendered();
    let types = registered();
    assert!(
        types.iter().any(|(f, _)| *f == "resources")
            && types.iter().any(|(f, _)| *f == "data-sources")
            && types.iter().any(|(f, _)| *f == "ephemeral-resources")
            && types.iter().any(|(f, _)| *f == "list-resources"),
        "{types:?}"
    );
    let mut missing = Vec::new();
    for (folder, type_name) in &types {
        let short = type_name.strip_prefix("xelon_").unwrap_or(type_name);
        let page = PathBuf::from(folder).join(format!("{short}.md"));
        let on_disk = std::fs::read_to_string(root().join("docs").join(&page)).unwrap_or_default();
        let rendered = files.iter().any(|(p, _)| *p == page);
        if !rendered || !on_disk.contains(&format!("\n# {type_name} (")) {
            missing.push(page.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "no page for: {missing:?} (run `cargo run --bin xelon-docs`)"
    );
    // index.md plus one page per type, nothing else generated.
    assert_eq!(files.len(), types.len() + 1, "{files:?}");
    let index = std::fs::read_to_string(root().join("docs/index.md")).expect("docs/index.md");
    assert!(index.contains(GENERATED_MARKER) && index.contains("# xelon Provider\n"));
}

/// The docs take descriptions as written, so an attribute whose change
/// replaces the object must say so itself.
#[test]
fn replacing_attributes_say_so_in_their_description() {
    fn walk(type_name: &str, prefix: &str, attrs: &[Attribute], bad: &mut Vec<String>) {
        for a in attrs {
            let path = format!("{prefix}{}", a.name);
            if a.requires_replace && !a.description.to_lowercase().contains("replace") {
                bad.push(format!("{type_name}.{path}"));
            }
            if let Some(nested) = a.nested() {
                walk(type_name, &format!("{path}."), &nested.attributes, bad);
            }
        }
    }
    let p = XelonProvider;
    let mut schemas: Vec<(&str, Schema)> = vec![("provider", p.schema())];
    schemas.extend(p.resources().iter().map(|r| (r.type_name(), r.schema())));
    schemas.extend(p.data_sources().iter().map(|d| (d.type_name(), d.schema())));
    schemas.extend(
        p.ephemeral_resources()
            .iter()
            .map(|e| (e.type_name(), e.schema())),
    );
    let mut bad = Vec::new();
    for (type_name, schema) in &schemas {
        walk(type_name, "", &schema.attributes, &mut bad);
    }
    assert!(
        bad.is_empty(),
        "these attributes force replacement but their descriptions do not say so: {bad:?}"
    );
}
