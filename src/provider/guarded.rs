//! What a guarded create ([`crate::xelon::create_once`]) of a cluster or a
//! pool tells the user, and how a readiness wait that was cut short ends:
//! written once for both resources.
//!
//! - A create refused because an object of the name exists, one that failed,
//!   and one whose lost answer left several candidates
//!   ([`Guard::failure`]): errors on `name` with the import that adopts an
//!   object.
//! - Twins ([`Guard::twins`]): objects of the name that appeared while this
//!   create ran. A warning when this state holds its own object for sure
//!   (the create's answer named it); an error, recording nothing, when it
//!   was found by name and another appeared too (which one is ours cannot be
//!   proven).
//! - A wait cut short ([`wait_cut_short`]): Ctrl-C, the operation's timeout,
//!   rejected credentials or an outage while the object provisions. The
//!   object exists and is recorded with its last status, as a warning (an
//!   error would make Terraform taint it, and the next apply replace a
//!   healthy object); the next plan resumes the wait as an in-place update.

use std::time::Duration;

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::framework::model::Tri;
use crate::framework::timeouts::Timeouts;
use crate::xelon::models::{Cluster, NodePool};
use crate::xelon::{CreateError, Created, Delivery, Error, Listed};

use super::errors::{Failure, Fields, api_error};

/// An object a guarded create makes, as the user knows it.
pub(crate) trait Guarded: Listed {
    /// What it is, e.g. `Kubernetes cluster`.
    const WHAT: &'static str;
    /// Its resource type.
    const RESOURCE: &'static str;
    /// Its name as the API reports it.
    fn name(&self) -> &str;
    /// Its status in a few words.
    fn status_text(&self) -> String;
}

impl Guarded for Cluster {
    const WHAT: &'static str = "Kubernetes cluster";
    const RESOURCE: &'static str = "xelon_kubernetes_cluster";
    fn name(&self) -> &str {
        &self.name
    }
    fn status_text(&self) -> String {
        match self.status.as_str() {
            "" => "status unknown".to_owned(),
            status => format!("status {status}"),
        }
    }
}

impl Guarded for NodePool {
    const WHAT: &'static str = "node pool";
    const RESOURCE: &'static str = "xelon_kubernetes_node_pool";
    fn name(&self) -> &str {
        &self.name
    }
    fn status_text(&self) -> String {
        self.status_summary()
    }
}

/// One guarded create's context for its diagnostics.
pub(crate) struct Guard<'a> {
    /// The create's name.
    pub name: &'a str,
    /// Where the name is unique, e.g. ` in cluster k8s-1` (or empty).
    pub scope: String,
    /// Where a 422's rejected fields of the create come from.
    pub fields: Fields,
    /// The import ID of the object of an ID (`<tenant>/<id>`, `<cluster>/<id>`).
    pub import_id: &'a (dyn Fn(&str) -> String + Sync),
}

