import {
  to = xelon_kubernetes_node_pool.workers
  id = "k8s-abc123/pool-xyz789"
}
