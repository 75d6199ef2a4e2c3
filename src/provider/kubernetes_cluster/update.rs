//! An in-place update: its steps, in order, and how each is waited for.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::framework::UpdateRequest;
use crate::framework::model::Tri;
use crate::xelon::models::{Cluster, ResizeControlPlane, STATUS_READY, VersionMap};
use crate::xelon::{Client, Error, wait};

use super::super::errors::{Failure, Fields, api_error};
use super::super::guarded::{cuts_wait_short, wait_cut_short};
use super::plan_checks::{
    check_high_availability, check_no_downgrade, check_no_shrink, check_upgrade_path, talos_first,
    turning_on_ha,
};
use super::state::read_state;
use super::{ClusterModel, DEFAULT_TIMEOUT, Outcome, SETTLE, Spec, required, vanished};

/// The private-state key of the steps a plan decided (see [`decide_update`]).
pub(super) const UPDATE_STEPS: &str = "update_steps";

/// One API step of an in-place update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum UpdateStep {
    EnableHighAvailability,
    UpgradeTalos(String),
    UpgradeKubernetes(String),
    ResizeControlPlane(ResizeControlPlane),
}

impl UpdateStep {
    pub(super) fn describe(&self) -> &'static str {
        match self {
            UpdateStep::EnableHighAvailability => "enabling high availability",
            UpdateStep::UpgradeTalos(_) => "upgrading Talos",
            UpdateStep::UpgradeKubernetes(_) => "upgrading Kubernetes",
            UpdateStep::ResizeControlPlane(_) => "resizing the control plane",
        }
    }

    pub(super) async fn call(&self, client: &Client, id: &str) -> Result<(), Error> {
        match self {
            UpdateStep::EnableHighAvailability => client.enable_high_availability(id).await,
            UpdateStep::UpgradeTalos(v) => client.upgrade_talos_version(id, v).await,
            UpdateStep::UpgradeKubernetes(v) => client.upgrade_kubernetes_version(id, v).await,
            UpdateStep::ResizeControlPlane(body) => client.resize_control_plane(id, body).await,
        }
    }

    /// Writes this step's effect into `state`, once it has taken effect.
    pub(super) fn record(&self, state: &mut ClusterModel) {
        // A part the state does not hold yet starts from no known size.
        let edit = |part: &mut Tri<Spec>, change: &dyn Fn(&mut Spec)| {
            let mut spec = std::mem::take(part).into_known().unwrap_or_default();
            change(&mut spec);
            *part = Tri::Known(spec);
        };
        match self {
            UpdateStep::EnableHighAvailability => {
                for part in [&mut state.control_plane, &mut state.load_balancer] {
                    edit(part, &|s| s.high_availability_enabled = Tri::Known(true));
                }
            }
            UpdateStep::UpgradeTalos(v) => state.talos_version = Tri::Known(v.clone()),
            UpdateStep::UpgradeKubernetes(v) => state.kubernetes_version = Tri::Known(v.clone()),
            UpdateStep::ResizeControlPlane(r) => {
                edit(&mut state.control_plane, &|cp| {
                    cp.cpu_core_count = Tri::Known(r.cpu_core_count);
                    cp.memory = Tri::Known(r.memory);
                    cp.disk_size = Tri::Known(r.disk);
                });
            }
        }
    }

    /// Whether the cluster (Ready and healthy) shows this step's effect;
    /// `None` when the API does not report what would show it (the SDK's
    /// cluster carries no versions).
    async fn observed(
        &self,
        client: &Client,
        id: &str,
        cluster: &Cluster,
    ) -> Result<Option<bool>, Error> {
        Ok(match self {
            UpdateStep::UpgradeTalos(v) => cluster.talos_version.as_ref().map(|t| t == v),
            UpdateStep::UpgradeKubernetes(v) => cluster.k8s_version.as_ref().map(|k| k == v),
            UpdateStep::ResizeControlPlane(body) => {
                let cp = client.control_plane(id).await?;
                match (cp.cpu, cp.ram, cp.disk) {
                    (Some(cpu), Some(ram), Some(disk)) => {
                        Some((cpu, ram, disk) == (body.cpu_core_count, body.memory, body.disk))
                    }
                    _ => None,
                }
            }
            UpdateStep::EnableHighAvailability => {
                let (cp, lb) =
                    tokio::try_join!(client.control_plane(id), client.load_balancer(id))?;
                match (
                    cp.is_highly_available(),
                    lb.and_then(|lb| lb.is_highly_available()),
                ) {
                    (Some(cp), Some(lb)) => Some(cp && lb),
                    _ => None,
                }
            }
        })
    }
}

