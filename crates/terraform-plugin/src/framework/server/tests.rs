//! In-process protocol tests: the tonic service on 127.0.0.1:0, driven by
//! the generated gRPC client exactly as Terraform would drive it.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use super::grpc::convert;
use super::*;
use crate::cty::Value;
use crate::cty::{AttributePath, decode_msgpack, encode_msgpack};
use crate::framework::validators::AtLeast;
use crate::framework::{Attribute, timeouts};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_client::ProviderClient;

/// A provider whose "API" is a counter and whose create can be made to hang.
struct TestProvider;

/// Set once a create is hanging, waiting to be cancelled.
static HANGING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub(super) struct TestClient {
    next_id: Mutex<u32>,
}

struct Widget;

#[async_trait]
impl Provider for TestProvider {
    type Client = TestClient;

    fn schema(&self) -> Schema {
        Schema::new(
            "test",
            vec![Attribute::string("endpoint").optional().description("e")],
        )
    }

    async fn configure(&self, req: ConfigureRequest<'_>) -> ConfigureResponse<TestClient> {
        let client = (!req
            .config
            .get_attr("endpoint")
            .is_some_and(Value::is_unknown))
        .then(|| TestClient {
            next_id: Mutex::new(0),
        });
        ConfigureResponse {
            client,
            diagnostics: Diagnostics::new(),
        }
    }

    fn resources(&self) -> Vec<Box<dyn Resource<TestClient>>> {
        vec![Box::new(Widget)]
    }

    fn data_sources(&self) -> Vec<Box<dyn DataSource<TestClient>>> {
        vec![]
    }

    fn list_resources(&self) -> Vec<Box<dyn ListResource<TestClient>>> {
        vec![Box::new(super::identity_tests::WidgetList)]
    }
}

#[async_trait]
impl Resource<TestClient> for Widget {
    fn type_name(&self) -> &'static str {
        "test_widget"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "widget",
            vec![
                Attribute::string("id")
                    .computed()
                    .use_state_for_unknown()
                    .description("id"),
                Attribute::string("name")
                    .required()
                    .requires_replace()
                    .description("n"),
                Attribute::int64("size")
                    .default(3)
                    .validate(AtLeast(1))
                    .description("s"),
                Attribute::bool("hang").optional().description("h"),
                timeouts::attribute(Duration::from_secs(60)),
            ],
        )
    }

    fn identity(&self) -> Option<crate::framework::Identity> {
        Some(crate::framework::Identity::new(&["id"]))
    }

    async fn modify_plan(&self, req: PlanRequest<'_, TestClient>, resp: &mut PlanResponse) {
        // A decision made at plan, for the apply to carry out as made.
        if req.config.get_attr("name").and_then(Value::as_str) == Some("tagged") {
            resp.private.set("id", &"decided-at-plan");
        }
    }

    async fn create(&self, req: CreateRequest<'_, TestClient>) -> ApplyResponse {
        if let Some(id) = req.private.get::<String>("id") {
            let mut state = req.planned.clone();
            if let Value::Object(attrs) = &mut state {
                attrs.insert("id".into(), Value::string(id));
            }
            return ApplyResponse::ok(state);
        }
        if req.planned.get_attr("hang").and_then(Value::as_bool) == Some(true) {
            HANGING.store(true, std::sync::atomic::Ordering::SeqCst);
            req.cancel.cancelled().await;
            let mut diagnostics = Diagnostics::new();
            diagnostics.error("Cancelled", "stopped");
            return ApplyResponse::failed(
                Value::object([("id", Value::string("partial"))]),
                diagnostics,
            );
        }
        let id = {
            let mut n = req.client.next_id.lock().unwrap();
            *n += 1;
            format!("w-{n}")
        };
        let mut state = req.planned.clone();
        if let Value::Object(attrs) = &mut state {
            attrs.insert("id".into(), Value::string(id));
        }
        ApplyResponse::ok(state)
    }

    async fn read(&self, req: ReadRequest<'_, TestClient>) -> ReadResponse {
        let gone = req.state.get_attr("name").and_then(Value::as_str) == Some("gone");
        ReadResponse {
            state: if gone { Value::Null } else { req.state.clone() },
            diagnostics: Diagnostics::new(),
        }
    }

    async fn update(&self, req: UpdateRequest<'_, TestClient>) -> ApplyResponse {
        ApplyResponse::ok(req.planned.clone())
    }

    async fn delete(&self, _req: DeleteRequest<'_, TestClient>) -> DeleteResponse {
        DeleteResponse::default()
    }

    async fn import(&self, req: ImportRequest<'_, TestClient>) -> ImportResponse {
        ImportResponse {
            state: Value::object([("id", Value::string(req.id))]),
            diagnostics: Diagnostics::new(),
        }
    }
}

