//! `xelon-emulator`: a local, stateful Xelon HQ API for testing Terraform
//! modules offline. See `xelon_emulator` for the behaviour.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use xelon_emulator::{
    self as emulator, API_PREFIX, ApiProfile, Chaos, Config, FaultRate, parse_duration, parse_rate,
};

const LONG_ABOUT: &str = "\
A local, stateful emulator of the Xelon HQ REST API (Kubernetes/XKS), for
testing Terraform modules offline.

The first line printed on stdout is `listening on http://HOST:PORT/api/v2/`:
point the provider at it with `base_url` (or XELON_BASE_URL). Logs go to stderr
(filter with RUST_LOG). SIGINT or SIGTERM shut it down cleanly.

Seed data: tenants tenant-1 (current), tenant-2, tenant-3; clouds cloud-1
(Talos 1.9.1, 1.8.3, 1.7.7) and cloud-2 (Talos 1.8.3, 1.7.7); see
GET kubernetes/versions/{cloudId}. Clusters report Provisioning/Updating/
Deleting for --provision-delay, then Ready (or 404 after Deleting); worker
nodes report Provisioning/Updating/Deleting for --node-delay, then Deployed.
Changes to a cluster that is not Ready answer 409; invalid requests 422.
createdAt (RFC 3339 in UTC with whole seconds, e.g. 2026-11-20T09:50:00Z) is
when an object was created, by the system clock: on clusters in both profiles,
on pools in rich only; the seeded tenants and clouds show a fixed past
2024-01-15T08:00:00Z, in rich only (the SDK's models have no createdAt there).

API profiles (--api-profile):
  rich  everything the emulator knows (the default): k8sVersion, talosVersion
        and tenantIdentifier on clusters, createdAt on pools, tenants and
        clouds, zero and null fields, bodies on the answers to change calls,
        control plane and load balancer always shown
  sdk   only what the published Go SDK's models carry, with Go's omitempty
        (zeros, empty strings and lists left out), empty bodies where the SDK
        reads none, `{}` control plane and `[]` load balancers while a cluster
        is Provisioning or Updating; tests a client against what the real API
        is known to promise, not against the emulator's own assumptions

Stale reads (--stale-reads 3s): after an accepted change (version upgrades,
HA upgrade, control-plane or pool PATCH, node add or removal) every GET still
shows the object as it was (Ready, old values) for that long; only then does it
go Updating for the usual delay and show the change. It is busy (409 to other
changes) from the moment the change is accepted. Creates and deletes are not
delayed.

Chaos (a flaky API, for testing how modules and the provider cope):
  --latency 100ms               every API answer waits that long before the
                                request is handled (admin calls never wait)
  --fault-rate 503=0.2,429=0.1  each API request independently gets 503 (20%)
                                or 429 (10%) instead of being handled, with an
                                error body; a 429 carries Retry-After: 1, or
                                what `:2s` after its probability says
                                (429=0.1:2s); statuses 400-599, probabilities
                                0 to 1 adding up to at most 1
  --lost-response-rate 0.1      10% of the mutating requests (POST, PATCH,
                                DELETE) that got no fault are handled (the
                                object IS created or changed), then their
                                answer is lost: half of them answered 504
                                with an error body, half with the connection
                                closed without any answer (a transport error)
  Every draw comes from one generator seeded by --seed: with the same seed,
  the same requests sent one after another get the same faults. Concurrent
  requests may take their draws in another order from run to run. The flags
  arm one chaos rule for every API request, shown by GET /_emulator/faults
  and disarmed, like everything else, by DELETE /_emulator/faults.
  Example: xelon-emulator --seed 7 --latency 50ms --fault-rate 503=0.1,429=0.05:2s \\
             --lost-response-rate 0.05

Admin API (no authentication), outside /api/v2/:
  POST   /_emulator/faults    {\"method\":\"POST\",\"path_prefix\":\"/api/v2/kubernetes\",
                               \"status\":503,\"count\":2,\"retry_after\":1}
                              the next `count` matching API requests get that
                              status (and Retry-After); or {\"fail_next_cluster\":true}:
                              the next created cluster ends in status Error;
                              \"path_suffix\":\"/config/kube\" also requires the path
                              to end so (for IDs not known in advance)
                              canned answer: add \"body\":<any JSON> (status 200-599,
                              default 200), e.g. {\"method\":\"GET\",\"path_prefix\":
                              \"/api/v2/kubernetes/k8s-x/load-balancers\",\"body\":[],\"count\":3}:
                              answered with exactly that body, not handled
                              hold: {\"method\":\"POST\",\"path_prefix\":\"/api/v2/kubernetes\",
                              \"delay_ms\":5000}: the next matching request waits 5 s,
                              then is handled (even if its client gave up);
                              `holding` in /_emulator/requests counts the held
                              ones (with status or body: held, then that answer)
                              lost answer: {\"method\":\"POST\",\"path_prefix\":
                              \"/api/v2/kubernetes\",\"lose_response\":\"drop\",\"count\":1}:
                              the next matching request is handled, then its
                              connection closed without an answer (\"504\":
                              answered 504 instead); combines with delay_ms
                              gateway timeout: {\"method\":\"POST\",\"path_prefix\":
                              \"/api/v2/kubernetes\",\"path_suffix\":\"/kubernetes\",
                              \"delay_ms\":40000,\"gateway_timeout_ms\":30000,\"count\":1}:
                              the client is answered 504 (a gateway_timeout error
                              body) at 30 s, while the request goes on and is
                              handled at 40 s (the cluster appears then);
                              gateway_timeout_ms must be less than delay_ms and
                              takes nothing but the hold (no status, body or
                              lose_response); counted as lost (\"504\") and delayed,
                              and in holding until handled
                              time window: {\"path_prefix\":\"/api/v2/\",\"status\":401,
                              \"for_ms\":30000}: every matching request for 30 s from
                              now gets a 401; any rule above takes for_ms (without
                              count: no limit in the window; with count: whichever
                              ends first); the rule is dropped when the window ends
                              chaos: {\"chaos\":{\"fault_rate\":{\"503\":0.2,\"429\":0.1},
                              \"lost_response_rate\":0.1,\"latency_ms\":100},
                              \"method\":\"POST\",\"path_prefix\":\"/api/v2/kubernetes\"}:
                              the flags' chaos for the matching requests until
                              disarmed (no count); fault_rate also takes
                              {\"429\":{\"rate\":0.1,\"retry_after\":2}} or the flag's
                              \"503=0.2,429=0.1:2s\"; with a method filter, the
                              lost-response rate applies to that method (GETs
                              too). Latencies of matching chaos rules add up;
                              a matching counted rule above is used before any
                              chaos draw
  GET    /_emulator/faults    armed faults: {\"rules\":[...],\"chaos\":[...],
                              \"fail_next_cluster\":n} (rules with their counts left;
                              for_ms and gateway_timeout_ms only when set, a window
                              without a count shows none)
  DELETE /_emulator/faults    disarm everything (the chaos flags' rule too)
  GET    /_emulator/requests  {\"total\":N,\"by_route\":{\"GET /kubernetes/{id}\":n},
                              \"injected\":{\"503\":n},\"lost\":{\"504\":n,\"drop\":n},
                              \"delayed\":n,\"holding\":n}: API requests, answers
                              injected instead of handling (per status), lost
                              answers (504s of gateway timeouts too), requests
                              that waited (latency or hold), requests held right
                              now
  DELETE /_emulator/requests  reset the counters (answers the old values)
  GET    /_emulator/clusters  the truth: {\"clusters\":[{\"cluster\",\"controlPlane\",
                              \"loadBalancer\",\"pools\"}]} in rich views, whatever the
                              profile and stale window (state after accepted changes)
  GET    /_emulator/clusters/{id}
                              one of them (404 when unknown)";

/// Command-line options.
#[derive(Debug, Parser)]
#[command(name = "xelon-emulator", version, about = "A local Xelon HQ API emulator for offline Terraform testing", long_about = LONG_ABOUT)]
struct Args {
    /// Address to listen on (HOST:PORT); port 0 picks a free port, printed on
    /// the first stdout line.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    listen: String,

    /// Accept only this bearer token. Without it any non-empty bearer token is
    /// accepted; a missing or empty Authorization header is always a 401.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,

    /// How long a cluster stays Provisioning, Updating or Deleting
    /// (e.g. 0s, 500ms, 2s, 1m30s).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    provision_delay: Duration,

    /// How long a worker node stays Provisioning, Updating or Deleting
    /// (e.g. 0s, 500ms, 2s).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    node_delay: Duration,

    /// Seed for generated identifiers (k8s-..., pool-..., node-...) and for
    /// the chaos draws, for reproducible runs; random when omitted.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// The JSON shapes of the answers: rich (all the emulator knows) or sdk
    /// (only what the published Go SDK's models carry); see "API profiles".
    #[arg(long, value_name = "PROFILE", value_enum, default_value_t = Profile::Rich)]
    api_profile: Profile,

    /// Eventual consistency: how long after an accepted change call GETs still
    /// show the object as it was before the call (e.g. 0s, 3s); the object is
    /// busy (409) from the moment the change is accepted.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    stale_reads: Duration,

    /// The most items a list page holds (clusters, tenants), whatever
    /// `perPage` asks, as an API that caps its pages; `meta.perPage` and
    /// `meta.lastPage` say so (1-100).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100))]
    max_per_page: u64,

    /// Chaos: added to every API answer (not to /_emulator/ admin calls); the
    /// request waits this long before it is handled (e.g. 100ms).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    latency: Duration,

    /// Chaos: each API request independently gets one of these statuses
    /// (400-599) with that probability instead of being handled, e.g.
    /// 503=0.2,429=0.1 (probabilities add up to at most 1). A 429 carries
    /// Retry-After: 1 unless an item says otherwise: 429=0.1:2s.
    #[arg(long, value_name = "SPEC")]
    fault_rate: Option<FaultRate>,

    /// Chaos: the probability (0 to 1) that a mutating request (POST, PATCH,
    /// DELETE) is handled and then its answer lost: a 504 or a connection
    /// closed without an answer, half and half (e.g. 0.1).
    #[arg(long, value_name = "P", default_value = "0", value_parser = parse_rate)]
    lost_response_rate: f64,
}

/// The values of `--api-profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Profile {
    /// Everything the emulator knows: versions and tenant on clusters, zero and null fields, bodies on change answers
    Rich,
    /// Only the Go SDK's model fields with Go's omitempty; no change-answer bodies; no control plane or load balancer while busy
    Sdk,
}

impl From<Profile> for ApiProfile {
    fn from(profile: Profile) -> Self {
        match profile {
            Profile::Rich => ApiProfile::Rich,
            Profile::Sdk => ApiProfile::Sdk,
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(args)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xelon-emulator: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{addr}{API_PREFIX}/")?;
    stdout.flush()?;

    let config = Config {
        provision_delay: args.provision_delay,
        node_delay: args.node_delay,
        token: args.token,
        seed: args.seed,
        api_profile: args.api_profile.into(),
        stale_reads: args.stale_reads,
        max_per_page: args.max_per_page,
        chaos: Chaos {
            latency: args.latency,
            fault_rate: args.fault_rate.unwrap_or_default(),
            lost_response_rate: args.lost_response_rate,
        },
    };
    tracing::info!(
        %addr,
        provision_delay = ?config.provision_delay,
        node_delay = ?config.node_delay,
        api_profile = %config.api_profile,
        stale_reads = ?config.stale_reads,
        max_per_page = config.max_per_page,
        seed = ?config.seed,
        latency = ?config.chaos.latency,
        fault_rate = %config.chaos.fault_rate,
        lost_response_rate = config.chaos.lost_response_rate,
        "Xelon emulator started"
    );
    emulator::serve(listener, config, shutdown_signal()).await?;
    tracing::info!("Xelon emulator stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
