variable "kubernetes_cluster_id" {
  description = "The ID of an existing Xelon Kubernetes cluster, e.g. k8s-abc123."
  type        = string
}

data "xelon_kubernetes_cluster" "shared" {
  kubernetes_cluster_id = var.kubernetes_cluster_id
}

output "cluster" {
  value = {
    name               = data.xelon_kubernetes_cluster.shared.name
    status             = data.xelon_kubernetes_cluster.shared.status
    talos_version      = data.xelon_kubernetes_cluster.shared.talos_version
    kubernetes_version = data.xelon_kubernetes_cluster.shared.kubernetes_version
  }
}

# The kubeconfig is stored in the state by this data source; the
# xelon_kubernetes_kubeconfig ephemeral resource keeps it out.
output "kubeconfig" {
  value     = data.xelon_kubernetes_cluster.shared.kubeconfig_raw
  sensitive = true
}

# The API server's URL is not sensitive. With the CA certificate and client
# credentials it configures the kubernetes and helm providers, e.g.
#
#   provider "kubernetes" {
#     host                   = data.xelon_kubernetes_cluster.shared.host
#     cluster_ca_certificate = data.xelon_kubernetes_cluster.shared.cluster_ca_certificate
#     client_certificate     = data.xelon_kubernetes_cluster.shared.client_certificate
#     client_key             = data.xelon_kubernetes_cluster.shared.client_key
#   }
output "api_server" {
  value = data.xelon_kubernetes_cluster.shared.host
}
