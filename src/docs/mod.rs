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
mod tests {
    use async_trait::async_trait;

    use super::markdown::{collapse_paragraphs, plain_markdown, schema_section};
    use super::*;
    use crate::cty::Type;
    use crate::framework::{
        ApplyResponse, Attribute, ConfigureRequest, ConfigureResponse, CreateRequest,
        DataReadRequest, DataSource, DeleteRequest, Diagnostics, Identity, ListRequest,
        ListResource, ListResults, ReadRequest, ReadResponse, Resource, UpdateRequest,
    };

    /// A provider with one resource and one data source, for rendering.
    struct Fake;

    struct Widget;

    struct Gadgets;

    struct WidgetList;

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
        fn identity(&self) -> Option<Identity> {
            Some(Identity::new(&["name", "id"]))
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
    impl ListResource<()> for WidgetList {
        fn type_name(&self) -> &'static str {
            "fake_widget"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                "Lists widgets.",
                vec![
                    Attribute::string("prefix")
                        .optional()
                        .description("Only widgets whose name starts so."),
                ],
            )
        }
        async fn list(&self, _: ListRequest<'_, ()>, _: &mut ListResults) -> Diagnostics {
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
        fn list_resources(&self) -> Vec<Box<dyn ListResource<()>>> {
            vec![Box::new(WidgetList)]
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
            "resources/fake_widget/import-by-identity.tf",
            "import {\n  to       = fake_widget.w\n  identity = { name = \"w\", id = \"w-1\" }\n}\n",
        ),
        (
            "data-sources/fake_gadgets/data-source.tf",
            "data \"fake_gadgets\" \"all\" {}\n",
        ),
        (
            "list-resources/fake_widget/list-resource.tfquery.hcl",
            "list \"fake_widget\" \"all\" {\n  provider = fake\n}\n",
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
            [
                "data-sources/gadgets.md",
                "index.md",
                "list-resources/widget.md",
                "resources/widget.md"
            ]
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

In Terraform v1.12.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `identity` attribute, for example:

```terraform
import {{
  to       = fake_widget.w
  identity = {{ name = "w", id = "w-1" }}
}}
```

### Identity Schema

#### Required

- `id` (String) The ID.
- `name` (String) The name. Changing it replaces the widget.

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
        let list = page(&files, "list-resources/widget.md");
        assert!(
            list.contains("page_title: \"fake_widget List Resource - fake\""),
            "{list}"
        );
        assert!(list.contains("# fake_widget (List Resource)\n\nLists widgets.\n\n## Example Usage\n\n```terraform\nlist \"fake_widget\" \"all\" {\n  provider = fake\n}\n```\n"), "{list}");
        assert!(
            list.ends_with(
                "### Optional\n\n- `prefix` (String) Only widgets whose name starts so.\n"
            ),
            "{list}"
        );
        // Deterministic.
        assert_eq!(files, render(&Fake, "fake", dir.path()).unwrap());
    }

    #[test]
    fn missing_and_orphaned_examples_are_errors() {
        let dir = examples(&[
            ("resources/fake_widget/resource.tf", "# w\n"),
            ("resources/fake_gone/resource.tf", "# gone\n"),
            (
                "list-resources/fake_gone/list-resource.tfquery.hcl",
                "# gone\n",
            ),
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
                PathBuf::from("list-resources/fake_widget/list-resource.tfquery.hcl"),
            ]
        );
        assert_eq!(
            orphaned,
            &[
                PathBuf::from("list-resources/fake_gone"),
                PathBuf::from("resources/fake_gone")
            ]
        );
        let message = err.to_string();
        assert!(
            message.contains("data-sources/fake_gadgets/data-source.tf"),
            "{message}"
        );
    }

    #[test]
    fn an_identity_import_example_needs_an_identity() {
        struct Plain;
        #[async_trait]
        impl Provider for Plain {
            type Client = ();
            fn schema(&self) -> Schema {
                Schema::new("p", vec![])
            }
            async fn configure(&self, _: ConfigureRequest<'_>) -> ConfigureResponse<()> {
                unreachable!()
            }
            fn resources(&self) -> Vec<Box<dyn Resource<()>>> {
                vec![Box::new(Gizmo)]
            }
            fn data_sources(&self) -> Vec<Box<dyn DataSource<()>>> {
                vec![]
            }
        }
        struct Gizmo;
        #[async_trait]
        impl Resource<()> for Gizmo {
            fn type_name(&self) -> &'static str {
                "fake_gizmo"
            }
            fn schema(&self) -> Schema {
                Schema::new(
                    "g",
                    vec![Attribute::string("id").computed().description("i")],
                )
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
        let dir = examples(&[
            ("provider/provider.tf", "# p\n"),
            ("resources/fake_gizmo/resource.tf", "# g\n"),
            ("resources/fake_gizmo/import-by-identity.tf", "# i\n"),
        ]);
        let err = render(&Plain, "fake", dir.path()).unwrap_err();
        assert!(
            matches!(&err, DocsError::Identity { type_name, .. } if type_name == "fake_gizmo"),
            "{err}"
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
        assert_eq!(diffs.len(), 5, "{diffs:?}");

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
