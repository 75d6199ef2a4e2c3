//! A local, stateful emulator of the Xelon HQ REST API (the Kubernetes/XKS
//! parts this provider uses), for testing Terraform modules offline.
//!
//! It follows the contract in `xelon-api.md`: the same paths under
//! `/api/v2/`, the same JSON field names, the same wrapping (`{"data": ...}`
//! or bare), and error bodies `{"error", "message", "errors"}`. Run it with
//! the `xelon-emulator` binary, or in-process with [`router`], [`serve`] or
//! [`spawn`].
//!
//! # Behaviour
//!
//! - **Authentication**: every API request needs `Authorization: Bearer <token>`.
//!   Any non-empty token is accepted unless [`Config::token`] is set, in which
//!   case only that one is. Otherwise: 401.
//! - **Seed data** (discoverable through the API): tenants `tenant-1`
//!   (current, "Emulated Tenant"), `tenant-2`, `tenant-3`; clouds `cloud-1`
//!   ("Main HCP Cloud": Talos 1.9.1, 1.8.3, 1.7.7) and `cloud-2`
//!   ("Secondary Cloud": Talos 1.8.3, 1.7.7). See [`seed`] for the version
//!   mapping.
//! - **Time**: nothing runs in the background. Each object records what it is
//!   doing and until when; statuses are derived from the clock when read.
//!   Clusters take [`Config::provision_delay`] to provision, update or
//!   delete; worker nodes take [`Config::node_delay`].
//! - **Cluster statuses**: `Provisioning` (after create), `Updating` (after
//!   an HA upgrade, version upgrade or control-plane resize), `Ready`,
//!   `Deleting` (then 404), `Error` (injected failure). `health.health` is
//!   `healthy` when Ready, `unhealthy` on Error, `unknown` while busy.
//! - **Cluster objects** carry the contract's fields plus `k8sVersion`,
//!   `talosVersion` (the contract's inference) and `tenantIdentifier` (an
//!   emulator extra the real API may lack), in the rich profile (see "API
//!   profiles"). Identifiers look like
//!   `k8s-<12 hex>`, `pool-<12 hex>`, `node-<12 hex>`; worker nodes are named
//!   `<cluster>-<pool>-<n>`, control-plane nodes `<cluster>-cp-<n>`.
//! - **`createdAt`**: when the object was created, RFC 3339 in UTC with
//!   whole seconds (`2026-11-20T09:50:00Z`, as Go's `*time.Time`), from the
//!   system clock at the create: on clusters in both profiles
//!   (`KubernetesCluster.CreatedAt`), on pools in the rich profile only (the
//!   SDK's pool model has none). The seeded tenants and clouds were created
//!   at a fixed past instant, [`seed::SEEDED_AT`] (`2024-01-15T08:00:00Z`),
//!   shown in the rich profile only (`Tenant` and `Cloud` have none).
//! - **Pools**: `PATCH` fields are all optional; a size or extra-storage
//!   change puts every node through `Updating`, a rename alone is instant.
//!   Adding nodes is allowed while others still provision. Deleting a pool
//!   shows its nodes `Deleting` for the node delay, then the pool answers 404.
//! - **Node statuses**: `Provisioning` (new), `Updating` (pool resize),
//!   `Deployed`, `Deleting` (then gone). Control-plane nodes also show
//!   `Error` on a failed cluster.
//! - **Status codes**: creates answer 201 `{"data", "message"}`; asynchronous
//!   changes (delete, upgrade, version change, resize) answer 202 (with an
//!   empty body in the sdk profile). 404 for an
//!   unknown cluster, pool, node, tenant or cloud (unknown cloud or tenant in
//!   a create body is a 422 on that field). **422** = the request can never
//!   succeed as sent (validation, incompatible Talos/Kubernetes pair,
//!   downgrade, already HA, removing the last node of a pool or a
//!   control-plane node). **409** = refused because of the current state:
//!   any change to a cluster that is not `Ready` (GETs always work; DELETE of
//!   a cluster works in any state), resizing a pool while a node is not
//!   `Deployed`, removing a node that is not `Deployed`, changing a pool
//!   that is being deleted.
//! - **Limits**: CPU 1-64 cores, RAM 1-512 GB, disk 1-4096 GB, extra disk
//!   0-4096 GB, names up to 63 characters, 1-50 nodes per pool.
//! - **Stale reads** ([`Config::stale_reads`], `--stale-reads`, default 0s,
//!   both profiles): eventual consistency. After an accepted change call
//!   (`POST kubernetes/{id}/k8s-version`, `/talos-version`, `/upgrade`,
//!   `PATCH .../control-planes`, `PATCH .../pools/{poolId}`, `POST
//!   .../pools/{poolId}/nodes`, `DELETE .../nodes/{nodeId}`), every GET
//!   (and the rich answer to the call itself) still shows the object as it
//!   was before the call for the stale window: cluster `Ready` and
//!   `healthy`, old versions, sizes and node list. Only then does the change's
//!   phase start: the cluster reports `Updating` for the provision delay,
//!   nodes `Updating`/`Provisioning`/`Deleting` for the node delay, then the
//!   new values. The object is busy from the moment the change is accepted:
//!   the cluster counts as `Updating` (409 to further changes), a pool's
//!   nodes count as being in the phase the window precedes (so the pool's
//!   usual busy rules apply: a resize while a node is not `Deployed` is a
//!   409, a node add is not). Creates and deletes of clusters and pools are
//!   not delayed (a delete also drops the stale views). The truth endpoint
//!   shows the change at once.
//!
//! # API profiles
//!
//! [`Config::api_profile`] (`--api-profile rich|sdk`) picks the JSON shapes.
//! The **rich** profile (the default) answers everything the emulator knows,
//! in the shapes of `xelon-api.md` plus its inferences and extras. It was
//! written from the same assumptions as the provider's client, so a client
//! tested only against it cannot be caught relying on those assumptions. The
//! **sdk** profile answers only what the published Go SDK's models
//! (`Xelon-AG/xelon-sdk-go` v1.14.3: `xelon/kubernetes.go`, `tenants.go`,
//! `clouds.go`, `type.go`) carry, as the SDK round-trips them: every field of
//! those models is `omitempty`, so a zero number, empty string, empty list or
//! nil pointer is left out. A client that passes against sdk assumes nothing
//! beyond what the SDK is known to receive. Where sdk differs from rich:
//!
//! - **Cluster** (`GET kubernetes/{id}`, list items, the create answer's
//!   `data`): no `k8sVersion`, `talosVersion` or `tenantIdentifier`:
//!   `KubernetesCluster` in kubernetes.go has only `identifier`, `name`,
//!   `status`, `health`, `cloud` and `createdAt`. An unknown cloud is left
//!   out instead of `null` (`Cloud *Cloud` with `omitempty`).
//! - **Control plane** (`GET kubernetes/{id}/control-planes`): `{}` (nothing
//!   reported) while the cluster is `Provisioning` or `Updating`; rich shows
//!   sizes and nodes. Every field of `KubernetesClusterControlPlane` is
//!   `omitempty`, so `{}` is what the SDK round-trips for a control plane it
//!   knows nothing of; `nodes` is left out when empty.
//! - **Load balancers** (`GET kubernetes/{id}/load-balancers`): `[]` while
//!   the cluster is `Provisioning` or `Updating`; rich shows the one element.
//!   `ListLoadBalancer` in kubernetes.go has an explicit case for an empty
//!   array (it returns no load balancer); `loadBalancers` is left out when
//!   empty (`KubernetesClusterLoadBalancer.Instances`, `omitempty`).
//! - **Pool**: `extraStorage` left out when 0 and `nodes` left out when
//!   empty: `KubernetesClusterNodePool` (`extraStorage,omitempty`,
//!   `nodes,omitempty`); no `createdAt` (the model has none).
//! - **Tenant**: `parent` left out instead of `null` for a top-level tenant
//!   (and any empty field left out): `Tenant` in tenants.go (`parent` is a
//!   plain string with `omitempty`); no `createdAt` (the model has none).
//! - **Cloud**: no `createdAt` (`Cloud` in clouds.go has none).
//! - **Page meta**: `from`/`to` left out instead of `null` on an empty page,
//!   `total` left out when 0: `Meta` in type.go (every field an `int` with
//!   `omitempty`).
//! - **Answers to change calls** (`DELETE kubernetes/{id}`, `POST .../upgrade`,
//!   `.../k8s-version`, `.../talos-version`, `PATCH .../control-planes`,
//!   `PATCH .../pools/{poolId}`, `DELETE .../pools/{poolId}`, `POST
//!   .../pools/{poolId}/nodes`, `DELETE .../nodes/{nodeId}`): the same
//!   status with an empty body; rich sends `{"data", "message"}` or
//!   `{"message"}`. The SDK's `Delete`, `UpgradeHighAvailability`,
//!   `UpgradeKubernetesVersion`, `UpgradeTalosVersion`, `UpdateControlPlane`,
//!   `UpdateNodePool`, `DeleteNodePool`, `CreateNode` and `DeleteNode` pass no
//!   model to `Client.Do` and read no body.
//!
//! The same in both profiles (checked against the SDK): clouds
//! `{identifier, name, type, hvType}` (`Cloud`) but for rich's
//! `createdAt`, nodes `{identifier,
//! localvmid, name, status}` (`KubernetesClusterNode`), the load-balancer
//! element and its instances (`KubernetesClusterLoadBalancer`,
//! `KubernetesClusterLoadBalancerInstance`), the create answers `{"data",
//! "message"}` (`kubernetesClusterRoot`, `kubernetesClusterNodePoolRoot`),
//! lists' `data` (never left out: `kubernetesClustersRoot`, `tenantsRoot`),
//! the version mapping (`KubernetesClusterVersionMapping`), error bodies
//! `{error, message, errors}` (`ErrorElement` in errors.go), the YAML
//! configs, and status codes (the SDK takes any 2xx as success). The admin
//! API is the same in both.
//!
//! # Chaos
//!
//! A flaky API on purpose, for testing how Terraform modules and the
//! provider cope with a real network and a real backend. [`Config::chaos`]
//! (the flags `--latency`, `--fault-rate`, `--lost-response-rate`) applies
//! to every API request; `POST /_emulator/faults` arms more, for matching
//! requests only, mid-run. Admin calls under `/_emulator/` never see chaos.
//!
//! - **Latency** (`--latency 100ms`, `"latency_ms": 100`): every matching
//!   API request waits this long before it is handled (or answered with a
//!   fault), so every answer comes at least that late.
//! - **Fault rate** (`--fault-rate 503=0.2,429=0.1`, `"fault_rate": {"503":
//!   0.2, "429": 0.1}`): each matching request independently gets one of
//!   these statuses with that probability instead of being handled, with an
//!   error body (`{"error": "service_unavailable", "message": "..."}`). A
//!   429 carries `Retry-After: 1` unless the item gives another value
//!   (`429=0.1:2s`, `{"429": {"rate": 0.1, "retry_after": 2}}`); other
//!   statuses carry one only when given. Statuses are 400-599, probabilities
//!   0 to 1 adding up to at most 1 ([`FaultRate`]).
//! - **Lost answers** (`--lost-response-rate 0.1`, `"lost_response_rate":
//!   0.1`): a request that got no fault is handled (the object IS created or
//!   changed) and then, with that probability, its answer is lost: half of
//!   the time (drawn) it is answered `504` with an error body (a gateway
//!   that gave up), half of the time its connection is closed without any
//!   HTTP answer (the client sees a transport error). Without a method
//!   filter this applies to mutating requests only (`POST`, `PATCH`,
//!   `DELETE`; anything but `GET`, `HEAD`, `OPTIONS`); a rule with a
//!   `method` applies it to that method, `GET` included.
//! - **Randomness**: every draw comes from one random number generator in the
//!   shared state, seeded by [`Config::seed`] (`--seed`; its own stream, so
//!   identifiers are the same with or without chaos). Per request, each
//!   matching chaos rule in turn draws its fault rate (one draw) and, when
//!   it applies, its lost-response rate (one draw, one more for 504 or
//!   drop), until one hits. With the same seed, the same requests sent one
//!   after another get the same faults; concurrent requests take their
//!   draws in the order they reach the lock, which can differ between runs.
//! - **Holds** (`{"delay_ms": 5000, "method": "POST", "path_prefix":
//!   "/api/v2/kubernetes", "count": 1}`): the next `count` matching requests
//!   wait `delay_ms` and are then handled, so a test can keep a create in
//!   flight while it interrupts Terraform. `holding` in `/_emulator/requests`
//!   counts the requests held right now, to wait on instead of sleeping.
//! - **A lost answer on purpose** (`{"lose_response": "504" | "drop",
//!   "method": "POST", "path_prefix": "/api/v2/kubernetes", "count": 1}`): the
//!   next `count` matching requests are handled and their answers lost that
//!   way, deterministically. It combines with `delay_ms` (held, handled,
//!   lost).
//! - **A gateway that gives up** (`{"method": "POST", "path_prefix":
//!   "/api/v2/kubernetes", "path_suffix": "/kubernetes", "delay_ms": 40000,
//!   "gateway_timeout_ms": 30000, "count": 1}`): the client is answered
//!   `504` (the `gateway_timeout` error body of lost answers) after
//!   `gateway_timeout_ms`, while the request goes on, held, and is handled
//!   after `delay_ms` (the cluster appears at 40 s). `gateway_timeout_ms`
//!   needs a longer `delay_ms` and nothing but the hold (no `status`,
//!   `body`, `message`, `retry_after` or `lose_response`). It counts as a
//!   lost answer (`"504"`) and a delayed request, and in `holding` until it
//!   is handled.
//! - **Time windows** (`{"path_prefix": "/api/v2/", "status": 401,
//!   "for_ms": 30000}`): any counted rule (error, canned answer, hold, lost
//!   answer, gateway timeout) with `for_ms` is used by every matching
//!   request for that many milliseconds from when it was armed (the
//!   monotonic clock), then dropped; with a `count` too, whichever ends
//!   first.
//! - Delayed, held and lost requests are handled on their own task: a
//!   client that gives up waiting (or is interrupted, or is answered by a
//!   gateway timeout) does not stop them,
//!   as with a real server. Duplicate names stay allowed, as in the real
//!   API, so a client that retries a create whose answer was lost makes a
//!   second object: the truth endpoint shows both.
//! - **Order**: the latencies of every matching chaos rule add up (flags
//!   first, then admin rules in the order armed). A matching counted rule
//!   (error, canned answer, hold, lost answer) is used before any chaos
//!   draw; without one, the chaos rules draw.
//! - **Counters**: `GET /_emulator/requests` reports injected answers per
//!   status, lost answers (504 / dropped) and delayed requests (below).
//!
//! # Admin API (`/_emulator/`, no authentication)
//!
//! - `POST /_emulator/faults` arms a fault, answering 201 with every armed
//!   fault. An HTTP fault: `{"method": "POST", "path_prefix":
//!   "/api/v2/kubernetes", "status": 503, "count": 2, "retry_after": 1,
//!   "message": "..."}`: the next `count` (default 1) API requests whose
//!   method matches (any when omitted) and whose full path starts with
//!   `path_prefix` (default `/api/v2/`), and end with `path_suffix` when
//!   one is given (e.g. `/config/kube`), get `status` with an error body,
//!   plus `Retry-After` when `retry_after` is given, without being handled.
//!   A provisioning fault: `{"fail_next_cluster": true}` (or a count): the
//!   next created cluster ends in status `Error` after the provision delay.
//! - **Canned answers**: an HTTP fault with `"body": <any JSON>` answers the
//!   matching requests with exactly that body (and `Retry-After` when
//!   given), without handling them: `{"method": "GET", "path_prefix":
//!   "/api/v2/kubernetes/k8s-x/load-balancers", "body": [], "count": 3}`.
//!   `status` may then be 200-599 (default 200); without a body it must be
//!   400-599. `message` cannot be combined with `body`.
//! - **Holds and lost answers**: the same filters and `count` with
//!   `"delay_ms": N` (1-600000; alone, or before a `status`/`body` answer or
//!   a lost answer) and/or `"lose_response": "504"` or `"drop"` (not with
//!   `status`, `body`, `message` or `retry_after`), or a hold with
//!   `"gateway_timeout_ms": N` (1-600000, less than `delay_ms`, nothing else
//!   but the hold); see "Chaos".
//! - **Windows**: any of these with `"for_ms": N` (1-86400000): every
//!   matching request for N ms from now, up to `count` when one is given
//!   (without one, no limit); see "Chaos".
//! - **Chaos rules**: `{"chaos": {"fault_rate": {"503": 0.2, "429": 0.1},
//!   "lost_response_rate": 0.1, "latency_ms": 100}, "method": "POST",
//!   "path_prefix": "/api/v2/kubernetes", "path_suffix": "..."}` (at least
//!   one setting; filters optional): the flags' chaos for the matching
//!   requests, until `DELETE /_emulator/faults` (no `count`). `fault_rate`
//!   also takes `{"429": {"rate": 0.1, "retry_after": 2}}` items or the
//!   flag's string form `"503=0.2,429=0.1:2s"`. Unknown settings are
//!   refused.
//! - `GET /_emulator/faults` answers `{"rules": [{"method", "path_prefix", "path_suffix",
//!   "status", "count", "retry_after", "message", "body", "delay_ms",
//!   "lose_response", "gateway_timeout_ms", "for_ms"}], "chaos": [{"method",
//!   "path_prefix", "path_suffix",
//!   "chaos": {"latency_ms", "fault_rate": {"503": {"rate"}, "429": {"rate",
//!   "retry_after"}}, "lost_response_rate"}}], "fail_next_cluster": n}`
//!   (`count` = uses left, not shown for a window without one;
//!   `path_suffix`, `status`, `body`, `delay_ms`, `lose_response`,
//!   `gateway_timeout_ms` and `for_ms` only when set; ended windows are
//!   gone; the chaos flags show as the first chaos rule); `DELETE /_emulator/faults` disarms everything, the flags' chaos
//!   included.
//! - `GET /_emulator/requests` answers `{"total": n, "by_route": {"GET
//!   /kubernetes/{id}": n, ...}, "injected": {"503": n, ...}, "lost":
//!   {"504": n, "drop": n}, "delayed": n, "holding": n}`: API requests since
//!   start or last reset, per route template relative to `/api/v2` (401s,
//!   injected faults and lost answers count too; admin calls do not);
//!   answers injected instead of handling, per status (random faults, error
//!   rules and canned answers); handled requests whose answer was lost, and
//!   gateway timeouts (`"504"`);
//!   requests that waited (latency or a hold); and, not a counter, requests
//!   held right now. `DELETE /_emulator/requests` resets the counters and
//!   answers the values from just before the reset.
//! - **Truth**: `GET /_emulator/clusters` answers `{"clusters": [{"cluster",
//!   "controlPlane", "loadBalancer", "pools"}]}` (oldest first) and `GET
//!   /_emulator/clusters/{id}` one item (404 with an error body when
//!   unknown): the rich views of the cluster (with `tenantIdentifier`,
//!   `k8sVersion`, `talosVersion`), its control plane, its load-balancer
//!   element and its pools, as they really are: whatever the profile, and
//!   during a stale window already the state after the accepted change, with
//!   the statuses of its real phase (`Updating`). For checking what really
//!   exists in tests and chaos runs.
//!
//! # Layout
//!
//! - [`Config`], [`ApiProfile`], [`router`], [`serve`], [`spawn`]: this file.
//! - `routes`: the route table and JSON fallbacks; `middleware`: counting,
//!   chaos and faults, authentication, logging; `net`: the listener whose
//!   connections a lost answer can drop.
//! - `account`, `clusters`, `pools`, `admin`: the handlers.
//! - `state`: the single locked state and the operations on it; `model`: the
//!   objects and their clock-derived statuses; `views`: the JSON shapes;
//!   [`seed`]: tenants, clouds and versions; `faults`: fault and chaos
//!   rules, the per-request decision and counters; `validate`: field-by-field body validation; `error`: error
//!   answers; `configs`: kubeconfig (with real per-cluster credentials) and talosconfig YAML; [`parse_duration`];
//!   `chaos`: [`Chaos`], [`FaultRate`] and their parsers.

