//! Tests of [`super`] (emulator state).
use super::*;

const SECOND: Duration = Duration::from_secs(1);

fn state(stale_reads: Duration) -> State {
    State::new(&Config {
        provision_delay: 10 * SECOND,
        node_delay: 10 * SECOND,
        stale_reads,
        seed: Some(7),
        ..Config::default()
    })
}

fn spec() -> NewCluster {
    let size = Size {
        cpu: 2,
        ram: 4,
        disk: 50,
    };
    NewCluster {
        name: "c".into(),
        tenant: "tenant-1".into(),
        cloud: "cloud-1".into(),
        k8s_version: "1.31.2".into(),
        talos_version: "1.9.1".into(),
        control_plane: size,
        control_plane_ha: false,
        load_balancer: size,
        load_balancer_ha: false,
        pools: vec![NewPool {
            name: "p".into(),
            nodes: 1,
            size,
            extra_storage: 0,
        }],
    }
}

fn upgrade(cluster: &mut Cluster, _: &mut dyn FnMut(String) -> Node) -> Result<(), ApiError> {
    cluster.k8s_version = "1.32.0".into();
    Ok(())
}

#[test]
fn a_cluster_change_shows_only_after_the_stale_window_but_is_busy_at_once() {
    let mut state = state(5 * SECOND);
    let t0 = Instant::now();
    let id = state.create_cluster(spec(), t0).identifier.clone();
    let accepted = t0 + 10 * SECOND;
    assert!(state.update_cluster(&id, accepted, upgrade).is_ok());

    let during = accepted + 4 * SECOND;
    state.sweep(during);
    let cluster = state.cluster(&id).cloned();
    let Ok(cluster) = cluster else {
        panic!("cluster exists")
    };
    let seen = cluster.visible(during);
    assert_eq!(seen.status(during), ClusterStatus::Ready);
    assert_eq!(seen.k8s_version, "1.31.2");
    assert_eq!(cluster.status(during), ClusterStatus::Updating, "truth");
    assert_eq!(cluster.k8s_version, "1.32.0", "truth");
    let again = state.update_cluster(&id, during, upgrade).map(|_| ());
    assert_eq!(again.map_err(|e| e.status.as_u16()), Err(409));

    let after = accepted + 5 * SECOND;
    state.sweep(after);
    let Ok(cluster) = state.cluster(&id) else {
        panic!("cluster exists")
    };
    assert!(cluster.stale.is_none(), "swept once the window closed");
    assert_eq!(
        cluster.visible(after).status(after),
        ClusterStatus::Updating
    );
    assert_eq!(cluster.visible(after).k8s_version, "1.32.0");
    let done = after + 10 * SECOND;
    assert_eq!(cluster.status(done), ClusterStatus::Ready);
}

#[test]
fn without_stale_reads_nothing_is_remembered() {
    let mut state = state(Duration::ZERO);
    let t0 = Instant::now();
    let id = state.create_cluster(spec(), t0).identifier.clone();
    let accepted = t0 + 10 * SECOND;
    assert!(state.update_cluster(&id, accepted, upgrade).is_ok());
    let Ok(cluster) = state.cluster(&id) else {
        panic!("cluster exists")
    };
    assert!(cluster.stale.is_none());
    assert_eq!(cluster.status(accepted), ClusterStatus::Updating);
    assert!(cluster.pools[0].stale.is_empty());
}

#[test]
fn pool_changes_show_one_after_the_other() {
    let mut state = state(5 * SECOND);
    let t0 = Instant::now();
    let id = state.create_cluster(spec(), t0).identifier.clone();
    let pool_id = state.clusters[0].pools[0].identifier.clone();
    let first = t0 + 10 * SECOND;
    assert!(state.add_node(&id, &pool_id, first).is_ok());
    let second = first + 2 * SECOND;
    assert!(
        state.add_node(&id, &pool_id, second).is_ok(),
        "adding while another node is on its way is allowed"
    );
    let resize = PoolChange {
        cpu: Some(4),
        ..PoolChange::default()
    };
    let refused = state.update_pool(&id, &pool_id, resize, second).map(|_| ());
    assert_eq!(
        refused.map_err(|e| e.status.as_u16()),
        Err(409),
        "the new nodes count as provisioning during the window"
    );
    let pool = &state.clusters[0].pools[0];
    let seen = |at: Instant| pool.visible(at).nodes.len();
    assert_eq!(seen(first + SECOND), 1);
    assert_eq!(seen(first + 5 * SECOND), 2, "the first add shows");
    assert_eq!(seen(second + 5 * SECOND), 3, "then the second");
    let shown = pool.visible(first + 5 * SECOND);
    assert_eq!(shown.nodes[1].status(first + 5 * SECOND), "Provisioning");
    assert_eq!(pool.nodes.len(), 3, "truth");
}

#[test]
fn deletes_are_not_delayed() {
    let mut state = state(5 * SECOND);
    let t0 = Instant::now();
    let id = state.create_cluster(spec(), t0).identifier.clone();
    let pool_id = state.clusters[0].pools[0].identifier.clone();
    let accepted = t0 + 10 * SECOND;
    assert!(state.add_node(&id, &pool_id, accepted).is_ok());
    assert!(state.update_cluster(&id, accepted, upgrade).is_ok());
    assert!(state.delete_cluster(&id, accepted + SECOND).is_ok());
    let cluster = &state.clusters[0];
    let at = accepted + 2 * SECOND;
    assert_eq!(cluster.visible(at).status(at), ClusterStatus::Deleting);
    assert!(cluster.pools[0].visible(at).nodes[0].is_deleting());
}
