//! Terraform Registry documentation generated from a [`Provider`]'s schemas
//! and its example configurations, in the layout and Markdown format of
//! HashiCorp's `tfplugindocs`:
//!
//! | page | example embedded under "Example Usage" |
//! | --- | --- |
//! | `index.md` | `examples/provider/provider.tf` |
//! | `resources/<name>.md` | `examples/resources/<type>/resource.tf` |
//! | `data-sources/<name>.md` | `examples/data-sources/<type>/data-source.tf` |
//! | `ephemeral-resources/<name>.md` | `examples/ephemeral-resources/<type>/ephemeral-resource.tf` |
//! | `list-resources/<name>.md` | `examples/list-resources/<type>/list-resource.tfquery.hcl` |
//!
//! `<type>` is the full type name (`acme_widget`) and `<name>` the type name
//! without the provider prefix (`widget`). A resource page gets an "Import"
//! section when its example directory has `import-by-identity.tf` (an
//! `import {}` block with `identity`, shown with the resource's "Identity
//! Schema"), `import-block.tf` (an `import {}` block with `id`) and/or
//! `import.sh` (a `terraform import` command, shown as a shell block), in
//! that order, as tfplugindocs renders `import-by-identity.tf`,
//! `import-by-string-id.tf` and `import.sh`. A list resource page documents
//! the schema of the list block's `config`.
//!
//! Every registered type must have its example file and every example
//! directory must belong to a registered type; otherwise [`render`] fails, so
//! a new type cannot ship undocumented and a removed one leaves nothing behind.
//!
//! The "Schema" section lists attributes sorted by name in "Required",
//! "Optional" (including optional-and-computed) and "Read-Only" groups, one
//! line each (``- `name` (String, Sensitive) description``), with nested
//! attributes in their own "Nested Schema for `a.b`" sections anchored
//! `nestedatt--a--b`. Descriptions are taken as written: they state defaults,
//! constraints and replacement themselves; nothing is appended except a
//! deprecation message. Validators are not rendered (as with tfplugindocs),
//! so a constraint that matters to users belongs in the description.
//!
//! Generated files start with [`GENERATED_MARKER`] in their front matter;
//! [`differences`] and [`write()`] treat marked files that [`render`] no longer
//! produces as stale, and never touch hand-written pages.
//!
//! # Layout
//!
//! This module collects what to render (schemas, examples); `markdown` turns
//! each page into text and does no I/O; `files` compares and writes `docs/`.
//! It lives outside the runtime [`framework`](crate::framework): only
//! `xelon-docs` and `tests/docs.rs` use it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::framework::identity::IdentitySchema;
use crate::framework::{Provider, Schema};

mod files;
mod markdown;

use files::read_optional;
pub use files::{Difference, differences, write};
use markdown::{provider_page, type_page};

/// The comment line in the front matter of every generated page.
pub const GENERATED_MARKER: &str =
    "# generated from the provider schema and examples/: do not edit by hand";

/// The HTML comment before the generated "Schema" section.
const SCHEMA_MARKER: &str = "<!-- schema generated from the provider schema -->";

/// Why the docs could not be rendered or compared.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// Example files are missing, or example directories name no registered type.
    #[error("{}", examples_message(missing, orphaned))]
    Examples {
        /// Example files that registered types need (paths under the examples directory).
        missing: Vec<PathBuf>,
        /// Example directories of types the provider does not register.
        orphaned: Vec<PathBuf>,
    },
    /// Two types of the same kind share a name, or their pages share a file.
    #[error("{kind} {type_name} is registered twice (or shares its page {page} with another type)")]
    Duplicate {
        /// "Resource", "Data Source", "Ephemeral Resource" or "List Resource".
        kind: &'static str,
        /// The type name.
        type_name: String,
        /// The page path under docs/.
        page: String,
    },
    /// An attribute fits none of Required, Optional and Read-Only.
    #[error(
        "{type_name}: attribute {attribute} is neither required, optional nor computed, so it cannot be documented"
    )]
    Schema {
        /// The type name (or "provider").
        type_name: String,
        /// The attribute path, e.g. `control_plane.memory`.
        attribute: String,
    },
    /// A resource's identity does not fit its schema.
    #[error("{type_name}: invalid identity: {reason}")]
    Identity {
        /// The resource type.
        type_name: String,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn examples_message(missing: &[PathBuf], orphaned: &[PathBuf]) -> String {
    let list = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| format!("\n  {}", p.display()))
            .collect::<String>()
    };
    let mut message = String::new();
    if !missing.is_empty() {
        message.push_str(&format!(
            "every registered type needs an example; missing under the examples directory:{}",
            list(missing)
        ));
    }
    if !orphaned.is_empty() {
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(&format!(
            "example directories for types the provider does not register (rename or remove them):{}",
            list(orphaned)
        ));
    }
    message
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DocsError + '_ {
    move |source| DocsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The kinds of typed pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Resource,
    DataSource,
    EphemeralResource,
    ListResource,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Resource,
        Kind::DataSource,
        Kind::EphemeralResource,
        Kind::ListResource,
    ];

    /// The label in titles, as on the Registry.
    fn label(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::EphemeralResource => "Ephemeral Resource",
            Kind::ListResource => "List Resource",
        }
    }

    /// The folder under docs/ and under examples/.
    fn folder(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
            Kind::EphemeralResource => "ephemeral-resources",
            Kind::ListResource => "list-resources",
        }
    }

    /// The example file embedded under "Example Usage".
    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
            Kind::EphemeralResource => "ephemeral-resource.tf",
            Kind::ListResource => "list-resource.tfquery.hcl",
        }
    }
}

