# A cluster is imported by its ID.
terraform import xelon_kubernetes_cluster.staging k8s-abc123
