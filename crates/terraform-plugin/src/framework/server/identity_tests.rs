//! In-process protocol tests of resource identity and list resources: the
//! test provider of [`super::tests`] (whose widget has the identity `id`)
//! and a list resource of widgets, through the real tonic client.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;

use super::tests::{
    TestClient, apply_request, configure, connect, dv, plan_request, undv, widget, widget_ty,
};
use crate::cty::{Type, Value, decode_msgpack, encode_msgpack};
use crate::framework::validators::AtLeast;
use crate::framework::{
    Attribute, Diagnostics, ListItem, ListRequest, ListResource, ListResults, Schema,
};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_client::ProviderClient;

type Client = ProviderClient<tonic::transport::Channel>;

/// Lists `count` widgets `w-1`, `w-2`, … Tests tell their runs apart by
/// `tag`: [`RUNS`] records how many results each run tried to push and
/// whether it ended.
pub(super) struct WidgetList;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Run {
    pushed: usize,
    told_to_stop: bool,
    ended: bool,
}

static RUNS: Mutex<BTreeMap<String, Run>> = Mutex::new(BTreeMap::new());

fn run_of(tag: &str) -> Run {
    RUNS.lock().unwrap().get(tag).copied().unwrap_or_default()
}

fn update_run(tag: &str, f: impl FnOnce(&mut Run)) {
    f(RUNS.lock().unwrap().entry(tag.to_string()).or_default())
}

#[async_trait]
impl ListResource<TestClient> for WidgetList {
    fn type_name(&self) -> &'static str {
        "test_widget"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "widgets",
            vec![
                Attribute::int64("count")
                    .required()
                    .validate(AtLeast(0))
                    .description("how many"),
                Attribute::string("tag")
                    .optional()
                    .description("the test's run"),
                Attribute::int64("hang_after")
                    .optional()
                    .description("wait for StopProvider after this many"),
                Attribute::int64("bad_at")
                    .optional()
                    .description("this result has no ID"),
            ],
        )
    }

    async fn list(&self, req: ListRequest<'_, TestClient>, out: &mut ListResults) -> Diagnostics {
        let int = |name: &str| req.config.get_attr(name).and_then(Value::as_i64);
        let tag = req
            .config
            .get_attr("tag")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let count = int("count").unwrap_or(0);
        let mut diagnostics = Diagnostics::new();
        for n in 1..=count {
            update_run(&tag, |r| r.pushed += 1);
            let id = if int("bad_at") == Some(n) {
                Value::Null
            } else {
                Value::string(format!("w-{n}"))
            };
            // Without include_resource, the identity attributes are enough.
            let state = if req.include_resource {
                widget(id, &format!("n-{n}"), Value::number(n), Value::Null)
            } else {
                Value::object([("id", id)])
            };
            if !out.push(ListItem::new(format!("widget {n}"), state)).await {
                update_run(&tag, |r| r.told_to_stop = true);
                break;
            }
            if int("hang_after") == Some(n) {
                req.cancel.cancelled().await;
                diagnostics.error("Cancelled", "stopped while listing");
                break;
            }
        }
        if !diagnostics.has_errors() && !out.is_stopped() {
            diagnostics.warning("Listed", format!("{count} widgets"));
        }
        update_run(&tag, |r| r.ended = true);
        diagnostics
    }
}

fn identity_ty() -> Type {
    Type::object([("id", Type::String)])
}

fn identity(id: &str) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: encode_msgpack(&Value::object([("id", Value::string(id))]), &identity_ty())
                .unwrap(),
            json: vec![],
        }),
    })
}

/// The `id` of an identity the server answered; `None` when it answered none.
fn identity_id(data: Option<pb::ResourceIdentityData>) -> Option<String> {
    let dv = data?.identity_data?;
    let v = decode_msgpack(&dv.msgpack, &identity_ty()).unwrap();
    Some(v.get_attr("id")?.as_str()?.to_string())
}

