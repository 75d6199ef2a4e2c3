import {
  to = xelon_kubernetes_cluster.staging
  id = "k8s-abc123"
}
