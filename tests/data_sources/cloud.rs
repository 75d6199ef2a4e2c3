//! `xelon_cloud`.

use serde_json::json;

use crate::support::{Emulator, Workspace};
use crate::{assert_valid_with_changes, output, take_requests};

#[test]
fn cloud_by_name_and_by_id() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(
        r#"
data "xelon_cloud" "by_name" {
  name = "Secondary Cloud"
}
data "xelon_cloud" "by_id" {
  id = "cloud-1"
}
output "by_name" { value = data.xelon_cloud.by_name }
output "by_id" { value = data.xelon_cloud.by_id }
"#,
    );
    ws.apply();
    assert_eq!(
        output(&ws, "by_name"),
        json!({"id": "cloud-2", "name": "Secondary Cloud", "type": "hcp", "hv_type": "vmware"})
    );
    assert_eq!(
        output(&ws, "by_id"),
        json!({"id": "cloud-1", "name": "Main HCP Cloud", "type": "hcp", "hv_type": "vmware"})
    );
    // One `GET clouds` per lookup, as the Go provider does.
    take_requests(&emu);
    ws.assert_no_changes();
    assert_eq!(take_requests(&emu), json!({"GET /clouds": 2}));

    ws.config("data \"xelon_cloud\" \"c\" {\n  name = \"Nowhere\"\n}\n");
    ws.plan().fails_with(&[
        "Cloud not found",
        "name = \"Nowhere\"",
        "\"Main HCP Cloud\" (cloud-1), \"Secondary Cloud\" (cloud-2)",
    ]);
    // Names match exactly, as in the Go provider.
    ws.config("data \"xelon_cloud\" \"c\" {\n  name = \"main hcp cloud\"\n}\n");
    ws.plan()
        .fails_with(&["Cloud not found", "name = \"main hcp cloud\""]);
    ws.config("data \"xelon_cloud\" \"c\" {\n  id = \"cloud-9\"\n}\n");
    ws.plan().fails_with(&[
        "Cloud not found",
        "id = \"cloud-9\"",
        "\"Main HCP Cloud\" (cloud-1)",
    ]);
    ws.config("data \"xelon_cloud\" \"c\" {\n}\n");
    ws.tf(&["validate", "-no-color"])
        .fails_with(&["Missing lookup attribute", "Set `id` or `name`"]);
    // An empty string counts as not set, as in the Go provider.
    ws.config("data \"xelon_cloud\" \"c\" {\n  id   = \"\"\n  name = \"\"\n}\n");
    ws.tf(&["validate", "-no-color"])
        .fails_with(&["Missing lookup attribute"]);
    ws.config(
        r#"
data "xelon_cloud" "c" {
  id   = ""
  name = "Secondary Cloud"
}
output "id" { value = data.xelon_cloud.c.id }
"#,
    );
    ws.apply();
    assert_eq!(output(&ws, "id"), "cloud-2");
}

/// Xelon's Go provider documents `id` and `name` together
/// (`examples/data-sources/xelon_cloud/data-source_with_id_and_name.tf`):
/// accepted when they name the same cloud.
#[test]
fn cloud_with_id_and_name() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    // The Go provider's example, with the emulator's cloud.
    ws.config(
        r#"
data "xelon_cloud" "hcp" {
  id   = "cloud-1"
  name = "Main HCP Cloud"
}
output "hcp" { value = data.xelon_cloud.hcp }
"#,
    );
    assert_valid_with_changes(&ws);
    ws.apply();
    assert_eq!(
        output(&ws, "hcp"),
        json!({"id": "cloud-1", "name": "Main HCP Cloud", "type": "hcp", "hv_type": "vmware"})
    );
    ws.assert_no_changes();

    // Naming different clouds: an error on `name` that says what each names.
    let hcp = |id: &str, name: &str| {
        format!(
            r#"
data "xelon_cloud" "hcp" {{
  id   = "{id}"
  name = "{name}"
}}
"#
        )
    };
    ws.config(&hcp("cloud-1", "Secondary Cloud"));
    ws.plan().fails_with(&[
        "`id` and `name` name different clouds",
        "name = \"Secondary Cloud\"",
        "`id` = \"cloud-1\" is the cloud \"Main HCP Cloud\", but `name` = \"Secondary Cloud\" is the name of the cloud cloud-2.",
    ]);
    ws.config(&hcp("cloud-2", "Nowhere"));
    ws.plan().fails_with(&[
        "`id` and `name` name different clouds",
        "name = \"Nowhere\"",
        "`id` = \"cloud-2\" is the cloud \"Secondary Cloud\", but `name` = \"Nowhere\" is the name of no cloud.",
    ]);
}