#[tokio::test]
async fn identity_schemas_are_served_and_everything_else_is_unchanged() {
    let mut c = connect().await;
    let resp = c
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.identity_schemas.len(), 1);
    let schema = &resp.identity_schemas["test_widget"];
    assert_eq!(schema.version, 0);
    let attrs = &schema.identity_attributes;
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0].name, "id");
    assert_eq!(attrs[0].r#type, b"\"string\"");
    assert!(attrs[0].required_for_import && !attrs[0].optional_for_import);
    assert_eq!(attrs[0].description, "id");

    let meta = c
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    let lists: Vec<_> = meta
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(lists, ["test_widget"]);
    let schema = c
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let list = schema.list_resource_schemas["test_widget"]
        .block
        .as_ref()
        .unwrap();
    let names: Vec<_> = list.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["count", "tag", "hang_after", "bad_at"]);
    // The resource schema itself is as before.
    assert!(schema.resource_schemas.contains_key("test_widget"));
}

#[tokio::test]
async fn identity_follows_the_state_through_create_read_update_and_destroy() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let ty = widget_ty();
    let config = widget(Value::Null, "a", Value::Null, Value::Null);
    let plan = c
        .plan_resource_change(plan_request(&Value::Null, &config, &config))
        .await
        .unwrap()
        .into_inner();
    // The ID is not known before apply: no identity, rather than an invalid one.
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.planned_identity, None);
    let planned = undv(plan.planned_state, &ty);

    let created = c
        .apply_resource_change(apply_request(&Value::Null, &planned, &config))
        .await
        .unwrap()
        .into_inner();
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    assert_eq!(
        identity_id(created.new_identity.clone()).as_deref(),
        Some("w-1")
    );
    let state = undv(created.new_state, &ty);

    // A state stored before identities existed gets one at its next refresh.
    for current_identity in [None, identity("w-1")] {
        let read = c
            .read_resource(pb::read_resource::Request {
                type_name: "test_widget".into(),
                current_state: dv(&state, &ty),
                current_identity,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(identity_id(read.new_identity).as_deref(), Some("w-1"));
    }

    // An update in place: the planned and the new identity are the prior one.
    let bigger = widget(Value::Null, "a", Value::number(5), Value::Null);
    let proposed = widget(Value::string("w-1"), "a", Value::number(5), Value::Null);
    let plan = c
        .plan_resource_change(pb::plan_resource_change::Request {
            prior_identity: identity("w-1"),
            ..plan_request(&state, &proposed, &bigger)
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(
        identity_id(plan.planned_identity.clone()).as_deref(),
        Some("w-1")
    );
    let updated = c
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "test_widget".into(),
            prior_state: dv(&state, &ty),
            planned_state: plan.planned_state,
            config: dv(&bigger, &ty),
            planned_identity: plan.planned_identity,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
    assert_eq!(identity_id(updated.new_identity).as_deref(), Some("w-1"));

    let destroyed = c
        .apply_resource_change(pb::apply_resource_change::Request {
            planned_identity: identity("w-1"),
            ..apply_request(&state, &Value::Null, &Value::Null)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(destroyed.new_state, &ty), Value::Null);
    assert_eq!(destroyed.new_identity, None);
}

#[tokio::test]
async fn an_identity_that_changes_in_place_is_an_error_but_a_replacement_may_change_it() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let ty = widget_ty();
    let state = widget(Value::string("w-1"), "a", Value::number(3), Value::Null);
    let read = c
        .read_resource(pb::read_resource::Request {
            type_name: "test_widget".into(),
            current_state: dv(&state, &ty),
            current_identity: identity("w-2"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.diagnostics.len(), 1, "{:?}", read.diagnostics);
    assert_eq!(read.diagnostics[0].summary, "Unexpected Identity Change");
    assert!(read.diagnostics[0].detail.contains("id=\"w-2\""));

    // A stored identity whose attributes are all null counts as none.
    let empty = pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: encode_msgpack(&Value::object([("id", Value::Null)]), &identity_ty()).unwrap(),
            json: vec![],
        }),
    };
    let read = c
        .read_resource(pb::read_resource::Request {
            type_name: "test_widget".into(),
            current_state: dv(&state, &ty),
            current_identity: Some(empty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(identity_id(read.new_identity).as_deref(), Some("w-1"));

    // A plan in place that would carry another identity than the stored one.
    let plan = c
        .plan_resource_change(pb::plan_resource_change::Request {
            prior_identity: identity("w-9"),
            ..plan_request(
                &state,
                &state,
                &widget(Value::Null, "a", Value::Null, Value::Null),
            )
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(plan.diagnostics[0].summary, "Unexpected Identity Change");

    // A replacement (the name requires it) is free to change the identity.
    let renamed = widget(Value::string("w-1"), "b", Value::number(3), Value::Null);
    let plan = c
        .plan_resource_change(pb::plan_resource_change::Request {
            prior_identity: identity("w-9"),
            ..plan_request(
                &state,
                &renamed,
                &widget(Value::Null, "b", Value::Null, Value::Null),
            )
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.requires_replace.len(), 1);

    // An update whose result has another identity than planned.
    let applied = c
        .apply_resource_change(pb::apply_resource_change::Request {
            planned_identity: identity("w-3"),
            ..apply_request(
                &state,
                &state,
                &widget(Value::Null, "a", Value::Null, Value::Null),
            )
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(applied.diagnostics[0].summary, "Unexpected Identity Change");
}

#[tokio::test]
async fn import_by_identity_builds_the_state_from_the_identity() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let ty = widget_ty();
    let resp = c
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_widget".into(),
            id: String::new(),
            identity: identity("w-42"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let imported = &resp.imported_resources[0];
    assert_eq!(
        undv(imported.state.clone(), &ty),
        Value::object([
            ("id", Value::string("w-42")),
            ("name", Value::Null),
            ("size", Value::Null),
            ("hang", Value::Null),
            ("timeouts", Value::Null),
        ])
    );
    assert_eq!(
        identity_id(imported.identity.clone()).as_deref(),
        Some("w-42")
    );

    // By ID, the answer carries the identity too.
    let by_id = c
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_widget".into(),
            id: "w-7".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        identity_id(by_id.imported_resources[0].identity.clone()).as_deref(),
        Some("w-7")
    );

    // An identity that names nothing is refused, with no resource.
    let empty = c
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_widget".into(),
            identity: identity(""),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(empty.imported_resources.is_empty());
    assert_eq!(empty.diagnostics[0].summary, "Invalid import identity");
}

#[tokio::test]
async fn upgrade_resource_identity_reads_the_stored_identity() {
    let mut c = connect().await;
    let resp = c
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "test_widget".into(),
            version: 0,
            raw_identity: Some(pb::RawState {
                json: br#"{"id":"w-5"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(identity_id(resp.upgraded_identity).as_deref(), Some("w-5"));
    let newer = c
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "test_widget".into(),
            version: 3,
            raw_identity: Some(pb::RawState {
                json: br#"{"id":"w-5"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(newer.upgraded_identity, None);
    assert!(newer.diagnostics[0].summary.contains("newer provider"));
}

fn list_config(count: i64, tag: &str, extra: &[(&str, i64)]) -> Option<pb::DynamicValue> {
    let ty = WidgetList.schema().ty();
    let mut attrs = vec![
        ("count".to_string(), Value::number(count)),
        ("tag".to_string(), Value::string(tag)),
        ("hang_after".to_string(), Value::Null),
        ("bad_at".to_string(), Value::Null),
    ];
    for (k, v) in extra {
        if let Some(slot) = attrs.iter_mut().find(|(name, _)| name == k) {
            slot.1 = Value::number(*v);
        }
    }
    dv(&Value::object(attrs), &ty)
}

async fn list(
    c: &mut Client,
    config: Option<pb::DynamicValue>,
    include_resource_object: bool,
    limit: i64,
) -> tonic::Streaming<pb::list_resource::Event> {
    c.list_resource(pb::list_resource::Request {
        type_name: "test_widget".into(),
        config,
        include_resource_object,
        limit,
    })
    .await
    .unwrap()
    .into_inner()
}

async fn all_events(
    stream: tonic::Streaming<pb::list_resource::Event>,
) -> Vec<pb::list_resource::Event> {
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.map(Result::unwrap).collect(),
    )
    .await
    .expect("the stream ends")
}

#[tokio::test]
async fn list_streams_identities_display_names_and_states_when_asked() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let events = all_events(list(&mut c, list_config(3, "plain", &[]), false, 100).await).await;
    assert_eq!(events.len(), 4, "{events:?}");
    for (n, e) in events[..3].iter().enumerate() {
        assert_eq!(
            identity_id(e.identity.clone()),
            Some(format!("w-{}", n + 1))
        );
        assert_eq!(e.display_name, format!("widget {}", n + 1));
        assert_eq!(e.resource_object, None);
        assert!(e.diagnostic.is_empty());
    }
    // The list's own diagnostics come last, on their own.
    assert_eq!(events[3].identity, None);
    assert_eq!(events[3].diagnostic[0].summary, "Listed");
    assert_eq!(
        events[3].diagnostic[0].severity,
        pb::diagnostic::Severity::Warning as i32
    );

    let ty = widget_ty();
    let events = all_events(list(&mut c, list_config(2, "full", &[]), true, 100).await).await;
    assert_eq!(
        undv(events[1].resource_object.clone(), &ty),
        widget(Value::string("w-2"), "n-2", Value::number(2), Value::Null)
    );
    assert_eq!(
        identity_id(events[1].identity.clone()).as_deref(),
        Some("w-2")
    );
}

#[tokio::test]
async fn list_stops_at_the_limit() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let events = all_events(list(&mut c, list_config(10, "limit-3", &[]), false, 3).await).await;
    let ids: Vec<_> = events
        .iter()
        .filter_map(|e| identity_id(e.identity.clone()))
        .collect();
    assert_eq!(ids, ["w-1", "w-2", "w-3"]);
    assert_eq!(
        events.len(),
        3,
        "no diagnostics after the limit: {events:?}"
    );
    // The list was told to stop by its third push, and tried no fourth.
    assert_eq!(
        run_of("limit-3"),
        Run {
            pushed: 3,
            told_to_stop: true,
            ended: true
        }
    );

    // A limit of 0 lists nothing, without asking the list resource.
    let events = all_events(list(&mut c, list_config(10, "limit-0", &[]), false, 0).await).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(run_of("limit-0"), Run::default());

    // A negative limit is an error, not a silent empty listing.
    let events = all_events(list(&mut c, list_config(10, "limit-neg", &[]), false, -1).await).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].diagnostic[0].summary, "Invalid list limit");
    assert_eq!(run_of("limit-neg"), Run::default());
}

#[tokio::test]
async fn list_results_stream_before_the_listing_ends() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let mut stream = list(
        &mut c,
        list_config(5, "hang", &[("hang_after", 2)]),
        false,
        100,
    )
    .await;
    // Two results arrive while the list resource is still running.
    for n in 1..=2 {
        let e = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("a result")
            .unwrap()
            .unwrap();
        assert_eq!(identity_id(e.identity), Some(format!("w-{n}")));
    }
    assert!(!run_of("hang").ended);
    // StopProvider ends it; its error is the last event.
    c.stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap();
    let rest = all_events(stream).await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0].diagnostic[0].summary, "Cancelled");
    assert_eq!(run_of("hang").pushed, 2);
}

#[tokio::test]
async fn list_stops_when_terraform_stops_reading() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let mut stream = list(
        &mut c,
        list_config(100_000, "dropped", &[]),
        false,
        1_000_000,
    )
    .await;
    stream.next().await.unwrap().unwrap();
    drop(stream);
    tokio::time::timeout(Duration::from_secs(10), async {
        while !run_of("dropped").ended {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the listing ends once nobody reads");
    let run = run_of("dropped");
    assert!(run.told_to_stop, "{run:?}");
    assert!(run.pushed < 100_000, "{run:?}");
}

#[tokio::test]
async fn a_result_without_identity_is_an_error_that_ends_the_listing() {
    let mut c = connect().await;
    configure(&mut c, Value::Null).await;
    let events =
        all_events(list(&mut c, list_config(5, "bad", &[("bad_at", 2)]), false, 100).await).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        identity_id(events[0].identity.clone()).as_deref(),
        Some("w-1")
    );
    assert_eq!(events[1].identity, None);
    assert_eq!(events[1].diagnostic[0].summary, "Incomplete list result");
    assert!(events[1].diagnostic[0].detail.contains("widget 2"));
    assert_eq!(run_of("bad").pushed, 2);
}

#[tokio::test]
async fn list_config_is_validated_and_needs_a_configured_provider() {
    let mut c = connect().await;
    let resp = c
        .validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: "test_widget".into(),
            config: list_config(-1, "v", &[]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.diagnostics.len(), 1, "{:?}", resp.diagnostics);
    assert!(resp.diagnostics[0].attribute.is_some());

    // Not configured yet: one event with the error, no results.
    let events =
        all_events(list(&mut c, list_config(2, "unconfigured", &[]), false, 10).await).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].diagnostic[0].summary, "Provider not configured");
    let unknown = c
        .list_resource(pb::list_resource::Request {
            type_name: "test_gadget".into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let events = all_events(unknown).await;
    assert!(
        events[0].diagnostic[0]
            .summary
            .contains("Unknown list resource")
    );
}