#![warn(missing_docs)]

mod account;
mod admin;
mod chaos;
mod clusters;
mod configs;
mod duration;
mod error;
mod faults;
mod middleware;
mod model;
mod net;
mod pools;
mod routes;
pub mod seed;
mod state;
mod validate;
mod version;
mod views;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use chaos::{
    Chaos, ChaosError, DEFAULT_429_RETRY_AFTER, FaultRate, LoseMode, MAX_RETRY_AFTER, StatusRate,
    parse_rate,
};
pub use duration::{DurationError, parse_duration};
pub use routes::API_PREFIX;

/// Which JSON shapes the API answers with (`--api-profile`); see "API
/// profiles" in the module documentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ApiProfile {
    /// Everything the emulator knows, in the shapes of `xelon-api.md` plus
    /// its inferences and extras (`k8sVersion`, `talosVersion`,
    /// `tenantIdentifier`, zero and `null` fields, answers to change calls).
    #[default]
    Rich,
    /// Only what the published Go SDK's models carry, with Go's `omitempty`
    /// (zero numbers, empty strings and lists left out), no bodies where the
    /// SDK reads none, and nothing reported for the control plane and load
    /// balancer of a cluster that is provisioning or updating.
    Sdk,
}

impl ApiProfile {
    /// `"rich"` or `"sdk"`, as `--api-profile` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rich => "rich",
            Self::Sdk => "sdk",
        }
    }

    /// True for [`ApiProfile::Sdk`].
    pub fn is_sdk(self) -> bool {
        self == Self::Sdk
    }
}

