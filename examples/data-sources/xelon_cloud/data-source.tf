# A cloud by name; its ID is the `cloud_id` of a cluster.
data "xelon_cloud" "main" {
  name = "Main HCP Cloud"
}

# A cloud by ID.
data "xelon_cloud" "by_id" {
  id = "cloud-1"
}

# Both: accepted when they name the same cloud, an error otherwise.
data "xelon_cloud" "hcp" {
  id   = "cloud-1"
  name = "Main HCP Cloud"
}

output "cloud" {
  value = {
    id      = data.xelon_cloud.main.id
    type    = data.xelon_cloud.main.type
    hv_type = data.xelon_cloud.main.hv_type
  }
}
