import {
  to = xelon_kubernetes_node_pool.workers
  identity = {
    kubernetes_cluster_id = "k8s-abc123"
    id                    = "pool-xyz789"
  }
}
