# A Kubernetes cluster on Xelon HQ.
#
# Run it offline against the emulator with scripts/quickstart.sh, or against a
# real Xelon account: export XELON_TOKEN (and XELON_BASE_URL if needed), set
# the variables below to your tenant and cloud, and run terraform as usual.

terraform {
  required_version = ">= 1.5"
  required_providers {
    xelon = {
      source = "xelon-ag/xelon"
    }
  }
}

provider "xelon" {}

variable "tenant_id" {
  description = "The tenant that owns the cluster (the emulator's is tenant-1)."
  type        = string
  default     = "tenant-1"
}

variable "cloud_id" {
  description = "The cloud to run in (the emulator offers cloud-1 and cloud-2)."
  type        = string
  default     = "cloud-1"
}

resource "xelon_kubernetes_cluster" "demo" {
  cloud_id           = var.cloud_id
  tenant_id          = var.tenant_id
  name               = "quickstart"
  talos_version      = "1.9.1"
  kubernetes_version = "1.32.0"

  control_plane = {
    cpu_core_count = 2
    memory         = 4
  }
}

output "cluster_id" {
  value = xelon_kubernetes_cluster.demo.id
}

output "control_plane" {
  value = xelon_kubernetes_cluster.demo.control_plane
}
