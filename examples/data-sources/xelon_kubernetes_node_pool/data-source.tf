variable "kubernetes_cluster_id" {
  description = "The ID of an existing Xelon Kubernetes cluster, e.g. k8s-abc123."
  type        = string
}

# A pool by name (or by `id`) within its cluster.
data "xelon_kubernetes_node_pool" "workers" {
  kubernetes_cluster_id = var.kubernetes_cluster_id
  name                  = "workers"
}

output "workers" {
  value = {
    node_count = data.xelon_kubernetes_node_pool.workers.node_count
    nodes      = [for node in data.xelon_kubernetes_node_pool.workers.nodes : node.name]
  }
}
