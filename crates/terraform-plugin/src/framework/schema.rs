//! Declarative schemas: the one description of a provider, resource or data
//! source from which the wire schema, the value type, defaults, plan
//! modifiers, validation and the docs are all derived.

use std::sync::Arc;

use crate::cty::{ObjectType, Type, Value};

use super::validators::Validator;

/// The schema of a provider configuration, resource or data source.
#[derive(Clone, Default)]
pub struct Schema {
    /// Version of the stored state layout; bump it when the layout changes.
    pub version: i64,
    /// Markdown description (shown in docs and editors).
    pub description: String,
    /// Deprecation message, when the whole type is deprecated.
    pub deprecation: Option<String>,
    /// The attributes, in the order they are documented.
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// A schema with the given description and attributes.
    pub fn new(description: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Self {
            version: 0,
            description: description.into(),
            deprecation: None,
            attributes,
        }
    }

    /// The value type of an object conforming to this schema.
    pub fn ty(&self) -> Type {
        object_type(&self.attributes)
    }

    /// Lists inconsistencies in the declaration (a schema bug, not a user error),
    /// e.g. a default on a non-computed attribute. The server checks every
    /// schema when it is built and reports what it finds with the schemas
    /// (`GetProviderSchema`), so Terraform shows it on first use.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        check_attributes(&self.attributes, "", &mut problems);
        problems
    }
}

fn check_attributes(attrs: &[Attribute], prefix: &str, problems: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    for a in attrs {
        let name = format!("{prefix}{}", a.name);
        if !seen.insert(&a.name) {
            problems.push(format!("{name}: declared twice"));
        }
        if !(a.required || a.optional || a.computed) {
            problems.push(format!("{name}: must be required, optional or computed"));
        }
        if a.required && (a.optional || a.computed) {
            problems.push(format!(
                "{name}: required cannot be combined with optional or computed"
            ));
        }
        if a.default.is_some() && !a.computed {
            problems.push(format!(
                "{name}: a default needs computed (Terraform does not apply defaults)"
            ));
        }
        if a.use_state_for_unknown && !a.computed {
            problems.push(format!(
                "{name}: use_state_for_unknown only makes sense on computed attributes"
            ));
        }
        if a.description.is_empty() {
            problems.push(format!("{name}: has no description"));
        }
        if let AttributeType::Nested(n) = &a.ty {
            if n.as_object_type && (a.required || a.optional) {
                problems.push(format!(
                    "{name}: only computed-only attributes can be served as an object type"
                ));
            }
            check_attributes(&n.attributes, &format!("{name}."), problems);
        }
    }
}

/// The object type of a set of attributes (no optional-attribute markers:
/// values on the wire always carry every attribute).
pub(crate) fn object_type(attrs: &[Attribute]) -> Type {
    Type::Object(ObjectType {
        attributes: attrs
            .iter()
            .map(|a| (a.name.clone(), a.ty.value_type()))
            .collect(),
        optional: Default::default(),
    })
}

/// What kind of value an attribute holds.
#[derive(Clone)]
pub enum AttributeType {
    /// A plain value type (`string`, `number`, `list(string)`, ...).
    Plain(Type),
    /// Nested attributes (like `control_plane = { cpu_core_count = 2 }`).
    Nested(NestedAttributes),
}

impl AttributeType {
    /// The value type of this attribute.
    pub fn value_type(&self) -> Type {
        match self {
            AttributeType::Plain(t) => t.clone(),
            AttributeType::Nested(n) => {
                let obj = object_type(&n.attributes);
                match n.nesting {
                    Nesting::Single => obj,
                    Nesting::List => Type::list(obj),
                    Nesting::Set => Type::set(obj),
                    Nesting::Map => Type::map(obj),
                }
            }
        }
    }
}

/// Nested attributes and how they nest.
#[derive(Clone)]
pub struct NestedAttributes {
    /// One object, or a list, set or map of them.
    pub nesting: Nesting,
    /// The attributes of each object.
    pub attributes: Vec<Attribute>,
    /// Served to Terraform as a plain object type (`list(object({...}))`)
    /// rather than as nested attributes; see [`Attribute::as_object_type`].
    pub as_object_type: bool,
}

/// How nested attributes nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// A single object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// One attribute, built with the chained methods below:
/// `Attribute::string("name").required().requires_replace().description("...")`.
#[derive(Clone)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its type.
    pub ty: AttributeType,
    /// Markdown description.
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider (when not configured).
    pub computed: bool,
    /// Hidden in plan output and logs.
    pub sensitive: bool,
    /// Deprecation message; the attribute still works.
    pub deprecation: Option<String>,
    /// Planned when the configuration leaves the attribute null (needs `computed`).
    pub default: Option<Value>,
    /// Holds whole numbers only (Terraform type `number`, checked at validate).
    pub integer: bool,
    /// A change to this attribute destroys and re-creates the object.
    pub requires_replace: bool,
    /// Keep the prior state's value instead of "known after apply" on updates.
    pub use_state_for_unknown: bool,
    /// Checks run at validate time on known values.
    pub validators: Vec<Arc<dyn Validator>>,
}

