//! [`check_model`] on small schemas: each kind of mistake is reported.

use super::*;
use crate::framework::Attribute;

fn sample_schema() -> Schema {
    let nested = |name: &str| Attribute::string(name).computed().description("d");
    Schema::new(
        "s",
        vec![
            Attribute::string("name").required().description("d"),
            Attribute::int64("count").optional().description("d"),
            Attribute::bool("enabled").optional().description("d"),
            Attribute::of_type("tags", Type::set(Type::String))
                .optional()
                .description("d"),
            Attribute::of_type("labels", Type::map(Type::String))
                .optional()
                .description("d"),
            Attribute::single_nested(
                "spec",
                vec![Attribute::int64("cpu").required().description("d")],
            )
            .required()
            .description("d"),
            Attribute::list_nested("nodes", vec![nested("id"), nested("status")])
                .computed()
                .description("d"),
        ],
    )
}

#[derive(Serialize, Deserialize)]
struct Cpu {
    cpu: u8,
}

#[derive(Serialize, Deserialize)]
struct Status {
    id: Tri<String>,
    status: Tri<String>,
}

#[derive(Serialize, Deserialize)]
struct Good {
    name: String,
    count: Option<i64>,
    enabled: Tri<bool>,
    tags: Vec<String>,
    labels: BTreeMap<String, String>,
    spec: Cpu,
    nodes: Tri<Vec<Status>>,
}

#[test]
fn check_model_accepts_a_model_that_fits() {
    assert_eq!(check_model::<Good>(&sample_schema()), Vec::<String>::new());
}

#[test]
fn check_model_finds_an_unmapped_attribute() {
    #[derive(Serialize, Deserialize)]
    struct NoStatus {
        id: Tri<String>,
    }
    #[derive(Serialize, Deserialize)]
    struct Missing {
        name: String,
        count: Option<i64>,
        enabled: Tri<bool>,
        tags: Vec<String>,
        spec: Cpu,
        nodes: Tri<Vec<NoStatus>>,
    }
    assert_eq!(
        check_model::<Missing>(&sample_schema()),
        [
            "labels: the model does not map this attribute (it comes back null)",
            "nodes[0].status: the model does not map this attribute (it comes back null)",
            "nodes[1].status: the model does not map this attribute (it comes back null)",
        ]
    );
}

#[test]
fn check_model_finds_an_extra_field() {
    #[derive(Serialize, Deserialize)]
    struct Extra {
        name: String,
        count: Option<i64>,
        enabled: Tri<bool>,
        tags: Vec<String>,
        labels: BTreeMap<String, String>,
        spec: Cpu,
        nodes: Tri<Vec<Status>>,
        region: Option<String>,
    }
    assert_eq!(
        check_model::<Extra>(&sample_schema()),
        ["writing the model back: region: has no attribute in the schema"]
    );
}

#[test]
fn check_model_finds_a_wrong_type() {
    #[derive(Serialize, Deserialize)]
    struct Wrong {
        name: String,
        count: Option<i64>,
        enabled: Tri<bool>,
        tags: Vec<String>,
        labels: BTreeMap<String, String>,
        spec: Cpu,
        nodes: Tri<Vec<String>>,
    }
    assert_eq!(
        check_model::<Wrong>(&sample_schema()),
        ["reading a sample value: nodes[0]: must be a string, not an object"]
    );
}

#[test]
fn check_model_finds_a_lossy_field() {
    /// Writes 1, whatever it read: a model that loses information.
    #[derive(Serialize, Deserialize)]
    struct Lossy {
        #[serde(serialize_with = "always_one")]
        count: i64,
    }
    fn always_one<S: serde::Serializer>(_: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(1)
    }
    let schema = Schema::new(
        "s",
        vec![
            Attribute::string("pad").optional().description("d"),
            Attribute::int64("count").optional().description("d"),
        ],
    );
    let problems = check_model::<Lossy>(&schema);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("count: the model changes it"),
        "{problems:?}"
    );
    assert!(problems[1].starts_with("pad: the model does not map"));
}