impl std::fmt::Display for ApiProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApiProfile {
    type Err = String;

    /// `rich` or `sdk` (case-insensitive).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "rich" => Ok(Self::Rich),
            "sdk" => Ok(Self::Sdk),
            _ => Err(format!(
                "unknown API profile {text:?}: expected \"rich\" or \"sdk\""
            )),
        }
    }
}

/// How an emulator behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// How long a cluster stays `Provisioning`, `Updating` or `Deleting`.
    pub provision_delay: Duration,
    /// How long a worker node stays `Provisioning`, `Updating` or `Deleting`.
    pub node_delay: Duration,
    /// The only bearer token accepted; `None` accepts any non-empty token.
    pub token: Option<String>,
    /// Seed for generated identifiers, for reproducible runs; `None` is random.
    pub seed: Option<u64>,
    /// The JSON shapes of the answers: [`ApiProfile::Rich`] (the default) or
    /// [`ApiProfile::Sdk`].
    pub api_profile: ApiProfile,
    /// How long after an accepted change call every GET still shows the
    /// object as it was before the call (eventual consistency); zero (the
    /// default) shows changes at once.
    pub stale_reads: Duration,
    /// The most items a page holds, whatever `perPage` asks (`--max-per-page`,
    /// default 100, the most `perPage` may ask): an API that caps its pages
    /// so. `meta.perPage` and `meta.lastPage` say what was used; a client
    /// that pages by `meta.lastPage` gets everything.
    pub max_per_page: u64,
    /// Chaos for every API request from the start (`--latency`,
    /// `--fault-rate`, `--lost-response-rate`), drawn from a generator
    /// seeded by [`Config::seed`]; none by default. See "Chaos".
    pub chaos: Chaos,
}

