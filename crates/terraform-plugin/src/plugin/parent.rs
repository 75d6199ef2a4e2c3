//! Exiting when Terraform dies.
//!
//! Terraform stops its providers through `GRPCController.Shutdown` or by
//! killing them. When Terraform itself dies first (`kill -9`, an OOM kill, a
//! crashed CI runner), neither happens, and a provider that only waits for
//! them outlives it forever, still listening, possibly still polling the
//! provider's API for an apply nobody will record. So the plugin watches the
//! process that started it and, once that is gone, cancels work in flight
//! (as `StopProvider` does), gives in-flight RPCs [`GRACE`] and exits.
//!
//! # How: `getppid()` polled every [`POLL`]
//!
//! When a process dies, the kernel re-parents its children to the nearest
//! subreaper or to init, so our parent PID changes, and it can only change
//! to a *live* process, never back to the dead one's PID (the new parent was
//! alive when the old one died, so it holds a different PID). Comparing
//! `getppid()` with the PID read at start-up is therefore exact, whatever
//! reaps orphans (init, a container's `tini`, systemd's user manager or a CI
//! agent that is a subreaper), and a recycled PID cannot fool it.
//!
//! It is also immune to threads: `getppid()` answers the parent *process*.
//! When the parent thread that forked us exits while its process lives on
//! (Go's runtime does that to its threads at will), the kernel moves us to
//! another thread of the same process and `getppid()` does not change. That
//! is exactly why `PR_SET_PDEATHSIG` is not used: it fires on the death of
//! that thread and would kill us under a healthy Terraform.
//!
//! A pidfd (`pidfd_open` + poll) would notify at once instead of within
//! 250 ms, but needs Linux 5.3, is refused by older container seccomp
//! profiles (`ENOSYS`/`EPERM`, leaving us to fall back to polling anyway),
//! needs `unsafe` FFI (the crate has no `libc` dependency, and the syscall
//! number is not the same on every architecture), and has to check
//! `getppid()` again after opening anyway, in case the PID was recycled in
//! between. Four `getppid()` calls a second cost nothing, and 250 ms plus
//! the grace keeps the exit within 1 s.
//!
//! # When not to watch
//!
//! - **`--debug`**: a person started the provider (from a shell, an IDE,
//!   a debugger or `cargo run`) and Terraform attaches to it through
//!   `TF_REATTACH_PROVIDERS`; Terraform is not our parent, and the process
//!   lives until its user stops it (Ctrl-C, SIGTERM). Exiting when the
//!   starting shell goes would break `nohup … --debug &` set-ups, and a
//!   closed terminal already ends the provider through SIGHUP.
//! - **parent PID 1** (or 0, a parent outside our PID namespace) at
//!   start-up: started by init or a container runtime, or already orphaned;
//!   there is no Terraform to watch.
//! - **not Linux**: skipped (with a debug log). `getppid()` would work on
//!   other Unix systems too, but only Linux is tested.

use std::time::Duration;

/// How often the parent PID is compared with the one read at start-up.
pub const POLL: Duration = Duration::from_millis(250);

/// How long in-flight RPCs get to finish once the parent is gone, after
/// their work was cancelled. Nobody reads their answers any more; this only
/// lets them end their own way.
pub const GRACE: Duration = Duration::from_millis(300);

/// The exit comes at the latest this long after [`GRACE`], even if the
/// runtime hangs on its way down (e.g. on a blocked DNS lookup thread).
pub const BACKSTOP: Duration = Duration::from_millis(300);

/// The parent to watch, read now (call it first thing at start-up), or
/// `None` when there is none to watch (see the module documentation).
pub fn to_watch(debug: bool) -> Option<u32> {
    if debug {
        tracing::debug!(
            "debug mode: not watching the parent process; stop the provider with Ctrl-C or SIGTERM"
        );
        return None;
    }
    parent_pid()
}

#[cfg(target_os = "linux")]
fn parent_pid() -> Option<u32> {
    match std::os::unix::process::parent_id() {
        0 | 1 => {
            tracing::debug!(
                "started by init or from outside our PID namespace: not watching the parent process"
            );
            None
        }
        pid => Some(pid),
    }
}

#[cfg(not(target_os = "linux"))]
fn parent_pid() -> Option<u32> {
    tracing::debug!("not watching the parent process on this platform");
    None
}

/// Resolves once `parent` is no longer this process's parent: it died.
#[cfg(target_os = "linux")]
pub async fn gone(parent: u32) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if std::os::unix::process::parent_id() != parent {
            return;
        }
    }
}

/// Never resolves: parents are not watched on this platform.
#[cfg(not(target_os = "linux"))]
pub async fn gone(_parent: u32) {
    std::future::pending::<()>().await
}

/// Ends the process with status 0 after `after`, from a plain thread, so
/// that nothing left in the async runtime can keep it alive.
pub fn exit_after(after: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        std::process::exit(0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_mode_watches_nothing() {
        assert_eq!(to_watch(true), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn watches_the_parent_unless_it_is_init() {
        let expected = match std::os::unix::process::parent_id() {
            0 | 1 => None,
            pid => Some(pid),
        };
        assert_eq!(to_watch(false), expected);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn gone_waits_while_the_parent_lives_and_not_otherwise() {
        let parent = std::os::unix::process::parent_id();
        assert!(
            tokio::time::timeout(POLL * 3, gone(parent)).await.is_err(),
            "our live parent counted as gone"
        );
        // A PID that is not (or no longer) our parent: gone at the first look.
        assert!(
            tokio::time::timeout(POLL, gone(u32::MAX)).await.is_ok(),
            "a PID that is not our parent did not count as gone"
        );
    }
}
