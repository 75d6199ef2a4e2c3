data "xelon_cloud" "main" {
  name = "Main HCP Cloud"
}

data "xelon_kubernetes_cluster_versions" "main" {
  cloud_id = data.xelon_cloud.main.id
}

# The newest pair, ready for the talos_version and kubernetes_version of a cluster.
output "latest" {
  value = data.xelon_kubernetes_cluster_versions.main.latest
}

# Every Talos version with the Kubernetes versions it runs, e.g.
# { "1.8.3" = ["1.31.2", "1.30.6"], ... }.
output "offered" {
  value = {
    for v in data.xelon_kubernetes_cluster_versions.main.versions :
    v.talos_version => v.kubernetes_versions
  }
}
