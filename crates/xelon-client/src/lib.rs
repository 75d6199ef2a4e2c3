//! A client of the Xelon HQ REST API: the parts that manage Kubernetes (XKS)
//! clusters, their node pools, and the account objects used to find ids.
//!
//! The contract it follows is `shared/xelon-api.md`.
//!
//! # Layout
//!
//! - [`config`]: [`ClientConfig`] and [`Secret`], the wrapper that keeps the
//!   API token out of every `Debug`, `Display`, log line and error.
//! - [`client`]: [`Client`], the HTTP core: authentication headers,
//!   retries, cancellation, request logging, JSON and YAML answers.
//! - [`retry`]: [`RetryPolicy`]: which failures are retried (idempotent
//!   requests on 429/500/502/503/504 and broken connections; `POST` only on
//!   429) and the jittered exponential backoff.
//! - [`error`]: [`Error`], the one error type.
//! - [`models`]: typed request and answer bodies, decoded leniently.
//! - `clusters`, `pools`, `account`: the API calls, as methods of
//!   [`Client`] (listed below); `listing`: [`Pages`], the one paging
//!   loop, whole or page by page for callers that may stop early.
//! - [`wait`]: waiters for clusters and pools to become ready or disappear,
//!   on a configurable [`PollSchedule`].
//! - [`recover`]: creates whose answer was lost are recovered by name, never
//!   duplicated ([`create_once`]).
//!
//! # Calls
//!
//! | method | HTTP |
//! | --- | --- |
//! | [`Client::list_clusters`], [`Client::cluster_pages`] | `GET kubernetes` |
//! | [`Client::get_cluster`] | `GET kubernetes/{id}` |
//! | [`Client::create_cluster`] | `POST kubernetes` |
//! | [`Client::delete_cluster`] | `DELETE kubernetes/{id}` |
//! | [`Client::enable_high_availability`] | `POST kubernetes/{id}/upgrade` |
//! | [`Client::upgrade_kubernetes_version`] | `POST kubernetes/{id}/k8s-version` |
//! | [`Client::upgrade_talos_version`] | `POST kubernetes/{id}/talos-version` |
//! | [`Client::kubeconfig`], [`Client::talosconfig`] | `GET kubernetes/{id}/config/{kube,talos}` |
//! | [`Client::control_plane`], [`Client::resize_control_plane`] | `GET`/`PATCH kubernetes/{id}/control-planes` |
//! | [`Client::load_balancer`] | `GET kubernetes/{id}/load-balancers` |
//! | [`Client::versions`] | `GET kubernetes/versions/{cloudId}` |
//! | [`Client::list_pools`], [`Client::get_pool`] | `GET kubernetes/{id}/pools[/{poolId}]` |
//! | [`Client::create_pool`] | `POST kubernetes/{id}/pools` |
//! | [`Client::update_pool`], [`Client::delete_pool`] | `PATCH`/`DELETE kubernetes/{id}/pools/{poolId}` |
//! | [`Client::add_node`] | `POST kubernetes/{id}/pools/{poolId}/nodes` |
//! | [`Client::delete_node`] | `DELETE kubernetes/{id}/nodes/{nodeId}` |
//! | [`Client::current_tenant`], [`Client::get_tenant`], [`Client::list_tenants`] | `GET tenants/...` |
//! | [`Client::list_clouds`] | `GET clouds?tenantIdentifier=` |
//!
//! # Cancellation
//!
//! [`Client::with_cancel`] binds a clone of the client to a
//! [`CancellationToken`](tokio_util::sync::CancellationToken): its requests
//! and retry sleeps end with [`Error::Cancelled`] once the token is
//! cancelled. The waiters take their token as an argument.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> xelon_client::Result<()> {
//! use std::time::Duration;
//! use tokio_util::sync::CancellationToken;
//! use xelon_client::{wait, Client, ClientConfig};
//!
//! let client = Client::new(ClientConfig::new("my-token"))?;
//! let cancel = CancellationToken::new();
//! let cluster = wait::wait_cluster_ready(&client, "k8s-abc123", Duration::from_secs(1800), &cancel).await?;
//! let kubeconfig = client.kubeconfig(&cluster.identifier).await?;
//! # let _ = kubeconfig;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod error;
pub mod models;
pub mod recover;
pub mod retry;
pub mod version;
pub mod wait;

mod account;
mod clusters;
mod listing;
mod pools;

#[cfg(test)]
mod test_support;

pub use client::Client;
pub use config::{ClientConfig, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, Secret};
pub use error::{Delivery, Error, Result};
pub use listing::Pages;
pub use models::{
    Cloud, CloudRef, Cluster, ControlPlane, CreateClusterRequest, CreateNodePoolRequest,
    DeploymentType, Envelope, Health, LoadBalancer, LoadBalancerInstance, Node, NodePool, Page,
    PageMeta, ResizeControlPlane, Tenant, UpdateNodePoolRequest, VersionMap, VersionRequest,
    WorkerPoolSpec,
};
pub use recover::{CreateError, Created, Listed, create_once};
pub use retry::RetryPolicy;
pub use wait::{
    PollSchedule, Progress, poll_until, retry_on_conflict, wait_cluster_deleted,
    wait_cluster_ready, wait_pool_deleted, wait_pool_size, wait_pool_updated,
};
