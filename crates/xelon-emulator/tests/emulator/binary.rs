//! The `xelon-emulator` binary: its first stdout line, `--help`, its flags
//! (API profile, stale reads, chaos) and its exit on SIGTERM.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use xelon_emulator as emulator;

use crate::common::{TOKEN, WAIT_LIMIT, assert_lost, client, cluster_body, env_profile};

#[tokio::test]
async fn binary_prints_listening_line_first_serves_and_stops_on_sigterm() {
    let (mut child, base) = start_binary(&["--provision-delay", "0s", "--token", "s3cret"]).await;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(base.ends_with("/api/v2/"), "{base}");
    assert!(
        !base.ends_with(":0/api/v2/"),
        "the real port is printed: {base}"
    );

    let http = client();
    let current_tenant = async |token: &str| {
        http.get(format!("{base}tenants/current"))
            .bearer_auth(token)
            .send()
            .await
            .expect("answer")
    };
    let ok = current_tenant("s3cret").await;
    assert_eq!(ok.status(), StatusCode::OK);
    let tenant: Value = ok.json().await.expect("json");
    assert_eq!(tenant["identifier"], "tenant-1");
    let wrong = current_tenant("other").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    #[cfg(unix)]
    {
        let pid = child.id().expect("pid").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let exit = tokio::time::timeout(WAIT_LIMIT, child.wait())
            .await
            .expect("exits after SIGTERM")
            .expect("exit status");
        assert!(exit.success(), "clean exit after SIGTERM: {exit}");
    }
}

#[test]
fn binary_help_explains_every_flag_and_refuses_bad_durations() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .arg("--help")
        .output()
        .expect("binary runs");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--listen",
        "--token",
        "--provision-delay",
        "--node-delay",
        "--seed",
        "/_emulator/faults",
        "/_emulator/requests",
        "fail_next_cluster",
        "listening on",
        "--api-profile",
        "rich",
        "sdk",
        "--stale-reads",
        "\"body\"",
        "/_emulator/clusters",
        "--latency",
        "--fault-rate",
        "--lost-response-rate",
        "Retry-After: 1",
        "429=0.1:2s",
        "\"delay_ms\"",
        "\"lose_response\"",
        "\"chaos\"",
        "\"holding\"",
        "\"injected\"",
        "\"gateway_timeout_ms\"",
        "\"for_ms\"",
        "createdAt",
    ] {
        assert!(
            text.contains(needle),
            "--help should mention {needle}:\n{text}"
        );
    }

    assert!(refused(&["--provision-delay", "2x"]).contains("invalid duration"));
}

/// Sends `request`; answers its JSON body.
async fn json_answer(request: reqwest::RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json")
}

/// Runs the binary with `args`, which it must refuse; answers its stderr.
fn refused(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .args(args)
        .output()
        .expect("binary runs");
    assert!(!out.status.success(), "{args:?} is refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Starts the binary with `args` on a free port; answers the child and the
/// API base URL from its first stdout line.
async fn start_binary(args: &[&str]) -> (tokio::process::Child, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_xelon-emulator"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(WAIT_LIMIT, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("first line in time")
        .expect("first line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

#[tokio::test]
async fn binary_takes_the_api_profile_and_stale_reads() {
    let http = client();
    for (args, parent) in [
        (&["--api-profile", "sdk", "--stale-reads", "1s"][..], None),
        (&["--api-profile", "rich"][..], Some(Value::Null)),
        (&[][..], Some(Value::Null)),
    ] {
        let (_child, base) = start_binary(args).await;
        let tenant = json_answer(
            http.get(format!("{base}tenants/current"))
                .bearer_auth(TOKEN),
        )
        .await;
        assert_eq!(tenant.get("parent").cloned(), parent, "{args:?}: {tenant}");
    }
    for bad in [
        &["--api-profile", "full"][..],
        &["--stale-reads", "soon"][..],
    ] {
        let stderr = refused(bad);
        assert!(
            stderr.contains(bad[1]) && (stderr.contains("rich") || stderr.contains("duration")),
            "{bad:?}: {stderr}"
        );
    }
}

#[test]
fn durations_are_humane() {
    use emulator::parse_duration;
    assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
    assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
    assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    assert!(parse_duration("2").is_err());
    assert!(parse_duration("fast").is_err());
}

#[tokio::test]
async fn binary_takes_the_chaos_flags() {
    let profile = env_profile().as_str();
    let http = client();
    let latency = Duration::from_millis(200);
    let (_child, base) = start_binary(&[
        "--api-profile",
        profile,
        "--seed",
        "5",
        "--latency",
        "200ms",
        "--fault-rate",
        "503=1",
    ])
    .await;
    let root = base.trim_end_matches("/api/v2/").to_owned();
    let get = |url: String| {
        let request = http.get(url).bearer_auth(TOKEN);
        async move { request.send().await.expect("answer").status() }
    };
    let sent = Instant::now();
    assert_eq!(
        get(format!("{base}clouds")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(sent.elapsed() >= latency, "{:?}", sent.elapsed());
    let armed = json_answer(http.get(format!("{root}/_emulator/faults"))).await;
    assert_eq!(
        armed["chaos"][0]["chaos"],
        json!({"latency_ms": 200, "fault_rate": {"503": {"rate": 1.0}}, "lost_response_rate": 0.0}),
        "{armed}"
    );
    let cleared = http
        .delete(format!("{root}/_emulator/faults"))
        .send()
        .await
        .expect("answer");
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(
        get(format!("{base}clouds")).await,
        StatusCode::OK,
        "disarmed"
    );

    let (_child, base) =
        start_binary(&["--api-profile", profile, "--lost-response-rate", "1"]).await;
    let lost = http
        .post(format!("{base}kubernetes"))
        .bearer_auth(TOKEN)
        .json(&cluster_body("flagged", "test"))
        .send()
        .await;
    assert_lost(&lost);
    assert_eq!(get(format!("{base}clouds")).await, StatusCode::OK);

    for (bad, needle) in [
        (&["--fault-rate", "503=2"][..], "not a probability"),
        (&["--fault-rate", "200=0.1"][..], "400-599"),
        (&["--fault-rate", "503=0.6,429=0.5"][..], "add up to"),
        (&["--fault-rate", "503"][..], "STATUS=PROBABILITY"),
        (&["--lost-response-rate", "1.5"][..], "from 0 to 1"),
        (&["--latency", "soon"][..], "invalid duration"),
    ] {
        let stderr = refused(bad);
        assert!(
            stderr.contains(bad[0]) && stderr.contains(needle),
            "{bad:?}: {stderr}"
        );
    }
}
