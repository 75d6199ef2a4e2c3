//! Tests of [`super`] (docs).
use async_trait::async_trait;

use super::markdown::{collapse_paragraphs, plain_markdown, schema_section};
use super::*;
use crate::cty::Type;
use crate::framework::{
    ApplyResponse, Attribute, ConfigureRequest, ConfigureResponse, CreateRequest, DataReadRequest,
    DataSource, DeleteRequest, Diagnostics, Identity, ListRequest, ListResource, ListResults,
    ReadRequest, ReadResponse, Resource, UpdateRequest,
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
    async fn delete(&self, _: DeleteRequest<'_, ()>) -> crate::framework::DeleteResponse {
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
        list.ends_with("### Optional\n\n- `prefix` (String) Only widgets whose name starts so.\n"),
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
        async fn delete(&self, _: DeleteRequest<'_, ()>) -> crate::framework::DeleteResponse {
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