pub(super) async fn connect() -> ProviderClient<tonic::transport::Channel> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = ProtocolServer::new(TestProvider).into_service();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .serve_with_incoming(
                service,
                tokio_stream::wrappers::TcpListenerStream::new(listener),
            )
            .await
    });
    ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

pub(super) fn widget_ty() -> Type {
    Widget.schema().ty()
}

pub(super) fn dv(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(v, ty).unwrap(),
        json: vec![],
    })
}

/// A widget's `PlanResourceChange` request.
pub(super) fn plan_request(
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> pb::plan_resource_change::Request {
    let ty = widget_ty();
    pb::plan_resource_change::Request {
        type_name: "test_widget".into(),
        prior_state: dv(prior, &ty),
        proposed_new_state: dv(proposed, &ty),
        config: dv(config, &ty),
        ..Default::default()
    }
}

/// A widget's `ApplyResourceChange` request.
pub(super) fn apply_request(
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> pb::apply_resource_change::Request {
    let ty = widget_ty();
    pb::apply_resource_change::Request {
        type_name: "test_widget".into(),
        prior_state: dv(prior, &ty),
        planned_state: dv(planned, &ty),
        config: dv(config, &ty),
        ..Default::default()
    }
}

pub(super) fn undv(v: Option<pb::DynamicValue>, ty: &Type) -> Value {
    decode_msgpack(&v.expect("a value").msgpack, ty).unwrap()
}

pub(super) fn widget(id: Value, name: &str, size: Value, hang: Value) -> Value {
    Value::object([
        ("id", id),
        ("name", Value::string(name)),
        ("size", size),
        ("hang", hang),
        ("timeouts", Value::Null),
    ])
}

pub(super) async fn configure(
    client: &mut ProviderClient<tonic::transport::Channel>,
    endpoint: Value,
) {
    let ty = TestProvider.schema().ty();
    let resp = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.15.5".into(),
            config: dv(&Value::object([("endpoint", endpoint)]), &ty),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty());
}

#[tokio::test]
async fn schema_and_capabilities() {
    let mut c = connect().await;
    let resp = c
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        resp.server_capabilities
            .unwrap()
            .get_provider_schema_optional
    );
    let widget = &resp.resource_schemas["test_widget"];
    let block = widget.block.as_ref().unwrap();
    let names: Vec<_> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "size", "hang", "timeouts"]);
    let timeouts = block
        .attributes
        .iter()
        .find(|a| a.name == "timeouts")
        .unwrap();
    assert_eq!(
        timeouts.nested_type.as_ref().unwrap().nesting,
        pb::schema::object::NestingMode::Single as i32
    );
    // Optional and computed (null by default): Terraform 1.0.0-1.0.4 panic
    // planning a create with an optional, non-computed nested attribute.
    assert!(timeouts.optional && timeouts.computed);
    let size = block.attributes.iter().find(|a| a.name == "size").unwrap();
    assert_eq!(size.r#type, b"\"number\"");
}

