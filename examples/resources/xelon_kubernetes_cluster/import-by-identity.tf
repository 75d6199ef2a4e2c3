import {
  to = xelon_kubernetes_cluster.staging
  identity = {
    id = "k8s-abc123"
  }
  # Where the Xelon API does not name a cluster's tenant, an import by
  # identity takes the token's own tenant: for a cluster of another tenant,
  # import by id = "<tenant_id>/<cluster_id>" instead.
}
