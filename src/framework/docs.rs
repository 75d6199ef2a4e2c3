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
//!
//! `<type>` is the full type name (`acme_widget`) and `<name>` the type name
//! without the provider prefix (`widget`). A resource page gets an "Import"
//! section when its example directory has `import.sh` (a `terraform import`
//! command, shown as a shell block) and/or `import-block.tf` (an `import {}`
//! block).
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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::cty::Type;

use super::Provider;
use super::schema::{Attribute, AttributeType, NestedAttributes, Nesting, Schema};

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
        /// "Resource", "Data Source" or "Ephemeral Resource".
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

/// The three kinds of typed pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Resource,
    DataSource,
    EphemeralResource,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Resource, Kind::DataSource, Kind::EphemeralResource];

    /// The label in titles, as on the Registry.
    fn label(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::EphemeralResource => "Ephemeral Resource",
        }
    }

    /// The folder under docs/ and under examples/.
    fn folder(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
            Kind::EphemeralResource => "ephemeral-resources",
        }
    }

    /// The example file embedded under "Example Usage".
    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
            Kind::EphemeralResource => "ephemeral-resource.tf",
        }
    }
}

/// One registered type to document.
struct Entry {
    kind: Kind,
    type_name: String,
    schema: Schema,
}

/// Renders every documentation page of `provider`: `(path under docs/,
/// content)`, sorted by path, the same on every run.
///
/// `provider_name` is the name used in configurations (`xelon`; a
/// `terraform-provider-` prefix is dropped); type names lose its `<name>_`
/// prefix in page file names. `examples_dir` holds `provider/`,
/// `resources/`, `data-sources/` and `ephemeral-resources/` as described in
/// the [module docs](self).
pub fn render<P: Provider>(
    provider: &P,
    provider_name: &str,
    examples_dir: &Path,
) -> Result<Vec<(PathBuf, String)>, DocsError> {
    let name = provider_name
        .strip_prefix("terraform-provider-")
        .unwrap_or(provider_name);
    let mut entries: Vec<Entry> = Vec::new();
    entries.extend(provider.resources().iter().map(|r| Entry {
        kind: Kind::Resource,
        type_name: r.type_name().to_string(),
        schema: r.schema(),
    }));
    entries.extend(provider.data_sources().iter().map(|d| Entry {
        kind: Kind::DataSource,
        type_name: d.type_name().to_string(),
        schema: d.schema(),
    }));
    entries.extend(provider.ephemeral_resources().iter().map(|e| Entry {
        kind: Kind::EphemeralResource,
        type_name: e.type_name().to_string(),
        schema: e.schema(),
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

/// The trimmed contents of `path`, or `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, DocsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// `docs/index.md`.
fn provider_page(name: &str, schema: &Schema, example: &str) -> Result<String, DocsError> {
    let mut out = front_matter(&format!("{name} Provider"), &schema.description);
    out.push_str(&format!("# {name} Provider\n\n"));
    body_intro(&mut out, schema);
    example_usage(&mut out, example);
    out.push_str(&schema_section(schema, "provider")?);
    Ok(out)
}

/// A resource, data source or ephemeral resource page.
fn type_page(provider: &str, entry: &Entry, example: &Example) -> Result<String, DocsError> {
    let label = entry.kind.label();
    let name = &entry.type_name;
    let mut out = front_matter(
        &format!("{name} {label} - {provider}"),
        &entry.schema.description,
    );
    out.push_str(&format!("# {name} ({label})\n\n"));
    body_intro(&mut out, &entry.schema);
    example_usage(&mut out, &example.main);
    out.push_str(&schema_section(&entry.schema, name)?);
    if example.import_command.is_some() || example.import_block.is_some() {
        out.push_str("\n## Import\n\nImport is supported using the following syntax:\n");
        if let Some(block) = &example.import_block {
            out.push_str(
                "\nIn Terraform v1.5.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `id` attribute, for example:\n\n",
            );
            out.push_str(&code_block("terraform", block));
        }
        if let Some(command) = &example.import_command {
            out.push_str(
                "\nThe [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can be used, for example:\n\n",
            );
            out.push_str(&code_block("shell", command));
        }
    }
    Ok(out)
}

/// The YAML front matter: title, empty subcategory, plain-text description.
fn front_matter(title: &str, description: &str) -> String {
    let plain = plain_markdown(description.trim());
    let description = if plain.is_empty() {
        "description: \"\"\n".to_string()
    } else {
        let lines: String = plain
            .lines()
            .map(|l| {
                if l.trim().is_empty() {
                    "\n".to_string()
                } else {
                    format!("  {l}\n")
                }
            })
            .collect();
        format!("description: |-\n{lines}")
    };
    format!(
        "---\n{GENERATED_MARKER}\npage_title: \"{}\"\nsubcategory: \"\"\n{description}---\n\n",
        title.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// The description (and deprecation notice) under the title.
fn body_intro(out: &mut String, schema: &Schema) {
    let description = schema.description.trim();
    if !description.is_empty() {
        out.push_str(description);
        out.push_str("\n\n");
    }
    if let Some(message) = &schema.deprecation {
        out.push_str(&format!("~> **Deprecated:** {}\n\n", message.trim()));
    }
}

fn example_usage(out: &mut String, example: &str) {
    if !example.is_empty() {
        out.push_str("## Example Usage\n\n");
        out.push_str(&code_block("terraform", example));
        out.push('\n');
    }
}

fn code_block(language: &str, code: &str) -> String {
    format!("```{language}\n{code}\n```\n")
}

/// Markdown without formatting, for the front matter: code spans lose their
/// backticks, emphasis markers go, and `[text](url)` becomes `text url`.
fn plain_markdown(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some(close) = rest.find(']')
            && rest[close + 1..].starts_with('(')
            && let Some(end) = rest[close..].find(')')
        {
            let text = &rest[1..close];
            let url = &rest[close + 2..close + end];
            if !text.contains('\n') && !url.contains(char::is_whitespace) {
                out.push_str(&plain_markdown(text));
                out.push(' ');
                out.push_str(url);
                rest = &rest[close + end + 1..];
                continue;
            }
        }
        if rest.starts_with("**") || rest.starts_with("__") {
            rest = &rest[2..];
            continue;
        }
        if c != '`' {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Where an attribute goes: Required, Optional or Read-Only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    const ALL: [Group; 3] = [Group::Required, Group::Optional, Group::ReadOnly];

    fn of(a: &Attribute) -> Option<Group> {
        if a.required {
            Some(Group::Required)
        } else if a.optional {
            Some(Group::Optional)
        } else if a.computed {
            Some(Group::ReadOnly)
        } else {
            None
        }
    }

    /// The heading of a top-level group.
    fn heading(self) -> &'static str {
        match self {
            Group::Required => "### Required",
            Group::Optional => "### Optional",
            Group::ReadOnly => "### Read-Only",
        }
    }

    /// The label of a group inside a nested schema.
    fn label(self) -> &'static str {
        match self {
            Group::Required => "Required:",
            Group::Optional => "Optional:",
            Group::ReadOnly => "Read-Only:",
        }
    }
}

/// A nested schema section still to write.
enum Pending<'a> {
    /// Nested attributes (`nestedatt--` anchors).
    Attributes {
        path: Vec<String>,
        nested: &'a NestedAttributes,
    },
    /// The attributes of a plain object type (`nestedobjatt--` anchors),
    /// listed under the group of the attribute that holds them.
    Object {
        path: Vec<String>,
        attributes: &'a BTreeMap<String, Type>,
        group: Group,
    },
}

/// The "## Schema" section, ending in one newline.
fn schema_section(schema: &Schema, type_name: &str) -> Result<String, DocsError> {
    let mut out = format!("{SCHEMA_MARKER}\n## Schema\n\n");
    write_attributes(&mut out, &schema.attributes, &[], true, type_name)?;
    // Nested sections leave runs of blank lines (as tfplugindocs does); keep one.
    let mut text = out.trim_end().to_string();
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.push('\n');
    Ok(text)
}

/// Writes `attributes` in their groups, then their nested sections.
fn write_attributes(
    out: &mut String,
    attributes: &[Attribute],
    parents: &[String],
    top_level: bool,
    type_name: &str,
) -> Result<(), DocsError> {
    let mut grouped: Vec<(Group, &Attribute)> = Vec::with_capacity(attributes.len());
    for a in attributes {
        let group = Group::of(a).ok_or_else(|| DocsError::Schema {
            type_name: type_name.to_string(),
            attribute: path_of(parents, &a.name).join("."),
        })?;
        grouped.push((group, a));
    }
    grouped.sort_by(|x, y| x.1.name.cmp(&y.1.name));

    let mut pending = Vec::new();
    for group in Group::ALL {
        let members: Vec<&Attribute> = grouped
            .iter()
            .filter(|(g, _)| *g == group)
            .map(|(_, a)| *a)
            .collect();
        if members.is_empty() {
            continue;
        }
        out.push_str(if top_level {
            group.heading()
        } else {
            group.label()
        });
        out.push_str("\n\n");
        for a in members {
            write_attribute(out, a, parents, group, &mut pending);
        }
        out.push('\n');
    }
    write_pending(out, pending, type_name)
}

fn path_of(parents: &[String], name: &str) -> Vec<String> {
    let mut path = parents.to_vec();
    path.push(name.to_string());
    path
}

/// One attribute line: ``- `name` (Type, Sensitive, Deprecated) description``.
fn write_attribute<'a>(
    out: &mut String,
    a: &'a Attribute,
    parents: &[String],
    group: Group,
    pending: &mut Vec<Pending<'a>>,
) {
    let path = path_of(parents, &a.name);
    let mut flags = vec![type_label(&a.ty)];
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.deprecation.is_some() {
        flags.push("Deprecated".into());
    }
    out.push_str(&format!("- `{}` ({})", a.name, flags.join(", ")));
    let description = collapse_paragraphs(&a.description);
    if !description.is_empty() {
        out.push(' ');
        out.push_str(&description);
    }
    if let Some(message) = &a.deprecation {
        out.push_str(&format!(
            " **Deprecated:** {}",
            collapse_paragraphs(message)
        ));
    }
    let nested = match &a.ty {
        AttributeType::Nested(nested) => Some(Pending::Attributes {
            path: path.clone(),
            nested,
        }),
        AttributeType::Plain(ty) => object_attributes(ty).map(|attributes| Pending::Object {
            path: path.clone(),
            attributes,
            group,
        }),
    };
    if let Some(nested) = nested {
        out.push_str(&format!(
            " (see [below for nested schema](#{}))",
            anchor(&nested)
        ));
        pending.push(nested);
    }
    out.push('\n');
}

/// Paragraph breaks would end the list item: turn them into line breaks.
fn collapse_paragraphs(text: &str) -> String {
    let text = text.trim();
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        if lines.peek().is_some() {
            let mut blank = false;
            while lines.peek().is_some_and(|l| l.trim().is_empty()) {
                lines.next();
                blank = true;
            }
            out.push_str(if blank { "  \n" } else { "\n" });
        }
    }
    out
}

/// The attributes of an object type, or of the elements of a collection of objects.
fn object_attributes(ty: &Type) -> Option<&BTreeMap<String, Type>> {
    match ty {
        Type::Object(o) => Some(&o.attributes),
        Type::List(e) | Type::Set(e) | Type::Map(e) => match e.as_ref() {
            Type::Object(o) => Some(&o.attributes),
            _ => None,
        },
        _ => None,
    }
}

fn anchor(p: &Pending<'_>) -> String {
    match p {
        Pending::Attributes { path, .. } => format!("nestedatt--{}", path.join("--")),
        Pending::Object { path, .. } => format!("nestedobjatt--{}", path.join("--")),
    }
}

/// Writes nested sections, each followed by its own nested sections.
fn write_pending(
    out: &mut String,
    pending: Vec<Pending<'_>>,
    type_name: &str,
) -> Result<(), DocsError> {
    for p in pending {
        let (Pending::Attributes { path, .. } | Pending::Object { path, .. }) = &p;
        out.push_str(&format!(
            "<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n",
            anchor(&p),
            path.join(".")
        ));
        match &p {
            Pending::Attributes { path, nested } => {
                write_attributes(out, &nested.attributes, path, false, type_name)?;
            }
            Pending::Object {
                path,
                attributes,
                group,
            } => {
                out.push_str(group.label());
                out.push_str("\n\n");
                let mut inner = Vec::new();
                for (name, ty) in attributes.iter() {
                    let child = path_of(path, name);
                    out.push_str(&format!(
                        "- `{name}` ({})",
                        type_label(&AttributeType::Plain(ty.clone()))
                    ));
                    if let Some(attributes) = object_attributes(ty) {
                        let nested = Pending::Object {
                            path: child,
                            attributes,
                            group: *group,
                        };
                        out.push_str(&format!(
                            " (see [below for nested schema](#{}))",
                            anchor(&nested)
                        ));
                        inner.push(nested);
                    }
                    out.push('\n');
                }
                out.push('\n');
                write_pending(out, inner, type_name)?;
            }
        }
        out.push('\n');
    }
    Ok(())
}

/// The type as tfplugindocs names it: `String`, `List of String`, `Attributes List`, ...
fn type_label(ty: &AttributeType) -> String {
    match ty {
        AttributeType::Nested(n) => match n.nesting {
            Nesting::Single => "Attributes".into(),
            Nesting::List => "Attributes List".into(),
            Nesting::Set => "Attributes Set".into(),
            Nesting::Map => "Attributes Map".into(),
        },
        AttributeType::Plain(t) => plain_type_label(t),
    }
}

fn plain_type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(e) => format!("List of {}", plain_type_label(e)),
        Type::Set(e) => format!("Set of {}", plain_type_label(e)),
        Type::Map(e) => format!("Map of {}", plain_type_label(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
        Type::Dynamic => "Dynamic".into(),
    }
}

/// How a file under docs/ differs from what [`render`] produced.
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

/// Compares `files` (from [`render`], paths relative to `docs_dir`) with
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

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::framework::{
        ApplyResponse, ConfigureRequest, ConfigureResponse, CreateRequest, DataReadRequest,
        DataSource, DeleteRequest, Diagnostics, ReadRequest, ReadResponse, Resource, UpdateRequest,
    };

    /// A provider with one resource and one data source, for rendering.
    struct Fake;

    struct Widget;

    struct Gadgets;

    fn widget_schema() -> Schema {
        Schema::new(
            "A **widget**. See [the manual](https://example.com/widgets).\n\nSecond paragraph.",
            vec![
                Attribute::string("name")
                    .required()
                    .description("The name. Changing it replaces the widget."),
                Attribute::string("id").computed().description("The ID."),
                Attribute::string("secret")
                    .computed()
                    .sensitive()
                    .description("A secret."),
                Attribute::int64("size")
                    .default(3)
                    .description("The size. Defaults to `3`."),
                Attribute::of_type("tags", Type::list(Type::String))
                    .optional()
                    .deprecated("Use `labels` instead.")
                    .description("Tags."),
                Attribute::single_nested(
                    "spec",
                    vec![
                        Attribute::bool("enabled")
                            .required()
                            .description("Whether it is on."),
                        Attribute::list_nested(
                            "parts",
                            vec![
                                Attribute::string("serial")
                                    .computed()
                                    .description("Serial."),
                            ],
                        )
                        .computed()
                        .description("Parts."),
                    ],
                )
                .optional()
                .description("The specification."),
                Attribute::of_type(
                    "meta",
                    Type::list(Type::object([("k", Type::String), ("v", Type::Number)])),
                )
                .computed()
                .description("Metadata."),
            ],
        )
    }

    #[async_trait]
    impl Resource<()> for Widget {
        fn type_name(&self) -> &'static str {
            "fake_widget"
        }
        fn schema(&self) -> Schema {
            widget_schema()
        }
        async fn create(&self, _: CreateRequest<'_, ()>) -> ApplyResponse {
            unreachable!()
        }
        async fn read(&self, _: ReadRequest<'_, ()>) -> ReadResponse {
            unreachable!()
        }
        async fn update(&self, _: UpdateRequest<'_, ()>) -> ApplyResponse {
            unreachable!()
        }
        async fn delete(&self, _: DeleteRequest<'_, ()>) -> Diagnostics {
            unreachable!()
        }
    }

    #[async_trait]
    impl DataSource<()> for Gadgets {
        fn type_name(&self) -> &'static str {
            "fake_gadgets"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                "Gadgets.",
                vec![Attribute::string("id").computed().description("The ID.")],
            )
        }
        async fn read(&self, _: DataReadRequest<'_, ()>) -> ReadResponse {
            unreachable!()
        }
    }

    #[async_trait]
    impl Provider for Fake {
        type Client = ();
        fn schema(&self) -> Schema {
            Schema::new(
                "The fake provider.",
                vec![
                    Attribute::string("token")
                        .optional()
                        .sensitive()
                        .description("The token."),
                ],
            )
        }
        async fn configure(&self, _: ConfigureRequest<'_>) -> ConfigureResponse<()> {
            unreachable!()
        }
        fn resources(&self) -> Vec<Box<dyn Resource<()>>> {
            vec![Box::new(Widget)]
        }
        fn data_sources(&self) -> Vec<Box<dyn DataSource<()>>> {
            vec![Box::new(Gadgets)]
        }
    }

    fn examples(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        dir
    }

    const ALL_EXAMPLES: &[(&str, &str)] = &[
        ("provider/provider.tf", "provider \"fake\" {}\n"),
        (
            "resources/fake_widget/resource.tf",
            "resource \"fake_widget\" \"w\" {\n  name = \"w\"\n}\n",
        ),
        (
            "resources/fake_widget/import.sh",
            "terraform import fake_widget.w w-1\n",
        ),
        (
            "resources/fake_widget/import-block.tf",
            "import {\n  to = fake_widget.w\n  id = \"w-1\"\n}\n",
        ),
        (
            "data-sources/fake_gadgets/data-source.tf",
            "data \"fake_gadgets\" \"all\" {}\n",
        ),
    ];

    fn page(files: &[(PathBuf, String)], path: &str) -> String {
        files
            .iter()
            .find(|(p, _)| p == Path::new(path))
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| panic!("no page {path}"))
    }

    #[test]
    fn renders_a_resource_page_like_tfplugindocs() {
        let dir = examples(ALL_EXAMPLES);
        let files = render(&Fake, "terraform-provider-fake", dir.path()).unwrap();
        let paths: Vec<_> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            paths,
            ["data-sources/gadgets.md", "index.md", "resources/widget.md"]
        );
        let expected = format!(
            r#"---
{GENERATED_MARKER}
page_title: "fake_widget Resource - fake"
subcategory: ""
description: |-
  A widget. See the manual https://example.com/widgets.

  Second paragraph.
---

# fake_widget (Resource)

A **widget**. See [the manual](https://example.com/widgets).

Second paragraph.

## Example Usage

```terraform
resource "fake_widget" "w" {{
  name = "w"
}}
```

{SCHEMA_MARKER}
## Schema

### Required

- `name` (String) The name. Changing it replaces the widget.

### Optional

- `size` (Number) The size. Defaults to `3`.
- `spec` (Attributes) The specification. (see [below for nested schema](#nestedatt--spec))
- `tags` (List of String, Deprecated) Tags. **Deprecated:** Use `labels` instead.

### Read-Only

- `id` (String) The ID.
- `meta` (List of Object) Metadata. (see [below for nested schema](#nestedobjatt--meta))
- `secret` (String, Sensitive) A secret.

<a id="nestedatt--spec"></a>
### Nested Schema for `spec`

Required:

- `enabled` (Boolean) Whether it is on.

Read-Only:

- `parts` (Attributes List) Parts. (see [below for nested schema](#nestedatt--spec--parts))

<a id="nestedatt--spec--parts"></a>
### Nested Schema for `spec.parts`

Read-Only:

- `serial` (String) Serial.

<a id="nestedobjatt--meta"></a>
### Nested Schema for `meta`

Read-Only:

- `k` (String)
- `v` (Number)

## Import

Import is supported using the following syntax:

In Terraform v1.5.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `id` attribute, for example:

```terraform
import {{
  to = fake_widget.w
  id = "w-1"
}}
```

The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can be used, for example:

```shell
terraform import fake_widget.w w-1
```
"#
        );
        assert_eq!(page(&files, "resources/widget.md"), expected);
    }

    #[test]
    fn renders_index_and_data_source_pages() {
        let dir = examples(ALL_EXAMPLES);
        let files = render(&Fake, "fake", dir.path()).unwrap();
        let index = page(&files, "index.md");
        assert!(index.contains("page_title: \"fake Provider\"\n"), "{index}");
        assert!(index.contains("# fake Provider\n\nThe fake provider.\n\n## Example Usage\n\n```terraform\nprovider \"fake\" {}\n```\n"), "{index}");
        assert!(
            index.ends_with("### Optional\n\n- `token` (String, Sensitive) The token.\n"),
            "{index}"
        );
        let data = page(&files, "data-sources/gadgets.md");
        assert!(
            data.contains("page_title: \"fake_gadgets Data Source - fake\""),
            "{data}"
        );
        assert!(data.contains("# fake_gadgets (Data Source)\n"), "{data}");
        assert!(!data.contains("## Import"), "{data}");
        // Deterministic.
        assert_eq!(files, render(&Fake, "fake", dir.path()).unwrap());
    }

    #[test]
    fn missing_and_orphaned_examples_are_errors() {
        let dir = examples(&[
            ("resources/fake_widget/resource.tf", "# w\n"),
            ("resources/fake_gone/resource.tf", "# gone\n"),
        ]);
        let err = render(&Fake, "fake", dir.path()).unwrap_err();
        let DocsError::Examples { missing, orphaned } = &err else {
            panic!("{err}");
        };
        assert_eq!(
            missing,
            &[
                PathBuf::from("provider/provider.tf"),
                PathBuf::from("data-sources/fake_gadgets/data-source.tf"),
            ]
        );
        assert_eq!(orphaned, &[PathBuf::from("resources/fake_gone")]);
        let message = err.to_string();
        assert!(
            message.contains("data-sources/fake_gadgets/data-source.tf"),
            "{message}"
        );
    }

    #[test]
    fn attributes_without_a_group_are_errors() {
        let schema = Schema::new("x", vec![Attribute::string("lost").description("l")]);
        let err = schema_section(&schema, "fake_x").unwrap_err();
        assert!(err.to_string().contains("lost"), "{err}");
    }

    #[test]
    fn write_and_differences_manage_only_generated_files() {
        let examples_dir = examples(ALL_EXAMPLES);
        let files = render(&Fake, "fake", examples_dir.path()).unwrap();
        let docs = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(docs.path().join("guides")).unwrap();
        std::fs::write(docs.path().join("guides/hand-written.md"), "# Guide\n").unwrap();
        std::fs::create_dir_all(docs.path().join("resources")).unwrap();
        let stale = format!("---\n{GENERATED_MARKER}\n---\n");
        std::fs::write(docs.path().join("resources/old.md"), &stale).unwrap();
        std::fs::write(docs.path().join("index.md"), "outdated").unwrap();

        let diffs = differences(docs.path(), &files).unwrap();
        assert!(
            diffs.contains(&Difference::Changed("index.md".into())),
            "{diffs:?}"
        );
        assert!(
            diffs.contains(&Difference::Missing("resources/widget.md".into())),
            "{diffs:?}"
        );
        assert!(
            diffs.contains(&Difference::Stale("resources/old.md".into())),
            "{diffs:?}"
        );
        assert_eq!(diffs.len(), 4, "{diffs:?}");

        assert_eq!(write(docs.path(), &files).unwrap(), diffs);
        assert!(differences(docs.path(), &files).unwrap().is_empty());
        assert!(!docs.path().join("resources/old.md").exists());
        assert!(docs.path().join("guides/hand-written.md").exists());
    }

    #[test]
    fn plain_markdown_and_paragraphs() {
        assert_eq!(
            plain_markdown("Use `x` with **care**, see [docs](https://d.example/a_b)."),
            "Use x with care, see docs https://d.example/a_b."
        );
        assert_eq!(plain_markdown("a [b] c (d)"), "a [b] c (d)");
        assert_eq!(
            collapse_paragraphs("one\n\n\ntwo\nthree"),
            "one  \ntwo\nthree"
        );
    }
}
