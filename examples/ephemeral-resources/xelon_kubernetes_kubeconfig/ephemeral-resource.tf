variable "kubernetes_cluster_id" {
  description = "The ID of the Xelon Kubernetes cluster, e.g. xelon_kubernetes_cluster.staging.id."
  type        = string
}

# Opened anew in every Terraform run; the kubeconfig and talosconfig never
# reach the state or a plan file.
ephemeral "xelon_kubernetes_kubeconfig" "staging" {
  kubernetes_cluster_id = var.kubernetes_cluster_id
}

# Ephemeral values can configure other providers. The kubernetes and helm
# providers take the cluster's connection straight from the attributes:
#
#   provider "kubernetes" {
#     host                   = ephemeral.xelon_kubernetes_kubeconfig.staging.host
#     cluster_ca_certificate = ephemeral.xelon_kubernetes_kubeconfig.staging.cluster_ca_certificate
#     client_certificate     = ephemeral.xelon_kubernetes_kubeconfig.staging.client_certificate
#     client_key             = ephemeral.xelon_kubernetes_kubeconfig.staging.client_key
#   }
#
#   provider "helm" {
#     kubernetes = {   # helm provider 3.x; a `kubernetes { ... }` block in 2.x
#       host                   = ephemeral.xelon_kubernetes_kubeconfig.staging.host
#       cluster_ca_certificate = ephemeral.xelon_kubernetes_kubeconfig.staging.cluster_ca_certificate
#       client_certificate     = ephemeral.xelon_kubernetes_kubeconfig.staging.client_certificate
#       client_key             = ephemeral.xelon_kubernetes_kubeconfig.staging.client_key
#     }
#   }
#
# or feed provisioners, here to wait for the cluster's nodes with kubectl:
resource "terraform_data" "nodes_ready" {
  triggers_replace = [var.kubernetes_cluster_id]

  provisioner "local-exec" {
    interpreter = ["bash", "-c"]
    command     = "kubectl --kubeconfig <(printenv KUBECONFIG_DATA) wait --for=condition=Ready nodes --all --timeout=10m"
    environment = {
      KUBECONFIG_DATA = ephemeral.xelon_kubernetes_kubeconfig.staging.kubeconfig_raw
    }
  }
}
