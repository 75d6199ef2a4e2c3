# `terraform test` for the quickstart stack. Against the local emulator it
# needs no Xelon account: start `xelon-emulator --listen 127.0.0.1:0`, export
# XELON_BASE_URL=<the URL it prints> XELON_TOKEN=anything, then run
# `terraform init && terraform test`. Everything it creates is destroyed at the end.

run "cluster_runs_the_latest_versions" {
  command = apply

  assert {
    condition     = xelon_kubernetes_cluster.demo.talos_version == data.xelon_kubernetes_cluster_versions.available.latest.talos_version
    error_message = "The cluster does not run the newest Talos version the cloud offers."
  }

  assert {
    condition     = xelon_kubernetes_cluster.demo.control_plane.high_availability_enabled
    error_message = "The control plane should be highly available by default."
  }
}

run "pools_are_ready" {
  command = apply

  assert {
    condition     = length(xelon_kubernetes_node_pool.general.nodes) == 3
    error_message = "The general pool should have 3 nodes."
  }

  assert {
    condition     = alltrue([for node in xelon_kubernetes_node_pool.storage.nodes : node.status == "Deployed"])
    error_message = "Every storage node should be Deployed."
  }

  assert {
    condition     = xelon_kubernetes_node_pool.storage.extra_storage_size == 100
    error_message = "The storage pool should carry a 100 GB data disk per node."
  }
}

# The connection attributes that configure the kubernetes and helm providers
# (see main.tf). The helper module checks that the ephemeral resource's equal
# the data source's asserted here.
run "kubeconfig_wires_providers" {
  command = apply

  module {
    source = "./tests/kubeconfig"
  }

  variables {
    cluster_id = run.pools_are_ready.cluster_id
  }

  assert {
    condition     = startswith(data.xelon_kubernetes_cluster.this.host, "https://") && endswith(data.xelon_kubernetes_cluster.this.host, ":6443")
    error_message = "host should be the API server's https URL."
  }

  assert {
    condition     = startswith(data.xelon_kubernetes_cluster.this.cluster_ca_certificate, "-----BEGIN CERTIFICATE-----")
    error_message = "cluster_ca_certificate should be a PEM certificate."
  }

  assert {
    condition     = startswith(data.xelon_kubernetes_cluster.this.client_certificate, "-----BEGIN CERTIFICATE-----")
    error_message = "client_certificate should be a PEM certificate."
  }

  assert {
    condition     = data.xelon_kubernetes_cluster.this.client_certificate != data.xelon_kubernetes_cluster.this.cluster_ca_certificate
    error_message = "client_certificate should not be the CA certificate."
  }

  assert {
    condition     = can(regex("^-----BEGIN [A-Z ]*PRIVATE KEY-----", data.xelon_kubernetes_cluster.this.client_key))
    error_message = "client_key should be a PEM private key."
  }

  assert {
    condition     = strcontains(data.xelon_kubernetes_cluster.this.kubeconfig_raw, base64encode(data.xelon_kubernetes_cluster.this.client_key))
    error_message = "client_key should be the kubeconfig's client-key-data, decoded."
  }
}

run "renamed_cluster" {
  command = plan

  variables {
    cluster_name = "renamed"
  }

  assert {
    condition     = xelon_kubernetes_cluster.demo.name == "renamed"
    error_message = "The plan should rename (replace) the cluster."
  }
}
