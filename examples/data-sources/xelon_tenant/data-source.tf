# The tenant the provider's API token belongs to.
data "xelon_tenant" "current" {}

# Another tenant, e.g. a customer of a reseller, by name (or by `id`).
data "xelon_tenant" "customer" {
  name = "Acme AG"
}

output "tenant_ids" {
  value = {
    current  = data.xelon_tenant.current.id
    customer = data.xelon_tenant.customer.id
  }
}
