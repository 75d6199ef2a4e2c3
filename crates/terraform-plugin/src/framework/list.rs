//! List resources (Terraform 1.14+, `terraform query`): a [`ListResource`]
//! finds the remote objects of one managed resource type, and Terraform
//! shows them or generates the configuration and `import` blocks that adopt
//! them.
//!
//! A list resource has the name of the managed resource it lists, which
//! must have an [`Identity`](super::Identity): each result is identified by
//! that identity, derived by the server from the result's state as for the
//! resource itself. Results stream to Terraform as they are pushed into
//! [`ListResults`], which also enforces the list block's `limit`.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::cty::Value;

use super::{Diagnostics, Schema, ValidateRequest, ValidateResponse};

/// A list resource type. `C` is the provider's configured client.
#[async_trait]
pub trait ListResource<C: Send + Sync + 'static>: Send + Sync {
    /// The managed resource type it lists, e.g. `xelon_kubernetes_cluster`
    /// (the same name: Terraform takes each result's identity and state
    /// schema from that resource).
    fn type_name(&self) -> &'static str;

    /// The schema of the list block's `config { ... }`: the filters.
    fn schema(&self) -> Schema;

    /// Checks the type's configuration model against its schema, with
    /// [`crate::framework::model::check_model`]: an empty list when they
    /// agree. One generic test calls it for every registered type.
    fn check_model(&self) -> Vec<String> {
        vec![format!("{} (list) has no typed model", self.type_name())]
    }

    /// Checks across attributes of the configuration; attribute validators
    /// have already run.
    fn validate_config(&self, _req: ValidateRequest<'_>) -> ValidateResponse {
        ValidateResponse::default()
    }

    /// Finds the objects and pushes each into `out`, stopping when
    /// [`ListResults::push`] says so (the limit is reached, or Terraform
    /// stopped reading). The diagnostics returned are sent after the
    /// results; an error ends the listing.
    async fn list(&self, req: ListRequest<'_, C>, out: &mut ListResults) -> Diagnostics;
}

/// Input of [`ListResource::list`].
pub struct ListRequest<'a, C> {
    /// The configured client.
    pub client: &'a C,
    /// The list block's `config` (wholly known; null attributes where unset).
    pub config: &'a Value,
    /// Whether Terraform wants each object's full state (`include_resource`,
    /// or `-generate-config-out`). Without it, a result's state needs only
    /// the identity attributes.
    pub include_resource: bool,
    /// At most this many results are sent ([`ListResults::remaining`]).
    pub limit: usize,
    /// Cancelled when Terraform stops the provider (Ctrl-C).
    pub cancel: &'a CancellationToken,
}

/// One object found.
#[derive(Clone, Debug, PartialEq)]
pub struct ListItem {
    /// A name for people, shown beside the identity.
    pub display_name: String,
    /// The object's state: at least its identity attributes; its whole
    /// state, as a refresh of the resource would produce it, when the
    /// request asks to include the resource.
    pub state: Value,
    /// Warnings about this object.
    pub diagnostics: Diagnostics,
}

impl ListItem {
    /// A result named `display_name` with `state`.
    pub fn new(display_name: impl Into<String>, state: Value) -> Self {
        Self {
            display_name: display_name.into(),
            state,
            diagnostics: Diagnostics::new(),
        }
    }
}

/// Where encoded results go: the server's stream to Terraform. The
/// framework's side of it, so that this module needs nothing of the server.
#[async_trait]
pub(crate) trait ListSink: Send {
    /// Encodes and sends one result; `false` when it could not be encoded
    /// (a provider bug, sent to Terraform as an error) or Terraform stopped
    /// reading.
    async fn send(&mut self, item: ListItem) -> bool;
    /// Sends diagnostics on their own (no result).
    async fn send_diagnostics(&mut self, diagnostics: Diagnostics);
}

/// Where a [`ListResource`] puts its results: each is encoded (identity,
/// and the state when asked for) and streamed to Terraform at once.
pub struct ListResults {
    remaining: usize,
    sink: Box<dyn ListSink>,
    stopped: bool,
}

impl ListResults {
    /// A sink for at most `limit` results, sent through `sink`.
    pub(crate) fn new(limit: usize, sink: Box<dyn ListSink>) -> Self {
        Self {
            remaining: limit,
            sink,
            stopped: limit == 0,
        }
    }

    /// Sends `item`; `false` when the listing should stop: the limit is
    /// reached, Terraform stopped reading, or the item was invalid (a
    /// provider bug, reported to Terraform as an error).
    pub async fn push(&mut self, item: ListItem) -> bool {
        if self.stopped {
            return false;
        }
        if !self.sink.send(item).await {
            self.stopped = true;
            return false;
        }
        self.remaining -= 1;
        self.stopped = self.remaining == 0;
        !self.stopped
    }

    /// How many more results may be sent.
    pub fn remaining(&self) -> usize {
        if self.stopped { 0 } else { self.remaining }
    }

    /// Whether the listing should stop (see [`ListResults::push`]).
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Sends diagnostics on their own (no result).
    pub(crate) async fn diagnostics(&mut self, diagnostics: Diagnostics) {
        if diagnostics.is_empty() {
            return;
        }
        self.sink.send_diagnostics(diagnostics).await;
    }
}
