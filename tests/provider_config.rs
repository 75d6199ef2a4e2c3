//! The provider block's settings with a real Terraform: a bad `base_url`,
//! `token` or `client_id` is refused at `terraform validate` on its
//! attribute's path when it is written in the block, and at the start of
//! `terraform plan` (configure, before any object is read) when it comes
//! from the environment or was unknown at validate. No bad setting ever
//! costs a request, and no message shows the token.

mod support;

use support::{Emulator, Workspace};

/// What every diagnostic about the provider block is attached to.
const WITH_PROVIDER: &str = "with provider[\"registry.terraform.io/xelon-ag/xelon\"]";

/// Stands for the secret part of each bad token: it must never be printed.
const SECRET: &str = "SeCrEt0123";

/// A provider block with `settings`, and a data source that would call the
/// API at plan. `Workspace::config` prepends 6 lines (`required_providers`),
/// so `locals` starts on line 7 and the provider block's first setting is on
/// line 12.
fn config(ws: &Workspace, local_token: &str, settings: &str) {
    ws.config(&format!(
        "locals {{\n  token = sensitive(\"{local_token}\")\n}}\n\nprovider \"xelon\" {{\n{settings}\n}}\n\ndata \"xelon_cloud\" \"c\" {{\n  id = \"cloud-1\"\n}}\n"
    ));
}

/// The number of requests the emulator received.
fn requests(emu: &Emulator) -> serde_json::Value {
    let (status, counts) = emu.admin("GET", "requests", None);
    assert_eq!(status, 200, "{counts}");
    counts["total"].clone()
}

/// Asserts that no output of `run` shows the secret part of a token.
fn assert_no_secret(run: &support::Run) {
    let all = run.all();
    for part in [SECRET, "SeCrEt", "0123"] {
        assert!(!all.contains(part), "{part:?} shown:\n{all}");
    }
}

#[test]
fn bad_settings_in_the_block_fail_validate_on_their_path() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    // (local token, the block's settings, what the output must say). Each
    // setting is on line 12; a token from `local.token` is written as such
    // in the snippet Terraform shows, never as its value.
    let cases: [(&str, &str, Vec<&str>); 8] = [
        (
            "unused",
            "  base_url = \"\"",
            vec![
                "Invalid Xelon API base URL",
                "base_url is empty.",
                "on main.tf line 12, in provider \"xelon\":",
                "12: base_url = \"\"",
            ],
        ),
        (
            "unused",
            "  base_url = \"hq.xelon.ch/api/v2\"",
            vec![
                "Invalid Xelon API base URL",
                "base_url \"hq.xelon.ch/api/v2\" has no scheme",
                "e.g. \"https://hq.xelon.ch/api/v2\"",
                "on main.tf line 12, in provider \"xelon\":",
                "12: base_url = \"hq.xelon.ch/api/v2\"",
            ],
        ),
        (
            "unused",
            "  base_url = \"ftp://x\"",
            vec![
                "Invalid Xelon API base URL",
                "base_url \"ftp://x\" uses the scheme \"ftp\"",
                "on main.tf line 12, in provider \"xelon\":",
                "12: base_url = \"ftp://x\"",
            ],
        ),
        (
            "unused",
            "  token = \"  \"",
            vec![
                "Invalid Xelon API token",
                "token is blank",
                "on main.tf line 12, in provider \"xelon\":",
                "12: token = \" \"",
            ],
        ),
        (
            "SeCrEt\\u00a00123",
            "  token = local.token",
            vec![
                "Invalid Xelon API token",
                "token must be printable ASCII without spaces or line breaks",
                "character 7 is a no-break space (U+00A0)",
                "The token is not shown here.",
                "on main.tf line 12, in provider \"xelon\":",
                "12: token = local.token",
            ],
        ),
        (
            "SeCrEt\\n0123",
            "  token = local.token",
            vec![
                "Invalid Xelon API token",
                "character 7 is a line break (U+000A)",
                "on main.tf line 12, in provider \"xelon\":",
                "12: token = local.token",
            ],
        ),
        (
            "SeCrEt0123\\n",
            "  token = local.token",
            vec![
                "Invalid Xelon API token",
                "character 11 (the last one) is a line break (U+000A)",
                "wrap it in trimspace()",
                "12: token = local.token",
            ],
        ),
        (
            "unused",
            "  client_id = \"client\\u00e9\"",
            vec![
                "Invalid Xelon client ID",
                "client_id must be printable ASCII (it is sent as the X-User-Id header); character 7 is 'é' (U+00E9).",
                "12: client_id = \"client\\u00e9\"",
            ],
        ),
    ];
    for (token, settings, needles) in cases {
        config(&ws, token, settings);
        let mut needles = needles;
        needles.push(WITH_PROVIDER);
        let run = ws.tf(&["validate", "-no-color"]).fails_with(&needles);
        assert_no_secret(&run);
        // `terraform plan` validates first: the same error, nothing read.
        let run = ws.plan().fails_with(&needles);
        assert_no_secret(&run);
    }
    assert_eq!(requests(&emu), 0, "a bad setting cost a request");

    // The same workspace with good settings does reach the API.
    config(&ws, "test-token", "  token = local.token");
    ws.tf(&["validate", "-no-color"]).ok();
    let run = ws.plan();
    assert_eq!(run.code, 0, "{}", run.all());
    assert_ne!(requests(&emu), 0);
}