#[tokio::test]
async fn validate_reports_attribute_paths() {
    let mut c = connect().await;
    let ty = widget_ty();
    let resp = c
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_widget".into(),
            config: dv(
                &widget(Value::Null, "a", Value::number(0), Value::Null),
                &ty,
            ),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.diagnostics.len(), 1);
    let path = resp.diagnostics[0].attribute.clone().unwrap();
    assert_eq!(path, convert::path_to_proto(&AttributePath::attr("size")));
    let unknown = c
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "nope".into(),
            config: None,
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        unknown.diagnostics[0]
            .summary
            .contains("Unknown resource type")
    );
}

#[tokio::test]
async fn private_data_of_a_plan_reaches_its_apply() {
    let mut c = connect().await;
    configure(&mut c, Value::string("x")).await;
    let ty = widget_ty();
    let config = widget(Value::Null, "tagged", Value::Null, Value::Null);
    let plan = c
        .plan_resource_change(plan_request(&Value::Null, &config, &config))
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.planned_private, br#"{"id":"decided-at-plan"}"#);
    let planned = undv(plan.planned_state, &ty);
    let applied = c
        .apply_resource_change(pb::apply_resource_change::Request {
            planned_private: plan.planned_private,
            ..apply_request(&Value::Null, &planned, &config)
        })
        .await
        .unwrap()
        .into_inner();
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    let state = undv(applied.new_state, &ty);
    assert_eq!(
        state.get_attr("id"),
        Some(&Value::string("decided-at-plan"))
    );
    // A plan that decides nothing hands on no private data.
    let config = widget(Value::Null, "plain", Value::Null, Value::Null);
    let plan = c
        .plan_resource_change(plan_request(&Value::Null, &config, &config))
        .await
        .unwrap()
        .into_inner();
    assert!(plan.planned_private.is_empty());
}

#[tokio::test]
async fn plan_apply_read_cycle() {
    let mut c = connect().await;
    configure(&mut c, Value::string("x")).await;
    let ty = widget_ty();
    let config = widget(Value::Null, "a", Value::Null, Value::Null);
    let plan = c
        .plan_resource_change(plan_request(&Value::Null, &config, &config))
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let planned = undv(plan.planned_state, &ty);
    assert_eq!(
        planned,
        widget(Value::Unknown, "a", Value::number(3), Value::Null)
    );

    let applied = c
        .apply_resource_change(pb::apply_resource_change::Request {
            planned_private: b"opaque".to_vec(),
            ..apply_request(&Value::Null, &planned, &config)
        })
        .await
        .unwrap()
        .into_inner();
    assert!(applied.diagnostics.is_empty());
    assert_eq!(applied.private, b"opaque");
    let state = undv(applied.new_state, &ty);
    assert_eq!(state.get_attr("id"), Some(&Value::string("w-1")));

    // Rename: replacement with the name's path.
    let renamed = widget(Value::Null, "b", Value::Null, Value::Null);
    let proposed = widget(Value::string("w-1"), "b", Value::number(3), Value::Null);
    let plan = c
        .plan_resource_change(plan_request(&state, &proposed, &renamed))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        plan.requires_replace,
        vec![convert::path_to_proto(&AttributePath::attr("name"))]
    );

    // Read of a vanished object answers null.
    let gone = widget(Value::string("w-9"), "gone", Value::number(3), Value::Null);
    let read = c
        .read_resource(pb::read_resource::Request {
            type_name: "test_widget".into(),
            current_state: dv(&gone, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(read.new_state, &ty), Value::Null);

    // Destroy: null planned state, null new state.
    let destroyed = c
        .apply_resource_change(apply_request(&state, &Value::Null, &Value::Null))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(destroyed.new_state, &ty), Value::Null);
}

#[tokio::test]
async fn upgrade_state_decodes_json_with_current_schema() {
    let mut c = connect().await;
    let ty = widget_ty();
    // Stored by an older schema: no "hang", an attribute since removed.
    let json = br#"{"id":"w-7","name":"old","size":5,"timeouts":null,"removed":true}"#;
    let resp = c
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_widget".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(
        undv(resp.upgraded_state, &ty),
        widget(Value::string("w-7"), "old", Value::number(5), Value::Null)
    );
    let newer = c
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_widget".into(),
            version: 9,
            raw_state: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(newer.diagnostics[0].summary.contains("newer provider"));
}

