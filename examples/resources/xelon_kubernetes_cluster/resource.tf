data "xelon_tenant" "current" {}

data "xelon_cloud" "main" {
  name = "Main HCP Cloud"
}

data "xelon_kubernetes_cluster_versions" "main" {
  cloud_id = data.xelon_cloud.main.id
}

resource "xelon_kubernetes_cluster" "staging" {
  cloud_id  = data.xelon_cloud.main.id
  tenant_id = data.xelon_tenant.current.id
  name      = "staging"

  # The newest versions the cloud offers. When Xelon offers newer ones, the next
  # apply upgrades the cluster in place; pin them (e.g. "1.8.3" and "1.31.2") to
  # upgrade on your own schedule instead.
  talos_version      = data.xelon_kubernetes_cluster_versions.main.latest.talos_version
  kubernetes_version = data.xelon_kubernetes_cluster_versions.main.latest.kubernetes_version

  # Optional: larger control-plane nodes than the default 2 cores and 4 GB.
  # It can be resized in place later. `load_balancer` takes the same attributes,
  # but resizing it replaces the cluster.
  control_plane = {
    cpu_core_count            = 4
    memory                    = 8
    disk_size                 = 50
    high_availability_enabled = true
  }

  timeouts = {
    create = "45m"
  }
}

output "kubernetes_cluster_id" {
  value = xelon_kubernetes_cluster.staging.id
}
