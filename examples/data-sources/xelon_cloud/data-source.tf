# A cloud by name (or by `id`); its ID is the `cloud_id` of a cluster.
data "xelon_cloud" "main" {
  name = "Main HCP Cloud"
}

output "cloud" {
  value = {
    id      = data.xelon_cloud.main.id
    type    = data.xelon_cloud.main.type
    hv_type = data.xelon_cloud.main.hv_type
  }
}
