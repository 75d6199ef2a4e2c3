//! Acceptance tests of the data sources: real Terraform, the built provider
//! and a local emulator (seeded with tenants tenant-1..3 and clouds
//! cloud-1/cloud-2, see `crates/xelon-emulator/src/seed.rs`). One module a data source,
//! and one for the schemas they serve.

#[path = "../support/mod.rs"]
mod support;

mod cloud;
mod cluster;
mod node_pool;
mod schemas;
mod tenant;
mod versions;

use serde_json::Value;
use support::{Emulator, Workspace};

/// `terraform output -json`, parsed.
pub fn outputs(ws: &Workspace) -> Value {
    let run = ws.tf(&["output", "-json", "-no-color"]).ok();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("outputs JSON: {e}\n{}", run.stdout))
}

/// The value of output `name`.
pub fn output(ws: &Workspace, name: &str) -> Value {
    let all = outputs(ws);
    all.get(name)
        .unwrap_or_else(|| panic!("no output {name}: {all}"))["value"]
        .clone()
}

/// Asserts that the configuration validates and that a plan shows changes
/// (its outputs).
pub fn assert_valid_with_changes(ws: &Workspace) {
    ws.tf(&["validate", "-no-color"]).ok();
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        2,
        "expected a plan with the output:\n{}",
        plan.all()
    );
}

/// The API calls the emulator counted since the last call, by route
/// (`{"GET /tenants": 1}`); resets the counters.
pub fn take_requests(emu: &Emulator) -> Value {
    let (status, log) = emu.admin("DELETE", "requests", None);
    assert_eq!(status, 200, "{log}");
    log["by_route"].clone()
}
