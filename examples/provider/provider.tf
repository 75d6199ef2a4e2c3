terraform {
  required_providers {
    xelon = {
      source = "xelon-ag/xelon"
    }
  }
}

variable "xelon_token" {
  description = "A Xelon HQ API token. Leave it unset to use the XELON_TOKEN environment variable instead."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true # never written to plan files (Terraform 1.10 and later)
}

provider "xelon" {
  token = var.xelon_token

  # base_url  = "https://hq.xelon.ch/api/v2/" # the default; or XELON_BASE_URL
  # client_id = "..."                         # for IP-range based access; or XELON_CLIENT_ID
}