impl Attribute {
    fn new(name: &str, ty: AttributeType) -> Self {
        Self {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecation: None,
            default: None,
            integer: false,
            requires_replace: false,
            use_state_for_unknown: false,
            validators: Vec::new(),
        }
    }

    /// A string attribute.
    pub fn string(name: &str) -> Self {
        Self::new(name, AttributeType::Plain(Type::String))
    }

    /// A whole-number attribute (Terraform `number`, validated as a 64-bit integer).
    pub fn int64(name: &str) -> Self {
        Self {
            integer: true,
            ..Self::new(name, AttributeType::Plain(Type::Number))
        }
    }

    /// A boolean attribute.
    pub fn bool(name: &str) -> Self {
        Self::new(name, AttributeType::Plain(Type::Bool))
    }

    /// An attribute of any plain type.
    pub fn of_type(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeType::Plain(ty))
    }

    /// A single nested object.
    pub fn single_nested(name: &str, attributes: Vec<Attribute>) -> Self {
        Self::new(
            name,
            AttributeType::Nested(NestedAttributes {
                nesting: Nesting::Single,
                attributes,
                as_object_type: false,
            }),
        )
    }

    /// A list of nested objects.
    pub fn list_nested(name: &str, attributes: Vec<Attribute>) -> Self {
        Self::new(
            name,
            AttributeType::Nested(NestedAttributes {
                nesting: Nesting::List,
                attributes,
                as_object_type: false,
            }),
        )
    }

    /// Must be configured.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// May be configured.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Set by the provider.
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// Sensitive: hidden in plans and never logged.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Markdown description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Deprecated, with a message saying what to use instead.
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecation = Some(message.into());
        self
    }

    /// Optional and computed, with this value planned when the configuration leaves it null.
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.optional = true;
        self.computed = true;
        self.default = Some(value.into());
        self
    }

    /// For a single nested attribute whose every attribute has a default:
    /// the object of those defaults is its own default, so each default is
    /// written once, on its attribute.
    pub fn default_from_nested(self) -> Self {
        let defaults = match &self.ty {
            AttributeType::Nested(n) if n.nesting == Nesting::Single => n
                .attributes
                .iter()
                .map(|a| a.default.clone().map(|d| (a.name.clone(), d)))
                .collect::<Option<Vec<_>>>(),
            _ => None,
        };
        match defaults {
            Some(defaults) => self.default(Value::Object(defaults.into_iter().collect())),
            // Not all nested attributes have a default: Schema::check says so.
            None => self,
        }
    }

    /// For a computed-only nested attribute: serve it to Terraform as a
    /// plain object type (`object({...})`, `list(object({...}))`), with the
    /// same values and state JSON. Terraform before 1.2.7 cannot reference
    /// into nested attributes (hashicorp/terraform#31532), and 1.5 to 1.6
    /// crash on computed list-nested ones in `-generate-config-out`
    /// (hashicorp/terraform#34463); plain types work everywhere. The nested
    /// attributes stay declared, so the docs still describe every field.
    pub fn as_object_type(mut self) -> Self {
        if let AttributeType::Nested(n) = &mut self.ty {
            n.as_object_type = true;
        }
        self
    }

    /// A change forces replacement.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// Keep the prior value instead of planning "known after apply" on updates.
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    /// Adds a validator.
    pub fn validate(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }

    /// The nested attributes, when this attribute has them.
    pub fn nested(&self) -> Option<&NestedAttributes> {
        match &self.ty {
            AttributeType::Nested(n) => Some(n),
            AttributeType::Plain(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_of_nested_schema() {
        let s = Schema::new(
            "x",
            vec![
                Attribute::string("name").required().description("n"),
                Attribute::single_nested(
                    "spec",
                    vec![Attribute::int64("cpu").default(2).description("c")],
                )
                .optional()
                .computed()
                .description("s"),
            ],
        );
        assert!(s.check().is_empty(), "{:?}", s.check());
        let ty = s.ty();
        assert_eq!(
            ty,
            Type::object([
                ("name", Type::String),
                ("spec", Type::object([("cpu", Type::Number)])),
            ])
        );
    }

    #[test]
    fn a_nested_default_is_made_of_its_attributes_defaults() {
        let spec = |second: Attribute| {
            Attribute::single_nested(
                "spec",
                vec![Attribute::int64("cpu").default(2).description("c"), second],
            )
            .default_from_nested()
        };
        let full = spec(Attribute::bool("ha").default(true).description("h"));
        assert_eq!(
            full.default,
            Some(Value::object([
                ("cpu", Value::number(2)),
                ("ha", Value::Bool(true))
            ]))
        );
        assert!(full.optional && full.computed);
        // One attribute without a default: no default for the object.
        let partial = spec(Attribute::bool("ha").optional().description("h"));
        assert_eq!(partial.default, None);
    }

    #[test]
    fn check_finds_schema_bugs() {
        let s = Schema::new(
            "x",
            vec![
                Attribute::string("a").description("a"),
                Attribute::string("b")
                    .required()
                    .computed()
                    .description("b"),
                Attribute::string("c")
                    .optional()
                    .use_state_for_unknown()
                    .description("c"),
                Attribute::string("c").optional(),
            ],
        );
        let problems = s.check();
        assert_eq!(problems.len(), 5, "{problems:?}");
    }
}