#[test]
fn bad_environment_values_fail_plan_before_any_read() {
    let emu = Emulator::start();
    // (variable, value, what the output must say)
    let secret_nbsp = "SeCrEt\u{a0}0123";
    let secret_newline = format!("{SECRET}\n");
    let cases: [(&str, &str, Vec<&str>); 6] = [
        (
            "XELON_TOKEN",
            "   ",
            vec![
                "Invalid Xelon API token",
                "The XELON_TOKEN environment variable is blank",
            ],
        ),
        (
            "XELON_TOKEN",
            "\t",
            vec![
                "Invalid Xelon API token",
                "The XELON_TOKEN environment variable is blank: it holds only whitespace",
            ],
        ),
        (
            "XELON_TOKEN",
            secret_nbsp,
            vec![
                "The XELON_TOKEN environment variable must be printable ASCII without spaces or line breaks",
                "character 7 is a no-break space (U+00A0)",
            ],
        ),
        (
            "XELON_TOKEN",
            &secret_newline,
            vec![
                "character 11 (the last one) is a line break (U+000A)",
                "Set the variable without the trailing character.",
            ],
        ),
        (
            "XELON_BASE_URL",
            "ftp://x",
            vec![
                "Invalid Xelon API base URL",
                "The XELON_BASE_URL environment variable \"ftp://x\" uses the scheme \"ftp\"",
            ],
        ),
        (
            "XELON_BASE_URL",
            "hq.xelon.ch/api/v2",
            vec![
                "Invalid Xelon API base URL",
                "The XELON_BASE_URL environment variable \"hq.xelon.ch/api/v2\" has no scheme",
            ],
        ),
    ];
    for (var, value, needles) in cases {
        let mut ws = Workspace::new(&emu);
        config(&ws, "unused", "");
        ws.set_env(var, value);
        // Nothing in the configuration is wrong: validate passes...
        ws.tf(&["validate", "-no-color"]).ok();
        // ... and plan stops at configure, naming the variable.
        let mut needles = needles;
        // Not in the configuration: Terraform points at the provider block.
        needles.extend([
            "Planning failed",
            WITH_PROVIDER,
            "on main.tf line 11, in provider \"xelon\":",
        ]);
        let run = ws.plan().fails_with(&needles);
        assert_no_secret(&run);
        assert!(
            !run.all().contains("data.xelon_cloud.c: Read"),
            "{var}: a data source was read:\n{}",
            run.all()
        );
    }
    assert_eq!(requests(&emu), 0, "a bad environment value cost a request");

    // An empty XELON_TOKEN is an unset one: the token is missing.
    let mut ws = Workspace::new(&emu);
    config(&ws, "unused", "");
    ws.set_env("XELON_TOKEN", "");
    ws.plan()
        .fails_with(&["Missing Xelon API token", "XELON_TOKEN", WITH_PROVIDER]);
    assert_eq!(requests(&emu), 0);
}

#[test]
fn values_unknown_at_validate_are_checked_at_configure() {
    let emu = Emulator::start();
    let ws = Workspace::new(&emu);
    ws.config(
        "variable \"url\" {\n  type = string\n}\n\nvariable \"token\" {\n  type      = string\n  sensitive = true\n}\n\nprovider \"xelon\" {\n  base_url = var.url\n  token    = var.token\n}\n\ndata \"xelon_cloud\" \"c\" {\n  id = \"cloud-1\"\n}\n",
    );
    // Variables are unknown to `terraform validate`: nothing to check yet.
    ws.tf(&["validate", "-no-color"]).ok();
    let url = format!("-var=url={}", emu.base_url);
    let bad_token = format!("-var=token={SECRET}\n");
    let run = ws
        .tf(&["plan", "-no-color", &url, &bad_token])
        .fails_with(&[
            "Invalid Xelon API token",
            "token must be printable ASCII",
            "character 11 (the last one) is a line break (U+000A)",
            WITH_PROVIDER,
            "on main.tf line 18, in provider \"xelon\":",
            "18: token = var.token",
        ]);
    assert_no_secret(&run);
    ws.tf(&[
        "plan",
        "-no-color",
        "-var=url=ftp://x",
        "-var=token=test-token",
    ])
    .fails_with(&[
        "Invalid Xelon API base URL",
        "base_url \"ftp://x\" uses the scheme \"ftp\"",
        WITH_PROVIDER,
        "on main.tf line 17, in provider \"xelon\":",
        "17: base_url = var.url",
    ]);
    assert_eq!(requests(&emu), 0, "a bad setting cost a request");
}
