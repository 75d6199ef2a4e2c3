# The tenant the provider's API token belongs to.
data "xelon_tenant" "current" {}

# Another tenant, e.g. a customer of a reseller, by name: a tenant with
# exactly this name, or else the only one a search for it finds.
data "xelon_tenant" "customer" {
  name = "Acme AG"
}

# By ID.
data "xelon_tenant" "by_id" {
  id = "90531b0df9"
}

# Both: accepted when they name the same tenant, an error otherwise.
data "xelon_tenant" "team" {
  id   = "90531b0df9"
  name = "Team Backend"
}

output "tenant_ids" {
  value = {
    current  = data.xelon_tenant.current.id
    customer = data.xelon_tenant.customer.id
  }
}
