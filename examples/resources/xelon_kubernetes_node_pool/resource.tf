data "xelon_tenant" "current" {}

data "xelon_cloud" "main" {
  name = "Main HCP Cloud"
}

resource "xelon_kubernetes_cluster" "staging" {
  cloud_id           = data.xelon_cloud.main.id
  tenant_id          = data.xelon_tenant.current.id
  name               = "staging"
  talos_version      = "1.8.3"
  kubernetes_version = "1.31.2"
}

resource "xelon_kubernetes_node_pool" "workers" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.staging.id
  name                  = "workers"

  # Scaling adds or removes single nodes (the newest first); resizing happens
  # in place, node by node.
  node_count     = 3
  cpu_core_count = 4
  memory         = 16
  disk_size      = 50

  # A data disk on every node, for the cluster's storage class (persistent volumes).
  extra_storage_size = 100
}

output "worker_nodes" {
  value = [for node in xelon_kubernetes_node_pool.workers.nodes : node.name]
}
