//! What the provider makes of an API that refuses, fails or loses answers:
//! error diagnostics that leak no token, nothing orphaned, nothing
//! duplicated.

use serde_json::json;
use xelon_provider::cty::Value;

use crate::cluster::{CLUSTER, cluster_config};
use crate::harness::{Harness, TOKEN, fast_emulator};
use crate::values::{assert_no_errors, diagnostics_text, errors, has_errors, text};

/// The text of `diags` with every one of `secrets` masked, for failure
/// messages; and whether any secret was there.
fn masked(diags: &[crate::tfplugin6::Diagnostic], secrets: &[&str]) -> (String, bool) {
    let all = diagnostics_text(diags);
    let leaked = secrets.iter().any(|s| all.contains(s));
    let shown = secrets.iter().fold(all, |text, s| text.replace(s, "***"));
    (shown, leaked)
}

/// Fails the test if `diags` show any of `secrets` (masked in the message).
fn assert_no_secret(diags: &[crate::tfplugin6::Diagnostic], secrets: &[&str]) {
    let (shown, leaked) = masked(diags, secrets);
    assert!(
        !leaked,
        "a token is in the diagnostics (masked here as ***):\n{shown}"
    );
}

/// How many requests the emulator saw on `route` (e.g. `POST /kubernetes`).
async fn requests_on(h: &Harness, route: &str) -> u64 {
    let (_, counts) = h.admin("GET", "requests", None).await;
    counts["by_route"][route].as_u64().unwrap_or(0)
}

