# A node pool is imported by the ID of its cluster and its own ID, separated by a slash.
terraform import xelon_kubernetes_node_pool.workers k8s-abc123/pool-xyz789