impl Guard<'_> {
    /// The diagnostics of a create that made nothing this state can hold.
    pub(crate) fn failure<T: Guarded>(&self, error: CreateError<T>) -> Diagnostics {
        match error {
            CreateError::Exists(existing) => self.exists(&existing),
            CreateError::Check(e) => api_error(
                &format!("Unable to check for an existing {} of this name", T::WHAT),
                &e,
            ),
            CreateError::Create { error, sends } => {
                let mut d = Failure::new(&format!("Unable to create {}", T::WHAT), &error)
                    .fields(self.fields)
                    .diagnostics();
                if matches!(
                    error.delivery(),
                    Delivery::Handled | Delivery::MayBeInProgress
                ) {
                    d.attribute_warning(
                        AttributePath::attr("name"),
                        format!("No {} was created, as far as the Xelon API shows", T::WHAT),
                        format!(
                            "The create was sent {sends} time(s) without a clear answer, and no {what} named {name:?}{scope} appeared while the provider looked for it after each. If one appears later, the next apply does not make a second one: it shows the import that adopts it.",
                            what = T::WHAT,
                            name = self.name,
                            scope = self.scope,
                        ),
                    );
                }
                d
            }
            CreateError::Ambiguous(found) => self.several(&found, None),
        }
    }

    /// What the objects of the name listed after a create say about it:
    /// warnings (twins of an object this state holds for sure), or the error
    /// that this state can hold nothing (the create's object was found by
    /// name, and others appeared too). A listing that failed is a warning.
    pub(crate) fn twins<T: Guarded>(
        &self,
        created: &Created<T>,
        listed: Result<Vec<T>, Error>,
    ) -> Result<Diagnostics, Diagnostics> {
        let mut d = Diagnostics::new();
        let twins = match listed {
            Ok(listed) => created.twins(listed),
            Err(e) => {
                d.attribute_warning(
                    AttributePath::attr("name"),
                    format!("Other {}s of this name were not checked for", T::WHAT),
                    format!(
                        "After the create, the provider could not list the {what}s named {name:?}{scope} to check that no other one appeared at the same time: {e}.",
                        what = T::WHAT,
                        name = self.name,
                        scope = self.scope,
                    ),
                );
                return Ok(d);
            }
        };
        if twins.is_empty() {
            return Ok(d);
        }
        let own = created.object.identifier();
        if created.found_after_lost_answer {
            return Err(self.several(&twins, Some(own)));
        }
        let resend = if created.sends > 1 {
            format!(
                ", or an earlier send of this create whose answer was lost (it was sent {} times)",
                created.sends
            )
        } else {
            String::new()
        };
        d.attribute_warning(
            AttributePath::attr("name"),
            format!("Another {} of this name appeared during this create", T::WHAT),
            format!(
                "This state holds {own}, the {what} this create made. While it was created, these {what}s named {name:?}{scope} appeared too:\n\n{list}\nAnother Terraform state (or another client) created one of the same name at the same moment{resend}. This state does not manage it, and it is billed like any other: if nothing else manages it, import it into another resource or delete it.",
                what = T::WHAT,
                name = self.name,
                scope = self.scope,
                list = self.listing(&twins),
            ),
        );
        Ok(d)
    }

    /// The error when an object of the name exists outside this state.
    fn exists<T: Guarded>(&self, existing: &T) -> Diagnostics {
        let (what, resource) = (T::WHAT, T::RESOURCE);
        let id = (self.import_id)(existing.identifier());
        let mut d = Diagnostics::new();
        d.attribute_error(
            AttributePath::attr("name"),
            format!("A {what} of this name already exists"),
            format!(
                "The Xelon API already has a {what} named {name:?}{scope} ({existing}, {status}) that this Terraform state does not hold. The API allows several {what}s of one name and cannot tell them apart, so nothing was created: a second one would duplicate it.\n\nIf it is the {what} this resource replaces (under lifecycle create_before_destroy the new one is created while the old one still exists), give the replacement another `name`, or remove create_before_destroy so that the old one is deleted first.\n\nOtherwise it was made outside this state, perhaps by an apply that was interrupted. To manage it with this resource, import it, with an import block (the label is this resource's, as shown with this error):\n\n  import {{\n    to = {resource}.<label>\n    id = \"{id}\"\n  }}\n\nor with the command: terraform import {resource}.<label> {id}\n\nOr choose another name, or delete the existing {what}.",
                name = existing.name(),
                scope = self.scope,
                existing = existing.identifier(),
                status = existing.status_text(),
            ),
        );
        d
    }

    /// The error when several objects of the name appeared after a create
    /// whose answer was lost: `held` is the one found first, if any.
    fn several<T: Guarded>(&self, found: &[T], held: Option<&str>) -> Diagnostics {
        let (what, resource) = (T::WHAT, T::RESOURCE);
        let first = match held {
            Some(id) => format!("{id} (found first, when it was the only one) and then these:\n\n"),
            None => String::new(),
        };
        let mut d = Diagnostics::new();
        d.attribute_error(
            AttributePath::attr("name"),
            format!("Several {what}s of this name appeared; none was recorded"),
            format!(
                "This create's answer was lost, and while the provider looked for its {what} by name, several {what}s named {name:?}{scope} appeared: {first}{list}\nAnother Terraform state (or another client) created one of the same name at the same moment, so which one this create made cannot be proven, and this state records none of them: recording another state's {what} would let this one change or destroy it.\n\nImport the one that belongs to this resource (`terraform import {resource}.<label> <import ID>`, or an import block), and leave the others to whoever made them, or delete those nobody manages.",
                name = self.name,
                scope = self.scope,
                list = self.listing(found),
            ),
        );
        d
    }

    /// One line per object: its ID, status and import ID.
    fn listing<T: Guarded>(&self, objects: &[T]) -> String {
        objects
            .iter()
            .map(|o| {
                format!(
                    "  - {} ({}), import ID {}\n",
                    o.identifier(),
                    o.status_text(),
                    (self.import_id)(o.identifier())
                )
            })
            .collect()
    }
}

/// Whether `error` cut a readiness wait short (Ctrl-C, the operation's
/// timeout, rejected credentials, an outage) rather than showing that the
/// object failed (a terminal status) or is gone (404).
pub(crate) fn cuts_wait_short(error: &Error) -> bool {
    !matches!(error, Error::NotReady { .. }) && !error.is_not_found()
}

/// The summary and detail of a readiness wait that `error` cut short: what
/// stopped it, the operation's timeout as written, the object's last status
/// and what the next apply does (`last_status` when the caller read it, else
/// the wait's own last word). `object` names it, e.g. `Kubernetes cluster
/// k8s-1`. A create reports it as a warning (see the module docs), an
/// update as an error.
pub(crate) fn wait_cut_short(
    object: &str,
    op: &str,
    timeouts: &Tri<Timeouts>,
    default: Duration,
    error: &Error,
    last_status: Option<&str>,
) -> (String, String) {
    let last_status = last_status
        .or(match error {
            Error::Timeout { last_status, .. } => last_status.as_deref(),
            _ => None,
        })
        .unwrap_or("unknown");
    let setting = timeouts.describe(op, default);
    let why = match error {
        Error::Timeout { .. } => format!("it was not ready within {setting}"),
        Error::Cancelled => "Terraform was interrupted".to_owned(),
        Error::Api {
            status: 401 | 403, ..
        } => format!(
            "the Xelon API rejected the provider's credentials while it was waited for ({error})"
        ),
        other => format!("the Xelon API could not be read while it was waited for ({other})"),
    };
    (
        format!("{object} is not ready yet"),
        format!(
            "The wait for {object} was cut short: {why}. Its last status was {last_status:?}. It exists and is recorded in the state; the next apply waits for this same object (an in-place update of `status`) instead of replacing it. To wait longer in one apply, raise timeouts.{op}.",
        ),
    )
}
