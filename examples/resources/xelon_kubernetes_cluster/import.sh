# A cluster of the token's own tenant is imported by its ID.
terraform import xelon_kubernetes_cluster.staging k8s-abc123

# A cluster of another tenant (e.g. a reseller's customer) is imported as
# <tenant_id>/<cluster_id>, so that tenant_id matches the configuration and
# no replacement is planned.
terraform import xelon_kubernetes_cluster.customer tenant-2/k8s-def456

# Where the Xelon API does not report a cluster's Talos and Kubernetes
# versions, import leaves talos_version and kubernetes_version empty: the
# next apply records the configured versions without calling the API, so
# configure the versions the cluster really runs.
