# Quickstart: a Kubernetes cluster with two worker pools on Xelon HQ, its
# versions looked up rather than typed, and its kubeconfig as an ephemeral
# value that never lands in the state.
#
# Offline: scripts/quickstart.sh runs it against the local emulator.
# Real account: export XELON_TOKEN (and XELON_BASE_URL if needed), set
# cloud_name to one of your clouds, then terraform init && terraform apply.

terraform {
  required_version = ">= 1.10"
  required_providers {
    xelon = {
      source = "xelon-ag/xelon"
    }
  }
}

provider "xelon" {}

variable "cloud_name" {
  description = "The cloud to run in (the emulator's are \"Main HCP Cloud\" and \"Secondary Cloud\")."
  type        = string
  default     = "Main HCP Cloud"
}

variable "cluster_name" {
  description = "The cluster's name."
  type        = string
  default     = "quickstart"
}

data "xelon_tenant" "current" {}

data "xelon_cloud" "main" {
  name = var.cloud_name
}

data "xelon_kubernetes_cluster_versions" "available" {
  cloud_id = data.xelon_cloud.main.id
}

resource "xelon_kubernetes_cluster" "demo" {
  cloud_id           = data.xelon_cloud.main.id
  tenant_id          = data.xelon_tenant.current.id
  name               = var.cluster_name
  talos_version      = data.xelon_kubernetes_cluster_versions.available.latest.talos_version
  kubernetes_version = data.xelon_kubernetes_cluster_versions.available.latest.kubernetes_version

  control_plane = {
    cpu_core_count = 2
    memory         = 4
  }
}

resource "xelon_kubernetes_node_pool" "general" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.demo.id
  name                  = "general"
  node_count            = 3
  cpu_core_count        = 4
  memory                = 8
}

resource "xelon_kubernetes_node_pool" "storage" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.demo.id
  name                  = "storage"
  node_count            = 2
  extra_storage_size    = 100
}

# Opened for each run, never written to state or plan files: feed it to the
# kubernetes or helm provider, or to an ephemeral output of a module.
ephemeral "xelon_kubernetes_kubeconfig" "demo" {
  kubernetes_cluster_id = xelon_kubernetes_cluster.demo.id
}

# The kubernetes and helm providers take the connection from its attributes
# (commented out here, as neither is installed offline; add them to
# required_providers to use them):
#
#   provider "kubernetes" {
#     host                   = ephemeral.xelon_kubernetes_kubeconfig.demo.host
#     cluster_ca_certificate = ephemeral.xelon_kubernetes_kubeconfig.demo.cluster_ca_certificate
#     client_certificate     = ephemeral.xelon_kubernetes_kubeconfig.demo.client_certificate
#     client_key             = ephemeral.xelon_kubernetes_kubeconfig.demo.client_key
#   }
#
#   provider "helm" {
#     kubernetes = {   # helm provider 3.x; a `kubernetes { ... }` block in 2.x
#       host                   = ephemeral.xelon_kubernetes_kubeconfig.demo.host
#       cluster_ca_certificate = ephemeral.xelon_kubernetes_kubeconfig.demo.cluster_ca_certificate
#       client_certificate     = ephemeral.xelon_kubernetes_kubeconfig.demo.client_certificate
#       client_key             = ephemeral.xelon_kubernetes_kubeconfig.demo.client_key
#     }
#   }

output "cluster_id" {
  description = "The cluster's ID."
  value       = xelon_kubernetes_cluster.demo.id
}

output "versions" {
  description = "The Talos and Kubernetes versions the cluster runs."
  value = {
    talos      = xelon_kubernetes_cluster.demo.talos_version
    kubernetes = xelon_kubernetes_cluster.demo.kubernetes_version
  }
}

output "node_pools" {
  description = "Each pool's nodes and their status."
  value = {
    for pool in [xelon_kubernetes_node_pool.general, xelon_kubernetes_node_pool.storage] :
    pool.name => [for node in pool.nodes : "${node.name}: ${node.status}"]
  }
}