impl Default for Config {
    /// Two seconds for clusters and nodes, any token, random identifiers,
    /// the rich profile, no stale reads, pages of up to 100, no chaos.
    fn default() -> Self {
        Self {
            provision_delay: Duration::from_secs(2),
            node_delay: Duration::from_secs(2),
            token: None,
            seed: None,
            api_profile: ApiProfile::Rich,
            stale_reads: Duration::ZERO,
            max_per_page: 100,
            chaos: Chaos::default(),
        }
    }
}

/// The emulator as an axum [`Router`](axum::Router) with fresh state: the API
/// under `/api/v2/`, the admin API under `/_emulator/`. Served by anything
/// else than [`serve`], a dropped answer (`"drop"`) cannot close the
/// connection: it answers a `504` whose body fails instead.
pub fn router(config: Config) -> axum::Router {
    routes::router(config)
}

/// Serves a fresh emulator on `listener` until `shutdown` completes, then
/// finishes in-flight requests (held ones too) and returns.
///
/// # Errors
///
/// Fails only when the listener itself fails.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = router(config).into_make_service_with_connect_info::<net::Connection>();
    axum::serve(net::Listener::new(listener), app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// An emulator running on a background task, from [`spawn`]. Dropping it
/// stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningEmulator {
    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API base URL, `http://<addr>/api/v2/` (with the trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}{API_PREFIX}/", self.addr)
    }

    /// The admin API base URL, `http://<addr>/_emulator/`.
    pub fn admin_url(&self) -> String {
        format!("http://{}/_emulator/", self.addr)
    }

    /// Stops the server and waits for it to finish.
    ///
    /// # Errors
    ///
    /// Fails when the server failed or its task panicked.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(err) => Err(io::Error::other(err)),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts an emulator on `127.0.0.1` with a free port, on a background task
/// of the current Tokio runtime.
///
/// # Errors
///
/// Fails when no port can be bound.
pub async fn spawn(config: Config) -> io::Result<RunningEmulator> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, config, async {
        let _ = stopped.await;
    }));
    Ok(RunningEmulator {
        addr,
        stop: Some(stop),
        task,
    })
}