/// Waits until the cluster is Ready and healthy again AND shows the step's
/// effect. The API is eventually consistent: right after a change call it
/// may still report the old, Ready cluster. Where the API reports what the
/// step changes, the wait ends when it shows the new value; where it does
/// not (versions, in the published SDK's model), when the cluster has gone
/// through a busy status and back to Ready, or, for an API that never shows
/// the transition, when it has stayed Ready for [`SETTLE`].
pub(super) async fn wait_applied(
    client: &Client,
    id: &str,
    step: &UpdateStep,
    timeout: Duration,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<(), Error> {
    let what = format!("cluster {id} to finish {}", step.describe());
    let started = tokio::time::Instant::now();
    let seen_busy = std::sync::atomic::AtomicBool::new(false);
    wait::poll_until(client.poll_schedule(), timeout, cancel, &what, || async {
        use std::sync::atomic::Ordering::Relaxed;
        let cluster = client.get_cluster(id).await?;
        if cluster.is_terminal() {
            return Err(Error::NotReady {
                what: what.clone(),
                status: cluster.status,
            });
        }
        let pending = |note: &str| {
            Ok(wait::Progress::Pending(format!(
                "{} ({}){note}",
                cluster.status,
                cluster.health()
            )))
        };
        if !cluster.is_ready() {
            seen_busy.store(true, Relaxed);
            return pending("");
        }
        match step.observed(client, id, &cluster).await? {
            Some(true) => Ok(wait::Progress::Done(())),
            Some(false) => pending(", change not visible yet"),
            None if seen_busy.load(Relaxed) || started.elapsed() >= SETTLE => {
                Ok(wait::Progress::Done(()))
            }
            None => pending(", waiting for the change to start"),
        }
    })
    .await
}

/// The one decision of an update, made at plan and carried out at apply:
/// every rule a change must follow (high availability only turned on, and
/// for both parts; versions only forward, with an offered pair in between
/// when both change; no disk shrinks), then the steps of [`plan_update`].
/// `versions` is the cloud's version map when it was read.
pub(super) fn decide_update(
    prior: &ClusterModel,
    planned: &ClusterModel,
    versions: Option<&VersionMap>,
) -> Result<Vec<UpdateStep>, Diagnostics> {
    let mut d = Diagnostics::new();
    check_high_availability(prior, planned, &mut d);
    check_no_downgrade(prior, planned, &mut d);
    check_no_shrink(prior, planned, &mut d);
    if let (Some(map), Some(old), Some(new)) = (
        versions,
        prior
            .talos_version
            .known()
            .zip(prior.kubernetes_version.known()),
        planned
            .talos_version
            .known()
            .zip(planned.kubernetes_version.known()),
    ) {
        check_upgrade_path(map, (old.0, old.1), (new.0, new.1), &mut d);
    }
    if d.has_errors() {
        return Err(d);
    }
    Ok(plan_update(prior, planned, versions))
}

/// Whether the order of the steps depends on the cloud's version map: when
/// both versions change.
pub(super) fn order_needs_versions(prior: &ClusterModel, planned: &ClusterModel) -> bool {
    let changes = |old: &Tri<String>, new: &Tri<String>| old.is_known() && old != new;
    changes(&prior.talos_version, &planned.talos_version)
        && changes(&prior.kubernetes_version, &planned.kubernetes_version)
}

/// The API steps that take `prior` to `planned`, in order: high availability,
/// versions, control-plane size. When both versions change, the one whose
/// intermediate pair the cloud offers goes first (Talos when unknown). A
/// version that `prior` lacks (imported where the API reports none) is
/// adopted as planned, with no API call.
pub(super) fn plan_update(
    prior: &ClusterModel,
    planned: &ClusterModel,
    versions: Option<&VersionMap>,
) -> Vec<UpdateStep> {
    let mut steps = Vec::new();
    if !turning_on_ha(prior, planned).is_empty() {
        steps.push(UpdateStep::EnableHighAvailability);
    }
    let changed = |old: &Tri<String>, new: &Tri<String>| match (old.known(), new.known()) {
        (Some(old), Some(new)) if old != new => Some(new.clone()),
        _ => None,
    };
    let talos = changed(&prior.talos_version, &planned.talos_version);
    let k8s = changed(&prior.kubernetes_version, &planned.kubernetes_version);
    match (talos, k8s) {
        (Some(t), Some(k)) => {
            let old_talos = prior.talos_version.known().map_or("", String::as_str);
            let old_k8s = prior.kubernetes_version.known().map_or("", String::as_str);
            let talos_goes_first = versions
                .and_then(|m| talos_first(m, (old_talos, old_k8s), (&t, &k)))
                .unwrap_or(true);
            if talos_goes_first {
                steps.extend([
                    UpdateStep::UpgradeTalos(t),
                    UpdateStep::UpgradeKubernetes(k),
                ]);
            } else {
                steps.extend([
                    UpdateStep::UpgradeKubernetes(k),
                    UpdateStep::UpgradeTalos(t),
                ]);
            }
        }
        (Some(t), None) => steps.push(UpdateStep::UpgradeTalos(t)),
        (None, Some(k)) => steps.push(UpdateStep::UpgradeKubernetes(k)),
        (None, None) => {}
    }
    // Sizes the API did not report (and import could not learn) are adopted.
    if let (Some(old), Some(new)) = (prior.control_plane.known(), planned.control_plane.known()) {
        let sizes = |s: &Spec| {
            [
                s.cpu_core_count.clone(),
                s.memory.clone(),
                s.disk_size.clone(),
            ]
        };
        let differs = sizes(old)
            .iter()
            .zip(sizes(new))
            .any(|(o, n)| o.is_known() && *o != n);
        if let (
            true,
            [
                Tri::Known(cpu_core_count),
                Tri::Known(memory),
                Tri::Known(disk),
            ],
        ) = (differs, sizes(new))
        {
            steps.push(UpdateStep::ResizeControlPlane(ResizeControlPlane {
                cpu_core_count,
                memory,
                disk,
            }));
        }
    }
    steps
}

/// Where a 422's rejected fields of a control-plane resize come from.
const RESIZE_FIELDS: Fields = &[
    ("cpuCoreCount", "control_plane.cpu_core_count"),
    ("memory", "control_plane.memory"),
    ("disk", "control_plane.disk_size"),
];

/// Takes the cluster from its prior state to the planned one, step by step;
/// a failed step records every step that took effect.
pub(super) async fn update_cluster(req: UpdateRequest<'_, Client>) -> Outcome {
    let (prior, planned) = match (
        ClusterModel::read(req.prior),
        ClusterModel::read(req.planned),
    ) {
        (Ok(prior), Ok(planned)) => (prior, planned),
        (Err(d), _) | (_, Err(d)) => return Err((None, d)),
    };
    let client = req.client.with_cancel(req.cancel.clone());
    let id = required(&prior.id, AttributePath::attr("id"))
        .map_err(|d| (Some(prior.clone()), d))?
        .clone();
    let timeout = planned.timeouts.update(DEFAULT_TIMEOUT);
    let deadline = tokio::time::Instant::now() + timeout;
    // A cluster not Ready before (a wait cut short, an import of a cluster
    // still provisioning) is waited for first: the same cluster, resumed.
    if let Some(status) = prior.status.known().filter(|s| *s != STATUS_READY) {
        if let Err(e) = wait::wait_cluster_ready(&client, &id, timeout, req.cancel).await {
            let diagnostics = match cuts_wait_short(&e) {
                true => {
                    let (summary, detail) = wait_cut_short(
                        &format!("Kubernetes cluster {id}"),
                        "update",
                        &planned.timeouts,
                        DEFAULT_TIMEOUT,
                        &e,
                        Some(status),
                    );
                    let mut d = Diagnostics::new();
                    d.error(summary, detail);
                    d
                }
                false => api_error("Kubernetes cluster did not become ready", &e),
            };
            let state = match read_state(&client.uncancellable(), &prior).await {
                Ok(Some(read)) => read.state,
                _ => prior.clone(),
            };
            return Err((Some(state), diagnostics));
        }
    }
    // The steps the plan decided; a plan that could not decide them (the
    // cloud's versions unreadable then, or a plan by an older version of
    // this provider) is decided now, by the same rules.
    let steps = match req.private.get::<Vec<UpdateStep>>(UPDATE_STEPS) {
        Some(steps) => steps,
        None => {
            let versions = match prior.cloud_id.known() {
                Some(cloud) if order_needs_versions(&prior, &planned) => {
                    client.versions(cloud).await.ok()
                }
                _ => None,
            };
            decide_update(&prior, &planned, versions.as_ref())
                .map_err(|d| (Some(prior.clone()), d))?
        }
    };
    // What has taken effect so far: the prior state plus each finished step.
    let mut done = prior.clone();
    for step in steps {
        tracing::info!(cluster_id = %id, ?step, "updating cluster");
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let what = format!("cluster {id}: {}", step.describe());
        let called =
            wait::retry_on_conflict(&client, left, req.cancel, &what, || step.call(&client, &id))
                .await;
        let applied = match called {
            Ok(()) => {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                wait_applied(&client, &id, &step, left, req.cancel)
                    .await
                    .map_err(|e| (true, e))
            }
            Err(e) => Err((false, e)),
        };
        if let Err((waiting, e)) = applied {
            // Record what the cluster looks like now, so the next plan shows what is left.
            let summary = format!("Unable to update Kubernetes cluster ({})", step.describe());
            let mut diagnostics = match waiting && cuts_wait_short(&e) {
                true => {
                    let (cut, detail) = wait_cut_short(
                        &format!("Kubernetes cluster {id}"),
                        "update",
                        &planned.timeouts,
                        DEFAULT_TIMEOUT,
                        &e,
                        None,
                    );
                    let mut d = Diagnostics::new();
                    d.error(format!("{summary}: {cut}"), detail);
                    d
                }
                false => Failure::new(&summary, &e)
                    .fields(RESIZE_FIELDS)
                    .diagnostics(),
            };
            let state = match read_state(&client, &done).await {
                Ok(Some(read)) => {
                    diagnostics.extend(read.warnings);
                    read.state
                }
                _ => done,
            };
            return Err((Some(state), diagnostics));
        }
        step.record(&mut done);
    }
    // Versions the API does not report (an imported cluster) are adopted as configured.
    done.talos_version = planned.talos_version.clone();
    done.kubernetes_version = planned.kubernetes_version.clone();
    done.timeouts = planned.timeouts.clone();
    // Only a name's edge spaces can change in place: the API trimmed them.
    done.name = planned.name.clone();
    // Sizes the API never reported are adopted as planned (see modify_plan).
    for (part, plan) in [
        (&mut done.control_plane, &planned.control_plane),
        (&mut done.load_balancer, &planned.load_balancer),
    ] {
        adopt_unreported(part, plan);
    }
    match read_state(&client, &done).await {
        Ok(Some(read)) => Ok((read.state, read.warnings)),
        Ok(None) => Err((
            None,
            vanished("Kubernetes cluster vanished during the update", &id),
        )),
        Err(e) => Err((
            Some(done),
            api_error("Unable to read the updated Kubernetes cluster", &e),
        )),
    }
}

/// Fills the sizes `part` does not know (never reported) from `planned`.
fn adopt_unreported(part: &mut Tri<Spec>, planned: &Tri<Spec>) {
    let Some(planned) = planned.known() else {
        return;
    };
    let mut spec = std::mem::take(part).into_known().unwrap_or_default();
    for (have, plan) in [
        (&mut spec.cpu_core_count, &planned.cpu_core_count),
        (&mut spec.memory, &planned.memory),
        (&mut spec.disk_size, &planned.disk_size),
    ] {
        if have.is_null() {
            *have = plan.clone();
        }
    }
    if spec.high_availability_enabled.is_null() {
        spec.high_availability_enabled = planned.high_availability_enabled.clone();
    }
    *part = Tri::Known(spec);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{cluster, spec};
    use super::*;

    #[test]
    fn update_steps_in_order() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        let planned = cluster("1.9.1", "1.32.0", spec(4, true), spec(2, true));
        let steps = plan_update(&prior, &planned, None);
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[0], UpdateStep::EnableHighAvailability);
        assert_eq!(steps[1], UpdateStep::UpgradeTalos("1.9.1".into()));
        assert_eq!(steps[2], UpdateStep::UpgradeKubernetes("1.32.0".into()));
        assert!(matches!(&steps[3], UpdateStep::ResizeControlPlane(r) if r.cpu_core_count == 4));
        assert!(plan_update(&prior, &prior, None).is_empty());
        // Kubernetes first when only (old Talos, new Kubernetes) is offered.
        let map = VersionMap(
            [
                (
                    "1.8.3".to_string(),
                    vec!["1.31.2".to_string(), "1.32.0".to_string()],
                ),
                ("1.9.1".to_string(), vec!["1.32.0".to_string()]),
            ]
            .into_iter()
            .collect(),
        );
        let planned = cluster("1.9.1", "1.32.0", spec(2, false), spec(2, false));
        let steps = plan_update(&prior, &planned, Some(&map));
        assert_eq!(
            steps,
            vec![
                UpdateStep::UpgradeKubernetes("1.32.0".into()),
                UpdateStep::UpgradeTalos("1.9.1".into())
            ]
        );
    }

    #[test]
    fn an_update_is_decided_once_with_every_rule() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        // Neither pair in between offered: refused, with no steps.
        let map = VersionMap(
            [
                ("1.8.3".to_string(), vec!["1.31.2".to_string()]),
                ("1.9.1".to_string(), vec!["1.32.0".to_string()]),
            ]
            .into_iter()
            .collect(),
        );
        let both = cluster("1.9.1", "1.32.0", spec(2, false), spec(2, false));
        let refused = decide_update(&prior, &both, Some(&map)).unwrap_err();
        assert!(
            refused
                .iter()
                .any(|d| d.summary == "No direct upgrade path"),
            "{refused:?}"
        );
        assert!(order_needs_versions(&prior, &both));
        // High availability on for one part only, and a downgrade: refused.
        let one_part = cluster("1.8.3", "1.31.2", spec(2, true), spec(2, false));
        assert!(decide_update(&prior, &one_part, None).is_err());
        let older = cluster("1.7.7", "1.31.2", spec(2, false), spec(2, false));
        assert!(decide_update(&prior, &older, None).is_err());
        // A resize alone is decided without the versions, and its steps
        // reach the apply through the private state unchanged.
        let resize = cluster("1.8.3", "1.31.2", spec(4, false), spec(2, false));
        assert!(!order_needs_versions(&prior, &resize));
        let steps = decide_update(&prior, &resize, None).unwrap();
        let mut private = crate::framework::Private::default();
        private.set(UPDATE_STEPS, &steps);
        let carried = crate::framework::Private::from_bytes(&private.to_bytes());
        assert_eq!(carried.get::<Vec<UpdateStep>>(UPDATE_STEPS), Some(steps));
    }

    #[test]
    fn finished_steps_are_recorded_and_unknown_versions_adopted() {
        let prior = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        let mut done = prior.clone();
        UpdateStep::UpgradeTalos("1.9.1".into()).record(&mut done);
        UpdateStep::EnableHighAvailability.record(&mut done);
        assert_eq!(done.talos_version, Tri::Known("1.9.1".into()));
        assert_eq!(done.kubernetes_version, Tri::Known("1.31.2".into()));
        for part in [&done.control_plane, &done.load_balancer] {
            assert_eq!(
                part.known().unwrap().high_availability_enabled,
                Tri::Known(true)
            );
        }
        UpdateStep::ResizeControlPlane(ResizeControlPlane {
            cpu_core_count: 8,
            memory: 16,
            disk: 100,
        })
        .record(&mut done);
        assert_eq!(done.control_plane.known().unwrap().memory, Tri::Known(16));
        // An imported cluster whose versions the API does not report: no call.
        let mut imported = cluster("", "", spec(2, false), spec(2, false));
        imported.talos_version = Tri::Null;
        imported.kubernetes_version = Tri::Null;
        let planned = cluster("1.8.3", "1.31.2", spec(2, false), spec(2, false));
        assert!(plan_update(&imported, &planned, None).is_empty());
        // HA and sizes that the API did not report are not "off" or
        // "different": no call.
        let unknown_ha = cluster("1.8.3", "1.31.2", Tri::Null, Tri::Null);
        let ha = cluster("1.8.3", "1.31.2", spec(2, true), spec(2, true));
        assert_eq!(plan_update(&unknown_ha, &ha, None), vec![]);
    }
}
