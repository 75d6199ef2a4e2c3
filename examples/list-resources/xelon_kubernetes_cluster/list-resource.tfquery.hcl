# Every cluster the API token can see: `terraform query` prints each one's
# identity and name. `terraform query -generate-config-out=generated.tf`
# writes a resource block and an `import` block (by identity) for each,
# ready to `terraform apply`.
list "xelon_kubernetes_cluster" "all" {
  provider = xelon
}

# Only the clusters named "staging" in one cloud, with their whole state
# (shown by `terraform query -json`).
list "xelon_kubernetes_cluster" "staging" {
  provider         = xelon
  include_resource = true
  limit            = 10

  config {
    name     = "staging"
    cloud_id = "cloud-abc123"
  }
}
