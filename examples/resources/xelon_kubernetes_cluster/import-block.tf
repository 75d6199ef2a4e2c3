import {
  to = xelon_kubernetes_cluster.staging
  id = "k8s-abc123"
  # For a cluster of another tenant than the token's own (e.g. a reseller's
  # customer): id = "tenant-2/k8s-abc123", so that tenant_id matches.
}
