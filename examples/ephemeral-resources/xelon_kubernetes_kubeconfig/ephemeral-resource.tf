variable "kubernetes_cluster_id" {
  description = "The ID of the Xelon Kubernetes cluster, e.g. xelon_kubernetes_cluster.staging.id."
  type        = string
}

# Opened anew in every Terraform run; the kubeconfig and talosconfig never
# reach the state or a plan file.
ephemeral "xelon_kubernetes_kubeconfig" "staging" {
  kubernetes_cluster_id = var.kubernetes_cluster_id
}

# Ephemeral values can configure other providers (kubernetes, helm, ...),
# e.g. from the decoded kubeconfig:
#
#   locals {
#     kubeconfig = yamldecode(ephemeral.xelon_kubernetes_kubeconfig.staging.kubeconfig_raw)
#   }
#
#   provider "kubernetes" {
#     host                   = local.kubeconfig.clusters[0].cluster.server
#     cluster_ca_certificate = base64decode(local.kubeconfig.clusters[0].cluster["certificate-authority-data"])
#     client_certificate     = base64decode(local.kubeconfig.users[0].user["client-certificate-data"])
#     client_key             = base64decode(local.kubeconfig.users[0].user["client-key-data"])
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
