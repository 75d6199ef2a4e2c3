//! Markdown for each page, in tfplugindocs' format. Pure: no I/O.

use std::collections::BTreeMap;

use crate::cty::Type;
use crate::framework::identity::IdentitySchema;
use crate::framework::schema::{Attribute, AttributeType, NestedAttributes, Nesting, Schema};

use super::{DocsError, Entry, Example, GENERATED_MARKER, SCHEMA_MARKER};

/// `docs/index.md`.
pub(super) fn provider_page(
    name: &str,
    schema: &Schema,
    example: &str,
) -> Result<String, DocsError> {
    let mut out = front_matter(&format!("{name} Provider"), &schema.description);
    out.push_str(&format!("# {name} Provider\n\n"));
    body_intro(&mut out, schema);
    example_usage(&mut out, example);
    out.push_str(&schema_section(schema, "provider")?);
    Ok(out)
}

/// A resource, data source, ephemeral resource or list resource page.
pub(super) fn type_page(
    provider: &str,
    entry: &Entry,
    example: &Example,
) -> Result<String, DocsError> {
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
    if example.import_command.is_some()
        || example.import_block.is_some()
        || example.import_identity.is_some()
    {
        out.push_str("\n## Import\n\nImport is supported using the following syntax:\n");
        if let (Some(block), Some(identity)) = (&example.import_identity, &entry.identity) {
            out.push_str(
                "\nIn Terraform v1.12.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `identity` attribute, for example:\n\n",
            );
            out.push_str(&code_block("terraform", block));
            out.push('\n');
            out.push_str(&identity_section(identity));
        } else if example.import_identity.is_some() {
            return Err(DocsError::Identity {
                type_name: name.clone(),
                reason: "the examples import it by identity, but it has none".into(),
            });
        }
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

/// The "### Identity Schema" of an import by identity, as tfplugindocs
/// writes it: the attributes sorted by name, all required for import.
fn identity_section(identity: &IdentitySchema) -> String {
    let mut attributes: Vec<_> = identity.attributes.iter().collect();
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::from("### Identity Schema\n\n#### Required\n\n");
    for a in attributes {
        let description = a.description.trim();
        out.push_str(&format!("- `{}` ({})", a.name, plain_type_label(&a.ty)));
        if !description.is_empty() {
            out.push(' ');
            out.push_str(description);
        }
        out.push('\n');
    }
    out
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
pub(super) fn plain_markdown(markdown: &str) -> String {
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
pub(super) fn schema_section(schema: &Schema, type_name: &str) -> Result<String, DocsError> {
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
pub(super) fn collapse_paragraphs(text: &str) -> String {
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