/// One registered type to document.
struct Entry {
    kind: Kind,
    type_name: String,
    schema: Schema,
    /// A resource's identity, if it has one.
    identity: Option<IdentitySchema>,
}

/// Renders every documentation page of `provider`: `(path under docs/,
/// content)`, sorted by path, the same on every run.
///
/// `provider_name` is the name used in configurations (`xelon`; a
/// `terraform-provider-` prefix is dropped); type names lose its `<name>_`
/// prefix in page file names. `examples_dir` holds `provider/`,
/// `resources/`, `data-sources/`, `ephemeral-resources/` and
/// `list-resources/` as described in the [module docs](self).
pub fn render<P: Provider>(
    provider: &P,
    provider_name: &str,
    examples_dir: &Path,
) -> Result<Vec<(PathBuf, String)>, DocsError> {
    let name = provider_name
        .strip_prefix("terraform-provider-")
        .unwrap_or(provider_name);
    let mut entries: Vec<Entry> = Vec::new();
    for r in provider.resources() {
        let schema = r.schema();
        let identity = r
            .identity()
            .map(|identity| IdentitySchema::new(&identity, &schema))
            .transpose()
            .map_err(|reason| DocsError::Identity {
                type_name: r.type_name().to_string(),
                reason,
            })?;
        entries.push(Entry {
            kind: Kind::Resource,
            type_name: r.type_name().to_string(),
            schema,
            identity,
        });
    }
    entries.extend(provider.data_sources().iter().map(|d| Entry {
        kind: Kind::DataSource,
        type_name: d.type_name().to_string(),
        schema: d.schema(),
        identity: None,
    }));
    entries.extend(provider.ephemeral_resources().iter().map(|e| Entry {
        kind: Kind::EphemeralResource,
        type_name: e.type_name().to_string(),
        schema: e.schema(),
        identity: None,
    }));
    entries.extend(provider.list_resources().iter().map(|l| Entry {
        kind: Kind::ListResource,
        type_name: l.type_name().to_string(),
        schema: l.schema(),
        identity: None,
    }));
    entries.sort_by(|a, b| (a.kind, &a.type_name).cmp(&(b.kind, &b.type_name)));

    let examples = Examples::read(examples_dir, &entries)?;

    let mut pages: BTreeMap<PathBuf, String> = BTreeMap::new();
    let index = provider_page(name, &provider.schema(), &examples.provider)?;
    pages.insert(PathBuf::from("index.md"), index);
    for entry in &entries {
        let short = entry
            .type_name
            .strip_prefix(&format!("{name}_"))
            .unwrap_or(&entry.type_name);
        let path = Path::new(entry.kind.folder()).join(format!("{short}.md"));
        let example = &examples.types[&(entry.kind, entry.type_name.clone())];
        let page = type_page(name, entry, example)?;
        if pages.insert(path.clone(), page).is_some() {
            return Err(DocsError::Duplicate {
                kind: entry.kind.label(),
                type_name: entry.type_name.clone(),
                page: path.display().to_string(),
            });
        }
    }
    Ok(pages.into_iter().collect())
}

/// The example files of one type (trimmed contents).
#[derive(Default)]
struct Example {
    main: String,
    import_command: Option<String>,
    import_block: Option<String>,
    import_identity: Option<String>,
}

/// Every example file the pages embed.
struct Examples {
    provider: String,
    types: BTreeMap<(Kind, String), Example>,
}

impl Examples {
    /// Reads the examples of `entries`; fails listing every missing file and
    /// every directory that belongs to no entry.
    fn read(dir: &Path, entries: &[Entry]) -> Result<Self, DocsError> {
        let mut missing = Vec::new();
        let mut required = |relative: PathBuf| -> Result<String, DocsError> {
            match read_optional(&dir.join(&relative))? {
                Some(text) => Ok(text),
                None => {
                    missing.push(relative);
                    Ok(String::new())
                }
            }
        };
        let provider = required(Path::new("provider").join("provider.tf"))?;
        let mut types = BTreeMap::new();
        for entry in entries {
            let folder = Path::new(entry.kind.folder()).join(&entry.type_name);
            let main = required(folder.join(entry.kind.example_file()))?;
            let mut example = Example {
                main,
                ..Example::default()
            };
            if entry.kind == Kind::Resource {
                example.import_command = read_optional(&dir.join(&folder).join("import.sh"))?;
                example.import_block = read_optional(&dir.join(&folder).join("import-block.tf"))?;
                example.import_identity =
                    read_optional(&dir.join(&folder).join("import-by-identity.tf"))?;
            }
            if types
                .insert((entry.kind, entry.type_name.clone()), example)
                .is_some()
            {
                return Err(DocsError::Duplicate {
                    kind: entry.kind.label(),
                    type_name: entry.type_name.clone(),
                    page: Path::new(entry.kind.folder())
                        .join(&entry.type_name)
                        .display()
                        .to_string(),
                });
            }
        }

        let mut orphaned = Vec::new();
        for kind in Kind::ALL {
            let kind_dir = dir.join(kind.folder());
            if !kind_dir.exists() {
                continue;
            }
            for dir_entry in std::fs::read_dir(&kind_dir).map_err(io_error(&kind_dir))? {
                let path = dir_entry.map_err(io_error(&kind_dir))?.path();
                let Some(type_name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if path.is_dir() && !types.contains_key(&(kind, type_name.to_string())) {
                    orphaned.push(Path::new(kind.folder()).join(type_name));
                }
            }
        }
        orphaned.sort();

        if missing.is_empty() && orphaned.is_empty() {
            Ok(Examples { provider, types })
        } else {
            Err(DocsError::Examples { missing, orphaned })
        }
    }
}

#[cfg(test)]
mod tests;
