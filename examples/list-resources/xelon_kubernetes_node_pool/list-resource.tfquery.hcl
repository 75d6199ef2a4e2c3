# The node pools of one cluster.
list "xelon_kubernetes_node_pool" "staging" {
  provider = xelon

  config {
    kubernetes_cluster_id = "k8s-abc123"
  }
}

# Only its pools named "workers".
list "xelon_kubernetes_node_pool" "staging_workers" {
  provider = xelon

  config {
    kubernetes_cluster_id = "k8s-abc123"
    name                  = "workers"
  }
}