#[tokio::test]
async fn import_fills_every_attribute() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let ty = widget_ty();
    let resp = c
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_widget".into(),
            id: "w-42".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let imported = &resp.imported_resources[0];
    assert_eq!(imported.type_name, "test_widget");
    let state = undv(imported.state.clone(), &ty);
    assert_eq!(
        state,
        Value::object([
            ("id", Value::string("w-42")),
            ("name", Value::Null),
            ("size", Value::Null),
            ("hang", Value::Null),
            ("timeouts", Value::Null),
        ])
    );
}

#[tokio::test]
async fn unknown_provider_config_plans_without_client_and_skips_refresh() {
    let mut c = connect().await;
    configure(&mut c, Value::Unknown).await;
    let ty = widget_ty();
    let state = widget(Value::string("w-1"), "gone", Value::number(3), Value::Null);
    let read = c
        .read_resource(pb::read_resource::Request {
            type_name: "test_widget".into(),
            current_state: dv(&state, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    // Not refreshed (the resource would have said "gone"), and a warning says why.
    assert_eq!(undv(read.new_state, &ty), state);
    assert_eq!(
        read.diagnostics[0].severity,
        pb::diagnostic::Severity::Warning as i32
    );
}

#[tokio::test]
async fn stop_provider_cancels_in_flight_apply_and_keeps_partial_state() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let planned = widget(Value::Unknown, "slow", Value::number(3), Value::Bool(true));
    let mut applier = c.clone();
    let apply = tokio::spawn(async move {
        applier
            .apply_resource_change(apply_request(&Value::Null, &planned, &planned))
            .await
            .unwrap()
            .into_inner()
    });
    // Stop only once the create is in flight (no race on a fixed sleep).
    tokio::time::timeout(Duration::from_secs(5), async {
        while !HANGING.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the create started");
    c.stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(5), apply)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.diagnostics[0].summary, "Cancelled");
    let state = undv(resp.new_state, &widget_ty());
    assert_eq!(state.get_attr("id"), Some(&Value::string("partial")));
    assert_eq!(state.get_attr("name"), Some(&Value::Null));
}

#[test]
fn schema_problems_of_every_kind_are_found_when_the_server_is_built() {
    let bad = Schema::new(
        "bad",
        vec![
            Attribute::string("twice").optional().description("a"),
            Attribute::string("twice").optional().description("b"),
        ],
    );
    let widget = |schema: Schema| {
        let ty = schema.ty();
        [(
            "test_widget",
            Typed::<dyn Resource<TestClient>> {
                item: Box::new(Widget),
                schema,
                ty,
            },
        )]
        .into_iter()
        .collect::<BTreeMap<_, _>>()
    };
    let none = BTreeMap::<&'static str, Typed<dyn DataSource<TestClient>>>::new();
    let no_ephemeral = BTreeMap::<&'static str, Typed<dyn EphemeralResource<TestClient>>>::new();
    let no_lists = BTreeMap::<&'static str, Typed<dyn ListResource<TestClient>>>::new();
    let found = schema_problems(&bad, &widget(bad.clone()), &none, &no_ephemeral, &no_lists);
    assert_eq!(
        found,
        [
            "provider: twice: declared twice",
            "resource test_widget: twice: declared twice"
        ]
    );
    let fine = schema_problems(
        &TestProvider.schema(),
        &widget(Widget.schema()),
        &none,
        &no_ephemeral,
        &no_lists,
    );
    assert!(fine.is_empty(), "{fine:?}");
    // Served: Terraform is told with the schemas.
    let server = ProtocolServer::new(TestProvider);
    assert!(server.schema_problems().is_empty());
}
