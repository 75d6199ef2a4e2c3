# A helper module for quickstart.tftest.hcl: opens a cluster's kubeconfig
# as main.tf does and reads it with the xelon_kubernetes_cluster data source.
# `terraform test` cannot assert on ephemeral values, so the ephemeral
# resource's connection attributes (what the kubernetes and helm providers
# take) are checked here, in a precondition, against the data source's, on
# which the test asserts.

terraform {
  required_providers {
    xelon = {
      source = "xelon-ag/xelon"
    }
  }
}

variable "cluster_id" {
  description = "The cluster whose kubeconfig to read."
  type        = string
}

ephemeral "xelon_kubernetes_kubeconfig" "this" {
  kubernetes_cluster_id = var.cluster_id
}

data "xelon_kubernetes_cluster" "this" {
  kubernetes_cluster_id = var.cluster_id
}

resource "terraform_data" "ephemeral_matches_data_source" {
  lifecycle {
    precondition {
      condition = alltrue([
        for name in ["host", "cluster_ca_certificate", "client_certificate", "client_key"] :
        ephemeral.xelon_kubernetes_kubeconfig.this[name] == data.xelon_kubernetes_cluster.this[name]
      ])
      error_message = "The ephemeral kubeconfig's connection attributes differ from the data source's."
    }
  }
}
