//! `xelon_tenant`.

use serde_json::{Value, json};

use crate::support::{Emulator, Workspace};
use crate::{assert_valid_with_changes, output, take_requests};

#[test]
fn tenant_current_by_id_and_by_name() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(
        r#"
data "xelon_tenant" "current" {}
data "xelon_tenant" "by_id" {
  id = "tenant-2"
}
data "xelon_tenant" "by_name" {
  name = "Emulated Customer B"
}
output "current" { value = data.xelon_tenant.current }
output "by_id" { value = data.xelon_tenant.by_id }
output "by_name" { value = data.xelon_tenant.by_name }
"#,
    );
    ws.apply();
    assert_eq!(
        output(&ws, "current"),
        json!({"id": "tenant-1", "name": "Emulated Tenant", "parent_tenant_id": null, "status": "active", "type": "reseller"})
    );
    assert_eq!(
        output(&ws, "by_id"),
        json!({"id": "tenant-2", "name": "Emulated Customer A", "parent_tenant_id": "tenant-1", "status": "active", "type": "customer"})
    );
    assert_eq!(output(&ws, "by_name")["id"], "tenant-3");
    ws.assert_no_changes();

    ws.config("data \"xelon_tenant\" \"t\" {\n  id = \"tenant-9\"\n}\n");
    ws.plan()
        .fails_with(&["Unable to read the tenant: not found", "id = \"tenant-9\""]);

    // An empty string counts as not set, as in the Go provider: the current tenant.
    ws.config(
        "data \"xelon_tenant\" \"t\" {\n  id = \"\"\n}\noutput \"id\" { value = data.xelon_tenant.t.id }\n",
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "tenant-1");

    // Rejected credentials: said plainly, not as "not found".
    let strict = Emulator::start_with(&["--token", "right"]);
    let mut wrong = Workspace::new(&strict);
    wrong.set_env("XELON_TOKEN", "wrong");
    wrong.config("data \"xelon_tenant\" \"t\" {}\n");
    wrong
        .plan()
        .fails_with(&["The Xelon API rejected the provider's credentials", "401"]);
}

/// A name is looked up as the Go provider does: one `GET tenants?search=`,
/// whose single result is taken even if it matches only in part.
#[test]
fn tenant_by_name_is_one_search() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);

    // A partial name with a single match resolves to that tenant.
    ws.config(
        r#"
data "xelon_tenant" "b" {
  name = "Customer B"
}
output "b" { value = data.xelon_tenant.b }
"#,
    );
    take_requests(&emu);
    ws.apply();
    assert_eq!(
        output(&ws, "b"),
        json!({"id": "tenant-3", "name": "Emulated Customer B", "parent_tenant_id": "tenant-1", "status": "active", "type": "customer"})
    );
    // apply = plan + apply: the data source is read once, with one request.
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));
    ws.assert_no_changes();
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));

    // Several partial matches: an error listing them, still one request.
    ws.config("data \"xelon_tenant\" \"t\" {\n  name = \"Customer\"\n}\n");
    ws.plan().fails_with(&[
        "Several tenants match",
        "name = \"Customer\"",
        "\"Emulated Customer A\" (tenant-2), \"Emulated Customer B\" (tenant-3)",
    ]);
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));

    // No match: an error, without listing every tenant (one request).
    ws.config("data \"xelon_tenant\" \"t\" {\n  name = \"Nobody\"\n}\n");
    ws.plan()
        .fails_with(&["Tenant not found", "name = \"Nobody\"", "found none"]);
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));

    // A tenant named exactly so wins over partial matches (the Go provider
    // refuses any search with several results). The search answer is
    // canned: the seed has no such names.
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({
            "method": "GET", "path_prefix": "/api/v2/tenants", "count": 1,
            "body": {
                "data": [
                    {"identifier": "t-ops", "name": "Team Backend Ops"},
                    {"identifier": "t-be", "name": "Team Backend"},
                ],
                "meta": {"currentPage": 1, "lastPage": 1, "perPage": 50, "total": 2},
            },
        })),
    );
    assert_eq!(status, 201, "{body}");
    ws.config(
        r#"
data "xelon_tenant" "team" {
  name = "Team Backend"
}
output "id" { value = data.xelon_tenant.team.id }
"#,
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "t-be");

    // A search answer with more pages is not paged through: one request,
    // and what it did not return still counts as candidates.
    take_requests(&emu);
    let (status, body) = emu.admin(
        "POST",
        "faults",
        Some(json!({
            "method": "GET", "path_prefix": "/api/v2/tenants", "count": 1,
            "body": {
                "data": [{"identifier": "t-1", "name": "Team 1"}],
                "meta": {"currentPage": 1, "lastPage": 51, "perPage": 1, "total": 51},
            },
        })),
    );
    assert_eq!(status, 201, "{body}");
    ws.config("data \"xelon_tenant\" \"t\" {\n  name = \"Team\"\n}\n");
    ws.plan().fails_with(&[
        "Several tenants match",
        "found 51 tenants: \"Team 1\" (t-1), and 50 more",
    ]);
    assert_eq!(take_requests(&emu), json!({"GET /tenants": 1}));
}

/// Xelon's Go provider documents `id` and `name` together
/// (`examples/data-sources/xelon_tenant/data-source_with_id_and_name.tf`):
/// accepted when they name the same tenant.
#[test]
fn tenant_with_id_and_name() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    // The Go provider's example, with the emulator's tenant.
    ws.config(
        r#"
data "xelon_tenant" "team" {
  id   = "tenant-2"
  name = "Emulated Customer A"
}
output "team" { value = data.xelon_tenant.team }
"#,
    );
    assert_valid_with_changes(&ws);
    take_requests(&emu);
    ws.apply();
    assert_eq!(
        output(&ws, "team"),
        json!({"id": "tenant-2", "name": "Emulated Customer A", "parent_tenant_id": "tenant-1", "status": "active", "type": "customer"})
    );
    // The name is the tenant's: one `GET tenants/{id}`, no search.
    let calls = take_requests(&emu);
    let routes: Vec<(&String, &Value)> = calls.as_object().into_iter().flatten().collect();
    assert!(
        matches!(routes.as_slice(), [(route, n)] if route.starts_with("GET /tenants/") && **n == 1),
        "{calls}"
    );
    ws.assert_no_changes();

    // A partial name that on its own names the same tenant agrees too.
    ws.config(
        r#"
data "xelon_tenant" "team" {
  id   = "tenant-3"
  name = "customer b"
}
output "id" { value = data.xelon_tenant.team.id }
"#,
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "tenant-3");

    // Naming different tenants: an error on `name` that says what each names.
    let team = |id: &str, name: &str| {
        format!(
            r#"
data "xelon_tenant" "team" {{
  id   = "{id}"
  name = "{name}"
}}
"#
        )
    };
    ws.config(&team("tenant-2", "Emulated Tenant"));
    ws.plan().fails_with(&[
        "`id` and `name` name different tenants",
        "name = \"Emulated Tenant\"",
        "`id` = \"tenant-2\" is the tenant \"Emulated Customer A\", but `name` = \"Emulated Tenant\" is the name of the tenant tenant-1.",
    ]);
    // A name that matches several tenants does not single out the id's one.
    ws.config(&team("tenant-2", "Customer"));
    ws.plan().fails_with(&[
        "`id` and `name` name different tenants",
        "but `name` = \"Customer\" matches several tenants: \"Emulated Customer A\" (tenant-2), \"Emulated Customer B\" (tenant-3).",
    ]);
}