/// A fault on the next `count` cluster creates (`POST .../kubernetes`).
fn on_create(count: u32, fault: serde_json::Value) -> serde_json::Value {
    let mut rule = json!({"method": "POST", "path_prefix": "/api/v2/kubernetes", "count": count});
    rule.as_object_mut()
        .expect("an object")
        .extend(fault.as_object().expect("an object").clone());
    rule
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_an_error_that_does_not_show_the_token() {
    const WRONG: &str = "wrong-token-Zq9xK2pL";
    let mut h = Harness::start_with(fast_emulator()).await;
    // Configuring needs no API call: only the calls fail.
    assert_no_errors(&h.configure(WRONG).await, "configure");
    let secrets = [WRONG, TOKEN];

    let plan = h.plan(CLUSTER, &Value::Null, cluster_config("c", 2)).await;
    let errs = errors(&plan.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].1.contains("credentials"), "{errs:?}");
    assert_no_secret(&plan.diagnostics, &secrets);
    assert!(masked(&plan.diagnostics, &secrets).0.contains("401"));

    // Applied anyway: the check for an existing cluster fails, nothing is sent.
    let applied = h.apply(&plan).await;
    assert!(has_errors(&applied.diagnostics));
    assert!(applied.state.is_null(), "{:?}", applied.state);
    assert_no_secret(&applied.diagnostics, &secrets);
    assert_eq!(requests_on(&h, "POST /kubernetes").await, 0);

    let tenant = h.read_data("xelon_tenant", json!({})).await;
    assert!(has_errors(&tenant.diagnostics));
    assert!(tenant.state.is_null());
    assert_no_secret(&tenant.diagnostics, &secrets);
    assert!(h.clusters().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_on_the_create_itself_creates_nothing_and_shows_no_token() {
    let mut h = Harness::start().await;
    // An API that echoes the token it refuses: the provider must redact it.
    let echo = format!("Unauthenticated: the token {TOKEN} has expired");
    h.fault(on_create(1, json!({"status": 401, "message": echo})))
        .await;
    let plan = h.plan(CLUSTER, &Value::Null, cluster_config("c", 2)).await;
    assert_no_errors(&plan.diagnostics, "plan");
    let applied = h.apply(&plan).await;
    let errs = errors(&applied.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    // Said as every rejected credential is, with the operation in the detail.
    assert_eq!(
        errs[0].1, "The Xelon API rejected the provider's credentials",
        "{errs:?}"
    );
    assert_no_secret(&applied.diagnostics, &[TOKEN]);
    let (shown, _) = masked(&applied.diagnostics, &[TOKEN]);
    assert!(shown.contains("Unable to create"), "{shown}");
    assert!(
        shown.contains("has expired"),
        "the API's message is shown: {shown}"
    );
    assert!(applied.state.is_null());
    assert!(h.clusters().await.is_empty());
    assert_eq!(requests_on(&h, "POST /kubernetes").await, 1, "not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_is_an_error_and_leaves_nothing() {
    let mut h = Harness::start().await;
    h.fault(on_create(
        1,
        json!({"status": 422, "message": "no capacity"}),
    ))
    .await;
    let plan = h.plan(CLUSTER, &Value::Null, cluster_config("c", 2)).await;
    let applied = h.apply(&plan).await;
    let errs = errors(&applied.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(diagnostics_text(&applied.diagnostics).contains("no capacity"));
    assert!(
        applied.state.is_null(),
        "nothing to record: {:?}",
        applied.state
    );
    assert!(h.clusters().await.is_empty());
    assert_eq!(
        requests_on(&h, "POST /kubernetes").await,
        1,
        "a 422 is final"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_on_create_is_recovered_or_reported_never_duplicated() {
    // One 500 (the create not processed): looked up by name, not found,
    // sent again: one cluster, in state.
    let mut h = Harness::start().await;
    h.fault(on_create(1, json!({"status": 500}))).await;
    let state = h.create(CLUSTER, cluster_config("retried", 2)).await;
    let truth = h.clusters().await;
    assert_eq!(truth.len(), 1, "{truth:#?}");
    assert_eq!(truth[0]["cluster"]["identifier"], text(&state, "id"));
    assert_eq!(requests_on(&h, "POST /kubernetes").await, 2);

    // 500s until the create's timeout: an error, and nothing made.
    let mut h = Harness::start().await;
    h.fault(on_create(100, json!({"status": 500}))).await;
    let mut cfg = cluster_config("failing", 2);
    cfg["timeouts"] = json!({"create": "1s"});
    let plan = h.plan(CLUSTER, &Value::Null, cfg).await;
    let applied = h.apply(&plan).await;
    let errs = errors(&applied.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(diagnostics_text(&applied.diagnostics).contains("500"));
    assert!(applied.state.is_null());
    assert!(h.clusters().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_fails_to_provision_stays_in_state_with_its_id() {
    let mut h = Harness::start().await;
    h.fault(json!({"fail_next_cluster": true})).await;
    let plan = h
        .plan(CLUSTER, &Value::Null, cluster_config("broken", 2))
        .await;
    let applied = h.apply(&plan).await;
    let errs = errors(&applied.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let truth = h.clusters().await;
    assert_eq!(truth.len(), 1, "{truth:#?}");
    assert_eq!(truth[0]["cluster"]["status"], "Error");
    // The object exists: its ID is recorded (Terraform taints it), so a
    // destroy or replacement can find it.
    assert_eq!(
        truth[0]["cluster"]["identifier"],
        text(&applied.state, "id")
    );
    let destroyed = h.destroy(CLUSTER, &applied.state).await;
    assert_no_errors(&destroyed.diagnostics, "destroy");
    assert!(h.clusters().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_still_makes_exactly_one_cluster() {
    for lose in ["504", "drop"] {
        let mut h = Harness::start().await;
        h.fault(on_create(1, json!({"lose_response": lose}))).await;
        let state = h
            .create(CLUSTER, cluster_config(&format!("lost-{lose}"), 2))
            .await;
        let truth = h.clusters().await;
        assert_eq!(truth.len(), 1, "{lose}: {truth:#?}");
        assert_eq!(
            truth[0]["cluster"]["identifier"],
            text(&state, "id"),
            "{lose}"
        );
        assert_eq!(
            requests_on(&h, "POST /kubernetes").await,
            1,
            "{lose}: found by name, not sent again"
        );
        let (_, counts) = h.admin("GET", "requests", None).await;
        assert_eq!(counts["lost"][lose], 1, "{lose}: {counts}");
    }
}
